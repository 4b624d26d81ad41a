package cli

import (
	"bytes"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"switchboard/inbox/rpc"
)

// noEngine is a wiring whose engine is never reached: for the tests that only parse command
// lines and print help. Reaching it fails the command (and says so).
func noEngine(t *testing.T) Wiring {
	fail := errors.New("the test wiring has no engine")
	return Wiring{
		DefaultPath: func(name string) string { return filepath.Join(t.TempDir(), name) },
		Connect:     func(string, string) (*rpc.Conn, error) { return nil, fail },
		Own:         func(string, string) (*rpc.Owner, error) { return nil, fail },
		RemoveFile:  func(string, ...string) error { return fail },
		InUse:       func(error) bool { return false },
		CheckCursor: func(string) error { return nil },
	}
}

// every command has help with examples, and --help exits 0 (run in-process: it is fast).
func TestHelpOnEveryCommand(t *testing.T) {
	a := &app{wiring: noEngine(t)}
	var walk func(c *cobra.Command)
	var paths [][]string
	walk = func(c *cobra.Command) {
		if c.Hidden || c.Name() == "help" || c.Name() == "completion" {
			return
		}
		paths = append(paths, strings.Fields(c.CommandPath())[1:])
		if c.Example == "" {
			t.Errorf("%s has no examples", c.CommandPath())
		}
		for _, s := range c.Commands() {
			walk(s)
		}
	}
	walk(a.commands())
	if len(paths) < 40 {
		t.Fatalf("only %d commands", len(paths))
	}
	for _, p := range paths {
		var out, errb bytes.Buffer
		code := Run(append(p, "--help"), strings.NewReader(""), &out, &errb, noEngine(t))
		if code != 0 || !strings.Contains(out.String(), "Usage:") || !strings.Contains(out.String(), "Examples:") {
			t.Errorf("switchboard %s --help: exit %d\n%s%s", strings.Join(p, " "), code, out.String(), errb.String())
		}
	}
}
