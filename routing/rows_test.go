package routing

import (
	"testing"
)

// inboundCase is one row of an inbound routing table.
type inboundCase struct {
	name string
	ws   *Workspace
	c    Contact
	conv Conversation
	ev   Inbound
	want want
}

func runInbound(t *testing.T, cases []inboundCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := DecideInbound(tc.ws, tc.c, tc.conv, tc.ev)
			if d.Kind != KindInbound || d.Actor != Routing || !d.At.Equal(tc.ev.At) {
				t.Errorf("Kind/Actor/At = %v/%q/%v", d.Kind, d.Actor, d.At)
			}
			check(t, d, tc.want)
		})
	}
}

// Inbound message or call, contact-owner routing ON.
func TestInboundOn(t *testing.T) {
	on := fixture()
	rr := fixture(roundRobinOn)
	refundRule := withRules(Rule{Name: "refunds", Keyword: "refund", To: Target{Kind: TargetTeam, ID: "billing"}})
	runInbound(t, []inboundCase{
		{
			name: "row_1_active_assignee_owner_follows",
			ws:   on, c: contact("bob"), conv: openConv("support", "carol"), ev: msg("hi"),
			want: want{after: st(StatusOpen, "support", "carol", "carol"), code: "active_assignee",
				explain: []string{"Stays with Carol — active human assignee (rule 1)", "contact owner changed from Bob to Carol"}},
		},
		{
			name: "row_1_active_assignee_no_owner_gets_owner",
			ws:   on, c: contact(""), conv: openConv("support", "carol"), ev: call(),
			want: want{after: st(StatusOpen, "support", "carol", "carol"), code: "active_assignee",
				explain: []string{"Stays with Carol", "from nobody to Carol"}},
		},
		{
			name: "row_1_active_assignee_already_owner_no_note",
			ws:   on, c: contact("carol"), conv: openConv("support", "carol"), ev: msg("hi"),
			want: want{after: st(StatusOpen, "support", "carol", "carol"), code: "active_assignee", noNote: true,
				explain: []string{"Stays with Carol — active human assignee (rule 1)"}},
		},
		{
			name: "row_1_beats_owner_and_rules",
			ws:   fixture(roundRobinOn, refundRule), c: contact("alice"), conv: openConv("support", "gina"), ev: msg("refund"),
			want: want{after: st(StatusOpen, "support", "gina", "gina"), code: "active_assignee",
				explain: []string{"from Alice to Gina"}},
		},
		{
			name: "row_1_offline_assignee_kept",
			ws:   on, c: contact(""), conv: openConv("support", "bob"), ev: msg("hi"),
			want: want{after: st(StatusOpen, "support", "bob", "bob"), code: "active_assignee"},
		},
		{
			name: "row_2a_owner_in_team_reopened",
			ws:   on, c: contact("alice"), conv: closedConv("sales", "erin"), ev: msg("back again"),
			want: want{after: st(StatusOpen, "sales", "alice", "alice"), code: "owner",
				explain: []string{"Assigned to Alice — contact owner (rule 2a); Alice is in Sales"}},
		},
		{
			name: "row_2a_owner_in_default_team_new",
			ws:   on, c: contact("carol"), conv: newConv(), ev: msg("hello"),
			want: want{after: st(StatusOpen, "support", "carol", "carol"), code: "owner",
				explain: []string{"Assigned to Carol — contact owner (rule 2a); Carol is in Support"}},
		},
		{
			name: "row_2a_owner_open_unassigned",
			ws:   on, c: contact("erin"), conv: openConv("billing", ""), ev: msg("hello"),
			want: want{after: st(StatusOpen, "billing", "erin", "erin"), code: "owner",
				explain: []string{"Assigned to Erin — contact owner (rule 2a); Erin is in Billing"}},
		},
		{
			name: "row_2a_owner_open_bot_without_hold",
			ws:   on, c: contact("alice"), conv: openConv("sales", Bot), ev: call(),
			want: want{after: st(StatusOpen, "sales", "alice", "alice"), code: "owner"},
		},
		{
			name: "row_2a_automation_and_round_robin_do_not_run",
			ws:   fixture(roundRobinOn, refundRule), c: contact("carol"), conv: closedConv("support", "gina"), ev: msg("refund please"),
			want: want{after: st(StatusOpen, "support", "carol", "carol"), code: "owner"},
		},
		{
			name: "row_2a_offline_owner_still_gets_it",
			ws:   on, c: contact("bob"), conv: newConv(), ev: msg("hi"),
			want: want{after: st(StatusOpen, "support", "bob", "bob"), code: "owner"},
		},
		{
			name: "row_2b_owner_not_in_team",
			ws:   on, c: contact("alice"), conv: closedConv("support", "carol"), ev: msg("hello"),
			want: want{after: st(StatusOpen, "support", "", "alice"), code: "owner_team_mismatch",
				prompt:  promptOf(PromptInbound, "alice", "support", Routing, "sales"),
				explain: []string{"contact owner Alice is not in Support (rule 2b)", "Alice or an admin can move it to one of Alice's teams (Sales)", "Bot"}},
		},
		{
			name: "row_2b_new_conversation_default_team",
			ws:   on, c: contact("erin"), conv: newConv(), ev: call(),
			want: want{after: st(StatusOpen, "support", "", "erin"), code: "owner_team_mismatch",
				prompt:  promptOf(PromptInbound, "erin", "support", Routing, "sales", "billing"),
				explain: []string{"contact owner Erin is not in Support (rule 2b)", "(Sales, Billing)"}},
		},
		{
			name: "row_2b_open_unassigned",
			ws:   on, c: contact("alice"), conv: openConv("billing", ""), ev: msg("x"),
			want: want{after: st(StatusOpen, "billing", "", "alice"), code: "owner_team_mismatch",
				prompt: promptOf(PromptInbound, "alice", "billing", Routing, "sales")},
		},
		{
			name: "row_2b_owner_in_no_team",
			ws:   on, c: contact("frank"), conv: newConv(), ev: msg("x"),
			want: want{after: st(StatusOpen, "support", "", "frank"), code: "owner_team_mismatch",
				prompt: promptOf(PromptInbound, "frank", "support", Routing), explain: []string{"they are in none yet"}},
		},
		{
			name: "row_2b_automation_and_round_robin_do_not_run",
			ws:   fixture(roundRobinOn, refundRule), c: contact("alice"), conv: newConv(), ev: msg("refund"),
			want: want{after: st(StatusOpen, "support", "", "alice"), code: "owner_team_mismatch",
				prompt: promptOf(PromptInbound, "alice", "support", Routing, "sales")},
		},
		{
			name: "row_2b_waiting_prompt_message_changes_nothing",
			ws:   on, c: contact("alice"), conv: withPrompt(openConv("support", ""), promptOf(PromptInbound, "alice", "support", Routing, "sales")), ev: msg("hello?"),
			want: want{after: st(StatusOpen, "support", "", "alice"), code: "kept", noNote: true,
				explain: []string{"Waiting for a team decision", "message"}},
		},
		{
			name: "row_2b_waiting_prompt_call_changes_nothing",
			ws:   fixture(roundRobinOn), c: contact("alice"), conv: withPrompt(openConv("support", ""), promptOf(PromptInbound, "alice", "support", Routing, "sales")), ev: call(),
			want: want{after: st(StatusOpen, "support", "", "alice"), code: "kept", noNote: true,
				explain: []string{"Waiting for a team decision", "call"}},
		},
		{
			name: "row_2b_waiting_assign_prompt_on_bot_conversation_changes_nothing",
			ws:   on, c: contact("alice"), conv: withPrompt(openConv("support", Bot), promptOf(PromptAssign, "erin", "support", "dana", "sales", "billing")), ev: msg("hello?"),
			want: want{after: st(StatusOpen, "support", Bot, "alice"), code: "kept", noNote: true,
				explain: []string{"Waiting for a team decision — this message joins the conversation and changes nothing else"}},
		},
		{
			name: "row_3_new_no_owner_default_bot",
			ws:   on, c: contact(""), conv: newConv(), ev: msg("hi"),
			want: want{after: st(StatusOpen, "support", Bot, ""), code: "default",
				explain: []string{"No contact owner (rule 3): assigned to Bot — no automation rule matched and round robin is off; it is in Support (the default team)"}},
		},
		{
			name: "row_3_new_no_owner_round_robin_sets_owner",
			ws:   rr, c: contact(""), conv: newConv(), ev: msg("hi"),
			want: want{after: st(StatusOpen, "support", "carol", "carol"), code: "round_robin",
				pick:    Pick{Team: "support", Operator: "carol", Seq: 1},
				explain: []string{"round robin in Support: Bob skipped (offline), Dana skipped (admin); picked Carol (least recently assigned)", "Carol is now the contact owner"}},
		},
		{
			name: "row_3_reopened_no_owner_rule",
			ws:   fixture(refundRule), c: contact(""), conv: closedConv("support", "carol"), ev: msg("I want a REFUND."),
			want: want{after: st(StatusOpen, "billing", "", ""), code: "rule:refunds",
				explain: []string{`automation rule "refunds" sent it to Billing, unassigned (round robin is off)`}},
		},
		{
			name: "row_3_open_unassigned_runs_standard",
			ws:   rr, c: contact(""), conv: openConv("billing", ""), ev: msg("hi"),
			want: want{after: st(StatusOpen, "billing", "erin", "erin"), code: "round_robin",
				pick: Pick{Team: "billing", Operator: "erin", Seq: 1}, explain: []string{"Hank skipped (away)", "picked Erin"}},
		},
		{
			name: "row_3_open_bot_no_owner_kept",
			ws:   rr, c: contact(""), conv: openConv("support", Bot), ev: msg("hi"),
			want: want{after: st(StatusOpen, "support", Bot, ""), code: "kept", noNote: true,
				explain: []string{"Stays with Bot"}},
		},
		{
			name: "row_3_owner_naming_no_operator_counts_as_none",
			ws:   rr, c: contact("zed"), conv: newConv(), ev: msg("hi"),
			want: want{after: st(StatusOpen, "support", "carol", "carol"), code: "round_robin",
				pick: Pick{Team: "support", Operator: "carol", Seq: 1}},
		},
		{
			name: "row_3_owner_naming_no_operator_bot_result_keeps_owner_field",
			ws:   on, c: contact("zed"), conv: newConv(), ev: msg("hi"),
			want: want{after: st(StatusOpen, "support", Bot, "zed"), code: "default"},
		},
		{
			name: "row_3_rule_operator_sets_owner",
			ws:   fixture(withRules(Rule{Name: "vip", Tag: "vip", To: Target{Kind: TargetOperator, ID: "gina"}})), c: contact("", "VIP"), conv: newConv(), ev: msg("hi"),
			want: want{after: st(StatusOpen, "support", "gina", "gina"), code: "rule:vip",
				explain: []string{`No contact owner (rule 3): assigned to Gina by automation rule "vip"`, "Gina is now the contact owner"}},
		},
	})
}

// A conversation handed to Bot by a declined prompt stays with Bot until it is closed.
func TestBotStickiness(t *testing.T) {
	ws := fixture(roundRobinOn)
	held := openConv("sales", Bot)
	held.BotHold = true
	runInbound(t, []inboundCase{
		{
			name: "declined_prompt_bot_keeps_message",
			ws:   ws, c: contact("alice"), conv: held, ev: msg("hello?"),
			want: want{after: State{Status: StatusOpen, Team: "sales", Assignee: Bot, Owner: "alice", BotHold: true}, code: "kept", noNote: true,
				explain: []string{"Stays with Bot — a team decision was declined in this open period"}},
		},
		{
			name: "declined_prompt_bot_keeps_call_no_owner",
			ws:   ws, c: contact(""), conv: held, ev: call(),
			want: want{after: State{Status: StatusOpen, Team: "sales", Assignee: Bot, BotHold: true}, code: "kept", noNote: true},
		},
		{
			name: "reopen_after_close_routes_again_row_2a",
			ws:   ws, c: contact("alice"), conv: closedConv("sales", Bot), ev: msg("hi"),
			want: want{after: st(StatusOpen, "sales", "alice", "alice"), code: "owner"},
		},
		{
			name: "reopen_with_stale_hold_flag_routes_again",
			ws:   ws, c: contact("alice"), conv: Conversation{Status: StatusClosed, Team: "sales", Assignee: Bot, BotHold: true}, ev: msg("hi"),
			want: want{after: st(StatusOpen, "sales", "alice", "alice"), code: "owner"},
		},
	})

	t.Run("whole_cycle_prompt_decline_hold_close_reopen", func(t *testing.T) {
		ws := fixture()
		c := contact("alice")
		conv := closedConv("support", "carol")
		d := DecideInbound(ws, c, conv, msg("hi"))
		if d.Code() != "owner_team_mismatch" {
			t.Fatalf("first inbound: %s", d.Code())
		}
		conv = d.Apply(conv)
		d = must(t)(DecideAnswer(ws, "alice", c, conv, false, "", t0))
		check(t, d, want{after: State{Status: StatusOpen, Team: "support", Assignee: Bot, Owner: "alice", BotHold: true},
			code: "prompt_declined", clear: true, notify: "alice",
			explain: []string{"Assigned to Bot — Alice could not be assigned: not in Support"}})
		conv = d.Apply(conv)
		if conv.Prompt != nil || !conv.BotHold {
			t.Fatalf("after decline: %+v", conv)
		}
		for _, ev := range []Inbound{msg("again"), call(), msg("and again")} {
			d = DecideInbound(ws, c, conv, ev)
			if d.Code() != "kept" || d.After.Assignee != Bot || d.RaisePrompt {
				t.Fatalf("held conversation routed: %s %+v", d.Code(), d.After)
			}
		}
		d = must(t)(DecideClose(ws, "carol", c, conv, false, t0))
		check(t, d, want{after: st(StatusClosed, "support", Bot, "alice"), code: "closed", explain: []string{"Carol closed the conversation"}})
		conv = d.Apply(conv)
		d = DecideInbound(ws, c, conv, msg("back"))
		if d.Code() != "owner_team_mismatch" || !d.RaisePrompt || d.After.Assignee != "" {
			t.Fatalf("reopen after hold: %s %+v", d.Code(), d.After)
		}
	})

	t.Run("person_assign_ends_hold", func(t *testing.T) {
		conv := openConv("support", Bot)
		conv.BotHold = true
		d := must(t)(DecideAssign(fixture(), "dana", contact("alice"), conv, "carol", t0))
		check(t, d, want{after: st(StatusOpen, "support", "carol", "carol"), code: "manual_assign"})
		conv = d.Apply(conv)
		d = DecideInbound(fixture(), contact("carol"), conv, msg("x"))
		if d.Code() != "active_assignee" {
			t.Fatalf("after manual assign: %s", d.Code())
		}
	})
}

// Reopening: an inbound message or call on a closed conversation reopens it and routes it.
func TestReopening(t *testing.T) {
	stale := withPrompt(closedConv("support", "carol"), promptOf(PromptOwner, "alice", "support", "dana", "sales"))
	runInbound(t, []inboundCase{
		{
			name: "reopen_no_owner_default_keeps_team",
			ws:   fixture(), c: contact(""), conv: closedConv("billing", "hank"), ev: msg("hi"),
			want: want{after: st(StatusOpen, "billing", Bot, ""), code: "default",
				explain: []string{"assigned to Bot — no automation rule matched and round robin is off; it is in Billing"}},
		},
		{
			name: "reopen_by_call",
			ws:   fixture(), c: contact("erin"), conv: closedConv("billing", "hank"), ev: call(),
			want: want{after: st(StatusOpen, "billing", "erin", "erin"), code: "owner"},
		},
		{
			name: "reopen_withdraws_stale_prompt_then_routes",
			ws:   fixture(), c: contact("alice"), conv: stale, ev: msg("hi"),
			want: want{after: st(StatusOpen, "support", "", "alice"), code: "owner_team_mismatch", clear: true,
				prompt: promptOf(PromptInbound, "alice", "support", Routing, "sales")},
		},
		{
			name: "reopen_routing_off_withdraws_prompt",
			ws:   fixture(routingOff), c: contact("alice"), conv: stale, ev: msg("hi"),
			want: want{after: st(StatusOpen, "support", Bot, "alice"), code: "default", clear: true},
		},
	})
	t.Run("apply_replaces_prompt", func(t *testing.T) {
		d := DecideInbound(fixture(), contact("alice"), stale, msg("hi"))
		conv := d.Apply(stale)
		if conv.Prompt == nil || conv.Prompt.Kind != PromptInbound || conv.Prompt.RaisedBy != Routing || !conv.Prompt.At.Equal(t0) {
			t.Fatalf("prompt after apply: %+v", conv.Prompt)
		}
	})
	t.Run("manual_reopen_changes_only_status", func(t *testing.T) {
		conv := closedConv("sales", "erin")
		d := must(t)(DecideClose(fixture(), "alice", contact("bob"), conv, true, t0))
		check(t, d, want{after: st(StatusOpen, "sales", "erin", "bob"), code: "reopened",
			explain: []string{"Alice reopened the conversation; it stays with Erin"}})
		_, err := DecideClose(fixture(), "alice", contact("bob"), d.Apply(conv), true, t0)
		mustRefuse(t, err, Conflict)
	})
}

// Inbound message or call, contact-owner routing OFF.
func TestInboundOff(t *testing.T) {
	off := fixture(routingOff)
	offRR := fixture(routingOff, roundRobinOn)
	heldOff := openConv("support", Bot)
	heldOff.BotHold = true
	runInbound(t, []inboundCase{
		{
			name: "open_keeps_human_owner_untouched",
			ws:   off, c: contact("bob"), conv: openConv("support", "carol"), ev: msg("hi"),
			want: want{after: st(StatusOpen, "support", "carol", "bob"), code: "kept", noNote: true,
				explain: []string{"Stays with Carol — the conversation is open, so it keeps its assignee (contact owner-based routing is off)"}},
		},
		{
			name: "open_keeps_bot",
			ws:   offRR, c: contact("carol"), conv: openConv("support", Bot), ev: call(),
			want: want{after: st(StatusOpen, "support", Bot, "carol"), code: "kept", noNote: true, explain: []string{"Stays with Bot"}},
		},
		{
			name: "open_keeps_none",
			ws:   offRR, c: contact("carol"), conv: openConv("support", ""), ev: msg("hi"),
			want: want{after: st(StatusOpen, "support", "", "carol"), code: "kept", noNote: true, explain: []string{"Stays with nobody"}},
		},
		{
			name: "open_held_by_bot_keeps",
			ws:   off, c: contact(""), conv: heldOff, ev: msg("hi"),
			want: want{after: State{Status: StatusOpen, Team: "support", Assignee: Bot, BotHold: true}, code: "kept", noNote: true},
		},
		{
			name: "open_waiting_prompt_keeps",
			ws:   off, c: contact(""), conv: withPrompt(openConv("support", "carol"), promptOf(PromptAssign, "erin", "support", "dana", "sales", "billing")), ev: msg("hi"),
			want: want{after: st(StatusOpen, "support", "carol", ""), code: "kept", noNote: true},
		},
		{
			name: "new_standard_assignment_owner_ignored",
			ws:   off, c: contact("alice"), conv: newConv(), ev: msg("hi"),
			want: want{after: st(StatusOpen, "support", Bot, "alice"), code: "default",
				explain: []string{"Assigned to Bot — no automation rule matched and round robin is off; it is in Support (the default team)"}},
		},
		{
			name: "new_round_robin_owner_not_written",
			ws:   offRR, c: contact("alice"), conv: newConv(), ev: msg("hi"),
			want: want{after: st(StatusOpen, "support", "carol", "alice"), code: "round_robin",
				pick:    Pick{Team: "support", Operator: "carol", Seq: 1},
				explain: []string{"Round robin in Support: Bob skipped (offline), Dana skipped (admin); picked Carol (least recently assigned)"}},
		},
		{
			name: "reopened_standard_assignment_owner_ignored",
			ws:   offRR, c: contact("alice"), conv: closedConv("sales", "alice"), ev: msg("hi"),
			want: want{after: st(StatusOpen, "sales", "erin", "alice"), code: "round_robin",
				pick: Pick{Team: "sales", Operator: "erin", Seq: 1}, explain: []string{"Round robin in Sales: Alice skipped (admin); picked Erin"}},
		},
		{
			name: "growth_plan_with_toggle_on_routes_as_off",
			ws:   fixture(func(s *Settings) { s.Plan = PlanGrowth }), c: contact("carol"), conv: closedConv("support", "gina"), ev: msg("hi"),
			want: want{after: st(StatusOpen, "support", Bot, "carol"), code: "default"},
		},
	})
}
