package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"switchboard/inbox"
	"switchboard/inbox/webhook"
)

// `switchboard inject`: a customer's message or call, or a saved webhook payload, arrives as
// if from WhatsApp.

func newInjectCmd(a *app) *cobra.Command {
	cmd := a.parent("inject", "Inject an inbound message or call, as if a customer sent it",
		`  switchboard inject message +15550002222 "Where is my order?"
  switchboard inject call +15550002222 --missed`, nil)
	cmd.AddCommand(newInjectMessageCmd(a, nil), newInjectCallCmd(a, nil), newInjectWebhookCmd(a, nil))
	return cmd
}

// injectOptions is what `inject message` or `inject call` parsed: what arrives.
type injectOptions struct {
	*app
	In inbox.Inbound
}

func newInjectMessageCmd(a *app, runF func(context.Context, *injectOptions) error) *cobra.Command {
	opts := &injectOptions{app: a, In: inbox.Inbound{Channel: "message"}}
	cmd := &cobra.Command{
		Use:   "message FROM TEXT",
		Short: "A customer's WhatsApp message arrives",
		Long: `A customer's WhatsApp message arrives and is routed. FROM is their phone number, or their
business-scoped user id (BSUID, like US.13491208655302741918) when they do not share their
number. A new number is written with + and its country code; one without + must be a
contact's number already (a national number is refused, naming the contact it may be).
--bsuid gives both (one contact has them from then on), --username their WhatsApp username.
A new identity creates the contact. --id is the message's external id: the same id again,
until the end of the next UTC day, is stored once.`,
		Example: `  switchboard inject message +15550002222 "Where is my order?"
  switchboard inject message +15550009999 "Hi, I need a refund" --name "Gus Lee" --id wamid.42
  switchboard inject message US.13491208655302741918 "Hola" --username rosa.m`,
		Args: cobra.ExactArgs(2),
		RunE: a.runE(func(ctx context.Context, cmd *cobra.Command, args []string) error {
			opts.In.From, opts.In.Text = args[0], args[1]
			return runOr(ctx, opts, runF, injectRun)
		}),
	}
	cmd.Flags().StringVar(&opts.In.Name, "name", "", "the contact's name, when the contact is new or has none")
	cmd.Flags().StringVar(&opts.In.ExternalID, "id", "", "external message id: the same id again, until the end of the next UTC day, is a duplicate")
	cmd.Flags().StringVar(&opts.In.BSUID, "bsuid", "", "the customer's business-scoped user id, beside the number FROM")
	cmd.Flags().StringVar(&opts.In.Username, "username", "", "the customer's WhatsApp username")
	return cmd
}

func newInjectCallCmd(a *app, runF func(context.Context, *injectOptions) error) *cobra.Command {
	opts := &injectOptions{app: a, In: inbox.Inbound{Channel: "call"}}
	var missed bool
	var duration int
	cmd := &cobra.Command{
		Use:   "call FROM",
		Short: "A customer's WhatsApp call arrives",
		Long: `A customer's WhatsApp call arrives and is routed. FROM is their phone number or BSUID (as
for inject message). With no flag the call is ringing (it is arriving now); --missed records a
missed call, --duration SECONDS an answered one. The same --id again with --missed or
--duration ends that ringing call in place; a call left ringing is marked missed after the
ring timeout (60 s).`,
		Example: `  switchboard inject call +15550002222             # ringing
  switchboard inject call +15550002222 --missed
  switchboard inject call +15550002222 --duration 95 --id wacid.7`,
		Args: cobra.ExactArgs(1),
		RunE: a.runE(func(ctx context.Context, cmd *cobra.Command, args []string) error {
			opts.In.From, opts.In.Outcome = args[0], inbox.CallRinging
			switch {
			case missed:
				opts.In.Outcome = inbox.CallMissed
			case cmd.Flags().Changed("duration"):
				if duration < 0 {
					return usagef("--duration %d: give the call's length in seconds, 0 or more", duration)
				}
				opts.In.Outcome, opts.In.Duration = inbox.CallAnswered, duration
			}
			return runOr(ctx, opts, runF, injectRun)
		}),
	}
	cmd.Flags().StringVar(&opts.In.Name, "name", "", "the contact's name, when the contact is new or has none")
	cmd.Flags().StringVar(&opts.In.ExternalID, "id", "", "external call id: the same id again, until the end of the next UTC day, is a duplicate")
	cmd.Flags().StringVar(&opts.In.BSUID, "bsuid", "", "the caller's business-scoped user id, beside the number FROM")
	cmd.Flags().StringVar(&opts.In.Username, "username", "", "the caller's WhatsApp username")
	cmd.Flags().BoolVar(&missed, "missed", false, "the call was missed")
	cmd.Flags().IntVar(&duration, "duration", 0, "the call was answered and lasted SECONDS")
	cmd.MarkFlagsMutuallyExclusive("missed", "duration")
	return cmd
}

func injectRun(ctx context.Context, opts *injectOptions) error {
	c, err := opts.connect()
	if err != nil {
		return err
	}
	in := opts.In
	in.At = time.Time{}
	if err := bareNumber(ctx, c, in.From); err != nil {
		return err
	}
	out, err := inbox.OpInject.Call(ctx, c, in)
	if err != nil {
		return err
	}
	return opts.outcome(ctx, c, out, c.Operator())
}

// injectWebhookOptions is what `inject webhook` parsed: File is a path, or - for stdin.
type injectWebhookOptions struct {
	*app
	File string
}

// newInjectWebhookCmd feeds a saved webhook payload through the same code as the HTTP endpoint.
func newInjectWebhookCmd(a *app, runF func(context.Context, *injectWebhookOptions) error) *cobra.Command {
	opts := &injectWebhookOptions{app: a}
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
			opts.File = args[0]
			return runOr(ctx, opts, runF, injectWebhookRun)
		}),
	}
}

func injectWebhookRun(ctx context.Context, opts *injectWebhookOptions) error {
	in, err := opts.openInput(opts.File, "the payload", "inject webhook -")
	if err != nil {
		return err
	}
	raw, err := readCapped(in, webhook.MaxBody)
	in.Close()
	if errors.Is(err, errTooLarge) {
		return fmt.Errorf("the payload %s is larger than %d MB, the most the webhook endpoint accepts (WhatsApp's own are far smaller): give one delivery's JSON", opts.File, webhook.MaxBody>>20)
	}
	if err != nil {
		return fmt.Errorf("cannot read the payload: %v", err)
	}
	c, err := opts.connect()
	if err != nil {
		return err
	}
	res, err := webhook.ApplyJSON(ctx, webhook.Through(c), raw)
	if err != nil {
		return err
	}
	return opts.emit(res, func(w *textOut) {
		w.Println(res.String())
		for _, s := range res.Skipped {
			w.Printf("  skipped %s: %s\n", s.Where, strings.TrimSpace(s.Reason))
		}
		if res.SkippedMore > 0 {
			w.Printf("  … and %d more skipped\n", res.SkippedMore)
		}
	})
}

// afterIntlPrefix is what follows a leading 00, the prefix many countries dial abroad with:
// the number with its country code ("0049151234" and "+0049151234" are +49151234).
func afterIntlPrefix(number string) (string, bool) {
	intl, ok := strings.CutPrefix(strings.TrimPrefix(number, "+"), "00")
	return intl, ok && len(intl) >= 6
}

// bareNumber checks a FROM written without + and its country code: a contact's number as it is
// is fine; anything else would silently make a new contact of a number that may be missing its
// country code, so it is refused — naming the contact whose number ends with it, if one does.
func bareNumber(ctx context.Context, c inbox.Conn, from string) error {
	s := strings.TrimSpace(from)
	if strings.HasPrefix(s, "+0") {
		// no country code begins with 0: +00… is an international prefix written after the +
		if _, err := inbox.OpContact.Call(ctx, c, inbox.ContactReq{Contact: s}); err == nil || inbox.KindOf(err) != inbox.NotFound {
			return nil // a contact has it as it is (or an error the inject itself will report)
		}
		hint := "write the number with its country code after the +"
		if intl, ok := afterIntlPrefix(s); ok {
			hint = "its 00 is the international prefix, so write it as +" + intl
		}
		return &exitError{code: exitUsage, noUsage: true, err: fmt.Errorf(
			"No contact has the number %s, and no country code begins with 0, so it is not made a new contact: %s", s, hint)}
	}
	if s == "" || strings.HasPrefix(s, "+") {
		return nil
	}
	digits := strings.NewReplacer(" ", "", "-", "", "(", "", ")", "", ".", "").Replace(s)
	for _, r := range digits {
		if r < '0' || r > '9' {
			return nil // a BSUID, a username, a contact id: the inbox reads it
		}
	}
	if len(digits) < 4 || strings.ContainsAny(s, ".") {
		return nil // too short to be a number anyone types; the inbox says what is wrong
	}
	if _, err := inbox.OpContact.Call(ctx, c, inbox.ContactReq{Contact: digits}); err == nil || inbox.KindOf(err) != inbox.NotFound {
		return nil // a contact's number (or an error the inject itself will report)
	}
	which, err := nationalMatches(ctx, c, digits)
	if err != nil {
		return err
	}
	switch {
	case len(which) == 1:
		return &exitError{code: exitUsage, noUsage: true, err: fmt.Errorf(
			"No contact has the number %s, but %s has it without the country code: write %s to mean them, or the new number with + and its country code",
			digits, which[0], strings.Fields(which[0])[0])}
	case len(which) > 1:
		return &exitError{code: exitUsage, noUsage: true, err: fmt.Errorf(
			"No contact has the number %s, but %d contacts have it without their country code: %s. Write the one you mean with + and its country code",
			digits, len(which), strings.Join(which, ", "))}
	}
	if intl, ok := afterIntlPrefix(digits); ok {
		return &exitError{code: exitUsage, noUsage: true, err: fmt.Errorf(
			"No contact has the number %s, and a number without + is not made a new contact: its leading 00 is the international prefix, so write it as +%s",
			digits, intl)}
	}
	return &exitError{code: exitUsage, noUsage: true, err: fmt.Errorf(
		"No contact has the number %s, and a number without + is not made a new contact (its country code may be missing): write it with + and its country code — +%s if it already starts with one, else for example +1%s (US, Canada) or +44%s (UK)",
		digits, digits, digits, digits)}
}

// nationalMatches are the contacts whose number is digits after a country code of one to three
// digits ("+15550001111 (Dana Diaz)" for 5550001111).
func nationalMatches(ctx context.Context, c inbox.Conn, digits string) ([]string, error) {
	r, err := inbox.OpSearch.Call(ctx, c, inbox.SearchReq{Query: digits, Limit: inbox.SearchMax})
	if err != nil {
		return nil, err
	}
	var which []string
	for _, h := range r.Hits {
		if p := h.Phone; strings.HasSuffix(p, digits) && len(p)-len(digits) >= 1 && len(p)-len(digits) <= 3 {
			which = append(which, fmt.Sprintf("%s (%s)", h.Number(), h.Display()))
		}
	}
	return which, nil
}
