package registrar

import (
	"netcompat/core/rserpool/handlespace"
	"netcompat/core/rserpool/policy"
	"netcompat/core/rserpool/wire"
)

// poolSelector is a pool's Selector in the handlespace: the pool's
// policy.Selector, kept in step with the pool's membership through the
// handlespace's MemberObserver calls. A re-registration (MemberUpdated)
// gives the element its new policy information and resets its degradation
// (RFC 5356 section 5.2). It also counts each association's elements
// for Config.MaxElementsPerAssoc.
type poolSelector struct {
	*policy.Selector
	r *Registrar
}

var _ handlespace.MemberObserver = (*poolSelector)(nil)

// newSelector is the handlespace's Config.NewSelector. The handlespace
// only creates pools for registrations whose policy passed
// policy.FromWire, so the type is known.
func (r *Registrar) newSelector(p *handlespace.Pool) any {
	sel, err := policy.NewSelector(p.PolicyType(), policy.Options{Rand: r.cfg.Rand, MaxIncrement: r.cfg.MaxIncrement})
	if err != nil {
		r.log.Error("no selector for pool", "pool", handleStr(p.Handle()), "err", err)
		return nil
	}
	return &poolSelector{Selector: sel, r: r}
}

func (s *poolSelector) MemberAdded(m *handlespace.Member) {
	if a := s.r.assocs[AssocID(m.Conn())]; a != nil {
		a.elements++
	}
	info, err := policy.FromWire(m.PE.Policy)
	if err == nil {
		err = s.Add(m.PE.ID, info)
	}
	if err != nil {
		s.r.log.Error("selector: adding element", "pool", handleStr(m.Handle()), "pe", peStr(m.PE.ID), "err", err)
	}
	s.r.noteChange(m, wire.UpdateAddPE)
}

func (s *poolSelector) MemberUpdated(m *handlespace.Member) {
	info, err := policy.FromWire(m.PE.Policy)
	if err == nil {
		err = s.Update(m.PE.ID, info)
	}
	if err != nil {
		s.r.log.Error("selector: updating element", "pool", handleStr(m.Handle()), "pe", peStr(m.PE.ID), "err", err)
	}
	s.r.noteChange(m, wire.UpdateAddPE)
}

func (s *poolSelector) MemberRemoved(m *handlespace.Member) {
	if a := s.r.assocs[AssocID(m.Conn())]; a != nil {
		a.elements--
	}
	s.Remove(m.PE.ID)
	s.r.noteChange(m, wire.UpdateDelPE)
}

// selectorOf returns pool p's selector, or nil.
func selectorOf(p *handlespace.Pool) *poolSelector {
	s, _ := p.Selector.(*poolSelector)
	return s
}
