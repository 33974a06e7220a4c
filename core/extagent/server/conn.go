package server

import (
	"time"

	"netcompat/core/extagent/wire"
)

// connState is where a connection is in its life.
//
//	greeting ──greeted──▶ held ──BeginDelivery──▶ delivering
//	    │                  │                          │
//	    └─ bad greeting    └──────── Close / peer gone ┴──▶ closing ──▶ gone
//	       or timeout: dropped, never seen by the program
type connState uint8

const (
	stateGreeting   connState = iota // waiting for the agent's Open
	stateHeld                        // accepted; packets held back until BeginDelivery
	stateDelivering                  // packets flow to the program
	stateClosing                     // closed locally; flushing what is queued, then awaiting the peer's end
	stateGone                        // descriptor released
)

// Conn is one agent connection as the domain sees it.
type Conn struct {
	// Ref is an opaque value for the layer above (the C pointer handed out
	// as ExtagConnection *).
	Ref any

	id       uint64 // epoll key; never reused, unlike descriptor numbers
	fd       int
	peer     string
	state    connState
	greet    [wire.ControlPacketLen]byte
	ngreet   int
	dec      wire.Decoder
	out      []byte // queued output, written from off on
	off      int
	watched  bool   // registered with epoll
	interest uint32 // epoll events currently requested
	deadline time.Time
	peerGone bool // a held connection whose peer went away
	wrShut   bool // closing: all output is in the kernel and our half is shut
	closeEvt bool // the Closed event has been queued
}

// Peer is the remote address, for logs.
func (c *Conn) Peer() string { return c.peer }

// queued reports whether output is waiting.
func (c *Conn) queued() bool { return c.off < len(c.out) }

// enqueue appends a packet to the output queue.
func (c *Conn) enqueue(b ...[]byte) {
	for _, p := range b {
		c.out = append(c.out, p...)
	}
}

// sent drops n octets from the front of the output queue.
func (c *Conn) sent(n int) {
	c.off += n
	if c.off == len(c.out) {
		c.off = 0
		c.out = c.out[:0]
		if cap(c.out) > 1<<20 {
			c.out = nil // do not pin a burst's memory for the connection's life
		}
	}
}
