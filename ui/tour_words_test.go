package ui

import (
	"context"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"switchboard/demo"
	"switchboard/inbox"
)

// demoTour is the demo's tour as the local door shows it (cli's tourPanel).
type demoTour struct{ t *demo.Tour }

func (d demoTour) Steps(ctx context.Context) []TourStep {
	st := d.t.Steps(ctx)
	out := make([]TourStep, len(st))
	for i, s := range st {
		out[i] = TourStep{Title: s.Title, Do: s.Do, Expect: s.Expect, Done: s.Done}
	}
	return out
}

func (d demoTour) Restart(ctx context.Context) error { return d.t.Restart(ctx) }

// demoHarness opens the demo workspace, with its tour, on a w×h screen as its admin.
func demoHarness(t *testing.T, w, h int) *harness {
	t.Helper()
	svc, err := openInbox(filepath.Join(t.TempDir(), "demo.db"), inbox.Options{NoTimers: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { svc.Close() })
	if err := demo.Seed(context.Background(), svc); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	tour := demoTour{demo.NewTour(ctx, svc, "")}
	return newHarness(t, svc, demo.Admin, Options{Tour: tour, ShowTour: true, ActAs: localActAs(svc)}, w, h)
}

// tourText is the tour panel as the screen shows it: its lines, without the panel's border.
func (h *harness) tourText() []string {
	L := h.m.layout()
	if L.tr.w == 0 {
		h.t.Fatalf("no tour panel on the screen:\n%s", h.screen())
	}
	rows := strings.Split(h.screen(), "\n")
	var out []string
	for y := L.tr.y; y < L.tr.y+L.tr.h && y < len(rows); y++ {
		cell := ansi.Cut(rows[y], L.tr.x, L.tr.x+L.tr.w)
		cell = strings.TrimSpace(strings.Trim(strings.TrimSpace(cell), "│╭╮╰╯─"))
		out = append(out, cell)
	}
	return out
}

// shownStep is the current step's Do as the panel shows it (its wrapped lines joined again),
// "" when the panel says every step is done.
func (h *harness) shownStep() (do string, allDone bool) {
	lines := h.tourText()
	in := false
	var b []string
	for _, l := range lines {
		switch {
		case strings.Contains(l, "All steps done"):
			return "", true
		case l == "Do":
			in = true
		case strings.HasPrefix(l, "Do: "):
			in = true
			b = append(b, strings.TrimPrefix(l, "Do: "))
		case l == "Expect" || strings.HasPrefix(l, "Expect: "):
			in = false
		case in:
			b = append(b, l)
		}
	}
	if len(b) == 0 {
		h.t.Fatalf("the tour panel shows no step to do:\n%s", strings.Join(lines, "\n"))
	}
	return strings.Join(b, " "), false
}

var (
	quoted      = regexp.MustCompile(`“([^”]*)”`)
	untilOn     = regexp.MustCompile(`^until ▸ is on “([^”]*)”$`)
	untilChosen = regexp.MustCompile(`^until “([^”]*)” is chosen$`)
	untilInView = regexp.MustCompile(`^until “([^”]*)” is in view$`)
	untilReads  = regexp.MustCompile(`^until that row reads “([^”]*)”$`)
	timesRe     = regexp.MustCompile(`^(\d+) times$`)
)

// clauses splits a step's words into what to do, one clause each: at sentence ends, commas,
// semicolons and colons outside quotes and parentheses; a parenthesis is a clause of its own
// (kept with its brackets).
func clauses(s string) []string {
	var out []string
	var cur strings.Builder
	quote, paren := false, 0
	flush := func() {
		c := strings.TrimSpace(cur.String())
		c = strings.TrimSuffix(c, ".")
		if c != "" {
			out = append(out, c)
		}
		cur.Reset()
	}
	rs := []rune(s)
	for i, r := range rs {
		next := rune(0)
		if i+1 < len(rs) {
			next = rs[i+1]
		}
		switch {
		case r == '“':
			quote = true
		case r == '”':
			quote = false
		case r == '(' && !quote:
			if paren == 0 {
				flush()
			}
			paren++
		case r == ')' && !quote:
			paren--
			if paren == 0 {
				cur.WriteRune(r)
				flush()
				continue
			}
		case !quote && paren == 0 && (r == ',' || r == ';' || ((r == '.' || r == ':') && (next == ' ' || next == 0))):
			flush()
			continue
		}
		cur.WriteRune(r)
	}
	flush()
	return out
}

// keyNames are the key names a step may say, as the harness presses them.
var keyNames = map[string]string{"esc": "esc", "enter": "enter", "space": "space", "tab": "tab", "→": "right", "←": "left",
	"↓": "down", "↑": "up"}

// followStep does what a step's words say, as a trainer would: press what it names, type
// what it says, move to what it names. A clause the test cannot follow fails it: the words
// on screen are the tour's only instructions. After each clause the panel is read again: when
// it has gone on to another step, the rest of this one is gone from the screen, and the
// trainer stops here (it reports false) to go on with what the panel shows now.
func (h *harness) followStep(n int, do string) (whole bool) {
	h.t.Helper()
	fail := func(c, why string) {
		h.t.Helper()
		h.t.Fatalf("step %d: cannot follow %q: %s\nthe step: %s\nthe screen:\n%s", n, c, why, do, h.screen())
	}
	for _, c := range clauses(do) {
		seq := h.m.status.seq
		if strings.HasPrefix(c, "(") {
			// a remark; one that says where ▸ is must be true
			if m := regexp.MustCompile(`▸ on “([^”]*)”`).FindStringSubmatch(c); m != nil && !h.markedLine(m[1]) {
				fail(c, "▸ is not on “"+m[1]+"”")
			}
			continue
		}
		c = strings.TrimPrefix(strings.TrimPrefix(c, "then "), "and ")
		lower := strings.ToLower(c[:1]) + c[1:]
		switch {
		case strings.HasPrefix(lower, "type "):
			h.typeText(h.textFor(strings.TrimPrefix(lower, "type "), fail, c))
		case strings.HasPrefix(lower, "move to "):
			name := strings.TrimPrefix(c, "move to ")
			if name == c {
				name = strings.TrimPrefix(c, "Move to ")
			}
			if !h.pressUntil("j", 20, func() bool { return h.markedLine(name) }) &&
				!h.pressUntil("k", 20, func() bool { return h.markedLine(name) }) {
				fail(c, "no ▸ line shows "+name)
			}

		case strings.HasPrefix(lower, "the list shows "), strings.HasPrefix(lower, "the pane shows "):
			want := quoted.FindStringSubmatch(c)
			if want == nil || !strings.Contains(h.outsideTour(), want[1]) {
				fail(c, "the screen does not show it")
			}
		default:
			h.pressClause(strings.TrimPrefix(strings.TrimPrefix(c, "Press "), "press "), fail)
		}
		if h.panelMovedOn(n, seq) {
			return false
		}
	}
	return true
}

// panelMovedOn reads the tour again and reports whether the panel shows a step after step n
// (or the end). A refusal is heard by the tour asynchronously: when the status line says one
// the clause just done brought (it was at seq before), it waits until the tour has heard it
// (or a second has passed).
func (h *harness) panelMovedOn(n int, seq uint64) bool {
	h.t.Helper()
	h.run(h.m.tour.load())
	if h.m.status.seq != seq && strings.Contains(h.m.status.text, "Only admins can") {
		for deadline := time.Now().Add(time.Second); !h.m.tour.steps[n-1].Done && time.Now().Before(deadline); {
			time.Sleep(5 * time.Millisecond)
			h.run(h.m.tour.load())
		}
	}
	cur := h.m.tour.current()
	return cur < 0 || cur > n-1
}

// playTour follows the whole tour as the panel shows it, from wherever the screen is, and
// fails unless every step completes when followed.
func (h *harness) playTour() {
	h.t.Helper()
	t := h.t
	for n := 1; ; n++ {
		do, all := h.shownStep()
		if all {
			if n-1 != len(demo.Steps) {
				t.Fatalf("all done after %d steps of %d", n-1, len(demo.Steps))
			}
			return
		}
		if n > len(demo.Steps) {
			t.Fatalf("more steps shown than the tour has: %s", do)
		}
		if cur := h.m.tour.current(); cur != n-1 {
			t.Fatalf("the panel shows step %d where step %d was expected:\n%s", cur+1, n, h.screen())
		}
		if !h.followStep(n, do) {
			h.settle()
			continue // done before its last words: the panel shows the next step now
		}
		// the step is done: the panel goes on (the refusal is heard asynchronously)
		deadline := time.Now().Add(10 * time.Second)
		for !h.m.tour.steps[n-1].Done {
			if time.Now().After(deadline) {
				t.Fatalf("step %d followed but not done:\n%s\nthe screen:\n%s", n, do, h.screen())
			}
			time.Sleep(10 * time.Millisecond)
			h.run(h.m.tour.load())
		}
		h.settle()
	}
}

// pressClause presses a key clause: "K", "K again", "K twice", "K N times", "K to …", "K until …".
func (h *harness) pressClause(c string, fail func(c, why string)) {
	h.t.Helper()
	orig := c
	k, rest, _ := strings.Cut(c, " ")
	name, ok := keyNames[k]
	if !ok {
		if len([]rune(k)) != 1 {
			fail(orig, "it names no key")
		}
		name = k
	}
	rest = strings.TrimSpace(strings.TrimPrefix(rest, "again"))
	count := 1
	switch {
	case rest == "twice":
		count = 2
	case timesRe.MatchString(rest):
		count, _ = strconv.Atoi(timesRe.FindStringSubmatch(rest)[1])
	case untilOn.MatchString(rest):
		want := untilOn.FindStringSubmatch(rest)[1]
		if !h.pressUntil(name, 30, func() bool { return h.markedLine(want) }) {
			fail(orig, "▸ never reached “"+want+"”")
		}
		return
	case untilChosen.MatchString(rest):
		want := "[" + untilChosen.FindStringSubmatch(rest)[1] + "]"
		if !h.pressUntil(name, 10, func() bool { return strings.Contains(h.outsideTour(), want) }) {
			fail(orig, want+" never shown")
		}
		return
	case untilInView.MatchString(rest):
		want := untilInView.FindStringSubmatch(rest)[1]
		if !h.pressUntil(name, 40, func() bool { return strings.Contains(h.outsideTour(), want) }) {
			fail(orig, "“"+want+"” never came into view")
		}
		return
	case untilReads.MatchString(rest):
		want := untilReads.FindStringSubmatch(rest)[1]
		if !h.pressUntil(name, 40, func() bool { return strings.Contains(h.outsideTour(), want) }) {
			fail(orig, "the row never read “"+want+"”")
		}
		return
	case rest == "" || strings.HasPrefix(rest, "to "):
	default:
		fail(orig, "unknown words after the key")
	}
	for range count {
		h.keys(name)
	}
}

// pressUntil presses k until done (checked first), at most n times.
func (h *harness) pressUntil(k string, n int, done func() bool) bool {
	for i := 0; ; i++ {
		if done() {
			return true
		}
		if i == n {
			return false
		}
		h.keys(k)
	}
}

// outsideTour is what the person looks at besides the tour (whose words name what is on
// screen, so they cannot be what the test looks for): the open dialog, else the screen without
// the tour panel.
func (h *harness) outsideTour() string {
	L := h.m.layout()
	if d := h.m.dialogs.top(); d != nil {
		return ansi.Strip(d.draw(rect{0, L.bodyY, L.bodyW, L.bodyH}).view)
	}
	rows := strings.Split(h.screen(), "\n")
	for y := L.tr.y; y < L.tr.y+L.tr.h && y < len(rows) && L.tr.w > 0; y++ {
		rows[y] = ansi.Cut(rows[y], 0, L.tr.x) + strings.Repeat(" ", L.tr.w) + ansi.Cut(rows[y], L.tr.x+L.tr.w, ansi.StringWidth(rows[y]))
	}
	return strings.Join(rows, "\n")
}

// markedLine reports whether a line of the screen (outside the tour) has ▸ followed by text.
func (h *harness) markedLine(text string) bool {
	for _, l := range strings.Split(h.outsideTour(), "\n") {
		i := strings.Index(l, "▸")
		if i < 0 {
			continue
		}
		item, _, _ := strings.Cut(l[i:], "│") // the marked item, not what a box beside it shows
		if strings.Contains(item, text) {
			return true
		}
	}
	return false
}

// textFor is what "type …" asks to type.
func (h *harness) textFor(what string, fail func(c, why string), c string) string {
	switch {
	case what == "a message":
		return "Hello, it is me again"
	case what == "a name":
		return "Tour Guest"
	case what == "a duration in seconds":
		return "95"
	case strings.HasPrefix(what, "the new number "):
		return strings.TrimPrefix(what, "the new number ")
	case quoted.MatchString(what):
		return quoted.FindStringSubmatch(what)[1]
	case !strings.Contains(what, " "):
		return strings.ToUpper(what[:1]) + what[1:] // a name: "type Priya"
	}
	fail(c, "it says nothing to type")
	return ""
}

// TestTourFollowedWordForWord plays the guided tour as a trainer does: each step's words as the
// panel shows them, from wherever the step before left the screen. A step whose words stop
// working (a key refused, a name not found, a ▸ that never gets there) or that does not
// complete when followed fails here.
func TestTourFollowedWordForWord(t *testing.T) {
	for _, size := range [][2]int{{120, 34}, {80, 24}, {200, 50}} {
		t.Run(strconv.Itoa(size[0])+"x"+strconv.Itoa(size[1]), func(t *testing.T) {
			h := demoHarness(t, size[0], size[1])
			h.playTour()
			// finished in a sensible state: routing is on again
			if st := h.svc.Settings(context.Background()); !st.ContactOwnerRouting || (st.OwnerAwayWait != "off" && st.OwnerAwayWait != "") {
				t.Fatalf("the tour ends with routing %v and the owner-away wait %q, not as the demo began", st.ContactOwnerRouting, st.OwnerAwayWait)
			}
			if panel := strings.Join(h.tourText(), " "); !strings.Contains(panel, "Press T to hide this panel") || !strings.Contains(panel, "Press ctrl+r to start the tour again") {
				t.Fatalf("the finished tour offers no way to hide it or start again:\n%s", panel)
			}
			h.keys("T")
			if h.m.layout().tr.w != 0 {
				t.Fatal("T did not hide the finished tour")
			}
			h.keys("T")
			h.send(keyCtrl('r'))
			do, all := h.shownStep()
			if all || do == "" || h.m.tour.steps[0].Done {
				t.Fatalf("ctrl+r did not start the tour again: %v %q", all, do)
			}
			h.settle()
			if st := h.m.status.text; !strings.Contains(st, "The tour starts again") {
				t.Fatalf("after ctrl+r the status line says %q", st)
			}
			// the tour started again can be followed word for word too: what it uses is as
			// the demo began
			h.playTour()
		})
	}
}

func keyCtrl(r rune) tea.KeyPressMsg { return tea.KeyPressMsg{Code: r, Mod: tea.ModCtrl} }

// stepsTour shows demo.Steps with the first n done.
type stepsTour struct{ n int }

func (s *stepsTour) Steps(context.Context) []TourStep {
	out := make([]TourStep, len(demo.Steps))
	for i, st := range demo.Steps {
		out[i] = TourStep{Title: st.Title, Do: st.Do, Expect: st.Expect, Done: i < s.n}
	}
	return out
}

// TestEveryTourStepFitsTheSmallestScreen: at 80×24, in the inbox and in Settings, each step's
// title and what to do are on the screen in full.
func TestEveryTourStepFitsTheSmallestScreen(t *testing.T) {
	tour := &stepsTour{}
	h := newHarness(t, newService(t), "alice", Options{Tour: tour, ShowTour: true}, 80, 24)
	for i, st := range demo.Steps {
		tour.n = i
		h.run(h.m.tour.load())
		for _, screen := range []string{"inbox", "settings"} {
			if screen == "settings" {
				h.keys("s")
			}
			h.m.frameValid = false
			text := strings.Join(strings.Fields(strings.Join(h.tourText(), " ")), " ")
			for _, want := range []string{st.Title, "Do: " + st.Do, "Expect: " + st.Expect} {
				if !strings.Contains(text, strings.Join(strings.Fields(want), " ")) {
					t.Fatalf("step %d in the %s at 80×24: %q is not shown in full:\n%s", i+1, screen, want, h.screen())
				}
			}
			if screen == "settings" {
				h.keys("esc")
			}
		}
		// and with a toast of three lines, as the routing of an inject leaves (the step's
		// Expect was cut at step 10)
		h.run(h.m.setStatus(0, "✓ Mila Novak: routed to Lena Fischer — "+strings.Repeat("covered by Lena Fischer, the contact owner Sofia Rossi is offline; ", 3)))
		h.m.frameValid = false
		text := strings.Join(strings.Fields(strings.Join(h.tourText(), " ")), " ")
		for _, want := range []string{st.Title, "Do: " + st.Do, "Expect: " + st.Expect} {
			if !strings.Contains(text, strings.Join(strings.Fields(want), " ")) {
				t.Fatalf("step %d at 80×24 under a toast: %q is not shown in full:\n%s", i+1, want, h.screen())
			}
		}
		h.m.status.text = ""
	}
}
