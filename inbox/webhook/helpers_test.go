package webhook

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"switchboard/inbox"
)

var ctx = context.Background()

// clock is a test clock that moves one second per reading.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(time.Second)
	return c.t
}

// newService opens a service on a fresh file with the inbox's test fixture imported (Alice and
// Dana admins; Bob offline; Support = bob, carol, dana; round robin on; contacts 15550001111
// Dana Diaz, 15550002222 Eve Ortiz, 15550003333 Finn Park).
func newService(t testing.TB) *inbox.Service {
	t.Helper()
	return openService(t, filepath.Join(t.TempDir(), "sb.db"), true)
}

func openService(t testing.TB, path string, fixture bool) *inbox.Service {
	t.Helper()
	c := &clock{t: time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)}
	s, err := openInbox(path, inbox.Options{Now: c.now, NoTimers: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if fixture {
		raw, err := os.ReadFile("../testdata/workspace.json")
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Import(ctx, "", bytes.NewReader(raw), false); err != nil {
			t.Fatal(err)
		}
	}
	return s
}

func export(t testing.TB, s *inbox.Service) string {
	t.Helper()
	var b bytes.Buffer
	if err := s.Export(ctx, &b); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// entries returns the contact's timeline without routing notes.
func entries(t testing.TB, s *inbox.Service, contact string) []inbox.Entry {
	t.Helper()
	d, err := s.Conversation(ctx, "alice", contact, "", 500)
	if err != nil {
		t.Fatal(err)
	}
	var out []inbox.Entry
	for _, e := range d.Timeline {
		if e.Kind != "note" {
			out = append(out, e)
		}
	}
	return out
}

// texts are the entries' texts as screens show them (an attachment said in words).
func texts(es []inbox.Entry) []string {
	var out []string
	for _, e := range es {
		out = append(out, inbox.EntryText(e))
	}
	return out
}

// ---- composing payloads in the documented format ----

type obj = map[string]any

// payload wraps changes into one entry of a whatsapp_business_account payload.
func payload(changes ...obj) obj {
	return obj{"object": "whatsapp_business_account", "entry": []any{obj{"id": "102290129340398", "changes": changes}}}
}

func metadata() obj {
	return obj{"display_phone_number": "15550783881", "phone_number_id": "106540352242922"}
}

// messagesChange is a "messages" change from one customer.
func messagesChange(waID, name string, msgs ...obj) obj {
	v := obj{"messaging_product": "whatsapp", "metadata": metadata(), "messages": msgs}
	if waID != "" {
		v["contacts"] = []any{obj{"profile": obj{"name": name}, "wa_id": waID}}
	}
	return obj{"field": "messages", "value": v}
}

func statusesChange(sts ...obj) obj {
	return obj{"field": "messages", "value": obj{"messaging_product": "whatsapp", "metadata": metadata(), "statuses": sts}}
}

func callsChange(calls ...obj) obj {
	return obj{"field": "calls", "value": obj{"messaging_product": "whatsapp", "metadata": metadata(), "calls": calls}}
}

func textMsg(from, id string, ts any, body string) obj {
	return obj{"from": from, "id": id, "timestamp": ts, "type": "text", "text": obj{"body": body}}
}

func statusObj(id, st string, ts any) obj {
	return obj{"id": id, "status": st, "timestamp": ts, "recipient_id": "15550001111"}
}

func connectCall(id, from string, ts any) obj {
	return obj{"id": id, "from": from, "to": "15550783881", "event": "connect", "timestamp": ts, "direction": "USER_INITIATED",
		"session": obj{"sdp_type": "offer", "sdp": "v=0"}}
}

func terminateCall(id, from string, ts any, status string, duration any) obj {
	c := obj{"id": id, "from": from, "to": "15550783881", "event": "terminate", "timestamp": ts, "direction": "USER_INITIATED",
		"status": status}
	if duration != nil {
		c["duration"] = duration
		c["start_time"] = ts
		c["end_time"] = ts
	}
	return c
}

func mustJSON(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// post sends body to h as a POST /webhook; header pairs follow.
func post(t testing.TB, h http.Handler, body []byte, header ...string) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest(http.MethodPost, Path, bytes.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(header); i += 2 {
		r.Header.Set(header[i], header[i+1])
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func wantCode(t testing.TB, w *httptest.ResponseRecorder, code int) answer {
	t.Helper()
	if w.Code != code {
		t.Fatalf("status %d, want %d; body: %s", w.Code, code, w.Body.String())
	}
	var a answer
	if strings.HasPrefix(w.Header().Get("Content-Type"), "application/json") {
		if err := json.Unmarshal(w.Body.Bytes(), &a); err != nil {
			t.Fatalf("answer is not JSON: %v: %s", err, w.Body.String())
		}
	}
	return a
}
