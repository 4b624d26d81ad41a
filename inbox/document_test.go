package inbox

import (
	"fmt"
	"strings"
	"testing"
)

func TestExportDeterministicAndRoundTrips(t *testing.T) {
	s := newService(t, true)
	noErr(s.Inject(ctx, Inbound{Channel: "message", From: eveOrtiz, Text: "again", ExternalID: "w.9"}))(t) // a prompt
	noErr(s.Inject(ctx, Inbound{Channel: "call", From: "15554440000", Outcome: CallAnswered, Duration: 42}))(t)
	noErr(s.Inject(ctx, Inbound{Channel: "message", From: "15554440000", Text: "after the call"}))(t)
	noErr(s.SetRoundRobin(ctx, "alice", false))(t)
	r := noErr(s.Reply(ctx, "carol", "15554440000", "thanks"))(t)
	noErr(s.SetDelivery(ctx, r.Entry.ID, "read"))(t)
	noErr(0, s.MarkNotificationsRead(ctx, "dana"))(t)
	first, again := export(t, s), export(t, s)
	if first != again {
		t.Fatal("two exports differ")
	}
	for _, key := range []string{`"prompts": [`, `"round_robin": {`, `"settings_history": [`, `"delivery":"read"`, `"read":true`} {
		if !strings.Contains(first, key) {
			t.Fatalf("export lacks %s:\n%s", key, first)
		}
	}
	s2 := newService(t, false)
	noErr(0, s2.Import(ctx, "", strings.NewReader(first), false))(t)
	if second := export(t, s2); second != first {
		t.Fatalf("round trip differs: %s", firstDiff(first, second))
	}
	// idempotency survives the trip
	if out := noErr(s2.Inject(ctx, Inbound{Channel: "message", From: eveOrtiz, Text: "again", ExternalID: "w.9"}))(t); !out.Duplicate {
		t.Fatal("external id forgotten by import")
	}
	// and an empty workspace round-trips too
	e1 := newService(t, false)
	e2 := newService(t, false)
	noErr(0, e2.Import(ctx, "", strings.NewReader(export(t, e1)), false))(t)
	if export(t, e1) != export(t, e2) {
		t.Fatal("empty round trip differs")
	}
}

func TestImportRefusals(t *testing.T) {
	s := newService(t, true)
	doc := export(t, s)
	cases := []struct{ name, from, to, field string }{
		{"format", `"format": "switchboard/v1"`, `"format": "switchboard/v9"`, "format"},
		{"plan", `"plan":"business"`, `"plan":"gold"`, "settings.plan"},
		{"default team", `"default_team":"support"`, `"default_team":"legal"`, "settings.default_team"},
		{"member", `"members":["alice","erin"]`, `"members":["alice","zed"]`, "teams[1].members[1]"},
		{"role", `"role":"admin"`, `"role":"boss"`, "operators[0]"},
		{"contact id", `"id":"15550003333"`, `"id":"1555 0003333"`, "contacts[2].id"},
		{"contact phone", `"phone":"15550003333"`, `"phone":"+1555"`, "contacts[2].identities.phone"},
		{"contact phone twice", `"phone":"15550003333"`, `"phone":"15550002222"`, "contacts[2].identities.phone"},
		{"contact bsuid", `"phone":"15550003333"`, `"phone":"15550003333","bsuid":"US-123"`, "contacts[2].identities.bsuid"},
		{"contact username", `"phone":"15550003333"`, `"phone":"15550003333","username":"@finn park"`, "contacts[2].identities.username"},
		{"owner", `"owner":"erin"`, `"owner":"zed"`, "contacts[1].owner"},
		{"status", `"status":"closed"`, `"status":"snoozed"`, "conversations[1].status"},
		{"team", `"team":"support"`, `"team":"legal"`, "conversations[0].team"},
		{"kind", `"kind":"call"`, `"kind":"fax"`, "conversations[0].timeline[2].kind"},
		{"at", `"at":"2026-11-24T10:00:00Z"`, `"at":"1960-11-24T10:00:00Z"`, "conversations[0].timeline[0].at"},
		{"type", `"round_robin":true`, `"round_robin":"yes"`, "settings.round_robin"},
		{"unknown field", `"format":`, `"colour": 1, "format":`, "colour"},
		{"syntax", `"teams": [`, `"teams": [[`, "syntax error"},
		// where encoding/json alone would name no list index, or no field at all
		{"type in a list", `"status":"closed"`, `"status":5`, "field conversations[1].status should be text (a string), not a number"},
		{"time not text", `"at":"2026-11-24T10:00:00Z"`, `"at":7`, `field conversations[0].timeline[0].at should be a time as text, like "2026-11-24T10:00:00Z"`},
		{"time unreadable", `"at":"2026-11-24T10:00:00Z"`, `"at":"yesterday"`, `field conversations[0].timeline[0].at should be a time as text`},
		{"unknown field in a list", `"members":["alice","erin"]`, `"members":["alice","erin"],"colour":1`, `teams[1] has no field "colour" (its fields: id, members, name)`},
		{"syntax line", `"teams": [`, "\n\n  \"teams\": [,", "syntax error at line "},
	}
	for _, c := range cases {
		bad := strings.Replace(doc, c.from, c.to, 1)
		if bad == doc {
			t.Fatalf("%s: %q not in the export", c.name, c.from)
		}
		err := refusedUnchanged(t, s, Invalid, c.name, func() error { return s.Import(ctx, "alice", strings.NewReader(bad), true) })
		if !strings.Contains(err.Error(), c.field) {
			t.Fatalf("%s: %q does not name %s", c.name, err, c.field)
		}
		// nor into an empty workspace
		e := newService(t, false)
		before := export(t, e)
		if err := e.Import(ctx, "", strings.NewReader(bad), false); KindOf(err) != Invalid || export(t, e) != before {
			t.Fatalf("%s into an empty workspace: %v", c.name, err)
		}
	}
	// the syntax error's line and column exactly: the ',' after the two lines inserted
	at := strings.Index(doc, `"teams": [`)
	line := strings.Count(doc[:at], "\n") + 3
	bad := strings.Replace(doc, `"teams": [`, "\n\n  \"teams\": [,", 1)
	if err := s.Import(ctx, "alice", strings.NewReader(bad), true); !strings.Contains(fmt.Sprint(err), fmt.Sprintf("syntax error at line %d, column 13:", line)) {
		t.Fatalf("syntax error at line %d, column 13: %v", line, err)
	}
	// a duration is text, a map's odd key is quoted, whatever the document holds
	for _, c := range []struct{ from, to, says string }{
		{`"round_robin":true`, `"round_robin":true,"presence_idle":5`, "field settings.presence_idle should be text (a string), not a number"},
		{`"format":`, `"round_robin":{"a\u001b[31m":5},"format":`, `field round_robin["a\x1b[31m"] should be an object`},
	} {
		bad := strings.Replace(doc, c.from, c.to, 1)
		if err := s.Import(ctx, "alice", strings.NewReader(bad), true); !strings.Contains(fmt.Sprint(err), c.says) {
			t.Fatalf("%s: %v", c.to, err)
		}
	}
	// a document cut short, or empty, says so (encoding/json: "unexpected EOF", "EOF")
	for name, bad := range map[string]string{"cut short": doc[:len(doc)/2], "empty": " \n"} {
		err := refusedUnchanged(t, s, Invalid, name, func() error { return s.Import(ctx, "alice", strings.NewReader(bad), true) })
		if want := map[string]string{"cut short": "it was cut short", "empty": "the document is empty"}[name]; !strings.Contains(err.Error(), want) {
			t.Fatalf("%s: %q does not say %q", name, err, want)
		}
	}
	// a workspace with data: no replace → Conflict; replace needs an admin
	refusedUnchanged(t, s, Conflict, "import without replace", func() error { return s.Import(ctx, "alice", strings.NewReader(doc), false) })
	refusedUnchanged(t, s, Forbidden, "replace by an operator", func() error { return s.Import(ctx, "carol", strings.NewReader(doc), true) })
	noErr(s.Inject(ctx, Inbound{Channel: "message", From: "15559990000", Text: "new"}))(t)
	noErr(0, s.Import(ctx, "alice", strings.NewReader(doc), true))(t)
	if export(t, s) != doc {
		t.Fatal("replace did not restore the document")
	}
	checkInvariants(t, s)
}
