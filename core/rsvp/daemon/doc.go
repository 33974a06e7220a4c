// Package daemon is rsvpd: the RSVP engine (core/rsvp/engine) driven by
// real sockets (core/rsvp/netio), the kernel's routing table, the local
// API socket (core/rsvp/api) and traffic control (core/rsvp/tc).
//
// One goroutine, the loop, owns the engine: it takes received packets,
// API requests, client departures, route changes and timer expiries one
// at a time, and carries out what the engine answers (messages to send,
// events to clients, classes to install). The engine needs no locks and
// the order of events is the order the loop saw them.
package daemon
