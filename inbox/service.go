// Package inbox is Switchboard's application: the only writer of the workspace. It owns the
// domain (re-exported from inbox/domain), the Store interface engines implement, sessions (the
// inbox bound to one operator, decided by a door), the API declared once (api.go), permissions,
// prompts, notifications, identities, durable timers and idempotency of inbound events. Each
// command is one transaction: load, let routing decide, apply, write the timeline, commit; then
// subscribers hear of it. It must not draw anything, parse command lines or import a storage
// engine: routing decisions come from package routing, storage through domain.Store.
//
// Many sessions share one Service (many terminals, SSH users, CLI requests over the socket).
// Writes go through one writer goroutine that commits waiting commands together (group commit):
// each command still returns only once its changes are durable.
package inbox

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"switchboard/inbox/domain"
	"switchboard/routing"
)

// Options configure a Service.
type Options struct {
	// Now is the clock; nil means time.Now. Tests pass a fixed clock.
	Now func() time.Time
	// MaxBatch caps how many waiting commands share one transaction (default 128).
	MaxBatch int
	// RingTimeout is how long a call may ring before it is marked missed (default 60 s).
	RingTimeout time.Duration
	// NoTimers keeps the service from firing durable timers on its own (FireTimers still does):
	// for tests that drive time themselves.
	NoTimers bool
}

// Service is the inbox. It is safe for concurrent use.
type Service struct {
	db   domain.Store
	now  func() time.Time
	reqs chan *request
	quit chan struct{}
	done chan struct{}
	max  int
	ring time.Duration

	cfg atomic.Pointer[config] // committed configuration, for readers

	// owned by the writer goroutine
	stage *config
	ws    *routing.Workspace
	gen   uint64 // the shared store's generation stage and ws were read at (shared.go)
	// nextGen is the generation the batch in flight leaves, once it commits
	nextGen uint64

	stopListen context.CancelFunc // ends listening to other nodes (shared.go)

	subMu sync.Mutex
	subs  map[*subscriber]struct{}

	att  attendance               // live sessions the doors reported (presence.go)
	out  atomic.Pointer[outbound] // this process's sender, if any (outbox.go)
	wake chan struct{}            // a reply joined the outbox

	closeOnce sync.Once
}

// config is an immutable snapshot of the workspace configuration.
type config struct {
	settings domain.Settings
	ops      []domain.Operator // by id
	opIdx    map[string]int
	teams    []domain.Team // workspace order
	teamIdx  map[string]int
	keyIdx   map[string]string // SSH key fingerprint → operator id
}

func newConfig(s domain.Settings, ops []domain.Operator, teams []domain.Team) *config {
	c := &config{settings: s, ops: ops, teams: teams, opIdx: map[string]int{}, teamIdx: map[string]int{}}
	for i, o := range ops {
		c.opIdx[o.ID] = i
	}
	// a key two operators have cannot come in (AddKey and import refuse it): were one there,
	// neither would sign in with it
	if idx, err := keyOwners(ops); err == nil {
		c.keyIdx = idx
	} else {
		c.keyIdx = map[string]string{}
	}
	for i, t := range teams {
		c.teamIdx[t.ID] = i
	}
	return c
}

func (c *config) op(id string) (domain.Operator, bool) {
	i, ok := c.opIdx[id]
	if !ok {
		return domain.Operator{}, false
	}
	return c.ops[i], true
}

func (c *config) team(id string) (domain.Team, bool) {
	i, ok := c.teamIdx[id]
	if !ok {
		return domain.Team{}, false
	}
	return c.teams[i], true
}

func (c *config) clone() *config {
	s := c.settings
	s.Rules = append([]domain.Rule(nil), s.Rules...)
	ops := append([]domain.Operator(nil), c.ops...)
	teams := make([]domain.Team, len(c.teams))
	for i, t := range c.teams {
		t.Members = append([]string(nil), t.Members...)
		teams[i] = t
	}
	return newConfig(s, ops, teams)
}

// New starts a service on an open store (a storage engine's; main picks it); Close closes the
// store too.
func New(db domain.Store, opt Options) (*Service, error) {
	s := &Service{db: db, now: opt.Now, reqs: make(chan *request, 1024), quit: make(chan struct{}),
		done: make(chan struct{}), max: opt.MaxBatch, subs: map[*subscriber]struct{}{}, wake: make(chan struct{}, 1)}
	s.att.ops = map[string]*attending{}
	if s.now == nil {
		s.now = time.Now
	}
	if s.max <= 0 {
		s.max = 128
	}
	if s.ring = opt.RingTimeout; s.ring <= 0 {
		s.ring = DefaultRingTimeout
	}
	if err := s.reload(); err != nil {
		return nil, err
	}
	go s.writer()
	s.listen()
	if !opt.NoTimers {
		go s.timerLoop()
		go s.presenceLoop(5 * time.Second)
	}
	return s, nil
}

// Where names the workspace (its file's path), for messages.
func (s *Service) Where() string { return s.db.Where() }

// Store returns the store the service runs on (for benchmarks and tools that measure it).
func (s *Service) Store() domain.Store { return s.db }

// Close stops accepting commands, finishes those in flight, and closes the file.
func (s *Service) Close() error {
	var err error
	s.closeOnce.Do(func() {
		if s.stopListen != nil {
			s.stopListen()
		}
		close(s.quit)
		<-s.done
		s.subMu.Lock()
		for sub := range s.subs {
			close(sub.ch)
			delete(s.subs, sub)
		}
		s.subMu.Unlock()
		err = s.db.Close()
	})
	return err
}

// reload reads the configuration from the file (at start, and after a failed transaction).
func (s *Service) reload() error {
	var st loaded
	err := s.db.View(func(tx domain.ReadTx) error {
		var err error
		st, err = load(tx)
		return err
	})
	if err != nil {
		return &Error{Kind: Internal, Msg: fmt.Sprintf("cannot read the workspace in %s: %v", s.db.Where(), err)}
	}
	s.apply(st)
	s.cfg.Store(st.cfg.clone())
	return nil
}

// loaded is what the writer keeps in memory of the workspace, as one transaction read it.
type loaded struct {
	cfg   *config
	rr    map[string]routing.RoundRobinState
	loads map[string]int
	gen   uint64 // a shared store's generation (shared.go)
}

func load(tx domain.ReadTx) (loaded, error) {
	st := loaded{loads: map[string]int{}}
	set, err := tx.Settings()
	if err != nil {
		return st, err
	}
	ops, err := tx.Operators()
	if err != nil {
		return st, err
	}
	teams, err := tx.Teams()
	if err != nil {
		return st, err
	}
	if st.rr, err = tx.RoundRobin(); err != nil {
		return st, err
	}
	st.cfg = newConfig(set, ops, teams)
	// what capacity and balanced assignment count: each operator's open conversations
	for _, o := range ops {
		if st.loads[o.ID], err = tx.Count(byAssignee(o.ID, "open")); err != nil {
			return st, err
		}
	}
	if sh, ok := tx.(domain.SharedTx); ok {
		if st.gen, err = sh.Generation(); err != nil {
			return st, err
		}
	}
	return st, nil
}

// apply makes what load read the writer's staged state.
func (s *Service) apply(st loaded) {
	s.stage = st.cfg
	s.ws = buildWorkspace(st.cfg, st.rr)
	for id, n := range st.loads {
		s.ws.SetLoad(id, n)
	}
	s.gen = st.gen
}

func buildWorkspace(c *config, rr map[string]routing.RoundRobinState) *routing.Workspace {
	ops := make([]routing.Operator, len(c.ops))
	for i, o := range c.ops {
		ops[i] = routing.Operator{ID: o.ID, Name: o.Name, Role: routing.Role(o.Role), Status: routing.Presence(o.Status)}
		if o.MaxOpen != nil {
			ops[i].HasMaxOpen, ops[i].MaxOpen = true, *o.MaxOpen
		}
	}
	teams := make([]routing.Team, len(c.teams))
	for i, t := range c.teams {
		teams[i] = routing.Team{ID: t.ID, Name: t.Name, Members: t.Members}
	}
	return routing.NewWorkspace(toRoutingSettings(c.settings), ops, teams, rr)
}

func toRoutingSettings(s domain.Settings) routing.Settings {
	out := routing.Settings{Plan: routing.Plan(s.Plan), ContactOwnerRouting: s.ContactOwnerRouting,
		RoundRobin: s.RoundRobin, DefaultTeam: s.DefaultTeam, Holiday: s.Holiday, Assignment: routing.Assignment(s.Assignment),
		MaxOpen: s.DefaultMaxOpen}
	// stored values were checked when they were set (or imported): one that no longer reads
	// (a time zone this build lacks) is off rather than a failure
	out.AwayWait, _ = routing.ParseWait(orOff(s.OwnerAwayWait))
	if s.Hours != nil {
		out.Hours, _ = routingHours(s.Hours)
	}
	for _, r := range s.Rules {
		out.Rules = append(out.Rules, routing.Rule{Name: r.Name, Channel: routing.Channel(r.Channel),
			Keyword: r.Keyword, Tag: r.Tag, To: ParseTarget(r.To)})
	}
	return out
}

// ParseTarget reads a rule's "to": "team:<id>", "operator:<id>" or "bot".
func ParseTarget(to string) routing.Target {
	switch {
	case to == "bot":
		return routing.Target{Kind: routing.TargetBot}
	case len(to) > 5 && to[:5] == "team:":
		return routing.Target{Kind: routing.TargetTeam, ID: to[5:]}
	case len(to) > 9 && to[:9] == "operator:":
		return routing.Target{Kind: routing.TargetOperator, ID: to[9:]}
	}
	return routing.Target{}
}

// ---- the writer ----

type request struct {
	fn     func(*wtx) error
	err    error
	wake   bool
	events []Event
	done   chan struct{}
}

// wtx is what a command sees: the transaction, the staged configuration and workspace, and the
// events to publish once committed.
type wtx struct {
	s      *Service
	tx     domain.Tx
	events []Event
	dirty  bool // wrote something
	wake   bool // queued a reply: wake the sender once committed

	// sweeps are the teams whose backlog is swept when the command is done (what made a
	// member a candidate); rr the teams whose round-robin memory it changed
	sweeps  map[string][]routing.Trigger
	rr      map[string]bool
	swept   int  // backlog conversations assigned so far
	reload_ bool // too many to tell one by one: subscribers reload
}

var errClosed = &Error{Kind: Unavailable, Msg: "the inbox is shutting down; try again in a moment"}

// ReadOnly says whether the workspace file was opened for reading only (it is not writable):
// every command that would change it is then refused.
func (s *Service) ReadOnly() bool { return s.db.ReadOnly() }

// do runs fn as one command and waits until it is durable (or refused). fn may run more than
// once — its batch rolled back and re-run alone, or lost to another process on a shared store —
// each time in a fresh transaction: whatever it collects outside itself it starts afresh.
func (s *Service) do(ctx context.Context, fn func(*wtx) error) error {
	if s.db.ReadOnly() {
		// Unavailable, not Invalid: the change itself may be fine (a webhook retries it later)
		// the store says why it cannot write (and writes nothing)
		err := s.db.Update(func(domain.Tx) error { return nil })
		if err == nil {
			err = domain.ErrReadOnly
		}
		return &Error{Kind: Unavailable, Msg: err.Error()}
	}
	r := &request{fn: fn, done: make(chan struct{})}
	select {
	case <-s.quit:
		return errClosed
	default:
	}
	select {
	case s.reqs <- r:
	case <-s.quit:
		return errClosed
	case <-ctx.Done():
		return ctx.Err()
	}
	// once queued, a command always runs to the end: never abandon a write midway
	select {
	case <-r.done:
	case <-s.done:
		select {
		case <-r.done:
		default:
			return errClosed // queued after the writer had stopped: it never ran
		}
	}
	return r.err
}

func (s *Service) writer() {
	defer close(s.done)
	for {
		var first *request
		select {
		case first = <-s.reqs:
		case <-s.quit:
			// finish what is queued, then stop
			for {
				select {
				case r := <-s.reqs:
					s.commit([]*request{r})
				default:
					return
				}
			}
		}
		batch := []*request{first}
	drain:
		for len(batch) < s.max {
			select {
			case r := <-s.reqs:
				batch = append(batch, r)
			default:
				break drain
			}
		}
		s.commit(batch)
	}
}

// fatal marks an error that leaves a transaction half-written: the whole batch is rolled back.
type fatal struct{ err error }

func (f fatal) Error() string { return f.err.Error() }
func (f fatal) Unwrap() error { return f.err }

func (s *Service) commit(batch []*request) {
	err := s.runBatch(batch)
	// a batch whose commit may have landed (the store could not tell) is never run again: a
	// second run could store a message twice or queue a reply twice
	if err != nil && len(batch) > 1 && !errors.Is(err, domain.ErrUnknownOutcome) {
		// one command spoiled the batch: run each alone so the others still land
		for _, r := range batch {
			r.err, r.events, r.wake = nil, nil, false
			if e := s.runBatch([]*request{r}); e != nil && r.err == nil {
				r.err = e
			}
		}
	} else if err != nil {
		for _, r := range batch {
			if r.err == nil {
				r.err = err
			}
		}
	}
	// The subscribers first, then the callers: when a command returns, its events are already
	// queued for every subscriber, so a session that subscribes after a command returned never
	// hears it, and one that acts and then waits for events gets its own at once. Publishing
	// never blocks; it costs the caller about 2.5 µs (measured), for these guarantees.
	for _, r := range batch {
		if r.err == nil {
			s.publish(r.events)
			if r.wake {
				s.poke()
			}
		}
	}
	for _, r := range batch {
		close(r.done)
	}
}

// runBatch runs the batch in one transaction; one that lost to another process's (a store several
// processes write) runs again from the state that one left, until it lands (shared.go).
func (s *Service) runBatch(batch []*request) error {
	for attempt := 1; ; attempt++ {
		err := s.runBatchOnce(batch)
		if err == nil || !errors.Is(err, domain.ErrRetry) {
			return err
		}
		if attempt == maxAttempts {
			return &Error{Kind: Unavailable, Msg: fmt.Sprintf("could not save to %s: it conflicted with other writers %d times in a row; try again", s.db.Where(), attempt)}
		}
		for _, r := range batch {
			r.err, r.events, r.wake = nil, nil, false
		}
		backoff(attempt)
	}
}

func (s *Service) runBatchOnce(batch []*request) error {
	cfgBefore := s.stage
	err := s.db.Update(func(tx domain.Tx) error {
		if err := s.catchUp(tx); err != nil {
			return err
		}
		for _, r := range batch {
			w := &wtx{s: s, tx: tx}
			r.err = runSafe(func(w *wtx) error {
				if err := r.fn(w); err != nil {
					return err
				}
				return w.finish()
			}, w)
			if r.err != nil {
				var f fatal
				if errors.As(r.err, &f) || w.dirty {
					return r.err // half-written: roll the whole transaction back
				}
				continue // refused before writing anything
			}
			r.events = w.events
			r.wake = w.wake
		}
		return s.announce(tx, batch)
	})
	if err != nil {
		if _, shared := s.db.(domain.Shared); shared {
			// whatever the transaction did to the writer's memory is void: the next one reads
			// it again, even when the reload here cannot (the server is away)
			s.gen = staleGen
			if rerr := s.reload(); rerr != nil && !errors.Is(err, domain.ErrRetry) {
				return storeError(s, err) // the write's own error, not the reload's
			}
		} else if rerr := s.reload(); rerr != nil {
			return rerr
		}
		if errors.Is(err, domain.ErrRetry) {
			return err
		}
		return storeError(s, err)
	}
	if _, shared := s.db.(domain.Shared); shared {
		s.gen = s.nextGen
	}
	if s.stage != cfgBefore {
		s.cfg.Store(s.stage.clone())
	}
	return nil
}

// staleGen is a generation no store has: the writer's memory must be read again.
const staleGen = ^uint64(0)

// storeError is a failed transaction's error for the commands of its batch.
func storeError(s *Service, err error) error {
	if errors.Is(err, domain.ErrUnknownOutcome) {
		return &Error{Kind: Unavailable, cause: domain.ErrUnknownOutcome,
			Msg: fmt.Sprintf("the change may or may not have been saved in %s (%v): check (`switchboard show`, `switchboard outbox`) before trying again", s.db.Where(), err)}
	}
	var f fatal
	if errors.As(err, &f) {
		err = f.err
	}
	if _, ok := err.(*Error); !ok {
		err = &Error{Kind: Internal, Msg: fmt.Sprintf("could not save to %s: %v", s.db.Where(), err)}
	}
	return err
}

func runSafe(fn func(*wtx) error, w *wtx) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fatal{&Error{Kind: Internal, Msg: fmt.Sprintf("internal error (nothing was saved): %v\n%s", r, debug.Stack())}}
		}
	}()
	return fn(w)
}

// write marks the command as having written; call it before the first write.
func (w *wtx) write() { w.dirty = true }

// must wraps a storage error so the batch rolls back.
func must(err error) error {
	if err == nil {
		return nil
	}
	return fatal{err}
}

func (w *wtx) emit(e Event) { w.events = append(w.events, e) }

// setConfig replaces the staged configuration and rebuilds the routing workspace, carrying the
// round-robin memory over.
func (w *wtx) setConfig(c *config) {
	s := w.s
	rr := map[string]routing.RoundRobinState{}
	for _, t := range s.ws.Teams() {
		rr[t.ID] = s.ws.RoundRobin(t.ID)
	}
	loads := s.ws.Loads()
	s.stage = c
	s.ws = buildWorkspace(c, rr)
	for id, n := range loads {
		s.ws.SetLoad(id, n)
	}
}
