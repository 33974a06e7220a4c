package wire

import "encoding/binary"

// Common message header (RFC 5352 section 2.1, RFC 5353 section 2):
//
//	 0                   1                   2                   3
//	 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|  Message Type |  Msg Flags    |        Message Length         |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	:                         Message Value                         :
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// How lengths and padding are read here (RFC 5352 section 2.1, RFC 5354
// section 2, RFC 4960 section 3.2):
//
//   - Message Length is the size of the whole message in octets, header
//     included. A message's total size must be a multiple of 4; padding a
//     sender adds to reach that is not counted in Message Length. Every
//     parameter pads itself to 4 octets (RFC 5354), so a message built from
//     parameters is always a multiple of 4 and has no message-level padding
//     left to add: our encoder therefore writes a Message Length that counts
//     the last parameter's padding, as rsplib does, and it is always a
//     multiple of 4. The decoder accepts both that and a Message Length
//     that stops at the end of the last parameter's value (padding not
//     counted): up to 3 bytes after Message Length are padding and ignored.
//   - Parameter Length counts the 4-byte parameter header and the value,
//     never the parameter's own trailing padding. When a parameter nests
//     other TLVs (transports, Pool Element, Server Information, Operation
//     Error causes), its length counts the padding of every nested TLV but
//     the last, whose padding coincides with the parameter's own (the RFC
//     4960 rule for chunks; only error causes can end unaligned, and rsplib
//     writes Operation Error the same way). The decoder accepts the last
//     nested TLV's padding inside or outside the length.
//   - Padding bytes are written as zero and ignored on receipt.

// HeaderLen is the size of the common message header.
const HeaderLen = 4

// Protocol says which RSerPool protocol a message belongs to.
type Protocol uint8

const (
	ASAP Protocol = 1 // RFC 5352, SCTP PPID 11
	ENRP Protocol = 2 // RFC 5353, SCTP PPID 12
)

// ASAPType is an ASAP message type (RFC 5352 section 2.2).
type ASAPType uint8

const (
	ASAPRegistration             ASAPType = 0x01
	ASAPDeregistration           ASAPType = 0x02
	ASAPRegistrationResponse     ASAPType = 0x03
	ASAPDeregistrationResponse   ASAPType = 0x04
	ASAPHandleResolution         ASAPType = 0x05
	ASAPHandleResolutionResponse ASAPType = 0x06
	ASAPEndpointKeepAlive        ASAPType = 0x07
	ASAPEndpointKeepAliveAck     ASAPType = 0x08
	ASAPEndpointUnreachable      ASAPType = 0x09
	ASAPServerAnnounce           ASAPType = 0x0a
	ASAPCookie                   ASAPType = 0x0b
	ASAPCookieEcho               ASAPType = 0x0c
	ASAPBusinessCard             ASAPType = 0x0d
	ASAPError                    ASAPType = 0x0e
)

// ENRPType is an ENRP message type (RFC 5353 section 2).
type ENRPType uint8

const (
	ENRPPresence            ENRPType = 0x01
	ENRPHandleTableRequest  ENRPType = 0x02
	ENRPHandleTableResponse ENRPType = 0x03
	ENRPHandleUpdate        ENRPType = 0x04
	ENRPListRequest         ENRPType = 0x05
	ENRPListResponse        ENRPType = 0x06
	ENRPInitTakeover        ENRPType = 0x07
	ENRPInitTakeoverAck     ENRPType = 0x08
	ENRPTakeoverServer      ENRPType = 0x09
	ENRPError               ENRPType = 0x0a
)

// Message flag bits. Bits a message type does not define are sent as zero
// and ignored on receipt.
const (
	FlagReject            uint8 = 0x01 // R: ASAP Registration Response, Handle Resolution Response; ENRP Handle Table Response, List Response
	FlagHome              uint8 = 0x01 // H: ASAP Endpoint Keep-Alive, the sender is the PE's new home registrar
	FlagReplyRequired     uint8 = 0x01 // R: ENRP Presence
	FlagOwnChildrenOnly   uint8 = 0x01 // W: ENRP Handle Table Request
	FlagMore              uint8 = 0x02 // M: ENRP Handle Table Response
	FlagTakeoverSuggested uint8 = 0x01 // T: ENRP Handle Update (draft-dreibholz-rserpool-enrp-takeover)
)

// MessageLen reads the common header at the start of b and returns how
// many bytes the message occupies: Message Length rounded up to 4, since
// padding the length does not count still follows the message (see the
// comment at the top of this file). A reader framing messages on a byte
// stream reads that many bytes and hands them to ParseASAP or ParseENRP.
//
// ok is false when b is shorter than the header (read more) and when the
// header's length is below the header size (a corrupt stream that cannot
// be resynchronised); the caller tells the two apart by len(b) >= HeaderLen.
func MessageLen(b []byte) (n int, ok bool) {
	if len(b) < HeaderLen {
		return 0, false
	}
	l := int(binary.BigEndian.Uint16(b[2:]))
	if l < HeaderLen {
		return 0, false
	}
	return pad4(l), true
}

// pad4 rounds n up to a multiple of 4.
func pad4(n int) int { return (n + 3) &^ 3 }

// splitMessage checks the common header of the message in b and returns
// its type, flags and value (the bytes after the header up to Message
// Length).
func splitMessage(b []byte) (typ, flags uint8, value []byte, err error) {
	if len(b) < HeaderLen {
		return 0, 0, nil, perr(ErrTruncated, 0, 0, "%d bytes, too few for a message header", len(b))
	}
	l := int(binary.BigEndian.Uint16(b[2:]))
	switch {
	case l < HeaderLen:
		return b[0], b[1], nil, perr(ErrBadLength, 2, 0, "message length %d is below the header size", l)
	case l > len(b):
		return b[0], b[1], nil, perr(ErrTruncated, 2, 0, "message length %d exceeds the %d bytes given", l, len(b))
	case len(b) > pad4(l):
		return b[0], b[1], nil, perr(ErrTrailingData, l, 0, "%d bytes after a message of length %d", len(b)-l, l)
	}
	return b[0], b[1], b[HeaderLen:l], nil
}
