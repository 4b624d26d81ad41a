package cli

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"switchboard/inbox"
	"switchboard/routing"
)

// `switchboard operators`: list, add, edit, remove.

func newOperatorsCmd(a *app) *cobra.Command {
	return adminList[inbox.OperatorView]{
		Use:   "operators",
		Short: "List, add, edit or remove operators (admins change them)",
		Example: `  switchboard operators
  switchboard operators add zoe --name "Zoe Park" --role operator --status online
  switchboard operators edit zoe --role admin
  switchboard operators remove zoe`,
		ListShort: "List operators", ListExample: "  switchboard operators list --json",
		Empty:  "No operators yet: add the first admin with `switchboard operators add ID --name NAME --role admin`.",
		Header: []string{"ID", "NAME", "ROLE", "STATUS", "TEAMS", "KEYS"},
		Load: func(ctx context.Context, c inbox.Conn) ([]inbox.OperatorView, func(int, inbox.OperatorView) []string, error) {
			ops, err := inbox.OpOperators.Call(ctx, c, inbox.None{})
			return ops, func(_ int, o inbox.OperatorView) []string {
				return []string{o.ID, o.Name, string(o.Role), string(o.Status), orDash(strings.Join(o.Teams, ",")), keyCount(len(o.Keys))}
			}, err
		},
	}.newCmd(a,
		newOperatorsAddCmd(a, nil),
		newOperatorsEditCmd(a, nil),
		newKeysCmd(a),
		newRemoveCmd(a, "remove ID", "Remove an operator (admins): out of every team, unassigned, no longer an owner",
			"  switchboard operators remove zoe",
			func(ctx context.Context, c inbox.Conn, as, id string) error {
				return run0(ctx, inbox.OpDeleteOperator, c, inbox.IDReq{ID: id})
			},
			func(a *app, id string) error { return a.removed(id, "Operator %s removed.\n") }, nil))
}

func findOp(ops []inbox.OperatorView, id string) (inbox.OperatorView, bool) {
	for _, o := range ops {
		if o.ID == id {
			return o, true
		}
	}
	return inbox.OperatorView{}, false
}

// showOperator prints the operator id as it now is, after verb ("added", "changed").
func (a *app) showOperator(ctx context.Context, c inbox.Conn, id, verb string) error {
	ops, err := inbox.OpOperators.Call(ctx, c, inbox.None{})
	if err != nil {
		return err
	}
	o, _ := findOp(ops, id)
	return a.emit(o, func(w *textOut) {
		capacity := ""
		if o.MaxOpen != nil {
			capacity = ", at most " + routing.CapacityText(*o.MaxOpen) + " open from round robin"
			if *o.MaxOpen == 0 {
				capacity = ", no limit of open conversations"
			}
		}
		w.Printf("Operator %s %s: %s, %s%s.\n", named(o.Name, o.ID), verb, o.Role, o.Status, capacity)
	})
}

type operatorsAddOptions struct {
	*app
	Operator inbox.Operator
}

func newOperatorsAddCmd(a *app, runF func(context.Context, *operatorsAddOptions) error) *cobra.Command {
	opts := &operatorsAddOptions{app: a}
	cmd := &cobra.Command{
		Use: "add ID", Short: "Add an operator (admins; anyone may add the first admin)", Args: cobra.ExactArgs(1),
		Example: `  switchboard operators add alice --name "Alice Ng" --role admin
  switchboard operators add zoe --name "Zoe Park" --status online`,
		RunE: a.runE(func(ctx context.Context, cmd *cobra.Command, args []string) error {
			opts.Operator.ID = args[0]
			return runOr(ctx, opts, runF, operatorsAddRun)
		}),
	}
	cmd.Flags().StringVar(&opts.Operator.Name, "name", "", "the operator's name (required)")
	stringVar(cmd.Flags(), &opts.Operator.Role, "role", "operator", "operator or admin")
	stringVar(cmd.Flags(), &opts.Operator.Status, "status", "offline", "online, away or offline")
	cmd.MarkFlagRequired("name")
	return cmd
}

func operatorsAddRun(ctx context.Context, opts *operatorsAddOptions) error {
	// the first admin may be added to a workspace not made yet; one refused makes none
	created, dirs := !opts.exists(), opts.missingDirs()
	opts.creates = true
	c, err := opts.connect()
	if err != nil {
		return err
	}
	// the first admin of an empty workspace is added by nobody in particular
	if err := run0(ctx, inbox.OpAddOperator, c, opts.Operator); err != nil {
		if created {
			opts.undoCreate(dirs)
		}
		return err
	}
	return opts.showOperator(ctx, c, opts.Operator.ID, "added")
}

// operatorsEditOptions is what `operators edit` parsed; a nil field was not given and stays.
type operatorsEditOptions struct {
	*app
	ID                 string
	Name, Role, Status *string
	// MaxOpen is their own capacity when given: a number (0: no limit), or nil inside for the
	// workspace default ("--max-open default").
	MaxOpen **int
}

func newOperatorsEditCmd(a *app, runF func(context.Context, *operatorsEditOptions) error) *cobra.Command {
	opts := &operatorsEditOptions{app: a}
	var name, role, status, maxOpen string
	cmd := &cobra.Command{
		Use: "edit ID", Short: "Change an operator's name, role, status or capacity (admins)", Args: cobra.ExactArgs(1),
		Example: `  switchboard operators edit zoe --name "Zoe Park-Lee"
  switchboard operators edit zoe --role admin
  switchboard operators edit zoe --max-open 5        # round robin gives her at most 5 open
  switchboard operators edit zoe --max-open default  # the workspace default again`,
		RunE: a.runE(func(ctx context.Context, cmd *cobra.Command, args []string) error {
			if err := nothingToChange(cmd, "name", "role", "status", "max-open"); err != nil {
				return err
			}
			opts.ID = args[0]
			opts.Name = given(cmd, "name", &name)
			opts.Role = given(cmd, "role", &role)
			opts.Status = given(cmd, "status", &status)
			if cmd.Flags().Changed("max-open") {
				var own *int
				if !strings.EqualFold(strings.TrimSpace(maxOpen), "default") {
					n, err := routing.ParseCapacity(maxOpen)
					if err != nil {
						return usagef("--max-open: %v, or default for the workspace's", err)
					}
					own = &n
				}
				opts.MaxOpen = &own
			}
			return runOr(ctx, opts, runF, operatorsEditRun)
		}),
	}
	cmd.Flags().StringVar(&name, "name", "", "new name")
	cmd.Flags().StringVar(&role, "role", "", "operator or admin")
	cmd.Flags().StringVar(&status, "status", "", "online, away or offline")
	cmd.Flags().StringVar(&maxOpen, "max-open", "", "at most N open conversations from round robin (0: no limit), or default")
	return cmd
}

func operatorsEditRun(ctx context.Context, opts *operatorsEditOptions) error {
	c, _, err := opts.session(ctx)
	if err != nil {
		return err
	}
	ops, err := inbox.OpOperators.Call(ctx, c, inbox.None{})
	if err != nil {
		return err
	}
	cur, ok := findOp(ops, opts.ID)
	if !ok {
		return &inbox.Error{Kind: inbox.NotFound, Msg: fmt.Sprintf("Operator %q not found; see `switchboard operators`", opts.ID)}
	}
	op := cur.Operator
	set(&op.Name, opts.Name)
	if opts.Role != nil {
		op.Role = routing.Role(*opts.Role)
	}
	if opts.Status != nil {
		op.Status = routing.Presence(*opts.Status)
	}
	if opts.MaxOpen != nil {
		op.MaxOpen = *opts.MaxOpen
	}
	if err := run0(ctx, inbox.OpUpdateOperator, c, op); err != nil {
		return err
	}
	return opts.showOperator(ctx, c, op.ID, "changed")
}
