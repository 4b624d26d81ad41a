package demo

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"switchboard/inbox"
)

// tourAt starts a tour on a fresh demo and returns a function that says whether step i is done.
func tourAt(t *testing.T) (*inbox.Service, func(i int) bool) {
	t.Helper()
	s := seeded(t)
	c, cancel := context.WithCancel(ctx)
	t.Cleanup(cancel)
	tour := NewTour(c, s, "")
	return s, func(i int) bool {
		t.Helper()
		return tour.Steps(ctx)[i].Done
	}
}

func inject(t *testing.T, s *inbox.Service, from, text string) inbox.Outcome {
	t.Helper()
	out, err := s.Inject(ctx, inbox.Inbound{Channel: "message", From: from, Text: text})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func stepIndex(t *testing.T, title string) int {
	for i, s := range Steps {
		if s.Title == title {
			return i
		}
	}
	t.Fatalf("no step %q", title)
	return -1
}

func TestTourNothingDoneAtStart(t *testing.T) {
	_, done := tourAt(t)
	for i := range Steps {
		if done(i) {
			t.Fatalf("step %d (%s) done before anything happened", i, Steps[i].Title)
		}
	}
}

func TestTourStepRoutingOn(t *testing.T) {
	s, done := tourAt(t)
	i := stepIndex(t, "Turn contact owner-based routing on, as an admin")
	if _, err := s.SetOwnerRouting(ctx, "maya", false); err != nil {
		t.Fatal(err)
	}
	if done(i) {
		t.Fatal("done after switching off only")
	}
	if _, err := s.SetOwnerRouting(ctx, "maya", true); err != nil {
		t.Fatal(err)
	}
	if !done(i) {
		t.Fatal("not done after switching on")
	}
}

func TestTourStepClosedGoesToOwner(t *testing.T) {
	s, done := tourAt(t)
	i := stepIndex(t, "A closed conversation comes back to its owner")
	out := inject(t, s, "4915112345001", "Hi again")
	if out.Conversation.AssigneeID() != "lena" {
		t.Fatalf("Priya went to %q: %s", out.Conversation.AssigneeID(), out.Why)
	}
	if !done(i) {
		t.Fatal("not done")
	}
}

func TestTourStepNewContact(t *testing.T) {
	s, done := tourAt(t)
	i := stepIndex(t, "A new contact goes through automation and round robin")
	inject(t, s, "+44 7700 900123", "refund please")
	if !done(i) {
		t.Fatal("not done")
	}
}

func TestTourStepActiveAssignee(t *testing.T) {
	s, done := tourAt(t)
	i := stepIndex(t, "An active assignee keeps the conversation; the owner follows")
	out := inject(t, s, "4915112345002", "still logged out")
	if out.Conversation.AssigneeID() != "omar" || out.Conversation.OwnerID() != "omar" {
		t.Fatalf("Jonas: assignee %q owner %q", out.Conversation.AssigneeID(), out.Conversation.OwnerID())
	}
	if !done(i) {
		t.Fatal("not done")
	}
}

func TestTourStepAcceptAndDecline(t *testing.T) {
	s, done := tourAt(t)
	acc := stepIndex(t, "Owner outside the team: accept the team change")
	dec := stepIndex(t, "Owner outside the team: decline the team change")
	if out := inject(t, s, "4915112345003", "hello"); out.Prompt == nil {
		t.Fatalf("Eve raised no prompt: %s", out.Why)
	}
	if _, err := s.Accept(ctx, "maya", "4915112345003", "sales"); err != nil {
		t.Fatal(err)
	}
	if !done(acc) || done(dec) {
		t.Fatalf("accept done %v, decline done %v", done(acc), done(dec))
	}
	if out := inject(t, s, "4915112345004", "hello"); out.Prompt == nil {
		t.Fatalf("Lucas raised no prompt: %s", out.Why)
	}
	if _, err := s.Decline(ctx, "maya", "4915112345004"); err != nil {
		t.Fatal(err)
	}
	if !done(dec) {
		t.Fatal("decline not done")
	}
}

func TestTourStepOwnerOutsideTeam(t *testing.T) {
	s, done := tourAt(t)
	i := stepIndex(t, "Make someone outside the team the owner")
	out, err := s.SetOwner(ctx, "maya", "4915112345005", "raj", 0)
	if err != nil {
		t.Fatal(err)
	}
	if out.Prompt == nil {
		t.Fatalf("no prompt: %s", out.Why)
	}
	// the question is still open (its dialog on the screen): the next step's keys would go to
	// it, so the step is done only once it is answered
	if done(i) {
		t.Fatal("done before the team question was answered")
	}
	if _, err := s.Decline(ctx, "maya", "4915112345005"); err != nil {
		t.Fatal(err)
	}
	if !done(i) {
		t.Fatal("not done")
	}
}

func TestTourStepCall(t *testing.T) {
	s, done := tourAt(t)
	i := stepIndex(t, "A call routes like a message")
	out, err := s.Inject(ctx, inbox.Inbound{Channel: "call", From: "4915112345006", Outcome: "answered", Duration: 60})
	if err != nil {
		t.Fatal(err)
	}
	if out.Conversation.AssigneeID() != "omar" {
		t.Fatalf("Noah's call went to %q", out.Conversation.AssigneeID())
	}
	if !done(i) {
		t.Fatal("not done")
	}
}

func TestTourStepRoutingOff(t *testing.T) {
	s, done := tourAt(t)
	i := stepIndex(t, "Routing off: the next reopen follows round robin")
	inject(t, s, "4915112345001", "before the flip") // a reopen with routing on does not count
	if done(i) {
		t.Fatal("done before routing was switched off")
	}
	time.Sleep(10 * time.Millisecond)
	if _, err := s.SetOwnerRouting(ctx, "maya", false); err != nil {
		t.Fatal(err)
	}
	out := inject(t, s, "4915112345007", "export question")
	if out.Conversation.OwnerID() != "lena" {
		t.Fatalf("owner changed to %q", out.Conversation.OwnerID())
	}
	if !done(i) {
		t.Fatalf("not done; why: %s", out.Why)
	}
}

func TestTourStepNonAdminRefused(t *testing.T) {
	s, done := tourAt(t)
	i := stepIndex(t, "Only admins can flip the toggle")
	if _, err := s.SetOwnerRouting(ctx, "maya", false); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SetOwnerRouting(ctx, "lena", true); inbox.KindOf(err) != inbox.Forbidden {
		t.Fatalf("lena flipped it: %v", err)
	}
	deadline := time.Now().Add(10 * time.Second) // the tour hears the refusal asynchronously
	for !done(i) {
		if time.Now().After(deadline) {
			t.Fatal("not done")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestTourProgressSurvivesReopening: with a state file, a reopened demo shows the steps done
// before as done (even one seen only as an event, which the workspace keeps no trace of), and a
// step begun before reopening still completes against what happened since the tour began.
func TestTourProgressSurvivesReopening(t *testing.T) {
	s := seeded(t)
	path := StatePath(filepath.Join(t.TempDir(), "demo.db"))
	c, cancel := context.WithCancel(ctx)
	defer cancel()
	first := NewTour(c, s, path)
	refused := stepIndex(t, "Only admins can flip the toggle")
	routingOn := stepIndex(t, "Turn contact owner-based routing on, as an admin")
	if _, err := s.SetOwnerRouting(ctx, "maya", false); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SetOwnerRouting(ctx, "lena", true); inbox.KindOf(err) != inbox.Forbidden {
		t.Fatalf("lena flipped it: %v", err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for !first.Steps(ctx)[refused].Done {
		if time.Now().After(deadline) {
			t.Fatal("the refusal was not seen in the first session")
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()

	// the demo is reopened (no events this time): the refusal step stays done, and switching
	// routing back on completes the step begun in the first session
	c2, cancel2 := context.WithCancel(ctx)
	defer cancel2()
	again := NewTour(c2, s, path)
	st := again.Steps(ctx)
	if !st[refused].Done || st[routingOn].Done {
		t.Fatalf("after reopening: refused %v, routing on %v", st[refused].Done, st[routingOn].Done)
	}
	if _, err := s.SetOwnerRouting(ctx, "maya", true); err != nil {
		t.Fatal(err)
	}
	if !again.Steps(ctx)[routingOn].Done {
		t.Fatal("off in the first session and on in the second does not complete the step")
	}
	// without the state file (after --reset) the tour starts over
	if NewTour(c2, s, StatePath(filepath.Join(t.TempDir(), "other.db"))).Steps(ctx)[refused].Done {
		t.Fatal("a tour without a state file starts with the refusal step done")
	}
	// a damaged state file starts the tour over instead of failing
	if err := os.WriteFile(path, []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	if NewTour(c2, s, path).Steps(ctx)[refused].Done {
		t.Fatal("a damaged state file kept progress")
	}
}

func TestTourStepAwayOwnerCovered(t *testing.T) {
	s, done := tourAt(t)
	covered := stepIndex(t, "An away owner is covered")
	i := stepIndex(t, "The owner is back: the conversation goes back to her")
	if _, err := s.SetAwayWait(ctx, "maya", "0"); err != nil {
		t.Fatal(err)
	}
	out := inject(t, s, "4915112345008", "Is Friday still fine?")
	if c := out.Conversation; !c.Covering() || c.OwnerID() != "sofia" || out.Reason != "owner_away" {
		t.Fatalf("Mila: %q owner %s (%s: %s)", c.AssigneeText(), c.OwnerID(), out.Reason, out.Why)
	}
	if !done(covered) {
		t.Fatal("the cover step is not done")
	}
	if done(i) {
		t.Fatal("done before the owner got it back")
	}
	if _, err := s.CloseConversation(ctx, "maya", "4915112345008", 0); err != nil {
		t.Fatal(err)
	}
	if err := s.SetPresence(ctx, "sofia", "sofia", "online"); err != nil {
		t.Fatal(err)
	}
	out = inject(t, s, "4915112345008", "One more question")
	if out.Reason != "cover_ended" || out.Conversation.AssigneeID() != "sofia" {
		t.Fatalf("the next reopen: %s %s (%s)", out.Reason, out.Conversation.AssigneeID(), out.Why)
	}
	if !done(i) {
		t.Fatal("not done")
	}
}

// TestTourStepLeaveRoutingOn: the last step is done only when routing goes back on after the
// round-robin step switched it off and a reopen was routed without it — not by the first
// step's off and on.
func TestTourStepLeaveRoutingOn(t *testing.T) {
	s, done := tourAt(t)
	i := stepIndex(t, "Leave routing as the team expects it")
	for _, on := range []bool{false, true} {
		if _, err := s.SetOwnerRouting(ctx, "maya", on); err != nil {
			t.Fatal(err)
		}
	}
	inject(t, s, "4915112345001", "a reopen with routing on")
	if done(i) {
		t.Fatal("done by the first step's off and on")
	}
	if _, err := s.SetOwnerRouting(ctx, "maya", false); err != nil {
		t.Fatal(err)
	}
	inject(t, s, "4915112345007", "export question")
	if done(i) {
		t.Fatal("done while routing is still off")
	}
	if _, err := s.SetAwayWait(ctx, "maya", "0"); err != nil { // as the cover step leaves it
		t.Fatal(err)
	}
	if _, err := s.SetOwnerRouting(ctx, "maya", true); err != nil {
		t.Fatal(err)
	}
	if done(i) {
		t.Fatal("done with the owner-away wait still 0")
	}
	if _, err := s.SetAwayWait(ctx, "maya", "off"); err != nil {
		t.Fatal(err)
	}
	if !done(i) {
		t.Fatal("not done after routing came back on and the wait went off")
	}
}

// TestTourFitsOnlyTheDemoAndRestarts: the tour runs where its contacts are (the demo, not a
// generated workspace); a restart starts every step over, from then on.
func TestTourFitsOnlyTheDemoAndRestarts(t *testing.T) {
	s := seeded(t)
	if !Fits(ctx, s) {
		t.Fatal("the tour does not fit the demo")
	}
	g := open(t)
	if err := Generate(ctx, g, 50, nil); err != nil {
		t.Fatal(err)
	}
	if Fits(ctx, g) {
		t.Fatal("the tour fits a generated workspace")
	}
	c, cancel := context.WithCancel(ctx)
	defer cancel()
	path := StatePath(filepath.Join(t.TempDir(), "demo.db"))
	tour := NewTour(c, s, path)
	inject(t, s, "4915112345001", "Hi again")
	if !tour.Steps(ctx)[stepIndex(t, "A closed conversation comes back to its owner")].Done {
		t.Fatal("step 2 not done")
	}
	if err := tour.Restart(ctx); err != nil {
		t.Fatal(err)
	}
	for i, st := range tour.Steps(ctx) {
		if st.Done {
			t.Fatalf("step %d done after a restart", i+1)
		}
	}
	if NewTour(c, s, path).Steps(ctx)[1].Done {
		t.Fatal("the restart was not saved")
	}
}

// A tour started again finds what it uses as the demo began: the tour's contacts as seeded,
// step 3's new contact gone, Sofia offline, routing on and the owner-away wait off; the rest
// of the workspace stays.
func TestRestartPutsTheTourContactsBack(t *testing.T) {
	s := seeded(t)
	c, cancel := context.WithCancel(ctx)
	defer cancel()
	tour := NewTour(c, s, "")
	before := map[string]inbox.Detail{}
	for _, id := range tourNumbers {
		d, err := s.Conversation(ctx, Admin, id, "", 50)
		if err != nil {
			t.Fatal(err)
		}
		before[id] = d
	}
	// what the first run of the tour leaves behind
	inject(t, s, "4915112345001", "Hi again")                                    // Priya reopened
	inject(t, s, "4915112345002", "still broken")                                // Jonas: Omar the owner now
	inject(t, s, "+44 7700 900123", "refund please")                             // a new contact
	if _, err := s.SetOwner(ctx, Admin, "4915112345005", "raj", 0); err != nil { // Hana
		t.Fatal(err)
	}
	if err := s.SetPresence(ctx, Admin, "sofia", "online"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SetOwnerRouting(ctx, Admin, false); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SetAwayWait(ctx, Admin, "0"); err != nil {
		t.Fatal(err)
	}
	filler, err := s.Conversation(ctx, Admin, "34655001000", "", 50)
	if err != nil {
		t.Fatal(err)
	}
	if err := tour.Restart(ctx); err != nil {
		t.Fatal(err)
	}
	for _, id := range tourNumbers {
		d, err := s.Conversation(ctx, Admin, id, "", 50)
		if err != nil {
			t.Fatal(err)
		}
		b := before[id]
		now := shape(d)
		if was := shape(b); now != was {
			t.Fatalf("%s after the restart: %s; as the demo began: %s", id, now, was)
		}
	}
	if _, err := s.Contact(ctx, "+44 7700 900123"); inbox.KindOf(err) != inbox.NotFound {
		t.Fatalf("step 3's contact is still there after the restart (%v)", err)
	}
	if o, _ := s.Operator("sofia"); o.Status != "offline" {
		t.Fatalf("Sofia is %s after the restart", o.Status)
	}
	if st := s.Settings(ctx); !st.ContactOwnerRouting || (st.OwnerAwayWait != "" && st.OwnerAwayWait != "off") {
		t.Fatalf("after the restart routing is %v and the owner-away wait %q", st.ContactOwnerRouting, st.OwnerAwayWait)
	}
	if d, err := s.Conversation(ctx, Admin, "34655001000", "", 50); err != nil || len(d.Timeline) != len(filler.Timeline) {
		t.Fatalf("a conversation the tour does not use changed: %v", err)
	}
	// and step 2 works again as its words say
	inject(t, s, "4915112345001", "Hi again")
	if !tour.Steps(ctx)[stepIndex(t, "A closed conversation comes back to its owner")].Done {
		t.Fatal("step 2 cannot be done after the restart")
	}
}

// shape is what the tour's steps rely on of a conversation.
func shape(d inbox.Detail) string {
	cv := d.Conversation
	a := ""
	if cv.Assignee != nil {
		a = *cv.Assignee
	}
	return fmt.Sprintf("%s, assignee %q, team %s, owner %q, %d entries, prompt %v, why %q",
		cv.Status, a, cv.Team, cv.Contact.OwnerID(), len(d.Timeline), cv.Prompt != nil, cv.Why)
}
