package ui

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

var (
	sgr      = regexp.MustCompile(`\x1b\[([0-9;:]*)m`)
	number   = regexp.MustCompile(`\+(\d{6,})`)
	paneLine = regexp.MustCompile(`\+(\d{6,})\s+\[(open|closed|no conversation yet)\]`)
	position = regexp.MustCompile(`(\d+|–) of (\d+)`)
)

// highlighted reads the contact of the highlighted list row off the real terminal: the run
// has NO_COLOR set, so the selection is the only reverse-video text on the inbox screen.
func (tm *tmuxTerm) highlighted() string {
	tm.t.Helper()
	for _, line := range strings.Split(tm.tmux("capture-pane", "-e", "-p", "-t", "e2e"), "\n") {
		var rev strings.Builder
		on := false
		for line != "" {
			loc := sgr.FindStringSubmatchIndex(line)
			if loc == nil {
				if on {
					rev.WriteString(line)
				}
				break
			}
			if on {
				rev.WriteString(line[:loc[0]])
			}
			params := strings.Split(line[loc[2]:loc[3]], ";")
			for i := 0; i < len(params); i++ {
				switch params[i] {
				case "", "0":
					on = false
				case "7":
					on = true
				case "27":
					on = false
				case "38", "48", "58": // a colour: skip its arguments
					if i+1 < len(params) && params[i+1] == "5" {
						i += 2
					} else if i+1 < len(params) && params[i+1] == "2" {
						i += 4
					}
				}
			}
			line = line[loc[1]:]
		}
		if m := number.FindStringSubmatch(rev.String()); m != nil {
			return m[1]
		}
	}
	return ""
}

// pane reads the contact the conversation pane shows and its status ("" when none).
func (tm *tmuxTerm) pane() (id, status string) {
	if m := paneLine.FindStringSubmatch(tm.capture()); m != nil {
		return m[1], m[2]
	}
	return "", ""
}

// pos reads the list's "N of M" (N 0 for "–").
func (tm *tmuxTerm) pos() (int, int) {
	m := position.FindStringSubmatch(tm.capture())
	if m == nil {
		return -1, -1
	}
	n, _ := strconv.Atoi(m[1])
	of, _ := strconv.Atoi(m[2])
	return n, of
}

// agree fails when the highlighted row and the pane are about different conversations. It
// first waits while the pane is loading (moving the cursor shows "Loading…" until the
// conversation is read), never for the two to agree.
func (tm *tmuxTerm) agree(after string) {
	tm.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for strings.Contains(tm.capture(), "Loading…") && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	hl := tm.highlighted()
	id, _ := tm.pane()
	if hl != "" && hl != id {
		tm.t.Fatalf("after %s the list highlights +%s and the pane shows +%s:\n%s", after, hl, id, tm.capture())
	}
	if hl == "" && id != "" && !strings.Contains(strings.Join(strings.Fields(tm.capture()), " "), "the list highlights") {
		tm.t.Fatalf("after %s the pane shows +%s, no row is highlighted and the screen does not say why:\n%s", after, id, tm.capture())
	}
}

func (tm *tmuxTerm) status(id string) string {
	tm.t.Helper()
	out := tm.cli("show", "+"+id, "--json")
	for _, s := range []string{"open", "closed"} {
		if strings.Contains(out, `"status": "`+s+`"`) {
			return s
		}
	}
	tm.t.Fatalf("show +%s: no status:\n%s", id, out)
	return ""
}

func (tm *tmuxTerm) start(args ...string) {
	tm.t.Helper()
	exec.Command("tmux", "-L", tm.sock, "kill-server").Run()
	tm.tmux(append([]string{"new-session", "-d", "-s", "e2e", "-x", "120", "-y", "34", "--", "env", "NO_COLOR=1", tm.bin}, args...)...)
}

func (tm *tmuxTerm) quit() {
	tm.t.Helper()
	tm.keys("q")
	deadline := time.Now().Add(10 * time.Second)
	for exec.Command("tmux", "-L", tm.sock, "has-session", "-t", "e2e").Run() == nil {
		if time.Now().After(deadline) {
			tm.t.Fatalf("q did not quit:\n%s", tm.capture())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestEndToEndSelectionInRealTerminal plays both reproductions of issue 10 in a real terminal.
// On a generated 100,000-contact demo: row 530 of All, past the first loaded pages, stays
// highlighted and shown when a customer writes from another shell, and c acts on it. On the
// small demo: after t moves Priya out of Support, and after a search opens Chloe (not in
// Support), the list never highlights another conversation than the pane shows, and c acts on
// the pane's conversation or on none.
func TestEndToEndSelectionInRealTerminal(t *testing.T) {
	bin := e2eBinary(t)
	term := func(t *testing.T, db string) *tmuxTerm {
		tm := &tmuxTerm{t: t, sock: fmt.Sprintf("sb-e2e-sel-%d", os.Getpid()), bin: bin, db: filepath.Join(t.TempDir(), db)}
		t.Cleanup(func() { exec.Command("tmux", "-L", tm.sock, "kill-server").Run() })
		return tm
	}
	t.Run("100000 conversations", func(t *testing.T) { e2eLargeSelection(t, term(t, "big.db")) })
	t.Run("the demo", func(t *testing.T) { e2eDemoSelection(t, term(t, "demo.db")) })
}

func e2eLargeSelection(t *testing.T, tm *tmuxTerm) {
	tm.start("demo", "--reset", "--contacts", "100000", "--db", tm.db)
	tm.waitFor(3*time.Minute, "Switchboard · Inbox", "All ") // generating takes a few seconds
	if strings.Contains(tm.capture(), "Guided tour") {
		t.Fatalf("the guided tour is shown on a generated workspace, whose contacts are not the tour's:\n%s", tm.capture())
	}
	tm.keys("BTab", "G", "k") // views: Closed, then All
	tm.wait("All ", "Closed ")
	tm.keys("Tab", "g")
	tm.wait("1 of 100000")
	for i := 0; i < 58; i++ { // 58 pages of 9 rows
		tm.keys("PgDn")
	}
	for i, n := 0, -1; n != 530; i++ { // a page still loading stops a key short
		time.Sleep(100 * time.Millisecond)
		if n, _ = tm.pos(); n == 530 {
			break
		}
		if n < 0 || i > 100 {
			t.Fatalf("could not reach row 530 (at %d):\n%s", n, tm.capture())
		}
		if n < 530 {
			tm.keys("j")
		} else {
			tm.keys("k")
		}
	}
	tm.wait("530 of 100000")
	tm.agree("moving to row 530")
	sel := tm.highlighted()
	if sel == "" {
		t.Fatalf("no row is highlighted at 530:\n%s", tm.capture())
	}
	tm.cli("inject", "message", "+15559990001", "hi")
	tm.wait("531 of 100001")
	tm.agree("a message injected from another shell")
	if got := tm.highlighted(); got != sel {
		t.Fatalf("a message from another shell moved the highlight from +%s to +%s:\n%s", sel, got, tm.capture())
	}
	was := tm.status(sel)
	tm.keys("c")
	deadline := time.Now().Add(15 * time.Second)
	for tm.status(sel) == was {
		if time.Now().After(deadline) {
			t.Fatalf("c did not act on +%s, the highlighted and shown conversation:\n%s", sel, tm.capture())
		}
		time.Sleep(100 * time.Millisecond)
	}
	tm.quit()
}

func e2eDemoSelection(t *testing.T, tm *tmuxTerm) {
	tm.start("demo", "--reset", "--db", tm.db)
	tm.wait("Switchboard · Inbox", "Guided tour")
	tm.keys("T")
	tm.cli("inject", "message", "+4915112345001", "Hi, it never came") // Priya reopens with Lena in Support
	tm.wait("Hi, it never came")
	tm.keys("BTab", "g", "j", "j", "j", "j", "j", "j") // Mine, Unassigned, Bot, Backlog, Waiting, Sales, Support
	tm.wait("│Support ")
	tm.keys("Tab", "/")
	tm.wait("Search contacts")
	tm.keys("Priya")
	tm.wait("▸ Priya Shah")
	tm.keys("Enter")
	tm.wait("Priya Shah +4915112345001", "[open]")
	tm.keys("Escape")
	tm.agree("opening Priya")
	if hl := tm.highlighted(); hl != "4915112345001" {
		t.Fatalf("Priya is in Support but not highlighted (+%s):\n%s", hl, tm.capture())
	}
	support := regexp.MustCompile(`│ Support +(\d+) │`)
	m := support.FindStringSubmatch(tm.capture())
	if m == nil {
		t.Fatalf("no Support count:\n%s", tm.capture())
	}
	n, _ := strconv.Atoi(m[1])
	tm.keys("t")
	tm.wait("Move Priya Shah to team…")
	tm.keys("G", "Enter") // Billing
	tm.wait("moved the conversation from Support to Billing", fmt.Sprintf("│ Support %*d │", len(m[0])-len("│ Support  │"), n-1))
	tm.agree("t moved Priya to Billing")
	tm.wait("Priya Shah left Support")
	tm.keys("c")
	tm.wait("c: select a conversation first")
	if s := tm.status("4915112345001"); s != "open" {
		t.Fatalf("c closed Priya, who is no longer shown (%s)", s)
	}

	tm.keys("j")
	tm.wait("1 of 11")
	tm.agree("j")
	tm.keys("/")
	tm.wait("Search contacts")
	tm.keys("Chloe")
	tm.wait("▸ Chloe Dubois")
	tm.keys("Enter")
	tm.wait("Chloe Dubois +4915112345007", "[closed]")
	tm.agree("opening Chloe from the search")
	tm.keys("c")
	tm.wait("Chloe Dubois +4915112345007", "[open]")
	tm.agree("c on Chloe")
	if s := tm.status("4915112345007"); s != "open" {
		t.Fatalf("c did not reopen Chloe, the conversation shown (%s)", s)
	}
	tm.quit()
}
