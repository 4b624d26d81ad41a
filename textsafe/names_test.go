package textsafe

import "testing"

// A name may not hold a format character (Cf), which draws nothing and makes two names that
// look the same; a zero-width joiner between two emoji (one emoji, 👩‍💻) is the one kept.
func TestHiddenInName(t *testing.T) {
	for name, want := range map[string]rune{
		"Sal\u200bes":      0x200b, // zero-width space
		"Sales\u2060":      0x2060, // word joiner
		"\ufeffSales":      0xfeff, // byte order mark
		"Sa\u00adles":      0x00ad, // soft hyphen
		"Sales\u200e":      0x200e, // left-to-right mark
		"Sa\u202eles":      0x202e, // right-to-left override
		"Sa\u200cles":      0x200c, // zero-width non-joiner
		"Sales\U000e0041":  0xe0041,
		"Bo\u200db":        0x200d, // a joiner between letters
		"Bob\u200d":        0x200d, // at the end
		"\u200d👩":          0x200d, // at the start
		"👩\u200dBob":       0x200d, // an emoji and a letter
		"Bob\ufe0f\u200d👩": 0x200d, // the selector after a letter does not make it an emoji
		"👩\u200d\u200d💻":   0x200d, // two joiners: the second has a joiner before it
	} {
		if r, ok := HiddenInName(name); !ok || r != want {
			t.Errorf("HiddenInName(%q) = %U, %v; want %U", name, r, ok, want)
		}
	}
	for _, name := range []string{
		"Sales", "Zoë Ångström", "Дарья", "李小龙", "سارا", "Bob 👩‍💻", "🏳️‍🌈 Pride desk", "❤️‍🔥", "🧑🏽‍🚀 Crew",
		"👨‍👩‍👧 Family", "e\u0301 (a combining accent)", "",
	} {
		if r, ok := HiddenInName(name); ok {
			t.Errorf("HiddenInName(%q) refused %U", name, r)
		}
	}
	for r, want := range map[rune]string{0x200b: "U+200B ZERO WIDTH SPACE", 0xfeff: "U+FEFF ZERO WIDTH NO-BREAK SPACE (byte order mark)",
		0x2060: "U+2060 WORD JOINER", 0xe0041: "U+E0041 (a tag character)", 0x0600: "U+0600"} {
		if got := RuneName(r); got != want {
			t.Errorf("RuneName(%U) = %q, want %q", r, got, want)
		}
	}
}
