package registrar

import (
	"context"
	"net/netip"
	"slices"
	"strings"
	"time"

	"netcompat/core/rserpool/wire"
	"netcompat/core/transport"
)

// Outbound associations: to ENRP peers (over kernel SCTP from our own
// ENRP endpoint, sharing its port, as rsplib's one-to-many socket does) (Output.Peer, Output.PeerAddrs)
// and to pool elements taken over (Output.DialASAP). All of it runs in
// the state machine goroutine except the dial itself.
//
// A message for a peer goes on the association the peer was last heard
// on, else on one we opened to it, else a new one is dialed; messages
// queued while the dial runs go out once it is up, or are dropped with
// it if it fails (ENRP recovers by itself: Presence timers, audits). One
// association per endpoint is kept for pool elements, so a process with
// many taken-over elements gets one.

// routes is the state machine goroutine's map of outbound routes.
type routes struct {
	byPeer map[uint32]*conn     // association a peer was heard on, or dialed for it
	dialed map[string]*conn     // associations we opened, by endpoint key
	failed map[string]time.Time // endpoints whose last dial failed, and when
}

// dialBackoff is how long an endpoint whose dial failed is not dialed
// again: messages for it meanwhile are dropped (ENRP recovers through its
// timers), rather than each opening an association of its own.
const dialBackoff = time.Second

func newRoutes() *routes {
	return &routes{byPeer: make(map[uint32]*conn), dialed: make(map[string]*conn), failed: make(map[string]time.Time)}
}

// forget drops c from the routes (it closed); a dial that never came up
// starts the endpoint's backoff.
func (rt *routes) forget(now time.Time, c *conn) {
	if c.key != "" && c.assoc() == nil {
		rt.failed[c.key] = now
	}
	for id, x := range rt.byPeer {
		if x == c {
			delete(rt.byPeer, id)
		}
	}
	if c.key != "" && rt.dialed[c.key] == c {
		delete(rt.dialed, c.key)
	}
}

// endpointKey names an endpoint by its sorted addresses.
func endpointKey(proto wire.Protocol, addrs []netip.AddrPort) string {
	ss := make([]string, len(addrs))
	for i, a := range addrs {
		ss[i] = netip.AddrPortFrom(a.Addr().Unmap(), a.Port()).String()
	}
	slices.Sort(ss)
	return proto.String() + " " + strings.Join(ss, ",")
}

// route returns the association for output o (a Peer, PeerAddrs or
// DialASAP output), dialing one if needed; nil if there is none to be
// had (no addresses, or the association limit).
func (s *Server) route(now time.Time, conns map[AssocID]*conn, o *Output) *conn {
	proto, addrs := wire.ENRP, o.PeerAddrs
	if len(o.DialASAP) > 0 {
		proto, addrs = wire.ASAP, o.DialASAP
	}
	if o.Peer != 0 {
		if c := s.routes.byPeer[o.Peer]; c != nil && conns[c.id] != nil {
			return c
		}
	}
	if len(addrs) == 0 {
		return nil
	}
	key := endpointKey(proto, addrs)
	if c := s.routes.dialed[key]; c != nil && conns[c.id] != nil {
		if o.Peer != 0 {
			s.routes.byPeer[o.Peer] = c
		}
		return c
	}
	if proto == wire.ENRP && s.enrpLn == nil {
		return nil
	}
	if t, ok := s.routes.failed[key]; ok {
		if now.Sub(t) < dialBackoff {
			return nil
		}
		delete(s.routes.failed, key)
	}
	live, limit := s.liveOf(proto)
	if live.Load() >= int64(limit) {
		return nil
	}
	c := newConn(AssocID(s.lastID.Add(1)), nil, s, proto)
	c.key = key
	c.dialTo = slices.Clone(addrs)
	live.Add(1)
	s.conns.Store(c.id, c)
	conns[c.id] = c
	s.routes.dialed[key] = c
	if o.Peer != 0 {
		s.routes.byPeer[o.Peer] = c
	}
	s.wg.Add(1)
	go s.dial(c, c.dialTo)
	return c
}

// dial opens c's association, then runs its reader and writer; a failed
// dial reports c closed.
func (s *Server) dial(c *conn, addrs []netip.AddrPort) {
	defer s.wg.Done()
	ppid := transport.PPIDENRP
	if c.proto == wire.ASAP {
		ppid = transport.PPIDASAP
	}
	ctx, cancel := context.WithTimeout(context.Background(), s.cfg.DialTimeout)
	defer cancel()
	go func() {
		select {
		case <-s.done:
			cancel()
		case <-ctx.Done():
		}
	}()
	var local []netip.AddrPort
	if c.proto == wire.ENRP {
		// From our ENRP endpoint: rsplib accepts a Presence only from the
		// endpoint its Server Information names, port included.
		local = s.enrpAddrs
	}
	a, err := transport.Dial(ctx, addrs, &transport.Options{
		Local:          local,
		Backend:        s.backend,
		Framing:        transport.FramingBare,
		PPID:           ppid,
		MaxMessageSize: transport.MaxBareMessageSize,
	})
	if err == nil && c.isClosing() {
		a.Close()
		err = context.Canceled
	}
	if err != nil {
		s.log.Debug("dial failed", "to", addrs, "protocol", c.proto.String(), "err", err)
		c.closeQueue()
		c.ends.Add(1) // no reader
		c.finished()
		select {
		case s.events <- event{kind: evClosed, c: c, err: err}:
		case <-s.done:
		}
		return
	}
	c.setAssoc(a)
	select {
	case s.events <- event{kind: evDialed, c: c}:
	case <-s.done:
		a.Close()
		c.ends.Add(1)
		c.finished()
		return
	}
	s.wg.Add(2)
	go s.reader(c)
	go s.writer(c)
}
