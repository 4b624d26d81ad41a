package postgres

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"switchboard/inbox"
	"switchboard/inbox/domain"
	"switchboard/internal/testkey"
)

// TestMigrationsRunOnceWhenNodesStartTogether: four nodes opening a new database at the same
// moment run each migration once (the advisory lock), and all of them work.
func TestMigrationsRunOnceWhenNodesStartTogether(t *testing.T) {
	if cluster == nil {
		t.Skip("no PostgreSQL server for the tests (see package pgtest)")
	}
	dsn := cluster.DSN(t)
	var wg sync.WaitGroup
	dbs := make([]*DB, 4)
	errs := make([]error, 4)
	for i := range dbs {
		wg.Add(1)
		go func() { defer wg.Done(); dbs[i], errs[i] = Open(dsn) }()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("node %d: %v", i, err)
		}
		defer dbs[i].Close()
	}
	var version, rows int
	if err := dbs[0].Pool().QueryRow(bg, `SELECT max(version), count(*) FROM sb_schema`).Scan(&version, &rows); err != nil {
		t.Fatal(err)
	}
	if version != len(migrations) || rows != 1 {
		t.Fatalf("schema version %d in %d rows, want %d in 1", version, rows, len(migrations))
	}
	// a schema newer than this build knows is refused, saying so, and left as it is
	if _, err := dbs[0].Pool().Exec(bg, `UPDATE sb_schema SET version = version + 1`); err != nil {
		t.Fatal(err)
	}
	_, err := Open(dsn)
	if err == nil || !strings.Contains(err.Error(), "newer Switchboard workspace") {
		t.Fatalf("opening a newer schema: %v", err)
	}
}

// TestANodeThatLostItsListenerCatchesUp: the connection a node listens on is cut (as a network
// blip or a server restart does); what another node commits meanwhile still reaches its
// subscribers once it is back.
func TestANodeThatLostItsListenerCatchesUp(t *testing.T) {
	a, b, _ := twoNodes(t)
	ctx, cancel := context.WithCancel(bg)
	defer cancel()
	events := b.Subscribe(ctx)
	node := b.Store().(*DB).Node()
	cut := func() int {
		var n int
		err := a.Store().(*DB).Pool().QueryRow(bg, `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = $1`,
			"switchboard listen "+node).Scan(&n)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	deadline := time.Now().Add(5 * time.Second)
	for cut() == 0 { // its listener is up, then cut
		if time.Now().After(deadline) {
			t.Fatal("node b's listener never connected")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if _, err := a.Inject(bg, inbox.Inbound{Channel: "message", From: phone(9), Text: "while you were away"}); err != nil {
		t.Fatal(err)
	}
	timeout := time.After(5 * time.Second)
	for {
		select {
		case e := <-events:
			if e.Kind == inbox.EventConversation && e.Contact == phone(9) {
				return
			}
		case <-timeout:
			t.Fatal("node b never heard of the message committed while its listener was cut")
		}
	}
}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// TestATimerFiresOnOneNode: a call left ringing past its timeout is marked missed once, however
// many nodes fire timers at the same moment.
func TestATimerFiresOnOneNode(t *testing.T) {
	if cluster == nil {
		t.Skip("no PostgreSQL server for the tests (see package pgtest)")
	}
	dsn := cluster.DSN(t)
	c := &clock{t: time.Now().UTC()}
	nodes := make([]*inbox.Service, 3)
	for i := range nodes {
		db, err := Open(dsn)
		if err != nil {
			t.Fatal(err)
		}
		svc, err := inbox.New(db, inbox.Options{Now: c.now, NoTimers: true, RingTimeout: time.Minute})
		if err != nil {
			t.Fatal(err)
		}
		defer svc.Close()
		nodes[i] = svc
		if i == 0 {
			if err := svc.Import(bg, "", strings.NewReader(seed), false); err != nil {
				t.Fatal(err)
			}
		}
	}
	for i := 0; i < 10; i++ {
		if _, err := nodes[i%3].Inject(bg, inbox.Inbound{Channel: "call", From: phone(i), ExternalID: "call." + phone(i)}); err != nil {
			t.Fatal(err)
		}
	}
	c.add(2 * time.Minute)
	var wg sync.WaitGroup
	fired := make([]int, len(nodes))
	for i, svc := range nodes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			n, err := svc.FireTimers(bg)
			if err != nil {
				t.Error(err)
			}
			fired[i] = n
		}()
	}
	wg.Wait()
	total := fired[0] + fired[1] + fired[2]
	if total != 10 {
		t.Errorf("the nodes fired %v timers, %d in all; want 10 in all", fired, total)
	}
	for i := 0; i < 10; i++ {
		missed := 0
		err := nodes[0].Store().View(func(tx domain.ReadTx) error {
			es, _, err := tx.Timeline(phone(i), "", 100)
			for _, e := range es {
				if e.Kind == domain.KindCall && e.Outcome == domain.CallMissed {
					missed++
				}
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if missed != 1 {
			t.Errorf("%s: %d calls marked missed, want 1", phone(i), missed)
		}
	}
}

// TestACommitWhoseConnectionWasLostIsAskedAbout: settle says "landed" when the commit's mark is
// there, and "run it again" when it is not and the backend that ran it is gone.
func TestACommitWhoseConnectionWasLostIsAskedAbout(t *testing.T) {
	db := open(t)
	defer db.Close()
	if _, err := db.Pool().Exec(bg, `INSERT INTO sb_commits (token) VALUES ('landed')`); err != nil {
		t.Fatal(err)
	}
	gone := errors.New("connection reset by peer")
	if err := db.settle("landed", 1, gone); err != nil {
		t.Fatalf("a commit whose mark is there: %v, want nil (it landed)", err)
	}
	if err := db.settle("lost", 1, gone); !errors.Is(err, domain.ErrRetry) {
		t.Fatalf("a commit whose mark is not there, its backend gone: %v, want ErrRetry", err)
	}
}

// TestAReplacedWorkspaceReachesTheOtherNodesConfiguration: an import that replaces the
// workspace on one node (here: a key taken away) is what the other node's readers see at once —
// who may sign in by which key is in it.
func TestAReplacedWorkspaceReachesTheOtherNodesConfiguration(t *testing.T) {
	a, b, _ := twoNodes(t)
	if _, err := a.AddKey(bg, "alice", "carol", testkey.New(t, "carol@laptop")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "node b sees carol's key", func() bool { o, _ := b.Operator("carol"); return len(o.Keys) == 1 })
	if err := a.Import(bg, "alice", strings.NewReader(seed), true); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "node b forgets carol's key", func() bool { o, _ := b.Operator("carol"); return len(o.Keys) == 0 })
}

// TestATransactionHeldOpenDoesNotHoldBackLiveUpdates: a transaction left open on the server
// (another client's, in another database even) does not delay what the other node hears.
func TestATransactionHeldOpenDoesNotHoldBackLiveUpdates(t *testing.T) {
	a, b, _ := twoNodes(t)
	other, err := Open(cluster.DSN(t))
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	held, err := other.Pool().Begin(bg)
	if err != nil {
		t.Fatal(err)
	}
	defer held.Rollback(bg)
	if _, err := held.Exec(bg, `SELECT pg_current_xact_id()`); err != nil { // it has an xid: it holds the horizon
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(bg)
	defer cancel()
	events := b.Subscribe(ctx)
	start := time.Now()
	if _, err := a.Inject(bg, inbox.Inbound{Channel: "message", From: phone(4), Text: "anyone?"}); err != nil {
		t.Fatal(err)
	}
	timeout := time.After(3 * time.Second)
	for {
		select {
		case e := <-events:
			if e.Kind == inbox.EventConversation && e.Contact == phone(4) {
				t.Logf("heard after %s with a transaction held open", time.Since(start))
				return
			}
		case <-timeout:
			t.Fatal("node b did not hear of the message within 3 s while another transaction was held open")
		}
	}
}

func waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("never: %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
