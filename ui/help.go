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

func (d *helpDlg) view(w, h int) string {
	st := d.st
	colW := 39
	cols := max(1, (w-2)/colW)
	if cols == 1 {
		colW = w - 2
	}
	var lines []string
	for _, g := range d.keys.groups() {
		if len(lines) > 0 {
			lines = append(lines, "")
		}
		lines = append(lines, st.Title.Render(g.title))
		for _, b := range g.keys {
			hp := b.Help()
			if r := d.disabled(b); r != "" {
				lines = append(lines, st.KeyOff.Render(fmt.Sprintf("%-9s", hp.Key))+" "+st.Dim.Render(hp.Desc))
				for _, l := range wrap("✗ "+safe(r), colW-12) {
					lines = append(lines, "          "+st.Reason.Render(l))
				}
				continue
			}
			lines = append(lines, st.Key.Render(fmt.Sprintf("%-9s", hp.Key))+" "+hp.Desc)
		}
	}
	per := (len(lines) + cols - 1) / cols
	var blocks []string
	for c := 0; c < cols; c++ {
		part := lines[min(len(lines), c*per):min(len(lines), (c+1)*per)]
		blocks = append(blocks, lipgloss.NewStyle().Width(colW).Render(strings.Join(part, "\n")))
	}
	all := strings.Split(lipgloss.JoinHorizontal(lipgloss.Top, blocks...), "\n")
	head := []string{st.Title.Render("Keys") + st.Dim.Render("  ✗ says why a key is not available now · j/k scroll · esc closes"), ""}
	room := h - 2 - len(head) - 1
	d.top = max(0, min(d.top, len(all)-room))
	end := min(len(all), d.top+room)
	body := append(head, all[d.top:end]...)
	body = append(body, st.Dim.Render("Mouse: click a view, a conversation or the 🔔 count; in Settings click a row, again to change it; the wheel scrolls."))
	return d.box(body, w, h, true)
}
