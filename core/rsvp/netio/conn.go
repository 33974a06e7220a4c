package netio

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sync"

	"golang.org/x/sys/unix"
)

// Options choose the sockets Open makes.
type Options struct {
	Raw  bool // raw IP, protocol 46 (needs CAP_NET_RAW)
	UDP  bool // UDP encapsulation, ports 1698 and 1699
	IPv6 bool // IPv6 sockets too (IPv4 always)
	// Queue is the capacity of the Packets channel (0: 4096). A full queue
	// drops what arrives, as a full socket buffer would.
	Queue int
}

// Conn is rsvpd's set of RSVP sockets.
type Conn struct {
	raw4, raw4RA, raw6 *sock
	// raw6RA takes transit IPv6 packets with Router Alert: Linux hands
	// them only to IPPROTO_RAW sockets, with their IPv6 header.
	raw6RA     *sock
	udp4, udp6 []*sock // Pu, Pu'
	packets    chan Packet
	wg         sync.WaitGroup
	closeOnce  sync.Once

	mu      sync.Mutex
	dropped uint64
}

// ErrNoSocket: Send was asked for a kind of socket Open did not make.
var ErrNoSocket = errors.New("netio: no socket for this kind of message")

// Open makes the sockets o asks for and starts receiving.
func Open(o Options) (*Conn, error) {
	if !o.Raw && !o.UDP {
		return nil, errors.New("netio: neither raw IP nor UDP chosen")
	}
	q := o.Queue
	if q <= 0 {
		q = 4096
	}
	c := &Conn{packets: make(chan Packet, q)}
	var err error
	if o.Raw {
		err = c.openRaw(o.IPv6)
	}
	if err == nil && o.UDP {
		err = c.openUDP(o.IPv6)
	}
	if err != nil {
		c.closeSockets()
		return nil, err
	}
	for _, s := range c.socks() {
		if s == c.raw4RA {
			continue // sends only
		}
		c.wg.Add(1)
		go c.receive(s)
	}
	return c, nil
}

func (c *Conn) socks() []*sock {
	var out []*sock
	for _, s := range []*sock{c.raw4, c.raw4RA, c.raw6, c.raw6RA} {
		if s != nil {
			out = append(out, s)
		}
	}
	return append(append(out, c.udp4...), c.udp6...)
}

func (c *Conn) openRaw(v6 bool) error {
	s, fd, err := newSock(unix.AF_INET, unix.SOCK_RAW, Protocol, "raw4")
	if err != nil {
		return err
	}
	for _, o := range []struct {
		opt  int
		what string
	}{{unix.IP_PKTINFO, "IP_PKTINFO"}, {unix.IP_ROUTER_ALERT, "IP_ROUTER_ALERT"}} {
		if err := setInt(fd, unix.IPPROTO_IP, o.opt, 1, o.what); err != nil {
			unix.Close(fd)
			return err
		}
	}
	if err := s.start(fd); err != nil {
		return err
	}
	c.raw4 = s

	s, fd, err = newSock(unix.AF_INET, unix.SOCK_RAW, Protocol, "raw4-ra")
	if err != nil {
		return err
	}
	if err := unix.SetsockoptString(fd, unix.IPPROTO_IP, unix.IP_OPTIONS, string(routerAlert4)); err != nil {
		unix.Close(fd)
		return fmt.Errorf("netio: setsockopt IP_OPTIONS: %w", err)
	}
	if err := dropAll(fd); err != nil {
		unix.Close(fd)
		return err
	}
	if err := s.start(fd); err != nil {
		return err
	}
	c.raw4RA = s

	if !v6 {
		return nil
	}
	s, fd, err = newSock(unix.AF_INET6, unix.SOCK_RAW, Protocol, "raw6")
	if err != nil {
		return err
	}
	for _, o := range []struct {
		opt, v int
		what   string
	}{{unix.IPV6_RECVPKTINFO, 1, "IPV6_RECVPKTINFO"}, {unix.IPV6_RECVHOPLIMIT, 1, "IPV6_RECVHOPLIMIT"}} {
		if err := setInt(fd, unix.IPPROTO_IPV6, o.opt, o.v, o.what); err != nil {
			unix.Close(fd)
			return err
		}
	}
	if err := s.start(fd); err != nil {
		return err
	}
	c.raw6 = s

	s, fd, err = newSock(unix.AF_INET6, unix.SOCK_RAW, unix.IPPROTO_RAW, "raw6-ra")
	if err != nil {
		return err
	}
	s.raw6hdr = true
	for _, o := range []struct {
		opt, v int
		what   string
	}{{unix.IPV6_RECVPKTINFO, 1, "IPV6_RECVPKTINFO"}, {unix.IPV6_ROUTER_ALERT, raRSVP, "IPV6_ROUTER_ALERT"},
		// Linux keeps one IPv6 Router Alert chain for all namespaces:
		// without this the socket would take packets forwarded in others.
		{unix.IPV6_ROUTER_ALERT_ISOLATE, 1, "IPV6_ROUTER_ALERT_ISOLATE"}} {
		if err := setInt(fd, unix.IPPROTO_IPV6, o.opt, o.v, o.what); err != nil {
			unix.Close(fd)
			return err
		}
	}
	if err := s.start(fd); err != nil {
		return err
	}
	c.raw6RA = s
	return nil
}

func (c *Conn) openUDP(v6 bool) error {
	for _, port := range []int{PortPu, PortPuPrime} {
		s, err := openUDP4(port)
		if err != nil {
			return err
		}
		c.udp4 = append(c.udp4, s)
		if v6 {
			s, err := openUDP6(port)
			if err != nil {
				return err
			}
			c.udp6 = append(c.udp6, s)
		}
	}
	return nil
}

func openUDP4(port int) (*sock, error) {
	s, fd, err := newSock(unix.AF_INET, unix.SOCK_DGRAM, unix.IPPROTO_UDP, fmt.Sprintf("udp4:%d", port))
	if err != nil {
		return nil, err
	}
	for _, o := range []struct {
		level, opt int
		what       string
	}{{unix.SOL_SOCKET, unix.SO_REUSEADDR, "SO_REUSEADDR"}, {unix.IPPROTO_IP, unix.IP_PKTINFO, "IP_PKTINFO"}, {unix.IPPROTO_IP, unix.IP_RECVTTL, "IP_RECVTTL"}} {
		if err := setInt(fd, o.level, o.opt, 1, o.what); err != nil {
			unix.Close(fd)
			return nil, err
		}
	}
	if err := unix.Bind(fd, &unix.SockaddrInet4{Port: port}); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("netio: bind UDP port %d: %w", port, err)
	}
	joinEncapGroup(fd)
	return s, s.start(fd)
}

// joinEncapGroup joins G* on every multicast interface that is up; best
// effort, since hop-by-hop unicast works without it.
func joinEncapGroup(fd int) {
	ifs, err := net.Interfaces()
	if err != nil {
		return
	}
	g := GroupEncap.As4()
	for _, ifc := range ifs {
		if ifc.Flags&net.FlagUp == 0 || ifc.Flags&net.FlagMulticast == 0 {
			continue
		}
		mreq := &unix.IPMreqn{Multiaddr: g, Ifindex: int32(ifc.Index)}
		unix.SetsockoptIPMreqn(fd, unix.IPPROTO_IP, unix.IP_ADD_MEMBERSHIP, mreq)
	}
}

func openUDP6(port int) (*sock, error) {
	s, fd, err := newSock(unix.AF_INET6, unix.SOCK_DGRAM, unix.IPPROTO_UDP, fmt.Sprintf("udp6:%d", port))
	if err != nil {
		return nil, err
	}
	for _, o := range []struct {
		level, opt int
		what       string
	}{{unix.SOL_SOCKET, unix.SO_REUSEADDR, "SO_REUSEADDR"}, {unix.IPPROTO_IPV6, unix.IPV6_V6ONLY, "IPV6_V6ONLY"},
		{unix.IPPROTO_IPV6, unix.IPV6_RECVPKTINFO, "IPV6_RECVPKTINFO"}, {unix.IPPROTO_IPV6, unix.IPV6_RECVHOPLIMIT, "IPV6_RECVHOPLIMIT"}} {
		if err := setInt(fd, o.level, o.opt, 1, o.what); err != nil {
			unix.Close(fd)
			return nil, err
		}
	}
	if err := unix.Bind(fd, &unix.SockaddrInet6{Port: port}); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("netio: bind UDP6 port %d: %w", port, err)
	}
	return s, s.start(fd)
}

// Packets delivers every received RSVP message; it is closed by Close.
func (c *Conn) Packets() <-chan Packet { return c.packets }

// Dropped counts packets dropped because Packets was full.
func (c *Conn) Dropped() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.dropped
}

func (c *Conn) receive(s *sock) {
	defer c.wg.Done()
	buf := make([]byte, 65536)
	oob := make([]byte, 512)
	for {
		n, oobn, from, err := s.recvmsg(buf, oob)
		if err != nil {
			if errors.Is(err, unix.EINTR) || errors.Is(err, unix.ENOBUFS) {
				continue
			}
			return // closed
		}
		if n > len(buf) {
			continue // truncated: longer than any RSVP message may be
		}
		p, ok := s.packet(buf[:n], oob[:oobn], from)
		if !ok {
			continue
		}
		select {
		case c.packets <- p:
		default:
			c.mu.Lock()
			c.dropped++
			c.mu.Unlock()
		}
	}
}

// packet turns one datagram into a Packet; IPv4 raw datagrams start with
// the IP header.
func (s *sock) packet(b, oob []byte, from unix.Sockaddr) (Packet, bool) {
	r := parseCmsgs(oob)
	p := Packet{Src: addrOf(from), Dst: r.dst, IfIndex: r.ifindex, TTL: r.ttl, UDP: s.udp}
	if s.raw {
		if len(b) < 20 || b[0]>>4 != 4 {
			return p, false
		}
		ihl := int(b[0]&0x0f) * 4
		if ihl < 20 || ihl > len(b) {
			return p, false
		}
		p.TTL = int(b[8])
		p.Src = netip.AddrFrom4([4]byte(b[12:16]))
		p.Dst = netip.AddrFrom4([4]byte(b[16:20]))
		b = b[ihl:]
	}
	if s.raw6hdr {
		var ok bool
		if b, ok = ipv6Payload(b, &p); !ok {
			return p, false
		}
	}
	p.Data = append([]byte(nil), b...)
	return p, true
}

// Send sends one message.
func (c *Conn) Send(o Out) error {
	if !o.Dst.IsValid() {
		return errors.New("netio: no destination")
	}
	ttl := o.TTL
	if ttl <= 0 {
		ttl = 64
	}
	v6 := o.Dst.Is6() && !o.Dst.Is4In6()
	var s *sock
	var oob []byte
	port := 0
	switch {
	case o.UDP:
		port = o.Port
		if port == 0 {
			port = PortPu
		}
		if v6 && len(c.udp6) > 0 {
			s = c.udp6[0]
		} else if !v6 && len(c.udp4) > 0 {
			s = c.udp4[0]
		}
	case v6:
		s = c.raw6
		if o.RouterAlert && s != nil {
			oob = appendCmsg(oob, unix.IPPROTO_IPV6, unix.IPV6_HOPOPTS, hopByHopRA)
		}
	case o.RouterAlert:
		s = c.raw4RA
	default:
		s = c.raw4
	}
	if s == nil {
		return ErrNoSocket
	}
	if v6 {
		if o.IfIndex != 0 || o.Src.IsValid() {
			oob = appendCmsg(oob, unix.IPPROTO_IPV6, unix.IPV6_PKTINFO, pktinfo6(o.IfIndex, o.Src))
		}
		oob = appendCmsg(oob, unix.IPPROTO_IPV6, unix.IPV6_HOPLIMIT, intBytes(ttl))
	} else {
		if o.IfIndex != 0 || o.Src.IsValid() {
			oob = appendCmsg(oob, unix.IPPROTO_IP, unix.IP_PKTINFO, pktinfo4(o.IfIndex, o.Src.Unmap()))
		}
		oob = appendCmsg(oob, unix.IPPROTO_IP, unix.IP_TTL, intBytes(ttl))
	}
	zone := 0
	if v6 && o.Dst.IsLinkLocalUnicast() {
		zone = o.IfIndex
	}
	if err := s.sendmsg(o.Data, oob, sockaddr(o.Dst, port, zone)); err != nil {
		return fmt.Errorf("netio: send to %v via %s: %w", o.Dst, s.kind, err)
	}
	return nil
}

// Close closes every socket; Packets is closed once the receivers stop.
func (c *Conn) Close() error {
	c.closeOnce.Do(func() {
		c.closeSockets()
		c.wg.Wait()
		close(c.packets)
	})
	return nil
}

func (c *Conn) closeSockets() {
	for _, s := range c.socks() {
		s.close()
	}
}
