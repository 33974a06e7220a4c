// Package flowtest generates and counts UDP traffic for the tests and
// benchmarks that measure enforcement: a sender paced by the clock, a
// receiver counting what arrives inside a window, and socket buffers
// sized past the system limits (root only).
package flowtest

import (
	"net"
	"syscall"
	"testing"
	"time"
)

// IPUDPHeaders is what an IPv4 UDP datagram adds to its payload: RSVP
// rates count whole IP datagrams.
const IPUDPHeaders = 28

// Send paces datagrams of payload bytes at rate (bytes/s of IP
// datagrams) from start until to, by the clock: each round sends what is
// due since start, so a sender delayed by a busy machine catches up
// instead of falling behind. It returns the IP bytes sent inside
// [from, to).
func Send(c net.Conn, payload int, rate float64, start, from, to time.Time) float64 {
	buf := make([]byte, payload)
	dgram := float64(payload + IPUDPHeaders)
	sent, counted := 0, 0.0
	for {
		now := time.Now()
		if !now.Before(to) {
			return counted
		}
		due := int(now.Sub(start).Seconds() * rate / dgram)
		for ; sent < due; sent++ {
			if _, err := c.Write(buf); err != nil {
				continue // ENOBUFS and friends: the datagram is lost, as on a full link
			}
			if !now.Before(from) {
				counted += dgram
			}
		}
		time.Sleep(time.Millisecond) // pacing, not synchronisation
	}
}

// Receive counts the IP bytes of datagrams arriving inside [from, to).
func Receive(c net.PacketConn, from, to time.Time) float64 {
	buf := make([]byte, 65536)
	got := 0.0
	c.SetReadDeadline(to)
	for {
		n, _, err := c.ReadFrom(buf)
		if err != nil {
			return got // the deadline: the window is over
		}
		if now := time.Now(); !now.Before(from) && now.Before(to) {
			got += float64(n + IPUDPHeaders)
		}
	}
}

// ForceBuffer sets a socket buffer beyond rmem_max/wmem_max (root:
// SO_RCVBUFFORCE, SO_SNDBUFFORCE). Receivers get a large one so that a
// receiver descheduled on a loaded machine does not drop what the link
// delivered; a flood sender gets one larger than the interface's queue,
// or it would block on its own buffer and never overflow the queue.
func ForceBuffer(tb testing.TB, c syscall.Conn, opt, size int) {
	tb.Helper()
	rc, err := c.SyscallConn()
	if err != nil {
		tb.Fatal(err)
	}
	var serr error
	rc.Control(func(fd uintptr) {
		serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, opt, size)
	})
	if serr != nil {
		tb.Fatalf("setsockopt %d: %v", opt, serr)
	}
}
