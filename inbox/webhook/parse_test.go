package webhook

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"switchboard/inbox"
)

func TestTimestampsAsStringsNumbersMillisecondsOrRFC3339(t *testing.T) {
	want := time.Unix(1764000001, 0).UTC()
	for _, raw := range []string{`"1764000001"`, `1764000001`, `1764000001.0`, `"1764000001000"`, `1764000001000`,
		`" 1764000001 "`, `"2025-11-24T16:00:01Z"`} {
		if got := timestamp([]byte(raw)); !got.Equal(want) {
			t.Errorf("%s: %v, want %v", raw, got, want)
		}
	}
	// unusable timestamps read as "none": the inbox uses the time of arrival
	for _, raw := range []string{``, `null`, `"soon"`, `-5`, `0`, `1e300`, `"99999999999999999999"`, `{}`, `[1]`, `true`, `"9999-01-01T00:00:00Z"`} {
		if got := timestamp([]byte(raw)); !got.IsZero() {
			t.Errorf("%s: %v, want zero", raw, got)
		}
	}
}

func TestParseRefusesWrongObject(t *testing.T) {
	for _, body := range []string{`{"object":"instagram","entry":[]}`, `{"entry":[]}`, `{"object":"WHATSAPP_BUSINESS_ACCOUNT"}`} {
		_, err := Parse([]byte(body))
		var pe *ParseError
		if !errors.As(err, &pe) || !strings.Contains(pe.Msg, "whatsapp_business_account") {
			t.Fatalf("%s: %v", body, err)
		}
	}
	b, err := Parse([]byte(`{"object":"whatsapp_business_account"}`))
	if err != nil || len(b.Events)+len(b.Statuses)+len(b.Skipped) != 0 {
		t.Fatalf("empty payload: %+v %v", b, err)
	}
}

func TestParseCallStatusAnyCaseAndOrder(t *testing.T) {
	body := mustJSON(t, payload(callsChange(
		terminateCall("wacid.1", gus, "1764000100", "completed", 30), // before its connect in the payload
		connectCall("wacid.1", gus, "1764000090"),
		terminateCall("wacid.2", gus, "1764000050", "Completed", 0), // earlier than its connect
		connectCall("wacid.2", gus, "1764000060"),
		obj{"id": "wacid.3", "from": gus, "event": "ringing", "timestamp": "1764000001"},
	)))
	b, err := Parse(body)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range b.Events {
		got = append(got, e.ID+" "+e.CallEvent+" "+string(e.Outcome))
	}
	want := "wacid.2 connect ringing|wacid.2 terminate missed|wacid.1 connect ringing|wacid.1 terminate answered"
	if strings.Join(got, "|") != want {
		t.Fatalf("events %q\nwant %q", strings.Join(got, "|"), want)
	}
	if b.Events[3].Duration != 30 || b.Events[3].CallStatus != "COMPLETED" || len(b.Skipped) != 1 {
		t.Fatalf("%+v skipped %+v", b.Events[3], b.Skipped)
	}
}

func TestLongIDsStayIdempotent(t *testing.T) {
	long := "wamid." + strings.Repeat("x", 400)
	if id := externalID(long); len(id) > maxExternalID || id != externalID(long) || id == externalID(long+"y") {
		t.Fatalf("externalID: %q", id)
	}
	s := newService(t)
	body := mustJSON(t, payload(messagesChange(gus, "Gus", textMsg(gus, long, "1764000001", "long id")),
		callsChange(terminateCall("wacid."+strings.Repeat("y", 300), gus, "1764000002", "FAILED", nil))))
	r1, err := ApplyJSON(ctx, s, body)
	if err != nil || r1.Stored() != 2 {
		t.Fatalf("%+v %v", r1, err)
	}
	r2, err := ApplyJSON(ctx, s, body)
	if err != nil || r2.Stored() != 0 || r2.Duplicates != 2 {
		t.Fatalf("%+v %v", r2, err)
	}
}

func TestRequireSecretForAddr(t *testing.T) {
	for _, addr := range []string{"127.0.0.1:8080", "127.9.9.9:1", "[::1]:8080", "localhost:8080", "LOCALHOST:0", "[::ffff:127.0.0.1]:80"} {
		if err := RequireSecretForAddr(addr, ""); err != nil {
			t.Errorf("%s: %v", addr, err)
		}
	}
	for _, addr := range []string{":8080", "0.0.0.0:8080", "[::]:8080", "192.168.1.10:8080", "example.com:80", "localhost.evil.com:80"} {
		err := RequireSecretForAddr(addr, "")
		if inbox.KindOf(err) != inbox.Invalid || !strings.Contains(err.Error(), "--webhook-secret") {
			t.Errorf("%s: %v", addr, err)
		}
		if err := RequireSecretForAddr(addr, "s"); err != nil {
			t.Errorf("%s with a secret: %v", addr, err)
		}
	}
	if err := RequireSecretForAddr("8080", ""); inbox.KindOf(err) != inbox.Invalid {
		t.Errorf("no port: %v", err)
	}
}

func TestServeUntilCancelled(t *testing.T) {
	s := newService(t)
	if _, err := Listen("0.0.0.0:0", ""); err == nil {
		t.Fatal("listening beyond loopback without a secret")
	}
	ln, err := Listen("127.0.0.1:0", "")
	if err != nil {
		t.Fatal(err)
	}
	c, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- Serve(c, ln, Handler(s, Options{})) }()
	body := mustJSON(t, payload(messagesChange(gus, "Gus", textMsg(gus, "wamid.serve", "1764000001", "over the wire"))))
	resp, err := http.Post("http://"+ln.Addr().String()+Path, "application/json", strings.NewReader(string(body)))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Serve: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Serve did not stop")
	}
	if _, err := net.Dial("tcp", ln.Addr().String()); err == nil {
		t.Fatal("still listening after shutdown")
	}
	if got := texts(entries(t, s, gus)); len(got) != 1 || got[0] != "over the wire" {
		t.Fatalf("stored %q", got)
	}
}

// A message or call without an id is skipped and listed, not stored: Meta redelivers until it
// is answered 200, and with no id every delivery of it was stored again.
func TestEventsWithoutAnIDAreSkipped(t *testing.T) {
	s := newService(t)
	body := mustJSON(t, payload(messagesChange(gus, "Gus", textMsg(gus, "", "1764000001", "no id"), textMsg(gus, "  ", "1764000002", "blank id")),
		callsChange(connectCall("", gus, "1764000003"))))
	for range 2 {
		r, err := ApplyJSON(ctx, s, body)
		if err != nil || r.Stored() != 0 || len(r.Skipped) != 3 {
			t.Fatalf("%+v %v", r, err)
		}
		for _, sk := range r.Skipped {
			if !strings.Contains(sk.Reason, "has no id") || !strings.Contains(sk.Reason, "could not be told from a redelivery") {
				t.Fatalf("skipped %+v", sk)
			}
		}
	}
	if _, err := s.Conversation(ctx, "alice", gus, "", 10); inbox.KindOf(err) != inbox.NotFound {
		t.Fatalf("an event without an id made a conversation: %v", err)
	}
}

// A part of the wrong shape is described in the payload's words, not this package's Go types
// ("should be struct { Body webhook.flexString … }").
func TestWrongShapesAreSaidInJSONWords(t *testing.T) {
	body := mustJSON(t, payload(messagesChange(gus, "Gus", obj{"from": gus, "id": "wamid.s1", "type": "text", "text": "hi", "timestamp": "1764000001"})))
	b, err := Parse(body)
	if err != nil || len(b.Skipped) != 1 {
		t.Fatalf("%+v %v", b, err)
	}
	if r := b.Skipped[0].Reason; !strings.Contains(r, "field text should be an object ({…}), not a JSON string") || strings.Contains(r, "struct") || strings.Contains(r, "webhook.") {
		t.Fatalf("reason %q", r)
	}
	_, err = Parse([]byte(`{"object":"whatsapp_business_account","entry":"x"}`))
	if err == nil || strings.Contains(err.Error(), "json.RawMessage") || !strings.Contains(err.Error(), "should be a list") {
		t.Fatalf("entry as a string: %v", err)
	}
	if got := inbox.FormatDuration(2*3600 + 5*60 + 7); got != "2h 05m 07s" {
		t.Fatalf("FormatDuration of 2h5m7s: %q", got)
	}
}
