package cli

import (
	"fmt"
	"io"
	"strings"

	"switchboard/textsafe"

	"github.com/spf13/pflag"
)

// textOut is the CLI's one safe-text writer: every text result and every message on stderr is
// printed through it (--json output is encoding/json's, and export's the document's).
//
// The format strings are ours and are written as they are. Every argument that is text — a
// string, an error, a fmt.Stringer, or anything printed with %v — is made safe with
// textsafe.Line first: no control character or escape sequence from a name, a message, a rule
// or an error that quotes input reaches the terminal, and a line break in it cannot start a
// line of its own. Numbers and booleans are printed as they are. Multi-line text (a message
// body) goes through Block, tables through Table.
type textOut struct{ w io.Writer }

func newTextOut(w io.Writer) *textOut { return &textOut{w: w} }

// safeArgs replaces every text argument by its safe form.
func safeArgs(args []any) []any {
	out := make([]any, len(args))
	for i, a := range args {
		switch v := a.(type) {
		case string:
			out[i] = textsafe.Line(v)
		case error:
			out[i] = textsafe.Line(v.Error())
		case fmt.Stringer:
			out[i] = textsafe.Line(v.String())
		case int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64, float32, float64, bool:
			out[i] = v
		case []byte:
			out[i] = textsafe.Line(string(v))
		default:
			out[i] = safeValue{v}
		}
	}
	return out
}

// safeValue prints any other value as fmt would, then makes the result safe.
type safeValue struct{ v any }

func (s safeValue) Format(f fmt.State, verb rune) {
	io.WriteString(f, textsafe.Line(fmt.Sprintf(fmt.FormatString(f, verb), s.v)))
}

// Printf prints like fmt.Fprintf with every text argument made safe.
func (o *textOut) Printf(format string, args ...any) {
	fmt.Fprintf(o.w, format, safeArgs(args)...)
}

// Println prints like fmt.Fprintln with every text argument made safe.
func (o *textOut) Println(args ...any) {
	fmt.Fprintln(o.w, safeArgs(args)...)
}

// Block prints text that may have several lines (a message body, an error with a trace), made
// safe with textsafe.Text: its first line after first (made safe with textsafe.Line), the
// others after as many spaces as first is wide, so a line in the text cannot pass for a line
// of ours.
func (o *textOut) Block(first, text string) {
	first = textsafe.Line(first)
	lines := strings.Split(textsafe.Text(text), "\n")
	indent := strings.Repeat(" ", textsafe.Width(first))
	for i, l := range lines {
		if i == 0 {
			fmt.Fprintf(o.w, "%s%s\n", first, l)
		} else {
			fmt.Fprintf(o.w, "%s%s\n", indent, l)
		}
	}
}

// Table starts a table: rows of cells aligned in columns by their width in terminal cells
// (wide characters and emoji count two), gap spaces apart, each line after indent. max, when
// given, caps the width of each column; a longer cell is cut with "…".
func (o *textOut) Table(indent string, gap int, max ...int) *table {
	return &table{o: o, indent: indent, gap: gap, max: max}
}

type table struct {
	o      *textOut
	indent string
	gap    int
	max    []int
	rows   [][]string
	widths []int // the columns' widths, set by the first Flush
}

// Row adds a row; each cell is made safe with textsafe.Line (and cut to its column's cap), its
// clusters cut where a terminal that counts code points would count them otherwise
// (textsafe.Cells: the columns line up on such a terminal, most of them; a shell cannot ask).
func (t *table) Row(cells ...string) {
	row := make([]string, len(cells))
	for i, c := range cells {
		c = textsafe.Cells(textsafe.Line(c))
		if i < len(t.max) && t.max[i] > 0 {
			c = textsafe.Fit(c, t.max[i])
		}
		row[i] = c
	}
	t.rows = append(t.rows, row)
}

// Flush prints the rows added since the last Flush. The first Flush sets the columns' widths
// from its rows; later ones (the next page of a list printed as it is read) keep them, and a
// wider cell only pushes the rest of its own row.
func (t *table) Flush() {
	first := t.widths == nil
	for _, r := range t.rows {
		for i, c := range r {
			if i >= len(t.widths) {
				t.widths = append(t.widths, 0)
			}
			if first {
				t.widths[i] = max(t.widths[i], textsafe.Width(c))
			}
		}
	}
	var b strings.Builder
	for _, r := range t.rows {
		b.Reset()
		b.WriteString(t.indent)
		for i, c := range r {
			b.WriteString(c)
			if i < len(r)-1 {
				b.WriteString(strings.Repeat(" ", max(t.gap, t.widths[i]-textsafe.Width(c)+t.gap)))
			}
		}
		fmt.Fprintln(t.o.w, strings.TrimRight(b.String(), " "))
	}
	t.rows = t.rows[:0]
}

// Text prints text of several lines as it is, each line made safe with textsafe.Text.
func (o *textOut) Text(s string) {
	io.WriteString(o.w, textsafe.Text(s))
}

// typedString binds a flag to a value of a string type (a role, a presence, a channel).
type typedString[T ~string] struct{ p *T }

func (f typedString[T]) String() string {
	if f.p == nil {
		return ""
	}
	return string(*f.p)
}
func (f typedString[T]) Set(s string) error { *f.p = T(s); return nil }
func (f typedString[T]) Type() string       { return "string" }

// stringVar is pflag's StringVar for a string type.
func stringVar[T ~string](fs *pflag.FlagSet, p *T, name string, def T, usage string) {
	*p = def
	fs.Var(typedString[T]{p}, name, usage)
}
