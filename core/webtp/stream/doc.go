// Package stream carries WebTP ADUs over the header-framed byte stream of
// a WebTP socket (include/webtp.h): the decoder and encoder of the framing,
// and the pump that joins the Go end of a socket's AF_UNIX socketpair to a
// connection.
//
// # The framing
//
// Every chunk of the stream is a 4-octet header followed by its data:
//
//	octet 0     flags SERU0000: S 0x80 start of ADU, E 0x40 end of ADU,
//	            R 0x20 reliable, U 0x10 urgent; bits 3..0 reserved
//	octets 1-3  length of this chunk's data, 24 bits, big-endian
//
// Application to transport (what the program sends), the rules are:
//
//  1. The reserved bits 3..0 must be 0.
//  2. An ADU is one chunk with S and E set, or a start chunk (S, not E),
//     any number of middle chunks (neither), and an end chunk (E, not S).
//     Its data is the concatenation of its chunks' data; the chunk
//     lengths add up to the ADU's length, at most 2^24-1 (MaxADU).
//     Zero-length chunks are allowed anywhere in an ADU; an ADU may be
//     empty (S and E set, length 0).
//  3. R and U are taken from the start chunk; the other chunks of the ADU
//     must repeat them.
//  4. A chunk without S is valid only inside an ADU, and a chunk with S
//     only outside one.
//
// A stream that breaks a rule is in error: the decoder stops and the
// connection is reset (nothing after the offending header is sent).
// Chunk and header boundaries need not match the program's send() calls:
// the decoder works incrementally across arbitrary read boundaries.
//
// Transport to application (what the program receives), every ADU arrives
// as one chunk with S and E set, R and U as the sender set them, and its
// whole data; ADUs are never interleaved. A dropped unreliable ADU is
// reported in band by a loss notice: the header 00 00 00 00 (S = E = 0,
// length 0, which cannot otherwise occur in this direction) with no data.
//
// # The pump
//
// Pump moves data between the Go end of a socketpair and a connection:
// one goroutine reads the socketpair in large reads, decodes ADUs and hands
// each to Transport.Send (which blocks while the connection's send buffer
// is full: that is the back-pressure the program sees as a blocking send or
// EAGAIN); one goroutine takes Transport.Receive results and writes header
// and data with one sendmsg (no copy). Both use the runtime's netpoller, so
// no OS thread waits per connection.
package stream
