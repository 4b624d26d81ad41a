package bolt

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"switchboard/inbox/domain"
)

// ---- contacts ----

// Contact returns the contact with the id.
func (t *Tx) Contact(id string) (Contact, bool, error) {
	var c Contact
	ok, err := getJSON(t.b(bContacts), []byte(id), &c)
	if ok && err == nil && t.canWrite() {
		t.rememberContact(c)
	}
	return c, ok, err
}

// rememberContact keeps a copy of a contact read or written in this transaction, so that
// PutContact finds what it replaces without decoding it again (a backlog sweep reads a contact
// and writes its owner for each of thousands of conversations).
func (t *Tx) rememberContact(c Contact) {
	if t.contacts == nil {
		t.contacts = map[string]Contact{}
	}
	c.Tags, c.PastPhones, c.PastBSUIDs, c.Aliases = slices.Clone(c.Tags), slices.Clone(c.PastPhones), slices.Clone(c.PastBSUIDs), slices.Clone(c.Aliases)
	t.contacts[c.ID] = c
}

func nameKey(name, id string) []byte {
	return []byte(strings.ToLower(name) + "\x00" + id)
}

// PutContact stores a contact and keeps the name and identity indexes in step. An identity that
// belongs to another contact is refused with *IdentityTaken.
func (t *Tx) PutContact(c Contact) error {
	old, ok := t.contacts[c.ID]
	if !ok {
		var err error
		if old, ok, err = t.Contact(c.ID); err != nil {
			return err
		}
	}
	var prev *Contact
	var prevKeys [][]byte
	if ok {
		prev, prevKeys = &old, searchKeys(&old)
	}
	if err := t.putIdents(prev, &c); err != nil {
		return err
	}
	next := searchKeys(&c)
	for _, k := range prevKeys {
		if !contains(next, k) {
			if err := t.b(bNames).Delete(k); err != nil {
				return err
			}
		}
	}
	for _, k := range next {
		if !contains(prevKeys, k) {
			if err := t.b(bNames).Put(k, nil); err != nil {
				return err
			}
		}
	}
	if err := putJSON(t.b(bContacts), []byte(c.ID), c); err != nil {
		return err
	}
	t.rememberContact(c)
	return nil
}

// Contacts calls fn for every contact in id order until fn returns false.
func (t *Tx) Contacts(fn func(Contact) bool) error {
	c := t.b(bContacts).Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		if v == nil {
			continue // the marker
		}
		var ct Contact
		if err := json.Unmarshal(v, &ct); err != nil {
			return fmt.Errorf("damaged contact %q: %w", k, err)
		}
		if !fn(ct) {
			return nil
		}
	}
	return nil
}

// SearchContacts returns up to limit contact ids whose name or @username contains q
// (case-insensitive), whose number starts with q's digits, or whose business-scoped user id
// starts with q; numbers and ids first.
func (t *Tx) SearchContacts(q string, limit int) ([]string, error) {
	sq := domain.ParseSearch(q) // the number and the business-scoped id, read as every search reads them
	q = strings.ToLower(strings.TrimSpace(q))
	var out []string
	seen := map[string]bool{}
	if digits := sq.Digits; digits != "" {
		prefix := identKey(identPhone, digits)
		c := t.b(bIdents).Cursor()
		for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix) && len(out) < limit; k, v = c.Next() {
			if !seen[string(v)] {
				out = append(out, string(v))
				seen[string(v)] = true
			}
		}
	}
	if raw := sq.BSUID; raw != "" {
		// a business-scoped user id, or the start of one (case as Meta writes it)
		prefix := identKey(identBSUID, raw)
		c := t.b(bIdents).Cursor()
		for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix) && len(out) < limit; k, v = c.Next() {
			if !seen[string(v)] {
				out = append(out, string(v))
				seen[string(v)] = true
			}
		}
	}
	if q == "" {
		return out, nil
	}
	c := t.b(bNames).Cursor()
	for k, _ := c.First(); k != nil && len(out) < limit; k, _ = c.Next() {
		i := bytes.IndexByte(k, 0)
		if i < 0 {
			continue
		}
		if bytes.Contains(k[:i], []byte(q)) {
			id := string(k[i+1:])
			if !seen[id] {
				out = append(out, id)
				seen[id] = true
			}
		}
	}
	return out, nil
}
