package engine

import (
	"time"

	"netcompat/core/webtp/wire"
)

// minFrameRoom is the least space worth offering the scheduler: a frame
// header and a few bytes of data.
const minFrameRoom = 24

// build writes the pipe's next packet into buf (cap ≥ wire.MaxPacketSize)
// and returns its length, or 0 when the pipe has nothing it may send now.
func (p *Pipe) build(now time.Time, buf []byte) int {
	ackDue := p.acks.AckNow() || (!p.acks.Deadline().IsZero() && !now.Before(p.acks.Deadline()))
	allow, _ := p.rec.SendAllowance(now)
	probe := p.probes > 0
	mayData := allow > 0 || probe
	hasWork := len(p.controls) > 0 || len(p.credits) > 0 || p.sched.Ready(now) || probe
	if !ackDue && !(mayData && hasWork) {
		return 0
	}

	b := wire.AppendHeader(buf[:0], wire.Header{SrcTag: p.tag, DstTag: p.peerTag, Number: p.nextPN})
	limit := wire.MaxPacketSize
	sp := p.log.add(p.nextPN)
	eliciting := false

	if ackDue || (mayData && hasWork && !p.acks.Deadline().IsZero()) {
		if p.acks.Frame(now, &p.ackFrame) {
			b = wire.AppendAck(b, p.ackFrame)
		}
	}
	if mayData {
		b, eliciting = p.appendControls(b, limit, sp)
		for limit-len(b) >= minFrameRoom {
			flow, urgent, ok := p.sched.Next(now)
			if !ok {
				break
			}
			c := p.conns[flow]
			if c == nil {
				p.sched.Remove(flow)
				continue
			}
			pr := prio(urgent)
			before := len(b)
			var a *sendADU
			var off, n uint32
			b, a, off, n, ok = c.fragment(b, pr, limit-len(b))
			p.updateBacklog(c)
			if !ok {
				if len(b) == before && !c.send.sendable(pr) {
					continue // the scheduler's view was stale
				}
				break // does not fit: next packet
			}
			sp.frames = append(sp.frames, sentFrame{kind: kindADU, adu: a, off: off, n: n})
			p.sched.Sent(flow, urgent, len(b)-before, now)
			eliciting = true
		}
		if probe && !eliciting {
			b = wire.AppendPing(b)
			sp.frames = append(sp.frames, sentFrame{kind: kindPing})
			eliciting = true
		}
		if probe {
			p.probes--
		}
	}
	if len(b) == wire.HeaderLen(wire.Header{SrcTag: p.tag, DstTag: p.peerTag, Number: p.nextPN}) {
		// Nothing fitted after all (an ACK was due but empty): undo.
		p.log.take(p.nextPN)
		return 0
	}
	if !eliciting {
		// ACK-only packets are not tracked: never acknowledged, never lost.
		p.log.take(p.nextPN)
	} else {
		p.lastSend = now
	}
	p.rec.OnPacketSent(p.nextPN, now, len(b), eliciting)
	p.nextPN++
	return len(b)
}

// appendControls adds queued control frames and credits that fit.
func (p *Pipe) appendControls(b []byte, limit int, sp *sentPacket) ([]byte, bool) {
	eliciting := false
	kept := p.controls[:0]
	for _, ctl := range p.controls {
		if n := controlLen(ctl); len(b)+n > limit {
			kept = append(kept, ctl)
			continue
		}
		b = appendControl(b, ctl)
		sp.frames = append(sp.frames, sentFrame{kind: kindControl, ctl: ctl})
		eliciting = true
	}
	clear(p.controls[len(kept):])
	p.controls = kept
	for c := range p.credits {
		f := wire.Credit{Ref: c.ref(), Limit: c.recv.limit()}
		if len(b)+wire.CreditLen(f) > limit {
			break
		}
		b = wire.AppendCredit(b, f)
		c.recv.granted = f.Limit
		c.recv.blocked = false
		sp.frames = append(sp.frames, sentFrame{kind: kindControl, ctl: control{typ: wire.FrameCredit, ref: f.Ref, conn: c}})
		delete(p.credits, c)
		eliciting = true
	}
	return b, eliciting
}

func controlLen(ctl control) int {
	switch ctl.typ {
	case wire.FrameConnect, wire.FrameAccept, wire.FrameConfirm:
		return wire.HandshakeLen(ctl.typ, ctl.handshake)
	case wire.FrameClose:
		return wire.CloseLen(wire.Close{Ref: ctl.ref, Code: ctl.val})
	case wire.FrameAbandon:
		return wire.AbandonLen(wire.Abandon{Ref: ctl.ref, ID: ctl.val})
	case wire.FrameBlocked:
		return wire.CreditLen(wire.Credit{Ref: ctl.ref, Limit: ctl.val})
	}
	return 0
}

func appendControl(b []byte, ctl control) []byte {
	switch ctl.typ {
	case wire.FrameConnect:
		return wire.AppendConnect(b, ctl.handshake)
	case wire.FrameAccept:
		return wire.AppendAccept(b, ctl.handshake)
	case wire.FrameConfirm:
		return wire.AppendConfirm(b, ctl.handshake)
	case wire.FrameClose:
		return wire.AppendClose(b, wire.Close{Ref: ctl.ref, Code: ctl.val})
	case wire.FrameAbandon:
		return wire.AppendAbandon(b, wire.Abandon{Ref: ctl.ref, ID: ctl.val})
	case wire.FrameBlocked:
		return wire.AppendBlocked(b, wire.Credit{Ref: ctl.ref, Limit: ctl.val})
	}
	return b
}
