package bolt

import (
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"

	"switchboard/internal/procio"
)

// A record written into a laid-down segment and synced costs the disk about its pages, not
// the large folio a kernel gives a large write: with the zeros laid down in 1 MiB writes, each
// record's fdatasync wrote back 1 MiB on this VM (Linux 6.18, ext4).
func TestSegmentRecordsWriteTheirPages(t *testing.T) {
	if procio.DiskWritten() < 0 {
		t.Skip("no /proc/self/io")
	}
	path := filepath.Join(t.TempDir(), "seg")
	if err := layDown(path, 8<<20); err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rec := make([]byte, 1500)
	const n = 40
	before := procio.DiskWritten()
	for i := 0; i < n; i++ {
		if _, err := f.WriteAt(rec, int64(i)*int64(len(rec))); err != nil {
			t.Fatal(err)
		}
		if err := unix.Fdatasync(int(f.Fd())); err != nil {
			t.Fatal(err)
		}
	}
	per := (procio.DiskWritten() - before) / n
	if per > 64<<10 {
		t.Fatalf("each 1,500-byte record synced wrote %d KB to the disk, want a few pages", per>>10)
	}
	t.Logf("%d bytes written per record synced", per)
}
