package policy

import (
	"math/rand/v2"
	"testing"
)

func TestFenwickAgainstNaive(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	var f fenwick
	var naive []uint64
	check := func() {
		t.Helper()
		var sum uint64
		for i, w := range naive {
			if f.prefix(i) != sum {
				t.Fatalf("prefix(%d) = %d, want %d", i, f.prefix(i), sum)
			}
			if w > 0 {
				// The first and the last unit of slot i's weight.
				if got := f.find(sum); got != i {
					t.Fatalf("find(%d) = %d, want %d", sum, got, i)
				}
				if got := f.find(sum + w - 1); got != i {
					t.Fatalf("find(%d) = %d, want %d", sum+w-1, got, i)
				}
			}
			sum += w
		}
		if f.total != sum || f.len() != len(naive) {
			t.Fatalf("total %d len %d, want %d %d", f.total, f.len(), sum, len(naive))
		}
	}
	for range 3000 {
		switch op := rng.IntN(10); {
		case op < 5 || len(naive) == 0:
			w := rng.Uint64N(5) * rng.Uint64N(1<<32)
			f.push(w)
			naive = append(naive, w)
		case op < 8:
			i := rng.IntN(len(naive))
			w := rng.Uint64N(1 << 32)
			if rng.IntN(3) == 0 {
				w = 0
			}
			f.set(i, w)
			naive[i] = w
		default:
			f.pop()
			naive = naive[:len(naive)-1]
		}
		check()
	}
}
