package inbox

import (
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestSchemaFourFileMigratesToFive opens a file written by the schema-4 code
// (data/bolt/testdata/schema4.bbolt, with its export beside it): the export is the old one with
// the replies that were never sent marked local (echoes and replies a status moved on keep
// their marks), every conversation knows when the customer last wrote (the 24-hour window), the
// outbox is empty, and ids, statuses and timers still work.
func TestSchemaFourFileMigratesToFive(t *testing.T) {
	old := schemaExport(t, 4)
	c := &clock{t: time.Date(2026, 11, 20, 20, 0, 0, 0, time.UTC)}
	s, err := openInbox(schemaFile(t, 4), Options{Now: c.now, NoTimers: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	want := regexp.MustCompile(`("kind":"reply","id":"sb\.[^"]*","by":"[^"]*","text":"[^"]*","delivery":)"sent"`).
		ReplaceAllString(old, `$1"local"`)
	if strings.Count(want, `"delivery":"local"`) != 3 || !strings.Contains(want, `"delivery":"sent","source":"app"`) {
		t.Fatalf("the fixture is not what this test expects: %d local replies", strings.Count(want, `"delivery":"local"`))
	}
	if got := export(t, s); got != want {
		t.Fatalf("export after the migration differs:\n%s", firstDiff(want, got))
	}
	// each conversation's window is 24 hours after its last customer message
	for _, ct := range []string{"34655004005", "US.13491208655302741918", "15550001111"} {
		d := noErr(s.Conversation(ctx, "alice", ct, "", 100))(t)
		var last time.Time
		for _, e := range d.Timeline {
			if e.Kind == KindMessage && e.At.After(last) {
				last = e.At
			}
		}
		if last.IsZero() || !d.Outbound.WindowEnds.Equal(last.Add(ServiceWindow)) {
			t.Fatalf("%s: window ends %v, last message at %v", ct, d.Outbound.WindowEnds, last)
		}
	}
	if box := noErr(s.Outbox(ctx))(t); len(box) != 0 {
		t.Fatalf("the migrated outbox holds %+v", box)
	}
	// a reply that was never sent can be sent now (it is local), ids still dedupe, statuses
	// still find replies, the ringing call's timer still fires
	if found := noErr(s.SetDelivery(ctx, "sb.34655004004.3", "read"))(t); !found {
		t.Fatal("a status for a schema-4 reply found nothing")
	}
	if out := noErr(s.Inject(ctx, Inbound{Channel: "message", From: "34655004005", Text: "thanks", ExternalID: "wamid.fx4.5b"}))(t); !out.Duplicate {
		t.Fatalf("a schema-4 message id is not a duplicate: %+v", out)
	}
	c.t = time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC)
	if n := noErr(s.FireTimers(ctx))(t); n != 1 {
		t.Fatalf("%d timers fired, want the ringing call's", n)
	}
	if _, err := s.Retry(ctx, "alice", "sb.34655004008.3"); KindOf(err) != Unavailable {
		t.Fatalf("retrying a local reply with no sender: %v", err)
	}
}
