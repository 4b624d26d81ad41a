package whatsapp_test

import (
	"fmt"
	"math"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"switchboard/inbox"
	"switchboard/inbox/whatsapp"
	"switchboard/inbox/whatsapp/fakegraph"
)

// BenchmarkOutbox measures the outbox against the fake Graph API on loopback, on a workspace
// file with fsync on:
//
//   - baseline: the client alone, 16 goroutines posting to the fake (no outbox, no store);
//
//   - drain: replies already queued, drained by a sender with no throughput limit (each reply
//     is claimed in one transaction and recorded in another, both durable);
//
//   - throttle-80: 240 replies at a configured 80 messages per second; the rate at which they
//     reach the fake, which must be within 5% of 80.
//
//     go test -run '^$' -bench 'Outbox/(baseline|drain)' -benchtime 2000x ./inbox/whatsapp
//     go test -run '^$' -bench 'Outbox/throttle' -benchtime 3x ./inbox/whatsapp
func BenchmarkOutbox(b *testing.B) {
	open := func(b *testing.B) *inbox.Service {
		svc, err := openInbox(filepath.Join(b.TempDir(), "bench.db"), inbox.Options{})
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { svc.Close() })
		if err := svc.AddOperator(ctx, "", inbox.Operator{ID: "alice", Name: "Alice", Role: "admin", Status: "online"}); err != nil {
			b.Fatal(err)
		}
		for i := 0; i < 50; i++ {
			if _, err := svc.Inject(ctx, inbox.Inbound{Channel: "message", From: fmt.Sprintf("1555000%04d", i), Text: "hi"}); err != nil {
				b.Fatal(err)
			}
		}
		return svc
	}
	fake := func(b *testing.B) (*fakegraph.Fake, *whatsapp.Client) {
		f := &fakegraph.Fake{Token: token}
		base, err := f.Start()
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(f.Close)
		return f, whatsapp.NewClient(whatsapp.Config{BaseURL: base, PhoneID: "P", Token: func() (string, error) { return token, nil }})
	}
	queue := func(b *testing.B, svc *inbox.Service, n int) {
		svc.SetOutbound(true, "")
		var wg sync.WaitGroup
		for g := 0; g < 16; g++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := g; i < n; i += 16 {
					if _, err := svc.Reply(ctx, "alice", fmt.Sprintf("1555000%04d", i%50), fmt.Sprint("reply ", i)); err != nil {
						b.Error(err)
						return
					}
				}
			}()
		}
		wg.Wait()
	}
	drained := func(svc *inbox.Service) bool { box, _ := svc.Outbox(ctx); return len(box) == 0 }

	b.Run("baseline", func(b *testing.B) {
		_, c := fake(b)
		b.ResetTimer()
		var wg sync.WaitGroup
		var next int64
		var mu sync.Mutex
		for g := 0; g < 16; g++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					mu.Lock()
					i := next
					next++
					mu.Unlock()
					if i >= int64(b.N) {
						return
					}
					if _, err := c.Send(ctx, inbox.Send{ID: fmt.Sprint("sb.x.", i), To: "15550000001", Text: "hi"}); err != nil {
						b.Error(err)
						return
					}
				}
			}()
		}
		wg.Wait()
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
	})
	b.Run("drain", func(b *testing.B) {
		svc := open(b)
		f, c := fake(b)
		queue(b, svc, b.N)
		b.ResetTimer()
		stop := whatsapp.Start(svc, c, whatsapp.Options{Rate: -1})
		for !drained(svc) {
			time.Sleep(time.Millisecond)
		}
		b.StopTimer()
		stop()
		if got := len(f.Messages()); got != b.N {
			b.Fatalf("the fake got %d messages, want %d", got, b.N)
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "replies/s")
	})
	b.Run("throttle-80", func(b *testing.B) {
		// b.N runs of 240 replies (3 s each): run it with -benchtime 1x to 5x
		const n, rate = 240, 80.0
		var worst float64
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			svc := open(b)
			f, c := fake(b)
			queue(b, svc, n)
			b.StartTimer()
			stop := whatsapp.Start(svc, c, whatsapp.Options{Rate: rate})
			for !drained(svc) {
				time.Sleep(time.Millisecond)
			}
			stop()
			ms := f.Messages()
			got := float64(len(ms)-1) / ms[len(ms)-1].At.Sub(ms[0].At).Seconds()
			worst = max(worst, math.Abs(got-rate)/rate)
			b.ReportMetric(got, "msgs/s")
		}
		b.ReportMetric(100*worst, "%off")
		if worst > 0.05 {
			b.Errorf("the throttle held %.1f%% off %g/s: the target is within 5%%", 100*worst, rate)
		}
	})
}
