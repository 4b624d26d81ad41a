package domain

import (
	"fmt"
	"time"
)

// NextEntry is what appending e to c's timeline does to c, the same in every engine: the
// conversation's entry counter moves on, its last activity and (for a customer's message) its
// last inbound time follow the entry; the ref says where the entry goes. A time outside
// ValidTime is refused (entry keys hold Unix nanoseconds).
func NextEntry(c *Conversation, e Entry) (EntryRef, error) {
	if !ValidTime(e.At) {
		return EntryRef{}, fmt.Errorf("entry of %s at %s: outside 1970–2262", c.Contact, e.At.Format(time.RFC3339))
	}
	c.Seq++
	r := EntryRef{Contact: c.Contact, At: e.At.UnixNano(), Seq: c.Seq}
	if r.At > c.LastAt {
		c.LastAt = r.At
	}
	if e.Kind == KindMessage && r.At > c.LastInbound {
		c.LastInbound = r.At
	}
	return r, nil
}
