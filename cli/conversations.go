package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"switchboard/inbox"
	"switchboard/textsafe"
)

// Conversations: `list`, `show`, the actions on one conversation (`reply`, `assign`, `owner`,
// `team`, `close`, `accept`, `decline`), `prompts` and `notifications`.

func conversationCmds(a *app) []*cobra.Command {
	return []*cobra.Command{newListCmd(a, nil), newShowCmd(a, nil),
		newReplyCmd(a, nil), newAssignCmd(a, nil), newOwnerCmd(a, nil), newTeamCmd(a, nil), newCloseCmd(a, nil),
		newAcceptCmd(a, nil), newDeclineCmd(a, nil),
		newPromptsCmd(a, nil), newNotificationsCmd(a, nil), newSearchCmd(a, nil)}
}

// ---- printing conversations ----

func assigneeText(cv inbox.ConversationView) string {
	switch id := cv.AssigneeID(); {
	case id == "":
		return "unassigned"
	case cv.Cover != nil || cv.Backlog:
		return "assigned to " + cv.AssigneeText() // "Olga Novak (covering for Lena Fischer, away)", "Bot (backlog)"
	case id == "bot":
		return "assigned to Bot"
	default:
		return "assigned to " + named(cv.AssigneeName, id)
	}
}

func ownerText(cv inbox.ConversationView) string {
	if cv.OwnerID() == "" {
		return "no owner"
	}
	return "owner " + named(cv.Contact.OwnerName, cv.OwnerID())
}

// identities names a contact's WhatsApp identities: their number (or that they do not share
// it), their @username when the name shown is not it, their BSUID.
func identities(c inbox.ContactView) string {
	var parts []string
	if c.Number() != c.Display() { // a contact with no name is shown by its number: once
		parts = append(parts, c.Number())
	}
	if c.Username != "" && c.Display() != "@"+c.Username {
		parts = append(parts, "@"+c.Username)
	}
	if c.BSUID != "" && c.BSUID != c.Display() {
		parts = append(parts, c.BSUID)
	}
	return strings.Join(parts, " · ")
}

// withIdentities is the contact as a sentence names it: "Dana Diaz (+15550001111)", and a
// contact with no name by its number alone.
func withIdentities(c inbox.ContactView) string {
	if ids := identities(c); ids != "" {
		return c.Display() + " (" + ids + ")"
	}
	return c.Display()
}

// nameCell is a contact in a table's NAME column beside its number: "-" for a contact with no
// name, which the column before already shows.
func nameCell(c inbox.ContactView) string {
	if c.Display() == c.Handle() {
		return "-"
	}
	return c.Display()
}

// idText writes a contact id as people type it: a number with its +.
func idText(id string) string {
	if _, err := inbox.NormalizePhone(id); err == nil {
		return "+" + id
	}
	return id
}

// convLine is one sentence of a conversation's state.
func convLine(cv inbox.ConversationView) string {
	if cv.Status == "" {
		return fmt.Sprintf("%s: no conversation yet, %s", withIdentities(cv.Contact), ownerText(cv))
	}
	s := fmt.Sprintf("%s: %s, %s, %s", withIdentities(cv.Contact), cv.Status, assigneeText(cv), ownerText(cv))
	if cv.Team != "" {
		s += ", team " + named(cv.TeamName, cv.Team)
	}
	return s
}

// commandFor is the switchboard command line prefix that acts as who: it repeats --db when it
// was given as a flag, and names --as when who is not the operator this run acts as by default.
func (a *app) commandFor(who, actor string) string {
	s := "switchboard"
	if a.root.PersistentFlags().Changed("db") {
		s += " --db " + shellQuote(a.db)
	}
	if who != "" && (who != actor || a.root.PersistentFlags().Changed("as")) {
		s += " --as " + shellQuote(who)
	}
	return s
}

// answerer is who may answer the prompt: the actor when they may, else the person named.
func answerer(ctx context.Context, c inbox.Conn, p *inbox.PromptView, actor string) string {
	if p.RaisedBy != "routing" {
		return p.RaisedBy
	}
	if actor == p.Owner {
		return actor
	}
	if ops, err := inbox.OpOperators.Call(ctx, c, inbox.None{}); err == nil {
		for _, o := range ops {
			if o.ID == actor && o.Role == "admin" {
				return actor
			}
		}
	}
	return p.Owner
}

// printPrompt writes the question and the exact commands that answer it.
func (a *app) printPrompt(w *textOut, ctx context.Context, c inbox.Conn, p *inbox.PromptView, actor string) {
	prefix := a.commandFor(answerer(ctx, c, p, actor), actor)
	w.Printf("A team decision waits: %s\n", p.Question)
	var lines [][2]string
	for i, t := range p.Choices {
		lines = append(lines, [2]string{fmt.Sprintf("%s accept %s --team %s", prefix, p.Contact, shellQuote(t)),
			fmt.Sprintf("move it to %s and assign %s", p.ChoiceNames[i], p.OwnerName)})
	}
	if len(p.Choices) == 0 {
		w.Printf("%s is in no team: add them first with `switchboard teams members add TEAM %s`, then accept.\n", p.OwnerName, p.Owner)
	}
	decline := "hand it to Bot and tell " + p.OwnerName
	if p.Kind == "assign" {
		decline = "change nothing"
	}
	lines = append(lines, [2]string{fmt.Sprintf("%s decline %s", prefix, p.Contact), decline})
	tw := w.Table("  ", 2)
	for _, l := range lines {
		tw.Row(l[0], "# "+l[1])
	}
	tw.Flush()
}

// outcome prints what a command did to a conversation; a waiting decision is exit 3.
func (a *app) outcome(ctx context.Context, c inbox.Conn, out inbox.Outcome, actor string) error {
	err := a.emit(out, func(w *textOut) {
		if out.Duplicate {
			w.Println("Already received (same --id): nothing was stored again.")
		}
		w.Println(convLine(out.Conversation))
		switch why := out.Conversation.Why; {
		case a.action && out.Why != "" && why != "" && why != out.Why:
			// an action that did not move it (a close, a reopen): what it did, then why the
			// conversation is where it is, as show says
			w.Printf("Done: %s\n", out.Why)
			w.Printf("Why: %s\n", why)
		case out.Why != "":
			w.Printf("Why: %s\n", out.Why)
		}
	})
	if err != nil || out.Prompt == nil {
		return err
	}
	w := a.outText()
	if a.json {
		w = a.errText() // keep stdout pure JSON
	}
	a.printPrompt(w, ctx, c, out.Prompt, actor)
	return &exitError{code: exitWaiting}
}

// ---- list ----

// listOptions is what `list` parsed.
type listOptions struct {
	*app
	Filter inbox.Filter // without Limit: the pages' size is run's
	Limit  int          // at most this many (0: all)
}

func newListCmd(a *app, runF func(context.Context, *listOptions) error) *cobra.Command {
	opts := &listOptions{app: a}
	var status, assignee, team, cursor, order string
	var waiting, backlog bool
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List conversations, newest activity first",
		Long: `List conversations, newest activity first (--order oldest: oldest first). Every
matching conversation is printed, page by page as it is read, unless --limit N stops after N;
then, when more follow, the cursor to go on from is printed (on stderr, or as "next" with
--json) and --cursor CURSOR continues from there, in the same order.`,
		Example: `  switchboard list                        # open conversations
  switchboard list --status all --team sales
  switchboard list --assignee none         # open and unassigned
  switchboard list --waiting               # waiting for a team decision
  switchboard list --backlog --team support   # waiting with Bot for round robin, oldest first
  switchboard list --limit 20              # the 20 newest; stderr says how to go on
  switchboard list --limit 20 --cursor CURSOR
  switchboard list --order oldest --limit 5
  switchboard list --json | jq '.conversations[].contact.id'`,
		Args: cobra.NoArgs,
		RunE: a.runE(func(ctx context.Context, cmd *cobra.Command, args []string) error {
			switch status {
			case "open", "closed", "all":
			default:
				return usagef("--status %q: use open, closed or all", status)
			}
			switch inbox.Order(order) {
			case inbox.NewestFirst, inbox.OldestFirst:
			default:
				return usagef("--order %q: use newest or oldest", order)
			}
			if opts.Limit < 0 {
				return usagef("--limit %d: give a number of conversations, at least 1 (or 0 for all)", opts.Limit)
			}
			if cursor != "" {
				if err := a.wiring.CheckCursor(cursor); err != nil {
					return usagef("--cursor: %v", err)
				}
			}
			opts.Filter = inbox.Filter{View: inbox.ViewAll, Status: status, Assignee: assignee, Team: team, Cursor: cursor,
				Order: inbox.Order(order)}
			if waiting {
				opts.Filter.View = inbox.ViewWaiting
			}
			if backlog {
				if waiting {
					return usagef("--backlog and --waiting: give one of them (a conversation waiting for a decision is not in the backlog)")
				}
				if assignee != "" && assignee != "bot" {
					return usagef("--backlog --assignee %q: the backlog waits with Bot; leave --assignee out", assignee)
				}
				opts.Filter.View = inbox.ViewBacklog
				if !cmd.Flags().Changed("order") {
					opts.Filter.Order = inbox.OldestFirst // the order round robin gives it out in
				}
			}
			return runOr(ctx, opts, runF, listRun)
		}),
	}
	cmd.Flags().StringVar(&status, "status", "open", "open, closed or all")
	cmd.Flags().StringVar(&assignee, "assignee", "", "only conversations assigned to this operator id, bot, or none")
	cmd.Flags().StringVar(&team, "team", "", "only conversations of this team id")
	cmd.Flags().BoolVar(&waiting, "waiting", false, "only conversations waiting for a team decision")
	cmd.Flags().BoolVar(&backlog, "backlog", false, "only conversations waiting in a team's backlog (oldest first, unless --order)")
	cmd.Flags().IntVar(&opts.Limit, "limit", 0, "print at most N conversations (0: all), then the cursor to go on from")
	cmd.Flags().StringVar(&cursor, "cursor", "", "start after this cursor (printed by a previous --limit)")
	cmd.Flags().StringVar(&order, "order", "newest", "newest or oldest activity first")
	return cmd
}

func listRun(ctx context.Context, opts *listOptions) error {
	c, err := opts.connect()
	if err != nil {
		return err
	}
	f, limit := opts.Filter, opts.Limit
	out := opts.listOut()
	// pages are printed as they come, so a long list starts at once and is never held
	// whole in memory
	for left := limit; ; {
		f.Limit = 500
		if limit > 0 {
			f.Limit = min(500, left)
		}
		p, err := inbox.OpList.Call(ctx, c, f)
		if err != nil {
			return err
		}
		out.page(p.Conversations)
		left -= len(p.Conversations)
		if p.Next == "" || (limit > 0 && left <= 0) {
			return out.end(p.Next)
		}
		f.Cursor = p.Next
	}
}

// listPrinter prints a list page by page: in text, a table whose columns the first page sets;
// with --json, one JSON document {"conversations": [...], "next": "..."} written as the pages
// come.
type listPrinter struct {
	a  *app
	n  int
	tw *table
}

func (a *app) listOut() *listPrinter { return &listPrinter{a: a} }

func (l *listPrinter) page(cs []inbox.ConversationView) {
	w := l.a.stdout
	if l.a.json {
		w := textsafe.JSONWriter(w)
		for _, cv := range cs {
			b, _ := json.MarshalIndent(cv, "    ", "  ")
			sep := ",\n    "
			if l.n == 0 {
				sep = "{\n  \"conversations\": [\n    "
			}
			fmt.Fprintf(w, "%s%s", sep, b)
			l.n++
		}
		return
	}
	if len(cs) == 0 {
		return
	}
	if l.tw == nil {
		l.tw = newTextOut(w).Table("", 2, 0, nameCells, 0, 0, 0, 0, previewCells)
		l.tw.Row("CONTACT", "NAME", "STATUS", "ASSIGNEE", "TEAM", "LAST", "PREVIEW")
	}
	for _, cv := range cs {
		st := cv.Status
		if cv.Prompt != nil {
			st += " (waiting)"
		}
		as := cv.AssigneeID()
		if as == "" {
			as = "-"
		}
		l.tw.Row(cv.Contact.Handle(), nameCell(cv.Contact), string(st), as, orDash(cv.Team),
			cv.LastAt.Local().Format("2006-01-02 15:04"), cv.Preview)
	}
	l.n += len(cs)
	l.tw.Flush()
}

// end finishes the list; next is the cursor to go on from ("" at the end of the list).
func (l *listPrinter) end(next string) error {
	w := l.a.stdout
	if l.a.json {
		w := textsafe.JSONWriter(w)
		if l.n == 0 {
			io.WriteString(w, "{\n  \"conversations\": [")
		} else {
			io.WriteString(w, "\n  ")
		}
		io.WriteString(w, "]")
		if next != "" {
			b, _ := json.Marshal(next)
			fmt.Fprintf(w, ",\n  \"next\": %s", b)
		}
		io.WriteString(w, "\n}\n")
		return nil
	}
	if l.n == 0 {
		newTextOut(w).Println("No conversations match.")
	}
	if next != "" {
		l.a.errText().Printf("More conversations follow: run the same command with --cursor %s to go on.\n", next)
	}
	return nil
}

// ---- show ----

// printEntry prints one timeline entry; a message's or a reply's lines after the first are
// indented under its first.
func printEntry(w *textOut, e inbox.Entry) {
	at := e.At.Local().Format("2006-01-02 15:04:05")
	text := inbox.EntryText(e)
	if pre := inbox.EntryContext(e); len(pre) > 0 && e.Source != inbox.SourceApp {
		text = "(" + strings.Join(pre, "; ") + ") " + text
	}
	switch e.Kind {
	case "message":
		w.Block(at+"  ← message  ", text)
	case "reply":
		by := e.By
		if e.Source == inbox.SourceApp {
			by = "(sent from the WhatsApp Business app)"
		}
		if d := deliveryText(e); d != "" {
			text += "  [" + textsafe.Line(d) + "]"
		}
		if e.ID != "" && e.Source == "" {
			text += "  " + textsafe.Line(e.ID)
		}
		w.Block(fmt.Sprintf("%s  → reply    %s: ", at, by), text)
	case "call":
		s := fmt.Sprintf("%s  ☎ call     %s", at, orDash(string(e.Outcome)))
		if e.Outcome == inbox.CallAnswered {
			s += " (" + inbox.FormatDuration(e.Duration) + ")"
		}
		w.Println(s)
	case "note":
		w.Printf("%s  · note     [%s] %s\n", at, e.Reason, e.Text)
	default:
		w.Printf("%s  %s  %s\n", at, e.Kind, e.Text)
	}
}

// showOptions is what `show` parsed.
type showOptions struct {
	*app
	Contact string
	Last    int // only the newest N entries (0: all)
}

func newShowCmd(a *app, runF func(context.Context, *showOptions) error) *cobra.Command {
	opts := &showOptions{app: a}
	cmd := &cobra.Command{
		Use:   "show CONTACT",
		Short: `Show one conversation: who has it, its timeline and "why"`,
		Example: `  switchboard show +15550002222
  switchboard show 15550002222 --last 10
  switchboard show 15550002222 --json | jq .conversation.why`,
		Args: cobra.ExactArgs(1),
		RunE: a.runE(func(ctx context.Context, cmd *cobra.Command, args []string) error {
			if opts.Last < 0 {
				return usagef("--last %d: give 0 (everything) or more", opts.Last)
			}
			opts.Contact = args[0]
			return runOr(ctx, opts, runF, showRun)
		}),
	}
	cmd.Flags().IntVar(&opts.Last, "last", 0, "show only the newest N timeline entries (0: all)")
	return cmd
}

func showRun(ctx context.Context, opts *showOptions) error {
	c, as, err := opts.session(ctx)
	if err != nil {
		return err
	}
	last := opts.Last
	limit := 500
	if last > 0 && last < limit {
		limit = last
	}
	d, err := inbox.OpConversation.Call(ctx, c, inbox.ConversationReq{Contact: opts.Contact, Cursor: "", Limit: limit})
	if err != nil {
		return err
	}
	for older := d.Older; older != "" && (last == 0 || len(d.Timeline) < last); {
		page, err := inbox.OpConversation.Call(ctx, c, inbox.ConversationReq{Contact: opts.Contact, Cursor: older, Limit: limit})
		if err != nil {
			return err
		}
		d.Timeline = append(page.Timeline, d.Timeline...)
		older = page.Older
		d.Older = older
	}
	if last > 0 && len(d.Timeline) > last {
		d.Timeline = d.Timeline[len(d.Timeline)-last:]
	}
	cv := d.Conversation
	return opts.emit(d, func(w *textOut) {
		w.Printf("%s\n", withIdentities(cv.Contact))
		tw := w.Table("  ", 1)
		owner := "none"
		if cv.OwnerID() != "" {
			owner = named(cv.Contact.OwnerName, cv.OwnerID())
		}
		assignee := "none"
		if cv.AssigneeID() != "" {
			assignee = named(cv.AssigneeName, cv.AssigneeID())
		}
		if cv.Cover != nil || cv.Backlog {
			assignee = cv.AssigneeText() // "Olga Novak (covering for Lena Fischer, away)"
		}
		status := orDash(string(cv.Status))
		if cv.Prompt != nil {
			status += ", waiting for a team decision"
		}
		tw.Row("owner:", owner)
		tw.Row("assignee:", assignee)
		tw.Row("team:", orDash(named(cv.TeamName, cv.Team)))
		tw.Row("status:", status)
		if d.Outbound.Paused != "" {
			tw.Row("sending:", strings.TrimPrefix(d.Outbound.Paused, "Sending "))
		}
		if len(cv.Contact.Tags) > 0 {
			tw.Row("tags:", strings.Join(cv.Contact.Tags, ", "))
		}
		if len(cv.Contact.PastPhones) > 0 {
			past := make([]string, len(cv.Contact.PastPhones))
			for i, p := range cv.Contact.PastPhones {
				past[i] = "+" + p
			}
			tw.Row("before:", strings.Join(past, ", "))
		}
		tw.Flush()
		w.Println()
		if len(d.Timeline) == 0 {
			w.Println("  (no messages or calls yet)")
		}
		for _, e := range d.Timeline {
			printEntry(w, e)
		}
		if cv.Why != "" {
			w.Printf("\nWhy: %s\n", cv.Why)
		}
		if cv.Prompt != nil {
			w.Println()
			if d.CanAnswer {
				opts.printPrompt(w, ctx, c, cv.Prompt, as)
			} else {
				w.Printf("A team decision waits: %s\n  (%s may answer it, not %s)\n", cv.Prompt.Question,
					whoMayAnswer(cv.Prompt), as)
			}
		}
	})
}

func whoMayAnswer(p *inbox.PromptView) string {
	if p.RaisedBy == "routing" {
		return p.OwnerName + " or an admin"
	}
	return p.RaisedBy
}

// ---- actions on one conversation ----

// action is one thing done to a conversation, as the actor, giving its outcome.
type action func(ctx context.Context, c inbox.Conn, as string, o *actionOptions) (inbox.Outcome, error)

// actionOptions is what an action's command parsed.
type actionOptions struct {
	*app
	Contact string
	Arg     string // the argument after CONTACT: reply's TEXT, assign's and owner's OPERATOR, team's TEAM
	Team    string // accept's --team
	do      action
}

// newActionCmd is the command of an action; nargs is 1 (CONTACT) or 2 (CONTACT and Arg).
func newActionCmd(a *app, use, short, example string, nargs int, do action, runF func(context.Context, *actionOptions) error) (*cobra.Command, *actionOptions) {
	opts := &actionOptions{app: a, do: do}
	return &cobra.Command{
		Use: use, Short: short, Example: example, Args: cobra.ExactArgs(nargs),
		RunE: a.runE(func(ctx context.Context, cmd *cobra.Command, args []string) error {
			opts.Contact = args[0]
			if nargs > 1 {
				opts.Arg = args[1]
			}
			return runOr(ctx, opts, runF, actionRun)
		}),
	}, opts
}

func actionRun(ctx context.Context, opts *actionOptions) error {
	c, as, err := opts.session(ctx)
	if err != nil {
		return err
	}
	out, err := opts.do(ctx, c, as, opts)
	if err != nil {
		return err
	}
	opts.action = true // a person's action: its note and the conversation's why may differ
	return opts.outcome(ctx, c, out, as)
}

// replyOptions is what `reply` parsed.
type replyOptions struct {
	*app
	Req inbox.ReplyReq
}

func newReplyCmd(a *app, runF func(context.Context, *replyOptions) error) *cobra.Command {
	opts := &replyOptions{app: a}
	var tmpl, lang string
	var params []string
	cmd := &cobra.Command{
		Use:   "reply CONTACT [TEXT]",
		Short: "Send a reply on a conversation (free text, or --template NAME)",
		Long: `Send a reply through WhatsApp: free text within 24 hours of the customer's last message, an
approved template (--template NAME, one --param per {{n}}) at any time. Outside the window
free text is refused (exit 1) with when it closed and the approved templates. The reply is
queued in the workspace; the process that owns it sends it. With no owner running, this
command sends it before it exits when WhatsApp is configured here (--wa-phone-id and a token),
or says it stays queued. With no number configured the reply stays local: ` + inbox.NotConfigured + `.`,
		Example: `  switchboard reply +15550002222 "Your order ships today"
  switchboard --as carol reply 15550002222 "On it"
  switchboard reply 15550002222 --template order_update --param Eve --param A-17
  switchboard reply 15550002222 "Yes, that one" --answers wamid.HBgLMTU1NTAwMDIyMjIVAgASGBQzQTdCM0Y3`,
		Args: cobra.RangeArgs(1, 2),
		RunE: a.runE(func(ctx context.Context, cmd *cobra.Command, args []string) error {
			opts.Req.Contact = args[0]
			if len(args) > 1 {
				opts.Req.Text = args[1]
			}
			switch {
			case tmpl == "" && len(args) < 2:
				return usagef("reply needs TEXT, or --template NAME")
			case tmpl != "" && len(args) > 1:
				return usagef("give TEXT or --template, not both")
			case tmpl == "" && (len(params) > 0 || lang != ""):
				return usagef("--param and --lang go with --template")
			}
			if tmpl != "" {
				opts.Req.Template = &inbox.TemplateSend{Name: tmpl, Language: lang, Params: params}
			}
			return runOr(ctx, opts, runF, replyRun)
		}),
	}
	f := cmd.Flags()
	f.StringVar(&tmpl, "template", "", "send the approved template `NAME` (switchboard templates list lists them)")
	f.StringArrayVar(&params, "param", nil, "a value for the template's next {{n}} (repeat, in order)")
	f.StringVar(&lang, "lang", "", "the template's language (default: the one synced)")
	f.StringVar(&opts.Req.Answers, "answers", "", "the id of the customer's message this answers (WhatsApp shows it quoted)")
	a.wa.add(cmd)
	return cmd
}

func replyRun(ctx context.Context, opts *replyOptions) error {
	s, err := opts.wa.config()
	if err != nil {
		return err
	}
	opts.sendCfg = s
	c, as, err := opts.session(ctx)
	if err != nil {
		return err
	}
	if sess, ok := localSession(c); ok && s.configured {
		sess.Service().SetOutbound(true, "") // no owner runs: this process sends it before it exits
	}
	out, err := inbox.OpReply.Call(ctx, c, opts.Req)
	if err != nil {
		return err
	}
	out = opts.settle(ctx, c, out)
	if err := opts.outcome(ctx, c, out, as); err != nil {
		return err
	}
	return opts.afterReply(ctx, c, out)
}

func newAssignCmd(a *app, runF func(context.Context, *actionOptions) error) *cobra.Command {
	cmd, _ := newActionCmd(a, "assign CONTACT OPERATOR|bot|none", "Assign a conversation to an operator, Bot, or nobody",
		`  switchboard assign +15550002222 carol
  switchboard assign 15550002222 bot
  switchboard assign 15550002222 none

Assigning someone outside the conversation's team asks to switch team (exit 3).`, 2,
		func(ctx context.Context, c inbox.Conn, as string, o *actionOptions) (inbox.Outcome, error) {
			if strings.TrimSpace(o.Arg) == "" { // an unset $OP in a script must not unassign
				return inbox.Outcome{}, &exitError{code: exitUsage, noUsage: true, err: errors.New("The operator is empty: give an operator id, bot, or none to unassign (`switchboard operators` lists the ids)")}
			}
			return inbox.OpAssign.Call(ctx, c, inbox.AssignReq{Contact: o.Contact, To: o.Arg})
		}, runF)
	return cmd
}

func newOwnerCmd(a *app, runF func(context.Context, *actionOptions) error) *cobra.Command {
	cmd, _ := newActionCmd(a, "owner CONTACT OPERATOR|none", "Set or clear a contact's owner",
		`  switchboard owner +15550002222 erin
  switchboard owner 15550002222 none

With contact-owner routing on, an owner outside the conversation's team raises a team
decision (exit 3) that `+"`accept`"+` or `+"`decline`"+` answers.`, 2,
		func(ctx context.Context, c inbox.Conn, as string, o *actionOptions) (inbox.Outcome, error) {
			if strings.TrimSpace(o.Arg) == "" { // an unset $OP in a script must not clear the owner
				return inbox.Outcome{}, &exitError{code: exitUsage, noUsage: true, err: errors.New("The owner is empty: give an operator id, or none to clear the owner (`switchboard operators` lists the ids)")}
			}
			return inbox.OpSetOwner.Call(ctx, c, inbox.AssignReq{Contact: o.Contact, To: o.Arg})
		}, runF)
	return cmd
}

func newTeamCmd(a *app, runF func(context.Context, *actionOptions) error) *cobra.Command {
	cmd, _ := newActionCmd(a, "team CONTACT TEAM", "Move a conversation to another team",
		`  switchboard team +15550002222 sales`, 2,
		func(ctx context.Context, c inbox.Conn, as string, o *actionOptions) (inbox.Outcome, error) {
			return inbox.OpChangeTeam.Call(ctx, c, inbox.TeamReq{Contact: o.Contact, Team: o.Arg})
		}, runF)
	return cmd
}

func newCloseCmd(a *app, runF func(context.Context, *actionOptions) error) *cobra.Command {
	cmd, _ := newActionCmd(a, "close CONTACT", "Close a conversation",
		`  switchboard close +15550002222`, 1,
		func(ctx context.Context, c inbox.Conn, as string, o *actionOptions) (inbox.Outcome, error) {
			return inbox.OpClose.Call(ctx, c, inbox.VersionReq{Contact: o.Contact})
		}, runF)
	return cmd
}

func newAcceptCmd(a *app, runF func(context.Context, *actionOptions) error) *cobra.Command {
	cmd, opts := newActionCmd(a, "accept CONTACT", "Accept a waiting team decision: move the conversation and assign",
		`  switchboard accept +15550002222 --team sales
  switchboard accept 15550002222            # the owner's first team`, 1,
		func(ctx context.Context, c inbox.Conn, as string, o *actionOptions) (inbox.Outcome, error) {
			return inbox.OpAccept.Call(ctx, c, inbox.AnswerReq{Contact: o.Contact, Team: o.Team})
		}, runF)
	cmd.Flags().StringVar(&opts.Team, "team", "", "the team to move the conversation to (default: the operator's first team)")
	return cmd
}

func newDeclineCmd(a *app, runF func(context.Context, *actionOptions) error) *cobra.Command {
	cmd, _ := newActionCmd(a, "decline CONTACT", "Decline a waiting team decision",
		`  switchboard decline +15550002222`, 1,
		func(ctx context.Context, c inbox.Conn, as string, o *actionOptions) (inbox.Outcome, error) {
			return inbox.OpDecline.Call(ctx, c, inbox.ContactReq{Contact: o.Contact})
		}, runF)
	return cmd
}

// ---- prompts and notifications ----

type promptsOptions struct{ *app }

func newPromptsCmd(a *app, runF func(context.Context, *promptsOptions) error) *cobra.Command {
	opts := &promptsOptions{app: a}
	return &cobra.Command{
		Use:   "prompts",
		Short: "Team decisions waiting for me",
		Example: `  switchboard prompts
  switchboard --as erin prompts --json`,
		Args: cobra.NoArgs,
		RunE: a.runE(func(ctx context.Context, cmd *cobra.Command, args []string) error {
			return runOr(ctx, opts, runF, promptsRun)
		}),
	}
}

func promptsRun(ctx context.Context, opts *promptsOptions) error {
	c, as, err := opts.session(ctx)
	if err != nil {
		return err
	}
	ps, err := inbox.OpPrompts.Call(ctx, c, inbox.None{})
	if err != nil {
		return err
	}
	return opts.emit(ps, func(w *textOut) {
		if len(ps) == 0 {
			w.Printf("No team decisions wait for %s.\n", as)
			return
		}
		for i := range ps {
			if i > 0 {
				w.Println()
			}
			w.Printf("%s (%s)\n", ps[i].ContactName, idText(ps[i].Contact))
			opts.printPrompt(w, ctx, c, &ps[i], as)
		}
	})
}

// notificationsOptions is what `notifications` parsed.
type notificationsOptions struct {
	*app
	All      bool // read ones too
	MarkRead bool
}

func newNotificationsCmd(a *app, runF func(context.Context, *notificationsOptions) error) *cobra.Command {
	opts := &notificationsOptions{app: a}
	cmd := &cobra.Command{
		Use:   "notifications",
		Short: "My notifications (unread, or all)",
		Example: `  switchboard notifications
  switchboard --as erin notifications --all
  switchboard notifications --mark-read`,
		Args: cobra.NoArgs,
		RunE: a.runE(func(ctx context.Context, cmd *cobra.Command, args []string) error {
			return runOr(ctx, opts, runF, notificationsRun)
		}),
	}
	cmd.Flags().BoolVar(&opts.All, "all", false, "include notifications already read")
	cmd.Flags().BoolVar(&opts.MarkRead, "mark-read", false, "mark the notifications shown as read")
	return cmd
}

func notificationsRun(ctx context.Context, opts *notificationsOptions) error {
	c, as, err := opts.session(ctx)
	if err != nil {
		return err
	}
	ns, err := inbox.OpNotifications.Call(ctx, c, inbox.NotificationsReq{All: opts.All})
	if err != nil {
		return err
	}
	if opts.MarkRead && len(ns) > 0 {
		var seqs []uint64
		for _, n := range ns {
			if !n.Read {
				seqs = append(seqs, n.Seq)
			}
		}
		if len(seqs) > 0 {
			if err := run0(ctx, inbox.OpMarkNotificationsRead, c, inbox.SeqsReq{Seqs: seqs}); err != nil {
				return err
			}
		}
	}
	return opts.emit(ns, func(w *textOut) {
		if len(ns) == 0 {
			if opts.All {
				w.Printf("No notifications for %s.\n", as)
			} else {
				w.Printf("No unread notifications for %s.\n", as)
			}
			return
		}
		for _, n := range ns {
			mark := "•"
			if n.Read {
				mark = " "
			}
			w.Printf("%s %s  %s\n", mark, n.At.Local().Format("2006-01-02 15:04"), n.Text)
		}
	})
}
