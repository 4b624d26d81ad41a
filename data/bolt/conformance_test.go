package bolt

import (
	"path/filepath"
	"testing"

	"switchboard/data/storetest"
	"switchboard/inbox/domain"
)

// TestConformance runs the store conformance suite on the bbolt engine.
func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) domain.Store {
		db, err := Open(filepath.Join(t.TempDir(), "conformance.db"))
		if err != nil {
			t.Fatal(err)
		}
		return db
	})
}
