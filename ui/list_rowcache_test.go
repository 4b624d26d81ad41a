package ui

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
)

// TestRowCacheDrawsAChangedRowAnew: a row is drawn once and then taken from the cache while
// nothing it shows changes; a change to what it shows (the preview, unread, the selection, the
// width, the styles) draws it again.
func TestRowCacheDrawsAChangedRowAnew(t *testing.T) {
	h := newHarness(t, newService(t), "alice", Options{}, 140, 45)
	l := &h.m.list
	if len(l.rows) == 0 {
		t.Fatal("no rows loaded")
	}
	c := l.rows[0]
	text := func(lines []string) string { return ansi.Strip(strings.Join(lines, "\n")) }
	first := l.row(&c, 60, false)
	again := l.row(&c, 60, false)
	if &first[0] != &again[0] {
		t.Fatal("the same row was drawn again, not taken from the cache")
	}
	c.Preview = "a preview nobody wrote before"
	if got := text(l.row(&c, 60, false)); !strings.Contains(got, "a preview nobody wrote before") {
		t.Fatalf("a changed preview is not drawn:\n%s", got)
	}
	c.Unread = 0
	read := text(l.row(&c, 60, false))
	c.Unread = 3
	if unread := text(l.row(&c, 60, false)); !strings.Contains(unread, "●") || strings.Contains(read, "●") {
		t.Fatalf("the unread mark does not follow unread:\n%s\n--\n%s", read, unread)
	}
	if narrow := l.row(&c, 30, false); ansi.StringWidth(narrow[1]) > 30 {
		t.Fatalf("a row drawn for 30 columns is %d wide", ansi.StringWidth(narrow[1]))
	}
	plain, sel := l.row(&c, 60, false), l.row(&c, 60, true)
	if plain[0] == sel[0] {
		t.Fatal("the selected row is drawn as the plain one")
	}
	before := l.row(&c, 60, false)
	l.looks++ // the configuration or the styles changed
	if after := l.row(&c, 60, false); &after[0] == &before[0] {
		t.Fatal("after a change of looks the row came from the cache")
	}
}
