package bolt

import (
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// A schema-6 file kept inbound ids per contact only, so one message delivered once with the
// customer's number and once with their BSUID alone could be stored in two contacts' timelines,
// its id listed beside each. The migration to schema 7 makes the inbound bucket, where an id is
// found by itself: it names the earlier entry, the later one stays without it, and ids that begin
// with 0xff or 0x00 (the marker's byte) migrate too.
func TestSchemaSixInboundIDsBecomeOneEntryEach(t *testing.T) {
	path := filepath.Join(t.TempDir(), "v6.db")
	db, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	base := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	// "a" sorts first but has the later copy of wamid.dup; "b" the earlier one
	refA := EntryRef{Contact: "a", At: base.Add(time.Minute).UnixNano(), Seq: 1}
	refB := EntryRef{Contact: "b", At: base.UnixNano(), Seq: 1}
	err = db.Bolt().Update(func(tx *bolt.Tx) error {
		tl := tx.Bucket(bTimeline)
		for _, kv := range [][2][]byte{
			{entryKey(refA), []byte(`{"at":"2026-11-24T12:01:00Z","kind":"message","id":"wamid.dup","text":"hi"}`)},
			{convKey("a"), []byte(`{"contact":"a","status":"open","version":1,"seq":1}`)},
			{inboundKey("a", "wamid.dup"), entryKey(refA)[2:]},
			{inboundKey("a", "wamid.a"), entryKey(refA)[2:]},
			{entryKey(refB), []byte(`{"at":"2026-11-24T12:00:00Z","kind":"message","id":"wamid.dup","text":"hi"}`)},
			{convKey("b"), []byte(`{"contact":"b","status":"open","version":1,"seq":1}`)},
			{inboundKey("b", "wamid.dup"), entryKey(refB)[2:]},
			{inboundKey("b", "\xff"), entryKey(refB)[2:]},
			{inboundKey("b", "\x00\xffb"), entryKey(refB)[2:]},
		} {
			if err := tl.Put(kv[0], kv[1]); err != nil {
				return err
			}
		}
		if err := tx.DeleteBucket(bInbound); err != nil {
			return err
		}
		return putU64(tx.Bucket(bMeta), []byte("schema"), 6)
	})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()

	db, err = Open(path)
	if err != nil {
		t.Fatalf("the schema-6 file does not open: %v", err)
	}
	defer db.Close()
	db.view(func(tx *Tx) error {
		if v := getU64(tx.tx.Bucket(bMeta), []byte("schema")); v != SchemaVersion {
			t.Fatalf("schema %d after the migration", v)
		}
		for id, want := range map[string]EntryRef{"wamid.dup": refB, "wamid.a": refA, "\xff": refB, "\x00\xffb": refB} {
			if r, ok := tx.InboundByID(id, time.Unix(0, want.At)); !ok || r != want {
				t.Errorf("%q finds %+v %v, want %+v", id, r, ok, want)
			}
		}
		if _, ok := tx.InboundID("a", "wamid.dup"); ok {
			t.Error("wamid.dup still names a's later copy")
		}
		if tx.b(bTimeline).Get(inboundKey("a", "wamid.dup")) != nil {
			t.Error("a's timeline still lists wamid.dup")
		}
		if tx.b(bInbound).Get(marker) != nil || tx.tx.Bucket(bInbound).Bucket(marker) == nil {
			t.Error("the inbound bucket has no marker bucket")
		}
		// both copies stay in their timelines
		for _, c := range []string{"a", "b"} {
			if es, _, err := tx.Timeline(c, "", 10); err != nil || len(es) != 1 {
				t.Errorf("%s's timeline: %+v %v", c, es, err)
			}
		}
		return nil
	})
}

// A schema-7 file keyed the inbound bucket by the id alone. Schema 8 keys it by the day of each
// id's entry and the id: the migration makes the bucket again from the listings beside the
// timelines, and every id is found for an event of its day and no longer by the old key.
func TestSchemaSevenInboundIDsAreKeyedByDay(t *testing.T) {
	path := filepath.Join(t.TempDir(), "v7.db")
	db, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	base := time.Date(2026, 11, 24, 23, 59, 0, 0, time.UTC)
	refs := map[string]EntryRef{
		"wamid.a":  {Contact: "a", At: base.UnixNano(), Seq: 1},
		"wamid.b":  {Contact: "b", At: base.Add(2 * time.Minute).UnixNano(), Seq: 1}, // the next day
		"\xffodd":  {Contact: "b", At: base.Add(2 * time.Minute).UnixNano(), Seq: 1},
		"wamid.a2": {Contact: "a", At: base.AddDate(0, 0, -30).UnixNano(), Seq: 2},
	}
	err = db.Bolt().Update(func(tx *bolt.Tx) error {
		tl, in := tx.Bucket(bTimeline), tx.Bucket(bInbound)
		for id, r := range refs {
			e := []byte(`{"at":"` + time.Unix(0, r.At).UTC().Format(time.RFC3339Nano) + `","kind":"message","id":"x","text":"hi"}`)
			if err := tl.Put(entryKey(r), e); err != nil {
				return err
			}
			if err := tl.Put(inboundKey(r.Contact, id), entryKey(r)[len(r.Contact)+1:]); err != nil {
				return err
			}
			if err := in.Put(inboundIDKeyV7(id), entryKey(r)); err != nil {
				return err
			}
		}
		for _, c := range []string{"a", "b"} {
			if err := tl.Put(convKey(c), []byte(`{"contact":"`+c+`","status":"open","version":1,"seq":2}`)); err != nil {
				return err
			}
		}
		return putU64(tx.Bucket(bMeta), []byte("schema"), 7)
	})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()

	db, err = Open(path)
	if err != nil {
		t.Fatalf("the schema-7 file does not open: %v", err)
	}
	defer db.Close()
	db.view(func(tx *Tx) error {
		if v := getU64(tx.tx.Bucket(bMeta), []byte("schema")); v != SchemaVersion {
			t.Fatalf("schema %d after the migration", v)
		}
		for id, want := range refs {
			if r, ok := tx.InboundByID(id, time.Unix(0, want.At)); !ok || r != want {
				t.Errorf("%q finds %+v %v, want %+v", id, r, ok, want)
			}
			if tx.b(bInbound).Get(inboundIDKeyV7(id)) != nil {
				t.Errorf("%q keeps its schema-7 key", id)
			}
			if r, ok := tx.InboundID(want.Contact, id); !ok || r != want {
				t.Errorf("%s's %q finds %+v %v", want.Contact, id, r, ok)
			}
		}
		if r, ok := tx.InboundByID("wamid.a2", base); ok {
			t.Errorf("an id of 30 days before is found for today's event: %+v", r)
		}
		n := 0
		tx.tx.Bucket(bInbound).ForEach(func(k, v []byte) error {
			if v != nil {
				n++
			}
			return nil
		})
		if n != len(refs) {
			t.Errorf("the inbound bucket holds %d keys, want %d", n, len(refs))
		}
		if tx.tx.Bucket(bInbound).Bucket(marker) == nil {
			t.Error("the inbound bucket has no marker bucket")
		}
		return nil
	})
}
