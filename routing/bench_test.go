package routing

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"
)

// benchWorld is a large workspace: 50 teams of 40 operators (about 10% admins, statuses
// mixed, some operators in two teams) and 100,000 contacts, owned and unowned, with new, open
// and closed conversations.
type benchWorld struct {
	ws       *Workspace
	contacts []Contact
	convs    []Conversation
	events   []Inbound
}

// newBenchWorld builds the large workspace; with presence it also has working hours (Monday
// to Friday 09:00–17:00 in Berlin, events spread over the week), capacity (a default of 8,
// some operators with their own, loads of 0–10), balanced assignment and an owner-away wait.
func newBenchWorld(presence bool) *benchWorld {
	rng := rand.New(rand.NewPCG(1, 2))
	const nTeams, perTeam, nContacts = 50, 40, 100_000
	var ops []Operator
	teams := make([]Team, nTeams)
	for ti := range teams {
		teams[ti] = Team{ID: fmt.Sprintf("team-%02d", ti), Name: fmt.Sprintf("Team %02d", ti)}
		for range perTeam {
			id := fmt.Sprintf("op-%04d", len(ops))
			role := RoleOperator
			if rng.IntN(10) == 0 {
				role = RoleAdmin
			}
			ops = append(ops, Operator{ID: id, Name: "Operator " + id[3:], Role: role,
				Status: []Presence{Online, Online, Online, Away, Offline}[rng.IntN(5)]})
			teams[ti].Members = append(teams[ti].Members, id)
		}
	}
	// a tenth of the operators also belong to a second team
	for i := 0; i < len(ops)/10; i++ {
		ti := rng.IntN(nTeams)
		teams[ti].Members = append(teams[ti].Members, ops[rng.IntN(len(ops))].ID)
	}
	s := Settings{Plan: PlanBusiness, ContactOwnerRouting: true, RoundRobin: true, DefaultTeam: "team-00", Rules: []Rule{
		{Name: "calls", Channel: ChannelCall, Tag: "vip", To: Target{Kind: TargetTeam, ID: "team-01"}},
		{Name: "refunds", Keyword: "refund", To: Target{Kind: TargetTeam, ID: "team-02"}},
		{Name: "wholesale", Tag: "b2b", To: Target{Kind: TargetOperator, ID: "op-0123"}},
		{Name: "spam", Keyword: "unsubscribe", To: Target{Kind: TargetBot}},
	}}
	if presence {
		s.Hours = officeHours()
		s.MaxOpen = 8
		s.Assignment = AssignBalanced
		s.AwayWait = Wait{On: true}
		for i := range ops {
			if rng.IntN(5) == 0 {
				ops[i].HasMaxOpen, ops[i].MaxOpen = true, rng.IntN(12)
			}
		}
	}
	bw := &benchWorld{ws: NewWorkspace(s, ops, teams, nil)}
	if presence {
		for _, o := range ops {
			bw.ws.SetLoad(o.ID, rng.IntN(11))
		}
	}
	texts := []string{"Hi, where is my order?", "I would like a refund please", "unsubscribe", "Thanks!", "Can someone call me back about invoice 12345?"}
	for i := range nContacts {
		c := Contact{ID: fmt.Sprintf("1555%07d", i), Name: fmt.Sprintf("Customer %d", i)}
		if rng.IntN(2) == 0 {
			c.Owner = ops[rng.IntN(len(ops))].ID
		}
		switch rng.IntN(4) {
		case 0:
			c.Tags = []string{"vip"}
		case 1:
			c.Tags = []string{"new", "b2b"}
		}
		var conv Conversation
		team := teams[rng.IntN(nTeams)]
		switch rng.IntN(3) {
		case 0: // new
		case 1:
			conv = Conversation{Status: StatusOpen, Team: team.ID}
			switch rng.IntN(3) {
			case 0:
				conv.Assignee = team.Members[rng.IntN(len(team.Members))]
			case 1:
				conv.Assignee = Bot
			}
		default:
			conv = Conversation{Status: StatusClosed, Team: team.ID, Assignee: team.Members[rng.IntN(len(team.Members))]}
		}
		at := time.Unix(1_700_000_000+int64(i), 0)
		if presence {
			at = time.Unix(1_700_000_000+int64(rng.IntN(7*24*3600)), 0) // any time of the week
		}
		ev := Inbound{Channel: ChannelMessage, Text: texts[rng.IntN(len(texts))], At: at}
		if rng.IntN(5) == 0 {
			ev = Inbound{Channel: ChannelCall, At: ev.At}
		}
		bw.contacts = append(bw.contacts, c)
		bw.convs = append(bw.convs, conv)
		bw.events = append(bw.events, ev)
	}
	return bw
}

var benchSink Decision

// BenchmarkDecideInbound measures a routing decision: base is the workspace as before
// (the baseline, measured in the same run), presence with working hours, capacity, balanced
// assignment and the owner-away wait in force (target: under 1 µs and 2 allocations).
func BenchmarkDecideInbound(b *testing.B) {
	for _, presence := range []bool{false, true} {
		name := "base"
		if presence {
			name = "presence"
		}
		b.Run(name, func(b *testing.B) {
			bw := newBenchWorld(presence)
			n := len(bw.contacts)
			b.ReportAllocs()
			b.ResetTimer()
			i := 0
			for b.Loop() {
				benchSink = DecideInbound(bw.ws, bw.contacts[i], bw.convs[i], bw.events[i])
				if i++; i == n {
					i = 0
				}
			}
		})
	}
}

// BenchmarkDecideInboundRemember also records each round-robin pick, as the inbox does.
func BenchmarkDecideInboundRemember(b *testing.B) {
	bw := newBenchWorld(false)
	n := len(bw.contacts)
	b.ReportAllocs()
	b.ResetTimer()
	i := 0
	for b.Loop() {
		d := DecideInbound(bw.ws, bw.contacts[i], bw.convs[i], bw.events[i])
		if d.Pick.Operator != "" {
			bw.ws.Remember(d.Pick)
		}
		benchSink = d
		if i++; i == n {
			i = 0
		}
	}
}

var benchText string

func BenchmarkExplain(b *testing.B) {
	bw := newBenchWorld(false)
	n := len(bw.contacts)
	ds := make([]Decision, n)
	for i := range ds {
		ds[i] = DecideInbound(bw.ws, bw.contacts[i], bw.convs[i], bw.events[i])
	}
	b.ReportAllocs()
	b.ResetTimer()
	i := 0
	for b.Loop() {
		benchText = ds[i].Explain()
		if i++; i == n {
			i = 0
		}
	}
}

// TestDecideInboundAllocs keeps the hot path's allocation budget: a decision allocates nothing
// except the choices of a team-mismatch prompt.
func TestDecideInboundAllocs(t *testing.T) {
	w := fixture(roundRobinOn, withRules(Rule{Name: "refunds", Keyword: "refund", To: Target{Kind: TargetTeam, ID: "billing"}}))
	cases := []struct {
		c    Contact
		conv Conversation
		ev   Inbound
		max  float64
	}{
		{contact(""), newConv(), msg("hello"), 0},
		{contact(""), newConv(), msg("refund"), 0},
		{contact("carol"), closedConv("support", "gina"), call(), 0},
		{contact("bob"), openConv("support", "carol"), msg("x"), 0},
		{contact("erin"), closedConv("support", "gina"), msg("x"), 2}, // prompt choices
	}
	for _, tc := range cases {
		got := testing.AllocsPerRun(100, func() { benchSink = DecideInbound(w, tc.c, tc.conv, tc.ev) })
		if got > tc.max {
			t.Errorf("%+v %+v: %v allocs, want at most %v", tc.c, tc.conv, got, tc.max)
		}
	}
	// with hours, capacity, balanced assignment and the owner-away wait: the same budget
	p := presenceWS{mods: []func(*Settings){roundRobinOn, withHours, balancedOn, defaultMax(2), awayWait(0)}, loads: map[string]int{"carol": 2}}.build(true)
	pw := presenceWS{mods: []func(*Settings){roundRobinOn, withHours, awayWait(time.Minute)}}.build(true)
	for _, tc := range []struct {
		w    *Workspace
		c    Contact
		conv Conversation
		ev   Inbound
	}{
		{p, contact(""), newConv(), msg("hello")},
		{p, contact(""), newConv(), at(msg("hello"), evening)},
		{p, contact("bob"), closedConv("support", "gina"), call()},
		{pw, contact("bob"), closedConv("support", "gina"), call()},
		{p, contact("bob"), Conversation{Status: StatusOpen, Team: "support", Assignee: "carol", Cover: "bob"}, msg("x")},
	} {
		if got := testing.AllocsPerRun(100, func() { benchSink = DecideInbound(tc.w, tc.c, tc.conv, tc.ev) }); got > 0 {
			t.Errorf("%+v %+v at %v: %v allocs, want none", tc.c, tc.conv, tc.ev.At, got)
		}
	}
}
