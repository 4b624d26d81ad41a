package bolt

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

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
// 170–190 µs here against 265–295 µs appending); the next segment is laid down in the background
// (the spare) and a segment whose records are all in the file is deleted. A record is the
// journal's end when its length is zero, its checksum fails (a write cut short by a crash: never
// acknowledged) or its LSN is not the next one.

const (
	journalMagic  = "SBJRNL01"
	journalHeader = 64
	recordHeader  = 16
	// the first segment's size; the next is twice the last one's when that one filled at
	// least half way (up to 64 MiB)
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

// metaCheckpointLSN is the commit of the snapshot the last checkpoint slice wrote from: the file
// may hold parts of commits up to it (see DB.read).
var metaCheckpointLSN = []byte("checkpoint-lsn")

type segment struct {
	n    uint64
	path string
	last uint64 // LSN of its last record, once sealed
}

type journal struct {
	base string // the database's path; segments are base.wal.<n>
	id   []byte
	f    *os.File // the active segment
	seg  segment
	off  int64 // where its next record goes
	size int64 // its size as laid down
	// sealedSegs are the segments before the active one not yet deleted
	sealedSegs []segment
	// the spare: laid down in the background (spareDone closes when that is over), ready when
	// spareReady holds its size; spareSize is the size the next one gets
	spareReady atomic.Int64
	spareDone  chan struct{}
	spareSize  int64
	buf        []byte
	// stats
	written, syncs int64
	syncTime       time.Duration
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
	// The journal ends here. A crash can cut short only the last record written, after which
	// there are zeros; a good record of a later commit further on means this one was damaged
	// after it was acknowledged, and replaying up to here would lose the ones after it.
	if lsn, at := laterRecord(raw, off+1, next); at >= 0 {
		return 0, 0, fmt.Errorf("the record of commit %d in %s is damaged, and commit %d follows it at byte %d", next, s.path, lsn, at)
	}
	return start, next - 1, nil
}

// laterRecord looks in raw from byte from on for a good record of a commit after next.
func laterRecord(raw []byte, from int, next uint64) (uint64, int) {
	for off := from; off+recordHeader <= len(raw); off++ {
		lsn := binary.BigEndian.Uint64(raw[off+8:])
		if lsn <= next || lsn > next+1<<20 {
			continue
		}
		n := int(binary.BigEndian.Uint32(raw[off:]))
		if n == 0 || off+recordHeader+n > len(raw) {
			continue
		}
		if crc32.Checksum(raw[off+8:off+recordHeader+n], castagnoli) == binary.BigEndian.Uint32(raw[off+4:]) {
			return lsn, off
		}
	}
	return 0, -1
}

var errForeignJournal = errors.New("journal of another workspace")

// encodeOps appends the payload of a commit's operations to buf: each key's last write only
// (a transaction that writes a counter a thousand times records its last value), the clears
// where they came.
func encodeOps(buf []byte, ops []op) []byte {
	for _, o := range ops {
		if o.kind != opClear && o.it.gone {
			continue // written again later in the transaction, or cleared with its bucket
		}
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
		if int(b) >= len(allBuckets) {
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

// newJournal makes a new active segment, numbered after every segment at base, whose first
// record will be LSN start.
func newJournal(base string, id []byte, after uint64, start uint64) (*journal, error) {
	j := &journal{base: base, id: id, seg: segment{n: after}, spareSize: segmentMin, spareDone: make(chan struct{})}
	close(j.spareDone)
	if st, err := os.Stat(sparePath(base)); err == nil && st.Size() >= segmentMin {
		j.spareReady.Store(st.Size()) // left by an earlier process
	} else {
		os.Remove(sparePath(base))
	}
	if err := j.rotate(start); err != nil {
		return nil, err
	}
	return j, nil
}

// rotate makes the next segment the active one, its first record LSN start: the spare, renamed
// (laid down now if none is ready), its header written and synced, the folder synced so the
// name holds. The segment it leaves is sealed (its last record is start-1), and a new spare is
// laid down in the background, twice as large when the one it leaves filled up.
func (j *journal) rotate(start uint64) error {
	next := segment{n: j.seg.n + 1, path: segmentPath(j.base, j.seg.n+1)}
	<-j.spareDone // a spare being laid down is finished first (it is small, or nearly done)
	// The header is written and synced under the file's old name, and only then is it named
	// a segment: a crash never leaves a segment without its header.
	src := sparePath(j.base)
	if j.spareReady.Load() == 0 {
		src = next.path + ".new"
		if err := layDown(src, j.spareSize); err != nil {
			return err
		}
	}
	j.spareReady.Store(0)
	f, err := os.OpenFile(src, os.O_RDWR, 0o600)
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
	// the first record's place is zeroed too
	var z [recordHeader]byte
	if _, err := f.WriteAt(append(h[:], z[:]...), 0); err != nil {
		f.Close()
		return err
	}
	if err := unix.Fdatasync(int(f.Fd())); err != nil {
		f.Close()
		return err
	}
	if err := os.Rename(src, next.path); err != nil {
		f.Close()
		return err
	}
	if err := syncDir(filepath.Dir(j.base)); err != nil {
		f.Close()
		return err
	}
	if j.f != nil {
		j.f.Close()
		j.seg.last = start - 1
		j.sealedSegs = append(j.sealedSegs, j.seg)
		if j.off >= j.size/2 {
			j.spareSize = min(2*j.size, segmentMax)
		}
	}
	j.f, j.seg, j.off, j.size = f, next, journalHeader, st.Size()
	// the next spare, off the writer's path
	done := make(chan struct{})
	j.spareDone = done
	size := j.spareSize
	go func() {
		defer close(done)
		if err := layDown(sparePath(j.base), size); err == nil {
			j.spareReady.Store(size)
		} else {
			os.Remove(sparePath(j.base))
		}
	}()
	return nil
}

// layDown makes a segment file of size bytes of zeros, synced. It writes them a page at a time:
// a kernel that caches a file in large folios (Linux 6.x on ext4 here) gives a large write a
// large folio, and a record written into one later makes the whole folio dirty, so each
// record's fdatasync wrote the folio back: 1 MiB per commit when the zeros went in 1 MiB writes,
// 5.5 KB in 4 KB ones (a commit of 1.5 KB; the sync's time is the same, 120–135 µs; the
// difference is the disk's bandwidth, which checkpoints share).
func layDown(path string, size int64) error {
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	zeros := make([]byte, os.Getpagesize())
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
	// a full segment hands over to the spare once it is ready (until then the record goes
	// past the laid-down zeros: the file grows, and its fdatasync costs a little more)
	if j.off > journalHeader && j.off+int64(len(j.buf))+recordHeader > j.size &&
		(j.spareReady.Load() != 0 || j.off > j.size+segmentMax) {
		if err := j.rotate(lsn); err != nil {
			return err
		}
	}
	// the record and zeros after it: the next record's place reads as the journal's end
	// whatever the file held there
	rec := append(j.buf, make([]byte, recordHeader)...)
	j.buf = rec
	if _, err := j.f.WriteAt(rec, j.off); err != nil {
		return err
	}
	t0 := time.Now()
	if err := unix.Fdatasync(int(j.f.Fd())); err != nil {
		return err
	}
	j.syncTime += time.Since(t0)
	j.off += int64(len(rec) - recordHeader)
	j.written += int64(len(rec))
	j.syncs++
	if cap(j.buf) > 16<<20 {
		j.buf = nil // an import's record: not kept for the events after it
	}
	return nil
}

// covered removes from the sealed segments, and returns, those whose every record is at or
// before lsn (a checkpoint wrote them into the file): they may be deleted.
func (j *journal) covered(lsn uint64) []segment {
	var out, keep []segment
	for _, sg := range j.sealedSegs {
		if sg.last <= lsn {
			out = append(out, sg)
		} else {
			keep = append(keep, sg)
		}
	}
	j.sealedSegs = keep
	return out
}

func (j *journal) close() error {
	<-j.spareDone
	if j.f == nil {
		return nil
	}
	err := j.f.Close()
	j.f = nil
	return err
}
