package data

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
		idx := t.b(bIdx)
		for _, k := range indexKeys(&cv) {
			if err := idx.Delete(k); err != nil {
				return false, err
			}
		}
		for _, k := range CountKeys(&cv) {
			if err := t.addCount(k, -1); err != nil {
				return false, err
			}
		}
		// collect first: a bbolt cursor must not walk keys that are being deleted
		prefix := timelinePrefix(id)
		var keys, extIDs [][]byte
		c := t.b(bTimeline).Cursor()
		for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			keys = append(keys, append([]byte(nil), k...))
			if !isEntryKey(k, prefix) {
				continue
			}
			var e Entry
			if err := json.Unmarshal(v, &e); err != nil {
				return false, fmt.Errorf("damaged timeline entry of %s: %w", id, err)
			}
			if e.ID != "" && e.Kind == "reply" {
				extIDs = append(extIDs, []byte(e.ID)) // inbound ids go with the timeline's keys
			}
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
			}
		}
		delete(t.placed, id)
	}
	if err := t.b(bNames).Delete(nameKey(ct.Name, id)); err != nil {
		return false, err
	}
	return true, t.b(bContacts).Delete([]byte(id))
}
