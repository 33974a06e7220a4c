package engine

import (
	"errors"
	"net/netip"
	"time"
)

// Errors of Conn methods; the I/O layer maps them to its own.
var (
	ErrClosed       = errors.New("webtp: connection closed")
	ErrWouldBlock   = errors.New("webtp: send buffer full")
	ErrTooLarge     = errors.New("webtp: ADU larger than the send buffer")
	ErrADUTooLong   = errors.New("webtp: ADU longer than 2^24-1 bytes")
	ErrRefused      = errors.New("webtp: connection refused")
	ErrReset        = errors.New("webtp: connection reset by peer")
	ErrIdle         = errors.New("webtp: idle timeout")
	ErrProtocol     = errors.New("webtp: protocol violation by peer")
	ErrNoListener   = errors.New("webtp: endpoint is not listening")
	ErrBadFlags     = errors.New("webtp: invalid ADU flags")
	ErrUnknownClass = errors.New("webtp: unknown traffic class")
)

// connState is where a connection is in its life.
type connState uint8

const (
	stateConnecting connState = iota // opener: CONNECT sent, no ACCEPT yet
	stateOpen
	stateClosing // application closed; draining reliable data, then CLOSE
	stateClosed  // finished; kept only until the application lets go
)

// ADU is a received ADU or a loss notice (Lost, no data).
type ADU struct {
	Data  []byte
	Flags byte // wire.ADUReliable, wire.ADUUrgent
	Lost  bool
}

// Conn is one WebTP connection: a handle on its pipe plus the per-ADU
// state of each direction.
type Conn struct {
	pipe   *Pipe
	id     uint64 // chosen by the opener
	opener bool   // this side opened it
	noDup  bool
	state  connState
	err    error // why it closed, nil for a normal close by either side
	class  string

	// Opener side of the handshake: the acceptor's nonce to CONFIRM.
	nonce uint64

	send sendState
	recv recvState

	// User is free for the I/O layer (its wrapper object).
	User any
}

// key is the connection's index in its pipe: id<<1 | (this side opened).
func (c *Conn) key() uint64 { return connKey(c.id, c.opener) }

// ref is the reference this side puts in frames: id<<1 | (sender opened).
func (c *Conn) ref() uint64 { return c.key() }

func connKey(id uint64, opener bool) uint64 {
	k := id << 1
	if opener {
		k |= 1
	}
	return k
}

// Remote is the peer endpoint's address.
func (c *Conn) Remote() netip.AddrPort { return c.pipe.remote }

// NoDup reports whether the connection is SOCK_ADU_NO_DUP.
func (c *Conn) NoDup() bool { return c.noDup }

// Open reports whether the handshake finished and the connection is not
// closed.
func (c *Conn) Open() bool { return c.state == stateOpen }

// Connecting reports whether the opener still waits for ACCEPT.
func (c *Conn) Connecting() bool { return c.state == stateConnecting }

// Finished reports whether the connection is over (closed by either side,
// refused, reset or timed out) and Err says why (nil: a normal close).
func (c *Conn) Finished() bool { return c.state == stateClosed }

// Err is why a finished connection ended; nil for a normal close.
func (c *Conn) Err() error { return c.err }

// Class is the connection's traffic class.
func (c *Conn) Class() string { return c.class }

// SetClass moves the connection to another traffic class of its pipe.
func (c *Conn) SetClass(name string) error {
	if err := c.pipe.sched.SetClass(c.key(), name); err != nil {
		return ErrUnknownClass
	}
	c.class = name
	return nil
}

// SetRate reserves a constant sending rate (bits/s; 0 releases it).
func (c *Conn) SetRate(bps float64) error {
	p := c.pipe
	return p.sched.Reserve(c.key(), bps, p.capacity(), p.ep.now)
}

// Rate is the reserved rate, else the share of the pipe the connection can
// currently expect, in bits/s.
func (c *Conn) Rate() float64 { return c.pipe.sched.Share(c.key(), c.pipe.rate()) }

// Reserved is the reserved rate in bits/s (0: none).
func (c *Conn) Reserved() float64 { return c.pipe.sched.Reserved(c.key()) }

// SRTT is the pipe's smoothed round-trip time.
func (c *Conn) SRTT() time.Duration { return c.pipe.rec.SRTT() }

// Close starts the graceful close: queued ADUs are still sent, reliable
// ones until acknowledged, then CLOSE. Receiving stops at once.
func (c *Conn) Close() {
	switch c.state {
	case stateConnecting:
		c.pipe.finish(c, nil, true)
	case stateOpen:
		c.state = stateClosing
		c.recv.discardAll()
		c.pipe.maybeSendClose(c)
	}
}

// Reset ends the connection at once as a protocol error would: queued
// data is discarded and the peer is sent CLOSE with code 3, which it
// reports as a reset.
func (c *Conn) Reset() {
	if c.state != stateClosed {
		c.pipe.finish(c, ErrReset, true)
	}
}

// Abort ends the connection at once, discarding queued data; the peer is
// sent CLOSE.
func (c *Conn) Abort() {
	if c.state != stateClosed {
		c.pipe.finish(c, nil, true)
	}
}

// Pipe is the connection's pipe (for diagnostics).
func (c *Conn) Pipe() *Pipe { return c.pipe }
