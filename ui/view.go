package ui

import (
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"switchboard/routing"
)

type rect struct{ x, y, w, h int }

func (r rect) in(x, y int) bool { return r.w > 0 && x >= r.x && x < r.x+r.w && y >= r.y && y < r.y+r.h }

// layout is where everything goes on the current screen size; View draws it, the mouse
// handler hit-tests against it and resize sizes the components from it, so all three always
// agree.
type layout struct {
	wide                  bool
	bannerY, tabsY        int
	bodyY, bodyH, bodyW   int // the panes (or settings, or the help): where, how high, how wide
	views, list, conv, tr rect
	tourBelow             bool // the tour is a strip below the panes (else a column beside them)
	statusY, footerY      int  // the status line (one to three lines from statusY) and the footer
}

// The tour beside the panes needs a screen this wide (the panes keep 120 columns); on a
// narrower one it is a strip below them, across the whole width, as high as the current step
// needs, leaving the panes at least minPaneRows.
const (
	tourSideMin = 160
	tourSideW   = 40
	minPaneRows = 8
)

func (m *Model) layout() layout {
	L := layout{bannerY: -1, tabsY: -1, wide: m.w >= 100}
	y := 1
	if m.banner != "" {
		L.bannerY = y
		y += len(m.bannerText())
	}
	if !L.wide && m.screen == scrInbox {
		L.tabsY = y
		y++
	}
	ns := len(m.statusText())
	avail := max(3, m.h-y-1-ns)
	L.bodyY, L.bodyH, L.bodyW = y, avail, m.w
	L.statusY, L.footerY = m.h-1-ns, m.h-1
	x, w := 0, m.w
	if m.tour.on {
		if m.w >= tourSideMin {
			L.tr = rect{m.w - tourSideW, y, tourSideW, avail}
			w -= tourSideW
			L.bodyW = w
		} else {
			th := min(m.tour.stripHeight(m.w), max(3, avail-minPaneRows))
			if m.helpOpen() {
				// the help is what was asked for: the strip keeps its progress and the
				// step's title, and gives the help the rest
				th = min(th, 4)
			}
			L.bodyH = avail - th
			L.tr = rect{0, y + L.bodyH, m.w, th}
			L.tourBelow = true
		}
	}
	if m.screen != scrInbox {
		return L
	}
	if L.wide {
		L.views = rect{0, y, 26, L.bodyH}
		x, w = 26, w-26
	}
	lw := max(34, w*9/20)
	L.list = rect{x, y, lw, L.bodyH}
	L.conv = rect{x + lw, y, w - lw, L.bodyH}
	return L
}

// helpOpen says whether the help page is open (under other dialogs or not).
func (m *Model) helpOpen() bool {
	for _, d := range m.dialogs.stack {
		if d == Dialog(m.help) {
			return true
		}
	}
	return false
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
	if m.frameValid {
		return m.frame
	}
	v := tea.NewView(guard(m.render()))
	v.AltScreen = true
	v.MouseMode = tea.MouseModeCellMotion
	v.WindowTitle = "Switchboard"
	if m.unread > 0 {
		v.WindowTitle = fmt.Sprintf("Switchboard (%d)", m.unread)
	}
	m.frame, m.frameValid = v, true
	return v
}

func (m *Model) render() string {
	if m.w == 0 || m.h == 0 {
		return "Switchboard is starting…"
	}
	if m.tooSmall() {
		return lipgloss.Place(m.w, m.h, lipgloss.Center, lipgloss.Center, m.tooSmallText())
	}
	L := m.layout()
	// the lines, top to bottom, each part after a line break (as strings.Join(parts, "\n"))
	var sb strings.Builder
	sb.Grow(m.frameBytes + 64)
	parts := 0
	part := func(s ...string) {
		for _, p := range s {
			if parts > 0 {
				sb.WriteByte('\n')
			}
			sb.WriteString(p)
			parts++
		}
	}
	part(m.header())
	if L.bannerY >= 0 {
		part(m.bannerLines()...)
	}
	if L.tabsY >= 0 {
		part(m.views.tabBar(m.w, m.focus == paneViews))
	}
	// the dialogs, bottom first: a page (the help) is the body, the others float over the
	// screen (those under a page are hidden by it)
	var page string
	var floats []drawn
	for _, d := range m.dialogs.stack {
		dr := d.draw(rect{0, L.bodyY, L.bodyW, L.bodyH})
		if dr.page {
			page, floats = dr.view, nil
			continue
		}
		floats = append(floats, dr)
	}
	var body []block
	switch {
	case page != "":
		body = append(body, block{s: page})
	case m.screen == scrSettings:
		body = append(body, m.settings.view(L.bodyW, L.bodyH))
	default:
		if L.views.w > 0 {
			body = append(body, m.views.view(L.views, m.focus == paneViews))
		}
		if L.list.w > 0 {
			body = append(body, m.list.view(L.list, m.focus == paneList))
		}
		if L.conv.w > 0 {
			body = append(body, m.conv.view(L.conv, m.focus == paneConv, m.list.sel, m.list.note, m.list.cursor >= 0))
		}
	}
	if L.tr.w > 0 && !L.tourBelow {
		body = append(body, m.tour.view(L.tr))
	}
	if parts > 0 { // the panes side by side, one part
		sb.WriteByte('\n')
	}
	m.writeJoined(&sb, body...)
	parts++
	if L.tourBelow {
		part(m.tour.strip(L.tr).String())
	}
	part(m.statusLines()...)
	part(m.footer())
	base := sb.String()
	m.frameBytes = len(base)
	if len(floats) == 0 {
		return base
	}
	layers := []*lipgloss.Layer{lipgloss.NewLayer(base)}
	for i, d := range floats {
		layers = append(layers, lipgloss.NewLayer(d.view).X(d.x).Y(d.y).Z(i+1))
	}
	return cells(lipgloss.NewCompositor(layers...).Render())
}

// header is the top line: where the person is, the spinner, the unread count and who they
// are. It is drawn again only when one of those, the width or the styles changed.
func (m *Model) header() string {
	if m.reference {
		return m.drawHeader()
	}
	hk := headerKey{screen: m.screen, spin: -1, unread: m.unread, as: m.as, w: m.w, looks: m.looks}
	if m.calls.show {
		hk.spin = m.calls.frame % len(spinFrames)
	}
	if o, ok := m.me(); ok {
		hk.me, hk.name, hk.role, hk.status = true, o.Name, o.Role, o.Status
	}
	if m.drawnHeader.ok && m.drawnHeader.key == hk {
		return m.drawnHeader.s
	}
	s := m.drawHeader()
	m.drawnHeader = drawnHeader{hk, s, true}
	return s
}

type headerKey struct {
	screen       screen
	spin, unread int // spin: the spinner's frame, -1 when it does not show
	me           bool
	name, as     string
	role         routing.Role
	status       routing.Presence
	w            int
	looks        uint64
}

type drawnHeader struct {
	key headerKey
	s   string
	ok  bool
}

func (m *Model) drawHeader() string {
	left := m.st.Header.Render(" Switchboard")
	where := "Inbox"
	if m.screen == scrSettings {
		where = "Settings"
	}
	left += m.st.HeaderDim.Render(" · " + where)
	right := ""
	if m.calls.show {
		right += m.st.Dim.Render(spinFrames[m.calls.frame%len(spinFrames)]+" loading") + "  "
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

func firstName(s string) string {
	if i := strings.IndexByte(s, ' '); i > 0 {
		return s[:i]
	}
	return s
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

// tooSmallText says how big the terminal must be, wrapped to the one there is: the sizes are
// what matters, so a window too small even for the sentence gets them alone.
func (m *Model) tooSmallText() string {
	var lines []string
	for _, l := range []string{"Switchboard needs a terminal of at least 80×24.",
		fmt.Sprintf("This one is %d×%d: make the window bigger (q quits).", m.w, m.h)} {
		lines = append(lines, wrap(l, m.w)...)
	}
	if len(lines) > m.h {
		lines = wrap(fmt.Sprintf("Needs 80×24, this is %d×%d", m.w, m.h), m.w)
	}
	if len(lines) > m.h {
		lines = lines[:m.h]
	}
	return strings.Join(lines, "\n")
}

func wrap(s string, w int) []string {
	if w < 4 {
		w = 4
	}
	lines := strings.Split(ansi.Wrap(s, w, ""), "\n")
	for i, l := range lines {
		// a line may begin with a piece of a cluster Cells cut (a skin tone after its U+200B), or
		// with marks a break at a space took from the cluster they made with it
		lines[i] = cells(l)
	}
	return lines
}

// ---- status, footer ----

// bannerText is the banner's lines before styling (layout needs only how many).
func (m *Model) bannerText() []string {
	lines := wrap(safe(m.banner), max(4, m.w-2))
	if len(lines) > 2 {
		lines = append(lines[:1], strings.Join(lines[1:], " "))
	}
	return lines
}

// bannerLines is the banner (a call ringing for you) wrapped to the screen's width, two lines
// at most (the second cut with … past that): who calls and why it is yours stay readable.
func (m *Model) bannerLines() []string {
	lines := m.bannerText()
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = m.st.Banner.Width(m.w).Render(" " + ansi.Truncate(l, m.w-2, "…"))
	}
	return out
}

// maxStatusLines is how many lines a status line (a toast, an error) may take: one that does
// not fit one line wraps, and the panes give up the lines it needs while it shows.
const maxStatusLines = 3

// statusText is the status line's lines before styling (layout needs only how many).
func (m *Model) statusText() []string {
	text := m.status.text
	if text == "" {
		text = m.hint()
	}
	if d := &m.drawnStatus; d.ok && d.text == text && d.w == m.w && !m.reference {
		return d.lines
	}
	lines := wrap(safe(text), max(4, m.w-2))
	if len(lines) > maxStatusLines {
		lines = append(lines[:maxStatusLines-1], strings.Join(lines[maxStatusLines-1:], " "))
	}
	if !m.reference {
		m.drawnStatus = drawnStatus{text: text, w: m.w, lines: lines, ok: true}
	}
	return lines
}

// drawnStatus is the status line as last wrapped (statusText, which layout asks for on every
// message) and styled (statusLines), with what it was drawn from.
type drawnStatus struct {
	text  string
	w     int
	lines []string
	ok    bool

	styled    []string // statusLines, for styledKey
	styledKey statusKey
}

type statusKey struct {
	kind  int // 0 the hint or info, 1 an error, 2 a toast
	looks uint64
}

// statusLines is the status line: the toast or error of the moment (wrapped to the screen's
// width, up to maxStatusLines, the last cut with … past that) or the hint.
func (m *Model) statusLines() []string {
	st := m.st.Status
	text := m.status.text
	switch m.status.kind {
	case 1:
		st = m.st.Error
	case 2:
		st = m.st.Toast
	}
	if text == "" {
		st = m.st.Status
	}
	kind := m.status.kind
	if text == "" || kind != 1 && kind != 2 {
		kind = 0
	}
	lines := m.statusText()
	d := &m.drawnStatus
	sk := statusKey{kind, m.looks}
	if d.styled != nil && d.styledKey == sk && !m.reference {
		return d.styled
	}
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = st.Width(m.w).Render(" " + ansi.Truncate(l, m.w-2, "…"))
	}
	if !m.reference {
		d.styled, d.styledKey = out, sk
	}
	return out
}

func (m *Model) hint() string {
	if m.screen == scrSettings {
		if may, why := m.mayRoute(); !may && m.cfg.loaded {
			return why + " — you can look at everything here."
		}
		k := &m.keys
		return firstKey(k.Down) + "/" + firstKey(k.Up) + " move · " + firstKey(k.Flip) + " flips or changes the focused setting · " + firstKey(k.Back) + " back to the inbox"
	}
	if d := m.conv.detail; d != nil && d.Conversation.Prompt != nil && d.CanAnswer {
		return "This conversation waits for your team decision: press " + firstKey(m.keys.Open) + " in the conversation pane."
	}
	return "Press " + firstKey(m.keys.Help) + " for every key."
}

func (m *Model) footer() string {
	k := &m.keys
	var bs []*keyBinding
	if m.screen == scrSettings {
		// move names both keys, down first, as the hint line above and the dialogs do ("j/k
		// move"): the footer said "k/↑ move", and j was nowhere on the screen
		bs = []*keyBinding{{b: &k.Down, short: "move", keys: firstKey(k.Down) + "/" + firstKey(k.Up)}, {b: &k.Flip}, {b: &k.AddRule}, {b: &k.EditRule}, {b: &k.RuleUp, short: "up"},
			{b: &k.RuleDown, short: "down"}, {b: &k.RemoveRule, short: "remove"}, {b: &k.Back, short: "inbox"}, {b: &k.Help, short: "help"}, {b: &k.Quit}}
	} else {
		bs = []*keyBinding{{b: &k.Help, short: "help"}, {b: &k.Search, short: "search"}, {b: &k.Inject, short: "inject"}, {b: &k.Assign}, {b: &k.Owner},
			{b: &k.Team}, {b: &k.Close, short: "close"}, {b: &k.Reply}, {b: &k.Settings}, {b: &k.ActAs}, {b: &k.Tour, short: "tour"}, {b: &k.Quit}}
	}
	// the footer is drawn from the keys (fixed after New), which of them are off now, the
	// screen, its width and the styles: drawn again only when one of those changed
	var off uint64
	for i, b := range bs {
		if m.disabled(b.b) != "" {
			off |= 1 << i
		}
	}
	if m.reference {
		return m.drawFooter(bs, off)
	}
	fk := footerKey{m.screen, m.w, m.looks, off}
	if m.drawnFooter.ok && m.drawnFooter.key == fk {
		return m.drawnFooter.s
	}
	s := m.drawFooter(bs, off)
	m.drawnFooter = drawnFooter{fk, s, true}
	return s
}

type footerKey struct {
	screen screen
	w      int
	looks  uint64
	off    uint64 // the keys that are off (bit i: the footer's i-th key)
}

type drawnFooter struct {
	key footerKey
	s   string
	ok  bool
}

func (m *Model) drawFooter(bs []*keyBinding, off uint64) string {
	var parts []string
	for i, b := range bs {
		desc := b.short
		if desc == "" {
			desc = b.b.Help().Desc
		}
		keyText := b.b.Help().Key
		if b.keys != "" {
			keyText = b.keys
		}
		if off&(1<<i) != 0 {
			parts = append(parts, m.st.KeyOff.Render(keyText+" "+desc))
			continue
		}
		parts = append(parts, m.st.Key.Render(keyText)+" "+m.st.Dim.Render(desc))
	}
	// a narrow screen drops keys from the end, never help (first) or quit (last), and says
	// where the rest are: no key is shown cut in half
	sep := m.st.Dim.Render(" · ")
	line := " " + strings.Join(parts, sep)
	for len(parts) > 2 && lipgloss.Width(line) > m.w {
		parts = append(parts[:len(parts)-2], parts[len(parts)-1])
		line = " " + strings.Join(parts[:len(parts)-1], sep) + sep + m.st.Dim.Render("…") + sep + parts[len(parts)-1]
	}
	return ansi.Truncate(line, m.w, "…")
}

type keyBinding struct {
	b     *key.Binding
	short string // what it does, when not the binding's own words
	keys  string // the keys shown, when not the binding's own (move: both of its keys)
}
