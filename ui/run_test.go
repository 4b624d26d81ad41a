package ui

import (
	"context"
	"io"
	"slices"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
)

// terminalProbe records what the program tells a model about its terminal, then quits.
type terminalProbe struct {
	env     []string
	profile colorprofile.Profile
	got     int
}

func (p *terminalProbe) Init() tea.Cmd { return nil }

func (p *terminalProbe) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.EnvMsg:
		p.env = msg
		p.got++
	case tea.ColorProfileMsg:
		p.profile = msg.Profile
		p.got++
	}
	if p.got == 2 {
		return p, tea.Quit
	}
	return p, nil
}

func (p *terminalProbe) View() tea.View { return tea.NewView("") }

// probe runs a program with the options Run gives a session and returns what it reported.
func probe(t *testing.T, opts Options) *terminalProbe {
	t.Helper()
	p := &terminalProbe{}
	po := append(programOptions(context.Background(), opts), tea.WithInput(nil), tea.WithOutput(io.Discard))
	if _, err := tea.NewProgram(p, po...).Run(); err != nil {
		t.Fatal(err)
	}
	return p
}

// The program of a session gets the session's environment and colour profile, never this
// process's: an SSH session's client is not the server.
func TestSessionGetsItsOwnTerminal(t *testing.T) {
	t.Setenv("SWITCHBOARD_SERVER_ONLY", "1")
	env := []string{"TERM=xterm-256color", "LANG=C.UTF-8"}
	p := probe(t, Options{Environ: env, ColorProfile: colorprofile.ANSI256})
	if !slices.Equal(p.env, env) {
		t.Fatalf("the program got the environment %q, want the session's %q", p.env, env)
	}
	if p.profile != colorprofile.ANSI256 {
		t.Fatalf("the program got the profile %v, want the session's %v", p.profile, colorprofile.ANSI256)
	}
	if p := probe(t, Options{}); len(p.env) != 0 {
		t.Fatalf("a session without an environment got this process's: %q", p.env)
	}
}
