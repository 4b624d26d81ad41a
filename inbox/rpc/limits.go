package rpc

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync/atomic"
	"time"

	"switchboard/inbox"
)

// Limits of the socket door. Only this user's processes reach it, but a client that stalls
// (suspended, or a bug) must not hold a connection, a goroutine and memory forever, and a
// request may not be larger than any real one.
var (
	// MaxRequestBody caps the JSON arguments of one request. Most are under a few KB (a reply
	// is at most 4,096 characters); the largest real one marks every unread notification read
	// by number, about 10 MB for a million of them.
	MaxRequestBody int64 = 16 << 20
	// MaxImportBody caps a workspace document sent to Import (a generated workspace of
	// 100,000 contacts exports to 60 MB; the largest, 1,000,000, to about 600 MB). A larger
	// document is imported with no owner running: the command then reads the file itself.
	MaxImportBody int64 = 1 << 30
	// requestReadTimeout is how long a request's arguments may take to arrive.
	requestReadTimeout = 30 * time.Second
	// streamIdleTimeout is how long an import's body, or an export's reader, may stall before
	// the connection is cut. An export holds a read transaction of the file while it streams,
	// and a read transaction that never ends stalls writes when the file must grow.
	streamIdleTimeout = 60 * time.Second
	// attendKeepAlive is how often an attached terminal inbox says it is still open, and
	// attendIdleTimeout how long the owner waits for a word from it before its person counts as
	// gone (a suspended screen is nobody at the keys). Tests shorten them while sessions run.
	attendKeepAlive   = newDuration(20 * time.Second)
	attendIdleTimeout = newDuration(60 * time.Second)
)

// duration is a time.Duration read and set from many goroutines.
type duration struct{ v atomic.Int64 }

func newDuration(d time.Duration) *duration {
	x := &duration{}
	x.v.Store(int64(d))
	return x
}

func (d *duration) get() time.Duration  { return time.Duration(d.v.Load()) }
func (d *duration) set(x time.Duration) { d.v.Store(int64(x)) }

// newSocketServer is the HTTP server of the socket: timeouts for headers and idle connections
// here; the per-request body and write deadlines are set by the handler (an import or an export
// may take minutes, as long as it keeps moving).
func newSocketServer(h http.Handler) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
	}
}

// limitBody caps a request's arguments in size and in time.
func limitBody(w http.ResponseWriter, r *http.Request) io.Reader {
	http.NewResponseController(w).SetReadDeadline(time.Now().Add(requestReadTimeout))
	return &bodyReader{r: http.MaxBytesReader(w, r.Body, MaxRequestBody), what: "request"}
}

// streamBody caps an import's document in size, and cuts it when it stalls.
func streamBody(w http.ResponseWriter, r *http.Request) io.Reader {
	return &bodyReader{r: http.MaxBytesReader(w, r.Body, MaxImportBody), what: "document",
		rc: http.NewResponseController(w), idle: streamIdleTimeout}
}

// bodyReader turns a body over its cap or cut by its deadline into an *inbox.Error a person can
// act on; with idle set it moves the read deadline on at every read.
type bodyReader struct {
	r    io.Reader
	what string
	rc   *http.ResponseController
	idle time.Duration
}

func (b *bodyReader) Read(p []byte) (int, error) {
	if b.rc != nil {
		b.rc.SetReadDeadline(time.Now().Add(b.idle))
	}
	n, err := b.r.Read(p)
	if err != nil && err != io.EOF {
		var tooBig *http.MaxBytesError
		switch {
		case errors.As(err, &tooBig):
			hint := ""
			if b.what == "document" {
				hint = ": stop the switchboard process that owns the workspace and import again (the command then reads the file itself)"
			}
			err = &inbox.Error{Kind: inbox.Invalid, Msg: fmt.Sprintf(
				"The %s is over %d bytes, the most the switchboard socket takes; nothing was changed%s", b.what, tooBig.Limit, hint)}
		case isTimeout(err):
			err = &inbox.Error{Kind: inbox.Invalid, Msg: fmt.Sprintf(
				"The %s stopped arriving (nothing for %v); nothing was changed: send it again", b.what, b.timeout())}
		}
	}
	return n, err
}

func (b *bodyReader) timeout() time.Duration {
	if b.rc != nil {
		return b.idle
	}
	return requestReadTimeout
}

func isTimeout(err error) bool {
	var t interface{ Timeout() bool }
	return errors.As(err, &t) && t.Timeout()
}

// streamWriter moves the write deadline on at every write of a streamed answer (the export):
// a reader that stops reading for streamIdleTimeout is cut off.
type streamWriter struct {
	w  http.ResponseWriter
	rc *http.ResponseController
}

func newStreamWriter(w http.ResponseWriter) *streamWriter {
	return &streamWriter{w: w, rc: http.NewResponseController(w)}
}

func (s *streamWriter) Write(p []byte) (int, error) {
	s.rc.SetWriteDeadline(time.Now().Add(streamIdleTimeout))
	return s.w.Write(p)
}
