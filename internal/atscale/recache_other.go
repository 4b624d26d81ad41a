//go:build !linux

package atscale

import "os"

// recache: only Linux caches a file in large folios here.
func recache(*os.File) error { return nil }
