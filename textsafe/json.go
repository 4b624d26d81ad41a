package textsafe

import (
	"io"
	"unicode/utf8"
)

// JSONWriter writes JSON to w with the characters a terminal acts on, or that reorder the text
// around them, written as \u escapes: DEL, the C1 controls (U+0080–U+009F) and the
// bidirectional controls (which encoding/json leaves as they are; it escapes only what is below
// U+0020 and the line separators). In JSON those characters can only be inside strings, where
// \uXXXX means the same character, so the JSON decodes to exactly the same values: what is
// stored is never changed, and what reaches a terminal cannot drive it.
func JSONWriter(w io.Writer) io.Writer { return &jsonWriter{w: w} }

type jsonWriter struct {
	w    io.Writer
	tail []byte // the start of a character the last Write cut short
	buf  []byte
}

func (j *jsonWriter) Write(p []byte) (int, error) {
	in := p
	if len(j.tail) > 0 {
		in = append(j.tail, p...)
		j.tail = nil
	}
	out := j.buf[:0]
	for i := 0; i < len(in); {
		c := in[i]
		if c < utf8.RuneSelf {
			if c == 0x7f {
				out = appendEscape(out, rune(c))
			} else {
				out = append(out, c)
			}
			i++
			continue
		}
		if !utf8.FullRune(in[i:]) {
			j.tail = append([]byte(nil), in[i:]...) // the rest comes with the next Write
			break
		}
		r, n := utf8.DecodeRune(in[i:])
		if r != utf8.RuneError && unsafeRune(r) || r == 0x061c || r == 0x200e || r == 0x200f {
			out = appendEscape(out, r)
		} else {
			out = append(out, in[i:i+n]...)
		}
		i += n
	}
	j.buf = out
	if _, err := j.w.Write(out); err != nil {
		return 0, err
	}
	return len(p), nil
}

func appendEscape(b []byte, r rune) []byte {
	return append(b, '\\', 'u', hexDigits[r>>12&15], hexDigits[r>>8&15], hexDigits[r>>4&15], hexDigits[r&15])
}
