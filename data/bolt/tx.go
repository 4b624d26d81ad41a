package bolt

import (
	"encoding/binary"
	"errors"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"switchboard/inbox/domain"
	"switchboard/routing"
)

// Tx is a transaction on the workspace: the engine's domain.Tx. Methods that write keep every
// index and counter in step.
type Tx struct {
	// tx is the file's transaction: a read transaction under the overlay (mem), or, with mem
	// nil, a bbolt transaction written directly (migrations, the first settings of a new file)
	tx *bolt.Tx
	// mem is the overlay this transaction reads (and, writable, changes: a clone of the
	// published one), ops what it changed, in order (its journal record)
	mem      *memtable
	ops      []op
	writable bool
	probe    item
	buckets  [len(allBuckets)]*bucket
	// placed remembers, for the conversations read or written in this transaction, what their
	// index keys and counters depend on, so PutConversation need not read and decode the stored
	// record again.
	placed map[string]placement
	// contacts are the contacts read or written in this (writable) transaction, as stored
	contacts map[string]Contact
}

// placement is what a conversation's index keys and counters depend on.
type placement struct {
	lastAt           int64
	status           routing.Status
	assignee, team   string
	waiting, backlog bool
}

func placementOf(c *Conversation) placement {
	return placement{c.LastAt, c.Status, c.Assignee, c.Team, c.Prompt != nil, c.Backlog}
}

func (p placement) conversation(contact string) Conversation {
	c := Conversation{Contact: contact, LastAt: p.lastAt, Status: p.status, Assignee: p.assignee, Team: p.team, Backlog: p.backlog}
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

// b returns one of the schema's buckets.
func (t *Tx) b(name []byte) *bucket {
	id, ok := bucketIndex[string(name)]
	if !ok {
		panic(fmt.Sprintf("bolt: bucket %q is not in the schema", name))
	}
	if t.buckets[id] == nil {
		t.buckets[id] = &bucket{t: t, id: id, bb: t.tx.Bucket(name)}
	}
	return t.buckets[id]
}

// canWrite says whether the transaction may write.
func (t *Tx) canWrite() bool {
	if t.mem == nil {
		return t.tx.Writable()
	}
	return t.writable
}

// clearBucket empties a bucket (import --replace).
func (t *Tx) clearBucket(name []byte) error {
	if t.mem == nil {
		if err := t.tx.DeleteBucket(name); err != nil {
			return err
		}
		_, err := t.tx.CreateBucket(name)
		return err
	}
	if !t.writable {
		return bolt.ErrTxNotWritable
	}
	b := t.b(name)
	t.mem.clear(b.id, t.mem.lsn)
	t.ops = append(t.ops, op{kind: opClear, it: &item{b: b.id}})
	return nil
}

// kv is a bucket of ours or of bbolt's (migrations write bbolt's directly).
type kv interface {
	Get(k []byte) []byte
	Put(k, v []byte) error
}

func getJSON(b kv, k []byte, v any) (bool, error) {
	raw := b.Get(k)
	if raw == nil {
		return false, nil
	}
	if err := unmarshalRecord(raw, v); err != nil {
		return false, fmt.Errorf("damaged record %q: %w", k, err)
	}
	return true, nil
}

func putJSON(b kv, k []byte, v any) error {
	raw, err := marshalRecord(v)
	if err != nil {
		return err
	}
	return put(b, k, raw)
}

// put stores a key; a key or value over bbolt's limits is domain.ErrTooLarge (the inbox names
// the field).
func put(b kv, k, v []byte) error {
	err := b.Put(k, v)
	if errors.Is(err, bolt.ErrKeyTooLarge) || errors.Is(err, bolt.ErrValueTooLarge) {
		return fmt.Errorf("%w: %w", domain.ErrTooLarge, err)
	}
	return err
}

var (
	_ domain.Store = (*DB)(nil)
	_ domain.Tx    = (*Tx)(nil)
)

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
