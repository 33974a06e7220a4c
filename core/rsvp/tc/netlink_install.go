package tc

import (
	"errors"
	"fmt"
)

// Install implements Enforcer. The best-effort class gives up the rate
// before the reservation's class takes it, so the link is never
// oversubscribed, and on failure everything done is undone.
func (n *Netlink) Install(iface string, r Reservation) (Handle, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.closed {
		return Handle{}, ErrClosed
	}
	st, err := n.l.iface(iface)
	if err != nil {
		return Handle{}, err
	}
	e, err := n.l.newEntry(st, r)
	if err != nil {
		return Handle{}, err
	}
	reserved := st.reserved()
	if err := n.install(st, e, reserved); err != nil {
		// Undo in reverse; the ledger never saw e, so a failed undo
		// leaves objects that Reconcile removes.
		n.k.delPrio(st.index, e.prio, e.proto)
		n.k.delClass(st.index, e.minor)
		n.setBestEffort(st, reserved)
		return Handle{}, fmt.Errorf("tc: install on %s: %w", iface, err)
	}
	st.add(e)
	return n.l.handle(st, e), nil
}

func (n *Netlink) install(st *ifaceState, e *entry, reserved float64) error {
	if err := n.setBestEffort(st, reserved+e.p.Rate); err != nil {
		return err
	}
	if err := n.k.addClass(st.index, e.minor, rootMinor, e.p, st.link); err != nil {
		return err
	}
	return n.k.addFilters(st.index, e.prio, e.proto, e.filter, e.minor)
}

// Modify implements Enforcer. The class is changed in place (its queue
// stays); a changed set of senders is installed under a fresh filter
// priority before the old one is deleted, so matching packets never fall
// to best effort in between. Capacity grows before and shrinks after.
func (n *Netlink) Modify(h Handle, r Reservation) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.closed {
		return ErrClosed
	}
	st, e, err := n.l.lookup(h)
	if err != nil {
		return err
	}
	p, err := st.params(r, e)
	if err != nil {
		return err
	}
	sels, proto := selectors(r), ethProto(r.Session)
	newFilters := proto != e.proto || !sameFilters(sels, e.filter)
	var prio uint16
	if newFilters {
		var ok bool
		if prio, ok = st.allocPrio(); !ok {
			return fmt.Errorf("%w: %s: no filter priority left", ErrTooMany, st.name)
		}
	}
	before := st.reserved()
	after := before - e.p.Rate + p.Rate
	undo := func() {
		if newFilters {
			n.k.delPrio(st.index, prio, proto)
		}
		n.k.setClass(st.index, e.minor, rootMinor, e.p, st.link)
		n.setBestEffort(st, before)
	}
	if after > before {
		if err := n.setBestEffort(st, after); err != nil {
			undo()
			return fmt.Errorf("tc: modify %v: %w", h, err)
		}
	}
	if p != e.p {
		if err := n.k.setClass(st.index, e.minor, rootMinor, p, st.link); err != nil {
			undo()
			return fmt.Errorf("tc: modify %v: %w", h, err)
		}
	}
	var errs []error
	if newFilters {
		if err := n.k.addFilters(st.index, prio, proto, sels, e.minor); err != nil {
			undo()
			return fmt.Errorf("tc: modify %v: %w", h, err)
		}
		// From here on the new state is in force; a failure to delete the
		// old filters is reported, and Reconcile removes them.
		errs = append(errs, n.k.delPrio(st.index, e.prio, e.proto))
		delete(st.prios, e.prio)
		st.prios[prio] = true
		e.prio, e.proto, e.filter = prio, proto, sels
	}
	if after < before {
		errs = append(errs, n.setBestEffort(st, after))
	}
	e.r, e.p = r.clone(), p
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("tc: modify %v: %w", h, err)
	}
	return nil
}

// Remove implements Enforcer. The reservation is forgotten even when a
// kernel request fails (the interface may be gone); what is left behind
// is reported and Reconcile removes it.
func (n *Netlink) Remove(h Handle) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.closed {
		return ErrClosed
	}
	st, e, err := n.l.lookup(h)
	if err != nil {
		return err
	}
	st.remove(e)
	err = errors.Join(
		n.k.delPrio(st.index, e.prio, e.proto),
		n.k.delClass(st.index, e.minor),
		n.setBestEffort(st, st.reserved()),
	)
	if err != nil {
		return fmt.Errorf("tc: remove %v: %w", h, err)
	}
	return nil
}
