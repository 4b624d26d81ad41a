package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"switchboard/data"
	"switchboard/demo"
	"switchboard/inbox"
	"switchboard/inbox/rpc"
	"switchboard/ui"
)

// runInbox opens the terminal inbox (the root command): this process owns the workspace and
// serves it on the socket while the screen is open.
func (a *app) runInbox(ctx context.Context, cmd *cobra.Command, args []string) error {
	door, err := a.hook.open() // before the file: a bad --http creates nothing
	if err != nil {
		return err
	}
	o, err := a.own("tui")
	if err != nil {
		door.close()
		return err
	}
	defer a.disown(o)
	return a.openScreen(ctx, o, door, nil)
}

// openScreen runs the terminal inbox on the workspace this process owns, as --as, with the
// webhook endpoint when asked for and, for the demo, the guided tour (started with a context
// that ends with the screen).
func (a *app) openScreen(ctx context.Context, o *rpc.Owner, door *webhookDoor, tour func(context.Context) ui.Tour) error {
	as, err := a.actor(ctx, rpc.Local{Service: o.Service})
	if err != nil {
		door.close()
		return err
	}
	defer door.serve(o, nil)()
	// the local terminal: its environment and NO_COLOR are this process's (an SSH door passes
	// its client's)
	opts := ui.Options{As: as, Local: true, Environ: os.Environ(), NoColor: os.Getenv("NO_COLOR") != ""}
	if tour != nil {
		tctx, cancel := context.WithCancel(ctx)
		defer cancel()
		opts.Tour, opts.ShowTour = tour(tctx), true
	}
	return a.screen(ctx, ui.Run(ctx, o.Service, opts))
}

// screen is the terminal inbox's result: closed by a signal (SIGTERM, SIGHUP) is a clean stop.
func (a *app) screen(ctx context.Context, err error) error {
	if err != nil && ctx.Err() != nil {
		return nil
	}
	return err
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

func (a *app) demoCmd() *cobra.Command {
	var reset bool
	var contacts int
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Open a demo workspace with the guided tour",
		Long: `Open a believable demo workspace in the terminal inbox, as its first admin, with the
guided tour shown. The demo lives in its own file (` + "`--db`" + ` if given, else the demo
default path, not SWITCHBOARD_DB); an existing demo is reopened as it was left.
--reset deletes that file first and starts again. --contacts N builds a large generated
workspace of N contacts instead (for load and performance work).`,
		Example: `  switchboard demo
  switchboard demo --reset
  switchboard demo --reset --contacts 100000 --db /tmp/big.db`,
		Args: cobra.NoArgs,
		RunE: a.runE(func(ctx context.Context, cmd *cobra.Command, args []string) error {
			if cmd.Flags().Changed("contacts") && (contacts < 1 || contacts > demo.MaxContacts) {
				return usagef("--contacts %d: give 1 to %d", contacts, demo.MaxContacts)
			}
			if !a.root.PersistentFlags().Changed("db") {
				a.db = demo.DefaultPath()
			}
			door, err := a.hook.open() // before the file: a bad --http resets and creates nothing
			if err != nil {
				return err
			}
			if reset {
				if err := a.resetDemo(); err != nil {
					door.close()
					return err
				}
			}
			o, err := a.own("tui")
			if err != nil {
				door.close()
				return err
			}
			defer a.disown(o)
			svc := o.Service
			if len(svc.Operators(ctx)) == 0 {
				if cmd.Flags().Changed("contacts") {
					a.errText().Printf("Building a workspace of %d contacts in %s…\n", contacts, o.Info.Path)
					last := time.Time{}
					err = demo.Generate(ctx, svc, contacts, func(done, total int) {
						if time.Since(last) > 500*time.Millisecond || done == total {
							a.errText().Printf("\r  %d / %d contacts", done, total)
							last = time.Now()
						}
					})
					a.errText().Println()
				} else {
					err = demo.Seed(ctx, svc)
				}
				if err != nil {
					door.close()
					return fmt.Errorf("could not build the demo in %s: %w; start again with `switchboard demo --reset`", o.Info.Path, err)
				}
			} else if cmd.Flags().Changed("contacts") {
				a.errText().Printf("Note: %s already holds a demo, reopened as it was left; --contacts builds a new one only with --reset.\n", o.Info.Path)
			}
			return a.openScreen(ctx, o, door, func(tctx context.Context) ui.Tour {
				return tourPanel{demo.NewTour(tctx, svc, demo.StatePath(o.Info.Path))}
			})
		}),
	}
	cmd.Flags().BoolVar(&reset, "reset", false, "delete the demo file first and start a new demo")
	cmd.Flags().IntVar(&contacts, "contacts", 0, "build a generated workspace of N contacts instead of the demo")
	a.hook.add(cmd)
	return cmd
}

// resetDemo deletes the demo file (and its tour progress), unless a switchboard process has it
// open or it is not a Switchboard file: data.RemoveFile deletes it only while holding its lock.
func (a *app) resetDemo() error {
	abs, err := filepath.Abs(a.db)
	if err != nil {
		return err
	}
	owned := func(info rpc.Info) error {
		return &inbox.Error{Kind: inbox.Conflict, Msg: fmt.Sprintf("%s is open in %s; close it before --reset", abs, info.Describe())}
	}
	if c, err := rpc.Dial(abs); err == nil {
		info := c.Owner()
		c.Close()
		return owned(info)
	} else if !errors.Is(err, rpc.ErrNoOwner) {
		return err
	}
	also := []string{demo.StatePath(abs)}
	sock := rpc.SocketPath(abs)
	if st, err := os.Lstat(sock); err == nil && st.Mode()&os.ModeSocket != 0 {
		also = append(also, sock) // nobody answers on it: stale (removed only with the file's lock)
	}
	err = data.RemoveFile(abs, also...)
	if errors.Is(err, data.ErrInUse) {
		// no socket answered, yet a process holds the file: its socket was deleted (an owner
		// makes it again within a second) or it is a command at work
		if c, derr := rpc.Dial(abs); derr == nil {
			info := c.Owner()
			c.Close()
			return owned(info)
		}
		return &inbox.Error{Kind: inbox.Conflict, Msg: err.Error() + " (no switchboard socket answers for it at " + sock + ")"}
	}
	if err != nil {
		return fmt.Errorf("--reset: %w", err)
	}
	return nil
}
