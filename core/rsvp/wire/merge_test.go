package wire

import (
	"math"
	"testing"
)

func TestTSpecOrderAndMerge(t *testing.T) {
	a := TSpec{Rate: 100, BucketSize: 10, PeakRate: 200, MinPolicedUnit: 64, MaxPacketSize: 1000}
	b := TSpec{Rate: 50, BucketSize: 20, PeakRate: inf, MinPolicedUnit: 32, MaxPacketSize: 1500}

	lub := a.LUB(b)
	if want := (TSpec{Rate: 100, BucketSize: 20, PeakRate: inf, MinPolicedUnit: 32, MaxPacketSize: 1500}); lub != want {
		t.Fatalf("LUB = %v, want %v", lub, want)
	}
	glb := a.GLB(b)
	if want := (TSpec{Rate: 50, BucketSize: 10, PeakRate: 200, MinPolicedUnit: 64, MaxPacketSize: 1000}); glb != want {
		t.Fatalf("GLB = %v, want %v", glb, want)
	}
	for _, x := range []TSpec{a, b} {
		if !lub.Covers(x) || !x.Covers(glb) {
			t.Fatalf("%v not between GLB and LUB", x)
		}
	}
	if a.Covers(b) || b.Covers(a) {
		t.Fatal("a and b are not ordered")
	}
	if !a.Covers(a) {
		t.Fatal("Covers is not reflexive")
	}

	sum := SumTSpecs(a, b, a)
	if want := (TSpec{Rate: 250, BucketSize: 40, PeakRate: inf, MinPolicedUnit: 32, MaxPacketSize: 1500}); sum != want {
		t.Fatalf("sum = %v, want %v", sum, want)
	}
	if SumTSpecs() != (TSpec{}) || SumTSpecs(a) != a {
		t.Fatal("sum of none or one")
	}
	big := TSpec{Rate: math.MaxFloat32, BucketSize: math.MaxFloat32}
	if s := big.Add(big); !math.IsInf(float64(s.Rate), 1) || !math.IsInf(float64(s.BucketSize), 1) {
		t.Fatalf("overflowing sum = %v", s)
	}
}

func TestFlowspecOrderAndMerge(t *testing.T) {
	cl1, cl2 := *clFlowspec(100), *clFlowspec(200)
	gs1 := Flowspec{Service: ServiceGuaranteed, TSpec: sampleTSpec(), RSpec: RSpec{Rate: 1000, Slack: 50}}
	gs2 := Flowspec{Service: ServiceGuaranteed, TSpec: sampleTSpec(), RSpec: RSpec{Rate: 2000, Slack: 100}}

	if c, ok := Compare(cl1, cl2); !ok || c != -1 {
		t.Fatalf("Compare(cl1, cl2) = %d, %v", c, ok)
	}
	if c, ok := Compare(cl2, cl1); !ok || c != 1 {
		t.Fatalf("Compare(cl2, cl1) = %d, %v", c, ok)
	}
	if c, ok := Compare(cl1, cl1); !ok || c != 0 {
		t.Fatalf("Compare(cl1, cl1) = %d, %v", c, ok)
	}
	// More rate but more slack: neither is better.
	if _, ok := Compare(gs1, gs2); ok {
		t.Fatal("gs1 and gs2 compared")
	}
	if _, ok := Compare(cl1, gs1); ok {
		t.Fatal("different services compared")
	}

	lub, ok := gs1.LUB(gs2)
	if !ok || lub.RSpec != (RSpec{Rate: 2000, Slack: 50}) || lub.TSpec != sampleTSpec() {
		t.Fatalf("LUB = %v, %v", lub, ok)
	}
	if !lub.Covers(gs1) || !lub.Covers(gs2) {
		t.Fatal("LUB does not cover its inputs")
	}
	glb, ok := gs1.GLB(gs2)
	if !ok || glb.RSpec != (RSpec{Rate: 1000, Slack: 100}) {
		t.Fatalf("GLB = %v, %v", glb, ok)
	}
	if _, ok := cl1.LUB(gs1); ok {
		t.Fatal("LUB across services")
	}
	if _, ok := cl1.GLB(gs1); ok {
		t.Fatal("GLB across services")
	}
	if m, ok := MergeFlowspecs(cl1, cl2, cl1); !ok || m != cl2 {
		t.Fatalf("MergeFlowspecs = %v, %v", m, ok)
	}
	if _, ok := MergeFlowspecs(cl1, gs1); ok {
		t.Fatal("MergeFlowspecs across services")
	}
	if _, ok := MergeFlowspecs(); ok {
		t.Fatal("MergeFlowspecs of nothing")
	}
	// A Controlled-Load LUB never grows an Rspec.
	if l, _ := cl1.LUB(cl2); l.RSpec != (RSpec{}) {
		t.Fatalf("CL LUB has an Rspec: %v", l)
	}
	if cl2.ReservedRate() != 200 || gs2.ReservedRate() != 2000 {
		t.Fatal("ReservedRate")
	}
}

func TestAdspecCompose(t *testing.T) {
	a := InitialAdspec(true, true)
	if _, err := AppendAdspecBody(nil, a); err != nil {
		t.Fatalf("initial Adspec does not encode: %v", err)
	}
	hop1 := LocalCharacterization{Bandwidth: 1.25e6, Latency: 100, MTU: 1500, Guaranteed: true, C: 1500, D: 50, ControlledLoad: true}
	hop2 := LocalCharacterization{Bandwidth: 1.25e7, Latency: 20, MTU: 9000, Guaranteed: true, C: 100, D: 10, Reshaping: true, ControlledLoad: false}

	b := a.Compose(hop1).Compose(hop2)
	g := b.General
	if g.HopCount != 2 || g.PathBandwidth != 1.25e6 || g.MinLatency != 120 || g.ComposedMTU != 1500 || g.Break {
		t.Fatalf("general = %+v", g)
	}
	gs := b.Guaranteed
	if gs.Ctot != 1600 || gs.Dtot != 60 || gs.Csum != 100 || gs.Dsum != 10 || gs.Break {
		t.Fatalf("guaranteed = %+v", gs)
	}
	if !b.ControlledLoad.Break {
		t.Fatal("CL break bit not set by a hop without CL")
	}
	// The input is left alone.
	if a.General.HopCount != 0 || a.Guaranteed.Ctot != 0 || a.ControlledLoad.Break {
		t.Fatalf("Compose modified its receiver: %+v", a)
	}
	// No Guaranteed at a hop breaks the fragment; saturating sums.
	c := b.Compose(LocalCharacterization{Bandwidth: inf, Latency: Indeterminate, MTU: math.MaxUint32})
	if !c.Guaranteed.Break || c.General.MinLatency != Indeterminate || c.General.PathBandwidth != 1.25e6 || c.General.ComposedMTU != 1500 {
		t.Fatalf("after a hop without Guaranteed: %+v %+v", c.General, c.Guaranteed)
	}
	if addSat(Indeterminate-1, 5) != Indeterminate || addSat(1, 2) != 3 {
		t.Fatal("addSat")
	}
	// Unknown services get their break bit; the global break bit marks
	// non-RSVP hops.
	d := Adspec{Unknown: []AdspecFragment{{Service: 9}}}.Compose(hop1)
	if !d.Unknown[0].Break() {
		t.Fatal("unknown fragment not broken")
	}
	if !b.MarkNonIntServHop().General.Break || b.General.Break {
		t.Fatal("MarkNonIntServHop")
	}
}
