// Package webhook is the WhatsApp Cloud API adapter of the inbox: it reads the webhook payloads
// Meta sends (messages, delivery statuses and Calling API events), turns them into inbox commands
// and serves them over local HTTP with Meta's verification handshake and signature check.
//
// It owns parsing outside input leniently and answering HTTP; it must not decide routing, touch
// storage or keep state of its own: every effect goes through *inbox.Service, which makes each
// message durable before the HTTP answer and gives idempotency through external ids.
package webhook

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"switchboard/inbox"
)

// Object is the only payload object this adapter accepts.
const Object = "whatsapp_business_account"

// Event kinds.
const (
	KindMessage = "message"
	KindCall    = "call"
)

// Event is one inbound message or call event of a batch.
type Event struct {
	Kind string    // KindMessage or KindCall
	ID   string    // the message id (wamid.…) or the call id (wacid.…); "" when the payload gave none
	From string    // the customer's number, as Meta wrote it
	Name string    // the customer's profile name, when the payload names them
	At   time.Time // when it happened; zero when the payload had no usable timestamp
	// Messages
	Type string // the message type as sent: text, image, reaction, …
	Text string // the text to store: the body, a caption, a title or a placeholder
	// Calls
	CallEvent  string // connect or terminate
	CallStatus string // the call's status upper-cased (COMPLETED, FAILED, …), "" if none
	Outcome    string // inbox.CallRinging (connect), inbox.CallAnswered or inbox.CallMissed (terminate)
	Duration   int    // seconds, for an answered call

	seq int // position in the payload, to keep payload order among equal timestamps
}

// Status is a delivery status of a message the business sent.
type Status struct {
	ID        string // the id of the message it describes (a reply id such as sb.<contact>.<n>)
	Status    string // sent, delivered, read or failed
	Recipient string
	At        time.Time
}

// Skip is a part of the payload that was knowingly not applied, and why.
type Skip struct {
	Where  string `json:"where"` // e.g. entry[0].changes[1].value.messages[2]
	Reason string `json:"reason"`
}

// Batch is a parsed webhook payload: inbound messages and calls in timestamp order (payload
// order among equal timestamps), delivery statuses, and what was skipped while reading.
type Batch struct {
	Events   []Event
	Statuses []Status
	Skipped  []Skip
}

// ParseError is a payload that cannot be read at all (not JSON, or not a WhatsApp Business
// Account payload). HTTP answers it with 400; nothing of it is stored.
type ParseError struct{ Msg string }

func (e *ParseError) Error() string { return e.Msg }

// ---- lenient scalar types ----

// flexString reads a JSON string, number or boolean as text; anything else (null, objects,
// arrays) reads as "" rather than failing the item.
type flexString string

func (f *flexString) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return nil
	}
	switch b[0] {
	case '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return nil
		}
		*f = flexString(s)
	case 't', 'f', '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		*f = flexString(b)
	}
	return nil
}

// flexNum reads a number given as a JSON number or a numeric string; anything else reads as
// "absent".
type flexNum struct {
	v  float64
	ok bool
}

func (f *flexNum) UnmarshalJSON(b []byte) error {
	var s flexString
	_ = s.UnmarshalJSON(b)
	v, err := strconv.ParseFloat(strings.TrimSpace(string(s)), 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		*f = flexNum{}
		return nil
	}
	*f = flexNum{v: v, ok: true}
	return nil
}

// latest is the last instant a timestamp may name (2200-01-01); later or earlier than 1970
// reads as "no timestamp" and the service uses the time of arrival.
var latest = time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC)

// timestamp reads Meta's unix seconds (string or number; milliseconds are recognised by size)
// or an RFC 3339 time.
func timestamp(raw json.RawMessage) time.Time {
	if len(raw) == 0 {
		return time.Time{}
	}
	var n flexNum
	_ = n.UnmarshalJSON(raw)
	var t time.Time
	if n.ok {
		sec := n.v
		if sec >= 1e11 { // milliseconds
			sec /= 1000
		}
		if sec <= 0 || sec >= float64(latest.Unix()) {
			return time.Time{}
		}
		whole := math.Floor(sec)
		t = time.Unix(int64(whole), int64((sec-whole)*1e9))
	} else {
		var s flexString
		_ = s.UnmarshalJSON(raw)
		p, err := time.Parse(time.RFC3339Nano, strings.TrimSpace(string(s)))
		if err != nil || p.Unix() <= 0 || !p.Before(latest) {
			return time.Time{}
		}
		t = p
	}
	return t.UTC()
}

// ---- the payload's shape ----

type envelope struct {
	Object flexString        `json:"object"`
	Entry  []json.RawMessage `json:"entry"`
}

type entry struct {
	Changes []json.RawMessage `json:"changes"`
}

type change struct {
	Field flexString      `json:"field"`
	Value json.RawMessage `json:"value"`
}

type value struct {
	Contacts []json.RawMessage `json:"contacts"`
	Messages []json.RawMessage `json:"messages"`
	Statuses []json.RawMessage `json:"statuses"`
	Calls    []json.RawMessage `json:"calls"`
}

type contact struct {
	WaID    flexString `json:"wa_id"`
	Profile struct {
		Name flexString `json:"name"`
	} `json:"profile"`
}

type media struct {
	Caption  flexString `json:"caption"`
	Filename flexString `json:"filename"`
}

type message struct {
	From      flexString      `json:"from"`
	ID        flexString      `json:"id"`
	Timestamp json.RawMessage `json:"timestamp"`
	Type      flexString      `json:"type"`
	Text      *struct {
		Body flexString `json:"body"`
	} `json:"text"`
	Image    *media `json:"image"`
	Video    *media `json:"video"`
	Audio    *media `json:"audio"`
	Document *media `json:"document"`
	Sticker  *media `json:"sticker"`
	Location *struct {
		Latitude  flexNum    `json:"latitude"`
		Longitude flexNum    `json:"longitude"`
		Name      flexString `json:"name"`
		Address   flexString `json:"address"`
	} `json:"location"`
	Contacts []struct {
		Name struct {
			Formatted flexString `json:"formatted_name"`
			First     flexString `json:"first_name"`
			Last      flexString `json:"last_name"`
		} `json:"name"`
		Phones []struct {
			Phone flexString `json:"phone"`
			WaID  flexString `json:"wa_id"`
		} `json:"phones"`
	} `json:"contacts"`
	Interactive *struct {
		Type        flexString `json:"type"`
		ButtonReply *reply     `json:"button_reply"`
		ListReply   *reply     `json:"list_reply"`
	} `json:"interactive"`
	Button *struct {
		Text    flexString `json:"text"`
		Payload flexString `json:"payload"`
	} `json:"button"`
	Reaction *struct {
		MessageID flexString `json:"message_id"`
		Emoji     flexString `json:"emoji"`
	} `json:"reaction"`
	Unsupported *struct {
		Type flexString `json:"type"`
	} `json:"unsupported"`
	Errors []struct {
		Title flexString `json:"title"`
	} `json:"errors"`
}

type reply struct {
	ID    flexString `json:"id"`
	Title flexString `json:"title"`
}

type status struct {
	ID          flexString      `json:"id"`
	Status      flexString      `json:"status"`
	Timestamp   json.RawMessage `json:"timestamp"`
	RecipientID flexString      `json:"recipient_id"`
}

type call struct {
	ID        flexString      `json:"id"`
	From      flexString      `json:"from"`
	To        flexString      `json:"to"`
	Event     flexString      `json:"event"`
	Direction flexString      `json:"direction"`
	Timestamp json.RawMessage `json:"timestamp"`
	Status    flexString      `json:"status"`
	Duration  flexNum         `json:"duration"`
}

// ---- Parse ----

// Parse reads a webhook payload. It fails (with a *ParseError) only when the body is not JSON,
// not an object, or its object is not "whatsapp_business_account"; any part it cannot use is
// listed in Batch.Skipped and the rest still applies. Every entry, change, message, status and
// call is read, not only the first.
func Parse(body []byte) (Batch, error) {
	var env envelope
	if err := json.Unmarshal(body, &env); err != nil {
		return Batch{}, &ParseError{Msg: "the body is not a WhatsApp webhook payload: " + describe(err)}
	}
	if env.Object != Object {
		return Batch{}, &ParseError{Msg: fmt.Sprintf("the payload's object is %q; this endpoint takes %q payloads only", string(env.Object), Object)}
	}
	p := &parser{}
	for i, raw := range env.Entry {
		var e entry
		where := fmt.Sprintf("entry[%d]", i)
		if err := json.Unmarshal(raw, &e); err != nil {
			p.skip(where, "not an entry object: "+describe(err))
			continue
		}
		for j, rawc := range e.Changes {
			p.change(fmt.Sprintf("%s.changes[%d]", where, j), rawc)
		}
	}
	sortEvents(p.b.Events)
	sort.SliceStable(p.b.Statuses, func(i, j int) bool { return p.b.Statuses[i].At.Before(p.b.Statuses[j].At) })
	return p.b, nil
}

func describe(err error) string {
	switch e := err.(type) {
	case *json.SyntaxError:
		return fmt.Sprintf("invalid JSON at byte %d (%v)", e.Offset, err)
	case *json.UnmarshalTypeError:
		if e.Field == "" {
			return fmt.Sprintf("expected a JSON object, got a JSON %s", e.Value)
		}
		return fmt.Sprintf("field %s should be %s, not a JSON %s", e.Field, e.Type, e.Value)
	}
	return err.Error()
}

type parser struct {
	b   Batch
	seq int
}

func (p *parser) skip(where, reason string) {
	p.b.Skipped = append(p.b.Skipped, Skip{Where: where, Reason: reason})
}

func (p *parser) change(where string, raw json.RawMessage) {
	var c change
	if err := json.Unmarshal(raw, &c); err != nil {
		p.skip(where, "not a change object: "+describe(err))
		return
	}
	field := strings.ToLower(string(c.Field))
	if field != "" && field != "messages" && field != "calls" {
		p.skip(where, fmt.Sprintf("field %q is not handled (only messages and calls)", string(c.Field)))
		return
	}
	var v value
	if len(c.Value) == 0 {
		p.skip(where, "the change has no value")
		return
	}
	if err := json.Unmarshal(c.Value, &v); err != nil {
		p.skip(where+".value", "not a value object: "+describe(err))
		return
	}
	names := map[string]string{}
	var onlyWaID string
	for _, rc := range v.Contacts {
		var ct contact
		if json.Unmarshal(rc, &ct) != nil {
			continue
		}
		if ct.WaID != "" {
			names[string(ct.WaID)] = string(ct.Profile.Name)
			onlyWaID = string(ct.WaID)
		}
	}
	if len(v.Contacts) != 1 {
		onlyWaID = ""
	}
	where += ".value"
	for i, rm := range v.Messages {
		p.message(fmt.Sprintf("%s.messages[%d]", where, i), rm, names, onlyWaID)
	}
	for i, rs := range v.Statuses {
		p.status(fmt.Sprintf("%s.statuses[%d]", where, i), rs)
	}
	for i, rc := range v.Calls {
		p.call(fmt.Sprintf("%s.calls[%d]", where, i), rc, names)
	}
}

func (p *parser) message(where string, raw json.RawMessage, names map[string]string, onlyWaID string) {
	var m message
	if err := json.Unmarshal(raw, &m); err != nil {
		p.skip(where, "not a message object: "+describe(err))
		return
	}
	from := strings.TrimSpace(string(m.From))
	if from == "" {
		from = onlyWaID
	}
	if from == "" {
		p.skip(where, "the message has no sender (from)")
		return
	}
	name := names[from]
	if name == "" && len(names) == 1 && onlyWaID != "" {
		name = names[onlyWaID]
	}
	p.seq++
	p.b.Events = append(p.b.Events, Event{Kind: KindMessage, ID: string(m.ID), From: from, Name: clip(name, inbox.MaxName),
		At: timestamp(m.Timestamp), Type: string(m.Type), Text: clip(messageText(&m), inbox.MaxText), seq: p.seq})
}

// messageText is what the inbox stores for a message: its text, or a placeholder saying what
// it was.
func messageText(m *message) string {
	typ := strings.TrimSpace(string(m.Type))
	orType := func(s flexString, placeholder string) string {
		if t := strings.TrimSpace(string(s)); t != "" {
			return t
		}
		return placeholder
	}
	switch typ {
	case "text":
		if m.Text != nil && strings.TrimSpace(string(m.Text.Body)) != "" {
			return string(m.Text.Body) // exactly as typed
		}
		return "[empty message]"
	case "image", "video", "audio", "sticker", "document":
		md := map[string]*media{"image": m.Image, "video": m.Video, "audio": m.Audio, "sticker": m.Sticker, "document": m.Document}[typ]
		if md == nil {
			return "[" + typ + "]"
		}
		if c := strings.TrimSpace(string(md.Caption)); c != "" {
			return c
		}
		if f := strings.TrimSpace(string(md.Filename)); f != "" && typ == "document" {
			return "[document] " + f
		}
		return "[" + typ + "]"
	case "location":
		if m.Location == nil {
			return "[location]"
		}
		l := m.Location
		var parts []string
		for _, s := range []flexString{l.Name, l.Address} {
			if t := strings.TrimSpace(string(s)); t != "" {
				parts = append(parts, t)
			}
		}
		out := "[location]"
		if len(parts) > 0 {
			out += " " + strings.Join(parts, ", ")
		}
		if l.Latitude.ok && l.Longitude.ok {
			out += " " + strconv.FormatFloat(l.Latitude.v, 'f', -1, 64) + "," + strconv.FormatFloat(l.Longitude.v, 'f', -1, 64)
		}
		return out
	case "contacts":
		var cards []string
		for _, c := range m.Contacts {
			name := strings.TrimSpace(string(c.Name.Formatted))
			if name == "" {
				name = strings.TrimSpace(strings.TrimSpace(string(c.Name.First)) + " " + strings.TrimSpace(string(c.Name.Last)))
			}
			var phone string
			for _, ph := range c.Phones {
				if phone = strings.TrimSpace(string(ph.Phone)); phone == "" && ph.WaID != "" {
					phone = "+" + strings.TrimPrefix(strings.TrimSpace(string(ph.WaID)), "+")
				}
				if phone != "" {
					break
				}
			}
			card := strings.TrimSpace(name + " " + phone)
			if card == "" {
				card = "(no name)"
			}
			cards = append(cards, card)
		}
		if len(cards) == 0 {
			return "[contact]"
		}
		return "[contact] " + strings.Join(cards, "; ")
	case "interactive":
		if m.Interactive == nil {
			return "[interactive]"
		}
		in := m.Interactive
		for _, r := range []*reply{in.ButtonReply, in.ListReply} {
			if r == nil {
				continue
			}
			if t := strings.TrimSpace(string(r.Title)); t != "" {
				return t
			}
			if id := strings.TrimSpace(string(r.ID)); id != "" {
				return "[reply " + id + "]"
			}
		}
		if t := strings.TrimSpace(string(in.Type)); t != "" {
			return "[interactive: " + t + "]"
		}
		return "[interactive]"
	case "button":
		if m.Button == nil {
			return "[button]"
		}
		if t := strings.TrimSpace(string(m.Button.Text)); t != "" {
			return t
		}
		return orType(m.Button.Payload, "[button]")
	case "reaction":
		if m.Reaction == nil {
			return "[reaction]"
		}
		to := strings.TrimSpace(string(m.Reaction.MessageID))
		if to == "" {
			to = "a message"
		}
		if e := strings.TrimSpace(string(m.Reaction.Emoji)); e != "" {
			return "[reaction " + e + " to " + to + "]"
		}
		return "[reaction removed from " + to + "]"
	case "unsupported":
		if m.Unsupported != nil && strings.TrimSpace(string(m.Unsupported.Type)) != "" {
			return "[unsupported message: " + strings.TrimSpace(string(m.Unsupported.Type)) + "]"
		}
		for _, e := range m.Errors {
			if t := strings.TrimSpace(string(e.Title)); t != "" {
				return "[unsupported message: " + t + "]"
			}
		}
		return "[unsupported message]"
	case "":
		return "[unsupported message]"
	}
	return "[unsupported message: " + typ + "]"
}

func (p *parser) status(where string, raw json.RawMessage) {
	var s status
	if err := json.Unmarshal(raw, &s); err != nil {
		p.skip(where, "not a status object: "+describe(err))
		return
	}
	st := strings.ToLower(strings.TrimSpace(string(s.Status)))
	switch st {
	case "sent", "delivered", "read", "failed":
	default:
		p.skip(where, fmt.Sprintf("status %q is not a delivery mark (sent, delivered, read, failed)", string(s.Status)))
		return
	}
	if s.ID == "" {
		p.skip(where, "the status has no message id")
		return
	}
	p.b.Statuses = append(p.b.Statuses, Status{ID: string(s.ID), Status: st, Recipient: string(s.RecipientID), At: timestamp(s.Timestamp)})
}

func (p *parser) call(where string, raw json.RawMessage, names map[string]string) {
	var c call
	if err := json.Unmarshal(raw, &c); err != nil {
		p.skip(where, "not a call object: "+describe(err))
		return
	}
	if d := strings.ToUpper(strings.TrimSpace(string(c.Direction))); d == "BUSINESS_INITIATED" {
		p.skip(where, "a call the business placed is not an inbound call")
		return
	}
	ev := Event{Kind: KindCall, ID: string(c.ID), From: strings.TrimSpace(string(c.From)), At: timestamp(c.Timestamp),
		CallEvent: strings.ToLower(strings.TrimSpace(string(c.Event))), CallStatus: strings.ToUpper(strings.TrimSpace(string(c.Status)))}
	ev.Name = clip(names[ev.From], inbox.MaxName)
	if ev.From == "" {
		p.skip(where, "the call has no caller (from)")
		return
	}
	switch ev.CallEvent {
	case "connect":
		ev.Outcome = inbox.CallRinging
	case "terminate":
		if ev.ID == "" {
			p.skip(where, "a call terminate needs the call's id")
			return
		}
		secs := 0
		if c.Duration.ok && c.Duration.v > 0 {
			secs = int(math.Min(c.Duration.v, math.MaxInt32))
		}
		ev.Outcome = inbox.CallAnswered
		if ev.CallStatus == "FAILED" || secs == 0 {
			ev.Outcome, secs = inbox.CallMissed, 0
		}
		ev.Duration = secs
	default:
		p.skip(where, fmt.Sprintf("call event %q is not handled (only connect and terminate)", string(c.Event)))
		return
	}
	p.seq++
	ev.seq = p.seq
	p.b.Events = append(p.b.Events, ev)
}

// sortEvents orders events by time, keeping payload order among equal times; events without a
// timestamp happen on arrival, after the timed ones. A call's terminate never goes before its
// own connect.
func sortEvents(evs []Event) {
	type conn struct {
		at  time.Time
		seq int
	}
	connect := map[string]conn{}
	for _, e := range evs {
		if e.Kind == KindCall && e.CallEvent == "connect" && e.ID != "" {
			if _, dup := connect[e.ID]; !dup {
				connect[e.ID] = conn{e.At, e.seq}
			}
		}
	}
	key := func(t time.Time) int64 {
		if t.IsZero() {
			return math.MaxInt64
		}
		return t.UnixNano()
	}
	sub := make([]int, len(evs)) // 1: moved just after its connect
	for i := range evs {
		e := &evs[i]
		if e.Kind != KindCall || e.CallEvent != "terminate" {
			continue
		}
		c, ok := connect[e.ID]
		if !ok {
			continue
		}
		if key(e.At) < key(c.at) {
			e.At = c.at
		}
		if key(e.At) == key(c.at) && e.seq < c.seq {
			e.seq, sub[i] = c.seq, 1
		}
	}
	idx := make([]int, len(evs))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(i, j int) bool {
		a, b := &evs[idx[i]], &evs[idx[j]]
		if ka, kb := key(a.At), key(b.At); ka != kb {
			return ka < kb
		}
		if a.seq != b.seq {
			return a.seq < b.seq
		}
		return sub[idx[i]] < sub[idx[j]]
	})
	out := make([]Event, len(evs))
	for i, k := range idx {
		out[i] = evs[k]
	}
	copy(evs, out)
}

// clip shortens s to at most n characters, marking the cut with "…", and replaces invalid UTF-8.
func clip(s string, n int) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}
