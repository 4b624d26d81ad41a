package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"switchboard/inbox"
	"switchboard/inbox/rpc"
)

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

func (a *app) toggleCmd(use, title, key, example string, get func(inbox.SettingsView) toggleState,
	set func(ctx context.Context, c rpc.API, by string, on bool) (inbox.SettingChange, error)) *cobra.Command {
	return &cobra.Command{
		Use:     use + " [on|off]",
		Short:   "Show, or turn " + strings.ToLower(title[:1]) + title[1:] + " on or off (admins)",
		Example: example,
		Args:    cobra.MaximumNArgs(1),
		RunE: a.runE(func(ctx context.Context, cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				c, err := a.connect()
				if err != nil {
					return err
				}
				sv, err := c.Settings(ctx)
				if err != nil {
					return err
				}
				st := get(sv)
				st.Setting, st.Plan = key, sv.Plan
				return a.emit(st, func(w *textOut) {
					w.Printf("%s: %s (plan: %s)\n", title, onOff(st.On), st.Plan)
					if st.Locked != "" {
						w.Printf("Locked: %s\n", st.Locked)
					} else if st.On != st.InForce {
						w.Println("It is not in force on this plan.")
					}
				})
			}
			on, err := parseOnOff(args[0])
			if err != nil {
				return err
			}
			c, as, err := a.session(ctx)
			if err != nil {
				return err
			}
			ch, err := set(ctx, c, as, on)
			if err != nil {
				return err
			}
			return a.emit(ch, func(w *textOut) {
				if ch.From == ch.To {
					w.Printf("%s is already %s.\n", title, ch.To)
					return
				}
				w.Printf("%s turned %s (was %s) by %s.\n", title, ch.To, ch.From, ch.By)
			})
		}),
	}
}

func (a *app) routingCmd() *cobra.Command {
	return a.toggleCmd("routing", "Contact owner-based routing", "contact_owner_routing",
		`  switchboard routing          # show the state, and why it is locked if it is
  switchboard routing on
  switchboard --as carol routing on   # not an admin: exit 4, nothing changes`,
		func(s inbox.SettingsView) toggleState {
			return toggleState{On: s.ContactOwnerRouting, InForce: s.OwnerRoutingActive, Locked: s.OwnerRoutingLock}
		},
		func(ctx context.Context, c rpc.API, by string, on bool) (inbox.SettingChange, error) {
			return c.SetOwnerRouting(ctx, by, on)
		})
}

func (a *app) roundrobinCmd() *cobra.Command {
	return a.toggleCmd("roundrobin", "Round robin", "round_robin",
		`  switchboard roundrobin
  switchboard roundrobin off`,
		func(s inbox.SettingsView) toggleState {
			return toggleState{On: s.RoundRobin, InForce: s.RoundRobinActive, Locked: s.RoundRobinLock}
		},
		func(ctx context.Context, c rpc.API, by string, on bool) (inbox.SettingChange, error) {
			return c.SetRoundRobin(ctx, by, on)
		})
}

func validStatus(s string) bool { return s == "online" || s == "away" || s == "offline" }

func findOp(ops []inbox.OperatorView, id string) (inbox.OperatorView, bool) {
	for _, o := range ops {
		if o.ID == id {
			return o, true
		}
	}
	return inbox.OperatorView{}, false
}

func (a *app) presenceCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "presence [OPERATOR] [online|away|offline]",
		Short: "Show or set an operator's status (your own, or anyone's for an admin)",
		Long: `Show or set an operator's status. Away and offline operators keep their conversations;
they only leave round robin. With no argument it shows your own status.`,
		Example: `  switchboard --as carol presence away
  switchboard presence bob online      # an admin sets someone else's
  switchboard presence`,
		Args: cobra.MaximumNArgs(2),
		RunE: a.runE(func(ctx context.Context, cmd *cobra.Command, args []string) error {
			var who, status string
			switch len(args) {
			case 1:
				status = args[0]
			case 2:
				who, status = args[0], args[1]
			}
			if len(args) > 0 && !validStatus(status) {
				return usagef("status %q: use online, away or offline", status)
			}
			c, as, err := a.session(ctx)
			if err != nil {
				return err
			}
			if who == "" {
				who = as
			}
			if status != "" {
				if err := c.SetPresence(ctx, as, who, status); err != nil {
					return err
				}
			}
			ops, err := c.Operators(ctx)
			if err != nil {
				return err
			}
			o, _ := findOp(ops, who)
			return a.emit(o, func(w *textOut) {
				w.Printf("%s is %s.\n", named(o.Name, o.ID), o.Status)
			})
		}),
	}
}

type whoami struct {
	Operator inbox.OperatorView `json:"operator"`
	DB       string             `json:"db"`
	Via      string             `json:"via"` // "socket" or "file"
	Owner    *rpc.Info          `json:"owner,omitempty"`
}

func (a *app) whoamiCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "whoami",
		Short: "Who the commands act as, and how they reach the workspace",
		Example: `  switchboard whoami
  SWITCHBOARD_AS=carol switchboard whoami --json`,
		Args: cobra.NoArgs,
		RunE: a.runE(func(ctx context.Context, cmd *cobra.Command, args []string) error {
			c, as, err := a.session(ctx)
			if err != nil {
				return err
			}
			ops, err := c.Operators(ctx)
			if err != nil {
				return err
			}
			o, _ := findOp(ops, as)
			res := whoami{Operator: o, DB: a.conn.Path, Via: "file", Owner: a.conn.Owner}
			if a.conn.Owner != nil {
				res.Via = "socket"
			}
			return a.emit(res, func(w *textOut) {
				teams := "no team"
				if len(o.Teams) > 0 {
					teams = "teams: " + strings.Join(o.Teams, ", ")
				}
				w.Printf("%s — %s, %s, %s\n", o.ID, o.Name, o.Role, o.Status)
				w.Printf("%s\n", teams)
				if a.conn.Owner != nil {
					w.Printf("workspace: %s, through %s\n", res.DB, a.conn.Owner.Describe())
				} else {
					w.Printf("workspace: %s (opened directly; no switchboard process owns it)\n", res.DB)
				}
			})
		}),
	}
}

// ---- operators ----

func (a *app) operatorsCmd() *cobra.Command {
	list := func(ctx context.Context, cmd *cobra.Command, args []string) error {
		c, err := a.connect()
		if err != nil {
			return err
		}
		ops, err := c.Operators(ctx)
		if err != nil {
			return err
		}
		return a.emit(ops, func(w *textOut) {
			if len(ops) == 0 {
				w.Println("No operators yet: add the first admin with `switchboard operators add ID --name NAME --role admin`.")
				return
			}
			tw := w.Table("", 2, 0, nameCells)
			tw.Row("ID", "NAME", "ROLE", "STATUS", "TEAMS")
			for _, o := range ops {
				tw.Row(o.ID, o.Name, o.Role, o.Status, orDash(strings.Join(o.Teams, ",")))
			}
			tw.Flush()
		})
	}
	cmd := a.parent("operators", "List, add, edit or remove operators (admins change them)",
		`  switchboard operators
  switchboard operators add zoe --name "Zoe Park" --role operator --status online
  switchboard operators edit zoe --role admin
  switchboard operators remove zoe`, list)
	cmd.AddCommand(&cobra.Command{Use: "list", Short: "List operators", Args: cobra.NoArgs,
		Example: "  switchboard operators list --json", RunE: a.runE(list)})

	show := func(ctx context.Context, c rpc.API, id, verb string) error {
		ops, err := c.Operators(ctx)
		if err != nil {
			return err
		}
		o, _ := findOp(ops, id)
		return a.emit(o, func(w *textOut) {
			w.Printf("Operator %s %s: %s, %s.\n", named(o.Name, o.ID), verb, o.Role, o.Status)
		})
	}
	var o inbox.Operator
	addc := &cobra.Command{
		Use: "add ID", Short: "Add an operator (admins; anyone may add the first admin)", Args: cobra.ExactArgs(1),
		Example: `  switchboard operators add alice --name "Alice Ng" --role admin
  switchboard operators add zoe --name "Zoe Park" --status online`,
		RunE: a.runE(func(ctx context.Context, cmd *cobra.Command, args []string) error {
			c, err := a.connect()
			if err != nil {
				return err
			}
			// the first admin of an empty workspace is added by nobody in particular
			as, err := a.actor(ctx, c)
			if err != nil && inbox.KindOf(err) != inbox.NotFound {
				return err
			}
			o.ID = args[0]
			if err := c.AddOperator(ctx, as, o); err != nil {
				return err
			}
			return show(ctx, c, o.ID, "added")
		}),
	}
	addc.Flags().StringVar(&o.Name, "name", "", "the operator's name (required)")
	addc.Flags().StringVar(&o.Role, "role", "operator", "operator or admin")
	addc.Flags().StringVar(&o.Status, "status", "offline", "online, away or offline")
	addc.MarkFlagRequired("name")

	var ename, erole, estatus string
	edit := &cobra.Command{
		Use: "edit ID", Short: "Change an operator's name, role or status (admins)", Args: cobra.ExactArgs(1),
		Example: `  switchboard operators edit zoe --name "Zoe Park-Lee"
  switchboard operators edit zoe --role admin`,
		RunE: a.runE(func(ctx context.Context, cmd *cobra.Command, args []string) error {
			f := cmd.Flags()
			if !f.Changed("name") && !f.Changed("role") && !f.Changed("status") {
				return usagef("nothing to change: give --name, --role or --status")
			}
			c, as, err := a.session(ctx)
			if err != nil {
				return err
			}
			ops, err := c.Operators(ctx)
			if err != nil {
				return err
			}
			cur, ok := findOp(ops, args[0])
			if !ok {
				return &inbox.Error{Kind: inbox.NotFound, Msg: fmt.Sprintf("Operator %q not found; see `switchboard operators`", args[0])}
			}
			op := cur.Operator
			if f.Changed("name") {
				op.Name = ename
			}
			if f.Changed("role") {
				op.Role = erole
			}
			if f.Changed("status") {
				op.Status = estatus
			}
			if err := c.UpdateOperator(ctx, as, op); err != nil {
				return err
			}
			return show(ctx, c, op.ID, "changed")
		}),
	}
	edit.Flags().StringVar(&ename, "name", "", "new name")
	edit.Flags().StringVar(&erole, "role", "", "operator or admin")
	edit.Flags().StringVar(&estatus, "status", "", "online, away or offline")

	remove := &cobra.Command{
		Use: "remove ID", Short: "Remove an operator (admins): out of every team, unassigned, no longer an owner",
		Args: cobra.ExactArgs(1), Example: "  switchboard operators remove zoe",
		RunE: a.runE(func(ctx context.Context, cmd *cobra.Command, args []string) error {
			c, as, err := a.session(ctx)
			if err != nil {
				return err
			}
			if err := c.DeleteOperator(ctx, as, args[0]); err != nil {
				return err
			}
			return a.emit(map[string]any{"id": args[0], "removed": true}, func(w *textOut) {
				w.Printf("Operator %s removed.\n", args[0])
			})
		}),
	}
	cmd.AddCommand(addc, edit, remove)
	return cmd
}

// ---- teams ----

func splitList(s string) []string {
	out := []string{}
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func (a *app) teamsCmd() *cobra.Command {
	list := func(ctx context.Context, cmd *cobra.Command, args []string) error {
		c, err := a.connect()
		if err != nil {
			return err
		}
		teams, err := c.Teams(ctx)
		if err != nil {
			return err
		}
		sv, err := c.Settings(ctx)
		if err != nil {
			return err
		}
		return a.emit(teams, func(w *textOut) {
			if len(teams) == 0 {
				w.Println("No teams yet: add one with `switchboard teams add ID --name NAME`.")
				return
			}
			tw := w.Table("", 2, 0, nameCells)
			tw.Row("ID", "NAME", "MEMBERS", "DEFAULT")
			for _, t := range teams {
				def := ""
				if t.ID == sv.DefaultTeam {
					def = "yes"
				}
				tw.Row(t.ID, t.Name, orDash(strings.Join(t.Members, ",")), def)
			}
			tw.Flush()
		})
	}
	cmd := a.parent("teams", "List, add, edit or remove teams and their members (admins change them)",
		`  switchboard teams
  switchboard teams add vip --name "VIP desk" --members carol,erin
  switchboard teams edit vip --name "VIP" --default
  switchboard teams members add vip frank
  switchboard teams remove vip`, list)
	cmd.AddCommand(&cobra.Command{Use: "list", Short: "List teams", Args: cobra.NoArgs,
		Example: "  switchboard teams list --json", RunE: a.runE(list)})

	done := func(id, msg string) error {
		return a.emit(map[string]any{"id": id, "done": msg}, func(w *textOut) { w.Println(msg) })
	}
	var name, members string
	addc := &cobra.Command{
		Use: "add ID", Short: "Add a team (admins); the first team becomes the default", Args: cobra.ExactArgs(1),
		Example: `  switchboard teams add vip --name "VIP desk" --members carol,erin`,
		RunE: a.runE(func(ctx context.Context, cmd *cobra.Command, args []string) error {
			c, as, err := a.session(ctx)
			if err != nil {
				return err
			}
			if err := c.AddTeam(ctx, as, inbox.Team{ID: args[0], Name: name, Members: splitList(members)}); err != nil {
				return err
			}
			return done(args[0], fmt.Sprintf("Team %s added.", named(name, args[0])))
		}),
	}
	addc.Flags().StringVar(&name, "name", "", "the team's name (required)")
	addc.Flags().StringVar(&members, "members", "", "operator ids, comma-separated, in round-robin order")
	addc.MarkFlagRequired("name")

	var ename string
	var makeDefault bool
	edit := &cobra.Command{
		Use: "edit ID", Short: "Rename a team or make it the default (admins)", Args: cobra.ExactArgs(1),
		Example: `  switchboard teams edit vip --name "VIP"
  switchboard teams edit sales --default`,
		RunE: a.runE(func(ctx context.Context, cmd *cobra.Command, args []string) error {
			if !cmd.Flags().Changed("name") && !makeDefault {
				return usagef("nothing to change: give --name or --default")
			}
			c, as, err := a.session(ctx)
			if err != nil {
				return err
			}
			if cmd.Flags().Changed("name") {
				if err := c.RenameTeam(ctx, as, args[0], ename); err != nil {
					return err
				}
			}
			if makeDefault {
				if _, err := c.SetDefaultTeam(ctx, as, args[0]); err != nil {
					return err
				}
			}
			return done(args[0], fmt.Sprintf("Team %s changed.", args[0]))
		}),
	}
	edit.Flags().StringVar(&ename, "name", "", "new name")
	edit.Flags().BoolVar(&makeDefault, "default", false, "make it the default team")

	remove := &cobra.Command{
		Use: "remove ID", Short: "Remove a team with no conversations that is not the default (admins)",
		Args: cobra.ExactArgs(1), Example: "  switchboard teams remove vip",
		RunE: a.runE(func(ctx context.Context, cmd *cobra.Command, args []string) error {
			c, as, err := a.session(ctx)
			if err != nil {
				return err
			}
			if err := c.DeleteTeam(ctx, as, args[0]); err != nil {
				return err
			}
			return done(args[0], fmt.Sprintf("Team %s removed.", args[0]))
		}),
	}
	members2 := a.parent("members", "Add or remove a team's members (admins)",
		`  switchboard teams members add sales carol
  switchboard teams members remove sales carol`, nil)
	memberCmd := func(use, short, verb string, fn func(ctx context.Context, c rpc.API, as, team, op string) error) *cobra.Command {
		return &cobra.Command{
			Use: use + " TEAM OPERATOR", Short: short, Args: cobra.ExactArgs(2),
			Example: "  switchboard teams members " + use + " sales carol",
			RunE: a.runE(func(ctx context.Context, cmd *cobra.Command, args []string) error {
				c, as, err := a.session(ctx)
				if err != nil {
					return err
				}
				if err := fn(ctx, c, as, args[0], args[1]); err != nil {
					return err
				}
				return done(args[0], fmt.Sprintf("%s %s %s.", args[1], verb, args[0]))
			}),
		}
	}
	members2.AddCommand(
		memberCmd("add", "Add an operator to a team, last in round-robin order", "added to",
			func(ctx context.Context, c rpc.API, as, team, op string) error { return c.AddMember(ctx, as, team, op) }),
		memberCmd("remove", "Take an operator out of a team; their conversations there are unassigned", "removed from",
			func(ctx context.Context, c rpc.API, as, team, op string) error {
				return c.RemoveMember(ctx, as, team, op)
			}))
	cmd.AddCommand(addc, edit, remove, members2)
	return cmd
}

// ---- contacts ----

// findContact finds the contact a person names (number, BSUID, @username or id).
func findContact(ctx context.Context, c rpc.API, who string) (inbox.ContactView, bool, error) {
	ct, err := c.Contact(ctx, who)
	if inbox.KindOf(err) == inbox.NotFound {
		return inbox.ContactView{}, false, nil
	}
	return ct, err == nil, err
}

func (a *app) contactsCmd() *cobra.Command {
	var search string
	var limit int
	list := func(ctx context.Context, cmd *cobra.Command, args []string) error {
		c, err := a.connect()
		if err != nil {
			return err
		}
		cs, err := c.Contacts(ctx, search, limit)
		if err != nil {
			return err
		}
		return a.emit(cs, func(w *textOut) {
			if len(cs) == 0 {
				w.Println("No contacts match.")
				return
			}
			tw := w.Table("", 2, 0, nameCells)
			tw.Row("NUMBER", "NAME", "USERNAME", "BSUID", "OWNER", "TAGS")
			for _, ct := range cs {
				owner := "-"
				if ct.Owner != nil {
					owner = *ct.Owner
				}
				user := "-"
				if ct.Username != "" {
					user = "@" + ct.Username
				}
				tw.Row(ct.Number(), orDash(ct.Name), user, orDash(ct.BSUID), owner, orDash(strings.Join(ct.Tags, ",")))
			}
			tw.Flush()
		})
	}
	cmd := a.parent("contacts", "List, add, edit or remove contacts (admins change them)",
		`  switchboard contacts --search ortiz
  switchboard contacts add +15550007777 --name "Ivy Chen" --tags vip
  switchboard contacts edit +15550007777 --tags vip,wholesale
  switchboard contacts remove +15550007777

Owners change with `+"`switchboard owner CONTACT OPERATOR`"+`, so routing keeps owner and assignee in sync.`, list)
	for _, c := range []*cobra.Command{cmd} {
		c.Flags().StringVar(&search, "search", "", "names containing, or numbers starting with, this")
		c.Flags().IntVar(&limit, "limit", 200, "at most this many contacts")
	}
	lc := &cobra.Command{Use: "list", Short: "List or search contacts", Args: cobra.NoArgs,
		Example: "  switchboard contacts list --search 1555000", RunE: a.runE(list)}
	lc.Flags().StringVar(&search, "search", "", "names containing, or numbers starting with, this")
	lc.Flags().IntVar(&limit, "limit", 200, "at most this many contacts")
	cmd.AddCommand(lc)

	save := func(ctx context.Context, cmd *cobra.Command, phone, name, tags string, adding bool) error {
		c, as, err := a.session(ctx)
		if err != nil {
			return err
		}
		cur, exists, err := findContact(ctx, c, phone)
		if err != nil {
			return err
		}
		if adding && exists {
			return &inbox.Error{Kind: inbox.Conflict, Msg: fmt.Sprintf("Contact %s (%s) already exists; change it with `switchboard contacts edit`", cur.Display(), cur.Handle())}
		}
		if !adding && !exists {
			return &inbox.Error{Kind: inbox.NotFound, Msg: fmt.Sprintf("Contact %s not found; add it with `switchboard contacts add`", phone)}
		}
		rec := inbox.Contact{ID: phone, Name: cur.Name, Tags: cur.Tags}
		if exists {
			rec.ID = cur.ID
		}
		if cmd.Flags().Changed("name") {
			rec.Name = name
		}
		if cmd.Flags().Changed("tags") {
			rec.Tags = splitList(tags)
		}
		v, err := c.SaveContact(ctx, as, rec)
		if err != nil {
			return err
		}
		verb := "changed"
		if adding {
			verb = "added"
		}
		return a.emit(v, func(w *textOut) {
			w.Printf("Contact %s (%s) %s.\n", v.Display(), v.Handle(), verb)
		})
	}
	var aname, atags string
	addc := &cobra.Command{
		Use: "add PHONE", Short: "Add a contact (admins)", Args: cobra.ExactArgs(1),
		Example: `  switchboard contacts add +15550007777 --name "Ivy Chen" --tags vip`,
		RunE: a.runE(func(ctx context.Context, cmd *cobra.Command, args []string) error {
			return save(ctx, cmd, args[0], aname, atags, true)
		}),
	}
	addc.Flags().StringVar(&aname, "name", "", "the contact's name")
	addc.Flags().StringVar(&atags, "tags", "", "tags, comma-separated")
	var ename, etags string
	edit := &cobra.Command{
		Use: "edit PHONE", Short: "Change a contact's name or tags (admins)", Args: cobra.ExactArgs(1),
		Example: `  switchboard contacts edit +15550007777 --name "Ivy Chen-Wu" --tags vip,wholesale`,
		RunE: a.runE(func(ctx context.Context, cmd *cobra.Command, args []string) error {
			if !cmd.Flags().Changed("name") && !cmd.Flags().Changed("tags") {
				return usagef("nothing to change: give --name or --tags")
			}
			return save(ctx, cmd, args[0], ename, etags, false)
		}),
	}
	edit.Flags().StringVar(&ename, "name", "", "new name")
	edit.Flags().StringVar(&etags, "tags", "", "new tags, comma-separated (empty clears them)")
	remove := &cobra.Command{
		Use: "remove PHONE", Short: "Remove a contact with its conversation and timeline (admins)", Args: cobra.ExactArgs(1),
		Example: "  switchboard contacts remove +15550007777",
		RunE: a.runE(func(ctx context.Context, cmd *cobra.Command, args []string) error {
			c, as, err := a.session(ctx)
			if err != nil {
				return err
			}
			if err := c.DeleteContact(ctx, as, args[0]); err != nil {
				return err
			}
			return a.emit(map[string]any{"id": args[0], "removed": true}, func(w *textOut) {
				w.Printf("Contact %s removed, with its conversation.\n", args[0])
			})
		}),
	}
	cmd.AddCommand(addc, edit, remove)
	return cmd
}

// ---- rules ----

func (a *app) rulesCmd() *cobra.Command {
	list := func(ctx context.Context, cmd *cobra.Command, args []string) error {
		c, err := a.connect()
		if err != nil {
			return err
		}
		sv, err := c.Settings(ctx)
		if err != nil {
			return err
		}
		return a.emit(sv.Rules, func(w *textOut) {
			if len(sv.Rules) == 0 {
				w.Println("No automation rules.")
				return
			}
			tw := w.Table("", 2, 0, nameCells)
			tw.Row("#", "NAME", "CHANNEL", "KEYWORD", "TAG", "TO")
			for i, r := range sv.Rules {
				tw.Row(strconv.Itoa(i+1), r.Name, orDash(r.Channel), orDash(r.Keyword), orDash(r.Tag), r.To)
			}
			tw.Flush()
		})
	}
	cmd := a.parent("rules", "List, add, edit, move or remove automation rules (admins change them)",
		`  switchboard rules
  switchboard rules add refunds --keyword refund --channel message --to team:billing
  switchboard rules edit refunds --to operator:frank
  switchboard rules move refunds 1
  switchboard rules remove refunds`, list)
	cmd.AddCommand(&cobra.Command{Use: "list", Short: "List rules in the order they are tried", Args: cobra.NoArgs,
		Example: "  switchboard rules list --json", RunE: a.runE(list)})

	ruleFlags := func(c *cobra.Command, r *inbox.Rule) {
		c.Flags().StringVar(&r.Channel, "channel", "", "message or call (empty: any)")
		c.Flags().StringVar(&r.Keyword, "keyword", "", "one word the message must contain (case-insensitive)")
		c.Flags().StringVar(&r.Tag, "tag", "", "a tag the contact must have")
		c.Flags().StringVar(&r.To, "to", "", "team:<id>, operator:<id> or bot")
	}
	done := func(name, msg string) error {
		return a.emit(map[string]any{"name": name, "done": msg}, func(w *textOut) { w.Println(msg) })
	}
	var nr inbox.Rule
	addc := &cobra.Command{
		Use: "add NAME", Short: "Add a rule, tried after the existing ones (admins)", Args: cobra.ExactArgs(1),
		Example: `  switchboard rules add refunds --keyword refund --to team:billing
  switchboard rules add vip --tag vip --to operator:dana`,
		RunE: a.runE(func(ctx context.Context, cmd *cobra.Command, args []string) error {
			c, as, err := a.session(ctx)
			if err != nil {
				return err
			}
			nr.Name = args[0]
			if err := c.AddRule(ctx, as, nr); err != nil {
				return err
			}
			return done(nr.Name, fmt.Sprintf("Rule %q added.", nr.Name))
		}),
	}
	ruleFlags(addc, &nr)
	addc.MarkFlagRequired("to")
	var er inbox.Rule
	edit := &cobra.Command{
		Use: "edit NAME", Short: "Change a rule's conditions or target (admins)", Args: cobra.ExactArgs(1),
		Example: `  switchboard rules edit refunds --to operator:frank
  switchboard rules edit refunds --channel ""   # any channel`,
		RunE: a.runE(func(ctx context.Context, cmd *cobra.Command, args []string) error {
			f := cmd.Flags()
			if !f.Changed("channel") && !f.Changed("keyword") && !f.Changed("tag") && !f.Changed("to") {
				return usagef("nothing to change: give --channel, --keyword, --tag or --to")
			}
			c, as, err := a.session(ctx)
			if err != nil {
				return err
			}
			sv, err := c.Settings(ctx)
			if err != nil {
				return err
			}
			var cur *inbox.Rule
			for i := range sv.Rules {
				if sv.Rules[i].Name == args[0] {
					cur = &sv.Rules[i]
				}
			}
			if cur == nil {
				return &inbox.Error{Kind: inbox.NotFound, Msg: fmt.Sprintf("Rule %q not found; see `switchboard rules`", args[0])}
			}
			r := *cur
			if f.Changed("channel") {
				r.Channel = er.Channel
			}
			if f.Changed("keyword") {
				r.Keyword = er.Keyword
			}
			if f.Changed("tag") {
				r.Tag = er.Tag
			}
			if f.Changed("to") {
				r.To = er.To
			}
			if err := c.UpdateRule(ctx, as, r); err != nil {
				return err
			}
			return done(r.Name, fmt.Sprintf("Rule %q changed.", r.Name))
		}),
	}
	ruleFlags(edit, &er)
	move := &cobra.Command{
		Use: "move NAME POSITION", Short: "Move a rule to a position (1 = tried first) (admins)", Args: cobra.ExactArgs(2),
		Example: "  switchboard rules move refunds 1",
		RunE: a.runE(func(ctx context.Context, cmd *cobra.Command, args []string) error {
			pos, err := strconv.Atoi(args[1])
			if err != nil || pos < 1 {
				return usagef("position %q: give a number from 1 (tried first)", args[1])
			}
			c, as, err := a.session(ctx)
			if err != nil {
				return err
			}
			if err := c.MoveRule(ctx, as, args[0], pos-1); err != nil {
				return err
			}
			return done(args[0], fmt.Sprintf("Rule %q is now number %d.", args[0], pos))
		}),
	}
	remove := &cobra.Command{
		Use: "remove NAME", Short: "Remove a rule (admins)", Args: cobra.ExactArgs(1),
		Example: "  switchboard rules remove refunds",
		RunE: a.runE(func(ctx context.Context, cmd *cobra.Command, args []string) error {
			c, as, err := a.session(ctx)
			if err != nil {
				return err
			}
			if err := c.DeleteRule(ctx, as, args[0]); err != nil {
				return err
			}
			return done(args[0], fmt.Sprintf("Rule %q removed.", args[0]))
		}),
	}
	cmd.AddCommand(addc, edit, move, remove)
	return cmd
}

// ---- import and export ----

func (a *app) importCmd() *cobra.Command {
	var replace bool
	cmd := &cobra.Command{
		Use:   "import FILE",
		Short: "Load a workspace document (- reads stdin)",
		Long: `Load a workspace document (the JSON that ` + "`switchboard export`" + ` writes). Anyone may load one into
an empty workspace; replacing a workspace that has data needs --replace and an admin. An
invalid document changes nothing, and the error names the field that is wrong.`,
		Example: `  switchboard import workspace.json
  switchboard export > backup.json && switchboard import new.json --replace
  cat workspace.json | switchboard --db /tmp/test.db import -`,
		Args: cobra.ExactArgs(1),
		RunE: a.runE(func(ctx context.Context, cmd *cobra.Command, args []string) error {
			var r io.Reader = a.stdin
			if args[0] != "-" {
				f, err := os.Open(args[0])
				if err != nil {
					return fmt.Errorf("cannot read %s: %v", args[0], err)
				}
				defer f.Close()
				r = f
			}
			c, err := a.connect()
			if err != nil {
				return err
			}
			as, err := a.actor(ctx, c)
			if err != nil && !(inbox.KindOf(err) == inbox.NotFound && a.as == "") {
				return err
			}
			if err := c.Import(ctx, as, r, replace); err != nil {
				return err
			}
			return a.emit(map[string]any{"imported": args[0], "db": a.conn.Path}, func(w *textOut) {
				w.Printf("Imported %s into %s.\n", args[0], a.conn.Path)
			})
		}),
	}
	cmd.Flags().BoolVar(&replace, "replace", false, "replace a workspace that has data (admins)")
	return cmd
}

func (a *app) exportCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "export",
		Short: "Print the workspace document (JSON) to stdout",
		Example: `  switchboard export > backup.json
  switchboard export | jq '.settings'`,
		Args: cobra.NoArgs,
		RunE: a.runE(func(ctx context.Context, cmd *cobra.Command, args []string) error {
			c, err := a.connect()
			if err != nil {
				return err
			}
			return c.Export(ctx, a.stdout)
		}),
	}
}
