// Package textsafe makes text that comes from outside — customers' names and messages from
// WhatsApp, anything typed on the command line, whatever a workspace document holds — safe to
// put on a terminal. It owns the rules; the CLI's writer and the terminal inbox's views call it
// where such text meets the screen. It never changes what is stored: it only builds what is
// shown.
//
// The rules:
//
//   - No control character or escape sequence survives. C0 controls (U+0000–U+001F) and DEL
//     become their Unicode control pictures (ESC is shown as ␛, BEL as ␇, NUL as ␀, DEL as ␡), so
//     "\x1b]0;title\x07" is shown as the harmless text "␛]0;title␇". C1 controls
//     (U+0080–U+009F, among them the 8-bit CSI U+009B), the bidirectional embedding, override
//     and isolate characters (U+202A–U+202E, U+2066–U+2069) are shown as \u009b, \u202e. A byte
//     that is not UTF-8 is shown as \x9b.
//   - Line is for one-line fields (names, ids, previews, status lines): a line break ("\n",
//     "\r\n", a lone "\r", U+2028, U+2029) becomes one space. Text is for fields that may have
//     several lines (a message body): a line break becomes "\n" and nothing else does.
//   - A tab becomes one space (its width depends on the terminal's tab stops).
//   - Text that starts with a combining mark, a zero-width joiner or another character that
//     joins the one before it gets a ◌ before it, so it cannot join what is drawn before the
//     text (a pane's border, a space) into one cell; text that ends with one that joins the
//     next (U+0600 and the like) gets a ◌ after it.
//   - Cells (for a terminal that counts code points, not grapheme clusters) cuts a cluster whose
//     two counts differ — a skin tone emoji, a Hindi word with vowel signs — into pieces that
//     agree, so the layout and the terminal give it the same cells (cells.go).
//   - Fit cuts text to a number of terminal cells, counting wide characters, emoji, ZWJ
//     sequences and combining marks the way lipgloss and the renderer do (grapheme clusters,
//     github.com/charmbracelet/x/ansi), and never cuts a character or a cluster in half.
//
// Everything else — letters of every script, emoji, zero-width joiners, combining marks — is
// kept as it is. Both Line and Text are idempotent, and return s itself (no copy) when it is
// already safe.
package textsafe

import (
	"strings"
	"unicode/utf8"

	"github.com/charmbracelet/x/ansi"
)

// Line returns s as one line of text that cannot drive a terminal: line breaks and tabs become
// spaces, and every control character is shown visibly (see the package comment).
func Line(s string) string { return detach(clean(s, false)) }

// Text returns s with its line breaks kept as "\n" (a "\r\n", a lone "\r", U+2028 and U+2029
// become "\n" too) and everything else made safe as Line does.
func Text(s string) string { return detach(clean(s, true)) }

// detach puts a dotted circle (◌, the usual base for showing a lone mark) before text that
// starts with a character that joins what comes before it — a combining mark, a zero-width
// joiner, a variation selector — so it cannot join what is drawn before the text (a pane's
// border, a space, a word of ours) into one cell.
//
// The same holds at the end: text that ends with a character that joins the one after it (a
// "prepended concatenation mark" such as U+0600) gets a ◌ after it.
func detach(s string) string {
	if s == "" {
		return s
	}
	// only the first and the last character matter: they are looked at beside an "x"
	if s[0] >= 0xcc { // below U+0300 nothing extends a cluster
		_, n := utf8.DecodeRuneInString(s)
		if c, _ := ansi.FirstGraphemeCluster("x"+s[:n], ansi.GraphemeWidth); len(c) > 1 {
			s = "◌" + s
		}
	}
	if s[len(s)-1] >= 0x80 {
		r, n := utf8.DecodeLastRuneInString(s)
		if c, _ := ansi.FirstGraphemeCluster(s[len(s)-n:]+"x", ansi.GraphemeWidth); r != utf8.RuneError && len(c) > n {
			s += "◌"
		}
	}
	return s
}

// Safe reports whether s has nothing Text would show differently: no control character but
// "\n", no bidirectional control, only UTF-8. (It does not look at how s starts and ends.)
func Safe(s string) bool { return firstUnsafe(s, true) < 0 }

// Width is how many terminal cells s takes (escape sequences count zero).
func Width(s string) int { return ansi.StringWidth(s) }

// Fit is Line(s) cut to at most w cells, ending in "…" when it was cut. A wide character or a
// cluster that does not fit whole is left out whole.
func Fit(s string, w int) string {
	s = Line(s)
	if w <= 0 {
		return ""
	}
	if ansi.StringWidth(s) <= w {
		return s
	}
	cut := ansi.Truncate(s, w-1, "")
	if joinsAfter(cut) {
		cut += "\u200b" // a prepended sign would take the … into its cluster
	}
	return cut + "…"
}

// Pad is Fit(s, w) padded with spaces to exactly w cells.
func Pad(s string, w int) string {
	s = Fit(s, w)
	if n := w - ansi.StringWidth(s); n > 0 {
		s += strings.Repeat(" ", n)
	}
	return s
}

const hexDigits = "0123456789abcdef"

// unsafeRune reports whether a (validly encoded) rune at or above utf8.RuneSelf is shown as an
// escape: the C1 controls and the bidirectional controls that reorder the text around them.
func unsafeRune(r rune) bool {
	return r <= 0x9f || // C1 (r >= 0x80 here)
		r >= 0x202a && r <= 0x202e || // LRE RLE PDF LRO RLO
		r >= 0x2066 && r <= 0x2069 // LRI RLI FSI PDI
}

// lineBreak reports whether r is a line or paragraph separator.
func lineBreak(r rune) bool { return r == 0x2028 || r == 0x2029 }

// firstUnsafe is the byte offset of the first thing clean changes, or -1.
func firstUnsafe(s string, multi bool) int {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c < 0x20 || c == 0x7f {
				if !(multi && c == '\n') {
					return i
				}
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 || unsafeRune(r) || lineBreak(r) {
			return i
		}
		i += n
	}
	return -1
}

func clean(s string, multi bool) string {
	i := firstUnsafe(s, multi)
	if i < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	b.WriteString(s[:i])
	brk := func() {
		if multi {
			b.WriteByte('\n')
		} else {
			b.WriteByte(' ')
		}
	}
	for i < len(s) {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '\n':
				brk()
			case c == '\r':
				if i+1 < len(s) && s[i+1] == '\n' {
					i++
				}
				brk()
			case c == '\t':
				b.WriteByte(' ')
			case c < 0x20:
				b.WriteRune(0x2400 + rune(c)) // ␀ … ␟ (␛ for ESC)
			case c == 0x7f:
				b.WriteRune('␡')
			default:
				b.WriteByte(c)
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			b.WriteString(`\x`)
			b.WriteByte(hexDigits[c>>4])
			b.WriteByte(hexDigits[c&0xf])
		case lineBreak(r):
			brk()
		case unsafeRune(r):
			b.WriteString(`\u`)
			for shift := 12; shift >= 0; shift -= 4 {
				b.WriteByte(hexDigits[(r>>shift)&0xf])
			}
		default:
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}
