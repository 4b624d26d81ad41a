package cli

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"switchboard/data"
	"switchboard/demo"
)

// demo --reset deletes the demo file and its tour progress, so the tour starts over too.
// It runs on the real engine (the bbolt file), wired as main wires it: what --reset promises
// is about the file.
func TestDemoResetDeletesTourProgress(t *testing.T) {
	db := filepath.Join(t.TempDir(), "demo.db")
	st, err := data.Open(db) // --reset deletes only a Switchboard file
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	if err := os.WriteFile(demo.StatePath(db), []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	a := &app{db: db, wiring: Wiring{RemoveFile: data.Remove, InUse: func(err error) bool { return errors.Is(err, data.ErrInUse) }}}
	if err := a.resetDemo(); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{db, demo.StatePath(db)} {
		if _, err := os.Stat(p); !os.IsNotExist(err) {
			t.Fatalf("%s is still there after --reset (%v)", p, err)
		}
	}
}
