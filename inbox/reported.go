package inbox

import (
	"context"
	"fmt"
	"time"

	"switchboard/inbox/domain"
)

// What WhatsApp reports besides customers' messages and calls: a customer's new number, and the
// replies a colleague sent from the WhatsApp Business app on a phone. Neither routes anything.

// NumberChange is WhatsApp saying a customer changed their number (their BSUID changes with
// it), or only their BSUID.
type NumberChange struct {
	OldPhone, OldBSUID string // who they were: at least one
	NewPhone, NewBSUID string // who they are now: at least one
	ExternalID         string // the system message's id: the same change twice is applied once
	At                 time.Time
}

// ChangeNumber gives the customer's contact their new identities: the old number becomes a
// past one, the contact keeps its id, owner, conversation and history, and the next message
// from the new number lands in the same conversation. A system note records it; nothing is
// reopened or routed. A contact that had already appeared under the new number (its message
// came first) is merged into the customer's.
func (s *Service) ChangeNumber(ctx context.Context, c NumberChange) (Outcome, error) {
	old, err := parseIdentities(c.OldPhone, c.OldBSUID, "", "")
	if err != nil {
		return Outcome{}, err
	}
	now, err := parseIdentities(c.NewPhone, c.NewBSUID, "", "")
	if err != nil {
		return Outcome{}, err
	}
	at, err := s.eventTime(c.At, c.ExternalID)
	if err != nil {
		return Outcome{}, err
	}
	var out Outcome
	err = s.do(ctx, func(w *wtx) error {
		if key, ok := w.seen(c.ExternalID, at); ok {
			out, err = w.duplicate(key)
			return err
		}
		ct, ok, err := w.findReported(old)
		if err != nil {
			return must(err)
		}
		if !ok {
			if ct, ok, err = w.findReported(now); err != nil {
				return must(err)
			}
		}
		if !ok {
			return errorf(NotFound, "WhatsApp says %s is now %s, but no contact has %s: nothing to change", describeIDs(old), describeIDs(now), describeIDs(old))
		}
		if (now.phone == "" || now.phone == ct.Phone) && (now.bsuid == "" || now.bsuid == ct.BSUID) {
			// what it says the customer is now is what the contact is: no note of a change
			// that is none ("changed from  to ")
			return errorf(Conflict, "WhatsApp says %s is now %s, which the contact already is: nothing to change", describeIDs(old), describeIDs(now))
		}
		w.write()
		for _, other := range []func() (domain.Contact, bool, error){
			func() (domain.Contact, bool, error) { return w.tx.ContactByPhone(now.phone) },
			func() (domain.Contact, bool, error) { return w.tx.ContactByBSUID(now.bsuid) },
		} {
			o, found, err := other()
			if err != nil {
				return must(err)
			}
			if found && o.ID != ct.ID {
				if ct, err = w.merge(ct, o, at); err != nil {
					return err
				}
			}
		}
		before := ct
		applyIdentities(&ct, now)
		if err := w.tx.PutContact(ct); err != nil {
			return must(err)
		}
		text := fmt.Sprintf("WhatsApp: the customer changed their number from %s to %s; same contact, same owner", numberOf(before), numberOf(ct))
		if before.Phone == ct.Phone {
			text = fmt.Sprintf("WhatsApp: the customer's id changed from %s to %s; same contact, same owner", before.BSUID, ct.BSUID)
		}
		if cv, exists, err := w.tx.Conversation(ct.ID); err != nil {
			return must(err)
		} else if exists {
			key, err := w.tx.AppendEntry(&cv, domain.Entry{At: at, Kind: "note", By: ByWhatsApp, Reason: "number_changed", Text: text, ID: c.ExternalID})
			if err != nil {
				return must(err)
			}
			if c.ExternalID != "" {
				if err := w.tx.PutInboundID(ct.ID, c.ExternalID, key); err != nil {
					return must(err)
				}
			}
			if err := w.tx.PutConversation(cv); err != nil {
				return must(err)
			}
			out = Outcome{Conversation: w.s.stage.conversationView(ct, cv), Why: cv.Why, Reason: cv.WhyReason}
		} else {
			out = Outcome{Conversation: w.s.stage.conversationView(ct, domain.Conversation{Contact: ct.ID})}
		}
		w.emit(Event{Kind: EventConversation, Contact: ct.ID, Actor: ByWhatsApp})
		return nil
	})
	return out, err
}

// findReported finds the contact of identities WhatsApp reports a change for: by BSUID, else by
// number.
func (w *wtx) findReported(id identities) (domain.Contact, bool, error) {
	if c, ok, err := w.tx.ContactByBSUID(id.bsuid); err != nil || ok {
		return c, ok, err
	}
	return w.tx.ContactByPhone(id.phone)
}

func numberOf(c domain.Contact) string {
	if c.Phone == "" {
		return TextNoNumber
	}
	return "+" + c.Phone
}

func describeIDs(id identities) string {
	if id.phone != "" {
		return "+" + id.phone
	}
	return id.bsuid
}

// Echo is a message the business sent from the WhatsApp Business app on a phone, which
// WhatsApp echoes to the inbox ("coexistence").
type Echo struct {
	To, ToBSUID, ToParentBSUID string // the customer: a number or BSUID, at least one
	Text                       string
	Media                      *domain.Media `json:",omitempty"`
	Context                    string        `json:",omitempty"`
	ExternalID                 string        // the message's id: stored once
	At                         time.Time
}

// RecordEcho stores a reply a colleague sent from the WhatsApp Business app: in its place in the
// timeline, marked as sent from the app, as the conversation's last reply. It changes no
// assignment and reopens nothing. A customer the inbox has not seen gets a contact and a
// closed conversation holding the reply, which their answer reopens and routes.
func (s *Service) RecordEcho(ctx context.Context, e Echo) (Outcome, error) {
	id, err := parseIdentities(e.To, e.ToBSUID, e.ToParentBSUID, "")
	if err != nil {
		return Outcome{}, err
	}
	if err := checkText("reply", e.Text); err != nil {
		return Outcome{}, err
	}
	extras := Inbound{Media: e.Media, Context: e.Context}
	if err := checkExtras(&extras); err != nil {
		return Outcome{}, err
	}
	at, err := s.eventTime(e.At, e.ExternalID)
	if err != nil {
		return Outcome{}, err
	}
	var out Outcome
	err = s.do(ctx, func(w *wtx) error {
		plan, key, dup, err := w.planEvent(id, e.ExternalID, at)
		if err != nil {
			return err
		}
		if dup {
			key, unlinked, err := w.linkDuplicate(key, e.ExternalID, id, "", at)
			if err != nil {
				return err
			}
			out, err = w.duplicate(key)
			out.Unlinked = unlinked
			return err
		}
		ct, saveContact, err := w.resolveInbound(plan, id, "", at)
		if err != nil {
			return err
		}
		w.write()
		if saveContact {
			if err := w.tx.PutContact(ct); err != nil {
				return must(err)
			}
		}
		cv, exists, err := w.tx.Conversation(ct.ID)
		if err != nil {
			return must(err)
		}
		if !exists {
			cv = domain.Conversation{Contact: ct.ID, Status: "closed", Team: w.s.stage.settings.DefaultTeam, Version: 1}
		}
		entry := domain.Entry{At: at, Kind: "reply", ID: e.ExternalID, Text: e.Text, Media: e.Media, Source: SourceApp, Delivery: "sent"}
		if e.Context != "" {
			entry.Context, entry.Quote = e.Context, w.quote(ct.ID, e.Context)
		}
		key, err = w.tx.AppendEntry(&cv, entry)
		if err != nil {
			return must(err)
		}
		if e.ExternalID != "" {
			if err := w.tx.PutInboundID(ct.ID, e.ExternalID, key); err != nil {
				return must(err)
			}
			if err := w.tx.PutExtID(e.ExternalID, key); err != nil {
				return must(err)
			}
		}
		if cv.LastAt == at.UnixNano() { // the newest entry: the preview shows it
			cv.Preview, cv.PreviewKind, cv.Unread = preview(entry), "reply", 0
		}
		if err := w.tx.PutConversation(cv); err != nil {
			return must(err)
		}
		out = Outcome{Conversation: w.s.stage.conversationView(ct, cv), Why: cv.Why, Reason: cv.WhyReason, Entry: &entry}
		w.emit(Event{Kind: EventConversation, Contact: ct.ID, Actor: ByWhatsApp})
		return nil
	})
	return out, err
}
