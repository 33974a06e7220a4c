// Package registrar is the ASAP side of an RSerPool registrar (ENRP
// server; RFC 5351, 5352, 5356): it serves pool elements (PEs) and pool
// users (PUs) from a handlespace (package handlespace) whose pools select
// their elements with package policy. ENRP peering (RFC 5353) is not here
// yet: this registrar is alone, the home of every element registered with
// it.
//
// It has two layers:
//
//   - Registrar, a state machine without sockets, goroutines or clock:
//     Handle (or HandleBytes, HandleInvalid) for each message received on
//     an association, AssocOpened and AssocClosed, Tick at NextDeadline.
//     Each returns Outputs: a message to send on an association or to the
//     announce socket, and whether to close the association afterwards.
//     Tests drive it with explicit times.
//   - Server (Listen), a thin I/O layer: associations from package
//     transport (FramingBare, PPID 11, so that tshark decodes ASAP on the
//     TCP mapping), one reader and one writer goroutine per association,
//     and one goroutine owning the Registrar, which therefore stays
//     single-threaded; Server Announces over UDP.
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
