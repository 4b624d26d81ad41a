package main

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"switchboard/inbox/webhook"
)

const payload = `{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages","value":{
 "messaging_product":"whatsapp","metadata":{"display_phone_number":"15550000000","phone_number_id":"1"},
 "contacts":[{"profile":{"name":"Zoe Webb"},"wa_id":"15557770001"}],
 "messages":[{"from":"15557770001","id":"wamid.Z1","timestamp":"1764000000","type":"text","text":{"body":"Need a refund for my order"}}]}}]}]}`

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// serve --http takes signed WhatsApp webhooks beside the socket; a replay stores nothing new.
func TestServeHTTPWebhooks(t *testing.T) {
	w := newWS(t, true)
	addr := freeAddr(t)
	s := w.serve(t, "--http", addr, "--webhook-secret", "sekrit", "--verify-token", "tok")
	post := func(sig string) int {
		req, _ := http.NewRequest("POST", "http://"+addr+"/webhook", strings.NewReader(payload))
		if sig != "" {
			req.Header.Set("X-Hub-Signature-256", sig)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := post(""); code != 401 {
		t.Fatalf("unsigned POST answered %d, want 401", code)
	}
	w.want(t, 1, "show", "15557770001") // nothing stored
	if code := post(webhook.Sign("sekrit", []byte(payload))); code != 200 {
		t.Fatalf("signed POST answered %d", code)
	}
	r := w.ok(t, "show", "15557770001")
	has(t, r, "Zoe Webb", "Need a refund for my order", `automation rule "refunds"`)
	before := w.ok(t, "export").out
	if code := post(webhook.Sign("sekrit", []byte(payload))); code != 200 {
		t.Fatalf("replayed POST answered %d", code)
	}
	if w.ok(t, "export").out != before {
		t.Fatal("a replayed webhook changed the workspace")
	}
	resp, err := http.Get(fmt.Sprintf("http://%s/webhook?hub.mode=subscribe&hub.verify_token=tok&hub.challenge=42", addr))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("handshake answered %d", resp.StatusCode)
	}
	s.stop(t)
}

func TestServeHTTPBeyondLoopbackNeedsSecret(t *testing.T) {
	w := newWS(t, true)
	r := w.want(t, 1, "serve", "--http", "0.0.0.0:0")
	has(t, r, "--webhook-secret")
}

// inject webhook FILE feeds a saved payload through the same code, with the file alone and
// through a running serve; the second time stores nothing.
func TestInjectWebhookFile(t *testing.T) {
	w := newWS(t, true)
	file := filepath.Join(w.dir, "p.json")
	if err := os.WriteFile(file, []byte(payload), 0o600); err != nil {
		t.Fatal(err)
	}
	r := w.ok(t, "inject", "webhook", file)
	has(t, r, "1 messages")
	s := w.serve(t)
	r = w.ok(t, "inject", "webhook", file)
	has(t, r, "0 messages", "1 duplicates")
	r = w.runIn(t, "not json", "inject", "webhook", "-")
	if r.code != 1 || !strings.Contains(r.err, "Cannot read the webhook payload") {
		t.Fatalf("bad payload: %v", r)
	}
	s.stop(t)
}
