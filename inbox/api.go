package inbox

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sort"

	"switchboard/inbox/domain"
)

// The inbox's API, declared once. Each operation is an Op: a name, a request type, a result
// type and what it does on a Session. The same definition serves the call in this process (a
// *Session is a Conn: the operation runs directly, nothing is encoded), the socket door's
// server (Serve decodes the request by the operation's name and runs it on the connection's
// session) and its client (which sends the name and the request and decodes the result), so an
// SSH session or a second terminal drives a Session in another process exactly as one here.

// A Conn is where operations run for one operator: a *Session in this process, or a session in
// the process that owns the workspace, reached through a door (rpc.Client).
type Conn interface {
	// Call runs the operation named op with req (a value of its request type) and stores its
	// result in res (a pointer to its result type).
	Call(ctx context.Context, op string, req, res any) error
	// Events streams the inbox's change events until ctx ends; the channel is then closed. A
	// subscriber that falls behind gets EventReload instead of what it missed.
	Events(ctx context.Context) (<-chan Event, error)
	// Export writes the workspace document; Import loads one (they stream).
	Export(ctx context.Context, w io.Writer) error
	Import(ctx context.Context, r io.Reader, replace bool) error
	// Operator is who the connection acts as ("" for a workspace that has no operator yet).
	Operator() string
}

// Op is one operation: Do runs it on a session.
type Op[Req, Res any] struct {
	Name string
	Do   func(ctx context.Context, s *Session, req Req) (Res, error)
}

// Call runs the operation on c: directly on a *Session, else through c.Call.
func (o Op[Req, Res]) Call(ctx context.Context, c Conn, req Req) (Res, error) {
	if s, ok := c.(*Session); ok {
		return o.run(ctx, s, req)
	}
	var res Res
	err := c.Call(ctx, o.Name, req, &res)
	return res, err
}

// runner is an operation as the registry keeps it.
type runner interface {
	// serve decodes a request (JSON) and runs it.
	serve(ctx context.Context, s *Session, raw json.RawMessage) (any, error)
	// local runs a request given as its value, storing the result through res.
	local(ctx context.Context, s *Session, req, res any) error
}

func (o Op[Req, Res]) serve(ctx context.Context, s *Session, raw json.RawMessage) (any, error) {
	var req Req
	if len(raw) > 0 && string(raw) != "null" {
		if err := json.Unmarshal(raw, &req); err != nil {
			return nil, errorf(Invalid, "The request of %s is not valid: %v", o.Name, err)
		}
	}
	return o.run(ctx, s, req)
}

// run runs the operation on a session that may still act.
func (o Op[Req, Res]) run(ctx context.Context, s *Session, req Req) (Res, error) {
	if err := s.Current(); err != nil {
		var none Res
		return none, err
	}
	return o.Do(ctx, s, req)
}

func (o Op[Req, Res]) local(ctx context.Context, s *Session, req, res any) error {
	r, ok := req.(Req)
	if !ok {
		if p, isPtr := req.(*Req); isPtr && p != nil {
			r, ok = *p, true
		}
	}
	if !ok {
		return errorf(Invalid, "%s takes a %T, not a %T", o.Name, r, req)
	}
	out, err := o.run(ctx, s, r)
	if p, ok := res.(*Res); ok && p != nil {
		*p = out
	}
	return err
}

var registry = map[string]runner{}

func op[Req, Res any](name string, do func(ctx context.Context, s *Session, req Req) (Res, error)) Op[Req, Res] {
	if _, dup := registry[name]; dup {
		panic("inbox: operation " + name + " declared twice")
	}
	o := Op[Req, Res]{Name: name, Do: do}
	registry[name] = o
	return o
}

// Ops lists the operations' names, sorted.
func Ops() []string {
	out := make([]string, 0, len(registry))
	for name := range registry {
		out = append(out, name)
	}
	sort.Strings(out)
	return out
}

// Serve runs the operation named name on the session, its request decoded from raw: what the
// socket door's server does for each request.
func Serve(ctx context.Context, s *Session, name string, raw json.RawMessage) (any, error) {
	r, ok := registry[name]
	if !ok {
		return nil, errorf(Invalid, "Unknown operation %q: this switchboard knows %d others (is the other side a different version?)", name, len(registry))
	}
	return r.serve(ctx, s, raw)
}

// Call runs an operation by name in this process (a *Session is a Conn).
func (x *Session) Call(ctx context.Context, name string, req, res any) error {
	r, ok := registry[name]
	if !ok {
		return errorf(Invalid, "Unknown operation %q", name)
	}
	return r.local(ctx, x, req, res)
}

// Events streams the inbox's change events until ctx ends.
func (x *Session) Events(ctx context.Context) (<-chan Event, error) { return x.s.Subscribe(ctx), nil }

var _ Conn = (*Session)(nil)

// None is the request (or result) of an operation that takes (or gives) nothing.
type None struct{}

// ---- requests ----

type (
	// WindowReq is a filter and a place in it.
	WindowReq struct {
		Filter Filter `json:"filter"`
		Place  Place  `json:"place"`
	}
	// ConversationReq names a conversation and a page of its timeline.
	ConversationReq struct {
		Contact string `json:"contact"`
		Cursor  string `json:"cursor,omitempty"`
		Limit   int    `json:"limit,omitempty"`
	}
	// SearchReq searches contacts (Offset: the page of Search from there on).
	SearchReq struct {
		Query  string `json:"query"`
		Limit  int    `json:"limit,omitempty"`
		Offset int    `json:"offset,omitempty"`
	}
	// ContactReq names a contact (a number, a BSUID, @username or its id).
	ContactReq struct {
		Contact string `json:"contact"`
	}
	// NotificationsReq asks for unread notifications, or all of them.
	NotificationsReq struct {
		All bool `json:"all,omitempty"`
	}
	// SeqsReq names notifications.
	SeqsReq struct {
		Seqs []uint64 `json:"seqs"`
	}
	// AssignReq gives a conversation to someone (an operator id, "bot", or "" / "none").
	AssignReq struct {
		Contact string `json:"contact"`
		To      string `json:"to"`
		Version uint64 `json:"version,omitempty"` // the version the person saw (0: do not check)
	}
	// TeamReq moves a conversation to a team.
	TeamReq struct {
		Contact string `json:"contact"`
		Team    string `json:"team"`
		Version uint64 `json:"version,omitempty"`
	}
	// VersionReq names a conversation at the version a person saw.
	VersionReq struct {
		Contact string `json:"contact"`
		Version uint64 `json:"version,omitempty"`
	}
	// AnswerReq accepts a team decision (Team: one of the owner's teams, "" for their first).
	AnswerReq struct {
		Contact string `json:"contact"`
		Team    string `json:"team,omitempty"`
	}
	// ToggleReq switches a setting on or off.
	ToggleReq struct {
		On bool `json:"on"`
	}
	// ValueReq sets a setting to a value (a plan, a team).
	ValueReq struct {
		Value string `json:"value"`
	}
	// CountReq sets a setting to a number (a capacity).
	CountReq struct {
		N int `json:"n"`
	}
	// PresenceReq sets an operator's presence.
	PresenceReq struct {
		Operator string `json:"operator"`
		Status   string `json:"status"`
	}
	// IDReq names an operator or a team.
	IDReq struct {
		ID string `json:"id"`
	}
	// RenameReq renames a team.
	RenameReq struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	}
	// MemberReq names a team and an operator.
	MemberReq struct {
		Team     string `json:"team"`
		Operator string `json:"operator"`
	}
	// MoveRuleReq moves a rule to a position (0 is tried first; people count from 1).
	MoveRuleReq struct {
		Name string `json:"name"`
		Pos  int    `json:"pos"`
	}
	// NameReq names a rule.
	NameReq struct {
		Name string `json:"name"`
	}
	// ReplyIDReq names a reply (retry).
	ReplyIDReq struct {
		ID string `json:"id"`
	}
	// SessionInfo is who a session is and what they may do.
	SessionInfo struct {
		Operator     string       `json:"operator"`
		Capabilities Capabilities `json:"capabilities"`
	}
)

// ---- the operations ----

var (
	OpWhoAmI = op("WhoAmI", func(ctx context.Context, s *Session, _ None) (SessionInfo, error) {
		return SessionInfo{Operator: s.op, Capabilities: s.Capabilities()}, nil
	})
	OpSettings = op("Settings", func(ctx context.Context, s *Session, _ None) (SettingsView, error) {
		return s.Settings(ctx), nil
	})
	OpHistory   = op("History", func(ctx context.Context, s *Session, _ None) ([]domain.SettingChange, error) { return s.History(ctx) })
	OpOperators = op("Operators", func(ctx context.Context, s *Session, _ None) ([]OperatorView, error) {
		return s.Operators(ctx), nil
	})
	OpTeams    = op("Teams", func(ctx context.Context, s *Session, _ None) ([]domain.Team, error) { return s.Teams(ctx), nil })
	OpContacts = op("Contacts", func(ctx context.Context, s *Session, r SearchReq) ([]ContactView, error) {
		return s.Contacts(ctx, r.Query, r.Limit)
	})
	OpSearch = op("Search", func(ctx context.Context, s *Session, r SearchReq) (SearchResult, error) {
		return s.Search(ctx, r.Query, r.Offset, r.Limit)
	})
	OpContact = op("Contact", func(ctx context.Context, s *Session, r ContactReq) (ContactView, error) {
		return s.Contact(ctx, r.Contact)
	})
	OpList   = op("List", func(ctx context.Context, s *Session, f Filter) (Page, error) { return s.List(ctx, f) })
	OpWindow = op("Window", func(ctx context.Context, s *Session, r WindowReq) (Window, error) {
		return s.Window(ctx, r.Filter, r.Place)
	})
	OpCounts       = op("Counts", func(ctx context.Context, s *Session, _ None) (Counts, error) { return s.Counts(ctx) })
	OpConversation = op("Conversation", func(ctx context.Context, s *Session, r ConversationReq) (Detail, error) {
		return s.Conversation(ctx, r.Contact, r.Cursor, r.Limit)
	})
	OpPrompts       = op("Prompts", func(ctx context.Context, s *Session, _ None) ([]PromptView, error) { return s.Prompts(ctx) })
	OpNotifications = op("Notifications", func(ctx context.Context, s *Session, r NotificationsReq) ([]domain.Notification, error) {
		return s.Notifications(ctx, r.All)
	})
	OpMarkNotificationsRead = op("MarkNotificationsRead", func(ctx context.Context, s *Session, r SeqsReq) (None, error) {
		return None{}, s.MarkNotificationsRead(ctx, r.Seqs...)
	})

	OpInject      = op("Inject", func(ctx context.Context, s *Session, in Inbound) (Outcome, error) { return s.Inject(ctx, in) })
	OpEndCall     = op("EndCall", func(ctx context.Context, s *Session, c CallEnd) (Outcome, error) { return s.EndCall(ctx, c) })
	OpSetDelivery = op("SetDelivery", func(ctx context.Context, s *Session, r DeliveryReq) (bool, error) {
		return s.SetDeliveryStatus(ctx, r)
	})
	OpChangeNumber = op("ChangeNumber", func(ctx context.Context, s *Session, c NumberChange) (Outcome, error) {
		return s.ChangeNumber(ctx, c)
	})
	OpRecordEcho = op("RecordEcho", func(ctx context.Context, s *Session, e Echo) (Outcome, error) { return s.RecordEcho(ctx, e) })

	OpReply = op("Reply", func(ctx context.Context, s *Session, r ReplyReq) (Outcome, error) {
		return s.SendReply(ctx, r)
	})
	// replies going out (outbox.go, docs/whatsapp.md)
	OpRetry        = op("Retry", func(ctx context.Context, s *Session, r ReplyIDReq) (Outcome, error) { return s.Retry(ctx, r.ID) })
	OpTemplates    = op("Templates", func(ctx context.Context, s *Session, _ None) ([]domain.Template, error) { return s.Templates(ctx) })
	OpPutTemplates = op("PutTemplates", func(ctx context.Context, s *Session, ts []domain.Template) (None, error) {
		return None{}, s.PutTemplates(ctx, ts)
	})
	OpOutbox = op("Outbox", func(ctx context.Context, s *Session, _ None) ([]domain.Outgoing, error) { return s.Outbox(ctx) })
	// OpSending is how the owner sends: configured, and why the whole queue waits (paused)
	OpSending  = op("Sending", func(ctx context.Context, s *Session, _ None) (Outbound, error) { return s.s.Sending(), nil })
	OpMarkRead = op("MarkRead", func(ctx context.Context, s *Session, r ContactReq) (None, error) {
		return None{}, s.MarkRead(ctx, r.Contact)
	})
	OpAssign = op("Assign", func(ctx context.Context, s *Session, r AssignReq) (Outcome, error) {
		return s.Assign(ctx, r.Contact, r.To, r.Version)
	})
	OpSetOwner = op("SetOwner", func(ctx context.Context, s *Session, r AssignReq) (Outcome, error) {
		return s.SetOwner(ctx, r.Contact, r.To, r.Version)
	})
	OpChangeTeam = op("ChangeTeam", func(ctx context.Context, s *Session, r TeamReq) (Outcome, error) {
		return s.ChangeTeam(ctx, r.Contact, r.Team, r.Version)
	})
	OpClose = op("CloseConversation", func(ctx context.Context, s *Session, r VersionReq) (Outcome, error) {
		return s.CloseConversation(ctx, r.Contact, r.Version)
	})
	OpReopen = op("ReopenConversation", func(ctx context.Context, s *Session, r VersionReq) (Outcome, error) {
		return s.ReopenConversation(ctx, r.Contact, r.Version)
	})
	OpAccept = op("Accept", func(ctx context.Context, s *Session, r AnswerReq) (Outcome, error) {
		return s.Accept(ctx, r.Contact, r.Team)
	})
	OpDecline = op("Decline", func(ctx context.Context, s *Session, r ContactReq) (Outcome, error) {
		return s.Decline(ctx, r.Contact)
	})

	OpCancelPrompt = op("CancelPrompt", func(ctx context.Context, s *Session, r ContactReq) (Outcome, error) {
		return s.CancelPrompt(ctx, r.Contact)
	})

	OpSetOwnerRouting = op("SetOwnerRouting", func(ctx context.Context, s *Session, r ToggleReq) (domain.SettingChange, error) {
		return s.SetOwnerRouting(ctx, r.On)
	})
	OpSetRoundRobin = op("SetRoundRobin", func(ctx context.Context, s *Session, r ToggleReq) (domain.SettingChange, error) {
		return s.SetRoundRobin(ctx, r.On)
	})
	OpSetPlan = op("SetPlan", func(ctx context.Context, s *Session, r ValueReq) (domain.SettingChange, error) {
		return s.SetPlan(ctx, r.Value)
	})
	OpSetDefaultTeam = op("SetDefaultTeam", func(ctx context.Context, s *Session, r ValueReq) (domain.SettingChange, error) {
		return s.SetDefaultTeam(ctx, r.Value)
	})
	OpSetPresence = op("SetPresence", func(ctx context.Context, s *Session, r PresenceReq) (None, error) {
		return None{}, s.SetPresence(ctx, r.Operator, r.Status)
	})

	// routing that knows who is there
	OpSetAwayWait = op("SetAwayWait", func(ctx context.Context, s *Session, r ValueReq) (domain.SettingChange, error) {
		return s.SetAwayWait(ctx, r.Value)
	})
	OpChangeHours = op("ChangeHours", func(ctx context.Context, s *Session, r HoursChange) (domain.SettingChange, error) {
		return s.ChangeHours(ctx, r)
	})
	OpSetHoliday = op("SetHoliday", func(ctx context.Context, s *Session, r ToggleReq) (domain.SettingChange, error) {
		return s.SetHoliday(ctx, r.On)
	})
	OpSetAssignment = op("SetAssignment", func(ctx context.Context, s *Session, r ValueReq) (domain.SettingChange, error) {
		return s.SetAssignment(ctx, r.Value)
	})
	OpSetDefaultMaxOpen = op("SetDefaultMaxOpen", func(ctx context.Context, s *Session, r CountReq) (domain.SettingChange, error) {
		return s.SetDefaultMaxOpen(ctx, r.N)
	})
	OpCapacity = op("Capacity", func(ctx context.Context, s *Session, _ None) (CapacityReport, error) { return s.Capacity(ctx) })

	OpAddOperator = op("AddOperator", func(ctx context.Context, s *Session, o domain.Operator) (None, error) {
		return None{}, s.AddOperator(ctx, o)
	})
	OpUpdateOperator = op("UpdateOperator", func(ctx context.Context, s *Session, o domain.Operator) (None, error) {
		return None{}, s.UpdateOperator(ctx, o)
	})
	OpDeleteOperator = op("DeleteOperator", func(ctx context.Context, s *Session, r IDReq) (None, error) {
		return None{}, s.DeleteOperator(ctx, r.ID)
	})
	OpAddTeam = op("AddTeam", func(ctx context.Context, s *Session, t domain.Team) (None, error) {
		return None{}, s.AddTeam(ctx, t)
	})
	OpRenameTeam = op("RenameTeam", func(ctx context.Context, s *Session, r RenameReq) (None, error) {
		return None{}, s.RenameTeam(ctx, r.ID, r.Name)
	})
	OpDeleteTeam = op("DeleteTeam", func(ctx context.Context, s *Session, r IDReq) (None, error) {
		return None{}, s.DeleteTeam(ctx, r.ID)
	})
	OpAddMember = op("AddMember", func(ctx context.Context, s *Session, r MemberReq) (None, error) {
		return None{}, s.AddMember(ctx, r.Team, r.Operator)
	})
	OpRemoveMember = op("RemoveMember", func(ctx context.Context, s *Session, r MemberReq) (None, error) {
		return None{}, s.RemoveMember(ctx, r.Team, r.Operator)
	})
	OpSaveContact = op("SaveContact", func(ctx context.Context, s *Session, c domain.Contact) (ContactView, error) {
		return s.SaveContact(ctx, c)
	})
	OpDeleteContact = op("DeleteContact", func(ctx context.Context, s *Session, r ContactReq) (None, error) {
		return None{}, s.DeleteContact(ctx, r.Contact)
	})
	OpAddRule = op("AddRule", func(ctx context.Context, s *Session, r domain.Rule) (None, error) {
		return None{}, s.AddRule(ctx, r)
	})
	OpUpdateRule = op("UpdateRule", func(ctx context.Context, s *Session, r domain.Rule) (None, error) {
		return None{}, s.UpdateRule(ctx, r)
	})
	OpMoveRule = op("MoveRule", func(ctx context.Context, s *Session, r MoveRuleReq) (None, error) {
		return None{}, s.MoveRule(ctx, r.Name, r.Pos)
	})
	OpDeleteRule = op("DeleteRule", func(ctx context.Context, s *Session, r NameReq) (None, error) {
		return None{}, s.DeleteRule(ctx, r.Name)
	})
)

// String names an operation.
func (o Op[Req, Res]) String() string { return fmt.Sprintf("inbox.%s", o.Name) }
