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
	ReasonPromptCancelled   Reason = "prompt_cancelled" // the person whose action raised it took it back
	ReasonManualAssign      Reason = "manual_assign"
	ReasonManualOwner       Reason = "manual_owner"
	ReasonTeamChange        Reason = "team_change"
	ReasonMemberRemoved     Reason = "member_removed"
	ReasonOperatorDeleted   Reason = "operator_deleted"
	// Routing that knows who is there (presence, hours, capacity).
	ReasonOwnerAway         Reason = "owner_away"          // owner away, wait 0: a cover now
	ReasonOwnerAwayWait     Reason = "owner_away_wait"     // owner away, wait D: owner now, a timer
	ReasonOwnerAwayFallback Reason = "owner_away_fallback" // the timer fired: a cover
	ReasonOutsideHours      Reason = "outside_hours"       // round robin would run, but hours or holiday stop it
	ReasonRoundRobinBacklog Reason = "round_robin_backlog" // a backlog conversation given to a candidate
	ReasonBalanced          Reason = "balanced"            // balanced assignment picked
	ReasonCoverEnded        Reason = "cover_ended"         // a reopen ends a cover: back to the owner
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
	Cover    string // the owner the assignee stands in for (see Conversation.Cover)
	Backlog  bool
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
	// KindCancel: the person whose own action raised a team decision takes the action back.
	KindCancel
	KindMemberRemoved
	KindOperatorDeleted
	KindClose
	// KindAwayTimer: the owner-away wait ran out (DecideAwayTimer).
	KindAwayTimer
	// KindBacklog: round robin gives a backlog conversation to a candidate (DecideBacklog).
	KindBacklog
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

	// WaitUntil is when the owner-away wait runs out (owner_away_wait): the caller arms a
	// durable timer then, and asks DecideAwayTimer. Zero: no timer.
	WaitUntil time.Time

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
	closed    Closed  // round robin did not run: outside hours or holiday mode
	covering  bool    // kept with a cover (row 1)
	dropped   dropped // why an away-wait timer changed nothing
	trigger   Trigger // what made a backlog sweep run
	since     int64   // a backlog conversation's last activity (unix ns)
}

// dropped says why an away-wait timer changed nothing (see DecideAwayTimer).
type dropped uint8

const (
	notDropped dropped = iota
	droppedRoutingOff
	droppedWaitOff
	droppedClosed
	droppedChanged
	droppedReplied
	droppedOnline
	droppedNotInTeam
)

// HoursStop says whether round robin did not run because of working hours (ClosedHours) or
// holiday mode (ClosedHoliday): the caller arms a timer for when hours start.
func (d Decision) HoursStop() Closed { return d.closed }

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
	c.Cover = d.After.Cover
	c.Backlog = d.After.Backlog
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
	return State{Status: conv.Status, Assignee: conv.Assignee, Owner: c.Owner, Team: conv.Team, BotHold: conv.BotHold,
		Cover: conv.Cover, Backlog: conv.Backlog}
}

// settle keeps the derived parts of the state true to the rest: the backlog mark stays only
// while the conversation is open with Bot and no hold (a team decision waiting on it keeps the
// mark, but takes it out of the backlog until it is answered: see InBacklog); a cover only
// stands in while there is an assignee who is not the owner covered.
func (d *Decision) settle() {
	a := &d.After
	if a.Assignee != Bot || a.Status != StatusOpen || a.BotHold {
		a.Backlog = false
	}
	if a.Cover != "" && (a.Assignee == "" || a.Assignee == a.Cover) {
		a.Cover = ""
	}
}

// InBacklog reports whether the conversation waits in its team's backlog: marked, and no team
// decision waits on it.
func (c Conversation) InBacklog() bool {
	return c.Backlog && c.Prompt == nil && c.Status == StatusOpen && c.Assignee == Bot
}

// Covering reports whether the conversation's assignee is a cover: a person standing in for
// the owner named by Cover (see Conversation.Cover).
func (s State) Covering() bool {
	return s.Cover != "" && s.Assignee != "" && s.Assignee != Bot && s.Assignee != s.Cover
}
