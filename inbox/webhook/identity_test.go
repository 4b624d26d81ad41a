package webhook

import (
	"net/http"
	"strings"
	"testing"

	"switchboard/inbox"
)

// Payloads composed from Meta's documented shapes for business-scoped user ids (BSUIDs) and
// usernames: contacts[].user_id, contacts[].parent_user_id, contacts[].profile.username,
// messages[].from_user_id / from_parent_user_id, and — for a customer with a username who does
// not share their number — no wa_id and no from at all.

const (
	rosaB   = "US.13491208655302741918"
	rosaP   = "US.ENT.11815799212886844830"
	rosaTel = "15550009999" // not in the fixture
)

// userChange is a "messages" change from one customer named by any of their identities ("" for
// absent fields, as Meta leaves them out).
func userChange(phone, bsuid, parent, name, username string, msgs ...obj) obj {
	c := obj{"profile": obj{"name": name}}
	if username != "" {
		c["profile"].(obj)["username"] = username
	}
	if phone != "" {
		c["wa_id"] = phone
	}
	if bsuid != "" {
		c["user_id"] = bsuid
	}
	if parent != "" {
		c["parent_user_id"] = parent
	}
	return obj{"field": "messages", "value": obj{"messaging_product": "whatsapp", "metadata": metadata(),
		"contacts": []any{c}, "messages": msgs}}
}

// userMsg is a text message from a customer: from (their number) and from_user_id (their BSUID)
// are left out when "".
func userMsg(from, fromUser, id string, ts any, body string) obj {
	m := textMsg(from, id, ts, body)
	if from == "" {
		delete(m, "from")
	}
	if fromUser != "" {
		m["from_user_id"] = fromUser
	}
	return m
}

func apply(t *testing.T, h http.Handler, changes ...obj) *Result {
	t.Helper()
	a := wantCode(t, post(t, h, mustJSON(t, payload(changes...))), http.StatusOK)
	if a.Result == nil {
		t.Fatal("no result")
	}
	return a.Result
}

func contactOf(t *testing.T, s *inbox.Service, who string) inbox.ContactView {
	t.Helper()
	c, err := s.Contact(ctx, who)
	if err != nil {
		t.Fatalf("contact %s: %v", who, err)
	}
	return c
}

func contactCount(t *testing.T, s *inbox.Service) int {
	t.Helper()
	cs, err := s.Contacts(ctx, "", 1000)
	if err != nil {
		t.Fatal(err)
	}
	return len(cs)
}

func TestMessageWithOnlyABSUIDIsStored(t *testing.T) {
	s := newService(t)
	h := Handler(s, Options{})
	before := contactCount(t, s)
	// from end of June 2026: a username user who does not share their number — no wa_id, no from
	r := apply(t, h, userChange("", rosaB, "", "Rosa Martín", "rosa.m", userMsg("", rosaB, "wamid.B1", "1764000001", "Hola, ¿mi pedido?")))
	if r.Messages != 1 || len(r.Skipped) != 0 {
		t.Fatalf("result = %+v", r)
	}
	c := contactOf(t, s, rosaB)
	if c.Phone != "" || c.BSUID != rosaB || c.Username != "rosa.m" || c.Name != "Rosa Martín" || c.Number() != inbox.TextNoNumber {
		t.Fatalf("contact = %+v", c)
	}
	if got := contactOf(t, s, "@rosa.m"); got.ID != c.ID {
		t.Fatalf("@rosa.m finds %s, want %s", got.ID, c.ID)
	}
	if es := entries(t, s, rosaB); len(es) != 1 || es[0].Text != "Hola, ¿mi pedido?" {
		t.Fatalf("timeline = %+v", es)
	}
	if contactCount(t, s) != before+1 {
		t.Fatal("want exactly one new contact")
	}
	// routing is unchanged: a new contact with no owner goes through standard assignment
	d, _ := s.Conversation(ctx, "alice", rosaB, "", 5)
	if d.Conversation.AssigneeID() != "carol" || d.Conversation.WhyReason != "round_robin" {
		t.Fatalf("routed %+v", d.Conversation)
	}
	// replayed: stored once
	if r := apply(t, h, userChange("", rosaB, "", "Rosa Martín", "rosa.m", userMsg("", rosaB, "wamid.B1", "1764000001", "Hola, ¿mi pedido?"))); r.Duplicates != 1 || r.Messages != 0 {
		t.Fatalf("replay = %+v", r)
	}
}

func TestPhoneAndBSUIDLinkOneContact(t *testing.T) {
	s := newService(t)
	h := Handler(s, Options{})
	before := contactCount(t, s)
	apply(t, h, userChange(rosaTel, rosaB, "", "Rosa", "", userMsg(rosaTel, rosaB, "wamid.L1", "1764000001", "one")))
	// then BSUID only (she hid her number): the same conversation
	apply(t, h, userChange("", rosaB, "", "Rosa", "", userMsg("", rosaB, "wamid.L2", "1764000002", "two")))
	// then phone only (an older app): the same conversation
	apply(t, h, messagesChange(rosaTel, "Rosa", textMsg(rosaTel, "wamid.L3", "1764000003", "three")))
	if n := contactCount(t, s); n != before+1 {
		t.Fatalf("%d contacts, want %d", n, before+1)
	}
	c := contactOf(t, s, "+"+rosaTel)
	if c.BSUID != rosaB || c.Phone != rosaTel || c.ID != rosaTel {
		t.Fatalf("contact = %+v", c)
	}
	if got := texts(entries(t, s, rosaB)); strings.Join(got, ",") != "one,two,three" {
		t.Fatalf("one conversation wanted, got %q", got)
	}
}

func TestKnownPhoneContactGainsItsBSUID(t *testing.T) {
	s := newService(t)
	h := Handler(s, Options{})
	// Dana Diaz (15550001111, owner Bob) wrote before BSUIDs existed; now Meta adds one
	apply(t, h, userChange("15550001111", rosaB, "", "Dana Diaz", "", userMsg("15550001111", rosaB, "wamid.K1", "1764000001", "hi")))
	c := contactOf(t, s, rosaB)
	if c.ID != "15550001111" || c.OwnerID() != "bob" {
		t.Fatalf("the BSUID should join Dana Diaz: %+v", c)
	}
	// later she hides her number: still her conversation, still Bob's customer
	apply(t, h, userChange("", rosaB, "", "Dana Diaz", "dana.d", userMsg("", rosaB, "wamid.K2", "1764000002", "hidden now")))
	d, _ := s.Conversation(ctx, "alice", "15550001111", "", 50)
	if d.Conversation.Contact.Username != "dana.d" || d.Conversation.OwnerID() != "bob" {
		t.Fatalf("after a BSUID-only message: %+v", d.Conversation)
	}
	if got := texts(entries(t, s, "15550001111")); !strings.Contains(strings.Join(got, "|"), "hi|hidden now") {
		t.Fatalf("timeline = %q", got)
	}
}

func TestBSUIDFirstThenBothLinksOneConversation(t *testing.T) {
	s := newService(t)
	h := Handler(s, Options{})
	before := contactCount(t, s)
	apply(t, h, userChange("", rosaB, "", "Rosa", "rosa.m", userMsg("", rosaB, "wamid.F1", "1764000001", "first, no number")))
	id := contactOf(t, s, rosaB).ID
	// she shares her number: one contact with both, one conversation
	apply(t, h, userChange(rosaTel, rosaB, "", "Rosa", "rosa.m", userMsg(rosaTel, rosaB, "wamid.F2", "1764000002", "here is my number")))
	if n := contactCount(t, s); n != before+1 {
		t.Fatalf("%d contacts, want %d", n, before+1)
	}
	c := contactOf(t, s, "+"+rosaTel)
	if c.ID != id || c.Phone != rosaTel || c.Number() != "+"+rosaTel {
		t.Fatalf("contact = %+v, want id %s", c, id)
	}
	if got := texts(entries(t, s, "+"+rosaTel)); len(got) != 2 {
		t.Fatalf("one conversation of two messages wanted: %q", got)
	}
}

func TestSamePersonSeenTwiceIsMergedIntoOne(t *testing.T) {
	s := newService(t)
	h := Handler(s, Options{})
	before := contactCount(t, s)
	// Eve Ortiz (15550002222, owner Erin) wrote before BSUIDs; then, her number hidden, she
	// writes with only a BSUID — nothing links the two yet, so a second contact appears
	apply(t, h, messagesChange("15550002222", "Eve Ortiz", textMsg("15550002222", "wamid.M1", "1764000001", "old phone message")))
	apply(t, h, userChange("", rosaB, "", "Eve O.", "eve.o", userMsg("", rosaB, "wamid.M2", "1764000002", "hidden number message")))
	if n := contactCount(t, s); n != before+1 {
		t.Fatalf("%d contacts before the link, want %d", n, before+1)
	}
	second := contactOf(t, s, rosaB).ID
	// then a payload with both: one person, one contact, one conversation — Eve's
	r := apply(t, h, userChange("15550002222", rosaB, "", "Eve Ortiz", "eve.o", userMsg("15550002222", rosaB, "wamid.M3", "1764000003", "both now")))
	if r.Messages != 1 {
		t.Fatalf("result %+v", r)
	}
	if n := contactCount(t, s); n != before {
		t.Fatalf("%d contacts after the merge, want %d", n, before)
	}
	c := contactOf(t, s, rosaB)
	if c.ID != "15550002222" || c.OwnerID() != "erin" || c.Username != "eve.o" || c.Name != "Eve Ortiz" {
		t.Fatalf("merged contact = %+v", c)
	}
	if got := contactOf(t, s, second); got.ID != c.ID {
		t.Fatalf("the merged contact's id %s finds %s", second, got.ID)
	}
	d, err := s.Conversation(ctx, "alice", c.ID, "", 100)
	if err != nil {
		t.Fatal(err)
	}
	var msgs []string
	merged := false
	for _, e := range d.Timeline {
		switch {
		case e.Kind == "message":
			msgs = append(msgs, e.Text)
		case e.Kind == "note" && e.Reason == "contact_merged":
			merged = true
		}
	}
	if !merged || !strings.Contains(strings.Join(msgs, "|"), "old phone message|hidden number message|both now") {
		t.Fatalf("timeline = %q (merge note %v)", msgs, merged)
	}
	// the ids of the merged contact's messages still dedupe
	if r := apply(t, h, userChange("", rosaB, "", "Eve O.", "eve.o", userMsg("", rosaB, "wamid.M2", "1764000002", "hidden number message"))); r.Duplicates != 1 {
		t.Fatalf("replay after merge = %+v", r)
	}
	// the merged routing sends Eve's next message to her owner's flow as before (Erin is not in
	// Support: the team decision, as for any of Eve's messages)
	if d.Conversation.OwnerID() != "erin" {
		t.Fatalf("owner lost: %+v", d.Conversation)
	}
}

func TestParentBSUIDFindsTheContact(t *testing.T) {
	s := newService(t)
	h := Handler(s, Options{})
	apply(t, h, userChange("", rosaB, rosaP, "Rosa", "", userMsg("", rosaB, "wamid.P1", "1764000001", "hello")))
	c := contactOf(t, s, rosaP)
	if c.ParentBSUID != rosaP || c.BSUID != rosaB {
		t.Fatalf("contact = %+v", c)
	}
	// a message naming her by the parent id alone lands in the same conversation
	m := userMsg("", "", "wamid.P2", "1764000002", "by parent id")
	m["from_parent_user_id"] = rosaP
	apply(t, h, userChange("", "", rosaP, "Rosa", "", m))
	if got := texts(entries(t, s, rosaB)); len(got) != 2 {
		t.Fatalf("timeline = %q", got)
	}
}

func TestUsernameChangeUpdatesTheDisplayOnly(t *testing.T) {
	s := newService(t)
	h := Handler(s, Options{})
	apply(t, h, userChange("", rosaB, "", "", "rosa.m", userMsg("", rosaB, "wamid.U1", "1764000001", "one")))
	d1, _ := s.Conversation(ctx, "alice", rosaB, "", 50)
	apply(t, h, userChange("", rosaB, "", "", "rosa.martin", userMsg("", rosaB, "wamid.U2", "1764000002", "two")))
	d2, _ := s.Conversation(ctx, "alice", rosaB, "", 50)
	c := d2.Conversation.Contact
	if c.Username != "rosa.martin" || c.Display() != "@rosa.martin" || c.ID != d1.Conversation.Contact.ID {
		t.Fatalf("contact = %+v", c)
	}
	if d2.Conversation.AssigneeID() != d1.Conversation.AssigneeID() || d2.Conversation.Version != d1.Conversation.Version {
		t.Fatalf("a username change moved the conversation: %+v → %+v", d1.Conversation, d2.Conversation)
	}
	if _, err := s.Contact(ctx, "@rosa.m"); inbox.KindOf(err) != inbox.NotFound {
		t.Fatalf("the old username still finds her: %v", err)
	}
}

func TestStatusesForABSUIDContactAreApplied(t *testing.T) {
	s := newService(t)
	s.SetOutbound(true, "") // the reply goes out, so WhatsApp's statuses can be about it
	h := Handler(s, Options{})
	apply(t, h, userChange("", rosaB, "", "Rosa", "", userMsg("", rosaB, "wamid.S1", "1795518000", "hi"))) // within the 24-hour window
	out, err := s.Reply(ctx, "carol", rosaB, "Hi Rosa!")
	if err != nil {
		t.Fatal(err)
	}
	// a status for a message sent to a BSUID: recipient_user_id, no recipient_id
	st := obj{"id": out.Entry.ID, "status": "read", "timestamp": "1795565100", "recipient_user_id": rosaB}
	if r := apply(t, h, statusesChange(st)); r.Statuses != 1 || len(r.Skipped) != 0 {
		t.Fatalf("result = %+v", r)
	}
	es := entries(t, s, rosaB)
	if last := es[len(es)-1]; last.Kind != "reply" || last.Delivery != "read" {
		t.Fatalf("reply = %+v", last)
	}
}

func TestCallFromABSUIDOnlyCaller(t *testing.T) {
	s := newService(t)
	h := Handler(s, Options{})
	conn := connectCall("wacid.B1", "", "1764000001")
	delete(conn, "from")
	conn["from_user_id"] = rosaB
	ch := callsChange(conn)
	ch["value"].(obj)["contacts"] = []any{obj{"profile": obj{"name": "Rosa"}, "user_id": rosaB}}
	if r := apply(t, h, ch); r.Calls != 1 || len(r.Skipped) != 0 {
		t.Fatalf("connect = %+v", r)
	}
	end := terminateCall("wacid.B1", "", "1764000042", "COMPLETED", 41)
	delete(end, "from")
	end["from_user_id"] = rosaB
	if r := apply(t, h, callsChange(end)); r.Calls != 1 {
		t.Fatalf("terminate = %+v", r)
	}
	es := entries(t, s, rosaB)
	if len(es) != 1 || es[0].Kind != "call" || es[0].Outcome != inbox.CallAnswered || es[0].Duration != 41 {
		t.Fatalf("call = %+v", es)
	}
}

// numberChange is the system message Meta sends when a customer changes their number.
func numberChange(oldPhone, oldBSUID, newPhone, newBSUID, id string, ts any) obj {
	sys := obj{"body": "User Dana Diaz changed from " + oldPhone + " to " + newPhone, "type": "user_changed_number", "wa_id": newPhone}
	if newBSUID != "" {
		sys["user_id"] = newBSUID
	}
	m := obj{"from": oldPhone, "id": id, "timestamp": ts, "type": "system", "system": sys}
	if oldBSUID != "" {
		m["from_user_id"] = oldBSUID
	}
	// system messages carry no contacts array
	return obj{"field": "messages", "value": obj{"messaging_product": "whatsapp", "metadata": metadata(), "messages": []any{m}}}
}

func TestNumberChangeKeepsTheOwner(t *testing.T) {
	s := newService(t)
	h := Handler(s, Options{})
	// Dana Diaz (15550001111, owner Bob) has a conversation; close it
	apply(t, h, userChange("15550001111", rosaB, "", "Dana Diaz", "", userMsg("15550001111", rosaB, "wamid.N0", "1764000001", "hi")))
	before, _ := s.Conversation(ctx, "alice", "15550001111", "", 50)
	if _, err := s.CloseConversation(ctx, "bob", "15550001111", 0); err != nil {
		t.Fatal(err)
	}
	closed, _ := s.Conversation(ctx, "alice", "15550001111", "", 50)
	newB := "US.99999999999999999999"
	r := apply(t, h, numberChange("15550001111", rosaB, "15550008888", newB, "wamid.N1", "1795565100"))
	if r.Changes != 1 || r.Messages != 0 || len(r.Skipped) != 0 {
		t.Fatalf("result = %+v", r)
	}
	after, _ := s.Conversation(ctx, "alice", "15550001111", "", 50)
	cv := after.Conversation
	if cv.Status != "closed" || cv.Version != closed.Conversation.Version || cv.AssigneeID() != closed.Conversation.AssigneeID() {
		t.Fatalf("the system message reopened or routed: %+v", cv)
	}
	if cv.Contact.Phone != "15550008888" || cv.Contact.BSUID != newB || strings.Join(cv.Contact.PastPhones, ",") != "15550001111" {
		t.Fatalf("identities = %+v", cv.Contact)
	}
	last := after.Timeline[len(after.Timeline)-1]
	if last.Kind != "note" || last.Reason != "number_changed" || !strings.Contains(last.Text, "+15550008888") {
		t.Fatalf("note = %+v", last)
	}
	for _, e := range after.Timeline {
		if strings.Contains(e.Text, "unsupported") {
			t.Fatalf("stored as a message: %+v", e)
		}
	}
	// the next message from the new number: same contact, same owner (Bob is offline but owns
	// Dana: row 2a gives it back to him)
	apply(t, h, userChange("15550008888", newB, "", "Dana Diaz", "", userMsg("15550008888", newB, "wamid.N2", "1795565200", "new phone, same me")))
	d, _ := s.Conversation(ctx, "alice", "+15550008888", "", 50)
	if d.Conversation.Contact.ID != "15550001111" || d.Conversation.OwnerID() != before.Conversation.OwnerID() ||
		d.Conversation.AssigneeID() != "bob" || d.Conversation.Status != "open" {
		t.Fatalf("after the new number wrote: %+v", d.Conversation)
	}
	// the old number no longer finds her, except as her contact id
	if c := contactOf(t, s, "15550001111"); c.ID != "15550001111" {
		t.Fatalf("id lookup = %+v", c)
	}
	// the same system message again: applied once
	if r := apply(t, h, numberChange("15550001111", rosaB, "15550008888", newB, "wamid.N1", "1795565100")); r.Changes != 0 || r.Duplicates != 1 {
		t.Fatalf("replay = %+v", r)
	}
}

func TestNumberChangeAfterTheNewNumberWroteMergesIt(t *testing.T) {
	s := newService(t)
	h := Handler(s, Options{})
	before := contactCount(t, s)
	// the message from the new number overtakes the system message: a second contact appears
	apply(t, h, messagesChange("15550008888", "Dana", textMsg("15550008888", "wamid.O1", "1764000001", "new phone")))
	apply(t, h, numberChange("15550001111", "", "15550008888", "", "wamid.O2", "1764000002"))
	if n := contactCount(t, s); n != before {
		t.Fatalf("%d contacts, want %d (the new number's contact merged into Dana's)", n, before)
	}
	c := contactOf(t, s, "+15550008888")
	if c.ID != "15550001111" || c.OwnerID() != "bob" {
		t.Fatalf("contact = %+v", c)
	}
}

func TestEchoFromTheBusinessAppIsStoredAsAReply(t *testing.T) {
	s := newService(t)
	h := Handler(s, Options{})
	apply(t, h, messagesChange("15550003333", "Finn Park", textMsg("15550003333", "wamid.E0", "1764000001", "Is it in stock?")))
	d0, _ := s.Conversation(ctx, "alice", "15550003333", "", 50)
	echo := obj{"from": "15550783881", "to": "15550003333", "id": "wamid.E1", "timestamp": "1764000060", "type": "text",
		"text": obj{"body": "Yes, two left!"}}
	ch := obj{"field": "smb_message_echoes", "value": obj{"messaging_product": "whatsapp", "metadata": metadata(), "message_echoes": []any{echo}}}
	if r := apply(t, h, ch); r.Echoes != 1 || len(r.Skipped) != 0 {
		t.Fatalf("result = %+v", r)
	}
	d, _ := s.Conversation(ctx, "alice", "15550003333", "", 50)
	last := d.Timeline[len(d.Timeline)-1]
	if last.Kind != "reply" || last.Source != inbox.SourceApp || last.Text != "Yes, two left!" || last.ID != "wamid.E1" {
		t.Fatalf("echo = %+v", last)
	}
	if got := inbox.EntryContext(last); len(got) != 1 || !strings.Contains(got[0], "WhatsApp Business app") {
		t.Fatalf("context = %q", got)
	}
	if d.Conversation.AssigneeID() != d0.Conversation.AssigneeID() || d.Conversation.Version != d0.Conversation.Version ||
		d.Conversation.PreviewKind != "reply" || d.Conversation.Preview != "Yes, two left!" {
		t.Fatalf("conversation = %+v (was %+v)", d.Conversation, d0.Conversation)
	}
	if r := apply(t, h, ch); r.Duplicates != 1 || r.Echoes != 0 {
		t.Fatalf("replay = %+v", r)
	}
}

func TestContextReferralMediaAndFlowsAreKept(t *testing.T) {
	s := newService(t)
	h := Handler(s, Options{})
	gus := "15550004444"
	first := textMsg(gus, "wamid.C1", "1764000001", "Do you ship to Spain?")
	answer := textMsg(gus, "wamid.C2", "1764000002", "Yes please")
	answer["context"] = obj{"from": gus, "id": "wamid.C1"}
	ad := textMsg(gus, "wamid.C3", "1764000003", "I want the offer")
	ad["referral"] = obj{"source_url": "https://fb.me/abc", "source_id": "120210", "source_type": "ad", "headline": "Winter sale: 30% off",
		"body": "All coats", "media_type": "image", "ctwa_clid": "ARAkLk"}
	doc := obj{"from": gus, "id": "wamid.C4", "timestamp": "1764000004", "type": "document",
		"document": obj{"caption": "mi CV", "filename": "Currículum café.pdf", "mime_type": "application/pdf", "id": "m1"}}
	broken := obj{"from": gus, "id": "wamid.C5", "timestamp": "1764000005", "type": "image", "image": obj{"id": "m2"},
		"errors": []any{obj{"code": 131052, "title": "Media download error"}}}
	flow := obj{"from": gus, "id": "wamid.C6", "timestamp": "1764000006", "type": "interactive", "interactive": obj{"type": "nfm_reply",
		"nfm_reply": obj{"name": "flow", "body": "Sent", "response_json": `{"flow_token":"t1","size":"M","colour":"blue"}`}}}
	r := apply(t, h, messagesChange(gus, "Gus", first, answer, ad, doc, broken, flow))
	if r.Messages != 6 || len(r.Skipped) != 0 {
		t.Fatalf("result = %+v", r)
	}
	es := entries(t, s, gus)
	if ctx := inbox.EntryContext(es[1]); len(ctx) != 1 || ctx[0] != "↪ answers “Do you ship to Spain?”" {
		t.Fatalf("reply context = %q", ctx)
	}
	if ctx := inbox.EntryContext(es[2]); len(ctx) != 1 || ctx[0] != "via ad: Winter sale: 30% off" || es[2].Referral.CtwaClid != "ARAkLk" {
		t.Fatalf("referral = %q %+v", ctx, es[2].Referral)
	}
	want := []string{"[document Currículum café.pdf] mi CV", "[image, not received: Media download error]", "Submitted a form: colour: blue · size: M"}
	for i, w := range want {
		if got := inbox.EntryText(es[3+i]); got != w {
			t.Fatalf("entry %d shows %q, want %q", 3+i, got, w)
		}
	}
	// replayed, everything is stored once
	ex := export(t, s)
	r = apply(t, h, messagesChange(gus, "Gus", first, answer, ad, doc, broken, flow))
	if r.Duplicates != 6 || export(t, s) != ex {
		t.Fatalf("replay = %+v", r)
	}
}

func TestBadIdentitiesAreNamedAndNoMessageIsLost(t *testing.T) {
	s := newService(t)
	h := Handler(s, Options{})
	// a malformed BSUID beside a number: the message is kept (by number), the BSUID named
	r := apply(t, h, userChange(rosaTel, "", "", "Rosa", "", userMsg(rosaTel, "US-123", "wamid.X1", "1764000001", "hi")))
	if r.Messages != 1 || len(r.Skipped) != 1 || !strings.Contains(r.Skipped[0].Where, "from_user_id") {
		t.Fatalf("result = %+v", r)
	}
	// a malformed BSUID alone: nothing names the sender, skipped with the field
	r = apply(t, h, userChange("", "", "", "X", "", userMsg("", "not-a-bsuid", "wamid.X2", "1764000002", "hi")))
	if r.Messages != 0 || len(r.Skipped) != 2 {
		t.Fatalf("result = %+v", r)
	}
	// no sender at all: skipped with its reason, counted
	m := userMsg("", "", "wamid.X3", "1764000003", "hi")
	r = apply(t, h, obj{"field": "messages", "value": obj{"messaging_product": "whatsapp", "metadata": metadata(), "messages": []any{m}}})
	if r.Messages != 0 || len(r.Skipped) != 1 || !strings.Contains(r.Skipped[0].Reason, "no sender") {
		t.Fatalf("result = %+v", r)
	}
	// a malformed username is left out (it is for display), the message kept
	r = apply(t, h, userChange("", rosaB, "", "Rosa", "rosa m!", userMsg("", rosaB, "wamid.X4", "1764000004", "hi")))
	if r.Messages != 1 || len(r.Skipped) != 1 || !strings.Contains(r.Skipped[0].Where, "username") {
		t.Fatalf("result = %+v", r)
	}
}
