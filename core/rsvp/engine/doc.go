// Package engine is the RSVP state machine of one node (RFC 2205 with the
// IntServ objects of RFC 2210), following the message processing rules of
// RFC 2209. It has no sockets and no clock: rsvpd feeds it messages,
// local API requests and the time, and carries out what it asks.
//
// # Driving it
//
//	e, _ := engine.New(engine.Options{Config: cfg, Node: node, Router: rt})
//	e.Receive(now, engine.Inbound{Raw: payload, Iface: idx, Src: src, Dst: dst, TTL: ttl})
//	sid, err := e.OpenSession(now, client, spec)   // also SetSender, Reserve, Release
//	e.CloseClient(now, client)                      // the client's socket closed
//	e.RouteChanged(now)                             // the routing table changed
//	e.Tick(now)                                     // at or after e.NextTimer()
//	for _, a := range e.Drain() { ... }             // *Send, *Deliver, *TCAction
//
// Every method takes the current time; NextTimer says when Tick is due.
// The engine is not safe for concurrent use: the daemon serializes calls
// (one goroutine, or a lock). Outputs accumulate until Drain:
//
//   - *Send: an RSVP message with its outgoing interface, IP destination
//     and source, IP TTL (= Send_TTL) and whether it needs Router Alert
//     (Path, PathTear, ResvConf) or UDP encapsulation (the neighbour was
//     heard over UDP);
//   - *Deliver: an api.Event for a local client, always the complete
//     current state of its API session;
//   - *TCAction: install, modify or remove a reservation on an
//     interface (TCReservation: session, senders, CL/GS, r b p m M R),
//     after admission control against the interface's pool. If the
//     kernel refuses, the daemon calls TCFailed.
//
// The Router interface is the daemon's routing table: for a destination
// (and the data's source) the outgoing interfaces and next hop. Unicast
// sessions need one route; multicast sessions work when the Router gives
// the group's outgoing interfaces (a host delivers a group locally when
// a local API session listens to it).
//
// # State
//
// Per session (session.go), slices keep outputs deterministic and are
// bounded per session; sessions are bounded by config.MaxSessions, and
// Paths for new sessions beyond it are dropped and counted, so a flood
// cannot grow memory:
//
//   - path state (path.go): per sender, with PHOP, LIH, incoming
//     interface, Tspec, Adspec, the outgoing interfaces and TTL;
//   - reservation state (resv.go): per next hop and outgoing interface
//     (the LIH the Path carried), and per filter for FF; local
//     receivers' requests are the same blocks on the pseudo-interface
//     localOI;
//   - traffic control state (admission.go): what is installed per
//     interface (per sender for FF, shared for WF and SE);
//   - blockade state (blockade.go): per PHOP (WF) or sender (explicit);
//   - what was last asked of each previous hop (resv.go, fwdState), so
//     that only changes travel at once and teardowns can be derived.
//
// After every change the engine reconciles: updateTC merges the requests
// per interface and admits or refuses them; refreshUpstream merges them
// per previous hop and sends a Resv, a ResvTear, an API resv event or a
// ResvConf as the change requires. Timers (timers.go) resend the same
// periodically and time out what is not refreshed.
//
// # RFC sections and files
//
//	RFC 2205 1.2, 3.2 sessions, port conflicts    session.go, path.go
//	RFC 2205 3.1.3, 2209 Path arrives / tear      path.go
//	RFC 2205 3.1.4-3.1.6, 2209 Resv, ResvTear      resv.go
//	RFC 2205 2.2, 3.1.4 merging (LUB per style)    merge.go (wire/merge.go for the LUB)
//	RFC 2205 1.1, 3.11, 2209 update TC             admission.go
//	RFC 2205 2.5, 3.5 errors, KR-I/KR-II, blockade errors.go, blockade.go
//	RFC 2205 2.6, 3.1.8 ResvConf                   confirm.go
//	RFC 2205 3.6 local repair                      receive.go (RouteChanged)
//	RFC 2205 3.7 timers, L = (K+0.5)x1.5xR         timers.go
//	RFC 2205 App. B error codes and values         errors.go, admission.go (wire/errorspec.go)
//	RFC 2210 3.3 Adspec composition                path.go (wire/adspec_update.go)
//	RFC 2205 App. C UDP neighbours (flag only)     path.go, actions.go
//	RAPI (reference rapi.md 5) API sessions        local.go, convert.go
//	rsvpd status                                   status.go
//
// # Rules worth knowing
//
//   - Path: a new sender or a change (Tspec, Adspec, PHOP) is forwarded
//     at once; a refresh only restarts the lifetime. The forwarded Path
//     names this node as PHOP with the outgoing interface as LIH, counts
//     the TTL down, and folds the link's characterization (hop count,
//     bandwidth, latency, MTU, Guaranteed C and D) into the Adspec, with
//     the break bit when the IP TTL shows a non-RSVP hop upstream.
//   - Resv: no path state at all is code 3; an explicit filter naming no
//     sender routed through the interface is code 4; another style than
//     the session's is code 5 with the existing option vector as value;
//     an unknown style (wire) is code 6; a flowspec traffic control
//     cannot install, or of another service than one it would merge
//     with, is code 21.
//   - Admission: CL counts r and GS R against the pool, the flowspec's M
//     against the MTU. A refused request is not kept (its next refresh
//     retries) and what was installed stays (InPlace); the ResvErr
//     (code 1, value 2 bandwidth or 3 MTU) goes to its next hop only,
//     NotGuilty when its request was smaller than what failed.
//   - ResvErr from upstream: admission failures leave blockade state for
//     Kb x R; with InPlace only the requests blockaded hear of it; the
//     next Resv leaves blockaded requests out of the LUB unless all are.
//   - Confirmation: a request that merges into an equal or larger one
//     already asked of the previous hop is confirmed here; otherwise the
//     RESV_CONFIRM rides upstream once; a sender host confirms.
//   - Teardown: PathTear removes the sender's path state, the
//     reservations that only it had, and goes downstream; ResvTear
//     removes the next hop's request, then a smaller Resv or a ResvTear
//     goes upstream. Timeouts do the same.
//   - Local API requests outlive path state: a reservation made before
//     the Path (a resv_error code 3 tells the receiver) or kept across a
//     sender's restart applies as soon as the Path is there.
//
// # Simplifications
//
//   - No SCOPE objects are generated (WF with senders behind several
//     previous hops in a multicast mesh would need them) and SCOPE in a
//     received Resv is kept but not applied.
//   - Unknown class 11bbbbbb objects are forwarded with the Path that
//     carried them, not merged into Resv messages.
//   - Policy data is carried in Paths, not checked.
//   - A ResvErr answering a Resv with an unknown style carries the WF
//     style and no flow descriptor: wire cannot encode an unknown style.
//   - SE reservations on one interface share one installed reservation
//     (the union of their filters) even when their filter sets differ.
//   - INTEGRITY is the daemon's to check; RFC 2961 refresh reduction is
//     not implemented.
//   - A peer's R counts at most Options.MaxPeerRefresh (1 h by default)
//     in the lifetime of its state: TIME_VALUES may say 49 days, which
//     would let a hostile or broken peer pin state for most of a year.
package engine
