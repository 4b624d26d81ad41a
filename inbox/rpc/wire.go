package rpc

import (
	"context"

	"switchboard/inbox"
)

// Args carries any method's arguments; each method reads the fields it names.
type Args struct {
	By       string              `json:"by,omitempty"`
	Contact  string              `json:"contact,omitempty"`
	To       string              `json:"to,omitempty"`
	Team     string              `json:"team,omitempty"`
	Text     string              `json:"text,omitempty"`
	Name     string              `json:"name,omitempty"`
	ID       string              `json:"id,omitempty"`
	Operator string              `json:"operator,omitempty"`
	Status   string              `json:"status,omitempty"`
	Plan     string              `json:"plan,omitempty"`
	Query    string              `json:"query,omitempty"`
	Cursor   string              `json:"cursor,omitempty"`
	Limit    int                 `json:"limit,omitempty"`
	Pos      int                 `json:"pos,omitempty"`
	Version  uint64              `json:"version,omitempty"`
	On       bool                `json:"on,omitempty"`
	All      bool                `json:"all,omitempty"`
	Seqs     []uint64            `json:"seqs,omitempty"`
	Filter   *inbox.Filter       `json:"filter,omitempty"`
	Inbound  *inbox.Inbound      `json:"inbound,omitempty"`
	CallEnd  *inbox.CallEnd      `json:"call_end,omitempty"`
	Change   *inbox.NumberChange `json:"number_change,omitempty"`
	Echo     *inbox.Echo         `json:"echo,omitempty"`
	Op       *inbox.Operator     `json:"op,omitempty"`
	TeamRec  *inbox.Team         `json:"team_rec,omitempty"`
	Rec      *inbox.Contact      `json:"contact_rec,omitempty"`
	Rule     *inbox.Rule         `json:"rule,omitempty"`
}

type handler func(ctx context.Context, a API, x *Args) (any, error)

func nothing(err error) (any, error) { return nil, err }

// methods is the server's table: one line per API method (Export and Import stream, see server).
var methods = map[string]handler{
	"DefaultOperator": func(ctx context.Context, a API, x *Args) (any, error) { return a.DefaultOperator(ctx) },
	"Operators":       func(ctx context.Context, a API, x *Args) (any, error) { return a.Operators(ctx) },
	"Teams":           func(ctx context.Context, a API, x *Args) (any, error) { return a.Teams(ctx) },
	"Settings":        func(ctx context.Context, a API, x *Args) (any, error) { return a.Settings(ctx) },
	"History":         func(ctx context.Context, a API, x *Args) (any, error) { return a.History(ctx) },
	"Contacts": func(ctx context.Context, a API, x *Args) (any, error) {
		return a.Contacts(ctx, x.Query, x.Limit)
	},
	"Contact": func(ctx context.Context, a API, x *Args) (any, error) { return a.Contact(ctx, x.Contact) },
	"ChangeNumber": func(ctx context.Context, a API, x *Args) (any, error) {
		if x.Change == nil {
			return nil, &inbox.Error{Kind: inbox.Invalid, Msg: "ChangeNumber needs a number change"}
		}
		return a.ChangeNumber(ctx, *x.Change)
	},
	"RecordEcho": func(ctx context.Context, a API, x *Args) (any, error) {
		if x.Echo == nil {
			return nil, &inbox.Error{Kind: inbox.Invalid, Msg: "RecordEcho needs an echo"}
		}
		return a.RecordEcho(ctx, *x.Echo)
	},
	"List": func(ctx context.Context, a API, x *Args) (any, error) {
		if x.Filter == nil {
			x.Filter = &inbox.Filter{}
		}
		return a.List(ctx, *x.Filter)
	},
	"Counts": func(ctx context.Context, a API, x *Args) (any, error) { return a.Counts(ctx, x.Operator) },
	"Conversation": func(ctx context.Context, a API, x *Args) (any, error) {
		return a.Conversation(ctx, x.By, x.Contact, x.Cursor, x.Limit)
	},
	"Prompts": func(ctx context.Context, a API, x *Args) (any, error) { return a.Prompts(ctx, x.Operator) },
	"Notifications": func(ctx context.Context, a API, x *Args) (any, error) {
		return a.Notifications(ctx, x.Operator, x.All)
	},
	"MarkNotificationsRead": func(ctx context.Context, a API, x *Args) (any, error) {
		return nothing(a.MarkNotificationsRead(ctx, x.By, x.Seqs...))
	},
	"Inject": func(ctx context.Context, a API, x *Args) (any, error) {
		if x.Inbound == nil {
			return nil, &inbox.Error{Kind: inbox.Invalid, Msg: "Inject needs an inbound event"}
		}
		return a.Inject(ctx, *x.Inbound)
	},
	"EndCall": func(ctx context.Context, a API, x *Args) (any, error) {
		if x.CallEnd == nil {
			return nil, &inbox.Error{Kind: inbox.Invalid, Msg: "EndCall needs a call end"}
		}
		return a.EndCall(ctx, *x.CallEnd)
	},
	"SetDelivery": func(ctx context.Context, a API, x *Args) (any, error) {
		return a.SetDelivery(ctx, x.ID, x.Status)
	},
	"Reply": func(ctx context.Context, a API, x *Args) (any, error) { return a.Reply(ctx, x.By, x.Contact, x.Text) },
	"MarkRead": func(ctx context.Context, a API, x *Args) (any, error) {
		return nothing(a.MarkRead(ctx, x.By, x.Contact))
	},
	"Assign": func(ctx context.Context, a API, x *Args) (any, error) {
		return a.Assign(ctx, x.By, x.Contact, x.To, x.Version)
	},
	"SetOwner": func(ctx context.Context, a API, x *Args) (any, error) {
		return a.SetOwner(ctx, x.By, x.Contact, x.To, x.Version)
	},
	"ChangeTeam": func(ctx context.Context, a API, x *Args) (any, error) {
		return a.ChangeTeam(ctx, x.By, x.Contact, x.Team, x.Version)
	},
	"CloseConversation": func(ctx context.Context, a API, x *Args) (any, error) {
		return a.CloseConversation(ctx, x.By, x.Contact, x.Version)
	},
	"ReopenConversation": func(ctx context.Context, a API, x *Args) (any, error) {
		return a.ReopenConversation(ctx, x.By, x.Contact, x.Version)
	},
	"Accept":  func(ctx context.Context, a API, x *Args) (any, error) { return a.Accept(ctx, x.By, x.Contact, x.Team) },
	"Decline": func(ctx context.Context, a API, x *Args) (any, error) { return a.Decline(ctx, x.By, x.Contact) },
	"SetOwnerRouting": func(ctx context.Context, a API, x *Args) (any, error) {
		return a.SetOwnerRouting(ctx, x.By, x.On)
	},
	"SetRoundRobin": func(ctx context.Context, a API, x *Args) (any, error) { return a.SetRoundRobin(ctx, x.By, x.On) },
	"SetPlan":       func(ctx context.Context, a API, x *Args) (any, error) { return a.SetPlan(ctx, x.By, x.Plan) },
	"SetDefaultTeam": func(ctx context.Context, a API, x *Args) (any, error) {
		return a.SetDefaultTeam(ctx, x.By, x.Team)
	},
	"SetPresence": func(ctx context.Context, a API, x *Args) (any, error) {
		return nothing(a.SetPresence(ctx, x.By, x.Operator, x.Status))
	},
	"AddOperator": func(ctx context.Context, a API, x *Args) (any, error) {
		return nothing(a.AddOperator(ctx, x.By, deref(x.Op)))
	},
	"UpdateOperator": func(ctx context.Context, a API, x *Args) (any, error) {
		return nothing(a.UpdateOperator(ctx, x.By, deref(x.Op)))
	},
	"DeleteOperator": func(ctx context.Context, a API, x *Args) (any, error) {
		return nothing(a.DeleteOperator(ctx, x.By, x.ID))
	},
	"AddTeam": func(ctx context.Context, a API, x *Args) (any, error) {
		return nothing(a.AddTeam(ctx, x.By, deref(x.TeamRec)))
	},
	"RenameTeam": func(ctx context.Context, a API, x *Args) (any, error) {
		return nothing(a.RenameTeam(ctx, x.By, x.ID, x.Name))
	},
	"DeleteTeam": func(ctx context.Context, a API, x *Args) (any, error) {
		return nothing(a.DeleteTeam(ctx, x.By, x.ID))
	},
	"DeleteContact": func(ctx context.Context, a API, x *Args) (any, error) {
		return nothing(a.DeleteContact(ctx, x.By, x.ID))
	},
	"AddMember": func(ctx context.Context, a API, x *Args) (any, error) {
		return nothing(a.AddMember(ctx, x.By, x.Team, x.Operator))
	},
	"RemoveMember": func(ctx context.Context, a API, x *Args) (any, error) {
		return nothing(a.RemoveMember(ctx, x.By, x.Team, x.Operator))
	},
	"SaveContact": func(ctx context.Context, a API, x *Args) (any, error) {
		return a.SaveContact(ctx, x.By, deref(x.Rec))
	},
	"AddRule": func(ctx context.Context, a API, x *Args) (any, error) {
		return nothing(a.AddRule(ctx, x.By, deref(x.Rule)))
	},
	"UpdateRule": func(ctx context.Context, a API, x *Args) (any, error) {
		return nothing(a.UpdateRule(ctx, x.By, deref(x.Rule)))
	},
	"MoveRule": func(ctx context.Context, a API, x *Args) (any, error) {
		return nothing(a.MoveRule(ctx, x.By, x.Name, x.Pos))
	},
	"DeleteRule": func(ctx context.Context, a API, x *Args) (any, error) {
		return nothing(a.DeleteRule(ctx, x.By, x.Name))
	},
}

func deref[T any](p *T) T {
	if p == nil {
		var zero T
		return zero
	}
	return *p
}

// ---- the client side: one line per method ----

func (c *Client) DefaultOperator(ctx context.Context) (string, error) {
	return call[string](ctx, c, "DefaultOperator", Args{})
}

func (c *Client) Operators(ctx context.Context) ([]inbox.OperatorView, error) {
	return call[[]inbox.OperatorView](ctx, c, "Operators", Args{})
}

func (c *Client) Teams(ctx context.Context) ([]inbox.Team, error) {
	return call[[]inbox.Team](ctx, c, "Teams", Args{})
}

func (c *Client) Settings(ctx context.Context) (inbox.SettingsView, error) {
	return call[inbox.SettingsView](ctx, c, "Settings", Args{})
}

func (c *Client) History(ctx context.Context) ([]inbox.SettingChange, error) {
	return call[[]inbox.SettingChange](ctx, c, "History", Args{})
}

func (c *Client) Contacts(ctx context.Context, query string, limit int) ([]inbox.ContactView, error) {
	return call[[]inbox.ContactView](ctx, c, "Contacts", Args{Query: query, Limit: limit})
}

func (c *Client) Contact(ctx context.Context, contact string) (inbox.ContactView, error) {
	return call[inbox.ContactView](ctx, c, "Contact", Args{Contact: contact})
}

func (c *Client) ChangeNumber(ctx context.Context, n inbox.NumberChange) (inbox.Outcome, error) {
	return call[inbox.Outcome](ctx, c, "ChangeNumber", Args{Change: &n})
}

func (c *Client) RecordEcho(ctx context.Context, e inbox.Echo) (inbox.Outcome, error) {
	return call[inbox.Outcome](ctx, c, "RecordEcho", Args{Echo: &e})
}

func (c *Client) List(ctx context.Context, f inbox.Filter) (inbox.Page, error) {
	return call[inbox.Page](ctx, c, "List", Args{Filter: &f})
}

func (c *Client) Counts(ctx context.Context, operator string) (inbox.Counts, error) {
	return call[inbox.Counts](ctx, c, "Counts", Args{Operator: operator})
}

func (c *Client) Conversation(ctx context.Context, asker, contact, cursor string, limit int) (inbox.Detail, error) {
	return call[inbox.Detail](ctx, c, "Conversation", Args{By: asker, Contact: contact, Cursor: cursor, Limit: limit})
}

func (c *Client) Prompts(ctx context.Context, operator string) ([]inbox.PromptView, error) {
	return call[[]inbox.PromptView](ctx, c, "Prompts", Args{Operator: operator})
}

func (c *Client) Notifications(ctx context.Context, operator string, all bool) ([]inbox.Notification, error) {
	return call[[]inbox.Notification](ctx, c, "Notifications", Args{Operator: operator, All: all})
}

func (c *Client) MarkNotificationsRead(ctx context.Context, by string, seqs ...uint64) error {
	return call0(ctx, c, "MarkNotificationsRead", Args{By: by, Seqs: seqs})
}

func (c *Client) Inject(ctx context.Context, in inbox.Inbound) (inbox.Outcome, error) {
	return call[inbox.Outcome](ctx, c, "Inject", Args{Inbound: &in})
}

func (c *Client) EndCall(ctx context.Context, e inbox.CallEnd) (inbox.Outcome, error) {
	return call[inbox.Outcome](ctx, c, "EndCall", Args{CallEnd: &e})
}

func (c *Client) SetDelivery(ctx context.Context, id, status string) (bool, error) {
	return call[bool](ctx, c, "SetDelivery", Args{ID: id, Status: status})
}

func (c *Client) Reply(ctx context.Context, by, contact, text string) (inbox.Outcome, error) {
	return call[inbox.Outcome](ctx, c, "Reply", Args{By: by, Contact: contact, Text: text})
}

func (c *Client) MarkRead(ctx context.Context, by, contact string) error {
	return call0(ctx, c, "MarkRead", Args{By: by, Contact: contact})
}

func (c *Client) Assign(ctx context.Context, by, contact, to string, version uint64) (inbox.Outcome, error) {
	return call[inbox.Outcome](ctx, c, "Assign", Args{By: by, Contact: contact, To: to, Version: version})
}

func (c *Client) SetOwner(ctx context.Context, by, contact, to string, version uint64) (inbox.Outcome, error) {
	return call[inbox.Outcome](ctx, c, "SetOwner", Args{By: by, Contact: contact, To: to, Version: version})
}

func (c *Client) ChangeTeam(ctx context.Context, by, contact, team string, version uint64) (inbox.Outcome, error) {
	return call[inbox.Outcome](ctx, c, "ChangeTeam", Args{By: by, Contact: contact, Team: team, Version: version})
}

func (c *Client) CloseConversation(ctx context.Context, by, contact string, version uint64) (inbox.Outcome, error) {
	return call[inbox.Outcome](ctx, c, "CloseConversation", Args{By: by, Contact: contact, Version: version})
}

func (c *Client) ReopenConversation(ctx context.Context, by, contact string, version uint64) (inbox.Outcome, error) {
	return call[inbox.Outcome](ctx, c, "ReopenConversation", Args{By: by, Contact: contact, Version: version})
}

func (c *Client) Accept(ctx context.Context, by, contact, team string) (inbox.Outcome, error) {
	return call[inbox.Outcome](ctx, c, "Accept", Args{By: by, Contact: contact, Team: team})
}

func (c *Client) Decline(ctx context.Context, by, contact string) (inbox.Outcome, error) {
	return call[inbox.Outcome](ctx, c, "Decline", Args{By: by, Contact: contact})
}

func (c *Client) SetOwnerRouting(ctx context.Context, by string, on bool) (inbox.SettingChange, error) {
	return call[inbox.SettingChange](ctx, c, "SetOwnerRouting", Args{By: by, On: on})
}

func (c *Client) SetRoundRobin(ctx context.Context, by string, on bool) (inbox.SettingChange, error) {
	return call[inbox.SettingChange](ctx, c, "SetRoundRobin", Args{By: by, On: on})
}

func (c *Client) SetPlan(ctx context.Context, by, plan string) (inbox.SettingChange, error) {
	return call[inbox.SettingChange](ctx, c, "SetPlan", Args{By: by, Plan: plan})
}

func (c *Client) SetDefaultTeam(ctx context.Context, by, team string) (inbox.SettingChange, error) {
	return call[inbox.SettingChange](ctx, c, "SetDefaultTeam", Args{By: by, Team: team})
}

func (c *Client) SetPresence(ctx context.Context, by, operator, status string) error {
	return call0(ctx, c, "SetPresence", Args{By: by, Operator: operator, Status: status})
}

func (c *Client) AddOperator(ctx context.Context, by string, o inbox.Operator) error {
	return call0(ctx, c, "AddOperator", Args{By: by, Op: &o})
}

func (c *Client) UpdateOperator(ctx context.Context, by string, o inbox.Operator) error {
	return call0(ctx, c, "UpdateOperator", Args{By: by, Op: &o})
}

func (c *Client) DeleteOperator(ctx context.Context, by, id string) error {
	return call0(ctx, c, "DeleteOperator", Args{By: by, ID: id})
}

func (c *Client) AddTeam(ctx context.Context, by string, t inbox.Team) error {
	return call0(ctx, c, "AddTeam", Args{By: by, TeamRec: &t})
}

func (c *Client) RenameTeam(ctx context.Context, by, id, name string) error {
	return call0(ctx, c, "RenameTeam", Args{By: by, ID: id, Name: name})
}

func (c *Client) DeleteTeam(ctx context.Context, by, id string) error {
	return call0(ctx, c, "DeleteTeam", Args{By: by, ID: id})
}

// DeleteContact removes a contact with its conversation.
func (c *Client) DeleteContact(ctx context.Context, by, contact string) error {
	return call0(ctx, c, "DeleteContact", Args{By: by, ID: contact})
}

func (c *Client) AddMember(ctx context.Context, by, team, operator string) error {
	return call0(ctx, c, "AddMember", Args{By: by, Team: team, Operator: operator})
}

func (c *Client) RemoveMember(ctx context.Context, by, team, operator string) error {
	return call0(ctx, c, "RemoveMember", Args{By: by, Team: team, Operator: operator})
}

func (c *Client) SaveContact(ctx context.Context, by string, ct inbox.Contact) (inbox.ContactView, error) {
	return call[inbox.ContactView](ctx, c, "SaveContact", Args{By: by, Rec: &ct})
}

func (c *Client) AddRule(ctx context.Context, by string, r inbox.Rule) error {
	return call0(ctx, c, "AddRule", Args{By: by, Rule: &r})
}

func (c *Client) UpdateRule(ctx context.Context, by string, r inbox.Rule) error {
	return call0(ctx, c, "UpdateRule", Args{By: by, Rule: &r})
}

func (c *Client) MoveRule(ctx context.Context, by, name string, pos int) error {
	return call0(ctx, c, "MoveRule", Args{By: by, Name: name, Pos: pos})
}

func (c *Client) DeleteRule(ctx context.Context, by, name string) error {
	return call0(ctx, c, "DeleteRule", Args{By: by, Name: name})
}
