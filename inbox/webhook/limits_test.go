package webhook

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"switchboard/inbox"
)

// gate is an Inbox whose Inject waits until it is opened, telling when each call arrives.
type gate struct {
	entered chan struct{}
	open    chan struct{}
}

func newGate() *gate { return &gate{entered: make(chan struct{}, 100), open: make(chan struct{})} }

func (g *gate) Inject(ctx context.Context, in inbox.Inbound) (inbox.Outcome, error) {
	g.entered <- struct{}{}
	<-g.open
	return inbox.Outcome{}, nil
}
func (g *gate) EndCall(ctx context.Context, c inbox.CallEnd) (inbox.Outcome, error) {
	return inbox.Outcome{}, nil
}
func (g *gate) SetDeliveryStatus(ctx context.Context, r inbox.DeliveryReq) (bool, error) {
	return false, nil
}
func (g *gate) ChangeNumber(context.Context, inbox.NumberChange) (inbox.Outcome, error) {
	return inbox.Outcome{}, nil
}
func (g *gate) RecordEcho(context.Context, inbox.Echo) (inbox.Outcome, error) {
	return inbox.Outcome{}, nil
}

// paddedPayload is a one-message payload of exactly n bytes (JSON whitespace after it).
func paddedPayload(t *testing.T, id string, n int) []byte {
	t.Helper()
	b := mustJSON(t, payload(messagesChange("15550004444", "Gus", textMsg("15550004444", id, 1764000000, "hi"))))
	if len(b) > n {
		t.Fatalf("payload is %d bytes already", len(b))
	}
	return append(b, bytes.Repeat([]byte(" "), n-len(b))...)
}

// The bodies held at once are capped in bytes: past the cap a POST is answered 503 at once
// (with Retry-After), nothing of it stored, and the server goes on; once room is free, POSTs
// are taken again.
func TestBodiesHeldAtOnceAreCapped(t *testing.T) {
	const size = 100 << 10
	g := newGate()
	h := Handler(g, Options{MaxBodyBytes: 2 * size, BodyWait: -1})
	srv := newTestServer(t, h)
	codes := make(chan int, 4)
	send := func(id string) {
		resp, err := http.Post(srv+Path, "application/json", bytes.NewReader(paddedPayload(t, id, size)))
		if err != nil {
			codes <- -1
			return
		}
		resp.Body.Close()
		codes <- resp.StatusCode
	}
	go send("wamid.1")
	go send("wamid.2")
	<-g.entered
	<-g.entered                                  // two bodies held, reading their events
	c := &http.Client{Timeout: 20 * time.Second} // against a hang only
	resp, err := c.Post(srv+Path, "application/json", bytes.NewReader(paddedPayload(t, "wamid.3", size)))
	if err != nil {
		close(g.open)
		t.Fatalf("a third body past the cap was not refused: %v", err)
	}
	var a answer
	json.NewDecoder(resp.Body).Decode(&a)
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" || !strings.Contains(a.Error, "nothing was stored") {
		t.Fatalf("a third body past the cap: %d %+v", resp.StatusCode, a)
	}
	select {
	case <-g.entered:
		t.Fatal("the refused POST reached the inbox")
	default:
	}
	close(g.open)
	for i := 0; i < 2; i++ {
		if c := <-codes; c != 200 {
			t.Fatalf("a POST within the cap answered %d", c)
		}
	}
	send("wamid.4")
	if c := <-codes; c != 200 {
		t.Fatalf("a POST after room was freed answered %d", c)
	}
}

// newTestServer serves h on loopback with Serve (the connection cap included).
func newTestServer(t *testing.T, h http.Handler) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); Serve(ctx, ln, h) }()
	t.Cleanup(func() { cancel(); <-done })
	return "http://" + ln.Addr().String()
}

// counting is a listener that counts the connections it handed out and the most open at once.
type counting struct {
	net.Listener
	mu             sync.Mutex
	open, max, all int
}

func (c *counting) Accept() (net.Conn, error) {
	conn, err := c.Listener.Accept()
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	c.open++
	c.all++
	c.max = max(c.max, c.open)
	c.mu.Unlock()
	return &countedConn{Conn: conn, c: c}, nil
}

type countedConn struct {
	net.Conn
	c    *counting
	once sync.Once
}

func (cc *countedConn) Close() error {
	cc.once.Do(func() { cc.c.mu.Lock(); cc.c.open--; cc.c.mu.Unlock() })
	return cc.Conn.Close()
}

// Serve keeps at most its connection cap open: the next connection waits in the kernel's queue
// (costing this process no descriptor) until one closes, then is served.
func TestServeCapsConnections(t *testing.T) {
	orig := maxConns
	maxConns = 3 // before Serve starts
	defer func() { maxConns = orig }()
	g := newGate()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cl := &counting{Listener: ln}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan struct{})
	go func() { defer close(served); Serve(ctx, cl, Handler(g, Options{})) }()
	defer func() { cancel(); <-served }()
	url := "http://" + ln.Addr().String() + Path
	var fourthDone atomic.Bool
	codes := make(chan int, 4)
	send := func(i int) {
		c := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}} // a connection each
		resp, err := c.Post(url, "application/json", bytes.NewReader(paddedPayload(t, fmt.Sprint("wamid.c", i), 1000)))
		if i == 3 {
			fourthDone.Store(true)
		}
		if err != nil {
			codes <- -1
			return
		}
		resp.Body.Close()
		codes <- resp.StatusCode
	}
	for i := 0; i < 3; i++ {
		go send(i)
	}
	for i := 0; i < 3; i++ {
		<-g.entered // three connections served and held
	}
	go send(3)
	// a pause for the fourth connection to reach the server if nothing held it back (a slow
	// machine can only make this test pass when it should not, never fail when it should not)
	time.Sleep(200 * time.Millisecond)
	cl.mu.Lock()
	all := cl.all
	cl.mu.Unlock()
	if all != 3 || fourthDone.Load() {
		t.Fatalf("a fourth connection was accepted while three were held (accepted %d)", all)
	}
	close(g.open)
	for i := 0; i < 4; i++ {
		if c := <-codes; c != 200 {
			t.Fatalf("a POST answered %d", c)
		}
	}
	cl.mu.Lock()
	defer cl.mu.Unlock()
	if cl.max > 3 || cl.all != 4 {
		t.Fatalf("%d connections open at most (cap 3), %d in all", cl.max, cl.all)
	}
}

// The answer lists at most MaxSkipped skipped parts and counts the rest.
func TestSkippedListIsBounded(t *testing.T) {
	s := newService(t)
	var msgs []any
	for i := 0; i < 100; i++ {
		msgs = append(msgs, obj{"from": "15550004444", "id": fmt.Sprint("wamid.s", i), "type": "text", "text": "not an object"})
	}
	body := mustJSON(t, payload(obj{"field": "messages", "value": obj{"messaging_product": "whatsapp", "metadata": metadata(), "messages": msgs}}))
	a := wantCode(t, post(t, Handler(s, Options{}), body), 200)
	if len(a.Result.Skipped) != MaxSkipped || a.Result.SkippedMore != 100-MaxSkipped {
		t.Fatalf("skipped %d listed, %d more; want %d and %d", len(a.Result.Skipped), a.Result.SkippedMore, MaxSkipped, 100-MaxSkipped)
	}
	if !strings.Contains(a.Result.String(), "100 skipped") {
		t.Fatalf("summary: %s", a.Result.String())
	}
}

// untouchable is a body that must not be read.
type untouchable struct{ t *testing.T }

func (u untouchable) Read(p []byte) (int, error) {
	u.t.Error("the body of a POST without a usable signature was read")
	return 0, io.EOF
}

// With a secret, a POST without a usable signature header is refused before its body is read
// (or holds room under MaxBodyBytes).
func TestUnsignedPostRefusedBeforeItsBodyIsRead(t *testing.T) {
	h := Handler(newGate(), Options{Secret: "s"})
	for _, hdr := range []string{"", "sha1=abc", "sha256=zz"} {
		r := httptest.NewRequest(http.MethodPost, Path, untouchable{t})
		r.ContentLength = MaxBody
		if hdr != "" {
			r.Header.Set(SignatureHeader, hdr)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != http.StatusUnauthorized {
			t.Fatalf("%q: %d", hdr, w.Code)
		}
	}
}
