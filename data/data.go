// Package data picks the storage engine of a workspace and opens it as an inbox.Store (the
// domain.Store interface): a path is the embedded bbolt file (data/bolt), a postgres:// or
// postgresql:// URL the PostgreSQL engine (data/postgres), which several processes share. Both
// pass the same conformance suite (data/storetest). Only main wires engines to the inbox; ui, demo, the doors and the inbox
// itself never import this package or an engine.
package data

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"switchboard/data/bolt"
	"switchboard/data/postgres"
	"switchboard/inbox/domain"
	"switchboard/internal/redact"
	"switchboard/internal/xdg"
)

// Open opens (creating if needed) the workspace at where: a file path, for the bbolt engine.
// It gives up within two seconds if another process holds the file, and refuses a file that is
// not a Switchboard workspace or is damaged, without changing it.
//
// A PostgreSQL URL connects to that database and brings its schema up to date.
func Open(where string) (domain.Store, error) {
	if postgres.IsDSN(where) {
		db, err := postgres.Open(where)
		if err != nil {
			return nil, err
		}
		return db, nil
	}
	if redact.LooksLikeKeyValueDSN(where) {
		return nil, fmt.Errorf("the workspace given looks like a PostgreSQL key=value connection string; give it as a URL instead: postgres://USER@HOST:PORT/DATABASE")
	}
	if strings.Contains(where, "://") {
		return nil, fmt.Errorf("%s: the workspace is a file path or a postgres:// URL; this engine knows no other URL", redact.URL(where))
	}
	db, err := bolt.Open(where)
	if err != nil {
		return nil, err
	}
	return db, nil
}

// OnUpgrade has f told before an existing workspace file is migrated to a newer schema (the
// embedded engine; a large file takes a while), so the command that opens it can say why.
func OnUpgrade(f func(path string, from, to int)) { bolt.OnUpgrade = f }

// Remove deletes the workspace at where (and the files named in also, the demo's tour progress
// and the socket beside it) only while holding its lock and only if it is a Switchboard
// workspace; otherwise it refuses, naming the file and the process that holds it.
//
// A PostgreSQL workspace is emptied instead (its tables stay), and the files in also removed.
func Remove(where string, also ...string) error {
	if postgres.IsDSN(where) {
		db, err := postgres.Open(where)
		if err != nil {
			return err
		}
		defer db.Close()
		if err := db.Update(func(tx domain.Tx) error { return tx.Clear() }); err != nil {
			return err
		}
		for _, p := range also {
			if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
				return fmt.Errorf("cannot delete %s: %v", p, err)
			}
		}
		return nil
	}
	return bolt.RemoveFile(where, also...)
}

// ErrInUse is the error (with errors.Is) of opening a workspace another process holds.
var ErrInUse = bolt.ErrInUse

// DefaultPath returns where the workspace lives when no --db or SWITCHBOARD_DB says otherwise:
// $XDG_DATA_HOME/switchboard/<name>, falling back to ~/.local/share/switchboard/<name>.
func DefaultPath(name string) string { return filepath.Join(xdg.DataDir(), name) }
