package sshd_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"

	"switchboard/inbox"
	"switchboard/inbox/domain"
	"switchboard/routing"
	"switchboard/sshd"
	"switchboard/ui"
)

// An unknown key gets one line saying so, during authentication, and no session; password and
// keyboard-interactive authentication are not offered.
func TestUnknownKeyIsRefusedWithOneLine(t *testing.T) {
	d := newDoor(t, doorOpts{})
	var banner string
	_, err := d.dial([]gossh.AuthMethod{gossh.PublicKeys(d.keys["eve"])}, &banner)
	if err == nil {
		t.Fatal("an unknown key signed in")
	}
	fp := gossh.FingerprintSHA256(d.keys["eve"].PublicKey())
	if strings.Count(banner, "\n") != 1 || !strings.Contains(banner, "the key "+fp+" is not an operator's key in this workspace") ||
		!strings.Contains(banner, "switchboard operators keys add") {
		t.Fatalf("banner %q", banner)
	}
	if !strings.Contains(d.logText(), "key "+fp+" is nobody's") {
		t.Fatalf("the door's log does not say who was refused:\n%s", d.logText())
	}
	// password and keyboard-interactive: refused without being asked
	_, err = d.dial([]gossh.AuthMethod{gossh.Password("hunter2"), gossh.KeyboardInteractive(func(string, string, []string, []bool) ([]string, error) {
		t.Error("the door asked a keyboard-interactive question")
		return nil, errors.New("no")
	})}, nil)
	if err == nil || !strings.Contains(err.Error(), "attempted methods [none]") {
		t.Fatalf("password or keyboard-interactive: %v", err)
	}
}

// The known key-offer bypass (soft-serve GHSA-pchf-49fh-w34r): a client offers an admin's
// public key without having its private key, then signs with something else. Here the client
// signs the admin's offer with its own key: the signature does not verify and the connection
// ends, with no session as anyone. (Offering the admin's key and then signing with a key of its
// own in the same connection, as OpenSSH does with a .pub file whose private key is missing, is
// TestRealSSHClients.)
func TestOfferingAnAdminsKeyAndSigningWithYourOwn(t *testing.T) {
	d := newDoor(t, doorOpts{})
	for _, own := range []string{"carol", "mallory"} {
		impostor := offerOnly{pub: d.keys["alice"].PublicKey(), own: d.keys[own]}
		if c, err := d.dial([]gossh.AuthMethod{gossh.PublicKeys(impostor, d.keys[own])}, nil); err == nil {
			out, _, _ := run(t, c, "whoami")
			c.Close()
			t.Fatalf("signing Alice's offer with %s's key signed in: %s", own, out)
		}
	}
	if strings.Contains(d.logText(), "Alice Ng") || strings.Contains(d.logText(), "alice (") {
		t.Fatalf("a session ran as alice:\n%s", d.logText())
	}
}

// offerOnly offers a public key it has not got the private key of: its signatures are made with
// another key, so they do not verify.
type offerOnly struct {
	pub gossh.PublicKey
	own gossh.Signer
}

func (o offerOnly) PublicKey() gossh.PublicKey { return o.pub }
func (o offerOnly) Sign(r io.Reader, data []byte) (*gossh.Signature, error) {
	return o.own.Sign(r, data)
}

// Two agents at once, each as themselves: each screen names its own operator; what one does
// reaches the other's screen without a key press; an operator cannot flip routing (the screen
// says why) while an admin can; a message arriving reaches both.
func TestTwoAgentsLiveAtOnce(t *testing.T) {
	d := newDoor(t, doorOpts{})
	carol := d.open(d.as("carol"), 120, 34)
	alice := d.open(d.as("alice"), 120, 34)
	carol.want("Carol Diaz · operator · ● online")
	alice.want("Alice Ng · admin · ● online")

	carol.keys("s")
	carol.want("🔒 Only admins can change routing — you are Carol Diaz (operator).", "[● on ] Contact owner-based routing")
	carol.keys("space")
	carol.want("Only admins can change routing settings")
	if !d.svc.Settings(bg).ContactOwnerRouting {
		t.Fatal("carol flipped routing")
	}
	alice.keys("s", "space")
	alice.want("Contact owner-based routing is now off")
	carol.want("[○ off] Contact owner-based routing", "Alice Ng") // live, and in the history
	carol.keys("u")
	carol.want("u: act as is off over SSH: a session is the operator its key belongs to")

	// a customer writes: both screens show it at once
	if _, err := d.svc.Inject(bg, inbox.Inbound{Channel: "message", From: "15550004444", Name: "Gus Lee", Text: "is anyone there?"}); err != nil {
		t.Fatal(err)
	}
	carol.keys("esc")
	carol.want("Gus Lee", "is anyone there?")
	alice.keys("esc")
	alice.want("Gus Lee", "is anyone there?")
}

// The client's terminal, not the server's: a resize redraws at the new size, and NO_COLOR from
// the client draws without colours.
func TestEachSessionHasItsTerminal(t *testing.T) {
	d := newDoor(t, doorOpts{})
	sc := d.open(d.as("carol"), 100, 30)
	sc.want("Carol Diaz · operator")
	width := func(line string) int { return len([]rune(strings.TrimRight(line, " "))) }
	first := strings.SplitN(sc.text(), "\n", 2)[0]
	if w := width(first); w < 99 || w > 100 { // the header ends a cell short of the edge
		t.Fatalf("header is %d cells wide on a 100-column terminal: %q", w, first)
	}
	sc.mu.Lock()
	sc.term.Resize(140, 40)
	sc.mu.Unlock()
	if err := sc.sess.WindowChange(40, 140); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		first = strings.SplitN(sc.text(), "\n", 2)[0]
		if w := width(first); w >= 139 && w <= 140 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after a resize to 140 columns the header is %q", first)
		}
		time.Sleep(10 * time.Millisecond)
	}

	plain := d.open(d.as("alice"), 100, 30, "NO_COLOR", "1")
	plain.want("Alice Ng · admin")
	colored := d.open(d.as("alice"), 100, 30)
	colored.want("Alice Ng · admin")
	if has := strings.Contains(plain.rawText(), "\x1b[38;"); has {
		t.Fatal("a NO_COLOR session got foreground colours")
	}
	if !strings.Contains(colored.rawText(), "\x1b[38;") {
		t.Fatal("a colour session got no colours")
	}
}

// Commands without a terminal run as the key's operator: JSON output, the CLI's exit codes and
// sentences, and --as refused.
func TestCommandsOverSSH(t *testing.T) {
	d := newDoor(t, doorOpts{})
	carol := d.as("carol")
	out, errOut, code := run(t, carol, "list --json")
	var page inbox.Page
	if err := json.Unmarshal([]byte(out), &page); err != nil || code != 0 || len(page.Conversations) == 0 {
		t.Fatalf("list --json: %v, exit %d, %q %q", err, code, out, errOut)
	}
	_, errOut, code = run(t, carol, "routing off")
	if code != 4 || !strings.Contains(errOut, routing.TextOnlyAdmins) || !strings.Contains(errOut, "You are carol here (your SSH key's operator)") {
		t.Fatalf("routing off as carol: exit %d, %q", code, errOut)
	}
	_, errOut, code = run(t, carol, "routing off --as alice")
	if code != 2 || !strings.Contains(errOut, "--as does not apply here: this session acts as carol") {
		t.Fatalf("--as over SSH: exit %d, %q", code, errOut)
	}
	if !d.svc.Settings(bg).ContactOwnerRouting {
		t.Fatal("routing was turned off")
	}
	_, errOut, code = run(t, carol, "")
	if code != 2 || !strings.Contains(errOut, "This session has no terminal for the inbox") {
		t.Fatalf("no command and no terminal: exit %d, %q", code, errOut)
	}
	_, errOut, code = run(t, carol, "serve")
	if code != 2 || !strings.Contains(errOut, "`serve` is not available over SSH") {
		t.Fatalf("serve over SSH: exit %d, %q", code, errOut)
	}
	out, _, code = run(t, d.as("alice"), "routing off")
	if code != 0 || d.svc.Settings(bg).ContactOwnerRouting {
		t.Fatalf("routing off as alice: exit %d, %q", code, out)
	}
}

// What would act with the server's rights is refused over SSH, having done nothing: copy (it
// opens and creates workspaces by path or URL as the server), and the flags that say how the
// process reaches WhatsApp (a --graph-url of the caller's would get the server's token).
func TestServerSideOverSSHRefused(t *testing.T) {
	d := newDoor(t, doorOpts{})
	var asked atomic.Int64
	graph := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { asked.Add(1) }))
	defer graph.Close()
	dir := t.TempDir()
	target := filepath.Join(dir, "new", "x.db")
	alice := d.as("alice")
	for cmd, says := range map[string]string{
		"copy --from " + filepath.Join(dir, "other.db") + " --to " + target: "`copy` is not available over SSH",
		"copy --to " + target:                     "`copy` is not available over SSH",
		"templates sync --graph-url " + graph.URL: "--graph-url does not apply here",
		"templates sync --waba-id 1 --wa-token-file /etc/hostname --graph-url " + graph.URL: "does not apply here",
		"reply +15550001111 hi --graph-url " + graph.URL:                                    "--graph-url does not apply here",
	} {
		out, errOut, code := run(t, alice, cmd)
		if code != 2 || !strings.Contains(errOut, says) || out != "" {
			t.Fatalf("%s: exit %d, %q %q; want exit 2 and %q", cmd, code, out, errOut, says)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "new")); !os.IsNotExist(err) {
		t.Fatalf("copy over SSH made %s: %v", target, err)
	}
	if n := asked.Load(); n != 0 {
		t.Fatalf("the Graph URL given over SSH was asked %d times", n)
	}
	out, _, _ := run(t, alice, "templates sync --help")
	if strings.Contains(out, "graph-url") || strings.Contains(out, "wa-token-file") {
		t.Fatalf("the help over SSH offers the server's flags:\n%s", out)
	}
	out, _, _ = run(t, alice, "--help")
	if strings.Contains(out, "copy ") {
		t.Fatalf("the help over SSH offers copy:\n%s", out)
	}
}

// The limits: one session more than allowed is refused with a goodbye line; a screen with no key
// pressed for the idle timeout ends with one, while key presses keep it.
func TestSessionLimitAndIdleTimeout(t *testing.T) {
	d := newDoor(t, doorOpts{maxSessions: 2, idle: 600 * time.Millisecond})
	a := d.open(d.as("carol"), 100, 30)
	a.want("Carol Diaz")
	b := d.open(d.as("alice"), 100, 30)
	b.want("Alice Ng")
	if n := d.srv.Sessions(); n != 2 {
		t.Fatalf("%d sessions open", n)
	}
	_, errOut, code := run(t, d.as("alice"), "whoami")
	if code != 1 || !strings.Contains(errOut, "2 sessions are open, the most this server allows; try again later.") {
		t.Fatalf("a third session: exit %d, %q", code, errOut)
	}

	// b types every 200 ms for a second: it stays; a, idle, ends
	for i := 0; i < 5; i++ {
		b.keys("j")
		time.Sleep(200 * time.Millisecond)
	}
	if code := a.ended(); code != 0 {
		t.Fatalf("idle session exit %d", code)
	}
	if !strings.Contains(a.rawText(), "switchboard: no key pressed for 600ms, so this session ended. Goodbye.") {
		t.Fatalf("no goodbye line:\n%q", a.rawText())
	}
	select {
	case <-b.done:
		t.Fatal("the session with key presses ended too")
	default:
	}
	b.want("Alice Ng")
}

// Presence follows the sessions, on the service's clock: online when a screen opens, away past
// the idle time without a key, online at the next key, offline when the last one closes. At
// the door's start, people with keys and no session are offline.
func TestPresenceFollowsSSHSessions(t *testing.T) {
	d := newDoor(t, doorOpts{clock: true})
	status := func(id string) routing.Presence {
		o, _ := d.svc.Operator(id)
		return o.Status
	}
	waitStatus := func(id string, want routing.Presence) {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for status(id) != want {
			if time.Now().After(deadline) {
				t.Fatalf("%s is %s, want %s", id, status(id), want)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	waitStatus("carol", routing.Offline) // a key, no session yet
	if got := status("erin"); got != routing.Online {
		t.Fatalf("erin (no key) is %s", got)
	}
	sc := d.open(d.as("carol"), 100, 30)
	sc.want("Carol Diaz · operator · ● online")
	waitStatus("carol", routing.Online)

	d.clock.add(inbox.DefaultPresenceIdle)
	if err := d.svc.CheckPresence(bg); err != nil {
		t.Fatal(err)
	}
	waitStatus("carol", routing.Away)
	sc.want("Carol Diaz · operator · ◐ away")
	sc.keys("j")
	waitStatus("carol", routing.Online)
	sc.want("Carol Diaz · operator · ● online")
	sc.keys("q")
	if code := sc.ended(); code != 0 {
		t.Fatalf("exit %d", code)
	}
	waitStatus("carol", routing.Offline)
	if o, _ := d.svc.Operator("carol"); o.StatusWhy != "their last inbox session ended" {
		t.Fatalf("why: %q", o.StatusWhy)
	}
}

// The host key is made once, beside the database, readable by its owner only, and kept; one
// others can read is refused.
func TestHostKeyIsMadeOnceAndKept(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "sb.db.ssh_host_ed25519_key")
	exec := func(ctx context.Context, conn inbox.Conn, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
		return 0
	}
	s1, err := sshd.Listen(sshd.Options{Addr: "127.0.0.1:0", HostKeyPath: path, Exec: exec})
	if err != nil {
		t.Fatal(err)
	}
	fp := s1.Fingerprint()
	s1.Close(bg)
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("host key: %v, mode %v", err, fi.Mode())
	}
	s2, err := sshd.Listen(sshd.Options{Addr: "127.0.0.1:0", HostKeyPath: path, Exec: exec})
	if err != nil {
		t.Fatal(err)
	}
	if s2.Fingerprint() != fp || !strings.HasPrefix(fp, "SHA256:") {
		t.Fatalf("the host key changed: %s then %s", fp, s2.Fingerprint())
	}
	s2.Close(bg)
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := sshd.Listen(sshd.Options{Addr: "127.0.0.1:0", HostKeyPath: path, Exec: exec}); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Fatalf("a readable host key: %v", err)
	}
}

// p in a session sets the status by hand, which sessions then leave alone; the press after
// offline hands it back to them.
func TestPresenceByHandInASession(t *testing.T) {
	d := newDoor(t, doorOpts{})
	sc := d.open(d.as("carol"), 100, 30)
	sc.want("Carol Diaz · operator · ● online")
	for _, want := range []string{"◐ away", "○ offline"} {
		sc.keys("p")
		sc.want("Carol Diaz · operator · " + want)
	}
	if o, _ := d.svc.Operator("carol"); !o.PresenceManual || o.Status != routing.Offline {
		t.Fatalf("after p, p: %+v", o)
	}
	sc.keys("j", "k") // key presses do not override a status set by hand
	time.Sleep(50 * time.Millisecond)
	if o, _ := d.svc.Operator("carol"); o.Status != routing.Offline {
		t.Fatalf("a key press overrode offline set by hand: %s", o.Status)
	}
	sc.keys("p")
	sc.want("Your status follows your sessions again", "Carol Diaz · operator · ● online")
	if o, _ := d.svc.Operator("carol"); o.PresenceManual {
		t.Fatal("still by hand")
	}
}

// Each session gets the keys and theme of the operator it is (the server's file for them).
func TestASessionHasItsOperatorsConfig(t *testing.T) {
	carols := ui.DefaultConfig()
	carols.Keys.Search.SetKeys("ctrl+f")
	carols.Keys.Search.SetHelp("ctrl+f", "search contacts")
	var asked []string
	var mu sync.Mutex
	d := newDoor(t, doorOpts{config: func(op string) *ui.Config {
		mu.Lock()
		asked = append(asked, op)
		mu.Unlock()
		if op == "carol" {
			return &carols
		}
		c := ui.DefaultConfig()
		return &c
	}})
	carol := d.open(d.as("carol"), 140, 34)
	carol.want("ctrl+f search")
	alice := d.open(d.as("alice"), 140, 34)
	alice.want("/ search")
	mu.Lock()
	defer mu.Unlock()
	if strings.Join(asked, ",") != "carol,alice" {
		t.Fatalf("the door asked for the config of %v", asked)
	}
}

// countingReader is an endless standard input that counts what was read of it.
type countingReader struct{ n atomic.Int64 }

func (c *countingReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'a'
	}
	c.n.Add(int64(len(p)))
	return len(p), nil
}

// A command over SSH reads what the operator sends, never a file of the server's (opened with
// the server's rights), and never more than it may hold: an operator cannot read the server's
// files through error messages, feed it a planted payload, or run it out of memory.
func TestFilesOverSSHAreTheClients(t *testing.T) {
	d := newDoor(t, doorOpts{})
	carol := d.as("carol")
	planted := filepath.Join(t.TempDir(), "planted.json")
	payload := `{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages","value":{
 "messaging_product":"whatsapp","metadata":{"display_phone_number":"15550000000","phone_number_id":"1"},
 "contacts":[{"profile":{"name":"Zoe Webb"},"wa_id":"15557770001"}],
 "messages":[{"from":"15557770001","id":"wamid.Z1","timestamp":"1764000000","type":"text","text":{"body":"planted"}}]}}]}]}`
	if err := os.WriteFile(planted, []byte(payload), 0o600); err != nil {
		t.Fatal(err)
	}
	stored := func() bool {
		res, err := d.svc.Search(bg, "planted", 0, 10)
		return err == nil && len(res.Hits) > 0
	}
	alice := d.as("alice") // an admin, who may import
	for _, cmd := range []string{"inject webhook " + planted, "import --replace " + planted, "operators keys add carol " + planted} {
		_, errOut, code := run(t, alice, cmd)
		if code != 2 || !strings.Contains(errOut, "never from a file on the server: give - and send it on standard input") || strings.Contains(errOut, "invalid character") {
			t.Fatalf("%s: exit %d, %q", cmd, code, errOut)
		}
	}
	if stored() {
		t.Fatal("a payload in a file of the server's was stored")
	}
	// an endless stdin: the payload is cut at the webhook endpoint's cap
	zero := &countingReader{}
	_, errOut, code := runIn(t, carol, "inject webhook -", zero)
	if code != 1 || !strings.Contains(errOut, "larger than 3 MB") {
		t.Fatalf("endless payload: exit %d, %q", code, errOut)
	}
	if n := zero.n.Load(); n > 8<<20 {
		t.Fatalf("read %d bytes of an endless payload", n)
	}
	// an import by an operator who may not replace the workspace reads nothing of it
	zero = &countingReader{}
	_, errOut, code = runIn(t, carol, "import --replace -", zero)
	if code != 4 || !strings.Contains(errOut, "Only admins can replace a workspace") {
		t.Fatalf("import as carol: exit %d, %q", code, errOut)
	}
	if n := zero.n.Load(); n > 8<<20 { // the SSH client sends up to the channel's window (2 MB) unasked
		t.Fatalf("an import refused to carol read %d bytes first", n)
	}
	// what is sent is read
	_, errOut, code = runIn(t, carol, "inject webhook -", strings.NewReader(payload))
	if code != 0 || !stored() {
		t.Fatalf("inject webhook - over SSH: exit %d, %q", code, errOut)
	}
	_, errOut, code = run(t, carol, "completion bash")
	if code != 2 || !strings.Contains(errOut, "`completion` is not available over SSH") {
		t.Fatalf("completion over SSH: exit %d, %q", code, errOut)
	}
	for _, cmd := range []string{"__complete completion ''", "__completeNoDesc list ''"} {
		out, errOut, code := run(t, carol, cmd)
		if code != 2 || out != "" || !strings.Contains(errOut, "shell completion is not available over SSH") {
			t.Fatalf("%s over SSH: exit %d, %q %q", cmd, code, out, errOut)
		}
	}
	for _, cmd := range []string{"help completion", "completion --help", "completion bash --help", "help serve"} {
		out, errOut, _ := run(t, carol, cmd)
		if !strings.Contains(errOut, "is not available over SSH") || strings.Contains(out, "Generate the autocompletion") || strings.Contains(out, "Usage:") {
			t.Fatalf("%s over SSH: %q %q", cmd, out, errOut)
		}
	}
}

// A session is its key's as well as its operator's: when the key stops being theirs (removed,
// or the operator was, and someone else was then added under the same id), the screen ends
// saying why, and nothing more runs through that connection as the new person.
func TestASessionEndsWithItsKey(t *testing.T) {
	d := newDoor(t, doorOpts{})
	carol := d.as("carol")
	sc := d.open(carol, 120, 34)
	sc.want("Carol Diaz")
	fp := gossh.FingerprintSHA256(d.keys["carol"].PublicKey())
	if _, err := d.svc.RemoveKey(bg, "alice", "carol", fp); err != nil {
		t.Fatal(err)
	}
	if code := sc.ended(); code != 0 {
		t.Fatalf("exit %d", code)
	}
	if !strings.Contains(sc.rawText(), "the key this session signed in with is no longer carol's in this workspace") {
		t.Fatalf("no goodbye saying why:\n%s", sc.rawText())
	}
	// the operator removed and someone else added under the id: the old connection is nobody
	if _, err := d.svc.AddKey(bg, "alice", "carol", strings.TrimSpace(string(gossh.MarshalAuthorizedKey(d.keys["carol"].PublicKey())))); err != nil {
		t.Fatal(err)
	}
	sc = d.open(carol, 120, 34)
	sc.want("Carol Diaz")
	if err := d.svc.DeleteOperator(bg, "alice", "carol"); err != nil {
		t.Fatal(err)
	}
	if err := d.svc.AddOperator(bg, "alice", domain.Operator{ID: "carol", Name: "Carla New", Role: "operator", Status: "online"}); err != nil {
		t.Fatal(err)
	}
	sc.ended()
	if strings.Contains(sc.text(), "Carla New") {
		t.Fatalf("the old session became the new operator:\n%s", sc.text())
	}
	_, errOut, code := run(t, carol, "whoami")
	if code == 0 || strings.Contains(errOut, "Carla New") {
		t.Fatalf("a new command on the old connection: exit %d, %q", code, errOut)
	}
}

// An import whose document is still arriving when its key is removed is refused once it has
// arrived: the workspace stays as it was (a stolen admin key cannot hold an import open and
// replace everything after the admin removed the key).
func TestAnImportWaitingWhenItsKeyGoesIsRefused(t *testing.T) {
	d := newDoor(t, doorOpts{})
	alice := d.as("alice")
	var doc bytes.Buffer
	if err := d.svc.Export(bg, &doc); err != nil {
		t.Fatal(err)
	}
	emptied := strings.ReplaceAll(doc.String(), `"Carol Diaz"`, `"Carla Nova"`)
	if emptied == doc.String() {
		t.Fatal("the export names no Carol Diaz to rename")
	}
	pr, pw := io.Pipe()
	type result struct {
		errOut string
		code   int
	}
	done := make(chan result, 1)
	go func() {
		_, errOut, code := runIn(t, alice, "import --replace -", pr)
		done <- result{errOut, code}
	}()
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(d.logText(), "runs import --replace -") {
		if time.Now().After(deadline) {
			t.Fatalf("the import never began:\n%s", d.logText())
		}
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(100 * time.Millisecond) // its first checks are behind it: it waits for the document
	if _, err := d.svc.RemoveKey(bg, "alice", "alice", gossh.FingerprintSHA256(d.keys["alice"].PublicKey())); err != nil {
		t.Fatal(err)
	}
	io.WriteString(pw, emptied)
	pw.Close()
	r := <-done
	if r.code == 0 || !strings.Contains(r.errOut, "is no longer alice's in this workspace") {
		t.Fatalf("import after the key went: exit %d, %q", r.code, r.errOut)
	}
	if o, ok := d.svc.Operator("carol"); !ok || o.Name != "Carol Diaz" {
		t.Fatalf("the workspace was replaced: carol is %+v", o)
	}
	// a webhook payload sent by a session that may do nothing more fails as a whole (exit 4),
	// not as a run with its messages skipped
	carol := d.as("carol")
	pr, pw = io.Pipe()
	go func() {
		_, errOut, code := runIn(t, carol, "inject webhook -", pr)
		done <- result{errOut, code}
	}()
	for !strings.Contains(d.logText(), "runs inject webhook -") {
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(100 * time.Millisecond)
	if _, err := d.svc.RemoveKey(bg, "alice", "carol", gossh.FingerprintSHA256(d.keys["carol"].PublicKey())); err != nil {
		t.Fatal(err)
	}
	io.WriteString(pw, `{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages","value":{
 "messaging_product":"whatsapp","metadata":{"display_phone_number":"15550000000","phone_number_id":"1"},
 "contacts":[{"profile":{"name":"Zoe Webb"},"wa_id":"15557770001"}],
 "messages":[{"from":"15557770001","id":"wamid.late","timestamp":"1764000000","type":"text","text":{"body":"late"}}]}}]}]}`)
	pw.Close()
	r = <-done
	if r.code != 4 || !strings.Contains(r.errOut, "is no longer carol's in this workspace") {
		t.Fatalf("a payload after the key went: exit %d, %q", r.code, r.errOut)
	}
}

// `ssh HOST config` tells the person about the file their SSH screens use on the server
// (operators/<id>.toml beside its config file, else the config file), not the server's own
// terminal's, and says who edits it.
func TestConfigOverSSHIsTheFileYourSessionsUse(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("SWITCHBOARD_CONFIG", filepath.Join(dir, "config.toml"))
	d := newDoor(t, doorOpts{})
	out, errOut, code := run(t, d.as("carol"), "config")
	if code != 0 || !strings.Contains(out, "Your SSH sessions on this server use the default keys and colours") || !strings.Contains(out, "operators/carol.toml") {
		t.Fatalf("config over SSH with no file: exit %d\n%s%s", code, out, errOut)
	}
	if err := os.MkdirAll(filepath.Join(dir, "operators"), 0o700); err != nil {
		t.Fatal(err)
	}
	own := filepath.Join(dir, "operators", "carol.toml")
	if err := os.WriteFile(own, []byte("theme = \"light\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	out, errOut, code = run(t, d.as("carol"), "config")
	if code != 0 || !strings.Contains(out, "Config file your SSH sessions use on this server: "+own) || !strings.Contains(out, "Theme: light") {
		t.Fatalf("config over SSH with carol's file: exit %d\n%s%s", code, out, errOut)
	}
}
