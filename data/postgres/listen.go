package postgres

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgconn/ctxwatch"

	"switchboard/inbox/domain"
)

// newNodeID names this process in sb_events, so it skips what it announced itself.
func newNodeID() string {
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		return time.Now().Format("150405.000000000")
	}
	return hex.EncodeToString(b)
}

// Node is this process's name in sb_events.
func (db *DB) Node() string { return db.node }

const (
	// eventsKept is how long announced events stay in sb_events for nodes that were away.
	eventsKept = 10 * time.Minute
	// pollEvery reads sb_events even without a notification: an event whose transaction
	// finished while an older one still ran becomes readable only once that one ends.
	pollEvery = time.Second
)

// Listen calls fn with every payload other nodes announced, as soon as its transaction commits
// (in transaction id order), from when the database was opened until ctx ends. A lost connection is opened again (every second, for
// ever) and what was announced meanwhile is read then; if the node was away longer than events
// are kept, gap is called instead (the inbox reloads everything it shows). It returns ctx's
// error.
func (db *DB) Listen(ctx context.Context, fn func(payload []byte), gap func()) error {
	// from is an xid8: every transaction below it was read (or had finished before Listen was
	// called). It is taken first, before any connection of its own, so a commit that lands
	// while that connection is still being made is read, not skipped.
	from := db.start // taken when the database was opened: nothing after that is missed
	for from == "" {
		if err := db.pool.QueryRow(ctx, `SELECT pg_snapshot_xmin(pg_current_snapshot())::text`).Scan(&from); err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			sleep(ctx, time.Second)
		}
	}
	done := map[string]bool{} // transactions at or above from already delivered
	var lost time.Time
	lastPrune := time.Time{}
	for ctx.Err() == nil {
		conn, err := db.listenConn(ctx)
		if err != nil {
			if lost.IsZero() {
				lost = time.Now()
			}
			sleep(ctx, time.Second)
			continue
		}
		if !lost.IsZero() && time.Since(lost) > eventsKept/2 {
			// away too long: what was announced meanwhile may be gone
			from, err = xmin(ctx, conn)
			if err == nil {
				gap()
			}
		}
		lost = time.Time{}
		for err == nil && ctx.Err() == nil {
			from, err = db.readEvents(ctx, conn, from, done, fn)
			if err != nil {
				break
			}
			if time.Since(lastPrune) > time.Minute {
				lastPrune = time.Now()
				_, _ = conn.Exec(ctx, `DELETE FROM sb_events WHERE at < now() - $1::interval`, eventsKept.String())
				_, _ = conn.Exec(ctx, `DELETE FROM sb_attendance WHERE beat < now() - interval '1 hour'`)
				_, _ = conn.Exec(ctx, `DELETE FROM sb_commits WHERE at < now() - interval '1 hour'`)
			}
			wctx, cancel := context.WithTimeout(ctx, pollEvery)
			_, err = conn.WaitForNotification(wctx)
			cancel()
			if err != nil && (errors.Is(err, context.DeadlineExceeded) || pgconn.Timeout(err)) && ctx.Err() == nil && !conn.IsClosed() {
				err = nil // no notification this second: read anyway
			}
		}
		conn.Close(context.Background())
		if ctx.Err() == nil {
			lost = time.Now()
			sleep(ctx, 200*time.Millisecond)
		}
	}
	return ctx.Err()
}

func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

// listenConn is a connection of its own (not the pool's) that listens on sb_events.
func (db *DB) listenConn(ctx context.Context) (*pgx.Conn, error) {
	cfg := db.pool.Config().ConnConfig.Copy()
	cfg.RuntimeParams["application_name"] = "switchboard listen " + db.node
	// a wait that times out only stops waiting; the connection stays usable
	cfg.BuildContextWatcherHandler = func(pc *pgconn.PgConn) ctxwatch.Handler {
		return &pgconn.DeadlineContextWatcherHandler{Conn: pc.Conn()}
	}
	cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	conn, err := pgx.ConnectConfig(cctx, cfg)
	if err != nil {
		return nil, err
	}
	if _, err := conn.Exec(cctx, `LISTEN sb_events`); err != nil {
		conn.Close(context.Background())
		return nil, err
	}
	return conn, nil
}

// xmin is the oldest transaction still running: every one below it has finished.
func xmin(ctx context.Context, conn *pgx.Conn) (string, error) {
	var x string
	err := conn.QueryRow(ctx, `SELECT pg_snapshot_xmin(pg_current_snapshot())::text`).Scan(&x)
	return x, err
}

// readEvents calls fn with the payloads of every transaction committed since the last read,
// in transaction id order: the rows its snapshot sees from from on, less those already
// delivered. It returns the next from: the oldest transaction still running, below which every
// transaction has finished and was read (rows at or above it that were delivered are kept in
// done, so none is delivered twice). A transaction held open anywhere on the server holds from
// back, not delivery: what commits meanwhile is read at once.
func (db *DB) readEvents(ctx context.Context, conn *pgx.Conn, from string, done map[string]bool, fn func([]byte)) (string, error) {
	tx, err := conn.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return from, err
	}
	defer tx.Rollback(context.Background())
	var to string
	if err := tx.QueryRow(ctx, `SELECT pg_snapshot_xmin(pg_current_snapshot())::text`).Scan(&to); err != nil {
		return from, err
	}
	rows, err := tx.Query(ctx, `SELECT xid::text, xid < $2::xid8, payload FROM sb_events WHERE xid >= $1::xid8 AND node <> $3 ORDER BY xid, seq`, from, to, db.node)
	if err != nil {
		return from, err
	}
	type got struct {
		xid     string
		settled bool // below the new from: will never be seen again
		payload []byte
	}
	var all []got
	for rows.Next() {
		var g got
		if err := rows.Scan(&g.xid, &g.settled, &g.payload); err != nil {
			rows.Close()
			return from, err
		}
		all = append(all, g)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return from, err
	}
	if err := tx.Commit(ctx); err != nil {
		return from, err
	}
	delivered := map[string]bool{}
	for _, g := range all {
		if !done[g.xid] {
			fn(g.payload)
		}
		delivered[g.xid] = true
	}
	// what stays above the new from is remembered; what fell below it is settled
	for x := range done {
		delete(done, x)
	}
	for _, g := range all {
		if !g.settled && delivered[g.xid] {
			done[g.xid] = true
		}
	}
	return to, nil
}

var _ domain.Shared = (*DB)(nil)

// PutAttendance replaces this node's record of live sessions.
func (t *Tx) PutAttendance(ops map[string]domain.Attending) error {
	if err := t.exec(`DELETE FROM sb_attendance WHERE node = $1`, t.db.node); err != nil {
		return err
	}
	// the node's own row (operator ""): it is alive, sessions or not
	if err := t.exec(`INSERT INTO sb_attendance (node, operator, sessions, last) VALUES ($1, '', 0, 0)`, t.db.node); err != nil {
		return err
	}
	for op, a := range ops {
		if a.Sessions <= 0 {
			continue
		}
		if err := t.exec(`INSERT INTO sb_attendance (node, operator, sessions, last) VALUES ($1, $2, $3, $4)`,
			t.db.node, clean(op), a.Sessions, a.Last.UnixNano()); err != nil {
			return err
		}
	}
	return nil
}

// Attendance is the other nodes' live sessions recorded within ttl, by operator.
func (t *Tx) Attendance(ttl time.Duration) (map[string]domain.Attending, error) {
	rows, err := t.tx.Query(t.ctx, `SELECT operator, sum(sessions)::int, max(last) FROM sb_attendance
		WHERE node <> $1 AND operator <> '' AND beat > now() - $2::interval GROUP BY operator`, t.db.node, ttl.String())
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]domain.Attending{}
	for rows.Next() {
		var op string
		var n int
		var last int64
		if err := rows.Scan(&op, &n, &last); err != nil {
			return nil, err
		}
		out[op] = domain.Attending{Sessions: n, Last: time.Unix(0, last)}
	}
	return out, rows.Err()
}

// Node names this process in the shared tables.
func (t *Tx) Node() string { return t.db.node }

// NodesAlive are the nodes whose heartbeat (PutAttendance) was within ttl.
func (t *Tx) NodesAlive(ttl time.Duration) (map[string]bool, error) {
	rows, err := t.tx.Query(t.ctx, `SELECT DISTINCT node FROM sb_attendance WHERE beat > now() - $1::interval`, ttl.String())
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, err
		}
		out[n] = true
	}
	return out, rows.Err()
}
