package sshd_test

import (
	"testing"

	"switchboard/data/postgres/pgtest"
	"switchboard/inbox"
)

// TestTwoNodesOneInboxOverSSH: two serve nodes (each its service and SSH door) on one
// PostgreSQL workspace. Carol on one node and Alice on the other see each other's changes live,
// and a customer's message that arrives at either node reaches both screens.
func TestTwoNodesOneInboxOverSSH(t *testing.T) {
	c := pgtest.Start(t, pgtest.Options{})
	t.Cleanup(c.Stop)
	dsn := c.DSN(t)
	a := newDoor(t, doorOpts{where: dsn})
	b := newDoor(t, doorOpts{where: dsn, nodeOf: a})
	carol := b.open(b.as("carol"), 120, 34)
	alice := a.open(a.as("alice"), 120, 34)
	carol.want("Carol Diaz · operator · ● online")
	alice.want("Alice Ng · admin · ● online")

	carol.keys("s")
	carol.want("[● on ] Contact owner-based routing")
	alice.keys("s", "space")
	alice.want("Contact owner-based routing is now off")
	carol.want("[○ off] Contact owner-based routing", "Alice Ng") // from the other node, live

	if _, err := a.svc.Inject(bg, inbox.Inbound{Channel: "message", From: "15550004444", Name: "Gus Lee", Text: "is anyone there?"}); err != nil {
		t.Fatal(err)
	}
	carol.keys("esc")
	carol.want("Gus Lee", "is anyone there?")
	if _, err := b.svc.Inject(bg, inbox.Inbound{Channel: "message", From: "15550005555", Name: "Hana Ito", Text: "hello from the other side"}); err != nil {
		t.Fatal(err)
	}
	alice.keys("esc")
	alice.want("Hana Ito", "hello from the other side")
}
