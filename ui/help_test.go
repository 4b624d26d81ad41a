package ui

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
)

// helpColumnsOnScreen is the help page drawn h high (all of it when h is large), cut into its
// columns: each column's lines, without the box.
func helpColumnsOnScreen(h *harness, w, height int) [][]string {
	h.t.Helper()
	d := h.m.help
	d.top = 0
	rows := strings.Split(ansi.Strip(d.view(w, height)), "\n")
	colW, cols := 39, max(1, (w-2)/39)
	if cols == 1 {
		colW = w - 2
	}
	out := make([][]string, cols)
	for _, r := range rows[3 : len(rows)-1] { // below "Keys" and its blank line, above the border
		if strings.Contains(r, "Mouse:") {
			break
		}
		for c := range cols {
			out[c] = append(out[c], strings.TrimRight(ansi.Cut(r, 1+c*colW, 1+(c+1)*colW), " "))
		}
	}
	return out
}

// The help page never parts a key from its ✗ reason across columns, and a column that goes on
// with a section starts with its title again; the Mouse line is wrapped, so that it reads in
// full at 80 columns.
func TestHelpKeepsEntriesWholeAndWrapsTheMouseLine(t *testing.T) {
	h := demoHarness(t, 120, 34)
	h.keys("?")
	titles := map[string]bool{}
	for _, g := range h.m.keys.groups() {
		titles[g.title] = true
		titles[g.title+" (continued)"] = true
	}
	for c, col := range helpColumnsOnScreen(h, 120, 200) {
		first := ""
		for _, l := range col {
			if l != "" {
				first = l
				break
			}
		}
		if !titles[first] {
			t.Fatalf("column %d of the help at 120 columns starts with %q, not a section's title:\n%s", c+1, first, strings.Join(col, "\n"))
		}
		for i, l := range col {
			if strings.HasPrefix(strings.TrimSpace(l), "✗") && (i == 0 || col[i-1] == "" || titles[col[i-1]]) {
				t.Fatalf("column %d: the reason %q is not under its key:\n%s", c+1, l, strings.Join(col, "\n"))
			}
		}
	}
	// what the tester saw: R's reason right under R, in the same column
	found := false
	for _, col := range helpColumnsOnScreen(h, 120, 200) {
		for i, l := range col {
			if strings.HasPrefix(l, "R         send a failed reply again") {
				found = i+1 < len(col) && strings.Contains(col[i+1], "✗ no failed or unsent reply")
			}
		}
	}
	if !found {
		t.Fatal("R's reason is not right under R in the help")
	}

	n := newHarness(t, newService(t), "alice", Options{}, 80, 24)
	n.keys("?")
	var text []string
	for _, l := range strings.Split(n.screen(), "\n") {
		text = append(text, strings.TrimSpace(strings.Trim(strings.TrimSpace(l), "│")))
	}
	mouse := "Mouse: click a view, a conversation or the 🔔 count; in Settings click a row to choose it and click it again to change it; the wheel scrolls."
	if !strings.Contains(strings.Join(text, " "), mouse) {
		t.Fatalf("the Mouse line cannot be read in full at 80 columns:\n%s", n.screen())
	}
}

// With the tour below the panes (80×24), the help page gets the rows: the tour keeps its progress
// and the current step's title while the help is open, and all of it again when the help closes.
func TestHelpOverTheTourStripGetsTheRows(t *testing.T) {
	h := newHarness(t, newService(t), "alice", Options{Tour: &fakeTour{}, ShowTour: true}, 80, 24)
	strip := h.m.layout().tr.h
	h.keys("?")
	L := h.m.layout()
	if !L.tourBelow || L.tr.h != 4 {
		t.Fatalf("with the help open the tour strip is %d rows (below: %v), want 4", L.tr.h, L.tourBelow)
	}
	scr := h.screen()
	for _, want := range []string{"Guided tour", "g/home", "shift+tab"} {
		if !strings.Contains(scr, want) {
			t.Fatalf("%q is not on the screen with the help open:\n%s", want, scr)
		}
	}
	h.keys("esc")
	if got := h.m.layout().tr.h; got != strip {
		t.Fatalf("after the help closed the strip is %d rows, want %d", got, strip)
	}
}
