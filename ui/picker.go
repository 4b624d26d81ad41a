package ui

import (
	"context"
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"switchboard/inbox"
)

// pickDlg is a picker: assign (a), owner (o), team (t) of the conversation shown, or act as
// (u). enter chooses; the conversation's pickers send the version the pane showed when the
// picker opened, act as is carried out by the model (actAs).
type pickDlg struct {
	*Common
	kind   pickKind
	title  string
	items  []pickItem
	cursor int
	// the conversation it acts on, as the pane showed it when the picker opened
	contact string
	version uint64
}

type pickKind int

const (
	pickAssign pickKind = iota
	pickOwner
	pickTeam
	pickActAs
)

type pickItem struct{ id, label, detail string }

// newPicker opens a picker on the conversation d shows (nil for act as).
func newPicker(c *Common, k pickKind, d *inbox.Detail) *pickDlg {
	p := &pickDlg{Common: c, kind: k}
	var cur string
	var cv *inbox.ConversationView
	if d != nil {
		cv = &d.Conversation
		p.contact, p.version = cv.Contact.ID, cv.Version
	}
	switch k {
	case pickAssign:
		p.title = "Assign " + cv.Contact.Display() + " to…"
		cur = cv.AssigneeID()
		for _, o := range c.cfg.ops {
			p.items = append(p.items, pickItem{o.ID, o.Name, c.opTeams(o) + " · " + string(o.Status)})
		}
		p.items = append(p.items, pickItem{"bot", "Bot", "the built-in assistant"}, pickItem{"none", "Nobody", "unassign"})
	case pickOwner:
		p.title = "Contact owner of " + cv.Contact.Display()
		cur = cv.OwnerID()
		for _, o := range c.cfg.ops {
			p.items = append(p.items, pickItem{o.ID, o.Name, c.opTeams(o)})
		}
		p.items = append(p.items, pickItem{"none", "Nobody", "clear the owner"})
	case pickTeam:
		p.title = "Move " + cv.Contact.Display() + " to team…"
		cur = cv.Team
		for _, t := range c.cfg.teams {
			p.items = append(p.items, pickItem{t.ID, t.Name, fmt.Sprintf("%d members", len(t.Members))})
		}
	case pickActAs:
		p.title = "Act as… (local demo and training)"
		cur = c.as
		for _, o := range c.cfg.ops {
			p.items = append(p.items, pickItem{o.ID, o.Name, string(o.Role) + " · " + c.opTeams(o)})
		}
	}
	for i, it := range p.items {
		if it.id == cur || (cur == "" && it.id == "none") {
			p.cursor = i
		}
	}
	return p
}

func (c *Common) opTeams(o inbox.OperatorView) string {
	names := make([]string, 0, len(o.Teams))
	for _, t := range o.Teams {
		names = append(names, c.teamName(t))
	}
	if len(names) == 0 {
		return "no team"
	}
	return strings.Join(names, ", ")
}

// holds: a conversation's picker keeps the selection until it is done.
func (p *pickDlg) holds(string) bool { return p.kind != pickActAs }

func (p *pickDlg) update(msg tea.Msg) (tea.Cmd, action) {
	km, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return nil, nil
	}
	k := &p.keys
	switch {
	case key.Matches(km, k.Back):
		return nil, closeDialog{}
	case key.Matches(km, k.Up):
		p.cursor = max(0, p.cursor-1)
	case key.Matches(km, k.Down):
		p.cursor = min(len(p.items)-1, p.cursor+1)
	case key.Matches(km, k.Top):
		p.cursor = 0
	case key.Matches(km, k.Bottom):
		p.cursor = len(p.items) - 1
	case key.Matches(km, k.Open):
		if len(p.items) == 0 {
			return nil, nil
		}
		return p.picked(p.items[p.cursor])
	}
	return nil, nil
}

func (p *pickDlg) picked(it pickItem) (tea.Cmd, action) {
	id, v := p.contact, p.version
	switch p.kind {
	case pickActAs:
		return nil, actAs{id: it.id, label: it.label}
	case pickAssign:
		return p.actOn(id, "", func(ctx context.Context, svc service) (*inbox.Outcome, error) {
			return outcome(inbox.OpAssign.Call(ctx, svc, inbox.AssignReq{Contact: id, To: it.id, Version: v}))
		}), closeDialog{}
	case pickOwner:
		return p.actOn(id, "", func(ctx context.Context, svc service) (*inbox.Outcome, error) {
			return outcome(inbox.OpSetOwner.Call(ctx, svc, inbox.AssignReq{Contact: id, To: it.id, Version: v}))
		}), closeDialog{}
	case pickTeam:
		return p.actOn(id, "", func(ctx context.Context, svc service) (*inbox.Outcome, error) {
			return outcome(inbox.OpChangeTeam.Call(ctx, svc, inbox.TeamReq{Contact: id, Team: it.id, Version: v}))
		}), closeDialog{}
	}
	return nil, closeDialog{}
}

func (p *pickDlg) draw(rect) drawn {
	st := p.st
	iw := p.dialogInner()
	lines := []string{st.Title.Render(safe(p.title)), ""}
	for i, it := range p.items {
		text := safePad(it.label, 16) + " " + safe(it.detail)
		if i == p.cursor {
			lines = append(lines, st.Selected.Width(iw).Render(ansi.Truncate("▸ "+text, iw, "…")))
		} else {
			lines = append(lines, "  "+st.Dim.Render(ansi.Truncate(text, iw-2, "…")))
		}
	}
	k := &p.keys // the keys as the person has them (the config file may change them)
	lines = append(lines, "", st.Key.Render(firstKey(k.Down)+"/"+firstKey(k.Up))+" move · "+st.Key.Render(firstKey(k.Top)+"/"+firstKey(k.Bottom))+" first/last · "+
		st.Key.Render(firstKey(k.Open))+" choose · "+st.Key.Render(firstKey(k.Back))+" cancel")
	return p.float(strings.Join(lines, "\n"))
}
