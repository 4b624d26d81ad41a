package domain

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Fold is the form search compares text in: lower case, the accents and other marks of Latin
// letters taken off ("Martín" → "martin", "Straße" → "strasse", "Łódź" → "lodz"), every run of
// spaces one space. The store keeps message text folded and folds names as it compares them,
// and a query is folded the same way, so "rosa martin" finds "Rosa Martín".
func Fold(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= utf8.RuneSelf || (c >= 'A' && c <= 'Z') || c == '\t' || c == '\n' || c == '\r' {
			ascii = false
			break
		}
	}
	if ascii && !strings.Contains(s, "  ") {
		return s
	}
	return string(AppendFold(make([]byte, 0, len(s)), s))
}

// AppendFold appends Fold(s) to dst (a search folds many names into one buffer).
func AppendFold(dst []byte, s string) []byte {
	space := false
	for _, r := range s {
		if unicode.IsSpace(r) {
			if !space {
				dst = append(dst, ' ')
			}
			space = true
			continue
		}
		space = false
		if r < utf8.RuneSelf {
			if r >= 'A' && r <= 'Z' {
				r += 'a' - 'A'
			}
			dst = append(dst, byte(r))
			continue
		}
		if unicode.Is(unicode.Mn, r) {
			continue // a combining mark (a decomposed accent)
		}
		if invisible(r) {
			continue // text copied off the screen holds the U+200B the screen cuts clusters with
		}
		if f, ok := foldTable[r]; ok {
			dst = append(dst, f...)
			continue
		}
		dst = utf8.AppendRune(dst, unicode.ToLower(r))
	}
	return dst
}

// IsFolded reports whether s is already in Fold's form (a fast path for ASCII keys).
func IsFolded(s string) bool { return Fold(s) == s }

// foldTable maps the Latin letters with marks (Latin-1 Supplement, Latin Extended-A and the
// Vietnamese and Romanian ones people's names use) to their plain letters.
var foldTable = func() map[rune]string {
	m := map[rune]string{}
	add := func(plain string, rs string) {
		for _, r := range rs {
			m[r] = plain
		}
	}
	add("a", "ÀÁÂÃÄÅàáâãäåĀāĂăĄąǍǎẠạẢảẤấẦầẨẩẪẫẬậẮắẰằẲẳẴẵẶặ")
	add("ae", "Ææ")
	add("c", "ÇçĆćĈĉĊċČč")
	add("d", "ĎďĐđÐð")
	add("e", "ÈÉÊËèéêëĒēĔĕĖėĘęĚěẸẹẺẻẼẽẾếỀềỂểỄễỆệ")
	add("g", "ĜĝĞğĠġĢģ")
	add("h", "ĤĥĦħ")
	add("i", "ÌÍÎÏìíîïĨĩĪīĬĭĮįİıỈỉỊị")
	add("j", "Ĵĵ")
	add("k", "Ķķ")
	add("l", "ĹĺĻļĽľĿŀŁł")
	add("n", "ÑñŃńŅņŇň")
	add("o", "ÒÓÔÕÖØòóôõöøŌōŎŏŐőƠơỌọỎỏỐốỒồỔổỖỗỘộỚớỜờỞởỠỡỢợ")
	add("oe", "Œœ")
	add("r", "ŔŕŖŗŘř")
	add("s", "ŚśŜŝŞşŠšȘș")
	add("ss", "ß")
	add("t", "ŢţŤťŦŧȚț")
	add("th", "Þþ")
	add("u", "ÙÚÛÜùúûüŨũŪūŬŭŮůŰűŲųƯưỤụỦủỨứỪừỬửỮữỰự")
	add("w", "Ŵŵ")
	add("y", "ÝýÿŶŷŸỲỳỴỵỶỷỸỹ")
	add("z", "ŹźŻżŽž")
	return m
}()

// ContactHits is a page of a contact search: the ids, how many matched in all, and which of
// the ids matched only in message text.
type ContactHits struct {
	IDs    []string
	Total  int
	InText map[string]bool
}

// invisible reports whether r draws nothing and means nothing: the zero-width space (the terminal
// inbox cuts some clusters with it, textsafe.Cells, so text copied off the screen holds it), the
// word joiner, the byte order mark, the soft hyphen (text copied from a web page holds it; the
// screen leaves it out). A search matches text whether or not they are in it. The
// joiners U+200C and U+200D are kept: Persian writes words with U+200C, and text stored folded
// before this rule keeps both (variation selectors are marks, taken off above).
func invisible(r rune) bool { return r == 0x200b || r == 0x2060 || r == 0xfeff || r == 0xad }
