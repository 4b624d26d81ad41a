package ui

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"switchboard/inbox"
	"switchboard/routing"
)

var bg = context.Background()

const (
	dana = "15550001111" // Dana Diaz: open, Bob assigned and owner, Support
	eve  = "15550002222" // Eve Ortiz: closed in Support, owner Erin (Sales)
)

func TestInboxShowsOwnerAndAssignee(t *testing.T) {
	h := newHarness(t, newService(t), "alice", Options{}, 120, 30)
	// Alice has nothing assigned, so the inbox starts on All
	h.want("All", "Dana Diaz +15550001111", "→ Bob · owner Bob · Support", "Eve Ortiz", "→ Carol · owner Erin · Support",
		"Mine                 0", "All                  2", "Closed               1")
	// the conversation pane shows the selected conversation: header, why, timeline
	h.want("Owner Bob Stone · Assignee Bob Stone", "Team Support", "[open]", "10:00 Dana Diaz: hi", "☎ Call missed",
		"↩ Bob Stone: hello", "[contact owner]")
}

func TestTwoPanesAt80Columns(t *testing.T) {
	h := newHarness(t, newService(t), "alice", Options{}, 80, 24)
	h.want("Billing 0", "All 2", "Closed 1", "Dana Diaz", "Owner Bob Stone") // the bar keeps All and the tab after it in sight
	h.wantNot("│Views")
	h.keys("tab")                                      // list → conversation
	h.keys("shift+tab", "shift+tab", "right", "right") // the tab bar: All → Closed
	h.want("Closed", "Eve Ortiz")
	if h.m.views.current().view != inbox.ViewClosed {
		t.Fatalf("tab = %+v", h.m.views.current())
	}
}

func TestTooSmallSaysHowBig(t *testing.T) {
	h := newHarness(t, newService(t), "alice", Options{}, 70, 20)
	h.want("at least 80×24", "This one is 70×20")
	// narrower than the sentence: wrapped, never cut, and never wider than the window
	for _, sz := range [][2]int{{40, 10}, {24, 8}, {12, 4}} {
		h.send(tea.WindowSizeMsg{Width: sz[0], Height: sz[1]})
		scr := h.screen()
		flat := strings.Join(strings.Fields(scr), " ")
		if !strings.Contains(flat, "80×24") || !strings.Contains(flat, fmt.Sprintf("%d×%d", sz[0], sz[1])) {
			t.Fatalf("at %dx%d the sizes are not all shown:\n%s", sz[0], sz[1], scr)
		}
		lines := strings.Split(scr, "\n")
		if len(lines) > sz[1] {
			t.Fatalf("at %dx%d: %d lines", sz[0], sz[1], len(lines))
		}
		for _, l := range lines {
			if w := ansi.StringWidth(l); w > sz[0] {
				t.Fatalf("at %dx%d a line is %d wide: %q", sz[0], sz[1], w, l)
			}
		}
	}
	h.send(tea.WindowSizeMsg{Width: 100, Height: 30})
	h.want("Dana Diaz")
}

func TestOpenMarksReadAndLiveInjectKeepsSelection(t *testing.T) {
	svc := newService(t)
	h := newHarness(t, svc, "alice", Options{}, 120, 30)
	h.keys("j") // Eve
	// a new customer writes from another terminal: it appears at the top without a keypress
	if _, err := svc.Inject(bg, inbox.Inbound{Channel: "message", From: "15550004444", Name: "Gus Lee", Text: "hello there"}); err != nil {
		t.Fatal(err)
	}
	h.settle()
	h.want("Gus Lee +15550004444", "● Gus Lee", "✉ hello there", "→ Carol · owner Carol · Support", "All                  3")
	if got := h.m.list.rows[h.m.list.cursor].Contact.ID; got != eve {
		t.Fatalf("selection moved to %s, want Eve", got)
	}
	// opening Gus marks it read
	h.keys("g", "enter")
	h.wantNot("● Gus Lee")
	h.want("Gus Lee: hello there", "Why: No contact owner (rule 3)")
}

func TestInjectDialogRoutesAndToasts(t *testing.T) {
	h := newHarness(t, newService(t), "alice", Options{}, 120, 30)
	h.keys("i")
	h.want("Inject: a customer writes or calls", "Contact", "message")
	h.keys("ctrl+u")
	h.send(tea.KeyPressMsg{Code: 'u', Mod: tea.ModCtrl})
	h.typeText("15550007777")
	h.keys("tab")
	h.typeText("Hana Sato")
	h.keys("tab", "tab")
	h.typeText("I need a refund")
	h.keys("enter")
	h.want("Hana Sato: routed to Frank Ode (Billing)", "refunds")
	h.wantNot("Inject: a customer")
	// an existing contact, a missed call
	h.keys("i")
	h.send(tea.KeyPressMsg{Code: 'u', Mod: tea.ModCtrl})
	h.typeText("Dana")
	h.want("▸ Dana Diaz +15550001111 · owner Bob Stone")
	h.keys("tab", "right", "right", "enter")
	h.want("Dana Diaz: routed to Bob Stone (Support)")
}

func TestMismatchDialogAcceptFromWaiting(t *testing.T) {
	svc := newService(t)
	h := newHarness(t, svc, "alice", Options{}, 120, 30)
	// Eve writes; her owner Erin is not in Support: the decision waits for Erin or an admin
	if _, err := svc.Inject(bg, inbox.Inbound{Channel: "message", From: eve, Text: "is it shipped?"}); err != nil {
		t.Fatal(err)
	}
	h.settle()
	h.want("Waiting for decision 1", "🔔 1", "⚑ waiting")
	h.keys("shift+tab") // views pane
	for h.m.views.current().view != inbox.ViewWaiting {
		h.keys("k")
	}
	h.keys("enter", "enter") // focus the list, open Eve
	h.want("Team decision · Eve Ortiz", "Erin Cho owns Eve Ortiz but is not in Support. Move the",
		"(•) Sales", "y/enter", "n decline")
	h.keys("y")
	h.wantNot("Team decision", "🔔 1") // opening it read its notification
	// decided, Eve left the view: the screen says where she went and nothing is selected
	h.want("✓ Assigned to Erin Cho in Sales", "Eve Ortiz left Waiting for decision (now open ·", "team Sales · Erin Cho).",
		"Nothing is selected")
	h.keys("c")
	h.want("c: select a conversation first")
	h.keys("/")
	h.typeText("Eve")
	h.keys("enter")
	h.want("Owner Erin Cho · Assignee Erin Cho", "Team Sales", "Eve Ortiz is not in Waiting for decision")
}

func TestMismatchDialogDeclineAndEsc(t *testing.T) {
	svc := newService(t)
	if _, err := svc.Inject(bg, inbox.Inbound{Channel: "call", From: eve, Outcome: "missed"}); err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, svc, "dana", Options{}, 120, 30)
	h.keys("/")
	h.typeText("Eve")
	h.want("Search contacts", "▸ Eve Ortiz +15550002222 · owner Erin Cho")
	h.keys("enter")
	h.want("Team decision · Eve Ortiz")
	h.keys("esc")
	h.want("Left waiting", "⚑ Waiting for a team decision")
	h.keys("enter") // reopens the dialog from the conversation pane
	h.keys("n")
	h.want("Assignee Bot", "[team change declined]")
	h.wantNot("Team decision ·")
}

func TestMismatchDialogOpensAtOnceForTheActor(t *testing.T) {
	h := newHarness(t, newService(t), "alice", Options{}, 120, 30)
	h.keys("enter", "o") // Dana Diaz, owner picker
	h.want("Contact owner of Dana Diaz", "Frank Ode")
	for h.picker().items[h.picker().cursor].id != "frank" {
		h.keys("j")
	}
	h.keys("enter")
	h.want("Team decision · Dana Diaz", "Frank Ode owns Dana Diaz but is not in Support", "(•) Billing")
	h.keys("enter")
	h.want("Owner Frank Ode · Assignee Frank Ode", "Team Billing")
}

func TestSomeoneElseAnsweredFirst(t *testing.T) {
	svc := newService(t)
	if _, err := svc.Inject(bg, inbox.Inbound{Channel: "message", From: eve, Text: "hello?"}); err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, svc, "alice", Options{}, 120, 30)
	h.keys("enter")
	h.want("Team decision · Eve Ortiz")
	// Dana answers in another terminal while Alice's dialog is open
	if _, err := svc.Decline(bg, "dana", eve); err != nil {
		t.Fatal(err)
	}
	h.settle()
	h.want("Someone else already answered this team decision")
	h.wantNot("Team decision · Eve")
	// the answer path: the dialog is open on a stale view and the service says already decided
	if _, err := svc.Inject(bg, inbox.Inbound{Channel: "message", From: "15550003333", Text: "hi"}); err != nil {
		t.Fatal(err)
	}
	h.settle()
	h.m.openPrompt(inbox.PromptView{Contact: eve, ContactName: "Eve Ortiz", OwnerName: "Erin Cho", Choices: []string{"sales"}, ChoiceNames: []string{"Sales"}})
	h.keys("y")
	h.want("Someone else answered first")
}

func TestStaleActionSaysRefresh(t *testing.T) {
	svc := newService(t)
	h := newHarness(t, svc, "alice", Options{}, 120, 30)
	h.keys("enter")
	h.hold = true
	if _, err := svc.Assign(bg, "dana", dana, "carol", 0); err != nil {
		t.Fatal(err)
	}
	h.keys("c")
	h.want(inbox.TextStale)
	h.hold = false
	h.settle()
	h.want("Assignee Carol Diaz")
}

func TestSettingsToggleAsAdmin(t *testing.T) {
	h := newHarness(t, newService(t), "alice", Options{}, 120, 30)
	h.keys("s")
	h.want("Routing", "[● on ] Contact owner-based routing", "1. An open conversation that a person is handling stays with",
		"2. Otherwise the contact owner gets it", "3. Otherwise automation rules", "Round robin", "Default team: Support",
		"1. refunds: a message, says “refund” → team Billing", "Teams", "Support", "Bob Stone, Carol Diaz, Dana Kim",
		"Operators", "Settings history", "No changes yet.")
	h.keys("space")
	h.want("[○ off] Contact owner-based routing", "Contact owner-based routing is now off",
		"Contact owner-based routing: on → off")
	h.keys("space")
	h.want("[● on ] Contact owner-based routing")
	h.keys("esc")
	h.want("Dana Diaz")
}

func TestSettingsRefusedForOperator(t *testing.T) {
	svc := newService(t)
	h := newHarness(t, svc, "carol", Options{}, 120, 30)
	h.keys("s")
	h.want("Only admins can change routing — you are Carol Diaz (operator)")
	h.keys("space")
	h.want("Only admins can change routing settings", "[● on ] Contact owner-based routing")
	if !svc.Settings(bg).ContactOwnerRouting {
		t.Fatal("an operator flipped the toggle")
	}
	h.keys("a")
	h.want("a: Only admins can change routing")
}

func TestGrowthPlanShowsToggleLocked(t *testing.T) {
	svc := newService(t)
	if _, err := svc.SetPlan(bg, "alice", "growth"); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.SetOwnerRouting(bg, "alice", false); err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, svc, "alice", Options{}, 120, 30)
	h.keys("s")
	h.want("[🔒 locked] Contact owner-based routing", "needs the Pro or Business plan", "(plan: growth)")
	h.keys("space")
	h.want("Locked: Contact owner-based routing needs the Pro or Business plan")
}

func TestAutomationRulesAddEditReorderRemove(t *testing.T) {
	svc := newService(t)
	h := newHarness(t, svc, "alice", Options{}, 120, 30)
	h.keys("s", "a")
	h.want("Add an automation rule", "Name", "Channel", "Keyword", "Tag", "Send to")
	h.typeText("vips")
	h.keys("tab", "tab", "tab")
	h.typeText("vip")
	h.keys("tab", "right") // team Support → team Sales
	h.keys("enter")
	h.want("2. vips: tagged vip → team Sales", "Rule saved")
	h.keys("G", "k") // the vips rule
	h.keys("K")
	h.want("1. vips: tagged vip → team Sales", "2. refunds")
	h.keys("enter")
	h.want("Edit rule vips")
	h.keys("right") // channel: any → message
	h.keys("enter")
	h.want("1. vips: a message, tagged vip → team Sales")
	// removing asks first: esc keeps the rule, y removes it
	h.keys("x")
	h.want("Remove a rule", "Remove rule 1, “vips” (a message, tagged vip → team Sales)?")
	h.keys("esc")
	h.want("Nothing changed", "1. vips: a message, tagged vip → team Sales")
	if n := len(svc.Settings(bg).Rules); n != 2 {
		t.Fatalf("esc removed the rule: %d rules", n)
	}
	h.keys("x", "y")
	h.wantNot("vips:")
	h.want("Rule “vips”: #1 a message, tagged vip, to team", "Sales → none") // the history says what the rule was
	if n := len(svc.Settings(bg).Rules); n != 1 {
		t.Fatalf("%d rules", n)
	}
}

func TestAssignTeamCloseReplyPresence(t *testing.T) {
	h := newHarness(t, newService(t), "alice", Options{}, 120, 30)
	h.keys("enter", "a")
	h.want("Assign Dana Diaz to…", "Bot", "Nobody")
	for h.picker().items[h.picker().cursor].id != "carol" {
		h.keys("j")
	}
	h.keys("enter")
	h.want("Assignee Carol Diaz", "Owner Carol Diaz")
	h.keys("t")
	for h.picker().items[h.picker().cursor].id != "billing" {
		h.keys("j")
	}
	h.keys("enter")
	h.want("Team Billing")
	h.keys("r")
	h.typeText("we are on it")
	h.keys("enter")
	h.want("↩ Alice Ng: we are on it")
	h.keys("c")
	h.want("[closed]")
	h.keys("c")
	h.want("[open]")
	h.keys("p")
	h.want("You are now away", "◐ away")
}

func TestActAsIsLocalOnlyAndHelpSaysWhy(t *testing.T) {
	h := newHarness(t, newService(t), "alice", Options{}, 120, 30)
	h.keys("u")
	h.want("u: act as works only in a local terminal")
	h.keys("?")
	h.want("Keys", "act as", "✗ act as works only in", "✗ no guided tour in")
	h.keys("esc")
	h.wantNot("✗ act as")

	svc := newService(t)
	l := newHarness(t, svc, "alice", Options{ActAs: localActAs(svc)}, 120, 30)
	l.keys("u")
	l.want("Act as…", "Carol Diaz")
	for l.picker().items[l.picker().cursor].id != "carol" {
		l.keys("j")
	}
	l.keys("enter")
	l.want("Carol Diaz · operator", "You are now acting as Carol Diaz")
	// what the screen lets Carol do is what the service says Carol may do
	l.keys("s")
	l.want("🔒 Only admins can change routing — you are Carol Diaz (operator).")
	l.keys("space")
	l.want("Only admins can change routing settings")
	if s := svc.Settings(context.Background()); !s.ContactOwnerRouting {
		t.Fatal("Carol flipped owner routing")
	}
}

// The act-as dialog opens with ▸ on the operator the screen acts as — whoever opened it (not
// the first row), then whoever was chosen last — so enter keeps who you are and j/k start from
// you.
func TestActAsOpensOnWhoYouActAs(t *testing.T) {
	svc := newService(t)
	h := newHarness(t, svc, "dana", Options{ActAs: localActAs(svc)}, 120, 30)
	on := func(id, name string) {
		t.Helper()
		h.keys("u")
		p := h.picker()
		if p == nil || p.kind != pickActAs {
			t.Fatal("u opened no act-as dialog")
		}
		if got := p.items[p.cursor].id; got != id || p.cursor == 0 {
			t.Fatalf("act as opened on row %d (%s), want %s (not the first row)", p.cursor+1, got, id)
		}
		h.want("▸ " + name)
	}
	on("dana", "Dana Kim")
	h.keys("k", "enter") // Carol, the row above
	h.want("Carol Diaz · operator")
	on("carol", "Carol Diaz")
	h.keys("enter") // enter keeps who you are
	h.want("Carol Diaz · operator")
	if p := h.picker(); p != nil {
		t.Fatal("enter left the act-as dialog open")
	}
}

type fakeTour struct{ done bool }

func (f *fakeTour) Steps(context.Context) []TourStep {
	return []TourStep{{Title: "Open settings", Do: "Press s", Expect: "The settings screen", Done: true},
		{Title: "Flip the toggle", Do: "Press space on the toggle", Expect: "It flips", Done: f.done}}
}

func TestTourPanelAndCallBanner(t *testing.T) {
	svc := newService(t)
	tour := &fakeTour{}
	h := newHarness(t, svc, "carol", Options{Tour: tour}, 120, 30)
	h.wantNot("Guided tour")
	h.keys("T")
	// under 160 columns the tour is a strip below the panes: the progress, the current step
	h.want("Guided tour  ✓▸ 1/2 done · T hides", "2. Flip the toggle", "Do: Press space on the toggle", "Expect: It flips")
	if L := h.m.layout(); !L.tourBelow || L.conv.w < 40 {
		t.Fatalf("at 120 columns the tour should leave the conversation its width: %+v", L)
	}
	h.send(tea.WindowSizeMsg{Width: 200, Height: 50})
	// beside the panes on a wide screen: every title, ✓ when done, ▸ on the current one
	h.want("Guided tour", "✓ 1. Open settings", "▸ 2. Flip the toggle", "Press space on the toggle", "It flips")
	h.send(tea.WindowSizeMsg{Width: 120, Height: 30})
	// a ringing call routed to Carol (round robin in Support) shows a banner until it ends
	if _, err := svc.Inject(bg, inbox.Inbound{Channel: "call", From: "15550006666", Name: "Ivy Chen", Outcome: "ringing", ExternalID: "call-1"}); err != nil {
		t.Fatal(err)
	}
	h.settle()
	h.want("☎ Incoming call from Ivy Chen (+15550006666), routed to you")
	if _, err := svc.EndCall(bg, inbox.CallEnd{From: "15550006666", CallID: "call-1", Outcome: "answered", Duration: 65}); err != nil {
		t.Fatal(err)
	}
	h.settle()
	h.wantNot("Incoming call")
	// a second call while Carol has the conversation: the banner says why this call is hers
	// (the active assignee keeps it), not the round robin of the first
	if _, err := svc.Inject(bg, inbox.Inbound{Channel: "call", From: "15550006666", Outcome: "ringing", ExternalID: "call-2"}); err != nil {
		t.Fatal(err)
	}
	h.settle()
	h.want("☎ Incoming call from Ivy Chen (+15550006666), routed to you — Stays with Carol Diaz — active human assignee (rule 1)")
	h.wantNot("routed to you — No contact owner")
}

func TestMouseClicksTabsAndRowsWheelScrolls(t *testing.T) {
	h := newHarness(t, newService(t), "alice", Options{}, 120, 30)
	L := h.m.layout()
	// "Closed" is the last view row
	h.send(tea.MouseClickMsg{X: 3, Y: L.views.y + 2 + len(h.m.views.tabs) - 1, Button: tea.MouseLeft})
	h.want("Closed", "Eve Ortiz")
	h.wantNot("Dana Diaz +")
	h.send(tea.MouseClickMsg{X: 3, Y: L.views.y + 2 + len(h.m.views.tabs) - 2, Button: tea.MouseLeft}) // All
	h.send(tea.MouseClickMsg{X: L.list.x + 4, Y: L.list.y + 2 + rowLines, Button: tea.MouseLeft})      // second row
	h.want("Eve Ortiz +15550002222                    [closed]")
	h.send(tea.MouseWheelMsg{X: L.list.x + 4, Y: L.list.y + 3, Button: tea.MouseWheelUp})
	if h.m.list.cursor != 0 {
		t.Fatalf("wheel up: cursor %d", h.m.list.cursor)
	}
}

// A toast stays six seconds and an error ten, then the status line shows the hint again (the
// harness lets the time pass: no wall clock).
func TestStatusLineClearsAfterItsTime(t *testing.T) {
	h := newHarness(t, newService(t), "alice", Options{}, 120, 30)
	h.keys("p")
	h.want("✓ You are now away")
	h.wait(5 * time.Second)
	h.want("✓ You are now away")
	h.wait(time.Second)
	h.wantNot("You are now away")
	h.want("Press ? for every key.")
	h.keys("u") // an error: act as is for local terminals
	h.want("u: act as works only in a local terminal")
	h.wait(9 * time.Second)
	h.want("u: act as works only in a local terminal")
	h.wait(time.Second)
	h.wantNot("u: act as works")
	// a newer status is not cleared by the timer of the one it replaced
	h.keys("p")
	h.wait(3 * time.Second)
	h.keys("u")
	h.wait(3 * time.Second)
	h.want("u: act as works only in a local terminal")
}

func TestLightBackgroundAndNoColor(t *testing.T) {
	h := newHarness(t, newService(t), "alice", Options{}, 100, 24)
	h.send(tea.BackgroundColorMsg{Color: lipgloss.Color("#ffffff")})
	if h.m.isDark {
		t.Fatal("still dark")
	}
	h.want("Dana Diaz")
	// NO_COLOR is the door's decision (the local command reads it from its environment, an SSH
	// session from its client's): the screens read no environment of their own
	t.Setenv("NO_COLOR", "1")
	if c := newHarness(t, newService(t), "alice", Options{}, 100, 24); !strings.Contains(c.m.View().Content, "38;2;") {
		t.Fatal("the process's NO_COLOR reached a session whose door did not ask for it")
	}
	n := newHarness(t, newService(t), "alice", Options{NoColor: true}, 100, 24)
	if strings.Contains(n.m.View().Content, "38;2;") {
		t.Fatal("NO_COLOR: the view has colours")
	}
	n.want("Dana Diaz")
}

func TestNarrowTabBarClicksAndSpinner(t *testing.T) {
	h := newHarness(t, newService(t), "alice", Options{}, 80, 24)
	L := h.m.layout()
	// the bar is scrolled to show All; click the last tab on it (Closed)
	line := strings.Split(h.screen(), "\n")[L.tabsY]
	x := strings.Index(line, "Closed")
	if x < 0 {
		t.Fatalf("no Closed tab in %q", line)
	}
	h.send(tea.MouseClickMsg{X: len([]rune(line[:x])) + 1, Y: L.tabsY, Button: tea.MouseLeft})
	if h.m.views.current().view != inbox.ViewClosed {
		t.Fatalf("clicked %q, got tab %+v", line, h.m.views.current())
	}
	h.want("Eve Ortiz")
	// a slow answer shows the spinner after a tick; the answer hides it
	h.m.calls.pending, h.m.calls.spinning = 1, true
	h.m.Update(spinMsg{})
	h.want("loading")
	h.m.Update(asyncMsg{nil})
	h.wantNot("loading")
}

// A click on a settings row focuses it; a click on the focused row acts as space does. The rows
// are found on the screen as drawn, wide (two boxes) and narrow (one box).
func TestMouseClicksSettingsRows(t *testing.T) {
	for _, w := range []int{120, 80} {
		svc := newService(t)
		h := newHarness(t, svc, "alice", Options{}, w, 30)
		h.keys("s")
		rowOf := func(text string) int {
			for y, line := range strings.Split(h.screen(), "\n") {
				if strings.Contains(line, text) {
					return y
				}
			}
			t.Fatalf("width %d: no %q on the settings screen:\n%s", w, text, h.screen())
			return -1
		}
		before := svc.Settings(bg).RoundRobin
		h.send(tea.MouseClickMsg{X: 4, Y: rowOf("Round robin"), Button: tea.MouseLeft})
		if h.m.settings.cursor != setRoundRobin || svc.Settings(bg).RoundRobin != before {
			t.Fatalf("width %d: first click: cursor %d, round robin %v", w, h.m.settings.cursor, svc.Settings(bg).RoundRobin)
		}
		h.send(tea.MouseClickMsg{X: 4, Y: rowOf("Round robin"), Button: tea.MouseLeft})
		h.settle()
		if svc.Settings(bg).RoundRobin == before {
			t.Fatalf("width %d: a click on the focused toggle did not flip it", w)
		}
		h.want("Round robin is now " + onOff(!before))
		// a click on a line that is not a setting (a priority rule's text) changes nothing
		h.send(tea.MouseClickMsg{X: 4, Y: rowOf("2. Otherwise the contact owner"), Button: tea.MouseLeft})
		if h.m.settings.cursor != setRoundRobin {
			t.Fatalf("width %d: a click on the rules' text moved the focus to %d", w, h.m.settings.cursor)
		}
		h.send(tea.MouseClickMsg{X: 4, Y: rowOf("+ Add a rule"), Button: tea.MouseLeft})
		h.send(tea.MouseClickMsg{X: 4, Y: rowOf("+ Add a rule"), Button: tea.MouseLeft})
		if h.m.dialogs.empty() {
			t.Fatalf("width %d: two clicks on “Add a rule” opened nothing", w)
		}
	}
}

// In a settings box scrolled to its end, a click focuses the row under the pointer without
// scrolling it away, so a second click at the same place acts on the same row.
func TestMouseClicksScrolledSettings(t *testing.T) {
	svc := newService(t)
	for i := 1; i <= 8; i++ {
		if err := svc.AddRule(bg, "alice", inbox.Rule{Name: fmt.Sprintf("extra%d", i), Keyword: fmt.Sprintf("word%d", i), To: "bot"}); err != nil {
			t.Fatal(err)
		}
	}
	h := newHarness(t, svc, "alice", Options{}, 80, 30)
	h.keys("s", "G")
	y := -1
	for i, line := range strings.Split(h.screen(), "\n") {
		if strings.Contains(line, "5. extra4") {
			y = i
		}
	}
	if y < 0 || h.m.settings.top == 0 {
		t.Fatalf("the settings box did not scroll (top %d) or shows no rule 5:\n%s", h.m.settings.top, h.screen())
	}
	h.send(tea.MouseClickMsg{X: 4, Y: y, Button: tea.MouseLeft})
	if h.m.settings.ruleAt() != 4 {
		t.Fatalf("the click focused item %d, not rule 5", h.m.settings.cursor)
	}
	if line := strings.Split(h.screen(), "\n")[y]; !strings.Contains(line, "▸ 5. extra4") {
		t.Fatalf("the focused rule moved away from the pointer: row %d is %q", y, line)
	}
	h.send(tea.MouseClickMsg{X: 4, Y: y, Button: tea.MouseLeft})
	if h.m.dialogs.empty() {
		t.Fatal("the second click did not open the rule")
	}
}

// At 80 columns the teams, operators and history sit below the rules in the one settings box:
// moving down past the last item pages on to them, and the wheel scrolls without moving the
// focus.
func TestNarrowSettingsReachTeamsOperatorsHistory(t *testing.T) {
	h := newHarness(t, newService(t), "alice", Options{}, 80, 24)
	h.keys("s", "G")
	h.wantNot("Settings history")
	last := h.m.settings.cursor
	for i := 0; i < 40; i++ {
		h.keys("j")
	}
	h.want("Operators", "Settings history")
	if h.m.settings.cursor != last {
		t.Fatalf("paging past the last item moved the focus to %d", h.m.settings.cursor)
	}
	h.keys("g", "G")
	h.wantNot("Settings history")
	h.keys("G") // on the last item, G again pages on to the end
	h.want("Settings history")
	if h.m.settings.cursor != last {
		t.Fatalf("G on the last item moved the focus to %d", h.m.settings.cursor)
	}
	h.keys("k") // back up: the focus moves and comes into view again
	h.want("▸ 1. refunds")
	top := h.m.settings.top
	L := h.m.layout()
	h.send(tea.MouseWheelMsg{X: 4, Y: L.bodyY + 3, Button: tea.MouseWheelUp})
	if top < 3 || h.m.settings.top != top-3 || h.m.settings.cursor != last-1 {
		t.Fatalf("wheel: top %d → %d, focus %d", top, h.m.settings.top, h.m.settings.cursor)
	}
}

// On a wide but short screen the second settings box (teams, operators, history) is cut off:
// paging past the last item, or the wheel over that box, scrolls it to the history.
func TestWideShortSettingsReachHistory(t *testing.T) {
	svc := newService(t)
	for _, on := range []bool{false, true, false, true} {
		if _, err := svc.SetRoundRobin(bg, "alice", on); err != nil {
			t.Fatal(err)
		}
	}
	h := newHarness(t, svc, "alice", Options{}, 120, 24)
	changes := func() int { return strings.Count(h.screen(), "Round robin: o") }
	h.keys("s")
	if n := changes(); n == 4 {
		t.Fatalf("the screen is tall enough for all %d changes: the test shows nothing", n)
	}
	h.keys("G")
	for i := 0; i < 30; i++ {
		h.keys("j")
	}
	if n := changes(); n != 4 {
		t.Fatalf("after paging on, %d of 4 changes are shown:\n%s", n, h.screen())
	}
	h.want("▸ + Add a rule")
	L := h.m.layout()
	for i := 0; i < 20; i++ {
		h.send(tea.MouseWheelMsg{X: 100, Y: L.bodyY + 3, Button: tea.MouseWheelUp})
	}
	h.want("Teams", "▸ + Add a rule")
	if n := changes(); n == 4 {
		t.Fatal("the wheel did not scroll the second box back")
	}
}

// A contact with no name is shown by its number, once: in its row and in the conversation's
// header ("+15550009999 +15550009999" said nothing twice).
func TestANamelessContactIsItsNumberOnce(t *testing.T) {
	svc := newService(t)
	h := newHarness(t, svc, "alice", Options{}, 120, 30)
	if _, err := svc.Inject(bg, inbox.Inbound{Channel: "message", From: "15550009999", Text: "who am I"}); err != nil {
		t.Fatal(err)
	}
	h.settle()
	h.want("who am I")
	h.keys("g") // the newest, on top
	h.settle()
	rows := 0
	for _, l := range strings.Split(h.screen(), "\n") {
		if n := strings.Count(l, "+15550009999"); n > 0 {
			rows++
			if strings.Count(l, "│") > 2 {
				// a line across two panes: each pane's part on its own
				for _, part := range strings.Split(l, "│") {
					if strings.Count(part, "+15550009999") > 1 {
						t.Fatalf("the number twice in %q", part)
					}
				}
			} else if n > 1 {
				t.Fatalf("the number twice in %q", l)
			}
		}
	}
	if rows == 0 {
		t.Fatalf("the contact is not shown:\n%s", h.screen())
	}
	// and in the search's results
	h.keys("/")
	h.typeText("9999")
	h.settle()
	h.want("1 match", "▸ +15550009999 · owner")
	for _, l := range strings.Split(h.screen(), "\n") {
		if strings.Contains(l, "▸") && strings.Count(l, "+15550009999") != 1 {
			t.Fatalf("the search shows %q", l)
		}
	}
}

// TestActingAsKeepsTheSelection: u (act as someone, even as oneself) keeps the conversation
// chosen: it is read again as the new person, and the next key acts on it, not on the view's
// first row; one the new person's view does not hold stays selected, the list saying so.
func TestActingAsKeepsTheSelection(t *testing.T) {
	svc := newService(t)
	h := newHarness(t, svc, "alice", Options{ActAs: localActAs(svc)}, 120, 34)
	h.keys("j") // the second conversation of All
	h.settle()
	chosen := h.m.list.sel
	if chosen == "" || chosen == h.m.list.rows[0].Contact.ID {
		t.Fatalf("j selected %q (first row %q)", chosen, h.m.list.rows[0].Contact.ID)
	}
	actAs := func(id string) {
		t.Helper()
		h.keys("u")
		for h.picker().items[h.picker().cursor].id != id {
			h.keys("j")
		}
		h.keys("enter")
		h.settle()
	}
	for _, id := range []string{"alice", "dana"} {
		actAs(id)
		if h.m.list.sel != chosen || h.m.list.cursor != 1 {
			t.Fatalf("acting as %s: selection %q at row %d, want %q at row 1", id, h.m.list.sel, h.m.list.cursor, chosen)
		}
		if d := h.m.conv.detail; d == nil || d.Conversation.Contact.ID != chosen {
			t.Fatalf("acting as %s: the pane shows %v, want %q", id, d, chosen)
		}
	}
	first := h.m.list.rows[0].Contact.ID
	status := func(id string) routing.Status {
		d, err := svc.Conversation(bg, "alice", id, "", 1)
		if err != nil {
			t.Fatal(err)
		}
		return d.Conversation.Status
	}
	was, wasFirst := status(chosen), status(first)
	h.keys("c") // closes (or reopens) the conversation chosen, not the first row
	h.settle()
	if status(chosen) == was || status(first) != wasFirst {
		t.Fatalf("c after acting as: chosen %s → %s, first row %s → %s", was, status(chosen), wasFirst, status(first))
	}
}

// TestHighlightedRowStaysInSightWhenThePanesShrink: a status of several lines, the tour strip or
// a smaller terminal takes rows from the list; the highlighted row stays among those drawn.
func TestHighlightedRowStaysInSightWhenThePanesShrink(t *testing.T) {
	svc := newService(t)
	for i := range 12 {
		if _, err := svc.Inject(bg, inbox.Inbound{Channel: "message", From: fmt.Sprintf("155500090%02d", i), Name: fmt.Sprintf("Row Person %d", i), Text: "hello"}); err != nil {
			t.Fatal(err)
		}
	}
	h := newHarness(t, svc, "alice", Options{}, 80, 40)
	l := &h.m.list
	for l.cursor < l.top+l.listRows()-1 {
		h.keys("j") // to the last row in sight
		h.settle()
	}
	for _, bodyH := range []int{30, 20, 12, 6} {
		l.setSize(bodyH)
		if l.cursor < l.top || l.cursor >= l.top+l.listRows() {
			t.Fatalf("body of %d lines: row %d highlighted, rows %d to %d drawn", bodyH, l.cursor, l.top, l.top+l.listRows()-1)
		}
	}
}

// Assigning someone outside the team asks whether to move the conversation. Declining and
// cancelling that question leave the same (nothing was changed yet), so the dialog offers
// them as one choice and says what stays; an owner change keeps n and esc apart, each with
// what it does.
func TestAssignDecisionSaysNAndEscOnce(t *testing.T) {
	for _, k := range []string{"n", "esc"} {
		t.Run(k, func(t *testing.T) {
			svc := newService(t)
			h := newHarness(t, svc, "alice", Options{}, 120, 30)
			h.keys("enter", "a") // Dana Diaz, assignee picker
			h.want("Dana Diaz")
			for h.picker().items[h.picker().cursor].id != "frank" {
				h.keys("j")
			}
			h.keys("enter")
			h.want("Team decision · Dana Diaz", "n/esc leave it: it stays in Support, Frank is not assigned")
			h.wantNot("decline: nothing changes", "cancel: nothing changes")
			before := h.m.conv.detail.Conversation.AssigneeText()
			h.keys(k)
			h.settle()
			h.wantNot("Team decision · Dana Diaz")
			out, err := svc.Conversation(bg, "alice", h.m.list.sel, "", 1)
			if err != nil {
				t.Fatal(err)
			}
			if c := out.Conversation; c.Prompt != nil || c.AssigneeText() != before || c.TeamName != "Support" {
				t.Fatalf("after %s: prompt %v, assignee %s (was %s), team %s", k, c.Prompt, c.AssigneeText(), before, c.TeamName)
			}
		})
	}
	// an owner change: n and esc do different things, and say so
	h := newHarness(t, newService(t), "alice", Options{}, 120, 30)
	h.keys("enter", "o")
	for h.picker().items[h.picker().cursor].id != "frank" {
		h.keys("j")
	}
	h.keys("enter")
	h.want("n decline: Bot takes the conversation and Frank Ode is told why", "esc cancel: the owner stays as it was, nothing changes")
}
