package bolt

import (
	"bytes"
	"fmt"
	"slices"

	"switchboard/routing"
)

// ---- conversations and indexes ----

// Conversation returns the contact's conversation.
func (t *Tx) Conversation(id string) (Conversation, bool, error) {
	var c Conversation
	ok, err := getJSON(t.b(bTimeline), convKey(id), &c)
	if ok && err == nil && t.canWrite() && c.Contact == id {
		t.remember(&c)
	}
	return c, ok, err
}

func assigneeKey(a string) string {
	if a == "" {
		return "-"
	}
	return a
}

// Conversation index keys (bucket idx): every conversation has one key 'c' status 0 team 0
// assignee|"-" 0 tail, one 'w' tail while it waits for a team decision, and one 'b' team 0 tail
// while it waits in its team's backlog (Conversation.InBacklog), where tail is be64(last
// activity) + contact id. A list view fixes some of the three fields and merges the ranges of
// the values the others take (see List), so an event that moves a conversation to the top of
// its lists rewrites one key in one B+tree. The 'b' keys came after schema 4 without a new
// schema: a file written before has no backlog conversation, so its index is complete.
const (
	tagConv    = 'c'
	tagWaiting = 'w'
	tagBacklog = 'b'
)

func convPrefix(status routing.Status, team, assignee string) []byte {
	b := make([]byte, 0, 4+len(status)+len(team)+len(assignee))
	b = append(b, tagConv)
	b = append(append(b, status...), 0)
	b = append(append(b, team...), 0)
	return append(append(b, assigneeKey(assignee)...), 0)
}

func indexKeys(c *Conversation) [][]byte {
	tail := lastTail(*c)
	out := [][]byte{append(convPrefix(c.Status, c.Team, c.Assignee), tail...)}
	if c.Prompt != nil {
		out = append(out, append([]byte{tagWaiting}, tail...))
	}
	if c.InBacklog() {
		out = append(out, append(backlogPrefix(c.Team), tail...))
	}
	return out
}

func backlogPrefix(team string) []byte {
	return append(append([]byte{tagBacklog}, team...), 0)
}

// countKeys returns the counters a conversation adds to.
func countKeys(c *Conversation) []string {
	st := string(c.Status)
	out := []string{"all", "s:" + st, "a:" + assigneeKey(c.Assignee) + ":" + st, "t:" + c.Team + ":" + st}
	if c.Prompt != nil {
		out = append(out, "waiting")
	}
	if c.InBacklog() {
		out = append(out, "backlog", "b:"+c.Team)
	}
	return out
}

func (t *Tx) addCount(key string, delta int64) error {
	b := t.b(bCounts)
	n := int64(getU64(b, []byte(key))) + delta
	if n <= 0 {
		return b.Delete([]byte(key))
	}
	return putU64(b, []byte(key), uint64(n))
}

// Count counts the conversations of a query. The queries the screens count (every
// conversation, a status, a status with an assignee or a team, waiting, and an assignee or a
// team in both statuses) are counters kept with the data; any other is counted on the index.
func (t *Tx) Count(q Query) (int, error) {
	get := func(key string) int { return int(getU64(t.b(bCounts), []byte(key))) }
	statuses := []routing.Status{routing.StatusOpen, routing.StatusClosed}
	if q.Status != nil {
		statuses = []routing.Status{*q.Status}
	}
	n := 0
	switch {
	case q.Waiting:
		return get("waiting"), nil
	case q.Backlog && q.Team != nil:
		return get("b:" + *q.Team), nil
	case q.Backlog:
		return get("backlog"), nil
	case q.Team == nil && q.Assignee == nil && q.Status == nil:
		return get("all"), nil
	case q.Team == nil && q.Assignee == nil:
		return get("s:" + string(*q.Status)), nil
	case q.Team == nil:
		for _, st := range statuses {
			n += get("a:" + assigneeKey(*q.Assignee) + ":" + string(st))
		}
		return n, nil
	case q.Assignee == nil:
		for _, st := range statuses {
			n += get("t:" + *q.Team + ":" + string(st))
		}
		return n, nil
	}
	return t.CountAfter(q, "", nil)
}

// PutConversation stores a conversation and moves its index entries and counters.
func (t *Tx) PutConversation(c Conversation) error {
	var old Conversation
	p, ok := t.placed[c.Contact]
	if ok {
		old = p.conversation(c.Contact)
	} else {
		var err error
		if old, ok, err = t.Conversation(c.Contact); err != nil {
			return err
		}
	}
	t.remember(&c)
	if ok && sameIndex(&old, &c) {
		return putJSON(t.b(bTimeline), convKey(c.Contact), c)
	}
	var oldCounts []string
	idx := t.b(bIdx)
	if ok {
		for _, k := range indexKeys(&old) {
			if err := idx.Delete(k); err != nil {
				return err
			}
		}
		oldCounts = countKeys(&old)
	}
	for _, k := range indexKeys(&c) {
		if err := idx.Put(k, nil); err != nil {
			return err
		}
	}
	// only the counters that differ move (a key in both stays as it is)
	newCounts := countKeys(&c)
	for _, k := range oldCounts {
		if !slices.Contains(newCounts, k) {
			if err := t.addCount(k, -1); err != nil {
				return err
			}
		}
	}
	for _, k := range newCounts {
		if !slices.Contains(oldCounts, k) {
			if err := t.addCount(k, 1); err != nil {
				return err
			}
		}
	}
	return putJSON(t.b(bTimeline), convKey(c.Contact), c)
}

// Conversations calls fn for every conversation in contact id order (export, invariant checks).
func (t *Tx) Conversations(fn func(Conversation) error) error {
	return forEachConversation(t.b(bTimeline), func(k, v []byte) error {
		var c Conversation
		if err := unmarshalRecord(v, &c); err != nil {
			return fmt.Errorf("damaged conversation %q: %w", k, err)
		}
		return fn(c)
	})
}

// forEachConversation calls fn with the key and value of every conversation record of the
// timeline bucket, in contact id order: one seek per contact.
func forEachConversation(b *bucket, fn func(k, v []byte) error) error {
	c := b.Cursor()
	for k, v := c.First(); k != nil; {
		i := bytes.IndexByte(k, 0)
		if i < 0 {
			k, v = c.Next() // not ours
			continue
		}
		ck := append(k[:i+1:i+1], 0xff)
		next := append(k[:i:i], 0x01) // the first key after every key of this contact
		if k, v = c.Seek(ck); k != nil && bytes.Equal(k, ck) {
			if err := fn(k, v); err != nil {
				return err
			}
		}
		// not Next: keys after the record (a schema-2 entry dated before 1970) would lead
		// back to it
		k, v = c.Seek(next)
	}
	return nil
}
