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
		switch c.Name() {
		case "serve", "demo", "completion":
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
		switch top.Name() {
		case "serve", "demo", "completion":
			return refuse("`%s` is not available over SSH", top.Name())
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
