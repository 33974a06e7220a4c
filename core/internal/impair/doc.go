// Package impair is a user-space impairment "router" for tests and
// benchmarks on a kernel without netem (see webtp.md §6): two network
// namespaces, cli and srv, each with a TUN device, and this process
// copying packets between the two devices with per-direction rate
// (serialisation with a drop-tail byte queue), delay and jitter,
// Bernoulli or Gilbert-Elliott loss and duplication. It carries any IP
// traffic, so kernel TCP and UDP are impaired alike.
//
//	cli (imp0 10.0.1.1, fd00:1::1) ⇄ [Forward/Reverse Link] ⇄ srv (imp0 10.0.2.1, fd00:2::1)
//
// Every Link decision is made by a seeded generator, so the same seed and
// the same packets give the same losses. Delays are served from a timer
// heap by one goroutine per direction. Config changes take effect at
// once (Link.Set) and counters are available at any time (Link.Stats).
package impair
