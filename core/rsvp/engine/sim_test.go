package engine

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"netcompat/core/rsvp/api"
	"netcompat/core/rsvp/config"
	"netcompat/core/rsvp/wire"
)

// The simulation wires engines together in memory: each node's Send
// actions are encoded with wire.Append, decoded with wire.Parse and
// handed to the node at the other end of the link, on a fake clock.
//
//	H1 ─if1── if1─ R1 ─if2── if1─ R2 ─if2── if1─ H2
//	               R1 ─if3── if4─ R2 ─if3── if1─ H3
//
// R1 if3 - R2 if4 is a second link between the routers, used by the
// route change test. The multicast group G goes to both H2 and H3.

var (
	t0     = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	addrH1 = netip.MustParseAddr("10.0.1.1")
	addrH2 = netip.MustParseAddr("10.0.3.2")
	addrH3 = netip.MustParseAddr("10.0.4.2")
	groupG = netip.MustParseAddr("224.1.1.1")
)

type simRoute struct {
	prefix netip.Prefix
	routes []Route
}

type peerRef struct {
	node  *simNode
	iface int
}

type simNode struct {
	name    string
	e       *Engine
	ifaces  []Interface
	routes  []simRoute
	peers   map[int]peerRef
	tc      []*TCAction          // every TC action, in order
	live    map[uint64]*TCAction // installed reservations by ID
	events  []Deliver
	sent    []*Send
	nextCli ClientID
}

// Route implements Router by longest prefix match.
func (n *simNode) Route(dst, _ netip.Addr) []Route {
	best := -1
	var out []Route
	for _, r := range n.routes {
		if r.prefix.Contains(dst) && r.prefix.Bits() > best {
			best, out = r.prefix.Bits(), r.routes
		}
	}
	return slices.Clone(out)
}

func (n *simNode) addr(idx int) netip.Addr {
	for _, i := range n.ifaces {
		if i.Index == idx {
			return i.Addrs[0]
		}
	}
	return netip.Addr{}
}

func (n *simNode) isLocal(a netip.Addr) bool {
	for _, i := range n.ifaces {
		if slices.Contains(i.Addrs, a) {
			return true
		}
	}
	return false
}

type pending struct {
	to *simNode
	in Inbound
}

type simNet struct {
	t      testing.TB
	now    time.Time
	nodes  []*simNode
	byName map[string]*simNode
	queue  []pending
	dead   map[string]bool
	// drop, when set, may discard a message in flight.
	drop  func(from, to string, m wire.Message) bool
	trace bool
}

type simConfig struct {
	refresh time.Duration
	keep    int
	pools   map[string]float64 // "R1/if2" → bytes/s
	mtus    map[string]uint32
	opts    func(name string, o *Options)
}

func p(s string) netip.Prefix { return netip.MustParsePrefix(s) }
func a(s string) netip.Addr   { return netip.MustParseAddr(s) }

func newSim(t testing.TB, sc simConfig) *simNet {
	t.Helper()
	if sc.refresh == 0 {
		sc.refresh = 30 * time.Second
	}
	if sc.keep == 0 {
		sc.keep = 3
	}
	sn := &simNet{t: t, now: t0, byName: map[string]*simNode{}, dead: map[string]bool{}}
	mk := func(name string, addrs ...string) *simNode {
		n := &simNode{name: name, peers: map[int]peerRef{}, live: map[uint64]*TCAction{}}
		for i, s := range addrs {
			ifc := Interface{Name: fmt.Sprintf("%s-if%d", strings.ToLower(name), i+1), Index: i + 1, Addrs: []netip.Addr{a(s)}, Enforce: true}
			key := fmt.Sprintf("%s/if%d", name, i+1)
			ifc.Pool = sc.pools[key]
			ifc.MTU = sc.mtus[key]
			n.ifaces = append(n.ifaces, ifc)
		}
		sn.nodes = append(sn.nodes, n)
		sn.byName[name] = n
		return n
	}
	h1 := mk("H1", "10.0.1.1")
	r1 := mk("R1", "10.0.1.2", "10.0.2.1", "10.0.5.1")
	r2 := mk("R2", "10.0.2.2", "10.0.3.1", "10.0.4.1", "10.0.5.2")
	h2 := mk("H2", "10.0.3.2")
	h3 := mk("H3", "10.0.4.2")
	link := func(x *simNode, xi int, y *simNode, yi int) {
		x.peers[xi] = peerRef{y, yi}
		y.peers[yi] = peerRef{x, xi}
	}
	link(h1, 1, r1, 1)
	link(r1, 2, r2, 1)
	link(r2, 2, h2, 1)
	link(r2, 3, h3, 1)
	link(r1, 3, r2, 4)
	rt := func(pfx string, rs ...Route) simRoute { return simRoute{p(pfx), rs} }
	h1.routes = []simRoute{rt("0.0.0.0/0", Route{1, a("10.0.1.2")}), rt("224.1.1.1/32", Route{Iface: 1})}
	r1.routes = []simRoute{
		rt("10.0.1.0/24", Route{Iface: 1}), rt("10.0.2.0/24", Route{Iface: 2}), rt("10.0.5.0/24", Route{Iface: 3}),
		rt("10.0.3.0/24", Route{2, a("10.0.2.2")}), rt("10.0.4.0/24", Route{2, a("10.0.2.2")}),
		rt("224.1.1.1/32", Route{Iface: 2}),
	}
	r2.routes = []simRoute{
		rt("10.0.2.0/24", Route{Iface: 1}), rt("10.0.1.0/24", Route{1, a("10.0.2.1")}),
		rt("10.0.3.0/24", Route{Iface: 2}), rt("10.0.4.0/24", Route{Iface: 3}), rt("10.0.5.0/24", Route{Iface: 4}),
		rt("224.1.1.1/32", Route{Iface: 2}, Route{Iface: 3}),
	}
	h2.routes = []simRoute{rt("0.0.0.0/0", Route{1, a("10.0.3.1")})}
	h3.routes = []simRoute{rt("0.0.0.0/0", Route{1, a("10.0.4.1")})}
	for i, n := range sn.nodes {
		cfg := config.Default()
		cfg.Refresh, cfg.Keep = sc.refresh, sc.keep
		r := rand.New(rand.NewPCG(uint64(i)+1, 7))
		o := Options{Config: cfg, Node: Node{Name: n.name, Interfaces: n.ifaces}, Router: n, Rand: r.Float64}
		if sc.opts != nil {
			sc.opts(n.name, &o)
		}
		e, err := New(o)
		if err != nil {
			t.Fatal(err)
		}
		n.e = e
	}
	return sn
}

func (sn *simNet) node(name string) *simNode { return sn.byName[name] }

// collect takes n's actions: messages go on the wire, TC actions and
// events are recorded.
func (sn *simNet) collect(n *simNode) {
	for _, act := range n.e.Drain() {
		switch act := act.(type) {
		case *Send:
			n.sent = append(n.sent, act)
			if sn.dead[n.name] {
				continue
			}
			sn.transmit(n, act)
		case *TCAction:
			n.tc = append(n.tc, act)
			switch act.Op {
			case TCInstall:
				if n.live[act.ID] != nil {
					sn.t.Fatalf("%s: install of installed reservation %d", n.name, act.ID)
				}
				n.live[act.ID] = act
			case TCModify:
				if n.live[act.ID] == nil {
					sn.t.Fatalf("%s: modify of unknown reservation %d", n.name, act.ID)
				}
				n.live[act.ID] = act
			case TCRemove:
				if n.live[act.ID] == nil {
					sn.t.Fatalf("%s: remove of unknown reservation %d", n.name, act.ID)
				}
				delete(n.live, act.ID)
			}
		case *Deliver:
			n.events = append(n.events, *act)
		}
	}
}

// transmit encodes a message, finds the link and queues the decoded copy
// for the neighbour.
func (sn *simNet) transmit(n *simNode, s *Send) {
	sn.t.Helper()
	b, err := wire.Append(nil, s.Msg)
	if err != nil {
		sn.t.Fatalf("%s: cannot encode %v: %v", n.name, s.Msg.Type(), err)
	}
	if s.Msg.Common().SendTTL != s.TTL {
		sn.t.Fatalf("%s: %v Send_TTL %d, IP TTL %d", n.name, s.Msg.Type(), s.Msg.Common().SendTTL, s.TTL)
	}
	wantRA := s.Msg.Type() == wire.TypePath || s.Msg.Type() == wire.TypePathTear || s.Msg.Type() == wire.TypeResvConf
	if s.RouterAlert != wantRA {
		sn.t.Fatalf("%s: %v with RouterAlert %v", n.name, s.Msg.Type(), s.RouterAlert)
	}
	iface := s.Iface
	if iface == 0 {
		if rs := n.Route(s.Dst, netip.Addr{}); len(rs) > 0 {
			iface = rs[0].Iface
		}
	}
	peer, ok := n.peers[iface]
	if !ok {
		sn.t.Fatalf("%s: %v to %v on interface %d with no link", n.name, s.Msg.Type(), s.Dst, iface)
	}
	m, err := wire.Parse(b)
	if err != nil {
		sn.t.Fatalf("%s: %v does not parse back: %v", n.name, s.Msg.Type(), err)
	}
	src := s.Src
	if !src.IsValid() {
		src = n.addr(iface)
	}
	if sn.drop != nil && sn.drop(n.name, peer.node.name, m) {
		return
	}
	if sn.trace {
		sn.t.Logf("%v %s → %s: %v to %v", sn.now.Sub(t0), n.name, peer.node.name, m.Type(), s.Dst)
	}
	sn.queue = append(sn.queue, pending{to: peer.node, in: Inbound{Msg: m, Iface: peer.iface, Src: src, Dst: s.Dst, TTL: s.TTL}})
}

// settle delivers messages until none is in flight.
func (sn *simNet) settle() {
	sn.t.Helper()
	for i := 0; len(sn.queue) > 0; i++ {
		if i > 100000 {
			sn.t.Fatal("messages never settle")
		}
		pd := sn.queue[0]
		sn.queue = sn.queue[1:]
		n := pd.to
		if sn.dead[n.name] {
			continue
		}
		in := pd.in
		if !n.isLocal(in.Dst) && !in.Dst.IsMulticast() && !isRA(in.Msg) {
			// Not for this node and not intercepted: plain IP forwarding.
			if rs := n.Route(in.Dst, in.Src); len(rs) > 0 && in.TTL > 1 {
				if peer, ok := n.peers[rs[0].Iface]; ok {
					in.Iface, in.TTL = peer.iface, in.TTL-1
					sn.queue = append(sn.queue, pending{to: peer.node, in: in})
				}
			}
			continue
		}
		n.e.Receive(sn.now, in)
		sn.collect(n)
	}
}

func isRA(m wire.Message) bool {
	switch m.Type() {
	case wire.TypePath, wire.TypePathTear, wire.TypeResvConf:
		return true
	}
	return false
}

// do runs f on node name's engine now and lets the network settle.
func (sn *simNet) do(name string, f func(e *Engine)) {
	sn.t.Helper()
	n := sn.node(name)
	f(n.e)
	sn.collect(n)
	sn.settle()
}

// advance moves the clock by d, running every timer due on the way.
func (sn *simNet) advance(d time.Duration) {
	sn.t.Helper()
	until := sn.now.Add(d)
	for {
		var next time.Time
		for _, n := range sn.nodes {
			if sn.dead[n.name] {
				continue
			}
			if t := n.e.NextTimer(); !t.IsZero() && (next.IsZero() || t.Before(next)) {
				next = t
			}
		}
		if next.IsZero() || next.After(until) {
			break
		}
		if next.After(sn.now) {
			sn.now = next
		}
		for _, n := range sn.nodes {
			if sn.dead[n.name] {
				continue
			}
			if t := n.e.NextTimer(); !t.IsZero() && !t.After(sn.now) {
				n.e.Tick(sn.now)
				sn.collect(n)
			}
		}
		sn.settle()
	}
	sn.now = until
}

// API helpers.

func (sn *simNet) open(name string, dest netip.Addr, port uint16) (ClientID, uint32) {
	sn.t.Helper()
	n := sn.node(name)
	n.nextCli++
	c := n.nextCli
	var sid uint32
	sn.do(name, func(e *Engine) {
		var err error
		if sid, err = e.OpenSession(sn.now, c, api.SessionSpec{Dest: dest, Proto: 17, Port: port}); err != nil {
			sn.t.Fatalf("%s: OpenSession: %v", name, err)
		}
	})
	return c, sid
}

func (sn *simNet) sender(name string, c ClientID, sid uint32, port uint16, rate float64) {
	sn.t.Helper()
	sn.do(name, func(e *Engine) {
		spec := &api.SenderSpec{Port: port, Tspec: api.TokenBucket{Rate: api.Float(rate), Bucket: 2000, Peak: api.Inf, MinPoliced: 64, MaxPacket: 1500}}
		if err := e.SetSender(sn.now, c, sid, spec); err != nil {
			sn.t.Fatalf("%s: SetSender: %v", name, err)
		}
	})
}

func (sn *simNet) reserve(name string, c ClientID, sid uint32, spec *api.ReserveSpec) {
	sn.t.Helper()
	sn.do(name, func(e *Engine) {
		if err := e.Reserve(sn.now, c, sid, spec); err != nil {
			sn.t.Fatalf("%s: Reserve: %v", name, err)
		}
	})
}

func cl(rate float64) api.Flowspec {
	return api.Flowspec{Service: api.ServiceControlledLoad, TokenBucket: api.TokenBucket{Rate: api.Float(rate), Bucket: 2000, Peak: api.Inf, MinPoliced: 64, MaxPacket: 1500}}
}

func gs(rate, R float64) api.Flowspec {
	f := cl(rate)
	f.Service, f.Rate, f.Slack = api.ServiceGuaranteed, api.Float(R), 100
	return f
}

func ffSpec(rate float64, senders ...netip.AddrPort) *api.ReserveSpec {
	r := &api.ReserveSpec{Style: api.StyleFF}
	for _, s := range senders {
		r.Filters = append(r.Filters, api.Filter{Addr: s.Addr(), Port: s.Port()})
		r.Flowspecs = append(r.Flowspecs, cl(rate))
	}
	return r
}

func wfSpec(rate float64) *api.ReserveSpec {
	return &api.ReserveSpec{Style: api.StyleWF, Flowspecs: []api.Flowspec{cl(rate)}}
}

func seSpec(rate float64, senders ...netip.AddrPort) *api.ReserveSpec {
	r := &api.ReserveSpec{Style: api.StyleSE, Flowspecs: []api.Flowspec{cl(rate)}}
	for _, s := range senders {
		r.Filters = append(r.Filters, api.Filter{Addr: s.Addr(), Port: s.Port()})
	}
	return r
}

// events returns node name's events of kind for sid, oldest first.
func (sn *simNet) events(name string, sid uint32, kind string) []api.Event {
	var out []api.Event
	for _, d := range sn.node(name).events {
		if d.Event.SID == sid && d.Event.Event == kind {
			out = append(out, d.Event)
		}
	}
	return out
}

func (sn *simNet) lastEvent(name string, sid uint32, kind string) *api.Event {
	evs := sn.events(name, sid, kind)
	if len(evs) == 0 {
		return nil
	}
	return &evs[len(evs)-1]
}

// installed returns node name's installed reservations on interface idx.
func (sn *simNet) installed(name string, idx int) []TCReservation {
	var out []TCReservation
	n := sn.node(name)
	ids := slices.Sorted(func(yield func(uint64) bool) {
		for id := range n.live {
			if !yield(id) {
				return
			}
		}
	})
	for _, id := range ids {
		if n.live[id].Iface == idx {
			out = append(out, n.live[id].Resv)
		}
	}
	return out
}

func (sn *simNet) liveCount() int {
	n := 0
	for _, x := range sn.nodes {
		n += len(x.live)
	}
	return n
}

// sessionOf returns the status of the session to dest at node name.
func (sn *simNet) sessionOf(name string, dest netip.Addr) *SessionStatus {
	for _, s := range sn.node(name).e.Status().Sessions {
		if s.Dest == dest {
			return &s
		}
	}
	return nil
}

func (sn *simNet) dump() {
	for _, n := range sn.nodes {
		st := n.e.Status()
		sn.t.Logf("%s: %+v", n.name, st.Sessions)
	}
}
