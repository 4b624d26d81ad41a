package inbox

import (
	"context"
	"fmt"
	"math/rand"
	"strings"
	"testing"
	"time"
)

func TestListPagesEveryViewWithoutGapsOrDuplicates(t *testing.T) {
	s := newService(t, true)
	r := rand.New(rand.NewSource(7))
	for i := 0; i < 120; i++ {
		from := fmt.Sprintf("1777%07d", i)
		text := "hello"
		if i%4 == 0 {
			text = "refund please"
		}
		noErr(s.Inject(ctx, Inbound{Channel: "message", From: from, Text: text}))(t)
		switch r.Intn(5) {
		case 0:
			noErr(s.CloseConversation(ctx, "alice", from, 0))(t)
		case 1:
			noErr(s.Assign(ctx, "alice", from, "bot", 0))(t)
		case 2:
			noErr(s.Assign(ctx, "alice", from, "none", 0))(t)
		}
	}
	// every view, page size 7: no duplicates, no misses, newest first (checked in listAll),
	// and the lengths equal the counters
	checkInvariants(t, s)
	all := listAll(t, s, Filter{View: ViewAll})
	if len(all) != 122 {
		t.Fatalf("all lists %d, want 122", len(all))
	}
	// the same view with page size 500 gives the same order
	one := noErr(s.List(ctx, Filter{View: ViewAll, Limit: 500}))(t)
	for i := range all {
		if one.Conversations[i].Contact.ID != all[i].Contact.ID {
			t.Fatalf("paged order differs at %d", i)
		}
	}
	// a filter narrows: open conversations of billing assigned to frank
	for _, c := range listAll(t, s, Filter{View: ViewOpen, Team: "billing", Assignee: "frank"}) {
		if c.Team != "billing" || c.AssigneeID() != "frank" || c.Status != "open" {
			t.Fatalf("filter leaked %+v", c)
		}
	}
	// new activity moves a conversation to the top of every view it is in
	last := all[len(all)-1].Contact.ID
	noErr(s.Inject(ctx, Inbound{Channel: "message", From: last, Text: "me again"}))(t)
	if top := noErr(s.List(ctx, Filter{View: ViewAll, Limit: 1}))(t); top.Conversations[0].Contact.ID != last {
		t.Fatalf("top = %s, want %s", top.Conversations[0].Contact.ID, last)
	}
}

func TestTimelinePagesAndQueries(t *testing.T) {
	s := newService(t, true)
	for i := 0; i < 23; i++ {
		noErr(s.Inject(ctx, Inbound{Channel: "message", From: danaDiaz, Text: fmt.Sprint("m", i)}))(t)
	}
	var texts []string
	cursor := ""
	for {
		d := noErr(s.Conversation(ctx, "bob", danaDiaz, cursor, 5))(t)
		var page []string
		for i, e := range d.Timeline {
			if i > 0 && e.At.Before(d.Timeline[i-1].At) {
				t.Fatal("a page is not in time order")
			}
			if e.Kind == "message" {
				page = append(page, e.Text)
			}
		}
		texts = append(page, texts...)
		if d.Older == "" {
			break
		}
		cursor = d.Older
	}
	want := []string{"hi"}
	for i := 0; i < 23; i++ {
		want = append(want, fmt.Sprint("m", i))
	}
	if strings.Join(texts, ",") != strings.Join(want, ",") {
		t.Fatalf("timeline = %v", texts)
	}
	// contacts: name substring (any case) and number prefix
	if cs := noErr(s.Contacts(ctx, "ortiz", 10))(t); len(cs) != 1 || cs[0].ID != eveOrtiz {
		t.Fatalf("name search: %+v", cs)
	}
	if cs := noErr(s.Contacts(ctx, "+1 555-000", 10))(t); len(cs) != 3 {
		t.Fatalf("number search: %+v", cs)
	}
	if cs := noErr(s.Contacts(ctx, "1555000222", 10))(t); len(cs) != 1 || cs[0].Name != "Eve Ortiz" {
		t.Fatalf("number prefix: %+v", cs)
	}
	if cs := noErr(s.Contacts(ctx, "zzz", 10))(t); len(cs) != 0 {
		t.Fatalf("no match: %+v", cs)
	}
	if cs := noErr(s.Contacts(ctx, "", 2))(t); len(cs) != 2 || cs[0].ID != danaDiaz {
		t.Fatalf("first contacts: %+v", cs)
	}
	// notifications: newest first, unread only unless all, marked read one by one or all
	noErr(s.Inject(ctx, Inbound{Channel: "message", From: eveOrtiz, Text: "1"}))(t)
	noErr(s.Decline(ctx, "erin", eveOrtiz))(t)
	ns := noErr(s.Notifications(ctx, "erin", false))(t)
	if len(ns) != 2 || ns[0].Seq < ns[1].Seq || ns[0].Contact != eveOrtiz {
		t.Fatalf("notifications = %+v", ns)
	}
	noErr(0, s.MarkNotificationsRead(ctx, "erin", ns[1].Seq))(t)
	if got := noErr(s.Notifications(ctx, "erin", false))(t); len(got) != 1 || got[0].Seq != ns[0].Seq {
		t.Fatalf("after marking one: %+v", got)
	}
	noErr(0, s.MarkNotificationsRead(ctx, "erin"))(t)
	if got := noErr(s.Notifications(ctx, "erin", false))(t); len(got) != 0 {
		t.Fatalf("after marking all: %+v", got)
	}
	if got := noErr(s.Notifications(ctx, "erin", true))(t); len(got) != 2 || !got[0].Read {
		t.Fatalf("all notifications: %+v", got)
	}
	_, err := s.Notifications(ctx, "zed", false)
	wantKind(t, err, NotFound)
	_, err = s.Prompts(ctx, "zed")
	wantKind(t, err, NotFound)
	// operators by id with their teams, teams in workspace order
	ops := s.Operators(ctx)
	if len(ops) != 6 || ops[0].ID != "alice" || strings.Join(ops[0].Teams, ",") != "sales" {
		t.Fatalf("operators = %+v", ops)
	}
	if ts := s.Teams(ctx); ts[0].ID != "support" || ts[1].ID != "sales" || ts[2].ID != "billing" {
		t.Fatalf("teams = %+v", ts)
	}
	if s.DefaultOperator() != "alice" {
		t.Fatal("default operator")
	}
	if newService(t, false).DefaultOperator() != "" {
		t.Fatal("an empty workspace has no default operator")
	}
}

func TestSubscribersHearCommitsAndSlowOnesReload(t *testing.T) {
	s := newService(t, true)
	fast := s.Subscribe(ctx)
	slow := s.Subscribe(ctx) // never read until the end
	for i := 0; i < 400; i++ {
		noErr(s.Inject(ctx, Inbound{Channel: "message", From: danaDiaz, Text: fmt.Sprint(i)}))(t)
		select {
		case e := <-fast:
			if e.Kind != EventConversation || e.Contact != danaDiaz {
				t.Fatalf("event = %+v", e)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("no event")
		}
	}
	n, reload := 0, false
	for len(slow) > 0 {
		e := <-slow
		n++
		reload = reload || e.Kind == EventReload
	}
	if n > 256 {
		t.Fatalf("slow subscriber buffered %d", n)
	}
	noErr(s.Inject(ctx, Inbound{Channel: "message", From: danaDiaz, Text: "after"}))(t)
	if e := <-slow; e.Kind != EventReload && !reload {
		t.Fatalf("a subscriber that fell behind was not told to reload: %+v", e)
	}
}

// TestSubscriberHearsOnlyWhatCameAfter: a session that subscribes after a command returned
// never hears that command (events are published before callers are released).
func TestSubscriberHearsOnlyWhatCameAfter(t *testing.T) {
	s := newService(t, true)
	for i := 0; i < 300; i++ {
		noErr(s.Inject(ctx, Inbound{Channel: "message", From: danaDiaz, Text: "before"}))(t)
		c, cancel := context.WithCancel(ctx)
		ch := s.Subscribe(c)
		noErr(s.Inject(ctx, Inbound{Channel: "message", From: eveOrtiz, Text: "after"}))(t)
		if e := <-ch; e.Contact != eveOrtiz {
			t.Fatalf("round %d: a new subscriber heard %+v, which was acknowledged before it subscribed", i, e)
		}
		cancel()
	}
}
