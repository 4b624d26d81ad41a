package rpc

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"switchboard/inbox"
)

var ctx = context.Background()

func fixture(t *testing.T) []byte {
	t.Helper()
	raw, err := os.ReadFile("../testdata/workspace.json")
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// shortDir is a temp dir with a short path, so the socket path stays within the Unix limit.
func shortDir(t *testing.T) string {
	t.Helper()
	d, err := os.MkdirTemp("", "sbrpc")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(d) })
	return d
}

func TestClientThroughOwnerKeepsErrorKinds(t *testing.T) {
	path := filepath.Join(shortDir(t), "sb.db")
	o, err := Own(path, "serve", testEngine, inbox.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer o.Close(ctx)
	if st, err := os.Stat(o.Socket()); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("socket mode: %v %v", st, err)
	}
	c, err := Connect(path, testEngine, inbox.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if c.Owner == nil || c.Owner.PID != os.Getpid() || c.Owner.Kind != "serve" {
		t.Fatalf("want the socket, got owner %+v", c.Owner)
	}
	if err := c.Import(ctx, "", bytes.NewReader(fixture(t)), false); err != nil {
		t.Fatal(err)
	}
	if who, err := c.DefaultOperator(ctx); err != nil || who != "alice" {
		t.Fatalf("default operator %q %v", who, err)
	}
	_, err = c.SetOwnerRouting(ctx, "carol", false)
	if inbox.KindOf(err) != inbox.Forbidden || err.Error() != "Only admins can change routing settings" {
		t.Fatalf("want the forbidden error across the wire, got %v (%s)", err, inbox.KindOf(err))
	}
	out, err := c.Inject(ctx, inbox.Inbound{Channel: "call", From: "15550002222", Outcome: "missed"})
	if err != nil || out.Prompt == nil {
		t.Fatalf("inject: %+v %v", out, err)
	}
	if _, err := c.Accept(ctx, "alice", "15550002222", "sales"); err != nil {
		t.Fatal(err)
	}
	r, err := c.Reply(ctx, "erin", "15550002222", "on it")
	if err != nil {
		t.Fatal(err)
	}
	if found, err := c.SetDelivery(ctx, r.Entry.ID, "read"); err != nil || !found {
		t.Fatalf("delivery mark: %v %v", found, err)
	}
	if _, err := c.SetDelivery(ctx, r.Entry.ID, "sideways"); inbox.KindOf(err) != inbox.Invalid {
		t.Fatalf("bad delivery status: %v", err)
	}
	if _, err := c.Accept(ctx, "alice", "15550002222", "sales"); inbox.KindOf(err) != inbox.AlreadyDecided {
		t.Fatalf("second accept: %v", err)
	}
	var viaSocket, direct bytes.Buffer
	if err := c.Export(ctx, &viaSocket); err != nil {
		t.Fatal(err)
	}
	if err := o.Service.Export(ctx, &direct); err != nil {
		t.Fatal(err)
	}
	if viaSocket.String() != direct.String() {
		t.Fatal("export through the socket differs from the service's")
	}
	if _, err := Own(path, "tui", testEngine, inbox.Options{}); !errors.Is(err, ErrOwned) {
		t.Fatalf("second owner: %v", err)
	}
}

func TestStaleSocketIsReplaced(t *testing.T) {
	path := filepath.Join(shortDir(t), "sb.db")
	ln, err := net.Listen("unix", SocketPath(path))
	if err != nil {
		t.Fatal(err)
	}
	ln.(*net.UnixListener).SetUnlinkOnClose(false)
	ln.Close() // as if its process crashed
	c, err := Connect(path, testEngine, inbox.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if c.Owner != nil {
		t.Fatal("a stale socket answered")
	}
	c.Close()
	if _, err := os.Stat(SocketPath(path)); !os.IsNotExist(err) {
		t.Fatalf("stale socket left: %v", err)
	}
	ln, _ = net.Listen("unix", SocketPath(path))
	ln.(*net.UnixListener).SetUnlinkOnClose(false)
	ln.Close()
	start := time.Now()
	o, err := Own(path, "serve", testEngine, inbox.Options{})
	if err != nil {
		t.Fatal(err)
	}
	// a stale socket is replaced at once, not after the lock's 2 s timeout: the generous bound
	// keeps a loaded machine from failing it
	if d := time.Since(start); d > 1900*time.Millisecond {
		t.Fatalf("owning over a stale socket took %v (waited for a lock?)", d)
	}
	if _, err := Dial(path); err != nil {
		t.Fatalf("the new owner does not answer: %v", err)
	}
	if err := o.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(SocketPath(path)); !os.IsNotExist(err) {
		t.Fatalf("socket left after Close: %v", err)
	}
}

// Closing the owner while requests are in flight finishes them: every request that reported
// success is in the file afterwards, and the others failed with an error a person can read.
func TestCloseFinishesRequestsInFlight(t *testing.T) {
	path := filepath.Join(shortDir(t), "sb.db")
	o, err := Own(path, "serve", testEngine, inbox.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := o.Service.Import(ctx, "", bytes.NewReader(fixture(t)), false); err != nil {
		t.Fatal(err)
	}
	c, err := Dial(path)
	if err != nil {
		t.Fatal(err)
	}
	const n = 40
	results := make(chan error, n)
	for i := 0; i < n; i++ {
		go func() {
			_, err := c.Inject(ctx, inbox.Inbound{Channel: "message", From: "15550004444", Text: "hello", ExternalID: fmt.Sprintf("wamid.f%d", i)})
			results <- err
		}()
	}
	time.Sleep(2 * time.Millisecond)
	if err := o.Close(ctx); err != nil {
		t.Fatal(err)
	}
	ok := 0
	for i := 0; i < n; i++ {
		err := <-results
		switch {
		case err == nil:
			ok++
		case inbox.KindOf(err) == inbox.Unavailable:
		default:
			t.Errorf("unexpected error: %v (%s)", err, inbox.KindOf(err))
		}
	}
	s, err := openInbox(path, inbox.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	d, err := s.Conversation(ctx, "alice", "15550004444", "", 500)
	if err != nil && ok > 0 {
		t.Fatal(err)
	}
	got := 0
	for _, e := range d.Timeline {
		if e.Kind == "message" {
			got++
		}
	}
	if got != ok {
		t.Fatalf("%d injects reported success, %d are stored", ok, got)
	}
	t.Logf("%d of %d finished before the close", ok, n)
}

// Every API method has a line in the server's table (Export and Import stream instead).
func TestServerKnowsEveryMethod(t *testing.T) {
	api := reflect.TypeFor[API]()
	for i := 0; i < api.NumMethod(); i++ {
		name := api.Method(i).Name
		if _, ok := methods[name]; !ok && name != "Export" && name != "Import" {
			t.Errorf("the server does not serve %s", name)
		}
	}
	if len(methods) != api.NumMethod()-2 {
		t.Errorf("the server serves %d methods, the API has %d (+Export, Import)", len(methods), api.NumMethod()-2)
	}
}
