package main

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"netcompat/core/rserpool/policy"
	"netcompat/core/rserpool/wire"
	"netcompat/core/transport"
)

var loopback = netip.MustParseAddr("127.0.0.1")

// element is pool element id as the benchmark registers it: one TCP user
// transport on 127.0.0.1, round robin, registration life life ms.
func element(id uint32, life uint32) wire.PoolElement {
	return wire.PoolElement{
		ID:      id,
		RegLife: life,
		User: wire.Transport{
			Kind:  wire.ParamTCPTransport,
			Port:  uint16(20000 + id%40000),
			Use:   wire.UseData,
			Addrs: []netip.Addr{loopback},
		},
		Policy: wire.Policy{Type: policy.RoundRobin},
	}
}

func registration(id uint32, pool string, life uint32) ([]byte, error) {
	return wire.AppendASAP(nil, &wire.Registration{PoolHandle: []byte(pool), Element: element(id, life)})
}

func resolution(pool string) ([]byte, error) {
	return wire.AppendASAP(nil, &wire.HandleResolution{PoolHandle: []byte(pool), HasItems: true, Items: 3})
}

// assoc is one client association. Used with call it is strictly
// request/response; with serve a goroutine reads everything.
type assoc struct {
	a   transport.Assoc
	buf []byte
	kas atomic.Int64 // Endpoint Keep-Alives answered
}

func dial(ctx context.Context, target netip.AddrPort) (*assoc, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	a, err := transport.Dial(ctx, []netip.AddrPort{target}, &transport.Options{
		Backend: transport.BackendTCP,
		Framing: transport.FramingBare,
	})
	if err != nil {
		return nil, err
	}
	return &assoc{a: a, buf: make([]byte, transport.MaxBareMessageSize)}, nil
}

func dialAll(ctx context.Context, target netip.AddrPort, n int) ([]*assoc, error) {
	var out []*assoc
	for range n {
		c, err := dial(ctx, target)
		if err != nil {
			closeAll(out)
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

func closeAll(cs []*assoc) {
	for _, c := range cs {
		c.a.Close()
	}
}

// errRejected is wrapped by the errors of rejecting answers.
var errRejected = errors.New("rejected")

// call sends req and returns the answer of type want (valid until the
// next call), answering Endpoint Keep-Alives that come first.
func (c *assoc) call(req []byte, want wire.ASAPType) ([]byte, error) {
	if err := c.a.Send(req, transport.SendInfo{}); err != nil {
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
				return nil, rejection(m)
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

func (c *assoc) ackKeepAlive(m []byte) error {
	msg, err := wire.ParseASAP(m)
	ka, ok := msg.(*wire.EndpointKeepAlive)
	if err != nil || !ok {
		return fmt.Errorf("bad endpoint keep-alive: %v", err)
	}
	ack, err := wire.AppendASAP(nil, &wire.EndpointKeepAliveAck{PoolHandle: ka.PoolHandle, PEID: ka.PEID})
	if err == nil {
		err = c.a.Send(ack, transport.SendInfo{})
	}
	c.kas.Add(1)
	return err
}

// serve reads the association until it closes: keep-alives are
// answered, Registration Responses counted (rejecting ones apart).
func (c *assoc) serve(ok, rejected *atomic.Int64) {
	for {
		n, _, err := c.a.Recv(c.buf)
		if err != nil {
			return
		}
		m := c.buf[:n]
		switch wire.ASAPType(m[0]) {
		case wire.ASAPEndpointKeepAlive:
			if c.ackKeepAlive(m) != nil {
				return
			}
		case wire.ASAPRegistrationResponse:
			if m[1]&wire.FlagReject != 0 {
				rejected.Add(1)
			} else {
				ok.Add(1)
			}
		}
	}
}

func rejection(m []byte) error {
	msg, err := wire.ParseASAP(m)
	if err != nil {
		return fmt.Errorf("%v %w (undecodable: %v)", wire.ASAPType(m[0]), errRejected, err)
	}
	var oe *wire.OperationError
	switch r := msg.(type) {
	case *wire.RegistrationResponse:
		oe = r.Error
	case *wire.HandleResolutionResponse:
		oe = r.Error
	}
	if oe != nil {
		return fmt.Errorf("%v %w: %v", wire.ASAPType(m[0]), errRejected, oe)
	}
	return fmt.Errorf("%v %w", wire.ASAPType(m[0]), errRejected)
}

// fill registers elements 1..n, element id in pool poolOf(id), over the
// associations in parallel, each strictly request/response; element id
// goes over association (id-1)%len(pes), so that its re-registrations
// can take the same one.
func fill(ctx context.Context, pes []*assoc, n int, poolOf func(uint32) string, life uint32) error {
	var wg sync.WaitGroup
	errs := make(chan error, len(pes))
	var stop atomic.Bool
	for j, c := range pes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for id := j + 1; id <= n && ctx.Err() == nil && !stop.Load(); id += len(pes) {
				req, err := registration(uint32(id), poolOf(uint32(id)), life)
				if err == nil {
					_, err = c.call(req, wire.ASAPRegistrationResponse)
				}
				if err != nil {
					errs <- fmt.Errorf("registering pool element %d of %d: %w", id, n, err)
					stop.Store(true)
					return
				}
			}
		}()
	}
	wg.Wait()
	select {
	case err := <-errs:
		return err
	default:
	}
	return ctx.Err()
}

// resolves reports whether m, a Handle Resolution Response, holds
// element id.
func resolves(m []byte, id uint32) (bool, error) {
	msg, err := wire.ParseASAP(m)
	if err != nil {
		return false, err
	}
	r, ok := msg.(*wire.HandleResolutionResponse)
	if !ok {
		return false, fmt.Errorf("not a handle resolution response: %T", msg)
	}
	for i := range r.Elements {
		if r.Elements[i].ID == id {
			return true, nil
		}
	}
	return false, nil
}
