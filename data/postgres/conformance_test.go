package postgres

import (
	"os"
	"testing"

	"switchboard/data/postgres/pgtest"
	"switchboard/data/storetest"
	"switchboard/inbox/domain"
)

var cluster *pgtest.Cluster

func TestMain(m *testing.M) {
	if dsn := os.Getenv("SWITCHBOARD_TEST_NODE"); dsn != "" {
		childNode(dsn) // the node TestANodeKilledMidTransactionLosesNothingAcknowledged kills
		return
	}
	cluster = pgtest.StartMain(pgtest.Options{})
	code := m.Run()
	cluster.Stop()
	durable.Stop()
	os.Exit(code)
}

// open opens a new, empty workspace database on the test cluster.
func open(t testing.TB) *DB {
	t.Helper()
	if cluster == nil {
		t.Skip("no PostgreSQL server for the tests (see package pgtest)")
	}
	db, err := Open(cluster.DSN(t))
	if err != nil {
		t.Fatal(err)
	}
	return db
}

// TestConformance runs the store conformance suite on the PostgreSQL engine, unchanged.
func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) domain.Store { return open(t) })
}
