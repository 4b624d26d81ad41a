package ui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
)

// helpDlg is the full help (?), drawn from the key map in place of the panes: every key, and
// for each key that is not allowed now, the reason (disabled, the model's). The model keeps one
// for the session, so it opens where it was scrolled to.
type helpDlg struct {
	*Common
	disabled func(*key.Binding) string
	top      int
}

func (d *helpDlg) holds(string) bool { return false }

func (d *helpDlg) update(msg tea.Msg) (tea.Cmd, action) {
	k, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return nil, nil
	}
	switch {
	case key.Matches(k, d.keys.Back, d.keys.Help, d.keys.Quit):
		return nil, closeDialog{}
	case key.Matches(k, d.keys.Down):
		d.top++
	case key.Matches(k, d.keys.Up):
		d.top = max(0, d.top-1)
	}
	return nil, nil
}

func (d *helpDlg) draw(body rect) drawn { return drawn{view: d.view(body.w, body.h), page: true} }

// helpSection is a group of keys as the help draws it: its title and its entries, each a key
// line with its wrapped description and, for a key not allowed now, its ✗ reason lines.
type helpSection struct {
	title   string
	entries [][]string
}

// sections draws every group's entries for columns colW wide.
func (d *helpDlg) sections(colW int) []helpSection {
	st := d.st
	var out []helpSection
	for _, g := range d.keys.groups() {
		sec := helpSection{title: g.title}
		for _, b := range g.keys {
			hp := b.Help()
			r := d.disabled(b)
			keySt, descSt := st.Key, lipgloss.NewStyle()
			if r != "" {
				keySt, descSt = st.KeyOff, st.Dim
			}
			var e []string
			for i, l := range wrap(hp.Desc, max(4, colW-11)) {
				k := strings.Repeat(" ", 9)
				if i == 0 {
					k = keySt.Render(fmt.Sprintf("%-9s", hp.Key))
				}
				e = append(e, k+" "+descSt.Render(l))
			}
			if r != "" {
				for _, l := range wrap("✗ "+safe(r), max(4, colW-12)) {
					e = append(e, "          "+st.Reason.Render(l))
				}
			}
			sec.entries = append(sec.entries, e)
		}
		out = append(out, sec)
	}
	return out
}

// helpColumns lays the sections out in at most cols columns of about the same height, never
// parting an entry from its reason: a section that goes on in the next column starts it with
// its title again ("Inbox (continued)"), and no column starts with a blank line. It returns the
// columns' lines.
func (d *helpDlg) helpColumns(secs []helpSection, cols int) [][]string {
	total := 0
	for _, sec := range secs {
		total += 2 // the blank line before it and its title
		for _, e := range sec.entries {
			total += len(e)
		}
	}
	title := func(sec helpSection, cont bool) string {
		if cont {
			return d.st.Title.Render(sec.title) + d.st.Dim.Render(" (continued)")
		}
		return d.st.Title.Render(sec.title)
	}
	fill := func(per int) [][]string {
		var out [][]string
		var col []string
		for _, sec := range secs {
			for i, e := range sec.entries {
				head := 0
				if i == 0 {
					head = 1 // the section's title comes with its first entry
					if len(col) > 0 {
						head = 2
					}
				}
				if len(col) > 0 && len(col)+head+len(e) > per {
					out, col = append(out, col), nil
				}
				switch {
				case i == 0 && len(col) > 0:
					col = append(col, "", title(sec, false))
				case i == 0:
					col = append(col, title(sec, false))
				case len(col) == 0:
					col = append(col, title(sec, true))
				}
				col = append(col, e...)
			}
		}
		return append(out, col)
	}
	for per := max(1, (total+cols-1)/cols); ; per++ {
		if out := fill(per); len(out) <= cols {
			return out
		}
	}
}

func (d *helpDlg) view(w, h int) string {
	st := d.st
	colW := 39
	cols := max(1, (w-2)/colW)
	if cols == 1 {
		colW = w - 2
	}
	var blocks []string
	for _, col := range d.helpColumns(d.sections(colW), cols) {
		blocks = append(blocks, lipgloss.NewStyle().Width(colW).Render(strings.Join(col, "\n")))
	}
	all := strings.Split(lipgloss.JoinHorizontal(lipgloss.Top, blocks...), "\n")
	head := []string{st.Title.Render("Keys") + st.Dim.Render("  ✗ says why a key is not available now · j/k scroll · esc closes"), ""}
	// the mouse line is wrapped to the box, so that it reads in full on a narrow screen too
	var mouse []string
	for _, l := range wrap("Mouse: click a view, a conversation or the 🔔 count; in Settings click a row to choose it and click it again to change it; the wheel scrolls.", max(4, w-2)) {
		mouse = append(mouse, st.Dim.Render(l))
	}
	room := max(1, h-2-len(head)-len(mouse))
	d.top = max(0, min(d.top, len(all)-room))
	end := min(len(all), d.top+room)
	body := append(head, all[d.top:end]...)
	body = append(body, mouse...)
	return d.box(body, w, h, true)
}
