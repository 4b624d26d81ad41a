package inbox

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"switchboard/inbox/domain"
	"switchboard/routing"
)

// ContactView is a contact as screens and commands show it: its stable id and its WhatsApp
// identities (Phone is "" when the customer does not share their number).
type ContactView struct {
	ID          string   `json:"id"`
	Name        string   `json:"name"`
	Owner       *string  `json:"owner"`
	OwnerName   string   `json:"owner_name,omitempty"`
	Tags        []string `json:"tags"`
	Phone       string   `json:"phone"`
	BSUID       string   `json:"bsuid,omitempty"`
	ParentBSUID string   `json:"parent_bsuid,omitempty"`
	Username    string   `json:"username,omitempty"`
	PastPhones  []string `json:"past_phones,omitempty"`
}

// Display is the contact's name, else its @username, else its number, else its BSUID.
func (c ContactView) Display() string {
	switch {
	case c.Name != "":
		return c.Name
	case c.Username != "":
		return "@" + c.Username
	case c.Phone != "":
		return "+" + c.Phone
	case c.BSUID != "":
		return c.BSUID
	}
	return c.ID
}

// Labeled is the contact as one line names it: its name and number ("Dana Diaz
// +15550001111"), or the number alone for a contact shown by it (no name).
func (c ContactView) Labeled() string {
	if n := c.Number(); n != c.Display() {
		return c.Display() + " " + n
	}
	return c.Display()
}

// Number is the contact's number as people write it, or "number not shared".
func (c ContactView) Number() string {
	if c.Phone == "" {
		return TextNoNumber
	}
	return "+" + c.Phone
}

// Handle is what names the contact in a command: their number, else their BSUID, else the id.
func (c ContactView) Handle() string {
	switch {
	case c.Phone != "":
		return "+" + c.Phone
	case c.BSUID != "":
		return c.BSUID
	}
	return c.ID
}

// OwnerID is the owner's id, "" for none.
func (c ContactView) OwnerID() string {
	if c.Owner == nil {
		return ""
	}
	return *c.Owner
}

// TextNoNumber stands where a contact's number would be when they do not share it.
const TextNoNumber = "number not shared"

// PromptView is a pending team-mismatch decision.
type PromptView struct {
	Contact     string             `json:"contact"`
	ContactName string             `json:"contact_name"`
	Kind        routing.PromptKind `json:"kind"`
	Owner       string             `json:"owner"` // the operator the prompt would assign
	OwnerName   string             `json:"owner_name"`
	Team        string             `json:"team"`
	TeamName    string             `json:"team_name"`
	Choices     []string           `json:"choices"`
	ChoiceNames []string           `json:"choice_names"`
	RaisedBy    string             `json:"raised_by"`
	At          time.Time          `json:"at"`
	// Question is the sentence that asks it, e.g. "Carol owns Eve Ortiz but is not in Sales.
	// Move the conversation to one of Carol's teams?"
	Question string `json:"question"`
}

// ConversationView is a conversation as the list and the conversation pane show it.
type ConversationView struct {
	Contact      ContactView    `json:"contact"`
	Status       routing.Status `json:"status"`
	Assignee     *string        `json:"assignee"`
	AssigneeName string         `json:"assignee_name,omitempty"`
	Team         string         `json:"team"`
	TeamName     string         `json:"team_name,omitempty"`
	Prompt       *PromptView    `json:"prompt,omitempty"`
	BotHold      bool           `json:"bot_hold,omitempty"`
	Version      uint64         `json:"version"`
	LastAt       time.Time      `json:"last_at"`
	Preview      string         `json:"preview"`
	PreviewKind  EntryKind      `json:"preview_kind"`
	Unread       int            `json:"unread"`
	Why          string         `json:"why"`
	WhyReason    string         `json:"why_reason"`
	// Cover is the owner the assignee stands in for (owner away), with their name and presence
	// now; nil when the assignee covers for nobody.
	Cover       *string          `json:"cover,omitempty"`
	CoverName   string           `json:"cover_name,omitempty"`
	CoverStatus routing.Presence `json:"cover_status,omitempty"`
	// Backlog: it waits with Bot in its team's backlog, for round robin to find someone.
	Backlog bool `json:"backlog,omitempty"`
}

// Covering reports whether the assignee is a cover standing in for the owner (Cover).
func (c ConversationView) Covering() bool {
	return c.Cover != nil && c.AssigneeID() != "" && c.AssigneeID() != routing.Bot
}

// AssigneeText is the assignee as screens say it: "Olga Novak (covering for Lena Fischer,
// away)", "Bot (waiting for a cover for Lena Fischer)", "Bot (backlog)", "nobody".
func (c ConversationView) AssigneeText() string {
	name := c.AssigneeName
	switch {
	case c.AssigneeID() == "":
		return "nobody"
	case name == "":
		name = c.AssigneeID()
	}
	switch {
	case c.Covering() && c.Status == routing.StatusOpen:
		return name + " (covering for " + c.coverWho() + ")"
	case c.Covering():
		return name + " (covered for " + c.CoverName + ")"
	case c.Cover != nil && c.Status == routing.StatusOpen:
		return name + " (waiting for a cover for " + c.coverWho() + ")"
	case c.Backlog:
		return name + " (backlog)"
	}
	return name
}

func (c ConversationView) coverWho() string {
	if c.CoverStatus != "" && c.CoverStatus != routing.Online {
		return c.CoverName + ", " + string(c.CoverStatus)
	}
	return c.CoverName
}

// AssigneeID returns the assignee id, "" for none.
func (c ConversationView) AssigneeID() string {
	if c.Assignee == nil {
		return ""
	}
	return *c.Assignee
}

// OwnerID returns the owner id, "" for none.
func (c ConversationView) OwnerID() string {
	if c.Contact.Owner == nil {
		return ""
	}
	return *c.Contact.Owner
}

func strPtr(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func (c *config) name(id string) string {
	switch id {
	case "":
		return ""
	case routing.Bot:
		return "Bot"
	case routing.Routing:
		return "routing"
	}
	if o, ok := c.op(id); ok && o.Name != "" {
		return o.Name
	}
	return id
}

func (c *config) teamName(id string) string {
	if t, ok := c.team(id); ok && t.Name != "" {
		return t.Name
	}
	return id
}

func (c *config) contactView(ct domain.Contact) ContactView {
	v := ContactView{ID: ct.ID, Name: ct.Name, Owner: strPtr(ct.Owner), Tags: ct.Tags, Phone: ct.Phone, BSUID: ct.BSUID,
		ParentBSUID: ct.ParentBSUID, Username: ct.Username, PastPhones: ct.PastPhones}
	if v.Tags == nil {
		v.Tags = []string{}
	}
	if ct.Owner != "" {
		v.OwnerName = c.name(ct.Owner)
	}
	return v
}

func (c *config) promptView(ct domain.Contact, p *domain.Prompt) *PromptView {
	if p == nil {
		return nil
	}
	// the choices are the owner's teams now (accepting checks membership now, too), not those
	// they had when the decision was raised
	v := &PromptView{Contact: ct.ID, ContactName: displayName(ct), Kind: p.Kind, Owner: p.Target, OwnerName: c.name(p.Target),
		Team: p.Team, TeamName: c.teamName(p.Team), Choices: c.teamsOf(p.Target), RaisedBy: p.RaisedBy, At: p.At}
	for _, t := range v.Choices {
		v.ChoiceNames = append(v.ChoiceNames, c.teamName(t))
	}
	if v.ChoiceNames == nil {
		v.ChoiceNames = []string{}
	}
	switch p.Kind {
	case routing.PromptAssign:
		v.Question = fmt.Sprintf("%s is not in %s. Move the conversation to one of %s's teams and assign %s?",
			v.OwnerName, v.TeamName, v.OwnerName, v.OwnerName)
	default:
		v.Question = fmt.Sprintf("%s owns %s but is not in %s. Move the conversation to one of %s's teams?",
			v.OwnerName, v.ContactName, v.TeamName, v.OwnerName)
	}
	if len(v.ChoiceNames) > 0 {
		v.Question += " (" + strings.Join(v.ChoiceNames, ", ") + ")"
	} else {
		v.Question += fmt.Sprintf(" (%s is in no team yet: add them to one, or decline)", v.OwnerName)
	}
	return v
}

// teamsOf returns the ids of the operator's teams, in workspace order.
func (c *config) teamsOf(op string) []string {
	out := []string{}
	for _, t := range c.teams {
		if slices.Contains(t.Members, op) {
			out = append(out, t.ID)
		}
	}
	return out
}

func (c *config) conversationView(ct domain.Contact, cv domain.Conversation) ConversationView {
	v := ConversationView{Contact: c.contactView(ct), Status: cv.Status, Assignee: strPtr(cv.Assignee),
		AssigneeName: c.name(cv.Assignee), Team: cv.Team, TeamName: c.teamName(cv.Team), Prompt: c.promptView(ct, cv.Prompt),
		BotHold: cv.BotHold, Version: cv.Version, LastAt: time.Unix(0, cv.LastAt).UTC(), Preview: cv.Preview,
		PreviewKind: cv.PreviewKind, Unread: cv.Unread, Why: cv.Why, WhyReason: cv.WhyReason, Backlog: cv.InBacklog()}
	if cv.Cover != "" {
		v.Cover, v.CoverName = strPtr(cv.Cover), c.name(cv.Cover)
		if o, ok := c.op(cv.Cover); ok {
			v.CoverStatus = o.Status
		}
	}
	return v
}

func displayName(ct domain.Contact) string {
	return ContactView{ID: ct.ID, Name: ct.Name, Phone: ct.Phone, BSUID: ct.BSUID, Username: ct.Username}.Display()
}

// EntryText is what an entry says, in one piece: the text, with what else a message carried
// said in words — the attachment ("[document Currículum café.pdf] my CV"), a form
// ("Submitted a form: name: Ana · size: M").
func EntryText(e domain.Entry) string {
	text := e.Text
	if len(e.Form) > 0 {
		fields := make([]string, len(e.Form))
		for i, f := range e.Form {
			fields[i] = f.Name + ": " + f.Value
		}
		if text == "" {
			text = "Submitted a form"
		}
		text += ": " + strings.Join(fields, " · ")
	}
	if m := e.Media; m != nil {
		label := m.Type
		if m.Filename != "" {
			label += " " + m.Filename
		}
		if m.Error != "" {
			label += ", not received: " + m.Error
		}
		if text == "" {
			return "[" + label + "]"
		}
		return "[" + label + "] " + text
	}
	return text
}

// EntryContext are the lines that go before an entry's text: the message it answers, the ad it
// came from, a reply sent from the WhatsApp Business app.
func EntryContext(e domain.Entry) []string {
	var out []string
	if e.Source == SourceApp {
		out = append(out, "sent from the WhatsApp Business app")
	}
	if e.Context != "" {
		if e.Quote != "" {
			out = append(out, "↪ answers “"+e.Quote+"”")
		} else {
			out = append(out, "↪ answers an earlier message")
		}
	}
	if r := e.Referral; r != nil {
		what := r.Headline
		if what == "" {
			what = r.Body
		}
		if what == "" {
			what = r.SourceURL
		}
		if what == "" {
			what = "an ad"
		}
		via := "via ad: "
		if r.SourceType == "post" {
			via = "via post: "
		}
		out = append(out, via+clipLine(what, 120))
	}
	return out
}

// SourceApp marks a reply sent from the WhatsApp Business app on a phone (an echo).
const SourceApp = "app"

// Outcome is what a command did to a conversation.
type Outcome struct {
	Conversation ConversationView `json:"conversation"`
	// Reason is the decision's reason code; Why explains it in a sentence.
	Reason string `json:"reason"`
	Why    string `json:"why"`
	// Prompt is set when this command raised a team-mismatch decision that now waits.
	Prompt *PromptView `json:"prompt,omitempty"`
	// Duplicate: the inbound event's external id was seen before (whichever identity of the
	// customer it came with); nothing was stored again. The identities it carried were linked to
	// the contact that has the event, as the event would have linked them the first time.
	Duplicate bool `json:"duplicate,omitempty"`
	// Unlinked: a duplicate carried identities that could not be linked to the contact that has
	// the event (they contradict it, or name another customer); it says which and why.
	Unlinked string `json:"unlinked,omitempty"`
	// Entry is the timeline entry the command added (inbound events and replies).
	Entry *domain.Entry `json:"entry,omitempty"`
	// Reopened: the reply was to a closed conversation, which it reopened.
	Reopened bool `json:"reopened,omitempty"`
}
