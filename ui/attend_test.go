package ui

import (
	"context"
	"io"
	"testing"
	"time"

	"switchboard/inbox"
	"switchboard/inbox/domain"
	"switchboard/internal/testkey"
	"switchboard/routing"
)

// The local terminal inbox is a session presence follows (Options.Attend), as an SSH session
// is: carol, who signs in by key and follows her sessions, is online while her screen is open;
// a key press is a touch; acting as someone else (u) leaves it with carol, the person at the
// keys (the one acted as is not there); the screen's close leaves it. A screen closed while its
// attend is still on its way does not wait for it.
func TestLocalScreenIsASessionPresenceFollows(t *testing.T) {
	svc := newService(t)
	ctx := context.Background()
	if _, err := svc.AddKey(ctx, "alice", "carol", testkey.New(t, "")); err != nil {
		t.Fatal(err)
	}
	if err := svc.SetPresence(ctx, "alice", "carol", "offline"); err != nil {
		t.Fatal(err)
	}
	if err := svc.SetPresenceAuto(ctx, "alice", "carol"); err != nil {
		t.Fatal(err)
	}
	if o, _ := svc.Operator("carol"); o.Status != routing.Offline {
		t.Fatalf("carol without a session: %s", o.Status)
	}
	h := newHarness(t, svc, "carol", Options{Attend: true, ActAs: localActAs(svc)}, 120, 30)
	if o, _ := svc.Operator("carol"); o.Status != routing.Online || o.StatusWhy != "an inbox session is open" || svc.Sessions("carol") != 1 {
		t.Fatalf("carol with her screen open: %s (%q), %d sessions", o.Status, o.StatusWhy, svc.Sessions("carol"))
	}
	h.keys("j") // a key press touches it (and nothing breaks)
	h.keys("u")
	for h.picker().items[h.picker().cursor].id != "alice" && h.picker().cursor > 0 {
		h.keys("k") // alice is above carol
	}
	h.keys("enter")
	h.want("You are now acting as Alice")
	if o := opStatus(svc, "carol"); o.Status != routing.Online || svc.Sessions("carol") != 1 || svc.Sessions("alice") != 0 {
		t.Fatalf("carol's screen acting as alice: carol %s with %d sessions, alice %d sessions", o.Status, svc.Sessions("carol"), svc.Sessions("alice"))
	}
	h.m.att.close()
	if o := opStatus(svc, "carol"); o.Status != routing.Offline || svc.Sessions("carol") != 0 {
		t.Fatalf("carol after the screen closed: %s, %d sessions", o.Status, svc.Sessions("carol"))
	}

	// an attend that never comes back (an owner that does not answer) does not hold the close
	a := newAttendance(ctx)
	started := make(chan struct{})
	go func() { _ = a.attend(stuck{started}) }()
	<-started
	closed := make(chan struct{})
	go func() { a.close(); close(closed) }()
	select {
	case <-closed:
	case <-time.After(2 * time.Second):
		t.Fatal("closing the screen waits for an attend still on its way")
	}

	// without Attend (the SSH door, which attends itself) a screen is no session
	newHarness(t, svc, "carol", Options{}, 120, 30)
	if n := svc.Sessions("carol"); n != 0 {
		t.Fatalf("a screen without Attend made %d sessions", n)
	}
}

func opStatus(svc *inbox.Service, id string) domain.Operator {
	o, _ := svc.Operator(id)
	return o
}

// stuck is a connection whose attend waits until its context ends.
type stuck struct{ started chan struct{} }

func (stuck) Call(context.Context, string, any, any) error       { return nil }
func (stuck) Events(context.Context) (<-chan inbox.Event, error) { return nil, nil }
func (stuck) Export(context.Context, io.Writer) error            { return nil }
func (stuck) Import(context.Context, io.Reader, bool) error      { return nil }
func (stuck) Operator() string                                   { return "carol" }
func (s stuck) AttendScreen(ctx context.Context) (inbox.Present, error) {
	close(s.started)
	<-ctx.Done()
	return nil, ctx.Err()
}
