package cli

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"switchboard/inbox"
)

// searchOptions is what `search` parsed.
type searchOptions struct {
	*app
	Query         string
	Offset, Limit int
}

// newSearchCmd is the inbox's search (/) from the shell.
func newSearchCmd(a *app, runF func(context.Context, *searchOptions) error) *cobra.Command {
	opts := &searchOptions{app: a}
	cmd := &cobra.Command{
		Use:   "search QUERY",
		Short: "Find contacts by name, number, @username or the words of their messages",
		Long: `Finds contacts as the terminal inbox's search (/) does: a number (its start, or the
national part typed without the country code), a business-scoped user id, a name or @username
containing QUERY, or the text of their latest messages and replies containing it — case and
accents ignored ("rosa martin" finds "Rosa Martín"). Prints how many matched and a page of
them (numbers and names first, then message text, with the message it was found by);
--offset turns the page.`,
		Example: `  switchboard search "rosa martin"
  switchboard search parcel --limit 20
  switchboard search parcel --offset 10 --json`,
		Args: cobra.ExactArgs(1),
		RunE: a.runE(func(ctx context.Context, cmd *cobra.Command, args []string) error {
			opts.Query = args[0]
			if strings.TrimSpace(opts.Query) == "" {
				return usagef("the query is empty: give part of a name, a number or words of a message")
			}
			if opts.Offset < 0 {
				return usagef("--offset %d: give 0 or more", opts.Offset)
			}
			if opts.Limit < 1 || opts.Limit > inbox.SearchMax {
				return usagef("--limit %d: give 1 to %d", opts.Limit, inbox.SearchMax)
			}
			return runOr(ctx, opts, runF, searchRun)
		}),
	}
	cmd.Flags().IntVar(&opts.Offset, "offset", 0, "skip the first N matches (the next page)")
	cmd.Flags().IntVar(&opts.Limit, "limit", 10, fmt.Sprintf("at most N matches (1 to %d)", inbox.SearchMax))
	return cmd
}

func searchRun(ctx context.Context, opts *searchOptions) error {
	c, err := opts.connect()
	if err != nil {
		return err
	}
	r, err := inbox.OpSearch.Call(ctx, c, inbox.SearchReq{Query: strings.TrimPrefix(strings.TrimSpace(opts.Query), "+"), Offset: opts.Offset, Limit: opts.Limit})
	if err != nil {
		return err
	}
	return opts.emit(r, func(w *textOut) {
		if r.Total == 0 {
			w.Printf("Nothing matches %q.\n", opts.Query)
			return
		}
		if len(r.Hits) == 0 {
			w.Printf("%d matches; none from %d on (try --offset 0).\n", r.Total, r.Offset+1)
			return
		}
		t := w.Table("", 2, 0, nameCells, nameCells, 60)
		t.Row("NUMBER", "NAME", "OWNER", "FOUND IN")
		for _, h := range r.Hits {
			found := "name or number"
			if h.Snippet != "" {
				found = "✉ " + h.Snippet
			}
			t.Row(h.Handle(), nameCell(h.ContactView), orDash(h.OwnerName), found)
		}
		t.Flush()
		last := r.Offset + len(r.Hits)
		switch {
		case r.Total == 1:
			w.Printf("1 match.")
		case r.Offset == 0 && last == r.Total:
			w.Printf("%d matches.", r.Total)
		default:
			w.Printf("%d–%d of %d matches.", r.Offset+1, last, r.Total)
		}
		if last < r.Total {
			w.Printf(" Next: switchboard search %s --offset %s", shellQuote(opts.Query), strconv.Itoa(last))
			if opts.Limit != 10 {
				w.Printf(" --limit %d", opts.Limit)
			}
		}
		w.Printf("\n")
	})
}
