// Package pgtest starts a private PostgreSQL cluster for tests and benchmarks: initdb in a new
// temporary folder, the server listening only on a Unix socket in that folder (no port to
// collide with), started as the user "postgres" when the tests run as root (the server refuses
// root), and stopped (and its folder removed) by Stop.
//
// The server's programs are looked for in $SWITCHBOARD_PG_BIN, then pg_config --bindir, then
// /usr/lib/postgresql/*/bin. When none is found, Start fails if $SWITCHBOARD_PG_REQUIRED is set
// (CI sets it: a missing server fails the run) and skips otherwise. $SWITCHBOARD_TEST_POSTGRES, a
// connection URL, uses that server instead (each test gets a database of its own on it).
package pgtest

import (
	"bytes"
	"context"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// Cluster is a running PostgreSQL server.
type Cluster struct {
	dir    string // data folder and socket folder ("" for an outside server)
	bin    string
	base   string // admin connection URL
	cred   *syscall.Credential
	proc   *exec.Cmd
	n      atomic.Int64
	stop   sync.Once
	exited chan struct{}
}

// Options tune the cluster.
type Options struct {
	// Durable keeps fsync and synchronous_commit on (benchmarks); tests run without them,
	// which loses nothing unless the machine itself stops.
	Durable bool
	// MaxConnections (default 200).
	MaxConnections int
}

// Start starts a cluster (or skips or fails tb when no server can be had; see the package doc).
func Start(tb testing.TB, opt Options) *Cluster {
	tb.Helper()
	if dsn := os.Getenv("SWITCHBOARD_TEST_POSTGRES"); dsn != "" {
		return &Cluster{base: dsn}
	}
	bin := findBin()
	if bin == "" {
		msg := "no PostgreSQL server programs (initdb, postgres) found: install PostgreSQL (Debian: apt-get install postgresql), or set SWITCHBOARD_PG_BIN or SWITCHBOARD_TEST_POSTGRES"
		if os.Getenv("SWITCHBOARD_PG_REQUIRED") != "" {
			tb.Fatal(msg)
		}
		tb.Skip(msg)
	}
	c, err := start(bin, opt)
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

// StartMain is Start for a TestMain: it returns nil (and says why on stderr) when the server
// cannot be had and it is not required; with SWITCHBOARD_PG_REQUIRED set it exits.
func StartMain(opt Options) *Cluster {
	if dsn := os.Getenv("SWITCHBOARD_TEST_POSTGRES"); dsn != "" {
		return &Cluster{base: dsn}
	}
	bin := findBin()
	var err error
	if bin == "" {
		err = fmt.Errorf("no PostgreSQL server programs (initdb, postgres) found: install PostgreSQL (Debian: apt-get install postgresql), or set SWITCHBOARD_PG_BIN or SWITCHBOARD_TEST_POSTGRES")
	} else {
		var c *Cluster
		if c, err = start(bin, opt); err == nil {
			return c
		}
	}
	fmt.Fprintln(os.Stderr, "pgtest:", err)
	if os.Getenv("SWITCHBOARD_PG_REQUIRED") != "" {
		os.Exit(1)
	}
	return nil
}

func findBin() string {
	ok := func(dir string) bool {
		_, e1 := os.Stat(filepath.Join(dir, "initdb"))
		_, e2 := os.Stat(filepath.Join(dir, "postgres"))
		return e1 == nil && e2 == nil
	}
	if d := os.Getenv("SWITCHBOARD_PG_BIN"); d != "" && ok(d) {
		return d
	}
	if out, err := exec.Command("pg_config", "--bindir").Output(); err == nil {
		if d := strings.TrimSpace(string(out)); ok(d) {
			return d
		}
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return version(dirs[i]) > version(dirs[j]) })
	for _, d := range dirs {
		if ok(d) {
			return d
		}
	}
	return ""
}

func version(dir string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(dir)))
	return n
}

func start(bin string, opt Options) (*Cluster, error) {
	dir, err := os.MkdirTemp("", "switchboard-pg-")
	if err != nil {
		return nil, err
	}
	c := &Cluster{dir: dir, bin: bin, exited: make(chan struct{})}
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			u, err = user.Lookup("nobody")
		}
		if err != nil {
			os.RemoveAll(dir)
			return nil, fmt.Errorf("running as root, and no user postgres or nobody to start the server as: %v", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		c.cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
		if err := os.Chown(dir, uid, gid); err != nil {
			os.RemoveAll(dir)
			return nil, err
		}
	}
	data := filepath.Join(dir, "data")
	if out, err := c.run("initdb", "-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C", "--no-sync"); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("initdb: %v\n%s", err, out)
	}
	maxConns := opt.MaxConnections
	if maxConns == 0 {
		maxConns = 200
	}
	args := []string{"-D", data, "-k", dir, "-c", "listen_addresses=", "-c", "max_connections=" + strconv.Itoa(maxConns),
		"-c", "shared_buffers=128MB", "-c", "max_pred_locks_per_transaction=256",
		// tests order commits by when they landed (pg_xact_commit_timestamp)
		"-c", "track_commit_timestamp=on"}
	if !opt.Durable {
		args = append(args, "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off")
	}
	c.proc = exec.Command(filepath.Join(bin, "postgres"), args...)
	c.proc.SysProcAttr = &syscall.SysProcAttr{Credential: c.cred, Setpgid: true}
	var log bytes.Buffer
	c.proc.Stdout, c.proc.Stderr = &log, &log
	if err := c.proc.Start(); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("starting postgres: %v", err)
	}
	go func() { c.proc.Wait(); close(c.exited) }()
	c.base = (&url.URL{Scheme: "postgres", User: url.User("postgres"), Path: "/postgres",
		RawQuery: url.Values{"host": {dir}, "port": {"5432"}, "sslmode": {"disable"}}.Encode()}).String()
	deadline := time.Now().Add(30 * time.Second)
	for {
		conn, err := pgx.Connect(context.Background(), c.base)
		if err == nil {
			conn.Close(context.Background())
			return c, nil
		}
		select {
		case <-c.exited:
			os.RemoveAll(dir)
			return nil, fmt.Errorf("postgres stopped at start:\n%s", log.String())
		default:
		}
		if time.Now().After(deadline) {
			c.Stop()
			return nil, fmt.Errorf("postgres did not accept connections within 30 s: %v\n%s", err, log.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (c *Cluster) run(prog string, args ...string) ([]byte, error) {
	cmd := exec.Command(filepath.Join(c.bin, prog), args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: c.cred}
	cmd.Dir = c.dir
	return cmd.CombinedOutput()
}

// DSN is the connection URL of a new, empty database of its own.
func (c *Cluster) DSN(tb testing.TB) string {
	tb.Helper()
	dsn, err := c.NewDatabase()
	if err != nil {
		tb.Fatal(err)
	}
	return dsn
}

// NewDatabase creates a new, empty database and returns its connection URL.
func (c *Cluster) NewDatabase() (string, error) {
	name := fmt.Sprintf("sb_%d_%d", os.Getpid(), c.n.Add(1))
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, c.base)
	if err != nil {
		return "", err
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		return "", fmt.Errorf("creating database %s: %v", name, err)
	}
	u, err := url.Parse(c.base)
	if err != nil {
		return "", err
	}
	u.Path = "/" + name
	return u.String(), nil
}

// Stop stops the server and removes its folder.
func (c *Cluster) Stop() {
	if c == nil || c.proc == nil {
		return
	}
	c.stop.Do(func() {
		_ = c.proc.Process.Signal(syscall.SIGINT) // fast shutdown
		select {
		case <-c.exited:
		case <-time.After(20 * time.Second):
			_ = syscall.Kill(-c.proc.Process.Pid, syscall.SIGKILL)
			<-c.exited
		}
		os.RemoveAll(c.dir)
	})
}
