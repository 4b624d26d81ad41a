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

func newBenchWorld() *benchWorld {
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
	bw := &benchWorld{ws: NewWorkspace(s, ops, teams, nil)}
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
		ev := Inbound{Channel: ChannelMessage, Text: texts[rng.IntN(len(texts))], At: time.Unix(1_700_000_000+int64(i), 0)}
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

func BenchmarkDecideInbound(b *testing.B) {
	bw := newBenchWorld()
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
}

// BenchmarkDecideInboundRemember also records each round-robin pick, as the inbox does.
func BenchmarkDecideInboundRemember(b *testing.B) {
	bw := newBenchWorld()
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
	bw := newBenchWorld()
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
}
