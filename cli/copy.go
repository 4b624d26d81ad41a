package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"switchboard/inbox"
	"switchboard/inbox/rpc"
)

// copyOptions is what `copy` parsed.
type copyOptions struct {
	*app
	From, To string
	Replace  bool
}

func newCopyCmd(a *app, runF func(context.Context, *copyOptions) error) *cobra.Command {
	opts := &copyOptions{app: a}
	cmd := &cobra.Command{
		Use:   "copy --from WORKSPACE --to WORKSPACE",
		Short: "Copy a workspace to another (a file to PostgreSQL, or back)",
		Long: `Copy a workspace from one engine to another: a bbolt file to a PostgreSQL database, a
database to a file, or a file to a file. It is export | import in one step, checked: the copy is
exported again and must be byte-identical to the source's export, or the command fails and says
where they differ. The target must be empty, or give --replace (and act as one of its admins).
The source may be open in a running switchboard (the copy goes through its socket).`,
		Example: `  switchboard copy --from ~/.local/share/switchboard/switchboard.db --to postgres://sb@db.internal/switchboard
  switchboard copy --from postgres://sb@db.internal/switchboard --to backup.db`,
		Args: cobra.NoArgs,
		RunE: a.runE(func(ctx context.Context, cmd *cobra.Command, args []string) error {
			return runOr(ctx, opts, runF, copyRun)
		}),
	}
	cmd.Flags().StringVar(&opts.From, "from", "", "the workspace to copy: a file, or a postgres:// URL")
	cmd.Flags().StringVar(&opts.To, "to", "", "where to copy it: a file, or a postgres:// URL")
	cmd.Flags().BoolVar(&opts.Replace, "replace", false, "replace a target that has data (its admins)")
	return cmd
}

func copyRun(ctx context.Context, opts *copyOptions) error {
	if opts.From == "" || opts.To == "" {
		return usagef("copy needs both --from and --to: the workspace to copy and where to copy it")
	}
	from, err := rpc.Resolve(opts.From)
	if err != nil {
		return err
	}
	to, err := rpc.Resolve(opts.To)
	if err != nil {
		return err
	}
	if sameWorkspace(from, to) {
		return usagef("--from and --to are the same workspace (%s): give another target", rpc.Redact(from))
	}
	if err := workspaceAt(from); err != nil {
		return fmt.Errorf("the source: %w", err)
	}
	src, err := opts.wiring.Connect(from, "")
	if err != nil {
		return fmt.Errorf("the source %s: %w", rpc.Redact(from), err)
	}
	defer src.Close()
	var doc bytes.Buffer
	if err := src.Export(ctx, &doc); err != nil {
		return fmt.Errorf("exporting %s: %w", rpc.Redact(from), err)
	}
	// a target file this copy makes is removed again, with the folders made for it, when the
	// copy cannot be loaded into it: a failed copy leaves nothing behind
	var made bool
	var madeDirs []string
	if !rpc.IsURL(to) {
		_, statErr := os.Lstat(to)
		made, madeDirs = errors.Is(statErr, fs.ErrNotExist), missingDirsOf(to)
	}
	undo := func() {
		if made {
			opts.wiring.RemoveFile(to)
			for _, d := range madeDirs { // deepest first; a folder something else was put in stays
				os.Remove(d)
			}
		}
	}
	dst, err := opts.wiring.Connect(to, opts.as)
	if err != nil {
		undo()
		return fmt.Errorf("the target %s: %w", rpc.Redact(to), err)
	}
	if err := dst.Import(ctx, bytes.NewReader(doc.Bytes()), opts.Replace); err != nil {
		dst.Close()
		if inbox.KindOf(err) != inbox.Conflict { // the target has data: another process made it meanwhile
			undo()
		}
		return fmt.Errorf("the target %s: %w", rpc.Redact(to), err)
	}
	defer dst.Close()
	var again bytes.Buffer
	if err := dst.Export(ctx, &again); err != nil {
		return fmt.Errorf("exporting the copy in %s to check it: %w", rpc.Redact(to), err)
	}
	if at := firstDifference(doc.Bytes(), again.Bytes()); at >= 0 {
		return fmt.Errorf("the copy in %s exports differently from %s, from byte %d on (source %q, copy %q); the copy stays as it is: compare `switchboard export` of both",
			rpc.Redact(to), rpc.Redact(from), at, excerpt(doc.Bytes(), at), excerpt(again.Bytes(), at))
	}
	return opts.emit(map[string]any{"from": rpc.Redact(from), "to": rpc.Redact(to), "bytes": doc.Len(), "identical": true}, func(w *textOut) {
		w.Printf("Copied %s to %s: %d bytes of workspace; the copy's export is byte-identical.\n", rpc.Redact(from), rpc.Redact(to), doc.Len())
	})
}

func firstDifference(a, b []byte) int {
	n := min(len(a), len(b))
	for i := 0; i < n; i++ {
		if a[i] != b[i] {
			return i
		}
	}
	if len(a) != len(b) {
		return n
	}
	return -1
}

func excerpt(b []byte, at int) string {
	end := min(len(b), at+40)
	if at > len(b) {
		return ""
	}
	return string(b[at:end])
}

// sameWorkspace: two names of one workspace (postgresql:// is postgres://, a password and the
// order of parameters change nothing).
func sameWorkspace(a, b string) bool {
	norm := func(s string) string {
		if !rpc.IsURL(s) {
			return s
		}
		u, err := url.Parse(strings.Replace(s, "postgresql://", "postgres://", 1))
		if err != nil {
			return s
		}
		if u.User != nil {
			u.User = url.User(u.User.Username())
		}
		q := u.Query()
		q.Del("password")
		u.RawQuery = q.Encode()
		if u.Port() == "" && u.Host != "" && !strings.Contains(u.Host, ",") {
			u.Host += ":5432"
		}
		return u.String()
	}
	return norm(a) == norm(b)
}
