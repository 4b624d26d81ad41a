package bolt

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"switchboard/inbox/domain"
	"switchboard/routing"
)

// tricky strings: what encoding/json escapes or replaces
var trickyStrings = []string{"", "plain", "Inés Müller", "<b>&amp;</b>", "line\nbreak\ttab\r", "\b\f\x00\x1f\x7f",
	`quote " and \ backslash /`, "\u2028\u2029", "bad \xff utf-8 \xc3", "😀 👋🏽 🇧🇷", "\xed\xa0\x80 surrogate bytes"}

// FuzzRecordsAreEncodingJSON: the hand-written encoders write json.Marshal's bytes, and the
// decoders read them back as json.Unmarshal does.
func FuzzRecordsAreEncodingJSON(f *testing.F) {
	for i, s := range trickyStrings {
		f.Add(s, trickyStrings[(i+3)%len(trickyStrings)], int64(i)*1e17-3, uint64(i)<<60, i%2 == 0)
	}
	f.Fuzz(func(t *testing.T, s1, s2 string, n int64, u uint64, flag bool) {
		cv := Conversation{Contact: s1, Status: routing.Status(s2), Assignee: s2, BotHold: flag, Version: u, LastAt: n,
			Preview: s1 + s2, PreviewKind: domain.EntryKind(s1), Unread: int(n % 1000), Why: s2, Seq: u / 3, LastInbound: -n}
		if flag {
			cv.Team, cv.Cover, cv.Backlog, cv.WhyReason = s1, s2, true, s1
		}
		e := Entry{At: time.Unix(0, n).UTC(), Kind: domain.EntryKind(s2), ID: s1, Text: s2, Duration: int(n % 7200),
			Delivery: domain.Delivery(s1), Context: s2, Quote: s1, Source: s2, WAMID: s1, Error: s2}
		if flag {
			e.By, e.Reason, e.Outcome = s1, s2, domain.CallOutcome(s1)
			e.At = time.Unix(n/1e9, 0).In(time.FixedZone("", int(u%50000)))
		}
		ct := Contact{ID: s1, Name: s2, Owner: s1, Phone: s2, Username: s1 + s2}
		if flag {
			ct.Tags, ct.PastPhones, ct.PastBSUIDs, ct.Aliases = []string{s1, s2}, []string{}, []string{s2}, []string{s1}
			ct.BSUID, ct.ParentBSUID = s2, s1
		}
		for _, v := range []any{cv, e, ct} {
			want, werr := json.Marshal(v)
			got, gerr := marshalRecord(v)
			if (werr != nil) != (gerr != nil) || !bytes.Equal(got, want) {
				t.Fatalf("%T: encoded\n%q (%v), encoding/json\n%q (%v)", v, got, gerr, want, werr)
			}
			if werr != nil {
				continue
			}
			checkDecode(t, want)
		}
	})
}

// FuzzRecordsDecodeAsUnmarshal: whatever the bytes, a record the hand-written decoders read is
// the record json.Unmarshal reads (and what they do not read goes to json.Unmarshal).
func FuzzRecordsDecodeAsUnmarshal(f *testing.F) {
	for _, s := range []string{
		`{"contact":"+1","status":"open","version":3,"last_at":-5,"seq":0}`,
		`{"id":"+1","name":"A","tags":[],"aliases":["x","y"]}`,
		` {"contact" : "a\u00e9\n\"" , "unread":01} `, `{"Contact":"x"}`, `{"tags":null}`, `{"unread":1e3}`,
		`{"contact":"\ud83d\ude00"}`, `{"version":-1}`, `{"bot_hold":true,"backlog":false}`, `{} x`, `{"id":"a","id":"b"}`,
		`{"contact":"` + "\xff" + `"}`, `{"prompt":{"kind":"owner"}}`, `{"unread":99999999999999999999}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) { checkDecode(t, raw) })
}

func checkDecode(t *testing.T, raw []byte) {
	t.Helper()
	var fc, jc Conversation
	if decodeConversation(raw, &fc) {
		if err := json.Unmarshal(raw, &jc); err != nil || !reflect.DeepEqual(fc, jc) {
			t.Fatalf("conversation %q: read %+v, encoding/json %+v (%v)", raw, fc, jc, err)
		}
	}
	var fk, jk Contact
	if decodeContact(raw, &fk) {
		if err := json.Unmarshal(raw, &jk); err != nil || !reflect.DeepEqual(fk, jk) {
			t.Fatalf("contact %q: read %+v, encoding/json %+v (%v)", raw, fk, jk, err)
		}
	}
	// and through unmarshalRecord, which falls back: the same record, the same error or none
	for _, pair := range [][2]any{{new(Conversation), new(Conversation)}, {new(Contact), new(Contact)}} {
		gerr, werr := unmarshalRecord(raw, pair[0]), json.Unmarshal(raw, pair[1])
		if (gerr != nil) != (werr != nil) || (werr == nil && !reflect.DeepEqual(pair[0], pair[1])) {
			t.Fatalf("%T %q: %+v (%v), encoding/json %+v (%v)", pair[0], raw, pair[0], gerr, pair[1], werr)
		}
	}
}

// The hand-written readers take the usual records themselves (not through encoding/json).
func TestRecordsOfAnEventAreReadWithoutEncodingJSON(t *testing.T) {
	cv := Conversation{Contact: "+15550001", Status: "open", Assignee: "lena", Team: "support", Version: 7,
		LastAt: time.Now().UnixNano(), Preview: "Olá, <b>pedido</b> 👋", PreviewKind: "message", Unread: 2, Why: "Owner", Seq: 9}
	raw, _ := json.Marshal(cv)
	var got Conversation
	if !decodeConversation(raw, &got) || !reflect.DeepEqual(got, cv) {
		t.Fatalf("read %+v from %s", got, raw)
	}
	ct := Contact{ID: "+15550001", Name: "Inés", Owner: "lena", Tags: []string{"vip"}, Phone: "15550001"}
	raw, _ = json.Marshal(ct)
	var gk Contact
	if !decodeContact(raw, &gk) || !reflect.DeepEqual(gk, ct) {
		t.Fatalf("read %+v from %s", gk, raw)
	}
	if b, ok := encodeEntry(nil, &Entry{At: time.Now(), Kind: "message", ID: "wamid.1", Text: "hi"}); !ok || !strings.HasPrefix(string(b), `{"at":"`) {
		t.Fatalf("entry: %q %v", b, ok)
	}
}
