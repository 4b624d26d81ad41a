package sshd_test

import (
	"bufio"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"
)

// needTool skips when a tool the end-to-end tests drive is missing, except under CI
// (SWITCHBOARD_E2E_REQUIRED, set by .ci/run, which installs them), where it fails.
func needTool(t *testing.T, name, pkg string) {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		if os.Getenv("SWITCHBOARD_E2E_REQUIRED") != "" {
			t.Fatalf("%s is not on PATH (apt-get install %s)", name, pkg)
		}
		t.Skipf("%s is not on PATH: this end-to-end test needs it (apt-get install %s)", name, pkg)
	}
}

// keyFiles writes an OpenSSH key pair (dir/name, mode 0600, and dir/name.pub) and returns the
// public line.
func keyFiles(t *testing.T, dir, name string) string {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	block, err := gossh.MarshalPrivateKey(priv, name)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name), pem.EncodeToMemory(block), 0o600); err != nil {
		t.Fatal(err)
	}
	k, _ := gossh.NewPublicKey(pub)
	line := strings.TrimSpace(string(gossh.MarshalAuthorizedKey(k))) + " " + name + "@laptop\n"
	if err := os.WriteFile(filepath.Join(dir, name+".pub"), []byte(line), 0o600); err != nil {
		t.Fatal(err)
	}
	return line
}

// TestRealSSHClients serves a workspace with `switchboard serve --ssh` and signs in with
// OpenSSH's ssh, the way agents do: the key-offer bypass as OpenSSH makes it (it offers the
// admin's .pub, the server would take it, it cannot load the private half, then signs with the
// agent's own key), an unknown key's one line, a command with JSON, and two agents' screens in
// tmux at once, each seeing the other's change live.
func TestRealSSHClients(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and drives OpenSSH in tmux; skipped with -short")
	}
	needTool(t, "ssh", "openssh-client")
	needTool(t, "tmux", "tmux")
	dir := t.TempDir()
	bin := filepath.Join(dir, "switchboard")
	if out, err := exec.Command("go", "build", "-o", bin, "..").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	db := filepath.Join(dir, "sb.db")
	env := append(os.Environ(), "XDG_DATA_HOME="+filepath.Join(dir, "xdg"), "SWITCHBOARD_DB=", "SWITCHBOARD_AS=")
	cli := func(args ...string) string {
		t.Helper()
		cmd := exec.Command(bin, append([]string{"--db", db}, args...)...)
		cmd.Env = env
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("switchboard %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	cli("import", "../inbox/testdata/workspace.json")
	for _, who := range []string{"alice", "carol"} {
		keyFiles(t, dir, who)
		cli("operators", "keys", "add", who, filepath.Join(dir, who+".pub"))
	}
	keyFiles(t, dir, "eve") // nobody's

	serve := exec.Command(bin, "--db", db, "serve", "--ssh", "127.0.0.1:0")
	serve.Env = env
	stderr, err := serve.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := serve.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { serve.Process.Kill(); serve.Wait() })
	port := ""
	lines := bufio.NewScanner(stderr)
	re := regexp.MustCompile(`SSH: ssh -p (\d+) 127\.0\.0\.1 \(host key (SHA256:\S+):`)
	var served []string
	for port == "" && lines.Scan() {
		served = append(served, lines.Text())
		if m := re.FindStringSubmatch(lines.Text()); m != nil {
			port = m[1]
		}
	}
	if port == "" {
		t.Fatalf("serve did not say where SSH listens:\n%s", strings.Join(served, "\n"))
	}
	go func() {
		for lines.Scan() { // keep reading the door's log
		}
	}()
	sshArgs := func(keys ...string) []string {
		a := []string{"-F", "/dev/null", "-p", port, "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
			"-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes", "-o", "LogLevel=INFO"}
		for _, k := range keys {
			a = append(a, "-i", filepath.Join(dir, k))
		}
		return append(a, "someone@127.0.0.1")
	}
	sshRun := func(keys []string, cmd ...string) (string, string, int) {
		c := exec.Command("ssh", append(sshArgs(keys...), cmd...)...)
		var out, errb strings.Builder
		c.Stdout, c.Stderr = &out, &errb
		err := c.Run()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		return out.String(), errb.String(), code
	}

	// the bypass, as OpenSSH makes it
	out, errOut, code := sshRun([]string{"alice.pub", "carol"}, "whoami", "--json")
	var who struct {
		Operator struct{ ID string } `json:"operator"`
		Via      string              `json:"via"`
	}
	if err := json.Unmarshal([]byte(out), &who); err != nil || code != 0 {
		t.Fatalf("whoami: exit %d, %v\n%s\n%s", code, err, out, errOut)
	}
	if who.Operator.ID != "carol" || who.Via != "ssh" {
		t.Fatalf("offering alice.pub then signing with carol's key is %+v", who)
	}
	if !strings.Contains(errOut, "alice.pub") { // OpenSSH says it could not use the offered key
		t.Logf("ssh did not mention alice.pub:\n%s", errOut)
	}
	// an unknown key: one line, no session
	_, errOut, code = sshRun([]string{"eve"}, "list")
	if code != 255 || !strings.Contains(errOut, "is not an operator's key in this workspace") {
		t.Fatalf("eve: exit %d\n%s", code, errOut)
	}
	// a command: an operator is refused routing with exit 4
	_, errOut, code = sshRun([]string{"carol"}, "routing", "off")
	if code != 4 || !strings.Contains(errOut, "Only admins can change routing settings") {
		t.Fatalf("carol routing off: exit %d\n%s", code, errOut)
	}

	// two agents' screens at once, in a real terminal each
	sock := fmt.Sprintf("sb-ssh-e2e-%d", os.Getpid())
	tmux := func(args ...string) string {
		t.Helper()
		out, err := exec.Command("tmux", append([]string{"-L", sock}, args...)...).CombinedOutput()
		if err != nil {
			t.Fatalf("tmux %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	t.Cleanup(func() { exec.Command("tmux", "-L", sock, "kill-server").Run() })
	for _, who := range []string{"carol", "alice"} {
		tmux(append([]string{"new-session", "-d", "-s", who, "-x", "120", "-y", "34", "--", "ssh", "-t"}, sshArgs(who)...)...)
	}
	wait := func(pane string, texts ...string) {
		t.Helper()
		deadline := time.Now().Add(15 * time.Second)
		for {
			scr := tmux("capture-pane", "-p", "-t", pane)
			missing := ""
			for _, s := range texts {
				if !strings.Contains(scr, s) {
					missing = s
					break
				}
			}
			if missing == "" {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s's screen never showed %q:\n%s", pane, missing, scr)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	keys := func(pane string, ks ...string) {
		for _, k := range ks {
			tmux("send-keys", "-t", pane, k)
			time.Sleep(80 * time.Millisecond)
		}
	}
	wait("carol", "Carol Diaz · operator · ● online")
	wait("alice", "Alice Ng · admin · ● online")
	keys("carol", "s")
	wait("carol", "🔒 Only admins can change routing — you are Carol Diaz (operator).", "[● on ] Contact owner-based routing")
	keys("alice", "s", "Space")
	wait("alice", "Contact owner-based routing is now off")
	wait("carol", "[○ off] Contact owner-based routing") // no key pressed on carol's screen
	keys("carol", "Escape")
	cli("inject", "message", "+15550004444", "is anyone there?", "--name", "Gus Lee")
	wait("carol", "Gus Lee", "is anyone there?")
	keys("alice", "Escape")
	wait("alice", "Gus Lee")

	// serve stops with SIGTERM and says goodbye to both screens
	if err := serve.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- serve.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve: %v", err)
		}
	case <-ctx.Done():
		t.Fatal("serve did not stop on SIGTERM")
	}
}
