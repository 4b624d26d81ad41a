package inbox

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"switchboard/inbox/domain"
)

// The fixture (testdata/workspace.json): Support = Bob (offline), Carol (online), Dana (admin);
// Sales = Alice (admin), Erin; Billing = Frank, Carol. Round robin and owner routing are on
// (Business). The clock starts Tuesday 2026-11-24 12:00 UTC and moves a second each time it is
// read. Dana Diaz (15550001111, owner Bob) is open with Bob.

func conversation(t testing.TB, s *Service, contact string) ConversationView {
	t.Helper()
	return noErr(s.Conversation(ctx, "alice", contact, "", 100))(t).Conversation
}

func notes(t testing.TB, s *Service, contact, reason string) int {
	t.Helper()
	n := 0
	for _, e := range noErr(s.Conversation(ctx, "alice", contact, "", 500))(t).Timeline {
		if e.Kind == KindNote && e.Reason == reason {
			n++
		}
	}
	return n
}

func TestOwnerAwayWaitThenCover(t *testing.T) {
	s, c := newServiceClock(t, true)
	ch := noErr(s.SetAwayWait(ctx, "alice", "10m"))(t)
	if ch.Key != "owner_away_wait" || ch.From != "off" || ch.To != "10m" || ch.Seq == 0 {
		t.Fatalf("history %+v", ch)
	}
	const dana = "15550001111"
	noErr(s.CloseConversation(ctx, "alice", dana, 0))(t)
	out := noErr(s.Inject(ctx, Inbound{Channel: "message", From: dana, Text: "are you there?"}))(t)
	if out.Reason != "owner_away_wait" || out.Conversation.AssigneeID() != "bob" || !strings.Contains(out.Why, "(in 10m), a cover takes it") {
		t.Fatalf("reopened while Bob is offline: %s %s (%s)", out.Reason, out.Conversation.AssigneeID(), out.Why)
	}
	// never early
	c.advance(9 * time.Minute)
	if n := noErr(s.FireTimers(ctx))(t); n != 0 {
		t.Fatalf("%d timers fired before their time", n)
	}
	c.advance(2 * time.Minute)
	if n := noErr(s.FireTimers(ctx))(t); n != 1 {
		t.Fatalf("%d timers fired, want the wait", n)
	}
	cv := conversation(t, s, dana)
	if cv.AssigneeID() != "carol" || cv.OwnerID() != "bob" || cv.WhyReason != "owner_away_fallback" || !cv.Covering() ||
		cv.AssigneeText() != "Carol Diaz (covering for Bob Stone, offline)" {
		t.Fatalf("after the wait: %s owner %s %s %q (%s)", cv.AssigneeID(), cv.OwnerID(), cv.WhyReason, cv.AssigneeText(), cv.Why)
	}
	if !strings.Contains(cv.Why, "Bob Stone is still offline after 10m and nobody replied") {
		t.Fatalf("why: %s", cv.Why)
	}
	// at most once
	c.advance(time.Hour)
	if n := noErr(s.FireTimers(ctx))(t); n != 0 || notes(t, s, dana, "owner_away_fallback") != 1 {
		t.Fatalf("%d timers fired again", n)
	}
	// row 1 keeps the cover and the owner; Bob coming back does not take it away
	noErr(0, s.SetPresence(ctx, "dana", "bob", "online"))(t)
	out = noErr(s.Inject(ctx, Inbound{Channel: "message", From: dana, Text: "thanks Carol"}))(t)
	if out.Conversation.AssigneeID() != "carol" || out.Conversation.OwnerID() != "bob" || !out.Conversation.Covering() {
		t.Fatalf("row 1 with a cover: %+v (%s)", out.Conversation, out.Why)
	}
	// the cover ends when it closes; the next reopen goes back to Bob
	out = noErr(s.CloseConversation(ctx, "carol", dana, 0))(t)
	if !strings.Contains(out.Why, "Carol Diaz's cover for Bob Stone ends") {
		t.Fatalf("close: %s", out.Why)
	}
	out = noErr(s.Inject(ctx, Inbound{Channel: "message", From: dana, Text: "one more thing"}))(t)
	if out.Reason != "cover_ended" || out.Conversation.AssigneeID() != "bob" || out.Conversation.Cover != nil {
		t.Fatalf("the next reopen: %s %s (%s)", out.Reason, out.Conversation.AssigneeID(), out.Why)
	}
	checkInvariants(t, s)
}

func TestOwnerAwayWaitEndsWithAReply(t *testing.T) {
	s, c := newServiceClock(t, true)
	noErr(s.SetAwayWait(ctx, "alice", "5m"))(t)
	const dana = "15550001111"
	noErr(s.CloseConversation(ctx, "alice", dana, 0))(t)
	noErr(s.Inject(ctx, Inbound{Channel: "message", From: dana, Text: "hello?"}))(t)
	noErr(s.Reply(ctx, "carol", dana, "Bob is out today, how can I help?"))(t)
	c.advance(6 * time.Minute)
	if n := noErr(s.FireTimers(ctx))(t); n != 1 {
		t.Fatalf("%d timers fired", n)
	}
	if cv := conversation(t, s, dana); cv.AssigneeID() != "bob" || cv.Cover != nil {
		t.Fatalf("a person replied, yet the wait changed it: %+v", cv)
	}
	// a wait of 0: a cover at once, and with nobody to cover Bot has it and Bob is told
	noErr(s.SetAwayWait(ctx, "alice", "0"))(t)
	noErr(0, s.SetPresence(ctx, "carol", "carol", "away"))(t)
	noErr(s.CloseConversation(ctx, "alice", dana, 0))(t)
	out := noErr(s.Inject(ctx, Inbound{Channel: "message", From: dana, Text: "still there?"}))(t)
	if out.Reason != "owner_away" || out.Conversation.AssigneeID() != "bot" || !out.Conversation.Backlog ||
		out.Conversation.AssigneeText() != "Bot (waiting for a cover for Bob Stone, offline)" {
		t.Fatalf("nobody to cover: %s %q (%s)", out.Reason, out.Conversation.AssigneeText(), out.Why)
	}
	ns := noErr(s.Notifications(ctx, "bob", false))(t)
	if len(ns) == 0 || !strings.Contains(ns[0].Text, "nobody could cover for you") {
		t.Fatalf("bob's notifications: %+v", ns)
	}
	// Carol comes back: the backlog gives it to her, as a cover for Bob
	noErr(0, s.SetPresence(ctx, "carol", "carol", "online"))(t)
	if cv := conversation(t, s, dana); cv.AssigneeID() != "carol" || !cv.Covering() || cv.OwnerID() != "bob" || cv.WhyReason != "round_robin_backlog" {
		t.Fatalf("after Carol came back: %q owner %s (%s)", cv.AssigneeText(), cv.OwnerID(), cv.Why)
	}
	checkInvariants(t, s)
}

func TestTimersDueWhileDownFireOnceOnStart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sb.db")
	now := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC) // Tuesday
	clock := func() time.Time { return now }
	s, err := openInbox(path, Options{Now: clock, NoTimers: true})
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile("testdata/workspace.json")
	noErr(0, s.Import(ctx, "", bytes.NewReader(raw), false))(t)
	noErr(s.SetAwayWait(ctx, "alice", "10m"))(t)
	noErr(s.ChangeHours(ctx, "alice", HoursChange{Days: "mon-fri", Ranges: []string{"13:00-17:00"}, TZ: "UTC"}))(t)
	noErr(s.CloseConversation(ctx, "alice", "15550001111", 0))(t)
	if out := noErr(s.Inject(ctx, Inbound{Channel: "message", From: "15550001111", Text: "hi"}))(t); out.Reason != "owner_away_wait" {
		t.Fatalf("away wait: %s (%s)", out.Reason, out.Why)
	}
	out := noErr(s.Inject(ctx, Inbound{Channel: "message", From: "15559990001", Text: "hello", Name: "Gus"}))(t)
	if out.Reason != "outside_hours" || !out.Conversation.Backlog || !strings.Contains(out.Why, "until hours start Tue 13:00 UTC") {
		t.Fatalf("outside hours: %s (%s)", out.Reason, out.Why)
	}
	s.Close()
	// both came due while nothing ran: the hours started at 13:00, the wait ran out at 12:10
	now = now.Add(90 * time.Minute)
	s, err = openInbox(path, Options{Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	deadline := time.Now().Add(10 * time.Second)
	for {
		gus, dana := conversation(t, s, "15559990001"), conversation(t, s, "15550001111")
		if gus.AssigneeID() == "carol" && dana.Covering() {
			if gus.WhyReason != "round_robin_backlog" || !strings.Contains(gus.Why, "working hours started") || dana.WhyReason != "owner_away_fallback" {
				t.Fatalf("on start: %s (%s); %s (%s)", gus.WhyReason, gus.Why, dana.WhyReason, dana.Why)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the timers did not fire on start: %q (%s), %q (%s)", gus.AssigneeText(), gus.Why, dana.AssigneeText(), dana.Why)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if n := noErr(s.FireTimers(ctx))(t); n != 0 {
		t.Fatalf("%d timers fired twice", n)
	}
	if notes(t, s, "15550001111", "owner_away_fallback") != 1 || notes(t, s, "15559990001", "round_robin_backlog") != 1 {
		t.Fatalf("a timer acted twice")
	}
}

func TestWorkingHoursHolidayAndTheBacklog(t *testing.T) {
	s, c := newServiceClock(t, true)
	before := export(t, s)
	for _, bad := range []struct {
		hc   HoursChange
		says string
	}{
		{HoursChange{Days: "mon-xyz", Ranges: []string{"09:00-17:00"}}, `Unknown day "xyz"`},
		{HoursChange{Days: "mon-fri", Ranges: []string{"18:00-09:00"}}, "night shift"},
		{HoursChange{Days: "mon-fri", Ranges: []string{"9-17"}}, "HH:MM"},
		{HoursChange{Days: "mon-fri", Ranges: []string{"09:00-17:00"}, TZ: "Mars/Olympus"}, "Unknown time zone"},
		{HoursChange{Days: "mon-fri", Ranges: []string{"09:00-17:00"}, TZ: "Local"}, "Unknown time zone"},
		{HoursChange{Days: "mon-fri"}, "No range of hours"},
		{HoursChange{Days: "mon", Ranges: []string{"09:00-12:00", "11:00-13:00"}}, "overlap"},
	} {
		_, err := s.ChangeHours(ctx, "alice", bad.hc)
		wantKind(t, err, Invalid)
		if !strings.Contains(err.Error(), bad.says) {
			t.Errorf("%+v: %v, want %q", bad.hc, err, bad.says)
		}
	}
	_, err := s.ChangeHours(ctx, "carol", HoursChange{Days: "mon-fri", Ranges: []string{"13:00-17:00"}})
	wantKind(t, err, Forbidden)
	if export(t, s) != before {
		t.Fatal("refused hours changed the workspace")
	}
	ch := noErr(s.ChangeHours(ctx, "alice", HoursChange{Days: "mon-fri", Ranges: []string{"13:00-17:00"}, TZ: "Europe/Berlin"}))(t)
	if ch.Key != "hours" || ch.From != "always open" || ch.To != "Mon–Fri 13:00–17:00 (Europe/Berlin)" {
		t.Fatalf("history %+v", ch)
	}
	// 12:00 UTC is 13:00 in Berlin: open
	if sv := s.Settings(ctx); !sv.HoursOpen || sv.HoursNow != "open now, closes Tue 17:00 Europe/Berlin" {
		t.Fatalf("settings: %v %q", sv.HoursOpen, sv.HoursNow)
	}
	noErr(s.ChangeHours(ctx, "alice", HoursChange{Days: "tue", Ranges: []string{"14:00-15:00", "16:00-17:00"}}))(t) // the zone stays
	sv := s.Settings(ctx)
	if sv.HoursOpen || sv.HoursNow != "closed now, opens Tue 14:00 Europe/Berlin" || sv.HoursText != "Mon 13:00–17:00, Tue 14:00–15:00 16:00–17:00, Wed–Fri 13:00–17:00 (Europe/Berlin)" {
		t.Fatalf("settings: %v %q %q", sv.HoursOpen, sv.HoursNow, sv.HoursText)
	}
	out := noErr(s.Inject(ctx, Inbound{Channel: "message", From: "15559990001", Text: "hello", Name: "Gus"}))(t)
	if out.Reason != "outside_hours" || out.Conversation.AssigneeID() != "bot" || out.Conversation.Team != "support" ||
		!out.Conversation.Backlog || !strings.Contains(out.Why, "until hours start Tue 14:00 Europe/Berlin") {
		t.Fatalf("outside hours: %s %s (%s)", out.Reason, out.Conversation.AssigneeID(), out.Why)
	}
	if n := noErr(s.Counts(ctx, "alice"))(t).Backlog; n != 1 {
		t.Fatalf("backlog count %d", n)
	}
	if p := noErr(s.List(ctx, Filter{View: ViewBacklog}))(t); len(p.Conversations) != 1 || p.Conversations[0].Contact.ID != "15559990001" {
		t.Fatalf("backlog view %+v", p.Conversations)
	}
	if p := noErr(s.List(ctx, Filter{View: ViewBacklog, Team: "sales"}))(t); len(p.Conversations) != 0 {
		t.Fatalf("sales backlog %+v", p.Conversations)
	}
	if _, err := s.List(ctx, Filter{View: ViewBacklog, Assignee: "carol"}); KindOf(err) != Invalid {
		t.Fatalf("backlog with an assignee: %v", err)
	}
	// the hours start: the backlog is given out
	c.advance(time.Hour)
	if n := noErr(s.FireTimers(ctx))(t); n != 1 {
		t.Fatalf("%d timers fired", n)
	}
	if cv := conversation(t, s, "15559990001"); cv.AssigneeID() != "carol" || cv.WhyReason != "round_robin_backlog" ||
		cv.OwnerID() != "carol" || !strings.Contains(cv.Why, "working hours started") {
		t.Fatalf("after hours started: %s (%s: %s)", cv.AssigneeID(), cv.WhyReason, cv.Why)
	}
	// holiday mode: round robin does not run; turned off, the backlog is given out
	noErr(s.SetHoliday(ctx, "alice", true))(t)
	out = noErr(s.Inject(ctx, Inbound{Channel: "message", From: "15559990002", Text: "hi"}))(t)
	if out.Reason != "outside_hours" || !strings.Contains(out.Why, "holiday mode") {
		t.Fatalf("holiday: %s (%s)", out.Reason, out.Why)
	}
	// owner routing still applies outside hours: Dana Diaz stays with Bob
	if out := noErr(s.Inject(ctx, Inbound{Channel: "message", From: "15550001111", Text: "hi"}))(t); out.Conversation.AssigneeID() != "bob" {
		t.Fatalf("row 1 on holiday: %+v", out.Conversation)
	}
	ch = noErr(s.SetHoliday(ctx, "alice", false))(t)
	if ch.Key != "holiday" || ch.From != "on" || ch.To != "off" {
		t.Fatalf("history %+v", ch)
	}
	if cv := conversation(t, s, "15559990002"); cv.AssigneeID() != "carol" || !strings.Contains(cv.Why, "holiday mode is off") {
		t.Fatalf("after holiday: %s (%s)", cv.AssigneeID(), cv.Why)
	}
	noErr(s.ChangeHours(ctx, "alice", HoursChange{Clear: true}))(t)
	if sv := s.Settings(ctx); sv.Hours != nil || sv.HoursText != "always open" {
		t.Fatalf("cleared: %+v %q", sv.Hours, sv.HoursText)
	}
	checkInvariants(t, s)
}

func TestCapacityAndBalancedAssignment(t *testing.T) {
	s := newService(t, true)
	ch := noErr(s.SetDefaultMaxOpen(ctx, "alice", 1))(t)
	if ch.Key != "max_open" || ch.From != "no limit" || ch.To != "1" {
		t.Fatalf("history %+v", ch)
	}
	a := noErr(s.Inject(ctx, Inbound{Channel: "message", From: "15559990001", Text: "first"}))(t)
	if a.Conversation.AssigneeID() != "carol" {
		t.Fatalf("first: %s (%s)", a.Conversation.AssigneeID(), a.Why)
	}
	b := noErr(s.Inject(ctx, Inbound{Channel: "message", From: "15559990002", Text: "second"}))(t)
	if b.Conversation.AssigneeID() != "bot" || !b.Conversation.Backlog || !strings.Contains(b.Why, "Carol Diaz skipped (at capacity 1/1)") {
		t.Fatalf("second: %s (%s)", b.Conversation.AssigneeID(), b.Why)
	}
	// Carol closes the first: she has room again and takes the second
	noErr(s.CloseConversation(ctx, "carol", "15559990001", 0))(t)
	if cv := conversation(t, s, "15559990002"); cv.AssigneeID() != "carol" || !strings.Contains(cv.Why, "Carol Diaz has room for more open conversations") {
		t.Fatalf("after the close: %s (%s)", cv.AssigneeID(), cv.Why)
	}
	rep := noErr(s.Capacity(ctx))(t)
	if rep.Default != 1 {
		t.Fatalf("capacity %+v", rep)
	}
	for _, o := range rep.Operators {
		if o.Operator == "carol" && (o.Open != 1 || o.MaxOpen != 1 || o.Own != nil) {
			t.Fatalf("carol's capacity %+v", o)
		}
	}
	// her own capacity wins over the default, and is in the history
	carol, _ := s.Operator("carol")
	two := 2
	carol.MaxOpen = &two
	noErr(0, s.UpdateOperator(ctx, "alice", carol))(t)
	hist := noErr(s.History(ctx))(t)
	if h := hist[len(hist)-1]; h.Key != "max_open:carol" || h.From != "default" || h.To != "2" {
		t.Fatalf("history %+v", h)
	}
	bad := -1
	carol.MaxOpen = &bad
	wantKind(t, s.UpdateOperator(ctx, "alice", carol), Invalid)
	// balanced: the fewest open conversations
	noErr(s.SetAssignment(ctx, "alice", "balanced"))(t)
	noErr(0, s.SetPresence(ctx, "dana", "bob", "online"))(t) // Bob has Dana Diaz open, Carol one
	noErr(s.CloseConversation(ctx, "carol", "15559990002", 0))(t)
	d := noErr(s.Inject(ctx, Inbound{Channel: "message", From: "15559990003", Text: "third"}))(t)
	if d.Reason != "balanced" || d.Conversation.AssigneeID() != "carol" || !strings.Contains(d.Why, "picked Carol Diaz (fewest open: 0)") {
		t.Fatalf("balanced: %s %s (%s)", d.Reason, d.Conversation.AssigneeID(), d.Why)
	}
	if _, err := s.SetAssignment(ctx, "alice", "fair"); KindOf(err) != Invalid || !strings.Contains(err.Error(), "balanced") {
		t.Fatalf("unknown mode: %v", err)
	}
	checkInvariants(t, s)
}

func TestPresenceSettingsAreAdminOnly(t *testing.T) {
	s := newService(t, true)
	before := export(t, s)
	for name, try := range map[string]func(by string) error{
		"away wait": func(by string) error { _, err := s.SetAwayWait(ctx, by, "5m"); return err },
		"hours": func(by string) error {
			_, err := s.ChangeHours(ctx, by, HoursChange{Days: "mon-fri", Ranges: []string{"09:00-17:00"}})
			return err
		},
		"holiday":    func(by string) error { _, err := s.SetHoliday(ctx, by, true); return err },
		"assignment": func(by string) error { _, err := s.SetAssignment(ctx, by, "balanced"); return err },
		"capacity":   func(by string) error { _, err := s.SetDefaultMaxOpen(ctx, by, 3); return err },
	} {
		if err := try("carol"); KindOf(err) != Forbidden || err.Error() != "Only admins can change routing settings" {
			t.Errorf("%s by carol: %v", name, err)
		}
	}
	for _, v := range []string{"5 minutes", "-1m", "200h", ""} {
		if _, err := s.SetAwayWait(ctx, "alice", v); KindOf(err) != Invalid {
			t.Errorf("wait %q: %v", v, err)
		}
	}
	if _, err := s.SetDefaultMaxOpen(ctx, "alice", -2); KindOf(err) != Invalid {
		t.Errorf("capacity -2: %v", err)
	}
	if export(t, s) != before {
		t.Fatal("refused settings changed the workspace")
	}
	// a change to the value it has is no change: nothing is recorded
	n := len(noErr(s.History(ctx))(t))
	noErr(s.SetHoliday(ctx, "alice", false))(t)
	if len(noErr(s.History(ctx))(t)) != n {
		t.Fatal("an unchanged setting was recorded")
	}
}

func TestPresenceSettingsRoundTripTheDocument(t *testing.T) {
	s := newService(t, true)
	noErr(s.SetAwayWait(ctx, "alice", "0"))(t)
	noErr(s.ChangeHours(ctx, "alice", HoursChange{Days: "mon-sun", Ranges: []string{"00:00-24:00"}, TZ: "Asia/Kolkata"}))(t)
	noErr(s.SetAssignment(ctx, "alice", "balanced"))(t)
	noErr(s.SetDefaultMaxOpen(ctx, "alice", 5))(t)
	carol, _ := s.Operator("carol")
	zero := 0
	carol.MaxOpen = &zero
	noErr(0, s.UpdateOperator(ctx, "alice", carol))(t)
	noErr(0, s.SetPresence(ctx, "carol", "carol", "away"))(t)
	// Bob is offline: a cover is wanted for Dana Diaz, nobody can, so Bot waits in the backlog
	noErr(s.CloseConversation(ctx, "alice", "15550001111", 0))(t)
	out := noErr(s.Inject(ctx, Inbound{Channel: "message", From: "15550001111", Text: "x"}))(t)
	if !out.Conversation.Backlog || out.Conversation.Cover == nil {
		t.Fatalf("%+v", out.Conversation)
	}
	first := export(t, s)
	for _, want := range []string{`"owner_away_wait":"0s"`, `"hours":{"tz":"Asia/Kolkata","mon":["00:00-24:00"]`, `"assignment":"balanced"`,
		`"default_max_open":5`, `"max_open":0`, `"cover":"bob"`, `"backlog":true`} {
		if !strings.Contains(first, want) {
			t.Errorf("export lacks %s", want)
		}
	}
	s2 := newService(t, false)
	noErr(0, s2.Import(ctx, "", strings.NewReader(first), false))(t)
	if second := export(t, s2); second != first {
		t.Fatalf("round trip differs:\n%s", firstDiff(first, second))
	}
	// and an import refuses what is wrong, naming the field
	for field, edit := range map[string][2]string{
		"settings.owner_away_wait":  {`"owner_away_wait":"0s"`, `"owner_away_wait":"soon"`},
		"settings.hours":            {`"tz":"Asia/Kolkata"`, `"tz":"Nowhere/Else"`},
		"settings.assignment":       {`"assignment":"balanced"`, `"assignment":"fair"`},
		"settings.default_max_open": {`"default_max_open":5`, `"default_max_open":-5`},
		".cover":                    {`"cover":"bob"`, `"cover":"erin"`},
		"operators[2]":              {`"max_open":0`, `"max_open":-1`},
	} {
		doc := strings.Replace(first, edit[0], edit[1], 1)
		s3 := newService(t, false)
		err := s3.Import(ctx, "", strings.NewReader(doc), false)
		if KindOf(err) != Invalid || !strings.Contains(err.Error(), field) {
			t.Errorf("%s: %v", field, err)
		}
	}
	doc := strings.Replace(first, `"backlog":true`, `"backlog":true,"bot_hold":true`, 1)
	if err := newService(t, false).Import(ctx, "", strings.NewReader(doc), false); KindOf(err) != Invalid {
		t.Errorf("backlog with bot_hold: %v", err)
	}
}

// TestHumanReplyFromTheAppCountsToo: a reply a colleague sends from the WhatsApp Business app
// is a human reply for the away wait.
func TestHumanReplyFromTheAppCountsToo(t *testing.T) {
	s, c := newServiceClock(t, true)
	noErr(s.SetAwayWait(ctx, "alice", "1m"))(t)
	noErr(s.CloseConversation(ctx, "alice", "15550001111", 0))(t)
	noErr(s.Inject(ctx, Inbound{Channel: "message", From: "15550001111", Text: "hello?"}))(t)
	noErr(s.RecordEcho(ctx, Echo{To: "15550001111", Text: "On it, from my phone", ExternalID: "echo.1"}))(t)
	c.advance(2 * time.Minute)
	noErr(s.FireTimers(ctx))(t)
	if cv := conversation(t, s, "15550001111"); cv.AssigneeID() != "bob" || cv.Cover != nil {
		t.Fatalf("after a reply from the app: %q", cv.AssigneeText())
	}
	var _ = domain.Timer{}
}

// TestPresenceFromSessionsSweepsTheBacklog: an operator who comes online because an SSH session
// began (not by hand) takes what waits in their team's backlog: the sweep hangs off the one
// path every change of presence takes (putPresence → setOperator).
func TestPresenceFromSessionsSweepsTheBacklog(t *testing.T) {
	s := newService(t, true)
	noErr(0, s.SetPresence(ctx, "carol", "carol", "away"))(t) // Support: Bob offline, Carol away, Dana an admin
	out := noErr(s.Inject(ctx, Inbound{Channel: "message", From: "15559990001", Text: "anyone?"}))(t)
	if !out.Conversation.Backlog {
		t.Fatalf("not in the backlog: %+v (%s)", out.Conversation, out.Why)
	}
	at := noErr(s.Attend(ctx, "bob"))(t) // Bob's status follows his sessions: one begins
	defer at.Leave(ctx)
	cv := conversation(t, s, "15559990001")
	if cv.AssigneeID() != "bob" || cv.WhyReason != "round_robin_backlog" || !strings.Contains(cv.Why, "Bob Stone is online now") {
		t.Fatalf("after Bob's session began: %s (%s: %s)", cv.AssigneeID(), cv.WhyReason, cv.Why)
	}
	checkInvariants(t, s)
}
