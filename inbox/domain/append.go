package domain

import (
	"fmt"
	"math"
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

// dayNS is a day in Unix nanoseconds.
const dayNS = int64(24 * time.Hour)

// InboundDay is the day an inbound id is indexed under: the UTC day (counted from 1970-01-01)
// of the entry it names. Keyed by it, the index of a workspace grows at its end, today's ids in a
// small partition of their own, instead of landing on a random page of a tree that holds every
// id ever received.
func InboundDay(entryAt int64) int64 { return entryAt / dayNS } // entry times are 1970 or later

// InboundDays are the days InboundByID looks in for an event at the time: its own UTC day, the
// day before and the day after. A redelivery carries the time its event had (so its entry's
// day), a call's end a time after its call's, and an undated event the time it arrived.
func InboundDays(at time.Time) (first, last int64) {
	d := InboundDay(max(at.UnixNano(), 0))
	return max(d-1, 0), d + 1
}

// InboundWindow is InboundDays in entry times: first ≤ an entry's At < end.
func InboundWindow(at time.Time) (first, end int64) {
	f, l := InboundDays(at)
	if l+1 > math.MaxInt64/dayNS {
		return f * dayNS, math.MaxInt64
	}
	return f * dayNS, (l + 1) * dayNS
}
