package inbox

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

var ctx = context.Background()

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

// newService opens a service on a fresh file in a temp dir; with fixture, it imports
// testdata/workspace.json (Alice and Dana admins; Bob offline, Carol, Erin, Frank operators;
// Support = bob, carol, dana; Sales = alice, erin; Billing = frank, carol).
func newService(t testing.TB, fixture bool) *Service {
	t.Helper()
	s, _ := newServiceClock(t, fixture)
	return s
}

// advance moves the clock on by d.
func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// peek is the clock's time, without moving it.
func (c *clock) peek() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// newServiceClock is newService with its clock (which moves a second each time it is read), to
// move on by hand.
func newServiceClock(t testing.TB, fixture bool) (*Service, *clock) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "sb.db")
	c := &clock{t: time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)}
	s, err := openInbox(path, Options{Now: c.now, NoTimers: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if fixture {
		raw, err := os.ReadFile("testdata/workspace.json")
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Import(ctx, "", bytes.NewReader(raw), false); err != nil {
			t.Fatal(err)
		}
	}
	return s, c
}

func export(t testing.TB, s *Service) string {
	t.Helper()
	var b bytes.Buffer
	if err := s.Export(ctx, &b); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func wantKind(t testing.TB, err error, k Kind) {
	t.Helper()
	if err == nil {
		t.Fatalf("want a %s error, got none", k)
	}
	if KindOf(err) != k {
		t.Fatalf("want a %s error, got %v (%s)", k, err, KindOf(err))
	}
}

// noErr(f())(t) returns f's value, failing the test on its error.
func noErr[T any](v T, err error) func(testing.TB) T {
	return func(t testing.TB) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

// schemaFile copies data/bolt/testdata/schema<version>.bbolt, a file written by that schema's
// code, into a temp dir and returns the copy's path (opening it migrates the copy).
func schemaFile(t testing.TB, version int) string {
	t.Helper()
	raw, err := os.ReadFile(fmt.Sprintf("../data/bolt/testdata/schema%d.bbolt", version))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), fmt.Sprintf("v%d.db", version))
	if err := os.WriteFile(path, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// schemaExport is the export of data/bolt/testdata/schema<version>.bbolt, made by the same code.
func schemaExport(t testing.TB, version int) string {
	t.Helper()
	raw, err := os.ReadFile(fmt.Sprintf("../data/bolt/testdata/schema%d.export.json", version))
	if err != nil {
		t.Fatal(err)
	}
	return string(raw)
}
