package routing

import (
	"testing"
)

func TestSettings(t *testing.T) {
	t.Run("owner_routing_admins_only", func(t *testing.T) {
		w := fixture()
		for _, who := range []string{"carol", "erin", "zed", Bot, ""} {
			for _, on := range []bool{true, false} {
				_, err := DecideOwnerRouting(w, who, on, t0)
				mustRefuse(t, err, Forbidden)
				if err.Error() != TextOnlyAdmins {
					t.Errorf("text %q", err.Error())
				}
			}
		}
		ch, err := DecideOwnerRouting(w, "alice", false, t0)
		if err != nil {
			t.Fatal(err)
		}
		if ch != (SettingChange{Key: SettingOwnerRouting, By: "alice", At: t0, From: "on", To: "off"}) || !ch.Changed() {
			t.Fatalf("change = %+v", ch)
		}
		s := ch.Apply(w.Settings)
		if s.ContactOwnerRouting || s.OwnerRoutingActive() {
			t.Fatalf("after flip: %+v", s)
		}
		s.Rules, w.Settings.Rules = nil, nil
		s.ContactOwnerRouting = true
		if s.Plan != w.Settings.Plan || s.RoundRobin != w.Settings.RoundRobin || s.DefaultTeam != w.Settings.DefaultTeam {
			t.Fatalf("flip changed other settings: %+v", s)
		}
		same, _ := DecideOwnerRouting(w, "dana", true, t0)
		if same.Changed() {
			t.Fatalf("on -> on reported as a change: %+v", same)
		}
	})
	t.Run("owner_routing_plan", func(t *testing.T) {
		growth := fixture(func(s *Settings) { s.Plan = PlanGrowth; s.ContactOwnerRouting = false })
		_, err := DecideOwnerRouting(growth, "alice", true, t0)
		mustRefuse(t, err, Forbidden)
		if err.Error() != TextOwnerRoutingPlan {
			t.Errorf("text %q", err.Error())
		}
		if _, err := DecideOwnerRouting(growth, "alice", false, t0); err != nil {
			t.Errorf("turning off on growth: %v", err)
		}
		for _, p := range []Plan{PlanPro, PlanBusiness} {
			w := fixture(func(s *Settings) { s.Plan = p; s.ContactOwnerRouting = false })
			ch, err := DecideOwnerRouting(w, "dana", true, t0)
			if err != nil || !ch.Apply(w.Settings).OwnerRoutingActive() {
				t.Errorf("%s: %v %+v", p, err, ch)
			}
		}
	})
	t.Run("round_robin_business_only", func(t *testing.T) {
		for _, p := range []Plan{PlanGrowth, PlanPro} {
			w := fixture(func(s *Settings) { s.Plan = p })
			_, err := DecideRoundRobin(w, "alice", true, t0)
			mustRefuse(t, err, Forbidden)
			if err.Error() != TextRoundRobinPlan {
				t.Errorf("text %q", err.Error())
			}
		}
		w := fixture()
		_, err := DecideRoundRobin(w, "carol", true, t0)
		mustRefuse(t, err, Forbidden)
		ch, err := DecideRoundRobin(w, "alice", true, t0)
		if err != nil || ch != (SettingChange{Key: SettingRoundRobin, By: "alice", At: t0, From: "off", To: "on"}) {
			t.Fatalf("%v %+v", err, ch)
		}
		if s := ch.Apply(w.Settings); !s.RoundRobin || !s.RoundRobinActive() {
			t.Fatalf("after: %+v", s)
		}
	})
	t.Run("plan_change_changes_no_flag", func(t *testing.T) {
		w := fixture(roundRobinOn)
		_, err := DecidePlan(w, "gina", PlanGrowth, t0)
		mustRefuse(t, err, Forbidden)
		_, err = DecidePlan(w, "alice", "gold", t0)
		mustRefuse(t, err, Invalid)
		ch, err := DecidePlan(w, "alice", PlanGrowth, t0)
		if err != nil || ch.From != "business" || ch.To != "growth" {
			t.Fatalf("%v %+v", err, ch)
		}
		s := ch.Apply(w.Settings)
		if !s.ContactOwnerRouting || !s.RoundRobin || s.OwnerRoutingActive() || s.RoundRobinActive() {
			t.Fatalf("growth: %+v", s)
		}
		pro := SettingChange{Key: SettingPlan, To: "pro"}.Apply(s)
		if !pro.OwnerRoutingActive() || pro.RoundRobinActive() {
			t.Fatalf("pro: %+v", pro)
		}
		if back := (SettingChange{Key: SettingPlan, To: "business"}).Apply(s); !back.OwnerRoutingActive() || !back.RoundRobinActive() {
			t.Fatalf("back to business: %+v", back)
		}
	})
	t.Run("default_team_admins_only", func(t *testing.T) {
		w := fixture()
		_, err := DecideDefaultTeam(w, "carol", "sales", t0)
		mustRefuse(t, err, Forbidden)
		_, err = DecideDefaultTeam(w, "alice", "nope", t0)
		mustRefuse(t, err, NotFound)
		ch, err := DecideDefaultTeam(w, "alice", "sales", t0)
		if err != nil || ch.Apply(w.Settings).DefaultTeam != "sales" || ch.From != "support" {
			t.Fatalf("%v %+v", err, ch)
		}
	})
	t.Run("flip_changes_no_conversation", func(t *testing.T) {
		// The same conversation before and after a flip is untouched; only the next event
		// routes differently.
		w := fixture()
		conv := closedConv("support", "gina")
		c := contact("carol")
		before := DecideInbound(w, c, conv, msg("hi"))
		ch, _ := DecideOwnerRouting(w, "alice", false, t0)
		w2 := NewWorkspace(ch.Apply(w.Settings), fixtureOps(), fixtureTeams(), nil)
		after := DecideInbound(w2, c, conv, msg("hi"))
		if before.After.Assignee != "carol" || after.After.Assignee != Bot || after.After.Owner != "carol" {
			t.Fatalf("on: %+v, off: %+v", before.After, after.After)
		}
	})
}

// When teams and people change.
func TestPeopleChange(t *testing.T) {
	// Carol removed from Support.
	teams := fixtureTeams()
	teams[1].Members = []string{"bob", "dana", "gina"}
	removed := NewWorkspace(fixtureSettings(), fixtureOps(), teams, nil)
	rm := func(c Contact, conv Conversation, op, team string) func(*Workspace) (Decision, error) {
		return func(w *Workspace) (Decision, error) { return DecideMemberRemoved(w, c, conv, op, team, t0), nil }
	}
	runActions(t, []actionCase{
		{name: "member_removed_open_unassigned_ownership_stays", ws: removed, do: rm(contact("carol"), openConv("support", "carol"), "carol", "support"),
			want: want{after: st(StatusOpen, "support", "", "carol"), code: "member_removed",
				explain: []string{"Carol was removed from Support, so the conversation is unassigned; the next message or call routes it again; ownership stays"}}},
		{name: "member_removed_closed_unassigned", ws: removed, do: rm(contact(""), closedConv("support", "carol"), "carol", "support"),
			want: want{after: st(StatusClosed, "support", "", ""), code: "member_removed"}},
		{name: "member_removed_other_team_untouched", ws: removed, do: rm(contact("carol"), openConv("sales", "erin"), "carol", "support"),
			want: want{after: st(StatusOpen, "sales", "erin", "carol"), code: "member_removed", noNote: true}},
		{name: "member_removed_prompt_withdrawn_when_in_no_team", ws: removed,
			do:   rm(contact("carol"), withPrompt(openConv("sales", "erin"), promptOf(PromptOwner, "carol", "sales", "alice", "support")), "carol", "support"),
			want: want{after: st(StatusOpen, "sales", "erin", "carol"), code: "member_removed", clear: true, explain: []string{"the team decision about them was withdrawn"}}},
	})
	t.Run("member_removed_next_inbound_routes_again", func(t *testing.T) {
		d := DecideMemberRemoved(removed, contact("carol"), openConv("support", "carol"), "carol", "support", t0)
		conv := d.Apply(openConv("support", "carol"))
		next := DecideInbound(removed, contact("carol"), conv, msg("hi"))
		if next.Code() != "owner_team_mismatch" || !next.RaisePrompt || next.Prompt.Target != "carol" || len(next.Prompt.Choices) != 0 {
			t.Fatalf("next inbound: %s %+v", next.Code(), next.Prompt)
		}
	})
	// Erin deleted.
	var ops []Operator
	for _, o := range fixtureOps() {
		if o.ID != "erin" {
			ops = append(ops, o)
		}
	}
	teams = fixtureTeams()
	teams[0].Members = []string{"alice"}
	teams[2].Members = []string{"hank"}
	deleted := NewWorkspace(fixtureSettings(), ops, teams, nil)
	del := func(c Contact, conv Conversation) func(*Workspace) (Decision, error) {
		return func(w *Workspace) (Decision, error) { return DecideOperatorDeleted(w, c, conv, "erin", t0), nil }
	}
	runActions(t, []actionCase{
		{name: "operator_deleted_unassigned_and_ownership_cleared", ws: deleted, do: del(contact("erin"), openConv("sales", "erin")),
			want: want{after: st(StatusOpen, "sales", "", ""), code: "operator_deleted",
				explain: []string{"Operator erin was deleted; the conversation is unassigned; the contact has no owner now"}}},
		{name: "operator_deleted_ownership_only", ws: deleted, do: del(contact("erin"), closedConv("support", "carol")),
			want: want{after: st(StatusClosed, "support", "carol", ""), code: "operator_deleted"}},
		{name: "operator_deleted_prompt_raised_by_them_withdrawn", ws: deleted,
			do:   del(contact(""), withPrompt(openConv("support", "gina"), promptOf(PromptAssign, "alice", "support", "erin", "sales"))),
			want: want{after: st(StatusOpen, "support", "gina", ""), code: "operator_deleted", clear: true}},
		{name: "operator_deleted_unrelated_no_note", ws: deleted, do: del(contact("carol"), openConv("support", "carol")),
			want: want{after: st(StatusOpen, "support", "carol", "carol"), code: "operator_deleted", noNote: true}},
	})
	t.Run("owner_naming_no_operator_is_no_owner", func(t *testing.T) {
		d := DecideInbound(deleted, contact("erin"), closedConv("sales", "alice"), msg("hi"))
		if d.Code() != "default" || d.After.Assignee != Bot {
			t.Fatalf("stale owner routed: %s %+v", d.Code(), d.After)
		}
	})
	t.Run("away_or_offline_changes_no_assignment", func(t *testing.T) {
		ops := fixtureOps()
		ops[2].Status = Offline // carol
		w := NewWorkspace(Settings{Plan: PlanBusiness, ContactOwnerRouting: true, RoundRobin: true, DefaultTeam: "support"}, ops, fixtureTeams(), nil)
		d := DecideInbound(w, contact("carol"), openConv("support", "carol"), msg("hi"))
		if d.After.Assignee != "carol" || d.Changed() {
			t.Fatalf("row 1 with offline assignee: %+v", d.After)
		}
		d = DecideInbound(w, contact("carol"), closedConv("support", "carol"), msg("hi"))
		if d.After.Assignee != "carol" || d.Code() != "owner" {
			t.Fatalf("offline owner: %+v", d.After)
		}
		d = DecideInbound(w, contact(""), newConv(), msg("hi"))
		if d.Pick.Operator != "gina" {
			t.Fatalf("round robin picked %q, want gina (carol is offline)", d.Pick.Operator)
		}
	})
}
