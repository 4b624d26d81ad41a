package rpc

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"reflect"
	"strings"
	"sync"
	"syscall"
	"time"
	"unicode/utf8"

	"switchboard/inbox"
)

// Client is a session in the process that owns a database, reached through its socket: an
// inbox.Conn. Every connection it opens says first who it acts as (the operator the door
// decided: --as, or the workspace's first admin), so the owner runs each request on that
// operator's session.
type Client struct {
	sock     string
	owner    Info
	as       string // who each connection binds as
	operator string // who the owner bound it as
	hc       *http.Client
}

var _ inbox.Conn = (*Client)(nil)

var errNoOwner = errors.New("no switchboard process owns the database")

func newHTTPClient(sock string) *http.Client { return newSessionClient(sock, nil) }

// newSessionClient is an HTTP client of the socket whose every new connection is bound first:
// bind (nil for none: pings only) runs on the raw connection before any request of the client
// does.
func newSessionClient(sock string, bind func(net.Conn) error) *http.Client {
	return &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			c, err := dialOwner(ctx, sock)
			if err != nil || bind == nil {
				return c, err
			}
			if err := bind(c); err != nil {
				c.Close()
				return nil, err
			}
			return c, nil
		},
		MaxIdleConns:    2, // the calls' connection and the events'
		IdleConnTimeout: 30 * time.Second,
	}}
}

// ping asks the socket's process who it is. errNoOwner: nobody listens (no socket file, or a
// stale one whose process is gone). A socket of another user is refused (*ForeignSocketError)
// before anything is sent to it.
func ping(sock string) (Info, error) {
	if len(sock) > maxSocketPath {
		return Info{}, errNoOwner
	}
	conn, err := dialOwner(context.Background(), sock)
	if err != nil {
		var fe *ForeignSocketError
		if errors.As(err, &fe) {
			return Info{}, err
		}
		if errors.Is(err, os.ErrNotExist) || errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ENOENT) {
			return Info{}, errNoOwner
		}
		return Info{}, fmt.Errorf("cannot connect to %s: %v", sock, err)
	}
	conn.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://switchboard/v1/ping", nil)
	hc := newHTTPClient(sock)
	defer hc.CloseIdleConnections()
	resp, err := hc.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return Info{}, fmt.Errorf("a process listens on %s but does not answer (is it suspended?); bring it back or stop it", sock)
		}
		return Info{}, fmt.Errorf("cannot talk to the switchboard process on %s: %v", sock, err)
	}
	defer resp.Body.Close()
	var info Info
	if err := json.NewDecoder(resp.Body).Decode(&info); err != nil || info.PID == 0 {
		return Info{}, fmt.Errorf("the process listening on %s is not a switchboard process; stop it, or remove the socket", sock)
	}
	return info, nil
}

// Dial connects to the owner of the database at dbPath, acting as as ("" for the workspace's
// first admin); errors.Is(err, ErrNoOwner) when none runs. An operator the workspace does not
// have is refused (an *inbox.Error of kind NotFound).
func Dial(dbPath, as string) (*Client, error) {
	sock := SocketPath(dbPath)
	info, err := ping(sock)
	if err != nil {
		return nil, err
	}
	c := &Client{sock: sock, owner: info, as: as}
	c.hc = newSessionClient(sock, c.bind)
	// the first connection, bound now: who the owner says we are
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var who inbox.SessionInfo
	if err := c.Call(ctx, inbox.OpWhoAmI.Name, inbox.None{}, &who); err != nil {
		c.Close()
		return nil, err
	}
	c.operator = who.Operator
	return c, nil
}

// bind says on a new connection who it acts as, before anything else is sent on it.
func (c *Client) bind(conn net.Conn) error {
	body, _ := json.Marshal(bindRequest{As: c.as})
	req, _ := http.NewRequest(http.MethodPost, "http://switchboard/v1/session", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	defer conn.SetDeadline(time.Time{})
	if err := req.Write(conn); err != nil {
		return fmt.Errorf("cannot tell %s who acts: %v", c.owner.Describe(), err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), req)
	if err != nil {
		return fmt.Errorf("no answer from %s to who acts: %v", c.owner.Describe(), err)
	}
	_, err = decodeAs[inbox.SessionInfo](c, resp)
	return err
}

// ErrNoOwner is what Dial returns when no process owns the database.
var ErrNoOwner = errNoOwner

// Owner describes the process the client talks to.
func (c *Client) Owner() Info { return c.owner }

// Operator is who the owner runs this client's requests as ("" in a workspace with no admin).
func (c *Client) Operator() string { return c.operator }

// Close releases the connections.
func (c *Client) Close() error {
	c.hc.CloseIdleConnections()
	return nil
}

func (c *Client) lost(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	var ie *inbox.Error
	if errors.As(err, &ie) {
		return ie // the owner refused who we act as
	}
	return &inbox.Error{Kind: inbox.Unavailable, Msg: fmt.Sprintf(
		"lost the connection to %s serving %s (%v); it may have stopped: check whether your change was made, then run the command again",
		c.owner.Describe(), c.owner.Path, err)}
}

func (c *Client) do(ctx context.Context, method, path string, body io.Reader) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, method, "http://switchboard/v1/"+path, body)
	if err != nil {
		return nil, err
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, c.lost(ctx, err)
	}
	return resp, nil
}

func decodeAs[T any](c *Client, resp *http.Response) (T, error) {
	var out T
	err := decodeInto(c, resp, &out)
	return out, err
}

// decodeInto reads an answer: its result into out, or its error.
func decodeInto(c *Client, resp *http.Response, out any) error {
	defer resp.Body.Close()
	var r struct {
		Result json.RawMessage `json:"result"`
		Error  *wireError      `json:"error"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		return &inbox.Error{Kind: inbox.Internal, Msg: fmt.Sprintf("unreadable answer from %s: %v", c.owner.Describe(), err)}
	}
	if r.Error != nil {
		return r.Error.err()
	}
	if len(r.Result) > 0 && string(r.Result) != "null" && out != nil {
		if err := json.Unmarshal(r.Result, out); err != nil {
			return &inbox.Error{Kind: inbox.Internal, Msg: fmt.Sprintf("unreadable answer from %s: %v", c.owner.Describe(), err)}
		}
	}
	return nil
}

// Call runs the operation named op in the owner, on this client's session.
func (c *Client) Call(ctx context.Context, op string, req, res any) error {
	// encoding/json would send invalid UTF-8 as U+FFFD, and the owner store the changed text
	// where the file itself, opened by this process, refuses it: refused here the same way
	if field, bad := invalidText(reflect.ValueOf(req), "", map[uintptr]bool{}); bad {
		return &inbox.Error{Kind: inbox.Invalid, Msg: fmt.Sprintf("The %s is not valid UTF-8 text: nothing was sent", field)}
	}
	raw, err := json.Marshal(req)
	if err != nil {
		return err
	}
	resp, err := c.do(ctx, http.MethodPost, "call/"+op, bytes.NewReader(raw))
	if err != nil {
		return err
	}
	return decodeInto(c, resp, res)
}

// Events streams the owner's change events until ctx ends (the channel is then closed; also
// when the owner stops). It returns once the stream is live: a change made after it returns
// is heard.
func (c *Client) Events(ctx context.Context) (<-chan inbox.Event, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://switchboard/v1/events", nil)
	if err != nil {
		return nil, err
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, c.lost(ctx, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, decodeInto(c, resp, nil)
	}
	dec := json.NewDecoder(resp.Body)
	var hello inbox.Event
	if err := dec.Decode(&hello); err != nil || hello.Kind != inbox.EventHello {
		resp.Body.Close()
		return nil, c.lost(ctx, fmt.Errorf("the event stream did not start (%v)", err))
	}
	ch := make(chan inbox.Event, 256)
	go func() {
		defer close(ch)
		defer resp.Body.Close()
		lagged := false
		for {
			var e inbox.Event
			if err := dec.Decode(&e); err != nil {
				return
			}
			if lagged { // the reader fell behind here too: one reload stands for what it missed
				select {
				case ch <- inbox.Event{Kind: inbox.EventReload}:
					lagged = false
				default:
					continue
				}
			}
			select {
			case ch <- e:
			default:
				lagged = true
			}
		}
	}()
	return ch, nil
}

// Export streams the workspace document into w.
func (c *Client) Export(ctx context.Context, w io.Writer) error {
	resp, err := c.do(ctx, http.MethodGet, "export", nil)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return decodeInto(c, resp, nil)
	}
	defer resp.Body.Close()
	if _, err := io.Copy(w, resp.Body); err != nil {
		return c.lost(ctx, err)
	}
	if t := resp.Trailer.Get(errTrailer); t != "" {
		raw, _ := base64.StdEncoding.DecodeString(t)
		var we wireError
		if json.Unmarshal(raw, &we) == nil && we.Msg != "" {
			return we.err()
		}
		return &inbox.Error{Kind: inbox.Internal, Msg: "the export failed in " + c.owner.Describe()}
	}
	return nil
}

// Import sends a workspace document.
func (c *Client) Import(ctx context.Context, r io.Reader, replace bool) error {
	path := "import"
	if replace {
		path += "?replace=1"
	}
	resp, err := c.do(ctx, http.MethodPost, path, r)
	if err != nil {
		return err
	}
	return decodeInto(c, resp, nil)
}

// ---- connecting ----

// Conn is how a command reaches the workspace: a session (here, or in the owner), and where.
type Conn struct {
	inbox.Conn
	// Owner is set when the requests go to the process that owns the file; nil when this
	// process opened the file itself.
	Owner *Info
	Path  string // the database file (absolute)
	close func() error
}

// Close closes the file (when opened here) or the connection.
func (c *Conn) Close() error { return c.close() }

// Engine is what the doors need of storage: how to open a workspace's store (main wires the
// engine in; the doors never import one).
type Engine struct {
	// Open opens the workspace at path (giving up after a short wait when another process
	// holds it, with an error that is InUse).
	Open func(path string) (inbox.Store, error)
	// InUse is what Open's error is (errors.Is) when another process holds the workspace.
	InUse error
}

// service opens the workspace at path and starts its inbox.
func (e Engine) service(path string, opt inbox.Options) (*inbox.Service, error) {
	if e.Open == nil {
		return nil, errors.New("no storage engine was wired in")
	}
	st, err := e.Open(path)
	if err != nil {
		return nil, err
	}
	svc, err := inbox.New(st, opt)
	if err != nil {
		st.Close()
		return nil, err
	}
	return svc, nil
}

func (e Engine) inUse(err error) bool { return e.InUse != nil && errors.Is(err, e.InUse) }

// Connect reaches the database at path: through the owner's socket when a switchboard process
// owns it, otherwise by opening the file here (the engine gives up after two seconds when the
// file stays in use). A socket whose process is gone is removed.
//
// as is who acts ("" for the workspace's first admin): the local door trusts it, as whoever can
// open the file can do anything to it.
func Connect(path string, eng Engine, as string, opt inbox.Options) (*Conn, error) {
	abs, err := Resolve(path)
	if err != nil {
		return nil, err
	}
	viaSocket := func() (*Conn, error) {
		c, err := Dial(abs, as)
		if err != nil {
			return nil, err
		}
		info := c.Owner()
		return &Conn{Conn: c, Owner: &info, Path: Redact(abs), close: c.Close}, nil
	}
	if c, err := viaSocket(); err == nil {
		return c, nil
	} else if !errors.Is(err, errNoOwner) {
		return nil, err
	}
	svc, err := eng.service(abs, opt)
	if err != nil {
		if eng.inUse(err) {
			// an owner may have been starting up while we waited
			if c, derr := viaSocket(); derr == nil {
				return c, nil
			}
		}
		return nil, err
	}
	// We hold the file's lock, so no owner is alive: a socket file of ours beside it is stale.
	// (Not so with a read-only file: its lock is shared, and a reader may own it; nor with a
	// database server's workspace, which has no lock: many processes open it at once.)
	sock := SocketPath(abs)
	if st, err := os.Lstat(sock); err == nil && st.Mode()&os.ModeSocket != 0 && fileUID(st) == myUID() && !svc.ReadOnly() && !IsURL(abs) {
		os.Remove(sock)
	}
	sess, err := svc.SessionFor(as)
	if err != nil {
		svc.Close()
		return nil, err
	}
	return &Conn{Conn: sess, Path: Redact(abs), close: svc.Close}, nil
}

// OwnerOf says which process owns the database at dbPath (errors.Is(err, ErrNoOwner) when
// none), without acting in it.
func OwnerOf(dbPath string) (Info, error) { return ping(SocketPath(dbPath)) }

// Attached is a connection a door already holds (an SSH session's, bound to its key's
// operator) as a command's connection to the workspace at path; closing it closes nothing.
func Attached(c inbox.Conn, path string) *Conn {
	return &Conn{Conn: c, Path: path, close: func() error { return nil }}
}

// invalidText finds a string in v that is not valid UTF-8 and names where it is (its JSON
// field names, or "text" at the top).
func invalidText(v reflect.Value, where string, seen map[uintptr]bool) (string, bool) {
	switch v.Kind() {
	case reflect.String:
		if !utf8.ValidString(v.String()) {
			if where == "" {
				where = "text"
			}
			return where, true
		}
	case reflect.Pointer:
		if !v.IsNil() && !seen[v.Pointer()] { // a pointer seen before is not walked again (a cycle)
			seen[v.Pointer()] = true
			return invalidText(v.Elem(), where, seen)
		}
	case reflect.Interface:
		if !v.IsNil() {
			return invalidText(v.Elem(), where, seen)
		}
	case reflect.Struct:
		t := v.Type()
		for i := range t.NumField() {
			f := t.Field(i)
			if !f.IsExported() && !(f.Anonymous && f.Type.Kind() == reflect.Struct) {
				continue // (an embedded struct's exported fields are sent even when it is not)
			}
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "" || name == "-" {
				name = strings.ToLower(f.Name)
			}
			if !f.Anonymous {
				name = strings.TrimPrefix(where+" "+name, " ")
			} else {
				name = where
			}
			if w, bad := invalidText(v.Field(i), name, seen); bad {
				return w, true
			}
		}
	case reflect.Slice, reflect.Array:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			return "", false // bytes are sent as base64
		}
		for i := range v.Len() {
			if w, bad := invalidText(v.Index(i), where, seen); bad {
				return w, true
			}
		}
	case reflect.Map:
		it := v.MapRange()
		for it.Next() {
			if w, bad := invalidText(it.Key(), where, seen); bad {
				return w, true
			}
			if w, bad := invalidText(it.Value(), where, seen); bad {
				return w, true
			}
		}
	}
	return "", false
}

// AttendScreen says a terminal inbox is open on this connection's operator (inbox.Screener):
// the owner counts it as a session, as it counts an SSH session, until Leave or this process's
// end. The client says it is there every attendKeepAlive and sends each key press; when the
// owner ends the attendance without a Leave (the screen was suspended past attendIdleTimeout,
// the owner restarted), it attends again at the next key press or keep-alive, backing off while
// the owner refuses. An owner of an older version, which does not count attached screens, is
// an error at once.
func (c *Client) AttendScreen(ctx context.Context) (inbox.Present, error) {
	if !c.owner.Attend {
		return nil, &inbox.Error{Kind: inbox.Unavailable, Msg: fmt.Sprintf(
			"%s is an older version that does not count this screen as you being there: restart it with this version", c.owner.Describe())}
	}
	st, err := c.attendOnce(ctx)
	if err != nil {
		return nil, err
	}
	p := &attending{touch: make(chan struct{}, 1), quit: make(chan struct{}), done: make(chan struct{})}
	go p.run(c, st)
	return p, nil
}

// attendStream is one POST /v1/attend the owner accepted: w writes its body, broken is closed
// when the owner's answer ends (it ended the attendance).
type attendStream struct {
	w      *io.PipeWriter
	body   io.ReadCloser
	broken chan struct{}
	cancel context.CancelFunc
}

// attendTimeout bounds how long the owner may take to accept an attendance.
var attendTimeout = 10 * time.Second

// attendOnce opens an attendance and waits (until ctx ends, at most attendTimeout) for the owner
// to accept it.
func (c *Client) attendOnce(ctx context.Context) (*attendStream, error) {
	sctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	req, err := http.NewRequestWithContext(sctx, http.MethodPost, "http://switchboard/v1/attend", pr)
	if err != nil {
		cancel()
		return nil, err
	}
	type answer struct {
		resp *http.Response
		err  error
	}
	got := make(chan answer, 1)
	go func() {
		resp, err := c.hc.Do(req)
		got <- answer{resp, err}
	}()
	fail := func(err error) (*attendStream, error) {
		cancel()
		pw.Close()
		return nil, err
	}
	t := time.NewTimer(attendTimeout)
	defer t.Stop()
	var a answer
	select {
	case a = <-got:
	case <-ctx.Done():
		return fail(ctx.Err())
	case <-t.C:
		return fail(&inbox.Error{Kind: inbox.Unavailable, Msg: fmt.Sprintf(
			"%s did not accept this screen as a session within %s; your status does not follow this screen", c.owner.Describe(), attendTimeout)})
	}
	if a.err != nil {
		return fail(c.lost(ctx, a.err))
	}
	if a.resp.StatusCode != http.StatusOK {
		err := decodeInto(c, a.resp, nil)
		return fail(err)
	}
	st := &attendStream{w: pw, body: a.resp.Body, broken: make(chan struct{}), cancel: cancel}
	go func() {
		_, _ = io.Copy(io.Discard, a.resp.Body) // the owner answers to its end once the attendance ends
		close(st.broken)
	}()
	return st, nil
}

// close ends the stream and waits for the owner's answer to end.
func (st *attendStream) close() {
	st.w.Close()
	select {
	case <-st.broken:
	case <-time.After(5 * time.Second):
	}
	st.cancel()
	st.body.Close()
}

// attending is a terminal inbox's attendance through the socket.
type attending struct {
	touch chan struct{} // a key press to send (one waiting is enough)
	quit  chan struct{}
	once  sync.Once
	done  chan struct{}
}

// run sends key presses and keep-alives on st, and attends again when the owner ended st.
func (p *attending) run(c *Client, st *attendStream) {
	defer close(p.done)
	tick := time.NewTicker(attendKeepAlive.get())
	defer tick.Stop()
	backoff := time.Second
	var retry <-chan time.Time
	var keyAt time.Time // when the last key press went out on st
	for {
		var broken chan struct{}
		if st != nil {
			broken = st.broken
		}
		b := byte('.')
		select {
		case <-p.quit:
			if st != nil {
				st.close()
			}
			return
		case <-broken:
			st.close()
			st = nil
			if time.Since(keyAt) > attendResend {
				continue
			}
			// the owner may have ended the attendance after the key press left and before
			// it read it (it ends its answer only after it has counted the person gone):
			// that key press attends again, as one after the end would
			b = 'k'
		case <-retry:
			retry = nil
		case <-p.touch:
			b = 'k'
		case <-tick.C:
		}
		if st == nil {
			if retry != nil {
				continue // backing off
			}
			next, err := c.attendOnce(context.Background())
			if err != nil {
				retry = time.After(backoff)
				backoff = min(2*backoff, attendKeepAlive.get())
				continue
			}
			st, backoff, keyAt = next, time.Second, time.Time{}
		}
		if _, err := st.w.Write([]byte{b}); err != nil {
			st.close()
			st = nil
		} else if b == 'k' {
			keyAt = time.Now()
		}
	}
}

// attendResend is how long before the owner ends an attendance a key press sent on it may
// have gone unread; such a key press attends again at once.
var attendResend = 2 * time.Second

// Touch says a key was pressed; it never waits.
func (p *attending) Touch() {
	select {
	case p.touch <- struct{}{}:
	default:
	}
}

// Leave ends the attendance and waits for the owner to have applied it: until ctx ends, at
// most 10 s, which is then the error.
func (p *attending) Leave(ctx context.Context) error {
	p.once.Do(func() { close(p.quit) })
	t := time.NewTimer(10 * time.Second)
	defer t.Stop()
	select {
	case <-p.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return errors.New("the owner did not confirm that this screen's session ended")
	}
}
