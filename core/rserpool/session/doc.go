// Package session is RSerPool's session layer ("enhanced mode", rsplib's
// rsp_socket/rsp_connect/rsp_accept/rsp_sendmsg/rsp_recvmsg): pool users
// talking to pool elements over associations that carry the application's
// data and ASAP control messages side by side, with automatic failover. It
// is pure Go on top of package asap (registration, handle resolution,
// unreachability reports) and package transport (associations; the TCP
// mapping uses FramingFramed so that every message keeps its stream and
// PPID). The C API wraps it: every socket here maps to one kernel
// descriptor.
//
// # Sockets
//
//   - PoolElement (Listen): a pool element's socket. It listens on its
//     addresses, Register registers them as the element's user transport
//     (TCP transport over the TCP mapping, SCTP over kernel SCTP; an
//     unspecified address is replaced by the host's addresses) through an
//     asap.Client, and Close deregisters. Without Listen() it is
//     one-to-many: each pool user's association is a session of the
//     socket, numbered from 1 (SessionID), announced by SessionChange{Add}
//     and retired by SessionChange{Remove}; Recv returns the messages of
//     every session and Send/SendCookie name one. After Listen() new
//     associations wait for Accept, which returns each as a PESession.
//   - PESession: one pool user's session on an element; accepted ones are
//     one-to-one sockets of their own (Recv, Send, SendCookie, Close).
//   - PoolUser (Connect / NewPoolUser): a pool user's session with a pool.
//
// Every socket has Recv (blocking, bounded by a context), TryRecv
// (ErrWouldBlock when empty) and SetReadyFunc: a callback told whenever
// the socket becomes readable (Recv or Accept would not block) or stops
// being so, under the queue's lock, in order. A C layer points it at an
// eventfd (cbridge.Notifier Signal/Clear) and serves rsp_recvmsg with
// TryRecv, so select/poll on the descriptor work.
//
// # Events
//
// Recv returns one Event at a time: a *Message (data with PPID, stream,
// session, and on the PU side the element's identifier; or, on the PE
// side, a cookie echo with CookieEcho set: rsplib's
// MSG_RSERPOOL_COOKIE_ECHO) or a notification value: FailoverNecessary,
// FailoverComplete{HasCookie}, SessionChange{State} or Shutdown. Each
// notification type has a Type method giving rn_type; the constants give
// rf_state and rsc_state.
//
// # Control channel
//
// Control and data share one association. Messages with PPID 11 (ASAP)
// are the session layer's: a PE sends an ASAP Cookie (SendCookie), the PU
// keeps the latest one and sends it back in an ASAP Cookie Echo to the
// element it fails over to; the element's application receives that as a
// Message with CookieEcho set. Business Cards and other ASAP messages are
// ignored. Applications cannot send data with PPID 11 (ErrInvalid).
//
// # Failover
//
// When a PoolUser's association fails (an error or end on receive or
// send), the session queues FailoverNecessary, reports the element
// unreachable (Endpoint Unreachable), resolves the handle again (with the
// session's stale-cache value), and connects to the first element of the
// policy's answer it has not tried during this failover, each dial
// bounded by ConnectTimeout (5 s, rsplib's). Once an association is up it
// sends the Cookie Echo (if a cookie was received), then every message
// Send queued since FailoverNecessary, in order, and queues
// FailoverComplete{HasCookie}; only then does it carry new sends
// directly. So a message sent after the application saw FailoverNecessary
// reaches the new element; one sent before may be lost with the old
// association. An element that cannot be reached is reported and the next
// tried; after a round over the answer the handle is resolved again after
// RetryDelay (250 ms, rsplib's), MaxTrials (3) times in all. Then Recv
// returns a *NoElementError (errors.Is ErrNoPoolElement) once; the session
// stays usable: the next Send or ForceFailover tries again (Send returns
// the *NoElementError if that fails too). ForceFailover does the same on
// demand, reporting the element only with FailoverUnreachable
// (FFF_UNREACHABLE), and waits for the outcome.
package session
