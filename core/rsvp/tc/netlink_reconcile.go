package tc

import (
	"errors"
	"fmt"

	"github.com/vishvananda/netlink"
)

// Reconcile implements Enforcer.
func (n *Netlink) Reconcile(ifaces []string) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.closed {
		return ErrClosed
	}
	var errs []error
	for _, name := range ifaces {
		if err := n.reconcile(name); err != nil {
			errs = append(errs, fmt.Errorf("tc: reconcile %s: %w", name, err))
		}
	}
	return errors.Join(errs...)
}

func (n *Netlink) reconcile(name string) error {
	st := n.l.ifaces[name] // nil when not attached
	link, err := n.k.h.LinkByName(name)
	if err != nil {
		var nf netlink.LinkNotFoundError
		if errors.As(err, &nf) {
			return ErrUnknownInterface
		}
		return err
	}
	idx := link.Attrs().Index
	root, err := n.k.rootQdisc(idx)
	if err != nil {
		return err
	}
	if st == nil {
		if root != nil && ours(root) {
			return n.k.delQdisc(idx)
		}
		return nil
	}
	st.index = idx // the interface may have been re-created
	switch {
	case foreign(root):
		// Someone replaced our qdisc deliberately; do not fight them.
		return fmt.Errorf("%w: %s %s replaced this package's", ErrForeignQdisc, root.Type(), netlink.HandleStr(root.Attrs().Handle))
	case root == nil || !ours(root):
		return n.build(st, false)
	}
	return n.repair(st)
}

// wantedFilters lists, per priority, the filters an attached interface
// should have.
type wantedFilters struct {
	proto uint16
	minor uint16
	sels  [][]key
}

func (n *Netlink) wanted(st *ifaceState) map[uint16]wantedFilters {
	w := map[uint16]wantedFilters{}
	if st.control > 0 {
		for _, f := range controlFilters() {
			cur := w[f.prio]
			cur.proto, cur.minor = f.proto, controlMinor
			cur.sels = append(cur.sels, orMatchAll(f.keys))
			w[f.prio] = cur
		}
	}
	for _, e := range st.res {
		w[e.prio] = wantedFilters{proto: e.proto, minor: e.minor, sels: e.filter}
	}
	return w
}

// repair brings our qdisc back to the ledger's state: foreign filter
// priorities and classes go, the classes we own are re-asserted, and a
// priority whose filters differ from what they should be is rebuilt.
func (n *Netlink) repair(st *ifaceState) error {
	idx := st.index
	fs, err := n.k.filters(idx)
	if err != nil {
		return err
	}
	type prioKey struct{ prio, proto uint16 }
	got := map[prioKey][]*netlink.U32{}
	seen := map[prioKey]bool{}
	for _, f := range fs {
		a := f.Attrs()
		pk := prioKey{a.Priority, a.Protocol}
		seen[pk] = true
		if u, ok := f.(*netlink.U32); ok && u.Handle&0xfff != 0 { // a node, not a hash table
			got[pk] = append(got[pk], u)
		}
	}
	want := n.wanted(st)
	var errs []error
	// Unknown priorities first: their filters may point at classes about
	// to be deleted.
	for pk := range seen {
		if w, ok := want[pk.prio]; !ok || w.proto != pk.proto {
			errs = append(errs, n.k.delPrio(idx, pk.prio, pk.proto))
		}
	}
	cs, err := n.k.classes(idx)
	if err != nil {
		return errors.Join(append(errs, err)...)
	}
	for _, c := range cs {
		minor := uint16(c.Attrs().Handle)
		if _, known := st.res[minor]; known || minor == rootMinor || minor == bestMinor || (minor == controlMinor && st.control > 0) {
			continue
		}
		errs = append(errs, n.k.delClass(idx, minor))
	}
	errs = append(errs, n.setBase(st, st.reserved()))
	for _, e := range st.res {
		errs = append(errs, n.k.setClass(idx, e.minor, rootMinor, e.p, st.link))
	}
	for prio, w := range want {
		if filtersEqual(got[prioKey{prio, w.proto}], w) {
			continue
		}
		errs = append(errs, n.k.delPrio(idx, prio, w.proto))
		for i, sel := range w.sels {
			errs = append(errs, n.k.addFilter(idx, prio, w.proto, uint32(i+1), sel, w.minor))
		}
	}
	return errors.Join(errs...)
}

// filtersEqual compares dumped filter nodes with the wanted ones: node
// i+1 carries sels[i] and points at the class.
func filtersEqual(got []*netlink.U32, w wantedFilters) bool {
	if len(got) != len(w.sels) {
		return false
	}
	for _, u := range got {
		node := int(u.Handle & 0xfff)
		if node < 1 || node > len(w.sels) || u.ClassId != classID(w.minor) || u.Sel == nil ||
			!sameKeys(u.Sel.Keys, w.sels[node-1]) {
			return false
		}
	}
	return true
}
