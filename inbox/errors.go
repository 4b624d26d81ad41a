package inbox

import (
	"errors"
	"fmt"

	"switchboard/routing"
)

// Kind classifies an error so callers (the CLI's exit codes, the screens) can react to it.
type Kind string

const (
	NotFound       Kind = "not_found"
	Forbidden      Kind = "forbidden"
	Invalid        Kind = "invalid"
	Conflict       Kind = "conflict"
	AlreadyDecided Kind = "already_decided"
	Unavailable    Kind = "unavailable"
	Internal       Kind = "internal"
)

// Error is the service's typed error: a sentence a person can act on. A command that returns
// an Error changed nothing.
type Error struct {
	Kind Kind
	Msg  string
	// cause is what the store said, when a store's error became this one (errors.Is reaches it;
	// it never crosses a door)
	cause error
}

func (e *Error) Error() string { return e.Msg }
func (e *Error) Unwrap() error { return e.cause }

// KindOf returns the kind of err ("" when it is not an inbox error).
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return ""
}

// TextStale is the error for an action on a conversation that changed since the person looked.
const TextStale = "This conversation changed since you looked — refresh and try again"

func errorf(k Kind, format string, args ...any) error {
	return &Error{Kind: k, Msg: fmt.Sprintf(format, args...)}
}

// fromRouting turns a routing refusal into an inbox error.
func fromRouting(err error) error {
	var r *routing.Refusal
	if !errors.As(err, &r) {
		return err
	}
	k := map[routing.RefusalKind]Kind{routing.Forbidden: Forbidden, routing.Invalid: Invalid,
		routing.NotFound: NotFound, routing.Conflict: Conflict, routing.AlreadyDecided: AlreadyDecided}[r.Kind]
	if k == "" {
		k = Invalid
	}
	return &Error{Kind: k, Msg: r.Text}
}
