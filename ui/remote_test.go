package ui

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"switchboard/data"
	"switchboard/inbox"
	"switchboard/inbox/rpc"
)

// The screen drives a session that lives in another process exactly as one here: it is opened
// on a socket client, acting as the operator the connection was bound to. What it shows, what
// it may do, the live events and the actions all cross the socket.
func TestScreenDrivesASessionThroughTheSocket(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sb.db")
	eng := rpc.Engine{Open: func(p string) (inbox.Store, error) { return data.Open(p) }, InUse: data.ErrInUse}
	o, err := rpc.Own(path, "test", eng, inbox.Options{NoTimers: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { o.Close(context.Background()) })
	raw, err := os.ReadFile("../inbox/testdata/workspace.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := o.Service.Import(bg, "", bytes.NewReader(raw), false); err != nil {
		t.Fatal(err)
	}
	carol, err := rpc.Dial(path, "carol")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { carol.Close() })

	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	h := newHarnessOn(t, ctx, carol, o.Service, Options{}, 120, 30)
	h.eventually("Carol Diaz · operator", "Dana Diaz")

	// what Carol may do is the owner's answer
	h.keys("s")
	h.eventually("🔒 Only admins can change routing — you are Carol Diaz (operator).")
	h.keys("space")
	h.eventually("Only admins can change routing settings")
	if !o.Service.Settings(bg).ContactOwnerRouting {
		t.Fatal("Carol flipped owner routing through the socket")
	}
	h.keys("esc")

	// a customer writes to the owner's process: the screen hears it through the socket
	out, err := o.Service.Inject(bg, inbox.Inbound{Channel: "message", From: "15550004444", Name: "Gus Lee", Text: "hello there"})
	if err != nil {
		t.Fatal(err)
	}
	h.eventually("Gus Lee +15550004444", "✉ hello there")

	// Carol answers; the reply is hers in the owner's workspace
	h.keys("g", "enter")
	h.eventually("Gus Lee: hello there")
	h.keys("r")
	h.typeText("on my way")
	h.keys("enter")
	h.eventually("not sent: no WhatsApp number configured") // no sender in this test: never "sent"
	d, err := o.Service.Conversation(bg, "alice", out.Conversation.Contact.ID, "", 50)
	if err != nil {
		t.Fatal(err)
	}
	last := d.Timeline[len(d.Timeline)-1]
	if last.Kind != inbox.KindReply || last.Text != "on my way" || last.By != "carol" {
		t.Fatalf("last entry = %+v, want Carol's reply", last)
	}
}
