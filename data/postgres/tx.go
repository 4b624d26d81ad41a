package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"switchboard/inbox/domain"
	"switchboard/routing"
)

type (
	Settings      = domain.Settings
	Operator      = domain.Operator
	Team          = domain.Team
	Contact       = domain.Contact
	Conversation  = domain.Conversation
	Entry         = domain.Entry
	EntryRef      = domain.EntryRef
	Notification  = domain.Notification
	SettingChange = domain.SettingChange
	Timer         = domain.Timer
	Query         = domain.Query
)

// Tx is a transaction on the workspace: the engine's domain.Tx.
type Tx struct {
	ctx      context.Context
	tx       pgx.Tx
	db       *DB
	writable bool
	// err is the first error of a method whose signature cannot say it (ContactsByUsername,
	// InboundID, …): the transaction fails with it.
	err error
	// bumped: this transaction moved the generation already; gen is the generation as it
	// sees it, once read (genRead)
	bumped  bool
	gen     uint64
	genRead bool
	events  [][]byte
	// lost is the first error that means another transaction won (the whole transaction is
	// then void, whatever the caller made of the error): Update reports domain.ErrRetry
	lost error
	// pending are writes whose answer nothing waits for (an entry, an inbound id, a
	// conversation's row, counters, events): sent together, in one round trip, before the next
	// read and before the commit (later, flush)
	pending []queued
	// placed is where each conversation this transaction read or wrote stands (its columns),
	// so writing it does not read it again
	placed map[string]*placement
	// convs are conversation records read ahead (with the contact an identity named, in the
	// same round trip, locked the same way) or written by this transaction: Conversation reads
	// them here (nil: there is none)
	convs map[string][]byte
}

type queued struct {
	sql  string
	args []any
}

// later queues a write for the next flush (in a read-only transaction, or one whose answer
// matters, use exec).
func (t *Tx) later(sql string, args ...any) error {
	if !t.writable {
		return t.exec(sql, args...)
	}
	t.pending = append(t.pending, queued{sql, args})
	return nil
}

// flush sends the queued writes in one batch; the first error fails the transaction.
func (t *Tx) flush() error {
	if len(t.pending) == 0 {
		return nil
	}
	var b pgx.Batch
	for _, q := range t.pending {
		b.Queue(q.sql, q.args...)
	}
	t.pending = nil
	raw := t.tx.(*watched).Tx
	br := raw.SendBatch(t.ctx, &b)
	var first error
	for i := 0; i < b.Len(); i++ {
		if _, err := br.Exec(); err != nil && first == nil {
			first = err
		}
	}
	if err := br.Close(); err != nil && first == nil {
		first = err
	}
	if first != nil {
		if t.lost == nil && lostTo(first) {
			t.lost = first
		}
		t.fail(first)
	}
	return first
}

var (
	_ domain.Tx       = (*Tx)(nil)
	_ domain.SharedTx = (*Tx)(nil)
)

func (t *Tx) fail(err error) {
	if err != nil && t.err == nil {
		t.err = err
	}
}

func (t *Tx) exec(sql string, args ...any) error {
	_, err := t.tx.Exec(t.ctx, sql, args...)
	return err
}

// forUpdate locks the rows a writable transaction reads to decide.
func (t *Tx) forUpdate() string {
	if t.writable {
		return " FOR UPDATE"
	}
	return ""
}

// clean makes a text column's value storable: valid UTF-8, no NUL (PostgreSQL's text holds
// neither; the records themselves are kept whole, in bytea).
func clean(s string) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	return strings.ReplaceAll(s, "\x00", "")
}

func marshal(v any) ([]byte, error) { return json.Marshal(v) }

func unmarshal(what string, raw []byte, v any) error {
	if err := json.Unmarshal(raw, v); err != nil {
		return fmt.Errorf("damaged %s: %w", what, err)
	}
	return nil
}

// one reads one bytea record into v; false when there is none.
func (t *Tx) one(what, sql string, v any, args ...any) (bool, error) {
	var raw []byte
	err := t.tx.QueryRow(t.ctx, sql, args...).Scan(&raw)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return true, unmarshal(what, raw, v)
}

// each calls fn with every bytea record the query gives. The rows are read first and fn called
// after, so fn may query the transaction itself (one connection runs one query at a time).
func each(t *Tx, what, sql string, fn func(raw []byte) (bool, error), args ...any) error {
	rows, err := t.tx.Query(t.ctx, sql, args...)
	if err != nil {
		return err
	}
	var all [][]byte
	for rows.Next() {
		var raw []byte
		if err := rows.Scan(&raw); err != nil {
			rows.Close()
			return err
		}
		all = append(all, raw)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, raw := range all {
		more, err := fn(raw)
		if err != nil || !more {
			return err
		}
	}
	return nil
}

// pages calls fn with every record of a table in key order, a page at a time (a table may hold
// a million), each page read before fn sees it.
func pages(t *Tx, what, table, key string, fn func(raw []byte) (bool, error)) error {
	after := ""
	first := true
	for {
		var sql string
		var args []any
		if first {
			sql = fmt.Sprintf(`SELECT %s, doc FROM %s ORDER BY %s LIMIT %d`, key, table, key, pageSize)
		} else {
			sql = fmt.Sprintf(`SELECT %s, doc FROM %s WHERE %s > $1 ORDER BY %s LIMIT %d`, key, table, key, key, pageSize)
			args = []any{after}
		}
		rows, err := t.tx.Query(t.ctx, sql, args...)
		if err != nil {
			return err
		}
		var keys []string
		var docs [][]byte
		for rows.Next() {
			var k string
			var raw []byte
			if err := rows.Scan(&k, &raw); err != nil {
				rows.Close()
				return err
			}
			keys, docs = append(keys, k), append(docs, raw)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, raw := range docs {
			more, err := fn(raw)
			if err != nil || !more {
				return err
			}
		}
		if len(keys) < pageSize {
			return nil
		}
		after, first = keys[len(keys)-1], false
	}
}

const pageSize = 1000

// bump moves the generation: this commit changes what the inbox keeps in memory.
func (t *Tx) bump() error {
	if t.bumped {
		return nil
	}
	var v int64
	if err := t.tx.QueryRow(t.ctx, `UPDATE sb_meta SET v = v + 1 WHERE k = 'generation' RETURNING v`).Scan(&v); err != nil {
		return err
	}
	t.bumped, t.gen, t.genRead = true, uint64(v), true
	return nil
}

// Generation counts the commits that changed what the inbox keeps in memory, as this
// transaction sees it (its own change included).
func (t *Tx) Generation() (uint64, error) {
	if t.genRead {
		return t.gen, nil
	}
	var v int64
	if err := t.tx.QueryRow(t.ctx, `SELECT v FROM sb_meta WHERE k = 'generation'`).Scan(&v); err != nil {
		return 0, err
	}
	t.gen, t.genRead = uint64(v), true
	return t.gen, nil
}

// Announce keeps a payload for sb_events, written with the commit.
func (t *Tx) Announce(payload []byte) { t.events = append(t.events, payload) }

func (t *Tx) flushEvents() error {
	if len(t.events) == 0 {
		return nil
	}
	// the events and the wake-up in one statement, sent with the other queued writes
	return t.later(`WITH e AS (INSERT INTO sb_events (node, payload) SELECT $1, unnest($2::bytea[])) SELECT pg_notify('sb_events', $1)`,
		t.db.node, t.events)
}

// NextSeq hands out the next workspace-wide sequence number.
func (t *Tx) NextSeq() (uint64, error) {
	var n int64
	err := t.tx.QueryRow(t.ctx, `SELECT nextval('sb_seq')`).Scan(&n)
	return uint64(n), err
}

// ---- configuration ----

func (t *Tx) Settings() (Settings, error) {
	var s Settings
	_, err := t.one("settings", `SELECT doc FROM sb_config WHERE k = 'settings'`, &s)
	return s, err
}

func (t *Tx) putConfig(k string, v any) error {
	raw, err := marshal(v)
	if err != nil {
		return err
	}
	return t.exec(`INSERT INTO sb_config VALUES ($1, $2) ON CONFLICT (k) DO UPDATE SET doc = EXCLUDED.doc`, k, raw)
}

func (t *Tx) PutSettings(s Settings) error {
	if err := t.bump(); err != nil {
		return err
	}
	return t.putConfig("settings", s)
}

func (t *Tx) Operators() ([]Operator, error) {
	var out []Operator
	err := each(t, "operator", `SELECT doc FROM sb_operators ORDER BY id`, func(raw []byte) (bool, error) {
		var o Operator
		if err := unmarshal("operator", raw, &o); err != nil {
			return false, err
		}
		out = append(out, o)
		return true, nil
	})
	return out, err
}

func (t *Tx) PutOperator(o Operator) error {
	raw, err := marshal(o)
	if err != nil {
		return err
	}
	if err := t.bump(); err != nil {
		return err
	}
	return t.exec(`INSERT INTO sb_operators VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET doc = EXCLUDED.doc`, o.ID, raw)
}

func (t *Tx) DeleteOperator(id string) error {
	if err := t.bump(); err != nil {
		return err
	}
	return t.exec(`DELETE FROM sb_operators WHERE id = $1`, id)
}

func (t *Tx) Teams() ([]Team, error) {
	var out []Team
	err := each(t, "team", `SELECT doc FROM sb_teams ORDER BY pos, id`, func(raw []byte) (bool, error) {
		var tm Team
		if err := unmarshal("team", raw, &tm); err != nil {
			return false, err
		}
		out = append(out, tm)
		return true, nil
	})
	return out, err
}

// PutTeam stores a team; a new one goes last in the order.
func (t *Tx) PutTeam(tm Team) error {
	raw, err := marshal(tm)
	if err != nil {
		return err
	}
	if err := t.bump(); err != nil {
		return err
	}
	return t.exec(`INSERT INTO sb_teams VALUES ($1, (SELECT coalesce(max(pos), 0) + 1 FROM sb_teams), $2)
		ON CONFLICT (id) DO UPDATE SET doc = EXCLUDED.doc`, tm.ID, raw)
}

// DeleteTeam removes a team and its round-robin memory.
func (t *Tx) DeleteTeam(id string) error {
	if err := t.bump(); err != nil {
		return err
	}
	if err := t.exec(`DELETE FROM sb_round_robin WHERE team = $1`, id); err != nil {
		return err
	}
	return t.exec(`DELETE FROM sb_teams WHERE id = $1`, id)
}

// RoundRobin returns every team's round-robin memory (locked in a writable transaction: a
// pick reads it to decide).
func (t *Tx) RoundRobin() (map[string]routing.RoundRobinState, error) {
	out := map[string]routing.RoundRobinState{}
	rows, err := t.tx.Query(t.ctx, `SELECT team, doc FROM sb_round_robin ORDER BY team`+t.forUpdate())
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var team string
		var raw []byte
		if err := rows.Scan(&team, &raw); err != nil {
			return nil, err
		}
		var st routing.RoundRobinState
		if err := unmarshal("round-robin memory", raw, &st); err != nil {
			return nil, err
		}
		out[team] = st
	}
	return out, rows.Err()
}

func (t *Tx) PutRoundRobin(team string, st routing.RoundRobinState) error {
	raw, err := marshal(st)
	if err != nil {
		return err
	}
	if err := t.bump(); err != nil {
		return err
	}
	return t.exec(`INSERT INTO sb_round_robin VALUES ($1, $2) ON CONFLICT (team) DO UPDATE SET doc = EXCLUDED.doc`, team, raw)
}

func (t *Tx) AddHistory(c SettingChange) (SettingChange, error) {
	seq, err := t.NextSeq()
	if err != nil {
		return c, err
	}
	c.Seq = seq
	raw, err := marshal(c)
	if err != nil {
		return c, err
	}
	return c, t.exec(`INSERT INTO sb_history VALUES ($1, $2)`, int64(seq), raw)
}

func (t *Tx) History() ([]SettingChange, error) {
	var out []SettingChange
	err := each(t, "settings history entry", `SELECT doc FROM sb_history ORDER BY seq`, func(raw []byte) (bool, error) {
		var c SettingChange
		if err := unmarshal("settings history entry", raw, &c); err != nil {
			return false, err
		}
		out = append(out, c)
		return true, nil
	})
	return out, err
}

// ---- contacts ----

func (t *Tx) Contact(id string) (Contact, bool, error) {
	var c Contact
	ok, err := t.one("contact", `SELECT doc FROM sb_contacts WHERE id = $1`+t.forUpdate(), &c, id)
	return c, ok, err
}

// identity kinds (sb_idents.kind), and what an error calls them
const (
	identPhone  = "p"
	identBSUID  = "b"
	identParent = "e"
	identAlias  = "a"
)

var identNames = map[string]string{identPhone: "phone", identBSUID: "BSUID", identParent: "parent BSUID", identAlias: "id"}

type ident struct{ kind, value string }

// uniqueIdents are the identities that name the contact alone.
func uniqueIdents(c *Contact) []ident {
	var out []ident
	if c.Phone != "" {
		out = append(out, ident{identPhone, c.Phone})
	}
	if c.BSUID != "" {
		out = append(out, ident{identBSUID, c.BSUID})
	}
	for _, b := range c.PastBSUIDs {
		if b != "" && b != c.BSUID {
			out = append(out, ident{identBSUID, b})
		}
	}
	if c.ParentBSUID != "" {
		out = append(out, ident{identParent, c.ParentBSUID})
	}
	for _, a := range c.Aliases {
		if a != "" {
			out = append(out, ident{identAlias, a})
		}
	}
	return out
}

// searchNames are what search finds the contact by: its name (when it has one, or no username)
// and its @username, lower case.
func searchNames(c *Contact) []string {
	var out []string
	if c.Name != "" || c.Username == "" {
		out = append(out, clean(strings.ToLower(c.Name)))
	}
	if c.Username != "" {
		out = append(out, clean(strings.ToLower("@"+c.Username)))
	}
	return out
}

// PutContact stores a contact with its identities and search names; an identity another
// contact has is refused with *IdentityTaken.
func (t *Tx) PutContact(c Contact) error {
	ids := uniqueIdents(&c)
	for _, id := range ids {
		var other string
		err := t.tx.QueryRow(t.ctx, `SELECT contact FROM sb_idents WHERE kind = $1 AND value = $2`, id.kind, clean(id.value)).Scan(&other)
		if err == nil && other != c.ID {
			return &domain.IdentityTaken{Kind: identNames[id.kind], Value: id.value, Contact: c.ID, Other: other}
		}
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
	}
	raw, err := marshal(c)
	if err != nil {
		return err
	}
	if err := t.exec(`INSERT INTO sb_contacts VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET doc = EXCLUDED.doc`, c.ID, raw); err != nil {
		return err
	}
	if err := t.exec(`DELETE FROM sb_idents WHERE contact = $1`, c.ID); err != nil {
		return err
	}
	for _, id := range ids {
		if err := t.exec(`INSERT INTO sb_idents VALUES ($1, $2, $3)`, id.kind, clean(id.value), c.ID); err != nil {
			return err
		}
	}
	if err := t.exec(`DELETE FROM sb_usernames WHERE contact = $1`, c.ID); err != nil {
		return err
	}
	if c.Username != "" {
		if err := t.exec(`INSERT INTO sb_usernames VALUES ($1, $2) ON CONFLICT DO NOTHING`, clean(strings.ToLower(c.Username)), c.ID); err != nil {
			return err
		}
	}
	if err := t.exec(`DELETE FROM sb_names WHERE contact = $1`, c.ID); err != nil {
		return err
	}
	for _, n := range searchNames(&c) {
		if err := t.exec(`INSERT INTO sb_names VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`, n, c.ID, clean(domain.Fold(n))); err != nil {
			return err
		}
	}
	return nil
}

func (t *Tx) byIdent(kind, value string) (Contact, bool, error) {
	if value == "" {
		return Contact{}, false, nil
	}
	// the identity and its contact in one round trip (the contact's row locked in a writable
	// transaction, as Contact does)
	if !t.writable {
		var c Contact
		ok, err := t.one("contact", `SELECT c.doc FROM sb_idents i JOIN sb_contacts c ON c.id = i.contact WHERE i.kind = $1 AND i.value = $2`,
			&c, kind, clean(value))
		return c, ok, err
	}
	// a command that finds a contact by an identity goes on to its conversation (an inbound
	// message, a call): it is read ahead in the same round trip, locked as Conversation locks it
	rows, err := t.tx.Query(t.ctx, `SELECT c.id, c.doc, v.doc FROM sb_idents i JOIN sb_contacts c ON c.id = i.contact
		LEFT JOIN LATERAL (SELECT doc FROM sb_conversations WHERE contact = c.id FOR UPDATE) v ON true
		WHERE i.kind = $1 AND i.value = $2 FOR UPDATE OF c`, kind, clean(value))
	if err != nil {
		return Contact{}, false, err
	}
	defer rows.Close()
	if !rows.Next() {
		return Contact{}, false, rows.Err()
	}
	var id string
	var craw, vraw []byte
	if err := rows.Scan(&id, &craw, &vraw); err != nil {
		return Contact{}, false, err
	}
	var c Contact
	if err := unmarshal("contact", craw, &c); err != nil {
		return Contact{}, false, err
	}
	if t.convs == nil {
		t.convs = map[string][]byte{}
	}
	t.convs[id] = vraw // nil: no conversation
	return c, true, nil
}

func (t *Tx) ContactByPhone(p string) (Contact, bool, error)       { return t.byIdent(identPhone, p) }
func (t *Tx) ContactByBSUID(b string) (Contact, bool, error)       { return t.byIdent(identBSUID, b) }
func (t *Tx) ContactByParentBSUID(p string) (Contact, bool, error) { return t.byIdent(identParent, p) }
func (t *Tx) ContactByAlias(id string) (Contact, bool, error)      { return t.byIdent(identAlias, id) }

func (t *Tx) ContactsByUsername(u string) []string {
	rows, err := t.tx.Query(t.ctx, `SELECT contact FROM sb_usernames WHERE username = $1 ORDER BY contact`, clean(strings.ToLower(u)))
	if err != nil {
		t.fail(err)
		return nil
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[string])
	t.fail(err)
	return out
}

func (t *Tx) Contacts(fn func(Contact) bool) error {
	return pages(t, "contact", "sb_contacts", "id", func(raw []byte) (bool, error) {
		var c Contact
		if err := unmarshal("contact", raw, &c); err != nil {
			return false, err
		}
		return fn(c), nil
	})
}

// likePrefix is a LIKE pattern for what starts with s.
func likePrefix(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return r.Replace(s) + "%"
}

// SearchContacts: numbers and BSUIDs first (by prefix), then names and @usernames that contain
// q, in the order of the names.
func (t *Tx) SearchContacts(q string, limit int) ([]string, error) {
	orig := q
	q = strings.ToLower(strings.TrimSpace(q))
	var out []string
	seen := map[string]bool{}
	add := func(sql string, args ...any) error {
		if len(out) >= limit {
			return nil
		}
		rows, err := t.tx.Query(t.ctx, sql, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() && len(out) < limit {
			var id string
			if err := rows.Scan(&id); err != nil {
				return err
			}
			if !seen[id] {
				seen[id] = true
				out = append(out, id)
			}
		}
		return rows.Err()
	}
	sq := domain.ParseSearch(orig) // the number and the business-scoped id, read as every search reads them
	if digits := sq.Digits; digits != "" {
		if err := add(`SELECT contact FROM sb_idents WHERE kind = 'p' AND value LIKE $1 ORDER BY value LIMIT $2`, likePrefix(digits), limit); err != nil {
			return nil, err
		}
	}
	if raw := sq.BSUID; raw != "" {
		if err := add(`SELECT contact FROM sb_idents WHERE kind = 'b' AND value LIKE $1 ORDER BY value LIMIT $2`, likePrefix(clean(raw)), limit); err != nil {
			return nil, err
		}
	}
	if q == "" {
		return out, nil
	}
	if err := add(`SELECT contact FROM sb_names WHERE strpos(name, $1) > 0 ORDER BY name, contact LIMIT $2`, clean(q), limit+len(out)); err != nil {
		return nil, err
	}
	return out, nil
}

// DeleteContact removes a contact and everything of its conversation; it reports whether it
// existed.
func (t *Tx) DeleteContact(id string) (bool, error) {
	if _, ok, err := t.Contact(id); err != nil || !ok {
		return false, err
	}
	if err := t.dropConversation(id); err != nil {
		return false, err
	}
	// the reply ids (and what is left to send) of this contact's timeline
	if err := t.exec(`DELETE FROM sb_outbox WHERE id IN (SELECT id FROM sb_ext_ids WHERE contact = $1)`, id); err != nil {
		return false, err
	}
	for _, sql := range []string{
		`DELETE FROM sb_ext_ids WHERE contact = $1`,
		`DELETE FROM sb_entries WHERE contact = $1`,
		`DELETE FROM sb_inbound_ids WHERE contact = $1`,
		`DELETE FROM sb_idents WHERE contact = $1`,
		`DELETE FROM sb_usernames WHERE contact = $1`,
		`DELETE FROM sb_names WHERE contact = $1`,
		`DELETE FROM sb_texts WHERE contact = $1`,
		`DELETE FROM sb_contacts WHERE id = $1`,
	} {
		if err := t.exec(sql, id); err != nil {
			return false, err
		}
	}
	return true, nil
}

// ---- conversations ----

func (t *Tx) Conversation(contact string) (Conversation, bool, error) {
	var c Conversation
	if raw, ahead := t.convs[contact]; ahead {
		if raw == nil {
			return c, false, nil
		}
		if err := unmarshal("conversation", raw, &c); err != nil {
			return c, false, err
		}
		if _, known := t.placed[contact]; !known {
			if t.placed == nil {
				t.placed = map[string]*placement{}
			}
			p := placementOf(&c)
			t.placed[contact] = &p
		}
		return c, true, nil
	}
	ok, err := t.one("conversation", `SELECT doc FROM sb_conversations WHERE contact = $1`+t.forUpdate(), &c, contact)
	if err == nil && t.writable {
		if t.placed == nil {
			t.placed = map[string]*placement{}
		}
		if ok {
			p := placementOf(&c)
			t.placed[contact] = &p
		} else {
			t.placed[contact] = nil
		}
	}
	return c, ok, err
}

func (t *Tx) Conversations(fn func(Conversation) error) error {
	return pages(t, "conversation", "sb_conversations", "contact", func(raw []byte) (bool, error) {
		var c Conversation
		if err := unmarshal("conversation", raw, &c); err != nil {
			return false, err
		}
		return true, fn(c)
	})
}

// placement is what a conversation's counters depend on.
type placement struct {
	status, team, assignee string
	waiting, backlog       bool
}

func placementOf(c *Conversation) placement {
	return placement{string(c.Status), c.Team, c.Assignee, c.Prompt != nil, c.InBacklog()}
}

func assigneeKey(a string) string {
	if a == "" {
		return "-"
	}
	return a
}

// countKeys are the counters a conversation adds to (as the bbolt engine keeps them).
func (p placement) countKeys() []string {
	out := []string{"all", "s:" + p.status, "a:" + assigneeKey(p.assignee) + ":" + p.status, "t:" + p.team + ":" + p.status}
	if p.waiting {
		out = append(out, "waiting")
	}
	if p.backlog {
		out = append(out, "backlog", "b:"+p.team)
	}
	return out
}

// moveCounts moves the counters from old (nil: none) to new (nil: none), in key order (so two
// transactions take the counters' row locks in one order).
func (t *Tx) moveCounts(old, new *placement) error {
	var o, n []string
	if old != nil {
		o = old.countKeys()
	}
	if new != nil {
		n = new.countKeys()
	}
	delta := map[string]int64{}
	for _, k := range o {
		if !slices.Contains(n, k) {
			delta[k]--
		}
	}
	for _, k := range n {
		if !slices.Contains(o, k) {
			delta[k]++
		}
	}
	keys := make([]string, 0, len(delta))
	for k := range delta {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if err := t.later(`INSERT INTO sb_counts VALUES ($1, $2) ON CONFLICT (k) DO UPDATE SET n = sb_counts.n + EXCLUDED.n`, clean(k), delta[k]); err != nil {
			return err
		}
	}
	return nil
}

func (t *Tx) storedPlacement(contact string) (*placement, error) {
	if p, ok := t.placed[contact]; ok {
		return p, nil
	}
	var p placement
	err := t.tx.QueryRow(t.ctx, `SELECT status, team, assignee, waiting, backlog FROM sb_conversations WHERE contact = $1`, contact).
		Scan(&p.status, &p.team, &p.assignee, &p.waiting, &p.backlog)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &p, nil
}

// PutConversation stores a conversation and moves its counters.
func (t *Tx) PutConversation(c Conversation) error {
	old, err := t.storedPlacement(c.Contact)
	if err != nil {
		return err
	}
	p := placementOf(&c)
	if old == nil || *old != p {
		if err := t.moveCounts(old, &p); err != nil {
			return err
		}
		if old == nil || old.assignee != p.assignee || old.status != p.status {
			// who has which conversation is in the inbox's memory (operators' loads)
			if err := t.bump(); err != nil {
				return err
			}
		}
	}
	raw, err := marshal(c)
	if err != nil {
		return err
	}
	if t.placed == nil {
		t.placed = map[string]*placement{}
	}
	t.placed[c.Contact] = &p
	if t.convs == nil {
		t.convs = map[string][]byte{}
	}
	t.convs[c.Contact] = raw
	return t.later(`INSERT INTO sb_conversations VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
		ON CONFLICT (contact) DO UPDATE SET status = EXCLUDED.status, team = EXCLUDED.team, assignee = EXCLUDED.assignee,
		waiting = EXCLUDED.waiting, backlog = EXCLUDED.backlog, last_at = EXCLUDED.last_at, doc = EXCLUDED.doc`,
		c.Contact, clean(p.status), clean(p.team), clean(p.assignee), p.waiting, p.backlog, c.LastAt, raw)
}

// dropConversation removes a conversation's record and its counters (not its entries).
func (t *Tx) dropConversation(contact string) error {
	old, err := t.storedPlacement(contact)
	if err != nil || old == nil {
		return err
	}
	if err := t.moveCounts(old, nil); err != nil {
		return err
	}
	if err := t.bump(); err != nil {
		return err
	}
	delete(t.placed, contact)
	delete(t.convs, contact)
	return t.exec(`DELETE FROM sb_conversations WHERE contact = $1`, contact)
}

// where is a query's condition on sb_conversations, its arguments from n on.
func where(q Query, n int) (string, []any) {
	if q.Waiting {
		return "waiting", nil
	}
	var conds []string
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", n+len(args)-1)
	}
	if q.Backlog {
		conds = append(conds, "backlog")
		if q.Team != nil {
			conds = append(conds, "team = "+arg(*q.Team))
		}
		return strings.Join(conds, " AND "), args
	}
	if q.Status != nil {
		conds = append(conds, "status = "+arg(string(*q.Status)))
	}
	if q.Team != nil {
		conds = append(conds, "team = "+arg(*q.Team))
	}
	if q.Assignee != nil {
		conds = append(conds, "assignee = "+arg(*q.Assignee))
	}
	if len(conds) == 0 {
		return "true", nil
	}
	return strings.Join(conds, " AND "), args
}

// after is the condition "after the cursor in the query's order", its arguments from n on.
func after(q Query, cursor string, n int) (string, []any, error) {
	if cursor == "" {
		return "true", nil, nil
	}
	c, err := domain.DecodeListCursor(cursor)
	if err != nil {
		return "", nil, err
	}
	op := "<"
	if q.OldestFirst {
		op = ">"
	}
	return fmt.Sprintf("(last_at, contact) %s ($%d, $%d)", op, n, n+1), []any{c.LastAt, c.Contact}, nil
}

func order(q Query) string {
	if q.OldestFirst {
		return "last_at, contact"
	}
	return "last_at DESC, contact DESC"
}

// List returns up to limit conversations of the query after the cursor, in its order.
func (t *Tx) List(q Query, cursor string, limit int, keep func(*Conversation) bool) (out []Conversation, next string, err error) {
	if limit < 1 {
		return nil, "", fmt.Errorf("list %v: a page holds at least 1 conversation, not %d", q, limit)
	}
	cond, args := where(q, 1)
	aft, aargs, err := after(q, cursor, len(args)+1)
	if err != nil {
		return nil, "", err
	}
	args = append(args, aargs...)
	sql := "SELECT doc FROM sb_conversations WHERE " + cond + " AND " + aft + " ORDER BY " + order(q)
	if keep == nil {
		sql += fmt.Sprintf(" LIMIT %d", limit+1)
	}
	err = each(t, "conversation", sql, func(raw []byte) (bool, error) {
		var c Conversation
		if err := unmarshal("conversation", raw, &c); err != nil {
			return false, err
		}
		if keep != nil && !keep(&c) {
			return true, nil
		}
		if len(out) == limit {
			next = domain.CursorOf(out[len(out)-1])
			return false, nil
		}
		out = append(out, c)
		return true, nil
	}, args...)
	if err != nil {
		return nil, "", err
	}
	return out, next, nil
}

// CountAfter counts the conversations of the query after the cursor.
func (t *Tx) CountAfter(q Query, cursor string, keep func(*Conversation) bool) (int, error) {
	cond, args := where(q, 1)
	aft, aargs, err := after(q, cursor, len(args)+1)
	if err != nil {
		return 0, err
	}
	args = append(args, aargs...)
	if keep == nil {
		var n int
		err := t.tx.QueryRow(t.ctx, "SELECT count(*) FROM sb_conversations WHERE "+cond+" AND "+aft, args...).Scan(&n)
		return n, err
	}
	n := 0
	err = each(t, "conversation", "SELECT doc FROM sb_conversations WHERE "+cond+" AND "+aft, func(raw []byte) (bool, error) {
		var c Conversation
		if err := unmarshal("conversation", raw, &c); err != nil {
			return false, err
		}
		if keep(&c) {
			n++
		}
		return true, nil
	}, args...)
	return n, err
}

// Count counts a query's conversations: the counts screens show from the counters kept with
// the data, any other on the index.
func (t *Tx) Count(q Query) (int, error) {
	get := func(keys ...string) (int, error) {
		var n int64
		err := t.tx.QueryRow(t.ctx, `SELECT coalesce(sum(n), 0) FROM sb_counts WHERE k = ANY($1)`, keys).Scan(&n)
		return int(n), err
	}
	statuses := []string{string(routing.StatusOpen), string(routing.StatusClosed)}
	if q.Status != nil {
		statuses = []string{string(*q.Status)}
	}
	var keys []string
	switch {
	case q.Waiting:
		return get("waiting")
	case q.Backlog && q.Team != nil:
		return get("b:" + *q.Team)
	case q.Backlog:
		return get("backlog")
	case q.Team == nil && q.Assignee == nil && q.Status == nil:
		return get("all")
	case q.Team == nil && q.Assignee == nil:
		return get("s:" + string(*q.Status))
	case q.Team == nil:
		for _, st := range statuses {
			keys = append(keys, "a:"+assigneeKey(*q.Assignee)+":"+st)
		}
		return get(keys...)
	case q.Assignee == nil:
		for _, st := range statuses {
			keys = append(keys, "t:"+*q.Team+":"+st)
		}
		return get(keys...)
	}
	return t.CountAfter(q, "", nil)
}

// ---- timelines ----

// AppendEntry writes an entry of the conversation and returns where it is.
func (t *Tx) AppendEntry(c *Conversation, e Entry) (EntryRef, error) {
	r, err := domain.NextEntry(c, e)
	if err != nil {
		return EntryRef{}, err
	}
	e.Ref = EntryRef{}
	raw, err := marshal(e)
	if err != nil {
		return EntryRef{}, err
	}
	if searchable(e) {
		if f := clean(domain.Fold(strings.TrimSpace(e.Text))); f != "" {
			// the newest textsMax characters (a line per message, so no match runs across two)
			if err := t.later(`INSERT INTO sb_texts VALUES ($1, right($2, $3)) ON CONFLICT (contact)
				DO UPDATE SET folded = right(sb_texts.folded || E'\n' || EXCLUDED.folded, $3)`, c.Contact, f, textsMax); err != nil {
				return EntryRef{}, err
			}
		}
	}
	return r, t.later(`INSERT INTO sb_entries VALUES ($1, $2, $3, $4)`, r.Contact, r.At, int64(r.Seq), raw)
}

func (t *Tx) Entry(r EntryRef) (Entry, bool, error) {
	var e Entry
	ok, err := t.one("timeline entry", `SELECT doc FROM sb_entries WHERE contact = $1 AND at = $2 AND seq = $3`, &e, r.Contact, r.At, int64(r.Seq))
	e.Ref = r
	return e, ok, err
}

func (t *Tx) PutEntry(r EntryRef, e Entry) error {
	e.Ref = EntryRef{}
	raw, err := marshal(e)
	if err != nil {
		return err
	}
	return t.exec(`INSERT INTO sb_entries VALUES ($1, $2, $3, $4) ON CONFLICT (contact, at, seq) DO UPDATE SET doc = EXCLUDED.doc`,
		r.Contact, r.At, int64(r.Seq), raw)
}

// Timeline returns up to limit entries in time order: the newest before the cursor.
func (t *Tx) Timeline(contact, cursor string, limit int) (out []Entry, prev string, err error) {
	cond, args := "contact = $1", []any{contact}
	if cursor != "" {
		pos, past, derr := domain.DecodeEntryCursor(cursor)
		if derr != nil {
			return nil, "", derr
		}
		if !past {
			cond += " AND (at, seq) < ($2, $3)"
			args = append(args, pos.At, int64(pos.Seq))
		}
	}
	rows, err := t.tx.Query(t.ctx, fmt.Sprintf("SELECT at, seq, doc FROM sb_entries WHERE %s ORDER BY at DESC, seq DESC LIMIT %d", cond, limit+1), args...)
	if err != nil {
		return nil, "", err
	}
	defer rows.Close()
	for rows.Next() {
		var at, seq int64
		var raw []byte
		if err := rows.Scan(&at, &seq, &raw); err != nil {
			return nil, "", err
		}
		if len(out) == limit {
			last := out[len(out)-1].Ref
			prev = domain.EntryCursor{At: last.At, Seq: last.Seq}.Encode()
			break
		}
		var e Entry
		if err := unmarshal("timeline entry of "+contact, raw, &e); err != nil {
			return nil, "", err
		}
		e.Ref = EntryRef{Contact: contact, At: at, Seq: uint64(seq)}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, "", err
	}
	slices.Reverse(out)
	return out, prev, nil
}

func (t *Tx) ref(sql string, args ...any) (EntryRef, bool) {
	var r EntryRef
	var seq int64
	err := t.tx.QueryRow(t.ctx, sql, args...).Scan(&r.Contact, &r.At, &seq)
	if errors.Is(err, pgx.ErrNoRows) {
		return EntryRef{}, false
	}
	if err != nil {
		t.fail(err)
		return EntryRef{}, false
	}
	r.Seq = uint64(seq)
	return r, true
}

// InboundByID finds the entry an inbound id was stored with, whichever contact's it is, among
// the days domain.InboundDays gives for an event at the time: the event's own day first, then the
// day before, then the day after (the bbolt engine's order).
func (t *Tx) InboundByID(id string, at time.Time) (EntryRef, bool) {
	first, last := domain.InboundDays(at)
	own := last - 1
	return t.ref(`SELECT contact, at, seq FROM sb_inbound_ids WHERE id = $1 AND day BETWEEN $2 AND $3
		ORDER BY CASE day WHEN $4 THEN 0 WHEN $5 THEN 1 ELSE 2 END LIMIT 1`, clean(id), first, last, own, own-1)
}

// InboundID finds the entry of the contact's timeline an inbound id was stored with, of any day
// (PutInboundID keeps one per contact and id).
func (t *Tx) InboundID(contact, id string) (EntryRef, bool) {
	return t.ref(`SELECT contact, at, seq FROM sb_inbound_ids WHERE id = $1 AND contact = $2`, clean(id), contact)
}

// PutInboundID records the entry an inbound id was stored with, under the entry's day: an id of
// that day that named another entry (another contact's too) names this one, and one the contact
// had for an entry of another day leaves that day. The same id stored at the same moment by
// another transaction (a webhook retried on another node, with the same identity of the customer
// or another) makes this one retry, and the retry finds the id: the message is stored once.
func (t *Tx) PutInboundID(contact, id string, r EntryRef) error {
	if r.Contact != contact {
		return fmt.Errorf("inbound id %q of %s: the entry is %s's", id, contact, r.Contact)
	}
	day := domain.InboundDay(r.At)
	if err := t.later(`DELETE FROM sb_inbound_ids WHERE id = $1 AND contact = $2 AND day <> $3`, clean(id), contact, day); err != nil {
		return err
	}
	// there already (visible to this transaction): rewritten to name this entry, as the bbolt
	// engine does (an entry moved); inserted by a concurrent transaction: this one fails to
	// serialize and retries
	return t.later(`INSERT INTO sb_inbound_ids (contact, id, at, seq, day) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (id, day) DO UPDATE SET contact = EXCLUDED.contact, at = EXCLUDED.at, seq = EXCLUDED.seq`,
		contact, clean(id), r.At, int64(r.Seq), day)
}

func (t *Tx) ExtID(id string) (EntryRef, bool) {
	return t.ref(`SELECT contact, at, seq FROM sb_ext_ids WHERE id = $1`, clean(id))
}

func (t *Tx) PutExtID(id string, r EntryRef) error {
	return t.exec(`INSERT INTO sb_ext_ids VALUES ($1, $2, $3, $4) ON CONFLICT (id) DO UPDATE SET contact = EXCLUDED.contact, at = EXCLUDED.at, seq = EXCLUDED.seq`,
		clean(id), r.Contact, r.At, int64(r.Seq))
}

// MoveTimeline moves every entry of from's conversation into into's, with their inbound and
// reply ids, and deletes from's conversation.
func (t *Tx) MoveTimeline(from string, into *Conversation) (bool, error) {
	if _, ok, err := t.Conversation(from); err != nil || !ok {
		return false, err
	}
	if err := t.dropConversation(from); err != nil {
		return false, err
	}
	type moved struct {
		at, seq int64
		e       Entry
	}
	var entries []moved
	rows, err := t.tx.Query(t.ctx, `SELECT at, seq, doc FROM sb_entries WHERE contact = $1 ORDER BY at, seq`, from)
	if err != nil {
		return false, err
	}
	for rows.Next() {
		var m moved
		var raw []byte
		if err := rows.Scan(&m.at, &m.seq, &raw); err != nil {
			rows.Close()
			return false, err
		}
		if err := unmarshal("timeline entry of "+from, raw, &m.e); err != nil {
			rows.Close()
			return false, err
		}
		entries = append(entries, m)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return false, err
	}
	type idAt struct {
		id      string
		at, seq int64
	}
	var ids []idAt
	rows, err = t.tx.Query(t.ctx, `SELECT id, at, seq FROM sb_inbound_ids WHERE contact = $1`, from)
	if err != nil {
		return false, err
	}
	for rows.Next() {
		var x idAt
		if err := rows.Scan(&x.id, &x.at, &x.seq); err != nil {
			rows.Close()
			return false, err
		}
		ids = append(ids, x)
	}
	rows.Close()
	for _, sql := range []string{`DELETE FROM sb_entries WHERE contact = $1`, `DELETE FROM sb_inbound_ids WHERE contact = $1`} {
		if err := t.exec(sql, from); err != nil {
			return false, err
		}
	}
	for _, m := range entries {
		nr, err := t.AppendEntry(into, m.e)
		if err != nil {
			return false, err
		}
		for _, x := range ids {
			if x.at == m.at && x.seq == m.seq {
				if err := t.PutInboundID(into.Contact, x.id, nr); err != nil {
					return false, err
				}
			}
		}
		if m.e.Kind == domain.KindReply && m.e.ID != "" {
			if r, ok := t.ExtID(m.e.ID); ok && r.Contact == from && r.At == m.at && r.Seq == uint64(m.seq) {
				if err := t.PutExtID(m.e.ID, nr); err != nil {
					return false, err
				}
			}
		}
	}
	return true, nil
}

// ---- notifications ----

func (t *Tx) AddNotification(n Notification) (Notification, error) {
	seq, err := t.NextSeq()
	if err != nil {
		return n, err
	}
	n.Seq = seq
	return n, t.PutNotification(n)
}

func (t *Tx) PutNotification(n Notification) error {
	raw, err := marshal(n)
	if err != nil {
		return err
	}
	return t.exec(`INSERT INTO sb_notifications VALUES ($1, $2, $3, $4) ON CONFLICT (seq) DO UPDATE SET operator = EXCLUDED.operator, read = EXCLUDED.read, doc = EXCLUDED.doc`,
		int64(n.Seq), clean(n.To), n.Read, raw)
}

func (t *Tx) Notifications(op string, all bool) ([]Notification, error) {
	sql := `SELECT doc FROM sb_notifications WHERE operator = $1 AND (NOT read OR $2) ORDER BY seq DESC`
	var out []Notification
	err := each(t, "notification", sql, func(raw []byte) (bool, error) {
		var n Notification
		if err := unmarshal("notification", raw, &n); err != nil {
			return false, err
		}
		out = append(out, n)
		return true, nil
	}, clean(op), all)
	return out, err
}

func (t *Tx) DeleteNotifications(op string) error {
	return t.exec(`DELETE FROM sb_notifications WHERE operator = $1`, clean(op))
}

func (t *Tx) AllNotifications(fn func(Notification) error) error {
	return each(t, "notification", `SELECT doc FROM sb_notifications ORDER BY operator, seq`, func(raw []byte) (bool, error) {
		var n Notification
		if err := unmarshal("notification", raw, &n); err != nil {
			return false, err
		}
		return true, fn(n)
	})
}

// ---- timers ----

func dueOf(t time.Time) int64 {
	if t.Before(time.Unix(0, 0)) {
		return 0
	}
	return t.UnixNano()
}

func (t *Tx) PutTimer(tm Timer) error {
	return t.exec(`INSERT INTO sb_timers VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`, dueOf(tm.Due), clean(tm.Kind), clean(tm.Contact), clean(tm.Ref))
}

func (t *Tx) DeleteTimer(tm Timer) error {
	return t.exec(`DELETE FROM sb_timers WHERE due = $1 AND kind = $2 AND contact = $3 AND ref = $4`, dueOf(tm.Due), clean(tm.Kind), clean(tm.Contact), clean(tm.Ref))
}

// DueTimers returns up to limit due timers, the earliest first. In a writable transaction they
// are claimed: another node's transaction skips them, so each fires once.
func (t *Tx) DueTimers(now time.Time, limit int) ([]Timer, error) {
	sql := `SELECT due, kind, contact, ref FROM sb_timers WHERE due <= $1 ORDER BY due, kind, contact, ref LIMIT $2`
	if t.writable {
		sql += " FOR UPDATE SKIP LOCKED"
	}
	rows, err := t.tx.Query(t.ctx, sql, now.UnixNano(), limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Timer
	for rows.Next() {
		var due int64
		var tm Timer
		if err := rows.Scan(&due, &tm.Kind, &tm.Contact, &tm.Ref); err != nil {
			return nil, err
		}
		tm.Due = time.Unix(0, due).UTC()
		out = append(out, tm)
	}
	return out, rows.Err()
}

func (t *Tx) NextTimer() (time.Time, bool) {
	var due *int64
	if err := t.tx.QueryRow(t.ctx, `SELECT min(due) FROM sb_timers`).Scan(&due); err != nil {
		t.fail(err)
		return time.Time{}, false
	}
	if due == nil {
		return time.Time{}, false
	}
	return time.Unix(0, *due).UTC(), true
}

// ---- the outbox ----

func (t *Tx) Outbox(id string) (domain.Outgoing, bool, error) {
	var o domain.Outgoing
	ok, err := t.one("outbox record", `SELECT doc FROM sb_outbox WHERE id = $1`+t.forUpdate(), &o, clean(id))
	return o, ok, err
}

func (t *Tx) PutOutbox(o domain.Outgoing) error {
	if o.ID == "" {
		return fmt.Errorf("an outbox record needs the reply's id")
	}
	raw, err := marshal(o)
	if err != nil {
		return err
	}
	return t.exec(`INSERT INTO sb_outbox VALUES ($1, $2, $3) ON CONFLICT (id) DO UPDATE SET due = EXCLUDED.due, doc = EXCLUDED.doc`, clean(o.ID), dueOf(o.Due), raw)
}

func (t *Tx) DeleteOutbox(id string) error {
	return t.exec(`DELETE FROM sb_outbox WHERE id = $1`, clean(id))
}

// DueOutbox returns up to limit due records, the earliest first; in a writable transaction
// they are claimed (another node's sender skips them).
func (t *Tx) DueOutbox(now time.Time, limit int) ([]domain.Outgoing, error) {
	sql := `SELECT doc FROM sb_outbox WHERE due <= $1 ORDER BY due, id LIMIT $2`
	if t.writable {
		sql += " FOR UPDATE SKIP LOCKED"
	}
	var out []domain.Outgoing
	err := each(t, "outbox record", sql, func(raw []byte) (bool, error) {
		var o domain.Outgoing
		if err := unmarshal("outbox record", raw, &o); err != nil {
			return false, err
		}
		out = append(out, o)
		return true, nil
	}, dueOf(now), limit)
	return out, err
}

func (t *Tx) NextOutbox() (time.Time, bool) {
	var due *int64
	if err := t.tx.QueryRow(t.ctx, `SELECT min(due) FROM sb_outbox`).Scan(&due); err != nil {
		t.fail(err)
		return time.Time{}, false
	}
	if due == nil {
		return time.Time{}, false
	}
	return time.Unix(0, *due).UTC(), true
}

func (t *Tx) OutboxItems(fn func(domain.Outgoing) error) error {
	return each(t, "outbox record", `SELECT doc FROM sb_outbox ORDER BY due, id`, func(raw []byte) (bool, error) {
		var o domain.Outgoing
		if err := unmarshal("outbox record", raw, &o); err != nil {
			return false, err
		}
		return true, fn(o)
	})
}

func (t *Tx) ReplyOfWAMID(wamid string) (string, bool) {
	if wamid == "" {
		return "", false
	}
	var id string
	err := t.tx.QueryRow(t.ctx, `SELECT reply FROM sb_wamids WHERE wamid = $1`, clean(wamid)).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", false
	}
	if err != nil {
		t.fail(err)
		return "", false
	}
	return id, true
}

func (t *Tx) PutWAMID(wamid, id string) error {
	if wamid == "" || id == "" {
		return fmt.Errorf("a wamid and a reply id are both needed")
	}
	if other, ok := t.ReplyOfWAMID(wamid); ok {
		if other == id {
			return nil
		}
		return &domain.WAMIDTaken{WAMID: wamid, ID: id, Other: other}
	}
	return t.exec(`INSERT INTO sb_wamids VALUES ($1, $2)`, clean(wamid), clean(id))
}

func (t *Tx) Templates() ([]domain.Template, error) {
	var out []domain.Template
	_, err := t.one("templates", `SELECT doc FROM sb_config WHERE k = 'templates'`, &out)
	return out, err
}

func (t *Tx) PutTemplates(ts []domain.Template) error {
	if ts == nil {
		ts = []domain.Template{}
	}
	return t.putConfig("templates", ts)
}

// ---- the whole workspace ----

func (t *Tx) IsEmpty() bool {
	var any bool
	err := t.tx.QueryRow(t.ctx, `SELECT EXISTS (SELECT 1 FROM sb_operators) OR EXISTS (SELECT 1 FROM sb_teams)
		OR EXISTS (SELECT 1 FROM sb_contacts) OR EXISTS (SELECT 1 FROM sb_conversations)`).Scan(&any)
	if err != nil {
		t.fail(err)
		return false
	}
	return !any
}

// Clear empties the workspace (the sequence goes on).
func (t *Tx) Clear() error {
	if err := t.bump(); err != nil {
		return err
	}
	t.placed, t.convs = nil, nil
	return t.exec(`TRUNCATE ` + strings.Join(tables, ", "))
}

// ---- noticing a transaction that lost ----

// watched is the transaction with every statement's error looked at: the first that means
// another transaction won is kept in the Tx (lost).
type watched struct {
	pgx.Tx
	t *Tx
}

func lostTo(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case "40001", "40P01", "23505":
			return true
		}
	}
	return false
}

func (w *watched) note(err error) error {
	if err != nil && w.t.lost == nil && lostTo(err) {
		w.t.lost = err
	}
	return err
}

func (w *watched) Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	if err := w.t.flush(); err != nil {
		return pgconn.CommandTag{}, err
	}
	tag, err := w.Tx.Exec(ctx, sql, args...)
	return tag, w.note(err)
}

func (w *watched) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	if len(w.t.pending) > 0 {
		return w.queryAfterPending(ctx, sql, args...)
	}
	rows, err := w.Tx.Query(ctx, sql, args...)
	if err != nil {
		return rows, w.note(err)
	}
	return &watchedRows{Rows: rows, w: w}, nil
}

func (w *watched) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	rows, err := w.Query(ctx, sql, args...)
	return &watchedRow{rows: rows, err: err, w: w}
}

// queryAfterPending sends the queued writes and the query in one batch (one round trip): the
// query sees the writes, and the rows come back once they are done.
func (w *watched) queryAfterPending(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	t := w.t
	var b pgx.Batch
	for _, q := range t.pending {
		b.Queue(q.sql, q.args...)
	}
	n := len(t.pending)
	t.pending = nil
	b.Queue(sql, args...)
	br := w.Tx.SendBatch(ctx, &b)
	for i := 0; i < n; i++ {
		if _, err := br.Exec(); err != nil {
			br.Close()
			w.note(err)
			t.fail(err)
			return nil, err
		}
	}
	rows, err := br.Query()
	if err != nil {
		br.Close()
		return nil, w.note(err)
	}
	return &watchedRows{Rows: rows, w: w, batch: br}, nil
}

type watchedRows struct {
	pgx.Rows
	w     *watched
	batch pgx.BatchResults // closed with the rows, when they came with queued writes
}

func (r *watchedRows) Close() {
	r.Rows.Close()
	if r.batch != nil {
		if err := r.batch.Close(); err != nil {
			r.w.note(err)
			r.w.t.fail(err)
		}
		r.batch = nil
	}
}

func (r *watchedRows) Err() error { return r.w.note(r.Rows.Err()) }
func (r *watchedRows) Scan(dest ...any) error {
	return r.w.note(r.Rows.Scan(dest...))
}

// watchedRow is pgx's QueryRow over watched rows (the first row, or pgx.ErrNoRows).
type watchedRow struct {
	rows pgx.Rows
	err  error
	w    *watched
}

func (r *watchedRow) Scan(dest ...any) error {
	if r.err != nil {
		return r.err
	}
	defer r.rows.Close()
	if !r.rows.Next() {
		if err := r.rows.Err(); err != nil {
			return err
		}
		return pgx.ErrNoRows
	}
	if err := r.rows.Scan(dest...); err != nil {
		return err
	}
	r.rows.Close()
	return r.rows.Err()
}

// ---- search ----

// textsMax is how much folded message text search keeps for each contact (characters): the
// newest messages and replies, about ten of a usual length, as the bbolt engine keeps.
const textsMax = 1024

// searchable: the entries whose text search finds (a customer's messages and captions, the
// replies to them), as in the bbolt engine; system notes are not what people look for.
func searchable(e Entry) bool {
	return e.Text != "" && (e.Kind == domain.KindMessage || e.Kind == domain.KindReply)
}

// FindContacts is the inbox's contact search (see domain.ReadTx): numbers and business-scoped
// ids first, then names and @usernames, then message text, each in key order as the bbolt
// engine gives them, every match counted, those from offset on returned up to limit.
func (t *Tx) FindContacts(ctx context.Context, q string, offset, limit int) (domain.ContactHits, error) {
	sq := domain.ParseSearch(q)
	hits := domain.NewHits(offset, limit)
	collect := func(inText bool, sql string, args ...any) error {
		// a search that was replaced stops between its queries (cancelling one under way
		// would cost the transaction its connection)
		if err := ctx.Err(); err != nil {
			return err
		}
		rows, err := t.tx.Query(t.ctx, sql, args...)
		if err != nil {
			return err
		}
		ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return err
		}
		for _, id := range ids {
			hits.Add(id, inText)
		}
		return nil
	}
	if sq.Digits != "" {
		if err := collect(false, `SELECT contact FROM sb_idents WHERE kind = 'p' AND value LIKE $1 ORDER BY value`, sq.Digits+"%"); err != nil {
			return hits.Result(), err
		}
		if sq.Inside { // the national part of a number, typed without the country code
			if err := collect(false, `SELECT contact FROM sb_idents WHERE kind = 'p' AND strpos(value, $1) > 0 ORDER BY value`, sq.Digits); err != nil {
				return hits.Result(), err
			}
		}
	}
	if sq.BSUID != "" {
		if err := collect(false, `SELECT contact FROM sb_idents WHERE kind = 'b' AND value LIKE $1 ESCAPE '\' ORDER BY value`, likePrefix(clean(sq.BSUID))); err != nil {
			return hits.Result(), err
		}
	}
	fq := clean(sq.Folded)
	if fq == "" {
		return hits.Result(), nil
	}
	if err := collect(false, `SELECT contact FROM sb_names WHERE strpos(folded, $1) > 0 ORDER BY name, contact`, fq); err != nil {
		return hits.Result(), err
	}
	if err := collect(true, `SELECT contact FROM sb_texts WHERE strpos(folded, $1) > 0 ORDER BY contact`, fq); err != nil {
		return hits.Result(), err
	}
	return hits.Result(), nil
}
