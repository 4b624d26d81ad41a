package cli

import (
	"context"
	"fmt"
	"io"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"switchboard/inbox"
	"switchboard/inbox/rpc"
)

// Exec runs a command line for a door that already knows who acts (an SSH session without a
// terminal: `ssh -p 2222 host list --json`): the same commands as the shell's, run on conn, as
// its operator, with the session's streams; it returns the exit code. Who acts is the
// connection's: --as and --db do not apply, and the commands that own a workspace or open a
// screen (serve, demo, the inbox itself) are not offered.
func Exec(ctx context.Context, conn inbox.Conn, path string, args []string, stdin io.Reader, stdout, stderr io.Writer, w Wiring) int {
	a := &app{stdin: stdin, stdout: stdout, stderr: stderr, wiring: w, remote: rpc.Attached(conn, path)}
	root := a.commands()
	if args == nil {
		args = []string{} // never this process's own arguments (cobra reads os.Args for nil)
	}
	if len(args) > 0 && (args[0] == cobra.ShellCompRequestCmd || args[0] == cobra.ShellCompNoDescRequestCmd) {
		// a shell's completion asks this process, on the shell's machine; no shell here asks
		fmt.Fprintln(stderr, "Error: shell completion is not available over SSH: run `switchboard completion` where switchboard is installed")
		return exitUsage
	}
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	// what does not apply here is not offered in the help either
	for _, c := range root.Commands() {
		if _, off := notOverSSH[c.Name()]; off {
			c.Hidden = true
			// not its help either (`help completion`, `completion bash --help`)
			name := c.Name()
			c.SetHelpFunc(func(cmd *cobra.Command, _ []string) {
				fmt.Fprintf(cmd.ErrOrStderr(), "Error: `%s` is not available over SSH\n", name)
			})
		}
	}
	for _, f := range []string{"as", "db"} {
		root.PersistentFlags().Lookup(f).Hidden = true
	}
	root.LocalFlags().VisitAll(func(f *pflag.Flag) {
		if f.Name != "help" && f.Name != "json" {
			f.Hidden = true
		}
	})
	hideServerFlags(root)
	if sync, _, err := root.Find([]string{"templates", "sync"}); err == nil && sync.Name() == "sync" {
		sync.Long = `Read every message template of the WhatsApp Business Account the server is configured
with, following the API's pages, and keep them in the workspace: the approved ones are what
reply --template and the reply box offer. Over SSH the server's own WhatsApp configuration
(its account id and access token) is used.`
		sync.Example = "  switchboard templates sync"
	}
	refuse := func(format string, args ...any) error {
		return &exitError{code: exitUsage, err: fmt.Errorf(format, args...), noUsage: true}
	}
	root.PersistentPreRunE = func(cmd *cobra.Command, _ []string) error {
		for _, f := range []string{"as", "db"} {
			if cmd.Flags().Changed(f) {
				return refuse("--%s does not apply here: this session acts as %s, the operator its SSH key belongs to", f, conn.Operator())
			}
		}
		top := cmd // `completion bash` is completion's
		for top.HasParent() && top.Parent() != a.root {
			top = top.Parent()
		}
		if why, off := notOverSSH[top.Name()]; off {
			return refuse("`%s` is not available over SSH%s", top.Name(), why)
		}
		var server string
		cmd.Flags().Visit(func(f *pflag.Flag) {
			if server == "" && isServers(f) {
				server = f.Name
			}
		})
		if server != "" {
			// the server's own WhatsApp and webhook configuration applies: a URL or a file given
			// here would send the server's token where the caller says, or read the server's files
			return refuse("--%s does not apply here: over SSH the server's own WhatsApp configuration is used (whoever runs `switchboard serve` sets it)", server)
		}
		if cmd == a.root {
			return refuse("This session has no terminal for the inbox: connect with `ssh -t` to open it, or give a command, like `list` or `--help`")
		}
		return nil
	}
	cmd, err := root.ExecuteContextC(ctx)
	return a.exitCode(cmd, err)
}

// remoteNote is what a refusal adds about who acts, over SSH.
func (a *app) remoteNote() string {
	return fmt.Sprintf("You are %s here (your SSH key's operator); ask an admin for what only admins may do.", a.remote.Operator())
}

// notOverSSH are the commands a door's session is not offered, with why when it is not plain:
// they own a workspace or open a screen, or (copy) open workspaces by path or URL with the
// server's rights: another team's file, a new file anywhere the server may write, a database
// server of the caller's choosing.
var notOverSSH = map[string]string{
	"serve": "", "demo": "", "completion": "",
	"copy": ": it opens files and database servers as the server; export here (`ssh -p PORT HOST export > workspace.json`) and import where you want the copy",
}

// serverAnnotation marks the flags that configure how the process itself reaches WhatsApp
// (waFlags) and serves or checks webhooks (webhookFlags): over SSH that process is the server,
// so they are the server's to set.
const serverAnnotation = "switchboard-server"

func markServers(f *pflag.FlagSet, names ...string) {
	for _, n := range names {
		f.SetAnnotation(n, serverAnnotation, []string{"true"}) //nolint:errcheck // the flags are defined just before
	}
}

func isServers(f *pflag.Flag) bool { return len(f.Annotations[serverAnnotation]) > 0 }

// hideServerFlags hides the server's flags in every command's help.
func hideServerFlags(c *cobra.Command) {
	c.LocalFlags().VisitAll(func(f *pflag.Flag) {
		if isServers(f) {
			f.Hidden = true
		}
	})
	for _, sub := range c.Commands() {
		hideServerFlags(sub)
	}
}
