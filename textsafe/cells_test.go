package textsafe

import (
	"math/rand/v2"
	"strings"
	"testing"
	"unsafe"

	"github.com/charmbracelet/x/ansi"
)

// TestCellsAgreeBothWays: after Cells, the cells lipgloss counts (grapheme clusters) are the
// cells a terminal without mode 2027 draws (code points), for the clusters whose counts differ
// before; what agreed already is returned as it is.
func TestCellsAgreeBothWays(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"👩‍👩‍👧", "👩\u200b👩\u200b👧"},
		{"ok 👍🏽 fine", "ok 👍\u200b🏽\u200b fine"},
		{"❤️", "❤"},
		{"1️⃣", "1⃣"},
		{"🏳️‍🌈", "🏳\u200b🌈"},
		{"join\u200dme", "join\u200bme"}, // a joiner between letters (tmux draws the m in the n's cell)
		{"क्ष", "क्\u200bष"},
		{"हिन्दी", "ह\u200bि\u200bन्\u200bद\u200bी"},
		{"বাংলা", "ব\u200bা\u200bং\u200bল\u200bা"},
		// agree already: unchanged
		{"plain ASCII", "plain ASCII"},
		{"Ramón Núñez é", "Ramón Núñez é"},
		{"日本語の文字", "日本語の文字"},
		{"مرحبا", "مرحبا"},
		{"🇩🇪 🙂", "🇩🇪 🙂"},
		{"", ""},
		// what joins the text beside it: a mark or a skin tone first, a prepended sign last
		{"🏽 ok", "\u200b🏽 ok"},
		{"िक", "\u200bिक"},
		{"\u0301a", "\u200b\u0301a"},
		{"ab\u0600", "ab\u0600\u200b"},
		{"ab\u0600\u200d", "ab\u0600\u200b"},
		{"co\u00adop\u00ad", "co\u200bop"}, // a soft hyphen: tmux gives it a cell
	} {
		got := Cells(tc.in)
		if got != tc.want {
			t.Errorf("Cells(%q) = %q, want %q", tc.in, got, tc.want)
		}
		if g, wc := ansi.StringWidth(got), ansi.StringWidthWc(got); g != wc {
			t.Errorf("Cells(%q) = %q: %d cells as clusters, %d by code points", tc.in, got, g, wc)
		}
		if again := Cells(got); again != got {
			t.Errorf("Cells is not idempotent on %q: %q", got, again)
		}
	}
	s := strings.Repeat("nothing to change, Ünïcödé 日本 🙂 ", 10)
	if got := Cells(s); unsafe.StringData(got) != unsafe.StringData(s) {
		t.Error("Cells copied text in which every cluster agrees")
	}
}

// TestCellsKeepsTheText: for random mixes of letters, marks, joiners, selectors, modifiers and
// emoji, Cells always agrees both ways, is idempotent, and keeps every code point but the
// selectors and joiners it drops (or shows a piece it could not mend as U+FFFD).
func TestCellsKeepsTheText(t *testing.T) {
	pool := []rune{'a', ' ', 'é', 0x301, 0x200d, 0xfe0f, 0xfe0e, 0x1f3fd, 0x1f469, 0x1f467, 0x2764,
		'1', 0x20e3, 0x915, 0x94d, 0x937, 0x93f, 0x940, 0x995, 0x9be, 0x1f1e9, 0x1f1ea, '日',
		0x1100, 0x1161, 0x11a8, 0x1f3f3, 0x1f308, 'ا', 0x64b, 0x600, 0x110bd, 0x200b, 0xad}
	rng := rand.New(rand.NewPCG(3, 5))
	drop := strings.NewReplacer("\u200b", "", "\u200d", "", "\ufe0f", "", "\ufe0e", "", "\u00ad", "")
	for i := 0; i < 20000; i++ {
		var b strings.Builder
		for n := rng.IntN(12); n >= 0; n-- {
			b.WriteRune(pool[rng.IntN(len(pool))])
		}
		in := b.String()
		got := Cells(in)
		if g, wc := ansi.StringWidth(got), ansi.StringWidthWc(got); g != wc {
			t.Fatalf("Cells(%q) = %q: %d cells as clusters, %d by code points", in, got, g, wc)
		}
		if again := Cells(got); again != got {
			t.Fatalf("Cells(%q) = %q, and again %q", in, got, again)
		}
		// drawn beside other text: a border before it, a letter after it, text made so beside it
		lines := []string{"│" + got + "x", " " + got + got + "│"}
		for w := 1; w < 6; w++ {
			lines = append(lines, "│"+Fit(got, w)+"x") // cut, and "…" after it
		}
		for _, line := range lines {
			if g, wc := ansi.StringWidth(line), ansi.StringWidthWc(line); g != wc {
				t.Fatalf("Cells(%q) = %q: drawn as %q, %d cells as clusters, %d by code points", in, got, line, g, wc)
			}
		}
		if strings.ContainsRune(got, 0x200d) || strings.ContainsRune(got, 0xad) {
			t.Fatalf("Cells(%q) = %q keeps a zero-width joiner or a soft hyphen", in, got)
		}
		if !strings.ContainsRune(got, '\ufffd') && drop.Replace(got) != drop.Replace(in) {
			t.Fatalf("Cells(%q) = %q lost text", in, got)
		}
	}
}
