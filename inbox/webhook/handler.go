package webhook

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strings"
	"time"

	"golang.org/x/sync/semaphore"

	"switchboard/inbox"
)

// Path is where the handler listens.
const Path = "/webhook"

// MaxBody is the largest payload accepted (Meta's payloads are far smaller); larger bodies get
// 413 and nothing is stored.
const MaxBody = 3 << 20

// SignatureHeader carries "sha256=<hex HMAC-SHA256 of the raw body, keyed with the secret>".
const SignatureHeader = "X-Hub-Signature-256"

// Options configure the HTTP handler.
type Options struct {
	// VerifyToken answers Meta's GET verification handshake; empty refuses every handshake.
	VerifyToken string
	// Secret, when set, is the app secret every POST must be signed with (X-Hub-Signature-256).
	Secret string
	// Log receives one line per refused or failed request and per recovered panic; nil is silent
	// (the TUI owns the terminal).
	Log *slog.Logger
	// MaxBodyBytes caps the bytes of request bodies held at once (0: MaxBodyBytes).
	MaxBodyBytes int64
	// BodyWait is how long a request waits for room under MaxBodyBytes before it gets 503 (0:
	// BodyWait; negative: it does not wait).
	BodyWait time.Duration
}

// Handler serves POST /webhook (payloads) and GET /webhook (the verification handshake).
//
// Answers: 200 processed or knowingly ignored; 400 not JSON or not a WhatsApp Business Account
// payload; 401 bad or missing signature (when a secret is set); 403 failed handshake; 404 other
// paths; 405 other methods; 413 body over 3 MB; 503 when MaxBodyBytes of bodies are being
// received already; 500/503 when the inbox itself failed, so Meta retries (a retry is safe:
// events are idempotent). A panic answers 500 and never takes
// the server down. Every event of a payload is durable before its 200.
func Handler(svc Inbox, opt Options) http.Handler {
	if opt.MaxBodyBytes <= 0 {
		opt.MaxBodyBytes = MaxBodyBytes
	}
	if opt.BodyWait == 0 {
		opt.BodyWait = BodyWait
	}
	h := &handler{svc: svc, opt: opt, log: opt.Log, bodies: semaphore.NewWeighted(opt.MaxBodyBytes)}
	if h.log == nil {
		h.log = slog.New(slog.DiscardHandler)
	}
	return h
}

type handler struct {
	svc    Inbox
	opt    Options
	log    *slog.Logger
	bodies *semaphore.Weighted // bytes of bodies held at once
}

// reserve holds room for a request's body under MaxBodyBytes until release is called; ok false
// when there was no room within BodyWait.
func (h *handler) reserve(r *http.Request) (release func(), ok bool) {
	n := r.ContentLength
	if n < 0 || n > MaxBody {
		n = MaxBody // not said (chunked): what it may grow to
	}
	n = min(n, h.opt.MaxBodyBytes)
	if n == 0 {
		return func() {}, true
	}
	if !h.bodies.TryAcquire(n) {
		if h.opt.BodyWait < 0 {
			return nil, false
		}
		ctx, cancel := context.WithTimeout(r.Context(), h.opt.BodyWait)
		defer cancel()
		if h.bodies.Acquire(ctx, n) != nil {
			return nil, false
		}
	}
	return func() { h.bodies.Release(n) }, true
}

// answer is the JSON body of every answer.
type answer struct {
	OK     bool    `json:"ok"`
	Error  string  `json:"error,omitempty"`
	Result *Result `json:"result,omitempty"`
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	defer func() {
		if p := recover(); p != nil {
			if p == http.ErrAbortHandler {
				panic(p)
			}
			h.log.Error("webhook: panic while handling a request", "method", r.Method, "path", r.URL.Path,
				"panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			writeAnswer(w, http.StatusInternalServerError, answer{Error: "internal error; the payload can be sent again"})
		}
	}()
	if r.URL.Path != Path {
		writeAnswer(w, http.StatusNotFound, answer{Error: "not found: post WhatsApp webhooks to " + Path})
		return
	}
	switch r.Method {
	case http.MethodPost:
		h.post(w, r)
	case http.MethodGet, http.MethodHead:
		h.verify(w, r)
	default:
		w.Header().Set("Allow", "GET, HEAD, POST")
		writeAnswer(w, http.StatusMethodNotAllowed, answer{Error: r.Method + " is not allowed: use POST for payloads, GET for the verification handshake"})
	}
}

// verify answers Meta's subscription handshake: the challenge echoed when the token matches.
func (h *handler) verify(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	token := q.Get("hub.verify_token")
	if q.Get("hub.mode") != "subscribe" || h.opt.VerifyToken == "" ||
		subtle.ConstantTimeCompare([]byte(token), []byte(h.opt.VerifyToken)) != 1 {
		h.log.Warn("webhook: verification refused", "mode", q.Get("hub.mode"), "remote", r.RemoteAddr)
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusForbidden)
		io.WriteString(w, "verification failed: hub.mode must be subscribe and hub.verify_token must match the verify token this server was given (--verify-token, --verify-token-file or SWITCHBOARD_VERIFY_TOKEN[_FILE])\n")
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusOK)
	io.WriteString(w, q.Get("hub.challenge"))
}

func (h *handler) post(w http.ResponseWriter, r *http.Request) {
	if h.opt.Secret != "" {
		// a POST that cannot be signed is refused before its body is read or held
		if _, msg := signatureDigest(r.Header.Get(SignatureHeader)); msg != "" {
			h.log.Warn("webhook: signature refused", "reason", msg, "remote", r.RemoteAddr)
			writeAnswer(w, http.StatusUnauthorized, answer{Error: msg + "; nothing was stored"})
			return
		}
	}
	if r.ContentLength > MaxBody {
		h.log.Warn("webhook: body too large", "limit", MaxBody, "remote", r.RemoteAddr)
		writeAnswer(w, http.StatusRequestEntityTooLarge, answer{Error: fmt.Sprintf("the body is over %d bytes; nothing was stored", MaxBody)})
		return
	}
	release, ok := h.reserve(r)
	if !ok {
		h.log.Warn("webhook: too many bodies at once", "limit_bytes", h.opt.MaxBodyBytes, "remote", r.RemoteAddr)
		w.Header().Set("Retry-After", "5")
		w.Header().Set("Connection", "close")
		writeAnswer(w, http.StatusServiceUnavailable, answer{Error: "busy: too many payloads are being received at once; nothing was stored, send it again"})
		return
	}
	defer release()
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			h.log.Warn("webhook: body too large", "limit", MaxBody, "remote", r.RemoteAddr)
			writeAnswer(w, http.StatusRequestEntityTooLarge, answer{Error: fmt.Sprintf("the body is over %d bytes; nothing was stored", MaxBody)})
			return
		}
		writeAnswer(w, http.StatusBadRequest, answer{Error: "could not read the body: " + err.Error()})
		return
	}
	if h.opt.Secret != "" {
		if msg := checkSignature(h.opt.Secret, r.Header.Get(SignatureHeader), body); msg != "" {
			h.log.Warn("webhook: signature refused", "reason", msg, "remote", r.RemoteAddr)
			writeAnswer(w, http.StatusUnauthorized, answer{Error: msg + "; nothing was stored"})
			return
		}
	}
	b, err := Parse(body)
	if err != nil {
		h.log.Warn("webhook: payload refused", "error", err.Error(), "remote", r.RemoteAddr)
		writeAnswer(w, http.StatusBadRequest, answer{Error: err.Error() + "; nothing was stored"})
		return
	}
	res, err := Apply(r.Context(), h.svc, b)
	if err != nil {
		code := http.StatusInternalServerError
		if inbox.KindOf(err) == inbox.Unavailable {
			code = http.StatusServiceUnavailable
		}
		h.log.Error("webhook: the inbox failed", "error", err.Error(), "stored", res.Stored())
		writeAnswer(w, code, answer{Error: err.Error(), Result: &res})
		return
	}
	if len(res.Skipped) > 0 {
		h.log.Info("webhook: parts of a payload were skipped", "skipped", len(res.Skipped)+res.SkippedMore, "first", res.Skipped[0].Where+": "+res.Skipped[0].Reason)
	}
	writeAnswer(w, http.StatusOK, answer{OK: true, Result: &res})
}

// Sign returns the X-Hub-Signature-256 value of body under secret.
func Sign(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// checkSignature returns "" when header is body's signature under secret, else why not.
func checkSignature(secret, header string, body []byte) string {
	got, msg := signatureDigest(header)
	if msg != "" {
		return msg
	}
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	if !hmac.Equal(got, m.Sum(nil)) {
		return SignatureHeader + " does not match the body under the webhook secret"
	}
	return ""
}

// signatureDigest reads the digest of a signature header, or says what is wrong with it.
func signatureDigest(header string) ([]byte, string) {
	if header == "" {
		return nil, "missing " + SignatureHeader + " header"
	}
	hexSig, ok := strings.CutPrefix(strings.TrimSpace(header), "sha256=")
	if !ok {
		return nil, SignatureHeader + " must be sha256=<hex HMAC-SHA256 of the body>"
	}
	got, err := hex.DecodeString(hexSig)
	if err != nil || len(got) != sha256.Size {
		return nil, SignatureHeader + " is not a hex SHA-256 digest"
	}
	return got, ""
}

func writeAnswer(w http.ResponseWriter, code int, a answer) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(a)
}
