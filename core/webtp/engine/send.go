package engine

import "netcompat/core/webtp/wire"

// sendADU is one ADU on its way out.
type sendADU struct {
	conn      *Conn
	id        uint64
	flags     byte
	data      []byte
	next      uint32 // first byte never sent
	retx      []span // lost spans of a reliable ADU, to send again
	acked     uint32 // bytes acknowledged
	inRetx    bool   // in the connection's retransmission queue
	abandoned bool
	done      bool
}

type span struct{ off, n uint32 }

func (a *sendADU) total() uint32  { return uint32(len(a.data)) }
func (a *sendADU) urgent() bool   { return a.flags&wire.ADUUrgent != 0 }
func (a *sendADU) reliable() bool { return a.flags&wire.ADUReliable != 0 }

// aduQueue is a FIFO of ADUs that reuses its backing array.
type aduQueue struct {
	items []*sendADU
	head  int
}

func (q *aduQueue) push(a *sendADU) { q.items = append(q.items, a) }
func (q *aduQueue) len() int        { return len(q.items) - q.head }
func (q *aduQueue) peek() *sendADU  { return q.items[q.head] }
func (q *aduQueue) pop() {
	q.items[q.head] = nil
	q.head++
	if q.head == len(q.items) {
		q.items, q.head = q.items[:0], 0
	} else if q.head > 1024 && q.head*2 > len(q.items) {
		n := copy(q.items, q.items[q.head:])
		clear(q.items[n:])
		q.items, q.head = q.items[:n], 0
	}
}

// sendState is the sending half of a connection. Queues are indexed by
// priority: 0 normal, 1 urgent.
type sendState struct {
	nextID    uint64
	fresh     [2]aduQueue // ADUs with bytes never sent, in the order given
	retx      [2]aduQueue // reliable ADUs with lost bytes to send again
	buffered  int         // bytes of ADUs not finished (acked or abandoned)
	pending   int         // ADUs not finished
	limit     int         // send buffer size
	credit    uint64      // the peer's CREDIT limit
	opened    uint64      // totals of begun, not abandoned ADUs
	dropped   uint64      // unreliable ADUs this side abandoned
	closeSent bool
	blockedAt uint64 // credit+1 when BLOCKED was sent for that credit
}

func prio(urgent bool) int {
	if urgent {
		return 1
	}
	return 0
}

// Send queues one whole ADU. The data is kept (not copied): the caller
// must not change it afterwards.
func (c *Conn) Send(data []byte, flags byte) error {
	switch {
	case c.state == stateClosed || c.state == stateClosing:
		if c.err != nil {
			return c.err
		}
		return ErrClosed
	case c.state == stateConnecting && c.noDup:
		// Nothing may go before the handshake; the I/O layer waits.
		return ErrWouldBlock
	case flags&^(wire.ADUReliable|wire.ADUUrgent) != 0:
		return ErrBadFlags
	case len(data) > wire.MaxADULength:
		return ErrADUTooLong
	case len(data) > c.send.limit:
		return ErrTooLarge
	case c.send.buffered > 0 && c.send.buffered+len(data) > c.send.limit:
		return ErrWouldBlock
	}
	s := &c.send
	a := &sendADU{conn: c, id: s.nextID, flags: flags, data: data}
	s.nextID++
	s.buffered += len(data)
	s.pending++
	s.fresh[prio(a.urgent())].push(a)
	c.pipe.updateBacklog(c)
	return nil
}

// Writable reports whether Send of n bytes would be taken now.
func (c *Conn) Writable(n int) bool {
	return c.send.buffered == 0 || c.send.buffered+n <= c.send.limit
}

// Buffered is the bytes of queued, unfinished ADUs.
func (c *Conn) Buffered() int { return c.send.buffered }

// SendBuffer and SetSendBuffer are the send buffer size.
func (c *Conn) SendBuffer() int { return c.send.limit }
func (c *Conn) SetSendBuffer(n int) {
	if n < 1 {
		n = 1
	}
	c.send.limit = n
}

// Abandoned counts unreliable ADUs this side gave up.
func (c *Conn) Abandoned() uint64 { return c.send.dropped }

// sendable reports whether queue pr has a fragment that may go now.
func (s *sendState) sendable(pr int) bool {
	if s.retx[pr].len() > 0 {
		return true
	}
	q := &s.fresh[pr]
	for q.len() > 0 {
		a := q.peek()
		if a.abandoned {
			q.pop()
			continue
		}
		// A new ADU needs the peer's credit for its whole length.
		return a.next > 0 || s.opened+uint64(a.total()) <= s.credit
	}
	return false
}

// fragment cuts the next fragment of priority pr that fits in room bytes
// of packet (frame header included) and appends its ADU frame to b.
func (c *Conn) fragment(b []byte, pr int, room int) ([]byte, *sendADU, uint32, uint32, bool) {
	s := &c.send
	if !s.sendable(pr) {
		return b, nil, 0, 0, false
	}
	var a *sendADU
	var off, n uint32
	ref := c.ref()
	if q := &s.retx[pr]; q.len() > 0 {
		a = q.peek()
		sp := &a.retx[0]
		off = sp.off
		hdr := wire.ADUHeaderLen(ref, a.id, uint64(a.total()), uint64(off), uint64(sp.n))
		if room <= hdr {
			return b, nil, 0, 0, false
		}
		n = min(sp.n, uint32(room-hdr))
		sp.off += n
		sp.n -= n
		if sp.n == 0 {
			a.retx = a.retx[1:]
			if len(a.retx) == 0 {
				a.retx = nil
				a.inRetx = false
				q.pop()
			}
		}
	} else {
		q := &s.fresh[pr]
		a = q.peek()
		off = a.next
		left := a.total() - off
		hdr := wire.ADUHeaderLen(ref, a.id, uint64(a.total()), uint64(off), uint64(left))
		if room < hdr || (left > 0 && room == hdr) {
			return b, nil, 0, 0, false
		}
		n = min(left, uint32(max(room-hdr, 0)))
		if off == 0 {
			s.opened += uint64(a.total())
		}
		a.next += n
		if a.next == a.total() {
			q.pop()
		}
	}
	b = wire.AppendADU(b, wire.ADU{
		Ref: ref, ID: a.id, Flags: a.flags, Total: uint64(a.total()),
		Offset: uint64(off), Data: a.data[off : off+n],
	})
	return b, a, off, n, true
}

// onAcked accounts an acknowledged fragment.
func (a *sendADU) onAcked(n uint32) {
	if a.done || a.abandoned || a.conn.state == stateClosed {
		return
	}
	a.acked += n
	if a.acked >= a.total() && a.next == a.total() {
		a.finish()
	}
}

// onLost handles a lost fragment: a reliable ADU sends the bytes again, an
// unreliable one is abandoned whole (never retransmitted).
func (a *sendADU) onLost(off, n uint32) {
	if a.done || a.abandoned {
		return
	}
	c := a.conn
	if c.state == stateClosed {
		return
	}
	if !a.reliable() {
		a.abandon()
		return
	}
	a.retx = append(a.retx, span{off, n})
	if !a.inRetx {
		a.inRetx = true
		c.send.retx[prio(a.urgent())].push(a)
	}
	c.pipe.updateBacklog(c)
}

// abandon gives up an unreliable ADU and tells the receiver.
func (a *sendADU) abandon() {
	c := a.conn
	s := &c.send
	a.abandoned = true
	if a.next > 0 {
		s.opened -= uint64(a.total())
	}
	s.dropped++
	c.pipe.queueControl(control{typ: wire.FrameAbandon, ref: c.ref(), val: a.id, conn: c})
	a.release()
}

func (a *sendADU) finish() {
	a.done = true
	a.release()
}

// release frees a finished or abandoned ADU's buffer space.
func (a *sendADU) release() {
	c := a.conn
	s := &c.send
	s.buffered -= len(a.data)
	s.pending--
	a.data = a.data[:0:0]
	a.retx = nil
	c.pipe.ep.notify(c)
	if c.state == stateClosing {
		c.pipe.maybeSendClose(c)
	}
}

// drained reports whether every ADU is finished.
func (s *sendState) drained() bool { return s.pending == 0 }
