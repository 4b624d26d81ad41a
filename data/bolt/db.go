package bolt

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
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
}

// ErrInUse is returned by Open when another process holds the file.
var ErrInUse = errors.New("database in use")

// ErrReadOnly is what a write to a file opened read-only returns (wrapped): domain.ErrReadOnly.
var ErrReadOnly = domain.ErrReadOnly

// ReadOnlyMessage says that the file at path was opened read-only and what to do.
func ReadOnlyMessage(path string) string {
	return fmt.Sprintf("%s is not writable, so it was opened read-only: nothing was changed; to change the workspace, make the file writable (chmod u+w) or import an export of it into another file", path)
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
		if readOnly {
			err = db.checkReadOnly()
		} else {
			err = db.migrate()
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
				Msg: fmt.Sprintf("%s is in use by another switchboard process (is the TUI or `switchboard serve` running?)", path)}
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

func (db *DB) migrate() error {
	return db.bolt.Update(func(tx *bolt.Tx) error {
		meta := tx.Bucket(bMeta)
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
		v := getU64(meta, []byte("schema"))
		if v > SchemaVersion {
			return &OpenError{Path: db.path, Msg: fmt.Sprintf("%s was written by a newer Switchboard (schema %d, this one knows %d); upgrade switchboard", db.path, v, SchemaVersion)}
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

// Close closes the file.
func (db *DB) Close() error {
	if !db.readOnly {
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

// Update runs fn in one read-write transaction, committed (and fsynced) when fn returns nil.
// On a file opened read-only it returns an error wrapping domain.ErrReadOnly and runs nothing.
func (db *DB) Update(fn func(domain.Tx) error) error {
	if db.readOnly {
		return &OpenError{Path: db.path, Err: ErrReadOnly, Msg: ReadOnlyMessage(db.path)}
	}
	return db.bolt.Update(func(tx *bolt.Tx) error { return fn(&Tx{tx: tx}) })
}

// View runs fn in a read-only transaction.
func (db *DB) View(fn func(domain.ReadTx) error) error {
	return db.bolt.View(func(tx *bolt.Tx) error { return fn(&Tx{tx: tx}) })
}

// update and view run fn on this engine's own Tx (its tests and migrations).
func (db *DB) update(fn func(*Tx) error) error {
	return db.bolt.Update(func(tx *bolt.Tx) error { return fn(&Tx{tx: tx}) })
}

func (db *DB) view(fn func(*Tx) error) error {
	return db.bolt.View(func(tx *bolt.Tx) error { return fn(&Tx{tx: tx}) })
}

// Bolt exposes the underlying bbolt handle, for benchmarks that measure bbolt itself.
func (db *DB) Bolt() *bolt.DB { return db.bolt }

func putU64(b *bolt.Bucket, k []byte, v uint64) error {
	var buf [8]byte
	binary.BigEndian.PutUint64(buf[:], v)
	return b.Put(k, buf[:])
}

func getU64(b *bolt.Bucket, k []byte) uint64 {
	v := b.Get(k)
	if len(v) != 8 {
		return 0
	}
	return binary.BigEndian.Uint64(v)
}
