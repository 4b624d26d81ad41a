package inbox

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"switchboard/inbox/domain"
	"switchboard/routing"
)

// Replies go out through an outbox (docs/whatsapp.md). A reply is written in the same
// transaction as its outbox record: it is "queued", and a sender (package inbox/whatsapp, run
// by the process that owns the workspace) takes it from the outbox outside the writer, sends
// it, and records what happened. Without a sender configured the reply is "local": kept here,
// never sent, and said so. A network call never runs in the writer.

// ServiceWindow is how long after a customer's last message WhatsApp accepts a free-form
// reply; after it only an approved template may be sent.
const ServiceWindow = 24 * time.Hour

// NotConfigured is what a reply says when the process that wrote it had no WhatsApp number.
const NotConfigured = "not sent: no WhatsApp number configured"

// outbound is what the service knows of its process's sender.
type outbound struct {
	configured bool
	paused     string // why the whole queue waits ("" when it does not)
}

func (s *Service) outbound() outbound {
	if o := s.out.Load(); o != nil {
		return *o
	}
	return outbound{}
}

// SetOutbound tells the inbox whether this process sends replies (a sender started with a
// WhatsApp number), and why the queue is paused ("" when it is not). Replies written while no
// sender is configured stay local.
func (s *Service) SetOutbound(configured bool, paused string) {
	s.out.Store(&outbound{configured: configured, paused: paused})
	s.publish([]Event{{Kind: EventConfig}})
}

// OutboxWake is signalled whenever a reply joins the outbox, so a sender need not poll.
func (s *Service) OutboxWake() <-chan struct{} { return s.wake }

func (s *Service) poke() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// Outbound is what a screen shows of sending for one conversation.
type Outbound struct {
	// Configured: this workspace's owner sends replies through WhatsApp.
	Configured bool `json:"configured"`
	// Paused says why the whole outbox waits (a refused access token), "" when it does not.
	Paused string `json:"paused,omitempty"`
	// WindowEnds is when free-form replies stop being accepted: 24 hours after the customer's
	// last message (zero: they never wrote, so only a template can be sent).
	WindowEnds time.Time `json:"window_ends,omitzero"`
	WindowOpen bool      `json:"window_open"`
}

// Sending is how this workspace's owner sends replies: configured, and why the whole queue
// waits ("" when it does not).
func (s *Service) Sending() Outbound {
	o := s.outbound()
	return Outbound{Configured: o.configured, Paused: o.paused}
}

func (s *Service) outboundView(cv domain.Conversation) Outbound {
	v := s.Sending()
	if cv.LastInbound > 0 {
		v.WindowEnds = time.Unix(0, cv.LastInbound).Add(ServiceWindow).UTC()
		v.WindowOpen = s.now().Before(v.WindowEnds)
	}
	return v
}

// ReplyReq is a reply to a contact: free text, or an approved template with the values of
// its parameters. Answers names the customer's message it answers (its wamid; optional): it
// goes out as the reply's context, so WhatsApp shows it quoted.
type ReplyReq struct {
	Contact  string               `json:"contact"`
	Text     string               `json:"text,omitempty"`
	Template *domain.TemplateSend `json:"template,omitempty"`
	Answers  string               `json:"answers,omitempty"`
}

// Reply writes an operator's free-form reply on the conversation (see SendReply).
func (s *Service) Reply(ctx context.Context, by, contact, text string) (Outcome, error) {
	return s.SendReply(ctx, by, ReplyReq{Contact: contact, Text: text})
}

// windowClosed is the refusal of free text outside the 24-hour window.
func (s *Service) windowClosed(tx domain.ReadTx, ct domain.Contact, cv domain.Conversation) error {
	names := approvedNames(tx)
	offer := "no approved templates are synced: run `switchboard templates sync`"
	if len(names) > 0 {
		offer = "approved templates: " + strings.Join(names, ", ")
	}
	if cv.LastInbound == 0 {
		return errorf(Invalid, "%s never wrote to you, so WhatsApp accepts only an approved template: pick one with ctrl+t in the reply box, or send one with `switchboard reply %s --template NAME` (%s); nothing was sent",
			displayName(ct), ct.ID, offer)
	}
	closed := time.Unix(0, cv.LastInbound).Add(ServiceWindow)
	return errorf(Invalid, "The 24-hour window with %s closed at %s (24 hours after their last message): WhatsApp accepts only an approved template now: pick one with ctrl+t in the reply box, or send one with `switchboard reply %s --template NAME` (%s); nothing was sent",
		displayName(ct), closed.Local().Format("2006-01-02 15:04"), ct.ID, offer)
}

func approvedNames(tx domain.ReadTx) []string {
	ts, _ := tx.Templates()
	var out []string
	for _, t := range ts {
		if t.Status == "APPROVED" {
			out = append(out, t.Name)
		}
	}
	return out
}

var paramRe = regexp.MustCompile(`\{\{\s*(\d+)\s*\}\}`)

// TemplateText is a template's body with its parameters filled in: what the timeline shows.
func TemplateText(body string, params []string) string {
	return paramRe.ReplaceAllStringFunc(body, func(m string) string {
		n, _ := strconv.Atoi(paramRe.FindStringSubmatch(m)[1])
		if n >= 1 && n <= len(params) {
			return params[n-1]
		}
		return m
	})
}

// findTemplate finds an approved template by name (and language, when given).
func findTemplate(tx domain.ReadTx, name, lang string) (domain.Template, error) {
	ts, err := tx.Templates()
	if err != nil {
		return domain.Template{}, must(err)
	}
	var other []string
	for _, t := range ts {
		if t.Name == name && (lang == "" || t.Language == lang) {
			if t.Status != "APPROVED" {
				return domain.Template{}, errorf(Invalid, "Template %s (%s) is %s, not approved: WhatsApp sends only approved templates; nothing was sent", name, t.Language, t.Status)
			}
			return t, nil
		}
		if t.Status == "APPROVED" {
			other = append(other, t.Name)
		}
	}
	if len(ts) == 0 {
		return domain.Template{}, errorf(NotFound, "No templates are synced: run `switchboard templates sync` (it reads the WhatsApp Business Account's templates); nothing was sent")
	}
	return domain.Template{}, errorf(NotFound, "No approved template %q%s: the approved ones are %s (`switchboard templates list`); nothing was sent",
		name, map[bool]string{true: " in " + lang, false: ""}[lang != ""], strings.Join(other, ", "))
}

// SendReply writes an operator's reply on the conversation: queued for the sender when this
// workspace's owner sends, else local (NotConfigured). Free text is refused outside the
// 24-hour window (the error names when it closed and the approved templates); a template must
// be an approved one, with a value for each of its parameters.
func (s *Service) SendReply(ctx context.Context, by string, r ReplyReq) (Outcome, error) {
	if r.Template == nil {
		if strings.TrimSpace(r.Text) == "" {
			return Outcome{}, errorf(Invalid, "The reply is empty: type something to send")
		}
		if err := checkText("reply", r.Text); err != nil {
			return Outcome{}, err
		}
	} else {
		if r.Text != "" {
			return Outcome{}, errorf(Invalid, "A reply is free text or a template, not both: drop the text or the template")
		}
		for i, p := range r.Template.Params {
			if strings.TrimSpace(p) == "" {
				return Outcome{}, errorf(Invalid, "Parameter %d of template %s is empty: give it a value", i+1, r.Template.Name)
			}
			if err := checkText(fmt.Sprintf("parameter %d", i+1), p); err != nil {
				return Outcome{}, err
			}
		}
	}
	if len(r.Answers) > 256 {
		return Outcome{}, errorf(Invalid, "The id of the message answered is %d bytes long: 256 at most", len(r.Answers))
	}
	var out Outcome
	err := s.do(ctx, func(w *wtx) error {
		ct, cv, _, err := w.loadFor(by, r.Contact, 0, true)
		if err != nil {
			return err
		}
		at := s.at(time.Time{})
		e := domain.Entry{At: at, Kind: domain.KindReply, By: by, Text: r.Text, Context: r.Answers,
			ID: fmt.Sprintf("sb.%s.%d", ct.ID, cv.Seq+1)} // unique and stable across export/import
		if r.Template != nil {
			t, err := findTemplate(w.tx, r.Template.Name, r.Template.Language)
			if err != nil {
				return err
			}
			if len(r.Template.Params) != t.Params {
				return errorf(Invalid, "Template %s takes %d parameters (its text: %q), %d given: give one --param per {{n}}; nothing was sent",
					t.Name, t.Params, t.Body, len(r.Template.Params))
			}
			e.Template = &domain.TemplateSend{Name: t.Name, Language: t.Language, Params: r.Template.Params}
			e.Text = TemplateText(t.Body, r.Template.Params)
		} else if !s.outboundView(cv).WindowOpen {
			return s.windowClosed(w.tx, ct, cv)
		}
		if r.Answers != "" {
			if ref, ok := w.tx.InboundID(ct.ID, r.Answers); ok {
				if q, ok, _ := w.tx.Entry(ref); ok {
					e.Quote = q.Text
				}
			}
		}
		if ct.Phone == "" && ct.BSUID == "" && ct.ParentBSUID == "" {
			return errorf(Invalid, "%s has no number and no business-scoped user id, so WhatsApp cannot be told who to send to; nothing was sent", displayName(ct))
		}
		w.write()
		reopened := cv.Status == routing.StatusClosed
		if reopened {
			// answering a closed conversation takes it up again: it reopens (with the person
			// who answers as the one who reopened it, as c does), in the same transaction, so
			// a reply never sits on a conversation that stays closed
			d, err := routing.DecideClose(w.s.ws, by, routingContact(ct), routingConv(cv, true), true, at)
			if err != nil {
				return fromRouting(err)
			}
			if _, err := w.apply(&ct, &cv, d, false); err != nil {
				return err
			}
			e.ID = fmt.Sprintf("sb.%s.%d", ct.ID, cv.Seq+1) // after the reopen's note
		}
		if s.outbound().configured {
			e.Delivery = domain.DeliveryQueued
		} else {
			e.Delivery, e.Error = domain.DeliveryLocal, NotConfigured
		}
		key, err := w.tx.AppendEntry(&cv, e)
		if err != nil {
			return must(err)
		}
		if err := w.tx.PutExtID(e.ID, key); err != nil {
			return must(err)
		}
		if e.Delivery == domain.DeliveryQueued {
			if err := w.tx.PutOutbox(domain.Outgoing{ID: e.ID, State: domain.OutQueued, Due: at, Queued: at}); err != nil {
				return must(err)
			}
			w.wake = true
		}
		cv.Preview, cv.PreviewKind, cv.Unread = preview(e), "reply", 0
		if err := w.tx.PutConversation(cv); err != nil {
			return must(err)
		}
		e.Ref = key
		out = Outcome{Conversation: w.s.stage.conversationView(ct, cv), Reason: cv.WhyReason, Why: cv.Why, Entry: &e, Reopened: reopened}
		w.emit(Event{Kind: EventConversation, Contact: ct.ID, Actor: by})
		return nil
	})
	return out, err
}

// Retry sends a failed or local reply again (it is queued at once): a person's decision. A
// free-form one is refused outside the 24-hour window, and nothing is queued while this
// workspace's owner has no WhatsApp number. A reply whose answer was lost (unknown) is not
// retried by hand: it is sent again on its own unless WhatsApp reports it first.
func (s *Service) Retry(ctx context.Context, by, id string) (Outcome, error) {
	var out Outcome
	err := s.do(ctx, func(w *wtx) error {
		if _, ok := w.s.stage.op(by); !ok {
			return unknownActor(by)
		}
		ref, ok := w.tx.ExtID(id)
		if !ok {
			return errorf(NotFound, "No reply %q: give a reply's id as `switchboard show CONTACT --json` prints it (sb.<contact>.<n>)", id)
		}
		e, ok, err := w.tx.Entry(ref)
		if err != nil {
			return must(err)
		}
		if !ok || e.Kind != domain.KindReply || e.Source != "" {
			return errorf(NotFound, "No reply %q sent from Switchboard", id)
		}
		switch e.Delivery {
		case domain.DeliveryFailed, domain.DeliveryLocal:
		case domain.DeliveryUnknown:
			o, _, _ := w.tx.Outbox(id)
			return errorf(Conflict, "Reply %s may have reached WhatsApp already (its answer was lost), so it is not sent again by hand: it is sent again at %s unless WhatsApp reports it first", id, o.Due.Local().Format("15:04:05"))
		default:
			return errorf(Conflict, "Reply %s is %s: only a failed or local reply is sent again", id, e.Delivery)
		}
		if !s.outbound().configured {
			return errorf(Unavailable, "%s: start `switchboard serve` (or the terminal inbox) with --wa-phone-id and a token (docs/whatsapp.md), then retry", NotConfigured)
		}
		ct, cv, _, err := w.loadFor(by, ref.Contact, 0, true)
		if err != nil {
			return err
		}
		if e.Template == nil && !s.outboundView(cv).WindowOpen {
			return s.windowClosed(w.tx, ct, cv)
		}
		w.write()
		now := s.now()
		e.Delivery, e.Error = domain.DeliveryQueued, ""
		if err := w.tx.PutEntry(ref, e); err != nil {
			return must(err)
		}
		if err := w.tx.PutOutbox(domain.Outgoing{ID: id, State: domain.OutQueued, Due: now, Queued: now}); err != nil {
			return must(err)
		}
		w.wake = true
		e.Ref = ref
		out = Outcome{Conversation: w.s.stage.conversationView(ct, cv), Reason: cv.WhyReason, Why: cv.Why, Entry: &e}
		w.emit(Event{Kind: EventConversation, Contact: ct.ID, Actor: by})
		return nil
	})
	return out, err
}

// ---- the sender's side ----

// Send is a reply a sender took from the outbox: everything it needs to send it.
type Send struct {
	ID        string               // the reply's id: biz_opaque_callback_data
	Contact   string               // the contact's id
	To        string               // the customer's number (wa_id), when they share it
	Recipient string               // else their BSUID (or parent BSUID): the API's recipient
	Text      string               // free text (when Template is nil)
	Template  *domain.TemplateSend `json:",omitempty"`
	Context   string               // the customer's message it answers (context.message_id)
	Attempt   int                  // 1 for the first try
	Resend    bool                 // an earlier attempt's answer was lost
}

// ClaimOutbox takes up to limit replies that are due from the outbox, in one transaction:
// each is marked in flight (so a process killed while sending leaves it unknown, never
// queued) and returned to be sent. A reply that can no longer be sent (deleted; free text
// whose window closed while it waited) is settled here instead.
func (s *Service) ClaimOutbox(ctx context.Context, limit int) ([]Send, error) {
	var out []Send
	err := s.do(ctx, func(w *wtx) error {
		out = nil // a command may run again (its batch rolled back, or lost to another node): claim afresh
		now := s.now()
		due, err := w.tx.DueOutbox(now, limit)
		if err != nil {
			return must(err)
		}
		for _, o := range due {
			w.write()
			ref, ok := w.tx.ExtID(o.ID)
			var e domain.Entry
			if ok {
				e, ok, err = w.tx.Entry(ref)
				if err != nil {
					return must(err)
				}
			}
			if !ok || e.Kind != domain.KindReply {
				if err := w.tx.DeleteOutbox(o.ID); err != nil { // its reply is gone
					return must(err)
				}
				continue
			}
			ct, _, _ := w.tx.Contact(ref.Contact)
			cv, _, _ := w.tx.Conversation(ref.Contact)
			if e.Template == nil && !s.outboundView(cv).WindowOpen {
				if err := w.settle(o.ID, ref, e, domain.DeliveryFailed, "not sent: the 24-hour window closed before it could be sent; send an approved template instead", ""); err != nil {
					return err
				}
				continue
			}
			send := Send{ID: o.ID, Contact: ref.Contact, Text: e.Text, Template: e.Template, Context: e.Context,
				Attempt: o.Attempts + 1, Resend: o.State == domain.OutUnknown}
			switch {
			case ct.Phone != "":
				send.To = ct.Phone
			case ct.BSUID != "":
				send.Recipient = ct.BSUID
			default:
				send.Recipient = ct.ParentBSUID
			}
			o.State, o.Since, o.Attempts = domain.OutSending, now, o.Attempts+1
			if sh, ok := w.tx.(domain.SharedTx); ok {
				o.Node = sh.Node() // another node recovers it only once this one is gone
			}
			o.Due = now.Add(100 * 365 * 24 * time.Hour) // not due again: RecoverInFlight decides after a crash
			if err := w.tx.PutOutbox(o); err != nil {
				return must(err)
			}
			out = append(out, send)
		}
		return nil
	})
	return out, err
}

// settle gives a reply its final mark for the outbox (failed, or sent) and removes its record.
func (w *wtx) settle(id string, ref domain.EntryRef, e domain.Entry, d domain.Delivery, why, wamid string) error {
	w.write()
	if wamid != "" {
		if err := w.tx.PutWAMID(wamid, id); err != nil {
			var taken *domain.WAMIDTaken
			if !errors.As(err, &taken) {
				return must(err)
			}
			// WhatsApp gave one id to two replies: keep the first's; this one keeps its own mark
			why = fmt.Sprintf("WhatsApp answered with message id %s, which reply %s has already", wamid, taken.Other)
		} else {
			e.WAMID = wamid
		}
	}
	if deliveryRank[d] > deliveryRank[e.Delivery] || (deliveryRank[e.Delivery] == 0 && d != e.Delivery) {
		e.Delivery = d
		e.Error = why
	}
	if err := w.tx.PutEntry(ref, e); err != nil {
		return must(err)
	}
	if err := w.tx.DeleteOutbox(id); err != nil {
		return must(err)
	}
	if d == domain.DeliveryFailed && e.By != "" {
		if _, ok := w.s.stage.op(e.By); ok {
			ct, _, _ := w.tx.Contact(ref.Contact)
			if _, err := w.tx.AddNotification(domain.Notification{To: e.By, At: w.s.now(), Contact: ref.Contact,
				Text: fmt.Sprintf("Your reply to %s was not delivered: %s", displayName(ct), why)}); err != nil {
				return must(err)
			}
			w.emit(Event{Kind: EventNotification, To: e.By})
		}
	}
	w.emit(Event{Kind: EventConversation, Contact: ref.Contact})
	return nil
}

// Result is what a sender learned from one attempt.
type Result struct {
	ID string
	// WAMID: WhatsApp accepted the reply with this message id (sent).
	WAMID string
	// Failed: WhatsApp refused it for good; the sentence says why and what to do.
	Failed string
	// Retry: a transient error (Err): try again at Retry.
	Retry time.Time
	// Unknown: the request may have reached WhatsApp but its answer was lost; resend at Retry
	// unless a status for it arrives first.
	Unknown bool
	// Requeue: the queue is paused (a refused token): back in line at Retry, the attempt not
	// counted.
	Requeue bool
	Err     string
}

// RecordSend records what one attempt of a claimed reply came to. A status that arrived
// first (a fast webhook) is kept: a mark never moves backwards, and a reply a status named is
// never queued again.
func (s *Service) RecordSend(ctx context.Context, r Result) error {
	return s.do(ctx, func(w *wtx) error {
		ref, ok := w.tx.ExtID(r.ID)
		if !ok {
			w.write()
			return must(w.tx.DeleteOutbox(r.ID))
		}
		e, ok, err := w.tx.Entry(ref)
		if err != nil || !ok {
			return must(err)
		}
		o, inBox, err := w.tx.Outbox(r.ID)
		if err != nil {
			return must(err)
		}
		switch {
		case r.WAMID != "":
			return w.settle(r.ID, ref, e, domain.DeliverySent, "", r.WAMID)
		case r.Failed != "":
			if !inBox && deliveryRank[e.Delivery] > 0 {
				return nil // a status said where it is already
			}
			return w.settle(r.ID, ref, e, domain.DeliveryFailed, r.Failed, "")
		}
		if !inBox {
			return nil // a status named it meanwhile: it went, so it is not sent again
		}
		w.write()
		o.Due, o.Last = r.Retry, r.Err
		switch {
		case r.Unknown:
			o.State = domain.OutUnknown
			if e.Delivery != domain.DeliveryUnknown {
				e.Delivery, e.Error = domain.DeliveryUnknown, "the answer to sending it was lost ("+r.Err+"): it is sent again at "+r.Retry.Local().Format("15:04:05")+" unless WhatsApp reports it first"
				if err := w.tx.PutEntry(ref, e); err != nil {
					return must(err)
				}
				w.emit(Event{Kind: EventConversation, Contact: ref.Contact})
			}
		case r.Requeue:
			o.State = domain.OutQueued
			o.Attempts = max(0, o.Attempts-1)
		default:
			o.State = domain.OutQueued
		}
		return must(w.tx.PutOutbox(o))
	})
}

// RecoverInFlight runs once when a sender starts: a reply some earlier process took and never
// recorded (it was killed while sending) may or may not have reached WhatsApp, so it becomes
// unknown, resent after wait unless a status names it first. It returns how many it found.
func (s *Service) RecoverInFlight(ctx context.Context, wait time.Duration) (int, error) {
	n := 0
	err := s.do(ctx, func(w *wtx) error {
		n = 0 // a command may run again: count afresh
		// on a store several processes share, a reply another live process (or this one) is
		// sending is theirs: only those of a process that stopped are recovered
		var alive map[string]bool
		me := ""
		sh, shared := w.tx.(domain.SharedTx)
		if shared {
			var err error
			if alive, err = sh.NodesAlive(attendanceTTL); err != nil {
				return must(err)
			}
			me = sh.Node()
		}
		var stuck []domain.Outgoing
		if err := w.tx.OutboxItems(func(o domain.Outgoing) error {
			if o.State == domain.OutSending && !(shared && o.Node != "" && (o.Node == me || alive[o.Node])) {
				stuck = append(stuck, o)
			}
			return nil
		}); err != nil {
			return must(err)
		}
		for _, o := range stuck {
			w.write()
			n++
			o.State, o.Due, o.Last = domain.OutUnknown, o.Since.Add(wait), "the process sending it stopped before WhatsApp answered"
			o.Node = ""
			if err := w.tx.PutOutbox(o); err != nil {
				return must(err)
			}
			if ref, ok := w.tx.ExtID(o.ID); ok {
				if e, ok, _ := w.tx.Entry(ref); ok && deliveryRank[e.Delivery] == 0 {
					e.Delivery, e.Error = domain.DeliveryUnknown, "the process sending it stopped before WhatsApp answered: it is sent again at "+o.Due.Local().Format("15:04:05")+" unless WhatsApp reports it first"
					if err := w.tx.PutEntry(ref, e); err != nil {
						return must(err)
					}
					w.emit(Event{Kind: EventConversation, Contact: ref.Contact})
				}
			}
		}
		return nil
	})
	return n, err
}

// NextOutbox says when the earliest reply in the outbox is due.
func (s *Service) NextOutbox() (time.Time, bool) {
	var t time.Time
	var ok bool
	_ = s.db.View(func(tx domain.ReadTx) error {
		t, ok = tx.NextOutbox()
		return nil
	})
	return t, ok
}

// Outbox lists the replies in the outbox, the earliest due first.
func (s *Service) Outbox(ctx context.Context) ([]domain.Outgoing, error) {
	out := []domain.Outgoing{}
	err := s.db.View(func(tx domain.ReadTx) error {
		return tx.OutboxItems(func(o domain.Outgoing) error { out = append(out, o); return nil })
	})
	return out, readErr0(err)
}

// NotifyAdmins tells every admin something about the workspace (the outbox paused).
func (s *Service) NotifyAdmins(ctx context.Context, text string) error {
	return s.do(ctx, func(w *wtx) error {
		for _, o := range w.s.stage.ops {
			if o.Role != "admin" {
				continue
			}
			w.write()
			if _, err := w.tx.AddNotification(domain.Notification{To: o.ID, At: s.now(), Text: text}); err != nil {
				return must(err)
			}
			w.emit(Event{Kind: EventNotification, To: o.ID})
		}
		return nil
	})
}

// ---- delivery statuses ----

// deliveryRank orders delivery marks; a mark never moves backwards. Local, queued and unknown
// come before every mark WhatsApp reports.
var deliveryRank = map[domain.Delivery]int{domain.DeliverySent: 1, domain.DeliveryDelivered: 2, domain.DeliveryRead: 3, domain.DeliveryFailed: 4}

// DeliveryReq is a delivery status of a reply, as a webhook reports it: the message id (a
// wamid, or one of our reply ids), the status, the reply id WhatsApp echoes back
// (biz_opaque_callback_data), and for a failure its sentence.
type DeliveryReq struct {
	ID       string `json:"id"`
	Status   string `json:"status"`
	Callback string `json:"callback,omitempty"`
	Error    string `json:"error,omitempty"`
	// Recipient and RecipientBSUID are whom the status says the message went to (recipient_id,
	// recipient_user_id), when it says: a status naming someone the reply's contact never was is
	// not applied.
	Recipient      string `json:"recipient,omitempty"`
	RecipientBSUID string `json:"recipient_bsuid,omitempty"`
	// WhatsApp: the status came from WhatsApp (a webhook), not from a person simulating one
	// (`inject status`, the demo): it cannot be about a reply that never left this machine.
	WhatsApp bool `json:"whatsapp,omitempty"`
}

// recipientText is whom the status names.
func (r DeliveryReq) recipientText() string {
	if r.Recipient != "" {
		return "+" + strings.TrimPrefix(r.Recipient, "+")
	}
	return r.RecipientBSUID
}

// wentTo says whether the status's recipient, when it names one, is (or was) the contact's:
// their number now or before, their business-scoped id now or before, or their parent id.
func (r DeliveryReq) wentTo(ct domain.Contact) bool {
	if r.Recipient == "" && r.RecipientBSUID == "" {
		return true // the status does not say
	}
	if p := strings.TrimPrefix(r.Recipient, "+"); p != "" && (p == ct.Phone || slices.Contains(ct.PastPhones, p)) {
		return true
	}
	if b := r.RecipientBSUID; b != "" && (b == ct.BSUID || b == ct.ParentBSUID || slices.Contains(ct.PastBSUIDs, b)) {
		return true
	}
	return false
}

// SetDelivery records a delivery status (sent, delivered, read, failed) of a reply by its id.
func (s *Service) SetDelivery(ctx context.Context, id, mark string) (found bool, err error) {
	return s.SetDeliveryStatus(ctx, DeliveryReq{ID: id, Status: mark})
}

// SetDeliveryStatus records a delivery status. The reply is found by its wamid, by our id in
// the status's id (replies written before the sender) or by the reply id WhatsApp echoes back
// (biz_opaque_callback_data: how a reply whose answer was lost learns its wamid). A mark never
// moves backwards; any status takes the reply out of the outbox, so it is never sent again.
func (s *Service) SetDeliveryStatus(ctx context.Context, r DeliveryReq) (found bool, err error) {
	status := domain.Delivery(r.Status)
	if deliveryRank[status] == 0 {
		return false, errorf(Invalid, "Unknown delivery status %q: use sent, delivered, read or failed", status)
	}
	if err := checkExternalID("message id", r.ID); err != nil {
		return false, err
	}
	err = s.do(ctx, func(w *wtx) error {
		id, byWAMID := w.tx.ReplyOfWAMID(r.ID)
		if !byWAMID {
			id = r.ID
		}
		key, ok := w.tx.ExtID(id)
		if !ok && r.Callback != "" && checkExternalID("callback", r.Callback) == nil { // a fallback: one not an id of ours finds nothing
			id = r.Callback
			key, ok = w.tx.ExtID(id)
		}
		if !ok {
			return nil
		}
		e, ok, err := w.tx.Entry(key)
		if err != nil {
			return must(err)
		}
		if !ok || e.Kind != domain.KindReply {
			return nil
		}
		if e.Delivery == domain.DeliveryLocal && r.WhatsApp {
			// it never left this machine: no status of WhatsApp's can be about it
			return errorf(Invalid, "Reply %s was never sent (%s), so WhatsApp cannot have reported it %s: the status is not applied", id, e.Error, status)
		}
		if ct, ok, err := w.tx.Contact(key.Contact); err != nil {
			return must(err)
		} else if ok && !r.wentTo(ct) {
			return errorf(Invalid, "The status for reply %s says it went to %s, but the reply is to %s: the status is not applied", id, r.recipientText(), describeContact(ct))
		}
		found = true
		if _, inBox, _ := w.tx.Outbox(id); inBox {
			w.write()
			if err := w.tx.DeleteOutbox(id); err != nil {
				return must(err)
			}
		}
		if !byWAMID && e.WAMID == "" && r.ID != id && strings.HasPrefix(r.ID, "wamid.") {
			// found by our id: WhatsApp's id for it was never recorded (its answer was lost)
			w.write()
			if err := w.tx.PutWAMID(r.ID, id); err == nil {
				e.WAMID = r.ID
			} else if !errors.As(err, new(*domain.WAMIDTaken)) {
				return must(err)
			}
		}
		moved := deliveryRank[status] > deliveryRank[e.Delivery]
		if moved {
			e.Delivery = status
			e.Error = ""
			if status == domain.DeliveryFailed {
				e.Error = r.Error
				if e.Error == "" {
					e.Error = "WhatsApp reported it failed"
				}
			}
		}
		if !moved && !w.dirty {
			return nil
		}
		w.write()
		if err := w.tx.PutEntry(key, e); err != nil {
			return must(err)
		}
		w.emit(Event{Kind: EventConversation, Contact: key.Contact})
		return nil
	})
	return found, err
}

// ---- templates ----

// Templates are the message templates last synced (`switchboard templates sync`).
func (s *Service) Templates(ctx context.Context) ([]domain.Template, error) {
	out := []domain.Template{}
	err := s.db.View(func(tx domain.ReadTx) error {
		ts, err := tx.Templates()
		if ts != nil {
			out = ts
		}
		return err
	})
	return out, readErr0(err)
}

// PutTemplates replaces the synced templates (admins: what every operator may send).
func (s *Service) PutTemplates(ctx context.Context, by string, ts []domain.Template) error {
	for i, t := range ts {
		if t.Name == "" || t.Language == "" {
			return errorf(Invalid, "Template %d has no name or no language: every template needs both", i+1)
		}
		if n := utf8.RuneCountInString(t.Name); n > MaxName {
			return errorf(Invalid, "Template %d's name is %d characters long, over the %d this inbox keeps: nothing was synced (WhatsApp's own limit is 512)", i+1, n, MaxName)
		}
		// WhatsApp's own: the admin cannot shorten it, only look at where it came from
		why := ""
		if n := utf8.RuneCountInString(t.Body); n > MaxText {
			why = fmt.Sprintf("its text is %d characters long, over the %d this inbox keeps", n, MaxText)
		} else if !utf8.ValidString(t.Body) {
			why = "its text is not valid UTF-8"
		}
		if why != "" {
			return errorf(Invalid, "Template %q (%s) is not one this inbox can keep: %s. Nothing was synced; WhatsApp keeps a body to 1,024 characters, so check the account (--waba-id) and the API's answer", t.Name, t.Language, why)
		}
		if t.Params < 0 || t.Params > 100 {
			return errorf(Invalid, "Template %s has %d parameters: 0 to 100", t.Name, t.Params)
		}
	}
	return s.do(ctx, func(w *wtx) error {
		o, ok := w.s.stage.op(by)
		if !ok {
			return unknownActor(by)
		}
		if o.Role != "admin" {
			return errorf(Forbidden, "Only admins sync the message templates (you act as %s, an operator)", o.ID)
		}
		w.write()
		if err := w.tx.PutTemplates(ts); err != nil {
			return must(err)
		}
		w.emit(Event{Kind: EventConfig, Actor: by})
		return nil
	})
}

// ReplyEntry is the reply with the id, as it is now.
func (s *Service) ReplyEntry(id string) (domain.Entry, bool) {
	var e domain.Entry
	var ok bool
	_ = s.db.View(func(tx domain.ReadTx) error {
		ref, found := tx.ExtID(id)
		if !found {
			return nil
		}
		e, ok, _ = tx.Entry(ref)
		ok = ok && e.Kind == domain.KindReply
		return nil
	})
	return e, ok
}
