// Package rpc lets every switchboard process reach the one process that owns a workspace file.
//
// Whichever process owns the database (the terminal inbox, or `switchboard serve`) listens on a
// Unix socket beside the file (<db>.sock, mode 0600) and answers requests by running the same
// inbox.Service methods. Every other command first tries the socket and, when no owner
// answers, opens the file itself. API is the one interface both sides satisfy: Local wraps an
// *inbox.Service, Client talks to the socket, so a command is written once.
//
// The protocol is HTTP/1.1 on the socket: POST /v1/<Method> with an Args JSON body, answered
// by {"result": ...} or {"error": {"kind", "msg"}} (an inbox.Error with its Kind preserved).
// Export and Import stream the workspace document as the body. GET /v1/ping names the owner.
//
// This package adapts the service to a transport; it decides nothing about routing,
// permissions or storage, and must not draw anything or parse command lines.
package rpc

import (
	"context"
	"io"

	"switchboard/inbox"
)

// API is every inbox operation the commands use. *inbox.Service (through Local) and *Client
// satisfy it; errors are *inbox.Error wherever the service returns one.
type API interface {
	// DefaultOperator is the first admin by id, "" in an empty workspace.
	DefaultOperator(ctx context.Context) (string, error)
	Operators(ctx context.Context) ([]inbox.OperatorView, error)
	Teams(ctx context.Context) ([]inbox.Team, error)
	Settings(ctx context.Context) (inbox.SettingsView, error)
	History(ctx context.Context) ([]inbox.SettingChange, error)
	Contacts(ctx context.Context, query string, limit int) ([]inbox.ContactView, error)
	// Contact finds the contact a person names: a number, a BSUID, @username or its id.
	Contact(ctx context.Context, contact string) (inbox.ContactView, error)
	List(ctx context.Context, f inbox.Filter) (inbox.Page, error)
	Counts(ctx context.Context, operator string) (inbox.Counts, error)
	Conversation(ctx context.Context, asker, contact, cursor string, limit int) (inbox.Detail, error)
	Prompts(ctx context.Context, operator string) ([]inbox.PromptView, error)
	Notifications(ctx context.Context, operator string, all bool) ([]inbox.Notification, error)
	MarkNotificationsRead(ctx context.Context, by string, seqs ...uint64) error

	Inject(ctx context.Context, in inbox.Inbound) (inbox.Outcome, error)
	EndCall(ctx context.Context, c inbox.CallEnd) (inbox.Outcome, error)
	SetDelivery(ctx context.Context, id, status string) (found bool, err error)
	ChangeNumber(ctx context.Context, c inbox.NumberChange) (inbox.Outcome, error)
	RecordEcho(ctx context.Context, e inbox.Echo) (inbox.Outcome, error)
	Reply(ctx context.Context, by, contact, text string) (inbox.Outcome, error)
	MarkRead(ctx context.Context, by, contact string) error
	Assign(ctx context.Context, by, contact, to string, version uint64) (inbox.Outcome, error)
	SetOwner(ctx context.Context, by, contact, to string, version uint64) (inbox.Outcome, error)
	ChangeTeam(ctx context.Context, by, contact, team string, version uint64) (inbox.Outcome, error)
	CloseConversation(ctx context.Context, by, contact string, version uint64) (inbox.Outcome, error)
	ReopenConversation(ctx context.Context, by, contact string, version uint64) (inbox.Outcome, error)
	Accept(ctx context.Context, by, contact, team string) (inbox.Outcome, error)
	Decline(ctx context.Context, by, contact string) (inbox.Outcome, error)

	SetOwnerRouting(ctx context.Context, by string, on bool) (inbox.SettingChange, error)
	SetRoundRobin(ctx context.Context, by string, on bool) (inbox.SettingChange, error)
	SetPlan(ctx context.Context, by, plan string) (inbox.SettingChange, error)
	SetDefaultTeam(ctx context.Context, by, team string) (inbox.SettingChange, error)
	SetPresence(ctx context.Context, by, operator, status string) error

	AddOperator(ctx context.Context, by string, o inbox.Operator) error
	UpdateOperator(ctx context.Context, by string, o inbox.Operator) error
	DeleteOperator(ctx context.Context, by, id string) error
	AddTeam(ctx context.Context, by string, t inbox.Team) error
	RenameTeam(ctx context.Context, by, id, name string) error
	DeleteTeam(ctx context.Context, by, id string) error
	AddMember(ctx context.Context, by, team, operator string) error
	RemoveMember(ctx context.Context, by, team, operator string) error
	SaveContact(ctx context.Context, by string, ct inbox.Contact) (inbox.ContactView, error)
	DeleteContact(ctx context.Context, by, contact string) error
	AddRule(ctx context.Context, by string, r inbox.Rule) error
	UpdateRule(ctx context.Context, by string, r inbox.Rule) error
	MoveRule(ctx context.Context, by, name string, pos int) error
	DeleteRule(ctx context.Context, by, name string) error

	Export(ctx context.Context, w io.Writer) error
	Import(ctx context.Context, by string, r io.Reader, replace bool) error
}

// Local is the API of a service in this process. The service's own methods serve where their
// signatures already match; the few that cannot fail gain an error here.
type Local struct {
	*inbox.Service
}

var _ API = Local{}

// DefaultOperator returns the first admin by id.
func (l Local) DefaultOperator(ctx context.Context) (string, error) {
	return l.Service.DefaultOperator(), nil
}

// Operators returns the operators with their teams.
func (l Local) Operators(ctx context.Context) ([]inbox.OperatorView, error) {
	return l.Service.Operators(ctx), nil
}

// Teams returns the teams in workspace order.
func (l Local) Teams(ctx context.Context) ([]inbox.Team, error) { return l.Service.Teams(ctx), nil }

// Settings returns the settings.
func (l Local) Settings(ctx context.Context) (inbox.SettingsView, error) {
	return l.Service.Settings(ctx), nil
}
