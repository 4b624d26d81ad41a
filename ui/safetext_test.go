package ui

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"switchboard/inbox"
	"switchboard/textsafe"
)

// plainStyles is every style with no colour and no attribute (borders and padding kept): a
// view drawn with it holds no escape sequence of ours, so any escape in it came from outside.
func plainStyles() Styles {
	n := lipgloss.NewStyle
	s := Styles{}
	for _, p := range []*lipgloss.Style{&s.App, &s.Header, &s.HeaderDim, &s.Title, &s.Dim, &s.Bold, &s.Selected,
		&s.SelectedDim, &s.SelectedBold, &s.SelectedDimBold, &s.Unread, &s.Owner, &s.Assignee, &s.Note, &s.Reply,
		&s.Inbound, &s.Call, &s.Missed, &s.Why, &s.Status, &s.Error, &s.Toast, &s.Banner, &s.Key, &s.KeyOff,
		&s.Reason, &s.On, &s.Off, &s.Locked, &s.Cursor} {
		*p = n()
	}
	s.Pane, s.PaneFocus = n().Border(lipgloss.NormalBorder()), n().Border(lipgloss.ThickBorder())
	s.Tab, s.TabActive, s.TabFocus = n().Padding(0, 1), n().Padding(0, 1), n().Padding(0, 1)
	s.Dialog = n().Border(lipgloss.DoubleBorder()).Padding(0, 1)
	return s
}

const borderRunes = "│┃║┌┐└┘┏┓┗┛╔╗╚╝─━═"

// checkScreen fails unless the screen is safe: no escape sequence at all (the styles are
// plain), no C0 control but the line breaks, no DEL, C1 control or bidi override, valid
// UTF-8; exactly as many lines as the terminal has, none wider than it; and on the inbox every
// pane keeps its left and right border on every line of the body; and the frame is the one
// lipgloss draws afresh (Common.reference), byte for byte.
func checkScreen(t *testing.T, h *harness, what string) {
	t.Helper()
	m := h.m
	// the frame as the views draw it, before View's guard: every field must be safe on its own
	v := m.render()
	if guard(v) != v {
		t.Fatalf("%s: the guard would change a frame that should have been clean", what)
	}
	m.reference = true
	ref := m.render()
	m.reference = false
	if v != ref {
		t.Fatalf("%s: the frame differs from the one drawn afresh by lipgloss\n%s", what, firstDiff(v, ref))
	}
	fail := func(format string, args ...any) {
		t.Helper()
		t.Fatalf("%s at %d×%d: %s\n%s", what, m.w, m.h, fmt.Sprintf(format, args...), v)
	}
	if !utf8.ValidString(v) {
		fail("not valid UTF-8")
	}
	for i, r := range v {
		if r == '\n' {
			continue
		}
		if r < 0x20 || r >= 0x7f && r <= 0x9f || r >= 0x202a && r <= 0x202e || r >= 0x2066 && r <= 0x2069 || r == 0x2028 || r == 0x2029 {
			fail("%U at byte %d (%q)", r, i, v[max(0, i-20):min(len(v), i+20)])
		}
	}
	lines := strings.Split(v, "\n")
	if len(lines) != m.h {
		fail("%d lines on a screen of %d", len(lines), m.h)
	}
	for i, l := range lines {
		if w := ansi.StringWidth(l); w > m.w {
			fail("line %d is %d cells wide", i, w)
		}
		// a terminal without mode 2027 and Bubble Tea's renderer count code points: the line
		// must take as many cells that way as the layout gave it
		if w, wc := ansi.StringWidth(l), ansi.StringWidthWc(l); !clusterTerminal.Load() && w != wc {
			fail("line %d is %d cells as lipgloss counts, %d as the renderer does: %q", i, w, wc, l)
		}
	}
	if !m.dialogs.empty() || m.screen != scrInbox {
		return
	}
	L := m.layout()
	for y := L.bodyY; y < L.bodyY+L.bodyH; y++ {
		for _, r := range []rect{L.views, L.list, L.conv, L.tr} {
			if r.w == 0 {
				continue
			}
			for _, x := range []int{r.x, r.x + r.w - 1} {
				if c := cellAt(lines[y], x); c == "" || !strings.Contains(borderRunes, c) {
					fail("line %d has %q at cell %d where the pane's border belongs", y, c, x)
				}
			}
		}
	}
}

// cellAt is the grapheme cluster drawn at cell x of a line without escape sequences, measured
// as lipgloss and the renderer measure (ansi.Cut counts some clusters differently).
func cellAt(line string, x int) string {
	for at := 0; line != ""; {
		c, w := ansi.FirstGraphemeCluster(line, ansi.GraphemeWidth)
		if w > 0 && x >= at && x < at+w {
			return c
		}
		at += w
		line = line[len(c):]
	}
	return ""
}

// outsideTour is a guided tour whose steps carry outside text.
type outsideTour struct{ steps []TourStep }

func (o outsideTour) Steps(context.Context) []TourStep { return o.steps }

// forService makes s acceptable to the service (valid UTF-8, at most n characters): the
// service refuses anything else, so nothing else can be stored.
func forService(s string, n int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if r := []rune(s); len(r) > n {
		s = string(r[:n])
	}
	return s
}

// visibleOnly is s without the characters the service refuses in a new operator's or team's
// name (textsafe.HiddenInName); names stored before that rule may hold them, and contact names,
// messages and rule names always may.
func visibleOnly(s string) string {
	for {
		r, ok := textsafe.HiddenInName(s)
		if !ok {
			return s
		}
		s = strings.ReplaceAll(s, string(r), "")
	}
}

// FuzzScreensShowOutsideTextSafely puts outside text — a contact's name, a message, a label
// used as a rule, team and operator name, a tour step — in every row, header, timeline entry,
// banner, toast, dialog and settings screen, and checks each screen at one of three sizes
// (three panes, two panes, the smallest screen; the seeds cover all three).
func FuzzScreensShowOutsideTextSafely(f *testing.F) {
	for _, s := range [][3]string{
		{"Eve\nEvil\x1b[31mRed", "hi\x1b[2J\x1b]52;c;ZXZpbA==\x07\x1b]0;PWNED\x07", "r\x1b]0;PWNED\x07"},
		{strings.Repeat("😀", 200), strings.Repeat("😀", 300), strings.Repeat("👨‍👩‍👧‍👦", 60)},
		{"\u202eevil", "\u009b2J \x9b31m", "\x1bPtmux;\x1b\x1b]52;c;eA==\x07\x1b\\"},
		{"e\u0301\u0301\u0301 ok", "line one\nline two\r\nline three\rfour\u2028five\n\n\n\n\n\n\n\n\n\n\n\nsix", "\t\x00\x7f\x1b"},
		{"日本語のなまえ", "短いテキストと長いテキスト", "ルール"},
		{"", "", ""},
		{strings.Repeat("x", 256), strings.Repeat("long words ", 300), strings.Repeat("y", 256)},
		{strings.Repeat("日", 255) + "x", strings.Repeat("😀a", 500), strings.Repeat("\u0301", 100)},
		// clusters a terminal counting code points draws wider (cut into pieces by Cells), wrapped
		// so that a line begins with a piece that joins what is before it, beside a border
		{"Priya 👍🏽👍🏽", strings.Repeat("ठीक है 👍🏽🙏🏾 ", 40), "हिन्दी"},
		{"🏽🏽 িক", strings.Repeat("👍🏽", 300), "ab\u0600"},
		{"क्", strings.Repeat("क्", 500) + "ab\u0600\u200d", "\u0600"},
		{"ᄀ", strings.Repeat("ᄀ각", 300), "🇩"},
	} {
		for size := range uint8(3) {
			f.Add(s[0], s[1], s[2], size)
		}
	}
	svc := newService(f)
	n := 0
	f.Fuzz(func(t *testing.T, name, text, label string, size uint8) {
		n++
		ctx := context.Background()
		id := fmt.Sprintf("1555%07d", n)
		name = forService(name, inbox.MaxName)
		text = "m" + forService(text, inbox.MaxText-1) // a message is never empty
		label = forService(label, inbox.MaxName-2)
		rule := "r" + label
		if err := svc.AddRule(ctx, "alice", inbox.Rule{Name: rule, Channel: "call", To: "operator:alice"}); err != nil {
			t.Fatal(err)
		}
		seen := visibleOnly(label) // what a team's or an operator's new name may hold
		for i, tm := range []string{"support", "sales", "billing"} {
			if err := svc.RenameTeam(ctx, "alice", tm, fmt.Sprint(i)+seen); err != nil {
				t.Fatal(err)
			}
		}
		if err := svc.UpdateOperator(ctx, "alice", inbox.Operator{ID: "alice", Name: "A" + seen, Role: "admin", Status: "online"}); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			if err := svc.DeleteContact(ctx, "alice", id); err != nil {
				t.Error(err)
			}
			if err := svc.DeleteRule(ctx, "alice", rule); err != nil {
				t.Error(err)
			}
		})
		tour := outsideTour{[]TourStep{{Title: label, Do: text, Expect: name, Done: true}, {Title: name, Do: text, Expect: label}}}
		h := newHarness(t, svc, "alice", Options{Tour: tour, ShowTour: true}, 120, 34)
		h.m.st, h.m.looks = plainStyles(), h.m.looks+1 // (what was drawn from the old styles is stale)
		// the customer calls (the rule sends the call to Alice: a banner) and writes
		if _, err := svc.Inject(ctx, inbox.Inbound{Channel: "call", From: id, Name: name, Outcome: inbox.CallRinging}); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Inject(ctx, inbox.Inbound{Channel: "message", From: id, Text: text}); err != nil {
			t.Fatal(err)
		}
		h.settle()
		h.keys("g") // the newest conversation: this customer's
		if h.m.list.sel != id || h.m.conv.detail == nil {
			t.Fatalf("the customer's conversation is not open (open: %q)\n%s", h.m.list.sel, h.screen())
		}
		if !strings.Contains(h.screen(), "Incoming call from") {
			t.Fatalf("no ringing banner:\n%s", h.screen())
		}
		h.hold = true // nothing changes in the service from here: do not wait for its events
		{
			size := [][2]int{{120, 34}, {100, 30}, {80, 24}}[size%3]
			h.send(tea.WindowSizeMsg{Width: size[0], Height: size[1]})
			what := func(s string) string { return fmt.Sprintf("%s (name %q, text %q, label %q)", s, name, text, label) }
			checkScreen(t, h, what("the inbox"))
			h.keys("T")
			checkScreen(t, h, what("the inbox without the tour"))
			h.keys("T", "tab")
			checkScreen(t, h, what("the conversation focused"))
			h.keys("shift+tab")
			h.m.setStatus(2, "✓ "+name+": routed — "+text)
			checkScreen(t, h, what("a toast"))
			h.m.fail(fmt.Errorf("Rule %s: %s", label, text))
			checkScreen(t, h, what("an error"))
			for _, k := range []string{"a", "o", "t", "?"} {
				h.keys(k)
				checkScreen(t, h, what("dialog "+k))
				h.keys("esc")
			}
			h.keys("/")
			h.typeText(id)
			checkScreen(t, h, what("search"))
			h.keys("esc", "i")
			checkScreen(t, h, what("inject"))
			h.keys("esc", "s")
			checkScreen(t, h, what("settings"))
			for range 12 {
				h.keys("j") // down to the rules, and past them to the teams and operators
			}
			checkScreen(t, h, what("settings, scrolled"))
			h.keys("G", "k", "enter")
			checkScreen(t, h, what("the rule editor"))
			h.keys("esc", "esc")
		}
	})
}

var sgrRE = regexp.MustCompile(`^\x1b\[[0-9;:]*m`)

// onlySGR fails if s holds an escape sequence that is not SGR, or a control character but "\n".
func onlySGR(t *testing.T, s string) {
	t.Helper()
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == 0x1b:
			m := sgrRE.FindString(s[i:])
			if m == "" {
				t.Fatalf("an escape sequence that is not SGR at byte %d: %q", i, s[i:min(len(s), i+24)])
			}
			i += len(m) - 1
		case c < 0x20 && c != '\n', c == 0x7f:
			t.Fatalf("control %#x at byte %d: %q", c, i, s[max(0, i-10):min(len(s), i+10)])
		}
	}
	for _, r := range s {
		if r >= 0x80 && r <= 0x9f || r == utf8.RuneError {
			t.Fatalf("%U in the frame", r)
		}
	}
}

func TestHostileContactIsShownVisiblyInColour(t *testing.T) {
	svc := newService(t)
	h := newHarness(t, svc, "alice", Options{}, 120, 30)
	if _, err := svc.Inject(bg, inbox.Inbound{Channel: "message", From: "15550009001",
		Name: "Eve\nEvil\x1b[31mRed", Text: "hi\x1b[2J\x1b]52;c;ZXZpbA==\x07\x1b]0;PWNED\x07\nsecond line"}); err != nil {
		t.Fatal(err)
	}
	h.settle()
	h.keys("g", "enter")
	v := h.m.View().Content
	onlySGR(t, v) // our colours, and nothing else
	h.want("  Eve Evil␛[31mRed +15550009001", "✉ hi␛[2J␛]52;c;ZXZpbA==␇␛]0;PWNED␇ se…",
		"12:00 Eve Evil␛[31mRed:", "      hi␛[2J␛]52;c;ZXZpbA==␇␛]0;PWNED␇ ", "      second line ")
	if n := len(strings.Split(v, "\n")); n != 30 {
		t.Fatalf("the screen has %d lines, not 30:\n%s", n, h.screen())
	}
}

func TestGuardKeepsOurStylingAndShowsTheRest(t *testing.T) {
	styled := newStyles(true, false).Selected.Bold(true).Render("Priya 😀") + "\n" + newStyles(true, false).Dim.Render("x")
	if got := guard(styled); got != styled {
		t.Fatalf("guard changed our own styling: %q -> %q", styled, got)
	}
	for _, c := range []struct{ in, want string }{
		{"a\x1b]0;PWNED\x07b", "a␛]0;PWNED␇b"},
		{"\x1b[1mBold\x1b[m\x1b[2J", "\x1b[1mBold\x1b[m␛[2J"},
		{"\x1b[31mred\x1bPtmux;\x1b\x1b]52;c;eA==\x07\x1b\\\x1b[m", "\x1b[31mred␛Ptmux;␛␛]52;c;eA==␇␛\\\x1b[m"},
		{"a\u009b2Jb\x9b31m", `a\u009b2Jb\x9b31m`},
		{"one\r\ntwo\u2028three\tfour", "one \ntwo three four"},
		{"\x1b[", "␛["},
		{"\x1b[12;34", "␛[12;34"},
	} {
		if got := guard(c.in); got != c.want {
			t.Errorf("guard(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
