package inbox

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"switchboard/textsafe"
)

// Input limits.
const (
	MaxText = 4096 // characters in a message or reply
	MaxName = 256  // characters in a name
)

// phoneSeparators are what people type between a phone number's digits (built once: a
// Replacer is costly to build and safe to share).
var phoneSeparators = strings.NewReplacer(" ", "", "-", "", "(", "", ")", "")

// NormalizePhone turns a phone number as people type it ("+1 555-000 1111") into the digits
// that identify a contact, or explains what is wrong with it.
func NormalizePhone(s string) (string, error) {
	in := s
	s = strings.TrimSpace(s)
	s = strings.TrimPrefix(s, "+")
	s = phoneSeparators.Replace(s)
	if s == "" {
		return "", errorf(Invalid, "A phone number is needed: give 6 to 15 digits, like +15550001111")
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return "", errorf(Invalid, "Phone number %q has %q in it: use digits only (a leading +, spaces, dashes and parentheses are fine)", in, r)
		}
	}
	if len(s) < 6 || len(s) > 15 {
		digits := "digits"
		if len(s) == 1 {
			digits = "digit"
		}
		return "", errorf(Invalid, "Phone number %q has %d %s: it needs 6 to 15", in, len(s), digits)
	}
	return s, nil
}

func checkText(what, s string) error {
	if n := utf8.RuneCountInString(s); n > MaxText {
		return errorf(Invalid, "The %s is %d characters long: the limit is %d; shorten it", what, n, MaxText)
	}
	if !utf8.ValidString(s) {
		return errorf(Invalid, "The %s is not valid UTF-8 text", what)
	}
	return nil
}

func checkName(what, s string) error {
	if n := utf8.RuneCountInString(s); n > MaxName {
		return errorf(Invalid, "The %s is %d characters long: the limit is %d; shorten it", what, n, MaxName)
	}
	if !utf8.ValidString(s) {
		return errorf(Invalid, "The %s is not valid UTF-8 text", what)
	}
	return nil
}

// checkVisibleName refuses a person's or a team's name, given to add them or to rename them,
// that holds a character that draws nothing (textsafe.HiddenInName: a zero-width space, a word
// joiner, a byte order mark, …): two names that look the same could differ by it alone. Names
// already stored and names in an imported document are not checked, so an old backup still
// loads and an operator whose name has one can still be edited otherwise.
func checkVisibleName(what, name string) error {
	r, ok := textsafe.HiddenInName(name)
	if !ok {
		return nil
	}
	return errorf(Invalid, "The %s %q has %s in it, a character that cannot be seen, so two names that look the same could differ by it alone: type the name again without it (text copied from a document or a chat often carries one); nothing was changed",
		what, name, textsafe.RuneName(r))
}

// checkID validates an operator or team id: a short handle of letters, digits, '-', '_' or '.'.
func checkID(what, id string) error {
	if id == "" {
		return errorf(Invalid, "The %s id is empty: give a short handle like \"carol\"", what)
	}
	if len(id) > 64 {
		shown := id
		if utf8.RuneCountInString(shown) > 40 {
			shown = string([]rune(shown)[:40]) + "…" // the error names it, not repeats it whole
		}
		return errorf(Invalid, "The %s id %q is %d bytes long: 64 at most", what, shown, len(id))
	}
	if c := id[0]; !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
		return errorf(Invalid, "The %s id %q must start with a letter or digit", what, id)
	}
	for _, r := range id {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.') {
			return errorf(Invalid, "The %s id %q has %q in it: use letters, digits, '-', '_' or '.'", what, id, r)
		}
	}
	if id == "bot" || id == "none" || id == "routing" {
		return errorf(Invalid, "%q is reserved; choose another %s id", id, what)
	}
	return nil
}

// checkExternalID validates an id another system gave an event (WhatsApp's wamid.…, a call's
// id, --id): at most maxID bytes of printable UTF-8 text. An id is a key in both engines, and
// PostgreSQL's text holds no NUL and no invalid UTF-8, so ids that differ only there would be one
// id in PostgreSQL and two in bbolt; a control character would reach a terminal in `show`.
func checkExternalID(what, id string) error {
	if err := checkStoredExternalID(what, id); err != nil {
		return err
	}
	if strings.ContainsRune(id, utf8.RuneError) {
		// a JSON decoder (WhatsApp's webhook, a file) gives U+FFFD for bytes that are not UTF-8
		// and for a lone surrogate escape (\ud800): two different ids would be stored as one, and
		// the second message dropped as its duplicate
		return errorf(Invalid, "The %s %q holds U+FFFD (�), which stands for bytes that are not UTF-8 or a lone surrogate escape: two different ids would read as one; give the id as the sender wrote it", what, id)
	}
	return nil
}

// checkStoredExternalID is checkExternalID without the U+FFFD rule, for ids a workspace document
// already holds (an export of a file that took such an id before the rule still imports).
func checkStoredExternalID(what, id string) error {
	if len(id) > maxID {
		return errorf(Invalid, "The %s is %d bytes long: %d at most", what, len(id), maxID)
	}
	if !utf8.ValidString(id) {
		return errorf(Invalid, "The %s %q is not valid UTF-8 text: give the id as the sender wrote it", what, id)
	}
	for _, r := range id {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) { // Cf: bidi and zero-width marks
			return errorf(Invalid, "The %s %q has a control character (%U) in it: an id is printable text, like wamid.HBgM…", what, id, r)
		}
	}
	return nil
}
