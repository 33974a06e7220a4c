package handlespace

// The handlespace checksum (RFC 5353 section 2.2.1's PE Checksum; sheet
// section 4.5) is the Internet checksum (RFC 1071) over, for every pool
// element a registrar owns, the pool handle followed by the PE identifier
// in network byte order. Like rsplib (poolElementNodeComputeChecksum), each
// element's handle is summed on its own: an odd-length handle is padded
// with one zero byte before the identifier's two 16-bit words.
//
// rsplib sums 16-bit words in host order and copies the folded result into
// the parameter without byte swapping. By RFC 1071's byte-order
// independence that is the same two bytes as summing big-endian words and
// sending the result big-endian, which is what this package does: the
// uint16 a Checksum method returns goes on the wire in network order.
//
// Per owner the handlespace keeps the plain integer sum of its elements'
// word sums (a uint64, which cannot overflow: an element adds at most
// 18 × 0xffff). Adding and removing an element is then exact integer
// arithmetic, and folding happens only when the checksum is read, so the
// incremental value always equals a computation from scratch (rsplib keeps
// a uint32 that wraps, which is off by one per wrap).

// elementSum returns the word sum of one pool element: the handle's
// big-endian 16-bit words (the last one zero-padded) and the identifier's.
func elementSum(handle string, id uint32) uint32 {
	var s uint32
	n := len(handle)
	for i := 0; i+1 < n; i += 2 {
		s += uint32(handle[i])<<8 | uint32(handle[i+1])
	}
	if n%2 == 1 {
		s += uint32(handle[n-1]) << 8
	}
	return s + id>>16 + id&0xffff
}

// finishChecksum folds the carries of sum into 16 bits and inverts them.
// The sum of no elements gives 0xffff, as in rsplib.
func finishChecksum(sum uint64) uint16 {
	for sum>>16 != 0 {
		sum = sum&0xffff + sum>>16
	}
	return ^uint16(sum)
}

// Key names a pool element: its pool handle and PE identifier.
type Key struct {
	Handle string
	ID     uint32
}

// ChecksumOf returns the handlespace checksum of the given elements, computed
// from scratch: what a registrar's incremental value must equal, and what a
// peer's elements received in a Handle Table Response should sum to.
func ChecksumOf(elems []Key) uint16 {
	var sum uint64
	for _, e := range elems {
		sum += uint64(elementSum(e.Handle, e.ID))
	}
	return finishChecksum(sum)
}
