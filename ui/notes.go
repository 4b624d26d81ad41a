package ui

import (
	"context"
	"strconv"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"switchboard/inbox"
)

// notesMax is how many of the newest notifications the list shows.
const notesMax = 200

// notesDlg is the notification list (b, or a click on the 🔔 count): the operator's newest
// notifications, unread ones marked; enter opens the conversation one is about and marks it
// read, m marks them all read, esc closes.
type notesDlg struct {
	*Common
	ns     []inbox.Notification
	loaded bool
	cursor int
	top    int
	seq    uint64
}

type notesMsg struct {
	seq uint64
	ns  []inbox.Notification
	err error
}

func newNotes(c *Common) *notesDlg { return &notesDlg{Common: c} }

func (d *notesDlg) holds(string) bool { return false }

func (d *notesDlg) load() tea.Cmd {
	d.seq++
	seq, svc, ctx := d.seq, d.svc, d.ctx
	return d.async(func() tea.Msg {
		ns, err := inbox.OpNotifications.Call(ctx, svc, inbox.NotificationsReq{All: true})
		if len(ns) > notesMax {
			ns = ns[:notesMax]
		}
		return notesMsg{seq, ns, err}
	})
}

func (d *notesDlg) onNotes(msg notesMsg) tea.Cmd {
	if msg.seq != d.seq {
		return nil
	}
	if msg.err != nil {
		return d.fail(msg.err)
	}
	d.ns, d.loaded = msg.ns, true
	d.cursor = max(0, min(d.cursor, len(d.ns)-1))
	return nil
}

func (d *notesDlg) markRead(seqs ...uint64) tea.Cmd {
	return d.act("", func(ctx context.Context, svc service) (*inbox.Outcome, error) {
		_, err := inbox.OpMarkNotificationsRead.Call(ctx, svc, inbox.SeqsReq{Seqs: seqs})
		return nil, err
	})
}

func (d *notesDlg) update(msg tea.Msg) (tea.Cmd, action) {
	k, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return nil, nil
	}
	keys := &d.keys
	switch {
	case key.Matches(k, keys.Back, keys.Notes):
		return nil, closeDialog{}
	case key.Matches(k, keys.Up):
		d.cursor = max(0, d.cursor-1)
	case key.Matches(k, keys.Down):
		d.cursor = max(0, min(len(d.ns)-1, d.cursor+1))
	case key.Matches(k, keys.Top):
		d.cursor = 0
	case key.Matches(k, keys.Bottom):
		d.cursor = max(0, len(d.ns)-1)
	case key.Matches(k, keys.MarkRead):
		var seqs []uint64
		for i := range d.ns {
			if !d.ns[i].Read {
				seqs = append(seqs, d.ns[i].Seq)
				d.ns[i].Read = true
			}
		}
		if len(seqs) == 0 {
			return d.setStatus(0, "Every notification is read already"), nil
		}
		return tea.Batch(d.markRead(seqs...), d.setStatus(2, "✓ Notifications marked read")), nil
	case key.Matches(k, keys.Open):
		if len(d.ns) == 0 {
			return nil, closeDialog{}
		}
		n := &d.ns[d.cursor]
		var cmd tea.Cmd
		if !n.Read {
			n.Read = true
			cmd = d.markRead(n.Seq)
		}
		if n.Contact == "" {
			return tea.Batch(cmd, d.setStatus(0, "This notification is about no conversation")), nil
		}
		return cmd, openContact{id: n.Contact}
	}
	return nil, nil
}

func (d *notesDlg) draw(rect) drawn {
	st := d.st
	iw := d.dialogInner()
	unread := 0
	for _, n := range d.ns {
		if !n.Read {
			unread++
		}
	}
	head := "Notifications"
	lines := []string{st.Title.Render(head) + st.Dim.Render(counted(len(d.ns), unread)), ""}
	switch {
	case !d.loaded:
		lines = append(lines, st.Dim.Render("Loading…"))
	case len(d.ns) == 0:
		lines = append(lines, st.Dim.Render("No notifications yet. You are told here when a team decision waits for you or someone changes a conversation of yours."))
	}
	room := max(3, d.h-12)
	if d.cursor < d.top {
		d.top = d.cursor
	}
	if d.cursor >= d.top+room {
		d.top = d.cursor - room + 1
	}
	for i := d.top; i < len(d.ns) && i < d.top+room; i++ {
		n := d.ns[i]
		mark := "  "
		if !n.Read {
			mark = "● "
		}
		when := n.At.In(d.now().Location()).Format("Jan 2 15:04")
		if d.now().Sub(n.At) < 24*60*60*1e9 {
			when = n.At.In(d.now().Location()).Format("15:04")
		}
		text := safe(when + "  " + n.Text)
		switch {
		case i == d.cursor:
			lines = append(lines, st.Selected.Width(iw).Render(ansi.Truncate("▸ "+mark+text, iw, "…")))
		case !n.Read:
			lines = append(lines, st.Unread.Render(ansi.Truncate("  "+mark+text, iw, "…")))
		default:
			lines = append(lines, st.Dim.Render(ansi.Truncate("  "+mark+text, iw, "…")))
		}
	}
	if d.cursor < len(d.ns) && lipgloss.Width(safe(d.ns[d.cursor].Text))+16 > iw {
		lines = append(lines, "", safe(d.ns[d.cursor].Text)) // the chosen one whole (the box wraps it)
	}
	k := &d.keys
	lines = append(lines, "", st.Key.Render(firstKey(k.Down)+"/"+firstKey(k.Up))+" choose · "+st.Key.Render(k.Open.Help().Key)+
		" open the conversation · "+st.Key.Render(k.MarkRead.Help().Key)+" mark all read · "+st.Key.Render(k.Back.Help().Key)+" close")
	return d.float(strings.Join(lines, "\n"))
}

func counted(all, unread int) string {
	switch {
	case all == 0:
		return ""
	case unread == 0:
		return "  · all read"
	}
	return "  · " + strconv.Itoa(unread) + " unread"
}
