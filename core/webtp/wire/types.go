package wire

import "errors"

// Packet header constants.
const (
	Magic   = 0x57 // 'W'
	Version = 1

	// MaxPacketSize is the largest UDP payload WebTP sends: a 1500-byte
	// MTU less the IPv6 and UDP headers.
	MaxPacketSize = 1452
	// MaxHeaderLen is the longest packet header (8-byte packet number).
	MaxHeaderLen = 2 + 4 + 4 + 8

	// MaxADULength is the largest ADU: the API header's 24-bit length.
	MaxADULength = 1<<24 - 1
	// MaxAckRanges bounds the ranges one ACK frame reports and accepts.
	MaxAckRanges = 32
)

// FrameType is the first byte of a frame.
type FrameType byte

// Frame types (PROTOCOL.md, "Frames").
const (
	FramePadding FrameType = 0x00
	FramePing    FrameType = 0x01
	FrameAck     FrameType = 0x02
	FrameConnect FrameType = 0x03
	FrameAccept  FrameType = 0x04
	FrameConfirm FrameType = 0x05
	FrameClose   FrameType = 0x06
	FrameADU     FrameType = 0x10
	FrameAbandon FrameType = 0x11
	FrameCredit  FrameType = 0x12
	FrameBlocked FrameType = 0x13
)

// Flags of CONNECT and ACCEPT.
const FlagNoDup = 0x01

// ADU flags, at the positions of the API's ADU header byte.
const (
	ADUReliable = 0x20
	ADUUrgent   = 0x10
)

// Close codes.
const (
	CloseNormal   = 0
	CloseRefused  = 1
	CloseIdle     = 2
	CloseProtocol = 3
)

// Header is the fixed part of every packet.
type Header struct {
	SrcTag uint32 // sender's pipe tag, never 0
	DstTag uint32 // receiver's pipe tag, 0 while unknown
	Number uint64 // packet number, from 1
}

// AckRange is a run of acknowledged packet numbers, both ends included.
type AckRange struct{ Smallest, Largest uint64 }

// Ack is an ACK frame. Ranges are in descending order and do not touch:
// Ranges[0].Largest is the largest number acknowledged.
type Ack struct {
	Delay  uint64 // microseconds between receiving the largest and sending
	Ranges []AckRange
}

// Handshake is a CONNECT, ACCEPT or CONFIRM frame (CONFIRM has no flags).
type Handshake struct {
	ID    uint64 // connection id chosen by the opener
	Flags byte   // FlagNoDup or 0
	Nonce uint64
}

// Close is a CLOSE frame.
type Close struct {
	Ref  uint64 // connection reference: id<<1 | (sender is opener)
	Code uint64
}

// ADU is an ADU frame: bytes [Offset, Offset+len(Data)) of ADU ID.
type ADU struct {
	Ref    uint64
	ID     uint64
	Flags  byte   // ADUReliable, ADUUrgent
	Total  uint64 // whole length of the ADU, at most MaxADULength
	Offset uint64
	Data   []byte // aliases the decoded packet
}

// Abandon is an ABANDON frame.
type Abandon struct{ Ref, ID uint64 }

// Credit is a CREDIT frame.
type Credit struct{ Ref, Limit uint64 }

// Packet is a decoded packet: the header and its frames grouped by type
// (frame order inside a packet carries no meaning). Decode reuses the
// slices, so a Packet kept across calls allocates nothing once warm.
type Packet struct {
	Header
	Ping     bool // a PING frame was present
	Padding  int  // number of PADDING bytes
	Acks     []Ack
	Connects []Handshake
	Accepts  []Handshake
	Confirms []Handshake
	Closes   []Close
	ADUs     []ADU
	Abandons []Abandon
	Credits  []Credit
	Blocked  []Credit // BLOCKED frames: Limit is the credit that stops the sender
}

// AckEliciting reports whether the packet holds a frame other than ACK and
// PADDING.
func (p *Packet) AckEliciting() bool {
	return p.Ping || len(p.Connects)+len(p.Accepts)+len(p.Confirms)+len(p.Closes)+
		len(p.ADUs)+len(p.Abandons)+len(p.Credits)+len(p.Blocked) > 0
}

// Decoding errors. Every error from Decode wraps one of these.
var (
	ErrShort     = errors.New("webtp/wire: truncated")
	ErrMagic     = errors.New("webtp/wire: not a WebTP packet")
	ErrVersion   = errors.New("webtp/wire: unsupported version")
	ErrFrameType = errors.New("webtp/wire: unknown frame type")
	ErrInvalid   = errors.New("webtp/wire: invalid field")
	ErrEmpty     = errors.New("webtp/wire: packet without frames")
)
