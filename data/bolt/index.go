package bolt

import (
	"bytes"
	"container/heap"
	"fmt"

	"switchboard/inbox/domain"
)

// index is a domain.Query as this engine walks it: the fields it fixes (the assignee as its key,
// "-" for none) and its order.
type index struct {
	waiting, backlog       bool
	status, team, assignee *string
	oldest                 bool
}

func indexOf(q Query) index {
	ix := index{waiting: q.Waiting, backlog: q.Backlog, team: q.Team, oldest: q.OldestFirst}
	if q.Status != nil {
		st := string(*q.Status)
		ix.status = &st
	}
	if q.Assignee != nil {
		a := assigneeKey(*q.Assignee)
		ix.assignee = &a
	}
	return ix
}

// ranges returns the key prefixes whose union is the index: the values a field not fixed takes
// are found by skipping from one value to the next (one seek per value), so a view costs one
// seek per range, not one read per conversation.
func (ix index) ranges(c *cursor) [][]byte {
	if ix.waiting {
		return [][]byte{{tagWaiting}}
	}
	var out [][]byte
	fields, tag := []*string{ix.status, ix.team, ix.assignee}, byte(tagConv)
	if ix.backlog {
		fields, tag = []*string{ix.team}, tagBacklog
	}
	var walk func(prefix []byte, i int)
	walk = func(prefix []byte, i int) {
		if i == len(fields) {
			if k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix) {
				out = append(out, prefix)
			}
			return
		}
		if fields[i] != nil {
			walk(append(append(prefix[:len(prefix):len(prefix)], *fields[i]...), 0), i+1)
			return
		}
		for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); {
			end := bytes.IndexByte(k[len(prefix):], 0)
			if end < 0 {
				break // not a conversation key
			}
			value := k[len(prefix) : len(prefix)+end]
			next := append(append(prefix[:len(prefix):len(prefix)], value...), 0)
			walk(next, i+1)
			// the first key after every key with this value
			k, _ = c.Seek(append(next[:len(next)-1:len(next)-1], 1))
		}
	}
	walk([]byte{tag}, 0)
	return out
}

// head is one range of a merged list, positioned at its next key in the list's order.
type head struct {
	prefix []byte
	c      *cursor
	key    []byte
}

func (h *head) tail() []byte { return h.key[len(h.prefix):] }

// step moves the head to the range's next key in the list's order; false at the range's end.
func (h *head) step(oldest bool) bool {
	var k []byte
	if oldest {
		k, _ = h.c.Next()
	} else {
		k, _ = h.c.Prev()
	}
	if k == nil || !bytes.HasPrefix(k, h.prefix) || len(k) < len(h.prefix)+8 {
		return false
	}
	h.key = k
	return true
}

// heads is a heap of range heads by tail: a max-heap newest first, a min-heap oldest first.
type heads struct {
	h      []*head
	oldest bool
}

func (h *heads) Len() int { return len(h.h) }
func (h *heads) Less(i, j int) bool {
	c := bytes.Compare(h.h[i].tail(), h.h[j].tail())
	if h.oldest {
		return c < 0
	}
	return c > 0
}
func (h *heads) Swap(i, j int) { h.h[i], h.h[j] = h.h[j], h.h[i] }
func (h *heads) Push(x any)    { h.h = append(h.h, x.(*head)) }
func (h *heads) Pop() any {
	old := h.h
	x := old[len(old)-1]
	h.h = old[:len(old)-1]
	return x
}

// decodeCursor reads a list cursor as an index tail (be64 last activity + contact id).
func decodeCursor(s string) ([]byte, error) {
	c, err := domain.DecodeListCursor(s)
	if err != nil {
		return nil, err
	}
	return append(be64(uint64(c.LastAt)), c.Contact...), nil
}

func encodeCursor(c *Conversation) string { return domain.CursorOf(*c) }

// walk calls fn with the tail (be64 last activity + contact id) of every conversation of the
// index after the cursor position from (nil: from the start), in the index's order, until fn
// returns false or an error. The index's ranges are merged: each is walked from the cursor (or
// its start) in the list's direction, always taking the next key among them.
func (t *Tx) walk(ix index, from []byte, fn func(tail []byte) (bool, error)) error {
	b := t.b(bIdx)
	h := heads{oldest: ix.oldest}
	for _, prefix := range ix.ranges(b.Cursor()) {
		c := b.Cursor()
		var k []byte
		switch {
		case ix.oldest && from == nil:
			k, _ = c.Seek(prefix)
		case ix.oldest:
			// the first key after the cursor: skip the cursor's own key
			pos := append(prefix[:len(prefix):len(prefix)], from...)
			if k, _ = c.Seek(pos); k != nil && bytes.Equal(k, pos) {
				k, _ = c.Next()
			}
		default:
			var pos []byte
			if from == nil {
				// the first key after the range: the prefix with its last byte raised
				pos = append(prefix[:len(prefix)-1:len(prefix)-1], prefix[len(prefix)-1]+1)
			} else {
				pos = append(prefix[:len(prefix):len(prefix)], from...)
			}
			if k, _ = c.Seek(pos); k == nil {
				k, _ = c.Last()
			} else {
				k, _ = c.Prev()
			}
		}
		if k != nil && bytes.HasPrefix(k, prefix) && len(k) >= len(prefix)+8 {
			h.h = append(h.h, &head{prefix: prefix, c: c, key: k})
		}
	}
	heap.Init(&h)
	for h.Len() > 0 {
		top := h.h[0]
		tail := top.tail()
		if top.step(ix.oldest) {
			heap.Fix(&h, 0)
		} else {
			heap.Pop(&h)
		}
		if ok, err := fn(tail); !ok || err != nil {
			return err
		}
	}
	return nil
}

// List returns up to limit (at least 1) conversations of the index in its order (newest
// activity first, or oldest first), starting after the cursor ("" for the first page),
// skipping those keep rejects (nil keeps all). next is the cursor of the last one when more
// follow, "" on the last page.
func (t *Tx) List(q Query, cursor string, limit int, keep func(*Conversation) bool) (out []Conversation, next string, err error) {
	if limit < 1 {
		return nil, "", fmt.Errorf("list %v: a page holds at least 1 conversation, not %d", q, limit)
	}
	ix := indexOf(q)
	var from []byte // nil: from the start of the list
	if cursor != "" {
		if from, err = decodeCursor(cursor); err != nil {
			return nil, "", err
		}
	}
	err = t.walk(ix, from, func(tail []byte) (bool, error) {
		conv, ok, err := t.Conversation(string(tail[8:]))
		if err != nil {
			return false, err
		}
		if !ok || (keep != nil && !keep(&conv)) {
			return true, nil
		}
		if len(out) == limit {
			next = encodeCursor(&out[len(out)-1])
			return false, nil
		}
		out = append(out, conv)
		return true, nil
	})
	if err != nil {
		return nil, "", err
	}
	return out, next, nil
}

// CountAfter returns how many conversations of the index come after the cursor ("": all of
// them) in its order, those keep rejects not counted (nil keeps all). With keep nil it reads
// index keys only, never a conversation.
func (t *Tx) CountAfter(q Query, cursor string, keep func(*Conversation) bool) (int, error) {
	ix := indexOf(q)
	var from []byte
	if cursor != "" {
		var err error
		if from, err = decodeCursor(cursor); err != nil {
			return 0, err
		}
	}
	n := 0
	err := t.walk(ix, from, func(tail []byte) (bool, error) {
		if keep != nil {
			conv, ok, err := t.Conversation(string(tail[8:]))
			if err != nil || !ok || !keep(&conv) {
				return err == nil, err
			}
		}
		n++
		return true, nil
	})
	return n, err
}

// sameIndex reports whether two versions of a conversation have the same index keys and
// counters (an unread mark, a preview or a version change moves nothing).
func sameIndex(a, b *Conversation) bool {
	return a.LastAt == b.LastAt && a.Status == b.Status && a.Assignee == b.Assignee && a.Team == b.Team &&
		(a.Prompt == nil) == (b.Prompt == nil) && a.InBacklog() == b.InBacklog()
}

func lastTail(c Conversation) []byte { return append(be64(uint64(c.LastAt)), c.Contact...) }
