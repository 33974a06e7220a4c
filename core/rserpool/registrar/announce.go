package registrar

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"syscall"

	"golang.org/x/sys/unix"

	"netcompat/core/rserpool/wire"
)

// announcer sends Server Announces over UDP.
//
// Safety default: a multicast announce leaves only by the interface named
// (IP_MULTICAST_IF / IPV6_MULTICAST_IF; "lo" unless configured) with TTL 1
// and loopback delivery on, so that a registrar started without options,
// in a test or on a developer's machine, sends nothing off the host. Its
// source is that interface's first address of the destination's family
// (127.0.0.1 on lo; without it the kernel would pick the address of the
// default route's interface) and, when that port is free for UDP, the
// ASAP port: rsplib's receivers contact an announce without transport
// parameters at its source address and port. A unicast destination is
// sent to as given.
type announcer struct {
	conn    *net.UDPConn
	dst     *net.UDPAddr
	local   netip.AddrPort
	ifAddrs []netip.Addr // the interface's addresses (for the announce's transport)
	log     *slog.Logger
	failed  uint64
}

func newAnnouncer(dst netip.AddrPort, ifName string, ttl int, port uint16, log *slog.Logger) (*announcer, error) {
	dst = netip.AddrPortFrom(dst.Addr().Unmap(), dst.Port())
	v4 := dst.Addr().Is4()
	multicast := dst.Addr().IsMulticast()
	an := &announcer{dst: net.UDPAddrFromAddrPort(dst), log: log}

	var ifi *net.Interface
	if multicast {
		var err error
		if ifi, err = net.InterfaceByName(ifName); err != nil {
			return nil, fmt.Errorf("registrar: announce interface %q: %w", ifName, err)
		}
		if as, err := ifi.Addrs(); err == nil {
			for _, ia := range as {
				if p, err := netip.ParsePrefix(ia.String()); err == nil {
					an.ifAddrs = append(an.ifAddrs, p.Addr().Unmap())
				}
			}
		}
	}
	src := netip.IPv6Unspecified()
	network := "udp6"
	if v4 {
		src, network = netip.IPv4Unspecified(), "udp4"
	}
	for _, a := range an.ifAddrs {
		if a.Is4() == v4 && (v4 || !a.IsLinkLocalUnicast()) {
			src = a
			break
		}
	}

	control := func(_, _ string, rc syscall.RawConn) error {
		var serr error
		err := rc.Control(func(fd uintptr) {
			s := int(fd)
			serr = unix.SetsockoptInt(s, unix.SOL_SOCKET, unix.SO_REUSEADDR, 1)
			if serr != nil || !multicast {
				return
			}
			if v4 {
				if serr = unix.SetsockoptIPMreqn(s, unix.IPPROTO_IP, unix.IP_MULTICAST_IF, &unix.IPMreqn{Ifindex: int32(ifi.Index)}); serr != nil {
					return
				}
				if serr = unix.SetsockoptInt(s, unix.IPPROTO_IP, unix.IP_MULTICAST_TTL, ttl); serr != nil {
					return
				}
				serr = unix.SetsockoptInt(s, unix.IPPROTO_IP, unix.IP_MULTICAST_LOOP, 1)
				return
			}
			if serr = unix.SetsockoptInt(s, unix.IPPROTO_IPV6, unix.IPV6_MULTICAST_IF, ifi.Index); serr != nil {
				return
			}
			if serr = unix.SetsockoptInt(s, unix.IPPROTO_IPV6, unix.IPV6_MULTICAST_HOPS, ttl); serr != nil {
				return
			}
			serr = unix.SetsockoptInt(s, unix.IPPROTO_IPV6, unix.IPV6_MULTICAST_LOOP, 1)
		})
		if err != nil {
			return err
		}
		return serr
	}
	lc := net.ListenConfig{Control: control}
	var pc net.PacketConn
	var err error
	for _, p := range []uint16{port, 0} { // the ASAP port if free, else any
		if p == 0 && port != 0 {
			log.Info("announce source port taken, using another", "port", port)
		}
		pc, err = lc.ListenPacket(context.Background(), network, netip.AddrPortFrom(src, p).String())
		if err == nil || p == 0 {
			break
		}
	}
	if err != nil {
		return nil, fmt.Errorf("registrar: announce socket: %w", err)
	}
	an.conn = pc.(*net.UDPConn)
	if la, ok := an.conn.LocalAddr().(*net.UDPAddr); ok {
		an.local = la.AddrPort()
	}
	return an, nil
}

// send sends one announce; failures are logged, sparsely.
func (an *announcer) send(m wire.Message) {
	b, err := wire.AppendASAP(nil, m)
	if err == nil {
		_, err = an.conn.WriteToUDP(b, an.dst)
	}
	if err != nil {
		if an.failed++; sparse(an.failed) {
			an.log.Warn("sending server announce failed", "to", an.dst.String(), "err", err, "failures", an.failed)
		}
	}
}

func (an *announcer) close() { an.conn.Close() }
