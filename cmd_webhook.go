package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"switchboard/inbox/rpc"
	"switchboard/inbox/webhook"
)

// webhookFlags are the flags of the local WhatsApp webhook endpoint, on every command that owns
// the workspace (the terminal inbox, serve, demo).
type webhookFlags struct {
	addr, verifyToken, secret string
}

func (w *webhookFlags) add(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVar(&w.addr, "http", "", "also serve WhatsApp Cloud API webhooks on ADDR (e.g. 127.0.0.1:8080): POST/GET /webhook")
	f.StringVar(&w.verifyToken, "verify-token", os.Getenv("SWITCHBOARD_VERIFY_TOKEN"), "token for the webhook verification handshake (env SWITCHBOARD_VERIFY_TOKEN)")
	f.StringVar(&w.secret, "webhook-secret", os.Getenv("SWITCHBOARD_WEBHOOK_SECRET"), "app secret every POST must be signed with (env SWITCHBOARD_WEBHOOK_SECRET); required beyond loopback")
}

// start serves the webhook endpoint on the owner's service until the returned stop is called;
// stop finishes the requests in flight. With no --http it does nothing. logTo nil is silent
// (the terminal inbox owns the screen).
func (w *webhookFlags) start(o *rpc.Owner, logTo io.Writer) (stop func(), err error) {
	if w.addr == "" {
		return func() {}, nil
	}
	ln, err := webhook.Listen(w.addr, w.secret)
	if err != nil {
		return nil, err
	}
	opt := webhook.Options{VerifyToken: w.verifyToken, Secret: w.secret}
	if logTo != nil {
		opt.Log = slog.New(slog.NewTextHandler(logTo, nil))
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		webhook.Serve(ctx, ln, webhook.Handler(o.Service, opt))
	}()
	return func() { cancel(); <-done }, nil
}

// injectWebhookCmd feeds a saved webhook payload through the same code as the HTTP endpoint.
func (a *app) injectWebhookCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "webhook FILE",
		Short: "Feed a saved WhatsApp Cloud API webhook payload (- reads stdin)",
		Long: `Feed a saved WhatsApp Cloud API webhook payload (messages, statuses and calls) through the
same code as the HTTP endpoint of ` + "`serve --http`" + `, without HTTP. The same message id, or
the same call id and event, is stored once however often it is fed.`,
		Example: `  switchboard inject webhook payload.json
  curl -s https://example.invalid/saved.json | switchboard inject webhook -`,
		Args: cobra.ExactArgs(1),
		RunE: a.runE(func(ctx context.Context, cmd *cobra.Command, args []string) error {
			var raw []byte
			var err error
			if args[0] == "-" {
				raw, err = io.ReadAll(a.stdin)
			} else {
				raw, err = os.ReadFile(args[0])
			}
			if err != nil {
				return fmt.Errorf("cannot read the payload: %v", err)
			}
			c, err := a.connect()
			if err != nil {
				return err
			}
			res, err := webhook.ApplyJSON(ctx, c, raw)
			if err != nil {
				return err
			}
			return a.emit(res, func(w *textOut) {
				w.Println(res.String())
				for _, s := range res.Skipped {
					w.Printf("  skipped %s: %s\n", s.Where, strings.TrimSpace(s.Reason))
				}
			})
		}),
	}
}
