package bolt

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"

	"switchboard/inbox/domain"
)

// migrations[i] brings a file from schema version i to i+1. They run in order, in one
// transaction, when a file is opened.
var migrations = []func(tx *bolt.Tx) error{
	// 0 → 1: create every bucket (schema 1 had five index buckets).
	func(tx *bolt.Tx) error {
		for _, b := range [][]byte{bMeta, bConfig, bOperators, bTeams, bRoundRobin, bHistory, bContacts, bNames,
			bConvs, bTimeline, bExtIDs, bCounts, bNotes} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		for _, b := range v1Indexes {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		return nil
	},
	// 1 → 2: one idx bucket instead of idx_activity, idx_status, idx_assignee, idx_team and
	// idx_waiting (an event moved four keys in four B+trees; now one key in one), and each
	// conversation's record moves from convs into the timeline bucket, next to its entries (an
	// event rewrote leaf pages in two B+trees; now mostly one). Counters do not change.
	func(tx *bolt.Tx) error {
		if tx.Bucket(bIdx) != nil {
			if err := tx.DeleteBucket(bIdx); err != nil {
				return err
			}
		}
		idx, err := tx.CreateBucket(bIdx)
		if err != nil {
			return err
		}
		timeline := tx.Bucket(bTimeline)
		err = tx.Bucket(bConvs).ForEach(func(k, v []byte) error {
			var c Conversation
			if err := json.Unmarshal(v, &c); err != nil {
				return fmt.Errorf("damaged conversation %q: %w", k, err)
			}
			if c.Contact != string(k) {
				return fmt.Errorf("damaged conversation %q: it names contact %q", k, c.Contact)
			}
			for _, key := range indexKeys(&c) {
				if err := idx.Put(key, nil); err != nil {
					return err
				}
			}
			return timeline.Put(convKey(c.Contact), v)
		})
		if err != nil {
			return err
		}
		for _, b := range append([][]byte{bConvs}, v1Indexes...) {
			if tx.Bucket(b) != nil {
				if err := tx.DeleteBucket(b); err != nil {
					return err
				}
			}
		}
		return addMarkers(tx)
	},
	// 2 → 3: inbound external ids (messages, calls, call ends) move from extids to their
	// contact's timeline, beside the conversation record (an ingested event wrote two pages of
	// the extids B+tree; now none). extids keeps the ids found by id alone: replies'.
	func(tx *bolt.Tx) error {
		ext, timeline := tx.Bucket(bExtIDs), tx.Bucket(bTimeline)
		// Schema 2 accepted entries dated before 1970; their keys begin with 0x80 or more, among
		// and after the keys schema 3 puts after the entries. Re-date them 1970-01-01 00:00 UTC
		// (their seq keeps their order), which schema 3 accepts, and repoint their ids.
		rekeyed, err := rekeyEarlyEntries(timeline)
		if err != nil {
			return err
		}
		type move struct {
			id, key []byte
			reply   bool
		}
		var moves []move
		err = ext.ForEach(func(id, key []byte) error {
			if key == nil {
				return nil // the marker
			}
			nk, moved := rekeyed[string(key)]
			if moved {
				key = nk
			}
			v := timeline.Get(key)
			if v == nil {
				return nil // dangling (its entry is gone): left alone, it finds nothing
			}
			var e Entry
			if err := json.Unmarshal(v, &e); err != nil {
				return fmt.Errorf("damaged timeline entry %q: %w", key, err)
			}
			if e.Kind != "reply" || moved {
				moves = append(moves, move{append([]byte(nil), id...), append([]byte(nil), key...), e.Kind == "reply"})
			}
			return nil
		})
		if err != nil {
			return err
		}
		for _, m := range moves {
			if m.reply { // a reply id stays in extids, pointing at its re-dated entry
				if err := ext.Put(m.id, m.key); err != nil {
					return err
				}
				continue
			}
			// listed beside the contact's timeline, as schema 3 keeps it (schema 7 adds the
			// inbound bucket, filled from these listings)
			r := refOfKey(m.key)
			if err := timeline.Put(inboundKey(r.Contact, string(m.id)), entryKey(r)[len(r.Contact)+1:]); err != nil {
				return err
			}
			if err := ext.Delete(m.id); err != nil {
				return err
			}
		}
		return nil
	},
	// 3 → 4: contacts carry their WhatsApp identities, found through the new idents bucket (and
	// the timers bucket holds durable timers). Until
	// now a contact's id was its number, so every contact gets phone := id; ids stay as they are
	// (scripts, history and every key that names the contact keep working).
	func(tx *bolt.Tx) error {
		for _, b := range [][]byte{bIdents, bTimers} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		contacts := tx.Bucket(bContacts)
		var all []Contact
		err := contacts.ForEach(func(k, v []byte) error {
			if v == nil {
				return nil // the marker
			}
			var c Contact
			if err := json.Unmarshal(v, &c); err != nil {
				return fmt.Errorf("damaged contact %q: %w", k, err)
			}
			if c.ID != string(k) {
				return fmt.Errorf("damaged contact %q: it names id %q", k, c.ID)
			}
			all = append(all, c)
			return nil
		})
		if err != nil {
			return err
		}
		t := &Tx{tx: tx}
		for _, c := range all {
			old := c
			c.Phone = c.ID
			if err := t.putIdents(&old, &c); err != nil {
				return err
			}
			if err := putJSON(contacts, []byte(c.ID), c); err != nil {
				return err
			}
		}
		return addMarkers(tx)
	},
	// 4 → 5: replies really go out (the outbox and the wamid index, docs/whatsapp.md). Each
	// conversation learns when the customer last wrote (the 24-hour window), and a reply this
	// code's predecessors marked "sent" without sending anything (none of them could: there
	// was no sender) is marked "local", which is what it was; replies whose delivery a status
	// moved on, and echoes of the WhatsApp Business app, keep their marks.
	func(tx *bolt.Tx) error {
		for _, b := range [][]byte{bOutbox, bWAMIDs} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		timeline := tx.Bucket(bTimeline)
		type put struct{ k, v []byte }
		var puts []put
		var cur string
		var last int64
		flush := func() error {
			if cur == "" {
				return nil
			}
			k := convKey(cur)
			v := timeline.Get(k)
			if v == nil {
				return nil
			}
			var c Conversation
			if err := json.Unmarshal(v, &c); err != nil {
				return fmt.Errorf("damaged conversation %q: %w", cur, err)
			}
			c.LastInbound = last
			nv, err := json.Marshal(c)
			if err != nil {
				return err
			}
			puts = append(puts, put{k, nv})
			return nil
		}
		err := timeline.ForEach(func(k, v []byte) error {
			i := bytes.IndexByte(k, 0)
			if v == nil || i < 0 {
				return nil // the marker
			}
			if contact := string(k[:i]); contact != cur {
				if err := flush(); err != nil {
					return err
				}
				cur, last = contact, 0
			}
			if !isEntryKey(k, k[:i+1]) {
				return nil
			}
			var e Entry
			if err := json.Unmarshal(v, &e); err != nil {
				return fmt.Errorf("damaged timeline entry %q: %w", k, err)
			}
			switch {
			case e.Kind == "message":
				last = max(last, e.At.UnixNano())
			case e.Kind == "reply" && e.Source == "" && e.Delivery == "sent" && e.WAMID == "":
				e.Delivery = "local"
				nv, err := json.Marshal(e)
				if err != nil {
					return err
				}
				puts = append(puts, put{append([]byte(nil), k...), nv})
			}
			return nil
		})
		if err != nil {
			return err
		}
		if err := flush(); err != nil {
			return err
		}
		for _, p := range puts {
			if err := timeline.Put(p.k, p.v); err != nil {
				return err
			}
		}
		return addMarkers(tx)
	},
	// 5 → 6: search finds message text. The texts bucket holds, for each contact, the folded
	// text of its latest messages and replies, filled here from the timelines.
	func(tx *bolt.Tx) error {
		texts, err := tx.CreateBucketIfNotExists(bTexts)
		if err != nil {
			return err
		}
		all := map[string][]byte{}
		err = tx.Bucket(bTimeline).ForEach(func(k, v []byte) error {
			i := bytes.IndexByte(k, 0)
			if v == nil || i < 0 || !isEntryKey(k, k[:i+1]) {
				return nil
			}
			var e Entry
			if err := json.Unmarshal(v, &e); err != nil {
				return fmt.Errorf("damaged timeline entry %q: %w", k, err)
			}
			if searchable(e) {
				id := string(k[:i])
				all[id] = appendText(all[id], e.Text)
			}
			return nil
		})
		if err != nil {
			return err
		}
		for id, v := range all {
			if err := texts.Put([]byte(id), v); err != nil {
				return err
			}
		}
		return addMarkers(tx)
	},
	// 6 → 7: an inbound id names one entry of the workspace, found by the id alone in the new
	// inbound bucket, whichever contact's timeline it is in (WhatsApp's ids are unique): until
	// now a redelivery carrying another identity of the customer (a BSUID instead of the number)
	// was not a duplicate and was stored again, in another contact's conversation. The bucket is
	// filled from the ids listed beside each timeline; an id listed for two entries keeps the
	// earlier one (time, then entry number), and the later entry stays in its timeline, without
	// the id.
	func(tx *bolt.Tx) error {
		return fillInbound(tx, func(id string, _ EntryRef) []byte { return inboundIDKeyV7(id) })
	},
	// 7 → 8: the inbound bucket is keyed by the day of each id's entry, then the id
	// (inboundIDKey): keyed by the id alone, the id of every ingested event landed on a random
	// leaf of a tree holding every id ever received, and a checkpoint wrote about one leaf of it
	// per event (at 1,000,000 conversations the one-writer target of issue 17 went from met to
	// missed); by day, today's ids are a small partition at the bucket's end. The bucket is made
	// again from the listings beside the timelines, as 6 → 7 made it.
	func(tx *bolt.Tx) error {
		if err := tx.DeleteBucket(bInbound); err != nil && !errors.Is(err, bolt.ErrBucketNotFound) {
			return err
		}
		return fillInbound(tx, func(id string, r EntryRef) []byte { return inboundIDKey(domain.InboundDay(r.At), id) })
	},
}

// fillInbound makes the inbound bucket from the ids listed beside each timeline, each under the
// key keyOf gives it. An id listed for two entries keeps the earlier one (time, then entry
// number), and the later entry stays in its timeline without the id (schema 6 could list one id
// for two contacts).
func fillInbound(tx *bolt.Tx, keyOf func(id string, r EntryRef) []byte) error {
	in, err := tx.CreateBucketIfNotExists(bInbound)
	if err != nil {
		return err
	}
	timeline := tx.Bucket(bTimeline)
	// the listings first, then written in key order: bbolt fills a bucket written in order page
	// after page, where a walk in contact order would put each id on a random leaf (at 100,000
	// conversations, 450,000 ids: minutes of splitting pages, and their memory)
	type listing struct {
		id       string   // the id
		ref      EntryRef // the entry it names
		listedAt []byte   // the listing's own key beside the timeline
		key      []byte   // the inbound bucket's key
	}
	var all []listing
	err = timeline.ForEach(func(k, v []byte) error {
		i := bytes.IndexByte(k, 0)
		if v == nil || i < 0 || len(k) < i+2 || k[i+1] != 0xfe || len(v) != 16 {
			return nil // not an inbound id (an entry, a conversation record, the marker)
		}
		all = append(all, listing{id: string(k[i+2:]), ref: refOf(string(k[:i]), v), listedAt: append([]byte(nil), k...)})
		return nil
	})
	if err != nil {
		return err
	}
	slices.SortFunc(all, func(a, b listing) int {
		if c := strings.Compare(a.id, b.id); c != 0 {
			return c
		}
		if c := cmp.Compare(a.ref.At, b.ref.At); c != 0 {
			return c
		}
		if c := cmp.Compare(a.ref.Seq, b.ref.Seq); c != 0 {
			return c
		}
		return strings.Compare(a.ref.Contact, b.ref.Contact)
	})
	var drop [][]byte // the later entries' listings of an id listed twice
	kept := make([]listing, 0, len(all))
	for n, l := range all {
		if n > 0 && all[n-1].id == l.id {
			drop = append(drop, l.listedAt) // the earliest, first in the order, keeps it
			continue
		}
		l.key = keyOf(l.id, l.ref)
		kept = append(kept, l)
	}
	slices.SortFunc(kept, func(a, b listing) int { return bytes.Compare(a.key, b.key) })
	for _, l := range kept {
		if err := in.Put(l.key, entryKey(l.ref)); err != nil {
			return err
		}
	}
	for _, k := range drop {
		if err := timeline.Delete(k); err != nil {
			return err
		}
	}
	return addMarkers(tx)
}

// rekeyEarlyEntries moves every timeline entry whose key holds a time before 1970 (top byte
// 0x80 or more) to the same key with time 0, dates it 1970-01-01 00:00 UTC, and returns the
// new key of each old one.
func rekeyEarlyEntries(timeline *bolt.Bucket) (map[string][]byte, error) {
	type move struct{ old, new, val []byte }
	var moves []move
	err := timeline.ForEach(func(k, v []byte) error {
		i := bytes.IndexByte(k, 0)
		if v == nil || i < 0 || len(k) != i+1+16 || k[i+1] < 0x80 {
			return nil // not an entry (a record, the marker), or dated 1970 or later
		}
		nk := append(append(append([]byte(nil), k[:i+1]...), make([]byte, 8)...), k[i+9:]...)
		var e Entry
		if err := json.Unmarshal(v, &e); err != nil {
			return fmt.Errorf("damaged timeline entry %q: %w", k, err)
		}
		e.At = time.Unix(0, 0).UTC() // as the key says: an export of it imports again
		nv, err := json.Marshal(e)
		if err != nil {
			return err
		}
		moves = append(moves, move{append([]byte(nil), k...), nk, nv})
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := make(map[string][]byte, len(moves))
	for _, m := range moves {
		if err := timeline.Delete(m.old); err != nil {
			return nil, err
		}
		if err := timeline.Put(m.new, m.val); err != nil {
			return nil, err
		}
		out[string(m.old)] = m.new
	}
	return out, nil
}
