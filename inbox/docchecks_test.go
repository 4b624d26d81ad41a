package inbox

import (
	"strings"
	"testing"
	"time"

	"switchboard/inbox/domain"
)

// richService is the fixture with what the consistency checks look at: a reply with an id, an
// ended call, a waiting decision (prompt), notifications and round-robin memory.
func richService(t *testing.T) (*Service, string) {
	t.Helper()
	s := newService(t, true)
	noErr(s.Reply(ctx, "bob", "15550001111", "hello again"))(t)                                                      // reply id sb.15550001111.…
	noErr(s.Inject(ctx, Inbound{Channel: "call", From: "15550002222", Outcome: "missed", ExternalID: "wacid.2"}))(t) // a prompt
	noErr(s.Inject(ctx, Inbound{Channel: "message", From: "15550007777", Text: "hello", ExternalID: "wamid.7"}))(t)  // round robin picks carol
	doc := export(t, s)
	for _, want := range []string{`"kind":"reply","id":"sb.15550001111.`, `"prompts": [` + "\n  {", `"last":{"carol":`, `"unread":1`} {
		if !strings.Contains(doc, want) {
			t.Fatalf("the rich fixture lacks %s:\n%s", want, doc)
		}
	}
	return s, doc
}

// Import refuses a document that would leave the workspace unmanageable or inconsistent,
// naming the field; the workspace is byte-for-byte as before (export before = export after).
func TestImportRefusesInconsistentWorkspaces(t *testing.T) {
	s, doc := richService(t)
	replyID := doc[strings.Index(doc, `"kind":"reply","id":"`)+len(`"kind":"reply","id":"`):]
	replyID = replyID[:strings.IndexByte(replyID, '"')]
	cases := []struct {
		name, from, to string
		all            bool // replace every occurrence
		field, says    string
	}{
		{"no admin", `"role":"admin"`, `"role":"operator"`, true, "operators", "no operator is an admin"},
		{"prompt of an unknown team", `"team":"support","choices"`, `"team":"legal","choices"`, false, "prompts[0].team", `team "legal" not found`},
		{"an inbound id twice", `"id":"wacid.1"`, `"id":"wamid.1"`, false, "conversations[0].timeline[2].id", `"wamid.1" is also the id of conversations[0].timeline[0]`},
		{"an inbound id in two conversations", `"id":"wamid.7"`, `"id":"wamid.1"`, false, ".id", `"wamid.1" is also the id of conversations[`},
		{"a message with an ended call's end id", `"id":"wamid.1"`, `"id":"wacid.1:terminate"`, false, "conversations[0].timeline[2].id", "is also the id of conversations[0].timeline[0]"},
		{"a reply id in two conversations", `"kind":"reply","by":"carol"`, `"kind":"reply","id":"` + replyID + `","by":"carol"`, false,
			"conversations[1].timeline[1].id", "is also the id of conversations[0].timeline["},
		{"an id over the limit", `"id":"wamid.1"`, `"id":"` + strings.Repeat("w", 257) + `"`, false, "conversations[0].timeline[0].id", "is 257 bytes long: 256 at most"},
		{"an id too long for a key", `"id":"wamid.1"`, `"id":"` + strings.Repeat("w", 40000) + `"`, false, "conversations[0].timeline[0].id", "is 40000 bytes long"},
		{"an id with a NUL", `"id":"wamid.1"`, `"id":"wamid.\u00001"`, false, "conversations[0].timeline[0].id", `has a control character (U+0000) in it`},
		{"an id with an escape", `"id":"wamid.1"`, `"id":"wamid.\u001b[2J"`, false, "conversations[0].timeline[0].id", `has a control character (U+001B) in it`},
		{"negative unread", `"unread":1`, `"unread":-1`, false, "conversations[1].unread", "is -1"},
		{"negative duration", `"id":"wacid.1","outcome":"missed"`, `"id":"wacid.1","outcome":"answered","duration":-5`, false, "conversations[0].timeline[2].duration", "is -5"},
		{"negative version", `"version":1`, `"version":-1`, false, "version", "a whole number, 0 or more"},
		{"negative round-robin counter", `"seq":1`, `"seq":-1`, false, "seq", "a whole number, 0 or more"},
		{"notification to nobody", `"to":"alice"`, `"to":"zed"`, false, "notifications[0].to", `operator "zed" not found`},
		{"round-robin memory of nobody", `"last":{"carol":`, `"last":{"zed":`, false, "round_robin.support.last", `operator "zed" not found`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			n := 1
			if c.all {
				n = -1
			}
			bad := strings.Replace(doc, c.from, c.to, n)
			if bad == doc {
				t.Fatalf("%q not in the export", c.from)
			}
			err := refusedUnchanged(t, s, Invalid, c.name, func() error { return s.Import(ctx, "alice", strings.NewReader(bad), true) })
			if !strings.Contains(err.Error(), c.field) || !strings.Contains(err.Error(), c.says) {
				t.Errorf("%q does not name %s and say %q", err, c.field, c.says)
			}
			e := newService(t, false) // nor into an empty workspace
			before := export(t, e)
			if err := e.Import(ctx, "", strings.NewReader(bad), false); KindOf(err) != Invalid || export(t, e) != before {
				t.Errorf("into an empty workspace: %v", err)
			}
		})
	}
	// the document itself imports, and a workspace of no operators at all is fine (anyone may
	// add its first admin)
	e := newService(t, false)
	noErr(0, e.Import(ctx, "", strings.NewReader(doc), false))(t)
	if export(t, e) != doc {
		t.Fatal("the rich document does not round-trip")
	}
	empty := export(t, newService(t, false))
	noErr(0, newService(t, false).Import(ctx, "", strings.NewReader(empty), false))(t)
	// an id with U+FFFD, which a file could take before new ids were refused it, still imports
	// (an old backup loads), and a new message under such an id is refused
	old := strings.Replace(doc, `"id":"wamid.1"`, `"id":"wamid.\ufffd1"`, 1)
	e = newService(t, false)
	noErr(0, e.Import(ctx, "", strings.NewReader(old), false))(t)
	if _, err := e.Inject(ctx, Inbound{Channel: "message", From: "15550001111", Text: "hi", ExternalID: "wamid.\ufffd2"}); KindOf(err) != Invalid {
		t.Fatalf("a new message with U+FFFD in its id: %v", err)
	}
}

// Round-robin memory may still name an operator deleted since (a team's memory is written at
// its next pick): export leaves them out, so the export imports again.
func TestExportLeavesOutRoundRobinMemoryOfDeletedOperators(t *testing.T) {
	s, _ := richService(t)
	noErr(0, s.DeleteOperator(ctx, "alice", "carol"))(t)
	doc := export(t, s)
	if strings.Contains(doc, `"carol":`) {
		t.Fatalf("the export keeps round-robin memory of a deleted operator:\n%s", doc)
	}
	e := newService(t, false)
	noErr(0, e.Import(ctx, "", strings.NewReader(doc), false))(t)
	if export(t, e) != doc {
		t.Fatal("no round trip")
	}
}

// When bbolt refuses a key as too large while a document is written, the error names the field
// (a backstop: validation refuses such a field first).
func TestKeyTooLargeNamesTheField(t *testing.T) {
	s := newService(t, false)
	doc := &Document{Format: Format, Settings: domain.Settings{Plan: "business"},
		Teams:     []domain.Team{{ID: "support", Name: "Support", Members: []string{"alice"}}},
		Operators: []domain.Operator{{ID: "alice", Name: "Alice", Role: "admin", Status: "online"}},
		Contacts:  []DocContact{{ID: "15550001111", Name: "Dana"}},
		Conversations: []DocConversation{{Contact: "15550001111", Status: "open", Team: "support", Timeline: []domain.Entry{
			{At: time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC), Kind: "message", ID: strings.Repeat("x", 40000), Text: "hi"}}}}}
	var got error
	s.db.Update(func(tx domain.Tx) error {
		got = keyTooLarge(doc, writeDocument(tx, doc))
		return got
	})
	if KindOf(got) != Invalid || !strings.Contains(got.Error(), "conversations[0].timeline[0].id: is 40000 bytes long, too long to be stored") {
		t.Fatalf("key too large: %v", got)
	}
}

// TestImportTakesABOMAndNamesALongIDShortly: a document saved with a byte order mark imports as
// it would without; an operator id thousands of characters long is refused with its length and
// its start, not the whole id.
func TestImportTakesABOMAndNamesALongIDShortly(t *testing.T) {
	_, doc := richService(t)
	e := newService(t, false)
	noErr(0, e.Import(ctx, "", strings.NewReader("\ufeff"+doc), false))(t)
	if export(t, e) != doc {
		t.Fatal("the document with a BOM did not import as the document")
	}
	long := strings.Repeat("o", 5000)
	bad := strings.Replace(doc, `"id":"carol"`, `"id":"`+long+`"`, 1)
	if bad == doc {
		t.Fatal(`no "id":"carol" in the export`)
	}
	err := newService(t, false).Import(ctx, "", strings.NewReader(bad), false)
	if KindOf(err) != Invalid || len(err.Error()) > 400 || !strings.Contains(err.Error(), "5000 bytes long: 64 at most") {
		t.Fatalf("a 5000-character id: %d bytes of error: %.300q", len(err.Error()), err)
	}
}
