package bolt

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// The journal: every commit's writes, appended and fsynced before the commit returns, in
// segment files beside the database (<db>.wal.<n>). It is what makes a commit durable; the
// bbolt file catches up in the background (checkpoint.go), and a segment is deleted once the
// file holds everything it records. An open replays what the file does not hold yet.
//
// A segment is a 64-byte header (magic, the workspace's journal id, the segment's number, the
// LSN of its first record, a checksum) followed by records: u32 payload length, u32 CRC-32C of
// the LSN and the payload, u64 LSN, the payload (the commit's operations: kind, bucket, key,
// value). Segments are written over zeros laid down when the file was made (a write that does
// not grow the file needs no file system journal commit: one fdatasync per commit, measured
// 170–190 µs here against 265–295 µs appending), and a segment whose records are in the file is
// reused as the next one; a record is the journal's end when its length is zero, its checksum
// fails (a write cut short by a crash: never acknowledged) or its LSN is not the next one (an
// older use of the file).

const (
	journalMagic  = "SBJRNL01"
	journalHeader = 64
	recordHeader  = 16
	// a new segment's size when none has been measured; a checkpoint sizes the next one from
	// what the last cycle wrote (twice that, from 1 MiB to 64 MiB)
	segmentMin = 1 << 20
	segmentMax = 64 << 20
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

type opKind uint8

const (
	opPut opKind = iota + 1
	opDelete
	opClear
)

// op is one operation of a commit, in the order the transaction made it.
type op struct {
	kind opKind
	it   *item // put, delete; for a clear only it.b
}

// journalID is the random id a workspace file's journal segments carry (meta "journal"): a
// segment of another file is never replayed into this one.
var metaJournalID, metaJournalLSN = []byte("journal"), []byte("journal-lsn")

type segment struct {
	n     uint64
	path  string
	start uint64 // LSN of its first record
}

type journal struct {
	base  string // the database's path; segments are base.wal.<n>
	id    []byte
	f     *os.File // the active segment
	seg   segment
	off   int64 // where its next record goes
	size  int64 // its size as laid down
	spare int64 // the size the next new segment gets
	older []segment
	buf   []byte
	// stats
	written, syncs int64
}

func segmentPath(base string, n uint64) string { return base + ".wal." + strconv.FormatUint(n, 10) }
func sparePath(base string) string             { return base + ".wal.spare" }

// listSegments returns the journal segments of the database at base, by number.
func listSegments(base string) ([]segment, error) {
	matches, err := filepath.Glob(globEscape(base) + ".wal.*")
	if err != nil {
		return nil, err
	}
	var out []segment
	for _, m := range matches {
		n, err := strconv.ParseUint(strings.TrimPrefix(m, base+".wal."), 10, 64)
		if err != nil {
			continue // the spare, a temporary file
		}
		out = append(out, segment{n: n, path: m})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].n < out[j].n })
	return out, nil
}

func globEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune(`*?[\`, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// journalFiles are every file of the database's journal (segments, the spare, a half-made one).
func journalFiles(base string) []string {
	matches, _ := filepath.Glob(globEscape(base) + ".wal.*")
	return matches
}

// readSegment parses a segment: its header and the records from the LSN it starts at.
func readSegment(s segment, id []byte, fn func(lsn uint64, payload []byte) error) (start, last uint64, err error) {
	raw, err := os.ReadFile(s.path)
	if err != nil {
		return 0, 0, err
	}
	if len(raw) < journalHeader || string(raw[:8]) != journalMagic {
		return 0, 0, fmt.Errorf("%s is not a Switchboard journal segment", s.path)
	}
	h := raw[:journalHeader]
	if crc32.Checksum(h[:48], castagnoli) != binary.BigEndian.Uint32(h[48:52]) {
		return 0, 0, fmt.Errorf("the header of %s is damaged", s.path)
	}
	if !bytes.Equal(h[8:24], id) {
		return 0, 0, errForeignJournal
	}
	if n := binary.BigEndian.Uint64(h[24:32]); n != s.n {
		return 0, 0, fmt.Errorf("%s says it is segment %d", s.path, n)
	}
	start = binary.BigEndian.Uint64(h[32:40])
	next, off := start, journalHeader
	for off+recordHeader <= len(raw) {
		n := int(binary.BigEndian.Uint32(raw[off:]))
		sum := binary.BigEndian.Uint32(raw[off+4:])
		lsn := binary.BigEndian.Uint64(raw[off+8:])
		if n == 0 || off+recordHeader+n > len(raw) || lsn != next ||
			crc32.Checksum(raw[off+8:off+recordHeader+n], castagnoli) != sum {
			break
		}
		if err := fn(lsn, raw[off+recordHeader:off+recordHeader+n]); err != nil {
			return 0, 0, err
		}
		next++
		off += recordHeader + n
	}
	return start, next - 1, nil
}

var errForeignJournal = errors.New("journal of another workspace")

// encodeOps appends the payload of a commit's operations to buf.
func encodeOps(buf []byte, ops []op) []byte {
	for _, o := range ops {
		buf = append(buf, byte(o.kind), o.it.b)
		if o.kind == opClear {
			continue
		}
		buf = binary.AppendUvarint(buf, uint64(len(o.it.k)))
		buf = append(buf, o.it.k...)
		if o.kind == opPut {
			buf = binary.AppendUvarint(buf, uint64(len(o.it.v)))
			buf = append(buf, o.it.v...)
		}
	}
	return buf
}

// applyOps applies a record's payload to m (replay).
func applyOps(m *memtable, lsn uint64, p []byte) error {
	bad := errors.New("a journal record is damaged")
	for len(p) > 0 {
		if len(p) < 2 {
			return bad
		}
		kind, b := opKind(p[0]), p[1]
		p = p[2:]
		if int(b) >= len(allBucketNames) {
			return bad
		}
		if kind == opClear {
			m.clear(b, lsn)
			continue
		}
		field := func() ([]byte, bool) {
			n, w := binary.Uvarint(p)
			if w <= 0 || uint64(len(p)-w) < n {
				return nil, false
			}
			v := p[w : w+int(n)]
			p = p[w+int(n):]
			return v, true
		}
		k, ok := field()
		if !ok {
			return bad
		}
		it := &item{b: b, k: bytes.Clone(k), lsn: lsn}
		switch kind {
		case opPut:
			v, ok := field()
			if !ok {
				return bad
			}
			it.v = append(make([]byte, 0, len(v)), v...)
		case opDelete:
			it.del = true
		default:
			return bad
		}
		m.set(it)
	}
	m.lsn = lsn
	return nil
}

// startJournal makes a new active segment, numbered after every segment at base, whose first
// record will be LSN start.
func startJournal(base string, id []byte, after uint64, start uint64) (*journal, error) {
	j := &journal{base: base, id: id, spare: segmentMin, seg: segment{n: after}}
	if err := j.rotate(start); err != nil {
		return nil, err
	}
	return j, nil
}

// rotate makes the next segment the active one, its first record LSN start: the spare, renamed
// (or a new file laid down with zeros), its header written and synced, the folder synced so the
// name holds. The segment it leaves goes to older.
func (j *journal) rotate(start uint64) error {
	next := segment{n: j.seg.n + 1, path: segmentPath(j.base, j.seg.n+1), start: start}
	if err := os.Rename(sparePath(j.base), next.path); err != nil {
		if !errors.Is(err, os.ErrNotExist) {
			return err
		}
		if err := layDown(next.path, j.spare); err != nil {
			return err
		}
	}
	f, err := os.OpenFile(next.path, os.O_RDWR, 0o600)
	if err != nil {
		return err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return err
	}
	var h [journalHeader]byte
	copy(h[:8], journalMagic)
	copy(h[8:24], j.id)
	binary.BigEndian.PutUint64(h[24:32], next.n)
	binary.BigEndian.PutUint64(h[32:40], start)
	binary.BigEndian.PutUint32(h[48:52], crc32.Checksum(h[:48], castagnoli))
	// the first record's place is zeroed too: a reused segment's old first record must not
	// follow the new header (its LSN would not be the next one anyway)
	var z [recordHeader]byte
	if _, err := f.WriteAt(append(h[:], z[:]...), 0); err != nil {
		f.Close()
		return err
	}
	if err := unix.Fdatasync(int(f.Fd())); err != nil {
		f.Close()
		return err
	}
	if err := syncDir(filepath.Dir(j.base)); err != nil {
		f.Close()
		return err
	}
	if j.f != nil {
		j.f.Close()
		j.older = append(j.older, j.seg)
	}
	j.f, j.seg, j.off, j.size = f, next, journalHeader, st.Size()
	return nil
}

// layDown makes a segment file of size bytes of zeros, synced.
func layDown(path string, size int64) error {
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	zeros := make([]byte, 1<<20)
	for off := int64(0); off < size; off += int64(len(zeros)) {
		n := min(int64(len(zeros)), size-off)
		if _, err := f.Write(zeros[:n]); err != nil {
			f.Close()
			os.Remove(tmp)
			return err
		}
	}
	if err := unix.Fdatasync(int(f.Fd())); err != nil {
		f.Close()
		os.Remove(tmp)
		return err
	}
	if err := f.Close(); err != nil {
		os.Remove(tmp)
		return err
	}
	return os.Rename(tmp, path)
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// append writes one commit's record and syncs it: when it returns nil the commit is durable.
func (j *journal) append(lsn uint64, ops []op) error {
	j.buf = append(j.buf[:0], make([]byte, recordHeader)...)
	j.buf = encodeOps(j.buf, ops)
	n := len(j.buf) - recordHeader
	binary.BigEndian.PutUint32(j.buf[0:], uint32(n))
	binary.BigEndian.PutUint64(j.buf[8:], lsn)
	binary.BigEndian.PutUint32(j.buf[4:], crc32.Checksum(j.buf[8:], castagnoli))
	// a segment grown well past its laid-down size (a checkpoint is late, or a large import)
	// hands over to a new one
	if j.off > journalHeader && j.off+int64(len(j.buf)) > max(2*j.size, segmentMax) {
		if err := j.rotate(lsn); err != nil {
			return err
		}
	}
	// the record and the zeros after it, so that what follows is never a stale record's
	// header (a reused segment)
	rec := append(j.buf, make([]byte, recordHeader)...)
	j.buf = rec
	if _, err := j.f.WriteAt(rec, j.off); err != nil {
		return err
	}
	if err := unix.Fdatasync(int(j.f.Fd())); err != nil {
		return err
	}
	j.off += int64(len(rec) - recordHeader)
	j.written += int64(len(rec))
	j.syncs++
	return nil
}

// sealed returns the segments before the active one and forgets them (a checkpoint that
// folds every commit up to the active segment's start removes them).
func (j *journal) sealed() []segment {
	s := j.older
	j.older = nil
	return s
}

// used is what the active segment holds.
func (j *journal) used() int64 { return j.off - journalHeader }

// drop deletes segments whose records the file holds, keeping one as the spare (sized for the
// next cycle) if none is waiting.
func (j *journal) drop(segs []segment, wrote int64) {
	want := min(max(2*wrote, segmentMin), segmentMax)
	j.spare = want
	_, err := os.Stat(sparePath(j.base))
	haveSpare := err == nil
	for i := len(segs) - 1; i >= 0; i-- {
		s := segs[i]
		if !haveSpare {
			if st, err := os.Stat(s.path); err == nil && st.Size() >= want && st.Size() <= 2*want {
				if os.Rename(s.path, sparePath(j.base)) == nil {
					haveSpare = true
					continue
				}
			}
		}
		os.Remove(s.path)
	}
	if !haveSpare {
		// laid down now, off the writer's path, so the next rotation is a rename
		if err := layDown(sparePath(j.base), want); err != nil {
			os.Remove(sparePath(j.base))
		}
	}
}

func (j *journal) close() error {
	if j.f == nil {
		return nil
	}
	err := j.f.Close()
	j.f = nil
	return err
}

var _ = io.EOF
