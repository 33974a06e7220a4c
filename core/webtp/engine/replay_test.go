package engine

import (
	"net/netip"
	"testing"
	"time"

	"netcompat/core/webtp/wire"
)

// record captures every datagram the client sends to the server.
func record(p *pair) *[][]byte {
	var log [][]byte
	p.net.Drop = func(from, to netip.AddrPort, b []byte) bool {
		if from == cliAddr {
			log = append(log, append([]byte(nil), b...))
		}
		return false
	}
	return &log
}

// drain receives every ADU the server's connections hold.
func drain(e *Endpoint, conns *[]*Conn) (adus int) {
	for {
		c := e.Accept()
		if c == nil {
			break
		}
		*conns = append(*conns, c)
	}
	for _, c := range *conns {
		for {
			a, ok := c.Receive()
			if !ok {
				break
			}
			if !a.Lost {
				adus++
			}
		}
	}
	return adus
}

// A NO_DUP connection's datagrams replayed to a restarted server (which
// lost all state) never deliver an ADU again.
func TestNoDupReplayAfterRestart(t *testing.T) {
	p := newPair(t, 11, Config{})
	log := record(p)
	c, s := p.connect(t, true)
	_ = c.Send([]byte("once"), wire.ADUReliable)
	if got := collect(t, p.net, s, 1, 5*time.Second); len(got) != 1 {
		t.Fatal("first delivery missing")
	}
	c.Close()
	p.net.runUntil(5*time.Second, c.Finished)

	fresh := NewEndpoint(Config{Seed: 1234})
	fresh.Listen()
	var conns []*Conn
	for round := 0; round < 3; round++ {
		for _, d := range *log {
			fresh.Receive(p.net.now, cliAddr, d)
		}
		if n := drain(fresh, &conns); n != 0 {
			t.Fatalf("round %d: replay delivered %d ADUs", round, n)
		}
	}
	if len(conns) != 0 {
		t.Fatalf("replay opened %d connections", len(conns))
	}
}

// Datagrams of a closed connection replayed to the same server deliver
// nothing, for both socket types.
func TestReplayAfterCloseSameServer(t *testing.T) {
	for _, noDup := range []bool{false, true} {
		p := newPair(t, 12, Config{})
		log := record(p)
		c, s := p.connect(t, noDup)
		_ = c.Send([]byte("once"), wire.ADUReliable)
		if got := collect(t, p.net, s, 1, 5*time.Second); len(got) != 1 {
			t.Fatal("first delivery missing")
		}
		c.Close()
		p.net.runUntil(5*time.Second, func() bool { return c.Finished() && s.Finished() })
		var conns []*Conn
		for _, d := range *log {
			p.srv.Receive(p.net.now, cliAddr, d)
		}
		if n := drain(p.srv, &conns); n != 0 || len(conns) != 0 {
			t.Fatalf("noDup=%v: replay gave %d connections, %d ADUs", noDup, len(conns), n)
		}
	}
}

// A receiver that does not read holds the sender to its window.
func TestFlowControl(t *testing.T) {
	p := newPair(t, 13, Config{ReceiveWindow: 256 << 10})
	c, s := p.connect(t, false)
	sent := 0
	p.net.runUntil(5*time.Second, func() bool {
		for c.Writable(64 << 10) {
			_ = c.Send(make([]byte, 64<<10), wire.ADUReliable)
			sent += 64 << 10
		}
		return false
	})
	held := s.recv.held
	if held > initialCredit+256<<10 {
		t.Fatalf("receiver holds %d bytes, beyond its credit", held)
	}
	if int(held) >= sent {
		t.Fatalf("sender was not held back: sent %d, held %d", sent, held)
	}
	// Reading frees credit and the rest flows.
	total := 0
	p.net.runUntil(30*time.Second, func() bool {
		for {
			a, ok := s.Receive()
			if !ok {
				break
			}
			total += len(a.Data)
		}
		return total == sent
	})
	if total != sent {
		t.Fatalf("received %d of %d after reading", total, sent)
	}
}

// A second connection to a known host starts at the pipe's rate: 4 MiB
// on a new connection over a warm pipe arrive faster than over a new pipe,
// which has to slow-start.
func TestNewConnectionInheritsPipe(t *testing.T) {
	transfer := func(p *pair, c, s *Conn) time.Duration {
		start := p.net.now
		const total = 4 << 20
		queued, got := 0, 0
		p.net.runUntil(60*time.Second, func() bool {
			for queued < total && c.Writable(64<<10) {
				_ = c.Send(make([]byte, 64<<10), wire.ADUReliable)
				queued += 64 << 10
			}
			for {
				a, ok := s.Receive()
				if !ok {
					break
				}
				got += len(a.Data)
			}
			return got == total
		})
		if got != total {
			t.Fatalf("moved %d of %d", got, total)
		}
		return p.net.now.Sub(start)
	}
	setup := func(seed uint64) *pair {
		p := newPair(t, seed, Config{})
		p.net.Rate = 12.5e6 // 100 Mbit/s
		p.net.Queue = 250 << 10
		p.net.Delay = 20 * time.Millisecond
		return p
	}
	p := setup(14)
	c1, s1 := p.connect(t, false)
	transfer(p, c1, s1)
	c2, s2 := p.connect(t, false)
	if c2.pipe != c1.pipe {
		t.Fatal("second connection got another pipe")
	}
	warm := transfer(p, c2, s2)
	q := setup(15)
	c3, s3 := q.connect(t, false)
	cold := transfer(q, c3, s3)
	t.Logf("4 MiB: %v on a warm pipe, %v on a new one", warm, cold)
	if warm >= cold*3/4 {
		t.Fatalf("warm pipe %v not faster than a new one %v", warm, cold)
	}
}

// An ADU larger than the receiver's window still goes (the receiver grants
// one largest ADU whenever it holds nothing), and a sender waiting for
// credit says BLOCKED instead of waiting for a CREDIT that never comes.
func TestADULargerThanWindow(t *testing.T) {
	p := newPair(t, 16, Config{ReceiveWindow: 64 << 10})
	c, s := p.connect(t, false)
	sizes := []int{1 << 20, 3 << 20, 100, 8 << 20, 16<<20 - 1, 5}
	for i, n := range sizes {
		if err := c.Send(payload(i, n), wire.ADUReliable); err != nil {
			t.Fatal(err)
		}
	}
	got := collect(t, p.net, s, len(sizes), 60*time.Second)
	if len(got) != len(sizes) {
		t.Fatalf("received %d of %d ADUs", len(got), len(sizes))
	}
}
