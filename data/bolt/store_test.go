package bolt

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"switchboard/inbox/domain"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

const holdEnv = "SWITCHBOARD_DATA_HOLD"

// TestMain lets the test binary act as another process holding a database open.
func TestMain(m *testing.M) {
	if path := os.Getenv(holdEnv); path != "" {
		db, err := Open(path)
		if err != nil {
			fmt.Println("error:", err)
			os.Exit(2)
		}
		fmt.Println("holding")
		time.Sleep(30 * time.Second) // the parent kills us
		db.Close()
		return
	}
	os.Exit(m.Run())
}

func TestOpenHeldByAnotherProcessGivesUp(t *testing.T) {
	path := filepath.Join(t.TempDir(), "held.db")
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, "-test.run=^$")
	cmd.Env = append(os.Environ(), holdEnv+"="+path)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	line := make([]byte, 8)
	if _, err := out.Read(line); err != nil || string(line[:7]) != "holding" {
		t.Fatalf("child did not open the file: %q %v", line, err)
	}
	start := time.Now()
	db, err := Open(path)
	took := time.Since(start)
	if err == nil {
		db.Close()
		t.Fatal("opened a file another process holds")
	}
	// the holder named as the system tells it (the child is this test binary)
	want := fmt.Sprintf("%s is in use by another process (pid %d, ", path, cmd.Process.Pid)
	if !strings.HasPrefix(err.Error(), want) || !strings.Contains(err.Error(), "which did not let it go within 2s: a switchboard command at work ends by itself") {
		t.Fatalf("err = %q, want it to start %q", err, want)
	}
	if !errors.Is(err, ErrInUse) {
		t.Fatalf("err does not wrap ErrInUse: %v", err)
	}
	// it waited for the lock (the 2 s timeout Open passes to bbolt) and then gave up; the upper
	// bound only says it did not hang — a loaded machine may add seconds to the wait
	if took < time.Second || took > 15*time.Second {
		t.Fatalf("gave up after %v, want about 2s", took)
	}
}

// refused checks that opening path fails with an error naming it, without a panic, and leaves
// the file's bytes as they were.
func refused(t *testing.T, path, wantIn string) {
	t.Helper()
	before, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	db, err := Open(path)
	if err == nil {
		db.Close()
		t.Fatalf("opened %s", path)
	}
	var oe *OpenError
	if !errors.As(err, &oe) || oe.Path != path || !strings.Contains(err.Error(), path) {
		t.Fatalf("error does not name the file: %v", err)
	}
	if !strings.Contains(err.Error(), wantIn) {
		t.Fatalf("error %q does not say %q", err, wantIn)
	}
	after, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(before, after) {
		t.Fatalf("the file changed (%d → %d bytes)", len(before), len(after))
	}
}

func TestOpenRefusesWhatIsNotOurs(t *testing.T) {
	dir := t.TempDir()

	text := filepath.Join(dir, "notes.txt")
	os.WriteFile(text, bytes.Repeat([]byte("this is not a database\n"), 500), 0o600)
	refused(t, text, "not a Switchboard database or is damaged")

	short := filepath.Join(dir, "short.db")
	os.WriteFile(short, []byte("garbage"), 0o600)
	refused(t, short, "not a Switchboard database or is damaged")

	foreign := filepath.Join(dir, "foreign.db")
	b, err := bolt.Open(foreign, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	b.Update(func(tx *bolt.Tx) error {
		bk, err := tx.CreateBucket([]byte("someone_else"))
		if err != nil {
			return err
		}
		return bk.Put([]byte("k"), []byte("v"))
	})
	b.Close()
	refused(t, foreign, "is a bbolt file but not a Switchboard database")

	// our own file, truncated in the middle and with garbage written over its meta pages
	ours := filepath.Join(dir, "ours.db")
	db, err := Open(ours)
	if err != nil {
		t.Fatal(err)
	}
	db.update(func(tx *Tx) error {
		for i := 0; i < 300; i++ {
			if err := tx.PutContact(Contact{ID: fmt.Sprintf("1555%07d", i), Name: strings.Repeat("x", 100)}); err != nil {
				return err
			}
		}
		return nil
	})
	db.Close()
	raw, _ := os.ReadFile(ours)
	truncated := filepath.Join(dir, "truncated.db")
	os.WriteFile(truncated, raw[:len(raw)/3], 0o600)
	refused(t, truncated, "it was cut short") // checked before bbolt maps it (bbolt would fault)
	garbled := filepath.Join(dir, "garbled.db")
	g := slices.Clone(raw)
	for i := 0; i < 2*4096 && i < len(g); i++ {
		g[i] ^= 0x5a
	}
	os.WriteFile(garbled, g, 0o600)
	refused(t, garbled, "not a Switchboard database or is damaged")

	if _, err := Open(dir); err == nil || !strings.Contains(err.Error(), "is a folder") {
		t.Fatalf("opening a folder: %v", err)
	}
}

func TestNewFileHasSchemaAndBuckets(t *testing.T) {
	path := filepath.Join(t.TempDir(), "new.db")
	db, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	db.Bolt().View(func(tx *bolt.Tx) error {
		meta := tx.Bucket(bMeta)
		if string(meta.Get([]byte("magic"))) != magic || getU64(meta, []byte("schema")) != SchemaVersion {
			t.Fatalf("meta = %q schema %d", meta.Get([]byte("magic")), getU64(meta, []byte("schema")))
		}
		for _, b := range allBuckets {
			if tx.Bucket(b) == nil {
				t.Fatalf("bucket %s missing", b)
			}
		}
		return nil
	})
	var st Settings
	db.view(func(tx *Tx) error { st, err = tx.Settings(); return err })
	if st.Plan != "business" || st.ContactOwnerRouting {
		t.Fatalf("new settings = %+v", st)
	}
	db.Close()
}

func TestMigrationsRunFromOlderSchema(t *testing.T) {
	path := filepath.Join(t.TempDir(), "old.db")
	db, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	// make it look like a schema-0 file whose buckets were never created (all but meta)
	db.Bolt().Update(func(tx *bolt.Tx) error {
		for _, b := range allBuckets {
			if !bytes.Equal(b, bMeta) {
				if err := tx.DeleteBucket(b); err != nil {
					return err
				}
			}
		}
		return putU64(tx.Bucket(bMeta), []byte("schema"), 0)
	})
	db.Close()
	db, err = Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.Bolt().View(func(tx *bolt.Tx) error {
		if v := getU64(tx.Bucket(bMeta), []byte("schema")); v != SchemaVersion {
			t.Fatalf("schema = %d after migration", v)
		}
		for _, b := range allBuckets {
			if tx.Bucket(b) == nil {
				t.Fatalf("migration did not create %s", b)
			}
		}
		return nil
	})
}

func TestNewerSchemaRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "new.db")
	db, _ := Open(path)
	db.Bolt().Update(func(tx *bolt.Tx) error { return putU64(tx.Bucket(bMeta), []byte("schema"), SchemaVersion+1) })
	db.Close()
	refused(t, path, "written by a newer Switchboard")
}

// TestSchemaCommentMatchesBuckets: the tree at the top of schema.go names exactly the buckets
// the code creates.
func TestSchemaCommentMatchesBuckets(t *testing.T) {
	src, err := os.ReadFile("schema.go")
	if err != nil {
		t.Fatal(err)
	}
	head, _, _ := strings.Cut(string(src), "\npackage bolt")
	var inComment []string
	for _, m := range regexp.MustCompile(`(?m)^//\t([a-z_]+)\b`).FindAllStringSubmatch(head, -1) {
		inComment = append(inComment, m[1])
	}
	var inCode []string
	for _, b := range allBuckets {
		inCode = append(inCode, string(b))
	}
	slices.Sort(inComment)
	slices.Sort(inCode)
	if !slices.Equal(inComment, inCode) {
		t.Fatalf("schema comment lists %v, code creates %v", inComment, inCode)
	}
}

func TestSchemaOneFileMigratesToTwo(t *testing.T) {
	raw, err := os.ReadFile("testdata/schema1.bbolt")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "v1.db")
	if err := os.WriteFile(path, raw, 0o600); err != nil {
		t.Fatal(err)
	}

	// what schema 1 says, read straight from its buckets
	type view struct {
		ix   Query
		want []string
	}
	var views []view
	convs := map[string]string{}
	counts := map[string]uint64{}
	entries := map[string]int{}
	old, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	old.View(func(tx *bolt.Tx) error {
		if v := getU64(tx.Bucket(bMeta), []byte("schema")); v != 1 {
			t.Fatalf("testdata/schema1.bbolt has schema %d", v)
		}
		// a v1 index bucket, split by the prefix before its last 0x00-separated fields, listed
		// newest first
		ranges := func(bucket string, fields int) map[string][]string {
			out := map[string][]string{}
			c := tx.Bucket([]byte(bucket)).Cursor()
			for k, _ := c.Last(); k != nil; k, _ = c.Prev() {
				prefix := ""
				rest := k
				for i := 0; i < fields; i++ {
					j := bytes.IndexByte(rest, 0)
					prefix += string(rest[:j+1])
					rest = rest[j+1:]
				}
				out[prefix] = append(out[prefix], string(rest[8:]))
			}
			return out
		}
		views = append(views, view{ByActivity(), ranges("idx_activity", 0)[""]})
		views = append(views, view{Waiting(), ranges("idx_waiting", 0)[""]})
		for p, ids := range ranges("idx_status", 1) {
			views = append(views, view{ByStatus(strings.TrimSuffix(p, "\x00")), ids})
		}
		for p, ids := range ranges("idx_assignee", 2) {
			f := strings.Split(p, "\x00")
			a := f[0]
			if a == "-" {
				a = ""
			}
			views = append(views, view{ByAssignee(a, f[1]), ids})
		}
		for p, ids := range ranges("idx_team", 2) {
			f := strings.Split(p, "\x00")
			views = append(views, view{ByTeam(f[0], f[1]), ids})
		}
		tx.Bucket([]byte("convs")).ForEach(func(k, v []byte) error { convs[string(k)] = string(v); return nil })
		tx.Bucket(bCounts).ForEach(func(k, v []byte) error { counts[string(k)] = getU64(tx.Bucket(bCounts), k); return nil })
		tx.Bucket(bTimeline).ForEach(func(k, v []byte) error { entries[contactOfKey(k)]++; return nil })
		return nil
	})
	old.Close()
	if len(views) < 20 || len(convs) != 60 {
		t.Fatalf("testdata/schema1.bbolt: %d views, %d conversations", len(views), len(convs))
	}

	db, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.Bolt().View(func(tx *bolt.Tx) error {
		if v := getU64(tx.Bucket(bMeta), []byte("schema")); v != SchemaVersion {
			t.Fatalf("schema %d after the migration", v)
		}
		var names []string
		tx.ForEach(func(name []byte, _ *bolt.Bucket) error { names = append(names, string(name)); return nil })
		var want []string
		for _, b := range allBuckets {
			want = append(want, string(b))
		}
		slices.Sort(want)
		if !slices.Equal(names, want) {
			t.Fatalf("buckets after the migration: %v, want %v", names, want)
		}
		return nil
	})
	db.view(func(tx *Tx) error {
		for _, v := range views {
			var got []string
			cursor := ""
			for {
				page, next, err := tx.List(v.ix, cursor, 7, nil)
				if err != nil {
					t.Fatal(err)
				}
				for _, c := range page {
					got = append(got, c.Contact)
				}
				if next == "" {
					break
				}
				cursor = next
			}
			if !slices.Equal(got, v.want) {
				t.Errorf("%v lists %v, schema 1 listed %v", v.ix, got, v.want)
			}
		}
		if got := tx.counters(); fmt.Sprint(got) != fmt.Sprint(counts) {
			t.Errorf("counts %v, schema 1 had %v", got, counts)
		}
		n := 0
		tx.Conversations(func(c Conversation) error {
			n++
			c.LastInbound = 0 // schema 5 adds it (TestSchemaFourFileMigratesToFive)
			raw, _ := json.Marshal(c)
			var was Conversation
			json.Unmarshal([]byte(convs[c.Contact]), &was)
			wasRaw, _ := json.Marshal(was)
			if string(raw) != string(wasRaw) {
				t.Errorf("conversation %s: %s, schema 1 had %s", c.Contact, raw, wasRaw)
			}
			es, _, err := tx.Timeline(c.Contact, "", 100)
			if err != nil || len(es) != entries[c.Contact] || len(es) == 0 {
				t.Errorf("timeline of %s: %d entries (%v), schema 1 had %d", c.Contact, len(es), err, entries[c.Contact])
			}
			return nil
		})
		if n != len(convs) {
			t.Errorf("%d conversations after the migration, schema 1 had %d", n, len(convs))
		}
		return nil
	})
	// and the migrated indexes keep moving
	if err := db.update(func(tx *Tx) error {
		c, _, err := tx.Conversation("15550000000")
		if err != nil {
			return err
		}
		c.LastAt, c.Status = c.LastAt+int64(24*time.Hour), "closed"
		return tx.PutConversation(c)
	}); err != nil {
		t.Fatal(err)
	}
	db.view(func(tx *Tx) error {
		for _, ix := range []Query{ByActivity(), ByStatus("closed")} {
			cs, _, err := tx.List(ix, "", 1, nil)
			if err != nil || len(cs) != 1 || cs[0].Contact != "15550000000" {
				t.Errorf("%v after a move: %v %v", ix, cs, err)
			}
		}
		return nil
	})
}

// TestRootStaysOnePage: a new workspace whose growing buckets fill up together keeps the root
// bucket in one page (see growing in schema.go), so a commit rewrites one page of it, not three.
func TestRootStaysOnePage(t *testing.T) {
	db, err := Open(filepath.Join(t.TempDir(), "root.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for i := 0; i < 60; i++ {
		err := db.update(func(tx *Tx) error {
			id := fmt.Sprintf("1555%07d", i)
			if err := tx.PutContact(Contact{ID: id, Name: fmt.Sprintf("Contact %d", i)}); err != nil {
				return err
			}
			c := Conversation{Contact: id, Status: "open", Team: "support"}
			k, err := tx.AppendEntry(&c, Entry{At: time.Unix(int64(i), 0), Kind: "message", ID: "wamid." + id, Text: "hello"})
			if err != nil {
				return err
			}
			if err := tx.PutExtID("wamid."+id, k); err != nil {
				return err
			}
			return tx.PutConversation(c)
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	b := db.Bolt()
	before := b.Stats()
	b.Update(func(tx *bolt.Tx) error { return tx.Bucket(bMeta).Put([]byte("probe"), []byte("x")) })
	after := b.Stats()
	d := after.Sub(&before)
	// the root's page and the meta page (commits leave the freelist out: see openBolt)
	if w := d.TxStats.GetWrite(); w != 2 {
		t.Fatalf("a commit touching only the root wrote %d pages, want 2", w)
	}
	// the markers are not records
	n, empty := 0, true
	db.view(func(tx *Tx) error {
		empty = tx.IsEmpty()
		return tx.Contacts(func(Contact) bool { n++; return true })
	})
	if n != 60 || empty {
		t.Fatalf("%d contacts listed, empty %v", n, empty)
	}
}

// TestSchemaTwoFileMigratesToThree opens testdata/schema2.bbolt, a file written by the schema-2
// code (commit 3a71472: the inbox test workspace, then 40 messages with ids from eight new
// contacts, calls with ids, some ended, one ended without a connect, and replies with delivery
// marks), and checks that every inbound id moved beside its contact's timeline pointing at the
// same entry, every reply id stayed in extids, and nothing else changed.
func TestSchemaTwoFileMigratesToThree(t *testing.T) {
	raw, err := os.ReadFile("testdata/schema2.bbolt")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "v2.db")
	if err := os.WriteFile(path, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	ids := map[string]string{} // external id → timeline key, as schema 2 had them
	kinds := map[string]domain.EntryKind{}
	var convs []Conversation
	old, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	old.View(func(tx *bolt.Tx) error {
		if v := getU64(tx.Bucket(bMeta), []byte("schema")); v != 2 {
			t.Fatalf("testdata/schema2.bbolt has schema %d", v)
		}
		tx.Bucket(bExtIDs).ForEach(func(k, v []byte) error {
			if v != nil {
				ids[string(k)] = string(v)
				var e Entry
				json.Unmarshal(tx.Bucket(bTimeline).Get(v), &e)
				kinds[string(k)] = e.Kind
			}
			return nil
		})
		return forEachConversation((&Tx{tx: tx}).b(bTimeline), func(k, v []byte) error {
			var c Conversation
			json.Unmarshal(v, &c)
			convs = append(convs, c)
			return nil
		})
	})
	old.Close()
	var replies, calls, ends int
	for id, kind := range kinds {
		switch {
		case kind == "reply":
			replies++
		case strings.HasSuffix(id, ":terminate"):
			ends++
		case kind == "call":
			calls++
		}
	}
	if len(ids) < 50 || replies < 8 || calls < 8 || ends < 4 {
		t.Fatalf("testdata/schema2.bbolt: %d ids (%d replies, %d calls, %d call ends)", len(ids), replies, calls, ends)
	}

	db, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.view(func(tx *Tx) error {
		if v := getU64(tx.tx.Bucket(bMeta), []byte("schema")); v != SchemaVersion {
			t.Fatalf("schema %d after the migration", v)
		}
		for id, key := range ids {
			contact := contactOfKey([]byte(key))
			got, inExt := tx.ExtID(id)
			inbound, inTimeline := tx.InboundID(contact, id)
			if kinds[id] == "reply" {
				if !inExt || string(keyOf(got)) != key || inTimeline {
					t.Errorf("reply id %s: extids %+v %v, timeline %v", id, got, inExt, inTimeline)
				}
				continue
			}
			if inExt || !inTimeline || string(keyOf(inbound)) != key {
				t.Errorf("inbound id %s: extids %v, timeline %+v %v, want %q", id, inExt, inbound, inTimeline, key)
			}
			if e, ok, err := tx.Entry(inbound); err != nil || !ok || e.ID != strings.TrimSuffix(id, ":terminate") {
				t.Errorf("inbound id %s finds %+v %v %v", id, e, ok, err)
			}
		}
		n := 0
		tx.Conversations(func(c Conversation) error {
			c.LastInbound = 0 // schema 5 adds it (TestSchemaFourFileMigratesToFive)
			if n < len(convs) && fmt.Sprint(c) != fmt.Sprint(convs[n]) {
				t.Errorf("conversation %s changed: %+v, was %+v", c.Contact, c, convs[n])
			}
			n++
			// the ids beside the entries never show up as entries
			es, _, err := tx.Timeline(c.Contact, "", 1000)
			if err != nil || uint64(len(es)) != c.Seq {
				t.Errorf("timeline of %s: %d entries (%v), the record counts %d", c.Contact, len(es), err, c.Seq)
			}
			for _, e := range es {
				if e.Kind == "" {
					t.Errorf("timeline of %s lists a key that is not an entry: %+v", c.Contact, e.Ref)
				}
			}
			return nil
		})
		if n != len(convs) {
			t.Errorf("%d conversations after the migration, schema 2 had %d", n, len(convs))
		}
		return nil
	})
}

// A file whose first meta page is damaged gives no page size; the second meta is then looked
// for at every size bbolt tries, so a cut-short file with 16 KB pages is still refused.
func TestOpenRefusesCutShortFileWithOtherPageSize(t *testing.T) {
	path := filepath.Join(t.TempDir(), "big-pages.db")
	b, err := bolt.Open(path, 0o600, &bolt.Options{PageSize: 16384})
	if err != nil {
		t.Fatal(err)
	}
	b.Update(func(tx *bolt.Tx) error {
		bk, err := tx.CreateBucket([]byte("meta"))
		if err != nil {
			return err
		}
		for i := 0; i < 400; i++ {
			if err := bk.Put(fmt.Appendf(nil, "k%04d", i), bytes.Repeat([]byte("v"), 200)); err != nil {
				return err
			}
		}
		return nil
	})
	b.Close()
	raw, _ := os.ReadFile(path)
	if len(raw) < 6*16384 {
		t.Fatalf("the file is only %d bytes", len(raw))
	}
	for i := 16; i < 200; i++ {
		raw[i] ^= 0x5a // meta 0 no longer validates
	}
	cut := filepath.Join(t.TempDir(), "cut.db")
	os.WriteFile(cut, raw[:3*16384], 0o600)
	refused(t, cut, "it was cut short")
}

// A schema-2 file could hold entries dated before 1970 (its import took any time); their keys
// sort where schema 3 keeps inbound ids. The migration re-dates them 1970-01-01 and repoints
// their ids, and walking the conversations ends (before, a key after the record led back to it).
func TestSchemaTwoEntriesBefore1970Migrate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "early.db")
	db, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	const contact = "15550001234"
	at := time.Date(1969, 12, 31, 12, 0, 0, 0, time.UTC)
	prefix := timelinePrefix(contact)
	oldKey := append(append(append([]byte(nil), prefix...), be64(uint64(at.UnixNano()))...), be64(1)...)
	replyKey := append(append(append([]byte(nil), prefix...), be64(uint64(at.Add(time.Minute).UnixNano()))...), be64(2)...)
	err = db.Bolt().Update(func(tx *bolt.Tx) error {
		tl, ext := tx.Bucket(bTimeline), tx.Bucket(bExtIDs)
		for _, kv := range [][2][]byte{
			{oldKey, []byte(`{"at":"1969-12-31T12:00:00Z","kind":"message","id":"wamid.old","text":"hi"}`)},
			{replyKey, []byte(`{"at":"1969-12-31T12:01:00Z","kind":"reply","id":"sb.r","by":"bob","text":"hello"}`)},
			{convKey(contact), []byte(`{"contact":"15550001234","status":"open","version":1,"last_at":0,"seq":2}`)},
			{[]byte("wamid.old"), oldKey}, {[]byte("sb.r"), replyKey},
		} {
			b := tl
			if !bytes.HasPrefix(kv[0], prefix) {
				b = ext
			}
			if err := b.Put(kv[0], kv[1]); err != nil {
				return err
			}
		}
		return putU64(tx.Bucket(bMeta), []byte("schema"), 2)
	})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()

	db, err = Open(path)
	if err != nil {
		t.Fatalf("a schema-2 file with an entry before 1970 does not open: %v", err)
	}
	defer db.Close()
	db.view(func(tx *Tx) error {
		es, _, err := tx.Timeline(contact, "", 10)
		if err != nil || len(es) != 2 || !es[0].At.Equal(time.Unix(0, 0)) || es[0].ID != "wamid.old" || es[1].Kind != "reply" {
			t.Fatalf("timeline after the migration: %+v %v", es, err)
		}
		if k, ok := tx.InboundID(contact, "wamid.old"); !ok || k != es[0].Ref {
			t.Fatalf("the message id finds %+v %v, want %+v", k, ok, es[0].Ref)
		}
		if k, ok := tx.ExtID("sb.r"); !ok || k != es[1].Ref {
			t.Fatalf("the reply id finds %+v %v, want %+v", k, ok, es[1].Ref)
		}
		n := 0
		if err := tx.Conversations(func(Conversation) error { n++; return nil }); err != nil || n != 1 {
			t.Fatalf("%d conversations (%v)", n, err)
		}
		return nil
	})
}

// forEachConversation ends even when a contact has keys after its record (a file written by
// schema 2 with an entry dated before 1970, before any migration).
func TestConversationsWalkSkipsKeysAfterTheRecord(t *testing.T) {
	db, err := Open(filepath.Join(t.TempDir(), "walk.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.Bolt().Update(func(tx *bolt.Tx) error {
		tl := tx.Bucket(bTimeline)
		for _, c := range []string{"15550001111", "15550002222"} {
			tl.Put(convKey(c), []byte(`{"contact":"`+c+`","status":"open"}`))
			tl.Put(append(convKey(c), 0xff, 0xff), []byte(`{}`))
		}
		return nil
	})
	done := make(chan int, 1)
	go db.view(func(tx *Tx) error {
		n := 0
		tx.Conversations(func(Conversation) error { n++; return nil })
		done <- n
		return nil
	})
	select {
	case n := <-done:
		if n != 2 {
			t.Fatalf("%d conversations, want 2", n)
		}
	case <-time.After(30 * time.Second): // a loop, not a slow machine: the walk takes microseconds
		t.Fatal("walking the conversations never ended")
	}
}

// newestMeta is the meta page of the file that bbolt would use (the valid one with the higher
// transaction id).
func newestMeta(t *testing.T, path string) boltMeta {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	a, okA := readMeta(f, 0)
	b, okB := readMeta(f, int64(a.pageSize))
	switch {
	case okA && (!okB || a.txid > b.txid):
		return a
	case okB:
		return b
	}
	t.Fatalf("%s has no valid meta page", path)
	return boltMeta{}
}

// TestFreelistIsSavedOnCloseAndRebuiltAfterACrash: commits leave bbolt's freelist out (issue
// 17); Close writes it, and a file left by a process that was killed (every commit on disk, no
// freelist) opens, finds the same free pages by walking the file, and takes writes.
func TestFreelistIsSavedOnCloseAndRebuiltAfterACrash(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "ws.db")
	db, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	val := bytes.Repeat([]byte("x"), 900)
	for round := 0; round < 4; round++ {
		if err := db.Bolt().Update(func(tx *bolt.Tx) error {
			for i := 0; i < 300; i++ {
				k := []byte(fmt.Sprintf("probe.%05d", i))
				if round%2 == 1 && i%3 != 0 {
					if err := tx.Bucket(bMeta).Delete(k); err != nil {
						return err
					}
					continue
				}
				if err := tx.Bucket(bMeta).Put(k, val); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	if m := newestMeta(t, path); m.freelist != ^uint64(0) {
		t.Fatalf("while open the file's meta names freelist page %d, want none (commits leave it out)", m.freelist)
	}
	// what a SIGKILL leaves: every commit is on disk (fsynced), the freelist is not
	crashed := filepath.Join(dir, "crashed.db")
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(crashed, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if m := newestMeta(t, path); m.freelist == ^uint64(0) || m.freelist >= m.hwm {
		t.Fatalf("after Close the meta names freelist page %d (high water %d), want the saved freelist", m.freelist, m.hwm)
	}
	free := func(p string) int {
		db, err := Open(p)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		// a write loads the freelist (read from its page, or rebuilt by walking the file)
		if err := db.Bolt().Update(func(tx *bolt.Tx) error { return tx.Bucket(bMeta).Put([]byte("after"), []byte("1")) }); err != nil {
			t.Fatal(err)
		}
		return db.Bolt().Stats().FreePageN
	}
	clean, rebuilt := free(path), free(crashed)
	if clean == 0 || rebuilt != clean {
		t.Fatalf("free pages: %d in the cleanly closed file, %d rebuilt in the crashed one; want the same, above 0", clean, rebuilt)
	}
}
