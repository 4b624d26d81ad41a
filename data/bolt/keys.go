package bolt

import (
	"errors"

	bolt "go.etcd.io/bbolt"
)

// MaxKeySize is the longest key bbolt stores (32,768 bytes). A record's key is one of its
// fields (an id, a name) with a few bytes of prefix around it.
const MaxKeySize = bolt.MaxKeySize

// IsKeyTooLarge says whether err is bbolt refusing a key over MaxKeySize.
func IsKeyTooLarge(err error) bool { return errors.Is(err, bolt.ErrKeyTooLarge) }
