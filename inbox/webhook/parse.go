// Package webhook is the WhatsApp Cloud API adapter of the inbox: it reads the webhook payloads
// Meta sends (messages, delivery statuses and Calling API events), turns them into inbox commands
// and serves them over local HTTP with Meta's verification handshake and signature check.
//
// It owns parsing outside input leniently and answering HTTP; it must not decide routing, touch
// storage or keep state of its own: every effect goes through the Inbox it is given (the
// *inbox.Service of the process that owns the workspace, or Through(conn) for a connection to
// it), which makes each message durable before the HTTP answer and gives idempotency through
// external ids. Inbound events are the service's, not an operator's: they act as nobody.
package webhook

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"slices"
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
	// KindNumberChange: a system message saying the customer changed their number or BSUID.
	KindNumberChange = "number_change"
	// KindEcho: a message the business sent from the WhatsApp Business app (smb_message_echoes).
	KindEcho = "echo"
)

// Event is one inbound message or call event of a batch.
type Event struct {
	Kind string // KindMessage, KindCall, KindNumberChange or KindEcho
	ID   string // the message id (wamid.…) or the call id (wacid.…); "" when the payload gave none
	// The customer (for an echo: the recipient): their number as Meta wrote it ("" when they do
	// not share it), business-scoped user id, parent BSUID and username; at least one of the
	// first three.
	From, BSUID, ParentBSUID, Username string
	Name                               string    // the customer's profile name, when the payload names them
	At                                 time.Time // when it happened; zero when the payload had no usable timestamp
	// Messages
	Type     string // the message type as sent: text, image, reaction, …
	Text     string // the text to store: the body, a caption, a title or a placeholder
	Media    *inbox.Media
	Context  string // the id of the message this one answers
	Referral *inbox.Referral
	Form     []inbox.FormField
	// Number changes: the customer's new number and BSUID (either may be "")
	NewPhone, NewBSUID string
	// Calls
	CallEvent  string            // connect or terminate
	CallStatus string            // the call's status upper-cased (COMPLETED, FAILED, …), "" if none
	Outcome    inbox.CallOutcome // ringing (connect), answered or missed (terminate)
	Duration   int               // seconds, for an answered call

	seq int // position in the payload, to keep payload order among equal timestamps
}

// Status is a delivery status of a message the business sent.
type Status struct {
	ID             string // the id of the message it describes (a reply id such as sb.<contact>.<n>)
	Status         string // sent, delivered, read or failed
	Recipient      string // the customer's number ("" when they do not share it)
	RecipientBSUID string // the customer's business-scoped user id, when Meta gives it
	At             time.Time
	// Callback is biz_opaque_callback_data: the reply id the sender put in the message.
	Callback string
	// A failed status's first error: its code, title and details.
	ErrorCode                int
	ErrorTitle, ErrorDetails string
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
		if sec < 1 || sec >= float64(latest.Unix()) { // before 1 s after the epoch: no time
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
	Echoes   []json.RawMessage `json:"message_echoes"`
}

type contact struct {
	WaID         flexString `json:"wa_id"`
	UserID       flexString `json:"user_id"`
	ParentUserID flexString `json:"parent_user_id"`
	Profile      struct {
		Name     flexString `json:"name"`
		Username flexString `json:"username"`
	} `json:"profile"`
}

type media struct {
	Caption  flexString `json:"caption"`
	Filename flexString `json:"filename"`
	MimeType flexString `json:"mime_type"`
}

type message struct {
	From             flexString      `json:"from"`
	FromUserID       flexString      `json:"from_user_id"`
	FromParentUserID flexString      `json:"from_parent_user_id"`
	To               flexString      `json:"to"`         // echoes: the customer
	ToUserID         flexString      `json:"to_user_id"` // echoes: the customer's BSUID
	ToParentUserID   flexString      `json:"to_parent_user_id"`
	ID               flexString      `json:"id"`
	Timestamp        json.RawMessage `json:"timestamp"`
	Type             flexString      `json:"type"`
	Context          *struct {
		ID flexString `json:"id"`
	} `json:"context"`
	Referral *struct {
		SourceURL  flexString `json:"source_url"`
		SourceID   flexString `json:"source_id"`
		SourceType flexString `json:"source_type"`
		Body       flexString `json:"body"`
		Headline   flexString `json:"headline"`
		CtwaClid   flexString `json:"ctwa_clid"`
	} `json:"referral"`
	System *struct {
		Body      flexString `json:"body"`
		Type      flexString `json:"type"`
		WaID      flexString `json:"wa_id"`
		NewWaID   flexString `json:"new_wa_id"`
		UserID    flexString `json:"user_id"`
		NewUserID flexString `json:"new_user_id"`
	} `json:"system"`
	Text *struct {
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
		NfmReply    *struct {
			Name         flexString `json:"name"`
			Body         flexString `json:"body"`
			ResponseJSON flexString `json:"response_json"`
		} `json:"nfm_reply"`
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
		Title   flexString `json:"title"`
		Message flexString `json:"message"`
	} `json:"errors"`
}

type reply struct {
	ID    flexString `json:"id"`
	Title flexString `json:"title"`
}

type status struct {
	ID              flexString      `json:"id"`
	Status          flexString      `json:"status"`
	Timestamp       json.RawMessage `json:"timestamp"`
	RecipientID     flexString      `json:"recipient_id"`
	RecipientUserID flexString      `json:"recipient_user_id"`
	Callback        flexString      `json:"biz_opaque_callback_data"`
	Errors          []struct {
		Code    flexNum    `json:"code"`
		Title   flexString `json:"title"`
		Message flexString `json:"message"`
		Data    struct {
			Details flexString `json:"details"`
		} `json:"error_data"`
	} `json:"errors"`
}

type call struct {
	ID         flexString      `json:"id"`
	From       flexString      `json:"from"`
	FromUserID flexString      `json:"from_user_id"`
	To         flexString      `json:"to"`
	Event      flexString      `json:"event"`
	Direction  flexString      `json:"direction"`
	Timestamp  json.RawMessage `json:"timestamp"`
	Status     flexString      `json:"status"`
	Duration   flexNum         `json:"duration"`
}

// ---- Parse ----

// Parse reads a webhook payload. It fails (with a *ParseError) only when the body is not JSON,
// not an object, or its object is not "whatsapp_business_account"; any part it cannot use is
// listed in Batch.Skipped and the rest still applies. Every entry, change, message, status and
// call is read, not only the first.
func Parse(body []byte) (Batch, error) {
	// Almost every payload has the usual shape all the way down to its values; it is decoded
	// in one pass (every message, status and call is still read on its own below, so one bad
	// element spoils nothing else). A payload that does not fit — a part of another type, a
	// change without a value — is read level by level instead, where each level's trouble is
	// reported where it is (slowParse; FuzzParse checks both read every body alike).
	var fast fastEnvelope
	if json.Unmarshal(body, &fast) == nil && fast.Object == Object && fast.usual() {
		p := &parser{}
		for i, e := range fast.Entry {
			for j, c := range e.Changes {
				p.changeValue("entry["+strconv.Itoa(i)+"].changes["+strconv.Itoa(j)+"]", c.Field, &c.Value)
			}
		}
		return p.done(), nil
	}
	return slowParse(body)
}

// fastEnvelope is a payload of the usual shape, decoded in one pass.
type fastEnvelope struct {
	Object flexString `json:"object"`
	Entry  []struct {
		Changes []struct {
			Field flexString `json:"field"`
			Value value      `json:"value"`
		} `json:"changes"`
	} `json:"entry"`
}

// usual says whether every change has a value with something in it: a change whose value is
// missing, null or empty is reported as such by the level-by-level reading.
func (f *fastEnvelope) usual() bool {
	for _, e := range f.Entry {
		for _, c := range e.Changes {
			v := &c.Value
			if v.Contacts == nil && v.Messages == nil && v.Statuses == nil && v.Calls == nil && v.Echoes == nil {
				return false
			}
		}
	}
	return true
}

// slowParse reads a payload level by level.
func slowParse(body []byte) (Batch, error) {
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
	return p.done(), nil
}

// done orders what was read and returns it.
func (p *parser) done() Batch {
	sortEvents(p.b.Events)
	sort.SliceStable(p.b.Statuses, func(i, j int) bool { return p.b.Statuses[i].At.Before(p.b.Statuses[j].At) })
	return p.b
}

func describe(err error) string {
	switch e := err.(type) {
	case *json.SyntaxError:
		return fmt.Sprintf("invalid JSON at byte %d (%v)", e.Offset, err)
	case *json.UnmarshalTypeError:
		if e.Field == "" {
			return fmt.Sprintf("expected a JSON object, got a JSON %s", e.Value)
		}
		return fmt.Sprintf("field %s should be %s, not a JSON %s", e.Field, inbox.JSONKind(e.Type), e.Value)
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
	if !p.handled(where, c.Field) {
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
	p.value(where+".value", &v)
}

// changeValue reads a change decoded with its value (the usual shape).
func (p *parser) changeValue(where string, field flexString, v *value) {
	if p.handled(where, field) {
		p.value(where+".value", v)
	}
}

// handled says whether a change's field is one this endpoint reads (noting it when not).
func (p *parser) handled(where string, f flexString) bool {
	field := strings.ToLower(string(f))
	if field != "" && field != "messages" && field != "calls" && field != "smb_message_echoes" {
		p.skip(where, fmt.Sprintf("field %q is not handled (only messages, calls and smb_message_echoes)", string(f)))
		return false
	}
	return true
}

// value reads a change's value: its contacts, then every message, echo, status and call.
func (p *parser) value(where string, v *value) {
	cs := &contacts{}
	for i, rc := range v.Contacts {
		var ct contact
		if json.Unmarshal(rc, &ct) != nil {
			continue
		}
		cs.add(p, where+".contacts["+strconv.Itoa(i)+"]", ct)
	}
	for i, rm := range v.Messages {
		p.message(where+".messages["+strconv.Itoa(i)+"]", rm, cs, false)
	}
	for i, rm := range v.Echoes {
		p.message(where+".message_echoes["+strconv.Itoa(i)+"]", rm, cs, true)
	}
	for i, rs := range v.Statuses {
		p.status(where+".statuses["+strconv.Itoa(i)+"]", rs)
	}
	for i, rc := range v.Calls {
		p.call(where+".calls["+strconv.Itoa(i)+"]", rc, cs)
	}
}

// who is a customer as a payload names them.
type who struct {
	phone, bsuid, parent, username, name string
}

// contacts are a change's contacts array: who is who, found by number or by BSUID.
type contacts struct {
	list []who
}

func (cs *contacts) add(p *parser, where string, ct contact) {
	w := who{phone: strings.TrimPrefix(strings.TrimSpace(string(ct.WaID)), "+"), name: string(ct.Profile.Name)}
	w.bsuid = p.bsuid(where+".user_id", string(ct.UserID))
	w.parent = p.bsuid(where+".parent_user_id", string(ct.ParentUserID))
	w.username = p.username(where+".profile.username", string(ct.Profile.Username))
	if w.phone == "" && w.bsuid == "" && w.parent == "" {
		return
	}
	cs.list = append(cs.list, w)
}

// find returns the contact the payload describes for a sender: the one with the number or the
// BSUID, else the only one when there is just one.
func (cs *contacts) find(phone, bsuid string) who {
	for _, c := range cs.list {
		if (phone != "" && c.phone == phone) || (bsuid != "" && c.bsuid == bsuid) {
			return c
		}
	}
	if len(cs.list) == 1 && (phone == "" || cs.list[0].phone == "") && (bsuid == "" || cs.list[0].bsuid == "") {
		return cs.list[0]
	}
	return who{}
}

// sender completes a sender's identities from the contacts array: a message may name its
// sender by number, by BSUID, or (from June 2026, for a customer with a username) by neither,
// leaving it to the only contact of the change.
func (cs *contacts) sender(w who) who {
	c := cs.find(w.phone, w.bsuid)
	if w.phone == "" {
		w.phone = c.phone
	}
	if w.bsuid == "" {
		w.bsuid = c.bsuid
	}
	if w.parent == "" {
		w.parent = c.parent
	}
	w.username, w.name = c.username, c.name
	return w
}

// bsuid reads a business-scoped user id; a malformed one is dropped, with the reason.
func (p *parser) bsuid(where, raw string) string {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return ""
	}
	b, err := inbox.ParseBSUID(where, raw)
	if err != nil {
		p.skip(where, err.Error()+"; it was left out")
		return ""
	}
	return b
}

// username reads a WhatsApp username; a malformed one is dropped (it is for display only).
func (p *parser) username(where, raw string) string {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return ""
	}
	u, err := inbox.ParseUsername(where, raw)
	if err != nil {
		p.skip(where, err.Error()+"; it was left out")
		return ""
	}
	return u
}

func (p *parser) message(where string, raw json.RawMessage, cs *contacts, echo bool) {
	var m message
	if err := json.Unmarshal(raw, &m); err != nil {
		p.skip(where, "not a message object: "+describe(err))
		return
	}
	var w who
	if echo {
		w = who{phone: strings.TrimPrefix(strings.TrimSpace(string(m.To)), "+")}
		w.bsuid = p.bsuid(where+".to_user_id", string(m.ToUserID))
		w.parent = p.bsuid(where+".to_parent_user_id", string(m.ToParentUserID))
	} else {
		w = who{phone: strings.TrimPrefix(strings.TrimSpace(string(m.From)), "+")}
		w.bsuid = p.bsuid(where+".from_user_id", string(m.FromUserID))
		w.parent = p.bsuid(where+".from_parent_user_id", string(m.FromParentUserID))
		w = cs.sender(w)
	}
	if w.phone == "" && w.bsuid == "" && w.parent == "" {
		if echo {
			p.skip(where, "the echo has no recipient (to or to_user_id)")
		} else {
			p.skip(where, "the message has no sender (from or from_user_id)")
		}
		return
	}
	if strings.TrimSpace(string(m.ID)) == "" {
		// Meta redelivers until it is answered 200: without the id a redelivery could not be
		// told from a new message, and each would be stored again
		p.skip(where, "the message has no id (WhatsApp gives every message one): it could not be told from a redelivery")
		return
	}
	ev := Event{Kind: KindMessage, ID: string(m.ID), From: w.phone, BSUID: w.bsuid, ParentBSUID: w.parent, Username: w.username,
		Name: clip(w.name, inbox.MaxName), At: timestamp(m.Timestamp), Type: strings.TrimSpace(string(m.Type))}
	if echo {
		ev.Kind, ev.Name, ev.Username = KindEcho, "", ""
	}
	if ev.Type == "system" {
		if echo || m.System == nil {
			p.skip(where, "a system message without its system object")
			return
		}
		sys := m.System
		switch strings.TrimSpace(string(sys.Type)) {
		case "user_changed_number", "user_changed_user_id":
			ev.Kind = KindNumberChange
			ev.NewPhone = strings.TrimPrefix(strings.TrimSpace(string(firstOf(sys.NewWaID, sys.WaID))), "+")
			ev.NewBSUID = p.bsuid(where+".system.user_id", string(firstOf(sys.NewUserID, sys.UserID)))
			if ev.NewPhone == "" && ev.NewBSUID == "" {
				p.skip(where, "the number change names no new number (system.wa_id) or id (system.user_id)")
				return
			}
		default:
			p.skip(where, fmt.Sprintf("system message %q is not handled (only user_changed_number and user_changed_user_id)", string(sys.Type)))
			return
		}
		p.seq++
		ev.seq = p.seq
		p.b.Events = append(p.b.Events, ev)
		return
	}
	ev.Text = clip(messageText(&m), inbox.MaxText)
	ev.Media = mediaOf(&m)
	if m.Context != nil {
		ev.Context = clip(strings.TrimSpace(string(m.Context.ID)), 256)
	}
	if r := m.Referral; r != nil && !echo {
		ref := &inbox.Referral{Headline: clip(string(r.Headline), inbox.MaxName), Body: clip(string(r.Body), inbox.MaxText),
			SourceType: clip(string(r.SourceType), inbox.MaxName), SourceID: clip(string(r.SourceID), inbox.MaxName),
			SourceURL: clip(string(r.SourceURL), inbox.MaxText), CtwaClid: clip(string(r.CtwaClid), inbox.MaxName)}
		if *ref != (inbox.Referral{}) {
			ev.Referral = ref
		}
	}
	if in := m.Interactive; in != nil && in.NfmReply != nil && strings.TrimSpace(string(in.Type)) == "nfm_reply" && !echo {
		ev.Text, ev.Form = "Submitted a form", formFields(string(in.NfmReply.ResponseJSON))
	}
	p.seq++
	ev.seq = p.seq
	p.b.Events = append(p.b.Events, ev)
}

func firstOf(vs ...flexString) flexString {
	for _, v := range vs {
		if strings.TrimSpace(string(v)) != "" {
			return v
		}
	}
	return ""
}

// mediaOf is a media message's attachment: its type, file name and type, and the error that
// kept WhatsApp from delivering it.
func mediaOf(m *message) *inbox.Media {
	typ := strings.TrimSpace(string(m.Type))
	md := map[string]*media{"image": m.Image, "video": m.Video, "audio": m.Audio, "sticker": m.Sticker, "document": m.Document}[typ]
	if md == nil && !slices.Contains([]string{"image", "video", "audio", "sticker", "document"}, typ) {
		return nil
	}
	out := &inbox.Media{Type: typ}
	if md != nil {
		out.Filename = clip(strings.TrimSpace(string(md.Filename)), inbox.MaxName)
		out.MimeType = clip(strings.TrimSpace(string(md.MimeType)), inbox.MaxName)
	}
	for _, e := range m.Errors {
		if t := strings.TrimSpace(string(firstOf(e.Title, e.Message))); t != "" {
			out.Error = clip(t, inbox.MaxName)
			break
		}
	}
	return out
}

// formFields are the answers of a submitted WhatsApp Flow (its response_json, a JSON object
// given as a string), by field name; the flow token is not an answer.
func formFields(raw string) []inbox.FormField {
	var obj map[string]json.RawMessage
	if json.Unmarshal([]byte(raw), &obj) != nil {
		return nil
	}
	names := make([]string, 0, len(obj))
	for k := range obj {
		if k != "flow_token" {
			names = append(names, k)
		}
	}
	sort.Strings(names)
	if len(names) > 100 {
		names = names[:100]
	}
	out := make([]inbox.FormField, 0, len(names))
	for _, k := range names {
		v := obj[k]
		var str string
		if json.Unmarshal(v, &str) != nil {
			str = string(bytes.TrimSpace(v)) // numbers, booleans, lists: as written
		}
		out = append(out, inbox.FormField{Name: clip(k, inbox.MaxName), Value: clip(str, inbox.MaxText)})
	}
	return out
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
		// the caption: what the attachment is, its name and error are kept beside it (mediaOf)
		md := map[string]*media{"image": m.Image, "video": m.Video, "audio": m.Audio, "sticker": m.Sticker, "document": m.Document}[typ]
		if md == nil {
			return ""
		}
		return strings.TrimSpace(string(md.Caption))
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
	out := Status{ID: string(s.ID), Status: st, Recipient: string(s.RecipientID),
		RecipientBSUID: p.bsuid(where+".recipient_user_id", string(s.RecipientUserID)), At: timestamp(s.Timestamp),
		Callback: clip(string(s.Callback), 512)}
	if len(s.Errors) > 0 {
		e := s.Errors[0]
		out.ErrorCode, out.ErrorTitle, out.ErrorDetails = int(e.Code.v), clip(string(e.Title), 256), clip(string(e.Data.Details), 512)
		if out.ErrorTitle == "" {
			out.ErrorTitle = clip(string(e.Message), 256)
		}
	}
	p.b.Statuses = append(p.b.Statuses, out)
}

func (p *parser) call(where string, raw json.RawMessage, cs *contacts) {
	var c call
	if err := json.Unmarshal(raw, &c); err != nil {
		p.skip(where, "not a call object: "+describe(err))
		return
	}
	if d := strings.ToUpper(strings.TrimSpace(string(c.Direction))); d == "BUSINESS_INITIATED" {
		p.skip(where, "a call the business placed is not an inbound call")
		return
	}
	w := who{phone: strings.TrimPrefix(strings.TrimSpace(string(c.From)), "+"), bsuid: p.bsuid(where+".from_user_id", string(c.FromUserID))}
	w = cs.sender(w)
	if w.phone == "" && w.bsuid == "" && w.parent == "" {
		p.skip(where, "the call has no caller (from or from_user_id)")
		return
	}
	ev := Event{Kind: KindCall, ID: string(c.ID), From: w.phone, BSUID: w.bsuid, ParentBSUID: w.parent, Username: w.username,
		Name: clip(w.name, inbox.MaxName), At: timestamp(c.Timestamp),
		CallEvent: strings.ToLower(strings.TrimSpace(string(c.Event))), CallStatus: strings.ToUpper(strings.TrimSpace(string(c.Status)))}
	if strings.TrimSpace(ev.ID) == "" {
		p.skip(where, "the call has no id (WhatsApp gives every call one): it could not be told from a redelivery")
		return
	}
	switch ev.CallEvent {
	case "connect":
		ev.Outcome = inbox.CallRinging
	case "terminate":
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
