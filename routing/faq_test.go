package routing

import (
	"testing"
)

// One test per numbered FAQ of the help article (seed/contact-owner-routing.txt).

// FAQ 1: with routing on, messages and calls go to the contact's owner before automation or
// round robin runs.
func TestFAQ01_RoutingOn(t *testing.T) {
	w := fixture(roundRobinOn, withRules(Rule{Name: "everything", Channel: ChannelMessage, To: Target{Kind: TargetTeam, ID: "support"}},
		Rule{Name: "calls", Channel: ChannelCall, To: Target{Kind: TargetBot}}))
	for _, ev := range []Inbound{msg("hello"), call()} {
		for _, conv := range []Conversation{newConv(), closedConv("support", "carol")} {
			d := DecideInbound(w, contact("gina"), conv, ev)
			if d.After.Assignee != "gina" || d.Code() != "owner" || d.Pick != (Pick{}) {
				t.Errorf("%s on %q: %s %+v pick %+v", ev.Channel, conv.Status, d.Code(), d.After, d.Pick)
			}
		}
	}
	// The same contact without routing goes through automation.
	off := fixture(roundRobinOn, routingOff, withRules(Rule{Name: "calls", Channel: ChannelCall, To: Target{Kind: TargetBot}}))
	if d := DecideInbound(off, contact("gina"), newConv(), call()); d.Code() != "rule:calls" {
		t.Errorf("routing off: %s", d.Code())
	}
}

// FAQ 2: no owner and no assignee: automation rules or default assignment, round robin included.
func TestFAQ02_NoOwnerOrAssignee(t *testing.T) {
	w := fixture(roundRobinOn, withRules(Rule{Name: "refunds", Keyword: "refund", To: Target{Kind: TargetTeam, ID: "billing"}}))
	d := DecideInbound(w, contact(""), newConv(), msg("refund"))
	if d.Code() != "rule:refunds" || d.After.Assignee != "erin" || d.After.Team != "billing" {
		t.Errorf("rule: %s %+v", d.Code(), d.After)
	}
	d = DecideInbound(w, contact(""), openConv("support", ""), msg("hello"))
	if d.Code() != "round_robin" || d.After.Assignee != "carol" || d.Pick.Operator != "carol" {
		t.Errorf("round robin: %s %+v", d.Code(), d.After)
	}
	d = DecideInbound(fixture(), contact(""), newConv(), call())
	if d.Code() != "default" || d.After.Assignee != Bot || d.After.Team != "support" {
		t.Errorf("default: %s %+v", d.Code(), d.After)
	}
}

// FAQ 3: automations and round robin still work, but never override an owner or assignee.
func TestFAQ03_AutomationsStillWork(t *testing.T) {
	w := fixture(roundRobinOn, withRules(Rule{Name: "refunds", Keyword: "refund", To: Target{Kind: TargetTeam, ID: "billing"}}))
	cases := []struct {
		c    Contact
		conv Conversation
		code string
		who  string
	}{
		{contact(""), newConv(), "rule:refunds", "erin"},                      // nobody: automation
		{contact("carol"), newConv(), "owner", "carol"},                       // owner wins
		{contact(""), openConv("support", "gina"), "active_assignee", "gina"}, // assignee wins
		{contact("bob"), openConv("support", "gina"), "active_assignee", "gina"},
	}
	for _, tc := range cases {
		d := DecideInbound(w, tc.c, tc.conv, msg("refund"))
		if d.Code() != tc.code || d.After.Assignee != tc.who {
			t.Errorf("owner %q assignee %q: %s %q, want %s %q", tc.c.Owner, tc.conv.Assignee, d.Code(), d.After.Assignee, tc.code, tc.who)
		}
	}
}

// FAQ 4: a closed conversation reopened by an inbound message goes to the owner when the owner
// is in the team; otherwise a prompt; decline gives Bot, a notification and a note.
func TestFAQ04_ClosedReopened(t *testing.T) {
	w := fixture()
	d := DecideInbound(w, contact("erin"), closedConv("billing", "hank"), msg("hi"))
	if d.Code() != "owner" || d.After.Assignee != "erin" || d.After.Status != StatusOpen {
		t.Fatalf("owner in team: %s %+v", d.Code(), d.After)
	}
	conv := closedConv("support", "carol")
	d = DecideInbound(w, contact("erin"), conv, msg("hi"))
	if d.Code() != "owner_team_mismatch" || !d.RaisePrompt || d.After.Assignee != "" {
		t.Fatalf("owner not in team: %s %+v", d.Code(), d.After)
	}
	conv = d.Apply(conv)
	d = must(t)(DecideAnswer(w, "erin", contact("erin"), conv, false, "", t0))
	if d.After.Assignee != Bot || d.Notify != "erin" || len(d.Notes()) != 1 || d.Notes()[0].Reason != "prompt_declined" {
		t.Fatalf("decline: %+v notify %q notes %+v", d.After, d.Notify, d.Notes())
	}
}

// FAQ 5: changing the assignee updates the owner and the other way round.
func TestFAQ05_OwnerAssigneeSync(t *testing.T) {
	w := fixture()
	conv := openConv("support", "carol")
	d := must(t)(DecideAssign(w, "dana", contact("carol"), conv, "gina", t0))
	if d.After.Owner != "gina" || d.After.Assignee != "gina" {
		t.Errorf("assign: %+v", d.After)
	}
	d = must(t)(DecideOwner(w, "dana", contact("carol"), conv, "bob", t0))
	if d.After.Owner != "bob" || d.After.Assignee != "bob" {
		t.Errorf("owner: %+v", d.After)
	}
}

// FAQ 6: an active human assignee makes the owner follow.
func TestFAQ06_ActiveAssigneeUpdatesOwner(t *testing.T) {
	d := DecideInbound(fixture(), contact("alice"), openConv("support", "gina"), call())
	if d.Code() != "active_assignee" || d.After.Owner != "gina" || d.After.Assignee != "gina" || len(d.Notes()) != 1 {
		t.Fatalf("%s %+v %+v", d.Code(), d.After, d.Notes())
	}
}

// FAQ 7: owner changed to someone outside the team: owner updated, assignee unchanged, prompt;
// accept assigns the owner; decline gives Bot with a notification and note.
func TestFAQ07_OwnerOutsideTeam(t *testing.T) {
	w := fixture()
	conv := openConv("support", "carol")
	c := contact("carol")
	d := must(t)(DecideOwner(w, "gina", c, conv, "alice", t0))
	if d.After.Owner != "alice" || d.After.Assignee != "carol" || !d.RaisePrompt || d.Prompt.RaisedBy != "gina" {
		t.Fatalf("owner edit: %+v %+v", d.After, d.Prompt)
	}
	conv = d.Apply(conv)
	c.Owner = d.After.Owner
	acc := must(t)(DecideAnswer(w, "gina", c, conv, true, "sales", t0))
	if acc.After.Assignee != "alice" || acc.After.Team != "sales" {
		t.Errorf("accept: %+v", acc.After)
	}
	dec := must(t)(DecideAnswer(w, "gina", c, conv, false, "", t0))
	if dec.After.Assignee != Bot || dec.After.Team != "support" || dec.Notify != "alice" || len(dec.Notes()) != 1 {
		t.Errorf("decline: %+v notify %q", dec.After, dec.Notify)
	}
}

// FAQ 8: closed conversation reopens with the owner outside the team: prompt; accept assigns
// the owner, decline routes to Bot with notification and note.
func TestFAQ08_ReopenOwnerOutsideTeam(t *testing.T) {
	w := fixture()
	c := contact("alice")
	conv := closedConv("support", "gina")
	d := DecideInbound(w, c, conv, call())
	if !d.RaisePrompt || d.Prompt.Kind != PromptInbound || d.Prompt.Target != "alice" || d.After.Status != StatusOpen {
		t.Fatalf("reopen: %+v %+v", d.After, d.Prompt)
	}
	conv = d.Apply(conv)
	acc := must(t)(DecideAnswer(w, "dana", c, conv, true, "", t0))
	if acc.After.Assignee != "alice" || acc.After.Team != "sales" || acc.Notify != "" {
		t.Errorf("accept: %+v", acc.After)
	}
	dec := must(t)(DecideAnswer(w, "alice", c, conv, false, "", t0))
	if dec.After.Assignee != Bot || dec.Notify != "alice" || dec.Notes()[0].Text == "" {
		t.Errorf("decline: %+v", dec.After)
	}
}

// FAQ 9: only admins can enable or disable the feature.
func TestFAQ09_AdminOnly(t *testing.T) {
	w := fixture()
	for _, o := range w.Operators() {
		for _, on := range []bool{true, false} {
			_, err := DecideOwnerRouting(w, o.ID, on, t0)
			if (o.Role == RoleAdmin) != (err == nil) {
				t.Errorf("%s (%s) turning %v: %v", o.ID, o.Role, on, err)
			}
		}
	}
}

// FAQ 10: routing off: standard behaviour, ownership not prioritised, no existing data affected.
func TestFAQ10_RoutingOff(t *testing.T) {
	w := fixture(roundRobinOn, withRules(Rule{Name: "refunds", Keyword: "refund", To: Target{Kind: TargetTeam, ID: "billing"}}))
	ch := must2(t)(DecideOwnerRouting(w, "alice", false, t0))
	off := NewWorkspace(ch.Apply(w.Settings), fixtureOps(), fixtureTeams(), nil)
	// Ownership no longer takes priority: round robin and automation run for an owned contact.
	c := contact("bob")
	d := DecideInbound(off, c, closedConv("support", "bob"), msg("hi"))
	if d.Code() != "round_robin" || d.After.Assignee != "carol" || d.After.Owner != "bob" {
		t.Errorf("reopen: %s %+v", d.Code(), d.After)
	}
	d = DecideInbound(off, c, newConv(), msg("refund"))
	if d.Code() != "rule:refunds" || d.After.Owner != "bob" {
		t.Errorf("new: %s %+v", d.Code(), d.After)
	}
	// No existing data is affected: an open conversation keeps its assignee and the owner
	// stays as it was, even where they differ.
	d = DecideInbound(off, c, openConv("support", "gina"), msg("hi"))
	if d.Changed() || d.After.Owner != "bob" || d.After.Assignee != "gina" {
		t.Errorf("open: %+v", d.After)
	}
	if off.Settings.DefaultTeam != "support" || !off.Settings.RoundRobin || len(off.Settings.Rules) != 1 || off.Settings.Plan != PlanBusiness {
		t.Errorf("other settings changed: %+v", off.Settings)
	}
}

func must2(t *testing.T) func(SettingChange, error) SettingChange {
	return func(c SettingChange, err error) SettingChange {
		t.Helper()
		if err != nil {
			t.Fatalf("refused: %v", err)
		}
		return c
	}
}
