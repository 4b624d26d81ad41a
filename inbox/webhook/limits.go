package webhook

import (
	"net"
	"sync"
	"time"
)

// Limits of the webhook door. The endpoint may be reached by every user of the machine (and,
// with a secret, by the network): thousands of slow connections or large bodies must not
// exhaust the process's file descriptors or memory, and the server stays up.
const (
	// MaxConns caps the connections served at once. Beyond it, new connections wait in the
	// kernel's accept queue (they cost this process nothing) until one closes. The webhook
	// benchmark's 128 concurrent clients fit; Meta delivers far fewer at once.
	MaxConns = 256
	// MaxBodyBytes caps the bytes of request bodies held at once: four bodies at MaxBody (3 MB).
	// A request reserves its Content-Length (MaxBody when it does not say) before its body is
	// read, and keeps it until answered; small payloads (Meta's are a few KB) hardly touch it.
	MaxBodyBytes = 4 * MaxBody
	// BodyWait is how long a request waits for room under MaxBodyBytes before it is answered
	// 503 (Meta sends it again later).
	BodyWait = 5 * time.Second
	// The server's timeouts: headers must arrive within 10 s, a whole request within 30 s (a
	// 3 MB body at 100 KB/s), and an idle keep-alive connection is closed after 30 s.
	readHeaderTimeout = 10 * time.Second
	readTimeout       = 30 * time.Second
	writeTimeout      = 60 * time.Second // the answer comes after every event is durable
	idleTimeout       = 30 * time.Second
	// MaxSkipped is how many skipped parts an answer lists; the rest are counted in
	// skipped_more.
	MaxSkipped = 20
)

// LimitListener returns a listener that has at most n connections open at once: Accept waits
// while n are open (netutil.LimitListener's shape).
func LimitListener(ln net.Listener, n int) net.Listener {
	return &limitListener{Listener: ln, sem: make(chan struct{}, n), done: make(chan struct{})}
}

type limitListener struct {
	net.Listener
	sem       chan struct{}
	done      chan struct{}
	closeOnce sync.Once
}

func (l *limitListener) Accept() (net.Conn, error) {
	select {
	case l.sem <- struct{}{}:
	case <-l.done:
		return nil, net.ErrClosed
	}
	c, err := l.Listener.Accept()
	if err != nil {
		<-l.sem
		return nil, err
	}
	return &limitConn{Conn: c, release: func() { <-l.sem }}, nil
}

func (l *limitListener) Close() error {
	err := l.Listener.Close()
	l.closeOnce.Do(func() { close(l.done) })
	return err
}

type limitConn struct {
	net.Conn
	once    sync.Once
	release func()
}

func (c *limitConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.release)
	return err
}
