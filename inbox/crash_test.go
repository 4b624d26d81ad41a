package inbox

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	sbbolt "switchboard/data/bolt"
)

// The crash test re-executes this test binary as a child (SWITCHBOARD_CRASH_CHILD=<db path>)
// that injects events in a loop and prints each external id only after Inject returned nil
// (the event is durable). The parent kills it with SIGKILL mid-stream, reopens the file, and
// checks that every acknowledged event is stored exactly once and the invariants hold.

const crashEnv = "SWITCHBOARD_CRASH_CHILD"

// crashCheckpointsEnv makes the child's engine checkpoint every few events.
const crashCheckpointsEnv = "SWITCHBOARD_CRASH_CHECKPOINTS"

func TestMain(m *testing.M) {
	if path := os.Getenv(crashEnv); path != "" {
		crashChild(path)
		return
	}
	os.Exit(m.Run())
}

// crashChild injects forever (until killed): 20 contacts, so routing state (owners, round robin,
// open conversations, a few prompts) evolves; several injectors at once, so group commit is used.
func crashChild(path string) {
	if os.Getenv(crashCheckpointsEnv) != "" {
		// checkpoints every few events: the kill lands in one, or between one's steps
		sbbolt.SetCheckpointSize(16 << 10)
	}
	s, err := openInbox(path, Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		os.Exit(2)
	}
	out := make(chan string, 1024)
	for g := 0; g < 8; g++ {
		go func() {
			for i := 0; ; i++ {
				id := fmt.Sprintf("crash.%d.%d.%d", os.Getpid(), g, i)
				in := Inbound{Channel: "message", From: fmt.Sprintf("1666%07d", (g*7+i)%20), Text: "hello " + id, ExternalID: id}
				if i%5 == 0 {
					in = Inbound{Channel: "call", From: in.From, Outcome: CallMissed, ExternalID: id}
				}
				if _, err := s.Inject(ctx, in); err != nil {
					fmt.Fprintln(os.Stderr, "child:", err)
					os.Exit(3)
				}
				out <- id + " " + in.From
			}
		}()
	}
	w := bufio.NewWriter(os.Stdout)
	for id := range out {
		fmt.Fprintln(w, id)
		if len(out) == 0 {
			w.Flush()
		}
	}
}

func TestCrashKeepsEveryAcknowledgedEvent(t *testing.T) {
	runs, acks := 3, 400
	if testing.Short() {
		runs, acks = 1, 150
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "crash.db")
	{
		s := newServiceAt(t, path)
		s.Close()
	}
	acked := map[string]string{} // external id → contact
	for run := 0; run < runs; run++ {
		cmd := exec.Command(exe, "-test.run=^$")
		cmd.Env = append(os.Environ(), crashEnv+"="+path)
		if run%2 == 1 || testing.Short() {
			// the engine's journal is written into the file in checkpoints every few events
			// (the others mostly die with everything in the journal)
			cmd.Env = append(cmd.Env, crashCheckpointsEnv+"=1")
		}
		var stderr strings.Builder
		cmd.Stderr = &stderr
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(stdout)
		n := 0
		deadline := time.AfterFunc(20*time.Second, func() { cmd.Process.Signal(syscall.SIGKILL) })
		for sc.Scan() {
			id, from, _ := strings.Cut(sc.Text(), " ")
			acked[id] = from
			if n++; n == acks {
				cmd.Process.Signal(syscall.SIGKILL)
				break
			}
		}
		deadline.Stop()
		cmd.Wait()
		if n < acks {
			t.Fatalf("run %d: the child acknowledged only %d events before it stopped; stderr: %s", run, n, stderr.String())
		}
		t.Logf("run %d: killed after %d acknowledged events", run, n)
	}

	s := newServiceAt(t, path)
	// every stored inbound event, by external id, counted over every timeline
	stored := map[string]int{}
	for _, c := range listAll(t, s, Filter{View: ViewAll, Limit: 500}) {
		cursor := ""
		for {
			d := noErr(s.Conversation(ctx, "alice", c.Contact.ID, cursor, 100))(t)
			for _, e := range d.Timeline {
				if e.ID != "" && (e.Kind == "message" || e.Kind == "call") {
					stored[e.ID]++
				}
			}
			if d.Older == "" {
				break
			}
			cursor = d.Older
		}
	}
	for id, n := range stored {
		if n != 1 {
			t.Fatalf("%s stored %d times", id, n)
		}
	}
	for id := range acked {
		if stored[id] != 1 {
			t.Fatalf("acknowledged event %s was lost", id)
		}
	}
	t.Logf("%d acknowledged, %d stored (the rest were in flight when the child died)", len(acked), len(stored))
	checkInvariants(t, s)
	// invariant 2: routing is on in the fixture; every human assignee decided by an inbound event
	// owns the contact (no person acted in the child)
	for _, c := range listAll(t, s, Filter{View: ViewAll, Limit: 500}) {
		if !strings.HasPrefix(c.Contact.ID, "1666") {
			continue // the fixture's conversations
		}
		if a := c.AssigneeID(); a != "" && a != "bot" && c.Prompt == nil && c.OwnerID() != a {
			t.Fatalf("invariant 2: %s assigned to %s, owned by %q", c.Contact.ID, a, c.OwnerID())
		}
	}
	// re-delivering an acknowledged event stores nothing
	n := 0
	for id, from := range acked {
		if n++; n > 20 {
			break
		}
		out := noErr(s.Inject(ctx, Inbound{Channel: "message", From: from, Text: "again", ExternalID: id}))(t)
		if !out.Duplicate {
			t.Fatalf("re-injecting %s was not a duplicate", id)
		}
	}
}

// newServiceAt opens a service on path, importing the fixture when the file is new.
func newServiceAt(t testing.TB, path string) *Service {
	t.Helper()
	_, statErr := os.Stat(path)
	s, err := openInbox(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if os.IsNotExist(statErr) {
		raw, err := os.ReadFile("testdata/workspace.json")
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Import(ctx, "", strings.NewReader(string(raw)), false); err != nil {
			t.Fatal(err)
		}
	}
	return s
}
