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

type rect struct{ x, y, w, h int }

func (r rect) in(x, y int) bool { return r.w > 0 && x >= r.x && x < r.x+r.w && y >= r.y && y < r.y+r.h }

// layout is where everything goes on the current screen size; View draws it and the mouse
// handler hit-tests against it, so both always agree.
type layout struct {
	wide                  bool
	bannerY, tabsY        int
	bodyY, bodyH          int
	views, list, conv, tr rect
	statusY, footerY      int
}

func (m *Model) layout() layout {
	L := layout{bannerY: -1, tabsY: -1, wide: m.w >= 100}
	y := 1
	if m.banner != "" {
		L.bannerY = y
		y++
	}
	if !L.wide && m.screen == scrInbox {
		L.tabsY = y
		y++
	}
	L.bodyY, L.bodyH = y, max(3, m.h-y-2)
	L.statusY, L.footerY = m.h-2, m.h-1
	x, w := 0, m.w
	if m.tourOn {
		tw := 30
		if L.wide {
			tw = 36
		}
		L.tr = rect{m.w - tw, y, tw, L.bodyH}
		w -= tw
	}
	if m.screen != scrInbox {
		return L
	}
	if L.wide {
		L.views = rect{0, y, 26, L.bodyH}
		x, w = 26, w-26
	}
	if !L.wide && m.tourOn {
		if m.focus == paneConv {
			L.conv = rect{x, y, w, L.bodyH}
		} else {
			L.list = rect{x, y, w, L.bodyH}
		}
		return L
	}
	lw := max(34, w*9/20)
	L.list = rect{x, y, lw, L.bodyH}
	L.conv = rect{x + lw, y, w - lw, L.bodyH}
	return L
}

const rowLines = 3

// listRows is how many conversations fit in the list pane.
func (m *Model) listRows() int {
	L := m.layout()
	return max(1, (L.bodyH-3)/rowLines)
}

func (m *Model) panes() []pane { return []pane{paneViews, paneList, paneConv} }

func (m *Model) paneIndex() int {
	for i, p := range m.panes() {
		if p == m.focus {
			return i
		}
	}
	return 0
}

// View draws the screen. It does no I/O and touches only what is visible.
func (m *Model) View() tea.View {
	v := tea.NewView(guard(m.render()))
	v.AltScreen = true
	v.MouseMode = tea.MouseModeCellMotion
	v.WindowTitle = "Switchboard"
	if m.unread > 0 {
		v.WindowTitle = fmt.Sprintf("Switchboard (%d)", m.unread)
	}
	return v
}

func (m *Model) render() string {
	if m.w == 0 || m.h == 0 {
		return "Switchboard is starting…"
	}
	if m.tooSmall() {
		msg := fmt.Sprintf("Switchboard needs a terminal of at least 80×24.\nThis one is %d×%d: make the window bigger (q quits).", m.w, m.h)
		return lipgloss.Place(m.w, m.h, lipgloss.Center, lipgloss.Center, msg)
	}
	L := m.layout()
	parts := []string{m.header()}
	if L.bannerY >= 0 {
		parts = append(parts, m.st.Banner.Width(m.w).Render(safeFit(" "+m.banner, m.w)))
	}
	if L.tabsY >= 0 {
		parts = append(parts, m.tabBar(m.w))
	}
	var body []string
	if m.dlg == dlgHelp {
		body = append(body, m.helpView(m.w-L.tr.w, L.bodyH))
	} else if m.screen == scrSettings {
		body = append(body, m.settingsView(m.w-L.tr.w, L.bodyH))
	} else {
		if L.views.w > 0 {
			body = append(body, m.viewsPane(L.views))
		}
		if L.list.w > 0 {
			body = append(body, m.listPane(L.list))
		}
		if L.conv.w > 0 {
			body = append(body, m.convPane(L.conv))
		}
	}
	if L.tr.w > 0 {
		body = append(body, m.tourPane(L.tr))
	}
	parts = append(parts, lipgloss.JoinHorizontal(lipgloss.Top, body...), m.statusLine(), m.footer())
	base := strings.Join(parts, "\n")
	if m.dlg == dlgNone || m.dlg == dlgHelp {
		return base
	}
	d := m.dialogView()
	dw, dh := lipgloss.Size(d)
	x, y := max(0, (m.w-dw)/2), max(1, (m.h-dh)/3)
	return lipgloss.NewCompositor(lipgloss.NewLayer(base), lipgloss.NewLayer(d).X(x).Y(y).Z(1)).Render()
}

func (m *Model) header() string {
	left := m.st.Header.Render(" Switchboard")
	where := "Inbox"
	if m.screen == scrSettings {
		where = "Settings"
	}
	left += m.st.HeaderDim.Render(" · " + where)
	right := ""
	if m.spinShow {
		right += m.st.Dim.Render(spinFrames[m.spin%len(spinFrames)]+" loading") + "  "
	}
	if m.unread > 0 {
		right += m.st.Unread.Render(fmt.Sprintf("🔔 %d", m.unread)) + "  "
	}
	if o, ok := m.me(); ok {
		right += m.st.Bold.Render(safeFit(o.Name, 40)) + m.st.Dim.Render(" · "+safeFit(string(o.Role), 20)+" · ") + m.presence(o.Status) + " "
	} else {
		right += m.st.Dim.Render("as "+safeFit(m.as, 40)) + " "
	}
	gap := m.w - lipgloss.Width(left) - lipgloss.Width(right)
	if gap < 1 {
		return ansi.Truncate(left+" "+right, m.w, "…")
	}
	return left + strings.Repeat(" ", gap) + right
}

var spinFrames = []string{"⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"}

func (m *Model) presence(s routing.Presence) string {
	switch s {
	case routing.Online:
		return m.st.On.Render("● online")
	case routing.Away:
		return m.st.Locked.Render("◐ away")
	}
	return m.st.Off.Render("○ " + safeFit(string(s), 20))
}

func (m *Model) tabLabel(i int) string {
	t := m.tabs[i]
	return fmt.Sprintf("%s %d", safeFit(t.label, 30), m.count(t))
}

// tabBar is the views as one line of tabs (narrow screens), scrolled so the active one shows.
func (m *Model) tabBar(w int) string {
	cells := make([]string, len(m.tabs))
	for i := range m.tabs {
		st := m.st.Tab
		if i == m.tab {
			st = m.st.TabActive
			if m.focus == paneViews {
				st = m.st.TabFocus
			}
		}
		cells[i] = st.Render(m.tabLabel(i))
	}
	start := 0
	for {
		line := strings.Join(cells[start:], "")
		width := 0
		for i := start; i <= m.tab; i++ {
			width += lipgloss.Width(cells[i])
		}
		if width <= w-2 || start >= m.tab {
			if start > 0 {
				line = "‹" + line
			}
			return ansi.Truncate(line, w, "›")
		}
		start++
	}
}

// tabHit returns the tab under column x of the tab bar, or -1.
func (m *Model) tabHit(x int) int {
	// mirror tabBar's scrolling
	start := 0
	for start < m.tab {
		width := 0
		for i := start; i <= m.tab; i++ {
			width += lipgloss.Width(m.tabLabel(i)) + 2
		}
		if width <= m.w-2 {
			break
		}
		start++
	}
	pos := 0
	if start > 0 {
		pos = 1
	}
	for i := start; i < len(m.tabs); i++ {
		w := lipgloss.Width(m.tabLabel(i)) + 2
		if x >= pos && x < pos+w {
			return i
		}
		pos += w
	}
	return -1
}

// box draws a bordered pane of exactly r.w×r.h with the given inner lines.
func (m *Model) box(lines []string, w, h int, focused bool) string {
	st := m.st.Pane
	if focused {
		st = m.st.PaneFocus
	}
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

func (m *Model) viewsPane(r rect) string {
	iw := r.w - 2
	lines := []string{m.st.Title.Render("Views")}
	for i := range m.tabs {
		label := safe(m.tabs[i].label)
		n := fmt.Sprint(m.count(m.tabs[i]))
		gap := max(1, iw-2-lipgloss.Width(label)-len(n))
		text := " " + ansi.Truncate(label, iw-3-len(n), "…") + strings.Repeat(" ", gap) + n + " "
		switch {
		case i == m.tab && m.focus == paneViews:
			text = m.st.SelectedBold.Render(text)
		case i == m.tab:
			text = m.st.SelectedDimBold.Render(text)
		case m.tabs[i].view == inbox.ViewWaiting && m.counts.Waiting > 0:
			text = m.st.Locked.Render(text)
		}
		lines = append(lines, text)
	}
	return m.box(lines, r.w, r.h, m.focus == paneViews)
}

func (m *Model) listPane(r rect) string {
	iw := r.w - 2
	t := m.tabs[m.tab]
	info := m.listInfo()
	head := m.st.Title.Render(safeFit(t.label, max(1, iw-lipgloss.Width(info)-1)))
	head += strings.Repeat(" ", max(1, iw-lipgloss.Width(head)-lipgloss.Width(info))) + m.st.Dim.Render(info)
	lines := []string{head}
	n := m.listRows()
	for i := m.top; i < len(m.rows) && i < m.top+n; i++ {
		lines = append(lines, m.row(&m.rows[i], iw, i == m.cursor)...)
	}
	if len(m.rows) == 0 && !m.listLoading {
		lines = append(lines, "", m.st.Dim.Render(" No conversations in this view."))
	}
	return m.box(lines, r.w, r.h, m.focus == paneList)
}

var markers = map[string]string{"message": "✉", "call": "☎", "reply": "↩"}

func firstName(s string) string {
	if i := strings.IndexByte(s, ' '); i > 0 {
		return s[:i]
	}
	return s
}

// row draws one conversation in three lines.
func (m *Model) row(c *inbox.ConversationView, w int, selected bool) []string {
	st := m.st
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
	age := fmtAge(m.now().Sub(c.LastAt))
	name := safe(c.Contact.Display())
	num := " " + c.Contact.Number()
	room := w - 3 - len(age)
	if lipgloss.Width(name) > room {
		name, num = ansi.Truncate(name, room, "…"), ""
	} else if lipgloss.Width(name)+len(num) > room {
		num = ""
	}
	l1 := mark + " " + style(st.Bold, name) + style(st.Dim, num)
	l1 += strings.Repeat(" ", max(1, w-lipgloss.Width(l1)-len(age))) + style(st.Dim, age)
	marker := markers[string(c.PreviewKind)]
	if marker == "" {
		marker = "·"
	}
	prevStyle := st.Inbound
	if c.PreviewKind == "call" && strings.Contains(c.Preview, "missed") {
		prevStyle = st.Missed
	}
	l2 := "  " + marker + " " + style(prevStyle, safeFit(c.Preview, w-4))
	who := "→ " + style(st.Assignee, firstName(safe(m.assigneeName(c))))
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
	if c.Status == "closed" {
		who += style(st.Dim, " · closed")
	}
	l3 := "  " + who
	lines := []string{l1, l2, l3}
	for i, l := range lines {
		if lipgloss.Width(l) > w {
			l = ansi.Truncate(l, w, "…")
		}
		if selected {
			l = st.Selected.Width(w).Render(l)
			if i == 0 {
				l = st.SelectedBold.Width(w).Render(ansi.Strip(lines[0]))
			}
		}
		lines[i] = l
	}
	return lines
}

func (m *Model) assigneeName(c *inbox.ConversationView) string {
	if c.Assignee == nil {
		return "unassigned"
	}
	if c.AssigneeName != "" {
		return c.AssigneeName
	}
	return m.opName(*c.Assignee)
}

func fmtAge(d time.Duration) string {
	switch {
	case d < time.Minute:
		return "now"
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d/time.Minute))
	case d < 24*time.Hour:
		return fmt.Sprintf("%dh", int(d/time.Hour))
	case d < 60*24*time.Hour:
		return fmt.Sprintf("%dd", int(d/(24*time.Hour)))
	}
	return fmt.Sprintf("%dmo", int(d/(30*24*time.Hour)))
}

// ---- the conversation pane ----

type tlCache struct {
	d     *inbox.Detail
	w     int
	lines []string
}

var reasonWords = map[string]string{
	"active_assignee": "the active assignee keeps it", "owner": "contact owner",
	"owner_team_mismatch": "owner is not in the team", "round_robin": "round robin", "default": "default assignment",
	"prompt_accepted": "team change accepted", "prompt_declined": "team change declined",
	"manual_assign": "assigned by hand", "manual_owner": "owner changed by hand", "team_change": "team changed",
	"member_removed": "member left the team", "operator_deleted": "operator deleted",
	"number_changed": "new number", "contact_merged": "one person, two contacts merged", "number_moved": "number given away",
}

func reasonText(code string) string {
	if r, ok := strings.CutPrefix(code, "rule:"); ok {
		return "automation rule “" + r + "”"
	}
	if w, ok := reasonWords[code]; ok {
		return w
	}
	return strings.ReplaceAll(code, "_", " ")
}

func (m *Model) convPane(r rect) string {
	iw := r.w - 2
	ih := r.h - 2
	focused := m.focus == paneConv
	if m.sel == "" {
		var lines []string
		if m.note != "" {
			lines = append(append(wrap(m.note+".", iw), ""), wrap("Nothing is selected, so no key acts on a conversation.", iw)...)
		}
		return m.box(append(lines, m.st.Dim.Render("Select a conversation (j/k, enter).")), r.w, r.h, focused)
	}
	if m.detail == nil || m.detail.Conversation.Contact.ID != m.sel {
		return m.box([]string{m.st.Dim.Render("Loading…")}, r.w, r.h, focused)
	}
	d := m.detail
	c := &d.Conversation
	st := m.st
	status := safeFit(string(c.Status), 20)
	if status == "" {
		status = "no conversation yet"
	}
	ids := c.Contact.Number()
	if u := c.Contact.Username; u != "" && c.Contact.Display() != "@"+u {
		ids += " · @" + safe(u)
	}
	name, num := safe(c.Contact.Display()), " "+ids
	if room := iw - lipgloss.Width(status) - 3; lipgloss.Width(name) > room {
		name, num = safeFit(name, room), ""
	} else if lipgloss.Width(name)+lipgloss.Width(num) > room {
		num = ""
	}
	l1 := st.Title.Render(name) + st.Dim.Render(num)
	l1 += strings.Repeat(" ", max(1, iw-lipgloss.Width(l1)-lipgloss.Width(status)-2)) + st.Bold.Render("["+status+"]")
	owner := "none"
	if c.Contact.OwnerName != "" {
		owner = safe(c.Contact.OwnerName)
	}
	team := safe(c.TeamName)
	if team == "" {
		team = "none"
	}
	meta := st.Dim.Render("Owner ") + st.Owner.Render(owner) + st.Dim.Render(" · Assignee ") + st.Assignee.Render(safe(m.assigneeName(c)))
	var head []string
	if m.cursor < 0 && m.note != "" {
		for _, l := range wrap(safe(m.note)+": the list highlights nothing", iw) {
			head = append(head, st.Locked.Render(l))
		}
	}
	head = append(head, l1)
	head = append(head, wrap(meta, iw)...)
	head = append(head, st.Dim.Render("Team ")+team)
	if c.Why != "" {
		// the answer to "why is this here?" is shown whole, up to six lines (the timeline's
		// note has it all)
		lines := wrap("Why: "+safe(c.Why), iw)
		if len(lines) > 6 {
			lines = lines[:6]
			lines[5] = ansi.Truncate(lines[5], iw-1, "") + "…"
		}
		for _, l := range lines {
			head = append(head, st.Why.Render(l))
		}
	}
	if p := c.Prompt; p != nil {
		hint := "press enter to decide"
		if !d.CanAnswer {
			hint = safe(m.whoDecides())
		}
		for _, l := range wrap("⚑ Waiting for a team decision — "+hint, iw) {
			head = append(head, st.Locked.Render(l))
		}
	}
	if len(c.Contact.Tags) > 0 {
		head = append(head, st.Dim.Render("Tags: "+safe(strings.Join(c.Contact.Tags, ", "))))
	}
	head = append(head, st.Dim.Render(strings.Repeat("─", iw)))
	foot := []string{st.Dim.Render(strings.Repeat("─", iw))}
	if m.replying {
		foot = append(foot, st.Key.Render("reply› ")+m.reply.view(iw-7, true, st))
	} else {
		foot = append(foot, st.Dim.Render("r reply · a assign · o owner · t team · c close/reopen"))
	}
	tlH := max(1, ih-len(head)-len(foot))
	tl := m.timeline(d, iw)
	end := max(0, len(tl)-m.convScroll)
	if m.convScroll > len(tl)-tlH {
		m.convScroll = max(0, len(tl)-tlH)
		end = len(tl) - m.convScroll
	}
	start := max(0, end-tlH)
	body := make([]string, 0, tlH)
	body = append(body, tl[start:end]...)
	for len(body) < tlH {
		body = append([]string{""}, body...)
	}
	if start == 0 && d.Older != "" && len(body) > 0 {
		body[0] = st.Dim.Render("… older entries not shown")
	}
	lines := append(append(head, body...), foot...)
	return m.box(lines, r.w, r.h, focused)
}

func wrap(s string, w int) []string {
	if w < 4 {
		w = 4
	}
	return strings.Split(ansi.Wrap(s, w, ""), "\n")
}

// timeline renders the detail's entries once per width.
func (m *Model) timeline(d *inbox.Detail, w int) []string {
	if m.tl.d == d && m.tl.w == w {
		return m.tl.lines
	}
	st := m.st
	var out []string
	now := m.now()
	name := safe(d.Conversation.Contact.Display())
	for _, e := range d.Timeline {
		ts := e.At.Format("15:04")
		if e.At.Format("2006-01-02") != now.UTC().Format("2006-01-02") {
			ts = e.At.Format("Jan 2 15:04")
		}
		var text string
		var style lipgloss.Style
		body := inbox.EntryText(e)
		if pre := inbox.EntryContext(e); len(pre) > 0 && e.Source != inbox.SourceApp {
			body = "(" + strings.Join(pre, "; ") + ") " + body
		}
		switch e.Kind {
		case "message":
			text, style = name+": "+safeText(body), st.Inbound
		case "call":
			switch e.Outcome {
			case inbox.CallAnswered:
				text, style = "☎ Call answered · "+inbox.FormatDuration(e.Duration), st.Call
			case inbox.CallMissed:
				text, style = "☎ Call missed", st.Missed
			default:
				text, style = "☎ Call ringing…", st.Call
			}
		case "reply":
			by := safe(m.opName(e.By))
			if e.Source == inbox.SourceApp {
				by = "from the WhatsApp Business app"
			}
			text, style = "↩ "+by+": "+safeText(body), st.Reply
			if e.Delivery != "" {
				text += "  (" + safe(string(e.Delivery)) + ")"
			}
		case "note":
			by := m.opName(e.By)
			switch e.By {
			case "routing":
				by = "Routing"
			case inbox.ByWhatsApp:
				by = "WhatsApp"
			}
			text, style = "· "+safe(by)+": "+safe(e.Text), st.Note
			if e.Reason != "" {
				text += " [" + safe(reasonText(e.Reason)) + "]"
			}
		default:
			text, style = safe(string(e.Kind))+": "+safeText(e.Text), st.Dim
		}
		prefix := st.Dim.Render(ts) + " "
		pw := lipgloss.Width(ts) + 1
		for i, l := range wrap(text, w-pw) {
			if i == 0 {
				out = append(out, prefix+style.Render(l))
			} else {
				out = append(out, strings.Repeat(" ", pw)+style.Render(l))
			}
		}
	}
	if len(out) == 0 {
		out = []string{st.Dim.Render("No messages yet.")}
	}
	m.tl = tlCache{d: d, w: w, lines: out}
	return out
}

// ---- tour, status, footer ----

// wrapCount is the Do and Expect lines of the current step.
func wrapCount(steps []TourStep, cur, w int) []string {
	if cur < 0 {
		return nil
	}
	return append(wrap(safe(steps[cur].Do), w), wrap(safe(steps[cur].Expect), w)...)
}

func (m *Model) tourPane(r rect) string {
	iw := r.w - 2
	st := m.st
	lines := []string{st.Title.Render("Guided tour") + st.Dim.Render("  T hides")}
	cur := -1
	for i, s := range m.steps {
		if !s.Done && cur < 0 {
			cur = i
		}
	}
	for i, s := range m.steps {
		mark := "  "
		if s.Done {
			mark = st.On.Render("✓ ")
		} else if i == cur {
			mark = st.Key.Render("▸ ")
		}
		t := safeFit(fmt.Sprintf("%d. %s", i+1, safe(s.Title)), iw-2)
		if i == cur {
			t = st.Bold.Render(t)
		}
		lines = append(lines, mark+t)
	}
	if len(m.steps) == 0 {
		lines = append(lines, st.Dim.Render("Loading the steps…"))
	}
	if len(lines)+4+len(wrapCount(m.steps, cur, iw)) > r.h-2 && cur >= 0 {
		// short terminal: a progress line instead of every step's title
		var p strings.Builder
		done := 0
		for i, s := range m.steps {
			switch {
			case s.Done:
				p.WriteString("✓")
				done++
			case i == cur:
				p.WriteString("▸")
			default:
				p.WriteString("·")
			}
		}
		lines = []string{st.Title.Render("Guided tour") + st.Dim.Render("  T hides"), p.String() + st.Dim.Render(fmt.Sprintf(" %d/%d done", done, len(m.steps)))}
		for _, l := range wrap(fmt.Sprintf("%d. %s", cur+1, safe(m.steps[cur].Title)), iw) {
			lines = append(lines, st.Bold.Render(l))
		}
	}
	if cur >= 0 {
		s := m.steps[cur]
		lines = append(lines, "", st.Key.Render("Do"))
		lines = append(lines, wrap(safe(s.Do), iw)...)
		lines = append(lines, st.Key.Render("Expect"))
		for _, l := range wrap(safe(s.Expect), iw) {
			lines = append(lines, st.Dim.Render(l))
		}
	} else if len(m.steps) > 0 {
		lines = append(lines, "", st.On.Render("All steps done. Well done!"))
	}
	return m.box(lines, r.w, r.h, false)
}

func (m *Model) statusLine() string {
	st := m.st.Status
	text := m.status
	switch m.statusKind {
	case 1:
		st = m.st.Error
	case 2:
		st = m.st.Toast
	}
	if text == "" {
		st = m.st.Status
		text = m.hint()
	}
	return st.Width(m.w).Render(safeFit(" "+text, m.w))
}

func (m *Model) hint() string {
	if m.screen == scrSettings {
		if !m.isAdmin() && m.loaded {
			return "Only admins can change routing — you can look at everything here."
		}
		return "j/k move · space flips or changes the focused setting · esc back to the inbox"
	}
	if m.detail != nil && m.detail.Conversation.Prompt != nil && m.detail.CanAnswer {
		return "This conversation waits for your team decision: press enter in the conversation pane."
	}
	return "Press ? for every key."
}

func (m *Model) footer() string {
	k := &m.keys
	var bs []*keyBinding
	if m.screen == scrSettings {
		bs = []*keyBinding{{&k.Up, "move"}, {&k.Flip, ""}, {&k.AddRule, ""}, {&k.EditRule, ""}, {&k.RuleUp, "up"},
			{&k.RuleDown, "down"}, {&k.RemoveRule, "remove"}, {&k.Back, "inbox"}, {&k.Help, "help"}, {&k.Quit, ""}}
	} else {
		bs = []*keyBinding{{&k.Help, "help"}, {&k.Search, "search"}, {&k.Inject, "inject"}, {&k.Assign, ""}, {&k.Owner, ""},
			{&k.Team, ""}, {&k.Close, "close"}, {&k.Reply, ""}, {&k.Settings, ""}, {&k.ActAs, ""}, {&k.Tour, "tour"}, {&k.Quit, ""}}
	}
	var parts []string
	for _, b := range bs {
		desc := b.short
		if desc == "" {
			desc = b.b.Help().Desc
		}
		keyText := b.b.Help().Key
		if m.disabled(b.b) != "" {
			parts = append(parts, m.st.KeyOff.Render(keyText+" "+desc))
			continue
		}
		parts = append(parts, m.st.Key.Render(keyText)+" "+m.st.Dim.Render(desc))
	}
	return ansi.Truncate(" "+strings.Join(parts, m.st.Dim.Render(" · ")), m.w, "…")
}

type keyBinding struct {
	b     *key.Binding
	short string
}

// helpView is the full help, drawn from the key map: every key, and for each key that is not
// allowed now, the reason.
func (m *Model) helpView(w, h int) string {
	st := m.st
	colW := 39
	cols := max(1, (w-2)/colW)
	if cols == 1 {
		colW = w - 2
	}
	var lines []string
	for _, g := range m.keys.groups() {
		if len(lines) > 0 {
			lines = append(lines, "")
		}
		lines = append(lines, st.Title.Render(g.title))
		for _, b := range g.keys {
			hp := b.Help()
			if r := m.disabled(b); r != "" {
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
	m.helpTop = max(0, min(m.helpTop, len(all)-room))
	end := min(len(all), m.helpTop+room)
	body := append(head, all[m.helpTop:end]...)
	body = append(body, st.Dim.Render("Mouse: click a view or a conversation; in Settings click a row, click again to change it; the wheel scrolls."))
	return m.box(body, w, h, true)
}
