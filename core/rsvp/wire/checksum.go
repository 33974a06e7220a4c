package wire

import "encoding/binary"

// The RSVP checksum (RFC 2205 section 3.1.1) is the Internet checksum of
// RFC 1071 over the whole message with the checksum field taken as zero;
// an all-zero field means the sender computed none.

// onesSum returns the 16-bit ones' complement sum of b, b padded with a
// zero byte if its length is odd (RSVP messages never are).
func onesSum(b []byte) uint16 {
	var sum uint64
	for len(b) >= 8 {
		sum += uint64(binary.BigEndian.Uint32(b)) + uint64(binary.BigEndian.Uint32(b[4:]))
		b = b[8:]
	}
	for len(b) >= 2 {
		sum += uint64(binary.BigEndian.Uint16(b))
		b = b[2:]
	}
	if len(b) == 1 {
		sum += uint64(b[0]) << 8
	}
	for sum > 0xFFFF {
		sum = sum>>16 + sum&0xFFFF
	}
	return uint16(sum)
}

// setChecksum fills in the checksum of the encoded message msg. A computed
// value of zero is sent as 0xFFFF, its other ones' complement spelling,
// because zero on the wire means "no checksum".
func setChecksum(msg []byte) {
	msg[2], msg[3] = 0, 0
	c := ^onesSum(msg)
	if c == 0 {
		c = 0xFFFF
	}
	binary.BigEndian.PutUint16(msg[2:], c)
}

// checksumOK reports whether msg carries no checksum or a correct one: the
// ones' complement sum over a message with its checksum in place is 0xFFFF.
func checksumOK(msg []byte) bool {
	if msg[2] == 0 && msg[3] == 0 {
		return true
	}
	return onesSum(msg) == 0xFFFF
}
