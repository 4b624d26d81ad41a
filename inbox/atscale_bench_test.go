package inbox_test

// The scale benchmarks of issue 17: ingest into workspaces of 100,000 and 1,000,000
// conversations (internal/atscale generates them once and caches them under the temporary
// directory; generating and copying are not timed), beside a raw bbolt baseline that commits the
// same bytes per event into a tree of the same size. Run one size with its baseline in one call:
//
//	go test -run '^$' -bench 'AtScale/100k' -benchtime=2000x -count=5 ./inbox
//
// A fixed -benchtime (Nx) keeps the workspace from being copied again for each round of b.N.
// Targets at 1m: IngestAtScale >= 0.8 x BoltBaselineAtScale, IngestParallelAtScale >= 5 x.

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	sbbolt "switchboard/data/bolt"
	"switchboard/inbox"
	"switchboard/internal/atscale"
	"switchboard/internal/procio"
)

var seeds atomic.Uint64

func init() { seeds.Store(uint64(time.Now().UnixNano())) }

// boltUnder is the bbolt file under a service.
func boltUnder(tb testing.TB, s *inbox.Service) *bolt.DB { return engineUnder(tb, s).Bolt() }

// engineUnder is the bbolt engine under a service.
func engineUnder(tb testing.TB, s *inbox.Service) *sbbolt.DB {
	db, ok := s.Store().(*sbbolt.DB)
	if !ok {
		tb.Fatalf("the service runs on %T, not the bbolt engine", s.Store())
	}
	return db
}

// checkpointed writes what the journal holds into the file (charged to the timed events that
// wrote it) and reports the journal's and the checkpoints' figures per event.
func checkpointed(b *testing.B, db *sbbolt.DB, before sbbolt.CheckpointStats) {
	if err := db.Checkpoint(); err != nil {
		b.Fatal(err)
	}
	after := db.CheckpointStats()
	n := float64(b.N)
	b.ReportMetric(float64(after.JournalBytes-before.JournalBytes)/1024/n, "journal-KB/event")
	b.ReportMetric(float64(after.JournalSyncs-before.JournalSyncs)/n, "syncs/event")
	b.ReportMetric(float64(after.Checkpoints-before.Checkpoints), "checkpoints")
	b.ReportMetric(float64((after.Time-before.Time).Microseconds())/n, "checkpoint-µs/event")
	b.ReportMetric(float64((after.JournalSyncTime-before.JournalSyncTime).Microseconds())/n, "journal-sync-µs/event")
}

// records reads every record of a bbolt file by path (bucket names and key, 0-separated).
func records(tb testing.TB, db *bolt.DB) map[string]string {
	out := map[string]string{}
	var walk func(prefix string, b *bolt.Bucket) error
	walk = func(prefix string, b *bolt.Bucket) error {
		return b.ForEach(func(k, v []byte) error {
			if v == nil {
				return walk(prefix+string(k)+"\x00", b.Bucket(k))
			}
			out[prefix+string(k)] = string(v)
			return nil
		})
	}
	if err := db.View(func(tx *bolt.Tx) error {
		return tx.ForEach(func(name []byte, b *bolt.Bucket) error { return walk(string(name)+"\x00", b) })
	}); err != nil {
		tb.Fatal(err)
	}
	return out
}

var (
	eventBytesOnce sync.Once
	eventBytes     int
)

// scaleEventBytes measures what an event of the scale stream writes, on average: the keys and
// values that are new or changed (a deleted key counts nothing) after each of 40 events, in a
// generated workspace of 2,000 conversations (the same kind of conversations as the large ones).
func scaleEventBytes(tb testing.TB) int {
	eventBytesOnce.Do(func() {
		const n, events = 2000, 40
		svc, err := atscale.Open(filepath.Join(tb.TempDir(), "size.db"))
		if err != nil {
			tb.Fatal(err)
		}
		defer svc.Close()
		if err := atscale.Generate(context.Background(), svc, n, nil); err != nil {
			tb.Fatal(err)
		}
		total := 0
		for k := 0; k < events; k++ {
			// boltUnder checkpoints first: the file holds every event so far
			before := records(tb, boltUnder(tb, svc))
			if _, err := svc.Inject(context.Background(), atscale.Event(n, 7, k)); err != nil {
				tb.Fatal(err)
			}
			for path, v := range records(tb, boltUnder(tb, svc)) {
				if old, ok := before[path]; !ok || old != v {
					total += len(keyOf(path)) + len(v)
				}
			}
		}
		eventBytes = total / events
	})
	return eventBytes
}

// keyOf is the key of a record path (what follows the last bucket name).
func keyOf(path string) string {
	// bucket names hold no 0 byte; keys may, so the key is what follows the first 0 of the
	// top-level bucket's name (no nested buckets hold records of ours)
	for i := 0; i < len(path); i++ {
		if path[i] == 0 {
			return path[i+1:]
		}
	}
	return path
}

// pagesSince reports what bbolt wrote per event since it was called, the bytes this process
// wrote to the disk (/proc/self/io, Linux) and the CPU time it used (user and system, every
// goroutine), per event: figures that other processes' load on a shared machine moves little.
func pagesSince(b *testing.B, db *bolt.DB) func() {
	before := db.Stats()
	cpu0, io0 := cpuTime(), procio.DiskWritten()
	return func() {
		if io0 >= 0 {
			b.ReportMetric(float64(procio.DiskWritten()-io0)/1024/float64(b.N), "disk-KB/event")
		}
		b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/float64(b.N), "cpu-µs/event")
		after := db.Stats()
		d := after.Sub(&before)
		b.ReportMetric(float64(d.TxStats.GetWrite())/float64(b.N), "pages/event")
		// the writer's time in bbolt's commit: writing the pages and the meta with their two
		// fdatasyncs, and spilling (nodes into pages)
		b.ReportMetric(float64(d.TxStats.GetWriteTime().Microseconds())/float64(b.N), "commit-write-µs/event")
		b.ReportMetric(float64(d.TxStats.GetSpillTime().Microseconds())/float64(b.N), "spill-µs/event")
		// a commit writes the whole freelist (one entry of the count above, however many pages)
		b.ReportMetric(float64(after.FreePageN+after.PendingPageN), "free-pages")
	}
}

// timed runs fn and returns how long it took, failing the benchmark on its error.
func timed(b *testing.B, fn func() error) time.Duration {
	start := time.Now()
	if err := fn(); err != nil {
		b.Fatal(err)
	}
	return time.Since(start)
}

func eventsPerSecond(b *testing.B) {
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

// ingestAtScale injects b.N events of the scale stream with the given number of writers into a
// fresh copy of the generated workspace, each returning once its event is durable; a subscriber
// hears them. With many writers it also reports the 99th percentile of an Inject's latency.
func ingestAtScale(b *testing.B, sz atscale.Size, writers int) {
	path := atscale.Workspace(b, sz.N, b.TempDir())
	svc, err := atscale.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer svc.Close()
	touch(b, boltUnder(b, svc))
	sub, cancel := context.WithCancel(context.Background())
	defer cancel()
	ch := svc.Subscribe(sub)
	var heard atomic.Int64
	go func() {
		for range ch {
			heard.Add(1)
		}
	}()
	seed := seeds.Add(1)
	pages := pagesSince(b, boltUnder(b, svc))
	engine := engineUnder(b, svc)
	cp := engine.CheckpointStats()
	lat := make([]time.Duration, b.N)
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	b.ReportAllocs()
	b.ResetTimer()
	for g := 0; g < writers; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= b.N {
					return
				}
				ev := atscale.Event(sz.N, seed, i)
				start := time.Now()
				out, err := svc.Inject(context.Background(), ev)
				lat[i] = time.Since(start)
				if err == nil && out.Duplicate {
					err = errDuplicate
				}
				if err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	// the events are durable in the journal; the file catches up in checkpoints, and the last
	// one is timed too (every event's writes are in the file when the timer stops)
	checkpointed(b, engine, cp)
	b.StopTimer()
	close(errs)
	for err := range errs {
		b.Fatal(err)
	}
	eventsPerSecond(b)
	pages()
	if writers > 1 {
		slices.Sort(lat)
		b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
	}
	if heard.Load() == 0 && b.N > 10 {
		b.Fatal("the subscriber heard nothing")
	}
}

// touch maps a file's pages before the timer starts (atscale.Touch), unless
// SWITCHBOARD_BENCH_UNTOUCHED is set (to measure what a process that just opened the file pays).
func touch(b *testing.B, db *bolt.DB) {
	if os.Getenv("SWITCHBOARD_BENCH_UNTOUCHED") != "" {
		return
	}
	if _, err := atscale.Touch(db); err != nil {
		b.Fatal(err)
	}
}

type benchError string

func (e benchError) Error() string { return string(e) }

const errDuplicate = benchError("an event of the stream was taken for a duplicate")

// BenchmarkIngestAtScale: one writer injects into a workspace of 100k or 1m conversations.
func BenchmarkIngestAtScale(b *testing.B) {
	for _, sz := range atscale.Sizes {
		b.Run(sz.Name, func(b *testing.B) { ingestAtScale(b, sz, 1) })
	}
}

// BenchmarkIngestParallelAtScale: 64 writers inject at once (group commit).
func BenchmarkIngestParallelAtScale(b *testing.B) {
	for _, sz := range atscale.Sizes {
		b.Run(sz.Name, func(b *testing.B) { ingestAtScale(b, sz, 64) })
	}
}

// BenchmarkBoltBaselineAtScale: one bbolt Update per event (fsync on, the engine's options)
// putting one record as large as what an event of the stream writes into a tree as large as the
// workspace's (its key count and bytes).
func BenchmarkBoltBaselineAtScale(b *testing.B) {
	for _, sz := range atscale.Sizes {
		b.Run(sz.Name, func(b *testing.B) {
			size := scaleEventBytes(b)
			shape := atscale.WorkspaceShape(b, sz.N)
			path := atscale.Baseline(b, shape.Keys, shape.Bytes/shape.Keys, b.TempDir())
			// the engine's options: a commit leaves the freelist out (data/bolt/db.go)
			bdb, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: 2 * time.Second, NoFreelistSync: true})
			if err != nil {
				b.Fatal(err)
			}
			defer bdb.Close()
			if bdb.NoSync {
				b.Fatal("NoSync is on")
			}
			touch(b, bdb)
			val := make([]byte, size-len(atscale.BaselineKey(0)))
			for i := range val {
				val[i] = byte('a' + i%26)
			}
			b.SetBytes(int64(size))
			b.ReportMetric(float64(shape.Depth), "depth")
			pages := pagesSince(b, bdb)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				key := atscale.BaselineKey(shape.Keys + i)
				if err := bdb.Update(func(tx *bolt.Tx) error { return tx.Bucket([]byte("bench")).Put(key, val) }); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			eventsPerSecond(b)
			pages()
		})
	}
}

// cpuTime is the CPU time the process has used (user and system).
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkPairedAtScale runs the ingest and its baseline in alternating chunks, in one process
// on the same disk at the same moments, and reports both rates and their ratio. On a machine
// whose disk other work shares, the fsync time of one run and the next can differ five times;
// chunks of a few hundred milliseconds see the same disk. b.N counts the events of each side:
// one writer (chunks of 100 events against 100 baseline commits), then 64 writers (chunks of
// 640 events against 100 baseline commits).
//
//	go test -run '^$' -bench 'PairedAtScale/100k' -benchtime=3000x -count=3 ./inbox
func BenchmarkPairedAtScale(b *testing.B) {
	for _, sz := range atscale.Sizes {
		b.Run(sz.Name, func(b *testing.B) {
			size := scaleEventBytes(b)
			shape := atscale.WorkspaceShape(b, sz.N)
			dir := b.TempDir()
			base, err := bolt.Open(atscale.Baseline(b, shape.Keys, shape.Bytes/shape.Keys, dir), 0o600,
				&bolt.Options{Timeout: 2 * time.Second, NoFreelistSync: true})
			if err != nil {
				b.Fatal(err)
			}
			defer base.Close()
			svc, err := atscale.Open(atscale.Workspace(b, sz.N, dir))
			if err != nil {
				b.Fatal(err)
			}
			defer svc.Close()
			touch(b, base)
			touch(b, boltUnder(b, svc))
			val := make([]byte, size-len(atscale.BaselineKey(0)))
			for i := range val {
				val[i] = byte('a' + i%26)
			}
			seed := seeds.Add(1)
			engine := engineUnder(b, svc)
			k, bk := 0, shape.Keys
			inject := func(n, writers int) time.Duration {
				var next atomic.Int64
				var wg sync.WaitGroup
				var failed atomic.Value
				start := time.Now()
				engine.ResumeCheckpoints()
				for g := 0; g < writers; g++ {
					wg.Add(1)
					go func() {
						defer wg.Done()
						for i := int(next.Add(1)) - 1; i < n; i = int(next.Add(1)) - 1 {
							out, err := svc.Inject(context.Background(), atscale.Event(sz.N, seed, k+i))
							if err == nil && out.Duplicate {
								err = errDuplicate
							}
							if err != nil {
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
				// (the slice under way when the chunk ends is the chunk's)
				engine.PauseCheckpoints()
				return time.Since(start)
			}
			commit := func(n int) time.Duration {
				start := time.Now()
				for i := 0; i < n; i++ {
					key := atscale.BaselineKey(bk)
					bk++
					if err := base.Update(func(tx *bolt.Tx) error { return tx.Bucket([]byte("bench")).Put(key, val) }); err != nil {
						b.Fatal(err)
					}
				}
				return time.Since(start)
			}
			b.ResetTimer()
			var one, onebase, par, parbase time.Duration
			var nOne, nBase1, nPar, nBase64 int
			for done := 0; done < b.N; done += 100 {
				n := min(100, b.N-done)
				one += inject(n, 1)
				onebase += commit(n)
				nOne += n
				nBase1 += n
			}
			// what the checkpoints have left to write is the one-writer run's too
			engine.ResumeCheckpoints()
			one += timed(b, engine.Checkpoint)
			for done := 0; done < b.N; done += 640 {
				n := min(640, b.N-done)
				par += inject(n, 64)
				parbase += commit(100)
				nPar += n
				nBase64 += 100
			}
			engine.ResumeCheckpoints()
			par += timed(b, engine.Checkpoint)
			b.StopTimer()
			r1, rb1 := float64(nOne)/one.Seconds(), float64(nBase1)/onebase.Seconds()
			r64, rb64 := float64(nPar)/par.Seconds(), float64(nBase64)/parbase.Seconds()
			b.ReportMetric(r1, "1w-events/s")
			b.ReportMetric(rb1, "base1-events/s")
			b.ReportMetric(r1/rb1, "1w/base")
			b.ReportMetric(r64, "64w-events/s")
			b.ReportMetric(rb64, "base64-events/s")
			b.ReportMetric(r64/rb64, "64w/base")
		})
	}
}
