package cli

import (
	"context"
	"strings"

	"github.com/spf13/cobra"

	"switchboard/inbox"
	"switchboard/inbox/rpc"
)

// The workspace's settings and who you are: `routing`, `roundrobin`, `presence`, `whoami`.

func settingsCmds(a *app) []*cobra.Command {
	routingCmd, rrCmd := newRoutingCmd(a, nil), newRoundrobinCmd(a, nil)
	routingCmd.AddCommand(newAwayWaitCmd(a, nil)) // presence.go
	rrCmd.AddCommand(newModeCmd(a, nil))
	return append([]*cobra.Command{routingCmd, rrCmd, newPresenceCmd(a, nil), newWhoamiCmd(a, nil)}, presenceCmds(a)...)
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}

func parseOnOff(s string) (bool, error) {
	switch strings.ToLower(s) {
	case "on":
		return true, nil
	case "off":
		return false, nil
	}
	return false, usagef("%q: use on or off", s)
}

// toggleState is what `routing` and `roundrobin` show.
type toggleState struct {
	Setting string `json:"setting"`
	On      bool   `json:"on"`
	InForce bool   `json:"in_force"`
	Locked  string `json:"locked,omitempty"`
	Plan    string `json:"plan"`
}

// toggle is one on/off setting of the workspace.
type toggle struct {
	use, title, key, example string
	get                      func(inbox.SettingsView) toggleState
	set                      func(ctx context.Context, c inbox.Conn, by string, on bool) (inbox.SettingChange, error)
}

// toggleOptions is what `routing` or `roundrobin` parsed: Set nil shows the state.
type toggleOptions struct {
	*app
	toggle
	Set *bool
}

func newToggleCmd(a *app, t toggle, runF func(context.Context, *toggleOptions) error) *cobra.Command {
	opts := &toggleOptions{app: a, toggle: t}
	return &cobra.Command{
		Use:     t.use + " [on|off]",
		Short:   "Show, or turn " + strings.ToLower(t.title[:1]) + t.title[1:] + " on or off (admins)",
		Example: t.example,
		Args:    cobra.MaximumNArgs(1),
		RunE: a.runE(func(ctx context.Context, cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				on, err := parseOnOff(args[0])
				if err != nil {
					return err
				}
				opts.Set = &on
			}
			return runOr(ctx, opts, runF, toggleRun)
		}),
	}
}

func toggleRun(ctx context.Context, opts *toggleOptions) error {
	if opts.Set == nil {
		sv, err := opts.settingsView(ctx)
		if err != nil {
			return err
		}
		st := opts.get(sv)
		st.Setting, st.Plan = opts.key, string(sv.Plan)
		return opts.emit(st, func(w *textOut) {
			w.Printf("%s: %s (plan: %s)\n", opts.title, onOff(st.On), st.Plan)
			if st.Locked != "" {
				w.Printf("Locked: %s\n", st.Locked)
			} else if st.On != st.InForce {
				w.Println("It is not in force on this plan.")
			}
		})
	}
	c, as, err := opts.session(ctx)
	if err != nil {
		return err
	}
	ch, err := opts.set(ctx, c, as, *opts.Set)
	if err != nil {
		return err
	}
	return opts.emit(ch, func(w *textOut) {
		if ch.From == ch.To {
			w.Printf("%s is already %s.\n", opts.title, ch.To)
			return
		}
		w.Printf("%s turned %s (was %s) by %s.\n", opts.title, ch.To, ch.From, ch.By)
	})
}

func newRoutingCmd(a *app, runF func(context.Context, *toggleOptions) error) *cobra.Command {
	return newToggleCmd(a, toggle{use: "routing", title: "Contact owner-based routing", key: "contact_owner_routing",
		example: `  switchboard routing          # show the state, and why it is locked if it is
  switchboard routing on
  switchboard --as carol routing on   # not an admin: exit 4, nothing changes`,
		get: func(s inbox.SettingsView) toggleState {
			return toggleState{On: s.ContactOwnerRouting, InForce: s.OwnerRoutingActive, Locked: s.OwnerRoutingLock}
		},
		set: func(ctx context.Context, c inbox.Conn, by string, on bool) (inbox.SettingChange, error) {
			return inbox.OpSetOwnerRouting.Call(ctx, c, inbox.ToggleReq{On: on})
		}}, runF)
}

func newRoundrobinCmd(a *app, runF func(context.Context, *toggleOptions) error) *cobra.Command {
	return newToggleCmd(a, toggle{use: "roundrobin", title: "Round robin", key: "round_robin",
		example: `  switchboard roundrobin
  switchboard roundrobin off`,
		get: func(s inbox.SettingsView) toggleState {
			return toggleState{On: s.RoundRobin, InForce: s.RoundRobinActive, Locked: s.RoundRobinLock}
		},
		set: func(ctx context.Context, c inbox.Conn, by string, on bool) (inbox.SettingChange, error) {
			return inbox.OpSetRoundRobin.Call(ctx, c, inbox.ToggleReq{On: on})
		}}, runF)
}

func validStatus(s string) bool { return s == "online" || s == "away" || s == "offline" }

// presenceOptions is what `presence` parsed: whose status (empty: your own) and the new one
// (empty: show it).
type presenceOptions struct {
	*app
	Operator, Status string
}

func newPresenceCmd(a *app, runF func(context.Context, *presenceOptions) error) *cobra.Command {
	opts := &presenceOptions{app: a}
	cmd := &cobra.Command{
		Use:   "presence [OPERATOR] [online|away|offline|auto]",
		Short: "Show or set an operator's status (your own, or anyone's for an admin)",
		Long: `Show or set an operator's status. Away and offline operators keep their conversations;
they only leave round robin (and, with the owner-away wait set, their contacts' new and
reopened conversations go to a cover). Coming online, they take what waits in their teams'
backlogs. With no argument it shows your own status.

A status follows the operator's sessions unless it was set by hand — for an operator who
signs in by SSH key, their SSH sessions (switchboard serve --ssh) and the terminal inboxes they
open on this machine: online while a session is open and a key was pressed within the idle time (presence
idle, 10 minutes unless an admin changed it), away past it, offline with no session. A status
set here stays until it is set back to auto.`,
		Example: `  switchboard --as carol presence away
  switchboard presence bob online      # an admin sets someone else's
  switchboard presence auto            # follow my sessions again
  switchboard presence idle 15m        # admins: away after 15 minutes without a key
  switchboard presence`,
		Args: cobra.MaximumNArgs(2),
		RunE: a.runE(func(ctx context.Context, cmd *cobra.Command, args []string) error {
			switch len(args) {
			case 1:
				if validStatus(args[0]) || args[0] == "auto" {
					opts.Status = args[0]
				} else {
					opts.Operator = args[0] // presence ID: show theirs
				}
			case 2:
				opts.Operator, opts.Status = args[0], args[1]
			}
			if opts.Status != "" && !validStatus(opts.Status) && opts.Status != "auto" {
				return usagef("status %q: use online, away, offline or auto", opts.Status)
			}
			return runOr(ctx, opts, runF, presenceRun)
		}),
	}
	cmd.AddCommand(newPresenceIdleCmd(a))
	return cmd
}

// newPresenceIdleCmd: `presence idle [DURATION]`, how long without a key press an operator
// whose status follows their sessions stays online.
func newPresenceIdleCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "idle [DURATION]",
		Short: "Show or set how long without a key press counts as away (admins set it)",
		Example: `  switchboard presence idle
  switchboard presence idle 15m
  switchboard presence idle 0      # back to the default, 10m`,
		Args: cobra.MaximumNArgs(1),
		RunE: a.runE(func(ctx context.Context, cmd *cobra.Command, args []string) error {
			c, _, err := a.session(ctx)
			if err != nil {
				return err
			}
			if len(args) == 1 {
				var d inbox.Duration
				if err := d.UnmarshalText([]byte(args[0])); err != nil {
					return usagef("%v", err)
				}
				ch, err := inbox.OpSetPresenceIdle.Call(ctx, c, inbox.IdleReq{Idle: d})
				if err != nil {
					return err
				}
				return a.emit(ch, func(w *textOut) {
					if ch.From == ch.To {
						w.Printf("People are away after %s without a key press (unchanged).\n", ch.To)
						return
					}
					w.Printf("People are away after %s without a key press (was %s).\n", ch.To, ch.From)
				})
			}
			s, err := inbox.OpSettings.Call(ctx, c, inbox.None{})
			if err != nil {
				return err
			}
			d := s.PresenceIdle
			if d == 0 {
				d = inbox.Duration(inbox.DefaultPresenceIdle)
			}
			return a.emit(map[string]string{"presence_idle": d.String()}, func(w *textOut) {
				w.Printf("People whose status follows their sessions are away after %s without a key press.\n", d)
			})
		}),
	}
}

func presenceRun(ctx context.Context, opts *presenceOptions) error {
	c, as, err := opts.session(ctx)
	if err != nil {
		return err
	}
	who := opts.Operator
	if who == "" {
		who = as
	}
	switch opts.Status {
	case "":
	case "auto":
		if err := run0(ctx, inbox.OpSetPresenceAuto, c, inbox.AutoReq{Operator: who}); err != nil {
			return err
		}
	default:
		if err := run0(ctx, inbox.OpSetPresence, c, inbox.PresenceReq{Operator: who, Status: opts.Status}); err != nil {
			return err
		}
	}
	ops, err := inbox.OpOperators.Call(ctx, c, inbox.None{})
	if err != nil {
		return err
	}
	o, _ := findOp(ops, who)
	return opts.emit(o, func(w *textOut) {
		if len(o.Keys) == 0 {
			// no SSH key: their status is only ever set by hand, nothing more to say
			w.Printf("%s is %s.\n", named(o.Name, o.ID), o.Status)
			return
		}
		how := "follows their sessions (SSH and terminal inbox)"
		if o.PresenceManual {
			how = "set by hand; `presence auto` hands it back to their sessions"
		}
		since := ""
		if !o.StatusSince.IsZero() {
			since = " since " + o.StatusSince.Local().Format("Jan 2 15:04")
			if o.StatusWhy != "" && o.StatusWhy != "set by hand" {
				since += " (" + o.StatusWhy + ")"
			}
		}
		w.Printf("%s is %s%s: %s.\n", named(o.Name, o.ID), o.Status, since, how)
	})
}

type whoami struct {
	Operator inbox.OperatorView `json:"operator"`
	DB       string             `json:"db"`
	Via      string             `json:"via"` // "socket", "file" or "ssh"
	Owner    *rpc.Info          `json:"owner,omitempty"`
}

type whoamiOptions struct{ *app }

func newWhoamiCmd(a *app, runF func(context.Context, *whoamiOptions) error) *cobra.Command {
	opts := &whoamiOptions{app: a}
	return &cobra.Command{
		Use:   "whoami",
		Short: "Who the commands act as, and how they reach the workspace",
		Example: `  switchboard whoami
  SWITCHBOARD_AS=carol switchboard whoami --json`,
		Args: cobra.NoArgs,
		RunE: a.runE(func(ctx context.Context, cmd *cobra.Command, args []string) error {
			return runOr(ctx, opts, runF, whoamiRun)
		}),
	}
}

func whoamiRun(ctx context.Context, opts *whoamiOptions) error {
	c, as, err := opts.session(ctx)
	if err != nil {
		return err
	}
	ops, err := inbox.OpOperators.Call(ctx, c, inbox.None{})
	if err != nil {
		return err
	}
	o, _ := findOp(ops, as)
	conn := opts.conn
	res := whoami{Operator: o, DB: conn.Path, Via: "file", Owner: conn.Owner}
	switch {
	case opts.remote != nil:
		res.Via = "ssh"
	case conn.Owner != nil:
		res.Via = "socket"
	}
	return opts.emit(res, func(w *textOut) {
		teams := "no team"
		if len(o.Teams) > 0 {
			teams = "teams: " + strings.Join(o.Teams, ", ")
		}
		w.Printf("%s — %s, %s, %s\n", o.ID, o.Name, o.Role, o.Status)
		w.Printf("%s\n", teams)
		if res.Via == "ssh" {
			w.Printf("workspace: %s, over SSH as the operator your key belongs to\n", res.DB)
		} else if conn.Owner != nil {
			w.Printf("workspace: %s, through %s\n", res.DB, conn.Owner.Describe())
		} else {
			w.Printf("workspace: %s (opened directly; no switchboard process owns it)\n", res.DB)
		}
	})
}
