package ui

import (
	"strings"
	"unicode/utf8"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
)

// Drawing the panes without measuring them again (issue 17).
//
// lipgloss draws a bordered box by measuring every line several times (wrapping it, padding
// it, finding the widest for the border) and JoinHorizontal measures every line of every pane
// again; measuring is walking each line's grapheme clusters, which was most of a frame. A pane
// here is drawn as lipgloss would draw it, byte for byte, from its border as lipgloss draws it
// once per width and style (boxFrame) and each inner line measured once: a line is its left
// border, itself, the spaces up to the inner width and its right border. Its lines are then
// known to be exactly the pane's width, and panes side by side are joined line by line without
// measuring them again.
//
// That holds for lines made of text and SGR sequences that leave the pen as they found it (the
// lines the views draw); for anything else (another escape sequence, a control character, a
// style left open at the end of a line, a character that joins its neighbour across the
// border) box leaves the whole pane to lipgloss, as before.
//
// What is drawn is also kept while what it is drawn from stays the same: the boxed lines (by
// border and line), the borders, the rows (list.go), the conversation pane, the views pane,
// the header, the footer and the status line; each is keyed by everything it shows, the
// styles by Common.looks. With Common.reference set nothing comes from a cache and lipgloss
// boxes and joins everything, as frames were drawn before: TestFastFrameIsLipglossFrame (on
// the frameScenes screens), checkScreen (the safe-text tests and their fuzz) and
// FuzzBoxIsLipglossBox (boxes and joins in every theme) want the same bytes both ways.

// block is a drawn rectangle: a pane in its border, or panes side by side. When lines is not
// nil they are its lines, each exactly w cells wide as lipgloss measures it; else s is its
// text, drawn by lipgloss, and nothing is known about its width.
type block struct {
	lines []string
	w     int
	s     string
}

func (b block) String() string {
	if b.lines == nil {
		return b.s
	}
	return strings.Join(b.lines, "\n")
}

// boxFrame is a pane's border at one width and style as lipgloss draws it: its top and bottom
// lines, and what lipgloss puts left and right of every inner line. ok is false when the style
// draws anything else (padding, a colour or a transform of the text, a border of other
// characters than box drawing and ASCII ones): box then leaves such panes to lipgloss.
type boxFrame struct {
	top, bottom, left, right string
	leftCell, rightCell      string // the visible character of left and right, "" when an escape sequence separates it from the line
	ok                       bool
}

type frameKey struct {
	looks   uint64
	w       int
	focused bool
}

// boxFrame is the border of a pane w wide in the pane style (focused or not), as lipgloss draws it.
func (c *Common) boxFrame(st lipgloss.Style, w int, focused bool) *boxFrame {
	k := frameKey{c.looks, w, focused}
	if f, ok := c.frames[k]; ok {
		return f
	}
	if c.frames == nil || len(c.frames) >= 64 {
		c.frames = map[frameKey]*boxFrame{}
	}
	f := probeFrame(st, w)
	c.frames[k] = f
	return f
}

// probeFrame has lipgloss draw a box w wide around two lines "x" and takes the border from it.
func probeFrame(st lipgloss.Style, w int) *boxFrame {
	no := &boxFrame{}
	iw := w - 2
	if iw < 1 {
		return no
	}
	got := strings.Split(st.Width(w).Height(4).Render("x\nx"), "\n")
	if len(got) != 4 || got[1] != got[2] {
		return no
	}
	mid := got[1]
	i := strings.IndexByte(mid, 'x')
	if i < 0 {
		return no
	}
	pad := strings.Repeat(" ", iw-1)
	rest, ok := strings.CutPrefix(mid[i+1:], pad)
	if !ok {
		return no
	}
	f := &boxFrame{top: got[0], bottom: got[3], left: mid[:i], right: rest}
	for _, p := range []string{f.top, f.bottom, f.left, f.right} {
		if !borderText(p) {
			return no
		}
	}
	if ansi.StringWidth(f.top) != w || ansi.StringWidth(f.bottom) != w || ansi.StringWidth(mid) != w ||
		ansi.StringWidth(f.left) != 1 || ansi.StringWidth(f.right) != 1 {
		return no
	}
	if i := strings.LastIndexByte(f.left, 0x1b); i < 0 || sgrLen(f.left[i:]) != len(f.left)-i {
		f.leftCell = f.left // no escape sequence after the border's character
	}
	if f.right[0] != 0x1b {
		f.rightCell = f.right
	}
	if f.leftCell != "" && utf8.RuneCountInString(f.leftCell) != 1 || f.rightCell != "" && utf8.RuneCountInString(f.rightCell) != 1 {
		return no
	}
	f.ok = true
	return f
}

// borderText reports whether s is made only of SGR sequences, printable ASCII and box drawing
// characters (U+2500–U+257F): characters that never join their neighbours into one grapheme
// cluster, so s measures the same wherever it stands.
func borderText(s string) bool {
	for i := 0; i < len(s); {
		b := s[i]
		switch {
		case b == 0x1b:
			n := sgrLen(s[i:])
			if n == 0 {
				return false
			}
			i += n
		case b >= 0x20 && b < 0x7f && b != 'x':
			i++
		default:
			r, n := utf8.DecodeRuneInString(s[i:])
			if r < 0x2500 || r > 0x257f {
				return false
			}
			i += n
		}
	}
	return true
}

// plainLine reports whether lipgloss passes line l through unchanged when it draws it in a box
// at least as wide as l: l is valid UTF-8 with no control character (tabs and carriage returns
// included) and no C1 control, its escape sequences are all SGR, and the last of them is a
// reset (so no style runs on past its end: lipgloss would close it there and open it again on
// the next line). sgrEnd says whether l ends with an SGR sequence.
func plainLine(l string) (ok, sgrEnd bool) {
	open := false
	for i := 0; i < len(l); {
		b := l[i]
		switch {
		case b == 0x1b:
			n := sgrLen(l[i:])
			if n == 0 {
				return false, false
			}
			p := l[i+2 : i+n-1]
			open = p != "" && p != "0"
			i += n
			sgrEnd = i == len(l)
			continue
		case b < 0x20 || b == 0x7f:
			return false, false
		case b < 0x80:
			i++
		default:
			r, n := utf8.DecodeRuneInString(l[i:])
			if r == utf8.RuneError && n == 1 || r >= 0x80 && r <= 0x9f {
				return false, false
			}
			i += n
		}
		sgrEnd = false
	}
	return !open, sgrEnd
}

// joinsNot reports whether line l, between the frame's left border and what follows it (the
// padding when padded, else the right border), keeps its own grapheme clusters: nothing of it
// joins the border's character into one cluster, which would change the width lipgloss
// measures for the whole line.
func (f *boxFrame) joinsNot(l string, sgrEnd, padded bool) bool {
	if l == "" {
		return true
	}
	if f.leftCell != "" && l[0] >= 0x80 {
		_, n := utf8.DecodeRuneInString(l)
		if c, _ := ansi.FirstGraphemeCluster(f.leftCell+l[:n], ansi.GraphemeWidth); len(c) != len(f.leftCell) {
			return false
		}
	}
	next := " "
	if !padded {
		next = f.rightCell
	}
	if !sgrEnd && next != "" && l[len(l)-1] >= 0x80 {
		_, n := utf8.DecodeLastRuneInString(l)
		if c, _ := ansi.FirstGraphemeCluster(l[len(l)-n:]+next, ansi.GraphemeWidth); len(c) != n {
			return false
		}
	}
	return true
}

// spaces is n spaces (a slice of a long run when it is long enough).
func spaces(n int) string {
	if n <= len(spaceRun) {
		return spaceRun[:n]
	}
	return strings.Repeat(" ", n)
}

var spaceRun = strings.Repeat(" ", 256)

// boxLine is inner line l of a box drawn in f, iw cells inside its border (cut to the first
// line and to iw cells as box cuts it), with ok false when lipgloss would draw it otherwise.
func (f *boxFrame) boxLine(l string, iw int) (string, bool) {
	if j := strings.IndexByte(l, '\n'); j >= 0 {
		l = l[:j] + ansi.ResetStyle // a line is one line: nothing pushes the border down
	}
	wl := ansi.StringWidth(l)
	if wl > iw {
		l = ansi.Truncate(l, iw, "…")
		wl = ansi.StringWidth(l)
	}
	ok, sgrEnd := plainLine(l)
	if !ok || !f.joinsNot(l, sgrEnd, wl < iw) {
		return "", false
	}
	return f.left + l + spaces(iw-wl) + f.right, true
}

// boxLine is f.boxLine from the line cache: a line boxed once is not measured again while it
// is drawn in the same border (the rows and the pane's other lines mostly stay as they were
// from one frame to the next).
func (c *Common) boxLine(f *boxFrame, l string, iw int) (string, bool) {
	if c.reference {
		return f.boxLine(l, iw)
	}
	k := lineKey{f, l}
	if b, ok := c.lines[k]; ok {
		return b.s, b.ok
	}
	if c.lines == nil || len(c.lines) >= maxBoxedLines {
		c.lines = make(map[lineKey]boxedLine, 256)
	}
	s, ok := f.boxLine(l, iw)
	c.lines[k] = boxedLine{s, ok}
	return s, ok
}

// maxBoxedLines is how many boxed lines the cache keeps (it starts again when full): a few
// screens' worth.
const maxBoxedLines = 1024

type lineKey struct {
	f *boxFrame // the border (one width and style: its iw too)
	l string
}

type boxedLine struct {
	s  string
	ok bool
}

// boxed draws a bordered pane of exactly w×h with the given inner lines (each cut to one line
// and to the pane's width), as lipgloss draws it (see above).
func (c *Common) boxed(lines []string, w, h int, focused bool) block {
	st := c.st.Pane
	if focused {
		st = c.st.PaneFocus
	}
	if !c.reference && w >= 3 && h >= 3 {
		if f := c.boxFrame(st, w, focused); f.ok {
			iw, ih := w-2, h-2
			out := make([]string, ih+2)
			out[0], out[ih+1] = f.top, f.bottom
			ok := true
			for i := 0; i < ih && ok; i++ {
				l := ""
				if i < len(lines) {
					l = lines[i]
				}
				out[i+1], ok = c.boxLine(f, l, iw)
			}
			if ok {
				return block{lines: out, w: w}
			}
		}
	}
	return block{s: lipglossBox(st, lines, w, h)}
}

// box is boxed as text.
func (c *Common) box(lines []string, w, h int, focused bool) string {
	return c.boxed(lines, w, h, focused).String()
}

// lipglossBox is a box drawn by lipgloss alone: each line cut to one line and to the inner
// width, in st w wide and h high.
func lipglossBox(st lipgloss.Style, lines []string, w, h int) string {
	iw, ih := max(1, w-2), max(1, h-2)
	out := make([]string, ih)
	for i := range out {
		if i < len(lines) {
			l := lines[i]
			if j := strings.IndexByte(l, '\n'); j >= 0 {
				l = l[:j] + ansi.ResetStyle // a line is one line: nothing pushes the border down
			}
			if lipgloss.Width(l) > iw {
				l = ansi.Truncate(l, iw, "…")
			}
			out[i] = l
		}
	}
	return st.Width(w).Height(h).Render(strings.Join(out, "\n"))
}

// joinBlocks puts blocks side by side, top-aligned, exactly as lipgloss.JoinHorizontal(
// lipgloss.Top, …) does with their text, measuring only the blocks whose lines are not known.
func (c *Common) joinBlocks(bs ...block) block {
	switch len(bs) {
	case 0:
		return block{}
	case 1:
		return bs[0]
	}
	if c.reference {
		strs := make([]string, len(bs))
		for i, b := range bs {
			strs[i] = b.String()
		}
		return block{s: lipgloss.JoinHorizontal(lipgloss.Top, strs...)}
	}
	j := newJoin(bs)
	var sb strings.Builder
	sb.Grow(j.size)
	ends := make([]int, j.height)
	j.write(&sb, ends)
	s := sb.String()
	if !j.known {
		return block{s: s}
	}
	out := make([]string, j.height)
	start := 0
	for i, e := range ends {
		out[i] = s[start:e]
		start = e + 1
	}
	return block{lines: out, w: j.w}
}

// writeJoined writes joinBlocks(bs...).String() to sb without making it first.
func (c *Common) writeJoined(sb *strings.Builder, bs ...block) {
	switch {
	case len(bs) == 1 && bs[0].lines != nil:
		for i, l := range bs[0].lines {
			if i > 0 {
				sb.WriteByte('\n')
			}
			sb.WriteString(l)
		}
	case len(bs) < 2 || c.reference:
		sb.WriteString(c.joinBlocks(bs...).String())
	default:
		j := newJoin(bs)
		j.write(sb, nil)
	}
}

// join is blocks to put side by side: each one's lines and their widths.
type join struct {
	cols            []column
	height, w, size int  // the lines, the width of the widest line, about how many bytes
	known           bool // every block's lines are known
}

type column struct {
	lines  []string
	widths []int // nil: every line is w wide
	w      int
}

func newJoin(bs []block) join {
	j := join{cols: make([]column, len(bs)), known: true}
	for i, b := range bs {
		if b.lines != nil {
			j.cols[i] = column{lines: b.lines, w: b.w}
		} else {
			j.known = false
			// what lipgloss's getLines does
			s := strings.ReplaceAll(b.s, "\t", "    ")
			s = strings.ReplaceAll(s, "\r\n", "\n")
			col := column{lines: strings.Split(s, "\n")}
			col.widths = make([]int, len(col.lines))
			for k, l := range col.lines {
				col.widths[k] = ansi.StringWidth(l)
				col.w = max(col.w, col.widths[k])
			}
			j.cols[i] = col
		}
		j.height = max(j.height, len(j.cols[i].lines))
		j.w += j.cols[i].w
		for _, l := range j.cols[i].lines {
			j.size += len(l)
		}
	}
	j.size += j.height * (j.w/4 + 1) // the padding of short blocks, the line breaks
	return j
}

// write writes the joined lines to sb, with a line break between two, and where each line
// ends in sb into ends (when it is not nil).
func (j *join) write(sb *strings.Builder, ends []int) {
	for i := 0; i < j.height; i++ {
		if i > 0 {
			sb.WriteByte('\n')
		}
		for _, col := range j.cols {
			lw := 0
			if i < len(col.lines) {
				sb.WriteString(col.lines[i])
				lw = col.w
				if col.widths != nil {
					lw = col.widths[i]
				}
			}
			sb.WriteString(spaces(col.w - lw))
		}
		if ends != nil {
			ends[i] = sb.Len()
		}
	}
}
