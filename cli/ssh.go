package cli

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"switchboard/inbox"
	"switchboard/inbox/rpc"
	"switchboard/sshd"
	"switchboard/ui"
)

// sshFlags are serve's flags of the SSH door (the team inbox over SSH).
type sshFlags struct {
	addr        string
	hostKey     string
	maxSessions int
	idle        time.Duration
}

func (f *sshFlags) add(cmd *cobra.Command) {
	fs := cmd.Flags()
	fs.StringVar(&f.addr, "ssh", os.Getenv("SWITCHBOARD_SSH"), "also serve the terminal inbox over SSH on ADDR (e.g. 127.0.0.1:2222), each agent signing in with their own key (env SWITCHBOARD_SSH)")
	fs.StringVar(&f.hostKey, "ssh-host-key", os.Getenv("SWITCHBOARD_SSH_HOST_KEY"), "the SSH host key's file (env SWITCHBOARD_SSH_HOST_KEY; default: <db>.ssh_host_ed25519_key, created on first start)")
	fs.IntVar(&f.maxSessions, "ssh-max-sessions", envInt("SWITCHBOARD_SSH_MAX_SESSIONS", sshd.DefaultMaxSessions), "at most this many SSH sessions at once (env SWITCHBOARD_SSH_MAX_SESSIONS)")
	fs.DurationVar(&f.idle, "ssh-idle-timeout", envDuration("SWITCHBOARD_SSH_IDLE_TIMEOUT", sshd.DefaultIdleTimeout), "end an SSH screen after this long without a key press (env SWITCHBOARD_SSH_IDLE_TIMEOUT)")
}

func envInt(key string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(key)); err == nil {
		return v
	}
	return def
}

func envDuration(key string, def time.Duration) time.Duration {
	if v, err := time.ParseDuration(os.Getenv(key)); err == nil {
		return v
	}
	return def
}

// open checks the flags, reads (or creates) the host key and binds the address, before the
// workspace is opened. With no --ssh it returns nil.
func (f *sshFlags) open(a *app, logTo io.Writer) (*sshd.Server, error) {
	if f.addr == "" {
		return nil, nil
	}
	if f.maxSessions < 1 {
		return nil, usagef("--ssh-max-sessions %d: give at least 1", f.maxSessions)
	}
	if f.idle < time.Minute {
		return nil, usagef("--ssh-idle-timeout %s: give at least 1m", f.idle)
	}
	db, err := rpc.Resolve(a.db)
	if err != nil {
		return nil, err
	}
	key := f.hostKey
	if key == "" {
		key = db + ".ssh_host_ed25519_key"
		if rpc.IsURL(db) {
			// a database server's workspace has no file to keep it beside: each node keeps its
			// own key in this user's data folder (or give every node the same with --ssh-host-key)
			key = a.wiring.DefaultPath("postgres-node.ssh_host_ed25519_key")
			if err := os.MkdirAll(filepath.Dir(key), 0o700); err != nil {
				return nil, fmt.Errorf("cannot make the folder for the SSH host key %s: %v", key, err)
			}
		}
	}
	return sshd.Listen(sshd.Options{
		Addr: f.addr, HostKeyPath: key, Path: rpc.Redact(db), MaxSessions: f.maxSessions, IdleTimeout: f.idle, Log: logTo,
		Config: func(operator string) *ui.Config { c := operatorConfig(operator); return &c },
		Exec: func(ctx context.Context, conn inbox.Conn, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
			return Exec(ctx, conn, rpc.Redact(db), args, stdin, stdout, stderr, a.wiring)
		},
	})
}

// serveSSH serves the SSH door on the owner's inbox until the returned stop is called; stop
// says goodbye to every session. A nil door does nothing.
func serveSSH(d *sshd.Server, o *rpc.Owner, say *textOut) (stop func()) {
	if d == nil {
		return func() {}
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := d.Serve(o.Service); err != nil {
			say.Printf("The SSH door stopped: %v\n", err)
		}
	}()
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := d.Close(ctx); err != nil {
			say.Printf("Closing the SSH door: %v\n", err)
		}
		<-done
	}
}

// sshHello tells how to reach the SSH door, and the host key to check.
func sshHello(d *sshd.Server, say *textOut) {
	host, port, err := net.SplitHostPort(d.Addr().String())
	if err != nil {
		host, port = d.Addr().String(), "22"
	}
	say.Printf("SSH: ssh -p %s %s (host key %s: check it when ssh asks the first time)\n", port, host, d.Fingerprint())
}
