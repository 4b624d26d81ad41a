package bolt

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"time"

	"switchboard/inbox/domain"
)

// ---- timeline ----

func timelinePrefix(contact string) []byte { return []byte(contact + "\x00") }

// convKey is where a conversation's record lives: in the timeline bucket, just after its
// entries (an entry key is the prefix and 16 bytes; this one the prefix and 0xff), so the
// record and the entry an event appends share a leaf page.
func convKey(contact string) []byte { return []byte(contact + "\x00\xff") }

// isEntryKey reports whether a key of the timeline bucket with the prefix is an entry (not an
// inbound id, not the conversation record). An entry's first byte is the top byte of its time
// in Unix nanoseconds, below 0x80 for every time this store accepts (1970 to 2262).
func isEntryKey(k, prefix []byte) bool { return len(k) == len(prefix)+16 && k[len(prefix)] < 0x80 }

// inboundKey is where an inbound external id of the contact is listed with its entry: in the
// timeline bucket after the contact's entries and before its conversation record, in the leaf
// page an event writes anyway. The inbound bucket finds an id by its day and the id (inboundIDKey);
// this key says which ids go with the contact's entries when they move or are deleted.
func inboundKey(contact, id string) []byte { return []byte(contact + "\x00\xfe" + id) }

// afterEntries is the first key after every entry of the contact's timeline.
func afterEntries(prefix []byte) []byte { return append(append([]byte(nil), prefix...), 0xfe) }

// entryKey is where an entry lives: contact 0x00 be64(at, unix ns) be64(seq).
func entryKey(r EntryRef) []byte {
	k := append(timelinePrefix(r.Contact), be64(uint64(r.At))...)
	return append(k, be64(r.Seq)...)
}

// refOf is the entry a key of the contact's timeline names.
func refOf(contact string, tail []byte) EntryRef {
	return EntryRef{Contact: contact, At: int64(binary.BigEndian.Uint64(tail[:8])), Seq: binary.BigEndian.Uint64(tail[8:16])}
}

// refOfKey is the entry a timeline key names.
func refOfKey(key []byte) EntryRef {
	i := bytes.IndexByte(key, 0)
	if i < 0 || len(key) != i+17 {
		return EntryRef{}
	}
	return refOf(string(key[:i]), key[i+1:])
}

// AppendEntry writes a timeline entry for the conversation (bumping its entry counter, its last
// activity and, for a customer's message, its last inbound time, which the caller then stores
// with PutConversation) and returns where it is. Entry keys hold Unix
// nanoseconds, so a time outside domain.ValidTime is refused.
func (t *Tx) AppendEntry(c *Conversation, e Entry) (EntryRef, error) {
	r, err := domain.NextEntry(c, e)
	if err != nil {
		return EntryRef{}, err
	}
	e.Ref = EntryRef{}
	if err := t.indexText(c.Contact, e); err != nil {
		return EntryRef{}, err
	}
	return r, putJSON(t.b(bTimeline), entryKey(r), e)
}

// Entry returns the timeline entry the ref names.
func (t *Tx) Entry(r EntryRef) (Entry, bool, error) {
	var e Entry
	ok, err := getJSON(t.b(bTimeline), entryKey(r), &e)
	e.Ref = r
	return e, ok, err
}

// PutEntry rewrites a timeline entry (delivery marks, call outcomes).
func (t *Tx) PutEntry(r EntryRef, e Entry) error { return putJSON(t.b(bTimeline), entryKey(r), e) }

// Timeline returns up to limit entries of the contact's conversation in time order: the newest
// ones before the cursor ("" for the newest page). prev is the cursor of the page before ("" at
// the start).
func (t *Tx) Timeline(contact, cursor string, limit int) (out []Entry, prev string, err error) {
	prefix := timelinePrefix(contact)
	c := t.b(bTimeline).Cursor()
	var k, v []byte
	if cursor == "" {
		k, v = c.Seek(afterEntries(prefix))
	} else {
		pos, past, derr := domain.DecodeEntryCursor(cursor)
		if derr != nil {
			return nil, "", derr
		}
		if past {
			k, v = c.Seek(afterEntries(prefix)) // past every entry: the newest page, without walking the inbound ids
		} else {
			k, v = c.Seek(entryKey(EntryRef{Contact: contact, At: pos.At, Seq: pos.Seq}))
		}
	}
	if k == nil {
		k, v = c.Last()
	} else {
		k, v = c.Prev()
	}
	for ; k != nil && bytes.HasPrefix(k, prefix); k, v = c.Prev() {
		if !isEntryKey(k, prefix) {
			continue // the conversation record
		}
		if len(out) == limit {
			last := out[len(out)-1].Ref
			prev = domain.EntryCursor{At: last.At, Seq: last.Seq}.Encode()
			break
		}
		var e Entry
		if err := json.Unmarshal(v, &e); err != nil {
			return nil, "", fmt.Errorf("damaged timeline entry of %s: %w", contact, err)
		}
		e.Ref = refOf(contact, k[len(prefix):])
		out = append(out, e)
	}
	// reverse into time order
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out, prev, nil
}

// ExtID returns the entry stored for an id found by the id alone: a reply's id, which delivery
// statuses name.
func (t *Tx) ExtID(id string) (EntryRef, bool) {
	v := t.b(bExtIDs).Get([]byte(id))
	if r := refOfKey(v); !r.IsZero() {
		return r, true
	}
	return EntryRef{}, false
}

// PutExtID records that a reply's id was stored at the entry.
func (t *Tx) PutExtID(id string, r EntryRef) error {
	return put(t.b(bExtIDs), []byte(id), entryKey(r))
}

// inboundIDKeyV7 was schema 7's key of an inbound external id in the inbound bucket: the id
// itself, or, for an id that begins with 0x00 or 0xff, 0x00 and the id (so no id was the bucket's
// marker key). Only the migration from schema 6 writes it now.
func inboundIDKeyV7(id string) []byte {
	if id != "" && (id[0] == 0x00 || id[0] == 0xff) {
		return []byte("\x00" + id)
	}
	return []byte(id)
}

// inboundIDKey is the key of an inbound external id in the inbound bucket: be32(the day of its
// entry, domain.InboundDay) and the id. Today's ids are then a partition at the bucket's end, a
// few hundred leaves a checkpoint writes however many ids the workspace holds, where keyed by the
// id alone every event's id landed on a leaf of its own (schema 7's price, docs/store.md). No
// key is the marker's (one byte long).
func inboundIDKey(day int64, id string) []byte {
	k := make([]byte, 4, 4+len(id))
	binary.BigEndian.PutUint32(k, uint32(day))
	return append(k, id...)
}

// InboundByID returns the entry stored for an inbound external id (a message id, a call id, a
// call end's id, an echo's or a number change's id), whichever contact's timeline it is in, among
// the entries of the days domain.InboundDays gives for an event at the time: what makes a
// redelivered event a duplicate, whatever identity of the customer it comes with.
func (t *Tx) InboundByID(id string, at time.Time) (EntryRef, bool) {
	first, last := domain.InboundDays(at)
	in := t.b(bInbound)
	own := last - 1 // the event's own day first
	for _, day := range [3]int64{own, own - 1, last} {
		if day < first {
			continue
		}
		if r := refOfKey(in.Get(inboundIDKey(day, id))); !r.IsZero() {
			return r, true
		}
	}
	return EntryRef{}, false
}

// InboundID returns the entry of the contact's timeline an inbound id was stored with, of any
// day: its listing beside the timeline says.
func (t *Tx) InboundID(contact, id string) (EntryRef, bool) {
	if v := t.b(bTimeline).Get(inboundKey(contact, id)); len(v) == 16 {
		return refOf(contact, v), true
	}
	return EntryRef{}, false
}

// PutInboundID records that the contact's inbound external id was stored at the entry (an entry
// of the contact's timeline): in the inbound bucket, under the entry's day, which finds it by the
// id and the event's time, and beside the contact's timeline, which finds it by the contact and
// says which ids go with the contact's entries when they move or are deleted. Each listing has
// its key in the inbound bucket and each key its listing: an id that named another contact's
// entry of the day is taken from it, and one the contact had listed for an entry of another day
// leaves that day.
func (t *Tx) PutInboundID(contact, id string, r EntryRef) error {
	if r.Contact != contact {
		return fmt.Errorf("inbound id %q of %s: the entry is %s's", id, contact, r.Contact)
	}
	in, day, listing := t.b(bInbound), domain.InboundDay(r.At), inboundKey(contact, id)
	k := inboundIDKey(day, id)
	if old := refOfKey(in.Get(k)); !old.IsZero() && old.Contact != contact {
		if err := t.b(bTimeline).Delete(inboundKey(old.Contact, id)); err != nil {
			return err
		}
	}
	if v := t.b(bTimeline).Get(listing); len(v) == 16 {
		if was := refOf(contact, v); domain.InboundDay(was.At) != day {
			if err := t.dropInboundKey(contact, id, was); err != nil {
				return err
			}
		}
	}
	if err := put(in, k, entryKey(r)); err != nil {
		return err
	}
	return put(t.b(bTimeline), listing, entryKey(r)[len(contact)+1:])
}

// inboundListing is an inbound id listed beside a contact's timeline, with the entry it names.
type inboundListing struct {
	id  string
	ref EntryRef
}

// dropInboundKey removes the id's key of the entry's day from the inbound bucket when it still
// names an entry of the contact's timeline.
func (t *Tx) dropInboundKey(contact, id string, r EntryRef) error {
	k := inboundIDKey(domain.InboundDay(r.At), id)
	if old := refOfKey(t.b(bInbound).Get(k)); !old.IsZero() && old.Contact == contact {
		return t.b(bInbound).Delete(k)
	}
	return nil
}

// dropInboundIDs removes the contact's listed inbound ids that still name an entry of its
// timeline from the inbound bucket (the listings beside the timeline go with it).
func (t *Tx) dropInboundIDs(contact string, ids []inboundListing) error {
	for _, l := range ids {
		if err := t.dropInboundKey(contact, l.id, l.ref); err != nil {
			return err
		}
	}
	return nil
}
