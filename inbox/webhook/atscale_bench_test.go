package webhook

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	sbbolt "switchboard/data/bolt"
	"switchboard/internal/atscale"
)

// BenchmarkWebhookAtScale (issue 17): 64 clients deliver the scale stream (one message per
// webhook, as Meta sends them) into a fresh copy of the generated workspace of 100k or 1m
// conversations, over loopback HTTP (signed, each 200 only once its message is durable),
// beside the same messages applied directly (parsed beforehand, no HTTP) in the same call.
// Target at 100k: http >= 0.8 x direct, p99 < 50 ms. Both sides time their last checkpoint (every
// message is in the file when the clock stops); 60,000 messages run a few checkpoints (one per
// 32 MiB of overlay, about 17,000 messages) on the way, as a running server does.
//
//	go test -run '^$' -bench 'WebhookAtScale/100k' -benchtime=60000x -count=3 ./inbox/webhook
func BenchmarkWebhookAtScale(b *testing.B) {
	for _, sz := range atscale.Sizes {
		b.Run(sz.Name+"/direct-clients=64", func(b *testing.B) { scaleWebhook(b, sz, 64, false) })
		b.Run(sz.Name+"/http-clients=64", func(b *testing.B) { scaleWebhook(b, sz, 64, true) })
	}
}

var scaleSeeds atomic.Uint64

func init() { scaleSeeds.Store(uint64(time.Now().UnixNano())) }

// scaleBodies are b.N webhook bodies, one message each, of the scale stream.
func scaleBodies(b *testing.B, n int) [][]byte {
	seed := scaleSeeds.Add(1)
	ts := time.Now().Unix()
	out := make([][]byte, b.N)
	for i := range out {
		ev := atscale.Event(n, seed, i)
		from := ev.From[1:]
		out[i] = mustJSON(b, payload(messagesChange(from, ev.Name, textMsg(from, ev.ExternalID, fmt.Sprint(ts), ev.Text))))
	}
	return out
}

func scaleWebhook(b *testing.B, sz atscale.Size, clients int, overHTTP bool) {
	const secret = "bench-secret"
	bodies := scaleBodies(b, sz.N)
	s, err := atscale.Open(atscale.Workspace(b, sz.N, b.TempDir()))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	if db, ok := s.Store().(*sbbolt.DB); ok { // its pages mapped, as in a server that has been running
		if _, err := atscale.Touch(db.Bolt()); err != nil {
			b.Fatal(err)
		}
	}
	var send func(c, i int) error
	if overHTTP {
		// The clients are WhatsApp's servers, not this process: each of them keeps one
		// connection open and writes requests built (and signed) before the timer starts, and
		// reads each answer with http.ReadResponse, so the two CPUs go to the server's side —
		// net/http's server, the signature check, Parse, Apply — as they would in production
		// (net/http's client in this process took a tenth of them; see docs/store.md).
		srv := httptest.NewServer(Handler(s, Options{Secret: secret}))
		defer srv.Close()
		host := srv.Listener.Addr().String()
		reqs := make([][]byte, len(bodies))
		for i, body := range bodies {
			reqs[i] = append(fmt.Appendf(nil, "POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\n%s: %s\r\nContent-Length: %d\r\n\r\n",
				Path, host, SignatureHeader, Sign(secret, body), len(body)), body...)
		}
		conns := make([]net.Conn, clients)
		readers := make([]*bufio.Reader, clients)
		for c := range conns {
			conn, err := net.Dial("tcp", host)
			if err != nil {
				b.Fatal(err)
			}
			defer conn.Close()
			conns[c], readers[c] = conn, bufio.NewReader(conn)
		}
		send = func(c, i int) error {
			if _, err := conns[c].Write(reqs[i]); err != nil {
				return err
			}
			return answeredOK(http.ReadResponse(readers[c], nil))
		}
	} else {
		batches := make([]Batch, len(bodies))
		for i, body := range bodies {
			if batches[i], err = Parse(body); err != nil {
				b.Fatal(err)
			}
		}
		send = func(_, i int) error {
			r, err := Apply(context.Background(), s, batches[i])
			if err == nil && r.Messages != 1 {
				err = fmt.Errorf("stored %d messages, want 1 (%s)", r.Messages, r)
			}
			return err
		}
	}
	engine, _ := s.Store().(*sbbolt.DB)
	var before sbbolt.CheckpointStats
	if engine != nil {
		before = engine.CheckpointStats()
	}
	elapsed, lat := drive(b, clients, b.N, send)
	if engine != nil {
		// every message is durable in the journal; the file catches up in checkpoints, which
		// run during the stream and whose last one is timed here (as in inbox's ingest
		// benchmarks): both sides pay for getting their messages into the file
		start := time.Now()
		if err := engine.Checkpoint(); err != nil {
			b.Fatal(err)
		}
		elapsed += time.Since(start)
		b.ReportMetric(float64(engine.CheckpointStats().Checkpoints-before.Checkpoints), "checkpoints")
	}
	reportLatency(b, b.N, elapsed, lat)
}
