package bolt

import (
	"errors"
	"fmt"
	"os"
	"time"

	bolt "go.etcd.io/bbolt"
)

// removeLockWait is how long RemoveFile waits for the file's lock before it refuses: short, as
// a holder is not about to let go (it is a terminal inbox, a serve, or a command mid-way).
const removeLockWait = 500 * time.Millisecond

// RemoveFile deletes the Switchboard database at path and the files in also (the demo's tour
// progress, a stale socket), for `demo --reset`. It first takes the file's lock — the one
// every switchboard process holds while it has the file open — and checks that the file is a
// Switchboard database, and deletes it only while it holds that lock. It refuses, changing
// nothing, a file another process has open (an error wrapping ErrInUse that names the holder's
// pid when the system tells it), a file that is not a Switchboard database (text, another
// program's bbolt file, a damaged file), a folder and a link. A missing file is not an error.
//
// A process that opened the file just before and waits for its lock finds, once it has the
// lock, that the path no longer names its file, and opens the path again (see open): nothing it
// writes is lost with the deleted file.
func RemoveFile(path string, also ...string) error {
	removeAlso := func() error {
		// the file's journal (what a process that did not close it left) goes with it
		for _, p := range append(journalFiles(path), also...) {
			if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
				return fmt.Errorf("cannot delete %s: %v", p, err)
			}
		}
		return nil
	}
	for attempt := 0; ; attempt++ {
		st, err := os.Lstat(path)
		if errors.Is(err, os.ErrNotExist) {
			return removeAlso()
		}
		if err != nil {
			return &OpenError{Path: path, Err: err, Msg: fmt.Sprintf("cannot look at %s: %v", path, err)}
		}
		switch {
		case st.IsDir():
			return &OpenError{Path: path, Msg: fmt.Sprintf("%s is a folder, not a Switchboard database; it was left untouched: point --db at a file", path)}
		case st.Mode()&os.ModeSymlink != 0:
			return &OpenError{Path: path, Msg: fmt.Sprintf("%s is a symbolic link; it was left untouched: point --db at the file itself", path)}
		case !st.Mode().IsRegular():
			return &OpenError{Path: path, Msg: fmt.Sprintf("%s is not a regular file; it was left untouched: point --db at another file", path)}
		}
		if err := probeWritable(path); err != nil {
			return &OpenError{Path: path, Err: ErrReadOnly, Msg: fmt.Sprintf("%s is not writable, so it was left untouched; make it writable (chmod u+w) first", path)}
		}
		b, f, err := openBolt(path, removeLockWait, false)
		if err != nil {
			var oe *OpenError
			switch {
			case errors.Is(err, ErrInUse):
				return &OpenError{Path: path, Err: ErrInUse, Msg: fmt.Sprintf("%s is open in %s; it was left untouched: close it first", path, describeHolder(path))}
			case errors.Is(err, os.ErrPermission):
				return err
			case errors.As(err, &oe) && oe.Err != nil:
				return notOurs(path, oe.Err)
			}
			return err
		}
		if !stillAt(path, f) {
			b.Close() // replaced while we waited for the lock: look again
			if attempt < 10 {
				continue
			}
			return &OpenError{Path: path, Msg: fmt.Sprintf("%s keeps being replaced; it was left untouched: try again", path)}
		}
		if err := isOurs(b); err != nil {
			b.Close()
			return notOurs(path, err)
		}
		// still holding the lock: nobody can have the file open now, nor can a process that
		// would open it start before it is gone (it waits for the lock, then opens the path again)
		if err := removeAlso(); err != nil {
			b.Close()
			return err
		}
		rerr := os.Remove(path)
		b.Close()
		if rerr != nil {
			return &OpenError{Path: path, Err: rerr, Msg: fmt.Sprintf("cannot delete %s: %v", path, rerr)}
		}
		return nil
	}
}

func notOurs(path string, why error) error {
	return &OpenError{Path: path, Err: why, Msg: fmt.Sprintf(
		"%s is not a Switchboard database or is damaged (%v); it was left untouched: only a Switchboard file is deleted, so move it away yourself or point --db at another file", path, why)}
}

// isOurs checks an open file is a Switchboard database (or a bbolt file with nothing in it: an
// empty file bbolt has just set up, which holds nothing to lose).
func isOurs(b *bolt.DB) error {
	return b.View(func(tx *bolt.Tx) error {
		meta := tx.Bucket(bMeta)
		if meta == nil {
			if k, _ := tx.Cursor().First(); k != nil {
				return errors.New("it is a bbolt file of another program")
			}
			return nil
		}
		if string(meta.Get([]byte("magic"))) != magic {
			return errors.New("its meta bucket does not say switchboard")
		}
		return nil
	})
}

// describeHolder names the process that holds the file's lock, as far as the system tells.
func describeHolder(path string) string {
	if pid := LockHolder(path); pid > 0 {
		if name := processName(pid); name != "" {
			return fmt.Sprintf("another process (pid %d, %s)", pid, name)
		}
		return fmt.Sprintf("another process (pid %d)", pid)
	}
	return "another process"
}
