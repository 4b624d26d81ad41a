package webhook

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"switchboard/inbox"
)

// RequireSecretForAddr refuses to serve on anything but loopback without a webhook secret:
// an unsigned endpoint reachable from the network would let anyone write into the inbox.
// Loopback means 127.0.0.0/8, ::1 or "localhost"; an empty host (":8080") means every
// interface.
func RequireSecretForAddr(addr, secret string) error {
	if secret != "" {
		return nil
	}
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return &inbox.Error{Kind: inbox.Invalid, Msg: fmt.Sprintf("--http %q is not host:port: give an address like 127.0.0.1:8080", addr)}
	}
	if isLoopback(host) {
		return nil
	}
	shown := host
	if shown == "" {
		shown = "every interface"
	}
	return &inbox.Error{Kind: inbox.Invalid, Msg: fmt.Sprintf(
		"--http %s listens on %s, beyond this machine: set a webhook secret (--webhook-secret-file FILE, or SWITCHBOARD_WEBHOOK_SECRET) so every POST must be signed, or bind to 127.0.0.1", addr, shown)}
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.Unmap().IsLoopback()
}

// Listen checks the address against the secret rule and opens it. The CLI calls it before
// starting anything else, so a bad --http fails at once; Serve then serves on the listener.
func Listen(addr, secret string) (net.Listener, error) {
	if err := RequireSecretForAddr(addr, secret); err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, &inbox.Error{Kind: inbox.Unavailable, Msg: fmt.Sprintf("cannot listen on %s: %v (is another switchboard serving there? choose another port with --http)", addr, err)}
	}
	return ln, nil
}

// NewServer returns the HTTP server Serve uses: h with timeouts that keep a slow or idle client
// from holding a connection forever.
func NewServer(h http.Handler) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    64 << 10,
	}
}

// Serve serves h on ln, at most MaxConns connections at once, until ctx ends, then stops taking
// requests and waits up to five seconds for those in flight (each of which returns only once
// its events are durable). It returns nil after a clean shutdown.
func Serve(ctx context.Context, ln net.Listener, h http.Handler) error {
	return serve(ctx, LimitListener(ln, maxConns), h)
}

// maxConns is MaxConns; a variable so a test can reach the cap with a few connections.
var maxConns = MaxConns

func serve(ctx context.Context, ln net.Listener, h http.Handler) error {
	srv := NewServer(h)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := srv.Shutdown(sctx)
	if serr := <-errc; serr != nil && !errors.Is(serr, http.ErrServerClosed) && err == nil {
		err = serr
	}
	return err
}

// ListenAndServe is Listen, Handler and Serve in one call: what `switchboard serve --http ADDR`
// runs until ctx ends.
func ListenAndServe(ctx context.Context, addr string, svc Inbox, opt Options) error {
	ln, err := Listen(addr, opt.Secret)
	if err != nil {
		return err
	}
	return Serve(ctx, ln, Handler(svc, opt))
}
