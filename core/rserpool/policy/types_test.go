package policy

import "testing"

func TestNamesAndCodes(t *testing.T) {
	want := []struct {
		code   uint32
		name   string
		values int
	}{
		{0x00000001, "RoundRobin", 0},
		{0x00000002, "WeightedRoundRobin", 1},
		{0x00000003, "Random", 0},
		{0x00000004, "WeightedRandom", 1},
		{0x00000005, "Priority", 1},
		{0x40000001, "LeastUsed", 1},
		{0x40000002, "LeastUsedDegradation", 2},
		{0x40000003, "PriorityLeastUsed", 2},
		{0x40000004, "RandomizedLeastUsed", 1},
		{0xb0001001, "RandomizedPriorityLeastUsed", 2},
		{0xb0001002, "RandomizedLeastUsedDegradation", 2},
		{0xb0001003, "PriorityLeastUsedDegradation", 2},
		{0xb0001004, "RandomizedPriorityLeastUsedDegradation", 2},
		{0xb0002001, "WeightedRandomDPF", 3},
		{0xb0002002, "LeastUsedDPF", 3},
		{0xb0002003, "LeastUsedDegradationDPF", 4},
		{0xb0002004, "PriorityLeastUsedDPF", 4},
		{0xb0002005, "PriorityLeastUsedDegradationDPF", 4},
	}
	if len(Types) != len(want) || len(specs) != len(want) {
		t.Fatalf("%d types, %d specs, want %d", len(Types), len(specs), len(want))
	}
	for i, w := range want {
		if Types[i] != w.code {
			t.Errorf("Types[%d] = 0x%08x, want 0x%08x", i, Types[i], w.code)
		}
		if got := Name(w.code); got != w.name {
			t.Errorf("Name(0x%08x) = %q, want %q", w.code, got, w.name)
		}
		if got, ok := ByName(w.name); !ok || got != w.code {
			t.Errorf("ByName(%q) = 0x%08x, %v", w.name, got, ok)
		}
		if n, ok := ValueCount(w.code); !ok || n != w.values {
			t.Errorf("ValueCount(%s) = %d, %v; want %d", w.name, n, ok, w.values)
		}
		if !Known(w.code) {
			t.Errorf("Known(%s) = false", w.name)
		}
	}
	if PriorityLeastUsedDegradationDPF != 0xb0002005 || RoundRobin != 1 || Undefined != 0 {
		t.Error("constant values")
	}
}

func TestUnknownNamesAndTypes(t *testing.T) {
	for _, n := range []string{"", "roundrobin", "Round Robin", "LU", "Undefined"} {
		if got, ok := ByName(n); ok || got != Undefined {
			t.Errorf("ByName(%q) = 0x%08x, %v", n, got, ok)
		}
	}
	for _, c := range []uint32{Undefined, 6, 0x40000005, 0xb0001005, 0xb0002006, 0xffffffff} {
		if Name(c) != "" || Known(c) || IsAdaptive(c) {
			t.Errorf("0x%08x: Name %q Known %v IsAdaptive %v", c, Name(c), Known(c), IsAdaptive(c))
		}
		if _, ok := ValueCount(c); ok {
			t.Errorf("ValueCount(0x%08x) ok", c)
		}
	}
}

func TestIsAdaptive(t *testing.T) {
	adaptive := map[uint32]bool{
		LeastUsed: true, LeastUsedDPF: true, LeastUsedDegradation: true, LeastUsedDegradationDPF: true,
		PriorityLeastUsed: true, PriorityLeastUsedDegradation: true, PriorityLeastUsedDPF: true,
		PriorityLeastUsedDegradationDPF: true, RandomizedLeastUsed: true, RandomizedLeastUsedDegradation: true,
		RandomizedPriorityLeastUsed: true, RandomizedPriorityLeastUsedDegradation: true,
	}
	if len(adaptive) != 12 {
		t.Fatal("table")
	}
	for _, c := range Types {
		if IsAdaptive(c) != adaptive[c] {
			t.Errorf("IsAdaptive(%s) = %v", Name(c), IsAdaptive(c))
		}
	}
}

func TestCompatible(t *testing.T) {
	for _, a := range Types {
		for _, b := range Types {
			if Compatible(a, b) != (a == b) {
				t.Errorf("Compatible(%s, %s) = %v", Name(a), Name(b), Compatible(a, b))
			}
		}
	}
	if Compatible(Undefined, Undefined) || Compatible(0x1234, 0x1234) {
		t.Error("undefined or unknown types must be compatible with nothing")
	}
}
