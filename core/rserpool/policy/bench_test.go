package policy

import (
	"math/rand/v2"
	"testing"
)

const benchPool = 100_000

func benchSelector(b *testing.B, typ uint32) *Selector {
	s := newSel(b, typ, 0, 1)
	rng := rand.New(rand.NewPCG(1, 1))
	for id := range uint32(benchPool) {
		mustAdd(b, s, id, sampleInfo(typ, rng))
	}
	return s
}

// BenchmarkSelect3of100k: one handle resolution of 3 elements (rsplib's
// default -maxhresitems) from a pool of 100,000, for every policy.
func BenchmarkSelect3of100k(b *testing.B) {
	for _, typ := range Types {
		b.Run(Name(typ), func(b *testing.B) {
			s := benchSelector(b, typ)
			buf := make([]uint32, 0, 3)
			b.ReportAllocs()
			for b.Loop() {
				buf = s.Select(3, buf[:0])
			}
		})
	}
}

// BenchmarkUpdate100k: a re-registration with a new load in a pool of
// 100,000 (the other per-element cost a registrar pays).
func BenchmarkUpdate100k(b *testing.B) {
	for _, typ := range []uint32{LeastUsed, RandomizedLeastUsed} {
		b.Run(Name(typ), func(b *testing.B) {
			s := benchSelector(b, typ)
			rng := rand.New(rand.NewPCG(2, 2))
			b.ReportAllocs()
			for b.Loop() {
				id := uint32(rng.IntN(benchPool))
				if err := s.Update(id, Info{Type: typ, Load: rng.Uint32()}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
