package engine

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"net/netip"
	"testing"
	"time"

	"netcompat/core/webtp/wire"
)

var (
	cliAddr = netip.MustParseAddrPort("10.0.1.1:40000")
	srvAddr = netip.MustParseAddrPort("10.0.2.1:5000")
)

// pair is a client and a listening server on one simulated network.
type pair struct {
	net      *simNet
	cli, srv *Endpoint
}

func newPair(t testing.TB, seed uint64, cfg Config) *pair {
	n := newSimNet(t, seed)
	p := &pair{net: n, cli: n.add(cliAddr.String(), cfg), srv: n.add(srvAddr.String(), cfg)}
	p.srv.Listen()
	return p
}

// connect dials and accepts one connection.
func (p *pair) connect(t testing.TB, noDup bool) (c, s *Conn) {
	t.Helper()
	c, err := p.cli.Dial(p.net.now, srvAddr, noDup, "")
	if err != nil {
		t.Fatal(err)
	}
	if !p.net.runUntil(5*time.Second, func() bool {
		if s == nil {
			s = p.srv.Accept()
		}
		return s != nil && c.Open()
	}) {
		t.Fatalf("handshake did not finish: client open=%v server conn=%v", c.Open(), s != nil)
	}
	return c, s
}

// payload makes an ADU whose content says its index and size.
func payload(i, size int) []byte {
	b := make([]byte, size)
	for j := range b {
		b[j] = byte(i*7 + j*13)
	}
	if size >= 8 {
		binary.BigEndian.PutUint32(b, uint32(i))
		binary.BigEndian.PutUint32(b[4:], uint32(size))
	}
	return b
}

// collect receives from c until want ADUs and notices arrived.
func collect(t testing.TB, n *simNet, c *Conn, want int, d time.Duration) []ADU {
	t.Helper()
	var got []ADU
	n.runUntil(d, func() bool {
		for {
			a, ok := c.Receive()
			if !ok {
				break
			}
			got = append(got, a)
		}
		return len(got) >= want
	})
	return got
}

func TestReliableTransfer(t *testing.T) {
	p := newPair(t, 1, Config{})
	c, s := p.connect(t, false)
	sizes := []int{0, 1, 100, 1400, 1452, 1453, 5000, 65536, 1 << 20}
	for i, sz := range sizes {
		if err := c.Send(payload(i, sz), wire.ADUReliable); err != nil {
			t.Fatal(err)
		}
	}
	got := collect(t, p.net, s, len(sizes), 30*time.Second)
	if len(got) != len(sizes) {
		t.Fatalf("received %d of %d ADUs", len(got), len(sizes))
	}
	seen := map[int]bool{}
	for _, a := range got {
		if a.Lost {
			t.Fatal("loss notice on a lossless path")
		}
		i := -1
		for k, sz := range sizes {
			if len(a.Data) == sz && bytes.Equal(a.Data, payload(k, sz)) {
				i = k
			}
		}
		if i < 0 || seen[i] {
			t.Fatalf("unexpected or duplicate ADU of %d bytes", len(a.Data))
		}
		seen[i] = true
	}
}

func TestNoDupHandshake(t *testing.T) {
	p := newPair(t, 2, Config{})
	c, s := p.connect(t, true)
	if !c.NoDup() || !s.NoDup() {
		t.Fatal("NO_DUP flag lost")
	}
	if err := c.Send([]byte("hello"), wire.ADUReliable); err != nil {
		t.Fatal(err)
	}
	got := collect(t, p.net, s, 1, 5*time.Second)
	if len(got) != 1 || string(got[0].Data) != "hello" {
		t.Fatalf("got %v", got)
	}
}

func TestRefusedWithoutListener(t *testing.T) {
	p := newPair(t, 3, Config{})
	p.srv.StopListening()
	c, err := p.cli.Dial(p.net.now, srvAddr, false, "")
	if err != nil {
		t.Fatal(err)
	}
	p.net.runUntil(5*time.Second, c.Finished)
	if !c.Finished() || c.Err() != ErrRefused {
		t.Fatalf("finished=%v err=%v, want refused", c.Finished(), c.Err())
	}
}

func TestLossReliableAndUnreliable(t *testing.T) {
	for _, loss := range []float64{0.01, 0.05, 0.2} {
		t.Run(fmt.Sprint(loss), func(t *testing.T) {
			p := newPair(t, 4, Config{})
			c, s := p.connect(t, false)
			p.net.Loss = loss
			const n = 300
			for i := range n {
				flags := byte(wire.ADUReliable)
				size := 3000 + i*37%4000
				if i%2 == 1 {
					flags = 0
				}
				if err := c.Send(payload(i, size), flags); err != nil {
					t.Fatal(err)
				}
			}
			got := collect(t, p.net, s, n, 120*time.Second)
			reliable, unreliable, lost := 0, 0, 0
			for _, a := range got {
				switch {
				case a.Lost:
					lost++
				default:
					i := int(binary.BigEndian.Uint32(a.Data))
					if !bytes.Equal(a.Data, payload(i, len(a.Data))) {
						t.Fatalf("ADU %d corrupted", i)
					}
					if i%2 == 0 {
						reliable++
					} else {
						unreliable++
					}
				}
			}
			if reliable != n/2 || unreliable+lost != n/2 || len(got) != n {
				t.Fatalf("reliable %d/%d, unreliable %d + lost %d of %d, total %d", reliable, n/2, unreliable, lost, n/2, len(got))
			}
			if loss >= 0.05 && lost == 0 {
				t.Fatalf("no unreliable ADU lost at %.0f%% loss", loss*100)
			}
			if s.Dropped() != uint64(lost) {
				t.Fatalf("Dropped() = %d, notices %d", s.Dropped(), lost)
			}
			t.Logf("loss %.2f: %d unreliable delivered, %d dropped, %d datagrams lost of %d", loss, unreliable, lost, p.net.Lost, p.net.Sent)
		})
	}
}

func TestNoDupNeverDuplicates(t *testing.T) {
	p := newPair(t, 5, Config{})
	p.net.Dup = 0.3
	p.net.Loss = 0.02
	c, s := p.connect(t, true)
	const n = 400
	for i := range n {
		flags := byte(wire.ADUReliable)
		if i%3 == 0 {
			flags = 0
		}
		if err := c.Send(payload(i, 200+i%2000), flags); err != nil {
			t.Fatal(err)
		}
	}
	got := collect(t, p.net, s, n, 60*time.Second)
	seen := map[uint32]bool{}
	for _, a := range got {
		if a.Lost {
			continue
		}
		i := binary.BigEndian.Uint32(a.Data)
		if seen[i] {
			t.Fatalf("ADU %d delivered twice", i)
		}
		seen[i] = true
	}
	if len(got) != n {
		t.Fatalf("got %d ADUs and notices, want %d", len(got), n)
	}
}

func TestUrgentOvertakes(t *testing.T) {
	p := newPair(t, 6, Config{})
	p.net.Rate = 1.25e6 // 10 Mbit/s
	c, s := p.connect(t, false)
	for i := range 50 {
		if err := c.Send(payload(i, 64<<10), wire.ADUReliable); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.Send(payload(999, 100), wire.ADUReliable|wire.ADUUrgent); err != nil {
		t.Fatal(err)
	}
	got := collect(t, p.net, s, 51, 60*time.Second)
	pos := -1
	for k, a := range got {
		if binary.BigEndian.Uint32(a.Data) == 999 {
			pos = k
		}
	}
	if pos < 0 || pos > 5 {
		t.Fatalf("urgent ADU arrived at position %d of %d", pos, len(got))
	}
}

func TestFourConnectionsShareEqually(t *testing.T) {
	p := newPair(t, 7, Config{})
	p.net.Rate = 1.25e6
	p.net.Queue = 64 << 10
	var cs, ss []*Conn
	for range 4 {
		c, s := p.connect(t, false)
		cs, ss = append(cs, c), append(ss, s)
	}
	bytesOf := make([]int, 4)
	deadline := p.net.now.Add(20 * time.Second)
	for p.net.now.Before(deadline) {
		for i, c := range cs {
			for c.Writable(64<<10) && c.Buffered() < 256<<10 {
				_ = c.Send(make([]byte, 64<<10), wire.ADUReliable)
			}
			for {
				a, ok := ss[i].Receive()
				if !ok {
					break
				}
				bytesOf[i] += len(a.Data)
			}
		}
		p.net.step(deadline)
	}
	var sum, sq float64
	for _, b := range bytesOf {
		sum += float64(b)
		sq += float64(b) * float64(b)
	}
	jain := sum * sum / (4 * sq)
	util := sum / (20 * 1.25e6)
	t.Logf("bytes %v, Jain %.4f, utilisation %.2f", bytesOf, jain, util)
	if jain < 0.99 {
		t.Fatalf("Jain index %.4f < 0.99", jain)
	}
	if util < 0.7 {
		t.Fatalf("utilisation %.2f", util)
	}
}

func TestGracefulClose(t *testing.T) {
	p := newPair(t, 8, Config{})
	p.net.Loss = 0.05
	c, s := p.connect(t, false)
	for i := range 20 {
		_ = c.Send(payload(i, 10000), wire.ADUReliable)
	}
	c.Close()
	got := collect(t, p.net, s, 20, 60*time.Second)
	if len(got) != 20 {
		t.Fatalf("got %d of 20 before EOF", len(got))
	}
	if !p.net.runUntil(30*time.Second, func() bool { return s.EOF() && c.Finished() }) {
		t.Fatalf("no EOF: server eof=%v client finished=%v", s.EOF(), c.Finished())
	}
	if c.Err() != nil || s.Err() != nil {
		t.Fatalf("errors %v %v", c.Err(), s.Err())
	}
}

func TestGarbageChangesNothing(t *testing.T) {
	p := newPair(t, 9, Config{})
	c, s := p.connect(t, false)
	junk := newSimNet(t, 99).rng
	evil := netip.MustParseAddrPort("10.9.9.9:666")
	for i := range 20000 {
		b := make([]byte, 1+junk.IntN(1500))
		for j := range b {
			b[j] = byte(junk.Uint32())
		}
		if i%3 == 0 && len(b) > 2 {
			b[0], b[1] = wire.Magic, wire.Version
		}
		from := evil
		if i%2 == 0 {
			from = cliAddr // spoofed as the real peer
		}
		p.srv.Receive(p.net.now, from, b)
	}
	if p.srv.Pipes() != 1 {
		t.Fatalf("garbage made %d pipes", p.srv.Pipes())
	}
	_ = c.Send([]byte("still here"), wire.ADUReliable)
	got := collect(t, p.net, s, 1, 5*time.Second)
	if len(got) != 1 || string(got[0].Data) != "still here" {
		t.Fatalf("connection broken by garbage: %v", got)
	}
}

func TestIdleTimeout(t *testing.T) {
	p := newPair(t, 10, Config{IdleTimeout: 3 * time.Second})
	c, s := p.connect(t, false)
	// Keep-alives hold an idle connection open.
	p.net.runUntil(10*time.Second, func() bool { return false })
	if !c.Open() || !s.Open() {
		t.Fatal("idle connection closed although both ends live")
	}
	// A dead peer is noticed.
	p.net.Drop = func(from, to netip.AddrPort, b []byte) bool { return true }
	p.net.runUntil(10*time.Second, func() bool { return c.Finished() && s.Finished() })
	if c.Err() != ErrIdle || s.Err() != ErrIdle {
		t.Fatalf("errors %v %v, want idle", c.Err(), s.Err())
	}
}
