package demo

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"switchboard/inbox"
	"switchboard/inbox/whatsapp"
)

// The demo's fake Cloud API: a reply ticks through sent, delivered and read; a reply to Wei
// Chen fails (the scripted failure); and a demo reopened with a new fake still gets its
// statuses (wamids are unique across fakes).
func TestDemoRepliesTickAndOneFails(t *testing.T) {
	old := StatusDelays
	StatusDelays, APIDelay = [3]time.Duration{10 * time.Millisecond, 10 * time.Millisecond, 10 * time.Millisecond}, 10*time.Millisecond
	defer func() { StatusDelays, APIDelay = old, 600*time.Millisecond }()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "demo.db")
	for round := 0; round < 2; round++ {
		svc, err := openInbox(path, inbox.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if round == 0 {
			if err := Seed(ctx, svc); err != nil {
				t.Fatal(err)
			}
		}
		cfg, stopFake, err := FakeGraph(ctx, svc)
		if err != nil {
			t.Fatal(err)
		}
		stop := whatsapp.Start(svc, whatsapp.NewClient(cfg), whatsapp.Options{})
		svc.SetOutbound(true, "") // as the sender does once it runs: the replies below are queued
		ok := noErrT(t)(svc.Reply(ctx, Admin, "34655001777", "hello Valentina"))
		bad := noErrT(t)(svc.Reply(ctx, Admin, FailingContact, "hello Wei"))
		waitUntil(t, func() bool {
			a, _ := svc.ReplyEntry(ok.Entry.ID)
			b, _ := svc.ReplyEntry(bad.Entry.ID)
			if a.Delivery == inbox.DeliveryRead && b.Delivery == inbox.DeliveryFailed {
				return true
			}
			return false
		})
		if b, _ := svc.ReplyEntry(bad.Entry.ID); !strings.Contains(b.Error, "131026") {
			t.Fatalf("the scripted failure says %q", b.Error)
		}
		if ts, _ := svc.Templates(ctx); len(ts) != len(Templates) {
			t.Fatalf("the demo has %d templates", len(ts))
		}
		stop()
		stopFake()
		svc.Close()
	}
}

func noErrT(t *testing.T) func(inbox.Outcome, error) inbox.Outcome {
	return func(o inbox.Outcome, err error) inbox.Outcome {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return o
	}
}

func waitUntil(t *testing.T, ok func() bool) {
	t.Helper()
	for end := time.Now().Add(10 * time.Second); !ok(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(end) {
			t.Fatal("timed out")
		}
	}
}
