package ui

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	tea "charm.land/bubbletea/v2"
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

// TestGoldenSizes pins the inbox at the sizes people use, with and without the guided tour,
// and checks what must hold at each: the conversation pane keeps a usable width, the tour's
// current step is there in full, the footer keeps help and quit, a toast that does not fit one
// line wraps instead of being cut, and no line is wider than the screen.
func TestGoldenSizes(t *testing.T) {
	long := "✓ Priya Shah: routed to Lena Fischer (Support) — Covered by Lena Fischer — contact owner Sofia Rossi is offline (owner away, no wait); picked Lena Fischer (least recently assigned)"
	for _, size := range [][2]int{{80, 24}, {120, 34}, {200, 50}} {
		for _, withTour := range []bool{false, true} {
			w, hh := size[0], size[1]
			name := fmt.Sprintf("inbox-%dx%d", w, hh)
			opts := Options{}
			if withTour {
				name += "-tour"
				opts = Options{Tour: &fakeTour{}, ShowTour: true}
			}
			t.Run(name, func(t *testing.T) {
				h := newHarness(t, newService(t), "alice", opts, w, hh)
				h.keys("enter") // the first conversation, open
				golden(t, name, h)
				L := h.m.layout()
				if L.conv.w < 40 {
					t.Fatalf("the conversation pane is %d columns wide: %+v", L.conv.w, L)
				}
				scr := h.screen()
				lines := strings.Split(scr, "\n")
				if len(lines) != hh {
					t.Fatalf("%d lines on a screen %d high", len(lines), hh)
				}
				for i, l := range lines {
					if ansi.StringWidth(l) > w {
						t.Fatalf("line %d is %d wide: %q", i, ansi.StringWidth(l), l)
					}
				}
				if foot := strings.TrimSpace(lines[hh-1]); !strings.HasPrefix(foot, "? help") || !strings.HasSuffix(foot, "q quit") {
					t.Fatalf("the footer lost help or quit: %q", foot)
				}
				if withTour && !strings.Contains(strings.Join(strings.Fields(scr), " "), "Press space on the toggle") {
					t.Fatalf("the tour's step is not on the screen:\n%s", scr)
				}
				h.m.setStatus(2, long)
				h.m.frameValid = false
				text := strings.Join(strings.Fields(h.screen()), " ")
				if !strings.Contains(text, strings.Join(strings.Fields(long), " ")) {
					t.Fatalf("the toast is cut:\n%s", h.screen())
				}
				// a ringing call's banner wraps too (two lines)
				call := "☎ Incoming call from Priya Shah (+4915112345001), routed to you — No contact owner (rule 3): round robin in Support picked Alice Ng"
				h.m.banner, h.m.frameValid = call, false
				if text := strings.Join(strings.Fields(h.screen()), " "); !strings.Contains(text, call) {
					t.Fatalf("the banner is cut:\n%s", h.screen())
				}
				if n := len(strings.Split(h.screen(), "\n")); n != hh {
					t.Fatalf("%d lines with the banner on a screen %d high", n, hh)
				}
			})
		}
	}
}

// TestEverySizeKeepsWhatMatters: from 80×24 to 200×50, with and without the tour, the screen
// is exactly the terminal's size, the conversation pane keeps at least 40 columns, the footer
// keeps help and quit, and the tour's current step is on the screen in full.
func TestEverySizeKeepsWhatMatters(t *testing.T) {
	for _, withTour := range []bool{false, true} {
		opts := Options{}
		if withTour {
			opts = Options{Tour: &fakeTour{}, ShowTour: true}
		}
		h := newHarness(t, newService(t), "alice", opts, 120, 34)
		h.keys("enter")
		for w := 80; w <= 200; w += 8 {
			for hh := 24; hh <= 50; hh += 3 {
				h.send(tea.WindowSizeMsg{Width: w, Height: hh})
				scr := h.screen()
				lines := strings.Split(scr, "\n")
				L := h.m.layout()
				switch {
				case len(lines) != hh:
					t.Fatalf("tour %v, %dx%d: %d lines", withTour, w, hh, len(lines))
				case L.conv.w < 40:
					t.Fatalf("tour %v, %dx%d: the conversation is %d wide", withTour, w, hh, L.conv.w)
				case !strings.HasSuffix(strings.TrimSpace(lines[hh-1]), "q quit"):
					t.Fatalf("tour %v, %dx%d: footer %q", withTour, w, hh, lines[hh-1])
				case withTour && !strings.Contains(strings.Join(strings.Fields(scr), " "), "Press space on the toggle"):
					t.Fatalf("tour %v, %dx%d: the step is not shown:\n%s", withTour, w, hh, scr)
				}
				for i, l := range lines {
					if ansi.StringWidth(l) > w {
						t.Fatalf("tour %v, %dx%d: line %d is %d wide", withTour, w, hh, i, ansi.StringWidth(l))
					}
				}
			}
		}
	}
}
