package inbox

import (
	"context"
	"time"

	"switchboard/data"
)

// DefaultRingTimeout is how long a call may ring before the inbox marks it missed, when
// nothing said how it ended (Options.RingTimeout changes it).
const DefaultRingTimeout = 60 * time.Second

const timerRing = "ring"

// ringTimer is the timer that marks the call at key missed when it is still ringing at due.
func ringTimer(due time.Time, contact string, key []byte) data.Timer {
	return data.Timer{Due: due, Kind: timerRing, Contact: contact, Ref: key[len(contact)+1:]}
}

// ringTimer arms the ring timeout of a call that starts ringing at at.
func (w *wtx) ringTimer(contact string, key []byte, at time.Time) error {
	return must(w.tx.PutTimer(ringTimer(at.Add(w.s.ring), contact, key)))
}

// FireTimers runs every durable timer that is due by the service's clock, each once: a call
// still ringing after the ring timeout is marked missed. The service runs it on its own (see
// timerLoop); tests with a fake clock call it. It returns how many timers fired.
func (s *Service) FireTimers(ctx context.Context) (int, error) {
	n := 0
	err := s.do(ctx, func(w *wtx) error {
		due, err := w.tx.DueTimers(s.now(), 256)
		if err != nil {
			return must(err)
		}
		for _, tm := range due {
			w.write()
			if err := w.tx.DeleteTimer(tm); err != nil {
				return must(err)
			}
			n++
			switch tm.Kind {
			case timerRing:
				key := append([]byte(tm.Contact+"\x00"), tm.Ref...)
				e, ok, err := w.tx.Entry(key)
				if err != nil {
					return must(err)
				}
				if !ok || e.Kind != "call" || e.Outcome != CallRinging {
					continue // it ended (or went) meanwhile
				}
				if _, err := w.endCall(key, e, CallMissed, 0, ""); err != nil {
					return err
				}
			}
		}
		return nil
	})
	return n, err
}

// timerLoop fires due timers while the service runs: at start (timers that came due while
// nothing ran fire once), then whenever the earliest one is due (checked at least every
// second, so a timer armed meanwhile is never late by more than that).
func (s *Service) timerLoop() {
	t := time.NewTimer(0)
	defer t.Stop()
	for {
		select {
		case <-s.quit:
			return
		case <-t.C:
		}
		var next time.Time
		var ok bool
		_ = s.db.View(func(tx *data.Tx) error {
			next, ok = tx.NextTimer()
			return nil
		})
		if !ok { // nothing armed: the clock is not even read
			t.Reset(time.Second)
			continue
		}
		now := s.now()
		if !next.After(now) {
			if n, err := s.FireTimers(context.Background()); err != nil || n == 0 {
				t.Reset(time.Second)
			} else {
				t.Reset(0)
			}
			continue
		}
		t.Reset(min(time.Second, max(next.Sub(now), 10*time.Millisecond)))
	}
}
