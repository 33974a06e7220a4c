package tc

import (
	"math"
	"net/netip"
	"sort"
	"testing"

	"github.com/vishvananda/netlink"

	"netcompat/internal/netns"
)

// pair is two namespaces joined by a veth; tc goes on A's end.
type pair struct {
	a, b *netns.Namespace
	veth *netns.Veth
	h    *netlink.Handle // A's netlink handle
	idx  int             // A's interface index
	name string          // A's interface name
}

func newPair(t testing.TB) *pair {
	t.Helper()
	a, b := netns.New(t, "tca"), netns.New(t, "tcb")
	v := netns.NewVeth(t, netns.VethConfig{
		A: a, B: b, AName: "res0", BName: "res1",
		A4: netip.MustParsePrefix("10.9.0.1/24"), B4: netip.MustParsePrefix("10.9.0.2/24"),
		A6: netip.MustParsePrefix("fd00:9::1/64"), B6: netip.MustParsePrefix("fd00:9::2/64"),
	})
	h, err := a.Netlink()
	if err != nil {
		t.Fatal(err)
	}
	return &pair{a: a, b: b, veth: v, h: h, idx: v.A.Index, name: v.A.Name}
}

// enforcer returns a Netlink enforcer in A's namespace, closed at the end.
func (p *pair) enforcer(t testing.TB) *Netlink {
	t.Helper()
	e, err := NewNetlink(p.h)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	return e
}

func (p *pair) root(t *testing.T) netlink.Qdisc {
	t.Helper()
	q, err := kernel{p.h}.rootQdisc(p.idx)
	if err != nil {
		t.Fatal(err)
	}
	return q
}

// classes reads the HTB classes under 2205: by minor number.
func (p *pair) classes(t *testing.T) map[uint16]*netlink.HtbClass {
	t.Helper()
	cs, err := kernel{p.h}.classes(p.idx)
	if err != nil {
		t.Fatal(err)
	}
	out := map[uint16]*netlink.HtbClass{}
	for _, c := range cs {
		h, ok := c.(*netlink.HtbClass)
		if !ok {
			t.Fatalf("class %s is %s, not htb", netlink.HandleStr(c.Attrs().Handle), c.Type())
		}
		out[uint16(h.Handle)] = h
	}
	return out
}

// filters reads the u32 filter nodes (not hash tables) by priority, each
// priority's nodes ordered by node number.
func (p *pair) filters(t *testing.T) map[uint16][]*netlink.U32 {
	t.Helper()
	fs, err := kernel{p.h}.filters(p.idx)
	if err != nil {
		t.Fatal(err)
	}
	out := map[uint16][]*netlink.U32{}
	for _, f := range fs {
		u, ok := f.(*netlink.U32)
		if !ok {
			t.Fatalf("filter %+v is %s, not u32", f.Attrs(), f.Type())
		}
		if u.Handle&0xfff == 0 {
			continue // the priority's hash table
		}
		out[u.Priority] = append(out[u.Priority], u)
	}
	for _, us := range out {
		sort.Slice(us, func(i, j int) bool { return us[i].Handle < us[j].Handle })
	}
	return out
}

// checkClass compares a class read back from the kernel with the
// parameters it should have: rates exactly, buckets to within the
// rounding of the tick conversion.
func checkClass(t *testing.T, what string, c *netlink.HtbClass, want ClassParams) {
	t.Helper()
	if c == nil {
		t.Fatalf("%s: class missing", what)
	}
	if c.Rate != uint64(want.Rate) || c.Ceil != uint64(want.Ceil) {
		t.Errorf("%s: rate %d ceil %d B/s, want %.0f and %.0f", what, c.Rate, c.Ceil, want.Rate, want.Ceil)
	}
	burst := float64(netlink.Xmitsize(c.Rate, c.Buffer))
	cburst := float64(netlink.Xmitsize(c.Ceil, c.Cbuffer))
	near := func(got, want float64) bool { return math.Abs(got-want) <= math.Max(2, want*0.005) }
	if !near(burst, want.Burst) || !near(cburst, want.Cburst) {
		t.Errorf("%s: burst %.0f cburst %.0f bytes, want %.0f and %.0f", what, burst, cburst, want.Burst, want.Cburst)
	}
}

// udp4 is a Controlled-Load reservation for UDP to 10.9.0.2:port from
// the given sources.
func udp4(port uint16, rate float64, senders ...Sender) Reservation {
	return Reservation{
		Session: Session{Dst: netip.MustParseAddr("10.9.0.2"), Proto: ProtoUDP, DstPort: port},
		Senders: senders,
		Service: ControlledLoad, TokenRate: rate, BucketDepth: 20000, PeakRate: 2 * rate,
		MinPolicedUnit: 100, MaxPacketSize: 1500,
	}
}

func snd(addr string, port uint16) Sender {
	return Sender{Addr: netip.MustParseAddr(addr), Port: port}
}
