package wire

import (
	"encoding/binary"
	"fmt"
	"net/netip"
)

// Common header (RFC 2205 section 3.1.1):
//
//	 0             1              2             3
//	+-------------+-------------+-------------+-------------+
//	| Vers | Flags|  Msg Type   |       RSVP Checksum       |
//	+-------------+-------------+-------------+-------------+
//	|  Send_TTL   | (Reserved)  |        RSVP Length        |
//	+-------------+-------------+-------------+-------------+
//
// RSVP Length counts the header and every object, so it is the size of the
// whole message, always a multiple of 4.

const (
	// Version is the only RSVP version there is.
	Version = 1
	// HeaderLen is the size of the common header.
	HeaderLen = 8
	// MaxMessageLen is the largest message the 16-bit RSVP Length allows.
	MaxMessageLen = 0xFFFF
)

// Transport constants of RFC 2205 for the daemon: the IP protocol number,
// and the UDP encapsulation of Appendix C (ports Pu and Pu', and the
// RSVP-Encapsulation group G*).
const (
	IPProtocol   = 46
	UDPPort      = 1698
	UDPPortPrime = 1699
)

// UDPGroup is G*, the IPv4 group of UDP-encapsulated RSVP (224.0.0.14).
var UDPGroup = netip.AddrFrom4([4]byte{224, 0, 0, 14})

// FlagRefreshReduction is the header flag of RFC 2961 saying the sender
// can do refresh reduction. This package keeps header flags as received;
// a sender that does not implement RFC 2961 leaves it clear.
const FlagRefreshReduction = 0x01

// MsgType is the Msg Type field of the common header.
type MsgType uint8

// The message types of RFC 2205.
const (
	TypePath     MsgType = 1
	TypeResv     MsgType = 2
	TypePathErr  MsgType = 3
	TypeResvErr  MsgType = 4
	TypePathTear MsgType = 5
	TypeResvTear MsgType = 6
	TypeResvConf MsgType = 7
)

var msgTypeNames = [...]string{
	TypePath:     "Path",
	TypeResv:     "Resv",
	TypePathErr:  "PathErr",
	TypeResvErr:  "ResvErr",
	TypePathTear: "PathTear",
	TypeResvTear: "ResvTear",
	TypeResvConf: "ResvConf",
}

func (t MsgType) String() string {
	if int(t) < len(msgTypeNames) && msgTypeNames[t] != "" {
		return msgTypeNames[t]
	}
	return fmt.Sprintf("MsgType(%d)", uint8(t))
}

// Known reports whether t is one of the seven RFC 2205 message types.
func (t MsgType) Known() bool { return t >= TypePath && t <= TypeResvConf }

// Header is the common header as found on the wire.
type Header struct {
	Version  uint8 // 4 bits
	Flags    uint8 // 4 bits
	Type     MsgType
	Checksum uint16
	SendTTL  uint8
	Length   uint16
}

// ParseHeader reads and checks the common header at the start of b, where
// b holds exactly one message (an IP or UDP payload): the version must be
// 1 and RSVP Length a multiple of 4, at least HeaderLen and equal to
// len(b). It does not look at the message type or the checksum, so a
// daemon can use it to peek at a message before parsing it.
func ParseHeader(b []byte) (Header, error) {
	if len(b) < HeaderLen {
		return Header{}, &ParseError{Err: ErrTruncated, Detail: fmt.Sprintf("%d bytes, shorter than the common header", len(b))}
	}
	h := Header{
		Version:  b[0] >> 4,
		Flags:    b[0] & 0x0F,
		Type:     MsgType(b[1]),
		Checksum: binary.BigEndian.Uint16(b[2:]),
		SendTTL:  b[4],
		Length:   binary.BigEndian.Uint16(b[6:]),
	}
	fail := func(err error, format string, args ...any) (Header, error) {
		return h, &ParseError{Type: h.Type, Err: err, Detail: fmt.Sprintf(format, args...)}
	}
	switch {
	case h.Version != Version:
		return fail(ErrBadVersion, "version %d", h.Version)
	case h.Length < HeaderLen || h.Length%4 != 0:
		return fail(ErrBadLength, "RSVP Length %d", h.Length)
	case int(h.Length) > len(b):
		return fail(ErrTruncated, "RSVP Length %d, only %d bytes", h.Length, len(b))
	case int(h.Length) < len(b):
		return fail(ErrTrailingData, "RSVP Length %d, %d bytes", h.Length, len(b))
	}
	return h, nil
}

// putHeader writes the common header of a message of length n into b[:8],
// checksum zero.
func putHeader(b []byte, flags uint8, t MsgType, sendTTL uint8, n int) {
	b[0] = Version<<4 | flags&0x0F
	b[1] = byte(t)
	b[2], b[3] = 0, 0
	b[4] = sendTTL
	b[5] = 0
	binary.BigEndian.PutUint16(b[6:], uint16(n))
}
