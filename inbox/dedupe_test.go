package inbox

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"switchboard/data"
	"switchboard/data/postgres/pgtest"
	"switchboard/inbox/domain"
)

// WhatsApp's message ids are unique, and Meta delivers a message again until it is answered 200,
// each delivery naming the customer by the identities it has at hand: the number, the BSUID or
// both. A message is stored once whatever identity each delivery carries, and a duplicate links
// what it carries to the contact that has the message, as the message would have linked it the
// first time (docs/identities.md). These tests run on both engines.

// onEngines runs fn on every storage engine: bbolt, and PostgreSQL when a server can be had
// (data/postgres/pgtest: skipped without one, failed with SWITCHBOARD_PG_REQUIRED set). open
// gives a new service with the fixture workspace imported.
func onEngines(t *testing.T, fn func(t *testing.T, open func(t *testing.T) *Service)) {
	t.Run("bolt", func(t *testing.T) { fn(t, func(t *testing.T) *Service { return newService(t, true) }) })
	t.Run("postgres", func(t *testing.T) {
		cluster := pgtest.Start(t, pgtest.Options{})
		t.Cleanup(cluster.Stop)
		fn(t, func(t *testing.T) *Service {
			st, err := data.Open(cluster.DSN(t))
			if err != nil {
				t.Fatal(err)
			}
			c := &clock{t: time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)}
			s, err := New(st, Options{Now: c.now, NoTimers: true})
			if err != nil {
				st.Close()
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			raw, err := os.ReadFile("testdata/workspace.json")
			if err != nil {
				t.Fatal(err)
			}
			if err := s.Import(ctx, "", strings.NewReader(string(raw)), false); err != nil {
				t.Fatal(err)
			}
			return s
		})
	})
}

// storedAt lists, for each entry stored with the inbound id, the contact whose timeline has it.
func storedAt(t *testing.T, s *Service, id string) []string {
	t.Helper()
	var out []string
	err := s.Store().View(func(tx domain.ReadTx) error {
		var contacts []string
		if err := tx.Conversations(func(c domain.Conversation) error { contacts = append(contacts, c.Contact); return nil }); err != nil {
			return err
		}
		for _, c := range contacts {
			es, _, err := tx.Timeline(c, "", 10000)
			if err != nil {
				return err
			}
			for _, e := range es {
				if e.ID == id && e.Kind != domain.KindNote {
					out = append(out, c)
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// contactsOf lists the ids of the contacts that each identity finds ("" for none).
func contactsOf(t *testing.T, s *Service, ids ...string) []string {
	t.Helper()
	var out []string
	for _, id := range ids {
		c, err := s.Contact(ctx, id)
		if KindOf(err) == NotFound {
			out = append(out, "")
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, c.ID)
	}
	return out
}

func msg(from, bsuid, id, text string) Inbound {
	return Inbound{Channel: "message", From: from, BSUID: bsuid, ExternalID: id, Text: text}
}

func TestAMessageIsStoredOnceWhateverIdentityEachDeliveryCarries(t *testing.T) {
	const (
		phoneA, bsuidA = "4470000003", "GB.5550003"
		phoneB, bsuidB = "4470000002", "GB.5550002"
	)
	onEngines(t, func(t *testing.T, open func(t *testing.T) *Service) {
		// the tester's case (a): the retry with the BSUID is a duplicate, and links it
		t.Run("ADuplicateLinksTheBSUIDItCarries", func(t *testing.T) {
			s := open(t)
			noErr(s.Inject(ctx, msg(phoneA, "", "wamid.seq3a", "hello")))(t)
			out := noErr(s.Inject(ctx, msg(phoneA, bsuidA, "wamid.seq3a", "hello")))(t)
			if !out.Duplicate || out.Unlinked != "" || out.Conversation.Contact.ID != phoneA || out.Conversation.Contact.BSUID != bsuidA {
				t.Fatalf("the retry with the BSUID: duplicate %v, unlinked %q, contact %+v; want a duplicate whose contact %s has %s",
					out.Duplicate, out.Unlinked, out.Conversation.Contact, phoneA, bsuidA)
			}
			out = noErr(s.Inject(ctx, msg(bsuidA, "", "wamid.seq3b", "are you there?")))(t)
			if out.Duplicate || out.Conversation.Contact.ID != phoneA {
				t.Fatalf("the next message with the BSUID alone went to %s (duplicate %v), want %s", out.Conversation.Contact.ID, out.Duplicate, phoneA)
			}
			if got := contactsOf(t, s, phoneA, bsuidA); !slices.Equal(got, []string{phoneA, phoneA}) {
				t.Fatalf("the number and the BSUID find %v: one contact wanted", got)
			}
			if got := storedAt(t, s, "wamid.seq3a"); !slices.Equal(got, []string{phoneA}) {
				t.Fatalf("wamid.seq3a is stored in %v", got)
			}
		})
		// the tester's case (b): the same wamid with the BSUID alone is the same message
		t.Run("TheSameIDWithTheBSUIDAloneIsADuplicate", func(t *testing.T) {
			s := open(t)
			noErr(s.Inject(ctx, msg(phoneB, "", "wamid.seq1", "hello")))(t)
			out := noErr(s.Inject(ctx, msg(bsuidB, "", "wamid.seq1", "hello")))(t)
			if !out.Duplicate || out.Unlinked != "" || out.Conversation.Contact.ID != phoneB || out.Conversation.Contact.BSUID != bsuidB {
				t.Fatalf("the BSUID-only delivery: duplicate %v, unlinked %q, contact %+v; want a duplicate linking %s to %s",
					out.Duplicate, out.Unlinked, out.Conversation.Contact, bsuidB, phoneB)
			}
			if out := noErr(s.Inject(ctx, msg(phoneB, bsuidB, "wamid.seq1", "hello")))(t); !out.Duplicate || out.Unlinked != "" {
				t.Fatalf("the delivery with both: %+v", out)
			}
			if got := storedAt(t, s, "wamid.seq1"); !slices.Equal(got, []string{phoneB}) {
				t.Fatalf("wamid.seq1 is stored in %v, want once in %s", got, phoneB)
			}
			if got := contactsOf(t, s, phoneB, bsuidB); !slices.Equal(got, []string{phoneB, phoneB}) {
				t.Fatalf("the number and the BSUID find %v", got)
			}
		})
		// the other way round: the BSUID first, the number in a retry
		t.Run("TheSameIDWithTheNumberAloneLinksTheNumber", func(t *testing.T) {
			s := open(t)
			noErr(s.Inject(ctx, msg(bsuidB, "", "wamid.seq2", "hello")))(t)
			out := noErr(s.Inject(ctx, msg(phoneB, "", "wamid.seq2", "hello")))(t)
			if !out.Duplicate || out.Unlinked != "" || out.Conversation.Contact.ID != bsuidB || out.Conversation.Contact.Phone != phoneB {
				t.Fatalf("the number-only delivery: duplicate %v, unlinked %q, contact %+v", out.Duplicate, out.Unlinked, out.Conversation.Contact)
			}
			if got := contactsOf(t, s, phoneB, bsuidB); !slices.Equal(got, []string{bsuidB, bsuidB}) {
				t.Fatalf("the number and the BSUID find %v", got)
			}
		})
		// a duplicate that joins two contacts of one person merges them, as a new message would
		t.Run("ADuplicateMergesTheSamePersonsTwoContacts", func(t *testing.T) {
			s := open(t)
			noErr(s.Inject(ctx, msg(phoneA, "", "wamid.m1", "first, by number")))(t)
			noErr(s.Inject(ctx, msg(bsuidA, "", "wamid.m2", "second, by BSUID")))(t)
			out := noErr(s.Inject(ctx, msg(phoneA, bsuidA, "wamid.m1", "first, by number")))(t)
			if !out.Duplicate || out.Unlinked != "" || out.Conversation.Contact.ID != phoneA {
				t.Fatalf("the retry with both: %+v", out)
			}
			if got := contactsOf(t, s, phoneA, bsuidA); !slices.Equal(got, []string{phoneA, phoneA}) {
				t.Fatalf("after the merge the number and the BSUID find %v", got)
			}
			for _, id := range []string{"wamid.m1", "wamid.m2"} {
				if got := storedAt(t, s, id); !slices.Equal(got, []string{phoneA}) {
					t.Fatalf("%s is stored in %v", id, got)
				}
			}
			if out := noErr(s.Inject(ctx, msg(bsuidA, "", "wamid.m2", "second, by BSUID")))(t); !out.Duplicate || out.Conversation.Contact.ID != phoneA {
				t.Fatalf("the merged message again: %+v", out)
			}
		})
		// what contradicts the contact that has the message stays unlinked, and says so
		t.Run("AConflictingIdentityIsNotLinked", func(t *testing.T) {
			s := open(t)
			noErr(s.Inject(ctx, msg(phoneA, bsuidA, "wamid.c1", "hello")))(t)
			out := noErr(s.Inject(ctx, msg(phoneA, "GB.999", "wamid.c1", "hello")))(t)
			if !out.Duplicate || !strings.Contains(out.Unlinked, "GB.999") || out.Conversation.Contact.BSUID != bsuidA {
				t.Fatalf("another BSUID: duplicate %v, unlinked %q, contact %+v", out.Duplicate, out.Unlinked, out.Conversation.Contact)
			}
			out = noErr(s.Inject(ctx, msg("4470000999", "", "wamid.c1", "hello")))(t)
			if !out.Duplicate || !strings.Contains(out.Unlinked, "+4470000999") || out.Conversation.Contact.Phone != phoneA {
				t.Fatalf("another number: duplicate %v, unlinked %q, contact %+v", out.Duplicate, out.Unlinked, out.Conversation.Contact)
			}
			if got := contactsOf(t, s, "GB.999", "4470000999"); !slices.Equal(got, []string{"", ""}) {
				t.Fatalf("the unlinked identities find %v", got)
			}
			if got := storedAt(t, s, "wamid.c1"); !slices.Equal(got, []string{phoneA}) {
				t.Fatalf("wamid.c1 is stored in %v", got)
			}
		})
		// a call's end with another identity ends the same call, and links it
		t.Run("ACallEndWithTheBSUIDEndsTheCallAndLinksIt", func(t *testing.T) {
			s := open(t)
			noErr(s.Inject(ctx, Inbound{Channel: "call", From: phoneA, ExternalID: "call.1"}))(t)
			out := noErr(s.EndCall(ctx, CallEnd{From: bsuidA, CallID: "call.1", Outcome: CallAnswered, Duration: 30}))(t)
			if out.Duplicate || out.Conversation.Contact.ID != phoneA || out.Conversation.Contact.BSUID != bsuidA || out.Entry == nil || out.Entry.Outcome != CallAnswered {
				t.Fatalf("the end with the BSUID: %+v (contact %+v)", out, out.Conversation.Contact)
			}
			if got := storedAt(t, s, "call.1"); !slices.Equal(got, []string{phoneA}) {
				t.Fatalf("call.1 is stored in %v", got)
			}
			if out := noErr(s.EndCall(ctx, CallEnd{From: phoneA, BSUID: bsuidA, CallID: "call.1", Outcome: CallAnswered, Duration: 30}))(t); !out.Duplicate {
				t.Fatalf("the end again: %+v", out)
			}
		})
		// the three variants of one message at once: stored once, one contact with both
		t.Run("ConcurrentDeliveriesInThreeIdentitiesStoreOnce", func(t *testing.T) {
			s := open(t)
			const customers = 12
			var wg sync.WaitGroup
			errs := make(chan error, customers*3)
			for i := 0; i < customers; i++ {
				p, b, id := fmt.Sprintf("44700001%02d", i), fmt.Sprintf("GB.77%02d", i), fmt.Sprintf("wamid.race.%d", i)
				for _, in := range []Inbound{msg(p, "", id, "hi"), msg(b, "", id, "hi"), msg(p, b, id, "hi")} {
					wg.Add(1)
					go func() {
						defer wg.Done()
						if _, err := s.Inject(ctx, in); err != nil {
							errs <- err
						}
					}()
				}
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Fatal(err)
			}
			for i := 0; i < customers; i++ {
				p, b, id := fmt.Sprintf("44700001%02d", i), fmt.Sprintf("GB.77%02d", i), fmt.Sprintf("wamid.race.%d", i)
				got := storedAt(t, s, id)
				if len(got) != 1 {
					t.Fatalf("%s is stored %d times: %v", id, len(got), got)
				}
				if cs := contactsOf(t, s, p, b); cs[0] != got[0] || cs[1] != got[0] {
					t.Fatalf("+%s and %s find %v; %s is in %s", p, b, cs, id, got[0])
				}
			}
		})
	})
}

// The inbound index is kept by day (docs/store.md): an event is found by its id among the
// entries of its own UTC day, the day before and the day after. A redelivery carries its
// event's time, so it is a duplicate however late it comes; a call that rang before midnight
// ends in place after it, and its end told again is a duplicate; an id that comes back dated
// days apart is another event.
func TestAnInboundIDIsFoundAroundItsOwnDay(t *testing.T) {
	onEngines(t, func(t *testing.T, open func(t *testing.T) *Service) {
		s := open(t)
		rang := time.Date(2026, 11, 20, 23, 55, 0, 0, time.UTC)
		msg := Inbound{Channel: "message", From: danaDiaz, Text: "late night", ExternalID: "wamid.night", At: rang}
		if out := noErr(s.Inject(ctx, msg))(t); out.Duplicate {
			t.Fatalf("the first delivery is a duplicate: %+v", out)
		}
		if out := noErr(s.Inject(ctx, msg))(t); !out.Duplicate {
			t.Fatalf("the redelivery (its own time) is not a duplicate: %+v", out)
		}
		call := Inbound{Channel: "call", From: danaDiaz, ExternalID: "wacid.night", Outcome: CallRinging, At: rang}
		noErr(s.Inject(ctx, call))(t)
		end := CallEnd{From: danaDiaz, CallID: "wacid.night", Outcome: CallAnswered, Duration: 1500, At: rang.Add(25 * time.Minute)}
		out := noErr(s.EndCall(ctx, end))(t)
		if out.Duplicate || out.Entry == nil || out.Entry.Outcome != CallAnswered || !out.Entry.At.Equal(rang) {
			t.Fatalf("the call's end after midnight did not end the call in place: %+v %+v", out, out.Entry)
		}
		if out := noErr(s.EndCall(ctx, end))(t); !out.Duplicate {
			t.Fatalf("the call's end told again is not a duplicate: %+v", out)
		}
		before := len(noErr(s.Conversation(ctx, "alice", danaDiaz, "", 100))(t).Timeline)
		again := msg
		again.At = rang.AddDate(0, 0, 3)
		if out := noErr(s.Inject(ctx, again))(t); out.Duplicate {
			t.Fatalf("an id dated three days apart is a duplicate: %+v", out)
		}
		if after := len(noErr(s.Conversation(ctx, "alice", danaDiaz, "", 100))(t).Timeline); after != before+1 {
			t.Fatalf("the event three days apart added %d entries, want 1", after-before)
		}
	})
}

// An external id is printable UTF-8 text wherever an event brings one. PostgreSQL's text holds
// no NUL and no invalid UTF-8, so "wamid.A\x00B" and "wamid.AB" would be one id there and two in
// bbolt: the first a duplicate on one engine and a new message on the other. Such an id is
// refused on both, changing nothing, and the printable id beside it is stored once.
func TestExternalIDsArePrintableText(t *testing.T) {
	onEngines(t, func(t *testing.T, open func(t *testing.T) *Service) {
		s := open(t)
		at := time.Date(2026, 11, 24, 11, 0, 0, 0, time.UTC)
		for _, id := range []string{"wamid.A\x00B", "wamid.A\xffB", "wamid.A\uFFFDB", "wamid.A\x1b[2JB", "wamid.A\u0085B", "wamid.A\u202eB", "wamid.A\u200bB"} {
			what := fmt.Sprintf("%q", id)
			for name, f := range map[string]func() error{
				"message": func() error {
					_, err := s.Inject(ctx, Inbound{Channel: "message", From: "15550001111", Text: "hi", ExternalID: id, At: at})
					return err
				},
				"call end": func() error {
					_, err := s.EndCall(ctx, CallEnd{From: "15550001111", CallID: id, Outcome: CallMissed, At: at})
					return err
				},
				"echo": func() error {
					_, err := s.RecordEcho(ctx, Echo{To: "15550001111", Text: "from the phone", ExternalID: id, At: at})
					return err
				},
				"number change": func() error {
					_, err := s.ChangeNumber(ctx, NumberChange{OldPhone: "15550001111", NewPhone: "15550004444", ExternalID: id, At: at})
					return err
				},
				"status": func() error {
					_, err := s.SetDeliveryStatus(ctx, DeliveryReq{ID: id, Status: "read"})
					return err
				},
			} {
				err := refusedUnchanged(t, s, Invalid, name+" "+what, f)
				if !strings.Contains(err.Error(), "UTF-8") && !strings.Contains(err.Error(), "control character") {
					t.Fatalf("%s %s: %q does not say what is wrong with the id", name, what, err)
				}
			}
		}
		// a status's callback is a fallback only: one that is no id of ours finds nothing, and
		// does not refuse the status (the webhook clips it to 512 characters)
		if found, err := s.SetDeliveryStatus(ctx, DeliveryReq{ID: "wamid.unknown", Status: "read", Callback: "cb\x00" + strings.Repeat("x", 400)}); err != nil || found {
			t.Fatalf("a status with an odd callback: %v %v", found, err)
		}
		for range 2 {
			noErr(s.Inject(ctx, Inbound{Channel: "message", From: "15550001111", Text: "hi", ExternalID: "wamid.AB", At: at}))(t)
		}
		if got := storedAt(t, s, "wamid.AB"); len(got) != 1 {
			t.Fatalf("wamid.AB is stored in %v, want once", got)
		}
	})
}

// A number change to what the contact already is (the number it has; a change told again
// without its id, once applied) is refused and writes nothing: it wrote a note "the customer's
// id changed from  to ".
func TestNumberChangeToTheSameIsNone(t *testing.T) {
	onEngines(t, func(t *testing.T, open func(t *testing.T) *Service) {
		s := open(t)
		for _, c := range []NumberChange{
			{OldPhone: "15550001111", NewPhone: "15550001111"},
			{OldPhone: "15550001111", NewPhone: "15550001111", ExternalID: "wamid.same"},
		} {
			err := refusedUnchanged(t, s, Conflict, "the same number", func() error { _, err := s.ChangeNumber(ctx, c); return err })
			if !strings.Contains(err.Error(), "which the contact already is: nothing to change") {
				t.Fatalf("%v", err)
			}
		}
		noErr(s.ChangeNumber(ctx, NumberChange{OldPhone: "15550001111", NewPhone: "15550004444"}))(t)
		// told again without its id: the old number is no one's now, the new one the contact's
		err := refusedUnchanged(t, s, Conflict, "told again", func() error {
			_, err := s.ChangeNumber(ctx, NumberChange{OldPhone: "15550001111", NewPhone: "15550004444"})
			return err
		})
		if !strings.Contains(err.Error(), "already is") {
			t.Fatalf("%v", err)
		}
	})
}
