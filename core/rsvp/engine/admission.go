package engine

import (
	"slices"
	"time"

	"netcompat/core/rsvp/wire"
)

// Traffic control and admission control (RFC 2205 sections 1.1 and 3.11,
// RFC 2209 "UPDATE TRAFFIC CONTROL"). For every outgoing interface the
// reservations of a session merge into what is installed there: one
// reservation per sender for FF, one shared reservation for WF (all the
// senders routed through the interface) and for SE (the union of the
// filters). Before a reservation is installed or grown, admission
// control checks the interface's pool: the installed reservations' rates
// (CL: r, GS: R) must fit in it. Local receivers (localOI) install
// nothing: the reservation is on the sending side of each link.

// tcKey identifies what is installed: per interface, and per sender for
// FF.
type tcKey struct {
	oi     int
	sender wire.FilterSpec // zero for WF and SE
}

// tcsb is one installed reservation.
type tcsb struct {
	key     tcKey
	spec    wire.Flowspec
	filters []wire.FilterSpec
	id      uint64
}

// tcWant is what should be installed for a key, and the requests it
// merges.
type tcWant struct {
	key          tcKey
	spec         wire.Flowspec
	filters      []wire.FilterSpec
	contributors []*rsb
}

// tcFailure is a reservation traffic control could not install or grow.
type tcFailure struct {
	tcWant
	inPlace bool // a smaller reservation stays installed
	code    wire.ErrorCode
	value   uint16
}

// tcDesired merges the session's reservations on interface oi.
func (e *Engine) tcDesired(s *session, oi int) []tcWant {
	var routed []*psb
	for _, p := range s.psbs {
		if e.routedTo(s, p, oi) {
			routed = append(routed, p)
		}
	}
	if len(routed) == 0 {
		return nil
	}
	var wants []tcWant
	add := func(w tcWant, r *rsb) tcWant {
		if len(w.contributors) == 0 {
			w.spec = r.spec
		} else if m, ok := w.spec.LUB(r.spec); ok {
			w.spec = m
		}
		w.contributors = append(w.contributors, r)
		return w
	}
	switch s.style() {
	case wire.FF:
		for _, p := range routed {
			w := tcWant{key: tcKey{oi: oi, sender: p.sender}, filters: []wire.FilterSpec{p.sender}}
			for _, r := range s.rsbs {
				if r.oi == oi && e.covers(s, r, p) {
					w = add(w, r)
				}
			}
			if len(w.contributors) > 0 {
				wants = append(wants, w)
			}
		}
	case wire.WF, wire.SE:
		w := tcWant{key: tcKey{oi: oi}}
		for _, r := range s.rsbs {
			if r.oi != oi {
				continue
			}
			hit := false
			for _, p := range routed {
				if e.covers(s, r, p) {
					hit = true
					if !containsFilter(w.filters, p.sender) {
						w.filters = append(w.filters, p.sender)
					}
				}
			}
			if hit {
				w = add(w, r)
			}
		}
		if len(w.contributors) > 0 {
			// Filters in path state order, for stable comparisons.
			var ordered []wire.FilterSpec
			for _, p := range routed {
				if containsFilter(w.filters, p.sender) {
					ordered = append(ordered, p.sender)
				}
			}
			w.filters = ordered
			wants = append(wants, w)
		}
	}
	return wants
}

// applyTC makes what is installed on oi for s match the merged requests,
// removing first (which frees the pool), then growing or installing what
// admission control allows. It returns what it could not install or grow;
// those keep what they had (RFC 2205: a failed request leaves the
// reservation in place).
func (e *Engine) applyTC(s *session, oi int) []tcFailure {
	wants := e.tcDesired(s, oi)
	for k := range s.tcFailed {
		if k.oi == oi && !slices.ContainsFunc(wants, func(w tcWant) bool { return w.key == k }) {
			delete(s.tcFailed, k)
		}
	}
	for _, t := range slices.Clone(s.tcsbs) {
		if t.key.oi == oi && !slices.ContainsFunc(wants, func(w tcWant) bool { return w.key == t.key }) {
			e.removeTC(s, t)
		}
	}
	var fails []tcFailure
	for _, w := range wants {
		var cur *tcsb
		for _, t := range s.tcsbs {
			if t.key == w.key {
				cur = t
				break
			}
		}
		if f, ok := s.tcFailed[w.key]; ok && f.code == wire.CodeTrafficControlSys && f.spec == w.spec {
			continue // the kernel refused exactly this; wait for a change
		}
		oldRate := 0.0
		if cur != nil {
			if cur.spec == w.spec && slices.Equal(cur.filters, w.filters) {
				delete(s.tcFailed, w.key)
				continue
			}
			oldRate = rateOf(cur.spec)
		}
		if cur == nil || cur.spec != w.spec {
			if v, ok := e.admit(oi, oldRate, w.spec); !ok {
				fails = append(fails, tcFailure{tcWant: w, inPlace: cur != nil, code: wire.CodeAdmission, value: v})
				if cur != nil && !slices.Equal(cur.filters, w.filters) {
					// The senders still change; the flowspec stays.
					cur.filters = slices.Clone(w.filters)
					e.emitTC(TCModify, s, cur)
				}
				continue
			}
		}
		delete(s.tcFailed, w.key)
		ifc := e.ifByIndex[oi]
		if cur == nil {
			e.lastTCID++
			cur = &tcsb{key: w.key, id: e.lastTCID}
			s.tcsbs = append(s.tcsbs, cur)
			e.tcOwner[cur.id] = s
			cur.spec, cur.filters = w.spec, slices.Clone(w.filters)
			if ifc != nil {
				ifc.used += rateOf(cur.spec)
				ifc.nres++
			}
			e.emitTC(TCInstall, s, cur)
			continue
		}
		if ifc != nil {
			ifc.used += rateOf(w.spec) - oldRate
		}
		cur.spec, cur.filters = w.spec, slices.Clone(w.filters)
		e.emitTC(TCModify, s, cur)
	}
	return fails
}

// admit is admission control for a reservation of spec replacing one of
// rate oldRate on interface oi. It returns the ERROR_SPEC value of a
// refusal (RFC 2205 Appendix B, code 1).
func (e *Engine) admit(oi int, oldRate float64, spec wire.Flowspec) (uint16, bool) {
	ifc := e.ifByIndex[oi]
	if ifc == nil {
		return 0, true
	}
	if ifc.MTU > 0 && spec.TSpec.MaxPacketSize > ifc.MTU {
		return wire.AdmissionMTU, false
	}
	if ifc.Pool > 0 && ifc.used-oldRate+rateOf(spec) > ifc.Pool*(1+1e-9) {
		return wire.AdmissionBandwidth, false
	}
	return 0, true
}

func rateOf(f wire.Flowspec) float64 { return float64(f.ReservedRate()) }

func (e *Engine) removeTC(s *session, t *tcsb) {
	if ifc := e.ifByIndex[t.key.oi]; ifc != nil {
		ifc.used -= rateOf(t.spec)
		ifc.nres--
		if ifc.nres == 0 {
			ifc.used = 0 // no float residue once empty
		}
	}
	s.tcsbs = slices.DeleteFunc(s.tcsbs, func(x *tcsb) bool { return x == t })
	delete(e.tcOwner, t.id)
	e.emitTC(TCRemove, s, t)
}

// updateTC reconciles every interface s has reservations or installed
// state on, reporting failures not caused by a Resv being processed (a
// sender coming back, for instance) to the requests concerned.
func (e *Engine) updateTC(now time.Time, s *session) {
	var ois []int
	for _, r := range s.rsbs {
		if r.oi != localOI && !slices.Contains(ois, r.oi) {
			ois = append(ois, r.oi)
		}
	}
	for _, t := range s.tcsbs {
		if !slices.Contains(ois, t.key.oi) {
			ois = append(ois, t.key.oi)
		}
	}
	for _, oi := range ois {
		for _, f := range e.applyTC(s, oi) {
			e.reportTCFailure(s, f)
		}
	}
}

// reportTCFailure sends a ResvErr to the next hops whose requests make up
// a reservation that could not be installed, once per refused flowspec.
func (e *Engine) reportTCFailure(s *session, f tcFailure) {
	if prev, ok := s.tcFailed[f.key]; ok && prev.spec == f.spec && prev.code == f.code {
		return
	}
	if s.tcFailed == nil {
		s.tcFailed = map[tcKey]tcFailure{}
	}
	s.tcFailed[f.key] = f
	e.count("admission_failures")
	flags := uint8(0)
	if f.inPlace {
		flags = wire.ErrorInPlace
	}
	style := s.style().Style()
	sent := map[target]bool{}
	for _, r := range f.contributors {
		t := target{nhop: r.nhop, oi: r.oi, local: r.local, udp: r.udp}
		if sent[t] {
			continue
		}
		sent[t] = true
		fl := flags
		if c, ok := wire.Compare(r.spec, f.spec); ok && c < 0 {
			fl |= wire.ErrorNotGuilty
		}
		spec := f.spec
		d := wire.FlowDescriptor{Flowspec: &spec}
		if s.style() != wire.WF {
			d.Filters = slices.Clone(r.filters)
		}
		e.resvErrTo(s.w, t, e.errSpec(r.oi, s.w.Dest, fl, f.code, f.value), style, &d)
	}
}

// TCFailed tells the engine that the daemon could not install or modify
// reservation id in the kernel. The engine emits a TCRemove for id (so
// that what a failed Modify left installed goes too; for a failed
// Install there is nothing to remove), releases its share of the pool,
// and reports a traffic control system error (code 22) to the
// receivers. It tries again when the merged request changes.
func (e *Engine) TCFailed(now time.Time, id uint64) {
	s := e.tcOwner[id]
	if s == nil {
		return
	}
	var t *tcsb
	for _, x := range s.tcsbs {
		if x.id == id {
			t = x
		}
	}
	if t == nil {
		return
	}
	e.removeTC(s, t)
	var contributors []*rsb
	for _, w := range e.tcDesired(s, t.key.oi) {
		if w.key == t.key {
			contributors = w.contributors
		}
	}
	e.reportTCFailure(s, tcFailure{
		tcWant: tcWant{key: t.key, spec: t.spec, filters: t.filters, contributors: contributors},
		code:   wire.CodeTrafficControlSys,
	})
	e.ensureTimers(now, s)
	e.maybeDelete(s)
}

func (e *Engine) emitTC(op TCOp, s *session, t *tcsb) {
	a := &TCAction{Op: op, ID: t.id, Iface: t.key.oi, IfName: e.ifName(t.key.oi)}
	if ifc := e.ifByIndex[t.key.oi]; ifc != nil {
		a.Enforce = ifc.Enforce
	}
	if op != TCRemove {
		a.Resv = tcReservation(s.w, t.spec, t.filters)
	}
	e.emit(a)
	e.count("tc_" + op.String())
}

func tcReservation(w wire.Session, f wire.Flowspec, filters []wire.FilterSpec) TCReservation {
	r := TCReservation{
		Dest:           w.Dest,
		Proto:          w.Protocol,
		DstPort:        w.DstPort,
		Service:        f.Service,
		TokenRate:      float64(f.TSpec.Rate),
		BucketDepth:    float64(f.TSpec.BucketSize),
		PeakRate:       float64(f.TSpec.PeakRate),
		MinPolicedUnit: f.TSpec.MinPolicedUnit,
		MaxPacketSize:  f.TSpec.MaxPacketSize,
	}
	if w.GPI {
		r.DstPort = 0 // a virtual port: not in the packets
	}
	if f.Service == wire.ServiceGuaranteed {
		r.Rate = float64(f.RSpec.Rate)
	}
	for _, fs := range filters {
		snd := TCSender{Addr: fs.Source}
		if fs.Form == wire.FormPort {
			snd.Port = fs.Port
		}
		r.Senders = append(r.Senders, snd)
	}
	return r
}
