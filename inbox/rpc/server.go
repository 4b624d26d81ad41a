package rpc

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"switchboard/inbox"
	"switchboard/internal/redact"
	"switchboard/internal/xdg"
)

// maxSocketPath is the longest Unix socket path Linux and macOS accept (sun_path less its NUL).
const maxSocketPath = 103

// SocketPath is where the owner of the database at dbPath listens: the file's path + ".sock".
// A database server's workspace (a URL) has no file: its socket is in this user's runtime
// folder, named by a digest of the URL (without its password), one per machine.
func SocketPath(dbPath string) string {
	if IsURL(dbPath) {
		sum := sha256.Sum256([]byte(Redact(dbPath)))
		return filepath.Join(runtimeDir(), "switchboard-"+hex.EncodeToString(sum[:6])+".sock")
	}
	if abs, err := filepath.Abs(dbPath); err == nil {
		dbPath = abs
	}
	return dbPath + ".sock"
}

// IsURL reports a workspace on a database server (postgres://…) rather than a file.
func IsURL(path string) bool { return redact.IsURL(path) }

// Resolve is the workspace's name as the doors keep it: a file's absolute path, a URL as given.
func Resolve(path string) (string, error) {
	if IsURL(path) {
		return path, nil
	}
	if redact.LooksLikeKeyValueDSN(path) {
		return "", fmt.Errorf("the workspace given looks like a PostgreSQL key=value connection string; give it as a URL instead: postgres://USER@HOST:PORT/DATABASE")
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", fmt.Errorf("cannot resolve %s: %v", path, err)
	}
	return abs, nil
}

// Redact is a workspace's name for messages: a URL without its password.
func Redact(path string) string { return redact.URL(path) }

// runtimeDir is where the sockets of database-server workspaces go: $XDG_RUNTIME_DIR, else
// $XDG_DATA_HOME/switchboard, else ~/.local/share/switchboard.
func runtimeDir() string { return xdg.RuntimeDir() }

// Info describes the process that owns a database.
type Info struct {
	PID   int       `json:"pid"`
	Kind  string    `json:"kind"` // "serve" or "tui" (what the owner is running)
	Path  string    `json:"path"` // the database file
	Since time.Time `json:"since"`
	// Attend: the owner counts an attached terminal inbox as a session (POST /v1/attend); an
	// owner of an older version does not say so, and is not asked
	Attend bool `json:"attend,omitempty"`
}

// Describe names the owner for messages: "`switchboard serve` (pid 123)".
func (i Info) Describe() string {
	what := "switchboard " + i.Kind
	if i.Kind == "tui" {
		what = "the switchboard terminal inbox"
	} else {
		what = "`" + what + "`"
	}
	return fmt.Sprintf("%s (pid %d)", what, i.PID)
}

// Server is the socket door: it answers the inbox's operations (inbox.Serve) on a listener.
// Each connection acts as one operator: its first request binds it (POST /v1/session), and every
// later request on it runs on that session — who acts is never read from a request. Only this
// user's processes reach the socket (onlySameUser), and locally whoever can open the workspace
// may act as anyone in it, as --as does (docs: local access is full access; SSH gives
// per-person identity).
type Server struct {
	svc      *inbox.Service
	info     Info
	stopping chan struct{} // closed when the owner stops: the event streams end
	stopOnce sync.Once
}

// NewServer returns the handler that serves svc; info is what /v1/ping answers.
func NewServer(svc *inbox.Service, info Info) *Server {
	info.Attend = true
	return &Server{svc: svc, info: info, stopping: make(chan struct{})}
}

// Stop ends the event streams (they never end on their own, so a server shutting down would
// wait for them).
func (s *Server) Stop() { s.stopOnce.Do(func() { close(s.stopping) }) }

// connState is what one connection of the socket is bound to.
type connState struct {
	mu      sync.Mutex
	session *inbox.Session
}

type connKey struct{}

// ConnContext gives each connection its state (set as the http.Server's ConnContext).
func (s *Server) ConnContext(ctx context.Context, _ net.Conn) context.Context {
	return context.WithValue(ctx, connKey{}, &connState{})
}

type wireError struct {
	Kind inbox.Kind `json:"kind"`
	Msg  string     `json:"msg"`
}

type response struct {
	Result any        `json:"result,omitempty"`
	Error  *wireError `json:"error,omitempty"`
}

func toWire(err error) *wireError {
	var e *inbox.Error
	if errors.As(err, &e) {
		return &wireError{Kind: e.Kind, Msg: e.Msg}
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return &wireError{Kind: inbox.Unavailable, Msg: "the request was cancelled before it ran; nothing changed"}
	}
	return &wireError{Kind: inbox.Internal, Msg: err.Error()}
}

func (e *wireError) err() error { return &inbox.Error{Kind: e.Kind, Msg: e.Msg} }

func statusOf(k inbox.Kind) int {
	switch k {
	case inbox.NotFound:
		return http.StatusNotFound
	case inbox.Forbidden:
		return http.StatusForbidden
	case inbox.Invalid:
		return http.StatusBadRequest
	case inbox.Conflict, inbox.AlreadyDecided:
		return http.StatusConflict
	case inbox.Unavailable:
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	http.NewResponseController(w).SetWriteDeadline(time.Now().Add(requestReadTimeout))
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func writeErr(w http.ResponseWriter, err error) {
	we := toWire(err)
	writeJSON(w, statusOf(we.Kind), response{Error: we})
}

// bindRequest is the first request of a connection: who it acts as ("": the workspace's first
// admin, or nobody in a workspace that has none yet).
type bindRequest struct {
	As string `json:"as"`
}

// errUnbound is the answer to a request on a connection that has not said who it acts as.
var errUnbound = &inbox.Error{Kind: inbox.Invalid, Msg: "this connection has not said who it acts as (POST /v1/session first); nothing was done"}

// ServeHTTP answers one request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	defer func() {
		if p := recover(); p != nil {
			writeErr(w, &inbox.Error{Kind: inbox.Internal, Msg: fmt.Sprintf("internal error in the switchboard process (pid %d): %v\n%s", s.info.PID, p, debug.Stack())})
		}
	}()
	const prefix = "/v1/"
	if len(r.URL.Path) <= len(prefix) || r.URL.Path[:len(prefix)] != prefix {
		writeErr(w, &inbox.Error{Kind: inbox.NotFound, Msg: "unknown path " + r.URL.Path})
		return
	}
	path := r.URL.Path[len(prefix):]
	if path == "ping" {
		writeJSON(w, http.StatusOK, s.info)
		return
	}
	st, _ := r.Context().Value(connKey{}).(*connState)
	if st == nil {
		writeErr(w, &inbox.Error{Kind: inbox.Internal, Msg: "the socket server has no connection state"})
		return
	}
	if path == "session" {
		var b bindRequest
		if err := json.NewDecoder(limitBody(w, r)).Decode(&b); err != nil && err != io.EOF {
			writeErr(w, &inbox.Error{Kind: inbox.Invalid, Msg: "malformed session request: " + err.Error()})
			return
		}
		sess, err := s.svc.SessionFor(b.As)
		if err != nil {
			writeErr(w, err)
			return
		}
		st.mu.Lock()
		st.session = sess
		st.mu.Unlock()
		writeJSON(w, http.StatusOK, response{Result: inbox.SessionInfo{Operator: sess.Operator(), Capabilities: sess.Capabilities()}})
		return
	}
	st.mu.Lock()
	sess := st.session
	st.mu.Unlock()
	if sess == nil {
		writeErr(w, errUnbound)
		return
	}
	switch {
	case path == "events":
		s.events(w, r, sess)
	case path == "attend" && r.Method == http.MethodPost:
		s.attend(w, r, sess)
	case path == "export":
		s.export(w, r, sess)
	case path == "import":
		if err := sess.Import(r.Context(), streamBody(w, r), r.URL.Query().Get("replace") == "1"); err != nil {
			writeErr(w, err)
			return
		}
		writeJSON(w, http.StatusOK, response{})
	case len(path) > len("call/") && path[:len("call/")] == "call/" && r.Method == http.MethodPost:
		raw, err := io.ReadAll(limitBody(w, r))
		if err != nil {
			var ie *inbox.Error
			if errors.As(err, &ie) {
				writeErr(w, err)
				return
			}
			writeErr(w, &inbox.Error{Kind: inbox.Invalid, Msg: "malformed request: " + err.Error()})
			return
		}
		res, err := inbox.Serve(r.Context(), sess, path[len("call/"):], raw)
		if err != nil {
			writeErr(w, err)
			return
		}
		writeJSON(w, http.StatusOK, response{Result: res})
	default:
		writeErr(w, &inbox.Error{Kind: inbox.Invalid, Msg: fmt.Sprintf(
			"the switchboard process serving %s (pid %d) does not know %q; it may be another version: restart it", s.info.Path, s.info.PID, path)})
	}
}

const errTrailer = "Switchboard-Error"

// export streams the document; an error after the first byte travels in a trailer.
func (s *Server) export(w http.ResponseWriter, r *http.Request, sess *inbox.Session) {
	w.Header().Set("Trailer", errTrailer)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	if err := sess.Export(r.Context(), newStreamWriter(w)); err != nil {
		raw, _ := json.Marshal(toWire(err))
		w.Header().Set(errTrailer, base64.StdEncoding.EncodeToString(raw))
	}
}

// events streams the inbox's change events, one JSON object a line, until the client goes or
// the owner stops. A client that reads too slowly gets a reload event instead of what it
// missed (the service's subscriber never blocks the writer), and one that stops reading is cut
// off after streamIdleTimeout.
func (s *Server) events(w http.ResponseWriter, r *http.Request, sess *inbox.Session) {
	ch, _ := sess.Events(r.Context())
	w.Header().Set("Content-Type", "application/x-ndjson")
	w.WriteHeader(http.StatusOK)
	out := newStreamWriter(w)
	rc := http.NewResponseController(w)
	enc := json.NewEncoder(out)
	if enc.Encode(inbox.Event{Kind: inbox.EventHello}) != nil || rc.Flush() != nil {
		return
	}
	for {
		var e inbox.Event
		var ok bool
		select {
		case e, ok = <-ch:
			if !ok {
				return
			}
		case <-s.stopping:
			return
		}
		if err := enc.Encode(e); err != nil {
			return
		}
		if len(ch) == 0 {
			if err := rc.Flush(); err != nil {
				return
			}
		}
	}
}

// attend is a terminal inbox attached through the socket saying its person is there
// (inbox.Session.AttendScreen) for as long as the request lasts: its body is a byte a key
// press ('k') and a byte every attendKeepAlive to say the screen is still open ('.'). The
// attendance ends when the body ends (the screen closed), the connection goes (the process
// ended), nothing arrives for attendIdleTimeout (it is suspended, or hangs) or the owner stops;
// the answer ends after it has, so the client knows its person has left.
func (s *Server) attend(w http.ResponseWriter, r *http.Request, sess *inbox.Session) {
	// full duplex before anything is answered: an answer on a connection whose body is still
	// coming would otherwise wait to read that body to its end, which comes only with the screen's
	rc := http.NewResponseController(w)
	if err := rc.EnableFullDuplex(); err != nil {
		writeErr(w, &inbox.Error{Kind: inbox.Internal, Msg: "the socket cannot hold an attendance open: " + err.Error()})
		return
	}
	p, err := sess.AttendScreen(r.Context())
	if err != nil {
		writeErr(w, err)
		return
	}
	defer func() {
		_ = p.Leave(context.Background())
		if f := attendLeft.Load(); f != nil {
			(*f)()
		}
	}()
	w.Header().Set("Content-Type", "text/plain")
	w.WriteHeader(http.StatusOK)
	if rc.Flush() != nil {
		return
	}
	done := make(chan struct{})
	defer close(done)
	go func() {
		select {
		case <-s.stopping:
			_ = rc.SetReadDeadline(time.Now()) // the read below returns at once
		case <-done:
		}
	}()
	buf := make([]byte, 256)
	for {
		_ = rc.SetReadDeadline(time.Now().Add(attendIdleTimeout.get()))
		n, err := r.Body.Read(buf)
		if bytes.IndexByte(buf[:n], 'k') >= 0 {
			p.Touch()
		}
		if err != nil {
			return
		}
	}
}

// attendLeft, when set (by tests), runs after an attendance's person was counted gone and
// before its answer ends: the moment a key press the screen sends goes unread.
var attendLeft atomic.Pointer[func()]

// ---- owning a database ----

// Owner is this process owning a database: the service, and the socket that serves it to
// every other switchboard command.
type Owner struct {
	Service *inbox.Service
	Info    Info
	sock    string
	srv     *http.Server
	serving sync.WaitGroup // the Serve of each listener

	mu     sync.Mutex   // the listener and what it listens on
	ln     net.Listener // the current one (a new one after the socket file went)
	sockID os.FileInfo  // the socket file ln made
	closed bool

	stopWatch chan struct{}
	watching  sync.WaitGroup
}

// socketCheckEvery is how often an owner checks that its socket file is still there (and still
// the one it listens on), making it again when not: a tmp cleaner or a person may delete it,
// and every command beside the owner needs it. A command that finds no socket waits up to 2 s
// for the file's lock before it asks the socket again, so one check a second keeps it working.
var socketCheckEvery = time.Second

// ErrOwned is returned by Own when another process already owns the database.
var ErrOwned = errors.New("database owned by another switchboard process")

// OwnedError says which process owns the database.
type OwnedError struct {
	Path   string
	Owner  Info
	Socket string
}

func (e *OwnedError) Error() string {
	sock := e.Socket
	if sock == "" {
		sock = SocketPath(e.Path)
	}
	if IsURL(e.Path) {
		return fmt.Sprintf("%s is already served on this machine by %s, which listens on %s; run commands beside it, or give another node a socket folder of its own (XDG_RUNTIME_DIR=…)",
			e.Path, e.Owner.Describe(), sock)
	}
	return fmt.Sprintf("%s is already open in %s; stop it first, or run commands beside it (they reach it through %s)",
		e.Path, e.Owner.Describe(), sock)
}

func (e *OwnedError) Unwrap() error { return ErrOwned }

// Own opens the database at path as its owner and serves it on the socket beside it. kind
// says what the process runs ("serve" or "tui"). It fails at once when another process owns
// the file, and replaces a socket left by a process that crashed.
func Own(path, kind string, eng Engine, opt inbox.Options) (*Owner, error) {
	abs, err := Resolve(path)
	if err != nil {
		return nil, err
	}
	sock := SocketPath(abs)
	if IsURL(abs) {
		// many nodes share a database server's workspace, one socket each: this machine's
		if err := os.MkdirAll(filepath.Dir(sock), 0o700); err != nil {
			return nil, fmt.Errorf("cannot make the folder for the socket %s: %v", sock, err)
		}
	}
	if len(sock) > maxSocketPath {
		return nil, fmt.Errorf("the socket path %s is %d bytes long, more than the %d a Unix socket allows: keep the database at a shorter path (--db)",
			sock, len(sock), maxSocketPath)
	}
	if info, err := ping(sock); err == nil {
		return nil, &OwnedError{Path: Redact(abs), Owner: info, Socket: sock}
	} else if !errors.Is(err, errNoOwner) {
		return nil, err
	}
	svc, err := eng.service(abs, opt)
	if err != nil {
		if eng.inUse(err) {
			if info, perr := ping(sock); perr == nil {
				return nil, &OwnedError{Path: Redact(abs), Owner: info, Socket: sock}
			}
		}
		return nil, err
	}
	// We hold the file's lock, so no other owner is alive: a socket file here is stale. (A
	// database server's workspace has no lock: nobody answered on the socket just now.)
	if err := os.Remove(sock); err != nil && !errors.Is(err, os.ErrNotExist) {
		svc.Close()
		return nil, fmt.Errorf("cannot remove the stale socket %s: %v; remove it by hand", sock, err)
	}
	o := &Owner{Service: svc, sock: sock, stopWatch: make(chan struct{}),
		Info: Info{PID: os.Getpid(), Kind: kind, Path: Redact(abs), Since: time.Now().UTC()}}
	srv := NewServer(svc, o.Info)
	o.srv = newSocketServer(srv)
	o.srv.RegisterOnShutdown(srv.Stop)
	o.srv.ConnContext = srv.ConnContext
	if err := o.listen(); err != nil {
		svc.Close()
		return nil, fmt.Errorf("cannot listen on %s: %v", sock, err)
	}
	o.watching.Add(1)
	go o.watch()
	return o, nil
}

// listen listens on the socket path and serves it (o.mu held, or not yet shared).
func (o *Owner) listen() error {
	ln, err := listenPrivate(o.sock)
	if err != nil {
		return err
	}
	if ul, ok := ln.(*net.UnixListener); ok {
		ul.SetUnlinkOnClose(false) // Close removes the path only while it is still ours
	}
	st, err := os.Lstat(o.sock)
	if err != nil {
		ln.Close()
		return err
	}
	if o.ln != nil {
		o.ln.Close() // listened on a socket file that is gone: nobody can reach it
	}
	o.ln, o.sockID = ln, st
	guarded := onlySameUser(ln)
	o.serving.Add(1)
	go func() {
		defer o.serving.Done()
		o.srv.Serve(guarded)
	}()
	return nil
}

func (o *Owner) watch() {
	defer o.watching.Done()
	t := time.NewTicker(socketCheckEvery)
	defer t.Stop()
	for {
		select {
		case <-o.stopWatch:
			return
		case <-t.C:
			o.ensureSocket()
		}
	}
}

// ensureSocket makes the socket again when its file is gone, or when a stale socket of this
// user that nobody answers took its place. Anything else at the path (another user's file, a
// file that is not a socket, a socket someone answers on) is left alone, and the error says
// what is there.
func (o *Owner) ensureSocket() error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.closed {
		return nil
	}
	st, err := os.Lstat(o.sock)
	switch {
	case err == nil && os.SameFile(st, o.sockID):
		return nil
	case err == nil:
		if st.Mode()&os.ModeSocket == 0 {
			return fmt.Errorf("%s is no longer a socket; it was left alone", o.sock)
		}
		if uid := fileUID(st); uid >= 0 && uid != myUID() {
			return &ForeignSocketError{Socket: o.sock, UID: uid, What: "is owned by"}
		}
		if c, derr := net.DialTimeout("unix", o.sock, time.Second); derr == nil {
			c.Close()
			return fmt.Errorf("another process listens on %s; it was left alone", o.sock)
		}
		if err := os.Remove(o.sock); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
	case !errors.Is(err, os.ErrNotExist):
		return err
	}
	return o.listen()
}

// Socket returns the path the owner listens on.
func (o *Owner) Socket() string { return o.sock }

// Close stops taking requests, lets those in flight finish (until ctx ends), removes the
// socket (when the file there is still the one it made) and closes the database.
func (o *Owner) Close(ctx context.Context) error {
	close(o.stopWatch)
	o.watching.Wait()
	o.mu.Lock()
	o.closed = true
	o.mu.Unlock()
	err := o.srv.Shutdown(ctx)
	o.serving.Wait()
	if st, serr := os.Lstat(o.sock); serr == nil && os.SameFile(st, o.sockID) {
		os.Remove(o.sock)
	}
	if cerr := o.Service.Close(); err == nil {
		err = cerr
	}
	return err
}
