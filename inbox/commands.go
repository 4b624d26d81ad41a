package inbox

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"switchboard/inbox/domain"
	"switchboard/routing"
)

// Call outcomes.
const (
	CallRinging  = domain.CallRinging
	CallAnswered = domain.CallAnswered
	CallMissed   = domain.CallMissed
)

// Inbound is a customer's message or call arriving.
type Inbound struct {
	Channel string // "message" or "call"
	// From is the customer's phone number or business-scoped user id (BSUID); BSUID adds the
	// BSUID when From is a number, ParentBSUID a parent BSUID, Username their WhatsApp username.
	// The contact is found by any of them; a new one is created for unknown identities.
	From        string
	BSUID       string      `json:",omitempty"`
	ParentBSUID string      `json:",omitempty"`
	Username    string      `json:",omitempty"`
	Name        string      // the contact's name, used when the contact is new or has none
	Text        string      // message text (a caption, for media)
	ExternalID  string      // optional; the same id twice is stored once
	At          time.Time   // zero: now
	Outcome     CallOutcome // calls: ringing, answered or missed (default ringing)
	Duration    int         // calls: seconds, when answered
	// Messages: what else the payload carried (all optional).
	Media    *domain.Media      `json:",omitempty"` // an attachment
	Context  string             `json:",omitempty"` // the id of the message this one answers
	Referral *domain.Referral   `json:",omitempty"` // the ad it came from
	Form     []domain.FormField `json:",omitempty"` // a WhatsApp Flow's answers
}

func (s *Service) at(t time.Time) time.Time {
	if t.IsZero() {
		t = s.now()
	}
	return t.UTC()
}

// checkAt refuses a time the timeline cannot order (its keys hold Unix nanoseconds).
func checkAt(at time.Time) error {
	if !domain.ValidTime(at) {
		return errorf(Invalid, "The time %s is outside 1970–2262: give the time the customer wrote or called", at.Format(time.RFC3339))
	}
	return nil
}

// maxID is the longest external id kept (a message, call or call end id).
const maxID = 256

// checkExtras validates what a message carries besides its text.
func checkExtras(in *Inbound) error {
	if len(in.Context) > maxID {
		return errorf(Invalid, "The id of the message answered is %d bytes long: %d at most", len(in.Context), maxID)
	}
	if m := in.Media; m != nil {
		if !slices.Contains([]string{"image", "video", "audio", "sticker", "document"}, m.Type) {
			return errorf(Invalid, "Unknown media type %q: use image, video, audio, sticker or document", m.Type)
		}
		for _, f := range [][2]string{{"file name", m.Filename}, {"media type", m.MimeType}, {"media error", m.Error}} {
			if err := checkName(f[0], f[1]); err != nil {
				return err
			}
		}
	}
	if r := in.Referral; r != nil {
		for _, f := range [][2]string{{"ad headline", r.Headline}, {"ad source type", r.SourceType}, {"ad source id", r.SourceID},
			{"ad click id", r.CtwaClid}} {
			if err := checkName(f[0], f[1]); err != nil {
				return err
			}
		}
		if err := checkText("ad text", r.Body); err != nil {
			return err
		}
		if err := checkText("ad link", r.SourceURL); err != nil {
			return err
		}
	}
	if len(in.Form) > 100 {
		return errorf(Invalid, "The form has %d fields: 100 at most", len(in.Form))
	}
	for _, f := range in.Form {
		if err := checkName("form field name", f.Name); err != nil {
			return err
		}
		if err := checkText("form field", f.Value); err != nil {
			return err
		}
	}
	return nil
}

// Inject routes an inbound message or call and stores it.
func (s *Service) Inject(ctx context.Context, in Inbound) (Outcome, error) {
	id, err := parseIdentities(in.From, in.BSUID, in.ParentBSUID, in.Username)
	if err != nil {
		return Outcome{}, err
	}
	ch := routing.Channel(in.Channel)
	if !ch.Valid() {
		return Outcome{}, errorf(Invalid, "Unknown channel %q: use message or call", in.Channel)
	}
	if err := checkText("message", in.Text); err != nil {
		return Outcome{}, err
	}
	if err := checkName("contact name", in.Name); err != nil {
		return Outcome{}, err
	}
	if err := checkExtras(&in); err != nil {
		return Outcome{}, err
	}
	if ch == routing.ChannelMessage && strings.TrimSpace(in.Text) == "" && in.Media == nil && len(in.Form) == 0 {
		return Outcome{}, errorf(Invalid, "The message text is empty: give the text the customer sent")
	}
	if ch == routing.ChannelCall {
		if in.Outcome == "" {
			in.Outcome = CallRinging
		}
		if in.Outcome != CallRinging && in.Outcome != CallAnswered && in.Outcome != CallMissed {
			return Outcome{}, errorf(Invalid, "Unknown call outcome %q: use ringing, answered or missed", in.Outcome)
		}
		if in.Duration < 0 {
			return Outcome{}, errorf(Invalid, "A call duration of %d seconds is negative: give 0 or more", in.Duration)
		}
		if in.Outcome != CallAnswered {
			in.Duration = 0
		}
	}
	at, err := s.eventTime(in.At, in.ExternalID)
	if err != nil {
		return Outcome{}, err
	}
	var out Outcome
	err = s.do(ctx, func(w *wtx) error {
		var err error
		out, err = w.inject(id, in, ch, at)
		return err
	})
	return out, err
}

// seen finds the entry an inbound id was stored with, whichever contact's timeline it is in, for
// an event at the time: WhatsApp's message and call ids are unique, so a redelivery (which
// carries its event's own time) is a duplicate whatever identity of the customer it carries (the
// number, the BSUID, both).
func (w *wtx) seen(extID string, at time.Time) (domain.EntryRef, bool) {
	if extID == "" {
		return domain.EntryRef{}, false
	}
	return w.tx.InboundByID(extID, at)
}

// planEvent finds the entry already stored under the event's id, if any, else the contact of
// the event's identities (writing nothing).
func (w *wtx) planEvent(id identities, extID string, at time.Time) (p contactPlan, key domain.EntryRef, dup bool, err error) {
	if key, dup = w.seen(extID, at); dup {
		return p, key, true, nil
	}
	if p, err = planContact(w.tx, id); err != nil {
		return p, key, false, must(err)
	}
	return p, key, false, nil
}

// duplicate is the outcome of an event that was stored before, at key: nothing changes.
func (w *wtx) duplicate(key domain.EntryRef) (Outcome, error) {
	out, _, _, err := w.stored(key)
	out.Duplicate = true
	return out, err
}

// eventTime is when an event happened (zero: now), if the timeline can order it; idLen is the
// length of its external id, checked against the limit.
func (s *Service) eventTime(t time.Time, extID string) (time.Time, error) {
	if err := checkExternalID("external id", extID); err != nil {
		return time.Time{}, err
	}
	at := s.at(t)
	return at, checkAt(at)
}

func (w *wtx) inject(id identities, in Inbound, ch routing.Channel, at time.Time) (Outcome, error) {
	plan, key, dup, err := w.planEvent(id, in.ExternalID, at)
	if err != nil {
		return Outcome{}, err
	}
	if dup {
		key, unlinked, err := w.linkDuplicate(key, in.ExternalID, id, in.Name, at)
		if err != nil {
			return Outcome{}, err
		}
		e, _, err := w.tx.Entry(key)
		if err != nil {
			return Outcome{}, must(err)
		}
		var out Outcome
		if ch == routing.ChannelCall && e.Kind == "call" && e.Outcome == CallRinging && in.Outcome != CallRinging {
			// the same call, told again with how it ended: it ends in place
			out, err = w.endCall(key, e, in.Outcome, in.Duration, "")
		} else {
			out, err = w.duplicate(key)
		}
		out.Unlinked = unlinked
		return out, err
	}
	ct, saveContact, err := w.resolveInbound(plan, id, in.Name, at)
	if err != nil {
		return Outcome{}, err
	}
	cv, exists, err := w.tx.Conversation(ct.ID)
	if err != nil {
		return Outcome{}, must(err)
	}
	if !exists {
		cv = domain.Conversation{Contact: ct.ID}
	}
	d := routing.DecideInbound(w.s.ws, routingContact(ct), routingConv(cv, exists),
		routing.Inbound{Channel: ch, Text: in.Text, At: at})

	w.write()
	e := domain.Entry{At: at, Kind: domain.EntryKind(ch), ID: in.ExternalID, Text: in.Text, Media: in.Media, Referral: in.Referral, Form: in.Form}
	if ch == routing.ChannelCall {
		e.Outcome, e.Duration = in.Outcome, in.Duration
		e.Media, e.Referral, e.Form = nil, nil, nil
	} else if in.Context != "" {
		e.Context = in.Context
		e.Quote = w.quote(ct.ID, in.Context)
	}
	key, err = w.tx.AppendEntry(&cv, e)
	if err != nil {
		return Outcome{}, must(err)
	}
	if in.ExternalID != "" {
		if err := w.tx.PutInboundID(ct.ID, in.ExternalID, key); err != nil {
			return Outcome{}, must(err)
		}
	}
	if e.Kind == "call" && e.Outcome == CallRinging {
		if err := w.ringTimer(key, at); err != nil {
			return Outcome{}, err
		}
	}
	cv.Preview, cv.PreviewKind = preview(e), e.Kind
	cv.Unread++
	out, err := w.apply(&ct, &cv, d, saveContact)
	if err != nil {
		return Outcome{}, err
	}
	if !d.WaitUntil.IsZero() {
		// the owner is away: a cover if they still are when the wait runs out
		if err := w.tx.PutTimer(awayTimer(d.WaitUntil, ct.ID, cv.Version, key, d.After.Assignee)); err != nil {
			return Outcome{}, must(err)
		}
	}
	out.Entry = &e
	if d.RaisePrompt {
		// no person acted: the owner and every admin hear that a decision waits
		text := promptWaiting + out.Prompt.Question + fmt.Sprintf(promptWaitingEnd, displayName(ct))
		if err := w.notify(append([]string{d.Prompt.Target}, w.admins()...), ct.ID, text, at); err != nil {
			return Outcome{}, err
		}
	}
	w.emit(Event{Kind: EventConversation, Contact: ct.ID, Actor: routing.Routing, Why: out.Why, Reason: out.Reason,
		Channel: ch, Outcome: e.Outcome, Assignee: cv.Assignee, Prompt: cv.Prompt != nil})
	return out, nil
}

// quote is the text of the entry of the contact's timeline that the id names (a message the
// customer answers: theirs, or a reply), cut to one line; "" when it is not there.
func (w *wtx) quote(contact, id string) string {
	key, ok := w.tx.InboundID(contact, id)
	if !ok {
		if key, ok = w.tx.ExtID(id); !ok || key.Contact != contact {
			return ""
		}
	}
	e, ok, err := w.tx.Entry(key)
	if err != nil || !ok {
		return ""
	}
	return clipLine(EntryText(e), 120)
}

func preview(e domain.Entry) string {
	switch e.Kind {
	case "call":
		switch e.Outcome {
		case CallAnswered:
			return fmt.Sprintf("Call, answered (%s)", FormatDuration(e.Duration))
		case CallMissed:
			return "Call, missed"
		}
		return "Call, ringing"
	}
	return clipLine(EntryText(e), 120)
}

// clipLine makes text one line (runs of spaces and line breaks become one space) of at most n
// characters, marking a cut with "…".
func clipLine(text string, n int) string {
	t := strings.Join(strings.Fields(text), " ")
	if utf8.RuneCountInString(t) > n {
		r := []rune(t)
		t = string(r[:n-1]) + "…"
	}
	return t
}

// FormatDuration writes seconds as "1m 05s" or "42s".
func FormatDuration(sec int) string {
	if sec < 60 {
		return strconv.Itoa(sec) + "s"
	}
	if sec < 3600 {
		return fmt.Sprintf("%dm %02ds", sec/60, sec%60)
	}
	return fmt.Sprintf("%dh %02dm %02ds", sec/3600, sec/60%60, sec%60)
}

func (w *wtx) admins() []string {
	var out []string
	for _, o := range w.s.stage.ops {
		if o.Role == routing.RoleAdmin {
			out = append(out, o.ID)
		}
	}
	return out
}

func (w *wtx) notify(to []string, contact, text string, at time.Time) error {
	seen := map[string]bool{}
	for _, id := range to {
		if id == "" || seen[id] {
			continue
		}
		seen[id] = true
		if _, err := w.tx.AddNotification(domain.Notification{To: id, At: at, Text: text, Contact: contact}); err != nil {
			return must(err)
		}
		w.emit(Event{Kind: EventNotification, To: id, Contact: contact})
	}
	return nil
}

func routingContact(ct domain.Contact) routing.Contact {
	return routing.Contact{ID: ct.ID, Name: ct.Name, Owner: ct.Owner, Tags: ct.Tags}
}

func routingConv(cv domain.Conversation, exists bool) routing.Conversation {
	if !exists {
		return routing.Conversation{}
	}
	rc := routing.Conversation{Status: routing.Status(cv.Status), Assignee: cv.Assignee, Team: cv.Team, BotHold: cv.BotHold,
		Cover: cv.Cover, Backlog: cv.Backlog}
	if cv.Prompt != nil {
		rc.Prompt = &routing.Prompt{Kind: routing.PromptKind(cv.Prompt.Kind), Target: cv.Prompt.Target, Team: cv.Prompt.Team,
			Choices: cv.Prompt.Choices, RaisedBy: cv.Prompt.RaisedBy, At: cv.Prompt.At,
			PrevOwner: cv.Prompt.PrevOwner, PrevCover: cv.Prompt.PrevCover}
	}
	return rc
}

// apply writes a decision: the conversation's new state, the contact's owner, the prompt, the
// system note, the notification and the round-robin pick. saveContact forces the contact to be
// written (a new contact).
func (w *wtx) apply(ct *domain.Contact, cv *domain.Conversation, d routing.Decision, saveContact bool) (Outcome, error) {
	w.write()
	cfg := w.s.stage
	changed := d.Changed()
	wasInBacklog := cv.InBacklog()
	if d.After.Status != routing.StatusNew {
		cv.Status = d.After.Status
	}
	cv.Assignee, cv.Team, cv.BotHold = d.After.Assignee, d.After.Team, d.After.BotHold
	cv.Cover, cv.Backlog = d.After.Cover, d.After.Backlog
	// a decision that ends with nothing changed (cancelled, or a declined assignment) gives the
	// conversation back the why it had before it was raised: where it is has not changed
	var restore *domain.Prompt
	if d.ClearPrompt && cv.Prompt != nil && d.Before.Assignee == d.After.Assignee && d.Before.Team == d.After.Team &&
		(d.Kind == routing.KindCancel || d.Kind == routing.KindDecline) && cv.Prompt.PrevWhy != "" {
		restore = cv.Prompt
	}
	if d.ClearPrompt {
		cv.Prompt = nil
	}
	if d.RaisePrompt {
		p := d.Prompt
		cv.Prompt = &domain.Prompt{Kind: p.Kind, Target: p.Target, Team: p.Team, Choices: p.Choices, RaisedBy: p.RaisedBy, At: p.At,
			PrevOwner: p.PrevOwner, PrevCover: p.PrevCover, PrevWhy: cv.Why, PrevWhyReason: cv.WhyReason}
	}
	why, code := "", d.Code()
	if changed || d.Kind == routing.KindInbound {
		why = d.Explain()
	}
	if changed && cv.Status != "" { // a contact without a conversation has no timeline
		cv.Version++
		// the decision's one note says what Explain says (built once, above)
		if why != "" {
			if _, err := w.tx.AppendEntry(cv, domain.Entry{At: d.At, Kind: "note", By: d.Actor, Reason: code, Text: why}); err != nil {
				return Outcome{}, must(err)
			}
		}
		switch {
		case restore != nil:
			cv.Why, cv.WhyReason = restore.PrevWhy, restore.PrevWhyReason // the note says what happened
		case d.Before.Assignee != d.After.Assignee || d.Before.Team != d.After.Team || d.RaisePrompt || d.ClearPrompt ||
			cv.Why == "" || d.Kind == routing.KindInbound:
			cv.Why, cv.WhyReason = why, code
		}
	}
	if d.After.Owner != ct.Owner {
		ct.Owner = d.After.Owner
		saveContact = true
	}
	if saveContact {
		if err := w.tx.PutContact(*ct); err != nil {
			return Outcome{}, must(err)
		}
	}
	if d.Pick.Operator != "" {
		w.s.ws.Remember(d.Pick)
		if w.rr == nil {
			w.rr = map[string]bool{}
		}
		w.rr[d.Pick.Team] = true // written when the command is done (finish)
	}
	// capacity: who has one more open conversation, who one fewer (and so room again)
	if freed, _ := w.s.ws.Track(d); freed != "" {
		w.markOperator(routing.TriggerCapacity, freed)
	}
	if d.HoursStop() == routing.ClosedHours {
		if err := w.armHours(d.At); err != nil {
			return Outcome{}, err
		}
	}
	if cv.InBacklog() && !wasInBacklog && d.Before.Backlog {
		// back in the backlog (a team decision on it was declined or withdrawn): a member may
		// have become a candidate meanwhile
		w.markSweep(routing.Trigger{Kind: routing.TriggerBack}, cv.Team)
	}
	if cv.Status != "" {
		if err := w.tx.PutConversation(*cv); err != nil {
			return Outcome{}, must(err)
		}
	}
	told := map[string]bool{}
	for _, n := range d.Notifications() {
		if err := w.notify([]string{n.To}, ct.ID, n.Text, d.At); err != nil {
			return Outcome{}, err
		}
		told[n.To] = true
	}
	out := Outcome{Conversation: cfg.conversationView(*ct, *cv), Reason: code, Why: why}
	if err := w.tellOthers(d, ct.ID, out.Conversation.Contact.Display(), told); err != nil {
		return Outcome{}, err
	}
	if d.RaisePrompt {
		out.Prompt = out.Conversation.Prompt
	}
	return out, nil
}

// tellOthers notifies the people a person's change took a conversation from or gave one to (its
// assignee, the contact's owner), unless they made it themselves or the decision already tells
// them: what lands on someone's desk, or leaves it, by a colleague's hand, they hear of.
func (w *wtx) tellOthers(d routing.Decision, contact, label string, told map[string]bool) error {
	cfg := w.s.stage
	actor, person := cfg.op(d.Actor)
	if !person {
		return nil // routing's own decisions say why in the timeline and ring the bell
	}
	who := actor.Name
	if who == "" {
		who = actor.ID
	}
	human := func(id string) bool { _, ok := cfg.op(id); return ok && id != d.Actor && !told[id] }
	nobody := func(id string) string {
		if id == "" {
			return "nobody"
		}
		return cfg.name(id)
	}
	var order []string
	says := map[string][]string{}
	say := func(to, what string) {
		if len(says[to]) == 0 {
			order = append(order, to)
		}
		says[to] = append(says[to], what)
	}
	if b, a := d.Before.Assignee, d.After.Assignee; b != a {
		if human(a) {
			say(a, fmt.Sprintf("assigned %s to you", label))
		}
		if human(b) {
			say(b, fmt.Sprintf("moved %s from you to %s", label, nobody(a)))
		}
	}
	of := func(to string) string { // the contact, or "its" after a first phrase names it
		if len(says[to]) > 0 {
			return "its"
		}
		return label + "'s"
	}
	if b, a := d.Before.Owner, d.After.Owner; b != a {
		if human(a) {
			say(a, fmt.Sprintf("made you %s owner", of(a)))
		}
		if human(b) {
			say(b, fmt.Sprintf("made %s %s owner instead of you", nobody(a), of(b)))
		}
	}
	for _, to := range order {
		if err := w.notify([]string{to}, contact, who+" "+strings.Join(says[to], " and "), d.At); err != nil {
			return err
		}
		told[to] = true
	}
	return nil
}

// ---- a person's actions ----

// loadFor loads a conversation for an action by a person, checking the version they saw
// (0: do not check).
func (w *wtx) loadFor(by, contact string, version uint64, needConv bool) (domain.Contact, domain.Conversation, bool, error) {
	if _, ok := w.s.stage.op(by); !ok {
		return domain.Contact{}, domain.Conversation{}, false, unknownActor(by)
	}
	ct, err := findContact(w.tx, contact)
	if err != nil {
		return domain.Contact{}, domain.Conversation{}, false, readErr(err)
	}
	id := ct.ID
	cv, exists, err := w.tx.Conversation(id)
	if err != nil {
		return domain.Contact{}, domain.Conversation{}, false, must(err)
	}
	if !exists {
		if needConv {
			return domain.Contact{}, domain.Conversation{}, false, errorf(NotFound, "%s has no conversation yet; it starts with their first message or call", displayName(ct))
		}
		cv = domain.Conversation{Contact: id}
	}
	if version != 0 && cv.Version != version {
		return domain.Contact{}, domain.Conversation{}, false, errorf(Conflict, TextStale)
	}
	return ct, cv, exists, nil
}

// action runs a person's action that routing decides.
func (s *Service) action(ctx context.Context, by, contact string, version uint64, needConv bool,
	decide func(w *routing.Workspace, rc routing.Contact, rv routing.Conversation, at time.Time) (routing.Decision, error)) (Outcome, error) {
	var out Outcome
	err := s.do(ctx, func(w *wtx) error {
		ct, cv, exists, err := w.loadFor(by, contact, version, needConv)
		if err != nil {
			return err
		}
		d, err := decide(w.s.ws, routingContact(ct), routingConv(cv, exists), s.at(time.Time{}))
		if err != nil {
			return fromRouting(err)
		}
		out, err = w.apply(&ct, &cv, d, false)
		if err != nil {
			return err
		}
		w.emit(Event{Kind: EventConversation, Contact: ct.ID, Actor: by, Why: out.Why, Reason: out.Reason,
			Assignee: cv.Assignee, Prompt: cv.Prompt != nil})
		return nil
	})
	return out, err
}

// Assign sets the conversation's assignee: an operator id, "bot", or "" (none). Assigning
// someone outside the conversation's team raises a team-mismatch decision for by.
func (s *Service) Assign(ctx context.Context, by, contact, to string, version uint64) (Outcome, error) {
	if to == "none" {
		to = ""
	}
	return s.action(ctx, by, contact, version, true, func(w *routing.Workspace, c routing.Contact, v routing.Conversation, at time.Time) (routing.Decision, error) {
		return routing.DecideAssign(w, by, c, v, to, at)
	})
}

// SetOwner sets the contact's owner (an operator id), or clears it (to "" or "none").
func (s *Service) SetOwner(ctx context.Context, by, contact, to string, version uint64) (Outcome, error) {
	if to == "none" {
		to = ""
	}
	return s.action(ctx, by, contact, version, false, func(w *routing.Workspace, c routing.Contact, v routing.Conversation, at time.Time) (routing.Decision, error) {
		return routing.DecideOwner(w, by, c, v, to, at)
	})
}

// ChangeTeam moves the conversation to another team.
func (s *Service) ChangeTeam(ctx context.Context, by, contact, team string, version uint64) (Outcome, error) {
	return s.action(ctx, by, contact, version, true, func(w *routing.Workspace, c routing.Contact, v routing.Conversation, at time.Time) (routing.Decision, error) {
		return routing.DecideTeam(w, by, c, v, team, at)
	})
}

// CloseConversation closes the conversation (withdrawing a waiting decision).
func (s *Service) CloseConversation(ctx context.Context, by, contact string, version uint64) (Outcome, error) {
	return s.action(ctx, by, contact, version, true, func(w *routing.Workspace, c routing.Contact, v routing.Conversation, at time.Time) (routing.Decision, error) {
		return routing.DecideClose(w, by, c, v, false, at)
	})
}

// ReopenConversation reopens a closed conversation by hand; it keeps its assignee and team.
func (s *Service) ReopenConversation(ctx context.Context, by, contact string, version uint64) (Outcome, error) {
	return s.action(ctx, by, contact, version, true, func(w *routing.Workspace, c routing.Contact, v routing.Conversation, at time.Time) (routing.Decision, error) {
		return routing.DecideClose(w, by, c, v, true, at)
	})
}

// Accept answers the conversation's team-mismatch decision: move it to team (one of the
// operator's teams; "" for their first) and assign them.
func (s *Service) Accept(ctx context.Context, by, contact, team string) (Outcome, error) {
	return s.action(ctx, by, contact, 0, true, func(w *routing.Workspace, c routing.Contact, v routing.Conversation, at time.Time) (routing.Decision, error) {
		return routing.DecideAnswer(w, by, c, v, true, team, at)
	})
}

// Decline answers the conversation's team-mismatch decision with no: for an owner, Bot takes
// the conversation and the owner is told why; for an assignment, nothing changes.
func (s *Service) Decline(ctx context.Context, by, contact string) (Outcome, error) {
	return s.action(ctx, by, contact, 0, true, func(w *routing.Workspace, c routing.Contact, v routing.Conversation, at time.Time) (routing.Decision, error) {
		return routing.DecideAnswer(w, by, c, v, false, "", at)
	})
}

// CancelPrompt takes back the action of by's that raised the conversation's team decision
// (assigning or making owner someone outside the team): the decision is withdrawn and nothing
// is left changed — the owner from before comes back. Only the person whose action raised it
// may; one raised by an inbound message or call cannot be cancelled.
func (s *Service) CancelPrompt(ctx context.Context, by, contact string) (Outcome, error) {
	return s.action(ctx, by, contact, 0, true, func(w *routing.Workspace, c routing.Contact, v routing.Conversation, at time.Time) (routing.Decision, error) {
		return routing.DecideCancel(w, by, c, v, at)
	})
}

// MarkRead clears the conversation's unread mark (an operator opened it).
func (s *Service) MarkRead(ctx context.Context, by, contact string) error {
	return s.do(ctx, func(w *wtx) error {
		_, cv, exists, err := w.loadFor(by, contact, 0, false)
		if err != nil || !exists || cv.Unread == 0 {
			return err
		}
		w.write()
		cv.Unread = 0
		if err := w.tx.PutConversation(cv); err != nil {
			return must(err)
		}
		w.emit(Event{Kind: EventConversation, Contact: cv.Contact, Actor: by})
		return nil
	})
}

// CallEnd is the end of a call: its outcome and duration.
type CallEnd struct {
	From        string // the caller's phone number or BSUID
	BSUID       string `json:",omitempty"`
	ParentBSUID string `json:",omitempty"`
	Username    string `json:",omitempty"`
	Name        string
	CallID      string      // the call's id, as given when it connected
	Outcome     CallOutcome // answered or missed
	Duration    int
	At          time.Time
	ExternalID  string // id of this end event, for idempotency ("" to use CallID+":terminate")
}

// EndCall records how a call ended. A call that was never seen connecting is recorded as a
// new call with its outcome, and routes like any inbound call.
func (s *Service) EndCall(ctx context.Context, c CallEnd) (Outcome, error) {
	if c.Outcome != CallAnswered && c.Outcome != CallMissed {
		return Outcome{}, errorf(Invalid, "Unknown call outcome %q: use answered or missed", c.Outcome)
	}
	if c.CallID == "" {
		return Outcome{}, errorf(Invalid, "A call end needs the call's id")
	}
	if len(c.CallID) > 240 {
		return Outcome{}, errorf(Invalid, "The call id is %d bytes long: 240 at most", len(c.CallID))
	}
	if err := checkExternalID("call id", c.CallID); err != nil {
		return Outcome{}, err
	}
	if err := checkName("contact name", c.Name); err != nil {
		return Outcome{}, err
	}
	if c.Duration < 0 {
		return Outcome{}, errorf(Invalid, "A call duration of %d seconds is negative: give 0 or more", c.Duration)
	}
	id, err := parseIdentities(c.From, c.BSUID, c.ParentBSUID, c.Username)
	if err != nil {
		return Outcome{}, err
	}
	if c.ExternalID == "" {
		c.ExternalID = c.CallID + ":terminate"
	}
	if c.Outcome != CallAnswered {
		c.Duration = 0
	}
	at, err := s.eventTime(c.At, c.ExternalID)
	if err != nil {
		return Outcome{}, err
	}
	var out Outcome
	err = s.do(ctx, func(w *wtx) error {
		if key, dup := w.seen(c.ExternalID, at); dup {
			key, unlinked, err := w.linkDuplicate(key, c.ExternalID, id, c.Name, at)
			if err != nil {
				return err
			}
			out, err = w.duplicate(key)
			out.Unlinked = unlinked
			return err
		}
		key, ok := w.seen(c.CallID, at)
		if !ok {
			out, err = w.inject(id, Inbound{Channel: "call", Name: c.Name, ExternalID: c.CallID, Outcome: c.Outcome, Duration: c.Duration},
				routing.ChannelCall, at)
			if err != nil {
				return err
			}
			callKey, _ := w.tx.InboundByID(c.CallID, at) // just stored by inject
			return must(w.tx.PutInboundID(callKey.Contact, c.ExternalID, callKey))
		}
		e, _, err := w.tx.Entry(key)
		if err != nil {
			return must(err)
		}
		if e.Kind != "call" {
			return errorf(Invalid, "The id %q belongs to a %s, not a call; give the call's own id", c.CallID, e.Kind)
		}
		// the call's end names its caller too: linked as a redelivery of the call would be
		key, unlinked, err := w.linkDuplicate(key, c.CallID, id, c.Name, at)
		if err != nil {
			return err
		}
		if e, _, err = w.tx.Entry(key); err != nil {
			return must(err)
		}
		out, err = w.endCall(key, e, c.Outcome, c.Duration, c.ExternalID)
		out.Unlinked = unlinked
		return err
	})
	return out, err
}

// endCall rewrites a stored call entry with how the call ended (endID, when given, is the end
// event's own id, kept so that it is a duplicate when it comes again), and refreshes the
// conversation's preview when the call is what it shows.
func (w *wtx) endCall(key domain.EntryRef, e domain.Entry, outcome CallOutcome, duration int, endID string) (Outcome, error) {
	w.write()
	wasRinging := e.Outcome == CallRinging
	e.Outcome, e.Duration = outcome, duration
	if err := w.tx.PutEntry(key, e); err != nil {
		return Outcome{}, must(err)
	}
	contact := key.Contact
	if endID != "" {
		if err := w.tx.PutInboundID(contact, endID, key); err != nil {
			return Outcome{}, must(err)
		}
	}
	if wasRinging {
		if err := w.tx.DeleteTimer(ringTimer(e.At.Add(w.s.ring), key)); err != nil {
			return Outcome{}, must(err)
		}
	}
	out, ct, cv, err := w.stored(key)
	if err != nil {
		return Outcome{}, err
	}
	if cv.PreviewKind == "call" {
		cv.Preview = preview(e)
		if err := w.tx.PutConversation(cv); err != nil {
			return Outcome{}, must(err)
		}
		out.Conversation = w.s.stage.conversationView(ct, cv)
	}
	out.Entry = &e
	w.emit(Event{Kind: EventConversation, Contact: ct.ID, Channel: routing.ChannelCall, Outcome: e.Outcome, Assignee: cv.Assignee})
	return out, nil
}

// stored loads the contact and conversation a timeline key belongs to, as an Outcome that
// changes nothing (a duplicate, or an entry updated in place).
func (w *wtx) stored(key domain.EntryRef) (Outcome, domain.Contact, domain.Conversation, error) {
	ct, _, err := w.tx.Contact(key.Contact)
	if err != nil {
		return Outcome{}, ct, domain.Conversation{}, must(err)
	}
	cv, _, err := w.tx.Conversation(ct.ID)
	if err != nil {
		return Outcome{}, ct, cv, must(err)
	}
	return Outcome{Conversation: w.s.stage.conversationView(ct, cv), Why: cv.Why, Reason: cv.WhyReason}, ct, cv, nil
}
