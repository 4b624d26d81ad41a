package ui

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"switchboard/inbox"
	"switchboard/routing"
	"switchboard/textsafe"
)

const dialogW = 70

func (m *Model) dialogKey(msg tea.KeyPressMsg) tea.Cmd {
	switch m.dlg {
	case dlgHelp:
		switch {
		case key.Matches(msg, m.keys.Back, m.keys.Help, m.keys.Quit):
			m.dlg = dlgNone
		case key.Matches(msg, m.keys.Down):
			m.helpTop++
		case key.Matches(msg, m.keys.Up):
			m.helpTop = max(0, m.helpTop-1)
		}
		return nil
	case dlgPrompt:
		return m.promptKey(msg)
	case dlgInject:
		return m.injectKey(msg)
	case dlgPick:
		return m.pickKey(msg)
	case dlgSearch:
		return m.searchKey(msg)
	case dlgRule:
		return m.ruleKey(msg)
	}
	return nil
}

func (m *Model) dialogView() string {
	var body string
	switch m.dlg {
	case dlgPrompt:
		body = m.promptView()
	case dlgInject:
		body = m.injectView()
	case dlgPick:
		body = m.pickView()
	case dlgSearch:
		body = m.searchView()
	case dlgRule:
		body = m.ruleView()
	}
	// a line wider than the dialog wraps, and the dialog fits the screen: a long name or
	// question cannot push it past the bottom
	iw := m.dialogInner()
	var lines []string
	for _, l := range strings.Split(body, "\n") {
		if lipgloss.Width(l) > iw {
			lines = append(lines, wrap(l, iw)...)
		} else {
			lines = append(lines, l)
		}
	}
	if room := max(3, m.h-4); len(lines) > room {
		lines = append(lines[:room-1], lines[len(lines)-1]) // the last line says which keys work
	}
	return m.st.Dialog.Width(min(dialogW, m.w-4)).Render(strings.Join(lines, "\n"))
}

func (m *Model) dialogInner() int { return min(dialogW, m.w-4) - 4 }

// ---- team-mismatch decision ----

type promptDlg struct {
	p       inbox.PromptView
	contact string
	choice  int
	busy    bool
}

func (m *Model) openPrompt(p inbox.PromptView) {
	m.dlg = dlgPrompt
	m.prompt = promptDlg{p: p, contact: p.Contact}
}

func (m *Model) promptKey(msg tea.KeyPressMsg) tea.Cmd {
	k := &m.keys
	d := &m.prompt
	if d.busy {
		return nil
	}
	id := d.contact
	switch {
	case key.Matches(msg, k.Back):
		m.dlg = dlgNone
		return m.setStatus(0, "Left waiting: it stays under “Waiting for decision” until someone answers.")
	case key.Matches(msg, k.ChoiceUp):
		d.choice = max(0, d.choice-1)
	case key.Matches(msg, k.ChoiceDown):
		d.choice = min(len(d.p.Choices)-1, d.choice+1)
	case key.Matches(msg, k.Accept):
		if len(d.p.Choices) == 0 {
			return m.setStatus(1, d.p.OwnerName+" is in no team yet: add them to a team, or press n to decline")
		}
		team := d.p.Choices[d.choice]
		d.busy = true
		return m.act("accept", func(ctx context.Context, svc *inbox.Service, as string) (*inbox.Outcome, error) {
			return outcome(svc.Accept(ctx, as, id, team))
		})
	case key.Matches(msg, k.Decline):
		d.busy = true
		return m.act("decline", func(ctx context.Context, svc *inbox.Service, as string) (*inbox.Outcome, error) {
			return outcome(svc.Decline(ctx, as, id))
		})
	}
	return nil
}

func (m *Model) promptView() string {
	st := m.st
	d := &m.prompt
	iw := m.dialogInner()
	lines := []string{st.Title.Render("Team decision · " + safe(d.p.ContactName)), ""}
	q := safe(d.p.Question)
	if i := strings.LastIndex(q, " ("); i > 0 && len(d.p.Choices) > 0 {
		q = q[:i] // the choices are listed below
	}
	lines = append(lines, wrap(q, iw)...)
	lines = append(lines, "")
	owner := safe(d.p.OwnerName)
	for i, name := range d.p.ChoiceNames {
		name = safe(name)
		mark := "( )"
		if i == d.choice {
			mark = "(•)"
			lines = append(lines, st.Selected.Render(" "+mark+" "+name+" "))
			continue
		}
		lines = append(lines, " "+mark+" "+name)
	}
	if len(d.p.Choices) == 0 {
		lines = append(lines, st.Locked.Render(owner+" is in no team yet."))
	}
	lines = append(lines, "")
	decline := "Bot takes the conversation and " + owner + " is told why"
	if d.p.Kind == "assign" {
		decline = "nothing changes"
	}
	if d.busy {
		lines = append(lines, st.Dim.Render("Saving…"))
	} else {
		lines = append(lines, st.Key.Render("y/enter")+" move and assign "+firstName(owner)+"   "+st.Key.Render("n")+" decline ("+decline+")")
		lines = append(lines, st.Key.Render("←/→")+" choose team   "+st.Key.Render("esc")+" decide later")
	}
	return strings.Join(lines, "\n")
}

// ---- inject ----

type injectDlg struct {
	focus                  int // 0 contact, 1 name, 2 kind, 3 text or duration
	contact, name, text, d field
	kind                   int
	matches                []inbox.ContactView
	match                  int
	seq                    uint64
	busy                   bool
}

var injectKinds = []string{"message", "call · answered", "call · missed", "call · ringing"}

func (d *injectDlg) field() *field {
	switch d.focus {
	case 0:
		return &d.contact
	case 1:
		return &d.name
	case 3:
		if d.kind == 1 {
			return &d.d
		}
		return &d.text
	}
	return &field{}
}

type contactsMsg struct {
	seq uint64
	cs  []inbox.ContactView
	err error
}

func (m *Model) openInject() tea.Cmd {
	m.dlg = dlgInject
	m.inject = injectDlg{match: -1,
		contact: field{placeholder: "name or number; a new number makes a new contact", limit: 40},
		name:    field{placeholder: "name for a new contact (optional)", limit: 80},
		text:    field{placeholder: "what the customer says", limit: 4096},
		d:       field{placeholder: "seconds, e.g. 95", limit: 6}}
	if m.detail != nil && m.detail.Conversation.Contact.ID == m.sel {
		m.inject.contact.set(m.detail.Conversation.Contact.Handle())
	}
	return m.findContacts()
}

func (m *Model) findContacts() tea.Cmd {
	m.inject.seq++
	seq, svc, ctx, q := m.inject.seq, m.svc, m.ctx, strings.TrimSpace(m.inject.contact.String())
	q = strings.TrimPrefix(q, "+")
	return m.async(func() tea.Msg {
		cs, err := svc.Contacts(ctx, q, 5)
		return contactsMsg{seq, cs, err}
	})
}

func (m *Model) onContacts(msg contactsMsg) tea.Cmd {
	if m.dlg != dlgInject || msg.seq != m.inject.seq {
		return nil
	}
	if msg.err != nil {
		m.inject.matches = nil
		return nil
	}
	m.inject.matches = msg.cs
	m.inject.match = -1
	if q := strings.TrimSpace(m.inject.contact.String()); q != "" && len(msg.cs) > 0 {
		m.inject.match = 0 // the best match is picked; ↑ unpicks it to use the number as new
	}
	return nil
}

func (m *Model) injectKey(msg tea.KeyPressMsg) tea.Cmd {
	d := &m.inject
	if d.busy {
		return nil
	}
	switch msg.String() {
	case "esc":
		m.dlg = dlgNone
		return nil
	case "tab", "down":
		if msg.String() == "down" && d.focus == 0 && len(d.matches) > 0 {
			d.match = min(len(d.matches)-1, d.match+1)
			return nil
		}
		d.focus = (d.focus + 1) % 4
		if d.focus == 1 && d.match >= 0 {
			d.focus = 2 // an existing contact has its name
		}
		return nil
	case "shift+tab", "up":
		if msg.String() == "up" && d.focus == 0 && d.match >= 0 {
			d.match--
			return nil
		}
		d.focus = (d.focus + 3) % 4
		if d.focus == 1 && d.match >= 0 {
			d.focus = 0
		}
		return nil
	case "enter":
		return m.sendInject()
	}
	if d.focus == 2 {
		switch msg.String() {
		case "left", "h":
			d.kind = (d.kind + len(injectKinds) - 1) % len(injectKinds)
		case "right", "l", "space":
			d.kind = (d.kind + 1) % len(injectKinds)
		}
		return nil
	}
	if d.focus == 3 && d.kind >= 2 {
		return nil // a missed or ringing call has nothing to type
	}
	if d.field().update(msg) && d.focus == 0 {
		return m.findContacts()
	}
	return nil
}

func (m *Model) sendInject() tea.Cmd {
	d := &m.inject
	in := inbox.Inbound{Name: strings.TrimSpace(d.name.String())}
	if d.match >= 0 && d.match < len(d.matches) {
		in.From = d.matches[d.match].Handle()
	} else {
		in.From = strings.TrimSpace(d.contact.String())
	}
	if in.From == "" {
		d.focus = 0
		return m.setStatus(1, "Pick a contact or type a phone number")
	}
	switch d.kind {
	case 0:
		in.Channel, in.Text = "message", d.text.String()
	case 1:
		in.Channel, in.Outcome = "call", inbox.CallAnswered
		n, err := strconv.Atoi(strings.TrimSpace(d.d.String()))
		if err != nil || n < 0 {
			d.focus = 3
			return m.setStatus(1, "Give the call's duration in seconds, e.g. 95")
		}
		in.Duration = n
	case 2:
		in.Channel, in.Outcome = "call", inbox.CallMissed
	case 3:
		in.Channel, in.Outcome = "call", inbox.CallRinging
	}
	d.busy = true
	return m.act("inject", func(ctx context.Context, svc *inbox.Service, as string) (*inbox.Outcome, error) {
		return outcome(svc.Inject(ctx, in))
	})
}

func (m *Model) injectView() string {
	st := m.st
	d := &m.inject
	iw := m.dialogInner()
	label := func(i int, s string) string {
		if d.focus == i {
			return st.Key.Render(fmt.Sprintf("%-9s", s))
		}
		return st.Dim.Render(fmt.Sprintf("%-9s", s))
	}
	fw := iw - 10
	lines := []string{st.Title.Render("Inject: a customer writes or calls"), ""}
	lines = append(lines, label(0, "Contact")+" "+d.contact.view(fw, d.focus == 0, st))
	for i, c := range d.matches {
		owner := "no owner"
		if c.OwnerName != "" {
			owner = "owner " + c.OwnerName
		}
		text := safe(fmt.Sprintf("%s %s · %s", c.Display(), c.Number(), owner))
		if i == d.match {
			lines = append(lines, "          "+st.Selected.Render(ansi.Truncate("▸ "+text, fw, "…")))
		} else {
			lines = append(lines, "          "+st.Dim.Render(ansi.Truncate("  "+text, fw, "…")))
		}
	}
	if d.match < 0 {
		lines = append(lines, "          "+st.Dim.Render("↓ picks a contact above; otherwise the number is new"))
		lines = append(lines, label(1, "Name")+" "+d.name.view(fw, d.focus == 1, st))
	}
	kinds := make([]string, len(injectKinds))
	for i, k := range injectKinds {
		if i == d.kind {
			kinds[i] = st.Selected.Render(" " + k + " ")
		} else {
			kinds[i] = st.Dim.Render(" " + k + " ")
		}
	}
	lines = append(lines, label(2, "What")+" "+strings.Join(kinds, ""))
	switch d.kind {
	case 0:
		lines = append(lines, label(3, "Text")+" "+d.text.view(fw, d.focus == 3, st))
	case 1:
		lines = append(lines, label(3, "Duration")+" "+d.d.view(fw, d.focus == 3, st))
	default:
		lines = append(lines, "")
	}
	lines = append(lines, "")
	if d.busy {
		lines = append(lines, st.Dim.Render("Routing…"))
	} else {
		lines = append(lines, st.Key.Render("tab")+" next field · "+st.Key.Render("←/→")+" message or call · "+st.Key.Render("enter")+" send · "+st.Key.Render("esc")+" cancel")
	}
	return strings.Join(lines, "\n")
}

// ---- pickers: assign, owner, team, act as ----

type pickKind int

const (
	pickAssign pickKind = iota
	pickOwner
	pickTeam
	pickActAs
)

type pickItem struct{ id, label, detail string }

type pickDlg struct {
	kind   pickKind
	title  string
	items  []pickItem
	cursor int
	// the conversation it acts on, as the pane showed it when the picker opened
	contact string
	version uint64
}

func (m *Model) opTeams(o inbox.OperatorView) string {
	names := make([]string, 0, len(o.Teams))
	for _, t := range o.Teams {
		names = append(names, m.teamName(t))
	}
	if len(names) == 0 {
		return "no team"
	}
	return strings.Join(names, ", ")
}

func (m *Model) openPicker(k pickKind) {
	p := pickDlg{kind: k}
	var cur string
	var c *inbox.ConversationView
	if m.detail != nil {
		c = &m.detail.Conversation
		p.contact, p.version = c.Contact.ID, c.Version
	}
	switch k {
	case pickAssign:
		p.title = "Assign " + c.Contact.Display() + " to…"
		cur = c.AssigneeID()
		for _, o := range m.ops {
			p.items = append(p.items, pickItem{o.ID, o.Name, m.opTeams(o) + " · " + string(o.Status)})
		}
		p.items = append(p.items, pickItem{"bot", "Bot", "the built-in assistant"}, pickItem{"none", "Nobody", "unassign"})
	case pickOwner:
		p.title = "Contact owner of " + c.Contact.Display()
		cur = c.OwnerID()
		for _, o := range m.ops {
			p.items = append(p.items, pickItem{o.ID, o.Name, m.opTeams(o)})
		}
		p.items = append(p.items, pickItem{"none", "Nobody", "clear the owner"})
	case pickTeam:
		p.title = "Move " + c.Contact.Display() + " to team…"
		cur = c.Team
		for _, t := range m.teams {
			p.items = append(p.items, pickItem{t.ID, t.Name, fmt.Sprintf("%d members", len(t.Members))})
		}
	case pickActAs:
		p.title = "Act as… (local demo and training)"
		cur = m.as
		for _, o := range m.ops {
			p.items = append(p.items, pickItem{o.ID, o.Name, string(o.Role) + " · " + m.opTeams(o)})
		}
	}
	for i, it := range p.items {
		if it.id == cur || (cur == "" && it.id == "none") {
			p.cursor = i
		}
	}
	m.pick = p
	m.dlg = dlgPick
}

func (m *Model) pickKey(msg tea.KeyPressMsg) tea.Cmd {
	k := &m.keys
	p := &m.pick
	switch {
	case key.Matches(msg, k.Back):
		m.dlg = dlgNone
	case key.Matches(msg, k.Up):
		p.cursor = max(0, p.cursor-1)
	case key.Matches(msg, k.Down):
		p.cursor = min(len(p.items)-1, p.cursor+1)
	case key.Matches(msg, k.Top):
		p.cursor = 0
	case key.Matches(msg, k.Bottom):
		p.cursor = len(p.items) - 1
	case key.Matches(msg, k.Open):
		if len(p.items) == 0 {
			return nil
		}
		m.dlg = dlgNone
		return m.picked(p.items[p.cursor])
	}
	return nil
}

func (m *Model) picked(it pickItem) tea.Cmd {
	if m.pick.kind == pickActAs {
		m.as = it.id
		m.clearSel("", nil)
		m.rows, m.start, m.newer, m.older, m.top = nil, 0, "", "", 0
		m.banner, m.bannerID = "", ""
		return tea.Batch(m.setStatus(2, "You are now acting as "+it.label), m.reloadAll(), m.loadTour())
	}
	id, v := m.pick.contact, m.pick.version
	switch m.pick.kind {
	case pickAssign:
		return m.act("", func(ctx context.Context, svc *inbox.Service, as string) (*inbox.Outcome, error) {
			return outcome(svc.Assign(ctx, as, id, it.id, v))
		})
	case pickOwner:
		return m.act("", func(ctx context.Context, svc *inbox.Service, as string) (*inbox.Outcome, error) {
			return outcome(svc.SetOwner(ctx, as, id, it.id, v))
		})
	case pickTeam:
		return m.act("", func(ctx context.Context, svc *inbox.Service, as string) (*inbox.Outcome, error) {
			return outcome(svc.ChangeTeam(ctx, as, id, it.id, v))
		})
	}
	return nil
}

func (m *Model) pickView() string {
	st := m.st
	p := &m.pick
	iw := m.dialogInner()
	lines := []string{st.Title.Render(safe(p.title)), ""}
	for i, it := range p.items {
		text := textsafe.Pad(it.label, 16) + " " + safe(it.detail)
		if i == p.cursor {
			lines = append(lines, st.Selected.Width(iw).Render(ansi.Truncate("▸ "+text, iw, "…")))
		} else {
			lines = append(lines, "  "+st.Dim.Render(ansi.Truncate(text, iw-2, "…")))
		}
	}
	lines = append(lines, "", st.Key.Render("j/k")+" move · "+st.Key.Render("g/G")+" first/last · "+st.Key.Render("enter")+" choose · "+st.Key.Render("esc")+" cancel")
	return strings.Join(lines, "\n")
}

// ---- search ----

type searchDlg struct {
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

func (m *Model) openSearch() {
	m.dlg = dlgSearch
	m.search = searchDlg{q: field{placeholder: "name, number or @username", limit: 140}}
}

func (m *Model) runSearch() tea.Cmd {
	m.search.seq++
	q := strings.TrimPrefix(strings.TrimSpace(m.search.q.String()), "+")
	if q == "" {
		m.search.results = nil
		return nil
	}
	seq, svc, ctx := m.search.seq, m.svc, m.ctx
	return m.async(func() tea.Msg {
		cs, err := svc.Contacts(ctx, q, 10)
		return searchMsg{seq, cs, err}
	})
}

func (m *Model) onSearch(msg searchMsg) tea.Cmd {
	if m.dlg != dlgSearch || msg.seq != m.search.seq {
		return nil
	}
	if msg.err != nil {
		return m.fail(msg.err)
	}
	m.search.results, m.search.cursor = msg.cs, 0
	return nil
}

func (m *Model) searchKey(msg tea.KeyPressMsg) tea.Cmd {
	s := &m.search
	switch msg.String() {
	case "esc":
		m.dlg = dlgNone
		return nil
	case "up", "ctrl+p":
		s.cursor = max(0, s.cursor-1)
		return nil
	case "down", "ctrl+n", "tab":
		s.cursor = min(len(s.results)-1, s.cursor+1)
		return nil
	case "enter":
		if len(s.results) == 0 {
			return m.setStatus(1, "No contact matches: type part of a name or the start of a number")
		}
		id := s.results[s.cursor].ID
		m.dlg = dlgNone
		m.focus = paneConv
		return m.selectContact(id, true)
	}
	if s.q.update(msg) {
		return m.runSearch()
	}
	return nil
}

func (m *Model) searchView() string {
	st := m.st
	s := &m.search
	iw := m.dialogInner()
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
	return strings.Join(lines, "\n")
}

// ---- automation rule editor ----

type ruleDlg struct {
	index                int // -1: a new rule
	focus                int // 0 name, 1 channel, 2 keyword, 3 tag, 4 to
	name, keyword, tag   field
	channel, to          int
	targets, targetNames []string
	busy                 bool
}

var ruleChannels = []string{"", "message", "call"}

func (d *ruleDlg) field() *field {
	switch d.focus {
	case 0:
		if d.index >= 0 {
			return nil // a rule's name is its id
		}
		return &d.name
	case 2:
		return &d.keyword
	case 3:
		return &d.tag
	}
	return nil
}

func (m *Model) openRule(i int) {
	d := ruleDlg{index: i, name: field{placeholder: "e.g. refunds", limit: 40},
		keyword: field{placeholder: "one word, optional", limit: 40}, tag: field{placeholder: "optional", limit: 40}}
	for _, t := range m.teams {
		d.targets, d.targetNames = append(d.targets, "team:"+t.ID), append(d.targetNames, "team "+t.Name)
	}
	for _, o := range m.ops {
		d.targets, d.targetNames = append(d.targets, "operator:"+o.ID), append(d.targetNames, o.Name)
	}
	d.targets, d.targetNames = append(d.targets, "bot"), append(d.targetNames, "Bot")
	if i >= 0 {
		r := m.settings.Rules[i]
		d.name.set(r.Name)
		d.keyword.set(r.Keyword)
		d.tag.set(r.Tag)
		for j, c := range ruleChannels {
			if c == string(r.Channel) {
				d.channel = j
			}
		}
		for j, t := range d.targets {
			if t == r.To {
				d.to = j
			}
		}
		d.focus = 1
	}
	m.rule = d
	m.dlg = dlgRule
}

func (m *Model) ruleKey(msg tea.KeyPressMsg) tea.Cmd {
	d := &m.rule
	if d.busy {
		return nil
	}
	switch msg.String() {
	case "esc":
		m.dlg = dlgNone
		return nil
	case "tab", "down":
		d.focus = (d.focus + 1) % 5
		return nil
	case "shift+tab", "up":
		d.focus = (d.focus + 4) % 5
		return nil
	case "enter":
		r := inbox.Rule{Name: strings.TrimSpace(d.name.String()), Channel: routing.Channel(ruleChannels[d.channel]),
			Keyword: strings.TrimSpace(d.keyword.String()), Tag: strings.TrimSpace(d.tag.String()), To: d.targets[d.to]}
		d.busy = true
		add := d.index < 0
		return m.act("rule", func(ctx context.Context, svc *inbox.Service, as string) (*inbox.Outcome, error) {
			if add {
				return nil, svc.AddRule(ctx, as, r)
			}
			return nil, svc.UpdateRule(ctx, as, r)
		})
	}
	step := 0
	switch msg.String() {
	case "left":
		step = -1
	case "right", "space":
		step = 1
	}
	switch d.focus {
	case 1:
		if step != 0 {
			d.channel = (d.channel + step + len(ruleChannels)) % len(ruleChannels)
		}
		return nil
	case 4:
		if step != 0 {
			d.to = (d.to + step + len(d.targets)) % len(d.targets)
		}
		return nil
	}
	if f := d.field(); f != nil {
		f.update(msg)
	}
	return nil
}

func (m *Model) ruleView() string {
	st := m.st
	d := &m.rule
	iw := m.dialogInner()
	fw := iw - 10
	label := func(i int, s string) string {
		if d.focus == i {
			return st.Key.Render(fmt.Sprintf("%-9s", s))
		}
		return st.Dim.Render(fmt.Sprintf("%-9s", s))
	}
	title := "Add an automation rule"
	if d.index >= 0 {
		title = "Edit rule " + safe(d.name.String())
	}
	ch := ruleChannels[d.channel]
	if ch == "" {
		ch = "any"
	}
	name := d.name.view(fw, d.focus == 0, st)
	if d.index >= 0 {
		name = safeFit(d.name.String(), max(4, fw-32)) + st.Dim.Render("  (the name identifies the rule)")
	}
	lines := []string{st.Title.Render(title), "",
		label(0, "Name") + " " + name,
		label(1, "Channel") + " ‹ " + ch + " ›",
		label(2, "Keyword") + " " + d.keyword.view(fw, d.focus == 2, st),
		label(3, "Tag") + " " + d.tag.view(fw, d.focus == 3, st),
		label(4, "Send to") + " ‹ " + safeFit(d.targetNames[d.to], fw-4) + " ›",
		"", st.Dim.Render("A rule matches when all its conditions hold; the first match wins."),
	}
	if d.busy {
		lines = append(lines, st.Dim.Render("Saving…"))
	} else {
		lines = append(lines, st.Key.Render("tab")+" next · "+st.Key.Render("←/→")+" choose · "+st.Key.Render("enter")+" save · "+st.Key.Render("esc")+" cancel")
	}
	return strings.Join(lines, "\n")
}

// ---- mouse ----

func (m *Model) onClick(ms tea.Mouse) tea.Cmd {
	if m.dlg != dlgNone || m.tooSmall() || ms.Button != tea.MouseLeft {
		return nil
	}
	L := m.layout()
	x, y := ms.X, ms.Y
	switch {
	case L.tabsY >= 0 && y == L.tabsY:
		if i := m.tabHit(x); i >= 0 {
			m.focus = paneViews
			return m.selectTab(i)
		}
	case L.views.in(x, y):
		m.focus = paneViews
		if i := y - L.views.y - 2; i >= 0 && i < len(m.tabs) {
			return m.selectTab(i)
		}
	case L.list.in(x, y):
		m.focus = paneList
		i := m.top + (y-L.list.y-2)/rowLines
		if y-L.list.y-2 >= 0 && i < len(m.rows) && i < m.top+m.listRows() {
			if m.replying && m.rows[i].Contact.ID != m.sel {
				return m.setStatus(1, "Send the reply (enter) or cancel it (esc) first")
			}
			cmd := m.moveTo(i)
			return tea.Batch(cmd, m.openSelected())
		}
	case L.conv.in(x, y):
		m.focus = paneConv
	case m.screen == scrSettings:
		// a click focuses a setting; a click on the focused one acts as space does (flips a
		// toggle, steps the default team or plan, edits a rule, adds one)
		i := m.settingsItemAt(x, y, L.bodyY)
		if i < 0 {
			return nil
		}
		if i == m.setCursor {
			return m.flip()
		}
		m.setCursor = i
	}
	return nil
}

func (m *Model) onWheel(ms tea.Mouse) tea.Cmd {
	if m.dlg != dlgNone || m.tooSmall() {
		return nil
	}
	d := 0
	switch ms.Button {
	case tea.MouseWheelUp:
		d = -3
	case tea.MouseWheelDown:
		d = 3
	default:
		return nil
	}
	L := m.layout()
	switch {
	case L.conv.in(ms.X, ms.Y):
		m.convScroll = max(0, m.convScroll-d)
	case L.views.in(ms.X, ms.Y):
		return m.selectTab(m.tab + d/3)
	case m.screen == scrSettings:
		// the wheel scrolls the box under it; the focus stays where it is
		_, _, leftW, _ := m.settingsBox()
		m.settingsScroll(d, ms.X >= leftW)
	default:
		return m.moveCursor(d)
	}
	return nil
}
