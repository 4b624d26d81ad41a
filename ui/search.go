package ui

import (
	"fmt"
	"strings"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"switchboard/inbox"
)

// searchDlg is the contact search (/): contacts by name or number as they are typed; enter
// opens the one chosen (openContact), in the view or not.
type searchDlg struct {
	*Common
	q       field
	results []inbox.ContactView
	cursor  int
	seq     uint64
}

type searchMsg struct {
	seq uint64
	cs  []inbox.ContactView
	err error
}

func newSearch(c *Common) *searchDlg {
	return &searchDlg{Common: c, q: field{placeholder: "name, number or @username", limit: 140}}
}

func (s *searchDlg) holds(string) bool { return false }

func (s *searchDlg) run() tea.Cmd {
	s.seq++
	q := strings.TrimPrefix(strings.TrimSpace(s.q.String()), "+")
	if q == "" {
		s.results = nil
		return nil
	}
	seq, svc, ctx := s.seq, s.svc, s.ctx
	return s.async(func() tea.Msg {
		cs, err := inbox.OpContacts.Call(ctx, svc, inbox.SearchReq{Query: q, Limit: 10})
		return searchMsg{seq, cs, err}
	})
}

func (s *searchDlg) onSearch(msg searchMsg) tea.Cmd {
	if msg.seq != s.seq {
		return nil
	}
	if msg.err != nil {
		return s.fail(msg.err)
	}
	s.results, s.cursor = msg.cs, 0
	return nil
}

func (s *searchDlg) update(msg tea.Msg) (tea.Cmd, action) {
	switch msg := msg.(type) {
	case tea.PasteMsg:
		s.q.update(msg)
		return s.run(), nil
	case tea.KeyPressMsg:
		return s.key(msg)
	}
	return nil, nil
}

func (s *searchDlg) key(msg tea.KeyPressMsg) (tea.Cmd, action) {
	switch msg.String() {
	case "esc":
		return nil, closeDialog{}
	case "up", "ctrl+p":
		s.cursor = max(0, s.cursor-1)
		return nil, nil
	case "down", "ctrl+n", "tab":
		s.cursor = min(len(s.results)-1, s.cursor+1)
		return nil, nil
	case "enter":
		if len(s.results) == 0 {
			return s.setStatus(1, "No contact matches: type part of a name or the start of a number"), nil
		}
		return nil, openContact{id: s.results[s.cursor].ID}
	}
	if s.q.update(msg) {
		return s.run(), nil
	}
	return nil, nil
}

func (s *searchDlg) draw(rect) drawn {
	st := s.st
	iw := s.dialogInner()
	lines := []string{st.Title.Render("Search contacts"), "", st.Key.Render("/ ") + s.q.view(iw-2, true, st), ""}
	for i, c := range s.results {
		owner := "no owner"
		if c.OwnerName != "" {
			owner = "owner " + c.OwnerName
		}
		text := safe(fmt.Sprintf("%s %s · %s", c.Display(), c.Number(), owner))
		if i == s.cursor {
			lines = append(lines, st.Selected.Width(iw).Render(ansi.Truncate("▸ "+text, iw, "…")))
		} else {
			lines = append(lines, "  "+ansi.Truncate(text, iw-2, "…"))
		}
	}
	if len(s.results) == 0 && s.q.String() != "" {
		lines = append(lines, st.Dim.Render("No matches yet."))
	}
	lines = append(lines, "", st.Key.Render("↑/↓")+" choose · "+st.Key.Render("enter")+" open · "+st.Key.Render("esc")+" close")
	return s.float(strings.Join(lines, "\n"))
}
