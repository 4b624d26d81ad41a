package inbox

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"

	bolt "go.etcd.io/bbolt"

	"switchboard/data"
)

// The three benchmarks below are meant to run side by side in one call:
//
//	go test -run xxx -bench 'Bolt|Ingest' -benchtime=2s ./inbox
//
// Each reports events/s. Targets (issue 3): Ingest >= 0.8 x BoltBaseline, IngestParallel >=
// 5 x BoltBaseline.

// benchInbound is the n-th event of a benchmark: a message from one of 500 contacts, so that
// most events join an open conversation (the common case) and some open a new one.
func benchInbound(prefix string, n int) Inbound {
	return Inbound{Channel: "message", From: fmt.Sprintf("+1 777 %07d", n%500), Name: "Bench Contact",
		Text: "Hello, I would like to know where my order is; it was due yesterday", ExternalID: fmt.Sprintf("%s.%d", prefix, n)}
}

// ingestBytes measures what one Inject writes: the records it puts (key and value) for a
// message joining an open conversation: the timeline entry, its external id, the conversation
// and its five index keys and counters, and the contact.
func ingestBytes(tb testing.TB) int {
	s := newService(tb, true)
	for i := 0; i < 2; i++ {
		noErr(s.Inject(ctx, benchInbound("size", i*500)))(tb)
	}
	total := 0
	err := s.DB().View(func(tx *data.Tx) error {
		cv, _, err := tx.Conversation("17770000000")
		if err != nil {
			return err
		}
		raw, _ := json.Marshal(cv)
		total += len(cv.Contact) + len(raw)
		es, _, err := tx.Timeline(cv.Contact, "", 1)
		if err != nil || len(es) != 1 {
			return fmt.Errorf("timeline: %v %d", err, len(es))
		}
		raw, _ = json.Marshal(es[0])
		total += len(es[0].Key) + len(raw)
		total += len(es[0].ID) + len(es[0].Key) // extids
		total += 5 * (len(cv.Contact) + 8 + 12) // index keys (status, assignee, team prefixes)
		total += 2 * 5 * (16 + 8)               // counters: old ones decremented, new ones incremented
		ct, _, err := tx.Contact(cv.Contact)
		if err != nil {
			return err
		}
		raw, _ = json.Marshal(ct)
		total += len(ct.ID) + len(raw)
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	return total
}

func reportEventsPerSecond(b *testing.B) {
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkBoltBaseline: one bbolt Update per event (fsync on) putting one record as large as
// everything an ingested event writes.
func BenchmarkBoltBaseline(b *testing.B) {
	size := ingestBytes(b)
	db, err := data.Open(filepath.Join(b.TempDir(), "base.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	bdb := db.Bolt()
	if bdb.NoSync {
		b.Fatal("NoSync is on")
	}
	if err := bdb.Update(func(tx *bolt.Tx) error { _, err := tx.CreateBucketIfNotExists([]byte("bench")); return err }); err != nil {
		b.Fatal(err)
	}
	val := make([]byte, size)
	for i := range val {
		val[i] = byte('a' + i%26)
	}
	b.SetBytes(int64(size))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		key := fmt.Appendf(nil, "event.%012d", i)
		if err := bdb.Update(func(tx *bolt.Tx) error { return tx.Bucket([]byte("bench")).Put(key, val) }); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	reportEventsPerSecond(b)
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
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := s.Inject(ctx, benchInbound("seq", i)); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	reportEventsPerSecond(b)
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
