package bolt

import (
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"io"
	"os"
	"time"
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
	err := checkOnce(path)
	if err != nil {
		// a process creating or growing the file may be between its writes: look once more
		time.Sleep(100 * time.Millisecond)
		err = checkOnce(path)
	}
	return err
}

func checkOnce(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return nil // missing (Open creates it) or unreadable: bbolt reports that itself
	}
	defer f.Close()
	m0, ok0 := readMeta(f, 0)
	var m1 boltMeta
	ok1 := false
	if ok0 {
		m1, ok1 = readMeta(f, int64(m0.pageSize))
	} else {
		// the first meta gives no page size: try every size bbolt tries, 1 KB to 16 MB
		for ps := int64(1024); ps <= 16<<20 && !ok1; ps *= 2 {
			if m1, ok1 = readMeta(f, ps); ok1 && int64(m1.pageSize) != ps {
				ok1 = false
			}
		}
	}
	best := m0
	switch {
	case !ok0 && !ok1:
		return nil // empty, or not a bbolt file at all: bbolt says so
	case !ok0 || (ok1 && m1.txid > m0.txid):
		best = m1
	}
	// the size after the metas: bbolt grows a file before it writes a meta that needs the
	// room, and never shrinks it, so a healthy file is never shorter than its newest meta says
	st, err := f.Stat()
	if err != nil {
		return nil
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
	if meta.pageSize < 512 || meta.pageSize > 16<<20 || meta.pageSize&(meta.pageSize-1) != 0 {
		return boltMeta{}, false
	}
	return meta, true
}

// warmUnsavedFreelist reads the whole file once, in order, when its newest meta page says the
// freelist was not saved (the process that wrote it last was killed before Close: see
// openBolt). bbolt then rebuilds the freelist by visiting every page in tree order, which on a
// cold page cache is one random read per page (8 s for a workspace of 100,000 conversations);
// reading the file in order first makes those visits hits in the page cache.
func warmUnsavedFreelist(path string) {
	f, err := os.Open(path)
	if err != nil {
		return
	}
	defer f.Close()
	m0, ok0 := readMeta(f, 0)
	if !ok0 {
		return
	}
	m1, ok1 := readMeta(f, int64(m0.pageSize))
	best := m0
	if ok1 && m1.txid > m0.txid {
		best = m1
	}
	if best.freelist != ^uint64(0) {
		return
	}
	buf := make([]byte, 1<<20)
	for off := int64(0); ; off += int64(len(buf)) {
		if _, err := f.ReadAt(buf, off); err != nil {
			return
		}
	}
}
