package routing

import (
	"fmt"
	"strings"
	"time"
)

// Explain returns one sentence that tells a person why the conversation is where the decision
// put it: the rule that decided, and the people round robin skipped and why. It reads names
// from the workspace the decision was made against, so call it before that workspace changes.
func (d Decision) Explain() string {
	if d.ws == nil {
		return string(d.Reason)
	}
	switch d.Kind {
	case KindInbound:
		return d.explainInbound()
	default:
		return d.explainAction()
	}
}

func (d Decision) n(id string) string { return d.ws.name(id) }
func (d Decision) t(id string) string { return d.ws.teamName(id) }

func (d Decision) explainInbound() string {
	a := d.After
	switch d.Reason {
	case ReasonKept:
		switch {
		case d.waiting:
			return "Waiting for a team decision — this " + string(d.channel) + " joins the conversation and changes nothing else"
		case d.Before.Status == StatusOpen && d.Before.Assignee == Bot && d.Before.BotHold && d.ws.Settings.OwnerRoutingActive():
			return "Stays with Bot — a team decision was declined in this open period, so Bot keeps it until it is closed"
		case a.Status == StatusOpen && d.ws.Settings.OwnerRoutingActive() && d.Before.Assignee == Bot:
			return "Stays with Bot — the contact has no owner, and standard assignment runs only when a conversation opens or nobody holds it (rule 3)"
		case d.ws.Settings.OwnerRoutingActive():
			return "Waiting for a team decision — this " + string(d.channel) + " joins the conversation and changes nothing else"
		}
		return "Stays with " + d.n(a.Assignee) + " — the conversation is open, so it keeps its assignee (contact owner-based routing is off)"
	case ReasonActiveAssignee:
		if d.covering {
			return "Stays with " + d.n(a.Assignee) + " — covering for " + d.n(a.Cover) + d.presence(a.Cover) +
				" (rule 1); " + d.n(a.Cover) + " stays the contact owner"
		}
		s := "Stays with " + d.n(a.Assignee) + " — active human assignee (rule 1)"
		if d.Before.Owner != a.Owner {
			s += "; contact owner changed from " + d.n(d.Before.Owner) + " to " + d.n(a.Owner) + " to match"
		}
		return s
	case ReasonOwner:
		s := "Assigned to " + d.n(a.Assignee) + " — contact owner (rule 2a); " + d.n(a.Assignee) + " is in " + d.t(a.Team)
		if o, _ := d.ws.Operator(a.Assignee); o.Status != Online && !d.ws.Settings.AwayWait.On {
			s += " (" + string(o.Status) + "; the owner-away wait is off)"
		}
		return s
	case ReasonCoverEnded:
		return "Back with " + d.n(a.Assignee) + " — contact owner (rule 2a); " + d.n(d.Before.Assignee) + "'s cover for " +
			d.n(a.Assignee) + " ended when the conversation closed; " + d.n(a.Assignee) + " is in " + d.t(a.Team)
	case ReasonOwnerAway:
		return d.explainCover("contact owner " + d.n(d.target) + " is " + d.status(d.target) + " (owner away, no wait)")
	case ReasonOwnerAwayWait:
		return "Assigned to " + d.n(a.Assignee) + " — contact owner (rule 2a); " + d.n(a.Assignee) + " is in " + d.t(a.Team) +
			" but " + d.status(a.Assignee) + ": if " + d.n(a.Assignee) + " is not online and nobody has replied by " +
			d.ws.Settings.clock(d.WaitUntil) + " (in " + FormatDuration(d.WaitUntil.Sub(d.At)) + "), a cover takes it"
	case ReasonOwnerTeamMismatch:
		return "Waiting for a team decision — contact owner " + d.n(d.target) + " is not in " + d.t(a.Team) +
			" (rule 2b); " + d.n(d.target) + " or an admin can move it to " + d.choices() + ", or decline and hand it to Bot"
	}
	s := d.explainStandard()
	if d.ws.Settings.OwnerRoutingActive() && d.ws.IsHuman(a.Assignee) && a.Owner != d.Before.Owner {
		s += "; " + d.n(a.Assignee) + " is now the contact owner"
	}
	return s
}

// explainCover explains a cover picked for an away owner (why says why the owner is not
// assigned): who covers, or that nobody can and Bot has it.
func (d Decision) explainCover(why string) string {
	a := d.After
	owner := d.n(a.Cover)
	if a.Cover == "" { // the pick was the owner after all (not possible: the owner is not online)
		owner = d.n(d.target)
	}
	var b strings.Builder
	if d.ws.IsHuman(a.Assignee) {
		b.WriteString("Covered by " + d.n(a.Assignee) + " — " + why + "; ")
		b.WriteString(lowerFirst(d.roundRobinText()))
		b.WriteString("; " + owner + " stays the contact owner and gets it back on the next reopen")
		return b.String()
	}
	b.WriteString("Assigned to Bot in " + d.t(a.Team) + " — " + why + " and nobody can cover")
	switch {
	case d.rrTeam != "":
		b.WriteString(" (" + lowerFirst(d.roundRobinText()) + ")")
	default:
		b.WriteString(" (round robin is off)")
	}
	b.WriteString("; " + owner + " stays the contact owner")
	if d.Notify != "" {
		b.WriteString(" and is told")
	}
	return b.String()
}

// status is an operator's presence in words: "away", "offline", "online".
func (d Decision) status(id string) string {
	if o, ok := d.ws.Operator(id); ok {
		return string(o.Status)
	}
	return "gone"
}

// presence is ", away" or ", offline" for an operator who is not online ("" when they are).
func (d Decision) presence(id string) string {
	if s := d.status(id); s != string(Online) {
		return ", " + s
	}
	return ""
}

// explainStandard explains standard assignment and round robin.
func (d Decision) explainStandard() string {
	a := d.After
	var b strings.Builder
	prefix := ""
	if d.ws.Settings.OwnerRoutingActive() {
		prefix = "No contact owner (rule 3): "
	}
	switch d.Reason {
	case ReasonRule:
		b.WriteString(prefix)
		if d.rrTeam != "" {
			fmt.Fprintf(&b, "automation rule %q sent it to %s; ", d.Rule, d.t(a.Team))
			b.WriteString(lowerFirst(d.roundRobinText()))
		} else if a.Assignee == "" {
			fmt.Fprintf(&b, "automation rule %q sent it to %s, unassigned (round robin is off)", d.Rule, d.t(a.Team))
		} else {
			fmt.Fprintf(&b, "assigned to %s by automation rule %q", d.n(a.Assignee), d.Rule)
			if a.Team != d.Before.Team {
				fmt.Fprintf(&b, " in %s", d.t(a.Team))
			}
		}
		b.WriteString(d.ruleSkipText())
		return upperFirst(b.String())
	case ReasonOutsideHours:
		b.WriteString(prefix)
		if d.Rule != "" {
			fmt.Fprintf(&b, "automation rule %q sent it to %s; ", d.Rule, d.t(a.Team))
		}
		b.WriteString(lowerFirst(d.roundRobinText()))
		b.WriteString(d.ruleSkipText())
		return upperFirst(b.String())
	case ReasonRoundRobin, ReasonBalanced:
		if prefix != "" {
			b.WriteString(prefix)
			b.WriteString(lowerFirst(d.roundRobinText()))
		} else {
			b.WriteString(d.roundRobinText())
		}
		b.WriteString(d.ruleSkipText())
		return upperFirst(b.String())
	}
	fmt.Fprintf(&b, "%sassigned to %s — no automation rule matched and round robin is off; it is in %s", prefix, d.n(a.Assignee), d.t(a.Team))
	if d.Before.Status == StatusNew || d.Before.Team == "" {
		b.WriteString(" (the default team)")
	}
	b.WriteString(d.ruleSkipText())
	return upperFirst(b.String())
}

func (d Decision) ruleSkipText() string {
	if d.ruleSkip == "" {
		return ""
	}
	return fmt.Sprintf(" (rule %q skipped: its operator cannot be assigned)", d.ruleSkip)
}

// roundRobinText lists who round robin skipped and why, and whom it picked; outside working
// hours or in holiday mode, that it did not run and when it will.
func (d Decision) roundRobinText() string {
	var b strings.Builder
	balanced := d.ws.Settings.Assignment == AssignBalanced
	if balanced {
		b.WriteString("Balanced assignment in ")
	} else {
		b.WriteString("Round robin in ")
	}
	b.WriteString(d.t(d.rrTeam))
	switch d.closed {
	case ClosedHoliday:
		b.WriteString(" does not run in holiday mode, so Bot has it in the team's backlog until holiday mode is turned off")
		return b.String()
	case ClosedHours:
		b.WriteString(" does not run outside working hours (" + d.ws.Settings.Hours.String() + "), so Bot has it in the team's backlog")
		if next, ok := d.ws.Settings.Hours.NextOpen(d.At); ok {
			b.WriteString(" until hours start " + d.ws.Settings.clock(next))
		}
		return b.String()
	}
	b.WriteString(": ")
	skipped := 0
	if t, ok := d.ws.Team(d.rrTeam); ok {
		for _, id := range t.Members {
			why := ""
			o, ok := d.ws.Operator(id)
			switch {
			case !ok:
				why = "not an operator"
			case o.Role != RoleOperator:
				why = "admin"
			case o.Status != Online:
				why = string(o.Status)
			case id != d.Pick.Operator && d.ws.MaxOpen(id) > 0 && d.ws.Load(id) >= d.ws.MaxOpen(id):
				why = fmt.Sprintf("at capacity %d/%d", d.ws.Load(id), d.ws.MaxOpen(id))
			}
			if why == "" {
				continue
			}
			if skipped > 0 {
				b.WriteString(", ")
			}
			skipped++
			fmt.Fprintf(&b, "%s skipped (%s)", d.n(id), why)
		}
	}
	if skipped > 0 {
		b.WriteString("; ")
	}
	if d.rrStopped || d.Pick.Operator == "" {
		b.WriteString("nobody online to pick, so Bot has it")
		if d.After.Backlog {
			b.WriteString(" in the team's backlog")
		}
		return b.String()
	}
	if balanced {
		fmt.Fprintf(&b, "picked %s (fewest open: %d)", d.n(d.Pick.Operator), d.ws.Load(d.Pick.Operator))
	} else {
		fmt.Fprintf(&b, "picked %s (least recently assigned)", d.n(d.Pick.Operator))
	}
	return b.String()
}

func (d Decision) choices() string {
	if len(d.Prompt.Choices) == 0 {
		return d.n(d.target) + "'s team (they are in none yet)"
	}
	names := make([]string, len(d.Prompt.Choices))
	for i, t := range d.Prompt.Choices {
		names[i] = d.t(t)
	}
	return "one of " + d.n(d.target) + "'s teams (" + strings.Join(names, ", ") + ")"
}

func (d Decision) explainAction() string {
	b, a := d.Before, d.After
	actor := d.n(d.Actor)
	switch d.Kind {
	case KindAssign:
		if d.RaisePrompt {
			return d.n(d.target) + " is not in " + d.t(b.Team) + " — " + actor +
				" is asked to move the conversation to " + d.choices() + "; nothing changes until then"
		}
		switch a.Assignee {
		case "":
			return actor + " unassigned the conversation; the contact owner is untouched"
		case Bot:
			return actor + " assigned Bot; the contact owner is untouched"
		}
		s := actor + " assigned " + d.n(a.Assignee) + " in " + d.t(a.Team)
		if a.Owner != b.Owner {
			s += "; " + d.n(a.Owner) + " is now the contact owner too (owner and assignee stay in sync)"
		}
		return s
	case KindOwner:
		s := actor + " made " + d.n(a.Owner) + " the contact owner"
		switch {
		case d.RaisePrompt:
			s += "; " + d.n(a.Owner) + " is not in " + d.t(b.Team) + ", so the assignee stays " + d.n(a.Assignee) +
				" until " + actor + " decides whether to move the conversation to " + d.choices()
		case a.Assignee != b.Assignee:
			s += "; " + d.n(a.Owner) + " is in " + d.t(a.Team) + ", so " + d.n(a.Owner) + " is the assignee too"
		case !d.ws.Settings.OwnerRoutingActive():
			s += " (contact owner-based routing is off, so the assignee is unchanged)"
		}
		return s
	case KindClearOwner:
		return actor + " cleared the contact owner (was " + d.n(b.Owner) + "); the assignee is untouched"
	case KindTeam:
		s := actor + " moved the conversation from " + d.t(b.Team) + " to " + d.t(a.Team)
		switch {
		case d.rrTeam != "":
			s += "; " + d.n(b.Assignee) + " is not in " + d.t(a.Team) + ", so " + lowerFirst(d.roundRobinText())
		case a.Assignee != b.Assignee:
			s += "; " + d.n(b.Assignee) + " is not in " + d.t(a.Team) + ", so it is unassigned (round robin is off)"
		case b.Assignee != "":
			s += "; it stays with " + d.n(a.Assignee)
		}
		return s + "; the contact owner is untouched"
	case KindAccept:
		return "Assigned to " + d.n(a.Assignee) + " in " + d.t(a.Team) + " — " + actor + " accepted the team change (" +
			d.n(d.target) + " is in " + d.t(a.Team) + ", not in " + d.t(b.Team) + ")"
	case KindDecline:
		if a.Assignee != Bot {
			return actor + " declined moving the conversation to " + d.n(d.target) + "'s team; nothing changed"
		}
		return "Assigned to Bot — " + d.n(d.target) + " could not be assigned: not in " + d.t(a.Team) +
			" (" + actor + " declined the team change); Bot keeps it until it is closed"
	case KindCancel:
		if d.After.Owner != d.Before.Owner {
			owner := "the contact has no owner again"
			if d.After.Owner != "" {
				owner = d.n(d.After.Owner) + " is the contact owner again"
			}
			return actor + " cancelled making " + d.n(d.target) + " the contact owner: " + owner + "; nothing else changed"
		}
		return actor + " cancelled assigning " + d.n(d.target) + "; nothing changed"
	case KindMemberRemoved:
		s := d.n(d.target) + " was removed from " + d.t(d.rrTeam)
		if a.Assignee != b.Assignee {
			s += ", so the conversation is unassigned; the next message or call routes it again"
		}
		if d.ClearPrompt {
			s += "; the team decision about them was withdrawn"
		}
		return s + "; ownership stays"
	case KindOperatorDeleted:
		s := "Operator " + d.target + " was deleted"
		if a.Assignee != b.Assignee {
			s += "; the conversation is unassigned"
		}
		if a.Owner != b.Owner {
			s += "; the contact has no owner now"
		}
		if d.ClearPrompt {
			s += "; the team decision about them was withdrawn"
		}
		return s
	case KindClose:
		if a.Status == StatusOpen {
			s := actor + " reopened the conversation; it stays with " + d.n(a.Assignee)
			if a.Covering() {
				s += ", covering for " + d.n(a.Cover)
			}
			return s
		}
		s := actor + " closed the conversation"
		if d.ClearPrompt {
			s += "; the waiting team decision was withdrawn"
		}
		if b.Covering() {
			s += "; " + d.n(b.Assignee) + "'s cover for " + d.n(b.Cover) + " ends, so the next message or call goes back to " + d.n(b.Cover)
		}
		return s
	case KindAwayTimer:
		if d.Reason == ReasonKept {
			return "The wait for " + d.n(d.target) + " ran out and changed nothing: " + d.droppedText()
		}
		wait := FormatDuration(d.ws.Settings.AwayWait.D)
		return d.explainCover("contact owner " + d.n(d.target) + " is still " + d.status(d.target) + " after " + wait +
			" and nobody replied (owner away, wait " + wait + ")")
	case KindBacklog:
		if d.Reason == ReasonKept {
			return "Waits in " + d.t(a.Team) + "'s backlog: nobody can take it yet"
		}
		since := time.Unix(0, d.since)
		s := "From " + d.t(a.Team) + "'s backlog (with Bot since " + d.ws.Settings.clock(since)
		if w := d.At.Sub(since); w >= time.Minute {
			s += ", " + FormatDuration(w.Truncate(time.Minute))
		}
		s += ", oldest first): " + d.triggerText() + "; " + lowerFirst(d.roundRobinText())
		switch {
		case a.Covering():
			s += "; " + d.n(a.Assignee) + " covers for " + d.n(a.Cover) + d.presence(a.Cover) + ", who stays the contact owner"
		case a.Owner != b.Owner:
			s += "; " + d.n(a.Owner) + " is now the contact owner"
		}
		return s
	}
	return string(d.Reason)
}

// droppedText says why the away wait changed nothing.
func (d Decision) droppedText() string {
	switch d.dropped {
	case droppedRoutingOff:
		return "contact owner-based routing is off now"
	case droppedWaitOff:
		return "the owner-away wait is off now"
	case droppedClosed:
		return "the conversation was closed"
	case droppedChanged:
		return "the conversation was reassigned or changed since"
	case droppedReplied:
		return "someone replied to the customer"
	case droppedOnline:
		return d.n(d.target) + " is online again"
	case droppedNotInTeam:
		return d.n(d.target) + " is no longer in " + d.t(d.After.Team)
	}
	return "nothing to do"
}

// triggerText says what made the backlog sweep run.
func (d Decision) triggerText() string {
	op := d.n(d.trigger.Operator)
	switch d.trigger.Kind {
	case TriggerOnline:
		return op + " is online now"
	case TriggerCapacity:
		return op + " has room for more open conversations"
	case TriggerHours:
		return "working hours started"
	case TriggerHoliday:
		return "holiday mode is off"
	case TriggerMember:
		return op + " can take conversations in " + d.t(d.After.Team) + " now"
	case TriggerBack:
		return "no team decision waits on it any more"
	case TriggerHoursChanged:
		return "the working hours changed and are open now"
	}
	return "the routing settings changed"
}

func (d Decision) notificationText() string {
	switch d.Reason {
	case ReasonOwnerAway, ReasonOwnerAwayFallback:
		s := displayContact(d.contact) + " wrote while you were " + d.status(d.Notify) + " and nobody could cover for you, so Bot has it in " +
			d.t(d.After.Team)
		if d.After.Backlog {
			s += " (in the team's backlog: round robin gives it to the first who can take it)"
		}
		return s + "; you stay the contact owner"
	}
	return "You could not be assigned to " + displayContact(d.contact) + ": you are not in " + d.t(d.After.Team) +
		" (" + d.n(d.Actor) + " declined moving the conversation to your team)"
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func lowerFirst(s string) string {
	if s == "" || strings.HasPrefix(s, "Bot") {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}
