package routing

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// DecideInbound routes an inbound message or call on the contact's conversation (conv.Status
// is StatusNew when the event creates it). Calls route exactly like messages. The event's time
// is the time working hours are read at.
func DecideInbound(w *Workspace, c Contact, conv Conversation, ev Inbound) Decision {
	d := Decision{Kind: KindInbound, Actor: Routing, At: ev.At, ws: w, contact: c, channel: ev.Channel}
	d.Before = stateOf(c, conv)
	d.After = d.Before
	w.inbound(&d, c, conv, ev)
	d.settle()
	return d
}

func (w *Workspace) inbound(d *Decision, c Contact, conv Conversation, ev Inbound) {
	isNew := conv.Status == StatusNew
	reopened := conv.Status == StatusClosed
	opening := isNew || reopened
	if opening {
		d.After.Status = StatusOpen
		d.After.BotHold = false
		d.After.Backlog = false
		d.ClearPrompt = conv.Prompt != nil // a closed conversation keeps no prompt
		if isNew {
			d.After.Assignee = ""
			d.After.Team = ""
			d.After.Cover = ""
		}
	}

	if !w.Settings.OwnerRoutingActive() {
		if opening {
			d.After.Cover = "" // covers are owner routing's
			w.standard(d, c, ev)
		} else {
			d.Reason = ReasonKept
		}
		return
	}

	// A waiting prompt: the event joins the timeline and changes nothing else.
	if !opening && conv.Prompt != nil {
		d.Reason = ReasonKept
		d.waiting = true
		return
	}
	// Row 1: an open conversation with a human assignee keeps it; the owner follows, unless the
	// assignee is a cover standing in for the owner.
	if !opening && w.IsHuman(conv.Assignee) {
		d.Reason = ReasonActiveAssignee
		if conv.Cover != "" && conv.Cover == w.EffectiveOwner(c) && conv.Assignee != conv.Cover {
			d.covering = true
			return
		}
		d.After.Cover = ""
		d.After.Owner = conv.Assignee
		return
	}
	owner := w.EffectiveOwner(c)
	// Bot holds the conversation after a declined prompt until it closes.
	if !opening && conv.BotHold && conv.Assignee == Bot {
		d.Reason = ReasonKept
		return
	}
	if owner != "" {
		team := d.After.Team
		if team == "" {
			team = w.Settings.DefaultTeam
		}
		d.After.Team = team
		d.target = owner
		if w.InTeam(owner, team) {
			wait := w.Settings.AwayWait
			if o, _ := w.Operator(owner); o.Status != Online && wait.On {
				if wait.D == 0 {
					d.Reason = ReasonOwnerAway // owner kept; a cover now
					w.cover(d, owner, team)
					return
				}
				d.Reason = ReasonOwnerAwayWait // the owner now; a cover if they are still away later
				d.After.Assignee = owner
				d.After.Cover = ""
				d.WaitUntil = ev.At.Add(wait.D)
				return
			}
			d.Reason = ReasonOwner // row 2a
			if opening && conv.Cover == owner && w.IsHuman(conv.Assignee) && conv.Assignee != owner {
				d.Reason = ReasonCoverEnded // the cover ended when it closed: back to the owner
			}
			d.After.Assignee = owner
			d.After.Cover = ""
			return
		}
		// Row 2b: wait unassigned for a decision.
		d.Reason = ReasonOwnerTeamMismatch
		d.After.Assignee = ""
		d.After.Cover = ""
		d.RaisePrompt = true
		d.Prompt = Prompt{Kind: PromptInbound, Target: owner, Team: team, Choices: w.TeamsOf(owner), RaisedBy: Routing, At: ev.At}
		return
	}
	// Row 3: no owner and no human assignee. Standard assignment runs on a new or reopened
	// conversation and on an open one that nobody holds; one held by Bot stays with Bot.
	if opening || conv.Assignee == "" {
		d.After.Cover = ""
		w.standard(d, c, ev)
		if w.IsHuman(d.After.Assignee) {
			d.After.Owner = d.After.Assignee
		}
		return
	}
	d.Reason = ReasonKept
}

// cover picks a cover for the away owner in the team, as standard assignment would without
// its rules: round robin (or balanced assignment) when it is in force, else Bot. With Bot the
// owner is told (once: not again while Bot already waits for a cover for them).
func (w *Workspace) cover(d *Decision, owner, team string) {
	d.After.Cover = owner
	d.After.Team = team
	if w.Settings.RoundRobinActive() {
		w.roundRobin(d, team)
	} else {
		d.After.Assignee = Bot
	}
	if d.After.Assignee == Bot && (d.Before.Status != StatusOpen || d.Before.Assignee != Bot || d.Before.Cover != owner) {
		d.Notify = owner
	}
}

// standard runs standard assignment: automation rules, then default assignment.
func (w *Workspace) standard(d *Decision, c Contact, ev Inbound) {
	w.standardRules(d, c, ev)
	if d.closed != closedNone && d.Kind == KindInbound {
		d.Reason = ReasonOutsideHours // where round robin would have run (the note names the rule)
	}
}

func (w *Workspace) standardRules(d *Decision, c Contact, ev Inbound) {
	for i := range w.Settings.Rules {
		r := &w.Settings.Rules[i]
		if !ruleMatches(r, c, ev) {
			continue
		}
		switch r.To.Kind {
		case TargetTeam:
			if _, ok := w.teamIdx[r.To.ID]; !ok {
				continue // a rule naming a missing team cannot apply
			}
			d.Reason, d.Rule = ReasonRule, r.Name
			d.After.Team = r.To.ID
			if w.Settings.RoundRobinActive() {
				w.roundRobin(d, r.To.ID)
			} else {
				d.After.Assignee = ""
			}
			return
		case TargetOperator:
			if !w.IsHuman(r.To.ID) {
				d.ruleSkip = r.Name
				continue
			}
			team := d.After.Team
			if team == "" {
				team = w.Settings.DefaultTeam
			}
			if !w.InTeam(r.To.ID, team) {
				first, ok := w.FirstTeamOf(r.To.ID)
				if !ok {
					d.ruleSkip = r.Name // in no team: cannot be assigned (invariant 1)
					continue
				}
				team = first
			}
			d.Reason, d.Rule = ReasonRule, r.Name
			d.After.Team = team
			d.After.Assignee = r.To.ID
			d.target = r.To.ID
			return
		case TargetBot:
			d.Reason, d.Rule = ReasonRule, r.Name
			if d.After.Team == "" {
				d.After.Team = w.Settings.DefaultTeam
			}
			d.After.Assignee = Bot
			return
		}
	}
	d.Reason = ReasonDefault
	if d.After.Team == "" {
		d.After.Team = w.Settings.DefaultTeam
	}
	if w.Settings.RoundRobinActive() {
		w.roundRobin(d, d.After.Team)
		return
	}
	d.After.Assignee = Bot
}

// roundRobin picks, in the team, the candidate (an online operator, never an admin, not at
// capacity) that this team's round robin picked least recently — never-picked first, ties by
// member order — or, in balanced mode, the one with the fewest open conversations. Outside
// working hours, in holiday mode, or with no candidate, Bot has the conversation and it waits
// in the team's backlog.
func (w *Workspace) roundRobin(d *Decision, team string) {
	if d.Reason == ReasonDefault {
		d.Reason = ReasonRoundRobin
		if w.Settings.Assignment == AssignBalanced {
			d.Reason = ReasonBalanced
		}
	}
	d.rrTeam = team
	d.After.Assignee = Bot
	ti, ok := w.teamIdx[team]
	if !ok {
		d.rrStopped = true
		return
	}
	d.After.Backlog = true
	if d.closed = w.Settings.ClosedAt(d.At); d.closed != closedNone {
		return
	}
	best := w.pickIn(ti)
	if best < 0 {
		d.rrStopped = true
		return
	}
	id := w.teams[ti].Members[best]
	d.After.Assignee = id
	d.After.Backlog = false
	d.Pick = Pick{Team: team, Operator: id, Seq: w.rrSeq[ti] + 1}
}

func ruleMatches(r *Rule, c Contact, ev Inbound) bool {
	if r.Channel == "" && r.Keyword == "" && r.Tag == "" {
		return false // a rule without conditions never matches (validation refuses it)
	}
	if r.Channel != "" && r.Channel != ev.Channel {
		return false
	}
	if r.Keyword != "" && (ev.Channel == ChannelCall || !ContainsWord(ev.Text, r.Keyword)) {
		return false // a call has no text, so a keyword rule never matches it
	}
	if r.Tag != "" && !hasTag(c.Tags, r.Tag) {
		return false
	}
	return true
}

func hasTag(tags []string, tag string) bool {
	for _, t := range tags {
		if strings.EqualFold(t, tag) {
			return true
		}
	}
	return false
}

// ContainsWord reports whether word occurs in text as a whole word, ignoring case. A word
// boundary is the start or end of the text or any rune that is not a letter, digit or
// underscore. It does not allocate.
func ContainsWord(text, word string) bool {
	word = strings.TrimSpace(word)
	if word == "" || len(text) < len(word) {
		return false
	}
	for i := 0; i+len(word) <= len(text); {
		if strings.EqualFold(text[i:i+len(word)], word) {
			before, after := true, true
			if i > 0 {
				r, _ := utf8.DecodeLastRuneInString(text[:i])
				before = !isWordRune(r)
			}
			if j := i + len(word); j < len(text) {
				r, _ := utf8.DecodeRuneInString(text[j:])
				after = !isWordRune(r)
			}
			if before && after {
				return true
			}
		}
		_, size := utf8.DecodeRuneInString(text[i:])
		i += size
	}
	return false
}

func isWordRune(r rune) bool {
	return r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r)
}
