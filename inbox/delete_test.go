package inbox

import (
	"strings"
	"testing"
)

func TestDeleteContactRemovesConversationAndTimeline(t *testing.T) {
	s := newService(t, true)
	// Eve Ortiz gets a waiting decision, so the contact is in the Waiting view and counters
	noErr(s.Inject(ctx, Inbound{Channel: "message", From: "15550002222", Text: "again", ExternalID: "wamid.E2"}))(t)
	before := noErr(s.Counts(ctx, "alice"))(t)
	if before.Waiting != 1 {
		t.Fatalf("waiting = %d", before.Waiting)
	}
	err := s.DeleteContact(ctx, "carol", "15550002222")
	wantKind(t, err, Forbidden)
	wantKind(t, s.DeleteContact(ctx, "alice", "15550009876"), NotFound)
	if err := s.DeleteContact(ctx, "alice", "+1 555-000-2222"); err != nil {
		t.Fatal(err)
	}
	after := noErr(s.Counts(ctx, "alice"))(t)
	if after.All != before.All-1 || after.Waiting != 0 || after.Open != before.Open-1 {
		t.Fatalf("counts before %+v after %+v", before, after)
	}
	_, err = s.Conversation(ctx, "alice", "15550002222", "", 10)
	wantKind(t, err, NotFound)
	all := noErr(s.List(ctx, Filter{View: ViewAll, Limit: 100}))(t)
	for _, c := range all.Conversations {
		if c.Contact.ID == "15550002222" {
			t.Fatal("the deleted contact is still listed")
		}
	}
	if cs := noErr(s.Contacts(ctx, "Eve", 10))(t); len(cs) != 0 {
		t.Fatalf("contact search still finds %+v", cs)
	}
	if strings.Contains(export(t, s), `{"contact":"15550002222","status"`) {
		t.Fatal("the export still has the deleted conversation")
	}
	// the same message id again starts a new conversation: it is not a duplicate any more
	out := noErr(s.Inject(ctx, Inbound{Channel: "message", From: "15550002222", Text: "again", ExternalID: "wamid.E2"}))(t)
	if out.Duplicate || out.Conversation.Contact.Name != "" {
		t.Fatalf("re-inject after delete: %+v", out)
	}
}
