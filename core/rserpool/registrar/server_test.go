package registrar

import (
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"net/netip"
	"slices"
	"testing"
	"time"

	"netcompat/core/rserpool/policy"
	"netcompat/core/rserpool/wire"
	"netcompat/core/transport"
)

// Generous deadlines: every wait below ends as soon as its condition holds.
const waitLimit = 15 * time.Second

func startServer(t *testing.T, mod func(*ServerConfig)) *Server {
	t.Helper()
	cfg := ServerConfig{
		ASAP:   []netip.AddrPort{netip.MustParseAddrPort("127.0.0.1:0")},
		Logger: testLogger(t),
	}
	if mod != nil {
		mod(&cfg)
	}
	s, err := Listen(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// testClient is an ASAP association to a Server with a background reader.
type testClient struct {
	t    *testing.T
	a    transport.Assoc
	in   chan wire.Message
	done chan error // the reader's final error
}

func dialServer(t *testing.T, s *Server) *testClient {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	a, err := transport.Dial(ctx, s.Addrs(), &transport.Options{Backend: s.Backend(), Framing: transport.FramingBare})
	if err != nil {
		t.Fatal(err)
	}
	c := &testClient{t: t, a: a, in: make(chan wire.Message, 1024), done: make(chan error, 1)}
	go func() {
		buf := make([]byte, 65535)
		for {
			n, _, err := a.Recv(buf)
			if err != nil {
				close(c.in)
				c.done <- err
				return
			}
			m, err := wire.ParseASAP(buf[:n])
			if err != nil {
				t.Errorf("registrar sent an undecodable message: %v", err)
				continue
			}
			c.in <- m
		}
	}()
	t.Cleanup(func() { a.Close() })
	return c
}

func (c *testClient) send(m wire.Message) {
	c.t.Helper()
	if err := c.a.Send(encode(c.t, m), transport.SendInfo{}); err != nil {
		c.t.Fatal(err)
	}
}

// recv returns the next message that is not a keep-alive (those are
// acknowledged when ack is set, else dropped).
func (c *testClient) recv(ack bool) wire.Message {
	c.t.Helper()
	timeout := time.After(waitLimit)
	for {
		select {
		case m, ok := <-c.in:
			if !ok {
				c.t.Fatalf("association ended: %v", <-c.done)
			}
			if ka, isKA := m.(*wire.EndpointKeepAlive); isKA {
				if ack {
					c.send(&wire.EndpointKeepAliveAck{PoolHandle: ka.PoolHandle, PEID: ka.PEID})
				}
				continue
			}
			return m
		case <-timeout:
			c.t.Fatal("no message from the registrar")
		}
	}
}

// ended waits for the association to end and returns why.
func (c *testClient) ended() error {
	c.t.Helper()
	timeout := time.After(waitLimit)
	for {
		select {
		case _, ok := <-c.in:
			if !ok {
				return <-c.done
			}
		case <-timeout:
			c.t.Fatal("association still open")
		}
	}
}

func (c *testClient) register(handle string, e wire.PoolElement) {
	c.t.Helper()
	c.send(regMsg(handle, e))
	resp, ok := c.recv(true).(*wire.RegistrationResponse)
	if !ok || resp.Reject || resp.Error != nil {
		c.t.Fatalf("registration answered %+v", resp)
	}
}

func (c *testClient) resolve(handle string) *wire.HandleResolutionResponse {
	c.t.Helper()
	c.send(hrMsg(handle))
	resp, ok := c.recv(true).(*wire.HandleResolutionResponse)
	if !ok {
		c.t.Fatalf("handle resolution answered %T", resp)
	}
	return resp
}

// waitFor polls cond until it holds.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(waitLimit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond) // polling interval, not synchronisation
	}
}

func TestServerRegisterResolve(t *testing.T) {
	s := startServer(t, nil)
	pe1 := dialServer(t, s)
	pe1.register("echo", pe(1, policy.RoundRobin))
	pe1.register("echo", pe(2, policy.RoundRobin))
	pu := dialServer(t, s)
	resp := pu.resolve("echo")
	if resp.Reject || len(resp.Elements) != 2 {
		t.Fatalf("resolution %+v", resp)
	}
	if resp := pu.resolve("nothing"); !resp.Reject || !slices.Equal(causes(resp.Error), []wire.Cause{wire.CauseUnknownPoolHandle}) {
		t.Fatalf("unknown pool: %+v", resp)
	}
	pe1.send(&wire.Deregistration{PoolHandle: []byte("echo"), PEID: 1})
	if d, ok := pe1.recv(true).(*wire.DeregistrationResponse); !ok || d.Error != nil {
		t.Fatalf("deregistration answered %+v", d)
	}
	if got := ids(pu.resolve("echo")); !slices.Equal(got, []uint32{2}) {
		t.Fatalf("after deregistration: %v", got)
	}
	st := s.Stats()
	if st.Registrations != 2 || st.Deregistrations != 1 || st.HandleResolutions != 3 || st.Associations != 2 {
		t.Errorf("stats %+v", st)
	}
}

func TestServerKeepAliveAndAssocLoss(t *testing.T) {
	s := startServer(t, func(c *ServerConfig) {
		c.Registrar.KeepAliveInterval = 100 * time.Millisecond
		c.Registrar.KeepAliveTimeout = 100 * time.Millisecond
	})
	live := dialServer(t, s) // answers keep-alives
	live.register("pool", pe(1, policy.RoundRobin))
	go func() {
		for m := range live.in {
			if ka, ok := m.(*wire.EndpointKeepAlive); ok {
				live.a.Send(encode(t, &wire.EndpointKeepAliveAck{PoolHandle: ka.PoolHandle, PEID: ka.PEID}), transport.SendInfo{})
			}
		}
	}()
	mute := dialServer(t, s) // ignores them
	mute.register("pool", pe(2, policy.RoundRobin))
	gone := dialServer(t, s) // closes its association
	gone.register("pool", pe(3, policy.RoundRobin))

	pu := dialServer(t, s)
	gone.a.Close()
	waitFor(t, "the silent and the departed element to go", func() bool {
		return slices.Equal(ids(pu.resolve("pool")), []uint32{1})
	})
	st := s.Stats()
	if st.KeepAliveTimeouts != 1 || st.AssocLossRemovals != 1 || st.KeepAliveAcks == 0 {
		t.Errorf("stats %+v", st)
	}
}

func TestServerOversizeAndGarbage(t *testing.T) {
	s := startServer(t, func(c *ServerConfig) {
		c.MaxMessageSize = 256
		c.Registrar.MaxGarbage = 4
	})
	c := dialServer(t, s)
	big := pe(1, policy.RoundRobin)
	for i := range 40 {
		big.User.Addrs = append(big.User.Addrs, netip.AddrFrom4([4]byte{127, 0, 0, byte(i + 2)}))
	}
	c.send(regMsg("pool", big))
	e, ok := c.recv(false).(*wire.ASAPErrorMessage)
	if !ok || !slices.Equal(causes(&e.Error), []wire.Cause{wire.CauseLackOfResources}) {
		t.Fatalf("oversize registration answered %+v", e)
	}
	// The association survives one oversize message ...
	if resp := c.resolve("pool"); !resp.Reject {
		t.Fatalf("resolution %+v", resp)
	}
	// ... but not repeated garbage.
	junk := []byte{0x42, 0, 0, 4}
	for range 4 {
		if err := c.a.Send(junk, transport.SendInfo{}); err != nil {
			break
		}
	}
	if err := c.ended(); err == nil {
		t.Fatal("no error")
	}
	if st := s.Stats(); st.GarbageCloses != 1 {
		t.Errorf("stats %+v", st)
	}
}

// A client that sends requests and reads no answers is stalled by flow
// control (the registrar stops reading from it) rather than growing the
// registrar's queues; others are served meanwhile; the autoclose timeout
// finally closes the stalled association.
func TestServerSlowReader(t *testing.T) {
	s := startServer(t, func(c *ServerConfig) {
		c.QueueHighWater = 4 << 10
		c.MaxQueuedBytes = 2 << 20 // above high water + maxInflight answers: never reached
		c.Registrar.AutoCloseTimeout = time.Second
		c.Registrar.MaxHandleResolutionItems = 128
		c.CloseGrace = 100 * time.Millisecond
	})
	if s.Backend() != transport.BackendTCP {
		t.Skip("needs the TCP mapping to hold back reading")
	}
	good := dialServer(t, s)
	good.register("pool", pe(1, policy.RoundRobin))
	for id := uint32(1); id <= 128; id++ { // big answers fill the socket buffers soon
		good.register("big", pe(id, policy.RoundRobin))
	}
	conn, err := net.Dial("tcp", s.Addrs()[0].String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.(*net.TCPConn).SetReadBuffer(4096)
	batch := slices.Repeat(encode(t, hrMsg("big", 128)), 100)
	writeErr := make(chan error, 1)
	go func() {
		for {
			if _, err := conn.Write(batch); err != nil {
				writeErr <- err
				return
			}
		}
	}()
	served := 0
	waitFor(t, "the stalled client to be closed", func() bool {
		select {
		case <-writeErr:
			return true
		default:
		}
		if len(good.resolve("pool").Elements) != 1 {
			t.Fatal("good client not served")
		}
		served++
		return false
	})
	st := s.Stats()
	if st.IdleCloses != 1 || served == 0 {
		t.Errorf("served %d; stats %+v", served, st)
	}
}

// blockingAssoc is a transport.Assoc whose Send blocks until Close.
type blockingAssoc struct{ closed chan struct{} }

func (b *blockingAssoc) Send([]byte, transport.SendInfo) error { <-b.closed; return net.ErrClosed }
func (b *blockingAssoc) Recv([]byte) (int, transport.RecvInfo, error) {
	<-b.closed
	return 0, transport.RecvInfo{}, net.ErrClosed
}
func (b *blockingAssoc) Close() error {
	select {
	case <-b.closed:
	default:
		close(b.closed)
	}
	return nil
}
func (b *blockingAssoc) LocalAddrs() []netip.AddrPort  { return nil }
func (b *blockingAssoc) RemoteAddrs() []netip.AddrPort { return nil }

// The queue of an association whose peer takes nothing: the reader is
// held back above the high water mark, and enqueue refuses beyond
// MaxQueuedBytes.
func TestConnQueue(t *testing.T) {
	s := &Server{cfg: ServerConfig{QueueHighWater: 100, MaxQueuedBytes: 300}}
	a := &blockingAssoc{closed: make(chan struct{})}
	c := newConn(1, a, s, wire.ASAP)
	defer c.abort()
	msg := make([]byte, 60)
	if c.congested() {
		t.Fatal("empty queue congested")
	}
	for i := range 5 {
		if !c.enqueue(msg) {
			t.Fatalf("message %d refused", i)
		}
	}
	if !c.congested() {
		t.Fatal("300 queued bytes above a high water mark of 100: not congested")
	}
	if c.enqueue(msg) {
		t.Fatal("queue beyond MaxQueuedBytes accepted")
	}
	if n, b := c.queued(); n != 5 || b != 300 {
		t.Fatalf("queued %d messages, %d bytes", n, b)
	}
	for range maxInflight {
		c.inflight.Add(1)
	}
	c.mu.Lock()
	c.q, c.qbytes = nil, 0
	c.mu.Unlock()
	if !c.congested() {
		t.Fatal("maxInflight messages in flight: not congested")
	}
	c.handled()
	if c.congested() {
		t.Fatal("still congested")
	}
	c.closeQueue()
	if c.enqueue(msg) {
		t.Fatal("closing association accepted a message")
	}
}

func TestServerMaxAssociations(t *testing.T) {
	s := startServer(t, func(c *ServerConfig) { c.MaxAssociations = 2 })
	a, b := dialServer(t, s), dialServer(t, s)
	a.resolve("x")
	b.resolve("x")
	c := dialServer(t, s)
	if err := c.ended(); !errors.Is(err, io.EOF) && !errors.Is(err, transport.ErrAssociationLost) {
		t.Fatalf("third association ended with %v", err)
	}
	a.a.Close()
	waitFor(t, "a free slot", func() bool { return s.Stats().Associations < 2 })
	d := dialServer(t, s)
	waitFor(t, "the new association served", func() bool {
		d.send(hrMsg("x"))
		select {
		case m, ok := <-d.in:
			return ok && m != nil
		case <-time.After(time.Second):
			return false
		}
	})
}

func TestServerClose(t *testing.T) {
	s := startServer(t, nil)
	c := dialServer(t, s)
	c.register("pool", pe(1, policy.RoundRobin))
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := c.ended(); !errors.Is(err, io.EOF) && !errors.Is(err, transport.ErrAssociationLost) {
		t.Fatalf("client saw %v", err)
	}
	if s.Close() == nil {
		t.Error("second Close succeeded")
	}
	if st := s.Stats(); st.Registrations != 1 {
		t.Errorf("final stats %+v", st)
	}
}

// Announces to a unicast loopback address carry the server ID and the
// listening address.
func TestServerAnnounceUnicast(t *testing.T) {
	rx, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer rx.Close()
	dst := rx.LocalAddr().(*net.UDPAddr).AddrPort()
	s := startServer(t, func(c *ServerConfig) {
		c.Announce = dst
		c.Registrar.AnnounceInterval = 50 * time.Millisecond
	})
	sa, from := recvAnnounce(t, rx)
	if sa.ServerID != s.ServerID() {
		t.Fatalf("announce from $%08x, want $%08x", sa.ServerID, s.ServerID())
	}
	if len(sa.Transports) != 1 || sa.Transports[0].Port != s.Addrs()[0].Port() ||
		!slices.Equal(sa.Transports[0].Addrs, []netip.Addr{netip.MustParseAddr("127.0.0.1")}) {
		t.Fatalf("transports %+v", sa.Transports)
	}
	if from.Addr() != netip.MustParseAddr("127.0.0.1") {
		t.Errorf("announce from %v", from)
	}
	recvAnnounce(t, rx) // and again
}

// Multicast announces leave by the loopback interface: a receiver joined
// on lo hears them, from 127.0.0.1 and the ASAP port.
func TestServerAnnounceMulticastLoopback(t *testing.T) {
	lo, err := net.InterfaceByName("lo")
	if err != nil {
		t.Skip("no lo interface")
	}
	port := 20000 + rand.IntN(30000)
	group := netip.AddrPortFrom(netip.MustParseAddr("239.0.0.50"), uint16(port))
	rx, err := net.ListenMulticastUDP("udp4", lo, net.UDPAddrFromAddrPort(group))
	if err != nil {
		t.Skipf("cannot join %v on lo: %v", group, err)
	}
	defer rx.Close()
	s := startServer(t, func(c *ServerConfig) {
		c.ASAP = []netip.AddrPort{netip.MustParseAddrPort("0.0.0.0:0")}
		c.Announce = group
		c.Registrar.AnnounceInterval = 50 * time.Millisecond
	})
	sa, from := recvAnnounce(t, rx)
	if sa.ServerID != s.ServerID() {
		t.Fatalf("announce from $%08x, want $%08x", sa.ServerID, s.ServerID())
	}
	if from.Addr() != netip.MustParseAddr("127.0.0.1") {
		t.Errorf("announce from %v, want 127.0.0.1", from)
	}
	if from.Port() != s.Addrs()[0].Port() {
		t.Logf("announce source port %d differs from the ASAP port %d (taken for UDP)", from.Port(), s.Addrs()[0].Port())
	}
	// The unspecified listening address is announced as lo's address.
	if len(sa.Transports) != 1 || !slices.Contains(sa.Transports[0].Addrs, netip.MustParseAddr("127.0.0.1")) {
		t.Fatalf("transports %+v", sa.Transports)
	}
}

func recvAnnounce(t *testing.T, rx *net.UDPConn) (*wire.ServerAnnounce, netip.AddrPort) {
	t.Helper()
	rx.SetReadDeadline(time.Now().Add(waitLimit))
	buf := make([]byte, 2048)
	n, from, err := rx.ReadFromUDPAddrPort(buf)
	if err != nil {
		t.Fatal(err)
	}
	m, err := wire.ParseASAP(buf[:n])
	if err != nil {
		t.Fatal(err)
	}
	sa, ok := m.(*wire.ServerAnnounce)
	if !ok {
		t.Fatalf("received %T", m)
	}
	return sa, netip.AddrPortFrom(from.Addr().Unmap(), from.Port())
}
