package whatsapp_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"switchboard/inbox"
	"switchboard/inbox/domain"
	"switchboard/inbox/webhook"
	"switchboard/inbox/whatsapp"
	"switchboard/inbox/whatsapp/fakegraph"
)

var ctx = context.Background()

const (
	dana   = "15550001111" // Dana Diaz, wrote at 10:00 on the fixture's day
	token  = "EAAtest-token"
	secret = "app-secret"
	rosa   = "US.13491208655302741918"
)

// rig is a workspace with a sender pointed at a fake Graph API whose status webhooks come back,
// signed, through the real webhook handler.
type rig struct {
	svc  *inbox.Service
	fake *fakegraph.Fake
	hook *httptest.Server
	now  *clock
	tok  *tokenBox
}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

type tokenBox struct {
	mu sync.Mutex
	v  string
}

func (b *tokenBox) get() (string, error) { b.mu.Lock(); defer b.mu.Unlock(); return b.v, nil }
func (b *tokenBox) set(v string)         { b.mu.Lock(); b.v = v; b.mu.Unlock() }

func newRig(t *testing.T, script func(fakegraph.Message) fakegraph.Action) *rig {
	t.Helper()
	c := &clock{t: time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)}
	svc, err := openInbox(filepath.Join(t.TempDir(), "sb.db"), inbox.Options{Now: c.Now, NoTimers: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { svc.Close() })
	raw, err := os.ReadFile("../testdata/workspace.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.Import(ctx, "", strings.NewReader(string(raw)), false); err != nil {
		t.Fatal(err)
	}
	r := &rig{svc: svc, now: c, tok: &tokenBox{v: token}}
	r.hook = httptest.NewServer(webhook.Handler(svc, webhook.Options{Secret: secret}))
	t.Cleanup(r.hook.Close)
	r.fake = &fakegraph.Fake{Token: token, Version: "v23.0", Script: script, Secret: secret, Statuses: fakegraph.PostTo(r.hook.URL + "/webhook")}
	if _, err := r.fake.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(r.fake.Close)
	return r
}

func (r *rig) client() *whatsapp.Client {
	return whatsapp.NewClient(whatsapp.Config{BaseURL: r.fake.URL(), Version: "v23.0", PhoneID: "106540352242922", WABAID: "102290129340398",
		Token: r.tok.get, Timeout: 2 * time.Second})
}

// start runs a sender with tiny backoffs on the rig's clock for the test.
func (r *rig) start(t *testing.T, opt whatsapp.Options) {
	t.Helper()
	opt.Now = r.now.Now
	if opt.BackoffBase == 0 {
		opt.BackoffBase = time.Millisecond
	}
	if opt.Rand == nil {
		opt.Rand = func() float64 { return 0.5 }
	}
	stop := whatsapp.Start(r.svc, r.client(), opt)
	t.Cleanup(stop)
	waitFor(t, "the sender to start", func() bool { return configured(r.svc) })
}

func configured(svc *inbox.Service) bool {
	d, err := svc.Conversation(ctx, "alice", dana, "", 1)
	return err == nil && d.Outbound.Configured
}

func waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	end := time.Now().Add(10 * time.Second)
	for !ok() {
		if time.Now().After(end) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func (r *rig) entry(t *testing.T, contact, id string) domain.Entry {
	t.Helper()
	d, err := r.svc.Conversation(ctx, "alice", contact, "", 100)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range d.Timeline {
		if e.ID == id {
			return e
		}
	}
	t.Fatalf("no entry %s in %s's timeline", id, contact)
	return domain.Entry{}
}

func (r *rig) reply(t *testing.T, contact, text string) string {
	t.Helper()
	out, err := r.svc.Reply(ctx, "alice", contact, text)
	if err != nil {
		t.Fatal(err)
	}
	return out.Entry.ID
}

func (r *rig) waitDelivery(t *testing.T, contact, id string, want domain.Delivery) domain.Entry {
	t.Helper()
	var e domain.Entry
	waitFor(t, id+" to be "+string(want), func() bool { e = r.entry(t, contact, id); return e.Delivery == want })
	return e
}

func TestAReplyGoesOutAndItsStatusesComeBack(t *testing.T) {
	r := newRig(t, nil)
	r.start(t, whatsapp.Options{})
	out, err := r.svc.SendReply(ctx, "alice", inbox.ReplyReq{Contact: dana, Text: "Your parcel ships today", Answers: "wamid.1"})
	if err != nil {
		t.Fatal(err)
	}
	if out.Entry.Delivery != domain.DeliveryQueued {
		t.Fatalf("a reply with a sender running is %q, want queued", out.Entry.Delivery)
	}
	e := r.waitDelivery(t, dana, out.Entry.ID, domain.DeliveryRead) // sent → delivered → read, by signed webhooks
	msgs := r.fake.Messages()
	if len(msgs) != 1 {
		t.Fatalf("the fake got %d messages, want 1", len(msgs))
	}
	m := msgs[0]
	if m.To != dana || m.Recipient != "" || m.Type != "text" || m.Text != "Your parcel ships today" || m.Callback != out.Entry.ID || m.Context != "wamid.1" {
		t.Fatalf("the message sent: %+v", m)
	}
	if m.Raw["messaging_product"] != "whatsapp" {
		t.Fatalf("messaging_product = %v", m.Raw["messaging_product"])
	}
	if e.WAMID != m.WAMID || e.Error != "" {
		t.Fatalf("the reply keeps wamid %q (want %q), error %q", e.WAMID, m.WAMID, e.Error)
	}
	if box, _ := r.svc.Outbox(ctx); len(box) != 0 {
		t.Fatalf("the outbox still holds %+v", box)
	}
}

func TestACustomerWhoHidesTheirNumberIsAddressedByBSUID(t *testing.T) {
	r := newRig(t, nil)
	if _, err := r.svc.Inject(ctx, inbox.Inbound{Channel: "message", From: rosa, Username: "rosa.m", Text: "hola"}); err != nil {
		t.Fatal(err)
	}
	r.start(t, whatsapp.Options{})
	id := r.reply(t, rosa, "Hola Rosa")
	r.waitDelivery(t, rosa, id, domain.DeliveryRead)
	m := r.fake.Messages()[0]
	if m.To != "" || m.Recipient != rosa {
		t.Fatalf("a BSUID-only customer was sent to=%q recipient=%q, want recipient %s and no to", m.To, m.Recipient, rosa)
	}
}

func TestABadTokenIsRefusedByTheFake(t *testing.T) {
	r := newRig(t, nil)
	r.tok.set("wrong")
	_, err := r.client().Send(ctx, inbox.Send{ID: "sb.x.1", To: dana, Text: "hi"})
	class, why := whatsapp.Classify(err)
	if class != whatsapp.Auth || !strings.Contains(why, "190") {
		t.Fatalf("a wrong token: %v → %v %q", err, class, why)
	}
}

func TestPermanentErrorsFailWithWhatToDo(t *testing.T) {
	r := newRig(t, func(m fakegraph.Message) fakegraph.Action {
		return fakegraph.Action{Code: 131047, Title: "Re-engagement message"}
	})
	r.start(t, whatsapp.Options{})
	id := r.reply(t, dana, "late answer")
	e := r.waitDelivery(t, dana, id, domain.DeliveryFailed)
	if !strings.Contains(e.Error, "131047") || !strings.Contains(e.Error, "template") {
		t.Fatalf("the failure says %q", e.Error)
	}
	if n := len(r.fake.Messages()); n != 1 {
		t.Fatalf("a permanent error was tried %d times", n)
	}
	ns, _ := r.svc.Notifications(ctx, "alice", false)
	if len(ns) == 0 || !strings.Contains(ns[0].Text, "not delivered") {
		t.Fatalf("the author was not told: %+v", ns)
	}
	// retry by hand: queued again, and this time it goes
	r.fake.SetScript(nil)
	if _, err := r.svc.Retry(ctx, "alice", id); err != nil {
		t.Fatal(err)
	}
	r.waitDelivery(t, dana, id, domain.DeliveryRead)
}

func TestThrottlingAndServerErrorsAreRetried(t *testing.T) {
	var mu sync.Mutex
	tries := map[string]int{}
	r := newRig(t, func(m fakegraph.Message) fakegraph.Action {
		mu.Lock()
		defer mu.Unlock()
		tries[m.Text]++
		switch {
		case m.Text == "throttled" && tries[m.Text] <= 2:
			return fakegraph.Action{Code: 130429, Title: "Rate limit hit"}
		case m.Text == "server" && tries[m.Text] == 1:
			return fakegraph.Action{Status: 500, Title: "Internal Server Error"}
		}
		return fakegraph.Action{}
	})
	r.start(t, whatsapp.Options{})
	a, b := r.reply(t, dana, "throttled"), r.reply(t, dana, "server")
	// the backoff waits on the sender's clock: move it on until both went
	waitFor(t, "both replies to go out", func() bool {
		r.now.Add(time.Second)
		return r.entry(t, dana, a).Delivery == domain.DeliveryRead && r.entry(t, dana, b).Delivery == domain.DeliveryRead
	})
	mu.Lock()
	defer mu.Unlock()
	if tries["throttled"] != 3 || tries["server"] != 2 {
		t.Fatalf("tries: %v (want 3 for the throttled one, 2 for the 500)", tries)
	}
	accepted := 0
	for _, m := range r.fake.Messages() {
		if m.WAMID != "" {
			accepted++
		}
	}
	if accepted != 2 {
		t.Fatalf("%d messages accepted, want 2 (each once)", accepted)
	}
}

func TestARefusedTokenPausesTheQueueAndTellsAdmins(t *testing.T) {
	r := newRig(t, nil)
	r.tok.set("expired")
	r.start(t, whatsapp.Options{PauseRetry: time.Minute})
	id := r.reply(t, dana, "hello")
	waitFor(t, "the queue to pause", func() bool {
		d, _ := r.svc.Conversation(ctx, "alice", dana, "", 1)
		return strings.Contains(d.Outbound.Paused, "190")
	})
	if e := r.entry(t, dana, id); e.Delivery != domain.DeliveryQueued {
		t.Fatalf("a reply refused for the token is %q, want still queued", e.Delivery)
	}
	for _, admin := range []string{"alice", "dana"} {
		ns, _ := r.svc.Notifications(ctx, admin, false)
		if len(ns) != 1 || !strings.Contains(ns[0].Text, "Sending paused") {
			t.Fatalf("admin %s was told %+v", admin, ns)
		}
	}
	if ns, _ := r.svc.Notifications(ctx, "carol", false); len(ns) != 0 {
		t.Fatalf("an operator was told %+v", ns)
	}
	second := r.reply(t, dana, "second")
	time.Sleep(50 * time.Millisecond)
	if n := r.fake.Requests(); n != 1 {
		t.Fatalf("while paused the sender made %d requests, want 1: %+v", n, r.fake.Messages())
	}
	// the token is fixed (a file rewritten); after PauseRetry both go
	r.tok.set(token)
	r.now.Add(time.Minute + time.Second)
	r.waitDelivery(t, dana, id, domain.DeliveryRead)
	r.waitDelivery(t, dana, second, domain.DeliveryRead)
	if d, _ := r.svc.Conversation(ctx, "alice", dana, "", 1); d.Outbound.Paused != "" {
		t.Fatalf("still paused: %q", d.Outbound.Paused)
	}
}

// A connection cut after the body was read: the reply is unknown, not resent blindly; the
// status that comes back (naming our id in biz_opaque_callback_data) settles it, and it is
// never sent again.
func TestALostAnswerIsUnknownUntilAStatusNamesIt(t *testing.T) {
	var held [][]byte
	var mu sync.Mutex
	cut := true
	r := newRig(t, func(m fakegraph.Message) fakegraph.Action {
		mu.Lock()
		defer mu.Unlock()
		if cut {
			cut = false
			return fakegraph.Action{Cut: true}
		}
		return fakegraph.Action{}
	})
	r.start(t, whatsapp.Options{UnknownWait: time.Hour})
	id := r.reply(t, dana, "did it arrive?")
	e := r.waitDelivery(t, dana, id, domain.DeliveryUnknown)
	if !strings.Contains(e.Error, "unless WhatsApp reports it first") {
		t.Fatalf("unknown says %q", e.Error)
	}
	if _, err := r.svc.Retry(ctx, "alice", id); inbox.KindOf(err) != inbox.Conflict {
		t.Fatalf("retrying an unknown reply by hand: %v", err)
	}
	// Meta's status for the message it did get (its wamid we never saw, our id as callback)
	st := map[string]any{"object": "whatsapp_business_account", "entry": []any{map[string]any{"id": "W", "changes": []any{map[string]any{
		"field": "messages", "value": map[string]any{"statuses": []any{map[string]any{"id": "wamid.LOST1", "status": "delivered",
			"timestamp": "1795521700", "recipient_id": dana, "biz_opaque_callback_data": id}}}}}}}}
	raw, _ := json.Marshal(st)
	held = append(held, raw)
	if _, err := webhook.ApplyJSON(ctx, r.svc, held[0]); err != nil {
		t.Fatal(err)
	}
	e = r.entry(t, dana, id)
	if e.Delivery != domain.DeliveryDelivered || e.WAMID != "wamid.LOST1" {
		t.Fatalf("after its status: %+v", e)
	}
	r.now.Add(2 * time.Hour) // past the wait: nothing is resent
	time.Sleep(100 * time.Millisecond)
	if n := len(r.fake.Messages()); n != 1 {
		t.Fatalf("the fake got %d messages, want the one that was cut", n)
	}
	// a later read status finds it by the wamid it learned
	if found, _ := r.svc.SetDeliveryStatus(ctx, inbox.DeliveryReq{ID: "wamid.LOST1", Status: "read"}); !found {
		t.Fatal("the learned wamid finds nothing")
	}
}

// With no status within the wait, an unknown reply is sent once more (the duplicate the docs
// name), and then settles.
func TestAnUnknownReplyIsResentOnceAfterTheWait(t *testing.T) {
	var mu sync.Mutex
	n := 0
	r := newRig(t, func(m fakegraph.Message) fakegraph.Action {
		mu.Lock()
		defer mu.Unlock()
		n++
		if n == 1 {
			return fakegraph.Action{Cut: true}
		}
		return fakegraph.Action{}
	})
	r.fake.Statuses = nil // no webhooks come back
	r.start(t, whatsapp.Options{UnknownWait: 10 * time.Minute})
	id := r.reply(t, dana, "hello?")
	r.waitDelivery(t, dana, id, domain.DeliveryUnknown)
	time.Sleep(50 * time.Millisecond)
	if got := len(r.fake.Messages()); got != 1 {
		t.Fatalf("resent before the wait: %d", got)
	}
	r.now.Add(10*time.Minute + time.Second)
	r.waitDelivery(t, dana, id, domain.DeliverySent)
	time.Sleep(50 * time.Millisecond)
	if got := len(r.fake.Messages()); got != 2 {
		t.Fatalf("the fake got %d messages, want 2 (the cut one and one resend)", got)
	}
}

// A status can arrive before the sender records WhatsApp's answer (a fast webhook): the mark
// is kept, never moved back to sent.
func TestAStatusBeforeTheAnswerIsKept(t *testing.T) {
	r := newRig(t, nil)
	r.svc.SetOutbound(true, "") // as a sender does, without one running: this test claims by hand
	id := r.reply(t, dana, "fast")
	claims, err := r.svc.ClaimOutbox(ctx, 10)
	if err != nil || len(claims) != 1 || claims[0].ID != id || claims[0].To != dana || claims[0].Attempt != 1 {
		t.Fatalf("claims %+v %v", claims, err)
	}
	if again, _ := r.svc.ClaimOutbox(ctx, 10); len(again) != 0 {
		t.Fatalf("a reply in flight was claimed twice: %+v", again)
	}
	if found, _ := r.svc.SetDeliveryStatus(ctx, inbox.DeliveryReq{ID: "wamid.FAST", Status: "delivered", Callback: id}); !found {
		t.Fatal("the status by callback found nothing")
	}
	if err := r.svc.RecordSend(ctx, inbox.Result{ID: id, WAMID: "wamid.FAST"}); err != nil {
		t.Fatal(err)
	}
	if e := r.entry(t, dana, id); e.Delivery != domain.DeliveryDelivered || e.WAMID != "wamid.FAST" {
		t.Fatalf("after the answer: %+v", e)
	}
	// and a transient error recorded late does not queue it again
	if err := r.svc.RecordSend(ctx, inbox.Result{ID: id, Retry: r.now.Now(), Err: "late"}); err != nil {
		t.Fatal(err)
	}
	if box, _ := r.svc.Outbox(ctx); len(box) != 0 {
		t.Fatalf("queued again after a status: %+v", box)
	}
}

func TestTemplatesSyncFollowsPagingAndSends(t *testing.T) {
	r := newRig(t, nil)
	r.fake.Templates = []domain.Template{
		{Name: "order_update", Language: "en_US", Status: "APPROVED", Category: "UTILITY", Body: "Hi {{1}}, order {{2}} ships today"},
		{Name: "welcome", Language: "en_US", Status: "APPROVED", Category: "MARKETING", Body: "Welcome!"},
		{Name: "draft", Language: "en_US", Status: "PENDING", Category: "UTILITY", Body: "Soon"},
		{Name: "followup", Language: "es", Status: "APPROVED", Category: "UTILITY", Body: "Hola {{1}}"},
		{Name: "old", Language: "en_US", Status: "REJECTED", Category: "MARKETING", Body: "No"},
	}
	ts, err := r.client().Templates(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(ts) != 5 || ts[0].Params != 2 || ts[4].Name != "old" || ts[0].Body != r.fake.Templates[0].Body {
		t.Fatalf("synced %+v", ts)
	}
	if err := r.svc.PutTemplates(ctx, "carol", ts); inbox.KindOf(err) != inbox.Forbidden {
		t.Fatalf("an operator synced templates: %v", err)
	}
	if err := r.svc.PutTemplates(ctx, "alice", ts); err != nil {
		t.Fatal(err)
	}
	r.start(t, whatsapp.Options{})
	// Eve wrote long ago: free text is refused, naming when the window closed and the templates
	_, err = r.svc.Reply(ctx, "alice", "15550002222", "hello again")
	if inbox.KindOf(err) != inbox.Invalid || !strings.Contains(err.Error(), "closed at") || !strings.Contains(err.Error(), "order_update, welcome, followup") {
		t.Fatalf("free text outside the window: %v", err)
	}
	if _, err := r.svc.SendReply(ctx, "alice", inbox.ReplyReq{Contact: "15550002222", Template: &domain.TemplateSend{Name: "draft"}}); err == nil {
		t.Fatal("a pending template was sent")
	}
	if _, err := r.svc.SendReply(ctx, "alice", inbox.ReplyReq{Contact: "15550002222", Template: &domain.TemplateSend{Name: "order_update", Params: []string{"Eve"}}}); inbox.KindOf(err) != inbox.Invalid {
		t.Fatalf("a template with a parameter missing: %v", err)
	}
	out, err := r.svc.SendReply(ctx, "alice", inbox.ReplyReq{Contact: "15550002222", Template: &domain.TemplateSend{Name: "order_update", Params: []string{"Eve", "A-17"}}})
	if err != nil {
		t.Fatal(err)
	}
	if out.Entry.Text != "Hi Eve, order A-17 ships today" {
		t.Fatalf("the timeline shows %q", out.Entry.Text)
	}
	r.waitDelivery(t, "15550002222", out.Entry.ID, domain.DeliveryRead)
	m := r.fake.Messages()[0]
	if m.Type != "template" || m.Template != "order_update" || strings.Join(m.Params, "|") != "Eve|A-17" {
		t.Fatalf("the template sent: %+v", m)
	}
}

func TestWithoutASenderRepliesStayLocal(t *testing.T) {
	r := newRig(t, nil)
	out, err := r.svc.Reply(ctx, "alice", dana, "hello")
	if err != nil {
		t.Fatal(err)
	}
	if out.Entry.Delivery != domain.DeliveryLocal || out.Entry.Error != inbox.NotConfigured {
		t.Fatalf("a reply with no sender: %+v", out.Entry)
	}
	if _, err := r.svc.Retry(ctx, "alice", out.Entry.ID); inbox.KindOf(err) != inbox.Unavailable || !strings.Contains(err.Error(), inbox.NotConfigured) {
		t.Fatalf("retry with no sender: %v", err)
	}
	// once a sender runs, retry sends it
	r.start(t, whatsapp.Options{})
	if _, err := r.svc.Retry(ctx, "alice", out.Entry.ID); err != nil {
		t.Fatal(err)
	}
	r.waitDelivery(t, dana, out.Entry.ID, domain.DeliveryRead)
	if n := len(r.fake.Messages()); n != 1 {
		t.Fatalf("sent %d times", n)
	}
}

// The template pages are walked once each: a next link back to a page already read ends the
// sync with an error (it followed one such loop 1,000 times and kept 999 copies of a template),
// and a template listed twice is kept once.
func TestTemplatePagesAreReadOnce(t *testing.T) {
	var asked atomic.Int64
	var srv *httptest.Server
	loop := true
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := asked.Add(1)
		next := srv.URL + "/v23.0/W/message_templates?page=2"
		if r.URL.Query().Get("page") == "2" {
			next = ""
			if loop {
				next = srv.URL + "/v23.0/W/message_templates?page=2" // itself
			}
		}
		fmt.Fprintf(w, `{"data":[{"name":"hello","language":"en_US","status":"APPROVED","components":[{"type":"BODY","text":"Hi %d"}]}],"paging":{"next":%q}}`, n, next)
	}))
	defer srv.Close()
	c := whatsapp.NewClient(whatsapp.Config{BaseURL: srv.URL, Version: "v23.0", WABAID: "W", Token: func() (string, error) { return "t", nil }, Timeout: 2 * time.Second})
	if _, err := c.Templates(ctx); err == nil || !strings.Contains(err.Error(), "loop back to one already read") || asked.Load() != 2 {
		t.Fatalf("a looping next link: %v after %d requests", err, asked.Load())
	}
	loop = false
	ts, err := c.Templates(ctx)
	if err != nil || len(ts) != 1 || ts[0].Body != "Hi 3" {
		t.Fatalf("a template on two pages: %+v %v", ts, err)
	}
}

// A template the inbox cannot keep is refused naming it, and nothing is synced (the admin cannot
// shorten WhatsApp's template, so the message does not tell them to).
func TestTemplatesTheInboxCannotKeep(t *testing.T) {
	r := newRig(t, nil)
	good := domain.Template{Name: "welcome", Language: "en_US", Status: "APPROVED", Body: "Welcome!"}
	for _, c := range []struct {
		t    domain.Template
		says string
	}{
		{domain.Template{Name: strings.Repeat("n", 300), Language: "en_US", Status: "APPROVED", Body: "x"}, "Template 2's name is 300 characters long"},
		{domain.Template{Name: "long", Language: "en_US", Status: "APPROVED", Body: strings.Repeat("b", 5000)}, `Template "long" (en_US) is not one this inbox can keep`},
	} {
		err := r.svc.PutTemplates(ctx, "alice", []domain.Template{good, c.t})
		if inbox.KindOf(err) != inbox.Invalid || !strings.Contains(err.Error(), c.says) || !strings.Contains(err.Error(), "nothing was synced") && !strings.Contains(err.Error(), "Nothing was synced") || strings.Contains(err.Error(), "shorten it") {
			t.Fatalf("%v", err)
		}
		if ts, _ := r.svc.Templates(ctx); len(ts) != 0 {
			t.Fatalf("synced %+v", ts)
		}
	}
}
