// Package transport carries RSerPool's associations: messages with a stream
// number, a payload protocol identifier (PPID) and an unordered flag, whose
// boundaries survive the trip, behind one interface (Assoc, Listener) with
// two backends.
//
//   - BackendKernel is the kernel's SCTP (RFC 9260), one-to-one style
//     sockets through github.com/ishidawataru/sctp, multi-homed through
//     sctp_bindx and sctp_connectx. Stream, PPID and unordered travel in
//     the SCTP DATA chunk.
//   - BackendTCP maps each association onto one TCP connection with one of
//     two framings, described below.
//
// Dial and Listen pick the backend with Options.Backend; left at
// BackendAuto, NETCOMPAT_SCTP=kernel|tcp decides, and without it Probe:
// kernel SCTP if socket(AF_INET, SOCK_STREAM, IPPROTO_SCTP) works, the TCP
// mapping if it fails with EPROTONOSUPPORT, ESOCKTNOSUPPORT or EAFNOSUPPORT.
// Both ends of an association must of course use the same backend (and, on
// TCP, the same framing): a registrar that listens on both offers two
// Listeners.
//
// # PPIDs
//
// A PPID is a plain number in Go, in host byte order: ASAP is 11 (PPIDASAP),
// ENRP 12. Both backends put it on the wire in network byte order, as the
// SCTP DATA chunk carries it. (In the kernel's struct sctp_sndrcvinfo
// sinfo_ppid is that network-order value; ishidawataru/sctp's SCTPWrite
// applies htonl itself, so SndRcvInfo.PPID is given in host order, and this
// package reads received control messages directly.)
//
// # Messages
//
// A message is 1 to Options.MaxMessageSize bytes (DefaultMaxMessageSize,
// 1 MiB, by default). Empty messages are refused by Send in every backend,
// because SCTP cannot carry them; Recv therefore never returns a message of
// length 0. A Recv buffer shorter than the message gets its head and
// ErrTruncated; the rest of that message is discarded.
//
// # Bare framing (FramingBare)
//
// For associations that carry only ASAP, or only ENRP: PE-registrar and
// PU-registrar on port 3863. Each message goes onto the TCP stream as it is,
// in one write(2) on a TCP_NODELAY socket, and the receiver delimits it with
// the RSerPool common header every ASAP and ENRP message starts with (RFC
// 5352 section 2.1, RFC 5353 section 2):
//
//	 0                   1                   2                   3
//	 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|  Message Type |  Msg Flags    |        Message Length         |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	:            Message Value (Message Length - 4 bytes)           :
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// Message Length counts the whole message, header included, and so must
// count every byte sent, padding included (package rserpool/wire encodes it
// so, as rsplib does): Send checks that it equals the message's size. The
// receiver reads 4 bytes, then Message Length - 4 more. A Message Length
// below 4 (ErrProtocol) or above MaxMessageSize, at most 65535
// (ErrMessageTooLarge), closes the association. Type 0xc1 is refused both ways: it is the framed
// mapping's first byte, and seeing it means the two ends disagree on the
// framing. Every message has stream 0 and PPID Options.PPID (PPIDASAP
// unless set); Send refuses other streams and PPIDs.
//
// This is what Wireshark/tshark expect: their ASAP dissector, registered on
// tcp.port 3863, takes each TCP payload as one bare message without
// reassembly. One message per write on a TCP_NODELAY socket gives one
// message per segment in the normal case; a backlogged connection may still
// coalesce several, which the receiver here handles and tshark does not.
//
// # Framed framing (FramingFramed)
//
// For associations that mix protocols, such as the PU-PE data channel,
// where ASAP control (PPID 11) and the application's data share one
// association (SCTP would tell them apart by PPID). Every message is
// preceded by a 12-byte header; all fields are in network byte order:
//
//	 0                   1                   2                   3
//	 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	| Magic |Version|   Reserved  |U|       Stream Identifier       |
//	|  0xc  |  0x1  |             | |                               |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|              Payload Protocol Identifier (PPID)               |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|                        Payload Length                         |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	:                 Payload (Payload Length bytes)                :
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// The fields:
//
//   - Magic/Version (8 bits): 0xc1. The magic nibble 0xc is no ASAP or
//     ENRP message type's high nibble (they are 0x01 to 0x0e), so a framed
//     peer talking to a bare one, or the other way round, is caught on the
//     first byte. A receiver refuses any other value.
//   - Flags (8 bits): U (0x01) is the SCTP unordered flag. The seven other
//     bits are reserved: sent as 0, and a frame with any of them set is a
//     protocol error (a change of meaning takes a new version).
//   - Stream Identifier (16 bits) and PPID (32 bits): as in an SCTP DATA
//     chunk.
//   - Payload Length (32 bits): the payload's length, without this header:
//     1 to MaxMessageSize. 0 is a protocol error; more than the receiver's
//     MaxMessageSize closes the association with ErrMessageTooLarge.
//
// Header and payload leave in one writev(2). The header does not depend on
// the payload's protocol; ASAP inside a framed association is no longer
// recognisable to tshark, which is acceptable for the PU-PE channel, whose
// ports are arbitrary anyway.
//
// # What the TCP mapping does not give
//
// One TCP connection has one path and one byte order: no multi-homing (Dial
// tries the addresses one after another instead), and streams give no
// independence from head-of-line blocking. Liveness comes from TCP
// keep-alive (DefaultKeepAlive) instead of SCTP heartbeats. This framing is
// the project's own; draft-ietf-rserpool-tcpmapping (expired 2005) is not
// implemented, and rsplib has no TCP mapping at all, so only netcompat peers
// speak it.
//
// # Sockets
//
// All sockets are close-on-exec and run on Go's netpoller, including the
// kernel SCTP ones (created non-blocking and owned by an *os.File, since the
// library's own calls block an OS thread each); TCP ones have TCP_NODELAY,
// SCTP ones SCTP_NODELAY. Send is safe for concurrent use and writes every
// message whole; Close unblocks Recv, Send and Accept.
package transport
