package main

import (
	"context"
	"errors"

	"github.com/spf13/cobra"
)

// runInbox opens the terminal inbox (the root command).
func (a *app) runInbox(ctx context.Context, cmd *cobra.Command, args []string) error {
	return errors.New("the terminal inbox is not built into this switchboard yet; use the subcommands (see `switchboard --help`)")
}

// demoCmd is the demo workspace command; nil until package demo exists.
func (a *app) demoCmd() *cobra.Command { return nil }
