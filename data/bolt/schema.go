// Package data keeps a Switchboard workspace in one bbolt file: the schema, its indexes, its
// migrations, and import/export of the workspace document. It knows nothing of routing rules
// or permissions: the inbox package decides, data stores. Every write goes through a Tx so a
// command and its index updates commit together.
//
// The schema (bucket tree; keys → values; "be64" is a big-endian uint64):
//
//	meta
//	  "magic"   → "switchboard"
//	  "schema"  → be64 schema version (see migrations)
//	  "seq"     → be64 last id handed out by NextSeq (notifications, history, replies)
//	config
//	  "settings" → JSON Settings (plan, toggles, default team, automation rules)
//	operators    id → JSON Operator
//	teams        id → JSON Team (Pos orders the teams)
//	roundrobin   team id → JSON routing.RoundRobinState
//	history      be64 seq → JSON SettingChange (who flipped what, when)
//	contacts     contact id → JSON Contact (name, owner, tags, WhatsApp identities); an id is the
//	             number or BSUID the contact was first seen with, or "c.<seq>" (see data/identity.go)
//	names        lower(name) 0x00 contact id → nil, "@"+lower(username) 0x00 contact id → nil (search)
//	idents       'p' phone digits → contact id; 'b' BSUID → contact id; 'e' parent BSUID → contact id;
//	             'a' merged contact's id → contact id; 'u' lower(username) 0x00 contact id → nil
//	timeline     contact id 0x00 be64(at, unix ns) be64(seq) → JSON Entry          (time order)
//	             contact id 0x00 0xff → JSON Conversation (status, assignee, team, prompt,
//	                            version, last activity): after its entries, in their leaf page
//	             contact id 0x00 0xfe external id → be64(at) be64(seq) of the entry it stored
//	                            (inbound message, call and call-end ids: a redelivery is a
//	                            duplicate; beside the record, in the leaf an event writes anyway)
//	extids       reply id → timeline key (ids found by the id alone: delivery statuses)
//	idx          one bucket for every conversation index (one B+tree: an event moves one key):
//	  'c' status 0x00 team 0x00 assignee|"-" 0x00 be64(last activity) contact id → nil
//	                 (every list view: a view fixes some of status, team, assignee and merges the
//	                 ranges of the others, newest activity first; see List)
//	  'w' be64(last activity) contact id → nil                 (Waiting for a decision)
//	counts       view key → be64 count (live counts for the view tabs)
//	notes        operator id 0x00 be64 seq → JSON Notification
//	timers       be64(due, unix ns) kind 0x00 contact id 0x00 ref → nil (durable timers: a call
//	             still ringing after the ring timeout is marked missed; see data/timers.go)
//
// contacts, names, timeline, extids and idx also hold an empty nested bucket under the key 0xff
// (the marker; see growing), which keeps the root bucket in one page.
package bolt

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"switchboard/inbox/domain"
	"syscall"
	"time"

	bolt "go.etcd.io/bbolt"
)

const (
	magic = "switchboard"
	// SchemaVersion is the schema this code writes; migrations bring older files up to it.
	SchemaVersion = 4
)

var (
	bMeta       = []byte("meta")
	bConfig     = []byte("config")
	bOperators  = []byte("operators")
	bTeams      = []byte("teams")
	bRoundRobin = []byte("roundrobin")
	bHistory    = []byte("history")
	bContacts   = []byte("contacts")
	bNames      = []byte("names")
	bIdents     = []byte("idents")
	bConvs      = []byte("convs")
	bTimeline   = []byte("timeline")
	bExtIDs     = []byte("extids")
	bIdx        = []byte("idx")
	bCounts     = []byte("counts")
	bNotes      = []byte("notes")
	bTimers     = []byte("timers")
)

// allBuckets are the buckets of the current schema.
var allBuckets = [][]byte{bMeta, bConfig, bOperators, bTeams, bRoundRobin, bHistory, bContacts, bNames,
	bIdents, bTimeline, bExtIDs, bIdx, bCounts, bNotes, bTimers}

// v1Indexes are schema 1's five index buckets, which schema 2 folds into idx:
// idx_activity be64(last) contact; idx_status status 0 be64(last) contact; idx_assignee
// assignee|"-" 0 status 0 be64(last) contact; idx_team team 0 status 0 be64(last) contact;
// idx_waiting be64(last) contact (all → nil).
var v1Indexes = [][]byte{[]byte("idx_activity"), []byte("idx_status"), []byte("idx_assignee"), []byte("idx_team"), []byte("idx_waiting")}

// migrations[i] brings a file from schema version i to i+1. They run in order, in one
// transaction, when a file is opened.
var migrations = []func(tx *bolt.Tx) error{
	// 0 → 1: create every bucket (schema 1 had five index buckets).
	func(tx *bolt.Tx) error {
		for _, b := range [][]byte{bMeta, bConfig, bOperators, bTeams, bRoundRobin, bHistory, bContacts, bNames,
			bConvs, bTimeline, bExtIDs, bCounts, bNotes} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		for _, b := range v1Indexes {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		return nil
	},
	// 1 → 2: one idx bucket instead of idx_activity, idx_status, idx_assignee, idx_team and
	// idx_waiting (an event moved four keys in four B+trees; now one key in one), and each
	// conversation's record moves from convs into the timeline bucket, next to its entries (an
	// event rewrote leaf pages in two B+trees; now mostly one). Counters do not change.
	func(tx *bolt.Tx) error {
		if tx.Bucket(bIdx) != nil {
			if err := tx.DeleteBucket(bIdx); err != nil {
				return err
			}
		}
		idx, err := tx.CreateBucket(bIdx)
		if err != nil {
			return err
		}
		timeline := tx.Bucket(bTimeline)
		err = tx.Bucket(bConvs).ForEach(func(k, v []byte) error {
			var c Conversation
			if err := json.Unmarshal(v, &c); err != nil {
				return fmt.Errorf("damaged conversation %q: %w", k, err)
			}
			if c.Contact != string(k) {
				return fmt.Errorf("damaged conversation %q: it names contact %q", k, c.Contact)
			}
			for _, key := range indexKeys(&c) {
				if err := idx.Put(key, nil); err != nil {
					return err
				}
			}
			return timeline.Put(convKey(c.Contact), v)
		})
		if err != nil {
			return err
		}
		for _, b := range append([][]byte{bConvs}, v1Indexes...) {
			if tx.Bucket(b) != nil {
				if err := tx.DeleteBucket(b); err != nil {
					return err
				}
			}
		}
		return addMarkers(tx)
	},
	// 2 → 3: inbound external ids (messages, calls, call ends) move from extids to their
	// contact's timeline, beside the conversation record (an ingested event wrote two pages of
	// the extids B+tree; now none). extids keeps the ids found by id alone: replies'.
	func(tx *bolt.Tx) error {
		ext, timeline := tx.Bucket(bExtIDs), tx.Bucket(bTimeline)
		// Schema 2 accepted entries dated before 1970; their keys begin with 0x80 or more, among
		// and after the keys schema 3 puts after the entries. Re-date them 1970-01-01 00:00 UTC
		// (their seq keeps their order), which schema 3 accepts, and repoint their ids.
		rekeyed, err := rekeyEarlyEntries(timeline)
		if err != nil {
			return err
		}
		type move struct {
			id, key []byte
			reply   bool
		}
		var moves []move
		err = ext.ForEach(func(id, key []byte) error {
			if key == nil {
				return nil // the marker
			}
			nk, moved := rekeyed[string(key)]
			if moved {
				key = nk
			}
			v := timeline.Get(key)
			if v == nil {
				return nil // dangling (its entry is gone): left alone, it finds nothing
			}
			var e Entry
			if err := json.Unmarshal(v, &e); err != nil {
				return fmt.Errorf("damaged timeline entry %q: %w", key, err)
			}
			if e.Kind != "reply" || moved {
				moves = append(moves, move{append([]byte(nil), id...), append([]byte(nil), key...), e.Kind == "reply"})
			}
			return nil
		})
		if err != nil {
			return err
		}
		for _, m := range moves {
			if m.reply { // a reply id stays in extids, pointing at its re-dated entry
				if err := ext.Put(m.id, m.key); err != nil {
					return err
				}
				continue
			}
			if err := (&Tx{tx: tx}).PutInboundID(refOfKey(m.key).Contact, string(m.id), refOfKey(m.key)); err != nil {
				return err
			}
			if err := ext.Delete(m.id); err != nil {
				return err
			}
		}
		return nil
	},
	// 3 → 4: contacts carry their WhatsApp identities, found through the new idents bucket (and
	// the timers bucket holds durable timers). Until
	// now a contact's id was its number, so every contact gets phone := id; ids stay as they are
	// (scripts, history and every key that names the contact keep working).
	func(tx *bolt.Tx) error {
		for _, b := range [][]byte{bIdents, bTimers} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		contacts := tx.Bucket(bContacts)
		var all []Contact
		err := contacts.ForEach(func(k, v []byte) error {
			if v == nil {
				return nil // the marker
			}
			var c Contact
			if err := json.Unmarshal(v, &c); err != nil {
				return fmt.Errorf("damaged contact %q: %w", k, err)
			}
			if c.ID != string(k) {
				return fmt.Errorf("damaged contact %q: it names id %q", k, c.ID)
			}
			all = append(all, c)
			return nil
		})
		if err != nil {
			return err
		}
		t := &Tx{tx: tx}
		for _, c := range all {
			old := c
			c.Phone = c.ID
			if err := t.putIdents(&old, &c); err != nil {
				return err
			}
			if err := putJSON(contacts, []byte(c.ID), c); err != nil {
				return err
			}
		}
		return addMarkers(tx)
	},
}

// rekeyEarlyEntries moves every timeline entry whose key holds a time before 1970 (top byte
// 0x80 or more) to the same key with time 0, dates it 1970-01-01 00:00 UTC, and returns the
// new key of each old one.
func rekeyEarlyEntries(timeline *bolt.Bucket) (map[string][]byte, error) {
	type move struct{ old, new, val []byte }
	var moves []move
	err := timeline.ForEach(func(k, v []byte) error {
		i := bytes.IndexByte(k, 0)
		if v == nil || i < 0 || len(k) != i+1+16 || k[i+1] < 0x80 {
			return nil // not an entry (a record, the marker), or dated 1970 or later
		}
		nk := append(append(append([]byte(nil), k[:i+1]...), make([]byte, 8)...), k[i+9:]...)
		var e Entry
		if err := json.Unmarshal(v, &e); err != nil {
			return fmt.Errorf("damaged timeline entry %q: %w", k, err)
		}
		e.At = time.Unix(0, 0).UTC() // as the key says: an export of it imports again
		nv, err := json.Marshal(e)
		if err != nil {
			return err
		}
		moves = append(moves, move{append([]byte(nil), k...), nk, nv})
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := make(map[string][]byte, len(moves))
	for _, m := range moves {
		if err := timeline.Delete(m.old); err != nil {
			return nil, err
		}
		if err := timeline.Put(m.new, m.val); err != nil {
			return nil, err
		}
		out[string(m.old)] = m.new
	}
	return out, nil
}

// growing are the buckets that grow with the traffic. Each holds an empty nested bucket under
// the key marker ("\xff", after every record), which keeps it out of line from the start: bbolt
// stores a small bucket without nested buckets inside its parent's page ("inline"), and when a
// new workspace's growing buckets are all small together their contents overflow the page of
// the root, which then splits into two leaves and a branch for good; every commit after that
// rewrites three pages of the root instead of one (measured: two pages of the fourteen an
// ingested event wrote). Code that walks these buckets skips the marker.
var growing = [][]byte{bContacts, bNames, bIdents, bTimeline, bExtIDs, bIdx}

var marker = []byte{0xff}

func addMarkers(tx *bolt.Tx) error {
	for _, name := range growing {
		if b := tx.Bucket(name); b != nil && b.Bucket(marker) == nil {
			if _, err := b.CreateBucket(marker); err != nil {
				return err
			}
		}
	}
	return nil
}

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
	b, err = bolt.Open(path, 0o600, &bolt.Options{Timeout: timeout, ReadOnly: readOnly, OpenFile: func(name string, flag int, mode os.FileMode) (*os.File, error) {
		f, err := os.OpenFile(name, flag, mode)
		file = f
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
func (db *DB) Close() error { return db.bolt.Close() }

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
