package whatsapp

import (
	"context"
	"math/rand/v2"
	"sync"
	"time"

	"switchboard/inbox"
)

// Options tune a Sender. Zero values take the defaults.
type Options struct {
	// Rate is the number's throughput limit in messages per second (default 80; negative:
	// no limit, for benchmarks).
	Rate float64
	// Workers is how many requests may be in flight at once (default 16).
	Workers int
	// UnknownWait is how long a reply whose answer was lost waits for a status before it is
	// sent again (default 5 minutes).
	UnknownWait time.Duration
	// MaxAttempts caps the tries of a reply that keeps failing transiently (default 10); it
	// then fails, saying why.
	MaxAttempts int
	// BackoffBase and BackoffMax bound the exponential backoff (defaults 2 s and 10 minutes).
	BackoffBase, BackoffMax time.Duration
	// PauseRetry is how often a queue paused by a refused token tries again (default 1 minute).
	PauseRetry time.Duration
	// Now is the clock (default time.Now); Rand draws the jitter in [0, 1) (default math/rand).
	Now  func() time.Time
	Rand func() float64
}

func (o *Options) defaults() {
	if o.Rate == 0 {
		o.Rate = 80
	}
	if o.Workers <= 0 {
		o.Workers = 16
	}
	if o.UnknownWait <= 0 {
		o.UnknownWait = 5 * time.Minute
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 10
	}
	if o.BackoffBase <= 0 {
		o.BackoffBase = 2 * time.Second
	}
	if o.BackoffMax <= 0 {
		o.BackoffMax = 10 * time.Minute
	}
	if o.PauseRetry <= 0 {
		o.PauseRetry = time.Minute
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Rand == nil {
		o.Rand = rand.Float64
	}
}

// Sender drains the inbox's outbox through a Client: it takes due replies (ClaimOutbox, one
// transaction), sends each outside the writer, and records what WhatsApp answered.
type Sender struct {
	svc    *inbox.Service
	client *Client
	opt    Options

	mu      sync.Mutex
	paused  string    // why the queue waits ("" when it does not)
	resume  time.Time // when a paused queue tries again
	nextAt  time.Time // the pacer: when the next request may start
	sent    int       // requests started (for tests and the benchmark)
	done    chan struct{}
	running sync.WaitGroup
}

// NewSender makes a sender for the inbox with the client.
func NewSender(svc *inbox.Service, c *Client, opt Options) *Sender {
	opt.defaults()
	return &Sender{svc: svc, client: c, opt: opt, done: make(chan struct{}, 1)}
}

// Start runs the sender until the returned stop is called; stop waits for the requests in
// flight (each bounded by the client's timeout) to be recorded.
func Start(svc *inbox.Service, c *Client, opt Options) (stop func()) {
	s := NewSender(svc, c, opt)
	ctx, cancel := context.WithCancel(context.Background())
	finished := make(chan struct{})
	go func() { s.Run(ctx); close(finished) }()
	return func() { cancel(); <-finished }
}

// Started counts the requests the sender began.
func (s *Sender) Started() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sent
}

// recoverEvery is how often a sender on a store several nodes share looks for replies a node
// that stopped left in flight.
const recoverEvery = 15 * time.Second

// Run drains the outbox until ctx ends, then waits for the requests in flight. It first
// turns replies an earlier process left in flight into unknown ones.
func (s *Sender) Run(ctx context.Context) error {
	s.svc.SetOutbound(true, "")
	defer s.svc.SetOutbound(false, "")
	if _, err := s.svc.RecoverInFlight(ctx, s.opt.UnknownWait); err != nil && ctx.Err() == nil {
		return err
	}
	sem := make(chan struct{}, s.opt.Workers)
	defer s.running.Wait()
	recovered := time.Now()
	for ctx.Err() == nil {
		if s.svc.Shared() && time.Since(recovered) > recoverEvery {
			// several nodes share the outbox: what a node that stopped was sending is recovered
			// by the others (a live node's replies in flight are left to it)
			recovered = time.Now()
			_, _ = s.svc.RecoverInFlight(context.WithoutCancel(ctx), s.opt.UnknownWait)
		}
		// one look at the pause: waiting, or due for one probe (the next waits PauseRetry again)
		probe, wait := false, time.Duration(0)
		s.mu.Lock()
		if s.paused != "" {
			if wait = s.resume.Sub(s.opt.Now()); wait <= 0 {
				probe, s.resume = true, s.opt.Now().Add(s.opt.PauseRetry)
			}
		}
		s.mu.Unlock()
		if wait > 0 {
			s.sleep(ctx, min(wait, time.Second), nil) // the clock is read again each second
			continue
		}
		free := s.opt.Workers - len(sem)
		if free == 0 {
			s.sleep(ctx, time.Second, s.done)
			continue
		}
		n := free
		if s.opt.Rate > 0 {
			if !s.pace(ctx) {
				return nil
			}
			n = 1
		}
		if probe {
			n = 1
		}
		claims, err := s.svc.ClaimOutbox(context.WithoutCancel(ctx), n)
		if err != nil {
			s.sleep(ctx, time.Second, nil)
			continue
		}
		if !probe && s.pausing() && len(claims) > 0 {
			// the queue paused while these were being claimed: back in line, nothing sent
			for _, c := range claims {
				_ = s.svc.RecordSend(context.WithoutCancel(ctx), inbox.Result{ID: c.ID, Requeue: true, Retry: s.opt.Now()})
			}
			continue
		}
		if len(claims) == 0 {
			s.unpace()
			wait := time.Second
			if next, ok := s.svc.NextOutbox(); ok {
				wait = min(wait, max(next.Sub(s.opt.Now()), time.Millisecond))
			}
			s.sleep(ctx, wait, s.svc.OutboxWake())
			continue
		}
		for _, c := range claims {
			sem <- struct{}{}
			s.running.Add(1)
			s.mu.Lock()
			s.sent++
			s.mu.Unlock()
			go func(c inbox.Send) {
				defer s.running.Done()
				s.attempt(c)
				<-sem
				select {
				case s.done <- struct{}{}:
				default:
				}
			}(c)
		}
	}
	return nil
}

// pace waits until the next request may start under the throughput limit.
func (s *Sender) pace(ctx context.Context) bool {
	s.mu.Lock()
	now := s.opt.Now()
	at := s.nextAt
	if at.Before(now) {
		at = now
	}
	s.nextAt = at.Add(time.Duration(float64(time.Second) / s.opt.Rate))
	s.mu.Unlock()
	if d := at.Sub(now); d > 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-ctx.Done():
			return false
		case <-t.C:
		}
	}
	return true
}

// unpace gives back the slot a claim that found nothing took.
func (s *Sender) unpace() {
	if s.opt.Rate <= 0 {
		return
	}
	s.mu.Lock()
	s.nextAt = s.nextAt.Add(-time.Duration(float64(time.Second) / s.opt.Rate))
	s.mu.Unlock()
}

func (s *Sender) sleep(ctx context.Context, d time.Duration, wake <-chan struct{}) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	case <-wake:
	}
}

func (s *Sender) pausing() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.paused != ""
}

// attempt sends one reply and records the answer (with a context of its own: a reply taken
// from the outbox is always recorded, also while the process stops).
func (s *Sender) attempt(c inbox.Send) {
	ctx := context.Background()
	wamid, err := s.client.Send(ctx, c)
	now := s.opt.Now()
	r := inbox.Result{ID: c.ID}
	if err == nil {
		r.WAMID = wamid
		s.unpause()
	} else {
		class, why := Classify(err)
		r.Err = why
		switch class {
		case Permanent:
			r.Failed = why
			s.unpause()
		case Auth:
			r.Requeue, r.Retry = true, now
			s.pause(why)
		case Lost:
			r.Unknown, r.Retry = true, now.Add(s.opt.UnknownWait)
		default:
			if c.Attempt >= s.opt.MaxAttempts {
				r.Failed = "not sent after " + itoa(c.Attempt) + " tries: " + why + "; retry it later"
			} else {
				r.Retry = now.Add(s.backoff(c.Attempt, err))
			}
		}
	}
	for i := 0; i < 3; i++ {
		if rerr := s.svc.RecordSend(ctx, r); rerr == nil || inbox.KindOf(rerr) != inbox.Unavailable {
			return
		}
		time.Sleep(100 * time.Millisecond) // shutting down: the next owner finds it in flight, unknown
	}
}

// backoff is the wait before try n+1: exponential from BackoffBase, capped, with jitter (half
// of it drawn at random), and at least six seconds for a customer who got too many messages.
func (s *Sender) backoff(n int, err error) time.Duration {
	d := s.opt.BackoffBase << min(n-1, 30)
	if d > s.opt.BackoffMax || d <= 0 {
		d = s.opt.BackoffMax
	}
	d = d/2 + time.Duration(s.opt.Rand()*float64(d/2))
	if api, ok := err.(*APIError); ok && api.Code == 131056 && d < 6*time.Second {
		d = 6 * time.Second
	}
	return d
}

func (s *Sender) pause(why string) {
	s.mu.Lock()
	first := s.paused == ""
	s.paused, s.resume = why, s.opt.Now().Add(s.opt.PauseRetry)
	s.mu.Unlock()
	msg := "Sending paused: " + why + "; replies stay queued and go out once it is fixed (tried again every " + s.opt.PauseRetry.String() + ")"
	if first { // admins are told before the screens show the pause
		_ = s.svc.NotifyAdmins(context.Background(), msg)
	}
	s.svc.SetOutbound(true, msg)
}

func (s *Sender) unpause() {
	s.mu.Lock()
	was := s.paused != ""
	s.paused = ""
	s.mu.Unlock()
	if was {
		s.svc.SetOutbound(true, "")
	}
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for ; n > 0; n /= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
	}
	return string(b)
}
