package bolt

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"time"

	"switchboard/inbox/domain"
)

// The outbox bucket holds each reply still to be sent under 'r' id (its JSON record) and
// 'd' be64(due) id (the order a sender takes them in); wamids maps the id WhatsApp gave a reply
// to the reply's id.

func outRecKey(id string) []byte { return append([]byte{'r'}, id...) }

func outDueKey(due time.Time, id string) []byte {
	n := due.UnixNano()
	if due.Before(time.Unix(0, 0)) {
		n = 0
	}
	return append(append([]byte{'d'}, be64(uint64(n))...), id...)
}

// Outbox returns the outbox record of the reply with the id.
func (t *Tx) Outbox(id string) (domain.Outgoing, bool, error) {
	var o domain.Outgoing
	ok, err := getJSON(t.b(bOutbox), outRecKey(id), &o)
	return o, ok, err
}

// PutOutbox stores the record, moving its due key when its due time changed.
func (t *Tx) PutOutbox(o domain.Outgoing) error {
	if o.ID == "" {
		return fmt.Errorf("an outbox record needs the reply's id")
	}
	b := t.b(bOutbox)
	old, ok, err := t.Outbox(o.ID)
	if err != nil {
		return err
	}
	if ok {
		if err := b.Delete(outDueKey(old.Due, old.ID)); err != nil {
			return err
		}
	}
	if err := putJSON(b, outRecKey(o.ID), o); err != nil {
		return err
	}
	return put(b, outDueKey(o.Due, o.ID), nil)
}

// DeleteOutbox removes a reply's record and its due key.
func (t *Tx) DeleteOutbox(id string) error {
	old, ok, err := t.Outbox(id)
	if err != nil || !ok {
		return err
	}
	b := t.b(bOutbox)
	if err := b.Delete(outDueKey(old.Due, old.ID)); err != nil {
		return err
	}
	return b.Delete(outRecKey(id))
}

// DueOutbox returns up to limit records due at or before now, the earliest first.
func (t *Tx) DueOutbox(now time.Time, limit int) ([]domain.Outgoing, error) {
	var out []domain.Outgoing
	end := outDueKey(now, "")
	err := t.walkOutbox(func(k []byte, o domain.Outgoing) bool {
		if bytes.Compare(k[:9], end) > 0 || len(out) >= limit {
			return false
		}
		out = append(out, o)
		return true
	})
	return out, err
}

// NextOutbox returns when the earliest record is due.
func (t *Tx) NextOutbox() (time.Time, bool) {
	k, _ := t.b(bOutbox).Cursor().Seek([]byte{'d'})
	if len(k) < 9 || k[0] != 'd' {
		return time.Time{}, false
	}
	return time.Unix(0, int64(binary.BigEndian.Uint64(k[1:9]))).UTC(), true
}

// OutboxItems calls fn for every record, the earliest due first.
func (t *Tx) OutboxItems(fn func(domain.Outgoing) error) error {
	var ferr error
	err := t.walkOutbox(func(_ []byte, o domain.Outgoing) bool {
		ferr = fn(o)
		return ferr == nil
	})
	if err != nil {
		return err
	}
	return ferr
}

func (t *Tx) walkOutbox(fn func(k []byte, o domain.Outgoing) bool) error {
	b := t.b(bOutbox)
	c := b.Cursor()
	for k, _ := c.Seek([]byte{'d'}); k != nil && k[0] == 'd'; k, _ = c.Next() {
		if len(k) < 9 {
			continue
		}
		var o domain.Outgoing
		v := b.Get(outRecKey(string(k[9:])))
		if v == nil {
			return fmt.Errorf("damaged outbox: due key %x has no record", k)
		}
		if err := json.Unmarshal(v, &o); err != nil {
			return fmt.Errorf("damaged outbox record %q: %w", k[9:], err)
		}
		if !fn(k, o) {
			return nil
		}
	}
	return nil
}

// ReplyOfWAMID returns the reply id a wamid was stored for.
func (t *Tx) ReplyOfWAMID(wamid string) (string, bool) {
	if wamid == "" {
		return "", false
	}
	v := t.b(bWAMIDs).Get([]byte(wamid))
	if v == nil {
		return "", false
	}
	return string(v), true
}

// PutWAMID records a reply's wamid; one another reply has is refused.
func (t *Tx) PutWAMID(wamid, id string) error {
	if wamid == "" || id == "" {
		return fmt.Errorf("a wamid and a reply id are both needed")
	}
	if other, ok := t.ReplyOfWAMID(wamid); ok {
		if other == id {
			return nil
		}
		return &domain.WAMIDTaken{WAMID: wamid, ID: id, Other: other}
	}
	return put(t.b(bWAMIDs), []byte(wamid), []byte(id))
}

// Templates returns the templates last synced.
func (t *Tx) Templates() ([]domain.Template, error) {
	var out []domain.Template
	_, err := getJSON(t.b(bConfig), []byte("templates"), &out)
	return out, err
}

// PutTemplates replaces the synced templates.
func (t *Tx) PutTemplates(ts []domain.Template) error {
	if ts == nil {
		ts = []domain.Template{}
	}
	return putJSON(t.b(bConfig), []byte("templates"), ts)
}
