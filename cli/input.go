package cli

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"switchboard/inbox"
	"switchboard/inbox/rpc"
)

// What a command reads besides its arguments: a file named on the command line, or - for
// standard input.
//
// Over SSH (a door's session, a.remote set) only - is read. A file named there would be one of
// the server's, opened with the server's rights on behalf of an operator who may not read it;
// the operator sends what they want read on the session's standard input instead.

// openInput opens name (- is stdin) for a command that reads what, the form its command line
// takes over SSH being example (`inject webhook -`).
func (a *app) openInput(name, what, example string) (io.ReadCloser, error) {
	if name == "-" {
		return io.NopCloser(a.stdin), nil
	}
	if a.remote != nil {
		return nil, &exitError{code: exitUsage, noUsage: true, err: fmt.Errorf(
			"Over SSH %s is read from your side of the session, never from a file on the server: give - and send it on standard input (`ssh -p PORT HOST %s < %s`)",
			what, example, name)}
	}
	f, err := os.Open(name)
	if err != nil {
		return nil, fmt.Errorf("cannot read %s: %v", name, err)
	}
	return f, nil
}

// errTooLarge is what readCapped returns past its cap.
var errTooLarge = errors.New("too large")

// readCapped reads r whole, refusing (errTooLarge) more than max bytes: what it reads is held
// in memory, and standard input or a file like /dev/zero never ends.
func readCapped(r io.Reader, max int64) ([]byte, error) {
	raw, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(raw)) > max {
		return nil, errTooLarge
	}
	return raw, nil
}

// cappedReader reads r and fails once more than max bytes came, with msg: for a document
// streamed to its reader rather than held whole.
type cappedReader struct {
	r    io.Reader
	left int64
	msg  string
}

func (c *cappedReader) Read(p []byte) (int, error) {
	if c.left <= 0 {
		// one byte more says whether the stream ends exactly at the cap
		var one [1]byte
		n, err := c.r.Read(one[:])
		if n > 0 {
			return 0, errors.New(c.msg)
		}
		return 0, err
	}
	if int64(len(p)) > c.left {
		p = p[:c.left]
	}
	n, err := c.r.Read(p)
	c.left -= int64(n)
	return n, err
}

// exists says whether --db names a workspace (see workspaceAt).
func (a *app) exists() bool { return a.remote != nil || workspaceAt(a.db) == nil }

// needWorkspace refuses a --db with no workspace for a command that does not make one: a
// mistyped path must not become a new, empty workspace that every command then reports on.
func (a *app) needWorkspace() error {
	if a.creates || a.remote != nil {
		return nil
	}
	return workspaceAt(a.db)
}

// workspaceAt says why db names no workspace, nil when it does: a database server's URL, or a
// file that is there and not empty (a folder, or another program's file, is there too: opening
// it says what it is).
func workspaceAt(db string) error {
	if rpc.IsURL(db) {
		return nil
	}
	abs, err := rpc.Resolve(db)
	if err != nil {
		return nil // opening it says what is wrong
	}
	st, err := os.Stat(abs)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	start := "make one there with `switchboard import FILE`, or `switchboard operators add ID --name NAME --role admin` for its first admin (`switchboard demo` opens a demo workspace of its own)"
	if err != nil {
		return &inbox.Error{Kind: inbox.NotFound, Msg: fmt.Sprintf(
			"No workspace at %s: check --db (or SWITCHBOARD_DB); to start a new one, %s", rpc.Redact(abs), start)}
	}
	if st.Mode().IsRegular() && st.Size() == 0 {
		return &inbox.Error{Kind: inbox.NotFound, Msg: fmt.Sprintf(
			"%s is empty (0 bytes), so it holds no workspace: if it was one, it was cut short (a full disk, a copy that failed): restore it from a backup or an export; to start a new workspace in it, %s", rpc.Redact(abs), start)}
	}
	return nil
}

// undoCreate removes the workspace file this run made (it was not there when the run began)
// after the command that made it failed: a refused first command leaves nothing behind.
func (a *app) undoCreate(madeDirs []string) {
	if a.conn != nil {
		a.conn.Close()
		a.conn = nil
	}
	if abs, err := rpc.Resolve(a.db); err == nil && !rpc.IsURL(abs) {
		a.wiring.RemoveFile(abs)
	}
	for _, d := range madeDirs { // deepest first; a folder something else was put in stays
		os.Remove(d)
	}
}

// missingDirs are the folders above --db that are not there yet (deepest first): what making
// the workspace would create, and undoCreate removes again.
func (a *app) missingDirs() []string { return missingDirsOf(a.db) }

// missingDirsOf are the folders above the workspace file db that are not there yet, deepest
// first (none for a database server's URL).
func missingDirsOf(db string) []string {
	abs, err := rpc.Resolve(db)
	if err != nil || rpc.IsURL(abs) {
		return nil
	}
	var out []string
	for d := filepath.Dir(abs); ; d = filepath.Dir(d) {
		if _, err := os.Stat(d); !errors.Is(err, fs.ErrNotExist) || d == filepath.Dir(d) {
			return out
		}
		out = append(out, d)
	}
}
