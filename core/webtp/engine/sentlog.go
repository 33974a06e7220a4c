package engine

import "netcompat/core/webtp/wire"

// frameKind says how to handle a sent frame when its packet is
// acknowledged or lost.
type frameKind uint8

const (
	kindADU frameKind = iota + 1
	kindControl
	kindPing
)

// sentFrame is what a sent packet carried that matters on ack or loss.
type sentFrame struct {
	kind frameKind
	adu  *sendADU // kindADU
	off  uint32   // kindADU: fragment start
	n    uint32   // kindADU: fragment length
	ctl  control  // kindControl
}

// sentPacket records one packet in flight.
type sentPacket struct {
	pn     uint64
	frames []sentFrame // reused across packets
	live   bool
}

// sentLog holds the records of the packets in flight in a ring indexed by
// packet number: numbers are consecutive, and packets leave roughly in
// order, so the ring stays as large as the window and never allocates
// once grown.
type sentLog struct {
	ring  []sentPacket
	first uint64 // packet number at ring[head]
	head  int
	count int // records from first on (live or already retired)
}

func (l *sentLog) slot(pn uint64) *sentPacket {
	if l.count == 0 || pn < l.first || pn >= l.first+uint64(l.count) {
		return nil
	}
	i := (l.head + int(pn-l.first)) % len(l.ring)
	return &l.ring[i]
}

// add starts the record of packet pn, which must follow the last one.
func (l *sentLog) add(pn uint64) *sentPacket {
	if l.count == len(l.ring) {
		l.grow()
	}
	if l.count == 0 {
		l.first = pn
	}
	i := (l.head + l.count) % len(l.ring)
	l.count++
	p := &l.ring[i]
	p.pn, p.frames, p.live = pn, p.frames[:0], true
	return p
}

func (l *sentLog) grow() {
	n := 2 * len(l.ring)
	if n == 0 {
		n = 64
	}
	ring := make([]sentPacket, n)
	for i := 0; i < l.count; i++ {
		ring[i] = l.ring[(l.head+i)%len(l.ring)]
	}
	l.ring, l.head = ring, 0
}

// take retires pn's record and returns it (nil if unknown or retired).
// The frames slice stays valid until the next add.
func (l *sentLog) take(pn uint64) *sentPacket {
	p := l.slot(pn)
	if p == nil || !p.live {
		return nil
	}
	p.live = false
	// Drop retired records from the front.
	for l.count > 0 && !l.ring[l.head].live {
		l.head = (l.head + 1) % len(l.ring)
		l.first++
		l.count--
	}
	return p
}

// control is a frame that is sent again, as it stood, when lost.
type control struct {
	typ       wire.FrameType
	handshake wire.Handshake // CONNECT, ACCEPT, CONFIRM
	ref       uint64         // CLOSE, ABANDON, CREDIT
	val       uint64         // CLOSE code, ABANDON ADU id
	conn      *Conn          // the connection it belongs to, if any
}
