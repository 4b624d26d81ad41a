package textsafe

import (
	"strings"
	"testing"
	"unicode/utf8"
	"unsafe"

	"github.com/charmbracelet/x/ansi"
)

// hostile is the text of issue 10: it cleared the screen, set the clipboard and the window
// title when `switchboard show` printed it.
const hostile = "hi\x1b[2J\x1b]52;c;ZXZpbA==\x07\x1b]0;PWNED\x07"

func TestLineAndTextShowControlsVisibly(t *testing.T) {
	for _, c := range []struct{ name, in, line, text string }{
		{"CSI, OSC 52 and OSC 0 with BEL", hostile, "hi␛[2J␛]52;c;ZXZpbA==␇␛]0;PWNED␇", "hi␛[2J␛]52;c;ZXZpbA==␇␛]0;PWNED␇"},
		{"OSC ended by ST", "a\x1b]0;PWNED\x1b\\b", `a␛]0;PWNED␛\b`, `a␛]0;PWNED␛\b`},
		{"DCS tmux passthrough", "\x1bPtmux;\x1b\x1b]52;c;eA==\x07\x1b\\", `␛Ptmux;␛␛]52;c;eA==␇␛\`, `␛Ptmux;␛␛]52;c;eA==␇␛\`},
		{"SGR colour", "Evil\x1b[31mRed\x1b[0m", "Evil␛[31mRed␛[0m", "Evil␛[31mRed␛[0m"},
		{"other C0", "\x00\x01\x07\x08\x0b\x0c\x1f", "␀␁␇␈␋␌␟", "␀␁␇␈␋␌␟"},
		{"DEL", "a\x7fb", "a␡b", "a␡b"},
		{"C1 as characters, 8-bit CSI among them", "a\u009b2Jb\u0080\u0085\u009f", `a\u009b2Jb\u0080\u0085\u009f`, `a\u009b2Jb\u0080\u0085\u009f`},
		{"8-bit CSI as a raw byte (not UTF-8)", "a\x9b2Jb", `a\x9b2Jb`, `a\x9b2Jb`},
		{"invalid UTF-8", "\xff\xfeok\xe2\x82", `\xff\xfeok\xe2\x82`, `\xff\xfeok\xe2\x82`},
		{"bidi override and isolates", "\u202eevil\u202c \u2066x\u2069", `\u202eevil\u202c \u2066x\u2069`, `\u202eevil\u202c \u2066x\u2069`},
		{"newline in a one-line field", "Eve\nEvil", "Eve Evil", "Eve\nEvil"},
		{"CRLF and a lone CR", "a\r\nb\rc", "a b c", "a\nb\nc"},
		{"line and paragraph separators", "a\u2028b\u2029c", "a b c", "a\nb\nc"},
		{"tab", "a\tb", "a b", "a b"},
		{"kept as it is", "Zoë 😀 👨‍👩‍👧 e\u0301 日本 שלום\u200f", "Zoë 😀 👨‍👩‍👧 e\u0301 日本 שלום\u200f", "Zoë 😀 👨‍👩‍👧 e\u0301 日本 שלום\u200f"},
		{"visible pictures stay text", "␛[2J", "␛[2J", "␛[2J"},
		{"a leading combining mark gets a base", "\u0301e ok", "◌\u0301e ok", "◌\u0301e ok"},
		{"a leading zero-width joiner gets a base", "\u200d😀", "◌\u200d😀", "◌\u200d😀"},
		{"a combining mark after a control stays on its picture", "\x1b\u0301", "␛\u0301", "␛\u0301"},
		{"a mark inside the text stays on its letter", "e\u0301", "e\u0301", "e\u0301"},
		{"a trailing prepended mark gets a base", "12\u0600", "12\u0600◌", "12\u0600◌"},
		{"a prepended mark inside the text stays", "\u06001", "\u06001", "\u06001"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := Line(c.in); got != c.line {
				t.Errorf("Line(%q) = %q, want %q", c.in, got, c.line)
			}
			if got := Text(c.in); got != c.text {
				t.Errorf("Text(%q) = %q, want %q", c.in, got, c.text)
			}
		})
	}
}

func TestSafeTextIsReturnedWithoutACopy(t *testing.T) {
	s := "Priya Shah 😀 日本"
	if got := Line(s); unsafe.StringData(got) != unsafe.StringData(s) {
		t.Fatal("Line copied a string that needed no change")
	}
	m := "line one\nline two"
	if got := Text(m); unsafe.StringData(got) != unsafe.StringData(m) {
		t.Fatal("Text copied a string that needed no change")
	}
}

// clusters splits s into grapheme clusters the way the renderer measures them.
func clusters(s string) []string {
	var out []string
	for s != "" {
		c, _ := ansi.FirstGraphemeCluster(s, ansi.GraphemeWidth)
		out = append(out, c)
		s = s[len(c):]
	}
	return out
}

func TestFitCutsByCellsAndNeverSplitsACluster(t *testing.T) {
	emoji := strings.Repeat("😀", 200)
	for _, c := range []struct {
		in   string
		w    int
		want string
	}{
		{"Priya Shah", 20, "Priya Shah"},
		{"Priya Shah", 6, "Priya…"},
		{emoji, 5, "😀😀…"},
		{emoji, 6, "😀😀…"}, // the third emoji would need cells 5–6 and "…" one more
		{emoji, 2, "…"},
		{"日本語のテキスト", 7, "日本語…"},
		{"👨‍👩‍👧‍👦👨‍👩‍👧‍👦", 3, "👨‍👩‍👧‍👦…"},
		{"e\u0301e\u0301e\u0301", 2, "e\u0301…"},
		{"Eve\nEvil\x1b[31mRed", 40, "Eve Evil␛[31mRed"},
		{"anything", 0, ""},
	} {
		got := Fit(c.in, c.w)
		if got != c.want {
			t.Errorf("Fit(%q, %d) = %q, want %q", c.in, c.w, got, c.want)
		}
		if w := ansi.StringWidth(got); w > c.w {
			t.Errorf("Fit(%q, %d) is %d cells wide", c.in, c.w, w)
		}
	}
	for w := 0; w <= 12; w++ {
		for _, in := range []string{emoji, "a😀b👨‍👩‍👧c日d", "👍🏽👍🏽👍🏽", "🇩🇪🇫🇷🇮🇹", "क्षत्रिय"} {
			got := strings.TrimSuffix(Fit(in, w), "…")
			if !strings.HasPrefix(in, got) {
				t.Fatalf("Fit(%q, %d) = %q is not a prefix of the text", in, w, got)
			}
			// the kept part ends on a cluster boundary of the original
			n := 0
			for _, c := range clusters(in) {
				if n == len(got) {
					break
				}
				n += len(c)
			}
			if n != len(got) {
				t.Fatalf("Fit(%q, %d) = %q cuts a grapheme cluster in half", in, w, got)
			}
		}
	}
}

func TestPadFillsExactlyTheCells(t *testing.T) {
	for _, in := range []string{"", "Bob", "😀😀😀😀😀😀😀😀", "日本語", "Eve\x1b[31m"} {
		if got := Pad(in, 7); ansi.StringWidth(got) != 7 {
			t.Errorf("Pad(%q, 7) = %q is %d cells", in, got, ansi.StringWidth(got))
		}
	}
}

// checkSafe fails unless s could not drive a terminal: valid UTF-8 with no C0 (but "\n" when
// lines is true), DEL, C1 or bidirectional control in it.
func checkSafe(t *testing.T, in, s string, lines bool) {
	t.Helper()
	if !utf8.ValidString(s) {
		t.Fatalf("%q -> %q is not valid UTF-8", in, s)
	}
	for _, r := range s {
		switch {
		case r == '\n' && lines:
		case r < 0x20, r >= 0x7f && r <= 0x9f, r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069, r == 0x2028, r == 0x2029:
			t.Fatalf("%q -> %q still has %U", in, s, r)
		}
	}
}

// FuzzSanitise: whatever comes in, nothing that drives a terminal comes out, Line has no line
// break, both are idempotent, and Fit stays within its cells.
func FuzzSanitise(f *testing.F) {
	for _, s := range []string{hostile, "Eve\nEvil\x1b[31mRed", "\x9b31m", "\u009b2J", "\u202e", "a\r\nb", strings.Repeat("😀", 50),
		"👨‍👩‍👧‍👦", "e\u0301\u0301\u0301", "\xe2\x82", "\x1bP+q\x1b\\", ""} {
		f.Add(s, 10)
	}
	f.Fuzz(func(t *testing.T, s string, w int) {
		l, x := Line(s), Text(s)
		checkSafe(t, s, l, false)
		checkSafe(t, s, x, true)
		if Line(l) != l || Text(x) != x {
			t.Fatalf("not idempotent on %q", s)
		}
		if c, _ := ansi.FirstGraphemeCluster("│"+l, ansi.GraphemeWidth); c != "│" {
			t.Fatalf("Line(%q) = %q joins the border before it: %q", s, l, c)
		}
		if l != "" {
			cs := clusters(l + "│")
			if cs[len(cs)-1] != "│" {
				t.Fatalf("Line(%q) = %q joins the border after it: %q", s, l, cs[len(cs)-1])
			}
		}
		if strings.ReplaceAll(x, "\n", " ") != l {
			t.Fatalf("Text and Line disagree on %q: %q vs %q", s, x, l)
		}
		w = w % 200
		if w < 0 {
			w = -w
		}
		fit := Fit(s, w)
		checkSafe(t, s, fit, false)
		if ansi.StringWidth(fit) > w {
			t.Fatalf("Fit(%q, %d) = %q is %d cells", s, w, fit, ansi.StringWidth(fit))
		}
	})
}
