// Package demo builds Switchboard's demo workspace (a believable team inbox to learn contact
// owner-based routing on), generates large workspaces for load and performance work, and runs
// the guided training tour. It goes through the inbox service like every other room; it must
// not touch the store directly or draw anything.
package demo

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"time"

	"switchboard/inbox"
	"switchboard/routing"
)

// Admin is the operator the demo opens as.
const Admin = "maya"

// The people, teams and rules of the demo workspace.
var (
	operators = []inbox.Operator{
		{ID: "ines", Name: "Inés García", Role: "operator", Status: "away"},
		{ID: "ken", Name: "Ken Watanabe", Role: "operator", Status: "online"},
		{ID: "lena", Name: "Lena Fischer", Role: "operator", Status: "online"},
		{ID: "maya", Name: "Maya Patel", Role: "admin", Status: "online"},
		{ID: "omar", Name: "Omar Haddad", Role: "operator", Status: "online"},
		{ID: "raj", Name: "Raj Mehta", Role: "operator", Status: "online"},
		{ID: "sofia", Name: "Sofia Rossi", Role: "operator", Status: "offline"},
		{ID: "tom", Name: "Tom Becker", Role: "admin", Status: "away"},
	}
	teams = []inbox.Team{
		{ID: "sales", Name: "Sales", Members: []string{"tom", "ken", "ines"}},
		{ID: "support", Name: "Support", Members: []string{"maya", "lena", "omar", "sofia"}},
		{ID: "billing", Name: "Billing", Members: []string{"raj", "omar"}},
	}
	rules = []inbox.Rule{
		{Name: "refunds", Channel: "message", Keyword: "refund", To: "team:billing"},
		{Name: "vip-calls", Channel: "call", Tag: "vip", To: "team:sales"},
	}
)

// A scripted contact of the demo: the ones the tour names have fixed shapes.
type script struct {
	id, name, owner string
	tags            []string
	status, team    string
	assignee        string
	lines           []string // the conversation, alternating customer / operator
	call            string   // "", "missed" or "answered"
}

// The tour's contacts. Keep their shapes: the tour's steps depend on them.
var tourContacts = []script{
	// owner Lena is in Support, conversation closed: a message goes back to Lena (rule 2a)
	{id: "4915112345001", name: "Priya Shah", owner: "lena", status: "closed", team: "support", assignee: "lena",
		lines: []string{"Hi, my parcel never arrived", "Sorry about that, Priya, I have resent it today", "Got it, thanks!"}},
	// open with Omar while Ken owns the contact: the next message keeps Omar and the owner follows
	{id: "4915112345002", name: "Jonas Berg", owner: "ken", status: "open", team: "support", assignee: "omar",
		lines: []string{"The app logs me out every hour", "Looking into it now, Jonas"}},
	// owner Ken is in Sales, conversation closed in Support: a reopen raises the team decision
	{id: "4915112345003", name: "Eve Ortiz", owner: "ken", status: "closed", team: "support", assignee: "lena",
		tags: []string{"vip"}, lines: []string{"Can I change my plan?", "Yes — done, Eve"}},
	// owner Inés is in Sales, conversation closed in Support: the second team decision (decline)
	{id: "4915112345004", name: "Lucas Moreau", owner: "ines", status: "closed", team: "support", assignee: "omar",
		lines: []string{"Is there a student discount?", "There is — 20% with a valid card"}},
	// open with Lena, owned by Lena: change the owner to Raj (Billing only) to see the prompt
	{id: "4915112345005", name: "Hana Sato", owner: "lena", status: "open", team: "support", assignee: "lena",
		lines: []string{"I was charged twice this month", "Let me check that for you, Hana"}},
	// owner Omar is in Billing, conversation closed in Billing: a call goes back to Omar
	{id: "4915112345006", name: "Noah Klein", owner: "omar", status: "closed", team: "billing", assignee: "omar",
		lines: []string{"Invoice 2211 looks wrong", "Corrected and re-sent, Noah"}, call: "answered"},
	// owner Lena, closed in Support: with routing off the next reopen goes to round robin
	{id: "4915112345007", name: "Chloe Dubois", owner: "lena", status: "closed", team: "support", assignee: "lena",
		lines: []string{"How do I export my data?", "Settings → Export, Chloe"}},
	// owner Sofia (offline) in Support, closed: with an owner-away wait of 0 a cover takes the
	// reopen; after it closes, Sofia (online again) gets the next one back
	{id: "4915112345008", name: "Mila Horvat", owner: "sofia", status: "closed", team: "support", assignee: "sofia",
		lines: []string{"Can I move my delivery to Friday?", "Done — Friday it is, Mila"}},
}

var fillerNames = []string{"Amir Khan", "Beatriz Souza", "Carlos Mendes", "Daniela Costa", "Emil Novak",
	"Fatima Zahra", "Gabriel Silva", "Hiro Tanaka", "Isabel Ruiz", "Jakub Kowalski", "Kofi Mensah",
	"Laila Haddad", "Mateo López", "Nadia Petrova", "Oskar Lind", "Paula Ferreira", "Quentin Roy",
	"Rosa Martín", "Samir Aziz", "Tara Singh", "Umar Farouk", "Valentina Greco", "Wei Chen"}

var fillerLines = [][]string{
	{"Do you ship to Portugal?", "We do — 3 to 5 working days", "Perfect"},
	{"I need a refund for order 5521", "Refund issued, it takes 3 days to show"},
	{"My password reset email never comes", "Sent a new link just now", "Works now, thanks"},
	{"Can I add a second user?", "Yes, from Team settings"},
	{"What are your opening hours?", "9 to 18, Monday to Friday"},
	{"The card payment failed", "Please try again — the bank had an outage"},
	{"Hello?"},
	{"Is the blue one back in stock?", "Next Tuesday!"},
}

// Seed fills an empty service with the demo workspace: Business plan, routing and round robin
// on, three teams, eight operators (two admins), about thirty contacts with histories, and two
// automation rules.
func Seed(ctx context.Context, svc *inbox.Service) error {
	return importDoc(ctx, svc, Workspace(time.Now().UTC()))
}

// Workspace returns the demo workspace document, with its history ending shortly before now.
func Workspace(now time.Time) inbox.Document {
	now = now.Truncate(time.Second)
	doc := inbox.Document{Format: inbox.Format,
		Settings: inbox.Settings{Plan: "business", ContactOwnerRouting: true, RoundRobin: true, DefaultTeam: "support", Rules: rules},
		Teams:    teams, Operators: operators}
	scripts := append([]script(nil), tourContacts...)
	owners := []string{"", "lena", "", "omar", "ken", "", "raj", "", "lena", ""}
	for i, name := range fillerNames {
		s := script{id: fmt.Sprintf("3465500%04d", 1000+i*37), name: name, owner: owners[i%len(owners)],
			lines: fillerLines[i%len(fillerLines)]}
		switch {
		case i%3 == 0:
			s.status = "closed"
		default:
			s.status = "open"
		}
		s.team = "support"
		if s.owner == "ken" {
			s.team = "sales"
		}
		if s.owner == "raj" || i%7 == 1 {
			s.team = "billing"
		}
		switch {
		case len(s.lines) == 1:
			s.assignee = "" // a fresh question nobody has picked up
		case s.owner != "" && member(s.team, s.owner):
			s.assignee = s.owner
		default:
			s.assignee = firstOperator(s.team)
		}
		if i%5 == 2 {
			s.call = "missed"
		}
		if i%9 == 4 {
			s.assignee = "bot"
		}
		if i%4 == 3 {
			s.tags = []string{"vip"}
		}
		scripts = append(scripts, s)
	}
	opName := map[string]string{}
	for _, o := range operators {
		opName[o.ID] = o.Name
	}
	for i, s := range scripts {
		c := inbox.DocContact{ID: s.id, Name: s.name, Tags: s.tags}
		if c.Tags == nil {
			c.Tags = []string{}
		}
		if s.owner != "" {
			o := s.owner
			c.Owner = &o
		}
		doc.Contacts = append(doc.Contacts, c)
		// each conversation starts a few hours apart, the newest a few minutes ago
		start := now.Add(-time.Duration(len(scripts)-i) * 97 * time.Minute)
		cv := inbox.DocConversation{Contact: s.id, Status: routing.Status(s.status), Team: s.team}
		if s.assignee != "" {
			a := s.assignee
			cv.Assignee = &a
		}
		at := start
		next := func() time.Time { at = at.Add(3 * time.Minute); return at }
		cv.Timeline = append(cv.Timeline, inbox.Entry{At: next(), Kind: "message", ID: fmt.Sprintf("wamid.demo.%s.1", s.id), Text: s.lines[0]})
		why, reason := routedNote(s, opName)
		if reason != "" {
			cv.Timeline = append(cv.Timeline, inbox.Entry{At: at, Kind: "note", By: "routing", Reason: reason, Text: why})
		}
		cv.Why, cv.WhyReason = why, reason
		for j, line := range s.lines[1:] {
			if j%2 == 0 {
				by := s.assignee
				if by == "" || by == "bot" {
					by = firstOperator(s.team)
				}
				cv.Timeline = append(cv.Timeline, inbox.Entry{At: next(), Kind: "reply", By: by, Text: line,
					ID: fmt.Sprintf("sb.%s.%d", s.id, len(cv.Timeline)+1), Delivery: "read"})
			} else {
				cv.Timeline = append(cv.Timeline, inbox.Entry{At: next(), Kind: "message", ID: fmt.Sprintf("wamid.demo.%s.%d", s.id, j+2), Text: line})
			}
		}
		switch s.call {
		case "missed":
			cv.Timeline = append(cv.Timeline, inbox.Entry{At: next(), Kind: "call", ID: "wacid.demo." + s.id, Outcome: "missed"})
		case "answered":
			cv.Timeline = append(cv.Timeline, inbox.Entry{At: next(), Kind: "call", ID: "wacid.demo." + s.id, Outcome: "answered", Duration: 184})
		}
		if len(s.lines) == 1 {
			cv.Unread = 1
		}
		if s.status == "closed" {
			cv.Timeline = append(cv.Timeline, inbox.Entry{At: next(), Kind: "note", By: firstOperator(s.team), Reason: "closed",
				Text: opName[firstOperator(s.team)] + " closed the conversation"})
		}
		doc.Conversations = append(doc.Conversations, cv)
	}
	return doc
}

func routedNote(s script, name map[string]string) (why, reason string) {
	switch {
	case s.assignee == "":
		return "Unassigned — waiting in " + teamName(s.team) + " for someone to pick it up", ""
	case s.assignee == "bot":
		return "No contact owner (rule 3): round robin in " + teamName(s.team) + " found nobody online (it came in at night), so Bot has it", "round_robin"
	case s.owner == s.assignee:
		return "Assigned to " + name[s.owner] + " — contact owner (rule 2a); " + name[s.owner] + " is in " + teamName(s.team), "owner"
	case s.owner != "":
		return "Stays with " + name[s.assignee] + " — active human assignee (rule 1)", "active_assignee"
	}
	return "No contact owner (rule 3): round robin in " + teamName(s.team) + ": picked " + name[s.assignee] + " (least recently assigned)", "round_robin"
}

func member(team, op string) bool {
	for _, t := range teams {
		if t.ID == team {
			for _, m := range t.Members {
				if m == op {
					return true
				}
			}
		}
	}
	return false
}

// firstOperator is the team's first member with the operator role.
func firstOperator(team string) string {
	for _, t := range teams {
		if t.ID != team {
			continue
		}
		for _, m := range t.Members {
			for _, o := range operators {
				if o.ID == m && o.Role == "operator" {
					return m
				}
			}
		}
	}
	return ""
}

func teamName(id string) string {
	for _, t := range teams {
		if t.ID == id {
			return t.Name
		}
	}
	return id
}

func importDoc(ctx context.Context, svc *inbox.Service, doc inbox.Document) error {
	var b bytes.Buffer
	if err := json.NewEncoder(&b).Encode(doc); err != nil {
		return err
	}
	return svc.Import(ctx, "", &b, false)
}
