package ui

import (
	"context"
	"fmt"
	"strings"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"switchboard/inbox"
)

// searchPage is how many contacts the search shows at once.
const searchPage = 10

// searchDlg is the search (/): contacts by name, number, @username or the text of their
// messages (case and accents folded), as they are typed, ten at a time with the count of all
// matches; pgdn/pgup (or moving past the last/first row) turn the page; enter opens the one
// chosen (openContact), in the view or not.
type searchDlg struct {
	*Common
	q       field
	query   string // the query typed last (the results are for it once asked is false)
	results []inbox.SearchHit
	total   int
	offset  int
	cursor  int
	seq     uint64
	asked   bool            // a search is on its way
	asking  context.Context // its context, and what ends it (the next keystroke replaced it)
	stop    context.CancelFunc
}

type searchMsg struct {
	dlg *searchDlg // the dialog that asked: a search closed and opened again counts from 0 anew
	seq uint64
	r   inbox.SearchResult
	end bool // the cursor goes to the last row of the page (paging back by moving up)
	err error
}

func newSearch(c *Common) *searchDlg {
	return &searchDlg{Common: c, q: field{placeholder: "name, number, @username or words of a message", limit: 140}}
}

func (s *searchDlg) holds(string) bool { return false }

// run searches for what is typed, from its first page.
func (s *searchDlg) run() tea.Cmd {
	q := strings.TrimPrefix(strings.TrimSpace(s.q.String()), "+")
	s.query = q
	if q == "" {
		s.seq++
		s.cancel()
		s.results, s.total, s.offset, s.cursor, s.asked = nil, 0, 0, 0, false
		return nil
	}
	return s.page(0, false)
}

// page asks for the page of the current query from offset on.
func (s *searchDlg) page(offset int, end bool) tea.Cmd {
	s.seq++
	s.asked = true
	// the search on its way is for what was typed before: at a million contacts each one reads
	// every name and message text, and a word typed fast would start one per letter
	s.cancel()
	ctx, stop := context.WithCancel(s.ctx)
	s.asking, s.stop = ctx, stop
	seq, svc, q := s.seq, s.svc, s.query
	return s.async(func() tea.Msg {
		r, err := inbox.OpSearch.Call(ctx, svc, inbox.SearchReq{Query: q, Offset: offset, Limit: searchPage})
		return searchMsg{dlg: s, seq: seq, r: r, end: end, err: err}
	})
}

// cancel ends the search on its way, if one is.
func (s *searchDlg) cancel() {
	if s.stop != nil {
		s.stop()
		s.stop = nil
	}
}

func (s *searchDlg) onSearch(msg searchMsg) tea.Cmd {
	if msg.dlg != s || msg.seq != s.seq {
		return nil // replaced (and cancelled) by a later one, or asked by a dialog since closed
	}
	s.cancel()
	s.asked = false
	if msg.err != nil {
		return s.fail(msg.err)
	}
	s.results, s.total, s.offset, s.cursor = msg.r.Hits, msg.r.Total, msg.r.Offset, 0
	if msg.end {
		s.cursor = max(0, len(s.results)-1)
	}
	return nil
}

func (s *searchDlg) update(msg tea.Msg) (tea.Cmd, action) {
	switch msg := msg.(type) {
	case tea.PasteMsg:
		s.dropStatus("search")
		s.q.update(msg)
		return s.run(), nil
	case tea.KeyPressMsg:
		return s.key(msg)
	}
	return nil, nil
}

// hasNext and hasPrev: a page to turn to. None while a search is on its way: the results shown
// may be of the query before, and their offset is not one of the new query's pages.
func (s *searchDlg) hasNext() bool { return !s.asked && s.offset+len(s.results) < s.total }
func (s *searchDlg) hasPrev() bool { return !s.asked && s.offset > 0 }

func (s *searchDlg) key(msg tea.KeyPressMsg) (tea.Cmd, action) {
	s.dropStatus("search") // "Nothing matches" was about the query before this key
	switch msg.String() {
	case "esc":
		s.cancel()
		return nil, closeDialog{}
	case "up", "ctrl+p", "shift+tab":
		if s.cursor == 0 && s.hasPrev() {
			return s.page(max(0, s.offset-searchPage), true), nil
		}
		s.cursor = max(0, s.cursor-1)
		return nil, nil
	case "down", "ctrl+n", "tab":
		if s.cursor >= len(s.results)-1 && s.hasNext() {
			return s.page(s.offset+len(s.results), false), nil
		}
		s.cursor = max(0, min(len(s.results)-1, s.cursor+1))
		return nil, nil
	case "pgdown":
		if s.hasNext() {
			return s.page(s.offset+len(s.results), false), nil
		}
		return nil, nil
	case "pgup":
		if s.hasPrev() {
			return s.page(max(0, s.offset-searchPage), false), nil
		}
		return nil, nil
	case "enter":
		if len(s.results) == 0 {
			return s.statusAbout("search", 1, "Nothing matches: type part of a name, a number or words of a message"), nil
		}
		s.cancel()
		return nil, openContact{id: s.results[s.cursor].ID}
	}
	if s.q.update(msg) {
		return s.run(), nil
	}
	return nil, nil
}

// count says how many matched and which of them show.
func (s *searchDlg) count() string {
	switch {
	case s.query == "":
		return "Type to search names, numbers and the text of messages."
	case s.asked && s.results == nil:
		return "Searching…"
	case s.total == 0:
		return "Nothing matches " + safeFit("“"+s.query+"”", 60) + "."
	case s.total == 1:
		return "1 match"
	}
	return fmt.Sprintf("%d matches · %d–%d shown", s.total, s.offset+1, s.offset+len(s.results))
}

func (s *searchDlg) draw(rect) drawn {
	st := s.st
	iw := s.dialogInner()
	lines := []string{st.Title.Render("Search contacts and messages"), "", st.Key.Render("/ ") + s.q.view(iw-2, true, st), st.Dim.Render(s.count()), ""}
	for i, c := range s.results {
		owner := "no owner"
		if c.OwnerName != "" {
			owner = "owner " + c.OwnerName
		}
		text := safe(c.Labeled() + " · " + owner)
		if i == s.cursor {
			lines = append(lines, st.Selected.Width(iw).Render(ansi.Truncate("▸ "+text, iw, "…")))
		} else {
			lines = append(lines, "  "+ansi.Truncate(text, iw-2, "…"))
		}
		if c.Snippet != "" {
			lines = append(lines, "    "+st.Dim.Render(ansi.Truncate(safe("✉ "+c.Snippet), iw-4, "…")))
		}
	}
	nav := st.Key.Render("↑/↓") + " choose · " + st.Key.Render("enter") + " open · " + st.Key.Render("esc") + " close"
	if s.offset > 0 || s.offset+len(s.results) < s.total {
		nav = st.Key.Render("pgdn/pgup") + " more · " + nav
	}
	lines = append(lines, "", nav)
	return s.float(strings.Join(lines, "\n"))
}
