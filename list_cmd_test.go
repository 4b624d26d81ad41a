package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"switchboard/inbox"
)

// TestListLimitCursorOrderAcrossPages: on 1,100 conversations (three pages of the service),
// list prints every one once in one valid JSON document, or as aligned text; --limit stops
// inside a page and prints the cursor, --cursor goes on without a gap or a repeat, --order
// oldest is the exact reverse; bad flags are usage errors.
func TestListLimitCursorOrderAcrossPages(t *testing.T) {
	const n = 1100
	w := newWS(t, false)
	raw, err := os.ReadFile("testdata/workspace.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	var contacts, convs []map[string]any
	base := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; i < n; i++ {
		id := fmt.Sprintf("1666%07d", i)
		contacts = append(contacts, map[string]any{"id": id, "name": fmt.Sprintf("Customer %d", i), "owner": nil, "tags": []string{}})
		status := "open"
		if i%3 == 0 {
			status = "closed"
		}
		convs = append(convs, map[string]any{"contact": id, "status": status, "assignee": "carol", "team": "support",
			"timeline": []map[string]any{{"at": base.Add(time.Duration(i) * time.Minute), "kind": "message", "text": "hello"}}})
	}
	doc["contacts"], doc["conversations"] = contacts, convs
	b, _ := json.Marshal(doc)
	path := filepath.Join(w.dir, "big.json")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	w.ok(t, "import", path)
	want := func(i int) string { return fmt.Sprintf("1666%07d", n-1-i) } // newest first

	var all inbox.Page
	w.jsonOf(t, 0, &all, "list", "--status", "all")
	if len(all.Conversations) != n || all.Next != "" {
		t.Fatalf("list --json: %d conversations, next %q; want %d and none", len(all.Conversations), all.Next, n)
	}
	for i, c := range all.Conversations {
		if c.Contact.ID != want(i) {
			t.Fatalf("row %d is %s, want %s", i, c.Contact.ID, want(i))
		}
	}

	r := w.ok(t, "list", "--status", "all")
	lines := strings.Split(strings.TrimSuffix(r.out, "\n"), "\n")
	if len(lines) != n+1 || !strings.HasPrefix(lines[0], "CONTACT") {
		t.Fatalf("list prints %d lines, want a header and %d rows:\n%s", len(lines), n, r.out[:min(len(r.out), 500)])
	}
	col := strings.Index(lines[0], "STATUS")
	for i, l := range lines[1:] {
		if !strings.HasPrefix(l, "+"+want(i)) || !(strings.HasPrefix(l[col:], "open ") || strings.HasPrefix(l[col:], "closed ")) {
			t.Fatalf("row %d is not aligned under the header:\n%s\n%s", i, lines[0], l)
		}
	}
	if r.err != "" {
		t.Fatalf("a whole list says more follow: %s", r.err)
	}

	// --limit across the service's page of 500, then --cursor: the rest, nothing twice
	var first, rest inbox.Page
	w.jsonOf(t, 0, &first, "list", "--status", "all", "--limit", "700")
	if len(first.Conversations) != 700 || first.Next == "" {
		t.Fatalf("--limit 700: %d conversations, next %q", len(first.Conversations), first.Next)
	}
	w.jsonOf(t, 0, &rest, "list", "--status", "all", "--cursor", first.Next)
	if len(rest.Conversations) != n-700 || rest.Next != "" {
		t.Fatalf("--cursor: %d conversations, next %q; want %d", len(rest.Conversations), rest.Next, n-700)
	}
	for i, c := range append(first.Conversations, rest.Conversations...) {
		if c.Contact.ID != want(i) {
			t.Fatalf("--limit then --cursor: row %d is %s, want %s", i, c.Contact.ID, want(i))
		}
	}
	r = w.ok(t, "list", "--status", "all", "--limit", "2")
	if got := strings.Count(r.out, "\n"); got != 3 {
		t.Fatalf("--limit 2 prints %d lines:\n%s", got, r)
	}
	has(t, r, "+"+want(1), "More conversations follow: run the same command with --cursor ")

	// the other order, and its cursor
	var old inbox.Page
	w.jsonOf(t, 0, &old, "list", "--status", "all", "--order", "oldest", "--limit", "3")
	if len(old.Conversations) != 3 || old.Conversations[0].Contact.ID != want(n-1) || old.Conversations[2].Contact.ID != want(n-3) || old.Next == "" {
		t.Fatalf("--order oldest --limit 3 = %v", ids(old.Conversations))
	}
	w.jsonOf(t, 0, &old, "list", "--status", "all", "--order", "oldest", "--limit", "1", "--cursor", old.Next)
	if len(old.Conversations) != 1 || old.Conversations[0].Contact.ID != want(n-4) {
		t.Fatalf("--order oldest --cursor = %v", ids(old.Conversations))
	}
	w.jsonOf(t, 0, &old, "list", "--status", "closed", "--order", "oldest")
	if len(old.Conversations) != (n+2)/3 || old.Conversations[0].Contact.ID != "16660000000" {
		t.Fatalf("--status closed --order oldest: %d, first %s", len(old.Conversations), old.Conversations[0].Contact.ID)
	}

	has(t, w.want(t, 2, "list", "--limit", "-1"), "--limit -1")
	has(t, w.want(t, 2, "list", "--order", "sideways"), `--order "sideways": use newest or oldest`)
	has(t, w.want(t, 2, "list", "--cursor", "!!"), "--cursor: invalid page cursor")
}

func ids(cs []inbox.ConversationView) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.Contact.ID
	}
	return out
}
