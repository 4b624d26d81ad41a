package ui

import (
	"strings"
	"unicode"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
)

// field is a one-line text input. It is ours rather than bubbles/textinput so that it needs
// no blink timer: tests drive it synchronously and frames stay identical between keypresses.
type field struct {
	label, placeholder string
	value              []rune
	pos                int
	limit              int
	// cut is how many characters the last edit could not take because of limit (0: none); the
	// owner says so, so a long text is never shortened without a word
	cut int
	// multiline: shift+enter, alt+enter (or ctrl+j) start a new line, and pasted text keeps
	// its line breaks (the reply box); enter itself is the owner's (it sends)
	multiline bool
}

// lineBreaks turns CRLF and a CR alone into LF.
var lineBreaks = strings.NewReplacer("\r\n", "\n", "\r", "\n")

func (f *field) set(s string)   { f.value = []rune(s); f.pos = len(f.value) }
func (f *field) String() string { return string(f.value) }

// update handles an editing key; it reports whether the key was used.
func (f *field) update(msg tea.Msg) bool {
	f.cut = 0
	switch msg := msg.(type) {
	case tea.PasteMsg:
		// a line break may come as LF, CRLF or CR alone (tmux's paste and many terminals
		// send CR): each is one break
		text := lineBreaks.Replace(msg.Content)
		if !f.multiline {
			text = strings.ReplaceAll(text, "\n", " ")
		}
		f.insert(text)
		return true
	case tea.KeyPressMsg:
		switch msg.String() {
		case "shift+enter", "alt+enter", "ctrl+j":
			if !f.multiline {
				return false
			}
			f.insert("\n")
		case "backspace", "ctrl+h":
			if f.pos > 0 {
				f.value = append(f.value[:f.pos-1], f.value[f.pos:]...)
				f.pos--
			}
		case "delete", "ctrl+d":
			if f.pos < len(f.value) {
				f.value = append(f.value[:f.pos], f.value[f.pos+1:]...)
			}
		case "left", "ctrl+b":
			if f.pos > 0 {
				f.pos--
			}
		case "right", "ctrl+f":
			if f.pos < len(f.value) {
				f.pos++
			}
		case "home", "ctrl+a":
			f.pos = 0
		case "end", "ctrl+e":
			f.pos = len(f.value)
		case "ctrl+u":
			f.value, f.pos = f.value[f.pos:], 0
		case "ctrl+w":
			i := f.pos
			for i > 0 && f.value[i-1] == ' ' {
				i--
			}
			for i > 0 && f.value[i-1] != ' ' {
				i--
			}
			f.value, f.pos = append(f.value[:i], f.value[f.pos:]...), i
		default:
			if msg.Text == "" || msg.Mod.Contains(tea.ModCtrl) || msg.Mod.Contains(tea.ModAlt) {
				return false
			}
			f.insert(msg.Text)
		}
		return true
	}
	return false
}

func (f *field) insert(s string) {
	var rs []rune
	for _, r := range s {
		if unicode.IsPrint(r) || (r == '\n' && f.multiline) {
			rs = append(rs, r)
		}
	}
	if f.limit > 0 && len(f.value)+len(rs) > f.limit {
		keep := max(0, f.limit-len(f.value))
		f.cut += len(rs) - keep
		rs = rs[:keep]
	}
	v := make([]rune, 0, len(f.value)+len(rs))
	v = append(v, f.value[:f.pos]...)
	v = append(v, rs...)
	v = append(v, f.value[f.pos:]...)
	f.value, f.pos = v, f.pos+len(rs)
}

// view draws the field in width cells; focused shows a block cursor.
func (f *field) view(width int, focused bool, st Styles) string {
	if width < 4 {
		width = 4
	}
	if len(f.value) == 0 && !focused {
		return st.Dim.Render(ansi.Truncate(f.placeholder, width, "…"))
	}
	if !focused {
		return safeFit(string(f.value), width) // a value set from the store may hold anything
	}
	// keep the cursor in view: show the tail when the text is longer than the box
	start := 0
	if f.pos >= width-1 {
		start = f.pos - width + 2
	}
	before := string(f.value[start:f.pos])
	at, after := " ", ""
	if f.pos < len(f.value) {
		at = string(f.value[f.pos])
		after = string(f.value[f.pos+1:])
	}
	if len(f.value) == 0 && f.placeholder != "" {
		return st.Cursor.Render(" ") + st.Dim.Render(ansi.Truncate(f.placeholder, width-1, "…"))
	}
	out := safe(before) + st.Cursor.Render(safe(at)) + safe(after)
	return ansi.Truncate(out, width, "…")
}

// lines draws a multi-line field in width cells, at most max lines: the lines up to the one
// with the cursor (the text being typed stays in sight), the cursor's line drawn as view does.
func (f *field) lines(width, max int, st Styles) []string {
	if len(f.value) == 0 {
		return []string{f.view(width, true, st)}
	}
	var out []string
	start, curLine := 0, -1
	for i := 0; i <= len(f.value); i++ {
		if i < len(f.value) && f.value[i] != '\n' {
			continue
		}
		if f.pos >= start && f.pos <= i {
			one := field{value: f.value[start:i], pos: f.pos - start}
			out = append(out, one.view(width, true, st))
			curLine = len(out) - 1
		} else {
			out = append(out, safeFit(string(f.value[start:i]), width))
		}
		start = i + 1
	}
	if curLine >= 0 && curLine+1 < len(out) {
		out = out[:curLine+1+min(1, len(out)-curLine-1)] // the cursor's line and the one after
	}
	if len(out) > max {
		out = out[len(out)-max:]
	}
	return out
}
