package registrar

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"

	"golang.org/x/sys/unix"

	"netcompat/core/rserpool/wire"
)

// presenceSocket sends and receives ENRP Presence over UDP multicast
// (rsplib: 239.0.0.51:9901). One socket does both: bound to the group and
// port, joined on one interface, sending by that interface with the
// given TTL, from the interface's first IPv4 address, which receivers
// take as the sender's ENRP address (with the port its Server
// Information names). Our own Presences come back by multicast loopback
// and are ignored by server ID. As for Server Announces, the default
// interface is "lo", so nothing leaves the host unless configured.
type presenceSocket struct {
	conn   *net.UDPConn
	group  *net.UDPAddr
	log    *slog.Logger
	failed uint64
}

func newPresenceSocket(group netip.AddrPort, ifName string, ttl int, log *slog.Logger) (*presenceSocket, error) {
	group = netip.AddrPortFrom(group.Addr().Unmap(), group.Port())
	if !group.Addr().IsMulticast() {
		return nil, fmt.Errorf("registrar: ENRP presence group %v is not a multicast address", group)
	}
	ifi, err := net.InterfaceByName(ifName)
	if err != nil {
		return nil, fmt.Errorf("registrar: ENRP multicast interface %q: %w", ifName, err)
	}
	network := "udp4"
	if group.Addr().Is6() {
		network = "udp6"
	}
	// The source address: the interface's own, as for Server Announces.
	// Left to the kernel, a Presence sent on lo goes out from the
	// address of another interface (127.0.0.1 is host-scoped), which
	// receivers would then take as our ENRP address.
	var src [4]byte
	if as, err := ifi.Addrs(); err == nil {
		for _, ia := range as {
			if p, err := netip.ParsePrefix(ia.String()); err == nil && p.Addr().Unmap().Is4() {
				src = p.Addr().Unmap().As4()
				break
			}
		}
	}
	ga := net.UDPAddrFromAddrPort(group)
	c, err := net.ListenMulticastUDP(network, ifi, ga)
	if err != nil {
		return nil, fmt.Errorf("registrar: ENRP multicast socket on %s: %w", ifName, err)
	}
	rc, err := c.SyscallConn()
	if err == nil {
		var serr error
		err = rc.Control(func(fd uintptr) {
			s := int(fd)
			if group.Addr().Is4() {
				if serr = unix.SetsockoptIPMreqn(s, unix.IPPROTO_IP, unix.IP_MULTICAST_IF, &unix.IPMreqn{Ifindex: int32(ifi.Index), Address: src}); serr == nil {
					serr = unix.SetsockoptInt(s, unix.IPPROTO_IP, unix.IP_MULTICAST_TTL, ttl)
				}
				return
			}
			if serr = unix.SetsockoptInt(s, unix.IPPROTO_IPV6, unix.IPV6_MULTICAST_IF, ifi.Index); serr == nil {
				serr = unix.SetsockoptInt(s, unix.IPPROTO_IPV6, unix.IPV6_MULTICAST_HOPS, ttl)
			}
		})
		if err == nil {
			err = serr
		}
	}
	if err != nil {
		c.Close()
		return nil, fmt.Errorf("registrar: ENRP multicast socket options: %w", err)
	}
	return &presenceSocket{conn: c, group: ga, log: log}, nil
}

// send multicasts one Presence; failures are logged, sparsely.
func (ps *presenceSocket) send(m wire.Message) {
	b, err := wire.AppendENRP(nil, m)
	if err == nil {
		_, err = ps.conn.WriteToUDP(b, ps.group)
	}
	if err != nil {
		if ps.failed++; sparse(ps.failed) {
			ps.log.Warn("sending ENRP presence failed", "to", ps.group.String(), "err", err, "failures", ps.failed)
		}
	}
}

// readLoop hands every decodable datagram to the state machine goroutine
// until the socket closes.
func (s *Server) presenceLoop(ps *presenceSocket) {
	defer s.wg.Done()
	buf := make([]byte, 65536)
	for {
		n, src, err := ps.conn.ReadFromUDPAddrPort(buf)
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			continue // a datagram-level error (ICMP and the like)
		}
		m, err := wire.ParseENRP(buf[:n])
		ev := event{kind: evPresence, src: src.Addr().Unmap(), msg: m, err: err}
		select {
		case s.events <- ev:
		case <-s.done:
			return
		}
	}
}

func (ps *presenceSocket) close() { ps.conn.Close() }
