package asap

import (
	"bytes"
	"flag"
	"net/netip"
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	"netcompat/core/netlog"
	"netcompat/core/rserpool/policy"
	"netcompat/core/rserpool/wire"
	"netcompat/core/transport"
)

// TestMain keeps the client's log lines (failovers, ignored keep-alives)
// out of the test output unless -v is given.
func TestMain(m *testing.M) {
	flag.Parse()
	if !testing.Verbose() {
		netlog.SetOutput(nil)
	}
	os.Exit(m.Run())
}

// waitTime bounds every wait for something that should happen promptly.
const waitTime = 5 * time.Second

var tcpBare = transport.Options{Backend: transport.BackendTCP, Framing: transport.FramingBare}

// fakeRegistrar is a minimal registrar: it records every message it gets
// and, unless a handler says otherwise, answers registrations,
// deregistrations and handle resolutions from a table of pools.
type fakeRegistrar struct {
	t    *testing.T
	id   uint32
	ln   transport.Listener
	msgs chan fakeMsg
	wg   sync.WaitGroup

	mu      sync.Mutex
	dead    bool
	assocs  []transport.Assoc
	pools   map[string][]wire.PoolElement
	handler func(f *fakeRegistrar, a transport.Assoc, m wire.Message) (replies []wire.Message, handled bool)
}

type fakeMsg struct {
	a   transport.Assoc
	raw []byte
	m   wire.Message
}

func newFakeRegistrar(t *testing.T, id uint32) *fakeRegistrar {
	t.Helper()
	ln, err := transport.Listen([]netip.AddrPort{netip.MustParseAddrPort("127.0.0.1:0")}, &tcpBare)
	if err != nil {
		t.Fatalf("fake registrar: %v", err)
	}
	f := &fakeRegistrar{t: t, id: id, ln: ln, msgs: make(chan fakeMsg, 1024), pools: make(map[string][]wire.PoolElement)}
	f.wg.Add(1)
	go f.acceptLoop()
	t.Cleanup(f.kill)
	return f
}

func (f *fakeRegistrar) addrs() []netip.AddrPort { return f.ln.Addrs() }

func (f *fakeRegistrar) setHandler(h func(f *fakeRegistrar, a transport.Assoc, m wire.Message) ([]wire.Message, bool)) {
	f.mu.Lock()
	f.handler = h
	f.mu.Unlock()
}

func (f *fakeRegistrar) acceptLoop() {
	defer f.wg.Done()
	for {
		a, err := f.ln.Accept()
		if err != nil {
			return
		}
		f.adopt(a)
	}
}

// adopt serves association a (accepted, or opened by the fake itself).
func (f *fakeRegistrar) adopt(a transport.Assoc) {
	f.mu.Lock()
	if f.dead {
		f.mu.Unlock()
		a.Close()
		return
	}
	f.assocs = append(f.assocs, a)
	f.wg.Add(1)
	f.mu.Unlock()
	go f.serve(a)
}

func (f *fakeRegistrar) serve(a transport.Assoc) {
	defer f.wg.Done()
	buf := make([]byte, transport.MaxBareMessageSize)
	for {
		n, _, err := a.Recv(buf)
		if err != nil {
			return
		}
		raw := slices.Clone(buf[:n])
		m, err := wire.ParseASAP(raw)
		if err != nil {
			f.t.Errorf("fake registrar %d: bad message from client: %v", f.id, err)
			return
		}
		f.msgs <- fakeMsg{a: a, raw: raw, m: m}
		f.mu.Lock()
		h := f.handler
		f.mu.Unlock()
		var replies []wire.Message
		handled := false
		if h != nil {
			replies, handled = h(f, a, m)
		}
		if !handled {
			replies = f.respond(m)
		}
		for _, r := range replies {
			f.send(a, r)
		}
	}
}

func (f *fakeRegistrar) send(a transport.Assoc, m wire.Message) {
	b, err := wire.AppendASAP(nil, m)
	if err != nil {
		f.t.Errorf("fake registrar: encoding %T: %v", m, err)
		return
	}
	a.Send(b, transport.SendInfo{}) // errors: the client went away
}

// respond is the default behaviour of a registrar.
func (f *fakeRegistrar) respond(m wire.Message) []wire.Message {
	f.mu.Lock()
	defer f.mu.Unlock()
	switch m := m.(type) {
	case *wire.Registration:
		h := string(m.PoolHandle)
		pes := slices.DeleteFunc(f.pools[h], func(pe wire.PoolElement) bool { return pe.ID == m.Element.ID })
		pe := m.Element
		pe.HomeServer = f.id
		f.pools[h] = append(pes, pe)
		return []wire.Message{&wire.RegistrationResponse{PoolHandle: m.PoolHandle, PEID: m.Element.ID}}
	case *wire.Deregistration:
		h := string(m.PoolHandle)
		f.pools[h] = slices.DeleteFunc(f.pools[h], func(pe wire.PoolElement) bool { return pe.ID == m.PEID })
		return []wire.Message{&wire.DeregistrationResponse{PoolHandle: m.PoolHandle, PEID: m.PEID}}
	case *wire.HandleResolution:
		pes := f.pools[string(m.PoolHandle)]
		if len(pes) == 0 {
			return []wire.Message{&wire.HandleResolutionResponse{PoolHandle: m.PoolHandle, Error: causeErr(wire.CauseUnknownPoolHandle)}}
		}
		if m.HasItems && int(m.Items) < len(pes) {
			pes = pes[:m.Items]
		}
		return []wire.Message{&wire.HandleResolutionResponse{
			PoolHandle: m.PoolHandle,
			Policy:     wire.Policy{Type: pes[0].Policy.Type},
			Elements:   pes,
		}}
	}
	return nil
}

// setPool fills a pool without a registration.
func (f *fakeRegistrar) setPool(handle string, pes ...wire.PoolElement) {
	f.mu.Lock()
	f.pools[handle] = pes
	f.mu.Unlock()
}

// kill makes the registrar vanish: the listener and every association
// close, so that the client sees the loss and cannot reconnect.
func (f *fakeRegistrar) kill() {
	f.mu.Lock()
	f.dead = true
	assocs := f.assocs
	f.assocs = nil
	f.mu.Unlock()
	f.ln.Close()
	for _, a := range assocs {
		a.Close()
	}
	f.wg.Wait()
}

// next returns the next message the registrar received.
func (f *fakeRegistrar) next(t *testing.T) fakeMsg {
	t.Helper()
	select {
	case m := <-f.msgs:
		return m
	case <-time.After(waitTime):
		t.Fatalf("fake registrar %d: no message within %v", f.id, waitTime)
		return fakeMsg{}
	}
}

// expect checks that the next message is exactly want (byte for byte).
func (f *fakeRegistrar) expect(t *testing.T, want wire.Message) fakeMsg {
	t.Helper()
	got := f.next(t)
	wb, err := wire.AppendASAP(nil, want)
	if err != nil {
		t.Fatalf("encoding expected %T: %v", want, err)
	}
	if !bytes.Equal(got.raw, wb) {
		t.Fatalf("fake registrar %d got %#v\n  % x\nwant %#v\n  % x", f.id, got.m, got.raw, want, wb)
	}
	return got
}

// quiet checks that the registrar has received nothing more (of what was
// sent before the call: messages from one association arrive in order, so
// a later round trip flushes earlier ones).
func (f *fakeRegistrar) quiet(t *testing.T) {
	t.Helper()
	select {
	case m := <-f.msgs:
		t.Fatalf("fake registrar %d: unexpected %#v", f.id, m.m)
	default:
	}
}

func causeErr(c wire.Cause) *wire.OperationError {
	return &wire.OperationError{Causes: []wire.ErrorCause{{Code: c}}}
}

// newTestClient makes a client of the fakes (static registrars, TCP
// mapping, announces off unless cfg names a group) closed at the end of
// the test.
func newTestClient(t *testing.T, cfg Config, regs ...*fakeRegistrar) *Client {
	t.Helper()
	for _, r := range regs {
		cfg.Registrars = append(cfg.Registrars, r.addrs())
	}
	if !cfg.AnnounceGroup.IsValid() {
		cfg.DisableAnnounce = true
	}
	cfg.Transport.Backend = transport.BackendTCP
	if cfg.ConnectTimeout == 0 {
		cfg.ConnectTimeout = 2 * time.Second
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// fakeClock is a settable clock for the cache.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newFakeClock() *fakeClock { return &fakeClock{now: time.Unix(1_000_000, 0)} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// testPE returns a pool element as a registrar would store it.
func testPE(id uint32, port uint16, load uint32) wire.PoolElement {
	return wire.PoolElement{
		ID:      id,
		RegLife: 30000,
		User: wire.Transport{
			Kind:  wire.ParamSCTPTransport,
			Port:  port,
			Addrs: []netip.Addr{netip.MustParseAddr("127.0.0.1")},
		},
		Policy: wire.Policy{Type: policy.LeastUsed, Values: []uint32{load}},
	}
}

func userTransport(port uint16) wire.Transport {
	return wire.Transport{Kind: wire.ParamSCTPTransport, Port: port, Addrs: []netip.Addr{netip.MustParseAddr("127.0.0.1")}}
}
