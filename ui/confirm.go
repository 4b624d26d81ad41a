package ui

import (
	"strings"

	tea "charm.land/bubbletea/v2"
)

// confirmDlg asks before something that is hard to take back (removing a rule, changing the
// plan, quitting with a reply unsent): y or enter goes on, n or esc changes nothing.
type confirmDlg struct {
	*Common
	title, question, yes, no string
	cancelled                string // the status line when n or esc cancels
	do                       func() tea.Cmd
	// quit: going on quits the program (q or ctrl+c with a draft; a second ctrl+c quits)
	quit bool
}

// newConfirm opens a confirmation: question (in words), what y does and what n does.
func newConfirm(c *Common, title, question, yes, no string, do func() tea.Cmd) *confirmDlg {
	return &confirmDlg{Common: c, title: title, question: question, yes: yes, no: no, do: do, cancelled: "Nothing changed"}
}

func (d *confirmDlg) holds(string) bool { return false }

func (d *confirmDlg) update(msg tea.Msg) (tea.Cmd, action) {
	km, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return nil, nil
	}
	switch km.String() {
	case "y", "enter":
		return d.do(), closeDialog{}
	case "n", "esc", "q":
		return d.setStatus(0, d.cancelled), closeDialog{}
	}
	return nil, nil
}

func (d *confirmDlg) draw(rect) drawn {
	st := d.st
	iw := d.dialogInner()
	lines := []string{st.Title.Render(safe(d.title)), ""}
	lines = append(lines, wrap(safe(d.question), iw)...)
	lines = append(lines, "", st.Key.Render("y/enter")+" "+d.yes+"   "+st.Key.Render("n/esc")+" "+d.no)
	return d.float(strings.Join(lines, "\n"))
}
