package postgres

import (
	"testing"
	"time"

	"switchboard/inbox/domain"
)

// A schema-3 database keyed inbound ids by contact and id, so one message delivered once with the
// customer's number and once with their BSUID alone could be stored for two contacts. Schema 4
// keys them by the id alone: the earlier entry keeps it, the later copy stays without it; schema 5
// by the id and its entry's day.
func TestSchemaFourKeysInboundIDsByTheIDAlone(t *testing.T) {
	if cluster == nil {
		t.Skip("no PostgreSQL server for the tests (see package pgtest)")
	}
	dsn := cluster.DSN(t)
	db, err := Open(dsn)
	if err != nil {
		t.Fatal(err)
	}
	// back to schema 3's table, holding one id for two contacts ("a" sorts first, with the later copy)
	for _, sql := range []string{
		`DROP INDEX sb_inbound_ids_contact`,
		`ALTER TABLE sb_inbound_ids DROP CONSTRAINT sb_inbound_ids_pkey, DROP COLUMN day, ADD PRIMARY KEY (contact, id)`,
		`INSERT INTO sb_inbound_ids VALUES ('a', 'wamid.dup', 2000, 1), ('a', 'wamid.a', 1795000000000000000, 1), ('b', 'wamid.dup', 1000, 1), ('c', 'wamid.dup', 1000, 2)`,
		`UPDATE sb_schema SET version = 3`,
	} {
		if _, err := db.Pool().Exec(bg, sql); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	db.Close()

	db, err = Open(dsn)
	if err != nil {
		t.Fatalf("the schema-3 database does not open: %v", err)
	}
	defer db.Close()
	var version int
	if err := db.Pool().QueryRow(bg, `SELECT version FROM sb_schema`).Scan(&version); err != nil || version != len(migrations) {
		t.Fatalf("schema %d (%v), want %d", version, err, len(migrations))
	}
	err = db.View(func(tx domain.ReadTx) error {
		for id, want := range map[string]domain.EntryRef{"wamid.dup": {Contact: "b", At: 1000, Seq: 1}, "wamid.a": {Contact: "a", At: 1795000000000000000, Seq: 1}} {
			if r, ok := tx.InboundByID(id, time.Unix(0, want.At)); !ok || r != want {
				t.Errorf("%s finds %+v %v, want %+v", id, r, ok, want)
			}
		}
		// schema 5 keeps each id under its entry's day: three days on, it is not that event's
		if r, ok := tx.InboundByID("wamid.a", time.Unix(0, 1795000000000000000).AddDate(0, 0, 3)); ok {
			t.Errorf("wamid.a three days on finds %+v", r)
		}
		for _, c := range []string{"a", "c"} {
			if _, ok := tx.InboundID(c, "wamid.dup"); ok {
				t.Errorf("wamid.dup still names %s's copy", c)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// the id is the key: storing it for another entry moves it
	err = db.Update(func(tx domain.Tx) error {
		return tx.PutInboundID("c", "wamid.dup", domain.EntryRef{Contact: "c", At: 1000, Seq: 2})
	})
	if err != nil {
		t.Fatal(err)
	}
	var n int
	if err := db.Pool().QueryRow(bg, `SELECT count(*) FROM sb_inbound_ids WHERE id = 'wamid.dup'`).Scan(&n); err != nil || n != 1 {
		t.Fatalf("%d rows for wamid.dup (%v)", n, err)
	}
}
