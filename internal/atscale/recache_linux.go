package atscale

import (
	"io"
	"os"

	"golang.org/x/sys/unix"
)

// recache drops f's pages from the page cache (f was synced, so they are clean) and reads f
// back with readahead off, in 1 MiB reads. A file written or read in large sequential I/O is
// cached in large folios (Linux 6.x, ext4, on this VM), and a 4 KB write into one makes the
// whole folio dirty: measured here, ~100 KB went to the disk for each scattered 4 KB page
// written into a copied file, ~4 KB after recache. The file of a server that has been running
// is cached page by page (bbolt's mmap is MADV_RANDOM, its writes are pages), so the copy a
// benchmark starts from must be too.
func recache(f *os.File) error {
	if err := unix.Fadvise(int(f.Fd()), 0, 0, unix.FADV_DONTNEED); err != nil {
		return err
	}
	if err := unix.Fadvise(int(f.Fd()), 0, 0, unix.FADV_RANDOM); err != nil {
		return err
	}
	buf := make([]byte, 1<<20)
	for off := int64(0); ; off += int64(len(buf)) {
		n, err := f.ReadAt(buf, off)
		if err == io.EOF || (err == nil && n < len(buf)) {
			return nil
		}
		if err != nil {
			return err
		}
	}
}
