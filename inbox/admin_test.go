package inbox

import (
	"fmt"
	"strings"
	"switchboard/inbox/domain"
	"testing"
)

// refusedUnchanged runs a command that must be refused with kind and checks the workspace did
// not change.
func refusedUnchanged(t *testing.T, s *Service, kind Kind, name string, f func() error) error {
	t.Helper()
	before := export(t, s)
	err := f()
	if err == nil || KindOf(err) != kind {
		t.Fatalf("%s: want a %s error, got %v", name, kind, err)
	}
	if after := export(t, s); after != before {
		t.Fatalf("%s: refused, but the workspace changed:\n%s", name, firstDiff(before, after))
	}
	return err
}

func TestAdminOnlyCommandsRefuseOthers(t *testing.T) {
	s := newService(t, true)
	for name, f := range map[string]func() error{
		"routing":      func() error { _, err := s.SetOwnerRouting(ctx, "carol", false); return err },
		"round robin":  func() error { _, err := s.SetRoundRobin(ctx, "carol", false); return err },
		"plan":         func() error { _, err := s.SetPlan(ctx, "carol", "pro"); return err },
		"default team": func() error { _, err := s.SetDefaultTeam(ctx, "carol", "sales"); return err },
		"add operator": func() error {
			return s.AddOperator(ctx, "carol", domain.Operator{ID: "gil", Name: "Gil", Role: "operator", Status: "online"})
		},
		"update operator": func() error {
			return s.UpdateOperator(ctx, "carol", domain.Operator{ID: "carol", Name: "C", Role: "admin", Status: "online"})
		},
		"delete operator": func() error { return s.DeleteOperator(ctx, "carol", "bob") },
		"add team":        func() error { return s.AddTeam(ctx, "carol", domain.Team{ID: "x", Name: "X"}) },
		"rename team":     func() error { return s.RenameTeam(ctx, "carol", "sales", "S") },
		"delete team":     func() error { return s.DeleteTeam(ctx, "carol", "billing") },
		"add member":      func() error { return s.AddMember(ctx, "carol", "sales", "carol") },
		"remove member":   func() error { return s.RemoveMember(ctx, "carol", "support", "bob") },
		"save contact": func() error {
			_, err := s.SaveContact(ctx, "carol", domain.Contact{ID: "15550003333", Name: "F"})
			return err
		},
		"add rule": func() error { return s.AddRule(ctx, "carol", domain.Rule{Name: "x", Channel: "call", To: "bot"}) },
		"update rule": func() error {
			return s.UpdateRule(ctx, "carol", domain.Rule{Name: "refunds", Channel: "call", To: "bot"})
		},
		"move rule":   func() error { return s.MoveRule(ctx, "carol", "refunds", 0) },
		"delete rule": func() error { return s.DeleteRule(ctx, "carol", "refunds") },
		"replace":     func() error { return s.Import(ctx, "carol", strings.NewReader(export(t, s)), true) },
	} {
		refusedUnchanged(t, s, Forbidden, name, f)
	}
	// an unknown actor is not found, naming them
	err := refusedUnchanged(t, s, NotFound, "unknown actor", func() error { return s.AddTeam(ctx, "zed", domain.Team{ID: "x", Name: "X"}) })
	if !strings.Contains(err.Error(), `"zed"`) {
		t.Fatalf("does not name the id: %v", err)
	}
}

func TestSettingsFlipsHistoryAndLocks(t *testing.T) {
	s := newService(t, true)
	noErr(s.Inject(ctx, Inbound{Channel: "message", From: "15551110000", Text: "hello"}))(t)
	conv := convPart(t, s)
	ch := noErr(s.SetRoundRobin(ctx, "dana", false))(t)
	if ch.Key != "round_robin" || ch.By != "dana" || ch.From != "on" || ch.To != "off" || ch.At.IsZero() {
		t.Fatalf("change = %+v", ch)
	}
	noErr(s.SetOwnerRouting(ctx, "alice", false))(t)
	noErr(s.SetOwnerRouting(ctx, "alice", false))(t) // no change: no history entry
	noErr(s.SetDefaultTeam(ctx, "alice", "sales"))(t)
	noErr(s.SetPlan(ctx, "alice", "growth"))(t)
	if convPart(t, s) != conv {
		t.Fatal("settings changes changed conversations")
	}
	h := noErr(s.History(ctx))(t)
	var got []string
	for _, c := range h {
		got = append(got, fmt.Sprintf("%s %s %s→%s", c.By, c.Key, c.From, c.To))
	}
	want := []string{"dana round_robin on→off", "alice contact_owner_routing on→off", "alice default_team support→sales", "alice plan business→growth"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("history = %v", got)
	}
	for i := 1; i < len(h); i++ {
		if h[i].At.Before(h[i-1].At) {
			t.Fatal("history not oldest first")
		}
	}
	st := s.Settings(ctx)
	if st.OwnerRoutingLock != "Contact owner-based routing needs the Pro or Business plan" || st.RoundRobinLock != "Round robin needs the Business plan" || st.DefaultTeam != "sales" {
		t.Fatalf("settings = %+v", st)
	}
	refusedUnchanged(t, s, Forbidden, "owner routing on growth", func() error { _, err := s.SetOwnerRouting(ctx, "alice", true); return err })
	refusedUnchanged(t, s, Forbidden, "round robin on growth", func() error { _, err := s.SetRoundRobin(ctx, "alice", true); return err })
	refusedUnchanged(t, s, Invalid, "unknown plan", func() error { _, err := s.SetPlan(ctx, "alice", "gold"); return err })
	refusedUnchanged(t, s, NotFound, "unknown default team", func() error { _, err := s.SetDefaultTeam(ctx, "alice", "legal"); return err })
	noErr(s.SetPlan(ctx, "alice", "pro"))(t)
	st = s.Settings(ctx)
	if st.OwnerRoutingLock != "" || st.RoundRobinLock == "" {
		t.Fatalf("pro locks = %+v", st)
	}
	noErr(s.SetOwnerRouting(ctx, "alice", true))(t)
	if !s.Settings(ctx).OwnerRoutingActive {
		t.Fatal("owner routing not in force on pro")
	}
}

func TestOperatorsTeamsMembersContactsRules(t *testing.T) {
	s := newService(t, true)
	noErr(0, s.AddOperator(ctx, "alice", domain.Operator{ID: "gil", Name: "Gil Moe", Role: "operator", Status: "online"}))(t)
	refusedUnchanged(t, s, Conflict, "duplicate operator", func() error {
		return s.AddOperator(ctx, "alice", domain.Operator{ID: "gil", Name: "G", Role: "operator", Status: "online"})
	})
	noErr(0, s.AddTeam(ctx, "alice", domain.Team{ID: "vip", Name: "VIP", Members: []string{"gil"}}))(t)
	noErr(0, s.AddMember(ctx, "alice", "vip", "carol"))(t)
	refusedUnchanged(t, s, Conflict, "member twice", func() error { return s.AddMember(ctx, "alice", "vip", "carol") })
	noErr(0, s.RenameTeam(ctx, "alice", "vip", "Very Important"))(t)
	teams := s.Teams(ctx)
	if len(teams) != 4 || teams[3].ID != "vip" || teams[3].Name != "Very Important" || strings.Join(teams[3].Members, ",") != "gil,carol" {
		t.Fatalf("teams = %+v", teams)
	}
	for _, o := range s.Operators(ctx) {
		if o.ID == "carol" && strings.Join(o.Teams, ",") != "support,billing,vip" {
			t.Fatalf("carol's teams = %v", o.Teams)
		}
	}
	// RemoveMember: bob's conversation in Support is unassigned with a note; his ownership stays
	noErr(0, s.RemoveMember(ctx, "alice", "support", "bob"))(t)
	d := noErr(s.Conversation(ctx, "alice", danaDiaz, "", 1))(t)
	if d.Conversation.AssigneeID() != "" || d.Conversation.OwnerID() != "bob" || d.Timeline[0].Reason != "member_removed" {
		t.Fatalf("after remove member: %+v %+v", d.Conversation, d.Timeline[0])
	}
	// DeleteOperator: erin owns Eve and waits on a prompt; her ownership is cleared, the prompt
	// withdrawn, her notifications go; each change with an operator_deleted note
	noErr(s.Inject(ctx, Inbound{Channel: "message", From: eveOrtiz, Text: "hi"}))(t)
	noErr(s.Assign(ctx, "alice", danaDiaz, "carol", 0))(t)
	noErr(s.SetOwner(ctx, "alice", finnPark, "erin", 0))(t)
	noErr(0, s.DeleteOperator(ctx, "alice", "erin"))(t)
	d = noErr(s.Conversation(ctx, "alice", eveOrtiz, "", 1))(t)
	if d.Conversation.Prompt != nil || d.Conversation.OwnerID() != "" || d.Timeline[0].Reason != "operator_deleted" {
		t.Fatalf("after delete: %+v %+v", d.Conversation, d.Timeline[0])
	}
	if c, _, _ := contactOwner(s, finnPark); c != "" {
		t.Fatalf("finn still owned by %q", c)
	}
	if _, ok := s.Operator("erin"); ok {
		t.Fatal("erin still there")
	}
	for _, tm := range s.Teams(ctx) {
		for _, m := range tm.Members {
			if m == "erin" {
				t.Fatalf("erin still in %s", tm.ID)
			}
		}
	}
	// deleting carol unassigns her conversation
	noErr(0, s.DeleteOperator(ctx, "alice", "carol"))(t)
	if d := noErr(s.Conversation(ctx, "alice", danaDiaz, "", 1))(t); d.Conversation.AssigneeID() != "" || d.Timeline[0].Reason != "operator_deleted" {
		t.Fatalf("carol's conversation: %+v", d.Conversation)
	}
	checkInvariants(t, s)
	// last-admin protection
	noErr(0, s.DeleteOperator(ctx, "alice", "dana"))(t)
	refusedUnchanged(t, s, Invalid, "delete self", func() error { return s.DeleteOperator(ctx, "alice", "alice") })
	refusedUnchanged(t, s, Invalid, "demote last admin", func() error {
		return s.UpdateOperator(ctx, "alice", domain.Operator{ID: "alice", Name: "Alice", Role: "operator", Status: "online"})
	})
	// a rule that names an operator keeps them
	noErr(0, s.AddRule(ctx, "alice", domain.Rule{Name: "calls", Channel: "call", To: "operator:frank"}))(t)
	refusedUnchanged(t, s, Invalid, "delete rule target", func() error { return s.DeleteOperator(ctx, "alice", "frank") })
	noErr(0, s.MoveRule(ctx, "alice", "calls", 0))(t)
	if st := s.Settings(ctx); st.Rules[0].Name != "calls" || st.Rules[1].Name != "refunds" {
		t.Fatalf("rules = %+v", st.Rules)
	}
	noErr(0, s.UpdateRule(ctx, "alice", domain.Rule{Name: "calls", Channel: "call", To: "bot"}))(t)
	refusedUnchanged(t, s, Invalid, "rule without condition", func() error { return s.AddRule(ctx, "alice", domain.Rule{Name: "x", To: "bot"}) })
	refusedUnchanged(t, s, NotFound, "rule to unknown team", func() error {
		return s.AddRule(ctx, "alice", domain.Rule{Name: "x", Channel: "call", To: "team:legal"})
	})
	refusedUnchanged(t, s, Invalid, "delete team a rule uses", func() error { return s.DeleteTeam(ctx, "alice", "billing") })
	refusedUnchanged(t, s, Invalid, "delete default team", func() error { return s.DeleteTeam(ctx, "alice", "support") })
	noErr(0, s.DeleteRule(ctx, "alice", "calls"))(t)
	refusedUnchanged(t, s, NotFound, "delete unknown rule", func() error { return s.DeleteRule(ctx, "alice", "calls") })
	noErr(0, s.DeleteTeam(ctx, "alice", "vip"))(t)
	// contacts: SaveContact keeps the owner
	noErr(s.SetOwner(ctx, "alice", danaDiaz, "frank", 0))(t)
	cv := noErr(s.SaveContact(ctx, "alice", domain.Contact{ID: "+1 555 000-1111", Name: "Dana D.", Tags: []string{"vip", "new"}}))(t)
	if cv.ID != danaDiaz || cv.Name != "Dana D." || cv.OwnerID() != "frank" {
		t.Fatalf("saved contact = %+v", cv)
	}
	if s.DefaultOperator() != "alice" {
		t.Fatalf("default operator = %q", s.DefaultOperator())
	}
}

func contactOwner(s *Service, id string) (string, bool, error) {
	cs, err := s.Contacts(ctx, id, 1)
	if err != nil || len(cs) == 0 {
		return "", false, err
	}
	return cs[0].OwnerID(), true, nil
}

func TestBadInputChangesNothing(t *testing.T) {
	s := newService(t, true)
	long := strings.Repeat("é", MaxText+1)
	longName := strings.Repeat("n", MaxName+1)
	cases := []struct {
		name string
		kind Kind
		f    func() error
		says string
	}{
		{"5 digits", Invalid, func() error {
			_, err := s.Inject(ctx, Inbound{Channel: "message", From: "12345", Text: "x"})
			return err
		}, "6 to 15"},
		{"16 digits", Invalid, func() error {
			_, err := s.Inject(ctx, Inbound{Channel: "message", From: "+1234 5678-9012 3456", Text: "x"})
			return err
		}, "16 digits"},
		{"letters", Invalid, func() error {
			_, err := s.Inject(ctx, Inbound{Channel: "message", From: "1555abc1234", Text: "x"})
			return err
		}, "digits only"},
		{"long text", Invalid, func() error {
			_, err := s.Inject(ctx, Inbound{Channel: "message", From: "15551112222", Text: long})
			return err
		}, "4096"},
		{"long reply", Invalid, func() error { _, err := s.Reply(ctx, "bob", danaDiaz, long); return err }, "4096"},
		{"long name", Invalid, func() error {
			_, err := s.Inject(ctx, Inbound{Channel: "message", From: "15551112222", Name: longName, Text: "x"})
			return err
		}, "256"},
		{"long operator name", Invalid, func() error {
			return s.AddOperator(ctx, "alice", domain.Operator{ID: "gil", Name: longName, Role: "operator", Status: "online"})
		}, "256"},
		{"long team name", Invalid, func() error { return s.AddTeam(ctx, "alice", domain.Team{ID: "x", Name: longName}) }, "256"},
		{"long contact name", Invalid, func() error {
			_, err := s.SaveContact(ctx, "alice", domain.Contact{ID: "15551112222", Name: longName})
			return err
		}, "256"},
		{"unknown contact", NotFound, func() error { _, err := s.Assign(ctx, "alice", "15559999999", "bob", 0); return err }, "15559999999"},
		{"unknown operator", NotFound, func() error { _, err := s.SetOwner(ctx, "alice", danaDiaz, "zed", 0); return err }, `"zed"`},
		{"unknown team", NotFound, func() error { return s.AddMember(ctx, "alice", "legal", "bob") }, `"legal"`},
		{"unknown member", NotFound, func() error { return s.AddMember(ctx, "alice", "sales", "zed") }, `"zed"`},
		{"team with unknown member", NotFound, func() error {
			return s.AddTeam(ctx, "alice", domain.Team{ID: "x", Name: "X", Members: []string{"zed"}})
		}, `"zed"`},
		{"bad operator id", Invalid, func() error {
			return s.AddOperator(ctx, "alice", domain.Operator{ID: "a b", Name: "A", Role: "operator", Status: "online"})
		}, "a b"},
		{"reserved id", Invalid, func() error {
			return s.AddOperator(ctx, "alice", domain.Operator{ID: "bot", Name: "A", Role: "operator", Status: "online"})
		}, "reserved"},
		{"bad role", Invalid, func() error {
			return s.AddOperator(ctx, "alice", domain.Operator{ID: "gil", Name: "A", Role: "boss", Status: "online"})
		}, "boss"},
		{"unknown list team", NotFound, func() error { _, err := s.List(ctx, Filter{View: ViewTeam, Team: "legal"}); return err }, `"legal"`},
		{"unknown view", Invalid, func() error { _, err := s.List(ctx, Filter{View: "starred"}); return err }, "starred"},
		{"bad cursor", Invalid, func() error { _, err := s.List(ctx, Filter{View: ViewAll, Cursor: "!!"}); return err }, "cursor"},
	}
	for _, c := range cases {
		err := refusedUnchanged(t, s, c.kind, c.name, c.f)
		if !strings.Contains(err.Error(), c.says) {
			t.Fatalf("%s: %q does not say %q", c.name, err, c.says)
		}
	}
	// and the accepted forms: + spaces and dashes are stripped
	out := noErr(s.Inject(ctx, Inbound{Channel: "message", From: " +1 555-111 2222 ", Text: "x"}))(t)
	if out.Conversation.Contact.ID != "15551112222" {
		t.Fatalf("id = %s", out.Conversation.Contact.ID)
	}
}

func TestStaleVersionsRefuseEveryAction(t *testing.T) {
	s := newService(t, true)
	v := noErr(s.Conversation(ctx, "alice", danaDiaz, "", 1))(t).Conversation.Version
	noErr(s.Assign(ctx, "alice", danaDiaz, "carol", v))(t)
	for name, f := range map[string]func() error{
		"assign": func() error { _, err := s.Assign(ctx, "dana", danaDiaz, "bot", v); return err },
		"owner":  func() error { _, err := s.SetOwner(ctx, "dana", danaDiaz, "none", v); return err },
		"team":   func() error { _, err := s.ChangeTeam(ctx, "dana", danaDiaz, "billing", v); return err },
		"close":  func() error { _, err := s.CloseConversation(ctx, "dana", danaDiaz, v); return err },
	} {
		err := refusedUnchanged(t, s, Conflict, name, f)
		if err.Error() != TextStale {
			t.Fatalf("%s: %q", name, err)
		}
	}
	// a reply does not change the version: an action with the new version still works
	v2 := noErr(s.Conversation(ctx, "alice", danaDiaz, "", 1))(t).Conversation.Version
	noErr(s.Reply(ctx, "carol", danaDiaz, "hi"))(t)
	noErr(s.CloseConversation(ctx, "carol", danaDiaz, v2))(t)
}

// TestRuleChangesAreInTheSettingsHistory: adding, editing, moving and removing an automation
// rule are recorded as "rule:<name>", from what it was to what it is, naming teams and people
// by name; a refused change records nothing.
func TestRuleChangesAreInTheSettingsHistory(t *testing.T) {
	s := newService(t, true)
	before := len(noErr(s.History(ctx))(t))
	noErr(0, s.AddRule(ctx, "alice", domain.Rule{Name: "calls", Channel: "call", To: "operator:frank"}))(t)
	noErr(0, s.UpdateRule(ctx, "alice", domain.Rule{Name: "calls", Channel: "call", Keyword: "urgent", To: "team:billing"}))(t)
	noErr(0, s.MoveRule(ctx, "alice", "calls", 0))(t)
	if err := s.AddRule(ctx, "carol", domain.Rule{Name: "x", Channel: "call", To: "bot"}); err == nil {
		t.Fatal("an operator added a rule")
	}
	noErr(0, s.DeleteRule(ctx, "alice", "calls"))(t)
	h := noErr(s.History(ctx))(t)[before:]
	want := [][3]string{
		{"rule:calls", "", "#2 a call, to Frank Ode"},
		{"rule:calls", "#2 a call, to Frank Ode", "#2 a call, says “urgent”, to team Billing"},
		{"rule:calls", "#2 a call, says “urgent”, to team Billing", "#1 a call, says “urgent”, to team Billing"},
		{"rule:calls", "#1 a call, says “urgent”, to team Billing", ""},
	}
	if len(h) != len(want) {
		t.Fatalf("history: %+v", h)
	}
	for i, w := range want {
		if h[i].Key != w[0] || h[i].From != w[1] || h[i].To != w[2] || h[i].By != "alice" {
			t.Fatalf("entry %d = %+v, want %v", i, h[i], w)
		}
	}
}

// TestNamesThatCannotBeSeenAreRefused: a new or changed operator or team name with a
// character that draws nothing is refused by the service (every door), and changes nothing; a
// name stored before the rule (here: imported) does not stop other changes to its operator.
func TestNamesThatCannotBeSeenAreRefused(t *testing.T) {
	s := newService(t, true)
	for name, f := range map[string]func() error{
		"add operator": func() error {
			return s.AddOperator(ctx, "alice", domain.Operator{ID: "gil", Name: "Gi\u200bl", Role: "operator", Status: "online"})
		},
		"rename operator": func() error {
			return s.UpdateOperator(ctx, "alice", domain.Operator{ID: "carol", Name: "Carol\u2060", Role: "operator", Status: "online"})
		},
		"add team":    func() error { return s.AddTeam(ctx, "alice", domain.Team{ID: "vip", Name: "\ufeffVIP"}) },
		"rename team": func() error { return s.RenameTeam(ctx, "alice", "sales", "Sa\u00adles") },
	} {
		err := refusedUnchanged(t, s, Invalid, name, f)
		if !strings.Contains(err.Error(), "a character that cannot be seen") {
			t.Errorf("%s: %v", name, err)
		}
	}
	if err := s.AddTeam(ctx, "alice", domain.Team{ID: "pride", Name: "🏳️\u200d🌈 Pride"}); err != nil {
		t.Fatalf("a joiner between two emoji: %v", err)
	}

	doc := strings.Replace(export(t, s), `"Carol`, `"Car\u200bol`, 1)
	if err := s.Import(ctx, "alice", strings.NewReader(doc), true); err != nil {
		t.Fatalf("a document with such a name no longer imports: %v", err)
	}
	c, ok := s.Operator("carol")
	if !ok || c.Name != "Car\u200bol Diaz" {
		t.Fatalf("carol after the import: %+v", c)
	}
	c.Status = "away"
	if err := s.UpdateOperator(ctx, "alice", c); err != nil {
		t.Fatalf("a status change of an operator whose stored name has one: %v", err)
	}
}
