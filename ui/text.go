package ui

import (
	"strings"
	"sync/atomic"

	"charm.land/lipgloss/v2"

	"switchboard/textsafe"
)

// Text that does not come from this package — contact names and numbers, messages, captions,
// notes, operator, team and rule names, ids, tags, errors, notifications, toasts, the question
// of a team decision, the settings history, the tour's steps — enters the screen only through
// safe, safeText and safeFit, before any style is applied to it. They apply the rules of
// package textsafe: no control character or escape sequence survives (they are shown as ␛, ␇,
// \u009b …), a line break in a one-line field is a space, and text is cut by terminal cells.
// A message body keeps its line breaks (safeText), and nothing else.
//
// The data the model holds stays exactly as the service returned it (ids are used to act on);
// only what is drawn is made safe. Two more guards stand behind these: box cuts every line to
// its pane, and View makes visible any escape sequence other than our own styling (SGR) and
// any control character, should a string ever reach the screen without passing here.

// safe is s as one line of text that cannot drive the terminal.
func safe(s string) string { return cells(textsafe.Line(s)) }

// safeText is s with its line breaks kept and everything else made safe as by safe.
func safeText(s string) string { return cells(textsafe.Text(s)) }

// safeFit is safe(s) cut to at most w cells, with "…" when it was cut.
func safeFit(s string, w int) string { return textsafe.Fit(safe(s), w) }

// safePad is safeFit(s, w) padded with spaces to exactly w cells.
func safePad(s string, w int) string { return textsafe.Pad(safe(s), w) }

// clusterTerminal is set when the process's one terminal said it counts grapheme clusters as
// lipgloss does (it answered the query of mode 2027, and Bubble Tea's renderer counts them so
// too). Until then — and always in a process that draws many sessions, the SSH door, whose
// terminals differ — the renderer counts a cluster code point by code point, so outside text goes
// through textsafe.Cells: a cluster the two counts disagree on (a skin tone emoji, a Hindi word)
// would push the rest of its line past the pane's border.
var clusterTerminal atomic.Bool

// cells is s as the renderer counts it (see clusterTerminal).
func cells(s string) string {
	if clusterTerminal.Load() {
		return s
	}
	return textsafe.Cells(s)
}

// fitNameNumber fits a contact's name and " +number" (num) in room columns: a long name gives
// way to the number (which tells two Rosa Martíns apart) while the number takes at most half
// the room; past that the name alone, cut.
func fitNameNumber(name, num string, room int) (string, string) {
	switch {
	case lipgloss.Width(name)+lipgloss.Width(num) <= room:
		return name, num
	case lipgloss.Width(num) <= room/2:
		return safeFit(name, room-lipgloss.Width(num)), num
	}
	return safeFit(name, room), ""
}

// guard returns a frame with nothing in it that could drive the terminal but our own
// styling: SGR sequences ("\x1b[…m", what lipgloss draws with) and line breaks stay, any other
// escape sequence or control character is made visible as textsafe does. A frame drawn from
// text that went through safe is returned as it is (no copy).
func guard(frame string) string {
	if frameIsClean(frame) {
		return frame
	}
	var b strings.Builder
	b.Grow(len(frame) + 64)
	for len(frame) > 0 {
		i := strings.IndexByte(frame, 0x1b)
		for i >= 0 && !isSGRAt(frame, i) {
			j := strings.IndexByte(frame[i+1:], 0x1b)
			if j < 0 {
				i = -1
				break
			}
			i += 1 + j
		}
		if i < 0 {
			b.WriteString(safeLines(frame))
			break
		}
		b.WriteString(safeLines(frame[:i]))
		n := sgrLen(frame[i:])
		b.WriteString(frame[i : i+n])
		frame = frame[i+n:]
	}
	return b.String()
}

// safeLines is s with each of its lines made safe (the frame's own line breaks stay; nothing
// else becomes one).
func safeLines(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = textsafe.Line(l)
	}
	return strings.Join(lines, "\n")
}

// frameIsClean reports whether frame holds only text, line breaks and SGR sequences.
func frameIsClean(frame string) bool {
	for i := 0; i < len(frame); i++ {
		c := frame[i]
		switch {
		case c == '\n':
		case c == 0x1b:
			n := sgrLen(frame[i:])
			if n == 0 {
				return false
			}
			i += n - 1
		case c < 0x20 || c == 0x7f:
			return false
		case c >= 0x80:
			// anything textsafe would show differently (C1 controls, bidi controls, bytes
			// that are not UTF-8) takes the slow path
			j := i
			for j < len(frame) && frame[j] >= 0x80 {
				j++
			}
			if !textsafe.Safe(frame[i:j]) {
				return false
			}
			i = j - 1
		}
	}
	return true
}

// isSGRAt reports whether an SGR sequence ("\x1b[" parameters "m") starts at frame[i].
func isSGRAt(frame string, i int) bool { return sgrLen(frame[i:]) > 0 }

// sgrLen is the length of the SGR sequence s starts with, or 0.
func sgrLen(s string) int {
	if len(s) < 3 || s[0] != 0x1b || s[1] != '[' {
		return 0
	}
	for j := 2; j < len(s); j++ {
		switch c := s[j]; {
		case c >= '0' && c <= '9', c == ';', c == ':':
		case c == 'm':
			return j + 1
		default:
			return 0
		}
	}
	return 0
}
