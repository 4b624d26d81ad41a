package atscale

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	sbbolt "switchboard/data/bolt"
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
	db, ok := svc.Store().(*sbbolt.DB)
	if !ok {
		t.Fatalf("the service runs on %T", svc.Store())
	}
	// every record is read: at least a contact, an identity, a name, an index key and a
	// conversation record with an entry for each conversation
	if touched, err := Touch(db.Bolt()); err != nil || touched < 6*n {
		t.Fatalf("Touch read %d records (%v), want at least %d", touched, err, 6*n)
	}
}
