package asap

import (
	"bytes"
	"errors"
	"fmt"
	"net/netip"
	"sync"
	"time"

	"netcompat/core/netlog"
	"netcompat/core/rserpool/wire"
	"netcompat/core/transport"
)

// regAssoc is one association with a registrar. Requests sent on it wait
// in a FIFO; the registrar answers them in order (ASAP has no transaction
// identifiers), so every response answers the oldest pending request.
type regAssoc struct {
	c    *Client
	a    transport.Assoc
	peer []netip.AddrPort

	// sendMu makes "enqueue, then send" atomic, so that the FIFO order
	// is the order on the wire. It is held while sending, which mu is
	// not, so the reader can match responses meanwhile. Lock order:
	// sendMu, Client.mu, mu.
	sendMu sync.Mutex

	mu      sync.Mutex
	pending []*pending
	err     error // why the association ended; nil while it lives
}

// pending is one request waiting for its response.
type pending struct {
	want   wire.ASAPType // the response type expected
	handle []byte        // the request's pool handle, which the response repeats
	ch     chan reply    // receives exactly one reply
}

type reply struct {
	msg wire.Message // the response, or an *wire.ASAPErrorMessage
	err error        // a *lostError
}

func newRegAssoc(c *Client, a transport.Assoc) *regAssoc {
	return &regAssoc{c: c, a: a, peer: a.RemoteAddrs()}
}

// request enqueues a request expecting a response of type want and sends
// it. The reply arrives on the returned pending's channel; when the send
// fails the association ends and the reply is a *lostError.
func (r *regAssoc) request(msg []byte, want wire.ASAPType, handle []byte) *pending {
	p := &pending{want: want, handle: handle, ch: make(chan reply, 1)}
	r.sendMu.Lock()
	defer r.sendMu.Unlock()
	r.mu.Lock()
	if r.err != nil {
		err := r.err
		r.mu.Unlock()
		p.ch <- reply{err: &lostError{err}}
		return p
	}
	r.pending = append(r.pending, p)
	r.mu.Unlock()
	if err := r.send(msg); err != nil {
		r.fail(err)
	}
	return p
}

// notify sends a message no response answers (Endpoint Unreachable,
// Endpoint Keep-Alive Ack).
func (r *regAssoc) notify(msg []byte) error {
	r.sendMu.Lock()
	defer r.sendMu.Unlock()
	if err := r.alive(); err != nil {
		return &lostError{err}
	}
	if err := r.send(msg); err != nil {
		r.fail(err)
		return &lostError{err}
	}
	return nil
}

// send sends one message, ending the association if that takes longer
// than the request timeout (transport has no deadlines).
func (r *regAssoc) send(msg []byte) error {
	t := time.AfterFunc(r.c.cfg.RequestTimeout, func() { r.fail(errSendTimeout) })
	err := r.a.Send(msg, transport.SendInfo{})
	if !t.Stop() {
		return errSendTimeout
	}
	return err
}

func (r *regAssoc) alive() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.err
}

// fail ends the association for reason err (the first reason sticks):
// the client forgets it, it is closed, and its pending requests are told.
// Marking it failed and detaching it from the client happen under the
// client's lock, so that no request can pick a dead association as the
// current one.
func (r *regAssoc) fail(err error) {
	c := r.c
	c.mu.Lock()
	r.mu.Lock()
	if r.err != nil {
		r.mu.Unlock()
		c.mu.Unlock()
		return
	}
	r.err = err
	ps := r.pending
	r.pending = nil
	r.mu.Unlock()
	failover, seek := c.detachLocked(r)
	c.mu.Unlock()
	if errors.Is(err, errResponseTimeout) {
		c.registrars.suspect(r.peer)
	}

	r.a.Close()
	r.logEnd(err, failover)
	if seek {
		c.startSeeking()
	}
	for _, p := range ps {
		p.ch <- reply{err: &lostError{err}}
	}
}

// readLoop receives the registrar's messages until the association ends.
func (r *regAssoc) readLoop() {
	defer r.c.wg.Done()
	buf := make([]byte, transport.MaxBareMessageSize)
	for {
		n, _, err := r.a.Recv(buf)
		if err != nil {
			r.fail(err)
			return
		}
		m, err := wire.ParseASAP(buf[:n])
		if err != nil {
			var unknown *wire.UnrecognizedMessageError
			if errors.As(err, &unknown) {
				continue // a newer registrar's message: nothing to do with it
			}
			r.fail(fmt.Errorf("malformed message from registrar: %w", err))
			return
		}
		switch m := m.(type) {
		case *wire.RegistrationResponse:
			r.deliver(m, wire.ASAPRegistrationResponse, m.PoolHandle)
		case *wire.DeregistrationResponse:
			r.deliver(m, wire.ASAPDeregistrationResponse, m.PoolHandle)
		case *wire.HandleResolutionResponse:
			r.deliver(m, wire.ASAPHandleResolutionResponse, m.PoolHandle)
		case *wire.ASAPErrorMessage:
			r.deliver(m, wire.ASAPError, nil)
			// rsplib drops the association after an ASAP Error.
			r.fail(fmt.Errorf("registrar sent an ASAP Error: %v", &m.Error))
		case *wire.EndpointKeepAlive:
			r.c.handleKeepAlive(r, m)
		default:
			// Server Announce, Business Card, Cookie...: not for us here.
		}
		if r.alive() != nil {
			return
		}
	}
}

// deliver hands response m, of type typ, to the oldest pending request.
// A response nobody waits for, of the wrong type or for another pool
// means the two ends disagree: the association ends.
func (r *regAssoc) deliver(m wire.Message, typ wire.ASAPType, handle []byte) {
	r.mu.Lock()
	if len(r.pending) == 0 {
		r.mu.Unlock()
		r.fail(fmt.Errorf("unsolicited %v from registrar", typ))
		return
	}
	p := r.pending[0]
	if typ != wire.ASAPError && (typ != p.want || !bytes.Equal(handle, p.handle)) {
		r.mu.Unlock()
		r.fail(fmt.Errorf("%v for pool %q from registrar, expected %v for pool %q", typ, handle, p.want, p.handle))
		return
	}
	r.pending[0] = nil
	r.pending = r.pending[1:]
	r.mu.Unlock()
	p.ch <- reply{msg: m}
}

// logEnd reports the end of an association (but not at Close).
func (r *regAssoc) logEnd(err error, failover bool) {
	switch {
	case errors.Is(err, errClientClosed):
	case failover:
		netlog.Printf("asap: registrar association %v lost (%v); re-registering elsewhere", r.peer, err)
	default:
		netlog.Printf("asap: registrar association %v lost (%v)", r.peer, err)
	}
}
