package engine

import (
	"fmt"
	"net/netip"
	"reflect"
	"slices"
	"time"

	"netcompat/core/rsvp/api"
	"netcompat/core/rsvp/wire"
)

// Local API sessions (RAPI semantics, reference rapi.md section 5). An
// API session belongs to one client and names one RSVP session; several
// may share it. Its sender is a local path state block that originates
// Paths; its reservation is a set of RSBs on the pseudo-interface
// localOI, merged with the network's like any other next hop. Events
// always carry the complete current state: a receiver gets path events
// (every sender delivered here, with Tspec and Adspec), resv_error and
// resv_confirm; a sender gets resv events (the reservation made for it)
// and path_error.

// RAPI error codes returned in api.Error.RAPI (reference section 4).
const (
	RAPIErrInval    = 1
	RAPIErrMaxSess  = 2
	RAPIErrBadSID   = 3
	RAPIErrNFFS     = 4
	RAPIErrBadStyle = 5
	RAPIErrMemFull  = 8
	RAPIErrNoTspec  = 12
)

type apiSession struct {
	sid     uint32
	client  ClientID
	s       *session
	spec    api.SessionSpec
	sender  *psb             // the local sender, if set
	resv    *api.ReserveSpec // the reservation as last requested
	confirm bool             // the last reservation asked for a ResvConf

	lastPath *api.Event // what the client last heard, so that only changes go out
	lastResv *api.Event
}

func rapiErr(code int, format string, args ...any) error {
	return &api.Error{RAPI: code, Text: fmt.Sprintf(format, args...)}
}

func (e *Engine) apiFor(c ClientID, sid uint32) *apiSession {
	a := e.apis[sid]
	if a == nil || a.client != c {
		return nil
	}
	return a
}

// OpenSession opens an API session for client c (rapi_session). Protocol
// 0 means UDP. Path events for senders already known follow at once.
func (e *Engine) OpenSession(now time.Time, c ClientID, spec api.SessionSpec) (uint32, error) {
	d := spec.Dest
	if !d.IsValid() || d.IsUnspecified() || d.Zone() != "" {
		return 0, rapiErr(RAPIErrInval, "bad destination %v", d)
	}
	proto := spec.Proto
	if proto == 0 {
		proto = 17
	}
	if len(e.clients[c]) >= e.maxAPI || len(e.apis) >= e.maxSessions {
		return 0, rapiErr(RAPIErrMaxSess, "too many API sessions")
	}
	w := wire.Session{Dest: d, Protocol: proto, DstPort: spec.Port}
	if spec.Police {
		w.Flags = wire.SessionEPolice
	}
	s := e.lookup(w, true)
	if s == nil {
		return 0, rapiErr(RAPIErrMaxSess, "too many RSVP sessions")
	}
	if spec.Police {
		s.w.Flags |= wire.SessionEPolice
	}
	for e.lastSID++; e.lastSID == 0 || e.apis[e.lastSID] != nil; e.lastSID++ {
	}
	a := &apiSession{sid: e.lastSID, client: c, s: s, spec: spec}
	a.spec.Proto = proto
	s.apis = append(s.apis, a)
	e.apis[a.sid] = a
	if e.clients[c] == nil {
		e.clients[c] = map[uint32]*apiSession{}
	}
	e.clients[c][a.sid] = a
	e.count("api_sessions_opened")
	// On a group, a first local listener makes the senders deliverable
	// here.
	e.pathEvents(s)
	e.ensureTimers(now, s)
	return a.sid, nil
}

// SetSender sets, changes or (spec nil) withdraws the sender of API
// session sid (rapi_sender). An unspecified host takes the address of the
// interface towards the destination.
func (e *Engine) SetSender(now time.Time, c ClientID, sid uint32, spec *api.SenderSpec) error {
	a := e.apiFor(c, sid)
	if a == nil {
		return rapiErr(RAPIErrBadSID, "no API session %d", sid)
	}
	s := a.s
	if spec == nil {
		if a.sender != nil {
			e.removePSB(now, s, a.sender)
		}
		e.ensureTimers(now, s)
		return nil
	}
	t := tspecFromAPI(spec.Tspec)
	if t == (wire.TSpec{}) {
		return rapiErr(RAPIErrNoTspec, "sender without a Tspec")
	}
	if !tspecOK(t) {
		return rapiErr(RAPIErrInval, "bad Tspec %v", t)
	}
	host := spec.Host
	if !host.IsValid() || host.IsUnspecified() {
		host = e.pickSource(s.w.Dest)
	}
	if !host.IsValid() || host.Is4() != s.w.Dest.Is4() || host.Zone() != "" {
		return rapiErr(RAPIErrInval, "no usable sender address (%v) for %v", spec.Host, s.w.Dest)
	}
	tmpl := wire.FilterSpec{Form: wire.FormPort, Source: host, Port: spec.Port}
	if q := s.findPSB(tmpl); q != nil && q != a.sender {
		return rapiErr(RAPIErrInval, "sender %v already exists in the session", tmpl)
	}
	if a.sender != nil && a.sender.sender != tmpl {
		e.removePSB(now, s, a.sender)
	}
	ttl := uint8(defaultTTL)
	if spec.TTL > 0 && spec.TTL < 256 {
		ttl = uint8(spec.TTL)
	}
	ad := adspecFromAPI(spec.Adspec)
	p := a.sender
	isNew := p == nil
	if isNew {
		if len(s.psbs) >= e.maxSenders || e.nstates >= e.maxStates {
			return rapiErr(RAPIErrMemFull, "too many senders")
		}
		p = &psb{sender: tmpl, local: a}
		s.psbs = append(s.psbs, p)
		e.nstates++
		a.sender = p
	}
	changed := isNew || p.tspec != t || !reflect.DeepEqual(p.adspec, ad) || p.ttl != ttl
	p.tspec, p.adspec, p.ttl = t, ad, ttl
	p.received = now
	outs := e.routesFor(s, p)
	if !slices.Equal(outs, p.outs) {
		p.outs = outs
		changed = true
	}
	if changed {
		for _, r := range p.outs {
			e.sendPath(s, p, r)
		}
		e.updateTC(now, s)
		e.refreshUpstream(now, s, false, nil)
		e.pathEvents(s)
	}
	e.ensureTimers(now, s)
	return nil
}

// pickSource returns the address a local sender to dest sends from.
func (e *Engine) pickSource(dest netip.Addr) netip.Addr {
	if e.isLocal(dest) {
		return dest
	}
	for _, r := range e.router.Route(dest, netip.Addr{}) {
		if a := e.addrOn(r.Iface, dest); a.IsValid() {
			return a
		}
	}
	return e.anyAddr(0, dest)
}

// Reserve makes, changes or (spec nil, or no flowspec) removes the
// reservation of API session sid (rapi_reserve): the latest call wins.
// Errors found later (no path yet, conflicting style, admission) arrive
// as resv_error events.
func (e *Engine) Reserve(now time.Time, c ClientID, sid uint32, spec *api.ReserveSpec) error {
	a := e.apiFor(c, sid)
	if a == nil {
		return rapiErr(RAPIErrBadSID, "no API session %d", sid)
	}
	s := a.s
	if spec == nil || len(spec.Flowspecs) == 0 {
		e.dropLocalRSBs(s, a)
		a.resv, a.confirm = nil, false
		e.refreshUpstream(now, s, false, nil)
		e.ensureTimers(now, s)
		return nil
	}
	style := wire.Style{Options: uint32(spec.Style)}
	kind := style.Kind()
	if kind == wire.UnknownStyle || spec.Style != int(kind.Style().Options) {
		return rapiErr(RAPIErrBadStyle, "unknown style %#x", spec.Style)
	}
	nf, nq := len(spec.Filters), len(spec.Flowspecs)
	if kind == wire.WF && (nf > 1 || nq != 1) || kind == wire.FF && (nf != nq || nf == 0) || kind == wire.SE && (nq != 1 || nf == 0) {
		return rapiErr(RAPIErrNFFS, "%v with %d filters and %d flowspecs", kind, nf, nq)
	}
	if nf > e.maxFilters {
		return rapiErr(RAPIErrMemFull, "%d filters", nf)
	}
	specs := make([]wire.Flowspec, nq)
	for i, f := range spec.Flowspecs {
		var ok bool
		if specs[i], ok = flowspecFromAPI(f); !ok {
			return rapiErr(RAPIErrInval, "bad flowspec %d", i)
		}
	}
	filters := make([]wire.FilterSpec, nf)
	for i, f := range spec.Filters {
		if !f.Addr.IsValid() || f.Addr.Is4() != s.w.Dest.Is4() || f.Addr.Zone() != "" {
			return rapiErr(RAPIErrInval, "bad filter %v for %v", f.Addr, s.w.Dest)
		}
		filters[i] = filterFromAPI(f)
	}
	var descs []wire.FlowDescriptor
	switch kind {
	case wire.WF:
		descs = []wire.FlowDescriptor{{Flowspec: &specs[0]}}
	case wire.FF:
		for i := range filters {
			descs = append(descs, wire.FlowDescriptor{Flowspec: &specs[i], Filters: filters[i : i+1]})
		}
	case wire.SE:
		descs = []wire.FlowDescriptor{{Flowspec: &specs[0], Filters: filters}}
	}
	self := target{oi: localOI, local: a}
	for _, r := range s.rsbs {
		if r.local != a && r.style != kind {
			e.resvErrTo(s.w, self, e.errSpec(0, s.w.Dest, 0, wire.CodeConflictingStyle, uint16(r.style.Style().Options)), style, &descs[0])
			return nil
		}
	}
	e.dropLocalRSBs(s, a)
	cp := *spec
	a.resv, a.confirm = &cp, spec.Confirm
	if len(s.psbs) == 0 {
		e.resvErrTo(s.w, self, e.errSpec(0, s.w.Dest, 0, wire.CodeNoPath, 0), style, &descs[0])
	}
	rcv := e.receiverAddr(s, spec.Receiver)
	var confirms []*rsb
	for _, d := range descs {
		r := e.applyDescriptor(now, s, self, kind, d, e.refresh, time.Time{}, nil)
		if r != nil && spec.Confirm && rcv.IsValid() {
			r.confirm = &wire.ResvConfirm{Receiver: rcv}
			confirms = append(confirms, r)
		}
	}
	e.refreshUpstream(now, s, false, confirms)
	e.ensureTimers(now, s)
	return nil
}

// receiverAddr is the address a local receiver puts in RESV_CONFIRM.
func (e *Engine) receiverAddr(s *session, want netip.Addr) netip.Addr {
	if want.IsValid() && !want.IsUnspecified() {
		return want
	}
	if e.isLocal(s.w.Dest) {
		return s.w.Dest
	}
	for _, p := range s.psbs {
		if p.local == nil && e.deliveredLocally(s, p) {
			if a := e.addrOn(p.inIface, s.w.Dest); a.IsValid() {
				return a
			}
		}
	}
	return e.anyAddr(0, s.w.Dest)
}

func (e *Engine) dropLocalRSBs(s *session, a *apiSession) {
	for _, r := range slices.Clone(s.rsbs) {
		if r.local == a {
			e.deleteRSB(s, r)
		}
	}
}

// Release ends API session sid (rapi_release): its sender is withdrawn
// (PathTear) and its reservation removed (ResvTear where nothing else
// asks for it).
func (e *Engine) Release(now time.Time, c ClientID, sid uint32) error {
	a := e.apiFor(c, sid)
	if a == nil {
		return rapiErr(RAPIErrBadSID, "no API session %d", sid)
	}
	e.dropAPI(now, a)
	return nil
}

// CloseClient releases every API session of client c, as when its socket
// closes.
func (e *Engine) CloseClient(now time.Time, c ClientID) {
	sids := make([]uint32, 0, len(e.clients[c]))
	for sid := range e.clients[c] {
		sids = append(sids, sid)
	}
	slices.Sort(sids)
	for _, sid := range sids {
		e.dropAPI(now, e.apis[sid])
	}
}

func (e *Engine) dropAPI(now time.Time, a *apiSession) {
	s := a.s
	if a.sender != nil {
		e.removePSB(now, s, a.sender)
	}
	e.dropLocalRSBs(s, a)
	s.apis = slices.DeleteFunc(s.apis, func(x *apiSession) bool { return x == a })
	delete(e.apis, a.sid)
	if m := e.clients[a.client]; m != nil {
		delete(m, a.sid)
		if len(m) == 0 {
			delete(e.clients, a.client)
		}
	}
	e.count("api_sessions_closed")
	e.refreshUpstream(now, s, false, nil)
	e.pathEvents(s)
	e.ensureTimers(now, s)
	e.maybeDelete(s)
}

func (e *Engine) deliver(a *apiSession, ev api.Event) {
	ev.SID = a.sid
	e.emit(&Deliver{Client: a.client, Event: ev})
	e.count("api_events")
}

// pathEvents gives each API session of s the senders delivered here,
// when they changed since its last path event.
func (e *Engine) pathEvents(s *session) {
	if len(s.apis) == 0 {
		return
	}
	var senders []api.Sender
	for _, p := range s.psbs {
		if e.deliveredLocally(s, p) {
			senders = append(senders, api.Sender{Filter: filterToAPI(p.sender), Tspec: tspecToAPI(p.tspec), Adspec: adspecToAPI(p.adspec)})
		}
	}
	for _, a := range slices.Clone(s.apis) {
		if a.lastPath == nil && len(senders) == 0 || a.lastPath != nil && reflect.DeepEqual(a.lastPath.Senders, senders) {
			continue
		}
		ev := api.Event{Event: api.EventPath, Senders: slices.Clone(senders)}
		a.lastPath = &ev
		e.deliver(a, ev)
	}
}

// resvEvents gives each local sender of s the reservation made for it,
// when it changed since its last resv event (an empty one when it went).
func (e *Engine) resvEvents(s *session) {
	for _, p := range s.psbs {
		a := p.local
		if a == nil {
			continue
		}
		style, flows := e.upstream(s, &phopGroup{psbs: []*psb{p}})
		ev := api.Event{Event: api.EventResv}
		for _, d := range flows {
			ev.Style = int(style.Style().Options)
			ev.Flowspecs = append(ev.Flowspecs, flowspecToAPI(*d.Flowspec))
			for _, f := range d.Filters {
				ev.Filters = append(ev.Filters, filterToAPI(f))
			}
		}
		if a.lastResv == nil && len(ev.Flowspecs) == 0 || a.lastResv != nil && reflect.DeepEqual(*a.lastResv, ev) {
			continue
		}
		last := ev
		a.lastResv = &last
		e.deliver(a, ev)
	}
}
