// Package api is rsvpd's local API: the protocol between rsvpd and the
// programs on its host that use RSVP (the RAPI library, qtoq, tests),
// and a Go client for it.
//
// A client connects to rsvpd's Unix socket (SOCK_SEQPACKET; the path is
// RSVP_API_SOCKET, else the configured one, by default
// /run/netcompat/rsvpd.sock). Every datagram is one JSON object, so the
// exchange can be watched and replayed with ordinary tools:
//
//   - requests, {"op": ..., "seq": n, ...}: "session" opens an API
//     session (a RAPI sid) for a destination; "sender" sets or withdraws
//     its sender; "reserve" sets or removes its reservation; "release"
//     ends it; "status" asks for the daemon's state as JSON; "nosignal"
//     installs one of the configured no-signalling rules for a flow of
//     this host (admitted against the interface's pool, no RSVP message
//     sent) or removes one by its handle;
//   - replies, {"reply": n, ...}: the answer to request n, with the sid
//     (a nosignal install: the handle and the rule's name) or an error
//     (RAPI error code, or RSVP code and value);
//   - events, {"event": ..., "sid": s, ...}: what a RAPI upcall reports,
//     always the complete current state (every sender of a path event,
//     the whole reservation of a resv event), never a delta.
//
// Everything an API session (or a nosignal request) made is released when
// its client's socket closes, so a program that exits or dies leaves nothing behind.
//
// Rates are bytes per second and sizes bytes, as RSVP carries them;
// an infinite peak rate is the JSON string "inf".
package api
