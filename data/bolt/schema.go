// Package bolt is the embedded storage engine: a Switchboard workspace in one bbolt file, with a
// journal beside it that makes each commit durable with one fsync (journal.go) and an overlay in
// memory that checkpoints write into the file in the background (overlay.go, checkpoint.go). It
// implements the inbox's domain.Store (db.go) with transactions that keep every index and counter
// in step with the records (config, contacts and identities, conversations, index, timeline,
// notifications, timers), migrates older files (migrations.go) and checks a file before mapping
// it (check.go). It knows nothing of routing or permissions: the inbox decides, the engine
// stores. Only main (through package data) and tests import it.
//
// The schema (bucket tree; keys → values; "be64" is a big-endian uint64):
//
//	meta
//	  "magic"   → "switchboard"
//	  "journal" → 16 random bytes: the id the journal's segments carry (journal.go)
//	  "journal-lsn" → be64 the last commit a checkpoint wrote into the file
//	  "schema"  → be64 schema version (see migrations)
//	  "seq"     → be64 last id handed out by NextSeq (notifications, history, replies)
//	config
//	  "settings" → JSON Settings (plan, toggles, default team, automation rules)
//	  "templates" → JSON [Template] (the message templates last synced; schema 5)
//	operators    id → JSON Operator
//	teams        id → JSON Team (Pos orders the teams)
//	roundrobin   team id → JSON routing.RoundRobinState
//	history      be64 seq → JSON SettingChange (who flipped what, when)
//	contacts     contact id → JSON Contact (name, owner, tags, WhatsApp identities); an id is the
//	             number or BSUID the contact was first seen with, or "c.<seq>" (see data/identity.go)
//	names        lower(name) 0x00 contact id → nil, "@"+lower(username) 0x00 contact id → nil (search)
//	idents       'p' phone digits → contact id; 'b' BSUID → contact id; 'e' parent BSUID → contact id;
//	             'a' merged contact's id → contact id; 'u' lower(username) 0x00 contact id → nil
//	timeline     contact id 0x00 be64(at, unix ns) be64(seq) → JSON Entry          (time order)
//	             contact id 0x00 0xff → JSON Conversation (status, assignee, team, prompt,
//	                            version, last activity): after its entries, in their leaf page
//	             contact id 0x00 0xfe external id → be64(at) be64(seq) of the entry it stored
//	                            (the inbound ids of the contact's entries, listed beside them:
//	                            what goes with them when they move or are deleted; schema 7)
//	inbound      be32(day of the entry, UTC, from 1970) external id → timeline key (inbound
//	             message, call, call-end, echo and number change ids, found by the id and the
//	             day of the event that carries it, whichever contact's it is: a redelivery is a
//	             duplicate whichever identity of the customer it carries; schema 7, keyed by
//	             the id alone; by day since schema 8, so it grows at its end)
//	extids       reply id → timeline key (ids found by the id alone: delivery statuses)
//	idx          one bucket for every conversation index (one B+tree: an event moves one key):
//	  'c' status 0x00 team 0x00 assignee|"-" 0x00 be64(last activity) contact id → nil
//	                 (every list view: a view fixes some of status, team, assignee and merges the
//	                 ranges of the others, newest activity first; see List)
//	  'w' be64(last activity) contact id → nil                 (Waiting for a decision)
//	  'b' team 0x00 be64(last activity) contact id → nil       (a team's backlog, oldest first)
//	counts       view key → be64 count (live counts for the view tabs)
//	notes        operator id 0x00 be64 seq → JSON Notification
//	timers       be64(due, unix ns) kind 0x00 contact id 0x00 ref → nil (durable timers: a call
//	             still ringing after the ring timeout is marked missed, an away owner's wait,
//	             the start of working hours; see timers.go)
//	outbox       'r' reply id → JSON Outgoing (a reply still to be sent, or whose answer was lost)
//	             'd' be64(due, unix ns) reply id → nil (the order a sender takes them in)
//	wamids       wamid → reply id (the id WhatsApp gave a reply; unique; statuses find replies by it)
//	texts        contact id → the folded text (domain.Fold) of the contact's latest messages and
//	             replies, newest last, at most textsMax bytes (message text search; schema 6)
//
// contacts, names, timeline, extids, idx, wamids, texts and inbound also hold an empty nested bucket under the key 0xff
// (the marker; see growing), which keeps the root bucket in one page.
package bolt

import (
	bolt "go.etcd.io/bbolt"
)

const (
	magic = "switchboard"
	// SchemaVersion is the schema this code writes; migrations bring older files up to it.
	SchemaVersion = 8
)

var (
	bMeta       = []byte("meta")
	bConfig     = []byte("config")
	bOperators  = []byte("operators")
	bTeams      = []byte("teams")
	bRoundRobin = []byte("roundrobin")
	bHistory    = []byte("history")
	bContacts   = []byte("contacts")
	bNames      = []byte("names")
	bIdents     = []byte("idents")
	bConvs      = []byte("convs")
	bTimeline   = []byte("timeline")
	bExtIDs     = []byte("extids")
	bIdx        = []byte("idx")
	bCounts     = []byte("counts")
	bNotes      = []byte("notes")
	bTimers     = []byte("timers")
	bOutbox     = []byte("outbox")
	bWAMIDs     = []byte("wamids")
	bTexts      = []byte("texts")
	bInbound    = []byte("inbound")
)

// allBuckets are the buckets of the current schema; the overlay knows a bucket by its index here.
var allBuckets = [...][]byte{bMeta, bConfig, bOperators, bTeams, bRoundRobin, bHistory, bContacts, bNames,
	bIdents, bTimeline, bExtIDs, bIdx, bCounts, bNotes, bTimers, bOutbox, bWAMIDs, bTexts, bInbound}

// v1Indexes are schema 1's five index buckets, which schema 2 folds into idx:
// idx_activity be64(last) contact; idx_status status 0 be64(last) contact; idx_assignee
// assignee|"-" 0 status 0 be64(last) contact; idx_team team 0 status 0 be64(last) contact;
// idx_waiting be64(last) contact (all → nil).
var v1Indexes = [][]byte{[]byte("idx_activity"), []byte("idx_status"), []byte("idx_assignee"), []byte("idx_team"), []byte("idx_waiting")}

// growing are the buckets that grow with the traffic. Each holds an empty nested bucket under
// the key marker ("\xff", after every record), which keeps it out of line from the start: bbolt
// stores a small bucket without nested buckets inside its parent's page ("inline"), and when a
// new workspace's growing buckets are all small together their contents overflow the page of
// the root, which then splits into two leaves and a branch for good; every commit after that
// rewrites three pages of the root instead of one (measured: two pages of the fourteen an
// ingested event wrote). Code that walks these buckets skips the marker.
var growing = [][]byte{bContacts, bNames, bIdents, bTimeline, bExtIDs, bIdx, bWAMIDs, bTexts, bInbound}

var marker = []byte{0xff}

// bucketIndex is each bucket's index in allBuckets; isGrowing says which are growing.
var bucketIndex, isGrowing = func() (map[string]uint8, [len(allBuckets)]bool) {
	idx := map[string]uint8{}
	var grow [len(allBuckets)]bool
	for i, n := range allBuckets {
		idx[string(n)] = uint8(i)
	}
	for _, g := range growing {
		grow[idx[string(g)]] = true
	}
	return idx, grow
}()

func addMarkers(tx *bolt.Tx) error {
	for _, name := range growing {
		if b := tx.Bucket(name); b != nil && b.Bucket(marker) == nil {
			if _, err := b.CreateBucket(marker); err != nil {
				return err
			}
		}
	}
	return nil
}
