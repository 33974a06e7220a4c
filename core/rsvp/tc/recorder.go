package tc

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"sync"
)

// Recorder is the Enforcer that touches no kernel state: for daemons
// without CAP_NET_ADMIN or with enforcement off, and for the engine's unit
// tests. It keeps the same books as Netlink (validation, capacity, class
// numbers, stale handles), so callers see the same errors, and it can log
// every call. Interfaces need not exist.
type Recorder struct {
	mu     sync.Mutex
	l      *ledger
	log    bool
	ops    []Op
	closed bool

	// Fail, if set, is asked before each operation; an error it returns
	// fails the operation (logged, without effect). For tests.
	Fail func(Op) error
}

var _ Enforcer = (*Recorder)(nil)

// Op is one logged call.
type Op struct {
	Kind        string      // "attach", "detach", "install", "modify", "remove", "reconcile", "close"
	Iface       string      // attach, detach, install (and the handle's interface)
	Handle      Handle      // install (the new handle), modify, remove
	Reservation Reservation // install, modify
	Params      ClassParams // install, modify: the class Netlink would set
	Ifaces      []string    // reconcile
	Err         error
}

// NewNoop returns a Recorder that keeps no log: its memory use is bounded
// by the installed reservations, as a long-running daemon needs.
func NewNoop() *Recorder { return &Recorder{l: newLedger()} }

// NewRecorder returns a Recorder that logs every call (see Ops).
func NewRecorder() *Recorder { return &Recorder{l: newLedger(), log: true} }

// Ops returns a copy of the log.
func (r *Recorder) Ops() []Op {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Op(nil), r.ops...)
}

// Installed is one reservation as the Recorder holds it.
type Installed struct {
	Handle      Handle
	Reservation Reservation
	Params      ClassParams
}

// Installed lists the reservations installed on iface, by class number.
func (r *Recorder) Installed(iface string) []Installed {
	r.mu.Lock()
	defer r.mu.Unlock()
	st, ok := r.l.ifaces[iface]
	if !ok {
		return nil
	}
	var out []Installed
	for _, e := range st.res {
		out = append(out, Installed{Handle: r.l.handle(st, e), Reservation: e.r.clone(), Params: e.p})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Handle.minor < out[j].Handle.minor })
	return out
}

// do runs one operation under the lock: the Fail hook, then f, then the
// log entry.
func (r *Recorder) do(op Op, f func(*Op) error) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	var err error
	switch {
	case r.closed:
		err = ErrClosed
	case r.Fail != nil:
		err = r.Fail(op)
	}
	if err == nil {
		err = f(&op)
	}
	op.Err = err
	if r.log {
		op.Reservation = op.Reservation.clone()
		r.ops = append(r.ops, op)
	}
	return err
}

// Attach implements Enforcer. Without a real interface it assumes an
// Ethernet-like link with a 1500-byte MTU.
func (r *Recorder) Attach(iface string, cfg IfaceConfig) error {
	return r.do(Op{Kind: "attach", Iface: iface}, func(*Op) error {
		if !(cfg.Rate >= 1) || math.IsInf(cfg.Rate, 0) {
			return fmt.Errorf("%w: %s: link rate %v B/s", ErrInvalid, iface, cfg.Rate)
		}
		lp := LinkParams{Rate: math.Ceil(cfg.Rate), Overhead: cfg.Overhead, MTU: 1500}
		switch {
		case cfg.Overhead == 0:
			lp.Overhead = 14
		case cfg.Overhead < 0:
			lp.Overhead = 0
		}
		_, err := r.l.attach(iface, 0, lp, defaultControlRate(cfg))
		return err
	})
}

// Detach implements Enforcer.
func (r *Recorder) Detach(iface string) error {
	return r.do(Op{Kind: "detach", Iface: iface}, func(*Op) error {
		if _, err := r.l.iface(iface); err != nil {
			return err
		}
		delete(r.l.ifaces, iface)
		return nil
	})
}

// Install implements Enforcer.
func (r *Recorder) Install(iface string, res Reservation) (Handle, error) {
	var h Handle
	err := r.do(Op{Kind: "install", Iface: iface, Reservation: res}, func(op *Op) error {
		st, err := r.l.iface(iface)
		if err != nil {
			return err
		}
		e, err := r.l.newEntry(st, res)
		if err != nil {
			return err
		}
		st.add(e)
		h = r.l.handle(st, e)
		op.Handle, op.Params = h, e.p
		return nil
	})
	return h, err
}

// Modify implements Enforcer.
func (r *Recorder) Modify(h Handle, res Reservation) error {
	return r.do(Op{Kind: "modify", Iface: h.iface, Handle: h, Reservation: res}, func(op *Op) error {
		st, e, err := r.l.lookup(h)
		if err != nil {
			return err
		}
		p, err := st.params(res, e)
		if err != nil {
			return err
		}
		e.r, e.p, e.proto, e.filter = res.clone(), p, ethProto(res.Session), selectors(res)
		op.Params = p
		return nil
	})
}

// Remove implements Enforcer.
func (r *Recorder) Remove(h Handle) error {
	return r.do(Op{Kind: "remove", Iface: h.iface, Handle: h}, func(*Op) error {
		st, e, err := r.l.lookup(h)
		if err != nil {
			return err
		}
		st.remove(e)
		return nil
	})
}

// Reconcile implements Enforcer; there is nothing to reconcile.
func (r *Recorder) Reconcile(ifaces []string) error {
	return r.do(Op{Kind: "reconcile", Ifaces: append([]string(nil), ifaces...)}, func(*Op) error { return nil })
}

// Close implements Enforcer.
func (r *Recorder) Close() error {
	r.mu.Lock()
	closed := r.closed
	r.mu.Unlock()
	if closed {
		return nil
	}
	err := r.do(Op{Kind: "close"}, func(*Op) error {
		r.l = newLedger()
		return nil
	})
	r.mu.Lock()
	r.closed = true
	r.mu.Unlock()
	if errors.Is(err, ErrClosed) {
		return nil
	}
	return err
}
