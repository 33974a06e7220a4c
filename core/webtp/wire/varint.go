package wire

import "fmt"

// MaxVarint is the largest value a QUIC variable-length integer holds
// (RFC 9000 §16): 62 bits, the top two bits of the first byte being the
// length.
const MaxVarint = 1<<62 - 1

// AppendVarint appends v in its shortest QUIC varint form. Encoders use the
// shortest form so that frame lengths computed by the Len functions (used
// to fill packets up to MaxPacketSize) are exact. A value above MaxVarint
// cannot be put on the wire at all, so it is a programmer error and panics
// rather than silently truncating into a different number.
func AppendVarint(b []byte, v uint64) []byte {
	switch {
	case v < 1<<6:
		return append(b, byte(v))
	case v < 1<<14:
		return append(b, 0x40|byte(v>>8), byte(v))
	case v < 1<<30:
		return append(b, 0x80|byte(v>>24), byte(v>>16), byte(v>>8), byte(v))
	case v <= MaxVarint:
		return append(b, 0xc0|byte(v>>56), byte(v>>48), byte(v>>40), byte(v>>32),
			byte(v>>24), byte(v>>16), byte(v>>8), byte(v))
	}
	panic(fmt.Sprintf("webtp/wire: varint %d out of range", v))
}

// VarintLen is the length of AppendVarint's encoding of v, so that callers
// can size frames before writing them. It panics like AppendVarint.
func VarintLen(v uint64) int {
	switch {
	case v < 1<<6:
		return 1
	case v < 1<<14:
		return 2
	case v < 1<<30:
		return 4
	case v <= MaxVarint:
		return 8
	}
	panic(fmt.Sprintf("webtp/wire: varint %d out of range", v))
}

// ReadVarint decodes the varint at the start of b and returns it with its
// length. Any form is accepted, including non-shortest ones, as RFC 9000
// requires of receivers; the only possible error is ErrShort.
func ReadVarint(b []byte) (v uint64, n int, err error) {
	if len(b) == 0 {
		return 0, 0, ErrShort
	}
	n = 1 << (b[0] >> 6)
	if len(b) < n {
		return 0, 0, ErrShort
	}
	v = uint64(b[0] & 0x3f)
	for _, c := range b[1:n] {
		v = v<<8 | uint64(c)
	}
	return v, n, nil
}
