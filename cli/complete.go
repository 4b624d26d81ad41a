package cli

import (
	"context"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"switchboard/inbox"
	"switchboard/textsafe"
)

// ---- shell completion from the workspace ----
//
// `switchboard completion bash|zsh|fish|powershell` prints cobra's script; the script asks the
// binary (`switchboard __complete …`), which answers here: contacts, operators, teams and rule
// names come from the workspace, through the socket of the process that owns it when one runs
// (the terminal inbox, `serve`), else from the file. A workspace file that does not exist is
// not made by completing: nothing is offered. Which word is which comes from each command's
// Use line (CONTACT, FROM, PHONE, OPERATOR, TEAM, ID and NAME under their noun, and the
// literal choices such as online|away|offline|auto), so a new command completes without more
// code.

type argKind string

const (
	argNone     argKind = ""
	argContact  argKind = "contact"
	argOperator argKind = "operator"
	argTeam     argKind = "team"
	argRule     argKind = "rule"
)

// argSpec is what one word of a command line may be: a kind from the workspace and literal
// choices.
type argSpec struct {
	kind    argKind
	choices []string
}

// argSpecs reads the words of a command's Use line after its name.
func argSpecs(cmd *cobra.Command) []argSpec {
	words := strings.Fields(cmd.Use)
	if len(words) < 2 {
		return nil
	}
	noun := ""
	if p := cmd.Parent(); p != nil {
		noun = p.Name()
		if noun == "members" || noun == "keys" {
			noun = p.Parent().Name()
		}
	}
	var out []argSpec
	for _, w := range words[1:] {
		w = strings.Trim(w, "[]")
		w = strings.TrimSuffix(w, "...")
		var s argSpec
		for _, alt := range strings.Split(w, "|") {
			switch alt {
			case "CONTACT", "FROM", "PHONE":
				s.kind = argContact
			case "OPERATOR":
				s.kind = argOperator
			case "TEAM":
				s.kind = argTeam
			case "ID":
				if cmd.Name() != "add" {
					s.kind = map[string]argKind{"operators": argOperator, "teams": argTeam, "contacts": argContact}[noun]
				}
			case "NAME":
				if noun == "rules" && cmd.Name() != "add" {
					s.kind = argRule
				}
			default:
				if alt != "" && strings.ToLower(alt) == alt {
					s.choices = append(s.choices, alt)
				}
			}
		}
		out = append(out, s)
	}
	return out
}

// addCompletion gives every command of the tree that has none a completion of its arguments,
// and the flags that name someone or something theirs.
func (a *app) addCompletion(root *cobra.Command) {
	// cobra's own completion command, made now so that a shell it does not know is wrong
	// usage (exit 2) rather than its help and exit 0
	root.InitDefaultCompletionCmd()
	for _, c := range root.Commands() {
		if c.Name() == "completion" {
			shells := []string{}
			for _, sh := range c.Commands() {
				shells = append(shells, sh.Name())
			}
			c.Args = func(cmd *cobra.Command, args []string) error {
				if len(args) > 0 {
					return usagef("%q is not a shell switchboard completes for: give one of %s", args[0], strings.Join(shells, ", "))
				}
				return nil
			}
			c.RunE = func(cmd *cobra.Command, args []string) error { return cmd.Help() }
		}
	}
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		for _, sub := range c.Commands() {
			walk(sub)
		}
		if c.ValidArgsFunction == nil && c.Runnable() && len(argSpecs(c)) > 0 {
			specs := argSpecs(c)
			c.ValidArgsFunction = func(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
				i := len(args)
				if i >= len(specs) {
					return nil, cobra.ShellCompDirectiveNoFileComp
				}
				s := specs[i]
				if i+1 < len(specs) && s.kind == argOperator && specs[i+1].choices != nil && len(args) == 0 && len(s.choices) == 0 {
					// presence [OPERATOR] [online|…]: the first word may be either
					s.choices = specs[i+1].choices
				}
				out := a.complete(cmd.Context(), s.kind, toComplete)
				for _, ch := range s.choices {
					out = append(out, ch)
				}
				return filterPrefix(out, toComplete), cobra.ShellCompDirectiveNoFileComp
			}
		}
		flag := func(name string, kind argKind, extra ...string) {
			if c.Flags().Lookup(name) == nil {
				return
			}
			c.RegisterFlagCompletionFunc(name, func(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) { //nolint:errcheck // registered once per flag
				return filterPrefix(append(a.complete(cmd.Context(), kind, toComplete), extra...), toComplete), cobra.ShellCompDirectiveNoFileComp
			})
		}
		flag("team", argTeam)
		flag("assignee", argOperator, "bot", "none")
		flag("owner", argOperator, "none")
		if c.Flags().Lookup("to") != nil {
			c.RegisterFlagCompletionFunc("to", func(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) { //nolint:errcheck // once
				var out []cobra.Completion
				for _, t := range a.complete(cmd.Context(), argTeam, "") {
					out = append(out, "team:"+t)
				}
				for _, o := range a.complete(cmd.Context(), argOperator, "") {
					out = append(out, "operator:"+o)
				}
				return filterPrefix(append(out, "bot"), toComplete), cobra.ShellCompDirectiveNoFileComp
			})
		}
	}
	walk(root)
	root.RegisterFlagCompletionFunc("as", func(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) { //nolint:errcheck // once
		return filterPrefix(a.complete(cmd.Context(), argOperator, toComplete), toComplete), cobra.ShellCompDirectiveNoFileComp
	})
}

// filterPrefix keeps the completions (value, then a tab and its description) whose value
// starts with prefix; a shell filters too, but not every shell does it the same way.
func filterPrefix(cs []cobra.Completion, prefix string) []cobra.Completion {
	out := cs[:0:0]
	for _, c := range cs {
		v, _, _ := strings.Cut(c, "\t")
		if v != "" && strings.HasPrefix(strings.ToLower(v), strings.ToLower(prefix)) {
			out = append(out, c)
		}
	}
	return out
}

// completeMax is how many contacts one completion offers.
const completeMax = 50

// complete lists what a word of the kind may be, each with what it names (a tab, then the
// description cobra shows in zsh and fish): the workspace's contacts (matching what is typed),
// operators, teams or rules. Any failure to reach the workspace offers nothing.
func (a *app) complete(ctx context.Context, kind argKind, typed string) []cobra.Completion {
	if kind == argNone {
		return nil
	}
	if ctx == nil {
		ctx = context.Background()
	}
	if a.conn == nil && a.remote == nil {
		if _, err := os.Stat(a.db); err != nil {
			return nil // no workspace here: completing makes none
		}
	}
	c, err := a.connect()
	if err != nil {
		return nil
	}
	var out []cobra.Completion
	desc := func(v, d string) cobra.Completion {
		if textsafe.Line(v) != v || strings.ContainsAny(v, "\t\n") {
			return "" // a value the shell cannot be given as it is: not offered
		}
		d = strings.Join(strings.Fields(textsafe.Line(d)), " ")
		if d == "" {
			return v
		}
		return v + "\t" + d
	}
	switch kind {
	case argContact:
		q := strings.TrimPrefix(strings.TrimSpace(typed), "+")
		cs, err := inbox.OpContacts.Call(ctx, c, inbox.SearchReq{Query: q, Limit: completeMax})
		if err != nil {
			return nil
		}
		for _, ct := range cs {
			out = append(out, desc(ct.Handle(), ct.Display()))
		}
		if typed != "" && !strings.HasPrefix(typed, "+") {
			// what is typed without + matches the numbers written without it too
			for _, ct := range cs {
				out = append(out, desc(strings.TrimPrefix(ct.Handle(), "+"), ct.Display()))
			}
		}
	case argOperator:
		ops, err := inbox.OpOperators.Call(ctx, c, inbox.None{})
		if err != nil {
			return nil
		}
		for _, o := range ops {
			out = append(out, desc(o.ID, o.Name+" · "+string(o.Role)))
		}
	case argTeam:
		ts, err := inbox.OpTeams.Call(ctx, c, inbox.None{})
		if err != nil {
			return nil
		}
		for _, t := range ts {
			out = append(out, desc(t.ID, t.Name))
		}
	case argRule:
		sv, err := inbox.OpSettings.Call(ctx, c, inbox.None{})
		if err != nil {
			return nil
		}
		for _, r := range sv.Rules {
			out = append(out, desc(r.Name, ""))
		}
	}
	return out
}
