package ui

import (
	"context"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"switchboard/inbox"
	"switchboard/inbox/domain"
)

// TestSettingsWhoIsThere: the owner-away wait, working hours, holiday mode, the round-robin mode
// and the default capacity in the Settings screen: space steps or flips, enter types a value,
// a bad value leaves the dialog open with what was wrong, and the history records each change.
func TestSettingsWhoIsThere(t *testing.T) {
	svc := newService(t)
	h := newHarness(t, svc, "alice", Options{}, 120, 40)
	h.keys("s")
	h.want("Who is there", "Owner away: off (the owner gets it anyway)", "Working hours: always open", "[○ off] Holiday mode",
		"Round robin mode: round_robin", "Capacity: no limit")
	h.keys("j", "j", "j", "j") // the owner-away wait
	h.keys("space")
	h.want("Owner away: 0 (a cover at once)", "Owner away wait: off (the owner gets it anyway)", "→ 0 (a cover at once)") // the history in the setting's words
	h.keys("enter")
	h.want("Owner away wait", "10m: the owner gets it")
	h.keys("ctrl+u")
	h.typeText("10m")
	h.keys("enter")
	h.want("Owner away: wait 10m, then a cover", "✓ Owner away wait set")
	if got := svc.Settings(bg).OwnerAwayWait; got != "10m" {
		t.Fatalf("stored wait %q", got)
	}
	h.keys("j", "enter") // working hours
	h.want("Set days: mon-fri 09:00-17:00 Europe/Berlin")
	h.keys("ctrl+u")
	h.typeText("mon-xyz 09:00-17:00")
	h.keys("enter")
	h.want(`Unknown day "xyz" in "mon-xyz"`, "Set days:") // the dialog stays, with why
	for typed, says := range map[string]string{
		"mon-fri 9-5":  `"9" in "9-5" is not a time of day`, // what the command line says too
		"weekdays 9-5": `Unknown day "weekdays"`,
		"mon-fri":      `"mon-fri" has no time range after the days`,
	} {
		h.keys("ctrl+e", "ctrl+u")
		h.typeText(typed)
		h.keys("enter")
		h.want(says)
	}
	h.keys("ctrl+u")
	h.typeText("mon-fri 09:00-17:00 Europe/Berlin")
	h.keys("enter")
	h.want("Working hours: Mon–Fri 09:00–17:00 (Europe/Berlin)", "open now, closes Tue 17:00 Europe/Berlin", "Working hours: always open → Mon–Fri")
	h.keys("j", "space")
	h.want("[● on ] Holiday mode", "holiday mode: round robin does not run until it is turned off")
	h.keys("j", "space")
	h.want("Round robin mode: balanced")
	h.keys("j", "space")
	h.want("Capacity: 2 open each", "Default capacity: no limit → 2")
	h.keys("enter")
	h.want("typing replaces it")
	h.typeText("8")       // replaces the 2 shown, as the inject dialog's suggestion is replaced
	h.want("Capacity: 2") // the dialog is still open
	if got := open[*valueDlg](&h.m.dialogs).input.String(); got != "8" {
		t.Fatalf("typing 8 over the value shown gives %q", got)
	}
	h.keys("ctrl+u")
	h.typeText("many")
	h.keys("enter")
	h.want(`"many" is not a number`)
	h.wantNot("Something went wrong") // the refusal says what to do, as the hours' does
	h.keys("esc")
	sv := svc.Settings(bg)
	if !sv.Holiday || sv.AssignmentMode != "balanced" || sv.DefaultMaxOpen != 2 || sv.Hours == nil || sv.Hours.TZ != "Europe/Berlin" {
		t.Fatalf("settings %+v", sv)
	}
	// the screen says it as well as the command line: clear the hours from the dialog
	h.keys("k", "k", "k", "enter", "ctrl+u")
	h.typeText("clear")
	h.keys("enter")
	h.want("Working hours: always open  (enter: edit)")
}

func TestSettingsWhoIsThereRefusedForOperator(t *testing.T) {
	svc := newService(t)
	h := newHarness(t, svc, "carol", Options{}, 120, 40)
	h.keys("s", "j", "j", "j", "j", "space")
	h.want("Only admins can change routing settings", "Owner away: off")
	h.keys("j", "enter")
	h.want("Only admins can change routing")
	h.wantNot("Set days:")
	if svc.Settings(bg).OwnerAwayWait != "" {
		t.Fatal("an operator changed the wait")
	}
}

// TestCoverAndBacklogOnScreen: an away owner's cover in the list and the conversation pane;
// the Backlog view and its count.
func TestCoverAndBacklogOnScreen(t *testing.T) {
	svc := newService(t)
	if _, err := svc.SetAwayWait(bg, "alice", "0"); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.CloseConversation(bg, "alice", dana, 0); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Inject(bg, inbox.Inbound{Channel: "message", From: dana, Text: "hello?"}); err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, svc, "alice", Options{}, 120, 30)
	h.want("→ Carol for Bob · owner Bob · Support", "Owner Bob Stone · Assignee Carol Diaz (covering", "for Bob Stone, offline)",
		"Why: Covered by Carol Diaz — contact owner Bob", "Backlog              0")
	if _, err := svc.SetHoliday(bg, "alice", true); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Inject(bg, inbox.Inbound{Channel: "message", From: "15559990001", Name: "Gus Lee", Text: "anyone?"}); err != nil {
		t.Fatal(err)
	}
	h.settle()
	h.want("Backlog              1", "→ Bot · backlog")
	h.keys("shift+tab", "g", "j", "j", "j", "enter") // the views: Mine, Unassigned, Bot, Backlog
	h.want("Backlog                           1 of 1", "Gus Lee", "Owner none · Assignee Bot (backlog)", "does not run in holiday")
	if _, err := svc.SetHoliday(bg, "alice", false); err != nil {
		t.Fatal(err)
	}
	h.settle()
	h.want("Backlog                     nothing here", "Gus Lee left Backlog (now open · team Support ·", "Carol Diaz).")
}

// TestInjectTypingReplacesTheSuggestedContact: the inject dialog suggests the selected
// conversation's contact; typing a name replaces it (the tour's steps say "press i, type Priya"),
// while enter or a cursor key keeps it.
func TestInjectTypingReplacesTheSuggestedContact(t *testing.T) {
	h := newHarness(t, newService(t), "alice", Options{}, 120, 30)
	h.want("Dana Diaz +15550001111")
	h.keys("i")
	if d := open[*injectDlg](&h.m.dialogs); d == nil || d.contact.String() != "+15550001111" {
		t.Fatalf("the dialog does not suggest the selected contact: %+v", d)
	}
	h.typeText("Eve")
	h.want("▸ Eve Ortiz")
	if d := open[*injectDlg](&h.m.dialogs); d.contact.String() != "Eve" {
		t.Fatalf("typing appended to the suggestion: %q", d.contact.String())
	}
	h.keys("esc", "i", "left")
	h.typeText("9")
	if d := open[*injectDlg](&h.m.dialogs); d.contact.String() != "+155500011191" {
		t.Fatalf("after a cursor key, typing edits the suggestion: %q", d.contact.String())
	}
}

// A whole number with its country code that no contact has is a new contact, not one whose
// number starts with it (it went to Dana Diaz, +15550001111, when +1555000111 was typed); the
// contact whose number it is is picked; ↓ still picks a suggestion.
func TestInjectWholeNumberIsThatNumber(t *testing.T) {
	svc := newService(t)
	h := newHarness(t, svc, "alice", Options{}, 120, 30)
	h.want("Dana Diaz +15550001111")
	h.keys("i")
	h.typeText("+1555000111")
	h.want("Dana Diaz +15550001111")
	if d := open[*injectDlg](&h.m.dialogs); d.match != -1 {
		t.Fatalf("a new number picked %v", d.matches[d.match].Name)
	}
	h.want("↓ picks a contact above; otherwise the number is new")
	h.keys("tab", "tab")
	h.typeText("hello from a new number")
	h.keys("enter")
	h.want("hello from a new number")
	if d, err := svc.Conversation(bg, "alice", "+1555000111", "", 10); err != nil || len(d.Timeline) == 0 || d.Timeline[0].Text != "hello from a new number" {
		t.Fatalf("the new number has not the message: %+v, %v", d.Timeline, err)
	}
	h.keys("i")
	h.typeText("+15550001111")
	h.want("▸ Dana Diaz")
	h.keys("esc", "i")
	h.typeText("+1555") // under 6 digits: not a number yet, a search
	h.want("▸ ")
	if d := open[*injectDlg](&h.m.dialogs); d.match != 0 {
		t.Fatalf("a part of a number (not a whole one) does not pick the best match: %d", d.match)
	}
}

// The timeline names operators from the configuration, and follows it: a name that changes (or
// the configuration loading after the conversation, as when the inbox starts) is redrawn, not
// kept from the timeline's cache (it showed "bob:" after a start until the conversation was
// opened again).
func TestTimelineFollowsOperatorNames(t *testing.T) {
	svc := newService(t)
	h := newHarness(t, svc, "alice", Options{}, 120, 30)
	h.want("Dana Diaz +15550001111", "Bob Stone: hello")
	var bob domain.Operator
	for _, o := range svc.Operators(bg) {
		if o.ID == "bob" {
			bob = o.Operator
		}
	}
	bob.Name = "Robert Stone"
	if err := svc.UpdateOperator(bg, "alice", bob); err != nil {
		t.Fatal(err)
	}
	h.settle()
	h.want("Robert Stone: hello", "Owner Robert Stone")
	h.wantNot("Bob Stone: hello")
	// the configuration arriving after the conversation (the start): drawn without it first,
	// then with it, the same detail
	c := h.m.cfg
	cfg := func(ops []inbox.OperatorView) configMsg {
		return configMsg{seq: h.m.cfgSeq, settings: c.settings, history: c.history, ops: ops, teams: c.teams, caps: c.caps, keys: c.keys}
	}
	h.send(cfg(nil))
	h.want("↩ bob: hello")
	h.send(cfg(c.ops))
	h.want("↩ Robert Stone: hello")
}

// A long name gives way to the number in the list row and the header (the number was pushed
// out: "Bartholomew-Maximilian Bartholomew-Maximil… [open]").
func TestLongNameKeepsTheNumber(t *testing.T) {
	svc := newService(t)
	long := "Bartholomew-Maximilian " + "Bartholomew-Maximilian-Fitzgerald-Worthington-Smythe"
	if _, err := svc.Inject(bg, inbox.Inbound{Channel: "message", From: "15550007777", Name: long, Text: "hello"}); err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, svc, "alice", Options{}, 120, 30)
	h.want("Bartholomew-Maximilian")
	var header, row bool
	for _, l := range strings.Split(h.screen(), "\n") {
		if strings.Contains(l, "Bartholomew") && strings.Contains(l, "[open]") {
			header = strings.Contains(l, "+15550007777")
		}
		if strings.Contains(l, "● Bartholomew") {
			row = strings.Contains(l, "+15550007777")
		}
	}
	if !header || !row { // the conversation's header, the list row
		t.Fatalf("the number is not beside the long name (header %v, row %v):\n%s", header, row, h.screen())
	}
}

// The inject dialog's hint says what the contact typed will do when nothing matches (it offered
// "↓ picks a contact above" with nothing above).
func TestInjectHintWhenNothingMatches(t *testing.T) {
	h := newHarness(t, newService(t), "alice", Options{}, 120, 30)
	h.keys("i")
	h.typeText("xyzq")
	h.want("no contact matches: a +number makes a new one")
	h.wantNot("↓ picks a contact above")
	h.keys("esc", "i")
	h.typeText("+4930123456")
	h.want("no contact has this number: it makes a new one")
}

// The settings history says an owner-away wait in the words of the setting above it: a wait of
// zero is "0 (a cover at once)", as the setting and its dialog say, not "0s".
func TestSettingsHistorySaysTheAwayWaitAsTheSettingDoes(t *testing.T) {
	svc := newService(t)
	ctx := context.Background()
	for _, v := range []string{"0", "10m"} {
		if _, err := svc.SetAwayWait(ctx, "alice", v); err != nil {
			t.Fatal(err)
		}
	}
	h := newHarness(t, svc, "alice", Options{}, 200, 50)
	h.keys("s")
	h.want("Owner away: wait 10m, then a cover",
		"Owner away wait: off (the owner gets it anyway) → 0 (a cover at once)",
		"Owner away wait: 0 (a cover at once) → wait 10m, then a cover")
	h.wantNot("0s")
}

// The Settings screen's operators line up: the teams begin in one column whatever the status
// before them ("● online" is a cell narrower than "○ offline").
func TestSettingsOperatorsLineUpPastTheirStatus(t *testing.T) {
	svc := newService(t)
	ctx := context.Background()
	for id, st := range map[string]string{"bob": "offline", "carol": "away", "dana": "online"} {
		if err := svc.SetPresence(ctx, "alice", id, st); err != nil {
			t.Fatal(err)
		}
	}
	h := newHarness(t, svc, "alice", Options{}, 140, 45)
	h.keys("s")
	h.want("Operators")
	at := map[int]bool{}
	for _, l := range strings.Split(h.screen(), "\n") {
		for _, mark := range []string{"● online", "◐ away", "○ offline"} {
			i := strings.Index(l, mark)
			if i < 0 || !strings.Contains(l, "operator "+mark) && !strings.Contains(l, "admin    "+mark) {
				continue
			}
			rest := l[i+len(mark):]
			j := len(rest) - len(strings.TrimLeft(rest, " "))
			if j == 0 || strings.HasPrefix(rest[j:], "│") {
				continue // no teams after it
			}
			at[ansi.StringWidth(l[:i+len(mark)])+j] = true
		}
	}
	if len(at) != 1 {
		t.Fatalf("the operators' teams begin at cells %v, want one column:\n%s", at, h.screen())
	}
}

// TestSettingsHintsWrapNotCut: at every width the settings screen draws, an item whose text and
// key hint do not fit on one line wraps (the hint on a line of its own under it) instead of
// being cut, focused or not, and so does a long rule; no line above the footer is cut with "…".
func TestSettingsHintsWrapNotCut(t *testing.T) {
	svc := newService(t)
	long := "a rule whose name is long enough to need two lines of the box"
	if err := svc.AddRule(bg, "alice", domain.Rule{Name: long, Keyword: "invoice", To: "team:billing"}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		as string
		w  int
	}{{"alice", 80}, {"alice", 100}, {"alice", 110}, {"alice", 120}, {"alice", 140}, {"alice", 160}, {"carol", 110}, {"carol", 120}} {
		w := c.w
		h := newHarness(t, svc, c.as, Options{}, w, 60) // carol, an operator, sees the lock line
		h.keys("s")
		check := func(focus string) {
			t.Helper()
			scr := h.screen()
			lines := strings.Split(scr, "\n")
			for _, l := range lines[:len(lines)-2] { // the footer's "…" stands for keys ? shows
				if strings.Contains(l, "…") {
					t.Fatalf("width %d, focus on %s: a line is cut: %q\n%s", w, focus, l, scr)
				}
			}
			if c.as != "alice" {
				return // an operator's screen shows no keys that change settings
			}
			// every hint in full (a hint wrapped onto a line of its own is one line here)
			flat := strings.Join(strings.Fields(strings.ReplaceAll(scr, "│", " ")), " ")
			for _, want := range []string{"Owner away: off (the owner gets it anyway) (space: next · enter: type)",
				"Capacity: no limit (space: next · enter: type)", "(round robin pauses; the backlog waits)",
				"first match wins · a add", "K/J move · x remove", "a rule whose name is long"} {
				if !strings.Contains(flat, want) {
					t.Fatalf("width %d, focus on %s: no %q on the screen:\n%s", w, focus, want, scr)
				}
			}
		}
		check("the first item")
		h.keys("j", "j", "j", "j") // the owner-away wait
		check("owner away")
		h.keys("G", "k") // the long rule
		check("the long rule")
	}
}
