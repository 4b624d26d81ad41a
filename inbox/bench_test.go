package inbox

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	sbbolt "switchboard/data/bolt"
	"switchboard/inbox/domain"
)

// The three benchmarks below are meant to run side by side in one call:
//
//	go test -run xxx -bench '^Benchmark(BoltBaseline|Ingest|IngestParallel)$' -benchtime=2s ./inbox
//
// Each reports events/s (BoltBaseline and Ingest also the pages bbolt wrote per event). Targets
// (issue 3): Ingest >= 0.8 x BoltBaseline, IngestParallel >= 5 x BoltBaseline.

// benchInbound is the n-th event of a benchmark: a message from one of 500 contacts, so that
// most events join an open conversation (the common case) and some open a new one.
func benchInbound(prefix string, n int) Inbound {
	return Inbound{Channel: "message", From: fmt.Sprintf("+1 777 %07d", n%500), Name: "Bench Contact",
		Text: "Hello, I would like to know where my order is; it was due yesterday", ExternalID: fmt.Sprintf("%s.%d", prefix, n)}
}

// ingestBytes measures what one Inject writes: the bytes (key and value) of every record it
// puts, found by comparing every bucket of the file before and after a message joins an open
// conversation (the common case of the benchmarks): a record that is new or whose value changed
// counts whole; a deleted one counts nothing. It follows the schema, whatever it is.
func ingestBytes(tb testing.TB) int {
	s := newService(tb, true)
	for i := 0; i < 3; i++ {
		noErr(s.Inject(ctx, benchInbound("size", i*500)))(tb)
	}
	before := snapshot(tb, boltOf(tb, s))
	noErr(s.Inject(ctx, benchInbound("size", 3*500)))(tb)
	after := snapshot(tb, boltOf(tb, s))
	total := 0
	for path, r := range after {
		if old, ok := before[path]; !ok || old.val != r.val {
			total += len(r.key) + len(r.val)
		}
	}
	if total == 0 {
		tb.Fatal("an Inject wrote nothing")
	}
	return total
}

type record struct{ key, val string }

// boltOf is the bbolt file under a service (the benchmarks measure the engine too).
func boltOf(tb testing.TB, s *Service) *sbbolt.DB {
	db, ok := s.Store().(*sbbolt.DB)
	if !ok {
		tb.Fatalf("the service runs on %T, not the bbolt engine", s.Store())
	}
	return db
}

// snapshot reads every record of the file by path (bucket names and key, 0-separated).
func snapshot(tb testing.TB, db *sbbolt.DB) map[string]record {
	out := map[string]record{}
	var walk func(prefix string, b *bolt.Bucket) error
	walk = func(prefix string, b *bolt.Bucket) error {
		return b.ForEach(func(k, v []byte) error {
			if v == nil { // a nested bucket
				return walk(prefix+string(k)+"\x00", b.Bucket(k))
			}
			out[prefix+string(k)] = record{string(k), string(v)}
			return nil
		})
	}
	err := db.Bolt().View(func(tx *bolt.Tx) error {
		return tx.ForEach(func(name []byte, b *bolt.Bucket) error { return walk(string(name)+"\x00", b) })
	})
	if err != nil {
		tb.Fatal(err)
	}
	return out
}

func reportEventsPerSecond(b *testing.B) {
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

// countPages returns a function that reports the pages bbolt wrote per event since it was
// called (dirty pages, the freelist and the meta page: what each commit writes and fsyncs).
func countPages(b *testing.B, db *sbbolt.DB) func() {
	before := db.Bolt().Stats()
	return func() {
		after := db.Bolt().Stats()
		d := after.Sub(&before)
		b.ReportMetric(float64(d.TxStats.GetWrite())/float64(b.N), "pages/event")
	}
}

// baselineFile opens a fresh file for the baseline (the engine's options, fsync on) with its
// bucket, and returns a value as large as everything an ingested event writes.
func baselineFile(b *testing.B) (*sbbolt.DB, *bolt.DB, []byte) {
	db, err := sbbolt.Open(filepath.Join(b.TempDir(), "base.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	bdb := db.Bolt()
	if bdb.NoSync {
		b.Fatal("NoSync is on")
	}
	if err := bdb.Update(func(tx *bolt.Tx) error { _, err := tx.CreateBucketIfNotExists([]byte("bench")); return err }); err != nil {
		b.Fatal(err)
	}
	val := make([]byte, ingestBytes(b))
	for i := range val {
		val[i] = byte('a' + i%26)
	}
	return db, bdb, val
}

// BenchmarkBoltBaseline: one bbolt Update per event (fsync on) putting one record as large as
// everything an ingested event writes.
func BenchmarkBoltBaseline(b *testing.B) {
	db, bdb, val := baselineFile(b)
	b.SetBytes(int64(len(val)))
	pages := countPages(b, db)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		key := fmt.Appendf(nil, "event.%012d", i)
		if err := bdb.Update(func(tx *bolt.Tx) error { return tx.Bucket([]byte("bench")).Put(key, val) }); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	reportEventsPerSecond(b)
	pages()
}

// subscribe drains a subscriber for the benchmark's length, counting what it hears.
func subscribe(s *Service) (stop func() int64) {
	c, cancel := context.WithCancel(ctx)
	ch := s.Subscribe(c)
	var n atomic.Int64
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for range ch {
			n.Add(1)
		}
	}()
	return func() int64 { cancel(); wg.Wait(); return n.Load() }
}

// BenchmarkIngest: the whole path, one event at a time: route, persist (one durable
// transaction per event), publish to a subscriber.
func BenchmarkIngest(b *testing.B) {
	s := newService(b, true)
	stop := subscribe(s)
	pages := countPages(b, boltOf(b, s))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := s.Inject(ctx, benchInbound("seq", i)); err != nil {
			b.Fatal(err)
		}
	}
	// the file catches up with the journal in checkpoints: the last one is timed too
	if err := boltOf(b, s).Checkpoint(); err != nil {
		b.Fatal(err)
	}
	b.StopTimer()
	reportEventsPerSecond(b)
	pages()
	if heard := stop(); heard == 0 {
		b.Fatal("the subscriber heard nothing")
	}
}

// BenchmarkIngestParallel: 64 injectors at once; each Inject returns only once its event is
// durable (group commit shares one fsync between waiting events).
func BenchmarkIngestParallel(b *testing.B) {
	s := newService(b, true)
	stop := subscribe(s)
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	b.ResetTimer()
	for g := 0; g < 64; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= b.N {
					return
				}
				if _, err := s.Inject(ctx, benchInbound("par", i)); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	if err := boltOf(b, s).Checkpoint(); err != nil {
		b.Fatal(err)
	}
	b.StopTimer()
	close(errs)
	for err := range errs {
		b.Fatal(err)
	}
	reportEventsPerSecond(b)
	if heard := stop(); heard == 0 {
		b.Fatal("the subscriber heard nothing")
	}
}

// BenchmarkBacklogSweep measures one presence change that gives out a backlog of 10,000
// conversations (issue 15; target: under 50 ms of writer time). Run the sub-benchmarks in one
// call, so the baselines are measured in the same run:
//
//	go test -run '^$' -bench BacklogSweep -benchtime=5x ./inbox
//
// presence_only is the same presence change with an empty backlog; store_baseline writes what
// the sweep must write at least (each conversation's record with its new assignee and one note)
// straight through the Store in one transaction; sweep_10000 is the presence change: Carol comes
// online and round robin gives her, oldest first, the 10,000 conversations waiting in Support's
// backlog (owner routing on, no owners: each also makes her the contact owner). writer-ms is the
// call's time: the writer goroutine runs nothing else meanwhile, so it is the writer's time,
// commit and fsync included.
func BenchmarkBacklogSweep(b *testing.B) {
	const n = 10000
	setup := func(b *testing.B, backlog int) *Service {
		b.Helper()
		s := newService(b, true)
		noErr(0, s.SetPresence(ctx, "carol", "carol", "away"))(b) // Support: Bob offline, Dana admin: nobody
		var cs []DocContact
		var cvs []DocConversation
		at := time.Date(2026, 11, 24, 8, 0, 0, 0, time.UTC)
		for i := 0; i < backlog; i++ {
			id := fmt.Sprintf("1888%07d", i)
			cs = append(cs, DocContact{ID: id, Name: fmt.Sprintf("Waiting %d", i), Tags: []string{}})
			bot := "bot"
			cvs = append(cvs, DocConversation{Contact: id, Status: "open", Assignee: &bot, Team: "support", Backlog: true,
				Timeline: []domain.Entry{{At: at.Add(time.Duration(i) * time.Second), Kind: domain.KindMessage, Text: "hello, anyone there?"}}})
		}
		if backlog > 0 {
			noErr(0, s.AddConversations(ctx, "alice", cs, cvs))(b)
			if c := noErr(s.Counts(ctx, "alice"))(b); c.Backlog != backlog {
				b.Fatalf("backlog of %d, want %d", c.Backlog, backlog)
			}
		}
		return s
	}
	run := func(b *testing.B, backlog int, timed func(s *Service)) {
		var total time.Duration
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			s := setup(b, backlog)
			b.StartTimer()
			start := time.Now()
			timed(s)
			total += time.Since(start)
			b.StopTimer()
			s.Close()
			b.StartTimer()
		}
		b.ReportMetric(float64(total.Microseconds())/1000/float64(b.N), "writer-ms")
	}
	b.Run("presence_only", func(b *testing.B) {
		run(b, 0, func(s *Service) { noErr(0, s.SetPresence(ctx, "carol", "carol", "online"))(b) })
	})
	b.Run("store_baseline", func(b *testing.B) {
		run(b, n, func(s *Service) {
			err := s.Store().Update(func(tx domain.Tx) error {
				cursor := ""
				for {
					convs, next, err := tx.List(domain.Query{Backlog: true, OldestFirst: true}, cursor, 256, nil)
					if err != nil {
						return err
					}
					for _, cv := range convs {
						cv.Assignee, cv.Backlog = "carol", false
						if _, err := tx.AppendEntry(&cv, domain.Entry{At: time.Unix(0, cv.LastAt+1), Kind: domain.KindNote, By: "routing",
							Reason: "round_robin_backlog", Text: "From Support's backlog: round robin picked Carol Diaz"}); err != nil {
							return err
						}
						if err := tx.PutConversation(cv); err != nil {
							return err
						}
					}
					if next == "" {
						return nil
					}
					cursor = next
				}
			})
			if err != nil {
				b.Fatal(err)
			}
		})
	})
	b.Run("sweep_10000", func(b *testing.B) {
		run(b, n, func(s *Service) {
			noErr(0, s.SetPresence(ctx, "carol", "carol", "online"))(b)
			b.StopTimer()
			if c := noErr(s.Counts(ctx, "carol"))(b); c.Backlog != 0 || c.Mine != n {
				b.Fatalf("after the sweep: %+v", c)
			}
			b.StartTimer()
		})
	})
}

// BenchmarkIngestPaired is BenchmarkIngest, BenchmarkIngestParallel and BenchmarkBoltBaseline
// run in alternating chunks in one process (100 events of one writer against 100 baseline
// commits, then 640 events of 64 writers against 100 commits), so that both sides see the disk
// at the same moments: on a machine whose disk other work shares, fsync times of consecutive
// runs differ up to five times. It reports both rates and the ratios the targets are about.
//
//	go test -run '^$' -bench IngestPaired -benchtime=5000x -count=5 ./inbox
//
// timedCheckpoint writes what the journal holds into the file and returns how long it took.
func timedCheckpoint(b *testing.B, s *Service) time.Duration {
	start := time.Now()
	boltOf(b, s).ResumeCheckpoints()
	if err := boltOf(b, s).Checkpoint(); err != nil {
		b.Fatal(err)
	}
	return time.Since(start)
}

func BenchmarkIngestPaired(b *testing.B) {
	_, bdb, val := baselineFile(b)
	s := newService(b, true)
	stop := subscribe(s)
	k, bk := 0, 0
	inject := func(n, writers int) time.Duration {
		var next atomic.Int64
		var wg sync.WaitGroup
		var failed atomic.Value
		start := time.Now()
		boltOf(b, s).ResumeCheckpoints()
		for g := 0; g < writers; g++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := int(next.Add(1)) - 1; i < n; i = int(next.Add(1)) - 1 {
					if _, err := s.Inject(ctx, benchInbound("paired", k+i)); err != nil {
						failed.CompareAndSwap(nil, err)
					}
				}
			}()
		}
		wg.Wait()
		k += n
		if err, _ := failed.Load().(error); err != nil {
			b.Fatal(err)
		}
		// checkpoints go on while the chunk runs and wait while the baseline's runs
		boltOf(b, s).PauseCheckpoints()
		return time.Since(start)
	}
	commit := func(n int) time.Duration {
		start := time.Now()
		for i := 0; i < n; i++ {
			key := fmt.Appendf(nil, "event.%012d", bk)
			bk++
			if err := bdb.Update(func(tx *bolt.Tx) error { return tx.Bucket([]byte("bench")).Put(key, val) }); err != nil {
				b.Fatal(err)
			}
		}
		return time.Since(start)
	}
	b.ResetTimer()
	var one, base1, par, base64 time.Duration
	var nBase64 int
	for done := 0; done < b.N; done += 100 {
		n := min(100, b.N-done)
		one += inject(n, 1)
		base1 += commit(n)
	}
	one += timedCheckpoint(b, s)
	for done := 0; done < b.N; done += 640 {
		par += inject(min(640, b.N-done), 64)
		base64 += commit(100)
		nBase64 += 100
	}
	par += timedCheckpoint(b, s)
	b.StopTimer()
	r1, rb1 := float64(b.N)/one.Seconds(), float64(b.N)/base1.Seconds()
	r64, rb64 := float64(b.N)/par.Seconds(), float64(nBase64)/base64.Seconds()
	b.ReportMetric(r1, "1w-events/s")
	b.ReportMetric(r1/rb1, "1w/base")
	b.ReportMetric(r64, "64w-events/s")
	b.ReportMetric(r64/rb64, "64w/base")
	b.ReportMetric(rb1, "base1-events/s")
	if heard := stop(); heard == 0 {
		b.Fatal("the subscriber heard nothing")
	}
}
