package netio

import (
	"fmt"
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// sock is one non-blocking socket on Go's poller.
type sock struct {
	f    *os.File
	rc   syscall.RawConn
	kind string // for errors and logs: "raw4", "udp6:1698", ...
	v6   bool
	udp  bool
	raw  bool // IPv4 raw: received data starts with the IP header
	// raw6hdr: received data starts with the IPv6 header (IPPROTO_RAW).
	raw6hdr bool
}

func newSock(family, typ, proto int, kind string) (*sock, int, error) {
	fd, err := unix.Socket(family, typ|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, proto)
	if err != nil {
		return nil, -1, fmt.Errorf("netio: %s socket: %w", kind, err)
	}
	return &sock{kind: kind, v6: family == unix.AF_INET6, udp: typ == unix.SOCK_DGRAM,
		raw: family == unix.AF_INET && typ == unix.SOCK_RAW}, fd, nil
}

// rcvBuf is the receive buffer asked for: bursts of signalling (a
// router refreshing thousands of sessions, a host setting many up at
// once) must not overflow it, since ResvConf is never repeated.
const rcvBuf = 4 << 20

// start puts fd on the poller; after it fd belongs to s.
func (s *sock) start(fd int) error {
	// As root the limit rmem_max does not apply (FORCE); otherwise take
	// what the system allows.
	if unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUFFORCE, rcvBuf) != nil {
		unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUF, rcvBuf)
	}
	s.f = os.NewFile(uintptr(fd), s.kind)
	rc, err := s.f.SyscallConn()
	if err != nil {
		s.f.Close()
		return err
	}
	s.rc = rc
	return nil
}

func (s *sock) close() error {
	if s == nil || s.f == nil {
		return nil
	}
	return s.f.Close()
}

// recvmsg reads one datagram, waiting on the poller.
func (s *sock) recvmsg(buf, oob []byte) (n, oobn int, from unix.Sockaddr, err error) {
	rerr := s.rc.Read(func(fd uintptr) bool {
		n, oobn, _, from, err = unix.Recvmsg(int(fd), buf, oob, unix.MSG_TRUNC)
		return err != unix.EAGAIN
	})
	if err == nil {
		err = rerr
	}
	return
}

// sendmsg sends one datagram, waiting on the poller while the buffer is
// full.
func (s *sock) sendmsg(b, oob []byte, to unix.Sockaddr) error {
	var err error
	werr := s.rc.Write(func(fd uintptr) bool {
		err = unix.Sendmsg(int(fd), b, oob, to, 0)
		return err != unix.EAGAIN
	})
	if err == nil {
		err = werr
	}
	return err
}

func setInt(fd, level, opt int, v int, what string) error {
	if err := unix.SetsockoptInt(fd, level, opt, v); err != nil {
		return fmt.Errorf("netio: setsockopt %s: %w", what, err)
	}
	return nil
}

// dropAll attaches a filter that drops every received packet: a socket
// that only sends (the IPv4 Router Alert one) must not get copies of
// every RSVP packet the host sees.
func dropAll(fd int) error {
	prog := unix.SockFprog{Len: 1, Filter: &[]unix.SockFilter{{Code: unix.BPF_RET | unix.BPF_K, K: 0}}[0]}
	if err := unix.SetsockoptSockFprog(fd, unix.SOL_SOCKET, unix.SO_ATTACH_FILTER, &prog); err != nil {
		return fmt.Errorf("netio: attach filter: %w", err)
	}
	return nil
}
