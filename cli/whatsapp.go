package cli

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"switchboard/inbox"
	"switchboard/inbox/rpc"
	"switchboard/inbox/whatsapp"
)

// The WhatsApp Cloud API's outbound side: the flags of the commands that send (the terminal
// inbox, serve, demo, and reply/retry/templates from the shell), `templates`, `retry`, and how
// a reply's delivery is printed. See docs/whatsapp.md.

// waFlags configure sending. The access token is never a flag's value (every user of the
// machine can read a process's arguments): it comes from a file or the environment.
type waFlags struct {
	url, version, phoneID, wabaID, tokenFile string
	rate                                     float64
	unknownWait                              time.Duration
	cmds                                     []*cobra.Command
}

const (
	envGraphURL     = "SWITCHBOARD_GRAPH_URL"
	envGraphVersion = "SWITCHBOARD_GRAPH_VERSION"
	envPhoneID      = "SWITCHBOARD_WA_PHONE_ID"
	envToken        = "SWITCHBOARD_WA_TOKEN"
	envTokenFile    = "SWITCHBOARD_WA_TOKEN_FILE"
	envWABA         = "SWITCHBOARD_WABA_ID"
	envRate         = "SWITCHBOARD_WA_RATE"
	envUnknownWait  = "SWITCHBOARD_WA_UNKNOWN_WAIT"
)

func (w *waFlags) add(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVar(&w.url, "graph-url", "", "Graph API base URL (env "+envGraphURL+"; default "+whatsapp.DefaultBaseURL+")")
	f.StringVar(&w.version, "graph-version", "", "Graph API version (env "+envGraphVersion+"; default "+whatsapp.DefaultVersion+")")
	f.StringVar(&w.phoneID, "wa-phone-id", "", "WhatsApp phone number id replies are sent from (env "+envPhoneID+"); without it replies stay local")
	f.StringVar(&w.tokenFile, "wa-token-file", "", "read the access token from FILE (env "+envTokenFile+", or the token itself in "+envToken+")")
	f.StringVar(&w.wabaID, "waba-id", "", "WhatsApp Business Account id, for templates (env "+envWABA+")")
	f.Float64Var(&w.rate, "wa-rate", 0, "the number's throughput limit, messages per second (env "+envRate+"; default 80)")
	f.DurationVar(&w.unknownWait, "wa-unknown-wait", 0, "how long a reply whose answer was lost waits for a status before it is sent again (env "+envUnknownWait+"; default 5m)")
	markServers(f, "graph-url", "graph-version", "wa-phone-id", "wa-token-file", "waba-id", "wa-rate", "wa-unknown-wait")
	w.cmds = append(w.cmds, cmd)
}

func (w *waFlags) changed(name string) bool {
	for _, c := range w.cmds {
		if c.Flags().Changed(name) {
			return true
		}
	}
	return false
}

func (w *waFlags) pick(flag, val, env string) string {
	if w.changed(flag) {
		return strings.TrimSpace(val)
	}
	return strings.TrimSpace(os.Getenv(env))
}

// sending is the configuration the flags and the environment give.
type sending struct {
	cfg         whatsapp.Config
	opt         whatsapp.Options
	configured  bool // a phone number id and a token
	tokenSource string
}

// config reads the flags and the environment: a phone number id needs a token (and the other
// way round), a bad rate or a missing token file is an error before anything is opened.
func (w *waFlags) config() (sending, error) {
	var s sending
	s.cfg.BaseURL = w.pick("graph-url", w.url, envGraphURL)
	s.cfg.Version = w.pick("graph-version", w.version, envGraphVersion)
	s.cfg.PhoneID = w.pick("wa-phone-id", w.phoneID, envPhoneID)
	s.cfg.WABAID = w.pick("waba-id", w.wabaID, envWABA)
	if s.cfg.BaseURL != "" && !strings.HasPrefix(s.cfg.BaseURL, "https://") && !strings.HasPrefix(s.cfg.BaseURL, "http://") {
		return s, usagef("--graph-url %q: give an http:// or https:// URL", s.cfg.BaseURL)
	}
	file := w.pick("wa-token-file", w.tokenFile, envTokenFile)
	tok, tokSet := os.LookupEnv(envToken)
	switch {
	case w.changed("wa-token-file") || (file != "" && !(tokSet && tok != "")):
		if file != "" {
			from := "--wa-token-file"
			if !w.changed("wa-token-file") {
				from = envTokenFile
			}
			if _, err := readSecret(from, file); err != nil {
				return s, err
			}
			s.cfg.Token = func() (string, error) { return readSecret(from, file) } // read again after a refusal
			s.tokenSource = from + " " + file
		}
	case tokSet && tok != "":
		if file != "" {
			return s, fmt.Errorf("%s and %s are both set: unset one", envToken, envTokenFile)
		}
		t := strings.TrimSpace(tok)
		s.cfg.Token = func() (string, error) { return t, nil }
		s.tokenSource = envToken
	}
	rate := w.rate
	if !w.changed("wa-rate") {
		if v := os.Getenv(envRate); v != "" {
			if _, err := fmt.Sscanf(v, "%g", &rate); err != nil {
				return s, fmt.Errorf("%s=%q is not a number of messages per second", envRate, v)
			}
		}
	}
	if rate < 0 || rate > 1000 {
		return s, usagef("--wa-rate %g: give 1 to 1000 messages per second (WhatsApp allows 80 by default, up to 1000 on request)", rate)
	}
	s.opt.Rate = rate
	wait := w.unknownWait
	if !w.changed("wa-unknown-wait") {
		if v := os.Getenv(envUnknownWait); v != "" {
			d, err := time.ParseDuration(v)
			if err != nil {
				return s, fmt.Errorf("%s=%q is not a duration (e.g. 5m)", envUnknownWait, v)
			}
			wait = d
		}
	}
	if wait < 0 {
		return s, usagef("--wa-unknown-wait %s: give a positive duration", wait)
	}
	s.opt.UnknownWait = wait
	switch {
	case s.cfg.PhoneID != "" && s.cfg.Token == nil:
		return s, fmt.Errorf("a WhatsApp phone number id is set but no access token: put it in a file (--wa-token-file FILE or %s) or in %s", envTokenFile, envToken)
	case s.cfg.PhoneID == "" && s.cfg.Token != nil && s.cfg.WABAID == "":
		return s, fmt.Errorf("an access token is set but no phone number id: give --wa-phone-id or %s (replies stay local without it)", envPhoneID)
	}
	s.configured = s.cfg.PhoneID != "" && s.cfg.Token != nil
	return s, nil
}

// startSender runs the sender for the owner's service when sending is configured; stop waits
// for the replies in flight to be recorded.
func startSender(svc *inbox.Service, s sending) (stop func()) {
	if !s.configured {
		return func() {}
	}
	return whatsapp.Start(svc, whatsapp.NewClient(s.cfg), s.opt)
}

// describe says how replies go out, for serve's start and `whoami`.
func (s sending) describe() string {
	if !s.configured {
		return "WhatsApp: no number configured, so replies stay local (" + inbox.NotConfigured + "); see docs/whatsapp.md"
	}
	base := s.cfg.BaseURL
	if base == "" {
		base = whatsapp.DefaultBaseURL
	}
	rate := s.opt.Rate
	if rate == 0 {
		rate = 80
	}
	return fmt.Sprintf("WhatsApp: replies go out from phone number id %s through %s (at most %g a second; token from %s)", s.cfg.PhoneID, base, rate, s.tokenSource)
}

// deliveryText is a reply's state in words, for show and reply.
func deliveryText(e inbox.Entry) string {
	d := string(e.Delivery)
	switch e.Delivery {
	case "":
		return ""
	case inbox.DeliveryLocal:
		d = inbox.NotConfigured
		if e.Error != "" {
			d = e.Error
		}
	case inbox.DeliveryFailed, inbox.DeliveryUnknown:
		if e.Error != "" {
			d += ": " + e.Error
		}
	}
	return d
}

// afterReply prints where a reply stands (after settle): queued by the owner, sent, failed,
// local, or still queued here.
func (a *app) afterReply(ctx context.Context, c inbox.Conn, out inbox.Outcome) error {
	e := out.Entry
	if e == nil {
		return nil
	}
	_, local := localSession(c)
	if a.json {
		return nil
	}
	w := a.outText()
	switch e.Delivery {
	case inbox.DeliveryQueued:
		if local {
			w.Printf("Reply %s stays queued: it was not sent yet (%s); it goes out when `switchboard serve` or the terminal inbox runs with WhatsApp configured.\n", e.ID, orDash(e.Error))
		} else {
			w.Printf("Reply %s queued: the process that owns the workspace sends it.\n", e.ID)
		}
	case inbox.DeliveryLocal:
		w.Printf("Reply %s %s: it is kept in the workspace only; configure a number (docs/whatsapp.md), then `switchboard retry %s`.\n", e.ID, inbox.NotConfigured, e.ID)
	default:
		w.Printf("Reply %s: %s\n", e.ID, deliveryText(*e))
	}
	return nil
}

// settle sends a reply this process queued (no owner runs, sending is configured here) before
// the command goes on, and gives the outcome with the reply as it is then.
func (a *app) settle(ctx context.Context, c inbox.Conn, out inbox.Outcome) inbox.Outcome {
	if sess, ok := localSession(c); ok && out.Entry != nil && out.Entry.Delivery == inbox.DeliveryQueued {
		out.Entry = a.waitSent(ctx, sess.Service(), *out.Entry)
	}
	return out
}

// waitSent runs a sender here until the reply is no longer queued (at most sendWait).
func (a *app) waitSent(ctx context.Context, svc *inbox.Service, e inbox.Entry) *inbox.Entry {
	stop := startSender(svc, a.sendCfg)
	defer stop()
	end := time.Now().Add(sendWait)
	for time.Now().Before(end) && ctx.Err() == nil {
		time.Sleep(50 * time.Millisecond)
		if now, ok := svc.ReplyEntry(e.ID); ok {
			e = now
			if e.Delivery != inbox.DeliveryQueued {
				break
			}
		}
	}
	return &e
}

// sendWait is how long a reply from the shell, with no owner running, waits to be sent.
var sendWait = 20 * time.Second

// ---- templates ----

func templatesCmds(a *app) []*cobra.Command {
	t := a.parent("templates", "The WhatsApp message templates replies outside the 24-hour window use",
		"  switchboard templates sync\n  switchboard templates list", func(ctx context.Context, cmd *cobra.Command, args []string) error {
			return templatesList(ctx, a)
		})
	sync := &cobra.Command{Use: "sync", Short: "Read the WhatsApp Business Account's message templates (admins)", Args: cobra.NoArgs,
		Long: `Read every message template of the WhatsApp Business Account (--waba-id or SWITCHBOARD_WABA_ID,
with the access token), following the API's pages, and keep them in the workspace: the
approved ones are what reply --template and the reply box offer.`,
		Example: `  SWITCHBOARD_WABA_ID=102290129340398 SWITCHBOARD_WA_TOKEN_FILE=~/.config/switchboard/token switchboard templates sync
  switchboard templates sync --waba-id 102290129340398 --wa-token-file ~/.config/switchboard/token`,
		RunE: a.runE(func(ctx context.Context, cmd *cobra.Command, args []string) error { return templatesSync(ctx, a) })}
	list := &cobra.Command{Use: "list", Short: "List the templates last synced", Args: cobra.NoArgs,
		Example: "  switchboard templates list\n  switchboard templates list --json",
		RunE:    a.runE(func(ctx context.Context, cmd *cobra.Command, args []string) error { return templatesList(ctx, a) })}
	a.wa.add(sync)
	t.AddCommand(sync, list)
	return []*cobra.Command{t, newRetryCmd(a), newOutboxCmd(a)}
}

func templatesSync(ctx context.Context, a *app) error {
	s, err := a.wa.config()
	if err != nil {
		return err
	}
	if s.cfg.WABAID == "" || s.cfg.Token == nil {
		return fmt.Errorf("templates sync needs the WhatsApp Business Account id (--waba-id or %s) and an access token (--wa-token-file FILE, %s or %s)", envWABA, envTokenFile, envToken)
	}
	ts, err := whatsapp.NewClient(s.cfg).Templates(ctx)
	if err != nil {
		return fmt.Errorf("could not read the templates of WhatsApp Business Account %s: %v; nothing was changed", s.cfg.WABAID, err)
	}
	c, _, err := a.session(ctx)
	if err != nil {
		return err
	}
	if _, err := inbox.OpPutTemplates.Call(ctx, c, ts); err != nil {
		return err
	}
	approved := 0
	for _, t := range ts {
		if t.Status == "APPROVED" {
			approved++
		}
	}
	return a.emit(ts, func(w *textOut) {
		w.Printf("Synced %d templates (%d approved) from WhatsApp Business Account %s.\n", len(ts), approved, s.cfg.WABAID)
	})
}

func templatesList(ctx context.Context, a *app) error {
	c, _, err := a.session(ctx)
	if err != nil {
		return err
	}
	ts, err := inbox.OpTemplates.Call(ctx, c, inbox.None{})
	if err != nil {
		return err
	}
	return a.emit(ts, func(w *textOut) {
		if len(ts) == 0 {
			w.Println("No templates synced yet: run `switchboard templates sync`.")
			return
		}
		tb := w.Table("", 2, 30, 8, 10, 14, 60)
		tb.Row("NAME", "LANG", "STATUS", "CATEGORY", "TEXT")
		for _, t := range ts {
			tb.Row(t.Name, t.Language, t.Status, t.Category, t.Body)
		}
		tb.Flush()
	})
}

// ---- retry ----

func newRetryCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{Use: "retry REPLY-ID", Short: "Send a failed (or local) reply again", Args: cobra.ExactArgs(1),
		GroupID: "conv",
		Long: `Queue a failed reply (or one kept local because no number was configured) to be sent again.
A reply whose answer was lost (unknown) is not retried by hand: it is sent again on its own
unless WhatsApp reports it first. Reply ids are in ` + "`switchboard show CONTACT`" + `.`,
		Example: `  switchboard retry sb.15550001111.7`,
		RunE: a.runE(func(ctx context.Context, cmd *cobra.Command, args []string) error {
			s, err := a.wa.config()
			if err != nil {
				return err
			}
			a.sendCfg = s
			c, as, err := a.session(ctx)
			if err != nil {
				return err
			}
			if sess, ok := localSession(c); ok && s.configured {
				sess.Service().SetOutbound(true, "") // this process sends it before it exits
			}
			out, err := inbox.OpRetry.Call(ctx, c, inbox.ReplyIDReq{ID: args[0]})
			if err != nil {
				return err
			}
			out = a.settle(ctx, c, out)
			if err := a.outcome(ctx, c, out, as); err != nil {
				return err
			}
			return a.afterReply(ctx, c, out)
		})}
	a.wa.add(cmd)
	return cmd
}

// localSession is the session under c when this process opened the file itself (no owner
// runs), so the reply is this process's to send.
func localSession(c inbox.Conn) (*inbox.Session, bool) {
	if rc, ok := c.(*rpc.Conn); ok {
		c = rc.Conn
	}
	s, ok := c.(*inbox.Session)
	return s, ok
}

// ---- outbox ----

func newOutboxCmd(a *app) *cobra.Command {
	return &cobra.Command{Use: "outbox", Short: "List the replies waiting to be sent (queued, in flight, unknown)", Args: cobra.NoArgs,
		Long: `List the replies in the outbox, the earliest due first: queued (waiting, or retrying after a
transient error, with the last error), sending (taken by a sender; after a crash the next owner
makes it unknown) and unknown (its answer was lost: sent again when due unless WhatsApp reports
it first).`,
		Example: "  switchboard outbox\n  switchboard outbox --json",
		RunE: a.runE(func(ctx context.Context, cmd *cobra.Command, args []string) error {
			c, _, err := a.session(ctx)
			if err != nil {
				return err
			}
			box, err := inbox.OpOutbox.Call(ctx, c, inbox.None{})
			if err != nil {
				return err
			}
			sending, err := inbox.OpSending.Call(ctx, c, inbox.None{})
			if err != nil {
				return err
			}
			if sending.Paused != "" && a.json { // stdout stays the list
				a.errText().Printf("%s.\n", sending.Paused)
			}
			return a.emit(box, func(w *textOut) {
				if sending.Paused != "" {
					w.Printf("%s.\n\n", sending.Paused)
				}
				if len(box) == 0 {
					w.Println("The outbox is empty: every reply was sent, failed or kept local.")
					return
				}
				tb := w.Table("", 2, 40, 8, 8, 20, 60)
				tb.Row("REPLY", "STATE", "TRIES", "DUE", "LAST ERROR")
				for _, o := range box {
					due := o.Due.Local().Format("2006-01-02 15:04:05")
					if o.State == inbox.OutSending {
						due = "in flight since " + o.Since.Local().Format("15:04:05")
					}
					tb.Row(o.ID, string(o.State), fmt.Sprint(o.Attempts), due, orDash(o.Last))
				}
				tb.Flush()
			})
		})}
}
