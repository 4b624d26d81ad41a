package ui

import (
	"fmt"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"switchboard/inbox"
	"switchboard/routing"
	"switchboard/textsafe"
)

// ---- being told: the bell, the notification list, next unread, next decision ----

// Bell is how the inbox tells the person that a conversation was routed to them or a team
// decision waits for them while they look elsewhere.
type Bell string

const (
	BellAuto Bell = "auto" // a desktop notification (OSC 9) where the terminal shows them, else the bell
	BellOn   Bell = "bell" // the terminal bell (BEL), whatever the terminal
	BellOSC9 Bell = "osc9" // always OSC 9 (iTerm2, WezTerm, kitty, ghostty, foot, Windows Terminal)
	BellOff  Bell = "off"  // nothing
)

// bellQuiet is how long after one ring the next waits (a burst of events rings once).
const bellQuiet = 3 * time.Second

// osc9 reports whether the session's terminal shows OSC 9 notifications, from its environment.
func osc9(environ []string) bool {
	env := map[string]string{}
	for _, kv := range environ {
		if i := strings.IndexByte(kv, '='); i > 0 {
			env[kv[:i]] = kv[i+1:]
		}
	}
	switch env["TERM_PROGRAM"] {
	case "iTerm.app", "WezTerm", "ghostty":
		return true
	}
	if env["WT_SESSION"] != "" || env["KITTY_WINDOW_ID"] != "" {
		return true
	}
	t := env["TERM"]
	return strings.Contains(t, "kitty") || strings.HasPrefix(t, "foot") || strings.Contains(t, "ghostty")
}

// ring tells the person text (made safe: it carries customer names) the way Options.Bell says,
// at most once in bellQuiet.
func (m *Model) ring(text string) tea.Cmd {
	mode := m.opts.Bell
	if mode == "" {
		mode = BellAuto
	}
	if mode == BellOff || m.ctx.Err() != nil {
		return nil
	}
	now := m.now()
	if !m.rangAt.IsZero() && now.Sub(m.rangAt) < bellQuiet {
		return nil
	}
	m.rangAt = now
	m.rings++
	if mode == BellOSC9 || (mode == BellAuto && osc9(m.opts.Environ)) {
		return tea.Raw(ansi.Notify("Switchboard: " + textsafe.Fit(text, 200))) // not laid out: not cut into cells
	}
	return tea.Raw("\a")
}

// ringFor rings for an event that routed a conversation to the person (not for the one they
// have open on the screen).
func (m *Model) ringFor(e inbox.Event) tea.Cmd {
	if e.Kind != inbox.EventConversation || e.Actor != routing.Routing || e.Assignee != m.as || e.Channel == "" {
		return nil
	}
	if e.Contact == m.list.sel && m.dialogs.empty() {
		return nil // the person is looking at it: the screen shows it at once
	}
	what := "A message"
	if e.Channel == routing.ChannelCall {
		what = "A call"
	}
	return m.ring(what + " was routed to you")
}

// onNotify takes the unread notifications after one arrived: the count, a toast and a ring
// for one newer than any seen before (marking some read sends the same event: no ring then).
func (m *Model) onNotify(ns []inbox.Notification) tea.Cmd {
	m.unread = len(ns)
	if len(ns) == 0 || ns[0].Seq <= m.noteSeq {
		return nil
	}
	m.noteSeq = ns[0].Seq
	return tea.Batch(m.setStatus(2, "🔔 "+ns[0].Text+" ("+m.keys.Notes.Help().Key+" lists them)"), m.ring(ns[0].Text))
}

// openNotes opens the notification list.
func (m *Model) openNotes() tea.Cmd {
	d := newNotes(m.Common)
	m.dialogs.push(d)
	return d.load()
}

// bellHit reports whether a click at (x, y) is on the header's 🔔 count.
func (m *Model) bellHit(x, y int) bool {
	if y != 0 || m.unread == 0 {
		return false
	}
	h := ansi.Strip(m.header())
	i := strings.Index(h, "🔔")
	if i < 0 {
		return false
	}
	x0 := ansi.StringWidth(h[:i])
	return x >= x0 && x < x0+ansi.StringWidth(fmt.Sprintf("🔔 %d", m.unread))
}

type nextMsg struct {
	contact string
	none    string // what to say when there is none
	err     error
}

// nextUnread selects the newest conversation of the view with unread messages other than the
// one selected, and opens it (which marks it read: pressing it again walks through them all).
func (m *Model) nextUnread() tea.Cmd {
	f := m.list.filter()
	f.Unread, f.Limit = true, 2
	sel, svc, ctx, view := m.list.sel, m.svc, m.ctx, m.views.current().label
	return m.async(func() tea.Msg {
		p, err := inbox.OpList.Call(ctx, svc, f)
		if err != nil {
			return nextMsg{err: err}
		}
		for _, c := range p.Conversations {
			if c.Contact.ID != sel {
				return nextMsg{contact: c.Contact.ID}
			}
		}
		return nextMsg{none: "No other unread conversation in " + view}
	})
}

// nextWaiting selects the next conversation whose team decision waits for the person (after
// the one selected, in the order OpPrompts gives) and opens it, with its decision dialog.
func (m *Model) nextWaiting() tea.Cmd {
	sel, svc, ctx := m.list.sel, m.svc, m.ctx
	return m.async(func() tea.Msg {
		ps, err := inbox.OpPrompts.Call(ctx, svc, inbox.None{})
		if err != nil {
			return nextMsg{err: err}
		}
		if len(ps) == 0 {
			return nextMsg{none: "No team decision waits for you"}
		}
		for i, p := range ps {
			if p.Contact == sel {
				return nextMsg{contact: ps[(i+1)%len(ps)].Contact}
			}
		}
		return nextMsg{contact: ps[0].Contact}
	})
}

func (m *Model) onNext(msg nextMsg) tea.Cmd {
	switch {
	case msg.err != nil:
		return m.fail(msg.err)
	case msg.contact == "":
		return m.setStatus(0, msg.none)
	case m.conv.replying && msg.contact != m.list.sel:
		return m.setStatus(1, "Send the reply (enter) or cancel it (esc) first")
	}
	return m.carry(openContact{id: msg.contact})
}
