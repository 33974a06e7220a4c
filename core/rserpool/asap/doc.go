// Package asap is the endpoint side of ASAP (RFC 5352): what a pool
// element (PE) and a pool user (PU) do towards their registrar (ENRP
// server). It is the engine behind rsplib's rsp_* calls in the C API and is
// used directly by tests. It is pure Go: goroutines and package transport
// associations, no file descriptors handed to C.
//
// One Client is one rsplib "ASAP instance": it knows a set of registrars,
// keeps one association with its home registrar, registers and
// re-registers pool elements, answers keep-alives, resolves pool handles
// through a cache and reports unreachable elements.
//
// # Files
//
//	config.go      Config and the rsplib defaults
//	errors.go      sentinel errors and RejectError (Operation Error causes)
//	registrars.go  the registrar table: static entries and announced ones
//	announce.go    listening for ASAP Server Announces on a multicast group
//	hunt.go        registrar hunt: connecting to one of the known registrars
//	assoc.go       one registrar association: in-order request/response matching
//	client.go      Client: the current association, failover, Close
//	request.go     one request: response timeout, trials, failover retries
//	element.go     pool element: Register, Reregister, Deregister
//	reregister.go  the reregistration timers and re-registration after failover
//	keepalive.go   Endpoint Keep-Alive (and the H flag), incoming associations
//	cache.go       the pool user's handle-resolution cache
//	resolve.go     pool user: Resolve, ReportUnreachable
//
// # Registrars
//
// Registrars come from Config.Registrars (rsplib's -registrar=addr:port,...;
// each entry one registrar, possibly multi-homed) and, unless
// Config.DisableAnnounce, from ASAP Server Announces heard on
// Config.AnnounceGroup (default 239.0.0.50:3863) joined on
// Config.AnnounceInterface. rsplib joins on the interface the kernel picks;
// this package joins on the loopback interface unless told otherwise (the
// name "default" asks for the kernel's choice), so that nothing leaves the
// host by accident. An announced registrar is forgotten
// Config.AnnounceTimeout (5 s) after its last announce. An announce without
// transport parameters (rsplib sends none) means the registrar serves ASAP
// at the announce's source address on port 3863; otherwise the transports
// of the kind the client's backend dials are used (TCP for the TCP mapping,
// SCTP for kernel SCTP), falling back to the other kind.
//
// The hunt (hunt.go) follows rsplib's registrar table: it starts at a
// random known registrar and connects to up to three at once, the first
// association to come up wins and the others are closed. A trial lasts
// Config.ConnectTimeout (7.5 s) and ends early when every known registrar
// has refused and no announce can bring a new one (announces disabled);
// while no registrar is known it waits for an announce. After
// Config.ConnectMaxTrials (1) trials the request fails with ErrNoRegistrar.
// Associations use package transport with FramingBare and PPID 11 (ASAP),
// as PE-registrar and PU-registrar associations carry only ASAP.
//
// # Requests and responses
//
// All requests of a Client share one association with the home registrar.
// ASAP has no transaction identifiers, so responses are matched to requests
// by order: a registrar must answer the requests of one association in the
// order it received them (they arrive in order on SCTP stream 0 or TCP;
// rsplib's registrar answers each message as it reads it, and rsplib's own
// client relies on that order too). So each association
// keeps a FIFO of the requests sent on it, and every Registration Response,
// Deregistration Response, Handle Resolution Response or ASAP Error answers
// the oldest one. The
// response must be of the type the request expects and carry its Pool
// Handle; anything else (or a response with no request pending) means the
// two ends disagree, and the association is dropped: its pending requests
// are sent again on a new one. An ASAP Error answers the oldest request
// with a RejectError and, as in rsplib, the association is dropped
// afterwards. Enqueueing and sending happen under one lock, so the FIFO
// order is the order on the wire.
//
// Timeouts, as rsplib: a send that has not completed after
// Config.RequestTimeout (3 s) drops the association; a request without a
// response after Config.ResponseTimeout (3 s) drops the association (as
// rsplib disconnects on a response timeout) and counts one trial; after
// Config.RequestMaxTrials (1) trials the request fails with ErrTimeout.
// Every request is also bounded by the caller's context.
//
// Failover: when the association to the registrar is lost (closed, reset,
// timed out, or replaced, see below) the loss is logged (one netlog line)
// and nothing else is visible. Requests that were pending on it are sent
// again on the next association, which a new hunt finds; a loss does not
// count as a trial (rsplib counts it, which with its default of one trial
// would turn every registrar failure into an error), but a request gives up
// with ErrNoRegistrar after MaxFailovers losses. When the client has
// registered pool elements, the loss starts a hunt at once and every
// registration is sent again to the new registrar (one log line says where
// the client failed over to); while no registrar can be found the hunt is
// repeated every connect timeout (and by the reregistration timers), until
// one answers or the elements are deregistered. A plain pool user hunts
// only when its next request needs an association.
//
// # Pool elements
//
// Register sends an ASAP Registration with a Pool Element parameter built
// from an Element: the PE identifier (a random non-zero one when 0, as
// rsplib picks), Home ENRP Server Identifier 0 (the registrar fills it
// in), the registration life, the user transport (its Use field is
// data+control with Element.ControlChannel, rsplib's REGF_CONTROLCHANNEL),
// the policy (Round Robin when its type is 0, as rsplib treats a NULL
// loadinfo) and, with Config.ASAPListen, an ASAP transport parameter naming
// the PE's own ASAP endpoint (see keep-alives). Registration life defaults
// to 3 x the reregistration interval, the interval to 10 s (rspserver's),
// so 30 s; a Registration Response with the R flag or an Operation Error
// gives a *RejectError carrying the wire.Cause. Registering an identifier
// the client already registered in that pool replaces the element's
// information (rsplib's rsp_pe_registration does the same); Reregister
// changes only the policy information (a load update); both take effect
// with a new Registration at once. The reregistration timer then sends the
// element's current information every interval; its failures are logged
// and retried at the next interval (rsplib's REGF_DAEMONMODE behaviour).
// Deregister stops the timer and sends a Deregistration.
//
// # Keep-alives and the home registrar
//
// The home registrar checks its PEs with Endpoint Keep-Alive; the client
// answers each with an Endpoint Keep-Alive Ack carrying the Pool Handle and
// PE Identifier of a registration it holds (a keep-alive for an unknown
// element is logged and not answered; one with PE identifier 0 is answered
// for every element registered in that pool). The answer goes back on the
// association the keep-alive came on. A keep-alive with the H (home) flag
// makes its sender the PE's home registrar (RFC 5352 section 3.4): the
// server ID is remembered (HomeRegistrar) and, when it came on an
// association other than the current one, that association becomes the
// current one and the old one is closed (rsplib replaces its registrar
// socket the same way). A registrar that takes over a PE opens that
// association itself; with kernel SCTP rsplib's registrar learns where from
// the association's source port, which this package's one-to-one
// associations cannot offer, so a client that should accept takeovers
// listens on Config.ASAPListen and names that endpoint in the optional ASAP
// transport parameter of its registrations (an SCTP transport over kernel
// SCTP, a TCP transport over the TCP mapping).
//
// # Pool users
//
// Resolve asks for a pool's elements. Answers are cached per pool handle
// for the stale-cache value (Config.StaleCacheValue, 1 s by default; per
// call with ResolveStale, 0 meaning no cache): while a pool has unexpired
// cached elements, Resolve answers from the cache and selects among them
// with the pool's policy (package policy), as rsplib's PU cache does. A
// Handle Resolution carries a Handle Resolution Option when a number of
// items is asked for. An Operation Error in the response gives a
// *RejectError: Unknown Pool Handle (0x9) matches ErrUnknownPoolHandle,
// Rejection due to security considerations (0xa, which rsplib's registrar
// sends when a PU exceeds its rate limits) matches ErrRateLimited.
// ReportUnreachable evicts the element from the cache and sends an Endpoint
// Unreachable; no response is expected.
//
// All Client methods are safe for concurrent use.
package asap
