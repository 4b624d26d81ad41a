// Package cli is the switchboard command line: with no subcommand it opens the terminal inbox;
// its subcommands do everything the screens do, from the shell and from scripts.
//
// A command parses its command line, reaches the workspace (through the owner's socket, or by
// opening the file: see package inbox/rpc), runs one inbox operation, prints the result through
// the one safe-text writer (out.go) and maps the outcome to an exit code (errors.go). It decides
// nothing about routing or permissions: the inbox service does. It names no storage engine:
// what it needs of one comes in through Wiring, which main fills.
//
// One file per noun: conversations, inject, operators, teams, contacts, rules, settings,
// workspace (serve, import, export, demo), and screen (the terminal inbox and the demo's
// screen). Each command is an Options struct (its parsed command line), a newXCmd that parses
// into it, and an xRun that does the work; newXCmd takes a runF that a test gives to see the
// Options without running anything (nil runs xRun). Operators, teams, contacts and rules share
// one shape, the admin list (adminlist.go).
package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"switchboard/inbox"
	"switchboard/inbox/rpc"
	"switchboard/textsafe"
)

// Run runs the switchboard command line args (without the program's name) on the streams, with
// the engine main wired in, and returns the exit code.
func Run(args []string, stdin io.Reader, stdout, stderr io.Writer, w Wiring) int {
	w.check()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	defer stop()
	a := &app{stdin: stdin, stdout: stdout, stderr: stderr, wiring: w}
	root := a.commands()
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	cmd, err := root.ExecuteContextC(ctx)
	a.json = a.json || wantsJSON(args) // also when the command line did not parse
	err = a.hintContact(err)           // while the connection is open
	if a.conn != nil {
		if cerr := a.conn.Close(); cerr != nil && err == nil {
			err = &exitError{code: exitFailed, err: fmt.Errorf("closing %s: %v", a.conn.Path, cerr)}
		}
	}
	return a.exitCode(cmd, err)
}

// app is one run of the command, what every command shares: the streams, the global flags, the
// engine's wiring and the connection to the workspace. Each command's Options embeds it.
type app struct {
	stdin          io.Reader
	stdout, stderr io.Writer

	db, as string // --db, --as
	json   bool   // --json
	root   *cobra.Command

	wiring Wiring
	conn   *rpc.Conn
	remote *rpc.Conn // a door's connection, bound to who acts (Exec); nil from the shell
	// action: the outcome printed is a person's action on a conversation (close, assign…),
	// whose note is "Done:" when it is not the conversation's why; an inbound's is its Why
	action bool
	hook   webhookFlags // --http, --verify-token, --webhook-secret
	wa     waFlags      // --wa-phone-id, --wa-token-file, --graph-url, … (whatsapp.go)
	// sendCfg is how this run sends replies, once read (whatsapp.go)
	sendCfg sending
	actAs   string // who this run acted as, once known
	// creates: this command may make the workspace file when none is there (import, the
	// first operator, the demo); every other one refuses a path with no workspace
	creates bool
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

// commands builds the command tree.
func (a *app) commands() *cobra.Command {
	root := &cobra.Command{
		Use:   "switchboard",
		Short: "A terminal team inbox for WhatsApp messages and calls",
		Long: `Switchboard is a team inbox in the terminal. With no subcommand it opens the terminal
inbox; the subcommands do everything the screens do, from the shell and from scripts.

Whichever switchboard process owns the workspace file (the terminal inbox, or
` + "`switchboard serve`" + `) listens on a socket beside it (<db>.sock); every other command
sends its request there, so it works while the inbox is open and the inbox shows the
change at once. With no owner running, a command opens the file itself.

Exit codes: 0 done; 1 failed; 2 wrong usage; 3 done, but a team decision now waits;
4 not allowed.`,
		Example: `  switchboard                                  # open the terminal inbox
  switchboard import workspace.json            # set up a workspace
  switchboard inject message +15550001111 "hi" # a customer writes
  switchboard list --waiting                   # decisions waiting
  SWITCHBOARD_AS=carol switchboard list --assignee carol`,
		Args:          cobra.NoArgs,
		SilenceErrors: true,
		SilenceUsage:  true,
		RunE:          a.runE(a.runInbox),
	}
	a.root = root
	a.hook.add(root)
	a.wa.add(root)
	pf := root.PersistentFlags()
	pf.StringVar(&a.db, "db", envOr("SWITCHBOARD_DB", a.wiring.DefaultPath("switchboard.db")), "workspace: a file, or a PostgreSQL URL postgres://… (env SWITCHBOARD_DB)")
	pf.Lookup("db").DefValue = rpc.Redact(pf.Lookup("db").DefValue) // help never shows a password from SWITCHBOARD_DB
	pf.StringVar(&a.as, "as", os.Getenv("SWITCHBOARD_AS"), "act as this operator id (env SWITCHBOARD_AS; default: the first admin by id)")
	pf.BoolVar(&a.json, "json", false, "print the result as JSON")
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error { return usagef("%v", err) })

	root.AddGroup(&cobra.Group{ID: "conv", Title: "Conversations:"},
		&cobra.Group{ID: "settings", Title: "Settings and people:"},
		&cobra.Group{ID: "workspace", Title: "Workspace:"})
	add := func(group string, cmds ...*cobra.Command) {
		for _, c := range cmds {
			c.GroupID = group
			root.AddCommand(c)
		}
	}
	add("conv", conversationCmds(a)...)
	add("conv", newInjectCmd(a))
	add("conv", templatesCmds(a)...)
	add("settings", settingsCmds(a)...)
	add("settings", newOperatorsCmd(a), newTeamsCmd(a), newContactsCmd(a), newRulesCmd(a))
	add("workspace", workspaceCmds(a)...)
	a.addCompletion(root)
	root.SetHelpCommandGroupID("workspace")
	root.SetCompletionCommandGroupID("workspace")
	return root
}

// runE adapts a command body: it gets the context and arguments, and its error becomes an
// exit code.
func (a *app) runE(fn func(ctx context.Context, cmd *cobra.Command, args []string) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		return classify(fn(cmd.Context(), cmd, args))
	}
}

// runOr runs a command's run function on its parsed Options, or runF instead when a test gave
// one (to see what the command line parsed into, without running anything).
func runOr[O any](ctx context.Context, opts *O, runF, run func(context.Context, *O) error) error {
	if runF != nil {
		return runF(ctx, opts)
	}
	return run(ctx, opts)
}

// parent is a command that only groups subcommands: run alone, it is a usage error unless
// def (its default action) is given.
func (a *app) parent(use, short, example string, def func(ctx context.Context, cmd *cobra.Command, args []string) error) *cobra.Command {
	c := &cobra.Command{Use: use, Short: short, Example: example, Args: cobra.NoArgs}
	if def != nil {
		c.RunE = a.runE(def)
	} else {
		c.RunE = a.runE(func(ctx context.Context, cmd *cobra.Command, args []string) error {
			return usagef("%s needs a subcommand", cmd.CommandPath())
		})
	}
	return c
}

// connect reaches the workspace once per run, acting as --as (or SWITCHBOARD_AS), else as the
// first admin by id (or nobody in a workspace with no admin yet). Locally whoever can open the
// file may act as anyone in it; the process that owns the file binds the connection to that
// operator, and every request of the run acts as them.
func (a *app) connect() (*rpc.Conn, error) {
	if a.conn != nil {
		return a.conn, nil
	}
	if a.remote != nil {
		a.conn = a.remote
		return a.conn, nil
	}
	if strings.TrimSpace(a.db) == "" {
		return nil, usagef("--db is empty: give the workspace file's path")
	}
	if err := a.needWorkspace(); err != nil {
		return nil, err
	}
	c, err := a.wiring.Connect(a.db, a.as)
	if err != nil {
		if a.as != "" && inbox.KindOf(err) == inbox.NotFound {
			return nil, &inbox.Error{Kind: inbox.NotFound, Msg: fmt.Sprintf(
				"Operator %q (from --as or SWITCHBOARD_AS) not found in %s; see `switchboard operators`", a.as, a.path())}
		}
		return nil, err
	}
	a.conn = c
	return c, nil
}

// path is the workspace file this run works on.
func (a *app) path() string {
	if a.conn != nil {
		return a.conn.Path
	}
	if abs, err := rpc.Resolve(a.db); err == nil {
		return rpc.Redact(abs)
	}
	return rpc.Redact(a.db)
}

// settingsView connects and reads the workspace's settings (what the "show" half of a setting
// command prints).
func (a *app) settingsView(ctx context.Context) (inbox.SettingsView, error) {
	c, err := a.connect()
	if err != nil {
		return inbox.SettingsView{}, err
	}
	return inbox.OpSettings.Call(ctx, c, inbox.None{})
}

// session connects for a command that needs someone to act: who that is comes back beside the
// connection (a workspace with no admin yet has nobody, and says how to set it up).
func (a *app) session(ctx context.Context) (inbox.Conn, string, error) {
	c, err := a.connect()
	if err != nil {
		return nil, "", err
	}
	as := c.Operator()
	if as == "" {
		return nil, "", &inbox.Error{Kind: inbox.NotFound, Msg: fmt.Sprintf(
			"The workspace in %s has no admin yet: load one with `switchboard import FILE`, or add the first admin with `switchboard operators add ID --name NAME --role admin`", a.path())}
	}
	a.actAs = as
	return c, as, nil
}

// emit prints v as JSON with --json (encoding/json escapes the C0 controls, textsafe.JSONWriter
// DEL, C1 and the bidirectional controls, so the JSON is valid, drives no terminal and decodes
// to exactly what is stored), otherwise runs text on the safe-text writer.
func (a *app) emit(v any, text func(w *textOut)) error {
	if a.json {
		enc := json.NewEncoder(textsafe.JSONWriter(a.stdout))
		enc.SetIndent("", "  ")
		return enc.Encode(v)
	}
	text(a.outText())
	return nil
}

// outText and errText are the safe-text writers on stdout and stderr: all text is printed
// through them.
func (a *app) outText() *textOut { return newTextOut(a.stdout) }
func (a *app) errText() *textOut { return newTextOut(a.stderr) }

// run0 runs an operation that gives nothing back.
func run0[Req any](ctx context.Context, op inbox.Op[Req, inbox.None], c inbox.Conn, req Req) error {
	_, err := op.Call(ctx, c, req)
	return err
}
