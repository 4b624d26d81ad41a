package inbox

import (
	"fmt"
	"math/rand"
	"slices"
	"testing"
)

func ids(cs []ConversationView) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.Contact.ID
	}
	return out
}

// TestWindowIsAPartOfTheListAroundAPlace: for every view and every conversation in it, the
// window around the conversation is exactly the slice of the whole list around it (its Start,
// Index and cursors agree with the list); the cursors continue the window in both directions; a
// conversation that left the view gives a window around the position where it was; the end of
// the list is reached without reading the rest.
func TestWindowIsAPartOfTheListAroundAPlace(t *testing.T) {
	s := newService(t, true)
	r := rand.New(rand.NewSource(11))
	for i := 0; i < 80; i++ {
		from := fmt.Sprintf("1777%07d", i)
		noErr(s.Inject(ctx, Inbound{Channel: "message", From: from, Text: "hello"}))(t)
		switch r.Intn(4) {
		case 0:
			noErr(s.CloseConversation(ctx, "alice", from, 0))(t)
		case 1:
			noErr(s.Assign(ctx, "alice", from, "bot", 0))(t)
		}
	}
	filters := []Filter{{View: ViewAll}, {View: ViewOpen}, {View: ViewClosed}, {View: ViewBot}, {View: ViewTeam, Team: "support"},
		{View: ViewMine, Operator: "carol"}, {View: ViewAll, Status: "open", Team: "support"}}
	for _, f := range filters {
		all := ids(listAll(t, s, f))
		if len(all) < 5 {
			t.Fatalf("%+v lists only %d: the fixture should fill it", f, len(all))
		}
		for i, id := range all {
			before, after := r.Intn(6), r.Intn(6)
			w := noErr(s.Window(ctx, f, Place{Contact: id, Before: before, After: after}))(t)
			lo, hi := max(0, i-before), min(len(all), i+after+1)
			if got := ids(w.Conversations); !slices.Equal(got, all[lo:hi]) {
				t.Fatalf("%+v around %s (%d, -%d +%d): %v, want %v", f, id, i, before, after, got, all[lo:hi])
			}
			if w.Index != i-lo || w.At != i-lo || w.Start != lo || w.Conversation == nil || w.Conversation.Contact.ID != id {
				t.Fatalf("%+v around %s: index %d at %d start %d, want %d %d %d", f, id, w.Index, w.At, w.Start, i-lo, i-lo, lo)
			}
			if (w.Newer != "") != (lo > 0) || (w.Older != "") != (hi < len(all)) {
				t.Fatalf("%+v around %s: newer %q older %q for [%d, %d) of %d", f, id, w.Newer, w.Older, lo, hi, len(all))
			}
			if w.Newer != "" {
				g := f
				g.Order, g.Cursor, g.Limit = OldestFirst, w.Newer, 2
				p := noErr(s.List(ctx, g))(t)
				if p.Conversations[0].Contact.ID != all[lo-1] {
					t.Fatalf("%+v: the page before the window starts with %s, want %s", f, p.Conversations[0].Contact.ID, all[lo-1])
				}
			}
			if w.Older != "" {
				g := f
				g.Cursor, g.Limit = w.Older, 2
				p := noErr(s.List(ctx, g))(t)
				if p.Conversations[0].Contact.ID != all[hi] {
					t.Fatalf("%+v: the page after the window starts with %s, want %s", f, p.Conversations[0].Contact.ID, all[hi])
				}
			}
		}
		// the end of the list, and its start
		end := noErr(s.Window(ctx, f, Place{End: true, Before: 3}))(t)
		if got := ids(end.Conversations); !slices.Equal(got, all[len(all)-3:]) || end.Start != len(all)-3 || end.Older != "" || end.Newer == "" {
			t.Fatalf("%+v end: %v start %d (want %v, %d)", f, got, end.Start, all[len(all)-3:], len(all)-3)
		}
		start := noErr(s.Window(ctx, f, Place{After: 3}))(t)
		if got := ids(start.Conversations); !slices.Equal(got, all[:3]) || start.Start != 0 || start.Newer != "" || start.Older == "" {
			t.Fatalf("%+v start: %v", f, got)
		}
	}

	// a conversation leaves a view: the window is around the position where it was
	f := Filter{View: ViewOpen}
	open := listAll(t, s, f)
	i := len(open) / 2
	gone := open[i]
	at := CursorOf(gone)
	noErr(s.CloseConversation(ctx, "alice", gone.Contact.ID, 0))(t) // a note: it moves to the top of Closed, out of Open
	w := noErr(s.Window(ctx, f, Place{Contact: gone.Contact.ID, At: at, Before: 2, After: 2}))(t)
	want := append(ids(open[i-2:i]), ids(open[i+1:i+3])...)
	if got := ids(w.Conversations); !slices.Equal(got, want) || w.Index != -1 || w.At != 2 || w.Start != i-2 {
		t.Fatalf("window where %s was: %v index %d at %d start %d, want %v -1 2 %d", gone.Contact.ID, got, w.Index, w.At, w.Start, want, i-2)
	}
	if w.Conversation == nil || w.Conversation.Status != "closed" {
		t.Fatalf("the window does not say where %s went: %+v", gone.Contact.ID, w.Conversation)
	}
	// new activity moves a conversation to the top: the window follows it there
	last := open[len(open)-1].Contact.ID
	noErr(s.Inject(ctx, Inbound{Channel: "message", From: last, Text: "me again"}))(t)
	w = noErr(s.Window(ctx, f, Place{Contact: last, At: CursorOf(open[len(open)-1]), Before: 5, After: 1}))(t)
	if w.Index != 0 || w.Start != 0 || w.Newer != "" || w.Conversations[0].Contact.ID != last {
		t.Fatalf("window around %s after new activity: index %d start %d %v", last, w.Index, w.Start, ids(w.Conversations))
	}

	for _, p := range []Place{{Before: -1}, {After: MaxWindowSide + 1}, {At: "!!"}, {Contact: "not a number"}} {
		if _, err := s.Window(ctx, f, p); KindOf(err) != Invalid {
			t.Fatalf("Window(%+v) = %v, want an Invalid error", p, err)
		}
	}
	if _, err := s.List(ctx, Filter{View: ViewAll, Order: "sideways"}); KindOf(err) != Invalid {
		t.Fatalf("an unknown order: %v", err)
	}
}
