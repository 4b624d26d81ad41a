package ui

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
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

// harness drives a Model synchronously: it runs the commands Update returns, feeds their
// messages back, and delivers the service's events, until nothing is left to do.
type harness struct {
	t   testing.TB
	svc *inbox.Service
	m   *Model
	// hold: do not deliver service events (to act on a stale view)
	hold bool
}

func newHarness(t testing.TB, svc *inbox.Service, opts Options, w, h int) *harness {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	m := New(ctx, svc, opts)
	m.manual = true
	m.now = func() time.Time { return fixedNow.Add(time.Hour) }
	hs := &harness{t: t, svc: svc, m: m}
	hs.send(tea.WindowSizeMsg{Width: w, Height: h})
	hs.run(m.Init())
	hs.settle()
	return hs
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
	}
	r := []rune(k)[0]
	return tea.KeyPressMsg{Code: r, Text: k}
}

// screen is the stripped view.
func (h *harness) screen() string { return ansi.Strip(h.m.View().Content) }

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
