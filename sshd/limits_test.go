package sshd_test

import (
	"bufio"
	"errors"
	"io"
	"net"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"

	"switchboard/sshd"
)

// frame is how wide the screen's first line is and how many lines, from the top, it covers.
func (sc *screen) frame() (width, rows int) {
	lines := strings.Split(sc.text(), "\n")
	for i, l := range lines {
		if strings.TrimSpace(l) != "" {
			rows = i + 1
		}
	}
	return len([]rune(strings.TrimRight(lines[0], " "))), rows
}

// waitFrame waits until the screen's frame is w columns (its header ends a cell short of the
// edge) by h rows.
func (sc *screen) waitFrame(w, h int) {
	sc.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		gw, gh := sc.frame()
		if gw >= w-1 && gw <= w && gh == h {
			return
		}
		if time.Now().After(deadline) {
			sc.t.Fatalf("the frame is %d×%d, want %d×%d", gw, gh, w, h)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// A client asking for a huge terminal gets a frame of at most sshd.MaxColumns × MaxRows, when
// the session opens and at every resize, and the server holds no more memory for it than for a
// screen of that size.
func TestHugeWindowsAreCapped(t *testing.T) {
	d := newDoor(t, doorOpts{})
	carol := d.as("carol")
	// the emulator is a little larger than the cap: what is drawn past it would show
	termW, termH := sshd.MaxColumns+100, sshd.MaxRows+40
	sc := d.openSized(carol, 2000, 100, termW, termH)
	sc.want("Carol Diaz")
	sc.waitFrame(sshd.MaxColumns, 100)

	if err := sc.sess.WindowChange(2000, 120); err != nil { // rows, columns
		t.Fatal(err)
	}
	sc.waitFrame(120, sshd.MaxRows)
	if err := sc.sess.WindowChange(5000, 5000); err != nil {
		t.Fatal(err)
	}
	sc.waitFrame(sshd.MaxColumns, sshd.MaxRows)
	if err := sc.sess.WindowChange(30, 100); err != nil { // a small one is as asked
		t.Fatal(err)
	}
	sc.waitFrame(100, 30)

	// memory: a session that asks for 5000×5000 costs what one of the cap's size does
	heap := func() uint64 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	open := func(w, h int) (uint64, *screen) {
		before := heap()
		s := d.openSized(carol, w, h, termW, termH)
		s.want("Carol Diaz")
		s.waitFrame(min(w, sshd.MaxColumns), min(h, sshd.MaxRows))
		s.keys("j") // a frame drawn after a key as well
		time.Sleep(200 * time.Millisecond)
		after := heap()
		return after - min(after, before), s
	}
	atCap, s1 := open(sshd.MaxColumns, sshd.MaxRows)
	huge, s2 := open(5000, 5000)
	t.Logf("heap for a session (and its emulator here): %d KB at %d×%d, %d KB asking 5000×5000",
		atCap>>10, sshd.MaxColumns, sshd.MaxRows, huge>>10)
	if huge > 2*atCap+16<<20 {
		t.Fatalf("a 5000×5000 session holds %d MB of heap, one at the cap %d MB", huge>>20, atCap>>20)
	}
	s1.sess.Close()
	s2.sess.Close()
}

// One operator may have only so many sessions at once: the next is refused, naming the limit
// and what to do, while others still get in; one that ends gives its place back. Operators who
// are not admins leave the last sessions to admins.
func TestSessionsPerOperatorAndKeptForAdmins(t *testing.T) {
	d := newDoor(t, doorOpts{maxSessions: 6, perOperator: 3, forAdmins: 2})
	erin := newSigner(t)
	line := strings.TrimSpace(string(gossh.MarshalAuthorizedKey(erin.PublicKey()))) + " erin@laptop"
	if _, err := d.svc.AddKey(bg, "alice", "erin", line); err != nil {
		t.Fatal(err)
	}
	d.keys["erin"] = erin
	carol := d.as("carol")
	var carols []*screen
	for i := 0; i < 3; i++ {
		sc := d.open(carol, 80, 24)
		sc.want("Carol Diaz")
		carols = append(carols, sc)
	}
	_, errOut, code := run(t, carol, "whoami")
	if code != 1 || !strings.Contains(errOut, "carol has 3 sessions open, the most one operator may have at once (the server allows 6 in all); end one of them") {
		t.Fatalf("carol's fourth session: exit %d, %q", code, errOut)
	}
	// a screen is refused the same way (the line goes to the client's stderr), before any screen
	refused := d.open(d.as("carol"), 80, 24)
	if code := refused.ended(); code != 1 || strings.Contains(refused.text(), "Carol Diaz") {
		t.Fatalf("carol's fourth screen: exit %d\n%s", code, refused.text())
	}
	// another operator gets in, up to the sessions kept for admins
	erins := d.as("erin")
	e1 := d.open(erins, 80, 24)
	e1.want("Erin")
	_, errOut, code = run(t, erins, "whoami")
	if code != 1 || !strings.Contains(errOut, "4 sessions are open; the server allows 6, and the last 2 are kept for admins; try again later") {
		t.Fatalf("erin's session past the admins' share: exit %d, %q", code, errOut)
	}
	// an admin takes them
	alice := d.as("alice")
	a1 := d.open(alice, 80, 24)
	a1.want("Alice Ng")
	if out, errOut, code := run(t, alice, "whoami"); code != 0 || !strings.Contains(out, "alice") {
		t.Fatalf("alice in the admins' share: exit %d, %q %q", code, out, errOut)
	}
	// carol quits a screen, and alice hers: carol has room again, in her limit and outside the
	// admins' share
	for _, sc := range []*screen{carols[0], a1} {
		sc.keys("q")
		if code := sc.ended(); code != 0 {
			t.Fatalf("quit: exit %d", code)
		}
	}
	deadline := time.Now().Add(5 * time.Second)
	for d.srv.Sessions() != 3 { // carol 2, erin 1
		if time.Now().After(deadline) {
			t.Fatalf("%d sessions open after carol quit one", d.srv.Sessions())
		}
		time.Sleep(10 * time.Millisecond)
	}
	if out, errOut, code := run(t, carol, "whoami"); code != 0 || !strings.Contains(out, "carol") {
		t.Fatalf("carol after quitting a screen: exit %d, %q %q", code, out, errOut)
	}
	if !strings.Contains(d.logText(), "refused carol (") {
		t.Fatalf("the door's log does not say carol was refused:\n%s", d.logText())
	}
}

// By default an operator has at most 8 sessions of the 64: a ninth is refused.
func TestDefaultSessionsPerOperator(t *testing.T) {
	d := newDoor(t, doorOpts{})
	carol := d.as("carol")
	for i := 0; i < sshd.DefaultMaxSessionsPerOperator; i++ {
		d.open(carol, 80, 24).want("Carol Diaz")
	}
	_, errOut, code := run(t, carol, "whoami")
	if code != 1 || !strings.Contains(errOut, "carol has 8 sessions open, the most one operator may have at once (the server allows 64 in all)") {
		t.Fatalf("carol's ninth session: exit %d, %q", code, errOut)
	}
	if out, _, code := run(t, d.as("alice"), "whoami"); code != 0 || !strings.Contains(out, "alice") {
		t.Fatalf("alice while carol has 8: exit %d, %q", code, out)
	}
}

// silent is a TCP connection to the door from the address from (127.0.0.x) that sends nothing.
type silent struct {
	t    *testing.T
	conn net.Conn
	r    *bufio.Reader
}

func dialFrom(t *testing.T, d *door, from string) net.Conn {
	t.Helper()
	dialer := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(from)}, Timeout: 5 * time.Second}
	c, err := dialer.Dial("tcp", d.srv.Addr().String())
	if err != nil {
		t.Fatalf("connecting from %s: %v", from, err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func quiet(t *testing.T, d *door, from string) *silent {
	t.Helper()
	c := dialFrom(t, d, from)
	return &silent{t: t, conn: c, r: bufio.NewReader(c)}
}

// line is the next line the server sent (waiting at most 5 s).
func (s *silent) line() string {
	s.t.Helper()
	_ = s.conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	l, err := s.r.ReadString('\n')
	if err != nil {
		s.t.Fatalf("reading a line: %v (got %q)", err, l)
	}
	return l
}

// admitted reads the server's SSH version: the door counts the connection as logging in.
func (s *silent) admitted() *silent {
	s.t.Helper()
	if l := s.line(); !strings.HasPrefix(l, "SSH-2.0-switchboard") {
		s.t.Fatalf("the server said %q, not its version", l)
	}
	return s
}

// closedWithin waits up to wait for the server to close the connection and says whether it did.
func (s *silent) closedWithin(wait time.Duration) bool {
	_ = s.conn.SetReadDeadline(time.Now().Add(wait))
	_, err := io.Copy(io.Discard, s.r)
	if err == nil {
		return true // EOF
	}
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return false
	}
	return true // reset
}

// speak sends an SSH version, as a client does before it stalls, and waits for the server to
// have read it (its key exchange begins).
func (s *silent) speak() {
	s.t.Helper()
	if _, err := io.WriteString(s.conn, "SSH-2.0-stalling\r\n"); err != nil {
		s.t.Fatal(err)
	}
	_ = s.conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := s.r.ReadByte(); err != nil { // the first byte of the server's KEXINIT
		s.t.Fatalf("the server sent nothing after the version: %v", err)
	}
}

// loginFrom signs in as carol from the address from and runs whoami.
func loginFrom(t *testing.T, d *door, from string) error {
	t.Helper()
	c := dialFrom(t, d, from)
	cfg := &gossh.ClientConfig{User: "x", Auth: []gossh.AuthMethod{gossh.PublicKeys(d.keys["carol"])},
		HostKeyCallback: gossh.FixedHostKey(hostKey(t, d.srv)), Timeout: 5 * time.Second}
	sc, chans, reqs, err := gossh.NewClientConn(c, d.srv.Addr().String(), cfg)
	if err != nil {
		return err
	}
	client := gossh.NewClient(sc, chans, reqs)
	defer client.Close()
	out, errOut, code := run(t, client, "whoami")
	if code != 0 || !strings.Contains(out, "carol") {
		t.Fatalf("whoami from %s: exit %d, %q %q", from, code, out, errOut)
	}
	return nil
}

// A connection that does not log in within the login grace time is closed, and stops counting
// against the connections logging in.
func TestLoginGraceTime(t *testing.T) {
	grace := 700 * time.Millisecond
	d := newDoor(t, doorOpts{grace: grace, maxStartups: 2, perSource: 2})
	start := time.Now()
	a, b := quiet(t, d, "127.0.0.1").admitted(), quiet(t, d, "127.0.0.1").admitted()
	b.speak() // one that began the SSH handshake and stalled is closed the same way
	if !a.closedWithin(grace+10*time.Second) || !b.closedWithin(5*time.Second) {
		t.Fatalf("a connection that sent nothing was still open %s after it connected (grace %s)", time.Since(start), grace)
	}
	if el := time.Since(start); el < grace-50*time.Millisecond {
		t.Fatalf("closed after %s, before the grace time %s", el, grace)
	}
	if !strings.Contains(d.logText(), "did not log in within 700ms") {
		t.Fatalf("the door's log does not say why:\n%s", d.logText())
	}
	// their places are free again: a login works, and so does the one after it
	if err := loginFrom(t, d, "127.0.0.1"); err != nil {
		t.Fatal(err)
	}
	if err := loginFrom(t, d, "127.0.0.1"); err != nil {
		t.Fatal(err)
	}
}

// Connections logging in are bounded, from one address and in all: past the limit of one
// address a new one is closed at once with a line saying why, while a login from elsewhere
// works; past the limit in all, a new one takes the place of the oldest that has sent nothing,
// and when every one has begun its handshake it is closed at once.
func TestConnectionsLoggingInAreBounded(t *testing.T) {
	d := newDoor(t, doorOpts{grace: time.Minute, maxStartups: 4, perSource: 2})
	one1, one2 := quiet(t, d, "127.0.0.1").admitted(), quiet(t, d, "127.0.0.1").admitted()
	over := quiet(t, d, "127.0.0.1")
	if l := over.line(); !strings.Contains(l, "switchboard: 2 connections from 127.0.0.1 are still logging in, the most one address may have at once; finish or close those and try again.") {
		t.Fatalf("the third connection from one address was told %q", l)
	}
	if !over.closedWithin(5 * time.Second) {
		t.Fatal("the third connection from one address stayed open")
	}
	if err := loginFrom(t, d, "127.0.0.2"); err != nil {
		t.Fatalf("a login from another address while one address holds its limit: %v", err)
	}
	if !strings.Contains(d.logText(), "refused a connection from 127.0.0.1:") {
		t.Fatalf("the door's log does not say a connection was refused:\n%s", d.logText())
	}

	// in all: 127.0.0.3 takes the last two places; one more from 127.0.0.4 closes the oldest
	// that has sent nothing (one1), not one that has spoken
	three1, three2 := quiet(t, d, "127.0.0.3").admitted(), quiet(t, d, "127.0.0.3").admitted()
	three1.speak()
	four := quiet(t, d, "127.0.0.4").admitted()
	if !one1.closedWithin(5 * time.Second) {
		t.Fatal("the oldest connection that sent nothing was not closed for the new one")
	}
	for _, s := range []*silent{one2, three1, three2, four} {
		if s.closedWithin(100 * time.Millisecond) {
			t.Fatal("a connection other than the oldest silent one was closed")
		}
	}
	if err := loginFrom(t, d, "127.0.0.5"); err != nil { // it takes one2's place, then frees it
		t.Fatalf("a login while the places are held by silent connections: %v", err)
	}
	// every one has spoken: a new one is closed at once
	one2 = quiet(t, d, "127.0.0.1").admitted() // in the place the login gave back
	for _, s := range []*silent{one2, three2, four} {
		s.speak()
	}
	full := quiet(t, d, "127.0.0.6")
	if l := full.line(); !strings.Contains(l, "switchboard: 4 connections are still logging in, the most this server allows at once; try again in a minute.") {
		t.Fatalf("a connection past the limit in all was told %q", l)
	}
	if !full.closedWithin(5 * time.Second) {
		t.Fatal("a connection past the limit in all stayed open")
	}
	// when they go, their places are free
	for _, s := range []*silent{one2, three1, three2, four} {
		s.conn.Close()
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		err := loginFrom(t, d, "127.0.0.1")
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("a login after the stalled connections closed: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
