package routing

import (
	"testing"
)

type actionCase struct {
	name string
	ws   *Workspace
	do   func(*Workspace) (Decision, error)
	want want
}

func runActions(t *testing.T, cases []actionCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d, err := tc.do(tc.ws)
			if err != nil {
				t.Fatalf("refused: %v", err)
			}
			if !d.At.Equal(t0) {
				t.Errorf("At = %v", d.At)
			}
			check(t, d, tc.want)
		})
	}
}

// Keeping owner and assignee in sync, each row with routing ON and OFF.
func TestSync(t *testing.T) {
	on, off := fixture(), fixture(routingOff)
	onRR, offRR := fixture(roundRobinOn), fixture(routingOff, roundRobinOn)
	assign := func(c Contact, conv Conversation, to string) func(*Workspace) (Decision, error) {
		return func(w *Workspace) (Decision, error) { return DecideAssign(w, "dana", c, conv, to, t0) }
	}
	owner := func(c Contact, conv Conversation, to string) func(*Workspace) (Decision, error) {
		return func(w *Workspace) (Decision, error) { return DecideOwner(w, "dana", c, conv, to, t0) }
	}
	team := func(c Contact, conv Conversation, to string) func(*Workspace) (Decision, error) {
		return func(w *Workspace) (Decision, error) { return DecideTeam(w, "dana", c, conv, to, t0) }
	}
	awayOps := fixtureOps()
	awayOps[4].Status = Away // erin
	rrSettings := fixtureSettings()
	rrSettings.RoundRobin = true
	erinAway := NewWorkspace(rrSettings, awayOps, fixtureTeams(), nil)
	held := openConv("support", Bot)
	held.BotHold = true
	runActions(t, []actionCase{
		// assignee set to operator X, X in the conversation's team
		{name: "assign_in_team_on", ws: on, do: assign(contact("bob"), openConv("support", "carol"), "gina"),
			want: want{after: st(StatusOpen, "support", "gina", "gina"), code: "manual_assign",
				explain: []string{"Dana assigned Gina in Support; Gina is now the contact owner too"}}},
		{name: "assign_in_team_on_ends_bot_hold", ws: on, do: assign(contact(""), held, "carol"),
			want: want{after: st(StatusOpen, "support", "carol", "carol"), code: "manual_assign"}},
		{name: "assign_in_team_off", ws: off, do: assign(contact("bob"), openConv("support", "carol"), "gina"),
			want: want{after: st(StatusOpen, "support", "gina", "bob"), code: "manual_assign", explain: []string{"Dana assigned Gina in Support"}}},
		{name: "assign_in_team_closed_conversation_on", ws: on, do: assign(contact(""), closedConv("sales", ""), "erin"),
			want: want{after: st(StatusClosed, "sales", "erin", "erin"), code: "manual_assign"}},
		// assignee set to operator X, X not in the team: prompt in both modes
		{name: "assign_not_in_team_on_prompt", ws: on, do: assign(contact("carol"), openConv("support", "carol"), "erin"),
			want: want{after: st(StatusOpen, "support", "carol", "carol"), code: "owner_team_mismatch",
				prompt:  promptOf(PromptAssign, "erin", "support", "dana", "sales", "billing"),
				explain: []string{"Erin is not in Support — Dana is asked to move the conversation to one of Erin's teams (Sales, Billing); nothing changes until then"}}},
		{name: "assign_not_in_team_off_prompt", ws: off, do: assign(contact("carol"), openConv("support", "carol"), "alice"),
			want: want{after: st(StatusOpen, "support", "carol", "carol"), code: "owner_team_mismatch",
				prompt: promptOf(PromptAssign, "alice", "support", "dana", "sales")}},
		// assignee set to Bot or none
		{name: "assign_bot_on_owner_untouched", ws: on, do: assign(contact("carol"), openConv("support", "carol"), Bot),
			want: want{after: st(StatusOpen, "support", Bot, "carol"), code: "manual_assign", explain: []string{"Dana assigned Bot; the contact owner is untouched"}}},
		{name: "assign_none_on_owner_untouched", ws: on, do: assign(contact("carol"), openConv("support", "carol"), ""),
			want: want{after: st(StatusOpen, "support", "", "carol"), code: "manual_assign", explain: []string{"Dana unassigned the conversation; the contact owner is untouched"}}},
		{name: "assign_bot_off", ws: off, do: assign(contact("carol"), openConv("support", "carol"), Bot),
			want: want{after: st(StatusOpen, "support", Bot, "carol"), code: "manual_assign"}},
		{name: "assign_none_off", ws: off, do: assign(contact("carol"), openConv("support", Bot), ""),
			want: want{after: st(StatusOpen, "support", "", "carol"), code: "manual_assign"}},
		{name: "assign_same_no_note", ws: on, do: assign(contact("carol"), openConv("support", "carol"), "carol"),
			want: want{after: st(StatusOpen, "support", "carol", "carol"), code: "manual_assign", noNote: true}},
		// owner set to X, X in the conversation's team
		{name: "owner_in_team_on", ws: on, do: owner(contact("bob"), openConv("support", "bob"), "carol"),
			want: want{after: st(StatusOpen, "support", "carol", "carol"), code: "manual_owner",
				explain: []string{"Dana made Carol the contact owner; Carol is in Support, so Carol is the assignee too"}}},
		{name: "owner_in_team_on_ends_bot_hold", ws: on, do: owner(contact(""), held, "gina"),
			want: want{after: st(StatusOpen, "support", "gina", "gina"), code: "manual_owner"}},
		{name: "owner_in_team_off", ws: off, do: owner(contact("bob"), openConv("support", "bob"), "carol"),
			want: want{after: st(StatusOpen, "support", "bob", "carol"), code: "manual_owner",
				explain: []string{"Dana made Carol the contact owner (contact owner-based routing is off, so the assignee is unchanged)"}}},
		{name: "owner_without_conversation_on", ws: on, do: owner(contact(""), newConv(), "carol"),
			want: want{after: State{Owner: "carol"}, code: "manual_owner"}},
		// owner set to X, X not in the team
		{name: "owner_not_in_team_on_prompt", ws: on, do: owner(contact("carol"), openConv("support", "carol"), "erin"),
			want: want{after: st(StatusOpen, "support", "carol", "erin"), code: "manual_owner",
				prompt:  promptOf(PromptOwner, "erin", "support", "dana", "sales", "billing"),
				explain: []string{"Dana made Erin the contact owner; Erin is not in Support, so the assignee stays Carol until Dana decides"}}},
		{name: "owner_not_in_team_off_no_prompt", ws: off, do: owner(contact("carol"), openConv("support", "carol"), "erin"),
			want: want{after: st(StatusOpen, "support", "carol", "erin"), code: "manual_owner"}},
		// owner cleared
		{name: "owner_cleared_on", ws: on, do: owner(contact("carol"), openConv("support", "carol"), ""),
			want: want{after: st(StatusOpen, "support", "carol", ""), code: "manual_owner",
				explain: []string{"Dana cleared the contact owner (was Carol); the assignee is untouched"}}},
		{name: "owner_cleared_off", ws: off, do: owner(contact("carol"), openConv("support", "carol"), ""),
			want: want{after: st(StatusOpen, "support", "carol", ""), code: "manual_owner"}},
		// team changed to one that does not include the assignee
		{name: "team_change_unassigns_on", ws: on, do: team(contact("carol"), openConv("support", "carol"), "billing"),
			want: want{after: st(StatusOpen, "billing", "", "carol"), code: "team_change",
				explain: []string{"Dana moved the conversation from Support to Billing; Carol is not in Billing, so it is unassigned (round robin is off); the contact owner is untouched"}}},
		{name: "team_change_unassigns_off", ws: off, do: team(contact("carol"), openConv("support", "carol"), "billing"),
			want: want{after: st(StatusOpen, "billing", "", "carol"), code: "team_change"}},
		{name: "team_change_round_robin_on", ws: onRR, do: team(contact("carol"), openConv("support", "carol"), "billing"),
			want: want{after: st(StatusOpen, "billing", "erin", "carol"), code: "team_change", pick: Pick{Team: "billing", Operator: "erin", Seq: 1},
				explain: []string{"Carol is not in Billing, so round robin in Billing: Hank skipped (away); picked Erin (least recently assigned); the contact owner is untouched"}}},
		{name: "team_change_round_robin_off_mode", ws: offRR, do: team(contact(""), openConv("sales", "alice"), "support"),
			want: want{after: st(StatusOpen, "support", "carol", ""), code: "team_change", pick: Pick{Team: "support", Operator: "carol", Seq: 1}}},
		{name: "team_change_round_robin_no_candidate_bot", ws: erinAway, do: team(contact(""), openConv("support", "gina"), "sales"),
			want: want{after: inBacklog(st(StatusOpen, "sales", Bot, "")), code: "team_change", explain: []string{"nobody online to pick, so Bot has it"}}},
		{name: "team_change_bot_is_no_member", ws: on, do: team(contact(""), held, "sales"),
			want: want{after: st(StatusOpen, "sales", "", ""), code: "team_change"}},
		{name: "team_change_assignee_in_new_team_stays", ws: onRR, do: team(contact("bob"), openConv("sales", "erin"), "billing"),
			want: want{after: st(StatusOpen, "billing", "erin", "bob"), code: "team_change", explain: []string{"it stays with Erin"}}},
		{name: "team_change_unassigned_stays_unassigned", ws: onRR, do: team(contact(""), openConv("sales", ""), "billing"),
			want: want{after: st(StatusOpen, "billing", "", ""), code: "team_change"}},
	})
}

// The team-mismatch prompt: accept with the chosen team, decline, who may answer.
func TestPrompt(t *testing.T) {
	on, off := fixture(), fixture(routingOff)
	assignPrompt := withPrompt(openConv("support", "carol"), promptOf(PromptAssign, "erin", "support", "dana", "sales", "billing"))
	ownerPrompt := withPrompt(openConv("support", "carol"), promptOf(PromptOwner, "erin", "support", "dana", "sales", "billing"))
	inboundPrompt := withPrompt(openConv("support", ""), promptOf(PromptInbound, "alice", "support", Routing, "sales"))
	answer := func(actor string, c Contact, conv Conversation, accept bool, team string) func(*Workspace) (Decision, error) {
		return func(w *Workspace) (Decision, error) { return DecideAnswer(w, actor, c, conv, accept, team, t0) }
	}
	runActions(t, []actionCase{
		{name: "accept_assign_chosen_team_on", ws: on, do: answer("dana", contact("carol"), assignPrompt, true, "billing"),
			want: want{after: st(StatusOpen, "billing", "erin", "erin"), code: "prompt_accepted", clear: true,
				explain: []string{"Assigned to Erin in Billing — Dana accepted the team change (Erin is in Billing, not in Support)"}}},
		{name: "accept_assign_first_choice_by_default", ws: on, do: answer("dana", contact("carol"), assignPrompt, true, ""),
			want: want{after: st(StatusOpen, "sales", "erin", "erin"), code: "prompt_accepted", clear: true}},
		{name: "accept_assign_off_owner_untouched", ws: off, do: answer("dana", contact("carol"), assignPrompt, true, "billing"),
			want: want{after: st(StatusOpen, "billing", "erin", "carol"), code: "prompt_accepted", clear: true}},
		{name: "decline_assign_changes_nothing", ws: on, do: answer("dana", contact("carol"), assignPrompt, false, ""),
			want: want{after: st(StatusOpen, "support", "carol", "carol"), code: "prompt_declined", clear: true,
				explain: []string{"Dana declined moving the conversation to Erin's team; nothing changed"}}},
		{name: "accept_owner_chosen_team", ws: on, do: answer("dana", contact("erin"), ownerPrompt, true, "billing"),
			want: want{after: st(StatusOpen, "billing", "erin", "erin"), code: "prompt_accepted", clear: true}},
		{name: "decline_owner_bot_and_notify", ws: on, do: answer("dana", contact("erin"), ownerPrompt, false, ""),
			want: want{after: State{Status: StatusOpen, Team: "support", Assignee: Bot, Owner: "erin", BotHold: true}, code: "prompt_declined", clear: true, notify: "erin",
				explain: []string{"Assigned to Bot — Erin could not be assigned: not in Support (Dana declined the team change)"}}},
		{name: "accept_inbound_by_owner", ws: on, do: answer("alice", contact("alice"), inboundPrompt, true, "sales"),
			want: want{after: st(StatusOpen, "sales", "alice", "alice"), code: "prompt_accepted", clear: true,
				explain: []string{"Assigned to Alice in Sales — Alice accepted the team change"}}},
		{name: "accept_inbound_by_admin", ws: on, do: answer("dana", contact("alice"), inboundPrompt, true, ""),
			want: want{after: st(StatusOpen, "sales", "alice", "alice"), code: "prompt_accepted", clear: true}},
		{name: "decline_inbound_bot_and_notify_owner", ws: on, do: answer("dana", contact("alice"), inboundPrompt, false, ""),
			want: want{after: State{Status: StatusOpen, Team: "support", Assignee: Bot, Owner: "alice", BotHold: true}, code: "prompt_declined", clear: true, notify: "alice",
				explain: []string{"Alice could not be assigned: not in Support"}}},
	})

	t.Run("notification_text_explains_team", func(t *testing.T) {
		d := must(t)(DecideAnswer(on, "dana", contact("alice"), inboundPrompt, false, "", t0))
		n := d.Notifications()
		if len(n) != 1 || n[0].To != "alice" || n[0].Text != "You could not be assigned to Maya: you are not in Support (Dana declined moving the conversation to your team)" {
			t.Fatalf("Notifications() = %+v", n)
		}
	})
	t.Run("accept_team_without_target_invalid", func(t *testing.T) {
		_, err := DecideAnswer(on, "dana", contact("carol"), assignPrompt, true, "support", t0)
		mustRefuse(t, err, Invalid)
		_, err = DecideAnswer(on, "dana", contact("carol"), assignPrompt, true, "nope", t0)
		mustRefuse(t, err, NotFound)
	})
	t.Run("accept_target_in_no_team_invalid_decline_ok", func(t *testing.T) {
		p := withPrompt(openConv("support", ""), promptOf(PromptInbound, "frank", "support", Routing))
		_, err := DecideAnswer(on, "frank", contact("frank"), p, true, "", t0)
		mustRefuse(t, err, Invalid)
		d := must(t)(DecideAnswer(on, "frank", contact("frank"), p, false, "", t0))
		if d.After.Assignee != Bot || d.Notify != "frank" {
			t.Fatalf("decline: %+v notify %q", d.After, d.Notify)
		}
	})
	t.Run("who_answers_person_who_raised_it", func(t *testing.T) {
		for _, who := range []string{"alice", "erin", "carol"} {
			_, err := DecideAnswer(on, who, contact("carol"), assignPrompt, true, "", t0)
			mustRefuse(t, err, Forbidden)
			if CanAnswer(on, who, assignPrompt.Prompt) {
				t.Errorf("CanAnswer(%s) on a prompt Dana raised", who)
			}
		}
		if !CanAnswer(on, "dana", ownerPrompt.Prompt) {
			t.Errorf("Dana cannot answer her own prompt")
		}
	})
	t.Run("who_answers_inbound_owner_or_any_admin", func(t *testing.T) {
		for who, ok := range map[string]bool{"alice": true, "dana": true, "carol": false, "erin": false, "zed": false, Bot: false} {
			if CanAnswer(on, who, inboundPrompt.Prompt) != ok {
				t.Errorf("CanAnswer(%s) = %v", who, !ok)
			}
			_, err := DecideAnswer(on, who, contact("alice"), inboundPrompt, false, "", t0)
			if ok != (err == nil) {
				t.Errorf("DecideAnswer by %s: %v", who, err)
			}
		}
		_, err := DecideAnswer(on, "carol", contact("alice"), inboundPrompt, true, "", t0)
		mustRefuse(t, err, Forbidden)
		// the owner need not be an admin
		p := withPrompt(openConv("sales", ""), promptOf(PromptInbound, "carol", "sales", Routing, "support"))
		must(t)(DecideAnswer(on, "carol", contact("carol"), p, true, "", t0))
	})
	t.Run("second_answer_already_decided", func(t *testing.T) {
		for _, accept := range []bool{true, false} {
			d := must(t)(DecideAnswer(on, "alice", contact("alice"), inboundPrompt, accept, "", t0))
			after := d.Apply(inboundPrompt)
			if after.Prompt != nil {
				t.Fatalf("prompt survives the answer")
			}
			_, err := DecideAnswer(on, "dana", contact("alice"), after, !accept, "", t0)
			mustRefuse(t, err, AlreadyDecided)
			if err.Error() != "No team decision is waiting on Maya: it was already decided, or none was raised" {
				t.Errorf("error text %q", err.Error())
			}
		}
	})
	t.Run("pending_prompt_blocks_actions_close_withdraws", func(t *testing.T) {
		_, err := DecideAssign(on, "dana", contact("carol"), ownerPrompt, "gina", t0)
		mustRefuse(t, err, Conflict)
		_, err = DecideOwner(on, "dana", contact("carol"), ownerPrompt, "gina", t0)
		mustRefuse(t, err, Conflict)
		_, err = DecideOwner(on, "dana", contact("carol"), ownerPrompt, "", t0)
		mustRefuse(t, err, Conflict)
		_, err = DecideTeam(on, "dana", contact("carol"), ownerPrompt, "sales", t0)
		mustRefuse(t, err, Conflict)
		d := must(t)(DecideClose(on, "dana", contact("erin"), ownerPrompt, false, t0))
		check(t, d, want{after: st(StatusClosed, "support", "carol", "erin"), code: "closed", clear: true,
			explain: []string{"Dana closed the conversation; the waiting team decision was withdrawn"}})
		if d.Apply(ownerPrompt).Prompt != nil {
			t.Fatalf("close kept the prompt")
		}
	})
	t.Run("prompt_choices_and_time", func(t *testing.T) {
		d := must(t)(DecideAssign(on, "dana", contact(""), openConv("support", ""), "erin", t0))
		conv := d.Apply(openConv("support", ""))
		if conv.Prompt == nil || !conv.Prompt.At.Equal(t0) || conv.Assignee != "" || conv.Team != "support" {
			t.Fatalf("conversation after assign prompt: %+v %+v", conv, conv.Prompt)
		}
	})
}

// Refusals: nothing changes and the person is told why.
func TestActionRefusals(t *testing.T) {
	on := fixture()
	conv := openConv("support", "carol")
	_, err := DecideAssign(on, "zed", contact(""), conv, "gina", t0)
	mustRefuse(t, err, NotFound)
	_, err = DecideAssign(on, "dana", contact(""), newConv(), "gina", t0)
	mustRefuse(t, err, NotFound)
	_, err = DecideAssign(on, "dana", contact(""), conv, "zed", t0)
	mustRefuse(t, err, NotFound)
	_, err = DecideAssign(on, "dana", contact(""), conv, "frank", t0)
	mustRefuse(t, err, Invalid)
	_, err = DecideOwner(on, "dana", contact(""), conv, Bot, t0)
	mustRefuse(t, err, Invalid)
	_, err = DecideOwner(on, "dana", contact(""), conv, "zed", t0)
	mustRefuse(t, err, NotFound)
	_, err = DecideTeam(on, "dana", contact(""), conv, "nope", t0)
	mustRefuse(t, err, NotFound)
	_, err = DecideTeam(on, "dana", contact(""), newConv(), "sales", t0)
	mustRefuse(t, err, NotFound)
	_, err = DecideClose(on, "dana", contact(""), newConv(), false, t0)
	mustRefuse(t, err, NotFound)
	_, err = DecideClose(on, "dana", contact(""), closedConv("support", ""), false, t0)
	mustRefuse(t, err, Conflict)
	_, err = DecideAnswer(on, "dana", contact(""), conv, true, "", t0)
	mustRefuse(t, err, AlreadyDecided)
}

func TestClose(t *testing.T) {
	held := openConv("sales", Bot)
	held.BotHold = true
	runActions(t, []actionCase{
		{name: "close_keeps_assignee_and_team", ws: fixture(), do: func(w *Workspace) (Decision, error) {
			return DecideClose(w, "erin", contact("erin"), openConv("billing", "erin"), false, t0)
		}, want: want{after: st(StatusClosed, "billing", "erin", "erin"), code: "closed", explain: []string{"Erin closed the conversation"}}},
		{name: "close_ends_bot_hold", ws: fixture(), do: func(w *Workspace) (Decision, error) {
			return DecideClose(w, "erin", contact("alice"), held, false, t0)
		}, want: want{after: st(StatusClosed, "sales", Bot, "alice"), code: "closed"}},
		{name: "reopen_only_status_off", ws: fixture(routingOff), do: func(w *Workspace) (Decision, error) {
			return DecideClose(w, "erin", contact("alice"), closedConv("sales", Bot), true, t0)
		}, want: want{after: st(StatusOpen, "sales", Bot, "alice"), code: "reopened"}},
	})
}

// TestCancel: the person whose own edit raised a prompt takes the edit back — for an owner
// edit the owner (and cover) from before return, for an assign edit nothing had changed; a
// prompt raised by a message or call, or someone else's, cannot be cancelled.
func TestCancel(t *testing.T) {
	on := fixture()
	owner := promptOf(PromptOwner, "erin", "support", "dana", "sales", "billing")
	owner.PrevOwner = "carol"
	ownerPrompt := withPrompt(openConv("support", "carol"), owner)
	assignPrompt := withPrompt(openConv("support", "carol"), promptOf(PromptAssign, "erin", "support", "dana", "sales", "billing"))
	cancel := func(actor string, c Contact, conv Conversation) func(*Workspace) (Decision, error) {
		return func(w *Workspace) (Decision, error) { return DecideCancel(w, actor, c, conv, t0) }
	}
	runActions(t, []actionCase{
		{name: "cancel_owner_edit_owner_back", ws: on, do: cancel("dana", contact("erin"), ownerPrompt),
			want: want{after: st(StatusOpen, "support", "carol", "carol"), code: "prompt_cancelled", clear: true,
				explain: []string{"Dana cancelled making Erin the contact owner: Carol is the contact owner again; nothing else changed"}}},
		{name: "cancel_assign_edit_nothing_changed", ws: on, do: cancel("dana", contact("carol"), assignPrompt),
			want: want{after: st(StatusOpen, "support", "carol", "carol"), code: "prompt_cancelled", clear: true,
				explain: []string{"Dana cancelled assigning Erin; nothing changed"}}},
	})
	inbound := withPrompt(openConv("support", ""), promptOf(PromptInbound, "alice", "support", Routing, "sales"))
	_, err := DecideCancel(on, "dana", contact("alice"), inbound, t0)
	mustRefuse(t, err, Invalid)
	_, err = DecideCancel(on, "alice", contact("erin"), ownerPrompt, t0)
	mustRefuse(t, err, Forbidden)
	_, err = DecideCancel(on, "dana", contact("carol"), openConv("support", "carol"), t0)
	mustRefuse(t, err, AlreadyDecided)
}
