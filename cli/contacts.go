package cli

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"switchboard/inbox"
)

// `switchboard contacts`: list (or search), add, edit, remove.

// contactsListOptions is what the list of contacts parsed.
type contactsListOptions struct {
	Search string
	Limit  int
}

func newContactsCmd(a *app) *cobra.Command {
	var opts contactsListOptions
	return adminList[inbox.ContactView]{
		Use:   "contacts",
		Short: "List, add, edit or remove contacts (admins change them)",
		Example: `  switchboard contacts --search ortiz
  switchboard contacts add +15550007777 --name "Ivy Chen" --tags vip
  switchboard contacts edit +15550007777 --tags vip,wholesale
  switchboard contacts remove +15550007777

Owners change with ` + "`switchboard owner CONTACT OPERATOR`" + `, so routing keeps owner and assignee in sync.`,
		ListShort: "List or search contacts", ListExample: "  switchboard contacts list --search 1555000",
		Empty:  "No contacts match.",
		Header: []string{"NUMBER", "NAME", "USERNAME", "BSUID", "OWNER", "TAGS"},
		Flags: func(cmd *cobra.Command) {
			cmd.Flags().StringVar(&opts.Search, "search", "", "names containing, or numbers starting with, this")
			cmd.Flags().IntVar(&opts.Limit, "limit", 200, "at most this many contacts")
		},
		Load: func(ctx context.Context, c inbox.Conn) ([]inbox.ContactView, func(int, inbox.ContactView) []string, error) {
			cs, err := inbox.OpContacts.Call(ctx, c, inbox.SearchReq{Query: opts.Search, Limit: opts.Limit})
			return cs, contactRow, err
		},
	}.newCmd(a,
		newContactsSaveCmd(a, true, nil),
		newContactsSaveCmd(a, false, nil),
		newRemoveCmd(a, "remove PHONE", "Remove a contact with its conversation and timeline (admins)",
			"  switchboard contacts remove +15550007777",
			func(ctx context.Context, c inbox.Conn, as, id string) error {
				return run0(ctx, inbox.OpDeleteContact, c, inbox.ContactReq{Contact: id})
			},
			func(a *app, id string) error { return a.removed(id, "Contact %s removed, with its conversation.\n") }, nil))
}

func contactRow(_ int, ct inbox.ContactView) []string {
	owner := "-"
	if ct.Owner != nil {
		owner = *ct.Owner
	}
	user := "-"
	if ct.Username != "" {
		user = "@" + ct.Username
	}
	return []string{ct.Number(), orDash(ct.Name), user, orDash(ct.BSUID), owner, orDash(strings.Join(ct.Tags, ","))}
}

// findContact finds the contact a person names (number, BSUID, @username or id).
func findContact(ctx context.Context, c inbox.Conn, who string) (inbox.ContactView, bool, error) {
	ct, err := inbox.OpContact.Call(ctx, c, inbox.ContactReq{Contact: who})
	if inbox.KindOf(err) == inbox.NotFound {
		return inbox.ContactView{}, false, nil
	}
	return ct, err == nil, err
}

// contactsSaveOptions is what `contacts add` or `contacts edit` parsed; a nil field was not
// given and stays.
type contactsSaveOptions struct {
	*app
	Adding bool // add; false: edit
	Phone  string
	Name   *string
	Tags   *[]string
}

// newContactsSaveCmd is `contacts add` (adding) or `contacts edit`.
func newContactsSaveCmd(a *app, adding bool, runF func(context.Context, *contactsSaveOptions) error) *cobra.Command {
	opts := &contactsSaveOptions{app: a, Adding: adding}
	var name, tags string
	cmd := &cobra.Command{Args: cobra.ExactArgs(1),
		RunE: a.runE(func(ctx context.Context, cmd *cobra.Command, args []string) error {
			if !adding {
				if err := nothingToChange(cmd, "name", "tags"); err != nil {
					return err
				}
			}
			opts.Phone, opts.Name = args[0], given(cmd, "name", &name)
			if cmd.Flags().Changed("tags") {
				t := splitList(tags)
				opts.Tags = &t
			}
			return runOr(ctx, opts, runF, contactsSaveRun)
		}),
	}
	if adding {
		cmd.Use, cmd.Short = "add PHONE", "Add a contact (admins)"
		cmd.Example = `  switchboard contacts add +15550007777 --name "Ivy Chen" --tags vip`
		cmd.Flags().StringVar(&name, "name", "", "the contact's name")
		cmd.Flags().StringVar(&tags, "tags", "", "tags, comma-separated")
	} else {
		cmd.Use, cmd.Short = "edit PHONE", "Change a contact's name or tags (admins)"
		cmd.Example = `  switchboard contacts edit +15550007777 --name "Ivy Chen-Wu" --tags vip,wholesale`
		cmd.Flags().StringVar(&name, "name", "", "new name")
		cmd.Flags().StringVar(&tags, "tags", "", "new tags, comma-separated (empty clears them)")
	}
	return cmd
}

func contactsSaveRun(ctx context.Context, opts *contactsSaveOptions) error {
	c, _, err := opts.session(ctx)
	if err != nil {
		return err
	}
	cur, exists, err := findContact(ctx, c, opts.Phone)
	if err != nil {
		return err
	}
	if opts.Adding && exists {
		return &inbox.Error{Kind: inbox.Conflict, Msg: fmt.Sprintf("Contact %s (%s) already exists; change it with `switchboard contacts edit`", cur.Display(), cur.Handle())}
	}
	if !opts.Adding && !exists {
		return &inbox.Error{Kind: inbox.NotFound, Msg: fmt.Sprintf("Contact %s not found; add it with `switchboard contacts add`", opts.Phone)}
	}
	rec := inbox.Contact{ID: opts.Phone, Name: cur.Name, Tags: cur.Tags}
	if exists {
		rec.ID = cur.ID
	}
	set(&rec.Name, opts.Name)
	set(&rec.Tags, opts.Tags)
	v, err := inbox.OpSaveContact.Call(ctx, c, rec)
	if err != nil {
		return err
	}
	verb := "changed"
	if opts.Adding {
		verb = "added"
	}
	return opts.emit(v, func(w *textOut) {
		w.Printf("Contact %s (%s) %s.\n", v.Display(), v.Handle(), verb)
	})
}
