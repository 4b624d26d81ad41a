package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"switchboard/inbox"
	"switchboard/inbox/domain"
	"switchboard/inbox/whatsapp/fakegraph"
)

// Replies from the shell: local without a number, refused outside the 24-hour window, sent
// before the command exits when a number is configured and no owner runs; templates synced and
// sent; a local reply retried once a number is configured.
func TestRepliesFromTheShell(t *testing.T) {
	w := newWS(t, true)
	w.ok(t, "inject", "message", "+15550004444", "hello", "--name", "Gus Lee")
	var out inbox.Outcome
	w.jsonOf(t, 0, &out, "reply", "15550004444", "on it")
	if out.Entry == nil || out.Entry.Delivery != inbox.DeliveryLocal || out.Entry.Error != inbox.NotConfigured {
		t.Fatalf("a reply with no number configured: %+v", out.Entry)
	}
	local := out.Entry.ID
	has(t, w.ok(t, "reply", "15550004444", "again"), "not sent: no WhatsApp number configured")
	r := w.ok(t, "show", "15550004444")
	has(t, r, "on it  [not sent: no WhatsApp number configured]  "+local)
	if strings.Contains(r.out, "[sent]") {
		t.Fatalf("show says sent:\n%s", r)
	}
	// Eve last wrote on 2026-11-23: free text is refused, naming when the window closed
	r = w.want(t, 1, "reply", "15550002222", "hello?")
	has(t, r, "The 24-hour window with Eve Ortiz closed at", "--template NAME", "nothing was sent")

	f := &fakegraph.Fake{Token: "EAAtok", Templates: []domain.Template{
		{Name: "order_update", Language: "en_US", Status: "APPROVED", Category: "UTILITY", Body: "Hi {{1}}, order {{2}} ships"},
		{Name: "welcome", Language: "en_US", Status: "APPROVED", Category: "MARKETING", Body: "Welcome"},
		{Name: "draft", Language: "en_US", Status: "PENDING", Category: "UTILITY", Body: "Soon"},
	}}
	base, err := f.Start()
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tokFile := filepath.Join(w.dir, "token")
	os.WriteFile(tokFile, []byte("EAAtok\n"), 0o600)
	w.extra = []string{"SWITCHBOARD_GRAPH_URL=" + base, "SWITCHBOARD_WA_PHONE_ID=106540352242922", "SWITCHBOARD_WA_TOKEN_FILE=" + tokFile,
		"SWITCHBOARD_WABA_ID=102290129340398"}
	// no owner runs: this command sends it before it exits
	has(t, w.ok(t, "reply", "15550004444", "now for real"), "Reply sb.15550004444.", ": sent")
	ms := f.Messages()
	if len(ms) != 1 || ms[0].To != "15550004444" || ms[0].Text != "now for real" || ms[0].WAMID == "" {
		t.Fatalf("the fake got %+v", ms)
	}
	has(t, w.ok(t, "show", "15550004444"), "now for real  [sent]")
	has(t, w.ok(t, "templates", "sync"), "Synced 3 templates (2 approved)")
	has(t, w.ok(t, "templates", "list"), "order_update", "PENDING")
	has(t, w.ok(t, "reply", "15550002222", "--template", "order_update", "--param", "Eve", "--param", "A-17"), ": sent")
	if m := f.Messages()[1]; m.Type != "template" || m.Template != "order_update" || strings.Join(m.Params, ",") != "Eve,A-17" {
		t.Fatalf("the template sent: %+v", m)
	}
	has(t, w.want(t, 1, "reply", "15550002222", "--template", "draft"), "is PENDING, not approved")
	has(t, w.want(t, 2, "reply", "15550002222", "text", "--template", "welcome"), "not both")
	// an error title from outside reaches the terminal only made safe
	f.SetScript(func(m fakegraph.Message) fakegraph.Action {
		if m.Text == "evil" {
			return fakegraph.Action{Code: 131026, Title: "Undeliverable\x1b[2J\x1b]0;PWNED\x07"}
		}
		return fakegraph.Action{}
	})
	r = w.ok(t, "reply", "15550004444", "evil")
	has(t, r, "failed: WhatsApp error 131026 (Undeliverable␛[2J␛]0;PWNED␇)")
	if strings.Contains(r.out+r.err, "\x1b") {
		t.Fatalf("an escape sequence reached the terminal:\n%q", r.out)
	}
	has(t, w.ok(t, "show", "15550004444"), "evil  [failed: WhatsApp error 131026 (Undeliverable␛[2J")
	f.SetScript(nil)
	// the reply kept local is sent once a number is configured
	has(t, w.ok(t, "retry", local), ": sent")
	if n := len(f.Messages()); n != 4 {
		t.Fatalf("the fake got %d messages, want 4", n)
	}
	has(t, w.want(t, 1, "retry", local), "only a failed or local reply is sent again")
	// a phone number id without a token is refused before anything is opened
	w.extra = []string{"SWITCHBOARD_WA_PHONE_ID=1"}
	has(t, w.want(t, 1, "reply", "15550004444", "x"), "no access token")
}

// When WhatsApp refuses the access token the whole outbox waits; outbox and show say so (not
// only the admins' notification), and --json keeps stdout the list.
func TestOutboxSaysWhenSendingIsPaused(t *testing.T) {
	w := newWS(t, true)
	w.ok(t, "inject", "message", "+15550004444", "hello", "--name", "Gus Lee")
	f := &fakegraph.Fake{Token: "EAAtok"}
	f.SetScript(func(fakegraph.Message) fakegraph.Action {
		return fakegraph.Action{Code: 190, Title: "Invalid OAuth access token"}
	})
	base, err := f.Start()
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tokFile := filepath.Join(w.dir, "token")
	os.WriteFile(tokFile, []byte("EAAtok\n"), 0o600)
	w.extra = []string{"SWITCHBOARD_GRAPH_URL=" + base, "SWITCHBOARD_WA_PHONE_ID=106540352242922", "SWITCHBOARD_WA_TOKEN_FILE=" + tokFile}
	s := w.serve(t)
	defer s.stop(t)
	has(t, w.ok(t, "outbox"), "The outbox is empty")
	w.ok(t, "reply", "15550004444", "on it")
	deadline := time.Now().Add(15 * time.Second)
	for {
		r := w.ok(t, "outbox")
		if strings.Contains(r.out, "Sending paused:") {
			has(t, r, "190", "replies stay queued", "queued")
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("outbox never said sending is paused:\n%s", r)
		}
		time.Sleep(50 * time.Millisecond)
	}
	has(t, w.ok(t, "show", "15550004444"), "sending:", "paused: ", "190")
	r := w.ok(t, "outbox", "--json")
	var box []domain.Outgoing
	if err := json.Unmarshal([]byte(r.out), &box); err != nil || len(box) != 1 || !strings.Contains(r.err, "Sending paused:") {
		t.Fatalf("outbox --json: %v %d\n%s", err, len(box), r)
	}
}
