package ui

import (
	"context"
	"fmt"
	"strings"

	tea "charm.land/bubbletea/v2"

	"switchboard/inbox"
	"switchboard/routing"
)

// ruleDlg is the automation rule editor (a new rule, or one of the settings' rules): name,
// channel, keyword, tag and where it sends. The model closes it when the service has saved
// the rule (doneMsg "rule").
type ruleDlg struct {
	*Common
	index                int // -1: a new rule
	focus                int // 0 name, 1 channel, 2 keyword, 3 tag, 4 to
	name, keyword, tag   field
	channel, to          int
	targets, targetNames []string
	busy                 bool
}

var ruleChannels = []string{"", "message", "call"}

// newRule opens the editor on rule i of the settings, or on a new rule (-1).
func newRule(c *Common, i int) *ruleDlg {
	d := &ruleDlg{Common: c, index: i, name: field{placeholder: "e.g. refunds", limit: 40},
		keyword: field{placeholder: "one word, optional", limit: 40}, tag: field{placeholder: "optional", limit: 40}}
	for _, t := range c.cfg.teams {
		d.targets, d.targetNames = append(d.targets, "team:"+t.ID), append(d.targetNames, "team "+t.Name)
	}
	for _, o := range c.cfg.ops {
		d.targets, d.targetNames = append(d.targets, "operator:"+o.ID), append(d.targetNames, o.Name)
	}
	d.targets, d.targetNames = append(d.targets, "bot"), append(d.targetNames, "Bot")
	if i >= 0 {
		r := c.cfg.settings.Rules[i]
		d.name.set(r.Name)
		d.keyword.set(r.Keyword)
		d.tag.set(r.Tag)
		for j, ch := range ruleChannels {
			if ch == string(r.Channel) {
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
	return d
}

func (d *ruleDlg) holds(string) bool { return false }

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

func (d *ruleDlg) update(msg tea.Msg) (tea.Cmd, action) {
	switch msg := msg.(type) {
	case tea.PasteMsg:
		if f := d.field(); f != nil {
			f.update(msg)
		}
	case tea.KeyPressMsg:
		return d.key(msg)
	}
	return nil, nil
}

func (d *ruleDlg) key(msg tea.KeyPressMsg) (tea.Cmd, action) {
	if d.busy {
		return nil, nil
	}
	switch msg.String() {
	case "esc":
		return nil, closeDialog{}
	case "tab", "down":
		d.focus = (d.focus + 1) % 5
		return nil, nil
	case "shift+tab", "up":
		d.focus = (d.focus + 4) % 5
		return nil, nil
	case "enter":
		r := inbox.Rule{Name: strings.TrimSpace(d.name.String()), Channel: routing.Channel(ruleChannels[d.channel]),
			Keyword: strings.TrimSpace(d.keyword.String()), Tag: strings.TrimSpace(d.tag.String()), To: d.targets[d.to]}
		d.busy = true
		add := d.index < 0
		return d.act("rule", func(ctx context.Context, svc service) (*inbox.Outcome, error) {
			if add {
				_, err := inbox.OpAddRule.Call(ctx, svc, r)
				return nil, err
			}
			_, err := inbox.OpUpdateRule.Call(ctx, svc, r)
			return nil, err
		}), nil
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
		return nil, nil
	case 4:
		if step != 0 {
			d.to = (d.to + step + len(d.targets)) % len(d.targets)
		}
		return nil, nil
	}
	if f := d.field(); f != nil {
		f.update(msg)
	}
	return nil, nil
}

func (d *ruleDlg) draw(rect) drawn {
	st := d.st
	iw := d.dialogInner()
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
	return d.float(strings.Join(lines, "\n"))
}
