package webhook

import (
	"errors"
	"reflect"
	"testing"
	"unicode/utf8"

	"switchboard/inbox"
)

// FuzzParse feeds the parser arbitrary bodies: it must never panic, fail only with a
// *ParseError, be deterministic, and hand the inbox only what it accepts.
func FuzzParse(f *testing.F) {
	msgs, _ := everyType()
	f.Add(mustJSON(f, payload(messagesChange(gus, "Gus Lee", msgs...))))
	f.Add(mustJSON(f, payload(callsChange(connectCall("wacid.1", gus, "1764000000"), terminateCall("wacid.1", gus, 1764000060, "COMPLETED", 60),
		terminateCall("wacid.2", gus, "1764000000", "failed", nil)))))
	f.Add(mustJSON(f, payload(statusesChange(statusObj("sb.15550001111.4", "read", "1764000000"), statusObj("x", "DELIVERED", 1)))))
	f.Add(mustJSON(f, obj{"object": "whatsapp_business_account", "entry": []any{obj{"changes": []any{
		messagesChange("", "", textMsg("", "", nil, "")), obj{"field": 5, "value": []any{1}}, 7}}, "x"}}))
	for _, s := range []string{"", "{", "null", `{"object":"whatsapp_business_account","entry":[{"changes":[{"value":{"messages":[{"from":"1","timestamp":"1e999","type":"location","location":{"latitude":"NaN"}}]}}]}]}`,
		`{"object":"whatsapp_business_account","entry":[{"changes":[{"value":{"calls":[{"from":"1","event":"terminate","id":"c","duration":-1e308}]}}]}]}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		b, err := Parse(body)
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error of type %T: %v", err, err)
			}
			if _, serr := slowParse(body); serr == nil || serr.Error() != err.Error() {
				t.Fatalf("Parse refused with %v, level by level with %v", err, serr)
			}
			return
		}
		again, _ := Parse(body)
		if !reflect.DeepEqual(b, again) {
			t.Fatal("Parse is not deterministic")
		}
		// the one-pass reading of the usual shape and the level-by-level one agree
		if slow, serr := slowParse(body); serr != nil || !reflect.DeepEqual(b, slow) {
			t.Fatalf("one pass and level by level differ:\n%+v\n%+v (%v)", b, slow, serr)
		}
		var last int64 = -1 << 63
		for i, e := range b.Events {
			if (e.From == "" && e.BSUID == "" && e.ParentBSUID == "") || !utf8.ValidString(e.Name) || utf8.RuneCountInString(e.Name) > inbox.MaxName {
				t.Fatalf("event %d: bad sender %+v", i, e)
			}
			if !e.At.IsZero() && (e.At.Unix() <= 0 || !e.At.Before(latest)) {
				t.Fatalf("event %d: time %v out of range", i, e.At)
			}
			k := int64(1<<63 - 1)
			if !e.At.IsZero() {
				k = e.At.UnixNano()
			}
			if k < last {
				t.Fatalf("event %d out of time order", i)
			}
			last = k
			switch e.Kind {
			case KindMessage, KindEcho:
				shown := inbox.EntryText(inbox.Entry{Text: e.Text, Media: e.Media, Form: e.Form})
				if shown == "" || !utf8.ValidString(e.Text) || utf8.RuneCountInString(e.Text) > inbox.MaxText {
					t.Fatalf("message %d: text %q", i, e.Text)
				}
			case KindNumberChange:
				if e.NewPhone == "" && e.NewBSUID == "" {
					t.Fatalf("number change %d names nobody new: %+v", i, e)
				}
			case KindCall:
				switch {
				case e.CallEvent == "connect" && e.Outcome == inbox.CallRinging && e.Duration == 0:
				case e.CallEvent == "terminate" && e.ID != "" && e.Outcome == inbox.CallAnswered && e.Duration > 0:
				case e.CallEvent == "terminate" && e.ID != "" && e.Outcome == inbox.CallMissed && e.Duration == 0:
				default:
					t.Fatalf("call %d: %+v", i, e)
				}
			default:
				t.Fatalf("event %d: kind %q", i, e.Kind)
			}
		}
		for _, s := range b.Statuses {
			if s.ID == "" || (s.Status != "sent" && s.Status != "delivered" && s.Status != "read" && s.Status != "failed") {
				t.Fatalf("status %+v", s)
			}
		}
	})
}
