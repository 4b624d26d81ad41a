package bolt

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"switchboard/inbox/domain"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// The overlay and the journal against bbolt itself: the same random transactions (puts,
// deletes, a bucket emptied, a transaction that fails) go into a workspace file through the
// engine's Tx and straight into a bbolt file; after each, cursors walked at random (First, Last,
// Seek, Next, Prev, in both directions and across deleted keys) must see the same keys and values
// in both, inside the writing transaction and after it, while checkpoints move the overlay into
// the file at random moments. Copies of the files taken while the workspace is open (what a
// crash leaves on the disk: the file as its last checkpoint wrote it and the journal) must open
// with every commit in them, and so must the file after Close.

func TestOverlayMatchesBolt(t *testing.T) {
	for seed := uint64(1); seed <= 6; seed++ {
		t.Run(fmt.Sprint(seed), func(t *testing.T) { overlayAgainstBolt(t, seed) })
	}
}

func overlayAgainstBolt(t *testing.T, seed uint64) {
	rng := rand.New(rand.NewPCG(seed, 17))
	if seed%2 == 0 {
		// checkpoints of many bbolt transactions, a few keys each
		saved := checkpointSlice
		checkpointSlice = 1 + int(seed)
		defer func() { checkpointSlice = saved }()
	}
	dir := t.TempDir()
	db, err := Open(filepath.Join(dir, "ws.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { db.Close() }()
	ref, err := bolt.Open(filepath.Join(dir, "ref.bbolt"), 0o600, &bolt.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer ref.Close()
	// two buckets: idx has the nested marker bucket (a key with a nil value), notes none
	buckets := [][]byte{bIdx, bNotes}
	ref.Update(func(tx *bolt.Tx) error {
		for _, name := range buckets {
			b, _ := tx.CreateBucket(name)
			if bytes.Equal(name, bIdx) {
				b.CreateBucket(marker)
			}
		}
		return nil
	})
	key := func() []byte { return []byte(fmt.Sprintf("k%02d", rng.IntN(48))) }
	errFail := errors.New("this transaction fails")
	for round := 0; round < 300; round++ {
		name := buckets[rng.IntN(len(buckets))]
		fail := rng.IntN(10) == 0
		clear := rng.IntN(40) == 0
		var ops []func(b interface {
			Put([]byte, []byte) error
			Delete([]byte) error
		}) error
		for n := 1 + rng.IntN(6); n > 0; n-- {
			k := key()
			if rng.IntN(3) == 0 {
				ops = append(ops, func(b interface {
					Put([]byte, []byte) error
					Delete([]byte) error
				}) error {
					return b.Delete(k)
				})
				continue
			}
			v := []byte(fmt.Sprintf("v%d-%d", round, rng.IntN(1000)))
			if rng.IntN(8) == 0 {
				v = []byte{}
			}
			ops = append(ops, func(b interface {
				Put([]byte, []byte) error
				Delete([]byte) error
			}) error {
				return b.Put(k, v)
			})
		}
		walk := rng.Uint64()
		err := db.update(func(tx *Tx) error {
			if clear {
				if err := tx.clearBucket(name); err != nil {
					return err
				}
			}
			for _, op := range ops {
				if err := op(tx.b(name)); err != nil {
					return err
				}
			}
			// inside the transaction: its own writes over the overlay and the file
			rerr := ref.Update(func(rtx *bolt.Tx) error {
				if clear {
					rtx.DeleteBucket(name)
					b, _ := rtx.CreateBucket(name)
					if bytes.Equal(name, bIdx) {
						b.CreateBucket(marker)
					}
				}
				for _, op := range ops {
					if err := op(rtx.Bucket(name)); err != nil {
						return err
					}
				}
				compareCursors(t, fmt.Sprintf("round %d, inside", round), tx.b(name).Cursor(), rtx.Bucket(name).Cursor(), walk)
				if fail {
					return errFail
				}
				return nil
			})
			if fail && !errors.Is(rerr, errFail) {
				t.Fatalf("round %d: reference: %v", round, rerr)
			}
			if fail {
				return errFail
			}
			return rerr
		})
		if fail != errors.Is(err, errFail) || (!fail && err != nil) {
			t.Fatalf("round %d: %v", round, err)
		}
		if rng.IntN(15) == 0 {
			if err := db.Checkpoint(); err != nil {
				t.Fatal(err)
			}
		}
		for _, name := range buckets {
			db.view(func(tx *Tx) error {
				return ref.View(func(rtx *bolt.Tx) error {
					compareCursors(t, fmt.Sprintf("round %d, after", round), tx.b(name).Cursor(), rtx.Bucket(name).Cursor(), rng.Uint64())
					compareAll(t, fmt.Sprintf("round %d, after", round), tx.b(name), rtx.Bucket(name))
					return nil
				})
			})
		}
		if rng.IntN(60) == 0 {
			crashed := crashCopy(t, db.path, t.TempDir())
			cdb, err := Open(crashed)
			if err != nil {
				t.Fatalf("round %d: opening what a crash leaves: %v", round, err)
			}
			checkAgainst(t, fmt.Sprintf("round %d, after a crash", round), cdb, ref, buckets)
			cdb.Close()
		}
	}
	path := db.path
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if left := journalFiles(path); len(left) != 0 {
		t.Fatalf("Close left the journal: %v", left)
	}
	if db, err = Open(path); err != nil {
		t.Fatal(err)
	}
	checkAgainst(t, "reopened", db, ref, buckets)
}

func checkAgainst(t *testing.T, what string, db *DB, ref *bolt.DB, buckets [][]byte) {
	t.Helper()
	for _, name := range buckets {
		db.view(func(tx *Tx) error {
			return ref.View(func(rtx *bolt.Tx) error {
				compareAll(t, what, tx.b(name), rtx.Bucket(name))
				return nil
			})
		})
	}
}

// crashCopy copies the workspace file and its journal, as they are on the disk now, into dir.
func crashCopy(t *testing.T, path, dir string) string {
	t.Helper()
	to := filepath.Join(dir, filepath.Base(path))
	for _, p := range append([]string{path}, journalFiles(path)...) {
		in, err := os.Open(p)
		if errors.Is(err, os.ErrNotExist) {
			continue // a spare being laid down was renamed meanwhile
		}
		if err != nil {
			t.Fatal(err)
		}
		out, err := os.Create(filepath.Join(dir, filepath.Base(p)))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.Copy(out, in); err != nil {
			t.Fatal(err)
		}
		in.Close()
		out.Close()
	}
	return to
}

// skipMarker: the nested marker bucket is the file's; a bucket emptied in the overlay hides it
// until a checkpoint makes it again (code that walks a bucket skips it)
func skipMarker(k, v []byte) bool { return v == nil && bytes.Equal(k, marker) }

func compareAll(t *testing.T, what string, b *bucket, rb *bolt.Bucket) {
	t.Helper()
	var got, want []string
	b.ForEach(func(k, v []byte) error {
		if !skipMarker(k, v) {
			got = append(got, fmt.Sprintf("%s=%s", k, v))
		}
		return nil
	})
	rb.ForEach(func(k, v []byte) error {
		if !skipMarker(k, v) {
			want = append(want, fmt.Sprintf("%s=%s", k, v))
		}
		return nil
	})
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("%s: the bucket holds\n%v\nbbolt holds\n%v", what, got, want)
	}
	for _, kv := range want {
		k, v, _ := bytes.Cut([]byte(kv), []byte("="))
		if g := b.Get(k); !bytes.Equal(g, v) {
			t.Fatalf("%s: Get(%s) = %q, bbolt %q", what, k, g, v)
		}
	}
	if g := b.Get([]byte("absent")); g != nil {
		t.Fatalf("%s: Get of an absent key = %q", what, g)
	}
}

// walker is what ours and bbolt's cursors both do.
type walker interface {
	First() ([]byte, []byte)
	Last() ([]byte, []byte)
	Seek([]byte) ([]byte, []byte)
	Next() ([]byte, []byte)
	Prev() ([]byte, []byte)
}

// compareCursors walks both cursors through the same random steps.
func compareCursors(t *testing.T, what string, c *cursor, rc *bolt.Cursor, seed uint64) {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 3))
	// both start positioned (bbolt's Next and Prev on a fresh cursor are not defined)
	steps := []string{"First", "Last", "Seek"}
	step := steps[rng.IntN(3)]
	for i := 0; i < 25; i++ {
		arg := []byte(fmt.Sprintf("k%02d", rng.IntN(50)))
		if rng.IntN(4) == 0 {
			arg = append(arg, '~')
		}
		move := func(c walker) ([]byte, []byte) {
			switch step {
			case "First":
				return c.First()
			case "Last":
				return c.Last()
			case "Seek":
				return c.Seek(arg)
			case "Next":
				return c.Next()
			}
			return c.Prev()
		}
		k, v := move(c)
		rk, rv := move(rc)
		if skipMarker(rk, rv) {
			// bbolt's cursor stands on the nested bucket's key like on any other, and so does
			// ours while the file shows it; the walks part there (see skipMarker)
			return
		}
		if !bytes.Equal(k, rk) || !bytes.Equal(v, rv) || (k == nil) != (rk == nil) {
			t.Fatalf("%s: step %d %s(%s): got %q=%q, bbolt %q=%q", what, i, step, arg, k, v, rk, rv)
		}
		if k == nil {
			// bbolt's position after running off an end is its own; start again
			step = steps[rng.IntN(3)]
			continue
		}
		step = []string{"Next", "Prev", "Next", "Prev", "Seek", "First", "Last"}[rng.IntN(7)]
	}
}

// A commit that lands while a checkpoint writes the file (after the checkpoint took its
// snapshot) keeps its values: the checkpoint drops from the overlay only the items it wrote.
// Readers running all the while never see a key go back to an older value.
func TestCheckpointKeepsLaterCommits(t *testing.T) {
	db, err := Open(filepath.Join(t.TempDir(), "ws.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	put := func(k, v string) {
		t.Helper()
		if err := db.update(func(tx *Tx) error { return tx.b(bNotes).Put([]byte(k), []byte(v)) }); err != nil {
			t.Fatal(err)
		}
	}
	get := func(k string) (v string) {
		db.view(func(tx *Tx) error { v = string(tx.b(bNotes).Get([]byte(k))); return nil })
		return v
	}
	put("a", "1")
	put("b", "1")
	put("c", "1")
	testHookFolded = func() {
		put("a", "2") // replaces an item the checkpoint wrote
		db.update(func(tx *Tx) error { return tx.b(bNotes).Delete([]byte("b")) })
		put("d", "2")
	}
	err = db.Checkpoint()
	testHookFolded = nil
	if err != nil {
		t.Fatal(err)
	}
	for k, want := range map[string]string{"a": "2", "b": "", "c": "1", "d": "2"} {
		if got := get(k); got != want {
			t.Fatalf("after the checkpoint %s = %q, want %q", k, got, want)
		}
	}
	if err := db.Checkpoint(); err != nil {
		t.Fatal(err)
	}
	for k, want := range map[string]string{"a": "2", "b": "", "c": "1", "d": "2"} {
		if got := get(k); got != want {
			t.Fatalf("after the second checkpoint %s = %q, want %q", k, got, want)
		}
	}
	if s := db.CheckpointStats(); s.OverlayItems != 0 || s.Checkpoints != 2 {
		t.Fatalf("after two checkpoints: %+v", s)
	}

	// writers, checkpoints and readers at once
	stop := make(chan struct{})
	done := make(chan error, 2)
	go func() {
		for i := 1; i <= 600; i++ {
			k := fmt.Sprintf("n%d", i%7)
			if err := db.update(func(tx *Tx) error { return tx.b(bNotes).Put([]byte(k), be64(uint64(i))) }); err != nil {
				done <- err
				return
			}
		}
		close(stop)
		done <- nil
	}()
	go func() {
		for {
			select {
			case <-stop:
				done <- nil
				return
			default:
			}
			if err := db.Checkpoint(); err != nil {
				done <- err
				return
			}
		}
	}()
	seen := map[string]uint64{}
	for running := true; running; {
		select {
		case <-stop:
			running = false
		default:
		}
		db.view(func(tx *Tx) error {
			for i := 0; i < 7; i++ {
				k := fmt.Sprintf("n%d", i)
				v := tx.b(bNotes).Get([]byte(k))
				if v == nil {
					continue
				}
				n := getU64(tx.b(bNotes), []byte(k))
				if n < seen[k] {
					t.Errorf("%s went back from %d to %d", k, seen[k], n)
				}
				seen[k] = n
			}
			return nil
		})
	}
	for i := 0; i < 2; i++ {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	for i := 0; i < 7; i++ {
		k := fmt.Sprintf("n%d", i)
		want := uint64(600 - (600-i)%7)
		var got uint64
		db.view(func(tx *Tx) error { got = getU64(tx.b(bNotes), []byte(k)); return nil })
		if got != want {
			t.Fatalf("%s = %d, want %d", k, got, want)
		}
	}
}

// What a killed process leaves (the file as its last checkpoint wrote it, and the journal) opens
// with every commit; a journal that is not the file's, or has a commit missing, is refused
// without changing anything, saying what to do; a read-only file shows what its journal holds;
// RemoveFile deletes the journal with the file.
func TestJournalAfterACrash(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "ws.db")
	db, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	put := func(db *DB, k string) {
		t.Helper()
		if err := db.update(func(tx *Tx) error { return tx.b(bNotes).Put([]byte(k), []byte("v-"+k)) }); err != nil {
			t.Fatal(err)
		}
	}
	put(db, "a")
	if err := db.Checkpoint(); err != nil {
		t.Fatal(err)
	}
	put(db, "b") // in the journal only
	crashed := crashCopy(t, path, t.TempDir())
	other := crashCopy(t, path, t.TempDir())
	db.Close()

	has := func(db *DB, keys ...string) {
		t.Helper()
		db.view(func(tx *Tx) error {
			for _, k := range keys {
				if v := tx.b(bNotes).Get([]byte(k)); string(v) != "v-"+k {
					t.Fatalf("%s = %q after the crash", k, v)
				}
			}
			return nil
		})
	}
	// a read-only file: the journal is read, nothing is written
	os.Chmod(crashed, 0o400)
	saved := probeWritable
	probeWritable = func(string) error { return os.ErrPermission }
	ro, err := Open(crashed)
	probeWritable = saved
	if err != nil {
		t.Fatal(err)
	}
	has(ro, "a", "b")
	ro.Close()
	if len(journalFiles(crashed)) == 0 {
		t.Fatal("a read-only open removed the journal")
	}
	os.Chmod(crashed, 0o600)

	// a writable open replays it into the file and starts afresh
	cdb, err := Open(crashed)
	if err != nil {
		t.Fatal(err)
	}
	has(cdb, "a", "b")
	put(cdb, "c")
	cdb.Close()
	if cdb, err = Open(crashed); err != nil {
		t.Fatal(err)
	}
	has(cdb, "a", "b", "c")
	cdb.Close()

	// another workspace's journal beside this file
	fresh := filepath.Join(filepath.Dir(other), "fresh.db")
	fdb, err := Open(fresh)
	if err != nil {
		t.Fatal(err)
	}
	fdb.Close()
	for _, p := range journalFiles(other) {
		os.Rename(p, fresh+strings.TrimPrefix(p, other))
	}
	before, _ := os.ReadFile(fresh)
	if _, err := Open(fresh); err == nil || !strings.Contains(err.Error(), "journal of another workspace file") || !strings.Contains(err.Error(), "move") {
		t.Fatalf("a foreign journal: %v", err)
	}
	if after, _ := os.ReadFile(fresh); !bytes.Equal(before, after) {
		t.Fatal("refusing a foreign journal changed the file")
	}

	// a commit missing between the file and the journal (a segment lost)
	db2path := filepath.Join(t.TempDir(), "gap.db")
	db2, err := Open(db2path)
	if err != nil {
		t.Fatal(err)
	}
	put(db2, "x")
	put(db2, "y")
	image := crashCopy(t, db2path, t.TempDir())
	db2.Close()
	segs, _ := listSegments(image)
	if len(segs) != 1 {
		t.Fatalf("segments: %v", segs)
	}
	raw, _ := os.ReadFile(segs[0].path)
	// the first record's LSN raised: the journal then starts after a commit the file lacks
	binary.BigEndian.PutUint64(raw[journalHeader+8:], 99)
	os.WriteFile(segs[0].path, raw, 0o600)
	if _, err := Open(image); err == nil {
		// a damaged record with good ones after it is not a write a crash cut short: the
		// commits after it were acknowledged, and must not be dropped silently
		t.Fatal("a journal whose first record is damaged opened")
	}

	// RemoveFile takes the journal with the file
	if err := RemoveFile(crashed); err != nil {
		t.Fatal(err)
	}
	if left := journalFiles(crashed); len(left) != 0 {
		t.Fatalf("RemoveFile left %v", left)
	}
}

// A checkpoint paused between slices writes nothing to the file until resumed; the commits it
// has not written yet stay readable meanwhile, and Close resumes it.
func TestPausedCheckpointWaits(t *testing.T) {
	saved := checkpointSlice
	checkpointSlice = 2
	defer func() { checkpointSlice = saved }()
	db, err := Open(filepath.Join(t.TempDir(), "ws.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for i := 0; i < 10; i++ {
		k := fmt.Sprintf("k%d", i)
		if err := db.update(func(tx *Tx) error { return tx.b(bNotes).Put([]byte(k), []byte(k)) }); err != nil {
			t.Fatal(err)
		}
	}
	db.PauseCheckpoints()
	done := make(chan error, 1)
	go func() { done <- db.Checkpoint() }()
	select {
	case err := <-done:
		t.Fatalf("the checkpoint ran while paused: %v", err)
	case <-time.After(200 * time.Millisecond):
	}
	if n := db.CheckpointStats().OverlayItems; n != 10 {
		t.Fatalf("%d keys left the overlay while paused", n)
	}
	db.view(func(tx *Tx) error {
		if v := tx.b(bNotes).Get([]byte("k7")); string(v) != "k7" {
			t.Fatalf("k7 = %q while paused", v)
		}
		return nil
	})
	db.ResumeCheckpoints()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if s := db.CheckpointStats(); s.OverlayItems != 0 || s.Checkpoints != 1 {
		t.Fatalf("after resuming: %+v", s)
	}
}

// A journal that cannot be written stops the engine: the commit it failed on is an unknown
// outcome (the inbox never runs it again), every later one is refused saying what to do,
// reads go on, nothing acknowledged before is lost, and the next open replays the journal.
func TestJournalWriteFailureStopsWrites(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ws.db")
	db, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	put := func(k string) error {
		return db.update(func(tx *Tx) error { return tx.b(bNotes).Put([]byte(k), []byte("v-"+k)) })
	}
	if err := put("before"); err != nil {
		t.Fatal(err)
	}
	db.j.f.Close() // the disk goes away under the journal
	err = put("lost")
	if !errors.Is(err, domain.ErrUnknownOutcome) || !strings.Contains(err.Error(), "writing its journal failed") {
		t.Fatalf("the failing commit: %v", err)
	}
	err = put("after")
	if err == nil || errors.Is(err, domain.ErrUnknownOutcome) || !strings.Contains(err.Error(), "restart") {
		t.Fatalf("a commit after it: %v", err)
	}
	db.view(func(tx *Tx) error {
		if v := tx.b(bNotes).Get([]byte("before")); string(v) != "v-before" {
			t.Fatalf("before = %q", v)
		}
		if v := tx.b(bNotes).Get([]byte("after")); v != nil {
			t.Fatalf("a refused commit is visible: %q", v)
		}
		return nil
	})
	db.Close()
	if len(journalFiles(path)) == 0 {
		t.Fatal("Close deleted a journal it could not write into the file")
	}
	if db, err = Open(path); err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.view(func(tx *Tx) error {
		if v := tx.b(bNotes).Get([]byte("before")); string(v) != "v-before" {
			t.Fatalf("after reopening, before = %q", v)
		}
		return nil
	})
	if err := put("again"); err != nil {
		t.Fatalf("writing after a restart: %v", err)
	}
}

// BenchmarkRefilter: what a checkpoint's end holds the writers for while it rebuilds the
// overlay's filter, per key left in the overlay (the keys of the commits made during the
// checkpoint).
func BenchmarkRefilter(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			m := newMemtable(0)
			for i := 0; i < n; i++ {
				m.set(&item{b: uint8(i % len(allBuckets)), k: fmt.Appendf(nil, "+1555%08d\x00%d", i*7919%n, i), v: []byte("v"), lsn: 1})
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				m.refilter()
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/key")
		})
	}
}

// BenchmarkOverlaySet: one put into an overlay of the size a checkpoint starts at (~200,000
// keys), keys shaped as the timeline's and the index's: a number of twelve digits then a
// sequence, and a long common prefix then a contact. ns/op is one set, or one lookup of a
// key the overlay holds.
func BenchmarkOverlaySet(b *testing.B) {
	const n = 200_000
	key := func(i int) (uint8, []byte) {
		c := i * 7919 % 1_000_003
		if i%3 == 0 {
			return 2, fmt.Appendf(nil, "c\x00open\x00support\x00lena\x00%016x%012d", i, c)
		}
		return 1, fmt.Appendf(nil, "4915%08d\x00%08d", c, i)
	}
	fill := func() *memtable {
		m := newMemtable(0)
		for i := 0; i < n; i++ {
			bk, k := key(i)
			m.set(&item{b: bk, k: k, v: []byte("v"), lsn: 1})
		}
		return m
	}
	// "set-cloned" puts as the writer does: into a clone made once per commit (~30 events of ~10
	// keys at 64 writers), so the first put into each node after it copies the node
	for _, sub := range []struct {
		name  string
		clone int
	}{{"set", 0}, {"set-cloned", 300}} {
		b.Run(sub.name, func(b *testing.B) {
			m := fill()
			items := make([]*item, b.N)
			for i := range items {
				bk, k := key(n + i)
				items[i] = &item{b: bk, k: k, v: []byte("v"), lsn: 2}
			}
			b.ResetTimer()
			for i, it := range items {
				if sub.clone > 0 && i%sub.clone == 0 {
					m = m.clone()
				}
				m.set(it)
			}
		})
	}
	b.Run("lookup", func(b *testing.B) {
		m := fill()
		var probe item
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			bk, k := key(i * 31 % n)
			if _, ok := m.lookup(&probe, bk, k); !ok {
				b.Fatal("a key the overlay holds was not found")
			}
		}
	})
}
