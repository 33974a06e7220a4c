package client_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"strconv"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"netcompat/core/extagent"
	"netcompat/core/extagent/client"
	"netcompat/core/extagent/wire"
)

// wait is how long anything may take before a test gives up; it only
// matters when something is broken.
const wait = 20 * time.Second

func testConfig() extagent.Config {
	return extagent.Config{MaxPacket: wire.DefaultMaxPacket, Handshake: 10 * time.Second}
}

var greeting = []byte{0, 0, 0, 0, 0, 0, 0, 1}

// listen starts a raw TCP listener the test plays the server on.
func listen(t *testing.T, network, addr string) net.Listener {
	t.Helper()
	ln, err := net.Listen(network, addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	return ln
}

func port(ln net.Listener) uint16 { return uint16(ln.Addr().(*net.TCPAddr).Port) }

// accept takes the agent's connection and checks its greeting.
func accept(t *testing.T, ln net.Listener) net.Conn {
	t.Helper()
	s, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	s.SetDeadline(time.Now().Add(wait))
	got := make([]byte, len(greeting))
	if _, err := io.ReadFull(s, got); err != nil {
		t.Fatalf("reading the agent's greeting: %v", err)
	}
	if !bytes.Equal(got, greeting) {
		t.Fatalf("agent greeted with % x, want % x", got, greeting)
	}
	return s
}

// pair connects an agent to a raw server that has read its greeting.
func pair(t *testing.T, cfg extagent.Config) (*client.Conn, net.Conn) {
	t.Helper()
	ln := listen(t, "tcp4", "127.0.0.1:0")
	c, err := client.Dial("127.0.0.1", 0, port(ln), cfg, client.GoAlloc{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c, accept(t, ln)
}

func write(t *testing.T, s net.Conn, b []byte) {
	t.Helper()
	if _, err := s.Write(b); err != nil {
		t.Fatal(err)
	}
}

// waitReadable polls fd until it is readable.
func waitReadable(t *testing.T, fd int) {
	t.Helper()
	deadline := time.Now().Add(wait)
	for {
		left := time.Until(deadline)
		if left <= 0 {
			t.Fatalf("descriptor %d not readable within %v", fd, wait)
		}
		pfd := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
		n, err := unix.Poll(pfd, int(left/time.Millisecond)+1)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		if n > 0 {
			return
		}
	}
}

func readable(fd int) bool {
	pfd := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
	n, _ := unix.Poll(pfd, 0)
	return n > 0
}

// inq is the number of octets waiting in fd's receive queue.
func inq(t *testing.T, fd int) int {
	t.Helper()
	n, err := unix.IoctlGetInt(fd, unix.SIOCINQ)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// waitInq waits until fd's receive queue holds at least n octets.
func waitInq(t *testing.T, fd, n int) {
	t.Helper()
	deadline := time.Now().Add(wait)
	for inq(t, fd) < n {
		if time.Now().After(deadline) {
			t.Fatalf("receive queue holds %d octets, want %d", inq(t, fd), n)
		}
		waitReadable(t, fd)
		if inq(t, fd) < n {
			// Part of it is there already; the rest is in flight on the
			// loopback. Poll again shortly (this is a deadline-bounded
			// poll, not a synchronising sleep).
			time.Sleep(time.Millisecond)
		}
	}
}

// readPacket reads without blocking, waiting on the descriptor in between,
// as a select() loop would: the descriptor is readable exactly while Read
// has something to do.
func readPacket(t *testing.T, c *client.Conn) ([]byte, error) {
	t.Helper()
	for {
		waitReadable(t, c.Fd())
		data, complete, err := c.Read(false)
		if err != nil {
			return nil, err
		}
		if complete {
			return data, nil
		}
	}
}

func ctl(cmd wire.Command, arg uint16) []byte { return wire.AppendControl(nil, cmd, arg) }

func TestDialSendsGreeting(t *testing.T) {
	c, s := pair(t, testConfig()) // pair checks the greeting
	if err := c.Send([]byte("after greeting")); err != nil {
		t.Fatal(err)
	}
	var d wire.Decoder
	buf := make([]byte, 64)
	n, err := s.Read(buf)
	if err != nil {
		t.Fatal(err)
	}
	f, _, ok, err := d.Next(buf[:n])
	if !ok || err != nil || string(f.Data) != "after greeting" {
		t.Fatalf("got %+v %v %v", f, ok, err)
	}
}

func TestServerGreetingAccepted(t *testing.T) {
	c, s := pair(t, testConfig())
	// Greeting and data in one segment: data may follow the greeting at once.
	write(t, s, wire.AppendData(append([]byte(nil), greeting...), []byte("data")))
	data, err := readPacket(t, c)
	if err != nil || string(data) != "data" {
		t.Fatalf("got %q %v", data, err)
	}
}

func TestServerGreetingRefused(t *testing.T) {
	cases := []struct {
		name  string
		first []byte
		errno syscall.Errno
	}{
		{"close handshake", ctl(wire.CmdClose, wire.CloseHandshake), syscall.ECONNREFUSED},
		{"close shutdown", ctl(wire.CmdClose, wire.CloseShutdown), syscall.ECONNREFUSED},
		{"version 0", ctl(wire.CmdOpen, 0), syscall.ECONNREFUSED},
		{"newer version", ctl(wire.CmdOpen, wire.Version+1), syscall.ECONNREFUSED},
		{"unknown command", ctl(wire.Command(5), 1), syscall.ECONNREFUSED},
		{"data first", wire.AppendData(nil, []byte("too early")), syscall.EPROTO},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, s := pair(t, testConfig())
			// Anything after the bad greeting must not be delivered.
			write(t, s, wire.AppendData(append([]byte(nil), tc.first...), []byte("x")))
			_, err := readPacket(t, c)
			if !errors.Is(err, tc.errno) {
				t.Fatalf("got %v, want errno %v", err, tc.errno)
			}
			// The failure is sticky, in both directions.
			if _, _, err2 := c.Read(false); !errors.Is(err2, tc.errno) {
				t.Fatalf("second read: %v", err2)
			}
			if _, _, err2 := c.Read(true); !errors.Is(err2, tc.errno) {
				t.Fatalf("blocking read after failure: %v", err2)
			}
			if err := c.Send([]byte("y")); err == nil {
				t.Fatal("send succeeded on a failed connection")
			}
		})
	}
}

// Byte-at-a-time delivery: every read returns the part received so far
// until the packet is complete.
func TestByteAtATime(t *testing.T) {
	c, s := pair(t, testConfig())
	payload := []byte("0123456789abcdef")
	stream := wire.AppendData(append([]byte(nil), greeting...), payload)
	stream = wire.AppendData(stream, []byte("second"))
	bodyStart := len(greeting) + wire.HeaderLen
	for i, b := range stream[:bodyStart+len(payload)] {
		write(t, s, []byte{b})
		waitReadable(t, c.Fd())
		data, complete, err := c.Read(false)
		if err != nil {
			t.Fatalf("octet %d: %v", i, err)
		}
		got := i + 1 - bodyStart // body octets received
		switch {
		case got < 0: // greeting or header
			if complete || len(data) != 0 {
				t.Fatalf("octet %d: complete=%v partial %q", i, complete, data)
			}
		case got < len(payload):
			if complete || !bytes.Equal(data, payload[:got]) {
				t.Fatalf("octet %d: complete=%v partial %q, want %q", i, complete, data, payload[:got])
			}
		default:
			if !complete || !bytes.Equal(data, payload) {
				t.Fatalf("last octet: complete=%v data %q", complete, data)
			}
		}
		if readable(c.Fd()) {
			t.Fatalf("octet %d: descriptor still readable after Read", i)
		}
	}
	// Nothing new: a read says "nothing yet" and does not block.
	if data, complete, err := c.Read(false); complete || err != nil || data != nil {
		t.Fatalf("idle read: %q %v %v", data, complete, err)
	}
	write(t, s, stream[bodyStart+len(payload):])
	if data, err := readPacket(t, c); err != nil || string(data) != "second" {
		t.Fatalf("second packet: %q %v", data, err)
	}
}

// The agent takes from the kernel only the rest of the packet it reads and
// the next length field, so select() on its descriptor stays truthful.
func TestNoReadAhead(t *testing.T) {
	c, s := pair(t, testConfig())
	a := bytes.Repeat([]byte{'a'}, 100)
	b := bytes.Repeat([]byte{'b'}, 1000)
	stream := append([]byte(nil), greeting...)
	stream = wire.AppendData(stream, a)
	stream = wire.AppendData(stream, b)
	stream = append(stream, ctl(wire.CmdClose, wire.CloseNormal)...)
	write(t, s, stream)
	waitInq(t, c.Fd(), len(stream))

	data, complete, err := c.Read(false)
	if err != nil || !complete || !bytes.Equal(data, a) {
		t.Fatalf("first packet: %d octets, complete=%v, %v", len(data), complete, err)
	}
	// B's length field was read; its body and the close are still queued.
	if n := inq(t, c.Fd()); n != len(b)+wire.ControlPacketLen {
		t.Fatalf("after the first packet %d octets remain in the kernel, want %d", n, len(b)+wire.ControlPacketLen)
	}
	if !readable(c.Fd()) {
		t.Fatal("descriptor not readable although a packet is waiting")
	}
	data, complete, err = c.Read(false)
	if err != nil || !complete || !bytes.Equal(data, b) {
		t.Fatalf("second packet: %d octets, complete=%v, %v", len(data), complete, err)
	}
	if n := inq(t, c.Fd()); n != wire.ControlLen {
		t.Fatalf("after the second packet %d octets remain, want %d", n, wire.ControlLen)
	}
	if _, _, err = c.Read(false); !errors.Is(err, client.ErrClosed) || !errors.Is(err, syscall.ECONNRESET) {
		t.Fatalf("after close: %v", err)
	}
}

func TestServerClose(t *testing.T) {
	for _, reason := range []uint16{wire.CloseNormal, wire.CloseShutdown, wire.CloseTooLarge} {
		t.Run(strconv.Itoa(int(reason)), func(t *testing.T) {
			c, s := pair(t, testConfig())
			stream := wire.AppendData(append([]byte(nil), greeting...), []byte("last"))
			stream = append(stream, ctl(wire.CmdClose, reason)...)
			write(t, s, stream)
			if data, err := readPacket(t, c); err != nil || string(data) != "last" {
				t.Fatalf("packet before close: %q %v", data, err)
			}
			_, err := readPacket(t, c)
			if !errors.Is(err, client.ErrClosed) || !errors.Is(err, syscall.ECONNRESET) {
				t.Fatalf("got %v, want ErrClosed", err)
			}
			if _, _, err := c.Read(false); !errors.Is(err, syscall.ECONNRESET) {
				t.Fatalf("not sticky: %v", err)
			}
		})
	}
}

func TestServerHangsUp(t *testing.T) {
	c, s := pair(t, testConfig())
	// Greeting and half a packet, then the end of the stream.
	write(t, s, append(append([]byte(nil), greeting...), 0, 0, 0, 10, 'a', 'b'))
	s.(*net.TCPConn).CloseWrite()
	_, err := readPacket(t, c)
	if !errors.Is(err, client.ErrClosed) {
		t.Fatalf("got %v, want ErrClosed", err)
	}
}

func TestUnexpectedControl(t *testing.T) {
	for _, pkt := range [][]byte{ctl(wire.CmdOpen, 1), ctl(wire.Command(2), 0)} {
		c, s := pair(t, testConfig())
		write(t, s, append(append([]byte(nil), greeting...), pkt...))
		if _, err := readPacket(t, c); !errors.Is(err, syscall.EPROTO) {
			t.Fatalf("control % x after the greeting: %v, want EPROTO", pkt, err)
		}
	}
}

func TestOversizeFromServer(t *testing.T) {
	cfg := testConfig()
	cfg.MaxPacket = 100
	c, s := pair(t, cfg)
	stream := wire.AppendData(append([]byte(nil), greeting...), bytes.Repeat([]byte{1}, 100))
	stream = wire.AppendHeader(stream, 101) // no body needed: the length alone is refused
	write(t, s, stream)
	if data, err := readPacket(t, c); err != nil || len(data) != 100 {
		t.Fatalf("packet at the maximum: %d octets, %v", len(data), err)
	}
	if _, err := readPacket(t, c); !errors.Is(err, syscall.EMSGSIZE) {
		t.Fatalf("got %v, want EMSGSIZE", err)
	}
	if _, _, err := c.Read(false); !errors.Is(err, syscall.EMSGSIZE) {
		t.Fatalf("not sticky: %v", err)
	}
}

func TestSendValidation(t *testing.T) {
	cfg := testConfig()
	cfg.MaxPacket = 1000
	c, s := pair(t, cfg)
	if err := c.Send(nil); !errors.Is(err, syscall.EINVAL) {
		t.Fatalf("empty packet: %v, want EINVAL", err)
	}
	if err := c.Send([]byte{}); !errors.Is(err, syscall.EINVAL) {
		t.Fatalf("zero-length packet: %v, want EINVAL", err)
	}
	if err := c.Send(make([]byte, 1001)); !errors.Is(err, syscall.EMSGSIZE) {
		t.Fatalf("oversize packet: %v, want EMSGSIZE", err)
	}
	// The connection is still usable, and nothing of the refused packets
	// reached the wire.
	atMax := bytes.Repeat([]byte{9}, 1000)
	if err := c.Send(atMax); err != nil {
		t.Fatal(err)
	}
	if err := c.Send([]byte("ok")); err != nil {
		t.Fatal(err)
	}
	want := wire.AppendData(wire.AppendData(nil, atMax), []byte("ok"))
	got := make([]byte, len(want))
	if _, err := io.ReadFull(s, got); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("server received something else than the two valid packets")
	}
}

// A packet larger than the socket buffers goes out in several sendmsg
// calls; it must arrive whole and in order.
func TestSendLarge(t *testing.T) {
	c, s := pair(t, testConfig())
	big := make([]byte, 8<<20)
	for i := range big {
		big[i] = byte(i * 7)
	}
	got := make(chan []byte, 1)
	go func() {
		b := make([]byte, wire.HeaderLen+len(big)+wire.HeaderLen+1)
		_, err := io.ReadFull(s, b)
		if err != nil {
			t.Error(err)
		}
		got <- b
	}()
	if err := c.Send(big); err != nil {
		t.Fatal(err)
	}
	if err := c.Send([]byte{42}); err != nil {
		t.Fatal(err)
	}
	b := <-got
	if binary.BigEndian.Uint32(b) != uint32(len(big)) || !bytes.Equal(b[4:4+len(big)], big) {
		t.Fatal("large packet corrupted")
	}
	if !bytes.Equal(b[4+len(big):], []byte{0, 0, 0, 1, 42}) {
		t.Fatalf("packet after the large one: % x", b[4+len(big):])
	}
}

func TestLargePacketFromServer(t *testing.T) {
	c, s := pair(t, testConfig())
	big := make([]byte, 5<<20)
	for i := range big {
		big[i] = byte(i * 13)
	}
	go func() {
		s.Write(greeting)
		s.Write(wire.AppendData(nil, big))
	}()
	data, complete, err := c.Read(true)
	if err != nil || !complete || !bytes.Equal(data, big) {
		t.Fatalf("blocking read of a large packet: %d octets, %v, %v", len(data), complete, err)
	}
}

func TestCloseWakesBlockedRead(t *testing.T) {
	c, s := pair(t, testConfig())
	write(t, s, greeting)
	done := make(chan error, 1)
	go func() {
		_, _, err := c.Read(true)
		done <- err
	}()
	// Whether the read is already blocked or not yet started, Close must
	// make it return with an error.
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err == nil {
			t.Fatal("blocked read returned no error after Close")
		}
	case <-time.After(wait):
		t.Fatal("Close did not wake the blocked read")
	}
	// The server hears the goodbye, then the end of the stream.
	s.SetDeadline(time.Now().Add(wait))
	rest, err := io.ReadAll(s)
	if err != nil && !errors.Is(err, syscall.ECONNRESET) {
		t.Fatal(err)
	}
	if len(rest) > 0 && !bytes.Equal(rest, ctl(wire.CmdClose, wire.CloseNormal)) {
		t.Fatalf("server received % x after the greeting", rest)
	}
}

func TestCloseWakesBlockedSend(t *testing.T) {
	c, _ := pair(t, testConfig()) // the server never reads
	done := make(chan error, 1)
	go func() {
		done <- c.Send(make([]byte, wire.DefaultMaxPacket)) // far beyond the socket buffers
	}()
	c.Close()
	select {
	case err := <-done:
		if err == nil {
			t.Fatal("blocked send succeeded after Close")
		}
	case <-time.After(wait):
		t.Fatal("Close did not wake the blocked send")
	}
}

func TestCloseSaysGoodbye(t *testing.T) {
	c, s := pair(t, testConfig())
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	s.SetDeadline(time.Now().Add(wait))
	rest, err := io.ReadAll(s)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(rest, ctl(wire.CmdClose, wire.CloseNormal)) {
		t.Fatalf("server received % x, want CLOSE(0)", rest)
	}
	if err := c.Close(); !errors.Is(err, syscall.EBADF) {
		t.Fatalf("second Close: %v, want EBADF", err)
	}
	if err := c.Send([]byte("x")); !errors.Is(err, syscall.EBADF) {
		t.Fatalf("Send after Close: %v, want EBADF", err)
	}
	if _, _, err := c.Read(false); !errors.Is(err, syscall.EBADF) {
		t.Fatalf("Read after Close: %v, want EBADF", err)
	}
}

// A read and a send may run at the same time on one connection.
func TestConcurrentReadAndSend(t *testing.T) {
	c, s := pair(t, testConfig())
	const n = 500
	// The server echoes every packet back.
	go func() {
		s.Write(greeting)
		var d wire.Decoder
		buf := make([]byte, 4096)
		for {
			m, err := s.Read(buf)
			if err != nil {
				return
			}
			for p := buf[:m]; len(p) > 0; {
				f, k, ok, err := d.Next(p)
				if err != nil {
					return
				}
				p = p[k:]
				if ok && f.Kind == wire.KindData {
					s.Write(wire.AppendData(nil, f.Data))
				}
			}
		}
	}()
	sendErr := make(chan error, 1)
	go func() {
		for i := range n {
			if err := c.Send([]byte(strconv.Itoa(i))); err != nil {
				sendErr <- err
				return
			}
		}
		sendErr <- nil
	}()
	for i := range n {
		data, complete, err := c.Read(true)
		if err != nil || !complete || string(data) != strconv.Itoa(i) {
			t.Fatalf("echo %d: %q %v %v", i, data, complete, err)
		}
	}
	if err := <-sendErr; err != nil {
		t.Fatal(err)
	}
}

func TestDialAddressForms(t *testing.T) {
	dual := listen(t, "tcp", ":0") // every address, IPv4 and IPv6
	check := func(name string, c *client.Conn, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		defer c.Close()
		accept(t, dual)
	}
	// ipaddr is sin_addr.s_addr: the octets in network order as they lie
	// in memory, whatever the host's byte order (inet_addr("127.0.0.1")).
	loop := binary.NativeEndian.Uint32([]byte{127, 0, 0, 1})
	c, err := client.Dial("", loop, port(dual), testConfig(), client.GoAlloc{})
	check("ipaddr 127.0.0.1", c, err)
	c, err = client.Dial("127.0.0.1", 0, port(dual), testConfig(), client.GoAlloc{})
	check("hostname 127.0.0.1", c, err)
	c, err = client.Dial("localhost", 0, port(dual), testConfig(), client.GoAlloc{})
	check("localhost", c, err)

	v6, err := net.Listen("tcp6", "[::1]:0")
	if err != nil {
		t.Logf("no IPv6 loopback (%v); skipping ::1", err)
		return
	}
	v6.Close()
	c, err = client.Dial("::1", 0, port(dual), testConfig(), client.GoAlloc{})
	check("::1", c, err)
}

func TestDialErrors(t *testing.T) {
	if _, err := client.Dial("127.0.0.1", 0, 0, testConfig(), client.GoAlloc{}); !errors.Is(err, syscall.EINVAL) {
		t.Fatalf("port 0: %v, want EINVAL", err)
	}
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := port(ln)
	ln.Close()
	if _, err := client.Dial("127.0.0.1", 0, p, testConfig(), client.GoAlloc{}); !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("closed port: %v, want ECONNREFUSED", err)
	}
}

// The socket is the descriptor a C program selects on; it must not leak
// into programs the agent executes.
func TestSocketIsCloseOnExec(t *testing.T) {
	c, _ := pair(t, testConfig())
	fl, err := unix.FcntlInt(uintptr(c.Fd()), unix.F_GETFD, 0)
	if err != nil || fl&unix.FD_CLOEXEC == 0 {
		t.Fatalf("F_GETFD = %#x, %v", fl, err)
	}
}
