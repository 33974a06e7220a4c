package policy

import "math/bits"

// EffectiveLoad is the value a LeastUsed-family policy orders (the
// ordered ones) or weighs (the Randomized ones) an element by:
//
//	load + increment + counter + loadDPF × distance
//
// where increment is LoadDegradation for the PriorityLeastUsed policies,
// counter the element's degradation counter (Degradation policies; pass 0
// otherwise), and the distance term only for the DPF policies. The sum is
// exact, saturating at the largest uint64; it is not clamped at MaxLoad.
// For other types it is 0.
func EffectiveLoad(i Info, counter uint64) uint64 {
	s := specs[i.Type]
	if !s.leastUsedFamily() {
		return 0
	}
	v := uint64(i.Load)
	if s.increment {
		v += uint64(i.LoadDegradation)
	}
	if s.degrades {
		v = addSat(v, counter)
	}
	if s.loadDPF {
		// Both factors are below 2^32, so the product fits.
		v = addSat(v, uint64(i.LoadDPF)*uint64(i.Distance))
	}
	return v
}

// EffectiveWeight is the weight a random policy draws an element with,
// proportionally among the elements not yet drawn:
//
//	Random                   1
//	WeightedRandom           weight
//	WeightedRandomDPF        weight − round(weight × distance × weightDPF / MaxWeightDPF), at least 1
//	Randomized LeastUsed     MaxLoad − EffectiveLoad(i, counter), at least 1
//
// A weight of 0 (WeightedRandom, WeightedRandomDPF) stays 0: never drawn.
// For the other types it is 0.
func EffectiveWeight(i Info, counter uint64) uint64 {
	s := specs[i.Type]
	switch s.kind {
	case kindRandom:
		return 1
	case kindWeightedRandom:
		w := uint64(i.Weight)
		if !s.weightDPF || w == 0 {
			return w
		}
		f := uint64(i.Distance) * uint64(i.WeightDPF) // < 2^64
		if f >= MaxWeightDPF {
			return 1
		}
		// w·f < 2^64 − 3·2^32, so adding half the divisor cannot overflow.
		penalty := (w*f + MaxWeightDPF/2) / MaxWeightDPF
		if penalty >= w {
			return 1
		}
		return w - penalty
	case kindRandomizedLeastUsed:
		l := EffectiveLoad(i, counter)
		if l >= MaxLoad {
			return 1
		}
		return MaxLoad - l
	}
	return 0
}

func addSat(a, b uint64) uint64 {
	s, carry := bits.Add64(a, b, 0)
	if carry != 0 {
		return ^uint64(0)
	}
	return s
}
