package bolt

import (
	"bytes"
	"context"
	"strings"
	"unicode/utf8"

	"switchboard/inbox/domain"
)

// textsMax is how much folded message text the texts bucket keeps for each contact: the newest
// messages and replies, about ten of a usual length (older text drops off the front, at a word).
const textsMax = 1024

// stopEvery: how many keys FindContacts's scans read between two looks at their context
const stopEvery = 4096

// searchable: the entries whose text search finds (a customer's messages and captions, the
// replies to them); system notes are not what people look for.
func searchable(e Entry) bool {
	return e.Text != "" && (e.Kind == domain.KindMessage || e.Kind == domain.KindReply)
}

// appendText adds a text to a contact's folded text, keeping the newest textsMax bytes.
func appendText(v []byte, text string) []byte {
	f := domain.Fold(strings.TrimSpace(text))
	if f == "" {
		return v
	}
	out := make([]byte, 0, len(v)+1+len(f))
	out = append(out, v...)
	if len(out) > 0 {
		out = append(out, '\n') // no match runs across two messages
	}
	out = append(out, f...)
	if len(out) > textsMax {
		cut := out[len(out)-textsMax:]
		if i := bytes.IndexAny(cut, " \n"); i >= 0 && i < 64 {
			cut = cut[i+1:]
		}
		for len(cut) > 0 && !utf8.RuneStart(cut[0]) {
			cut = cut[1:]
		}
		out = append([]byte(nil), cut...)
	}
	return out
}

// indexText keeps the texts bucket in step with an entry appended to the contact's timeline.
func (t *Tx) indexText(contact string, e Entry) error {
	if !searchable(e) {
		return nil
	}
	b := t.b(bTexts)
	return b.Put([]byte(contact), appendText(b.Get([]byte(contact)), e.Text))
}

// FindContacts is the contact search of the inbox: q's digits starting or inside a number, the
// start of a business-scoped user id, a name or @username containing q, and the text of the
// contact's latest messages and replies containing q (names and text with case and accents
// folded: domain.Fold). It counts every match and returns those from offset on, up to limit:
// numbers and ids first, then names, then message text (InText marks those).
func (t *Tx) FindContacts(ctx context.Context, q string, offset, limit int) (domain.ContactHits, error) {
	sq := domain.ParseSearch(q)
	hits := domain.NewHits(offset, limit)
	// the scans below look at ctx every stopEvery keys: a search the next keystroke replaced
	// ends within a few hundred microseconds
	n := 0
	stopped := func() error {
		if n++; n%stopEvery != 0 {
			return nil
		}
		return ctx.Err()
	}
	if sq.Digits != "" {
		prefix := identKey(identPhone, sq.Digits)
		c := t.b(bIdents).Cursor()
		for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			if err := stopped(); err != nil {
				return domain.ContactHits{}, err
			}
			hits.Add(string(v), false)
		}
		if sq.Inside {
			// the national part of a number, typed without the country code
			all := identKey(identPhone, "")
			for k, v := c.Seek(all); k != nil && bytes.HasPrefix(k, all); k, v = c.Next() {
				if err := stopped(); err != nil {
					return domain.ContactHits{}, err
				}
				if bytes.Contains(k[len(all)+1:], []byte(sq.Digits)) {
					hits.Add(string(v), false)
				}
			}
		}
	}
	if sq.BSUID != "" {
		prefix := identKey(identBSUID, sq.BSUID)
		c := t.b(bIdents).Cursor()
		for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			if err := stopped(); err != nil {
				return domain.ContactHits{}, err
			}
			hits.Add(string(v), false)
		}
	}
	if sq.Folded == "" {
		return hits.Result(), nil
	}
	needle := []byte(sq.Folded)
	var buf []byte
	c := t.b(bNames).Cursor()
	for k, _ := c.First(); k != nil; k, _ = c.Next() {
		if err := stopped(); err != nil {
			return domain.ContactHits{}, err
		}
		i := bytes.IndexByte(k, 0)
		if i < 0 {
			continue
		}
		name := k[:i]
		if !asciiLower(name) {
			buf = domain.AppendFold(buf[:0], string(name))
			name = buf
		}
		if bytes.Contains(name, needle) {
			hits.Add(string(k[i+1:]), false)
		}
	}
	// the last phase: each contact once (keys are unique), so only what came before is looked up
	tc := t.b(bTexts).Cursor()
	for k, v := tc.First(); k != nil; k, v = tc.Next() {
		if err := stopped(); err != nil {
			return domain.ContactHits{}, err
		}
		if v != nil && bytes.Contains(v, needle) {
			hits.AddLast(string(k), true)
		}
	}
	return hits.Result(), nil
}

// asciiLower: a name key already in Fold's form without folding it again (the usual case).
func asciiLower(b []byte) bool {
	for i, c := range b {
		if c >= utf8.RuneSelf || c == '\t' || (c == ' ' && i > 0 && b[i-1] == ' ') {
			return false
		}
	}
	return true
}
