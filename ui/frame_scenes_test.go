package ui

import (
	"context"
	"fmt"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"switchboard/inbox"
)

// frameScenes drives a set of screens and calls visit after each step with a name for it: the
// inbox at several sizes (the narrowest, two panes, three panes, the tour below and beside),
// selection moves (j/k, g/G, a page), the focus on every pane, an open conversation whose
// customer wrote wide characters, emoji, ZWJ sequences, combining marks and right-to-left
// text, the settings screen (narrow and wide), the help page, a picker floating over the
// panes, a toast, a banner, the themes and no colour, and a terminal too small. The frame
// tests draw each one.
func frameScenes(t *testing.T, visit func(name string, h *harness)) {
	t.Helper()
	type session struct {
		name string
		w, h int
		opts Options
		wide bool // inject the customer with wide text
	}
	hc, light := DefaultConfig(), DefaultConfig()
	hc.Theme, light.Theme = ThemeHighContrast, ThemeLight
	sessions := []session{
		{"140x45", 140, 45, Options{}, true},
		{"80x24", 80, 24, Options{}, true},
		{"100x30-nocolor", 100, 30, Options{NoColor: true}, true},
		{"120x34-light", 120, 34, Options{Light: true}, false},
		{"120x34-tour", 120, 34, Options{Tour: &fakeTour{}, ShowTour: true}, false},
		{"200x50-tour", 200, 50, Options{Tour: &fakeTour{}, ShowTour: true}, true},
		{"160x40-highcontrast", 160, 40, Options{Config: &hc}, true},
		{"90x26-themelight", 90, 26, Options{Config: &light}, false},
	}
	for _, s := range sessions {
		svc := newService(t)
		if s.wide {
			injectWide(t, svc)
		}
		h := newHarness(t, svc, "alice", s.opts, s.w, s.h)
		step := 0
		shot := func(what string) {
			t.Helper()
			step++
			visit(fmt.Sprintf("%s/%02d-%s", s.name, step, what), h)
		}
		shot("start")
		for _, k := range []string{"j", "j", "k"} {
			h.keys(k)
			shot("key-" + k)
		}
		_, cmd := h.m.Update(keyMsg("j")) // its commands (the preview's load) not run yet
		shot("moved-loading")
		h.run(cmd)
		h.settle()
		shot("moved-loaded")
		h.run(h.m.selectTab(0)) // Mine: empty, nothing selected
		shot("empty-view")
		h.run(h.m.selectTab(len(h.m.views.tabs) - 2)) // All
		shot("all")
		h.keys("g")
		shot("top")
		h.keys("enter")
		shot("open")
		h.keys("j", "j")
		shot("open-scroll")
		h.keys("tab")
		shot("focus-next")
		h.keys("shift+tab", "shift+tab")
		shot("focus-prev")
		h.keys("tab")
		h.keys("G")
		shot("bottom")
		h.send(tea.KeyPressMsg{Code: tea.KeyPgUp})
		shot("page-up")
		h.keys("g", "enter")
		shot("open-newest")
		h.keys("shift+tab", "j", "enter")
		shot("open-second")
		h.keys("?")
		shot("help")
		h.keys("esc")
		h.keys("a")
		shot("picker")
		h.keys("esc")
		h.m.setStatus(2, "✓ Priya Shah: routed to Lena Fischer (Support) — Covered by Lena Fischer — contact owner Sofia Rossi is offline (owner away, no wait); picked Lena Fischer 😀")
		h.m.frameValid = false
		shot("toast")
		h.m.banner, h.m.frameValid = "☎ Incoming call from 山田 太郎 (+4915112345001), routed to you — No contact owner (rule 3): round robin in Support picked Alice Ng", false
		shot("banner")
		h.m.banner, h.m.frameValid = "", false
		h.keys("s")
		shot("settings")
		h.keys("j", "j", "j")
		shot("settings-move")
		h.send(tea.WindowSizeMsg{Width: s.w + 37, Height: s.h + 3})
		shot("settings-resized")
		h.keys("esc")
		shot("back")
		h.send(tea.WindowSizeMsg{Width: 79, Height: 24})
		shot("too-small")
		h.send(tea.WindowSizeMsg{Width: 81, Height: 24})
		shot("narrowest")
		h.keys("j")
		shot("narrowest-move")
	}
}

// injectWide makes a customer who writes in wide characters, emoji, ZWJ sequences, combining
// marks, right-to-left script, a tab and a character that joins what follows it.
func injectWide(t *testing.T, svc *inbox.Service) {
	t.Helper()
	ctx := context.Background()
	for _, in := range []inbox.Inbound{
		{Channel: "message", From: "4915550001234", Name: "山田 太郎 😀", Text: "こんにちは、注文はどこですか？ 👩‍👩‍👧‍👦 🇩🇪 e\u0301\u0301 cafe\u0301"},
		{Channel: "message", From: "4915550001234", Text: "\u0301starts with a mark, ends with one that joins\u0600"},
		{Channel: "message", From: "4915550001234", Text: "مرحبا، أين طلبي؟\twith a tab and " + strings.Repeat("😀", 40)},
		{Channel: "message", From: "4915550001234", Text: strings.Repeat("長い行", 60)},
		{Channel: "message", From: "4915550005678", Name: "क्षत्रिय राजेश्वरी", Text: "नमस्ते 🙏🏽 " + strings.Repeat("x", 300)},
	} {
		if _, err := svc.Inject(ctx, in); err != nil {
			t.Fatal(err)
		}
	}
}
