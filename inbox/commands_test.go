package inbox

import (
	"strings"
	"sync"
	"testing"
)

// Fixture: Dana Diaz 15550001111 (owner bob, open, bob, support); Eve Ortiz 15550002222 (owner
// erin, closed, carol, support); Finn Park 15550003333 (no owner, no conversation). Routing and
// round robin on; rule refunds → team:billing.

const (
	danaDiaz = "15550001111"
	eveOrtiz = "15550002222"
	finnPark = "15550003333"
)

func lastEntry(t *testing.T, s *Service, contact string) string {
	t.Helper()
	d := noErr(s.Conversation(ctx, "alice", contact, "", 1))(t)
	if len(d.Timeline) == 0 {
		return ""
	}
	e := d.Timeline[0]
	return string(e.Kind) + ":" + e.Reason + ":" + e.By
}

func TestInjectCallsRulesAndEndCall(t *testing.T) {
	s := newService(t, true)
	// a refund keyword: rule → Billing, round robin there (frank before carol, member order)
	out := noErr(s.Inject(ctx, Inbound{Channel: "message", From: "+44 20-7946 0000", Name: "Ian", Text: "I need a REFUND now"}))(t)
	if c := out.Conversation; c.Team != "billing" || c.AssigneeID() != "frank" || out.Reason != "rule:refunds" {
		t.Fatalf("rule routing: team %s assignee %s reason %s", c.Team, c.AssigneeID(), out.Reason)
	}
	// a call with the keyword's contact: calls never match keyword rules; it joins the open conversation
	call := noErr(s.Inject(ctx, Inbound{Channel: "call", From: "442079460000", ExternalID: "call.1"}))(t)
	if call.Entry.Outcome != CallRinging || call.Conversation.PreviewKind != "call" || call.Conversation.Preview != "Call, ringing" {
		t.Fatalf("call: %+v / %+v", call.Entry, call.Conversation)
	}
	end := noErr(s.EndCall(ctx, CallEnd{From: "442079460000", CallID: "call.1", Outcome: CallAnswered, Duration: 65}))(t)
	if end.Duplicate || end.Conversation.Preview != "Call, answered (1m 05s)" {
		t.Fatalf("end: %+v", end.Conversation)
	}
	again := noErr(s.EndCall(ctx, CallEnd{From: "442079460000", CallID: "call.1", Outcome: CallMissed}))(t)
	if !again.Duplicate {
		t.Fatal("second end of the same call was not a duplicate")
	}
	d := noErr(s.Conversation(ctx, "alice", "442079460000", "", 100))(t)
	calls := 0
	for _, e := range d.Timeline {
		if e.Kind == "call" {
			calls++
			if e.Outcome != CallAnswered || e.Duration != 65 {
				t.Fatalf("call entry = %+v", e)
			}
		}
	}
	if calls != 1 {
		t.Fatalf("%d call entries, want 1", calls)
	}
	// the end of a call never seen connecting is a new call
	noErr(s.EndCall(ctx, CallEnd{From: "442079460000", CallID: "call.2", Outcome: CallMissed}))(t)
	if d := noErr(s.Conversation(ctx, "alice", "442079460000", "", 100))(t); d.Conversation.Preview != "Call, missed" {
		t.Fatalf("preview = %q", d.Conversation.Preview)
	}
	// the same external id on a call is stored once
	c1 := noErr(s.Inject(ctx, Inbound{Channel: "call", From: "442079460000", ExternalID: "call.3", Outcome: CallMissed}))(t)
	c2 := noErr(s.Inject(ctx, Inbound{Channel: "call", From: "442079460000", ExternalID: "call.3", Outcome: CallMissed}))(t)
	if c1.Duplicate || !c2.Duplicate {
		t.Fatal("call idempotency")
	}
	for _, bad := range []Inbound{
		{Channel: "fax", From: "15550001111", Text: "x"},
		{Channel: "message", From: "15550001111", Text: "  "},
		{Channel: "call", From: "15550001111", Outcome: "busy"},
		{Channel: "call", From: "15550001111", Outcome: CallAnswered, Duration: -1},
	} {
		before := export(t, s)
		_, err := s.Inject(ctx, bad)
		wantKind(t, err, Invalid)
		if export(t, s) != before {
			t.Fatalf("refused %+v changed the workspace", bad)
		}
	}
}

func TestReplyAndDelivery(t *testing.T) {
	s := newService(t, true)
	noErr(s.Inject(ctx, Inbound{Channel: "message", From: danaDiaz, Text: "hi again"}))(t)
	if c := noErr(s.Conversation(ctx, "bob", danaDiaz, "", 1))(t).Conversation; c.Unread != 1 {
		t.Fatalf("unread = %d", c.Unread)
	}
	out := noErr(s.Reply(ctx, "bob", danaDiaz, "hello Dana"))(t)
	// no sender configured: the reply stays here and says so, never "sent"
	if out.Entry.Kind != "reply" || out.Entry.By != "bob" || out.Entry.Delivery != DeliveryLocal || out.Entry.Error != NotConfigured || out.Conversation.Unread != 0 {
		t.Fatalf("reply = %+v, unread %d", out.Entry, out.Conversation.Unread)
	}
	id := out.Entry.ID
	for _, st := range []string{"delivered", "read", "delivered", "sent"} {
		if found := noErr(s.SetDelivery(ctx, id, st))(t); !found {
			t.Fatalf("%s not found", id)
		}
	}
	d := noErr(s.Conversation(ctx, "bob", danaDiaz, "", 1))(t)
	if d.Timeline[0].Delivery != "read" {
		t.Fatalf("delivery went backwards: %q", d.Timeline[0].Delivery)
	}
	if found := noErr(s.SetDelivery(ctx, "nope", "read"))(t); found {
		t.Fatal("unknown id found")
	}
	_, err := s.SetDelivery(ctx, id, "lost")
	wantKind(t, err, Invalid)
	_, err = s.Reply(ctx, "bob", danaDiaz, "   ")
	wantKind(t, err, Invalid)
	_, err = s.Reply(ctx, "bob", finnPark, "hi")
	wantKind(t, err, NotFound)
	_, err = s.Reply(ctx, "zed", danaDiaz, "hi")
	wantKind(t, err, NotFound)
	if !strings.Contains(err.Error(), `"zed"`) {
		t.Fatalf("not found error does not name the id: %v", err)
	}
	// MarkRead clears the unread mark
	noErr(s.Inject(ctx, Inbound{Channel: "message", From: danaDiaz, Text: "?"}))(t)
	noErr(0, s.MarkRead(ctx, "carol", danaDiaz))(t)
	if c := noErr(s.Conversation(ctx, "bob", danaDiaz, "", 1))(t).Conversation; c.Unread != 0 {
		t.Fatalf("unread after MarkRead = %d", c.Unread)
	}
}

func TestAssign(t *testing.T) {
	s := newService(t, true)
	// in team: assignee and owner follow (routing on)
	out := noErr(s.Assign(ctx, "alice", danaDiaz, "carol", 0))(t)
	if c := out.Conversation; c.AssigneeID() != "carol" || c.OwnerID() != "carol" || lastEntry(t, s, danaDiaz) != "note:manual_assign:alice" {
		t.Fatalf("assign in team: %s/%s %s", c.AssigneeID(), c.OwnerID(), lastEntry(t, s, danaDiaz))
	}
	// outside the team: a prompt for the person who acted; nothing else changes until answered
	out = noErr(s.Assign(ctx, "dana", danaDiaz, "erin", 0))(t)
	if out.Prompt == nil || out.Prompt.Kind != "assign" || out.Conversation.AssigneeID() != "carol" || out.Prompt.RaisedBy != "dana" {
		t.Fatalf("assign outside team: %+v", out)
	}
	if ps := noErr(s.Prompts(ctx, "dana"))(t); len(ps) != 1 || ps[0].Contact != danaDiaz {
		t.Fatalf("dana's prompts: %+v", ps)
	}
	if ps := noErr(s.Prompts(ctx, "alice"))(t); len(ps) != 0 {
		t.Fatalf("alice may not answer dana's prompt: %+v", ps)
	}
	_, err := s.Accept(ctx, "alice", danaDiaz, "sales")
	wantKind(t, err, Forbidden)
	_, err = s.Assign(ctx, "dana", danaDiaz, "bot", 0)
	wantKind(t, err, Conflict) // a decision waits
	dec := noErr(s.Decline(ctx, "dana", danaDiaz))(t)
	if c := dec.Conversation; c.AssigneeID() != "carol" || c.Team != "support" || c.Prompt != nil {
		t.Fatalf("declining an assignment changed it: %+v", c)
	}
	noErr(s.Assign(ctx, "dana", danaDiaz, "erin", 0))(t)
	acc := noErr(s.Accept(ctx, "dana", danaDiaz, "sales"))(t)
	if c := acc.Conversation; c.Team != "sales" || c.AssigneeID() != "erin" || c.OwnerID() != "erin" {
		t.Fatalf("accept: %+v", c)
	}
	// Bot and none: the owner stays
	out = noErr(s.Assign(ctx, "alice", danaDiaz, "bot", 0))(t)
	if c := out.Conversation; c.AssigneeID() != "bot" || c.OwnerID() != "erin" {
		t.Fatalf("assign bot: %s/%s", c.AssigneeID(), c.OwnerID())
	}
	out = noErr(s.Assign(ctx, "alice", danaDiaz, "none", 0))(t)
	if c := out.Conversation; c.AssigneeID() != "" || c.OwnerID() != "erin" {
		t.Fatalf("assign none: %s/%s", c.AssigneeID(), c.OwnerID())
	}
	// routing off: only the assignee changes
	noErr(s.SetOwnerRouting(ctx, "alice", false))(t)
	out = noErr(s.Assign(ctx, "alice", danaDiaz, "alice", 0))(t)
	if c := out.Conversation; c.AssigneeID() != "alice" || c.OwnerID() != "erin" {
		t.Fatalf("routing off: %s/%s", c.AssigneeID(), c.OwnerID())
	}
	_, err = s.Assign(ctx, "alice", danaDiaz, "zed", 0)
	wantKind(t, err, NotFound)
	if !strings.Contains(err.Error(), `"zed"`) {
		t.Fatalf("error does not name the id: %v", err)
	}
}

func TestSetOwner(t *testing.T) {
	s := newService(t, true)
	out := noErr(s.SetOwner(ctx, "alice", danaDiaz, "carol", 0))(t)
	if c := out.Conversation; c.OwnerID() != "carol" || c.AssigneeID() != "carol" || lastEntry(t, s, danaDiaz) != "note:manual_owner:alice" {
		t.Fatalf("owner in team: %+v", c)
	}
	// outside the team: owner changes, assignee stays, the person who acted is asked
	out = noErr(s.SetOwner(ctx, "carol", danaDiaz, "erin", 0))(t)
	if c := out.Conversation; c.OwnerID() != "erin" || c.AssigneeID() != "carol" || out.Prompt == nil || out.Prompt.Kind != "owner" || out.Prompt.RaisedBy != "carol" {
		t.Fatalf("owner outside team: %+v", out)
	}
	dec := noErr(s.Decline(ctx, "carol", danaDiaz))(t)
	if c := dec.Conversation; c.AssigneeID() != "bot" || c.Team != "support" || c.OwnerID() != "erin" {
		t.Fatalf("decline: %+v", c)
	}
	// erin hears both: carol made her the owner, and the decline (newest first)
	if ns := noErr(s.Notifications(ctx, "erin", false))(t); len(ns) != 2 || !strings.Contains(ns[0].Text, "not in Support") ||
		ns[1].Text != "Carol Diaz made you Dana Diaz's owner" {
		t.Fatalf("erin's notifications: %+v", ns)
	}
	if lastEntry(t, s, danaDiaz) != "note:prompt_declined:carol" {
		t.Fatalf("last entry %s", lastEntry(t, s, danaDiaz))
	}
	// clear: owner none, assignee untouched
	out = noErr(s.SetOwner(ctx, "alice", danaDiaz, "none", 0))(t)
	if c := out.Conversation; c.OwnerID() != "" || c.AssigneeID() != "bot" {
		t.Fatalf("clear: %+v", c)
	}
	// routing off: only the owner changes, never a prompt
	noErr(s.SetOwnerRouting(ctx, "dana", false))(t)
	out = noErr(s.SetOwner(ctx, "alice", danaDiaz, "erin", 0))(t)
	if c := out.Conversation; c.OwnerID() != "erin" || c.AssigneeID() != "bot" || out.Prompt != nil {
		t.Fatalf("routing off: %+v", out)
	}
	// a contact without a conversation can get an owner
	out = noErr(s.SetOwner(ctx, "alice", finnPark, "frank", 0))(t)
	if out.Conversation.OwnerID() != "frank" {
		t.Fatalf("finn: %+v", out.Conversation)
	}
	_, err := s.SetOwner(ctx, "alice", danaDiaz, "bot", 0)
	wantKind(t, err, Invalid)
}

func TestChangeTeamCloseReopen(t *testing.T) {
	s := newService(t, true)
	// bob is not in Billing: unassigned, then round robin there; the owner stays
	out := noErr(s.ChangeTeam(ctx, "alice", danaDiaz, "billing", 0))(t)
	if c := out.Conversation; c.Team != "billing" || c.AssigneeID() != "frank" || c.OwnerID() != "bob" || lastEntry(t, s, danaDiaz) != "note:team_change:alice" {
		t.Fatalf("team change: %+v %s", c, lastEntry(t, s, danaDiaz))
	}
	_, err := s.ChangeTeam(ctx, "alice", danaDiaz, "legal", 0)
	wantKind(t, err, NotFound)
	if !strings.Contains(err.Error(), `"legal"`) {
		t.Fatalf("error does not name the team: %v", err)
	}
	// close withdraws a waiting decision
	noErr(s.Assign(ctx, "alice", danaDiaz, "erin", 0))(t)
	if c := noErr(s.Counts(ctx, "alice"))(t); c.Waiting != 1 {
		t.Fatalf("waiting = %d", c.Waiting)
	}
	cl := noErr(s.CloseConversation(ctx, "alice", danaDiaz, 0))(t)
	if cl.Conversation.Status != "closed" || cl.Conversation.Prompt != nil || cl.Conversation.AssigneeID() != "frank" {
		t.Fatalf("close: %+v", cl.Conversation)
	}
	if c := noErr(s.Counts(ctx, "alice"))(t); c.Waiting != 0 || c.Closed != 2 {
		t.Fatalf("counts after close: %+v", c)
	}
	_, err = s.CloseConversation(ctx, "alice", danaDiaz, 0)
	wantKind(t, err, Conflict)
	_, err = s.Accept(ctx, "alice", danaDiaz, "sales")
	wantKind(t, err, AlreadyDecided)
	re := noErr(s.ReopenConversation(ctx, "carol", danaDiaz, 0))(t)
	if re.Conversation.Status != "open" || re.Conversation.AssigneeID() != "frank" || re.Conversation.Team != "billing" {
		t.Fatalf("reopen: %+v", re.Conversation)
	}
	_, err = s.ReopenConversation(ctx, "carol", danaDiaz, 0)
	wantKind(t, err, Conflict)
	_, err = s.CloseConversation(ctx, "alice", finnPark, 0)
	wantKind(t, err, NotFound)
}

func TestPromptFirstAnswerWins(t *testing.T) {
	for round := 0; round < 5; round++ {
		s := newService(t, true)
		// Eve Ortiz writes again: her owner erin is not in Support → an inbound prompt
		noErr(s.Inject(ctx, Inbound{Channel: "message", From: eveOrtiz, Text: "hello?"}))(t)
		if !noErr(s.Conversation(ctx, "erin", eveOrtiz, "", 1))(t).CanAnswer || noErr(s.Conversation(ctx, "carol", eveOrtiz, "", 1))(t).CanAnswer {
			t.Fatal("CanAnswer: erin (owner) may, carol may not")
		}
		var wg sync.WaitGroup
		errs := make([]error, 3)
		for i, who := range []string{"erin", "alice", "dana"} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if i%2 == 0 {
					_, errs[i] = s.Accept(ctx, who, eveOrtiz, "")
				} else {
					_, errs[i] = s.Decline(ctx, who, eveOrtiz)
				}
			}()
		}
		wg.Wait()
		ok := 0
		for _, err := range errs {
			if err == nil {
				ok++
			} else if KindOf(err) != AlreadyDecided {
				t.Fatalf("loser got %v", err)
			}
		}
		if ok != 1 {
			t.Fatalf("%d answers won: %v", ok, errs)
		}
		checkInvariants(t, s)
	}
}

func TestSetPresence(t *testing.T) {
	s := newService(t, true)
	noErr(0, s.SetPresence(ctx, "carol", "carol", "away"))(t)
	before := export(t, s)
	err := s.SetPresence(ctx, "carol", "frank", "offline")
	wantKind(t, err, Forbidden)
	err = s.SetPresence(ctx, "carol", "carol", "busy")
	wantKind(t, err, Invalid)
	err = s.SetPresence(ctx, "alice", "zed", "online")
	wantKind(t, err, NotFound)
	if !strings.Contains(err.Error(), `"zed"`) {
		t.Fatalf("error does not name the id: %v", err)
	}
	if export(t, s) != before {
		t.Fatal("refused presence changes changed the workspace")
	}
	// Support: bob offline, carol away, dana admin → no candidate: Bot, team kept
	out := noErr(s.Inject(ctx, Inbound{Channel: "message", From: "15551230001", Text: "hi"}))(t)
	if c := out.Conversation; c.AssigneeID() != "bot" || c.Team != "support" {
		t.Fatalf("nobody online: %s in %s (%s)", c.AssigneeID(), c.Team, out.Why)
	}
	if !out.Conversation.Backlog {
		t.Fatalf("round robin found nobody, yet it is not in Support's backlog: %+v", out.Conversation)
	}
	// going away changes no assignment
	conv := convPart(t, s)
	noErr(0, s.SetPresence(ctx, "dana", "erin", "away"))(t)
	if convPart(t, s) != conv {
		t.Fatal("going away changed conversations")
	}
	// an admin brings bob online: he takes what waits in Support's backlog, then the next one
	noErr(0, s.SetPresence(ctx, "dana", "bob", "online"))(t)
	d := noErr(s.Conversation(ctx, "alice", "15551230001", "", 50))(t)
	if c := d.Conversation; c.AssigneeID() != "bob" || c.WhyReason != "round_robin_backlog" || c.Backlog ||
		!strings.Contains(c.Why, "Bob Stone is online now") {
		t.Fatalf("the backlog after bob came online: %s (%s: %s)", c.AssigneeID(), c.WhyReason, c.Why)
	}
	out = noErr(s.Inject(ctx, Inbound{Channel: "message", From: "15551230002", Text: "hi"}))(t)
	if out.Conversation.AssigneeID() != "bob" {
		t.Fatalf("round robin picked %q, want bob", out.Conversation.AssigneeID())
	}
	if o, _ := s.Operator("bob"); o.Status != "online" {
		t.Fatalf("bob = %+v", o)
	}
}

// TestReplyReopensAClosedConversation: answering a closed conversation reopens it in the same
// transaction (a "reopened" note by the one who answered, then the reply), never a reply on a
// conversation that stays closed; a reply refused (outside the window) reopens nothing.
func TestReplyReopensAClosedConversation(t *testing.T) {
	s := newService(t, true)
	noErr(s.Inject(ctx, Inbound{Channel: "message", From: danaDiaz, Text: "hi again"}))(t)
	noErr(s.CloseConversation(ctx, "bob", danaDiaz, 0))(t)
	out := noErr(s.Reply(ctx, "bob", danaDiaz, "one more thing\non two lines"))(t)
	if !out.Reopened || out.Conversation.Status != "open" || out.Conversation.AssigneeID() != "bob" {
		t.Fatalf("after the reply: reopened %v, %s with %s", out.Reopened, out.Conversation.Status, out.Conversation.AssigneeID())
	}
	d := noErr(s.Conversation(ctx, "bob", danaDiaz, "", 2))(t)
	if n := len(d.Timeline); n < 2 || d.Timeline[n-1].Kind != "reply" || d.Timeline[n-1].Text != "one more thing\non two lines" || d.Timeline[n-2].Reason != "reopened" {
		t.Fatalf("timeline = %+v", d.Timeline)
	}
	// a second reply to the open conversation reopens nothing and has an id of its own
	again := noErr(s.Reply(ctx, "bob", danaDiaz, "and another"))(t)
	if again.Reopened || again.Entry.ID == out.Entry.ID {
		t.Fatalf("second reply: reopened %v, id %s (first %s)", again.Reopened, again.Entry.ID, out.Entry.ID)
	}
	checkInvariants(t, s)
}

// TestCancelPromptTakesTheActionBack: the person whose own action raised a team decision can
// take the action back (esc in the dialog): the decision goes, the owner from before comes
// back, and the why is the one from before (where the conversation is has not changed); a
// declined assignment gives the why back too. Nobody else may cancel, and a decision raised by
// an inbound event cannot be.
func TestCancelPromptTakesTheActionBack(t *testing.T) {
	s := newService(t, true)
	noErr(s.Assign(ctx, "alice", danaDiaz, "carol", 0))(t) // a why: assigned by hand (Carol is the owner too)
	before := noErr(s.Conversation(ctx, "alice", danaDiaz, "", 1))(t).Conversation
	if before.Why == "" {
		t.Fatal("the conversation has no why to keep")
	}
	out := noErr(s.SetOwner(ctx, "alice", danaDiaz, "frank", 0))(t)
	if out.Prompt == nil || out.Conversation.OwnerID() != "frank" {
		t.Fatalf("no prompt: %s", out.Why)
	}
	_, err := s.CancelPrompt(ctx, "carol", danaDiaz)
	wantKind(t, err, Forbidden)
	out = noErr(s.CancelPrompt(ctx, "alice", danaDiaz))(t)
	c := out.Conversation
	if c.Prompt != nil || c.OwnerID() != before.OwnerID() || c.AssigneeID() != before.AssigneeID() || c.Team != before.Team {
		t.Fatalf("after cancel: owner %s assignee %s team %s prompt %v", c.OwnerID(), c.AssigneeID(), c.Team, c.Prompt)
	}
	if c.Why != before.Why {
		t.Fatalf("why = %q, want the one from before %q", c.Why, before.Why)
	}
	d := noErr(s.Conversation(ctx, "alice", danaDiaz, "", 1))(t)
	if e := d.Timeline[len(d.Timeline)-1]; e.Reason != "prompt_cancelled" || !strings.Contains(e.Text, "cancelled making Frank Ode the contact owner: Carol Diaz is the contact owner again") {
		t.Fatalf("note = %+v", e)
	}
	// an assignment outside the team, cancelled or declined: nothing changed, the why stays
	noErr(s.Assign(ctx, "alice", danaDiaz, "erin", 0))(t)
	c = noErr(s.CancelPrompt(ctx, "alice", danaDiaz))(t).Conversation
	if c.AssigneeID() != "carol" || c.Why != before.Why {
		t.Fatalf("after cancelling the assignment: %s, why %q", c.AssigneeID(), c.Why)
	}
	noErr(s.Assign(ctx, "alice", danaDiaz, "erin", 0))(t)
	c = noErr(s.Decline(ctx, "alice", danaDiaz))(t).Conversation
	if c.AssigneeID() != "carol" || c.Why != before.Why {
		t.Fatalf("after declining the assignment: %s, why %q", c.AssigneeID(), c.Why)
	}
	_, err = s.CancelPrompt(ctx, "alice", danaDiaz)
	wantKind(t, err, AlreadyDecided)
	// raised by an inbound message: it waits or is answered, never cancelled
	if out := noErr(s.Inject(ctx, Inbound{Channel: "message", From: eveOrtiz, Text: "back again"}))(t); out.Prompt == nil {
		t.Fatalf("Eve raised no prompt: %s", out.Why)
	}
	_, err = s.CancelPrompt(ctx, "alice", eveOrtiz)
	wantKind(t, err, Invalid)
	checkInvariants(t, s)
}

// What a colleague's change puts on someone's desk, or takes from it, they are told of (docs/ui.md
// "Being told"): the new assignee and the one before, the new owner and the one before; never the
// person who made the change, and routing's own decisions not this way.
func TestColleaguesChangesAreTold(t *testing.T) {
	s := newService(t, true)
	texts := func(op string) []string {
		var out []string
		for _, n := range noErr(s.Notifications(ctx, op, true))(t) {
			out = append(out, n.Text)
		}
		return out
	}
	noErr(s.Inject(ctx, Inbound{Channel: "message", From: danaDiaz, Text: "hello?"}))(t) // routing: nobody told
	if n := len(texts("bob")) + len(texts("carol")); n != 0 {
		t.Fatalf("routing's own decision told %d", n)
	}
	noErr(s.Assign(ctx, "alice", danaDiaz, "carol", 0))(t)
	// (with contact owner-based routing on, the person assigned becomes the owner too)
	if got := texts("carol"); len(got) != 1 || got[0] != "Alice Ng assigned Dana Diaz to you and made you its owner" {
		t.Fatalf("carol: %q", got)
	}
	if got := texts("bob"); len(got) != 1 || got[0] != "Alice Ng moved Dana Diaz from you to Carol Diaz and made Carol Diaz its owner instead of you" {
		t.Fatalf("bob: %q", got)
	}
	noErr(s.Assign(ctx, "carol", danaDiaz, "none", 0))(t) // her own change: she is not told
	if got := texts("carol"); len(got) != 1 {
		t.Fatalf("carol was told of her own change: %q", got)
	}
	noErr(s.SetOwner(ctx, "alice", danaDiaz, "dana", 0))(t)
	if got := texts("dana"); len(got) != 1 || !strings.Contains(got[0], "made you its owner") && !strings.Contains(got[0], "made you Dana Diaz's owner") {
		t.Fatalf("dana: %q", got)
	}
	if got := texts("carol"); len(got) != 2 || got[0] != "Alice Ng made Dana Kim Dana Diaz's owner instead of you" {
		t.Fatalf("carol, the owner before: %q", got)
	}
}
