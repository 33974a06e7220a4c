package policy

import (
	"errors"
	"math/rand/v2"
	"slices"
	"testing"
)

func TestNewSelectorUnknownType(t *testing.T) {
	for _, c := range []uint32{Undefined, 0x1234} {
		if _, err := NewSelector(c, Options{}); !errors.Is(err, ErrUnknownType) {
			t.Errorf("0x%x: %v", c, err)
		}
	}
	s, err := NewSelector(Random, Options{}) // default random source
	if err != nil || len(s.Select(1, nil)) != 0 {
		t.Fatal(err)
	}
	mustAdd(t, s, 1, Info{})
	if got := s.Select(1, nil); !slices.Equal(got, []uint32{1}) {
		t.Fatal(got)
	}
}

func TestEmptyPool(t *testing.T) {
	for _, typ := range Types {
		s := newSel(t, typ, 0, 1)
		if got := s.Select(3, nil); len(got) != 0 {
			t.Errorf("%s: empty pool answered %v", Name(typ), got)
		}
		mustAdd(t, s, 9, Info{Weight: 1})
		if !s.Remove(9) || s.Len() != 0 {
			t.Fatalf("%s: remove", Name(typ))
		}
		if got := s.Select(3, []uint32{}); len(got) != 0 {
			t.Errorf("%s: emptied pool answered %v", Name(typ), got)
		}
	}
}

func TestWholePoolWithoutDuplicates(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	for _, typ := range Types {
		s := newSel(t, typ, 0, 2)
		for id := uint32(100); id < 110; id++ {
			mustAdd(t, s, id, sampleInfo(typ, rng))
		}
		for round := range 50 {
			n := 10 + round%3*20 // 10, 30, 50
			got := s.Select(n, nil)
			if len(got) != 10 || !distinct(got) {
				t.Fatalf("%s: Select(%d) = %v", Name(typ), n, got)
			}
			for _, id := range got {
				if id < 100 || id >= 110 {
					t.Fatalf("%s: foreign id %d", Name(typ), id)
				}
			}
			// And a partial answer is distinct too.
			if got := s.Select(7, nil); len(got) != 7 || !distinct(got) {
				t.Fatalf("%s: Select(7) = %v", Name(typ), got)
			}
		}
		if got := s.Select(0, nil); len(got) != 0 {
			t.Errorf("%s: Select(0) = %v", Name(typ), got)
		}
		if got := s.Select(-1, nil); len(got) != 0 {
			t.Errorf("%s: Select(-1) = %v", Name(typ), got)
		}
	}
}

func TestMembershipErrors(t *testing.T) {
	s := newSel(t, LeastUsed, 0, 1)
	if err := s.Add(1, Info{Type: LeastUsedDegradation}); !errors.Is(err, ErrIncompatible) {
		t.Errorf("incompatible add: %v", err)
	}
	if err := s.Add(1, Info{}); !errors.Is(err, ErrIncompatible) {
		t.Errorf("undefined add: %v", err)
	}
	mustAdd(t, s, 1, Info{Load: 5})
	if err := s.Add(1, Info{Type: LeastUsed}); !errors.Is(err, ErrDuplicateID) {
		t.Errorf("duplicate: %v", err)
	}
	if err := s.Update(2, Info{Type: LeastUsed}); !errors.Is(err, ErrNotMember) {
		t.Errorf("update unknown: %v", err)
	}
	if err := s.Update(1, Info{Type: RoundRobin}); !errors.Is(err, ErrIncompatible) {
		t.Errorf("incompatible update: %v", err)
	}
	if s.Remove(2) {
		t.Error("removed an unknown id")
	}
	if i, ok := s.Info(1); !ok || i.Load != 5 || !s.Contains(1) || s.Contains(2) {
		t.Errorf("Info/Contains: %+v %v", i, ok)
	}
	if _, ok := s.Info(2); ok {
		t.Error("Info of unknown id")
	}
	if _, ok := s.State(2); ok {
		t.Error("State of unknown id")
	}
	if s.Type() != LeastUsed || s.Len() != 1 {
		t.Error("Type/Len")
	}
}

func TestSelectionsCounted(t *testing.T) {
	for _, typ := range Types {
		s := newSel(t, typ, 0, 4)
		rng := rand.New(rand.NewPCG(4, 4))
		for id := uint32(1); id <= 5; id++ {
			mustAdd(t, s, id, sampleInfo(typ, rng))
		}
		for range 20 {
			s.Select(2, nil)
		}
		var total uint64
		for id := uint32(1); id <= 5; id++ {
			st, _ := s.State(id)
			total += st.Selections
		}
		if total != 40 {
			t.Errorf("%s: %d selections counted, want 40", Name(typ), total)
		}
	}
}

// TestRemoveKeepsIndexes removes members in the middle and checks that
// every policy still answers with exactly the members left.
func TestRemoveKeepsIndexes(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	for _, typ := range Types {
		s := newSel(t, typ, 2, 5)
		for id := uint32(1); id <= 20; id++ {
			mustAdd(t, s, id, sampleInfo(typ, rng))
		}
		left := map[uint32]bool{}
		for id := uint32(1); id <= 20; id++ {
			left[id] = true
		}
		for _, id := range []uint32{1, 20, 7, 8, 13, 2} {
			s.Select(3, nil)
			if !s.Remove(id) {
				t.Fatalf("%s: remove %d", Name(typ), id)
			}
			delete(left, id)
			got := s.Select(100, nil)
			if len(got) != len(left) || !distinct(got) {
				t.Fatalf("%s: after removing %d: %v", Name(typ), id, got)
			}
			for _, g := range got {
				if !left[g] {
					t.Fatalf("%s: removed id %d answered", Name(typ), g)
				}
				if i, ok := s.Info(g); !ok || i.Type != typ {
					t.Fatalf("%s: Info(%d)", Name(typ), g)
				}
			}
		}
	}
}
