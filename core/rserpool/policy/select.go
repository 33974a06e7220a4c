package policy

import "slices"

// selectOrdered returns the n elements with the smallest keys, then
// advances the first MaxIncrement of them (in order, so they keep their
// order behind their equals).
func (s *Selector) selectOrdered(n int, dst []uint32) []uint32 {
	picked := s.heap.smallest(n, s.picked[:0])
	for _, idx := range picked {
		s.m[idx].selections++
		dst = append(dst, s.m[idx].id)
	}
	for _, idx := range picked[:min(len(picked), s.maxInc)] {
		s.advance(&s.m[idx])
		s.reindex(idx)
	}
	s.picked = picked[:0]
	return dst
}

// selectUniform draws n elements uniformly without replacement. For a
// small share of the pool it redraws on repeats (expected fewer than 2n
// draws, no writes); otherwise it runs a partial Fisher-Yates shuffle over
// a scratch array of indices.
func (s *Selector) selectUniform(n int, dst []uint32) []uint32 {
	picked := s.picked[:0]
	if size := len(s.m); 2*n <= size && n <= 64 {
		for len(picked) < n {
			idx := int32(s.rng.IntN(size))
			if !slices.Contains(picked, idx) {
				picked = append(picked, idx)
			}
		}
	} else {
		for i := range size {
			picked = append(picked, int32(i))
		}
		for i := range n {
			j := i + s.rng.IntN(size-i)
			picked[i], picked[j] = picked[j], picked[i]
		}
		picked = picked[:n]
	}
	for i, idx := range picked {
		m := &s.m[idx]
		m.selections++
		if i < s.maxInc {
			s.advance(m)
		}
		dst = append(dst, m.id)
	}
	s.picked = picked[:0]
	return dst
}

// selectWeighted draws n elements without replacement, each draw with
// probability proportional to EffectiveWeight among those not yet drawn:
// a drawn element's weight is zeroed for the rest of the resolution, then
// restored (after its state advanced, if it did).
func (s *Selector) selectWeighted(n int, dst []uint32) []uint32 {
	picked := s.picked[:0]
	for range n {
		if s.fw.total == 0 {
			break
		}
		idx := int32(s.fw.find(s.rng.Uint64N(s.fw.total)))
		s.fw.set(int(idx), 0)
		picked = append(picked, idx)
	}
	for i, idx := range picked {
		m := &s.m[idx]
		m.selections++
		if i < s.maxInc {
			s.advance(m)
		}
		s.fw.set(int(idx), EffectiveWeight(m.info, m.counter))
		dst = append(dst, m.id)
	}
	s.picked = picked[:0]
	return dst
}
