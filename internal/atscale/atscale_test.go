package atscale

import (
	"context"
	"path/filepath"
	"testing"
	"time"
)

// TestGenerate loads a small workspace: every conversation goes in, and an event finds its
// contact.
func TestGenerate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ws.db")
	svc, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close()
	start := time.Now()
	const n = 12000
	if err := Generate(context.Background(), svc, n, nil); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d conversations in %s", n, time.Since(start))
	c, err := svc.Counts(context.Background(), Admin)
	if err != nil {
		t.Fatal(err)
	}
	if c.All != n {
		t.Fatalf("%d conversations, want %d", c.All, n)
	}
	for k := 0; k < 50; k++ {
		out, err := svc.Inject(context.Background(), Event(n, 1, k))
		if err != nil {
			t.Fatal(err)
		}
		if out.Duplicate {
			t.Fatalf("event %d is a duplicate", k)
		}
	}
	if c, _ := svc.Counts(context.Background(), Admin); c.All != n {
		t.Fatalf("%d conversations after the events, want %d: an event made a new contact", c.All, n)
	}
}
