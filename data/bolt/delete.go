package bolt

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// DeleteContact removes a contact and everything of its conversation: the record, the timeline,
// the index keys and counters, and the external ids of its entries (so the same message
// arriving again starts a new conversation instead of counting as a duplicate). It reports
// whether the contact existed.
func (t *Tx) DeleteContact(id string) (bool, error) {
	ct, ok, err := t.Contact(id)
	if err != nil || !ok {
		return false, err
	}
	cv, exists, err := t.Conversation(id)
	if err != nil {
		return false, err
	}
	if exists {
		if err := t.unindex(&cv); err != nil {
			return false, err
		}
		// collect first: a bbolt cursor must not walk keys that are being deleted
		prefix := timelinePrefix(id)
		var keys, extIDs [][]byte
		var inIDs []inboundListing
		c := t.b(bTimeline).Cursor()
		for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			keys = append(keys, append([]byte(nil), k...))
			if !isEntryKey(k, prefix) {
				if len(k) > len(prefix) && k[len(prefix)] == 0xfe && len(v) == 16 {
					inIDs = append(inIDs, inboundListing{string(k[len(prefix)+1:]), refOf(id, v)})
				}
				continue
			}
			var e Entry
			if err := json.Unmarshal(v, &e); err != nil {
				return false, fmt.Errorf("damaged timeline entry of %s: %w", id, err)
			}
			if e.ID != "" && e.Kind == "reply" {
				extIDs = append(extIDs, []byte(e.ID))
			}
		}
		if err := t.dropInboundIDs(id, inIDs); err != nil {
			return false, err
		}
		for _, k := range keys {
			if err := t.b(bTimeline).Delete(k); err != nil {
				return false, err
			}
		}
		for _, k := range extIDs {
			// only ids that still point into this contact's timeline
			if v := t.b(bExtIDs).Get(k); v != nil && bytes.HasPrefix(v, prefix) {
				if err := t.b(bExtIDs).Delete(k); err != nil {
					return false, err
				}
				if err := t.DeleteOutbox(string(k)); err != nil { // nothing left to send
					return false, err
				}
			}
		}
	}
	for _, k := range searchKeys(&ct) {
		if err := t.b(bNames).Delete(k); err != nil {
			return false, err
		}
	}
	if err := t.b(bTexts).Delete([]byte(id)); err != nil {
		return false, err
	}
	if err := t.deleteIdents(&ct); err != nil {
		return false, err
	}
	delete(t.contacts, id)
	return true, t.b(bContacts).Delete([]byte(id))
}

// unindex removes a conversation's index keys and its share of the counters.
func (t *Tx) unindex(cv *Conversation) error {
	idx := t.b(bIdx)
	for _, k := range indexKeys(cv) {
		if err := idx.Delete(k); err != nil {
			return err
		}
	}
	for _, k := range countKeys(cv) {
		if err := t.addCount(k, -1); err != nil {
			return err
		}
	}
	delete(t.placed, cv.Contact)
	return nil
}

// MoveTimeline moves every entry of from's conversation into the conversation into (appended in
// time order among its own; into's Seq and LastAt advance, and the caller stores it), with the
// inbound ids that made them duplicates and the reply ids delivery statuses find them by, then
// deletes from's conversation: its record, index keys and counters. It is how two contacts that
// turned out to be one person become one conversation. It reports whether from had one.
func (t *Tx) MoveTimeline(from string, into *Conversation) (bool, error) {
	cv, exists, err := t.Conversation(from)
	if err != nil || !exists {
		return false, err
	}
	if err := t.unindex(&cv); err != nil {
		return false, err
	}
	prefix := timelinePrefix(from)
	type entry struct {
		key []byte
		e   Entry
	}
	var entries []entry
	var keys [][]byte
	ids := map[string][]string{} // entry key tail → inbound ids
	var allIDs []inboundListing
	c := t.b(bTimeline).Cursor()
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		keys = append(keys, append([]byte(nil), k...))
		switch {
		case isEntryKey(k, prefix):
			var e Entry
			if err := json.Unmarshal(v, &e); err != nil {
				return false, fmt.Errorf("damaged timeline entry of %s: %w", from, err)
			}
			entries = append(entries, entry{append([]byte(nil), k...), e})
		case len(k) > len(prefix) && k[len(prefix)] == 0xfe && len(v) == 16:
			ids[string(v)] = append(ids[string(v)], string(k[len(prefix)+1:]))
			allIDs = append(allIDs, inboundListing{string(k[len(prefix)+1:]), refOf(from, v)})
		}
	}
	// an id whose entry is gone names nothing from now on (those that move name their entry in
	// into's timeline below)
	if err := t.dropInboundIDs(from, allIDs); err != nil {
		return false, err
	}
	for _, k := range keys {
		if err := t.b(bTimeline).Delete(k); err != nil {
			return false, err
		}
	}
	for _, x := range entries {
		nk, err := t.AppendEntry(into, x.e)
		if err != nil {
			return false, err
		}
		for _, id := range ids[string(x.key[len(prefix):])] {
			if err := t.PutInboundID(into.Contact, id, nk); err != nil {
				return false, err
			}
		}
		if x.e.Kind == "reply" && x.e.ID != "" {
			if v := t.b(bExtIDs).Get([]byte(x.e.ID)); v != nil && bytes.Equal(v, x.key) {
				if err := t.PutExtID(x.e.ID, nk); err != nil {
					return false, err
				}
			}
		}
	}
	return true, nil
}

// IsEmpty reports whether the workspace has no operators, teams, contacts or conversations.
func (t *Tx) IsEmpty() bool {
	for _, b := range [][]byte{bOperators, bTeams, bContacts, bTimeline} {
		if k, v := t.b(b).Cursor().First(); k != nil && v != nil {
			return false
		}
	}
	return true
}

// Clear empties every bucket but meta (import --replace).
func (t *Tx) Clear() error {
	t.placed, t.contacts = nil, nil
	for _, name := range allBuckets {
		if bytes.Equal(name, bMeta) {
			continue
		}
		if err := t.clearBucket(name); err != nil {
			return err
		}
	}
	if t.mem == nil {
		return addMarkers(t.tx)
	}
	return nil // a checkpoint makes the cleared buckets again, with their markers
}
