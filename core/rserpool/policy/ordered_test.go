package policy

import (
	"slices"
	"testing"

	"netcompat/core/rserpool/wire"
)

// u is exactly 1 % of MaxLoad in integer units (rounded down), so the tests
// can do exact arithmetic in percent.
const u = MaxLoad / 100

func TestRoundRobinAdvancesByOne(t *testing.T) {
	s := newSel(t, RoundRobin, 0, 1)
	for id := uint32(1); id <= 5; id++ {
		mustAdd(t, s, id, Info{})
	}
	want := [][]uint32{{1, 2, 3}, {2, 3, 4}, {3, 4, 5}, {4, 5, 1}, {5, 1, 2}, {1, 2, 3}}
	if got := selectSeq(s, len(want), 3); !slices.EqualFunc(got, want, slices.Equal) {
		t.Fatalf("got %v, want %v", got, want)
	}
	// A new element joins at the tail: order is now 2 3 4 5 1, then 6.
	mustAdd(t, s, 6, Info{})
	if got := s.Select(6, nil); !slices.Equal(got, []uint32{2, 3, 4, 5, 1, 6}) {
		t.Fatalf("after add: %v", got)
	}
}

func TestRoundRobinMaxIncrement(t *testing.T) {
	s := newSel(t, RoundRobin, 3, 1)
	for id := uint32(1); id <= 5; id++ {
		mustAdd(t, s, id, Info{})
	}
	want := [][]uint32{{1, 2, 3}, {4, 5, 1}, {2, 3, 4}, {5, 1, 2}}
	if got := selectSeq(s, len(want), 3); !slices.EqualFunc(got, want, slices.Equal) {
		t.Fatalf("got %v, want %v", got, want)
	}
}

func TestRoundRobinFairShares(t *testing.T) {
	s := newSel(t, RoundRobin, 0, 1)
	for id := uint32(1); id <= 7; id++ {
		mustAdd(t, s, id, Info{})
	}
	counts := map[uint32]int{}
	for _, f := range firsts(selectSeq(s, 700, 3)) {
		counts[f]++
	}
	for id := uint32(1); id <= 7; id++ {
		if counts[id] != 100 {
			t.Errorf("id %d first %d times, want 100", id, counts[id])
		}
	}
}

func TestWeightedRoundRobinRounds(t *testing.T) {
	for _, n := range []int{1, 3} {
		s := newSel(t, WeightedRoundRobin, 0, 1)
		for id := uint32(1); id <= 4; id++ {
			mustAdd(t, s, id, Info{Weight: id})
		}
		f := firsts(selectSeq(s, 1000, n))
		// rsplib's order within a round: fewest uses left first.
		if want := []uint32{1, 2, 2, 3, 3, 3, 4, 4, 4, 4}; !slices.Equal(f[:10], want) {
			t.Fatalf("n=%d: first round %v, want %v", n, f[:10], want)
		}
		// Every round (10 resolutions) serves each element weight times.
		for r := 0; r < 100; r++ {
			c := map[uint32]int{}
			for _, id := range f[r*10 : r*10+10] {
				c[id]++
			}
			for id := uint32(1); id <= 4; id++ {
				if c[id] != int(id) {
					t.Fatalf("n=%d round %d: %v", n, r, c)
				}
			}
		}
	}
}

func TestWeightedRoundRobinJoinAndUpdate(t *testing.T) {
	s := newSel(t, WeightedRoundRobin, 0, 1)
	mustAdd(t, s, 1, Info{Weight: 3})
	mustAdd(t, s, 2, Info{Weight: 3})
	// Round 0: 1 1 1 2 2 2. Use two of element 1's turns.
	if got := firsts(selectSeq(s, 2, 1)); !slices.Equal(got, []uint32{1, 1}) {
		t.Fatal(got)
	}
	// Lowering the weight cuts the uses left; a newcomer joins round 0.
	mustUpdate(t, s, 2, Info{Weight: 1})
	mustAdd(t, s, 3, Info{Weight: 2})
	if st, _ := s.State(2); st.UsesLeft != 1 || st.Round != 0 {
		t.Fatalf("state of 2: %+v", st)
	}
	got := firsts(selectSeq(s, 4, 1))
	// The rest of round 0: 2 (1 use left, oldest), 1 (1 left), 3 (2 left).
	want := []uint32{2, 1, 3, 3}
	if !slices.Equal(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	// Round 1: 2 (1 use), 3 (2 uses), 1 (3 uses).
	if got := firsts(selectSeq(s, 6, 1)); !slices.Equal(got, []uint32{2, 3, 3, 1, 1, 1}) {
		t.Fatalf("round 1: %v", got)
	}
	// Weight 0 counts as 1.
	w := newSel(t, WeightedRoundRobin, 0, 1)
	mustAdd(t, w, 1, Info{Weight: 0})
	mustAdd(t, w, 2, Info{Weight: 2})
	if got := firsts(selectSeq(w, 6, 1)); !slices.Equal(got, []uint32{1, 2, 2, 1, 2, 2}) {
		t.Fatalf("weight 0: %v", got)
	}
}

func TestPriority(t *testing.T) {
	s := newSel(t, Priority, 0, 1)
	mustAdd(t, s, 1, Info{Weight: 5})
	mustAdd(t, s, 2, Info{Weight: 5})
	mustAdd(t, s, 3, Info{Weight: 9})
	mustAdd(t, s, 4, Info{Weight: 1})
	for range 5 {
		if got := s.Select(4, nil); !slices.Equal(got, []uint32{3, 1, 2, 4}) {
			t.Fatalf("got %v", got)
		}
	}
	// Without the top element, the two of priority 5 take turns.
	s.Remove(3)
	want := [][]uint32{{1, 2}, {2, 1}, {1, 2}, {2, 1}}
	if got := selectSeq(s, 4, 2); !slices.EqualFunc(got, want, slices.Equal) {
		t.Fatalf("ties: %v, want %v", got, want)
	}
	// The extreme priorities order correctly.
	mustAdd(t, s, 5, Info{Weight: MaxWeight})
	mustAdd(t, s, 6, Info{Weight: 0})
	if got := s.Select(5, nil); got[0] != 5 || got[4] != 6 {
		t.Fatalf("extremes: %v", got)
	}
}

func TestLeastUsed(t *testing.T) {
	s := newSel(t, LeastUsed, 0, 1)
	mustAdd(t, s, 1, Info{Load: 30 * u})
	mustAdd(t, s, 2, Info{Load: 10 * u})
	mustAdd(t, s, 3, Info{Load: 20 * u})
	for range 3 {
		if got := s.Select(3, nil); !slices.Equal(got, []uint32{2, 3, 1}) {
			t.Fatalf("got %v", got)
		}
	}
	// A new load (re-registration) reorders.
	mustUpdate(t, s, 1, Info{Load: 5 * u})
	if got := s.Select(1, nil); !slices.Equal(got, []uint32{1}) {
		t.Fatalf("after update %v", got)
	}
	if st, _ := s.State(1); st.Degradation != 0 {
		t.Fatalf("LeastUsed must not degrade: %+v", st)
	}
}

func TestLeastUsedTiesRoundRobin(t *testing.T) {
	s := newSel(t, LeastUsed, 0, 1)
	for id := uint32(1); id <= 3; id++ {
		mustAdd(t, s, id, Info{Load: 10 * u})
	}
	mustAdd(t, s, 4, Info{Load: 11 * u})
	if got := firsts(selectSeq(s, 6, 2)); !slices.Equal(got, []uint32{1, 2, 3, 1, 2, 3}) {
		t.Fatalf("got %v", got)
	}
}

func TestLeastUsedDegradation(t *testing.T) {
	s := newSel(t, LeastUsedDegradation, 0, 1)
	mustAdd(t, s, 1, Info{Load: 10 * u, LoadDegradation: 2 * u})
	mustAdd(t, s, 2, Info{Load: 13 * u, LoadDegradation: 2 * u})
	// 1: 10→12→14, 2: 13→15, 1: 14→16, 2: 15→17, 1: 16→18.
	want := []uint32{1, 1, 2, 1, 2, 1}
	if got := firsts(selectSeq(s, len(want), 2)); !slices.Equal(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	if st, _ := s.State(1); st.Degradation != 8*u {
		t.Fatalf("degradation of 1: %d, want %d", st.Degradation, 8*u)
	}
	// Re-registration resets: 1 is back at 10 %.
	mustUpdate(t, s, 1, Info{Load: 10 * u, LoadDegradation: 2 * u})
	if st, _ := s.State(1); st.Degradation != 0 {
		t.Fatalf("not reset: %+v", st)
	}
	if got := firsts(selectSeq(s, 2, 1)); !slices.Equal(got, []uint32{1, 1}) {
		t.Fatalf("after reset %v", got)
	}
}

func TestLeastUsedDegradationRotatesEqualLoads(t *testing.T) {
	s := newSel(t, LeastUsedDegradation, 0, 1)
	for id := uint32(1); id <= 4; id++ {
		mustAdd(t, s, id, Info{Load: 20 * u, LoadDegradation: 1 * u})
	}
	if got := firsts(selectSeq(s, 8, 3)); !slices.Equal(got, []uint32{1, 2, 3, 4, 1, 2, 3, 4}) {
		t.Fatalf("got %v", got)
	}
	for id := uint32(1); id <= 4; id++ {
		if st, _ := s.State(id); st.Degradation != 2*u || st.Selections != 6 {
			t.Fatalf("id %d: %+v", id, st)
		}
	}
	// A lower load soaks up selections until its degradation catches up.
	mustUpdate(t, s, 3, Info{Load: 17 * u, LoadDegradation: 1 * u})
	// Loads now 22, 22, 17, 22: 3 wins at 17, 18, 19, 20 and 21, then at
	// 22 it ties and queues behind 1, 2, 4 (in the order they were last
	// used).
	if got := firsts(selectSeq(s, 9, 1)); !slices.Equal(got, []uint32{3, 3, 3, 3, 3, 1, 2, 4, 3}) {
		t.Fatalf("got %v", got)
	}
}

func TestDegradationMaxIncrement(t *testing.T) {
	s := newSel(t, LeastUsedDegradation, 3, 1)
	for id := uint32(1); id <= 4; id++ {
		mustAdd(t, s, id, Info{Load: 20 * u, LoadDegradation: 1 * u})
	}
	s.Select(3, nil)
	for id := uint32(1); id <= 4; id++ {
		want := uint64(1 * u)
		if id == 4 {
			want = 0
		}
		if st, _ := s.State(id); st.Degradation != want {
			t.Fatalf("id %d: %+v, want degradation %d", id, st, want)
		}
	}
	if got := s.Select(1, nil); !slices.Equal(got, []uint32{4}) {
		t.Fatalf("got %v", got)
	}
}

func TestPriorityLeastUsed(t *testing.T) {
	s := newSel(t, PriorityLeastUsed, 0, 1)
	// 10 % + 50 % increment = 60 %; 30 % + 5 % = 35 %.
	mustAdd(t, s, 1, Info{Load: 10 * u, LoadDegradation: 50 * u})
	mustAdd(t, s, 2, Info{Load: 30 * u, LoadDegradation: 5 * u})
	for range 5 {
		if got := s.Select(2, nil); !slices.Equal(got, []uint32{2, 1}) {
			t.Fatalf("got %v", got)
		}
	}
	if st, _ := s.State(2); st.Degradation != 0 {
		t.Fatalf("PriorityLeastUsed must not accumulate: %+v", st)
	}
}

func TestPriorityLeastUsedDegradation(t *testing.T) {
	s := newSel(t, PriorityLeastUsedDegradation, 0, 1)
	mustAdd(t, s, 1, Info{Load: 10 * u, LoadDegradation: 10 * u}) // 20, +10 per use
	mustAdd(t, s, 2, Info{Load: 25 * u, LoadDegradation: 2 * u})  // 27, +2 per use
	want := []uint32{1, 2, 2, 1, 2, 2, 2, 2, 2, 1}
	if got := firsts(selectSeq(s, len(want), 2)); !slices.Equal(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
}

func TestLeastUsedDPFPrefersNear(t *testing.T) {
	ldpf := uint32(u / 10) // 0.1 % per ms
	s := newSel(t, LeastUsedDPF, 0, 1)
	mustAdd(t, s, 1, Info{Load: 20 * u, LoadDPF: ldpf, Distance: 50}) // far: 25 %
	mustAdd(t, s, 2, Info{Load: 20 * u, LoadDPF: ldpf, Distance: 5})  // near: 20.5 %
	for range 4 {
		if got := s.Select(2, nil); !slices.Equal(got, []uint32{2, 1}) {
			t.Fatalf("equal load: %v", got)
		}
	}
	// The near one busier by more than the penalty difference (4.5 %) loses.
	mustUpdate(t, s, 2, Info{Load: 25 * u, LoadDPF: ldpf, Distance: 5}) // 25.5 %
	if got := s.Select(2, nil); !slices.Equal(got, []uint32{1, 2}) {
		t.Fatalf("busier near: %v", got)
	}
	mustUpdate(t, s, 2, Info{Load: 24 * u, LoadDPF: ldpf, Distance: 5}) // 24.5 %
	if got := s.Select(2, nil); !slices.Equal(got, []uint32{2, 1}) {
		t.Fatalf("slightly busier near: %v", got)
	}
}

func TestLeastUsedDegradationDPF(t *testing.T) {
	ldpf := uint32(u / 10)
	s := newSel(t, LeastUsedDegradationDPF, 0, 1)
	mustAdd(t, s, 1, Info{Load: 10 * u, LoadDegradation: u, LoadDPF: ldpf, Distance: 20}) // 12 %
	mustAdd(t, s, 2, Info{Load: 10 * u, LoadDegradation: u, LoadDPF: ldpf, Distance: 0})  // 10 %
	c := map[uint32]int{}
	f := firsts(selectSeq(s, 100, 2))
	for _, id := range f {
		c[id]++
	}
	if !slices.Equal(f[:2], []uint32{2, 2}) {
		t.Fatalf("the near one must win until its degradation covers the distance: %v", f[:4])
	}
	// The near one gets the 2 % head start, then they alternate.
	if d := c[2] - c[1]; d < 1 || d > 3 {
		t.Fatalf("counts %v", c)
	}
}

func TestPriorityLeastUsedDPFWire(t *testing.T) {
	ldpf := uint32(u / 10)
	s := newSel(t, PriorityLeastUsedDPF, 0, 1)
	far, err := FromWire(wire.Policy{Type: PriorityLeastUsedDPF, Values: []uint32{20 * u, 0, ldpf, 50}})
	if err != nil {
		t.Fatal(err)
	}
	near, err := FromWire(wire.Policy{Type: PriorityLeastUsedDPF, Values: []uint32{20 * u, 0, ldpf, 5}})
	if err != nil {
		t.Fatal(err)
	}
	mustAdd(t, s, 1, far)
	mustAdd(t, s, 2, near)
	if got := s.Select(2, nil); !slices.Equal(got, []uint32{2, 1}) {
		t.Fatalf("got %v", got)
	}
	// The increment (second value) counts as in PriorityLeastUsed.
	near.LoadDegradation = 10 * u // 30.5 % > 25 %
	mustUpdate(t, s, 2, near)
	if got := s.Select(2, nil); !slices.Equal(got, []uint32{1, 2}) {
		t.Fatalf("with increment: %v", got)
	}
}

func TestPriorityLeastUsedDegradationDPFWire(t *testing.T) {
	ldpf := uint32(u / 10)
	s := newSel(t, PriorityLeastUsedDegradationDPF, 0, 1)
	for id, dist := range map[uint32]uint32{1: 30, 2: 0} {
		i, err := FromWire(wire.Policy{Type: PriorityLeastUsedDegradationDPF, Values: []uint32{10 * u, u, ldpf, dist}})
		if err != nil {
			t.Fatal(err)
		}
		mustAdd(t, s, id, i)
	}
	// 1: 10 + 1 + 3 = 14 % (a hair less: ldpf is rounded down), 2: 10 + 1
	// = 11 %, each use +1 %: 2 goes at 11, 12 and 13, then they alternate.
	want := []uint32{2, 2, 2, 1, 2, 1, 2}
	if got := firsts(selectSeq(s, len(want), 2)); !slices.Equal(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
}
