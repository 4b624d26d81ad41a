// Package atscale builds the large workspaces the scale benchmarks run on (issue 17): n
// conversations of random contacts with realistic timelines, the stream of inbound messages
// that arrives at them, and a raw bbolt file of the same size for the baseline. Only tests and
// benchmarks import it.
//
// A workspace is generated once with this tree's code (through the inbox's own bulk load, so it
// has the layout this tree writes) and cached in a folder under the temporary directory
// (SWITCHBOARD_BENCH_CACHE overrides it), under a name that includes a digest of the generator
// and the schema version: a change to either generates it again. Each benchmark gets a fresh
// copy, synced to disk before it starts, so every run starts from the same file and no
// write-back of the copy runs under the timed part. Generating and copying are never timed.
package atscale

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"switchboard/data"
	sbbolt "switchboard/data/bolt"
	"switchboard/inbox"
	"switchboard/routing"
)

// Size is a workspace size the benchmarks run at.
type Size struct {
	Name string // the sub-benchmark's name: "100k", "1m"
	N    int    // conversations (one per contact)
}

// Sizes are the sizes of the AtScale benchmarks.
var Sizes = []Size{{"100k", 100_000}, {"1m", 1_000_000}}

// Admin is the admin who loads the workspace.
const Admin = "maya"

// Base is the workspace before its conversations: three teams, eight operators (six online),
// owner routing and round robin on, two automation rules.
func Base() inbox.Document {
	return inbox.Document{Format: inbox.Format,
		Settings: inbox.Settings{Plan: "business", ContactOwnerRouting: true, RoundRobin: true, DefaultTeam: "support",
			Rules: []inbox.Rule{{Name: "refunds", Channel: "message", Keyword: "refund", To: "team:billing"},
				{Name: "vip-calls", Channel: "call", Tag: "vip", To: "team:sales"}}},
		Teams: []inbox.Team{
			{ID: "sales", Name: "Sales", Members: []string{"tom", "ken", "ines"}},
			{ID: "support", Name: "Support", Members: []string{"maya", "lena", "omar", "sofia"}},
			{ID: "billing", Name: "Billing", Members: []string{"raj", "omar"}},
		},
		Operators: []inbox.Operator{
			{ID: "ines", Name: "Inés García", Role: "operator", Status: "online"},
			{ID: "ken", Name: "Ken Watanabe", Role: "operator", Status: "online"},
			{ID: "lena", Name: "Lena Fischer", Role: "operator", Status: "online"},
			{ID: "maya", Name: "Maya Patel", Role: "admin", Status: "online"},
			{ID: "omar", Name: "Omar Haddad", Role: "operator", Status: "online"},
			{ID: "raj", Name: "Raj Mehta", Role: "operator", Status: "online"},
			{ID: "sofia", Name: "Sofia Rossi", Role: "operator", Status: "offline"},
			{ID: "tom", Name: "Tom Becker", Role: "admin", Status: "away"},
		},
	}
}

var teamOf = []string{"support", "support", "support", "sales", "billing"}

var members = map[string][]string{"sales": {"ken", "ines"}, "support": {"lena", "omar", "sofia"}, "billing": {"raj", "omar"}}

// ContactID is the id (the number, in digits) of contact i: a bijection of i onto eight digits
// behind a country prefix, so ids look random and the bulk load inserts them in random order,
// as a workspace that grew over time did.
func ContactID(i int) string {
	const m = 100_000_000
	p := (uint64(i)*48_271_723 + 12_345_677) % m // 48,271,723 is odd and not a multiple of 5: coprime to 10^8
	prefix := [...]string{"4915", "3465", "4477", "1555", "5511", "3933", "3361"}[i%7]
	return fmt.Sprintf("%s%08d", prefix, p)
}

// Name is contact i's name.
func Name(i int) string {
	return fmt.Sprintf("%s %s %d", firstNames[i%len(firstNames)], lastNames[(i/len(firstNames))%len(lastNames)], i)
}

var firstNames = []string{"Amir", "Beatriz", "Carlos", "Daniela", "Emil", "Fatima", "Gustav", "Hiro", "Ingrid", "Jamal",
	"Keiko", "Liam", "Mariana", "Nikolai", "Olga", "Pedro", "Qin", "Rosa", "Samir", "Tara", "Umar", "Valentina", "Wei", "Ximena",
	"Yusuf", "Zofia"}

var lastNames = []string{"Khan", "Souza", "Mendes", "Costa", "Novak", "Zahra", "Lind", "Tanaka", "Berg", "Okafor", "Sato",
	"Murphy", "Lopes", "Petrov", "Ivanova", "Alves", "Wang", "Martín", "Aziz", "Singh", "Farouk", "Greco", "Chen", "Ruiz",
	"Demir", "Kowalska"}

// customer and agent lines: what a support conversation says, of realistic lengths
var customerLines = []string{
	"Hi, my order still hasn't arrived and the tracking page says it left the warehouse a week ago",
	"Do you ship to Portugal?",
	"I need a refund for order 5521, the jacket was the wrong size",
	"My password reset email never comes, I have checked the spam folder too",
	"Can I add a second user to my account?",
	"What are your opening hours on Saturday?",
	"The card payment failed twice, but the bank says the money was taken",
	"Hello?",
	"Is the blue one back in stock? I would need two of them before the 20th",
	"ok thanks",
	"Perfect, that works for me",
	"Could you send me the invoice for last month again? The PDF would not open",
	"I moved, can you change the delivery address for the order I placed this morning",
	"👍",
	"It works now, thank you so much for the quick help!",
	"When will the new model be available in Europe?",
}

var agentLines = []string{
	"Sorry about that — I have asked the courier, you will hear from them today",
	"We do — 3 to 5 working days",
	"Refund issued, it takes up to 3 days to show on your statement",
	"I have sent a new link just now, it is valid for one hour",
	"Yes, from Team settings → Invite, up to five users on your plan",
	"9 to 18, Monday to Friday, and 10 to 14 on Saturday",
	"Please try again — the bank had an outage this morning, nothing was charged",
	"Next Tuesday! I can put two aside for you if you like",
	"Done, the invoice is on its way to your email",
	"Changed — the new address is on the order now",
}

// wamid is a WhatsApp-like message id (Meta's are about 60 characters).
func wamid(r *rand.Rand) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	var b strings.Builder
	b.WriteString("wamid.HBgM")
	for i := 0; i < 48; i++ {
		b.WriteByte(alphabet[r.IntN(len(alphabet))])
	}
	b.WriteString("AA==")
	return b.String()
}

// epoch is the time the generated activity ends at: conversations were last active in the 90
// days before it. It is in the past, so the events the benchmarks inject (now) come after.
var epoch = time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)

// Conversation is contact i with its conversation: a timeline of one to forty entries (four
// and a half on average) alternating the customer's messages (with ids) and the agents'
// replies, a routing note after the first message and sometimes a call; 35% of them open.
func Conversation(i int) (inbox.DocContact, inbox.DocConversation) {
	r := rand.New(rand.NewPCG(uint64(i), 0x5ca1e))
	id := ContactID(i)
	team := teamOf[r.IntN(len(teamOf))]
	a := members[team][r.IntN(len(members[team]))]
	var owner, assignee *string
	switch x := r.IntN(10); {
	case x < 5:
		owner, assignee = &a, &a
	case x < 9:
		assignee = &a
	default:
		b := "bot"
		assignee = &b
	}
	ct := inbox.DocContact{ID: id, Name: Name(i), Owner: owner, Tags: []string{}}
	if r.IntN(20) == 0 {
		ct.Tags = []string{"vip"}
	}
	n := 1
	for n < 40 && r.Float64() < 0.78 {
		n++
	}
	last := epoch.Add(-time.Duration(r.Int64N(int64(90 * 24 * time.Hour))))
	at := last.Add(-time.Duration(n) * 7 * time.Minute)
	var tl []inbox.Entry
	seq := 0
	for k := 0; k < n; k++ {
		at = at.Add(time.Duration(1+r.IntN(13)) * time.Minute)
		seq++
		switch {
		case k == 0 || r.IntN(2) == 0:
			if r.IntN(25) == 0 {
				outcome := inbox.CallMissed
				e := inbox.Entry{At: at, Kind: "call", ID: "wacid." + wamid(r)[6:], Outcome: outcome}
				if r.IntN(2) == 0 {
					e.Outcome, e.Duration = inbox.CallAnswered, 30+r.IntN(600)
				}
				tl = append(tl, e)
			} else {
				tl = append(tl, inbox.Entry{At: at, Kind: "message", ID: wamid(r), Text: customerLines[r.IntN(len(customerLines))]})
			}
			if k == 0 {
				seq++
				tl = append(tl, inbox.Entry{At: at, Kind: "note", By: "routing", Reason: "round_robin",
					Text: "Assigned to " + a + " — round robin in " + team})
			}
		default:
			tl = append(tl, inbox.Entry{At: at, Kind: "reply", By: a, ID: fmt.Sprintf("sb.%s.%d", id, seq),
				Text: agentLines[r.IntN(len(agentLines))], Delivery: "read"})
		}
	}
	status := routing.StatusClosed
	if r.IntN(100) < 35 {
		status = routing.StatusOpen
	}
	cv := inbox.DocConversation{Contact: id, Status: status, Assignee: assignee, Team: team, Timeline: tl,
		Why: "Assigned to " + a + " — round robin in " + team, WhyReason: "round_robin"}
	return ct, cv
}

// Event is the k-th message of a stream (seed tells streams apart): from a random one of the n
// contacts, with a new id; most contacts have a closed conversation, which the message reopens.
func Event(n int, seed uint64, k int) inbox.Inbound {
	r := rand.New(rand.NewPCG(seed, uint64(k)))
	i := r.IntN(n)
	return inbox.Inbound{Channel: "message", From: "+" + ContactID(i), Name: Name(i),
		Text: customerLines[r.IntN(len(customerLines))], ExternalID: wamid(r)}
}

// Generate loads n conversations into a service on a workspace with nothing in it.
func Generate(ctx context.Context, svc *inbox.Service, n int, progress func(done int)) error {
	base := Base()
	raw, err := json.Marshal(base)
	if err != nil {
		return err
	}
	if err := svc.Import(ctx, "", bytes.NewReader(raw), false); err != nil {
		return err
	}
	const chunk = 5000
	for start := 0; start < n; start += chunk {
		end := min(start+chunk, n)
		cts := make([]inbox.DocContact, 0, end-start)
		cvs := make([]inbox.DocConversation, 0, end-start)
		for i := start; i < end; i++ {
			ct, cv := Conversation(i)
			cts, cvs = append(cts, ct), append(cvs, cv)
		}
		if err := svc.AddConversations(ctx, Admin, cts, cvs); err != nil {
			return err
		}
		if progress != nil {
			progress(end)
		}
	}
	return nil
}

// Open opens a service on the workspace file at path (the engine data.Open picks), with the
// wall clock and no timers of its own.
func Open(path string) (*inbox.Service, error) {
	st, err := data.Open(path)
	if err != nil {
		return nil, err
	}
	s, err := inbox.New(st, inbox.Options{NoTimers: true})
	if err != nil {
		st.Close()
		return nil, err
	}
	return s, nil
}

// CacheDir is where generated files are kept between runs.
func CacheDir() string {
	if d := os.Getenv("SWITCHBOARD_BENCH_CACHE"); d != "" {
		return d
	}
	return filepath.Join(os.TempDir(), "switchboard-atscale")
}

var (
	digestOnce sync.Once
	digest     string
)

// sourceDigest names what a generated file depends on: this package's generator (the data it
// loads) and the schema version the engine writes. A change to the engine that keeps the
// schema (how it lays out pages, fills leaves) does not generate the workspace again: the same
// file is what a workspace grown by the older code would be, and a benchmark comparing two
// versions of the code then runs both on the same bytes.
func sourceDigest(tb testing.TB) string {
	digestOnce.Do(func() {
		_, self, _, _ := runtime.Caller(0)
		h := sha256.New()
		raw, err := os.ReadFile(self)
		if err != nil {
			tb.Fatalf("reading the generator's source: %v", err)
		}
		h.Write(raw)
		fmt.Fprintf(h, "schema %d\n", sbbolt.SchemaVersion)
		digest = hex.EncodeToString(h.Sum(nil))[:12]
	})
	return digest
}

var genMu sync.Mutex

// cached returns the path of the cached file name, making it with make first when it is not
// there (into a temporary name, renamed when complete).
func cached(tb testing.TB, name string, make func(path string) error) string {
	tb.Helper()
	genMu.Lock()
	defer genMu.Unlock()
	dir := CacheDir()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		tb.Fatal(err)
	}
	path := filepath.Join(dir, name)
	if _, err := os.Stat(path); err == nil {
		return path
	}
	tmp := path + ".part"
	os.Remove(tmp)
	start := time.Now()
	if err := make(tmp); err != nil {
		os.Remove(tmp)
		tb.Fatalf("generating %s: %v", name, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		tb.Fatal(err)
	}
	tb.Logf("generated %s in %s", path, time.Since(start).Round(time.Second))
	return path
}

// Workspace returns a fresh copy, in dir, of the generated workspace of n conversations (with
// dir "", the cached file itself, which must not be written).
func Workspace(tb testing.TB, n int, dir string) string {
	tb.Helper()
	src := cached(tb, fmt.Sprintf("workspace-%d-%s.db", n, sourceDigest(tb)), func(path string) error {
		svc, err := Open(path)
		if err != nil {
			return err
		}
		if err := Generate(context.Background(), svc, n, nil); err != nil {
			svc.Close()
			return err
		}
		return svc.Close()
	})
	if dir == "" {
		return src
	}
	dst := filepath.Join(dir, "workspace.db")
	copyFile(tb, src, dst)
	return dst
}

// Shape is what a bbolt file holds: its keys and the bytes of their keys and values, over every
// bucket.
type Shape struct {
	Keys, Bytes int
	Depth       int // the deepest bucket's B+tree depth
}

// ShapeOf reads the shape of the bbolt file under a workspace.
func ShapeOf(db *bolt.DB) (Shape, error) {
	var s Shape
	err := db.View(func(tx *bolt.Tx) error {
		var walk func(b *bolt.Bucket) error
		walk = func(b *bolt.Bucket) error {
			if st := b.Stats(); st.Depth > s.Depth {
				s.Depth = st.Depth
			}
			return b.ForEach(func(k, v []byte) error {
				if v == nil {
					if nb := b.Bucket(k); nb != nil {
						return walk(nb)
					}
				}
				s.Keys++
				s.Bytes += len(k) + len(v)
				return nil
			})
		}
		return tx.ForEach(func(name []byte, b *bolt.Bucket) error { return walk(b) })
	})
	return s, err
}

// BaselineKey is the key of the i-th record of a baseline file (appended in key order).
func BaselineKey(i int) []byte { return fmt.Appendf(nil, "event.%012d", i) }

// Baseline returns a fresh copy, in dir, of a raw bbolt file with one bucket ("bench") holding
// keys records of size bytes each (key included), written in key order with BaselineKey: a
// tree of the size of a workspace, for a baseline that appends one record per event to it.
func Baseline(tb testing.TB, keys, size int, dir string) string {
	tb.Helper()
	src := cached(tb, fmt.Sprintf("baseline-%d-%d.db", keys, size), func(path string) error {
		db, err := bolt.Open(path, 0o600, nil)
		if err != nil {
			return err
		}
		defer db.Close()
		val := make([]byte, max(1, size-len(BaselineKey(0))))
		for i := range val {
			val[i] = byte('a' + i%26)
		}
		const perTx = 100_000
		for start := 0; start < keys; start += perTx {
			err := db.Update(func(tx *bolt.Tx) error {
				b, err := tx.CreateBucketIfNotExists([]byte("bench"))
				if err != nil {
					return err
				}
				for i := start; i < min(start+perTx, keys); i++ {
					if err := b.Put(BaselineKey(i), val); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				return err
			}
		}
		return nil
	})
	dst := filepath.Join(dir, "baseline.db")
	copyFile(tb, src, dst)
	return dst
}

// copyFile copies src to dst and syncs dst, so that the copy's write-back is done before the
// benchmark starts, and caches dst again page by page (recache: the copy left it in large
// folios, and every page a checkpoint wrote into one cost the disk the whole folio).
func copyFile(tb testing.TB, src, dst string) {
	tb.Helper()
	in, err := os.Open(src)
	if err != nil {
		tb.Fatal(err)
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_TRUNC|os.O_RDWR, 0o600)
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		tb.Fatal(err)
	}
	if err := out.Sync(); err != nil {
		out.Close()
		tb.Fatal(err)
	}
	if err := recache(out); err != nil {
		out.Close()
		tb.Fatal(err)
	}
	if err := out.Close(); err != nil {
		tb.Fatal(err)
	}
}

// WorkspaceShape is the shape of the generated workspace of n conversations (read once and
// kept beside it in the cache): the tree size the baseline is built to.
func WorkspaceShape(tb testing.TB, n int) Shape {
	tb.Helper()
	src := Workspace(tb, n, "")
	path := cached(tb, fmt.Sprintf("workspace-%d-%s.shape.json", n, sourceDigest(tb)), func(path string) error {
		db, err := bolt.Open(src, 0o600, &bolt.Options{ReadOnly: true})
		if err != nil {
			return err
		}
		defer db.Close()
		s, err := ShapeOf(db)
		if err != nil {
			return err
		}
		raw, _ := json.Marshal(s)
		return os.WriteFile(path, raw, 0o600)
	})
	raw, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	var s Shape
	if err := json.Unmarshal(raw, &s); err != nil {
		tb.Fatalf("%s: %v", path, err)
	}
	return s
}

// Touch reads every key and value of a bbolt file once, so that its pages are in the page
// cache and mapped in this process, as they are in a server that has been running: a process
// that just opened a file pays a page fault for each page it touches first (with random
// contacts at 1m, most of an event's lookups). Both the workspace and the baseline are touched
// before a benchmark's timer starts; it is not timed.
func Touch(db *bolt.DB) (touched int, err error) {
	var sum byte
	err = db.View(func(tx *bolt.Tx) error {
		var walk func(b *bolt.Bucket) error
		walk = func(b *bolt.Bucket) error {
			return b.ForEach(func(k, v []byte) error {
				if v == nil {
					if nb := b.Bucket(k); nb != nil {
						return walk(nb)
					}
					return nil
				}
				touched++
				if len(v) > 0 {
					sum += v[0] + v[len(v)-1]
				}
				return nil
			})
		}
		return tx.ForEach(func(_ []byte, b *bolt.Bucket) error { return walk(b) })
	})
	_ = sum
	return touched, err
}
