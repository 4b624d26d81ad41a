package ui

import (
	"context"
	"errors"

	tea "charm.land/bubbletea/v2"

	"switchboard/inbox"
)

// Options configure one terminal session.
type Options struct {
	As       string // operator id acting in this session
	Tour     Tour   // optional guided tour panel (nil: none)
	ShowTour bool   // open with the tour panel shown
	Local    bool   // local terminal (enables "act as" with u); false for remote sessions
}

// Tour is a guided tour shown as a panel (T). Steps is called in a tea.Cmd after every inbox
// event, never in Update.
type Tour interface {
	Steps(ctx context.Context) []TourStep
}

// TourStep is one step of the tour.
type TourStep struct {
	Title, Do, Expect string
	Done              bool
}

// Run opens the terminal inbox on svc and blocks until the person quits or ctx ends.
func Run(ctx context.Context, svc *inbox.Service, opts Options) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	m := New(ctx, svc, opts)
	_, err := tea.NewProgram(m, tea.WithContext(ctx)).Run()
	if errors.Is(err, tea.ErrProgramKilled) && ctx.Err() != nil {
		return nil // the context ended (a signal, or the session closed): a clean stop
	}
	return err
}
