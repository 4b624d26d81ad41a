package cli

import (
	"fmt"

	"switchboard/inbox/rpc"
)

// Wiring is what the commands need of the storage engine, filled by main: the one seam between
// the command line and the engine. The commands name no storage package; to put another engine
// under them, main fills these fields from it.
type Wiring struct {
	// DefaultPath is where the workspace file called name lives when neither --db nor
	// SWITCHBOARD_DB names one.
	DefaultPath func(name string) string
	// Connect reaches the workspace file at path, acting as as ("" for its first admin): through
	// the socket of the process that owns it, else by opening the file in this process.
	Connect func(path, as string) (*rpc.Conn, error)
	// Own opens the workspace file at path and makes this process its owner, serving it on the
	// socket beside it; kind names the owner ("serve", "tui").
	Own func(path, kind string) (*rpc.Owner, error)
	// RemoveFile deletes the workspace file at path and the files in also (demo --reset), only
	// while it holds the file's lock and only a file of this engine; a missing file is no error.
	RemoveFile func(path string, also ...string) error
	// InUse reports whether err (from RemoveFile) says that another process has the file open.
	InUse func(err error) bool
	// CheckCursor refuses a list cursor this engine cannot have given, before any file is
	// opened (a usage error).
	CheckCursor func(cursor string) error
}

// check panics, naming the field, when main left a piece of the wiring out: a build mistake,
// not a user's.
func (w Wiring) check() {
	for name, missing := range map[string]bool{
		"DefaultPath": w.DefaultPath == nil, "Connect": w.Connect == nil, "Own": w.Own == nil,
		"RemoveFile": w.RemoveFile == nil, "InUse": w.InUse == nil, "CheckCursor": w.CheckCursor == nil,
	} {
		if missing {
			panic(fmt.Sprintf("cli.Run: Wiring.%s is nil: main must fill every field", name))
		}
	}
}
