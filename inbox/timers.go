package inbox

import (
	"context"
	"fmt"
	"time"

	"switchboard/inbox/domain"
	"switchboard/routing"
)

// DefaultRingTimeout is how long a call may ring before the inbox marks it missed, when
// nothing said how it ended (Options.RingTimeout changes it).
const DefaultRingTimeout = 60 * time.Second

const timerRing = "ring"

// ringTimer is the timer that marks the call at ref missed when it is still ringing at due; its
// ref is the call entry's time and number.
func ringTimer(due time.Time, ref domain.EntryRef) domain.Timer {
	return domain.Timer{Due: due, Kind: timerRing, Contact: ref.Contact, Ref: fmt.Sprintf("%d.%d", ref.At, ref.Seq)}
}

// entryOfTimer is the entry a timer's ref names ("at.seq").
func entryOfTimer(tm domain.Timer) (domain.EntryRef, bool) {
	r := domain.EntryRef{Contact: tm.Contact}
	_, err := fmt.Sscanf(tm.Ref, "%d.%d", &r.At, &r.Seq)
	return r, err == nil
}

// ringTimer arms the ring timeout of a call that starts ringing at at.
func (w *wtx) ringTimer(ref domain.EntryRef, at time.Time) error {
	return must(w.tx.PutTimer(ringTimer(at.Add(w.s.ring), ref)))
}

// FireTimers runs every durable timer that is due by the service's clock, each once: a call
// still ringing after the ring timeout is marked missed, an away owner's wait that ran out
// gets a cover (when it still should), working hours that started sweep every backlog. The
// service runs it on its own (see timerLoop); tests with a fake clock call it. It returns how
// many timers fired.
func (s *Service) FireTimers(ctx context.Context) (int, error) {
	n := 0
	err := s.do(ctx, func(w *wtx) error {
		n = 0 // a command may run again (its batch rolled back, or lost to another node)
		now := s.at(time.Time{})
		due, err := w.tx.DueTimers(now, 256)
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
				key, ok := entryOfTimer(tm)
				if !ok {
					continue // not a ref this version writes
				}
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
			case timerAway:
				if err := w.fireAway(tm, now); err != nil {
					return err
				}
			case timerHours:
				w.markAll(routing.TriggerHours) // swept when this command is done
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
		_ = s.db.View(func(tx domain.ReadTx) error {
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
