package bolt

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"switchboard/inbox/domain"
	"sync"
	"testing"

	bolt "go.etcd.io/bbolt"
)

// newWorkspaceFile creates a Switchboard file with one contact in it.
func newWorkspaceFile(t *testing.T, path string) {
	t.Helper()
	db, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.update(func(tx *Tx) error { return tx.PutContact(Contact{ID: "15550001111", Name: "Dana"}) }); err != nil {
		t.Fatal(err)
	}
	db.Close()
}

// RemoveFile deletes a Switchboard file (and the files beside it it is given) when nobody has
// it open; a missing file is fine.
func TestRemoveFileDeletesOurFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "demo.db")
	newWorkspaceFile(t, path)
	tour := path + ".tour"
	os.WriteFile(tour, []byte("{}"), 0o600)
	if err := RemoveFile(path, tour, path+".sock"); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{path, tour} {
		if _, err := os.Stat(p); !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("%s is still there: %v", p, err)
		}
	}
	if err := RemoveFile(path); err != nil {
		t.Fatalf("a missing file: %v", err)
	}
	empty := filepath.Join(dir, "empty.db") // what Open would make a workspace of
	os.WriteFile(empty, nil, 0o600)
	if err := RemoveFile(empty); err != nil {
		t.Fatalf("an empty file: %v", err)
	}
}

// A file another process has open is not deleted, even when no socket says so: the refusal
// names the file and the holder's pid.
func TestRemoveFileRefusesAFileThatIsOpen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "demo.db")
	newWorkspaceFile(t, path)
	db, err := Open(path) // the lock is per open file, so this process holding it is "another"
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	before, _ := os.ReadFile(path)
	err = RemoveFile(path, path+".tour")
	if !errors.Is(err, ErrInUse) || !strings.Contains(err.Error(), path+" is open in another process") {
		t.Fatalf("removing a file in use: %v", err)
	}
	if runtime.GOOS == "linux" && !strings.Contains(err.Error(), fmt.Sprintf("pid %d", os.Getpid())) {
		t.Fatalf("the refusal does not name the holder: %v", err)
	}
	after, err := os.ReadFile(path)
	if err != nil || !bytes.Equal(before, after) {
		t.Fatalf("the file changed or went: %v", err)
	}
}

// Anything but a Switchboard file is left as it was: text, another program's bbolt file, a
// damaged file, a folder, a link.
func TestRemoveFileRefusesWhatIsNotOurs(t *testing.T) {
	dir := t.TempDir()
	text := filepath.Join(dir, "notes.txt")
	os.WriteFile(text, []byte("my notes, not a database\n"), 0o600)
	foreign := filepath.Join(dir, "foreign.db")
	b, err := bolt.Open(foreign, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	b.Update(func(tx *bolt.Tx) error { _, err := tx.CreateBucket([]byte("theirs")); return err })
	b.Close()
	ours := filepath.Join(dir, "ours.db")
	newWorkspaceFile(t, ours)
	raw, _ := os.ReadFile(ours)
	cut := filepath.Join(dir, "cut.db")
	os.WriteFile(cut, raw[:len(raw)/3], 0o600)
	link := filepath.Join(dir, "link.db")
	os.Symlink(ours, link)
	folder := filepath.Join(dir, "folder")
	os.Mkdir(folder, 0o700)
	for _, c := range []struct{ path, says string }{
		{text, "is not a Switchboard database or is damaged"},
		{foreign, "bbolt file of another program"},
		{cut, "cut short"},
		{link, "is a symbolic link"},
		{folder, "is a folder"},
	} {
		var before []byte
		if c.path != folder {
			before, _ = os.ReadFile(c.path)
		}
		err := RemoveFile(c.path)
		if err == nil || !strings.Contains(err.Error(), c.path) || !strings.Contains(err.Error(), c.says) || !strings.Contains(err.Error(), "left untouched") {
			t.Errorf("RemoveFile(%s): %v", filepath.Base(c.path), err)
			continue
		}
		if c.path == folder {
			continue
		}
		after, err := os.ReadFile(c.path)
		if err != nil || !bytes.Equal(before, after) {
			t.Errorf("%s changed or went: %v", filepath.Base(c.path), err)
		}
	}
	if _, err := os.Stat(ours); err != nil {
		t.Fatalf("the link's target went: %v", err)
	}
}

// A process that opened the file and waits for its lock while the file is deleted (by
// demo --reset) does not write into the deleted file: it opens the path again.
func TestOpenAfterTheFileWasDeletedUnderItOpensThePathAgain(t *testing.T) {
	path := filepath.Join(t.TempDir(), "w.db")
	newWorkspaceFile(t, path)
	holder, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	opened := make(chan struct{})
	var once sync.Once
	testHookOpened = func() { once.Do(func() { close(opened) }) }
	type res struct {
		db  *DB
		err error
	}
	got := make(chan res, 1)
	go func() {
		db, err := Open(path) // opens the old file, then waits for the holder's lock
		got <- res{db, err}
	}()
	<-opened
	// what RemoveFile does: delete while holding the lock, then let go
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	holder.Close()
	r := <-got
	testHookOpened = nil
	if r.err != nil {
		t.Fatal(r.err)
	}
	if err := r.db.update(func(tx *Tx) error { return tx.PutContact(Contact{ID: "15550002222", Name: "Eve"}) }); err != nil {
		t.Fatal(err)
	}
	r.db.Close()
	db, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.view(func(tx *Tx) error {
		if _, ok, _ := tx.Contact("15550002222"); !ok {
			t.Error("what was written after the lock was taken is not in the file at the path (it went to the deleted file)")
		}
		if _, ok, _ := tx.Contact("15550001111"); ok {
			t.Error("the deleted file's contact is in the new file")
		}
		return nil
	})
}

// notWritable makes probeWritable say path is not writable, and chmods it 0400 (which is
// enough on its own when the tests do not run as root; root writes a 0400 file, which is why
// the probe is replaced too).
func notWritable(t *testing.T, path string) {
	t.Helper()
	orig := probeWritable
	probeWritable = func(p string) error {
		if p == path {
			return os.ErrPermission
		}
		return orig(p)
	}
	t.Cleanup(func() { probeWritable = orig; os.Chmod(path, 0o600) })
	if err := os.Chmod(path, 0o400); err != nil {
		t.Fatal(err)
	}
}

// A file that is not writable opens read-only: reads work (two at once: bbolt's shared lock),
// every write fails with ErrReadOnly and a sentence saying what to do, and the file is unchanged.
func TestReadOnlyFileOpensForReading(t *testing.T) {
	path := filepath.Join(t.TempDir(), "w.db")
	newWorkspaceFile(t, path)
	notWritable(t, path)
	before, _ := os.ReadFile(path)
	db, err := Open(path)
	if err != nil {
		t.Fatalf("a read-only file: %v", err)
	}
	defer db.Close()
	if !db.ReadOnly() {
		t.Fatal("not opened read-only")
	}
	second, err := Open(path)
	if err != nil {
		t.Fatalf("a second reader: %v", err)
	}
	second.Close()
	if err := db.view(func(tx *Tx) error {
		if _, ok, err := tx.Contact("15550001111"); !ok || err != nil {
			return fmt.Errorf("contact: %v %v", ok, err)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx domain.Tx) error { return tx.PutContact(Contact{ID: "15550002222"}) })
	if !errors.Is(err, ErrReadOnly) || !strings.Contains(err.Error(), path+" is not writable") || !strings.Contains(err.Error(), "chmod u+w") {
		t.Fatalf("a write: %v", err)
	}
	db.Close()
	after, _ := os.ReadFile(path)
	if !bytes.Equal(before, after) {
		t.Fatal("the read-only file changed")
	}
	// an empty file that is not writable cannot become a workspace
	empty := filepath.Join(t.TempDir(), "empty.db")
	os.WriteFile(empty, nil, 0o600)
	notWritable(t, empty)
	if _, err := Open(empty); err == nil || !strings.Contains(err.Error(), "is empty and not writable") {
		t.Fatalf("an empty read-only file: %v", err)
	}
}

// A read-only file of an older schema is refused (migrating would write), saying what to do.
func TestReadOnlyOldSchemaIsRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "w.db")
	newWorkspaceFile(t, path)
	b, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	b.Update(func(tx *bolt.Tx) error { return putU64(tx.Bucket(bMeta), []byte("schema"), SchemaVersion-1) })
	b.Close()
	notWritable(t, path)
	if _, err := Open(path); err == nil || !strings.Contains(err.Error(), "cannot be upgraded") {
		t.Fatalf("an old read-only file: %v", err)
	}
}
