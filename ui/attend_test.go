package ui

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"strings"
	"testing"

	gossh "golang.org/x/crypto/ssh"

	"switchboard/inbox"
	"switchboard/inbox/domain"
	"switchboard/routing"
)

// The local terminal inbox is a session presence follows (Options.Attend), as an SSH session
// is: carol, who signs in by key and follows her sessions, is online while her screen is open;
// a key press is a touch; acting as someone else (u) moves the session to them; the screen's
// close leaves it. alice has no key: her screen changes nothing.
func TestLocalScreenIsASessionPresenceFollows(t *testing.T) {
	svc := newService(t)
	ctx := context.Background()
	pub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	k, _ := gossh.NewPublicKey(pub)
	if _, err := svc.AddKey(ctx, "alice", "carol", strings.TrimSpace(string(gossh.MarshalAuthorizedKey(k)))); err != nil {
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
	if n, o := svc.Sessions("carol"), opStatus(svc, "carol"); n != 0 || o.Status != routing.Offline || o.StatusWhy != "their last inbox session ended" {
		t.Fatalf("carol after her screen acts as alice: %d sessions, %s (%q)", n, o.Status, o.StatusWhy)
	}
	if n := svc.Sessions("alice"); n != 0 {
		t.Fatalf("alice (no key) has %d sessions", n)
	}
	h.keys("u")
	for h.picker().items[h.picker().cursor].id != "carol" && h.picker().cursor < len(h.picker().items)-1 {
		h.keys("j")
	}
	h.keys("enter")
	h.want("You are now acting as Carol")
	if o := opStatus(svc, "carol"); o.Status != routing.Online || svc.Sessions("carol") != 1 {
		t.Fatalf("carol acted as again: %s, %d sessions", o.Status, svc.Sessions("carol"))
	}
	h.m.att.close()
	if o := opStatus(svc, "carol"); o.Status != routing.Offline || svc.Sessions("carol") != 0 {
		t.Fatalf("carol after the screen closed: %s, %d sessions", o.Status, svc.Sessions("carol"))
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
