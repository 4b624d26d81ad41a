package routing

import "time"

// TriggerKind says what made a team's backlog sweep run: something that can make a member a
// candidate.
type TriggerKind uint8

const (
	TriggerOnline       TriggerKind = iota + 1 // an operator came online
	TriggerCapacity                            // an operator has room again (fewer open, or a higher max_open)
	TriggerHours                               // working hours started
	TriggerHoliday                             // holiday mode was turned off
	TriggerMember                              // an operator joined the team, or became an operator
	TriggerSettings                            // round robin came into force, or hours or capacity changed
	TriggerBack                                // it is back in the backlog: the team decision on it was declined or withdrawn
	TriggerHoursChanged                        // the working hours were changed (and are open now)
)

// Trigger is what made a backlog sweep run, for the note: its kind and the operator it is about
// ("" when it is about none).
type Trigger struct {
	Kind     TriggerKind
	Operator string
}

// DecideBacklog decides one conversation of a team's backlog when a member may have become a
// candidate (whys: what happened, see Trigger; the note names the one about the pick, else one
// about the workspace, else the first): round robin (or balanced assignment) gives it to a
// candidate, reason round_robin_backlog, or nothing changes when there is none. since is when the conversation
// last had activity (how long it has waited), at the time of the sweep. With owner routing on, a
// conversation waiting for a cover for its owner gets that cover (the owner stays the owner);
// one whose contact has no owner makes the pick the owner, as rule 3 does; one whose contact
// has an owner gets the pick as a cover for them (a sweep never takes a contact from its owner).
func DecideBacklog(w *Workspace, c Contact, conv Conversation, whys []Trigger, since, at time.Time) Decision {
	d := Decision{Kind: KindBacklog, Actor: Routing, At: at, ws: w, contact: c, since: since.UnixNano()}
	d.Before = stateOf(c, conv)
	d.After = d.Before
	d.Reason = ReasonKept
	if conv.Status != StatusOpen || conv.Assignee != Bot || !conv.Backlog || conv.BotHold || conv.Prompt != nil ||
		!w.Settings.RoundRobinActive() {
		return d // not in the backlog (or no round robin): nothing to do
	}
	d.Reason = ReasonRoundRobinBacklog
	w.roundRobin(&d, conv.Team)
	if d.Pick.Operator == "" {
		d.After = d.Before // still nobody: it keeps waiting
		d.Pick = Pick{}
		d.Reason = ReasonKept
		return d
	}
	pick := d.Pick.Operator
	d.trigger = bestTrigger(whys, pick)
	switch owner := w.EffectiveOwner(c); {
	case !w.Settings.OwnerRoutingActive():
		d.After.Cover = ""
	case conv.Cover != "" && conv.Cover == owner:
		// the cover the away owner was waiting for (none when the owner is the pick)
	case owner == "":
		d.After.Cover = ""
		d.After.Owner = pick
	default:
		d.After.Cover = owner
	}
	d.settle()
	return d
}

// AwayFacts are what the inbox knows about a conversation when its owner-away wait runs out.
type AwayFacts struct {
	// Owner is the owner the wait was for.
	Owner string
	// Replied: a person replied to the customer since the message or call that started the
	// wait.
	Replied bool
	// Changed: the conversation's routing state changed since the wait started (it was closed,
	// reassigned, moved, its owner changed).
	Changed bool
}

// DecideAwayTimer decides the owner-away wait running out (the timer a decision with
// WaitUntil armed): when the owner is still not online, nobody replied since the message or
// call, and nothing else happened to the conversation, the owner is kept and a cover is picked
// as for a wait of 0 (owner_away_fallback). Otherwise nothing changes and the timer is dropped.
func DecideAwayTimer(w *Workspace, c Contact, conv Conversation, f AwayFacts, at time.Time) Decision {
	d := Decision{Kind: KindAwayTimer, Actor: Routing, At: at, ws: w, contact: c, target: f.Owner}
	d.Before = stateOf(c, conv)
	d.After = d.Before
	d.Reason = ReasonKept
	owner := w.EffectiveOwner(c)
	o, _ := w.Operator(owner)
	switch {
	case !w.Settings.OwnerRoutingActive():
		d.dropped = droppedRoutingOff
	case !w.Settings.AwayWait.On:
		d.dropped = droppedWaitOff
	case conv.Status != StatusOpen:
		d.dropped = droppedClosed
	case f.Changed || owner != f.Owner || conv.Assignee != f.Owner || conv.Prompt != nil:
		d.dropped = droppedChanged
	case f.Replied:
		d.dropped = droppedReplied
	case o.Status == Online:
		d.dropped = droppedOnline
	case !w.InTeam(owner, conv.Team):
		d.dropped = droppedNotInTeam
	}
	if d.dropped != notDropped {
		return d
	}
	d.Reason = ReasonOwnerAwayFallback
	w.cover(&d, owner, conv.Team)
	d.settle()
	return d
}

// bestTrigger is the trigger that explains a pick best: the one about the operator picked, else
// one about the workspace (hours, holiday, settings, a decision gone), else the first.
func bestTrigger(whys []Trigger, pick string) Trigger {
	for _, t := range whys {
		if t.Operator == pick && pick != "" {
			return t
		}
	}
	for _, t := range whys {
		if t.Operator == "" {
			return t
		}
	}
	if len(whys) > 0 {
		return whys[0]
	}
	return Trigger{Kind: TriggerSettings}
}
