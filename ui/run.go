package ui

import (
	"context"
	"errors"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"

	"switchboard/inbox"
)

// Options configure one terminal session. Who acts is not an option: it is the connection's
// (New and Run take it), decided by the door that opened the session.
type Options struct {
	Tour     Tour // optional guided tour panel (nil: none)
	ShowTour bool // open with the tour panel shown

	// ActAs opens a connection acting as another operator: the "act as" key (u) of a local
	// terminal, whose person owns the workspace file and may be anyone in it. nil turns u off
	// (an SSH session is who its key says, and stays so).
	ActAs func(ctx context.Context, operator string) (inbox.Conn, error)
	// NoActAs is why u is off when ActAs is nil (default: act as works only in a local
	// terminal).
	NoActAs string

	// The terminal this session draws on, as the door that opens it knows it: a local
	// terminal's from this process's environment (the command fills them in), an SSH
	// session's from its client. The screens read no environment of their own.
	Environ      []string             // the session's environment (KEY=value) the program gets; nil is an empty one
	ColorProfile colorprofile.Profile // colorprofile.Unknown: detected from the terminal and Environ
	NoColor      bool                 // draw without colours (NO_COLOR): bold, faint and reverse only
	Light        bool                 // start with the styles for a light background (the terminal's answer to the background query decides when it comes)

	// OnlySession: this is the one session the process draws (a local terminal): the terminal's
	// answer about grapheme clusters (mode 2027) then decides how outside text is cut into cells
	// (clusterTerminal in text.go). An SSH session leaves it false.
	OnlySession bool

	// Attend: the screen is a person at this machine (the local terminal inbox, or one attached
	// to the owner through the socket), so presence follows it as it follows an SSH session
	// (inbox.Screener: for an operator who signs in by key). The SSH door attends its sessions
	// itself and leaves it false.
	Attend bool

	// Config is the person's keys, theme and bell (their config file: LoadConfig); nil is the
	// defaults. Its Problem, when there is one, shows in the status line at the start.
	Config *Config

	// Bell is how a conversation routed to the person, or a team decision waiting for them,
	// is told beyond the screen: BellAuto ("" too), BellOn, BellOSC9 or BellOff (notify.go).
	Bell Bell

	// Scheduler gives the session its time and makes its waiting commands (timers, the wait
	// for the next live event); nil is the wall clock.
	Scheduler Scheduler
}

// Tour is a guided tour shown as a panel (T). Steps is called in a tea.Cmd after every inbox
// event, never in Update.
type Tour interface {
	Steps(ctx context.Context) []TourStep
}

// TourRestarter is a tour that can start over: the panel offers it when every step is done.
type TourRestarter interface {
	Restart(ctx context.Context) error
}

// TourStep is one step of the tour.
type TourStep struct {
	Title, Do, Expect string
	Done              bool
}

// Run opens the terminal inbox on a connection (who acts is the connection's) and blocks until
// the person quits or ctx ends.
func Run(ctx context.Context, conn inbox.Conn, opts Options) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	m := New(ctx, conn, opts)
	defer m.att.close() // the screen has closed: its person is gone
	_, err := tea.NewProgram(m, programOptions(ctx, opts)...).Run()
	if errors.Is(err, tea.ErrProgramKilled) && ctx.Err() != nil {
		return nil // the context ended (a signal, or the session closed): a clean stop
	}
	return err
}

// NewProgram is the terminal inbox as a program a door runs itself (an SSH session: its input,
// output and window size come in extra); it stops when ctx ends.
func NewProgram(ctx context.Context, conn inbox.Conn, opts Options, extra ...tea.ProgramOption) *tea.Program {
	return tea.NewProgram(New(ctx, conn, opts), append(programOptions(ctx, opts), extra...)...)
}

// programOptions are the program's options for a session: its context, the session's own
// environment (never this process's: bubbletea falls back to os.Environ for a nil one) and its
// colour profile when the door knows it.
func programOptions(ctx context.Context, opts Options) []tea.ProgramOption {
	env := opts.Environ
	if env == nil {
		env = []string{}
	}
	po := []tea.ProgramOption{tea.WithContext(ctx), tea.WithEnvironment(env)}
	if opts.ColorProfile != colorprofile.Unknown {
		po = append(po, tea.WithColorProfile(opts.ColorProfile))
	}
	return po
}
