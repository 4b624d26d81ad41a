package whatsapp_test

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"switchboard/inbox"
	"switchboard/inbox/domain"
	"switchboard/inbox/webhook"
	"switchboard/inbox/whatsapp"
	"switchboard/inbox/whatsapp/fakegraph"
)

// The crash test re-executes this test binary as a child (SWITCHBOARD_WA_CRASH=<db path>) that
// owns the workspace, runs a sender against the parent's fake Graph API and queues replies,
// printing each reply's id only once SendReply returned (the reply is durable). The parent
// kills it with SIGKILL while replies are queued and in flight, reopens the file with a new
// sender, delivers the status webhooks the dead process missed (Meta retries them), and checks
// that every acknowledged reply reached the API exactly once and none is lost.

const (
	crashEnv     = "SWITCHBOARD_WA_CRASH"
	crashFakeEnv = "SWITCHBOARD_WA_CRASH_FAKE"
)

func TestMain(m *testing.M) {
	if path := os.Getenv(crashEnv); path != "" {
		crashChild(path, os.Getenv(crashFakeEnv))
		return
	}
	os.Exit(m.Run())
}

var crashContacts = []string{"15550001111", "15550002222", "15550003333", "15550004444", "15550005555"}

func crashChild(path, fake string) {
	svc, err := openInbox(path, inbox.Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		os.Exit(2)
	}
	c := whatsapp.NewClient(whatsapp.Config{BaseURL: fake, PhoneID: "P", Token: func() (string, error) { return token, nil }, Timeout: 5 * time.Second})
	go whatsapp.NewSender(svc, c, whatsapp.Options{Rate: 40, UnknownWait: time.Hour}).Run(ctx)
	for _, ct := range crashContacts { // each customer writes now: the window is open
		if _, err := svc.Inject(ctx, inbox.Inbound{Channel: "message", From: ct, Text: "hello"}); err != nil {
			fmt.Fprintln(os.Stderr, "child:", err)
			os.Exit(3)
		}
	}
	w := bufio.NewWriter(os.Stdout)
	for i := 0; ; i++ {
		out, err := svc.Reply(ctx, "alice", crashContacts[i%len(crashContacts)], fmt.Sprintf("reply %d", i))
		if err != nil {
			fmt.Fprintln(os.Stderr, "child:", err)
			os.Exit(4)
		}
		fmt.Fprintln(w, out.Entry.ID)
		w.Flush()
		if i%20 == 19 {
			time.Sleep(100 * time.Millisecond) // let the sender get ahead now and then
		}
	}
}

func TestKillDuringSendingLosesNothingAndSendsOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("re-executes the test binary")
	}
	path := filepath.Join(t.TempDir(), "crash.db")
	{
		svc, err := openInbox(path, inbox.Options{})
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := os.ReadFile("../testdata/workspace.json")
		if err := svc.Import(ctx, "", strings.NewReader(string(raw)), false); err != nil {
			t.Fatal(err)
		}
		svc.Close()
	}
	var mu sync.Mutex
	var held [][]byte
	var apply func([]byte)
	f := &fakegraph.Fake{Token: token, Script: func(fakegraph.Message) fakegraph.Action { return fakegraph.Action{Delay: 30 * time.Millisecond} },
		Statuses: func(p []byte, _ string) {
			mu.Lock()
			defer mu.Unlock()
			if apply != nil {
				apply(p)
			} else {
				held = append(held, p) // the owner is dead: Meta keeps retrying the webhook
			}
		}}
	base, err := f.Start()
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()

	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), crashEnv+"="+path, crashFakeEnv+"="+base)
	cmd.Stderr = os.Stderr
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	acked := map[string]bool{}
	sc := bufio.NewScanner(stdout)
	deadline := time.Now().Add(30 * time.Second)
	for sc.Scan() {
		acked[sc.Text()] = true
		// kill once some went out and many wait: replies queued and in flight
		if len(acked) >= 150 && len(f.Messages()) >= 10 {
			break
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatalf("the child acknowledged %d replies and the fake got %d messages in 30 s", len(acked), len(f.Messages()))
		}
	}
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	sentBefore := len(f.Messages())
	t.Logf("killed after %d acknowledged replies, %d of them at the fake", len(acked), sentBefore)

	// restart: the missed statuses arrive, then a new sender drains the rest
	svc, err := openInbox(path, inbox.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close()
	mu.Lock()
	for _, p := range held {
		if _, err := webhook.ApplyJSON(ctx, svc, p); err != nil {
			t.Fatal(err)
		}
	}
	apply = func(p []byte) { webhook.ApplyJSON(ctx, svc, p) }
	mu.Unlock()
	box, _ := svc.Outbox(ctx)
	inFlight := 0
	for _, o := range box {
		if o.State == domain.OutSending {
			inFlight++
		}
	}
	t.Logf("after restart: %d replies in the outbox, %d of them left in flight by the dead process", len(box), inFlight)
	if len(box) == 0 {
		t.Fatal("nothing was left queued: the test did not kill the child with replies queued")
	}
	stop := whatsapp.Start(svc, whatsapp.NewClient(whatsapp.Config{BaseURL: base, PhoneID: "P", Token: func() (string, error) { return token, nil }}),
		whatsapp.Options{Rate: -1, UnknownWait: 200 * time.Millisecond})
	defer stop()
	waitFor(t, "the outbox to drain", func() bool { b, _ := svc.Outbox(ctx); return len(b) == 0 })

	times := map[string]int{}
	for _, m := range f.Messages() {
		if m.WAMID != "" {
			times[m.Callback]++
		}
	}
	for id, n := range times {
		if n != 1 {
			t.Errorf("reply %s reached WhatsApp %d times", id, n)
		}
	}
	for id := range acked {
		e, ok := svc.ReplyEntry(id)
		if !ok {
			t.Errorf("acknowledged reply %s is lost", id)
			continue
		}
		if times[id] != 1 {
			t.Errorf("acknowledged reply %s reached WhatsApp %d times (it is %s)", id, times[id], e.Delivery)
		}
		if e.Delivery != domain.DeliverySent && e.Delivery != domain.DeliveryDelivered && e.Delivery != domain.DeliveryRead {
			t.Errorf("acknowledged reply %s is %s: %s", id, e.Delivery, e.Error)
		}
	}
}
