package routing

import (
	"fmt"
	"strings"
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
		s := "Stays with " + d.n(a.Assignee) + " — active human assignee (rule 1)"
		if d.Before.Owner != a.Owner {
			s += "; contact owner changed from " + d.n(d.Before.Owner) + " to " + d.n(a.Owner) + " to match"
		}
		return s
	case ReasonOwner:
		return "Assigned to " + d.n(a.Assignee) + " — contact owner (rule 2a); " + d.n(a.Assignee) + " is in " + d.t(a.Team)
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
	case ReasonRoundRobin:
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

// roundRobinText lists who round robin skipped and why, and whom it picked.
func (d Decision) roundRobinText() string {
	var b strings.Builder
	b.WriteString("Round robin in ")
	b.WriteString(d.t(d.rrTeam))
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
		return b.String()
	}
	fmt.Fprintf(&b, "picked %s (least recently assigned)", d.n(d.Pick.Operator))
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
			return actor + " reopened the conversation; it stays with " + d.n(a.Assignee)
		}
		s := actor + " closed the conversation"
		if d.ClearPrompt {
			s += "; the waiting team decision was withdrawn"
		}
		return s
	}
	return string(d.Reason)
}

func (d Decision) notificationText() string {
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
