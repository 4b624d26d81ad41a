// Package rpc is the socket door: the process that owns a workspace file (the terminal inbox,
// `switchboard serve`) listens on a Unix socket beside it, and every other switchboard process
// of the same user reaches the workspace through it.
//
// Each connection says once who it acts as (POST /v1/session); the server binds an
// inbox.Session for that operator and runs every request on the connection with it, so a
// request never names who acts. Operations are the inbox's API by name (POST /v1/call/OP, served
// by inbox.Serve), the event stream is GET /v1/events (NDJSON), export and import stream the
// workspace document. Client is an inbox.Conn, so a screen or a command drives a session in
// the owner's process exactly as one in its own. Only the socket's own user may connect (file
// owner, then SO_PEERCRED); bodies, time and connections are bounded (limits.go).
//
// Connect is how a command reaches a workspace: through its owner when one runs, else by
// opening the file with the Engine main wires in (rpc names no storage engine itself).
package rpc
