package data

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"os"
)

// checkFile looks at an existing file's two bbolt meta pages before bbolt maps it. bbolt trusts
// them: a file cut short (a failed copy, a full disk) makes it read pages past the end of the
// file, which kills the process with SIGBUS instead of returning an error. checkFile refuses such
// a file with a sentence that says what is wrong. An empty or missing file is fine (Open
// creates the database); a file with no valid meta page is left for bbolt to refuse.
//
// A bbolt meta page is a 16-byte page header followed by: magic u32, version u32, page size
// u32, flags u32, root bucket (root pgid u64, sequence u64), freelist pgid u64, high-water
// pgid u64, txid u64, checksum u64 (FNV-64a of the meta before the checksum). All little-endian
// on the platforms bbolt supports.
func checkFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil
		}
		return nil // bbolt reports permission problems itself, with the error Open maps
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil || st.Size() == 0 {
		return nil
	}
	m0, ok0 := readMeta(f, 0)
	second := int64(os.Getpagesize())
	if ok0 {
		second = int64(m0.pageSize)
	}
	m1, ok1 := readMeta(f, second)
	best := m0
	switch {
	case !ok0 && !ok1:
		return nil // not a bbolt file at all: bbolt says so
	case !ok0 || (ok1 && m1.txid > m0.txid):
		best = m1
	}
	need := int64(best.hwm) * int64(best.pageSize)
	if st.Size() < need {
		return fmt.Errorf("the file is %d bytes but its header says %d: it was cut short, perhaps by a failed copy or a full disk", st.Size(), need)
	}
	if best.root >= best.hwm || (best.freelist != ^uint64(0) && best.freelist >= best.hwm) {
		return fmt.Errorf("its header points past the end of its data")
	}
	return nil
}

type boltMeta struct {
	pageSize                  uint32
	root, freelist, hwm, txid uint64
}

const boltMagic = 0xED0CDAED

func readMeta(r io.ReaderAt, off int64) (boltMeta, bool) {
	var buf [16 + 64]byte
	if _, err := r.ReadAt(buf[:], off); err != nil {
		return boltMeta{}, false
	}
	m := buf[16:]
	le := binary.LittleEndian
	if le.Uint32(m[0:]) != boltMagic || le.Uint32(m[4:]) != 2 {
		return boltMeta{}, false
	}
	h := fnv.New64a()
	h.Write(m[:56])
	if h.Sum64() != le.Uint64(m[56:]) {
		return boltMeta{}, false
	}
	meta := boltMeta{pageSize: le.Uint32(m[8:]), root: le.Uint64(m[16:]), freelist: le.Uint64(m[32:]),
		hwm: le.Uint64(m[40:]), txid: le.Uint64(m[48:])}
	if meta.pageSize < 512 || meta.pageSize > 1<<20 || meta.pageSize&(meta.pageSize-1) != 0 {
		return boltMeta{}, false
	}
	return meta, true
}
