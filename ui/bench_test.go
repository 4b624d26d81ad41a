package ui

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"switchboard/inbox"
	"switchboard/routing"
)

const largeN = 100_000

var (
	largeOnce sync.Once
	largeDir  string
	largeErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if largeDir != "" {
		os.RemoveAll(largeDir)
	}
	if builtBin != "" {
		os.RemoveAll(filepath.Dir(builtBin))
	}
	os.Exit(code)
}

// largeDB builds, once per test binary, a workspace file with the fixture's teams and people
// and largeN conversations, loaded with AddConversations in chunks (about 10 s).
func largeDB(tb testing.TB) string {
	largeOnce.Do(func() {
		largeDir, largeErr = os.MkdirTemp("", "sb-ui-bench-")
		if largeErr != nil {
			return
		}
		path := filepath.Join(largeDir, "large.db")
		svc, err := openInbox(path, inbox.Options{})
		if err != nil {
			largeErr = err
			return
		}
		defer svc.Close()
		raw, err := os.ReadFile("../inbox/testdata/workspace.json")
		if err != nil {
			largeErr = err
			return
		}
		// the fixture's settings, teams and operators, without its conversations
		doc := string(raw)
		doc = doc[:strings.Index(doc, `"contacts"`)] + `"contacts": [], "conversations": [], "prompts": [], "notifications": []}`
		if largeErr = svc.Import(context.Background(), "", strings.NewReader(doc), false); largeErr != nil {
			return
		}
		teams := []string{"support", "sales", "billing"}
		members := map[string][]string{"support": {"bob", "carol", "dana"}, "sales": {"alice", "erin"}, "billing": {"frank", "carol"}}
		base := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
		const chunk = 5000
		for start := 0; start < largeN; start += chunk {
			var cts []inbox.DocContact
			var cvs []inbox.DocConversation
			for i := start; i < start+chunk; i++ {
				id := fmt.Sprintf("1999%07d", i)
				team := teams[i%3]
				a := members[team][i%len(members[team])]
				cts = append(cts, inbox.DocContact{ID: id, Name: fmt.Sprintf("Customer %d", i), Owner: &a, Tags: []string{}})
				at := base.Add(time.Duration(i) * time.Second)
				status := routing.StatusOpen
				if i%4 == 0 {
					status = routing.StatusClosed
				}
				cvs = append(cvs, inbox.DocConversation{Contact: id, Status: status, Assignee: &a, Team: team,
					Timeline: []inbox.Entry{{At: at, Kind: "message", ID: "wamid.b." + id, Text: "hello, where is my order?"},
						{At: at, Kind: "note", By: "routing", Reason: "owner", Text: "Assigned to the contact owner"}}})
			}
			if largeErr = svc.AddConversations(context.Background(), "alice", cts, cvs); largeErr != nil {
				return
			}
		}
	})
	if largeErr != nil {
		tb.Fatal(largeErr)
	}
	return filepath.Join(largeDir, "large.db")
}

// BenchmarkViewLargeInbox measures one frame (View) after a cursor move, on the fixture's
// three conversations (the baseline) and on 100,000 conversations, in the same run. It also
// reports the time to the first full frame and the heap the inbox and the screen hold.
func BenchmarkViewLargeInbox(b *testing.B) {
	for _, tc := range []struct {
		name  string
		large bool
	}{{"baseline-3", false}, {"conversations-100000", true}} {
		b.Run(tc.name, func(b *testing.B) {
			// the heap is counted from here: what the inbox and its screen hold, not what the
			// packages linked into the test binary set up when it starts
			runtime.GC()
			var base runtime.MemStats
			runtime.ReadMemStats(&base)
			var svc *inbox.Service
			if tc.large {
				path := largeDB(b)
				var err error
				if svc, err = openInbox(path, inbox.Options{}); err != nil {
					b.Fatal(err)
				}
				defer svc.Close()
			} else {
				svc = newService(b)
			}
			runtime.GC()
			start := time.Now()
			h := newHarness(b, svc, "alice", Options{}, 140, 45)
			h.m.View()
			first := time.Since(start)
			h.run(h.m.selectTab(len(h.m.views.tabs) - 2)) // All: every conversation
			if len(h.m.list.rows) == 0 {
				b.Fatal("no rows loaded")
			}
			var ms runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&ms)
			down, up := keyMsg("j"), keyMsg("k")
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				k := down
				if i%40 >= 20 {
					k = up
				}
				h.m.Update(k) // the returned commands (the debounced detail load) are not run
				_ = h.m.View()
			}
			b.StopTimer()
			b.ReportMetric(float64(first.Microseconds())/1000, "first-frame-ms")
			b.ReportMetric(float64(int64(ms.HeapAlloc)-int64(base.HeapAlloc))/(1<<20), "heap-MB")
		})
	}
}

// TestLargeInboxPagesFromTheStore opens the inbox over 100,000 conversations and moves the
// cursor 300 rows: the first screen shows the newest conversations, pages load ahead of the
// cursor, and the model holds only the pages it has read, never the whole inbox. (Frame time is
// measured by BenchmarkViewLargeInbox, not asserted here: timings belong in benchmarks.)
func TestLargeInboxPagesFromTheStore(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a 100,000-conversation workspace (about 10 s); skipped with -short")
	}
	svc, err := openInbox(largeDB(t), inbox.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close()
	h := newHarness(t, svc, "alice", Options{}, 140, 45)
	h.want("Customer 99994", "1 of 8333")
	h.run(h.m.selectTab(len(h.m.views.tabs) - 2)) // All: the selection stays on Customer 99994
	h.want("Customer 99999", "6 of 100000")
	for i := 0; i < 300; i++ {
		_, cmd := h.m.Update(keyMsg("j"))
		_ = h.m.View()
		h.run(cmd)
	}
	if h.m.list.cursor < 305 {
		t.Fatalf("cursor at %d after 300 moves: pages did not load ahead", h.m.list.cursor)
	}
	if n := len(h.m.list.rows); n > 2000 {
		t.Fatalf("the model holds %d rows after 300 moves: it should page from the store, not load the inbox", n)
	}
	h.want("Customer 99694", "306 of 100000")
}

// BenchmarkEndOfLargeView measures G on 100,000 conversations (the All view): reading the window
// at the true end of the view (its last 200 rows, counting the rows before them for the
// position) and showing its last conversation, from a list at the start of the view; g, back
// to the start, is measured alongside.
func BenchmarkEndOfLargeView(b *testing.B) {
	svc, err := openInbox(largeDB(b), inbox.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer svc.Close()
	h := newHarness(b, svc, "alice", Options{}, 140, 45)
	h.run(h.m.selectTab(len(h.m.views.tabs) - 2)) // All
	for _, tc := range []struct {
		name      string
		key, back string
		want      string
	}{{"G", "G", "g", "100000 of 100000"}, {"g", "g", "G", "1 of 100000"}} {
		b.Run(tc.name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				_, cmd := h.m.Update(keyMsg(tc.back))
				h.run(cmd)
				b.StartTimer()
				_, cmd = h.m.Update(keyMsg(tc.key))
				h.run(cmd)
			}
			b.StopTimer()
			h.want(tc.want)
		})
	}
}
