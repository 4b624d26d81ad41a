package ui

import (
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
