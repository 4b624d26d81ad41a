package ui

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"switchboard/demo"
	"switchboard/inbox"
)

// These tests hold the inbox to one rule: the highlighted row, the conversation pane and every
// action key are about the same conversation, whatever arrives meanwhile. They read only what
// the person sees (the screen) and the service, so they run on any version of the model.

var (
	paneHead = regexp.MustCompile(`\+(\d{6,})\s+\[[a-z ]+\]\s*$`)
	listPos  = regexp.MustCompile(`(\d+|–) of (\d+)\s*$`)
)

// generated opens a service on a workspace of n contacts made by the demo generator (100,000
// take a few seconds).
func generated(t testing.TB, n int) *inbox.Service {
	t.Helper()
	svc, err := openInbox(filepath.Join(t.TempDir(), "gen.db"), inbox.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { svc.Close() })
	if err := demo.Generate(context.Background(), svc, n, nil); err != nil {
		t.Fatal(err)
	}
	return svc
}

// highlighted is the contact of the row the list highlights ("" none).
func (h *harness) highlighted() string {
	if c := h.m.list.cursor; c >= 0 && c < len(h.m.list.rows) {
		return h.m.list.rows[c].Contact.ID
	}
	return ""
}

// paneContact is the contact the conversation pane shows: its number, "" for none, "loading".
func (h *harness) paneContact() string {
	L := h.m.layout()
	lines := strings.Split(h.screen(), "\n")
	for y := L.conv.y + 1; y < L.conv.y+L.conv.h-1 && y < len(lines); y++ {
		s := ansi.Cut(lines[y], L.conv.x+1, L.conv.x+L.conv.w-1)
		if strings.Contains(s, "Loading…") {
			return "loading"
		}
		if m := paneHead.FindStringSubmatch(s); m != nil {
			return m[1]
		}
	}
	return ""
}

// position is the list's "N of M" (N is 0 for "–").
func (h *harness) position() (n, of int) {
	L := h.m.layout()
	lines := strings.Split(h.screen(), "\n")
	if L.list.y+1 >= len(lines) {
		return -1, -1
	}
	m := listPos.FindStringSubmatch(ansi.Cut(lines[L.list.y+1], L.list.x+1, L.list.x+L.list.w-1))
	if m == nil {
		return -1, -1
	}
	n, _ = strconv.Atoi(m[1])
	of, _ = strconv.Atoi(m[2])
	return n, of
}

// agree fails when the list highlights one conversation and the pane shows another, or the
// pane shows one the list does not highlight without the screen saying why.
func (h *harness) agree(after string) {
	h.t.Helper()
	if !h.m.dialogs.empty() {
		return // a dialog covers the pane
	}
	hl, pane := h.highlighted(), h.paneContact()
	switch {
	case pane == "loading":
	case hl != "" && hl != pane:
		h.t.Fatalf("after %s the list highlights +%s while the pane shows %q:\n%s", after, hl, pane, h.screen())
	case hl == "" && pane != "" && !strings.Contains(h.screen(), "the list highlights"):
		h.t.Fatalf("after %s the pane shows +%s, no row is highlighted and the screen does not say why:\n%s", after, pane, h.screen())
	}
}

// viewIDs lists the current view from the service, newest first.
func (h *harness) viewIDs() []string {
	h.t.Helper()
	t := h.m.views.current()
	f := inbox.Filter{View: t.view, Team: t.team, Operator: h.m.as, Limit: 500}
	var out []string
	for {
		p, err := h.svc.List(bg, f)
		if err != nil {
			h.t.Fatal(err)
		}
		for _, c := range p.Conversations {
			out = append(out, c.Contact.ID)
		}
		if p.Next == "" {
			return out
		}
		f.Cursor = p.Next
	}
}

// positionIsTrue fails when "N of M" is not where the highlighted conversation is in the view.
func (h *harness) positionIsTrue(after string) {
	h.t.Helper()
	hl := h.highlighted()
	if hl == "" || h.m.list.loading {
		return
	}
	all := h.viewIDs()
	n, of := h.position()
	for i, id := range all {
		if id == hl {
			if n != i+1 || of != len(all) {
				h.t.Fatalf("after %s the list says %d of %d; +%s is %d of %d:\n%s", after, n, of, hl, i+1, len(all), h.screen())
			}
			return
		}
	}
	h.t.Fatalf("after %s the list highlights +%s, which is not in the view", after, hl)
}

// versions is every conversation's version.
func versions(t testing.TB, svc *inbox.Service) map[string]uint64 {
	t.Helper()
	out := map[string]uint64{}
	f := inbox.Filter{View: inbox.ViewAll, Limit: 500}
	for {
		p, err := svc.List(bg, f)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range p.Conversations {
			out[c.Contact.ID] = c.Version
		}
		if p.Next == "" {
			return out
		}
		f.Cursor = p.Next
	}
}

// actsOnPane presses keys and fails unless every conversation they changed is the one the pane
// showed before (and, with want, that one changed).
func (h *harness) actsOnPane(want bool, keys ...string) {
	h.t.Helper()
	pane := h.paneContact()
	before := versions(h.t, h.svc)
	h.keys(keys...)
	for id, v := range versions(h.t, h.svc) {
		if v != before[id] && id != pane {
			h.t.Fatalf("%v changed +%s while the pane showed %q:\n%s", keys, id, pane, h.screen())
		}
		if want && id == pane && v == before[id] {
			h.t.Fatalf("%v did not change +%s, the conversation the pane shows:\n%s", keys, pane, h.screen())
		}
	}
}

// tabTo switches the inbox to the view with the label, by keys in the views pane.
func (h *harness) tabTo(label string) {
	h.t.Helper()
	for i := 0; h.m.focus != paneViews; i++ {
		if i > 3 {
			h.t.Fatal("shift+tab never reaches the views")
		}
		h.keys("shift+tab")
	}
	h.keys("g")
	for i := 0; h.m.views.current().label != label; i++ {
		if i > len(h.m.views.tabs) {
			h.t.Fatalf("no view %q", label)
		}
		h.keys("j")
	}
	h.keys("tab") // back to the list
}

// down presses j n times, running what each press leads to (pages load as they are needed).
func (h *harness) down(n int) {
	h.t.Helper()
	for i := 0; i < n; i++ {
		_, cmd := h.m.Update(keyMsg("j"))
		h.run(cmd)
	}
	h.settle()
}

// TestLiveEventsPastTheFirstPagesKeepTheSelection is the first reproduction of issue 10 on a
// generated workspace larger than the old reload (500 rows): past the first pages, a message
// injected from another terminal must leave the selection on its contact, the position true, and
// c must close the conversation that is highlighted and shown.
func TestLiveEventsPastTheFirstPagesKeepTheSelection(t *testing.T) {
	svc := generated(t, 650)
	h := newHarness(t, svc, demo.Admin, Options{}, 140, 45)
	h.tabTo("All")
	h.keys("g")
	h.down(529)
	h.agree("529 moves")
	if n, of := h.position(); n != 530 || of != 650 {
		t.Fatalf("after 529 moves the list says %d of %d, want 530 of 650", n, of)
	}
	sel := h.highlighted()
	all := h.viewIDs()
	if all[529] != sel {
		t.Fatalf("row 530 is +%s, the list highlights +%s", all[529], sel)
	}
	// from another terminal: the last conversation writes again (it moves above the selection)
	// and a new customer writes
	for _, from := range []string{all[len(all)-1], "15559990001"} {
		if _, err := svc.Inject(bg, inbox.Inbound{Channel: "message", From: from, Text: "hi"}); err != nil {
			t.Fatal(err)
		}
		h.settle()
		h.agree("a message from +" + from)
		if got := h.highlighted(); got != sel {
			t.Fatalf("a message from +%s moved the selection from +%s to +%s:\n%s", from, sel, got, h.screen())
		}
		h.positionIsTrue("a message from +" + from)
	}
	if n, of := h.position(); n != 532 || of != 651 {
		t.Fatalf("the list says %d of %d, want 532 of 651", n, of)
	}
	h.actsOnPane(true, "c")
	h.agree("c")
}

// TestTeamChangeAndSearchKeepRowAndPaneTogether is the second reproduction of issue 10 on the
// demo: after t moves the selected conversation out of the view, and after a search opens one
// that is not in the view, the list must not highlight another conversation than the pane
// shows, and c must act on the pane's (or on nothing).
func TestTeamChangeAndSearchKeepRowAndPaneTogether(t *testing.T) {
	svc := newDemo(t)
	h := newHarness(t, svc, demo.Admin, Options{}, 120, 34)
	// Priya writes again: her conversation reopens with Lena in Support
	if _, err := svc.Inject(bg, inbox.Inbound{Channel: "message", From: priya, Text: "Hi, it never came"}); err != nil {
		t.Fatal(err)
	}
	h.settle()
	h.tabTo("Support")
	for i := 0; h.highlighted() != priya; i++ {
		if i > 40 {
			t.Fatalf("Priya is not in Support:\n%s", h.screen())
		}
		h.keys("j")
	}
	h.agree("selecting Priya")
	h.keys("t")
	h.want("Move Priya Shah to team…")
	h.keys("G", "enter") // Billing, the last team
	h.agree("t moved Priya to Billing")
	h.actsOnPane(false, "c")
	h.agree("c after the move")

	// a search opens a conversation that is not in this view (Chloe: closed)
	h.keys("esc", "j")
	h.agree("j")
	h.keys("/")
	h.typeText("Chloe")
	h.keys("enter")
	h.agree("opening a search result")
	if h.paneContact() != chloe {
		t.Fatalf("the search did not open Chloe:\n%s", h.screen())
	}
	h.actsOnPane(true, "c") // reopens Chloe, the conversation shown
	h.agree("c after the search")
}

const (
	priya = "4915112345001"
	chloe = "4915112345007"
)

// newDemo opens a service on the demo workspace.
func newDemo(t testing.TB) *inbox.Service {
	t.Helper()
	svc, err := openInbox(filepath.Join(t.TempDir(), "demo.db"), inbox.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { svc.Close() })
	if err := demo.Seed(context.Background(), svc); err != nil {
		t.Fatal(err)
	}
	return svc
}

// TestGeneratedInterleavingsKeepRowPaneAndActionsTogether drives the inbox with generated
// sequences of keys (moving, paging, g/G, views, search, close, team) interleaved with changes
// from other terminals (new messages, assignments, closes, team moves, a reload after lagging),
// some of them arriving while the person acts on a stale screen, on a workspace of several
// pages. After every step the highlighted row and the pane agree,
// the position shown is true, and an action changes only the conversation the pane showed.
func TestGeneratedInterleavingsKeepRowPaneAndActionsTogether(t *testing.T) {
	svc := generated(t, 450)
	ops := []string{"ines", "ken", "lena", "omar", "raj", "sofia", "tom"}
	teams := []string{"support", "sales", "billing"}
	seeds, steps := uint64(2), 150
	if testing.Short() {
		seeds, steps = 1, 80
	}
	for seed := uint64(1); seed <= seeds; seed++ {
		r := rand.New(rand.NewPCG(seed, 99))
		h := newHarness(t, svc, demo.Admin, Options{}, 120, 34)
		h.tabTo("All")
		var log []string
		step := func(s string) { log = append(log, s) }
		defer func() {
			if t.Failed() {
				t.Logf("seed %d, steps: %s", seed, strings.Join(log, "; "))
			}
		}()
		for i := 0; i < steps && !t.Failed(); i++ {
			// another terminal changes something (often the selected conversation itself)
			if r.IntN(3) == 0 {
				target := h.highlighted()
				if target == "" || r.IntN(2) == 0 {
					ids := h.viewIDs()
					if len(ids) > 0 {
						target = ids[r.IntN(len(ids))]
					}
				}
				hold := r.IntN(3) == 0 // it arrives while the person keeps acting on the old screen
				h.hold = hold
				var err error
				switch k := r.IntN(6); k {
				case 0, 1:
					_, err = svc.Inject(bg, inbox.Inbound{Channel: "message", From: target, Text: "again"})
					step("message from +" + target)
				case 2:
					_, err = svc.Inject(bg, inbox.Inbound{Channel: "message", From: fmt.Sprintf("1999%07d", r.IntN(1e6)), Name: "New", Text: "hi"})
					step("a new customer")
				case 3:
					_, err = svc.CloseConversation(bg, "maya", target, 0)
					step("close +" + target)
				case 4:
					_, err = svc.ChangeTeam(bg, "maya", target, teams[r.IntN(3)], 0)
					step("team of +" + target)
				case 5:
					_, err = svc.Assign(bg, "maya", target, ops[r.IntN(len(ops))], 0)
					step("assign +" + target)
				}
				_ = err // refusals (an operator outside the team, a closed conversation) are fine
				if !hold {
					h.settle()
					h.agree(log[len(log)-1])
				}
			}
			if r.IntN(12) == 0 {
				h.send(eventMsg{inbox.Event{Kind: inbox.EventReload}})
				step("reload")
			}
			// the person
			switch k := r.IntN(14); {
			case k < 4:
				n := 1 + r.IntN(40)
				h.down(n)
				step(fmt.Sprintf("j×%d", n))
			case k < 6:
				key := []string{"k", "pgup", "pgdown"}[r.IntN(3)]
				h.keys(key)
				step(key)
			case k == 6:
				key := []string{"g", "G"}[r.IntN(2)]
				h.keys(key)
				step(key)
			case k == 7:
				label := []string{"All", "Support", "Sales", "Billing", "Closed", "Unassigned", "Bot"}[r.IntN(7)]
				h.tabTo(label)
				step("view " + label)
			case k == 8:
				ids := h.viewIDs()
				if len(ids) == 0 {
					break
				}
				id := ids[r.IntN(len(ids))]
				h.keys("/")
				h.typeText(id)
				h.keys("enter", "esc")
				step("search +" + id)
			case k < 12:
				h.hold = false
				h.settle()
				h.agree(log[len(log)-1])
				h.actsOnPane(false, "c")
				step("c")
			default:
				h.hold = false
				h.settle()
				if h.paneContact() == "" || h.paneContact() == "loading" {
					break
				}
				h.actsOnPane(false, "t", []string{"g", "j", "G"}[r.IntN(3)], "enter")
				if !h.m.dialogs.empty() {
					h.keys("esc")
				}
				step("t")
			}
			h.hold = false
			h.settle()
			h.agree(log[len(log)-1])
			h.positionIsTrue(log[len(log)-1])
		}
	}
}

// TestLargeViewKeepsTheSelectionAndReachesItsEnd: on 100,000 generated conversations, past the
// first loaded page a live message keeps the selection and c acts on it; G reaches the true
// end of the view (its oldest conversation), paging up from there loads the rows above with a
// true position, live events at the end keep it, and g goes back to the start.
func TestLargeViewKeepsTheSelectionAndReachesItsEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("generates a 100,000-contact workspace (a few seconds); skipped with -short")
	}
	svc := generated(t, 100_000)
	h := newHarness(t, svc, demo.Admin, Options{}, 120, 34)
	h.tabTo("All")
	h.keys("g")
	h.down(529)
	sel := h.highlighted()
	if n, of := h.position(); n != 530 || of != 100000 {
		t.Fatalf("after 529 moves: %d of %d", n, of)
	}
	h.agree("529 moves")
	if _, err := svc.Inject(bg, inbox.Inbound{Channel: "message", From: "15559990001", Text: "hi"}); err != nil {
		t.Fatal(err)
	}
	h.settle()
	h.agree("a live message")
	if got := h.highlighted(); got != sel {
		t.Fatalf("a live message moved the selection from +%s to +%s:\n%s", sel, got, h.screen())
	}
	if n, of := h.position(); n != 531 || of != 100001 {
		t.Fatalf("after a new customer wrote: %d of %d, want 531 of 100001", n, of)
	}
	before, _ := svc.Conversation(bg, demo.Admin, sel, "", 1)
	h.keys("c")
	after, _ := svc.Conversation(bg, demo.Admin, sel, "", 1)
	if before.Conversation.Status == after.Conversation.Status {
		t.Fatalf("c did not act on +%s, the highlighted conversation (%s)", sel, after.Conversation.Status)
	}
	h.agree("c")

	// G: the true end, the oldest conversation of the view
	h.keys("G")
	h.agree("G")
	if n, of := h.position(); n != of || of != 100001 {
		t.Fatalf("G: %d of %d, want the last of 100001:\n%s", n, of, h.screen())
	}
	all := h.viewIDs()
	oldest := all[len(all)-1]
	if got := h.highlighted(); got != oldest {
		t.Fatalf("G selected +%s, the oldest conversation is +%s", got, oldest)
	}
	// a live message from a conversation just above: the selection stays the last one
	above := h.m.list.rows[len(h.m.list.rows)-2].Contact.ID
	if _, err := svc.Inject(bg, inbox.Inbound{Channel: "message", From: above, Text: "still there?"}); err != nil {
		t.Fatal(err)
	}
	h.settle()
	h.agree("a message at the end")
	if n, of := h.position(); n != of || h.highlighted() != oldest {
		t.Fatalf("after a message at the end: %d of %d, +%s", n, of, h.highlighted())
	}
	// page up from the end past what G loaded
	for i := 0; i < 40; i++ {
		h.keys("pgup")
	}
	h.agree("40 pages up")
	n, of := h.position()
	if want := of - 40*h.m.list.listRows(); n != want {
		t.Fatalf("40 pages up from %d: %d of %d, want %d", of, n, of, want)
	}
	h.positionIsTrue("40 pages up")
	// and on, past what a window holds: the rows far below are let go
	for i := 0; i < 120; i++ {
		_, cmd := h.m.Update(keyMsg("pgup"))
		h.run(cmd)
	}
	h.settle()
	h.agree("160 pages up")
	h.positionIsTrue("160 pages up")
	if len(h.m.list.rows) > 1500 {
		t.Fatalf("the list holds %d rows after paging up 1,400: it should let the far ones go", len(h.m.list.rows))
	}
	h.keys("g")
	h.agree("g")
	if n, _ := h.position(); n != 1 {
		t.Fatalf("g: %d", n)
	}
}
