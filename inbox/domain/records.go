// Package domain holds the inbox's records and the Store interface a storage engine implements
// for the inbox. It sits below package inbox (which re-exports the records) so that an engine
// (data/bolt, and next data/postgres) implements the interface without importing the
// application, and the application never imports an engine. Records are plain values with the
// enums routing defines; no storage key or layout appears here.
package domain

import (
	"fmt"
	"strings"
	"time"

	"switchboard/routing"
)

// Settings are the workspace settings as stored (and as the workspace document writes them).
type Settings struct {
	Plan                routing.Plan `json:"plan"`
	ContactOwnerRouting bool         `json:"contact_owner_routing"`
	RoundRobin          bool         `json:"round_robin"`
	DefaultTeam         string       `json:"default_team"`
	Rules               []Rule       `json:"rules"`
	// PresenceIdle is how long an operator whose status follows their SSH sessions stays
	// online without a key press before they are away (0: the default, 10 minutes).
	PresenceIdle Duration `json:"presence_idle,omitempty"`

	// Routing that knows who is there; each is off when absent (docs/routing.md).
	// OwnerAwayWait is "" (off) or a Go duration ("0s": a cover at once, "10m").
	OwnerAwayWait string `json:"owner_away_wait,omitempty"`
	// Hours are the working hours (nil: always open); Holiday stops round robin.
	Hours   *Hours `json:"hours,omitempty"`
	Holiday bool   `json:"holiday,omitempty"`
	// Assignment is "" or "round_robin", or "balanced".
	Assignment string `json:"assignment,omitempty"`
	// DefaultMaxOpen is the capacity of an operator without their own (0: no limit).
	DefaultMaxOpen int `json:"default_max_open,omitempty"`
}

// Hours are working hours: an IANA time zone and, per weekday, ranges "HH:MM-HH:MM". A day
// without ranges is closed, unless no day has any (always open).
type Hours struct {
	TZ  string   `json:"tz"`
	Mon []string `json:"mon,omitempty"`
	Tue []string `json:"tue,omitempty"`
	Wed []string `json:"wed,omitempty"`
	Thu []string `json:"thu,omitempty"`
	Fri []string `json:"fri,omitempty"`
	Sat []string `json:"sat,omitempty"`
	Sun []string `json:"sun,omitempty"`
}

// Day is the ranges of a weekday (time.Weekday numbering: 0 is Sunday).
func (h *Hours) Day(d int) *[]string {
	return [...]*[]string{&h.Sun, &h.Mon, &h.Tue, &h.Wed, &h.Thu, &h.Fri, &h.Sat}[d]
}

// Rule is an automation rule. To is "team:<id>", "operator:<id>" or "bot".
type Rule struct {
	Name    string          `json:"name"`
	Channel routing.Channel `json:"channel"` // "" for any
	Keyword string          `json:"keyword"`
	Tag     string          `json:"tag"`
	To      string          `json:"to"`
}

// Operator is a person.
type Operator struct {
	ID     string           `json:"id"`
	Name   string           `json:"name"`
	Role   routing.Role     `json:"role"`
	Status routing.Presence `json:"status"`
	// MaxOpen is how many open conversations round robin may give them (0: no limit); nil:
	// the workspace default (Settings.DefaultMaxOpen).
	MaxOpen *int `json:"max_open,omitempty"`
	// Keys are the SSH public keys that sign in as this operator (authorized_keys lines: type,
	// key, comment); a key belongs to one operator.
	Keys []string `json:"keys,omitempty"`
	// PresenceManual: the status was set by hand and stays until they set it back to
	// automatic; otherwise their SSH sessions decide it (online, away when idle, offline).
	PresenceManual bool `json:"presence_manual,omitempty"`
	// StatusSince and StatusWhy say when the status last changed and why ("set by hand", "no
	// key pressed for 10 minutes", …).
	StatusSince time.Time `json:"status_since,omitzero"`
	StatusWhy   string    `json:"status_why,omitempty"`
}

// Team is a team with ordered members.
type Team struct {
	ID      string   `json:"id"`
	Name    string   `json:"name"`
	Members []string `json:"members"`
}

// Contact is a customer: a stable id, and the WhatsApp identities it is found by. The id never
// changes (a contact first seen with a number keeps that number as its id when the number
// changes); the identities do.
type Contact struct {
	ID    string   `json:"id"`
	Name  string   `json:"name"`
	Owner string   `json:"owner,omitempty"`
	Tags  []string `json:"tags,omitempty"`
	// Phone is the customer's number in digits (wa_id), when they share it.
	Phone string `json:"phone,omitempty"`
	// BSUID is the business-scoped user id Meta gives the customer (US.13491208655302741918);
	// ParentBSUID the one shared across a portfolio's linked businesses (US.ENT.…).
	BSUID       string `json:"bsuid,omitempty"`
	ParentBSUID string `json:"parent_bsuid,omitempty"`
	// Username is the customer's WhatsApp username, for display only (users change it).
	Username string `json:"username,omitempty"`
	// PastPhones and PastBSUIDs are identities the customer used before a number change, oldest
	// first. A past BSUID still finds the contact; a past number does not (numbers are given to
	// other people).
	PastPhones []string `json:"past_phones,omitempty"`
	PastBSUIDs []string `json:"past_bsuids,omitempty"`
	// Aliases are the ids of contacts merged into this one (they still find it).
	Aliases []string `json:"aliases,omitempty"`
}

// Prompt is a pending team-mismatch decision.
type Prompt struct {
	Kind     routing.PromptKind `json:"kind"`
	Target   string             `json:"owner"`
	Team     string             `json:"team"`
	Choices  []string           `json:"choices"`
	RaisedBy string             `json:"raised_by"`
	At       time.Time          `json:"at"`
	// PrevOwner and PrevCover: the owner and cover before the owner change that raised it
	// (so the person can cancel it); PrevWhy and PrevWhyReason: the conversation's why before
	// it, which comes back when the decision ends with nothing changed (cancelled, or a
	// declined assignment).
	PrevOwner     string `json:"prev_owner,omitempty"`
	PrevCover     string `json:"prev_cover,omitempty"`
	PrevWhy       string `json:"prev_why,omitempty"`
	PrevWhyReason string `json:"prev_why_reason,omitempty"`
}

// Conversation is one contact's conversation.
type Conversation struct {
	Contact  string         `json:"contact"`
	Status   routing.Status `json:"status"`
	Assignee string         `json:"assignee,omitempty"`
	Team     string         `json:"team,omitempty"`
	BotHold  bool           `json:"bot_hold,omitempty"`
	Prompt   *Prompt        `json:"prompt,omitempty"`
	// Cover is the owner the assignee stands in for while the owner is away ("" for none; with
	// Bot, the owner a cover is still wanted for). A closed conversation keeps it as a record.
	Cover string `json:"cover,omitempty"`
	// Backlog: round robin could not give the conversation to anyone; it waits with Bot in its
	// team's backlog (while no team decision waits on it).
	Backlog bool `json:"backlog,omitempty"`
	// Version changes whenever the routing state (status, assignee, owner, team, prompt)
	// changes; a person's action names the version they saw.
	Version uint64 `json:"version"`
	// LastAt is the time of the latest timeline entry (unix nanoseconds): the list order.
	LastAt      int64     `json:"last_at"`
	Preview     string    `json:"preview,omitempty"`
	PreviewKind EntryKind `json:"preview_kind,omitempty"`
	Unread      int       `json:"unread,omitempty"`
	// Why is the explanation of the current assignment (the last routing note's sentence).
	Why       string `json:"why,omitempty"`
	WhyReason string `json:"why_reason,omitempty"`
	Seq       uint64 `json:"seq"` // timeline entries written so far
	// LastInbound is the time of the customer's latest message (unix nanoseconds; 0: none):
	// free-form replies are allowed for 24 hours after it. AppendEntry keeps it.
	LastInbound int64 `json:"last_inbound,omitempty"`
}

// Entry is one timeline entry: an inbound message or call, an outbound reply, or a system note.
type Entry struct {
	At       time.Time   `json:"at"`
	Kind     EntryKind   `json:"kind"`
	ID       string      `json:"id,omitempty"`
	By       string      `json:"by,omitempty"`
	Reason   string      `json:"reason,omitempty"`
	Text     string      `json:"text,omitempty"`
	Outcome  CallOutcome `json:"outcome,omitempty"`  // calls
	Duration int         `json:"duration,omitempty"` // calls: seconds
	Delivery Delivery    `json:"delivery,omitempty"` // replies
	// Messages: what else the payload carried.
	Media    *Media      `json:"media,omitempty"`    // the attachment (the text is its caption)
	Context  string      `json:"context,omitempty"`  // the id of the message this one answers
	Quote    string      `json:"quote,omitempty"`    // that message's text, when it was in the timeline
	Referral *Referral   `json:"referral,omitempty"` // the ad the customer came from
	Form     []FormField `json:"form,omitempty"`     // a WhatsApp Flow's submitted fields
	// Source of a reply: "" (sent from Switchboard) or "app" (sent from the WhatsApp Business
	// app on a phone, and echoed to us).
	Source string `json:"source,omitempty"`
	// Replies sent through the WhatsApp Cloud API: the message id WhatsApp gave (wamid), why
	// it failed (a sentence saying what to do, with the Graph error code and title), and the
	// template it was sent as (nil for free text).
	WAMID    string        `json:"wamid,omitempty"`
	Error    string        `json:"error,omitempty"`
	Template *TemplateSend `json:"template,omitempty"`
	Ref      EntryRef      `json:"-"` // where the entry is, set when it is read
}

// Media is a message's attachment.
type Media struct {
	Type     string `json:"type"`               // image, video, audio, sticker, document
	Filename string `json:"filename,omitempty"` // documents
	MimeType string `json:"mime_type,omitempty"`
	Error    string `json:"error,omitempty"` // why WhatsApp could not deliver it, when it could not
}

// Referral is the click-to-WhatsApp ad (or post) a message came from.
type Referral struct {
	Headline   string `json:"headline,omitempty"`
	Body       string `json:"body,omitempty"`
	SourceType string `json:"source_type,omitempty"` // ad, post
	SourceID   string `json:"source_id,omitempty"`
	SourceURL  string `json:"source_url,omitempty"`
	CtwaClid   string `json:"ctwa_clid,omitempty"`
}

// FormField is one answer of a submitted WhatsApp Flow.
type FormField struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// Notification is a message to one operator.
type Notification struct {
	Seq     uint64    `json:"seq"`
	To      string    `json:"to"`
	At      time.Time `json:"at"`
	Read    bool      `json:"read"`
	Text    string    `json:"text"`
	Contact string    `json:"contact,omitempty"`
}

// SettingChange is one entry of the settings history.
type SettingChange struct {
	Seq  uint64    `json:"seq"`
	Key  string    `json:"setting"`
	By   string    `json:"by"`
	At   time.Time `json:"at"`
	From string    `json:"from"`
	To   string    `json:"to"`
}

// EntryKind is what a timeline entry is.
type EntryKind string

const (
	KindMessage EntryKind = "message" // a customer's message
	KindCall    EntryKind = "call"    // a customer's call
	KindReply   EntryKind = "reply"   // a reply to the customer
	KindNote    EntryKind = "note"    // a system note (routing, a person's action, WhatsApp)
)

// CallOutcome is how a call went.
type CallOutcome string

const (
	CallRinging  CallOutcome = "ringing"
	CallAnswered CallOutcome = "answered"
	CallMissed   CallOutcome = "missed"
)

// Delivery is how far a reply got; a mark never moves backwards (queued, unknown and local are
// before every mark WhatsApp reports).
type Delivery string

const (
	// DeliveryLocal: kept in the workspace only; no WhatsApp number was configured when it was
	// written, so nothing was sent ("retry" sends it once one is).
	DeliveryLocal Delivery = "local"
	// DeliveryQueued: in the outbox, waiting to be sent (or being sent).
	DeliveryQueued Delivery = "queued"
	// DeliveryUnknown: it was sent, but the answer was lost (a timeout, a cut connection): it
	// may or may not have reached WhatsApp. It is sent again only if no status names it
	// within the outbox's wait.
	DeliveryUnknown   Delivery = "unknown"
	DeliverySent      Delivery = "sent"
	DeliveryDelivered Delivery = "delivered"
	DeliveryRead      Delivery = "read"
	DeliveryFailed    Delivery = "failed"
)

// EntryRef names one entry of one contact's timeline: its time (Unix nanoseconds) and its
// number in the conversation (the conversation's Seq when it was written). Entries are ordered
// by (At, Seq).
type EntryRef struct {
	Contact string
	At      int64
	Seq     uint64
}

// IsZero reports whether the ref names nothing.
func (r EntryRef) IsZero() bool { return r.Contact == "" }

// TemplateSend is a reply sent as an approved message template: its name, language and the
// values of its body's {{n}} parameters.
type TemplateSend struct {
	Name     string   `json:"name"`
	Language string   `json:"language"`
	Params   []string `json:"params,omitempty"`
}

// Template is an approved (or pending, rejected) message template of the WhatsApp Business
// Account, as `templates sync` read it: what the reply box and `reply --template` offer.
type Template struct {
	Name     string `json:"name"`
	Language string `json:"language"`
	Status   string `json:"status"`   // APPROVED, PENDING, REJECTED, …
	Category string `json:"category"` // UTILITY, MARKETING, AUTHENTICATION
	Body     string `json:"body"`     // the BODY component's text, with {{1}}, {{2}} …
	Params   int    `json:"params"`   // how many {{n}} the body has
}

// OutState is where a reply is in the outbox.
type OutState string

const (
	OutQueued  OutState = "queued"  // due at Due (a first try, or a retry after a transient error)
	OutSending OutState = "sending" // claimed by a sender at Since; its answer has not been recorded
	OutUnknown OutState = "unknown" // its answer was lost; resent at Due unless a status names it first
)

// Outgoing is a reply in the outbox: what a sender still has to do about it. The reply itself
// (its text, template, recipient) is the timeline entry its ID names.
type Outgoing struct {
	ID       string    `json:"id"` // the reply's id (sb.<contact>.<n>), which ExtID finds
	State    OutState  `json:"state"`
	Due      time.Time `json:"due"`            // when a sender may take it next
	Since    time.Time `json:"since,omitzero"` // when the last attempt began
	Attempts int       `json:"attempts"`       // attempts begun so far
	Queued   time.Time `json:"queued"`         // when it was first queued
	Last     string    `json:"last,omitempty"` // the last transient error, for `outbox`
	// Node is the process that claimed it, on a store several processes share ("" on one
	// process's file): another process recovers it only once that one is gone.
	Node string `json:"node,omitempty"`
}

// Timer is a durable timer: something the inbox does for a contact at a time (a call still
// ringing is marked missed, an away owner's wait runs out) or for the workspace (working hours
// start: Contact ""). Ref says what it is about, for its kind.
type Timer struct {
	Due     time.Time
	Kind    string
	Contact string
	Ref     string
}

// Duration is a length of time that reads and writes as Go's duration syntax ("10m", "90s",
// "1h30m") in the workspace document.
type Duration time.Duration

// String is the duration in Go's syntax without zero units ("10m", not "10m0s").
func (d Duration) String() string {
	s := time.Duration(d).String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// MarshalText writes the duration as String does.
func (d Duration) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText reads Go's duration syntax; a negative duration is refused.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return fmt.Errorf("%q is not a duration: use Go's syntax, like 10m, 90s or 1h30m", string(b))
	}
	if v < 0 {
		return fmt.Errorf("%q is negative", string(b))
	}
	*d = Duration(v)
	return nil
}
