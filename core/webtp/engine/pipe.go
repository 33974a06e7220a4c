package engine

import (
	"net/netip"
	"time"

	"netcompat/core/webtp/recovery"
	"netcompat/core/webtp/sched"
	"netcompat/core/webtp/wire"
)

// Pipe is everything one endpoint shares with one remote endpoint: packet
// numbers, acknowledgements, loss recovery, the congestion controller,
// the scheduler and the connections multiplexed over them.
type Pipe struct {
	ep      *Endpoint
	remote  netip.AddrPort
	tag     uint32 // ours, in every packet's source tag
	peerTag uint32 // theirs, 0 until heard

	nextPN uint64
	rec    *recovery.Sender
	acks   *recovery.AckTracker
	sched  *sched.Scheduler
	log    sentLog

	conns     map[uint64]*Conn  // by key: id<<1 | (we opened)
	nextID    uint64            // next id for a connection we open
	maxPeerID uint64            // highest id the peer opened (ids only grow)
	halfOpen  map[uint64]uint64 // NO_DUP: id -> our ACCEPT nonce, until CONFIRM

	controls []control // frames waiting to go out
	credits  map[*Conn]struct{}
	probes   int // PTO probes owed

	lastRecv time.Time // last packet accepted from the peer
	lastSend time.Time // last ack-eliciting packet sent
	created  time.Time

	ackFrame wire.Ack
	ackedFn  func(pn uint64)
	lostFn   func(pn uint64)
	dead     bool
	active   bool // in the endpoint's list of pipes that may send
}

func newPipe(ep *Endpoint, remote netip.AddrPort, now time.Time) *Pipe {
	p := &Pipe{
		ep:       ep,
		remote:   remote,
		tag:      ep.randTag(),
		nextPN:   1,
		rec:      recovery.NewSender(recovery.Config{}),
		acks:     recovery.NewAckTracker(),
		sched:    sched.New(ep.cfg.Classes, ep.cfg.MinNormalShare),
		conns:    make(map[uint64]*Conn),
		nextID:   1,
		halfOpen: make(map[uint64]uint64),
		credits:  make(map[*Conn]struct{}),
		lastRecv: now,
		created:  now,
	}
	p.ackedFn = p.onAcked
	p.lostFn = p.onLost
	return p
}

// capacity is what the pipe can carry, in bits/s, for rate admission: the
// highest delivery rate measured, or the window's rate if that is more
// (before much traffic the delivery rate only knows the handshake).
func (p *Pipe) capacity() float64 {
	return max(8*p.rec.DeliveryRate(), p.rate())
}

// rate is the pipe's current sending rate in bits/s (window per RTT).
func (p *Pipe) rate() float64 {
	srtt := p.rec.SRTT()
	if srtt <= 0 {
		return 0
	}
	return 8 * float64(p.rec.CongestionWindow()) / srtt.Seconds()
}

// SRTT is the pipe's smoothed round-trip time.
func (p *Pipe) SRTT() time.Duration { return p.rec.SRTT() }

// newConn registers a connection on the pipe.
func (p *Pipe) newConn(id uint64, opener, noDup bool, class string) (*Conn, error) {
	if class == "" {
		class = p.ep.cfg.Classes.Default()
	}
	c := &Conn{pipe: p, id: id, opener: opener, noDup: noDup, class: class}
	if err := p.sched.Add(c.key(), class); err != nil {
		return nil, ErrUnknownClass
	}
	c.send.limit = p.ep.cfg.SendBuffer
	c.send.credit = initialCredit
	c.recv.init(p.ep.cfg.ReceiveWindow)
	p.conns[c.key()] = c
	return c, nil
}

// updateBacklog tells the scheduler what c has to send.
func (p *Pipe) updateBacklog(c *Conn) {
	ok := c.state == stateOpen || c.state == stateClosing || (c.state == stateConnecting && !c.noDup)
	p.sched.SetBacklog(c.key(), ok && c.send.sendable(1), ok && c.send.sendable(0))
	if ok {
		p.maybeBlocked(c)
	}
	p.ep.markActive(p)
}

// queueControl queues a frame for the next packet.
func (p *Pipe) queueControl(ctl control) {
	p.controls = append(p.controls, ctl)
	p.ep.markActive(p)
}

// maybeCredit queues a CREDIT frame when the application freed enough.
func (p *Pipe) maybeCredit(c *Conn) {
	r := &c.recv
	if c.state == stateClosed {
		return
	}
	l := r.limit()
	if l >= r.granted+uint64(r.window)/8 || (l > r.granted && (r.blocked || r.window < 64<<10)) {
		if _, ok := p.credits[c]; !ok {
			p.credits[c] = struct{}{}
			p.ep.markActive(p)
		}
	}
}

// onAcked handles one newly acknowledged packet.
func (p *Pipe) onAcked(pn uint64) {
	sp := p.log.take(pn)
	if sp == nil {
		return
	}
	for i := range sp.frames {
		f := &sp.frames[i]
		switch f.kind {
		case kindADU:
			f.adu.onAcked(f.n)
		case kindControl:
			if f.ctl.typ == wire.FrameClose && f.ctl.conn != nil && f.ctl.conn.state == stateClosing {
				p.finish(f.ctl.conn, nil, false)
			}
		}
		f.adu, f.ctl.conn = nil, nil
	}
}

// onLost handles one packet declared lost.
func (p *Pipe) onLost(pn uint64) {
	sp := p.log.take(pn)
	if sp == nil {
		return
	}
	for i := range sp.frames {
		f := &sp.frames[i]
		switch f.kind {
		case kindADU:
			f.adu.onLost(f.off, f.n)
		case kindControl:
			p.resend(f.ctl)
		}
		f.adu, f.ctl.conn = nil, nil
	}
}

// resend queues a lost control frame again unless it became pointless.
func (p *Pipe) resend(ctl control) {
	c := ctl.conn
	switch ctl.typ {
	case wire.FrameCredit:
		if c != nil && c.state != stateClosed {
			p.credits[c] = struct{}{}
			p.ep.markActive(p)
		}
		return
	case wire.FrameAbandon:
		if c == nil || c.state == stateClosed {
			return
		}
	case wire.FrameBlocked:
		if c == nil || c.state == stateClosed || c.send.credit > ctl.val {
			return // credit came meanwhile
		}
	case wire.FrameConfirm, wire.FrameConnect:
		if c == nil || c.state == stateClosed {
			return
		}
	case wire.FrameAccept:
		// Still wanted while the connection (or half-open entry) lives.
		if c != nil && c.state == stateClosed {
			return
		}
		if c == nil {
			if _, ok := p.halfOpen[ctl.handshake.ID]; !ok {
				return
			}
		}
	case wire.FrameClose:
		if c != nil && c.state != stateClosing {
			return
		}
	}
	p.queueControl(ctl)
}

// idle reports whether the pipe has nothing left to do and may go.
func (p *Pipe) idle() bool {
	return len(p.conns) == 0 && len(p.halfOpen) == 0 && len(p.controls) == 0 && p.rec.BytesInFlight() == 0
}

// maybeBlocked sends BLOCKED once per credit value when the next new ADU
// waits for credit, so a receiver that holds nothing knows to grant more.
func (p *Pipe) maybeBlocked(c *Conn) {
	s := &c.send
	if s.blockedAt == s.credit+1 {
		return
	}
	for pr := range s.fresh {
		q := &s.fresh[pr]
		if q.len() == 0 {
			continue
		}
		if a := q.peek(); !a.abandoned && a.next == 0 && s.opened+uint64(a.total()) > s.credit {
			s.blockedAt = s.credit + 1
			p.queueControl(control{typ: wire.FrameBlocked, ref: c.ref(), val: s.credit, conn: c})
			return
		}
	}
}
