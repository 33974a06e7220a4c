// Package sched is the WebTP pipe scheduler: it decides which connection
// (flow) of a pipe supplies the data for the next packet.
//
// A WebTP pipe carries every connection between two hosts and shares one
// congestion controller among them (API page §3, "Bandwidth Management").
// The congestion controller decides *when* a packet may leave; this package
// decides *whose* data it carries. It is pure code — no sockets, goroutines
// or wall clock; every time-dependent method takes now — because it is called
// once per packet at well over 100k packets/s and must be deterministic
// under simulation. Next and Sent do not allocate in steady state.
//
// # Decision order
//
//  1. Reserved flows. A flow that obtained a guaranteed rate with Reserve
//     is served first whenever its token bucket holds tokens and it has
//     backlog. It is capped at that rate: a reservation is a constant rate,
//     so a token-limited reserved flow is skipped (never served from the
//     shared pool); NextReady tells the caller when it may send again.
//  2. Urgent before normal. Among the remaining (shared-pool) flows, urgent
//     queues go before normal queues, except that while normal data is
//     backlogged it keeps at least MinNormalShare of the pool's bytes: the
//     spec requires that high priority never starves normal traffic. A
//     deficit counter keeps the split exact to within a packet, and a small
//     time-based bonus (two packets a second) covers that packet, so the
//     minimum holds in every 1-s interval, not only on average.
//  3. Within a level, hierarchical weighted fair sharing. Each class node
//     runs start-time fair queueing (SFQ) over its backlogged children,
//     weighted by their shares, so an idle class's share is automatically
//     redistributed to its backlogged siblings; flows of one leaf class share
//     equally by bytes (SFQ with equal weights, i.e. byte round robin).
//
// # Traffic-class file
//
// The administrator lists the traffic classes in /etc/webtp_classes (tests
// and users may name another file with the WEBTP_CLASSES environment
// variable). One class per line:
//
//	name share [rate]
//
// '#' starts a comment; blank lines are ignored. name is hierarchical with
// dots: "realtime_stream.elastic" is a child of "realtime_stream", and a
// parent must be declared before its children. share is a positive weight
// relative to the class's siblings. The optional rate is the most that the
// connections of the class (including its sub-classes) may reserve together;
// a Reserve beyond it fails. Rates are bits per second: a plain number, or a
// number with a suffix bit, kbit, mbit, gbit (decimal: 1kbit = 1000 bit/s);
// k, m, g are accepted as short forms. Byte units are rejected on purpose,
// because "bps" is ambiguous (tc reads it as bytes/s).
//
// Example (see testdata/webtp_classes):
//
//	interactive              4
//	bulk                     1
//	realtime_stream          2   20mbit
//	realtime_stream.elastic  1
//	realtime_stream.inelastic 3  10mbit
//	buffered_stream          1
//
// A connection that names no class starts in Default(): "bulk" if present,
// else the first top-level class.
package sched
