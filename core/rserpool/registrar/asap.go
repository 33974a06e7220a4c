package registrar

import (
	"encoding/binary"
	"net/netip"
	"slices"
	"time"

	"netcompat/core/rserpool/handlespace"
	"netcompat/core/rserpool/policy"
	"netcompat/core/rserpool/wire"
)

// Handle processes one decoded ASAP message that arrived on association
// from. unrecognized lists the parameters the decoder skipped and asked to
// report (type bits 11; wire.ParseASAPReport). Every request gets exactly
// one answer, in order: a Registration a Registration Response, a
// Deregistration a Deregistration Response, a Handle Resolution a Handle
// Resolution Response. Endpoint Keep-Alive Acks and Endpoint Unreachables
// get none. Other messages a registrar does not expect from a pool element
// or user (responses, keep-alives, announces, cookies, business cards,
// errors) are logged and otherwise ignored, as rsplib does.
func (r *Registrar) Handle(now time.Time, from AssocID, m wire.Message, unrecognized []wire.RawParam) []Output {
	return r.flush(r.handle(now, from, m, unrecognized))
}

func (r *Registrar) handle(now time.Time, from AssocID, m wire.Message, unrecognized []wire.RawParam) []Output {
	a := r.assoc(now, from)
	a.lastActive = now
	a.garbage = 0
	switch msg := m.(type) {
	case *wire.Registration:
		return r.register(now, a, msg, unrecognized)
	case *wire.Deregistration:
		return r.deregister(now, a, msg, unrecognized)
	case *wire.HandleResolution:
		r.notReported(a, m, unrecognized)
		return r.resolve(now, a, msg)
	case *wire.EndpointKeepAliveAck:
		r.notReported(a, m, unrecognized)
		r.keepAliveAck(now, a, msg)
	case *wire.EndpointUnreachable:
		r.notReported(a, m, unrecognized)
		r.unreachable(now, a, msg)
	case *wire.ASAPErrorMessage:
		r.log.Debug("peer reported an error", "assoc", a.id, "error", msg.Error.Error())
	case nil:
	default:
		if m.Protocol() != wire.ASAP {
			r.log.Debug("ignoring non-ASAP message", "assoc", a.id, "protocol", m.Protocol().String(), "type", m.MsgType())
		} else {
			r.log.Debug("ignoring unexpected message", "assoc", a.id, "type", wire.ASAPType(m.MsgType()).String())
		}
	}
	return nil
}

// notReported logs skip-and-report parameters of a message whose answer
// cannot carry them (see doc.go, "Errors").
func (r *Registrar) notReported(a *assocState, m wire.Message, unrecognized []wire.RawParam) {
	if len(unrecognized) > 0 {
		r.log.Debug("unrecognized parameters skipped", "assoc", a.id, "type", wire.ASAPType(m.MsgType()).String(), "count", len(unrecognized))
	}
}

// withReports adds one Unrecognized Parameter cause per report to e (which
// may be nil), up to wire.MaxCauses causes in all.
func withReports(e *wire.OperationError, unrecognized []wire.RawParam) *wire.OperationError {
	if len(unrecognized) == 0 {
		return e
	}
	if e == nil {
		e = &wire.OperationError{}
	}
	for _, p := range unrecognized {
		if len(e.Causes) == wire.MaxCauses {
			break
		}
		e.Causes = append(e.Causes, wire.UnrecognizedParamCause(p))
	}
	return e
}

func opError(c wire.ErrorCause) *wire.OperationError {
	return &wire.OperationError{Causes: []wire.ErrorCause{c}}
}

// register handles a Registration (RFC 5352 sections 3.1, 3.2): the
// handlespace's checks (handlespace.Register documents them and their
// causes), then this registrar's per-association limit. A
// re-registration replaces the element's addresses and policy information;
// its pool's selector then resets the element's degradation.
func (r *Registrar) register(now time.Time, a *assocState, m *wire.Registration, unrecognized []wire.RawParam) []Output {
	resp := &wire.RegistrationResponse{PoolHandle: m.PoolHandle, PEID: m.Element.ID}
	var (
		mem    *handlespace.Member
		rereg  bool
		cause  wire.Cause
		exists = r.hs.Lookup(m.PoolHandle, m.Element.ID) != nil
	)
	if !exists && r.cfg.MaxElementsPerAssoc > 0 && a.elements >= r.cfg.MaxElementsPerAssoc {
		cause = wire.CauseLackOfResources
	} else {
		mem, rereg, cause = r.hs.Register(now, m.PoolHandle, m.Element, handlespace.ConnKey(a.id))
	}
	if cause != 0 {
		r.stats.RegistrationRejects++
		resp.Reject = true
		resp.Error = opError(registrationCause(cause, m))
		r.log.Debug("registration rejected", "pool", handleStr(string(m.PoolHandle)), "pe", peStr(m.Element.ID), "assoc", a.id, "cause", cause.String())
	} else {
		r.stats.Registrations++
		what := "registered"
		if rereg {
			r.stats.Reregistrations++
			what = "re-registered"
		}
		r.log.Debug(what, "pool", handleStr(mem.Handle()), "pe", peStr(mem.PE.ID), "assoc", a.id,
			"policy", policy.Name(mem.PE.Policy.Type), "addrs", len(mem.PE.User.Addrs), "life", time.Duration(mem.PE.RegLife)*time.Millisecond)
	}
	resp.Error = withReports(resp.Error, unrecognized)
	return r.send(now, nil, a.id, resp)
}

// registrationCause builds the cause for a rejected registration with the
// cause-specific information RFC 5354 section 3.9 gives it: the offending
// parameter for Invalid Values (the Pool Handle when its length is
// wrong, else the Pool Element), the Policy parameter for Inconsistent
// Pooling Policy, the User Transport parameter for Inconsistent Transport
// Type; nothing for the others.
func registrationCause(c wire.Cause, m *wire.Registration) wire.ErrorCause {
	var b []byte
	var err error
	switch c {
	case wire.CauseInvalidValues:
		if n := len(m.PoolHandle); n == 0 || n > handlespace.DefaultMaxHandleLen {
			b, err = wire.AppendPoolHandleParam(nil, m.PoolHandle)
		} else {
			b, err = wire.AppendPoolElementParam(nil, &m.Element)
		}
	case wire.CauseInconsistentPolicy:
		b, err = wire.AppendPolicyParam(nil, &m.Element.Policy)
	case wire.CauseInconsistentTransport:
		b, err = wire.AppendTransportParam(nil, &m.Element.User)
	}
	if err != nil || len(b) < 4 {
		return wire.ErrorCause{Code: c}
	}
	n := int(binary.BigEndian.Uint16(b[2:]))
	return wire.ParamCause(c, wire.RawParam{Type: wire.ParamType(binary.BigEndian.Uint16(b)), Value: b[4:n]})
}

// deregister handles a Deregistration (RFC 5352 section 3.3): causes as
// handlespace.Deregister (Unknown Pool Handle for an unknown pool,
// Non-unique PE Identifier for an element another association
// registered; success for an unknown element of a known pool).
func (r *Registrar) deregister(now time.Time, a *assocState, m *wire.Deregistration, unrecognized []wire.RawParam) []Output {
	resp := &wire.DeregistrationResponse{PoolHandle: m.PoolHandle, PEID: m.PEID}
	mem, cause := r.hs.Deregister(m.PoolHandle, m.PEID, handlespace.ConnKey(a.id))
	if cause != 0 {
		resp.Error = opError(wire.ErrorCause{Code: cause})
		r.log.Debug("deregistration refused", "pool", handleStr(string(m.PoolHandle)), "pe", peStr(m.PEID), "assoc", a.id, "cause", cause.String())
	} else {
		r.stats.Deregistrations++
		if mem != nil {
			r.log.Debug("deregistered", "pool", handleStr(mem.Handle()), "pe", peStr(mem.PE.ID), "assoc", a.id)
		}
	}
	resp.Error = withReports(resp.Error, unrecognized)
	return r.send(now, nil, a.id, resp)
}

// resolve handles a Handle Resolution (RFC 5352 section 3.8): up to n
// elements of the pool in the order of its policy's selector, where n is
// the request's Handle Resolution Option item count (or
// MaxHandleResolutionItems without one, or for 0), capped by
// MaxHandleResolutionItems and by 128.
func (r *Registrar) resolve(now time.Time, a *assocState, m *wire.HandleResolution) []Output {
	r.stats.HandleResolutions++
	resp := &wire.HandleResolutionResponse{PoolHandle: m.PoolHandle}
	reject := func(c wire.Cause) []Output {
		r.stats.HandleResolutionRejects++
		resp.Reject = true
		resp.Error = opError(wire.ErrorCause{Code: c})
		return r.send(now, nil, a.id, resp)
	}
	if !a.hr.allow(now, r.cfg.MaxHRRate) {
		r.stats.RateLimitedResolutions++
		r.log.Debug("handle resolution over the rate limit", "pool", handleStr(string(m.PoolHandle)), "assoc", a.id)
		return reject(wire.CauseSecurityRejection)
	}
	pool := r.hs.Pool(m.PoolHandle)
	sel := (*poolSelector)(nil)
	if pool != nil {
		sel = selectorOf(pool)
	}
	if sel == nil {
		r.log.Debug("handle resolution for unknown pool", "pool", handleStr(string(m.PoolHandle)), "assoc", a.id)
		return reject(wire.CauseUnknownPoolHandle)
	}
	n := r.cfg.MaxHandleResolutionItems
	if m.HasItems && m.Items > 0 && m.Items < uint32(n) {
		n = int(m.Items)
	}
	r.selected = sel.Select(n, r.selected[:0])
	resp.Elements = make([]wire.PoolElement, 0, len(r.selected))
	for _, id := range r.selected {
		mem := pool.Member(id)
		if mem == nil {
			continue // cannot happen: the selector follows the pool
		}
		pe := mem.PE
		pe.ASAP = nil // the element's control endpoint is no business of pool users
		resp.Elements = append(resp.Elements, pe)
	}
	if len(resp.Elements) > 0 {
		resp.Policy = resp.Elements[0].Policy // rsplib: the first element's policy information
	} else {
		n, _ := policy.ValueCount(pool.PolicyType())
		resp.Policy = wire.Policy{Type: pool.PolicyType(), Values: make([]uint32, n)}
	}
	r.log.Debug("handle resolution", "pool", handleStr(pool.Handle()), "assoc", a.id, "asked", n, "returned", len(resp.Elements))
	return r.send(now, nil, a.id, resp)
}

// keepAliveAck handles an Endpoint Keep-Alive Ack (RFC 5352 section 3.6):
// the element is alive, its next keep-alive is due one interval from now.
// An Ack counts only on the association the element registered over, so
// that nobody else can keep a dead element in the handlespace.
func (r *Registrar) keepAliveAck(now time.Time, a *assocState, m *wire.EndpointKeepAliveAck) {
	mem := r.hs.Lookup(m.PoolHandle, m.PEID)
	switch {
	case mem == nil:
		r.log.Debug("keep-alive ack for unknown element", "pool", handleStr(string(m.PoolHandle)), "pe", peStr(m.PEID), "assoc", a.id)
	case mem.Conn() == 0 && overlaps(a.dialedTo, asapEndpoint(mem.PE.ASAP)):
		// A taken-over element answers the keep-alive that reached it
		// over the association we opened to it: from now on it is
		// reached there. (Only there: nobody else may adopt it.) Our
		// keep-alive carried the H flag, so the element takes us for its
		// home now, even if its former home has claimed it back
		// meanwhile (a partition healing): so do we.
		if mem.Home() != r.cfg.ServerID {
			r.hs.SetHome(now, mem, r.cfg.ServerID)
		}
		r.hs.SetConn(mem, handlespace.ConnKey(a.id))
		a.elements++
		r.stats.KeepAliveAcks++
		r.hs.KeepAliveAcked(now, mem)
		// The element now agrees we are its home: tell the peers, which
		// may have heard otherwise from its former home meanwhile.
		r.noteChange(mem, wire.UpdateAddPE)
		r.log.Info("taken-over pool element answered", "pool", handleStr(mem.Handle()), "pe", peStr(mem.PE.ID), "assoc", a.id)
	case AssocID(mem.Conn()) != a.id:
		r.log.Debug("keep-alive ack from a foreign association ignored", "pool", handleStr(mem.Handle()), "pe", peStr(m.PEID),
			"assoc", a.id, "registered_on", AssocID(mem.Conn()))
	default:
		r.stats.KeepAliveAcks++
		r.hs.KeepAliveAcked(now, mem)
	}
}

// unreachable handles an Endpoint Unreachable (RFC 5352 section 3.5): the
// element goes at MaxBadPEReports reports. Reports over -maxeurate are
// ignored. No answer exists.
func (r *Registrar) unreachable(now time.Time, a *assocState, m *wire.EndpointUnreachable) {
	if !a.eu.allow(now, r.cfg.MaxEURate) {
		r.stats.RateLimitedFailureReports++
		r.log.Debug("endpoint unreachable over the rate limit ignored", "pool", handleStr(string(m.PoolHandle)), "pe", peStr(m.PEID), "assoc", a.id)
		return
	}
	r.stats.FailureReports++
	mem, removed, _ := r.hs.ReportUnreachable(m.PoolHandle, m.PEID)
	switch {
	case removed:
		r.stats.UnreachableRemovals++
		r.log.Info("pool element removed", "pool", handleStr(mem.Handle()), "pe", peStr(mem.PE.ID), "assoc", AssocID(mem.Conn()),
			"reason", "unreachable reports", "reports", mem.UnreachableReports())
	case mem != nil:
		r.log.Debug("endpoint unreachable", "pool", handleStr(mem.Handle()), "pe", peStr(mem.PE.ID), "reports", mem.UnreachableReports())
	}
}

// overlaps reports whether a and b share an address.
func overlaps(a, b []netip.AddrPort) bool {
	for _, x := range a {
		if slices.Contains(b, x) {
			return true
		}
	}
	return false
}
