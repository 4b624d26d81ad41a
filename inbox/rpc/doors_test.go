package rpc

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"switchboard/inbox"
)

// plant listens on the socket path as something that is not a switchboard owner would: it
// counts what reaches it.
func plant(t *testing.T, sock string) *net.UnixListener {
	t.Helper()
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	return ln.(*net.UnixListener)
}

// nothingReached checks that no connection reached the planted listener.
func nothingReached(t *testing.T, ln *net.UnixListener) {
	t.Helper()
	ln.SetDeadline(time.Now()) // a connection made before now is already in the backlog
	if c, err := ln.Accept(); err == nil {
		c.Close()
		t.Fatal("the client connected to a socket it should have refused")
	}
}

// A socket file another user owns is refused before anything is sent to it, with a sentence
// saying why and what to do; the command does not fall back to the file either.
func TestSocketOwnedByAnotherUserIsRefused(t *testing.T) {
	check := func(t *testing.T, path string, ln *net.UnixListener) {
		t.Helper()
		c, err := Connect(path, testEngine, "", inbox.Options{})
		if err == nil {
			c.Close()
			t.Fatal("connected through another user's socket")
		}
		var fe *ForeignSocketError
		if !errors.As(err, &fe) || !strings.Contains(err.Error(), SocketPath(path)+" is owned by another user") ||
			!strings.Contains(err.Error(), "nothing was sent to it") {
			t.Fatalf("refusal: %v", err)
		}
		nothingReached(t, ln)
		if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("the database was opened anyway: %v", err)
		}
		if _, err := Own(path, "serve", testEngine, inbox.Options{}); !errors.As(err, &fe) {
			t.Fatalf("an owner starting beside it: %v", err)
		}
	}
	t.Run("as another uid", func(t *testing.T) {
		path := filepath.Join(shortDir(t), "sb.db")
		ln := plant(t, SocketPath(path))
		orig := myUID
		myUID = func() int { return orig() + 4242 } // this process stands for someone else
		defer func() { myUID = orig }()
		check(t, path, ln)
	})
	t.Run("chowned", func(t *testing.T) {
		if os.Getuid() != 0 {
			t.Skip("only root can give a file to another user (CI runs as root)")
		}
		dir := shortDir(t)
		os.Chmod(dir, 0o777) // a shared folder
		path := filepath.Join(dir, "sb.db")
		ln := plant(t, SocketPath(path))
		if err := os.Chown(SocketPath(path), 65534, 65534); err != nil {
			t.Fatal(err)
		}
		check(t, path, ln)
	})
}

// A socket file of ours served by another user's process (SO_PEERCRED) is refused after the
// connection and before a byte is sent.
func TestSocketServedByAnotherUserIsRefused(t *testing.T) {
	path := filepath.Join(shortDir(t), "sb.db")
	ln := plant(t, SocketPath(path))
	orig := peerUIDOf
	peerUIDOf = func(c net.Conn) (int, error) { return myUID() + 4242, nil }
	defer func() { peerUIDOf = orig }()
	got := make(chan []byte, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			got <- nil
			return
		}
		c.SetDeadline(time.Now().Add(20 * time.Second)) // against a hang only
		b, _ := io.ReadAll(c)
		c.Close()
		got <- b
	}()
	_, err := Connect(path, testEngine, "", inbox.Options{})
	if !strings.Contains(err.Error(), "is served by a process of another user") {
		t.Fatalf("refusal: %v", err)
	}
	if b := <-got; len(b) != 0 {
		t.Fatalf("the client sent %q to a socket of another user", b)
	}
}

// The owner closes, unanswered, a connection from another user.
func TestOwnerClosesConnectionsOfAnotherUser(t *testing.T) {
	path := filepath.Join(shortDir(t), "sb.db")
	orig := peerUIDOf
	peerUIDOf = func(c net.Conn) (int, error) { return myUID() + 4242, nil }
	o, err := Own(path, "serve", testEngine, inbox.Options{})
	peerUIDOf = orig
	if err != nil {
		t.Fatal(err)
	}
	defer o.Close(ctx)
	c, err := net.Dial("unix", o.Socket())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(20 * time.Second)) // against a hang only
	fmt.Fprintf(c, "GET /v1/ping HTTP/1.1\r\nHost: switchboard\r\n\r\n")
	b, _ := io.ReadAll(c)
	if len(b) != 0 {
		t.Fatalf("the owner answered another user: %q", b)
	}
}

// An owner whose socket file is deleted makes it again, so commands beside it keep reaching
// it; when a stale socket took its place, that is replaced too; when it stops it removes only
// its own socket.
func TestOwnerRemakesItsSocket(t *testing.T) {
	orig := socketCheckEvery
	socketCheckEvery = 10 * time.Millisecond
	defer func() { socketCheckEvery = orig }()
	path := filepath.Join(shortDir(t), "sb.db")
	o, err := Own(path, "serve", testEngine, inbox.Options{})
	if err != nil {
		t.Fatal(err)
	}
	// a command started while the socket is gone waits for the file's lock (2 s), then finds
	// the socket made again
	reachable := func(why string) {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second) // the check runs every 10 ms; this only ends a hang
		for {
			c, err := Connect(path, testEngine, "", inbox.Options{})
			if err == nil && c.Owner != nil && c.Owner.PID == os.Getpid() {
				if _, err := inbox.OpInject.Call(ctx, c, inbox.Inbound{Channel: "message", From: "15550004444", Text: why}); err != nil {
					t.Fatalf("%s: %v", why, err)
				}
				c.Close()
				return
			}
			if err == nil {
				c.Close()
				t.Fatalf("%s: a command opened the file itself while the owner runs", why)
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: the socket was not made again: %v", why, err)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	reachable("at start")
	if err := os.Remove(o.Socket()); err != nil {
		t.Fatal(err)
	}
	reachable("after the socket was deleted")
	var ln net.Listener
	for try := 0; ln == nil; try++ { // the owner may make its socket again between the two steps
		os.Remove(o.Socket())
		l, err := net.Listen("unix", o.Socket())
		if err != nil && try == 100 {
			t.Fatal(err)
		}
		ln = l
	}
	ln.(*net.UnixListener).SetUnlinkOnClose(false)
	ln.Close()                                   // a stale socket in its place
	deadline := time.Now().Add(30 * time.Second) // against a hang only
	for {
		c, err := Dial(path, "")
		if err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("a stale socket in its place was not replaced: %v", err)
		}
		time.Sleep(5 * time.Millisecond)
	}
	// someone else's file in its place at the end is left there
	o.mu.Lock() // keep the check from making it again between the removal and the file
	os.Remove(o.Socket())
	os.WriteFile(o.Socket(), []byte("not ours"), 0o600)
	o.mu.Unlock()
	if err := o.ensureSocket(); err == nil || !strings.Contains(err.Error(), "no longer a socket") {
		t.Fatalf("a file in its place: %v", err)
	}
	if err := o.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(o.Socket()); err != nil || string(b) != "not ours" {
		t.Fatalf("Close removed a file it had not made: %q %v", b, err)
	}
}

// A request's arguments are capped in size, and cut when they stall; the owner stays up.
func TestRequestBodyIsCappedAndTimed(t *testing.T) {
	// set before the owner starts, so its goroutines see them
	origT, origMax := requestReadTimeout, MaxRequestBody
	requestReadTimeout, MaxRequestBody = time.Second, 1000
	defer func() { requestReadTimeout, MaxRequestBody = origT, origMax }()
	path := filepath.Join(shortDir(t), "sb.db")
	o, err := Own(path, "serve", testEngine, inbox.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer o.Close(ctx)
	c, err := Dial(path, "")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	big := bytes.Repeat([]byte(" "), int(MaxRequestBody)+10)
	resp, err := c.do(ctx, http.MethodPost, "call/Reply", bytes.NewReader(big))
	if err != nil {
		t.Fatal(err)
	}
	err = decodeInto(c, resp, nil)
	if inbox.KindOf(err) != inbox.Invalid || !strings.Contains(err.Error(), fmt.Sprintf("The request is over %d bytes", MaxRequestBody)) {
		t.Fatalf("a request over the cap: %v", err)
	}
	// a body that stops half-way
	raw, err := net.Dial("unix", o.Socket())
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	raw.SetDeadline(time.Now().Add(30 * time.Second)) // against a hang only
	fmt.Fprintf(raw, "POST /v1/session HTTP/1.1\r\nHost: switchboard\r\nContent-Length: 100\r\n\r\n{\"as\":")
	r, err := http.ReadResponse(bufio.NewReader(raw), nil)
	if err != nil {
		t.Fatalf("no answer to a stalled request: %v", err)
	}
	body, _ := io.ReadAll(r.Body)
	if r.StatusCode != http.StatusBadRequest || !strings.Contains(string(body), "stopped arriving") {
		t.Fatalf("a stalled request: %d %s", r.StatusCode, body)
	}
	if _, err := inbox.OpWhoAmI.Call(ctx, c, inbox.None{}); err != nil {
		t.Fatalf("the owner is not up after bad requests: %v", err)
	}
}

// An import through the socket has its own cap, and is cut when its body stalls; either way
// nothing changes. While its body arrives, other writers are not held up (the document is read
// before its one transaction starts).
func TestImportThroughTheSocketHasItsOwnLimits(t *testing.T) {
	origIdle, origMax := streamIdleTimeout, MaxImportBody
	// set before the owner starts, so its goroutines see them
	streamIdleTimeout, MaxImportBody = time.Second, int64(len(fixture(t))/2)
	defer func() { streamIdleTimeout, MaxImportBody = origIdle, origMax }()
	path := filepath.Join(shortDir(t), "sb.db")
	o, err := Own(path, "serve", testEngine, inbox.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer o.Close(ctx)
	doc := fixture(t)
	if err := o.Service.Import(ctx, "", bytes.NewReader(doc), false); err != nil {
		t.Fatal(err)
	}
	c, err := Dial(path, "alice")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var before bytes.Buffer
	o.Service.Export(ctx, &before)
	unchanged := func(what string) {
		t.Helper()
		var after bytes.Buffer
		o.Service.Export(ctx, &after)
		if !bytes.Equal(before.Bytes(), after.Bytes()) {
			t.Fatalf("%s changed the workspace", what)
		}
	}

	// a body that stalls half-way; meanwhile another command goes through
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() { done <- c.Import(ctx, pr, true) }()
	pw.Write(doc[:len(doc)/3])
	ictx, cancel := context.WithTimeout(ctx, 30*time.Second) // against a hang only
	defer cancel()
	c2, err := Dial(path, "")
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	if _, err := inbox.OpInject.Call(ictx, c2, inbox.Inbound{Channel: "message", From: "15550004444", Text: "while the import arrives"}); err != nil {
		t.Fatalf("a command while an import's body arrives: %v", err)
	}
	before.Reset()
	o.Service.Export(ctx, &before)
	select { // the body stalls: cut after streamIdleTimeout
	case err = <-done:
	case <-time.After(30 * time.Second): // against a hang only
		pw.Close()
		t.Fatal("a stalled import was not cut off")
	}
	pw.Close()
	if inbox.KindOf(err) != inbox.Invalid || !strings.Contains(err.Error(), "stopped arriving") {
		t.Fatalf("a stalled import: %v", err)
	}
	unchanged("a stalled import")

	err = c.Import(ctx, bytes.NewReader(doc), true)
	if inbox.KindOf(err) != inbox.Invalid || !strings.Contains(err.Error(), fmt.Sprintf("The document is over %d bytes", MaxImportBody)) {
		t.Fatalf("an import over the cap: %v", err)
	}
	unchanged("an import over the cap")
}
