package wire

import (
	"crypto/hmac"
	"crypto/md5"
	"crypto/sha256"
	"fmt"
	"hash"
)

// The keyed message digest of RFC 2747 section 4: it covers the entire
// RSVP message, computed with the RSVP checksum and the digest field set
// to zero; the checksum is computed afterwards, over the message with its
// digest. Which algorithm and key apply is a matter of the security
// association named by the key identifier (and the sender), which the
// caller looks up.

// DigestAlgorithm is a keyed-hash algorithm for INTEGRITY.
type DigestAlgorithm uint8

const (
	// HMACMD5 is HMAC-MD5 (RFC 2104), the algorithm RFC 2747 requires;
	// its digest is 16 bytes.
	HMACMD5 DigestAlgorithm = iota + 1
	// HMACSHA256 is HMAC-SHA-256, 32 bytes of digest.
	HMACSHA256
)

func (a DigestAlgorithm) String() string {
	switch a {
	case HMACMD5:
		return "HMAC-MD5"
	case HMACSHA256:
		return "HMAC-SHA-256"
	}
	return fmt.Sprintf("DigestAlgorithm(%d)", uint8(a))
}

// Size is the length of a's digest in bytes (0 for an unknown algorithm).
func (a DigestAlgorithm) Size() int {
	switch a {
	case HMACMD5:
		return md5.Size
	case HMACSHA256:
		return sha256.Size
	}
	return 0
}

func (a DigestAlgorithm) mac(key []byte) (hash.Hash, error) {
	switch a {
	case HMACMD5:
		return hmac.New(md5.New, key), nil
	case HMACSHA256:
		return hmac.New(sha256.New, key), nil
	}
	return nil, invalid("unknown digest algorithm %v", a)
}

// AppendSigned appends m like Append, with the digest of its INTEGRITY
// object computed by alg with key. m.Common().Integrity must be set (its
// key identifier and sequence number are the caller's); its Digest field
// is ignored and left unchanged.
func AppendSigned(dst []byte, m Message, alg DigestAlgorithm, key []byte) ([]byte, error) {
	if alg.Size() == 0 {
		return dst, invalid("unknown digest algorithm %v", alg)
	}
	start := len(dst)
	b, err := appendMessage(dst, m, alg.Size())
	if err != nil {
		return b, err
	}
	if err := Sign(b[start:], alg, key); err != nil {
		return dst[:start], err
	}
	return b, nil
}

// Sign computes the digest of the encoded message msg in place, into its
// INTEGRITY object, whose digest field must already have alg's size, and
// then its checksum.
func Sign(msg []byte, alg DigestAlgorithm, key []byte) error {
	mac, err := alg.mac(key)
	if err != nil {
		return err
	}
	digest, err := findDigest(msg)
	if err != nil {
		return err
	}
	if len(digest) != mac.Size() {
		return invalid("INTEGRITY digest field of %d bytes, %v needs %d", len(digest), alg, mac.Size())
	}
	clear(digest)
	msg[2], msg[3] = 0, 0
	mac.Write(msg)
	mac.Sum(digest[:0])
	setChecksum(msg)
	return nil
}

// VerifyIntegrity checks the keyed digest of the encoded message msg with
// alg and key. It returns nil when the digest matches, ErrBadDigest when
// it does not, ErrNoIntegrity when msg has no INTEGRITY object, and a
// *ParseError when msg is too malformed to find it. Replay protection,
// checking the sequence number, is the caller's.
func VerifyIntegrity(msg []byte, alg DigestAlgorithm, key []byte) error {
	mac, err := alg.mac(key)
	if err != nil {
		return err
	}
	work := append([]byte(nil), msg...)
	digest, err := findDigest(work)
	if err != nil {
		return err
	}
	if len(digest) != mac.Size() {
		return fmt.Errorf("rsvp: %w: digest of %d bytes, %v gives %d", ErrBadDigest, len(digest), alg, mac.Size())
	}
	got := append([]byte(nil), digest...)
	clear(digest)
	work[2], work[3] = 0, 0
	mac.Write(work)
	if !hmac.Equal(got, mac.Sum(nil)) {
		return fmt.Errorf("rsvp: %w", ErrBadDigest)
	}
	return nil
}

// findDigest returns the digest field of msg's INTEGRITY object, aliasing
// msg. There must be exactly one INTEGRITY object.
func findDigest(msg []byte) ([]byte, error) {
	h, err := ParseHeader(msg)
	if err != nil {
		return nil, err
	}
	objs, perr := splitObjects(msg[HeaderLen:], HeaderLen)
	if perr != nil {
		perr.Type = h.Type
		return nil, perr
	}
	var digest []byte
	found := false
	for _, o := range objs {
		if o.class != ClassIntegrity {
			continue
		}
		if found {
			return nil, &ParseError{Type: h.Type, Offset: o.offset, Class: o.class, CType: o.ctype, Err: ErrUnexpectedObject, Detail: "second INTEGRITY"}
		}
		if _, e := parseIntegrity(o.ctype, o.body); e != nil {
			return nil, &ParseError{Type: h.Type, Offset: o.offset, Class: o.class, CType: o.ctype, Err: e.err, Detail: e.detail, Report: e.report, Code: e.code, Value: e.value}
		}
		digest, found = o.body[integrityFixedLen:], true
	}
	if !found {
		return nil, fmt.Errorf("rsvp: %w", ErrNoIntegrity)
	}
	return digest, nil
}
