package demo

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"switchboard/inbox"
)

var ctx = context.Background()

func open(t *testing.T) *inbox.Service {
	t.Helper()
	s, err := openInbox(filepath.Join(t.TempDir(), "demo.db"), inbox.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func seeded(t *testing.T) *inbox.Service {
	t.Helper()
	s := open(t)
	if err := Seed(ctx, s); err != nil {
		t.Fatal(err)
	}
	return s
}

func TestDemoWorkspaceKeepsItsPromises(t *testing.T) {
	s := seeded(t)
	st := s.Settings(ctx)
	if st.Plan != "business" || !st.ContactOwnerRouting || !st.RoundRobin || st.DefaultTeam != "support" {
		t.Fatalf("settings = %+v", st.Settings)
	}
	if len(st.Rules) != 2 {
		t.Fatalf("%d rules, want 2", len(st.Rules))
	}
	var names []string
	for _, tm := range s.Teams(ctx) {
		names = append(names, tm.Name)
	}
	if strings.Join(names, ",") != "Sales,Support,Billing" {
		t.Fatalf("teams = %v", names)
	}
	ops := s.Operators(ctx)
	admins, statuses := 0, map[string]int{}
	for _, o := range ops {
		if o.Role == "admin" {
			admins++
		}
		statuses[string(o.Status)]++
	}
	if len(ops) != 8 || admins != 2 || statuses["online"] == 0 || statuses["away"] == 0 || statuses["offline"] == 0 {
		t.Fatalf("%d operators, %d admins, statuses %v", len(ops), admins, statuses)
	}
	if s.DefaultOperator() != "maya" {
		t.Fatalf("demo opens as %q, want maya (an admin)", s.DefaultOperator())
	}
	all, err := s.List(ctx, inbox.Filter{View: inbox.ViewAll, Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(all.Conversations); n < 25 || n > 35 {
		t.Fatalf("%d conversations, want about thirty", n)
	}
	owned, unowned, open, closed, outside, calls := 0, 0, 0, 0, 0, 0
	members := map[string]map[string]bool{}
	for _, tm := range s.Teams(ctx) {
		members[tm.ID] = map[string]bool{}
		for _, m := range tm.Members {
			members[tm.ID][m] = true
		}
	}
	for _, c := range all.Conversations {
		if c.OwnerID() != "" {
			owned++
			if !members[c.Team][c.OwnerID()] {
				outside++
			}
		} else {
			unowned++
		}
		if c.Status == "open" {
			open++
		} else {
			closed++
		}
		d, err := s.Conversation(ctx, "maya", c.Contact.ID, "", 100)
		if err != nil {
			t.Fatal(err)
		}
		kinds := map[string]bool{}
		for _, e := range d.Timeline {
			kinds[string(e.Kind)] = true
		}
		if !kinds["message"] {
			t.Fatalf("%s has no message in its history", c.Contact.Name)
		}
		if kinds["call"] {
			calls++
		}
	}
	if owned == 0 || unowned == 0 || open == 0 || closed == 0 || outside == 0 || calls == 0 {
		t.Fatalf("owned %d unowned %d open %d closed %d owner-outside-team %d with calls %d", owned, unowned, open, closed, outside, calls)
	}
}

func TestGenerateLargeWorkspace(t *testing.T) {
	s := open(t)
	var last int
	if err := Generate(ctx, s, 12000, func(done, total int) { last = done }); err != nil {
		t.Fatal(err)
	}
	if last != 12000 {
		t.Fatalf("progress ended at %d", last)
	}
	c, err := s.Counts(ctx, "maya")
	if err != nil {
		t.Fatal(err)
	}
	if c.All != 12000 || c.Open+c.Closed != 12000 {
		t.Fatalf("counts = %+v", c)
	}
	if err := Generate(ctx, open(t), 0, nil); err == nil {
		t.Fatal("0 contacts accepted")
	}
}

// TestGeneratedWorkspaceKeepsTheRoutingRules: a generated workspace says what routing would
// have done, and only that: every assignee is Bot or one of its team's round-robin candidates
// (a member with the operator role, never an admin), an owner routing made is the person
// handling it, and the why names whom round robin picked.
func TestGeneratedWorkspaceKeepsTheRoutingRules(t *testing.T) {
	s := open(t)
	if err := Generate(ctx, s, 3000, nil); err != nil {
		t.Fatal(err)
	}
	role := map[string]string{}
	for _, o := range operators {
		role[o.ID] = string(o.Role)
	}
	inTeam := func(op, team string) bool { return member(team, op) }
	cursor, seen, bots := "", 0, 0
	for {
		page, err := s.List(ctx, inbox.Filter{View: inbox.ViewAll, Cursor: cursor, Limit: 500})
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range page.Conversations {
			seen++
			a, o := c.AssigneeID(), c.OwnerID()
			switch {
			case a == "bot":
				bots++
				if !strings.Contains(c.Why, "nobody online") {
					t.Fatalf("%s: Bot has it but the why says %q", c.Contact.ID, c.Why)
				}
			case role[a] != "operator" || !inTeam(a, c.Team):
				t.Fatalf("%s: assigned to %q (%s) in %s: round robin picks only operators of the team", c.Contact.ID, a, role[a], c.Team)
			case !strings.Contains(c.Why, "round robin in "+teamName(c.Team)+" picked "+opName(a)):
				t.Fatalf("%s: assigned to %s but the why says %q", c.Contact.ID, a, c.Why)
			}
			if o != "" && o != a {
				t.Fatalf("%s: owner %s but %s handles it: rule 1 makes the person handling it the owner", c.Contact.ID, o, a)
			}
		}
		if page.Next == "" {
			break
		}
		cursor = page.Next
	}
	if seen != 3000 || bots == 0 || bots > 600 {
		t.Fatalf("saw %d conversations, %d with Bot", seen, bots)
	}
}
