package stream

import "errors"

// Header bits (webtp.h WEBTP_HDR_*).
const (
	FlagStart    = 0x80 // S
	FlagEnd      = 0x40 // E
	FlagReliable = 0x20 // R
	FlagUrgent   = 0x10 // U
	flagReserved = 0x0f

	// HeaderLen is the size of a chunk header.
	HeaderLen = 4
	// MaxADU is the longest ADU and the longest chunk: 2^24-1 octets.
	MaxADU = 1<<24 - 1
)

// Errors of a stream that breaks the framing rules (package doc).
var (
	ErrReserved     = errors.New("webtp stream: reserved header bits set")
	ErrNoStart      = errors.New("webtp stream: chunk without S outside an ADU")
	ErrUnfinished   = errors.New("webtp stream: S chunk inside an unfinished ADU")
	ErrFlagsChanged = errors.New("webtp stream: R/U bits differ from the ADU's start chunk")
	ErrTooLong      = errors.New("webtp stream: ADU longer than 2^24-1 octets")
)

// PutHeader writes a chunk header into b[0:4].
func PutHeader(b []byte, flags byte, n int) {
	_ = b[3]
	b[0] = flags &^ flagReserved
	b[1] = byte(n >> 16)
	b[2] = byte(n >> 8)
	b[3] = byte(n)
}

// ParseHeader reads a chunk header.
func ParseHeader(b []byte) (flags byte, n int) {
	_ = b[3]
	return b[0], int(b[1])<<16 | int(b[2])<<8 | int(b[3])
}

// LossNotice is the header that reports a dropped unreliable ADU.
var LossNotice = [HeaderLen]byte{}

// IsLossNotice reports whether a received header is a loss notice.
func IsLossNotice(b []byte) bool {
	flags, n := ParseHeader(b)
	return flags&(FlagStart|FlagEnd|flagReserved) == 0 && n == 0
}
