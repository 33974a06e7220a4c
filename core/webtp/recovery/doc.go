// Package recovery is the per-pipe transport machinery of WebTP: packet
// number bookkeeping, RTT estimation, loss detection (RFC 9002), CUBIC
// congestion control (RFC 9438, with HyStart++ from RFC 9406), pacing,
// delivery-rate estimation and the receiver's acknowledgement tracker.
//
// It is pure: no sockets, no goroutines and no wall clock. Every method
// takes the current time from the caller, so the engine and the tests can
// drive it from a real or a simulated clock alike. Nothing in it is safe
// for concurrent use; a pipe owns one Sender and one AckTracker.
//
// It is on the per-packet path (well over 100k packets/s), so once its
// ring buffers have grown to the window size it allocates nothing.
package recovery
