package cli

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"switchboard/inbox"
)

// Exit codes.
const (
	exitOK        = 0
	exitFailed    = 1
	exitUsage     = 2
	exitWaiting   = 3 // done, and a team-mismatch decision now waits
	exitForbidden = 4
)

// exitError carries an exit code out of a command. A nil err prints nothing (the command
// already said what happened).
type exitError struct {
	code    int
	err     error
	noUsage bool // a usage error whose sentence says it all
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit %d", e.code)
	}
	return e.err.Error()
}

// usageError is a command line that does not fit the command: exit 2 with the command's help.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return &usageError{msg: fmt.Sprintf(format, args...)} }

// nothingToChange is the usage error of an edit given none of the flags that change something,
// or nil when one of them was given.
func nothingToChange(cmd *cobra.Command, flags ...string) error {
	for _, f := range flags {
		if cmd.Flags().Changed(f) {
			return nil
		}
	}
	give := make([]string, len(flags))
	for i, f := range flags {
		give[i] = "--" + f
	}
	list := give[len(give)-1]
	if len(give) > 1 {
		list = strings.Join(give[:len(give)-1], ", ") + " or " + list
	}
	return usagef("nothing to change: give %s", list)
}

// classify turns a command's error into its exit code.
func classify(err error) error {
	if err == nil {
		return nil
	}
	var ee *exitError
	if errors.As(err, &ee) {
		return err
	}
	var ue *usageError
	if errors.As(err, &ue) {
		return &exitError{code: exitUsage, err: err}
	}
	if inbox.KindOf(err) == inbox.Invalid && reBadInput.MatchString(err.Error()) {
		// a contact or sender typed wrong, or a name with a character that cannot be seen, is
		// bad input, like a number without + (bareNumber): exit 2, with the sentence alone (it
		// says what was wrong and what to give)
		return &exitError{code: exitUsage, noUsage: true, err: err}
	}
	if errors.Is(err, context.Canceled) {
		return &exitError{code: exitFailed, err: errors.New("interrupted; a change already sent may still have been made: check with `switchboard show` or `switchboard list`")}
	}
	if inbox.KindOf(err) == inbox.Forbidden {
		return &exitError{code: exitForbidden, err: err}
	}
	return &exitError{code: exitFailed, err: err}
}

// exitCode prints what went wrong (on stderr, through the safe-text writer) and returns the
// run's exit code.
func (a *app) exitCode(cmd *cobra.Command, err error) int {
	if err == nil {
		return exitOK
	}
	if cmd == nil {
		cmd = a.root
	}
	w := a.errText()
	var ee *exitError
	if errors.As(err, &ee) {
		if a.json {
			if ee.err != nil {
				a.printJSONError(errorKind(ee.code, ee.err), ee.err.Error())
			}
			return ee.code
		}
		if ee.err != nil {
			w.Block("Error: ", strings.TrimSpace(ee.err.Error()))
		}
		if ee.code == exitForbidden && a.remote != nil {
			w.Println(a.remoteNote())
		} else if ee.code == exitForbidden && a.actAs != "" {
			w.Printf("You act as %s: to act as someone else, give --as ID (or set SWITCHBOARD_AS).\n", a.actAs)
		}
		if ee.code == exitUsage && !ee.noUsage {
			w.Text("\n" + cmd.UsageString())
		}
		return ee.code
	}
	// anything cobra refused before the command ran: unknown command or flag, wrong arguments,
	// flags that go together or not: said as a sentence a person can act on
	msg, usage := friendly(cmd, err)
	if a.json {
		a.printJSONError("usage", msg)
		return exitUsage
	}
	w.Block("Error: ", msg)
	if usage {
		w.Text("\n" + cmd.UsageString())
	}
	return exitUsage
}

// reBadInput matches the inbox's refusals of what was typed in an argument (not in a document
// or a payload): a phone number with other characters than digits or too few or too many of
// them, a malformed BSUID or username, none given; an operator's or team's new name with a
// character that cannot be seen. They come from the inbox (over a socket too, where only the
// kind and the sentence cross), so they are told by their sentence, as reNoContact tells a
// contact not found.
var reBadInput = regexp.MustCompile(`^(Phone number ".*" has |".*" is not a phone number, an @username or a business-scoped id|A phone number is needed|A contact is needed|The sender is missing|` +
	`The (sender|contact|username|sender's BSUID|sender's parent BSUID|sender's username) (is empty: give the customer's WhatsApp username|".*" (is not a business-scoped user id|.*: a WhatsApp username has))|` +
	`The (operator|team) name ".*" has .* in it, a character that cannot be seen)`)

var reNoContact = regexp.MustCompile(`^Contact \+(\d{4,15}) not found`)

// hintContact adds to "Contact +N not found" the contacts whose number is N after a country code
// (N typed without it), when there are any.
func (a *app) hintContact(err error) error {
	var ee *exitError
	if !errors.As(err, &ee) || ee.err == nil || inbox.KindOf(ee.err) != inbox.NotFound || a.conn == nil {
		return err
	}
	m := reNoContact.FindStringSubmatch(ee.err.Error())
	if m == nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if intl, ok := afterIntlPrefix(m[1]); ok { // the contact may be +intl
		if _, cerr := inbox.OpContact.Call(ctx, a.conn, inbox.ContactReq{Contact: intl}); cerr == nil {
			return &exitError{code: ee.code, noUsage: ee.noUsage, err: &inbox.Error{Kind: inbox.NotFound,
				Msg: ee.err.Error() + ". Its leading 00 is the international prefix: did you mean +" + intl + "?"}}
		}
	}
	which, qerr := nationalMatches(ctx, a.conn, m[1])
	if qerr != nil || len(which) == 0 {
		return err
	}
	hint := fmt.Sprintf("%s has that number after its country code: did you mean %s?", which[0], strings.Fields(which[0])[0])
	if len(which) > 1 {
		hint = fmt.Sprintf("%s have that number after their country code: write the one you mean with + and its country code", strings.Join(which, ", "))
	}
	return &exitError{code: ee.code, noUsage: ee.noUsage, err: &inbox.Error{Kind: inbox.NotFound, Msg: ee.err.Error() + ". " + hint}}
}
