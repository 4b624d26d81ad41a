package bolt

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"time"
)

// A durable timer (domain.Timer) lives in the timers bucket under
// be64(due, unix ns) kind 0x00 contact 0x00 ref → nil, so the due ones are the first keys.

func timerKey(tm Timer) []byte {
	k := append(be64(uint64(tm.Due.UnixNano())), tm.Kind...)
	k = append(append(k, 0), tm.Contact...)
	return append(append(k, 0), tm.Ref...)
}

func parseTimer(k []byte) (Timer, error) {
	if len(k) < 8 {
		return Timer{}, fmt.Errorf("damaged timer key %x", k)
	}
	rest := k[8:]
	i := bytes.IndexByte(rest, 0)
	if i < 0 {
		return Timer{}, fmt.Errorf("damaged timer key %x", k)
	}
	j := bytes.IndexByte(rest[i+1:], 0)
	if j < 0 {
		return Timer{}, fmt.Errorf("damaged timer key %x", k)
	}
	return Timer{Due: time.Unix(0, int64(binary.BigEndian.Uint64(k[:8]))).UTC(), Kind: string(rest[:i]),
		Contact: string(rest[i+1 : i+1+j]), Ref: string(rest[i+2+j:])}, nil
}

// PutTimer stores a timer (a due time before 1970 is stored as 1970).
func (t *Tx) PutTimer(tm Timer) error {
	if tm.Due.Before(time.Unix(0, 0)) {
		tm.Due = time.Unix(0, 0)
	}
	return put(t.b(bTimers), timerKey(tm), nil)
}

// DeleteTimer removes a timer (nothing when there is none).
func (t *Tx) DeleteTimer(tm Timer) error {
	if tm.Due.Before(time.Unix(0, 0)) {
		tm.Due = time.Unix(0, 0)
	}
	return t.b(bTimers).Delete(timerKey(tm))
}

// DueTimers returns up to limit timers due at or before now, the earliest first.
func (t *Tx) DueTimers(now time.Time, limit int) ([]Timer, error) {
	var out []Timer
	end := be64(uint64(now.UnixNano()))
	c := t.b(bTimers).Cursor()
	for k, _ := c.First(); k != nil && len(out) < limit; k, _ = c.Next() {
		if bytes.Compare(k[:min(8, len(k))], end) > 0 {
			break
		}
		tm, err := parseTimer(k)
		if err != nil {
			return nil, err
		}
		out = append(out, tm)
	}
	return out, nil
}

// NextTimer returns when the earliest timer is due.
func (t *Tx) NextTimer() (time.Time, bool) {
	k, _ := t.b(bTimers).Cursor().First()
	if len(k) < 8 {
		return time.Time{}, false
	}
	return time.Unix(0, int64(binary.BigEndian.Uint64(k[:8]))).UTC(), true
}

// Timers calls fn for every timer (export, checks).
func (t *Tx) Timers(fn func(Timer) error) error {
	c := t.b(bTimers).Cursor()
	for k, _ := c.First(); k != nil; k, _ = c.Next() {
		if len(k) < 8 {
			continue
		}
		tm, err := parseTimer(k)
		if err != nil {
			return err
		}
		if err := fn(tm); err != nil {
			return err
		}
	}
	return nil
}
