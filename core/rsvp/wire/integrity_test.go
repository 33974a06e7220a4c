package wire

import (
	"crypto/hmac"
	"crypto/md5"
	"crypto/sha256"
	"errors"
	"hash"
	"testing"
)

func TestIntegritySignVerify(t *testing.T) {
	key := []byte("a shared secret between two hops")
	for _, alg := range []DigestAlgorithm{HMACMD5, HMACSHA256} {
		for _, c := range sampleMessages() {
			t.Run(alg.String()+"/"+c.name, func(t *testing.T) {
				m := c.msg
				common := m.Common()
				if common.Integrity == nil {
					common.Integrity = &Integrity{KeyID: 0xABCDEF, Seq: 1000}
				}
				b, err := AppendSigned(nil, m, alg, key)
				if err != nil {
					t.Fatal(err)
				}
				if onesSum(b) != 0xFFFF {
					t.Fatal("checksum wrong after signing")
				}
				if err := VerifyIntegrity(b, alg, key); err != nil {
					t.Fatalf("VerifyIntegrity: %v", err)
				}
				got, err := Parse(b)
				if err != nil {
					t.Fatal(err)
				}
				in := got.Common().Integrity
				if in == nil || in.KeyID != common.Integrity.KeyID || in.Seq != common.Integrity.Seq || len(in.Digest) != alg.Size() {
					t.Fatalf("INTEGRITY after Parse: %+v", in)
				}

				// The digest is the keyed hash of the message with the
				// checksum and the digest zeroed (RFC 2747 section 4).
				want := independentDigest(t, b, alg, key)
				if !hmac.Equal(in.Digest, want) {
					t.Fatalf("digest %x, want %x", in.Digest, want)
				}

				// Any change, a wrong key or a wrong algorithm is caught.
				if err := VerifyIntegrity(b, alg, []byte("another key")); !errors.Is(err, ErrBadDigest) {
					t.Fatalf("wrong key: %v", err)
				}
				other := HMACSHA256
				if alg == HMACSHA256 {
					other = HMACMD5
				}
				if err := VerifyIntegrity(b, other, key); !errors.Is(err, ErrBadDigest) {
					t.Fatalf("wrong algorithm: %v", err)
				}
				tampered := append([]byte(nil), b...)
				tampered[len(tampered)-1] ^= 1
				if err := VerifyIntegrity(tampered, alg, key); !errors.Is(err, ErrBadDigest) {
					t.Fatalf("tampered: %v", err)
				}
				// A checksum recomputed by whoever tampered does not help.
				setChecksum(tampered)
				if err := VerifyIntegrity(tampered, alg, key); !errors.Is(err, ErrBadDigest) {
					t.Fatalf("tampered with checksum: %v", err)
				}
			})
		}
	}
}

// independentDigest recomputes the digest without the package's helpers.
func independentDigest(t *testing.T, msg []byte, alg DigestAlgorithm, key []byte) []byte {
	t.Helper()
	work := append([]byte(nil), msg...)
	work[2], work[3] = 0, 0
	// The INTEGRITY object is the first after the header, as Append
	// writes it: header(4) flags(1) reserved(1) key(6) seq(8) digest.
	if work[HeaderLen+2] != byte(ClassIntegrity) {
		t.Fatal("INTEGRITY is not first")
	}
	n := int(work[HeaderLen])<<8 | int(work[HeaderLen+1])
	clear(work[HeaderLen+4+16 : HeaderLen+n])
	var h func() hash.Hash = md5.New
	if alg == HMACSHA256 {
		h = sha256.New
	}
	mac := hmac.New(h, key)
	mac.Write(work)
	return mac.Sum(nil)
}

func TestIntegrityErrors(t *testing.T) {
	m := sampleMessages()[2].msg // no INTEGRITY
	if _, err := AppendSigned(nil, m, HMACMD5, []byte("k")); !errors.Is(err, ErrNoIntegrity) {
		t.Fatalf("AppendSigned without INTEGRITY: %v", err)
	}
	b := mustAppend(t, m)
	if err := VerifyIntegrity(b, HMACMD5, []byte("k")); !errors.Is(err, ErrNoIntegrity) {
		t.Fatalf("VerifyIntegrity without INTEGRITY: %v", err)
	}
	if err := Sign(b, HMACMD5, []byte("k")); !errors.Is(err, ErrNoIntegrity) {
		t.Fatalf("Sign without INTEGRITY: %v", err)
	}
	if _, err := AppendSigned(nil, m, DigestAlgorithm(9), nil); !errors.Is(err, ErrInvalid) {
		t.Fatalf("unknown algorithm: %v", err)
	}
	if err := VerifyIntegrity(b[:5], HMACMD5, nil); !errors.Is(err, ErrTruncated) {
		t.Fatalf("truncated: %v", err)
	}
	// Sign needs a digest field of the algorithm's size.
	m.Common().Integrity = &Integrity{Digest: make([]byte, 16)}
	b = mustAppend(t, m)
	if err := Sign(b, HMACSHA256, []byte("k")); !errors.Is(err, ErrInvalid) {
		t.Fatalf("Sign with a short digest field: %v", err)
	}
	if err := Sign(b, HMACMD5, []byte("k")); err != nil {
		t.Fatal(err)
	}
	if err := VerifyIntegrity(b, HMACMD5, []byte("k")); err != nil {
		t.Fatal(err)
	}
	// AppendSigned leaves the caller's Digest alone.
	in := &Integrity{Digest: []byte{1, 2, 3, 4}}
	m.Common().Integrity = in
	if _, err := AppendSigned(nil, m, HMACSHA256, []byte("k")); err != nil {
		t.Fatal(err)
	}
	if len(in.Digest) != 4 || in.Digest[0] != 1 {
		t.Fatal("AppendSigned changed the message")
	}
}
