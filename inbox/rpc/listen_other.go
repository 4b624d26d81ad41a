//go:build !unix

package rpc

import "net"

func listenPrivate(path string) (net.Listener, error) { return net.Listen("unix", path) }
