package asap

import (
	"fmt"
	"net"
	"net/netip"

	"netcompat/core/rserpool/wire"
	"netcompat/core/transport"
)

// announceListener hears ASAP Server Announces on a multicast group and
// adds their senders to the registrar table.
type announceListener struct {
	conn *net.UDPConn
	done chan struct{}
}

// listenAnnounces joins group on the interface named ifname ("default":
// the kernel's choice) and feeds announces to table. Announces name
// transports of kind prefer first (see announcedAddrs).
func listenAnnounces(group netip.AddrPort, ifname string, table *registrarTable, backend transport.Backend) (*announceListener, error) {
	var ifi *net.Interface
	if ifname != "default" {
		var err error
		if ifi, err = net.InterfaceByName(ifname); err != nil {
			return nil, fmt.Errorf("asap: announce interface: %w", err)
		}
	}
	network := "udp4"
	if group.Addr().Is6() && !group.Addr().Is4In6() {
		network = "udp6"
	}
	// ListenMulticastUDP binds the group address and port with
	// SO_REUSEADDR (several listeners on one host can share the group)
	// and joins the group on ifi; the socket is close-on-exec.
	conn, err := net.ListenMulticastUDP(network, ifi, net.UDPAddrFromAddrPort(group))
	if err != nil {
		return nil, fmt.Errorf("asap: joining announce group %v on %s: %w", group, ifname, err)
	}
	l := &announceListener{conn: conn, done: make(chan struct{})}
	go l.run(table, backend)
	return l, nil
}

func (l *announceListener) run(table *registrarTable, backend transport.Backend) {
	defer close(l.done)
	buf := make([]byte, 65536)
	for {
		n, from, err := l.conn.ReadFromUDPAddrPort(buf)
		if err != nil {
			return // closed
		}
		m, err := wire.ParseASAP(buf[:n])
		if err != nil {
			continue // not ours, or garbled: announces are best effort
		}
		sa, ok := m.(*wire.ServerAnnounce)
		if !ok {
			continue
		}
		if addrs := announcedAddrs(sa, from, backend); len(addrs) > 0 {
			table.announce(sa.ServerID, addrs)
		}
	}
}

func (l *announceListener) close() {
	l.conn.Close()
	<-l.done
}

// announcedAddrs returns where the registrar of announce sa, received from
// from, serves ASAP: the addresses and port of its transports of the kind
// backend dials (TCP for the TCP mapping, SCTP for kernel SCTP), else of the
// other kind; without transport parameters (rsplib's announces), the
// source address on the ASAP port.
func announcedAddrs(sa *wire.ServerAnnounce, from netip.AddrPort, backend transport.Backend) []netip.AddrPort {
	prefer, other := wire.ParamTCPTransport, wire.ParamSCTPTransport
	if backend == transport.BackendKernel {
		prefer, other = other, prefer
	}
	for _, kind := range []wire.ParamType{prefer, other} {
		var out []netip.AddrPort
		for _, t := range sa.Transports {
			if t.Kind != kind || t.Port == 0 {
				continue
			}
			for _, a := range t.Addrs {
				if a.IsValid() && !a.IsUnspecified() {
					out = append(out, netip.AddrPortFrom(a.Unmap(), t.Port))
				}
			}
		}
		if len(out) > 0 {
			return out
		}
	}
	if len(sa.Transports) > 0 {
		return nil // only transports this client cannot dial
	}
	return []netip.AddrPort{netip.AddrPortFrom(from.Addr().Unmap(), wire.ASAPPort)}
}
