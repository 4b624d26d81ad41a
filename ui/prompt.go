package ui

import (
	"context"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"switchboard/inbox"
)

// promptDlg is the team-mismatch decision: the question from the service, the owner's teams
// to choose from, accept (y/enter), decline (n), decide later (esc). While the answer is on
// its way it takes no keys; the model closes it when the answer comes (doneMsg), or when
// someone else answered first.
type promptDlg struct {
	*Common
	p       inbox.PromptView
	contact string
	choice  int
	busy    bool
}

func newPrompt(c *Common, p inbox.PromptView) *promptDlg {
	return &promptDlg{Common: c, p: p, contact: p.Contact}
}

func (d *promptDlg) holds(sel string) bool { return d.contact == sel }

// own reports whether the decision was raised by the person's own action (an assignment or an
// owner change), which esc cancels; one raised by an inbound event can be left for later.
func (d *promptDlg) own() bool { return d.p.RaisedBy != "routing" && d.p.RaisedBy == d.as }

func (d *promptDlg) update(msg tea.Msg) (tea.Cmd, action) {
	km, ok := msg.(tea.KeyPressMsg)
	if !ok || d.busy {
		return nil, nil
	}
	k := &d.keys
	id := d.contact
	switch {
	case key.Matches(km, k.Back):
		if d.own() {
			// the person's own action raised it: esc takes the action back, nothing is left
			// changed and no decision waits
			d.busy = true
			return d.actOn(id, "cancel", func(ctx context.Context, svc service) (*inbox.Outcome, error) {
				return outcome(inbox.OpCancelPrompt.Call(ctx, svc, inbox.ContactReq{Contact: id}))
			}), nil
		}
		return d.setStatus(0, "Left waiting: it stays under “Waiting for decision” until someone answers."), closeDialog{}
	case key.Matches(km, k.ChoiceUp):
		d.choice = max(0, d.choice-1)
	case key.Matches(km, k.ChoiceDown):
		d.choice = min(len(d.p.Choices)-1, d.choice+1)
	case key.Matches(km, k.Accept):
		if len(d.p.Choices) == 0 {
			return d.setStatus(1, d.p.OwnerName+" is in no team yet: add them to a team, or press n to decline"), nil
		}
		team := d.p.Choices[d.choice]
		d.busy = true
		return d.actOn(id, "accept", func(ctx context.Context, svc service) (*inbox.Outcome, error) {
			return outcome(inbox.OpAccept.Call(ctx, svc, inbox.AnswerReq{Contact: id, Team: team}))
		}), nil
	case key.Matches(km, k.Decline):
		d.busy = true
		return d.actOn(id, "decline", func(ctx context.Context, svc service) (*inbox.Outcome, error) {
			return outcome(inbox.OpDecline.Call(ctx, svc, inbox.ContactReq{Contact: id}))
		}), nil
	}
	return nil, nil
}

func (d *promptDlg) draw(rect) drawn {
	st := d.st
	iw := d.dialogInner()
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
	if d.busy {
		lines = append(lines, st.Dim.Render("Saving…"))
		return d.float(strings.Join(lines, "\n"))
	}
	accept := st.Key.Render("y/enter") + " move and assign " + firstName(owner)
	choose := st.Key.Render("←/→") + " choose team"
	if d.p.Kind == "assign" && d.own() {
		// declining and cancelling an assignment leave the same: nothing was changed yet, so
		// the two keys are one choice, said once (n records "declined", esc "cancelled")
		stays := "it stays in " + safe(d.p.TeamName)
		if d.p.TeamName == "" {
			stays = "it stays as it is"
		}
		lines = append(lines, accept+"   "+choose, st.Key.Render("n/esc")+" leave it: "+stays+", "+firstName(owner)+" is not assigned")
		return d.float(strings.Join(lines, "\n"))
	}
	decline := "Bot takes the conversation and " + owner + " is told why"
	if d.p.Kind == "assign" {
		decline = "nothing changes"
	}
	later := "decide later (it waits under “Waiting for decision”)"
	if d.own() {
		later = "cancel: " + d.cancelText()
	}
	lines = append(lines, accept+"   "+choose, st.Key.Render("n")+" decline: "+decline, st.Key.Render("esc")+" "+later)
	return d.float(strings.Join(lines, "\n"))
}

// cancelText says what cancelling the person's own owner change leaves.
func (d *promptDlg) cancelText() string { return "the owner stays as it was, nothing changes" }
