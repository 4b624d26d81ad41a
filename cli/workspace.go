package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"switchboard/demo"
	"switchboard/inbox"
	"switchboard/inbox/rpc"
	"switchboard/textsafe"
	"switchboard/ui"
)

// The workspace as a whole: `serve` (own it headless), `import`, `export`, `demo`.

func workspaceCmds(a *app) []*cobra.Command {
	return []*cobra.Command{newServeCmd(a, nil), newImportCmd(a, nil), newExportCmd(a, nil), newCopyCmd(a, nil), newDemoCmd(a, nil), newConfigCmd(a)}
}

// shutdownGrace is how long serve waits for requests in flight when asked to stop.
const shutdownGrace = 30 * time.Second

type serveOptions struct {
	*app
	ssh sshFlags
}

func newServeCmd(a *app, runF func(context.Context, *serveOptions) error) *cobra.Command {
	opts := &serveOptions{app: a}
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Own the workspace headless until SIGINT/SIGTERM, serving other commands",
		Long: `Own the workspace file without a screen: listen on the socket beside it (<db>.sock,
readable by you only) and run every other switchboard command's requests, until SIGINT or
SIGTERM. It then finishes the requests in flight and stops cleanly.

A second serve (or terminal inbox) on the same file fails at once and names the owner; a
socket left by a process that crashed is replaced.`,
		Example: `  switchboard serve &
  switchboard inject message +15550002222 "hello"   # goes through the socket
  kill %1
  switchboard serve --http 127.0.0.1:8080 --verify-token-file token   # also WhatsApp webhooks
  SWITCHBOARD_WA_TOKEN_FILE=~/.config/switchboard/wa-token switchboard serve --wa-phone-id 106540352242922   # and send replies
  switchboard serve --ssh 127.0.0.1:2222   # the team inbox over SSH, one identity per key`,
		Args: cobra.NoArgs,
		RunE: a.runE(func(ctx context.Context, cmd *cobra.Command, args []string) error {
			return runOr(ctx, opts, runF, serveRun)
		}),
	}
	a.hook.add(cmd)
	opts.ssh.add(cmd)
	a.wa.add(cmd)
	return cmd
}

func serveRun(ctx context.Context, opts *serveOptions) error {
	send, err := opts.wa.config() // before the file: a bad configuration creates nothing
	if err != nil {
		return err
	}
	door, err := opts.hook.open() // before the file: a bad --http creates nothing
	if err != nil {
		return err
	}
	if err := opts.needWorkspace(); err != nil { // before the SSH door: its host key is a file
		door.close()
		return err
	}
	sshDoor, err := opts.ssh.open(opts.app, opts.stderr) // the same for --ssh
	if err != nil {
		door.close()
		return err
	}
	o, err := opts.own("serve")
	if err != nil {
		door.close()
		if sshDoor != nil {
			sshDoor.Close(context.Background())
		}
		return err
	}
	stopSend := startSender(o.Service, send)
	stopHook := door.serve(o, opts.stderr)
	stopSSH := serveSSH(sshDoor, o, opts.errText())
	if err := opts.emit(o.Info, func(*textOut) {}); err != nil {
		stopSSH()
		stopHook()
		stopSend()
		o.Close(context.Background())
		return err
	}
	say := opts.errText()
	say.Printf("Serving %s on %s (pid %d); stop with Ctrl-C or SIGTERM.\n", o.Info.Path, o.Socket(), o.Info.PID)
	if o.Service.ReadOnly() {
		say.Printf("Note: %s is not writable, so it is served read-only: every change is refused.\n", o.Info.Path)
	}
	if door != nil {
		say.Printf("WhatsApp webhooks: http://%s/webhook\n", door.ln.Addr())
	}
	say.Println(send.describe())
	if sshDoor != nil {
		sshHello(sshDoor, say)
	}
	<-ctx.Done()
	say.Println("Stopping: finishing requests in flight…")
	stopSSH()
	stopHook()
	stopSend() // the replies in flight are recorded before the file closes
	sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if err := o.Close(sctx); err != nil {
		return fmt.Errorf("stopped, but not cleanly: %v", err)
	}
	say.Println("Stopped.")
	return nil
}

// importOptions is what `import` parsed: File is a path, or - for stdin.
type importOptions struct {
	*app
	File    string
	Replace bool
}

func newImportCmd(a *app, runF func(context.Context, *importOptions) error) *cobra.Command {
	opts := &importOptions{app: a}
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
			opts.File = args[0]
			return runOr(ctx, opts, runF, importRun)
		}),
	}
	cmd.Flags().BoolVar(&opts.Replace, "replace", false, "replace a workspace that has data (admins)")
	return cmd
}

func importRun(ctx context.Context, opts *importOptions) error {
	if opts.remote != nil {
		// over SSH the workspace is served, so it has data: only an admin may replace it, and
		// nobody else's document is read at all
		caps, err := inbox.OpWhoAmI.Call(ctx, opts.remote, inbox.None{})
		if err != nil {
			return err
		}
		if ok, why := caps.Capabilities.Can(inbox.CapReplaceWorkspace); !ok {
			return &inbox.Error{Kind: inbox.Forbidden, Msg: why}
		}
	}
	in, err := opts.openInput(opts.File, "the document", "import --replace -")
	if err != nil {
		return err
	}
	defer in.Close()
	var r io.Reader = in
	if opts.remote != nil {
		r = &cappedReader{r: in, left: rpc.MaxImportBody, msg: fmt.Sprintf(
			"the document is larger than %d MB, the most a workspace document sent over SSH may be: import it on the server, with no switchboard running there", rpc.MaxImportBody>>20)}
	}
	// a workspace made for a document that cannot be loaded is removed again (undoCreate)
	created, dirs := !opts.exists(), opts.missingDirs()
	opts.creates = true
	c, err := opts.connect()
	if err != nil {
		return err
	}
	// an empty workspace is loaded by nobody in particular (who acts was bound on connecting)
	if err := c.Import(ctx, r, opts.Replace); err != nil {
		if created {
			opts.undoCreate(dirs)
		}
		return err
	}
	return opts.emit(map[string]any{"imported": opts.File, "db": c.Path}, func(w *textOut) {
		w.Printf("Imported %s into %s.\n", opts.File, c.Path)
	})
}

type exportOptions struct{ *app }

func newExportCmd(a *app, runF func(context.Context, *exportOptions) error) *cobra.Command {
	opts := &exportOptions{app: a}
	return &cobra.Command{
		Use:   "export",
		Short: "Print the workspace document (JSON) to stdout",
		Example: `  switchboard export > backup.json
  switchboard export | jq '.settings'`,
		Args: cobra.NoArgs,
		RunE: a.runE(func(ctx context.Context, cmd *cobra.Command, args []string) error {
			return runOr(ctx, opts, runF, exportRun)
		}),
	}
}

func exportRun(ctx context.Context, opts *exportOptions) error {
	c, err := opts.connect()
	if err != nil {
		return err
	}
	return c.Export(ctx, textsafe.JSONWriter(opts.stdout)) // the same document, drives no terminal
}

// demoOptions is what `demo` parsed; Contacts 0 is the demo, N > 0 a generated workspace of N
// contacts.
type demoOptions struct {
	*app
	Reset    bool
	Contacts int
}

func newDemoCmd(a *app, runF func(context.Context, *demoOptions) error) *cobra.Command {
	opts := &demoOptions{app: a}
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Open a demo workspace with the guided tour",
		Long: `Open a believable demo workspace in the terminal inbox, as its first admin, with the
guided tour shown. The demo lives in its own file (` + "`--db`" + ` if given, else the demo
default path, not SWITCHBOARD_DB); an existing demo is reopened as it was left.
--reset deletes that file first and starts again. --contacts N builds a large generated
workspace of N contacts instead (for load and performance work).`,
		Example: `  switchboard demo
  switchboard demo --reset
  switchboard demo --reset --contacts 100000 --db /tmp/big.db`,
		Args: cobra.NoArgs,
		RunE: a.runE(func(ctx context.Context, cmd *cobra.Command, args []string) error {
			if cmd.Flags().Changed("contacts") && (opts.Contacts < 1 || opts.Contacts > demo.MaxContacts) {
				return usagef("--contacts %d: give 1 to %d", opts.Contacts, demo.MaxContacts)
			}
			if !a.root.PersistentFlags().Changed("db") {
				a.db = a.wiring.DefaultPath("demo.db") // its own file, beside the workspace
			}
			if rpc.IsURL(a.db) {
				return usagef("the demo runs on a file of its own, not on %s: run `switchboard demo` once, quit, then `switchboard copy --from %s --to '%s'` and open that",
					rpc.Redact(a.db), a.wiring.DefaultPath("demo.db"), rpc.Redact(a.db))
			}
			return runOr(ctx, opts, runF, demoRun)
		}),
	}
	cmd.Flags().BoolVar(&opts.Reset, "reset", false, "delete the demo file first and start a new demo")
	cmd.Flags().IntVar(&opts.Contacts, "contacts", 0, "build a generated workspace of N contacts instead of the demo")
	a.hook.add(cmd)
	a.wa.add(cmd)
	return cmd
}

func demoRun(ctx context.Context, opts *demoOptions) error {
	send, err := opts.wa.config() // before the file
	if err != nil {
		return err
	}
	door, err := opts.hook.open() // before the file: a bad --http resets and creates nothing
	if err != nil {
		return err
	}
	if opts.Reset {
		// the reset deletes the file, so everything that would refuse to open the screen comes
		// first: a demo open elsewhere (said first, as without --reset), then no terminal
		// (a cron job's `demo --reset` deleted the demo and only then said it needs one)
		err := opts.demoOpenElsewhere()
		if err == nil {
			err = needTerminal()
		}
		if err == nil {
			err = opts.resetDemo()
		}
		if err != nil {
			door.close()
			return err
		}
	}
	opts.creates = true // the demo makes its workspace
	_, statErr := os.Lstat(opts.db)
	existed, dirs := !errors.Is(statErr, fs.ErrNotExist), opts.missingDirs() // an empty file is not removed
	o, err := opts.own("tui")
	if err != nil {
		door.close()
		return err
	}
	if err := needTerminal(); err != nil {
		// after own, so that a demo open elsewhere says so first; a demo made for no screen
		// is removed again, with its folders
		door.close()
		opts.disown(o)
		if !existed {
			opts.undoCreate(dirs)
		}
		return err
	}
	defer opts.disown(o)
	svc := o.Service
	if len(svc.Operators(ctx)) == 0 {
		if opts.Contacts > 0 {
			say := opts.errText()
			say.Printf("Building a workspace of %d contacts in %s…\n", opts.Contacts, o.Info.Path)
			last := time.Time{}
			err = demo.Generate(ctx, svc, opts.Contacts, func(done, total int) {
				if time.Since(last) > 500*time.Millisecond || done == total {
					say.Printf("\r  %d / %d contacts", done, total)
					last = time.Now()
				}
			})
			say.Println()
		} else {
			err = demo.Seed(ctx, svc)
		}
		if err != nil {
			door.close()
			return fmt.Errorf("could not build the demo in %s: %w; start again with `switchboard demo --reset`", o.Info.Path, err)
		}
	} else if opts.Contacts > 0 {
		opts.errText().Printf("Note: %s already holds a demo, reopened as it was left; --contacts builds a new one only with --reset.\n", o.Info.Path)
	}
	if !send.configured && opts.Contacts == 0 {
		// no real number given: replies go to the demo's fake Cloud API in this process
		cfg, stopFake, err := demo.FakeGraph(ctx, svc)
		if err != nil {
			door.close()
			return fmt.Errorf("could not start the demo's fake WhatsApp API: %w", err)
		}
		defer stopFake()
		send.cfg, send.configured, send.tokenSource = cfg, true, "the demo" // --wa-rate, --wa-unknown-wait still apply
	}
	defer startSender(svc, send)()
	tour := func(tctx context.Context) ui.Tour {
		return tourPanel{demo.NewTour(tctx, svc, demo.StatePath(o.Info.Path))}
	}
	if !demo.Fits(ctx, svc) {
		tour = nil // a generated workspace: the tour's contacts are not in it
	}
	return opts.openScreen(ctx, o, door, tour)
}

// resetDemo deletes the demo file (and its tour progress), unless a switchboard process has it
// open or it is not a Switchboard file: the engine deletes it only while holding its lock.
func (a *app) resetDemo() error {
	abs, err := filepath.Abs(a.db)
	if err != nil {
		return err
	}
	if err := a.demoOpenElsewhere(); err != nil {
		return err
	}
	also := []string{demo.StatePath(abs)}
	sock := rpc.SocketPath(abs)
	if st, err := os.Lstat(sock); err == nil && st.Mode()&os.ModeSocket != 0 {
		also = append(also, sock) // nobody answers on it: stale (removed only with the file's lock)
	}
	err = a.wiring.RemoveFile(abs, also...)
	if err != nil && a.wiring.InUse(err) {
		// no socket answered, yet a process holds the file: its socket was deleted (an owner
		// makes it again within a second) or it is a command at work
		if info, derr := rpc.OwnerOf(abs); derr == nil {
			return openElsewhere(abs, info)
		}
		return &inbox.Error{Kind: inbox.Conflict, Msg: err.Error() + " (no switchboard socket answers for it at " + sock + ")"}
	}
	if err != nil {
		return fmt.Errorf("--reset: %w", err)
	}
	return nil
}

// demoOpenElsewhere refuses a --reset of a demo file that a switchboard process has open (it
// answers on the socket beside the file), changing nothing.
func (a *app) demoOpenElsewhere() error {
	abs, err := filepath.Abs(a.db)
	if err != nil {
		return err
	}
	if info, err := rpc.OwnerOf(abs); err == nil {
		return openElsewhere(abs, info)
	} else if !errors.Is(err, rpc.ErrNoOwner) {
		return err
	}
	return nil
}

func openElsewhere(abs string, info rpc.Info) error {
	return &inbox.Error{Kind: inbox.Conflict, Msg: fmt.Sprintf("%s is open in %s; close it before --reset", abs, info.Describe())}
}
