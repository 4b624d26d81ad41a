package webhook

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"

	"switchboard/inbox"
)

const gus = "15550004444"

// every message type of the documented format, one per message, in timestamp order
func everyType() ([]obj, []string) {
	media := func(typ string, extra obj) obj {
		m := obj{"id": "media-" + typ, "mime_type": "application/octet-stream", "sha256": "abc="}
		for k, v := range extra {
			m[k] = v
		}
		return m
	}
	msgs := []obj{
		textMsg(gus, "wamid.t1", "1764000001", "hello there"),
		{"type": "image", "image": media("image", obj{"caption": "my broken screen"})},
		{"type": "image", "image": media("image", nil)},
		{"type": "video", "video": media("video", nil)},
		{"type": "audio", "audio": media("audio", obj{"voice": true})},
		{"type": "document", "document": media("document", obj{"filename": "invoice.pdf"})},
		{"type": "document", "document": media("document", obj{"caption": "see attached", "filename": "x.pdf"})},
		{"type": "sticker", "sticker": media("sticker", obj{"animated": false})},
		{"type": "location", "location": obj{"latitude": 37.483307, "longitude": -122.148981, "name": "Philz Coffee", "address": "101 Forest Ave, Palo Alto"}},
		{"type": "location", "location": obj{"latitude": "48.8584", "longitude": "2.2945"}},
		{"type": "contacts", "contacts": []any{obj{"name": obj{"formatted_name": "John Smith", "first_name": "John"},
			"phones": []any{obj{"phone": "+1 (940) 555-1234", "type": "HOME", "wa_id": "19405551234"}}}}},
		{"type": "interactive", "interactive": obj{"type": "button_reply", "button_reply": obj{"id": "change", "title": "Change order"}}},
		{"type": "interactive", "interactive": obj{"type": "list_reply", "list_reply": obj{"id": "row-2", "title": "Express shipping", "description": "1-2 days"}}},
		{"type": "button", "context": obj{"from": "15550783881", "id": "wamid.tmpl"}, "button": obj{"text": "Track my order", "payload": "TRACK"}},
		{"type": "reaction", "reaction": obj{"message_id": "wamid.X", "emoji": "👍"}},
		{"type": "reaction", "reaction": obj{"message_id": "wamid.X"}},
		{"type": "unsupported", "errors": []any{obj{"code": 131051, "title": "Message type unknown"}}, "unsupported": obj{"type": "poll_creation"}},
		{"type": "foo", "foo": obj{"bar": 1}},
	}
	want := []string{"hello there", "[image] my broken screen", "[image]", "[video]", "[audio]", "[document invoice.pdf]", "[document x.pdf] see attached",
		"[sticker]", "[location] Philz Coffee, 101 Forest Ave, Palo Alto 37.483307,-122.148981", "[location] 48.8584,2.2945",
		"[contact] John Smith +1 (940) 555-1234", "Change order", "Express shipping", "Track my order",
		"[reaction 👍 to wamid.X]", "[reaction removed from wamid.X]", "[unsupported message: poll_creation]",
		"[unsupported message: foo]"}
	for i, m := range msgs {
		if i == 0 {
			continue
		}
		m["from"] = gus
		m["id"] = "wamid.t" + string(rune('a'+i))
		m["timestamp"] = 1764000001 + i // numbers here, a string above
	}
	return msgs, want
}

func TestEveryMessageTypeStoredAsTextOrPlaceholder(t *testing.T) {
	s := newService(t)
	h := Handler(s, Options{})
	msgs, want := everyType()
	a := wantCode(t, post(t, h, mustJSON(t, payload(messagesChange(gus, "Gus Lee", msgs...)))), http.StatusOK)
	if a.Result == nil || a.Result.Messages != len(want) || len(a.Result.Skipped) != 0 {
		t.Fatalf("result = %+v", a.Result)
	}
	es := entries(t, s, gus)
	if got := texts(es); !reflect.DeepEqual(got, want) {
		t.Fatalf("stored texts:\n got %q\nwant %q", got, want)
	}
	if es[0].ID != "wamid.t1" || es[0].At.Unix() != 1764000001 || es[1].At.Unix() != 1764000002 {
		t.Fatalf("ids/times not kept: %+v %+v", es[0], es[1])
	}
	d, _ := s.Conversation(ctx, "alice", gus, "", 1)
	if d.Conversation.Contact.Name != "Gus Lee" || d.Conversation.AssigneeID() != "carol" {
		t.Fatalf("contact/routing: %+v", d.Conversation)
	}
}

func TestBatchOfSeveralEntriesAndChangesAppliedInTimestampOrder(t *testing.T) {
	s := newService(t)
	s.SetOutbound(true, "") // the replies go out, so WhatsApp's statuses can be about them
	h := Handler(s, Options{})
	reply, err := s.Reply(ctx, "bob", "15550001111", "hello again")
	if err != nil {
		t.Fatal(err)
	}
	body := obj{"object": "whatsapp_business_account", "entry": []any{
		obj{"id": "1", "changes": []any{
			messagesChange(gus, "Gus Lee", textMsg(gus, "wamid.b3", "1764000030", "third")),
			messagesChange("15550005555", "Hana", textMsg("15550005555", "wamid.h1", 1764000010, "hana one")),
		}},
		obj{"id": "2", "changes": []any{
			messagesChange(gus, "Gus Lee", textMsg(gus, "wamid.b1", 1764000010, "first"), textMsg(gus, "wamid.b2", "1764000020", "second")),
			callsChange(connectCall("wacid.b", gus, "1764000025")),
			statusesChange(statusObj(reply.Entry.ID, "read", "1764000040")),
		}},
	}}
	a := wantCode(t, post(t, h, mustJSON(t, body)), http.StatusOK)
	if r := a.Result; r.Messages != 4 || r.Calls != 1 || r.Statuses != 1 {
		t.Fatalf("result = %+v", r)
	}
	es := entries(t, s, gus)
	got := []string{}
	for _, e := range es {
		got = append(got, string(e.Kind)+":"+e.ID)
	}
	want := []string{"message:wamid.b1", "message:wamid.b2", "call:wacid.b", "message:wamid.b3"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("order %v, want %v", got, want)
	}
	if len(entries(t, s, "15550005555")) != 1 {
		t.Fatal("Hana's message from the second change of the first entry was not stored")
	}
	if e := entries(t, s, "15550001111"); e[len(e)-1].Delivery != "read" {
		t.Fatalf("delivery = %q", e[len(e)-1].Delivery)
	}
}

func TestSameMessageIDStoredOnce(t *testing.T) {
	s := newService(t)
	h := Handler(s, Options{})
	body := mustJSON(t, payload(messagesChange(gus, "Gus", textMsg(gus, "wamid.dup", "1764000001", "once"),
		textMsg(gus, "wamid.dup", "1764000002", "once again"))))
	a := wantCode(t, post(t, h, body), http.StatusOK)
	if a.Result.Messages != 1 || a.Result.Duplicates != 1 {
		t.Fatalf("first post: %+v", a.Result)
	}
	a = wantCode(t, post(t, h, body), http.StatusOK)
	if a.Result.Messages != 0 || a.Result.Duplicates != 2 {
		t.Fatalf("second post: %+v", a.Result)
	}
	if got := texts(entries(t, s, gus)); !reflect.DeepEqual(got, []string{"once"}) {
		t.Fatalf("stored %q", got)
	}
}

// a batch with every kind of event, replayed: the second time (and after a restart) nothing new
func TestReplayStoresNothingNew(t *testing.T) {
	path := t.TempDir() + "/sb.db"
	s := openService(t, path, true)
	s.SetOutbound(true, "") // the replies go out, so WhatsApp's statuses can be about them
	reply, err := s.Reply(ctx, "bob", "15550001111", "we are on it")
	if err != nil {
		t.Fatal(err)
	}
	msgs, _ := everyType()
	body := mustJSON(t, obj{"object": "whatsapp_business_account", "entry": []any{
		obj{"id": "1", "changes": []any{messagesChange(gus, "Gus Lee", msgs...)}},
		obj{"id": "2", "changes": []any{
			callsChange(connectCall("wacid.r1", "15550003333", "1764000100"),
				terminateCall("wacid.r1", "15550003333", "1764000160", "COMPLETED", 60),
				terminateCall("wacid.r2", "15550005555", "1764000170", "FAILED", nil)),
			statusesChange(statusObj(reply.Entry.ID, "delivered", "1764000200")),
		}},
	}})
	h := Handler(s, Options{})
	first := wantCode(t, post(t, h, body), http.StatusOK).Result
	if first.Stored() != len(msgs)+3 || first.Duplicates != 0 || first.Statuses != 1 {
		t.Fatalf("first: %+v", first)
	}
	before := export(t, s)
	second := wantCode(t, post(t, h, body), http.StatusOK).Result
	if second.Stored() != 0 || second.Duplicates != len(msgs)+3 {
		t.Fatalf("second: %+v", second)
	}
	if after := export(t, s); after != before {
		t.Fatalf("the replay changed the workspace:\n%s\n----\n%s", before, after)
	}
	// across a restart: the ids live in the file
	s.Close()
	s2 := openService(t, path, false)
	if _, err := ApplyJSON(ctx, s2, body); err != nil {
		t.Fatal(err)
	}
	if after := export(t, s2); after != before {
		t.Fatal("a replay after a restart changed the workspace")
	}
}

func TestStatusesNeverMoveBackwards(t *testing.T) {
	s := newService(t)
	s.SetOutbound(true, "") // the replies go out, so WhatsApp's statuses can be about them
	h := Handler(s, Options{})
	r1, _ := s.Reply(ctx, "bob", "15550001111", "first reply")
	r2, _ := s.Reply(ctx, "bob", "15550001111", "second reply")
	// read arrives before delivered, in separate posts
	wantCode(t, post(t, h, mustJSON(t, payload(statusesChange(statusObj(r1.Entry.ID, "read", "1764000010"))))), http.StatusOK)
	wantCode(t, post(t, h, mustJSON(t, payload(statusesChange(statusObj(r1.Entry.ID, "delivered", "1764000005"))))), http.StatusOK)
	// and within one batch, out of order and upper-case
	wantCode(t, post(t, h, mustJSON(t, payload(statusesChange(statusObj(r2.Entry.ID, "READ", 1764000010),
		statusObj(r2.Entry.ID, "delivered", 1764000020), statusObj(r2.Entry.ID, "sent", 1764000001))))), http.StatusOK)
	for _, e := range entries(t, s, "15550001111") {
		if e.Kind == "reply" && (e.ID == r1.Entry.ID || e.ID == r2.Entry.ID) && e.Delivery != "read" {
			t.Fatalf("%s delivery = %q, want read", e.ID, e.Delivery)
		}
	}
}

func TestStatusesOnlyPayloadCreatesNoConversation(t *testing.T) {
	s := newService(t)
	h := Handler(s, Options{})
	before := export(t, s)
	a := wantCode(t, post(t, h, mustJSON(t, payload(statusesChange(
		statusObj("wamid.unknown", "delivered", "1764000001"),
		obj{"id": "wamid.unknown2", "status": "failed", "timestamp": "1764000002", "recipient_id": "15550009999",
			"errors": []any{obj{"code": 131047, "title": "Re-engagement message"}}},
		statusObj("wacid.x", "RINGING", "1764000003"))))), http.StatusOK)
	if a.Result.Unknown != 2 || a.Result.Stored() != 0 || len(a.Result.Skipped) != 1 {
		t.Fatalf("result = %+v", a.Result)
	}
	if export(t, s) != before {
		t.Fatal("a statuses-only payload changed the workspace")
	}
}

func TestCalls(t *testing.T) {
	s := newService(t)
	h := Handler(s, Options{})
	send := func(calls ...obj) *Result {
		t.Helper()
		return wantCode(t, post(t, h, mustJSON(t, payload(callsChange(calls...)))), http.StatusOK).Result
	}
	// connect, then terminate answered with its duration (number and string durations)
	if r := send(connectCall("wacid.A", gus, "1764000000")); r.Calls != 1 {
		t.Fatalf("connect: %+v", r)
	}
	es := entries(t, s, gus)
	if len(es) != 1 || es[0].Kind != "call" || es[0].Outcome != "ringing" || es[0].ID != "wacid.A" {
		t.Fatalf("after connect: %+v", es)
	}
	if r := send(terminateCall("wacid.A", gus, "1764000065", "COMPLETED", "65")); r.Calls != 1 {
		t.Fatalf("terminate: %+v", r)
	}
	if r := send(terminateCall("wacid.A", gus, "1764000065", "COMPLETED", "65")); r.Duplicates != 1 || r.Calls != 0 {
		t.Fatalf("terminate again: %+v", r)
	}
	es = entries(t, s, gus)
	if len(es) != 1 || es[0].Outcome != "answered" || es[0].Duration != 65 {
		t.Fatalf("after terminate: %+v", es)
	}
	d, _ := s.Conversation(ctx, "alice", gus, "", 1)
	if d.Conversation.Preview != "Call, answered (1m 05s)" {
		t.Fatalf("preview %q", d.Conversation.Preview)
	}
	// missed: no duration; and status FAILED (lower-case) even with a duration
	send(connectCall("wacid.B", gus, 1764000100), terminateCall("wacid.B", gus, 1764000130, "Completed", nil))
	send(connectCall("wacid.C", gus, 1764000200), terminateCall("wacid.C", gus, 1764000230, "failed", 12))
	es = entries(t, s, gus)
	if len(es) != 3 || es[1].Outcome != "missed" || es[2].Outcome != "missed" || es[2].Duration != 0 {
		t.Fatalf("missed calls: %+v", es)
	}
	// terminate with no connect: a missed call, routed like any inbound call
	if r := send(terminateCall("wacid.D", "15550006666", "1764000300", "FAILED", nil)); r.Calls != 1 {
		t.Fatalf("lone terminate: %+v", r)
	}
	d, err := s.Conversation(ctx, "alice", "15550006666", "", 10)
	if err != nil {
		t.Fatal(err)
	}
	if d.Conversation.Status != "open" || d.Conversation.AssigneeID() != "carol" || d.Conversation.Preview != "Call, missed" {
		t.Fatalf("lone terminate conversation: %+v", d.Conversation)
	}
	// a call the business placed is not inbound: knowingly ignored
	r := send(obj{"id": "wacid.E", "from": "15550783881", "to": gus, "event": "connect", "timestamp": "1764000400", "direction": "BUSINESS_INITIATED"})
	if r.Calls != 0 || len(r.Skipped) != 1 {
		t.Fatalf("business-initiated: %+v", r)
	}
}

func TestInvalidPartsAreSkippedTheRestApplies(t *testing.T) {
	s := newService(t)
	h := Handler(s, Options{})
	a := wantCode(t, post(t, h, mustJSON(t, payload(
		messagesChange("", "", textMsg("not-a-phone", "wamid.bad", "1764000001", "x"),
			obj{"id": "wamid.nofrom", "type": "text", "text": obj{"body": "who?"}},
			obj{"from": gus, "id": "wamid.badtext", "type": "text", "text": "should be an object"},
			textMsg(gus, "wamid.good", "1764000002", "fine")),
		obj{"field": "account_update", "value": obj{"event": "VERIFIED_ACCOUNT"}},
		obj{"field": "messages", "value": "nope"},
	))), http.StatusOK)
	if a.Result.Messages != 1 || len(a.Result.Skipped) != 5 {
		t.Fatalf("result = %+v", a.Result)
	}
}

func TestMalformedOrWrongObjectIs400AndStoresNothing(t *testing.T) {
	s := newService(t)
	h := Handler(s, Options{})
	before := export(t, s)
	valid := `"entry":[{"changes":[{"field":"messages","value":{"messages":[{"from":"15550004444","id":"w1","type":"text","text":{"body":"hi"}}]}}]}]`
	for _, body := range []string{"", "{", "[]", "null", `"whatsapp_business_account"`, "42",
		`{"object":"page",` + valid + `}`, `{` + valid + `}`, `{"object":"whatsapp_business_account","entry":5}`,
		`{"object":"whatsapp_business_account",` + valid + `,}`, `{"object":"whatsapp_business_account",` + valid + `} {}`,
		"\xff\xfe"} {
		a := wantCode(t, post(t, h, []byte(body)), http.StatusBadRequest)
		if a.OK || a.Error == "" {
			t.Fatalf("%q: answer %+v", body, a)
		}
	}
	if export(t, s) != before {
		t.Fatal("a refused payload changed the workspace")
	}
	if _, err := ApplyJSON(ctx, s, []byte("{")); inbox.KindOf(err) != inbox.Invalid {
		t.Fatalf("ApplyJSON of bad JSON: %v", err)
	}
}

func TestSignature(t *testing.T) {
	s := newService(t)
	const secret = "app-secret"
	h := Handler(s, Options{Secret: secret})
	body := mustJSON(t, payload(messagesChange(gus, "Gus", textMsg(gus, "wamid.sig", "1764000001", "signed"))))
	before := export(t, s)
	for name, hdr := range map[string]string{
		"missing":        "",
		"wrong secret":   Sign("other", body),
		"other body":     Sign(secret, append([]byte(" "), body...)),
		"no prefix":      strings.TrimPrefix(Sign(secret, body), "sha256="),
		"sha1":           "sha1=" + strings.TrimPrefix(Sign(secret, body), "sha256="),
		"not hex":        "sha256=zz",
		"truncated":      Sign(secret, body)[:30],
		"upper-case hex": "sha256=" + strings.ToUpper(strings.TrimPrefix(Sign("other", body), "sha256=")),
	} {
		var w *httptest.ResponseRecorder
		if hdr == "" {
			w = post(t, h, body)
		} else {
			w = post(t, h, body, SignatureHeader, hdr)
		}
		if w.Code != http.StatusUnauthorized {
			t.Fatalf("%s: status %d, want 401", name, w.Code)
		}
	}
	if export(t, s) != before {
		t.Fatal("an unsigned post changed the workspace")
	}
	a := wantCode(t, post(t, h, body, SignatureHeader, Sign(secret, body)), http.StatusOK)
	if a.Result.Messages != 1 {
		t.Fatalf("signed post: %+v", a.Result)
	}
	// the signature is checked before parsing: a signed bad body is a 400, an unsigned one 401
	wantCode(t, post(t, h, []byte("{"), SignatureHeader, Sign(secret, []byte("{"))), http.StatusBadRequest)
	wantCode(t, post(t, h, []byte("{")), http.StatusUnauthorized)
}

func TestBodyOver3MBIs413(t *testing.T) {
	s := newService(t)
	h := Handler(s, Options{})
	before := export(t, s)
	// a valid payload padded past the limit
	big := mustJSON(t, payload(messagesChange(gus, "Gus", textMsg(gus, "wamid.big", "1764000001", strings.Repeat("a", MaxBody)))))
	wantCode(t, post(t, h, big), http.StatusRequestEntityTooLarge)
	if export(t, s) != before {
		t.Fatal("a refused payload changed the workspace")
	}
	// just under the limit is read (and the over-long text clipped to the inbox's limit)
	pad := MaxBody - len(mustJSON(t, payload(messagesChange(gus, "Gus", textMsg(gus, "wamid.big", "1764000001", "")))))
	ok := mustJSON(t, payload(messagesChange(gus, "Gus", textMsg(gus, "wamid.big", "1764000001", strings.Repeat("a", pad)))))
	if len(ok) != MaxBody {
		t.Fatalf("len %d", len(ok))
	}
	wantCode(t, post(t, h, ok), http.StatusOK)
	if es := entries(t, s, gus); len([]rune(es[0].Text)) != inbox.MaxText {
		t.Fatalf("text of %d characters stored", len([]rune(es[0].Text)))
	}
}

func TestOtherMethodsAre405(t *testing.T) {
	h := Handler(newService(t), Options{})
	for _, m := range []string{http.MethodPut, http.MethodDelete, http.MethodPatch, http.MethodOptions} {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(m, Path, strings.NewReader("{}")))
		if w.Code != http.StatusMethodNotAllowed || w.Header().Get("Allow") == "" {
			t.Fatalf("%s: %d allow=%q", m, w.Code, w.Header().Get("Allow"))
		}
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodPost, "/other", strings.NewReader("{}")))
	if w.Code != http.StatusNotFound {
		t.Fatalf("other path: %d", w.Code)
	}
}

func TestVerificationHandshake(t *testing.T) {
	h := Handler(newService(t), Options{VerifyToken: "s3cret-token"})
	get := func(h http.Handler, q string) *httptest.ResponseRecorder {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, Path+"?"+q, nil))
		return w
	}
	w := get(h, "hub.mode=subscribe&hub.verify_token=s3cret-token&hub.challenge=1158201444")
	if w.Code != http.StatusOK || w.Body.String() != "1158201444" {
		t.Fatalf("match: %d %q", w.Code, w.Body.String())
	}
	for _, q := range []string{"hub.mode=subscribe&hub.verify_token=wrong&hub.challenge=1",
		"hub.mode=unsubscribe&hub.verify_token=s3cret-token&hub.challenge=1", "hub.challenge=1", ""} {
		if w := get(h, q); w.Code != http.StatusForbidden || w.Body.String() == "1" {
			t.Fatalf("%q: %d %q", q, w.Code, w.Body.String())
		}
	}
	// with no token configured every handshake fails, even an empty token
	noToken := Handler(newService(t), Options{})
	if w := get(noToken, "hub.mode=subscribe&hub.verify_token=&hub.challenge=1"); w.Code != http.StatusForbidden {
		t.Fatalf("empty token: %d", w.Code)
	}
}

// a panic in a handler answers 500 and the server keeps serving
func TestPanicIsRecovered(t *testing.T) {
	var logs bytes.Buffer
	broken := Handler(nil, Options{Log: newTextLogger(&logs)}) // a nil service panics on first use
	srv := httptest.NewServer(broken)
	defer srv.Close()
	body := mustJSON(t, payload(messagesChange(gus, "Gus", textMsg(gus, "wamid.p", "1764000001", "boom"))))
	for i := 0; i < 3; i++ {
		resp, err := http.Post(srv.URL+Path, "application/json", bytes.NewReader(body))
		if err != nil {
			t.Fatalf("post %d: %v", i, err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusInternalServerError {
			t.Fatalf("post %d: %d", i, resp.StatusCode)
		}
	}
	if !strings.Contains(logs.String(), "panic") {
		t.Fatalf("the panic was not logged: %s", logs.String())
	}
	// bad input to the same broken handler never reaches the service: still a 400, not a 500
	resp, err := http.Post(srv.URL+Path, "application/json", strings.NewReader("{"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("bad input: %d", resp.StatusCode)
	}
}

// the inbox failing (here: shut down) is the one case for a 5xx, so that Meta retries
func TestInboxFailureIs5xx(t *testing.T) {
	s := newService(t)
	h := Handler(s, Options{})
	s.Close()
	w := post(t, h, mustJSON(t, payload(messagesChange(gus, "Gus", textMsg(gus, "wamid.c", "1764000001", "closed")))))
	if w.Code != http.StatusServiceUnavailable {
		t.Fatalf("status %d: %s", w.Code, w.Body.String())
	}
	// a statuses-only or empty payload does not need the writer either way
	w = post(t, h, mustJSON(t, payload()))
	if w.Code != http.StatusOK {
		t.Fatalf("empty payload: %d", w.Code)
	}
}

// fakeInbox fails in the ways an inbox can.
type fakeInbox struct{ err error }

func (f fakeInbox) Inject(context.Context, inbox.Inbound) (inbox.Outcome, error) {
	return inbox.Outcome{}, f.err
}
func (f fakeInbox) EndCall(context.Context, inbox.CallEnd) (inbox.Outcome, error) {
	return inbox.Outcome{}, f.err
}
func (f fakeInbox) SetDeliveryStatus(context.Context, inbox.DeliveryReq) (bool, error) {
	return false, f.err
}
func (f fakeInbox) ChangeNumber(context.Context, inbox.NumberChange) (inbox.Outcome, error) {
	return inbox.Outcome{}, f.err
}
func (f fakeInbox) RecordEcho(context.Context, inbox.Echo) (inbox.Outcome, error) {
	return inbox.Outcome{}, f.err
}

func TestOnlyInboxFailuresAre5xx(t *testing.T) {
	body := mustJSON(t, payload(messagesChange(gus, "Gus", textMsg(gus, "wamid.f", "1764000001", "x")),
		statusesChange(statusObj("sb.1.1", "read", 1))))
	for _, c := range []struct {
		err  error
		code int
	}{
		{&inbox.Error{Kind: inbox.Internal, Msg: "could not save to sb.db: disk full"}, http.StatusInternalServerError},
		{&inbox.Error{Kind: inbox.Unavailable, Msg: "shutting down"}, http.StatusServiceUnavailable},
		{context.Canceled, http.StatusInternalServerError},
		{&inbox.Error{Kind: inbox.Invalid, Msg: "bad phone"}, http.StatusOK},
		{&inbox.Error{Kind: inbox.NotFound, Msg: "nope"}, http.StatusOK},
	} {
		w := post(t, Handler(fakeInbox{c.err}, Options{}), body)
		if w.Code != c.code {
			t.Fatalf("%v: %d, want %d: %s", c.err, w.Code, c.code, w.Body.String())
		}
		if c.code == http.StatusOK {
			if a := wantCode(t, w, 200); len(a.Result.Skipped) != 2 {
				t.Fatalf("%v: %+v", c.err, a.Result)
			}
		}
	}
}

// retries can overlap: the same payload posted concurrently is still stored once
func TestConcurrentDuplicatesStoredOnce(t *testing.T) {
	s := newService(t)
	srv := httptest.NewServer(Handler(s, Options{}))
	defer srv.Close()
	body := mustJSON(t, payload(messagesChange(gus, "Gus", textMsg(gus, "wamid.race", "1764000001", "racing")),
		callsChange(connectCall("wacid.race", gus, "1764000002"), terminateCall("wacid.race", gus, "1764000030", "COMPLETED", 28))))
	var wg sync.WaitGroup
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := http.Post(srv.URL+Path, "application/json", bytes.NewReader(body))
			if err != nil {
				t.Error(err)
				return
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Errorf("status %d", resp.StatusCode)
			}
		}()
	}
	wg.Wait()
	es := entries(t, s, gus)
	if len(es) != 2 || es[0].Text != "racing" || es[1].Outcome != "answered" || es[1].Duration != 28 {
		t.Fatalf("stored %+v", es)
	}
}

// TestAStatusMustBeAboutAReplyThatWentToItsRecipient: WhatsApp's status for a reply that never
// left this machine (kept here only: no number configured), or one naming a recipient the
// reply's contact never was, is skipped and listed; the reply's mark does not move. A status
// naming the contact's own number applies.
func TestAStatusMustBeAboutAReplyThatWentToItsRecipient(t *testing.T) {
	s := newService(t)
	h := Handler(s, Options{})
	local, err := s.Reply(ctx, "bob", "15550001111", "kept here only")
	if err != nil {
		t.Fatal(err)
	}
	s.SetOutbound(true, "")
	sent, err := s.Reply(ctx, "bob", "15550001111", "goes out")
	if err != nil {
		t.Fatal(err)
	}
	delivery := func(id string) inbox.Delivery {
		for _, e := range entries(t, s, "15550001111") {
			if e.ID == id {
				return e.Delivery
			}
		}
		t.Fatalf("no entry %s", id)
		return ""
	}
	for _, c := range []struct {
		name, id string
		st       obj
		says     string
	}{
		{"a reply never sent", local.Entry.ID, statusObj(local.Entry.ID, "read", "1764000010"), "was never sent"},
		{"another customer", sent.Entry.ID, obj{"id": sent.Entry.ID, "status": "read", "timestamp": "1764000010", "recipient_id": "15550004444"}, "says it went to +15550004444, but the reply is to Dana Diaz"},
		{"another customer's BSUID", sent.Entry.ID, obj{"id": sent.Entry.ID, "status": "read", "timestamp": "1764000010", "recipient_user_id": "US.999"}, "says it went to US.999"},
	} {
		before := delivery(c.id)
		a := wantCode(t, post(t, h, mustJSON(t, payload(statusesChange(c.st)))), http.StatusOK)
		if r := a.Result; r.Statuses != 0 || len(r.Skipped) != 1 || !strings.Contains(r.Skipped[0].Reason, c.says) {
			t.Fatalf("%s: %+v, want it skipped saying %q", c.name, r, c.says)
		}
		if got := delivery(c.id); got != before {
			t.Fatalf("%s: the reply went %s → %s", c.name, before, got)
		}
	}
	a := wantCode(t, post(t, h, mustJSON(t, payload(statusesChange(statusObj(sent.Entry.ID, "delivered", "1764000020"))))), http.StatusOK)
	if r := a.Result; r.Statuses != 1 || len(r.Skipped) != 0 || delivery(sent.Entry.ID) != inbox.DeliveryDelivered {
		t.Fatalf("the status to the contact's own number: %+v, reply %s", r, delivery(sent.Entry.ID))
	}
}
