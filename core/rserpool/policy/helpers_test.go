package policy

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

func newSel(t testing.TB, typ uint32, maxInc int, seed uint64) *Selector {
	t.Helper()
	s, err := NewSelector(typ, Options{Rand: rand.New(rand.NewPCG(seed, 0x5eed)), MaxIncrement: maxInc})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func mustAdd(t testing.TB, s *Selector, id uint32, i Info) {
	t.Helper()
	if i.Type == Undefined {
		i.Type = s.Type()
	}
	if err := s.Add(id, i); err != nil {
		t.Fatal(err)
	}
}

func mustUpdate(t testing.TB, s *Selector, id uint32, i Info) {
	t.Helper()
	if i.Type == Undefined {
		i.Type = s.Type()
	}
	if err := s.Update(id, i); err != nil {
		t.Fatal(err)
	}
}

// selectSeq runs count resolutions of n and returns their answers.
func selectSeq(s *Selector, count, n int) [][]uint32 {
	var out [][]uint32
	for range count {
		out = append(out, s.Select(n, nil))
	}
	return out
}

// firsts returns the first element of each answer.
func firsts(answers [][]uint32) []uint32 {
	var f []uint32
	for _, a := range answers {
		f = append(f, a[0])
	}
	return f
}

// shares counts how often each id is first in draws resolutions of n.
func shares(s *Selector, draws, n, pos int) map[uint32]float64 {
	c := map[uint32]float64{}
	var buf []uint32
	for range draws {
		buf = s.Select(n, buf[:0])
		c[buf[pos]]++
	}
	for id := range c {
		c[id] /= float64(draws)
	}
	return c
}

// within checks every share against want (id → fraction) ±tol absolute.
func within(t *testing.T, got, want map[uint32]float64, tol float64) {
	t.Helper()
	for id, w := range want {
		if math.Abs(got[id]-w) > tol {
			t.Errorf("id %d: share %.4f, want %.4f ± %.3f (all: %v)", id, got[id], w, tol, got)
		}
	}
	for id := range got {
		if _, ok := want[id]; !ok && got[id] > 0 {
			t.Errorf("id %d selected (%.4f), not expected", id, got[id])
		}
	}
}

func distinct(ids []uint32) bool {
	c := slices.Clone(ids)
	slices.Sort(c)
	return len(slices.Compact(c)) == len(ids)
}

// sampleInfo returns a valid Info of type typ (weights ≥ 1).
func sampleInfo(typ uint32, rng *rand.Rand) Info {
	return Info{
		Type:            typ,
		Weight:          uint32(1 + rng.IntN(100)),
		Load:            rng.Uint32(),
		LoadDegradation: rng.Uint32() >> 8,
		LoadDPF:         rng.Uint32() >> 12,
		WeightDPF:       rng.Uint32() >> 12,
		Distance:        uint32(rng.IntN(200)),
	}
}
