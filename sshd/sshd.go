// Package sshd is the SSH door: the terminal inbox for a whole team on one server, each agent
// as themselves. It serves the screens of package ui over SSH with charm.land/wish (its Bubble
// Tea middleware), one screen per session in the serving process, all on the one shared
// inbox.Service, each with its own size, colour profile and keys, and runs the command line
// (package cli, given as Options.Exec) for sessions without a terminal.
//
// Identity is the key: the public key that signed decides the operator (inbox's
// OperatorForKey), nothing else — not the SSH user name, not --as, not act as (a session has no
// u). An unknown key is refused during authentication with one line (an SSH banner). Password
// and keyboard-interactive authentication are off. Sessions drive presence (inbox.Attend:
// online on a key press, away when idle, offline when the last one ends); the door bounds how
// many sessions run (in all, per operator, with a few kept for admins) and ends one idle past
// its timeout (key presses, not repaints), each with a goodbye line. A screen is drawn for at
// most MaxColumns × MaxRows whatever size the client asks for. A connection that has not
// logged in is closed after the login grace time, and only so many may be logging in at once
// (in all and from one address), so connections that never log in cannot pile up.
//
// It owns the host key (ed25519, created beside the database on first start, mode 0600) and
// the per-session plumbing; it decides nothing about routing or permissions and never opens
// storage.
package sshd

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	tea "charm.land/bubbletea/v2"
	charmlog "charm.land/log/v2"
	"charm.land/ssh"
	"charm.land/wish/v2"
	bm "charm.land/wish/v2/bubbletea"
	"github.com/charmbracelet/colorprofile"
	gossh "golang.org/x/crypto/ssh"

	"switchboard/inbox"
	"switchboard/routing"
	"switchboard/textsafe"
	"switchboard/ui"
)

// Defaults of the door's limits.
const (
	DefaultMaxSessions            = 64
	DefaultMaxSessionsPerOperator = 8
	DefaultIdleTimeout            = 30 * time.Minute
	DefaultLoginGraceTime         = 2 * time.Minute // OpenSSH's LoginGraceTime
	DefaultMaxStartups            = 64
	DefaultMaxStartupsPerSource   = 10
)

// Options configure the SSH door.
type Options struct {
	Addr        string // host:port to listen on
	HostKeyPath string // the host key's file (created when missing)
	Path        string // the workspace's file, for messages and commands

	// MaxSessions is how many sessions (screens and commands) may be open at once
	// (DefaultMaxSessions when 0); one more is refused with a goodbye line.
	MaxSessions int
	// MaxSessionsPerOperator is how many of them one operator may have open at once
	// (DefaultMaxSessionsPerOperator, or MaxSessions when smaller, when 0), so that one key
	// cannot take them all.
	MaxSessionsPerOperator int
	// AdminSessions is how many of MaxSessions only admins may take: operators who are not
	// admins are refused when fewer are free (when 0, MaxSessions/16: 4 of 64; negative: none).
	AdminSessions int
	// IdleTimeout ends a screen with no key press for that long (DefaultIdleTimeout when 0).
	IdleTimeout time.Duration

	// LoginGraceTime closes a connection that has not logged in (SSH handshake and key) that
	// long after it connected (DefaultLoginGraceTime when 0).
	LoginGraceTime time.Duration
	// MaxStartups is how many connections may be logging in at once (DefaultMaxStartups when
	// 0); MaxStartupsPerSource how many of them from one address, an IPv4 address or an IPv6
	// /64 (DefaultMaxStartupsPerSource, or MaxStartups when smaller, when 0).
	MaxStartups          int
	MaxStartupsPerSource int

	// Exec runs a command line for a session without a terminal, on conn (its operator's
	// session), and returns the exit status.
	Exec func(ctx context.Context, conn inbox.Conn, args []string, stdin io.Reader, stdout, stderr io.Writer) int

	// Log receives one line per session begun, ended or refused (nil: none).
	Log io.Writer
	// Tour gives a screen a guided tour panel (nil: none).
	Tour func(ctx context.Context) ui.Tour
	// Config is the keys, theme and bell of the operator a session is (read on the server,
	// when the session begins; nil: the defaults).
	Config func(operator string) *ui.Config
}

// Server is a running SSH door.
type Server struct {
	opts   Options
	svc    *inbox.Service // the inbox every session shares (from Serve)
	srv    *ssh.Server
	ln     net.Listener
	signer gossh.Signer

	active atomic.Int64
	count  sessionCount
	starts *startups
	wg     sync.WaitGroup

	mu      sync.Mutex
	banners map[string]time.Time // connections already told their key is unknown
	seats   map[*seat]struct{}
}

// Extensions the authentication leaves on the connection for the session handler: x/crypto
// hands a connection the permissions of the key that actually signed, never of one only
// offered.
const (
	extOperator = "switchboard-operator"
	extKey      = "switchboard-key"
)

var errUnknownKey = errors.New("unknown key")

// Listen loads (or creates) the host key and binds the address, before any workspace is
// opened (a bad address changes nothing); Serve then serves it.
func Listen(opts Options) (*Server, error) {
	if opts.Exec == nil {
		return nil, errors.New("sshd: Options.Exec is required")
	}
	if opts.MaxSessions <= 0 {
		opts.MaxSessions = DefaultMaxSessions
	}
	if opts.MaxSessionsPerOperator <= 0 {
		opts.MaxSessionsPerOperator = min(DefaultMaxSessionsPerOperator, opts.MaxSessions)
	}
	if opts.AdminSessions == 0 {
		opts.AdminSessions = opts.MaxSessions / 16
	}
	if opts.IdleTimeout <= 0 {
		opts.IdleTimeout = DefaultIdleTimeout
	}
	if opts.LoginGraceTime <= 0 {
		opts.LoginGraceTime = DefaultLoginGraceTime
	}
	if opts.MaxStartups <= 0 {
		opts.MaxStartups = DefaultMaxStartups
	}
	if opts.MaxStartupsPerSource <= 0 {
		opts.MaxStartupsPerSource = min(DefaultMaxStartupsPerSource, opts.MaxStartups)
	}
	// wish's middleware logs a screen that ended with its connection as an error, on the
	// process's stderr: this door says what happened to a session itself (Options.Log)
	charmlog.SetOutput(io.Discard)
	pemBytes, signer, err := hostKey(opts.HostKeyPath)
	if err != nil {
		return nil, err
	}
	d := &Server{opts: opts, signer: signer, banners: map[string]time.Time{}, seats: map[*seat]struct{}{},
		count: sessionCount{by: map[string]int{}}}
	d.starts = &startups{max: opts.MaxStartups, perSource: opts.MaxStartupsPerSource, log: d.logf,
		inFlight: map[*startConn]struct{}{}, bySource: map[string]int{}}
	srv, err := wish.NewServer(
		wish.WithHostKeyPEM(pemBytes),
		wish.WithVersion("switchboard"),
		func(s *ssh.Server) error {
			// a connection that has not logged in within the grace time is closed; until it has,
			// it counts against MaxStartups
			s.HandshakeTimeout = opts.LoginGraceTime
			s.ConnCallback = func(ctx ssh.Context, conn net.Conn) net.Conn {
				c := d.starts.admit(conn)
				if c == nil {
					return nil
				}
				ctx.SetValue(startKey{}, c)
				return c
			}
			s.ConnectionFailedCallback = func(conn net.Conn, err error) {
				if errors.Is(err, os.ErrDeadlineExceeded) {
					d.logf("closed a connection from %s: it did not log in within %s", conn.RemoteAddr(), opts.LoginGraceTime)
				}
			}
			s.ServerConfigCallback = func(ctx ssh.Context) *gossh.ServerConfig {
				c, _ := ctx.Value(startKey{}).(*startConn)
				return &gossh.ServerConfig{PublicKeyCallback: d.authenticate, MaxAuthTries: 6,
					AuthLogCallback: func(_ gossh.ConnMetadata, _ string, err error) {
						if err == nil && c != nil {
							c.loggedIn()
						}
					}}
			}
			return nil
		},
		wish.WithMiddleware(bm.MiddlewareWithProgramHandler(d.program), d.gate),
	)
	if err != nil {
		return nil, fmt.Errorf("the SSH door: %v", err)
	}
	ln, err := net.Listen("tcp", opts.Addr)
	if err != nil {
		return nil, fmt.Errorf("cannot listen for SSH on %s: %v (is another server using it? pick another with --ssh HOST:PORT)", opts.Addr, err)
	}
	d.srv, d.ln = srv, ln
	return d, nil
}

// Addr is the address the door listens on.
func (d *Server) Addr() net.Addr { return d.ln.Addr() }

// Fingerprint is the host key's SHA256 fingerprint, for agents to check on first connect.
func (d *Server) Fingerprint() string { return gossh.FingerprintSHA256(d.signer.PublicKey()) }

// HostKey is the host key's public half, as an authorized_keys / known_hosts line.
func (d *Server) HostKey() string {
	return strings.TrimSpace(string(gossh.MarshalAuthorizedKey(d.signer.PublicKey())))
}

// Serve serves the inbox until Close; it returns nil after Close. Operators who sign in by key
// and follow their sessions are offline until their first session begins.
func (d *Server) Serve(svc *inbox.Service) error {
	d.svc = svc
	if err := svc.OfflineWithoutSessions(context.Background()); err != nil {
		d.logf("could not mark people without a session offline: %v", err)
	}
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	go d.watch(ctx)
	err := d.srv.Serve(d.ln)
	if errors.Is(err, ssh.ErrServerClosed) {
		return nil
	}
	return err
}

// watch ends the screens whose key is no longer their operator's, as soon as the workspace's
// operators or keys change (until ctx ends).
func (d *Server) watch(ctx context.Context) {
	for ev := range d.svc.Subscribe(ctx) {
		if ev.Kind != inbox.EventConfig && ev.Kind != inbox.EventReload {
			continue
		}
		d.mu.Lock()
		for st := range d.seats {
			if st.conn.Current() != nil {
				st.end(fmt.Sprintf("the key this session signed in with is no longer %s's in this workspace (the key or the operator was removed)", st.op))
			}
		}
		d.mu.Unlock()
	}
}

// Close says goodbye to every session and stops the door, waiting until ctx ends for the
// sessions to finish.
func (d *Server) Close(ctx context.Context) error {
	d.mu.Lock()
	for st := range d.seats {
		st.end("the server is stopping")
	}
	d.mu.Unlock()
	done := make(chan struct{})
	go func() { d.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
	}
	err := d.srv.Shutdown(ctx)
	if errors.Is(err, ssh.ErrServerClosed) {
		err = nil
	}
	if err != nil {
		_ = d.srv.Close()
	}
	return err
}

// Sessions is how many sessions are open now.
func (d *Server) Sessions() int { return int(d.active.Load()) }

func (d *Server) logf(format string, args ...any) {
	if d.opts.Log != nil {
		fmt.Fprintf(d.opts.Log, "ssh: "+format+"\n", args...)
	}
}

// authenticate decides who a key is. Only a key an operator has signs in; the first unknown key
// a connection offers gets one line saying so (as a banner: the client prints it).
func (d *Server) authenticate(conn gossh.ConnMetadata, key gossh.PublicKey) (*gossh.Permissions, error) {
	fp := gossh.FingerprintSHA256(key)
	if o, ok := d.svc.OperatorForKey(fp); ok {
		return &gossh.Permissions{Extensions: map[string]string{extOperator: o.ID, extKey: fp}}, nil
	}
	if !d.firstBanner(string(conn.SessionID())) {
		return nil, errUnknownKey
	}
	d.logf("refused %s from %s: key %s is nobody's", textsafe.Line(conn.User()), conn.RemoteAddr(), fp)
	return nil, &gossh.BannerError{Err: errUnknownKey, Message: fmt.Sprintf(
		"switchboard: the key %s is not an operator's key in this workspace; ask an admin to run `switchboard operators keys add YOUR-ID FILE.pub`\r\n", fp)}
}

// firstBanner says whether this connection has not been told yet, remembering it a minute.
func (d *Server) firstBanner(conn string) bool {
	now := time.Now()
	d.mu.Lock()
	defer d.mu.Unlock()
	for c, at := range d.banners {
		if now.Sub(at) > time.Minute {
			delete(d.banners, c)
		}
	}
	if _, told := d.banners[conn]; told {
		return false
	}
	if len(d.banners) >= 4096 {
		return false // a flood of connections: no more lines
	}
	d.banners[conn] = now
	return true
}

// seat is one session: its operator, its program, and why it ended.
type seat struct {
	d       *Server
	sess    ssh.Session
	op      string
	conn    *inbox.Session
	att     *inbox.Attendance
	lastKey atomic.Int64 // unix nanoseconds of the last input
	prog    atomic.Pointer[tea.Program]
	idle    *time.Timer

	mu  sync.Mutex
	bye string // why the door ended it ("" when the person quit)
}

type seatKey struct{}

// end ends the session's screen, saying why.
func (st *seat) end(why string) {
	st.mu.Lock()
	if st.bye == "" {
		st.bye = why
	}
	st.mu.Unlock()
	if p := st.prog.Load(); p != nil {
		p.Quit()
	} else {
		_ = st.sess.Close()
	}
}

// gate runs first for every session: who it is, the session limit, commands without a
// terminal, and the goodbye when a screen ends.
func (d *Server) gate(next ssh.Handler) ssh.Handler {
	return func(s ssh.Session) {
		d.wg.Add(1)
		defer d.wg.Done()
		id := s.Permissions().Extensions[extOperator]
		o, ok := d.svc.Operator(id)
		if !ok || id == "" {
			fmt.Fprintln(s.Stderr(), "switchboard: this key's operator is no longer in the workspace.")
			_ = s.Exit(1)
			return
		}
		release, refusal := d.take(id, o.Role == routing.RoleAdmin)
		if release == nil {
			d.logf("refused %s (%s): %s", id, s.RemoteAddr(), refusal)
			fmt.Fprintf(s.Stderr(), "switchboard: %s\r\n", refusal)
			_ = s.Exit(1)
			return
		}
		d.active.Add(1)
		defer func() { release(); d.active.Add(-1) }() // released before Sessions says so
		// bound to the key as well as to its operator: when the key is theirs no more (removed,
		// or the operator was), the session can do nothing more, and its screen ends (watch)
		conn, err := d.svc.SessionByKey(id, s.Permissions().Extensions[extKey])
		if err != nil {
			fmt.Fprintf(s.Stderr(), "switchboard: %s\r\n", textsafe.Line(err.Error()))
			_ = s.Exit(1)
			return
		}
		if _, _, isPty := s.Pty(); !isPty {
			args := s.Command()
			d.logf("%s (%s) runs %s", id, s.RemoteAddr(), textsafe.Line(strings.Join(args, " ")))
			_ = s.Exit(d.opts.Exec(s.Context(), conn, args, s, s, s.Stderr()))
			return
		}
		if len(s.Command()) > 0 {
			// ssh -t host CMD: the command, on the terminal
			_ = s.Exit(d.opts.Exec(s.Context(), conn, s.Command(), s, s, s))
			return
		}
		att, err := d.svc.Attend(s.Context(), id)
		if err != nil {
			fmt.Fprintf(s.Stderr(), "switchboard: %s\r\n", textsafe.Line(err.Error()))
			_ = s.Exit(1)
			return
		}
		st := &seat{d: d, sess: s, op: id, conn: conn, att: att}
		st.lastKey.Store(time.Now().UnixNano())
		st.idle = time.AfterFunc(d.opts.IdleTimeout, st.checkIdle)
		d.mu.Lock()
		d.seats[st] = struct{}{}
		d.mu.Unlock()
		d.logf("%s (%s) opened the inbox from %s", textsafe.Line(o.Name), id, s.RemoteAddr())
		s.Context().SetValue(seatKey{}, st)

		next(capped(s)) // the screen, until the person quits or the door ends it

		st.idle.Stop()
		d.mu.Lock()
		delete(d.seats, st)
		d.mu.Unlock()
		_ = att.Leave(context.Background())
		st.mu.Lock()
		bye := st.bye
		st.mu.Unlock()
		if bye != "" {
			fmt.Fprintf(s, "\r\nswitchboard: %s. Goodbye.\r\n", bye)
			d.logf("%s (%s): %s", id, s.RemoteAddr(), bye)
		} else {
			d.logf("%s (%s) left", id, s.RemoteAddr())
		}
		_ = s.Exit(0)
	}
}

// checkIdle ends the screen when no key was pressed for the idle timeout, or looks again when
// one was.
func (st *seat) checkIdle() {
	last := time.Unix(0, st.lastKey.Load())
	left := st.d.opts.IdleTimeout - time.Since(last)
	if left > 0 {
		st.idle.Reset(left)
		return
	}
	st.end(fmt.Sprintf("no key pressed for %s, so this session ended", st.d.opts.IdleTimeout))
}

// keys is the session's input as the screen reads it: every read is the person at the keys.
type keys struct{ st *seat }

func (k keys) Read(p []byte) (int, error) {
	n, err := k.st.sess.Read(p)
	if n > 0 {
		k.st.lastKey.Store(time.Now().UnixNano())
		k.st.att.Touch()
	}
	return n, err
}

// program builds the screen of a session with a terminal: its environment and colours are the
// client's, never this process's.
func (d *Server) program(s ssh.Session) *tea.Program {
	st, _ := s.Context().Value(seatKey{}).(*seat)
	if st == nil {
		return nil
	}
	pty, _, _ := s.Pty()
	env := append(append([]string(nil), s.Environ()...), "TERM="+pty.Term)
	noColor := false
	for _, kv := range env {
		if strings.HasPrefix(kv, "NO_COLOR=") && kv != "NO_COLOR=" {
			noColor = true
		}
	}
	opts := ui.Options{Environ: env, ColorProfile: colorprofile.Env(env), NoColor: noColor,
		NoActAs: "act as is off over SSH: a session is the operator its key belongs to"}
	if d.opts.Tour != nil {
		opts.Tour, opts.ShowTour = d.opts.Tour(s.Context()), false
	}
	if d.opts.Config != nil {
		opts.Config = d.opts.Config(st.op)
	}
	p := ui.NewProgram(s.Context(), st.conn, opts,
		tea.WithInput(keys{st}), tea.WithOutput(s),
		tea.WithWindowSize(pty.Window.Width, pty.Window.Height),
		tea.WithFilter(func(_ tea.Model, msg tea.Msg) tea.Msg {
			if _, ok := msg.(tea.SuspendMsg); ok {
				return tea.ResumeMsg{} // ctrl+z cannot suspend a remote session
			}
			return msg
		}))
	st.prog.Store(p)
	st.mu.Lock()
	ended := st.bye != ""
	st.mu.Unlock()
	if ended { // ended before its program existed
		p.Quit()
	}
	return p
}

// hostKey reads the host key at path, or creates one there (ed25519, mode 0600). A key others
// can read is refused: it is the server's identity.
func hostKey(path string) ([]byte, gossh.Signer, error) {
	if path == "" {
		return nil, nil, errors.New("sshd: no host key path")
	}
	raw, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		_, priv, gerr := ed25519.GenerateKey(rand.Reader)
		if gerr != nil {
			return nil, nil, gerr
		}
		block, merr := gossh.MarshalPrivateKey(priv, "switchboard host key")
		if merr != nil {
			return nil, nil, merr
		}
		raw = pem.EncodeToMemory(block)
		f, oerr := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if oerr != nil {
			return nil, nil, fmt.Errorf("cannot create the SSH host key %s: %v", path, oerr)
		}
		if _, werr := f.Write(raw); werr != nil {
			f.Close()
			os.Remove(path)
			return nil, nil, fmt.Errorf("cannot write the SSH host key %s: %v", path, werr)
		}
		if cerr := f.Close(); cerr != nil {
			return nil, nil, fmt.Errorf("cannot write the SSH host key %s: %v", path, cerr)
		}
	} else if err != nil {
		return nil, nil, fmt.Errorf("cannot read the SSH host key %s: %v", path, err)
	} else if fi, serr := os.Stat(path); serr == nil && fi.Mode().Perm()&0o077 != 0 {
		return nil, nil, fmt.Errorf("the SSH host key %s can be read by others (mode %o): run `chmod 600 %s`", path, fi.Mode().Perm(), path)
	}
	signer, err := gossh.ParsePrivateKey(raw)
	if err != nil {
		return nil, nil, fmt.Errorf("the SSH host key %s is not a private key this server can use (%v): move it away to have a new one made", path, err)
	}
	return raw, signer, nil
}
