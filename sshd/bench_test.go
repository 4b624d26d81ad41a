package sshd_test

import (
	"fmt"
	"io"
	"runtime"
	"sort"
	"sync"
	"syscall"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"

	"switchboard/inbox"
)

const fanoutSessions = 50

// BenchmarkFanout opens 50 SSH sessions with a terminal on one inbox (25 as Alice, 25 as
// Carol, 80×24 each, their output drawn into a terminal emulator in this process), then per
// iteration injects one inbound message (a new customer) and waits until every session's screen
// shows it: the All view's count grown by one (each screen keeps its selected row in sight, so
// the new row itself may sit above what an 80×24 screen shows; the count and the list are one
// reload). It
// reports the time from the inject to each screen showing it (p50, p99, max, over every session
// of every iteration), the process's CPU time per inject and session, and, from a second run
// whose clients throw the output away, the heap one open session holds.
//
// The clients' emulators run in the same process, on the same two CPUs, as the server: the
// latencies and the CPU time include drawing every frame 50 times on the client side, so they
// are an upper bound of what the serve process pays.
func BenchmarkFanout(b *testing.B) {
	d := newDoor(b, doorOpts{maxSessions: fanoutSessions + 4, perOperator: fanoutSessions, forAdmins: -1})
	clients := map[string]*gossh.Client{"alice": d.as("alice"), "carol": d.as("carol")}
	screens := make([]*screen, 0, fanoutSessions)
	for i := 0; i < fanoutSessions; i++ {
		who := "alice"
		if i%2 == 1 {
			who = "carol"
		}
		screens = append(screens, d.open(clients[who], 80, 24))
	}
	all := 2 // what the fixture's All view counts
	for _, sc := range screens {
		sc.want("Switchboard · Inbox", fmt.Sprintf("All %d  Closed", all))
	}
	var lat []time.Duration
	var cpu time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		name := fmt.Sprintf("Fan%06d", i)
		all++
		shown := fmt.Sprintf("All %d  Closed", all)
		start := time.Now()
		c0 := cpuTime()
		if _, err := d.svc.Inject(bg, inbox.Inbound{Channel: "message", From: fmt.Sprintf("1555%07d", 100000+i), Name: name, Text: "hello"}); err != nil {
			b.Fatal(err)
		}
		var mu sync.Mutex
		var wg sync.WaitGroup
		for _, sc := range screens {
			wg.Add(1)
			go func(sc *screen) {
				defer wg.Done()
				if !sc.shows(shown, start.Add(10*time.Second)) {
					b.Errorf("a screen never showed %q:\n%s", shown, sc.text())
					return
				}
				el := time.Since(start)
				mu.Lock()
				lat = append(lat, el)
				mu.Unlock()
			}(sc)
		}
		wg.Wait()
		cpu += cpuTime() - c0
	}
	b.StopTimer()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	pct := func(p float64) float64 {
		if len(lat) == 0 {
			return 0
		}
		return float64(lat[int(p*float64(len(lat)-1))].Microseconds()) / 1000
	}
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
	b.ReportMetric(pct(1), "max-ms")
	b.ReportMetric(float64(cpu.Microseconds())/float64(b.N)/fanoutSessions, "cpu-µs/inject/session")
	b.ReportMetric(heapPerSession(b)/1024, "heap-KB/session")
}

// heapPerSession opens sessions whose output nobody draws and measures the live heap they add.
func heapPerSession(b *testing.B) float64 {
	d := newDoor(b, doorOpts{maxSessions: fanoutSessions + 4, perOperator: fanoutSessions, forAdmins: -1})
	c := d.as("carol")
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	var sess []*gossh.Session
	for i := 0; i < fanoutSessions; i++ {
		s, err := c.NewSession()
		if err != nil {
			b.Fatal(err)
		}
		if err := s.RequestPty("xterm-256color", 24, 80, gossh.TerminalModes{}); err != nil {
			b.Fatal(err)
		}
		s.Stdout = io.Discard
		if err := s.Shell(); err != nil {
			b.Fatal(err)
		}
		sess = append(sess, s)
	}
	for d.srv.Sessions() < fanoutSessions {
		time.Sleep(time.Millisecond)
	}
	time.Sleep(300 * time.Millisecond) // every screen has drawn its first frame
	runtime.GC()
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	for _, s := range sess {
		s.Close()
	}
	return float64(int64(after.HeapAlloc)-int64(before.HeapAlloc)) / fanoutSessions
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
