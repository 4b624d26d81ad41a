// Package storetest is the conformance suite of the inbox's Store interface: the behaviour the
// inbox relies on, asked of any engine through domain.Store alone. Every engine runs it
// unchanged from its own tests (data/bolt today, data/postgres next):
//
//	func TestConformance(t *testing.T) { storetest.Run(t, func(t *testing.T) domain.Store { … }) }
//
// An engine's own tests cover what only it has (files, migrations, page layout).
package storetest

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"switchboard/inbox/domain"
	"switchboard/routing"
)

// Open opens a new, empty store for one test; the suite closes it.
type Open func(t *testing.T) domain.Store

// Run runs every conformance test against the engine open gives.
func Run(t *testing.T, open Open) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s domain.Store)
	}{
		{"NewStoreIsEmpty", newStoreIsEmpty},
		{"ConfigurationRoundTrips", configurationRoundTrips},
		{"SequenceOnlyGrows", sequenceOnlyGrows},
		{"FailedUpdateLeavesNothing", failedUpdateLeavesNothing},
		{"ContactsAreFoundByEveryIdentity", contactsAreFoundByEveryIdentity},
		{"OneIdentityBelongsToOneContact", oneIdentityBelongsToOneContact},
		{"SearchFindsNamesUsernamesNumbersAndBSUIDs", searchFinds},
		{"FindContactsFoldsCountsPagesAndReadsMessageText", findContacts},
		{"ViewsAndCountsFollowConversations", viewsAndCountsFollowConversations},
		{"OldestFirstIsTheExactReverse", oldestFirstIsTheExactReverse},
		{"TimelinePagesInTimeOrder", timelinePagesInTimeOrder},
		{"EntriesAndTheirIds", entriesAndTheirIDs},
		{"AnInboundIDNamesOneEntryOfTheWorkspace", anInboundIDNamesOneEntry},
		{"AnInboundIDIsFoundAroundItsDay", anInboundIDIsFoundAroundItsDay},
		{"TimesOutsideTheRangeAreRefused", timesOutsideTheRangeAreRefused},
		{"MoveTimelineMakesOneConversation", moveTimelineMakesOneConversation},
		{"DeleteContactRemovesEverything", deleteContactRemovesEverything},
		{"NotificationsPerOperator", notificationsPerOperator},
		{"TimersComeDueInOrder", timersComeDueInOrder},
		{"ClearEmptiesTheWorkspace", clearEmptiesTheWorkspace},
		{"OutboxComesDueInOrder", outboxComesDueInOrder},
		{"AWAMIDBelongsToOneReply", aWAMIDBelongsToOneReply},
		{"LastInboundFollowsCustomerMessages", lastInboundFollowsCustomerMessages},
		{"TemplatesRoundTrip", templatesRoundTrip},
		{"DeleteContactEmptiesItsOutbox", deleteContactEmptiesItsOutbox},
		{"BacklogListsEachTeamOldestFirst", backlogListsEachTeamOldestFirst},
		{"PresenceSettingsAndCoversRoundTrip", presenceSettingsAndCoversRoundTrip},
		{"WorkspaceTimersBesideConversationTimers", workspaceTimersBesideConversationTimers},
		{"IteratorsMayReadInsideTheirCallbacks", iteratorsMayReadInsideTheirCallbacks},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := open(t)
			t.Cleanup(func() { s.Close() })
			tc.fn(t, s)
		})
	}
}

func update(t *testing.T, s domain.Store, fn func(tx domain.Tx) error) {
	t.Helper()
	if err := s.Update(fn); err != nil {
		t.Fatal(err)
	}
}

func view(t *testing.T, s domain.Store, fn func(tx domain.ReadTx) error) {
	t.Helper()
	if err := s.View(fn); err != nil {
		t.Fatal(err)
	}
}

var base = time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)

func st(s routing.Status) *routing.Status { return &s }
func str(s string) *string                { return &s }

func newStoreIsEmpty(t *testing.T, s domain.Store) {
	view(t, s, func(tx domain.ReadTx) error {
		if !tx.IsEmpty() {
			t.Fatal("a new store is not empty")
		}
		for _, q := range []domain.Query{{}, {Waiting: true}} {
			if n, err := tx.Count(q); err != nil || n != 0 {
				t.Fatalf("count %v = %d, %v", q, n, err)
			}
		}
		if _, ok := tx.NextTimer(); ok {
			t.Fatal("a new store has a timer")
		}
		return nil
	})
	if s.ReadOnly() {
		t.Fatal("a new store is read-only")
	}
	if s.Where() == "" {
		t.Fatal("Where names nothing")
	}
}

func configurationRoundTrips(t *testing.T, s domain.Store) {
	set := domain.Settings{Plan: routing.PlanPro, ContactOwnerRouting: true, RoundRobin: true, DefaultTeam: "support",
		Rules: []domain.Rule{{Name: "refunds", Keyword: "refund", To: "team:billing"}, {Name: "calls", Channel: routing.ChannelCall, To: "bot"}}}
	update(t, s, func(tx domain.Tx) error {
		if err := tx.PutSettings(set); err != nil {
			return err
		}
		for _, o := range []domain.Operator{{ID: "carol", Name: "Carol", Role: routing.RoleOperator, Status: routing.Online},
			{ID: "alice", Name: "Alice", Role: routing.RoleAdmin, Status: routing.Away}, {ID: "bob", Name: "Bob", Role: routing.RoleOperator}} {
			if err := tx.PutOperator(o); err != nil {
				return err
			}
		}
		for _, tm := range []domain.Team{{ID: "support", Name: "Support", Members: []string{"carol", "bob"}}, {ID: "billing", Name: "Billing"},
			{ID: "sales", Name: "Sales", Members: []string{"alice"}}} {
			if err := tx.PutTeam(tm); err != nil {
				return err
			}
		}
		if err := tx.PutTeam(domain.Team{ID: "support", Name: "Support desk", Members: []string{"bob"}}); err != nil {
			return err // an existing team keeps its place
		}
		if err := tx.DeleteOperator("bob"); err != nil {
			return err
		}
		if err := tx.DeleteTeam("billing"); err != nil {
			return err
		}
		if err := tx.PutRoundRobin("support", routing.RoundRobinState{Seq: 3, Last: map[string]uint64{"carol": 3}}); err != nil {
			return err
		}
		for _, h := range []domain.SettingChange{{Key: "contact_owner_routing", By: "alice", At: base, From: "off", To: "on"},
			{Key: "round_robin", By: "alice", At: base.Add(time.Minute), From: "off", To: "on"}} {
			if got, err := tx.AddHistory(h); err != nil || got.Seq == 0 {
				return fmt.Errorf("history %+v: %v", got, err)
			}
		}
		return nil
	})
	view(t, s, func(tx domain.ReadTx) error {
		got, err := tx.Settings()
		if err != nil || fmt.Sprint(got) != fmt.Sprint(set) {
			t.Fatalf("settings = %+v, %v; want %+v", got, err, set)
		}
		ops, _ := tx.Operators()
		if len(ops) != 2 || ops[0].ID != "alice" || ops[1].ID != "carol" || ops[0].Status != routing.Away {
			t.Fatalf("operators (by id) = %+v", ops)
		}
		teams, _ := tx.Teams()
		if len(teams) != 2 || teams[0].ID != "support" || teams[0].Name != "Support desk" || teams[1].ID != "sales" {
			t.Fatalf("teams (in order) = %+v", teams)
		}
		rr, _ := tx.RoundRobin()
		if rr["support"].Seq != 3 || rr["support"].Last["carol"] != 3 {
			t.Fatalf("round robin = %+v", rr)
		}
		h, _ := tx.History()
		if len(h) != 2 || h[0].Key != "contact_owner_routing" || h[1].Key != "round_robin" || !h[1].At.Equal(base.Add(time.Minute)) {
			t.Fatalf("history (oldest first) = %+v", h)
		}
		if tx.IsEmpty() {
			t.Fatal("a store with operators is empty")
		}
		return nil
	})
}

func sequenceOnlyGrows(t *testing.T, s domain.Store) {
	var last uint64
	for i := 0; i < 5; i++ {
		update(t, s, func(tx domain.Tx) error {
			n, err := tx.NextSeq()
			if err != nil {
				return err
			}
			if n <= last {
				t.Fatalf("NextSeq gave %d after %d", n, last)
			}
			last = n
			return nil
		})
	}
}

func failedUpdateLeavesNothing(t *testing.T, s domain.Store) {
	boom := errors.New("boom")
	err := s.Update(func(tx domain.Tx) error {
		if err := tx.PutOperator(domain.Operator{ID: "alice", Role: routing.RoleAdmin}); err != nil {
			return err
		}
		c := domain.Conversation{Contact: "15550001111", Status: routing.StatusOpen}
		if _, err := tx.AppendEntry(&c, domain.Entry{At: base, Kind: domain.KindMessage, Text: "hi"}); err != nil {
			return err
		}
		if err := tx.PutConversation(c); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Update returned %v, want the function's error", err)
	}
	view(t, s, func(tx domain.ReadTx) error {
		if !tx.IsEmpty() {
			t.Fatal("a failed update left something")
		}
		if n, _ := tx.Count(domain.Query{}); n != 0 {
			t.Fatalf("a failed update left %d conversations counted", n)
		}
		return nil
	})
}

func contactsAreFoundByEveryIdentity(t *testing.T, s domain.Store) {
	rosa := domain.Contact{ID: "US.1", Name: "Rosa Martín", Phone: "15550009999", BSUID: "US.1", ParentBSUID: "US.ENT.1",
		Username: "Rosa.M", PastBSUIDs: []string{"US.0"}, Aliases: []string{"c.7"}, Tags: []string{"vip"}}
	update(t, s, func(tx domain.Tx) error { return tx.PutContact(rosa) })
	view(t, s, func(tx domain.ReadTx) error {
		for name, look := range map[string]func() (domain.Contact, bool, error){
			"id":           func() (domain.Contact, bool, error) { return tx.Contact("US.1") },
			"phone":        func() (domain.Contact, bool, error) { return tx.ContactByPhone("15550009999") },
			"BSUID":        func() (domain.Contact, bool, error) { return tx.ContactByBSUID("US.1") },
			"past BSUID":   func() (domain.Contact, bool, error) { return tx.ContactByBSUID("US.0") },
			"parent BSUID": func() (domain.Contact, bool, error) { return tx.ContactByParentBSUID("US.ENT.1") },
			"alias":        func() (domain.Contact, bool, error) { return tx.ContactByAlias("c.7") },
		} {
			c, ok, err := look()
			if err != nil || !ok || c.ID != "US.1" || c.Name != "Rosa Martín" || c.Username != "Rosa.M" {
				t.Fatalf("by %s: %+v %v %v", name, c, ok, err)
			}
		}
		if ids := tx.ContactsByUsername("rosa.m"); !slices.Equal(ids, []string{"US.1"}) {
			t.Fatalf("by username (any case): %v", ids)
		}
		if _, ok, _ := tx.ContactByPhone("15550000000"); ok {
			t.Fatal("an unknown number finds a contact")
		}
		return nil
	})
	// the number changes: the old one finds nobody, the new one finds her; the username changes
	rosa.PastPhones, rosa.Phone, rosa.Username = []string{"15550009999"}, "15550008888", "rosam"
	update(t, s, func(tx domain.Tx) error { return tx.PutContact(rosa) })
	view(t, s, func(tx domain.ReadTx) error {
		if _, ok, _ := tx.ContactByPhone("15550009999"); ok {
			t.Fatal("a past number still finds the contact")
		}
		if c, ok, _ := tx.ContactByPhone("15550008888"); !ok || c.ID != "US.1" {
			t.Fatal("the new number finds nobody")
		}
		if ids := tx.ContactsByUsername("rosa.m"); len(ids) != 0 {
			t.Fatalf("the old username finds %v", ids)
		}
		if ids := tx.ContactsByUsername("ROSAM"); !slices.Equal(ids, []string{"US.1"}) {
			t.Fatalf("the new username finds %v", ids)
		}
		n := 0
		tx.Contacts(func(domain.Contact) bool { n++; return true })
		if n != 1 {
			t.Fatalf("%d contacts, want 1", n)
		}
		return nil
	})
}

func oneIdentityBelongsToOneContact(t *testing.T, s domain.Store) {
	update(t, s, func(tx domain.Tx) error {
		return tx.PutContact(domain.Contact{ID: "15550001111", Phone: "15550001111", BSUID: "US.1", ParentBSUID: "US.ENT.1", Aliases: []string{"c.1"}})
	})
	for _, c := range []domain.Contact{
		{ID: "15550002222", Phone: "15550001111"},
		{ID: "15550002222", BSUID: "US.1"},
		{ID: "15550002222", PastBSUIDs: []string{"US.1"}},
		{ID: "15550002222", ParentBSUID: "US.ENT.1"},
		{ID: "15550002222", Aliases: []string{"c.1"}},
	} {
		err := s.Update(func(tx domain.Tx) error { return tx.PutContact(c) })
		var taken *domain.IdentityTaken
		if !errors.As(err, &taken) || taken.Other != "15550001111" {
			t.Fatalf("%+v: %v, want an IdentityTaken naming 15550001111", c, err)
		}
	}
	// two contacts may share a username (usernames are for display)
	update(t, s, func(tx domain.Tx) error {
		if err := tx.PutContact(domain.Contact{ID: "a", Username: "same"}); err != nil {
			return err
		}
		return tx.PutContact(domain.Contact{ID: "b", Username: "same"})
	})
	view(t, s, func(tx domain.ReadTx) error {
		if ids := tx.ContactsByUsername("same"); !slices.Equal(ids, []string{"a", "b"}) {
			t.Fatalf("a shared username finds %v", ids)
		}
		if _, ok, _ := tx.Contact("15550002222"); ok {
			t.Fatal("a refused contact was stored")
		}
		return nil
	})
}

func searchFinds(t *testing.T, s domain.Store) {
	update(t, s, func(tx domain.Tx) error {
		for _, c := range []domain.Contact{{ID: "15550001111", Name: "Dana Diaz", Phone: "15550001111"},
			{ID: "US.77", Name: "Rosa Martín", BSUID: "US.77", Username: "rosa.m"}, {ID: "34655001814", Name: "Wei Chen", Phone: "34655001814"}} {
			if err := tx.PutContact(c); err != nil {
				return err
			}
		}
		return nil
	})
	view(t, s, func(tx domain.ReadTx) error {
		for q, want := range map[string][]string{"diaz": {"15550001111"}, "+1 555": {"15550001111"}, "rosa.m": {"US.77"},
			"US.7": {"US.77"}, "martín": {"US.77"}, "3465": {"34655001814"}, "nobody": nil} {
			got, err := tx.SearchContacts(q, 10)
			if err != nil || !slices.Equal(got, want) {
				t.Fatalf("search %q = %v, %v; want %v", q, got, err, want)
			}
		}
		if got, _ := tx.SearchContacts("a", 1); len(got) != 1 {
			t.Fatalf("a limit of 1 gave %v", got)
		}
		return nil
	})
}

func findContacts(t *testing.T, s domain.Store) {
	update(t, s, func(tx domain.Tx) error {
		for i, c := range []domain.Contact{{ID: "34655001629", Name: "Rosa Martín", Phone: "34655001629"},
			{ID: "15550001111", Name: "Dana Diaz", Phone: "15550001111"}, {ID: "15550002222", Name: "Ørjan Øvergård", Phone: "15550002222"}} {
			if err := tx.PutContact(c); err != nil {
				return err
			}
			cv := domain.Conversation{Contact: c.ID, Status: "open"}
			texts := [][2]string{{"message", "Wo ist mein PAKET? Es kam nie an"}, {"reply", "Your parcel is on its way"}, {"note", "Routing: parcel team"}}[i:]
			for j, tx2 := range texts {
				if _, err := tx.AppendEntry(&cv, domain.Entry{At: base.Add(time.Duration(j) * time.Minute), Kind: domain.EntryKind(tx2[0]), Text: tx2[1]}); err != nil {
					return err
				}
			}
			if err := tx.PutConversation(cv); err != nil {
				return err
			}
		}
		return nil
	})
	find := func(q string, offset, limit int) domain.ContactHits {
		t.Helper()
		var h domain.ContactHits
		view(t, s, func(tx domain.ReadTx) (err error) {
			h, err = tx.FindContacts(context.Background(), q, offset, limit)
			return
		})
		return h
	}
	for q, want := range map[string][]string{
		"rosa martin": {"34655001629"}, "ROSA MARTÍN": {"34655001629"}, "orjan overgard": {"15550002222"},
		"655001629": {"34655001629"}, "+1 555": {"15550001111", "15550002222"},
		"paket": {"34655001629"}, "parcel": {"15550001111", "34655001629"}, // a note is not searched
		"nobody": nil,
	} {
		if got := find(q, 0, 10); !slices.Equal(got.IDs, want) || got.Total != len(want) {
			t.Errorf("FindContacts(%q) = %v (total %d), want %v", q, got.IDs, got.Total, want)
		}
	}
	if h := find("parcel", 0, 10); !h.InText["34655001629"] || h.InText["15550001111"] != true {
		t.Errorf("matches in message text are not marked: %v", h.InText)
	}
	if h := find("dana", 0, 10); h.InText["15550001111"] {
		t.Errorf("a match by name is marked as one in message text")
	}
	// pages: the total stays, the page moves on
	first, second := find("a", 0, 2), find("a", 2, 2)
	if first.Total != 3 || second.Total != 3 || len(first.IDs) != 2 || len(second.IDs) != 1 || slices.Contains(first.IDs, second.IDs[0]) {
		t.Fatalf("pages of \"a\": %v then %v (totals %d, %d)", first.IDs, second.IDs, first.Total, second.Total)
	}
	// a merged contact's text goes with its timeline; a deleted one's goes with it
	update(t, s, func(tx domain.Tx) error {
		into, _, err := tx.Conversation("15550002222")
		if err != nil {
			return err
		}
		if _, err := tx.MoveTimeline("34655001629", &into); err != nil {
			return err
		}
		if err := tx.PutConversation(into); err != nil {
			return err
		}
		_, err = tx.DeleteContact("34655001629")
		return err
	})
	if got := find("paket", 0, 10); !slices.Equal(got.IDs, []string{"15550002222"}) {
		t.Fatalf("after the move and the delete, \"paket\" finds %v", got.IDs)
	}
}

func viewsAndCountsFollowConversations(t *testing.T, s domain.Store) {
	put := func(c domain.Conversation) {
		t.Helper()
		update(t, s, func(tx domain.Tx) error { return tx.PutConversation(c) })
	}
	put(domain.Conversation{Contact: "1", Status: "open", Assignee: "bob", Team: "s", LastAt: 10})
	put(domain.Conversation{Contact: "2", Status: "open", Team: "s", LastAt: 20})
	put(domain.Conversation{Contact: "3", Status: "closed", Assignee: "bob", Team: "t", LastAt: 30, Prompt: &domain.Prompt{Target: "bob"}})
	put(domain.Conversation{Contact: "1", Status: "open", Assignee: "bob", Team: "s", LastAt: 40}) // new activity
	put(domain.Conversation{Contact: "4", Status: "open", Assignee: "bot", Team: "t", LastAt: 5})
	put(domain.Conversation{Contact: "4", Status: "closed", Assignee: "bot", Team: "t", LastAt: 5}) // closed
	open, closed := st(routing.StatusOpen), st(routing.StatusClosed)
	view(t, s, func(tx domain.ReadTx) error {
		for _, c := range []struct {
			q    domain.Query
			want []string
		}{
			{domain.Query{}, []string{"1", "3", "2", "4"}},
			{domain.Query{Status: open}, []string{"1", "2"}},
			{domain.Query{Status: closed}, []string{"3", "4"}},
			{domain.Query{Status: open, Assignee: str("bob")}, []string{"1"}},
			{domain.Query{Status: open, Assignee: str("")}, []string{"2"}},
			{domain.Query{Assignee: str("bob")}, []string{"1", "3"}},
			{domain.Query{Status: closed, Assignee: str("bot")}, []string{"4"}},
			{domain.Query{Status: open, Team: str("s")}, []string{"1", "2"}},
			{domain.Query{Team: str("t")}, []string{"3", "4"}},
			{domain.Query{Status: closed, Team: str("t"), Assignee: str("bob")}, []string{"3"}},
			{domain.Query{Waiting: true}, []string{"3"}},
			{domain.Query{Status: open, Team: str("nope")}, nil},
		} {
			cs, next, err := tx.List(c.q, "", 100, nil)
			if err != nil || next != "" {
				t.Fatalf("%v: next %q, %v", c.q, next, err)
			}
			var got []string
			for _, cv := range cs {
				got = append(got, cv.Contact)
			}
			if !slices.Equal(got, c.want) {
				t.Fatalf("%v lists %v, want %v", c.q, got, c.want)
			}
			if n, err := tx.Count(c.q); err != nil || n != len(c.want) {
				t.Fatalf("%v counts %d (%v), lists %d", c.q, n, err, len(c.want))
			}
			if n, err := tx.CountAfter(c.q, "", nil); err != nil || n != len(c.want) {
				t.Fatalf("%v: CountAfter %d (%v), lists %d", c.q, n, err, len(c.want))
			}
		}
		// keep filters, and the cursor pages on
		cs, next, _ := tx.List(domain.Query{}, "", 2, func(c *domain.Conversation) bool { return c.Contact != "3" })
		if len(cs) != 2 || cs[0].Contact != "1" || cs[1].Contact != "2" || next == "" {
			t.Fatalf("keep: %+v next %q", cs, next)
		}
		rest, next2, _ := tx.List(domain.Query{}, next, 2, nil)
		if len(rest) != 1 || rest[0].Contact != "4" || next2 != "" {
			t.Fatalf("after the cursor: %+v next %q", rest, next2)
		}
		if _, _, err := tx.List(domain.Query{}, "not a cursor!", 2, nil); err == nil {
			t.Fatal("a bad cursor was taken")
		}
		if _, _, err := tx.List(domain.Query{}, "", 0, nil); err == nil {
			t.Fatal("a page of 0 was taken")
		}
		return nil
	})
}

func oldestFirstIsTheExactReverse(t *testing.T, s domain.Store) {
	r := rand.New(rand.NewPCG(3, 4))
	statuses, teams, assignees := []routing.Status{"open", "closed"}, []string{"s", "t", "u"}, []string{"", "bot", "bob", "carol"}
	update(t, s, func(tx domain.Tx) error {
		for i := 0; i < 300; i++ {
			c := domain.Conversation{Contact: fmt.Sprintf("1555%04d", r.IntN(200)), Status: statuses[r.IntN(2)], Team: teams[r.IntN(3)],
				Assignee: assignees[r.IntN(4)], LastAt: int64(r.IntN(40))} // many equal times
			if r.IntN(5) == 0 {
				c.Prompt = &domain.Prompt{Target: "bob"}
			}
			c.Backlog = r.IntN(2) == 0 // in a backlog when open with Bot and no prompt
			if err := tx.PutConversation(c); err != nil {
				return err
			}
		}
		return nil
	})
	walk := func(tx domain.ReadTx, q domain.Query, cursor string, page int) []string {
		var out []string
		for {
			cs, next, err := tx.List(q, cursor, page, nil)
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range cs {
				out = append(out, c.Contact)
			}
			if next == "" {
				return out
			}
			cursor = next
		}
	}
	queries := []domain.Query{{}, {Status: st("open")}, {Status: st("closed"), Assignee: str("bob")}, {Status: st("open"), Team: str("t")},
		{Waiting: true}, {Team: str("u")}, {Status: st("open"), Assignee: str("bot")}, {Backlog: true}, {Backlog: true, Team: str("t")}}
	view(t, s, func(tx domain.ReadTx) error {
		for _, q := range queries {
			newest := walk(tx, q, "", 7)
			if len(newest) == 0 {
				t.Fatalf("%v is empty", q)
			}
			oldest := walk(tx, q.Reversed(), "", 5)
			slices.Reverse(oldest)
			if !slices.Equal(newest, oldest) {
				t.Fatalf("%v: oldest first is not the reverse of newest first", q)
			}
			for i, id := range newest {
				c, _, err := tx.Conversation(id)
				if err != nil {
					t.Fatal(err)
				}
				cur := domain.CursorOf(c)
				if got := walk(tx, q, cur, 3); !slices.Equal(got, newest[i+1:]) {
					t.Fatalf("%v after %s: %v, want %v", q, id, got, newest[i+1:])
				}
				if n, _ := tx.CountAfter(q.Reversed(), cur, nil); n != i {
					t.Fatalf("%v: %d newer than %s, want %d", q, n, id, i)
				}
			}
		}
		return nil
	})
}

func timelinePagesInTimeOrder(t *testing.T, s domain.Store) {
	update(t, s, func(tx domain.Tx) error {
		for _, id := range []string{"1", "2"} {
			c := domain.Conversation{Contact: id, Status: "open"}
			// written out of time order: the timeline is in time order whatever the order of writing
			for _, i := range rand.New(rand.NewPCG(1, 2)).Perm(25) {
				if _, err := tx.AppendEntry(&c, domain.Entry{At: base.Add(time.Duration(i) * time.Minute), Kind: domain.KindMessage, Text: fmt.Sprint(id, ".", i)}); err != nil {
					return err
				}
			}
			if c.Seq != 25 || c.LastAt != base.Add(24*time.Minute).UnixNano() {
				t.Fatalf("after 25 entries: seq %d, last %d", c.Seq, c.LastAt)
			}
			if err := tx.PutConversation(c); err != nil {
				return err
			}
		}
		return nil
	})
	var all []string
	cursor := ""
	for pages := 0; ; pages++ {
		var es []domain.Entry
		var prev string
		view(t, s, func(tx domain.ReadTx) error {
			var err error
			es, prev, err = tx.Timeline("1", cursor, 10)
			return err
		})
		var page []string
		for _, e := range es {
			page = append(page, e.Text)
			if e.Ref.Contact != "1" {
				t.Fatalf("an entry of 1 names %q", e.Ref.Contact)
			}
		}
		all = append(page, all...)
		if prev == "" {
			break
		}
		cursor = prev
	}
	if len(all) != 25 {
		t.Fatalf("%d entries: %v", len(all), all)
	}
	for i, txt := range all {
		if txt != fmt.Sprint("1.", i) {
			t.Fatalf("entry %d = %s: %v", i, txt, all)
		}
	}
}

func entriesAndTheirIDs(t *testing.T, s domain.Store) {
	var msg, reply domain.EntryRef
	update(t, s, func(tx domain.Tx) error {
		c := domain.Conversation{Contact: "15550001111", Status: "open"}
		var err error
		if msg, err = tx.AppendEntry(&c, domain.Entry{At: base, Kind: domain.KindMessage, ID: "wamid.1", Text: "hi"}); err != nil {
			return err
		}
		if reply, err = tx.AppendEntry(&c, domain.Entry{At: base.Add(time.Minute), Kind: domain.KindReply, ID: "sb.1", By: "carol", Text: "hello", Delivery: domain.DeliverySent}); err != nil {
			return err
		}
		if err := tx.PutInboundID("15550001111", "wamid.1", msg); err != nil {
			return err
		}
		if err := tx.PutExtID("sb.1", reply); err != nil {
			return err
		}
		return tx.PutConversation(c)
	})
	update(t, s, func(tx domain.Tx) error {
		e, ok, err := tx.Entry(reply)
		if err != nil || !ok || e.Text != "hello" || e.Ref != reply {
			t.Fatalf("entry = %+v %v %v", e, ok, err)
		}
		e.Delivery = domain.DeliveryRead
		return tx.PutEntry(reply, e)
	})
	view(t, s, func(tx domain.ReadTx) error {
		if r, ok := tx.InboundID("15550001111", "wamid.1"); !ok || r != msg {
			t.Fatalf("inbound id finds %+v %v", r, ok)
		}
		if _, ok := tx.InboundID("15550002222", "wamid.1"); ok {
			t.Fatal("an inbound id is another contact's")
		}
		if r, ok := tx.ExtID("sb.1"); !ok || r != reply {
			t.Fatalf("reply id finds %+v %v", r, ok)
		}
		if e, _, _ := tx.Entry(reply); e.Delivery != domain.DeliveryRead {
			t.Fatalf("the rewritten entry is %+v", e)
		}
		es, _, _ := tx.Timeline("15550001111", "", 10)
		if len(es) != 2 || es[0].Ref != msg || es[1].Ref != reply {
			t.Fatalf("timeline = %+v", es)
		}
		return nil
	})
}

// anInboundIDNamesOneEntry: an inbound id is found by the id (and its event's time), whichever
// contact's entry it names (WhatsApp's ids are unique: a redelivery with another identity of the customer is a
// duplicate); stored for another entry it names that one; it moves with its entry and goes
// with its contact; an id beginning with 0x00 or 0xff is an id like any other.
func anInboundIDNamesOneEntry(t *testing.T, s domain.Store) {
	var a1, b1 domain.EntryRef
	odd := []string{"\xff", "\x00x", "\xffwamid"}
	update(t, s, func(tx domain.Tx) error {
		a := domain.Conversation{Contact: "a", Status: "open"}
		b := domain.Conversation{Contact: "b", Status: "open"}
		var err error
		if a1, err = tx.AppendEntry(&a, domain.Entry{At: base, Kind: domain.KindMessage, ID: "wamid.1", Text: "a1"}); err != nil {
			return err
		}
		if b1, err = tx.AppendEntry(&b, domain.Entry{At: base.Add(time.Minute), Kind: domain.KindMessage, ID: "wamid.2", Text: "b1"}); err != nil {
			return err
		}
		if err := tx.PutInboundID("a", "wamid.1", a1); err != nil {
			return err
		}
		if err := tx.PutInboundID("b", "wamid.2", b1); err != nil {
			return err
		}
		for _, id := range odd {
			if err := tx.PutInboundID("b", id, b1); err != nil {
				return err
			}
		}
		if err := tx.PutConversation(a); err != nil {
			return err
		}
		return tx.PutConversation(b)
	})
	view(t, s, func(tx domain.ReadTx) error {
		if r, ok := tx.InboundByID("wamid.1", base); !ok || r != a1 {
			t.Fatalf("wamid.1 by the id finds %+v %v, want %+v", r, ok, a1)
		}
		if r, ok := tx.InboundByID("wamid.2", base); !ok || r != b1 {
			t.Fatalf("wamid.2 by the id finds %+v %v, want %+v", r, ok, b1)
		}
		if _, ok := tx.InboundID("b", "wamid.1"); ok {
			t.Fatal("InboundID finds another contact's entry")
		}
		if _, ok := tx.InboundByID("wamid.3", base); ok {
			t.Fatal("an id never stored finds an entry")
		}
		for _, id := range odd {
			if r, ok := tx.InboundByID(id, base); !ok || r != b1 {
				t.Fatalf("id %q finds %+v %v", id, r, ok)
			}
		}
		return nil
	})
	// stored again for b's entry, wamid.1 names that one (and no longer a's)
	update(t, s, func(tx domain.Tx) error { return tx.PutInboundID("b", "wamid.1", b1) })
	view(t, s, func(tx domain.ReadTx) error {
		if r, ok := tx.InboundByID("wamid.1", base); !ok || r != b1 {
			t.Fatalf("wamid.1 finds %+v %v after it was stored for b, want %+v", r, ok, b1)
		}
		if _, ok := tx.InboundID("a", "wamid.1"); ok {
			t.Fatal("wamid.1 still names a's entry")
		}
		return nil
	})
	// deleting a leaves b's ids alone; deleting b takes them
	update(t, s, func(tx domain.Tx) error {
		if err := tx.PutContact(domain.Contact{ID: "a", Phone: "15550001111"}); err != nil {
			return err
		}
		if err := tx.PutContact(domain.Contact{ID: "b", Phone: "15550002222"}); err != nil {
			return err
		}
		_, err := tx.DeleteContact("a")
		return err
	})
	view(t, s, func(tx domain.ReadTx) error {
		if r, ok := tx.InboundByID("wamid.1", base); !ok || r != b1 {
			t.Fatalf("deleting a took b's wamid.1: %+v %v", r, ok)
		}
		return nil
	})
	update(t, s, func(tx domain.Tx) error {
		c := domain.Conversation{Contact: "c", Status: "open"}
		if _, err := tx.AppendEntry(&c, domain.Entry{At: base, Kind: domain.KindMessage, Text: "c"}); err != nil {
			return err
		}
		if _, err := tx.MoveTimeline("b", &c); err != nil {
			return err
		}
		return tx.PutConversation(c)
	})
	view(t, s, func(tx domain.ReadTx) error {
		for _, id := range append([]string{"wamid.1", "wamid.2"}, odd...) {
			r, ok := tx.InboundByID(id, base)
			if e, _, _ := tx.Entry(r); !ok || r.Contact != "c" || e.Text != "b1" {
				t.Fatalf("%q after the move finds %+v %v (%+v)", id, r, ok, e)
			}
		}
		return nil
	})
	update(t, s, func(tx domain.Tx) error {
		if err := tx.PutContact(domain.Contact{ID: "c", Phone: "15550003333"}); err != nil {
			return err
		}
		_, err := tx.DeleteContact("c")
		return err
	})
	view(t, s, func(tx domain.ReadTx) error {
		for _, id := range append([]string{"wamid.1", "wamid.2"}, odd...) {
			if r, ok := tx.InboundByID(id, base); ok {
				t.Fatalf("%q finds %+v after its contact was deleted", id, r)
			}
		}
		return nil
	})
}

// anInboundIDIsFoundAroundItsDay: an inbound id is found for an event of its entry's UTC day, the
// day after (a call's end after midnight) or the day before, and not further: a redelivery
// carries its event's time. An id stored for entries of days far apart names each in its own
// day (and each contact's own); stored again for the same contact, it leaves its old day.
func anInboundIDIsFoundAroundItsDay(t *testing.T, s domain.Store) {
	late := time.Date(2026, 11, 24, 23, 50, 0, 0, time.UTC)
	var x1, y1, x2 domain.EntryRef
	update(t, s, func(tx domain.Tx) error {
		x := domain.Conversation{Contact: "x", Status: "open"}
		y := domain.Conversation{Contact: "y", Status: "open"}
		var err error
		if x1, err = tx.AppendEntry(&x, domain.Entry{At: late, Kind: domain.KindCall, ID: "call.1"}); err != nil {
			return err
		}
		if y1, err = tx.AppendEntry(&y, domain.Entry{At: late.AddDate(0, 0, 5), Kind: domain.KindMessage, ID: "call.1", Text: "y"}); err != nil {
			return err
		}
		if x2, err = tx.AppendEntry(&x, domain.Entry{At: late.AddDate(0, 0, 9), Kind: domain.KindMessage, ID: "m.2", Text: "x2"}); err != nil {
			return err
		}
		for _, p := range []struct {
			c, id string
			r     domain.EntryRef
		}{{"x", "call.1", x1}, {"y", "call.1", y1}, {"x", "m.2", x1}} {
			if err := tx.PutInboundID(p.c, p.id, p.r); err != nil {
				return err
			}
		}
		if err := tx.PutConversation(x); err != nil {
			return err
		}
		return tx.PutConversation(y)
	})
	finds := func(tx domain.ReadTx, id string, at time.Time, want domain.EntryRef) {
		t.Helper()
		r, ok := tx.InboundByID(id, at)
		if want.IsZero() && ok {
			t.Errorf("%s at %s finds %+v, want nothing", id, at.Format(time.RFC3339), r)
		} else if !want.IsZero() && (!ok || r != want) {
			t.Errorf("%s at %s finds %+v %v, want %+v", id, at.Format(time.RFC3339), r, ok, want)
		}
	}
	view(t, s, func(tx domain.ReadTx) error {
		finds(tx, "call.1", late, x1)
		finds(tx, "call.1", late.Add(20*time.Minute), x1)                             // the call's end, after midnight
		finds(tx, "call.1", late.Add(24*time.Hour+20*time.Minute), domain.EntryRef{}) // two days on
		finds(tx, "call.1", late.Add(-24*time.Hour), x1)                              // the day before
		finds(tx, "call.1", late.Add(-48*time.Hour), domain.EntryRef{})
		finds(tx, "call.1", late.AddDate(0, 0, 5), y1) // stored far apart: each in its day
		finds(tx, "m.2", late, x1)
		for c, want := range map[string]domain.EntryRef{"x": x1, "y": y1} {
			if r, ok := tx.InboundID(c, "call.1"); !ok || r != want {
				t.Errorf("%s's call.1 finds %+v %v, want %+v", c, r, ok, want)
			}
		}
		return nil
	})
	// stored again for x's entry of another day, m.2 leaves its old day
	update(t, s, func(tx domain.Tx) error { return tx.PutInboundID("x", "m.2", x2) })
	view(t, s, func(tx domain.ReadTx) error {
		finds(tx, "m.2", late, domain.EntryRef{})
		finds(tx, "m.2", time.Unix(0, x2.At), x2)
		if r, ok := tx.InboundID("x", "m.2"); !ok || r != x2 {
			t.Errorf("x's m.2 finds %+v %v, want %+v", r, ok, x2)
		}
		return nil
	})
	// deleting y takes its day's call.1 and leaves x's
	update(t, s, func(tx domain.Tx) error {
		if err := tx.PutContact(domain.Contact{ID: "y", Phone: "15550002222"}); err != nil {
			return err
		}
		_, err := tx.DeleteContact("y")
		return err
	})
	view(t, s, func(tx domain.ReadTx) error {
		finds(tx, "call.1", late.AddDate(0, 0, 5), domain.EntryRef{})
		finds(tx, "call.1", late, x1)
		return nil
	})
}

func timesOutsideTheRangeAreRefused(t *testing.T, s domain.Store) {
	for _, at := range []time.Time{time.Unix(-1, 0), time.Date(2300, 1, 1, 0, 0, 0, 0, time.UTC)} {
		err := s.Update(func(tx domain.Tx) error {
			c := domain.Conversation{Contact: "1", Status: "open"}
			_, err := tx.AppendEntry(&c, domain.Entry{At: at, Kind: domain.KindMessage, Text: "x"})
			return err
		})
		if err == nil {
			t.Fatalf("an entry at %v was taken", at)
		}
	}
	if !domain.ValidTime(time.Unix(0, 0)) || domain.ValidTime(time.Unix(-1, 0)) {
		t.Fatal("ValidTime's range is not 1970–2262")
	}
}

func moveTimelineMakesOneConversation(t *testing.T, s domain.Store) {
	update(t, s, func(tx domain.Tx) error {
		a := domain.Conversation{Contact: "a", Status: "open", Team: "s"}
		b := domain.Conversation{Contact: "b", Status: "open", Team: "s", Assignee: "bob"}
		for i, c := range []*domain.Conversation{&a, &b, &a, &b} {
			r, err := tx.AppendEntry(c, domain.Entry{At: base.Add(time.Duration(i) * time.Minute), Kind: domain.KindMessage, ID: fmt.Sprint("m", i), Text: fmt.Sprint(i)})
			if err != nil {
				return err
			}
			if err := tx.PutInboundID(c.Contact, fmt.Sprint("m", i), r); err != nil {
				return err
			}
		}
		r, err := tx.AppendEntry(&b, domain.Entry{At: base.Add(time.Hour), Kind: domain.KindReply, ID: "sb.b.1", By: "bob", Text: "reply"})
		if err != nil {
			return err
		}
		if err := tx.PutExtID("sb.b.1", r); err != nil {
			return err
		}
		if err := tx.PutConversation(a); err != nil {
			return err
		}
		return tx.PutConversation(b)
	})
	update(t, s, func(tx domain.Tx) error {
		a, _, err := tx.Conversation("a")
		if err != nil {
			return err
		}
		moved, err := tx.MoveTimeline("b", &a)
		if err != nil || !moved {
			t.Fatalf("MoveTimeline: %v %v", moved, err)
		}
		if a.Seq != 5 || a.LastAt != base.Add(time.Hour).UnixNano() {
			t.Fatalf("after the move: seq %d, last %d", a.Seq, a.LastAt)
		}
		return tx.PutConversation(a)
	})
	view(t, s, func(tx domain.ReadTx) error {
		es, _, _ := tx.Timeline("a", "", 10)
		var got []string
		for _, e := range es {
			got = append(got, e.Text)
		}
		if !slices.Equal(got, []string{"0", "1", "2", "3", "reply"}) {
			t.Fatalf("one timeline in time order: %v", got)
		}
		for i := 0; i < 4; i++ {
			r, ok := tx.InboundID("a", fmt.Sprint("m", i))
			if !ok {
				t.Fatalf("m%d does not find its entry after the move", i)
			}
			if e, _, _ := tx.Entry(r); e.Text != fmt.Sprint(i) {
				t.Fatalf("m%d finds %+v", i, e)
			}
		}
		if r, ok := tx.ExtID("sb.b.1"); !ok || r.Contact != "a" {
			t.Fatalf("the reply id finds %+v %v", r, ok)
		}
		if _, ok, _ := tx.Conversation("b"); ok {
			t.Fatal("b's conversation is still there")
		}
		if n, _ := tx.Count(domain.Query{}); n != 1 {
			t.Fatalf("%d conversations counted, want 1", n)
		}
		if cs, _, _ := tx.List(domain.Query{Assignee: str("bob")}, "", 10, nil); len(cs) != 0 {
			t.Fatalf("b is still listed: %+v", cs)
		}
		return nil
	})
}

func deleteContactRemovesEverything(t *testing.T, s domain.Store) {
	update(t, s, func(tx domain.Tx) error {
		if err := tx.PutContact(domain.Contact{ID: "15550001111", Name: "Dana", Phone: "15550001111", BSUID: "US.1"}); err != nil {
			return err
		}
		c := domain.Conversation{Contact: "15550001111", Status: "open"}
		r, err := tx.AppendEntry(&c, domain.Entry{At: base, Kind: domain.KindMessage, ID: "wamid.1", Text: "hi"})
		if err != nil {
			return err
		}
		if err := tx.PutInboundID("15550001111", "wamid.1", r); err != nil {
			return err
		}
		rr, err := tx.AppendEntry(&c, domain.Entry{At: base, Kind: domain.KindReply, ID: "sb.1", By: "bob", Text: "hi"})
		if err != nil {
			return err
		}
		if err := tx.PutExtID("sb.1", rr); err != nil {
			return err
		}
		return tx.PutConversation(c)
	})
	update(t, s, func(tx domain.Tx) error {
		ok, err := tx.DeleteContact("15550001111")
		if err != nil || !ok {
			t.Fatalf("DeleteContact: %v %v", ok, err)
		}
		if ok, _ := tx.DeleteContact("15550001111"); ok {
			t.Fatal("a contact was deleted twice")
		}
		return nil
	})
	view(t, s, func(tx domain.ReadTx) error {
		if _, ok, _ := tx.Contact("15550001111"); ok {
			t.Fatal("the contact is still there")
		}
		if _, ok, _ := tx.ContactByBSUID("US.1"); ok {
			t.Fatal("its BSUID still finds it")
		}
		if _, ok := tx.InboundID("15550001111", "wamid.1"); ok {
			t.Fatal("its message id is still a duplicate")
		}
		if _, ok := tx.ExtID("sb.1"); ok {
			t.Fatal("its reply id still finds an entry")
		}
		if n, _ := tx.Count(domain.Query{}); n != 0 || !tx.IsEmpty() {
			t.Fatalf("%d conversations after the delete", n)
		}
		return nil
	})
	// the identities are free again
	update(t, s, func(tx domain.Tx) error { return tx.PutContact(domain.Contact{ID: "x", BSUID: "US.1"}) })
}

func notificationsPerOperator(t *testing.T, s domain.Store) {
	update(t, s, func(tx domain.Tx) error {
		for i, to := range []string{"carol", "bob", "carol", "carol"} {
			n, err := tx.AddNotification(domain.Notification{To: to, At: base.Add(time.Duration(i) * time.Minute), Text: fmt.Sprint(i), Contact: "1"})
			if err != nil || n.Seq == 0 {
				return fmt.Errorf("notification %+v: %v", n, err)
			}
		}
		return nil
	})
	update(t, s, func(tx domain.Tx) error {
		ns, err := tx.Notifications("carol", false)
		if err != nil || len(ns) != 3 || ns[0].Text != "3" || ns[2].Text != "0" {
			t.Fatalf("carol's (newest first) = %+v, %v", ns, err)
		}
		ns[1].Read = true
		return tx.PutNotification(ns[1])
	})
	view(t, s, func(tx domain.ReadTx) error {
		unread, _ := tx.Notifications("carol", false)
		all, _ := tx.Notifications("carol", true)
		if len(unread) != 2 || len(all) != 3 {
			t.Fatalf("unread %d, all %d", len(unread), len(all))
		}
		n := 0
		tx.AllNotifications(func(domain.Notification) error { n++; return nil })
		if n != 4 {
			t.Fatalf("%d notifications in all", n)
		}
		return nil
	})
	update(t, s, func(tx domain.Tx) error { return tx.DeleteNotifications("carol") })
	view(t, s, func(tx domain.ReadTx) error {
		if ns, _ := tx.Notifications("carol", true); len(ns) != 0 {
			t.Fatalf("carol's after the delete: %+v", ns)
		}
		if ns, _ := tx.Notifications("bob", true); len(ns) != 1 {
			t.Fatalf("bob's: %+v", ns)
		}
		return nil
	})
}

func timersComeDueInOrder(t *testing.T, s domain.Store) {
	timers := []domain.Timer{{Due: base.Add(2 * time.Minute), Kind: "ring", Contact: "b", Ref: "x.1"},
		{Due: base, Kind: "ring", Contact: "a", Ref: "1.2"}, {Due: base.Add(time.Hour), Kind: "ring", Contact: "c", Ref: "9"}}
	update(t, s, func(tx domain.Tx) error {
		for _, tm := range timers {
			if err := tx.PutTimer(tm); err != nil {
				return err
			}
		}
		return nil
	})
	view(t, s, func(tx domain.ReadTx) error {
		if next, ok := tx.NextTimer(); !ok || !next.Equal(base) {
			t.Fatalf("next timer %v %v", next, ok)
		}
		due, err := tx.DueTimers(base.Add(5*time.Minute), 10)
		if err != nil || len(due) != 2 || due[0].Contact != "a" || due[0].Ref != "1.2" || due[1].Contact != "b" || !due[1].Due.Equal(timers[0].Due) {
			t.Fatalf("due = %+v, %v", due, err)
		}
		if due, _ := tx.DueTimers(base.Add(-time.Second), 10); len(due) != 0 {
			t.Fatalf("due early: %+v", due)
		}
		if due, _ := tx.DueTimers(base.Add(5*time.Hour), 1); len(due) != 1 {
			t.Fatalf("a limit of 1 gave %d", len(due))
		}
		return nil
	})
	update(t, s, func(tx domain.Tx) error { return tx.DeleteTimer(timers[1]) })
	view(t, s, func(tx domain.ReadTx) error {
		if next, _ := tx.NextTimer(); !next.Equal(timers[0].Due) {
			t.Fatalf("after the delete, next is %v", next)
		}
		return nil
	})
}

func clearEmptiesTheWorkspace(t *testing.T, s domain.Store) {
	update(t, s, func(tx domain.Tx) error {
		if err := tx.PutOperator(domain.Operator{ID: "alice"}); err != nil {
			return err
		}
		if err := tx.PutContact(domain.Contact{ID: "1", Phone: "15550001111"}); err != nil {
			return err
		}
		c := domain.Conversation{Contact: "1", Status: "open"}
		if _, err := tx.AppendEntry(&c, domain.Entry{At: base, Kind: domain.KindMessage, Text: "x"}); err != nil {
			return err
		}
		if err := tx.PutOutbox(domain.Outgoing{ID: "sb.1.2", State: domain.OutQueued, Due: base}); err != nil {
			return err
		}
		if err := tx.PutWAMID("wamid.1", "sb.1.2"); err != nil {
			return err
		}
		return tx.PutConversation(c)
	})
	update(t, s, func(tx domain.Tx) error { return tx.Clear() })
	view(t, s, func(tx domain.ReadTx) error {
		if _, ok := tx.NextOutbox(); ok {
			t.Fatal("the outbox survived Clear")
		}
		if _, ok := tx.ReplyOfWAMID("wamid.1"); ok {
			t.Fatal("a wamid survived Clear")
		}
		return nil
	})
	view(t, s, func(tx domain.ReadTx) error {
		if !tx.IsEmpty() {
			t.Fatal("not empty after Clear")
		}
		if n, _ := tx.Count(domain.Query{}); n != 0 {
			t.Fatalf("%d conversations counted after Clear", n)
		}
		if _, ok, _ := tx.ContactByPhone("15550001111"); ok {
			t.Fatal("an identity survived Clear")
		}
		return nil
	})
}

func outboxComesDueInOrder(t *testing.T, s domain.Store) {
	view(t, s, func(tx domain.ReadTx) error {
		if _, ok := tx.NextOutbox(); ok {
			t.Fatal("a new store has something due in its outbox")
		}
		return nil
	})
	update(t, s, func(tx domain.Tx) error {
		for i, id := range []string{"sb.c.3", "sb.a.1", "sb.b.2"} {
			o := domain.Outgoing{ID: id, State: domain.OutQueued, Due: base.Add(time.Duration(3-i) * time.Minute), Queued: base}
			if err := tx.PutOutbox(o); err != nil {
				return err
			}
		}
		return nil
	})
	ids := func(os []domain.Outgoing) []string {
		var out []string
		for _, o := range os {
			out = append(out, o.ID)
		}
		return out
	}
	view(t, s, func(tx domain.ReadTx) error {
		next, ok := tx.NextOutbox()
		if !ok || !next.Equal(base.Add(time.Minute)) {
			t.Fatalf("next due %v %v, want %v", next, ok, base.Add(time.Minute))
		}
		due, err := tx.DueOutbox(base.Add(2*time.Minute), 10)
		if err != nil {
			return err
		}
		if got := ids(due); !slices.Equal(got, []string{"sb.b.2", "sb.a.1"}) {
			t.Fatalf("due at +2m: %v", got)
		}
		if due, _ := tx.DueOutbox(base.Add(time.Hour), 1); len(due) != 1 || due[0].ID != "sb.b.2" {
			t.Fatalf("limit 1: %v", ids(due))
		}
		if due, _ := tx.DueOutbox(base, 10); len(due) != 0 {
			t.Fatalf("due before the first: %v", ids(due))
		}
		return nil
	})
	// moving a record's due time moves it in the order, and it is kept once
	update(t, s, func(tx domain.Tx) error {
		o, ok, err := tx.Outbox("sb.b.2")
		if err != nil || !ok || o.State != domain.OutQueued {
			t.Fatalf("Outbox(sb.b.2) = %+v %v %v", o, ok, err)
		}
		o.Due, o.State, o.Attempts = base.Add(time.Hour), domain.OutUnknown, 1
		if err := tx.PutOutbox(o); err != nil {
			return err
		}
		return tx.DeleteOutbox("sb.c.3")
	})
	view(t, s, func(tx domain.ReadTx) error {
		var all []domain.Outgoing
		if err := tx.OutboxItems(func(o domain.Outgoing) error { all = append(all, o); return nil }); err != nil {
			return err
		}
		if got := ids(all); !slices.Equal(got, []string{"sb.a.1", "sb.b.2"}) {
			t.Fatalf("outbox after a move and a delete: %v", got)
		}
		if all[1].State != domain.OutUnknown || all[1].Attempts != 1 || !all[1].Due.Equal(base.Add(time.Hour)) {
			t.Fatalf("the moved record is %+v", all[1])
		}
		if _, ok, _ := tx.Outbox("sb.c.3"); ok {
			t.Fatal("a deleted record is still found")
		}
		return nil
	})
	update(t, s, func(tx domain.Tx) error { return tx.DeleteOutbox("sb.nothing") })
}

func aWAMIDBelongsToOneReply(t *testing.T, s domain.Store) {
	update(t, s, func(tx domain.Tx) error {
		if err := tx.PutWAMID("wamid.HBg1", "sb.a.1"); err != nil {
			return err
		}
		return tx.PutWAMID("wamid.HBg1", "sb.a.1") // the same pair again
	})
	err := s.Update(func(tx domain.Tx) error { return tx.PutWAMID("wamid.HBg1", "sb.b.2") })
	var taken *domain.WAMIDTaken
	if !errors.As(err, &taken) || taken.Other != "sb.a.1" || taken.ID != "sb.b.2" {
		t.Fatalf("a wamid given to a second reply: %v", err)
	}
	view(t, s, func(tx domain.ReadTx) error {
		if id, ok := tx.ReplyOfWAMID("wamid.HBg1"); !ok || id != "sb.a.1" {
			t.Fatalf("wamid finds %q %v", id, ok)
		}
		if _, ok := tx.ReplyOfWAMID("wamid.other"); ok {
			t.Fatal("an unknown wamid finds a reply")
		}
		return nil
	})
}

func lastInboundFollowsCustomerMessages(t *testing.T, s domain.Store) {
	update(t, s, func(tx domain.Tx) error {
		c := domain.Conversation{Contact: "15550001111", Status: "open"}
		for _, e := range []domain.Entry{
			{At: base, Kind: domain.KindMessage, Text: "hi"},
			{At: base.Add(2 * time.Minute), Kind: domain.KindReply, Text: "hello"},
			{At: base.Add(3 * time.Minute), Kind: domain.KindCall, Outcome: domain.CallMissed},
			{At: base.Add(4 * time.Minute), Kind: domain.KindNote, Text: "note"},
			{At: base.Add(-time.Hour), Kind: domain.KindMessage, Text: "an older message arriving late"},
		} {
			if _, err := tx.AppendEntry(&c, e); err != nil {
				return err
			}
		}
		if c.LastInbound != base.UnixNano() {
			t.Fatalf("LastInbound after a message, a reply, a call and a note: %d, want %d", c.LastInbound, base.UnixNano())
		}
		other := domain.Conversation{Contact: "15550002222", Status: "open"}
		if _, err := tx.AppendEntry(&other, domain.Entry{At: base.Add(10 * time.Minute), Kind: domain.KindMessage, Text: "later"}); err != nil {
			return err
		}
		if err := tx.PutConversation(other); err != nil {
			return err
		}
		if err := tx.PutConversation(c); err != nil {
			return err
		}
		// merging brings the later message's time along
		if _, err := tx.MoveTimeline("15550002222", &c); err != nil {
			return err
		}
		if c.LastInbound != base.Add(10*time.Minute).UnixNano() {
			t.Fatalf("LastInbound after a merge: %d", c.LastInbound)
		}
		return tx.PutConversation(c)
	})
	view(t, s, func(tx domain.ReadTx) error {
		c, ok, err := tx.Conversation("15550001111")
		if err != nil || !ok || c.LastInbound != base.Add(10*time.Minute).UnixNano() {
			t.Fatalf("stored conversation %+v %v %v", c, ok, err)
		}
		return nil
	})
}

func templatesRoundTrip(t *testing.T, s domain.Store) {
	view(t, s, func(tx domain.ReadTx) error {
		if ts, err := tx.Templates(); err != nil || len(ts) != 0 {
			t.Fatalf("a new store has templates %v %v", ts, err)
		}
		return nil
	})
	want := []domain.Template{
		{Name: "order_update", Language: "en_US", Status: "APPROVED", Category: "UTILITY", Body: "Your order {{1}} ships {{2}}", Params: 2},
		{Name: "hello", Language: "es", Status: "PENDING", Category: "MARKETING", Body: "Hola"},
	}
	update(t, s, func(tx domain.Tx) error { return tx.PutTemplates(want) })
	update(t, s, func(tx domain.Tx) error { return tx.PutTemplates(want[:1]) }) // replaces
	view(t, s, func(tx domain.ReadTx) error {
		ts, err := tx.Templates()
		if err != nil || !slices.Equal(ts, want[:1]) {
			t.Fatalf("templates %v %v, want %v", ts, err, want[:1])
		}
		return nil
	})
}

func deleteContactEmptiesItsOutbox(t *testing.T, s domain.Store) {
	update(t, s, func(tx domain.Tx) error {
		if err := tx.PutContact(domain.Contact{ID: "15550001111", Name: "Dana", Phone: "15550001111"}); err != nil {
			return err
		}
		c := domain.Conversation{Contact: "15550001111", Status: "open"}
		r, err := tx.AppendEntry(&c, domain.Entry{At: base, Kind: domain.KindReply, ID: "sb.15550001111.1", Text: "hello", Delivery: domain.DeliveryQueued})
		if err != nil {
			return err
		}
		if err := tx.PutExtID("sb.15550001111.1", r); err != nil {
			return err
		}
		if err := tx.PutConversation(c); err != nil {
			return err
		}
		if err := tx.PutOutbox(domain.Outgoing{ID: "sb.15550001111.1", State: domain.OutQueued, Due: base}); err != nil {
			return err
		}
		return tx.PutOutbox(domain.Outgoing{ID: "sb.other.1", State: domain.OutQueued, Due: base})
	})
	update(t, s, func(tx domain.Tx) error {
		_, err := tx.DeleteContact("15550001111")
		return err
	})
	view(t, s, func(tx domain.ReadTx) error {
		due, err := tx.DueOutbox(base, 10)
		if err != nil || len(due) != 1 || due[0].ID != "sb.other.1" {
			t.Fatalf("outbox after deleting the contact: %+v %v (want only sb.other.1)", due, err)
		}
		return nil
	})
}

// backlogListsEachTeamOldestFirst: a team's backlog lists the conversations marked Backlog that
// are open with Bot and have no team decision waiting, oldest first (or newest first), with a
// count; a conversation leaves it when it is assigned, closed, moved or a decision waits on it,
// and comes back when the decision is gone.
func backlogListsEachTeamOldestFirst(t *testing.T, s domain.Store) {
	put := func(cs ...domain.Conversation) {
		t.Helper()
		update(t, s, func(tx domain.Tx) error {
			for _, c := range cs {
				if err := tx.PutConversation(c); err != nil {
					return err
				}
			}
			return nil
		})
	}
	bl := func(id, team string, at int64) domain.Conversation {
		return domain.Conversation{Contact: id, Status: "open", Assignee: "bot", Team: team, LastAt: at, Backlog: true}
	}
	put(bl("1", "s", 30), bl("2", "s", 10), bl("3", "t", 20), bl("4", "s", 20),
		domain.Conversation{Contact: "5", Status: "open", Assignee: "bot", Team: "s", LastAt: 5},                                                       // Bot, not backlog
		domain.Conversation{Contact: "6", Status: "closed", Assignee: "bot", Team: "s", LastAt: 1, Backlog: true},                                      // closed
		domain.Conversation{Contact: "7", Status: "open", Assignee: "bob", Team: "s", LastAt: 2, Backlog: true},                                        // a person has it
		domain.Conversation{Contact: "8", Status: "open", Assignee: "bot", Team: "s", LastAt: 3, Backlog: true, Prompt: &domain.Prompt{Target: "bob"}}) // a decision waits
	lists := func(want map[string][]string) {
		t.Helper()
		view(t, s, func(tx domain.ReadTx) error {
			for team, ids := range want {
				q := domain.Query{Backlog: true, OldestFirst: true}
				if team != "*" {
					q.Team = str(team)
				}
				cs, next, err := tx.List(q, "", 100, nil)
				if err != nil || next != "" {
					t.Fatalf("%v: %v %q", q, err, next)
				}
				var got []string
				for _, c := range cs {
					got = append(got, c.Contact)
				}
				if !slices.Equal(got, ids) {
					t.Fatalf("%v lists %v, want %v", q, got, ids)
				}
				if n, err := tx.Count(q); err != nil || n != len(ids) {
					t.Fatalf("%v counts %d (%v), want %d", q, n, err, len(ids))
				}
				if n, _ := tx.CountAfter(q, "", nil); n != len(ids) {
					t.Fatalf("%v: CountAfter %d, want %d", q, n, len(ids))
				}
				newest, _, _ := tx.List(q.Reversed(), "", 100, nil)
				if len(newest) != len(ids) || (len(ids) > 0 && newest[0].Contact != ids[len(ids)-1]) {
					t.Fatalf("%v newest first: %+v", q, newest)
				}
				if len(ids) > 1 { // pages of one, on from the cursor
					first, next, _ := tx.List(q, "", 1, nil)
					rest, _, _ := tx.List(q, next, 100, nil)
					if len(first) != 1 || first[0].Contact != ids[0] || len(rest) != len(ids)-1 || rest[0].Contact != ids[1] {
						t.Fatalf("%v paged: %+v then %+v", q, first, rest)
					}
				}
			}
			return nil
		})
	}
	lists(map[string][]string{"s": {"2", "4", "1"}, "t": {"3"}, "*": {"2", "3", "4", "1"}, "u": nil})
	// 2 is assigned, 4 gets a waiting decision, 3 moves to s, 8's decision is answered
	two, four, three, eight := bl("2", "s", 10), bl("4", "s", 20), bl("3", "s", 20), bl("8", "s", 3)
	two.Assignee, two.Backlog = "carol", false
	four.Prompt = &domain.Prompt{Target: "bob"}
	put(two, four, three, eight)
	lists(map[string][]string{"s": {"8", "3", "1"}, "t": nil, "*": {"8", "3", "1"}})
	four.Prompt = nil // answered (declined an assignment: nothing else changed)
	one := bl("1", "s", 30)
	one.Status = "closed"
	put(four, one)
	lists(map[string][]string{"s": {"8", "3", "4"}, "*": {"8", "3", "4"}})
	update(t, s, func(tx domain.Tx) error {
		if err := tx.PutContact(domain.Contact{ID: "3", Phone: "15550003333"}); err != nil {
			return err
		}
		if gone, err := tx.DeleteContact("3"); err != nil || !gone {
			return fmt.Errorf("delete 3: %v %v", gone, err)
		}
		return nil
	})
	lists(map[string][]string{"s": {"8", "4"}, "*": {"8", "4"}})
}

// presenceSettingsAndCoversRoundTrip: the settings of routing that knows who is there, an
// operator's own capacity (0 and a number are not nil) and a conversation's cover come back as
// they were stored.
func presenceSettingsAndCoversRoundTrip(t *testing.T, s domain.Store) {
	zero, eight := 0, 8
	set := domain.Settings{Plan: routing.PlanBusiness, RoundRobin: true, DefaultTeam: "support", Rules: []domain.Rule{},
		OwnerAwayWait: "10m", Holiday: true, Assignment: "balanced", DefaultMaxOpen: 4,
		Hours: &domain.Hours{TZ: "Europe/Berlin", Mon: []string{"09:00-12:00", "13:00-17:00"}, Sat: []string{"10:00-14:00"}}}
	ops := []domain.Operator{{ID: "a", Name: "A", Role: routing.RoleAdmin, Status: routing.Online, MaxOpen: &zero},
		{ID: "b", Name: "B", Role: routing.RoleOperator, Status: routing.Away, MaxOpen: &eight},
		{ID: "c", Name: "C", Role: routing.RoleOperator, Status: routing.Offline}}
	conv := domain.Conversation{Contact: "1", Status: "open", Assignee: "c", Team: "support", Cover: "b", LastAt: 7}
	update(t, s, func(tx domain.Tx) error {
		if err := tx.PutSettings(set); err != nil {
			return err
		}
		for _, o := range ops {
			if err := tx.PutOperator(o); err != nil {
				return err
			}
		}
		return tx.PutConversation(conv)
	})
	view(t, s, func(tx domain.ReadTx) error {
		got, err := tx.Settings()
		if err != nil || got.OwnerAwayWait != "10m" || !got.Holiday || got.Assignment != "balanced" || got.DefaultMaxOpen != 4 ||
			got.Hours == nil || got.Hours.TZ != "Europe/Berlin" || !slices.Equal(got.Hours.Mon, set.Hours.Mon) ||
			!slices.Equal(got.Hours.Sat, set.Hours.Sat) || len(got.Hours.Sun) != 0 {
			t.Fatalf("settings %+v (hours %+v), %v", got, got.Hours, err)
		}
		os, err := tx.Operators()
		if err != nil || len(os) != 3 {
			t.Fatalf("operators %+v, %v", os, err)
		}
		for i, o := range os {
			w := ops[i]
			if (o.MaxOpen == nil) != (w.MaxOpen == nil) || (o.MaxOpen != nil && *o.MaxOpen != *w.MaxOpen) {
				t.Fatalf("operator %s max_open %v, want %v", o.ID, o.MaxOpen, w.MaxOpen)
			}
		}
		c, ok, err := tx.Conversation("1")
		if err != nil || !ok || c.Cover != "b" || c.Backlog {
			t.Fatalf("conversation %+v %v %v", c, ok, err)
		}
		return nil
	})
}

// workspaceTimersBesideConversationTimers: timers of several kinds, one for the workspace (no
// contact), come due together in time order and are deleted one by one.
func workspaceTimersBesideConversationTimers(t *testing.T, s domain.Store) {
	timers := []domain.Timer{{Due: base.Add(time.Hour), Kind: "hours"}, {Due: base, Kind: "away", Contact: "a", Ref: "3.1.2"},
		{Due: base.Add(time.Hour), Kind: "away", Contact: "b", Ref: "1.5.6"}, {Due: base.Add(time.Minute), Kind: "ring", Contact: "a", Ref: "1.2"}}
	update(t, s, func(tx domain.Tx) error {
		for _, tm := range timers {
			if err := tx.PutTimer(tm); err != nil {
				return err
			}
		}
		return tx.PutTimer(timers[0]) // the same timer twice is one timer
	})
	view(t, s, func(tx domain.ReadTx) error {
		due, err := tx.DueTimers(base.Add(2*time.Hour), 10)
		if err != nil || len(due) != 4 {
			t.Fatalf("due %+v, %v", due, err)
		}
		if due[0] != timers[1] || due[1] != timers[3] || !due[2].Due.Equal(base.Add(time.Hour)) || !due[3].Due.Equal(base.Add(time.Hour)) {
			t.Fatalf("not in time order: %+v", due)
		}
		for _, d := range due {
			if d.Kind == "hours" && (d.Contact != "" || d.Ref != "") {
				t.Fatalf("the workspace timer came back as %+v", d)
			}
		}
		return nil
	})
	update(t, s, func(tx domain.Tx) error { return tx.DeleteTimer(timers[0]) })
	view(t, s, func(tx domain.ReadTx) error {
		due, _ := tx.DueTimers(base.Add(2*time.Hour), 10)
		if len(due) != 3 || slices.Contains(due, timers[0]) {
			t.Fatalf("after deleting the hours timer: %+v", due)
		}
		return nil
	})
}

// iteratorsMayReadInsideTheirCallbacks: what export does, reading each conversation's contact
// and timeline (and more) while walking the conversations, across more than one page of them.
func iteratorsMayReadInsideTheirCallbacks(t *testing.T, s domain.Store) {
	const n = 2500
	update(t, s, func(tx domain.Tx) error {
		for i := 0; i < n; i++ {
			id := fmt.Sprintf("3460000%04d", i)
			if err := tx.PutContact(domain.Contact{ID: id, Phone: id, Name: "C"}); err != nil {
				return err
			}
			c := domain.Conversation{Contact: id, Status: "open"}
			if _, err := tx.AppendEntry(&c, domain.Entry{At: base.Add(time.Duration(i) * time.Second), Kind: domain.KindMessage, Text: "x"}); err != nil {
				return err
			}
			if err := tx.PutConversation(c); err != nil {
				return err
			}
		}
		return nil
	})
	for _, writable := range []bool{false, true} {
		walk := func(tx domain.ReadTx) error {
			convs, contacts := 0, 0
			if err := tx.Conversations(func(c domain.Conversation) error {
				convs++
				if _, ok, err := tx.Contact(c.Contact); err != nil || !ok {
					return fmt.Errorf("contact %s inside Conversations: %v, %v", c.Contact, ok, err)
				}
				es, _, err := tx.Timeline(c.Contact, "", 10)
				if err != nil || len(es) != 1 {
					return fmt.Errorf("timeline of %s inside Conversations: %d entries, %v", c.Contact, len(es), err)
				}
				return nil
			}); err != nil {
				return err
			}
			var inner error
			if err := tx.Contacts(func(c domain.Contact) bool {
				contacts++
				if _, _, err := tx.Conversation(c.ID); err != nil {
					inner = err
					return false
				}
				return true
			}); err != nil {
				return err
			}
			if inner != nil {
				return inner
			}
			if convs != n || contacts != n {
				return fmt.Errorf("walked %d conversations and %d contacts, want %d of each", convs, contacts, n)
			}
			return nil
		}
		if writable {
			update(t, s, func(tx domain.Tx) error { return walk(tx) })
		} else {
			view(t, s, walk)
		}
	}
}
