package postgres

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"switchboard/data/bolt"
	"switchboard/inbox"
	"switchboard/inbox/domain"
	"switchboard/internal/testkey"
)

// Several nodes on one workspace: two Services, each on its own pool, as two `switchboard serve`
// processes are.

var bg = context.Background()

// seed is a workspace where new contacts go to Support by round robin among carol and dana
// (bob is offline): every pick shows in which order the nodes' decisions landed.
const seed = `{
  "format": "switchboard/v1",
  "settings": {"plan": "business", "contact_owner_routing": true, "round_robin": true, "default_team": "support", "rules": []},
  "teams": [{"id": "support", "name": "Support", "members": ["bob", "carol", "dana"]}],
  "operators": [{"id": "alice", "name": "Alice Ng", "role": "admin", "status": "online"},
                {"id": "bob", "name": "Bob Stone", "role": "operator", "status": "offline"},
                {"id": "carol", "name": "Carol Diaz", "role": "operator", "status": "online"},
                {"id": "dana", "name": "Dana Kim", "role": "operator", "status": "online"}],
  "contacts": [], "conversations": []
}`

func node(t testing.TB, dsn string) *inbox.Service {
	t.Helper()
	db, err := Open(dsn)
	if err != nil {
		t.Fatal(err)
	}
	svc, err := inbox.New(db, inbox.Options{NoTimers: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { svc.Close() })
	return svc
}

func twoNodes(t *testing.T) (a, b *inbox.Service, dsn string) {
	if cluster == nil {
		t.Skip("no PostgreSQL server for the tests (see package pgtest)")
	}
	dsn = cluster.DSN(t)
	a = node(t, dsn)
	if err := a.Import(bg, "", strings.NewReader(seed), false); err != nil {
		t.Fatal(err)
	}
	return a, node(t, dsn), dsn
}

func phone(i int) string { return fmt.Sprintf("3465500%04d", i) }

// messages counts each inbound id's entries in the contact's timeline.
func messages(t testing.TB, st domain.Store, contact string) map[string]int {
	t.Helper()
	seen := map[string]int{}
	err := st.View(func(tx domain.ReadTx) error {
		es, _, err := tx.Timeline(contact, "", 100000)
		for _, e := range es {
			if e.Kind == domain.KindMessage {
				seen[e.ID]++
			}
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return seen
}

// TestTwoNodesRaceForTheSameContacts: 1,000 inbound messages for the same 20 new contacts, half
// through each node, 16 at a time: every message stored once, every contact one conversation
// assigned by round robin, and the picks exactly those one node makes given the same first
// messages in the order the commits landed.
func TestTwoNodesRaceForTheSameContacts(t *testing.T) {
	a, b, _ := twoNodes(t)
	const events, contacts = 1000, 20
	var wg sync.WaitGroup
	errs := make(chan error, events)
	work := make(chan int)
	for w := 0; w < 16; w++ {
		svc := a
		if w%2 == 1 {
			svc = b
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				_, err := svc.Inject(bg, inbox.Inbound{Channel: "message", From: phone(i % contacts), Name: fmt.Sprintf("Customer %d", i%contacts),
					Text: fmt.Sprintf("message %d", i), ExternalID: fmt.Sprintf("wamid.%d", i)})
				if err != nil {
					errs <- fmt.Errorf("message %d: %v", i, err)
				}
			}
		}()
	}
	for i := 0; i < events; i++ {
		work <- i
	}
	close(work)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}

	type pick struct {
		contact, assignee string
	}
	var picks []pick
	total := 0
	for c := 0; c < contacts; c++ {
		seen := messages(t, a.Store(), phone(c))
		for id, n := range seen {
			if n != 1 {
				t.Errorf("%s: %s stored %d times", phone(c), id, n)
			}
		}
		total += len(seen)
		var p pick
		err := a.Store().View(func(tx domain.ReadTx) error {
			cv, ok, err := tx.Conversation(phone(c))
			if err != nil || !ok {
				return fmt.Errorf("no conversation for %s (%v)", phone(c), err)
			}
			if cv.Assignee == "" {
				return fmt.Errorf("%s is unassigned", phone(c))
			}
			p = pick{contact: phone(c), assignee: cv.Assignee}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if p.assignee != "carol" && p.assignee != "dana" {
			t.Errorf("%s assigned to %q: only carol and dana are online in Support", p.contact, p.assignee)
		}
		picks = append(picks, p)
	}
	if total != events {
		t.Errorf("%d distinct messages stored, want %d", total, events)
	}
	// both nodes see the same
	for c := 0; c < contacts; c++ {
		if got, want := len(messages(t, b.Store(), phone(c))), len(messages(t, a.Store(), phone(c))); got != want {
			t.Errorf("node b sees %d messages of %s, node a %d", got, phone(c), want)
		}
	}

	// one node, the same first messages in the order the commits landed: the commits' own
	// announcements, in commit order (and in each, the order of its commands)
	order := map[string]int{}
	rows, err := a.Store().(*DB).Pool().Query(bg, `SELECT payload FROM sb_events ORDER BY pg_xact_commit_timestamp(xmin), seq`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var raw []byte
		var ann struct{ Events []inbox.Event }
		if err := rows.Scan(&raw); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(raw, &ann); err != nil {
			t.Fatal(err)
		}
		for _, e := range ann.Events {
			if _, seen := order[e.Contact]; !seen && e.Kind == inbox.EventConversation && e.Contact != "" {
				order[e.Contact] = len(order)
			}
		}
	}
	rows.Close()
	if len(order) != contacts {
		t.Fatalf("the commits announced %d contacts, want %d", len(order), contacts)
	}
	sort.Slice(picks, func(i, j int) bool { return order[picks[i].contact] < order[picks[j].contact] })
	one, err := bolt.Open(filepath.Join(t.TempDir(), "one.db"))
	if err != nil {
		t.Fatal(err)
	}
	ref, err := inbox.New(one, inbox.Options{NoTimers: true})
	if err != nil {
		t.Fatal(err)
	}
	defer ref.Close()
	if err := ref.Import(bg, "", strings.NewReader(seed), false); err != nil {
		t.Fatal(err)
	}
	var got, want []string
	for _, p := range picks {
		out, err := ref.Inject(bg, inbox.Inbound{Channel: "message", From: p.contact, Text: "first"})
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, *out.Conversation.Assignee)
		got = append(got, p.assignee)
	}
	if !slices.Equal(got, want) {
		t.Errorf("round robin across two nodes picked\n%v\none node picks, in the same order,\n%v", got, want)
	}
}

// TestAWebhookRetriedOnBothNodesIsStoredOnce: each message arrives at both nodes at the same
// moment (a webhook retried onto another node): one stores it, the other says duplicate.
func TestAWebhookRetriedOnBothNodesIsStoredOnce(t *testing.T) {
	a, b, _ := twoNodes(t)
	const n = 100
	for i := 0; i < n; i++ {
		in := inbox.Inbound{Channel: "message", From: phone(i % 5), Text: fmt.Sprintf("hello %d", i), ExternalID: fmt.Sprintf("wamid.retry.%d", i)}
		var outs [2]inbox.Outcome
		var errs [2]error
		var wg sync.WaitGroup
		for k, svc := range []*inbox.Service{a, b} {
			wg.Add(1)
			go func() { defer wg.Done(); outs[k], errs[k] = svc.Inject(bg, in) }()
		}
		wg.Wait()
		if errs[0] != nil || errs[1] != nil {
			t.Fatalf("message %d: %v / %v", i, errs[0], errs[1])
		}
		if outs[0].Duplicate == outs[1].Duplicate {
			t.Fatalf("message %d: duplicate on node a %v, on node b %v: exactly one must store it", i, outs[0].Duplicate, outs[1].Duplicate)
		}
	}
	total := 0
	for c := 0; c < 5; c++ {
		for id, k := range messages(t, b.Store(), phone(c)) {
			if k != 1 {
				t.Errorf("%s stored %d times", id, k)
			}
			total++
		}
	}
	if total != n {
		t.Errorf("%d messages stored, want %d", total, n)
	}
}

// TestLiveUpdatesReachTheOtherNode: what one node commits reaches the subscribers (screens, SSH
// sessions, event streams) of the other, and the other node's configuration follows.
func TestLiveUpdatesReachTheOtherNode(t *testing.T) {
	a, b, _ := twoNodes(t)
	ctx, cancel := context.WithCancel(bg)
	defer cancel()
	events := b.Subscribe(ctx)
	time.Sleep(200 * time.Millisecond) // b's listener is up
	if _, err := a.Inject(bg, inbox.Inbound{Channel: "message", From: phone(1), Text: "are you there?"}); err != nil {
		t.Fatal(err)
	}
	wait := func(what string, ok func(inbox.Event) bool) {
		t.Helper()
		deadline := time.After(5 * time.Second)
		for {
			select {
			case e := <-events:
				if ok(e) {
					return
				}
			case <-deadline:
				t.Fatalf("node b never heard %s", what)
			}
		}
	}
	wait("of the message on node a", func(e inbox.Event) bool { return e.Kind == inbox.EventConversation && e.Contact == phone(1) })

	if b.Settings(bg).RoundRobin != true {
		t.Fatal("round robin should start on")
	}
	if _, err := a.SetRoundRobin(bg, "alice", false); err != nil {
		t.Fatal(err)
	}
	wait("of the settings change", func(e inbox.Event) bool { return e.Kind == inbox.EventConfig })
	if b.Settings(bg).RoundRobin {
		t.Error("node b heard the change, but its settings still say round robin is on")
	}
	// and node b decides on it: a new contact is not assigned by round robin any more
	out, err := b.Inject(bg, inbox.Inbound{Channel: "message", From: phone(2), Text: "hi"})
	if err != nil {
		t.Fatal(err)
	}
	if as := out.Conversation.Assignee; as != nil && (*as == "carol" || *as == "dana") {
		t.Errorf("round robin is off on node a, yet node b assigned %s to %s", phone(2), *as)
	}
}

// TestANodeKilledMidTransactionLosesNothingAcknowledged: a node (a process of its own) injects
// messages and prints each id once acknowledged; it is killed (SIGKILL) in the middle. Every
// acknowledged message is there, once; the other node goes on.
func TestANodeKilledMidTransactionLosesNothingAcknowledged(t *testing.T) {
	_, b, dsn := twoNodes(t)
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "SWITCHBOARD_TEST_NODE="+dsn)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var acked []string
	sc := bufio.NewScanner(out)
	for sc.Scan() && len(acked) < 300 {
		acked = append(acked, sc.Text())
	}
	cmd.Process.Signal(syscall.SIGKILL)
	for sc.Scan() { // what it printed before it died was acknowledged too
		acked = append(acked, sc.Text())
	}
	cmd.Wait()
	if len(acked) < 300 {
		t.Fatalf("the node acknowledged only %d messages before it stopped", len(acked))
	}
	stored := map[string]int{}
	for c := 0; c < 20; c++ {
		for id, n := range messages(t, b.Store(), phone(c)) {
			stored[id] += n
		}
	}
	for _, id := range acked {
		if stored[id] != 1 {
			t.Errorf("%s was acknowledged, and is stored %d times", id, stored[id])
		}
	}
	// the survivor still routes and stores
	if _, err := b.Inject(bg, inbox.Inbound{Channel: "message", From: phone(3), Text: "still there?", ExternalID: "after"}); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d acknowledged before the kill, %d stored in all", len(acked), len(stored))
}

// childNode is the process TestANodeKilledMidTransactionLosesNothingAcknowledged kills.
func childNode(dsn string) {
	db, err := Open(dsn)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	svc, err := inbox.New(db, inbox.Options{NoTimers: true})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	var mu sync.Mutex
	w := bufio.NewWriter(os.Stdout)
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := g; ; i += 8 {
				id := fmt.Sprintf("wamid.kill.%d", i)
				if _, err := svc.Inject(bg, inbox.Inbound{Channel: "message", From: phone(i % 20), Text: "hi", ExternalID: id}); err == nil {
					mu.Lock()
					w.WriteString(id + "\n")
					w.Flush()
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
}

// TestPresenceFollowsSessionsOnEveryNode: carol's status follows her SSH sessions wherever
// they are: her last session on one node ending leaves her online while she has one on the
// other, and a node starting its SSH door does not set offline someone who is on another.
func TestPresenceFollowsSessionsOnEveryNode(t *testing.T) {
	a, b, dsn := twoNodes(t)
	status := func(svc *inbox.Service) string {
		t.Helper()
		o, ok := svc.Operator("carol")
		if !ok {
			t.Fatal("no carol")
		}
		return string(o.Status)
	}
	if _, err := a.AddKey(bg, "alice", "carol", testkey.New(t, "carol@laptop")); err != nil {
		t.Fatal(err)
	}
	if err := a.SetPresence(bg, "alice", "carol", "offline"); err != nil {
		t.Fatal(err)
	}
	if err := a.SetPresenceAuto(bg, "alice", "carol"); err != nil {
		t.Fatal(err)
	}
	onA, err := a.Attend(bg, "carol")
	if err != nil {
		t.Fatal(err)
	}
	if got := status(a); got != "online" {
		t.Fatalf("a session on node a began: carol is %s, want online", got)
	}
	onB, err := b.Attend(bg, "carol")
	if err != nil {
		t.Fatal(err)
	}
	if err := onA.Leave(bg); err != nil {
		t.Fatal(err)
	}
	if got := status(a); got != "online" {
		t.Fatalf("her session on node a ended while one on node b is open: carol is %s, want online", got)
	}
	// a third node starts its SSH door: carol has no session there, and one on node b
	c := node(t, dsn)
	if err := c.OfflineWithoutSessions(bg); err != nil {
		t.Fatal(err)
	}
	if got := status(c); got != "online" {
		t.Fatalf("a node started while carol is on node b: she is %s, want online", got)
	}
	if err := onB.Leave(bg); err != nil {
		t.Fatal(err)
	}
	if got := status(b); got != "offline" {
		t.Fatalf("her last session (on node b) ended: carol is %s, want offline", got)
	}
}

// TestAReplyInFlightBelongsToTheNodeSendingIt: a node starting its sender does not take over the
// replies another live node is sending (it would send them twice); those of a node that stopped
// are recovered.
func TestAReplyInFlightBelongsToTheNodeSendingIt(t *testing.T) {
	a, b, _ := twoNodes(t)
	a.SetOutbound(true, "")
	if _, err := a.Inject(bg, inbox.Inbound{Channel: "message", From: phone(7), Text: "hello?"}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Reply(bg, "alice", phone(7), "Hi! How can I help?"); err != nil {
		t.Fatal(err)
	}
	claims, err := a.ClaimOutbox(bg, 10)
	if err != nil || len(claims) != 1 {
		t.Fatalf("node a claimed %d replies (%v), want 1", len(claims), err)
	}
	if err := a.CheckPresence(bg); err != nil { // node a's heartbeat
		t.Fatal(err)
	}
	if n, err := b.RecoverInFlight(bg, time.Minute); err != nil || n != 0 {
		t.Fatalf("node b took over %d replies node a is sending (%v), want none", n, err)
	}
	// node a goes away: its heartbeat stops (here: its record is gone at once)
	if _, err := b.Store().(*DB).Pool().Exec(bg, `DELETE FROM sb_attendance WHERE node = $1`, a.Store().(*DB).Node()); err != nil {
		t.Fatal(err)
	}
	if n, err := b.RecoverInFlight(bg, time.Minute); err != nil || n != 1 {
		t.Fatalf("node a stopped while sending: node b recovered %d replies (%v), want 1", n, err)
	}
	out, err := b.Outbox(bg)
	if err != nil || len(out) != 1 || out[0].State != domain.OutUnknown || out[0].Node != "" {
		t.Fatalf("the recovered reply: %+v (%v), want unknown, claimed by nobody", out, err)
	}
}

// TestTwoSendersNeverClaimOneReply: two nodes drain one outbox at once; every reply is claimed
// by exactly one of them (a claim that lost to the other node's runs again from scratch).
func TestTwoSendersNeverClaimOneReply(t *testing.T) {
	a, b, _ := twoNodes(t)
	a.SetOutbound(true, "")
	b.SetOutbound(true, "")
	const n = 60
	for i := 0; i < n; i++ {
		if _, err := a.Inject(bg, inbox.Inbound{Channel: "message", From: phone(i), Text: "hi"}); err != nil {
			t.Fatal(err)
		}
		if _, err := a.Reply(bg, "alice", phone(i), fmt.Sprintf("reply %d", i)); err != nil {
			t.Fatal(err)
		}
	}
	var mu sync.Mutex
	claimed := map[string]int{}
	var wg sync.WaitGroup
	for _, svc := range []*inbox.Service{a, b, a, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				cs, err := svc.ClaimOutbox(bg, 3)
				if err != nil {
					t.Error(err)
					return
				}
				if len(cs) == 0 {
					return
				}
				mu.Lock()
				for _, c := range cs {
					claimed[c.ID]++
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if len(claimed) != n {
		t.Errorf("%d replies claimed, want %d", len(claimed), n)
	}
	for id, k := range claimed {
		if k != 1 {
			t.Errorf("%s claimed %d times", id, k)
		}
	}
}
