// Package data picks the storage engine of a workspace and opens it as an inbox.Store (the
// domain.Store interface). Today there is one engine, the embedded bbolt file (data/bolt); a
// PostgreSQL engine goes beside it (data/postgres) and passes the same conformance suite
// (data/storetest). Only main wires engines to the inbox; ui, demo, the doors and the inbox
// itself never import this package or an engine.
package data

import (
	"os"
	"path/filepath"

	"switchboard/data/bolt"
	"switchboard/inbox/domain"
)

// Open opens (creating if needed) the workspace at where: a file path, for the bbolt engine.
// It gives up within two seconds if another process holds the file, and refuses a file that is
// not a Switchboard workspace or is damaged, without changing it.
func Open(where string) (domain.Store, error) {
	db, err := bolt.Open(where)
	if err != nil {
		return nil, err
	}
	return db, nil
}

// Remove deletes the workspace at where (and the files named in also, the demo's tour progress
// and the socket beside it) only while holding its lock and only if it is a Switchboard
// workspace; otherwise it refuses, naming the file and the process that holds it.
func Remove(where string, also ...string) error { return bolt.RemoveFile(where, also...) }

// ErrInUse is the error (with errors.Is) of opening a workspace another process holds.
var ErrInUse = bolt.ErrInUse

// DefaultPath returns where the workspace lives when no --db or SWITCHBOARD_DB says otherwise:
// $XDG_DATA_HOME/switchboard/<name>, falling back to ~/.local/share/switchboard/<name>.
func DefaultPath(name string) string {
	dir := os.Getenv("XDG_DATA_HOME")
	if dir == "" {
		home, err := os.UserHomeDir()
		if err != nil || home == "" {
			home = "."
		}
		dir = filepath.Join(home, ".local", "share")
	}
	return filepath.Join(dir, "switchboard", name)
}
