package bolt

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"switchboard/inbox/domain"
)

// BenchmarkSearch measures the search of the inbox on a workspace of 100,000 conversations of
// three messages each, beside the search it replaced (SearchContacts: names and numbers, up to
// ten, no count) in the same run:
//
//	go test -run xxx -bench Search -benchtime=20x ./data/bolt
func BenchmarkSearch(b *testing.B) {
	const n = 100_000
	db, err := Open(filepath.Join(b.TempDir(), "search.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	first := []string{"Rosa", "Wei", "Priya", "Lena", "Umar", "Tara", "Samir", "Quentin", "Paula", "Valentina"}
	last := []string{"Martín", "Chen", "Shah", "Fischer", "Farouk", "Singh", "Aziz", "Roy", "Ferreira", "Greco"}
	texts := []string{"Hi, my parcel never arrived", "Can I change the delivery address?", "Where is my order? It was due yesterday",
		"The invoice shows the wrong amount", "Thanks, it works now", "Could you call me back after five?"}
	at := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	for start := 0; start < n; start += 5000 {
		err := db.Update(func(tx domain.Tx) error {
			for i := start; i < start+5000; i++ {
				id := fmt.Sprintf("3465%07d", i)
				if err := tx.PutContact(domain.Contact{ID: id, Phone: id, Name: first[i%10] + " " + last[(i/10)%10] + fmt.Sprint(" ", i)}); err != nil {
					return err
				}
				cv := domain.Conversation{Contact: id, Status: "open"}
				for j := 0; j < 3; j++ {
					kind := domain.KindMessage
					if j == 1 {
						kind = domain.KindReply
					}
					if _, err := tx.AppendEntry(&cv, domain.Entry{At: at.Add(time.Duration(i*3+j) * time.Second), Kind: kind, Text: texts[(i+j)%len(texts)]}); err != nil {
						return err
					}
				}
				if err := tx.PutConversation(cv); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	for _, c := range []struct{ name, q string }{{"name", "rosa martin"}, {"rare", "zzqx"}, {"number", "3465000123"}, {"text", "invoice"}} {
		b.Run("Today/"+c.name, func(b *testing.B) {
			for b.Loop() {
				db.View(func(tx domain.ReadTx) error { _, err := tx.SearchContacts(c.q, 10); return err })
			}
		})
		b.Run("Find/"+c.name, func(b *testing.B) {
			total := 0
			for b.Loop() {
				db.View(func(tx domain.ReadTx) error {
					h, err := tx.FindContacts(context.Background(), c.q, 10, 10) // the second page: every match counted
					total = h.Total
					return err
				})
			}
			b.ReportMetric(float64(total), "matches")
		})
	}
}
