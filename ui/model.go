package ui

import (
	"context"
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"switchboard/inbox"
	"switchboard/routing"
)

type screen int

const (
	scrInbox screen = iota
	scrSettings
)

type pane int

const (
	paneViews pane = iota
	paneList
	paneConv
)

// Model is the root model of the terminal inbox: it holds the session's Common, the
// components (the views, the conversation list, the conversation pane, the settings screen,
// the tour panel) and the stack of open dialogs; it routes messages and keys to them and
// carries out the actions they return. All service calls run in tea.Cmds; every answer carries
// the id of the request that asked, so a late answer never lands in the wrong place.
type Model struct {
	*Common

	screen screen
	focus  pane // the focused pane of the inbox
	// replyFrom is the pane that had the focus when r opened the reply box: the focus goes
	// back to it when the box closes (sent or esc), so j moves in the list again, not the
	// timeline.
	replyFrom pane

	views    viewsPane
	list     convList
	conv     convPane
	settings settingsScreen
	tour     tourPanel
	dialogs  overlay
	help     *helpDlg    // the session's help, opened where it was left
	att      *attendance // the screen's word to presence (nil without Options.Attend)
	held     []tea.Msg   // keys and pastes typed while the top dialog waited (waiter), in order

	cfgSeq uint64
	unread int // unread notifications

	// being told (notify.go): the newest notification seen, when the bell last rang
	noteSeq  uint64
	noteInit bool
	rangAt   time.Time
	rings    int
	banner   string
	bannerID string

	reloadQueued bool
	lastReload   time.Time // when the last reload after events ran
	dirty        dirty

	// the last frame drawn, kept while only messages that change nothing on screen arrive
	// (an event that only marks what to reload, the reload that only asks, an idle spinner
	// tick): a session on a busy inbox draws when something shows, not at every event
	frame      tea.View
	frameValid bool

	drawnHeader drawnHeader // the header as last drawn (view.go)
	drawnStatus drawnStatus // the status line as last drawn (view.go)
	drawnFooter drawnFooter // the footer as last drawn (view.go)
	frameBytes  int         // the size of the last frame drawn (the next is about as big)
}

// shown is what a message that draws nothing may not change, else the frame is drawn again.
type shown struct {
	statusSeq  uint64
	statusText string
	banner     string
	spin       bool
	spinFrame  int
	unread     int
	w, h       int
	sel        string
	leaving    bool
}

func (m *Model) shownNow() shown {
	return shown{m.status.seq, m.status.text, m.banner, m.calls.show, m.calls.frame, m.unread, m.w, m.h,
		m.list.sel, m.list.leaving}
}

// countsBeforeList: new counts while the list they go with is still being read are drawn with
// it (a reload after events draws once, not twice).
func (m *Model) countsBeforeList(msg tea.Msg) bool {
	a, ok := msg.(asyncMsg)
	if !ok {
		return false
	}
	_, counts := a.msg.(countsMsg)
	return counts && m.list.loading
}

// drawsNothing: the messages that only mark, ask or wait.
func drawsNothing(msg tea.Msg) bool {
	switch msg.(type) {
	case eventMsg, reloadMsg, spinMsg:
		return true
	}
	return false
}

type dirty struct{ counts, list, detail, config, notes bool }

// New builds the root model on a connection and subscribes to its events (a subscription
// that cannot start shows why and leaves a screen that reloads only when asked).
func New(ctx context.Context, conn inbox.Conn, opts Options) *Model {
	c := newCommon(ctx, conn, opts)
	m := &Model{Common: c, focus: paneList}
	if opts.Attend {
		m.att = newAttendance(ctx)
	}
	m.views = viewsPane{Common: c}
	m.conv = convPane{Common: c, reply: field{placeholder: "Type a reply; enter sends", limit: inbox.MaxText, multiline: true}, tmpl: -1}
	m.list = convList{Common: c, views: &m.views, pane: &m.conv, cursor: -1}
	m.settings = settingsScreen{Common: c}
	m.tour = tourPanel{Common: c, on: opts.ShowTour && opts.Tour != nil, openedAs: c.as}
	m.help = &helpDlg{Common: c, disabled: m.disabled}
	m.views.tabs = m.views.build()
	events, err := conn.Events(ctx)
	if err != nil {
		closed := make(chan inbox.Event)
		close(closed)
		events = closed
		m.setStatus(1, "Live updates are off: "+errText(err))
	}
	m.events = events
	m.resize()
	return m
}

// ---- messages ----

type asyncMsg struct{ msg tea.Msg }
type eventMsg struct{ e inbox.Event }
type eventsClosedMsg struct{}
type countsMsg struct {
	seq uint64
	c   inbox.Counts
	err error
}
type detailMsg struct {
	seq  uint64
	id   string
	open bool
	d    inbox.Detail
	err  error
}
type configMsg struct {
	seq      uint64
	settings inbox.SettingsView
	history  []inbox.SettingChange
	ops      []inbox.OperatorView
	teams    []inbox.Team
	unread   []inbox.Notification
	caps     inbox.Capabilities
	keys     []inbox.KeyView
	err      error
}
type doneMsg struct {
	what    string
	out     *inbox.Outcome
	err     error
	as      string
	contact string // the conversation acted on ("" for none): a refusal shows in its timeline
	draft   string // a reply's text: kept as the conversation's draft when it is refused
}
type notifyMsg struct {
	ns []inbox.Notification
}
type templatesMsg struct {
	ts []inbox.Template
}
type bannerMsg struct {
	id, text string
	ringing  bool
}
type reloadMsg struct{}

// actedAsMsg: the connection acting as another operator is open (u).
type actedAsMsg struct {
	conn  inbox.Conn
	label string
	err   error
}
type loadDetailMsg struct{ seq uint64 }
type spinMsg struct{}
type clearStatusMsg struct{ seq uint64 }

// reloadAfter is how long the model waits after an event before it reloads what the event
// made stale (a burst of events costs one reload).
const reloadAfter = 80 * time.Millisecond

// ---- commands ----

func (m *Model) loadCounts() tea.Cmd {
	m.views.seq++
	seq, svc, ctx := m.views.seq, m.svc, m.ctx
	return m.async(func() tea.Msg {
		c, err := inbox.OpCounts.Call(ctx, svc, inbox.None{})
		return countsMsg{seq, c, err}
	})
}

// loadDetail reads the selection into the conversation pane; open marks it read.
func (m *Model) loadDetail(open bool) tea.Cmd { return m.conv.load(m.list.sel, open) }

func (m *Model) loadConfig() tea.Cmd {
	m.cfgSeq++
	seq, svc, ctx := m.cfgSeq, m.svc, m.ctx
	return m.async(func() tea.Msg {
		msg := configMsg{seq: seq}
		var who inbox.SessionInfo
		var err error
		for _, step := range []func(){
			func() { who, err = inbox.OpWhoAmI.Call(ctx, svc, inbox.None{}) },
			func() { msg.settings, err = inbox.OpSettings.Call(ctx, svc, inbox.None{}) },
			func() { msg.ops, err = inbox.OpOperators.Call(ctx, svc, inbox.None{}) },
			func() { msg.teams, err = inbox.OpTeams.Call(ctx, svc, inbox.None{}) },
			func() { msg.history, err = inbox.OpHistory.Call(ctx, svc, inbox.None{}) },
			func() { msg.keys, err = inbox.OpKeys.Call(ctx, svc, inbox.IDReq{}) },
			func() { msg.unread, err = inbox.OpNotifications.Call(ctx, svc, inbox.NotificationsReq{}) },
		} {
			if step(); err != nil {
				msg.err = err
				return msg
			}
		}
		msg.caps = who.Capabilities
		return msg
	})
}

// checkBanner looks whether the contact has a call ringing for the person using the inbox; why
// is the routing decision the call's own event carried (the decision actually made for it, which
// the conversation's stored why may not be: an active assignee keeping a call writes no note).
func (m *Model) checkBanner(id, why string) tea.Cmd {
	svc, ctx, as := m.svc, m.ctx, m.as
	return func() tea.Msg {
		d, err := inbox.OpConversation.Call(ctx, svc, inbox.ConversationReq{Contact: id, Limit: 20})
		if err != nil {
			return bannerMsg{id: id}
		}
		for i := len(d.Timeline) - 1; i >= 0; i-- {
			e := d.Timeline[i]
			if e.Kind != inbox.KindCall {
				continue
			}
			if e.Outcome == inbox.CallRinging && d.Conversation.AssigneeID() == as {
				if why == "" {
					why = d.Conversation.Why
				}
				return bannerMsg{id: id, ringing: true, text: fmt.Sprintf("☎ Incoming call from %s (%s), routed to you — %s",
					d.Conversation.Contact.Display(), d.Conversation.Contact.Number(), why)}
			}
			break
		}
		return bannerMsg{id: id}
	}
}

// ---- lifecycle ----

func (m *Model) Init() tea.Cmd {
	return tea.Batch(tea.RequestBackgroundColor, m.waitEvent(), m.loadConfig(), m.loadCounts(), m.list.loadList(), m.tour.load(), m.attend())
}

// Update handles one message. Precedence (gh-dash): the top dialog or the reply being typed
// first, then global keys, then the screen and the focused pane.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg.(type) {
	case tea.KeyPressMsg, tea.MouseClickMsg, tea.MouseWheelMsg, tea.PasteMsg:
		m.att.touch() // the person is at the keys
	}
	m.resize()
	cursor, screen := m.settings.cursor, m.screen
	before := m.shownNow()
	var cmd tea.Cmd
	if !m.hold(msg) {
		cmd = m.update(msg)
	}
	for len(m.held) > 0 && !m.waits(m.held[0]) {
		next := m.held[0]
		m.held = m.held[1:]
		cmd = tea.Batch(cmd, m.update(next))
	}
	m.resize()
	if m.list.leaving && !m.busyWithSel() {
		// the selection left the view while a reply or a dialog about it was open: now it goes
		m.list.clearSel(m.list.note, m.list.gap)
	}
	if !(drawsNothing(msg) || m.countsBeforeList(msg)) || m.shownNow() != before {
		m.frameValid = false
	}
	_, resized := msg.(tea.WindowSizeMsg)
	if m.screen == scrSettings && (m.settings.cursor != cursor || m.screen != screen || resized) {
		m.settings.follow() // the wheel and paging past the last item scroll without moving it
	}
	return m, cmd
}

// maxHeld is how many keys typed ahead the model keeps while a dialog waits.
const maxHeld = 512

// hold keeps a key or a paste for later when the top dialog waits (waiter) or keys are held
// already (they keep their order); ctrl+c always goes through.
func (m *Model) hold(msg tea.Msg) bool {
	switch k := msg.(type) {
	case tea.KeyPressMsg:
		if k.String() == "ctrl+c" {
			return false
		}
	case tea.PasteMsg:
	default:
		return false
	}
	if len(m.held) == 0 && !m.waits(msg) {
		return false
	}
	if len(m.held) < maxHeld {
		m.held = append(m.held, msg)
	}
	return true
}

// waits reports whether the top dialog cannot take msg yet.
func (m *Model) waits(msg tea.Msg) bool {
	w, ok := m.dialogs.top().(waiter)
	return ok && w.waits(msg)
}

// resize gives the components their size for the current layout (soft-serve's SetSize), in
// this one place: after every message, and before one is handled.
func (m *Model) resize() {
	L := m.layout()
	m.list.setSize(L.bodyH)
	m.settings.setSize(L.bodyW, L.bodyH)
}

func (m *Model) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case asyncMsg:
		m.calls.pending--
		if m.calls.pending <= 0 {
			m.calls.pending, m.calls.show = 0, false
		}
		return m.update(msg.msg)
	case attendedMsg:
		if msg.err != nil {
			return m.setStatus(1, "Your status does not follow this screen: "+errText(msg.err))
		}
		return nil
	case tea.WindowSizeMsg:
		m.w, m.h = msg.Width, msg.Height
		m.resize()
		m.list.keepVisible()
		return nil
	case tea.ModeReportMsg:
		v := msg.Value
		if msg.Mode == ansi.ModeUnicodeCore && m.opts.OnlySession &&
			(v == ansi.ModeSet || v == ansi.ModeReset || v == ansi.ModePermanentlySet) && !clusterTerminal.Swap(true) {
			// as Bubble Tea's renderer does: clusters are counted whole from now on
			m.looks++
			m.conv.tl = tlCache{}
		}
		return nil
	case tea.BackgroundColorMsg:
		m.isDark = msg.IsDark()
		m.st = m.styles()
		m.looks++
		m.conv.tl = tlCache{}
		return nil
	case spinMsg:
		if m.calls.pending <= 0 {
			m.calls.spinning, m.calls.show = false, false
			return nil
		}
		m.calls.frame++
		m.calls.show = true // still waiting after a tick: show the spinner
		return m.after(spinEvery, spinMsg{})
	case clearStatusMsg:
		if msg.seq == m.status.seq {
			m.status.text = ""
		}
		return nil
	case eventMsg:
		return tea.Batch(m.onEvent(msg.e), m.waitEvent())
	case eventsClosedMsg:
		if m.ctx.Err() != nil {
			return nil
		}
		// the stream ended while the screen runs: the process that owns the workspace is gone
		m.banner, m.bannerID = "Live updates stopped: the connection to the workspace ended (its owner quit?). Press q and start switchboard again.", ""
		return m.setStatus(1, "Live updates stopped")
	case reloadMsg:
		return m.reload()
	case countsMsg:
		if msg.seq != m.views.seq {
			return nil
		}
		if msg.err != nil {
			return m.fail(msg.err)
		}
		first := !m.views.counted
		m.views.counts, m.views.counted = msg.c, true
		if first && m.views.tab == 0 && msg.c.Mine == 0 {
			return m.selectTab(m.views.index(inbox.ViewAll)) // nothing is yours yet: start on All
		}
		return nil
	case windowMsg:
		return m.list.onWindow(msg, m.busyWithSel())
	case pageMsg:
		return m.list.onPage(msg)
	case loadDetailMsg:
		if msg.seq != m.conv.seq {
			return nil
		}
		return m.loadDetail(false)
	case detailMsg:
		return m.onDetail(msg)
	case configMsg:
		return m.onConfig(msg)
	case actedAsMsg:
		return m.onActedAs(msg)
	case doneMsg:
		return m.onDone(msg)
	case templatesMsg:
		m.conv.setTemplates(msg.ts)
		return nil
	case notifyMsg:
		return m.onNotify(msg.ns)
	case notesMsg:
		if d := open[*notesDlg](&m.dialogs); d != nil {
			return d.onNotes(msg)
		}
		return nil
	case nextMsg:
		return m.onNext(msg)
	case tourMsg:
		m.tour.steps = msg.steps
		if msg.restarted {
			// not the last action's line (the settings the restart put back said theirs)
			return m.setStatus(0, "The tour starts again: the conversations it uses are back as the demo began")
		}
		return nil
	case bannerMsg:
		if msg.ringing {
			m.banner, m.bannerID = msg.text, msg.id
		} else if msg.id == m.bannerID {
			m.banner, m.bannerID = "", ""
		}
		return nil
	case searchMsg:
		if d := open[*searchDlg](&m.dialogs); d != nil {
			return d.onSearch(msg)
		}
		return nil
	case contactsMsg:
		if d := open[*injectDlg](&m.dialogs); d != nil {
			d.onContacts(msg)
		}
		return nil
	case tea.MouseClickMsg:
		return m.onClick(msg.Mouse())
	case tea.MouseWheelMsg:
		return m.onWheel(msg.Mouse())
	case tea.PasteMsg:
		return m.onText(msg)
	case tea.KeyPressMsg:
		return m.onKey(msg)
	}
	return nil
}

// onEvent marks what the event changed and reloads it shortly (a burst of events costs one
// reload).
func (m *Model) onEvent(e inbox.Event) tea.Cmd {
	var cmds []tea.Cmd
	switch e.Kind {
	case inbox.EventReload:
		m.dirty = dirty{true, true, true, true, true}
	case inbox.EventConfig:
		m.dirty.config, m.dirty.counts, m.dirty.list, m.dirty.detail = true, true, true, true
	case inbox.EventNotification:
		if e.To == m.as {
			m.dirty.config = true
			svc, ctx := m.svc, m.ctx
			cmds = append(cmds, func() tea.Msg {
				ns, err := inbox.OpNotifications.Call(ctx, svc, inbox.NotificationsReq{})
				if err != nil {
					return nil
				}
				return notifyMsg{ns}
			})
		}
	case inbox.EventRefused:
		if e.Actor != m.as {
			cmds = append(cmds, m.setStatus(0, fmt.Sprintf("%s tried to change a setting and was refused: %s", m.opName(e.Actor), e.Why)))
		}
	case inbox.EventConversation:
		m.dirty.counts, m.dirty.list = true, true
		cmds = append(cmds, m.ringFor(e))
		if e.Contact == m.list.sel {
			m.dirty.detail = true
		}
		if e.Channel == routing.ChannelCall || (e.Contact != "" && e.Contact == m.bannerID) {
			why := ""
			if e.Channel == routing.ChannelCall && e.Outcome == inbox.CallRinging {
				why = e.Why
			}
			cmds = append(cmds, m.checkBanner(e.Contact, why))
		}
	}
	cmds = append(cmds, m.tour.load())
	if !m.reloadQueued {
		// the first event after a quiet while reloads at once; the events right after it wait
		// for one reload at the end of the while (a burst costs one reload, a lone message
		// shows without waiting)
		m.reloadQueued = true
		if wait := reloadAfter - m.now().Sub(m.lastReload); wait > 0 {
			cmds = append(cmds, m.after(wait, reloadMsg{}))
		} else {
			cmds = append(cmds, func() tea.Msg { return reloadMsg{} })
		}
	}
	return tea.Batch(cmds...)
}

func (m *Model) reload() tea.Cmd {
	m.reloadQueued = false
	m.lastReload = m.now()
	d := m.dirty
	m.dirty = dirty{}
	var cmds []tea.Cmd
	if d.config {
		cmds = append(cmds, m.loadConfig())
	}
	if d.counts {
		cmds = append(cmds, m.loadCounts())
	}
	if d.list {
		cmds = append(cmds, m.list.loadList())
	}
	if d.detail {
		if m.conv.opening != 0 && m.conv.opening == m.conv.seq {
			// the person just opened it: that read is on its way (and what it asks, the team
			// decision, must not be lost to a plain reload); read it again after
			m.dirty.detail, m.reloadQueued = true, true
			cmds = append(cmds, m.after(reloadAfter, reloadMsg{}))
		} else {
			cmds = append(cmds, m.loadDetail(false))
		}
	}
	return tea.Batch(cmds...)
}

func (m *Model) reloadAll() tea.Cmd {
	m.dirty = dirty{true, true, true, true, true}
	return m.reload()
}

func (m *Model) onDetail(msg detailMsg) tea.Cmd {
	if msg.seq == m.conv.opening {
		m.conv.opening = 0
	}
	if msg.seq != m.conv.seq || msg.id != m.list.sel {
		return nil
	}
	if msg.err != nil {
		return m.fail(msg.err)
	}
	d := msg.d
	m.conv.set(d)
	if p := open[*promptDlg](&m.dialogs); p != nil && p.contact == d.Conversation.Contact.ID && d.Conversation.Prompt == nil && !p.busy {
		// someone else answered while the dialog was open
		m.dialogs.remove(p)
		return m.setStatus(1, "Someone else already answered this team decision: "+d.Conversation.Why)
	}
	if msg.open && d.CanAnswer && d.Conversation.Prompt != nil && m.dialogs.empty() {
		m.openPrompt(*d.Conversation.Prompt)
	}
	return nil
}

func (m *Model) onConfig(msg configMsg) tea.Cmd {
	if msg.seq != m.cfgSeq {
		return nil
	}
	if msg.err != nil {
		return m.fail(msg.err)
	}
	m.cfg = config{settings: msg.settings, history: msg.history, ops: msg.ops, teams: msg.teams, caps: msg.caps, keys: msg.keys, loaded: true}
	m.looks++
	m.unread = len(msg.unread)
	if !m.noteInit {
		// what was there before the session began does not ring
		m.noteInit = true
		for _, n := range msg.unread {
			m.noteSeq = max(m.noteSeq, n.Seq)
		}
	}
	v := &m.views
	cur := v.current()
	v.tabs = v.build()
	v.tab = 0
	for i, t := range v.tabs {
		if t.same(cur) {
			v.tab = i
		}
	}
	if !v.current().same(cur) {
		m.list.rows = nil // the view is gone (a team was removed): a fresh list
		return m.selectTab(v.tab)
	}
	if m.settings.cursor >= m.settings.items() {
		m.settings.cursor = m.settings.items() - 1
	}
	return nil
}

func (m *Model) onDone(msg doneMsg) tea.Cmd {
	if msg.err != nil {
		if p := open[*promptDlg](&m.dialogs); p != nil && p.busy {
			p.busy = false
			if inbox.KindOf(msg.err) == inbox.AlreadyDecided {
				m.dialogs.remove(p)
				return tea.Batch(m.setStatus(1, "Someone else answered first: "+msg.err.Error()), m.loadDetail(false))
			}
		}
		if d := open[*injectDlg](&m.dialogs); d != nil && d.busy {
			d.busy = false
		}
		if d := open[*ruleDlg](&m.dialogs); d != nil && d.busy {
			d.busy = false
		}
		if d := open[*valueDlg](&m.dialogs); d != nil && d.busy {
			d.busy = false // the dialog stays, with the error in the status line
		}
		cmd := m.fail(msg.err)
		if msg.contact != "" {
			m.conv.refused(msg.contact, m.now(), errText(msg.err))
			if msg.draft != "" {
				m.conv.keepRefused(msg.contact, msg.draft)
			}
		}
		if inbox.KindOf(msg.err) == inbox.Conflict {
			return tea.Batch(cmd, m.loadDetail(false))
		}
		return cmd
	}
	switch msg.what {
	case "inject":
		m.dialogs.remove(open[*injectDlg](&m.dialogs)) // (a nil one is in no stack)
		o := msg.out
		where := "routed to " + m.opName(o.Conversation.AssigneeID())
		if o.Conversation.TeamName != "" {
			where += " (" + o.Conversation.TeamName + ")"
		}
		if o.Prompt != nil {
			where = "waiting for a team decision"
		}
		if o.Duplicate {
			where = "already received (duplicate), nothing stored"
		}
		return m.setStatus(2, fmt.Sprintf("✓ %s: %s — %s", o.Conversation.Contact.Display(), where, o.Why))
	case "accept", "decline", "cancel":
		m.dialogs.remove(open[*promptDlg](&m.dialogs))
		return m.setStatus(2, "✓ "+msg.out.Why)
	case "rule":
		m.dialogs.remove(open[*ruleDlg](&m.dialogs))
		return m.setStatus(2, "✓ Rule saved")
	case "value":
		d := open[*valueDlg](&m.dialogs)
		m.dialogs.remove(d)
		if d != nil {
			return m.setStatus(2, "✓ "+d.title+" set")
		}
		return nil
	}
	if o := msg.out; o != nil {
		var sel tea.Cmd
		if o.Prompt != nil && msg.as == m.as {
			// the person whose action raised the decision answers it now, on the conversation it
			// is about (the pane shows it behind the dialog)
			if o.Prompt.Contact != m.list.sel {
				sel = m.list.selectContact(o.Prompt.Contact, false)
			}
			m.openPrompt(*o.Prompt)
		}
		if o.Why != "" {
			return tea.Batch(sel, m.setStatus(2, "✓ "+o.Why))
		}
		if sel != nil {
			return sel
		}
	}
	if msg.what != "" {
		return m.setStatus(2, "✓ "+msg.what)
	}
	return nil
}

// openPrompt opens the team decision dialog on p.
func (m *Model) openPrompt(p inbox.PromptView) { m.dialogs.push(newPrompt(m.Common, p)) }

// ---- the selection, across the components ----

// selectTab shows view i: the list reads it afresh (keeping the selection when it is in it).
func (m *Model) selectTab(i int) tea.Cmd {
	i = max(0, min(i, len(m.views.tabs)-1))
	if i == m.views.tab && m.list.rows != nil {
		return nil
	}
	m.views.tab = i
	m.list.reset()
	return m.list.loadWindow(winFresh)
}

// busyWithSel reports whether the person is writing a reply to the selection or has a dialog
// about it open (a selection that left the view stays until they are done).
func (m *Model) busyWithSel() bool {
	return m.list.sel != "" && (m.conv.replying || m.dialogs.holds(m.list.sel))
}

// ---- actions ----

// carry carries out what a component asked for (see action).
func (m *Model) carry(a action) tea.Cmd {
	switch a := a.(type) {
	case openContact:
		m.focus = paneConv
		return m.list.selectContact(a.id, true)
	case actAs:
		act, ctx := m.opts.ActAs, m.ctx
		return m.async(func() tea.Msg {
			conn, err := act(ctx, a.id)
			return actedAsMsg{conn: conn, label: a.label, err: err}
		})
	case openDialog:
		m.dialogs.push(a.d)
	case chooseView:
		return m.selectTab(a.i)
	case focusPane:
		m.focus = a.p
	case leaveSettings:
		m.screen = scrInbox
	}
	return nil
}

// onActedAs switches the session to the connection acting as someone else: everything drawn
// for the one before is dropped and read again as the new one (the event stream stays: it is
// the screen's, not the operator's).
func (m *Model) onActedAs(msg actedAsMsg) tea.Cmd {
	if msg.err != nil {
		return m.fail(msg.err)
	}
	m.svc, m.as = msg.conn, msg.conn.Operator()
	m.cfg.caps = nil // what the one before may do is not what this one may
	// the conversation chosen stays chosen: the list and the pane are read again around it as the
	// new person (when their view does not hold it, it stays selected and the list says where it
	// is, as after a search), so the next key acts on the conversation the person chose
	sel := m.list.sel
	m.list.clearSel("", nil)
	m.list.rows, m.list.start, m.list.newer, m.list.older, m.list.top = nil, 0, "", "", 0
	if sel != "" {
		m.list.sel = sel
		m.list.rows = []inbox.ConversationView{} // read around the selection, not afresh from the top
	}
	m.banner, m.bannerID = "", ""
	return tea.Batch(m.setStatus(2, "You are now acting as "+msg.label), m.reloadAll(), m.tour.load())
}

// do runs what a component's update returned: its command and its action.
func (m *Model) do(cmd tea.Cmd, a action) tea.Cmd {
	if a == nil {
		return cmd
	}
	return tea.Batch(cmd, m.carry(a))
}

// ---- keys ----

// disabled says why a binding cannot be used right now ("" when it can).
func (m *Model) disabled(b *key.Binding) string {
	k := &m.keys
	inSettings := m.screen == scrSettings
	detail := m.conv.detail
	switch b {
	case &k.Assign, &k.Owner, &k.Team, &k.Close, &k.Reply, &k.Retry:
		if inSettings {
			return "conversation keys work on the inbox: press " + firstKey(k.Back)
		}
		if m.list.sel == "" {
			return "select a conversation first"
		}
		if detail == nil || detail.Conversation.Contact.ID != m.list.sel {
			return "the conversation is still loading"
		}
		if b != &k.Owner && detail.Conversation.Status == "" {
			return "this contact has no conversation yet"
		}
		if b == &k.Retry && m.conv.retryable() == "" {
			return "no failed or unsent reply here to send again"
		}
	case &k.Template:
		if !m.conv.replying {
			return "press " + firstKey(k.Reply) + " first: templates are picked in the reply box"
		}
	case &k.ActAs:
		if m.opts.ActAs == nil {
			if m.opts.NoActAs != "" {
				return m.opts.NoActAs
			}
			return "act as works only in a local terminal"
		}
	case &k.Tour:
		if m.opts.Tour == nil {
			return "no guided tour in this session (start the demo to get one)"
		}
	case &k.TourAgain:
		if _, ok := m.opts.Tour.(TourRestarter); !ok {
			return "no guided tour to start again in this session"
		}
		if !m.tour.allDone() {
			return "the tour starts again once every step is done (switchboard demo --reset starts everything over)"
		}
	case &k.Flip:
		if !inSettings {
			return firstKey(k.Flip) + " flips a setting: press " + firstKey(k.Settings) + " for settings"
		}
	case &k.NextPane, &k.PrevPane:
		if inSettings {
			return "settings has one pane: j/k move"
		}
	case &k.AddRule, &k.EditRule, &k.RuleUp, &k.RuleDown, &k.RemoveRule:
		if !inSettings {
			return "rule keys work in settings: press " + firstKey(k.Settings)
		}
		if may, why := m.mayRoute(); !may {
			return why
		}
		if b != &k.AddRule && m.settings.ruleAt() < 0 {
			return "focus an automation rule first"
		}
	}
	return ""
}

// blocked reports a key that matched but is not allowed now.
func (m *Model) blocked(msg tea.KeyPressMsg, b *key.Binding) (bool, tea.Cmd) {
	if !key.Matches(msg, *b) {
		return false, nil
	}
	if r := m.disabled(b); r != "" {
		return true, m.setStatus(1, b.Help().Key+": "+r)
	}
	return false, nil
}

func (m *Model) onKey(msg tea.KeyPressMsg) tea.Cmd {
	k := &m.keys
	if msg.String() == "ctrl+c" {
		if d, ok := m.dialogs.top().(*confirmDlg); ok && d.quit {
			return tea.Quit // asked already: a second ctrl+c means it
		}
		if m.hasDraft() {
			return m.askQuit()
		}
		return tea.Quit
	}
	if m.tooSmall() {
		if key.Matches(msg, k.Quit) {
			return tea.Quit
		}
		return nil
	}
	if d := m.dialogs.top(); d != nil {
		return m.dialogKey(d, msg)
	}
	if m.conv.replying {
		cmd := m.conv.replyKey(msg, m.list.sel)
		if !m.conv.replying && m.focus == paneConv {
			m.focus = m.replyFrom
		}
		return cmd
	}
	switch {
	case key.Matches(msg, k.Quit):
		if m.hasDraft() {
			return m.askQuit()
		}
		return tea.Quit
	case key.Matches(msg, k.Help):
		m.dialogs.push(m.help)
		return nil
	}
	for _, b := range []*key.Binding{&k.Tour, &k.TourAgain, &k.ActAs, &k.Search, &k.Inject} {
		if ok, cmd := m.blocked(msg, b); ok {
			return cmd
		}
	}
	switch {
	case key.Matches(msg, k.Tour):
		m.tour.on = !m.tour.on
		if m.tour.on {
			return m.tour.load()
		}
		return nil
	case key.Matches(msg, k.TourAgain):
		// the tour starts again where the demo opens: on the inbox, as whoever opened it
		m.tour.on = true
		m.screen = scrInbox
		cmd := m.tour.restart()
		if m.opts.ActAs != nil && m.as != m.tour.openedAs {
			cmd = tea.Batch(cmd, m.carry(actAs{id: m.tour.openedAs, label: m.opName(m.tour.openedAs)}))
		}
		return cmd
	case key.Matches(msg, k.ActAs):
		m.dialogs.push(newPicker(m.Common, pickActAs, m.conv.detail))
		return nil
	case key.Matches(msg, k.Presence):
		return m.cyclePresence()
	case key.Matches(msg, k.Notes):
		return m.openNotes()
	}
	if m.screen == scrSettings {
		return m.settingsKey(msg)
	}
	return m.inboxKey(msg)
}

// hasDraft reports whether a reply is typed and not sent (in the box, or kept after esc).
func (m *Model) hasDraft() bool { return m.conv.unsent() }

// askQuit asks before quitting loses the reply being typed.
func (m *Model) askQuit() tea.Cmd {
	who, draft := "this conversation", m.conv.reply.String()
	if d := m.conv.detail; d != nil && strings.TrimSpace(draft) != "" {
		who = d.Conversation.Contact.Display()
	} else {
		for _, t := range m.conv.drafts {
			who, draft = "a conversation you left", t
			break
		}
	}
	if r := []rune(draft); len(r) > 60 {
		draft = string(r[:60]) + "…"
	}
	q := fmt.Sprintf("Your reply to %s is not sent (“%s”). Quitting now loses it.", who, draft)
	if n := len(m.conv.drafts); n > 0 {
		q += fmt.Sprintf(" Replies begun on %d other conversation(s) are not sent either.", n)
		if strings.TrimSpace(m.conv.reply.String()) == "" {
			q = fmt.Sprintf("Replies begun on %d conversation(s) are not sent (one: “%s”). Quitting now loses them.", n, draft)
		}
	}
	d := newConfirm(m.Common, "Quit with a reply not sent?", q,
		"quit anyway", "back to the reply", func() tea.Cmd { return tea.Quit })
	d.quit, d.cancelled = true, "Not quitting: your reply is still here"
	m.dialogs.push(d)
	return nil
}

// dialogKey gives a key (or pasted text) to the top dialog d; when d is done, the stack pops
// it and the model carries out its action.
func (m *Model) dialogKey(d Dialog, msg tea.Msg) tea.Cmd {
	cmd, a := d.update(msg)
	if a != nil {
		m.dialogs.remove(d)
	}
	return m.do(cmd, a)
}

func (m *Model) cyclePresence() tea.Cmd {
	o, ok := m.me()
	if !ok {
		return m.setStatus(1, "p: you are not an operator of this workspace")
	}
	next := map[routing.Presence]string{routing.Online: "away", routing.Away: "offline", routing.Offline: "online"}[o.Status]
	if next == "" {
		next = "online"
	}
	if o.PresenceManual && len(o.Keys) > 0 && o.Status == routing.Offline {
		// someone who signs in by SSH key: after offline comes "automatic" (their sessions decide)
		return m.act("Your status follows your sessions again", func(ctx context.Context, svc service) (*inbox.Outcome, error) {
			_, err := inbox.OpSetPresenceAuto.Call(ctx, svc, inbox.AutoReq{Operator: svc.Operator()})
			return nil, err
		})
	}
	return m.act("You are now "+next, func(ctx context.Context, svc service) (*inbox.Outcome, error) {
		_, err := inbox.OpSetPresence.Call(ctx, svc, inbox.PresenceReq{Operator: svc.Operator(), Status: next})
		return nil, err
	})
}

func (m *Model) settingsKey(msg tea.KeyPressMsg) tea.Cmd {
	k := &m.keys
	for _, b := range []*key.Binding{&k.AddRule, &k.EditRule, &k.RuleUp, &k.RuleDown, &k.RemoveRule, &k.NextPane, &k.PrevPane,
		&k.Owner, &k.Team, &k.Close, &k.Reply} {
		if b == &k.EditRule && m.settings.cursor == m.settings.items()-1 {
			continue // enter on "add a rule"
		}
		if b == &k.EditRule && m.settings.ruleAt() < 0 {
			continue // enter on a toggle flips it
		}
		if ok, cmd := m.blocked(msg, b); ok {
			return cmd
		}
	}
	if key.Matches(msg, k.Inject) || key.Matches(msg, k.Search) || key.Matches(msg, k.NextUnread) || key.Matches(msg, k.NextWaiting) {
		m.screen = scrInbox // inject, search, next unread and next decision work from settings too: they open over the inbox
		return m.inboxKey(msg)
	}
	return m.do(m.settings.update(msg))
}

func (m *Model) inboxKey(msg tea.KeyPressMsg) tea.Cmd {
	k := &m.keys
	// settings-only keys that share a letter with an inbox key (a, enter) are not checked here
	for _, b := range []*key.Binding{&k.Assign, &k.Owner, &k.Team, &k.Close, &k.Reply, &k.Retry, &k.Flip, &k.NextPane, &k.PrevPane,
		&k.RuleUp, &k.RuleDown, &k.RemoveRule} {
		if ok, cmd := m.blocked(msg, b); ok {
			return cmd
		}
	}
	switch {
	case key.Matches(msg, k.Settings):
		// settings opens at its top, on its first item (the owner-routing toggle) with the
		// Routing heading in view, wherever it was left
		m.screen = scrSettings
		m.settings.cursor, m.settings.top, m.settings.topR = 0, 0, 0
		return m.loadConfig()
	case key.Matches(msg, k.Search):
		m.dialogs.push(newSearch(m.Common))
		return nil
	case key.Matches(msg, k.NextUnread):
		return m.nextUnread()
	case key.Matches(msg, k.NextWaiting):
		return m.nextWaiting()
	case key.Matches(msg, k.Inject):
		handle := ""
		if d := m.conv.detail; d != nil && d.Conversation.Contact.ID == m.list.sel {
			handle = d.Conversation.Contact.Handle()
		}
		d := newInject(m.Common, handle)
		m.dialogs.push(d)
		return d.findContacts()
	case key.Matches(msg, k.NextPane):
		m.focus = m.panes()[(m.paneIndex()+1)%len(m.panes())]
		return nil
	case key.Matches(msg, k.PrevPane):
		ps := m.panes()
		m.focus = ps[(m.paneIndex()+len(ps)-1)%len(ps)]
		return nil
	case key.Matches(msg, k.Back):
		if m.focus == paneConv {
			m.focus = paneList
		}
		return nil
	case key.Matches(msg, k.Assign):
		m.dialogs.push(newPicker(m.Common, pickAssign, m.conv.detail))
		return nil
	case key.Matches(msg, k.Owner):
		m.dialogs.push(newPicker(m.Common, pickOwner, m.conv.detail))
		return nil
	case key.Matches(msg, k.Team):
		m.dialogs.push(newPicker(m.Common, pickTeam, m.conv.detail))
		return nil
	case key.Matches(msg, k.Close):
		return m.conv.closeOrReopen()
	case key.Matches(msg, k.Reply):
		m.conv.startReply(m.list.sel)
		m.replyFrom, m.focus = m.focus, paneConv
		return m.conv.loadTemplates()
	case key.Matches(msg, k.Retry):
		return m.conv.retry()
	}
	switch m.focus {
	case paneViews:
		return m.do(m.views.update(msg))
	case paneConv:
		return m.do(m.conv.update(msg))
	}
	return m.do(m.list.update(msg))
}

// onText takes pasted text: the top dialog's, else the reply's.
func (m *Model) onText(msg tea.PasteMsg) tea.Cmd {
	if d := m.dialogs.top(); d != nil {
		return m.dialogKey(d, msg)
	}
	if m.conv.replying {
		m.conv.dropStatus("reply")
		m.conv.reply.update(msg)
		return m.conv.tooLong()
	}
	return nil
}

func (m *Model) tooSmall() bool { return m.w < 80 || m.h < 24 }
