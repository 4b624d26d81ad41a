package ui

import tea "charm.land/bubbletea/v2"

// ---- mouse: the layout says what is under the pointer ----

func (m *Model) onClick(ms tea.Mouse) tea.Cmd {
	if !m.dialogs.empty() || m.tooSmall() || ms.Button != tea.MouseLeft {
		return nil
	}
	L := m.layout()
	x, y := ms.X, ms.Y
	if m.bellHit(x, y) {
		return m.openNotes()
	}
	switch {
	case L.tabsY >= 0 && y == L.tabsY:
		if i := m.views.tabHit(x); i >= 0 {
			m.focus = paneViews
			return m.selectTab(i)
		}
	case L.views.in(x, y):
		m.focus = paneViews
		if i := y - L.views.y - 2; i >= 0 && i < len(m.views.tabs) {
			return m.selectTab(i)
		}
	case L.list.in(x, y):
		m.focus = paneList
		l := &m.list
		i := l.top + (y-L.list.y-2)/rowLines
		if y-L.list.y-2 >= 0 && i < len(l.rows) && i < l.top+l.listRows() {
			if m.conv.replying && l.rows[i].Contact.ID != l.sel {
				return m.setStatus(1, "Send the reply (enter) or cancel it (esc) first")
			}
			cmd := l.moveTo(i)
			return tea.Batch(cmd, m.do(l.openSelected()))
		}
	case L.conv.in(x, y):
		m.focus = paneConv
	case m.screen == scrSettings:
		// a click focuses a setting; a click on the focused one acts as space does (flips a
		// toggle, steps the default team or plan, edits a rule, adds one)
		i := m.settings.itemAt(x, y, L.bodyY)
		if i < 0 {
			return nil
		}
		if i == m.settings.cursor {
			return m.do(m.settings.flip())
		}
		m.settings.cursor = i
	}
	return nil
}

func (m *Model) onWheel(ms tea.Mouse) tea.Cmd {
	if !m.dialogs.empty() || m.tooSmall() {
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
		m.conv.scroll = max(0, m.conv.scroll-d)
	case L.views.in(ms.X, ms.Y):
		return m.selectTab(m.views.tab + d/3)
	case m.screen == scrSettings:
		// the wheel scrolls the box under it; the focus stays where it is
		_, _, leftW, _ := m.settings.firstBox()
		m.settings.scroll(d, ms.X >= leftW)
	default:
		return m.list.moveCursor(d)
	}
	return nil
}
