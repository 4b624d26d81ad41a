// Command switchboard is the terminal team inbox: with no subcommand it opens the terminal
// inbox; its subcommands do everything the screens do, from the shell and from scripts.
//
// main only wires: it picks the storage engine (today the bbolt file of package data), hands
// what the commands need of it to package cli, and exits with the code cli returns. The
// commands themselves, their flags, output and exit codes are package cli.
package main

import (
	"errors"
	"fmt"
	"os"

	"switchboard/cli"
	"switchboard/data"
	"switchboard/inbox"
	"switchboard/inbox/rpc"
)

func main() {
	data.OnUpgrade(func(path string, from, to int) {
		fmt.Fprintf(os.Stderr, "Upgrading %s from schema %d to %d (once; a large workspace takes a while)…\n", path, from, to)
	})
	os.Exit(cli.Run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr, wiring()))
}

// engine is the storage the doors open a workspace with: the embedded bbolt file (package
// data picks the engine for a path).
var engine = rpc.Engine{Open: data.Open, InUse: data.ErrInUse}

// wiring is the engine under the commands.
func wiring() cli.Wiring {
	return cli.Wiring{
		DefaultPath: data.DefaultPath,
		Connect:     func(path, as string) (*rpc.Conn, error) { return rpc.Connect(path, engine, as, inbox.Options{}) },
		Own:         func(path, kind string) (*rpc.Owner, error) { return rpc.Own(path, kind, engine, inbox.Options{}) },
		RemoveFile:  data.Remove,
		InUse:       func(err error) bool { return errors.Is(err, data.ErrInUse) },
		CheckCursor: inbox.CheckCursor,
	}
}
