package ui

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"switchboard/inbox"
	"switchboard/routing"
)

// The settings of routing that knows who is there in the Settings screen: the owner-away wait,
// working hours, holiday mode, the round-robin mode and the default capacity. space steps a
// setting through its usual values (or flips it); enter opens valueDlg to type one.

// awayWaits and capacities are the values space steps through.
var (
	awayWaits  = []string{"off", "0", "5m", "15m", "1h"}
	capacities = []int{0, 2, 4, 8, 16}
)

// nextOf is the value after cur in vals (the first when cur is not among them).
func nextOf[T comparable](vals []T, cur T) T {
	for i, v := range vals {
		if v == cur {
			return vals[(i+1)%len(vals)]
		}
	}
	return vals[0]
}

// flipPresence changes a setting of routing that knows who is there (typed: enter, which
// opens the dialog to type a value); ok is false for an item that is not one of them.
func (sc *settingsScreen) flipPresence(typed bool) (cmd tea.Cmd, act action, ok bool) {
	s := sc.cfg.settings
	dlg := func(d *valueDlg) (tea.Cmd, action, bool) {
		if may, why := sc.mayRoute(); !may {
			return sc.setStatus(1, why), nil, true
		}
		return nil, openDialog{d: d}, true
	}
	switch sc.cursor {
	case setAwayWait:
		if typed {
			return dlg(newValueDlg(sc.Common, "Owner away wait", s.AwayWaitText, "off, 0, or a duration like 10m",
				[]string{"off: the owner gets the conversation anyway.", "0: the owner stays the owner; a cover (round robin in the team) takes it now.",
					"10m: the owner gets it; a cover takes it if they are still away and nobody replied in 10 minutes."},
				func(ctx context.Context, svc service, v string) error {
					_, err := inbox.OpSetAwayWait.Call(ctx, svc, inbox.ValueReq{Value: v})
					return err
				}))
		}
		next := nextOf(awayWaits, strings.TrimSuffix(s.AwayWaitText, "s"))
		if s.AwayWaitText == "0s" {
			next = "5m"
		}
		return sc.settingCmd("The owner-away wait is now "+next, func(ctx context.Context, svc service) error {
			_, err := inbox.OpSetAwayWait.Call(ctx, svc, inbox.ValueReq{Value: next})
			return err
		}), nil, true
	case setHours:
		cur := ""
		if s.Hours != nil {
			cur = "mon-fri 09:00-17:00 " + s.Hours.TZ
		}
		return dlg(newValueDlg(sc.Common, "Working hours", cur, "DAYS HH:MM-HH:MM… [ZONE], or clear [DAYS]",
			[]string{"Now: " + s.HoursText + ".", "Set days: mon-fri 09:00-17:00 Europe/Berlin (other days keep theirs; a day may have several ranges).",
				"Clear: clear sat,sun closes those days; clear alone means always open."},
			func(ctx context.Context, svc service, v string) error {
				hc, err := parseHoursInput(v)
				if err != nil {
					return err
				}
				_, err = inbox.OpChangeHours.Call(ctx, svc, hc)
				return err
			}))
	case setHoliday:
		on := !s.Holiday
		return sc.settingCmd("Holiday mode is now "+onOff(on), func(ctx context.Context, svc service) error {
			_, err := inbox.OpSetHoliday.Call(ctx, svc, inbox.ToggleReq{On: on})
			return err
		}), nil, true
	case setMode:
		next := nextOf([]string{string(routing.AssignRoundRobin), string(routing.AssignBalanced)}, s.AssignmentMode)
		return sc.settingCmd("Round robin mode is now "+next, func(ctx context.Context, svc service) error {
			_, err := inbox.OpSetAssignment.Call(ctx, svc, inbox.ValueReq{Value: next})
			return err
		}), nil, true
	case setCapacity:
		if typed {
			return dlg(newValueDlg(sc.Common, "Default capacity", strconv.Itoa(s.DefaultMaxOpen), "a number of open conversations, 0 for no limit",
				[]string{"Round robin and the backlog skip an operator with this many open conversations (unless they have their own: operators edit ID --max-open N).",
					"The owner, a rule naming an operator and a person's assignment do not look at it."},
				func(ctx context.Context, svc service, v string) error {
					n, err := routing.ParseCapacity(v)
					if err != nil {
						return err
					}
					_, err = inbox.OpSetDefaultMaxOpen.Call(ctx, svc, inbox.CountReq{N: n})
					return err
				}))
		}
		next := nextOf(capacities, s.DefaultMaxOpen)
		return sc.settingCmd("The default capacity is now "+routing.CapacityText(next), func(ctx context.Context, svc service) error {
			_, err := inbox.OpSetDefaultMaxOpen.Call(ctx, svc, inbox.CountReq{N: next})
			return err
		}), nil, true
	}
	return nil, nil, false
}

// parseHoursInput reads what a person typed for working hours: "DAYS RANGE… [ZONE]",
// "clear [DAYS]", or nothing (clear every day).
func parseHoursInput(v string) (inbox.HoursChange, error) {
	f := strings.Fields(v)
	if len(f) == 0 {
		return inbox.HoursChange{Clear: true}, nil
	}
	if strings.EqualFold(f[0], "clear") {
		hc := inbox.HoursChange{Clear: true}
		if len(f) > 1 {
			hc.Days = strings.Join(f[1:], ",")
		}
		return hc, nil
	}
	hc := inbox.HoursChange{Days: f[0]}
	for _, w := range f[1:] {
		// a range starts with a digit ("09:00-17:00", and "9-5", which the service then says
		// what is wrong with); anything else is the zone
		if strings.Contains(w, "-") && w[0] >= '0' && w[0] <= '9' {
			hc.Ranges = append(hc.Ranges, w)
		} else {
			hc.TZ = w
		}
	}
	if len(hc.Ranges) == 0 {
		return hc, &routing.Refusal{Kind: routing.Invalid, Text: fmt.Sprintf("%q has no time range after the days: give one like 09:00-17:00, as in mon-fri 09:00-17:00 Europe/Berlin", strings.TrimSpace(v))}
	}
	return hc, nil
}

// presenceLines draws the settings of routing that knows who is there into the settings box.
func (sc *settingsScreen) presenceLines(item func(i int, text, hint string), note func(style lipgloss.Style, text string), iw int) {
	st := sc.st
	s := sc.cfg.settings
	const hint = "(space: next · enter: type)"
	item(setAwayWait, "Owner away: "+st.Bold.Render(safe(routing.WaitWords(s.AwayWaitText))), hint)
	if !s.OwnerRoutingActive {
		note(st.Dim, "applies only while contact owner-based routing is in force")
	}
	item(setHours, "Working hours: "+st.Bold.Render(safe(s.HoursText)), "(enter: edit)")
	if s.Hours != nil || s.Holiday {
		note(st.Dim, safe(s.HoursNow))
	}
	toggle := st.Off.Render("[○ off]")
	if s.Holiday {
		toggle = st.On.Render("[● on ]")
	}
	item(setHoliday, toggle+" Holiday mode", "(round robin pauses; the backlog waits)")
	item(setMode, "Round robin mode: "+st.Bold.Render(safe(s.AssignmentMode)), "(space: switch)")
	item(setCapacity, "Capacity: "+st.Bold.Render(safe(capacityText(s.DefaultMaxOpen))), hint)
}

func capacityText(n int) string {
	if n == 0 {
		return "no limit"
	}
	return strconv.Itoa(n) + " open each (unless their own)"
}

// valueDlg asks for one value of a setting and sets it; the model closes it when the service
// has taken it (doneMsg "value"), and keeps it open with the error otherwise.
type valueDlg struct {
	*Common
	title string
	help  []string
	input field
	set   func(ctx context.Context, svc service, v string) error
	busy  bool
	// fresh: the value shown is the setting's own, untouched; typing replaces it (as the inject
	// dialog's suggestion), an editing key (←, backspace, ctrl+u) edits it
	fresh bool
}

func newValueDlg(c *Common, title, cur, placeholder string, help []string, set func(ctx context.Context, svc service, v string) error) *valueDlg {
	d := &valueDlg{Common: c, title: title, help: help, set: set, input: field{placeholder: placeholder, limit: 120}}
	d.input.set(cur)
	d.fresh = cur != ""
	return d
}

func (d *valueDlg) holds(string) bool { return false }

func (d *valueDlg) update(msg tea.Msg) (tea.Cmd, action) {
	if d.busy {
		return nil, nil
	}
	if k, ok := msg.(tea.KeyPressMsg); ok {
		switch k.String() {
		case "esc":
			return nil, closeDialog{}
		case "enter":
			d.busy = true
			v, set := strings.TrimSpace(d.input.String()), d.set
			return d.act("value", func(ctx context.Context, svc service) (*inbox.Outcome, error) {
				return nil, set(ctx, svc, v)
			}), nil
		}
	}
	if d.fresh {
		switch k := msg.(type) {
		case tea.PasteMsg:
			d.input.set("")
		case tea.KeyPressMsg:
			if k.Text != "" && !k.Mod.Contains(tea.ModCtrl) && !k.Mod.Contains(tea.ModAlt) {
				d.input.set("")
			}
		}
		d.fresh = false
	}
	d.input.update(msg)
	return nil, nil
}

func (d *valueDlg) draw(rect) drawn {
	st := d.st
	iw := d.dialogInner()
	lines := []string{st.Title.Render(safe(d.title)), ""}
	for _, h := range d.help {
		lines = append(lines, st.Dim.Render(safe(h)))
	}
	lines = append(lines, "", d.input.view(iw, true, st))
	if d.fresh {
		lines = append(lines, st.Dim.Render("typing replaces it; ← or backspace edits it"))
	}
	lines = append(lines, "")
	if d.busy {
		lines = append(lines, st.Dim.Render("Saving…"))
	} else {
		lines = append(lines, st.Key.Render("enter")+" set · "+st.Key.Render("esc")+" cancel")
	}
	return d.float(strings.Join(lines, "\n"))
}
