package ui

import (
	"context"
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"switchboard/inbox"
	"switchboard/routing"
)

// convPane is the conversation pane: the selected conversation once loaded (header, owner and
// assignee, team, why it is here, a waiting decision, the timeline) and the reply box. It
// shows the list's selection: the list tells it when the selection changes (show, clear), and
// every answer it loads carries the id of the request that asked, so a late one is dropped.
type convPane struct {
	*Common
	detail   *inbox.Detail // the selection's conversation, once loaded
	seq      uint64        // of the detail asked for last
	opening  uint64        // the seq of an open (mark read, maybe ask the decision) still on its way
	scroll   int           // timeline lines scrolled up from the end
	tl       tlCache
	replying bool
	reply    field
	replyFor string               // the contact the reply in the box is for
	drafts   map[string]string    // replies begun and not sent, by contact, kept when the selection moves on
	refusals map[string][]refusal // actions refused on a conversation this session, shown at its timeline's end
	tmpls    []inbox.Template     // the approved templates, loaded when the reply box opens
	tmpl     int                  // the template picked in the reply box (-1: free text)
	free     string               // the free text typed before ctrl+t picked a template: it comes back after
	drawn    paneDrawn            // the pane as last drawn, while nothing it shows has changed
}

// paneDrawn is the pane's last drawing and what it was drawn from.
type paneDrawn struct {
	key paneKey
	b   block
	ok  bool
}

type paneKey struct {
	d                    *inbox.Detail
	r                    rect
	focused, highlighted bool
	sel, note            string
	scroll               int
	looks                uint64
	minute               int64 // times shown relative to now change each minute
}

type tlCache struct {
	d     *inbox.Detail
	w     int
	looks uint64 // operators' names come from the configuration: it may load after the detail
	lines []string
	// starts[i] is the line entry i of d.Timeline begins on (a refusal goes before the first
	// entry newer than it)
	starts []int
}

// previewAfter is how long the pane waits before it loads a selection (moving the cursor over
// many rows loads only the last).
const previewAfter = 60 * time.Millisecond

// show makes the pane wait for a new selection and loads it after a short pause. A reply
// begun is for the conversation it was begun on.
func (p *convPane) show() tea.Cmd {
	p.backToFree() // the free text is the draft, not a template's parameters
	p.keepDraft()
	p.detail, p.replying = nil, false
	p.reply.set("")
	p.seq++
	return p.after(previewAfter, loadDetailMsg{p.seq})
}

// clear empties the pane: nothing is selected.
func (p *convPane) clear() {
	p.backToFree() // the free text is the draft, not a template's parameters
	p.keepDraft()
	p.detail, p.replying = nil, false
	p.reply.set("") // a reply begun is for the conversation it was begun on
	p.seq++         // a detail on its way is for a conversation no longer selected
}

// keepDraft keeps the reply in the box (unsent) for the conversation it was begun on, so
// choosing another conversation loses nothing: r there opens it again.
func (p *convPane) keepDraft() {
	if strings.TrimSpace(p.reply.String()) == "" || p.replyFor == "" {
		return
	}
	if p.drafts == nil {
		p.drafts = map[string]string{}
	}
	p.drafts[p.replyFor] = p.reply.String()
}

// startReply opens the reply box on the conversation of contact id, with the draft begun there.
func (p *convPane) startReply(id string) {
	if p.replyFor != id {
		p.reply.set("")
	}
	if d, ok := p.drafts[id]; ok && p.reply.String() == "" {
		p.reply.set(d)
	}
	delete(p.drafts, id)
	p.replying, p.replyFor = true, id
}

// keepRefused keeps the text of a refused reply as the conversation's draft (r opens it again).
func (p *convPane) keepRefused(contact, text string) {
	if p.replying && p.replyFor == contact && strings.TrimSpace(p.reply.String()) != "" {
		return // typing again already
	}
	if p.replyFor == contact && !p.replying {
		p.reply.set(text)
		return
	}
	if p.drafts == nil {
		p.drafts = map[string]string{}
	}
	p.drafts[contact] = text
}

// unsent reports whether a reply is typed and not sent anywhere.
func (p *convPane) unsent() bool {
	return strings.TrimSpace(p.reply.String()) != "" || len(p.drafts) > 0
}

// load reads conversation id; open marks it read, with its notifications.
func (p *convPane) load(id string, open bool) tea.Cmd {
	if id == "" {
		return nil
	}
	p.seq++
	if open {
		p.opening = p.seq
	}
	seq, svc, ctx := p.seq, p.svc, p.ctx
	return p.async(func() tea.Msg {
		d, err := inbox.OpConversation.Call(ctx, svc, inbox.ConversationReq{Contact: id, Limit: 100})
		if err == nil && open {
			_, err = inbox.OpMarkRead.Call(ctx, svc, inbox.ContactReq{Contact: id})
			// the notifications about this conversation are read now too
			if ns, nerr := inbox.OpNotifications.Call(ctx, svc, inbox.NotificationsReq{}); nerr == nil {
				var seqs []uint64
				for _, n := range ns {
					if n.Contact == id {
						seqs = append(seqs, n.Seq)
					}
				}
				if len(seqs) > 0 && err == nil {
					_, err = inbox.OpMarkNotificationsRead.Call(ctx, svc, inbox.SeqsReq{Seqs: seqs})
				}
			}
		}
		return detailMsg{seq: seq, id: id, open: open, d: d, err: err}
	})
}

// set takes a detail loaded for the selection.
func (p *convPane) set(d inbox.Detail) {
	prev := p.detail
	p.detail = &d
	p.tl = tlCache{}
	if prev == nil || prev.Conversation.Contact.ID != d.Conversation.Contact.ID {
		p.scroll = 0
	}
}

// update handles the keys of the focused pane: scroll the timeline, enter to decide.
func (p *convPane) update(msg tea.KeyPressMsg) (tea.Cmd, action) {
	k := &p.keys
	switch {
	case key.Matches(msg, k.Up):
		p.scroll++
	case key.Matches(msg, k.Down):
		p.scroll = max(0, p.scroll-1)
	case key.Matches(msg, k.PageUp):
		p.scroll += 10
	case key.Matches(msg, k.PageDown):
		p.scroll = max(0, p.scroll-10)
	case key.Matches(msg, k.Bottom):
		p.scroll = 0
	case key.Matches(msg, k.Open):
		if p.detail != nil && p.detail.Conversation.Prompt != nil {
			if !p.detail.CanAnswer {
				return p.setStatus(1, "enter: "+p.whoDecides()), nil
			}
			return nil, openDialog{d: newPrompt(p.Common, *p.detail.Conversation.Prompt)}
		}
	}
	return nil, nil
}

func (p *convPane) whoDecides() string {
	pr := p.detail.Conversation.Prompt
	if pr.RaisedBy == "routing" {
		return pr.OwnerName + " or an admin decides this"
	}
	return p.opName(pr.RaisedBy) + " decides this (they raised it)"
}

// replyHint is what the reply box's keys do, esc as it really is: the box closes and the draft
// stays for r, until another conversation is chosen.
const replyHint = "enter sends · shift+enter or alt+enter: new line · ctrl+t template · esc closes the box, keeping the draft (r opens it again)"

// replyKey handles a key while a reply to sel is being typed: enter sends (free text, or the
// template picked with ctrl+t, its parameters typed separated by |), shift+enter or alt+enter
// start a new line, esc closes the box and keeps the draft for r.
func (p *convPane) replyKey(msg tea.KeyPressMsg, sel string) tea.Cmd {
	p.dropStatus("reply") // what was said about the reply was about it before this key
	switch {
	case msg.String() == "esc":
		p.backToFree()
		p.replying = false
		return nil
	case key.Matches(msg, p.keys.Template):
		if len(p.tmpls) == 0 {
			return p.setStatus(1, "No approved templates: an admin runs `switchboard templates sync`")
		}
		if p.tmpl < 0 {
			p.free = p.reply.String() // the free text waits while templates are picked
		}
		p.tmpl++
		p.reply.set("")
		if p.tmpl >= len(p.tmpls) {
			p.backToFree()
		}
		return nil
	case msg.String() == "enter":
		req := inbox.ReplyReq{Contact: sel}
		if t := p.template(); t != nil {
			req.Template = &inbox.TemplateSend{Name: t.Name, Language: t.Language, Params: p.params(*t)}
		} else {
			req.Text = strings.TrimSpace(p.reply.String())
			if req.Text == "" {
				return p.statusAbout("reply", 1, "The reply is empty: type something to send")
			}
		}
		p.replying = false
		p.reply.set("")
		if p.tmpl >= 0 {
			p.backToFree() // a template went: the free text typed before it stays for r
		}
		svc, ctx, as := p.svc, p.ctx, p.as
		return p.async(func() tea.Msg {
			out, err := inbox.OpReply.Call(ctx, svc, req)
			what := "Reply queued: it goes out through WhatsApp"
			if err == nil && out.Entry != nil && out.Entry.Delivery == inbox.DeliveryLocal {
				what = "Reply kept here only — " + inbox.NotConfigured
			}
			if err == nil && out.Reopened {
				what = "Reopened (it stays with " + out.Conversation.AssigneeText() + ") · " + lowerFirst(what)
			}
			return doneMsg{what: what, err: err, as: as, contact: sel, draft: req.Text}
		})
	}
	p.reply.update(msg)
	return p.tooLong()
}

// backToFree leaves the template picked (if any) for free text, with the free text typed
// before the template was picked back in the box.
func (p *convPane) backToFree() {
	if p.tmpl >= 0 {
		p.reply.set(p.free)
	}
	p.tmpl, p.free = -1, ""
}

// tooLong says, when the last key or paste was more than the reply box holds, what was not
// taken: a reply is never shortened without a word.
func (p *convPane) tooLong() tea.Cmd {
	if p.reply.cut == 0 {
		return nil
	}
	what := "A reply"
	if p.tmpl >= 0 {
		what = "A template's parameters"
	}
	return p.statusAbout("reply", 1, fmt.Sprintf("%s can be at most %d characters (WhatsApp's limit): the last %d typed were not taken; send this part first, then the rest in another reply", what, p.reply.limit, p.reply.cut))
}

// template is the template picked in the reply box (nil: free text).
func (p *convPane) template() *inbox.Template {
	if p.tmpl < 0 || p.tmpl >= len(p.tmpls) {
		return nil
	}
	return &p.tmpls[p.tmpl]
}

// params are the template's parameters as typed: separated by |.
func (p *convPane) params(t inbox.Template) []string {
	if t.Params == 0 {
		return nil
	}
	out := strings.Split(p.reply.String(), "|")
	for i := range out {
		out[i] = strings.TrimSpace(out[i])
	}
	return out
}

// loadTemplates reads the approved templates for the reply box.
func (p *convPane) loadTemplates() tea.Cmd {
	p.backToFree()
	svc, ctx := p.svc, p.ctx
	return func() tea.Msg {
		ts, err := inbox.OpTemplates.Call(ctx, svc, inbox.None{})
		if err != nil {
			return nil
		}
		return templatesMsg{ts: ts}
	}
}

func (p *convPane) setTemplates(ts []inbox.Template) {
	p.tmpls = p.tmpls[:0]
	for _, t := range ts {
		if t.Status == "APPROVED" {
			p.tmpls = append(p.tmpls, t)
		}
	}
}

// retryable is the newest reply shown that failed or stayed local ("" when none).
func (p *convPane) retryable() string {
	if p.detail == nil {
		return ""
	}
	tl := p.detail.Timeline
	for i := len(tl) - 1; i >= 0; i-- {
		e := tl[i]
		if e.Kind == inbox.KindReply && e.Source == "" && (e.Delivery == inbox.DeliveryFailed || e.Delivery == inbox.DeliveryLocal) {
			return e.ID
		}
	}
	return ""
}

// retry queues the newest failed (or local) reply again.
func (p *convPane) retry() tea.Cmd {
	id := p.retryable()
	if id == "" {
		return nil
	}
	return p.actOn(p.detail.Conversation.Contact.ID, "Queued again: "+id+" goes out through WhatsApp", func(ctx context.Context, svc service) (*inbox.Outcome, error) {
		_, err := inbox.OpRetry.Call(ctx, svc, inbox.ReplyIDReq{ID: id})
		return nil, err
	})
}

// deliveryLabel is a reply's state as the timeline shows it.
func deliveryLabel(e inbox.Entry) string {
	switch e.Delivery {
	case "":
		return ""
	case inbox.DeliverySent:
		return "sent ✓"
	case inbox.DeliveryDelivered:
		return "delivered ✓✓"
	case inbox.DeliveryRead:
		return "read ✓✓"
	case inbox.DeliveryLocal:
		if e.Error != "" {
			return e.Error
		}
		return inbox.NotConfigured
	case inbox.DeliveryFailed, inbox.DeliveryUnknown:
		if e.Error != "" {
			return string(e.Delivery) + ": " + e.Error + map[bool]string{true: " — R sends it again", false: ""}[e.Delivery == inbox.DeliveryFailed]
		}
	}
	return string(e.Delivery)
}

// windowLine says whether free text can be sent: the 24-hour window's end, or why not.
func (p *convPane) windowLine(d *inbox.Detail) (string, bool) {
	o := d.Outbound
	var s string
	switch {
	case o.WindowEnds.IsZero():
		s = "No message from the customer yet: templates only"
	case o.WindowOpen:
		s = "Free text until " + o.WindowEnds.Format("Jan 2 15:04") + " (" + shortDur(o.WindowEnds.Sub(p.now())) + " left)"
	default:
		s = "Window closed " + o.WindowEnds.Format("Jan 2 15:04") + ": templates only"
	}
	if !o.Configured {
		s = "Not sending: no WhatsApp number configured · " + strings.ToLower(s[:1]) + s[1:]
	}
	return s, o.WindowOpen
}

func shortDur(d time.Duration) string {
	if h, m := int(d.Hours()), int(d.Minutes())%60; h > 0 {
		return fmt.Sprintf("%dh %02dm", h, m)
	}
	return fmt.Sprintf("%dm", max(0, int(d.Minutes())))
}

// closeOrReopen closes the conversation shown, or reopens it, at the version shown.
func (p *convPane) closeOrReopen() tea.Cmd {
	cv := p.detail.Conversation
	if cv.Status == routing.StatusClosed {
		return p.actOn(cv.Contact.ID, "Reopened", func(ctx context.Context, svc service) (*inbox.Outcome, error) {
			return outcome(inbox.OpReopen.Call(ctx, svc, inbox.VersionReq{Contact: cv.Contact.ID, Version: cv.Version}))
		})
	}
	return p.actOn(cv.Contact.ID, "Closed", func(ctx context.Context, svc service) (*inbox.Outcome, error) {
		return outcome(inbox.OpClose.Call(ctx, svc, inbox.VersionReq{Contact: cv.Contact.ID, Version: cv.Version}))
	})
}

var reasonWords = map[string]string{
	"active_assignee": "the active assignee keeps it", "owner": "contact owner",
	"owner_team_mismatch": "owner is not in the team", "round_robin": "round robin", "default": "default assignment",
	"prompt_accepted": "team change accepted", "prompt_declined": "team change declined",
	"manual_assign": "assigned by hand", "manual_owner": "owner changed by hand", "team_change": "team changed",
	"member_removed": "member left the team", "operator_deleted": "operator deleted",
	"number_changed": "new number", "contact_merged": "one person, two contacts merged", "number_moved": "number given away",
	"owner_away": "owner away: a cover", "owner_away_wait": "owner away: waiting", "owner_away_fallback": "owner still away: a cover",
	"outside_hours": "round robin paused: hours or holiday", "round_robin_backlog": "from the backlog", "balanced": "balanced assignment",
	"cover_ended": "cover ended: back to the owner",
}

func reasonText(code string) string {
	if r, ok := strings.CutPrefix(code, "rule:"); ok {
		return "automation rule “" + r + "”"
	}
	if w, ok := reasonWords[code]; ok {
		return w
	}
	return strings.ReplaceAll(code, "_", " ")
}

// view draws the pane in r for the selection sel; note is why no row is highlighted (the list
// says so), highlighted whether the list highlights sel.
func (p *convPane) view(r rect, focused bool, sel, note string, highlighted bool) block {
	if p.replying { // the reply being typed: drawn every time
		p.drawn.ok = false
		return p.draw(r, focused, sel, note, highlighted)
	}
	if p.reference {
		return p.draw(r, focused, sel, note, highlighted)
	}
	k := paneKey{p.detail, r, focused, highlighted, sel, note, p.scroll, p.looks, p.now().Unix() / 60}
	if p.drawn.ok && p.drawn.key == k {
		return p.drawn.b
	}
	b := p.draw(r, focused, sel, note, highlighted)
	p.drawn = paneDrawn{k, b, true}
	return b
}

func (p *convPane) draw(r rect, focused bool, sel, note string, highlighted bool) block {
	iw := r.w - 2
	ih := r.h - 2
	if sel == "" {
		var lines []string
		if note != "" {
			lines = append(append(wrap(note+".", iw), ""), wrap("Nothing is selected, so no key acts on a conversation.", iw)...)
		}
		return p.boxed(append(lines, p.st.Dim.Render("Select a conversation (j/k, enter).")), r.w, r.h, focused)
	}
	if p.detail == nil || p.detail.Conversation.Contact.ID != sel {
		return p.boxed([]string{p.st.Dim.Render("Loading…")}, r.w, r.h, focused)
	}
	d := p.detail
	c := &d.Conversation
	st := p.st
	status := safeFit(string(c.Status), 20)
	if status == "" {
		status = "no conversation yet"
	}
	var id []string
	if n := c.Contact.Number(); n != c.Contact.Display() {
		id = append(id, n) // a contact with no name is shown by its number, once
	}
	if u := c.Contact.Username; u != "" && c.Contact.Display() != "@"+u {
		id = append(id, "@"+safe(u))
	}
	ids := strings.Join(id, " · ")
	name, num := safe(c.Contact.Display()), ""
	if ids != "" {
		num = " " + ids
	}
	name, num = fitNameNumber(name, num, iw-lipgloss.Width(status)-3)
	l1 := st.Title.Render(name) + st.Dim.Render(num)
	l1 += strings.Repeat(" ", max(1, iw-lipgloss.Width(l1)-lipgloss.Width(status)-2)) + st.Bold.Render("["+status+"]")
	owner := "none"
	if c.Contact.OwnerName != "" {
		owner = safe(c.Contact.OwnerName)
	}
	team := safe(c.TeamName)
	if team == "" {
		team = "none"
	}
	assignee := p.assigneeName(c)
	if c.Cover != nil || c.Backlog {
		assignee = c.AssigneeText() // "Olga Novak (covering for Lena Fischer, away)", "Bot (backlog)"
	}
	meta := st.Dim.Render("Owner ") + st.Owner.Render(owner) + st.Dim.Render(" · Assignee ") + st.Assignee.Render(safe(assignee))
	var head []string
	if !highlighted && note != "" {
		for _, l := range wrap(safe(note)+": the list highlights nothing", iw) {
			head = append(head, st.Locked.Render(l))
		}
	}
	head = append(head, l1)
	head = append(head, wrap(meta, iw)...)
	head = append(head, st.Dim.Render("Team ")+team)
	if c.Status != "" {
		wl, open := p.windowLine(d)
		style := st.Dim
		if !open {
			style = st.Locked
		}
		for _, l := range wrap(wl, iw) {
			head = append(head, style.Render(l))
		}
		if d.Outbound.Paused != "" {
			for _, l := range wrap(safe(d.Outbound.Paused), iw) {
				head = append(head, st.Locked.Render(l))
			}
		}
	}
	if c.Why != "" {
		// the answer to "why is this here?" is shown whole, up to six lines (the timeline's
		// note has it all)
		lines := wrap("Why: "+safe(c.Why), iw)
		if len(lines) > 6 {
			lines = lines[:6]
			lines[5] = ansi.Truncate(lines[5], iw-1, "") + "…"
		}
		for _, l := range lines {
			head = append(head, st.Why.Render(l))
		}
	}
	if pr := c.Prompt; pr != nil {
		hint := "press enter to decide"
		if !d.CanAnswer {
			hint = safe(p.whoDecides())
		}
		for _, l := range wrap("⚑ Waiting for a team decision — "+hint, iw) {
			head = append(head, st.Locked.Render(l))
		}
	}
	if len(c.Contact.Tags) > 0 {
		head = append(head, st.Dim.Render("Tags: "+safe(strings.Join(c.Contact.Tags, ", "))))
	}
	head = append(head, st.Dim.Render(strings.Repeat("─", iw)))
	foot := []string{st.Dim.Render(strings.Repeat("─", iw))}
	if p.replying {
		if t := p.template(); t != nil {
			line := "template " + safe(t.Name) + " (" + safe(t.Language) + ")"
			switch {
			case t.Params == 1:
				line += " · type its parameter"
			case t.Params > 1:
				line += fmt.Sprintf(" · type its %d parameters separated by |", t.Params)
			}
			for _, l := range wrap(line, iw) {
				foot = append(foot, st.Key.Render(l))
			}
			for _, l := range wrap("→ "+safe(inbox.TemplateText(t.Body, p.params(*t))), iw) {
				foot = append(foot, st.Dim.Render(l))
			}
			params := p.reply
			switch {
			case t.Params == 0:
				params.placeholder = "no parameters: enter sends it"
			case t.Params == 1:
				params.placeholder = "the parameter; enter sends"
			default:
				params.placeholder = "first | second …; enter sends"
			}
			foot = append(foot, st.Key.Render("params› ")+params.view(iw-8, true, st))
		} else {
			if !d.Outbound.WindowOpen {
				for _, l := range wrap("⚠ Free text cannot be sent now (the 24-hour window is closed): ctrl+t picks an approved template", iw) {
					foot = append(foot, st.Locked.Render(l))
				}
			}
			if c.Status == routing.StatusClosed {
				for _, l := range wrap("This conversation is closed: sending the reply reopens it (it stays with "+safe(p.opName(c.AssigneeID()))+")", iw) {
					foot = append(foot, st.Locked.Render(l))
				}
			}
			for i, l := range p.reply.lines(iw-7, 5, st) {
				prompt := "reply› "
				if i > 0 {
					prompt = "       "
				}
				foot = append(foot, st.Key.Render(prompt)+l)
			}
		}
		if n, limit := len(p.reply.value), p.reply.limit; limit > 0 && n >= limit-200 {
			// near WhatsApp's limit: how much room is left, before a key is refused
			foot = append(foot, st.Locked.Render(fmt.Sprintf("%d of %d characters", n, limit)))
		}
		for _, l := range wrap(replyHint, iw) {
			foot = append(foot, st.Dim.Render(l))
		}
	} else {
		hint := "r reply · a assign · o owner · t team · c close/reopen"
		if p.retryable() != "" {
			hint = "R send again · " + hint
		}
		for _, l := range wrapItems(strings.Split(hint, " · "), " · ", iw) { // wrapped between keys, not cut in one
			foot = append(foot, st.Dim.Render(l))
		}
	}
	tlH := max(1, ih-len(head)-len(foot))
	tl := p.timeline(d, iw)
	tl = p.withRefusals(d, tl, p.refusals[d.Conversation.Contact.ID], iw)
	end := max(0, len(tl)-p.scroll)
	if p.scroll > len(tl)-tlH {
		p.scroll = max(0, len(tl)-tlH)
		end = len(tl) - p.scroll
	}
	start := max(0, end-tlH)
	body := make([]string, 0, tlH)
	body = append(body, tl[start:end]...)
	for len(body) < tlH {
		body = append([]string{""}, body...)
	}
	if start == 0 && d.Older != "" && len(body) > 0 {
		body[0] = st.Dim.Render("… older entries not shown")
	}
	lines := append(append(head, body...), foot...)
	return p.boxed(lines, r.w, r.h, focused)
}

// timeline renders the detail's entries once per width.
func (p *convPane) timeline(d *inbox.Detail, w int) []string {
	if p.tl.d == d && p.tl.w == w && p.tl.looks == p.looks && !p.reference {
		return p.tl.lines
	}
	st := p.st
	var out []string
	now := p.now()
	name := safe(d.Conversation.Contact.Display())
	starts := make([]int, 0, len(d.Timeline))
	for _, e := range d.Timeline {
		starts = append(starts, len(out))
		ts := e.At.Format("15:04")
		if e.At.Format("2006-01-02") != now.UTC().Format("2006-01-02") {
			ts = e.At.Format("Jan 2 15:04")
		}
		var text string
		var style lipgloss.Style
		body := inbox.EntryText(e)
		if pre := inbox.EntryContext(e); len(pre) > 0 && e.Source != inbox.SourceApp {
			body = "(" + strings.Join(pre, "; ") + ") " + body
		}
		switch e.Kind {
		case "message":
			text, style = name+": "+safeText(body), st.Inbound
		case "call":
			switch e.Outcome {
			case inbox.CallAnswered:
				text, style = "☎ Call answered · "+inbox.FormatDuration(e.Duration), st.Call
			case inbox.CallMissed:
				text, style = "☎ Call missed", st.Missed
			default:
				text, style = "☎ Call ringing…", st.Call
			}
		case "reply":
			by := safe(p.opName(e.By))
			if e.Source == inbox.SourceApp {
				by = "from the WhatsApp Business app"
			}
			text, style = "↩ "+by+": "+safeText(body), st.Reply
			if e.Template != nil {
				text = "↩ " + by + " [template " + safe(e.Template.Name) + "]: " + safeText(body)
			}
			if l := deliveryLabel(e); l != "" {
				text += "  (" + safe(l) + ")"
				if e.Delivery == inbox.DeliveryFailed || e.Delivery == inbox.DeliveryLocal || e.Delivery == inbox.DeliveryUnknown {
					style = st.Missed
				}
			}
		case "note":
			by := p.opName(e.By)
			switch e.By {
			case "routing":
				by = "Routing"
			case inbox.ByWhatsApp:
				by = "WhatsApp"
			}
			text, style = "· "+safe(by)+": "+safe(e.Text), st.Note
			if e.Reason != "" {
				text += " [" + safe(reasonText(e.Reason)) + "]"
			}
		default:
			text, style = safe(string(e.Kind))+": "+safeText(e.Text), st.Dim
		}
		prefix := st.Dim.Render(ts) + " "
		pw := lipgloss.Width(ts) + 1
		for i, l := range wrap(text, w-pw) {
			if i == 0 {
				out = append(out, prefix+style.Render(l))
			} else {
				out = append(out, strings.Repeat(" ", pw)+style.Render(l))
			}
		}
	}
	if len(out) == 0 {
		out = []string{st.Dim.Render("No messages yet.")}
	}
	p.tl = tlCache{d: d, w: w, looks: p.looks, lines: out, starts: starts}
	return out
}

// withRefusals is the timeline's lines (those timeline just drew for d) with the refusals of
// its conversation among them, each where it happened: before the first entry newer than it, so
// a reply sent after a refused one is the newest line, not the refusal.
func (p *convPane) withRefusals(d *inbox.Detail, tl []string, rs []refusal, iw int) []string {
	if len(rs) == 0 {
		return tl
	}
	out := make([]string, 0, len(tl)+3*len(rs))
	next := 0 // the next line of tl to copy
	for _, r := range rs {
		at := len(tl)
		for i, e := range d.Timeline {
			if e.At.After(r.at) && i < len(p.tl.starts) {
				at = p.tl.starts[i]
				break
			}
		}
		at = max(at, next)
		out = append(out, tl[next:at]...)
		out = append(out, p.refusalLines([]refusal{r}, iw)...)
		next = at
	}
	return append(out, tl[next:]...)
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}

// refusal is an action on a conversation that the service refused: it changed nothing, so it is
// not in the stored timeline, but the person sees it where they acted, in the timeline at its time (the
// Why line keeps saying why the conversation is where it is).
type refusal struct {
	at   time.Time
	text string
}

// maxRefusals is how many refusals a conversation keeps on screen.
const maxRefusals = 3

// refused records a refusal of an action on contact's conversation.
func (p *convPane) refused(contact string, at time.Time, text string) {
	if p.refusals == nil {
		p.refusals = map[string][]refusal{}
	}
	rs := append(p.refusals[contact], refusal{at, text})
	if len(rs) > maxRefusals {
		rs = rs[len(rs)-maxRefusals:]
	}
	p.refusals[contact] = rs
	p.drawn.ok = false
}

func (p *convPane) refusalLines(rs []refusal, iw int) []string {
	var out []string
	for _, r := range rs {
		for i, l := range wrap(r.at.Format("15:04")+" ✗ refused, nothing changed: "+safe(r.text), iw-6) {
			if i > 0 {
				l = "      " + l
			}
			out = append(out, p.st.Error.Render(l))
		}
	}
	return out
}

// wrapItems joins items with sep into lines of at most w columns, breaking only between items
// (an item wider than a line is wrapped on its own).
func wrapItems(items []string, sep string, w int) []string {
	var out []string
	line := ""
	for _, it := range items {
		switch {
		case line == "":
			line = it
		case ansi.StringWidth(line+sep+it) <= w:
			line += sep + it
		default:
			out = append(out, line)
			line = it
		}
		if ansi.StringWidth(line) > w {
			parts := wrap(line, w)
			out = append(out, parts[:len(parts)-1]...)
			line = parts[len(parts)-1]
		}
	}
	if line != "" {
		out = append(out, line)
	}
	return out
}
