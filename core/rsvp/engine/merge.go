package engine

import (
	"netcompat/core/rsvp/wire"
)

// Merging (RFC 2205 sections 2.2 and 3.1.4, RFC 2209 "RESV REFRESH"):
// what a node asks of a previous hop is the least upper bound of the
// reservations of its next hops over the senders that previous hop
// serves:
//
//   - WF: one shared reservation, the LUB of every WF request whose
//     interface carries one of the previous hop's senders;
//   - FF: one descriptor per sender, the LUB of the FF requests naming it;
//   - SE: the union of the filters (restricted to the previous hop's
//     senders) with the LUB of the requests naming any of them.
//
// Blockade state (blockade.go) takes part: a request blockaded by a
// failed larger one is left out of the LUB unless every request is.

// filterMatches reports whether FILTER_SPEC f selects sender: the same
// address and form, and the same port, flow label or GPI. A filter port
// of 0 selects any port of the address.
func filterMatches(f, sender wire.FilterSpec) bool {
	if f.Form != sender.Form || f.Source != sender.Source {
		return false
	}
	switch f.Form {
	case wire.FormPort:
		return f.Port == sender.Port || f.Port == 0
	case wire.FormFlowLabel:
		return f.FlowLabel == sender.FlowLabel
	case wire.FormGPI:
		return f.GPI == sender.GPI
	}
	return false
}

// mergeSpecs returns the LUB of the specs not blockaded, or of all of them
// when every one is (the request then goes on failing upstream, which is
// what its receivers should hear). ok is false when specs is empty.
func mergeSpecs(specs []wire.Flowspec, blocked []bool) (lub wire.Flowspec, ok bool) {
	all := true
	for _, b := range blocked {
		all = all && b
	}
	for i, f := range specs {
		if blocked[i] && !all {
			continue
		}
		if !ok {
			lub, ok = f, true
			continue
		}
		if m, same := lub.LUB(f); same {
			lub = m
		}
		// Flowspecs of another service cannot merge; serviceConflict
		// keeps them out, so one here is left aside.
	}
	return lub, ok
}

// upstream returns the style and flow descriptors this node asks of the
// previous hop of group g.
func (e *Engine) upstream(s *session, g *phopGroup) (wire.StyleKind, []wire.FlowDescriptor) {
	style := s.style()
	var flows []wire.FlowDescriptor
	switch style {
	case wire.FF:
		for _, p := range g.psbs {
			b := s.blockadeFor(g.key, p.sender, false)
			var specs []wire.Flowspec
			var blocked []bool
			for _, r := range s.rsbs {
				if r.style == wire.FF && e.covers(s, r, p) {
					specs = append(specs, r.spec)
					blocked = append(blocked, b != nil && blockades(b.qb, r.spec))
				}
			}
			if m, ok := mergeSpecs(specs, blocked); ok {
				flows = append(flows, wire.FlowDescriptor{Flowspec: &m, Filters: []wire.FilterSpec{p.sender}})
			}
		}
	case wire.WF:
		b := s.blockadeFor(g.key, wire.FilterSpec{}, true)
		var specs []wire.Flowspec
		var blocked []bool
		for _, r := range s.rsbs {
			if r.style != wire.WF {
				continue
			}
			for _, p := range g.psbs {
				if e.covers(s, r, p) {
					specs = append(specs, r.spec)
					blocked = append(blocked, b != nil && blockades(b.qb, r.spec))
					break
				}
			}
		}
		if m, ok := mergeSpecs(specs, blocked); ok {
			flows = append(flows, wire.FlowDescriptor{Flowspec: &m})
		}
	case wire.SE:
		var filters []wire.FilterSpec
		var specs []wire.Flowspec
		var blocked []bool
		for _, r := range s.rsbs {
			if r.style != wire.SE {
				continue
			}
			hit, isBlocked := false, false
			for _, p := range g.psbs {
				if !e.covers(s, r, p) {
					continue
				}
				hit = true
				if !containsFilter(filters, p.sender) {
					filters = append(filters, p.sender)
				}
				if b := s.blockadeFor(g.key, p.sender, false); b != nil && blockades(b.qb, r.spec) {
					isBlocked = true
				}
			}
			if hit {
				specs = append(specs, r.spec)
				blocked = append(blocked, isBlocked)
			}
		}
		if m, ok := mergeSpecs(specs, blocked); ok {
			// Keep the filters in path state order, so that a request that
			// did not change compares equal.
			var ordered []wire.FilterSpec
			for _, p := range g.psbs {
				if containsFilter(filters, p.sender) {
					ordered = append(ordered, p.sender)
				}
			}
			flows = append(flows, wire.FlowDescriptor{Flowspec: &m, Filters: ordered})
		}
	}
	return style, flows
}

func containsFilter(fs []wire.FilterSpec, f wire.FilterSpec) bool {
	for _, x := range fs {
		if x == f {
			return true
		}
	}
	return false
}
