package engine

import "netcompat/core/webtp/wire"

// The connection handshakes and closes (PROTOCOL.md, "Connections").

// maxConnID bounds connection ids so that a reference (id<<1 | bit) fits
// a varint.
const maxConnID = 1 << 61

// onConnect handles CONNECT from an opener.
func (p *Pipe) onConnect(h *wire.Handshake) {
	if h.ID >= maxConnID {
		return // its reference would not fit a varint
	}
	noDup := h.Flags&wire.FlagNoDup != 0
	key := connKey(h.ID, false)
	if c := p.conns[key]; c != nil {
		// A duplicate: our ACCEPT may have been lost; say it again.
		if c.state != stateClosed {
			p.queueControl(control{typ: wire.FrameAccept, handshake: wire.Handshake{ID: h.ID, Flags: h.Flags, Nonce: c.nonce}, conn: c})
		}
		return
	}
	if m, ok := p.halfOpen[h.ID]; ok {
		p.queueControl(control{typ: wire.FrameAccept, handshake: wire.Handshake{ID: h.ID, Flags: h.Flags, Nonce: m}})
		return
	}
	if h.ID <= p.maxPeerID {
		return // opened and closed before: never again on this pipe
	}
	ep := p.ep
	if !ep.listening || ep.backlogFull() {
		p.maxPeerID = h.ID
		p.queueControl(control{typ: wire.FrameClose, ref: connKey(h.ID, false), val: wire.CloseRefused})
		return
	}
	p.maxPeerID = h.ID
	m := ep.randNonce()
	if noDup {
		// No state but the nonce until CONFIRM proves the opener is live
		// and this is not a replay.
		if len(p.halfOpen) >= ep.cfg.Backlog {
			p.queueControl(control{typ: wire.FrameClose, ref: connKey(h.ID, false), val: wire.CloseRefused})
			return
		}
		p.halfOpen[h.ID] = m
		p.queueControl(control{typ: wire.FrameAccept, handshake: wire.Handshake{ID: h.ID, Flags: wire.FlagNoDup, Nonce: m}})
		return
	}
	c, err := p.newConn(h.ID, false, false, "")
	if err != nil {
		return
	}
	c.state = stateOpen
	c.nonce = m
	p.queueControl(control{typ: wire.FrameAccept, handshake: wire.Handshake{ID: h.ID, Nonce: m}, conn: c})
	ep.enqueueAccept(c)
}

// onConfirm completes a NO_DUP connection when the nonce is the one sent.
func (p *Pipe) onConfirm(h *wire.Handshake) {
	m, ok := p.halfOpen[h.ID]
	if !ok || m != h.Nonce {
		return // a replay, or the connection exists already
	}
	delete(p.halfOpen, h.ID)
	c, err := p.newConn(h.ID, false, true, "")
	if err != nil {
		return
	}
	c.state = stateOpen
	c.nonce = m
	p.ep.enqueueAccept(c)
}

// onAccept handles the acceptor's answer to our CONNECT.
func (p *Pipe) onAccept(h *wire.Handshake) {
	c := p.conns[connKey(h.ID, true)]
	if c == nil || c.state != stateConnecting {
		// A repeated ACCEPT: a lost CONFIRM is resent by loss recovery.
		return
	}
	if (h.Flags&wire.FlagNoDup != 0) != c.noDup {
		p.finish(c, ErrProtocol, true)
		return
	}
	c.state = stateOpen
	c.nonce = h.Nonce
	if c.noDup {
		p.queueControl(control{typ: wire.FrameConfirm, handshake: wire.Handshake{ID: h.ID, Nonce: h.Nonce}, conn: c})
	}
	p.updateBacklog(c)
	p.ep.notify(c)
}

// onClose handles CLOSE from the peer.
func (p *Pipe) onClose(f *wire.Close) {
	key := f.Ref ^ 1 // the sender's "I opened it" bit is ours inverted
	if c := p.conns[key]; c != nil {
		var err error
		switch f.Code {
		case wire.CloseNormal:
		case wire.CloseRefused:
			err = ErrRefused
		case wire.CloseIdle:
			err = ErrIdle
		default:
			err = ErrReset
		}
		c.recv.eof = true
		p.finish(c, err, false)
		return
	}
	if f.Ref&1 == 1 {
		// The opener gave up a NO_DUP connection before confirming.
		delete(p.halfOpen, f.Ref>>1)
	}
}

// maybeSendClose sends CLOSE once a closing connection has drained.
func (p *Pipe) maybeSendClose(c *Conn) {
	if c.state != stateClosing || c.send.closeSent || !c.send.drained() {
		return
	}
	c.send.closeSent = true
	p.queueControl(control{typ: wire.FrameClose, ref: c.ref(), val: wire.CloseNormal, conn: c})
}

// finish ends a connection: its queues are dropped, the scheduler forgets
// it and the application is told. tell sends the peer a CLOSE (code from
// err) as a last word.
func (p *Pipe) finish(c *Conn, err error, tell bool) {
	if c.state == stateClosed {
		return
	}
	if tell && !c.send.closeSent {
		code := uint64(wire.CloseNormal)
		switch err {
		case ErrIdle:
			code = wire.CloseIdle
		case ErrProtocol, ErrReset:
			code = wire.CloseProtocol
		}
		c.send.closeSent = true
		p.queueControl(control{typ: wire.FrameClose, ref: c.ref(), val: code})
	}
	c.state = stateClosed
	c.err = err
	for pr := range c.send.fresh {
		c.send.fresh[pr] = aduQueue{}
		c.send.retx[pr] = aduQueue{}
	}
	c.send.buffered, c.send.pending = 0, 0
	c.recv.partial = nil
	delete(p.conns, c.key())
	delete(p.credits, c)
	p.sched.Remove(c.key())
	p.ep.notify(c)
}
