package routing

import "time"

// Reason is the code a decision carries; notes on the timeline store it.
type Reason string

const (
	ReasonActiveAssignee    Reason = "active_assignee"
	ReasonOwner             Reason = "owner"
	ReasonOwnerTeamMismatch Reason = "owner_team_mismatch"
	ReasonRule              Reason = "rule" // written as "rule:<name>"; see Decision.Code
	ReasonRoundRobin        Reason = "round_robin"
	ReasonDefault           Reason = "default"
	ReasonPromptAccepted    Reason = "prompt_accepted"
	ReasonPromptDeclined    Reason = "prompt_declined"
	ReasonManualAssign      Reason = "manual_assign"
	ReasonManualOwner       Reason = "manual_owner"
	ReasonTeamChange        Reason = "team_change"
	ReasonMemberRemoved     Reason = "member_removed"
	ReasonOperatorDeleted   Reason = "operator_deleted"
	// ReasonKept: nothing changes (the event joins the timeline only). No note is written.
	ReasonKept Reason = "kept"
	// ReasonClosed and ReasonReopened: a person closed or reopened the conversation by hand.
	ReasonClosed   Reason = "closed"
	ReasonReopened Reason = "reopened"
)

// State is the part of a conversation and its contact that routing changes.
type State struct {
	Status   Status
	Assignee string
	Owner    string
	Team     string
	BotHold  bool
}

// DecisionKind says what was decided.
type DecisionKind uint8

const (
	KindInbound DecisionKind = iota + 1
	KindAssign
	KindOwner
	KindClearOwner
	KindTeam
	KindAccept
	KindDecline
	KindMemberRemoved
	KindOperatorDeleted
	KindClose
)

// Decision is the outcome of routing one event or action: the resulting state, the prompt to
// raise, the round-robin pick to remember, who to notify, and why. Building a Decision does not
// build any text: Explain, Notes and Notifications do that when asked.
type Decision struct {
	Kind   DecisionKind
	Reason Reason
	Rule   string // the matching rule's name, when Reason is ReasonRule
	Before State
	After  State

	// RaisePrompt is set when the decision raises Prompt; ClearPrompt when it removes the
	// conversation's pending prompt (answered or withdrawn).
	RaisePrompt bool
	ClearPrompt bool
	Prompt      Prompt

	// Pick is the round-robin pick to remember (Operator "" when none was made).
	Pick Pick

	// Notify is the operator a notification goes to ("" for none).
	Notify string

	Actor string // who acted: an operator id, or Routing
	At    time.Time

	// what the explanation needs
	ws        *Workspace
	contact   Contact
	target    string // the operator an action named (assign, owner, prompt target)
	rrTeam    string // the team round robin ran in ("" if it did not run)
	rrStopped bool   // round robin ran but found no candidate
	ruleSkip  string // a rule skipped because its operator could not be assigned
	waiting   bool   // kept because a team decision is waiting
	channel   Channel
}

// Code returns the reason code as written in notes: "rule:<name>" for a rule.
func (d Decision) Code() string {
	if d.Reason == ReasonRule {
		return "rule:" + d.Rule
	}
	return string(d.Reason)
}

// Changed reports whether the decision changes the conversation, its contact or its prompt.
func (d Decision) Changed() bool {
	return d.Before != d.After || d.RaisePrompt || d.ClearPrompt
}

// Note is a system note for a conversation's timeline.
type Note struct {
	Reason string // the reason code, see Decision.Code
	By     string // who made the change: an operator id, or Routing
	Text   string
}

// Notification is a message to one operator.
type Notification struct {
	To   string
	Text string
}

// Notes returns the system notes the decision writes: one when something changed, none
// otherwise.
func (d Decision) Notes() []Note {
	if !d.Changed() {
		return nil
	}
	return []Note{{Reason: d.Code(), By: d.Actor, Text: d.Explain()}}
}

// Notifications returns the notifications the decision sends.
func (d Decision) Notifications() []Notification {
	if d.Notify == "" {
		return nil
	}
	return []Notification{{To: d.Notify, Text: d.notificationText()}}
}

// Apply returns the conversation as the decision leaves it.
func (d Decision) Apply(c Conversation) Conversation {
	c.Status = d.After.Status
	c.Assignee = d.After.Assignee
	c.Team = d.After.Team
	c.BotHold = d.After.BotHold
	if d.ClearPrompt {
		c.Prompt = nil
	}
	if d.RaisePrompt {
		p := d.Prompt
		c.Prompt = &p
	}
	return c
}

func stateOf(c Contact, conv Conversation) State {
	return State{Status: conv.Status, Assignee: conv.Assignee, Owner: c.Owner, Team: conv.Team, BotHold: conv.BotHold}
}
