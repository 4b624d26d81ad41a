package cli

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"switchboard/inbox"
)

// `switchboard teams`: list, add, edit, remove, and members add / remove.

func newTeamsCmd(a *app) *cobra.Command {
	return adminList[inbox.Team]{
		Use:   "teams",
		Short: "List, add, edit or remove teams and their members (admins change them)",
		Example: `  switchboard teams
  switchboard teams add vip --name "VIP desk" --members carol,erin
  switchboard teams edit vip --name "VIP" --default
  switchboard teams members add vip frank
  switchboard teams remove vip`,
		ListShort: "List teams", ListExample: "  switchboard teams list --json",
		Empty:  "No teams yet: add one with `switchboard teams add ID --name NAME`.",
		Header: []string{"ID", "NAME", "MEMBERS", "DEFAULT"},
		Load: func(ctx context.Context, c inbox.Conn) ([]inbox.Team, func(int, inbox.Team) []string, error) {
			teams, err := inbox.OpTeams.Call(ctx, c, inbox.None{})
			if err != nil {
				return nil, nil, err
			}
			sv, err := inbox.OpSettings.Call(ctx, c, inbox.None{})
			if err != nil {
				return nil, nil, err
			}
			return teams, func(_ int, t inbox.Team) []string {
				def := ""
				if t.ID == sv.DefaultTeam {
					def = "yes"
				}
				return []string{t.ID, t.Name, orDash(strings.Join(t.Members, ",")), def}
			}, nil
		},
	}.newCmd(a,
		newTeamsAddCmd(a, nil),
		newTeamsEditCmd(a, nil),
		newRemoveCmd(a, "remove ID", "Remove a team with no conversations that is not the default (admins)",
			"  switchboard teams remove vip",
			func(ctx context.Context, c inbox.Conn, as, id string) error {
				return run0(ctx, inbox.OpDeleteTeam, c, inbox.IDReq{ID: id})
			},
			func(a *app, id string) error { return a.done("id", id, fmt.Sprintf("Team %s removed.", id)) }, nil),
		newTeamsMembersCmd(a, nil))
}

type teamsAddOptions struct {
	*app
	ID, Name string
	Members  []string // in round-robin order
}

func newTeamsAddCmd(a *app, runF func(context.Context, *teamsAddOptions) error) *cobra.Command {
	opts := &teamsAddOptions{app: a}
	var members string
	cmd := &cobra.Command{
		Use: "add ID", Short: "Add a team (admins); the first team becomes the default", Args: cobra.ExactArgs(1),
		Example: `  switchboard teams add vip --name "VIP desk" --members carol,erin`,
		RunE: a.runE(func(ctx context.Context, cmd *cobra.Command, args []string) error {
			opts.ID, opts.Members = args[0], splitList(members)
			return runOr(ctx, opts, runF, teamsAddRun)
		}),
	}
	cmd.Flags().StringVar(&opts.Name, "name", "", "the team's name (required)")
	cmd.Flags().StringVar(&members, "members", "", "operator ids, comma-separated, in round-robin order")
	cmd.MarkFlagRequired("name")
	return cmd
}

func teamsAddRun(ctx context.Context, opts *teamsAddOptions) error {
	c, _, err := opts.session(ctx)
	if err != nil {
		return err
	}
	if err := run0(ctx, inbox.OpAddTeam, c, inbox.Team{ID: opts.ID, Name: opts.Name, Members: opts.Members}); err != nil {
		return err
	}
	return opts.done("id", opts.ID, fmt.Sprintf("Team %s added.", named(opts.Name, opts.ID)))
}

// teamsEditOptions is what `teams edit` parsed: a new name (nil: unchanged), and whether the
// team becomes the default.
type teamsEditOptions struct {
	*app
	ID          string
	Name        *string
	MakeDefault bool
}

func newTeamsEditCmd(a *app, runF func(context.Context, *teamsEditOptions) error) *cobra.Command {
	opts := &teamsEditOptions{app: a}
	var name string
	cmd := &cobra.Command{
		Use: "edit ID", Short: "Rename a team or make it the default (admins)", Args: cobra.ExactArgs(1),
		Example: `  switchboard teams edit vip --name "VIP"
  switchboard teams edit sales --default`,
		RunE: a.runE(func(ctx context.Context, cmd *cobra.Command, args []string) error {
			// --default=false changes nothing, so it does not count
			if !cmd.Flags().Changed("name") && !opts.MakeDefault {
				return usagef("nothing to change: give --name or --default")
			}
			opts.ID, opts.Name = args[0], given(cmd, "name", &name)
			return runOr(ctx, opts, runF, teamsEditRun)
		}),
	}
	cmd.Flags().StringVar(&name, "name", "", "new name")
	cmd.Flags().BoolVar(&opts.MakeDefault, "default", false, "make it the default team")
	return cmd
}

func teamsEditRun(ctx context.Context, opts *teamsEditOptions) error {
	c, _, err := opts.session(ctx)
	if err != nil {
		return err
	}
	if opts.Name != nil {
		if err := run0(ctx, inbox.OpRenameTeam, c, inbox.RenameReq{ID: opts.ID, Name: *opts.Name}); err != nil {
			return err
		}
	}
	if opts.MakeDefault {
		if _, err := inbox.OpSetDefaultTeam.Call(ctx, c, inbox.ValueReq{Value: opts.ID}); err != nil {
			return err
		}
	}
	return opts.done("id", opts.ID, fmt.Sprintf("Team %s changed.", opts.ID))
}

// teamsMemberOptions is what `teams members add|remove TEAM OPERATOR` parsed.
type teamsMemberOptions struct {
	*app
	Add            bool // add; false: remove
	Team, Operator string
}

func newTeamsMembersCmd(a *app, runF func(context.Context, *teamsMemberOptions) error) *cobra.Command {
	cmd := a.parent("members", "Add or remove a team's members (admins)",
		`  switchboard teams members add sales carol
  switchboard teams members remove sales carol`, nil)
	member := func(use, short string, add bool) *cobra.Command {
		opts := &teamsMemberOptions{app: a, Add: add}
		return &cobra.Command{
			Use: use + " TEAM OPERATOR", Short: short, Args: cobra.ExactArgs(2),
			Example: "  switchboard teams members " + use + " sales carol",
			RunE: a.runE(func(ctx context.Context, cmd *cobra.Command, args []string) error {
				opts.Team, opts.Operator = args[0], args[1]
				return runOr(ctx, opts, runF, teamsMemberRun)
			}),
		}
	}
	cmd.AddCommand(
		member("add", "Add an operator to a team, last in round-robin order", true),
		member("remove", "Take an operator out of a team; their conversations there are unassigned", false))
	return cmd
}

func teamsMemberRun(ctx context.Context, opts *teamsMemberOptions) error {
	c, _, err := opts.session(ctx)
	if err != nil {
		return err
	}
	op, verb := inbox.OpRemoveMember, "removed from"
	if opts.Add {
		op, verb = inbox.OpAddMember, "added to"
	}
	if err := run0(ctx, op, c, inbox.MemberReq{Team: opts.Team, Operator: opts.Operator}); err != nil {
		return err
	}
	return opts.done("id", opts.Team, fmt.Sprintf("%s %s %s.", opts.Operator, verb, opts.Team))
}
