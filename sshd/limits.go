package sshd

import (
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"charm.land/ssh"

	"switchboard/textsafe"
)

// The largest terminal a screen is drawn for. A client's PTY size goes into Bubble Tea's
// renderer (cell buffers for the whole window) and into every frame the screen builds, so
// memory grows with columns × rows: a client asking for 5000×5000 made one serve process hold
// gigabytes. 500 columns is wider than a 4K monitor with a 7-pixel font (≈ 550 cells across an
// 8K one at the same size) and 300 rows taller than any real monitor shows; a larger terminal
// gets a frame of this size in its top-left corner.
const (
	MaxColumns = 500
	MaxRows    = 300
)

// capWindow is w no larger than the screen is drawn for.
func capWindow(w ssh.Window) ssh.Window {
	w.Width = min(max(w.Width, 0), MaxColumns)
	w.Height = min(max(w.Height, 0), MaxRows)
	return w
}

// cappedSession is a session whose PTY size, and every window change, is at most
// MaxColumns × MaxRows: what the screen's program (and wish's middleware, which sends it the
// window changes) sees.
type cappedSession struct {
	ssh.Session
	winch chan ssh.Window
}

// capped wraps s; its window changes are copied, capped, until s's own channel closes (when the
// session's requests end).
func capped(s ssh.Session) ssh.Session {
	_, in, ok := s.Pty()
	if !ok {
		return s
	}
	c := &cappedSession{Session: s, winch: make(chan ssh.Window, 1)}
	go func() {
		defer close(c.winch)
		for w := range in {
			w = capWindow(w)
			select {
			case c.winch <- w:
				continue
			default: // the newest size wins: a reader that is behind gets only the last one
			}
			select {
			case <-c.winch:
			default:
			}
			select { // the only sender: there is room now
			case c.winch <- w:
			default:
			}
		}
	}()
	return c
}

func (c *cappedSession) Pty() (ssh.Pty, <-chan ssh.Window, bool) {
	p, _, ok := c.Session.Pty()
	p.Window = capWindow(p.Window)
	return p, c.winch, ok
}

// sessionCount is who has how many sessions open.
type sessionCount struct {
	mu    sync.Mutex
	total int
	by    map[string]int
}

// take counts a session of operator id (an admin or not) against the door's limits, or says
// why it may not open.
func (d *Server) take(id string, admin bool) (release func(), refusal string) {
	c := &d.count
	c.mu.Lock()
	defer c.mu.Unlock()
	most, per, kept := d.opts.MaxSessions, d.opts.MaxSessionsPerOperator, d.opts.AdminSessions
	switch {
	case c.total >= most:
		return nil, fmt.Sprintf("%d sessions are open, the most this server allows; try again later.", most)
	case c.by[id] >= per:
		return nil, fmt.Sprintf("%s has %d sessions open, the most one operator may have at once (the server allows %d in all); end one of them (quit a screen, or wait for a command to finish) and try again.", id, per, most)
	case !admin && kept > 0 && c.total >= most-kept:
		return nil, fmt.Sprintf("%d sessions are open; the server allows %d, and the last %d are kept for admins; try again later, or ask whoever runs the server to raise --ssh-max-sessions.", c.total, most, kept)
	}
	c.total++
	c.by[id]++
	var once sync.Once
	return func() {
		once.Do(func() {
			c.mu.Lock()
			defer c.mu.Unlock()
			c.total--
			if c.by[id]--; c.by[id] <= 0 {
				delete(c.by, id)
			}
		})
	}, ""
}

// startups bounds the connections that have not logged in yet (like OpenSSH's MaxStartups and
// PerSourceMaxStartups): each holds a file descriptor and a goroutine until it logs in, fails
// or reaches the login grace time.
type startups struct {
	max, perSource int
	log            func(format string, args ...any)

	mu       sync.Mutex
	inFlight map[*startConn]struct{}
	bySource map[string]int
	next     uint64
	logged   time.Time // when a refusal was last logged
	unlogged int       // refusals since, not logged
}

// startConn is a connection until it has logged in (or closed).
type startConn struct {
	net.Conn
	s      *startups
	source string
	seq    uint64      // the order connections came in
	heard  atomic.Bool // the client sent something (its SSH version, at once for a real one)
	done   bool        // no longer counted (under s.mu)
}

// sourceOf is the address a connection is counted under: its IPv4 address, or its IPv6 /64
// (one host usually has a whole /64).
func sourceOf(a net.Addr) string {
	tcp, ok := a.(*net.TCPAddr)
	if !ok {
		return a.String()
	}
	if ip4 := tcp.IP.To4(); ip4 != nil {
		return ip4.String()
	}
	return tcp.IP.Mask(net.CIDRMask(64, 128)).String() + "/64"
}

// admit counts a new connection, or refuses it: over the per-source limit at once; over the
// limit in all it takes the place of the oldest connection that has sent nothing yet (a real
// client sends its version as soon as it connects), or is refused when every one has spoken.
// A refused connection gets one line, which SSH clients show with -v, and is closed.
func (s *startups) admit(conn net.Conn) net.Conn {
	src := sourceOf(conn.RemoteAddr())
	s.mu.Lock()
	var victim *startConn
	refusal := ""
	switch {
	case s.bySource[src] >= s.perSource:
		refusal = fmt.Sprintf("%d connections from %s are still logging in, the most one address may have at once; finish or close those and try again", s.perSource, src)
	case len(s.inFlight) >= s.max:
		for c := range s.inFlight {
			if !c.heard.Load() && (victim == nil || c.seq < victim.seq) {
				victim = c
			}
		}
		if victim == nil {
			refusal = fmt.Sprintf("%d connections are still logging in, the most this server allows at once; try again in a minute", s.max)
		} else {
			s.forget(victim)
		}
	}
	if refusal != "" {
		// a flood is logged once a second, not once a connection
		now, more := time.Now(), ""
		quiet := now.Sub(s.logged) < time.Second
		if quiet {
			s.unlogged++
		} else {
			if s.unlogged > 0 {
				more = fmt.Sprintf(" (and %d more refused since the last such line)", s.unlogged)
			}
			s.logged, s.unlogged = now, 0
		}
		s.mu.Unlock()
		if !quiet {
			s.log("refused a connection from %s: %s%s", conn.RemoteAddr(), refusal, more)
		}
		_ = conn.SetWriteDeadline(time.Now().Add(time.Second))
		_, _ = fmt.Fprintf(conn, "switchboard: %s.\r\n", textsafe.Line(refusal))
		_ = conn.Close()
		return nil
	}
	s.next++
	c := &startConn{Conn: conn, s: s, source: src, seq: s.next}
	s.inFlight[c] = struct{}{}
	s.bySource[src]++
	s.mu.Unlock()
	if victim != nil {
		s.log("closed a connection from %s that had sent nothing: %d connections are logging in, the most this server allows", victim.RemoteAddr(), s.max)
		_ = victim.Conn.Close()
	}
	return c
}

// forget stops counting c (under s.mu).
func (s *startups) forget(c *startConn) {
	if c.done {
		return
	}
	c.done = true
	delete(s.inFlight, c)
	if s.bySource[c.source]--; s.bySource[c.source] <= 0 {
		delete(s.bySource, c.source)
	}
}

// loggedIn stops counting c: it is a session's connection now, bounded by the session limits.
func (c *startConn) loggedIn() {
	c.s.mu.Lock()
	c.s.forget(c)
	c.s.mu.Unlock()
}

func (c *startConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if n > 0 && !c.heard.Load() {
		c.heard.Store(true)
	}
	return n, err
}

func (c *startConn) Close() error {
	c.loggedIn() // or gone: counted no more either way
	return c.Conn.Close()
}

type startKey struct{}
