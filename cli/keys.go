package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"switchboard/inbox"
)

// SSH keys of operators: `operators keys list|add|remove`. A key signs in over SSH (switchboard
// serve --ssh) as the one operator it belongs to.

func newKeysCmd(a *app) *cobra.Command {
	list := func(ctx context.Context, cmd *cobra.Command, args []string) error {
		id := ""
		if len(args) > 0 {
			id = args[0]
		}
		return keysListRun(ctx, a, id)
	}
	cmd := &cobra.Command{
		Use:   "keys",
		Short: "The SSH keys operators sign in with (admins add and remove them)",
		Long: `The SSH public keys operators sign in with, over SSH (switchboard serve --ssh). A key
belongs to one operator, and a session signed with it is that operator: --as, act as and
the SSH user name never change who it is.`,
		Example: `  switchboard operators keys add carol ~/carol.pub
  switchboard operators keys list
  switchboard operators keys remove carol SHA256:uD0lBv…`,
		Args: cobra.MaximumNArgs(1),
		RunE: a.runE(list),
	}
	cmd.AddCommand(
		&cobra.Command{Use: "list [OPERATOR]", Short: "List SSH keys: everyone's, or one operator's", Args: cobra.MaximumNArgs(1), RunE: a.runE(list),
			Example: "  switchboard operators keys list carol --json"},
		&cobra.Command{Use: "add OPERATOR FILE", Short: "Add SSH public keys (FILE: a .pub or authorized_keys file; - reads stdin)", Args: cobra.ExactArgs(2),
			Example: "  switchboard operators keys add carol ~/carol.pub\n  ssh-add -L | switchboard operators keys add carol -",
			RunE: a.runE(func(ctx context.Context, cmd *cobra.Command, args []string) error {
				return keysAddRun(ctx, a, args[0], args[1])
			})},
		&cobra.Command{Use: "remove OPERATOR FINGERPRINT|FILE", Short: "Remove an SSH key, named by its fingerprint or its .pub file", Args: cobra.ExactArgs(2),
			Example: "  switchboard operators keys remove carol SHA256:uD0lBv…\n  switchboard operators keys remove carol ~/old.pub",
			RunE: a.runE(func(ctx context.Context, cmd *cobra.Command, args []string) error {
				return keysRemoveRun(ctx, a, args[0], args[1])
			})},
	)
	return cmd
}

func keysListRun(ctx context.Context, a *app, id string) error {
	c, err := a.connect()
	if err != nil {
		return err
	}
	keys, err := inbox.OpKeys.Call(ctx, c, inbox.IDReq{ID: id})
	if err != nil {
		return err
	}
	return a.emit(keys, func(w *textOut) {
		if len(keys) == 0 {
			if id != "" {
				w.Printf("%s has no SSH key yet: add one with `switchboard operators keys add %s FILE.pub`.\n", id, id)
			} else {
				w.Println("No SSH keys yet: add an operator's with `switchboard operators keys add ID FILE.pub`.")
			}
			return
		}
		tw := w.Table("", 2, 0, 0, 0, nameCells)
		tw.Row("OPERATOR", "TYPE", "FINGERPRINT", "COMMENT")
		for _, k := range keys {
			tw.Row(k.Operator, k.Type, k.Fingerprint, orDash(k.Comment))
		}
		tw.Flush()
	})
}

// maxKeyFile bounds a key file read.
const maxKeyFile = 1 << 20

// readKeys reads the keys of a .pub or authorized_keys file (- for stdin): one per line, blank
// lines and comments skipped.
func readKeys(a *app, file string) ([]string, error) {
	r, err := a.openInput(file, "a key file", "operators keys add OPERATOR -")
	if err != nil {
		return nil, err
	}
	defer r.Close()
	raw, err := readCapped(r, maxKeyFile)
	if errors.Is(err, errTooLarge) {
		return nil, fmt.Errorf("%s is larger than 1 MB: that is not a public key file", file)
	}
	if err != nil {
		return nil, fmt.Errorf("cannot read %s: %v", file, err)
	}
	var keys []string
	for _, line := range strings.Split(string(raw), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		keys = append(keys, line)
	}
	if len(keys) == 0 {
		return nil, fmt.Errorf("%s has no key in it: give the public key file (like ~/.ssh/id_ed25519.pub)", file)
	}
	return keys, nil
}

func keysAddRun(ctx context.Context, a *app, id, file string) error {
	keys, err := readKeys(a, file)
	if err != nil {
		return err
	}
	c, _, err := a.session(ctx)
	if err != nil {
		return err
	}
	var added []inbox.KeyView
	for i, line := range keys {
		k, err := inbox.OpAddKey.Call(ctx, c, inbox.KeyReq{Operator: id, Key: line})
		if err != nil {
			if len(keys) > 1 {
				err = fmt.Errorf("key %d of %s: %w (the %d before it were added)", i+1, file, err, i)
			}
			return err
		}
		added = append(added, k)
	}
	return a.emit(added, func(w *textOut) {
		for _, k := range added {
			w.Printf("%s signs in with %s %s%s.\n", k.Operator, k.Type, k.Fingerprint, commentOf(k))
		}
	})
}

func commentOf(k inbox.KeyView) string {
	if k.Comment == "" {
		return ""
	}
	return " (" + k.Comment + ")"
}

func keysRemoveRun(ctx context.Context, a *app, id, which string) error {
	names := []string{which}
	if !strings.HasPrefix(which, "SHA256:") {
		keys, err := readKeys(a, which)
		if err != nil {
			return fmt.Errorf("%v; or name the key by its fingerprint (SHA256:…, see `switchboard operators keys list %s`)", err, id)
		}
		names = keys
	}
	c, _, err := a.session(ctx)
	if err != nil {
		return err
	}
	var removed []inbox.KeyView
	for _, k := range names {
		kv, err := inbox.OpRemoveKey.Call(ctx, c, inbox.KeyReq{Operator: id, Key: k})
		if err != nil {
			return err
		}
		removed = append(removed, kv)
	}
	return a.emit(removed, func(w *textOut) {
		for _, k := range removed {
			w.Printf("%s no longer signs in with %s %s%s; any SSH session it opened ends now.\n", k.Operator, k.Type, k.Fingerprint, commentOf(k))
		}
	})
}

func keyCount(n int) string {
	if n == 0 {
		return "-"
	}
	return fmt.Sprint(n)
}
