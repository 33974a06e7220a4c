package asapload

import (
	"context"
	"fmt"
	"net/netip"
	"sync/atomic"
	"time"

	"netcompat/core/rserpool/wire"
	"netcompat/core/transport"
)

// Assoc is one client association. Used with Call it is strictly
// request/response; with Serve a goroutine reads everything.
type Assoc struct {
	a   transport.Assoc
	buf []byte
	kas atomic.Int64 // Endpoint Keep-Alives answered
}

// Dial opens an association to target, giving up after 5 s.
func Dial(ctx context.Context, target netip.AddrPort) (*Assoc, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	a, err := transport.Dial(ctx, []netip.AddrPort{target}, &transport.Options{
		Backend: transport.BackendTCP,
		Framing: transport.FramingBare,
	})
	if err != nil {
		return nil, err
	}
	return &Assoc{a: a, buf: make([]byte, transport.MaxBareMessageSize)}, nil
}

// DialAll opens n associations to target; on an error it closes those
// it opened.
func DialAll(ctx context.Context, target netip.AddrPort, n int) ([]*Assoc, error) {
	var out []*Assoc
	for range n {
		c, err := Dial(ctx, target)
		if err != nil {
			CloseAll(out)
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

// CloseAll closes every association of cs.
func CloseAll(cs []*Assoc) {
	for _, c := range cs {
		c.Close()
	}
}

// Close closes the association; a Call or Serve blocked on it returns.
func (c *Assoc) Close() error { return c.a.Close() }

// Send sends the message m without waiting for an answer (its answer is
// for Serve to read).
func (c *Assoc) Send(m []byte) error { return c.a.Send(m, transport.SendInfo{}) }

// KeepAlives returns how many Endpoint Keep-Alives the association has
// answered.
func (c *Assoc) KeepAlives() int64 { return c.kas.Load() }

// Call sends req and returns the answer of type want (valid until the
// next call). It answers Endpoint Keep-Alives that come first; a
// rejecting answer is an error naming its cause (wrapping ErrRejected).
func (c *Assoc) Call(req []byte, want wire.ASAPType) ([]byte, error) {
	if err := c.Send(req); err != nil {
		return nil, err
	}
	for {
		n, _, err := c.a.Recv(c.buf)
		if err != nil {
			return nil, err
		}
		m := c.buf[:n]
		switch wire.ASAPType(m[0]) {
		case want:
			if m[1]&wire.FlagReject != 0 {
				return nil, Rejection(m)
			}
			return m, nil
		case wire.ASAPEndpointKeepAlive:
			if err := c.ackKeepAlive(m); err != nil {
				return nil, err
			}
		default:
			return nil, fmt.Errorf("unexpected %v while waiting for %v", wire.ASAPType(m[0]), want)
		}
	}
}

// Serve reads the association until it closes, so that the registrar
// never finds the pool element unresponsive or its send queue full:
// keep-alives are answered, every other message goes to other (valid
// only during the call; nil drops them).
func (c *Assoc) Serve(other func(m []byte)) {
	for {
		n, _, err := c.a.Recv(c.buf)
		if err != nil {
			return
		}
		m := c.buf[:n]
		if wire.ASAPType(m[0]) == wire.ASAPEndpointKeepAlive {
			if c.ackKeepAlive(m) != nil {
				return
			}
		} else if other != nil {
			other(m)
		}
	}
}

func (c *Assoc) ackKeepAlive(m []byte) error {
	msg, err := wire.ParseASAP(m)
	ka, ok := msg.(*wire.EndpointKeepAlive)
	if err != nil || !ok {
		return fmt.Errorf("bad endpoint keep-alive: %v", err)
	}
	ack, err := wire.AppendASAP(nil, &wire.EndpointKeepAliveAck{PoolHandle: ka.PoolHandle, PEID: ka.PEID})
	if err == nil {
		err = c.Send(ack)
	}
	c.kas.Add(1)
	return err
}
