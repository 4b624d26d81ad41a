package inbox

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestSchemaTwoFileKeepsItsIDs opens a file written by the schema-2 code (see
// data/bolt/testdata/schema2.bbolt) through the service: after the migration a redelivered message
// or call is still a duplicate, a call ends in place, a lone call end is still one call, and a
// reply's delivery status still finds it.
func TestSchemaTwoFileKeepsItsIDs(t *testing.T) {
	s := newServiceAt(t, schemaFile(t, 2))
	const fixture3 = "15559000003"
	before := noErr(s.Conversation(ctx, "alice", fixture3, "", 100))(t)

	// a redelivery carries its event's own time (the inbound index is kept by day)
	at := func(contact, id string) time.Time {
		t.Helper()
		for _, e := range noErr(s.Conversation(ctx, "alice", contact, "", 100))(t).Timeline {
			if e.ID == id {
				return e.At
			}
		}
		t.Fatalf("no entry %s in %s's timeline", id, contact)
		return time.Time{}
	}
	out := noErr(s.Inject(ctx, Inbound{Channel: "message", From: fixture3, Text: "message 3", ExternalID: "wamid.fixture.3", At: at(fixture3, "wamid.fixture.3")}))(t)
	if !out.Duplicate {
		t.Fatalf("a message id stored by schema 2 is not a duplicate: %+v", out)
	}
	out = noErr(s.EndCall(ctx, CallEnd{From: "15559000005", CallID: "wacid.fixture.5", At: at("15559000005", "wacid.fixture.5").Add(time.Minute), Outcome: CallAnswered, Duration: 12}))(t)
	if out.Duplicate || out.Entry == nil || out.Entry.Outcome != CallAnswered || out.Entry.Duration != 12 {
		t.Fatalf("ending a call connected under schema 2: %+v", out)
	}
	out = noErr(s.EndCall(ctx, CallEnd{From: "15559000000", CallID: "wacid.fixture.0", At: at("15559000000", "wacid.fixture.0").Add(time.Minute), Outcome: CallAnswered, Duration: 30}))(t)
	if !out.Duplicate {
		t.Fatalf("a call end stored by schema 2 is not a duplicate: %+v", out)
	}
	out = noErr(s.EndCall(ctx, CallEnd{From: "15559000001", CallID: "wacid.fixture.lone", At: at("15559000001", "wacid.fixture.lone").Add(time.Minute), Outcome: CallMissed}))(t)
	if !out.Duplicate {
		t.Fatalf("a lone call end stored by schema 2 is not a duplicate: %+v", out)
	}
	after := noErr(s.Conversation(ctx, "alice", fixture3, "", 100))(t)
	if len(after.Timeline) != len(before.Timeline) {
		t.Fatalf("the duplicate added entries: %d → %d", len(before.Timeline), len(after.Timeline))
	}
	var reply string
	for _, e := range after.Timeline {
		if e.Kind == "reply" {
			reply = e.ID
		}
	}
	if found := noErr(s.SetDelivery(ctx, reply, "read"))(t); !found || reply == "" {
		t.Fatalf("the delivery status of reply %q found nothing", reply)
	}
}

// TestInboundTimesTheTimelineCannotOrder: entry keys hold Unix nanoseconds, so an inbound time
// before 1970 (a webhook's bad timestamp) is refused and changes nothing.
func TestInboundTimesTheTimelineCannotOrder(t *testing.T) {
	s := newService(t, true)
	before := export(t, s)
	_, err := s.Inject(ctx, Inbound{Channel: "message", From: danaDiaz, Text: "hi", At: time.Date(1969, 12, 31, 0, 0, 0, 0, time.UTC)})
	wantKind(t, err, Invalid)
	_, err = s.EndCall(ctx, CallEnd{From: danaDiaz, CallID: "c1", Outcome: CallMissed, At: time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC)})
	wantKind(t, err, Invalid)
	if export(t, s) != before {
		t.Fatal("a refused inbound event changed the workspace")
	}
	noErr(s.Inject(ctx, Inbound{Channel: "message", From: danaDiaz, Text: "hi", At: time.Unix(0, 0)}))(t)
}

// After export → import, a call that ended is still ended: its end, redelivered, is a
// duplicate and changes nothing.
func TestImportKeepsCallEndsDuplicates(t *testing.T) {
	s := newService(t, true)
	noErr(s.Inject(ctx, Inbound{Channel: "call", From: danaDiaz, ExternalID: "wacid.9"}))(t)
	noErr(s.EndCall(ctx, CallEnd{From: danaDiaz, CallID: "wacid.9", Outcome: CallAnswered, Duration: 40}))(t)
	doc := export(t, s)
	e := newService(t, false)
	if err := e.Import(ctx, "", strings.NewReader(doc), false); err != nil {
		t.Fatal(err)
	}
	out := noErr(e.EndCall(ctx, CallEnd{From: danaDiaz, CallID: "wacid.9", Outcome: CallAnswered, Duration: 40}))(t)
	if !out.Duplicate {
		t.Fatalf("a call end redelivered after an import was applied again: %+v", out)
	}
	if export(t, e) != doc {
		t.Fatal("the redelivered call end changed the workspace")
	}
}

// After export → import, an echo (a reply sent from the WhatsApp Business app) redelivered is a
// duplicate, as it was before the import: it is not stored twice.
func TestImportKeepsEchoesDuplicates(t *testing.T) {
	s := newService(t, true)
	at := time.Now().Add(-time.Hour).Truncate(time.Second)
	echo := Echo{To: danaDiaz, Text: "sent from the phone", ExternalID: "wamid.echo.1", At: at}
	noErr(s.RecordEcho(ctx, echo))(t)
	doc := export(t, s)
	e := newService(t, false)
	if err := e.Import(ctx, "", strings.NewReader(doc), false); err != nil {
		t.Fatal(err)
	}
	out := noErr(e.RecordEcho(ctx, echo))(t)
	if !out.Duplicate {
		t.Fatalf("an echo redelivered after an import was stored again: %+v", out)
	}
	if export(t, e) != doc {
		t.Fatal("the redelivered echo changed the workspace")
	}
}

// A timeline cursor from outside (the socket, the CLI) that points past every entry gives the
// newest page, as no cursor does.
func TestTimelineCursorPastTheEntries(t *testing.T) {
	s := newService(t, true)
	for i := 0; i < 5; i++ {
		noErr(s.Inject(ctx, Inbound{Channel: "message", From: danaDiaz, Text: fmt.Sprint(i), ExternalID: fmt.Sprintf("w.%d", i)}))(t)
	}
	want := noErr(s.Conversation(ctx, "alice", danaDiaz, "", 3))(t)
	for _, c := range []string{base64.RawURLEncoding.EncodeToString(bytes.Repeat([]byte{0xfe}, 16)), base64.RawURLEncoding.EncodeToString(bytes.Repeat([]byte{0xff}, 16))} {
		got := noErr(s.Conversation(ctx, "alice", danaDiaz, c, 3))(t)
		if len(got.Timeline) != 3 || got.Timeline[2].Text != want.Timeline[2].Text || got.Timeline[0].Text != want.Timeline[0].Text {
			t.Fatalf("cursor %q: %+v, want the newest page %+v", c, got.Timeline, want.Timeline)
		}
	}
}
