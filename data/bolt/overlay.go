package bolt

import (
	"bytes"
	"errors"
	"hash/maphash"
	"sync/atomic"

	"github.com/google/btree"
	bolt "go.etcd.io/bbolt"
)

// The overlay: what committed transactions wrote that the bbolt file does not hold yet.
//
// A transaction's writes are appended to the journal (journal.go) and fsynced there, one record
// per commit, and kept here in memory; the checkpointer (checkpoint.go) writes them into the
// bbolt file in the background, many commits in one bbolt transaction, and then drops them from
// here. Every read looks here first and then in the file, so a reader sees each commit as soon
// as it is acknowledged. A memtable is never changed once published: a writer changes a clone
// (the B-tree is copy-on-write, so a clone costs nothing until written), and publishes it when
// its record is durable.

// item is one key of the overlay: its value, or a deletion that hides the file's value.
type item struct {
	b   uint8 // the bucket: an index into allBuckets (schema.go)
	del bool
	// gone: replaced or cleared later in the transaction that wrote it (its journal record
	// leaves it out); set only before the item is published (beside b and del: 64 bytes)
	gone bool
	k    []byte
	v    []byte
	lsn  uint64 // the commit that wrote it (its journal record)
}

func itemLess(a, b *item) bool {
	if a.b != b.b {
		return a.b < b.b
	}
	return bytes.Compare(a.k, b.k) < 0
}

// itemCost is roughly what an item holds in memory: its key and value and the tree's share.
func itemCost(it *item) int64 { return int64(len(it.k) + len(it.v) + 64) }

// memtable is one version of the overlay.
type memtable struct {
	tree *btree.BTreeG[*item]
	// count is how many items each bucket has (a bucket with none is read from the file alone)
	count [len(allBuckets)]int
	// cleared: the LSN of the last Clear of each bucket not yet in the file (0: none); a cleared
	// bucket's file contents are hidden
	cleared [len(allBuckets)]uint64
	lsn     uint64 // the last commit it holds
	size    int64  // what its items hold, roughly (itemCost)
	// filter holds a bit pattern for every key the tree holds (and for keys it held): a key
	// whose pattern is not there is not in the overlay, and a read goes to the file without a
	// walk of the tree (most reads of a large workspace ask for keys no recent commit wrote)
	filter *keyFilter
}

func newMemtable(lsn uint64) *memtable {
	return &memtable{tree: btree.NewG[*item](32, itemLess), lsn: lsn, filter: newKeyFilter()}
}

// keyFilter is a Bloom filter of (bucket, key) pairs, shared by the memtables of one overlay
// from the moment it was made: writers add to it before they publish a memtable (so a reader
// finds every key of the memtable it took), readers of older memtables may find keys added
// after theirs (a false positive: they look in their tree and find nothing). A checkpoint
// that drops what it wrote gives the overlay a new filter of the keys left (refilter).
type keyFilter struct{ words []atomic.Uint64 }

// filterBits: 2^23 bits (1 MiB); two bits per key. At the stall size (128 MiB of overlay,
// about 700,000 keys) a key not there is taken for one there 2% of the time, at the
// checkpoint size under 0.5%.
const filterBits = 1 << 23

var filterSeed = maphash.MakeSeed()

func newKeyFilter() *keyFilter { return &keyFilter{words: make([]atomic.Uint64, filterBits/64)} }

func keyHash(b uint8, k []byte) uint64 {
	return maphash.Bytes(filterSeed, k) ^ uint64(b)*0x9e3779b97f4a7c15
}

// filterBitsOf are the two bits of a key's hash.
func filterBitsOf(h uint64) [2]uint64 {
	return [2]uint64{h % filterBits, (h >> 32) * 0x85ebca6b % filterBits}
}

func (f *keyFilter) add(h uint64) {
	for _, bit := range filterBitsOf(h) {
		w := &f.words[bit/64]
		if m := uint64(1) << (bit % 64); w.Load()&m == 0 {
			w.Or(m)
		}
	}
}

func (f *keyFilter) mayHold(h uint64) bool {
	for _, bit := range filterBitsOf(h) {
		if f.words[bit/64].Load()&(uint64(1)<<(bit%64)) == 0 {
			return false
		}
	}
	return true
}

// refilter gives m a filter of the keys its tree holds now (m is not published yet).
func (m *memtable) refilter() {
	f := newKeyFilter()
	m.tree.Ascend(func(it *item) bool { f.add(keyHash(it.b, it.k)); return true })
	m.filter = f
}

// lookup returns m's item under bucket b and key k (probe is scratch space for the search).
func (m *memtable) lookup(probe *item, b uint8, k []byte) (*item, bool) {
	if !m.filter.mayHold(keyHash(b, k)) {
		return nil, false
	}
	probe.b, probe.k = b, k
	it, ok := m.tree.Get(probe)
	probe.k = nil
	return it, ok
}

// items returns m's items in key order.
func (m *memtable) items() []*item {
	out := make([]*item, 0, m.tree.Len())
	m.tree.Ascend(func(it *item) bool { out = append(out, it); return true })
	return out
}

// clone returns a copy a writer may change; m stays as it is.
func (m *memtable) clone() *memtable {
	c := *m
	c.tree = m.tree.Clone()
	return &c
}

func (m *memtable) empty() bool { return m.tree.Len() == 0 && !m.clearedAny() }

func (m *memtable) clearedAny() bool {
	for _, l := range m.cleared {
		if l != 0 {
			return true
		}
	}
	return false
}

// set puts it into m, replacing what m held under its key.
func (m *memtable) set(it *item) {
	m.filter.add(keyHash(it.b, it.k))
	old, had := m.tree.ReplaceOrInsert(it)
	if had {
		if old.lsn == it.lsn {
			old.gone = true // this transaction's own earlier write, never published
		}
		m.size -= itemCost(old)
	} else {
		m.count[it.b]++
	}
	m.size += itemCost(it)
}

// clear hides every key of bucket b (the file's and the overlay's) from this commit on.
func (m *memtable) clear(b uint8, lsn uint64) {
	var drop []*item
	m.tree.AscendGreaterOrEqual(&item{b: b}, func(it *item) bool {
		if it.b != b {
			return false
		}
		drop = append(drop, it)
		return true
	})
	for _, it := range drop {
		m.tree.Delete(it)
		m.size -= itemCost(it)
		if it.lsn == lsn {
			it.gone = true
		}
	}
	m.count[b] = 0
	m.cleared[b] = lsn
}

// bucket is a bucket of a transaction: the overlay's keys over the file's.
type bucket struct {
	t  *Tx
	id uint8
	bb *bolt.Bucket // the file's bucket (nil if the file has none yet)
}

// overlaid says whether the overlay has anything to say about this bucket.
func (b *bucket) overlaid() bool {
	m := b.t.mem
	return m != nil && (m.count[b.id] > 0 || m.cleared[b.id] != 0)
}

func (b *bucket) fileHidden() bool {
	return b.bb == nil || (b.t.mem != nil && b.t.mem.cleared[b.id] != 0)
}

// isMarker says whether k is the key of the bucket's nested marker bucket (see growing): a
// checkpoint could not write a value there, so the overlay refuses it as bbolt does.
func (b *bucket) isMarker(k []byte) bool {
	return len(k) == 1 && k[0] == marker[0] && isGrowing[b.id]
}

// Get returns the value of key k, or nil.
func (b *bucket) Get(k []byte) []byte {
	if b.overlaid() {
		if it, ok := b.t.mem.lookup(&b.t.probe, b.id, k); ok {
			if it.del {
				return nil
			}
			return it.v
		}
	}
	if b.fileHidden() {
		return nil
	}
	return b.bb.Get(k)
}

// Put sets key k to v.
func (b *bucket) Put(k, v []byte) error {
	t := b.t
	if t.mem == nil {
		if b.bb == nil {
			return errors.New("bucket missing")
		}
		return b.bb.Put(k, v)
	}
	if !t.writable {
		return bolt.ErrTxNotWritable
	}
	switch {
	case b.isMarker(k):
		return bolt.ErrIncompatibleValue // the nested bucket's key (bbolt refuses it too)
	case len(k) == 0:
		return bolt.ErrKeyRequired
	case len(k) > bolt.MaxKeySize:
		return bolt.ErrKeyTooLarge
	case int64(len(v)) > bolt.MaxValueSize:
		return bolt.ErrValueTooLarge
	}
	// the key and the value in one allocation (a put is the overlay's most frequent write)
	kv := make([]byte, len(k)+len(v))
	copy(kv, k)
	copy(kv[len(k):], v)
	it := &item{b: b.id, k: kv[:len(k):len(k)], v: kv[len(k):], lsn: t.mem.lsn}
	t.mem.set(it)
	t.ops = append(t.ops, op{kind: opPut, it: it})
	return nil
}

// Delete removes key k (nothing if it is not there).
func (b *bucket) Delete(k []byte) error {
	t := b.t
	if t.mem == nil {
		if b.bb == nil {
			return nil
		}
		return b.bb.Delete(k)
	}
	if !t.writable {
		return bolt.ErrTxNotWritable
	}
	if b.isMarker(k) {
		return bolt.ErrIncompatibleValue
	}
	inOverlay := false
	if b.overlaid() {
		it, ok := t.mem.lookup(&t.probe, b.id, k)
		if ok && it.del {
			return nil
		}
		inOverlay = ok
	}
	if !inOverlay && (b.fileHidden() || b.bb.Get(k) == nil) {
		return nil
	}
	it := &item{b: b.id, k: bytes.Clone(k), del: true, lsn: t.mem.lsn}
	t.mem.set(it)
	t.ops = append(t.ops, op{kind: opDelete, it: it})
	return nil
}

// ForEach calls fn for every key of the bucket in order (a nested bucket's value is nil).
// fn must not change the bucket.
func (b *bucket) ForEach(fn func(k, v []byte) error) error {
	c := b.Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		if err := fn(k, v); err != nil {
			return err
		}
	}
	return nil
}

// Cursor returns a cursor over the bucket: the overlay's keys merged with the file's.
func (b *bucket) Cursor() *cursor {
	c := &cursor{b: b}
	if !b.fileHidden() {
		c.fc = b.bb.Cursor()
	}
	return c
}

// cursor walks a bucket in key order, as a bbolt cursor does (First, Last, Seek, Next, Prev),
// over the overlay and the file together: where both hold a key the overlay's value wins, and a
// deletion in the overlay hides the file's key. The bucket may be changed between steps (a step
// looks the overlay up again from the key it stands on).
type cursor struct {
	b  *bucket
	fc *bolt.Cursor // nil when the file's bucket is hidden or missing
	// where the cursor stands: on key cur, or past an end (cur nil; atEnd after the last key)
	cur   []byte
	atEnd bool
	// the file cursor's own position and the direction it is valid for: fk is the file's
	// nearest key at or after cur (dir > 0) or at or before it (dir < 0); fdir 0: not positioned
	fk, fv []byte
	fdir   int
}

func (c *cursor) First() ([]byte, []byte) {
	if c.fc != nil {
		c.fk, c.fv = c.fc.First()
		c.fdir = 1
	}
	return c.forward(nil, true)
}

func (c *cursor) Seek(k []byte) ([]byte, []byte) {
	if c.fc != nil {
		c.fk, c.fv = c.fc.Seek(k)
		c.fdir = 1
	}
	return c.forward(k, true)
}

func (c *cursor) Next() ([]byte, []byte) {
	if c.cur == nil {
		if c.atEnd {
			return nil, nil
		}
		return c.First()
	}
	if c.fc != nil {
		if c.fdir != 1 {
			c.fk, c.fv = c.fc.Seek(c.cur)
			c.fdir = 1
		}
		if c.fk != nil && bytes.Equal(c.fk, c.cur) {
			c.fk, c.fv = c.fc.Next()
		}
	}
	return c.forward(c.cur, false)
}

func (c *cursor) Last() ([]byte, []byte) {
	if c.fc != nil {
		c.fk, c.fv = c.fc.Last()
		c.fdir = -1
	}
	return c.backward(nil, true)
}

func (c *cursor) Prev() ([]byte, []byte) {
	if c.cur == nil {
		if c.atEnd {
			return c.Last()
		}
		return nil, nil
	}
	if c.fc != nil {
		if c.fdir != -1 {
			// the file's last key before cur
			k, v := c.fc.Seek(c.cur)
			if k == nil {
				k, v = c.fc.Last()
				if k != nil && bytes.Compare(k, c.cur) >= 0 {
					k, v = c.fc.Prev()
				}
			} else {
				k, v = c.fc.Prev()
			}
			c.fk, c.fv, c.fdir = k, v, -1
		} else if c.fk != nil && bytes.Equal(c.fk, c.cur) {
			c.fk, c.fv = c.fc.Prev()
		}
	}
	return c.backward(c.cur, false)
}

// Delete removes the key the cursor stands on.
func (c *cursor) Delete() error {
	if c.cur == nil {
		return nil
	}
	if c.b.t.mem == nil && c.fc != nil {
		return c.fc.Delete()
	}
	return c.b.Delete(c.cur)
}

// hideFile drops the file's side when the bucket was cleared after the cursor was made.
func (c *cursor) hideFile() {
	if c.fc != nil && c.b.fileHidden() {
		c.fc, c.fk, c.fv = nil, nil, nil
	}
}

// forward stands the cursor on the first key at or after from (after it, when !inclusive),
// taking the file's from c.fk (already positioned there) and the overlay's from the tree.
func (c *cursor) forward(from []byte, inclusive bool) ([]byte, []byte) {
	c.hideFile()
	for {
		var o *item
		if c.b.overlaid() {
			c.b.t.mem.tree.AscendGreaterOrEqual(&item{b: c.b.id, k: from}, func(it *item) bool {
				if it.b != c.b.id {
					return false
				}
				if !inclusive && bytes.Equal(it.k, from) {
					return true
				}
				o = it
				return false
			})
		}
		if !inclusive && c.fk != nil && bytes.Equal(c.fk, from) {
			c.fk, c.fv = c.fc.Next()
		}
		switch {
		case o == nil && c.fk == nil:
			c.cur, c.atEnd = nil, true
			return nil, nil
		case o == nil || (c.fk != nil && bytes.Compare(c.fk, o.k) < 0):
			c.cur, c.atEnd = c.fk, false
			return c.fk, c.fv
		}
		if c.fk != nil && bytes.Equal(c.fk, o.k) {
			c.fk, c.fv = c.fc.Next() // the overlay's key hides the file's
		}
		if !o.del {
			c.cur, c.atEnd = o.k, false
			return o.k, o.v
		}
		from, inclusive = o.k, false // a deleted key: go on after it
	}
}

// backward stands the cursor on the last key at or before from (before it, when !inclusive; nil
// from: the very last key).
func (c *cursor) backward(from []byte, inclusive bool) ([]byte, []byte) {
	c.hideFile()
	for {
		var o *item
		if c.b.overlaid() {
			visit := func(it *item) bool {
				if it.b != c.b.id {
					return false
				}
				if from != nil && !inclusive && bytes.Equal(it.k, from) {
					return true
				}
				o = it
				return false
			}
			if from == nil {
				c.b.t.mem.tree.DescendLessOrEqual(&item{b: c.b.id + 1}, func(it *item) bool {
					if it.b > c.b.id {
						return true // the next bucket's first key itself
					}
					return visit(it)
				})
			} else {
				c.b.t.mem.tree.DescendLessOrEqual(&item{b: c.b.id, k: from}, visit)
			}
		}
		if from != nil && !inclusive && c.fk != nil && bytes.Equal(c.fk, from) {
			c.fk, c.fv = c.fc.Prev()
		}
		switch {
		case o == nil && c.fk == nil:
			c.cur, c.atEnd = nil, false
			return nil, nil
		case o == nil || (c.fk != nil && bytes.Compare(c.fk, o.k) > 0):
			c.cur, c.atEnd = c.fk, false
			return c.fk, c.fv
		}
		if c.fk != nil && bytes.Equal(c.fk, o.k) {
			c.fk, c.fv = c.fc.Prev()
		}
		if !o.del {
			c.cur, c.atEnd = o.k, false
			return o.k, o.v
		}
		from, inclusive = o.k, false
	}
}
