package inbox

import (
	"context"
	"io"

	"switchboard/inbox/domain"
	"switchboard/routing"
)

// Session is the inbox as one operator uses it: every query and command acts as that operator.
// Who the operator is, the door decided when it made the session (the local terminal's --as,
// the key an SSH session signed with), never the request: a Session's methods take no "who".
// Many sessions share one Service.
type Session struct {
	s  *Service
	op string
	// key is the fingerprint of the SSH key the session signed in with ("" at the other
	// doors): such a session acts only while the key is still its operator's (see current)
	key string
}

// SessionByKey is the session of operator, who signed in with the SSH key whose fingerprint is
// fp, for as long as the key stays theirs. An operator removed (their keys go with them) and
// added again under the same id is somebody else, whose sessions these are not; a key removed
// (it leaked, a laptop was lost) ends what it opened too.
func (s *Service) SessionByKey(operator, fp string) (*Session, error) {
	x := &Session{s: s, op: operator, key: fp}
	if err := x.Current(); err != nil {
		return nil, err
	}
	return x, nil
}

// Current says whether the session may still act: nil, or why not (its SSH key is no longer its
// operator's). Every operation, export and import of a session asks it first.
func (x *Session) Current() error {
	if x.key == "" {
		return nil
	}
	if o, ok := x.s.OperatorForKey(x.key); ok && o.ID == x.op {
		return nil
	}
	return errorf(Forbidden, "The SSH key this session signed in with (%s) is no longer %s's in this workspace: the key or the operator was removed, so this session can do nothing more", x.key, x.op)
}

// Session binds the inbox to an operator, who must exist.
func (s *Service) Session(operator string) (*Session, error) {
	if _, ok := s.cfg.Load().op(operator); !ok {
		return nil, unknownActor(operator)
	}
	return &Session{s: s, op: operator}, nil
}

// SessionFor is the session a door binds when a person says who they act as: as, or with as ""
// the workspace's first admin by id (who acts when nobody says), or — in a workspace with no
// admin yet — nobody, whose session can only set the workspace up (import it, add the first
// admin) and read it.
func (s *Service) SessionFor(as string) (*Session, error) {
	if as != "" {
		return s.Session(as)
	}
	if id := s.DefaultOperator(); id != "" {
		return s.Session(id)
	}
	return &Session{s: s}, nil
}

// Operator is the id of the session's operator.
func (x *Session) Operator() string { return x.op }

// Service is the inbox the session runs on.
func (x *Session) Service() *Service { return x.s }

// Me is the session's operator as screens show them (gone when an admin deleted them since).
func (x *Session) Me() (OperatorView, bool) {
	for _, o := range x.s.Operators(context.Background()) {
		if o.ID == x.op {
			return o, true
		}
	}
	return OperatorView{}, false
}

// Capability is something an operator may or may not do.
type Capability string

const (
	// CapChangeRouting: the routing settings (the toggles, the plan, the default team, the
	// automation rules).
	CapChangeRouting Capability = "change_routing"
	// CapManagePeople: operators, teams and their members.
	CapManagePeople Capability = "manage_people"
	// CapManageContacts: add, edit and remove contacts.
	CapManageContacts Capability = "manage_contacts"
	// CapSetOthersPresence: set someone else's presence.
	CapSetOthersPresence Capability = "set_others_presence"
	// CapReplaceWorkspace: replace the whole workspace with an import.
	CapReplaceWorkspace Capability = "replace_workspace"
)

// TextMayNotRoute is why someone who is not an admin may not change the routing settings, as
// the screens say it beside the settings (the service's refusal of a change says
// routing.TextOnlyAdmins).
const TextMayNotRoute = "Only admins can change routing"

// Capabilities says, for each capability, why the operator may not use it ("" when they may).
type Capabilities map[Capability]string

// Can reports whether the operator may use the capability, and why not when not.
func (c Capabilities) Can(k Capability) (bool, string) {
	why, ok := c[k]
	if !ok {
		return false, "unknown capability " + string(k)
	}
	return why == "", why
}

// Capabilities is what the session's operator may do now (roles change: ask again after a
// configuration event).
func (x *Session) Capabilities() Capabilities {
	admin := false
	if o, ok := x.s.cfg.Load().op(x.op); ok {
		admin = o.Role == routing.RoleAdmin
	}
	no := func(why string) string {
		if admin {
			return ""
		}
		return why
	}
	return Capabilities{
		CapChangeRouting:     no(TextMayNotRoute),
		CapManagePeople:      no("Only admins can change operators and teams"),
		CapManageContacts:    no("Only admins can change contacts"),
		CapSetOthersPresence: no("Only admins can change someone else's status"),
		CapReplaceWorkspace:  no("Only admins can replace a workspace"),
	}
}

// ---- queries ----

// List returns a page of conversations; the Mine view is the session's operator's.
func (x *Session) List(ctx context.Context, f Filter) (Page, error) {
	f.Operator = x.op
	return x.s.List(ctx, f)
}

// Window returns the part of a list around a place (see Service.Window).
func (x *Session) Window(ctx context.Context, f Filter, p Place) (Window, error) {
	f.Operator = x.op
	return x.s.Window(ctx, f, p)
}

// Counts returns the view counts, Mine being the operator's.
func (x *Session) Counts(ctx context.Context) (Counts, error) { return x.s.Counts(ctx, x.op) }

// Conversation returns a conversation with a page of its timeline; CanAnswer says whether the
// operator may answer its waiting decision.
func (x *Session) Conversation(ctx context.Context, contact, cursor string, limit int) (Detail, error) {
	return x.s.Conversation(ctx, x.op, contact, cursor, limit)
}

// Prompts returns the team decisions the operator may answer.
func (x *Session) Prompts(ctx context.Context) ([]PromptView, error) { return x.s.Prompts(ctx, x.op) }

// Notifications returns the operator's notifications, newest first (unread only unless all).
func (x *Session) Notifications(ctx context.Context, all bool) ([]domain.Notification, error) {
	return x.s.Notifications(ctx, x.op, all)
}

// Settings, History, Operators, Teams, Contacts and Contact read the workspace as everyone sees it.
func (x *Session) Settings(ctx context.Context) SettingsView { return x.s.Settings(ctx) }
func (x *Session) History(ctx context.Context) ([]domain.SettingChange, error) {
	return x.s.History(ctx)
}
func (x *Session) Operators(ctx context.Context) []OperatorView { return x.s.Operators(ctx) }
func (x *Session) Teams(ctx context.Context) []domain.Team      { return x.s.Teams(ctx) }

// Search is the inbox's search (Service.Search).
func (x *Session) Search(ctx context.Context, query string, offset, limit int) (SearchResult, error) {
	return x.s.Search(ctx, query, offset, limit)
}
func (x *Session) Contacts(ctx context.Context, query string, limit int) ([]ContactView, error) {
	return x.s.Contacts(ctx, query, limit)
}
func (x *Session) Contact(ctx context.Context, contact string) (ContactView, error) {
	return x.s.Contact(ctx, contact)
}

// Export writes the workspace document.
func (x *Session) Export(ctx context.Context, w io.Writer) error {
	if err := x.Current(); err != nil {
		return err
	}
	return x.s.Export(ctx, w)
}

// Subscribe returns the stream of change events (see Service.Subscribe).
func (x *Session) Subscribe(ctx context.Context) <-chan Event { return x.s.Subscribe(ctx) }

// ---- the operator's actions ----

func (x *Session) MarkNotificationsRead(ctx context.Context, seqs ...uint64) error {
	return x.s.MarkNotificationsRead(ctx, x.op, seqs...)
}
func (x *Session) Reply(ctx context.Context, contact, text string) (Outcome, error) {
	return x.s.Reply(ctx, x.op, contact, text)
}
func (x *Session) SendReply(ctx context.Context, r ReplyReq) (Outcome, error) {
	return x.s.SendReply(ctx, x.op, r)
}
func (x *Session) Retry(ctx context.Context, id string) (Outcome, error) {
	return x.s.Retry(ctx, x.op, id)
}
func (x *Session) Templates(ctx context.Context) ([]domain.Template, error) {
	return x.s.Templates(ctx)
}
func (x *Session) PutTemplates(ctx context.Context, ts []domain.Template) error {
	return x.s.PutTemplates(ctx, x.op, ts)
}
func (x *Session) Outbox(ctx context.Context) ([]domain.Outgoing, error) { return x.s.Outbox(ctx) }
func (x *Session) MarkRead(ctx context.Context, contact string) error {
	return x.s.MarkRead(ctx, x.op, contact)
}
func (x *Session) Assign(ctx context.Context, contact, to string, version uint64) (Outcome, error) {
	return x.s.Assign(ctx, x.op, contact, to, version)
}
func (x *Session) SetOwner(ctx context.Context, contact, to string, version uint64) (Outcome, error) {
	return x.s.SetOwner(ctx, x.op, contact, to, version)
}
func (x *Session) ChangeTeam(ctx context.Context, contact, team string, version uint64) (Outcome, error) {
	return x.s.ChangeTeam(ctx, x.op, contact, team, version)
}
func (x *Session) CloseConversation(ctx context.Context, contact string, version uint64) (Outcome, error) {
	return x.s.CloseConversation(ctx, x.op, contact, version)
}
func (x *Session) ReopenConversation(ctx context.Context, contact string, version uint64) (Outcome, error) {
	return x.s.ReopenConversation(ctx, x.op, contact, version)
}
func (x *Session) Accept(ctx context.Context, contact, team string) (Outcome, error) {
	return x.s.Accept(ctx, x.op, contact, team)
}
func (x *Session) Decline(ctx context.Context, contact string) (Outcome, error) {
	return x.s.Decline(ctx, x.op, contact)
}

// CancelPrompt takes back the session's own action that raised the conversation's team decision.
func (x *Session) CancelPrompt(ctx context.Context, contact string) (Outcome, error) {
	return x.s.CancelPrompt(ctx, x.op, contact)
}
func (x *Session) SetOwnerRouting(ctx context.Context, on bool) (domain.SettingChange, error) {
	return x.s.SetOwnerRouting(ctx, x.op, on)
}
func (x *Session) SetRoundRobin(ctx context.Context, on bool) (domain.SettingChange, error) {
	return x.s.SetRoundRobin(ctx, x.op, on)
}
func (x *Session) SetPlan(ctx context.Context, plan string) (domain.SettingChange, error) {
	return x.s.SetPlan(ctx, x.op, plan)
}
func (x *Session) SetDefaultTeam(ctx context.Context, team string) (domain.SettingChange, error) {
	return x.s.SetDefaultTeam(ctx, x.op, team)
}

func (x *Session) SetAwayWait(ctx context.Context, value string) (domain.SettingChange, error) {
	return x.s.SetAwayWait(ctx, x.op, value)
}
func (x *Session) ChangeHours(ctx context.Context, hc HoursChange) (domain.SettingChange, error) {
	return x.s.ChangeHours(ctx, x.op, hc)
}
func (x *Session) SetHoliday(ctx context.Context, on bool) (domain.SettingChange, error) {
	return x.s.SetHoliday(ctx, x.op, on)
}
func (x *Session) SetAssignment(ctx context.Context, mode string) (domain.SettingChange, error) {
	return x.s.SetAssignment(ctx, x.op, mode)
}
func (x *Session) SetDefaultMaxOpen(ctx context.Context, n int) (domain.SettingChange, error) {
	return x.s.SetDefaultMaxOpen(ctx, x.op, n)
}

// Capacity returns every operator's open conversations and capacity.
func (x *Session) Capacity(ctx context.Context) (CapacityReport, error) { return x.s.Capacity(ctx) }

// SetPresence sets an operator's presence: the session's own, or (admins) someone else's.
func (x *Session) SetPresence(ctx context.Context, operator, status string) error {
	return x.s.SetPresence(ctx, x.op, operator, status)
}
func (x *Session) AddOperator(ctx context.Context, o domain.Operator) error {
	return x.s.AddOperator(ctx, x.op, o)
}
func (x *Session) UpdateOperator(ctx context.Context, o domain.Operator) error {
	return x.s.UpdateOperator(ctx, x.op, o)
}
func (x *Session) DeleteOperator(ctx context.Context, id string) error {
	return x.s.DeleteOperator(ctx, x.op, id)
}
func (x *Session) AddTeam(ctx context.Context, t domain.Team) error { return x.s.AddTeam(ctx, x.op, t) }
func (x *Session) RenameTeam(ctx context.Context, id, name string) error {
	return x.s.RenameTeam(ctx, x.op, id, name)
}
func (x *Session) DeleteTeam(ctx context.Context, id string) error {
	return x.s.DeleteTeam(ctx, x.op, id)
}
func (x *Session) AddMember(ctx context.Context, team, operator string) error {
	return x.s.AddMember(ctx, x.op, team, operator)
}
func (x *Session) RemoveMember(ctx context.Context, team, operator string) error {
	return x.s.RemoveMember(ctx, x.op, team, operator)
}
func (x *Session) SaveContact(ctx context.Context, ct domain.Contact) (ContactView, error) {
	return x.s.SaveContact(ctx, x.op, ct)
}
func (x *Session) DeleteContact(ctx context.Context, contact string) error {
	return x.s.DeleteContact(ctx, x.op, contact)
}
func (x *Session) AddRule(ctx context.Context, r domain.Rule) error { return x.s.AddRule(ctx, x.op, r) }
func (x *Session) UpdateRule(ctx context.Context, r domain.Rule) error {
	return x.s.UpdateRule(ctx, x.op, r)
}
func (x *Session) MoveRule(ctx context.Context, name string, pos int) error {
	return x.s.MoveRule(ctx, x.op, name, pos)
}
func (x *Session) DeleteRule(ctx context.Context, name string) error {
	return x.s.DeleteRule(ctx, x.op, name)
}

// Import loads a workspace document (see Service.Import).
func (x *Session) Import(ctx context.Context, r io.Reader, replace bool) error {
	if err := x.Current(); err != nil {
		return err
	}
	doc, err := readDocument(r)
	if err != nil {
		return err
	}
	// asked again: a document may take long to arrive, and the key may be removed meanwhile
	if err := x.Current(); err != nil {
		return err
	}
	return x.s.importDocument(ctx, x.op, doc, replace)
}

// ---- what customers and WhatsApp do (no operator acts; a trainer injects them) ----

func (x *Session) Inject(ctx context.Context, in Inbound) (Outcome, error) {
	return x.s.Inject(ctx, in)
}
func (x *Session) EndCall(ctx context.Context, c CallEnd) (Outcome, error) {
	return x.s.EndCall(ctx, c)
}
func (x *Session) SetDelivery(ctx context.Context, id, status string) (bool, error) {
	return x.s.SetDelivery(ctx, id, status)
}
func (x *Session) SetDeliveryStatus(ctx context.Context, r DeliveryReq) (bool, error) {
	return x.s.SetDeliveryStatus(ctx, r)
}
func (x *Session) ChangeNumber(ctx context.Context, c NumberChange) (Outcome, error) {
	return x.s.ChangeNumber(ctx, c)
}
func (x *Session) RecordEcho(ctx context.Context, e Echo) (Outcome, error) {
	return x.s.RecordEcho(ctx, e)
}

// TextNoAdmin says what to do in a workspace that has no admin yet, when something needs
// someone to act.
const TextNoAdmin = "The workspace has no admin yet: load one with `switchboard import FILE`, or add the first admin with `switchboard operators add ID --name NAME --role admin`"

// unknownActor is the error of an action by someone who is not an operator: nobody (a
// workspace with no admin yet), or an id that names no one.
func unknownActor(by string) error {
	if by == "" {
		return errorf(NotFound, "%s", TextNoAdmin)
	}
	return errorf(NotFound, "Operator %q not found; act as an existing operator (see `switchboard operators`)", by)
}
