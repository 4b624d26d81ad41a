package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"

	"github.com/charmbracelet/x/term"
	"github.com/spf13/cobra"

	"switchboard/demo"
	"switchboard/inbox"
	"switchboard/inbox/rpc"
	"switchboard/ui"
)

// The terminal inbox (the root command) and the demo's screen: this process owns the
// workspace and serves it on the socket while the screen is open.

// runInbox opens the terminal inbox: the root command's action. When another process owns the
// workspace (a terminal inbox, serve), this one attaches to it through its socket and works
// the same: live, the same keys, any number of them.
func (a *app) runInbox(ctx context.Context, cmd *cobra.Command, args []string) error {
	send, err := a.wa.config() // before the file: a bad configuration creates nothing
	if err != nil {
		return err
	}
	door, err := a.hook.open() // before the file: a bad --http creates nothing
	if err != nil {
		return err
	}
	o, err := a.own("tui")
	var owned *rpc.OwnedError
	if errors.As(err, &owned) {
		if door != nil {
			door.close()
			return fmt.Errorf("%s is already open in %s, so this terminal inbox attaches to it, and the webhook endpoint (--http) belongs with the owner: start it there", owned.Path, owned.Owner.Describe())
		}
		return a.attachScreen(ctx, owned)
	}
	if err != nil {
		door.close()
		return err
	}
	defer a.disown(o)
	defer startSender(o.Service, send)() // stopped (its replies in flight recorded) before the file closes
	return a.openScreen(ctx, o, door, nil)
}

// attachScreen runs the terminal inbox on the workspace another process owns, through its
// socket, as --as (or the first admin). Only the file's own user reaches the socket, so act as
// (u) stays: it dials again as the operator chosen.
func (a *app) attachScreen(ctx context.Context, owned *rpc.OwnedError) error {
	c, err := rpc.Dial(owned.Path, a.as)
	if err != nil {
		if a.as != "" && inbox.KindOf(err) == inbox.NotFound {
			return &inbox.Error{Kind: inbox.NotFound, Msg: fmt.Sprintf(
				"Operator %q (from --as or SWITCHBOARD_AS) not found in %s; see `switchboard operators`", a.as, owned.Path)}
		}
		return err
	}
	var mu sync.Mutex
	conns := []*rpc.Client{c}
	defer func() {
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	}()
	if c.Operator() == "" {
		return &inbox.Error{Kind: inbox.NotFound, Msg: fmt.Sprintf(
			"The workspace in %s has no admin yet: load one with `switchboard import FILE`, or add the first admin with `switchboard operators add ID --name NAME --role admin`", owned.Path)}
	}
	actAs := func(_ context.Context, id string) (inbox.Conn, error) {
		nc, err := rpc.Dial(owned.Path, id)
		if err != nil {
			return nil, err
		}
		mu.Lock()
		conns = append(conns, nc) // closed when the screen ends
		mu.Unlock()
		return nc, nil
	}
	if err := needTerminal(); err != nil {
		return err
	}
	opts := ui.Options{ActAs: actAs, OnlySession: true, Attend: true, Environ: os.Environ(), NoColor: os.Getenv("NO_COLOR") != "", Config: a.config()}
	return a.screen(ctx, ui.Run(ctx, c, opts))
}

// openScreen runs the terminal inbox on the workspace this process owns, as --as, with the
// webhook endpoint when asked for and, for the demo, the guided tour (started with a context
// that ends with the screen). It is the one place the screen's ui.Options are built.
func (a *app) openScreen(ctx context.Context, o *rpc.Owner, door *webhookDoor, tour func(context.Context) ui.Tour) error {
	sess, err := o.Service.SessionFor(a.as)
	if err == nil && sess.Operator() == "" {
		err = &inbox.Error{Kind: inbox.NotFound, Msg: fmt.Sprintf(
			"The workspace in %s has no admin yet: load one with `switchboard import FILE`, or add the first admin with `switchboard operators add ID --name NAME --role admin`", a.path())}
	} else if err != nil && a.as != "" {
		err = &inbox.Error{Kind: inbox.NotFound, Msg: fmt.Sprintf(
			"Operator %q (from --as or SWITCHBOARD_AS) not found in %s; see `switchboard operators`", a.as, a.path())}
	}
	if err == nil {
		err = needTerminal()
	}
	if err != nil {
		door.close()
		return err
	}
	defer door.serve(o, nil)()
	// the local terminal: its environment and NO_COLOR are this process's (an SSH door passes
	// its client's); its person owns the file, so u may act as anyone in it
	actAs := func(_ context.Context, id string) (inbox.Conn, error) { return o.Service.SessionFor(id) }
	opts := ui.Options{ActAs: actAs, OnlySession: true, Attend: true, Environ: os.Environ(), NoColor: os.Getenv("NO_COLOR") != "", Config: a.config()}
	if tour != nil {
		tctx, cancel := context.WithCancel(ctx)
		defer cancel()
		opts.Tour, opts.ShowTour = tour(tctx), true
	}
	return a.screen(ctx, ui.Run(ctx, sess, opts))
}

// screen is the terminal inbox's result: closed by a signal (SIGTERM, SIGHUP) is a clean stop.
func (a *app) screen(ctx context.Context, err error) error {
	if err != nil && ctx.Err() != nil {
		return nil
	}
	return err
}

// own makes this process the owner of the workspace file.
func (a *app) own(kind string) (*rpc.Owner, error) {
	if err := a.needWorkspace(); err != nil {
		return nil, err
	}
	return a.wiring.Own(a.db, kind)
}

// disown stops serving and closes the workspace, letting requests in flight finish.
func (a *app) disown(o *rpc.Owner) {
	sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if err := o.Close(sctx); err != nil {
		a.errText().Printf("Warning: closing %s: %v\n", o.Info.Path, err)
	}
}

// tourPanel shows the demo's guided tour in the terminal inbox.
type tourPanel struct{ t *demo.Tour }

func (p tourPanel) Steps(ctx context.Context) []ui.TourStep {
	st := p.t.Steps(ctx)
	out := make([]ui.TourStep, len(st))
	for i, s := range st {
		out[i] = ui.TourStep{Title: s.Title, Do: s.Do, Expect: s.Expect, Done: s.Done}
	}
	return out
}

// Restart starts the tour over (offered by the panel when every step is done).
func (p tourPanel) Restart(ctx context.Context) error { return p.t.Restart(ctx) }

// needTerminal refuses to open a screen where there is no terminal to draw it on (a cron job,
// `switchboard < /dev/null` without a controlling terminal): bubbletea's own error there is
// "could not open TTY: open /dev/tty: no such device or address".
func needTerminal() error {
	if term.IsTerminal(os.Stdin.Fd()) {
		return nil
	}
	if f, err := os.Open("/dev/tty"); err == nil { // what bubbletea reads keys from then
		f.Close()
		return nil
	}
	return &exitError{code: exitUsage, noUsage: true, err: errors.New(
		"The terminal inbox needs a terminal, and this process has none: run it in one (over SSH, `ssh -t`), or give a command, like `switchboard list` (`switchboard --help` lists them)")}
}
