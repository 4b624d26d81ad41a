package routing

import (
	"testing"
)

// Standard assignment: automation rules. Routing is off in these rows so that the contact
// owner plays no part; TestInboundOn covers the same engine under rule 3.
func TestStandardRules(t *testing.T) {
	refund := Rule{Name: "refunds", Keyword: "refund", To: Target{Kind: TargetTeam, ID: "billing"}}
	calls := Rule{Name: "calls", Channel: ChannelCall, To: Target{Kind: TargetTeam, ID: "sales"}}
	vip := Rule{Name: "vip", Tag: "VIP", To: Target{Kind: TargetOperator, ID: "erin"}}
	toBot := Rule{Name: "spam", Keyword: "unsubscribe", To: Target{Kind: TargetBot}}
	off := func(mods ...func(*Settings)) *Workspace {
		return fixture(append([]func(*Settings){routingOff}, mods...)...)
	}
	awayOps := fixtureOps()
	awayOps[4].Status = Away // erin
	erinAwaySettings := fixtureSettings()
	erinAwaySettings.ContactOwnerRouting, erinAwaySettings.RoundRobin = false, true
	erinAwaySettings.Rules = []Rule{{Name: "to-billing", Tag: "h", To: Target{Kind: TargetTeam, ID: "billing"}}}
	erinAway := NewWorkspace(erinAwaySettings, awayOps, fixtureTeams(), nil)
	unassigned := func(team, rule string) want {
		return want{after: st(StatusOpen, team, "", ""), code: "rule:" + rule}
	}
	runInbound(t, []inboundCase{
		{
			name: "rules_in_order_first_match_wins",
			ws:   off(withRules(Rule{Name: "first", Keyword: "refund", To: Target{Kind: TargetTeam, ID: "sales"}}, refund)), c: contact(""), conv: newConv(), ev: msg("refund"),
			want: unassigned("sales", "first"),
		},
		{
			name: "rules_later_rule_when_first_does_not_match",
			ws:   off(withRules(calls, refund)), c: contact(""), conv: newConv(), ev: msg("refund"),
			want: unassigned("billing", "refunds"),
		},
		{
			name: "rule_channel_call_matches_call",
			ws:   off(withRules(calls)), c: contact(""), conv: newConv(), ev: call(),
			want: unassigned("sales", "calls"),
		},
		{
			name: "rule_channel_call_skips_message",
			ws:   off(withRules(calls)), c: contact(""), conv: newConv(), ev: msg("call me"),
			want: want{after: st(StatusOpen, "support", Bot, ""), code: "default"},
		},
		{
			name: "rule_channel_message",
			ws:   off(withRules(Rule{Name: "chat", Channel: ChannelMessage, To: Target{Kind: TargetBot}})), c: contact(""), conv: newConv(), ev: msg(""),
			want: want{after: st(StatusOpen, "support", Bot, ""), code: "rule:chat", explain: []string{`Assigned to Bot by automation rule "chat"`}},
		},
		{
			name: "rule_keyword_case_insensitive",
			ws:   off(withRules(refund)), c: contact(""), conv: newConv(), ev: msg("I want my REFUND!"),
			want: unassigned("billing", "refunds"),
		},
		{
			name: "rule_keyword_whole_word_punctuation_boundary",
			ws:   off(withRules(refund)), c: contact(""), conv: newConv(), ev: msg("(refund)"),
			want: unassigned("billing", "refunds"),
		},
		{
			name: "rule_keyword_not_part_of_word",
			ws:   off(withRules(refund)), c: contact(""), conv: newConv(), ev: msg("refunds and nonrefundable"),
			want: want{after: st(StatusOpen, "support", Bot, ""), code: "default"},
		},
		{
			name: "rule_keyword_never_matches_call",
			ws:   off(withRules(refund)), c: contact(""), conv: newConv(), ev: Inbound{Channel: ChannelCall, Text: "refund", At: t0},
			want: want{after: st(StatusOpen, "support", Bot, ""), code: "default"},
		},
		{
			name: "rule_tag_case_insensitive",
			ws:   off(withRules(vip)), c: contact("", "new", "vip"), conv: newConv(), ev: msg("hi"),
			want: want{after: st(StatusOpen, "sales", "erin", ""), code: "rule:vip",
				explain: []string{`Assigned to Erin by automation rule "vip" in Sales`}},
		},
		{
			name: "rule_tag_missing",
			ws:   off(withRules(vip)), c: contact("", "vipp"), conv: newConv(), ev: msg("hi"),
			want: want{after: st(StatusOpen, "support", Bot, ""), code: "default"},
		},
		{
			name: "rule_all_conditions_must_hold",
			ws:   off(withRules(Rule{Name: "both", Channel: ChannelMessage, Keyword: "refund", Tag: "vip", To: Target{Kind: TargetBot}})), c: contact(""), conv: closedConv("sales", "erin"), ev: msg("refund"),
			want: want{after: st(StatusOpen, "sales", Bot, ""), code: "default"},
		},
		{
			name: "rule_without_conditions_never_matches",
			ws:   off(withRules(Rule{Name: "empty", To: Target{Kind: TargetTeam, ID: "billing"}})), c: contact(""), conv: newConv(), ev: msg("x"),
			want: want{after: st(StatusOpen, "support", Bot, ""), code: "default"},
		},
		{
			name: "rule_team_round_robin_on",
			ws:   off(roundRobinOn, withRules(refund)), c: contact(""), conv: newConv(), ev: msg("refund"),
			want: want{after: st(StatusOpen, "billing", "erin", ""), code: "rule:refunds", pick: Pick{Team: "billing", Operator: "erin", Seq: 1},
				explain: []string{`Automation rule "refunds" sent it to Billing; round robin in Billing: Hank skipped (away); picked Erin (least recently assigned)`}},
		},
		{
			name: "rule_team_round_robin_off_unassigned",
			ws:   off(withRules(refund)), c: contact(""), conv: closedConv("support", "gina"), ev: msg("refund"),
			want: want{after: st(StatusOpen, "billing", "", ""), code: "rule:refunds", explain: []string{"unassigned (round robin is off)"}},
		},
		{
			name: "rule_team_round_robin_toggle_on_but_pro_plan",
			ws:   off(roundRobinOn, withRules(refund), func(s *Settings) { s.Plan = PlanPro }), c: contact(""), conv: newConv(), ev: msg("refund"),
			want: unassigned("billing", "refunds"),
		},
		{
			name: "rule_team_round_robin_no_candidate_bot_team_kept",
			ws:   erinAway, c: contact("", "h"), conv: closedConv("support", "gina"), ev: msg("x"),
			want: want{after: inBacklog(st(StatusOpen, "billing", Bot, "")), code: "rule:to-billing",
				explain: []string{`Automation rule "to-billing" sent it to Billing; round robin in Billing: Erin skipped (away), Hank skipped (away); nobody online to pick, so Bot has it`}},
		},
		{
			name: "rule_team_missing_skipped",
			ws:   off(withRules(Rule{Name: "gone", Keyword: "refund", To: Target{Kind: TargetTeam, ID: "nope"}}, refund)), c: contact(""), conv: newConv(), ev: msg("refund"),
			want: unassigned("billing", "refunds"),
		},
		{
			name: "rule_operator_in_team_keeps_team",
			ws:   off(withRules(Rule{Name: "to-erin", Keyword: "order", To: Target{Kind: TargetOperator, ID: "erin"}})), c: contact(""), conv: closedConv("billing", "hank"), ev: msg("order"),
			want: want{after: st(StatusOpen, "billing", "erin", ""), code: "rule:to-erin", explain: []string{`Assigned to Erin by automation rule "to-erin"`}},
		},
		{
			name: "rule_operator_moves_to_first_team",
			ws:   off(withRules(Rule{Name: "to-erin", Keyword: "order", To: Target{Kind: TargetOperator, ID: "erin"}})), c: contact(""), conv: closedConv("support", "carol"), ev: msg("order"),
			want: want{after: st(StatusOpen, "sales", "erin", ""), code: "rule:to-erin", explain: []string{`Assigned to Erin by automation rule "to-erin" in Sales`}},
		},
		{
			name: "rule_operator_new_conversation_in_default_team",
			ws:   off(withRules(Rule{Name: "to-carol", Channel: ChannelCall, To: Target{Kind: TargetOperator, ID: "carol"}})), c: contact(""), conv: newConv(), ev: call(),
			want: want{after: st(StatusOpen, "support", "carol", ""), code: "rule:to-carol"},
		},
		{
			name: "rule_operator_in_no_team_skipped",
			ws:   off(withRules(Rule{Name: "to-frank", Keyword: "x", To: Target{Kind: TargetOperator, ID: "frank"}}, refund)), c: contact(""), conv: newConv(), ev: msg("x refund"),
			want: want{after: st(StatusOpen, "billing", "", ""), code: "rule:refunds", explain: []string{`rule "to-frank" skipped: its operator cannot be assigned`}},
		},
		{
			name: "rule_operator_missing_skipped",
			ws:   off(withRules(Rule{Name: "to-zed", Keyword: "x", To: Target{Kind: TargetOperator, ID: "zed"}})), c: contact(""), conv: newConv(), ev: msg("x"),
			want: want{after: st(StatusOpen, "support", Bot, ""), code: "default", explain: []string{`rule "to-zed" skipped`}},
		},
		{
			name: "rule_bot",
			ws:   off(roundRobinOn, withRules(toBot)), c: contact(""), conv: closedConv("sales", "erin"), ev: msg("please Unsubscribe me"),
			want: want{after: st(StatusOpen, "sales", Bot, ""), code: "rule:spam"},
		},
		{
			name: "default_new_joins_default_team",
			ws:   off(), c: contact(""), conv: newConv(), ev: msg("x"),
			want: want{after: st(StatusOpen, "support", Bot, ""), code: "default", explain: []string{"(the default team)"}},
		},
		{
			name: "default_reopened_keeps_team",
			ws:   off(), c: contact(""), conv: closedConv("sales", "alice"), ev: msg("x"),
			want: want{after: st(StatusOpen, "sales", Bot, ""), code: "default", explain: []string{"it is in Sales"}},
		},
		{
			name: "default_reopened_keeps_team_round_robin",
			ws:   off(roundRobinOn), c: contact(""), conv: closedConv("billing", "hank"), ev: call(),
			want: want{after: st(StatusOpen, "billing", "erin", ""), code: "round_robin", pick: Pick{Team: "billing", Operator: "erin", Seq: 1}},
		},
		{
			name: "default_new_round_robin_in_default_team",
			ws:   off(roundRobinOn), c: contact(""), conv: newConv(), ev: call(),
			want: want{after: st(StatusOpen, "support", "carol", ""), code: "round_robin", pick: Pick{Team: "support", Operator: "carol", Seq: 1}},
		},
	})
}

func TestRoundRobin(t *testing.T) {
	ops := []Operator{
		{ID: "amy", Name: "Amy", Role: RoleAdmin, Status: Online},
		{ID: "ben", Name: "Ben", Role: RoleOperator, Status: Offline},
		{ID: "cat", Name: "Cat", Role: RoleOperator, Status: Away},
		{ID: "dan", Name: "Dan", Role: RoleOperator, Status: Online},
		{ID: "eve", Name: "Eve", Role: RoleOperator, Status: Online},
		{ID: "fay", Name: "Fay", Role: RoleOperator, Status: Online},
	}
	teams := []Team{{ID: "t", Name: "Team", Members: []string{"amy", "ghost", "ben", "cat", "dan", "eve", "fay"}}, {ID: "empty", Name: "Empty"}}
	s := Settings{Plan: PlanBusiness, RoundRobin: true, DefaultTeam: "t"}
	build := func(rr map[string]RoundRobinState) *Workspace { return NewWorkspace(s, ops, teams, rr) }
	pick := func(w *Workspace) Decision { return DecideInbound(w, contact(""), newConv(), msg("hi")) }

	t.Run("admins_offline_away_unknown_never_picked", func(t *testing.T) {
		w := build(nil)
		seen := map[string]int{}
		for i := 0; i < 30; i++ {
			d := pick(w)
			seen[d.Pick.Operator]++
			w.Remember(d.Pick)
		}
		if len(seen) != 3 || seen["dan"] != 10 || seen["eve"] != 10 || seen["fay"] != 10 {
			t.Fatalf("picks = %v, want dan, eve, fay 10 each", seen)
		}
		ex := pick(build(nil)).Explain()
		want := "Round robin in Team: Amy skipped (admin), ghost skipped (not an operator), Ben skipped (offline), Cat skipped (away); picked Dan (least recently assigned)"
		if ex != want {
			t.Fatalf("Explain() = %q\nwant        %q", ex, want)
		}
	})
	t.Run("never_picked_first_ties_by_member_order", func(t *testing.T) {
		d := pick(build(map[string]RoundRobinState{"t": {Seq: 7, Last: map[string]uint64{"dan": 7}}}))
		if d.Pick != (Pick{Team: "t", Operator: "eve", Seq: 8}) {
			t.Fatalf("Pick = %+v, want eve (never picked, before fay)", d.Pick)
		}
	})
	t.Run("least_recently_picked", func(t *testing.T) {
		d := pick(build(map[string]RoundRobinState{"t": {Seq: 9, Last: map[string]uint64{"dan": 9, "eve": 4, "fay": 6}}}))
		if d.Pick != (Pick{Team: "t", Operator: "eve", Seq: 10}) {
			t.Fatalf("Pick = %+v, want eve", d.Pick)
		}
	})
	t.Run("memory_of_excluded_operator_does_not_matter", func(t *testing.T) {
		// Ben was picked long ago and is offline now: he is still not a candidate.
		d := pick(build(map[string]RoundRobinState{"t": {Seq: 9, Last: map[string]uint64{"ben": 1, "dan": 9, "eve": 8, "fay": 7}}}))
		if d.Pick.Operator != "fay" {
			t.Fatalf("Pick = %+v, want fay", d.Pick)
		}
	})
	t.Run("no_candidate_bot_team_kept", func(t *testing.T) {
		w := NewWorkspace(Settings{Plan: PlanBusiness, RoundRobin: true, DefaultTeam: "empty"}, ops, teams, nil)
		d := DecideInbound(w, contact(""), closedConv("empty", "dan"), msg("x"))
		check(t, d, want{after: inBacklog(st(StatusOpen, "empty", Bot, "")), code: "round_robin",
			explain: []string{"nobody online to pick, so Bot has it"}})
		only := NewWorkspace(s, ops, []Team{{ID: "t", Name: "Team", Members: []string{"amy", "ben", "cat"}}}, nil)
		d = DecideInbound(only, contact(""), newConv(), msg("x"))
		check(t, d, want{after: inBacklog(st(StatusOpen, "t", Bot, "")), code: "round_robin",
			explain: []string{"Amy skipped (admin), Ben skipped (offline), Cat skipped (away); nobody online to pick, so Bot has it"}})
	})
	t.Run("remember_rotates_and_undo", func(t *testing.T) {
		w := build(nil)
		want := []string{"dan", "eve", "fay", "dan", "eve"}
		for i, id := range want {
			d := pick(w)
			if d.Pick != (Pick{Team: "t", Operator: id, Seq: uint64(i + 1)}) {
				t.Fatalf("pick %d = %+v, want %s seq %d", i, d.Pick, id, i+1)
			}
			if d.After.Assignee != id {
				t.Fatalf("assignee %q, pick %q", d.After.Assignee, id)
			}
			w.Remember(d.Pick)
		}
		d := pick(w)
		undo := w.Remember(d.Pick)
		if got := pick(w).Pick.Operator; got != "dan" {
			t.Fatalf("after fay: %s", got)
		}
		undo()
		if got := pick(w).Pick; got != d.Pick {
			t.Fatalf("after undo: %+v, want %+v again", got, d.Pick)
		}
	})
	t.Run("fixture_support_rotation", func(t *testing.T) {
		w := fixture(roundRobinOn)
		for i, id := range []string{"carol", "gina", "carol", "gina"} {
			d := DecideInbound(w, contact(""), newConv(), call())
			if d.Pick.Operator != id {
				t.Fatalf("pick %d = %q, want %q", i, d.Pick.Operator, id)
			}
			w.Remember(d.Pick)
		}
	})
	t.Run("without_remember_pick_repeats", func(t *testing.T) {
		w := build(nil)
		a, b := pick(w), pick(w)
		if a.Pick != b.Pick {
			t.Fatalf("%+v != %+v", a.Pick, b.Pick)
		}
	})
	t.Run("state_survives_rebuild", func(t *testing.T) {
		w := build(nil)
		for i := 0; i < 4; i++ {
			w.Remember(pick(w).Pick)
		}
		st := w.RoundRobin("t")
		if st.Seq != 4 || st.Last["dan"] != 4 || st.Last["eve"] != 2 || st.Last["fay"] != 3 || len(st.Last) != 3 {
			t.Fatalf("RoundRobin = %+v", st)
		}
		w2 := build(map[string]RoundRobinState{"t": st})
		if got, want := pick(w2).Pick, pick(w).Pick; got != want || got.Operator != "eve" {
			t.Fatalf("rebuilt pick %+v, original %+v", got, want)
		}
	})
	t.Run("status_change_takes_out_of_round_robin_only", func(t *testing.T) {
		ops2 := append([]Operator(nil), ops...)
		ops2[3].Status = Away // dan
		w := NewWorkspace(s, ops2, teams, nil)
		if got := pick(w).Pick.Operator; got != "eve" {
			t.Fatalf("pick %s, want eve", got)
		}
		d := DecideInbound(w, contact(""), openConv("t", "dan"), msg("x"))
		if d.After.Assignee != "dan" || d.Code() != "kept" {
			t.Fatalf("away assignee lost the conversation: %+v %s", d.After, d.Code())
		}
	})
	t.Run("remember_ignores_unknown", func(t *testing.T) {
		w := build(nil)
		w.Remember(Pick{Team: "nope", Operator: "dan", Seq: 5})
		w.Remember(Pick{Team: "t", Operator: "nobody", Seq: 5})
		w.Remember(Pick{Team: "t", Seq: 5})
		if st := w.RoundRobin("t"); st.Seq != 0 || len(st.Last) != 0 {
			t.Fatalf("state changed: %+v", st)
		}
	})
}

// Calls route exactly like messages: the same state and rules give the same result.
func TestCallsRouteLikeMessages(t *testing.T) {
	held := openConv("sales", Bot)
	held.BotHold = true
	convs := map[string]Conversation{
		"new": newConv(), "open_human": openConv("support", "carol"), "open_none": openConv("support", ""),
		"open_bot": openConv("support", Bot), "held": held, "closed_support": closedConv("support", "gina"),
		"closed_sales": closedConv("sales", "erin"),
		"waiting":      withPrompt(openConv("support", ""), promptOf(PromptInbound, "alice", "support", Routing, "sales")),
	}
	owners := []string{"", "alice", "carol", "erin", "frank", "zed"}
	for _, mods := range map[string][]func(*Settings){
		"on": nil, "on_rr": {roundRobinOn}, "off": {routingOff}, "off_rr": {routingOff, roundRobinOn},
		"tag_rule": {roundRobinOn, withRules(Rule{Name: "vip", Tag: "vip", To: Target{Kind: TargetOperator, ID: "erin"}})},
	} {
		ws := fixture(mods...)
		for cname, conv := range convs {
			for _, owner := range owners {
				c := contact(owner, "vip")
				m, k := DecideInbound(ws, c, conv, msg("hello")), DecideInbound(ws, c, conv, call())
				if m.After != k.After || m.Code() != k.Code() || m.RaisePrompt != k.RaisePrompt || m.Pick != k.Pick || m.Notify != k.Notify {
					t.Errorf("%s owner %q: message %s %+v, call %s %+v", cname, owner, m.Code(), m.After, k.Code(), k.After)
				}
			}
		}
	}
}
