//go:build unix

package rpc

import (
	"net"
	"os"
	"sync"
	"syscall"
)

var umaskMu sync.Mutex

// listenPrivate listens on a Unix socket that only this user can connect to: it is created
// with mode 0600 (no window where others could connect), then chmod-ed to be sure.
func listenPrivate(path string) (net.Listener, error) {
	umaskMu.Lock()
	old := syscall.Umask(0o177)
	ln, err := net.Listen("unix", path)
	syscall.Umask(old)
	umaskMu.Unlock()
	if err != nil {
		return nil, err
	}
	if err := os.Chmod(path, 0o600); err != nil {
		ln.Close()
		return nil, err
	}
	return ln, nil
}
