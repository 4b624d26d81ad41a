package ui

import (
	"context"
	"fmt"
	"strings"

	"switchboard/routing"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"switchboard/inbox"
)

// The focusable settings items, in order: the owner-routing toggle, round robin, the default
// team, the plan, the settings of routing that knows who is there (presence.go), each
// automation rule, and "add a rule".
const (
	setOwner = iota
	setRoundRobin
	setDefaultTeam
	setPlan
	setAwayWait
	setHours
	setHoliday
	setMode
	setCapacity
	setRules
)

// settingsScreen is the settings screen (s): the routing settings and the automation rules
// in a box that scrolls to keep the focused item in sight, and the teams, operators and the
// settings history beside it (below it, in the same box, under 110 columns).
type settingsScreen struct {
	*Common
	cursor int // the focused item
	top    int // the first line of the settings box shown (see follow)
	topR   int // the first line shown of the second settings box (wide screens)
	w      int // the screen's width beside the tour (setSize)
	bodyH  int // the body's height (setSize)
}

// setSize sizes the screen for a body w×bodyH.
func (sc *settingsScreen) setSize(w, bodyH int) { sc.w, sc.bodyH = w, bodyH }

func (sc *settingsScreen) items() int { return setRules + len(sc.cfg.settings.Rules) + 1 }

// ruleAt is the index of the focused rule, or -1.
func (sc *settingsScreen) ruleAt() int {
	i := sc.cursor - setRules
	if i >= 0 && i < len(sc.cfg.settings.Rules) {
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

// update handles a key on the settings screen (the model has checked first whether the key is
// allowed here, see Model.disabled).
func (sc *settingsScreen) update(msg tea.KeyPressMsg) (tea.Cmd, action) {
	k := &sc.keys
	n := sc.items()
	switch {
	case key.Matches(msg, k.Back), key.Matches(msg, k.Settings):
		return nil, leaveSettings{}
	case key.Matches(msg, k.Up):
		sc.cursor = max(0, sc.cursor-1)
	case key.Matches(msg, k.Down):
		if sc.cursor == n-1 {
			sc.scroll(1, true) // past the last item: page on to what is below or beside it
			return nil, nil
		}
		sc.cursor = min(n-1, sc.cursor+1)
	case key.Matches(msg, k.Top):
		sc.cursor = 0
	case key.Matches(msg, k.Bottom):
		if sc.cursor == n-1 {
			sc.scroll(1<<20, true) // on the last item already: page on to the end (the history)
			return nil, nil
		}
		sc.cursor = n - 1
	case key.Matches(msg, k.AddRule):
		return nil, openDialog{d: newRule(sc.Common, -1)}
	case key.Matches(msg, k.RuleUp), key.Matches(msg, k.RuleDown):
		i := sc.ruleAt()
		to := i - 1
		if key.Matches(msg, k.RuleDown) {
			to = i + 1
		}
		if to < 0 || to >= len(sc.cfg.settings.Rules) {
			return sc.setStatus(1, "The rule is already at that end"), nil
		}
		name := sc.cfg.settings.Rules[i].Name
		sc.cursor += to - i
		return sc.act(fmt.Sprintf("Rule %q is now number %d", name, to+1), func(ctx context.Context, svc service) (*inbox.Outcome, error) {
			_, err := inbox.OpMoveRule.Call(ctx, svc, inbox.MoveRuleReq{Name: name, Pos: to})
			return nil, err
		}), nil
	case key.Matches(msg, k.RemoveRule):
		r := sc.cfg.settings.Rules[sc.ruleAt()]
		name := r.Name
		remove := func() tea.Cmd {
			return sc.act(fmt.Sprintf("Rule %q removed", name), func(ctx context.Context, svc service) (*inbox.Outcome, error) {
				_, err := inbox.OpDeleteRule.Call(ctx, svc, inbox.NameReq{Name: name})
				return nil, err
			})
		}
		q := fmt.Sprintf("Remove rule %d, “%s” (%s → %s)? Messages and calls it would route go on to the next rule, then round robin. "+
			"Conversations it already routed stay where they are.", sc.ruleAt()+1, r.Name, ruleWhen(r), sc.ruleTo(r.To))
		return nil, openDialog{d: newConfirm(sc.Common, "Remove a rule", q, "remove it", "keep it", remove)}
	case key.Matches(msg, k.Flip):
		return sc.flip()
	case key.Matches(msg, k.Open):
		if cmd, act, ok := sc.flipPresence(true); ok {
			return cmd, act // enter types a value
		}
		return sc.flip()
	}
	return nil, nil
}

// flip changes the focused setting. A person who may not change it still asks the service,
// which refuses and records the refusal (the guided tour watches for it).
func (sc *settingsScreen) flip() (tea.Cmd, action) {
	s := sc.cfg.settings
	if cmd, act, ok := sc.flipPresence(false); ok {
		return cmd, act
	}
	switch sc.cursor {
	case setOwner:
		on := !s.ContactOwnerRouting
		if may, _ := sc.mayRoute(); on && s.OwnerRoutingLock != "" && may {
			return sc.setStatus(1, "Locked: "+s.OwnerRoutingLock), nil
		}
		return sc.settingCmd(fmt.Sprintf("Contact owner-based routing is now %s", onOff(on)), func(ctx context.Context, svc service) error {
			_, err := inbox.OpSetOwnerRouting.Call(ctx, svc, inbox.ToggleReq{On: on})
			return err
		}), nil
	case setRoundRobin:
		on := !s.RoundRobin
		if may, _ := sc.mayRoute(); on && s.RoundRobinLock != "" && may {
			return sc.setStatus(1, "Locked: "+s.RoundRobinLock), nil
		}
		return sc.settingCmd(fmt.Sprintf("Round robin is now %s", onOff(on)), func(ctx context.Context, svc service) error {
			_, err := inbox.OpSetRoundRobin.Call(ctx, svc, inbox.ToggleReq{On: on})
			return err
		}), nil
	case setDefaultTeam:
		if len(sc.cfg.teams) == 0 {
			return sc.setStatus(1, "There are no teams yet"), nil
		}
		next := sc.cfg.teams[0]
		for i, t := range sc.cfg.teams {
			if t.ID == s.DefaultTeam {
				next = sc.cfg.teams[(i+1)%len(sc.cfg.teams)]
			}
		}
		return sc.settingCmd("The default team is now "+next.Name, func(ctx context.Context, svc service) error {
			_, err := inbox.OpSetDefaultTeam.Call(ctx, svc, inbox.ValueReq{Value: next.ID})
			return err
		}), nil
	case setPlan:
		next := plans[0]
		for i, p := range plans {
			if p == string(s.Plan) {
				next = plans[(i+1)%len(plans)]
			}
		}
		change := func() tea.Cmd {
			return sc.settingCmd("The plan is now "+next, func(ctx context.Context, svc service) error {
				_, err := inbox.OpSetPlan.Call(ctx, svc, inbox.ValueReq{Value: next})
				return err
			})
		}
		if may, _ := sc.mayRoute(); !may {
			return change(), nil // nothing to confirm: the service refuses and records it
		}
		q := fmt.Sprintf("Change the plan from %s to %s? %s This changes routing for everyone in the workspace.", s.Plan, next, planMeans(next))
		return nil, openDialog{d: newConfirm(sc.Common, "Change the plan", q, "change it", "keep "+string(s.Plan), change)}
	}
	if sc.cursor == sc.items()-1 {
		if may, why := sc.mayRoute(); !may {
			return sc.setStatus(1, why), nil
		}
		return nil, openDialog{d: newRule(sc.Common, -1)}
	}
	if i := sc.ruleAt(); i >= 0 {
		if may, why := sc.mayRoute(); !may {
			return sc.setStatus(1, why), nil
		}
		return nil, openDialog{d: newRule(sc.Common, i)}
	}
	return nil, nil
}

func (sc *settingsScreen) settingCmd(what string, f func(ctx context.Context, svc service) error) tea.Cmd {
	return sc.act(what, func(ctx context.Context, svc service) (*inbox.Outcome, error) {
		return nil, f(ctx, svc)
	})
}

// planMeans says what a plan allows routing to do.
func planMeans(plan string) string {
	switch plan {
	case "growth":
		return "On growth, contact owner-based routing is locked off and there is no round robin."
	case "pro":
		return "On pro, contact owner-based routing works, and there is no round robin."
	}
	return "On business, contact owner-based routing and round robin both work."
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

// left draws the lines of the left box iw wide and says on which line each focusable
// item is (items[i] for item i), so that the view can keep the focus in sight and a click can
// find the item under the pointer.
func (sc *settingsScreen) left(iw int) (left []string, items []int) {
	st := sc.st
	s := sc.cfg.settings
	may, why := sc.mayRoute()
	items = make([]int, sc.items())
	// item draws focusable item i: its text and, after two spaces, the hint of its keys. An item
	// too wide for the box wraps (its text under itself, the hint on lines of its own below it),
	// so no key it names is cut off; items[i] is its first line.
	item := func(i int, text, hint string) {
		items[i] = len(left)
		lines, hintFrom := itemLines(text, hint, iw)
		if hintFrom == len(lines) && hint != "" {
			lines[0] += st.Dim.Render("  " + hint) // text and hint on one line
		}
		for j, l := range lines {
			if i == sc.cursor {
				mark := "▸ "
				if j > 0 {
					mark = "  "
				}
				left = append(left, st.Selected.Width(iw).Render(ansi.Truncate(mark+ansi.Strip(l), iw, "…")))
				continue
			}
			if j >= hintFrom {
				l = st.Dim.Render(l)
			}
			left = append(left, "  "+l)
		}
	}
	// note draws a line that explains the item above it, wrapped, indented under it
	note := func(style lipgloss.Style, text string) {
		for _, l := range wrap(text, iw-4) {
			left = append(left, "    "+style.Render(l))
		}
	}
	// header draws a section's title and beside it the first of its hints that fits (a shorter
	// one leaves out what the footer says too); when none fits, the first on lines of its own
	// below the title
	header := func(title string, hints ...string) {
		for _, h := range hints {
			if ansi.StringWidth(title+"  "+h) <= iw {
				left = append(left, st.Title.Render(title)+st.Dim.Render("  "+h))
				return
			}
		}
		left = append(left, st.Title.Render(title))
		for _, l := range wrap(hints[0], iw-2) {
			left = append(left, "  "+st.Dim.Render(l))
		}
	}
	left = append(left, st.Title.Render("Routing"))
	if !may && sc.cfg.loaded {
		o, _ := sc.me()
		for _, l := range wrap(fmt.Sprintf("🔒 %s — you are %s (%s).", safe(why), safe(o.Name), safe(string(o.Role))), iw) {
			left = append(left, st.Locked.Render(l))
		}
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
	item(setOwner, toggle(s.ContactOwnerRouting, s.OwnerRoutingLock)+" Contact owner-based routing", "")
	if s.OwnerRoutingLock != "" {
		for _, l := range wrap(safe(s.OwnerRoutingLock+" (plan: "+string(s.Plan)+")"), iw-4) {
			left = append(left, "    "+st.Locked.Render(l))
		}
	} else if s.ContactOwnerRouting && !s.OwnerRoutingActive {
		note(st.Dim, "on, but not in force on this plan")
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
		note(st.Dim, "(off: rule 2 is skipped; the owner is never read or changed)")
	}
	item(setRoundRobin, toggle(s.RoundRobin, s.RoundRobinLock)+" Round robin", "")
	if s.RoundRobinLock != "" {
		note(st.Locked, safe(s.RoundRobinLock))
	} else {
		note(st.Dim, "picks the online operator (not admins) assigned least recently")
	}
	item(setDefaultTeam, "Default team: "+st.Bold.Render(safe(sc.teamName(s.DefaultTeam))), "(space: next team)")
	item(setPlan, "Plan: "+st.Bold.Render(safe(string(s.Plan))), "(space: next plan)")
	left = append(left, "")
	header("Who is there", "presence, hours, capacity")
	sc.presenceLines(item, note, iw)
	left = append(left, "")
	header("Automation rules", "first match wins · a add · enter edit · K/J move · x remove", "first match wins · a add · K/J move · x remove")
	for i, r := range s.Rules {
		item(setRules+i, fmt.Sprintf("%d. %s: %s → %s", i+1, safe(r.Name), safe(ruleWhen(r)), safe(sc.ruleTo(r.To))), "")
	}
	item(setRules+len(s.Rules), st.Dim.Render("+ Add a rule"), "")
	return left, items
}

// itemLines lays out an item of the settings' first box iw wide (two columns go to the focus
// mark): when text and its hint fit on one line, the text alone (the caller adds the hint) and
// hintFrom == len(lines); else the text wrapped, then the hint wrapped on lines of its own,
// indented under it, from line hintFrom.
func itemLines(text, hint string, iw int) (lines []string, hintFrom int) {
	w := iw - 2
	if hint == "" || ansi.StringWidth(text+"  "+hint) <= w {
		lines = wrap(text, w)
		return lines, len(lines)
	}
	lines = wrap(text, w)
	hintFrom = len(lines)
	for _, l := range wrap(hint, w-2) {
		lines = append(lines, "  "+l)
	}
	return lines, hintFrom
}

// firstBox is what the settings screen's first (scrolling) box holds for the current size:
// its lines, the line of each item, its width and how many lines it shows.
func (sc *settingsScreen) firstBox() (lines []string, items []int, leftW, rows int) {
	leftW, wide := settingsGeometry(sc.w)
	lines, items = sc.left(leftW - 2)
	if !wide {
		lines = append(append(lines, ""), sc.right(leftW-2)...)
	}
	return lines, items, leftW, sc.bodyH - 2
}

// scroll moves a settings box d lines, within its lines: on a wide screen the second
// box (teams, operators, history) when second is true, else the first; on a narrow screen the
// one box, which holds both.
func (sc *settingsScreen) scroll(d int, second bool) {
	lines, _, leftW, rows := sc.firstBox()
	if w := sc.w; second && w > leftW {
		right := sc.right(w - leftW - 2)
		sc.topR = max(0, min(sc.topR+d, len(right)-rows))
		return
	}
	sc.top = max(0, min(sc.top+d, len(lines)-rows))
}

// follow scrolls the settings box only as far as it takes to show the focused item (and
// the line after it), so a click never moves the line under the pointer.
func (sc *settingsScreen) follow() {
	lines, items, _, rows := sc.firstBox()
	focus := items[min(sc.cursor, len(items)-1)]
	if focus < sc.top {
		sc.top = focus
	}
	if focus+1 >= sc.top+rows {
		sc.top = focus + 2 - rows
	}
	sc.top = max(0, min(sc.top, len(lines)-rows))
}

// itemAt is the settings item drawn at screen cell (x, y), for a settings body drawn
// from row bodyY at column 0, or -1.
func (sc *settingsScreen) itemAt(x, y, bodyY int) int {
	_, items, leftW, rows := sc.firstBox()
	if x <= 0 || x >= leftW-1 || y <= bodyY || y > bodyY+rows {
		return -1 // outside the first box, or on its border
	}
	line := y - bodyY - 1 + sc.top
	for i, l := range items {
		if l == line {
			return i
		}
	}
	return -1
}

// view draws the settings screen in w×h.
func (sc *settingsScreen) view(w, h int) block {
	leftW, wide := settingsGeometry(w)
	left, _ := sc.left(leftW - 2)
	top := func(lines []string) []string { return lines[max(0, min(sc.top, len(lines)-(h-2))):] }
	if !wide {
		return sc.boxed(top(append(append(left, ""), sc.right(leftW-2)...)), w, h, true)
	}
	right := sc.right(w - leftW - 2)
	return sc.joinBlocks(
		sc.boxed(top(left), leftW, h, true),
		sc.boxed(right[max(0, min(sc.topR, len(right)-(h-2))):], w-leftW, h, false))
}

// right draws the teams, operators and settings history rw wide.
func (sc *settingsScreen) right(rw int) []string {
	st := sc.st
	s := sc.cfg.settings
	var right []string
	right = append(right, st.Title.Render("Teams"))
	for _, t := range sc.cfg.teams {
		def := ""
		if t.ID == s.DefaultTeam {
			def = st.Dim.Render(" (default)")
		}
		names := make([]string, 0, len(t.Members))
		for _, id := range t.Members {
			names = append(names, sc.opName(id))
		}
		right = append(right, st.Bold.Render(safe(t.Name))+def)
		for _, l := range wrap(safe(strings.Join(names, ", ")), rw-2) {
			right = append(right, "  "+l)
		}
	}
	right = append(right, "", st.Title.Render("Operators"))
	pw := 0 // the presence column, as wide as its widest status, so the teams line up
	for _, p := range []routing.Presence{routing.Online, routing.Away, routing.Offline} {
		pw = max(pw, ansi.StringWidth(sc.presence(p)))
	}
	for _, o := range sc.cfg.ops {
		teams := make([]string, 0, len(o.Teams))
		for _, t := range o.Teams {
			teams = append(teams, sc.teamName(t))
		}
		line := safePad(o.Name, 12) + " " + safePad(string(o.Role), 8) + " " + sc.presence(o.Status)
		var tail []string // their teams and their limit: beside the status, or under it when too wide
		if len(teams) > 0 {
			tail = append(tail, safe(strings.Join(teams, ", ")))
		}
		if o.MaxOpen != nil {
			tail = append(tail, "max "+routing.CapacityText(*o.MaxOpen))
		}
		if t := strings.Join(tail, " · "); t != "" {
			pad := strings.Repeat(" ", max(0, pw-ansi.StringWidth(sc.presence(o.Status))))
			if ansi.StringWidth(line+pad+"  "+t) <= rw {
				line += pad + st.Dim.Render("  "+t)
				t = ""
			}
			right = append(right, line)
			for _, l := range wrap(t, rw-4) {
				if l != "" {
					right = append(right, "    "+st.Dim.Render(l))
				}
			}
		} else {
			right = append(right, line)
		}
		// the keys they sign in with over SSH, and a status set by hand (it does not follow
		// their sessions)
		for _, k := range sc.cfg.keys {
			if k.Operator == o.ID {
				right = append(right, st.Dim.Render("  🔑 "+safeFit(strings.TrimSpace(shortFingerprint(k.Fingerprint)+" "+k.Comment), rw-5)))
			}
		}
		if o.PresenceManual && len(o.Keys) > 0 {
			right = append(right, st.Dim.Render("  status set by hand"))
		}
	}
	right = append(right, "", st.Title.Render("Settings history")+st.Dim.Render(" (newest first)"))
	if len(sc.cfg.history) == 0 {
		right = append(right, st.Dim.Render("No changes yet."))
	}
	for i := len(sc.cfg.history) - 1; i >= 0 && i >= len(sc.cfg.history)-6; i-- {
		c := sc.cfg.history[i]
		right = append(right, st.Dim.Render(c.At.Format("Jan 2 15:04"))+" "+st.Bold.Render(safe(sc.opName(c.By))))
		for _, l := range wrap(safe(fmt.Sprintf("%s: %s → %s", sc.settingName(c.Key), sc.settingValue(c.Key, c.From), sc.settingValue(c.Key, c.To))), rw-2) {
			right = append(right, "  "+l)
		}
	}
	return right
}

// settingName is a setting of the history in words, naming a person or a rule by name.
func (sc *settingsScreen) settingName(k string) string {
	if id, ok := strings.CutPrefix(k, "max_open:"); ok {
		return "Capacity of " + sc.opName(id)
	}
	if name, ok := strings.CutPrefix(k, "rule:"); ok {
		return "Rule “" + name + "”"
	}
	return settingName(k)
}

// settingValue is a value of the history in words: a team by its name, a rule as the history
// recorded it ("none" before it was added and after it was removed).
func (sc *settingsScreen) settingValue(k, v string) string {
	if k == "default_team" && v != "" {
		return sc.teamName(v)
	}
	return settingValue(k, v)
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
	case "owner_away_wait":
		return "Owner away wait"
	case "hours":
		return "Working hours"
	case "holiday":
		return "Holiday mode"
	case "assignment":
		return "Round robin mode"
	case "max_open":
		return "Default capacity"
	}
	if id, ok := strings.CutPrefix(k, "max_open:"); ok {
		return "Capacity of " + id
	}
	return k
}

func settingValue(k, v string) string {
	if k == string(routing.SettingAwayWait) && v != "" {
		// in the words of the setting above the history ("0s" read as "0 (a cover at once)")
		return routing.WaitWords(v)
	}
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

func (sc *settingsScreen) ruleTo(to string) string {
	if t, ok := strings.CutPrefix(to, "team:"); ok {
		return "team " + sc.teamName(t)
	}
	if o, ok := strings.CutPrefix(to, "operator:"); ok {
		return sc.opName(o)
	}
	if to == "bot" {
		return "Bot"
	}
	return to
}

// shortFingerprint is a key's fingerprint cut to what a person compares ("SHA256:b5kAS2vq…").
func shortFingerprint(fp string) string {
	if len(fp) > 15 {
		return fp[:15] + "…"
	}
	return fp
}
