package engine

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"math"
	"net/netip"
	"strings"
	"testing"
	"time"

	"netcompat/core/rsvp/api"
	"netcompat/core/rsvp/config"
	"netcompat/core/rsvp/wire"
)

// A router R alone: interface 1 faces the senders (PHOP 10.1.0.9),
// interface 2 the receivers (NHOP 10.2.0.9, NHOP2 10.2.0.8 on the same
// LAN). Sessions go to 10.9.0.1, beyond interface 2.

var (
	rAddr1 = a("10.1.0.1")
	rAddr2 = a("10.2.0.1")
	phopA  = a("10.1.0.9")
	nhopA  = a("10.2.0.9")
	nhopB  = a("10.2.0.8")
	dstX   = a("10.9.0.1")
	sendA  = wire.FilterSpec{Source: a("10.8.0.1"), Port: 1000}
	sendB  = wire.FilterSpec{Source: a("10.8.0.2"), Port: 1000}
	sessX  = wire.Session{Dest: dstX, Protocol: 17, DstPort: 5000}
)

type fakeRouter map[netip.Prefix][]Route

func (f fakeRouter) Route(dst, _ netip.Addr) []Route {
	best := -1
	var out []Route
	for pfx, rs := range f {
		if pfx.Contains(dst) && pfx.Bits() > best {
			best, out = pfx.Bits(), rs
		}
	}
	return out
}

type rig struct {
	t   testing.TB
	e   *Engine
	now time.Time
}

func newRig(t testing.TB, mod func(o *Options)) *rig {
	t.Helper()
	cfg := config.Default()
	o := Options{
		Config: cfg,
		Node: Node{Name: "R", Interfaces: []Interface{
			{Name: "up", Index: 1, Addrs: []netip.Addr{rAddr1}},
			{Name: "down", Index: 2, Addrs: []netip.Addr{rAddr2}, Pool: 10000, MTU: 1500, Bandwidth: 1.25e6, Latency: 100},
		}},
		Router: fakeRouter{
			p("10.9.0.0/16"): {{Iface: 2, NextHop: nhopA}},
			p("10.8.0.0/16"): {{Iface: 1, NextHop: phopA}},
			p("10.1.0.0/24"): {{Iface: 1}},
			p("10.2.0.0/24"): {{Iface: 2}},
		},
		Rand: func() float64 { return 0.5 },
	}
	if mod != nil {
		mod(&o)
	}
	e, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	return &rig{t: t, e: e, now: t0}
}

func pathFor(snd wire.FilterSpec, rate float32) *wire.Path {
	ad := wire.InitialAdspec(true, true)
	m := &wire.Path{
		Session:    sessX,
		Hop:        wire.Hop{Addr: phopA, LIH: 7},
		TimeValues: wire.TimeValues{RefreshPeriod: 30 * time.Second},
		Sender:     &wire.Sender{Template: snd, TSpec: wire.TSpec{Rate: rate, BucketSize: 1000, PeakRate: float32(math.Inf(1)), MinPolicedUnit: 64, MaxPacketSize: 1500}, Adspec: &ad},
	}
	m.SendTTL = 60
	return m
}

func clSpec(rate float32) *wire.Flowspec {
	return &wire.Flowspec{Service: wire.ServiceControlledLoad, TSpec: wire.TSpec{Rate: rate, BucketSize: 1000, PeakRate: float32(math.Inf(1)), MinPolicedUnit: 64, MaxPacketSize: 1500}}
}

func resvFrom(nhop netip.Addr, kind wire.StyleKind, flows ...wire.FlowDescriptor) *wire.Resv {
	return &wire.Resv{
		Session:    sessX,
		Hop:        wire.Hop{Addr: nhop, LIH: 2},
		TimeValues: wire.TimeValues{RefreshPeriod: 30 * time.Second},
		Style:      kind.Style(),
		Flows:      flows,
	}
}

func ff(rate float32, f wire.FilterSpec) wire.FlowDescriptor {
	return wire.FlowDescriptor{Flowspec: clSpec(rate), Filters: []wire.FilterSpec{f}}
}

func (r *rig) path(m *wire.Path) []Action {
	r.e.Receive(r.now, Inbound{Msg: m, Iface: 1, Src: m.Sender.Template.Source, Dst: m.Session.Dest, TTL: m.SendTTL})
	return r.e.Drain()
}

func (r *rig) resv(m *wire.Resv) []Action {
	r.e.Receive(r.now, Inbound{Msg: m, Iface: 2, Src: m.Hop.Addr, Dst: rAddr2, TTL: 64})
	return r.e.Drain()
}

func (r *rig) recv(m wire.Message, iface int, src netip.Addr) []Action {
	r.e.Receive(r.now, Inbound{Msg: m, Iface: iface, Src: src, TTL: 64})
	return r.e.Drain()
}

func sends(acts []Action, t wire.MsgType) []*Send {
	var out []*Send
	for _, a := range acts {
		if s, ok := a.(*Send); ok && s.Msg.Type() == t {
			out = append(out, s)
		}
	}
	return out
}

func tcs(acts []Action) []*TCAction {
	var out []*TCAction
	for _, a := range acts {
		if s, ok := a.(*TCAction); ok {
			out = append(out, s)
		}
	}
	return out
}

func delivers(acts []Action) []api.Event {
	var out []api.Event
	for _, a := range acts {
		if d, ok := a.(*Deliver); ok {
			out = append(out, d.Event)
		}
	}
	return out
}

// oneErr returns the only ResvErr among acts.
func oneResvErr(t *testing.T, acts []Action) (*Send, *wire.ResvErr) {
	t.Helper()
	ss := sends(acts, wire.TypeResvErr)
	if len(ss) != 1 {
		t.Fatalf("want one ResvErr, got %d in %v", len(ss), acts)
	}
	return ss[0], ss[0].Msg.(*wire.ResvErr)
}

func TestPathForwarding(t *testing.T) {
	r := newRig(t, nil)
	acts := r.path(pathFor(sendA, 1000))
	ps := sends(acts, wire.TypePath)
	if len(ps) != 1 {
		t.Fatalf("forwarded %d Paths", len(ps))
	}
	s := ps[0]
	m := s.Msg.(*wire.Path)
	if s.Iface != 2 || s.Dst != dstX || s.Src != sendA.Source || !s.RouterAlert || s.NextHop != nhopA {
		t.Errorf("send %+v", s)
	}
	if m.Hop != (wire.Hop{Addr: rAddr2, LIH: 2}) {
		t.Errorf("PHOP %+v, want this node's downstream address and its interface as LIH", m.Hop)
	}
	if s.TTL != 59 || m.SendTTL != 59 {
		t.Errorf("TTL %d / Send_TTL %d, want 59", s.TTL, m.SendTTL)
	}
	ad := m.Sender.Adspec
	if ad.General.HopCount != 1 || ad.General.PathBandwidth != 1.25e6 || ad.General.ComposedMTU != 1500 || ad.General.MinLatency != 100 || ad.General.Break {
		t.Errorf("adspec %+v", ad.General)
	}
	if m.TimeValues.RefreshPeriod != r.e.Refresh() {
		t.Errorf("R %v", m.TimeValues.RefreshPeriod)
	}
	// An identical refresh changes nothing and sends nothing at once.
	if acts := r.path(pathFor(sendA, 1000)); len(acts) != 0 {
		t.Errorf("refresh produced %v", acts)
	}
	// A new Tspec is forwarded at once.
	if acts := r.path(pathFor(sendA, 2000)); len(sends(acts, wire.TypePath)) != 1 {
		t.Errorf("changed Tspec not forwarded: %v", acts)
	}
}

func TestPathNonRSVPHop(t *testing.T) {
	r := newRig(t, nil)
	m := pathFor(sendA, 1000)
	r.e.Receive(r.now, Inbound{Msg: m, Iface: 1, TTL: m.SendTTL - 2}) // two plain routers on the way
	ps := sends(r.e.Drain(), wire.TypePath)
	if len(ps) != 1 || !ps[0].Msg.(*wire.Path).Sender.Adspec.General.Break {
		t.Fatalf("break bit not set: %+v", ps)
	}
	if st := r.e.Status(); !st.Sessions[0].Paths[0].NonRSVP {
		t.Error("status does not show the non-RSVP hop")
	}
}

func TestPathLifetimeFromTimeValues(t *testing.T) {
	r := newRig(t, nil)
	m := pathFor(sendA, 1000)
	m.TimeValues.RefreshPeriod = 10 * time.Second
	r.path(m)
	want := r.now.Add(config.Lifetime(3, 10*time.Second)) // 52.5 s
	if got := r.e.Status().Sessions[0].Paths[0].Expires; !got.Equal(want) {
		t.Fatalf("expires %v, want %v", got.Sub(r.now), want.Sub(r.now))
	}
	r.e.Tick(want.Add(-time.Millisecond))
	if len(r.e.Status().Sessions) != 1 {
		t.Fatal("expired early")
	}
	r.e.Drain()
	r.e.Tick(want)
	acts := r.e.Drain()
	if len(r.e.Status().Sessions) != 0 {
		t.Fatal("not expired at L")
	}
	if pt := sends(acts, wire.TypePathTear); len(pt) != 1 || pt[0].Iface != 2 {
		t.Errorf("timeout sent %v, want a PathTear downstream", acts)
	}
}

func TestRefreshJitter(t *testing.T) {
	for _, c := range []struct {
		rnd  float64
		want time.Duration
	}{{0, 15 * time.Second}, {0.5, 30 * time.Second}, {0.999999, 44999970 * time.Microsecond}} {
		r := newRig(t, func(o *Options) { o.Rand = func() float64 { return c.rnd } })
		r.path(pathFor(sendA, 1000))
		if got := r.e.NextTimer().Sub(r.now); got != c.want.Truncate(time.Microsecond) && (got-c.want).Abs() > time.Microsecond {
			t.Errorf("rand %v: next timer in %v, want %v", c.rnd, got, c.want)
		}
	}
	r := newRig(t, nil)
	if !r.e.NextTimer().IsZero() {
		t.Error("timer armed with no state")
	}
	// Path refreshes come every R (jitter 0.5 → exactly R here).
	r.path(pathFor(sendA, 1000))
	for i := 1; i <= 3; i++ {
		r.now = r.now.Add(30 * time.Second)
		r.path(pathFor(sendA, 1000)) // keep the state alive
		r.e.Tick(r.now)
		if n := len(sends(r.e.Drain(), wire.TypePath)); n != 1 {
			t.Fatalf("refresh %d sent %d Paths", i, n)
		}
	}
}

func TestResvNoPath(t *testing.T) {
	r := newRig(t, nil)
	s, m := oneResvErr(t, r.resv(resvFrom(nhopA, wire.FF, ff(100, sendA))))
	if m.ErrorSpec.Code != wire.CodeNoPath || s.Dst != nhopA || s.Iface != 2 || m.ErrorSpec.Node != rAddr2 {
		t.Errorf("ResvErr %+v to %v", m.ErrorSpec, s.Dst)
	}
	if len(r.e.Status().Sessions) != 0 {
		t.Error("a Resv without path state created a session")
	}
}

func TestResvNoSender(t *testing.T) {
	r := newRig(t, nil)
	r.path(pathFor(sendA, 1000))
	_, m := oneResvErr(t, r.resv(resvFrom(nhopA, wire.FF, ff(100, sendB))))
	if m.ErrorSpec.Code != wire.CodeNoSender || len(m.Flows) != 1 || m.Flows[0].Filters[0] != sendB {
		t.Errorf("ResvErr %+v %+v", m.ErrorSpec, m.Flows)
	}
	// An SE request naming only unknown senders too.
	_, m = oneResvErr(t, r.resv(resvFrom(nhopA, wire.SE, wire.FlowDescriptor{Flowspec: clSpec(100), Filters: []wire.FilterSpec{sendB}})))
	if m.ErrorSpec.Code != wire.CodeNoSender {
		t.Errorf("SE: %+v", m.ErrorSpec)
	}
}

func TestResvConflictingStyle(t *testing.T) {
	r := newRig(t, nil)
	r.path(pathFor(sendA, 1000))
	if acts := r.resv(resvFrom(nhopA, wire.SE, wire.FlowDescriptor{Flowspec: clSpec(100), Filters: []wire.FilterSpec{sendA}})); len(sends(acts, wire.TypeResvErr)) != 0 {
		t.Fatalf("first reservation refused: %v", acts)
	}
	for _, c := range []struct {
		kind wire.StyleKind
		d    wire.FlowDescriptor
	}{{wire.WF, wire.FlowDescriptor{Flowspec: clSpec(100)}}, {wire.FF, ff(100, sendA)}} {
		_, m := oneResvErr(t, r.resv(resvFrom(nhopB, c.kind, c.d)))
		if m.ErrorSpec.Code != wire.CodeConflictingStyle || m.ErrorSpec.Value != wire.OptionsSE || m.Style.Kind() != c.kind {
			t.Errorf("%v: %+v style %v", c.kind, m.ErrorSpec, m.Style)
		}
	}
}

// rawResvWithStyle encodes a Resv and patches its STYLE option vector.
func rawResvWithStyle(t *testing.T, options uint32) []byte {
	t.Helper()
	b, err := wire.Append(nil, resvFrom(nhopA, wire.WF, wire.FlowDescriptor{Flowspec: clSpec(100)}))
	if err != nil {
		t.Fatal(err)
	}
	for off := wire.HeaderLen; off+4 <= len(b); {
		n := int(binary.BigEndian.Uint16(b[off:]))
		if b[off+2] == 8 { // STYLE
			binary.BigEndian.PutUint32(b[off+4:], options)
		}
		off += n
	}
	b[2], b[3] = 0, 0 // no checksum
	return b
}

func TestResvUnknownStyle(t *testing.T) {
	r := newRig(t, nil)
	r.path(pathFor(sendA, 1000))
	r.e.Receive(r.now, Inbound{Raw: rawResvWithStyle(t, 0x13), Iface: 2, TTL: 64})
	s, m := oneResvErr(t, r.e.Drain())
	if m.ErrorSpec.Code != wire.CodeUnknownStyle || m.ErrorSpec.Value != 0x13 || s.Dst != nhopA {
		t.Errorf("ResvErr %+v to %v", m.ErrorSpec, s.Dst)
	}
}

func TestPathUnknownClass(t *testing.T) {
	r := newRig(t, nil)
	b, err := wire.Append(nil, pathFor(sendA, 1000))
	if err != nil {
		t.Fatal(err)
	}
	// Append an object of unknown class 42 (0b00101010: reject).
	b = append(b, 0, 8, 42, 1, 0, 0, 0, 0)
	binary.BigEndian.PutUint16(b[6:], uint16(len(b)))
	b[2], b[3] = 0, 0
	r.e.Receive(r.now, Inbound{Raw: b, Iface: 1, TTL: 60})
	acts := r.e.Drain()
	pe := sends(acts, wire.TypePathErr)
	if len(pe) != 1 {
		t.Fatalf("want a PathErr, got %v", acts)
	}
	m := pe[0].Msg.(*wire.PathErr)
	if m.ErrorSpec.Code != wire.CodeUnknownClass || m.ErrorSpec.Value != wire.ObjectErrorValue(42, 1) || pe[0].Dst != phopA {
		t.Errorf("PathErr %+v to %v", m.ErrorSpec, pe[0].Dst)
	}
	if len(r.e.Status().Sessions) != 0 {
		t.Error("rejected Path made state")
	}
}

func TestResvBadFlowspecs(t *testing.T) {
	r := newRig(t, nil)
	r.path(pathFor(sendA, 1000))
	bad := clSpec(1000)
	bad.TSpec.PeakRate = 10 // p < r
	_, m := oneResvErr(t, r.resv(resvFrom(nhopA, wire.FF, wire.FlowDescriptor{Flowspec: bad, Filters: []wire.FilterSpec{sendA}})))
	if m.ErrorSpec.Code != wire.CodeTrafficControl || m.ErrorSpec.Value != wire.TCBadFlowspec {
		t.Errorf("p < r: %+v", m.ErrorSpec)
	}
	// CL from one next hop, GS from another for the same sender: no LUB.
	r.resv(resvFrom(nhopA, wire.FF, ff(100, sendA)))
	g := &wire.Flowspec{Service: wire.ServiceGuaranteed, TSpec: clSpec(100).TSpec, RSpec: wire.RSpec{Rate: 200}}
	_, m = oneResvErr(t, r.resv(resvFrom(nhopB, wire.FF, wire.FlowDescriptor{Flowspec: g, Filters: []wire.FilterSpec{sendA}})))
	if m.ErrorSpec.Code != wire.CodeTrafficControl || m.ErrorSpec.Value != wire.TCServiceConflict {
		t.Errorf("service conflict: %+v", m.ErrorSpec)
	}
	// M above the interface MTU: admission control, value 3.
	big := clSpec(100)
	big.TSpec.MaxPacketSize = 9000
	_, m = oneResvErr(t, r.resv(resvFrom(nhopB, wire.FF, wire.FlowDescriptor{Flowspec: big, Filters: []wire.FilterSpec{sendA}})))
	if m.ErrorSpec.Code != wire.CodeAdmission || m.ErrorSpec.Value != wire.AdmissionMTU {
		t.Errorf("MTU: %+v", m.ErrorSpec)
	}
}

func TestAdmissionPool(t *testing.T) {
	r := newRig(t, nil) // pool 10000 on interface 2
	r.path(pathFor(sendA, 1000))
	r.path(pathFor(sendB, 1000))
	acts := r.resv(resvFrom(nhopA, wire.FF, ff(6000, sendA), ff(3000, sendB)))
	if n := len(tcs(acts)); n != 2 || len(sends(acts, wire.TypeResvErr)) != 0 {
		t.Fatalf("installs %d: %v", n, acts)
	}
	up := sends(acts, wire.TypeResv)
	if len(up) != 1 || up[0].Dst != phopA || up[0].Msg.(*wire.Resv).Hop != (wire.Hop{Addr: rAddr1, LIH: 7}) {
		t.Fatalf("upstream Resv %+v", up)
	}
	if got := len(up[0].Msg.(*wire.Resv).Flows); got != 2 {
		t.Errorf("upstream FF list has %d descriptors", got)
	}
	// Growing sendB to 5000 exceeds the pool: refused, 3000 stays.
	acts = r.resv(resvFrom(nhopA, wire.FF, ff(6000, sendA), ff(5000, sendB)))
	_, m := oneResvErr(t, acts)
	if m.ErrorSpec.Code != wire.CodeAdmission || m.ErrorSpec.Value != wire.AdmissionBandwidth || m.ErrorSpec.Flags != wire.ErrorInPlace {
		t.Errorf("%+v", m.ErrorSpec)
	}
	if m.Flows[0].Filters[0] != sendB || m.Flows[0].Flowspec.TSpec.Rate != 5000 {
		t.Errorf("error descriptor %+v", m.Flows)
	}
	st := r.e.Status()
	if st.Interfaces[1].Used != 9000 || st.Interfaces[1].Reservations != 2 {
		t.Errorf("pool %+v", st.Interfaces[1])
	}
	if len(sends(acts, wire.TypeResv)) != 0 {
		t.Error("a refused request went upstream")
	}
	// A second next hop on the same LAN asking 2000 for sendA merges
	// into the 6000 installed: nothing new to admit or forward, and a
	// confirmation is answered here.
	rv := resvFrom(nhopB, wire.FF, ff(2000, sendA))
	rv.Confirm = &wire.ResvConfirm{Receiver: a("10.9.0.7")}
	acts = r.resv(rv)
	if len(tcs(acts)) != 0 || len(sends(acts, wire.TypeResv)) != 0 {
		t.Errorf("merge into a larger reservation: %v", acts)
	}
	cf := sends(acts, wire.TypeResvConf)
	if len(cf) != 1 || cf[0].Dst != a("10.9.0.7") || cf[0].Msg.(*wire.ResvConf).ErrorSpec.Node != rAddr2 || !cf[0].RouterAlert {
		t.Errorf("ResvConf %+v", cf)
	}
}

func TestResvConfirmForwarded(t *testing.T) {
	r := newRig(t, nil)
	r.path(pathFor(sendA, 1000))
	rv := resvFrom(nhopA, wire.FF, ff(1000, sendA))
	rv.Confirm = &wire.ResvConfirm{Receiver: a("10.9.0.7")}
	acts := r.resv(rv)
	up := sends(acts, wire.TypeResv)
	if len(up) != 1 || up[0].Msg.(*wire.Resv).Confirm == nil || len(sends(acts, wire.TypeResvConf)) != 0 {
		t.Fatalf("new reservation with confirm: %v", acts)
	}
	// The confirmation request travels once, not in refreshes.
	r.now = r.now.Add(time.Hour)
	r.path(pathFor(sendA, 1000))
	r.resv(resvFrom(nhopA, wire.FF, ff(1000, sendA)))
	r.e.Tick(r.now)
	for _, s := range sends(r.e.Drain(), wire.TypeResv) {
		if s.Msg.(*wire.Resv).Confirm != nil {
			t.Error("refresh carries RESV_CONFIRM")
		}
	}
	// A ResvConf passing through goes on towards the receiver, TTL down.
	conf := &wire.ResvConf{Session: sessX, ErrorSpec: wire.ErrorSpec{Node: phopA}, Confirm: wire.ResvConfirm{Receiver: a("10.9.0.7")}, Style: wire.FF.Style(), Flows: []wire.FlowDescriptor{ff(1000, sendA)}}
	conf.SendTTL = 64
	acts = r.recv(conf, 1, phopA)
	cs := sends(acts, wire.TypeResvConf)
	if len(cs) != 1 || cs[0].Iface != 2 || cs[0].TTL != 63 || cs[0].Dst != a("10.9.0.7") {
		t.Errorf("forwarded ResvConf %+v", cs)
	}
	r.e.Receive(r.now, Inbound{Msg: conf, Iface: 1, TTL: 1})
	if cs := sends(r.e.Drain(), wire.TypeResvConf); len(cs) != 0 {
		t.Error("ResvConf forwarded with its TTL exhausted")
	}
}

func TestResvErrForwarding(t *testing.T) {
	// Two next hops reserve for sendA: A 8000, B 3000; R forwards 8000.
	// An upstream admission failure for 8000 with InPlace reaches A only,
	// creates blockade state, and R asks for 3000 at once.
	r := newRig(t, func(o *Options) { o.Node.Interfaces[1].Pool = 0 })
	r.path(pathFor(sendA, 1000))
	r.resv(resvFrom(nhopA, wire.FF, ff(8000, sendA)))
	r.resv(resvFrom(nhopB, wire.FF, ff(3000, sendA)))
	re := &wire.ResvErr{Session: sessX, Hop: wire.Hop{Addr: phopA}, Style: wire.FF.Style(),
		ErrorSpec: wire.ErrorSpec{Node: a("10.0.0.1"), Flags: wire.ErrorInPlace, Code: wire.CodeAdmission, Value: wire.AdmissionBandwidth},
		Flows:     []wire.FlowDescriptor{ff(8000, sendA)}}
	acts := r.recv(re, 1, phopA)
	errs := sends(acts, wire.TypeResvErr)
	if len(errs) != 1 || errs[0].Dst != nhopA {
		t.Fatalf("ResvErr forwarded to %v", errs)
	}
	if f := errs[0].Msg.(*wire.ResvErr).ErrorSpec; f.Flags != wire.ErrorInPlace || f.Node != a("10.0.0.1") {
		t.Errorf("forwarded ERROR_SPEC %+v", f)
	}
	up := sends(acts, wire.TypeResv)
	if len(up) != 1 || up[0].Msg.(*wire.Resv).Flows[0].Flowspec.TSpec.Rate != 3000 {
		t.Fatalf("after blockade, upstream %v", up)
	}
	b := r.e.Status().Sessions[0].Blockades
	if len(b) != 1 || !b[0].Expires.Equal(r.now.Add(2*r.e.Refresh())) {
		t.Fatalf("blockade %+v", b)
	}
	// Without InPlace, everyone concerned hears, the smaller one with
	// NotGuilty.
	re.ErrorSpec.Flags = 0
	errs = sends(r.recv(re, 1, phopA), wire.TypeResvErr)
	if len(errs) != 2 {
		t.Fatalf("forwarded to %d next hops", len(errs))
	}
	for _, s := range errs {
		ng := s.Msg.(*wire.ResvErr).ErrorSpec.Flags&wire.ErrorNotGuilty != 0
		if ng != (s.Dst == nhopB) {
			t.Errorf("to %v NotGuilty %v", s.Dst, ng)
		}
	}
	// When the blockade runs out (Kb x R), the larger request is asked
	// again.
	r.now = r.now.Add(2*r.e.Refresh() + time.Second)
	r.path(pathFor(sendA, 1000))
	r.resv(resvFrom(nhopA, wire.FF, ff(8000, sendA)))
	r.resv(resvFrom(nhopB, wire.FF, ff(3000, sendA)))
	r.e.Tick(r.now)
	acts = r.e.Drain()
	if len(r.e.Status().Sessions[0].Blockades) != 0 {
		t.Fatal("blockade did not expire")
	}
	up = sends(acts, wire.TypeResv)
	if len(up) == 0 || up[len(up)-1].Msg.(*wire.Resv).Flows[0].Flowspec.TSpec.Rate != 8000 {
		t.Errorf("after the blockade, upstream %v", up)
	}
}

func TestPathErrForwarding(t *testing.T) {
	r := newRig(t, nil)
	r.path(pathFor(sendA, 1000))
	pe := &wire.PathErr{Session: sessX, ErrorSpec: wire.ErrorSpec{Node: nhopA, Code: wire.CodePolicy}, Sender: &wire.Sender{Template: sendA, TSpec: pathFor(sendA, 1000).Sender.TSpec}}
	acts := r.recv(pe, 2, nhopA)
	fw := sends(acts, wire.TypePathErr)
	if len(fw) != 1 || fw[0].Dst != phopA || fw[0].Iface != 1 || fw[0].Msg.(*wire.PathErr).ErrorSpec != pe.ErrorSpec {
		t.Fatalf("PathErr forwarded as %+v", fw)
	}
	if len(r.e.Status().Sessions[0].Paths) != 1 {
		t.Error("PathErr changed path state")
	}
}

func TestPortConflicts(t *testing.T) {
	r := newRig(t, nil)
	r.path(pathFor(sendA, 1000))
	m := pathFor(sendA, 1000)
	m.Session.DstPort = 0
	pe := sends(r.path(m), wire.TypePathErr)
	if len(pe) != 1 || pe[0].Msg.(*wire.PathErr).ErrorSpec.Code != wire.CodeConflictingDport {
		t.Fatalf("dport conflict: %v", pe)
	}
	snd := sendA
	snd.Port = 0
	pe = sends(r.path(pathFor(snd, 1000)), wire.TypePathErr)
	if len(pe) != 1 || pe[0].Msg.(*wire.PathErr).ErrorSpec.Code != wire.CodeConflictingSport {
		t.Fatalf("sport conflict: %v", pe)
	}
	if st := r.e.Status(); len(st.Sessions) != 1 || len(st.Sessions[0].Paths) != 1 {
		t.Errorf("state %+v", st.Sessions)
	}
}

func TestPathTearNeedsMatchingPHOP(t *testing.T) {
	r := newRig(t, nil)
	r.path(pathFor(sendA, 1000))
	tear := &wire.PathTear{Session: sessX, Hop: wire.Hop{Addr: a("10.1.0.99")}, Sender: &wire.Sender{Template: sendA}}
	if acts := r.recv(tear, 1, tear.Hop.Addr); len(acts) != 0 || len(r.e.Status().Sessions) != 1 {
		t.Fatalf("PathTear from another PHOP acted: %v", acts)
	}
	tear.Hop.Addr = phopA
	acts := r.recv(tear, 1, phopA)
	if len(sends(acts, wire.TypePathTear)) != 1 || len(r.e.Status().Sessions) != 0 {
		t.Fatalf("PathTear: %v, state %+v", acts, r.e.Status().Sessions)
	}
}

func TestResvTearSE(t *testing.T) {
	r := newRig(t, nil)
	r.path(pathFor(sendA, 1000))
	r.path(pathFor(sendB, 1000))
	r.resv(resvFrom(nhopA, wire.SE, wire.FlowDescriptor{Flowspec: clSpec(500), Filters: []wire.FilterSpec{sendA, sendB}}))
	tear := &wire.ResvTear{Session: sessX, Hop: wire.Hop{Addr: nhopA, LIH: 2}, Style: wire.SE.Style(), Flows: []wire.FlowDescriptor{{Filters: []wire.FilterSpec{sendB}}}}
	acts := r.recv(tear, 2, nhopA)
	tc := tcs(acts)
	if len(tc) != 1 || tc[0].Op != TCModify || len(tc[0].Resv.Senders) != 1 {
		t.Fatalf("SE partial tear: %v", tc)
	}
	up := sends(acts, wire.TypeResv)
	if len(up) != 1 || len(up[0].Msg.(*wire.Resv).Flows[0].Filters) != 1 {
		t.Errorf("upstream after partial tear %v", up)
	}
	tear.Flows[0].Filters = []wire.FilterSpec{sendA}
	acts = r.recv(tear, 2, nhopA)
	if tc := tcs(acts); len(tc) != 1 || tc[0].Op != TCRemove {
		t.Errorf("SE full tear TC %v", tc)
	}
	if ut := sends(acts, wire.TypeResvTear); len(ut) != 1 || ut[0].Dst != phopA {
		t.Errorf("SE teardown not forwarded: %v", acts)
	}
}

func TestSessionBound(t *testing.T) {
	r := newRig(t, func(o *Options) { o.Config.MaxSessions = 50 })
	r.path(pathFor(sendA, 1000))
	for i := 0; i < 1000; i++ {
		m := pathFor(sendA, 1000)
		m.Session.DstPort = uint16(6000 + i)
		r.path(m)
	}
	st := r.e.Status()
	if len(st.Sessions) != 50 || st.Counters["drop_session_limit"] != 951 {
		t.Fatalf("%d sessions, %d dropped", len(st.Sessions), st.Counters["drop_session_limit"])
	}
	// The established session still works.
	if acts := r.resv(resvFrom(nhopA, wire.FF, ff(100, sendA))); len(tcs(acts)) != 1 {
		t.Errorf("reservation in an old session: %v", acts)
	}
	// Senders per session are bounded too.
	r2 := newRig(t, func(o *Options) { o.MaxSendersPerSession = 5 })
	for i := 0; i < 100; i++ {
		snd := sendA
		snd.Port = uint16(1 + i)
		r2.path(pathFor(snd, 1000))
	}
	if st := r2.e.Status(); len(st.Sessions[0].Paths) != 5 || st.Counters["drop_sender_limit"] != 95 {
		t.Errorf("senders %d, dropped %d", len(st.Sessions[0].Paths), st.Counters["drop_sender_limit"])
	}
	// API sessions are bounded as well.
	r3 := newRig(t, func(o *Options) { o.MaxAPISessionsPerClient = 3 })
	for i := 0; i < 3; i++ {
		if _, err := r3.e.OpenSession(r3.now, 1, api.SessionSpec{Dest: dstX, Port: uint16(i + 1)}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := r3.e.OpenSession(r3.now, 1, api.SessionSpec{Dest: dstX, Port: 99}); rapiCode(err) != RAPIErrMaxSess {
		t.Errorf("fourth session: %v", err)
	}
}

func rapiCode(err error) int {
	var e *api.Error
	if errors.As(err, &e) {
		return e.RAPI
	}
	return 0
}

func TestAPIErrors(t *testing.T) {
	r := newRig(t, nil)
	if _, err := r.e.OpenSession(r.now, 1, api.SessionSpec{}); rapiCode(err) != RAPIErrInval {
		t.Errorf("no destination: %v", err)
	}
	sid, err := r.e.OpenSession(r.now, 1, api.SessionSpec{Dest: dstX, Port: 5000})
	if err != nil {
		t.Fatal(err)
	}
	tb := api.TokenBucket{Rate: 100, Bucket: 100, Peak: api.Inf, MinPoliced: 64, MaxPacket: 1500}
	for _, c := range []struct {
		name string
		err  error
		want int
	}{
		{"other client's sid", r.e.SetSender(r.now, 2, sid, &api.SenderSpec{Tspec: tb}), RAPIErrBadSID},
		{"unknown sid", r.e.Reserve(r.now, 1, 77, wfSpec(100)), RAPIErrBadSID},
		{"release unknown", r.e.Release(r.now, 1, 77), RAPIErrBadSID},
		{"no tspec", r.e.SetSender(r.now, 1, sid, &api.SenderSpec{}), RAPIErrNoTspec},
		{"wrong family", r.e.SetSender(r.now, 1, sid, &api.SenderSpec{Host: a("2001:db8::1"), Tspec: tb}), RAPIErrInval},
		{"bad style", r.e.Reserve(r.now, 1, sid, &api.ReserveSpec{Style: 7, Flowspecs: []api.Flowspec{cl(1)}}), RAPIErrBadStyle},
		{"WF two flowspecs", r.e.Reserve(r.now, 1, sid, &api.ReserveSpec{Style: api.StyleWF, Flowspecs: []api.Flowspec{cl(1), cl(2)}}), RAPIErrNFFS},
		{"FF unpaired", r.e.Reserve(r.now, 1, sid, &api.ReserveSpec{Style: api.StyleFF, Flowspecs: []api.Flowspec{cl(1)}}), RAPIErrNFFS},
		{"SE no filter", r.e.Reserve(r.now, 1, sid, &api.ReserveSpec{Style: api.StyleSE, Flowspecs: []api.Flowspec{cl(1)}}), RAPIErrNFFS},
		{"bad service", r.e.Reserve(r.now, 1, sid, &api.ReserveSpec{Style: api.StyleWF, Flowspecs: []api.Flowspec{{Service: 3}}}), RAPIErrInval},
		{"filter family", r.e.Reserve(r.now, 1, sid, seSpec(1, netip.MustParseAddrPort("[2001:db8::1]:1"))), RAPIErrInval},
	} {
		if got := rapiCode(c.err); got != c.want {
			t.Errorf("%s: %v, want RAPI %d", c.name, c.err, c.want)
		}
	}
	// A reservation before any Path: accepted, then a NO_PATH event.
	if err := r.e.Reserve(r.now, 1, sid, ffSpec(100, netip.AddrPortFrom(sendA.Source, sendA.Port))); err != nil {
		t.Fatal(err)
	}
	evs := delivers(r.e.Drain())
	if len(evs) != 1 || evs[0].Event != api.EventResvError || evs[0].Error.Code != uint8(wire.CodeNoPath) || evs[0].SID != sid {
		t.Errorf("events %+v", evs)
	}
}

func TestLocalReceiverAndSender(t *testing.T) {
	// R is also a host here: a sender to 10.9.0.1 from the API, and a
	// receiver of a session to its own address.
	r := newRig(t, nil)
	sid, _ := r.e.OpenSession(r.now, 1, api.SessionSpec{Dest: dstX, Port: 5000})
	if err := r.e.SetSender(r.now, 1, sid, &api.SenderSpec{Port: 1234, Tspec: api.TokenBucket{Rate: 100, Bucket: 100, Peak: api.Inf}}); err != nil {
		t.Fatal(err)
	}
	acts := r.e.Drain()
	ps := sends(acts, wire.TypePath)
	if len(ps) != 1 || ps[0].Src != rAddr2 || ps[0].TTL != defaultTTL || ps[0].Msg.(*wire.Path).Sender.Template.Source != rAddr2 {
		t.Fatalf("local sender Path %+v", ps)
	}
	// The Resv arrives for it: TC on interface 2 and a resv event.
	local := wire.FilterSpec{Source: rAddr2, Port: 1234}
	acts = r.resv(resvFrom(nhopA, wire.FF, ff(500, local)))
	if len(tcs(acts)) != 1 {
		t.Errorf("TC %v", tcs(acts))
	}
	evs := delivers(acts)
	if len(evs) != 1 || evs[0].Event != api.EventResv || evs[0].Flowspecs[0].TokenBucket.Rate != 500 {
		t.Fatalf("resv events %+v", evs)
	}
	// A PathErr for it becomes a path_error event.
	pe := &wire.PathErr{Session: sessX, ErrorSpec: wire.ErrorSpec{Node: nhopA, Code: wire.CodePolicy}, Sender: &wire.Sender{Template: local}}
	evs = delivers(r.recv(pe, 2, nhopA))
	if len(evs) != 1 || evs[0].Event != api.EventPathError || evs[0].Error.Code != uint8(wire.CodePolicy) {
		t.Errorf("path_error %+v", evs)
	}
	// A Resv with confirm at the sender host is answered by it.
	rv := resvFrom(nhopA, wire.FF, ff(600, local))
	rv.Confirm = &wire.ResvConfirm{Receiver: dstX}
	if cf := sends(r.resv(rv), wire.TypeResvConf); len(cf) != 1 || cf[0].Msg.(*wire.ResvConf).ErrorSpec.Node != rAddr2 {
		t.Errorf("sender host confirmation %+v", cf)
	}
	// Release: PathTear downstream, TC removed, state gone.
	if err := r.e.Release(r.now, 1, sid); err != nil {
		t.Fatal(err)
	}
	acts = r.e.Drain()
	if len(sends(acts, wire.TypePathTear)) != 1 || len(tcs(acts)) != 1 || tcs(acts)[0].Op != TCRemove {
		t.Errorf("release: %v", acts)
	}
	if st := r.e.Status(); len(st.Sessions) != 0 || st.States != 0 || st.Interfaces[1].Used != 0 {
		t.Errorf("after release %+v", st)
	}
}

func TestTCFailed(t *testing.T) {
	r := newRig(t, nil)
	r.path(pathFor(sendA, 1000))
	acts := r.resv(resvFrom(nhopA, wire.FF, ff(100, sendA)))
	id := tcs(acts)[0].ID
	r.e.TCFailed(r.now, id)
	acts = r.e.Drain()
	if tc := tcs(acts); len(tc) != 1 || tc[0].Op != TCRemove || tc[0].ID != id {
		t.Errorf("TCFailed: TC actions %v, want the removal of %d", tc, id)
	}
	_, m := oneResvErr(t, acts)
	if m.ErrorSpec.Code != wire.CodeTrafficControlSys {
		t.Errorf("%+v", m.ErrorSpec)
	}
	if st := r.e.Status(); st.Interfaces[1].Used != 0 || len(st.Sessions[0].Installed) != 0 {
		t.Errorf("after TC failure %+v", st.Interfaces[1])
	}
	// The same request is not retried at every refresh...
	if acts := r.resv(resvFrom(nhopA, wire.FF, ff(100, sendA))); len(tcs(acts)) != 0 {
		t.Errorf("retried the refused reservation: %v", acts)
	}
	// ...but a changed one is.
	if acts := r.resv(resvFrom(nhopA, wire.FF, ff(200, sendA))); len(tcs(acts)) != 1 {
		t.Errorf("changed request not installed: %v", acts)
	}
}

func TestStatusJSON(t *testing.T) {
	r := newRig(t, nil)
	r.path(pathFor(sendA, 1000))
	r.resv(resvFrom(nhopA, wire.WF, wire.FlowDescriptor{Flowspec: clSpec(100)}))
	b, err := json.Marshal(r.e.Status())
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"dest":"10.9.0.1"`, `"phop":"10.1.0.9"`, `"p":"inf"`, `"style":"WF"`, `"installed"`, `"rx_path":1`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("status JSON lacks %s: %s", want, b)
		}
	}
}

func TestNewRejectsBadNodes(t *testing.T) {
	for _, ifs := range [][]Interface{
		{{Name: "x", Index: 0}},
		{{Name: "x", Index: 1}, {Name: "y", Index: 1}},
		{{Name: "x", Index: 1, Pool: -1}},
	} {
		if _, err := New(Options{Node: Node{Interfaces: ifs}}); err == nil {
			t.Errorf("New accepted %+v", ifs)
		}
	}
}

func TestUDPNeighbour(t *testing.T) {
	r := newRig(t, nil)
	m := pathFor(sendA, 1000)
	r.e.Receive(r.now, Inbound{Msg: m, Iface: 1, TTL: m.SendTTL, UDP: true})
	r.e.Drain()
	up := sends(r.resv(resvFrom(nhopA, wire.FF, ff(100, sendA))), wire.TypeResv)
	if len(up) != 1 || !up[0].UDP {
		t.Errorf("Resv to a PHOP heard over UDP: %+v", up)
	}
}

func TestIPv6(t *testing.T) {
	v6up, v6down := a("2001:db8:1::1"), a("2001:db8:2::1")
	r := newRig(t, func(o *Options) {
		o.Node.Interfaces[0].Addrs = append(o.Node.Interfaces[0].Addrs, v6up)
		o.Node.Interfaces[1].Addrs = append(o.Node.Interfaces[1].Addrs, v6down)
		o.Router = fakeRouter{p("2001:db8:9::/48"): {{Iface: 2}}}
	})
	w := wire.Session{Dest: a("2001:db8:9::1"), Protocol: 17, DstPort: 5000}
	snd := wire.FilterSpec{Source: a("2001:db8:8::1"), Port: 1000}
	m := pathFor(snd, 1000)
	m.Session, m.Hop = w, wire.Hop{Addr: a("2001:db8:1::9"), LIH: 3}
	acts := r.path(m)
	ps := sends(acts, wire.TypePath)
	if len(ps) != 1 || ps[0].Msg.(*wire.Path).Hop.Addr != v6down {
		t.Fatalf("IPv6 Path %+v", ps)
	}
	rv := resvFrom(a("2001:db8:2::9"), wire.FF, ff(100, snd))
	rv.Session = w
	acts = r.resv(rv)
	up := sends(acts, wire.TypeResv)
	if len(up) != 1 || up[0].Msg.(*wire.Resv).Hop != (wire.Hop{Addr: v6up, LIH: 3}) || up[0].Dst != a("2001:db8:1::9") {
		t.Fatalf("IPv6 Resv %+v", up)
	}
	if tc := tcs(acts); len(tc) != 1 || tc[0].Resv.Senders[0].Addr != snd.Source || tc[0].Resv.Dest != w.Dest {
		t.Errorf("IPv6 TC %+v", tc)
	}
	for _, s := range append(ps, up...) {
		if _, err := wire.Append(nil, s.Msg); err != nil {
			t.Error(err)
		}
	}
}

func TestResvTearDuplicateFilters(t *testing.T) {
	r := newRig(t, nil)
	r.path(pathFor(sendA, 1000))
	r.resv(resvFrom(nhopA, wire.FF, ff(100, sendA)))
	tear := &wire.ResvTear{Session: sessX, Hop: wire.Hop{Addr: nhopA, LIH: 2}, Style: wire.FF.Style(),
		Flows: []wire.FlowDescriptor{{Filters: []wire.FilterSpec{sendA}}, {Filters: []wire.FilterSpec{sendA}}}}
	acts := r.recv(tear, 2, nhopA)
	if err := checkInvariants(r.e, acts, map[uint64]bool{1: true}); err != nil {
		t.Fatal(err)
	}
	if st := r.e.Status(); st.States != 1 || len(st.Sessions[0].Resvs) != 0 {
		t.Errorf("after tear: %d states, %+v", st.States, st.Sessions[0].Resvs)
	}
}

func TestPeerRefreshBounded(t *testing.T) {
	r := newRig(t, nil)
	m := pathFor(sendA, 1000)
	m.TimeValues.RefreshPeriod = wire.MaxRefreshPeriod // 49 days
	r.path(m)
	want := r.now.Add(config.Lifetime(3, DefaultMaxPeerRefresh))
	if got := r.e.Status().Sessions[0].Paths[0].Expires; !got.Equal(want) {
		t.Errorf("expires after %v, want %v", got.Sub(r.now), want.Sub(r.now))
	}
}
