package textsafe

import (
	"fmt"
	"unicode"
	"unicode/utf8"
)

// HiddenInName is the first character of name that a person's or a team's name may not hold,
// and whether there is one: a format character (Unicode category Cf — zero-width spaces and
// joiners, the word joiner, the byte order mark, soft hyphens, bidirectional marks, tag
// characters). They draw nothing, or nothing that can be seen, so two names that differ only by
// one look the same on every screen: "Sales" and "Sal\u200bes" would be two teams no one could
// tell apart.
//
// One is allowed: a zero-width joiner (U+200D) between two emoji, which joins them into one
// (👩‍💻, 🏳️‍🌈, ❤️‍🔥). An emoji here is a pictograph of U+1F000–U+1FAFF, a symbol or dingbat of
// U+2300–U+27BF or U+2B00–U+2BFF, optionally followed by the emoji presentation selector U+FE0F.
// A zero-width joiner anywhere else — between letters, at either end — is refused.
func HiddenInName(name string) (rune, bool) {
	prev := rune(-1) // the character before, the emoji presentation selector skipped
	for i, r := range name {
		if r == 0xfe0f && prev >= 0 {
			continue
		}
		if unicode.Is(unicode.Cf, r) {
			if r != 0x200d || !emoji(prev) || !emoji(nextRune(name[i+utf8.RuneLen(r):])) {
				return r, true
			}
		}
		prev = r
	}
	return 0, false
}

func nextRune(s string) rune {
	if s == "" {
		return -1
	}
	r, _ := utf8.DecodeRuneInString(s)
	return r
}

// emoji reports whether r is one of the pictographs emoji ZWJ sequences join (an approximation
// of Unicode's Extended_Pictographic that holds every emoji of those sequences).
func emoji(r rune) bool {
	return r >= 0x1f000 && r <= 0x1faff || r >= 0x2300 && r <= 0x27bf || r >= 0x2b00 && r <= 0x2bff
}

// formatNames names the format characters met most in pasted text.
var formatNames = map[rune]string{
	0x00ad: "SOFT HYPHEN", 0x061c: "ARABIC LETTER MARK", 0x180e: "MONGOLIAN VOWEL SEPARATOR",
	0x200b: "ZERO WIDTH SPACE", 0x200c: "ZERO WIDTH NON-JOINER", 0x200d: "ZERO WIDTH JOINER",
	0x200e: "LEFT-TO-RIGHT MARK", 0x200f: "RIGHT-TO-LEFT MARK",
	0x202a: "LEFT-TO-RIGHT EMBEDDING", 0x202b: "RIGHT-TO-LEFT EMBEDDING", 0x202c: "POP DIRECTIONAL FORMATTING",
	0x202d: "LEFT-TO-RIGHT OVERRIDE", 0x202e: "RIGHT-TO-LEFT OVERRIDE",
	0x2060: "WORD JOINER", 0x2061: "FUNCTION APPLICATION", 0x2062: "INVISIBLE TIMES", 0x2063: "INVISIBLE SEPARATOR",
	0x2064: "INVISIBLE PLUS", 0x2066: "LEFT-TO-RIGHT ISOLATE", 0x2067: "RIGHT-TO-LEFT ISOLATE",
	0x2068: "FIRST STRONG ISOLATE", 0x2069: "POP DIRECTIONAL ISOLATE",
	0xfeff: "ZERO WIDTH NO-BREAK SPACE (byte order mark)",
}

// RuneName says a character as U+XXXX and, for the format characters met most, its name
// ("U+200B ZERO WIDTH SPACE").
func RuneName(r rune) string {
	if n, ok := formatNames[r]; ok {
		return fmt.Sprintf("%U %s", r, n)
	}
	if r >= 0xe0000 && r <= 0xe007f {
		return fmt.Sprintf("%U (a tag character)", r)
	}
	return fmt.Sprintf("%U", r)
}
