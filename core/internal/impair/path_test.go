package impair

import (
	"bytes"
	"encoding/binary"
	"net"
	"net/netip"
	"os"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// udpPair opens a server socket in srv and a client socket in cli,
// connected to it, for the family of to.
func udpPair(t *testing.T, p *Path, to netip.Addr) (cli net.Conn, srv net.PacketConn) {
	t.Helper()
	network := "udp4"
	if to.Is6() {
		network = "udp6"
	}
	srv, err := p.Srv.ListenPacket(network, netip.AddrPortFrom(to, 0).String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	cli, err = p.Cli.Dial(network, srv.LocalAddr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cli.Close() })
	return cli, srv
}

// echo answers every datagram on srv until it is closed.
func echo(srv net.PacketConn) {
	buf := make([]byte, 2048)
	for {
		n, from, err := srv.ReadFrom(buf)
		if err != nil {
			return
		}
		srv.WriteTo(buf[:n], from)
	}
}

func TestPingBothFamilies(t *testing.T) {
	p := NewPath(t, Config{})
	for _, to := range []netip.Addr{p.SrvAddr4, p.SrvAddr6} {
		cli, srv := udpPair(t, p, to)
		go echo(srv)
		cli.SetDeadline(time.Now().Add(10 * time.Second))
		for i := 0; i < 10; i++ {
			msg := []byte("ping " + to.String() + " " + string(rune('0'+i)))
			if _, err := cli.Write(msg); err != nil {
				t.Fatal(err)
			}
			buf := make([]byte, 100)
			n, err := cli.Read(buf)
			if err != nil {
				t.Fatalf("%v: %v", to, err)
			}
			if !bytes.Equal(buf[:n], msg) {
				t.Fatalf("%v: got %q want %q", to, buf[:n], msg)
			}
		}
	}
	f, r := p.Forward.Stats(), p.Reverse.Stats()
	if f.Delivered < 20 || r.Delivered < 20 {
		t.Errorf("stats forward %+v reverse %+v", f, r)
	}
}

func TestDelay(t *testing.T) {
	const d = 20 * time.Millisecond
	p := NewPath(t, Config{Forward: LinkConfig{Delay: d}, Reverse: LinkConfig{Delay: d}})
	cli, srv := udpPair(t, p, p.SrvAddr4)
	go echo(srv)
	cli.SetDeadline(time.Now().Add(20 * time.Second))
	var rtts []time.Duration
	buf := make([]byte, 100)
	for i := 0; i < 20; i++ {
		start := time.Now()
		if _, err := cli.Write([]byte{byte(i)}); err != nil {
			t.Fatal(err)
		}
		if _, err := cli.Read(buf); err != nil {
			t.Fatal(err)
		}
		rtt := time.Since(start)
		if rtt < 2*d {
			t.Errorf("RTT %v < 2×delay %v", rtt, 2*d)
		}
		rtts = append(rtts, rtt)
	}
	sort.Slice(rtts, func(i, j int) bool { return rtts[i] < rtts[j] })
	med := rtts[len(rtts)/2]
	t.Logf("RTT min %v median %v max %v", rtts[0], med, rtts[len(rtts)-1])
	if med >= 2*d+50*time.Millisecond {
		t.Errorf("median RTT %v ≥ 2×delay + 50 ms", med)
	}
}

// blast sends n numbered datagrams from cli to srv, at most window of them
// unaccounted for (neither received nor counted lost by the forward link)
// so that no socket or TUN queue overflows, and returns how often each
// number arrived.
func blast(t *testing.T, p *Path, n, window int) []int {
	t.Helper()
	cli, srv := udpPair(t, p, p.SrvAddr4)
	seen := make([]int, n)
	var unique atomic.Int64
	got := make(chan struct{}, 1)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		buf := make([]byte, 2048)
		for {
			m, _, err := srv.ReadFrom(buf)
			if err != nil {
				return
			}
			if m < 4 {
				continue
			}
			i := binary.BigEndian.Uint32(buf)
			if int(i) < n {
				if seen[i] == 0 {
					unique.Add(1)
				}
				seen[i]++
			}
			select {
			case got <- struct{}{}:
			default:
			}
		}
	}()
	deadline := time.NewTimer(60 * time.Second)
	defer deadline.Stop()
	msg := make([]byte, 200)
	for i := 0; i < n; i++ {
		for int64(i)-unique.Load()-int64(p.Forward.Stats().Dropped) >= int64(window) {
			select {
			case <-got:
			case <-deadline.C:
				t.Fatalf("stuck after %d datagrams: %d received, stats %+v", i, unique.Load(), p.Forward.Stats())
			}
		}
		binary.BigEndian.PutUint32(msg, uint32(i))
		if _, err := cli.Write(msg); err != nil {
			t.Fatal(err)
		}
	}
	// Wait for the tail: everything is received or counted lost.
	for int64(n)-unique.Load()-int64(p.Forward.Stats().Dropped) > 0 {
		select {
		case <-got:
		case <-deadline.C:
			t.Fatalf("tail: %d of %d received, stats %+v", unique.Load(), n, p.Forward.Stats())
		}
	}
	// Duplicates of the last datagrams, and packets other than the
	// test's (IPv6 router solicitations), may still be on their way: the
	// forward link tells when it delivered everything it will.
	waitFor(t, "the forward link to drain", func() bool {
		s := p.Forward.Stats()
		return s.Delivered+s.Dropped+s.QueueDrops+s.WriteErrors >= s.Packets+s.Duplicated
	})
	srv.SetReadDeadline(time.Now()) // the last copies are in the socket: read them, then stop
	wg.Wait()
	return seen
}

func TestLoss(t *testing.T) {
	const n, loss = 5000, 0.10
	p := NewPath(t, Config{Forward: LinkConfig{Loss: loss, Seed: 7, Match: MatchUDP}})
	seen := blast(t, p, n, 64)
	recv := 0
	for _, c := range seen {
		if c > 0 {
			recv++
		}
	}
	frac := 1 - float64(recv)/n
	s := p.Forward.Stats()
	t.Logf("lost %.2f%%; forward %+v", 100*frac, s)
	if frac < loss-0.03 || frac > loss+0.03 {
		t.Errorf("loss %.3f, want %.2f ± 0.03", frac, loss)
	}
	if int(s.Dropped) != n-recv {
		t.Errorf("link dropped %d, receiver missed %d", s.Dropped, n-recv)
	}
}

func TestDuplicate(t *testing.T) {
	const n, dup = 2000, 0.10
	p := NewPath(t, Config{Forward: LinkConfig{Duplicate: dup, Seed: 3, Match: MatchUDP}})
	seen := blast(t, p, n, 64)
	dups := 0
	for i, c := range seen {
		if c == 0 {
			t.Fatalf("datagram %d lost", i)
		}
		dups += c - 1
	}
	frac := float64(dups) / n
	t.Logf("duplicated %.2f%%; forward %+v", 100*frac, p.Forward.Stats())
	if frac < dup-0.03 || frac > dup+0.03 {
		t.Errorf("duplicates %.3f, want %.2f ± 0.03", frac, dup)
	}
}

// tcpBulk sends from cli to srv for dur and returns the receiver's
// goodput in bit/s over the transfer after the first skip.
func tcpBulk(t *testing.T, p *Path, dur, skip time.Duration) float64 {
	t.Helper()
	ln, err := p.Srv.Listen("tcp4", netip.AddrPortFrom(p.SrvAddr4, 0).String())
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	type res struct {
		bps float64
		err error
	}
	done := make(chan res, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			done <- res{err: err}
			return
		}
		defer c.Close()
		buf := make([]byte, 64<<10)
		var first, from time.Time
		var total int64
		for {
			n, err := c.Read(buf)
			now := time.Now()
			if first.IsZero() {
				first = now
			}
			if now.Sub(first) >= skip {
				if from.IsZero() {
					from = now
				} else {
					total += int64(n)
				}
			}
			if err != nil {
				el := now.Sub(from).Seconds()
				if from.IsZero() || el <= 0 {
					done <- res{err: err}
					return
				}
				done <- res{bps: float64(total) * 8 / el}
				return
			}
		}
	}()
	c, err := p.Cli.Dial("tcp4", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 64<<10)
	end := time.Now().Add(dur)
	for time.Now().Before(end) {
		c.SetWriteDeadline(end)
		if _, err := c.Write(buf); err != nil && !os.IsTimeout(err) {
			t.Fatal(err)
		}
	}
	c.Close()
	r := <-done
	if r.err != nil {
		t.Fatal(r.err)
	}
	return r.bps
}

func TestRate(t *testing.T) {
	const rate = 20e6
	p := NewPath(t, Config{Forward: LinkConfig{Rate: rate}})
	bps := tcpBulk(t, p, 4*time.Second, time.Second)
	t.Logf("TCP goodput %.2f Mbit/s at %v Mbit/s; forward %+v", bps/1e6, rate/1e6, p.Forward.Stats())
	if bps < 0.85*rate || bps > 1.15*rate {
		t.Errorf("goodput %.2f Mbit/s, want %v ± 15%%", bps/1e6, rate/1e6)
	}
}

func TestTCPUnderLoss(t *testing.T) {
	lc := LinkConfig{Loss: 0.01, Delay: 2 * time.Millisecond, Seed: 11}
	p := NewPath(t, Config{Forward: lc, Reverse: lc})
	ln, err := p.Srv.Listen("tcp6", netip.AddrPortFrom(p.SrvAddr6, 0).String())
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	want := make([]byte, 4<<20)
	for i := range want {
		want[i] = byte(i * 7 >> 3)
	}
	got := make(chan []byte, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			got <- nil
			return
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(60 * time.Second))
		var b bytes.Buffer
		b.ReadFrom(c)
		got <- b.Bytes()
	}()
	c, err := p.Cli.Dial("tcp6", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	c.SetDeadline(time.Now().Add(60 * time.Second))
	if _, err := c.Write(want); err != nil {
		t.Fatal(err)
	}
	c.Close()
	b := <-got
	if !bytes.Equal(b, want) {
		t.Fatalf("received %d bytes, want the %d sent", len(b), len(want))
	}
	f, r := p.Forward.Stats(), p.Reverse.Stats()
	t.Logf("forward %+v reverse %+v", f, r)
	if f.Dropped == 0 {
		t.Error("no packet was lost")
	}
}

func TestCloseNoLeak(t *testing.T) {
	before := runtime.NumGoroutine()
	p := NewPath(t, Config{Forward: LinkConfig{Delay: 50 * time.Millisecond, Rate: 1e6}})
	cli, srv := udpPair(t, p, p.SrvAddr4)
	for i := 0; i < 20; i++ { // some stay queued in the heap
		cli.Write(make([]byte, 1000))
	}
	cli.Close()
	srv.Close()
	ino := []uint64{}
	for _, ns := range []*netnsT{p.Cli, p.Srv} {
		i, err := ns.Inode()
		if err != nil {
			t.Fatal(err)
		}
		ino = append(ino, i)
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if p.Cli.Fd() >= 0 || p.Srv.Fd() >= 0 {
		t.Error("namespaces still open")
	}
	// Close waited until the impairer's goroutines were done (they may
	// still be returning from their last frame): none is left.
	var stacks string
	linkGoroutines := func() bool {
		buf := make([]byte, 1<<20)
		stacks = string(buf[:runtime.Stack(buf, true)])
		return !strings.Contains(stacks, "impair.(*Link).")
	}
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	for deadline := time.Now().Add(5 * time.Second); !linkGoroutines(); <-tick.C {
		if time.Now().After(deadline) {
			t.Fatalf("impairer goroutines left after Close:\n%s", stacks)
		}
	}
	if after := runtime.NumGoroutine(); after > before {
		t.Logf("goroutines: %d before, %d after Close", before, after)
	}
	// Nothing in this process refers to the namespaces any more: no
	// namespace descriptor and no TUN descriptor.
	ents, _ := os.ReadDir("/proc/self/fd")
	for _, e := range ents {
		l, err := os.Readlink("/proc/self/fd/" + e.Name())
		if err != nil {
			continue
		}
		if strings.Contains(l, "/dev/net/tun") {
			t.Errorf("fd %s still open: %s", e.Name(), l)
		}
		for _, i := range ino {
			if l == "net:["+itoa(i)+"]" {
				t.Errorf("fd %s still holds namespace %s", e.Name(), l)
			}
		}
	}
	if err := p.Close(); err != nil { // idempotent
		t.Fatal(err)
	}
}

// waitFor polls cond (a counter the impairer updates) until it holds.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	deadline := time.After(10 * time.Second)
	for !cond() {
		select {
		case <-tick.C:
		case <-deadline:
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// TestSetAtRuntime changes a running link: Match limits the loss to one
// port, then everything is lost, then nothing, and jitter without
// Reorder keeps the order.
func TestSetAtRuntime(t *testing.T) {
	p := NewPath(t, Config{Forward: LinkConfig{Loss: 1, Match: MatchPort(ProtoUDP, 9)}})
	cli, srv := udpPair(t, p, p.SrvAddr4)
	go echo(srv) // not port 9: unmatched, so it is not lost
	cli.SetDeadline(time.Now().Add(10 * time.Second))
	buf := make([]byte, 100)
	if _, err := cli.Write([]byte("x")); err != nil {
		t.Fatal(err)
	}
	if n, err := cli.Read(buf); err != nil || string(buf[:n]) != "x" {
		t.Fatalf("unmatched packet: %q, %v", buf[:n], err)
	}
	if err := p.Forward.Set(LinkConfig{Loss: 1}); err != nil {
		t.Fatal(err)
	}
	if _, err := cli.Write([]byte("lost")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the loss", func() bool { return p.Forward.Stats().Dropped == 1 })
	if err := p.Forward.Set(LinkConfig{Loss: 2}); err == nil {
		t.Fatal("Loss 2 accepted")
	}
	if err := p.Forward.Set(LinkConfig{Delay: 5 * time.Millisecond, Jitter: 4 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	if got := p.Forward.Config(); got.Jitter != 4*time.Millisecond || got.Loss != 0 {
		t.Fatalf("Config() = %+v", got)
	}
	var msgs []string
	for i := 0; i < 50; i++ {
		msgs = append(msgs, "y"+itoa(uint64(i)))
	}
	for _, m := range msgs {
		if _, err := cli.Write([]byte(m)); err != nil {
			t.Fatal(err)
		}
	}
	for _, m := range msgs {
		n, err := cli.Read(buf)
		if err != nil {
			t.Fatal(err)
		}
		if string(buf[:n]) != m {
			t.Fatalf("got %q want %q (lost datagram arrived, or reordered under jitter without Reorder)", buf[:n], m)
		}
	}
	if s := p.Forward.Stats(); s.Dropped != 1 {
		t.Errorf("dropped %d, want 1: %+v", s.Dropped, s)
	}
}

// TestJitterReorder: with Reorder, jitter larger than the spacing of
// the packets reorders some of them.
func TestJitterReorder(t *testing.T) {
	p := NewPath(t, Config{Forward: LinkConfig{Delay: 10 * time.Millisecond, Jitter: 8 * time.Millisecond, Reorder: true, Seed: 1}})
	cli, srv := udpPair(t, p, p.SrvAddr4)
	srv.SetDeadline(time.Now().Add(10 * time.Second))
	const n = 200
	for i := 0; i < n; i++ {
		if _, err := cli.Write([]byte{byte(i)}); err != nil {
			t.Fatal(err)
		}
	}
	buf := make([]byte, 10)
	inv, last := 0, -1
	for i := 0; i < n; i++ {
		if _, _, err := srv.ReadFrom(buf); err != nil {
			t.Fatal(err)
		}
		if int(buf[0]) < last {
			inv++
		} else {
			last = int(buf[0])
		}
	}
	t.Logf("%d of %d datagrams arrived after a later one", inv, n)
	if inv == 0 {
		t.Error("no reordering")
	}
}
