package bolt

// Tests from a review of the journal (R1–R5 of its report): a reader never pairs an old overlay
// with a file checkpointed past it; Close takes no commit it would then delete; a crash while a
// segment is made is not damage; the nested bucket's key is refused; a cursor made before its
// bucket is cleared sees the clear; a crash between checkpoint slices after a clear replays.

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

func rvPut(t *testing.T, db *DB, kv ...string) {
	t.Helper()
	if err := db.update(func(tx *Tx) error {
		for i := 0; i < len(kv); i += 2 {
			if err := tx.b(bNotes).Put([]byte(kv[i]), []byte(kv[i+1])); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

// R1: read() loads the overlay, then begins the bbolt transaction. A commit and a checkpoint
// that land between the two lines give the reader an old overlay over a newer file: it sees
// half of one commit.
func TestJournalReviewTornReadDeterministic(t *testing.T) {
	db, err := Open(filepath.Join(t.TempDir(), "ws.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rvPut(t, db, "x", "1", "y", "1")
	if err := db.Checkpoint(); err != nil {
		t.Fatal(err)
	}
	rvPut(t, db, "x", "2", "y", "2") // in the overlay only
	m := db.mem.Load()               // read(): line 1
	// -- the reader is descheduled here --
	rvPut(t, db, "x", "4", "z", "4")
	if err := db.Checkpoint(); err != nil {
		t.Fatal(err)
	}
	// read(): line 2 — the pair it would make has its file ahead of its overlay
	db.bolt.View(func(btx *bolt.Tx) error {
		if !fileAhead(btx, m) {
			t.Error("a file checkpointed past the overlay is not seen as ahead of it")
		}
		return nil
	})
	// and read() itself pairs the new overlay with the file
	db.view(func(tx *Tx) error {
		x, z := string(tx.b(bNotes).Get([]byte("x"))), string(tx.b(bNotes).Get([]byte("z")))
		if x != "4" || z != "4" {
			t.Errorf("x=%q z=%q after the commit {x=4, z=4}", x, z)
		}
		return nil
	})
}

// R1, the same without any hook: one writer keeps x == y, a checkpointer runs all the time,
// readers check x == y.
func TestJournalReviewTornReadStress(t *testing.T) {
	saved := checkpointSlice
	checkpointSlice = 1
	defer func() { checkpointSlice = saved }()
	db, err := Open(filepath.Join(t.TempDir(), "ws.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var stop atomic.Bool
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		for i := 0; !stop.Load(); i++ {
			v := fmt.Sprint(i)
			rvPut(t, db, "x", v, "y", v)
		}
	}()
	go func() {
		defer wg.Done()
		for !stop.Load() {
			db.Checkpoint()
		}
	}()
	var torn atomic.Int64
	var reads atomic.Int64
	var rwg sync.WaitGroup
	deadline := time.Now().Add(2 * time.Second)
	for r := 0; r < 16; r++ {
		rwg.Add(1)
		go func() {
			defer rwg.Done()
			for time.Now().Before(deadline) {
				db.view(func(tx *Tx) error {
					x, y := string(tx.b(bNotes).Get([]byte("x"))), string(tx.b(bNotes).Get([]byte("y")))
					reads.Add(1)
					if x != y {
						if torn.Add(1) == 1 {
							t.Logf("torn read: x=%s y=%s", x, y)
						}
					}
					return nil
				})
			}
		}()
	}
	rwg.Wait()
	stop.Store(true)
	wg.Wait()
	if torn.Load() > 0 {
		t.Errorf("%d torn reads of %d", torn.Load(), reads.Load())
	}
}

// R2: a commit acknowledged while Close runs (after Close's checkpoint took its snapshot) is in
// the journal and the overlay only; Close then deletes the journal.
func TestJournalReviewCommitDuringCloseLost(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ws.db")
	db, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	rvPut(t, db, "a", "1")
	var lateErr error = fmt.Errorf("not run")
	testHookFolded = func() {
		testHookFolded = nil
		// another goroutine's Update, racing with Close (a request still in flight)
		lateErr = db.update(func(tx *Tx) error { return tx.b(bNotes).Put([]byte("late"), []byte("1")) })
	}
	db.Close()
	testHookFolded = nil
	if lateErr != nil {
		// refused, saying so: nothing was acknowledged
		if !errors.Is(lateErr, errStopped) {
			t.Fatalf("the late commit: %v", lateErr)
		}
		return
	}
	db, err = Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.view(func(tx *Tx) error {
		if v := tx.b(bNotes).Get([]byte("late")); v == nil {
			t.Errorf("an acknowledged commit (Update returned nil) is gone after Close and reopen")
		}
		return nil
	})
}

// R2 without a hook: writers keep committing while Close runs.
func TestJournalReviewCommitDuringCloseLostStress(t *testing.T) {
	for round := 0; round < 20; round++ {
		path := filepath.Join(t.TempDir(), "ws.db")
		db, err := Open(path)
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 200; i++ {
			rvPut(t, db, fmt.Sprintf("pre%03d", i), "v")
		}
		var acked []string
		var mu sync.Mutex
		done := make(chan struct{})
		go func() {
			defer close(done)
			for i := 0; ; i++ {
				k := fmt.Sprintf("k%05d", i)
				if err := db.update(func(tx *Tx) error { return tx.b(bNotes).Put([]byte(k), []byte("v")) }); err != nil {
					return
				}
				mu.Lock()
				acked = append(acked, k)
				mu.Unlock()
			}
		}()
		time.Sleep(5 * time.Millisecond)
		db.Close()
		<-done
		db, err = Open(path)
		if err != nil {
			t.Fatal(err)
		}
		missing := 0
		db.view(func(tx *Tx) error {
			for _, k := range acked {
				if tx.b(bNotes).Get([]byte(k)) == nil {
					missing++
				}
			}
			return nil
		})
		db.Close()
		if missing > 0 {
			t.Fatalf("round %d: %d of %d acknowledged commits lost across Close", round, missing, len(acked))
		}
	}
}

// R3: a crash while the next segment is made leaves a file under a name that is not a
// segment's (rotate names it a segment only once its header is on the disk): the open ignores it,
// replays the segments and removes it.
func TestJournalReviewCrashInRotate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ws.db")
	db, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	rvPut(t, db, "a", "1")
	if err := db.Checkpoint(); err != nil {
		t.Fatal(err)
	}
	rvPut(t, db, "b", "1") // acknowledged, in wal.1 only
	crashed := crashCopy(t, path, t.TempDir())
	db.Close()
	// what rotate leaves when it dies laying the next segment down, or before its rename
	if err := layDown(segmentPath(crashed, 2)+".new", segmentMin); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(segmentPath(crashed, 3)+".new.tmp", []byte{0, 0}, 0o600)
	cdb, err := Open(crashed)
	if err != nil {
		t.Fatalf("open after a crash in rotate refused: %v", err)
	}
	cdb.view(func(tx *Tx) error {
		if v := tx.b(bNotes).Get([]byte("b")); string(v) != "1" {
			t.Errorf("b = %q after the crash", v)
		}
		return nil
	})
	cdb.Close()
	if left := journalFiles(crashed); len(left) != 0 {
		t.Errorf("left after a clean close: %v", left)
	}
}

// R4: the overlay accepts a Put of a key that is a nested bucket in the file (bbolt refuses it
// with ErrIncompatibleValue); the commit is acknowledged, every checkpoint then fails on it,
// Close keeps the journal, and the next open cannot replay it.
func TestJournalReviewPutOverNestedBucket(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ws.db")
	db, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.update(func(tx *Tx) error { return tx.b(bIdx).Put(marker, []byte("x")) }); !errors.Is(err, bolt.ErrIncompatibleValue) {
		t.Fatalf("a Put over the nested bucket: %v", err)
	}
	if err := db.update(func(tx *Tx) error { return tx.b(bIdx).Delete(marker) }); !errors.Is(err, bolt.ErrIncompatibleValue) {
		t.Fatalf("a Delete of the nested bucket: %v", err)
	}
	if err := db.Checkpoint(); err != nil {
		t.Fatal(err)
	}
}

// R5: a cursor made before the bucket is cleared in the same transaction still walks the file.
func TestJournalReviewCursorBeforeClear(t *testing.T) {
	db, err := Open(filepath.Join(t.TempDir(), "ws.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rvPut(t, db, "a", "1")
	db.Checkpoint()
	db.update(func(tx *Tx) error {
		c := tx.b(bNotes).Cursor()
		tx.clearBucket(bNotes)
		if k, _ := c.First(); k != nil {
			t.Errorf("after clearing the bucket, a cursor made before shows %q (Get says %q)", k, tx.b(bNotes).Get(k))
		}
		return fmt.Errorf("roll back")
	})
}

// Soundness check: a crash between two slices of a checkpoint whose first slice applied a clear
// (import --replace) opens with every commit.
func TestJournalReviewCrashBetweenSlicesWithClear(t *testing.T) {
	saved := checkpointSlice
	checkpointSlice = 2
	defer func() { checkpointSlice = saved }()
	path := filepath.Join(t.TempDir(), "ws.db")
	db, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for i := 0; i < 10; i++ {
		rvPut(t, db, fmt.Sprintf("old%d", i), "v")
	}
	db.Checkpoint()
	rvPut(t, db, "pre", "1")
	db.update(func(tx *Tx) error {
		tx.clearBucket(bNotes)
		for i := 0; i < 7; i++ {
			tx.b(bNotes).Put([]byte(fmt.Sprintf("new%d", i)), []byte("n"))
		}
		return nil
	})
	rvPut(t, db, "new3", "after")
	n := 0
	var copies []string
	testHookFolded = func() {
		n++
		copies = append(copies, crashCopy(t, path, t.TempDir()))
		if n == 2 {
			rvPut(t, db, "mid", "1") // a commit between slices
		}
	}
	if err := db.Checkpoint(); err != nil {
		t.Fatal(err)
	}
	testHookFolded = nil
	want := map[string]string{"new0": "n", "new1": "n", "new2": "n", "new3": "after", "new4": "n", "new5": "n", "new6": "n"}
	for i, c := range copies {
		cdb, err := Open(c)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]string{}
		cdb.view(func(tx *Tx) error {
			return tx.b(bNotes).ForEach(func(k, v []byte) error { got[string(k)] = string(v); return nil })
		})
		cdb.Close()
		delete(got, "mid")
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("crash after slice %d: %v", i+1, got)
		}
	}
	got := map[string]string{}
	db.view(func(tx *Tx) error {
		return tx.b(bNotes).ForEach(func(k, v []byte) error { got[string(k)] = string(v); return nil })
	})
	want["mid"] = "1"
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("live: %v", got)
	}
}
