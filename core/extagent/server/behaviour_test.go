package server_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"netcompat/core/extagent/client"
	"netcompat/core/extagent/server"
	"netcompat/core/extagent/wire"
)

// A peer that does not greet properly is told CLOSE(handshake), dropped
// and logged, and the program never hears of it.
func TestHandshakeRefused(t *testing.T) {
	cases := []struct {
		name  string
		first []byte
		says  string
	}{
		{"garbage", []byte("GARBAGE!"), "exceeds the maximum"},
		{"version 0", wire.AppendControl(nil, wire.CmdOpen, 0), "version 0"},
		{"close", wire.AppendControl(nil, wire.CmdClose, 0), "close(0)"},
		{"unknown command", wire.AppendControl(nil, wire.Command(9), 1), "command(9)"},
		{"short data", wire.AppendData(nil, []byte("abcd")), "4-octet data packet"},
		{"long data", wire.AppendData(nil, []byte("hello, world")), "data packet of 12 octets"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			log := captureLog(t)
			l := newLoop(t, testConfig())
			a := dialAgent(t, l.s.Port())
			a.send(tc.first)
			a.read()
			l.until("the agent to be dropped", a.finished)
			frames, err := a.result()
			// The end of the stream, not a reset: what the agent sent after
			// its greeting must not make the server's close abort.
			if len(frames) != 1 || !isControl(frames[0], wire.CmdClose, wire.CloseHandshake) || err != io.EOF {
				t.Fatalf("agent received %s then %v; want close(4) and the end", describe(frames), err)
			}
			l.until("the connection to go", func() bool { return l.s.Conns() == 0 })
			l.idle()
			if len(l.all) != 0 {
				t.Fatalf("the program heard of a refused agent: %s", kindName(l.all[0].Kind))
			}
			line := log.String()
			if !strings.Contains(line, "dropping "+a.LocalAddr().String()) || !strings.Contains(line, tc.says) {
				t.Fatalf("log %q does not explain the drop (%q)", line, tc.says)
			}
		})
	}
}

func TestHandshakeVersionNegotiation(t *testing.T) {
	l := newLoop(t, testConfig())
	a := dialAgent(t, l.s.Port())
	a.send(wire.AppendControl(nil, wire.CmdOpen, 7)) // a newer agent
	a.read()
	c := l.expect(server.Accepted, nil).Conn
	l.until("the server's greeting", func() bool { return a.count() == 1 })
	frames, _ := a.result()
	if !isControl(frames[0], wire.CmdOpen, 1) {
		t.Fatalf("server answered %s, want open(1)", describe(frames))
	}
	if err := l.s.BeginDelivery(c); err != nil {
		t.Fatal(err)
	}
}

// A greeting that trickles in octet by octet is assembled across rounds.
func TestHandshakeSplit(t *testing.T) {
	l := newLoop(t, testConfig())
	a := dialAgent(t, l.s.Port())
	a.SetNoDelay(true)
	for _, b := range greeting {
		a.send([]byte{b})
		l.round(10 * time.Millisecond)
	}
	c := l.expect(server.Accepted, nil).Conn
	a.send(wire.AppendData(nil, []byte("after")))
	l.s.BeginDelivery(c)
	if ev := l.expect(server.Packet, c); string(ev.Data) != "after" {
		t.Fatalf("packet %q", ev.Data)
	}
}

// A silent peer is dropped when the handshake time runs out, by the timer
// in the server's own descriptor set: nothing else wakes the loop.
func TestHandshakeTimeout(t *testing.T) {
	for _, sent := range [][]byte{nil, greeting[:3]} {
		t.Run(fmt.Sprintf("%d octets", len(sent)), func(t *testing.T) {
			log := captureLog(t)
			cfg := testConfig()
			cfg.Handshake = 100 * time.Millisecond
			l := newLoop(t, cfg)
			start := time.Now()
			a := dialAgent(t, l.s.Port())
			if len(sent) > 0 {
				a.send(sent)
			}
			a.read()
			// Only wait on the descriptor: the timer must make it readable.
			deadline := time.Now().Add(wait)
			for !a.finished() {
				if time.Now().After(deadline) {
					t.Fatal("silent agent not dropped")
				}
				l.round(wait / 100)
			}
			if d := time.Since(start); d < cfg.Handshake {
				t.Fatalf("dropped after %v, before the %v allowed", d, cfg.Handshake)
			}
			frames, err := a.result()
			if len(frames) != 1 || !isControl(frames[0], wire.CmdClose, wire.CloseHandshake) || !endedCleanly(err) {
				t.Fatalf("agent received %s then %v; want close(4) and the end", describe(frames), err)
			}
			if !strings.Contains(log.String(), "no greeting within 100ms") {
				t.Fatalf("log %q", log.String())
			}
			l.until("the connection to go", func() bool { return l.s.Conns() == 0 })
			l.idle()
			if len(l.all) != 0 {
				t.Fatalf("event %s for a peer that never greeted", kindName(l.all[0].Kind))
			}
		})
	}
}

// The handshake deadline ends with the handshake.
func TestHandshakeDeadlineClearedOnGreeting(t *testing.T) {
	cfg := testConfig()
	cfg.Handshake = 50 * time.Millisecond
	l := newLoop(t, cfg)
	a, c := l.accept()
	l.s.BeginDelivery(c)
	a.read()
	// Keep the loop running well past the handshake time.
	end := time.Now().Add(4 * cfg.Handshake)
	for time.Now().Before(end) {
		l.round(10 * time.Millisecond)
	}
	if len(l.evs) != 0 {
		t.Fatalf("event %s on an idle greeted connection", kindName(l.evs[0].Kind))
	}
	a.send(wire.AppendData(nil, []byte("still here")))
	if ev := l.expect(server.Packet, c); string(ev.Data) != "still here" {
		t.Fatalf("packet %q", ev.Data)
	}
	if err := l.s.Send(c, []byte("me too")); err != nil {
		t.Fatal(err)
	}
	l.until("the agent to receive", func() bool { return a.count() == 2 })
}

// Packets before an oversize one are delivered; then the connection closes
// and the peer is told why.
func TestOversizeAfterGoodPackets(t *testing.T) {
	log := captureLog(t)
	cfg := testConfig()
	cfg.MaxPacket = 1000
	l := newLoop(t, cfg)
	a, c := l.accept()
	a.send(wire.AppendData(nil, []byte("one")), wire.AppendData(nil, pattern(1000, 1)),
		wire.AppendHeader(nil, 1001), pattern(50, 2))
	a.read()
	if err := l.s.BeginDelivery(c); err != nil {
		t.Fatal(err)
	}
	if ev := l.expect(server.Packet, c); string(ev.Data) != "one" {
		t.Fatalf("first packet %q", ev.Data)
	}
	if ev := l.expect(server.Packet, c); !bytes.Equal(ev.Data, pattern(1000, 1)) {
		t.Fatal("packet at the maximum corrupted")
	}
	l.expect(server.Closed, c)
	l.until("the agent to be closed", a.finished)
	frames, err := a.result()
	if len(frames) != 2 || !isControl(frames[0], wire.CmdOpen, 1) || !isControl(frames[1], wire.CmdClose, wire.CloseTooLarge) || !endedCleanly(err) {
		t.Fatalf("agent received %s then %v; want open(1) close(3)", describe(frames), err)
	}
	if !strings.Contains(log.String(), "closing "+a.LocalAddr().String()) {
		t.Fatalf("log %q", log.String())
	}
	if err := l.s.Send(c, []byte("x")); !errors.Is(err, syscall.ENOTCONN) {
		t.Fatalf("Send after the close: %v", err)
	}
	l.idle()
	if n := l.closedCount(c); n != 1 {
		t.Fatalf("%d Closed events", n)
	}
}

// When the peer breaks the rules while output is still queued for it, what
// was queued still arrives whole before the close packet: the framing
// must not be cut in the middle of a packet.
func TestOversizeWithQueuedOutput(t *testing.T) {
	captureLog(t)
	cfg := testConfig()
	cfg.MaxPacket = 8 << 20
	l := newLoop(t, cfg)
	a, c := l.accept()
	big := pattern(8<<20, 3) // more than the socket buffers take at once
	if err := l.s.Send(c, big); err != nil {
		t.Fatal(err)
	}
	a.send(wire.AppendHeader(nil, 8<<20+1))
	l.s.BeginDelivery(c)
	l.expect(server.Closed, c)
	a.read()
	l.until("the agent to be closed", a.finished)
	frames, err := a.result()
	if len(frames) != 3 || !isControl(frames[0], wire.CmdOpen, 1) || !bytes.Equal(frames[1].Data, big) ||
		!isControl(frames[2], wire.CmdClose, wire.CloseTooLarge) || !endedCleanly(err) {
		t.Fatalf("agent received %s then %v; want open(1) data[%d] close(3)", describe(frames), err, len(big))
	}
	l.idle()
	if n := l.closedCount(c); n != 1 {
		t.Fatalf("%d Closed events", n)
	}
}

func TestProtocolError(t *testing.T) {
	log := captureLog(t)
	l := newLoop(t, testConfig())
	a, c := l.accept()
	a.send(wire.AppendData(nil, []byte("fine")), wire.AppendControl(nil, wire.CmdOpen, 1), wire.AppendData(nil, []byte("never")))
	a.read()
	l.s.BeginDelivery(c)
	if ev := l.expect(server.Packet, c); string(ev.Data) != "fine" {
		t.Fatalf("packet %q", ev.Data)
	}
	l.expect(server.Closed, c)
	l.until("the agent to be closed", a.finished)
	frames, _ := a.result()
	if len(frames) != 2 || !isControl(frames[1], wire.CmdClose, wire.CloseProtocolError) {
		t.Fatalf("agent received %s; want open(1) close(2)", describe(frames))
	}
	if !strings.Contains(log.String(), "unexpected control packet open(1)") {
		t.Fatalf("log %q", log.String())
	}
	l.idle()
}

// A held connection's packets stay in the kernel: the descriptor does not
// even become readable for them until BeginDelivery.
func TestHeldConnectionDeliversNothing(t *testing.T) {
	l := newLoop(t, testConfig())
	ag, err := client.Dial("127.0.0.1", 0, l.s.Port(), testConfig(), client.GoAlloc{})
	if err != nil {
		t.Fatal(err)
	}
	defer ag.Close()
	for _, p := range []string{"a", "bb", "ccc"} {
		if err := ag.Send([]byte(p)); err != nil {
			t.Fatal(err)
		}
	}
	c := l.expect(server.Accepted, nil).Conn
	// Wait until the server's kernel has every octet (the agent's send
	// queue is empty once they are acknowledged).
	l.until("the packets to reach the server", func() bool {
		n, err := unix.IoctlGetInt(ag.Fd(), unix.SIOCOUTQ)
		return err == nil && n == 0
	})
	for range 5 {
		l.round(0)
	}
	if fdReadable(l.s.Fd(), 0) {
		t.Fatal("descriptor readable for a held connection")
	}
	if len(l.evs) != 0 {
		t.Fatalf("event %s before BeginDelivery", kindName(l.evs[0].Kind))
	}
	// Sending is allowed while held.
	if err := l.s.Send(c, []byte("to agent")); err != nil {
		t.Fatal(err)
	}
	if err := l.s.BeginDelivery(c); err != nil {
		t.Fatal(err)
	}
	if err := l.s.BeginDelivery(c); err != nil { // again: nothing happens
		t.Fatal(err)
	}
	for _, p := range []string{"a", "bb", "ccc"} {
		if ev := l.expect(server.Packet, c); string(ev.Data) != p {
			t.Fatalf("packet %q, want %q", ev.Data, p)
		}
	}
	var got []byte
	l.until("the agent to read", func() bool {
		d, ok, err := ag.Read(false)
		if err != nil {
			t.Fatal(err)
		}
		got = d
		return ok
	})
	if string(got) != "to agent" {
		t.Fatalf("agent read %q", got)
	}
}

// A held connection whose peer has gone still delivers what the peer sent,
// then Closed, once the program begins delivery.
func TestHeldPeerGone(t *testing.T) {
	for _, reset := range []bool{false, true} {
		name := "fin"
		if reset {
			name = "reset"
		}
		t.Run(name, func(t *testing.T) {
			l := newLoop(t, testConfig())
			a, c := l.accept()
			a.send(wire.AppendData(nil, []byte("1")), wire.AppendData(nil, []byte("22")), wire.AppendData(nil, pattern(100000, 5)))
			if reset {
				// Abort: the server sees an error, not just the end of the
				// stream. What the agent has not sent yet is lost then, so
				// wait until the server's kernel has it all.
				l.until("the packets to reach the server", func() bool { return a.unsent() == 0 })
				a.SetLinger(0)
				a.Close()
				l.until("the reset to reach the server", func() bool { return fdReadable(l.s.Fd(), 0) })
				l.round(0)
			} else {
				a.read()
				l.until("the server's greeting", func() bool { return a.count() == 1 })
				a.CloseWrite()
			}
			if len(l.evs) != 0 {
				t.Fatalf("event %s before BeginDelivery", kindName(l.evs[0].Kind))
			}
			if err := l.s.BeginDelivery(c); err != nil {
				t.Fatal(err)
			}
			for _, want := range [][]byte{[]byte("1"), []byte("22"), pattern(100000, 5)} {
				if ev := l.expect(server.Packet, c); !bytes.Equal(ev.Data, want) {
					t.Fatalf("packet of %d octets, want %d", len(ev.Data), len(want))
				}
			}
			l.expect(server.Closed, c)
			l.idle()
			if n := l.closedCount(c); n != 1 {
				t.Fatalf("%d Closed events", n)
			}
		})
	}
}

// Close writes what is queued, then CLOSE(normal); Closed comes once, in a
// later round; the connection refuses further use.
func TestCloseFlushesQueue(t *testing.T) {
	l := newLoop(t, testConfig())
	a, c := l.accept()
	l.s.BeginDelivery(c)
	const n = 40
	for i := range n {
		if err := l.s.Send(c, pattern(100<<10, byte(i))); err != nil { // 4 MB: far more than the socket takes
			t.Fatal(err)
		}
	}
	if err := l.s.Close(c); err != nil {
		t.Fatal(err)
	}
	if len(l.evs) != 0 {
		t.Fatal("Closed delivered inside Close")
	}
	if err := l.s.Send(c, []byte("late")); !errors.Is(err, syscall.ENOTCONN) {
		t.Fatalf("Send after Close: %v, want ENOTCONN", err)
	}
	if err := l.s.Close(c); !errors.Is(err, syscall.ENOTCONN) {
		t.Fatalf("second Close: %v, want ENOTCONN", err)
	}
	if err := l.s.BeginDelivery(c); !errors.Is(err, syscall.ENOTCONN) {
		t.Fatalf("BeginDelivery after Close: %v, want ENOTCONN", err)
	}
	a.send(wire.AppendData(nil, []byte("ignored"))) // not delivered after Close
	a.read()
	l.until("the agent to be closed", a.finished)
	frames, err := a.result()
	if len(frames) != n+2 || !endedCleanly(err) {
		t.Fatalf("agent received %d frames then %v, want %d", len(frames), err, n+2)
	}
	for i := range n {
		if !bytes.Equal(frames[1+i].Data, pattern(100<<10, byte(i))) {
			t.Fatalf("packet %d corrupted or out of order", i)
		}
	}
	if !isControl(frames[n+1], wire.CmdClose, wire.CloseNormal) {
		t.Fatalf("last frame %s, want close(0)", describe(frames[n+1:]))
	}
	l.expect(server.Closed, c)
	l.until("the connection to go", func() bool { return l.s.Conns() == 0 })
	l.idle()
	if n := l.closedCount(c); n != 1 {
		t.Fatalf("%d Closed events", n)
	}
	for _, ev := range l.all {
		if ev.Kind == server.Packet {
			t.Fatalf("packet %q delivered after Close", ev.Data)
		}
	}
}

func TestCloseHeld(t *testing.T) {
	l := newLoop(t, testConfig())
	a, c := l.accept()
	a.send(wire.AppendData(nil, []byte("unwanted")))
	if err := l.s.Close(c); err != nil {
		t.Fatal(err)
	}
	l.expect(server.Closed, c)
	a.read()
	l.until("the agent to be closed", a.finished)
	frames, err := a.result()
	if len(frames) != 2 || !isControl(frames[0], wire.CmdOpen, 1) || !isControl(frames[1], wire.CmdClose, wire.CloseNormal) || err != io.EOF {
		t.Fatalf("agent received %s then %v; want open(1) close(0) and the end", describe(frames), err)
	}
	l.idle()
}

// The agent library sees the server's Close as ErrClosed.
func TestCloseSeenByClient(t *testing.T) {
	l := newLoop(t, testConfig())
	ag, err := client.Dial("127.0.0.1", 0, l.s.Port(), testConfig(), client.GoAlloc{})
	if err != nil {
		t.Fatal(err)
	}
	defer ag.Close()
	c := l.expect(server.Accepted, nil).Conn
	l.s.Send(c, []byte("bye"))
	l.s.Close(c)
	var got [][]byte
	var rerr error
	l.until("the agent to see the close", func() bool {
		d, ok, err := ag.Read(false)
		if ok {
			got = append(got, d)
		}
		rerr = err
		return err != nil
	})
	if len(got) != 1 || string(got[0]) != "bye" || !errors.Is(rerr, client.ErrClosed) {
		t.Fatalf("agent read %q then %v", got, rerr)
	}
	l.expect(server.Closed, c)
}

func TestPeerCloses(t *testing.T) {
	cases := []struct {
		name string
		end  func(a *agent)
	}{
		{"close packet", func(a *agent) {
			a.send(wire.AppendControl(nil, wire.CmdClose, wire.CloseNormal), wire.AppendData(nil, []byte("after close")))
		}},
		{"end of stream", func(a *agent) { a.CloseWrite() }},
		{"reset", func(a *agent) { a.SetLinger(0); a.Close() }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			l := newLoop(t, testConfig())
			a, c := l.accept()
			l.s.BeginDelivery(c)
			a.send(wire.AppendData(nil, []byte("last words")))
			if ev := l.expect(server.Packet, c); string(ev.Data) != "last words" {
				t.Fatalf("packet %q", ev.Data)
			}
			tc.end(a)
			l.expect(server.Closed, c)
			l.until("the connection to go", func() bool { return l.s.Conns() == 0 })
			l.idle()
			if n := l.closedCount(c); n != 1 {
				t.Fatalf("%d Closed events", n)
			}
			if err := l.s.Send(c, []byte("x")); !errors.Is(err, syscall.ENOTCONN) {
				t.Fatalf("Send to a closed connection: %v", err)
			}
		})
	}
}

// Shutdown: every agent gets what was queued for it, then CLOSE(shutdown);
// one being closed already gets its CLOSE(normal) only. Nothing works
// afterwards.
func TestShutdown(t *testing.T) {
	l := newLoop(t, testConfig())
	busy, cBusy := l.accept()       // delivering, lots queued
	held, _ := l.accept()           // never delivered
	closing, cClosing := l.accept() // closed with output queued
	l.s.BeginDelivery(cBusy)
	for i := range 20 {
		l.s.Send(cBusy, pattern(200<<10, byte(i)))
		l.s.Send(cClosing, pattern(200<<10, byte(i)))
	}
	if err := l.s.Close(cClosing); err != nil {
		t.Fatal(err)
	}
	greeting := dialAgent(t, l.s.Port()) // still greeting
	l.until("the greeting agent to be accepted by the kernel", func() bool { return l.s.Conns() == 4 })
	for _, a := range []*agent{busy, held, closing, greeting} {
		a.read()
	}
	if err := l.s.Shutdown(); err != nil { // waits for the readers, at most 5 s
		t.Fatal(err)
	}
	deadline := time.Now().Add(wait)
	for _, a := range []*agent{busy, held, closing, greeting} {
		for !a.finished() {
			if time.Now().After(deadline) {
				t.Fatal("agent not closed after Shutdown")
			}
			fdReadable(-1, 10*time.Millisecond) // a bounded wait on nothing
		}
	}
	check := func(name string, a *agent, data int, last uint16) {
		t.Helper()
		frames, err := a.result()
		if len(frames) != 2+data || !endedCleanly(err) {
			t.Fatalf("%s: received %s then %v", name, describe(frames), err)
		}
		for i := range data {
			if !bytes.Equal(frames[1+i].Data, pattern(200<<10, byte(i))) {
				t.Fatalf("%s: packet %d corrupted", name, i)
			}
		}
		if !isControl(frames[len(frames)-1], wire.CmdClose, last) {
			t.Fatalf("%s: last frame %s", name, describe(frames[len(frames)-1:]))
		}
	}
	check("busy", busy, 20, wire.CloseShutdown)
	check("held", held, 0, wire.CloseShutdown)
	check("closing", closing, 20, wire.CloseNormal)
	if frames, _ := greeting.result(); len(frames) != 1 || !isControl(frames[0], wire.CmdClose, wire.CloseShutdown) {
		t.Fatalf("greeting agent received %s", describe(frames))
	}

	if err := l.s.Poll(); !errors.Is(err, syscall.EBADF) {
		t.Fatalf("Poll after Shutdown: %v, want EBADF", err)
	}
	if ev, ok := l.s.Pop(func(n int) []byte { return make([]byte, n) }); ok {
		t.Fatalf("Pop after Shutdown: %s", kindName(ev.Kind))
	}
	if err := l.s.Send(cBusy, []byte("x")); !errors.Is(err, syscall.EBADF) {
		t.Fatalf("Send after Shutdown: %v", err)
	}
	if err := l.s.BeginDelivery(cBusy); !errors.Is(err, syscall.EBADF) {
		t.Fatalf("BeginDelivery after Shutdown: %v", err)
	}
	if err := l.s.Close(cBusy); !errors.Is(err, syscall.EBADF) {
		t.Fatalf("Close after Shutdown: %v", err)
	}
	if err := l.s.Shutdown(); !errors.Is(err, syscall.EBADF) {
		t.Fatalf("second Shutdown: %v", err)
	}
	if l.s.Conns() != 0 {
		t.Fatalf("%d connections after Shutdown", l.s.Conns())
	}
}

// The port is free again after Shutdown.
func TestShutdownReleasesPort(t *testing.T) {
	s, err := server.Listen(0, testConfig())
	if err != nil {
		t.Fatal(err)
	}
	port := s.Port()
	if port == 0 {
		t.Fatal("port 0")
	}
	if err := s.Shutdown(); err != nil {
		t.Fatal(err)
	}
	s2, err := server.Listen(port, testConfig())
	if err != nil {
		t.Fatalf("port %d not free after Shutdown: %v", port, err)
	}
	if _, err := server.Listen(port, testConfig()); err == nil {
		t.Fatal("two servers on one port")
	}
	s2.Shutdown()
}

// Send never blocks, however much is queued; all of it arrives in order
// once the peer reads.
func TestSendNeverBlocks(t *testing.T) {
	l := newLoop(t, testConfig())
	a, c := l.accept()
	const n, size = 300, 64 << 10 // ~19 MB against a peer that is not reading
	start := time.Now()
	for i := range n {
		if err := l.s.Send(c, pattern(size, byte(i))); err != nil {
			t.Fatal(err)
		}
	}
	if d := time.Since(start); d > wait/2 {
		t.Fatalf("queueing took %v", d)
	}
	a.read()
	l.until("everything to arrive", func() bool { return a.count() == n+1 || a.finished() })
	frames, err := a.result()
	if len(frames) != n+1 {
		t.Fatalf("agent received %d frames then %v", len(frames), err)
	}
	for i := range n {
		if !bytes.Equal(frames[1+i].Data, pattern(size, byte(i))) {
			t.Fatalf("packet %d corrupted or out of order", i)
		}
	}
}

func TestSendValidation(t *testing.T) {
	cfg := testConfig()
	cfg.MaxPacket = 100
	l := newLoop(t, cfg)
	a, c := l.accept()
	if err := l.s.Send(c, nil); !errors.Is(err, syscall.EINVAL) {
		t.Fatalf("empty: %v", err)
	}
	if err := l.s.Send(c, make([]byte, 101)); !errors.Is(err, syscall.EMSGSIZE) {
		t.Fatalf("oversize: %v", err)
	}
	if err := l.s.Send(nil, []byte("x")); !errors.Is(err, syscall.EINVAL) {
		t.Fatalf("nil connection: %v", err)
	}
	if err := l.s.Send(c, pattern(100, 1)); err != nil {
		t.Fatal(err)
	}
	a.read()
	l.until("the packet", func() bool { return a.count() == 2 })
	frames, _ := a.result()
	if !bytes.Equal(frames[1].Data, pattern(100, 1)) {
		t.Fatal("packet corrupted")
	}
}

// Several goroutines send while another runs the loop.
func TestConcurrentSend(t *testing.T) {
	l := newLoop(t, testConfig())
	a, c := l.accept()
	l.s.BeginDelivery(c)
	a.read()
	const senders, each = 4, 200
	var wg sync.WaitGroup
	for g := range senders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				msg := fmt.Appendf(nil, "%d:%d:%s", g, i, strings.Repeat("p", i*50))
				if err := l.s.Send(c, msg); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	sendersDone := make(chan struct{})
	go func() { wg.Wait(); close(sendersDone) }()
	l.until("every packet", func() bool { return a.count() == 1+senders*each || a.finished() })
	<-sendersDone
	frames, err := a.result()
	if len(frames) != 1+senders*each {
		t.Fatalf("%d frames then %v", len(frames), err)
	}
	next := make([]int, senders)
	for _, f := range frames[1:] {
		var g, i int
		if _, err := fmt.Sscanf(string(f.Data), "%d:%d:", &g, &i); err != nil {
			t.Fatalf("garbled packet %q", f.Data)
		}
		if i != next[g] || !bytes.HasSuffix(f.Data, []byte(":"+strings.Repeat("p", i*50))) {
			t.Fatalf("sender %d: packet %d out of order or corrupted", g, i)
		}
		next[g]++
	}
}

// Connections share one read buffer; packets that arrive in pieces,
// interleaved with other connections' traffic, must come out whole.
func TestInterleavedConnections(t *testing.T) {
	l := newLoop(t, testConfig())
	r := rand.New(rand.NewPCG(7, 11))
	const agents = 4
	type side struct {
		a      *agent
		c      *server.Conn
		stream []byte
		want   [][]byte
		off    int
	}
	sides := make([]*side, agents)
	byConn := map[*server.Conn]*side{}
	for i := range sides {
		a, c := l.accept()
		a.SetNoDelay(true)
		l.s.BeginDelivery(c)
		s := &side{a: a, c: c}
		for range 30 {
			p := pattern(1+r.IntN(3000), byte(r.Uint32()))
			s.want = append(s.want, p)
			s.stream = wire.AppendData(s.stream, p)
		}
		sides[i], byConn[c] = s, s
	}
	got := map[*server.Conn][][]byte{}
	for left := agents; left > 0; {
		s := sides[r.IntN(agents)]
		if s.off == len(s.stream) {
			continue
		}
		n := min(1+r.IntN(700), len(s.stream)-s.off)
		s.a.send(s.stream[s.off : s.off+n])
		s.off += n
		if s.off == len(s.stream) {
			left--
		}
		l.round(0)
	}
	l.until("every packet", func() bool {
		for _, ev := range l.evs {
			if ev.Kind == server.Packet {
				got[ev.Conn] = append(got[ev.Conn], ev.Data)
			}
		}
		l.evs = nil
		for _, s := range sides {
			if len(got[s.c]) < len(s.want) {
				return false
			}
		}
		return true
	})
	for _, s := range sides {
		if len(got[s.c]) != len(s.want) {
			t.Fatalf("%d packets, want %d", len(got[s.c]), len(s.want))
		}
		for i := range s.want {
			if !bytes.Equal(got[s.c][i], s.want[i]) {
				t.Fatalf("packet %d corrupted", i)
			}
		}
	}
}

func TestLargePacketFromAgent(t *testing.T) {
	l := newLoop(t, testConfig())
	ag, err := client.Dial("127.0.0.1", 0, l.s.Port(), testConfig(), client.GoAlloc{})
	if err != nil {
		t.Fatal(err)
	}
	defer ag.Close()
	c := l.expect(server.Accepted, nil).Conn
	l.s.BeginDelivery(c)
	big := pattern(5<<20, 9)
	sent := make(chan error, 1)
	go func() { sent <- ag.Send(big) }()
	if ev := l.expect(server.Packet, c); !bytes.Equal(ev.Data, big) {
		t.Fatalf("large packet: %d octets, corrupted", len(ev.Data))
	}
	if err := <-sent; err != nil {
		t.Fatal(err)
	}
}

// Whatever ends a connection the program knows, Closed comes exactly once
// and nothing follows it.
func TestClosedExactlyOnce(t *testing.T) {
	cases := []struct {
		name    string
		deliver bool
		end     func(l *loop, a *agent, c *server.Conn)
	}{
		{"server close", true, func(l *loop, a *agent, c *server.Conn) { l.s.Close(c) }},
		{"server close held", false, func(l *loop, a *agent, c *server.Conn) { l.s.Close(c) }},
		{"peer close packet", true, func(l *loop, a *agent, c *server.Conn) {
			a.send(wire.AppendControl(nil, wire.CmdClose, 0))
		}},
		{"peer eof", true, func(l *loop, a *agent, c *server.Conn) { a.CloseWrite() }},
		{"peer reset", true, func(l *loop, a *agent, c *server.Conn) { a.SetLinger(0); a.Close() }},
		{"protocol error", true, func(l *loop, a *agent, c *server.Conn) {
			a.send(wire.AppendControl(nil, wire.Command(3), 0))
		}},
		{"too large", true, func(l *loop, a *agent, c *server.Conn) { a.send(wire.AppendHeader(nil, wire.DefaultMaxPacket+1)) }},
		{"reset while held, then delivery", false, func(l *loop, a *agent, c *server.Conn) {
			a.SetLinger(0)
			a.Close()
			l.until("the reset", func() bool { return fdReadable(l.s.Fd(), 0) })
			l.round(0)
			l.s.BeginDelivery(c)
		}},
		{"reset while held, then close", false, func(l *loop, a *agent, c *server.Conn) {
			a.SetLinger(0)
			a.Close()
			l.until("the reset", func() bool { return fdReadable(l.s.Fd(), 0) })
			l.round(0)
			l.s.Close(c)
		}},
		{"close and peer close together", true, func(l *loop, a *agent, c *server.Conn) {
			a.send(wire.AppendControl(nil, wire.CmdClose, 0))
			l.s.Close(c)
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			captureLog(t)
			l := newLoop(t, testConfig())
			a, c := l.accept()
			if tc.deliver {
				l.s.BeginDelivery(c)
			}
			a.read()
			tc.end(l, a, c)
			l.until("Closed", func() bool { return l.closedCount(c) > 0 })
			l.until("the connection to go", func() bool { return l.s.Conns() == 0 })
			l.evs = nil // counted from l.all
			l.idle()
			if n := l.closedCount(c); n != 1 {
				t.Fatalf("%d Closed events", n)
			}
			if last := l.all[len(l.all)-1]; last.Kind != server.Closed {
				t.Fatalf("%s after Closed", kindName(last.Kind))
			}
			if err := l.s.Close(c); !errors.Is(err, syscall.ENOTCONN) {
				t.Fatalf("Close after Closed: %v", err)
			}
		})
	}
}

// Out of descriptors, the server stops accepting for a moment instead of
// spinning on a listener that stays readable, and resumes by itself.
func TestAcceptPausesWhenOutOfDescriptors(t *testing.T) {
	log := captureLog(t)
	l := newLoop(t, testConfig())
	a := dialAgent(t, l.s.Port())
	a.send(greeting)

	var lim unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &lim); err != nil {
		t.Fatal(err)
	}
	// The lowest free descriptor number: with the limit there, accept fails.
	free, err := unix.Dup(0)
	if err != nil {
		t.Fatal(err)
	}
	unix.Close(free)
	low := lim
	low.Cur = uint64(free)
	if err := unix.Setrlimit(unix.RLIMIT_NOFILE, &low); err != nil {
		t.Fatal(err)
	}
	restored := false
	restore := func() {
		if !restored {
			restored = true
			if err := unix.Setrlimit(unix.RLIMIT_NOFILE, &lim); err != nil {
				t.Fatal(err)
			}
		}
	}
	defer restore()
	l.until("the accept failure", func() bool { return strings.Contains(log.String(), "pausing") })
	restore()
	if !strings.Contains(log.String(), "cannot accept: too many open files") {
		t.Fatalf("log %q", log.String())
	}
	// The listener is not watched while paused; the timer brings it back.
	ev := l.expect(server.Accepted, nil)
	l.s.BeginDelivery(ev.Conn)
	a.send(wire.AppendData(nil, []byte("late but fine")))
	if ev := l.expect(server.Packet, ev.Conn); string(ev.Data) != "late but fine" {
		t.Fatalf("packet %q", ev.Data)
	}
}

// Once the only deadline is gone, the timer must not wake the program for
// nothing later: the descriptor stays quiet past the old deadline.
func TestNoSpuriousTimerWake(t *testing.T) {
	cfg := testConfig()
	cfg.Handshake = 50 * time.Millisecond
	l := newLoop(t, cfg)
	_, c := l.accept() // its greeting deadline is cleared
	l.s.BeginDelivery(c)
	l.idle()
	if fdReadable(l.s.Fd(), 4*cfg.Handshake) {
		t.Fatal("descriptor became readable with no work to do")
	}
}
