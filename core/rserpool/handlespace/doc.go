// Package handlespace is a registrar's handlespace (RFC 5351 section 3,
// RFC 5352, RFC 5353): pools keyed by pool handle, each holding its pool
// elements keyed by PE identifier, with the bookkeeping an ENRP server
// keeps per element: its home registrar (owner), the entity that
// registered it, its registration expiry, Endpoint Keep-Alive state and
// Endpoint Unreachable count, and per owner the ENRP handlespace checksum.
//
// The package is pure: no I/O, no goroutines, no clock. Every call that
// depends on time takes the current time, so tests run without sleeping,
// and the registrar asks NextDeadline when to call again. It does not
// select elements either: package policy does, through Pool.Selector.
//
// # Pools
//
// A pool exists while it has elements. Its policy type, user transport
// protocol and transport use are those of the registration that created
// it; later registrations must match them (Register lists the checks and
// their Operation Error causes). Pool handles are opaque bytes of at most
// Config.MaxHandleLen (rsplib: 32).
//
// # Decisions
//
// Where RFC 5352 and 5353 leave a choice, rsplib's registrar decides,
// except that causes are RFC 5354's (rsplib puts private codes such as
// 0xf000 "invalid ID" or 0x100a "wrong protocol" on the wire):
//
//   - PE identifier 0 (rsplib's "undefined"), registration life 0, an empty
//     or over-long pool handle, policy type 0, a user transport without
//     addresses or with port 0: Invalid Values (0x3).
//   - More than Config.MaxAddrs (64) addresses in a transport, and the
//     pool and element limits: Lack of Resources (0x6).
//   - Address scope (-minaddressscope, default site-local): addresses
//     below the scope are dropped from the stored element; an ASAP
//     registration left without a user address (or without an ASAP
//     address, if it named an ASAP transport) is refused with Invalid
//     Values. Elements announced by peers (Update) are not filtered.
//   - The same PE identifier registered in the same pool over a different
//     association (ConnKey): Non-unique PE Identifier (0x4). An element
//     learned from a peer can be registered here from any association; a
//     peer's Handle Update for an element owned elsewhere drops its
//     association link, one naming this registrar as home keeps it.
//   - Deregistration of an unknown pool: Unknown Pool Handle (0x9); of an
//     unknown element in a known pool: success, as in rsplib.
//   - Every element, owned or not, expires registration life after its
//     last (re)registration or Handle Update (Expire).
//   - Endpoint Unreachable counts survive re-registrations (rsplib); the
//     element goes at Config.MaxBadPEReports (3) reports.
//   - Ownership changes (SetHome, TakeOver) make a keep-alive due at once
//     when the element becomes ours; re-registrations and Acks restart the
//     keep-alive interval.
//
// # Checksum
//
// See checksum.go: RFC 1071 sum over each owned element's handle (padded
// to an even length on its own) and big-endian PE identifier, folded and
// inverted, kept per owner as an exact integer sum so the incremental
// value always equals ChecksumOf over the same elements.
//
// # Memory
//
// An element is one 216-byte heap object (its wire.PoolElement, the ASAP
// transport stored inline, 80 bytes of bookkeeping) plus one exact-size
// array for all its addresses and one for its policy values. The indexes
// hold pointers to it: the pool's slice and ID map, the owner's slice, two
// timer heaps, an intrusive per-association list. TestBytesPerElement
// measures 100,000 typical elements (one IPv4 user address, an ASAP
// transport, LeastUsed): about 370 bytes each, 37 MB in all.
package handlespace
