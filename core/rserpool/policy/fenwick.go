package policy

import "math/bits"

// fenwick is a Fenwick (binary indexed) tree of non-negative weights over
// slots 0..n-1: set, append, drop-last and "which slot holds the r-th unit
// of weight" all cost O(log n). Arithmetic wraps modulo 2^64, which is exact
// as long as the total fits (it does: at most 2^32 slots of < 2^33).
type fenwick struct {
	t     []uint64 // 1-based tree; t[0] unused
	v     []uint64 // the weight of each slot
	total uint64
}

func (f *fenwick) len() int { return len(f.v) }

// weight returns the weight of slot i.
func (f *fenwick) weight(i int) uint64 { return f.v[i] }

// prefix returns the sum of the weights of slots 0..n-1.
func (f *fenwick) prefix(n int) uint64 {
	var s uint64
	for j := n; j > 0; j -= j & -j {
		s += f.t[j]
	}
	return s
}

// push appends a slot of weight w.
func (f *fenwick) push(w uint64) {
	if len(f.t) == 0 {
		f.t = append(f.t, 0)
	}
	j := len(f.v) + 1
	// t[j] covers slots (j − lowbit(j), j] (1-based).
	f.t = append(f.t, w+f.prefix(j-1)-f.prefix(j-(j&-j)))
	f.v = append(f.v, w)
	f.total += w
}

// pop removes the last slot. No other node covers it.
func (f *fenwick) pop() {
	n := len(f.v)
	f.total -= f.v[n-1]
	f.v = f.v[:n-1]
	f.t = f.t[:n]
}

// set changes the weight of slot i to w.
func (f *fenwick) set(i int, w uint64) {
	d := w - f.v[i]
	if d == 0 {
		return
	}
	f.v[i] = w
	f.total += d
	for j := i + 1; j < len(f.t); j += j & -j {
		f.t[j] += d
	}
}

// find returns the slot holding unit r of the total weight (r < total):
// the smallest i with prefix(i+1) > r. Slots of weight 0 are never found.
func (f *fenwick) find(r uint64) int {
	n := len(f.v)
	if n == 0 {
		return 0
	}
	pos := 0
	for step := 1 << (bits.Len(uint(n)) - 1); step > 0; step >>= 1 {
		if next := pos + step; next <= n && f.t[next] <= r {
			pos = next
			r -= f.t[next]
		}
	}
	return pos
}
