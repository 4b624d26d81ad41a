package inbox

import (
	"bufio"
	"bytes"
	"context"
	"encoding"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"slices"
	"sort"
	"strings"
	"time"

	"switchboard/inbox/domain"
	"switchboard/routing"
)

// Format is the workspace document's format tag.
const Format = "switchboard/v1"

// Document is the whole workspace as one JSON document (see docs/workspace.md).
type Document struct {
	Format        string                             `json:"format"`
	Settings      domain.Settings                    `json:"settings"`
	Teams         []domain.Team                      `json:"teams"`
	Operators     []domain.Operator                  `json:"operators"`
	Contacts      []DocContact                       `json:"contacts"`
	Conversations []DocConversation                  `json:"conversations"`
	Prompts       []DocPrompt                        `json:"prompts"`
	Notifications []DocNotification                  `json:"notifications"`
	RoundRobin    map[string]routing.RoundRobinState `json:"round_robin"`
	History       []DocSettingChange                 `json:"settings_history"`
}

// DocContact is a contact in the document; Owner is null when there is none.
type DocContact struct {
	ID    string   `json:"id"`
	Name  string   `json:"name"`
	Owner *string  `json:"owner"`
	Tags  []string `json:"tags"`
	// Identities are the contact's WhatsApp identities. A document written before contacts had
	// them has none: each contact's id is then its number.
	Identities *DocIdentities `json:"identities,omitempty"`
}

// DocIdentities are a contact's WhatsApp identities in the document.
type DocIdentities struct {
	Phone       string   `json:"phone"` // digits; "" when the customer does not share it
	BSUID       string   `json:"bsuid,omitempty"`
	ParentBSUID string   `json:"parent_bsuid,omitempty"`
	Username    string   `json:"username,omitempty"`
	PastPhones  []string `json:"past_phones,omitempty"`
	PastBSUIDs  []string `json:"past_bsuids,omitempty"`
	Aliases     []string `json:"aliases,omitempty"` // ids of contacts merged into this one
}

// docContact writes a contact for the document.
func docContact(c domain.Contact) DocContact {
	tags := c.Tags
	if tags == nil {
		tags = []string{}
	}
	return DocContact{ID: c.ID, Name: c.Name, Owner: strPtr(c.Owner), Tags: tags, Identities: &DocIdentities{
		Phone: c.Phone, BSUID: c.BSUID, ParentBSUID: c.ParentBSUID, Username: c.Username,
		PastPhones: c.PastPhones, PastBSUIDs: c.PastBSUIDs, Aliases: c.Aliases}}
}

// record is the stored contact a document's contact describes.
func (c DocContact) record() domain.Contact {
	ct := domain.Contact{ID: c.ID, Name: c.Name, Tags: c.Tags}
	if c.Owner != nil {
		ct.Owner = *c.Owner
	}
	if id := c.Identities; id != nil {
		ct.Phone, ct.BSUID, ct.ParentBSUID, ct.Username = id.Phone, id.BSUID, id.ParentBSUID, id.Username
		ct.PastPhones, ct.PastBSUIDs, ct.Aliases = id.PastPhones, id.PastBSUIDs, id.Aliases
	} else {
		ct.Phone = c.ID // written before identities: the id is the number
	}
	return ct
}

// DocConversation is a conversation with its whole timeline.
type DocConversation struct {
	Contact   string         `json:"contact"`
	Status    routing.Status `json:"status"`
	Assignee  *string        `json:"assignee"`
	Team      string         `json:"team"`
	BotHold   bool           `json:"bot_hold,omitempty"`
	Cover     *string        `json:"cover,omitempty"`   // the owner the assignee stands in for
	Backlog   bool           `json:"backlog,omitempty"` // waits in its team's backlog
	Version   uint64         `json:"version,omitempty"`
	Unread    int            `json:"unread,omitempty"`
	Why       string         `json:"why,omitempty"`
	WhyReason string         `json:"why_reason,omitempty"`
	Timeline  []domain.Entry `json:"timeline"`
}

// DocPrompt is a waiting team-mismatch decision.
type DocPrompt struct {
	Contact  string             `json:"contact"`
	Kind     routing.PromptKind `json:"kind,omitempty"` // inbound (default), assign, owner
	Owner    string             `json:"owner"`
	Team     string             `json:"team"`
	Choices  []string           `json:"choices"`
	RaisedBy string             `json:"raised_by"`
	At       time.Time          `json:"at,omitempty"`
	// what a person's own action changed before it raised the decision, so it can be cancelled
	// (prev_owner, prev_cover), and the why it replaced (prev_why, prev_why_reason)
	PrevOwner     string `json:"prev_owner,omitempty"`
	PrevCover     string `json:"prev_cover,omitempty"`
	PrevWhy       string `json:"prev_why,omitempty"`
	PrevWhyReason string `json:"prev_why_reason,omitempty"`
}

// DocNotification is a notification to one operator.
type DocNotification struct {
	To      string    `json:"to"`
	At      time.Time `json:"at"`
	Read    bool      `json:"read"`
	Text    string    `json:"text"`
	Contact string    `json:"contact,omitempty"`
}

// DocSettingChange is one settings history entry.
type DocSettingChange struct {
	Setting string    `json:"setting"`
	By      string    `json:"by"`
	At      time.Time `json:"at"`
	From    string    `json:"from"`
	To      string    `json:"to"`
}

// Export writes the workspace document. The output is deterministic: the same workspace always
// gives the same bytes. Each list element is one line.
func (s *Service) Export(ctx context.Context, out io.Writer) error {
	bw := bufio.NewWriterSize(out, 1<<16)
	err := s.db.View(func(tx domain.ReadTx) error {
		st, err := tx.Settings()
		if err != nil {
			return err
		}
		if st.Rules == nil {
			st.Rules = []domain.Rule{}
		}
		teams, err := tx.Teams()
		if err != nil {
			return err
		}
		ops, err := tx.Operators()
		if err != nil {
			return err
		}
		rr, err := tx.RoundRobin()
		if err != nil {
			return err
		}
		rr = knownPeopleOnly(rr, ops)
		hist, err := tx.History()
		if err != nil {
			return err
		}
		ew := &elemWriter{w: bw}
		ew.raw("{\n")
		ew.field("format", Format)
		ew.field("settings", st)
		ew.list("teams", len(teams), func(i int) any {
			t := teams[i]
			if t.Members == nil {
				t.Members = []string{}
			}
			return t
		})
		ew.list("operators", len(ops), func(i int) any { return ops[i] })
		// contacts, conversations and prompts stream in contact id order
		ew.open("contacts")
		if err := tx.Contacts(func(c domain.Contact) bool {
			ew.elem(docContact(c))
			return ew.err == nil
		}); err != nil {
			return err
		}
		ew.close()
		var prompts []DocPrompt
		ew.open("conversations")
		if err := tx.Conversations(func(c domain.Conversation) error {
			dc := DocConversation{Contact: c.Contact, Status: c.Status, Assignee: strPtr(c.Assignee), Team: c.Team,
				BotHold: c.BotHold, Cover: strPtr(c.Cover), Backlog: c.Backlog, Version: c.Version, Unread: c.Unread, Why: c.Why, WhyReason: c.WhyReason}
			cursor := ""
			var pages [][]domain.Entry
			for {
				es, prev, err := tx.Timeline(c.Contact, cursor, 1000)
				if err != nil {
					return err
				}
				pages = append(pages, es)
				if prev == "" {
					break
				}
				cursor = prev
			}
			dc.Timeline = []domain.Entry{}
			for i := len(pages) - 1; i >= 0; i-- {
				dc.Timeline = append(dc.Timeline, pages[i]...)
			}
			ew.elem(dc)
			if p := c.Prompt; p != nil {
				prompts = append(prompts, DocPrompt{Contact: c.Contact, Kind: p.Kind, Owner: p.Target, Team: p.Team,
					Choices: p.Choices, RaisedBy: p.RaisedBy, At: p.At,
					PrevOwner: p.PrevOwner, PrevCover: p.PrevCover, PrevWhy: p.PrevWhy, PrevWhyReason: p.PrevWhyReason})
			}
			return ew.err
		}); err != nil {
			return err
		}
		ew.close()
		ew.list("prompts", len(prompts), func(i int) any { return prompts[i] })
		var notes []DocNotification
		if err := tx.AllNotifications(func(n domain.Notification) error {
			notes = append(notes, DocNotification{To: n.To, At: n.At, Read: n.Read, Text: n.Text, Contact: n.Contact})
			return nil
		}); err != nil {
			return err
		}
		ew.list("notifications", len(notes), func(i int) any { return notes[i] })
		teamIDs := make([]string, 0, len(rr))
		for id := range rr {
			teamIDs = append(teamIDs, id)
		}
		sort.Strings(teamIDs)
		ew.raw(",\n\"round_robin\": {")
		for i, id := range teamIDs {
			if i > 0 {
				ew.raw(",")
			}
			ew.raw("\n  ")
			ew.json(id)
			ew.raw(": ")
			ew.json(rr[id])
		}
		if len(teamIDs) > 0 {
			ew.raw("\n")
		}
		ew.raw("}")
		ew.list("settings_history", len(hist), func(i int) any {
			h := hist[i]
			return DocSettingChange{Setting: h.Key, By: h.By, At: h.At, From: h.From, To: h.To}
		})
		ew.raw("\n}\n")
		return ew.err
	})
	if err != nil {
		return readErr(err)
	}
	return bw.Flush()
}

type elemWriter struct {
	w     *bufio.Writer
	err   error
	count int
}

func (e *elemWriter) raw(s string) {
	if e.err == nil {
		_, e.err = e.w.WriteString(s)
	}
}

func (e *elemWriter) json(v any) {
	if e.err != nil {
		return
	}
	b, err := json.Marshal(v)
	if err != nil {
		e.err = err
		return
	}
	_, e.err = e.w.Write(b)
}

func (e *elemWriter) field(name string, v any) {
	if name != "format" {
		e.raw(",\n")
	}
	e.json(name)
	e.raw(": ")
	e.json(v)
}

func (e *elemWriter) open(name string) {
	e.raw(",\n")
	e.json(name)
	e.raw(": [")
	e.count = 0
}

func (e *elemWriter) elem(v any) {
	if e.count > 0 {
		e.raw(",")
	}
	e.raw("\n  ")
	e.json(v)
	e.count++
}

func (e *elemWriter) close() {
	if e.count > 0 {
		e.raw("\n")
	}
	e.raw("]")
}

func (e *elemWriter) list(name string, n int, at func(int) any) {
	e.open(name)
	for i := 0; i < n; i++ {
		e.elem(at(i))
	}
	e.close()
}

// Import loads a workspace document. Into an empty workspace anyone may import (that is how a
// workspace is set up); replacing a workspace that has data needs replace and an admin. An
// invalid document changes nothing and the error names the field that is wrong.
func (s *Service) Import(ctx context.Context, by string, r io.Reader, replace bool) error {
	doc, err := readDocument(r)
	if err != nil {
		return err
	}
	return s.importDocument(ctx, by, doc, replace)
}

// readDocument decodes and checks a workspace document.
func readDocument(r io.Reader) (*Document, error) {
	// read whole first (json.Decoder would buffer it whole too): a document that does not
	// decode is read again to say where it is wrong (jsonblame.go)
	data, err := io.ReadAll(r)
	if err != nil {
		var ie *Error
		if errors.As(err, &ie) {
			return nil, ie // the reader's own error (the socket's cap or deadline)
		}
		return nil, errorf(Invalid, "Could not read the document: %v", err)
	}
	// a byte order mark (Windows editors save one) is not part of the JSON: it is read past
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var doc Document
	if err := dec.Decode(&doc); err != nil {
		return nil, errorf(Invalid, "The document is not valid workspace JSON: %s", describeDocumentError[Document](data, err))
	}
	if dec.More() {
		return nil, errorf(Invalid, "The document has more after its closing brace; give one JSON object")
	}
	if err := validateDocument(&doc); err != nil {
		return nil, err
	}
	return &doc, nil
}

func (s *Service) importDocument(ctx context.Context, by string, doc *Document, replace bool) error {
	return s.do(ctx, func(w *wtx) error {
		if !w.tx.IsEmpty() {
			if !replace {
				return errorf(Conflict, "The workspace in %s already has data; use --replace to replace it (export it first to keep a copy)", s.db.Where())
			}
			if err := w.requireAdmin(by); err != nil {
				return errorf(Forbidden, "Only admins can replace a workspace")
			}
		}
		w.write()
		if err := w.tx.Clear(); err != nil {
			return must(err)
		}
		if err := writeDocument(w.tx, doc); err != nil {
			return must(keyTooLarge(doc, err))
		}
		s.stage = newConfig(doc.Settings, sortedOps(doc.Operators), doc.Teams)
		s.ws = buildWorkspace(s.stage, doc.RoundRobin)
		if err := w.recountAll(); err != nil {
			return err
		}
		w.markAll(routing.TriggerSettings) // a backlog with a candidate now is given out
		w.emit(Event{Kind: EventReload, Actor: by})
		return nil
	})
}

func sortedOps(ops []domain.Operator) []domain.Operator {
	out := append([]domain.Operator(nil), ops...)
	slices.SortFunc(out, func(a, b domain.Operator) int { return strings.Compare(a.ID, b.ID) })
	return out
}

// JSONKind says in JSON's words what a value of Go type t is written as ("text (a string)", "a
// list ([…])"…): what an error about a document's or a payload's shape names, never a Go type.
func JSONKind(t reflect.Type) string {
	if t == nil {
		return "another kind of value"
	}
	if t.Kind() != reflect.Pointer && reflect.PointerTo(t).Implements(reflect.TypeFor[encoding.TextUnmarshaler]()) {
		return "text (a string)" // a duration, a time of day: written as text
	}
	switch t.Kind() {
	case reflect.Pointer:
		return JSONKind(t.Elem())
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 {
			return "text (a string)"
		}
		return "a list ([…])"
	case reflect.Struct, reflect.Map:
		return "an object ({…})"
	case reflect.String:
		return "text (a string)"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return "a whole number"
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a whole number, 0 or more"
	case reflect.Float32, reflect.Float64:
		return "a number"
	}
	return "another kind of value"
}

// jsonValueWord names the kind of JSON value encoding/json found ("number", "string", "array"…).
func jsonValueWord(v string) string {
	switch {
	case v == "array":
		return "a list"
	case v == "object":
		return "an object"
	case v == "string":
		return "text"
	case v == "bool":
		return "true or false"
	case strings.HasPrefix(v, "number"):
		if n := strings.TrimSpace(strings.TrimPrefix(v, "number")); n != "" {
			return "the number " + n
		}
		return "a number"
	}
	return v
}

func asErr[T error](err error, target *T) bool { return errors.As(err, target) }

func validateDocument(doc *Document) error {
	bad := func(field, format string, args ...any) error {
		return errorf(Invalid, "Invalid document: %s: %s", field, fmt.Sprintf(format, args...))
	}
	if doc.Format != Format {
		return bad("format", "is %q; this Switchboard reads %q", doc.Format, Format)
	}
	st := doc.Settings
	if !routing.Plan(st.Plan).Valid() {
		return bad("settings.plan", "%q is not a plan; use growth, pro or business", st.Plan)
	}
	// a toggle may stay switched on under a plan that lacks it (after a downgrade): it is then
	// not in force, and the document keeps it as it is
	if st.OwnerAwayWait != "" {
		if v, err := routing.ParseWait(st.OwnerAwayWait); err != nil || !v.On {
			return bad("settings.owner_away_wait", "%q is not a wait: give a Go duration like \"0s\" or \"10m\" (at most %s), or leave it out for off",
				st.OwnerAwayWait, routing.FormatDuration(routing.MaxWait))
		}
	}
	if err := checkHours(st.Hours); err != nil {
		return bad("settings.hours", "%v", err)
	}
	if st.Assignment != "" {
		if _, err := routing.ParseAssignment(st.Assignment); err != nil {
			return bad("settings.assignment", "%q; use round_robin or balanced", st.Assignment)
		}
	}
	if err := routing.CheckCapacity(st.DefaultMaxOpen); err != nil {
		return bad("settings.default_max_open", "%v", err)
	}
	ops := map[string]domain.Operator{}
	for i, o := range doc.Operators {
		if err := checkOperator(o); err != nil {
			return bad(fmt.Sprintf("operators[%d]", i), "%v", err)
		}
		if _, dup := ops[o.ID]; dup {
			return bad(fmt.Sprintf("operators[%d].id", i), "%q appears twice", o.ID)
		}
		ops[o.ID] = o
	}
	if _, err := keyOwners(doc.Operators); err != nil {
		return bad("operators", "%v", err)
	}
	teams := map[string]domain.Team{}
	for i, t := range doc.Teams {
		if err := checkTeam(t); err != nil {
			return bad(fmt.Sprintf("teams[%d]", i), "%v", err)
		}
		if _, dup := teams[t.ID]; dup {
			return bad(fmt.Sprintf("teams[%d].id", i), "%q appears twice", t.ID)
		}
		seen := map[string]bool{}
		for j, m := range t.Members {
			if _, ok := ops[m]; !ok {
				return bad(fmt.Sprintf("teams[%d].members[%d]", i, j), "operator %q not found", m)
			}
			if seen[m] {
				return bad(fmt.Sprintf("teams[%d].members[%d]", i, j), "%q appears twice", m)
			}
			seen[m] = true
		}
		if doc.Teams[i].Members == nil {
			doc.Teams[i].Members = []string{}
		}
		teams[t.ID] = t
	}
	if _, ok := teams[st.DefaultTeam]; !ok && (st.DefaultTeam != "" || len(doc.Teams) > 0) {
		return bad("settings.default_team", "team %q not found", st.DefaultTeam)
	}
	cfg := newConfig(st, sortedOps(doc.Operators), doc.Teams)
	names := map[string]bool{}
	for i, r := range st.Rules {
		if err := cfg.checkRule(r); err != nil {
			return bad(fmt.Sprintf("settings.rules[%d]", i), "%v", err)
		}
		if names[r.Name] {
			return bad(fmt.Sprintf("settings.rules[%d].name", i), "%q appears twice", r.Name)
		}
		names[r.Name] = true
	}
	if doc.Settings.Rules == nil {
		doc.Settings.Rules = []domain.Rule{}
	}
	inTeam := func(op, team string) bool { return slices.Contains(teams[team].Members, op) }
	contacts := map[string]bool{}
	owners := map[string]string{} // contact → owner, for covers
	idents := map[string]string{} // identity → the field that has it
	for i, c := range doc.Contacts {
		f := fmt.Sprintf("contacts[%d]", i)
		if c.Identities == nil {
			if id, err := NormalizePhone(c.ID); err != nil || id != c.ID {
				return bad(f+".id", "%q is not a phone number in digits (6 to 15 digits, no +); a contact with another id needs its identities", c.ID)
			}
		} else if err := checkContactID(c.ID); err != nil {
			return bad(f+".id", "%v", err)
		}
		if contacts[c.ID] {
			return bad(f+".id", "%q appears twice", c.ID)
		}
		contacts[c.ID] = true
		if err := checkDocIdentities(f, c.record(), idents); err != nil {
			return err
		}
		if err := checkName("contact name", c.Name); err != nil {
			return bad(f+".name", "%v", err)
		}
		if c.Owner != nil {
			if _, ok := ops[*c.Owner]; !ok {
				return bad(f+".owner", "operator %q not found", *c.Owner)
			}
			owners[c.ID] = *c.Owner
		}
	}
	for i, c := range doc.Contacts {
		if c.Identities == nil {
			continue
		}
		for j, a := range c.Identities.Aliases {
			if contacts[a] {
				return bad(fmt.Sprintf("contacts[%d].identities.aliases[%d]", i, j), "%q is the id of a contact in the document; an alias is the id of a contact merged into this one", a)
			}
		}
	}
	convs := map[string]*DocConversation{}
	for i := range doc.Conversations {
		c := &doc.Conversations[i]
		f := fmt.Sprintf("conversations[%d]", i)
		if !contacts[c.Contact] {
			return bad(f+".contact", "contact %q is not in contacts", c.Contact)
		}
		if convs[c.Contact] != nil {
			return bad(f+".contact", "%q has two conversations; a contact has one", c.Contact)
		}
		convs[c.Contact] = c
		if c.Status != "open" && c.Status != "closed" {
			return bad(f+".status", "%q; use open or closed", c.Status)
		}
		// "": no team, as a conversation started while the workspace had none keeps (a human
		// assignee needs a team, below)
		if _, ok := teams[c.Team]; !ok && c.Team != "" {
			return bad(f+".team", "team %q not found", c.Team)
		}
		if a := c.Assignee; a != nil && *a != routing.Bot {
			if _, ok := ops[*a]; !ok {
				return bad(f+".assignee", "operator %q not found", *a)
			}
			if !inTeam(*a, c.Team) {
				return bad(f+".assignee", "%q is not a member of team %q (a human assignee must be in the conversation's team)", *a, c.Team)
			}
		}
		if cover := c.Cover; cover != nil {
			owner := owners[c.Contact]
			if *cover != owner || c.Assignee == nil || *c.Assignee == *cover {
				return bad(f+".cover", "%q: a cover stands in for the contact's owner (%q), with someone else assigned", *cover, owner)
			}
		}
		if c.Backlog && (c.Status != "open" || c.Assignee == nil || *c.Assignee != routing.Bot || c.BotHold) {
			return bad(f+".backlog", "only an open conversation with Bot (and no bot_hold) waits in a backlog")
		}
		if len(c.Timeline) == 0 {
			return bad(f+".timeline", "is empty; a conversation starts with a message or call")
		}
		for j, e := range c.Timeline {
			fe := fmt.Sprintf("%s.timeline[%d]", f, j)
			if e.At.IsZero() {
				return bad(fe+".at", "is missing; give an RFC 3339 time")
			}
			if !domain.ValidTime(e.At) {
				return bad(fe+".at", "%s is outside 1970–2262; give the time the entry happened", e.At.Format(time.RFC3339))
			}
			switch e.Kind {
			case "message", "reply", "note":
				if err := checkText(string(e.Kind), e.Text); err != nil {
					return bad(fe+".text", "%v", err)
				}
			case "call":
				if e.Outcome != CallRinging && e.Outcome != CallAnswered && e.Outcome != CallMissed {
					return bad(fe+".outcome", "%q; use ringing, answered or missed", e.Outcome)
				}
			default:
				return bad(fe+".kind", "%q; use message, call, reply or note", e.Kind)
			}
			// a reply's author may have been deleted since: the timeline keeps their id
			if e.Kind == "reply" && strings.TrimSpace(e.By) == "" && e.Source != SourceApp {
				return bad(fe+".by", "is empty; a reply names the operator who sent it")
			}
			if e.Source != "" && (e.Source != SourceApp || e.Kind != "reply") {
				return bad(fe+".source", "%q; only a reply may have a source, and it is %q (sent from the WhatsApp Business app)", e.Source, SourceApp)
			}
			extras := Inbound{Media: e.Media, Context: e.Context, Referral: e.Referral, Form: e.Form}
			if err := checkExtras(&extras); err != nil {
				return bad(fe, "%v", err)
			}
		}
	}
	prompts := map[string]bool{}
	for i, p := range doc.Prompts {
		f := fmt.Sprintf("prompts[%d]", i)
		c := convs[p.Contact]
		if c == nil {
			return bad(f+".contact", "%q has no conversation", p.Contact)
		}
		if prompts[p.Contact] {
			return bad(f+".contact", "%q has two prompts; a conversation has at most one", p.Contact)
		}
		prompts[p.Contact] = true
		if _, ok := ops[p.Owner]; !ok {
			return bad(f+".owner", "operator %q not found", p.Owner)
		}
		if p.Kind == "" {
			doc.Prompts[i].Kind = routing.PromptInbound
		} else if p.Kind != routing.PromptInbound && p.Kind != routing.PromptAssign && p.Kind != routing.PromptOwner {
			return bad(f+".kind", "%q; use inbound, assign or owner", p.Kind)
		}
		if p.RaisedBy != routing.Routing {
			if _, ok := ops[p.RaisedBy]; !ok {
				return bad(f+".raised_by", "%q is neither routing nor an operator", p.RaisedBy)
			}
		}
		for j, t := range p.Choices {
			if !inTeam(p.Owner, t) {
				return bad(fmt.Sprintf("%s.choices[%d]", f, j), "%q is not one of %s's teams", t, p.Owner)
			}
		}
	}
	for i, n := range doc.Notifications {
		if _, ok := ops[n.To]; !ok {
			return bad(fmt.Sprintf("notifications[%d].to", i), "operator %q not found", n.To)
		}
	}
	for team := range doc.RoundRobin {
		if _, ok := teams[team]; !ok {
			return bad("round_robin", "team %q not found", team)
		}
	}
	for i, h := range doc.History {
		// who flipped a setting may have been deleted since: the history keeps their id
		if strings.TrimSpace(h.By) == "" {
			return bad(fmt.Sprintf("settings_history[%d].by", i), "is empty; the history names who changed the setting")
		}
	}
	return checkConsistency(doc)
}

// checkContactID validates a contact's id: a number, a BSUID or a "c.<n>" id.
func checkContactID(id string) error {
	if id == "" {
		return errorf(Invalid, "is empty; a contact needs an id")
	}
	if len(id) > MaxBSUID {
		return errorf(Invalid, "%q is %d bytes long: %d at most", id, len(id), MaxBSUID)
	}
	for i := 0; i < len(id); i++ {
		if c := id[i]; !isAlnum(c) && c != '.' && c != '-' && c != '_' {
			return errorf(Invalid, "%q has %q in it: a contact id has letters, digits, '.', '-' and '_'", id, c)
		}
	}
	return nil
}

// checkDocIdentities validates a document contact's identities; seen collects every identity
// so that no two contacts share one.
func checkDocIdentities(f string, c domain.Contact, seen map[string]string) error {
	bad := func(field, format string, args ...any) error {
		return errorf(Invalid, "Invalid document: %s: %s", field, fmt.Sprintf(format, args...))
	}
	once := func(field, key string) error {
		if other, dup := seen[key]; dup {
			return bad(field, "%s is also %s: one person is one contact", key[2:], other)
		}
		seen[key] = field
		return nil
	}
	fi := f + ".identities"
	if c.Phone != "" {
		if p, err := NormalizePhone(c.Phone); err != nil || p != c.Phone {
			return bad(fi+".phone", "%q is not a phone number in digits (6 to 15 digits, no +)", c.Phone)
		}
		if err := once(fi+".phone", "p:"+c.Phone); err != nil {
			return err
		}
	}
	for j, p := range c.PastPhones {
		if n, err := NormalizePhone(p); err != nil || n != p {
			return bad(fmt.Sprintf("%s.past_phones[%d]", fi, j), "%q is not a phone number in digits", p)
		}
	}
	bsuids := append([]string{c.BSUID}, c.PastBSUIDs...)
	for j, b := range bsuids {
		field := fi + ".bsuid"
		if j > 0 {
			field = fmt.Sprintf("%s.past_bsuids[%d]", fi, j-1)
		}
		if b == "" && j == 0 {
			continue
		}
		if v, err := ParseBSUID("the BSUID", b); err != nil || v != b {
			return bad(field, "%q is not a business-scoped user id (like US.13491208655302741918)", b)
		}
		if b == c.BSUID && j > 0 {
			continue
		}
		if err := once(field, "b:"+b); err != nil {
			return err
		}
	}
	if c.ParentBSUID != "" {
		if v, err := ParseBSUID("the parent BSUID", c.ParentBSUID); err != nil || v != c.ParentBSUID {
			return bad(fi+".parent_bsuid", "%q is not a business-scoped user id (like US.ENT.11815799212886844830)", c.ParentBSUID)
		}
		if err := once(fi+".parent_bsuid", "e:"+c.ParentBSUID); err != nil {
			return err
		}
	}
	if c.Username != "" {
		if v, err := ParseUsername("the username", c.Username); err != nil || v != c.Username {
			return bad(fi+".username", "%q is not a WhatsApp username (letters, digits, '.' and '_', no @)", c.Username)
		}
	}
	for j, a := range c.Aliases {
		if err := checkContactID(a); err != nil {
			return bad(fmt.Sprintf("%s.aliases[%d]", fi, j), "%v", err)
		}
		if err := once(fmt.Sprintf("%s.aliases[%d]", fi, j), "a:"+a); err != nil {
			return err
		}
	}
	return nil
}

func writeDocument(tx domain.Tx, doc *Document) error {
	if err := tx.PutSettings(doc.Settings); err != nil {
		return err
	}
	for _, o := range doc.Operators {
		if err := tx.PutOperator(o); err != nil {
			return err
		}
	}
	for _, t := range doc.Teams {
		if err := tx.PutTeam(t); err != nil {
			return err
		}
	}
	for id, st := range doc.RoundRobin {
		if err := tx.PutRoundRobin(id, st); err != nil {
			return err
		}
	}
	if err := writeConversations(tx, doc); err != nil {
		return err
	}
	for _, n := range doc.Notifications {
		if _, err := tx.AddNotification(domain.Notification{To: n.To, At: n.At, Read: n.Read, Text: n.Text, Contact: n.Contact}); err != nil {
			return err
		}
	}
	for _, h := range doc.History {
		if _, err := tx.AddHistory(domain.SettingChange{Key: h.Setting, By: h.By, At: h.At, From: h.From, To: h.To}); err != nil {
			return err
		}
	}
	return nil
}

// writeConversations writes the document's contacts, conversations (with timelines) and prompts.
func writeConversations(tx domain.Tx, doc *Document) error {
	for _, c := range doc.Contacts {
		if err := tx.PutContact(c.record()); err != nil {
			return err
		}
	}
	prompts := map[string]DocPrompt{}
	for _, p := range doc.Prompts {
		prompts[p.Contact] = p
	}
	for _, dc := range doc.Conversations {
		cv := domain.Conversation{Contact: dc.Contact, Status: dc.Status, Team: dc.Team, BotHold: dc.BotHold, Backlog: dc.Backlog,
			Version: dc.Version, Unread: dc.Unread, Why: dc.Why, WhyReason: dc.WhyReason}
		if dc.Cover != nil {
			cv.Cover = *dc.Cover
		}
		if dc.Assignee != nil {
			cv.Assignee = *dc.Assignee
		}
		if cv.Version == 0 {
			cv.Version = 1 // versions start at 1: 0 means "do not check" in an action
		}
		if p, ok := prompts[dc.Contact]; ok {
			cv.Prompt = &domain.Prompt{Kind: p.Kind, Target: p.Owner, Team: p.Team, Choices: p.Choices, RaisedBy: p.RaisedBy, At: p.At,
				PrevOwner: p.PrevOwner, PrevCover: p.PrevCover, PrevWhy: p.PrevWhy, PrevWhyReason: p.PrevWhyReason}
		}
		for _, e := range dc.Timeline {
			key, err := tx.AppendEntry(&cv, e)
			if err != nil {
				return err
			}
			switch {
			case e.ID == "":
			case e.Kind == "reply":
				err = tx.PutExtID(e.ID, key)
				if err == nil && e.Source == SourceApp {
					// an echo: its id is an inbound one too, so redelivered after an import it
					// is a duplicate, as it was before (RecordEcho stores both)
					err = tx.PutInboundID(dc.Contact, e.ID, key)
				}
			default:
				err = tx.PutInboundID(dc.Contact, e.ID, key)
				if err == nil && e.Kind == "call" && (e.Outcome == CallAnswered || e.Outcome == CallMissed) {
					// a call that ended: its end, redelivered, is a duplicate after an import too
					err = tx.PutInboundID(dc.Contact, e.ID+":terminate", key)
				}
			}
			if err != nil {
				return err
			}
			if e.Kind != "note" {
				cv.Preview, cv.PreviewKind = preview(e), e.Kind
			}
		}
		if err := tx.PutConversation(cv); err != nil {
			return err
		}
	}
	return nil
}

// AddConversations bulk-loads new contacts with their conversations into a set-up workspace
// (admins), in one transaction, validated like an import: generated load for performance work.
// A contact that exists already is refused.
func (s *Service) AddConversations(ctx context.Context, by string, contacts []DocContact, convs []DocConversation) error {
	return s.do(ctx, func(w *wtx) error {
		if err := w.requireAdmin(by); err != nil {
			return err
		}
		c := w.s.stage
		doc := &Document{Format: Format, Settings: c.settings, Teams: c.teams, Operators: c.ops,
			Contacts: contacts, Conversations: convs}
		if err := validateDocument(doc); err != nil {
			return err
		}
		for i, ct := range contacts {
			if _, ok, err := w.tx.Contact(ct.ID); err != nil {
				return must(err)
			} else if ok {
				return errorf(Conflict, "contacts[%d]: %s exists already", i, ct.ID)
			}
		}
		w.write()
		if err := writeConversations(w.tx, doc); err != nil {
			return must(err)
		}
		if err := w.recountAll(); err != nil {
			return err
		}
		w.markAll(routing.TriggerSettings)
		w.emit(Event{Kind: EventReload, Actor: by})
		return nil
	})
}
