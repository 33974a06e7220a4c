package registrar

import (
	"net"
	"net/netip"

	"netcompat/core/rserpool/wire"
	"netcompat/core/transport"
)

// How the server describes endpoints to ENRP: its own ENRP endpoint for
// its Server Information, and the far end of an ASAP association as an
// element's registrator transport.

// ENRPAddrs returns the addresses ENRP is served on (none without ENRP).
func (s *Server) ENRPAddrs() []netip.AddrPort { return append([]netip.AddrPort(nil), s.enrpAddrs...) }

// serverTransport is the transport of our Server Information: the ENRP
// endpoint with an unspecified address replaced by the host's addresses
// (peers must be able to match them against the association, as rsplib
// does).
func (s *Server) serverTransport(addrs []netip.AddrPort) wire.Transport {
	kind := wire.ParamTCPTransport
	if s.backend == transport.BackendKernel {
		kind = wire.ParamSCTPTransport
	}
	t := wire.Transport{Kind: kind, Use: wire.UseData}
	for _, ap := range addrs {
		t.Port = ap.Port()
		a := ap.Addr().Unmap()
		if !a.IsUnspecified() {
			t.Addrs = appendNew(t.Addrs, a)
			continue
		}
		for _, ha := range hostAddrs() {
			if a.Is6() || ha.Is4() {
				t.Addrs = appendNew(t.Addrs, ha)
			}
		}
	}
	if len(t.Addrs) > wire.MaxAddrs {
		t.Addrs = t.Addrs[:wire.MaxAddrs]
	}
	return t
}

// hostAddrs lists the host's addresses, not link-local ones, loopback
// last.
func hostAddrs() []netip.Addr {
	var out, lo []netip.Addr
	ifas, err := net.InterfaceAddrs()
	if err != nil {
		return nil
	}
	for _, ia := range ifas {
		p, err := netip.ParsePrefix(ia.String())
		if err != nil {
			continue
		}
		a := p.Addr().Unmap()
		switch {
		case a.IsLinkLocalUnicast():
		case a.IsLoopback():
			lo = append(lo, a)
		default:
			out = append(out, a)
		}
	}
	return append(out, lo...)
}

// remoteTransport describes the far end of ASAP association c over kernel
// SCTP, where rsplib's elements accept associations on the port they
// register from (rsplib's registrator transport). Over the TCP mapping the
// far end is an ephemeral port nobody listens on: none.
func (s *Server) remoteTransport(c *conn) wire.Transport {
	t := wire.Transport{Kind: wire.ParamSCTPTransport, Use: wire.UseData}
	if s.backend != transport.BackendKernel {
		return t
	}
	if a := c.assoc(); a != nil {
		for _, ap := range a.RemoteAddrs() {
			t.Port = ap.Port()
			t.Addrs = appendNew(t.Addrs, ap.Addr().Unmap())
		}
	}
	if len(t.Addrs) > wire.MaxAddrs {
		t.Addrs = t.Addrs[:wire.MaxAddrs]
	}
	return t
}
