//go:build unix

package rpc

import (
	"os"
	"syscall"
)

// fileUID returns the user id that owns a file (-1 when the system does not say).
func fileUID(st os.FileInfo) int {
	if s, ok := st.Sys().(*syscall.Stat_t); ok {
		return int(s.Uid)
	}
	return -1
}
