// Command switchboard is the terminal team inbox: with no subcommand it opens the terminal
// inbox; its subcommands do everything the screens do, from the shell and from scripts.
//
// main only wires: it picks the storage engine (today the bbolt file of package data), hands
// what the commands need of it to package cli, and exits with the code cli returns. The
// commands themselves, their flags, output and exit codes are package cli.
package main

import (
	"errors"
	"os"

	"switchboard/cli"
	"switchboard/data"
	"switchboard/inbox"
	"switchboard/inbox/rpc"
)

func main() {
	os.Exit(cli.Run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr, wiring()))
}

// wiring is the engine under the commands: the bbolt file (package data), opened by
// inbox.Open inside rpc.Connect and rpc.Own.
func wiring() cli.Wiring {
	return cli.Wiring{
		DefaultPath: data.DefaultPath,
		Connect:     func(path string) (*rpc.Conn, error) { return rpc.Connect(path, inbox.Options{}) },
		Own:         func(path, kind string) (*rpc.Owner, error) { return rpc.Own(path, kind, inbox.Options{}) },
		RemoveFile:  data.RemoveFile,
		InUse:       func(err error) bool { return errors.Is(err, data.ErrInUse) },
		CheckCursor: func(cursor string) error { _, err := data.DecodeCursor(cursor); return err },
	}
}
