package bolt

import (
	"errors"
	"fmt"
	"os"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Checkpoints: the overlay's commits written into the bbolt file, many in one bbolt transaction.
//
// A checkpoint takes the published memtable (every commit up to its LSN) and writes its keys into
// the file in key order, in slices of checkpointSlice keys, one bbolt transaction each (each
// records the snapshot's LSN, meta "checkpoint-lsn"; the last also "journal-lsn": the journal up
// to there is not needed). After each slice it drops from the overlay the items the slice wrote
// and no later commit replaced; after the last it deletes the sealed segments whose every record
// the file holds. Commits go on meanwhile: they write to the journal and the overlay, not to the
// file. One event of a workspace of a million conversations changes a leaf in four or five
// B+trees; a checkpoint of thousands of events writes each leaf and branch a slice's events share
// once, where one bbolt commit per event wrote all of them and synced twice per event.

// checkpointAt: the overlay's size that starts a checkpoint
var checkpointAt atomic.Int64

// 32 MiB (about 17,000 events of the scale stream): a checkpoint of more events shares more leaves
// (at 100k conversations with 64 writers, 100,000 events: 2.2 pages per event against 3.3 at 8
// MiB, 9,100–9,600 events/s against 7,100–8,000; docs/store.md); a workspace that goes quiet
// for a second is checkpointed whatever the size
func init() { checkpointAt.Store(32 << 20) }

// SetCheckpointSize sets the overlay's size that starts a checkpoint (32 MiB): tests make it small
// so that checkpoints run all the time (a process killed in the middle of one).
func SetCheckpointSize(bytes int64) { checkpointAt.Store(bytes) }

const (
	// stallAt: the size at which a commit waits for a checkpoint (the disk cannot keep up)
	stallAt = 128 << 20
	// checkpointIdle: a checkpoint runs when no commit came for this long
	checkpointIdle = time.Second
)

// CheckpointStats are the checkpoints' figures since the file was opened.
type CheckpointStats struct {
	Checkpoints     int64
	Pages           int64         // pages the checkpoints' bbolt commits wrote
	Time            time.Duration // the checkpoints' time, start to end
	JournalBytes    int64         // what commits appended to the journal
	JournalSyncs    int64         // their fdatasyncs (one per commit)
	JournalSyncTime time.Duration // the time in those fdatasyncs
	OverlayItems    int           // keys in the overlay now
	OverlayBytes    int64
}

// CheckpointStats returns what the journal and the checkpoints have done.
func (db *DB) CheckpointStats() CheckpointStats {
	s := CheckpointStats{
		Checkpoints: db.cpCount.Load(), Pages: db.cpPages.Load(), Time: time.Duration(db.cpTime.Load()),
	}
	if m := db.mem.Load(); m != nil {
		s.OverlayItems, s.OverlayBytes = m.tree.Len(), m.size
	}
	db.writeMu.Lock()
	if db.j != nil {
		s.JournalBytes, s.JournalSyncs, s.JournalSyncTime = db.j.written, db.j.syncs, db.j.syncTime
	}
	db.writeMu.Unlock()
	return s
}

// Checkpoint writes every commit acknowledged so far into the bbolt file and removes the
// journal segments that held them (Close does it too). It waits for a checkpoint under way.
func (db *DB) Checkpoint() error {
	if db.readOnly {
		return nil
	}
	return db.checkpoint()
}

// checkpointer runs checkpoints when a commit asks (the overlay is large) or the writers are
// idle, until stop closes.
func (db *DB) checkpointer() {
	defer close(db.cpDone)
	idle := time.NewTimer(checkpointIdle)
	defer idle.Stop()
	for {
		select {
		case <-db.cpStop:
			return
		case <-db.cpKick:
		case <-idle.C:
			if time.Since(time.Unix(0, db.lastCommit.Load())) < checkpointIdle {
				idle.Reset(checkpointIdle)
				continue // not idle: the size starts the next one
			}
		}
		if m := db.mem.Load(); !m.empty() {
			// one that fails changes nothing and is tried again at the next kick or idle
			// second; while it keeps failing the overlay grows, and at its stall size the
			// commits run it themselves and return its error
			_ = db.checkpoint()
		}
		idle.Reset(checkpointIdle)
	}
}

func (db *DB) kickCheckpoint() {
	select {
	case db.cpKick <- struct{}{}:
	default:
	}
}

func (db *DB) checkpoint() error {
	db.cpMu.Lock()
	defer db.cpMu.Unlock()
	start := time.Now()
	db.writeMu.Lock()
	if db.failed != nil {
		db.writeMu.Unlock()
		return db.failed
	}
	snap := db.mem.Load()
	if snap.empty() {
		db.writeMu.Unlock()
		return nil
	}
	db.writeMu.Unlock()

	// the snapshot's keys in order, written in slices of checkpointSlice keys, one bbolt
	// transaction each: a slice's pages go to the disk while commits go on, and the disk's queue
	// never holds a whole checkpoint in front of a journal fsync
	items := snap.items()
	var pages int64
	for from := 0; from == 0 || from < len(items); from += checkpointSlice {
		db.beginSlice()
		slice := items[from:min(from+checkpointSlice, len(items))]
		first, last := from == 0, from+checkpointSlice >= len(items)
		err := db.bolt.Update(func(tx *bolt.Tx) error {
			tx.OnCommit(func() { st := tx.Stats(); pages += st.GetWrite() })
			return foldSlice(tx, snap, slice, first, last)
		})
		if err != nil {
			db.endSlice()
			// nothing is lost: the overlay still holds what this slice and those after it
			// hold, the journal every commit since the last whole checkpoint
			return fmt.Errorf("writing the journal into %s: %w", db.path, err)
		}
		if testHookFolded != nil {
			testHookFolded()
		}
		// drop what the file now holds, unless a later commit replaced it
		db.writeMu.Lock()
		next := db.mem.Load().clone()
		for _, it := range slice {
			if x, ok := next.tree.Get(it); ok && x == it {
				next.tree.Delete(it)
				next.count[it.b]--
				next.size -= itemCost(it)
			}
		}
		if first {
			for i := range next.cleared {
				if next.cleared[i] == snap.cleared[i] {
					next.cleared[i] = 0
				}
			}
		}
		if last {
			// the keys written into the file leave the filter too (about 50 ns per key left,
			// under the writers' lock: the keys of the commits made during the checkpoint)
			next.refilter()
		}
		db.mem.Store(next)
		var done []segment
		if last {
			// the segments whose every record the file now holds
			done = db.j.covered(snap.lsn)
		}
		db.writeMu.Unlock()
		db.endSlice()
		for _, sg := range done {
			os.Remove(sg.path)
		}
	}

	db.cpCount.Add(1)
	db.cpPages.Add(pages)
	db.cpTime.Add(int64(time.Since(start)))
	return nil
}

// checkpointSlice is how many keys one bbolt transaction of a checkpoint writes (a variable for
// the tests, which make checkpoints of many slices).
var checkpointSlice = 1024

// PauseCheckpoints holds checkpoints between two of their bbolt transactions (one under way
// finishes first) until ResumeCheckpoints: for benchmarks that measure a baseline on the same
// disk between rounds of ingest and must not share it with a checkpoint. While paused, a commit
// that finds the overlay at its stall size waits too, and so does Checkpoint; Close resumes.
func (db *DB) PauseCheckpoints() {
	db.cpPause.Lock()
	db.cpPaused = true
	db.cpPause.Unlock()
	db.cpSlice.Lock() // a slice under way ends
	db.cpSlice.Unlock()
}

// ResumeCheckpoints lets checkpoints go on.
func (db *DB) ResumeCheckpoints() {
	db.cpPause.Lock()
	db.cpPaused = false
	db.cpPause.Unlock()
	db.cpResume.Broadcast()
}

// beginSlice returns when checkpoints are not paused, holding cpSlice for the slice to come
// (endSlice lets it go).
func (db *DB) beginSlice() {
	for {
		db.cpPause.Lock()
		for db.cpPaused {
			db.cpResume.Wait()
		}
		db.cpPause.Unlock()
		db.cpSlice.Lock()
		db.cpPause.Lock()
		paused := db.cpPaused
		db.cpPause.Unlock()
		if !paused {
			return
		}
		db.cpSlice.Unlock() // paused meanwhile: wait again
	}
}

func (db *DB) endSlice() { db.cpSlice.Unlock() }

// testHookFolded, when set, runs after a checkpoint's bbolt commit and before it drops what it
// wrote from the overlay.
var testHookFolded func()

// foldInto writes memtable m into the file (a replay).
func foldInto(tx *bolt.Tx, m *memtable) error { return foldSlice(tx, m, m.items(), true, true) }

// foldSlice writes items, a slice of m's, into the file: first with m's bucket clears before
// them, last with the LSN the journal is not needed up to.
func foldSlice(tx *bolt.Tx, m *memtable, items []*item, first, last bool) error {
	if first {
		if err := applyClears(tx, m.cleared); err != nil {
			return err
		}
	}
	if err := putItems(tx, items); err != nil {
		return err
	}
	// readers whose overlay is older than m must not pair it with this file
	if err := putU64(tx.Bucket(bMeta), metaCheckpointLSN, m.lsn); err != nil {
		return err
	}
	if last {
		// every commit up to m is in the file now: the journal before it is not needed
		return putU64(tx.Bucket(bMeta), metaJournalLSN, m.lsn)
	}
	return nil
}

// applyClears empties the buckets a commit cleared (and makes their markers again).
func applyClears(tx *bolt.Tx, cleared [len(allBuckets)]uint64) error {
	for i, lsn := range cleared {
		if lsn == 0 {
			continue
		}
		name := allBuckets[i]
		if err := tx.DeleteBucket(name); err != nil && !errors.Is(err, bolt.ErrBucketNotFound) {
			return err
		}
		b, err := tx.CreateBucket(name)
		if err != nil {
			return err
		}
		if isGrowing[i] {
			if _, err := b.CreateBucket(marker); err != nil {
				return err
			}
		}
	}
	return nil
}

// putItems writes items (in key order) into the file.
func putItems(tx *bolt.Tx, items []*item) error {
	var bk *bolt.Bucket
	cur := -1
	for _, it := range items {
		if int(it.b) != cur {
			cur = int(it.b)
			var err error
			if bk, err = tx.CreateBucketIfNotExists(allBuckets[cur]); err != nil {
				return err
			}
		}
		var err error
		if it.del {
			err = bk.Delete(it.k)
		} else {
			err = bk.Put(it.k, it.v)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// errStopped is what a commit returns after the file was closed.
var errStopped = errors.New("the workspace file is closed")
