package rpc

import (
	"bytes"
	"net"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"switchboard/inbox"
	"switchboard/internal/testkey"
	"switchboard/routing"
)

// ownWithCarolsKey owns a workspace of the fixture at path (closed when the test ends) in
// which carol signs in by key, so presence follows her sessions.
func ownWithCarolsKey(t *testing.T, path string, opts inbox.Options) *inbox.Service {
	t.Helper()
	o, err := Own(path, "serve", testEngine, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { o.Close(ctx) })
	setup := connect(t, path, "")
	if err := setup.Import(ctx, bytes.NewReader(fixture(t)), false); err != nil {
		t.Fatal(err)
	}
	if _, err := o.Service.AddKey(ctx, "alice", "carol", testkey.New(t, "carol@laptop")); err != nil {
		t.Fatal(err)
	}
	return o.Service
}

// carolsScreen is a terminal inbox of carol's attending through the socket of path; the
// connection closes when the test ends.
func carolsScreen(t *testing.T, path string) (*Client, inbox.Present) {
	t.Helper()
	carol, err := Dial(path, "carol")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { carol.Close() })
	p, err := carol.AttendScreen(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return carol, p
}

// waitStatus waits up to 5 s for the operator's status to be want, and returns it with why.
func waitStatus(t *testing.T, s *inbox.Service, op string, want routing.Presence) (routing.Presence, string) {
	t.Helper()
	var last routing.Presence
	for end := time.Now().Add(5 * time.Second); time.Now().Before(end); time.Sleep(10 * time.Millisecond) {
		o, _ := s.Operator(op)
		if o.Status == want {
			return o.Status, o.StatusWhy
		}
		last = o.Status
	}
	return last, ""
}

// A terminal inbox attached through the socket is a session presence follows, as an SSH session
// is: carol (who signs in by key) is online while it is open, away after the idle time without
// a key press, online again at a key press, and offline when it closes or its process goes
// without a word; erin, who has no key, keeps the status she set.
func TestAttachedScreenIsASessionPresenceFollows(t *testing.T) {
	path := filepath.Join(shortDir(t), "sb.db")
	var now atomic.Int64
	now.Store(time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC).UnixNano())
	svc := ownWithCarolsKey(t, path, inbox.Options{Now: func() time.Time { return time.Unix(0, now.Load()) }})
	if err := svc.SetPresence(ctx, "carol", "carol", "offline"); err != nil {
		t.Fatal(err)
	}
	if err := svc.SetPresenceAuto(ctx, "carol", "carol"); err != nil {
		t.Fatal(err)
	}
	if st, _ := waitStatus(t, svc, "carol", routing.Offline); st != routing.Offline {
		t.Fatalf("carol with no session: %s", st)
	}

	carol, p := carolsScreen(t, path)
	if st, why := waitStatus(t, svc, "carol", routing.Online); st != routing.Online || why != "an inbox session is open" {
		t.Fatalf("carol with a screen open: %s (%q)", st, why)
	}
	if n := svc.Sessions("carol"); n != 1 {
		t.Fatalf("carol has %d sessions, want the screen's one", n)
	}
	now.Add(int64(11 * time.Minute)) // no key pressed for the idle time (10 minutes)
	if err := svc.CheckPresence(ctx); err != nil {
		t.Fatal(err)
	}
	if st, why := waitStatus(t, svc, "carol", routing.Away); st != routing.Away || why != "no key pressed for 10 minutes" {
		t.Fatalf("carol idle at her screen: %s (%q)", st, why)
	}
	p.Touch() // a key press travels to the owner
	if st, why := waitStatus(t, svc, "carol", routing.Online); st != routing.Online {
		t.Fatalf("carol pressed a key at her screen: %s (%q)", st, why)
	}
	if err := p.Leave(ctx); err != nil {
		t.Fatal(err)
	}
	// Leave waits for the owner: the status has changed when it returns
	if oo, _ := svc.Operator("carol"); oo.Status != routing.Offline || oo.StatusWhy != "their last inbox session ended" {
		t.Fatalf("carol after her screen closed: %s (%q)", oo.Status, oo.StatusWhy)
	}

	// a screen whose process goes without a word (its connection closes)
	raw, err := net.Dial("unix", SocketPath(path))
	if err != nil {
		t.Fatal(err)
	}
	bind := `{"as":"carol"}`
	req := "POST /v1/session HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: " + strconv.Itoa(len(bind)) + "\r\n\r\n" + bind +
		"POST /v1/attend HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nk\r\n"
	if _, err := raw.Write([]byte(req)); err != nil {
		t.Fatal(err)
	}
	if st, _ := waitStatus(t, svc, "carol", routing.Online); st != routing.Online {
		t.Fatalf("carol with a raw screen: %s", st)
	}
	raw.Close()
	if st, _ := waitStatus(t, svc, "carol", routing.Offline); st != routing.Offline {
		t.Fatalf("carol after her screen's process went: %s", st)
	}

	// a screen that says nothing for attendIdleTimeout (suspended) is nobody there
	old := attendIdleTimeout.get()
	attendIdleTimeout.set(200 * time.Millisecond)
	defer attendIdleTimeout.set(old)
	raw, err = net.Dial("unix", SocketPath(path))
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if _, err := raw.Write([]byte(req)); err != nil {
		t.Fatal(err)
	}
	if st, _ := waitStatus(t, svc, "carol", routing.Online); st != routing.Online {
		t.Fatalf("carol with a raw screen: %s", st)
	}
	if st, _ := waitStatus(t, svc, "carol", routing.Offline); st != routing.Offline {
		t.Fatalf("carol with a silent screen: %s", st)
	}

	// a real screen cut for its silence (suspended, then brought back) attends again at its
	// next key press
	oldKeep := attendKeepAlive.get()
	attendKeepAlive.set(time.Hour) // it says nothing on its own
	defer attendKeepAlive.set(oldKeep)
	p2, err := carol.AttendScreen(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer p2.Leave(ctx)
	if st, _ := waitStatus(t, svc, "carol", routing.Online); st != routing.Online {
		t.Fatalf("carol with her screen open again: %s", st)
	}
	if st, _ := waitStatus(t, svc, "carol", routing.Offline); st != routing.Offline {
		t.Fatalf("carol with a screen silent past the idle timeout: %s", st)
	}
	time.Sleep(50 * time.Millisecond) // the client hears that the owner ended it
	p2.Touch()
	if st, _ := waitStatus(t, svc, "carol", routing.Online); st != routing.Online {
		t.Fatalf("carol pressed a key at her screen after it was cut: %s", st)
	}
	attendIdleTimeout.set(old)
	if err := p2.Leave(ctx); err != nil {
		t.Fatal(err)
	}
	if st, _ := waitStatus(t, svc, "carol", routing.Offline); st != routing.Offline {
		t.Fatalf("carol after her screen closed: %s", st)
	}

	// an owner of an older version does not count attached screens: said at once, no hang
	older, err := Dial(path, "carol")
	if err != nil {
		t.Fatal(err)
	}
	defer older.Close()
	older.owner.Attend = false
	start := time.Now()
	if _, err := older.AttendScreen(ctx); inbox.KindOf(err) != inbox.Unavailable || !strings.Contains(err.Error(), "older version") || time.Since(start) > time.Second {
		t.Fatalf("attending through an older owner: %v after %s", err, time.Since(start))
	}

	// erin has no key: her screen changes nothing
	if err := svc.SetPresence(ctx, "alice", "erin", "away"); err != nil {
		t.Fatal(err)
	}
	if err := svc.SetPresenceAuto(ctx, "alice", "erin"); err != nil {
		t.Fatal(err)
	}
	erin, err := Dial(path, "erin")
	if err != nil {
		t.Fatal(err)
	}
	defer erin.Close()
	before, _ := svc.Operator("erin")
	pe, err := erin.AttendScreen(ctx)
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(50 * time.Millisecond)
	if oo, _ := svc.Operator("erin"); oo.Status != before.Status || svc.Sessions("erin") != 0 {
		t.Fatalf("erin (no key) with a screen: %s, %d sessions (was %s)", oo.Status, svc.Sessions("erin"), before.Status)
	}
	_ = pe.Leave(ctx)
	if oo, _ := svc.Operator("erin"); oo.Status != before.Status {
		t.Fatalf("erin (no key) after her screen: %s (was %s)", oo.Status, before.Status)
	}
}

// A key press the screen sends as the owner ends its attendance for silence (after it counted
// the person gone, before its answer ends) goes unread; the screen attends again for it, as for
// a key press after the end, so the person typing at it is not left offline.
func TestKeyPressAsTheOwnerCutsAttendsAgain(t *testing.T) {
	path := filepath.Join(shortDir(t), "sb.db")
	svc := ownWithCarolsKey(t, path, inbox.Options{})
	if err := svc.SetPresenceAuto(ctx, "carol", "carol"); err != nil {
		t.Fatal(err)
	}
	left, resume := make(chan struct{}), make(chan struct{})
	var once sync.Once
	hook := func() {
		once.Do(func() { // only the first attendance's end is held
			close(left)
			<-resume
		})
	}
	attendLeft.Store(&hook)
	defer attendLeft.Store(nil)
	oldIdle, oldKeep := attendIdleTimeout.get(), attendKeepAlive.get()
	attendIdleTimeout.set(200 * time.Millisecond)
	attendKeepAlive.set(time.Hour) // the screen says nothing on its own
	defer attendIdleTimeout.set(oldIdle)
	defer attendKeepAlive.set(oldKeep)

	_, p := carolsScreen(t, path)
	defer p.Leave(ctx)
	select {
	case <-left:
	case <-time.After(5 * time.Second):
		t.Fatal("the owner never ended the silent screen's attendance")
	}
	attendIdleTimeout.set(oldIdle) // the next attendance lasts
	if oo, _ := svc.Operator("carol"); oo.Status != routing.Offline {
		t.Fatalf("carol once her silent screen was cut: %s", oo.Status)
	}
	p.Touch()                         // a key press, on a connection the owner no longer reads
	time.Sleep(50 * time.Millisecond) // it leaves before the answer ends
	close(resume)
	if st, why := waitStatus(t, svc, "carol", routing.Online); st != routing.Online {
		t.Fatalf("carol pressed a key as her screen was cut: %s (%q)", st, why)
	}
}
