package cli

import (
	"context"
	"fmt"
	"strconv"

	"github.com/spf13/cobra"

	"switchboard/inbox"
	"switchboard/routing"
)

// `switchboard rules`: list, add, edit, move, remove.

func newRulesCmd(a *app) *cobra.Command {
	return adminList[inbox.Rule]{
		Use:   "rules",
		Short: "List, add, edit, move or remove automation rules (admins change them)",
		Example: `  switchboard rules
  switchboard rules add refunds --keyword refund --channel message --to team:billing
  switchboard rules edit refunds --to operator:frank
  switchboard rules move refunds 1
  switchboard rules remove refunds`,
		ListShort: "List rules in the order they are tried", ListExample: "  switchboard rules list --json",
		Empty:  "No automation rules.",
		Header: []string{"#", "NAME", "CHANNEL", "KEYWORD", "TAG", "TO"},
		Load: func(ctx context.Context, c inbox.Conn) ([]inbox.Rule, func(int, inbox.Rule) []string, error) {
			sv, err := inbox.OpSettings.Call(ctx, c, inbox.None{})
			return sv.Rules, func(i int, r inbox.Rule) []string {
				return []string{strconv.Itoa(i + 1), r.Name, orDash(string(r.Channel)), orDash(r.Keyword), orDash(r.Tag), r.To}
			}, err
		},
	}.newCmd(a,
		newRulesAddCmd(a, nil),
		newRulesEditCmd(a, nil),
		newRulesMoveCmd(a, nil),
		newRemoveCmd(a, "remove NAME", "Remove a rule (admins)", "  switchboard rules remove refunds",
			func(ctx context.Context, c inbox.Conn, as, name string) error {
				return run0(ctx, inbox.OpDeleteRule, c, inbox.NameReq{Name: name})
			},
			func(a *app, name string) error { return a.done("name", name, fmt.Sprintf("Rule %q removed.", name)) }, nil))
}

// ruleFlags are a rule's conditions and target, the flags of add and edit.
func ruleFlags(c *cobra.Command, r *inbox.Rule) {
	stringVar(c.Flags(), &r.Channel, "channel", "", "message or call (empty: any)")
	c.Flags().StringVar(&r.Keyword, "keyword", "", "one word the message must contain (case-insensitive)")
	c.Flags().StringVar(&r.Tag, "tag", "", "a tag the contact must have")
	c.Flags().StringVar(&r.To, "to", "", "team:<id>, operator:<id> or bot")
}

type rulesAddOptions struct {
	*app
	Rule inbox.Rule
}

func newRulesAddCmd(a *app, runF func(context.Context, *rulesAddOptions) error) *cobra.Command {
	opts := &rulesAddOptions{app: a}
	cmd := &cobra.Command{
		Use: "add NAME", Short: "Add a rule, tried after the existing ones (admins)", Args: cobra.ExactArgs(1),
		Example: `  switchboard rules add refunds --keyword refund --to team:billing
  switchboard rules add vip --tag vip --to operator:dana`,
		RunE: a.runE(func(ctx context.Context, cmd *cobra.Command, args []string) error {
			opts.Rule.Name = args[0]
			return runOr(ctx, opts, runF, rulesAddRun)
		}),
	}
	ruleFlags(cmd, &opts.Rule)
	cmd.MarkFlagRequired("to")
	return cmd
}

func rulesAddRun(ctx context.Context, opts *rulesAddOptions) error {
	c, _, err := opts.session(ctx)
	if err != nil {
		return err
	}
	if err := run0(ctx, inbox.OpAddRule, c, opts.Rule); err != nil {
		return err
	}
	return opts.done("name", opts.Rule.Name, fmt.Sprintf("Rule %q added.", opts.Rule.Name))
}

// rulesEditOptions is what `rules edit` parsed; a nil field was not given and stays.
type rulesEditOptions struct {
	*app
	Name             string
	Channel          *routing.Channel
	Keyword, Tag, To *string
}

func newRulesEditCmd(a *app, runF func(context.Context, *rulesEditOptions) error) *cobra.Command {
	opts := &rulesEditOptions{app: a}
	var r inbox.Rule
	cmd := &cobra.Command{
		Use: "edit NAME", Short: "Change a rule's conditions or target (admins)", Args: cobra.ExactArgs(1),
		Example: `  switchboard rules edit refunds --to operator:frank
  switchboard rules edit refunds --channel ""   # any channel`,
		RunE: a.runE(func(ctx context.Context, cmd *cobra.Command, args []string) error {
			if err := nothingToChange(cmd, "channel", "keyword", "tag", "to"); err != nil {
				return err
			}
			opts.Name = args[0]
			opts.Channel, opts.Keyword = given(cmd, "channel", &r.Channel), given(cmd, "keyword", &r.Keyword)
			opts.Tag, opts.To = given(cmd, "tag", &r.Tag), given(cmd, "to", &r.To)
			return runOr(ctx, opts, runF, rulesEditRun)
		}),
	}
	ruleFlags(cmd, &r)
	return cmd
}

func rulesEditRun(ctx context.Context, opts *rulesEditOptions) error {
	c, _, err := opts.session(ctx)
	if err != nil {
		return err
	}
	sv, err := inbox.OpSettings.Call(ctx, c, inbox.None{})
	if err != nil {
		return err
	}
	var cur *inbox.Rule
	for i := range sv.Rules {
		if sv.Rules[i].Name == opts.Name {
			cur = &sv.Rules[i]
		}
	}
	if cur == nil {
		return &inbox.Error{Kind: inbox.NotFound, Msg: fmt.Sprintf("Rule %q not found; see `switchboard rules`", opts.Name)}
	}
	r := *cur
	set(&r.Channel, opts.Channel)
	set(&r.Keyword, opts.Keyword)
	set(&r.Tag, opts.Tag)
	set(&r.To, opts.To)
	if err := run0(ctx, inbox.OpUpdateRule, c, r); err != nil {
		return err
	}
	return opts.done("name", r.Name, fmt.Sprintf("Rule %q changed.", r.Name))
}

// rulesMoveOptions is what `rules move` parsed: Position counts from 1 (tried first).
type rulesMoveOptions struct {
	*app
	Name     string
	Position int
}

func newRulesMoveCmd(a *app, runF func(context.Context, *rulesMoveOptions) error) *cobra.Command {
	opts := &rulesMoveOptions{app: a}
	return &cobra.Command{
		Use: "move NAME POSITION", Short: "Move a rule to a position (1 = tried first) (admins)", Args: cobra.ExactArgs(2),
		Example: "  switchboard rules move refunds 1",
		RunE: a.runE(func(ctx context.Context, cmd *cobra.Command, args []string) error {
			pos, err := strconv.Atoi(args[1])
			if err != nil || pos < 1 {
				return usagef("position %q: give a number from 1 (tried first)", args[1])
			}
			opts.Name, opts.Position = args[0], pos
			return runOr(ctx, opts, runF, rulesMoveRun)
		}),
	}
}

func rulesMoveRun(ctx context.Context, opts *rulesMoveOptions) error {
	c, _, err := opts.session(ctx)
	if err != nil {
		return err
	}
	if err := run0(ctx, inbox.OpMoveRule, c, inbox.MoveRuleReq{Name: opts.Name, Pos: opts.Position - 1}); err != nil {
		return err
	}
	return opts.done("name", opts.Name, fmt.Sprintf("Rule %q is now number %d.", opts.Name, opts.Position))
}
