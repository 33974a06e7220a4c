package registrar

import (
	"errors"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"netcompat/core/rserpool/wire"
	"netcompat/core/transport"
)

// tooLargeHead is how much of an oversized message the reader keeps for
// HandleInvalid (its type, for the answer, and a little for the log).
const tooLargeHead = 64

// maxInflight is how many of one association's messages may wait in the
// events channel or be in the state machine's hands at once.
const maxInflight = 16

// conn is one ASAP association: its reader goroutine decodes messages and
// hands them to the state machine goroutine; its writer goroutine sends
// what the state machine queued, in order, one message per send.
//
// Flow control: the reader does not read the next message while the
// association has maxInflight messages in flight or more than
// ServerConfig.QueueHighWater bytes queued for sending. A peer that sends
// requests without reading the answers therefore stalls on its own TCP (or
// SCTP) window instead of growing the registrar's memory. Its queue stays
// below QueueHighWater plus the answers to the messages in flight; only
// keep-alives, at most one per element it registered, add to that.
// MaxQueuedBytes is a safety net: a queue above it closes the
// association.
type conn struct {
	id     AssocID
	a      transport.Assoc // nil while a dialed association is being set up (dial.go)
	peer   netip.AddrPort
	s      *Server
	proto  wire.Protocol    // ASAP or ENRP: how the reader decodes
	key    string           // dialed associations: the routes.dialed key
	dialTo []netip.AddrPort // dialed associations: the endpoint dialed

	mu      sync.Mutex
	q       [][]byte // encoded messages for the writer
	qbytes  int
	closing bool          // no more messages; the writer ends when q is empty
	grace   *time.Timer   // cuts a closing association that does not drain
	wake    chan struct{} // wakes the writer (capacity 1)
	space   chan struct{} // wakes the reader (capacity 1)
	stop    chan struct{} // closed with closing: wakes a paused reader

	inflight atomic.Int32 // messages handed to the state machine, not yet handled
	ends     atomic.Int32 // reader and writer that have finished
}

func newConn(id AssocID, a transport.Assoc, s *Server, proto wire.Protocol) *conn {
	c := &conn{id: id, s: s, proto: proto,
		wake:  make(chan struct{}, 1),
		space: make(chan struct{}, 1),
		stop:  make(chan struct{}),
	}
	if a != nil {
		c.setAssoc(a)
	}
	return c
}

// setAssoc gives c its association (at once, or when a dial completes).
func (c *conn) setAssoc(a transport.Assoc) {
	c.mu.Lock()
	c.a = a
	c.mu.Unlock()
	if r := a.RemoteAddrs(); len(r) > 0 {
		c.peer = r[0]
	}
}

// assoc returns c's association, nil while a dial is under way.
func (c *conn) assoc() transport.Assoc {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.a
}

func signal(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}

// enqueue queues b for the writer; false means the association is closing
// or its queue would exceed MaxQueuedBytes, and b was not queued.
func (c *conn) enqueue(b []byte) bool {
	c.mu.Lock()
	ok := !c.closing && c.qbytes+len(b) <= c.s.cfg.MaxQueuedBytes
	if ok {
		c.q = append(c.q, b)
		c.qbytes += len(b)
	}
	c.mu.Unlock()
	if ok {
		signal(c.wake)
	}
	return ok
}

func (c *conn) queued() (msgs, bytes int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.q), c.qbytes
}

// closeQueue lets the writer send what is queued and then close the
// association (which ends the reader); a peer that does not take it
// within CloseGrace is cut off.
func (c *conn) closeQueue() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.closing {
		c.closing = true
		close(c.stop)
		signal(c.wake)
		c.grace = time.AfterFunc(c.s.cfg.CloseGrace, func() {
			if a := c.assoc(); a != nil {
				a.Close()
			}
		})
	}
}

// abort closes the association at once, dropping what is queued.
func (c *conn) abort() {
	c.closeQueue()
	if a := c.assoc(); a != nil {
		a.Close()
	}
}

// handled is called by the state machine for each message it took from
// this association's reader.
func (c *conn) handled() {
	c.inflight.Add(-1)
	signal(c.space)
}

// congested reports whether the reader should wait before reading more.
func (c *conn) congested() bool {
	if c.inflight.Load() >= maxInflight {
		return true
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.qbytes > c.s.cfg.QueueHighWater
}

// finished is called by the reader and the writer as they end; the
// second one retires the association.
func (c *conn) finished() {
	if c.ends.Add(1) == 2 {
		c.s.conns.Delete(c.id)
		live, _ := c.s.liveOf(c.proto)
		live.Add(-1)
	}
}

// reader receives and decodes messages until the association ends. It
// decodes here, in parallel with the other associations; decoded messages
// own their memory (package wire copies what it keeps).
func (s *Server) reader(c *conn) {
	defer s.wg.Done()
	defer c.finished()
	size := s.cfg.MaxMessageSize
	if c.proto == wire.ENRP {
		size = transport.MaxBareMessageSize // handle table pages run up to 64 KiB
	}
	buf := make([]byte, size)
	for {
		for c.congested() {
			select {
			case <-c.space:
			case <-c.stop:
				// Closing: keep reading until the close lands, so that
				// the loss is reported; messages are void by now.
			case <-s.done:
				return
			}
			if c.isClosing() {
				break
			}
		}
		n, _, err := c.a.Recv(buf)
		ev := event{kind: evMessage, c: c}
		switch {
		case err == nil && c.proto == wire.ENRP:
			ev.msg, ev.reports, ev.err = wire.ParseENRPReport(buf[:n])
			if ev.err != nil {
				ev.raw = append([]byte(nil), buf[:min(n, tooLargeHead)]...)
			}
		case err == nil:
			ev.msg, ev.reports, ev.err = wire.ParseASAPReport(buf[:n])
			if ev.err != nil {
				ev.raw = append([]byte(nil), buf[:n]...)
			}
		case errors.Is(err, transport.ErrTruncated):
			ev.err = ErrTooLarge
			ev.raw = append([]byte(nil), buf[:min(n, tooLargeHead)]...)
		default:
			ev = event{kind: evClosed, c: c, err: err}
		}
		if ev.kind == evMessage {
			c.inflight.Add(1)
		}
		select {
		case s.events <- ev:
		case <-s.done:
			return
		}
		if ev.kind == evClosed {
			return
		}
	}
}

func (c *conn) isClosing() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closing
}

// writer sends the queued messages in order. After a send error it
// discards what is queued (the state machine may still queue until it
// hears of the loss); once closing and empty it closes the association.
func (s *Server) writer(c *conn) {
	defer s.wg.Done()
	defer c.finished()
	defer c.a.Close()
	failed := false
	var batch [][]byte
	for {
		c.mu.Lock()
		for len(c.q) == 0 && !c.closing {
			c.mu.Unlock()
			<-c.wake
			c.mu.Lock()
		}
		if len(c.q) == 0 { // closing and drained
			c.grace.Stop() // release the association now, not when the timer fires
			c.mu.Unlock()
			return
		}
		batch, c.q = c.q, batch[:0]
		c.mu.Unlock()
		for i, b := range batch {
			if !failed {
				if err := c.a.Send(b, transport.SendInfo{}); err != nil {
					failed = true
					c.a.Close() // the reader reports the loss
				}
			}
			c.mu.Lock()
			c.qbytes -= len(b)
			c.mu.Unlock()
			batch[i] = nil
			signal(c.space)
		}
	}
}
