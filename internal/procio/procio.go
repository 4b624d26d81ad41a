// Package procio reads what the kernel counts for this process, for benchmarks and tests that
// measure what a piece of code costs the disk.
package procio

import (
	"os"
	"strconv"
	"strings"
)

// DiskWritten is what the process has caused to be written to storage (write_bytes of
// /proc/self/io, Linux), or -1 where that is not known.
func DiskWritten() int64 {
	raw, err := os.ReadFile("/proc/self/io")
	if err != nil {
		return -1
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if v, ok := strings.CutPrefix(line, "write_bytes: "); ok {
			n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
			if err == nil {
				return n
			}
		}
	}
	return -1
}
