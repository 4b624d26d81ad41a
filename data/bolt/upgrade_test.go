package bolt

import (
	"os"
	"path/filepath"
	"testing"
)

// Opening a file of an older schema says so once, before it migrates; a new file and a file
// already upgraded say nothing.
func TestOpeningAnOldFileSaysItUpgrades(t *testing.T) {
	type told struct {
		path     string
		from, to int
	}
	var heard []told
	OnUpgrade = func(path string, from, to int) { heard = append(heard, told{path, from, to}) }
	t.Cleanup(func() { OnUpgrade = nil })
	raw, err := os.ReadFile("testdata/schema4.bbolt")
	if err != nil {
		t.Fatal(err)
	}
	old := filepath.Join(t.TempDir(), "old.db")
	if err := os.WriteFile(old, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ {
		db, err := Open(old)
		if err != nil {
			t.Fatal(err)
		}
		db.Close()
	}
	db, err := Open(filepath.Join(t.TempDir(), "new.db"))
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	if len(heard) != 1 || heard[0] != (told{old, 4, SchemaVersion}) {
		t.Fatalf("told %+v, want once: %s from 4 to %d", heard, old, SchemaVersion)
	}
}
