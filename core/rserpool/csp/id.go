package csp

// A component identifier is a group (registrar, pool element, pool user)
// in the top byte and an object (a PE identifier, a random number) in the
// low 56 bits, as rsplib's rserpool-csp.h defines CID_GROUP, CID_OBJECT
// and CID_COMPOUND.
const (
	GroupRegistrar   = 0x0001
	GroupPoolElement = 0x0002
	GroupPoolUser    = 0x0003
)

// Group is CID_GROUP(id).
func Group(id uint64) uint16 { return uint16((id >> 56) & 0xffff) }

// Object is CID_OBJECT(id).
func Object(id uint64) uint64 { return id & 0xffffffffffffff }

// Compound is CID_COMPOUND(group, object).
func Compound(group uint16, object uint64) uint64 {
	return uint64(group)<<56 | Object(object)
}
