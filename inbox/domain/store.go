package domain

import (
	"context"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"time"

	"switchboard/routing"
)

// Store is what the inbox needs of a storage engine: transactions over the workspace's
// records. The inbox runs every command in one read-write transaction (Update) and every query
// in one read-only transaction (View); an engine gives each its isolation (bbolt: one writer,
// snapshot readers; a SQL engine: row locks and unique constraints). Nothing here names a key
// or a layout: lists and counts are asked for by meaning (Query, opaque cursors).
type Store interface {
	// Update runs fn in one read-write transaction, durable when Update returns nil. A fn that
	// returns an error leaves nothing behind. An engine that may have to run a transaction
	// again (a serialization failure) runs fn again from the start.
	Update(fn func(Tx) error) error
	// View runs fn in a read-only transaction: a consistent snapshot.
	View(fn func(ReadTx) error) error
	// Where names the workspace for messages (a file's path).
	Where() string
	// ReadOnly reports a store opened for reading only: every Update fails with ErrReadOnly.
	ReadOnly() bool
	Close() error
}

// ReadTx reads the workspace.
type ReadTx interface {
	Settings() (Settings, error)
	Operators() ([]Operator, error) // by id
	Teams() ([]Team, error)         // in workspace order
	RoundRobin() (map[string]routing.RoundRobinState, error)
	History() ([]SettingChange, error) // oldest first

	Contact(id string) (Contact, bool, error)
	// ContactByPhone finds the contact whose number is phone now (digits).
	ContactByPhone(phone string) (Contact, bool, error)
	// ContactByBSUID finds the contact with the business-scoped user id, now or before.
	ContactByBSUID(bsuid string) (Contact, bool, error)
	ContactByParentBSUID(parent string) (Contact, bool, error)
	// ContactByAlias finds the contact another contact with the id was merged into.
	ContactByAlias(id string) (Contact, bool, error)
	// ContactsByUsername returns the ids of the contacts with the username (any case).
	ContactsByUsername(username string) []string
	// Contacts calls fn for every contact in id order until fn returns false.
	Contacts(fn func(Contact) bool) error
	// SearchContacts returns up to limit ids of contacts whose name or @username contains q
	// (any case), whose number starts with q's digits, or whose BSUID starts with q.
	SearchContacts(q string, limit int) ([]string, error)
	// FindContacts is the inbox's search: numbers (q's digits starting the number, or inside it
	// from four digits on), business-scoped ids, names and @usernames, and the text of each
	// contact's latest messages and replies, names and text compared folded (Fold). It counts
	// every match and returns those from offset on, up to limit (numbers and ids first, then
	// names, then message text). It stops with ctx's error once ctx is done: a search the next
	// keystroke replaced does not go on reading a million contacts.
	FindContacts(ctx context.Context, q string, offset, limit int) (ContactHits, error)

	Conversation(contact string) (Conversation, bool, error)
	// Conversations calls fn for every conversation in contact id order.
	Conversations(fn func(Conversation) error) error
	// List returns up to limit conversations of the query in its order, after the cursor (""
	// for the first page), skipping those keep rejects (nil keeps all); next is "" on the last
	// page. A cursor is ListCursor's encoding.
	List(q Query, cursor string, limit int, keep func(*Conversation) bool) (out []Conversation, next string, err error)
	// CountAfter counts the conversations of the query after the cursor ("" : all of them).
	CountAfter(q Query, cursor string, keep func(*Conversation) bool) (int, error)
	// Count counts the conversations of the query: for the queries screens show counts of
	// (all, a status, a status and an assignee or a team, waiting) at the same cost for ten
	// conversations or a million.
	Count(q Query) (int, error)

	// Timeline returns up to limit entries of the contact's conversation in time order: the
	// newest before the cursor ("" for the newest). prev is the cursor of the page before.
	Timeline(contact, cursor string, limit int) (out []Entry, prev string, err error)
	Entry(ref EntryRef) (Entry, bool, error)
	// InboundByID finds the entry an inbound id was stored with (a message, call or call end id,
	// an echo's or a number change's id), whichever contact's timeline it is in, for an event at
	// the time: WhatsApp's ids are unique, so this is what makes a redelivery a duplicate, whatever
	// identity of the customer it comes with. It finds an entry of the days InboundDays gives
	// (the event's UTC day, the one before and the one after), and no other: a redelivery
	// carries its event's own time, and the index is kept by day so that it grows at its end.
	InboundByID(id string, at time.Time) (EntryRef, bool)
	// InboundID finds the entry of the contact's timeline an inbound id was stored with, of any
	// day (a message the contact's own message or reply answers, however old).
	InboundID(contact, id string) (EntryRef, bool)
	// ExtID finds the entry an id found by the id alone was stored with (a reply's id).
	ExtID(id string) (EntryRef, bool)

	Notifications(operator string, all bool) ([]Notification, error) // newest first
	AllNotifications(fn func(Notification) error) error

	// Outbox finds a reply's outbox record by the reply's id.
	Outbox(id string) (Outgoing, bool, error)
	// DueOutbox returns up to limit outbox records due at or before now, the earliest first.
	DueOutbox(now time.Time, limit int) ([]Outgoing, error)
	// NextOutbox is when the earliest outbox record is due.
	NextOutbox() (time.Time, bool)
	// OutboxItems calls fn for every outbox record, the earliest due first.
	OutboxItems(fn func(Outgoing) error) error
	// ReplyOfWAMID finds the reply id a WhatsApp message id (wamid) was stored for.
	ReplyOfWAMID(wamid string) (string, bool)
	// Templates are the message templates last synced, by name and language.
	Templates() ([]Template, error)

	// NextTimer is when the earliest timer is due.
	NextTimer() (time.Time, bool)
	// DueTimers returns up to limit timers due at or before now, earliest first.
	DueTimers(now time.Time, limit int) ([]Timer, error)

	// IsEmpty reports a workspace with no operators, teams, contacts or conversations.
	IsEmpty() bool
}

// Tx reads and writes the workspace. Every write keeps the store's own indexes, counters and
// constraints in step with the records.
type Tx interface {
	ReadTx
	// NextSeq hands out the next workspace-wide sequence number.
	NextSeq() (uint64, error)

	PutSettings(Settings) error
	PutOperator(Operator) error
	DeleteOperator(id string) error
	PutTeam(Team) error // a new team goes last in the order
	DeleteTeam(id string) error
	PutRoundRobin(team string, st routing.RoundRobinState) error
	AddHistory(SettingChange) (SettingChange, error)

	// PutContact stores a contact with its identities; an identity another contact has is
	// refused with *IdentityTaken.
	PutContact(Contact) error
	// DeleteContact removes a contact and all of its conversation; it reports whether it existed.
	DeleteContact(id string) (bool, error)

	// PutConversation stores a conversation.
	PutConversation(Conversation) error
	// AppendEntry writes an entry of the conversation (advancing its Seq and LastAt, and for a
	// customer's message its LastInbound, which the caller then stores with PutConversation)
	// and returns where it is. Its time must be a ValidTime.
	AppendEntry(c *Conversation, e Entry) (EntryRef, error)
	// PutEntry rewrites an entry (a delivery mark, a call's outcome).
	PutEntry(ref EntryRef, e Entry) error
	// PutInboundID records the entry of the contact's timeline an inbound id was stored with.
	// Stored again for another entry of the same day (another contact's too), or for another
	// entry of the same contact, the id names that one from then on; an id stored for two
	// contacts' entries of days far apart (which a redelivery, carrying its event's time, never
	// is) names each in its own day.
	PutInboundID(contact, id string, ref EntryRef) error
	PutExtID(id string, ref EntryRef) error
	// MoveTimeline moves every entry of from's conversation into into's (in time order among
	// its own; into's Seq and LastAt advance and the caller stores it), with their inbound and
	// reply ids, and deletes from's conversation. It reports whether from had one.
	MoveTimeline(from string, into *Conversation) (bool, error)

	AddNotification(Notification) (Notification, error)
	PutNotification(Notification) error
	DeleteNotifications(operator string) error

	PutTimer(Timer) error
	DeleteTimer(Timer) error

	// PutOutbox stores a reply's outbox record (replacing the one with its ID, due when it
	// says); DeleteOutbox removes it (nothing when there is none).
	PutOutbox(Outgoing) error
	DeleteOutbox(id string) error
	// PutWAMID records the wamid WhatsApp gave a reply. A wamid is unique: one already stored
	// for another reply is refused with *WAMIDTaken (the same pair again is no error).
	PutWAMID(wamid, id string) error
	// PutTemplates replaces the synced message templates.
	PutTemplates([]Template) error

	// Clear empties the workspace (an import that replaces it).
	Clear() error
}

// SharedTx is what the transactions of a store that several processes write at once (a
// database server) add: the inbox keeps the configuration, the round-robin memory and each
// operator's load in memory, and asks at the start of each transaction whether another process
// changed them since (then it reads them again, in the transaction), and hands over the events
// of its commit for the other processes' screens.
type SharedTx interface {
	// Generation counts the commits that changed what the inbox keeps in memory, as this
	// transaction sees it (its own changes included).
	Generation() (uint64, error)
	// Announce adds what the transaction's commit did (the inbox's events, encoded) for the
	// other processes; they receive it once the transaction commits, never if it does not.
	Announce(payload []byte)
	// PutAttendance replaces this process's record of who has live sessions on it (by
	// operator), stamped now: what the other processes count as sessions elsewhere.
	PutAttendance(ops map[string]Attending) error
	// Attendance is what the other processes recorded within the last ttl, summed by operator
	// (sessions added, the latest key press).
	Attendance(ttl time.Duration) (map[string]Attending, error)
	// Node names this process among those that share the store.
	Node() string
	// NodesAlive are the processes whose last PutAttendance was within ttl.
	NodesAlive(ttl time.Duration) (map[string]bool, error)
}

// Attending is an operator's live sessions on one process (or several): how many, and their
// latest key press.
type Attending struct {
	Sessions int
	Last     time.Time
}

// Shared is a store several processes write at once. Listen calls fn with every payload other
// processes announced, in commit order, from now until ctx ends (after a lost connection it
// catches up on what it missed); gap is called instead when it may have missed some (too long
// away): the inbox then reloads everything.
type Shared interface {
	Listen(ctx context.Context, fn func(payload []byte), gap func()) error
}

// Query names a list of conversations, by meaning: those waiting for a team decision, those in
// a backlog (of the team it fixes, or of every team), or those whose status, team and assignee
// equal the fields it fixes (nil: any), newest activity first or oldest first.
type Query struct {
	Waiting bool
	// Backlog: the conversations waiting in a team's backlog (Conversation.InBacklog: marked
	// Backlog, open, with Bot, no team decision waiting); Team narrows it to one team.
	Backlog     bool
	Status      *routing.Status
	Team        *string
	Assignee    *string // "" for none, "bot" for Bot
	OldestFirst bool
}

// WithStatus, WithTeam and WithAssignee narrow the query (not a Waiting one).
func (q Query) WithStatus(s routing.Status) Query { q.Status = &s; return q }
func (q Query) WithTeam(t string) Query           { q.Team = &t; return q }
func (q Query) WithAssignee(a string) Query       { q.Assignee = &a; return q }

// Reversed is the same list in the other order.
func (q Query) Reversed() Query { q.OldestFirst = !q.OldestFirst; return q }

func (q Query) String() string {
	if q.Waiting {
		return "waiting"
	}
	if q.Backlog {
		if q.Team != nil {
			return "backlog team=" + *q.Team
		}
		return "backlog"
	}
	f := func(name string, p *string) string {
		if p == nil {
			return name + "=*"
		}
		return name + "=" + *p
	}
	var st *string
	if q.Status != nil {
		s := string(*q.Status)
		st = &s
	}
	return f("status", st) + " " + f("team", q.Team) + " " + f("assignee", q.Assignee)
}

// InBacklog reports whether the conversation waits in its team's backlog (what Query.Backlog
// lists): round robin could not give it to anyone, it is open with Bot, and no team decision
// waits on it.
func (c *Conversation) InBacklog() bool {
	return c.Backlog && c.Prompt == nil && c.Status == routing.StatusOpen && c.Assignee == routing.Bot
}

// ListCursor is a position in every list a conversation is in: its last activity and its
// contact id. Its encoding is what List and CountAfter take and give (opaque to callers).
type ListCursor struct {
	LastAt  int64
	Contact string
}

// Encode writes the cursor as an opaque string.
func (c ListCursor) Encode() string {
	b := binary.BigEndian.AppendUint64(nil, uint64(c.LastAt))
	return base64.RawURLEncoding.EncodeToString(append(b, c.Contact...))
}

// CursorOf is the position of a conversation in every list it is in.
func CursorOf(c Conversation) string { return ListCursor{c.LastAt, c.Contact}.Encode() }

// DecodeListCursor reads a list cursor.
func DecodeListCursor(s string) (ListCursor, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(b) < 8 {
		return ListCursor{}, fmt.Errorf("invalid page cursor %q; pass the cursor a previous page returned", s)
	}
	return ListCursor{int64(binary.BigEndian.Uint64(b)), string(b[8:])}, nil
}

// EntryCursor is a position in a timeline: an entry's time and number.
type EntryCursor struct {
	At  int64
	Seq uint64
}

// Encode writes the cursor as an opaque string.
func (c EntryCursor) Encode() string {
	b := binary.BigEndian.AppendUint64(nil, uint64(c.At))
	return base64.RawURLEncoding.EncodeToString(binary.BigEndian.AppendUint64(b, c.Seq))
}

// DecodeEntryCursor reads a timeline cursor. A cursor past every entry (a time beyond the
// range, as a crafted one may be) reads as the newest page.
func DecodeEntryCursor(s string) (c EntryCursor, past bool, err error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(b) < 8 {
		return EntryCursor{}, false, fmt.Errorf("invalid page cursor %q; pass the cursor a previous page returned", s)
	}
	if b[0] >= 0x80 {
		return EntryCursor{}, true, nil
	}
	c.At = int64(binary.BigEndian.Uint64(b))
	if len(b) >= 16 {
		c.Seq = binary.BigEndian.Uint64(b[8:16])
	}
	return c, false, nil
}

// ValidTime reports whether a timeline can hold an entry at t: the inbox keeps times as Unix
// nanoseconds from 1970 on, so from 1970 to 2262.
func ValidTime(t time.Time) bool {
	return !t.Before(time.Unix(0, 0)) && t.Before(time.Unix(0, math.MaxInt64))
}

// IdentityTaken is the error of a write that would give one identity to two contacts.
type IdentityTaken struct {
	Kind, Value, Contact, Other string
}

func (e *IdentityTaken) Error() string {
	return fmt.Sprintf("%s %s of contact %s belongs to contact %s already", e.Kind, e.Value, e.Contact, e.Other)
}

// WAMIDTaken is the error of storing a wamid that another reply has already.
type WAMIDTaken struct {
	WAMID, ID, Other string
}

func (e *WAMIDTaken) Error() string {
	return fmt.Sprintf("wamid %s of reply %s belongs to reply %s already", e.WAMID, e.ID, e.Other)
}

// Errors an engine returns (wrapped, with errors.Is).
var (
	// ErrReadOnly: the store was opened for reading only.
	ErrReadOnly = errors.New("the workspace is open read-only")
	// ErrTooLarge: a value (an id, a name) is longer than the engine can keep.
	ErrTooLarge = errors.New("a value is too large to store")
	// ErrRetry: the transaction lost to another one running at the same time (a store several
	// processes write: a serialization failure, a deadlock, a unique key taken at the same
	// moment) and nothing of it was kept; the caller runs it again from fresh state.
	ErrRetry = errors.New("the transaction conflicted with another one and was rolled back")
	// ErrUnknownOutcome: the connection to the store was lost during the commit and the store
	// could not find out afterwards whether it landed; the caller must not run it again blindly.
	ErrUnknownOutcome = errors.New("the store did not confirm the commit: it may or may not have landed")
)
