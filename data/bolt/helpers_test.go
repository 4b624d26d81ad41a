package bolt

import (
	"bytes"
	"encoding/binary"

	"switchboard/routing"
)

// The queries of the list views, named as the tests use them.
func ByActivity() Query              { return Query{} }
func ByStatus(st string) Query       { return Query{}.WithStatus(routing.Status(st)) }
func ByAssignee(a, st string) Query  { return ByStatus(st).WithAssignee(a) }
func ByTeam(team, st string) Query   { return ByStatus(st).WithTeam(team) }
func Waiting() Query                 { return Query{Waiting: true} }
func contactOfKey(key []byte) string { return string(key[:max(0, bytes.IndexByte(key, 0))]) }
func keyOf(r EntryRef) []byte        { return entryKey(r) }

// counters returns every counter of the counts bucket.
func (t *Tx) counters() map[string]uint64 {
	out := map[string]uint64{}
	t.b(bCounts).ForEach(func(k, v []byte) error {
		if len(v) == 8 {
			out[string(k)] = binary.BigEndian.Uint64(v)
		}
		return nil
	})
	return out
}
