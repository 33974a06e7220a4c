package asap

import (
	crand "crypto/rand"
	"encoding/binary"
)

// random32 draws from the kernel's random source.
//
// Not from math/rand: the Go runtime seeds its generator from the
// auxiliary vector the process was exec'd with, and when the library is
// loaded after a fork (as netcompat allows), sibling processes share that
// seed and would pick the same "random" PE identifiers.
func random32() uint32 {
	var b [4]byte
	crand.Read(b[:]) // never fails on Linux (getrandom)
	return binary.NativeEndian.Uint32(b[:])
}

// NewPEID returns a random non-zero PE identifier.
func NewPEID() uint32 {
	for {
		if id := random32(); id != 0 {
			return id
		}
	}
}
