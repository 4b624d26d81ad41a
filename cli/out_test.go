package cli

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
)

type nameOf string

func TestTextOutMakesEveryTextArgumentSafe(t *testing.T) {
	var b bytes.Buffer
	o := newTextOut(&b)
	o.Printf("%s|%v|%q|%s|%d|%v|%-5s|%s\n", "a\x1bb", errors.New("e\x07"), nameOf("n\x1b"), fmt.Stringer(stringer{}), 42,
		struct{ S string }{"s\x1b[2J"}, "x\ny", []byte("b\x9b"))
	want := "a␛b|e␇|\"n\\x1b\"|t␛]0;x␇|42|{s␛[2J}|x y  |b\\x9b\n"
	if b.String() != want {
		t.Fatalf("got  %q\nwant %q", b.String(), want)
	}
}

type stringer struct{}

func (stringer) String() string { return "t\x1b]0;x\x07" }

func TestTableAlignsByCellsAndKeepsTheFirstWidths(t *testing.T) {
	var b bytes.Buffer
	tw := newTextOut(&b).Table("> ", 2, 0, 6)
	tw.Row("A", "NAME", "X")
	tw.Row("1", "😀😀", "x")
	tw.Row("2", "Eve\nEvil\x1b[31m", "y")
	tw.Flush()
	tw.Row("3", "日本", "z")
	tw.Row("4", "Bob", "w")
	tw.Flush()
	want := "> A  NAME    X\n" +
		"> 1  😀😀    x\n" +
		"> 2  Eve E…  y\n" +
		"> 3  日本    z\n" +
		"> 4  Bob     w\n"
	if b.String() != want {
		t.Fatalf("got\n%s\nwant\n%s", b.String(), want)
	}
}

// TestTableLinesUpWhereCodePointsAreCounted: a name with a skin tone emoji or a Hindi word
// takes as many cells counted by code points (most terminals) as by clusters, so the column
// after it starts in the same place on every row either way.
func TestTableLinesUpWhereCodePointsAreCounted(t *testing.T) {
	var b bytes.Buffer
	tw := newTextOut(&b).Table("", 2)
	tw.Row("NAME", "X")
	tw.Row("Ravi 👍🏽", "x")
	tw.Row("हिन्दी", "y")
	tw.Row("Ana ❤️", "z")
	tw.Flush()
	for _, count := range []func(string) int{ansi.StringWidth, ansi.StringWidthWc} {
		col := -1
		for _, l := range strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n") {
			i := strings.LastIndex(l, "  ")
			if at := count(l[:i+2]); col < 0 {
				col = at
			} else if at != col {
				t.Fatalf("the second column starts at %d, then %d:\n%s", col, at, b.String())
			}
		}
	}
}

func TestBlockIndentsTheLinesOfAMessage(t *testing.T) {
	var b bytes.Buffer
	newTextOut(&b).Block("12:00  ← ", "one\r\ntwo\x1b[2J\nthree")
	want := "12:00  ← one\n         two␛[2J\n         three\n"
	if b.String() != want {
		t.Fatalf("got %q, want %q", b.String(), want)
	}
}
