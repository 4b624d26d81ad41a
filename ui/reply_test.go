package ui

import (
	tea "charm.land/bubbletea/v2"

	"context"
	"strings"
	"testing"

	"switchboard/inbox"
	"switchboard/inbox/domain"
)

// A reply shows its true state: without a sender it says it was not sent, never "sent"; a
// failure's text from WhatsApp is drawn safely, R queues it again; the header says whether
// free text may be sent; outside the window the reply box warns and offers the templates.
func TestRepliesShowTheirTrueState(t *testing.T) {
	svc := newService(t)
	ctx := context.Background()
	h := newHarness(t, svc, "alice", Options{}, 140, 40)
	h.keys("/")
	h.typeText("Dana")
	h.keys("enter")
	h.eventually("Dana Diaz +15550001111", "Not sending: no WhatsApp number configured · free text until")
	h.keys("r")
	h.typeText("on its way")
	h.keys("enter")
	h.eventually("Reply kept here only", "on its way  (not sent: no WhatsApp")
	if strings.Contains(h.screen(), "(sent") {
		t.Fatalf("a reply with no sender looks sent:\n%s", h.screen())
	}

	// a sender's record of a failure, with a title from outside
	svc.SetOutbound(true, "")
	out, err := svc.Reply(ctx, "alice", "15550001111", "second")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.ClaimOutbox(ctx, 10); err != nil {
		t.Fatal(err)
	}
	if err := svc.RecordSend(ctx, inbox.Result{ID: out.Entry.ID, Failed: "WhatsApp error 131026 (Bad\x1b[2Jtitle): check the number"}); err != nil {
		t.Fatal(err)
	}
	h.eventually("second  (failed: WhatsApp error 131026", "(Bad␛[2Jtitle)", "R send again")
	h.keys("R")
	h.eventually("Queued again: " + out.Entry.ID)
	if e, _ := svc.ReplyEntry(out.Entry.ID); e.Delivery != domain.DeliveryQueued {
		t.Fatalf("after R the reply is %s", e.Delivery)
	}

	// Eve wrote long ago: the header says the window closed, the reply box warns and offers
	if err := svc.PutTemplates(ctx, "alice", []domain.Template{{Name: "order_update", Language: "en_US", Status: "APPROVED", Body: "Hi {{1}}, order {{2}}", Params: 2}}); err != nil {
		t.Fatal(err)
	}
	h.keys("/")
	h.typeText("Eve")
	h.keys("enter")
	h.eventually("Eve Ortiz", "Window closed Nov 24 09:00: templates only")
	h.keys("r")
	h.eventually("Free text cannot be sent now")
	h.keys("ctrl+t")
	h.typeText("Eve|A-17")
	h.eventually("template order_update (en_US)", "→ Hi Eve, order A-17")
	h.keys("enter")
	h.eventually("[template order_update]: Hi Eve,", "(queued)")
}

// A paste into the reply box keeps its line breaks however the terminal sends them: LF, CRLF
// or CR alone (tmux's paste turns LF into CR; many terminals send CR). A one-line field takes
// each break as a space.
func TestPastedLineBreaksAreKept(t *testing.T) {
	svc := newService(t)
	h := newHarness(t, svc, "alice", Options{}, 140, 40)
	h.keys("/")
	h.typeText("Dana")
	h.keys("enter")
	h.eventually("Dana Diaz +15550001111")
	h.keys("r")
	for _, paste := range []string{"pasted line\rsecond line", "pasted line\r\nsecond line", "pasted line\nsecond line"} {
		h.m.conv.reply.set("")
		h.send(tea.PasteMsg{Content: paste})
		if got := h.m.conv.reply.String(); got != "pasted line\nsecond line" {
			t.Fatalf("pasting %q gives the draft %q", paste, got)
		}
		scr := h.screen()
		if strings.Contains(scr, "pasted linesecond line") || !strings.Contains(scr, "second line") {
			t.Fatalf("pasting %q: the reply box does not show two lines:\n%s", paste, scr)
		}
	}
	f := field{}
	f.update(tea.PasteMsg{Content: "one\rtwo\r\nthree"})
	if got := f.String(); got != "one two three" {
		t.Fatalf("a one-line field takes the paste as %q", got)
	}
}

// A reply longer than WhatsApp takes is never cut without a word: the box counts the characters
// near the limit, and a key or paste past it says how many were not taken; the CLI's limit and
// the box's are one (inbox.MaxText).
func TestTooLongAReplyIsSaid(t *testing.T) {
	svc := newService(t)
	h := newHarness(t, svc, "alice", Options{}, 140, 40)
	h.keys("/")
	h.typeText("Dana")
	h.keys("enter")
	h.eventually("Dana Diaz +15550001111")
	h.keys("r")
	h.send(tea.PasteMsg{Content: strings.Repeat("word ", 1000)}) // 5,000 characters
	if got := len([]rune(h.m.conv.reply.String())); got != inbox.MaxText {
		t.Fatalf("the box holds %d characters, want %d", got, inbox.MaxText)
	}
	h.want("A reply can be at most 4096 characters (WhatsApp's limit): the last 904 typed were not taken",
		"4096 of 4096 characters")
	h.keys("backspace")
	h.want("4095 of 4096 characters")
}

// ctrl+t through the templates and back to free text gives back the free text typed before;
// esc with a template picked keeps that free text as the draft, not the template's parameters.
func TestTemplatesKeepTheFreeTextDraft(t *testing.T) {
	svc := newService(t)
	if err := svc.PutTemplates(bg, "alice", []domain.Template{{Name: "order_update", Language: "en_US", Status: "APPROVED", Body: "Hi {{1}}, order {{2}}", Params: 2},
		{Name: "follow_up", Language: "en_US", Status: "APPROVED", Body: "Still there, {{1}}?", Params: 1}}); err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, svc, "alice", Options{}, 140, 40)
	h.keys("/")
	h.typeText("Dana")
	h.keys("enter")
	h.eventually("Dana Diaz +15550001111")
	h.keys("r")
	h.typeText("hello there")
	h.keys("ctrl+t")
	h.want("template order_update (en_US) · type its 2 parameters", "first | second …; enter sends")
	h.typeText("Dana|A-17")
	h.keys("ctrl+t")
	h.want("template follow_up (en_US) · type its parameter", "the parameter; enter sends")
	h.wantNot("1 parameters")
	h.keys("ctrl+t") // past the last template: free text again
	h.want("reply› hello there")
	h.keys("ctrl+t", "esc", "r")
	h.want("reply› hello there")
}

// The reply box gives the focus back where r took it from: after a send or esc, j moves in
// the list again (it used to scroll the timeline, the focus left in the conversation pane);
// r pressed while reading the timeline leaves the focus there.
func TestClosingTheReplyBoxGivesTheFocusBack(t *testing.T) {
	svc := newService(t)
	h := newHarness(t, svc, "alice", Options{}, 140, 40)
	h.eventually("Dana Diaz")
	first := h.m.list.sel
	if first == "" {
		t.Fatal("nothing is selected at the start")
	}
	h.keys("r")
	h.typeText("on its way")
	h.keys("enter")
	h.eventually("Reply kept here only")
	if h.m.focus != paneList {
		t.Fatalf("after a send the focus is on pane %d, not the list", h.m.focus)
	}
	h.keys("j")
	h.settle()
	if h.m.list.sel == first {
		t.Fatalf("j after a send did not move the list's selection (still %s)", first)
	}
	second := h.m.list.sel
	h.keys("r")
	h.typeText("draft")
	h.keys("esc")
	if h.m.focus != paneList {
		t.Fatalf("after esc the focus is on pane %d, not the list", h.m.focus)
	}
	h.keys("k")
	h.settle()
	if h.m.list.sel == second {
		t.Fatal("k after esc did not move the list's selection")
	}
	// r from the conversation pane: the focus stays there
	h.keys("tab")
	if h.m.focus != paneConv {
		t.Fatalf("tab went to pane %d", h.m.focus)
	}
	h.keys("r", "esc")
	if h.m.focus != paneConv {
		t.Fatalf("r, esc from the conversation pane left the focus on pane %d", h.m.focus)
	}
}

// A status about what is being typed goes when the typing changes it: "The reply is empty"
// does not stay over a reply being typed, nor "Nothing matches" over a query that matches and
// the conversation it opened. A status about something else stays.
func TestAStatusAboutTypingGoesWithTheTyping(t *testing.T) {
	svc := newService(t)
	h := newHarness(t, svc, "alice", Options{}, 140, 40)
	h.eventually("Dana Diaz")
	h.keys("r", "enter")
	h.want("The reply is empty: type something to send")
	h.typeText("o")
	h.wantNot("The reply is empty")
	h.keys("esc")

	h.keys("/")
	h.typeText("zzzz")
	h.settle()
	h.keys("enter")
	h.want("Nothing matches: type part of a name")
	h.keys("backspace", "backspace", "backspace", "backspace")
	h.typeText("Eve")
	h.settle()
	h.wantNot("Nothing matches: type part")
	h.keys("enter")
	h.eventually("Eve Ortiz")
	h.wantNot("Nothing matches")

	// a refusal about an action stays while the person types a reply
	h.m.setStatus(1, "Only admins can change routing settings")
	h.keys("r")
	h.typeText("x")
	h.want("Only admins can change routing settings")
}
