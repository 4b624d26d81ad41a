package ui

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"switchboard/inbox"
)

// The search finds the words of a message, folds accents and case, says how many matched and
// pages past the first ten.
func TestSearchFindsMessagesCountsAndPages(t *testing.T) {
	svc := newService(t)
	for i := 0; i < 12; i++ {
		name := fmt.Sprintf("Cliente %02d", i)
		if i == 11 {
			name = "Rosa Martín"
		}
		if _, err := svc.Inject(bg, inbox.Inbound{Channel: "message", From: fmt.Sprintf("+3465500%04d", i), Name: name,
			Text: fmt.Sprintf("Mi pedido %d no llegó", i), ExternalID: fmt.Sprint("sx", i)}); err != nil {
			t.Fatal(err)
		}
	}
	h := newHarness(t, svc, "dana", Options{}, 120, 34)
	h.keys("/")
	h.typeText("rosa martin")
	h.want("1 match", "▸ Rosa Martín +34655000011")
	for range "rosa martin" {
		h.keys("backspace")
	}
	h.typeText("PEDIDO")
	h.want("12 matches · 1–10 shown", "✉ Mi pedido 0 no llegó", "pgdn/pgup more")
	h.keys("pgdown")
	h.want("12 matches · 11–12 shown", "Rosa Martín", "✉ Mi pedido 11 no llegó")
	h.wantNot("Cliente 00")
	h.keys("up") // past the first row of the page: the page before, on its last row
	h.want("12 matches · 1–10 shown", "▸ Cliente 09")
	h.keys("down") // past its last row: the next page
	h.want("11–12 shown", "▸ Cliente 10")
	h.keys("down", "enter")
	h.want("Rosa Martín +34655000011")
	h.wantNot("Search contacts")
}

// searchHarness is Dana's screen with the search open, on the test workspace and Rosa Martín
// (+34655000001), who wrote "hola".
func searchHarness(t *testing.T) *harness {
	t.Helper()
	svc := newService(t)
	if _, err := svc.Inject(bg, inbox.Inbound{Channel: "message", From: "+34655000001", Name: "Rosa Martín",
		Text: "hola", ExternalID: "rosa1"}); err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, svc, "dana", Options{}, 120, 34)
	h.keys("/")
	return h
}

// Each keystroke's search ends the one still on its way: at a million contacts a search reads
// every name and message text (0.2–0.8 s), and a word typed fast started one per letter, all
// running at once.
func TestSearchTypedAheadCancelsTheSearchItReplaced(t *testing.T) {
	h := searchHarness(t)
	d := open[*searchDlg](&h.m.dialogs)
	h.m.Update(keyMsg("r")) // its search is not run: still on its way
	first := d.asking
	if first == nil || first.Err() != nil {
		t.Fatalf("after r: a search on its way with a live context, got %v", first)
	}
	_, cmd := h.m.Update(keyMsg("o"))
	if !errors.Is(first.Err(), context.Canceled) {
		t.Fatalf("the search for “r” was not cancelled when “o” was typed: %v", first.Err())
	}
	second := d.asking
	if second == nil || second.Err() != nil {
		t.Fatalf("the search for “ro” should be on its way, got %v", second)
	}
	h.run(cmd)
	h.want("1 match", "▸ Rosa Martín +34655000001")
	h.keys("esc")
	if !errors.Is(second.Err(), context.Canceled) {
		t.Fatalf("the search's context should end once its answer came (or the dialog closed): %v", second.Err())
	}
}

// The answer to a search of a dialog since closed is not taken by the next one (each counts its
// searches from zero): it neither shows there nor ends that dialog's own search.
func TestSearchAnswerOfAClosedDialogIsDropped(t *testing.T) {
	h := searchHarness(t)
	_, old := h.m.Update(keyMsg("z")) // on its way when the dialog closes
	h.keys("esc", "/")
	_, cmd := h.m.Update(keyMsg("r"))
	d := open[*searchDlg](&h.m.dialogs)
	mine := d.asking
	h.run(old)
	if mine.Err() != nil {
		t.Fatalf("the closed dialog's answer ended the new dialog's search: %v", mine.Err())
	}
	h.wantNot("Something went wrong", "Nothing matches")
	h.run(cmd)
	h.want("3 matches", "Rosa Martín +34655000001")
}

// No page is turned while the next query's first page is on its way: the results shown are the
// query before's, and their offset is not a page of the new one.
func TestSearchPagesOnlyTheQueryShown(t *testing.T) {
	svc := newService(t)
	for i := 0; i < 12; i++ {
		if _, err := svc.Inject(bg, inbox.Inbound{Channel: "message", From: fmt.Sprintf("+3465500%04d", i), Name: fmt.Sprintf("Cliente %02d", i),
			Text: fmt.Sprintf("Mi pedido %d no llegó", i), ExternalID: fmt.Sprint("sp", i)}); err != nil {
			t.Fatal(err)
		}
	}
	h := newHarness(t, svc, "dana", Options{}, 120, 34)
	h.keys("/")
	h.typeText("pedido")
	h.keys("pgdown")
	h.want("12 matches · 11–12 shown", "pgdn/pgup more")
	d := open[*searchDlg](&h.m.dialogs)
	_, cmd := h.m.Update(keyMsg("backspace")) // "pedid": its first page on its way
	seq := d.seq
	for _, k := range []string{"pgup", "pgdown", "up"} {
		h.m.Update(keyMsg(k))
	}
	if d.seq != seq {
		t.Fatalf("a page was asked for while the new query's first page was on its way (seq %d → %d)", seq, d.seq)
	}
	h.want("pgdn/pgup more") // the hint stays while it loads
	h.run(cmd)
	h.want("12 matches · 1–10 shown")
	h.keys("pgdown")
	h.want("12 matches · 11–12 shown")
}
