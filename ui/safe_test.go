package ui

import (
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"switchboard/inbox"
)

// quits reports whether the command a key returned quits the program.
func quits(cmd tea.Cmd) bool {
	if cmd == nil {
		return false
	}
	_, ok := cmd().(tea.QuitMsg)
	return ok
}

// TestPlanChangeAsksFirst: the plan changes routing for everyone, so space on it asks; esc
// keeps it, y changes it; the history names the default team by name.
func TestPlanChangeAsksFirst(t *testing.T) {
	svc := newService(t)
	h := newHarness(t, svc, "alice", Options{}, 120, 34)
	before := svc.Settings(bg).Plan
	h.keys("s", "j", "j", "j") // the plan
	h.want("▸ Plan: " + string(before))
	h.keys("space")
	h.want("Change the plan", "Change the plan from business to growth?", "y/enter change it   n/esc keep business")
	h.keys("esc")
	h.want("Nothing changed")
	if p := svc.Settings(bg).Plan; p != before {
		t.Fatalf("esc changed the plan to %s", p)
	}
	h.keys("space", "y")
	if p := svc.Settings(bg).Plan; p == before {
		t.Fatal("y did not change the plan")
	}
	h.want("Plan: " + string(before) + " → ")
	h.keys("k", "space") // the default team: no question, one step
	h.want("Default team: Support → ")
	if strings.Contains(h.screen(), "Default team: support") {
		t.Fatalf("the history names the team by its id:\n%s", h.screen())
	}
}

// TestQuitWithAReplyDraftAsksFirst: q or ctrl+c with a reply typed and not sent asks; esc
// goes back to the reply, a second ctrl+c (or y) quits; without a draft they quit at once.
func TestQuitWithAReplyDraftAsksFirst(t *testing.T) {
	h := newHarness(t, newService(t), "alice", Options{}, 120, 34)
	h.keys("enter", "r")
	h.typeText("half a thought")
	_, cmd := h.m.Update(keyMsg("ctrl+c"))
	if quits(cmd) {
		t.Fatal("ctrl+c with a draft quit at once")
	}
	h.run(cmd)
	h.want("Quit with a reply not sent?", "Your reply to Dana Diaz is not sent (“half a thought”)")
	h.keys("esc")
	h.want("Not quitting: your reply is still here", "half a thought")
	if !h.m.conv.replying {
		t.Fatal("the reply box closed")
	}
	h.send(keyMsg("ctrl+c"))
	if _, cmd := h.m.Update(keyMsg("ctrl+c")); !quits(cmd) {
		t.Fatal("a second ctrl+c did not quit")
	}
	// esc closes the box and keeps the draft; another conversation and back, r finds it
	h2 := newHarness(t, newService(t), "alice", Options{}, 120, 34)
	h2.keys("enter", "r")
	h2.want("esc closes the box, keeping the", "draft (r opens it again)")
	h2.typeText("kept")
	h2.keys("esc", "esc", "j", "k", "r")
	h2.want("reply› kept")
	h2.keys("esc")
	if _, cmd := h2.m.Update(keyMsg("q")); quits(cmd) {
		t.Fatal("q with a kept draft quit at once")
	}
	h3 := newHarness(t, newService(t), "alice", Options{}, 120, 34)
	if _, cmd := h3.m.Update(keyMsg("ctrl+c")); !quits(cmd) {
		t.Fatal("ctrl+c without a draft did not quit")
	}
}

// TestReplyTakesSeveralLinesAndReopensAClosedConversation: alt+enter (or shift+enter) starts
// a new line; a reply to a closed conversation says it reopens it, and does.
func TestReplyTakesSeveralLinesAndReopensAClosedConversation(t *testing.T) {
	svc := newService(t)
	if _, err := svc.CloseConversation(bg, "alice", dana, 0); err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, svc, "alice", Options{}, 120, 34)
	h.keys("/")
	h.typeText("Dana")
	h.keys("enter", "r")
	h.want("This conversation is closed: sending the reply", "reopens it (it stays with Bob Stone)")
	h.typeText("line one")
	h.send(tea.KeyPressMsg{Code: tea.KeyEnter, Mod: tea.ModAlt})
	h.typeText("line two")
	h.want("reply› line one", "line two")
	h.keys("enter")
	h.want("Reopened (it stays with Bob Stone) · reply kept here only")
	d, err := svc.Conversation(bg, "alice", dana, "", 1)
	if err != nil {
		t.Fatal(err)
	}
	if d.Conversation.Status != "open" || d.Timeline[len(d.Timeline)-1].Text != "line one\nline two" {
		t.Fatalf("after the reply: %s, %q", d.Conversation.Status, d.Timeline[len(d.Timeline)-1].Text)
	}
}

// TestEscCancelsADecisionTheirOwnActionRaised: making someone outside the team the owner asks
// to move the conversation; esc there takes the change back (the owner stays, no decision is
// left waiting), while esc on one raised by an inbound message leaves it for later.
func TestEscCancelsADecisionTheirOwnActionRaised(t *testing.T) {
	svc := newService(t)
	h := newHarness(t, svc, "alice", Options{}, 120, 34)
	h.keys("enter", "o")
	for h.picker().items[h.picker().cursor].id != "frank" {
		h.keys("j")
	}
	h.keys("enter")
	h.want("Team decision · Dana Diaz", "esc cancel: the owner stays as it was")
	h.keys("esc")
	d, err := svc.Conversation(bg, "alice", dana, "", 1)
	if err != nil {
		t.Fatal(err)
	}
	if d.Conversation.Prompt != nil || d.Conversation.OwnerID() != "bob" {
		t.Fatalf("after esc: owner %s, prompt %v", d.Conversation.OwnerID(), d.Conversation.Prompt)
	}
	h.want("cancelled making Frank Ode the contact owner", "Waiting for decision 0")
	h.wantNot("Team decision ·")
	// an inbound message raises one: esc leaves it waiting
	if _, err := svc.Inject(bg, inboxMessage(eve, "back again")); err != nil {
		t.Fatal(err)
	}
	h.settle()
	h.keys("/")
	h.typeText("Eve")
	h.keys("enter")
	h.want("Team decision · Eve Ortiz", "esc decide later")
	h.keys("esc")
	h.want("Left waiting", "Waiting for decision 1")
}

func inboxMessage(from, text string) inbox.Inbound {
	return inbox.Inbound{Channel: "message", From: from, Text: text}
}

// TestARefusalGoesToTheToastAndTheTimelineNotTheWhy: an action the service refuses shows in
// the status line and at the end of that conversation's timeline; the Why line keeps saying
// why the conversation is where it is.
func TestARefusalGoesToTheToastAndTheTimelineNotTheWhy(t *testing.T) {
	svc := newService(t)
	h := newHarness(t, svc, "alice", Options{}, 120, 34)
	h.keys("/")
	h.typeText("Eve")
	h.keys("enter")
	d, err := svc.Conversation(bg, "alice", eve, "", 1)
	if err != nil {
		t.Fatal(err)
	}
	why := d.Conversation.Why
	h.keys("r")
	h.typeText("hello")
	h.keys("enter") // the 24-hour window is closed: refused
	h.want("✗ refused, nothing changed: The 24-", "The 24-hour window with Eve Ortiz closed")
	// the text typed is not lost: r brings it back
	h.keys("r")
	h.want("reply› hello")
	if d, _ := svc.Conversation(bg, "alice", eve, "", 1); d.Conversation.Why != why {
		t.Fatalf("the refusal changed the why: %q → %q", why, d.Conversation.Why)
	}
	if why != "" {
		h.want("Why: " + strings.Fields(why)[0])
	}
}

// TestARefusalStaysWhereItHappened: a refusal is drawn among the timeline's entries at its
// time, so what came after it (here the customer's next message) is the newest line, not the
// refusal.
func TestARefusalStaysWhereItHappened(t *testing.T) {
	svc := newService(t)
	h := newHarness(t, svc, "alice", Options{}, 120, 60)
	h.keys("/")
	h.typeText("Eve")
	h.keys("enter")
	d, err := svc.Conversation(bg, "alice", eve, "", 1)
	if err != nil {
		t.Fatal(err)
	}
	// the screen's clock and the service's agree, as on one machine: the refusal comes after
	// the stored entries and before what the service stores next
	h.clock.now = d.Timeline[len(d.Timeline)-1].At.Add(time.Millisecond)
	h.keys("r")
	h.typeText("hello")
	h.keys("enter") // the 24-hour window is closed: refused
	h.want("✗ refused, nothing changed: The 24-")
	if _, err := svc.Inject(bg, inbox.Inbound{Channel: "message", From: d.Conversation.Contact.Phone, Text: "are you there"}); err != nil {
		t.Fatal(err)
	}
	h.eventually("Eve Ortiz: are you there")
	scr := h.screen()
	ref, msg := strings.Index(scr, "✗ refused, nothing changed"), strings.Index(scr, "Eve Ortiz: are you there")
	if ref < 0 || msg < 0 || ref > msg {
		t.Fatalf("the refusal (at %d) should come before the message that came after it (at %d):\n%s", ref, msg, scr)
	}
}

// TestInjectSelectorTakesOnlyArrows: the inject dialog shows the suggested contact selected
// (typing replaces it); on the message/call selector a letter or space is not a choice — it
// moves to the text and is typed there, so a message never silently becomes a call.
func TestInjectSelectorTakesOnlyArrows(t *testing.T) {
	h := newHarness(t, newService(t), "alice", Options{}, 120, 34)
	h.keys("enter", "i")
	h.want("+15550001111 (typing replaces it)", "[message]")
	h.typeText("Eve")
	h.keys("tab") // Eve Ortiz is picked: to What
	h.typeText("looks fine")
	d := open[*injectDlg](&h.m.dialogs)
	if d.kind != 0 || d.focus != 3 || d.text.String() != "looks fine" {
		t.Fatalf("letters on the selector: kind %s, focus %d, text %q", injectKinds[d.kind], d.focus, d.text.String())
	}
	h.keys("shift+tab", "right")
	h.want("[call · answered]")
	h.keys("left", "space")
	if d.kind != 0 || d.text.String() != "looks fine " {
		t.Fatalf("space on the selector: kind %s, text %q", injectKinds[d.kind], d.text.String())
	}
}
