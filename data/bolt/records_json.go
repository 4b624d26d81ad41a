package bolt

import (
	"encoding/json"
	"strconv"
	"unicode/utf8"

	"switchboard/inbox/domain"
	"switchboard/routing"
)

// The records an ingested event reads and writes — its conversation and contact read, its
// conversation and entry written — in the JSON encoding/json gives them, without its
// reflection: a fifth of the writer's CPU went to json.Unmarshal and json.Marshal (issue 17).
// The file's format does not change. encodeConversation and encodeEntry write the bytes
// json.Marshal writes (FuzzRecordsAreEncodingJSON compares them); decodeConversation and
// decodeContact read what json.Marshal writes, and whatever else they do not expect — an
// unknown or differently cased key, null, an escape they do not handle, invalid UTF-8, a number
// out of range, bytes after the object — sends the record to json.Unmarshal, so every record
// reads as it read before.

// unmarshalRecord decodes a record into v.
func unmarshalRecord(raw []byte, v any) error {
	switch x := v.(type) {
	case *Conversation:
		var c Conversation
		if decodeConversation(raw, &c) {
			*x = c
			return nil
		}
	case *Contact:
		var c Contact
		if decodeContact(raw, &c) {
			*x = c
			return nil
		}
	}
	return json.Unmarshal(raw, v)
}

// marshalRecord encodes a record (a value, as the Put methods pass them) as json.Marshal does.
func marshalRecord(v any) ([]byte, error) {
	switch x := v.(type) {
	case Conversation:
		if b, ok := encodeConversation(make([]byte, 0, 256), &x); ok {
			return b, nil
		}
	case Entry:
		if b, ok := encodeEntry(make([]byte, 0, 192), &x); ok {
			return b, nil
		}
	}
	return json.Marshal(v)
}

// --- encoding

const hexDigits = "0123456789abcdef"

// appendJSONString appends s as encoding/json writes a string: HTML-safe (<, > and & escaped),
// control characters escaped, invalid UTF-8 as U+FFFD, U+2028 and U+2029 escaped.
func appendJSONString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		if b := s[i]; b < utf8.RuneSelf {
			if b >= 0x20 && b != '"' && b != '\\' && b != '<' && b != '>' && b != '&' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch b {
			case '\\', '"':
				dst = append(dst, '\\', b)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[b>>4], hexDigits[b&0xf])
			}
			i++
			start = i
			continue
		}
		c, size := utf8.DecodeRuneInString(s[i:])
		if c == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if c == '\u2028' || c == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[c&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// jsonObject appends an object's fields; each field's name comes with its comma and quotes.
type jsonObject struct {
	b     []byte
	first bool
}

func (o *jsonObject) key(name string) {
	if o.first {
		o.first = false
	} else {
		o.b = append(o.b, ',')
	}
	o.b = append(o.b, '"')
	o.b = append(o.b, name...)
	o.b = append(o.b, '"', ':')
}

func (o *jsonObject) str(name, v string, omitEmpty bool) {
	if omitEmpty && v == "" {
		return
	}
	o.key(name)
	o.b = appendJSONString(o.b, v)
}

func (o *jsonObject) int(name string, v int64, omitEmpty bool) {
	if omitEmpty && v == 0 {
		return
	}
	o.key(name)
	o.b = strconv.AppendInt(o.b, v, 10)
}

func (o *jsonObject) uint(name string, v uint64) {
	o.key(name)
	o.b = strconv.AppendUint(o.b, v, 10)
}

func (o *jsonObject) flag(name string, v bool) {
	if v {
		o.key(name)
		o.b = append(o.b, "true"...)
	}
}

// encodeConversation appends c's JSON; false when it holds what only encoding/json writes (a
// team decision waiting).
func encodeConversation(dst []byte, c *Conversation) ([]byte, bool) {
	if c.Prompt != nil {
		return dst, false
	}
	o := jsonObject{b: append(dst, '{'), first: true}
	o.str("contact", c.Contact, false)
	o.str("status", string(c.Status), false)
	o.str("assignee", c.Assignee, true)
	o.str("team", c.Team, true)
	o.flag("bot_hold", c.BotHold)
	o.str("cover", c.Cover, true)
	o.flag("backlog", c.Backlog)
	o.uint("version", c.Version)
	o.int("last_at", c.LastAt, false)
	o.str("preview", c.Preview, true)
	o.str("preview_kind", string(c.PreviewKind), true)
	o.int("unread", int64(c.Unread), true)
	o.str("why", c.Why, true)
	o.str("why_reason", c.WhyReason, true)
	o.uint("seq", c.Seq)
	o.int("last_inbound", c.LastInbound, true)
	return append(o.b, '}'), true
}

// encodeEntry appends e's JSON; false when it holds what only encoding/json writes (media, a
// referral, a form, a template).
func encodeEntry(dst []byte, e *Entry) ([]byte, bool) {
	if e.Media != nil || e.Referral != nil || len(e.Form) > 0 || e.Template != nil {
		return dst, false
	}
	at, err := e.At.MarshalJSON()
	if err != nil {
		return dst, false // json.Marshal says what is wrong with the time
	}
	o := jsonObject{b: append(dst, '{'), first: true}
	o.key("at")
	o.b = append(o.b, at...)
	o.str("kind", string(e.Kind), false)
	o.str("id", e.ID, true)
	o.str("by", e.By, true)
	o.str("reason", e.Reason, true)
	o.str("text", e.Text, true)
	o.str("outcome", string(e.Outcome), true)
	o.int("duration", int64(e.Duration), true)
	o.str("delivery", string(e.Delivery), true)
	o.str("context", e.Context, true)
	o.str("quote", e.Quote, true)
	o.str("source", e.Source, true)
	o.str("wamid", e.WAMID, true)
	o.str("error", e.Error, true)
	return append(o.b, '}'), true
}

// --- decoding

// jsonReader reads a JSON object of known fields; bad is set at the first thing it does not
// read exactly as encoding/json would (then the record goes to json.Unmarshal).
type jsonReader struct {
	b   []byte
	i   int
	bad bool
}

func (r *jsonReader) space() {
	for r.i < len(r.b) {
		switch r.b[r.i] {
		case ' ', '\t', '\n', '\r':
			r.i++
		default:
			return
		}
	}
}

func (r *jsonReader) next(c byte) bool {
	r.space()
	if r.i < len(r.b) && r.b[r.i] == c {
		r.i++
		return true
	}
	return false
}

// object calls field for each key of an object (positioned on its value); field returns false
// for a key it does not know.
func (r *jsonReader) object(field func(key []byte) bool) bool {
	if !r.next('{') {
		return false
	}
	if r.next('}') {
		return r.end()
	}
	for {
		r.space()
		key, ok := r.rawString()
		if !ok || !r.next(':') || !field(key) || r.bad {
			return false
		}
		if r.next(',') {
			continue
		}
		if r.next('}') {
			return r.end()
		}
		return false
	}
}

// end: nothing but spaces after the object.
func (r *jsonReader) end() bool {
	r.space()
	return r.i == len(r.b) && !r.bad
}

// rawString reads a string without escapes, control characters or bytes above ASCII (a key).
func (r *jsonReader) rawString() ([]byte, bool) {
	if r.i >= len(r.b) || r.b[r.i] != '"' {
		return nil, false
	}
	for j := r.i + 1; j < len(r.b); j++ {
		switch c := r.b[j]; {
		case c == '"':
			s := r.b[r.i+1 : j]
			r.i = j + 1
			return s, true
		case c == '\\' || c < 0x20 || c >= utf8.RuneSelf:
			return nil, false
		}
	}
	return nil, false
}

func (r *jsonReader) str() string {
	r.space()
	if r.i >= len(r.b) || r.b[r.i] != '"' {
		r.bad = true
		return ""
	}
	j := r.i + 1
	ascii := true
	for ; j < len(r.b); j++ {
		c := r.b[j]
		if c == '"' {
			break
		}
		if c == '\\' {
			return r.escaped()
		}
		if c < 0x20 {
			r.bad = true
			return ""
		}
		if c >= utf8.RuneSelf {
			ascii = false
		}
	}
	if j >= len(r.b) {
		r.bad = true
		return ""
	}
	s := r.b[r.i+1 : j]
	if !ascii && !utf8.Valid(s) {
		r.bad = true // encoding/json turns each invalid byte into U+FFFD
		return ""
	}
	r.i = j + 1
	return string(s)
}

// escaped reads a string with escapes (the reader is on its opening quote).
func (r *jsonReader) escaped() string {
	out := make([]byte, 0, 64)
	j := r.i + 1
	for j < len(r.b) {
		c := r.b[j]
		switch {
		case c == '"':
			if !utf8.Valid(out) {
				r.bad = true
				return ""
			}
			r.i = j + 1
			return string(out)
		case c < 0x20:
			r.bad = true
			return ""
		case c != '\\':
			out = append(out, c)
			j++
			continue
		}
		if j+1 >= len(r.b) {
			r.bad = true
			return ""
		}
		switch e := r.b[j+1]; e {
		case '"', '\\', '/':
			out = append(out, e)
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			if j+6 > len(r.b) {
				r.bad = true
				return ""
			}
			n, err := strconv.ParseUint(string(r.b[j+2:j+6]), 16, 16)
			if err != nil || (n >= 0xd800 && n < 0xe000) {
				r.bad = true // a surrogate: encoding/json pairs them (or replaces them)
				return ""
			}
			out = utf8.AppendRune(out, rune(n))
			j += 6
			continue
		default:
			r.bad = true
			return ""
		}
		j += 2
	}
	r.bad = true
	return ""
}

// number reads an integer literal (an optional minus, digits without a leading zero, nothing of
// a fraction or exponent after it) and returns it as it stands.
func (r *jsonReader) number() (lit []byte, neg bool) {
	r.space()
	j := r.i
	if j < len(r.b) && r.b[j] == '-' {
		neg = true
		j++
	}
	k := j
	for k < len(r.b) && r.b[k] >= '0' && r.b[k] <= '9' {
		k++
	}
	if k == j || (r.b[j] == '0' && k > j+1) || (k < len(r.b) && (r.b[k] == '.' || r.b[k] == 'e' || r.b[k] == 'E')) {
		r.bad = true
		return nil, false
	}
	lit, r.i = r.b[r.i:k], k
	return lit, neg
}

func (r *jsonReader) int(bits int) int64 {
	lit, _ := r.number()
	n, err := strconv.ParseInt(string(lit), 10, bits)
	if err != nil {
		r.bad = true
	}
	return n
}

func (r *jsonReader) uint() uint64 {
	lit, neg := r.number()
	n, err := strconv.ParseUint(string(lit), 10, 64)
	if err != nil || neg {
		r.bad = true // encoding/json refuses a negative number for an unsigned field
	}
	return n
}

func (r *jsonReader) flag() bool {
	r.space()
	switch {
	case len(r.b)-r.i >= 4 && string(r.b[r.i:r.i+4]) == "true":
		r.i += 4
		return true
	case len(r.b)-r.i >= 5 && string(r.b[r.i:r.i+5]) == "false":
		r.i += 5
		return false
	}
	r.bad = true
	return false
}

// strs reads an array of strings ([] is an empty, not a nil, slice, as encoding/json makes it).
func (r *jsonReader) strs() []string {
	if !r.next('[') {
		r.bad = true
		return nil
	}
	out := []string{}
	if r.next(']') {
		return out
	}
	for !r.bad {
		out = append(out, r.str())
		if r.next(',') {
			continue
		}
		if r.next(']') {
			return out
		}
		r.bad = true
	}
	return nil
}

func decodeConversation(raw []byte, c *Conversation) bool {
	r := jsonReader{b: raw}
	return r.object(func(key []byte) bool {
		switch string(key) {
		case "contact":
			c.Contact = r.str()
		case "status":
			c.Status = routing.Status(r.str())
		case "assignee":
			c.Assignee = r.str()
		case "team":
			c.Team = r.str()
		case "bot_hold":
			c.BotHold = r.flag()
		case "cover":
			c.Cover = r.str()
		case "backlog":
			c.Backlog = r.flag()
		case "version":
			c.Version = r.uint()
		case "last_at":
			c.LastAt = r.int(64)
		case "preview":
			c.Preview = r.str()
		case "preview_kind":
			c.PreviewKind = domain.EntryKind(r.str())
		case "unread":
			c.Unread = int(r.int(strconv.IntSize))
		case "why":
			c.Why = r.str()
		case "why_reason":
			c.WhyReason = r.str()
		case "seq":
			c.Seq = r.uint()
		case "last_inbound":
			c.LastInbound = r.int(64)
		default:
			return false // a prompt, or a key only encoding/json knows what to do with
		}
		return true
	})
}

func decodeContact(raw []byte, c *Contact) bool {
	r := jsonReader{b: raw}
	return r.object(func(key []byte) bool {
		switch string(key) {
		case "id":
			c.ID = r.str()
		case "name":
			c.Name = r.str()
		case "owner":
			c.Owner = r.str()
		case "tags":
			c.Tags = r.strs()
		case "phone":
			c.Phone = r.str()
		case "bsuid":
			c.BSUID = r.str()
		case "parent_bsuid":
			c.ParentBSUID = r.str()
		case "username":
			c.Username = r.str()
		case "past_phones":
			c.PastPhones = r.strs()
		case "past_bsuids":
			c.PastBSUIDs = r.strs()
		case "aliases":
			c.Aliases = r.strs()
		default:
			return false
		}
		return true
	})
}
