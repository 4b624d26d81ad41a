package inbox

import (
	"context"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"time"

	"switchboard/inbox/domain"
)

// A store several processes write at once (PostgreSQL: several `switchboard serve` nodes on one
// workspace) changes under the writer's feet: another node assigns a conversation, flips a
// setting, moves round robin on. Three things keep each node exactly right:
//
//   - every transaction first asks the store's generation (it moves with every commit that
//     changes what the writer keeps in memory: configuration, round-robin memory, who has which
//     conversation); when another node moved it, the writer reads its memory again inside the
//     transaction, so it decides on what is committed, never on a stale copy;
//   - a transaction that lost to another node's (a serialization failure, a deadlock, the same
//     inbound id stored at the same moment) is rolled back by the store and run again from the
//     start (runBatch), up to maxAttempts times;
//   - the events of each commit are announced through the store, and every other node publishes
//     them to its own subscribers (screens, SSH sessions, event streams) and refreshes the
//     configuration its readers see.
//
// On the bbolt engine (one process owns the file) none of this runs: its transactions are not
// SharedTx and it is not a domain.Shared.

// maxAttempts is how many times a batch runs before its commands are told to try again.
const maxAttempts = 30

// backoff waits a little, more after each lost attempt, with jitter so that two nodes that
// collided do not collide again.
func backoff(attempt int) {
	d := time.Duration(attempt) * time.Millisecond
	if d > 50*time.Millisecond {
		d = 50 * time.Millisecond
	}
	time.Sleep(d/2 + rand.N(d))
}

// catchUp reads the writer's memory again, inside the transaction, when another process changed
// what it holds since it was read.
func (s *Service) catchUp(tx domain.Tx) error {
	sh, ok := tx.(domain.SharedTx)
	if !ok {
		return nil
	}
	g, err := sh.Generation()
	if err != nil {
		return err
	}
	if g == s.gen {
		return nil
	}
	st, err := load(tx)
	if err != nil {
		return err
	}
	s.apply(st)
	return nil
}

// announced is what one commit tells the other nodes.
type announced struct {
	Events []Event `json:"events"`
	Wake   bool    `json:"wake,omitempty"` // a reply joined the outbox
}

// announce hands the batch's events to the store for the other nodes, and notes the generation
// the commit leaves, which is the writer's once the commit lands.
func (s *Service) announce(tx domain.Tx, batch []*request) error {
	sh, ok := tx.(domain.SharedTx)
	if !ok {
		return nil
	}
	var a announced
	for _, r := range batch {
		if r.err == nil {
			a.Events = append(a.Events, r.events...)
			a.Wake = a.Wake || r.wake
		}
	}
	g, err := sh.Generation()
	if err != nil {
		return err
	}
	s.nextGen = g // the writer's once the commit lands (runBatchOnce)
	if len(a.Events) == 0 && !a.Wake {
		return nil
	}
	raw, err := json.Marshal(a)
	if err != nil {
		return err
	}
	sh.Announce(raw)
	return nil
}

// listen follows the other nodes' commits while the service runs.
func (s *Service) listen() {
	sh, ok := s.db.(domain.Shared)
	if !ok {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	s.stopListen = cancel
	// the configuration readers see follows the other nodes' changes before their screens hear
	// of them: a command that does nothing still starts a transaction, which reads the memory
	// again when it moved
	refresh := func() { _ = s.do(ctx, func(*wtx) error { return nil }) }
	go sh.Listen(ctx, func(payload []byte) {
		var a announced
		if json.Unmarshal(payload, &a) != nil {
			refresh()
			s.publish([]Event{{Kind: EventReload}})
			return
		}
		for _, e := range a.Events {
			// a configuration change, or a whole workspace replaced (an import, a copy
			// --replace): the readers' configuration follows before any screen hears of it
			// (who may sign in by which key is in it)
			if e.Kind == EventConfig || e.Kind == EventReload {
				refresh()
				break
			}
		}
		s.publish(a.Events)
		if a.Wake {
			s.poke()
		}
	}, func() {
		refresh()
		s.publish([]Event{{Kind: EventReload}})
	})
}

// attendanceTTL is how long another process's record of its sessions counts without a new
// heartbeat: a process that stopped (or lost the database) stops counting after it.
const attendanceTTL = 15 * time.Second

// heartbeat records this process's live sessions in a shared store and reads the others'
// (presence follows sessions on every node). It reports whether the store is shared. A failed
// heartbeat keeps what was known; the next one (every few seconds) tries again.
func (s *Service) heartbeat() bool {
	if _, ok := s.db.(domain.Shared); !ok {
		return false
	}
	s.att.mu.Lock()
	mine := make(map[string]domain.Attending, len(s.att.ops))
	for op, a := range s.att.ops {
		if len(a.sessions) > 0 {
			mine[op] = domain.Attending{Sessions: len(a.sessions), Last: a.last()}
		}
	}
	s.att.mu.Unlock()
	for attempt := 1; attempt <= 5; attempt++ {
		err := s.db.Update(func(tx domain.Tx) error {
			if sh, ok := tx.(domain.SharedTx); ok {
				return sh.PutAttendance(mine)
			}
			return nil
		})
		if err == nil || !errors.Is(err, domain.ErrRetry) {
			break
		}
		backoff(attempt)
	}
	var others map[string]domain.Attending
	if err := s.db.View(func(tx domain.ReadTx) error {
		sh, ok := tx.(domain.SharedTx)
		if !ok {
			return nil
		}
		var err error
		others, err = sh.Attendance(attendanceTTL)
		return err
	}); err != nil {
		return true
	}
	s.att.mu.Lock()
	s.att.remote = others
	s.att.mu.Unlock()
	return true
}

// Shared reports a store several processes write at once (see the top of this file).
func (s *Service) Shared() bool {
	_, ok := s.db.(domain.Shared)
	return ok
}
