package server

import (
	"encoding/binary"
	"fmt"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"netcompat/core/cbridge"

	"netcompat/core/extagent"
	"netcompat/core/extagent/wire"
)

// Poll starts a dispatch round: it takes one batch of readiness from the
// kernel without waiting. Pop then works through it.
//
// One batch per round keeps a dispatch call bounded: an agent that never
// stops sending cannot keep extag_dispatch from returning; what is left is
// still pending, so the descriptor stays readable.
func (s *Server) Poll() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.down {
		return syscall.EBADF
	}
	n, err := cbridge.EpollPoll(s.ep, s.readyBuf[:])
	if err != nil && err != unix.EINTR {
		return err
	}
	s.ready = s.readyBuf[:max(n, 0)]
	return nil
}

// Pop returns the next event of the round, or false when the round is
// done. A packet's data is copied into memory from alloc while the server
// is locked, so the event stays valid for as long as the caller keeps that
// memory.
func (s *Server) Pop(alloc func(n int) []byte) (Event, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.pop(alloc)
}

// PopN is Pop for up to len(dst) events at once; it returns how many it
// stored. A busy round then costs one lock rather than one per packet.
func (s *Server) PopN(dst []Event, alloc func(n int) []byte) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for n < len(dst) {
		ev, ok := s.pop(alloc)
		if !ok {
			break
		}
		dst[n] = ev
		n++
	}
	return n
}

func (s *Server) pop(alloc func(n int) []byte) (Event, bool) {
	for !s.down {
		if len(s.internal) > 0 {
			ev := s.internal[0]
			s.internal[0] = Event{}
			s.internal = s.internal[1:]
			if len(s.internal) == 0 {
				s.internal = nil
				s.note.Clear()
			}
			return ev, true
		}
		if s.cur != nil {
			if ev, ok := s.decode(alloc); ok {
				return ev, true
			}
			continue
		}
		if len(s.ready) == 0 {
			return Event{}, false
		}
		ev := s.ready[0]
		s.ready = s.ready[1:]
		s.handle(epollKey(&ev), ev.Events)
	}
	return Event{}, false
}

// handle does the I/O one epoll result asks for.
func (s *Server) handle(key uint64, events uint32) {
	switch key {
	case keyListener:
		s.accept()
		return
	case keyNotifier:
		return // the internal queue is served first; nothing to read here
	case keyTimer:
		var buf [8]byte
		unix.Read(s.timer, buf[:])
		s.expire(time.Now())
		return
	}
	c := s.conns[key]
	if c == nil {
		return // closed earlier in this round
	}
	if events&unix.EPOLLOUT != 0 && c.queued() {
		if err := s.flush(c); err != nil {
			s.lost(c, err)
			return
		}
		if c.state == stateClosing && !c.queued() {
			s.shutWrite(c) // released when the peer closes its half
		}
	}
	if events&(unix.EPOLLIN|unix.EPOLLERR|unix.EPOLLHUP) == 0 {
		return
	}
	switch c.state {
	case stateGreeting:
		s.readGreeting(c)
	case stateHeld:
		// Not reading: only an error or hang-up wakes a held connection.
		c.peerGone = true
		s.forget(c)
	case stateDelivering, stateClosing:
		n, err := recvSome(c.fd, s.rbuf)
		if err == unix.EAGAIN {
			return
		}
		if err != nil {
			s.lost(c, err)
			return
		}
		if c.state == stateDelivering {
			s.cur, s.curBuf = c, s.rbuf[:n]
		}
	}
}

// recvSome reads what is there; end of stream is an error.
func recvSome(fd int, buf []byte) (int, error) {
	for {
		n, err := cbridge.RecvNB(fd, buf)
		switch {
		case err == unix.EINTR:
			continue
		case err != nil:
			return 0, err
		case n == 0:
			return 0, errPeerClosed
		}
		return n, nil
	}
}

var errPeerClosed = syscall.ECONNRESET

// decode takes the next packet from the current read.
func (s *Server) decode(alloc func(int) []byte) (Event, bool) {
	c := s.cur
	if c.state != stateDelivering || len(s.curBuf) == 0 {
		s.cur, s.curBuf = nil, nil
		return Event{}, false
	}
	f, n, ok, err := c.dec.Next(s.curBuf)
	s.curBuf = s.curBuf[n:]
	if err != nil {
		logf("closing %s: %v", c.peer, err)
		s.abort(c, wire.CloseTooLarge)
		return Event{}, false
	}
	if !ok {
		return Event{}, false
	}
	if f.Kind == wire.KindControl {
		if f.Command == wire.CmdClose {
			s.lost(c, nil)
		} else {
			logf("closing %s: unexpected control packet %s(%d)", c.peer, f.Command, f.Arg)
			s.abort(c, wire.CloseProtocolError)
		}
		return Event{}, false
	}
	data := alloc(len(f.Data))
	copy(data, f.Data)
	return Event{Kind: Packet, Conn: c, Data: data}, true
}

// accept takes new agents off the listen queue.
func (s *Server) accept() {
	for range 256 {
		fd, sa, err := unix.Accept4(s.ln, unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC)
		switch err {
		case nil:
		case unix.EAGAIN, unix.EINTR, unix.ECONNABORTED:
			return
		case unix.EMFILE, unix.ENFILE, unix.ENOBUFS, unix.ENOMEM:
			// The connection stays queued and the listener stays readable:
			// stop watching it for a while instead of spinning.
			logf("cannot accept: %v; pausing for 100ms", err)
			epollCtl(s.ep, unix.EPOLL_CTL_MOD, s.ln, keyListener, 0)
			s.pausedU = time.Now().Add(100 * time.Millisecond)
			s.armTimer()
			return
		default:
			logf("accept: %v", err)
			return
		}
		fd = cbridge.MoveHigh(fd) // keep low numbers for the program's select()
		unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_NODELAY, 1)
		c := &Conn{id: s.nextID, fd: fd, peer: peerName(sa), state: stateGreeting}
		c.dec.Max = s.cfg.MaxPacket
		s.nextID++
		if err := s.watch(c, unix.EPOLLIN); err != nil {
			logf("cannot watch %s: %v", c.peer, err)
			unix.Close(fd)
			continue
		}
		s.conns[c.id] = c
		s.setDeadline(c, time.Now().Add(s.cfg.Handshake))
	}
}

// readGreeting reads exactly the agent's greeting, never beyond it: what
// follows stays in the kernel until the program begins delivery.
func (s *Server) readGreeting(c *Conn) {
	n, err := cbridge.RecvNB(c.fd, c.greet[c.ngreet:])
	switch {
	case err == unix.EAGAIN || err == unix.EINTR:
		return
	case err != nil || n == 0:
		logf("dropping %s: connection lost during the handshake", c.peer)
		s.release(c)
		return
	}
	c.ngreet += n
	if c.ngreet < len(c.greet) {
		return
	}
	var d wire.Decoder
	f, _, ok, err := d.Next(c.greet[:])
	version := uint16(0)
	switch {
	case err != nil:
	case !ok:
		// The length field announced a data packet longer than the octets
		// read; say so rather than judging an empty frame.
		err = fmt.Errorf("handshake: expected an open control packet, got a data packet of %d octets",
			binary.BigEndian.Uint32(c.greet[:]))
	default:
		version, err = extagent.CheckAgentGreeting(f)
	}
	if err != nil {
		logf("dropping %s: %v", c.peer, err)
		c.enqueue(closePacket(wire.CloseHandshake))
		s.flush(c)
		s.release(c)
		return
	}
	s.clearDeadline(c)
	c.state = stateHeld
	c.enqueue(extagent.Greeting(version))
	if err := s.flush(c); err != nil {
		logf("dropping %s: %v", c.peer, err)
		s.release(c)
		return
	}
	s.updateInterest(c)
	s.queue(Event{Kind: Accepted, Conn: c})
}

// expire enforces greeting and linger deadlines and resumes accepting.
func (s *Server) expire(now time.Time) {
	for c := range s.timed {
		if c.deadline.After(now) {
			continue
		}
		switch c.state {
		case stateGreeting:
			logf("dropping %s: no greeting within %v", c.peer, s.cfg.Handshake)
			// Tell the peer why, as for a bad greeting (extagent-protocol.h).
			c.enqueue(closePacket(wire.CloseHandshake))
			s.flush(c)
		case stateClosing:
			if !c.wrShut {
				logf("closing %s: output not drained within %v", c.peer, lingerTime)
			}
		}
		s.release(c)
	}
	if !s.pausedU.IsZero() && !s.pausedU.After(now) {
		s.pausedU = time.Time{}
		epollCtl(s.ep, unix.EPOLL_CTL_MOD, s.ln, keyListener, unix.EPOLLIN)
	}
	s.armTimer()
}

func (s *Server) setDeadline(c *Conn, t time.Time) {
	c.deadline = t
	s.timed[c] = struct{}{}
	s.armTimer()
}

func (s *Server) clearDeadline(c *Conn) {
	if _, ok := s.timed[c]; ok {
		delete(s.timed, c)
		c.deadline = time.Time{}
		s.armTimer() // a timer left for this deadline would wake the program for nothing
	}
}

// armTimer sets the timerfd to the earliest deadline, or disarms it.
func (s *Server) armTimer() {
	var first time.Time
	for c := range s.timed {
		if first.IsZero() || c.deadline.Before(first) {
			first = c.deadline
		}
	}
	if !s.pausedU.IsZero() && (first.IsZero() || s.pausedU.Before(first)) {
		first = s.pausedU
	}
	var spec unix.ItimerSpec
	if !first.IsZero() {
		spec.Value = unix.NsecToTimespec(max(int64(time.Until(first)), 1))
	}
	unix.TimerfdSettime(s.timer, 0, &spec, nil)
}
