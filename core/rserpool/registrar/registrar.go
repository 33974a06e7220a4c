package registrar

import (
	"fmt"
	"log/slog"
	"net/netip"
	"time"

	"netcompat/core/rserpool/handlespace"
	"netcompat/core/rserpool/policy"
	"netcompat/core/rserpool/wire"
)

// AssocID names one ASAP association for the state machine; the I/O layer
// chooses the numbers. 0 names none.
type AssocID uint64

// Output is one thing the state machine wants done: send Msg, then close
// To if Close is set (Msg may be nil with Close). Where Msg goes:
//
//   - To: on that association (ASAP, or ENRP for replies);
//   - Announce: on the ASAP Server Announce socket;
//   - Presence: on the ENRP multicast socket;
//   - Peer (ENRP): to that peer, on an association the I/O layer has
//     with it or opens to PeerAddrs; with Peer 0 to the static peer at
//     PeerAddrs;
//   - DialASAP: to a pool element with no association here (a takeover's
//     Endpoint Keep-Alive), on an association opened to that endpoint;
//     the element's Ack then links it to that association.
type Output struct {
	To        AssocID
	Announce  bool
	Presence  bool
	Peer      uint32
	PeerAddrs []netip.AddrPort
	DialASAP  []netip.AddrPort
	Msg       wire.Message
	Close     bool
}

// Registrar is the ASAP side of an RSerPool registrar as a state machine:
// no sockets, no goroutines, no clock. The caller passes every received
// message (Handle, HandleBytes, HandleInvalid), association events
// (AssocOpened, AssocClosed) and the passing of time (Tick at
// NextDeadline), and carries out the Outputs each call returns, in order.
// It is not safe for concurrent use.
type Registrar struct {
	cfg Config
	log *slog.Logger
	hs  *handlespace.Handlespace

	assocs map[AssocID]*assocState

	announceTransports []wire.Transport
	announceStarted    bool
	nextAnnounce       time.Time
	nextIdleCheck      time.Time

	stats Stats

	// ENRP (enrp*.go, peer.go, takeover.go)
	peers         map[uint32]*peer
	enrpAssocs    map[AssocID]*enrpAssoc
	updates       []pendingUpdate
	enrpStarted   bool
	startup       bool
	startupEnds   time.Time
	mentorID      uint32
	nextHeartbeat time.Time

	selected []uint32              // scratch: selected PE identifiers
	kas      []*handlespace.Member // scratch: keep-alive queries
}

// assocState is what the registrar keeps per association.
type assocState struct {
	id         AssocID
	lastActive time.Time
	garbage    int // undecodable messages in a row
	elements   int // pool elements registered over it
	hr, eu     bucket
	remote     *wire.Transport  // the peer's end, for Handle Updates (AssocOpenedFrom)
	dialedTo   []netip.AddrPort // we opened it to this ASAP endpoint (AssocDialed)
}

// Stats are the registrar's counters and gauges. Counters count since
// New; Registrations counts new registrations and re-registrations alike,
// Reregistrations the latter only, as rsplib's statistics do.
type Stats struct {
	Pools             int // gauges
	PoolElements      int
	OwnedPoolElements int
	Associations      int

	Registrations             uint64 // accepted (re)registrations
	Reregistrations           uint64
	RegistrationRejects       uint64
	Deregistrations           uint64 // Deregistrations answered with success
	HandleResolutions         uint64 // Handle Resolutions received
	HandleResolutionRejects   uint64 // unknown pool or rate limit
	RateLimitedResolutions    uint64
	FailureReports            uint64 // Endpoint Unreachables counted
	RateLimitedFailureReports uint64 // Endpoint Unreachables ignored by -maxeurate
	KeepAlives                uint64 // Endpoint Keep-Alives sent
	KeepAliveAcks             uint64
	KeepAliveTimeouts         uint64 // elements removed for a missing Ack
	UnreachableRemovals       uint64 // elements removed by Endpoint Unreachable reports
	Expirations               uint64 // elements removed at the end of their registration life
	AssocLossRemovals         uint64 // elements removed with their association
	Announces                 uint64
	KeepAliveDials            uint64 // keep-alives to taken-over elements without an association
	Errors                    uint64 // ASAP Error messages sent
	Garbage                   uint64 // undecodable, oversized or unknown-type messages
	GarbageCloses             uint64 // associations closed for garbage
	IdleCloses                uint64 // associations closed by the autoclose timeout

	// ENRP
	Peers                       int // gauge
	PeersLearned                uint64
	PeersLost                   uint64
	ENRPMessages                uint64 // decoded ENRP messages received on associations
	ENRPGarbage                 uint64 // undecodable or unexpected ENRP messages
	PresencesReceived           uint64
	PresencesSent               uint64 // heartbeats
	HandleUpdatesSent           uint64 // one per peer
	HandleUpdatesReceived       uint64
	HandleTableRequests         uint64 // received
	HandleTableElementsSent     uint64
	HandleTableElementsReceived uint64
	PeerElementsRefused         uint64 // peers' elements not applied
	Synchronisations            uint64 // handle table walks started (mentor or audit)
	Audits                      uint64 // of which started by a checksum mismatch
	AuditPurges                 uint64 // elements removed by audits
	Takeovers                   uint64
	TakenOverElements           uint64
}

// New returns a registrar with an empty handlespace.
func New(cfg Config) *Registrar {
	cfg = cfg.withDefaults()
	r := &Registrar{
		cfg:        cfg,
		log:        cfg.Logger,
		assocs:     make(map[AssocID]*assocState),
		peers:      make(map[uint32]*peer),
		enrpAssocs: make(map[AssocID]*enrpAssoc),
	}
	r.hs = handlespace.New(handlespace.Config{
		ServerID:           cfg.ServerID,
		MaxPools:           cfg.MaxPools,
		MaxElements:        cfg.MaxElements,
		MaxElementsPerPool: cfg.MaxElementsPerPool,
		MinAddressScope:    cfg.MinAddressScope,
		KeepAliveInterval:  cfg.KeepAliveInterval,
		KeepAliveTimeout:   cfg.KeepAliveTimeout,
		MaxBadPEReports:    cfg.MaxBadPEReports,
		ValidPolicy: func(p wire.Policy) bool {
			_, err := policy.FromWire(p)
			return err == nil
		},
		NewSelector: r.newSelector,
	})
	return r
}

// ServerID returns the registrar's server identifier.
func (r *Registrar) ServerID() uint32 { return r.cfg.ServerID }

// Config returns the configuration in effect, defaults filled in.
func (r *Registrar) Config() Config { return r.cfg }

// Handlespace gives read access to the handlespace (tests, diagnostics).
// The caller must not change it.
func (r *Registrar) Handlespace() *handlespace.Handlespace { return r.hs }

// SetAnnounceTransports sets the transport parameters Server Announces
// carry: where the registrar serves ASAP. None (the default, and rsplib's
// choice) tells receivers to use the announce's source address and port.
func (r *Registrar) SetAnnounceTransports(ts []wire.Transport) {
	r.announceTransports = ts
}

// Stats returns the counters and the current gauges.
func (r *Registrar) Stats() Stats {
	s := r.stats
	s.Pools = r.hs.NumPools()
	s.PoolElements = r.hs.Len()
	s.OwnedPoolElements = r.hs.OwnedCount(r.cfg.ServerID)
	s.Associations = len(r.assocs)
	s.Peers = len(r.peers)
	return s
}

// AssocOpened tells the registrar about a new association; its autoclose
// timer starts now. (Handle also accepts associations it was not told
// about.)
func (r *Registrar) AssocOpened(now time.Time, id AssocID) []Output {
	r.assoc(now, id)
	return nil
}

// AssocDialed tells the registrar about an association the I/O layer
// opened for a DialASAP output to endpoint: a taken-over element whose
// ASAP transport names that endpoint may answer its keep-alive there.
func (r *Registrar) AssocDialed(now time.Time, id AssocID, endpoint []netip.AddrPort) []Output {
	a := r.assoc(now, id)
	a.dialedTo = endpoint
	return nil
}

// AssocOpenedFrom is AssocOpened with the peer's end of the association,
// which Handle Updates name as the ASAP transport of the elements
// registered over it when they name none (rsplib's registrator
// transport): a registrar taking them over reaches them there.
func (r *Registrar) AssocOpenedFrom(now time.Time, id AssocID, remote wire.Transport) []Output {
	a := r.assoc(now, id)
	if len(remote.Addrs) > 0 {
		a.remote = &remote
	}
	return nil
}

// AssocClosed tells the registrar that association id is gone: the pool
// elements registered over it leave the handlespace, as in rsplib (a dead
// element whose association stays up is found by the keep-alives).
// Calling it for an unknown or already closed association does nothing.
func (r *Registrar) AssocClosed(now time.Time, id AssocID) []Output {
	a := r.assocs[id]
	if a == nil {
		return nil
	}
	r.dropAssoc(a, "association closed")
	return r.flush(nil)
}

// dropAssoc forgets a and removes its elements.
func (r *Registrar) dropAssoc(a *assocState, why string) {
	delete(r.assocs, a.id)
	removed := r.hs.RemoveConn(handlespace.ConnKey(a.id))
	for _, m := range removed {
		r.stats.AssocLossRemovals++
		r.log.Debug("pool element removed", "pool", handleStr(m.Handle()), "pe", peStr(m.PE.ID), "assoc", a.id, "reason", why)
	}
	if len(removed) > 0 {
		r.log.Info("pool elements removed with their association", "assoc", a.id, "elements", len(removed), "reason", why)
	}
}

// assoc returns the state of association id, creating it.
func (r *Registrar) assoc(now time.Time, id AssocID) *assocState {
	a := r.assocs[id]
	if a == nil {
		a = &assocState{id: id, lastActive: now}
		r.assocs[id] = a
		if len(r.assocs) == 1 {
			r.nextIdleCheck = now.Add(r.idleCheckPeriod())
		}
	}
	return a
}

// idleCheckPeriod is how often associations are checked for idleness: a
// tenth of the autoclose timeout, at least 100 ms, so an idle association
// is closed between 1 and 1.1 timeouts after its last activity.
func (r *Registrar) idleCheckPeriod() time.Duration {
	return max(r.cfg.AutoCloseTimeout/10, 100*time.Millisecond)
}

// NextDeadline returns when Tick should next be called; ok is false when
// no timer runs (no elements, no announces, no associations).
func (r *Registrar) NextDeadline() (t time.Time, ok bool) {
	t, ok = r.hs.NextDeadline()
	earlier := func(u time.Time) {
		if !ok || u.Before(t) {
			t, ok = u, true
		}
	}
	if r.cfg.Announce {
		earlier(r.nextAnnounce) // zero before the first: at once
	}
	if len(r.assocs) > 0 && r.cfg.AutoCloseTimeout > 0 {
		earlier(r.nextIdleCheck)
	}
	if u, eok := r.enrpDeadline(); eok {
		earlier(u)
	}
	return t, ok
}

// Tick runs the timers due at now: registration expiry, keep-alive
// timeouts (removal), keep-alives due, the Server Announce, the autoclose
// check. Calling it early does no harm.
func (r *Registrar) Tick(now time.Time) []Output {
	var out []Output
	for _, m := range r.hs.Expire(now) {
		r.stats.Expirations++
		r.log.Info("pool element expired", "pool", handleStr(m.Handle()), "pe", peStr(m.PE.ID), "assoc", AssocID(m.Conn()))
	}

	r.kas = r.hs.KeepAliveTimeouts(now, r.kas[:0])
	for _, m := range r.kas {
		last, _ := m.LastKeepAlive()
		r.hs.Remove(m)
		r.stats.KeepAliveTimeouts++
		r.log.Info("pool element removed", "pool", handleStr(m.Handle()), "pe", peStr(m.PE.ID), "assoc", AssocID(m.Conn()),
			"reason", "no keep-alive ack", "sent", now.Sub(last).Round(time.Millisecond).String()+" ago")
	}

	r.kas = r.hs.KeepAlivesDue(now, r.kas[:0])
	for _, m := range r.kas {
		ka := &wire.EndpointKeepAlive{
			Home:       true,
			ServerID:   r.cfg.ServerID,
			PoolHandle: []byte(m.Handle()),
			PEID:       m.PE.ID,
		}
		to := AssocID(m.Conn())
		if to != 0 {
			out = r.send(now, out, to, ka)
			r.stats.KeepAlives++
			r.hs.KeepAliveSent(now, m)
			continue
		}
		// Taken over, no association yet: try the element where it said
		// it listens. Whether or not that can work (many elements name no
		// endpoint, and one that does may not accept associations there),
		// the element is not timed out for a missing Ack: it stays until
		// its registration life ends unless it registers again, here or
		// with another registrar, or answers over a new association.
		if ep := asapEndpoint(m.PE.ASAP); len(ep) > 0 {
			out = append(out, Output{DialASAP: ep, Msg: ka})
			r.stats.KeepAlives++
			r.stats.KeepAliveDials++
		}
		r.hs.KeepAliveDeferred(now, m)
	}
	clear(r.kas[:cap(r.kas)]) // hold no removed elements

	if r.cfg.Announce && !now.Before(r.nextAnnounce) {
		out = append(out, Output{Announce: true, Msg: &wire.ServerAnnounce{
			ServerID:   r.cfg.ServerID,
			Transports: r.announceTransports,
		}})
		r.stats.Announces++
		if !r.announceStarted || now.Sub(r.nextAnnounce) >= r.cfg.AnnounceInterval {
			r.nextAnnounce = now // first announce, or far behind: no burst
			r.announceStarted = true
		}
		r.nextAnnounce = r.nextAnnounce.Add(r.cfg.AnnounceInterval)
	}

	if len(r.assocs) > 0 && r.cfg.AutoCloseTimeout > 0 && !now.Before(r.nextIdleCheck) {
		for _, a := range r.assocs {
			if now.Sub(a.lastActive) >= r.cfg.AutoCloseTimeout {
				r.stats.IdleCloses++
				r.log.Info("closing idle association", "assoc", a.id, "idle", now.Sub(a.lastActive).Round(time.Second).String())
				r.dropAssoc(a, "association idle")
				out = append(out, Output{To: a.id, Close: true})
			}
		}
		r.nextIdleCheck = now.Add(r.idleCheckPeriod())
	}
	return r.flush(r.enrpTick(now, out))
}

// asapEndpoint returns the endpoint of an element's ASAP transport.
func asapEndpoint(t *wire.Transport) []netip.AddrPort {
	if t == nil || t.Port == 0 {
		return nil
	}
	out := make([]netip.AddrPort, 0, len(t.Addrs))
	for _, a := range t.Addrs {
		if a.IsValid() && !a.IsUnspecified() {
			out = append(out, netip.AddrPortFrom(a, t.Port))
		}
	}
	return out
}

// send appends an output sending m on association to, which counts as
// activity there.
func (r *Registrar) send(now time.Time, out []Output, to AssocID, m wire.Message) []Output {
	if a := r.assocs[to]; a != nil {
		a.lastActive = now
	}
	return append(out, Output{To: to, Msg: m})
}

// handleStr is a pool handle for the log (the text handler quotes what
// needs quoting).
func handleStr(h string) string { return h }

func peStr(id uint32) string { return fmt.Sprintf("$%08x", id) }
