package asap

import (
	"fmt"
	"slices"

	"netcompat/core/netlog"
	"netcompat/core/rserpool/wire"
	"netcompat/core/transport"
)

// handleKeepAlive answers an Endpoint Keep-Alive that came on association
// r. With the H flag its sender becomes the home registrar (RFC 5352
// section 3.4): r becomes the client's association if it was not already,
// and the old one is closed (its pending requests move to r).
func (c *Client) handleKeepAlive(r *regAssoc, ka *wire.EndpointKeepAlive) {
	var old *regAssoc
	var acks []uint32
	c.mu.Lock()
	if c.closed || r.alive() != nil {
		c.mu.Unlock()
		return // a dead association must not become the current one
	}
	if ka.Home {
		if c.cur != r {
			old = c.cur
			c.cur = r
			delete(c.incoming, r)
		}
		if c.homeID != ka.ServerID || old != nil {
			netlog.Printf("asap: registrar $%08x at %v is now the home registrar", ka.ServerID, r.peer)
		}
		c.homeID = ka.ServerID
	} else if c.cur == r && c.homeID == 0 {
		c.homeID = ka.ServerID
	}
	if ka.PEID != 0 {
		if c.elements[keyOf(ka.PoolHandle, ka.PEID)] != nil {
			acks = append(acks, ka.PEID)
		}
	} else {
		for k := range c.elements {
			if k.handle == string(ka.PoolHandle) {
				acks = append(acks, k.id)
			}
		}
	}
	c.mu.Unlock()

	if old != nil {
		old.fail(errReplaced)
	}
	if len(acks) == 0 {
		netlog.Printf("asap: Endpoint Keep-Alive from registrar $%08x for unknown PE $%08x in pool %q ignored", ka.ServerID, ka.PEID, ka.PoolHandle)
		return
	}
	for _, id := range acks {
		msg, err := wire.AppendASAP(nil, &wire.EndpointKeepAliveAck{PoolHandle: ka.PoolHandle, PEID: id})
		if err != nil {
			return
		}
		if r.notify(msg) != nil {
			return // the association ended; the registrar will try again
		}
	}
}

// listenASAP opens Config.ASAPListen, where registrars taking over this
// client's elements reach it, and sets the ASAP transport parameter that
// registrations carry.
func (c *Client) listenASAP() error {
	ln, err := transport.Listen(c.cfg.ASAPListen, &c.cfg.Transport)
	if err != nil {
		return fmt.Errorf("asap: ASAP listener: %w", err)
	}
	t := &wire.Transport{Kind: wire.ParamTCPTransport}
	if c.cfg.Transport.Backend == transport.BackendKernel {
		t.Kind = wire.ParamSCTPTransport
	}
	for _, a := range ln.Addrs() {
		t.Port = a.Port()
		if ip := a.Addr().Unmap(); !ip.IsUnspecified() && !slices.Contains(t.Addrs, ip) {
			t.Addrs = append(t.Addrs, ip)
		}
	}
	if len(t.Addrs) == 0 {
		ln.Close()
		return fmt.Errorf("%w: ASAPListen %v has no address to advertise", ErrInvalid, c.cfg.ASAPListen)
	}
	c.asapLn, c.asapTrans = ln, t
	c.wg.Add(1)
	go c.acceptLoop()
	return nil
}

// acceptLoop takes associations registrars open to this client. Their
// messages are handled like those of the client's own association; only a
// keep-alive with the H flag makes one the client's association.
func (c *Client) acceptLoop() {
	defer c.wg.Done()
	for {
		a, err := c.asapLn.Accept()
		if err != nil {
			return
		}
		r := newRegAssoc(c, a)
		c.mu.Lock()
		if c.closed {
			c.mu.Unlock()
			a.Close()
			return
		}
		c.incoming[r] = struct{}{}
		c.wg.Add(1)
		c.mu.Unlock()
		go r.readLoop()
	}
}
