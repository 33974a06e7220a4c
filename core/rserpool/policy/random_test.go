package policy

import (
	"slices"
	"testing"
)

// Statistical tests: 100,000 draws with a fixed seed. The standard error of
// a share p is sqrt(p(1-p)/100000) ≤ 0.0016, so ±1 % absolute is over six
// standard errors: a correct implementation passes for any seed, a wrong
// weighting of even a few percent fails.
const draws = 100_000

func TestRandomUniform(t *testing.T) {
	s := newSel(t, Random, 0, 11)
	for id := uint32(1); id <= 4; id++ {
		mustAdd(t, s, id, Info{})
	}
	want := map[uint32]float64{1: .25, 2: .25, 3: .25, 4: .25}
	within(t, shares(s, draws, 1, 0), want, .01)
	within(t, shares(s, draws, 3, 2), want, .01) // the third of three, too

	// A small share of a larger pool (redrawing repeats).
	l := newSel(t, Random, 0, 11)
	want = map[uint32]float64{}
	for id := uint32(1); id <= 10; id++ {
		mustAdd(t, l, id, Info{})
		want[id] = .1
	}
	within(t, shares(l, draws, 3, 0), want, .01)
	within(t, shares(l, draws, 3, 2), want, .01)
}

func TestWeightedRandomShares(t *testing.T) {
	s := newSel(t, WeightedRandom, 0, 12)
	for id := uint32(1); id <= 4; id++ {
		mustAdd(t, s, id, Info{Weight: id})
	}
	within(t, shares(s, draws, 1, 0), map[uint32]float64{1: .1, 2: .2, 3: .3, 4: .4}, .01)

	// Without replacement: the second element is drawn from the rest,
	// P(second = j) = Σ_{i≠j} w_i/10 · w_j/(10 − w_i).
	want := map[uint32]float64{}
	for j := 1.0; j <= 4; j++ {
		for i := 1.0; i <= 4; i++ {
			if i != j {
				want[uint32(j)] += i / 10 * j / (10 - i)
			}
		}
	}
	within(t, shares(s, draws, 2, 1), want, .01)
}

func TestWeightedRandomZeroWeight(t *testing.T) {
	s := newSel(t, WeightedRandom, 0, 13)
	mustAdd(t, s, 1, Info{Weight: 1})
	mustAdd(t, s, 2, Info{Weight: 0})
	mustAdd(t, s, 3, Info{Weight: 5})
	for range 1000 {
		got := s.Select(3, nil)
		if len(got) != 2 || slices.Contains(got, 2) {
			t.Fatalf("weight 0 drawn: %v", got)
		}
	}
	z := newSel(t, WeightedRandom, 0, 13)
	mustAdd(t, z, 1, Info{})
	if got := z.Select(1, nil); len(got) != 0 {
		t.Fatalf("all weights 0: %v", got)
	}
	mustUpdate(t, z, 1, Info{Weight: 2})
	if got := z.Select(1, nil); !slices.Equal(got, []uint32{1}) {
		t.Fatalf("after update: %v", got)
	}
}

func TestWeightedRandomDPFShares(t *testing.T) {
	onePctPerMs := uint32(MaxWeightDPF / 100)
	s := newSel(t, WeightedRandomDPF, 0, 14)
	mustAdd(t, s, 1, Info{Weight: 1000, WeightDPF: onePctPerMs, Distance: 0})  // 1000
	mustAdd(t, s, 2, Info{Weight: 1000, WeightDPF: onePctPerMs, Distance: 50}) // 500
	within(t, shares(s, draws, 1, 0), map[uint32]float64{1: 2. / 3, 2: 1. / 3}, .01)

	// 20 ms away keeps 80 %: 1000 : 800.
	mustUpdate(t, s, 2, Info{Weight: 1000, WeightDPF: onePctPerMs, Distance: 20})
	within(t, shares(s, draws, 1, 0), map[uint32]float64{1: 1000. / 1800, 2: 800. / 1800}, .01)

	// Same distance: the weights alone count.
	mustUpdate(t, s, 1, Info{Weight: 1000, WeightDPF: onePctPerMs, Distance: 20})
	within(t, shares(s, draws, 1, 0), map[uint32]float64{1: .5, 2: .5}, .01)
}

func TestRandomizedLeastUsedShares(t *testing.T) {
	s := newSel(t, RandomizedLeastUsed, 0, 15)
	mustAdd(t, s, 1, Info{Load: 0})
	mustAdd(t, s, 2, Info{Load: MaxLoad / 2})
	// Weights MaxLoad − load: 2 : 1.
	within(t, shares(s, draws, 1, 0), map[uint32]float64{1: 2. / 3, 2: 1. / 3}, .01)

	// Fully loaded: weight 1 of 2^32 — possible but practically never.
	mustUpdate(t, s, 2, Info{Load: MaxLoad})
	within(t, shares(s, draws, 1, 0), map[uint32]float64{1: 1}, .0001)
	if got := s.Select(2, nil); len(got) != 2 {
		t.Fatalf("a fully loaded element still belongs to the pool: %v", got)
	}
}

func TestRandomizedPriorityLeastUsedShares(t *testing.T) {
	s := newSel(t, RandomizedPriorityLeastUsed, 0, 16)
	mustAdd(t, s, 1, Info{Load: 0, LoadDegradation: 50 * u}) // weight 50 %
	mustAdd(t, s, 2, Info{Load: 25 * u})                     // weight 75 %
	within(t, shares(s, draws, 1, 0), map[uint32]float64{1: .4, 2: .6}, .01)
	if st, _ := s.State(1); st.Degradation != 0 {
		t.Fatalf("RandomizedPriorityLeastUsed must not accumulate: %+v", st)
	}
}

func TestRandomizedLeastUsedDegradation(t *testing.T) {
	for _, typ := range []uint32{RandomizedLeastUsedDegradation, RandomizedPriorityLeastUsedDegradation} {
		s := newSel(t, typ, 0, 17)
		mustAdd(t, s, 1, Info{LoadDegradation: MaxLoad})
		mustAdd(t, s, 2, Info{LoadDegradation: MaxLoad})
		// The first draw degrades its element to 100 %: the next draw is
		// (practically) the other one.
		a := s.Select(1, nil)[0]
		st, _ := s.State(a)
		if st.Degradation != MaxLoad {
			t.Fatalf("%s: degradation %+v", Name(typ), st)
		}
		if b := s.Select(1, nil)[0]; b == a {
			t.Fatalf("%s: degraded element drawn again", Name(typ))
		}
		// Re-registration resets.
		mustUpdate(t, s, 1, Info{LoadDegradation: MaxLoad})
		if st, _ := s.State(1); st.Degradation != 0 {
			t.Fatalf("%s: not reset: %+v", Name(typ), st)
		}
	}
}

func TestRandomizedLeastUsedDegradationShares(t *testing.T) {
	// Two idle elements, 1 % degradation, re-registering every 10
	// resolutions: over time each gets half.
	s := newSel(t, RandomizedLeastUsedDegradation, 0, 18)
	mustAdd(t, s, 1, Info{LoadDegradation: u})
	mustAdd(t, s, 2, Info{LoadDegradation: u})
	c := map[uint32]float64{}
	for i := range draws {
		c[s.Select(1, nil)[0]]++
		if i%10 == 9 {
			mustUpdate(t, s, 1, Info{LoadDegradation: u})
			mustUpdate(t, s, 2, Info{LoadDegradation: u})
		}
	}
	for id := range c {
		c[id] /= draws
	}
	within(t, c, map[uint32]float64{1: .5, 2: .5}, .01)
}
