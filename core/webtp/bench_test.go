package webtp

import (
	"context"
	"syscall"
	"testing"
	"time"
)

func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkBulk moves reliable 64 KiB ADUs over loopback and reports
// goodput and CPU seconds per GB (both ends in this process).
func BenchmarkBulk(b *testing.B) {
	l, err := Listen("udp4", "127.0.0.1:0", nil)
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	ctx := context.Background()
	acc := make(chan *Conn, 1)
	go func() {
		s, _ := l.Accept(ctx)
		acc <- s
	}()
	c, err := Dial(ctx, "udp4", l.Addr().String(), nil)
	if err != nil {
		b.Fatal(err)
	}
	s := <-acc
	defer c.Close()
	data := make([]byte, 64<<10)
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	start, cpu0 := time.Now(), cpuTime()
	go func() {
		for range b.N {
			if err := c.Send(data, FlagReliable); err != nil {
				b.Error(err)
				return
			}
		}
	}()
	for range b.N {
		if _, err := s.Receive(ctx); err != nil {
			b.Fatal(err)
		}
	}
	el, cpu := time.Since(start), cpuTime()-cpu0
	gb := float64(b.N) * float64(len(data)) / 1e9
	b.ReportMetric(gb*8/el.Seconds(), "Gbit/s")
	b.ReportMetric(cpu.Seconds()/gb, "CPU-s/GB")
}
