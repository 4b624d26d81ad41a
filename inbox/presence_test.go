package inbox

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"switchboard/inbox/domain"
	"switchboard/internal/testkey"
	"switchboard/routing"
)

// setClock is a clock a test moves by hand.
type setClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *setClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *setClock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func newClockedService(t *testing.T) (*Service, *setClock) {
	t.Helper()
	c := &setClock{t: time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)}
	s, err := openInbox(filepath.Join(t.TempDir(), "sb.db"), Options{Now: c.now, NoTimers: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	raw, err := os.ReadFile("testdata/workspace.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Import(ctx, "", bytes.NewReader(raw), false); err != nil {
		t.Fatal(err)
	}
	return s, c
}

func status(t *testing.T, s *Service, id string) domain.Operator {
	t.Helper()
	o, ok := s.Operator(id)
	if !ok {
		t.Fatalf("no operator %s", id)
	}
	return o
}

// waitStatus waits for a status a key press changes on the service's own goroutine.
func waitStatus(t *testing.T, s *Service, id string, want routing.Presence) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for status(t, s, id).Status != want {
		if time.Now().After(deadline) {
			t.Fatalf("%s is %s, want %s", id, status(t, s, id).Status, want)
		}
		time.Sleep(time.Millisecond)
	}
}

// Presence follows sessions: online while a session is live and a key was pressed within the
// idle time, away past it, online again at the next key press, offline when the last session
// ends; each change says when and why, and a status set by hand wins until it is handed back.
func TestPresenceFollowsSessions(t *testing.T) {
	s, clk := newClockedService(t)
	bob := status(t, s, "bob")
	if bob.Status != routing.Offline {
		t.Fatalf("fixture: bob is %s", bob.Status)
	}
	events := s.Subscribe(ctx)

	a1, err := s.Attend(ctx, "bob")
	if err != nil {
		t.Fatal(err)
	}
	if o := status(t, s, "bob"); o.Status != routing.Online || o.StatusWhy != whySession || !o.StatusSince.Equal(clk.now()) || o.PresenceManual {
		t.Fatalf("after a session began: %+v", o)
	}
	select {
	case e := <-events:
		if e.Kind != EventConfig || e.Actor != ActorPresence {
			t.Fatalf("event %+v, want a config change by presence", e)
		}
	case <-time.After(time.Second):
		t.Fatal("no event for the change")
	}

	// a second session, then 9 minutes without a key: still online
	a2, err := s.Attend(ctx, "bob")
	if err != nil {
		t.Fatal(err)
	}
	clk.add(9 * time.Minute)
	if err := s.CheckPresence(ctx); err != nil {
		t.Fatal(err)
	}
	if got := status(t, s, "bob").Status; got != routing.Online {
		t.Fatalf("after 9 idle minutes: %s", got)
	}
	// a key in one session keeps them online past the other's idle time
	a2.Touch()
	clk.add(2 * time.Minute)
	if err := s.CheckPresence(ctx); err != nil {
		t.Fatal(err)
	}
	if got := status(t, s, "bob").Status; got != routing.Online {
		t.Fatalf("one session idle 11 min, the other 2 min: %s", got)
	}
	clk.add(8 * time.Minute)
	if err := s.CheckPresence(ctx); err != nil {
		t.Fatal(err)
	}
	if o := status(t, s, "bob"); o.Status != routing.Away || o.StatusWhy != "no key pressed for 10 minutes" {
		t.Fatalf("10 minutes without a key: %+v", o)
	}
	a1.Touch()
	waitStatus(t, s, "bob", routing.Online)

	// the idle time is a setting: admins only, recorded in the history
	if _, err := s.SetPresenceIdle(ctx, "carol", 5*time.Minute); KindOf(err) != Forbidden {
		t.Fatalf("an operator set the idle time: %v", err)
	}
	if _, err := s.SetPresenceIdle(ctx, "alice", 10*time.Second); KindOf(err) != Invalid || !strings.Contains(err.Error(), "1m to 24h") {
		t.Fatalf("10s accepted: %v", err)
	}
	ch, err := s.SetPresenceIdle(ctx, "alice", 5*time.Minute)
	if err != nil || ch.From != "10m" || ch.To != "5m" {
		t.Fatalf("set idle: %+v %v", ch, err)
	}
	clk.add(5 * time.Minute)
	if err := s.CheckPresence(ctx); err != nil {
		t.Fatal(err)
	}
	if o := status(t, s, "bob"); o.Status != routing.Away || o.StatusWhy != "no key pressed for 5 minutes" {
		t.Fatalf("5 minutes without a key under a 5m idle time: %+v", o)
	}

	// by hand wins: sessions change nothing until it is handed back
	if err := s.SetPresence(ctx, "bob", "bob", "offline"); err != nil {
		t.Fatal(err)
	}
	if o := status(t, s, "bob"); o.Status != routing.Offline || !o.PresenceManual || o.StatusWhy != whyByHand {
		t.Fatalf("set by hand: %+v", o)
	}
	a1.Touch()
	if err := s.CheckPresence(ctx); err != nil {
		t.Fatal(err)
	}
	time.Sleep(20 * time.Millisecond) // a key press would follow on its own goroutine
	if got := status(t, s, "bob").Status; got != routing.Offline {
		t.Fatalf("a key press overrode a status set by hand: %s", got)
	}
	if err := s.SetPresenceAuto(ctx, "carol", "bob"); KindOf(err) != Forbidden {
		t.Fatalf("carol handed bob's status back: %v", err)
	}
	if err := s.SetPresenceAuto(ctx, "bob", "bob"); err != nil {
		t.Fatal(err)
	}
	if o := status(t, s, "bob"); o.Status != routing.Online || o.PresenceManual {
		t.Fatalf("handed back with a key pressed just now: %+v", o)
	}

	// sessions end: offline when the last one does
	if err := a1.Leave(ctx); err != nil {
		t.Fatal(err)
	}
	if got := status(t, s, "bob").Status; got != routing.Away {
		t.Fatalf("the session with the key press ended, the idle one is left: %s", got)
	}
	if err := a2.Leave(ctx); err != nil {
		t.Fatal(err)
	}
	if o := status(t, s, "bob"); o.Status != routing.Offline || o.StatusWhy != whyLastSession {
		t.Fatalf("the last session ended: %+v", o)
	}
	if err := a2.Leave(ctx); err != nil || s.Sessions("bob") != 0 {
		t.Fatalf("a second Leave: %v, %d sessions", err, s.Sessions("bob"))
	}
}

// Round robin picks people who are really there: an operator whose SSH session went idle is
// away and is skipped.
func TestRoundRobinSkipsIdleSessions(t *testing.T) {
	s, clk := newClockedService(t)
	// Support: bob (offline), carol, dana (admin). Carol's and Bob's statuses follow sessions.
	if err := s.SetPresence(ctx, "alice", "carol", "online"); err != nil {
		t.Fatal(err)
	}
	if err := s.SetPresenceAuto(ctx, "alice", "carol"); err != nil {
		t.Fatal(err)
	}
	if got := status(t, s, "carol").Status; got != routing.Offline {
		t.Fatalf("carol handed to sessions with none: %s", got)
	}
	bob, err := s.Attend(ctx, "bob")
	if err != nil {
		t.Fatal(err)
	}
	defer bob.Leave(ctx)
	out, err := s.Inject(ctx, Inbound{Channel: "message", From: "15550007001", Text: "hi"})
	if err != nil {
		t.Fatal(err)
	}
	if out.Conversation.AssigneeID() != "bob" {
		t.Fatalf("with bob in a session and carol in none: %s (%s)", out.Conversation.AssigneeID(), out.Why)
	}
	clk.add(DefaultPresenceIdle)
	if err := s.CheckPresence(ctx); err != nil {
		t.Fatal(err)
	}
	out, err = s.Inject(ctx, Inbound{Channel: "message", From: "15550007002", Text: "hi"})
	if err != nil {
		t.Fatal(err)
	}
	if a := out.Conversation.AssigneeID(); a == "bob" || !strings.Contains(out.Why, "Bob Stone skipped (away)") {
		t.Fatalf("bob idle: assigned %q — %s", a, out.Why)
	}
}

// The SSH door's start: operators who sign in by key and follow their sessions are offline
// until a session begins; others are left as they are.
func TestOfflineWithoutSessions(t *testing.T) {
	s, _ := newClockedService(t)
	if _, err := s.AddKey(ctx, "alice", "carol", testKey(t, "carol@laptop")); err != nil {
		t.Fatal(err)
	}
	if err := s.SetPresenceAuto(ctx, "alice", "erin"); err != nil { // erin: no key
		t.Fatal(err)
	}
	if err := s.OfflineWithoutSessions(ctx); err != nil {
		t.Fatal(err)
	}
	if o := status(t, s, "carol"); o.Status != routing.Offline || o.StatusWhy != whyNoSession {
		t.Fatalf("carol: %+v", o)
	}
	if got := status(t, s, "erin").Status; got != routing.Online {
		t.Fatalf("erin (no key) changed: %s", got)
	}
}

func testKey(t testing.TB, comment string) string { return testkey.New(t, comment) }

// An attend whose status cannot be written (the service is closing, or its context ended)
// takes its session back: the door that got the error holds nothing to leave, and a session
// nobody holds would keep its operator online until the process ends.
func TestAnAttendThatFailsLeavesNoSession(t *testing.T) {
	s, _ := newClockedService(t)
	if o := status(t, s, "bob"); o.Status != routing.Offline {
		t.Fatalf("fixture: bob is %s", o.Status)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	at, err := s.Attend(ctx, "bob")
	if err == nil || at != nil {
		t.Fatalf("Attend on a closed service: %v, %v", at, err)
	}
	if n := s.Sessions("bob"); n != 0 {
		t.Fatalf("a failed attend left bob %d sessions", n)
	}
}
