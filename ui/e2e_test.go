package ui

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// tmuxTerm runs the built switchboard binary in a real pseudo-terminal (a private tmux server)
// and reads its screen.
type tmuxTerm struct {
	t      *testing.T
	sock   string
	bin    string
	db     string
	screen string
	sess   string // the tmux session ("" is "e2e")
}

func (tm *tmuxTerm) tmux(args ...string) string {
	tm.t.Helper()
	out, err := exec.Command("tmux", append([]string{"-L", tm.sock}, args...)...).CombinedOutput()
	if err != nil {
		tm.t.Fatalf("tmux %v: %v\n%s", args, err, out)
	}
	return string(out)
}

func (tm *tmuxTerm) capture() string { return tm.tmux("capture-pane", "-p", "-t", tm.target()) }

// target is the tmux session the terminal is ("e2e" unless sess names another).
func (tm *tmuxTerm) target() string {
	if tm.sess != "" {
		return tm.sess
	}
	return "e2e"
}

// keys types tmux key names (Enter, Escape, Space, Tab, Up, Down) or text. The pause between
// keys is only pacing: a key that changes the screen or starts a load is followed by a wait for
// what it shows, never by trust in the pause (an Escape read together with the next letter is
// Alt+letter; a key pressed before a conversation has loaded is refused).
func (tm *tmuxTerm) keys(ks ...string) {
	tm.t.Helper()
	for _, k := range ks {
		tm.tmux("send-keys", "-t", tm.target(), k)
		time.Sleep(60 * time.Millisecond)
	}
}

// wait waits until every text is on the screen.
func (tm *tmuxTerm) wait(texts ...string) {
	tm.t.Helper()
	tm.waitFor(15*time.Second, texts...) // only a broken run waits this long
}

func (tm *tmuxTerm) waitFor(d time.Duration, texts ...string) {
	tm.t.Helper()
	deadline := time.Now().Add(d)
	for {
		s := tm.capture()
		ok := true
		for _, x := range texts {
			if !strings.Contains(s, x) {
				ok = false
			}
		}
		if ok {
			tm.screen = s
			return
		}
		if time.Now().After(deadline) {
			tm.t.Fatalf("the screen never showed %q:\n%s", texts, s)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// cli runs a second switchboard process (it reaches the open inbox through its socket).
func (tm *tmuxTerm) cli(args ...string) string {
	tm.t.Helper()
	out, err := exec.Command(tm.bin, append([]string{"--db", tm.db}, args...)...).CombinedOutput()
	if err != nil && !strings.Contains(err.Error(), "exit status 3") { // 3: done, a decision waits
		tm.t.Fatalf("switchboard %v: %v\n%s", args, err, out)
	}
	return string(out)
}

var (
	buildOnce sync.Once
	builtBin  string
	buildErr  error
)

// e2eBinary builds the switchboard binary once per test binary (skipping with -short or
// without tmux).
func e2eBinary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the binary and drives it in tmux; skipped with -short")
	}
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Skip("tmux is not on PATH: the end-to-end terminal test needs it (apt-get install tmux)")
	}
	buildOnce.Do(func() {
		var dir string
		if dir, buildErr = os.MkdirTemp("", "sb-e2e-bin-"); buildErr != nil {
			return
		}
		builtBin = filepath.Join(dir, "switchboard")
		if out, err := exec.Command("go", "build", "-o", builtBin, "..").CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return builtBin
}

func TestEndToEndInRealTerminal(t *testing.T) {
	bin := e2eBinary(t)
	dir := t.TempDir()
	tm := &tmuxTerm{t: t, sock: fmt.Sprintf("sb-e2e-%d", os.Getpid()), bin: bin, db: filepath.Join(dir, "sb.db")}
	tm.cli("import", "../inbox/testdata/workspace.json")
	tm.tmux("new-session", "-d", "-s", "e2e", "-x", "120", "-y", "32", "--", tm.bin, "--db", tm.db, "--as", "alice")
	t.Cleanup(func() { exec.Command("tmux", "-L", tm.sock, "kill-server").Run() })

	// the inbox shows owner and assignee
	tm.wait("Switchboard · Inbox", "Dana Diaz +15550001111", "→ Bob · owner Bob · Support", "Owner Bob Stone · Assignee Bob Stone")

	// a message injected from the CLI in another process appears live
	tm.cli("inject", "message", "+15550003333", "hello from the cli")
	tm.wait("Finn Park", "hello from the cli")

	// the settings toggle flips as an admin…
	tm.keys("s", "Space")
	tm.wait("[○ off] Contact owner-based routing", "Contact owner-based routing: on → off")
	tm.keys("Space")
	tm.wait("[● on ] Contact owner-based routing")
	// …and is refused for an operator (act as Carol)
	tm.keys("Escape")
	tm.wait("Switchboard · Inbox")
	tm.keys("u")
	tm.wait("Act as… (local demo and training)")
	tm.keys("g", "Down", "Down", "Enter") // Carol
	tm.wait("Carol Diaz · operator")
	tm.keys("s", "Space")
	tm.wait("Only admins can change routing settings", "[● on ] Contact owner-based routing")
	tm.keys("Escape")
	tm.wait("Switchboard · Inbox")
	tm.keys("u")
	tm.wait("Act as… (local demo and training)")
	tm.keys("g", "Enter") // back to Alice
	tm.wait("Alice Ng · admin")

	// a team decision raised by an inbound message, accepted in the dialog
	tm.cli("inject", "message", "+15550002222", "is my order shipped?")
	tm.wait("Waiting for decision 1")
	tm.keys("/")
	tm.wait("Search contacts")
	tm.keys("Eve")
	tm.wait("▸ Eve Ortiz")
	tm.keys("Enter")
	tm.wait("Team decision · Eve Ortiz", "Erin Cho owns Eve Ortiz but is not in Support", "(•) Sales")
	tm.keys("y")
	tm.wait("Owner Erin Cho · Assignee Erin Cho", "Team Sales", "Waiting for decision 0")

	// a team decision raised by Alice's own action (owner outside the team), declined
	tm.keys("/")
	tm.wait("Search contacts")
	tm.keys("Dana")
	tm.wait("▸ Dana Diaz")
	tm.keys("Enter")
	tm.wait("Owner Bob Stone · Assignee") // loaded (opening it marks it read: a durable write)
	tm.keys("o")
	tm.wait("Contact owner of Dana Diaz")
	tm.keys("g", "Down", "Down", "Down", "Down", "Down", "Enter") // Frank Ode, the sixth operator
	tm.wait("Team decision · Dana Diaz", "Frank Ode owns Dana Diaz but is not in Support")
	tm.keys("n")
	tm.wait("Owner Frank Ode · Assignee Bot", "Team Support")

	tm.keys("q")
	deadline := time.Now().Add(10 * time.Second)
	for exec.Command("tmux", "-L", tm.sock, "has-session", "-t", "e2e").Run() == nil {
		if time.Now().After(deadline) {
			t.Fatalf("q did not quit:\n%s", tm.capture())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestAttachedTerminalInbox opens a second terminal inbox on a workspace the first already
// owns: it attaches through the socket and works the same — live, the same keys, act as —
// and says so when the owner quits.
func TestAttachedTerminalInbox(t *testing.T) {
	bin := e2eBinary(t)
	dir := t.TempDir()
	tm := &tmuxTerm{t: t, sock: fmt.Sprintf("sb-e2e-attach-%d", os.Getpid()), bin: bin, db: filepath.Join(dir, "sb.db")}
	tm.cli("import", "../inbox/testdata/workspace.json")
	tm.tmux("new-session", "-d", "-s", "e2e", "-x", "120", "-y", "32", "--", tm.bin, "--db", tm.db, "--as", "alice")
	t.Cleanup(func() { exec.Command("tmux", "-L", tm.sock, "kill-server").Run() })
	tm.wait("Alice Ng · admin")
	second := &tmuxTerm{t: t, sock: tm.sock, bin: bin, db: tm.db, sess: "second"}
	tm.tmux("new-session", "-d", "-s", "second", "-x", "120", "-y", "32", "--", tm.bin, "--db", tm.db, "--as", "carol")
	second.wait("Carol Diaz · operator", "Dana Diaz +15550001111")

	// what either does, the other sees without a key
	tm.cli("inject", "message", "+15550003333", "hello from the cli")
	tm.wait("Finn Park", "hello from the cli")
	second.wait("Finn Park", "hello from the cli")
	tm.keys("s", "Space")
	tm.wait("[○ off] Contact owner-based routing")
	second.keys("s")
	second.wait("[○ off] Contact owner-based routing", "🔒 Only admins can change routing — you are Carol Diaz (operator).")
	second.keys("Space")
	second.wait("Only admins can change routing settings")
	// act as works in the attached one too (it dials again as the operator chosen)
	second.keys("Escape", "u")
	second.wait("Act as… (local demo and training)")
	second.keys("g", "Enter") // Alice
	second.wait("Alice Ng · admin", "You are now acting as Alice Ng")

	// the owner quits: the attached screen says live updates stopped
	tm.keys("q")
	second.wait("Live updates stopped")
}
