package ui

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"switchboard/inbox"
)

// clock is a test clock that moves one second per reading.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(time.Second)
	return c.t
}

var fixedNow = time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)

// newService opens a service on a temp file with the inbox fixture imported (Alice and Dana
// admins; Bob offline, Carol, Erin, Frank operators; Support = bob, carol, dana; Sales = alice,
// erin; Billing = frank, carol).
func newService(t testing.TB) *inbox.Service {
	t.Helper()
	c := &clock{t: fixedNow}
	s, err := openInbox(filepath.Join(t.TempDir(), "sb.db"), inbox.Options{Now: c.now, NoTimers: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	raw, err := os.ReadFile("../inbox/testdata/workspace.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Import(context.Background(), "", bytes.NewReader(raw), false); err != nil {
		t.Fatal(err)
	}
	return s
}

// pause is how long a person pauses between two keys, as the harness plays them: the short
// waits of the screens (the 60 ms before a preview loads, the 80 ms before a reload) pass
// within it, the spinner's first tick (120 ms) and a status line's timeout do not.
const pause = 100 * time.Millisecond

// testClock is the harness's Scheduler. The screens' clock reads a fixed time, so ages and
// dates on the screen stay put. A wait of at most a pause passes at once: After returns a
// command that delivers the message, which the harness runs like any other. A longer one is
// kept, and comes due only when the test lets the time pass (harness.wait). The wait for the
// next live event is the harness's own (settle reads the subscription), so Wait makes none.
type testClock struct {
	now   time.Time
	later []timer
}

type timer struct {
	left time.Duration
	msg  tea.Msg
}

func (c *testClock) Now() time.Time { return c.now }

func (c *testClock) After(d time.Duration, msg tea.Msg) tea.Cmd {
	if d <= pause {
		return func() tea.Msg { return msg }
	}
	c.later = append(c.later, timer{d, msg})
	return nil
}

func (c *testClock) Wait(func() tea.Msg) tea.Cmd { return nil }

// harness drives a Model synchronously: it runs the commands Update returns, feeds their
// messages back, and delivers the service's events, until nothing is left to do.
type harness struct {
	t     testing.TB
	svc   *inbox.Service
	m     *Model
	clock *testClock
	// hold: do not deliver service events (to act on a stale view)
	hold bool
}

// newHarness opens a screen acting as operator as ("" for the first admin) on a session of svc,
// as the local door does.
func newHarness(t testing.TB, svc *inbox.Service, as string, opts Options, w, h int) *harness {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	sess, err := svc.SessionFor(as)
	if err != nil {
		t.Fatal(err)
	}
	return newHarnessOn(t, ctx, sess, svc, opts, w, h)
}

// newHarnessOn opens a screen on any connection (a session here, a client of another
// process); svc is the service behind it, for the test's own reads and writes.
func newHarnessOn(t testing.TB, ctx context.Context, conn inbox.Conn, svc *inbox.Service, opts Options, w, h int) *harness {
	t.Helper()
	clock := &testClock{now: fixedNow.Add(time.Hour)}
	opts.Scheduler = clock
	m := New(ctx, conn, opts)
	hs := &harness{t: t, svc: svc, m: m, clock: clock}
	hs.send(tea.WindowSizeMsg{Width: w, Height: h})
	hs.run(m.Init())
	hs.settle()
	return hs
}

// localActAs is the local door's "act as": a session of svc for the operator chosen.
func localActAs(svc *inbox.Service) func(context.Context, string) (inbox.Conn, error) {
	return func(_ context.Context, id string) (inbox.Conn, error) { return svc.SessionFor(id) }
}

// run executes cmd and everything it leads to.
func (h *harness) run(cmd tea.Cmd) {
	h.t.Helper()
	queue := []tea.Cmd{cmd}
	for n := 0; len(queue) > 0; n++ {
		if n > 10000 {
			h.t.Fatal("commands never settle")
		}
		c := queue[0]
		queue = queue[1:]
		if c == nil {
			continue
		}
		msg := c()
		switch msg := msg.(type) {
		case nil:
		case tea.BatchMsg:
			queue = append(queue, msg...)
		case tea.QuitMsg:
		default:
			if strings.HasPrefix(typeName(msg), "tea.") || strings.Contains(typeName(msg), "backgroundColor") {
				continue
			}
			_, next := h.m.Update(msg)
			queue = append(queue, next)
		}
	}
}

func typeName(v any) string { return strings.TrimPrefix(strings.TrimPrefix(fmtType(v), "*"), "") }

// settle delivers pending service events (and what they lead to) until quiet.
func (h *harness) settle() {
	h.t.Helper()
	if h.hold {
		return
	}
	deadline := time.Now().Add(2 * time.Second)
	for {
		select {
		case e, ok := <-h.m.events:
			if !ok {
				return
			}
			_, cmd := h.m.Update(eventMsg{e})
			h.run(cmd)
			deadline = time.Now().Add(2 * time.Second)
		case <-time.After(2 * time.Millisecond):
			return // the service publishes before a command returns: nothing more is coming
		}
		if time.Now().After(deadline) {
			return
		}
	}
}

// wait lets d pass: the kept timers that come due within it fire, in the order they come due
// (timers set meanwhile start after it).
func (h *harness) wait(d time.Duration) {
	h.t.Helper()
	var due []timer
	keep := h.clock.later[:0:0]
	for _, tm := range h.clock.later {
		if tm.left <= d {
			due = append(due, tm)
		} else {
			keep = append(keep, timer{tm.left - d, tm.msg})
		}
	}
	h.clock.later = keep
	sort.SliceStable(due, func(i, j int) bool { return due[i].left < due[j].left })
	for _, tm := range due {
		h.send(tm.msg)
	}
}

// picker is the open picker (assign, owner, team, act as), nil when there is none.
func (h *harness) picker() *pickDlg { return open[*pickDlg](&h.m.dialogs) }

func (h *harness) send(msg tea.Msg) {
	h.t.Helper()
	_, cmd := h.m.Update(msg)
	h.run(cmd)
	h.settle()
}

// keys presses each key: single characters, or names like "enter", "esc", "tab", "space".
func (h *harness) keys(ks ...string) {
	h.t.Helper()
	for _, k := range ks {
		h.send(keyMsg(k))
	}
}

func (h *harness) typeText(s string) {
	h.t.Helper()
	for _, r := range s {
		h.send(tea.KeyPressMsg{Code: r, Text: string(r)})
	}
}

func keyMsg(k string) tea.KeyPressMsg {
	switch k {
	case "enter":
		return tea.KeyPressMsg{Code: tea.KeyEnter}
	case "esc":
		return tea.KeyPressMsg{Code: tea.KeyEscape}
	case "tab":
		return tea.KeyPressMsg{Code: tea.KeyTab}
	case "shift+tab":
		return tea.KeyPressMsg{Code: tea.KeyTab, Mod: tea.ModShift}
	case "space":
		return tea.KeyPressMsg{Code: tea.KeySpace, Text: " "}
	case "up":
		return tea.KeyPressMsg{Code: tea.KeyUp}
	case "down":
		return tea.KeyPressMsg{Code: tea.KeyDown}
	case "left":
		return tea.KeyPressMsg{Code: tea.KeyLeft}
	case "right":
		return tea.KeyPressMsg{Code: tea.KeyRight}
	case "backspace":
		return tea.KeyPressMsg{Code: tea.KeyBackspace}
	case "ctrl+c":
		return tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl}
	case "ctrl+u":
		return tea.KeyPressMsg{Code: 'u', Mod: tea.ModCtrl}
	}
	r := []rune(k)[0]
	return tea.KeyPressMsg{Code: r, Text: k}
}

// screen is the stripped view.
func (h *harness) screen() string { return ansi.Strip(h.m.View().Content) }

// eventually delivers events (and presses nothing) until the screen shows every sub, for a
// connection whose events arrive from another process; it fails after a few seconds.
func (h *harness) eventually(subs ...string) {
	h.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		scr := h.screen()
		missing := ""
		for _, s := range subs {
			if !strings.Contains(scr, s) {
				missing = s
				break
			}
		}
		if missing == "" {
			return
		}
		if time.Now().After(deadline) {
			h.t.Fatalf("screen never showed %q:\n%s", missing, scr)
		}
		select {
		case e, ok := <-h.m.events:
			if !ok {
				h.t.Fatalf("the event stream closed while waiting for %q", missing)
			}
			_, cmd := h.m.Update(eventMsg{e})
			h.run(cmd)
			h.wait(time.Second) // the reload an event schedules
		case <-time.After(20 * time.Millisecond):
		}
	}
}

func (h *harness) want(subs ...string) {
	h.t.Helper()
	s := h.screen()
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			h.t.Fatalf("screen lacks %q:\n%s", sub, s)
		}
	}
}

func (h *harness) wantNot(subs ...string) {
	h.t.Helper()
	s := h.screen()
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			h.t.Fatalf("screen should not show %q:\n%s", sub, s)
		}
	}
}

func fmtType(v any) string { return fmt.Sprintf("%T", v) }
