package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"switchboard/inbox"
	"switchboard/routing"
	"switchboard/textsafe"
)

// ---- errors a person can act on, and errors a script can read ----

// jsonError is what a failed command prints with --json (on stderr, like the text): the kind of
// failure (an inbox error's kind — not_found, forbidden, invalid, conflict, already_decided,
// unavailable, internal — or usage, interrupted, failed) and the sentence a person would read.
type jsonError struct {
	Error jsonErrorBody `json:"error"`
}

type jsonErrorBody struct {
	Kind    string `json:"kind"`
	Message string `json:"message"`
}

// wantsJSON: --json was given, even when the command line did not parse far enough to set it.
func wantsJSON(args []string) bool {
	for _, a := range args {
		switch {
		case a == "--":
			return false
		case a == "--json", a == "--json=true", a == "--json=1":
			return true
		}
	}
	return false
}

// errorKind names the kind of a failed run for --json.
func errorKind(code int, err error) string {
	var ue *usageError
	switch {
	case code == exitUsage || errors.As(err, &ue):
		return "usage"
	case inbox.KindOf(err) != "":
		return string(inbox.KindOf(err))
	case code == exitForbidden:
		return "forbidden"
	case strings.HasPrefix(err.Error(), "interrupted"):
		return "interrupted"
	}
	return "failed"
}

func (a *app) printJSONError(kind, msg string) {
	enc := json.NewEncoder(textsafe.JSONWriter(a.stderr))
	enc.SetIndent("", "  ")
	enc.Encode(jsonError{jsonErrorBody{Kind: kind, Message: strings.TrimSpace(msg)}}) //nolint:errcheck // stderr
}

var (
	reExclusive = regexp.MustCompile(`^if any flags in the group \[([^\]]*)\] are set none of the others can be; \[([^\]]*)\] were all set$`)
	reTogether  = regexp.MustCompile(`^if any flags in the group \[([^\]]*)\] are set they must all be set; missing \[([^\]]*)\]$`)
	reOneOf     = regexp.MustCompile(`^at least one of the flags in the group \[([^\]]*)\] is required$`)
	reRequired  = regexp.MustCompile(`^required flag\(s\) (.*) not set$`)
	reBadValue  = regexp.MustCompile(`^invalid argument "(.*)" for "(?:-\w, )?(--[\w-]+)" flag: (.*)$`)
	reArgs      = regexp.MustCompile(`^(accepts|requires at least|accepts at most|accepts between) (\d+)(?: and (\d+))? arg\(s\), (?:only )?received (\d+)$`)
	reUnknown   = regexp.MustCompile(`^unknown command "([^"]*)" for "([^"]*)"$`)
	reFlag      = regexp.MustCompile(`^unknown (?:shorthand )?flag: '?-{0,2}([^' ]+)'?(?: in -.*)?$`)
)

// flagList writes cobra's "[a b c]" as "--a, --b or --c" (or "and").
func flagList(group, join string) string {
	fs := strings.Fields(group)
	for i := range fs {
		fs[i] = "--" + fs[i]
	}
	if len(fs) < 2 {
		return strings.Join(fs, "")
	}
	return strings.Join(fs[:len(fs)-1], ", ") + " " + join + " " + fs[len(fs)-1]
}

// friendly rewrites an error cobra made (before the command ran) into a sentence a person can
// act on; usage says whether the command's usage should follow it (a mistyped command gets a
// suggestion instead).
func friendly(cmd *cobra.Command, err error) (msg string, usage bool) {
	s := strings.TrimSpace(err.Error())
	path := cmd.CommandPath()
	if m := reUnknown.FindStringSubmatch(s); m != nil && !cmd.HasAvailableSubCommands() {
		return fmt.Sprintf("%s takes no arguments, and %q was given.", path, m[1]), true
	}
	if m := reUnknown.FindStringSubmatch(s); m != nil {
		msg = fmt.Sprintf("%q is not a command of %s.", m[1], m[2])
		if cmd.SuggestionsMinimumDistance <= 0 {
			cmd.SuggestionsMinimumDistance = 2
		}
		if sug := cmd.SuggestionsFor(m[1]); len(sug) > 0 {
			msg += fmt.Sprintf(" Did you mean %s?", orList(sug))
		}
		return msg + fmt.Sprintf(" Run `%s --help` to see every command.", path), false
	}
	if m := reFlag.FindStringSubmatch(s); m != nil {
		msg = fmt.Sprintf("%s has no flag %q.", path, m[1])
		if sug := closeFlags(cmd, m[1]); len(sug) > 0 {
			msg += fmt.Sprintf(" Did you mean %s?", orList(sug))
		}
		return msg + fmt.Sprintf(" Run `%s --help` to see its flags.", path), false
	}
	if m := reExclusive.FindStringSubmatch(s); m != nil {
		return fmt.Sprintf("%s cannot be given together: give only one of them.", flagList(m[2], "and")), true
	}
	if m := reTogether.FindStringSubmatch(s); m != nil {
		return fmt.Sprintf("%s go together: add %s too.", flagList(m[1], "and"), flagList(m[2], "and")), true
	}
	if m := reOneOf.FindStringSubmatch(s); m != nil {
		return fmt.Sprintf("%s needs one of %s.", path, flagList(m[1], "or")), true
	}
	if m := reRequired.FindStringSubmatch(s); m != nil {
		names := strings.ReplaceAll(strings.ReplaceAll(m[1], `"`, ""), ",", " ")
		return fmt.Sprintf("%s needs %s.", path, flagList(names, "and")), true
	}
	if m := reBadValue.FindStringSubmatch(s); m != nil {
		// pflag's own parse of a typed flag: say what the flag takes, not strconv's words
		takes := ""
		switch inner := m[3]; {
		case strings.Contains(inner, "strconv.ParseInt"), strings.Contains(inner, "strconv.ParseUint"):
			takes = "a whole number"
			if strings.Contains(inner, "value out of range") {
				takes = "a whole number of a sensible size"
			}
		case strings.Contains(inner, "strconv.ParseFloat"):
			takes = "a number"
		case strings.Contains(inner, "strconv.ParseBool"):
			takes = "true or false"
		case strings.Contains(inner, "time: "):
			takes = "a duration such as 90s, 5m or 1h30m"
		}
		if takes != "" {
			if f := cmd.Flags().Lookup(strings.TrimPrefix(m[2], "--")); f != nil && f.Usage != "" {
				takes += " (" + f.Usage + ")" // what the number counts: "lasted SECONDS"
			}
			return fmt.Sprintf("%s takes %s, and %q was given.", m[2], takes, m[1]), true
		}
		return fmt.Sprintf("%s cannot be %q: %s.", m[2], m[1], m[3]), true
	}
	if m := reArgs.FindStringSubmatch(s); m != nil {
		want := m[2]
		switch m[1] {
		case "requires at least":
			want = "at least " + m[2]
		case "accepts at most":
			want = "at most " + m[2]
		case "accepts between":
			want = m[2] + " to " + m[3]
		}
		noun := "arguments"
		if want == "1" {
			noun = "argument"
		}
		were := "were"
		if m[4] == "1" {
			were = "was"
		}
		return fmt.Sprintf("%s takes %s %s (%s), and %s %s given.", path, want, noun, strings.TrimSpace(strings.TrimPrefix(cmd.Use, cmd.Name())), m[4], were), true
	}
	return s, true
}

func orList(s []string) string {
	q := make([]string, len(s))
	for i, x := range s {
		q[i] = "`" + x + "`"
	}
	if len(q) == 1 {
		return q[0]
	}
	return strings.Join(q[:len(q)-1], ", ") + " or " + q[len(q)-1]
}

// closeFlags are the command's flags whose names are a few edits from name (one for every three
// letters) or start with it.
func closeFlags(cmd *cobra.Command, name string) []string {
	var out []string
	seen := map[string]bool{}
	look := func(f *pflag.Flag) {
		if seen[f.Name] || f.Hidden {
			return
		}
		seen[f.Name] = true
		if len(name) > 1 && (strings.HasPrefix(f.Name, name) || routing.EditDistance(f.Name, name) <= max(1, len(name)/3)) {
			out = append(out, "--"+f.Name)
		}
	}
	cmd.Flags().VisitAll(look)
	cmd.InheritedFlags().VisitAll(look)
	sort.Strings(out)
	return out
}
