package server

import (
	"encoding/binary"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"netcompat/core/cbridge"
	"netcompat/core/extagent/wire"
)

func closePacket(reason uint16) []byte {
	return wire.AppendControl(nil, wire.CmdClose, reason)
}

// Send queues one data packet and writes as much as the socket takes now.
// It never blocks; the rest goes out in later rounds, in order.
func (s *Server) Send(c *Conn, data []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.usable(c); err != nil {
		return err
	}
	if err := s.cfg.CheckOutgoing(len(data)); err != nil {
		return err
	}
	var hdr [wire.HeaderLen]byte
	binary.BigEndian.PutUint32(hdr[:], uint32(len(data)))
	if c.queued() {
		c.enqueue(hdr[:], data)
		return nil // EPOLLOUT is already requested
	}
	// Nothing queued: write straight from the caller's memory.
	n, err := cbridge.SendNB(c.fd, hdr[:], data)
	switch err {
	case nil:
	case unix.EAGAIN, unix.EINTR:
		n = 0
	default:
		s.lost(c, err)
		return err
	}
	if n < len(hdr) {
		c.enqueue(hdr[n:], data)
	} else if n-len(hdr) < len(data) {
		c.enqueue(data[n-len(hdr):])
	}
	s.updateInterest(c)
	return nil
}

// BeginDelivery lets a held connection's packets flow.
func (s *Server) BeginDelivery(c *Conn) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.usable(c); err != nil {
		return err
	}
	if c.state == stateHeld {
		c.state = stateDelivering
		if c.peerGone {
			// The peer went away while held, but what it sent before is
			// still in the kernel and must be delivered: watch the socket
			// again; the end of the stream then closes the connection.
			// Output can no longer reach the peer.
			c.out, c.off = c.out[:0], 0
			if err := s.watch(c, unix.EPOLLIN); err != nil {
				s.release(c)
			}
			return nil
		}
		s.updateInterest(c)
	}
	return nil
}

// Close closes a connection: a Close control packet follows what is queued,
// and the Closed event comes in the next round.
func (s *Server) Close(c *Conn) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.usable(c); err != nil {
		return err
	}
	if c.peerGone {
		s.release(c)
		return nil
	}
	c.enqueue(closePacket(wire.CloseNormal))
	s.linger(c)
	return nil
}

// linger closes c gracefully: what is queued, the Close packet last, is
// written, then our half of the connection is shut, and the descriptor is
// released once the peer has closed its half or lingerTime has passed.
// Meanwhile input is read and dropped. Closing the socket at once instead
// would be unsafe: with input pending, or arriving later, the kernel resets
// the connection and drops what it has not transmitted yet, the Close
// packet included.
func (s *Server) linger(c *Conn) {
	if err := s.flush(c); err != nil || !c.watched {
		s.release(c) // broken, or no longer watched (its peer is gone)
		return
	}
	s.queueClosed(c)
	c.state = stateClosing
	s.setDeadline(c, time.Now().Add(lingerTime))
	if !c.queued() {
		s.shutWrite(c)
	}
	s.updateInterest(c)
}

// shutWrite ends our half of a closing connection once all its output is
// in the kernel.
func (s *Server) shutWrite(c *Conn) {
	if !c.wrShut {
		unix.Shutdown(c.fd, unix.SHUT_WR)
		c.wrShut = true
	}
}

// usable checks that c may be used by the program.
func (s *Server) usable(c *Conn) error {
	switch {
	case s.down:
		return cbridge.Errorf(syscall.EBADF, "extagent: server is shut down")
	case c == nil:
		return cbridge.Errorf(syscall.EINVAL, "extagent: no connection")
	case c.state == stateHeld || c.state == stateDelivering:
		return nil
	}
	return cbridge.Errorf(syscall.ENOTCONN, "extagent: connection is closed")
}

// flush writes queued output until the socket is full.
func (s *Server) flush(c *Conn) error {
	for c.queued() {
		n, err := cbridge.SendNB(c.fd, c.out[c.off:])
		if err == unix.EINTR {
			continue
		}
		if err == unix.EAGAIN {
			break
		}
		if err != nil {
			return err
		}
		c.sent(n)
	}
	s.updateInterest(c)
	return nil
}

func (s *Server) watch(c *Conn, events uint32) error {
	if err := epollCtl(s.ep, unix.EPOLL_CTL_ADD, c.fd, c.id, events); err != nil {
		return err
	}
	c.watched, c.interest = true, events
	return nil
}

// forget stops watching c; used for a held connection whose peer is gone,
// which would otherwise keep reporting its hang-up.
func (s *Server) forget(c *Conn) {
	if c.watched {
		unix.EpollCtl(s.ep, unix.EPOLL_CTL_DEL, c.fd, nil)
		c.watched = false
	}
}

// updateInterest asks epoll for what the connection's state needs.
func (s *Server) updateInterest(c *Conn) {
	if !c.watched {
		return
	}
	var want uint32
	if c.state != stateHeld {
		want = unix.EPOLLIN
	}
	if c.queued() {
		want |= unix.EPOLLOUT
	}
	if want != c.interest {
		epollCtl(s.ep, unix.EPOLL_CTL_MOD, c.fd, c.id, want)
		c.interest = want
	}
}

// queue adds an event made by a call rather than by I/O and makes the
// descriptor readable for it.
func (s *Server) queue(ev Event) {
	if len(s.internal) == 0 {
		s.note.Signal()
	}
	s.internal = append(s.internal, ev)
}

// queueClosed queues the Closed event of a connection the program knows,
// once.
func (s *Server) queueClosed(c *Conn) {
	if c.closeEvt || c.state == stateGreeting || c.state == stateGone {
		return
	}
	c.closeEvt = true
	s.queue(Event{Kind: Closed, Conn: c})
}

// lost handles the end of a connection from the peer's side (err == nil
// for an orderly Close control packet).
func (s *Server) lost(c *Conn, err error) {
	if c.state == stateHeld {
		// The program hears of it once it begins delivery.
		c.peerGone = true
		s.forget(c)
		return
	}
	if err != nil && err != errPeerClosed && c.state != stateGreeting {
		logf("connection %s lost: %v", c.peer, err)
	}
	s.release(c)
}

// abort closes a connection whose peer broke the protocol, telling it why.
// What was queued for the peer goes first: it may be half written, and
// dropping the rest would make the peer read the Close packet as data.
func (s *Server) abort(c *Conn, reason uint16) {
	c.enqueue(closePacket(reason))
	s.linger(c)
}

// discardInput drops what input is pending on fd, so that closing it sends
// the peer an orderly end of stream rather than a reset (which would also
// make the kernel drop output not transmitted yet). With MSG_TRUNC, TCP
// discards without copying, so no buffer is needed. A peer that sends
// without end is not followed for long.
func discardInput(fd int) {
	for range 64 {
		n, _, errno := unix.Syscall6(unix.SYS_RECVFROM, uintptr(fd), 0, 1<<30, unix.MSG_TRUNC|unix.MSG_DONTWAIT, 0, 0)
		if errno == unix.EINTR {
			continue
		}
		if errno != 0 || n == 0 {
			return
		}
	}
}

// release closes the descriptor and forgets the connection.
func (s *Server) release(c *Conn) {
	if c.state == stateGone {
		return
	}
	s.queueClosed(c)
	s.forget(c)
	discardInput(c.fd)
	unix.Close(c.fd)
	delete(s.conns, c.id)
	s.clearDeadline(c)
	if s.cur == c {
		s.cur, s.curBuf = nil, nil
	}
	c.state = stateGone
	c.out, c.off = nil, 0
}
