package ui

import (
	"fmt"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"switchboard/inbox"
)

// A decision that waits for me rings once, shows in the 🔔 count, and the list (b, or a click
// on the count) opens the conversation it is about; w goes to the next decision waiting.
func TestNotificationListBellAndNextDecision(t *testing.T) {
	svc := newService(t)
	h := newHarness(t, svc, "alice", Options{Bell: BellOn}, 120, 34)
	if _, err := svc.Inject(bg, inbox.Inbound{Channel: "message", From: eve, Text: "is it shipped?"}); err != nil {
		t.Fatal(err)
	}
	h.settle()
	h.want("🔔 1", "🔔 Team decision waiting")
	if h.m.rings != 1 {
		t.Fatalf("the bell rang %d times for one decision waiting, want 1", h.m.rings)
	}
	h.keys("b")
	h.want("Notifications  · 1 unread", "▸ ● ", "Team decision waiting: ")
	h.keys("esc")
	h.wantNot("Notifications  ·")
	// a click on the count opens the list too
	line := strings.Split(h.screen(), "\n")[0]
	x := ansi.StringWidth(line[:strings.Index(line, "🔔")])
	h.send(tea.MouseClickMsg{X: x + 1, Y: 0, Button: tea.MouseLeft})
	h.want("Notifications  · 1 unread")
	h.keys("enter")
	h.want("Team decision · Eve Ortiz")
	h.wantNot("🔔 1") // read
	h.keys("esc")    // left for later
	h.keys("w")
	h.want("Team decision · Eve Ortiz")
	h.keys("esc")
	// a second notification later rings again; marking read does not
	h.wait(bellQuiet)
	h.keys("b", "m")
	h.want("all read")
	if h.m.rings != 1 {
		t.Fatalf("marking read rang the bell (%d rings)", h.m.rings)
	}
}

func TestBellOffRingsNothingAndWWithNoDecisionSaysSo(t *testing.T) {
	svc := newService(t)
	h := newHarness(t, svc, "alice", Options{Bell: BellOff}, 120, 34)
	h.keys("w")
	h.want("No team decision waits for you")
	if _, err := svc.Inject(bg, inbox.Inbound{Channel: "message", From: eve, Text: "is it shipped?"}); err != nil {
		t.Fatal(err)
	}
	h.settle()
	h.want("🔔 1")
	if h.m.rings != 0 {
		t.Fatalf("the bell is off but rang %d times", h.m.rings)
	}
}

// n walks through the unread conversations of the view, newest first; opening one reads it.
func TestNextUnreadWalksTheView(t *testing.T) {
	svc := newService(t)
	h := newHarness(t, svc, "alice", Options{}, 120, 34)
	for i, from := range []string{"+15550003333", dana} {
		if _, err := svc.Inject(bg, inbox.Inbound{Channel: "message", From: from, Text: "hello?", ExternalID: "nx" + string(rune('0'+i))}); err != nil {
			t.Fatal(err)
		}
		h.wait(reloadAfter)
	}
	h.settle()
	h.keys("G") // away from both
	h.keys("n")
	if h.m.list.sel != dana { // the newest
		t.Fatalf("n selected %q, want Dana Diaz", h.m.list.sel)
	}
	h.keys("n")
	if h.m.list.sel != "15550003333" {
		t.Fatalf("n again selected %q, want Finn Park", h.m.list.sel)
	}
	h.keys("n")
	h.want("No other unread conversation in")
}

func TestOSC9WhereTheTerminalShowsIt(t *testing.T) {
	for env, want := range map[string]bool{
		"TERM_PROGRAM=iTerm.app": true, "TERM_PROGRAM=WezTerm": true, "TERM=xterm-kitty": true, "WT_SESSION=1": true,
		"TERM=xterm-256color": false, "TERM_PROGRAM=Apple_Terminal": false, "": false,
	} {
		if got := osc9([]string{env}); got != want {
			t.Errorf("osc9(%q) = %v, want %v", env, got, want)
		}
	}
}

// A customer's message routed to me rings; the same message routed to someone else does not.
func TestBellRingsForWhatIsRoutedToMe(t *testing.T) {
	svc := newService(t)
	bob := newHarness(t, svc, "bob", Options{Bell: BellOn}, 120, 34)
	alice := newHarness(t, svc, "alice", Options{Bell: BellOn}, 120, 34)
	bob.run(bob.m.carry(openContact{id: eve})) // bob looks at another conversation
	bob.settle()
	if _, err := svc.Inject(bg, inbox.Inbound{Channel: "message", From: dana, Text: "any news?"}); err != nil {
		t.Fatal(err)
	}
	bob.settle()
	alice.settle()
	if bob.m.rings != 1 || alice.m.rings != 0 {
		t.Fatalf("rings: bob (the assignee) %d, alice %d; want 1 and 0", bob.m.rings, alice.m.rings)
	}
	// the conversation bob has open does not ring: he sees it
	bob.wait(bellQuiet)
	bob.run(bob.m.carry(openContact{id: dana}))
	bob.settle()
	if _, err := svc.Inject(bg, inbox.Inbound{Channel: "message", From: dana, Text: "hello?"}); err != nil {
		t.Fatal(err)
	}
	bob.settle()
	if bob.m.rings != 1 {
		t.Fatalf("a message on the conversation bob has open rang (%d rings)", bob.m.rings)
	}
}

// The text of an OSC 9 notification comes from customers: it cannot end the sequence early or
// start another one.
func TestOSC9TextIsMadeSafe(t *testing.T) {
	svc := newService(t)
	h := newHarness(t, svc, "alice", Options{Bell: BellOSC9}, 120, 34)
	msg := h.m.ring("Eve \x1b]0;owned\x07\x1b[2J\u009b31m done")().(tea.RawMsg)
	s := fmt.Sprint(msg.Msg)
	if !strings.HasPrefix(s, "\x1b]9;Switchboard: Eve ") || strings.Count(s, "\x1b") != 1 || strings.Count(s, "\x07") != 1 ||
		!strings.HasSuffix(s, "\x07") || strings.Contains(s, "\u009b") {
		t.Fatalf("OSC 9 sent %q", s)
	}
	h.m.opts.Bell = BellOn
	h.m.rangAt = time.Time{}
	if bel := fmt.Sprint(h.m.ring("x")().(tea.RawMsg).Msg); bel != "\a" {
		t.Fatalf("the bell sent %q", bel)
	}
}
