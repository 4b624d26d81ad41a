package webhook

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// BenchmarkWebhook: concurrent clients POST signed payloads over loopback to a real HTTP server
// on a real workspace file (bbolt with fsync on). Each 200 comes back only once its messages
// are committed and synced. Reports messages/s and per-request latency percentiles; b.N counts
// messages. per-post=1 is the honest measure of one webhook per message (what Meta sends);
// per-post=10 shows batched deliveries, still counted per message.
func BenchmarkWebhook(b *testing.B) {
	// baseline: the same messages through Apply with no HTTP, same concurrency
	b.Run("baseline-no-http/clients=64", func(b *testing.B) { benchDirect(b, 64) })
	for _, bc := range []struct{ clients, perPost int }{{64, 1}, {128, 1}, {64, 10}} {
		b.Run(fmt.Sprintf("clients=%d/per-post=%d", bc.clients, bc.perPost), func(b *testing.B) {
			benchWebhook(b, bc.clients, bc.perPost)
		})
	}
}

func benchDirect(b *testing.B, clients int) {
	s := openService(b, filepath.Join(b.TempDir(), "sb.db"), true)
	batches := make([]Batch, b.N)
	for i := range batches {
		from := fmt.Sprintf("1555200%04d", i%1000)
		bt, err := Parse(mustJSON(b, payload(messagesChange(from, "Bench Customer",
			textMsg(from, fmt.Sprintf("wamid.bench.%d", i), 1764000000+i, fmt.Sprintf("hello, message %d", i))))))
		if err != nil {
			b.Fatal(err)
		}
		batches[i] = bt
	}
	elapsed, lat := drive(b, clients, b.N, func(_, i int) error {
		_, err := Apply(ctx, s, batches[i])
		return err
	})
	reportLatency(b, b.N, elapsed, lat)
}

func reportLatency(b *testing.B, msgs int, elapsed time.Duration, lat []time.Duration) {
	slices.Sort(lat)
	pct := func(q float64) float64 {
		return float64(lat[min(len(lat)-1, int(q*float64(len(lat))))].Microseconds()) / 1000
	}
	b.ReportMetric(float64(msgs)/elapsed.Seconds(), "msgs/s")
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
}

func benchWebhook(b *testing.B, clients, perPost int) {
	const secret = "bench-secret"
	path := filepath.Join(b.TempDir(), "sb.db")
	s := openService(b, path, true)
	srv := httptest.NewServer(Handler(s, Options{Secret: secret}))
	defer srv.Close()
	tr := &http.Transport{MaxIdleConns: clients, MaxIdleConnsPerHost: clients, MaxConnsPerHost: clients}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 30 * time.Second}

	posts := (b.N + perPost - 1) / perPost
	bodies := make([][]byte, posts)
	for p := range bodies {
		var msgs []obj
		for i := p * perPost; i < min((p+1)*perPost, b.N); i++ {
			from := fmt.Sprintf("1555200%04d", i%1000) // a thousand customers
			msgs = append(msgs, textMsg(from, fmt.Sprintf("wamid.bench.%d", i), 1764000000+i, fmt.Sprintf("hello, message %d", i)))
		}
		from := msgs[0]["from"].(string)
		bodies[p] = mustJSON(b, payload(messagesChange(from, "Bench Customer", msgs...)))
	}
	elapsed, lat := drive(b, clients, posts, func(_, p int) error {
		req, _ := http.NewRequest(http.MethodPost, srv.URL+Path, bytes.NewReader(bodies[p]))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set(SignatureHeader, Sign(secret, bodies[p]))
		return answeredOK(client.Do(req))
	})
	reportLatency(b, b.N, elapsed, lat)

	// durable: reopen the file and count what is there
	srv.Close()
	s.Close()
	s2 := openService(b, path, false)
	if got := strings.Count(export(b, s2), `"id":"wamid.bench.`); got != b.N {
		b.Fatalf("%d messages in the file after reopening, want %d", got, b.N)
	}
}

// BenchmarkParse reads one usual message payload: in one pass (Parse) and level by level
// (slowParse, what Parse did before), in the same run.
func BenchmarkParse(b *testing.B) {
	body := mustJSON(b, payload(messagesChange(gus, "Gus Lee", textMsg(gus, "wamid.bench.1", "1764000000", "Hello, where is my order? It was due yesterday."))))
	for _, c := range []struct {
		name  string
		parse func([]byte) (Batch, error)
	}{{"one-pass", Parse}, {"level-by-level", slowParse}} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				if bt, err := c.parse(body); err != nil || len(bt.Events) != 1 {
					b.Fatalf("%v %+v", err, bt)
				}
			}
		})
	}
}

// drive makes n deliveries from clients goroutines at once, each taking the next index, with
// the benchmark's timer running only meanwhile; it returns how long they took and each one's
// latency, and fails the benchmark (after all of them) when any failed.
// answeredOK reads and closes a webhook's answer: nil when it is 200.
func answeredOK(resp *http.Response, err error) error {
	if err != nil {
		return err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("status %d", resp.StatusCode)
	}
	return nil
}

func drive(b *testing.B, clients, n int, send func(client, i int) error) (time.Duration, []time.Duration) {
	lat := make([]time.Duration, n)
	var next, failed atomic.Int64
	var firstErr atomic.Value
	var wg sync.WaitGroup
	b.ResetTimer()
	start := time.Now()
	for c := 0; c < clients; c++ {
		wg.Add(1)
		go func(c int) {
			defer wg.Done()
			for i := int(next.Add(1)) - 1; i < n; i = int(next.Add(1)) - 1 {
				t0 := time.Now()
				err := send(c, i)
				lat[i] = time.Since(t0)
				if err != nil {
					failed.Add(1)
					firstErr.CompareAndSwap(nil, err)
				}
			}
		}(c)
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	if k := failed.Load(); k > 0 {
		b.Fatalf("%d deliveries failed; first: %v", k, firstErr.Load())
	}
	return elapsed, lat
}
