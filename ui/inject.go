package ui

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"switchboard/inbox"
)

// injectDlg is inject (i): a customer writes or calls. The contact field looks up matching
// contacts as it is typed (the best is picked; ↑ past it uses the typed number as a new
// contact, with an optional name); message or call with ←/→; enter sends. The model closes it
// when the service has routed the inbound (doneMsg "inject").
type injectDlg struct {
	*Common
	focus                     int // 0 contact, 1 name, 2 kind, 3 text or duration
	contact, name, text, secs field
	kind                      int
	matches                   []inbox.ContactView
	match                     int
	seq                       uint64
	busy                      bool
	// suggested: the contact field holds the selected conversation's contact, untouched: the
	// first key typed replaces it
	suggested bool
}

var injectKinds = []string{"message", "call · answered", "call · missed", "call · ringing"}

type contactsMsg struct {
	seq uint64
	cs  []inbox.ContactView
	err error
}

// newInject opens inject on the contact handle (the conversation shown, "" none).
func newInject(c *Common, handle string) *injectDlg {
	d := &injectDlg{Common: c, match: -1,
		contact: field{placeholder: "name or number; a new number makes a new contact", limit: 40},
		name:    field{placeholder: "name for a new contact (optional)", limit: 80},
		text:    field{placeholder: "what the customer says", limit: inbox.MaxText},
		secs:    field{placeholder: "seconds, e.g. 95", limit: 6}}
	if handle != "" {
		d.contact.set(handle)
		d.suggested = true
	}
	return d
}

func (d *injectDlg) holds(string) bool { return false }

func (d *injectDlg) field() *field {
	switch d.focus {
	case 0:
		return &d.contact
	case 1:
		return &d.name
	case 3:
		if d.kind == 1 {
			return &d.secs
		}
		return &d.text
	}
	return &field{}
}

func (d *injectDlg) findContacts() tea.Cmd {
	d.seq++
	seq, svc, ctx, q := d.seq, d.svc, d.ctx, strings.TrimSpace(d.contact.String())
	q = strings.TrimPrefix(q, "+")
	return d.async(func() tea.Msg {
		cs, err := inbox.OpContacts.Call(ctx, svc, inbox.SearchReq{Query: q, Limit: 5})
		return contactsMsg{seq, cs, err}
	})
}

func (d *injectDlg) onContacts(msg contactsMsg) {
	if msg.seq != d.seq {
		return
	}
	if msg.err != nil {
		d.matches = nil
		return
	}
	d.matches = msg.cs
	d.match = -1
	q := strings.TrimSpace(d.contact.String())
	if q == "" || len(msg.cs) == 0 {
		return
	}
	if strings.HasPrefix(q, "+") {
		if num, err := inbox.NormalizePhone(q); err == nil {
			// a whole number written with its country code means that number: its contact when
			// one has it, else a new contact, never one whose number merely starts with it
			// (↓ still picks a suggestion)
			for i, c := range msg.cs {
				if c.Phone == num {
					d.match = i
				}
			}
			return
		}
	}
	d.match = 0 // the best match is picked; ↑ unpicks it to use the number as new
}

func (d *injectDlg) update(msg tea.Msg) (tea.Cmd, action) {
	switch msg := msg.(type) {
	case tea.PasteMsg:
		d.field().update(msg)
		return d.cutNote(), nil
	case tea.KeyPressMsg:
		return d.key(msg)
	}
	return nil, nil
}

func (d *injectDlg) key(msg tea.KeyPressMsg) (tea.Cmd, action) {
	if d.busy {
		return nil, nil
	}
	suggested := d.suggested
	d.suggested = false
	switch msg.String() {
	case "esc":
		return nil, closeDialog{}
	case "tab", "down":
		if msg.String() == "down" && d.focus == 0 && len(d.matches) > 0 {
			d.match = min(len(d.matches)-1, d.match+1)
			return nil, nil
		}
		d.focus = (d.focus + 1) % 4
		if d.focus == 1 && d.match >= 0 {
			d.focus = 2 // an existing contact has its name
		}
		return nil, nil
	case "shift+tab", "up":
		if msg.String() == "up" && d.focus == 0 && d.match >= 0 {
			d.match--
			return nil, nil
		}
		d.focus = (d.focus + 3) % 4
		if d.focus == 1 && d.match >= 0 {
			d.focus = 0
		}
		return nil, nil
	case "enter":
		return d.send(), nil
	}
	if d.focus == 2 {
		// only the arrows change the kind: a letter (or space) typed here was meant for the
		// text, so it moves the focus there and is typed in it (a missed or ringing call has
		// no text: the letter is ignored)
		switch msg.String() {
		case "left":
			d.kind = (d.kind + len(injectKinds) - 1) % len(injectKinds)
			return nil, nil
		case "right":
			d.kind = (d.kind + 1) % len(injectKinds)
			return nil, nil
		}
		if msg.Text == "" || msg.Mod.Contains(tea.ModCtrl) || msg.Mod.Contains(tea.ModAlt) || d.kind >= 2 {
			return nil, nil
		}
		d.focus = 3
	}
	if d.focus == 3 && d.kind >= 2 {
		return nil, nil // a missed or ringing call has nothing to type
	}
	if d.focus == 0 && suggested && msg.Text != "" && !msg.Mod.Contains(tea.ModCtrl) && !msg.Mod.Contains(tea.ModAlt) {
		d.contact.set("") // typing replaces the contact suggested (the one selected), as a selection would
	}
	if d.field().update(msg) && d.focus == 0 {
		return tea.Batch(d.findContacts(), d.cutNote()), nil
	}
	return d.cutNote(), nil
}

// cutNote says, when the last key or paste was more than the focused field holds, what was not
// taken: nothing typed is shortened without a word.
func (d *injectDlg) cutNote() tea.Cmd {
	f := d.field()
	if f.cut == 0 {
		return nil
	}
	return d.setStatus(1, fmt.Sprintf("This field holds at most %d characters: the last %d typed were not taken", f.limit, f.cut))
}

func (d *injectDlg) send() tea.Cmd {
	in := inbox.Inbound{Name: strings.TrimSpace(d.name.String())}
	if d.match >= 0 && d.match < len(d.matches) {
		in.From = d.matches[d.match].Handle()
	} else {
		in.From = strings.TrimSpace(d.contact.String())
	}
	if in.From == "" {
		d.focus = 0
		return d.setStatus(1, "Pick a contact or type a phone number")
	}
	switch d.kind {
	case 0:
		in.Channel, in.Text = "message", d.text.String()
	case 1:
		in.Channel, in.Outcome = "call", inbox.CallAnswered
		n, err := strconv.Atoi(strings.TrimSpace(d.secs.String()))
		if err != nil || n < 0 {
			d.focus = 3
			return d.setStatus(1, "Give the call's duration in seconds, e.g. 95")
		}
		in.Duration = n
	case 2:
		in.Channel, in.Outcome = "call", inbox.CallMissed
	case 3:
		in.Channel, in.Outcome = "call", inbox.CallRinging
	}
	d.busy = true
	return d.act("inject", func(ctx context.Context, svc service) (*inbox.Outcome, error) {
		return outcome(inbox.OpInject.Call(ctx, svc, in))
	})
}

func (d *injectDlg) draw(rect) drawn {
	st := d.st
	iw := d.dialogInner()
	label := func(i int, s string) string {
		if d.focus == i {
			return st.Key.Render(fmt.Sprintf("%-9s", s))
		}
		return st.Dim.Render(fmt.Sprintf("%-9s", s))
	}
	fw := iw - 10
	lines := []string{st.Title.Render("Inject: a customer writes or calls"), ""}
	if d.suggested {
		// the selected conversation's contact, selected as a whole: typing replaces it
		lines = append(lines, label(0, "Contact")+" "+st.Selected.Render(safeFit(d.contact.String(), fw-24))+st.Dim.Render(" (typing replaces it)"))
	} else {
		lines = append(lines, label(0, "Contact")+" "+d.contact.view(fw, d.focus == 0, st))
	}
	for i, c := range d.matches {
		owner := "no owner"
		if c.OwnerName != "" {
			owner = "owner " + c.OwnerName
		}
		text := safe(c.Labeled() + " · " + owner)
		if i == d.match {
			lines = append(lines, "          "+st.Selected.Render(ansi.Truncate("▸ "+text, fw, "…")))
		} else {
			lines = append(lines, "          "+st.Dim.Render(ansi.Truncate("  "+text, fw, "…")))
		}
	}
	if d.match < 0 {
		hint := "↓ picks a contact above; otherwise the number is new"
		if typed := strings.TrimSpace(d.contact.String()); len(d.matches) == 0 && typed != "" && !d.suggested {
			if _, err := inbox.NormalizePhone(typed); err == nil {
				hint = "no contact has this number: it makes a new one"
			} else {
				hint = "no contact matches: a +number makes a new one"
			}
		}
		lines = append(lines, "          "+st.Dim.Render(hint))
		lines = append(lines, label(1, "Name")+" "+d.name.view(fw, d.focus == 1, st))
	}
	kinds := make([]string, len(injectKinds))
	for i, k := range injectKinds {
		if i == d.kind {
			kinds[i] = st.Selected.Render("[" + k + "]") // marked without colour too
		} else {
			kinds[i] = st.Dim.Render(" " + k + " ")
		}
	}
	lines = append(lines, label(2, "What")+" "+strings.Join(kinds, ""))
	switch d.kind {
	case 0:
		lines = append(lines, label(3, "Text")+" "+d.text.view(fw, d.focus == 3, st))
	case 1:
		lines = append(lines, label(3, "Duration")+" "+d.secs.view(fw, d.focus == 3, st))
	default:
		lines = append(lines, "")
	}
	lines = append(lines, "")
	if d.busy {
		lines = append(lines, st.Dim.Render("Routing…"))
	} else {
		lines = append(lines, st.Key.Render("tab")+" next field · "+st.Key.Render("←/→")+" message or call · "+st.Key.Render("enter")+" send · "+st.Key.Render("esc")+" cancel")
	}
	return d.float(strings.Join(lines, "\n"))
}
