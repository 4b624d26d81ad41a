package inbox

import (
	"bytes"
	"strings"
	"testing"
)

func TestInjectNewContactRoundRobinAndOwnerFollows(t *testing.T) {
	s := newService(t, true)
	out := noErr(s.Inject(ctx, Inbound{Channel: "message", From: "+1 555-000-4444", Name: "Gus Lee", Text: "hello there"}))(t)
	c := out.Conversation
	if c.Contact.ID != "15550004444" || c.Status != "open" || c.Team != "support" {
		t.Fatalf("conversation = %+v", c)
	}
	// Support: bob offline, carol online operator, dana admin → carol
	if c.AssigneeID() != "carol" || c.OwnerID() != "carol" {
		t.Fatalf("assignee %q owner %q, want carol/carol; why: %s", c.AssigneeID(), c.OwnerID(), out.Why)
	}
	if !strings.Contains(out.Why, "Bob Stone skipped (offline)") || !strings.Contains(out.Why, "Dana Kim skipped (admin)") {
		t.Fatalf("why = %q", out.Why)
	}
	d := noErr(s.Conversation(ctx, "alice", "15550004444", "", 10))(t)
	if len(d.Timeline) != 2 || d.Timeline[0].Kind != "message" || d.Timeline[1].Kind != "note" || d.Timeline[1].Reason != "round_robin" {
		t.Fatalf("timeline = %+v", d.Timeline)
	}
	if d.Conversation.Why != out.Why {
		t.Fatalf("stored why %q != %q", d.Conversation.Why, out.Why)
	}
}

func TestInjectSameExternalIDStoredOnce(t *testing.T) {
	s := newService(t, true)
	in := Inbound{Channel: "message", From: "15550009999", Text: "one", ExternalID: "wamid.X"}
	first := noErr(s.Inject(ctx, in))(t)
	second := noErr(s.Inject(ctx, in))(t)
	if first.Duplicate || !second.Duplicate {
		t.Fatalf("duplicate flags: %v %v", first.Duplicate, second.Duplicate)
	}
	d := noErr(s.Conversation(ctx, "alice", "15550009999", "", 100))(t)
	n := 0
	for _, e := range d.Timeline {
		if e.Kind == "message" {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("%d messages stored, want 1", n)
	}
}

func TestReopenOwnerOutsideTeamPromptsThenDecline(t *testing.T) {
	s := newService(t, true)
	// Eve Ortiz: owner erin (Sales), conversation closed in Support → row 2b
	out := noErr(s.Inject(ctx, Inbound{Channel: "call", From: "15550002222", Outcome: "missed"}))(t)
	if out.Prompt == nil || out.Conversation.AssigneeID() != "" {
		t.Fatalf("want a waiting prompt and no assignee, got %+v", out)
	}
	if want := "Erin Cho owns Eve Ortiz but is not in Support. Move the conversation to one of Erin Cho's teams?"; !strings.HasPrefix(out.Prompt.Question, want) {
		t.Fatalf("question = %q", out.Prompt.Question)
	}
	// erin (owner) and both admins hear about it
	for _, op := range []string{"erin", "alice", "dana"} {
		if ns := noErr(s.Notifications(ctx, op, false))(t); len(ns) != 1 {
			t.Fatalf("%s has %d notifications", op, len(ns))
		}
	}
	if ps := noErr(s.Prompts(ctx, "carol"))(t); len(ps) != 0 {
		t.Fatalf("carol may not answer, got %d prompts", len(ps))
	}
	_, err := s.Decline(ctx, "carol", "15550002222")
	wantKind(t, err, Forbidden)
	dec := noErr(s.Decline(ctx, "erin", "15550002222"))(t)
	if dec.Conversation.AssigneeID() != "bot" || dec.Conversation.Team != "support" || dec.Conversation.Prompt != nil {
		t.Fatalf("after decline: %+v", dec.Conversation)
	}
	ns := noErr(s.Notifications(ctx, "erin", false))(t)
	if len(ns) != 2 || !strings.Contains(ns[0].Text, "You could not be assigned to Eve Ortiz: you are not in Support") {
		t.Fatalf("erin's notifications: %+v", ns)
	}
	_, err = s.Accept(ctx, "alice", "15550002222", "sales")
	wantKind(t, err, AlreadyDecided)
	// Bot keeps it while open
	again := noErr(s.Inject(ctx, Inbound{Channel: "message", From: "15550002222", Text: "hello?"}))(t)
	if again.Conversation.AssigneeID() != "bot" {
		t.Fatalf("Bot should keep it, got %q", again.Conversation.AssigneeID())
	}
}

func TestAcceptMovesTeamAndAssignsOwner(t *testing.T) {
	s := newService(t, true)
	noErr(s.Inject(ctx, Inbound{Channel: "message", From: "15550002222", Text: "back again"}))(t)
	acc := noErr(s.Accept(ctx, "alice", "15550002222", "sales"))(t)
	c := acc.Conversation
	if c.Team != "sales" || c.AssigneeID() != "erin" || c.OwnerID() != "erin" || c.Prompt != nil {
		t.Fatalf("after accept: %+v", c)
	}
}

func TestStaleVersionConflicts(t *testing.T) {
	s := newService(t, true)
	d := noErr(s.Conversation(ctx, "alice", "15550001111", "", 10))(t)
	v := d.Conversation.Version
	noErr(s.Assign(ctx, "alice", "15550001111", "carol", v))(t)
	_, err := s.Assign(ctx, "dana", "15550001111", "dana", v)
	wantKind(t, err, Conflict)
	if err.Error() != TextStale {
		t.Fatalf("err = %q", err)
	}
}

func TestOnlyAdminsFlipRouting(t *testing.T) {
	s := newService(t, true)
	before := export(t, s)
	_, err := s.SetOwnerRouting(ctx, "carol", false)
	wantKind(t, err, Forbidden)
	if err.Error() != "Only admins can change routing settings" {
		t.Fatalf("err = %q", err)
	}
	if export(t, s) != before {
		t.Fatal("a refused flip changed the workspace")
	}
	ch := noErr(s.SetOwnerRouting(ctx, "alice", false))(t)
	if ch.From != "on" || ch.To != "off" || ch.By != "alice" {
		t.Fatalf("change = %+v", ch)
	}
	if s.Settings(ctx).ContactOwnerRouting {
		t.Fatal("routing still on")
	}
	h := noErr(s.History(ctx))(t)
	if len(h) != 1 || h[0].Key != "contact_owner_routing" {
		t.Fatalf("history = %+v", h)
	}
	noErr(s.SetPlan(ctx, "alice", "growth"))(t)
	_, err = s.SetOwnerRouting(ctx, "alice", true)
	wantKind(t, err, Forbidden)
	if err.Error() != "Contact owner-based routing needs the Pro or Business plan" {
		t.Fatalf("err = %q", err)
	}
}

func TestExportImportRoundTrip(t *testing.T) {
	s := newService(t, true)
	noErr(s.Inject(ctx, Inbound{Channel: "message", From: "15550004444", Name: "Gus", Text: "refund please"}))(t)
	noErr(s.Inject(ctx, Inbound{Channel: "message", From: "15550002222", Text: "again"}))(t)
	noErr(s.Reply(ctx, "carol", "15550004444", "on it"))(t)
	first := export(t, s)
	s2 := newService(t, false)
	if err := s2.Import(ctx, "", strings.NewReader(first), false); err != nil {
		t.Fatal(err)
	}
	if second := export(t, s2); second != first {
		t.Fatalf("round trip differs:\n%s\n----\n%s", first, second)
	}
}

func TestImportInvalidChangesNothing(t *testing.T) {
	s := newService(t, true)
	before := export(t, s)
	bad := strings.Replace(before, `"assignee":"bob"`, `"assignee":"zed"`, 1)
	err := s.Import(ctx, "alice", bytes.NewReader([]byte(bad)), true)
	wantKind(t, err, Invalid)
	if !strings.Contains(err.Error(), "conversations[0].assignee") {
		t.Fatalf("error does not name the field: %v", err)
	}
	if export(t, s) != before {
		t.Fatal("invalid import changed the workspace")
	}
}

// A "Team decision waiting" notification reads as no longer waiting once the decision was
// answered or withdrawn, so an old one never asks to accept or decline what is gone; one about
// a decision raised again later still asks.
func TestDecisionNotificationsSayWhenNoLongerWaiting(t *testing.T) {
	s, c := newServiceClock(t, true)
	eve := "15550002222"
	noErr(s.Inject(ctx, Inbound{Channel: "call", From: eve, Outcome: "missed"}))(t)
	ns := noErr(s.Notifications(ctx, "alice", true))(t)
	if len(ns) != 1 || !strings.HasPrefix(ns[0].Text, "Team decision waiting: ") || !strings.Contains(ns[0].Text, "to accept or decline") {
		t.Fatalf("alice's notifications while it waits: %+v", ns)
	}
	noErr(s.Accept(ctx, "dana", eve, ""))(t)
	ns = noErr(s.Notifications(ctx, "alice", true))(t)
	if len(ns) != 1 || !strings.HasPrefix(ns[0].Text, "Team decision no longer waiting (answered, or withdrawn") ||
		strings.Contains(ns[0].Text, "accept or decline") || !strings.Contains(ns[0].Text, "Erin Cho owns Eve Ortiz") {
		t.Fatalf("alice's notifications after dana accepted: %+v", ns)
	}
	// closed, then a new call raises the decision again (the owner is still outside the team)
	v := noErr(s.Conversation(ctx, "alice", eve, "", 1))(t).Conversation.Version
	noErr(s.ChangeTeam(ctx, "alice", eve, "support", v))(t)
	v = noErr(s.Conversation(ctx, "alice", eve, "", 1))(t).Conversation.Version
	noErr(s.CloseConversation(ctx, "alice", eve, v))(t)
	c.advance(3600e9)
	out := noErr(s.Inject(ctx, Inbound{Channel: "call", From: eve, Outcome: "missed"}))(t)
	if out.Prompt == nil {
		t.Fatalf("the second call raised no decision: %+v", out.Conversation)
	}
	ns = noErr(s.Notifications(ctx, "alice", true))(t)
	var waiting, gone int
	for _, n := range ns {
		switch {
		case strings.HasPrefix(n.Text, "Team decision waiting: "):
			waiting++
		case strings.HasPrefix(n.Text, "Team decision no longer waiting"):
			gone++
		}
	}
	if waiting != 1 || gone != 1 {
		t.Fatalf("after a second decision: %d waiting, %d no longer: %+v", waiting, gone, ns)
	}
	// the stored text is unchanged: an export keeps what was said
	if !strings.Contains(export(t, s), "open Eve Ortiz to accept or decline") {
		t.Fatal("the stored notification was rewritten")
	}
}
