// Package registrar is an RSerPool registrar (ENRP server; RFC 5351,
// 5352, 5353, 5356): it serves pool elements (PEs) and pool users (PUs)
// over ASAP from a handlespace (package handlespace) whose pools select
// their elements with package policy, and keeps that handlespace in step
// with its peers, the other registrars of the operational scope, over
// ENRP.
//
// It has two layers:
//
//   - Registrar, a state machine without sockets, goroutines or clock:
//     Handle (or HandleBytes, HandleInvalid) for each ASAP message
//     received on an association, HandleENRP (HandleENRPInvalid,
//     HandlePresenceMulticast) for ENRP, AssocOpened(From) and
//     AssocClosed, ENRPAssocOpened and ENRPAssocClosed, Tick at
//     NextDeadline. Each returns Outputs: a message to send on an
//     association, to a peer, to a pool element to be dialed, or to an
//     announce socket, and whether to close the association afterwards.
//     Tests drive it with explicit times (enrp_test.go runs whole
//     registrar pools on a simulated network).
//   - Server (Listen), a thin I/O layer: associations from package
//     transport (FramingBare, PPID 11, so that tshark decodes ASAP on the
//     TCP mapping), one reader and one writer goroutine per association,
//     and one goroutine owning the Registrar, which therefore stays
//     single-threaded; Server Announces and ENRP Presence over UDP; ENRP
//     associations accepted on their own endpoint (PPID 12) or dialed to
//     peers.
//
// cmd/rspregistrar wraps Server with rsplib's command line.
//
// # Files
//
//	config.go     Config and the defaults
//	registrar.go  Registrar, Output, Stats; timers (Tick): expiry, keep-alives, announces, autoclose
//	asap.go       Handle: Registration, Deregistration, Handle Resolution, Keep-Alive Ack, Endpoint Unreachable
//	invalid.go    HandleBytes, HandleInvalid: undecodable messages, garbage
//	selector.go   the pools' policy selectors as handlespace MemberObservers
//	ratelimit.go  -maxhrrate, -maxeurate
//	server.go     Server: listening, the state machine goroutine, dispatch
//	conn.go       one association: reader, writer, flow control
//	announce.go   the Server Announce socket
//	snapshot.go   Snapshot: the handlespace and peer table as JSON (-dumpfile, rsphsdump)
//
// ENRP:
//
//	peer.go        the peer table; Presence contents; PeerInfo
//	enrp.go        HandleENRP: dispatch, Presence (discovery, mentor, audit), List Request/Response
//	enrp_sync.go   Handle Table Request/Response: paging, applying peers' elements, audit purge
//	enrp_update.go Handle Updates: noted by the pools' observers, sent per peer; received with guards
//	takeover.go    dead peers: Init Takeover, Ack, Takeover Server
//	enrp_timer.go  startup phase, heartbeat, peer timers
//	presence.go    the multicast Presence socket
//	dial.go        routes to peers and to taken-over elements; outbound associations
//	server_endpoints.go our ENRP endpoint and associations' far ends, as ENRP names them
//
// # ASAP
//
// Registration (RFC 5352 section 3.1): the handlespace checks the element
// (handlespace.Register lists the checks and their Operation Error
// causes); a refusal is a Registration Response with the R flag and an
// Operation Error whose cause carries the offending parameter where RFC
// 5354 section 3.9 gives it one (Invalid Values: the Pool Handle when its
// length is wrong, else the Pool Element; Inconsistent Pooling Policy: the
// Policy; Inconsistent Transport Type: the User Transport). A
// re-registration of an element (same pool, same PE identifier, same
// association) replaces its addresses, policy information and
// registration life; its pool's selector takes the new policy information
// and resets the element's degradation (RFC 5356 section 5.2). Elements
// are filtered by address scope (Config.MinAddressScope).
//
// Deregistration (section 3.3): removal and a Deregistration Response;
// Unknown Pool Handle (0x9) for an unknown pool, success for an unknown
// element of a known pool (rsplib), Non-unique PE Identifier (0x4) for an
// element another association registered.
//
// Handle Resolution (section 3.8): up to n elements in the order the
// pool's policy.Selector gives, n being the Handle Resolution Option's
// item count (draft-dreibholz-rserpool-asap-hropt), or
// Config.MaxHandleResolutionItems (-maxhresitems, default 3) without one
// or for 0, and never more than MaxHandleResolutionItems nor 128. The
// response's Policy parameter is the first element's policy information,
// as in rsplib; the elements' ASAP transports are left out (a PU has no
// use for a PE's control endpoint). An unknown pool, or a user over
// -maxhrrate, gets a Handle Resolution Response with the R flag and an
// Operation Error: Unknown Pool Handle (0x9), Rejection due to security
// considerations (0xa).
//
// Endpoint Keep-Alive (sections 3.6, 3.7): every Config.KeepAliveInterval
// (5 s) after its registration or last Ack, each element gets an
// Endpoint Keep-Alive on the association it registered over, with the H
// flag set and this registrar's server ID: this registrar is the home of
// every element it keeps alive, so the flag states a fact (rsplib sets it
// only when it has just taken an element over; a PE treats both alike,
// the sender already being its home). Without an Ack within
// Config.KeepAliveTimeout (5 s) the element is removed. An Ack counts only
// when it comes over the element's own association, so that no other
// party can keep a dead element alive.
//
// Endpoint Unreachable (section 3.5): the element goes at
// Config.MaxBadPEReports (-maxbadpereports, 3) reports (the count is not
// reset by re-registrations: see handlespace.ReportUnreachable); reports
// over -maxeurate are ignored. No answer exists.
//
// Association loss: the elements registered over an association leave the
// handlespace when it closes or breaks, as in rsplib; the keep-alives find
// those whose association stays up while they are dead. Registration life
// expiry removes elements that stop re-registering.
//
// Server Announce: every Config.AnnounceInterval (1 s, -asapannounce,
// -serverannouncecycle), with this registrar's server ID and, when known,
// a transport parameter naming where it serves ASAP (rsplib sends none;
// receivers then contact the announce's source address and port, which
// Server makes the ASAP port when it can). See announce.go for the safe
// defaults: loopback interface, TTL 1.
//
// Idle associations (nothing received or sent) are closed after
// Config.AutoCloseTimeout (300 s), checked every tenth of it.
//
// # Errors
//
// A registrar answers the requests of one association in order and
// clients match answers to requests by that order (ASAP has no
// transaction identifiers), so every Registration, Deregistration and
// Handle Resolution gets exactly one answer: its response, or an ASAP
// Error in its place. Following RFC 5354 section 3 on unrecognized
// parameters and RFC 5352 on errors:
//
//   - Unknown message type: ASAP Error, cause Unrecognized Message (0x2)
//     carrying the message.
//   - Unrecognized parameter whose type bits say stop and report (01): the
//     message is discarded and answered by an ASAP Error with cause
//     Unrecognized Parameter (0x1) per reported parameter. Bits 00: the
//     message is discarded silently.
//   - Bits 11 (skip and report): the message is processed; the report
//     rides in the Operation Error of a Registration or Deregistration
//     Response (without the R flag when the request succeeded). A Handle
//     Resolution Response cannot carry both elements and an error, and
//     Keep-Alive Acks and Endpoint Unreachables have no answer: there the
//     parameters are skipped and logged only (rsplib never reports them).
//   - Malformed requests (truncated, bad lengths, missing parameters):
//     ASAP Error with Invalid Values (0x3). Messages longer than the I/O
//     layer's limit (8 KiB, ServerConfig.MaxMessageSize; the rest is
//     skipped unread into memory): ASAP Error with Lack of Resources
//     (0x6) if they are requests or of unknown type. Malformed messages of
//     other types get no answer; an ASAP Error is never answered.
//   - Garbage: undecodable, oversized or unknown-type messages count
//     against their association; Config.MaxGarbage (8) of them in a row
//     close it (a decodable message resets the count). A byte stream that
//     breaks the framing itself (a length below 4, the framed mapping's
//     0xc1) is closed by package transport at once.
//
// # Limits and memory
//
// A hostile client must not grow the registrar without bound:
//
//   - Config.MaxElements (100,000 by default, about 0.5 KB each) bounds the
//     handlespace, MaxPools, MaxElementsPerPool and MaxElementsPerAssoc
//     can bound it further (Lack of Resources, 0x6).
//   - ServerConfig.MaxAssociations (1024) bounds the associations; more
//     are accepted and closed at once. Each costs about 40 KiB (read
//     buffer, transport buffer, two goroutines).
//   - Flow control (conn.go): an association's messages are not read while
//     16 of them are being handled or more than QueueHighWater (64 KiB) is
//     queued for it, so a client that does not read its answers stalls
//     itself; MaxQueuedBytes (8 MiB) closes an association whose queue
//     grows beyond that anyway (only keep-alives can make it).
//   - Rate limits (-maxhrrate, -maxeurate) per association, unlimited by
//     default (rsplib's default).
//
// # ENRP
//
// Peers are found by multicast Presence (ServerConfig.ENRPMulticast,
// rsplib's 239.0.0.51:9901, on one interface), by static peers (-peer=),
// and by the List Responses of peers. Every HeartbeatCycle (2.444 s) each
// peer gets our Presence, carrying the checksum of the elements we own; a
// peer silent for MaxTimeLastHeard (5 s) is asked for a Presence (R flag)
// and, silent MaxTimeNoResponse (5 s) more, is dead (takeover.go). A
// unicast Presence whose checksum differs from ours over that peer's
// elements starts an audit: its elements are marked, its own elements
// are asked for page by page (Handle Table Request with the W flag), and
// the marked ones the pages did not refresh are purged (RFC 5353 section
// 3.11). At startup the first peer heard is the mentor, whose whole table
// fills ours (enrp_timer.go). Every change of an element we own goes to
// every peer as a Handle Update (enrp_update.go).
//
// Every message to a known peer travels on one association, the one the
// peer was first heard on or the one we opened (dial.go), so a Handle
// Table page never overtakes a Handle Update. ENRP runs over package
// transport like ASAP: kernel SCTP where the kernel has it, the TCP
// mapping (bare framing, PPID 12) elsewhere; rsplib has no TCP mapping, so
// it peers with this registrar over SCTP only.
//
// Departures from rsplib, each for robustness: the first Presence goes
// out at once rather than after the mentor discovery timeout; a
// takeover with no other peer to ask completes at once (rsplib waits for
// acks that cannot come and abandons it); a peer's DEL_PE is ignored for
// an element we own or one a live third registrar owns, and its ADD_PE
// for an element registered here over a live association (both are
// stale words that rsplib obeys); Handle Updates from registrars that
// have not said Presence are ignored; an Init Takeover or Takeover Server
// naming us is answered by our Presence to every peer, never obeyed.
// Peers' elements that conflict with a pool (policy, transport) or name
// no home are refused and counted (Stats.PeerElementsRefused); the peer
// table holds at most MaxPeers (256).
//
// # Other decisions
//
//   - Default address scope loopback instead of rsplib's site-local, so
//     that the registrar works on one host without options.
//   - The distance of the DPF policies is what the element registered;
//     rsplib's registrar measures it from the SCTP round-trip time, which
//     the TCP mapping does not offer.
//   - A PE's user addresses are not checked against the addresses of the
//     association it registers over (rsplib does so on SCTP).
//   - Registrar server ID: Config.ServerID, or a random non-zero one.
package registrar
