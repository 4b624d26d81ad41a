package main

import (
	"os"
	"path/filepath"
	"testing"

	"switchboard/data/postgres/pgtest"
)

// TestPostgresWorkspaceFromTheCommandLine: a workspace copied from its file onto PostgreSQL
// (byte-identical on export), two `serve` nodes on it at once, each with its own socket, the
// commands on each machine going through their node and seeing what the other node did, and
// the copy back to a file.
func TestPostgresWorkspaceFromTheCommandLine(t *testing.T) {
	c := pgtest.Start(t, pgtest.Options{})
	t.Cleanup(c.Stop)
	dsn := c.DSN(t)
	w := newWS(t, true)
	has(t, w.ok(t, "copy", "--from", w.db, "--to", dsn), "byte-identical")
	pg := &ws{dir: w.dir, db: dsn}
	if got, want := pg.ok(t, "export").out, w.ok(t, "export").out; got != want {
		t.Fatalf("the export of the copy differs from the file's:\n%s\n---\n%s", got, want)
	}
	has(t, w.want(t, 1, "copy", "--from", w.db, "--to", dsn), "already has data", "--replace")
	has(t, w.want(t, 2, "copy", "--from", w.db), "needs both --from and --to")

	// two nodes, as on two machines: a runtime folder (and so a socket) each
	node := func(name string) []string {
		dir := filepath.Join(w.dir, name)
		if err := os.MkdirAll(dir, 0o700); err != nil {
			t.Fatal(err)
		}
		return []string{"XDG_RUNTIME_DIR=" + dir}
	}
	one, two := node("one"), node("two")
	t.Setenv("XDG_RUNTIME_DIR", filepath.Join(w.dir, "one")) // where the test looks for the socket
	s1 := pg.serveEnv(t, one)
	t.Setenv("XDG_RUNTIME_DIR", filepath.Join(w.dir, "two"))
	s2 := pg.serveEnv(t, two)
	has(t, pg.runEnv(t, one, "whoami"), "through `switchboard serve`")
	r := pg.runEnv(t, one, "inject", "message", "+34655009999", "Hola, ¿alguien?", "--name", "Rosa Martín", "--id", "wamid.cli.1")
	if r.code != 0 {
		t.Fatalf("inject through node one: %s", r)
	}
	has(t, pg.runEnv(t, two, "list"), "Rosa Martín", "Hola, ¿alguien?")
	if r := pg.runEnv(t, two, "inject", "message", "+34655009999", "Hola, ¿alguien?", "--id", "wamid.cli.1"); r.code != 0 {
		t.Fatalf("the same message through node two: %s", r)
	} else {
		has(t, r, "Already received (same --id): nothing was stored again.")
	}
	// a second node on one machine's runtime folder is told what to do
	r = pg.runEnv(t, one, "serve")
	if r.code == 0 {
		t.Fatalf("a second serve on node one's socket started: %s", r)
	}
	has(t, r, "already served on this machine", "XDG_RUNTIME_DIR")
	s1.stop(t)
	s2.stop(t)

	back := &ws{dir: w.dir, db: filepath.Join(w.dir, "back.db")}
	has(t, back.ok(t, "copy", "--from", dsn, "--to", back.db), "byte-identical")
	if got, want := back.ok(t, "export").out, pg.ok(t, "export").out; got != want {
		t.Fatal("the copy back to a file exports differently")
	}
}
