package inbox

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"switchboard/inbox/domain"
)

// A commit the store could not confirm is said as such, is Unavailable, and is recognisable
// (so its batch is never run again).
func TestAnUnknownCommitIsSaidAndRecognised(t *testing.T) {
	s := newService(t, false)
	err := storeError(s, fmt.Errorf("%w: commit: connection reset", domain.ErrUnknownOutcome))
	if !errors.Is(err, domain.ErrUnknownOutcome) || KindOf(err) != Unavailable || !strings.Contains(err.Error(), "may or may not have been saved") {
		t.Fatalf("storeError of an unknown outcome = %v (kind %s)", err, KindOf(err))
	}
	if err := storeError(s, errors.New("disk full")); errors.Is(err, domain.ErrUnknownOutcome) || KindOf(err) != Internal {
		t.Fatalf("storeError of another error = %v (kind %s)", err, KindOf(err))
	}
}
