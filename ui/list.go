package ui

import (
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"switchboard/inbox"
	"switchboard/routing"
)

// The conversation list and the selection.
//
// The selection is one contact id, convList.sel: the highlighted row, the conversation pane
// and every action key (a, o, t, c, r, enter, the dialogs they open) all follow it, and only
// the person changes it (keys, clicks, search, a decision they raised). The highlighted row is
// derived from it (convList.cursor is where sel is in rows, -1 when it is not there), never the
// other way round, so the row and the pane cannot disagree. The list tells the conversation
// pane when the selection changes (convPane.show and clear); the pane never changes it.
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

// convList is the conversation list of the view shown, and the selection.
type convList struct {
	*Common
	views *viewsPane // the view the list shows
	pane  *convPane  // the conversation pane, which shows the selection

	// a window of the view, newest activity first; only the visible rows are drawn
	rows                       []inbox.ConversationView
	start                      int    // the position of rows[0] in the view
	newer, older               string // cursors of the rows before and after the window; "": none
	cursor, top                int    // cursor: the row of sel (-1: not in the rows), derived from sel
	seq                        uint64
	loading                    bool // a window is being read (it replaces the rows)
	newerLoading, olderLoading bool
	fit                        int // how many conversations the pane shows (setSize)

	// the selected conversation: the one source of truth for the highlighted row, the pane and
	// every action key (a contact id; "" nothing). Only the person changes it.
	sel     string
	selPos  rowPos  // where sel was when last seen in the rows
	gap     *rowPos // where the selection left the view (j/k go on from there)
	note    string  // why no row is highlighted (the selection left the view, or is not in it)
	leaving bool    // sel left the view while a reply or a dialog about it is open

	rowCache map[rowKey][]string // rows as drawn, by what they are drawn from (issue 17)
}

// rowKey is everything a row is drawn from: a row whose key is unchanged draws the same lines,
// so each is rendered once per change, not once per frame. looks moves with the configuration
// and the styles; age is the row's age as shown.
type rowKey struct {
	looks                                            uint64
	w                                                int
	selected, unread, covering, backlog, prompt      bool
	id, display, number, age, kind, preview          string
	assignee, coverName, ownerName, teamName, status string
}

const rowLines = 3

// setSize sizes the list for a body of bodyH lines.
func (l *convList) setSize(bodyH int) {
	fit := max(1, (bodyH-3)/rowLines)
	if fit != l.fit {
		// the panes grew or shrank (a resize, a status of several lines, the tour strip): the
		// highlighted row stays in sight
		l.fit = fit
		l.keepVisible()
	}
}

// listRows is how many conversations fit in the list pane.
func (l *convList) listRows() int { return l.fit }

func (l *convList) filter() inbox.Filter {
	t := l.views.current()
	return inbox.Filter{View: t.view, Team: t.team, Operator: l.as}
}

// loadList reads the list again: a fresh window when nothing is loaded, else around the
// selection.
func (l *convList) loadList() tea.Cmd {
	if l.rows == nil {
		return l.loadWindow(winFresh)
	}
	return l.loadWindow(winReload)
}

func (l *convList) loadWindow(kind winKind) tea.Cmd {
	l.seq++
	l.loading = true
	l.newerLoading, l.olderLoading = false, false
	p, line := l.place(kind)
	f := l.filter()
	msg := windowMsg{seq: l.seq, kind: kind, sel: l.sel, line: line, showTop: len(l.rows) > 0 && l.start+l.top == 0}
	svc, ctx := l.svc, l.ctx
	return l.async(func() tea.Msg {
		msg.w, msg.err = inbox.OpWindow.Call(ctx, svc, inbox.WindowReq{Filter: f, Place: p})
		return msg
	})
}

// place is where a window goes, and the screen line its place is on now.
func (l *convList) place(kind winKind) (inbox.Place, int) {
	switch kind {
	case winTop:
		return inbox.Place{After: 2 * pageSize}, 0
	case winEnd:
		return inbox.Place{End: true, Before: 2 * pageSize}, 0
	case winFresh:
		return inbox.Place{Contact: l.sel, Before: pageSize, After: pageSize}, 0
	}
	// around the selection; when it is not in the rows, around where it left, else the first
	// row shown (with the selection found if it is in the view)
	n := len(l.rows)
	p := inbox.Place{Contact: l.sel}
	var i, after int
	switch {
	case l.cursor >= 0:
		i, after = l.cursor, n-l.cursor-1
		p.At = inbox.CursorOf(l.rows[i])
	case l.gap != nil && kind == winReload:
		i = l.gapIndex()
		after = n - i
		p.At = l.gap.cursor()
	case n > 0:
		i, after = l.top, n-l.top-1
		p.Anchor, p.At = l.rows[i].Contact.ID, inbox.CursorOf(l.rows[i])
	default:
		return inbox.Place{Contact: l.sel, Before: pageSize, After: pageSize}, 0
	}
	before := i
	if l.start+l.top == 0 {
		before += pageSize // the screen shows the start of the view: keep it (new rows appear on top)
	}
	p.Before = min(max(before, pageSize/2), inbox.MaxWindowSide)
	p.After = min(max(after, pageSize), inbox.MaxWindowSide)
	return p, i - l.top
}

// onWindow takes a window read; busy says whether the person is writing a reply to the
// selection or has a dialog about it open (see Model.busyWithSel).
func (l *convList) onWindow(msg windowMsg, busy bool) tea.Cmd {
	if msg.seq != l.seq {
		return nil // a late answer for a list that is no longer shown
	}
	l.loading = false
	if msg.err != nil {
		return l.fail(msg.err)
	}
	if msg.sel != l.sel && msg.kind != winTop && msg.kind != winEnd {
		return l.loadWindow(winReload) // the person moved meanwhile: around where they are now
	}
	wasIn, was := l.cursor >= 0, l.selPos
	w := msg.w
	l.rows, l.start, l.newer, l.older = w.Conversations, w.Start, w.Newer, w.Older
	if l.rows == nil {
		l.rows = []inbox.ConversationView{}
	}
	l.syncCursor()
	anchor := w.At
	var cmds []tea.Cmd
	switch {
	case (msg.kind == winTop || msg.kind == winEnd) && len(l.rows) > 0:
		i := 0
		if msg.kind == winEnd {
			i = len(l.rows) - 1
		}
		cmds = append(cmds, l.selectRow(i))
	case l.cursor >= 0:
		l.note, l.gap, l.leaving = "", nil, false
		l.selPos = posOf(&l.rows[l.cursor])
		anchor = l.cursor
	case msg.kind == winFresh:
		// the person chose a view (or the session started) and the selection is not in it:
		// its first conversation
		if len(l.rows) > 0 {
			cmds = append(cmds, l.selectRow(0))
		} else {
			l.clearSel("", nil)
		}
	case l.sel == "":
	default: // the selection is not in this view
		name := l.selName(w.Conversation)
		label := l.views.current().label
		switch {
		case msg.kind == winReload && (wasIn || l.leaving):
			l.note = name + " left " + label + l.whereNow(w.Conversation)
			gap := was
			if busy {
				l.leaving, l.gap = true, &gap // it goes once the reply or the dialog about it ends
			} else {
				l.clearSel(l.note, &gap)
			}
		default: // chosen in a search or a decision: it stays selected, the list says where it is
			l.note = name + " is not in " + label + l.whereNow(w.Conversation)
		}
	}
	n := max(1, l.listRows())
	switch {
	case msg.kind == winTop:
		l.top = 0
	case msg.kind == winEnd:
		l.top = len(l.rows) - n
	case msg.showTop && l.start == 0:
		l.top = 0
	case l.cursor >= 0 && (msg.kind == winFresh || msg.kind == winJump):
		l.top = l.cursor - n/2
	case msg.kind == winFresh:
		l.top = 0
	default:
		l.top = anchor - msg.line
	}
	l.keepVisible()
	return tea.Batch(append(cmds, l.prefetch())...)
}

func (l *convList) selName(c *inbox.ConversationView) string {
	switch {
	case c != nil:
		return c.Contact.Display()
	case l.pane.detail != nil && l.pane.detail.Conversation.Contact.ID == l.sel:
		return l.pane.detail.Conversation.Contact.Display()
	}
	return "+" + l.sel
}

// whereNow says where a conversation is now: " (now open · team Billing · Raj Mehta)".
func (l *convList) whereNow(c *inbox.ConversationView) string {
	if c == nil || c.Status == "" {
		return ""
	}
	parts := []string{string(c.Status)}
	if c.TeamName != "" {
		parts = append(parts, "team "+c.TeamName)
	}
	parts = append(parts, l.assigneeName(c))
	return " (now " + strings.Join(parts, " · ") + ")"
}

// loadOlder and loadNewer read the page after the window's end or before its start.
func (l *convList) loadOlder() tea.Cmd {
	if l.olderLoading || l.loading || l.older == "" {
		return nil
	}
	l.olderLoading = true
	f := l.filter()
	f.Limit, f.Cursor = pageSize*2, l.older
	return l.loadPage(f, true)
}

func (l *convList) loadNewer() tea.Cmd {
	if l.newerLoading || l.loading || l.newer == "" {
		return nil
	}
	l.newerLoading = true
	f := l.filter()
	f.Limit, f.Cursor, f.Order = pageSize*2, l.newer, inbox.OldestFirst
	return l.loadPage(f, false)
}

func (l *convList) loadPage(f inbox.Filter, older bool) tea.Cmd {
	seq, svc, ctx := l.seq, l.svc, l.ctx
	return l.async(func() tea.Msg {
		p, err := inbox.OpList.Call(ctx, svc, f)
		return pageMsg{seq: seq, older: older, page: p, err: err}
	})
}

func (l *convList) onPage(msg pageMsg) tea.Cmd {
	if msg.seq != l.seq {
		return nil // the window was read again meanwhile
	}
	if msg.older {
		l.olderLoading = false
	} else {
		l.newerLoading = false
	}
	if msg.err != nil {
		return l.fail(msg.err)
	}
	have := make(map[string]bool, len(l.rows))
	for i := range l.rows {
		have[l.rows[i].Contact.ID] = true
	}
	var add []inbox.ConversationView
	for _, c := range msg.page.Conversations {
		if !have[c.Contact.ID] { // (a conversation that moved meanwhile: the reload after its event places it)
			add = append(add, c)
		}
	}
	n := max(1, l.listRows())
	if msg.older {
		l.rows = append(l.rows, add...)
		l.older = msg.page.Next
		// drop rows far above the screen
		if k := min(len(l.rows)-maxRows, l.top-3*n); k > 0 {
			l.rows = l.rows[k:]
			l.start += k
			l.top -= k
			l.newer = inbox.CursorOf(l.rows[0])
		}
	} else {
		rev := make([]inbox.ConversationView, 0, len(add)+len(l.rows))
		for i := len(add) - 1; i >= 0; i-- {
			rev = append(rev, add[i])
		}
		l.rows = append(rev, l.rows...)
		l.top += len(add)
		l.newer = msg.page.Next
		l.start = max(0, l.start-len(add))
		if l.newer == "" {
			l.start = 0
		}
		// drop rows far below the screen
		if k := min(len(l.rows)-maxRows, len(l.rows)-(l.top+4*n)); k > 0 {
			l.rows = l.rows[:len(l.rows)-k]
			l.older = inbox.CursorOf(l.rows[len(l.rows)-1])
		}
	}
	l.syncCursor()
	l.keepVisible()
	return l.prefetch()
}

// prefetch loads the next page at an end of the window the cursor (or the screen) is near.
func (l *convList) prefetch() tea.Cmd {
	i := l.cursor
	if i < 0 {
		i = l.top
	}
	near := 3 * max(1, l.listRows())
	var cmds []tea.Cmd
	if len(l.rows)-i < near {
		cmds = append(cmds, l.loadOlder())
	}
	if i < near {
		cmds = append(cmds, l.loadNewer())
	}
	return tea.Batch(cmds...)
}

// syncCursor finds the selection in the rows.
func (l *convList) syncCursor() {
	l.cursor = -1
	if l.sel == "" {
		return
	}
	for i := range l.rows {
		if l.rows[i].Contact.ID == l.sel {
			l.cursor = i
			return
		}
	}
}

// selectRow selects the conversation of a row; the pane shows it shortly (a preview; enter
// opens it).
func (l *convList) selectRow(i int) tea.Cmd {
	r := &l.rows[i]
	l.cursor, l.selPos = i, posOf(r)
	l.note, l.gap, l.leaving = "", nil, false
	if l.sel == r.Contact.ID {
		return nil
	}
	return l.setSel(r.Contact.ID)
}

// setSel makes id the selection and loads it into the pane after a short pause (moving the
// cursor over many rows loads only the last).
func (l *convList) setSel(id string) tea.Cmd {
	l.sel = id
	return l.pane.show()
}

// clearSel selects nothing; note says why, gap is where the selection was.
func (l *convList) clearSel(note string, gap *rowPos) {
	l.sel, l.cursor = "", -1
	l.pane.clear()
	l.note, l.gap, l.leaving = note, gap, false
}

// selectContact selects a conversation chosen outside the list (search, a decision): the list
// highlights it when it is in the view, reading the window around it when it is not loaded.
func (l *convList) selectContact(id string, open bool) tea.Cmd {
	for i := range l.rows {
		if l.rows[i].Contact.ID == id {
			l.selectRow(i)
			l.keepVisible()
			return tea.Batch(l.pane.load(id, open), l.prefetch())
		}
	}
	l.setSel(id)
	l.cursor, l.note, l.gap, l.leaving = -1, "", nil, false
	return tea.Batch(l.pane.load(id, open), l.loadWindow(winJump))
}

// gapIndex is where the selection that left was among the rows now.
func (l *convList) gapIndex() int {
	for i := range l.rows {
		if l.gap.before(&l.rows[i]) {
			return i
		}
	}
	return len(l.rows)
}

// reset forgets the rows (a view was chosen: it is read afresh).
func (l *convList) reset() {
	l.rows, l.start, l.newer, l.older, l.cursor, l.top = nil, 0, "", "", -1, 0
	l.gap, l.note = nil, ""
}

func (l *convList) update(msg tea.KeyPressMsg) (tea.Cmd, action) {
	k := &l.keys
	page := max(1, l.listRows())
	switch {
	case key.Matches(msg, k.Up):
		return l.moveCursor(-1), nil
	case key.Matches(msg, k.Down):
		return l.moveCursor(1), nil
	case key.Matches(msg, k.PageUp):
		return l.moveCursor(-page), nil
	case key.Matches(msg, k.PageDown):
		return l.moveCursor(page), nil
	case key.Matches(msg, k.Top):
		if l.newer != "" {
			return l.loadWindow(winTop), nil // the start of the view is not loaded
		}
		return l.moveTo(0), nil
	case key.Matches(msg, k.Bottom):
		if l.older != "" {
			return l.loadWindow(winEnd), nil // the end of the view is not loaded
		}
		return l.moveTo(len(l.rows) - 1), nil
	case key.Matches(msg, k.Open):
		return l.openSelected()
	}
	return nil, nil
}

// moveCursor moves the selection over loaded rows only (it never waits on the disk) and
// fetches the next page in the background when an end comes near. With nothing highlighted it
// goes on from where the selection left (or from the first row shown).
func (l *convList) moveCursor(d int) tea.Cmd {
	if len(l.rows) == 0 || d == 0 {
		return nil
	}
	c := l.cursor
	switch {
	case c >= 0:
		c += d
	case l.gap != nil && d > 0:
		c = l.gapIndex() + d - 1
	case l.gap != nil:
		c = l.gapIndex() + d
	case d > 0:
		c = l.top + d - 1
	default:
		c = l.top + d + 1
	}
	return l.moveTo(c)
}

func (l *convList) moveTo(i int) tea.Cmd {
	if len(l.rows) == 0 {
		return nil
	}
	cmd := l.selectRow(max(0, min(i, len(l.rows)-1)))
	l.keepVisible()
	return tea.Batch(cmd, l.prefetch())
}

// openSelected opens the selection in the conversation pane (which gets the focus).
func (l *convList) openSelected() (tea.Cmd, action) {
	switch {
	case l.sel != "":
	case len(l.rows) == 0:
		return l.setStatus(1, "enter: this view is empty"), nil
	default:
		return l.setStatus(1, "enter: nothing is selected — j/k or a click selects a conversation"), nil
	}
	return l.pane.load(l.sel, true), focusPane{p: paneConv}
}

func (l *convList) keepVisible() {
	n := l.listRows()
	if n <= 0 {
		return
	}
	if l.cursor >= 0 {
		if l.cursor < l.top {
			l.top = l.cursor
		}
		if l.cursor >= l.top+n {
			l.top = l.cursor - n + 1
		}
	}
	l.top = max(0, min(l.top, max(0, len(l.rows)-n)))
}

// listInfo is the list's position line: "530 of 100000", "– of 11" when no row is highlighted.
func (l *convList) listInfo() string {
	switch {
	case l.loading && len(l.rows) == 0:
		return "loading…"
	case len(l.rows) == 0:
		return "nothing here"
	}
	total := max(l.views.count(l.views.current()), l.start+len(l.rows))
	if l.cursor < 0 {
		return fmt.Sprintf("– of %d", total)
	}
	return fmt.Sprintf("%d of %d", l.start+l.cursor+1, total)
}

// view draws the list pane in r: the view's name and where the selection is in it, and the
// visible rows.
func (l *convList) view(r rect, focused bool) block {
	iw := r.w - 2
	t := l.views.current()
	info := l.listInfo()
	head := l.st.Title.Render(safeFit(t.label, max(1, iw-lipgloss.Width(info)-1)))
	head += strings.Repeat(" ", max(1, iw-lipgloss.Width(head)-lipgloss.Width(info))) + l.st.Dim.Render(info)
	lines := []string{head}
	n := l.listRows()
	for i := l.top; i < len(l.rows) && i < l.top+n; i++ {
		lines = append(lines, l.row(&l.rows[i], iw, i == l.cursor)...)
	}
	if len(l.rows) == 0 && !l.loading {
		lines = append(lines, "", l.st.Dim.Render(" No conversations in this view."))
	}
	return l.boxed(lines, r.w, r.h, focused)
}

var markers = map[string]string{"message": "✉", "call": "☎", "reply": "↩"}

// row draws one conversation in three lines (from the row cache when nothing it shows changed).
func (l *convList) row(c *inbox.ConversationView, w int, selected bool) []string {
	age := fmtAge(l.now().Sub(c.LastAt))
	k := rowKey{looks: l.looks, w: w, selected: selected, unread: c.Unread > 0,
		covering: c.Covering() && c.Status == routing.StatusOpen, backlog: c.Backlog, prompt: c.Prompt != nil,
		id: c.Contact.ID, display: c.Contact.Display(), number: c.Contact.Number(), age: age, kind: string(c.PreviewKind),
		preview: c.Preview, assignee: l.assigneeName(c), coverName: c.CoverName, ownerName: c.Contact.OwnerName,
		teamName: c.TeamName, status: string(c.Status)}
	if l.reference {
		return l.drawRow(c, w, selected, age)
	}
	if lines, ok := l.rowCache[k]; ok {
		return lines
	}
	if l.rowCache == nil || len(l.rowCache) >= 256 {
		l.rowCache = map[rowKey][]string{}
	}
	lines := l.drawRow(c, w, selected, age)
	l.rowCache[k] = lines
	return lines
}

// drawRow renders one conversation in three lines.
func (l *convList) drawRow(c *inbox.ConversationView, w int, selected bool, age string) []string {
	st := l.st
	plain := selected
	style := func(s lipgloss.Style, t string) string {
		if plain {
			return t
		}
		return s.Render(t)
	}
	mark := " "
	if c.Unread > 0 {
		mark = style(st.Unread, "●")
	}
	name := safe(c.Contact.Display())
	num := " " + c.Contact.Number()
	if c.Contact.Display() == c.Contact.Number() {
		num = "" // a contact with no name is shown by its number, once
	}
	room := w - 3 - len(age)
	name, num = fitNameNumber(name, num, room)
	l1 := mark + " " + style(st.Bold, name) + style(st.Dim, num)
	l1 += strings.Repeat(" ", max(1, w-lipgloss.Width(l1)-len(age))) + style(st.Dim, age)
	marker := markers[string(c.PreviewKind)]
	if marker == "" {
		marker = "·"
	}
	prevStyle := st.Inbound
	if c.PreviewKind == inbox.KindCall && strings.Contains(c.Preview, "missed") {
		prevStyle = st.Missed
	}
	l2 := "  " + marker + " " + style(prevStyle, safeFit(c.Preview, w-4))
	who := "→ " + style(st.Assignee, firstName(safe(l.assigneeName(c))))
	switch {
	case c.Covering() && c.Status == routing.StatusOpen:
		who += style(st.Dim, " for ") + style(st.Owner, firstName(safe(c.CoverName))) // covering for the owner
	case c.Backlog:
		who += style(st.Dim, " · backlog")
	}
	if c.Prompt != nil {
		who = style(st.Locked, "⚑ waiting") + " " + who
	}
	if c.Contact.OwnerName != "" {
		who += style(st.Dim, " · owner ") + style(st.Owner, firstName(safe(c.Contact.OwnerName)))
	} else {
		who += style(st.Dim, " · no owner")
	}
	if c.TeamName != "" {
		who += style(st.Dim, " · "+safe(c.TeamName))
	}
	if c.Status == routing.StatusClosed {
		who += style(st.Dim, " · closed")
	}
	l3 := "  " + who
	lines := []string{l1, l2, l3}
	for i, ln := range lines {
		if lipgloss.Width(ln) > w {
			ln = ansi.Truncate(ln, w, "…")
		}
		if selected {
			ln = st.Selected.Width(w).Render(ln)
			if i == 0 {
				ln = st.SelectedBold.Width(w).Render(ansi.Strip(lines[0]))
			}
		}
		lines[i] = ln
	}
	return lines
}
