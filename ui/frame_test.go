package ui

import (
	"fmt"
	"strings"
	"testing"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
)

// TestFastFrameIsLipglossFrame draws every screen of frameScenes twice, the way View draws
// it (with what it keeps from the frames before) and afresh (Common.reference: nothing from a
// cache, every pane boxed by lipgloss, the panes joined by JoinHorizontal, the way frames were
// drawn before issue 17), and wants the same bytes. On
// the inbox and settings screens every pane must have been drawn the fast way (their lines are
// our own and sanitised text), so the comparison is not between two lipgloss drawings.
func TestFastFrameIsLipglossFrame(t *testing.T) {
	screens := 0
	frameScenes(t, func(name string, h *harness) {
		t.Helper()
		m := h.m
		m.reference = false
		fast := m.render()
		m.reference = true
		ref := m.render()
		m.reference = false
		if fast != ref {
			t.Fatalf("%s: the frame differs from lipgloss's\n%s", name, firstDiff(fast, ref))
		}
		screens++
		if m.tooSmall() || len(m.dialogs.stack) > 0 {
			return
		}
		L := m.layout()
		var panes map[string]block
		switch m.screen {
		case scrInbox:
			panes = map[string]block{
				"views": m.views.view(L.views, m.focus == paneViews),
				"list":  m.list.view(L.list, m.focus == paneList),
				"conv":  m.conv.view(L.conv, m.focus == paneConv, m.list.sel, m.list.note, m.list.cursor >= 0),
			}
			if L.views.w == 0 {
				delete(panes, "views")
			}
		case scrSettings:
			panes = map[string]block{"settings": m.settings.view(L.bodyW, L.bodyH)}
		}
		for pane, b := range panes {
			if b.lines == nil {
				t.Errorf("%s: the %s pane was left to lipgloss", name, pane)
			}
		}
	})
	if screens < 100 {
		t.Fatalf("only %d screens drawn", screens)
	}
}

// firstDiff shows the first line where two frames differ.
func firstDiff(got, want string) string {
	g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
	for i := 0; i < max(len(g), len(w)); i++ {
		var gl, wl string
		if i < len(g) {
			gl = g[i]
		}
		if i < len(w) {
			wl = w[i]
		}
		if gl != wl {
			return fmt.Sprintf("line %d (of %d and %d):\n got  %q\n want %q", i, len(g), len(w), gl, wl)
		}
	}
	return "no line differs"
}

// FuzzBoxIsLipglossBox draws lines in a box with box and with lipgloss alone, in every theme
// (dark and light), without colour and in plain styles, focused and not, and wants the same
// bytes; a box drawn the fast way must have exactly h lines of exactly w cells (what
// joinBlocks relies on), and joining it with other boxes and a block drawn by lipgloss must be
// what JoinHorizontal makes. The text is split at "|" into lines, each drawn as it is and in
// styles the views use; the seeds have what box must leave to lipgloss (tabs, carriage returns,
// escape sequences other than SGR, a style left open, C1 controls, bytes that are not UTF-8,
// characters that join the border) and what it must not (wide characters, emoji, ZWJ
// sequences, combining marks inside the text, lines cut at the width).
func FuzzBoxIsLipglossBox(f *testing.F) {
	for _, s := range []string{
		"plain|two|", "日本語のなまえ|😀 thanks!|👨‍👩‍👧‍👦 family|🇩🇪🇫🇷|e\u0301\u0301 cafe\u0301",
		"\u0301starts with a mark|ends with one that joins what follows\u0600|ends with a zwj\u200d|\u200dstarts with one",
		"tab\there|cr\rhere|crlf\r\nhere|bell\x07", "\x1b[1mopen bold|\x1b[31mred\x1b[m then plain|\x1b[1;31mboth\x1b[0m|\x1b[00mzero",
		"\x1b]8;;http://x\x07link\x1b]8;;\x07|\x1b[2Jclear|\u009b31m c1|\x9b not utf-8|\x1b", strings.Repeat("x", 300),
		strings.Repeat("日", 100) + "x|x" + strings.Repeat("日", 100), "a\nb|c\n\nd|\n", "", "|||",
		"\u0085nel|\u00a0nbsp|\u3000ideographic space\u3000|trailing spaces     |   leading",
		"hyphen-ated-words-that-are-long-enough-to-wrap", "क्षत्रिय राजेश्वरी|नमस्ते 🙏🏽", "مرحبا، أين طلبي؟|◌\u0301",
		"│border│|╭╮╰╯", "x|xx|xxx", "\x1b[mreset first|\x1b[1m\x1b[m",
	} {
		for _, wh := range [][2]uint8{{3, 3}, {4, 9}, {11, 5}, {24, 8}, {41, 12}, {80, 4}, {2, 5}, {30, 2}} {
			f.Add(s, wh[0], wh[1])
		}
	}
	var sets []Styles
	for _, th := range themes {
		sets = append(sets, themedStyles(true, false, th), themedStyles(false, false, th))
	}
	sets = append(sets, themedStyles(true, true, ThemeDefault), plainStyles())
	f.Fuzz(func(t *testing.T, text string, w, h uint8) {
		W, H := int(w)%160, int(h)%50
		parts := strings.Split(text, "|")
		for si, st := range sets {
			var lines []string
			for i, p := range parts {
				switch i % 4 {
				case 0:
					lines = append(lines, p)
				case 1:
					lines = append(lines, st.Dim.Render(p))
				case 2:
					lines = append(lines, st.Selected.Width(max(1, W-2)).Render(p))
				default:
					lines = append(lines, st.Bold.Render(p)+" "+st.Locked.Render(p))
				}
			}
			for _, focused := range []bool{false, true} {
				c := &Common{st: st}
				pane := st.Pane
				if focused {
					pane = st.PaneFocus
				}
				what := fmt.Sprintf("styles %d, focused %v, %d×%d, lines %q", si, focused, W, H, lines)
				got := c.boxed(lines, W, H, focused)
				want := lipglossBox(pane, lines, W, H)
				if got.String() != want {
					t.Fatalf("%s: box differs from lipgloss's\n%s", what, firstDiff(got.String(), want))
				}
				if got.lines != nil {
					if len(got.lines) != H || got.w != W {
						t.Fatalf("%s: a fast box of %d lines %d wide", what, len(got.lines), got.w)
					}
					for i, l := range got.lines {
						if n := ansi.StringWidth(l); n != W {
							t.Fatalf("%s: line %d is %d wide, not %d: %q", what, i, n, W, l)
						}
					}
				}
				other := c.boxed(parts, W/2+3, H+2, !focused)
				drawn := lipgloss.NewStyle().Width(7).Render(text)
				for _, bs := range [][]block{{got, other}, {other, got, {s: drawn}}, {{s: drawn}, got}, {got, got, got}} {
					strs := make([]string, len(bs))
					for i, b := range bs {
						strs[i] = b.String()
					}
					j := c.joinBlocks(bs...)
					if wantJ := lipgloss.JoinHorizontal(lipgloss.Top, strs...); j.String() != wantJ {
						t.Fatalf("%s: joined differs from JoinHorizontal\n%s", what, firstDiff(j.String(), wantJ))
					}
					if j.lines != nil {
						for i, l := range j.lines {
							if n := ansi.StringWidth(l); n != j.w {
								t.Fatalf("%s: joined line %d is %d wide, not %d", what, i, n, j.w)
							}
						}
					}
				}
			}
		}
	})
}

// TestBoxTakesTheFastWay: the lines the views draw go the fast way, and what lipgloss would
// draw otherwise does not (so FuzzBoxIsLipglossBox tests both ways).
func TestBoxTakesTheFastWay(t *testing.T) {
	st := newStyles(true, false)
	c := &Common{st: st}
	for _, tc := range []struct {
		line string
		fast bool
	}{
		{"plain", true},
		{st.Dim.Render("dim") + " " + st.Bold.Render("山田 太郎 😀"), true},
		{st.Selected.Width(20).Render("selected"), true},
		{strings.Repeat("長い行", 30), true}, // cut at the width
		{"\x1b[1mopen", false},
		{"tab\there", false},
		{"\x1b]0;title\x07", false},
		{"joins\u0600", false},
		{"\u0301joins", true}, // the border is coloured: an escape sequence is between them
	} {
		got := c.boxed([]string{tc.line}, 30, 4, false)
		if fast := got.lines != nil; fast != tc.fast {
			t.Errorf("%q: fast %v, want %v", tc.line, fast, tc.fast)
		}
	}
	plain := &Common{st: plainStyles()} // no colour on the border: the mark would join it
	if got := plain.boxed([]string{"\u0301joins"}, 30, 4, false); got.lines != nil {
		t.Error("a line starting with a combining mark went the fast way beside an uncoloured border")
	}
}
