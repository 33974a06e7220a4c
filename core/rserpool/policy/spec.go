package policy

// field names one policy value; a type's layout lists them in wire order.
type field uint8

const (
	fWeight          field = iota // weight; Priority's priority
	fLoad                         // load
	fLoadDegradation              // load degradation; PriorityLeastUsed's load increment
	fLoadDPF                      // load distance penalty factor
	fWeightDPF                    // weight distance penalty factor
	fDistance                     // distance, milliseconds
)

// kind is the selection algorithm a type uses.
type kind uint8

const (
	kindNone kind = iota
	kindRoundRobin
	kindWeightedRoundRobin
	kindPriority
	kindLeastUsed           // ordered by effective load
	kindRandom              // uniform, without replacement
	kindWeightedRandom      // by (distance-penalized) weight, without replacement
	kindRandomizedLeastUsed // by unused capacity, without replacement
)

func (k kind) ordered() bool {
	return k == kindRoundRobin || k == kindWeightedRoundRobin || k == kindPriority || k == kindLeastUsed
}

func (s spec) leastUsedFamily() bool {
	return s.kind == kindLeastUsed || s.kind == kindRandomizedLeastUsed
}

// spec describes one policy type.
type spec struct {
	name      string
	layout    []field
	kind      kind
	adaptive  bool // PPT_IS_ADAPTIVE
	increment bool // the load degradation value is added to the load (PriorityLeastUsed family)
	degrades  bool // every selection adds the load degradation to the counter
	loadDPF   bool // load + loadDPF × distance
	weightDPF bool // weight reduced by weightDPF × distance
}

var (
	noValues = []field{}
	wValues  = []field{fWeight}
	lValues  = []field{fLoad}
	ldValues = []field{fLoad, fLoadDegradation}
)

var specs = map[uint32]spec{
	RoundRobin:         {name: "RoundRobin", layout: noValues, kind: kindRoundRobin},
	WeightedRoundRobin: {name: "WeightedRoundRobin", layout: wValues, kind: kindWeightedRoundRobin},
	Random:             {name: "Random", layout: noValues, kind: kindRandom},
	WeightedRandom:     {name: "WeightedRandom", layout: wValues, kind: kindWeightedRandom},
	Priority:           {name: "Priority", layout: wValues, kind: kindPriority},

	LeastUsed:            {name: "LeastUsed", layout: lValues, kind: kindLeastUsed, adaptive: true},
	LeastUsedDegradation: {name: "LeastUsedDegradation", layout: ldValues, kind: kindLeastUsed, adaptive: true, degrades: true},
	PriorityLeastUsed:    {name: "PriorityLeastUsed", layout: ldValues, kind: kindLeastUsed, adaptive: true, increment: true},
	RandomizedLeastUsed:  {name: "RandomizedLeastUsed", layout: lValues, kind: kindRandomizedLeastUsed, adaptive: true},

	RandomizedPriorityLeastUsed:            {name: "RandomizedPriorityLeastUsed", layout: ldValues, kind: kindRandomizedLeastUsed, adaptive: true, increment: true},
	RandomizedLeastUsedDegradation:         {name: "RandomizedLeastUsedDegradation", layout: ldValues, kind: kindRandomizedLeastUsed, adaptive: true, degrades: true},
	PriorityLeastUsedDegradation:           {name: "PriorityLeastUsedDegradation", layout: ldValues, kind: kindLeastUsed, adaptive: true, increment: true, degrades: true},
	RandomizedPriorityLeastUsedDegradation: {name: "RandomizedPriorityLeastUsedDegradation", layout: ldValues, kind: kindRandomizedLeastUsed, adaptive: true, increment: true, degrades: true},

	WeightedRandomDPF: {name: "WeightedRandomDPF", layout: []field{fWeight, fWeightDPF, fDistance},
		kind: kindWeightedRandom, weightDPF: true},
	LeastUsedDPF: {name: "LeastUsedDPF", layout: []field{fLoad, fLoadDPF, fDistance},
		kind: kindLeastUsed, adaptive: true, loadDPF: true},
	LeastUsedDegradationDPF: {name: "LeastUsedDegradationDPF", layout: []field{fLoad, fLoadDegradation, fLoadDPF, fDistance},
		kind: kindLeastUsed, adaptive: true, degrades: true, loadDPF: true},
	// No rsplib wire layout for the next two; see the package documentation.
	PriorityLeastUsedDPF: {name: "PriorityLeastUsedDPF", layout: []field{fLoad, fLoadDegradation, fLoadDPF, fDistance},
		kind: kindLeastUsed, adaptive: true, increment: true, loadDPF: true},
	PriorityLeastUsedDegradationDPF: {name: "PriorityLeastUsedDegradationDPF", layout: []field{fLoad, fLoadDegradation, fLoadDPF, fDistance},
		kind: kindLeastUsed, adaptive: true, increment: true, degrades: true, loadDPF: true},
}

// ValueCount returns how many 32-bit values follow the type in a Pool
// Member Selection Policy parameter of type t; ok is false for Undefined
// and unknown types.
func ValueCount(t uint32) (n int, ok bool) {
	s, ok := specs[t]
	return len(s.layout), ok
}
