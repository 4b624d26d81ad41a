package data

import (
	"bytes"
	"container/heap"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"

	"switchboard/routing"
)

// Tx is a transaction on the workspace. Methods that write keep every index in step.
type Tx struct {
	tx *bolt.Tx
	// placed remembers, for the conversations read or written in this transaction, what their
	// index keys and counters depend on, so PutConversation need not read and decode the stored
	// record again.
	placed map[string]placement
}

// placement is what a conversation's index keys and counters depend on.
type placement struct {
	lastAt                 int64
	status, assignee, team string
	waiting                bool
}

func placementOf(c *Conversation) placement {
	return placement{c.LastAt, c.Status, c.Assignee, c.Team, c.Prompt != nil}
}

func (p placement) conversation(contact string) Conversation {
	c := Conversation{Contact: contact, LastAt: p.lastAt, Status: p.status, Assignee: p.assignee, Team: p.team}
	if p.waiting {
		c.Prompt = &Prompt{}
	}
	return c
}

func (t *Tx) remember(c *Conversation) {
	if t.placed == nil {
		t.placed = map[string]placement{}
	}
	t.placed[c.Contact] = placementOf(c)
}

func (t *Tx) b(name []byte) *bolt.Bucket { return t.tx.Bucket(name) }

func getJSON(b *bolt.Bucket, k []byte, v any) (bool, error) {
	raw := b.Get(k)
	if raw == nil {
		return false, nil
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return false, fmt.Errorf("damaged record %q: %w", k, err)
	}
	return true, nil
}

func putJSON(b *bolt.Bucket, k []byte, v any) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return b.Put(k, raw)
}

func be64(v uint64) []byte {
	var buf [8]byte
	binary.BigEndian.PutUint64(buf[:], v)
	return buf[:]
}

// NextSeq hands out the next workspace-wide sequence number.
func (t *Tx) NextSeq() (uint64, error) {
	m := t.b(bMeta)
	n := getU64(m, []byte("seq")) + 1
	return n, putU64(m, []byte("seq"), n)
}

// ---- configuration ----

// Settings returns the workspace settings (zero Settings in a new file).
func (t *Tx) Settings() (Settings, error) {
	var s Settings
	_, err := getJSON(t.b(bConfig), []byte("settings"), &s)
	return s, err
}

// PutSettings stores the settings.
func (t *Tx) PutSettings(s Settings) error { return putJSON(t.b(bConfig), []byte("settings"), s) }

// Operators returns every operator, ordered by id.
func (t *Tx) Operators() ([]Operator, error) {
	var out []Operator
	err := t.b(bOperators).ForEach(func(k, v []byte) error {
		var o Operator
		if err := json.Unmarshal(v, &o); err != nil {
			return fmt.Errorf("damaged operator %q: %w", k, err)
		}
		out = append(out, o)
		return nil
	})
	return out, err
}

// PutOperator stores an operator.
func (t *Tx) PutOperator(o Operator) error { return putJSON(t.b(bOperators), []byte(o.ID), o) }

// DeleteOperator removes an operator record.
func (t *Tx) DeleteOperator(id string) error { return t.b(bOperators).Delete([]byte(id)) }

// Teams returns the teams in workspace order.
func (t *Tx) Teams() ([]Team, error) {
	var order []string
	if _, err := getJSON(t.b(bConfig), []byte("team_order"), &order); err != nil {
		return nil, err
	}
	out := make([]Team, 0, len(order))
	for _, id := range order {
		var tm Team
		ok, err := getJSON(t.b(bTeams), []byte(id), &tm)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, tm)
		}
	}
	return out, nil
}

// PutTeam stores a team; a new team goes last in the order.
func (t *Tx) PutTeam(tm Team) error {
	if t.b(bTeams).Get([]byte(tm.ID)) == nil {
		var order []string
		if _, err := getJSON(t.b(bConfig), []byte("team_order"), &order); err != nil {
			return err
		}
		order = append(order, tm.ID)
		if err := putJSON(t.b(bConfig), []byte("team_order"), order); err != nil {
			return err
		}
	}
	return putJSON(t.b(bTeams), []byte(tm.ID), tm)
}

// DeleteTeam removes a team and its round-robin memory.
func (t *Tx) DeleteTeam(id string) error {
	var order []string
	if _, err := getJSON(t.b(bConfig), []byte("team_order"), &order); err != nil {
		return err
	}
	kept := order[:0]
	for _, o := range order {
		if o != id {
			kept = append(kept, o)
		}
	}
	if err := putJSON(t.b(bConfig), []byte("team_order"), kept); err != nil {
		return err
	}
	if err := t.b(bRoundRobin).Delete([]byte(id)); err != nil {
		return err
	}
	return t.b(bTeams).Delete([]byte(id))
}

// RoundRobin returns every team's round-robin memory.
func (t *Tx) RoundRobin() (map[string]routing.RoundRobinState, error) {
	out := map[string]routing.RoundRobinState{}
	err := t.b(bRoundRobin).ForEach(func(k, v []byte) error {
		var st routing.RoundRobinState
		if err := json.Unmarshal(v, &st); err != nil {
			return fmt.Errorf("damaged round-robin memory %q: %w", k, err)
		}
		out[string(k)] = st
		return nil
	})
	return out, err
}

// PutRoundRobin stores one team's round-robin memory.
func (t *Tx) PutRoundRobin(team string, st routing.RoundRobinState) error {
	return putJSON(t.b(bRoundRobin), []byte(team), st)
}

// AddHistory appends a settings change to the history.
func (t *Tx) AddHistory(c SettingChange) (SettingChange, error) {
	seq, err := t.NextSeq()
	if err != nil {
		return c, err
	}
	c.Seq = seq
	return c, putJSON(t.b(bHistory), be64(seq), c)
}

// History returns the settings history, oldest first.
func (t *Tx) History() ([]SettingChange, error) {
	var out []SettingChange
	err := t.b(bHistory).ForEach(func(k, v []byte) error {
		var c SettingChange
		if err := json.Unmarshal(v, &c); err != nil {
			return fmt.Errorf("damaged settings history entry: %w", err)
		}
		out = append(out, c)
		return nil
	})
	return out, err
}

// ---- contacts ----

// Contact returns the contact with the id.
func (t *Tx) Contact(id string) (Contact, bool, error) {
	var c Contact
	ok, err := getJSON(t.b(bContacts), []byte(id), &c)
	return c, ok, err
}

func nameKey(name, id string) []byte {
	return []byte(strings.ToLower(name) + "\x00" + id)
}

// PutContact stores a contact and keeps the name and identity indexes in step. An identity that
// belongs to another contact is refused with *IdentityTaken.
func (t *Tx) PutContact(c Contact) error {
	old, ok, err := t.Contact(c.ID)
	if err != nil {
		return err
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
	return putJSON(t.b(bContacts), []byte(c.ID), c)
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
	orig := q
	q = strings.ToLower(strings.TrimSpace(q))
	var out []string
	seen := map[string]bool{}
	digits := strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, q)
	if digits != "" && len(digits) == len(strings.TrimPrefix(phoneSeparators.Replace(q), "+")) {
		prefix := identKey(identPhone, digits)
		c := t.b(bIdents).Cursor()
		for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix) && len(out) < limit; k, v = c.Next() {
			if !seen[string(v)] {
				out = append(out, string(v))
				seen[string(v)] = true
			}
		}
	}
	if raw := strings.TrimSpace(orig); len(raw) >= 3 && raw[2] == '.' {
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

// ---- conversations and indexes ----

// Conversation returns the contact's conversation.
func (t *Tx) Conversation(id string) (Conversation, bool, error) {
	var c Conversation
	ok, err := getJSON(t.b(bTimeline), convKey(id), &c)
	if ok && err == nil && t.tx.Writable() && c.Contact == id {
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
// assignee|"-" 0 tail, and one 'w' tail while it waits for a team decision, where tail is
// be64(last activity) + contact id. A list view fixes some of the three fields and merges the
// ranges of the values the others take (see List), so an event that moves a conversation to the
// top of its lists rewrites one key in one B+tree.
const (
	tagConv    = 'c'
	tagWaiting = 'w'
)

func convPrefix(status, team, assignee string) []byte {
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
	return out
}

// CountKeys returns the counters a conversation adds to.
func CountKeys(c *Conversation) []string {
	out := []string{"all", "s:" + c.Status, "a:" + assigneeKey(c.Assignee) + ":" + c.Status, "t:" + c.Team + ":" + c.Status}
	if c.Prompt != nil {
		out = append(out, "waiting")
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

// Count returns a view counter (see CountKeys).
func (t *Tx) Count(key string) uint64 { return getU64(t.b(bCounts), []byte(key)) }

// Counts returns every counter.
func (t *Tx) Counts() map[string]uint64 {
	out := map[string]uint64{}
	t.b(bCounts).ForEach(func(k, v []byte) error {
		if len(v) == 8 {
			out[string(k)] = binary.BigEndian.Uint64(v)
		}
		return nil
	})
	return out
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
	sameCounts := ok && slices.Equal(CountKeys(&old), CountKeys(&c))
	idx := t.b(bIdx)
	if ok {
		for _, k := range indexKeys(&old) {
			if err := idx.Delete(k); err != nil {
				return err
			}
		}
		if !sameCounts {
			for _, k := range CountKeys(&old) {
				if err := t.addCount(k, -1); err != nil {
					return err
				}
			}
		}
	}
	for _, k := range indexKeys(&c) {
		if err := idx.Put(k, nil); err != nil {
			return err
		}
	}
	if !sameCounts {
		for _, k := range CountKeys(&c) {
			if err := t.addCount(k, 1); err != nil {
				return err
			}
		}
	}
	return putJSON(t.b(bTimeline), convKey(c.Contact), c)
}

// Index names a list of conversations, newest activity first (or oldest first, see
// OldestFirst): those waiting for a decision, or those whose status, team and assignee equal the
// fields the Index fixes (nil: any).
type Index struct {
	waiting                bool
	status, team, assignee *string
	oldest                 bool
}

func ptr(s string) *string { return &s }

// ByActivity lists every conversation.
func ByActivity() Index { return Index{} }

// ByStatus lists conversations with the status.
func ByStatus(status string) Index { return Index{status: ptr(status)} }

// ByAssignee lists conversations with the assignee ("" for none, "bot") and status.
func ByAssignee(assignee, status string) Index {
	return Index{status: ptr(status), assignee: ptr(assigneeKey(assignee))}
}

// ByTeam lists conversations of the team with the status.
func ByTeam(team, status string) Index { return Index{status: ptr(status), team: ptr(team)} }

// Waiting lists conversations waiting for a team decision.
func Waiting() Index { return Index{waiting: true} }

// WithStatus narrows the index to the status (no effect on Waiting).
func (ix Index) WithStatus(status string) Index { ix.status = ptr(status); return ix }

// WithTeam narrows the index to the team (no effect on Waiting).
func (ix Index) WithTeam(team string) Index { ix.team = ptr(team); return ix }

// WithAssignee narrows the index to the assignee ("" for none, "bot"; no effect on Waiting).
func (ix Index) WithAssignee(assignee string) Index {
	ix.assignee = ptr(assigneeKey(assignee))
	return ix
}

// OldestFirst is the same list in the other order, oldest activity first: the exact reverse of
// the newest-first list. A cursor is a position in both
// orders: a page after it in one order and a page after it in the other meet there.
func (ix Index) OldestFirst() Index { ix.oldest = true; return ix }

// Reversed is the same list in the other order.
func (ix Index) Reversed() Index { ix.oldest = !ix.oldest; return ix }

// IsOldestFirst reports whether the index lists oldest activity first.
func (ix Index) IsOldestFirst() bool { return ix.oldest }

func (ix Index) String() string {
	order := ""
	if ix.oldest {
		order = " oldest first"
	}
	if ix.waiting {
		return "waiting" + order
	}
	f := func(name string, p *string) string {
		if p == nil {
			return name + "=*"
		}
		return name + "=" + *p
	}
	return f("status", ix.status) + " " + f("team", ix.team) + " " + f("assignee", ix.assignee) + order
}

// ranges returns the key prefixes whose union is the index: the values a field not fixed takes
// are found by skipping from one value to the next (one seek per value), so a view costs one
// seek per range, not one read per conversation.
func (ix Index) ranges(c *bolt.Cursor) [][]byte {
	if ix.waiting {
		return [][]byte{{tagWaiting}}
	}
	var out [][]byte
	fields := []*string{ix.status, ix.team, ix.assignee}
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
	walk([]byte{tagConv}, 0)
	return out
}

// head is one range of a merged list, positioned at its next key in the list's order.
type head struct {
	prefix []byte
	c      *bolt.Cursor
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

// EncodeCursor and DecodeCursor turn an index position into an opaque string.
func EncodeCursor(k []byte) string { return base64.RawURLEncoding.EncodeToString(k) }

// DecodeCursor reverses EncodeCursor.
func DecodeCursor(s string) ([]byte, error) {
	k, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(k) < 8 {
		return nil, fmt.Errorf("invalid page cursor %q; pass the cursor a previous page returned", s)
	}
	return k, nil
}

// CursorOf is the position of a conversation in every list it is in (its index tail): a page
// after it, in either order, starts with its neighbour.
func CursorOf(c Conversation) string { return EncodeCursor(lastTail(c)) }

// walk calls fn with the tail (be64 last activity + contact id) of every conversation of the
// index after the cursor position from (nil: from the start), in the index's order, until fn
// returns false or an error. The index's ranges are merged: each is walked from the cursor (or
// its start) in the list's direction, always taking the next key among them.
func (t *Tx) walk(ix Index, from []byte, fn func(tail []byte) (bool, error)) error {
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
func (t *Tx) List(ix Index, cursor string, limit int, keep func(*Conversation) bool) (out []Conversation, next string, err error) {
	if limit < 1 {
		return nil, "", fmt.Errorf("list %v: a page holds at least 1 conversation, not %d", ix, limit)
	}
	var from []byte // nil: from the start of the list
	if cursor != "" {
		if from, err = DecodeCursor(cursor); err != nil {
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
			next = EncodeCursor(lastTail(out[len(out)-1]))
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
func (t *Tx) CountAfter(ix Index, cursor string, keep func(*Conversation) bool) (int, error) {
	var from []byte
	if cursor != "" {
		var err error
		if from, err = DecodeCursor(cursor); err != nil {
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
		(a.Prompt == nil) == (b.Prompt == nil)
}

func lastTail(c Conversation) []byte { return append(be64(uint64(c.LastAt)), c.Contact...) }

// phoneSeparators are what people type between a phone number's digits.
var phoneSeparators = strings.NewReplacer(" ", "", "-", "")

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

// inboundKey is where an inbound external id of the contact lives: in the timeline bucket after
// the contact's entries and before its conversation record, in the leaf page an event writes
// anyway (a separate B+tree of ids cost an ingested event two more pages).
func inboundKey(contact, id string) []byte { return []byte(contact + "\x00\xfe" + id) }

// afterEntries is the first key after every entry of the contact's timeline.
func afterEntries(prefix []byte) []byte { return append(append([]byte(nil), prefix...), 0xfe) }

// ValidTime reports whether the store can order an entry at t: its keys hold Unix nanoseconds,
// so from 1970 to 2262.
func ValidTime(t time.Time) bool {
	return !t.Before(time.Unix(0, 0)) && t.Before(time.Unix(0, math.MaxInt64))
}

// AppendEntry writes a timeline entry for the conversation (bumping its entry counter, which the
// caller then stores with PutConversation) and returns the entry's key.
func (t *Tx) AppendEntry(c *Conversation, e Entry) ([]byte, error) {
	c.Seq++
	k := append(timelinePrefix(c.Contact), be64(uint64(e.At.UnixNano()))...)
	k = append(k, be64(c.Seq)...)
	if at := e.At.UnixNano(); at > c.LastAt {
		c.LastAt = at
	}
	return k, putJSON(t.b(bTimeline), k, e)
}

// Entry returns the timeline entry at key.
func (t *Tx) Entry(key []byte) (Entry, bool, error) {
	var e Entry
	ok, err := getJSON(t.b(bTimeline), key, &e)
	e.Key = key
	return e, ok, err
}

// PutEntry rewrites the timeline entry at key (delivery marks, call outcomes).
func (t *Tx) PutEntry(key []byte, e Entry) error { return putJSON(t.b(bTimeline), key, e) }

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
		tail, derr := DecodeCursor(cursor)
		if derr != nil {
			return nil, "", derr
		}
		if len(tail) > 0 && tail[0] >= 0x80 {
			k, v = c.Seek(afterEntries(prefix)) // past every entry: the newest page, without walking the inbound ids
		} else {
			k, v = c.Seek(append(append([]byte(nil), prefix...), tail...))
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
			prev = EncodeCursor(out[len(out)-1].Key[len(prefix):])
			break
		}
		var e Entry
		if err := json.Unmarshal(v, &e); err != nil {
			return nil, "", fmt.Errorf("damaged timeline entry of %s: %w", contact, err)
		}
		e.Key = append([]byte(nil), k...)
		out = append(out, e)
	}
	// reverse into time order
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out, prev, nil
}

// ExtID returns the timeline key stored for an id found by the id alone: a reply's id, which
// delivery statuses name.
func (t *Tx) ExtID(id string) ([]byte, bool) {
	v := t.b(bExtIDs).Get([]byte(id))
	if v == nil {
		return nil, false
	}
	return append([]byte(nil), v...), true
}

// PutExtID records that a reply's id was stored at the timeline key.
func (t *Tx) PutExtID(id string, key []byte) error { return t.b(bExtIDs).Put([]byte(id), key) }

// InboundID returns the timeline key stored for an inbound external id of the contact (a
// message id, a call id, a call end's id): what makes a redelivered event a duplicate.
func (t *Tx) InboundID(contact, id string) ([]byte, bool) {
	v := t.b(bTimeline).Get(inboundKey(contact, id))
	if len(v) != 16 {
		return nil, false
	}
	return append(timelinePrefix(contact), v...), true
}

// PutInboundID records that the contact's inbound external id was stored at the timeline key
// (a key of the contact's timeline).
func (t *Tx) PutInboundID(contact, id string, key []byte) error {
	prefix := timelinePrefix(contact)
	if !isEntryKey(key, prefix) || !bytes.HasPrefix(key, prefix) {
		return fmt.Errorf("inbound id %q of %s: %x is not an entry of its timeline", id, contact, key)
	}
	return t.b(bTimeline).Put(inboundKey(contact, id), key[len(prefix):])
}

// ContactOfKey returns the contact id a timeline key belongs to.
func ContactOfKey(key []byte) string {
	if i := bytes.IndexByte(key, 0); i >= 0 {
		return string(key[:i])
	}
	return ""
}

// ---- notifications ----

// AddNotification stores a notification and returns it with its sequence number.
func (t *Tx) AddNotification(n Notification) (Notification, error) {
	seq, err := t.NextSeq()
	if err != nil {
		return n, err
	}
	n.Seq = seq
	return n, putJSON(t.b(bNotes), append([]byte(n.To+"\x00"), be64(seq)...), n)
}

// Notifications returns the operator's notifications, newest first (unread only unless all).
func (t *Tx) Notifications(op string, all bool) ([]Notification, error) {
	prefix := []byte(op + "\x00")
	var out []Notification
	c := t.b(bNotes).Cursor()
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		var n Notification
		if err := json.Unmarshal(v, &n); err != nil {
			return nil, fmt.Errorf("damaged notification: %w", err)
		}
		if all || !n.Read {
			out = append(out, n)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Seq > out[j].Seq })
	return out, nil
}

// PutNotification rewrites a notification (to mark it read).
func (t *Tx) PutNotification(n Notification) error {
	return putJSON(t.b(bNotes), append([]byte(n.To+"\x00"), be64(n.Seq)...), n)
}

// DeleteNotifications removes every notification to the operator (a deleted operator).
func (t *Tx) DeleteNotifications(op string) error {
	prefix := []byte(op + "\x00")
	c := t.b(bNotes).Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Seek(prefix) {
		if err := c.Delete(); err != nil {
			return err
		}
	}
	return nil
}

// AllNotifications calls fn for every notification (export).
func (t *Tx) AllNotifications(fn func(Notification) error) error {
	return t.b(bNotes).ForEach(func(k, v []byte) error {
		var n Notification
		if err := json.Unmarshal(v, &n); err != nil {
			return fmt.Errorf("damaged notification: %w", err)
		}
		return fn(n)
	})
}

// Conversations calls fn for every conversation in contact id order (export, invariant checks).
func (t *Tx) Conversations(fn func(Conversation) error) error {
	return forEachConversation(t.b(bTimeline), func(k, v []byte) error {
		var c Conversation
		if err := json.Unmarshal(v, &c); err != nil {
			return fmt.Errorf("damaged conversation %q: %w", k, err)
		}
		return fn(c)
	})
}

// forEachConversation calls fn with the key and value of every conversation record of the
// timeline bucket, in contact id order: one seek per contact.
func forEachConversation(b *bolt.Bucket, fn func(k, v []byte) error) error {
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
	t.placed = nil
	for _, name := range allBuckets {
		if bytes.Equal(name, bMeta) {
			continue
		}
		if err := t.tx.DeleteBucket(name); err != nil {
			return err
		}
		if _, err := t.tx.CreateBucket(name); err != nil {
			return err
		}
	}
	return addMarkers(t.tx)
}
