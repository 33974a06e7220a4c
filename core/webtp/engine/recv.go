package engine

import "netcompat/core/webtp/wire"

// recvADU is an ADU being reassembled.
type recvADU struct {
	flags byte
	buf   []byte
	got   uint32
	have  []span // received byte ranges, sorted, disjoint (nil: none yet)
}

// recvState is the receiving half of a connection.
type recvState struct {
	partial map[uint64]*recvADU
	floor   uint64              // every ADU id below is finished
	done    map[uint64]struct{} // finished ids at or above floor
	ready   [2][]ADU            // complete ADUs and loss notices: normal, urgent
	window  int                 // credit granted beyond what was taken
	taken   uint64              // totals of ADUs the application received
	held    uint64              // totals of partial and ready ADUs
	granted uint64              // last CREDIT limit announced
	dropped uint64              // loss notices delivered
	eof     bool                // the peer closed
	discard bool                // the application closed: drop everything
	blocked bool                // the peer said BLOCKED at our current grant
}

// initialCredit is the credit every connection starts with (PROTOCOL.md):
// one largest ADU plus room for small ones.
const initialCredit = wire.MaxADULength + 1 + 64<<10

func (r *recvState) init(window int) {
	r.partial = make(map[uint64]*recvADU)
	r.done = make(map[uint64]struct{})
	r.window = window
	r.granted = initialCredit
}

func (r *recvState) finished(id uint64) bool {
	if id < r.floor {
		return true
	}
	_, ok := r.done[id]
	return ok
}

func (r *recvState) markDone(id uint64) {
	if id != r.floor {
		r.done[id] = struct{}{}
		return
	}
	r.floor++
	for {
		if _, ok := r.done[r.floor]; !ok {
			return
		}
		delete(r.done, r.floor)
		r.floor++
	}
}

// onADU takes one ADU frame. It returns false when the peer broke the
// protocol (more data outstanding than any credit allows).
func (c *Conn) onADU(f *wire.ADU) bool {
	r := &c.recv
	if r.finished(f.ID) {
		return true // a duplicate: already delivered or abandoned
	}
	total := uint32(f.Total)
	a := r.partial[f.ID]
	if a == nil {
		// Outstanding data is bounded by the credit granted; allow one
		// largest ADU of slack for CREDIT and ABANDON frames in flight.
		if r.held+f.Total > r.granted-r.taken+initialCredit {
			return false
		}
		if f.Offset == 0 && len(f.Data) == int(total) {
			// The common case: the whole ADU in one frame.
			r.markDone(f.ID)
			c.deliver(ADU{Data: append([]byte(nil), f.Data...), Flags: f.Flags})
			return true
		}
		a = &recvADU{flags: f.Flags, buf: make([]byte, total)}
		r.partial[f.ID] = a
		r.held += f.Total
	} else if a.flags != f.Flags || int(total) != len(a.buf) {
		return true // inconsistent with its first fragment: ignore it
	}
	a.add(uint32(f.Offset), f.Data)
	if a.got == total {
		delete(r.partial, f.ID)
		r.held -= f.Total
		r.markDone(f.ID)
		c.deliver(ADU{Data: a.buf, Flags: a.flags})
	}
	return true
}

// add copies the bytes of a fragment that are not there yet.
func (a *recvADU) add(off uint32, data []byte) {
	end := off + uint32(len(data))
	// Walk the sorted ranges, filling the holes between them.
	var out []span
	pos := off
	for _, s := range a.have {
		if s.off+s.n <= pos || pos >= end {
			continue
		}
		if s.off > pos {
			hole := min(s.off, end)
			copy(a.buf[pos:hole], data[pos-off:hole-off])
			a.got += hole - pos
		}
		pos = max(pos, s.off+s.n)
	}
	if pos < end {
		copy(a.buf[pos:end], data[pos-off:])
		a.got += end - pos
	}
	// Merge [off, end) into the ranges.
	merged := span{off, end - off}
	for _, s := range a.have {
		if s.off+s.n < merged.off || s.off > merged.off+merged.n {
			out = append(out, s)
			continue
		}
		lo := min(s.off, merged.off)
		hi := max(s.off+s.n, merged.off+merged.n)
		merged = span{lo, hi - lo}
	}
	i := 0
	for i < len(out) && out[i].off < merged.off {
		i++
	}
	out = append(out, span{})
	copy(out[i+1:], out[i:])
	out[i] = merged
	a.have = out
}

// onAbandon drops an unreliable ADU the sender gave up and queues the loss
// notice.
func (c *Conn) onAbandon(id uint64) {
	r := &c.recv
	if r.finished(id) {
		return
	}
	if a := r.partial[id]; a != nil {
		delete(r.partial, id)
		r.held -= uint64(len(a.buf))
	}
	r.markDone(id)
	r.dropped++
	c.deliver(ADU{Lost: true})
}

// deliver queues a complete ADU or loss notice for the application; an
// urgent ADU goes ahead of normal ones.
func (c *Conn) deliver(a ADU) {
	r := &c.recv
	if r.discard {
		r.taken += uint64(len(a.Data))
		c.pipe.maybeCredit(c)
		return
	}
	r.held += uint64(len(a.Data))
	pr := prio(a.Flags&wire.ADUUrgent != 0)
	r.ready[pr] = append(r.ready[pr], a)
	c.pipe.ep.notify(c)
}

// Receive takes the next ADU or loss notice, urgent ones first. ok is
// false when none is ready.
func (c *Conn) Receive() (a ADU, ok bool) {
	r := &c.recv
	for pr := 1; pr >= 0; pr-- {
		q := r.ready[pr]
		if len(q) == 0 {
			continue
		}
		a = q[0]
		q[0] = ADU{}
		if len(q) == 1 {
			r.ready[pr] = q[:0]
		} else {
			r.ready[pr] = q[1:]
		}
		n := uint64(len(a.Data))
		r.held -= n
		r.taken += n
		c.pipe.maybeCredit(c)
		return a, true
	}
	return ADU{}, false
}

// Readable reports whether Receive has something, or the stream ended.
func (c *Conn) Readable() bool {
	return len(c.recv.ready[0])+len(c.recv.ready[1]) > 0
}

// EOF reports whether the peer closed and everything was received.
func (c *Conn) EOF() bool {
	return !c.Readable() && (c.recv.eof || c.state == stateClosed)
}

// Dropped counts loss notices: unreliable ADUs the peer sent that were
// dropped.
func (c *Conn) Dropped() uint64 { return c.recv.dropped }

// ReceiveWindow and SetReceiveWindow are the credit granted beyond what the
// application has taken.
func (c *Conn) ReceiveWindow() int { return c.recv.window }
func (c *Conn) SetReceiveWindow(n int) {
	if n < wire.MaxPacketSize {
		n = wire.MaxPacketSize
	}
	c.recv.window = n
	c.pipe.maybeCredit(c)
}

// limit is the credit limit the receiver grants now: what the
// application took plus the window, and one largest ADU more whenever
// nothing is held, so an ADU larger than the window still goes.
func (r *recvState) limit() uint64 {
	l := max(r.granted, r.taken+uint64(r.window))
	if r.held == 0 && len(r.partial) == 0 {
		l = max(l, r.taken+initialCredit)
	}
	return l
}

// discard switches the receiving half off when the application closed:
// what is queued or arrives later is dropped (and its credit returned).
func (r *recvState) discardAll() {
	r.discard = true
	for pr := range r.ready {
		for _, a := range r.ready[pr] {
			r.taken += uint64(len(a.Data))
			r.held -= uint64(len(a.Data))
		}
		r.ready[pr] = nil
	}
}
