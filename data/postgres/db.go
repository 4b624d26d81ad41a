// Package postgres is the PostgreSQL engine of a workspace: the inbox's domain.Store on a
// database server, so that several switchboard processes (nodes) share one workspace. It
// passes the Store conformance suite (data/storetest) as the bbolt engine does.
//
// Every Update is one SERIALIZABLE transaction. A transaction that loses to another (a
// serialization failure, a deadlock, a unique key taken at the same moment) is rolled back and
// reported as domain.ErrRetry, and the inbox runs its whole batch again from fresh state; so
// two nodes never both pick the same operator, answer one prompt twice or store one inbound
// message twice. Rows a transaction reads to decide (a conversation, a contact, a team's
// round-robin memory) are locked FOR UPDATE, so most conflicts wait instead of retrying; due
// timers and outbox records are claimed FOR UPDATE SKIP LOCKED, so each fires or sends on one
// node. A generation counter (sb_meta) moves with every commit that changes what the inbox keeps
// in memory (settings, operators, teams, round-robin memory, who has which conversation), and
// committed events are written to sb_events and announced with NOTIFY, for the other nodes.
//
// It owns the SQL schema and its migrations; it decides nothing about routing.
package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"switchboard/inbox/domain"
	redactpkg "switchboard/internal/redact"
)

// DB is an open workspace on a PostgreSQL server.
type DB struct {
	pool  *pgxpool.Pool
	where string // the DSN without its password, for messages
	node  string // this process, in sb_events
	start string // the oldest transaction running when it was opened: where Listen begins
}

// IsDSN reports whether where names a PostgreSQL database (postgres:// or postgresql://).
func IsDSN(where string) bool {
	return strings.HasPrefix(where, "postgres://") || strings.HasPrefix(where, "postgresql://")
}

// Open connects to the database at dsn and brings its schema up to date (each migration once,
// one process at a time). It fails within 10 seconds when the server cannot be reached.
func Open(dsn string) (*DB, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("%s is not a PostgreSQL connection URL this engine understands: %v", redact(dsn), err)
	}
	if cfg.MaxConns < 8 && !strings.Contains(dsn, "pool_max_conns") {
		cfg.MaxConns = 8 // the writer, readers, the listener's catch-up: unless the URL says otherwise
	}
	cfg.ConnConfig.ConnectTimeout = 10 * time.Second
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("cannot connect to %s: %v", redact(dsn), err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("cannot connect to %s: %v (is the server running, and the URL right?)", redact(dsn), err)
	}
	db := &DB{pool: pool, where: redact(dsn), node: newNodeID()}
	if err := db.migrate(ctx); err != nil {
		pool.Close()
		return nil, err
	}
	if err := pool.QueryRow(ctx, `SELECT pg_snapshot_xmin(pg_current_snapshot())::text`).Scan(&db.start); err != nil {
		pool.Close()
		return nil, fmt.Errorf("cannot read %s: %v", db.where, err)
	}
	return db, nil
}

// redact is the DSN without its password (one redaction for every door and engine).
func redact(dsn string) string { return redactpkg.URL(dsn) }

// schemaLock is the advisory lock key migrations run under ("sbschema").
const schemaLock = 0x7362736368656d61

// migrate runs the migrations not run yet, one at a time, under the advisory lock.
func (db *DB) migrate(ctx context.Context) error {
	conn, err := db.pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("cannot connect to %s: %v", db.where, err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock($1)`, int64(schemaLock)); err != nil {
		return fmt.Errorf("cannot take the schema lock on %s: %v", db.where, err)
	}
	defer conn.Exec(context.Background(), `SELECT pg_advisory_unlock($1)`, int64(schemaLock))
	if _, err := conn.Exec(ctx, `CREATE TABLE IF NOT EXISTS sb_schema (version int NOT NULL)`); err != nil {
		return fmt.Errorf("cannot create the schema table on %s: %v", db.where, err)
	}
	var version int
	err = conn.QueryRow(ctx, `SELECT version FROM sb_schema`).Scan(&version)
	if errors.Is(err, pgx.ErrNoRows) {
		if _, err := conn.Exec(ctx, `INSERT INTO sb_schema VALUES (0)`); err != nil {
			return err
		}
	} else if err != nil {
		return fmt.Errorf("cannot read the schema version on %s: %v", db.where, err)
	}
	if version > len(migrations) {
		return fmt.Errorf("%s holds a newer Switchboard workspace (schema %d; this version knows %d): use a newer switchboard", db.where, version, len(migrations))
	}
	for v := version; v < len(migrations); v++ {
		tx, err := conn.Begin(ctx)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, migrations[v]); err != nil {
			tx.Rollback(ctx)
			return fmt.Errorf("migrating %s to schema %d: %v", db.where, v+1, err)
		}
		if _, err := tx.Exec(ctx, `UPDATE sb_schema SET version = $1`, v+1); err != nil {
			tx.Rollback(ctx)
			return err
		}
		if err := tx.Commit(ctx); err != nil {
			return fmt.Errorf("migrating %s to schema %d: %v", db.where, v+1, err)
		}
	}
	return nil
}

// Where names the workspace for messages: the DSN without its password.
func (db *DB) Where() string { return db.where }

// ReadOnly: a PostgreSQL workspace is never opened read-only here.
func (db *DB) ReadOnly() bool { return false }

// Close closes the connections.
func (db *DB) Close() error { db.pool.Close(); return nil }

// Pool is the connection pool (tests and benchmarks).
func (db *DB) Pool() *pgxpool.Pool { return db.pool }

// Update runs fn in one SERIALIZABLE transaction, committed when fn returns nil. A transaction
// that conflicted with another is rolled back and its error wraps domain.ErrRetry: run it again.
func (db *DB) Update(fn func(domain.Tx) error) error {
	ctx := context.Background()
	ptx, err := db.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.Serializable})
	if err != nil {
		return classify(fmt.Errorf("cannot begin a transaction on %s: %w", db.where, err))
	}
	t := &Tx{ctx: ctx, writable: true, db: db}
	t.tx = &watched{Tx: ptx, t: t}
	err = fn(t)
	if err == nil {
		err = t.err
	}
	if err == nil {
		err = t.flushEvents()
	}
	token := newNodeID() + newNodeID()
	if err == nil {
		// the commit's own mark: if the connection is lost during COMMIT, whether it landed is
		// asked afterwards (settle) instead of guessed
		err = t.later(`INSERT INTO sb_commits (token) VALUES ($1)`, token)
	}
	if err == nil {
		err = t.flush()
	}
	if t.lost != nil {
		// a statement lost to another transaction: everything after it was void, whatever
		// fn made of its error
		err = t.lost
	}
	if err != nil {
		ptx.Rollback(ctx)
		return classify(err)
	}
	pid := ptx.Conn().PgConn().PID()
	if err := ptx.Commit(ctx); err != nil {
		var pe *pgconn.PgError
		if errors.As(err, &pe) {
			return classify(fmt.Errorf("commit on %s: %w", db.where, err)) // the server said no
		}
		return db.settle(token, pid, err)
	}
	return nil
}

// settle finds out whether a transaction whose COMMIT lost its connection landed: once the
// backend that ran it has ended (it may still be committing), its mark is there or not. A
// transaction that did not land is run again (ErrRetry); one that did is done; when the server
// cannot be asked within 30 seconds, the outcome is unknown and the caller is told so.
func (db *DB) settle(token string, pid uint32, cause error) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for {
		var running, landed bool
		err := db.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE pid = $1),
			EXISTS (SELECT 1 FROM sb_commits WHERE token = $2)`, int32(pid), token).Scan(&running, &landed)
		switch {
		case err == nil && landed:
			return nil
		case err == nil && !running:
			return fmt.Errorf("%w: commit on %s: %v (it did not land)", domain.ErrRetry, db.where, cause)
		case ctx.Err() != nil:
			return fmt.Errorf("%w: commit on %s: %v", domain.ErrUnknownOutcome, db.where, cause)
		}
		sleep(ctx, 200*time.Millisecond)
	}
}

// View runs fn in a read-only transaction on one snapshot.
func (db *DB) View(fn func(domain.ReadTx) error) error {
	ctx := context.Background()
	ptx, err := db.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return classify(fmt.Errorf("cannot begin a transaction on %s: %w", db.where, err))
	}
	defer ptx.Rollback(ctx)
	t := &Tx{ctx: ctx, db: db}
	t.tx = &watched{Tx: ptx, t: t}
	err = fn(t)
	if err == nil {
		err = t.err
	}
	if t.lost != nil {
		err = t.lost
	}
	return classify(err)
}

// classify marks the errors that mean "another transaction won: run again".
func classify(err error) error {
	if err == nil || errors.Is(err, domain.ErrRetry) {
		return err
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case "40001", "40P01": // serialization failure, deadlock
			return fmt.Errorf("%w: %v", domain.ErrRetry, err)
		case "23505": // a unique key another transaction took at the same moment
			return fmt.Errorf("%w: %v", domain.ErrRetry, err)
		case "54000": // a value too large for an index
			return fmt.Errorf("%w: %v", domain.ErrTooLarge, err)
		}
	}
	return err
}

var _ domain.Store = (*DB)(nil)
