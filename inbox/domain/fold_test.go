package domain

import "testing"

func TestFoldTakesOffCaseAndAccents(t *testing.T) {
	for in, want := range map[string]string{
		"Rosa Martín":        "rosa martin",
		"rosa martin":        "rosa martin",
		"ŁÓDŹ  Straße":       "lodz strasse",
		"Nguyễn Văn A":       "nguyen van a",
		"Cafe\u0301 au lait": "cafe au lait", // a decomposed accent
		"Hi,\tit NEVER came": "hi, it never came",
		"Ελένη":              "ελένη",
		// what draws nothing: a name copied off a screen that cut its clusters (U+200B), a
		// joiner, a variation selector, a byte order mark
		"Ravi 👍\u200b🏽":            "ravi 👍🏽",
		"नमस्\u200bते":             "नमसत", // its signs are marks (Mn), taken off as accents are
		"❤\ufe0f Lo\u2060ve\ufeff": "❤ love",
		"co\u00adoperate":          "cooperate",     // a soft hyphen, copied from a web page
		"می\u200cخواهم":            "می\u200cخواهم", // a non-joiner is part of a Persian word
	} {
		if got := Fold(in); got != want {
			t.Errorf("Fold(%q) = %q, want %q", in, got, want)
		}
	}
}
