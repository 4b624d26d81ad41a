package inbox

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"switchboard/inbox/domain"
	"testing"
	"time"
)

const (
	bsuidA = "US.13491208655302741918"
	bsuidB = "BR.1502576394655843"
)

// TestSchemaThreeFileGetsIdentities opens a file written by the schema-3 code (phone numbers
// were contact ids; data/bolt/testdata/schema3.bbolt, with its export beside it): every contact
// gets its id as its number, is found by it, the ids of its messages still dedupe, and the
// export is the old one with the identities added.
func TestSchemaThreeFileGetsIdentities(t *testing.T) {
	oldExport := schemaExport(t, 3)
	s := newServiceAt(t, schemaFile(t, 3))
	got := export(t, s)
	// the new export is the old one plus each contact's identities (its id as its number)
	withIDs := regexp.MustCompile(`\{"id":"(\d+)","name":("[^"]*"),"owner":([^,]*),"tags":(\[[^\]]*\])\}`).
		ReplaceAllString(oldExport, `{"id":"$1","name":$2,"owner":$3,"tags":$4,"identities":{"phone":"$1"}}`)
	// and schema 5 (4 → 5) marks the replies that were never sent for what they are
	withIDs = strings.ReplaceAll(withIDs, `"delivery":"sent"`, `"delivery":"local"`)
	if got != withIDs {
		t.Fatalf("export after the migration differs:\n%s", firstDiff(withIDs, got))
	}
	cs := noErr(s.Contacts(ctx, "", 1000))(t)
	if len(cs) < 10 {
		t.Fatalf("only %d contacts in the fixture", len(cs))
	}
	for _, c := range cs {
		if c.Phone != c.ID {
			t.Fatalf("contact %s has phone %q", c.ID, c.Phone)
		}
		if f := noErr(s.Contact(ctx, "+"+c.Phone))(t); f.ID != c.ID {
			t.Fatalf("+%s finds %s", c.Phone, f.ID)
		}
	}
	// a message id stored by schema 3 is still a duplicate
	if out := noErr(s.Inject(ctx, Inbound{Channel: "message", From: "+34655000100", Text: "message 0 refund?", ExternalID: "wamid.fx000", At: time.Date(2026, 11, 20, 9, 7, 0, 0, time.UTC)}))(t); !out.Duplicate {
		t.Fatalf("not a duplicate after the migration: %+v", out)
	}
	// a contact without a conversation is found and can gain a BSUID
	out := noErr(s.Inject(ctx, Inbound{Channel: "message", From: "447700900123", BSUID: bsuidA, Text: "hi"}))(t)
	if out.Conversation.Contact.ID != "447700900123" || out.Conversation.Contact.BSUID != bsuidA || out.Conversation.OwnerID() != "carol" {
		t.Fatalf("Zoe Webb after a message with a BSUID: %+v", out.Conversation)
	}
}

func TestContactsAreNamedByAnyIdentity(t *testing.T) {
	s := newService(t, true)
	noErr(s.Inject(ctx, Inbound{Channel: "message", From: "15550009999", BSUID: bsuidA, Username: "@rosa.m", Name: "Rosa", Text: "hi"}))(t)
	for _, name := range []string{"+1 555 000 9999", "15550009999", bsuidA, "@rosa.m", "@ROSA.M"} {
		c, err := s.Contact(ctx, name)
		if err != nil || c.ID != "15550009999" {
			t.Fatalf("%q finds %+v, %v", name, c, err)
		}
	}
	// every command takes any identity
	noErr(s.Assign(ctx, "alice", "@rosa.m", "bob", 0))(t)
	if d := noErr(s.Conversation(ctx, "alice", bsuidA, "", 5))(t); d.Conversation.AssigneeID() != "bob" {
		t.Fatalf("assign by @username: %+v", d.Conversation)
	}
	noErr(s.Reply(ctx, "bob", bsuidA, "Hello Rosa"))(t)
	noErr(s.CloseConversation(ctx, "bob", "@rosa.m", 0))(t)
	// a username two contacts share is refused with the ids, not guessed
	noErr(s.Inject(ctx, Inbound{Channel: "message", From: bsuidB, Username: "rosa.m", Text: "another rosa.m"}))(t)
	_, err := s.Contact(ctx, "@rosa.m")
	wantKind(t, err, Invalid)
	if !strings.Contains(err.Error(), "15550009999") || !strings.Contains(err.Error(), bsuidB) {
		t.Fatalf("ambiguity error = %q", err)
	}
	// search finds usernames and BSUIDs
	if cs := noErr(s.Contacts(ctx, "rosa.m", 10))(t); len(cs) != 2 {
		t.Fatalf("search rosa.m: %+v", cs)
	}
	if cs := noErr(s.Contacts(ctx, "BR.15025", 10))(t); len(cs) != 1 || cs[0].ID != bsuidB {
		t.Fatalf("search by BSUID prefix: %+v", cs)
	}
	// a contact without a number says so
	c := noErr(s.Contact(ctx, bsuidB))(t)
	if c.Phone != "" || c.Number() != TextNoNumber || c.Display() != "@rosa.m" || c.ID != bsuidB {
		t.Fatalf("BSUID-only contact = %+v", c)
	}
}

func TestBadIdentitiesNameTheField(t *testing.T) {
	s := newService(t, true)
	before := export(t, s)
	for _, c := range []struct {
		in   Inbound
		want string
	}{
		{Inbound{Channel: "message", From: "US.12-34", Text: "x"}, "The sender \"US.12-34\" is not a business-scoped user id"},
		{Inbound{Channel: "message", From: "15550009999", BSUID: "1234", Text: "x"}, "The sender's BSUID \"1234\""},
		{Inbound{Channel: "message", From: "15550009999", BSUID: "US." + strings.Repeat("1", 129), Text: "x"}, "129 characters"},
		{Inbound{Channel: "message", From: "15550009999", Username: "rosa m", Text: "x"}, "The sender's username \"rosa m\" has ' '"},
		{Inbound{Channel: "message", From: "15550009999", ParentBSUID: "ENT.1", Text: "x"}, "The sender's parent BSUID"},
		{Inbound{Channel: "message", From: bsuidA, BSUID: bsuidB, Text: "x"}, "give one"},
		{Inbound{Channel: "message", Text: "x"}, "The sender is missing"},
	} {
		_, err := s.Inject(ctx, c.in)
		wantKind(t, err, Invalid)
		if !strings.Contains(err.Error(), c.want) {
			t.Fatalf("%+v: %q does not say %q", c.in, err, c.want)
		}
	}
	for _, name := range []string{"@", "@a b", "US.", "12"} {
		if _, err := s.Contact(ctx, name); KindOf(err) != Invalid {
			t.Fatalf("%q: %v", name, err)
		}
	}
	if export(t, s) != before {
		t.Fatal("bad input changed the workspace")
	}
}

// TestRoutingIsTheSameForBSUIDContacts runs the routing rows on contacts known only by BSUID
// (no number) and on the same contacts known by number: owner, assignee, team and prompts follow
// the contact whatever identity names it.
func TestRoutingIsTheSameForBSUIDContacts(t *testing.T) {
	raw, err := os.ReadFile("testdata/workspace.json")
	if err != nil {
		t.Fatal(err)
	}
	// the same workspace with each contact known by a BSUID alone (no number)
	bsuids := map[string]string{"15550001111": "US.1001", "15550002222": "US.1002", "15550003333": "US.1003"}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	for _, c := range m["contacts"].([]any) {
		c := c.(map[string]any)
		b := bsuids[c["id"].(string)]
		c["id"], c["identities"] = b, map[string]any{"phone": "", "bsuid": b}
	}
	for _, c := range m["conversations"].([]any) {
		c := c.(map[string]any)
		c["contact"] = bsuids[c["contact"].(string)]
	}
	for _, p := range m["prompts"].([]any) {
		p := p.(map[string]any)
		p["contact"] = bsuids[p["contact"].(string)]
	}
	converted, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	doc := string(converted)
	for _, kind := range []string{"phone", "bsuid"} {
		t.Run(kind, func(t *testing.T) {
			s := newService(t, kind == "phone")
			who := func(phone string) string { return phone }
			if kind == "bsuid" {
				noErr(0, s.Import(ctx, "", strings.NewReader(doc), false))(t)
				who = func(phone string) string { return bsuids[phone] }
				if c := noErr(s.Contact(ctx, "US.1002"))(t); c.Phone != "" || c.OwnerID() != "erin" {
					t.Fatalf("fixture contact = %+v", c)
				}
			}
			// row 1: Dana Diaz is open with Bob: stays with Bob
			out := noErr(s.Inject(ctx, Inbound{Channel: "message", From: who("15550001111"), Text: "still there?"}))(t)
			if out.Reason != "active_assignee" || out.Conversation.AssigneeID() != "bob" {
				t.Fatalf("row 1: %s %+v", out.Reason, out.Conversation)
			}
			// row 2b: Eve Ortiz, owner Erin (Sales), closed in Support: a team decision
			out = noErr(s.Inject(ctx, Inbound{Channel: "call", From: who("15550002222"), Outcome: "missed"}))(t)
			if out.Prompt == nil || out.Reason != "owner_team_mismatch" {
				t.Fatalf("row 2b: %s %+v", out.Reason, out)
			}
			acc := noErr(s.Accept(ctx, "erin", who("15550002222"), "sales"))(t)
			if acc.Conversation.Team != "sales" || acc.Conversation.AssigneeID() != "erin" {
				t.Fatalf("accept: %+v", acc.Conversation)
			}
			// row 3: Finn Park has no owner: round robin in Support picks Carol, who becomes owner
			out = noErr(s.Inject(ctx, Inbound{Channel: "message", From: who("15550003333"), Text: "hello"}))(t)
			if out.Conversation.AssigneeID() != "carol" || out.Conversation.OwnerID() != "carol" {
				t.Fatalf("row 3: %s %+v", out.Reason, out.Conversation)
			}
			// row 2a: close and write again: back to the owner
			noErr(s.CloseConversation(ctx, "carol", who("15550003333"), 0))(t)
			out = noErr(s.Inject(ctx, Inbound{Channel: "message", From: who("15550003333"), Text: "me again"}))(t)
			if out.Reason != "owner" || out.Conversation.AssigneeID() != "carol" {
				t.Fatalf("row 2a: %s %+v", out.Reason, out.Conversation)
			}
			// a rule: "refund" goes to Billing for a new customer
			out = noErr(s.Inject(ctx, Inbound{Channel: "message", From: map[string]string{"phone": "15550007777", "bsuid": "US.1007"}[kind], Text: "I want a refund"}))(t)
			if out.Conversation.Team != "billing" || out.Reason != "rule:refunds" {
				t.Fatalf("rule: %s %+v", out.Reason, out.Conversation)
			}
		})
	}
}

func TestACallToldAgainWithItsOutcomeEndsInPlace(t *testing.T) {
	s := newService(t, true)
	noErr(s.Inject(ctx, Inbound{Channel: "call", From: "15550009999", ExternalID: "call-1"}))(t)
	out := noErr(s.Inject(ctx, Inbound{Channel: "call", From: "15550009999", ExternalID: "call-1", Outcome: CallAnswered, Duration: 95}))(t)
	if out.Duplicate || out.Entry == nil || out.Entry.Outcome != CallAnswered || out.Entry.Duration != 95 {
		t.Fatalf("the call did not end in place: %+v", out)
	}
	d := noErr(s.Conversation(ctx, "alice", "15550009999", "", 50))(t)
	calls := 0
	for _, e := range d.Timeline {
		if e.Kind == "call" {
			calls++
		}
	}
	if calls != 1 || d.Conversation.Preview != "Call, answered (1m 35s)" {
		t.Fatalf("%d calls, preview %q", calls, d.Conversation.Preview)
	}
	// told a third time the same way: a duplicate
	if out := noErr(s.Inject(ctx, Inbound{Channel: "call", From: "15550009999", ExternalID: "call-1", Outcome: CallAnswered, Duration: 95}))(t); !out.Duplicate {
		t.Fatalf("third time: %+v", out)
	}
}

func TestARingingCallIsMarkedMissedAfterTheRingTimeout(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sb.db")
	now := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	s, err := openInbox(path, Options{Now: clock, NoTimers: true})
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile("testdata/workspace.json")
	noErr(0, s.Import(ctx, "", bytes.NewReader(raw), false))(t)
	noErr(s.Inject(ctx, Inbound{Channel: "call", From: "15550009999", ExternalID: "ring-1"}))(t)
	noErr(s.Inject(ctx, Inbound{Channel: "call", From: "15550008888", ExternalID: "ring-2"}))(t)
	noErr(s.EndCall(ctx, CallEnd{From: "15550008888", CallID: "ring-2", Outcome: CallAnswered, Duration: 5}))(t)
	// never early
	now = now.Add(DefaultRingTimeout - time.Second)
	if n := noErr(s.FireTimers(ctx))(t); n != 0 {
		t.Fatalf("%d timers fired before their time", n)
	}
	if d := noErr(s.Conversation(ctx, "alice", "15550009999", "", 5))(t); d.Conversation.Preview != "Call, ringing" {
		t.Fatalf("preview %q", d.Conversation.Preview)
	}
	// a timer that comes due while nothing runs fires when the inbox opens again, once
	s.Close()
	now = now.Add(time.Hour)
	s, err = openInbox(path, Options{Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	deadline := time.Now().Add(10 * time.Second)
	for {
		d := noErr(s.Conversation(ctx, "alice", "15550009999", "", 5))(t)
		if d.Conversation.Preview == "Call, missed" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the ringing call was not marked missed on start: %q", d.Conversation.Preview)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if n := noErr(s.FireTimers(ctx))(t); n != 0 {
		t.Fatalf("%d timers fired twice", n)
	}
	// the call that ended is untouched
	if d := noErr(s.Conversation(ctx, "alice", "15550008888", "", 5))(t); d.Conversation.Preview != "Call, answered (5s)" {
		t.Fatalf("ended call now %q", d.Conversation.Preview)
	}
}

func TestSaveAndDeleteContactsByAnyIdentity(t *testing.T) {
	s := newService(t, true)
	c := noErr(s.SaveContact(ctx, "alice", domain.Contact{ID: bsuidA, Name: "Rosa"}))(t)
	if c.ID != bsuidA || c.BSUID != bsuidA || c.Phone != "" {
		t.Fatalf("added %+v", c)
	}
	c = noErr(s.SaveContact(ctx, "alice", domain.Contact{ID: bsuidA, Name: "Rosa Martín", Tags: []string{"vip"}}))(t)
	if c.Name != "Rosa Martín" || c.ID != bsuidA {
		t.Fatalf("edited %+v", c)
	}
	noErr(0, s.DeleteContact(ctx, "alice", bsuidA))(t)
	if _, err := s.Contact(ctx, bsuidA); KindOf(err) != NotFound {
		t.Fatalf("after delete: %v", err)
	}
	// the BSUID is free again: a message with it starts a new contact
	out := noErr(s.Inject(ctx, Inbound{Channel: "message", From: bsuidA, Text: "hi again"}))(t)
	if out.Conversation.Contact.BSUID != bsuidA {
		t.Fatalf("after delete, a new message: %+v", out.Conversation.Contact)
	}
}

// FuzzIdentities: whatever a payload or a person types as an identity, parsing never panics,
// accepts only well-formed identities (and gives them back unchanged when parsed again), and
// looking a contact up by it either finds one or says why not — never an internal error.
func FuzzIdentities(f *testing.F) {
	for _, seed := range [][3]string{
		{"+1 555 000 9999", "", ""}, {bsuidA, "", "rosa.m"}, {"15550009999", bsuidB, "@x_y"}, {"US.ENT.1", "", ""},
		{"US.", "", ""}, {"@", "", ""}, {"us.abc", "US.abc\x00", "é"}, {"", "", ""}, {"12", "XX.1", "a b"},
	} {
		f.Add(seed[0], seed[1], seed[2])
	}
	s := newService(f, true)
	f.Fuzz(func(t *testing.T, from, bsuid, username string) {
		id, err := parseIdentities(from, bsuid, "", username)
		if err != nil {
			if KindOf(err) != Invalid {
				t.Fatalf("%q %q %q: %v", from, bsuid, username, err)
			}
		} else {
			if id.empty() {
				t.Fatalf("%q %q %q: accepted with no identity", from, bsuid, username)
			}
			if id.phone != "" {
				if p, err := NormalizePhone(id.phone); err != nil || p != id.phone {
					t.Fatalf("phone %q not canonical", id.phone)
				}
			}
			if id.bsuid != "" {
				if b, err := ParseBSUID("x", id.bsuid); err != nil || b != id.bsuid || len(b) > MaxBSUID {
					t.Fatalf("BSUID %q not canonical", id.bsuid)
				}
			}
			if id.username != "" {
				if u, err := ParseUsername("x", id.username); err != nil || u != id.username || strings.HasPrefix(u, "@") {
					t.Fatalf("username %q not canonical", id.username)
				}
			}
		}
		for _, name := range []string{from, bsuid, "@" + username} {
			if _, err := s.Contact(ctx, name); err != nil && KindOf(err) != NotFound && KindOf(err) != Invalid {
				t.Fatalf("Contact(%q): %v", name, err)
			}
		}
	})
}

// TestPromptsShowTheOwnersTeamsNow: a waiting decision offers the teams the owner is in now, not
// those of when it was raised (an owner in no team then, added to one since).
func TestPromptsShowTheOwnersTeamsNow(t *testing.T) {
	s := newService(t, true)
	noErr(0, s.RemoveMember(ctx, "alice", "sales", "erin"))(t) // Erin is in no team
	// Eve Ortiz, owner Erin, closed in Support: a call raises the decision, with no team to offer
	out := noErr(s.Inject(ctx, Inbound{Channel: "call", From: "15550002222", Outcome: "missed"}))(t)
	if len(out.Prompt.Choices) != 0 || !strings.Contains(out.Prompt.Question, "is in no team") {
		t.Fatalf("prompt = %+v", out.Prompt)
	}
	noErr(0, s.AddMember(ctx, "alice", "billing", "erin"))(t)
	ps := noErr(s.Prompts(ctx, "erin"))(t)
	if len(ps) != 1 || strings.Join(ps[0].Choices, ",") != "billing" || !strings.Contains(ps[0].Question, "(Billing)") {
		t.Fatalf("prompt now = %+v", ps)
	}
	noErr(s.Accept(ctx, "erin", "15550002222", ps[0].Choices[0]))(t)
}

// TestAParentBSUIDOfAnotherContactIsNotTaken: a message whose parent BSUID is another
// contact's is stored with its own contact, and the parent id stays where it was.
func TestAParentBSUIDOfAnotherContactIsNotTaken(t *testing.T) {
	s := newService(t, true)
	noErr(s.Inject(ctx, Inbound{Channel: "message", From: bsuidA, ParentBSUID: "US.ENT.1", Text: "one"}))(t)
	noErr(s.Inject(ctx, Inbound{Channel: "message", From: bsuidB, Text: "two"}))(t)
	out := noErr(s.Inject(ctx, Inbound{Channel: "message", From: bsuidB, ParentBSUID: "US.ENT.1", Text: "three"}))(t)
	if out.Conversation.Contact.ID != bsuidB || out.Conversation.Contact.ParentBSUID != "" {
		t.Fatalf("contact = %+v", out.Conversation.Contact)
	}
	if c := noErr(s.Contact(ctx, "US.ENT.1"))(t); c.ID != bsuidA {
		t.Fatalf("the parent id moved to %s", c.ID)
	}
}

// A number as people paste it: a leading +, spaces, dashes and parentheses around the area code.
func TestNormalizePhoneTakesWhatPeoplePaste(t *testing.T) {
	for _, in := range []string{"+49 (151) 12345007", "+49-151-1234-5007", "4915112345007", " +49 151 12345007 "} {
		if got, err := NormalizePhone(in); err != nil || got != "4915112345007" {
			t.Errorf("NormalizePhone(%q) = %q, %v", in, got, err)
		}
	}
	if _, err := NormalizePhone("+49 151 1234.5007"); err == nil || !strings.Contains(err.Error(), "parentheses are fine") {
		t.Errorf("a dot: %v", err)
	}
}
