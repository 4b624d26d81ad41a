package postgres

// The schema, as versioned migrations run at start one at a time under an advisory lock, each
// once: sb_meta holds the version reached. Records are the inbox's JSON (bytea: Go's encoding,
// which PostgreSQL's json types would refuse where a customer's text holds a NUL), beside the
// columns the queries select and order by. Every text key is COLLATE "C", so lists order by
// bytes, as the bbolt engine's keys do.
var migrations = []string{
	// 1: the workspace
	`
CREATE TABLE sb_meta (k text PRIMARY KEY, v bigint NOT NULL);
INSERT INTO sb_meta VALUES ('generation', 0);
CREATE SEQUENCE sb_seq;

CREATE TABLE sb_config (k text COLLATE "C" PRIMARY KEY, doc bytea NOT NULL);
CREATE TABLE sb_operators (id text COLLATE "C" PRIMARY KEY, doc bytea NOT NULL);
CREATE TABLE sb_teams (id text COLLATE "C" PRIMARY KEY, pos bigint NOT NULL, doc bytea NOT NULL);
CREATE TABLE sb_round_robin (team text COLLATE "C" PRIMARY KEY, doc bytea NOT NULL);
CREATE TABLE sb_history (seq bigint PRIMARY KEY, doc bytea NOT NULL);

CREATE TABLE sb_contacts (id text COLLATE "C" PRIMARY KEY, doc bytea NOT NULL);
-- the identities that name one contact alone: p phone, b BSUID (now or before), e parent, a alias
CREATE TABLE sb_idents (kind "char" NOT NULL, value text COLLATE "C" NOT NULL, contact text COLLATE "C" NOT NULL,
	PRIMARY KEY (kind, value));
CREATE INDEX sb_idents_contact ON sb_idents (contact);
CREATE TABLE sb_usernames (username text COLLATE "C" NOT NULL, contact text COLLATE "C" NOT NULL, PRIMARY KEY (username, contact));
CREATE INDEX sb_usernames_contact ON sb_usernames (contact);
-- what search looks in: a contact's name and @username, lower case
CREATE TABLE sb_names (name text COLLATE "C" NOT NULL, contact text COLLATE "C" NOT NULL, folded text COLLATE "C" NOT NULL,
	PRIMARY KEY (name, contact));
-- what search looks in besides: the folded text (domain.Fold) of each contact's latest messages
-- and replies, newest last, at most textsMax characters
CREATE TABLE sb_texts (contact text COLLATE "C" PRIMARY KEY, folded text COLLATE "C" NOT NULL);
CREATE INDEX sb_names_contact ON sb_names (contact);

CREATE TABLE sb_conversations (
	contact text COLLATE "C" PRIMARY KEY,
	status text COLLATE "C" NOT NULL,
	team text COLLATE "C" NOT NULL,
	assignee text COLLATE "C" NOT NULL, -- "" none, "bot"
	waiting boolean NOT NULL,
	backlog boolean NOT NULL,
	last_at bigint NOT NULL,
	doc bytea NOT NULL);
CREATE INDEX sb_conv_list ON sb_conversations (status, team, assignee, last_at, contact);
CREATE INDEX sb_conv_assignee ON sb_conversations (assignee, status, last_at, contact);
CREATE INDEX sb_conv_team ON sb_conversations (team, status, last_at, contact);
CREATE INDEX sb_conv_all ON sb_conversations (last_at, contact);
CREATE INDEX sb_conv_waiting ON sb_conversations (last_at, contact) WHERE waiting;
CREATE INDEX sb_conv_backlog ON sb_conversations (team, last_at, contact) WHERE backlog;
-- the counts screens show, kept with the data
CREATE TABLE sb_counts (k text COLLATE "C" PRIMARY KEY, n bigint NOT NULL);

CREATE TABLE sb_entries (contact text COLLATE "C" NOT NULL, at bigint NOT NULL, seq bigint NOT NULL, doc bytea NOT NULL,
	PRIMARY KEY (contact, at, seq));
CREATE TABLE sb_inbound_ids (contact text COLLATE "C" NOT NULL, id text COLLATE "C" NOT NULL, at bigint NOT NULL, seq bigint NOT NULL,
	PRIMARY KEY (contact, id));
CREATE TABLE sb_ext_ids (id text COLLATE "C" PRIMARY KEY, contact text COLLATE "C" NOT NULL, at bigint NOT NULL, seq bigint NOT NULL);

CREATE TABLE sb_notifications (seq bigint PRIMARY KEY, operator text COLLATE "C" NOT NULL, read boolean NOT NULL, doc bytea NOT NULL);
CREATE INDEX sb_notifications_operator ON sb_notifications (operator, seq);

CREATE TABLE sb_timers (due bigint NOT NULL, kind text COLLATE "C" NOT NULL, contact text COLLATE "C" NOT NULL, ref text COLLATE "C" NOT NULL,
	PRIMARY KEY (due, kind, contact, ref));

CREATE TABLE sb_outbox (id text COLLATE "C" PRIMARY KEY, due bigint NOT NULL, doc bytea NOT NULL);
CREATE INDEX sb_outbox_due ON sb_outbox (due, id);
CREATE TABLE sb_wamids (wamid text COLLATE "C" PRIMARY KEY, reply text COLLATE "C" NOT NULL);

-- what each commit did, for the other nodes' screens: NOTIFY sb_events wakes them, and they
-- read the rows of the transactions that finished since they last read (xid below the oldest
-- still running), so a node that was away catches up and none is skipped by a later commit
CREATE TABLE sb_events (xid xid8 NOT NULL DEFAULT pg_current_xact_id(), seq bigserial NOT NULL,
	node text NOT NULL, at timestamptz NOT NULL DEFAULT clock_timestamp(), payload bytea NOT NULL,
	PRIMARY KEY (xid, seq));
CREATE INDEX sb_events_at ON sb_events (at);
`,
	// 2: who has live sessions on which node, so presence follows sessions on every node
	`
CREATE TABLE sb_attendance (node text NOT NULL, operator text COLLATE "C" NOT NULL, sessions int NOT NULL,
	last bigint NOT NULL, beat timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (node, operator));
`,
	// 3: each commit's mark, so a commit whose connection was lost can be asked about afterwards
	`
CREATE TABLE sb_commits (token text PRIMARY KEY, at timestamptz NOT NULL DEFAULT now());
`,
	// 4: an inbound id names one entry of the workspace, whichever contact's it is (WhatsApp's
	// ids are unique): until now the key was the contact and the id, and a redelivery carrying
	// another identity of the customer (a BSUID instead of the number) was stored again, in
	// another contact's conversation. An id stored for two entries keeps the earlier one (time,
	// then entry number); the later entry stays in its timeline, without the id.
	`
DELETE FROM sb_inbound_ids a USING sb_inbound_ids b
	WHERE a.id = b.id AND (a.at, a.seq, a.contact) > (b.at, b.seq, b.contact);
ALTER TABLE sb_inbound_ids DROP CONSTRAINT sb_inbound_ids_pkey, ADD PRIMARY KEY (id);
CREATE INDEX sb_inbound_ids_contact ON sb_inbound_ids (contact);
`,
	// 5: an inbound id is kept under the day of its entry (UTC, from 1970), as in the bbolt
	// engine, and found by the id and the days around the event that carries it
	// (domain.InboundDays): both engines then agree on which entry every lookup finds.
	`
ALTER TABLE sb_inbound_ids ADD COLUMN day bigint;
UPDATE sb_inbound_ids SET day = at / 86400000000000;
ALTER TABLE sb_inbound_ids ALTER COLUMN day SET NOT NULL, DROP CONSTRAINT sb_inbound_ids_pkey, ADD PRIMARY KEY (id, day);
`,
}

// tables are the workspace's tables Clear empties (not sb_meta, not the events).
var tables = []string{"sb_config", "sb_operators", "sb_teams", "sb_round_robin", "sb_history", "sb_contacts",
	"sb_idents", "sb_usernames", "sb_names", "sb_texts", "sb_conversations", "sb_counts", "sb_entries", "sb_inbound_ids",
	"sb_ext_ids", "sb_notifications", "sb_timers", "sb_outbox", "sb_wamids"}
