package textsafe

import (
	"strings"
	"unicode/utf8"

	"github.com/charmbracelet/x/ansi"
)

// Cells returns s (made safe by Line or Text first) so that every grapheme cluster in it takes as
// many cells counted as a cluster (how lipgloss lays the screen out) as counted code point by
// code point (how a terminal without grapheme clustering, mode 2027, draws it, and how Bubble
// Tea's renderer then counts it): a cluster whose two counts differ — a ZWJ family or a skin tone
// emoji (2 cells as a cluster, 6 and 4 by code points), a Devanagari or Bengali word with
// vowel signs (हिन्दी: 2 and 5), an emoji with U+FE0F (❤️: 2 and 1) — is cut into pieces that
// agree, with a zero-width space (U+200B, which breaks a cluster and takes no cell either way)
// before each piece after the first and after the last (when text follows), and without its
// variation selectors (U+FE0E, U+FE0F) and zero-width joiners (U+200D; a terminal would join
// the piece's end to what follows). A soft hyphen (U+00AD: no cell counted either way, one in
// tmux) is left out too, with a U+200B where it was. A piece that still disagrees is shown as U+FFFD, one per cell. Everything else — ASCII, Latin,
// CJK, Arabic, single emoji, flags — agrees already and is returned as it is (s itself, no copy,
// when nothing changes). Cells is idempotent.
//
// Such a terminal draws the pieces one after the other (three people for the family, the vowel
// signs after their consonants), as it drew the code points before; a zero-width joiner is left
// out wherever it is (a terminal that counts code points joins whatever follows one into its
// cell, or nothing). The screen keeps its borders and columns, where the cluster's other count
// pushed the rest of its line out.
func Cells(s string) string {
	i := firstDisagreeing(s)
	if i < 0 {
		return edges(s)
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	b.WriteString(s[:i])
	for s = s[i:]; len(s) > 0; {
		c, w := ansi.FirstGraphemeCluster(s, ansi.GraphemeWidth)
		s = s[len(c):]
		if len(c) == 1 || agrees(c, w) {
			b.WriteString(c)
			continue
		}
		writePieces(&b, c)
		if len(s) > 0 {
			// what it dropped (a selector, a joiner) may have kept its last piece from joining
			// what follows (a Hangul vowel and the final after it)
			b.WriteRune(0x200b)
		}
	}
	return edges(b.String())
}

// edges is s with a zero-width space before it when it begins with a character that joins the
// character before it into one cluster — a combining or vowel sign, a skin tone, a joiner — and
// after it when it ends with one that joins the character after it (U+0600 and the other
// prepended signs); s itself otherwise. Text is drawn beside other text: a border, an indent, a
// name before a number. "│" and a lone "🏽" are one cluster of one cell as lipgloss counts and
// three cells where code points are counted, and a line that wrapped between a U+200B and the
// piece after it begins so. Cells ends with edges; a wrapped line goes through Cells again.
func edges(s string) string {
	if joinsBefore(s) {
		s = "\u200b" + s
	}
	if joinsAfter(s) {
		s += "\u200b"
	}
	return s
}

// joinsBefore reports whether s begins with a character that extends any character before it
// into its cluster (every such character is at or above U+0300), or a Hangul vowel or final
// jamo (which join the syllable or jamo before them).
func joinsBefore(s string) bool {
	r, n := utf8.DecodeRuneInString(s)
	if len(s) == 0 || r < 0x300 {
		return false
	}
	if r >= 0x1160 && r <= 0x11ff || r >= 0xd7b0 && r <= 0xd7ff {
		return true
	}
	c, _ := ansi.FirstGraphemeCluster("a"+s[:n], ansi.GraphemeWidth)
	return len(c) > 1
}

// joinsAfter reports whether s ends with a character that joins any character after it into its
// cluster (U+0600 and the other prepended signs) or a virama that joins a consonant after it
// (with the marks after the virama: they are at or above U+0300), a Hangul leading jamo (which joins the
// syllable after it), or half a flag (an odd run of regional indicators).
func joinsAfter(s string) bool {
	r, n := utf8.DecodeLastRuneInString(s)
	switch {
	case len(s) == 0 || r < 0x300:
		return false
	case r >= 0x1100 && r <= 0x115f || r >= 0xa960 && r <= 0xa97f:
		return true
	case isRegional(r):
		odd := false
		for ; len(s) > 0 && isRegional(r); r, n = utf8.DecodeLastRuneInString(s) {
			odd = !odd
			s = s[:len(s)-n]
		}
		return odd
	}
	// the last few characters, so that a virama finds its consonant (क् joins the क after it)
	tail := s
	for i := 0; i < 8 && len(tail) > 0; i++ {
		_, n = utf8.DecodeLastRuneInString(tail)
		tail = tail[:len(tail)-n]
	}
	tail = s[len(tail):]
	n = clusterCount(tail)
	return clusterCount(tail+"a") == n || clusterCount(tail+"क") == n
}

// clusterCount is how many grapheme clusters s has.
func clusterCount(s string) int {
	n := 0
	for len(s) > 0 {
		c, _ := ansi.FirstGraphemeCluster(s, ansi.GraphemeWidth)
		s = s[len(c):]
		n++
	}
	return n
}

// isRegional reports whether r is a regional indicator (two make a flag).
func isRegional(r rune) bool { return r >= 0x1f1e6 && r <= 0x1f1ff }

// agrees reports whether cluster c, w cells as a cluster, needs no cutting: as many cells by
// code points, no zero-width joiner (tmux draws the character after one in the joiner's cell,
// whatever the two are, so "r\u200dh" takes one cell there and the line after it is off) and no
// soft hyphen (both counts say it takes no cell; tmux gives it one).
func agrees(c string, w int) bool {
	return w == ansi.StringWidthWc(c) && !strings.ContainsRune(c, 0x200d) && !strings.ContainsRune(c, 0xad)
}

// firstDisagreeing is the byte offset of the first cluster whose two counts differ, or -1.
func firstDisagreeing(s string) int {
	for i := 0; i < len(s); {
		if s[i] < utf8.RuneSelf {
			i++
			continue
		}
		// the cluster starts at the character before a non-ASCII one, which may extend it
		start := i
		if start > 0 && s[start-1] < utf8.RuneSelf && s[start-1] >= 0x20 {
			start--
		}
		c, w := ansi.FirstGraphemeCluster(s[start:], ansi.GraphemeWidth)
		if start+len(c) <= i { // the character before is a cluster of its own
			start = i
			c, w = ansi.FirstGraphemeCluster(s[i:], ansi.GraphemeWidth)
		}
		if !agrees(c, w) {
			return start
		}
		i = start + len(c)
	}
	return -1
}

// writePieces writes cluster c as pieces that each begin with a code point that takes a cell,
// a zero-width space between two pieces; a piece whose two counts still differ is U+FFFD, one
// per cell.
func writePieces(b *strings.Builder, c string) {
	var piece []byte
	first := true
	flush := func() {
		if len(piece) == 0 {
			return
		}
		if !first {
			b.WriteRune(0x200b)
		}
		first = false
		p := string(piece)
		if g, wc := ansi.StringWidth(p), ansi.StringWidthWc(p); g != wc {
			p = strings.Repeat("\ufffd", wc)
		}
		b.WriteString(p)
		piece = piece[:0]
	}
	for _, r := range c {
		if r == 0xfe0e || r == 0xfe0f || r == 0x200d || r == 0xad {
			continue // a selector or a joiner: what it selects or joins is cut apart; a soft hyphen
		}
		if len(piece) > 0 && ansi.StringWidthWc(string(r)) > 0 {
			flush()
		}
		piece = utf8.AppendRune(piece, r)
	}
	flush()
}
