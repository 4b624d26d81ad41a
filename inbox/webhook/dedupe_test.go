package webhook

import (
	"bytes"
	"fmt"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"switchboard/data"
	"switchboard/data/postgres/pgtest"
	"switchboard/inbox"
)

// Meta delivers a message again until it is answered 200, and each delivery names the customer by
// what it has at hand: their number (wa_id, from), their business-scoped user id (user_id,
// from_user_id), or both. What the deliveries' results say, over signed POSTs, on both engines.

const dedupeSecret = "app-secret"

// onEngines runs fn on every storage engine: bbolt, and PostgreSQL when a server can be had
// (data/postgres/pgtest). open gives a new service with the inbox's fixture imported.
func onEngines(t *testing.T, fn func(t *testing.T, open func(t *testing.T) *inbox.Service)) {
	t.Run("bolt", func(t *testing.T) { fn(t, func(t *testing.T) *inbox.Service { return newService(t) }) })
	t.Run("postgres", func(t *testing.T) {
		cluster := pgtest.Start(t, pgtest.Options{})
		t.Cleanup(cluster.Stop)
		fn(t, func(t *testing.T) *inbox.Service {
			st, err := data.Open(cluster.DSN(t))
			if err != nil {
				t.Fatal(err)
			}
			c := &clock{t: time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)}
			s, err := inbox.New(st, inbox.Options{Now: c.now, NoTimers: true})
			if err != nil {
				st.Close()
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			raw, err := os.ReadFile("../testdata/workspace.json")
			if err != nil {
				t.Fatal(err)
			}
			if err := s.Import(ctx, "", bytes.NewReader(raw), false); err != nil {
				t.Fatal(err)
			}
			return s
		})
	})
}

// signed posts the changes as one signed payload and returns its result.
func signed(t *testing.T, h http.Handler, changes ...obj) Result {
	t.Helper()
	body := mustJSON(t, payload(changes...))
	a := wantCode(t, post(t, h, body, SignatureHeader, Sign(dedupeSecret, body)), http.StatusOK)
	if a.Result == nil {
		t.Fatal("no result")
	}
	return *a.Result
}

// delivery is one message as a delivery names its customer: by number, BSUID or both.
func delivery(phone, bsuid, id, body string) obj {
	return userChange(phone, bsuid, "", "Kim", "", userMsg(phone, bsuid, id, "1764000100", body))
}

func messageCount(t *testing.T, s *inbox.Service, contact, id string) int {
	t.Helper()
	n := 0
	for _, e := range entries(t, s, contact) {
		if e.ID == id {
			n++
		}
	}
	return n
}

func TestARedeliveryWithAnotherIdentityIsADuplicate(t *testing.T) {
	onEngines(t, func(t *testing.T, open func(t *testing.T) *inbox.Service) {
		// the tester's (a): number; number and BSUID (a duplicate, which links them); BSUID alone
		t.Run("TheDuplicateLinksTheBSUID", func(t *testing.T) {
			s := open(t)
			h := Handler(s, Options{Secret: dedupeSecret})
			before := contactCount(t, s)
			if r := signed(t, h, delivery("4470000003", "", "wamid.seq3a", "hello")); r.Messages != 1 {
				t.Fatalf("first delivery: %+v", r)
			}
			if r := signed(t, h, delivery("4470000003", "GB.5550003", "wamid.seq3a", "hello")); r.Duplicates != 1 || r.Messages != 0 || len(r.Skipped) != 0 {
				t.Fatalf("the retry with the BSUID: %+v, want one duplicate and nothing skipped", r)
			}
			if r := signed(t, h, delivery("", "GB.5550003", "wamid.seq3b", "still there?")); r.Messages != 1 || r.Duplicates != 0 {
				t.Fatalf("the next message by BSUID: %+v", r)
			}
			if n := contactCount(t, s); n != before+1 {
				t.Fatalf("%d new contacts, want 1", n-before)
			}
			if c := contactOf(t, s, "GB.5550003"); c.ID != "4470000003" || c.Phone != "4470000003" {
				t.Fatalf("GB.5550003 finds %+v", c)
			}
			if got := texts(entries(t, s, "4470000003")); len(got) != 2 {
				t.Fatalf("the conversation holds %q, want both messages", got)
			}
		})
		// the tester's (b): number; BSUID alone, same wamid (a duplicate); both (a duplicate)
		t.Run("TheSameWamidWithTheBSUIDAloneIsNotStoredAgain", func(t *testing.T) {
			s := open(t)
			h := Handler(s, Options{Secret: dedupeSecret})
			before := contactCount(t, s)
			if r := signed(t, h, delivery("4470000002", "", "wamid.seq1", "hello")); r.Messages != 1 {
				t.Fatalf("first delivery: %+v", r)
			}
			for _, d := range []obj{delivery("", "GB.5550002", "wamid.seq1", "hello"), delivery("4470000002", "GB.5550002", "wamid.seq1", "hello")} {
				if r := signed(t, h, d); r.Duplicates != 1 || r.Messages != 0 || len(r.Skipped) != 0 {
					t.Fatalf("a redelivery: %+v, want one duplicate and nothing skipped", r)
				}
			}
			if n := contactCount(t, s); n != before+1 {
				t.Fatalf("%d new contacts, want 1", n-before)
			}
			if n := messageCount(t, s, "4470000002", "wamid.seq1"); n != 1 {
				t.Fatalf("wamid.seq1 stored %d times", n)
			}
			if c := contactOf(t, s, "GB.5550002"); c.ID != "4470000002" {
				t.Fatalf("GB.5550002 finds %+v", c)
			}
		})
		// the three variants of one message posted at once: stored once
		t.Run("ConcurrentPostsInThreeIdentitiesStoreOnce", func(t *testing.T) {
			s := open(t)
			h := Handler(s, Options{Secret: dedupeSecret})
			before := contactCount(t, s)
			const n = 8
			var mu sync.Mutex
			var total Result
			var wg sync.WaitGroup
			for i := 0; i < n; i++ {
				p, b, id := fmt.Sprintf("44700002%02d", i), fmt.Sprintf("GB.88%02d", i), fmt.Sprintf("wamid.par.%d", i)
				for _, d := range []obj{delivery(p, "", id, "hi"), delivery("", b, id, "hi"), delivery(p, b, id, "hi")} {
					wg.Add(1)
					go func() {
						defer wg.Done()
						body := mustJSON(t, payload(d))
						w := post(t, h, body, SignatureHeader, Sign(dedupeSecret, body))
						if w.Code != http.StatusOK {
							t.Errorf("status %d: %s", w.Code, w.Body.String())
							return
						}
						a := wantCode(t, w, http.StatusOK)
						mu.Lock()
						total.Messages += a.Result.Messages
						total.Duplicates += a.Result.Duplicates
						total.Skipped = append(total.Skipped, a.Result.Skipped...)
						mu.Unlock()
					}()
				}
			}
			wg.Wait()
			if total.Messages != n || total.Duplicates != 2*n || len(total.Skipped) != 0 {
				t.Fatalf("results add up to %+v, want %d messages and %d duplicates", total, n, 2*n)
			}
			if got := contactCount(t, s) - before; got != n {
				t.Fatalf("%d new contacts, want %d", got, n)
			}
			for i := 0; i < n; i++ {
				c := contactOf(t, s, fmt.Sprintf("GB.88%02d", i))
				if c.Phone != fmt.Sprintf("44700002%02d", i) {
					t.Fatalf("GB.88%02d finds %+v", i, c)
				}
				if k := messageCount(t, s, c.ID, fmt.Sprintf("wamid.par.%d", i)); k != 1 {
					t.Fatalf("wamid.par.%d stored %d times", i, k)
				}
			}
		})
		// a redelivery whose identity contradicts the contact that has the message: a duplicate,
		// the identity left unlinked and listed in skipped
		t.Run("AConflictingIdentityIsListedInSkipped", func(t *testing.T) {
			s := open(t)
			h := Handler(s, Options{Secret: dedupeSecret})
			signed(t, h, delivery("4470000004", "GB.5550004", "wamid.c1", "hello"))
			r := signed(t, h, delivery("4470000004", "GB.9999", "wamid.c1", "hello"))
			if r.Duplicates != 1 || r.Messages != 0 || len(r.Skipped) != 1 {
				t.Fatalf("the conflicting redelivery: %+v, want one duplicate and one skipped", r)
			}
			if sk := r.Skipped[0]; sk.Where != "message wamid.c1" || !strings.Contains(sk.Reason, "GB.9999") || !strings.Contains(sk.Reason, "not linked") {
				t.Fatalf("skipped %+v", sk)
			}
			if _, err := s.Contact(ctx, "GB.9999"); inbox.KindOf(err) != inbox.NotFound {
				t.Fatalf("GB.9999 finds a contact: %v", err)
			}
			if c := contactOf(t, s, "4470000004"); c.BSUID != "GB.5550004" {
				t.Fatalf("the contact's BSUID became %s", c.BSUID)
			}
		})
	})
}

// TestIdsThatAreNotUTF8AreSkippedNotMerged: JSON decoding turns bytes that are not UTF-8, and a
// lone surrogate escape, into U+FFFD, so two ids that differ only there read as one id. Each such
// message is skipped and listed (answered 200: a redelivery would be the same), never stored
// under an id a different message then "duplicates" and is lost by.
func TestIdsThatAreNotUTF8AreSkippedNotMerged(t *testing.T) {
	onEngines(t, func(t *testing.T, open func(t *testing.T) *inbox.Service) {
		s := open(t)
		h := Handler(s, Options{Secret: dedupeSecret})
		before := contactCount(t, s)
		for _, ids := range [][2]string{{"wamid.utf\xff2", "wamid.utf\xfe2"}, {`wamid.\ud800`, `wamid.\udfff`}} {
			for i, id := range ids {
				body := mustJSON(t, payload(delivery("4470000009", "", "wamid.PLACE", fmt.Sprintf("message %d", i))))
				body = bytes.Replace(body, []byte("wamid.PLACE"), []byte(id), 1)
				a := wantCode(t, post(t, h, body, SignatureHeader, Sign(dedupeSecret, body)), http.StatusOK)
				r := a.Result
				if r == nil || r.Messages != 0 || r.Duplicates != 0 || len(r.Skipped) != 1 || !strings.Contains(r.Skipped[0].Reason, "U+FFFD") {
					t.Fatalf("a message with the id %q: %+v, want it skipped, saying why", id, r)
				}
			}
		}
		if n := contactCount(t, s); n != before {
			t.Fatalf("skipped messages made %d contacts", n-before)
		}
	})
}
