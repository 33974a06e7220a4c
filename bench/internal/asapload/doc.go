// Package asapload is the pool element and pool user side of the ASAP
// load generators bench/rspbench and bench/enrpbench: a client
// association to a registrar over TCP with bare framing (PPID 11, package
// netcompat/core/transport) that sends a request and waits for its
// answer while answering the Endpoint Keep-Alives that come first, and
// the decoding of rejecting answers. A registrar that finds a pool
// element unresponsive drops it, so every benchmark must answer
// keep-alives the same way; one copy keeps the two programs' loads alike.
// The messages each program sends, and what it measures, stay with it.
package asapload
