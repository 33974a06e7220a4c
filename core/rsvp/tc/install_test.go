package tc

import (
	"errors"
	"math"
	"net/netip"
	"testing"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// attached returns a pair whose A end is attached at 20 Mbit/s.
func attached(t *testing.T) (*pair, *Netlink) {
	t.Helper()
	p := newPair(t)
	e := p.enforcer(t)
	if err := e.Attach(p.name, IfaceConfig{Rate: 20 * mbit}); err != nil {
		t.Fatal(err)
	}
	return p, e
}

var link20 = LinkParams{Rate: 20 * mbit, Overhead: 14, MTU: 1500}

// bestEffort checks the default class's assured rate.
func bestEffort(t *testing.T, p *pair, reserved float64) {
	t.Helper()
	want := 20*mbit - 25000 - reserved
	if c := p.classes(t)[bestMinor]; c == nil || c.Rate != uint64(want) {
		t.Errorf("best effort rate %v, want %.0f (link - control - %.0f reserved)", c, want, reserved)
	}
}

func TestInstallControlledLoad(t *testing.T) {
	p, e := attached(t)
	r := udp4(5000, 500000, snd("10.9.0.1", 4000), snd("10.9.0.3", 0))
	r.PeakRate = 1e6
	h, err := e.Install(p.name, r)
	if err != nil {
		t.Fatal(err)
	}
	if h.Iface() != p.name || h.ClassID()>>16 != QdiscMajor || h.IsZero() {
		t.Fatalf("handle %v", h)
	}
	// m = 100 and 14 bytes of Ethernet header: every figure times 1.14.
	want := ClassParams{Rate: 570000, Ceil: 1140000, Burst: 22800, Cburst: 1710}
	c := p.classes(t)[uint16(h.ClassID())]
	checkClass(t, "CL class", c, want)
	if c.Parent != classID(rootMinor) {
		t.Errorf("parent %s, want 2205:1", netlink.HandleStr(c.Parent))
	}
	bestEffort(t, p, 570000)

	fs := p.filters(t)
	var mine []*netlink.U32
	for prio, us := range fs {
		if prio >= firstResPrio {
			mine = append(mine, us...)
		}
	}
	if len(mine) != 2 {
		t.Fatalf("%d reservation filters, want one per sender", len(mine))
	}
	want0 := []key{
		{Mask: 0x0f000000, Val: 0x05000000, Off: 0}, // IHL 5
		{Mask: 0x00001fff, Val: 0, Off: 4},          // first fragment
		{Mask: 0x00ff0000, Val: 17 << 16, Off: 8},   // UDP
		{Mask: 0xffffffff, Val: 0x0a090001, Off: 12},
		{Mask: 0xffffffff, Val: 0x0a090002, Off: 16},
		{Mask: 0xffffffff, Val: 4000<<16 | 5000, Off: 20},
	}
	want1 := append(append([]key(nil), want0[:4]...), key{Mask: 0xffffffff, Val: 0x0a090003, Off: 12},
		key{Mask: 0xffffffff, Val: 0x0a090002, Off: 16}, key{Mask: 0x0000ffff, Val: 5000, Off: 20})
	want1 = append(want1[:3], want1[4:]...)
	for i, w := range [][]key{want0, want1} {
		f := mine[i]
		if f.Protocol != unix.ETH_P_IP || f.ClassId != h.ClassID() || f.Handle&0xfff != uint32(i+1) {
			t.Errorf("filter %d: protocol %#x class %s handle %s", i, f.Protocol, netlink.HandleStr(f.ClassId), netlink.HandleStr(f.Handle))
		}
		if f.Sel == nil || f.Sel.Flags&netlink.TC_U32_TERMINAL == 0 || !sameKeys(f.Sel.Keys, w) {
			t.Errorf("filter %d keys\n got %+v\nwant %+v", i, f.Sel, w)
		}
	}
}

func TestInstallPeakAndGuaranteed(t *testing.T) {
	p, e := attached(t)
	cl := udp4(5000, 100000)
	cl.PeakRate = math.Inf(1)
	cl.MinPolicedUnit = 0 // floored at 64: scale 78/64
	hcl, err := e.Install(p.name, cl)
	if err != nil {
		t.Fatal(err)
	}
	checkClass(t, "CL p=Inf", p.classes(t)[uint16(hcl.ClassID())],
		ClassParams{Rate: 121875, Ceil: 20 * mbit, Burst: 24375, Cburst: 1828})

	gs := Reservation{
		Session: Session{Dst: netip.MustParseAddr("10.9.0.2"), Proto: ProtoUDP, DstPort: 6000},
		Senders: []Sender{snd("10.9.0.1", 0)},
		Service: Guaranteed, TokenRate: 100000, BucketDepth: 3000, PeakRate: math.Inf(1),
		MinPolicedUnit: 1000, MaxPacketSize: 1500, Rate: 200000,
	}
	hgs, err := e.Install(p.name, gs)
	if err != nil {
		t.Fatal(err)
	}
	// R = 200000 scaled by 1014/1000; bucket b = 3000 scaled.
	checkClass(t, "GS", p.classes(t)[uint16(hgs.ClassID())],
		ClassParams{Rate: 202800, Ceil: 202800, Burst: 3042, Cburst: 3042})
	bestEffort(t, p, 121875+202800)
}

func TestInstallIPv6(t *testing.T) {
	p, e := attached(t)
	r := Reservation{
		Session: Session{Dst: netip.MustParseAddr("fd00:9::2"), Proto: ProtoTCP, DstPort: 443},
		Senders: []Sender{snd("fd00:9::1", 0), {}},
		Service: ControlledLoad, TokenRate: 50000, BucketDepth: 5000, PeakRate: math.Inf(1),
		MinPolicedUnit: 500, MaxPacketSize: 1500,
	}
	h, err := e.Install(p.name, r)
	if err != nil {
		t.Fatal(err)
	}
	var mine []*netlink.U32
	for prio, us := range p.filters(t) {
		if prio >= firstResPrio {
			mine = append(mine, us...)
		}
	}
	if len(mine) != 2 {
		t.Fatalf("%d filters, want 2", len(mine))
	}
	dst := []key{
		{Mask: 0xffffffff, Val: 0xfd000009, Off: 24}, {Mask: 0xffffffff, Val: 0, Off: 28},
		{Mask: 0xffffffff, Val: 0, Off: 32}, {Mask: 0xffffffff, Val: 2, Off: 36},
	}
	next := key{Mask: 0x0000ff00, Val: 6 << 8, Off: 4}
	port := key{Mask: 0x0000ffff, Val: 443, Off: 40}
	want0 := append([]key{next,
		{Mask: 0xffffffff, Val: 0xfd000009, Off: 8}, {Mask: 0xffffffff, Val: 0, Off: 12},
		{Mask: 0xffffffff, Val: 0, Off: 16}, {Mask: 0xffffffff, Val: 1, Off: 20}}, append(dst, port)...)
	want1 := append([]key{next}, append(dst, port)...) // any source
	for i, w := range [][]key{want0, want1} {
		f := mine[i]
		if f.Protocol != unix.ETH_P_IPV6 || f.ClassId != h.ClassID() {
			t.Errorf("filter %d: protocol %#x class %s", i, f.Protocol, netlink.HandleStr(f.ClassId))
		}
		if !sameKeys(f.Sel.Keys, w) {
			t.Errorf("filter %d keys\n got %+v\nwant %+v", i, f.Sel.Keys, w)
		}
	}
}

func TestModify(t *testing.T) {
	p, e := attached(t)
	r := udp4(5000, 200000, snd("10.9.0.1", 4000))
	h, err := e.Install(p.name, r)
	if err != nil {
		t.Fatal(err)
	}
	prioOf := func() uint16 {
		t.Helper()
		var ps []uint16
		for prio := range p.filters(t) {
			if prio >= firstResPrio {
				ps = append(ps, prio)
			}
		}
		if len(ps) != 1 {
			t.Fatalf("reservation filter priorities %v, want exactly one", ps)
		}
		return ps[0]
	}
	prio := prioOf()

	// Rates only: same class, same filters, best effort follows.
	r.TokenRate, r.PeakRate, r.BucketDepth = 400000, 800000, 40000
	if err := e.Modify(h, r); err != nil {
		t.Fatal(err)
	}
	want, _ := ComputeParams(r, link20)
	checkClass(t, "after rate change", p.classes(t)[uint16(h.ClassID())], want)
	bestEffort(t, p, want.Rate)
	if got := prioOf(); got != prio {
		t.Errorf("filters moved to prio %d though the senders did not change", got)
	}

	// Senders: a fresh priority with the new set, the old one gone.
	r.Senders = []Sender{snd("10.9.0.1", 4001), snd("10.9.0.5", 4002)}
	if err := e.Modify(h, r); err != nil {
		t.Fatal(err)
	}
	newPrio := prioOf()
	if newPrio == prio {
		t.Errorf("changed senders stayed at prio %d", prio)
	}
	fs := p.filters(t)[newPrio]
	if len(fs) != 2 || !sameKeys(fs[1].Sel.Keys, selector(r.Session, r.Senders[1])) || fs[0].ClassId != h.ClassID() {
		t.Errorf("filters after sender change: %+v", fs)
	}

	// Service change to Guaranteed and smaller: best effort gets it back.
	r.Service, r.Rate, r.TokenRate = Guaranteed, 100000, 100000
	if err := e.Modify(h, r); err != nil {
		t.Fatal(err)
	}
	want, _ = ComputeParams(r, link20)
	checkClass(t, "after GS", p.classes(t)[uint16(h.ClassID())], want)
	bestEffort(t, p, want.Rate)

	// A modification that does not fit changes nothing.
	big := r
	big.Rate, big.TokenRate, big.PeakRate = 19*mbit, 19*mbit, 19*mbit
	if err := e.Modify(h, big); !errors.Is(err, ErrCapacity) {
		t.Fatalf("oversized Modify: %v, want ErrCapacity", err)
	}
	checkClass(t, "after refused Modify", p.classes(t)[uint16(h.ClassID())], want)
	bestEffort(t, p, want.Rate)
}

func TestRemove(t *testing.T) {
	p, e := attached(t)
	h1, err := e.Install(p.name, udp4(5000, 100000, snd("10.9.0.1", 0)))
	if err != nil {
		t.Fatal(err)
	}
	h2, err := e.Install(p.name, udp4(5001, 100000, snd("10.9.0.1", 0)))
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Remove(h1); err != nil {
		t.Fatal(err)
	}
	cs := p.classes(t)
	if _, ok := cs[uint16(h1.ClassID())]; ok {
		t.Error("class of the removed reservation still there")
	}
	if _, ok := cs[uint16(h2.ClassID())]; !ok {
		t.Error("class of the other reservation gone")
	}
	n := 0
	for prio, us := range p.filters(t) {
		if prio >= firstResPrio {
			n += len(us)
			if us[0].ClassId != h2.ClassID() {
				t.Errorf("a filter still points at %s", netlink.HandleStr(us[0].ClassId))
			}
		}
	}
	if n != 1 {
		t.Errorf("%d reservation filters left, want 1", n)
	}
	want, _ := ComputeParams(udp4(5001, 100000), link20)
	bestEffort(t, p, want.Rate)
	if err := e.Remove(h1); !errors.Is(err, ErrUnknownHandle) {
		t.Errorf("second Remove: %v, want ErrUnknownHandle", err)
	}
	if err := e.Modify(h1, udp4(5000, 1000)); !errors.Is(err, ErrUnknownHandle) {
		t.Errorf("Modify of a removed reservation: %v, want ErrUnknownHandle", err)
	}
	if err := e.Remove(Handle{}); !errors.Is(err, ErrUnknownHandle) {
		t.Errorf("Remove(zero Handle): %v, want ErrUnknownHandle", err)
	}
	if err := e.Remove(h2); err != nil {
		t.Fatal(err)
	}
	if cs := p.classes(t); len(cs) != 3 {
		t.Errorf("after removing everything: classes %v, want the three base classes", keys(cs))
	}
	bestEffort(t, p, 0)
}
