package rpc

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/user"
	"strconv"
	"time"
)

// Who may talk to whom: a client sends nothing to a socket that another user owns — its file,
// or the process listening on it (the peer's credentials) — and the server closes a connection
// from another user at once. The socket file's mode (0600) keeps other users out already; these
// checks keep a client from talking to a socket someone else put beside the database in a
// shared folder (to read what the commands send, or to answer them), and keep root's processes
// from reaching a user's inbox by accident.

// myUID is this process's user id; a variable so a test can stand for another user.
var myUID = os.Getuid

// errPeerUnknown: this system does not tell the peer's credentials; only the socket file's
// owner is checked.
var errPeerUnknown = errors.New("peer credentials unknown on this system")

// ForeignSocketError is a socket that belongs to another user: nothing was sent to it.
type ForeignSocketError struct {
	Socket string
	UID    int    // its owner's (or its listening process's) user id
	What   string // "is owned by" or "is served by a process of"
}

func (e *ForeignSocketError) Error() string {
	return fmt.Sprintf("%s %s another user (%s), not by you (%s): it may have been put there to catch switchboard's requests, so nothing was sent to it. Remove it (or have its owner remove it), or keep the workspace in a folder only you can write (--db)",
		e.Socket, e.What, describeUID(e.UID), describeUID(myUID()))
}

func describeUID(uid int) string {
	if u, err := user.LookupId(strconv.Itoa(uid)); err == nil && u.Username != "" {
		return fmt.Sprintf("%s, uid %d", u.Username, uid)
	}
	return fmt.Sprintf("uid %d", uid)
}

// checkSocketFile refuses a socket file that another user owns. A missing file passes (the dial
// says so).
func checkSocketFile(sock string) error {
	st, err := os.Lstat(sock)
	if err != nil {
		return nil
	}
	if uid := fileUID(st); uid >= 0 && uid != myUID() {
		return &ForeignSocketError{Socket: sock, UID: uid, What: "is owned by"}
	}
	return nil
}

// dialOwner connects to the socket after checking its file's owner, then checks the peer's
// credentials before anything is sent.
func dialOwner(ctx context.Context, sock string) (net.Conn, error) {
	if err := checkSocketFile(sock); err != nil {
		return nil, err
	}
	check := peerUIDOf
	d := net.Dialer{Timeout: 2 * time.Second}
	c, err := d.DialContext(ctx, "unix", sock)
	if err != nil {
		return nil, err
	}
	uid, err := check(c)
	switch {
	case errors.Is(err, errPeerUnknown):
	case err != nil:
		c.Close()
		return nil, fmt.Errorf("cannot tell who listens on %s (%v), so nothing was sent to it", sock, err)
	case uid != myUID():
		c.Close()
		return nil, &ForeignSocketError{Socket: sock, UID: uid, What: "is served by a process of"}
	}
	return c, nil
}

// peerUIDOf is peerUID; a variable so a test can stand for a peer of another user.
var peerUIDOf = peerUID

// sameUser is a listener that closes, unanswered, every connection from another user.
type sameUser struct {
	net.Listener
	peer func(net.Conn) (int, error)
	uid  int
}

func onlySameUser(ln net.Listener) net.Listener {
	return &sameUser{Listener: ln, peer: peerUIDOf, uid: myUID()}
}

func (l *sameUser) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		uid, err := l.peer(c)
		if errors.Is(err, errPeerUnknown) || (err == nil && uid == l.uid) {
			return c, nil
		}
		c.Close()
	}
}
