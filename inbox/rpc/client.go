package rpc

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"switchboard/inbox"
)

// Client is the API of the process that owns a database, reached through its socket.
type Client struct {
	sock  string
	owner Info
	hc    *http.Client
}

var _ API = (*Client)(nil)

var errNoOwner = errors.New("no switchboard process owns the database")

func newHTTPClient(sock string) *http.Client {
	return &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			return dialOwner(ctx, sock)
		},
		MaxIdleConns:    1,
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

// Dial connects to the owner of the database at dbPath; errors.Is(err, ErrNoOwner) when none
// runs.
func Dial(dbPath string) (*Client, error) {
	sock := SocketPath(dbPath)
	info, err := ping(sock)
	if err != nil {
		return nil, err
	}
	return &Client{sock: sock, owner: info, hc: newHTTPClient(sock)}, nil
}

// ErrNoOwner is what Dial returns when no process owns the database.
var ErrNoOwner = errNoOwner

// Owner describes the process the client talks to.
func (c *Client) Owner() Info { return c.owner }

// Close releases the connection.
func (c *Client) Close() error {
	c.hc.CloseIdleConnections()
	return nil
}

func (c *Client) lost(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
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

func decode[T any](c *Client, resp *http.Response) (T, error) {
	var out T
	defer resp.Body.Close()
	var r struct {
		Result json.RawMessage `json:"result"`
		Error  *wireError      `json:"error"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		return out, &inbox.Error{Kind: inbox.Internal, Msg: fmt.Sprintf("unreadable answer from %s: %v", c.owner.Describe(), err)}
	}
	if r.Error != nil {
		return out, r.Error.err()
	}
	if len(r.Result) > 0 && string(r.Result) != "null" {
		if err := json.Unmarshal(r.Result, &out); err != nil {
			return out, &inbox.Error{Kind: inbox.Internal, Msg: fmt.Sprintf("unreadable answer from %s: %v", c.owner.Describe(), err)}
		}
	}
	return out, nil
}

func call[T any](ctx context.Context, c *Client, method string, a Args) (T, error) {
	raw, err := json.Marshal(a)
	if err != nil {
		var zero T
		return zero, err
	}
	resp, err := c.do(ctx, http.MethodPost, method, bytes.NewReader(raw))
	if err != nil {
		var zero T
		return zero, err
	}
	return decode[T](c, resp)
}

func call0(ctx context.Context, c *Client, method string, a Args) error {
	_, err := call[json.RawMessage](ctx, c, method, a)
	return err
}

// Export streams the workspace document into w.
func (c *Client) Export(ctx context.Context, w io.Writer) error {
	resp, err := c.do(ctx, http.MethodGet, "Export", nil)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		_, err := decode[json.RawMessage](c, resp)
		return err
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
func (c *Client) Import(ctx context.Context, by string, r io.Reader, replace bool) error {
	q := url.Values{"by": {by}}
	if replace {
		q.Set("replace", "1")
	}
	resp, err := c.do(ctx, http.MethodPost, "Import?"+q.Encode(), r)
	if err != nil {
		return err
	}
	_, err = decode[json.RawMessage](c, resp)
	return err
}

// ---- connecting ----

// Conn is the API a command uses, and how it reaches the database.
type Conn struct {
	API
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
func Connect(path string, eng Engine, opt inbox.Options) (*Conn, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("cannot resolve %s: %v", path, err)
	}
	viaSocket := func() (*Conn, error) {
		c, err := Dial(abs)
		if err != nil {
			return nil, err
		}
		info := c.Owner()
		return &Conn{API: c, Owner: &info, Path: abs, close: c.Close}, nil
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
	// (Not so with a read-only file: its lock is shared, and a reader may own it.)
	sock := SocketPath(abs)
	if st, err := os.Lstat(sock); err == nil && st.Mode()&os.ModeSocket != 0 && fileUID(st) == myUID() && !svc.ReadOnly() {
		os.Remove(sock)
	}
	return &Conn{API: Local{svc}, Path: abs, close: svc.Close}, nil
}
