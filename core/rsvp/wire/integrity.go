package wire

import "encoding/binary"

// INTEGRITY (class 4, C-Type 1, RFC 2747 section 2.1), the same for IPv4
// and IPv6:
//
//	+-------------+-------------+-------------+-------------+
//	|    Flags    | 0 (Reserved)|                           |
//	+-------------+-------------+                           +
//	|                    Key Identifier (48 bits)           |
//	+-------------+-------------+-------------+-------------+
//	|                Sequence Number (64 bits)              |
//	+                                                       +
//	|                                                       |
//	+-------------+-------------+-------------+-------------+
//	|                 Keyed Message Digest                  |
//	//                   (16 bytes for MD5)                 //
//	+-------------+-------------+-------------+-------------+

// CTypeIntegrity is the only INTEGRITY C-Type.
const CTypeIntegrity = 1

// IntegrityHandshake is the INTEGRITY flag H: the sender answers
// integrity challenges (RFC 2747 section 2.1).
const IntegrityHandshake = 0x01

// MaxKeyID is the largest key identifier: the field is 48 bits wide.
const MaxKeyID = 1<<48 - 1

// integrityFixedLen is the size of the INTEGRITY contents before the
// digest.
const integrityFixedLen = 16

// Integrity is an INTEGRITY object.
type Integrity struct {
	Flags uint8  // IntegrityHandshake
	KeyID uint64 // 48 bits: with the sender's address, names the key and algorithm
	// Seq increases with every message sent under the key; the receiver
	// drops messages whose number it has seen or passed.
	Seq    uint64
	Digest []byte // the keyed message digest, a multiple of 4 bytes
}

func (in *Integrity) appendTo(b []byte, digestLen int) ([]byte, error) {
	if in.KeyID > MaxKeyID {
		return b, invalid("INTEGRITY key identifier %#x exceeds 48 bits", in.KeyID)
	}
	if digestLen < 0 {
		digestLen = len(in.Digest)
	}
	if digestLen%4 != 0 {
		return b, invalid("INTEGRITY digest of %d bytes, not a multiple of 4", digestLen)
	}
	b, start := beginObject(b, ClassIntegrity, CTypeIntegrity)
	b = append(b, in.Flags, 0)
	b = append(b, byte(in.KeyID>>40), byte(in.KeyID>>32))
	b = binary.BigEndian.AppendUint32(b, uint32(in.KeyID))
	b = binary.BigEndian.AppendUint64(b, in.Seq)
	if digestLen == len(in.Digest) {
		b = append(b, in.Digest...)
	} else {
		// Room for a digest Sign computes afterwards.
		b = append(b, make([]byte, digestLen)...)
	}
	return endObject(b, start), nil
}

func parseIntegrity(ctype uint8, body []byte) (Integrity, *objError) {
	if ctype != CTypeIntegrity {
		return Integrity{}, errCType(ClassIntegrity, ctype)
	}
	if len(body) < integrityFixedLen {
		return Integrity{}, objErr(ErrBadLength, "INTEGRITY body of %d bytes, want at least %d", len(body), integrityFixedLen)
	}
	return Integrity{
		Flags:  body[0],
		KeyID:  uint64(binary.BigEndian.Uint16(body[2:]))<<32 | uint64(binary.BigEndian.Uint32(body[4:])),
		Seq:    binary.BigEndian.Uint64(body[8:]),
		Digest: bytesClone(body[integrityFixedLen:]),
	}, nil
}
