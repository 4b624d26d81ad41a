package bolt

import (
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"switchboard/inbox/domain"
	"switchboard/routing"
	"testing"
)

// TestListOldestFirstIsTheExactReverse: after generated conversations (equal times included, so
// ties by contact id count), every index listed oldest first, page by page, is the exact reverse
// of the same index newest first; a cursor taken in one order continues in the other from the
// same place; CountAfter agrees with both.
func TestListOldestFirstIsTheExactReverse(t *testing.T) {
	db, err := Open(filepath.Join(t.TempDir(), "order.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	r := rand.New(rand.NewPCG(3, 4))
	statuses, teams, assignees := []routing.Status{"open", "closed"}, []string{"s", "t", "u"}, []string{"", "bot", "bob", "carol"}
	if err := db.update(func(tx *Tx) error {
		for i := 0; i < 300; i++ {
			c := Conversation{Contact: fmt.Sprintf("1555%04d", r.IntN(200)), Status: statuses[r.IntN(2)], Team: teams[r.IntN(3)],
				Assignee: assignees[r.IntN(4)], LastAt: int64(r.IntN(40))} // many equal times
			if r.IntN(5) == 0 {
				c.Prompt = &Prompt{Target: "bob"}
			}
			if err := tx.PutConversation(c); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	ids := func(cs []Conversation) []string {
		out := make([]string, len(cs))
		for i, c := range cs {
			out[i] = c.Contact
		}
		return out
	}
	walk := func(tx *Tx, ix Query, cursor string, page int) []string {
		var out []string
		for {
			cs, next, err := tx.List(ix, cursor, page, nil)
			if err != nil {
				t.Fatal(err)
			}
			if len(cs) > page {
				t.Fatalf("%v: a page of %d, limit %d", ix, len(cs), page)
			}
			out = append(out, ids(cs)...)
			if next == "" {
				return out
			}
			cursor = next
		}
	}
	indexes := []Query{ByActivity(), ByStatus("open"), ByStatus("closed"), ByAssignee("", "open"), ByAssignee("bob", "closed"),
		ByTeam("t", "open"), Waiting(), ByActivity().WithTeam("u"), ByStatus("open").WithAssignee("bot")}
	db.view(func(tx *Tx) error {
		for _, ix := range indexes {
			newest := walk(tx, ix, "", 7)
			if len(newest) == 0 {
				t.Fatalf("%v is empty: the fixture should fill it", ix)
			}
			oldest := walk(tx, oldestFirst(ix), "", 5)
			rev := slices.Clone(oldest)
			slices.Reverse(rev)
			if !slices.Equal(newest, rev) {
				t.Fatalf("%v oldest first %v is not the reverse of newest first %v", ix, oldest, newest)
			}
			if n, err := tx.CountAfter(ix, "", nil); err != nil || n != len(newest) {
				t.Fatalf("%v: CountAfter = %d, %v; the list has %d", ix, n, err, len(newest))
			}
			// from the position of every conversation: the older ones newest first, the newer
			// ones oldest first, and the counts of both
			for i, id := range newest {
				c, _, err := tx.Conversation(id)
				if err != nil {
					t.Fatal(err)
				}
				cur := domain.CursorOf(c)
				if got := walk(tx, ix, cur, 3); !slices.Equal(got, newest[i+1:]) {
					t.Fatalf("%v after %s newest first: %v, want %v", ix, id, got, newest[i+1:])
				}
				wantNewer := slices.Clone(newest[:i])
				slices.Reverse(wantNewer)
				if got := walk(tx, oldestFirst(ix), cur, 3); !slices.Equal(got, wantNewer) {
					t.Fatalf("%v after %s oldest first: %v, want %v", ix, id, got, wantNewer)
				}
				if n, _ := tx.CountAfter(oldestFirst(ix), cur, nil); n != i {
					t.Fatalf("%v: %d newer than %s, want %d", ix, n, id, i)
				}
				if n, _ := tx.CountAfter(ix, cur, func(c *Conversation) bool { return c.Contact != newest[len(newest)-1] }); i < len(newest)-1 && n != len(newest)-i-2 {
					t.Fatalf("%v: %d older than %s but the last, want %d", ix, n, id, len(newest)-i-2)
				}
			}
		}
		if _, _, err := tx.List(ByActivity(), "", 0, nil); err == nil {
			t.Fatal("a page of 0 conversations was accepted")
		}
		return nil
	})
}
