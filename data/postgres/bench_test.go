package postgres

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"switchboard/data/bolt"
	"switchboard/data/postgres/pgtest"
	"switchboard/inbox"
	"switchboard/inbox/domain"
)

// Ingest on PostgreSQL beside the bbolt engine and beside the engine's own floor, all in one run
// (issue 16; figures in docs/store.md):
//
//	go test -run '^$' -bench 'Ingest' -benchtime 3000x -count 3 ./data/postgres
//
// Every PostgreSQL benchmark runs on a private server with fsync and synchronous_commit on (the
// tests' server runs without them), on the same workload as the inbox's BenchmarkIngest: a
// message joins one of 500 open conversations of the fixture workspace. floor is a plain
// pgbench-style transaction of the same shape on the same tables, one per event: look the
// contact up, lock its conversation, insert the entry and its inbound id, update the
// conversation, commit. The engine's target is ≥ 0.7× the floor.

var (
	durableOnce sync.Once
	durable     *pgtest.Cluster
)

func durableCluster(b *testing.B) *pgtest.Cluster {
	durableOnce.Do(func() { durable = pgtest.Start(b, pgtest.Options{Durable: true, MaxConnections: 300}) })
	if durable == nil {
		b.Skip("no PostgreSQL server")
	}
	return durable
}

func fixture(b testing.TB) []byte {
	raw, err := os.ReadFile(filepath.Join("..", "..", "inbox", "testdata", "workspace.json"))
	if err != nil {
		b.Fatal(err)
	}
	return raw
}

func benchInbound(prefix string, n int) inbox.Inbound {
	return inbox.Inbound{Channel: "message", From: fmt.Sprintf("+1 777 %07d", n%500), Name: "Bench Contact",
		Text: "Hello, I would like to know where my order is; it was due yesterday", ExternalID: fmt.Sprintf("%s.%d", prefix, n)}
}

// prepared opens a service on the store with the fixture and the 500 conversations open.
func prepared(b testing.TB, st domain.Store) *inbox.Service {
	b.Helper()
	svc, err := inbox.New(st, inbox.Options{NoTimers: true})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { svc.Close() })
	if err := svc.Import(context.Background(), "", bytesReader(fixture(b)), false); err != nil {
		b.Fatal(err)
	}
	for i := 0; i < 500; i++ {
		if _, err := svc.Inject(context.Background(), benchInbound("warm", i)); err != nil {
			b.Fatal(err)
		}
	}
	return svc
}

func ingest(b *testing.B, svc *inbox.Service, writers int) {
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	prefix := fmt.Sprintf("run%d.%d", writers, time.Now().UnixNano())
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
				if _, err := svc.Inject(context.Background(), benchInbound(prefix, i)); err != nil {
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
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

func BenchmarkIngest(b *testing.B) {
	for _, writers := range []int{1, 64} {
		b.Run(fmt.Sprintf("postgres/%d", writers), func(b *testing.B) {
			c := durableCluster(b)
			db, err := Open(c.DSN(b))
			if err != nil {
				b.Fatal(err)
			}
			ingest(b, prepared(b, db), writers)
		})
		b.Run(fmt.Sprintf("bolt/%d", writers), func(b *testing.B) {
			db, err := bolt.Open(filepath.Join(b.TempDir(), "bench.db"))
			if err != nil {
				b.Fatal(err)
			}
			ingest(b, prepared(b, db), writers)
		})
		b.Run(fmt.Sprintf("floor/%d", writers), func(b *testing.B) {
			c := durableCluster(b)
			dsn := c.DSN(b)
			db, err := Open(dsn)
			if err != nil {
				b.Fatal(err)
			}
			svc := prepared(b, db) // the same tables and rows the engine benchmark writes
			svc.Close()
			floor(b, dsn, writers)
		})
	}
}

// floor runs the plain transaction of an event's shape, one per event, on writers connections.
func floor(b *testing.B, dsn string, writers int) {
	ctx := context.Background()
	conns := make([]*pgx.Conn, writers)
	for i := range conns {
		c, err := pgx.Connect(ctx, dsn)
		if err != nil {
			b.Fatal(err)
		}
		defer c.Close(ctx)
		conns[i] = c
	}
	doc := []byte(`{"at":"2026-12-01T10:00:00Z","kind":"message","id":"x","text":"Hello, I would like to know where my order is; it was due yesterday"}`)
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	prefix := fmt.Sprintf("floor%d.%d", writers, time.Now().UnixNano())
	b.ResetTimer()
	for g := 0; g < writers; g++ {
		wg.Add(1)
		go func(conn *pgx.Conn) {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= b.N {
					return
				}
				if err := floorEvent(ctx, conn, fmt.Sprintf("1777%07d", i%500), fmt.Sprintf("%s.%d", prefix, i), doc); err != nil {
					errs <- err
					return
				}
			}
		}(conns[g])
	}
	wg.Wait()
	b.StopTimer()
	close(errs)
	for err := range errs {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

func floorEvent(ctx context.Context, conn *pgx.Conn, phone, id string, doc []byte) error {
	tx, err := conn.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	var contact string
	if err := tx.QueryRow(ctx, `SELECT contact FROM sb_idents WHERE kind = 'p' AND value = $1`, phone).Scan(&contact); err != nil {
		return fmt.Errorf("contact %s: %v", phone, err)
	}
	var conv []byte
	if err := tx.QueryRow(ctx, `SELECT doc FROM sb_conversations WHERE contact = $1 FOR UPDATE`, contact).Scan(&conv); err != nil {
		return err
	}
	at := time.Now().UnixNano()
	if _, err := tx.Exec(ctx, `INSERT INTO sb_entries VALUES ($1, $2, 1, $3)`, contact, at, doc); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `INSERT INTO sb_inbound_ids (contact, id, at, seq, day) VALUES ($1, $2, $3, 1, $4) ON CONFLICT DO NOTHING`,
		contact, id, at, domain.InboundDay(at)); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `UPDATE sb_conversations SET last_at = $2, doc = $3 WHERE contact = $1`, contact, at, conv); err != nil {
		return err
	}
	return tx.Commit(ctx)
}

func bytesReader(b []byte) *bytes.Reader { return bytes.NewReader(b) }

// The floor of BenchmarkIngest is written against the engine's tables by hand; benchmarks do not
// run in CI, so this runs one floor transaction on the schema the engine makes and fails when
// the two drift apart (schema 5 made an inbound id's day NOT NULL, and the floor failed unseen).
func TestBenchFloorMatchesTheSchema(t *testing.T) {
	if cluster == nil {
		t.Skip("no PostgreSQL server for the tests (see package pgtest)")
	}
	ctx := context.Background()
	dsn := cluster.DSN(t)
	db, err := Open(dsn)
	if err != nil {
		t.Fatal(err)
	}
	prepared(t, db).Close()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	doc := []byte(`{"at":"2026-12-01T10:00:00Z","kind":"message","id":"x","text":"floor"}`)
	if err := floorEvent(ctx, conn, "17770000007", "floor.check.1", doc); err != nil {
		t.Fatalf("the benchmark's floor transaction fails on this schema: %v", err)
	}
	var n int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM sb_inbound_ids WHERE id = 'floor.check.1'`).Scan(&n); err != nil || n != 1 {
		t.Fatalf("the floor's inbound id: %d rows, %v; want 1", n, err)
	}
}

// BenchmarkLiveAcrossNodes: from a message's Inject returning on one node to the other node's
// subscriber hearing of it (what an SSH session on the other node waits before it redraws).
func BenchmarkLiveAcrossNodes(b *testing.B) {
	c := durableCluster(b)
	dsn := c.DSN(b)
	dbA, err := Open(dsn)
	if err != nil {
		b.Fatal(err)
	}
	a := prepared(b, dbA)
	dbB, err := Open(dsn)
	if err != nil {
		b.Fatal(err)
	}
	other, err := inbox.New(dbB, inbox.Options{NoTimers: true})
	if err != nil {
		b.Fatal(err)
	}
	defer other.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	events := other.Subscribe(ctx)
	time.Sleep(300 * time.Millisecond) // its listener is up
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		in := benchInbound(fmt.Sprintf("live%d", time.Now().UnixNano()), i)
		if _, err := a.Inject(ctx, in); err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		want := "1777" + fmt.Sprintf("%07d", i%500)
		for {
			select {
			case e := <-events:
				if e.Kind == inbox.EventConversation && e.Contact == want {
					goto heard
				}
			case <-time.After(5 * time.Second):
				b.Fatalf("the other node never heard of message %d", i)
			}
		}
	heard:
		lat = append(lat, time.Since(start))
	}
	b.StopTimer()
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
}
