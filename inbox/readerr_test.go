package inbox

import (
	"context"
	"errors"
	"fmt"
	"testing"
)

// A read its caller gave up on (a search the next keystroke replaced, ctrl-c) keeps its
// context's error: the CLI says "interrupted", the socket server answers "cancelled" and the
// screen drops it, none of them "could not read the workspace".
func TestReadGivenUpKeepsItsContextError(t *testing.T) {
	for _, cause := range []error{context.Canceled, context.DeadlineExceeded} {
		err := readErr(fmt.Errorf("scanning names: %w", cause))
		var e *Error
		if !errors.Is(err, cause) || errors.As(err, &e) {
			t.Errorf("readErr(… %v) = %v; want the context's error, not an inbox error", cause, err)
		}
	}
	var e *Error
	if err := readErr(errors.New("disk on fire")); !errors.As(err, &e) || e.Kind != Internal {
		t.Errorf("readErr(a fault) = %#v; want an Internal inbox error", err)
	}
}
