// Package server is the domain side of the external-agent protocol: the
// engine behind extag_initialize, extag_dispatch, extag_send and the rest.
//
// It is an event loop driven by its caller, as the original was driven by
// the domain's event loop: Fd is an epoll descriptor that is readable while
// there is work, Poll and Pop do that work on the caller's thread and hand
// out events one at a time. No goroutine runs behind the program's back, so
// callbacks happen exactly where the program asks for them and nothing sits
// between the socket and the callback but a read into a buffer.
package server

import (
	"fmt"
	"net/netip"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"netcompat/core/cbridge"
	"netcompat/core/extagent"
	"netcompat/core/extagent/wire"
	"netcompat/core/netlog"
)

// EventKind says what happened.
type EventKind uint8

const (
	Accepted EventKind = iota + 1 // a new agent passed the handshake
	Packet                        // a data packet arrived (Data holds it)
	Closed                        // the connection ended; sent once per accepted connection
)

// Event is one thing for the program to hear about.
type Event struct {
	Kind EventKind
	Conn *Conn
	Data []byte
}

// epoll keys of the server's own descriptors; connections count from keyFirstConn.
const (
	keyListener uint64 = iota + 1
	keyNotifier
	keyTimer
	keyFirstConn = 16
)

// Server is one domain's external-agent listener and its connections.
type Server struct {
	mu    sync.Mutex
	cfg   extagent.Config
	ep    int // epoll: the descriptor C selects on
	ln    int
	port  uint16
	note  *cbridge.Notifier // readable while internal events wait
	timer int               // timerfd for greeting and linger deadlines
	down  bool

	conns   map[uint64]*Conn
	nextID  uint64
	timed   map[*Conn]struct{} // connections with a deadline
	pausedU time.Time          // accepting paused until then (out of descriptors)

	internal []Event           // events made by calls rather than by I/O
	ready    []unix.EpollEvent // the current round's epoll results
	readyBuf [256]unix.EpollEvent
	cur      *Conn  // connection whose read is being decoded
	curBuf   []byte // what is left of that read
	rbuf     []byte // the one read buffer all connections share
}

// lingerTime bounds how long a locally closed connection may take to drain.
const lingerTime = 10 * time.Second

// Listen binds port (0: any free port) on every local address and starts a
// server.
func Listen(port uint16, cfg extagent.Config) (*Server, error) {
	s := &Server{
		cfg:    cfg,
		ep:     -1,
		ln:     -1,
		timer:  -1,
		conns:  make(map[uint64]*Conn),
		timed:  make(map[*Conn]struct{}),
		nextID: keyFirstConn,
		rbuf:   make([]byte, 256<<10),
	}
	if err := s.open(port); err != nil {
		s.closeFDs()
		return nil, err
	}
	return s, nil
}

func (s *Server) open(port uint16) error {
	ln, err := listenTCP(port)
	if err != nil {
		return err
	}
	s.ln = cbridge.MoveHigh(ln)
	sa, err := unix.Getsockname(s.ln)
	if err != nil {
		return err
	}
	switch a := sa.(type) {
	case *unix.SockaddrInet4:
		s.port = uint16(a.Port)
	case *unix.SockaddrInet6:
		s.port = uint16(a.Port)
	}
	if s.ep, err = unix.EpollCreate1(unix.EPOLL_CLOEXEC); err != nil {
		return err
	}
	if s.note, err = cbridge.NewNotifier(); err != nil {
		return err
	}
	if s.timer, err = unix.TimerfdCreate(unix.CLOCK_MONOTONIC, unix.TFD_CLOEXEC|unix.TFD_NONBLOCK); err != nil {
		return err
	}
	s.timer = cbridge.MoveHigh(s.timer)
	for _, r := range []struct {
		fd  int
		key uint64
	}{{s.ln, keyListener}, {s.note.Fd(), keyNotifier}, {s.timer, keyTimer}} {
		if err := epollCtl(s.ep, unix.EPOLL_CTL_ADD, r.fd, r.key, unix.EPOLLIN); err != nil {
			return err
		}
	}
	return nil
}

// listenTCP listens on all addresses, dual-stack where IPv6 exists.
func listenTCP(port uint16) (int, error) {
	fd, err := unix.Socket(unix.AF_INET6, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
	var sa unix.Sockaddr = &unix.SockaddrInet6{Port: int(port)}
	if err == nil {
		unix.SetsockoptInt(fd, unix.IPPROTO_IPV6, unix.IPV6_V6ONLY, 0)
	} else {
		fd, err = unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
		if err != nil {
			return -1, err
		}
		sa = &unix.SockaddrInet4{Port: int(port)}
	}
	unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_REUSEADDR, 1)
	if err := unix.Bind(fd, sa); err != nil {
		unix.Close(fd)
		return -1, fmt.Errorf("extagent: cannot bind port %d: %w", port, err)
	}
	if err := unix.Listen(fd, unix.SOMAXCONN); err != nil {
		unix.Close(fd)
		return -1, err
	}
	return fd, nil
}

// Fd is the descriptor a program selects on: readable while Poll and Pop
// have work.
func (s *Server) Fd() int { return s.ep }

// Port is the TCP port the server listens on.
func (s *Server) Port() uint16 { return s.port }

// Shutdown tells every agent the server is closing, gives queued output a
// bounded time to drain, and releases every descriptor. No events follow.
func (s *Server) Shutdown() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.down {
		return syscall.EBADF
	}
	s.down = true
	var draining []*Conn
	for _, c := range s.conns {
		if c.state != stateClosing {
			c.enqueue(closePacket(wire.CloseShutdown))
		}
		if s.flush(c) == nil {
			draining = append(draining, c)
		}
	}
	drain(draining, time.Now().Add(5*time.Second))
	for _, c := range s.conns {
		discardInput(c.fd)
		unix.Close(c.fd)
		c.state = stateGone
	}
	s.conns, s.timed, s.internal, s.ready, s.cur = nil, nil, nil, nil, nil
	s.closeFDs()
	return nil
}

// drain writes what is queued on the given connections, shuts our half of
// each, and waits until each peer's kernel has acknowledged all of it, or
// until the deadline. Only then is closing the socket safe: a peer that
// still sends after the close makes the kernel reset the connection and
// drop whatever it has not transmitted yet.
func drain(conns []*Conn, deadline time.Time) {
	var pfds []unix.PollFd
	for len(conns) > 0 {
		left := conns[:0]
		for i, c := range conns {
			if pfds != nil && pfds[i].Revents&(unix.POLLERR|unix.POLLHUP) != 0 {
				continue // broken, or closed by the peer: nothing to wait for
			}
			if c.queued() {
				n, err := unix.SendmsgN(c.fd, c.out[c.off:], nil, nil, unix.MSG_NOSIGNAL|unix.MSG_DONTWAIT)
				switch {
				case err == nil:
					c.sent(n)
				case err != unix.EAGAIN && err != unix.EINTR:
					continue
				}
				if c.queued() {
					left = append(left, c)
					continue
				}
			}
			if !c.wrShut {
				unix.Shutdown(c.fd, unix.SHUT_WR)
				c.wrShut = true
			}
			if n, err := unix.IoctlGetInt(c.fd, unix.SIOCOUTQ); err == nil && n > 0 {
				left = append(left, c)
			}
		}
		conns = left
		wait := time.Until(deadline)
		if len(conns) == 0 || wait <= 0 {
			return
		}
		// Wait for room to write; acknowledgements have no poll event, so
		// look again soon while some are outstanding.
		pfds = make([]unix.PollFd, len(conns))
		for i, c := range conns {
			pfds[i] = unix.PollFd{Fd: int32(c.fd)}
			if c.queued() {
				pfds[i].Events = unix.POLLOUT
			} else {
				wait = min(wait, 5*time.Millisecond)
			}
		}
		if _, err := unix.Poll(pfds, int(wait/time.Millisecond)+1); err != nil && err != unix.EINTR {
			return
		}
	}
}

func (s *Server) closeFDs() {
	for _, fd := range []int{s.ln, s.timer, s.ep} {
		if fd >= 0 {
			unix.Close(fd)
		}
	}
	if s.note != nil {
		s.note.Close()
	}
	s.ln, s.timer, s.ep = -1, -1, -1
}

// Conns is the number of live connections, greeting ones included.
func (s *Server) Conns() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.conns)
}

func epollCtl(ep, op, fd int, key uint64, events uint32) error {
	ev := unix.EpollEvent{Events: events, Fd: int32(uint32(key)), Pad: int32(uint32(key >> 32))}
	return unix.EpollCtl(ep, op, fd, &ev)
}

func epollKey(ev *unix.EpollEvent) uint64 {
	return uint64(uint32(ev.Fd)) | uint64(uint32(ev.Pad))<<32
}

func peerName(sa unix.Sockaddr) string {
	switch a := sa.(type) {
	case *unix.SockaddrInet4:
		return netip.AddrPortFrom(netip.AddrFrom4(a.Addr), uint16(a.Port)).String()
	case *unix.SockaddrInet6:
		return netip.AddrPortFrom(netip.AddrFrom16(a.Addr).Unmap(), uint16(a.Port)).String()
	}
	return "?"
}

func logf(format string, args ...any) { netlog.Printf("extagent: "+format, args...) }
