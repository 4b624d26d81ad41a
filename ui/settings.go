package ui

import (
	"context"
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"switchboard/inbox"
	"switchboard/textsafe"
)

// The focusable settings items, in order: the owner-routing toggle, round robin, the default
// team, the plan, each automation rule, and "add a rule".
const (
	setOwner = iota
	setRoundRobin
	setDefaultTeam
	setPlan
	setRules
)

func (m *Model) settingItems() int { return setRules + len(m.settings.Rules) + 1 }

// ruleAt is the index of the focused rule, or -1.
func (m *Model) ruleAt() int {
	i := m.setCursor - setRules
	if i >= 0 && i < len(m.settings.Rules) {
		return i
	}
	return -1
}

var plans = []string{"growth", "pro", "business"}

// PriorityRules are the three routing rules in plain words, shown beside the toggle.
var PriorityRules = []string{
	"1. An open conversation that a person is handling stays with them (and they become the contact owner).",
	"2. Otherwise the contact owner gets it. If the owner is not in the conversation's team, someone decides whether to move it to one of the owner's teams.",
	"3. Otherwise automation rules, then round robin or the default team decide.",
}

func (m *Model) settingsKey(msg tea.KeyPressMsg) tea.Cmd {
	k := &m.keys
	for _, b := range []*key.Binding{&k.AddRule, &k.EditRule, &k.RuleUp, &k.RuleDown, &k.RemoveRule, &k.NextPane, &k.PrevPane,
		&k.Owner, &k.Team, &k.Close, &k.Reply, &k.Search, &k.Inject} {
		if b == &k.EditRule && m.setCursor == m.settingItems()-1 {
			continue // enter on "add a rule"
		}
		if b == &k.EditRule && m.ruleAt() < 0 {
			continue // enter on a toggle flips it
		}
		if ok, cmd := m.blocked(msg, b); ok {
			return cmd
		}
	}
	n := m.settingItems()
	switch {
	case key.Matches(msg, k.Back), key.Matches(msg, k.Settings):
		m.screen = scrInbox
		return nil
	case key.Matches(msg, k.Up):
		m.setCursor = max(0, m.setCursor-1)
	case key.Matches(msg, k.Down):
		if m.setCursor == n-1 {
			m.settingsScroll(1, true) // past the last item: page on to what is below or beside it
			return nil
		}
		m.setCursor = min(n-1, m.setCursor+1)
	case key.Matches(msg, k.Top):
		m.setCursor = 0
	case key.Matches(msg, k.Bottom):
		m.setCursor = n - 1
	case key.Matches(msg, k.AddRule):
		m.openRule(-1)
	case key.Matches(msg, k.RuleUp), key.Matches(msg, k.RuleDown):
		i := m.ruleAt()
		to := i - 1
		if key.Matches(msg, k.RuleDown) {
			to = i + 1
		}
		if to < 0 || to >= len(m.settings.Rules) {
			return m.setStatus(1, "The rule is already at that end")
		}
		name := m.settings.Rules[i].Name
		m.setCursor += to - i
		return m.act(fmt.Sprintf("Rule %q is now number %d", name, to+1), func(ctx context.Context, svc *inbox.Service, as string) (*inbox.Outcome, error) {
			return nil, svc.MoveRule(ctx, as, name, to)
		})
	case key.Matches(msg, k.RemoveRule):
		name := m.settings.Rules[m.ruleAt()].Name
		return m.act(fmt.Sprintf("Rule %q removed", name), func(ctx context.Context, svc *inbox.Service, as string) (*inbox.Outcome, error) {
			return nil, svc.DeleteRule(ctx, as, name)
		})
	case key.Matches(msg, k.Flip), key.Matches(msg, k.Open):
		return m.flip()
	}
	return nil
}

// flip changes the focused setting. A person who may not change it still asks the service,
// which refuses and records the refusal (the guided tour watches for it).
func (m *Model) flip() tea.Cmd {
	s := m.settings
	switch m.setCursor {
	case setOwner:
		on := !s.ContactOwnerRouting
		if on && s.OwnerRoutingLock != "" && m.isAdmin() {
			return m.setStatus(1, "Locked: "+s.OwnerRoutingLock)
		}
		return m.settingCmd(fmt.Sprintf("Contact owner-based routing is now %s", onOff(on)), func(ctx context.Context, svc *inbox.Service, as string) error {
			_, err := svc.SetOwnerRouting(ctx, as, on)
			return err
		})
	case setRoundRobin:
		on := !s.RoundRobin
		if on && s.RoundRobinLock != "" && m.isAdmin() {
			return m.setStatus(1, "Locked: "+s.RoundRobinLock)
		}
		return m.settingCmd(fmt.Sprintf("Round robin is now %s", onOff(on)), func(ctx context.Context, svc *inbox.Service, as string) error {
			_, err := svc.SetRoundRobin(ctx, as, on)
			return err
		})
	case setDefaultTeam:
		if len(m.teams) == 0 {
			return m.setStatus(1, "There are no teams yet")
		}
		next := m.teams[0]
		for i, t := range m.teams {
			if t.ID == s.DefaultTeam {
				next = m.teams[(i+1)%len(m.teams)]
			}
		}
		return m.settingCmd("The default team is now "+next.Name, func(ctx context.Context, svc *inbox.Service, as string) error {
			_, err := svc.SetDefaultTeam(ctx, as, next.ID)
			return err
		})
	case setPlan:
		next := plans[0]
		for i, p := range plans {
			if p == string(s.Plan) {
				next = plans[(i+1)%len(plans)]
			}
		}
		return m.settingCmd("The plan is now "+next, func(ctx context.Context, svc *inbox.Service, as string) error {
			_, err := svc.SetPlan(ctx, as, next)
			return err
		})
	}
	if m.setCursor == m.settingItems()-1 {
		if !m.isAdmin() {
			return m.setStatus(1, "Only admins can change routing")
		}
		m.openRule(-1)
		return nil
	}
	if i := m.ruleAt(); i >= 0 {
		if !m.isAdmin() {
			return m.setStatus(1, "Only admins can change routing")
		}
		m.openRule(i)
	}
	return nil
}

func (m *Model) settingCmd(what string, f func(ctx context.Context, svc *inbox.Service, as string) error) tea.Cmd {
	return m.act(what, func(ctx context.Context, svc *inbox.Service, as string) (*inbox.Outcome, error) {
		return nil, f(ctx, svc, as)
	})
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}

// settingsGeometry is how the settings screen splits w columns: the left box (routing and
// rules) is leftW wide; wide puts the teams, operators and history in a second box beside it.
func settingsGeometry(w int) (leftW int, wide bool) {
	if w >= 110 {
		return w * 58 / 100, true
	}
	return w, false
}

// settingsLeft draws the lines of the left box iw wide and says on which line each focusable
// item is (items[i] for item i), so that the view can keep the focus in sight and a click can
// find the item under the pointer.
func (m *Model) settingsLeft(iw int) (left []string, items []int) {
	st := m.st
	s := m.settings
	admin := m.isAdmin()
	items = make([]int, m.settingItems())
	item := func(i int, text string) {
		items[i] = len(left)
		if i == m.setCursor {
			// cut to the box: a longer line would wrap and push every line below it down
			left = append(left, st.Selected.Width(iw).Render(ansi.Truncate("▸ "+ansi.Strip(text), iw, "…")))
			return
		}
		left = append(left, "  "+text)
	}
	left = append(left, st.Title.Render("Routing"))
	if !admin && m.loaded {
		o, _ := m.me()
		left = append(left, st.Locked.Render(fmt.Sprintf("🔒 Only admins can change routing — you are %s (%s).", safe(o.Name), safe(string(o.Role)))))
	}
	toggle := func(on bool, lock string) string {
		switch {
		case lock != "" && !on:
			return st.Locked.Render("[🔒 locked]")
		case on:
			return st.On.Render("[● on ]")
		}
		return st.Off.Render("[○ off]")
	}
	item(setOwner, toggle(s.ContactOwnerRouting, s.OwnerRoutingLock)+" Contact owner-based routing")
	if s.OwnerRoutingLock != "" {
		for _, l := range wrap(safe(s.OwnerRoutingLock+" (plan: "+string(s.Plan)+")"), iw-4) {
			left = append(left, "    "+st.Locked.Render(l))
		}
	} else if s.ContactOwnerRouting && !s.OwnerRoutingActive {
		left = append(left, st.Dim.Render("    on, but not in force on this plan"))
	}
	for _, r := range PriorityRules {
		for _, l := range wrap(r, iw-4) {
			style := st.Dim
			if s.ContactOwnerRouting && s.OwnerRoutingLock == "" {
				style = st.App
			}
			left = append(left, "    "+style.Render(l))
		}
	}
	if !s.ContactOwnerRouting || s.OwnerRoutingLock != "" {
		left = append(left, st.Dim.Render("    (off: rule 2 is skipped; the owner is never read or changed)"))
	}
	item(setRoundRobin, toggle(s.RoundRobin, s.RoundRobinLock)+" Round robin")
	if s.RoundRobinLock != "" {
		left = append(left, st.Locked.Render("    "+safe(s.RoundRobinLock)))
	} else {
		left = append(left, st.Dim.Render("    picks the online operator (not admins) assigned least recently"))
	}
	item(setDefaultTeam, "Default team: "+st.Bold.Render(safe(m.teamName(s.DefaultTeam)))+st.Dim.Render("  (space: next team)"))
	item(setPlan, "Plan: "+st.Bold.Render(safe(string(s.Plan)))+st.Dim.Render("  (space: next plan)"))
	left = append(left, "", st.Title.Render("Automation rules")+st.Dim.Render("  first match wins · a add · enter edit · K/J move · x remove"))
	for i, r := range s.Rules {
		item(setRules+i, fmt.Sprintf("%d. %s: %s → %s", i+1, safe(r.Name), safe(ruleWhen(r)), safe(m.ruleTo(r.To))))
	}
	item(setRules+len(s.Rules), st.Dim.Render("+ Add a rule"))
	return left, items
}

// settingsBox is what the settings screen's first (scrolling) box holds for the current size:
// its lines, the line of each item, its width and how many lines it shows.
func (m *Model) settingsBox() (lines []string, items []int, leftW, rows int) {
	L := m.layout()
	w := m.w - L.tr.w
	leftW, wide := settingsGeometry(w)
	lines, items = m.settingsLeft(leftW - 2)
	if !wide {
		lines = append(append(lines, ""), m.settingsRight(leftW-2)...)
	}
	return lines, items, leftW, L.bodyH - 2
}

// settingsScroll moves a settings box d lines, within its lines: on a wide screen the second
// box (teams, operators, history) when second is true, else the first; on a narrow screen the
// one box, which holds both.
func (m *Model) settingsScroll(d int, second bool) {
	lines, _, leftW, rows := m.settingsBox()
	L := m.layout()
	if w := m.w - L.tr.w; second && w > leftW {
		right := m.settingsRight(w - leftW - 2)
		m.setTopR = max(0, min(m.setTopR+d, len(right)-rows))
		return
	}
	m.setTop = max(0, min(m.setTop+d, len(lines)-rows))
}

// settingsFollow scrolls the settings box only as far as it takes to show the focused item (and
// the line after it), so a click never moves the line under the pointer.
func (m *Model) settingsFollow() {
	lines, items, _, rows := m.settingsBox()
	focus := items[min(m.setCursor, len(items)-1)]
	if focus < m.setTop {
		m.setTop = focus
	}
	if focus+1 >= m.setTop+rows {
		m.setTop = focus + 2 - rows
	}
	m.setTop = max(0, min(m.setTop, len(lines)-rows))
}

// settingsItemAt is the settings item drawn at screen cell (x, y), for a settings body drawn
// from row bodyY at column 0, or -1.
func (m *Model) settingsItemAt(x, y, bodyY int) int {
	_, items, leftW, rows := m.settingsBox()
	if x <= 0 || x >= leftW-1 || y <= bodyY || y > bodyY+rows {
		return -1 // outside the first box, or on its border
	}
	line := y - bodyY - 1 + m.setTop
	for i, l := range items {
		if l == line {
			return i
		}
	}
	return -1
}

// settingsView draws the settings screen in w×h.
func (m *Model) settingsView(w, h int) string {
	leftW, wide := settingsGeometry(w)
	left, _ := m.settingsLeft(leftW - 2)
	top := func(lines []string) []string { return lines[max(0, min(m.setTop, len(lines)-(h-2))):] }
	if !wide {
		return m.box(top(append(append(left, ""), m.settingsRight(leftW-2)...)), w, h, true)
	}
	right := m.settingsRight(w - leftW - 2)
	return lipgloss.JoinHorizontal(lipgloss.Top,
		m.box(top(left), leftW, h, true),
		m.box(right[max(0, min(m.setTopR, len(right)-(h-2))):], w-leftW, h, false))
}

// settingsRight draws the teams, operators and settings history rw wide.
func (m *Model) settingsRight(rw int) []string {
	st := m.st
	s := m.settings
	var right []string
	right = append(right, st.Title.Render("Teams"))
	for _, t := range m.teams {
		def := ""
		if t.ID == s.DefaultTeam {
			def = st.Dim.Render(" (default)")
		}
		names := make([]string, 0, len(t.Members))
		for _, id := range t.Members {
			names = append(names, m.opName(id))
		}
		right = append(right, st.Bold.Render(safe(t.Name))+def)
		for _, l := range wrap(safe(strings.Join(names, ", ")), rw-2) {
			right = append(right, "  "+l)
		}
	}
	right = append(right, "", st.Title.Render("Operators"))
	for _, o := range m.ops {
		teams := make([]string, 0, len(o.Teams))
		for _, t := range o.Teams {
			teams = append(teams, m.teamName(t))
		}
		line := textsafe.Pad(o.Name, 12) + " " + textsafe.Pad(string(o.Role), 8) + " " + m.presence(o.Status)
		if len(teams) > 0 {
			line += st.Dim.Render("  " + safe(strings.Join(teams, ", ")))
		}
		right = append(right, line)
	}
	right = append(right, "", st.Title.Render("Settings history")+st.Dim.Render(" (newest first)"))
	if len(m.history) == 0 {
		right = append(right, st.Dim.Render("No changes yet."))
	}
	for i := len(m.history) - 1; i >= 0 && i >= len(m.history)-6; i-- {
		c := m.history[i]
		right = append(right, st.Dim.Render(c.At.Format("Jan 2 15:04"))+" "+st.Bold.Render(safe(m.opName(c.By))))
		right = append(right, safe(fmt.Sprintf("  %s: %s → %s", settingName(c.Key), settingValue(c.Key, c.From), settingValue(c.Key, c.To))))
	}
	return right
}

func settingName(k string) string {
	switch k {
	case "contact_owner_routing":
		return "Contact owner-based routing"
	case "round_robin":
		return "Round robin"
	case "default_team":
		return "Default team"
	case "plan":
		return "Plan"
	}
	return k
}

func settingValue(k, v string) string {
	switch v {
	case "true":
		return "on"
	case "false":
		return "off"
	case "":
		return "none"
	}
	return v
}

func ruleWhen(r inbox.Rule) string {
	var c []string
	if r.Channel != "" {
		c = append(c, "a "+string(r.Channel))
	}
	if r.Keyword != "" {
		c = append(c, "says “"+r.Keyword+"”")
	}
	if r.Tag != "" {
		c = append(c, "tagged "+r.Tag)
	}
	if len(c) == 0 {
		return "always"
	}
	return strings.Join(c, ", ")
}

func (m *Model) ruleTo(to string) string {
	if t, ok := strings.CutPrefix(to, "team:"); ok {
		return "team " + m.teamName(t)
	}
	if o, ok := strings.CutPrefix(to, "operator:"); ok {
		return m.opName(o)
	}
	if to == "bot" {
		return "Bot"
	}
	return to
}
