package bolt

import (
	"bytes"
	"strings"
	"switchboard/inbox/domain"
)

// The idents bucket finds a contact by any of its WhatsApp identities:
//
//	'p' phone digits         → contact id   (the number the customer has now; unique)
//	'b' BSUID                → contact id   (now or before a number change; unique)
//	'e' parent BSUID         → contact id   (unique)
//	'a' merged contact's id  → contact id   (a contact merged into another still finds it)
//	'u' lower(username) 0x00 contact id → nil (usernames are for display and search: a stale
//	                                            one may name two contacts)
//
// PutContact keeps it in step with the contact records; a unique identity that names another
// contact is refused (*IdentityTaken), so one person is one contact.
const (
	identPhone  = 'p'
	identBSUID  = 'b'
	identParent = 'e'
	identAlias  = 'a'
	identUser   = 'u'
)

// IdentityTaken is the error of a write that would give one identity to two contacts.
type IdentityTaken = domain.IdentityTaken

var identNames = map[byte]string{identPhone: "phone", identBSUID: "BSUID", identParent: "parent BSUID", identAlias: "id"}

func identKey(kind byte, value string) []byte {
	return append([]byte{kind}, value...)
}

func usernameKey(username, id string) []byte {
	return []byte(string(identUser) + strings.ToLower(username) + "\x00" + id)
}

// uniqueIdents are the keys of idents that name the contact alone.
func uniqueIdents(c *Contact) [][]byte {
	var out [][]byte
	if c.Phone != "" {
		out = append(out, identKey(identPhone, c.Phone))
	}
	if c.BSUID != "" {
		out = append(out, identKey(identBSUID, c.BSUID))
	}
	for _, b := range c.PastBSUIDs {
		if b != "" && b != c.BSUID {
			out = append(out, identKey(identBSUID, b))
		}
	}
	if c.ParentBSUID != "" {
		out = append(out, identKey(identParent, c.ParentBSUID))
	}
	for _, a := range c.Aliases {
		if a != "" {
			out = append(out, identKey(identAlias, a))
		}
	}
	return out
}

func contains(keys [][]byte, k []byte) bool {
	for _, x := range keys {
		if bytes.Equal(x, k) {
			return true
		}
	}
	return false
}

// putIdents moves the contact's identity keys from what old had (nil: a new contact) to c's.
func (t *Tx) putIdents(old *Contact, c *Contact) error {
	b := t.b(bIdents)
	next := uniqueIdents(c)
	var prev [][]byte
	if old != nil {
		prev = uniqueIdents(old)
	}
	for _, k := range next {
		if contains(prev, k) {
			continue
		}
		if v := b.Get(k); v != nil && string(v) != c.ID {
			return &IdentityTaken{Kind: identNames[k[0]], Value: string(k[1:]), Contact: c.ID, Other: string(v)}
		}
	}
	for _, k := range prev {
		if !contains(next, k) {
			if err := b.Delete(k); err != nil {
				return err
			}
		}
	}
	for _, k := range next {
		if !contains(prev, k) {
			if err := b.Put(k, []byte(c.ID)); err != nil {
				return err
			}
		}
	}
	oldUser := ""
	if old != nil {
		oldUser = old.Username
	}
	if !strings.EqualFold(oldUser, c.Username) {
		if oldUser != "" {
			if err := b.Delete(usernameKey(oldUser, c.ID)); err != nil {
				return err
			}
		}
		if c.Username != "" {
			if err := b.Put(usernameKey(c.Username, c.ID), nil); err != nil {
				return err
			}
		}
	}
	return nil
}

// deleteIdents removes every identity key of the contact.
func (t *Tx) deleteIdents(c *Contact) error {
	b := t.b(bIdents)
	for _, k := range uniqueIdents(c) {
		if v := b.Get(k); v != nil && string(v) == c.ID {
			if err := b.Delete(k); err != nil {
				return err
			}
		}
	}
	if c.Username != "" {
		return b.Delete(usernameKey(c.Username, c.ID))
	}
	return nil
}

func (t *Tx) byIdent(kind byte, value string) (Contact, bool, error) {
	if value == "" {
		return Contact{}, false, nil
	}
	v := t.b(bIdents).Get(identKey(kind, value))
	if v == nil {
		return Contact{}, false, nil
	}
	return t.Contact(string(v))
}

// ContactByPhone returns the contact whose number is phone now (digits).
func (t *Tx) ContactByPhone(phone string) (Contact, bool, error) { return t.byIdent(identPhone, phone) }

// ContactByBSUID returns the contact with the business-scoped user id, now or before a number
// change.
func (t *Tx) ContactByBSUID(bsuid string) (Contact, bool, error) { return t.byIdent(identBSUID, bsuid) }

// ContactByParentBSUID returns the contact with the parent business-scoped user id.
func (t *Tx) ContactByParentBSUID(p string) (Contact, bool, error) {
	return t.byIdent(identParent, p)
}

// ContactByAlias returns the contact another contact with the id was merged into.
func (t *Tx) ContactByAlias(id string) (Contact, bool, error) { return t.byIdent(identAlias, id) }

// ContactsByUsername returns the ids of the contacts whose username is u (case-insensitive).
func (t *Tx) ContactsByUsername(u string) []string {
	prefix := []byte(string(identUser) + strings.ToLower(u) + "\x00")
	var out []string
	c := t.b(bIdents).Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		out = append(out, string(k[len(prefix):]))
	}
	return out
}

// searchKeys are the names bucket's keys of a contact: its name and its @username.
func searchKeys(c *Contact) [][]byte {
	var out [][]byte
	if c.Name != "" || c.Username == "" {
		out = append(out, nameKey(c.Name, c.ID))
	}
	if c.Username != "" {
		out = append(out, nameKey("@"+c.Username, c.ID))
	}
	return out
}
