package policy

import "testing"

// pct returns p percent of MaxLoad.
func pct(p float64) uint32 { return uint32(p / 100 * MaxLoad) }

func TestEffectiveLoad(t *testing.T) {
	const l, d, dpf, dist = 1000, 200, 3, 50
	const c = 7000 // degradation counter
	tests := []struct {
		typ  uint32
		want uint64
	}{
		{LeastUsed, l},
		{LeastUsedDegradation, l + c},
		{PriorityLeastUsed, l + d},
		{RandomizedLeastUsed, l},
		{RandomizedPriorityLeastUsed, l + d},
		{RandomizedLeastUsedDegradation, l + c},
		{PriorityLeastUsedDegradation, l + d + c},
		{RandomizedPriorityLeastUsedDegradation, l + d + c},
		{LeastUsedDPF, l + dpf*dist},
		{LeastUsedDegradationDPF, l + c + dpf*dist},
		{PriorityLeastUsedDPF, l + d + dpf*dist},
		{PriorityLeastUsedDegradationDPF, l + d + c + dpf*dist},
		{RoundRobin, 0},
		{WeightedRandom, 0},
		{WeightedRandomDPF, 0},
	}
	for _, tc := range tests {
		i := Info{Type: tc.typ, Load: l, LoadDegradation: d, LoadDPF: dpf, Distance: dist, Weight: 99}
		if got := EffectiveLoad(i, c); got != tc.want {
			t.Errorf("%s: %d, want %d", Name(tc.typ), got, tc.want)
		}
	}
	// Not clamped at 100 %, saturating at 2^64-1.
	i := Info{Type: PriorityLeastUsedDegradationDPF, Load: MaxLoad, LoadDegradation: MaxLoad, LoadDPF: MaxLoadDPF, Distance: 0xffffffff}
	if got := EffectiveLoad(i, 0); got != 2*MaxLoad+uint64(MaxLoadDPF)*0xffffffff {
		t.Errorf("large: %d", got)
	}
	if got := EffectiveLoad(i, ^uint64(0)-5); got != ^uint64(0) {
		t.Errorf("saturation: %d", got)
	}
}

func TestEffectiveWeight(t *testing.T) {
	onePctPerMs := uint32(MaxWeightDPF / 100)
	tests := []struct {
		name string
		i    Info
		c    uint64
		want uint64
	}{
		{"random", Info{Type: Random}, 0, 1},
		{"wrand", Info{Type: WeightedRandom, Weight: 7}, 0, 7},
		{"wrand 0", Info{Type: WeightedRandom}, 0, 0},
		{"wrand-dpf near", Info{Type: WeightedRandomDPF, Weight: 1000, WeightDPF: onePctPerMs}, 0, 1000},
		{"wrand-dpf 20ms", Info{Type: WeightedRandomDPF, Weight: 1000, WeightDPF: onePctPerMs, Distance: 20}, 0, 800},
		{"wrand-dpf 50ms", Info{Type: WeightedRandomDPF, Weight: 1000, WeightDPF: onePctPerMs, Distance: 50}, 0, 500},
		{"wrand-dpf 100ms", Info{Type: WeightedRandomDPF, Weight: 1000, WeightDPF: onePctPerMs, Distance: 100}, 0, 1},
		{"wrand-dpf far", Info{Type: WeightedRandomDPF, Weight: 1000, WeightDPF: MaxWeightDPF, Distance: 0xffffffff}, 0, 1},
		{"wrand-dpf max", Info{Type: WeightedRandomDPF, Weight: MaxWeight, WeightDPF: 1, Distance: 1}, 0, MaxWeight - 1},
		{"wrand-dpf 0", Info{Type: WeightedRandomDPF, WeightDPF: onePctPerMs, Distance: 20}, 0, 0},
		{"rlu idle", Info{Type: RandomizedLeastUsed}, 0, MaxLoad},
		{"rlu half", Info{Type: RandomizedLeastUsed, Load: MaxLoad / 2}, 0, MaxLoad - MaxLoad/2},
		{"rlu full", Info{Type: RandomizedLeastUsed, Load: MaxLoad}, 0, 1},
		{"rlud", Info{Type: RandomizedLeastUsedDegradation, Load: 10, LoadDegradation: 5}, 100, MaxLoad - 110},
		{"rlud over", Info{Type: RandomizedLeastUsedDegradation, Load: MaxLoad - 5}, 100, 1},
		{"rplu", Info{Type: RandomizedPriorityLeastUsed, Load: 10, LoadDegradation: 5}, 100, MaxLoad - 15},
		{"rplud", Info{Type: RandomizedPriorityLeastUsedDegradation, Load: 10, LoadDegradation: 5}, 100, MaxLoad - 115},
		{"lu", Info{Type: LeastUsed, Load: 10}, 0, 0},
		{"rr", Info{Type: RoundRobin}, 0, 0},
	}
	for _, tc := range tests {
		if got := EffectiveWeight(tc.i, tc.c); got != tc.want {
			t.Errorf("%s: %d, want %d", tc.name, got, tc.want)
		}
	}
}
