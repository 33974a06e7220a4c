package webtp

import (
	"context"
	"encoding/binary"
	"errors"
	"net"
	"net/netip"
	"os"
	"sync"
	"testing"
	"time"

	"netcompat/core/internal/impair"
)

// Tests across two network namespaces joined by the user-space impairment
// router (core/internal/impair): real sockets, real kernel paths, loss,
// delay, duplication and rate limits the build kernel's missing netem
// cannot give.

type impairedPair struct {
	path *impair.Path
	l    *Listener
}

func newImpaired(t *testing.T, fwd, rev impair.LinkConfig) *impairedPair {
	path := impair.NewPath(t, impair.Config{Forward: fwd, Reverse: rev})
	p := &impairedPair{path: path}
	err := path.Srv.Do(func() error {
		var err error
		p.l, err = Listen("udp4", netip.AddrPortFrom(path.SrvAddr4, 0).String(), nil)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.l.Close() })
	return p
}

// connect opens a connection from cli; all connections of one pair share
// the client endpoint and so one pipe.
func (p *impairedPair) connect(t *testing.T, opt DialOptions) (c, s *Conn) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	acc := make(chan error, 1)
	go func() {
		var err error
		s, err = p.l.Accept(ctx)
		acc <- err
	}()
	opt.LocalAddr = &net.UDPAddr{IP: p.path.CliAddr4.AsSlice()}
	err := p.path.Cli.Do(func() error {
		var err error
		c, err = Dial(ctx, "udp4", p.l.Addr().String(), &opt)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := <-acc; err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close(); s.Close() })
	return c, s
}

// stamped makes ADU i of n bytes whose content can be checked.
func stamped(i, n int) []byte {
	b := make([]byte, n)
	for j := range b {
		b[j] = byte(i + j*31)
	}
	binary.BigEndian.PutUint32(b, uint32(i))
	return b
}

func intact(a ADU) (int, bool) {
	if len(a.Data) < 4 {
		return -1, false
	}
	i := int(binary.BigEndian.Uint32(a.Data))
	want := stamped(i, len(a.Data))
	return i, string(want) == string(a.Data)
}

// Unreliable ADUs that lose a packet are dropped whole and notified, never
// half-delivered; reliable ADUs all arrive.
func TestImpairedLossUnreliableDroppedWhole(t *testing.T) {
	link := impair.LinkConfig{Rate: 50e6, Delay: 5 * time.Millisecond, Loss: 0.05, Seed: 7}
	p := newImpaired(t, link, impair.LinkConfig{Rate: 50e6, Delay: 5 * time.Millisecond})
	c, s := p.connect(t, DialOptions{})
	const n = 400
	go func() {
		for i := range n {
			flags := byte(FlagReliable)
			if i%2 == 1 {
				flags = 0
			}
			if err := c.Send(stamped(i, 2000+(i*97)%5000), flags); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	seen := map[int]bool{}
	notices := 0
	for range n {
		a, err := s.Receive(ctx)
		if err != nil {
			t.Fatalf("after %d ADUs and %d notices: %v", len(seen), notices, err)
		}
		if a.Lost {
			notices++
			continue
		}
		i, ok := intact(a)
		if !ok || seen[i] {
			t.Fatalf("ADU %d half-delivered, corrupted or twice (%d bytes)", i, len(a.Data))
		}
		seen[i] = true
	}
	for i := 0; i < n; i += 2 {
		if !seen[i] {
			t.Fatalf("reliable ADU %d missing", i)
		}
	}
	if len(seen)+notices != n || notices == 0 {
		t.Fatalf("%d delivered + %d notices, want %d with some notices", len(seen), notices, n)
	}
	if got := s.Dropped(); got != uint64(notices) {
		t.Fatalf("Dropped() = %d, notices %d", got, notices)
	}
	t.Logf("%d unreliable delivered, %d dropped and notified; link dropped %d packets", len(seen)-n/2, notices, p.path.Forward.Stats().Dropped)
}

// SOCK_ADU_NO_DUP never delivers a duplicate, even when the path
// duplicates packets in both directions.
func TestImpairedNoDupUnderDuplication(t *testing.T) {
	link := impair.LinkConfig{Delay: 2 * time.Millisecond, Duplicate: 0.25, Loss: 0.01, Seed: 3}
	p := newImpaired(t, link, link)
	c, s := p.connect(t, DialOptions{NoDup: true})
	const n = 600
	go func() {
		for i := range n {
			flags := byte(FlagReliable)
			if i%3 == 0 {
				flags = 0
			}
			if err := c.Send(stamped(i, 100+(i*131)%4000), flags); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	seen := map[int]bool{}
	for k := range n {
		a, err := s.Receive(ctx)
		if err != nil {
			t.Fatalf("after %d: %v", k, err)
		}
		if a.Lost {
			continue
		}
		i, ok := intact(a)
		if !ok || seen[i] {
			t.Fatalf("ADU %d corrupted or delivered twice", i)
		}
		seen[i] = true
	}
	if d := p.path.Forward.Stats().Duplicated; d == 0 {
		t.Fatal("the path duplicated nothing")
	}
}

// Four connections on one pipe through a bottleneck get equal shares.
func TestImpairedFourConnectionsShareEqually(t *testing.T) {
	link := impair.LinkConfig{Rate: 20e6, Delay: 10 * time.Millisecond}
	p := newImpaired(t, link, impair.LinkConfig{Delay: 10 * time.Millisecond})
	var cs, ss []*Conn
	for range 4 {
		c, s := p.connect(t, DialOptions{})
		cs, ss = append(cs, c), append(ss, s)
	}
	if cs[0].c.Pipe() != cs[3].c.Pipe() {
		t.Fatal("connections do not share a pipe")
	}
	var pairs [][2]*Conn
	for i := range cs {
		pairs = append(pairs, [2]*Conn{cs[i], ss[i]})
	}
	bytes := bulkShares(pairs, 2*time.Second, 6*time.Second)
	var sum, sq float64
	for _, b := range bytes {
		sum += float64(b)
		sq += float64(b) * float64(b)
	}
	jain := sum * sum / (4 * sq)
	mbit := sum * 8 / 6 / 1e6
	t.Logf("bytes %v: Jain %.4f, aggregate %.1f Mbit/s of 20", bytes, jain, mbit)
	if jain < 0.99 {
		t.Fatalf("Jain index %.4f < 0.99", jain)
	}
	if mbit < 14 {
		t.Fatalf("aggregate %.1f Mbit/s on a 20 Mbit/s path", mbit)
	}
}

// The rate option is admitted only within what the pipe carries, and a
// reserved rate is kept; the RTT option reports the path's.
func TestImpairedRateAndRTTOptions(t *testing.T) {
	link := impair.LinkConfig{Rate: 100e6, Delay: 10 * time.Millisecond}
	p := newImpaired(t, link, impair.LinkConfig{Delay: 10 * time.Millisecond})
	c, s := p.connect(t, DialOptions{})
	// Warm the pipe so it knows what the path carries.
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	data := make([]byte, 64<<10)
	go func() {
		for range 400 { // 26 MB: about 2 s at 100 Mbit/s
			if err := c.Send(data, FlagReliable); err != nil {
				return
			}
		}
	}()
	for range 400 {
		if _, err := s.Receive(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if rtt := c.RTT(); rtt < 20*time.Millisecond || rtt > 60*time.Millisecond {
		t.Fatalf("RTT %v on a 20 ms path", rtt)
	}
	if err := c.SetRate(150e6); !errors.Is(err, ErrRateUnavailable) {
		t.Fatalf("150 Mbit/s on a 100 Mbit/s path: %v", err)
	}
	if err := c.SetRate(10e6); err != nil {
		t.Fatalf("10 Mbit/s on a 100 Mbit/s path: %v", err)
	}
	if r := c.Rate(); r != 10e6 {
		t.Fatalf("Rate() = %v after reserving 10 Mbit/s", r)
	}
	// The reserved rate is what the connection gets: 10 Mbit/s ±10 %.
	go func() {
		for ctx.Err() == nil {
			if err := c.Send(data, FlagReliable); err != nil {
				return
			}
		}
	}()
	for range 20 { // past the queue the send buffer built
		if _, err := s.Receive(ctx); err != nil {
			t.Fatal(err)
		}
	}
	start, got := time.Now(), 0
	for time.Since(start) < 3*time.Second {
		a, err := s.Receive(ctx)
		if err != nil {
			t.Fatal(err)
		}
		got += len(a.Data)
	}
	mbit := float64(got) * 8 / time.Since(start).Seconds() / 1e6
	t.Logf("reserved 10 Mbit/s, measured %.2f Mbit/s", mbit)
	if mbit < 9 || mbit > 11 {
		t.Fatalf("reserved 10 Mbit/s, measured %.2f", mbit)
	}
}

// Traffic classes share a pipe by their configured shares: a connection
// in a class of share 3 gets three times what one in a class of share 1
// gets through the same bottleneck.
func TestImpairedClassesShareByWeight(t *testing.T) {
	classes := t.TempDir() + "/webtp_classes"
	if err := os.WriteFile(classes, []byte("# test classes\ngold 3\nbronze 1\nbronze.sub 1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	link := impair.LinkConfig{Rate: 20e6, Delay: 5 * time.Millisecond}
	p := newImpaired(t, link, impair.LinkConfig{Delay: 5 * time.Millisecond})
	cfg := &Config{ClassesFile: classes}
	gold, gs := p.connect(t, DialOptions{Class: "gold", Config: cfg})
	bronze, bs := p.connect(t, DialOptions{Class: "bronze.sub", Config: cfg})
	if gold.Class() != "gold" || bronze.Class() != "bronze.sub" {
		t.Fatalf("classes %q %q", gold.Class(), bronze.Class())
	}
	bytes := bulkShares([][2]*Conn{{gold, gs}, {bronze, bs}}, 2*time.Second, 4*time.Second)
	share := float64(bytes[0]) / float64(bytes[0]+bytes[1])
	t.Logf("gold %d bytes, bronze %d: gold's share %.3f (configured 0.75)", bytes[0], bytes[1], share)
	if share < 0.72 || share > 0.78 {
		t.Fatalf("gold's share %.3f, want 0.75 ± 0.03", share)
	}
}

// bulkShares sends reliable 16 KiB ADUs as fast as each pair's sender
// takes them, and returns how many bytes each pair's receiver got in a
// window of the given length after warm-up. The connections are reset
// afterwards.
func bulkShares(pairs [][2]*Conn, warm, window time.Duration) []int {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var mu sync.Mutex
	counting := false
	got := make([]int, len(pairs))
	var wg sync.WaitGroup
	for i, pair := range pairs {
		wg.Add(2)
		go func() {
			defer wg.Done()
			data := make([]byte, 16<<10)
			for ctx.Err() == nil {
				if err := pair[0].Send(data, FlagReliable); err != nil {
					return
				}
			}
		}()
		go func() {
			defer wg.Done()
			for {
				a, err := pair[1].Receive(ctx)
				if err != nil {
					return
				}
				mu.Lock()
				if counting {
					got[i] += len(a.Data)
				}
				mu.Unlock()
			}
		}()
	}
	<-time.After(warm)
	mu.Lock()
	counting = true
	mu.Unlock()
	<-time.After(window)
	mu.Lock()
	counting = false
	bytes := append([]int(nil), got...)
	mu.Unlock()
	cancel()
	for _, pair := range pairs {
		pair[0].Abort()
	}
	wg.Wait()
	return bytes
}
