package tc

import (
	"errors"
	"testing"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

const mbit = 125000.0 // bytes per second

func TestAttachLayout(t *testing.T) {
	p := newPair(t)
	e := p.enforcer(t)
	if err := e.Attach(p.name, IfaceConfig{Rate: 20 * mbit}); err != nil {
		t.Fatal(err)
	}
	q, ok := p.root(t).(*netlink.Htb)
	if !ok || q.Handle != 0x22050000 || q.Defcls != 2 {
		t.Fatalf("root qdisc %+v, want htb 2205: default 2", p.root(t))
	}
	link := LinkParams{Rate: 20 * mbit, Overhead: 14, MTU: 1500}
	cs := p.classes(t)
	if len(cs) != 3 {
		t.Fatalf("%d classes, want root, best effort and control", len(cs))
	}
	control := 25000.0 // 1% of 2.5e6
	checkClass(t, "root 2205:1", cs[1], baseParams(link.Rate, link))
	checkClass(t, "control 2205:3", cs[3], baseParams(control, link))
	checkClass(t, "best effort 2205:2", cs[2], baseParams(link.Rate-control, link))
	for m, c := range cs {
		wantParent := uint32(0x22050001)
		if m == 1 {
			wantParent = netlink.HANDLE_ROOT // the kernel's way to say "the qdisc itself"
		}
		if c.Parent != wantParent {
			t.Errorf("class %x: parent %s", m, netlink.HandleStr(c.Parent))
		}
	}
	fs := p.filters(t)
	wantProto := map[uint16]uint16{1: unix.ETH_P_ARP, 2: unix.ETH_P_IP, 3: unix.ETH_P_IPV6}
	wantCount := map[uint16]int{1: 1, 2: 3, 3: 4 + 5}
	for prio, proto := range wantProto {
		if len(fs[prio]) != wantCount[prio] {
			t.Errorf("prio %d: %d filters, want %d", prio, len(fs[prio]), wantCount[prio])
		}
		for _, f := range fs[prio] {
			if f.Protocol != proto || f.ClassId != 0x22050003 {
				t.Errorf("prio %d: filter %s protocol %#x class %s", prio, netlink.HandleStr(f.Handle), f.Protocol, netlink.HandleStr(f.ClassId))
			}
		}
	}
	// RSVP over raw IPv4: protocol 46 at byte 9, whatever the options.
	if k := fs[2][0].Sel.Keys; len(k) != 1 || k[0] != (key{Mask: 0x00ff0000, Val: 46 << 16, Off: 8}) {
		t.Errorf("IPv4 RSVP filter keys %+v", k)
	}

	if err := e.Attach(p.name, IfaceConfig{Rate: 20 * mbit}); !errors.Is(err, ErrAttached) {
		t.Errorf("second Attach: %v, want ErrAttached", err)
	}
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	if q := p.root(t); q != nil && q.Attrs().Handle != 0 {
		t.Errorf("after Close the root qdisc is %s %s, want the kernel default", q.Type(), netlink.HandleStr(q.Attrs().Handle))
	}
	if _, err := e.Install(p.name, udp4(5000, mbit)); !errors.Is(err, ErrClosed) {
		t.Errorf("Install after Close: %v, want ErrClosed", err)
	}
}

func TestAttachOptions(t *testing.T) {
	p := newPair(t)
	e := p.enforcer(t)
	if err := e.Attach(p.name, IfaceConfig{Rate: 10 * mbit, Overhead: NoOverhead, ControlRate: -1}); err != nil {
		t.Fatal(err)
	}
	cs := p.classes(t)
	if _, ok := cs[3]; ok || len(cs) != 2 {
		t.Errorf("ControlRate -1: classes %v, want no control class", keys(cs))
	}
	if fs := p.filters(t); len(fs) != 0 {
		t.Errorf("ControlRate -1: %d filter priorities, want none", len(fs))
	}
	// Without overhead the class runs at r exactly.
	h, err := e.Install(p.name, udp4(5000, mbit, snd("10.9.0.1", 0)))
	if err != nil {
		t.Fatal(err)
	}
	if c := p.classes(t)[uint16(h.ClassID())]; c.Rate != uint64(mbit) {
		t.Errorf("rate %d, want %.0f with NoOverhead", c.Rate, mbit)
	}
	if err := e.Detach(p.name); err != nil {
		t.Fatal(err)
	}
	if q := p.root(t); q != nil && q.Attrs().Handle != 0 {
		t.Errorf("after Detach the root qdisc is %s", netlink.HandleStr(q.Attrs().Handle))
	}
	if err := e.Remove(h); !errors.Is(err, ErrUnknownHandle) {
		t.Errorf("Remove after Detach: %v, want ErrUnknownHandle", err)
	}
}

func TestForeignQdisc(t *testing.T) {
	p := newPair(t)
	tbf := &netlink.Tbf{
		QdiscAttrs: netlink.QdiscAttrs{LinkIndex: p.idx, Handle: netlink.MakeHandle(0x10, 0), Parent: netlink.HANDLE_ROOT},
		Rate:       mbit, Limit: 10000, Buffer: netlink.Xmittime(mbit, 3000),
	}
	if err := p.h.QdiscAdd(tbf); err != nil {
		t.Fatal(err)
	}
	e := p.enforcer(t)
	if err := e.Attach(p.name, IfaceConfig{Rate: 10 * mbit}); !errors.Is(err, ErrForeignQdisc) {
		t.Fatalf("Attach over a foreign tbf: %v, want ErrForeignQdisc", err)
	}
	if err := e.Reconcile([]string{p.name}); err != nil {
		t.Fatal(err)
	}
	if q := p.root(t); q.Type() != "tbf" {
		t.Fatalf("Reconcile touched a foreign qdisc: root is now %s", q.Type())
	}
	if err := e.Attach(p.name, IfaceConfig{Rate: 10 * mbit, ReplaceForeign: true}); err != nil {
		t.Fatal(err)
	}
	if !ours(p.root(t)) {
		t.Fatal("ReplaceForeign did not install the HTB root")
	}
	// Someone replaces ours: Reconcile reports it and leaves it.
	tbf.Handle = netlink.MakeHandle(0x11, 0)
	if err := p.h.QdiscReplace(tbf); err != nil {
		t.Fatal(err)
	}
	if err := e.Reconcile([]string{p.name}); !errors.Is(err, ErrForeignQdisc) {
		t.Fatalf("Reconcile after our qdisc was replaced: %v, want ErrForeignQdisc", err)
	}
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	if q := p.root(t); q.Type() != "tbf" {
		t.Fatalf("Close deleted a foreign qdisc: root is now %s", q.Type())
	}
}

func keys[V any](m map[uint16]V) []uint16 {
	var out []uint16
	for k := range m {
		out = append(out, k)
	}
	return out
}
