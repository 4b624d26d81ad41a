// Package xdg names Switchboard's folders the XDG way, for every room that needs one (the
// workspace file's default place, the sockets of database workspaces).
package xdg

import (
	"os"
	"path/filepath"
)

// DataDir is $XDG_DATA_HOME/switchboard, falling back to ~/.local/share/switchboard.
func DataDir() string {
	dir := os.Getenv("XDG_DATA_HOME")
	if dir == "" {
		home, err := os.UserHomeDir()
		if err != nil || home == "" {
			home = "."
		}
		dir = filepath.Join(home, ".local", "share")
	}
	return filepath.Join(dir, "switchboard")
}

// RuntimeDir is $XDG_RUNTIME_DIR, falling back to DataDir.
func RuntimeDir() string {
	if d := os.Getenv("XDG_RUNTIME_DIR"); d != "" {
		return d
	}
	return DataDir()
}
