package cli

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"switchboard/inbox/rpc"
	"switchboard/inbox/webhook"
)

// webhookFlags are the flags of the local WhatsApp webhook endpoint, on every command that owns
// the workspace (the terminal inbox, serve, demo).
type webhookFlags struct {
	addr                        string
	verifyToken, secret         string
	verifyTokenFile, secretFile string
	cmds                        []*cobra.Command // each command they were added to
}

// The secrets' flags and environment variables. A value given on the command line can be read
// by every user of the machine (ps, /proc/PID/cmdline) while the process runs; the environment
// (/proc/PID/environ) and a file of mode 0600 only by the same user and root.
const (
	envVerifyToken     = "SWITCHBOARD_VERIFY_TOKEN"
	envVerifyTokenFile = "SWITCHBOARD_VERIFY_TOKEN_FILE"
	envSecret          = "SWITCHBOARD_WEBHOOK_SECRET"
	envSecretFile      = "SWITCHBOARD_WEBHOOK_SECRET_FILE"
	maxSecretFile      = 64 << 10
)

func (w *webhookFlags) add(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVar(&w.addr, "http", "", "also serve WhatsApp Cloud API webhooks on ADDR (e.g. 127.0.0.1:8080): POST/GET /webhook")
	// no defaults from the environment: --help would print the secret
	f.StringVar(&w.verifyToken, "verify-token", "", "token for the webhook verification handshake (visible to other users in ps: prefer --verify-token-file or env "+envVerifyToken+")")
	f.StringVar(&w.verifyTokenFile, "verify-token-file", "", "read the verification token from FILE (env "+envVerifyTokenFile+")")
	f.StringVar(&w.secret, "webhook-secret", "", "app secret every POST must be signed with; required beyond loopback (visible to other users in ps: prefer --webhook-secret-file or env "+envSecret+")")
	f.StringVar(&w.secretFile, "webhook-secret-file", "", "read the app secret from FILE (env "+envSecretFile+")")
	markServers(f, "http", "verify-token", "verify-token-file", "webhook-secret", "webhook-secret-file")
	w.cmds = append(w.cmds, cmd)
}

func (w *webhookFlags) changed(name string) bool {
	for _, c := range w.cmds {
		if c.Flags().Changed(name) {
			return true
		}
	}
	return false
}

// secretFrom picks a secret from its flag, its file flag, its environment variable or its file
// variable, in that order; giving both a value and a file at the same level is an error.
func (w *webhookFlags) secretFrom(flag, val, fileFlag, file, env, envFile string) (string, error) {
	switch {
	case w.changed(flag) && w.changed(fileFlag):
		return "", usagef("--%s and --%s both given: give one", flag, fileFlag)
	case w.changed(flag):
		return val, nil
	case w.changed(fileFlag):
		return readSecret("--"+fileFlag, file)
	}
	v, vok := os.LookupEnv(env)
	fv, fok := os.LookupEnv(envFile)
	switch {
	case vok && fok && v != "" && fv != "":
		return "", fmt.Errorf("%s and %s are both set: unset one", env, envFile)
	case v != "":
		return v, nil
	case fv != "":
		return readSecret(envFile, fv)
	}
	return "", nil
}

// readSecret reads a secret from a file: its content without the line end a text editor adds.
func readSecret(from, path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("cannot read %s %s: %v", from, path, err)
	}
	defer f.Close()
	raw, err := io.ReadAll(io.LimitReader(f, maxSecretFile+1))
	if err != nil {
		return "", fmt.Errorf("cannot read %s %s: %v", from, path, err)
	}
	if len(raw) > maxSecretFile {
		return "", fmt.Errorf("%s %s is over %d bytes: is it the right file?", from, path, maxSecretFile)
	}
	s := strings.TrimRight(string(raw), "\r\n")
	if s == "" {
		return "", fmt.Errorf("%s %s is empty: put the secret in it", from, path)
	}
	return s, nil
}

// webhookDoor is the webhook endpoint's listener, bound before the workspace is opened.
type webhookDoor struct {
	ln  net.Listener
	opt webhook.Options
}

// open reads the secrets and binds --http, before anything else starts: a bad address, a
// missing secret beyond loopback or a port in use fails before any file is created. With no
// --http it returns nil.
func (w *webhookFlags) open() (*webhookDoor, error) {
	token, err := w.secretFrom("verify-token", w.verifyToken, "verify-token-file", w.verifyTokenFile, envVerifyToken, envVerifyTokenFile)
	if err != nil {
		return nil, err
	}
	secret, err := w.secretFrom("webhook-secret", w.secret, "webhook-secret-file", w.secretFile, envSecret, envSecretFile)
	if err != nil {
		return nil, err
	}
	if w.addr == "" {
		return nil, nil
	}
	ln, err := webhook.Listen(w.addr, secret)
	if err != nil {
		return nil, err
	}
	return &webhookDoor{ln: ln, opt: webhook.Options{VerifyToken: token, Secret: secret}}, nil
}

// close releases a door that will not be served.
func (d *webhookDoor) close() {
	if d != nil {
		d.ln.Close()
	}
}

// serve serves the webhook endpoint on the owner's service until the returned stop is called;
// stop finishes the requests in flight. A nil door does nothing. logTo nil is silent (the
// terminal inbox owns the screen).
func (d *webhookDoor) serve(o *rpc.Owner, logTo io.Writer) (stop func()) {
	if d == nil {
		return func() {}
	}
	opt := d.opt
	if logTo != nil {
		opt.Log = slog.New(slog.NewTextHandler(logTo, nil))
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		webhook.Serve(ctx, d.ln, webhook.Handler(o.Service, opt))
	}()
	return func() { cancel(); <-done }
}
