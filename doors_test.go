package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"switchboard/inbox/webhook"
)

// runEnv runs the binary with extra environment variables.
func (w *ws) runEnv(t *testing.T, env []string, args ...string) result {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(w.env(), env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	r := result{out: out.String(), err: errb.String()}
	if ee, ok := err.(*exec.ExitError); ok {
		r.code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("running %v: %v", args, err)
	}
	return r
}

// runTTY runs the binary in a terminal of its own (a pseudo-terminal made by util-linux's
// script), as a person at a terminal runs it: what it prints on the terminal, stdout and stderr
// together, is r.out. A run that is still going after 30 s (a screen opened) is ended.
func (w *ws) runTTY(t *testing.T, args ...string) result {
	t.Helper()
	script, err := exec.LookPath("script")
	if err != nil {
		if os.Getenv("SWITCHBOARD_E2E_REQUIRED") != "" {
			t.Fatal("script (util-linux) is needed to run switchboard in a terminal")
		}
		t.Skip("no script (util-linux) to run switchboard in a terminal")
	}
	line := make([]string, 0, len(args)+1)
	for _, a := range append([]string{bin}, args...) {
		line = append(line, "'"+strings.ReplaceAll(a, "'", `'\''`)+"'")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, script, "-qefc", strings.Join(line, " "), "/dev/null")
	cmd.Env = w.env()
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err = cmd.Run()
	r := result{out: strings.ReplaceAll(out.String(), "\r\n", "\n")}
	if ctx.Err() != nil {
		t.Fatalf("switchboard %v in a terminal was still running after 30 s:\n%s", args, r.out)
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		r.code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("running %v in a terminal: %v", args, err)
	}
	return r
}

// wantTTY is want in a terminal of its own.
func (w *ws) wantTTY(t *testing.T, code int, args ...string) result {
	t.Helper()
	r := w.runTTY(t, args...)
	if r.code != code {
		t.Fatalf("switchboard %s in a terminal: want exit %d, got %s", strings.Join(args, " "), code, r)
	}
	return r
}

// demo --reset without a terminal (a cron job, a script) refuses before it resets: the demo it
// would have deleted is still there, as it was, with its tour progress (it was deleted first,
// and only then did the demo say it needs a terminal). The refusals of --reset's flags still
// come first (TestHTTPBeyondLoopbackRefusedBeforeAnyFile), and so does a demo open elsewhere
// (TestSecondOwnerFailsFast).
func TestDemoResetWithoutATerminalChangesNothing(t *testing.T) {
	w := newWS(t, true)
	before := w.ok(t, "export").out
	tour := w.db + ".tour"
	os.WriteFile(tour, []byte("{}"), 0o600)
	cmd := exec.Command(bin, "demo", "--reset", "--db", w.db)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true} // no controlling terminal, whoever runs the tests
	cmd.Env = w.env()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 2 || !strings.Contains(stderr.String(), "The terminal inbox needs a terminal, and this process has none") {
		t.Fatalf("demo --reset without a terminal: %v\n%s", err, stderr.String())
	}
	if after := w.ok(t, "export").out; after != before {
		t.Fatal("demo --reset without a terminal changed the workspace")
	}
	if b, err := os.ReadFile(tour); err != nil || string(b) != "{}" {
		t.Fatalf("demo --reset without a terminal changed the tour progress: %q %v", b, err)
	}
}

// demo --reset deletes only a Switchboard file: a text file given as --db is left as it was.
// (In a terminal: without one, demo --reset refuses before it looks at the file.)
func TestDemoResetRefusesAFileThatIsNotOurs(t *testing.T) {
	w := newWS(t, false)
	notes := filepath.Join(w.dir, "notes.txt")
	os.WriteFile(notes, []byte("my notes\n"), 0o600)
	r := w.wantTTY(t, 1, "demo", "--reset", "--db", notes)
	has(t, r, notes+" is not a Switchboard database", "left untouched")
	if b, err := os.ReadFile(notes); err != nil || string(b) != "my notes\n" {
		t.Fatalf("the text file was changed: %q %v", b, err)
	}
}

// demo --reset while a process has the file open, its socket deleted: refused, naming the
// holder; the workspace is as it was.
func TestDemoResetRefusesAFileOpenWithoutItsSocket(t *testing.T) {
	w := newWS(t, true)
	srv := w.serve(t)
	before := w.ok(t, "export").out
	if err := os.Remove(w.db + ".sock"); err != nil {
		t.Fatal(err)
	}
	r := w.wantTTY(t, 1, "demo", "--reset", "--db", w.db) // in a terminal, as above
	// the holder is named by its socket when serve has made it again already, else by the lock
	has(t, r, w.db+" is open in ", fmt.Sprintf("pid %d", srv.cmd.Process.Pid), "close it")
	if after := w.ok(t, "export").out; after != before {
		t.Fatal("the workspace changed")
	}
	srv.stop(t)
	if after := w.ok(t, "export").out; after != before { // the file itself, not what serve holds
		t.Fatal("the file at the path is not the workspace any more")
	}
}

// serve, the terminal inbox and the demo refuse an unsigned --http beyond loopback before they
// create (or reset) any file.
func TestHTTPBeyondLoopbackRefusedBeforeAnyFile(t *testing.T) {
	w := newWS(t, false)
	db := filepath.Join(w.dir, "new", "w.db")
	for _, args := range [][]string{
		{"serve", "--http", "0.0.0.0:0", "--db", db},
		{"--http", "0.0.0.0:0", "--db", db},
		{"demo", "--http", ":0", "--db", db},
	} {
		r := w.want(t, 1, args...)
		has(t, r, "--webhook-secret")
		if _, err := os.Stat(filepath.Dir(db)); !os.IsNotExist(err) {
			t.Fatalf("switchboard %v created %s before refusing: %v", args, filepath.Dir(db), err)
		}
	}
	w.ok(t, "import", "testdata/workspace.json")
	before := w.ok(t, "export").out
	w.want(t, 1, "demo", "--reset", "--http", "0.0.0.0:0", "--db", w.db)
	if w.ok(t, "export").out != before {
		t.Fatal("demo --reset with a bad --http reset the file")
	}
}

// The webhook secret and verify token come from a file or the environment as well as a flag;
// --help never prints them.
func TestWebhookSecretsFromFilesAndEnvironment(t *testing.T) {
	w := newWS(t, true)
	secretFile := filepath.Join(w.dir, "secret")
	os.WriteFile(secretFile, []byte("from-a-file\n"), 0o600)
	tokenFile := filepath.Join(w.dir, "token")
	os.WriteFile(tokenFile, []byte("tok-file\n"), 0o600)

	r := w.runEnv(t, []string{"SWITCHBOARD_WEBHOOK_SECRET=topsecret", "SWITCHBOARD_VERIFY_TOKEN=toptoken"}, "serve", "--help")
	if r.code != 0 || strings.Contains(r.out, "topsecret") || strings.Contains(r.out, "toptoken") {
		t.Fatalf("--help shows a secret from the environment:\n%s", r)
	}
	has(t, r, "--webhook-secret-file", "--verify-token-file", "visible to other users")

	has(t, w.want(t, 2, "serve", "--http", "127.0.0.1:0", "--webhook-secret", "a", "--webhook-secret-file", secretFile), "give one")
	empty := filepath.Join(w.dir, "empty")
	os.WriteFile(empty, []byte("\n"), 0o600)
	has(t, w.want(t, 1, "serve", "--http", "127.0.0.1:0", "--webhook-secret-file", empty), empty+" is empty")
	r = w.runEnv(t, []string{"SWITCHBOARD_WEBHOOK_SECRET=a", "SWITCHBOARD_WEBHOOK_SECRET_FILE=" + secretFile}, "serve", "--http", "127.0.0.1:0")
	if r.code != 1 || !strings.Contains(r.err, "both set") {
		t.Fatalf("both environment variables: %s", r)
	}

	for _, c := range []struct {
		name   string
		env    []string
		args   []string
		secret string
		token  string
	}{
		{"flags naming files", nil, []string{"--webhook-secret-file", secretFile, "--verify-token-file", tokenFile}, "from-a-file", "tok-file"},
		{"environment naming files", []string{"SWITCHBOARD_WEBHOOK_SECRET_FILE=" + secretFile, "SWITCHBOARD_VERIFY_TOKEN_FILE=" + tokenFile}, nil, "from-a-file", "tok-file"},
		{"environment values", []string{"SWITCHBOARD_WEBHOOK_SECRET=env-secret", "SWITCHBOARD_VERIFY_TOKEN=env-token"}, nil, "env-secret", "env-token"},
		{"a flag beats the environment", []string{"SWITCHBOARD_WEBHOOK_SECRET=env-secret"}, []string{"--webhook-secret", "flag-secret"}, "flag-secret", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			addr := freeAddr(t)
			s := w.serveEnv(t, c.env, append([]string{"--http", addr}, c.args...)...)
			defer s.stop(t)
			post := func(secret string) int {
				req, _ := http.NewRequest("POST", "http://"+addr+"/webhook", strings.NewReader(payload))
				req.Header.Set("X-Hub-Signature-256", webhook.Sign(secret, []byte(payload)))
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				return resp.StatusCode
			}
			if code := post("wrong"); code != 401 {
				t.Fatalf("a POST signed with another secret answered %d", code)
			}
			if code := post(c.secret); code != 200 {
				t.Fatalf("a POST signed with %q answered %d", c.secret, code)
			}
			if c.token != "" {
				resp, err := http.Get("http://" + addr + "/webhook?hub.mode=subscribe&hub.challenge=7&hub.verify_token=" + c.token)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				if resp.StatusCode != 200 {
					t.Fatalf("the handshake with %q answered %d", c.token, resp.StatusCode)
				}
			}
		})
	}
}

// serveEnv is serve with extra environment variables.
func (w *ws) serveEnv(t *testing.T, env []string, args ...string) *server {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"serve"}, args...)...)
	cmd.Env = append(w.env(), env...)
	return w.startServer(t, cmd)
}

// A serve whose socket is deleted makes it again: a command run right after still goes
// through it (waiting for the file's lock first, as with no socket).
func TestCommandsBesideAnOwnerWhoseSocketWasDeleted(t *testing.T) {
	w := newWS(t, true)
	srv := w.serve(t)
	if err := os.Remove(w.db + ".sock"); err != nil {
		t.Fatal(err)
	}
	var who whoami
	w.jsonOf(t, 0, &who, "whoami")
	if who.Via != "socket" || who.Owner == nil || who.Owner.PID != srv.cmd.Process.Pid {
		t.Fatalf("after the socket was deleted: %+v", who)
	}
	w.ok(t, "inject", "message", "+15550004444", "still here")
	srv.stop(t)
	has(t, w.ok(t, "show", "15550004444"), "still here")
}

// A database file that is not writable can still be read: list, show and export work, and a
// change fails with a sentence saying why, changing nothing. As root (CI) the binary runs as
// nobody, for whom a root file of mode 0644 is not writable.
func TestReadOnlyFileCanBeRead(t *testing.T) {
	w := newWS(t, true)
	w.ok(t, "inject", "message", "+15550004444", "hello from a read-only file", "--name", "Ro")
	want := w.ok(t, "export").out
	var cred *syscall.Credential
	if os.Getuid() == 0 {
		cred = &syscall.Credential{Uid: 65534, Gid: 65534}
		for _, d := range []string{w.dir, filepath.Dir(bin)} {
			os.Chmod(d, 0o755) // nobody must reach the file and the binary
		}
		os.Chmod(w.db, 0o644)
	} else {
		os.Chmod(w.db, 0o444)
		defer os.Chmod(w.db, 0o600)
	}
	before, _ := os.ReadFile(w.db)
	run := func(args ...string) result {
		t.Helper()
		cmd := exec.Command(bin, args...)
		cmd.Env = w.env()
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		err := cmd.Run()
		r := result{out: out.String(), err: errb.String()}
		if ee, ok := err.(*exec.ExitError); ok {
			r.code = ee.ExitCode()
		} else if err != nil {
			t.Fatalf("running %v: %v", args, err)
		}
		return r
	}
	if r := run("list"); r.code != 0 || !strings.Contains(r.out, "Ro") {
		t.Fatalf("list: %s", r)
	}
	if r := run("show", "15550004444"); r.code != 0 || !strings.Contains(r.out, "hello from a read-only file") {
		t.Fatalf("show: %s", r)
	}
	if r := run("export"); r.code != 0 || r.out != want {
		t.Fatalf("export differs: %s", r)
	}
	r := run("reply", "15550004444", "hi")
	if r.code != 1 || !strings.Contains(r.err, w.db+" is not writable, so it was opened read-only: nothing was changed") {
		t.Fatalf("a change to a read-only file: %s", r)
	}
	if after, _ := os.ReadFile(w.db); !bytes.Equal(before, after) {
		t.Fatal("the read-only file changed")
	}
}
