package inbox

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"switchboard/inbox/domain"
)

// A contact is one person with several WhatsApp identities: the phone number when they share
// it, the business-scoped user id (BSUID) Meta gives them, a parent BSUID for linked
// portfolios, and a username for display. An inbound event carries some of them; the contact
// is found by any (see contactFor), and routing never looks at them.

// MaxBSUID is the longest business-scoped user id accepted: a country code, a period, an
// optional "ENT." (parent ids) and up to 128 letters and digits.
const MaxBSUID = 2 + 1 + 4 + 128

// LooksLikeBSUID reports whether s has the shape of a business-scoped user id ("US." …),
// valid or not: what tells it from a phone number or a username.
func LooksLikeBSUID(s string) bool {
	s = strings.TrimSpace(s)
	return len(s) >= 3 && s[2] == '.' && isLetter(s[0]) && isLetter(s[1])
}

func isLetter(c byte) bool { return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' }
func isAlnum(c byte) bool  { return isLetter(c) || c >= '0' && c <= '9' }

// ParseBSUID checks a business-scoped user id (US.13491208655302741918, or a parent id such
// as US.ENT.11815799212886844830) and returns it trimmed; field names it in the error.
func ParseBSUID(field, s string) (string, error) {
	in := s
	s = strings.TrimSpace(s)
	bad := func(why string) error {
		return errorf(Invalid, "%s %q is not a business-scoped user id (%s): it is a two-letter country code, a period and up to 128 letters and digits, like US.13491208655302741918", field, in, why)
	}
	if len(s) < 4 || s[2] != '.' || !isLetter(s[0]) || !isLetter(s[1]) {
		return "", bad("it should start with a country code and a period")
	}
	rest := s[3:]
	if strings.HasPrefix(rest, "ENT.") {
		rest = rest[4:]
	}
	if rest == "" {
		return "", bad("nothing follows the country code")
	}
	if len(rest) > 128 {
		return "", bad(fmt.Sprintf("%d characters after the country code", len(rest)))
	}
	for i := 0; i < len(rest); i++ {
		if !isAlnum(rest[i]) {
			return "", bad(fmt.Sprintf("it has %q in it", rest[i]))
		}
	}
	return s, nil
}

// MaxUsername is the longest WhatsApp username accepted.
const MaxUsername = 64

// ParseUsername checks a WhatsApp username (a leading @ is dropped): letters, digits, periods
// and underscores.
func ParseUsername(field, s string) (string, error) {
	in := s
	s = strings.TrimPrefix(strings.TrimSpace(s), "@")
	if s == "" {
		return "", errorf(Invalid, "%s is empty: give the customer's WhatsApp username, like @rosa.m", field)
	}
	if len(s) > MaxUsername {
		return "", errorf(Invalid, "%s %q is %d characters long: a WhatsApp username has %d at most", field, in, len(s), MaxUsername)
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !isAlnum(c) && c != '.' && c != '_' {
			return "", errorf(Invalid, "%s %q has %q in it: a WhatsApp username has letters, digits, periods and underscores", field, in, c)
		}
	}
	return s, nil
}

// identities are the WhatsApp identities an inbound event names its customer by.
type identities struct {
	phone, bsuid, parent, username string
}

func (id identities) empty() bool { return id.phone == "" && id.bsuid == "" && id.parent == "" }

// parseIdentities reads the identities of an inbound event: from is a phone number or a BSUID;
// bsuid, parent and username are optional.
func parseIdentities(from, bsuid, parent, username string) (identities, error) {
	var id identities
	var err error
	if strings.TrimSpace(from) != "" {
		if LooksLikeBSUID(from) {
			if id.bsuid, err = ParseBSUID("The sender", from); err != nil {
				return id, err
			}
		} else if id.phone, err = NormalizePhone(from); err != nil {
			return id, err
		}
	}
	if strings.TrimSpace(bsuid) != "" {
		b, err := ParseBSUID("The sender's BSUID", bsuid)
		if err != nil {
			return id, err
		}
		if id.bsuid != "" && id.bsuid != b {
			return id, errorf(Invalid, "The sender is %s but the BSUID given is %s: give one", id.bsuid, b)
		}
		id.bsuid = b
	}
	if strings.TrimSpace(parent) != "" {
		if id.parent, err = ParseBSUID("The sender's parent BSUID", parent); err != nil {
			return id, err
		}
	}
	if strings.TrimSpace(username) != "" {
		if id.username, err = ParseUsername("The sender's username", username); err != nil {
			return id, err
		}
	}
	if id.empty() {
		return id, errorf(Invalid, "The sender is missing: give their phone number (like +15550001111) or their business-scoped user id (like US.13491208655302741918)")
	}
	return id, nil
}

// findContact finds the contact a person names: a number (the contact who has it now, else the
// contact whose id it is), a BSUID or parent BSUID, @username (when one contact has it), or a
// contact id (also one merged into another).
func findContact(tx domain.ReadTx, input string) (domain.Contact, error) {
	s := strings.TrimSpace(input)
	notFound := func(what string) error {
		return errorf(NotFound, "Contact %s not found; check it (see `switchboard contacts`)", what)
	}
	byID := func(id string) (domain.Contact, bool, error) {
		if id == "" {
			return domain.Contact{}, false, nil
		}
		if c, ok, err := tx.Contact(id); err != nil || ok {
			return c, ok, err
		}
		return tx.ContactByAlias(id)
	}
	found := func(c domain.Contact, ok bool, err error) (domain.Contact, bool, error) { return c, ok, err }
	switch {
	case s == "":
		return domain.Contact{}, errorf(Invalid, "A contact is needed: give their number (like +15550001111), BSUID or @username")
	case strings.HasPrefix(s, "@"):
		u, err := ParseUsername("The username", s)
		if err != nil {
			return domain.Contact{}, err
		}
		ids := tx.ContactsByUsername(u)
		switch len(ids) {
		case 0:
			return domain.Contact{}, notFound("@" + u)
		case 1:
			c, ok, err := tx.Contact(ids[0])
			if err != nil {
				return c, err
			}
			if !ok {
				return c, notFound("@" + u)
			}
			return c, nil
		}
		return domain.Contact{}, errorf(Invalid, "@%s is the username of %d contacts (%s): name the one you mean by number or BSUID", u, len(ids), strings.Join(ids, ", "))
	case LooksLikeBSUID(s):
		for _, look := range []func() (domain.Contact, bool, error){
			func() (domain.Contact, bool, error) { return tx.ContactByBSUID(s) },
			func() (domain.Contact, bool, error) { return tx.ContactByParentBSUID(s) },
			func() (domain.Contact, bool, error) { return found(byID(s)) },
		} {
			c, ok, err := look()
			if err != nil || ok {
				return c, err
			}
		}
		if _, err := ParseBSUID("The contact", s); err != nil {
			return domain.Contact{}, err
		}
		return domain.Contact{}, notFound(s)
	}
	if phone, perr := NormalizePhone(s); perr == nil {
		if c, ok, err := tx.ContactByPhone(phone); err != nil || ok {
			return c, err
		}
		if c, ok, err := byID(phone); err != nil || ok {
			return c, err
		}
		return domain.Contact{}, errorf(NotFound, "Contact +%s not found; check the number (see `switchboard contacts`)", phone)
	} else if c, ok, err := byID(s); err != nil || ok {
		return c, err
	} else if r, _ := utf8.DecodeRuneInString(strings.TrimSpace(s)); unicode.IsLetter(r) {
		// a name, most likely: contacts are named here by number, @username or BSUID
		return domain.Contact{}, errorf(Invalid, "%q is not a phone number, an @username or a business-scoped id, which is how a contact is named here: to find a contact by name, run `switchboard search %s` (or press / in the inbox)", s, s)
	} else {
		return domain.Contact{}, perr
	}
}

// contactPlan is what an inbound event's identities lead to: the contact it belongs to (ct,
// known when it exists), and the changes the identities bring before routing (merging a second
// contact of the same person into it, taking a number from a contact it no longer belongs to).
type contactPlan struct {
	ct       domain.Contact
	known    bool
	absorb   *domain.Contact // a contact of the same person, merged into ct
	takeFrom *domain.Contact // a contact whose number is now ct's (the number went to another person)
	changed  bool            // ct's identities changed
}

// candidates are the existing contacts an event's identities name (for duplicate checks).
func (p *contactPlan) candidates() []string {
	var out []string
	if p.known {
		out = append(out, p.ct.ID)
	}
	if p.absorb != nil {
		out = append(out, p.absorb.ID)
	}
	return out
}

// planContact finds the contact of an inbound event by its identities, writing nothing.
//
//   - A known BSUID (or parent BSUID) finds its contact; a number finds the contact who has it.
//   - Both found, and different: if the number's contact has no BSUID of its own, it is the same
//     person seen before BSUIDs (or before they hid their number): the BSUID's contact is merged
//     into it. If it has another BSUID, the number now belongs to this person: it moves.
//   - A number whose contact has another BSUID, with an unknown BSUID: WhatsApp gives a new
//     BSUID with a new number only, so this is another person on a number given away: a new
//     contact takes the number.
//   - Nothing found: a new contact.
func planContact(tx domain.ReadTx, id identities) (contactPlan, error) {
	var p contactPlan
	byB, okB, err := tx.ContactByBSUID(id.bsuid)
	if err != nil {
		return p, err
	}
	byP, okP, err := tx.ContactByPhone(id.phone)
	if err != nil {
		return p, err
	}
	byE, okE, err := tx.ContactByParentBSUID(id.parent)
	if err != nil {
		return p, err
	}
	switch {
	case okB && okP && byB.ID != byP.ID:
		if byP.BSUID == "" {
			p.ct, p.known, p.absorb = byP, true, &byB
		} else {
			p.ct, p.known, p.takeFrom = byB, true, &byP
		}
	case okB:
		p.ct, p.known = byB, true
	case okP && id.bsuid != "" && byP.BSUID != "" && byP.BSUID != id.bsuid:
		p.takeFrom = &byP // a new person on a number given away
	case okP:
		p.ct, p.known = byP, true
	case okE:
		p.ct, p.known = byE, true
	}
	if !p.known {
		p.ct = domain.Contact{}
	}
	return p, nil
}

// applyIdentities gives ct the event's identities: a new number (the old one becomes a past
// one), a BSUID (a different one becomes a past one), a parent BSUID, a username. It reports
// whether anything changed.
func applyIdentities(ct *domain.Contact, id identities) bool {
	changed := false
	if id.phone != "" && ct.Phone != id.phone {
		if ct.Phone != "" {
			ct.PastPhones = appendNew(ct.PastPhones, ct.Phone)
		}
		ct.Phone, changed = id.phone, true
	}
	if id.bsuid != "" && ct.BSUID != id.bsuid {
		if ct.BSUID != "" {
			ct.PastBSUIDs = appendNew(ct.PastBSUIDs, ct.BSUID)
		}
		ct.BSUID, changed = id.bsuid, true
	}
	ct.PastPhones = slices.DeleteFunc(ct.PastPhones, func(p string) bool { return p == ct.Phone })
	ct.PastBSUIDs = slices.DeleteFunc(ct.PastBSUIDs, func(b string) bool { return b == ct.BSUID })
	if id.parent != "" && ct.ParentBSUID != id.parent {
		ct.ParentBSUID, changed = id.parent, true
	}
	if id.username != "" && ct.Username != id.username {
		ct.Username, changed = id.username, true
	}
	return changed
}

func appendNew(list []string, v string) []string {
	if v == "" || slices.Contains(list, v) {
		return list
	}
	return append(list, v)
}

// newContactID picks the id of a new contact: its number, else its BSUID — or "c.<seq>" when a
// contact that moved on from that number or BSUID already has it as its id.
func (w *wtx) newContactID(id identities) (string, error) {
	for _, want := range []string{id.phone, id.bsuid, id.parent} {
		if want == "" {
			continue
		}
		if _, taken, err := w.tx.Contact(want); err != nil {
			return "", err
		} else if !taken {
			if _, alias, err := w.tx.ContactByAlias(want); err != nil {
				return "", err
			} else if !alias {
				return want, nil
			}
		}
		break
	}
	seq, err := w.tx.NextSeq()
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("c.%d", seq), nil
}

// resolveInbound carries out a plan inside the writer: it takes a number away from a contact it
// no longer belongs to, merges the same person's second contact, and gives the contact (new or
// known) the event's identities and name. The contact is not stored yet when saveContact is
// true: apply stores it with the routing decision.
func (w *wtx) resolveInbound(p contactPlan, id identities, name string, at time.Time) (ct domain.Contact, saveContact bool, err error) {
	if p.takeFrom != nil {
		w.write()
		lost := *p.takeFrom
		lost.PastPhones = appendNew(lost.PastPhones, lost.Phone)
		lost.Phone = ""
		if err := w.tx.PutContact(lost); err != nil {
			return ct, false, must(err)
		}
		if err := w.note(lost.ID, at, "number_moved", fmt.Sprintf(
			"WhatsApp now gives +%s to another customer (a new WhatsApp account): this contact keeps its history, without that number", id.phone)); err != nil {
			return ct, false, err
		}
	}
	ct = p.ct
	if !p.known {
		cid, err := w.newContactID(id)
		if err != nil {
			return ct, false, must(err)
		}
		ct = domain.Contact{ID: cid}
		saveContact = true
	}
	if p.absorb != nil {
		w.write()
		if ct, err = w.merge(ct, *p.absorb, at); err != nil {
			return ct, false, err
		}
		saveContact = true
	}
	if id.parent != "" && id.parent != ct.ParentBSUID {
		// a parent BSUID another contact has stays theirs (it identified that contact first)
		if o, taken, err := w.tx.ContactByParentBSUID(id.parent); err != nil {
			return ct, false, must(err)
		} else if taken && o.ID != ct.ID {
			id.parent = ""
		}
	}
	if applyIdentities(&ct, id) {
		saveContact = true
	}
	if ct.Name == "" && strings.TrimSpace(name) != "" {
		ct.Name = strings.TrimSpace(name)
		saveContact = true
	}
	return ct, saveContact, nil
}

// linkDuplicate gives the contact that has an event already (the entry at key, stored under
// extID) the identities a redelivery of the event carries, as the event would have linked them
// had it come with them the first time: a number and a BSUID that arrive in separate deliveries
// of one message (the number first, a retry with the BSUID too, or with the BSUID alone) end on
// one contact. WhatsApp's ids are unique, so the redelivery comes from that contact's customer:
// the identities it names beside the contact's are linked by the rules of a new event
// (planContact, resolveInbound), which may merge a second contact of the same person into the
// contact (or the contact into the number's) or move a number to it. What would contradict the
// contact — another number while it has one, another BSUID while it has one, identities that
// lead to another contact — is not linked, and unlinked says which and why. A number or BSUID
// the contact had before is nothing new. The entry may have moved (a merge): key is where it is
// now.
func (w *wtx) linkDuplicate(key domain.EntryRef, extID string, id identities, name string, at time.Time) (_ domain.EntryRef, unlinked string, err error) {
	owner, ok, err := w.tx.Contact(key.Contact)
	if err != nil {
		return key, "", must(err)
	}
	if !ok {
		return key, "", nil
	}
	link := identities{phone: owner.Phone, bsuid: owner.BSUID, parent: id.parent, username: id.username}
	var why []string
	switch {
	case id.phone == "" || id.phone == owner.Phone || slices.Contains(owner.PastPhones, id.phone):
	case owner.Phone != "":
		why = append(why, fmt.Sprintf("its number +%s was not linked: that contact's number is +%s", id.phone, owner.Phone))
	default:
		link.phone = id.phone
	}
	switch {
	case id.bsuid == "" || id.bsuid == owner.BSUID || slices.Contains(owner.PastBSUIDs, id.bsuid):
	case owner.BSUID != "":
		why = append(why, fmt.Sprintf("its BSUID %s was not linked: that contact's BSUID is %s (WhatsApp gives a new BSUID only with a new number)", id.bsuid, owner.BSUID))
	default:
		link.bsuid = id.bsuid
	}
	if len(why) == 0 {
		p := contactPlan{ct: owner, known: true} // nothing new: the owner is who the identities name
		if link.phone != owner.Phone || link.bsuid != owner.BSUID {
			if p, err = planContact(w.tx, link); err != nil {
				return key, "", must(err)
			}
		}
		if p.known && (p.ct.ID == owner.ID || p.absorb != nil && p.absorb.ID == owner.ID) {
			ct, save, err := w.resolveInbound(p, link, name, at)
			if err != nil {
				return key, "", err
			}
			if save {
				w.write()
				if err := w.tx.PutContact(ct); err != nil {
					return key, "", must(err)
				}
				w.emit(Event{Kind: EventConversation, Contact: ct.ID, Actor: ByWhatsApp})
			}
			if p.absorb != nil {
				if moved, ok := w.tx.InboundByID(extID, at); ok {
					key = moved
				}
			}
			return key, "", nil
		}
		var names []string
		if link.phone != owner.Phone {
			names = append(names, "+"+link.phone)
		}
		if link.bsuid != owner.BSUID {
			names = append(names, link.bsuid)
		}
		if len(names) == 0 {
			return key, "", nil // nothing to link but a parent BSUID or username
		}
		why = append(why, fmt.Sprintf("%s was not linked: it names another contact", strings.Join(names, " and ")))
	}
	return key, fmt.Sprintf("already stored for %s; %s", describeContact(owner), strings.Join(why, "; ")), nil
}

// note appends a system note to the contact's conversation (if it has one) without routing it:
// identity changes that WhatsApp reports.
func (w *wtx) note(contact string, at time.Time, reason, text string) error {
	cv, ok, err := w.tx.Conversation(contact)
	if err != nil {
		return must(err)
	}
	if !ok {
		return nil
	}
	w.write()
	if _, err := w.tx.AppendEntry(&cv, domain.Entry{At: at, Kind: "note", By: ByWhatsApp, Reason: reason, Text: text}); err != nil {
		return must(err)
	}
	if err := w.tx.PutConversation(cv); err != nil {
		return must(err)
	}
	w.emit(Event{Kind: EventConversation, Contact: contact, Actor: ByWhatsApp})
	return nil
}

// ByWhatsApp is who made a change WhatsApp reported (a number change, a merge of two contacts
// that WhatsApp says are one person, a reply sent from the WhatsApp Business app).
const ByWhatsApp = "whatsapp"

// merge makes the contact b part of a: one person, one contact, one conversation. a keeps its id
// (b's id still finds it), its owner (else b's), name, tags and identities, and gains b's
// identities it lacks; b's timeline joins a's in time order, with its ids. When only b's
// conversation is open, its routing state (status, assignee, team, waiting decision) is kept,
// else a's. A system note says what happened. The merged contact is returned, not yet stored.
func (w *wtx) merge(a, b domain.Contact, at time.Time) (domain.Contact, error) {
	cvA, okA, err := w.tx.Conversation(a.ID)
	if err != nil {
		return a, must(err)
	}
	cvB, okB, err := w.tx.Conversation(b.ID)
	if err != nil {
		return a, must(err)
	}
	merged := cvA
	switch {
	case okB && !okA:
		merged = cvB
		merged.Contact, merged.Seq, merged.LastAt = a.ID, 0, 0
	case okB && okA:
		if cvB.Status == "open" && cvA.Status != "open" {
			merged.Status, merged.Assignee, merged.Team, merged.BotHold, merged.Prompt = cvB.Status, cvB.Assignee, cvB.Team, cvB.BotHold, cvB.Prompt
			merged.Cover, merged.Backlog = cvB.Cover, cvB.Backlog
			merged.Why, merged.WhyReason = cvB.Why, cvB.WhyReason
		}
		merged.Unread += cvB.Unread
		merged.Version = max(cvA.Version, cvB.Version)
		if cvB.LastAt > cvA.LastAt {
			merged.Preview, merged.PreviewKind = cvB.Preview, cvB.PreviewKind
		}
	}
	if okB {
		if _, err := w.tx.MoveTimeline(b.ID, &merged); err != nil {
			return a, must(err)
		}
	}
	if _, err := w.tx.DeleteContact(b.ID); err != nil {
		return a, must(err)
	}
	if a.Phone == "" {
		a.Phone = b.Phone
	} else {
		a.PastPhones = appendNew(a.PastPhones, b.Phone)
	}
	if a.BSUID == "" {
		a.BSUID = b.BSUID
	} else {
		a.PastBSUIDs = appendNew(a.PastBSUIDs, b.BSUID)
	}
	for _, x := range b.PastPhones {
		a.PastPhones = appendNew(a.PastPhones, x)
	}
	for _, x := range b.PastBSUIDs {
		a.PastBSUIDs = appendNew(a.PastBSUIDs, x)
	}
	if a.ParentBSUID == "" {
		a.ParentBSUID = b.ParentBSUID
	}
	if a.Username == "" {
		a.Username = b.Username
	}
	if a.Name == "" {
		a.Name = b.Name
	}
	if a.Owner == "" {
		a.Owner = b.Owner
	}
	for _, t := range b.Tags {
		a.Tags = appendNew(a.Tags, t)
	}
	a.Aliases = appendNew(a.Aliases, b.ID)
	for _, x := range b.Aliases {
		a.Aliases = appendNew(a.Aliases, x)
	}
	if okA || okB {
		merged.Version++
		text := fmt.Sprintf("WhatsApp says %s and %s are one person: their conversations are one now (%s's id %s still finds it)",
			describeContact(a), describeContact(b), displayName(b), b.ID)
		if _, err := w.tx.AppendEntry(&merged, domain.Entry{At: at, Kind: "note", By: ByWhatsApp, Reason: "contact_merged", Text: text}); err != nil {
			return a, must(err)
		}
		if err := w.tx.PutConversation(merged); err != nil {
			return a, must(err)
		}
	}
	if merged.Cover != "" && merged.Cover != a.Owner {
		merged.Cover = "" // the merged contact's owner is someone else: nobody to stand in for
		if err := w.tx.PutConversation(merged); err != nil {
			return a, must(err)
		}
	}
	// two conversations are one now: whoever had the other has one fewer open
	if err := w.recount(cvA.Assignee, cvB.Assignee); err != nil {
		return a, err
	}
	w.emit(Event{Kind: EventConversation, Contact: b.ID, Actor: ByWhatsApp})
	return a, nil
}

// describeContact names a contact with the identity that tells it apart.
func describeContact(c domain.Contact) string {
	id := "+" + c.Phone
	switch {
	case c.Phone == "" && c.BSUID != "":
		id = c.BSUID
	case c.Phone == "" && c.Username != "":
		id = "@" + c.Username
	case c.Phone == "":
		id = c.ID
	}
	if c.Name == "" {
		return id
	}
	return c.Name + " (" + id + ")"
}
