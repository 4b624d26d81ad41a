package sshd_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/charmbracelet/x/vt"
	gossh "golang.org/x/crypto/ssh"

	"switchboard/cli"
	"switchboard/data"
	"switchboard/inbox"
	"switchboard/inbox/rpc"
	"switchboard/sshd"
	"switchboard/ui"
)

var bg = context.Background()

// testClock is a clock a test moves by hand.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *testClock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// door is a running SSH door on the test workspace (Alice and Dana admins; Carol, Erin, Frank
// operators; Bob offline), with keys for Alice and Carol.
type door struct {
	t     testing.TB
	svc   *inbox.Service
	srv   *sshd.Server
	clock *testClock
	keys  map[string]gossh.Signer // by operator id (eve: nobody's)
	log   *bytes.Buffer
	logMu *sync.Mutex
}

type doorOpts struct {
	maxSessions int
	perOperator int // sessions one operator may have (0: the door's default)
	forAdmins   int // sessions kept for admins (0: the door's default; -1: none)
	idle        time.Duration
	grace       time.Duration // the login grace time (0: the door's default)
	maxStartups int           // connections logging in at once, and from one address
	perSource   int
	clock       bool   // the service runs on a test clock
	where       string // the workspace ("" : a new file); a PostgreSQL URL for another node
	nodeOf      *door  // another node of the same workspace: its keys, no import
	config      func(operator string) *ui.Config
}

func newDoor(t testing.TB, o doorOpts) *door {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, "sb.db")
	if o.where != "" {
		path = o.where
	}
	st, err := data.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	d := &door{t: t, keys: map[string]gossh.Signer{}, log: &bytes.Buffer{}, logMu: &sync.Mutex{}}
	opt := inbox.Options{}
	if o.clock {
		d.clock = &testClock{t: time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)}
		opt.Now, opt.NoTimers = d.clock.now, true
	}
	svc, err := inbox.New(st, opt)
	if err != nil {
		t.Fatal(err)
	}
	d.svc = svc
	if o.nodeOf != nil {
		d.keys = o.nodeOf.keys
	} else {
		raw, err := os.ReadFile("../inbox/testdata/workspace.json")
		if err != nil {
			t.Fatal(err)
		}
		if err := svc.Import(bg, "", bytes.NewReader(raw), false); err != nil {
			t.Fatal(err)
		}
		for _, id := range []string{"alice", "carol", "eve", "mallory"} {
			d.keys[id] = newSigner(t)
		}
		for _, id := range []string{"alice", "carol"} {
			line := strings.TrimSpace(string(gossh.MarshalAuthorizedKey(d.keys[id].PublicKey()))) + " " + id + "@laptop"
			if _, err := svc.AddKey(bg, "alice", id, line); err != nil {
				t.Fatal(err)
			}
		}
	}
	wiring := cli.Wiring{
		DefaultPath: data.DefaultPath,
		Connect:     func(string, string) (*rpc.Conn, error) { return nil, errors.New("no files over SSH") },
		Own:         func(string, string) (*rpc.Owner, error) { return nil, errors.New("no owning over SSH") },
		RemoveFile:  data.Remove,
		InUse:       func(err error) bool { return errors.Is(err, data.ErrInUse) },
		CheckCursor: inbox.CheckCursor,
	}
	srv, err := sshd.Listen(sshd.Options{
		Addr: "127.0.0.1:0", HostKeyPath: filepath.Join(dir, "host_key"), Path: path,
		MaxSessions: o.maxSessions, MaxSessionsPerOperator: o.perOperator, AdminSessions: o.forAdmins, IdleTimeout: o.idle,
		LoginGraceTime: o.grace, MaxStartups: o.maxStartups, MaxStartupsPerSource: o.perSource,
		Log: lockedWriter{d.log, d.logMu}, Config: o.config,
		Exec: func(ctx context.Context, conn inbox.Conn, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
			return cli.Exec(ctx, conn, path, args, stdin, stdout, stderr, wiring)
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	d.srv = srv
	served := make(chan error, 1)
	go func() { served <- srv.Serve(svc) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(bg, 5*time.Second)
		defer cancel()
		if err := srv.Close(ctx); err != nil {
			t.Errorf("closing the door: %v", err)
		}
		if err := <-served; err != nil {
			t.Errorf("serve: %v", err)
		}
		svc.Close()
	})
	return d
}

type lockedWriter struct {
	b  *bytes.Buffer
	mu *sync.Mutex
}

func (w lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

func (d *door) logText() string {
	d.logMu.Lock()
	defer d.logMu.Unlock()
	return d.log.String()
}

func newSigner(t testing.TB) gossh.Signer {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	s, err := gossh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// dial connects with the given authentication (a user name the door ignores).
func (d *door) dial(auth []gossh.AuthMethod, banner *string) (*gossh.Client, error) {
	cfg := &gossh.ClientConfig{
		User: "anyone", Auth: auth, Timeout: 5 * time.Second,
		HostKeyCallback: gossh.FixedHostKey(hostKey(d.t, d.srv)),
	}
	if banner != nil {
		cfg.BannerCallback = func(msg string) error { *banner += msg; return nil }
	}
	return gossh.Dial("tcp", d.srv.Addr().String(), cfg)
}

func hostKey(t testing.TB, s *sshd.Server) gossh.PublicKey {
	t.Helper()
	k, _, _, _, err := gossh.ParseAuthorizedKey([]byte(s.HostKey()))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// as connects with the key of operator id.
func (d *door) as(id string) *gossh.Client {
	d.t.Helper()
	c, err := d.dial([]gossh.AuthMethod{gossh.PublicKeys(d.keys[id])}, nil)
	if err != nil {
		d.t.Fatalf("dial as %s: %v", id, err)
	}
	d.t.Cleanup(func() { c.Close() })
	return c
}

// run runs a command without a terminal and returns its stdout, stderr and exit status.
func run(t testing.TB, c *gossh.Client, cmd string) (string, string, int) {
	t.Helper()
	return runIn(t, c, cmd, nil)
}

// runIn runs cmd with stdin as its standard input (nil: none).
func runIn(t testing.TB, c *gossh.Client, cmd string, stdin io.Reader) (string, string, int) {
	t.Helper()
	s, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var out, errOut bytes.Buffer
	s.Stdin, s.Stdout, s.Stderr = stdin, &out, &errOut
	err = s.Run(cmd)
	code := 0
	var exit *gossh.ExitError
	if errors.As(err, &exit) {
		code = exit.ExitStatus()
	} else if err != nil {
		t.Fatalf("%s: %v", cmd, err)
	}
	return out.String(), errOut.String(), code
}

// screen is a session with a terminal, drawn into a terminal emulator.
type screen struct {
	t    testing.TB
	sess *gossh.Session
	in   io.WriteCloser
	mu   sync.Mutex
	term *vt.Emulator
	raw  bytes.Buffer // everything the session wrote
	done chan struct{}
	more chan struct{} // a signal after each chunk the session wrote
}

func (d *door) open(c *gossh.Client, w, h int, env ...string) *screen {
	d.t.Helper()
	return d.openSized(c, w, h, w, h, env...)
}

// openSized asks for a terminal of w×h and draws what the session writes into an emulator of
// termW×termH.
func (d *door) openSized(c *gossh.Client, w, h, termW, termH int, env ...string) *screen {
	d.t.Helper()
	s, err := c.NewSession()
	if err != nil {
		d.t.Fatal(err)
	}
	for i := 0; i+1 < len(env); i += 2 {
		_ = s.Setenv(env[i], env[i+1]) // the server accepts every variable
	}
	if err := s.RequestPty("xterm-256color", h, w, gossh.TerminalModes{}); err != nil {
		d.t.Fatal(err)
	}
	sc := &screen{t: d.t, sess: s, term: vt.NewEmulator(termW, termH), done: make(chan struct{}), more: make(chan struct{}, 1)}
	go io.Copy(io.Discard, sc.term) // the emulator's answers to queries are not read by anyone
	out, err := s.StdoutPipe()
	if err != nil {
		d.t.Fatal(err)
	}
	if sc.in, err = s.StdinPipe(); err != nil {
		d.t.Fatal(err)
	}
	go func() {
		defer close(sc.done)
		buf := make([]byte, 32<<10)
		for {
			n, err := out.Read(buf)
			if n > 0 {
				sc.mu.Lock()
				sc.raw.Write(buf[:n])
				sc.term.Write(buf[:n])
				sc.mu.Unlock()
				select {
				case sc.more <- struct{}{}:
				default:
				}
			}
			if err != nil {
				return
			}
		}
	}()
	if err := s.Shell(); err != nil {
		d.t.Fatal(err)
	}
	d.t.Cleanup(func() { s.Close() })
	return sc
}

func (sc *screen) text() string {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	return sc.term.String()
}

func (sc *screen) rawText() string {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	return sc.raw.String()
}

// want waits until the screen shows every sub.
func (sc *screen) want(subs ...string) {
	sc.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		txt := sc.text()
		missing := ""
		for _, s := range subs {
			if !strings.Contains(txt, s) {
				missing = s
				break
			}
		}
		if missing == "" {
			return
		}
		if time.Now().After(deadline) {
			sc.t.Fatalf("the screen never showed %q:\n%s", missing, txt)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// shows waits until the screen shows sub, looking again only when more output came; it returns
// when it does, or false at the deadline.
func (sc *screen) shows(sub string, deadline time.Time) bool {
	for {
		if strings.Contains(sc.text(), sub) {
			return true
		}
		select {
		case <-sc.more:
		case <-sc.done:
			return strings.Contains(sc.text(), sub)
		case <-time.After(time.Until(deadline)):
			return false
		}
	}
}

// keys types: plain text, or "enter", "esc", "space".
func (sc *screen) keys(ks ...string) {
	sc.t.Helper()
	for _, k := range ks {
		b := map[string]string{"enter": "\r", "esc": "\x1b", "space": " "}[k]
		if b == "" {
			b = k
		}
		if _, err := io.WriteString(sc.in, b); err != nil {
			sc.t.Fatalf("typing %q: %v", k, err)
		}
		time.Sleep(30 * time.Millisecond) // a person's pause (esc alone must not merge with the next key)
	}
}

// ended waits for the session to end and returns its exit status.
func (sc *screen) ended() int {
	sc.t.Helper()
	errc := make(chan error, 1)
	go func() { errc <- sc.sess.Wait() }()
	select {
	case err := <-errc:
		var exit *gossh.ExitError
		if errors.As(err, &exit) {
			return exit.ExitStatus()
		}
		if err != nil {
			sc.t.Fatalf("session: %v", err)
		}
		return 0
	case <-time.After(10 * time.Second):
		sc.t.Fatalf("the session did not end:\n%s", sc.text())
	}
	return -1
}
