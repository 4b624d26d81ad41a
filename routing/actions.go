package routing

import (
	"errors"
	"fmt"
	"time"
)

// RefusalKind classifies why routing refused an action or a settings change.
type RefusalKind string

const (
	Forbidden      RefusalKind = "forbidden"
	Invalid        RefusalKind = "invalid"
	NotFound       RefusalKind = "not found"
	Conflict       RefusalKind = "conflict"
	AlreadyDecided RefusalKind = "already decided"
)

// Refusal is a typed error with a sentence a person can act on. Nothing changes when an
// action is refused.
type Refusal struct {
	Kind RefusalKind
	Text string
}

func (r *Refusal) Error() string { return r.Text }

func refuse(k RefusalKind, format string, args ...any) error {
	return &Refusal{Kind: k, Text: fmt.Sprintf(format, args...)}
}

// IsRefusal reports whether err is a Refusal of the given kind.
func IsRefusal(err error, k RefusalKind) bool {
	var r *Refusal
	return errors.As(err, &r) && r.Kind == k
}

func (w *Workspace) action(kind DecisionKind, actor string, c Contact, conv Conversation, at time.Time) Decision {
	d := Decision{Kind: kind, Actor: actor, At: at, ws: w, contact: c}
	d.Before = stateOf(c, conv)
	d.After = d.Before
	return d
}

func (w *Workspace) checkActor(actor string) error {
	if !w.IsHuman(actor) {
		return refuse(NotFound, "Operator %q not found; act as an existing operator (see `switchboard operators`)", actor)
	}
	return nil
}

func (w *Workspace) checkNoPrompt(c Contact, conv Conversation) error {
	if conv.Prompt != nil {
		return refuse(Conflict, "A team decision is waiting on %s; accept or decline it first", displayContact(c))
	}
	return nil
}

func (w *Workspace) checkExists(conv Conversation) error {
	if conv.Status == StatusNew {
		return refuse(NotFound, "There is no conversation with this contact yet; it starts with their first message or call")
	}
	return nil
}

// DecideAssign decides a person setting the assignee to an operator id, Bot, or "" (none).
func DecideAssign(w *Workspace, actor string, c Contact, conv Conversation, to string, at time.Time) (Decision, error) {
	if err := w.checkActor(actor); err != nil {
		return Decision{}, err
	}
	if err := w.checkExists(conv); err != nil {
		return Decision{}, err
	}
	if err := w.checkNoPrompt(c, conv); err != nil {
		return Decision{}, err
	}
	d := w.action(KindAssign, actor, c, conv, at)
	d.Reason = ReasonManualAssign
	d.target = to
	if to == "" || to == Bot {
		d.After.Assignee = to
		d.After.BotHold = false
		d.After.Cover, d.After.Backlog = "", false // a person chose: no cover, no backlog
		d.settle()
		return d, nil
	}
	if !w.IsHuman(to) {
		return Decision{}, refuse(NotFound, "Operator %q not found; pick one from `switchboard operators`, or use bot or none.%s", to, w.didYouMeanOperator(to))
	}
	if !w.InTeam(to, conv.Team) {
		choices := w.TeamsOf(to)
		if len(choices) == 0 {
			return Decision{}, refuse(Invalid, "%s is in no team, so they cannot be assigned; add them to a team first", w.name(to))
		}
		d.RaisePrompt = true
		d.Prompt = Prompt{Kind: PromptAssign, Target: to, Team: conv.Team, Choices: choices, RaisedBy: actor, At: at}
		d.Reason = ReasonOwnerTeamMismatch
		return d, nil
	}
	d.After.Assignee = to
	d.After.BotHold = false
	d.After.Cover = "" // a person assigned it: the cover ends
	if w.Settings.OwnerRoutingActive() {
		d.After.Owner = to
	}
	d.settle()
	return d, nil
}

// DecideOwner decides a person setting the contact's owner to an operator, or clearing it
// (to == "").
func DecideOwner(w *Workspace, actor string, c Contact, conv Conversation, to string, at time.Time) (Decision, error) {
	if err := w.checkActor(actor); err != nil {
		return Decision{}, err
	}
	if err := w.checkNoPrompt(c, conv); err != nil {
		return Decision{}, err
	}
	if to == "" {
		d := w.action(KindClearOwner, actor, c, conv, at)
		d.Reason = ReasonManualOwner
		d.After.Owner = ""
		d.After.Cover = "" // nobody to stand in for
		d.settle()
		return d, nil
	}
	if to == Bot {
		return Decision{}, refuse(Invalid, "Bot cannot own a contact; choose an operator, or none to clear the owner")
	}
	if !w.IsHuman(to) {
		return Decision{}, refuse(NotFound, "Operator %q not found; pick one from `switchboard operators`, or none.%s", to, w.didYouMeanOperator(to))
	}
	d := w.action(KindOwner, actor, c, conv, at)
	d.Reason = ReasonManualOwner
	d.target = to
	d.After.Owner = to
	if to != c.Owner {
		d.After.Cover = "" // a cover stood in for the owner before
	}
	if !w.Settings.OwnerRoutingActive() || conv.Status == StatusNew {
		d.settle()
		return d, nil // routing off: only the edited field changes
	}
	if w.InTeam(to, conv.Team) {
		d.After.Assignee = to
		d.After.BotHold = false
		d.After.Cover = ""
		d.settle()
		return d, nil
	}
	d.RaisePrompt = true
	d.Prompt = Prompt{Kind: PromptOwner, Target: to, Team: conv.Team, Choices: w.TeamsOf(to), RaisedBy: actor, At: at,
		PrevOwner: c.Owner, PrevCover: conv.Cover}
	d.settle()
	return d, nil
}

// DecideTeam decides a person moving the conversation to another team. An assignee who is not
// a member of the new team (Bot included) gives way to round robin there when it is on; the
// owner is untouched.
func DecideTeam(w *Workspace, actor string, c Contact, conv Conversation, team string, at time.Time) (Decision, error) {
	if err := w.checkActor(actor); err != nil {
		return Decision{}, err
	}
	if err := w.checkExists(conv); err != nil {
		return Decision{}, err
	}
	if err := w.checkNoPrompt(c, conv); err != nil {
		return Decision{}, err
	}
	if _, ok := w.Team(team); !ok {
		return Decision{}, refuse(NotFound, "Team %q not found; pick one from `switchboard teams`.%s", team, w.didYouMeanTeam(team))
	}
	d := w.action(KindTeam, actor, c, conv, at)
	d.Reason = ReasonTeamChange
	d.After.Team = team
	if conv.Assignee != "" && !w.InTeam(conv.Assignee, team) {
		d.After.Assignee = ""
		d.After.BotHold = false
		d.After.Backlog = false
		if w.Settings.RoundRobinActive() {
			w.roundRobin(&d, team)
			d.Reason = ReasonTeamChange
		}
	}
	d.settle()
	return d, nil
}

// CanAnswer reports whether actor may answer the conversation's pending prompt: the person
// whose action raised it; for a prompt raised by an inbound event, the owner or any admin.
func CanAnswer(w *Workspace, actor string, p *Prompt) bool {
	if p == nil || !w.IsHuman(actor) {
		return false
	}
	if p.RaisedBy == Routing {
		return actor == p.Target || w.IsAdmin(actor)
	}
	return actor == p.RaisedBy
}

// DecideAnswer decides the answer to the pending prompt: accept with a team (one that includes
// the prompt's operator; "" takes the first choice) or decline.
func DecideAnswer(w *Workspace, actor string, c Contact, conv Conversation, accept bool, team string, at time.Time) (Decision, error) {
	if err := w.checkActor(actor); err != nil {
		return Decision{}, err
	}
	p := conv.Prompt
	if p == nil {
		return Decision{}, refuse(AlreadyDecided, "No team decision is waiting on %s: it was already decided, or none was raised", displayContact(c))
	}
	if !CanAnswer(w, actor, p) {
		if p.RaisedBy == Routing {
			return Decision{}, refuse(Forbidden, "Only %s (the contact owner) or an admin can answer this team decision", w.name(p.Target))
		}
		return Decision{}, refuse(Forbidden, "Only %s, who raised this team decision, can answer it", w.name(p.RaisedBy))
	}
	if !accept {
		d := w.action(KindDecline, actor, c, conv, at)
		d.Reason = ReasonPromptDeclined
		d.ClearPrompt = true
		d.target = p.Target
		if p.Kind == PromptAssign {
			return d, nil // declining a manual assignment changes nothing
		}
		d.After.Assignee = Bot
		// Bot holds it for the rest of this open period; a closed conversation has none.
		d.After.BotHold = conv.Status == StatusOpen
		d.After.Cover, d.After.Backlog = "", false // a person chose Bot: never backlog
		d.Notify = p.Target
		return d, nil
	}
	if team == "" {
		choices := w.TeamsOf(p.Target)
		if len(choices) == 0 {
			return Decision{}, refuse(Invalid, "%s is in no team; add them to a team, or decline", w.name(p.Target))
		}
		team = choices[0]
	}
	if _, ok := w.Team(team); !ok {
		return Decision{}, refuse(NotFound, "Team %q not found; choose one of %s's teams", team, w.name(p.Target))
	}
	if !w.InTeam(p.Target, team) {
		return Decision{}, refuse(Invalid, "%s is not in %s; choose one of their teams: %v", w.name(p.Target), w.teamName(team), w.TeamsOf(p.Target))
	}
	d := w.action(KindAccept, actor, c, conv, at)
	d.Reason = ReasonPromptAccepted
	d.ClearPrompt = true
	d.target = p.Target
	d.After.Team = team
	d.After.Assignee = p.Target
	d.After.BotHold = false
	d.After.Cover, d.After.Backlog = "", false
	if d.After.Status == StatusNew {
		d.After.Status = StatusOpen
	}
	if p.Kind == PromptAssign && w.Settings.OwnerRoutingActive() {
		d.After.Owner = p.Target
	}
	return d, nil
}

// DecideCancel decides the person whose own action (an assignment or an owner change) raised
// the conversation's team decision taking that action back: the decision is withdrawn and
// everything is as before the action — for an owner change, the owner (and a cover) from
// before; for an assignment, nothing had changed. A decision raised by an inbound message or
// call cannot be cancelled (it waits, or is answered).
func DecideCancel(w *Workspace, actor string, c Contact, conv Conversation, at time.Time) (Decision, error) {
	if err := w.checkActor(actor); err != nil {
		return Decision{}, err
	}
	p := conv.Prompt
	if p == nil {
		return Decision{}, refuse(AlreadyDecided, "No team decision is waiting on %s: it was already decided, or none was raised", displayContact(c))
	}
	if p.RaisedBy == Routing {
		return Decision{}, refuse(Invalid, "This team decision was raised by an inbound message or call, so it cannot be cancelled: answer it, or leave it waiting")
	}
	if p.RaisedBy != actor {
		return Decision{}, refuse(Forbidden, "Only %s, whose action raised this team decision, can cancel it", w.name(p.RaisedBy))
	}
	d := w.action(KindCancel, actor, c, conv, at)
	d.Reason = ReasonPromptCancelled
	d.ClearPrompt = true
	d.target = p.Target
	if p.Kind == PromptOwner {
		d.After.Owner, d.After.Cover = p.PrevOwner, p.PrevCover
	}
	return d, nil
}

// DecideClose decides closing (or, with reopen, manually reopening) a conversation. Closing
// withdraws a pending prompt and ends Bot's hold; the assignee and team stay as a record.
func DecideClose(w *Workspace, actor string, c Contact, conv Conversation, reopen bool, at time.Time) (Decision, error) {
	if err := w.checkActor(actor); err != nil {
		return Decision{}, err
	}
	if err := w.checkExists(conv); err != nil {
		return Decision{}, err
	}
	d := w.action(KindClose, actor, c, conv, at)
	if reopen {
		if conv.Status == StatusOpen {
			return Decision{}, refuse(Conflict, "%s is already open", displayContact(c))
		}
		d.Reason = ReasonReopened
		d.After.Status = StatusOpen
		return d, nil
	}
	if conv.Status == StatusClosed {
		return Decision{}, refuse(Conflict, "%s is already closed", displayContact(c))
	}
	d.Reason = ReasonClosed
	d.After.Status = StatusClosed
	d.After.BotHold = false
	d.After.Backlog = false
	d.ClearPrompt = conv.Prompt != nil
	// the cover ends: the record keeps whom it stood in for, so the next message or call, which
	// reopens the conversation, sends it back to the owner (cover_ended)
	return d, nil
}

// DecideMemberRemoved decides what happens to one of the conversations of an operator who was
// removed from its team (the workspace is the one after the removal): the operator is
// unassigned; their ownership stays. A prompt to assign them that no longer has a team for them
// is withdrawn.
func DecideMemberRemoved(w *Workspace, c Contact, conv Conversation, op, team string, at time.Time) Decision {
	d := w.action(KindMemberRemoved, Routing, c, conv, at)
	d.Reason = ReasonMemberRemoved
	d.target = op
	d.rrTeam = team
	if conv.Assignee == op && conv.Team == team {
		d.After.Assignee = ""
	}
	if conv.Prompt != nil && conv.Prompt.Target == op && len(w.TeamsOf(op)) == 0 {
		d.ClearPrompt = true
	}
	d.settle()
	return d
}

// DecideOperatorDeleted decides what happens to a conversation touched by a deleted operator
// (the workspace is the one after the deletion): unassigned if they held it, their ownership
// cleared, and a prompt about them withdrawn.
func DecideOperatorDeleted(w *Workspace, c Contact, conv Conversation, op string, at time.Time) Decision {
	d := w.action(KindOperatorDeleted, Routing, c, conv, at)
	d.Reason = ReasonOperatorDeleted
	d.target = op
	if conv.Assignee == op {
		d.After.Assignee = ""
	}
	if c.Owner == op {
		d.After.Owner = ""
	}
	if conv.Cover == op {
		d.After.Cover = "" // the owner they stood in for is gone
	}
	if conv.Prompt != nil && (conv.Prompt.Target == op || conv.Prompt.RaisedBy == op) {
		d.ClearPrompt = true
	}
	d.settle()
	return d
}

func displayContact(c Contact) string {
	if c.Name != "" {
		return c.Name
	}
	if c.ID != "" {
		return "+" + c.ID
	}
	return "this contact"
}
