// Package fakegraph is a fake of the WhatsApp Cloud API's Graph endpoints on a real HTTP
// server (loopback): POST /{version}/{phone-number-id}/messages and GET
// /{version}/{waba-id}/message_templates. It checks the Authorization header and the JSON body
// the way the API does, answers with wamids or scripted errors, can cut the connection after
// reading a body, and posts delivery-status webhooks back (signed, like Meta's). Tests and the
// demo use it; it sends nothing anywhere but where it is told.
package fakegraph

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"switchboard/inbox/domain"
)

// Message is a message the fake accepted or refused, as it read it.
type Message struct {
	To, Recipient string
	Type          string
	Text          string
	Template      string
	Params        []string
	Context       string    // context.message_id
	Callback      string    // biz_opaque_callback_data
	WAMID         string    // the id it answered with ("" when refused)
	At            time.Time // when its body was read
	Raw           map[string]any
}

// Action is what the fake does with one message.
type Action struct {
	Code   int    // a Graph error code to answer with (0: accept)
	Title  string // its title
	Status int    // the HTTP status of the error (default 400; 500 for code 0 with Status set)
	Cut    bool   // read the body, then close the connection without answering
	Fail   int    // accept, then report this error code in a "failed" status
	Delay  time.Duration
}

// Fake is the fake server. Set the fields before the first request.
type Fake struct {
	Token   string // the access token it accepts
	Version string // the API version in the path (any when "")
	// Script decides what happens to each message (nil: accept every one).
	Script func(m Message) Action
	// Statuses, when set, receives each status webhook payload (JSON, as Meta sends it) and
	// its signature header; StatusDelays are the waits before sent, delivered and read.
	Statuses     func(payload []byte, signature string)
	Secret       string // signs status webhooks (X-Hub-Signature-256)
	StatusDelays [3]time.Duration
	// Templates are what GET message_templates answers, PageSize at a time (default 2).
	Templates []domain.Template
	PageSize  int

	mu       sync.Mutex
	msgs     []Message
	n        int
	epoch    int64
	requests int
	srv      *http.Server
	ln       net.Listener
	base     string
	wg       sync.WaitGroup
	stop     chan struct{}
}

// Start serves the fake on a loopback port and returns its base URL.
func (f *Fake) Start() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	f.ln, f.base, f.stop, f.epoch = ln, "http://"+ln.Addr().String(), make(chan struct{}), time.Now().UnixNano()
	f.srv = &http.Server{Handler: f, ReadHeaderTimeout: 5 * time.Second}
	go f.srv.Serve(ln)
	return f.base, nil
}

// SetScript replaces Script while the fake serves.
func (f *Fake) SetScript(fn func(m Message) Action) {
	f.mu.Lock()
	f.Script = fn
	f.mu.Unlock()
}

// URL is the base URL (after Start).
func (f *Fake) URL() string { return f.base }

// Close stops the server and the status webhooks still waiting.
func (f *Fake) Close() {
	if f.srv == nil {
		return
	}
	close(f.stop)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	f.srv.Shutdown(ctx)
	f.wg.Wait()
}

// Messages are the messages received so far, in order.
func (f *Fake) Messages() []Message {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]Message(nil), f.msgs...)
}

// Requests counts the requests of any kind.
func (f *Fake) Requests() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.requests
}

func (f *Fake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.requests++
	f.mu.Unlock()
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	if len(parts) != 3 || (f.Version != "" && parts[0] != f.Version) {
		graphError(w, http.StatusBadRequest, 100, "Unknown path components: "+r.URL.Path)
		return
	}
	if r.Header.Get("Authorization") != "Bearer "+f.Token {
		graphError(w, http.StatusUnauthorized, 190, "Invalid OAuth access token - Cannot parse access token")
		return
	}
	switch {
	case r.Method == http.MethodPost && parts[2] == "messages":
		f.message(w, r)
	case r.Method == http.MethodGet && parts[2] == "message_templates":
		f.templates(w, r)
	default:
		graphError(w, http.StatusBadRequest, 100, "Unsupported request")
	}
}

func graphError(w http.ResponseWriter, status, code int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{"message": msg, "type": "OAuthException", "code": code,
		"error_data": map[string]any{"messaging_product": "whatsapp", "details": msg}, "fbtrace_id": "Afake"}})
}

func (f *Fake) message(w http.ResponseWriter, r *http.Request) {
	var raw map[string]any
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20))
	if r.Header.Get("Content-Type") != "application/json" || dec.Decode(&raw) != nil {
		graphError(w, http.StatusBadRequest, 100, "The request body is not JSON")
		return
	}
	m := Message{Raw: raw, At: time.Now()}
	str := func(v any) string { s, _ := v.(string); return s }
	m.To, m.Recipient, m.Type, m.Callback = str(raw["to"]), str(raw["recipient"]), str(raw["type"]), str(raw["biz_opaque_callback_data"])
	if c, ok := raw["context"].(map[string]any); ok {
		m.Context = str(c["message_id"])
	}
	var bad string
	switch {
	case str(raw["messaging_product"]) != "whatsapp":
		bad = "messaging_product must be whatsapp"
	case m.To == "" && m.Recipient == "":
		bad = "The parameter to is required"
	case m.Type == "text":
		t, _ := raw["text"].(map[string]any)
		m.Text = str(t["body"])
		if m.Text == "" {
			bad = "text.body is required"
		}
	case m.Type == "template":
		t, _ := raw["template"].(map[string]any)
		m.Template = str(t["name"])
		lang, _ := t["language"].(map[string]any)
		if m.Template == "" || str(lang["code"]) == "" {
			bad = "template.name and template.language.code are required"
		}
		comps, _ := t["components"].([]any)
		for _, c := range comps {
			cm, _ := c.(map[string]any)
			ps, _ := cm["parameters"].([]any)
			for _, p := range ps {
				pm, _ := p.(map[string]any)
				m.Params = append(m.Params, str(pm["text"]))
			}
		}
	default:
		bad = "Unsupported message type " + m.Type
	}
	if bad != "" {
		f.record(m)
		graphError(w, http.StatusBadRequest, 100, "(#100) "+bad)
		return
	}
	var a Action
	f.mu.Lock()
	script := f.Script
	f.mu.Unlock()
	if script != nil {
		a = script(m)
	}
	if a.Delay > 0 {
		time.Sleep(a.Delay)
	}
	if a.Cut {
		f.record(m)
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				conn.Close()
				return
			}
		}
		panic(http.ErrAbortHandler)
	}
	if a.Code != 0 || a.Status != 0 {
		f.record(m)
		status := a.Status
		if status == 0 {
			status = http.StatusBadRequest
		}
		title := a.Title
		if title == "" {
			title = http.StatusText(status)
		}
		graphError(w, status, a.Code, title)
		return
	}
	f.mu.Lock()
	f.n++
	m.WAMID = fmt.Sprintf("wamid.FAKE%x.%06d", f.epoch, f.n) // unique across fakes, as real wamids are
	f.msgs = append(f.msgs, m)
	f.mu.Unlock()
	input := m.To
	contact := map[string]any{"input": input, "wa_id": m.To}
	if m.To == "" {
		contact = map[string]any{"input": m.Recipient, "user_id": m.Recipient}
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{"messaging_product": "whatsapp", "contacts": []any{contact},
		"messages": []any{map[string]any{"id": m.WAMID}}})
	if f.Statuses != nil {
		f.wg.Add(1)
		go f.report(m, a.Fail)
	}
}

func (f *Fake) record(m Message) {
	f.mu.Lock()
	f.msgs = append(f.msgs, m)
	f.mu.Unlock()
}

// report posts the message's statuses: sent, delivered, read (or sent, then failed).
func (f *Fake) report(m Message, fail int) {
	defer f.wg.Done()
	steps := []string{"sent", "delivered", "read"}
	if fail != 0 {
		steps = []string{"sent", "failed"}
	}
	for i, st := range steps {
		select {
		case <-f.stop:
			return
		case <-time.After(f.StatusDelays[min(i, 2)]):
		}
		s := map[string]any{"id": m.WAMID, "status": st, "timestamp": fmt.Sprint(time.Now().Unix()),
			"biz_opaque_callback_data": m.Callback}
		if m.To != "" {
			s["recipient_id"] = m.To
		} else {
			s["recipient_user_id"] = m.Recipient
		}
		if st == "failed" {
			s["errors"] = []any{map[string]any{"code": fail, "title": "Message undeliverable",
				"message": "Message undeliverable", "error_data": map[string]any{"details": "The recipient could not be reached"}}}
		}
		payload, _ := json.Marshal(map[string]any{"object": "whatsapp_business_account", "entry": []any{map[string]any{
			"id": "WABA", "changes": []any{map[string]any{"field": "messages", "value": map[string]any{
				"messaging_product": "whatsapp", "metadata": map[string]any{"phone_number_id": "PHONE"},
				"statuses": []any{s}}}}}}})
		sig := ""
		if f.Secret != "" {
			mac := hmac.New(sha256.New, []byte(f.Secret))
			mac.Write(payload)
			sig = "sha256=" + hex.EncodeToString(mac.Sum(nil))
		}
		f.Statuses(payload, sig)
	}
}

// PostTo returns a Statuses function that POSTs each payload to a webhook URL, signed.
func PostTo(url string) func(payload []byte, signature string) {
	return func(payload []byte, sig string) {
		req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(payload))
		if err != nil {
			return
		}
		req.Header.Set("Content-Type", "application/json")
		if sig != "" {
			req.Header.Set("X-Hub-Signature-256", sig)
		}
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
		}
	}
}

func (f *Fake) templates(w http.ResponseWriter, r *http.Request) {
	size := f.PageSize
	if size <= 0 {
		size = 2
	}
	after := 0
	fmt.Sscanf(r.URL.Query().Get("after"), "%d", &after)
	end := min(after+size, len(f.Templates))
	var data []any
	for _, t := range f.Templates[min(after, end):end] {
		data = append(data, map[string]any{"name": t.Name, "language": t.Language, "status": t.Status, "category": t.Category,
			"components": []any{map[string]any{"type": "HEADER", "format": "TEXT", "text": "ignored"}, map[string]any{"type": "BODY", "text": t.Body}}})
	}
	res := map[string]any{"data": data}
	if end < len(f.Templates) {
		q := r.URL.Query()
		q.Set("after", fmt.Sprint(end))
		res["paging"] = map[string]any{"cursors": map[string]any{"after": fmt.Sprint(end)}, "next": f.base + r.URL.Path + "?" + q.Encode()}
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(res)
}
