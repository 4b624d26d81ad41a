package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/charmbracelet/x/ansi"

	"switchboard/inbox"
)

// The hostile text of issue 10: printed raw by `show`, it cleared the screen, set the
// clipboard (OSC 52) and the window title (OSC 0).
const (
	hostileText = "hi\x1b[2J\x1b]52;c;ZXZpbA==\x07\x1b]0;PWNED\x07"
	hostileName = "Eve\nEvil\x1b[31mRed"
	// and more of the same: 8-bit CSI as a character, a bidi override, a DCS tmux
	// passthrough, a second line that pretends to be a timeline entry
	hostileMore = "\u009b2J \u202eevil \x1bPtmux;\x1b\x1b]52;c;eA==\x07\x1b\\\n2026-01-01 00:00:00  ← message  fake"
)

// terminalSafe fails if out could drive a terminal: anything but valid UTF-8 text and "\n" —
// no C0 control (ESC, BEL, CR…), no DEL, no C1 control (8-bit CSI among them), no bidi override.
func terminalSafe(t *testing.T, what, out string) {
	t.Helper()
	if !utf8.ValidString(out) {
		t.Fatalf("%s: output is not valid UTF-8:\n%q", what, out)
	}
	for i, r := range out {
		if r == '\n' {
			continue
		}
		if r < 0x20 || r >= 0x7f && r <= 0x9f || r >= 0x202a && r <= 0x202e || r >= 0x2066 && r <= 0x2069 {
			t.Fatalf("%s: output has %U at byte %d:\n%q", what, r, i, out)
		}
	}
}

func TestTextFromOutsideCannotDriveTheTerminal(t *testing.T) {
	w := newWS(t, true)
	w.ok(t, "inject", "message", "+15550009001", hostileText, "--name", hostileName)
	w.ok(t, "inject", "message", "+15550009001", hostileMore)
	w.ok(t, "rules", "add", "r\x1b]0;PWNED\x07", "--tag", "x\x1b[2J", "--to", "team:sales")
	w.ok(t, "teams", "add", "evil", "--name", "Team\x1b]0;PWNED\x07\nX")
	w.ok(t, "operators", "add", "mallory", "--name", "Mal\x07lory\x1b[5m")
	w.ok(t, "contacts", "edit", "+15550001111", "--tags", "vip,\x1b[8mhidden")

	for _, args := range [][]string{
		{"show", "+15550009001"},
		{"list"},
		{"list", "--status", "all"},
		{"contacts"},
		{"rules"},
		{"teams"},
		{"operators"},
		{"show", "+15550001111"},
		{"inject", "message", "+15550009001", hostileText + "\n" + hostileMore}, // the outcome it prints
	} {
		r := w.ok(t, args...)
		terminalSafe(t, strings.Join(args, " "), r.out)
		terminalSafe(t, strings.Join(args, " ")+" (stderr)", r.err)
	}

	// shown visibly, and the name stays on its row
	show := w.ok(t, "show", "+15550009001").out
	for _, want := range []string{
		"Eve Evil␛[31mRed (+15550009001)",
		"← message  hi␛[2J␛]52;c;ZXZpbA==␇␛]0;PWNED␇",
		`\u009b2J \u202eevil ␛Ptmux;␛␛]52;c;eA==␇␛\`,
	} {
		if !strings.Contains(show, want) {
			t.Fatalf("show lacks %q:\n%s", want, show)
		}
	}
	// the second line of a message is indented under its first: it cannot pass for an entry
	for _, l := range strings.Split(show, "\n") {
		if strings.HasPrefix(l, "2026-01-01") {
			t.Fatalf("a line of a message starts a line of its own:\n%s", show)
		}
	}
	list := w.ok(t, "list").out
	var row string
	for _, l := range strings.Split(list, "\n") {
		if strings.Contains(l, "Evil") {
			if row != "" || !strings.HasPrefix(l, "+15550009001 ") {
				t.Fatalf("the name is not on the contact's one row:\n%s", list)
			}
			row = l
		}
	}
	if !strings.Contains(row, "Eve Evil␛[31mRed") {
		t.Fatalf("list row = %q", row)
	}

	// errors that quote what was typed are made safe too
	bad := "/nonexistent/\x1b]0;PWNED\x07.json"
	r := w.want(t, 1, "import", bad)
	terminalSafe(t, "import error", r.err)
	if !strings.Contains(r.err, "/nonexistent/␛]0;PWNED␇.json") {
		t.Fatalf("the error does not name the file visibly:\n%s", r)
	}
	r = w.want(t, 2, "show", "+15550009001", "extra\x1b[2J")
	terminalSafe(t, "usage error", r.err)
}

func TestTablesAlignByCellsNotRunes(t *testing.T) {
	w := newWS(t, true)
	w.ok(t, "inject", "message", "+15550009002", "hello", "--name", "😀😀😀 日本")
	w.ok(t, "inject", "message", "+15550009003", strings.Repeat("😀", 200), "--name", strings.Repeat("😀", 200))
	out := w.ok(t, "list").out
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	if len(lines) != 4 {
		t.Fatalf("want a header and three rows:\n%s", out)
	}
	// STATUS starts at the same cell on every line
	col := -1
	for _, l := range lines {
		i := strings.Index(l, "open")
		if strings.HasPrefix(l, "CONTACT") {
			i = strings.Index(l, "STATUS")
		}
		c := ansi.StringWidth(l[:i])
		if col >= 0 && c != col {
			t.Fatalf("STATUS is at cell %d on one line and %d on another:\n%s", col, c, out)
		}
		col = c
	}
	// a name and a preview are cut by cells
	for _, l := range lines {
		if ansi.StringWidth(l) > 200 {
			t.Fatalf("a row is %d cells wide:\n%s", ansi.StringWidth(l), l)
		}
	}
}

// --json stays JSON: valid, and it decodes to exactly what was received; export round-trips
// byte for byte. (A guard: this held before the safe-text writer too, and must keep holding.)
func TestJSONAndExportKeepTheTextAsReceived(t *testing.T) {
	w := newWS(t, true)
	w.ok(t, "inject", "message", "+15550009001", hostileText+"\n"+hostileMore, "--name", hostileName)
	var d inbox.Detail
	r := w.jsonOf(t, 0, &d, "show", "+15550009001")
	if d.Conversation.Contact.Name != hostileName || d.Timeline[0].Text != hostileText+"\n"+hostileMore {
		t.Fatalf("--json changed the text: %q / %q", d.Conversation.Contact.Name, d.Timeline[0].Text)
	}
	// encoding/json escapes ESC and BEL, not DEL, C1 or bidi: the doors' JSON writer does
	terminalSafe(t, "show --json", r.out)
	terminalSafe(t, "list --json", w.ok(t, "list", "--json").out)
	doc := w.ok(t, "export").out
	if !json.Valid([]byte(doc)) {
		t.Fatal("export is not valid JSON")
	}
	terminalSafe(t, "export", doc)
	file := filepath.Join(w.dir, "doc.json")
	if err := os.WriteFile(file, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	w2 := newWS(t, false)
	w2.ok(t, "import", file)
	if again := w2.ok(t, "export").out; !bytes.Equal([]byte(again), []byte(doc)) {
		t.Fatal("export does not round-trip byte for byte")
	}
}
