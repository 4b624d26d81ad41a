package cli

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"switchboard/inbox/rpc"
)

// shutdownGrace is how long serve waits for requests in flight when asked to stop.
const shutdownGrace = 30 * time.Second

func (a *app) serveCmd() *cobra.Command {
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
  switchboard serve --http 127.0.0.1:8080 --verify-token s3cret   # also WhatsApp webhooks`,
		Args: cobra.NoArgs,
		RunE: a.runE(func(ctx context.Context, cmd *cobra.Command, args []string) error {
			door, err := a.hook.open() // before the file: a bad --http creates nothing
			if err != nil {
				return err
			}
			o, err := a.own("serve")
			if err != nil {
				door.close()
				return err
			}
			stopHook := door.serve(o, a.stderr)
			if err := a.emit(o.Info, func(*textOut) {}); err != nil {
				stopHook()
				o.Close(context.Background())
				return err
			}
			a.errText().Printf("Serving %s on %s (pid %d); stop with Ctrl-C or SIGTERM.\n", o.Info.Path, o.Socket(), o.Info.PID)
			if o.Service.ReadOnly() {
				a.errText().Printf("Note: %s is not writable, so it is served read-only: every change is refused.\n", o.Info.Path)
			}
			if door != nil {
				a.errText().Printf("WhatsApp webhooks: http://%s/webhook\n", door.ln.Addr())
			}
			<-ctx.Done()
			a.errText().Println("Stopping: finishing requests in flight…")
			stopHook()
			sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
			defer cancel()
			if err := o.Close(sctx); err != nil {
				return fmt.Errorf("stopped, but not cleanly: %v", err)
			}
			a.errText().Println("Stopped.")
			return nil
		}),
	}
	a.hook.add(cmd)
	return cmd
}

// own makes this process the owner of the workspace file.
func (a *app) own(kind string) (*rpc.Owner, error) {
	return a.wiring.Own(a.db, kind)
}
