package ui

import (
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
)

// Keys typed while the inject dialog waits for its answer (a slow link, a paste, a busy
// owner) reach what they were typed for once it is done: "/Finn" and enter after an inject's
// enter search and open Finn Park. They used to reach the inbox behind the dialog, or were
// lost: the "s" of a name opened Settings and its enter turned owner routing off.
func TestKeysTypedWhileADialogWaitsKeepTheirOrder(t *testing.T) {
	svc := newService(t)
	h := newHarness(t, svc, "alice", Options{}, 120, 34)
	h.keys("i")
	h.typeText("+15550002222")
	h.keys("tab", "tab") // past the name an existing contact has, to the text
	h.typeText("short text")
	// enter sends the inject; its answer has not come back when the next keys arrive
	_, sent := h.m.Update(keyMsg("enter"))
	var later []tea.Cmd
	for _, k := range append([]string{"/"}, append(strings.Split("Finns", ""), "enter", "space")...) {
		_, cmd := h.m.Update(keyMsg(k))
		later = append(later, cmd)
	}
	if h.m.screen == scrSettings || !svc.Settings(bg).ContactOwnerRouting {
		t.Fatal("keys typed while the inject waited reached the inbox")
	}
	if len(h.m.held) != 8 {
		t.Fatalf("%d keys held, want the 8 typed", len(h.m.held))
	}
	h.run(sent) // the inject's answer: the dialog closes and the keys are given in order
	for _, c := range later {
		h.run(c)
	}
	h.settle()
	if !svc.Settings(bg).ContactOwnerRouting || h.m.screen == scrSettings {
		t.Fatal("owner routing changed or Settings opened: keys reached the inbox")
	}
	if s := open[*searchDlg](&h.m.dialogs); s == nil || s.q.String() != "Finns " {
		t.Fatalf("the search did not get what was typed for it: %+v\n%s", s, h.screen())
	}
}

// Enter typed before the results of what was typed came back chooses among those results, not
// among the ones of the query before ("Nothing matches", or another contact).
func TestSearchEnterWaitsForTheResultsOfWhatWasTyped(t *testing.T) {
	svc := newService(t)
	h := newHarness(t, svc, "alice", Options{}, 120, 34)
	h.keys("/")
	h.typeText("Dana")
	h.keys("backspace", "backspace", "backspace", "backspace") // results of "Dana" shown, none asked
	_, c1 := h.m.Update(keyMsg("F"))
	_, c2 := h.m.Update(keyMsg("i"))
	_, c3 := h.m.Update(keyMsg("enter"))
	if open[*searchDlg](&h.m.dialogs) == nil {
		t.Fatal("enter chose before the results of what was typed came")
	}
	for _, c := range []tea.Cmd{c1, c2, c3} {
		h.run(c)
	}
	h.settle()
	if open[*searchDlg](&h.m.dialogs) != nil || h.m.list.sel != "15550003333" {
		t.Fatalf("enter after the results opened %q, want Finn Park\n%s", h.m.list.sel, h.screen())
	}
}
