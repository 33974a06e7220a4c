package policy

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"netcompat/core/rserpool/wire"
)

func TestFromWireLayouts(t *testing.T) {
	tests := []struct {
		typ    uint32
		values []uint32
		want   Info
	}{
		{RoundRobin, nil, Info{}},
		{WeightedRoundRobin, []uint32{7}, Info{Weight: 7}},
		{Random, nil, Info{}},
		{WeightedRandom, []uint32{7}, Info{Weight: 7}},
		{Priority, []uint32{9}, Info{Weight: 9}},
		{LeastUsed, []uint32{1}, Info{Load: 1}},
		{LeastUsedDegradation, []uint32{1, 2}, Info{Load: 1, LoadDegradation: 2}},
		{PriorityLeastUsed, []uint32{1, 2}, Info{Load: 1, LoadDegradation: 2}},
		{RandomizedLeastUsed, []uint32{1}, Info{Load: 1}},
		{RandomizedPriorityLeastUsed, []uint32{1, 2}, Info{Load: 1, LoadDegradation: 2}},
		{RandomizedLeastUsedDegradation, []uint32{1, 2}, Info{Load: 1, LoadDegradation: 2}},
		{PriorityLeastUsedDegradation, []uint32{1, 2}, Info{Load: 1, LoadDegradation: 2}},
		{RandomizedPriorityLeastUsedDegradation, []uint32{1, 2}, Info{Load: 1, LoadDegradation: 2}},
		{WeightedRandomDPF, []uint32{1, 2, 3}, Info{Weight: 1, WeightDPF: 2, Distance: 3}},
		{LeastUsedDPF, []uint32{1, 2, 3}, Info{Load: 1, LoadDPF: 2, Distance: 3}},
		{LeastUsedDegradationDPF, []uint32{1, 2, 3, 4}, Info{Load: 1, LoadDegradation: 2, LoadDPF: 3, Distance: 4}},
		{PriorityLeastUsedDPF, []uint32{1, 2, 3, 4}, Info{Load: 1, LoadDegradation: 2, LoadDPF: 3, Distance: 4}},
		{PriorityLeastUsedDegradationDPF, []uint32{1, 2, 3, 4}, Info{Load: 1, LoadDegradation: 2, LoadDPF: 3, Distance: 4}},
	}
	if len(tests) != len(Types) {
		t.Fatal("every type must be covered")
	}
	for _, tc := range tests {
		tc.want.Type = tc.typ
		got, err := FromWire(wire.Policy{Type: tc.typ, Values: tc.values})
		if err != nil || got != tc.want {
			t.Errorf("FromWire(%s, %v) = %+v, %v; want %+v", Name(tc.typ), tc.values, got, err, tc.want)
			continue
		}
		p := got.Wire()
		if p.Type != tc.typ || !slices.Equal(p.Values, tc.values) || p.Values == nil {
			t.Errorf("%s: Wire() = %+v, want values %v", Name(tc.typ), p, tc.values)
		}
		// Wrong counts: one fewer (if any) and one more.
		if len(tc.values) > 0 {
			_, err := FromWire(wire.Policy{Type: tc.typ, Values: tc.values[:len(tc.values)-1]})
			if !errors.Is(err, ErrValueCount) {
				t.Errorf("%s with too few values: %v", Name(tc.typ), err)
			}
		}
		_, err = FromWire(wire.Policy{Type: tc.typ, Values: append(slices.Clone(tc.values), 0)})
		if !errors.Is(err, ErrValueCount) {
			t.Errorf("%s with too many values: %v", Name(tc.typ), err)
		}
	}
}

func TestFromWireUnknownType(t *testing.T) {
	for _, c := range []uint32{Undefined, 0x40000005, 0xdeadbeef} {
		if _, err := FromWire(wire.Policy{Type: c}); !errors.Is(err, ErrUnknownType) {
			t.Errorf("0x%08x: %v", c, err)
		}
	}
}

func TestPriorityTravelsInWeight(t *testing.T) {
	i, err := FromWire(wire.Policy{Type: Priority, Values: []uint32{42}})
	if err != nil || i.Priority() != 42 || i.Weight != 42 {
		t.Fatalf("%+v %v", i, err)
	}
}

func TestWireDropsUncarriedFields(t *testing.T) {
	i := Info{Type: LeastUsed, Load: 5, Weight: 9, LoadDegradation: 3, Distance: 8}
	p := i.Wire()
	if !slices.Equal(p.Values, []uint32{5}) {
		t.Fatalf("%v", p.Values)
	}
	if !(Info{Type: LeastUsed}).Valid() || (Info{}).Valid() {
		t.Error("Valid")
	}
	if s := i.String(); !strings.HasPrefix(s, "LeastUsed[") {
		t.Error(s)
	}
}
