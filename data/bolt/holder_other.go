//go:build !linux

package bolt

// LockHolder returns 0: only Linux says who holds a file's lock (/proc/locks).
func LockHolder(path string) int { return 0 }

func processName(pid int) string { return "" }
