//go:build !linux

package bolt

import "os"

// LockHolder returns 0: only Linux says who holds a file's lock (/proc/locks).
func LockHolder(path string) int { return 0 }

func processName(pid int) string { return "" }

// lockNow takes nothing: elsewhere bbolt's own lock is all.
func lockNow(f *os.File) bool { return false }
