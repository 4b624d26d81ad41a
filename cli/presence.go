package cli

import (
	"context"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"switchboard/inbox"
	"switchboard/routing"
)

// Routing that knows who is there: `routing away-wait`, `hours`, `holiday`, `roundrobin mode`,
// `capacity` (and `operators edit --max-open`, in operators.go). Every change is an admin's,
// recorded in the settings history; bad input is a usage error (exit 2) that says what was
// wrong and what to give, and changes nothing.

func presenceCmds(a *app) []*cobra.Command {
	return []*cobra.Command{newHoursCmd(a, nil), newHolidayCmd(a, nil), newCapacityCmd(a, nil)}
}

// negativeIsAValue makes a negative value given to cmd ("-1", "-5m": what cobra would take for a
// flag) the usage error its parser gives, rather than "unknown shorthand flag".
func negativeIsAValue(cmd *cobra.Command, parse func(string) error) *cobra.Command {
	cmd.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		// pflag says: unknown shorthand flag: '1' in -1
		msg := err.Error()
		if i := strings.LastIndex(msg, " in -"); i >= 0 && strings.HasPrefix(msg, "unknown shorthand flag") {
			if arg := msg[i+4:]; len(arg) > 1 && arg[1] >= '0' && arg[1] <= '9' {
				if perr := parse(arg); perr != nil {
					return usagef("%v", perr)
				}
			}
		}
		return usagef("%v", err)
	})
	return cmd
}

// printChange prints what a settings change did, as the toggles do; words, when given, says the
// values as the settings screen and its history do ("Owner away wait: off (the owner gets it
// anyway) → 0 (a cover at once), by maya."; the JSON keeps the values).
func (a *app) printChange(title string, ch inbox.SettingChange, words ...func(string) string) error {
	say := func(v string) string { return v }
	if len(words) > 0 {
		say = words[0]
	}
	return a.emit(ch, func(w *textOut) {
		switch {
		case ch.From == ch.To:
			w.Printf("%s is already %s.\n", title, say(ch.To))
		case len(words) > 0:
			w.Printf("%s: %s → %s, by %s.\n", title, say(ch.From), say(ch.To), ch.By)
		default:
			w.Printf("%s set to %s (was %s) by %s.\n", title, ch.To, ch.From, ch.By)
		}
	})
}

// settingOptions is what a command that sets one value parsed: Value nil shows it.
type settingOptions struct {
	*app
	Value *string
}

// ---- routing away-wait ----

func newAwayWaitCmd(a *app, runF func(context.Context, *settingOptions) error) *cobra.Command {
	opts := &settingOptions{app: a}
	return negativeIsAValue(&cobra.Command{
		Use:   "away-wait [off|DURATION]",
		Short: "Show or set what happens when a contact's owner is away or offline (admins)",
		Long: `With contact owner-based routing on, a new or reopened conversation goes back to its owner
(rule 2a). When the owner is away or offline, the owner-away wait decides:

  off       the owner gets it anyway (as without this setting)
  0         the owner stays the owner, and a cover takes it now: round robin in the
            conversation's team picks someone (no automation rules), or Bot when nobody can
  DURATION  the owner gets it now; if they are still not online and nobody has replied
            when the wait runs out, a cover takes it (Go syntax: 90s, 10m, 1h30m; a week at most)

A cover stands in for the owner until the conversation closes or a person assigns it; the
next reopen goes back to the owner.`,
		Example: `  switchboard routing away-wait          # show it
  switchboard routing away-wait 10m
  switchboard routing away-wait 0        # a cover at once
  switchboard routing away-wait off`,
		Args: cobra.MaximumNArgs(1),
		RunE: a.runE(func(ctx context.Context, cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				if _, err := routing.ParseWait(args[0]); err != nil {
					return usagef("%v", err)
				}
				opts.Value = &args[0]
			}
			return runOr(ctx, opts, runF, awayWaitRun)
		}),
	}, func(v string) error { _, err := routing.ParseWait(v); return err })
}

func awayWaitRun(ctx context.Context, opts *settingOptions) error {
	if opts.Value == nil {
		sv, err := opts.settingsView(ctx)
		if err != nil {
			return err
		}
		return opts.emit(map[string]any{"setting": "owner_away_wait", "value": sv.AwayWaitText, "in_force": sv.OwnerRoutingActive},
			func(w *textOut) {
				w.Printf("Owner away wait: %s\n", routing.WaitWords(sv.AwayWaitText))
				if !sv.OwnerRoutingActive {
					w.Println("It applies only while contact owner-based routing is in force (it is not now).")
				}
			})
	}
	c, _, err := opts.session(ctx)
	if err != nil {
		return err
	}
	ch, err := inbox.OpSetAwayWait.Call(ctx, c, inbox.ValueReq{Value: *opts.Value})
	if err != nil {
		return err
	}
	return opts.printChange("Owner away wait", ch, routing.WaitWords)
}

// ---- hours ----

// hoursOptions is what `hours set` and `hours clear` parsed.
type hoursOptions struct {
	*app
	Change inbox.HoursChange
}

func newHoursCmd(a *app, runF func(context.Context, *hoursOptions) error) *cobra.Command {
	show := func(ctx context.Context, cmd *cobra.Command, args []string) error { return hoursShow(ctx, a) }
	cmd := a.parent("hours", "Show or set working hours: round robin runs only within them (admins change them)",
		`  switchboard hours                                   # show them, and whether they are open now
  switchboard hours set mon-fri 09:00-17:00 --tz Europe/Berlin
  switchboard hours set sat 10:00-14:00
  switchboard hours set wed 09:00-12:00 13:00-17:00   # a day may have several ranges
  switchboard hours clear sat,sun                     # those days closed
  switchboard hours clear                             # no hours: always open`, show)
	showCmd := &cobra.Command{Use: "show", Short: "Show the working hours and whether they are open now", Args: cobra.NoArgs,
		Example: "  switchboard hours show\n  switchboard hours show --json | jq .now", RunE: a.runE(show)}
	cmd.AddCommand(showCmd, newHoursSetCmd(a, runF), newHoursClearCmd(a, runF))
	return cmd
}

func newHoursSetCmd(a *app, runF func(context.Context, *hoursOptions) error) *cobra.Command {
	opts := &hoursOptions{app: a}
	cmd := &cobra.Command{
		Use:   "set DAYS HH:MM-HH:MM [HH:MM-HH:MM...]",
		Short: "Set the working hours of some days (admins)",
		Long: `Set the working hours of the days named: they replace what those days had; other days keep
theirs. DAYS is a day (mon), a range (mon-fri), a list (sat,sun) or both (mon,wed-fri). A range
of hours stays within one day (24:00 ends it). Once a day has hours, a day without is closed.
Outside working hours (and in holiday mode) round robin does not run: where it would, Bot
takes the conversation in its team's backlog, and round robin gives the backlog out, oldest
first, when the hours start. Owner routing (rules 1 and 2) still applies.`,
		Example: `  switchboard hours set mon-fri 09:00-17:00 --tz Europe/Berlin
  switchboard hours set sat,sun 10:00-14:00
  switchboard hours set mon-sun 00:00-24:00          # always open, on the clock`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) < 2 {
				return usagef("give the days and at least one range, like: hours set mon-fri 09:00-17:00")
			}
			return nil
		},
		RunE: a.runE(func(ctx context.Context, cmd *cobra.Command, args []string) error {
			if _, err := routing.ParseDays(args[0]); err != nil {
				return usagef("%v", err)
			}
			if _, err := routing.ParseSpans(args[1:]); err != nil {
				return usagef("%v", err)
			}
			if _, err := inbox.LoadZone(opts.Change.TZ); err != nil {
				return usagef("--tz: %v", err)
			}
			opts.Change.Days, opts.Change.Ranges = args[0], args[1:]
			return runOr(ctx, opts, runF, hoursRun)
		}),
	}
	cmd.Flags().StringVar(&opts.Change.TZ, "tz", "", "the IANA time zone of the hours, like Europe/Berlin (default: as before, else UTC)")
	return cmd
}

func newHoursClearCmd(a *app, runF func(context.Context, *hoursOptions) error) *cobra.Command {
	opts := &hoursOptions{app: a}
	return &cobra.Command{
		Use:   "clear [DAYS]",
		Short: "Clear the working hours of some days, or all of them (admins; none: always open)",
		Example: `  switchboard hours clear sun
  switchboard hours clear`,
		Args: cobra.MaximumNArgs(1),
		RunE: a.runE(func(ctx context.Context, cmd *cobra.Command, args []string) error {
			opts.Change.Clear = true
			if len(args) == 1 {
				if _, err := routing.ParseDays(args[0]); err != nil {
					return usagef("%v", err)
				}
				opts.Change.Days = args[0]
			}
			return runOr(ctx, opts, runF, hoursRun)
		}),
	}
}

func hoursRun(ctx context.Context, opts *hoursOptions) error {
	c, _, err := opts.session(ctx)
	if err != nil {
		return err
	}
	ch, err := inbox.OpChangeHours.Call(ctx, c, opts.Change)
	if err != nil {
		return err
	}
	return opts.printChange("Working hours", ch)
}

// hoursState is what `hours` shows.
type hoursState struct {
	Hours   *inbox.Hours `json:"hours"`
	Text    string       `json:"text"`
	Open    bool         `json:"open"`
	Now     string       `json:"now"`
	Holiday bool         `json:"holiday"`
}

func hoursShow(ctx context.Context, a *app) error {
	sv, err := a.settingsView(ctx)
	if err != nil {
		return err
	}
	st := hoursState{Hours: sv.Hours, Text: sv.HoursText, Open: sv.HoursOpen, Now: sv.HoursNow, Holiday: sv.Holiday}
	return a.emit(st, func(w *textOut) {
		w.Printf("Working hours: %s\n", st.Text)
		w.Printf("Now: %s\n", st.Now)
		w.Printf("Holiday mode: %s\n", onOff(st.Holiday))
		if !sv.RoundRobinActive {
			w.Println("Round robin is not in force, so the hours change nothing now.")
		}
	})
}

// ---- holiday ----

func newHolidayCmd(a *app, runF func(context.Context, *toggleOptions) error) *cobra.Command {
	cmd := newToggleCmd(a, toggle{use: "holiday", title: "Holiday mode", key: "holiday",
		example: `  switchboard holiday          # show it
  switchboard holiday on       # round robin stops: Bot keeps new conversations in the backlog
  switchboard holiday off      # round robin gives the backlog out, oldest first`,
		get: func(s inbox.SettingsView) toggleState {
			return toggleState{On: s.Holiday, InForce: s.Holiday && s.RoundRobinActive}
		},
		set: func(ctx context.Context, c inbox.Conn, by string, on bool) (inbox.SettingChange, error) {
			return inbox.OpSetHoliday.Call(ctx, c, inbox.ToggleReq{On: on})
		}}, runF)
	cmd.Short = "Show, or turn holiday mode on or off (admins): round robin does not run while it is on"
	return cmd
}

// ---- roundrobin mode ----

func newModeCmd(a *app, runF func(context.Context, *settingOptions) error) *cobra.Command {
	opts := &settingOptions{app: a}
	return &cobra.Command{
		Use:   "mode [round_robin|balanced]",
		Short: "Show or set how round robin picks (admins)",
		Long: `round_robin picks the candidate picked least recently; balanced the candidate with the fewest
open conversations (ties: least recently picked, then the team's member order). Candidates
are the team's operators (not admins) who are online and below their capacity.`,
		Example: `  switchboard roundrobin mode
  switchboard roundrobin mode balanced`,
		Args: cobra.MaximumNArgs(1),
		RunE: a.runE(func(ctx context.Context, cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				if _, err := routing.ParseAssignment(args[0]); err != nil {
					return usagef("%v", err)
				}
				opts.Value = &args[0]
			}
			return runOr(ctx, opts, runF, modeRun)
		}),
	}
}

func modeRun(ctx context.Context, opts *settingOptions) error {
	if opts.Value == nil {
		sv, err := opts.settingsView(ctx)
		if err != nil {
			return err
		}
		return opts.emit(map[string]any{"setting": "assignment", "value": sv.AssignmentMode}, func(w *textOut) {
			w.Printf("Round robin mode: %s\n", sv.AssignmentMode)
		})
	}
	c, _, err := opts.session(ctx)
	if err != nil {
		return err
	}
	ch, err := inbox.OpSetAssignment.Call(ctx, c, inbox.ValueReq{Value: strings.ToLower(*opts.Value)})
	if err != nil {
		return err
	}
	return opts.printChange("Round robin mode", ch)
}

// ---- capacity ----

// capacityOptions is what `capacity default` parsed.
type capacityOptions struct {
	*app
	N int
}

func newCapacityCmd(a *app, runF func(context.Context, *capacityOptions) error) *cobra.Command {
	show := func(ctx context.Context, cmd *cobra.Command, args []string) error { return capacityShow(ctx, a) }
	cmd := a.parent("capacity", "Show each operator's open conversations and capacity; set the default (admins)",
		`  switchboard capacity                         # open and max per operator
  switchboard capacity default 8               # operators without their own: at most 8 open
  switchboard capacity default 0               # no limit
  switchboard operators edit zoe --max-open 5  # Zoe's own (--max-open default: the default again)`, show)
	opts := &capacityOptions{app: a}
	def := &cobra.Command{
		Use:   "default N",
		Short: "Set the capacity of operators without their own: at most N open conversations (0: no limit)",
		Long: `Round robin and the backlog skip an operator who has as many open conversations as their
capacity allows ("skipped (at capacity 8/8)"); the owner (rules 1 and 2), a rule naming an
operator and a person's assignment do not look at it.`,
		Example: "  switchboard capacity default 8",
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usagef("give the number of open conversations, like: capacity default 8 (0 for no limit)")
			}
			return nil
		},
		RunE: a.runE(func(ctx context.Context, cmd *cobra.Command, args []string) error {
			n, err := routing.ParseCapacity(args[0])
			if err != nil {
				return usagef("%v", err)
			}
			opts.N = n
			return runOr(ctx, opts, runF, capacityRun)
		}),
	}
	cmd.AddCommand(negativeIsAValue(def, func(v string) error { _, err := routing.ParseCapacity(v); return err }))
	return cmd
}

func capacityRun(ctx context.Context, opts *capacityOptions) error {
	c, _, err := opts.session(ctx)
	if err != nil {
		return err
	}
	ch, err := inbox.OpSetDefaultMaxOpen.Call(ctx, c, inbox.CountReq{N: opts.N})
	if err != nil {
		return err
	}
	return opts.printChange("Default capacity", ch)
}

func capacityShow(ctx context.Context, a *app) error {
	c, err := a.connect()
	if err != nil {
		return err
	}
	rep, err := inbox.OpCapacity.Call(ctx, c, inbox.None{})
	if err != nil {
		return err
	}
	return a.emit(rep, func(w *textOut) {
		w.Printf("Default capacity: %s\n", routing.CapacityText(rep.Default))
		tw := w.Table("", 2, 0, nameCells)
		tw.Row("ID", "NAME", "OPEN", "MAX", "FROM")
		for _, o := range rep.Operators {
			from := "default"
			if o.Own != nil {
				from = "own"
			}
			tw.Row(o.Operator, o.Name, strconv.Itoa(o.Open), routing.CapacityText(o.MaxOpen), from)
		}
		tw.Flush()
	})
}
