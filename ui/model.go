package ui

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

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

type dialogKind int

const (
	dlgNone dialogKind = iota
	dlgHelp
	dlgPrompt
	dlgInject
	dlgPick
	dlgSearch
	dlgRule
)

// viewTab is one inbox view (a tab in the views pane).
type viewTab struct {
	label string
	view  inbox.View
	team  string
}

func (t viewTab) same(o viewTab) bool { return t.view == o.view && t.team == o.team }

// Model is the root model of the terminal inbox. All service calls run in tea.Cmds; every
// answer carries the id of the request that asked, so a late answer never lands in the wrong
// place.
type Model struct {
	ctx    context.Context
	svc    *inbox.Service
	opts   Options
	keys   KeyMap
	st     Styles
	isDark bool
	noColr bool
	now    func() time.Time
	manual bool // tests: no timers, events read by the test
	events <-chan inbox.Event

	w, h int
	as   string

	// configuration, reloaded on config events
	ops      []inbox.OperatorView
	teams    []inbox.Team
	settings inbox.SettingsView
	history  []inbox.SettingChange
	cfgSeq   uint64
	loaded   bool
	unread   int // unread notifications

	screen  screen
	focus   pane
	tabs    []viewTab
	tab     int
	counts  inbox.Counts
	cntSeq  uint64
	counted bool

	// the conversation list: a window of the view, newest activity first (see list.go); only
	// the visible rows are drawn
	rows                       []inbox.ConversationView
	start                      int    // the position of rows[0] in the view
	newer, older               string // cursors of the rows before and after the window; "": none
	cursor, top                int    // cursor: the row of sel (-1: not in the rows), derived from sel
	listSeq                    uint64
	listLoading                bool // a window is being read (it replaces the rows)
	newerLoading, olderLoading bool

	// the selected conversation: the one source of truth for the highlighted row, the pane and
	// every action key (a contact id; "" nothing). Only the person changes it.
	sel     string
	selPos  rowPos  // where sel was when last seen in the rows
	gap     *rowPos // where the selection left the view (j/k go on from there)
	note    string  // why no row is highlighted (the selection left the view, or is not in it)
	leaving bool    // sel left the view while a reply or a dialog about it is open

	// the conversation pane: sel's conversation once loaded
	detail     *inbox.Detail
	detailSeq  uint64
	convScroll int
	tl         tlCache
	replying   bool
	reply      field

	dlg    dialogKind
	prompt promptDlg
	inject injectDlg
	pick   pickDlg
	search searchDlg
	rule   ruleDlg

	setCursor int
	setTop    int // the first line of the settings box shown (see settingsFollow)
	setTopR   int // the first line shown of the second settings box (wide screens)
	helpTop   int

	status     string
	statusKind int // 0 info, 1 error, 2 toast
	statusSeq  uint64
	banner     string
	bannerID   string

	pending  int
	spinning bool
	spinShow bool
	spin     int

	tourOn bool
	steps  []TourStep

	reloadQueued bool
	dirty        dirty
}

type dirty struct{ counts, list, detail, config, notes bool }

// New builds the root model and subscribes to the service's events.
func New(ctx context.Context, svc *inbox.Service, opts Options) *Model {
	m := &Model{ctx: ctx, svc: svc, opts: opts, keys: DefaultKeyMap(), isDark: true, now: time.Now,
		noColr: os.Getenv("NO_COLOR") != ""}
	m.as = opts.As
	if m.as == "" {
		m.as = svc.DefaultOperator()
	}
	m.tourOn = opts.ShowTour && opts.Tour != nil
	m.st = newStyles(m.isDark, m.noColr)
	m.focus = paneList
	m.cursor = -1
	m.tabs = m.buildTabs()
	m.reply = field{placeholder: "Type a reply, enter sends, esc cancels", limit: 4096}
	m.events = svc.Subscribe(ctx)
	return m
}

func (m *Model) buildTabs() []viewTab {
	t := []viewTab{{"Mine", inbox.ViewMine, ""}, {"Unassigned", inbox.ViewUnassigned, ""}, {"Bot", inbox.ViewBot, ""},
		{"Waiting for decision", inbox.ViewWaiting, ""}}
	for _, tm := range m.teams {
		t = append(t, viewTab{tm.Name, inbox.ViewTeam, tm.ID})
	}
	return append(t, viewTab{"All", inbox.ViewAll, ""}, viewTab{"Closed", inbox.ViewClosed, ""})
}

func (m *Model) count(t viewTab) int {
	switch t.view {
	case inbox.ViewMine:
		return m.counts.Mine
	case inbox.ViewUnassigned:
		return m.counts.Unassigned
	case inbox.ViewBot:
		return m.counts.Bot
	case inbox.ViewWaiting:
		return m.counts.Waiting
	case inbox.ViewTeam:
		return m.counts.Teams[t.team]
	case inbox.ViewAll:
		return m.counts.All
	case inbox.ViewClosed:
		return m.counts.Closed
	}
	return 0
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
type listMsg struct {
	seq  uint64
	more bool
	page inbox.Page
	err  error
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
	err      error
}
type doneMsg struct {
	what string
	out  *inbox.Outcome
	err  error
	as   string
}
type notifyMsg struct {
	ns []inbox.Notification
}
type tourMsg struct{ steps []TourStep }
type bannerMsg struct {
	id, text string
	ringing  bool
}
type reloadMsg struct{}
type loadDetailMsg struct{ seq uint64 }
type spinMsg struct{}
type clearStatusMsg struct{ seq uint64 }

// ---- commands ----

// async runs f in a command and counts it as pending for the spinner.
func (m *Model) async(f func() tea.Msg) tea.Cmd {
	m.pending++
	var spin tea.Cmd
	if !m.spinning && !m.manual {
		m.spinning = true
		spin = tea.Tick(120*time.Millisecond, func(time.Time) tea.Msg { return spinMsg{} })
	}
	return tea.Batch(func() tea.Msg { return asyncMsg{f()} }, spin)
}

func (m *Model) waitEvent() tea.Cmd {
	if m.manual {
		return nil
	}
	ch := m.events
	return func() tea.Msg {
		e, ok := <-ch
		if !ok {
			return eventsClosedMsg{}
		}
		return eventMsg{e}
	}
}

func (m *Model) after(d time.Duration, msg tea.Msg) tea.Cmd {
	if m.manual {
		return func() tea.Msg { return msg }
	}
	return tea.Tick(d, func(time.Time) tea.Msg { return msg })
}

func (m *Model) loadCounts() tea.Cmd {
	m.cntSeq++
	seq, svc, ctx, as := m.cntSeq, m.svc, m.ctx, m.as
	return m.async(func() tea.Msg {
		c, err := svc.Counts(ctx, as)
		return countsMsg{seq, c, err}
	})
}

func (m *Model) loadDetail(open bool) tea.Cmd {
	if m.sel == "" {
		return nil
	}
	m.detailSeq++
	seq, svc, ctx, as, id := m.detailSeq, m.svc, m.ctx, m.as, m.sel
	return m.async(func() tea.Msg {
		d, err := svc.Conversation(ctx, as, id, "", 100)
		if err == nil && open {
			err = svc.MarkRead(ctx, as, id)
			// the notifications about this conversation are read now too
			if ns, nerr := svc.Notifications(ctx, as, false); nerr == nil {
				var seqs []uint64
				for _, n := range ns {
					if n.Contact == id {
						seqs = append(seqs, n.Seq)
					}
				}
				if len(seqs) > 0 && err == nil {
					err = svc.MarkNotificationsRead(ctx, as, seqs...)
				}
			}
		}
		return detailMsg{seq: seq, id: id, open: open, d: d, err: err}
	})
}

func (m *Model) loadConfig() tea.Cmd {
	m.cfgSeq++
	seq, svc, ctx, as := m.cfgSeq, m.svc, m.ctx, m.as
	return m.async(func() tea.Msg {
		msg := configMsg{seq: seq, settings: svc.Settings(ctx), ops: svc.Operators(ctx), teams: svc.Teams(ctx)}
		msg.history, msg.err = svc.History(ctx)
		if msg.err == nil {
			msg.unread, msg.err = svc.Notifications(ctx, as, false)
		}
		return msg
	})
}

func (m *Model) loadTour() tea.Cmd {
	if m.opts.Tour == nil {
		return nil
	}
	t, ctx := m.opts.Tour, m.ctx
	return func() tea.Msg { return tourMsg{t.Steps(ctx)} }
}

// checkBanner looks whether the contact has a call ringing for the person using the inbox; why
// is the routing decision the call's own event carried (the decision actually made for it, which
// the conversation's stored why may not be: an active assignee keeping a call writes no note).
func (m *Model) checkBanner(id, why string) tea.Cmd {
	svc, ctx, as := m.svc, m.ctx, m.as
	return func() tea.Msg {
		d, err := svc.Conversation(ctx, as, id, "", 20)
		if err != nil {
			return bannerMsg{id: id}
		}
		for i := len(d.Timeline) - 1; i >= 0; i-- {
			e := d.Timeline[i]
			if e.Kind != "call" {
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

// act runs a command on the service and reports it with a toast or an error.
func (m *Model) act(what string, f func(ctx context.Context, svc *inbox.Service, as string) (*inbox.Outcome, error)) tea.Cmd {
	svc, ctx, as := m.svc, m.ctx, m.as
	return m.async(func() tea.Msg {
		out, err := f(ctx, svc, as)
		return doneMsg{what: what, out: out, err: err, as: as}
	})
}

func outcome(o inbox.Outcome, err error) (*inbox.Outcome, error) {
	if err != nil {
		return nil, err
	}
	return &o, nil
}

func (m *Model) setStatus(kind int, s string) tea.Cmd {
	m.statusSeq++
	m.status, m.statusKind = s, kind
	if m.manual {
		return nil
	}
	seq := m.statusSeq
	d := 6 * time.Second
	if kind == 1 {
		d = 10 * time.Second
	}
	return tea.Tick(d, func(time.Time) tea.Msg { return clearStatusMsg{seq} })
}

func (m *Model) fail(err error) tea.Cmd {
	if err == nil {
		return nil
	}
	return m.setStatus(1, errText(err))
}

func errText(err error) string {
	msg := err.Error()
	if inbox.KindOf(err) == inbox.Conflict && msg == inbox.TextStale {
		return inbox.TextStale
	}
	if inbox.KindOf(err) == "" {
		return "Something went wrong: " + msg
	}
	return msg
}

// ---- lifecycle ----

func (m *Model) Init() tea.Cmd {
	return tea.Batch(tea.RequestBackgroundColor, m.waitEvent(), m.loadConfig(), m.loadCounts(), m.loadList(), m.loadTour())
}

func (m *Model) me() (inbox.OperatorView, bool) {
	for _, o := range m.ops {
		if o.ID == m.as {
			return o, true
		}
	}
	return inbox.OperatorView{}, false
}

func (m *Model) isAdmin() bool {
	o, ok := m.me()
	return ok && o.Role == "admin"
}

func (m *Model) opName(id string) string {
	switch id {
	case "":
		return "nobody"
	case "bot":
		return "Bot"
	}
	for _, o := range m.ops {
		if o.ID == id {
			return o.Name
		}
	}
	return id
}

func (m *Model) teamName(id string) string {
	for _, t := range m.teams {
		if t.ID == id {
			return t.Name
		}
	}
	return id
}

// Update handles one message. Precedence (gh-dash): an open dialog or text input first, then
// global keys, then the screen and the focused pane.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	cursor, screen := m.setCursor, m.screen
	cmd := m.update(msg)
	if m.leaving && !m.busyWithSel() {
		// the selection left the view while a reply or a dialog about it was open: now it goes
		m.clearSel(m.note, m.gap)
	}
	_, resized := msg.(tea.WindowSizeMsg)
	if m.screen == scrSettings && (m.setCursor != cursor || m.screen != screen || resized) {
		m.settingsFollow() // the wheel and paging past the last item scroll without moving it
	}
	return m, cmd
}

func (m *Model) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case asyncMsg:
		m.pending--
		if m.pending <= 0 {
			m.pending, m.spinShow = 0, false
		}
		return m.update(msg.msg)
	case tea.WindowSizeMsg:
		m.w, m.h = msg.Width, msg.Height
		m.keepVisible()
		return nil
	case tea.BackgroundColorMsg:
		m.isDark = msg.IsDark()
		m.st = newStyles(m.isDark, m.noColr)
		m.tl = tlCache{}
		return nil
	case spinMsg:
		if m.pending <= 0 {
			m.spinning, m.spinShow = false, false
			return nil
		}
		m.spin++
		m.spinShow = true // still waiting after a tick: show the spinner
		return tea.Tick(120*time.Millisecond, func(time.Time) tea.Msg { return spinMsg{} })
	case clearStatusMsg:
		if msg.seq == m.statusSeq {
			m.status = ""
		}
		return nil
	case eventMsg:
		return tea.Batch(m.onEvent(msg.e), m.waitEvent())
	case eventsClosedMsg:
		return nil
	case reloadMsg:
		return m.reload()
	case countsMsg:
		if msg.seq != m.cntSeq {
			return nil
		}
		if msg.err != nil {
			return m.fail(msg.err)
		}
		first := !m.counted
		m.counts, m.counted = msg.c, true
		if first && m.tab == 0 && msg.c.Mine == 0 {
			return m.selectTab(len(m.tabs) - 2) // nothing is yours yet: start on All
		}
		return nil
	case windowMsg:
		return m.onWindow(msg)
	case pageMsg:
		return m.onPage(msg)
	case loadDetailMsg:
		if msg.seq != m.detailSeq {
			return nil
		}
		return m.loadDetail(false)
	case detailMsg:
		return m.onDetail(msg)
	case configMsg:
		return m.onConfig(msg)
	case doneMsg:
		return m.onDone(msg)
	case notifyMsg:
		if len(msg.ns) > 0 {
			m.unread = len(msg.ns)
			return m.setStatus(2, "🔔 "+msg.ns[0].Text)
		}
		return nil
	case tourMsg:
		m.steps = msg.steps
		return nil
	case bannerMsg:
		if msg.ringing {
			m.banner, m.bannerID = msg.text, msg.id
		} else if msg.id == m.bannerID {
			m.banner, m.bannerID = "", ""
		}
		return nil
	case searchMsg:
		return m.onSearch(msg)
	case contactsMsg:
		return m.onContacts(msg)
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
			svc, ctx, as := m.svc, m.ctx, m.as
			cmds = append(cmds, func() tea.Msg {
				ns, err := svc.Notifications(ctx, as, false)
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
		if e.Contact == m.sel {
			m.dirty.detail = true
		}
		if e.Channel == "call" || (e.Contact != "" && e.Contact == m.bannerID) {
			why := ""
			if e.Channel == "call" && e.Outcome == inbox.CallRinging {
				why = e.Why
			}
			cmds = append(cmds, m.checkBanner(e.Contact, why))
		}
	}
	cmds = append(cmds, m.loadTour())
	if !m.reloadQueued {
		m.reloadQueued = true
		cmds = append(cmds, m.after(80*time.Millisecond, reloadMsg{}))
	}
	return tea.Batch(cmds...)
}

func (m *Model) reload() tea.Cmd {
	m.reloadQueued = false
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
		cmds = append(cmds, m.loadList())
	}
	if d.detail {
		cmds = append(cmds, m.loadDetail(false))
	}
	return tea.Batch(cmds...)
}

func (m *Model) reloadAll() tea.Cmd {
	m.dirty = dirty{true, true, true, true, true}
	return m.reload()
}

func (m *Model) onDetail(msg detailMsg) tea.Cmd {
	if msg.seq != m.detailSeq || msg.id != m.sel {
		return nil
	}
	if msg.err != nil {
		return m.fail(msg.err)
	}
	prev := m.detail
	d := msg.d
	m.detail = &d
	m.tl = tlCache{}
	if prev == nil || prev.Conversation.Contact.ID != d.Conversation.Contact.ID {
		m.convScroll = 0
	}
	if m.dlg == dlgPrompt && m.prompt.contact == d.Conversation.Contact.ID && d.Conversation.Prompt == nil && !m.prompt.busy {
		// someone else answered while the dialog was open
		m.dlg = dlgNone
		return m.setStatus(1, "Someone else already answered this team decision: "+d.Conversation.Why)
	}
	if msg.open && d.CanAnswer && d.Conversation.Prompt != nil && m.dlg == dlgNone {
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
	m.loaded = true
	m.settings, m.history, m.ops, m.teams, m.unread = msg.settings, msg.history, msg.ops, msg.teams, len(msg.unread)
	cur := m.tabs[m.tab]
	m.tabs = m.buildTabs()
	m.tab = 0
	for i, t := range m.tabs {
		if t.same(cur) {
			m.tab = i
		}
	}
	if !m.tabs[m.tab].same(cur) {
		m.rows = nil // the view is gone (a team was removed): a fresh list
		return m.selectTab(m.tab)
	}
	if m.setCursor >= m.settingItems() {
		m.setCursor = m.settingItems() - 1
	}
	return nil
}

func (m *Model) onDone(msg doneMsg) tea.Cmd {
	if msg.err != nil {
		if m.dlg == dlgPrompt && m.prompt.busy {
			m.prompt.busy = false
			if inbox.KindOf(msg.err) == inbox.AlreadyDecided {
				m.dlg = dlgNone
				return tea.Batch(m.setStatus(1, "Someone else answered first: "+msg.err.Error()), m.loadDetail(false))
			}
		}
		if m.dlg == dlgInject && m.inject.busy {
			m.inject.busy = false
		}
		if m.dlg == dlgRule && m.rule.busy {
			m.rule.busy = false
		}
		cmd := m.fail(msg.err)
		if inbox.KindOf(msg.err) == inbox.Conflict {
			return tea.Batch(cmd, m.loadDetail(false))
		}
		return cmd
	}
	switch msg.what {
	case "inject":
		m.dlg = dlgNone
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
	case "accept", "decline":
		m.dlg = dlgNone
		return m.setStatus(2, "✓ "+msg.out.Why)
	case "rule":
		m.dlg = dlgNone
		return m.setStatus(2, "✓ Rule saved")
	}
	if o := msg.out; o != nil {
		var sel tea.Cmd
		if o.Prompt != nil && msg.as == m.as {
			// the person whose action raised the decision answers it now, on the conversation it
			// is about (the pane shows it behind the dialog)
			if o.Prompt.Contact != m.sel {
				sel = m.selectContact(o.Prompt.Contact, false)
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

// ---- keys ----

// disabled says why a binding cannot be used right now ("" when it can).
func (m *Model) disabled(b *key.Binding) string {
	k := &m.keys
	inSettings := m.screen == scrSettings
	switch b {
	case &k.Assign, &k.Owner, &k.Team, &k.Close, &k.Reply:
		if inSettings {
			return "conversation keys work on the inbox: press esc"
		}
		if m.sel == "" {
			return "select a conversation first"
		}
		if m.detail == nil || m.detail.Conversation.Contact.ID != m.sel {
			return "the conversation is still loading"
		}
		if b != &k.Owner && m.detail.Conversation.Status == "" {
			return "this contact has no conversation yet"
		}
	case &k.ActAs:
		if !m.opts.Local {
			return "act as works only in a local terminal"
		}
	case &k.Tour:
		if m.opts.Tour == nil {
			return "no guided tour in this session (start the demo to get one)"
		}
	case &k.Flip:
		if !inSettings {
			return "space flips a setting: press s for settings"
		}
	case &k.NextPane, &k.PrevPane:
		if inSettings {
			return "settings has one pane: j/k move"
		}
	case &k.AddRule, &k.EditRule, &k.RuleUp, &k.RuleDown, &k.RemoveRule:
		if !inSettings {
			return "rule keys work in settings: press s"
		}
		if !m.isAdmin() {
			return "Only admins can change routing"
		}
		if b != &k.AddRule && m.ruleAt() < 0 {
			return "focus an automation rule first"
		}
	case &k.Search, &k.Inject:
		if inSettings {
			return "press esc to go back to the inbox first"
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
		return tea.Quit
	}
	if m.tooSmall() {
		if key.Matches(msg, k.Quit) {
			return tea.Quit
		}
		return nil
	}
	if m.dlg != dlgNone {
		return m.dialogKey(msg)
	}
	if m.replying {
		return m.replyKey(msg)
	}
	switch {
	case key.Matches(msg, k.Quit):
		return tea.Quit
	case key.Matches(msg, k.Help):
		m.dlg = dlgHelp
		return nil
	}
	for _, b := range []*key.Binding{&k.Tour, &k.ActAs, &k.Search, &k.Inject} {
		if ok, cmd := m.blocked(msg, b); ok {
			return cmd
		}
	}
	switch {
	case key.Matches(msg, k.Tour):
		m.tourOn = !m.tourOn
		if m.tourOn {
			return m.loadTour()
		}
		return nil
	case key.Matches(msg, k.ActAs):
		m.openPicker(pickActAs)
		return nil
	case key.Matches(msg, k.Presence):
		return m.cyclePresence()
	}
	if m.screen == scrSettings {
		return m.settingsKey(msg)
	}
	return m.inboxKey(msg)
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
	return m.act("You are now "+next, func(ctx context.Context, svc *inbox.Service, as string) (*inbox.Outcome, error) {
		return nil, svc.SetPresence(ctx, as, as, next)
	})
}

func (m *Model) inboxKey(msg tea.KeyPressMsg) tea.Cmd {
	k := &m.keys
	// settings-only keys that share a letter with an inbox key (a, enter) are not checked here
	for _, b := range []*key.Binding{&k.Assign, &k.Owner, &k.Team, &k.Close, &k.Reply, &k.Flip, &k.NextPane, &k.PrevPane,
		&k.RuleUp, &k.RuleDown, &k.RemoveRule} {
		if ok, cmd := m.blocked(msg, b); ok {
			return cmd
		}
	}
	switch {
	case key.Matches(msg, k.Settings):
		m.screen = scrSettings
		return m.loadConfig()
	case key.Matches(msg, k.Search):
		m.openSearch()
		return nil
	case key.Matches(msg, k.Inject):
		return m.openInject()
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
		m.openPicker(pickAssign)
		return nil
	case key.Matches(msg, k.Owner):
		m.openPicker(pickOwner)
		return nil
	case key.Matches(msg, k.Team):
		m.openPicker(pickTeam)
		return nil
	case key.Matches(msg, k.Close):
		cv := m.detail.Conversation
		if cv.Status == "closed" {
			return m.act("Reopened", func(ctx context.Context, svc *inbox.Service, as string) (*inbox.Outcome, error) {
				return outcome(svc.ReopenConversation(ctx, as, cv.Contact.ID, cv.Version))
			})
		}
		return m.act("Closed", func(ctx context.Context, svc *inbox.Service, as string) (*inbox.Outcome, error) {
			return outcome(svc.CloseConversation(ctx, as, cv.Contact.ID, cv.Version))
		})
	case key.Matches(msg, k.Reply):
		m.replying = true
		m.focus = paneConv
		return nil
	}
	switch m.focus {
	case paneViews:
		return m.viewsKey(msg)
	case paneConv:
		return m.convKey(msg)
	}
	return m.listKey(msg)
}

func (m *Model) viewsKey(msg tea.KeyPressMsg) tea.Cmd {
	k := &m.keys
	switch {
	case key.Matches(msg, k.Up), msg.String() == "left", msg.String() == "h":
		return m.selectTab(m.tab - 1)
	case key.Matches(msg, k.Down), msg.String() == "right", msg.String() == "l":
		return m.selectTab(m.tab + 1)
	case key.Matches(msg, k.Top):
		return m.selectTab(0)
	case key.Matches(msg, k.Bottom):
		return m.selectTab(len(m.tabs) - 1)
	case key.Matches(msg, k.Open):
		m.focus = paneList
	}
	return nil
}

func (m *Model) convKey(msg tea.KeyPressMsg) tea.Cmd {
	k := &m.keys
	switch {
	case key.Matches(msg, k.Up):
		m.convScroll++
	case key.Matches(msg, k.Down):
		m.convScroll = max(0, m.convScroll-1)
	case key.Matches(msg, k.PageUp):
		m.convScroll += 10
	case key.Matches(msg, k.PageDown):
		m.convScroll = max(0, m.convScroll-10)
	case key.Matches(msg, k.Bottom):
		m.convScroll = 0
	case key.Matches(msg, k.Open):
		if m.detail != nil && m.detail.Conversation.Prompt != nil {
			if !m.detail.CanAnswer {
				return m.setStatus(1, "enter: "+m.whoDecides())
			}
			m.openPrompt(*m.detail.Conversation.Prompt)
		}
	}
	return nil
}

func (m *Model) whoDecides() string {
	p := m.detail.Conversation.Prompt
	if p.RaisedBy == "routing" {
		return p.OwnerName + " or an admin decides this"
	}
	return m.opName(p.RaisedBy) + " decides this (they raised it)"
}

func (m *Model) replyKey(msg tea.KeyPressMsg) tea.Cmd {
	switch msg.String() {
	case "esc":
		m.replying = false
		return nil
	case "enter":
		text := strings.TrimSpace(m.reply.String())
		if text == "" {
			return m.setStatus(1, "The reply is empty: type something to send")
		}
		id := m.sel
		m.replying = false
		m.reply.set("")
		return m.act("Reply sent", func(ctx context.Context, svc *inbox.Service, as string) (*inbox.Outcome, error) {
			_, err := svc.Reply(ctx, as, id, text)
			return nil, err
		})
	}
	m.reply.update(msg)
	return nil
}

func (m *Model) onText(msg tea.PasteMsg) tea.Cmd {
	switch {
	case m.dlg == dlgInject:
		m.inject.field().update(msg)
	case m.dlg == dlgSearch:
		m.search.q.update(msg)
		return m.runSearch()
	case m.dlg == dlgRule:
		if f := m.rule.field(); f != nil {
			f.update(msg)
		}
	case m.replying:
		m.reply.update(msg)
	}
	return nil
}

func (m *Model) tooSmall() bool { return m.w < 80 || m.h < 24 }
