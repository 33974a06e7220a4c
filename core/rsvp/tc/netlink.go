package tc

import (
	"errors"
	"fmt"
	"math"
	"sync"

	"github.com/vishvananda/netlink"
)

// Netlink is the Enforcer that programs the kernel through rtnetlink
// (never by running tc). It needs CAP_NET_ADMIN in the network namespace
// it works in. The kernel state outlives the process: call Close at stop,
// and Reconcile or Attach at start to clear a crashed run's leftovers.
type Netlink struct {
	mu     sync.Mutex
	k      kernel
	own    bool // the handle is ours to close
	l      *ledger
	closed bool
}

var _ Enforcer = (*Netlink)(nil)

// NewNetlink returns an Enforcer working through h, which decides the
// network namespace (tests pass a handle opened inside theirs). With h
// nil it opens a handle in the calling thread's namespace and closes it
// in Close.
func NewNetlink(h *netlink.Handle) (*Netlink, error) {
	own := false
	if h == nil {
		var err error
		if h, err = netlink.NewHandle(); err != nil {
			return nil, fmt.Errorf("tc: netlink: %w", err)
		}
		own = true
	}
	return &Netlink{k: kernel{h: h}, own: own, l: newLedger()}, nil
}

// linkBurstTime sizes the buckets of the root, best-effort and control
// classes: what the class may send at once after a scheduling delay, so
// that a late timer on a loaded machine does not cost the link capacity.
const linkBurstTime = 0.005 // seconds

// baseParams are the parameters of the classes this package owns besides
// the reservations: rate as given, ceil the link rate.
func baseParams(rate float64, link LinkParams) ClassParams {
	return ClassParams{
		Rate:   rate,
		Ceil:   link.Rate,
		Burst:  clampBucket(math.Max(rate*linkBurstTime, 2*link.frame()), rate),
		Cburst: clampBucket(math.Max(link.Rate*linkBurstTime, 2*link.frame()), link.Rate),
	}
}

// Attach implements Enforcer.
func (n *Netlink) Attach(iface string, cfg IfaceConfig) error {
	if !(cfg.Rate >= 1) || math.IsInf(cfg.Rate, 0) {
		return fmt.Errorf("%w: %s: link rate %v B/s", ErrInvalid, iface, cfg.Rate)
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.closed {
		return ErrClosed
	}
	if _, err := n.l.iface(iface); err == nil {
		return fmt.Errorf("%w: %s", ErrAttached, iface)
	}
	link, err := n.k.h.LinkByName(iface)
	if err != nil {
		var nf netlink.LinkNotFoundError
		if errors.As(err, &nf) {
			return fmt.Errorf("%w: %s", ErrUnknownInterface, iface)
		}
		return fmt.Errorf("tc: %s: %w", iface, err)
	}
	a := link.Attrs()
	lp := LinkParams{Rate: math.Ceil(cfg.Rate), Overhead: cfg.Overhead, MTU: a.MTU}
	switch {
	case cfg.Overhead == 0 && a.EncapType == "ether":
		lp.Overhead = 14
	case cfg.Overhead < 0:
		lp.Overhead = 0
	}
	root, err := n.k.rootQdisc(a.Index)
	if err != nil {
		return fmt.Errorf("tc: %s: %w", iface, err)
	}
	if foreign(root) && !cfg.ReplaceForeign {
		return fmt.Errorf("%w: %s has %s %s", ErrForeignQdisc, iface, root.Type(), netlink.HandleStr(root.Attrs().Handle))
	}
	st, err := n.l.attach(iface, a.Index, lp, defaultControlRate(cfg))
	if err != nil {
		return err
	}
	if root != nil && ours(root) {
		// A previous run's qdisc: start from nothing rather than guess
		// which of its classes are still wanted.
		if err := n.k.delQdisc(a.Index); err != nil {
			delete(n.l.ifaces, iface)
			return fmt.Errorf("tc: %s: remove leftover: %w", iface, err)
		}
	}
	if err := n.build(st, foreign(root)); err != nil {
		n.k.delQdisc(a.Index)
		delete(n.l.ifaces, iface)
		return fmt.Errorf("tc: attach %s: %w", iface, err)
	}
	return nil
}

// build creates the root qdisc, the classes this package owns and the
// control filters, then every reservation in the ledger (none on Attach;
// all of them when Reconcile finds the qdisc gone).
func (n *Netlink) build(st *ifaceState, replace bool) error {
	idx, lp := st.index, st.link
	if err := n.k.addQdisc(idx, replace); err != nil {
		return fmt.Errorf("root qdisc: %w", err)
	}
	if err := n.setBase(st, st.reserved()); err != nil {
		return err
	}
	if err := n.addControlFilters(st); err != nil {
		return err
	}
	for _, e := range st.res {
		if err := n.k.addClass(idx, e.minor, rootMinor, e.p, lp); err != nil {
			return err
		}
		if err := n.k.addFilters(idx, e.prio, e.proto, e.filter, e.minor); err != nil {
			return err
		}
	}
	return nil
}

// setBase creates or updates the root, control and best-effort classes,
// best effort sized for reservations taking reserved bytes/s.
func (n *Netlink) setBase(st *ifaceState, reserved float64) error {
	idx, lp := st.index, st.link
	if err := n.k.setClass(idx, rootMinor, 0, baseParams(lp.Rate, lp), lp); err != nil {
		return err
	}
	if st.control > 0 {
		if err := n.k.setClass(idx, controlMinor, rootMinor, baseParams(st.control, lp), lp); err != nil {
			return err
		}
	}
	return n.setBestEffort(st, reserved)
}

func (n *Netlink) setBestEffort(st *ifaceState, reserved float64) error {
	return n.k.setClass(st.index, bestMinor, rootMinor, baseParams(st.bestEffortRate(reserved), st.link), st.link)
}

func (n *Netlink) addControlFilters(st *ifaceState) error {
	if st.control == 0 {
		return nil
	}
	node := map[uint16]uint32{}
	for _, f := range controlFilters() {
		node[f.prio]++
		if err := n.k.addFilter(st.index, f.prio, f.proto, node[f.prio], f.keys, controlMinor); err != nil {
			return err
		}
	}
	return nil
}

// Detach implements Enforcer. The qdisc is deleted only while it is still
// this package's; the interface is forgotten in any case.
func (n *Netlink) Detach(iface string) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.closed {
		return ErrClosed
	}
	return n.detach(iface)
}

func (n *Netlink) detach(iface string) error {
	st, err := n.l.iface(iface)
	if err != nil {
		return err
	}
	delete(n.l.ifaces, iface)
	root, err := n.k.rootQdisc(st.index)
	if err != nil {
		if err = ignoreGone(err); err != nil {
			return fmt.Errorf("tc: detach %s: %w", iface, err)
		}
		return nil // the interface is gone, and its qdisc with it
	}
	if root != nil && ours(root) {
		if err := n.k.delQdisc(st.index); err != nil {
			return fmt.Errorf("tc: detach %s: %w", iface, err)
		}
	}
	return nil
}

// Close implements Enforcer: it detaches every interface (deleting the
// root qdiscs restores the kernel's default ones) and closes the netlink
// handle if NewNetlink opened it.
func (n *Netlink) Close() error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.closed {
		return nil
	}
	var errs []error
	for name := range n.l.ifaces {
		errs = append(errs, n.detach(name))
	}
	n.closed = true
	if n.own {
		n.k.h.Close()
	}
	return errors.Join(errs...)
}
