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
// A checkpoint takes the published memtable (every commit up to its LSN), starts a new journal
// segment for the commits after it, writes the memtable's keys into the file in key order in one
// bbolt transaction (with the LSN it reaches, meta "journal-lsn"), then drops from the overlay
// the items that transaction wrote and no later commit replaced, and deletes the segments it
// made redundant. Commits go on meanwhile: they write to the journal and the overlay, not to
// the file. One event of a workspace of a million conversations changes a leaf in four or five
// B+trees; a checkpoint of thousands of events writes each leaf and branch they share once, with
// two fdatasyncs, where one bbolt commit per event wrote all of them and synced twice per event.

// checkpointAt: the overlay's size that starts a checkpoint
var checkpointAt atomic.Int64

func init() { checkpointAt.Store(8 << 20) }

// SetCheckpointSize sets the overlay's size that starts a checkpoint (8 MiB): tests make it small
// so that checkpoints run all the time (a process killed in the middle of one).
func SetCheckpointSize(bytes int64) { checkpointAt.Store(bytes) }

const (
	// stallAt: the size at which a commit waits for a checkpoint (the disk cannot keep up)
	stallAt = 64 << 20
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
	LastCheckpointN int // keys the last checkpoint wrote
}

// CheckpointStats returns what the journal and the checkpoints have done.
func (db *DB) CheckpointStats() CheckpointStats {
	s := CheckpointStats{
		Checkpoints: db.cpCount.Load(), Pages: db.cpPages.Load(), Time: time.Duration(db.cpTime.Load()),
		LastCheckpointN: int(db.cpLastN.Load()),
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

// SettleCheckpoints returns when no checkpoint is under way or due, running a due one itself:
// for benchmarks that charge the checkpoints' work to the writes that caused it.
func (db *DB) SettleCheckpoints() error {
	if db.readOnly {
		return nil
	}
	if m := db.mem.Load(); m != nil && m.size >= checkpointAt.Load() {
		return db.checkpoint()
	}
	db.cpMu.Lock()
	db.cpMu.Unlock()
	return nil
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
			if err := db.checkpoint(); err != nil {
				db.cpErr.Store(&err)
			}
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

	var pages int64
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		if err := foldInto(tx, snap); err != nil {
			return err
		}
		tx.OnCommit(func() { st := tx.Stats(); pages = st.GetWrite() })
		return nil
	})
	if err != nil {
		// nothing is lost: the overlay and the journal still hold every commit
		return fmt.Errorf("writing the journal into %s: %w", db.path, err)
	}
	if testHookFolded != nil {
		testHookFolded()
	}
	// drop what the file now holds, unless a later commit replaced it
	db.writeMu.Lock()
	next := db.mem.Load().clone()
	n := 0
	snap.tree.Ascend(func(it *item) bool {
		n++
		if x, ok := next.tree.Get(it); ok && x == it {
			next.tree.Delete(it)
			next.count[it.b]--
			next.size -= itemCost(it)
		}
		return true
	})
	for i := range next.cleared {
		if next.cleared[i] == snap.cleared[i] {
			next.cleared[i] = 0
		}
	}
	db.mem.Store(next)
	// the segments whose every record the file now holds
	done := db.j.covered(snap.lsn)
	db.writeMu.Unlock()
	for _, sg := range done {
		os.Remove(sg.path)
	}

	db.cpCount.Add(1)
	db.cpPages.Add(pages)
	db.cpTime.Add(int64(time.Since(start)))
	db.cpLastN.Store(int64(n))
	return nil
}

// testHookFolded, when set, runs after a checkpoint's bbolt commit and before it drops what it
// wrote from the overlay.
var testHookFolded func()

// foldInto writes memtable m into the file (a checkpoint, a replay).
func foldInto(tx *bolt.Tx, m *memtable) error {
	for i, lsn := range m.cleared {
		if lsn == 0 {
			continue
		}
		name := []byte(allBucketNames[i])
		if err := tx.DeleteBucket(name); err != nil && !errors.Is(err, bolt.ErrBucketNotFound) {
			return err
		}
		b, err := tx.CreateBucket(name)
		if err != nil {
			return err
		}
		for _, g := range growing {
			if string(g) == allBucketNames[i] {
				if _, err := b.CreateBucket(marker); err != nil {
					return err
				}
			}
		}
	}
	var (
		err error
		bk  *bolt.Bucket
		cur = -1
	)
	m.tree.Ascend(func(it *item) bool {
		if int(it.b) != cur {
			cur = int(it.b)
			if bk, err = tx.CreateBucketIfNotExists([]byte(allBucketNames[cur])); err != nil {
				return false
			}
			// keys come in order: a leaf is filled before the next one starts
			bk.FillPercent = 0.5
		}
		if it.del {
			err = bk.Delete(it.k)
		} else {
			err = bk.Put(it.k, it.v)
		}
		return err == nil
	})
	if err != nil {
		return err
	}
	return putU64(tx.Bucket(bMeta), metaJournalLSN, m.lsn)
}

// errStopped is what a commit returns after the file was closed.
var errStopped = errors.New("the workspace file is closed")
