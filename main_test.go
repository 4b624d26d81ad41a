package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"
	"time"

	"switchboard/data"
	"switchboard/inbox"
	"switchboard/inbox/domain"
	"switchboard/inbox/rpc"
)

// bin is the switchboard binary built once for every test.
var bin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "sbbin")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	bin = filepath.Join(dir, "switchboard")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "building switchboard: %v\n%s", err, out)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// The JSON documents of `whoami` and of `routing`/`roundrobin` as a script reads them: decoded
// with unknown fields refused, so a field renamed or added shows here.
type whoami struct {
	Operator inbox.OperatorView `json:"operator"`
	DB       string             `json:"db"`
	Via      string             `json:"via"` // "socket" or "file"
	Owner    *rpc.Info          `json:"owner,omitempty"`
}

type toggleState struct {
	Setting string `json:"setting"`
	On      bool   `json:"on"`
	InForce bool   `json:"in_force"`
	Locked  string `json:"locked,omitempty"`
	Plan    string `json:"plan"`
}

// ws is a hermetic workspace: its own temp dir (short, so the socket path fits), database and
// XDG_DATA_HOME.
type ws struct {
	dir, db string
	extra   []string // more environment (the WhatsApp configuration)
}

func newWS(t *testing.T, fixture bool) *ws {
	t.Helper()
	dir, err := os.MkdirTemp("", "sb")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	w := &ws{dir: dir, db: filepath.Join(dir, "w.db")}
	if fixture {
		w.ok(t, "import", "testdata/workspace.json")
	}
	return w
}

func (w *ws) env() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "SWITCHBOARD_") && !strings.HasPrefix(kv, "XDG_DATA_HOME=") && !strings.HasPrefix(kv, "TZ=") {
			env = append(env, kv)
		}
	}
	return append(append(env, "SWITCHBOARD_DB="+w.db, "XDG_DATA_HOME="+filepath.Join(w.dir, "xdg"), "TZ=UTC"), w.extra...)
}

type result struct {
	out, err string
	code     int
}

func (r result) String() string {
	return fmt.Sprintf("exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.out, r.err)
}

// run runs the binary with stdin (may be "").
func (w *ws) runIn(t *testing.T, stdin string, args ...string) result {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = w.env()
	cmd.Stdin = strings.NewReader(stdin)
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

func (w *ws) run(t *testing.T, args ...string) result { t.Helper(); return w.runIn(t, "", args...) }

// want runs the command and checks its exit code.
func (w *ws) want(t *testing.T, code int, args ...string) result {
	t.Helper()
	r := w.run(t, args...)
	if r.code != code {
		t.Fatalf("switchboard %s: want exit %d, got %s", strings.Join(args, " "), code, r)
	}
	return r
}

func (w *ws) ok(t *testing.T, args ...string) result { t.Helper(); return w.want(t, 0, args...) }

// jsonOf runs the command with --json, wants the exit code, and decodes stdout into v.
func (w *ws) jsonOf(t *testing.T, code int, v any, args ...string) result {
	t.Helper()
	r := w.want(t, code, append(args, "--json")...)
	reflect.ValueOf(v).Elem().SetZero() // decode each answer afresh
	dec := json.NewDecoder(strings.NewReader(r.out))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		t.Fatalf("switchboard %s --json: %v\n%s", strings.Join(args, " "), err, r)
	}
	return r
}

func has(t *testing.T, r result, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if !strings.Contains(r.out+r.err, p) {
			t.Fatalf("output lacks %q:\n%s", p, r)
		}
	}
}

// scenario runs every command against the fixture; via is "file" or "socket".
func scenario(t *testing.T, w *ws, via string) {
	var who whoami
	w.jsonOf(t, 0, &who, "whoami")
	if who.Operator.ID != "alice" || who.Via != via || who.DB != w.db {
		t.Fatalf("whoami = %+v, want alice via %s on %s", who, via, w.db)
	}
	if r := w.ok(t, "whoami"); !strings.Contains(r.out, "alice — Alice Ng, admin, online") {
		t.Fatalf("whoami text:\n%s", r)
	}
	if via == "socket" && who.Owner == nil {
		t.Fatal("no owner reported through the socket")
	}

	t.Run("list", func(t *testing.T) {
		var p inbox.Page
		w.jsonOf(t, 0, &p, "list")
		if len(p.Conversations) != 1 || p.Conversations[0].Contact.ID != "15550001111" || p.Next != "" {
			t.Fatalf("open list = %+v", p)
		}
		w.jsonOf(t, 0, &p, "list", "--status", "all")
		if len(p.Conversations) != 2 || p.Conversations[0].Contact.ID != "15550001111" || p.Conversations[1].Status != "closed" {
			t.Fatalf("all = %+v", p)
		}
		w.jsonOf(t, 0, &p, "list", "--status", "all", "--assignee", "carol")
		if len(p.Conversations) != 1 || p.Conversations[0].Contact.ID != "15550002222" {
			t.Fatalf("carol's = %+v", p)
		}
		w.jsonOf(t, 0, &p, "list", "--team", "sales")
		if len(p.Conversations) != 0 {
			t.Fatalf("sales = %+v", p)
		}
		has(t, w.ok(t, "list", "--team", "sales"), "No conversations match.")
		// a limit, the cursor to go on from, and the other order
		w.jsonOf(t, 0, &p, "list", "--status", "all", "--limit", "1")
		if len(p.Conversations) != 1 || p.Conversations[0].Contact.ID != "15550001111" || p.Next == "" {
			t.Fatalf("--limit 1 = %+v", p)
		}
		var rest inbox.Page
		w.jsonOf(t, 0, &rest, "list", "--status", "all", "--limit", "1", "--cursor", p.Next)
		if len(rest.Conversations) != 1 || rest.Conversations[0].Contact.ID != "15550002222" || rest.Next != "" {
			t.Fatalf("--cursor %s = %+v", p.Next, rest)
		}
		w.jsonOf(t, 0, &p, "list", "--status", "all", "--order", "oldest")
		if len(p.Conversations) != 2 || p.Conversations[0].Contact.ID != "15550002222" || p.Next != "" {
			t.Fatalf("--order oldest = %+v", p)
		}
		has(t, w.ok(t, "list", "--status", "all"), "CONTACT", "+15550002222", "Eve Ortiz", "closed", "on its way")
		has(t, w.want(t, 1, "list", "--team", "nope"), `Team "nope" not found`)
	})

	t.Run("inject, show, reply", func(t *testing.T) {
		var out inbox.Outcome
		w.jsonOf(t, 0, &out, "inject", "message", "+1 555-000-4444", "hello there", "--name", "Gus Lee", "--id", "wamid.g1")
		c := out.Conversation
		if c.Contact.ID != "15550004444" || c.AssigneeID() != "carol" || c.OwnerID() != "carol" || out.Reason != "round_robin" || out.Entry == nil {
			t.Fatalf("inject = %+v", out)
		}
		w.jsonOf(t, 0, &out, "inject", "message", "+15550004444", "hello there", "--id", "wamid.g1")
		if !out.Duplicate {
			t.Fatal("the same --id twice was not a duplicate")
		}
		has(t, w.ok(t, "inject", "message", "+15550004444", "again", "--id", "wamid.g1"), "Already received")
		r := w.ok(t, "show", "15550004444")
		has(t, r, "Gus Lee (+15550004444)", "owner:    Carol Diaz (carol)", "assignee: Carol Diaz (carol)",
			"team:     Support (support)", "status:   open", "← message  hello there", "[round_robin]", "Why: ")
		if strings.Count(r.out, "hello there") != 1 {
			t.Fatalf("duplicate stored:\n%s", r)
		}
		var d inbox.Detail
		w.jsonOf(t, 0, &d, "show", "15550004444")
		if d.Conversation.Why == "" || len(d.Timeline) != 2 || d.Timeline[0].Kind != "message" || d.Timeline[1].Reason != "round_robin" {
			t.Fatalf("show json = %+v", d)
		}
		w.jsonOf(t, 0, &d, "show", "15550004444", "--last", "1")
		if len(d.Timeline) != 1 || d.Timeline[0].Kind != "note" {
			t.Fatalf("--last 1 = %+v", d.Timeline)
		}
		w.jsonOf(t, 0, &out, "reply", "15550004444", "on it")
		if out.Entry == nil || out.Entry.Kind != "reply" || out.Entry.By != "alice" {
			t.Fatalf("reply = %+v", out)
		}
		has(t, w.ok(t, "--as", "carol", "reply", "15550004444", "me too"), "Gus Lee (+15550004444): open, assigned to Carol Diaz (carol)")
		has(t, w.ok(t, "show", "15550004444"), "→ reply    alice: on it", "carol: me too")
		w.jsonOf(t, 0, &out, "inject", "call", "+15550004444", "--duration", "75")
		if out.Entry.Outcome != "answered" || out.Entry.Duration != 75 {
			t.Fatalf("answered call = %+v", out.Entry)
		}
		w.jsonOf(t, 0, &out, "inject", "call", "+15550004444")
		if out.Entry.Outcome != "ringing" {
			t.Fatalf("a call with no flag should ring, got %+v", out.Entry)
		}
		has(t, w.ok(t, "show", "15550004444"), "☎ call     answered (1m 15s)", "☎ call     ringing")
		has(t, w.want(t, 1, "show", "15559999999"), "Contact +15559999999 not found")
		has(t, w.want(t, 2, "reply", "12ab", "x"), "use digits only") // bad input (TestMalformedNumberIsBadInput)
		has(t, w.want(t, 1, "--as", "zed", "reply", "15550004444", "x"), `Operator "zed" (from --as or SWITCHBOARD_AS) not found`)
	})

	t.Run("non-admin routing on is refused and changes nothing", func(t *testing.T) {
		before := w.ok(t, "export").out
		r := w.want(t, 4, "--as", "carol", "routing", "off")
		has(t, r, "Only admins can change routing settings", "You act as carol")
		w.want(t, 4, "--as", "carol", "roundrobin", "off")
		if after := w.ok(t, "export").out; after != before {
			t.Fatal("a refused flip changed the workspace")
		}
		var st toggleState
		w.jsonOf(t, 0, &st, "routing")
		if !st.On || !st.InForce || st.Setting != "contact_owner_routing" || st.Plan != "business" {
			t.Fatalf("routing = %+v", st)
		}
	})

	t.Run("inbound mismatch: exit 3, then decline", func(t *testing.T) {
		r := w.want(t, 3, "inject", "call", "15550002222", "--missed")
		has(t, r, "A team decision waits: Erin Cho owns Eve Ortiz but is not in Support",
			"switchboard accept 15550002222 --team sales", "switchboard decline 15550002222")
		var ps []inbox.PromptView
		w.jsonOf(t, 0, &ps, "prompts")
		if len(ps) != 1 || ps[0].Contact != "15550002222" || ps[0].Owner != "erin" {
			t.Fatalf("prompts = %+v", ps)
		}
		w.jsonOf(t, 0, &ps, "--as", "carol", "prompts")
		if len(ps) != 0 {
			t.Fatalf("carol may not answer: %+v", ps)
		}
		has(t, w.ok(t, "show", "15550002222"), "waiting for a team decision", "switchboard accept 15550002222 --team sales")
		w.want(t, 4, "--as", "carol", "decline", "15550002222")
		var out inbox.Outcome
		w.jsonOf(t, 0, &out, "--as", "erin", "decline", "15550002222")
		if out.Conversation.AssigneeID() != "bot" || out.Conversation.Prompt != nil {
			t.Fatalf("after decline = %+v", out.Conversation)
		}
		has(t, w.want(t, 1, "accept", "15550002222", "--team", "sales"), "already decided")
		var ns []struct {
			Seq     uint64    `json:"seq"`
			To      string    `json:"to"`
			At      time.Time `json:"at"`
			Read    bool      `json:"read"`
			Text    string    `json:"text"`
			Contact string    `json:"contact"`
		}
		w.jsonOf(t, 0, &ns, "--as", "erin", "notifications")
		if len(ns) != 2 || !strings.Contains(ns[0].Text, "You could not be assigned to Eve Ortiz") {
			t.Fatalf("erin's notifications = %+v", ns)
		}
		w.ok(t, "--as", "erin", "notifications", "--mark-read")
		has(t, w.ok(t, "--as", "erin", "notifications"), "No unread notifications for erin.")
		w.jsonOf(t, 0, &ns, "--as", "erin", "notifications", "--all")
		if len(ns) != 2 || !ns[0].Read {
			t.Fatalf("--all = %+v", ns)
		}
	})

	t.Run("owner outside the team: exit 3, then accept", func(t *testing.T) {
		var out inbox.Outcome
		r := w.jsonOf(t, 3, &out, "--as", "carol", "owner", "15550001111", "frank")
		if out.Prompt == nil || out.Conversation.OwnerID() != "frank" || out.Conversation.AssigneeID() != "bob" {
			t.Fatalf("owner = %+v", out)
		}
		has(t, r, "switchboard --as carol accept 15550001111 --team billing", "switchboard --as carol decline 15550001111")
		has(t, w.want(t, 1, "--as", "carol", "owner", "15550001111", "frank"), "accept or decline it first")
		w.want(t, 4, "accept", "15550001111", "--team", "billing") // alice did not raise it
		w.jsonOf(t, 0, &out, "--as", "carol", "accept", "15550001111", "--team", "billing")
		c := out.Conversation
		if c.Team != "billing" || c.AssigneeID() != "frank" || c.OwnerID() != "frank" || c.Prompt != nil {
			t.Fatalf("after accept = %+v", c)
		}
		// assign outside the team, then decline: nothing changes
		r = w.want(t, 3, "assign", "15550004444", "erin")
		has(t, r, "switchboard accept 15550004444 --team sales")
		has(t, w.ok(t, "decline", "15550004444"), "assigned to Carol Diaz")
		has(t, w.ok(t, "assign", "15550004444", "bot"), "assigned to Bot")
		has(t, w.ok(t, "owner", "15550004444", "none"), "no owner")
		has(t, w.ok(t, "team", "15550004444", "sales"), "team Sales (sales)")
		has(t, w.ok(t, "close", "15550004444"), "Gus Lee (+15550004444): closed")
		var p inbox.Page
		w.jsonOf(t, 0, &p, "list", "--status", "closed")
		if len(p.Conversations) != 1 || p.Conversations[0].Contact.ID != "15550004444" {
			t.Fatalf("closed = %+v", p)
		}
	})

	t.Run("settings and presence", func(t *testing.T) {
		var ch struct {
			Seq  uint64    `json:"seq"`
			Key  string    `json:"setting"`
			By   string    `json:"by"`
			At   time.Time `json:"at"`
			From string    `json:"from"`
			To   string    `json:"to"`
		}
		w.jsonOf(t, 0, &ch, "roundrobin", "off")
		if ch.Key != "round_robin" || ch.From != "on" || ch.To != "off" || ch.By != "alice" {
			t.Fatalf("roundrobin off = %+v", ch)
		}
		has(t, w.ok(t, "roundrobin"), "Round robin: off (plan: business)")
		has(t, w.ok(t, "roundrobin", "off"), "already off")
		has(t, w.ok(t, "roundrobin", "on"), "Round robin turned on (was off) by alice.")
		has(t, w.ok(t, "--as", "carol", "presence", "away"), "Carol Diaz (carol) is away.")
		has(t, w.ok(t, "presence", "carol", "online"), "Carol Diaz (carol) is online.")
		has(t, w.ok(t, "--as", "carol", "presence"), "Carol Diaz (carol) is online.")
		w.want(t, 4, "--as", "carol", "presence", "bob", "online")
	})

	t.Run("operators, teams, contacts, rules", func(t *testing.T) {
		has(t, w.ok(t, "operators", "add", "zoe", "--name", "Zoe Park", "--status", "online"), "Operator Zoe Park (zoe) added: operator, online.")
		w.want(t, 4, "--as", "carol", "operators", "add", "yan", "--name", "Yan")
		has(t, w.want(t, 1, "operators", "add", "zoe", "--name", "Zoe"), "already exists")
		has(t, w.ok(t, "operators", "edit", "zoe", "--role", "admin"), "changed: admin, online")
		var ops []inbox.OperatorView
		w.jsonOf(t, 0, &ops, "operators")
		if len(ops) != 7 || ops[6].ID != "zoe" || ops[6].Role != "admin" {
			t.Fatalf("operators = %+v", ops)
		}
		has(t, w.ok(t, "operators", "list"), "ID", "zoe", "Zoe Park", "admin")

		has(t, w.ok(t, "teams", "add", "vip", "--name", "VIP desk", "--members", "carol"), "Team VIP desk (vip) added.")
		w.ok(t, "teams", "members", "add", "vip", "zoe")
		w.ok(t, "teams", "edit", "vip", "--name", "VIP")
		var teams []struct {
			ID      string   `json:"id"`
			Name    string   `json:"name"`
			Members []string `json:"members"`
		}
		w.jsonOf(t, 0, &teams, "teams")
		if len(teams) != 4 || teams[3].Name != "VIP" || strings.Join(teams[3].Members, ",") != "carol,zoe" {
			t.Fatalf("teams = %+v", teams)
		}
		w.ok(t, "teams", "members", "remove", "vip", "zoe")
		w.ok(t, "teams", "remove", "vip")
		has(t, w.ok(t, "teams"), "support", "yes")
		w.ok(t, "operators", "remove", "zoe")

		var ct inbox.ContactView
		w.jsonOf(t, 0, &ct, "contacts", "add", "+15550007777", "--name", "Ivy Chen", "--tags", "vip,new")
		if ct.ID != "15550007777" || ct.Name != "Ivy Chen" || len(ct.Tags) != 2 {
			t.Fatalf("contact = %+v", ct)
		}
		w.want(t, 1, "contacts", "add", "15550007777")
		w.jsonOf(t, 0, &ct, "contacts", "edit", "15550007777", "--tags", "vip")
		if ct.Name != "Ivy Chen" || len(ct.Tags) != 1 {
			t.Fatalf("edited contact = %+v", ct)
		}
		var cs []inbox.ContactView
		w.jsonOf(t, 0, &cs, "contacts", "--search", "ivy")
		if len(cs) != 1 || cs[0].ID != "15550007777" {
			t.Fatalf("search = %+v", cs)
		}
		has(t, w.ok(t, "contacts", "list"), "+15550001111", "Dana Diaz", "frank", "vip")
		w.want(t, 4, "--as", "carol", "contacts", "remove", "15550007777")
		has(t, w.ok(t, "contacts", "remove", "+1 555 000 7777"), "removed")
		w.jsonOf(t, 0, &cs, "contacts", "--search", "ivy")
		if len(cs) != 0 {
			t.Fatalf("removed contact still found: %+v", cs)
		}
		w.want(t, 1, "contacts", "remove", "15550007777")

		w.ok(t, "rules", "add", "vips", "--tag", "vip", "--to", "operator:dana")
		w.ok(t, "rules", "move", "vips", "1")
		w.ok(t, "rules", "edit", "vips", "--to", "team:sales")
		var rules []struct {
			Name    string `json:"name"`
			Channel string `json:"channel"`
			Keyword string `json:"keyword"`
			Tag     string `json:"tag"`
			To      string `json:"to"`
		}
		w.jsonOf(t, 0, &rules, "rules")
		if len(rules) != 2 || rules[0].Name != "vips" || rules[0].To != "team:sales" || rules[1].Name != "refunds" {
			t.Fatalf("rules = %+v", rules)
		}
		has(t, w.want(t, 1, "rules", "add", "bad", "--to", "team:nope", "--tag", "x"), `team "nope" not found`)
		w.ok(t, "rules", "remove", "vips")
		has(t, w.ok(t, "rules"), "refunds", "team:billing")
	})

	t.Run("contacts who do not share their number", func(t *testing.T) {
		const rosa = "US.13491208655302741918"
		has(t, w.ok(t, "inject", "message", rosa, "Hola, ¿mi pedido?", "--username", "rosa.m", "--name", "Rosa Martín", "--id", "wamid.r1"),
			"Rosa Martín (number not shared · @rosa.m · "+rosa+"): open, assigned to Carol Diaz (carol)")
		r := w.ok(t, "show", "@rosa.m")
		has(t, r, "Rosa Martín (number not shared · @rosa.m · "+rosa+")", "← message  Hola, ¿mi pedido?")
		has(t, w.ok(t, "assign", "@rosa.m", "bob"), "assigned to Bob Stone (bob)")
		has(t, w.ok(t, "--as", "bob", "reply", rosa, "¡Ya sale!"), "Rosa Martín (number not shared")
		has(t, w.ok(t, "contacts", "--search", "rosa.m"), "number not shared", "@rosa.m", rosa)
		// she shares her number: the same contact and conversation
		var out inbox.Outcome
		w.jsonOf(t, 0, &out, "inject", "message", "+1 555 000 9999", "my number", "--bsuid", rosa)
		if out.Conversation.Contact.ID != rosa || out.Conversation.Contact.Phone != "15550009999" || out.Conversation.AssigneeID() != "bob" {
			t.Fatalf("after sharing her number: %+v", out.Conversation)
		}
		has(t, w.ok(t, "show", "+15550009999"), "Rosa Martín (+15550009999 · @rosa.m · "+rosa+")", "my number", "Hola")
		has(t, w.ok(t, "list", "--assignee", "bob"), "+15550009999", "Rosa Martín")
		// a call by BSUID rings, and the same id with its outcome ends it in place
		w.ok(t, "inject", "call", rosa, "--id", "wacid.r1")
		has(t, w.ok(t, "inject", "call", rosa, "--id", "wacid.r1", "--duration", "42"), "Rosa Martín")
		if r := w.ok(t, "show", rosa); strings.Count(r.out, "☎ call") != 1 || !strings.Contains(r.out, "answered (42s)") {
			t.Fatalf("the call did not end in place:\n%s", r)
		}
		has(t, w.want(t, 2, "inject", "message", "US.12-34", "hi"), `The sender "US.12-34" is not a business-scoped user id`)
		has(t, w.want(t, 1, "show", "@nobody"), "Contact @nobody not found")
		w.ok(t, "contacts", "remove", "@rosa.m")
	})

	t.Run("export and import round trip", func(t *testing.T) {
		doc := w.ok(t, "export").out
		var d inbox.Document
		if err := json.Unmarshal([]byte(doc), &d); err != nil || d.Format != inbox.Format {
			t.Fatalf("export is not a document: %v", err)
		}
		has(t, w.want(t, 1, "import", "testdata/workspace.json"), "already has data; use --replace")
		w.want(t, 4, "--as", "carol", "import", "--replace", "testdata/workspace.json")
		r := w.runIn(t, doc, "import", "-", "--replace")
		if r.code != 0 {
			t.Fatalf("import -: %s", r)
		}
		if again := w.ok(t, "export").out; again != doc {
			t.Fatal("export → import → export differs")
		}
	})
}

func TestCommandsWithTheFileAlone(t *testing.T) {
	w := newWS(t, true)
	scenario(t, w, "file")
}

func TestCommandsThroughServe(t *testing.T) {
	w := newWS(t, true)
	srv := w.serve(t)
	scenario(t, w, "socket")
	// the file is the server's: a second owner fails at once, naming it
	r := w.want(t, 1, "serve")
	has(t, r, "is already open in `switchboard serve` (pid")
	if strings.Contains(r.err, "is in use by another process") {
		t.Fatalf("a second serve waited for the lock instead of asking the owner: %s", r.err)
	}
	srv.stop(t)
	if _, err := os.Stat(w.db + ".sock"); !os.IsNotExist(err) {
		t.Fatalf("socket left after serve stopped: %v", err)
	}
	// and the file alone works again
	var who whoami
	w.jsonOf(t, 0, &who, "whoami")
	if who.Via != "file" {
		t.Fatalf("after serve stopped: %+v", who)
	}
}

type server struct {
	cmd  *exec.Cmd
	errb *bytes.Buffer
	done chan error
}

// serve starts `switchboard serve` on the workspace and waits for its socket.
func (w *ws) serve(t *testing.T, args ...string) *server {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"serve"}, args...)...)
	cmd.Env = w.env()
	return w.startServer(t, cmd)
}

// startServer starts a serve command and waits for its socket.
func (w *ws) startServer(t *testing.T, cmd *exec.Cmd) *server {
	t.Helper()
	s := &server{cmd: cmd, errb: &bytes.Buffer{}, done: make(chan error, 1)}
	cmd.Stderr = s.errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { s.done <- cmd.Wait() }()
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			<-s.done
		}
	})
	deadline := time.Now().Add(15 * time.Second) // start, open the file, listen: slow only on a loaded machine
	for {
		if _, err := rpc.OwnerOf(w.db); err == nil {
			return s
		}
		select {
		case err := <-s.done:
			t.Fatalf("serve exited: %v\n%s", err, s.errb)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve did not listen within 5s:\n%s", s.errb)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// stop sends SIGTERM and wants a clean exit.
func (s *server) stop(t *testing.T) {
	t.Helper()
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-s.done:
		if err != nil {
			t.Fatalf("serve did not exit cleanly: %v\n%s", err, s.errb)
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("serve did not stop within 10s:\n%s", s.errb)
	}
	if !strings.Contains(s.errb.String(), "Stopped.") {
		t.Fatalf("serve's last words:\n%s", s.errb)
	}
}

func staleSocket(t *testing.T, path string) {
	t.Helper()
	ln, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	ln.(*net.UnixListener).SetUnlinkOnClose(false)
	ln.Close()
	if _, err := os.Stat(path); err != nil {
		t.Fatal(err)
	}
}

func TestStaleSocketIsReplaced(t *testing.T) {
	w := newWS(t, true)
	sock := w.db + ".sock"
	staleSocket(t, sock)
	var who whoami
	w.jsonOf(t, 0, &who, "whoami")
	if who.Via != "file" {
		t.Fatalf("a stale socket answered: %+v", who)
	}
	if _, err := os.Stat(sock); !os.IsNotExist(err) {
		t.Fatalf("the stale socket was not removed: %v", err)
	}
	staleSocket(t, sock)
	srv := w.serve(t)
	w.jsonOf(t, 0, &who, "whoami")
	if who.Via != "socket" || who.Owner == nil || who.Owner.PID != srv.cmd.Process.Pid {
		t.Fatalf("serve did not replace the stale socket: %+v", who)
	}
	st, err := os.Stat(sock)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("socket mode: %v %v", st, err)
	}
	srv.stop(t)
}

func TestUsageErrorsExit2WithHelp(t *testing.T) {
	w := newWS(t, true)
	for _, args := range [][]string{
		{"list", "--status", "bogus"},
		{"list", "extra"},
		{"show"},
		{"assign", "15550001111"},
		{"inject"},
		{"inject", "call", "15550001111", "--missed", "--duration", "3"},
		{"inject", "call", "15550001111", "--duration", "-1"},
		{"inject", "message", "15550001111"},
		{"routing", "maybe"},
		{"roundrobin", "on", "off"},
		{"presence", "carol", "busy"},
		{"operators", "edit", "carol"},
		{"operators", "add", "yan"},
		{"teams", "members"},
		{"rules", "move", "refunds", "first"},
		{"show", "15550001111", "--last", "-2"},
		{"routing", "away-wait", "5 minutes"},
		{"routing", "away-wait", "-1m"},
		{"hours", "set", "mon-xyz", "09:00-17:00"},
		{"hours", "set", "mon-fri", "9-17"},
		{"hours", "set", "mon-fri", "18:00-09:00"},
		{"hours", "set", "mon-fri", "09:00-17:00", "--tz", "Mars/Base"},
		{"hours", "set", "mon-fri"},
		{"hours", "clear", "someday"},
		{"holiday", "maybe"},
		{"roundrobin", "mode", "fair"},
		{"capacity", "default", "-1"},
		{"capacity", "default", "many"},
		{"operators", "edit", "carol", "--max-open", "lots"},
		{"list", "--backlog", "--waiting"},
		{"list", "--backlog", "--assignee", "carol"},
	} {
		r := w.run(t, args...)
		if r.code != 2 || !strings.Contains(r.err, "Usage:") || !strings.Contains(r.err, "Error: ") {
			t.Errorf("switchboard %s: want exit 2 with usage, got %s", strings.Join(args, " "), r)
		}
	}
}

// A mistyped command or flag gets a suggestion, not the whole usage; cobra's own sentences
// become ones a person can act on.
func TestMistypedCommandsSuggestAndFlagGroupsSaySentences(t *testing.T) {
	w := newWS(t, true)
	for _, c := range []struct {
		args  []string
		say   []string
		usage bool
	}{
		{[]string{"lst"}, []string{`"lst" is not a command of switchboard. Did you mean ` + "`list`?", "switchboard --help"}, false},
		{[]string{"assing", "x"}, []string{"Did you mean `assign`?"}, false},
		{[]string{"operators", "lst"}, []string{"of switchboard operators. Did you mean `list`?"}, false},
		{[]string{"bogus"}, []string{`"bogus" is not a command of switchboard. Run`}, false},
		{[]string{"inject", "fax", "1"}, []string{`"fax" is not a command of switchboard inject`}, false},
		{[]string{"--nope"}, []string{`switchboard has no flag "nope"`}, false},
		{[]string{"list", "--statsu", "open"}, []string{"Did you mean `--status`?"}, false},
		{[]string{"list", "extra"}, []string{`switchboard list takes no arguments, and "extra" was given.`}, true},
		{[]string{"show"}, []string{"switchboard show takes 1 argument (CONTACT), and 0 were given."}, true},
		{[]string{"inject", "call", "+15550001111", "--missed", "--duration", "3"}, []string{"--duration and --missed cannot be given together: give only one of them."}, true},
		{[]string{"owner", "+15550001111"}, []string{"takes 2 arguments (CONTACT OPERATOR|none), and 1 was given."}, true},
		{[]string{"list", "--limit", "abc"}, []string{`--limit takes a whole number (print at most N conversations (0: all), then the cursor to go on from), and "abc" was given.`}, true},
		{[]string{"inject", "call", "+15550001111", "--duration", "1m"}, []string{`--duration takes a whole number (the call was answered and lasted SECONDS), and "1m" was given.`}, true},
		{[]string{"inject", "message", "+0049151234", "hi"}, []string{"no country code begins with 0", "write it as +49151234"}, false},
		{[]string{"completion", "tcsh"}, []string{`"tcsh" is not a shell switchboard completes for: give one of bash, fish, powershell, zsh`}, true},
		{[]string{"inject", "message", "0049151234", "hi"}, []string{"its leading 00 is the international prefix, so write it as +49151234"}, false},
	} {
		r := w.want(t, 2, c.args...)
		has(t, r, c.say...)
		if strings.Contains(r.err, "Usage:") != c.usage || strings.Contains(r.err, "if any flags in the group") {
			t.Errorf("switchboard %s: usage shown = %v, want %v:\n%s", strings.Join(c.args, " "), !c.usage, c.usage, r)
		}
	}
}

// With --json a failure is JSON too, on stderr, with the same exit code.
func TestJSONErrorsAreJSON(t *testing.T) {
	w := newWS(t, true)
	for _, c := range []struct {
		args []string
		code int
		kind string
		say  string
	}{
		{[]string{"--json", "lst"}, 2, "usage", "Did you mean `list`?"},
		{[]string{"list", "--json", "--status", "bogus"}, 2, "usage", "--status"},
		{[]string{"--json", "show", "+19995550000"}, 1, "not_found", "+19995550000"},
		{[]string{"--json", "--as", "carol", "routing", "off"}, 4, "forbidden", "admin"},
		{[]string{"--json", "inject", "message", "5550001111", "hi"}, 2, "usage", "+15550001111 (Dana Diaz)"},
	} {
		r := w.run(t, c.args...)
		var got struct {
			Error struct{ Kind, Message string }
		}
		if r.code != c.code || json.Unmarshal([]byte(r.err), &got) != nil || got.Error.Kind != c.kind || !strings.Contains(got.Error.Message, c.say) || r.out != "" {
			t.Errorf("switchboard %s: want exit %d and {error: {kind: %s, message: …%s…}} on stderr, got %s", strings.Join(c.args, " "), c.code, c.kind, c.say, r)
		}
	}
}

// A number without + that is no contact's is refused (changing nothing), naming the contact
// whose national number it is when one is.
func TestNumberWithoutPlusAsksForTheCountryCode(t *testing.T) {
	w := newWS(t, true)
	has(t, w.want(t, 2, "inject", "message", "5550001111", "hi"), "No contact has the number 5550001111, but +15550001111 (Dana Diaz) has it without the country code: write +15550001111")
	has(t, w.want(t, 2, "inject", "call", "5550009999"), "write it with + and its country code", "+15550009999")
	has(t, w.want(t, 1, "show", "+15550009999"), "+15550009999")           // nothing was made
	has(t, w.ok(t, "inject", "message", "15550001111", "hi"), "Dana Diaz") // a contact's number as it is
	has(t, w.ok(t, "inject", "message", "+15550009999", "hi", "--name", "New Person"), "New Person")
	// any command naming a contact: a national number is said to be whose
	has(t, w.want(t, 1, "show", "5550001111"), "+15550001111 (Dana Diaz) has that number after its country code: did you mean +15550001111?")
	has(t, w.want(t, 1, "assign", "555-000-2222", "carol"), "did you mean +15550002222?")
}

// A number typed wrong is bad input, exit 2 like a number without + (it was exit 1, "failed"):
// a character that is not a digit, too few or too many digits, no number at all, a malformed
// BSUID or username. The sentence says what was wrong and what to give, without the command's
// usage after it; --json says kind "usage"; nothing is made. A well-formed number that is no
// contact's is not bad input: it is not found (exit 1).
func TestMalformedNumberIsBadInput(t *testing.T) {
	w := newWS(t, true)
	before := w.ok(t, "export").out
	for _, c := range []struct {
		args []string
		say  string
	}{
		{[]string{"inject", "message", "+49abc", "hi"}, `Phone number "+49abc" has 'a' in it: use digits only`},
		{[]string{"inject", "message", "+49 151 (0) 12-3x", "hi"}, `has 'x' in it`},
		{[]string{"inject", "call", "+12"}, `Phone number "+12" has 2 digits: it needs 6 to 15`},
		{[]string{"inject", "message", "+1234567890123456", "hi"}, "has 16 digits: it needs 6 to 15"},
		{[]string{"inject", "message", "  ", "hi"}, "The sender is missing: give their phone number"},
		{[]string{"inject", "message", "US.12-34", "hi"}, `The sender "US.12-34" is not a business-scoped user id`},
		{[]string{"inject", "message", "+15550001111", "hi", "--username", "a b"}, "a WhatsApp username has letters, digits"},
		{[]string{"show", "12ab"}, "use digits only"},
		{[]string{"show", "wei"}, "to find a contact by name, run `switchboard search wei`"}, // a name, not a number
		{[]string{"assign", "+1555abc", "carol"}, "use digits only"},
		{[]string{"show", "@"}, "The username is empty: give the customer's WhatsApp username"},
		{[]string{"show", ""}, "A contact is needed: give their number"},
	} {
		r := w.want(t, 2, c.args...)
		has(t, r, c.say)
		if !strings.HasPrefix(r.err, "Error: ") || strings.Contains(r.err, "Usage:") {
			t.Errorf("switchboard %q: want the sentence alone, without the usage after it:\n%s", c.args, r)
		}
	}
	var got struct {
		Error struct{ Kind, Message string }
	}
	r := w.run(t, "--json", "inject", "message", "+49abc", "hi")
	if r.code != 2 || json.Unmarshal([]byte(r.err), &got) != nil || got.Error.Kind != "usage" || !strings.Contains(got.Error.Message, "use digits only") {
		t.Fatalf("--json: want exit 2 and kind usage, got %s", r)
	}
	if w.ok(t, "export").out != before {
		t.Fatal("a malformed number changed the workspace")
	}
	has(t, w.want(t, 1, "show", "+15559999999"), "Contact +15559999999 not found") // well-formed: not found
	has(t, w.want(t, 1, "import", "testdata/workspace.json"), "already has data")  // not bad input of a number
}

func TestEmptyWorkspaceSaysHowToStart(t *testing.T) {
	w := newWS(t, false)
	has(t, w.want(t, 1, "whoami"), "No workspace at "+w.db, "switchboard import FILE", "operators add ID --name NAME --role admin")
	has(t, w.want(t, 1, "operators", "add", "bob", "--name", "Bob"), "must be an admin")
	if _, err := os.Stat(w.db); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("a refused first operator left a workspace file behind (%v)", err)
	}
	w.ok(t, "operators", "add", "root", "--name", "Root", "--role", "admin")
	has(t, w.ok(t, "whoami"), "root — Root, admin, offline")
	has(t, w.want(t, 1, "import", "nope.json"), "cannot read nope.json")
	r := w.runIn(t, `{"format": "nope"}`, "import", "-", "--replace")
	if r.code != 1 || !strings.Contains(r.err, "Invalid document") {
		t.Fatalf("bad document: %s", r)
	}
}

// A mistyped --db is not a new workspace: every command that does not make one (import, the
// first operator, the demo) refuses a path with no workspace, and makes no file or folder.
func TestMissingWorkspaceIsNotMade(t *testing.T) {
	w := newWS(t, false)
	w.db = filepath.Join(w.dir, "typo", "w.db")
	gone := func(what string) {
		t.Helper()
		if _, err := os.Stat(filepath.Dir(w.db)); !errors.Is(err, fs.ErrNotExist) {
			t.Fatalf("%s made %s (%v)", what, filepath.Dir(w.db), err)
		}
	}
	for _, args := range [][]string{
		{"list"}, {"export"}, {"whoami"}, {"show", "+15550001111"}, {"search", "Dana"},
		{"inject", "message", "+15550001111", "hi"}, {"serve"}, {"routing"}, {"outbox"}, {},
	} {
		has(t, w.want(t, 1, args...), "No workspace at "+w.db, "check --db (or SWITCHBOARD_DB)", "switchboard import FILE")
		gone(fmt.Sprint(args))
	}
	// the doors are not opened either (an SSH host key is a file beside the workspace)
	has(t, w.want(t, 1, "serve", "--ssh", "127.0.0.1:0"), "No workspace at "+w.db)
	gone("serve --ssh")
	// a refused first operator removes the folders it made, not only the file
	has(t, w.want(t, 1, "operators", "add", "bob", "--name", "Bob"), "must be an admin")
	gone("a refused first operator")
	has(t, w.want(t, 1, "copy", "--from", w.db, "--to", filepath.Join(w.dir, "to.db")), "the source: No workspace at "+w.db)
	gone("copy")
	if _, err := os.Stat(filepath.Join(w.dir, "to.db")); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("copy from no workspace made its target (%v)", err)
	}
	// a document that cannot be loaded makes no workspace either
	bad := filepath.Join(w.dir, "bad.json")
	if err := os.WriteFile(bad, []byte(`{"teams": 5}`), 0o600); err != nil {
		t.Fatal(err)
	}
	has(t, w.want(t, 1, "import", bad), "not valid workspace JSON: field teams should be a list ([…]), not a number")
	gone("a bad import")
	// an empty file is not a workspace, and is left as it is
	if err := os.MkdirAll(filepath.Dir(w.db), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(w.db, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	has(t, w.want(t, 1, "list"), w.db+" is empty (0 bytes), so it holds no workspace", "restore it from a backup")
	if st, err := os.Stat(w.db); err != nil || st.Size() != 0 {
		t.Fatalf("list changed the empty file: %v %v", st, err)
	}
	// import may start a workspace in it
	w.ok(t, "import", "testdata/workspace.json")
	has(t, w.ok(t, "list"), "Dana Diaz")
}

// A copy that cannot be loaded into its target leaves no target behind: the file it made and the
// folders made for it are removed (a target that was there stays, unchanged).
func TestFailedCopyLeavesNoTarget(t *testing.T) {
	w := newWS(t, true)
	// an operator of a role no import accepts, written past the service's checks
	st, err := data.Open(w.db)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Update(func(tx domain.Tx) error {
		return tx.PutOperator(domain.Operator{ID: "zed", Name: "Zed", Role: "boss", Status: "online"})
	}); err != nil {
		t.Fatal(err)
	}
	st.Close()
	to := filepath.Join(w.dir, "new", "deeper", "to.db")
	has(t, w.want(t, 1, "copy", "--from", w.db, "--to", to), "the target "+to, `"boss"`)
	if _, err := os.Stat(filepath.Join(w.dir, "new")); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("a failed copy left %s behind (%v)", filepath.Join(w.dir, "new"), err)
	}
	if m, _ := filepath.Glob(filepath.Join(w.dir, "new*")); len(m) > 0 {
		t.Fatalf("a failed copy left %v", m)
	}
	// a target that was there is not removed
	other := newWS(t, false)
	other.ok(t, "operators", "add", "root", "--name", "Root", "--role", "admin")
	before := other.ok(t, "export").out
	has(t, w.want(t, 1, "copy", "--from", w.db, "--to", other.db, "--replace", "--as", "root"), `"boss"`)
	if after := other.ok(t, "export").out; after != before {
		t.Fatalf("a failed copy changed its target:\n%s\n%s", before, after)
	}
}

// A conversation started while the workspace had no team has none, and its export imports:
// a workspace's export always loads again (it was refused: team "" not found).
func TestNoTeamConversationRoundTrips(t *testing.T) {
	w := newWS(t, false)
	w.ok(t, "operators", "add", "boss", "--name", "Boss", "--role", "admin")
	w.ok(t, "inject", "message", "+15551230000", "hi")
	doc := w.ok(t, "export").out
	if !strings.Contains(doc, `"team":""`) {
		t.Fatalf("the conversation has a team:\n%s", doc)
	}
	file := filepath.Join(w.dir, "doc.json")
	if err := os.WriteFile(file, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	again := newWS(t, false)
	again.ok(t, "import", file)
	if got := again.ok(t, "export").out; got != doc {
		t.Fatalf("the import exports differently:\n%s\n%s", doc, got)
	}
}

// An empty operator (a script's unset $OP) is refused, changing nothing; none is how to unassign
// or clear the owner.
func TestEmptyOperatorIsRefused(t *testing.T) {
	w := newWS(t, true)
	before := w.ok(t, "export").out
	has(t, w.want(t, 2, "assign", "+15550001111", ""), "The operator is empty", "none to unassign")
	has(t, w.want(t, 2, "owner", "+15550001111", "  "), "The owner is empty", "none to clear the owner")
	if after := w.ok(t, "export").out; after != before {
		t.Fatal("an empty operator changed the workspace")
	}
	has(t, w.ok(t, "owner", "+15550001111", "none"), "no owner")
}

// An operator's or a team's name with a character that cannot be seen (a format character,
// Unicode Cf: U+200B, U+2060, U+FEFF, …) is refused when it is added or renamed: two names that
// look the same would be two people or teams. Bad input (exit 2), the character named as
// U+XXXX with what to do, nothing changed; a zero-width joiner inside an emoji is kept.
func TestInvisibleCharactersInNamesAreRefused(t *testing.T) {
	w := newWS(t, true)
	before := w.ok(t, "export").out
	for _, c := range []struct {
		args []string
		say  string
	}{
		{[]string{"operators", "add", "zoe", "--name", "Zo\u200be Park"}, `The operator name "Zo\u200be Park" has U+200B ZERO WIDTH SPACE in it`},
		{[]string{"operators", "edit", "bob", "--name", "Bob\u2060", "--role", "admin"}, "U+2060 WORD JOINER"},
		{[]string{"operators", "edit", "bob", "--name", "Bo\u200db"}, "U+200D ZERO WIDTH JOINER"},
		{[]string{"teams", "add", "vip", "--name", "\ufeffVIP"}, `The team name "\ufeffVIP" has U+FEFF ZERO WIDTH NO-BREAK SPACE (byte order mark) in it`},
		{[]string{"teams", "edit", "sales", "--name", "Sa\u00adles", "--default"}, "U+00AD SOFT HYPHEN"},
	} {
		r := w.want(t, 2, c.args...)
		has(t, r, c.say, "a character that cannot be seen", "type the name again without it", "nothing was changed")
		if strings.Contains(r.err, "Usage:") {
			t.Errorf("switchboard %q: want the sentence alone, without the usage after it:\n%s", c.args, r)
		}
	}
	if w.ok(t, "export").out != before {
		t.Fatal("a name with an invisible character changed the workspace")
	}
	has(t, w.ok(t, "operators", "edit", "bob", "--name", "Bob 👩\u200d💻"), "Operator Bob 👩\u200d💻 (bob) changed")
	has(t, w.ok(t, "teams", "add", "pride", "--name", "🏳️\u200d🌈 Pride"), "Team 🏳️\u200d🌈 Pride (pride) added")
}

// With no terminal (a cron job, a script without one), the inbox and the demo say they need
// one (bubbletea's own error was "could not open TTY: open /dev/tty: no such device or
// address"), and the demo leaves no file or folder behind.
func TestNoTerminalSaysSo(t *testing.T) {
	w := newWS(t, true)
	newDemo := filepath.Join(w.dir, "nodir", "demo.db")
	for _, args := range [][]string{{"--db", w.db}, {"demo", "--db", newDemo}} {
		cmd := exec.Command(bin, args...)
		cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true} // no controlling terminal, whoever runs the tests
		cmd.Env = append(os.Environ(), "HOME="+w.dir)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		err := cmd.Run()
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != 2 || !strings.Contains(stderr.String(), "The terminal inbox needs a terminal, and this process has none") {
			t.Fatalf("switchboard %v without a terminal: %v\n%s", args, err, stderr.String())
		}
	}
	if _, err := os.Stat(filepath.Dir(newDemo)); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("the demo without a terminal made %s (%v)", filepath.Dir(newDemo), err)
	}
}

// An action that does not move a conversation (close) says what it did, and its "Why" is the
// conversation's own, the one show gives (it printed the close's note as the Why).
func TestCloseSaysDoneAndTheConversationsWhy(t *testing.T) {
	w := newWS(t, true)
	w.ok(t, "team", "+15550001111", "sales") // why it is where it is: the move
	r := w.ok(t, "close", "+15550001111")
	has(t, r, "Done: Alice Ng closed the conversation")
	show := w.ok(t, "show", "+15550001111").out
	why := r.out[strings.Index(r.out, "Why: "):]
	why = why[:strings.IndexByte(why, '\n')]
	if !strings.Contains(show, why) || strings.Contains(why, "closed the conversation") {
		t.Fatalf("close says %q, show says:\n%s", why, show)
	}
	// an inbound's routing is its Why, as before: "Stays with …" says where this message went
	r = w.want(t, 3, "inject", "message", "+15550001111", "one more") // (it raises a team decision)
	if strings.Contains(r.out, "Done:") || !strings.Contains(r.out, "Why: ") {
		t.Fatalf("inject: %s", r)
	}
}

// the demo is an owner too: beside a running serve it fails at once.
func TestSecondOwnerFailsFast(t *testing.T) {
	w := newWS(t, true)
	srv := w.serve(t)
	// a second terminal inbox attaches to the owner instead (TestAttachedTerminalInbox in ui):
	// here, with no terminal, it gets as far as opening one, and says it has none
	if r := w.want(t, 2); !strings.Contains(r.err, "The terminal inbox needs a terminal, and this process has none") || strings.Contains(r.err, "already open") {
		t.Fatalf("a second terminal inbox did not attach: %s", r)
	}
	for _, args := range [][]string{{"demo", "--db", w.db}, {"demo", "--reset", "--db", w.db}} {
		// the message comes from asking the owner over its socket, before any wait for the
		// file's lock (which would say "is in use by another process" after 2 s);
		// no clock is read here, so a loaded machine cannot fail it
		r := w.want(t, 1, args...)
		has(t, r, w.db+" is ", "open in `switchboard serve` (pid")
		if strings.Contains(r.err, "is in use by another process") {
			t.Fatalf("switchboard %v waited for the lock instead of asking the owner: %s", args, r.err)
		}
	}
	w.ok(t, "whoami") // the demo --reset did not delete it
	srv.stop(t)
	w.want(t, 2, "demo", "--contacts", "0")
}

// TestPresenceCommands: the settings of routing that knows who is there from the command line —
// bad input says what was wrong and changes nothing, only admins change them, each change is in
// the settings history and the workspace document — and an away owner covered, the backlog
// listed and given out, as a person sees them.
func TestPresenceCommands(t *testing.T) {
	w := newWS(t, true)
	before := w.ok(t, "export").out
	for _, c := range []struct {
		args []string
		says string
	}{
		{[]string{"routing", "away-wait", "5 minutes"}, `"5 minutes" is not a duration: give one in Go syntax like 0 (a cover at once), 90s, 10m or 1h30m, or off`},
		{[]string{"hours", "set", "mon-xyz", "09:00-17:00"}, `Unknown day "xyz" in "mon-xyz": give days like mon-fri, sat,sun or mon-sun`},
		{[]string{"hours", "set", "mon-fri", "18:00-09:00"}, "for a night shift give 18:00-24:00 on one day and 00:00-06:00 on the next"},
		{[]string{"hours", "set", "mon-fri", "09:00-17:00", "--tz", "Mars/Base"}, `Unknown time zone "Mars/Base": give an IANA zone name like Europe/Berlin`},
		{[]string{"capacity", "default", "-1"}, "-1 open conversations is out of range: give 0 (no limit) to 10000"},
		{[]string{"operators", "edit", "carol", "--max-open", "lots"}, `--max-open: "lots" is not a number`},
		{[]string{"roundrobin", "mode", "fair"}, `Unknown assignment mode "fair": use round_robin`},
	} {
		has(t, w.want(t, 2, c.args...), c.says)
	}
	for _, args := range [][]string{{"routing", "away-wait", "10m"}, {"hours", "set", "mon-fri", "09:00-17:00"}, {"holiday", "on"},
		{"roundrobin", "mode", "balanced"}, {"capacity", "default", "3"}, {"operators", "edit", "bob", "--max-open", "2"}} {
		has(t, w.want(t, 4, append([]string{"--as", "carol"}, args...)...), "Only admins")
	}
	if after := w.ok(t, "export").out; after != before {
		t.Fatalf("refused settings changed the workspace:\n%s", firstLineDiff(before, after))
	}

	has(t, w.ok(t, "routing", "away-wait"), "Owner away wait: off")
	has(t, w.ok(t, "routing", "away-wait", "0"), "Owner away wait: off (the owner gets it anyway) → 0 (a cover at once), by alice.")
	has(t, w.ok(t, "hours", "set", "mon-fri", "09:00-17:00", "--tz", "Europe/Berlin"),
		"Working hours set to Mon–Fri 09:00–17:00 (Europe/Berlin) (was always open) by alice.")
	has(t, w.ok(t, "hours", "set", "sat", "10:00-14:00"), "Mon–Fri 09:00–17:00, Sat 10:00–14:00 (Europe/Berlin)")
	has(t, w.ok(t, "hours"), "Working hours: Mon–Fri 09:00–17:00, Sat 10:00–14:00 (Europe/Berlin)", "Now: ", "Holiday mode: off")
	has(t, w.ok(t, "holiday", "on"), "Holiday mode turned on (was off) by alice.")
	has(t, w.ok(t, "roundrobin", "mode", "balanced"), "Round robin mode set to balanced (was round_robin) by alice.")
	has(t, w.ok(t, "capacity", "default", "3"), "Default capacity set to 3 (was no limit) by alice.")
	has(t, w.ok(t, "operators", "edit", "carol", "--max-open", "5"), "Operator Carol Diaz (carol) changed: operator, online, at most 5 open from round robin.")
	has(t, w.ok(t, "capacity"), "Default capacity: 3", "carol", "own", "bob")
	doc := w.ok(t, "export").out
	for _, want := range []string{`"owner_away_wait":"0s"`, `"hours":{"tz":"Europe/Berlin","mon":["09:00-17:00"]`, `"holiday":true`,
		`"assignment":"balanced"`, `"default_max_open":3`, `"max_open":5`, `"setting":"hours","by":"alice"`, `"setting":"max_open:carol"`} {
		if !strings.Contains(doc, want) {
			t.Errorf("export lacks %s", want)
		}
	}

	// in holiday mode round robin does not run: a new customer waits in Support's backlog
	has(t, w.ok(t, "inject", "message", "+15559990001", "hello", "--name", "Gus Lee"), "assigned to Bot (backlog)", "holiday mode")
	has(t, w.ok(t, "list", "--backlog"), "Gus Lee")
	// holiday off: the backlog is given out at once (the hours may be closed now: clear them)
	w.ok(t, "hours", "clear")
	has(t, w.ok(t, "holiday", "off"), "Holiday mode turned off (was on) by alice.")
	has(t, w.ok(t, "list", "--backlog"), "No conversations match.")
	has(t, w.ok(t, "show", "+15559990001"), "assignee:", "Carol Diaz", "[round_robin_backlog]", "holiday mode is off")

	// Bob (offline) owns Dana Diaz: with a wait of 0 a cover takes her reopened conversation
	w.ok(t, "close", "+15550001111")
	has(t, w.ok(t, "inject", "message", "+15550001111", "is anyone there?"),
		"assigned to Carol Diaz (covering for Bob Stone, offline), owner Bob Stone", "Why: Covered by Carol Diaz — contact owner Bob Stone is offline")
	has(t, w.ok(t, "show", "+15550001111"), "Carol Diaz (covering for Bob Stone, offline)", "[owner_away]")
	// Bob comes back; the cover keeps it until it closes, then it goes back to Bob
	w.ok(t, "presence", "bob", "online")
	has(t, w.ok(t, "inject", "message", "+15550001111", "thanks"), "covering for Bob Stone")
	w.ok(t, "--as", "carol", "close", "+15550001111")
	has(t, w.ok(t, "inject", "message", "+15550001111", "one more thing"), "assigned to Bob Stone", "Back with Bob Stone")
}

func firstLineDiff(a, b string) string {
	la, lb := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := 0; i < len(la) && i < len(lb); i++ {
		if la[i] != lb[i] {
			return fmt.Sprintf("line %d:\n- %s\n+ %s", i+1, la[i], lb[i])
		}
	}
	return "lengths differ"
}

// Shell completion offers the workspace's contacts, operators, teams and rules, from the file
// or through the socket of a running owner, and makes no workspace where there is none.
func TestCompletionFromTheWorkspace(t *testing.T) {
	w := newWS(t, true)
	check := func(via string) {
		t.Helper()
		for _, c := range []struct {
			args []string
			want []string
		}{
			{[]string{"__complete", "show", "+1555000"}, []string{"+15550001111\tDana Diaz", "+15550002222\tEve Ortiz"}},
			{[]string{"__complete", "assign", "+15550001111", ""}, []string{"carol\tCarol Diaz · operator", "bot", "none"}},
			{[]string{"__complete", "team", "+15550001111", "s"}, []string{"support\tSupport", "sales\tSales"}},
			{[]string{"__complete", "rules", "remove", ""}, []string{"refunds"}},
			{[]string{"__complete", "teams", "members", "add", "support", "er"}, []string{"erin\tErin Cho · operator"}},
			{[]string{"__complete", "list", "--team", ""}, []string{"billing\tBilling"}},
			{[]string{"__complete", "--as", "d"}, []string{"dana\tDana Kim · admin"}},
			{[]string{"__complete", "presence", "carol", "a"}, []string{"away", "auto"}},
		} {
			r := w.ok(t, c.args...)
			has(t, r, c.want...)
			if strings.Contains(r.out, "alice") && c.args[1] == "team" {
				t.Errorf("%s: %v offers operators for a team:\n%s", via, c.args, r.out)
			}
		}
	}
	check("file")
	srv := w.serve(t)
	check("socket")
	r := w.ok(t, "__complete", "show", "+1555000")
	srv.stop(t)
	has(t, r, "Dana Diaz")
	// no workspace: nothing offered, nothing made
	none := filepath.Join(t.TempDir(), "none.db")
	r = w.ok(t, "--db", none, "__complete", "show", "")
	if strings.Contains(r.out, "+1") {
		t.Fatalf("completion offered contacts of no workspace:\n%s", r.out)
	}
	if _, err := os.Stat(none); err == nil {
		t.Fatal("completing made a workspace file")
	}
}

// `switchboard config` says what the config file sets, or which line is wrong (exit 1).
func TestConfigCommandChecksTheFile(t *testing.T) {
	w := newWS(t, true)
	dir := t.TempDir()
	good, bad := filepath.Join(dir, "good.toml"), filepath.Join(dir, "bad.toml")
	os.WriteFile(good, []byte("theme = \"light\"\n[keys]\nsearch = \"ctrl+f\"\n"), 0o600)
	os.WriteFile(bad, []byte("[keys]\n\nsearch = \"ctrl+ff\"\n"), 0o600)
	w.extra = []string{"SWITCHBOARD_CONFIG=" + good}
	has(t, w.ok(t, "config"), "Config file: "+good, "Theme: light", "search         ctrl+f")
	w.extra = []string{"SWITCHBOARD_CONFIG=" + bad}
	has(t, w.want(t, 1, "config"), `line 3: keys.search: "ctrl+ff" is not a key`, "using the default keys and colours", "search         /")
}

// `switchboard search` is the inbox's search: message text, folded names, the count and pages.
func TestSearchCommand(t *testing.T) {
	w := newWS(t, true)
	w.ok(t, "inject", "message", "+34655001629", "¿Dónde está mi pedido?", "--name", "Rosa Martín")
	w.ok(t, "inject", "message", "+34655001630", "Mi PEDIDO no llegó", "--name", "Rosa Perez")
	has(t, w.ok(t, "search", "rosa martin"), "+34655001629  Rosa Martín", "1 match.")
	has(t, w.ok(t, "search", "pedido", "--limit", "1"), "✉ ¿Dónde está mi pedido?", "1–1 of 2 matches. Next: switchboard search pedido --offset 1 --limit 1")
	has(t, w.ok(t, "search", "pedido", "--offset", "1", "--limit", "1"), "✉ Mi PEDIDO no llegó", "2–2 of 2 matches.")
	var r struct {
		Total  int `json:"total"`
		Offset int `json:"offset"`
		Hits   []struct {
			ID      string `json:"id"`
			Snippet string `json:"snippet"`
		} `json:"hits"`
	}
	out := w.ok(t, "search", "pedido", "--json") // decoded loosely: the hits are contact views
	if err := json.Unmarshal([]byte(out.out), &r); err != nil || r.Total != 2 || len(r.Hits) != 2 || r.Hits[0].Snippet == "" {
		t.Fatalf("search --json: %+v %v\n%s", r, err, out)
	}
	has(t, w.ok(t, "search", "nobody at all"), `Nothing matches "nobody at all".`)
	has(t, w.want(t, 2, "search", "x", "--limit", "0"), "--limit 0: give 1 to 50")
}

// A contact named with 00 before its country code is found by the hint.
func TestDoubleZeroPrefixIsHinted(t *testing.T) {
	w := newWS(t, true)
	has(t, w.want(t, 1, "show", "0015550001111"), "not found", "Its leading 00 is the international prefix: did you mean +15550001111?")
}

// A contact with no name is said by its number once: "+15550009999: open, …", not
// "+15550009999 (+15550009999): …"; list leaves its NAME empty.
func TestANamelessContactIsSaidOnce(t *testing.T) {
	w := newWS(t, true)
	r := w.ok(t, "inject", "message", "+15550009999", "hi")
	if !strings.HasPrefix(r.out, "+15550009999: open") {
		t.Fatalf("inject said:\n%s", r)
	}
	has(t, w.ok(t, "inject", "message", "+15550001111", "again"), "Dana Diaz (+15550001111): open")
	for _, l := range strings.Split(w.ok(t, "list").out, "\n") {
		if strings.HasPrefix(l, "+15550009999") && strings.Count(l, "+15550009999") != 1 {
			t.Fatalf("list: %q", l)
		}
	}
	if first := strings.SplitN(w.ok(t, "show", "+15550009999").out, "\n", 2)[0]; first != "+15550009999" {
		t.Fatalf("show begins %q", first)
	}
}
