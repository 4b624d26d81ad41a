package bolt

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"switchboard/inbox/domain"
)

// A schema-5 file (no texts bucket) gets one, filled from the timelines, when it is opened.
func TestSchemaFiveFileGetsMessageTextSearch(t *testing.T) {
	path := filepath.Join(t.TempDir(), "five.db")
	db, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	err = db.Update(func(tx domain.Tx) error {
		if err := tx.PutContact(domain.Contact{ID: "34655001629", Name: "Rosa Martín", Phone: "34655001629"}); err != nil {
			return err
		}
		cv := domain.Conversation{Contact: "34655001629", Status: "open"}
		for i, e := range []domain.Entry{{Kind: domain.KindMessage, Text: "¿Dónde está mi pedido?"}, {Kind: domain.KindNote, Text: "Routing: bot"}} {
			e.At = at.Add(time.Duration(i) * time.Minute)
			if _, err := tx.AppendEntry(&cv, e); err != nil {
				return err
			}
		}
		return tx.PutConversation(cv)
	})
	if err != nil {
		t.Fatal(err)
	}
	db.Bolt().Update(func(tx *bolt.Tx) error {
		if err := tx.DeleteBucket(bTexts); err != nil {
			return err
		}
		return putU64(tx.Bucket(bMeta), []byte("schema"), 5)
	})
	db.Close()
	if db, err = Open(path); err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.View(func(tx domain.ReadTx) error {
		for q, want := range map[string][]string{"donde esta": {"34655001629"}, "routing": nil} {
			h, err := tx.FindContacts(context.Background(), q, 0, 10)
			if err != nil || !slices.Equal(h.IDs, want) {
				t.Errorf("after the migration FindContacts(%q) = %v, %v; want %v", q, h.IDs, err, want)
			}
		}
		return nil
	})
}

func TestAppendTextKeepsTheNewest(t *testing.T) {
	var v []byte
	for i := 0; i < 200; i++ {
		v = appendText(v, "Hola, ¿cómo está mi pedido número "+string(rune('a'+i%26))+"?")
	}
	if len(v) > textsMax || len(v) < textsMax-80 {
		t.Fatalf("kept %d bytes, want about %d", len(v), textsMax)
	}
	if !slices.Contains([]byte(string(v)), 'h') || string(v[len(v)-len("numero r?"):]) != "numero r?" {
		t.Fatalf("the newest text is not last: …%q", v[len(v)-20:])
	}
}

// A search whose context ended stops with its error instead of reading every name: the
// inbox's search dialog cancels the one a keystroke replaced.
func TestFindContactsStopsWhenItsContextEnds(t *testing.T) {
	db, err := Open(filepath.Join(t.TempDir(), "many.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	const n = 3 * stopEvery
	err = db.Update(func(tx domain.Tx) error {
		for i := 0; i < n; i++ {
			id := fmt.Sprintf("3465%07d", i)
			if err := tx.PutContact(domain.Contact{ID: id, Name: fmt.Sprintf("Cliente %d", i), Phone: id}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	ended, cancel := context.WithCancel(context.Background())
	cancel()
	db.View(func(tx domain.ReadTx) error {
		for _, q := range []string{"cliente", "zzz", "5500"} { // names; names and texts; inside numbers
			if h, err := tx.FindContacts(ended, q, 0, 10); !errors.Is(err, context.Canceled) {
				t.Errorf("FindContacts(%q) with its context ended = %d matches, %v; want context.Canceled", q, h.Total, err)
			}
		}
		h, err := tx.FindContacts(context.Background(), "cliente", 0, 10)
		if err != nil || h.Total != n || len(h.IDs) != 10 {
			t.Errorf("FindContacts(cliente) = %d matches, %d ids, %v; want %d, 10", h.Total, len(h.IDs), err, n)
		}
		return nil
	})
}
