package inbox

import (
	"encoding/json"
	"testing"
	"time"

	"switchboard/inbox/domain"
)

// TestSchemaSevenFileMigratesToEight opens a file written by the schema-7 code
// (data/bolt/testdata/schema7.bbolt: the schema-4 fixture opened by that code, then a message
// with an id, a call that rang and was answered, and the message told again; its export beside
// it). Schema 8 keys the inbound ids by day: the export is unchanged, and every message, call end
// and echo of the file told again at its own time is a duplicate that changes nothing.
func TestSchemaSevenFileMigratesToEight(t *testing.T) {
	old := schemaExport(t, 7)
	c := &clock{t: time.Date(2026, 12, 3, 13, 0, 0, 0, time.UTC)}
	s, err := openInbox(schemaFile(t, 7), Options{Now: c.now, NoTimers: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if got := export(t, s); got != old {
		t.Fatalf("export after the migration differs:\n%s", firstDiff(old, got))
	}
	var doc Document
	if err := json.Unmarshal([]byte(old), &doc); err != nil {
		t.Fatal(err)
	}
	told := map[domain.EntryKind]int{}
	for _, dc := range doc.Conversations {
		for _, e := range dc.Timeline {
			if e.ID == "" {
				continue
			}
			var out Outcome
			switch {
			case e.Kind == domain.KindMessage:
				out = noErr(s.Inject(ctx, Inbound{Channel: "message", From: dc.Contact, Text: "again", ExternalID: e.ID, At: e.At}))(t)
			case e.Kind == domain.KindCall && (e.Outcome == CallAnswered || e.Outcome == CallMissed):
				out = noErr(s.Inject(ctx, Inbound{Channel: "call", From: dc.Contact, ExternalID: e.ID, At: e.At, Outcome: e.Outcome, Duration: e.Duration}))(t)
			case e.Kind == domain.KindReply && e.Source == SourceApp:
				out = noErr(s.RecordEcho(ctx, Echo{To: dc.Contact, Text: e.Text, ExternalID: e.ID, At: e.At}))(t)
			default:
				continue
			}
			if !out.Duplicate {
				t.Errorf("%s's %s %q told again at %v is not a duplicate", dc.Contact, e.Kind, e.ID, e.At)
			}
			told[e.Kind]++
		}
	}
	if told[domain.KindMessage] < 15 || told[domain.KindCall] < 2 || told[domain.KindReply] < 1 {
		t.Fatalf("the fixture is not what this test expects: told again %v", told)
	}
	if got := export(t, s); got != old {
		t.Fatalf("the redeliveries changed the workspace:\n%s", firstDiff(old, got))
	}
	// a new message is still stored, and its id is then a duplicate
	in := Inbound{Channel: "message", From: "34655004002", Text: "and now?", ExternalID: "wamid.fx8.new"}
	if out := noErr(s.Inject(ctx, in))(t); out.Duplicate {
		t.Fatal("a new id after the migration is a duplicate")
	}
	if out := noErr(s.Inject(ctx, in))(t); !out.Duplicate {
		t.Fatal("a new id told twice after the migration is stored twice")
	}
}
