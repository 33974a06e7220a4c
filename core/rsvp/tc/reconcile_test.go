package tc

import (
	"errors"
	"testing"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// crashedRun leaves what a daemon killed with reservations installed
// leaves: our qdisc with classes and filters, and no Close.
func crashedRun(t *testing.T, p *pair) {
	t.Helper()
	old, err := NewNetlink(p.h)
	if err != nil {
		t.Fatal(err)
	}
	if err := old.Attach(p.name, IfaceConfig{Rate: 20 * mbit}); err != nil {
		t.Fatal(err)
	}
	for port := uint16(5000); port < 5003; port++ {
		if _, err := old.Install(p.name, udp4(port, 100000, snd("10.9.0.1", 0))); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(p.classes(t)); n != 6 {
		t.Fatalf("crashed run left %d classes, want 6", n)
	}
}

func TestReconcileRemovesLeftovers(t *testing.T) {
	p := newPair(t)
	crashedRun(t, p)
	e := p.enforcer(t)
	if err := e.Reconcile([]string{p.name, "lo"}); err != nil {
		t.Fatal(err)
	}
	if q := p.root(t); q != nil && q.Attrs().Handle != 0 {
		t.Fatalf("after Reconcile the root qdisc is %s %s, want the kernel default", q.Type(), netlink.HandleStr(q.Attrs().Handle))
	}
	if err := e.Reconcile([]string{"nosuch0", p.name}); !errors.Is(err, ErrUnknownInterface) {
		t.Errorf("Reconcile of a missing interface: %v, want ErrUnknownInterface", err)
	}
}

func TestAttachReplacesLeftovers(t *testing.T) {
	p := newPair(t)
	crashedRun(t, p)
	e := p.enforcer(t)
	if err := e.Attach(p.name, IfaceConfig{Rate: 10 * mbit}); err != nil {
		t.Fatal(err)
	}
	cs := p.classes(t)
	if len(cs) != 3 || cs[rootMinor].Rate != uint64(10*mbit) {
		t.Fatalf("after Attach over leftovers: classes %v, root %v", keys(cs), cs[rootMinor])
	}
	for prio := range p.filters(t) {
		if prio >= firstResPrio {
			t.Errorf("leftover filter priority %d survived Attach", prio)
		}
	}
}

func TestReconcileRepairs(t *testing.T) {
	p, e := attached(t)
	r := udp4(5000, 200000, snd("10.9.0.1", 4000), snd("10.9.0.1", 4001))
	h, err := e.Install(p.name, r)
	if err != nil {
		t.Fatal(err)
	}
	want := func() {
		t.Helper()
		cs := p.classes(t)
		if len(cs) != 4 {
			t.Errorf("classes %v, want the base three and %x", keys(cs), uint16(h.ClassID()))
		}
		p0, _ := ComputeParams(r, link20)
		checkClass(t, "reservation", cs[uint16(h.ClassID())], p0)
		bestEffort(t, p, p0.Rate)
		var mine []*netlink.U32
		for prio, us := range p.filters(t) {
			if prio >= firstResPrio {
				mine = append(mine, us...)
			}
		}
		if len(mine) != 2 || mine[0].ClassId != h.ClassID() || !sameKeys(mine[1].Sel.Keys, selector(r.Session, r.Senders[1])) {
			t.Errorf("reservation filters %v", mine)
		}
		if n := len(p.filters(t)[prioControl6]); n != 9 {
			t.Errorf("%d IPv6 control filters, want 9", n)
		}
	}

	// Damage: a stray class with a filter pointing at it, one of our
	// filters and a control priority deleted, best effort changed.
	k := kernel{p.h}
	stray := ClassParams{Rate: 1000, Ceil: 1000, Burst: 2000, Cburst: 2000}
	if err := k.addClass(p.idx, 0x77, rootMinor, stray, link20); err != nil {
		t.Fatal(err)
	}
	if err := k.addFilter(p.idx, 0x500, unix.ETH_P_IP, 1, selector(r.Session, snd("10.9.0.9", 0)), 0x77); err != nil {
		t.Fatal(err)
	}
	for prio, us := range p.filters(t) {
		if prio >= firstResPrio && prio != 0x500 {
			if err := p.h.FilterDel(us[1]); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := k.delPrio(p.idx, prioControl6, unix.ETH_P_IPV6); err != nil {
		t.Fatal(err)
	}
	if err := k.setClass(p.idx, bestMinor, rootMinor, stray, link20); err != nil {
		t.Fatal(err)
	}
	if err := e.Reconcile([]string{p.name}); err != nil {
		t.Fatal(err)
	}
	want()
	if _, ok := p.filters(t)[0x500]; ok {
		t.Error("stray filter priority survived Reconcile")
	}

	// The whole qdisc deleted behind our back: rebuilt with the
	// reservation, which keeps its handle.
	if err := k.delQdisc(p.idx); err != nil {
		t.Fatal(err)
	}
	if err := e.Reconcile([]string{p.name}); err != nil {
		t.Fatal(err)
	}
	want()
	if err := e.Remove(h); err != nil {
		t.Fatalf("Remove after the rebuild: %v", err)
	}
}
