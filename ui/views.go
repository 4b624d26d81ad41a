package ui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"switchboard/inbox"
)

// viewTab is one inbox view (a tab in the views pane).
type viewTab struct {
	label string
	view  inbox.View
	team  string
}

func (t viewTab) same(o viewTab) bool { return t.view == o.view && t.team == o.team }

// viewsPane is the inbox's views with their live counts — Mine, Unassigned, Bot, Backlog,
// Waiting for decision, one per team, All, Closed: a pane on a wide screen, a row of tabs on a
// narrow one.
// Choosing a view is the model's (chooseView): the list follows it.
type viewsPane struct {
	*Common
	tabs    []viewTab
	tab     int // the view shown
	counts  inbox.Counts
	seq     uint64 // of the counts asked for last
	counted bool
	drawn   viewsDrawn // the pane as last drawn
}

// viewsDrawn is the views pane as last drawn and what it was drawn from: the pane is drawn
// again only when a view, a count, the view shown, the focus, the place or the styles changed.
type viewsDrawn struct {
	r       rect
	focused bool
	tab     int
	looks   uint64
	tabs    []viewTab
	counts  []int
	b       block
	ok      bool
}

func (d *viewsDrawn) same(v *viewsPane, r rect, focused bool) bool {
	if !d.ok || d.r != r || d.focused != focused || d.tab != v.tab || d.looks != v.looks || len(d.tabs) != len(v.tabs) {
		return false
	}
	for i, t := range v.tabs {
		if d.tabs[i] != t || d.counts[i] != v.count(t) {
			return false
		}
	}
	return true
}

func (v *viewsPane) build() []viewTab {
	// Backlog beside Bot: what of Bot's waits for round robin to find someone (every team's)
	t := []viewTab{{"Mine", inbox.ViewMine, ""}, {"Unassigned", inbox.ViewUnassigned, ""}, {"Bot", inbox.ViewBot, ""},
		{"Backlog", inbox.ViewBacklog, ""}, {"Waiting for decision", inbox.ViewWaiting, ""}}
	for _, tm := range v.cfg.teams {
		t = append(t, viewTab{tm.Name, inbox.ViewTeam, tm.ID})
	}
	return append(t, viewTab{"All", inbox.ViewAll, ""}, viewTab{"Closed", inbox.ViewClosed, ""})
}

// index is the tab of a view (of the first team's for ViewTeam), 0 when there is none.
func (v *viewsPane) index(view inbox.View) int {
	for i, t := range v.tabs {
		if t.view == view {
			return i
		}
	}
	return 0
}

// current is the view shown.
func (v *viewsPane) current() viewTab { return v.tabs[v.tab] }

func (v *viewsPane) count(t viewTab) int {
	switch t.view {
	case inbox.ViewMine:
		return v.counts.Mine
	case inbox.ViewUnassigned:
		return v.counts.Unassigned
	case inbox.ViewBot:
		return v.counts.Bot
	case inbox.ViewWaiting:
		return v.counts.Waiting
	case inbox.ViewBacklog:
		return v.counts.Backlog
	case inbox.ViewTeam:
		return v.counts.Teams[t.team]
	case inbox.ViewAll:
		return v.counts.All
	case inbox.ViewClosed:
		return v.counts.Closed
	}
	return 0
}

func (v *viewsPane) update(msg tea.KeyPressMsg) (tea.Cmd, action) {
	k := &v.keys
	switch {
	case key.Matches(msg, k.Up), msg.String() == "left", msg.String() == "h":
		return nil, chooseView{i: v.tab - 1}
	case key.Matches(msg, k.Down), msg.String() == "right", msg.String() == "l":
		return nil, chooseView{i: v.tab + 1}
	case key.Matches(msg, k.Top):
		return nil, chooseView{i: 0}
	case key.Matches(msg, k.Bottom):
		return nil, chooseView{i: len(v.tabs) - 1}
	case key.Matches(msg, k.Open):
		return nil, focusPane{p: paneList}
	}
	return nil, nil
}

func (v *viewsPane) label(i int) string {
	t := v.tabs[i]
	return fmt.Sprintf("%s %d", safeFit(t.label, 30), v.count(t))
}

// shownTo is the last tab the tab bar keeps in sight: the active one and, when there is one,
// the next (so the way on shows too).
func (v *viewsPane) shownTo() int { return min(v.tab+1, len(v.tabs)-1) }

// tabBar is the views as one line of tabs (narrow screens), scrolled so the active one (and the
// one after it) shows.
func (v *viewsPane) tabBar(w int, focused bool) string {
	cells := make([]string, len(v.tabs))
	for i := range v.tabs {
		st := v.st.Tab
		if i == v.tab {
			st = v.st.TabActive
			if focused {
				st = v.st.TabFocus
			}
		}
		cells[i] = st.Render(v.label(i))
	}
	start := 0
	for {
		line := strings.Join(cells[start:], "")
		width := 0
		for i := start; i <= v.shownTo(); i++ {
			width += lipgloss.Width(cells[i])
		}
		if width <= w-2 || start >= v.tab {
			if start > 0 {
				line = "‹" + line
			}
			return ansi.Truncate(line, w, "›")
		}
		start++
	}
}

// tabHit returns the tab under column x of the tab bar, or -1.
func (v *viewsPane) tabHit(x int) int {
	// mirror tabBar's scrolling
	start := 0
	for start < v.tab {
		width := 0
		for i := start; i <= v.shownTo(); i++ {
			width += lipgloss.Width(v.label(i)) + 2
		}
		if width <= v.w-2 {
			break
		}
		start++
	}
	pos := 0
	if start > 0 {
		pos = 1
	}
	for i := start; i < len(v.tabs); i++ {
		w := lipgloss.Width(v.label(i)) + 2
		if x >= pos && x < pos+w {
			return i
		}
		pos += w
	}
	return -1
}

// view draws the views pane in r (see viewsDrawn).
func (v *viewsPane) view(r rect, focused bool) block {
	if v.reference {
		return v.draw(r, focused)
	}
	if v.drawn.same(v, r, focused) {
		return v.drawn.b
	}
	d := viewsDrawn{r: r, focused: focused, tab: v.tab, looks: v.looks, tabs: append([]viewTab(nil), v.tabs...), ok: true}
	for _, t := range v.tabs {
		d.counts = append(d.counts, v.count(t))
	}
	d.b = v.draw(r, focused)
	v.drawn = d
	return d.b
}

func (v *viewsPane) draw(r rect, focused bool) block {
	iw := r.w - 2
	lines := []string{v.st.Title.Render("Views")}
	for i := range v.tabs {
		label := safe(v.tabs[i].label)
		n := fmt.Sprint(v.count(v.tabs[i]))
		gap := max(1, iw-2-lipgloss.Width(label)-len(n))
		text := " " + ansi.Truncate(label, iw-3-len(n), "…") + strings.Repeat(" ", gap) + n + " "
		switch {
		case i == v.tab && focused:
			text = v.st.SelectedBold.Render(text)
		case i == v.tab:
			text = v.st.SelectedDimBold.Render(text)
		case v.tabs[i].view == inbox.ViewWaiting && v.counts.Waiting > 0:
			text = v.st.Locked.Render(text)
		}
		lines = append(lines, text)
	}
	return v.boxed(lines, r.w, r.h, focused)
}
