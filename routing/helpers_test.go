package routing

import (
	"slices"
	"strings"
	"testing"
	"time"
)

// The fixture workspace used by the row and FAQ tests:
//
//	Sales   (sales):   Alice (admin, online), Erin (operator, online)
//	Support (support): Bob (operator, offline), Dana (admin, online), Carol (operator, online), Gina (operator, online)
//	Billing (billing): Erin (operator, online), Hank (operator, away)
//	Frank (operator, online) is in no team.
//
// Support is the default team; the plan is Business with contact owner routing on and round
// robin off unless a test says otherwise.
var t0 = time.Date(2025, 3, 14, 9, 30, 0, 0, time.UTC)

func fixtureOps() []Operator {
	return []Operator{
		{ID: "alice", Name: "Alice", Role: RoleAdmin, Status: Online},
		{ID: "bob", Name: "Bob", Role: RoleOperator, Status: Offline},
		{ID: "carol", Name: "Carol", Role: RoleOperator, Status: Online},
		{ID: "dana", Name: "Dana", Role: RoleAdmin, Status: Online},
		{ID: "erin", Name: "Erin", Role: RoleOperator, Status: Online},
		{ID: "frank", Name: "Frank", Role: RoleOperator, Status: Online},
		{ID: "gina", Name: "Gina", Role: RoleOperator, Status: Online},
		{ID: "hank", Name: "Hank", Role: RoleOperator, Status: Away},
	}
}

func fixtureTeams() []Team {
	return []Team{
		{ID: "sales", Name: "Sales", Members: []string{"alice", "erin"}},
		{ID: "support", Name: "Support", Members: []string{"bob", "dana", "carol", "gina"}},
		{ID: "billing", Name: "Billing", Members: []string{"erin", "hank"}},
	}
}

func fixtureSettings() Settings {
	return Settings{Plan: PlanBusiness, ContactOwnerRouting: true, DefaultTeam: "support"}
}

// fixture builds the fixture workspace; mods adjust its settings.
func fixture(mods ...func(*Settings)) *Workspace {
	s := fixtureSettings()
	for _, m := range mods {
		m(&s)
	}
	return NewWorkspace(s, fixtureOps(), fixtureTeams(), nil)
}

func routingOff(s *Settings)   { s.ContactOwnerRouting = false }
func roundRobinOn(s *Settings) { s.RoundRobin = true }
func withRules(rs ...Rule) func(*Settings) {
	return func(s *Settings) { s.Rules = append(s.Rules, rs...) }
}

func contact(owner string, tags ...string) Contact {
	return Contact{ID: "15550100", Name: "Maya", Owner: owner, Tags: tags}
}

func newConv() Conversation { return Conversation{} }

func openConv(team, assignee string) Conversation {
	return Conversation{Status: StatusOpen, Team: team, Assignee: assignee}
}

func closedConv(team, assignee string) Conversation {
	return Conversation{Status: StatusClosed, Team: team, Assignee: assignee}
}

func msg(text string) Inbound { return Inbound{Channel: ChannelMessage, Text: text, At: t0} }
func call() Inbound           { return Inbound{Channel: ChannelCall, At: t0} }

func st(status Status, team, assignee, owner string) State {
	return State{Status: status, Team: team, Assignee: assignee, Owner: owner}
}

// inBacklog is s waiting in its team's backlog.
func inBacklog(s State) State { s.Backlog = true; return s }

// covered is s with its assignee covering for owner.
func covered(s State, owner string) State { s.Cover = owner; return s }

// want is what a test expects of a Decision.
type want struct {
	after   State
	code    string
	prompt  *Prompt // the prompt raised, or nil for none (At is not compared)
	clear   bool    // ClearPrompt
	notify  string
	pick    Pick
	explain []string // substrings of Explain()
	noNote  bool     // nothing changes: Notes() is nil
	// waitUntil is when the owner-away wait the decision arms runs out (zero: none)
	waitUntil time.Time
}

func check(t *testing.T, d Decision, w want) {
	t.Helper()
	if d.After != w.after {
		t.Errorf("After = %+v, want %+v", d.After, w.after)
	}
	if d.Code() != w.code {
		t.Errorf("Code() = %q, want %q", d.Code(), w.code)
	}
	if d.RaisePrompt != (w.prompt != nil) {
		t.Errorf("RaisePrompt = %v, want %v (prompt %+v)", d.RaisePrompt, w.prompt != nil, d.Prompt)
	} else if w.prompt != nil {
		p := d.Prompt
		if p.Kind != w.prompt.Kind || p.Target != w.prompt.Target || p.Team != w.prompt.Team ||
			p.RaisedBy != w.prompt.RaisedBy || !slices.Equal(p.Choices, w.prompt.Choices) {
			t.Errorf("Prompt = %+v, want %+v", p, *w.prompt)
		}
	}
	if d.ClearPrompt != w.clear {
		t.Errorf("ClearPrompt = %v, want %v", d.ClearPrompt, w.clear)
	}
	if d.Notify != w.notify {
		t.Errorf("Notify = %q, want %q", d.Notify, w.notify)
	}
	if n := d.Notifications(); (w.notify == "") != (n == nil) || (n != nil && (n[0].To != w.notify || n[0].Text == "")) {
		t.Errorf("Notifications() = %+v, want one to %q", n, w.notify)
	}
	if d.Pick != w.pick {
		t.Errorf("Pick = %+v, want %+v", d.Pick, w.pick)
	}
	if !d.WaitUntil.Equal(w.waitUntil) {
		t.Errorf("WaitUntil = %v, want %v", d.WaitUntil, w.waitUntil)
	}
	ex := d.Explain()
	if ex == "" {
		t.Errorf("Explain() is empty")
	}
	for _, s := range w.explain {
		if !strings.Contains(ex, s) {
			t.Errorf("Explain() = %q\n\tmissing %q", ex, s)
		}
	}
	notes := d.Notes()
	if w.noNote {
		if notes != nil || d.Changed() {
			t.Errorf("Notes() = %+v (Changed %v), want none", notes, d.Changed())
		}
		return
	}
	if len(notes) != 1 {
		t.Fatalf("Notes() = %+v, want one note", notes)
	}
	if notes[0].Reason != w.code || notes[0].Text != ex || notes[0].By != d.Actor || d.Actor == "" {
		t.Errorf("note = %+v, want reason %q, by %q, text %q", notes[0], w.code, d.Actor, ex)
	}
}

func promptOf(kind PromptKind, target, team, by string, choices ...string) *Prompt {
	return &Prompt{Kind: kind, Target: target, Team: team, RaisedBy: by, Choices: choices}
}

// withPrompt returns conv with a pending prompt.
func withPrompt(conv Conversation, p *Prompt) Conversation {
	q := *p
	q.At = t0
	conv.Prompt = &q
	return conv
}

func mustRefuse(t *testing.T, err error, k RefusalKind) {
	t.Helper()
	if !IsRefusal(err, k) {
		t.Fatalf("err = %v, want a %q refusal", err, k)
	}
	if err.Error() == "" {
		t.Fatalf("refusal %q has no text", k)
	}
}

// must(t)(DecideX(...)) fails the test when the action is refused.
func must(t *testing.T) func(Decision, error) Decision {
	return func(d Decision, err error) Decision {
		t.Helper()
		if err != nil {
			t.Fatalf("unexpected refusal: %v", err)
		}
		return d
	}
}
