package cli

import (
	"context"
	"strings"

	"github.com/spf13/cobra"

	"switchboard/inbox"
)

// adminList is the shape operators, teams, contacts and rules share. The noun alone lists what
// it names, and so does its `list` subcommand: a table of one row each, or with --json the
// array as the service gives it. Its other subcommands (add, edit, remove, …) change them,
// admins only; remove is the same for all four (newRemoveCmd), and done and removed print what
// a change did.
type adminList[T any] struct {
	Use, Short, Example    string // the noun's command: `switchboard operators`
	ListShort, ListExample string // its `list` subcommand
	Empty                  string // printed when there is nothing to list
	Header                 []string
	// Flags adds the list's own flags to cmd: it is called for the noun and for `list`, which
	// bind the same values; nil: none.
	Flags func(cmd *cobra.Command)
	// Load reads the list and gives the table's row of each item (i counts from 0).
	Load func(ctx context.Context, c inbox.Conn) (items []T, row func(i int, item T) []string, err error)
}

// newCmd builds the noun's command with its list, and the subcommands that change the list.
func (l adminList[T]) newCmd(a *app, subs ...*cobra.Command) *cobra.Command {
	list := func(ctx context.Context, cmd *cobra.Command, args []string) error { return l.run(ctx, a) }
	cmd := a.parent(l.Use, l.Short, l.Example, list)
	lc := &cobra.Command{Use: "list", Short: l.ListShort, Args: cobra.NoArgs, Example: l.ListExample, RunE: a.runE(list)}
	if l.Flags != nil {
		l.Flags(cmd)
		l.Flags(lc)
	}
	cmd.AddCommand(lc)
	cmd.AddCommand(subs...)
	return cmd
}

// run lists: a table of names cut at nameCells, or the JSON array.
func (l adminList[T]) run(ctx context.Context, a *app) error {
	c, err := a.connect()
	if err != nil {
		return err
	}
	items, row, err := l.Load(ctx, c)
	if err != nil {
		return err
	}
	return a.emit(items, func(w *textOut) {
		if len(items) == 0 {
			w.Println(l.Empty)
			return
		}
		tw := w.Table("", 2, 0, nameCells)
		tw.Row(l.Header...)
		for i, it := range items {
			tw.Row(row(i, it)...)
		}
		tw.Flush()
	})
}

// removeOptions is what `NOUN remove ID` parsed: the one to remove.
type removeOptions struct {
	*app
	ID string
}

// newRemoveCmd is the `remove` subcommand of an admin list: remove runs as the actor, then
// said prints what was removed.
func newRemoveCmd(a *app, use, short, example string,
	remove func(ctx context.Context, c inbox.Conn, as, id string) error,
	said func(a *app, id string) error,
	runF func(context.Context, *removeOptions) error) *cobra.Command {
	opts := &removeOptions{app: a}
	return &cobra.Command{
		Use: use, Short: short, Args: cobra.ExactArgs(1), Example: example,
		RunE: a.runE(func(ctx context.Context, cmd *cobra.Command, args []string) error {
			opts.ID = args[0]
			return runOr(ctx, opts, runF, func(ctx context.Context, opts *removeOptions) error {
				c, as, err := opts.session(ctx)
				if err != nil {
					return err
				}
				if err := remove(ctx, c, as, opts.ID); err != nil {
					return err
				}
				return said(opts.app, opts.ID)
			})
		}),
	}
}

// done prints msg, the sentence of what a change did; with --json {key: id, "done": msg}.
func (a *app) done(key, id, msg string) error {
	return a.emit(map[string]any{key: id, "done": msg}, func(w *textOut) { w.Println(msg) })
}

// removed prints that id is removed (format has one %s, the id); with --json
// {"id": id, "removed": true}.
func (a *app) removed(id, format string) error {
	return a.emit(map[string]any{"id": id, "removed": true}, func(w *textOut) { w.Printf(format, id) })
}

// given is the value of flag name when the command line gave it, else nil: what an edit
// changes.
func given[T any](cmd *cobra.Command, name string, v *T) *T {
	if cmd.Flags().Changed(name) {
		return v
	}
	return nil
}

// set changes *dst to *v when v was given (not nil).
func set[T any](dst *T, v *T) {
	if v != nil {
		*dst = *v
	}
}

// splitList splits a comma-separated flag value, dropping the spaces around each item and the
// empty ones.
func splitList(s string) []string {
	out := []string{}
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
