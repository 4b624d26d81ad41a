package ui

import (
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"switchboard/inbox"
)

// The conversation list and the selection.
//
// The selection is one contact id, Model.sel: the highlighted row, the conversation pane and
// every action key (a, o, t, c, r, enter, the dialogs they open) all follow it, and only the
// person changes it (keys, clicks, search, a decision they raised). The highlighted row is
// derived from it (Model.cursor is where sel is in rows, -1 when it is not there), never the
// other way round, so the row and the pane cannot disagree.
//
// The list holds a window of the view (rows, newest first): the part around the place the
// person is at, never the whole view. Pages load at either end as the cursor nears it (newer
// rows oldest first from the window's first row, older ones newest first from its last), and
// the far end is dropped beyond maxRows. A reload after live events reads the window around the
// selection again, in one read (Service.Window), with as many rows on each side as are loaded,
// so the selection stays on its contact wherever the contact went in the view. When the
// selection leaves the view, the list says so and nothing is selected (after the reply or the
// dialog about it ends), so no key can act on a row the person did not choose; j/k then go on
// from where it was.

const (
	pageSize = 100  // rows per page
	maxRows  = 1000 // rows a window holds at most
)

// rowPos is where a conversation is in every list: its last activity and contact id (the order
// of the index; see inbox.CursorOf).
type rowPos struct {
	at time.Time
	id string
}

func posOf(c *inbox.ConversationView) rowPos { return rowPos{c.LastAt, c.Contact.ID} }

func (p rowPos) cursor() string {
	return inbox.CursorOf(inbox.ConversationView{Contact: inbox.ContactView{ID: p.id}, LastAt: p.at})
}

// before reports whether c comes after the position in a newest-first list.
func (p rowPos) before(c *inbox.ConversationView) bool {
	a, b := c.LastAt.UnixNano(), p.at.UnixNano()
	return a < b || (a == b && c.Contact.ID < p.id)
}

// winKind says why a window of the list is read, which decides where it is and what it selects.
type winKind int

const (
	winFresh  winKind = iota // a view was chosen: around the selection when it is in it, else its first row
	winReload                // the view changed: around the selection, or where it was
	winJump                  // a conversation was chosen elsewhere (search, a decision): around it
	winTop                   // g: the start of the view, its first row selected
	winEnd                   // G: the end of the view, its last row selected
)

type windowMsg struct {
	seq     uint64
	kind    winKind
	sel     string // the selection when it was asked
	line    int    // the screen line of the place when it was asked
	showTop bool   // the screen showed the start of the view
	w       inbox.Window
	err     error
}

type pageMsg struct {
	seq   uint64
	older bool
	page  inbox.Page
	err   error
}

func (m *Model) filter() inbox.Filter {
	t := m.tabs[m.tab]
	return inbox.Filter{View: t.view, Team: t.team, Operator: m.as}
}

// loadList reads the list again: a fresh window when nothing is loaded, else around the
// selection.
func (m *Model) loadList() tea.Cmd {
	if m.rows == nil {
		return m.loadWindow(winFresh)
	}
	return m.loadWindow(winReload)
}

func (m *Model) loadWindow(kind winKind) tea.Cmd {
	m.listSeq++
	m.listLoading = true
	m.newerLoading, m.olderLoading = false, false
	p, line := m.place(kind)
	f := m.filter()
	msg := windowMsg{seq: m.listSeq, kind: kind, sel: m.sel, line: line, showTop: len(m.rows) > 0 && m.start+m.top == 0}
	svc, ctx := m.svc, m.ctx
	return m.async(func() tea.Msg {
		msg.w, msg.err = svc.Window(ctx, f, p)
		return msg
	})
}

// place is where a window goes, and the screen line its place is on now.
func (m *Model) place(kind winKind) (inbox.Place, int) {
	switch kind {
	case winTop:
		return inbox.Place{After: 2 * pageSize}, 0
	case winEnd:
		return inbox.Place{End: true, Before: 2 * pageSize}, 0
	case winFresh:
		return inbox.Place{Contact: m.sel, Before: pageSize, After: pageSize}, 0
	}
	// around the selection; when it is not in the rows, around where it left, else the first
	// row shown (with the selection found if it is in the view)
	n := len(m.rows)
	p := inbox.Place{Contact: m.sel}
	var i, after int
	switch {
	case m.cursor >= 0:
		i, after = m.cursor, n-m.cursor-1
		p.At = inbox.CursorOf(m.rows[i])
	case m.gap != nil && kind == winReload:
		i = m.gapIndex()
		after = n - i
		p.At = m.gap.cursor()
	case n > 0:
		i, after = m.top, n-m.top-1
		p.Anchor, p.At = m.rows[i].Contact.ID, inbox.CursorOf(m.rows[i])
	default:
		return inbox.Place{Contact: m.sel, Before: pageSize, After: pageSize}, 0
	}
	before := i
	if m.start+m.top == 0 {
		before += pageSize // the screen shows the start of the view: keep it (new rows appear on top)
	}
	p.Before = min(max(before, pageSize/2), inbox.MaxWindowSide)
	p.After = min(max(after, pageSize), inbox.MaxWindowSide)
	return p, i - m.top
}

func (m *Model) onWindow(msg windowMsg) tea.Cmd {
	if msg.seq != m.listSeq {
		return nil // a late answer for a list that is no longer shown
	}
	m.listLoading = false
	if msg.err != nil {
		return m.fail(msg.err)
	}
	if msg.sel != m.sel && msg.kind != winTop && msg.kind != winEnd {
		return m.loadWindow(winReload) // the person moved meanwhile: around where they are now
	}
	wasIn, was := m.cursor >= 0, m.selPos
	w := msg.w
	m.rows, m.start, m.newer, m.older = w.Conversations, w.Start, w.Newer, w.Older
	if m.rows == nil {
		m.rows = []inbox.ConversationView{}
	}
	m.syncCursor()
	anchor := w.At
	var cmds []tea.Cmd
	switch {
	case (msg.kind == winTop || msg.kind == winEnd) && len(m.rows) > 0:
		i := 0
		if msg.kind == winEnd {
			i = len(m.rows) - 1
		}
		cmds = append(cmds, m.selectRow(i))
	case m.cursor >= 0:
		m.note, m.gap, m.leaving = "", nil, false
		m.selPos = posOf(&m.rows[m.cursor])
		anchor = m.cursor
	case msg.kind == winFresh:
		// the person chose a view (or the session started) and the selection is not in it:
		// its first conversation
		if len(m.rows) > 0 {
			cmds = append(cmds, m.selectRow(0))
		} else {
			m.clearSel("", nil)
		}
	case m.sel == "":
	default: // the selection is not in this view
		name := m.selName(w.Conversation)
		label := m.tabs[m.tab].label
		switch {
		case msg.kind == winReload && (wasIn || m.leaving):
			m.note = name + " left " + label + m.whereNow(w.Conversation)
			gap := was
			if m.busyWithSel() {
				m.leaving, m.gap = true, &gap // it goes once the reply or the dialog about it ends
			} else {
				m.clearSel(m.note, &gap)
			}
		default: // chosen in a search or a decision: it stays selected, the list says where it is
			m.note = name + " is not in " + label + m.whereNow(w.Conversation)
		}
	}
	n := max(1, m.listRows())
	switch {
	case msg.kind == winTop:
		m.top = 0
	case msg.kind == winEnd:
		m.top = len(m.rows) - n
	case msg.showTop && m.start == 0:
		m.top = 0
	case m.cursor >= 0 && (msg.kind == winFresh || msg.kind == winJump):
		m.top = m.cursor - n/2
	case msg.kind == winFresh:
		m.top = 0
	default:
		m.top = anchor - msg.line
	}
	m.keepVisible()
	return tea.Batch(append(cmds, m.prefetch())...)
}

func (m *Model) selName(c *inbox.ConversationView) string {
	switch {
	case c != nil:
		return c.Contact.Display()
	case m.detail != nil && m.detail.Conversation.Contact.ID == m.sel:
		return m.detail.Conversation.Contact.Display()
	}
	return "+" + m.sel
}

// whereNow says where a conversation is now: " (now open · team Billing · Raj Mehta)".
func (m *Model) whereNow(c *inbox.ConversationView) string {
	if c == nil || c.Status == "" {
		return ""
	}
	parts := []string{string(c.Status)}
	if c.TeamName != "" {
		parts = append(parts, "team "+c.TeamName)
	}
	parts = append(parts, m.assigneeName(c))
	return " (now " + strings.Join(parts, " · ") + ")"
}

// loadOlder and loadNewer read the page after the window's end or before its start.
func (m *Model) loadOlder() tea.Cmd {
	if m.olderLoading || m.listLoading || m.older == "" {
		return nil
	}
	m.olderLoading = true
	f := m.filter()
	f.Limit, f.Cursor = pageSize*2, m.older
	return m.loadPage(f, true)
}

func (m *Model) loadNewer() tea.Cmd {
	if m.newerLoading || m.listLoading || m.newer == "" {
		return nil
	}
	m.newerLoading = true
	f := m.filter()
	f.Limit, f.Cursor, f.Order = pageSize*2, m.newer, inbox.OldestFirst
	return m.loadPage(f, false)
}

func (m *Model) loadPage(f inbox.Filter, older bool) tea.Cmd {
	seq, svc, ctx := m.listSeq, m.svc, m.ctx
	return m.async(func() tea.Msg {
		p, err := svc.List(ctx, f)
		return pageMsg{seq: seq, older: older, page: p, err: err}
	})
}

func (m *Model) onPage(msg pageMsg) tea.Cmd {
	if msg.seq != m.listSeq {
		return nil // the window was read again meanwhile
	}
	if msg.older {
		m.olderLoading = false
	} else {
		m.newerLoading = false
	}
	if msg.err != nil {
		return m.fail(msg.err)
	}
	have := make(map[string]bool, len(m.rows))
	for i := range m.rows {
		have[m.rows[i].Contact.ID] = true
	}
	var add []inbox.ConversationView
	for _, c := range msg.page.Conversations {
		if !have[c.Contact.ID] { // (a conversation that moved meanwhile: the reload after its event places it)
			add = append(add, c)
		}
	}
	n := max(1, m.listRows())
	if msg.older {
		m.rows = append(m.rows, add...)
		m.older = msg.page.Next
		// drop rows far above the screen
		if k := min(len(m.rows)-maxRows, m.top-3*n); k > 0 {
			m.rows = m.rows[k:]
			m.start += k
			m.top -= k
			m.newer = inbox.CursorOf(m.rows[0])
		}
	} else {
		rev := make([]inbox.ConversationView, 0, len(add)+len(m.rows))
		for i := len(add) - 1; i >= 0; i-- {
			rev = append(rev, add[i])
		}
		m.rows = append(rev, m.rows...)
		m.top += len(add)
		m.newer = msg.page.Next
		m.start = max(0, m.start-len(add))
		if m.newer == "" {
			m.start = 0
		}
		// drop rows far below the screen
		if k := min(len(m.rows)-maxRows, len(m.rows)-(m.top+4*n)); k > 0 {
			m.rows = m.rows[:len(m.rows)-k]
			m.older = inbox.CursorOf(m.rows[len(m.rows)-1])
		}
	}
	m.syncCursor()
	m.keepVisible()
	return m.prefetch()
}

// prefetch loads the next page at an end of the window the cursor (or the screen) is near.
func (m *Model) prefetch() tea.Cmd {
	i := m.cursor
	if i < 0 {
		i = m.top
	}
	near := 3 * max(1, m.listRows())
	var cmds []tea.Cmd
	if len(m.rows)-i < near {
		cmds = append(cmds, m.loadOlder())
	}
	if i < near {
		cmds = append(cmds, m.loadNewer())
	}
	return tea.Batch(cmds...)
}

// syncCursor finds the selection in the rows.
func (m *Model) syncCursor() {
	m.cursor = -1
	if m.sel == "" {
		return
	}
	for i := range m.rows {
		if m.rows[i].Contact.ID == m.sel {
			m.cursor = i
			return
		}
	}
}

// selectRow selects the conversation of a row; the pane shows it shortly (a preview; enter
// opens it).
func (m *Model) selectRow(i int) tea.Cmd {
	r := &m.rows[i]
	m.cursor, m.selPos = i, posOf(r)
	m.note, m.gap, m.leaving = "", nil, false
	if m.sel == r.Contact.ID {
		return nil
	}
	return m.setSel(r.Contact.ID)
}

// setSel makes id the selection and loads it into the pane after a short pause (moving the
// cursor over many rows loads only the last).
func (m *Model) setSel(id string) tea.Cmd {
	m.sel, m.detail, m.replying = id, nil, false
	m.reply.set("")
	m.detailSeq++
	return m.after(60*time.Millisecond, loadDetailMsg{m.detailSeq})
}

// clearSel selects nothing; note says why, gap is where the selection was.
func (m *Model) clearSel(note string, gap *rowPos) {
	m.sel, m.detail, m.cursor, m.replying = "", nil, -1, false
	m.reply.set("") // a reply begun is for the conversation it was begun on
	m.note, m.gap, m.leaving = note, gap, false
	m.detailSeq++ // a detail on its way is for a conversation no longer selected
}

// busyWithSel reports whether the person is writing a reply to the selection or has a dialog
// about it open (a selection that left the view stays until they are done).
func (m *Model) busyWithSel() bool {
	return m.sel != "" && (m.replying || (m.dlg == dlgPick && m.pick.kind != pickActAs) ||
		(m.dlg == dlgPrompt && m.prompt.contact == m.sel))
}

// selectContact selects a conversation chosen outside the list (search, a decision): the list
// highlights it when it is in the view, reading the window around it when it is not loaded.
func (m *Model) selectContact(id string, open bool) tea.Cmd {
	for i := range m.rows {
		if m.rows[i].Contact.ID == id {
			m.selectRow(i)
			m.keepVisible()
			return tea.Batch(m.loadDetail(open), m.prefetch())
		}
	}
	m.setSel(id)
	m.cursor, m.note, m.gap, m.leaving = -1, "", nil, false
	return tea.Batch(m.loadDetail(open), m.loadWindow(winJump))
}

// gapIndex is where the selection that left was among the rows now.
func (m *Model) gapIndex() int {
	for i := range m.rows {
		if m.gap.before(&m.rows[i]) {
			return i
		}
	}
	return len(m.rows)
}

func (m *Model) selectTab(i int) tea.Cmd {
	i = max(0, min(i, len(m.tabs)-1))
	if i == m.tab && m.rows != nil {
		return nil
	}
	m.tab = i
	m.rows, m.start, m.newer, m.older, m.cursor, m.top = nil, 0, "", "", -1, 0
	m.gap, m.note = nil, ""
	return m.loadWindow(winFresh)
}

func (m *Model) listKey(msg tea.KeyPressMsg) tea.Cmd {
	k := &m.keys
	page := max(1, m.listRows())
	switch {
	case key.Matches(msg, k.Up):
		return m.moveCursor(-1)
	case key.Matches(msg, k.Down):
		return m.moveCursor(1)
	case key.Matches(msg, k.PageUp):
		return m.moveCursor(-page)
	case key.Matches(msg, k.PageDown):
		return m.moveCursor(page)
	case key.Matches(msg, k.Top):
		if m.newer != "" {
			return m.loadWindow(winTop) // the start of the view is not loaded
		}
		return m.moveTo(0)
	case key.Matches(msg, k.Bottom):
		if m.older != "" {
			return m.loadWindow(winEnd) // the end of the view is not loaded
		}
		return m.moveTo(len(m.rows) - 1)
	case key.Matches(msg, k.Open):
		return m.openSelected()
	}
	return nil
}

// moveCursor moves the selection over loaded rows only (it never waits on the disk) and
// fetches the next page in the background when an end comes near. With nothing highlighted it
// goes on from where the selection left (or from the first row shown).
func (m *Model) moveCursor(d int) tea.Cmd {
	if len(m.rows) == 0 || d == 0 {
		return nil
	}
	c := m.cursor
	switch {
	case c >= 0:
		c += d
	case m.gap != nil && d > 0:
		c = m.gapIndex() + d - 1
	case m.gap != nil:
		c = m.gapIndex() + d
	case d > 0:
		c = m.top + d - 1
	default:
		c = m.top + d + 1
	}
	return m.moveTo(c)
}

func (m *Model) moveTo(i int) tea.Cmd {
	if len(m.rows) == 0 {
		return nil
	}
	cmd := m.selectRow(max(0, min(i, len(m.rows)-1)))
	m.keepVisible()
	return tea.Batch(cmd, m.prefetch())
}

func (m *Model) openSelected() tea.Cmd {
	switch {
	case m.sel != "":
	case len(m.rows) == 0:
		return m.setStatus(1, "enter: this view is empty")
	default:
		return m.setStatus(1, "enter: nothing is selected — j/k or a click selects a conversation")
	}
	m.focus = paneConv
	return m.loadDetail(true)
}

func (m *Model) keepVisible() {
	n := m.listRows()
	if n <= 0 {
		return
	}
	if m.cursor >= 0 {
		if m.cursor < m.top {
			m.top = m.cursor
		}
		if m.cursor >= m.top+n {
			m.top = m.cursor - n + 1
		}
	}
	m.top = max(0, min(m.top, max(0, len(m.rows)-n)))
}

// listInfo is the list's position line: "530 of 100000", "– of 11" when no row is highlighted.
func (m *Model) listInfo() string {
	switch {
	case m.listLoading && len(m.rows) == 0:
		return "loading…"
	case len(m.rows) == 0:
		return "nothing here"
	}
	total := max(m.count(m.tabs[m.tab]), m.start+len(m.rows))
	if m.cursor < 0 {
		return fmt.Sprintf("– of %d", total)
	}
	return fmt.Sprintf("%d of %d", m.start+m.cursor+1, total)
}
