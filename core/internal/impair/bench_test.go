package impair

import (
	"io"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"strconv"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// helperEnv makes the test binary a traffic helper (see TestHelperProcess),
// so that the endpoints' CPU time is not charged to the impairer.
const helperEnv = "IMPAIR_TEST_HELPER"

// TestHelperProcess is the helper's body when run with helperEnv set:
// "sink" accepts one connection on the listener passed as fd 3 and
// discards it; "send" writes to the connection passed as fd 3 until it
// breaks or for the duration in IMPAIR_TEST_DURATION.
func TestHelperProcess(t *testing.T) {
	mode := os.Getenv(helperEnv)
	if mode == "" {
		t.Skip("helper process only")
	}
	f := os.NewFile(3, "socket")
	switch mode {
	case "sink":
		ln, err := net.FileListener(f)
		if err != nil {
			os.Exit(2)
		}
		c, err := ln.Accept()
		if err != nil {
			os.Exit(2)
		}
		io.Copy(io.Discard, c)
	case "send":
		c, err := net.FileConn(f)
		if err != nil {
			os.Exit(2)
		}
		d, _ := time.ParseDuration(os.Getenv("IMPAIR_TEST_DURATION"))
		c.SetWriteDeadline(time.Now().Add(d))
		buf := make([]byte, 64<<10)
		for {
			if _, err := c.Write(buf); err != nil {
				break
			}
		}
		c.Close()
	}
	os.Exit(0)
}

func cpuTime() (user, sys time.Duration) {
	var ru unix.Rusage
	unix.Getrusage(unix.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano()), time.Duration(ru.Stime.Nano())
}

// BenchmarkImpairerTCP runs a kernel TCP bulk transfer through the path
// (endpoints in helper processes) and reports this process's CPU time,
// which is the impairer's: its user time, and system time for the TUN
// reads and writes (including, for writes, the receiving namespace's
// network stack, which runs in the writing thread's context). Run with
// -benchtime=1x; IMPAIR_BENCH_RATE (bit/s, default 100e6; 0 unlimited)
// and IMPAIR_BENCH_DELAY (one-way, default 1ms) choose the profile.
func BenchmarkImpairerTCP(b *testing.B) {
	rate := int64(100e6)
	if s := os.Getenv("IMPAIR_BENCH_RATE"); s != "" {
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			b.Fatal(err)
		}
		rate = int64(f)
	}
	delay := time.Millisecond
	if s := os.Getenv("IMPAIR_BENCH_DELAY"); s != "" {
		delay, _ = time.ParseDuration(s)
	}
	const dur = 6 * time.Second
	p := NewPath(b, Config{Forward: LinkConfig{Rate: rate, Overhead: 14, Delay: delay}, Reverse: LinkConfig{Delay: delay}})
	ln, err := p.Srv.Listen("tcp4", netip.AddrPortFrom(p.SrvAddr4, 0).String())
	if err != nil {
		b.Fatal(err)
	}
	defer ln.Close()
	lf, _ := ln.(*net.TCPListener).File()
	sink := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$")
	sink.Env = append(os.Environ(), helperEnv+"=sink")
	sink.ExtraFiles = []*os.File{lf}
	if err := sink.Start(); err != nil {
		b.Fatal(err)
	}
	lf.Close()
	c, err := p.Cli.Dial("tcp4", ln.Addr().String())
	if err != nil {
		b.Fatal(err)
	}
	cf, _ := c.(*net.TCPConn).File()
	c.Close()
	send := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$")
	send.Env = append(os.Environ(), helperEnv+"=send", "IMPAIR_TEST_DURATION="+dur.String())
	send.ExtraFiles = []*os.File{cf}
	if err := send.Start(); err != nil {
		b.Fatal(err)
	}
	cf.Close()
	b.ResetTimer()
	// Measure from 1 s in (past slow start) to 1 s before the end.
	warm := time.NewTimer(time.Second)
	<-warm.C
	u0, s0 := cpuTime()
	f0, r0 := p.Forward.Stats(), p.Reverse.Stats()
	t0 := time.Now()
	win := time.NewTimer(dur - 2*time.Second)
	<-win.C
	u1, s1 := cpuTime()
	f1, r1 := p.Forward.Stats(), p.Reverse.Stats()
	el := time.Since(t0)
	send.Wait()
	sink.Wait()
	pkts := float64(f1.Packets - f0.Packets + r1.Packets - r0.Packets)
	user, sys := (u1 - u0).Seconds(), (s1 - s0).Seconds()
	b.ReportMetric(float64(f1.DeliveredBytes-f0.DeliveredBytes)*8/el.Seconds()/1e6, "Mbit/s")
	b.ReportMetric(float64(f1.Packets-f0.Packets)/el.Seconds(), "fwd-pkt/s")
	b.ReportMetric(float64(r1.Packets-r0.Packets)/el.Seconds(), "rev-pkt/s")
	b.ReportMetric(100*user/el.Seconds(), "user-%core")
	b.ReportMetric(100*sys/el.Seconds(), "sys-%core")
	b.ReportMetric((user+sys)*1e6/pkts, "µs/pkt")
	b.Logf("forward %+v reverse %+v", f1, r1)
}
