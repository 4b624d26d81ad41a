package ui

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/charmbracelet/colorprofile"
)

var update = flag.Bool("update", false, "rewrite the golden screens in testdata")

// plain renders the view through the plain (no colour, no attributes) colour profile, the
// way a terminal without colour support would get it.
func plain(t *testing.T, s string) string {
	t.Helper()
	var b bytes.Buffer
	w := &colorprofile.Writer{Forward: &b, Profile: colorprofile.NoTTY}
	if _, err := w.WriteString(s); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func golden(t *testing.T, name string, h *harness) {
	t.Helper()
	got := plain(t, h.m.View().Content)
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./ui -run Golden -update)", err)
	}
	if got != string(want) {
		t.Fatalf("%s differs from the golden file; run go test ./ui -run Golden -update and review the diff.\ngot:\n%s\nwant:\n%s", name, got, want)
	}
}

func TestGoldenScreens(t *testing.T) {
	h := newHarness(t, newService(t), "alice", Options{}, 120, 30)
	golden(t, "inbox-120x30", h)
	n := newHarness(t, newService(t), "carol", Options{}, 80, 24)
	n.keys("s")
	golden(t, "settings-operator-80x24", n)
	d := newHarness(t, newService(t), "alice", Options{}, 100, 30)
	d.keys("enter", "o")
	for d.picker().items[d.picker().cursor].id != "frank" {
		d.keys("j")
	}
	d.keys("enter")
	golden(t, "mismatch-dialog-100x30", d)
}
