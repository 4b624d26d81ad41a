package bolt

import (
	"bytes"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	bolt "go.etcd.io/bbolt"

	"switchboard/inbox/domain"
)

// DB is an open Switchboard database file.
type DB struct {
	bolt     *bolt.DB
	path     string
	readOnly bool // opened for reading: the file is not writable

	// the overlay (overlay.go): every acknowledged commit the file does not hold yet
	mem atomic.Pointer[memtable]
	// writeMu orders the writers: one transaction at a time appends to the journal and
	// publishes its memtable
	writeMu sync.Mutex
	j       *journal // nil when read-only or closed
	// failed: a journal write or sync failed; no commit is taken after it
	failed error

	cpMu                     sync.Mutex // one checkpoint at a time
	cpKick, cpStop, cpDone   chan struct{}
	cpCount, cpPages, cpTime atomic.Int64
	lastCommit               atomic.Int64 // unix ns of the last commit
	closing                  bool         // Close has begun: no commit is taken (under writeMu)
	// pausing checkpoints between slices (benchmarks): cpPaused under cpPause, cpResume on it;
	// cpSlice is held while a slice is written
	cpPause  sync.Mutex
	cpResume *sync.Cond
	cpPaused bool
	cpSlice  sync.Mutex
}

// ErrInUse is returned by Open when another process holds the file.
var ErrInUse = errors.New("database in use")

// ErrReadOnly is what a write to a file opened read-only returns (wrapped): domain.ErrReadOnly.
var ErrReadOnly = domain.ErrReadOnly

// ReadOnlyMessage says that the file at path was opened read-only and what to do.
func ReadOnlyMessage(path string) string {
	fix := "make the file writable (chmod u+w)"
	if st, err := os.Stat(path); err == nil {
		if sys, ok := st.Sys().(*syscall.Stat_t); ok && int(sys.Uid) != os.Geteuid() {
			// only its owner (or root) may chmod it
			fix = fmt.Sprintf("run switchboard as the file's owner (uid %d), or ask them to make it writable for you", sys.Uid)
			if u, err := user.LookupId(strconv.Itoa(int(sys.Uid))); err == nil {
				fix = fmt.Sprintf("run switchboard as the file's owner (%s), or ask them to make it writable for you", u.Username)
			}
		}
	}
	return fmt.Sprintf("%s is not writable, so it was opened read-only: nothing was changed; to change the workspace, %s, or import an export of it into another file", path, fix)
}

// OpenError is an error opening a database file; it names the file and what to do.
type OpenError struct {
	Path string
	Msg  string
	Err  error
}

func (e *OpenError) Error() string { return e.Msg }
func (e *OpenError) Unwrap() error { return e.Err }

// Open opens (creating if needed) the database at path. It gives up within two seconds if
// another process holds the file, and refuses a file that is not a Switchboard database or is
// damaged, without changing it.
func Open(path string) (db *DB, err error) {
	return open(path, 2*time.Second)
}

func open(path string, timeout time.Duration) (db *DB, err error) {
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, &OpenError{Path: path, Err: err, Msg: fmt.Sprintf("cannot create the folder for %s: %v", path, err)}
		}
	}
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		return nil, &OpenError{Path: path, Msg: fmt.Sprintf("%s is a folder, not a Switchboard database; pass a file path with --db", path)}
	}
	// A file this process may not write is opened for reading (bbolt's shared lock): list,
	// show and export work, and every write is refused with ErrReadOnly.
	readOnly := false
	if st, err := os.Stat(path); err == nil {
		if werr := probeWritable(path); werr != nil {
			if st.Size() == 0 {
				return nil, &OpenError{Path: path, Err: werr, Msg: fmt.Sprintf("%s is empty and not writable, so no workspace can be created in it: make it writable (chmod u+w) or point --db at another file", path)}
			}
			readOnly = true
		}
	}
	for attempt := 0; ; attempt++ {
		b, f, err := openBolt(path, timeout, readOnly)
		if err != nil {
			return nil, err
		}
		// The lock is on the file we opened. If the path was deleted or replaced while we waited
		// for it (demo --reset, a restore), that file is no longer the workspace: what we wrote
		// would be lost with it. Open the path again.
		if !stillAt(path, f) && attempt < 10 {
			b.Close()
			continue
		}
		db = &DB{bolt: b, path: path, readOnly: readOnly}
		db.cpResume = sync.NewCond(&db.cpPause)
		if readOnly {
			err = db.checkReadOnly()
			if err == nil {
				err = db.loadJournal()
			}
		} else {
			// what the journal holds goes into the file before anything else (a migration
			// works on the file as the journal's commits left it)
			err = db.replayJournal()
			if err == nil {
				err = db.migrate()
			}
			if err == nil {
				err = db.startJournal()
			}
		}
		if err != nil {
			b.Close()
			return nil, err
		}
		return db, nil
	}
}

// probeWritable says whether this process may write the file: nil when it may. A variable so
// tests can stand for a file that is not writable even as root (root writes a 0400 file).
var probeWritable = func(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		if errors.Is(err, os.ErrPermission) || errors.Is(err, syscall.EROFS) {
			return err
		}
		return nil // missing, or another trouble: bbolt reports it
	}
	return f.Close()
}

// stillAt says whether f is still the file at path.
func stillAt(path string, f *os.File) bool {
	if f == nil {
		return true
	}
	a, err := os.Stat(path)
	if err != nil {
		return false
	}
	b, err := f.Stat()
	return err == nil && os.SameFile(a, b)
}

// testHookOpened, when set, runs after bbolt opened the file and before it takes the lock.
var testHookOpened func()

// openBolt opens the file with bbolt (taking its lock: exclusive, or shared when readOnly),
// refusing a file cut short before bbolt maps it and turning bbolt's panics and faults on a
// damaged file into an *OpenError. It returns the file bbolt opened.
func openBolt(path string, timeout time.Duration, readOnly bool) (b *bolt.DB, file *os.File, err error) {
	if err := checkFile(path); err != nil {
		return nil, nil, damaged(path, err)
	}
	// A damaged file can make bbolt panic, or fault reading its memory map (made a panic here
	// rather than a crash); the file must not stay open (and locked) after that.
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			err = damaged(path, fmt.Errorf("%v", r))
			if b != nil {
				func() { defer func() { recover() }(); b.Close() }()
			} else if file != nil {
				file.Close()
			}
			b, file = nil, nil
		}
	}()
	// NoFreelistSync (writable files): a commit does not write bbolt's freelist. The freelist is
	// derived data (the pages no tree reaches); written on every commit it was, in a workspace
	// of 100,000 conversations with 16,000 free pages, a 125 KB write per commit — more than the
	// 14 pages an event changes (issue 17, docs/store.md). Every page an event changes and the
	// meta page are still written and fsynced before the command returns; only the freelist is
	// left out. Close writes it once (see Close), so the next open reads it; after a crash the
	// next writable open rebuilds it by walking the file (measured in docs/store.md), and a
	// read-only open never needs it.
	b, err = bolt.Open(path, 0o600, &bolt.Options{Timeout: timeout, ReadOnly: readOnly, NoFreelistSync: !readOnly, OpenFile: func(name string, flag int, mode os.FileMode) (*os.File, error) {
		f, err := os.OpenFile(name, flag, mode)
		file = f
		if err == nil && !readOnly && lockNow(f) {
			// we hold the file's lock (bbolt takes it again on the same file, at once), and bbolt
			// loads the freelist next: a file whose freelist was not saved is read in order first.
			// (A file another process has open always reads as unsaved: not warmed, not locked.)
			warmUnsavedFreelist(name)
		}
		if err == nil && testHookOpened != nil {
			testHookOpened()
		}
		return f, err
	}})
	if err != nil {
		if errors.Is(err, bolt.ErrTimeout) {
			return nil, nil, &OpenError{Path: path, Err: ErrInUse,
				Msg: fmt.Sprintf("%s is in use by %s, which did not let it go within %s: a switchboard command at work ends by itself (try again in a moment); a terminal inbox or `switchboard serve` holds it until it stops", path, describeHolder(path), timeout)}
		}
		if errors.Is(err, os.ErrPermission) {
			return nil, nil, &OpenError{Path: path, Err: err, Msg: fmt.Sprintf("cannot open %s: permission denied; check the file's owner and mode", path)}
		}
		return nil, nil, damaged(path, err)
	}
	return b, file, nil
}

func damaged(path string, err error) error {
	return &OpenError{Path: path, Err: err, Msg: fmt.Sprintf(
		"%s is not a Switchboard database or is damaged (%v); it was left untouched: point --db at another file, or restore it from an export", path, err)}
}

// OnUpgrade, when set, is told before an existing workspace file is migrated from schema from
// to schema to (once per file; a large one takes seconds): main prints it, so a command that
// opens an old file says why it takes longer than usual.
var OnUpgrade func(path string, from, to int)

func (db *DB) migrate() error {
	return db.bolt.Update(func(tx *bolt.Tx) error {
		meta := tx.Bucket(bMeta)
		fresh := meta == nil // a new workspace: made, not upgraded
		if meta == nil {
			if k, _ := tx.Cursor().First(); k != nil {
				return &OpenError{Path: db.path, Msg: fmt.Sprintf("%s is a bbolt file but not a Switchboard database; it was left untouched: point --db at another file", db.path)}
			}
			if err := migrations[0](tx); err != nil {
				return err
			}
			meta = tx.Bucket(bMeta)
			if err := meta.Put([]byte("magic"), []byte(magic)); err != nil {
				return err
			}
			if err := putU64(meta, []byte("schema"), 1); err != nil {
				return err
			}
			// a new workspace starts on Business with routing off, until an admin sets it up
			if err := (&Tx{tx: tx}).PutSettings(Settings{Plan: "business", Rules: []Rule{}}); err != nil {
				return err
			}
		}
		if string(meta.Get([]byte("magic"))) != magic {
			return &OpenError{Path: db.path, Msg: fmt.Sprintf("%s is not a Switchboard database; it was left untouched: point --db at another file", db.path)}
		}
		if meta.Get(metaJournalID) == nil {
			id := make([]byte, 16)
			if _, err := rand.Read(id); err != nil {
				return err
			}
			if err := meta.Put(metaJournalID, id); err != nil {
				return err
			}
		}
		v := getU64(meta, []byte("schema"))
		if v > SchemaVersion {
			return &OpenError{Path: db.path, Msg: fmt.Sprintf("%s was written by a newer Switchboard (schema %d, this one knows %d); upgrade switchboard", db.path, v, SchemaVersion)}
		}
		if !fresh && v < SchemaVersion && OnUpgrade != nil {
			OnUpgrade(db.path, int(v), SchemaVersion) // an existing workspace: worth saying
		}
		for ; v < SchemaVersion; v++ {
			if err := migrations[v](tx); err != nil {
				return fmt.Errorf("migrating %s to schema %d: %w", db.path, v+1, err)
			}
		}
		return putU64(meta, []byte("schema"), SchemaVersion)
	})
}

// checkReadOnly checks a file opened read-only the way migrate would, without writing: it must
// hold a Switchboard workspace of this schema (an older one needs a write to migrate).
func (db *DB) checkReadOnly() error {
	return db.bolt.View(func(tx *bolt.Tx) error {
		meta := tx.Bucket(bMeta)
		if meta == nil {
			if k, _ := tx.Cursor().First(); k != nil {
				return &OpenError{Path: db.path, Msg: fmt.Sprintf("%s is a bbolt file but not a Switchboard database; it was left untouched: point --db at another file", db.path)}
			}
			return &OpenError{Path: db.path, Msg: fmt.Sprintf("%s holds no workspace yet and is not writable, so none can be created in it: make it writable (chmod u+w) or point --db at another file", db.path)}
		}
		if string(meta.Get([]byte("magic"))) != magic {
			return &OpenError{Path: db.path, Msg: fmt.Sprintf("%s is not a Switchboard database; it was left untouched: point --db at another file", db.path)}
		}
		switch v := getU64(meta, []byte("schema")); {
		case v > SchemaVersion:
			return &OpenError{Path: db.path, Msg: fmt.Sprintf("%s was written by a newer Switchboard (schema %d, this one knows %d); upgrade switchboard", db.path, v, SchemaVersion)}
		case v < SchemaVersion:
			return &OpenError{Path: db.path, Err: ErrReadOnly, Msg: fmt.Sprintf(
				"%s holds schema %d and is not writable, so it cannot be upgraded to schema %d: make it writable (chmod u+w) once, or open it with the Switchboard that wrote it", db.path, v, SchemaVersion)}
		}
		return nil
	})
}

// Path returns the file's path.
func (db *DB) Path() string { return db.path }

// Close writes what the journal holds into the file, deletes the journal and closes the file.
// A failure to write leaves the journal for the next open, which replays it.
func (db *DB) Close() error {
	if !db.readOnly && db.cpStop != nil {
		// no commit is taken from here on: one acknowledged after the last checkpoint's
		// snapshot would be only in the journal this deletes
		db.writeMu.Lock()
		db.closing = true
		db.writeMu.Unlock()
		db.ResumeCheckpoints()
		close(db.cpStop)
		<-db.cpDone
		err := db.checkpoint()
		db.writeMu.Lock()
		if db.j != nil {
			db.j.close()
			db.j = nil
		}
		empty := db.mem.Load().empty()
		db.writeMu.Unlock()
		if err == nil && empty {
			for _, p := range journalFiles(db.path) {
				os.Remove(p)
			}
		}
		// save the freelist (commits leave it out, see openBolt) so that the next open need not
		// walk the file to find the free pages; an error here loses nothing (it is rebuilt)
		db.bolt.NoFreelistSync = false
		_ = db.bolt.Update(func(*bolt.Tx) error { return nil })
	}
	return db.bolt.Close()
}

// ReadOnly says whether the file was opened for reading only (it is not writable).
func (db *DB) ReadOnly() bool { return db.readOnly }

// Where names the workspace for messages: the file's path.
func (db *DB) Where() string { return db.path }

// Update runs fn in one read-write transaction, committed when fn returns nil: its writes are
// in the journal, fsynced, and visible to every transaction that begins after it, before Update
// returns. On a file opened read-only it returns an error wrapping domain.ErrReadOnly and runs
// nothing.
func (db *DB) Update(fn func(domain.Tx) error) error {
	if db.readOnly {
		return &OpenError{Path: db.path, Err: ErrReadOnly, Msg: ReadOnlyMessage(db.path)}
	}
	return db.commit(func(t *Tx) error { return fn(t) })
}

// View runs fn in a read-only transaction.
func (db *DB) View(fn func(domain.ReadTx) error) error {
	return db.read(func(t *Tx) error { return fn(t) })
}

// update and view run fn on this engine's own Tx (its tests).
func (db *DB) update(fn func(*Tx) error) error {
	if db.readOnly {
		return &OpenError{Path: db.path, Err: ErrReadOnly, Msg: ReadOnlyMessage(db.path)}
	}
	return db.commit(fn)
}

func (db *DB) view(fn func(*Tx) error) error { return db.read(fn) }

func (db *DB) read(fn func(*Tx) error) error {
	for attempt := 0; ; attempt++ {
		// The overlay first, then the file: a checkpoint drops from the overlay only what the
		// file already holds, so the pair never misses a commit. But the file may be ahead: a
		// commit published and checkpointed between the two steps is in the file and not in
		// this overlay, while older values of its keys may be — half of it would show. A
		// checkpoint's every slice records its snapshot's commit (meta checkpoint-lsn); a pair
		// whose file is ahead of its overlay is taken again (the newer overlay is published).
		m := db.mem.Load()
		btx, err := db.bolt.Begin(false)
		if err != nil {
			return err
		}
		if fileAhead(btx, m) {
			btx.Rollback()
			if attempt == 1000 { // the overlay that catches up is published before the file moves
				return fmt.Errorf("reading %s: its file holds commits its journal does not (a bug): restart switchboard", db.path)
			}
			continue
		}
		return func() error {
			defer btx.Rollback()
			return fn(&Tx{tx: btx, mem: m})
		}()
	}
}

// fileAhead says whether the file holds a checkpoint of commits after the overlay's last one.
func fileAhead(btx *bolt.Tx, m *memtable) bool {
	meta := btx.Bucket(bMeta)
	return meta != nil && getU64(meta, metaCheckpointLSN) > m.lsn
}

func (db *DB) commit(fn func(*Tx) error) error {
	if m := db.mem.Load(); m != nil && m.size >= stallAt {
		// the checkpoints are behind: this commit waits for one (it writes to the disk what
		// the overlay holds, so memory stays bounded)
		if err := db.checkpoint(); err != nil {
			return err
		}
	}
	db.writeMu.Lock()
	defer db.writeMu.Unlock()
	if db.failed != nil {
		return db.failed
	}
	if db.closing || db.cpStop == nil {
		return errStopped
	}
	base := db.mem.Load()
	w := base.clone()
	w.lsn = base.lsn + 1
	btx, err := db.bolt.Begin(false)
	if err != nil {
		return err
	}
	defer btx.Rollback()
	t := &Tx{tx: btx, mem: w, writable: true}
	if err := fn(t); err != nil {
		return err
	}
	if len(t.ops) == 0 {
		return nil
	}
	if db.j == nil {
		if err := db.openJournal(); err != nil {
			return err
		}
	}
	if err := db.j.append(w.lsn, t.ops); err != nil {
		// After a failed write or fdatasync the journal's state on the disk is not known: no
		// commit is taken after it (the ones before it are durable). This change's record may be
		// on the disk or not (a write cut short, an fsync that failed after the data went out):
		// its caller is told so (domain.ErrUnknownOutcome: the inbox never runs it again), and
		// the next open replays what the journal holds.
		db.failed = &OpenError{Path: db.path, Err: err, Msg: fmt.Sprintf(
			"the journal of %s cannot be written (%v): every change is refused until switchboard is restarted, nothing acknowledged is lost; free some disk space or fix the disk, then restart it", db.path, err)}
		return &OpenError{Path: db.path, Err: fmt.Errorf("%w: %w", domain.ErrUnknownOutcome, err), Msg: fmt.Sprintf(
			"writing its journal failed (%v), and every later change is refused until switchboard is restarted (free some disk space or fix the disk first)", err)}
	}
	db.mem.Store(w)
	db.lastCommit.Store(time.Now().UnixNano())
	if w.size >= checkpointAt.Load() {
		db.kickCheckpoint()
	}
	return nil
}

// Bolt exposes the underlying bbolt handle, for benchmarks and tests that look at the file
// itself: it first checkpoints, so the file holds every commit made so far.
func (db *DB) Bolt() *bolt.DB {
	db.Checkpoint()
	return db.bolt
}

// replayJournal writes into the file what journal segments left by a process that did not
// close the file hold (a crash, a kill), and deletes them.
func (db *DB) replayJournal() error {
	for _, p := range journalFiles(db.path) {
		if strings.HasSuffix(p, ".tmp") || strings.HasSuffix(p, ".new") {
			os.Remove(p) // a segment or spare being laid down when the process died
		}
	}
	segs, err := listSegments(db.path)
	if err != nil || len(segs) == 0 {
		return err
	}
	newer := false
	db.bolt.View(func(tx *bolt.Tx) error {
		if meta := tx.Bucket(bMeta); meta != nil {
			newer = getU64(meta, []byte("schema")) > SchemaVersion
		}
		return nil
	})
	if newer {
		return nil // a newer Switchboard's file and journal: migrate refuses it, both untouched
	}
	m, err := db.readJournal(segs)
	if err != nil {
		return err
	}
	if !m.empty() {
		if err := db.bolt.Update(func(tx *bolt.Tx) error { return foldInto(tx, m) }); err != nil {
			return &OpenError{Path: db.path, Err: err, Msg: fmt.Sprintf("cannot write the journal of %s into it (%v); nothing was lost: free some disk space and open it again", db.path, err)}
		}
	}
	for _, s := range segs {
		os.Remove(s.path)
	}
	return nil
}

// loadJournal reads, for a read-only file, what its journal holds into the overlay.
func (db *DB) loadJournal() error {
	segs, err := listSegments(db.path)
	if err != nil {
		return err
	}
	m, err := db.readJournal(segs)
	if err != nil {
		return err
	}
	db.mem.Store(m)
	return nil
}

// readJournal reads segments into a memtable: the commits after the one the file holds.
func (db *DB) readJournal(segs []segment) (*memtable, error) {
	id, folded, checkpointed := db.journalMeta()

	m := newMemtable(folded)
	next := folded + 1
	for _, s := range segs {
		start, _, err := readSegment(s, id, func(lsn uint64, p []byte) error {
			if lsn <= folded {
				return nil // the file holds it
			}
			if lsn != next {
				return fmt.Errorf("commit %d is missing before %s", next, s.path)
			}
			next++
			return applyOps(m, lsn, p)
		})
		if err == nil && start > next {
			// a segment lost before it, or its own first record damaged
			err = fmt.Errorf("%s starts at commit %d, and commit %d is not before it", s.path, start, next)
		}
		switch {
		case errors.Is(err, errForeignJournal) || (err == nil && id == nil):
			return nil, &OpenError{Path: db.path, Err: errForeignJournal, Msg: fmt.Sprintf(
				"%s is the journal of another workspace file, not of %s; both were left untouched: move %s away if %s is the file you meant, or put back the file it belongs to",
				s.path, db.path, s.path, db.path)}
		case err != nil:
			return nil, &OpenError{Path: db.path, Err: err, Msg: fmt.Sprintf(
				"the journal of %s is damaged (%v); it was left untouched: restore the workspace from an export, or move the files %s.wal.* away to open the file as its last checkpoint left it",
				db.path, err, db.path)}
		}
	}
	// the overlay is at least as new as any checkpoint slice in the file (see read): the
	// journal holds those commits too, unless its files were moved away
	m.lsn = max(m.lsn, checkpointed)
	return m, nil
}

// startJournal readies a writable file for commits: the overlay and the checkpointer. The
// journal's first segment is made by the first commit (openJournal), so a command that only
// reads writes no segment.
func (db *DB) startJournal() error {
	_, folded, checkpointed := db.journalMeta()
	db.mem.Store(newMemtable(max(folded, checkpointed)))
	db.cpKick, db.cpStop, db.cpDone = make(chan struct{}, 1), make(chan struct{}), make(chan struct{})
	go db.checkpointer()
	return nil
}

// journalMeta reads the file's journal id, the commit its journal is folded up to (meta
// journal-lsn) and the commit of its last checkpoint slice (checkpoint-lsn).
func (db *DB) journalMeta() (id []byte, folded, checkpointed uint64) {
	db.bolt.View(func(tx *bolt.Tx) error {
		if meta := tx.Bucket(bMeta); meta != nil {
			id = bytes.Clone(meta.Get(metaJournalID))
			folded, checkpointed = getU64(meta, metaJournalLSN), getU64(meta, metaCheckpointLSN)
		}
		return nil
	})
	return id, folded, checkpointed
}

// openJournal makes the journal's first segment (under writeMu, at the first commit).
func (db *DB) openJournal() error {
	id, _, _ := db.journalMeta()
	j, err := newJournal(db.path, id, 0, db.mem.Load().lsn+1)
	if err != nil {
		return &OpenError{Path: db.path, Err: err, Msg: fmt.Sprintf("cannot start the journal of %s beside it (%v), so nothing was changed: make its folder writable, or free some disk space", db.path, err)}
	}
	db.j = j
	return nil
}

func putU64(b kv, k []byte, v uint64) error {
	var buf [8]byte
	binary.BigEndian.PutUint64(buf[:], v)
	return b.Put(k, buf[:])
}

func getU64(b kv, k []byte) uint64 {
	v := b.Get(k)
	if len(v) != 8 {
		return 0
	}
	return binary.BigEndian.Uint64(v)
}
