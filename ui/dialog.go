package ui

import (
	"strings"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
)

// Dialog is one overlay of the screen (crush's internal/ui/dialog): the help, the team
// decision, inject, the pickers (assign, owner, team, act as), search and the rule editor. The
// open ones form a stack (overlay); the top one gets every key and pasted text before
// anything else, and all are drawn over the screen, bottom first. A dialog changes only its
// own state and reads the rest through Common; when it is done it returns an action (esc
// returns closeDialog), the stack pops it, and the model carries the action out. Only this
// package's dialogs implement it.
type Dialog interface {
	// update takes a key press or pasted text while the dialog is on top.
	update(msg tea.Msg) (tea.Cmd, action)
	// draw draws the dialog for a screen whose panes take the area body.
	draw(body rect) drawn
	// holds reports whether the dialog is about the selected conversation sel, which then
	// stays selected until the dialog is done even if it leaves the view.
	holds(sel string) bool
}

// drawn is a dialog as drawn: a box at (x, y) over the screen, or, for a page, the whole body
// drawn in place of the panes (the help).
type drawn struct {
	view string
	x, y int
	page bool
}

// overlay is the stack of open dialogs, the last on top.
type overlay struct{ stack []Dialog }

func (o *overlay) push(d Dialog) { o.stack = append(o.stack, d) }

func (o *overlay) empty() bool { return len(o.stack) == 0 }

// top is the dialog that gets the keys, or nil.
func (o *overlay) top() Dialog {
	if len(o.stack) == 0 {
		return nil
	}
	return o.stack[len(o.stack)-1]
}

// remove closes d wherever it is in the stack.
func (o *overlay) remove(d Dialog) {
	for i := len(o.stack) - 1; i >= 0; i-- {
		if o.stack[i] == d {
			o.stack = append(o.stack[:i], o.stack[i+1:]...)
			return
		}
	}
}

// holds reports whether an open dialog is about the selection sel.
func (o *overlay) holds(sel string) bool {
	for _, d := range o.stack {
		if d.holds(sel) {
			return true
		}
	}
	return false
}

// open returns the topmost open dialog of type T, or the zero T (nil).
func open[T Dialog](o *overlay) T {
	for i := len(o.stack) - 1; i >= 0; i-- {
		if d, ok := o.stack[i].(T); ok {
			return d
		}
	}
	var zero T
	return zero
}

// An action is what a component asks of the model beyond its own state, returned from its
// update and carried out at once, in the same Update: a dialog returns one when it is done
// (closeDialog, openContact, actAs), a pane or the settings screen when a key reaches past it.
type action interface{ isAction() }

// anAction makes a type an action (embedded).
type anAction struct{}

func (anAction) isAction() {}

type (
	// closeDialog: the dialog is done.
	closeDialog struct{ anAction }
	// openContact: focus the conversation pane on a contact chosen outside the list and
	// open it.
	openContact struct {
		anAction
		id string
	}
	// actAs: the session acts as another operator from now on.
	actAs struct {
		anAction
		id, label string
	}
	// openDialog: push d on the stack.
	openDialog struct {
		anAction
		d Dialog
	}
	// chooseView: show the view at index i of the views.
	chooseView struct {
		anAction
		i int
	}
	// focusPane: move the focus to the pane.
	focusPane struct {
		anAction
		p pane
	}
	// leaveSettings: back to the inbox.
	leaveSettings struct{ anAction }
)

const dialogW = 70

func (c *Common) dialogInner() int { return min(dialogW, c.w-4) - 4 }

// float frames a dialog's body as a box over the screen: a line wider than the box wraps, and
// the box fits the screen, so a long name or question cannot push it past the bottom.
func (c *Common) float(body string) drawn {
	iw := c.dialogInner()
	var lines []string
	for _, l := range strings.Split(body, "\n") {
		if lipgloss.Width(l) > iw {
			lines = append(lines, wrap(l, iw)...)
		} else {
			lines = append(lines, l)
		}
	}
	if room := max(3, c.h-4); len(lines) > room {
		lines = append(lines[:room-1], lines[len(lines)-1]) // the last line says which keys work
	}
	d := c.st.Dialog.Width(min(dialogW, c.w-4)).Render(strings.Join(lines, "\n"))
	dw, dh := lipgloss.Size(d)
	return drawn{view: d, x: max(0, (c.w-dw)/2), y: max(1, (c.h-dh)/3)}
}

// waiter is a dialog that cannot take msg (a key or a paste) yet: it waits for the answer to
// what was asked in it (an inject, a team decision, a rule, a value being saved) or, the search,
// for the results of what was typed before enter chooses among them. The model holds what is
// typed meanwhile and gives it, in order, once the dialog can take it (Model.hold): keys typed
// ahead, as a person on a slow link or pasting does, reach what they were typed for — never the
// inbox behind a dialog still open, nor a result left from the query before.
type waiter interface{ waits(msg tea.Msg) bool }

func (d *injectDlg) waits(tea.Msg) bool { return d.busy }
func (d *promptDlg) waits(tea.Msg) bool { return d.busy }
func (d *ruleDlg) waits(tea.Msg) bool   { return d.busy }
func (d *valueDlg) waits(tea.Msg) bool  { return d.busy }

// waits: enter (and moving among the results) while a search is on its way would act on the
// results of what was typed before.
func (s *searchDlg) waits(msg tea.Msg) bool {
	k, ok := msg.(tea.KeyPressMsg)
	if !ok || !s.asked {
		return false
	}
	switch k.String() {
	case "enter", "up", "down", "ctrl+p", "ctrl+n", "tab", "shift+tab", "pgup", "pgdown":
		return true
	}
	return false
}
