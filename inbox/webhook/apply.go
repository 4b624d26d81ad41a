package webhook

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"

	"switchboard/inbox"
	"switchboard/inbox/whatsapp"
)

// Inbox is what applying a batch needs of the inbox. *inbox.Service has it; so does any
// connection to the process owning the workspace (Through).
type Inbox interface {
	Inject(ctx context.Context, in inbox.Inbound) (inbox.Outcome, error)
	EndCall(ctx context.Context, c inbox.CallEnd) (inbox.Outcome, error)
	SetDeliveryStatus(ctx context.Context, r inbox.DeliveryReq) (found bool, err error)
	ChangeNumber(ctx context.Context, c inbox.NumberChange) (inbox.Outcome, error)
	RecordEcho(ctx context.Context, e inbox.Echo) (inbox.Outcome, error)
}

var _ Inbox = (*inbox.Service)(nil)

// Result says what applying a batch did.
type Result struct {
	Messages   int    `json:"messages"`       // new messages stored
	Calls      int    `json:"calls"`          // new call events recorded (connects and ends)
	Echoes     int    `json:"echoes"`         // replies sent from the WhatsApp Business app, stored
	Changes    int    `json:"number_changes"` // customers' number (or BSUID) changes applied
	Duplicates int    `json:"duplicates"`     // messages and call events seen before, with any identity of the customer: nothing stored
	Statuses   int    `json:"statuses"`       // delivery statuses for known replies (a mark never moves back)
	Unknown    int    `json:"unknown"`        // delivery statuses for ids that are not Switchboard replies
	Skipped    []Skip `json:"skipped,omitempty"`
	// SkippedMore counts the skipped parts past the first MaxSkipped (which Skipped lists).
	SkippedMore int `json:"skipped_more,omitempty"`
}

// skip lists a skipped part, or counts it once MaxSkipped are listed.
func (r *Result) skip(s Skip) {
	if len(r.Skipped) < MaxSkipped {
		r.Skipped = append(r.Skipped, s)
		return
	}
	r.SkippedMore++
}

// Stored is how many new messages and call events were stored.
func (r Result) Stored() int { return r.Messages + r.Calls }

// String summarises the result in one line, for the CLI.
func (r Result) String() string {
	s := fmt.Sprintf("%d messages, %d call events stored", r.Messages, r.Calls)
	if r.Echoes > 0 {
		s += fmt.Sprintf(", %d replies from the WhatsApp Business app", r.Echoes)
	}
	if r.Changes > 0 {
		s += fmt.Sprintf(", %d number changes", r.Changes)
	}
	return s + fmt.Sprintf("; %d duplicates; %d statuses applied, %d for unknown ids; %d skipped",
		r.Duplicates, r.Statuses, r.Unknown, len(r.Skipped)+r.SkippedMore)
}

// ApplyJSON parses a payload and applies it: what `switchboard inject webhook FILE` runs. A
// payload that cannot be read gives an *inbox.Error of kind Invalid and stores nothing.
func ApplyJSON(ctx context.Context, svc Inbox, body []byte) (Result, error) {
	b, err := Parse(body)
	if err != nil {
		return Result{}, &inbox.Error{Kind: inbox.Invalid, Msg: "Cannot read the webhook payload: " + err.Error()}
	}
	return Apply(ctx, svc, b)
}

// Apply feeds a parsed batch into the inbox: messages and calls in the batch's (timestamp)
// order, then delivery statuses. Each event returns once it is durable. The same message id,
// or the same call id and event, is stored once however often it arrives, across restarts: a
// message and a call's connect use their id as the inbox's external id, a call's terminate uses
// inbox.EndCall's own key (call id + ":terminate").
//
// An event the inbox refuses as invalid (a sender that is not a phone number, say) is listed
// in Result.Skipped and the rest still applies: sending it again would not help. An error is
// returned only when the inbox itself failed (storage, shutting down, ctx ended); events
// applied before it stay applied, and applying the batch again is safe.
func Apply(ctx context.Context, svc Inbox, b Batch) (Result, error) {
	var res Result
	for _, s := range b.Skipped {
		res.skip(s)
	}
	for i, e := range b.Events {
		out, err := applyEvent(ctx, svc, e)
		if err != nil {
			if !refused(err) {
				return res, err
			}
			res.skip(Skip{Where: describeEvent(i, e), Reason: err.Error()})
			continue
		}
		if out.Unlinked != "" {
			// a redelivery whose identities could not be linked to the contact that has it
			res.skip(Skip{Where: describeEvent(i, e), Reason: out.Unlinked})
		}
		switch {
		case out.Duplicate:
			res.Duplicates++
		case e.Kind == KindCall:
			res.Calls++
		case e.Kind == KindEcho:
			res.Echoes++
		case e.Kind == KindNumberChange:
			res.Changes++
		default:
			res.Messages++
		}
	}
	for _, s := range b.Statuses {
		r := inbox.DeliveryReq{ID: externalID(s.ID), Status: s.Status, Callback: s.Callback, Recipient: s.Recipient, RecipientBSUID: s.RecipientBSUID, WhatsApp: true}
		if s.Status == "failed" {
			r.Error = whatsapp.Explain(s.ErrorCode, s.ErrorTitle, s.ErrorDetails)
		}
		found, err := svc.SetDeliveryStatus(ctx, r)
		if err != nil {
			if !refused(err) {
				return res, err
			}
			res.skip(Skip{Where: "status " + s.ID, Reason: err.Error()})
			continue
		}
		if found {
			res.Statuses++
		} else {
			res.Unknown++
		}
	}
	return res, nil
}

func applyEvent(ctx context.Context, svc Inbox, e Event) (inbox.Outcome, error) {
	from, bsuid := e.From, e.BSUID
	if from == "" { // a customer who does not share their number: the BSUID names them
		from, bsuid = e.BSUID, ""
	}
	if from == "" {
		from = e.ParentBSUID
	}
	switch {
	case e.Kind == KindNumberChange:
		return svc.ChangeNumber(ctx, inbox.NumberChange{OldPhone: e.From, OldBSUID: e.BSUID, NewPhone: e.NewPhone,
			NewBSUID: e.NewBSUID, ExternalID: externalID(e.ID), At: e.At})
	case e.Kind == KindEcho:
		return svc.RecordEcho(ctx, inbox.Echo{To: e.From, ToBSUID: e.BSUID, ToParentBSUID: e.ParentBSUID, Text: e.Text,
			Media: e.Media, Context: e.Context, ExternalID: externalID(e.ID), At: e.At})
	case e.Kind == KindCall && e.CallEvent == "terminate":
		return svc.EndCall(ctx, inbox.CallEnd{From: from, BSUID: bsuid, ParentBSUID: e.ParentBSUID, Username: e.Username,
			Name: e.Name, CallID: externalID(e.ID), Outcome: e.Outcome, Duration: e.Duration, At: e.At})
	case e.Kind == KindCall:
		return svc.Inject(ctx, inbox.Inbound{Channel: "call", From: from, BSUID: bsuid, ParentBSUID: e.ParentBSUID,
			Username: e.Username, Name: e.Name, ExternalID: externalID(e.ID), At: e.At, Outcome: inbox.CallRinging})
	default:
		return svc.Inject(ctx, inbox.Inbound{Channel: "message", From: from, BSUID: bsuid, ParentBSUID: e.ParentBSUID,
			Username: e.Username, Name: e.Name, Text: e.Text, ExternalID: externalID(e.ID), At: e.At,
			Media: e.Media, Context: e.Context, Referral: e.Referral, Form: e.Form})
	}
}

// refused reports an error that is the input's fault (the inbox changed nothing and retrying
// would not help), as opposed to the inbox failing.
func refused(err error) bool {
	var ie *inbox.Error
	if !errors.As(err, &ie) {
		return false
	}
	switch ie.Kind {
	case inbox.Internal, inbox.Unavailable, inbox.Forbidden:
		// Forbidden: the session may do nothing (its SSH key was removed), whatever the item
		return false
	}
	return true
}

// maxExternalID is the longest external id the inbox keeps (inbox.Inject refuses longer ones).
const maxExternalID = 256

// externalID is the id the inbox stores for a Meta id; an id too long to keep is replaced by a
// digest of it, so that it stays idempotent.
func externalID(id string) string {
	// EndCall appends ":terminate" to a call id, so leave room for it.
	if len(id) <= maxExternalID-len(":terminate") {
		return id
	}
	sum := sha256.Sum256([]byte(id))
	return "wh.sha256." + hex.EncodeToString(sum[:])
}

func describeEvent(i int, e Event) string {
	what := "message"
	if e.Kind == KindCall {
		what = "call " + e.CallEvent
	}
	switch e.Kind {
	case KindEcho:
		what = "echo"
	case KindNumberChange:
		what = "number change"
	}
	if e.ID != "" {
		return fmt.Sprintf("%s %s", what, e.ID)
	}
	from := e.From
	if from == "" {
		from = e.BSUID
	}
	return fmt.Sprintf("%s #%d from %s", what, i+1, from)
}

// Through is the Inbox of a connection to the inbox (a session here, or in the process that
// owns the workspace): what `switchboard inject webhook FILE` applies a saved payload through.
func Through(c inbox.Conn) Inbox { return through{c} }

type through struct{ c inbox.Conn }

func (t through) Inject(ctx context.Context, in inbox.Inbound) (inbox.Outcome, error) {
	return inbox.OpInject.Call(ctx, t.c, in)
}
func (t through) EndCall(ctx context.Context, e inbox.CallEnd) (inbox.Outcome, error) {
	return inbox.OpEndCall.Call(ctx, t.c, e)
}
func (t through) SetDeliveryStatus(ctx context.Context, r inbox.DeliveryReq) (bool, error) {
	return inbox.OpSetDelivery.Call(ctx, t.c, r)
}
func (t through) ChangeNumber(ctx context.Context, n inbox.NumberChange) (inbox.Outcome, error) {
	return inbox.OpChangeNumber.Call(ctx, t.c, n)
}
func (t through) RecordEcho(ctx context.Context, e inbox.Echo) (inbox.Outcome, error) {
	return inbox.OpRecordEcho.Call(ctx, t.c, e)
}
