package inbox

import (
	"context"
	"fmt"
	"sync"
	"time"

	"switchboard/inbox/domain"
	"switchboard/routing"
)

// Presence that follows people. A door that knows when a person is there (the SSH door: a live
// session and its key presses) tells the service through an Attendance; the service sets the
// operator's status from what it heard: a live session with a key press within the workspace's
// idle time (Settings.PresenceIdle, default 10 minutes) is online, a live session idle past it
// is away, no session is offline. A status set by hand (SetPresence) wins until the operator
// sets it back to automatic (SetPresenceAuto). Every change is kept on the operator (since
// when, and why) and reaches every screen as a configuration event.

// DefaultPresenceIdle is how long without a key press a session's operator stays online.
const DefaultPresenceIdle = 10 * time.Minute

// Why an automatic status changed.
const (
	whyByHand      = "set by hand"
	whySession     = "an inbox session is open"
	whyKeyPress    = "a key was pressed"
	whyLastSession = "their last inbox session ended"
	whyNoSession   = "no inbox session is open"
)

// attendance is what the service heard from the doors: per operator, the live sessions and
// the last key press.
type attendance struct {
	mu      sync.Mutex
	ops     map[string]*attending
	seq     uint64
	pending map[string]bool // operators whose status is being followed on a goroutine
	// remote is the sessions other processes on a shared store have (shared.go: heartbeat)
	remote map[string]domain.Attending
}

type attending struct {
	sessions map[uint64]time.Time // live sessions → their last key press
}

func (a *attending) last() time.Time {
	var t time.Time
	for _, k := range a.sessions {
		if k.After(t) {
			t = k
		}
	}
	return t
}

// Attendance is one live session of an operator, as a door reports it.
type Attendance struct {
	s    *Service
	op   string
	id   uint64
	once sync.Once
}

// Attend says a session of the operator has begun (they are there: online, unless they set
// their status by hand). End it with Leave. When the status cannot be written (ctx ended, the
// service is closing) the session is taken back and nil returned with the error: a session
// nobody holds would keep its operator online until the process ends.
func (s *Service) Attend(ctx context.Context, operator string) (*Attendance, error) {
	if _, ok := s.cfg.Load().op(operator); !ok {
		return nil, errorf(NotFound, "Operator %q not found; see `switchboard operators`", operator)
	}
	s.att.mu.Lock()
	s.att.seq++
	at := &Attendance{s: s, op: operator, id: s.att.seq}
	a := s.att.ops[operator]
	if a == nil {
		a = &attending{sessions: map[uint64]time.Time{}}
		s.att.ops[operator] = a
	}
	a.sessions[at.id] = s.now()
	s.att.mu.Unlock()
	s.heartbeat()
	if err := s.followPresence(ctx, operator); err != nil {
		_ = at.Leave(context.WithoutCancel(ctx))
		return nil, err
	}
	return at, nil
}

// Touch says the session's person pressed a key now. It never waits for a write: a status that
// must change (away → online) changes on the service's own goroutine.
func (at *Attendance) Touch() {
	s := at.s
	now := s.now()
	s.att.mu.Lock()
	a := s.att.ops[at.op]
	wasIdle := false
	if a != nil {
		if _, live := a.sessions[at.id]; live {
			wasIdle = now.Sub(a.last()) >= s.presenceIdle()
			a.sessions[at.id] = now
		}
	}
	s.att.mu.Unlock()
	o, _ := s.cfg.Load().op(at.op)
	if wasIdle || (!o.PresenceManual && o.Status != routing.Online) {
		s.followAsync(at.op)
	}
}

// Leave says the session has ended (once; later calls do nothing).
func (at *Attendance) Leave(ctx context.Context) error {
	var err error
	at.once.Do(func() {
		s := at.s
		s.att.mu.Lock()
		if a := s.att.ops[at.op]; a != nil {
			delete(a.sessions, at.id)
			if len(a.sessions) == 0 {
				delete(s.att.ops, at.op)
			}
		}
		s.att.mu.Unlock()
		s.heartbeat() // and hear of the sessions elsewhere before deciding
		err = s.followPresence(ctx, at.op)
	})
	return err
}

// Present is a screen's word that its person is there: Touch on every key press, Leave when the
// screen closes. *Attendance is one.
type Present interface {
	Touch()
	Leave(ctx context.Context) error
}

// Screener is a connection that can say a terminal inbox is open on it: a *Session (the
// process's own terminal) and a socket client (a terminal inbox attached to the owner).
type Screener interface {
	AttendScreen(ctx context.Context) (Present, error)
}

// AttendScreen says a terminal inbox of the session's operator is open on this machine (the
// local terminal, or one attached through the socket): a session that presence follows as it
// follows an SSH session, for an operator whose status follows sessions — one who signs in by
// SSH key. For an operator without a key it changes nothing (their status is what they or an
// admin set: nothing else would say when they are gone), and its Touch and Leave do nothing.
func (x *Session) AttendScreen(ctx context.Context) (Present, error) {
	if err := x.Current(); err != nil {
		return nil, err
	}
	o, ok := x.s.cfg.Load().op(x.op)
	if !ok || len(o.Keys) == 0 {
		return absent{}, nil
	}
	return x.s.Attend(ctx, x.op)
}

// absent is the Present of a screen whose operator's status does not follow sessions.
type absent struct{}

func (absent) Touch()                      {}
func (absent) Leave(context.Context) error { return nil }

// Sessions is how many live sessions the doors reported for the operator (on a shared store,
// on every process).
func (s *Service) Sessions(operator string) int {
	s.att.mu.Lock()
	defer s.att.mu.Unlock()
	n := s.att.remote[operator].Sessions
	if a := s.att.ops[operator]; a != nil {
		n += len(a.sessions)
	}
	return n
}

// presenceIdle is the workspace's idle time.
func (s *Service) presenceIdle() time.Duration {
	if d := s.cfg.Load().settings.PresenceIdle; d > 0 {
		return time.Duration(d)
	}
	return DefaultPresenceIdle
}

// attended is the status the sessions say for an operator, and why.
func (s *Service) attended(operator string) (routing.Presence, string) {
	now := s.now()
	s.att.mu.Lock()
	defer s.att.mu.Unlock()
	a := s.att.ops[operator]
	r := s.att.remote[operator]
	if (a == nil || len(a.sessions) == 0) && r.Sessions == 0 {
		return routing.Offline, ""
	}
	last := r.Last
	if a != nil && a.last().After(last) {
		last = a.last()
	}
	idle := s.presenceIdle()
	if now.Sub(last) >= idle {
		return routing.Away, fmt.Sprintf("no key pressed for %s", roundIdle(idle))
	}
	return routing.Online, ""
}

func roundIdle(d time.Duration) string {
	if d%time.Minute == 0 {
		m := int(d / time.Minute)
		if m == 1 {
			return "1 minute"
		}
		return fmt.Sprintf("%d minutes", m)
	}
	return d.String()
}

// followAsync applies an operator's attended status on its own goroutine, one at a time per
// operator (a burst of key presses costs one write).
func (s *Service) followAsync(operator string) {
	s.att.mu.Lock()
	if s.att.pending == nil {
		s.att.pending = map[string]bool{}
	}
	if s.att.pending[operator] {
		s.att.mu.Unlock()
		return
	}
	s.att.pending[operator] = true
	s.att.mu.Unlock()
	go func() {
		_ = s.followPresence(context.Background(), operator)
		s.att.mu.Lock()
		delete(s.att.pending, operator)
		s.att.mu.Unlock()
	}()
}

// CheckPresence applies what the sessions say to every operator whose status follows them:
// the idle ones go away. The service runs it on its own every few seconds; tests call it after
// moving their clock.
func (s *Service) CheckPresence(ctx context.Context) error {
	shared := s.heartbeat()
	s.att.mu.Lock()
	ops := make([]string, 0, len(s.att.ops))
	for op := range s.att.ops {
		ops = append(ops, op)
	}
	s.att.mu.Unlock()
	if shared {
		// on a shared store, a process that stopped takes its sessions with it: whoever
		// follows sessions is checked on every process, not only where their sessions were
		for _, o := range s.cfg.Load().ops {
			if len(o.Keys) > 0 && !o.PresenceManual && o.Status != routing.Offline {
				ops = append(ops, o.ID)
			}
		}
	}
	for _, op := range ops {
		if err := s.followPresence(ctx, op); err != nil && KindOf(err) != NotFound {
			return err
		}
	}
	return nil
}

// followPresence sets the operator's status to what their sessions say, unless it was set by
// hand.
func (s *Service) followPresence(ctx context.Context, operator string) error {
	o, ok := s.cfg.Load().op(operator)
	if !ok || o.PresenceManual {
		return nil
	}
	status, why := s.attended(operator)
	if o.Status == status {
		return nil
	}
	return s.do(ctx, func(w *wtx) error {
		c := w.s.stage.clone()
		i, ok := c.opIdx[operator]
		if !ok || c.ops[i].PresenceManual {
			return nil
		}
		status, why2 := s.attended(operator) // again, inside the writer: the latest word wins
		if c.ops[i].Status == status {
			return nil
		}
		if why2 != "" {
			why = why2
		}
		if why == "" {
			why = autoWhy(status, s.Sessions(operator) > 0)
		}
		w.write()
		return w.putPresence(c, i, status, why, false, ActorPresence)
	})
}

func autoWhy(status routing.Presence, live bool) string {
	switch {
	case status == routing.Online:
		return whySession
	case !live:
		return whyLastSession
	}
	return whyNoSession
}

// ActorPresence is who changes a status that follows sessions (the events' Actor).
const ActorPresence = "presence"

// putPresence writes an operator's status, when and why it changed, and whether it was set by
// hand.
func (w *wtx) putPresence(c *config, i int, status routing.Presence, why string, manual bool, by string) error {
	o := c.ops[i]
	o.Status, o.PresenceManual = status, manual
	o.StatusSince, o.StatusWhy = w.s.now().UTC(), why
	// setOperator stores it and says what it means to routing: an operator who comes online
	// takes what waits in their teams' backlogs (however their status changed: by hand, or
	// following their sessions)
	return w.setOperator(c, i, o, by)
}

// presenceOf checks that by may set operator's status (their own, or anyone's for an admin) and
// returns a copy of the staged configuration and the operator's index in it.
func (w *wtx) presenceOf(by, operator string) (*config, int, error) {
	if _, ok := w.s.stage.op(by); !ok {
		return nil, 0, unknownActor(by)
	}
	if by != operator {
		if err := w.requireAdmin(by); err != nil {
			return nil, 0, errorf(Forbidden, "Only admins can change someone else's status")
		}
	}
	c := w.s.stage.clone()
	i, err := c.opAt(operator)
	return c, i, err
}

// SetPresenceAuto hands an operator's status back to their sessions (their own, or anyone's
// for an admin): it is set from them at once.
func (s *Service) SetPresenceAuto(ctx context.Context, by, operator string) error {
	err := s.do(ctx, func(w *wtx) error {
		c, i, err := w.presenceOf(by, operator)
		if err != nil {
			return err
		}
		if !c.ops[i].PresenceManual {
			return nil
		}
		status, why := s.attended(operator)
		if why == "" {
			why = autoWhy(status, s.Sessions(operator) > 0)
		}
		w.write()
		return w.putPresence(c, i, status, why, false, by)
	})
	return err
}

// OfflineWithoutSessions sets offline every operator who signs in by SSH key, follows their
// sessions and has none: what the SSH door does when it starts (a status left from before a
// restart is not a person being there).
func (s *Service) OfflineWithoutSessions(ctx context.Context) error {
	s.heartbeat() // sessions on other processes of a shared store count
	for _, o := range s.cfg.Load().ops {
		if len(o.Keys) == 0 || o.PresenceManual || o.Status == routing.Offline || s.Sessions(o.ID) > 0 {
			continue
		}
		id := o.ID
		if err := s.do(ctx, func(w *wtx) error {
			c := w.s.stage.clone()
			i, ok := c.opIdx[id]
			if !ok || c.ops[i].PresenceManual || c.ops[i].Status == routing.Offline || s.Sessions(id) > 0 {
				return nil
			}
			w.write()
			return w.putPresence(c, i, routing.Offline, whyNoSession, false, ActorPresence)
		}); err != nil {
			return err
		}
	}
	return nil
}

// presenceLoop checks for idle sessions every few seconds while the service runs.
func (s *Service) presenceLoop(every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-s.quit:
			return
		case <-t.C:
			_ = s.CheckPresence(context.Background())
		}
	}
}

// AutoReq hands an operator's status back to their sessions; IdleReq sets the idle time.
type (
	AutoReq struct {
		Operator string `json:"operator"`
	}
	IdleReq struct {
		Idle domain.Duration `json:"idle"`
	}
)

func (x *Session) SetPresenceAuto(ctx context.Context, operator string) error {
	return x.s.SetPresenceAuto(ctx, x.op, operator)
}
func (x *Session) SetPresenceIdle(ctx context.Context, d time.Duration) (domain.SettingChange, error) {
	return x.s.SetPresenceIdle(ctx, x.op, d)
}

var (
	OpSetPresenceAuto = op("SetPresenceAuto", func(ctx context.Context, s *Session, r AutoReq) (None, error) {
		return None{}, s.SetPresenceAuto(ctx, r.Operator)
	})
	OpSetPresenceIdle = op("SetPresenceIdle", func(ctx context.Context, s *Session, r IdleReq) (domain.SettingChange, error) {
		return s.SetPresenceIdle(ctx, time.Duration(r.Idle))
	})
)
