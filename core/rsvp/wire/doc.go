// Package wire encodes and decodes RSVP messages (RFC 2205) with the
// Integrated Services objects of RFC 2210, the GPI forms of RFC 2207 and
// the INTEGRITY object of RFC 2747, for IPv4 and IPv6 sessions.
//
// It only translates between bytes and Go values: no sockets, no timers,
// no state. The protocol engine (core/rsvp/engine) and the daemon build on
// it.
//
// # Messages
//
// Each message type is a struct whose fields are the objects RFC 2205
// section 3.1 gives it, mandatory objects as values and optional ones as
// pointers or slices: *Path, *Resv, *PathErr, *ResvErr, *PathTear,
// *ResvTear and *ResvConf, all satisfying Message. They embed
// MessageCommon, which holds what every message may carry: the header
// flags, Send_TTL, an INTEGRITY object and unknown objects to forward.
//
//	m, err := wire.Parse(b)          // b: one whole message, e.g. an IP payload
//	switch m := m.(type) {
//	case *wire.Path:
//		...
//	}
//	b, err = wire.Append(b[:0], m)   // length and checksum filled in
//
// Parse accepts the objects of a message in any order, as RFC 2205 section
// 3.1 asks of receivers, except where order carries meaning: in a Resv-like
// message the FLOWSPEC and FILTER_SPEC objects form the flow descriptor list
// in the order they appear. Append writes the order the RFC shows. The
// Resv family represents its flow descriptor list as []FlowDescriptor, one
// entry per WF or SE descriptor and one per FILTER_SPEC for FF; a packed FF
// list (a FILTER_SPEC without its own FLOWSPEC reuses the previous one) is
// expanded on Parse and packed again on Append.
//
// # Errors
//
// Parse never panics and allocates no more than a small multiple of the
// input. Its errors are *ParseError values wrapping one of the sentinel
// errors (ErrTruncated, ErrUnknownClass, ...). Where RFC 2205 says the
// receiver answers with an error message, ParseError.Report is set and
// Code and Value give the ERROR_SPEC to send: code 13 for an unknown object
// class whose Class-Num starts with bit 0, code 14 for an unknown C-Type of
// a known class, code 6 for an unknown reservation style, code 21 for
// IntServ objects that are malformed or name an unsupported service. The
// SESSION and RSVP_HOP of the rejected message are decoded when possible
// so that the error can be addressed. Other errors mean "discard silently".
//
// Unknown classes follow RFC 2205 section 3.10 by the two high bits of the
// Class-Num: 0b rejects the message (code 13), 10 drops the object
// silently, 11 drops it from processing but keeps it in
// MessageCommon.Forward, which Append writes back unchanged.
//
// # Checksum and INTEGRITY
//
// Append always fills in the RSVP checksum; Parse verifies it unless it is
// zero (no checksum sent). AppendSigned and VerifyIntegrity compute and
// check the keyed digest of RFC 2747 (HMAC-MD5, the RFC's default, or
// HMAC-SHA-256) over the whole message with the checksum and digest fields
// zeroed.
//
// # IntServ
//
// SENDER_TSPEC, FLOWSPEC and ADSPEC use C-Type 2 (RFC 2210): TSpec is the
// token bucket (r, b, p, m, M) with IEEE single precision rates (p may be
// +Inf), Flowspec a Controlled-Load (RFC 2211) or Guaranteed (RFC 2212)
// request, Adspec the default general parameters with the Guaranteed and
// Controlled-Load fragments. merge.go has the ordering, least upper bound,
// greatest lower bound and sum the engine needs to merge reservations;
// adspec_update.go the per-hop composition of an Adspec.
package wire
