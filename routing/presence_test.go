package routing

import (
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // the tests name real zones on any machine
)

// The tables of "Routing that knows who is there" (docs/routing.md), one test per row, each
// run with contact owner-based routing on and off. The fixture is the one of helpers_test.go:
// Bob (Support, operator) is offline, Hank (Billing) is away; t0 is Friday 2025-03-14 09:30 UTC.

var berlin = mustZone("Europe/Berlin")

func mustZone(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// officeHours: Monday to Friday 09:00–17:00 in Berlin (t0 is 10:30 there, within them).
func officeHours() Hours {
	h := Hours{Loc: berlin}
	for _, d := range []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday} {
		h.Week[d] = []Span{{From: 9 * 60, To: 17 * 60}}
	}
	return h
}

// evening is Friday 18:30 in Berlin: outside officeHours, which start again Monday 09:00.
var evening = time.Date(2025, 3, 14, 17, 30, 0, 0, time.UTC)

func awayWait(d time.Duration) func(*Settings) {
	return func(s *Settings) { s.AwayWait = Wait{On: true, D: d} }
}
func withHours(s *Settings)     { s.Hours = officeHours() }
func holidayOn(s *Settings)     { s.Holiday = true }
func balancedOn(s *Settings)    { s.Assignment = AssignBalanced }
func roundRobinOff(s *Settings) { s.RoundRobin = false }
func defaultMax(n int) func(*Settings) {
	return func(s *Settings) { s.MaxOpen = n }
}

// presenceWS builds the fixture with settings mods, operator changes and loads.
type presenceWS struct {
	mods  []func(*Settings)
	ops   func([]Operator)
	loads map[string]int
	rr    map[string]RoundRobinState
}

func (p presenceWS) build(on bool) *Workspace {
	s := fixtureSettings()
	for _, m := range p.mods {
		m(&s)
	}
	if !on {
		s.ContactOwnerRouting = false
	}
	ops := fixtureOps()
	if p.ops != nil {
		p.ops(ops)
	}
	w := NewWorkspace(s, ops, fixtureTeams(), p.rr)
	for id, n := range p.loads {
		w.SetLoad(id, n)
	}
	return w
}

func status(id string, p Presence) func([]Operator) {
	return func(ops []Operator) {
		for i := range ops {
			if ops[i].ID == id {
				ops[i].Status = p
			}
		}
	}
}

func both(fs ...func([]Operator)) func([]Operator) {
	return func(ops []Operator) {
		for _, f := range fs {
			f(ops)
		}
	}
}

// presenceCase is one row: the same event routed with owner routing on and off.
type presenceCase struct {
	name    string
	ws      presenceWS
	c       Contact
	conv    Conversation
	ev      Inbound
	on, off want
}

func runPresence(t *testing.T, cases []presenceCase) {
	t.Helper()
	for _, tc := range cases {
		for _, on := range []bool{true, false} {
			name, w := tc.name+"/routing_on", tc.on
			if !on {
				name, w = tc.name+"/routing_off", tc.off
			}
			t.Run(name, func(t *testing.T) {
				ws := tc.ws.build(on)
				d := DecideInbound(ws, tc.c, tc.conv, tc.ev)
				check(t, d, w)
				again := DecideInbound(ws, tc.c, tc.conv, tc.ev)
				if again.After != d.After || again.Explain() != d.Explain() || !again.WaitUntil.Equal(d.WaitUntil) {
					t.Errorf("invariant 7: %+v then %+v", d.After, again.After)
				}
			})
		}
	}
}

func at(ev Inbound, t time.Time) Inbound { ev.At = t; return ev }

// Owner away: wait, then cover (setting owner_away_wait). Rows of its table.
func TestOwnerAway(t *testing.T) {
	rr := []func(*Settings){roundRobinOn}
	nobody := both(status("carol", Away), status("gina", Offline))
	bobCover := covered(st(StatusOpen, "support", "carol", "bob"), "bob")
	runPresence(t, []presenceCase{
		{
			name: "setting_off_owner_assigned",
			ws:   presenceWS{mods: rr}, c: contact("bob"), conv: closedConv("support", "gina"), ev: msg("hi"),
			on: want{after: st(StatusOpen, "support", "bob", "bob"), code: "owner",
				explain: []string{"Assigned to Bob — contact owner (rule 2a); Bob is in Support (offline; the owner-away wait is off)"}},
			off: want{after: st(StatusOpen, "support", "carol", "bob"), code: "round_robin", pick: Pick{Team: "support", Operator: "carol", Seq: 1}},
		},
		{
			name: "wait_0_cover_by_round_robin",
			ws:   presenceWS{mods: append(rr, awayWait(0))}, c: contact("bob"), conv: closedConv("support", "gina"), ev: msg("hi"),
			on: want{after: bobCover, code: "owner_away", pick: Pick{Team: "support", Operator: "carol", Seq: 1},
				explain: []string{"Covered by Carol — contact owner Bob is offline (owner away, no wait); round robin in Support: Bob skipped (offline), Dana skipped (admin); picked Carol (least recently assigned); Bob stays the contact owner and gets it back on the next reopen"}},
			off: want{after: st(StatusOpen, "support", "carol", "bob"), code: "round_robin", pick: Pick{Team: "support", Operator: "carol", Seq: 1}},
		},
		{
			name: "wait_0_cover_new_conversation_in_default_team",
			ws:   presenceWS{mods: append(rr, awayWait(0))}, c: contact("bob"), conv: newConv(), ev: call(),
			on:  want{after: bobCover, code: "owner_away", pick: Pick{Team: "support", Operator: "carol", Seq: 1}, explain: []string{"Covered by Carol"}},
			off: want{after: st(StatusOpen, "support", "carol", "bob"), code: "round_robin", pick: Pick{Team: "support", Operator: "carol", Seq: 1}},
		},
		{
			name: "wait_0_rules_do_not_run",
			ws:   presenceWS{mods: append(rr, awayWait(0), withRules(Rule{Name: "refunds", Keyword: "refund", To: Target{Kind: TargetTeam, ID: "billing"}}))},
			c:    contact("bob"), conv: closedConv("support", "gina"), ev: msg("refund"),
			on:  want{after: bobCover, code: "owner_away", pick: Pick{Team: "support", Operator: "carol", Seq: 1}},
			off: want{after: st(StatusOpen, "billing", "erin", "bob"), code: "rule:refunds", pick: Pick{Team: "billing", Operator: "erin", Seq: 1}},
		},
		{
			name: "wait_0_no_cover_candidate_bot_team_kept_owner_notified",
			ws:   presenceWS{mods: append(rr, awayWait(0)), ops: nobody}, c: contact("bob"), conv: closedConv("support", "gina"), ev: msg("hi"),
			on: want{after: covered(inBacklog(st(StatusOpen, "support", Bot, "bob")), "bob"), code: "owner_away", notify: "bob",
				explain: []string{"Assigned to Bot in Support — contact owner Bob is offline (owner away, no wait) and nobody can cover (round robin in Support: Bob skipped (offline), Dana skipped (admin), Carol skipped (away), Gina skipped (offline); nobody online to pick, so Bot has it in the team's backlog); Bob stays the contact owner and is told"}},
			off: want{after: inBacklog(st(StatusOpen, "support", Bot, "bob")), code: "round_robin"},
		},
		{
			name: "wait_0_round_robin_off_bot_owner_notified",
			ws:   presenceWS{mods: []func(*Settings){awayWait(0)}}, c: contact("bob"), conv: closedConv("support", "gina"), ev: msg("hi"),
			on: want{after: covered(st(StatusOpen, "support", Bot, "bob"), "bob"), code: "owner_away", notify: "bob",
				explain: []string{"Assigned to Bot in Support — contact owner Bob is offline (owner away, no wait) and nobody can cover (round robin is off); Bob stays the contact owner and is told"}},
			off: want{after: st(StatusOpen, "support", Bot, "bob"), code: "default"},
		},
		{
			name: "wait_0_outside_hours_bot_backlog",
			ws:   presenceWS{mods: append(rr, awayWait(0), withHours)}, c: contact("bob"), conv: closedConv("support", "gina"), ev: at(msg("hi"), evening),
			on: want{after: covered(inBacklog(st(StatusOpen, "support", Bot, "bob")), "bob"), code: "owner_away", notify: "bob",
				explain: []string{"nobody can cover (round robin in Support does not run outside working hours (Mon–Fri 09:00–17:00 (Europe/Berlin)), so Bot has it in the team's backlog until hours start Mon 09:00 Europe/Berlin)"}},
			off: want{after: inBacklog(st(StatusOpen, "support", Bot, "bob")), code: "outside_hours"},
		},
		{
			name: "wait_0_bot_already_waiting_for_a_cover_changes_nothing",
			ws:   presenceWS{mods: append(rr, awayWait(0)), ops: nobody}, c: contact("bob"),
			conv: Conversation{Status: StatusOpen, Team: "support", Assignee: Bot, Cover: "bob", Backlog: true}, ev: msg("hello?"),
			on:  want{after: covered(inBacklog(st(StatusOpen, "support", Bot, "bob")), "bob"), code: "owner_away", noNote: true},
			off: want{after: covered(inBacklog(st(StatusOpen, "support", Bot, "bob")), "bob"), code: "kept", noNote: true},
		},
		{
			name: "wait_0_owner_online_gets_it",
			ws:   presenceWS{mods: append(rr, awayWait(0))}, c: contact("gina"), conv: closedConv("support", "carol"), ev: msg("hi"),
			on:  want{after: st(StatusOpen, "support", "gina", "gina"), code: "owner"},
			off: want{after: st(StatusOpen, "support", "carol", "gina"), code: "round_robin", pick: Pick{Team: "support", Operator: "carol", Seq: 1}},
		},
		{
			name: "wait_D_owner_assigned_timer_armed",
			ws:   presenceWS{mods: append(rr, awayWait(10*time.Minute))}, c: contact("bob"), conv: closedConv("support", "gina"), ev: msg("hi"),
			on: want{after: st(StatusOpen, "support", "bob", "bob"), code: "owner_away_wait", waitUntil: t0.Add(10 * time.Minute),
				explain: []string{"Assigned to Bob — contact owner (rule 2a); Bob is in Support but offline: if Bob is not online and nobody has replied by Fri 09:40 UTC (in 10m), a cover takes it"}},
			off: want{after: st(StatusOpen, "support", "carol", "bob"), code: "round_robin", pick: Pick{Team: "support", Operator: "carol", Seq: 1}},
		},
		{
			name: "wait_D_away_owner_hours_zone",
			ws:   presenceWS{mods: append(rr, awayWait(90*time.Minute), withHours), ops: status("bob", Away)}, c: contact("bob"), conv: newConv(), ev: msg("hi"),
			on: want{after: st(StatusOpen, "support", "bob", "bob"), code: "owner_away_wait", waitUntil: t0.Add(90 * time.Minute),
				explain: []string{"Bob is in Support but away: if Bob is not online and nobody has replied by Fri 12:00 Europe/Berlin (in 1h30m)"}},
			off: want{after: st(StatusOpen, "support", "carol", "bob"), code: "round_robin", pick: Pick{Team: "support", Operator: "carol", Seq: 1}},
		},
	})
}

// A timer fires: the owner-away wait ran out.
func TestOwnerAwayTimer(t *testing.T) {
	rr := presenceWS{mods: []func(*Settings){roundRobinOn, awayWait(10 * time.Minute)}}
	waiting := openConv("support", "bob")
	later := t0.Add(10 * time.Minute)
	cases := []struct {
		name    string
		ws      presenceWS
		conv    Conversation
		facts   AwayFacts
		on, off want
	}{
		{name: "timer_fires_owner_still_away_no_reply_cover", ws: rr, conv: waiting, facts: AwayFacts{Owner: "bob"},
			on: want{after: covered(st(StatusOpen, "support", "carol", "bob"), "bob"), code: "owner_away_fallback", pick: Pick{Team: "support", Operator: "carol", Seq: 1},
				explain: []string{"Covered by Carol — contact owner Bob is still offline after 10m and nobody replied (owner away, wait 10m); round robin in Support: Bob skipped (offline), Dana skipped (admin); picked Carol (least recently assigned); Bob stays the contact owner"}},
			off: want{after: st(StatusOpen, "support", "bob", "bob"), code: "kept", noNote: true, explain: []string{"contact owner-based routing is off now"}}},
		{name: "timer_fires_no_cover_candidate_bot_owner_notified", ws: presenceWS{mods: rr.mods, ops: both(status("carol", Away), status("gina", Away))},
			conv: waiting, facts: AwayFacts{Owner: "bob"},
			on:  want{after: covered(inBacklog(st(StatusOpen, "support", Bot, "bob")), "bob"), code: "owner_away_fallback", notify: "bob", explain: []string{"nobody can cover"}},
			off: want{after: st(StatusOpen, "support", "bob", "bob"), code: "kept", noNote: true}},
		{name: "timer_fires_owner_online_again_nothing", ws: presenceWS{mods: rr.mods, ops: status("bob", Online)}, conv: waiting, facts: AwayFacts{Owner: "bob"},
			on:  want{after: st(StatusOpen, "support", "bob", "bob"), code: "kept", noNote: true, explain: []string{"Bob is online again"}},
			off: want{after: st(StatusOpen, "support", "bob", "bob"), code: "kept", noNote: true}},
		{name: "timer_fires_after_a_reply_nothing", ws: rr, conv: waiting, facts: AwayFacts{Owner: "bob", Replied: true},
			on:  want{after: st(StatusOpen, "support", "bob", "bob"), code: "kept", noNote: true, explain: []string{"someone replied"}},
			off: want{after: st(StatusOpen, "support", "bob", "bob"), code: "kept", noNote: true}},
		{name: "timer_fires_conversation_closed_nothing", ws: rr, conv: closedConv("support", "bob"), facts: AwayFacts{Owner: "bob"},
			on:  want{after: st(StatusClosed, "support", "bob", "bob"), code: "kept", noNote: true, explain: []string{"closed"}},
			off: want{after: st(StatusClosed, "support", "bob", "bob"), code: "kept", noNote: true}},
		{name: "timer_fires_after_reassignment_nothing", ws: rr, conv: openConv("support", "gina"), facts: AwayFacts{Owner: "bob", Changed: true},
			on:  want{after: st(StatusOpen, "support", "gina", "bob"), code: "kept", noNote: true, explain: []string{"reassigned or changed"}},
			off: want{after: st(StatusOpen, "support", "gina", "bob"), code: "kept", noNote: true}},
		{name: "timer_fires_wait_turned_off_nothing", ws: presenceWS{mods: []func(*Settings){roundRobinOn}}, conv: waiting, facts: AwayFacts{Owner: "bob"},
			on:  want{after: st(StatusOpen, "support", "bob", "bob"), code: "kept", noNote: true, explain: []string{"wait is off now"}},
			off: want{after: st(StatusOpen, "support", "bob", "bob"), code: "kept", noNote: true}},
	}
	for _, tc := range cases {
		for _, on := range []bool{true, false} {
			name, w := tc.name+"/routing_on", tc.on
			if !on {
				name, w = tc.name+"/routing_off", tc.off
			}
			t.Run(name, func(t *testing.T) {
				ws := tc.ws.build(on)
				d := DecideAwayTimer(ws, contact("bob"), tc.conv, tc.facts, later)
				if d.Kind != KindAwayTimer || d.Actor != Routing || !d.At.Equal(later) {
					t.Errorf("Kind/Actor/At = %v/%q/%v", d.Kind, d.Actor, d.At)
				}
				check(t, d, w)
				// invariant 8: a timer changes only what its row says: assignee, cover, backlog
				if d.After.Owner != d.Before.Owner || d.After.Team != d.Before.Team || d.After.Status != d.Before.Status {
					t.Errorf("the timer changed more than its row: %+v -> %+v", d.Before, d.After)
				}
			})
		}
	}
}

// Covers: what a cover is and when it ends.
func TestCovers(t *testing.T) {
	rr := []func(*Settings){roundRobinOn, awayWait(0)}
	cover := Conversation{Status: StatusOpen, Team: "support", Assignee: "carol", Cover: "bob"}
	closedCover := cover
	closedCover.Status = StatusClosed
	runPresence(t, []presenceCase{
		{
			name: "row_1_keeps_the_cover_owner_untouched",
			ws:   presenceWS{mods: rr}, c: contact("bob"), conv: cover, ev: msg("thanks"),
			on: want{after: covered(st(StatusOpen, "support", "carol", "bob"), "bob"), code: "active_assignee", noNote: true,
				explain: []string{"Stays with Carol — covering for Bob, offline (rule 1); Bob stays the contact owner"}},
			off: want{after: covered(st(StatusOpen, "support", "carol", "bob"), "bob"), code: "kept", noNote: true},
		},
		{
			name: "owner_back_online_does_not_take_the_cover",
			ws:   presenceWS{mods: rr, ops: status("bob", Online)}, c: contact("bob"), conv: cover, ev: call(),
			on:  want{after: covered(st(StatusOpen, "support", "carol", "bob"), "bob"), code: "active_assignee", noNote: true, explain: []string{"covering for Bob (rule 1)"}},
			off: want{after: covered(st(StatusOpen, "support", "carol", "bob"), "bob"), code: "kept", noNote: true},
		},
		{
			name: "cover_for_a_former_owner_is_no_cover_row_1_owner_follows",
			ws:   presenceWS{mods: rr}, c: contact("gina"), conv: cover, ev: msg("hi"),
			on:  want{after: st(StatusOpen, "support", "carol", "carol"), code: "active_assignee", explain: []string{"contact owner changed from Gina to Carol"}},
			off: want{after: covered(st(StatusOpen, "support", "carol", "gina"), "bob"), code: "kept", noNote: true},
		},
		{
			name: "closed_cover_ends_reopen_goes_back_to_owner",
			ws:   presenceWS{mods: rr, ops: status("bob", Online)}, c: contact("bob"), conv: closedCover, ev: msg("me again"),
			on: want{after: st(StatusOpen, "support", "bob", "bob"), code: "cover_ended",
				explain: []string{"Back with Bob — contact owner (rule 2a); Carol's cover for Bob ended when the conversation closed; Bob is in Support"}},
			// routing off: no covers; round robin, in which Bob, online now, comes first
			off: want{after: st(StatusOpen, "support", "bob", "bob"), code: "round_robin", pick: Pick{Team: "support", Operator: "bob", Seq: 1}},
		},
		{
			name: "closed_cover_owner_still_away_new_cover",
			ws:   presenceWS{mods: rr, rr: map[string]RoundRobinState{"support": {Seq: 1, Last: map[string]uint64{"carol": 1}}}},
			c:    contact("bob"), conv: closedCover, ev: msg("me again"),
			on:  want{after: covered(st(StatusOpen, "support", "gina", "bob"), "bob"), code: "owner_away", pick: Pick{Team: "support", Operator: "gina", Seq: 2}},
			off: want{after: st(StatusOpen, "support", "gina", "bob"), code: "round_robin", pick: Pick{Team: "support", Operator: "gina", Seq: 2}},
		},
	})
	t.Run("closing_ends_the_cover", func(t *testing.T) {
		for _, on := range []bool{true, false} {
			d := must(t)(DecideClose(presenceWS{mods: rr}.build(on), "dana", contact("bob"), cover, false, t0))
			check(t, d, want{after: covered(st(StatusClosed, "support", "carol", "bob"), "bob"), code: "closed",
				explain: []string{"Dana closed the conversation; Carol's cover for Bob ends, so the next message or call goes back to Bob"}})
		}
	})
	t.Run("a_person_assigning_ends_the_cover", func(t *testing.T) {
		d := must(t)(DecideAssign(presenceWS{mods: rr}.build(true), "dana", contact("bob"), cover, "carol", t0))
		check(t, d, want{after: st(StatusOpen, "support", "carol", "carol"), code: "manual_assign", explain: []string{"Carol is now the contact owner too"}})
		d = must(t)(DecideAssign(presenceWS{mods: rr}.build(false), "dana", contact("bob"), cover, "gina", t0))
		check(t, d, want{after: st(StatusOpen, "support", "gina", "bob"), code: "manual_assign"})
	})
	t.Run("an_owner_edit_ends_the_cover", func(t *testing.T) {
		for _, on := range []bool{true, false} {
			d := must(t)(DecideOwner(presenceWS{mods: rr}.build(on), "dana", contact("bob"), cover, "", t0))
			check(t, d, want{after: st(StatusOpen, "support", "carol", ""), code: "manual_owner"})
		}
	})
	t.Run("a_team_change_keeps_a_cover_who_is_in_the_new_team", func(t *testing.T) {
		d := must(t)(DecideTeam(presenceWS{mods: rr}.build(true), "dana", contact("bob"), Conversation{Status: StatusOpen, Team: "billing", Assignee: "erin", Cover: "hank"}, "sales", t0))
		check(t, d, want{after: covered(st(StatusOpen, "sales", "erin", "bob"), "hank"), code: "team_change"})
	})
	t.Run("manual_reopen_keeps_the_cover", func(t *testing.T) {
		d := must(t)(DecideClose(presenceWS{mods: rr}.build(true), "dana", contact("bob"), closedCover, true, t0))
		check(t, d, want{after: covered(st(StatusOpen, "support", "carol", "bob"), "bob"), code: "reopened",
			explain: []string{"Dana reopened the conversation; it stays with Carol, covering for Bob"}})
	})
	t.Run("deleting_the_owner_ends_the_cover", func(t *testing.T) {
		w := NewWorkspace(fixtureSettings(), fixtureOps()[:1], fixtureTeams(), nil)
		d := DecideOperatorDeleted(w, contact("bob"), Conversation{Status: StatusOpen, Team: "support", Assignee: "carol", Cover: "bob"}, "bob", t0)
		if d.After.Cover != "" || d.After.Owner != "" {
			t.Fatalf("after deleting the owner: %+v", d.After)
		}
	})
}

// Working hours and holiday mode: outside hours or in holiday mode, round robin does not run.
func TestWorkingHours(t *testing.T) {
	rr := []func(*Settings){roundRobinOn, withHours}
	refunds := withRules(Rule{Name: "refunds", Keyword: "refund", To: Target{Kind: TargetTeam, ID: "billing"}})
	runPresence(t, []presenceCase{
		{
			name: "outside_hours_bot_with_its_team_note_says_when_hours_start",
			ws:   presenceWS{mods: rr}, c: contact(""), conv: newConv(), ev: at(msg("hi"), evening),
			on: want{after: inBacklog(st(StatusOpen, "support", Bot, "")), code: "outside_hours",
				explain: []string{"No contact owner (rule 3): round robin in Support does not run outside working hours (Mon–Fri 09:00–17:00 (Europe/Berlin)), so Bot has it in the team's backlog until hours start Mon 09:00 Europe/Berlin"}},
			off: want{after: inBacklog(st(StatusOpen, "support", Bot, "")), code: "outside_hours",
				explain: []string{"Round robin in Support does not run outside working hours"}},
		},
		{
			name: "outside_hours_rule_to_a_team",
			ws:   presenceWS{mods: append(rr, refunds)}, c: contact(""), conv: closedConv("support", "carol"), ev: at(msg("refund"), evening),
			on: want{after: inBacklog(st(StatusOpen, "billing", Bot, "")), code: "outside_hours",
				explain: []string{`No contact owner (rule 3): automation rule "refunds" sent it to Billing; round robin in Billing does not run outside working hours`}},
			off: want{after: inBacklog(st(StatusOpen, "billing", Bot, "")), code: "outside_hours", explain: []string{`Automation rule "refunds" sent it to Billing`}},
		},
		{
			name: "within_hours_round_robin_runs",
			ws:   presenceWS{mods: rr}, c: contact(""), conv: newConv(), ev: msg("hi"),
			on:  want{after: st(StatusOpen, "support", "carol", "carol"), code: "round_robin", pick: Pick{Team: "support", Operator: "carol", Seq: 1}},
			off: want{after: st(StatusOpen, "support", "carol", ""), code: "round_robin", pick: Pick{Team: "support", Operator: "carol", Seq: 1}},
		},
		{
			name: "holiday_mode_bot_until_it_is_off",
			ws:   presenceWS{mods: []func(*Settings){roundRobinOn, holidayOn}}, c: contact(""), conv: closedConv("billing", "erin"), ev: call(),
			on: want{after: inBacklog(st(StatusOpen, "billing", Bot, "")), code: "outside_hours",
				explain: []string{"No contact owner (rule 3): round robin in Billing does not run in holiday mode, so Bot has it in the team's backlog until holiday mode is turned off"}},
			off: want{after: inBacklog(st(StatusOpen, "billing", Bot, "")), code: "outside_hours"},
		},
		{
			name: "outside_hours_owner_routing_still_applies",
			ws:   presenceWS{mods: rr}, c: contact("carol"), conv: closedConv("support", "gina"), ev: at(msg("hi"), evening),
			on:  want{after: st(StatusOpen, "support", "carol", "carol"), code: "owner"},
			off: want{after: inBacklog(st(StatusOpen, "support", Bot, "carol")), code: "outside_hours"},
		},
		{
			name: "outside_hours_active_assignee_still_applies",
			ws:   presenceWS{mods: []func(*Settings){roundRobinOn, holidayOn}}, c: contact(""), conv: openConv("support", "gina"), ev: msg("hi"),
			on:  want{after: st(StatusOpen, "support", "gina", "gina"), code: "active_assignee"},
			off: want{after: st(StatusOpen, "support", "gina", ""), code: "kept", noNote: true},
		},
		{
			name: "outside_hours_round_robin_off_default_bot",
			ws:   presenceWS{mods: []func(*Settings){withHours}}, c: contact(""), conv: newConv(), ev: at(msg("hi"), evening),
			on:  want{after: st(StatusOpen, "support", Bot, ""), code: "default"},
			off: want{after: st(StatusOpen, "support", Bot, ""), code: "default"},
		},
	})
	t.Run("team_change_outside_hours", func(t *testing.T) {
		for _, on := range []bool{true, false} {
			d := must(t)(DecideTeam(presenceWS{mods: rr}.build(on), "dana", contact(""), openConv("support", "gina"), "sales", evening))
			check(t, d, want{after: inBacklog(st(StatusOpen, "sales", Bot, "")), code: "team_change",
				explain: []string{"Gina is not in Sales, so round robin in Sales does not run outside working hours"}})
		}
	})
}

// The backlog: round robin assigns waiting Bot conversations when a candidate appears.
func TestBacklog(t *testing.T) {
	waiting := Conversation{Status: StatusOpen, Team: "support", Assignee: Bot, Backlog: true}
	awayCover := waiting
	awayCover.Cover = "bob"
	since := t0.Add(-2 * time.Hour)
	cases := []struct {
		name    string
		ws      presenceWS
		c       Contact
		conv    Conversation
		on, off want
	}{
		{name: "candidate_appears_no_owner_pick_becomes_owner", ws: presenceWS{mods: []func(*Settings){roundRobinOn}}, c: contact(""), conv: waiting,
			on: want{after: st(StatusOpen, "support", "carol", "carol"), code: "round_robin_backlog", pick: Pick{Team: "support", Operator: "carol", Seq: 1},
				explain: []string{"From Support's backlog (with Bot since Fri 07:30 UTC, 2h, oldest first): Carol is online now; round robin in Support: Bob skipped (offline), Dana skipped (admin); picked Carol (least recently assigned); Carol is now the contact owner"}},
			off: want{after: st(StatusOpen, "support", "carol", ""), code: "round_robin_backlog", pick: Pick{Team: "support", Operator: "carol", Seq: 1}}},
		{name: "waiting_for_a_cover_gets_it", ws: presenceWS{mods: []func(*Settings){roundRobinOn, awayWait(0)}}, c: contact("bob"), conv: awayCover,
			on: want{after: covered(st(StatusOpen, "support", "carol", "bob"), "bob"), code: "round_robin_backlog", pick: Pick{Team: "support", Operator: "carol", Seq: 1},
				explain: []string{"Carol covers for Bob, offline, who stays the contact owner"}},
			off: want{after: st(StatusOpen, "support", "carol", "bob"), code: "round_robin_backlog", pick: Pick{Team: "support", Operator: "carol", Seq: 1}}},
		{name: "contact_with_an_owner_gets_a_cover_never_a_new_owner", ws: presenceWS{mods: []func(*Settings){roundRobinOn}}, c: contact("gina"), conv: waiting,
			on:  want{after: covered(st(StatusOpen, "support", "carol", "gina"), "gina"), code: "round_robin_backlog", pick: Pick{Team: "support", Operator: "carol", Seq: 1}},
			off: want{after: st(StatusOpen, "support", "carol", "gina"), code: "round_robin_backlog", pick: Pick{Team: "support", Operator: "carol", Seq: 1}}},
		{name: "still_no_candidate_keeps_waiting", ws: presenceWS{mods: []func(*Settings){roundRobinOn}, ops: both(status("carol", Away), status("gina", Offline))},
			c: contact(""), conv: waiting,
			on:  want{after: inBacklog(st(StatusOpen, "support", Bot, "")), code: "kept", noNote: true},
			off: want{after: inBacklog(st(StatusOpen, "support", Bot, "")), code: "kept", noNote: true}},
		{name: "outside_hours_keeps_waiting", ws: presenceWS{mods: []func(*Settings){roundRobinOn, holidayOn}}, c: contact(""), conv: waiting,
			on:  want{after: inBacklog(st(StatusOpen, "support", Bot, "")), code: "kept", noNote: true},
			off: want{after: inBacklog(st(StatusOpen, "support", Bot, "")), code: "kept", noNote: true}},
		{name: "round_robin_off_keeps_waiting", ws: presenceWS{}, c: contact(""), conv: waiting,
			on:  want{after: inBacklog(st(StatusOpen, "support", Bot, "")), code: "kept", noNote: true},
			off: want{after: inBacklog(st(StatusOpen, "support", Bot, "")), code: "kept", noNote: true}},
		{name: "bot_by_a_rule_is_not_backlog", ws: presenceWS{mods: []func(*Settings){roundRobinOn}}, c: contact(""), conv: openConv("support", Bot),
			on:  want{after: st(StatusOpen, "support", Bot, ""), code: "kept", noNote: true},
			off: want{after: st(StatusOpen, "support", Bot, ""), code: "kept", noNote: true}},
		{name: "capacity_back_picks_again", ws: presenceWS{mods: []func(*Settings){roundRobinOn, defaultMax(2)}, loads: map[string]int{"carol": 1, "gina": 2}},
			c: contact(""), conv: waiting,
			on:  want{after: st(StatusOpen, "support", "carol", "carol"), code: "round_robin_backlog", pick: Pick{Team: "support", Operator: "carol", Seq: 1}},
			off: want{after: st(StatusOpen, "support", "carol", ""), code: "round_robin_backlog", pick: Pick{Team: "support", Operator: "carol", Seq: 1}}},
	}
	for _, tc := range cases {
		for _, on := range []bool{true, false} {
			name, w := tc.name+"/routing_on", tc.on
			if !on {
				name, w = tc.name+"/routing_off", tc.off
			}
			t.Run(name, func(t *testing.T) {
				d := DecideBacklog(tc.ws.build(on), tc.c, tc.conv, []Trigger{{Kind: TriggerHours}, {Kind: TriggerOnline, Operator: "carol"}}, since, t0)
				check(t, d, w)
			})
		}
	}
	t.Run("declined_prompt_bot_is_never_backlog", func(t *testing.T) {
		for _, on := range []bool{true, false} {
			ws := presenceWS{mods: []func(*Settings){roundRobinOn}}.build(on)
			conv := withPrompt(openConv("support", ""), promptOf(PromptInbound, "alice", "support", Routing, "sales"))
			conv.Backlog = true // even a stale flag
			d := must(t)(DecideAnswer(ws, "alice", contact("alice"), conv, false, "", t0))
			if d.After.Assignee != Bot || !d.After.BotHold || d.After.Backlog {
				t.Fatalf("decline: %+v", d.After)
			}
			if b := DecideBacklog(ws, contact("alice"), d.Apply(conv), []Trigger{{Kind: TriggerOnline, Operator: "carol"}}, since, t0); b.Changed() {
				t.Fatalf("a declined prompt's Bot was swept: %+v", b.After)
			}
		}
	})
	t.Run("entering_and_leaving", func(t *testing.T) {
		ws := presenceWS{mods: []func(*Settings){roundRobinOn}, ops: both(status("carol", Away), status("gina", Away))}.build(true)
		d := DecideInbound(ws, contact(""), newConv(), msg("hi"))
		if !d.After.Backlog {
			t.Fatalf("no candidate, not backlog: %+v", d.After)
		}
		conv := d.Apply(newConv())
		if a := must(t)(DecideAssign(ws, "dana", contact(""), conv, Bot, t0)); a.After.Backlog {
			t.Fatalf("a person chose Bot: still backlog")
		}
		if c := must(t)(DecideClose(ws, "dana", contact(""), conv, false, t0)); c.After.Backlog {
			t.Fatalf("closed: still backlog")
		}
		o := must(t)(DecideOwner(ws, "dana", contact(""), conv, "erin", t0))
		if !o.RaisePrompt || o.Apply(conv).InBacklog() {
			t.Fatalf("a prompt waits: still in the backlog %+v", o.After)
		}
		a := must(t)(DecideAssign(ws, "dana", contact(""), conv, "erin", t0)) // erin is not in Support: a prompt
		if !a.RaisePrompt || a.Apply(conv).InBacklog() {
			t.Fatalf("an assign prompt waits: still in the backlog %+v", a.After)
		}
		asked := a.Apply(conv)
		no := must(t)(DecideAnswer(ws, "dana", contact(""), asked, false, "", t0))
		if after := no.Apply(asked); !after.InBacklog() || no.Changed() && no.After != no.Before {
			t.Fatalf("declining the assignment changed something: %+v", after)
		}
	})
}

// Capacity and balanced assignment.
func TestCapacity(t *testing.T) {
	capped := presenceWS{mods: []func(*Settings){roundRobinOn, defaultMax(2)}, loads: map[string]int{"carol": 2, "gina": 1}}
	runPresence(t, []presenceCase{
		{
			name: "round_robin_skips_at_capacity",
			ws:   capped, c: contact(""), conv: newConv(), ev: msg("hi"),
			on: want{after: st(StatusOpen, "support", "gina", "gina"), code: "round_robin", pick: Pick{Team: "support", Operator: "gina", Seq: 1},
				explain: []string{"Bob skipped (offline), Dana skipped (admin), Carol skipped (at capacity 2/2); picked Gina (least recently assigned)"}},
			off: want{after: st(StatusOpen, "support", "gina", ""), code: "round_robin", pick: Pick{Team: "support", Operator: "gina", Seq: 1}},
		},
		{
			name: "own_max_open_wins_over_the_default",
			ws: presenceWS{mods: []func(*Settings){roundRobinOn, defaultMax(1)}, loads: map[string]int{"carol": 5, "gina": 1},
				ops: func(ops []Operator) { ops[2].HasMaxOpen, ops[2].MaxOpen = true, 0 }}, // carol: no limit
			c: contact(""), conv: newConv(), ev: msg("hi"),
			on:  want{after: st(StatusOpen, "support", "carol", "carol"), code: "round_robin", pick: Pick{Team: "support", Operator: "carol", Seq: 1}, explain: []string{"Gina skipped (at capacity 1/1)"}},
			off: want{after: st(StatusOpen, "support", "carol", ""), code: "round_robin", pick: Pick{Team: "support", Operator: "carol", Seq: 1}},
		},
		{
			name: "everyone_at_capacity_backlog",
			ws:   presenceWS{mods: []func(*Settings){roundRobinOn, defaultMax(1)}, loads: map[string]int{"carol": 1, "gina": 3}},
			c:    contact(""), conv: newConv(), ev: msg("hi"),
			on:  want{after: inBacklog(st(StatusOpen, "support", Bot, "")), code: "round_robin", explain: []string{"Carol skipped (at capacity 1/1), Gina skipped (at capacity 3/1); nobody online to pick, so Bot has it in the team's backlog"}},
			off: want{after: inBacklog(st(StatusOpen, "support", Bot, "")), code: "round_robin"},
		},
		{
			name: "owner_at_capacity_still_gets_it_rows_1_2",
			ws:   presenceWS{mods: []func(*Settings){roundRobinOn, defaultMax(1)}, loads: map[string]int{"carol": 4}},
			c:    contact("carol"), conv: closedConv("support", "gina"), ev: msg("hi"),
			on:  want{after: st(StatusOpen, "support", "carol", "carol"), code: "owner"},
			off: want{after: st(StatusOpen, "support", "gina", "carol"), code: "round_robin", pick: Pick{Team: "support", Operator: "gina", Seq: 1}},
		},
		{
			name: "rule_naming_an_operator_ignores_capacity",
			ws: presenceWS{mods: []func(*Settings){roundRobinOn, defaultMax(1), withRules(Rule{Name: "vip", Tag: "vip", To: Target{Kind: TargetOperator, ID: "gina"}})},
				loads: map[string]int{"gina": 9}},
			c: contact("", "vip"), conv: newConv(), ev: msg("hi"),
			on:  want{after: st(StatusOpen, "support", "gina", "gina"), code: "rule:vip"},
			off: want{after: st(StatusOpen, "support", "gina", ""), code: "rule:vip"},
		},
		{
			name: "balanced_fewest_open",
			ws:   presenceWS{mods: []func(*Settings){roundRobinOn, balancedOn}, loads: map[string]int{"carol": 3, "gina": 1}},
			c:    contact(""), conv: newConv(), ev: msg("hi"),
			on: want{after: st(StatusOpen, "support", "gina", "gina"), code: "balanced", pick: Pick{Team: "support", Operator: "gina", Seq: 1},
				explain: []string{"No contact owner (rule 3): balanced assignment in Support: Bob skipped (offline), Dana skipped (admin); picked Gina (fewest open: 1)"}},
			off: want{after: st(StatusOpen, "support", "gina", ""), code: "balanced", pick: Pick{Team: "support", Operator: "gina", Seq: 1},
				explain: []string{"Balanced assignment in Support"}},
		},
		{
			name: "balanced_ties_by_least_recently_picked",
			ws: presenceWS{mods: []func(*Settings){roundRobinOn, balancedOn}, loads: map[string]int{"carol": 2, "gina": 2},
				rr: map[string]RoundRobinState{"support": {Seq: 5, Last: map[string]uint64{"carol": 5, "gina": 4}}}},
			c: contact(""), conv: newConv(), ev: msg("hi"),
			on:  want{after: st(StatusOpen, "support", "gina", "gina"), code: "balanced", pick: Pick{Team: "support", Operator: "gina", Seq: 6}},
			off: want{after: st(StatusOpen, "support", "gina", ""), code: "balanced", pick: Pick{Team: "support", Operator: "gina", Seq: 6}},
		},
		{
			name: "balanced_ties_then_member_order",
			ws:   presenceWS{mods: []func(*Settings){roundRobinOn, balancedOn}, loads: map[string]int{"carol": 2, "gina": 2}},
			c:    contact(""), conv: newConv(), ev: msg("hi"),
			on:  want{after: st(StatusOpen, "support", "carol", "carol"), code: "balanced", pick: Pick{Team: "support", Operator: "carol", Seq: 1}},
			off: want{after: st(StatusOpen, "support", "carol", ""), code: "balanced", pick: Pick{Team: "support", Operator: "carol", Seq: 1}},
		},
		{
			name: "balanced_skips_at_capacity",
			ws:   presenceWS{mods: []func(*Settings){roundRobinOn, balancedOn, defaultMax(1)}, loads: map[string]int{"carol": 0, "gina": 1}},
			c:    contact(""), conv: closedConv("sales", "erin"), ev: msg("hi"),
			on:  want{after: st(StatusOpen, "sales", "erin", "erin"), code: "balanced", pick: Pick{Team: "sales", Operator: "erin", Seq: 1}},
			off: want{after: st(StatusOpen, "sales", "erin", ""), code: "balanced", pick: Pick{Team: "sales", Operator: "erin", Seq: 1}},
		},
	})
	t.Run("a_person_assignment_ignores_capacity", func(t *testing.T) {
		for _, on := range []bool{true, false} {
			d := must(t)(DecideAssign(capped.build(on), "dana", contact(""), openConv("support", Bot), "carol", t0))
			if d.After.Assignee != "carol" {
				t.Fatalf("assign at capacity: %+v", d.After)
			}
		}
	})
	t.Run("track_keeps_loads", func(t *testing.T) {
		w := capped.build(true)
		d := DecideInbound(w, contact(""), newConv(), msg("hi"))
		freed, undo := w.Track(d)
		if freed != "" || w.Load("gina") != 2 {
			t.Fatalf("after a pick: freed %q, gina %d", freed, w.Load("gina"))
		}
		undo()
		if w.Load("gina") != 1 {
			t.Fatalf("undo: gina %d", w.Load("gina"))
		}
		c := must(t)(DecideClose(w, "dana", contact(""), openConv("support", "carol"), false, t0))
		if freed, _ := w.Track(c); freed != "carol" || w.Load("carol") != 1 {
			t.Fatalf("after a close: freed %q, carol %d", freed, w.Load("carol"))
		}
		if !w.HasCandidate("support", t0) {
			t.Fatalf("carol has room again but is no candidate")
		}
	})
}

// The parsers of what people type: days, ranges, waits, capacity, modes.
func TestParseHoursInput(t *testing.T) {
	days := func(ds ...time.Weekday) []time.Weekday { return ds }
	M, Tu, W, Th, F, Sa, Su := time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday, time.Saturday, time.Sunday
	for in, want := range map[string][]time.Weekday{
		"mon-fri": days(M, Tu, W, Th, F), "sat,sun": days(Sa, Su), "mon-sun": days(M, Tu, W, Th, F, Sa, Su),
		"MON, wed-fri": days(M, W, Th, F), "fri-mon": days(M, F, Sa, Su), "Sunday": days(Su), "tue,tue": days(Tu),
	} {
		got, err := ParseDays(in)
		if err != nil || len(got) != len(want) {
			t.Errorf("ParseDays(%q) = %v, %v; want %v", in, got, err, want)
			continue
		}
		for i := range got {
			if got[i] != want[i] {
				t.Errorf("ParseDays(%q) = %v; want %v", in, got, want)
			}
		}
	}
	for in, says := range map[string]string{"": "No day", "mon-xyz": `Unknown day "xyz"`, "funday": `Unknown day "funday"`, "mon,,fri": "An empty day"} {
		_, err := ParseDays(in)
		mustRefuse(t, err, Invalid)
		if !strings.Contains(err.Error(), says) || !strings.Contains(err.Error(), "mon-fri") {
			t.Errorf("ParseDays(%q): %v", in, err)
		}
	}
	for in, want := range map[string]Span{"09:00-17:00": {540, 1020}, "9:30-12:00": {570, 720}, "00:00-24:00": {0, 1440}, " 13:00 - 17:45 ": {780, 1065}} {
		if got, err := ParseSpan(in); err != nil || got != want {
			t.Errorf("ParseSpan(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for in, says := range map[string]string{"9-17": "not a time of day", "0900-1700": "not a time of day", "09:00": "HH:MM-HH:MM",
		"25:00-26:00": "not a time of day", "24:00-24:30": "not a time of day", "09:60-10:00": "not a time of day",
		"18:00-09:00": "night shift", "09:00-09:00": "empty", "+9:00-10:00": "not a time of day"} {
		_, err := ParseSpan(in)
		mustRefuse(t, err, Invalid)
		if !strings.Contains(err.Error(), says) {
			t.Errorf("ParseSpan(%q): %v, want %q", in, err, says)
		}
	}
	if _, err := ParseSpans([]string{"09:00-12:00", "11:00-14:00"}); err == nil || !strings.Contains(err.Error(), "overlap") {
		t.Errorf("overlapping ranges: %v", err)
	}
	if sp, err := ParseSpans([]string{"13:00-17:00", "09:00-12:00"}); err != nil || sp[0].From != 540 {
		t.Errorf("ranges not sorted: %v %v", sp, err)
	}
	for in, want := range map[string]Wait{"off": {}, "OFF": {}, "0": {On: true}, "0s": {On: true}, "90s": {On: true, D: 90 * time.Second}, "1h30m": {On: true, D: 90 * time.Minute}} {
		if got, err := ParseWait(in); err != nil || got != want {
			t.Errorf("ParseWait(%q) = %v, %v", in, got, err)
		}
	}
	for in, says := range map[string]string{"5 minutes": "not a duration", "-1m": "negative", "200h": "a week or less", "": "not a duration"} {
		_, err := ParseWait(in)
		mustRefuse(t, err, Invalid)
		if !strings.Contains(err.Error(), says) {
			t.Errorf("ParseWait(%q): %v", in, err)
		}
	}
	if (Wait{On: true, D: 90 * time.Minute}).String() != "1h30m" || (Wait{On: true}).String() != "0s" || (Wait{}).String() != "off" {
		t.Errorf("Wait.String")
	}
	for _, in := range []string{"-1", "x", "10001", ""} {
		if _, err := ParseCapacity(in); !IsRefusal(err, Invalid) {
			t.Errorf("ParseCapacity(%q): %v", in, err)
		}
	}
	if _, err := ParseCapacity("99999999999999999999"); err == nil || !strings.Contains(err.Error(), "is out of range: give 0 (no limit) to") {
		t.Errorf("ParseCapacity of a number past int: %v", err)
	}
	if n, err := ParseCapacity("8"); n != 8 || err != nil {
		t.Errorf("ParseCapacity(8) = %d, %v", n, err)
	}
	if _, err := ParseAssignment("fair"); !IsRefusal(err, Invalid) || !strings.Contains(err.Error(), "balanced") {
		t.Errorf("ParseAssignment(fair): %v", err)
	}
}

// Hours read at a time: open, the next start, the next end, across days and DST.
func TestHoursAt(t *testing.T) {
	h := officeHours()
	if !h.OpenAt(t0) || h.OpenAt(evening) {
		t.Fatalf("open at t0 %v, in the evening %v", h.OpenAt(t0), h.OpenAt(evening))
	}
	next, ok := h.NextOpen(evening)
	if want := time.Date(2025, 3, 17, 9, 0, 0, 0, berlin); !ok || !next.Equal(want) {
		t.Fatalf("NextOpen(evening) = %v, want %v", next, want)
	}
	if end, ok := h.NextClose(t0); !ok || !end.Equal(time.Date(2025, 3, 14, 17, 0, 0, 0, berlin)) {
		t.Fatalf("NextClose(t0) = %v %v", end, ok)
	}
	// Sunday 2025-03-30 Berlin moves to summer time: Monday 09:00 is 07:00 UTC
	if next, _ := h.NextOpen(time.Date(2025, 3, 29, 12, 0, 0, 0, time.UTC)); !next.Equal(time.Date(2025, 3, 31, 7, 0, 0, 0, time.UTC)) {
		t.Fatalf("across DST: %v", next.UTC())
	}
	var none Hours
	if !none.OpenAt(evening) || none.Set() {
		t.Fatalf("no hours: always open")
	}
	if _, ok := none.NextOpen(t0); ok {
		t.Fatalf("no hours have no start")
	}
	if s := h.String(); s != "Mon–Fri 09:00–17:00 (Europe/Berlin)" {
		t.Fatalf("String = %q", s)
	}
	h.Week[time.Saturday] = []Span{{600, 840}}
	h.Week[time.Wednesday] = []Span{{540, 720}, {780, 1020}}
	if s := h.String(); s != "Mon–Tue 09:00–17:00, Wed 09:00–12:00 13:00–17:00, Thu–Fri 09:00–17:00, Sat 10:00–14:00 (Europe/Berlin)" {
		t.Fatalf("String = %q", s)
	}
}

// The new settings: admins only, each a change the history records.
func TestPresenceSettings(t *testing.T) {
	w := fixture()
	for _, who := range []string{"carol", "zed", ""} {
		if _, err := DecideAwayWait(w, who, Wait{On: true}, t0); !IsRefusal(err, Forbidden) {
			t.Errorf("%q sets the wait: %v", who, err)
		}
		if _, err := DecideHours(w, who, officeHours(), t0); !IsRefusal(err, Forbidden) {
			t.Errorf("%q sets hours: %v", who, err)
		}
		if _, err := DecideHoliday(w, who, true, t0); !IsRefusal(err, Forbidden) {
			t.Errorf("%q sets holiday: %v", who, err)
		}
		if _, err := DecideAssignment(w, who, AssignBalanced, t0); !IsRefusal(err, Forbidden) {
			t.Errorf("%q sets the mode: %v", who, err)
		}
		if _, err := DecideMaxOpen(w, who, 3, t0); !IsRefusal(err, Forbidden) {
			t.Errorf("%q sets capacity: %v", who, err)
		}
		if _, err := DecideOperatorMaxOpen(w, who, "carol", 3, true, t0); !IsRefusal(err, Forbidden) {
			t.Errorf("%q sets carol's capacity: %v", who, err)
		}
	}
	steps := []struct {
		ch   SettingChange
		err  error
		want SettingChange
	}{}
	add := func(ch SettingChange, err error, key SettingKey, from, to string) {
		steps = append(steps, struct {
			ch   SettingChange
			err  error
			want SettingChange
		}{ch, err, SettingChange{Key: key, By: "alice", At: t0, From: from, To: to}})
	}
	ch, err := DecideAwayWait(w, "alice", Wait{On: true, D: 10 * time.Minute}, t0)
	add(ch, err, SettingAwayWait, "off", "10m")
	ch, err = DecideHours(w, "alice", officeHours(), t0)
	add(ch, err, SettingHours, "always open", "Mon–Fri 09:00–17:00 (Europe/Berlin)")
	ch, err = DecideHoliday(w, "alice", true, t0)
	add(ch, err, SettingHoliday, "off", "on")
	ch, err = DecideAssignment(w, "alice", AssignBalanced, t0)
	add(ch, err, SettingAssignment, "round_robin", "balanced")
	ch, err = DecideMaxOpen(w, "alice", 8, t0)
	add(ch, err, SettingMaxOpen, "no limit", "8")
	ch, err = DecideOperatorMaxOpen(w, "alice", "carol", 0, true, t0)
	add(ch, err, "max_open:carol", "default", "no limit")
	for _, s := range steps {
		if s.err != nil || s.ch != s.want {
			t.Errorf("change %+v, %v; want %+v", s.ch, s.err, s.want)
		}
	}
	st := w.Settings
	for _, s := range steps[:5] {
		st = s.ch.Apply(st)
	}
	if st.AwayWait != (Wait{On: true, D: 10 * time.Minute}) || !st.Holiday || st.Assignment != AssignBalanced || st.MaxOpen != 8 || st.Hours.Set() {
		t.Fatalf("applied: %+v", st)
	}
	if _, err := DecideAssignment(w, "alice", "fair", t0); !IsRefusal(err, Invalid) {
		t.Errorf("unknown mode: %v", err)
	}
	if _, err := DecideMaxOpen(w, "alice", -1, t0); !IsRefusal(err, Invalid) {
		t.Errorf("negative capacity: %v", err)
	}
	if _, err := DecideOperatorMaxOpen(w, "alice", "zed", 1, true, t0); !IsRefusal(err, NotFound) {
		t.Errorf("unknown operator: %v", err)
	}
	if _, err := DecideAwayWait(w, "alice", Wait{On: true, D: -time.Second}, t0); !IsRefusal(err, Invalid) {
		t.Errorf("negative wait: %v", err)
	}
	bad := officeHours()
	bad.Week[time.Monday] = []Span{{600, 700}, {650, 800}}
	if _, err := DecideHours(w, "alice", bad, t0); !IsRefusal(err, Invalid) {
		t.Errorf("overlapping hours: %v", err)
	}
}

// TestWaitWords: a wait is said as the settings say it, and text that is not a wait is left
// as it is.
func TestWaitWords(t *testing.T) {
	for in, want := range map[string]string{
		"off": "off (the owner gets it anyway)", "0s": "0 (a cover at once)", "0": "0 (a cover at once)",
		"10m": "wait 10m, then a cover", "1h30m": "wait 1h30m, then a cover", "soon": "soon",
	} {
		if got := WaitWords(in); got != want {
			t.Errorf("WaitWords(%q) = %q, want %q", in, got, want)
		}
	}
}
