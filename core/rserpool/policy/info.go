package policy

import (
	"errors"
	"fmt"

	"netcompat/core/rserpool/wire"
)

// Errors of FromWire and of the Selector's membership calls. A registrar
// answers ErrUnknownType and ErrValueCount with an Operation Error "Invalid
// Values" (or "Unrecognized Parameter"), ErrIncompatible with "Inconsistent
// Pooling Policy".
var (
	ErrUnknownType  = errors.New("policy: unknown policy type")
	ErrValueCount   = errors.New("policy: wrong number of policy values")
	ErrIncompatible = errors.New("policy: policy type differs from the pool's")
	ErrDuplicateID  = errors.New("policy: pool element identifier already in the pool")
)

// Info is the policy information of one pool element: its policy type and
// the values the type carries. Values a type does not carry are zero. The
// fields mirror rsplib's struct rsp_loadinfo plus the distance.
type Info struct {
	Type uint32

	// Weight is the weight (WeightedRoundRobin, WeightedRandom,
	// WeightedRandomDPF) or, for Priority, the priority: rsplib keeps the
	// priority in the weight (rli_weight). Higher priorities go first.
	Weight uint32

	// Load is the element's load, a fraction of MaxLoad (LeastUsed family).
	Load uint32

	// LoadDegradation is the load a selection adds (Degradation policies)
	// and, for the PriorityLeastUsed policies, the load increment added to
	// the load when ordering; a fraction of MaxLoad.
	LoadDegradation uint32

	// LoadDPF is the load penalty per millisecond of distance, a fraction of
	// MaxLoadDPF (LeastUsed DPF policies).
	LoadDPF uint32

	// WeightDPF is the share of the weight lost per millisecond of
	// distance, a fraction of MaxWeightDPF (WeightedRandomDPF).
	WeightDPF uint32

	// Distance is the distance to the element in milliseconds (DPF
	// policies); a registrar sets it.
	Distance uint32
}

// Priority returns the priority of a Priority-policy element (the weight).
func (i Info) Priority() uint32 { return i.Weight }

// FromWire parses the values of a Pool Member Selection Policy parameter.
// The number of values must be exactly the type's (ValueCount).
func FromWire(p wire.Policy) (Info, error) {
	s, ok := specs[p.Type]
	if !ok {
		return Info{}, fmt.Errorf("%w: 0x%08x", ErrUnknownType, p.Type)
	}
	if len(p.Values) != len(s.layout) {
		return Info{}, fmt.Errorf("%w: %s takes %d, got %d", ErrValueCount, s.name, len(s.layout), len(p.Values))
	}
	info := Info{Type: p.Type}
	for i, f := range s.layout {
		*info.field(f) = p.Values[i]
	}
	return info, nil
}

// Wire returns the policy parameter for i: its type and the values the
// type carries, in wire order. Fields the type does not carry are dropped.
// An unknown type yields the type with no values.
func (i Info) Wire() wire.Policy {
	layout := specs[i.Type].layout
	p := wire.Policy{Type: i.Type, Values: make([]uint32, len(layout))}
	for n, f := range layout {
		p.Values[n] = *i.field(f)
	}
	return p
}

// Valid reports whether i has a known type. Every uint32 is a valid value
// (PPV_MIN_* is 0, PPV_MAX_* is 0xffffffff).
func (i Info) Valid() bool { return Known(i.Type) }

func (i *Info) field(f field) *uint32 {
	switch f {
	case fWeight:
		return &i.Weight
	case fLoad:
		return &i.Load
	case fLoadDegradation:
		return &i.LoadDegradation
	case fLoadDPF:
		return &i.LoadDPF
	case fWeightDPF:
		return &i.WeightDPF
	default:
		return &i.Distance
	}
}

// String describes i like rsplib's poolPolicySettingsGetDescription.
func (i Info) String() string {
	name := Name(i.Type)
	if name == "" {
		name = fmt.Sprintf("0x%08x", i.Type)
	}
	return fmt.Sprintf("%s[w=%d l=%.3f%% ldeg=%.3f%% ldpf=%.6f wdpf=%.6f dist=%d]",
		name, i.Weight,
		100*float64(i.Load)/MaxLoad, 100*float64(i.LoadDegradation)/MaxLoadDegradation,
		float64(i.LoadDPF)/MaxLoadDPF, float64(i.WeightDPF)/MaxWeightDPF, i.Distance)
}
