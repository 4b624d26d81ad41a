package ui

import (
	"context"

	tea "charm.land/bubbletea/v2"

	"switchboard/inbox"
)

// Model is the root model of the terminal inbox.
type Model struct {
	ctx  context.Context
	svc  *inbox.Service
	opts Options
	w, h int
}

// New builds the root model.
func New(ctx context.Context, svc *inbox.Service, opts Options) *Model {
	if opts.As == "" {
		opts.As = svc.DefaultOperator()
	}
	return &Model{ctx: ctx, svc: svc, opts: opts}
}

func (m *Model) Init() tea.Cmd { return tea.RequestBackgroundColor }

func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.w, m.h = msg.Width, msg.Height
	case tea.KeyPressMsg:
		if msg.String() == "q" || msg.String() == "ctrl+c" {
			return m, tea.Quit
		}
	}
	return m, nil
}

func (m *Model) View() tea.View {
	v := tea.NewView("Switchboard — starting…")
	v.AltScreen = true
	return v
}
