package rpc

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
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

// connect reaches the workspace at path acting as as.
func connect(t *testing.T, path, as string) *Conn {
	t.Helper()
	c, err := Connect(path, testEngine, as, inbox.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
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
	setup := connect(t, path, "")
	if setup.Owner == nil || setup.Owner.PID != os.Getpid() || setup.Owner.Kind != "serve" {
		t.Fatalf("want the socket, got owner %+v", setup.Owner)
	}
	if setup.Operator() != "" {
		t.Fatalf("an empty workspace bound %q", setup.Operator())
	}
	if err := setup.Import(ctx, bytes.NewReader(fixture(t)), false); err != nil {
		t.Fatal(err)
	}
	if _, err := Connect(path, testEngine, "zed", inbox.Options{}); inbox.KindOf(err) != inbox.NotFound {
		t.Fatalf("an unknown operator was bound: %v", err)
	}
	if who := connect(t, path, "").Operator(); who != "alice" {
		t.Fatalf("the default operator is %q", who)
	}
	carol, alice, erin := connect(t, path, "carol"), connect(t, path, "alice"), connect(t, path, "erin")
	_, err = inbox.OpSetOwnerRouting.Call(ctx, carol, inbox.ToggleReq{On: false})
	if inbox.KindOf(err) != inbox.Forbidden || err.Error() != "Only admins can change routing settings" {
		t.Fatalf("want the forbidden error across the wire, got %v (%s)", err, inbox.KindOf(err))
	}
	who, err := inbox.OpWhoAmI.Call(ctx, carol, inbox.None{})
	if err != nil || who.Operator != "carol" {
		t.Fatalf("carol's connection acts as %+v (%v)", who, err)
	}
	if ok, why := who.Capabilities.Can(inbox.CapChangeRouting); ok || why == "" {
		t.Fatalf("carol may change routing? %v %q", ok, why)
	}
	out, err := inbox.OpInject.Call(ctx, carol, inbox.Inbound{Channel: "message", From: "15550002222", Text: "still there?"})
	if err != nil || out.Prompt == nil {
		t.Fatalf("inject: %+v %v", out, err)
	}
	if _, err := inbox.OpAccept.Call(ctx, alice, inbox.AnswerReq{Contact: "15550002222", Team: "sales"}); err != nil {
		t.Fatal(err)
	}
	r, err := inbox.OpReply.Call(ctx, erin, inbox.ReplyReq{Contact: "15550002222", Text: "on it"})
	if err != nil || r.Entry.By != "erin" {
		t.Fatalf("erin's reply: %+v %v", r.Entry, err)
	}
	if found, err := inbox.OpSetDelivery.Call(ctx, erin, inbox.DeliveryReq{ID: r.Entry.ID, Status: "read"}); err != nil || !found {
		t.Fatalf("delivery mark: %v %v", found, err)
	}
	if _, err := inbox.OpSetDelivery.Call(ctx, erin, inbox.DeliveryReq{ID: r.Entry.ID, Status: "sideways"}); inbox.KindOf(err) != inbox.Invalid {
		t.Fatalf("bad delivery status: %v", err)
	}
	if _, err := inbox.OpAccept.Call(ctx, alice, inbox.AnswerReq{Contact: "15550002222", Team: "sales"}); inbox.KindOf(err) != inbox.AlreadyDecided {
		t.Fatalf("second accept: %v", err)
	}
	var viaSocket, direct bytes.Buffer
	if err := alice.Export(ctx, &viaSocket); err != nil {
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

// A request names no one: who acts is what the connection was bound as. A request on a
// connection that never said who it acts as is refused before it runs.
func TestWhoActsIsTheConnectionsNotTheRequests(t *testing.T) {
	path := filepath.Join(shortDir(t), "sb.db")
	o, err := Own(path, "serve", testEngine, inbox.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer o.Close(ctx)
	if err := o.Service.Import(ctx, "", bytes.NewReader(fixture(t)), false); err != nil {
		t.Fatal(err)
	}
	before := new(bytes.Buffer)
	o.Service.Export(ctx, before)
	// an unbound connection (no /v1/session): refused
	raw := newHTTPClient(o.Socket())
	defer raw.CloseIdleConnections()
	resp, err := raw.Post("http://switchboard/v1/call/SetOwnerRouting", "application/json", bytes.NewReader([]byte(`{"on":false,"by":"alice"}`)))
	if err != nil {
		t.Fatal(err)
	}
	var body struct{ Error *wireError }
	json.NewDecoder(resp.Body).Decode(&body)
	resp.Body.Close()
	if body.Error == nil || !strings.Contains(body.Error.Msg, "has not said who it acts as") {
		t.Fatalf("an unbound call: %+v", body.Error)
	}
	// a "by" in the request changes nothing: carol's connection stays carol's
	carol := connect(t, path, "carol")
	var res any
	err = carol.Call(ctx, "SetOwnerRouting", map[string]any{"on": false, "by": "alice"}, &res)
	if inbox.KindOf(err) != inbox.Forbidden {
		t.Fatalf("a by field in the request: %v", err)
	}
	after := new(bytes.Buffer)
	o.Service.Export(ctx, after)
	if before.String() != after.String() {
		t.Fatal("a refused request changed the workspace")
	}
}

// Events reach a client through the socket: what another connection changes is heard, and a
// change made after Events returned is never missed.
func TestEventsThroughTheSocket(t *testing.T) {
	path := filepath.Join(shortDir(t), "sb.db")
	o, err := Own(path, "serve", testEngine, inbox.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer o.Close(ctx)
	if err := o.Service.Import(ctx, "", bytes.NewReader(fixture(t)), false); err != nil {
		t.Fatal(err)
	}
	carol, dana := connect(t, path, "carol"), connect(t, path, "dana")
	ectx, cancel := context.WithCancel(ctx)
	defer cancel()
	events, err := carol.Events(ectx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := inbox.OpAssign.Call(ctx, dana, inbox.AssignReq{Contact: "15550001111", To: "carol"}); err != nil {
		t.Fatal(err)
	}
	deadline := time.After(10 * time.Second)
	for {
		select {
		case e := <-events:
			if e.Kind == inbox.EventConversation && e.Contact == "15550001111" && e.Actor == "dana" && e.Assignee == "carol" {
				cancel()
				for range events { // the stream closes when its context ends
				}
				return
			}
		case <-deadline:
			t.Fatal("carol never heard dana's assignment")
		}
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
	c, err := Connect(path, testEngine, "", inbox.Options{})
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
	if _, err := Dial(path, ""); err != nil {
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
	c, err := Dial(path, "carol")
	if err != nil {
		t.Fatal(err)
	}
	const n = 40
	results := make(chan error, n)
	for i := 0; i < n; i++ {
		go func() {
			_, err := inbox.OpInject.Call(ctx, c, inbox.Inbound{Channel: "message", From: "15550004444", Text: "hello", ExternalID: fmt.Sprintf("wamid.f%d", i)})
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

// Every operation of the inbox's API is served through the socket: a call of each by name
// reaches the inbox (whatever it answers, it is not "unknown operation").
func TestServerServesEveryOperation(t *testing.T) {
	path := filepath.Join(shortDir(t), "sb.db")
	o, err := Own(path, "serve", testEngine, inbox.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer o.Close(ctx)
	if err := o.Service.Import(ctx, "", bytes.NewReader(fixture(t)), false); err != nil {
		t.Fatal(err)
	}
	c := connect(t, path, "carol") // an operator: the admin operations are refused, not unknown
	ops := inbox.Ops()
	if len(ops) < 40 {
		t.Fatalf("only %d operations", len(ops))
	}
	for _, name := range ops {
		var res json.RawMessage
		err := c.Call(ctx, name, json.RawMessage(`{}`), &res)
		if err != nil && strings.Contains(err.Error(), "Unknown operation") {
			t.Errorf("%s is not served: %v", name, err)
		}
	}
	if err := c.Call(ctx, "NoSuchThing", json.RawMessage(`{}`), nil); err == nil || !strings.Contains(err.Error(), "Unknown operation") {
		t.Fatalf("an unknown operation: %v", err)
	}
}

// Text that is not valid UTF-8 is refused by the client through the socket as the service refuses
// it opened directly (encoding/json would have sent it as U+FFFD, and the owner stored the
// changed text), and nothing is sent.
func TestInvalidUTF8IsRefusedThroughTheSocket(t *testing.T) {
	path := filepath.Join(shortDir(t), "sb.db")
	o, err := Own(path, "serve", testEngine, inbox.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer o.Close(ctx)
	c := connect(t, path, "")
	if err := c.Import(ctx, bytes.NewReader(fixture(t)), false); err != nil {
		t.Fatal(err)
	}
	c = connect(t, path, "alice")
	var before bytes.Buffer
	if err := c.Export(ctx, &before); err != nil {
		t.Fatal(err)
	}
	for name, in := range map[string]inbox.Inbound{
		"name": {Channel: "message", From: "15557900002", Name: "Bad\xffName", Text: "ok"},
		"text": {Channel: "message", From: "15557900002", Text: "body\xff\xfeend"},
	} {
		_, err := inbox.OpInject.Call(ctx, c, in)
		if inbox.KindOf(err) != inbox.Invalid || !strings.Contains(err.Error(), "The "+strings.ToLower(name)+" is not valid UTF-8 text") {
			t.Fatalf("%s: %v", name, err)
		}
	}
	var after bytes.Buffer
	if err := c.Export(ctx, &after); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(before.Bytes(), after.Bytes()) {
		t.Fatal("invalid UTF-8 through the socket changed the workspace")
	}
	if _, err := inbox.OpInject.Call(ctx, c, inbox.Inbound{Channel: "message", From: "15557900002", Name: "Olá 🧟", Text: "ok"}); err != nil {
		t.Fatalf("valid text refused: %v", err)
	}
}
