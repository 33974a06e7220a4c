package policy

// Policy types (rsplib's rserpool-policytypes.h PPT_*). They are untyped so
// they compare with wire.Policy.Type (a uint32) directly.
const (
	Undefined = 0x00000000

	// RFC 5356 non-adaptive policies.
	RoundRobin         = 0x00000001
	WeightedRoundRobin = 0x00000002
	Random             = 0x00000003
	WeightedRandom     = 0x00000004
	Priority           = 0x00000005

	// RFC 5356 adaptive policies.
	LeastUsed            = 0x40000001
	LeastUsedDegradation = 0x40000002
	PriorityLeastUsed    = 0x40000003
	RandomizedLeastUsed  = 0x40000004

	// rsplib-private policies.
	RandomizedPriorityLeastUsed            = 0xb0001001
	RandomizedLeastUsedDegradation         = 0xb0001002
	PriorityLeastUsedDegradation           = 0xb0001003
	RandomizedPriorityLeastUsedDegradation = 0xb0001004

	// rsplib-private policies with a distance penalty factor
	// (draft-dreibholz-rserpool-delay).
	WeightedRandomDPF               = 0xb0002001
	LeastUsedDPF                    = 0xb0002002
	LeastUsedDegradationDPF         = 0xb0002003
	PriorityLeastUsedDPF            = 0xb0002004
	PriorityLeastUsedDegradationDPF = 0xb0002005
)

// Value limits (PPV_MIN_*, PPV_MAX_*): every value spans the full 32 bits;
// a load of MaxLoad is 100 %.
const (
	MaxWeight          = 0xffffffff
	MaxLoad            = 0xffffffff
	MaxLoadDegradation = 0xffffffff
	MaxLoadDPF         = 0xffffffff
	MaxWeightDPF       = 0xffffffff
)

// Types lists the 18 defined policy types (Undefined excluded) in code
// order.
var Types = [...]uint32{
	RoundRobin, WeightedRoundRobin, Random, WeightedRandom, Priority,
	LeastUsed, LeastUsedDegradation, PriorityLeastUsed, RandomizedLeastUsed,
	RandomizedPriorityLeastUsed, RandomizedLeastUsedDegradation,
	PriorityLeastUsedDegradation, RandomizedPriorityLeastUsedDegradation,
	WeightedRandomDPF, LeastUsedDPF, LeastUsedDegradationDPF,
	PriorityLeastUsedDPF, PriorityLeastUsedDegradationDPF,
}

// Known reports whether t is one of the 18 defined policy types.
func Known(t uint32) bool {
	_, ok := specs[t]
	return ok
}

// Name returns rsplib's name of policy type t (rsp_getpolicybytype), or ""
// for Undefined and unknown types.
func Name(t uint32) string {
	return specs[t].name
}

// ByName returns the policy type rsplib calls name (rsp_getpolicybyname;
// exact, case-sensitive match). ok is false for an unknown name, and the
// type is then Undefined, as rsp_getpolicybyname returns.
func ByName(name string) (t uint32, ok bool) {
	t, ok = byName[name]
	return t, ok
}

// IsAdaptive reports whether t is one of the 12 LeastUsed-family types
// (PPT_IS_ADAPTIVE): those whose elements report their load, so a pool
// element must re-register when its load changes.
func IsAdaptive(t uint32) bool {
	return specs[t].adaptive
}

// Compatible reports whether an element with policy type b may join a pool
// whose policy type is a. RFC 5351/5352: every element of a pool uses the
// pool's policy, otherwise the registrar answers "Inconsistent Pooling
// Policy"; rsplib accepts no conversion between types. Undefined and
// unknown types are compatible with nothing.
func Compatible(a, b uint32) bool {
	return a == b && Known(a)
}

var byName = func() map[string]uint32 {
	m := make(map[string]uint32, len(Types))
	for _, t := range Types {
		m[specs[t].name] = t
	}
	return m
}()
