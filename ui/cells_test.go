package ui

import (
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"switchboard/inbox"
)

// TestClustersCutUntilTheTerminalCountsThem: a customer's skin tone emoji and Hindi are drawn
// cut into pieces both counts agree on while the renderer counts code points; once the local
// terminal answers that it counts clusters (mode 2027), they are drawn whole. A session that is
// not the process's only one (the SSH door) keeps cutting whatever its terminal answers.
func TestClustersCutUntilTheTerminalCountsThem(t *testing.T) {
	t.Cleanup(func() { clusterTerminal.Store(false) })
	svc := newService(t)
	if _, err := svc.Inject(bg, inbox.Inbound{Channel: "message", From: "15550004444", Name: "Ravi 👍🏽", Text: "नमस्ते"}); err != nil {
		t.Fatal(err)
	}
	report := tea.ModeReportMsg{Mode: ansi.ModeUnicodeCore, Value: ansi.ModeReset}

	ssh := newHarness(t, svc, "alice", Options{}, 120, 34)
	ssh.want("Ravi 👍\u200b🏽", "नमस्\u200bते")
	ssh.send(report)
	ssh.want("Ravi 👍\u200b🏽")
	if clusterTerminal.Load() {
		t.Fatal("a session that is not the process's only one changed how every session draws")
	}

	local := newHarness(t, svc, "alice", Options{OnlySession: true}, 120, 34)
	local.want("Ravi 👍\u200b🏽")
	local.send(tea.ModeReportMsg{Mode: ansi.ModeUnicodeCore, Value: ansi.ModeNotRecognized})
	local.want("Ravi 👍\u200b🏽") // a terminal that does not know the mode counts code points
	local.send(report)
	local.want("Ravi 👍🏽", "नमस्ते")
	if s := local.screen(); strings.Contains(s, "\u200b") {
		t.Fatalf("a zero-width space is left on a terminal that counts clusters:\n%s", s)
	}
}

// A line that wrap begins with a piece Cells cut off a cluster (a skin tone, a vowel sign) does
// not join the border or indent drawn before it: "│" and a lone "🏽" are one cluster of one cell
// as lipgloss counts and three where code points are counted, and the banner measures its
// lines with the space before them.
func TestWrappedLinesDoNotJoinWhatIsBeforeThem(t *testing.T) {
	for _, text := range []string{strings.Repeat("👍🏽", 40), strings.Repeat("हिन्दी ", 20), strings.Repeat("क्", 60),
		strings.Repeat("ab \u0301\ufe0f", 12)} { // marks after a space: a break there orphans them
		for w := 4; w <= 13; w++ {
			for i, l := range wrap(safe(text), w) {
				line := "│" + l + "│"
				if g, wc := ansi.StringWidth(line), ansi.StringWidthWc(line); g != wc {
					t.Fatalf("wrap(%q, %d): line %d %q is %d cells as clusters, %d by code points", text[:12], w, i, line, g, wc)
				}
			}
		}
	}
}
