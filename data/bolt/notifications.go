package bolt

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
)

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
