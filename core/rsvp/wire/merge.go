package wire

import "math"

// Ordering and merging of IntServ specifications, for the engine's
// reservation merging (RFC 2205 section 2.2: least upper bound of
// flowspecs, sum of sender Tspecs), following the rules of RFC 2211
// (Controlled-Load) and RFC 2212 (Guaranteed), section "Ordering and
// Merging":
//
//   - Tspec A is at least Tspec B when A's r, b and p are at least B's,
//     its m at most B's and its M at least B's. The least upper bound
//     takes the largest r, b, p and M and the smallest m; the greatest
//     lower bound the opposite.
//   - Rspec A is at least Rspec B when A's R is at least B's and its S at
//     most B's.
//   - The sum of Tspecs (shared reservations over several senders) adds
//     r, b and p and takes the smallest m and the largest M.
//
// Flowspecs of different services are not ordered here: merging them is
// a service conflict for the caller to report (code 21, value 1).

// Covers reports whether t is at least u: a reservation for t also
// serves traffic described by u.
func (t TSpec) Covers(u TSpec) bool {
	return t.Rate >= u.Rate && t.BucketSize >= u.BucketSize && t.PeakRate >= u.PeakRate &&
		t.MinPolicedUnit <= u.MinPolicedUnit && t.MaxPacketSize >= u.MaxPacketSize
}

// LUB returns the least upper bound of t and u.
func (t TSpec) LUB(u TSpec) TSpec {
	return TSpec{
		Rate:           max(t.Rate, u.Rate),
		BucketSize:     max(t.BucketSize, u.BucketSize),
		PeakRate:       max(t.PeakRate, u.PeakRate),
		MinPolicedUnit: min(t.MinPolicedUnit, u.MinPolicedUnit),
		MaxPacketSize:  max(t.MaxPacketSize, u.MaxPacketSize),
	}
}

// GLB returns the greatest lower bound of t and u.
func (t TSpec) GLB(u TSpec) TSpec {
	return TSpec{
		Rate:           min(t.Rate, u.Rate),
		BucketSize:     min(t.BucketSize, u.BucketSize),
		PeakRate:       min(t.PeakRate, u.PeakRate),
		MinPolicedUnit: max(t.MinPolicedUnit, u.MinPolicedUnit),
		MaxPacketSize:  min(t.MaxPacketSize, u.MaxPacketSize),
	}
}

// Add returns the sum of t and u, the Tspec of both senders' traffic
// together. Rates and sizes that overflow float32 become +Inf.
func (t TSpec) Add(u TSpec) TSpec {
	return TSpec{
		Rate:           sum32(t.Rate, u.Rate),
		BucketSize:     sum32(t.BucketSize, u.BucketSize),
		PeakRate:       sum32(t.PeakRate, u.PeakRate),
		MinPolicedUnit: min(t.MinPolicedUnit, u.MinPolicedUnit),
		MaxPacketSize:  max(t.MaxPacketSize, u.MaxPacketSize),
	}
}

// SumTSpecs returns the sum of ts, the zero TSpec when ts is empty.
func SumTSpecs(ts ...TSpec) TSpec {
	if len(ts) == 0 {
		return TSpec{}
	}
	s := ts[0]
	for _, t := range ts[1:] {
		s = s.Add(t)
	}
	return s
}

func sum32(a, b float32) float32 {
	s := float64(a) + float64(b)
	if s > math.MaxFloat32 {
		return float32(math.Inf(1))
	}
	return float32(s)
}

// Covers reports whether r is at least q.
func (r RSpec) Covers(q RSpec) bool { return r.Rate >= q.Rate && r.Slack <= q.Slack }

// LUB returns the least upper bound of r and q.
func (r RSpec) LUB(q RSpec) RSpec {
	return RSpec{Rate: max(r.Rate, q.Rate), Slack: min(r.Slack, q.Slack)}
}

// GLB returns the greatest lower bound of r and q.
func (r RSpec) GLB(q RSpec) RSpec {
	return RSpec{Rate: min(r.Rate, q.Rate), Slack: max(r.Slack, q.Slack)}
}

// Covers reports whether f is at least g: both are of the same service
// and a reservation for f also satisfies g.
func (f Flowspec) Covers(g Flowspec) bool {
	if f.Service != g.Service || !f.TSpec.Covers(g.TSpec) {
		return false
	}
	return f.Service != ServiceGuaranteed || f.RSpec.Covers(g.RSpec)
}

// Compare orders f and g: -1 if f is below g, 0 if they are equivalent,
// +1 if f is above g. ok is false when neither covers the other (they
// differ in service, or each is larger in some parameter); their LUB is
// then larger than both.
func Compare(f, g Flowspec) (cmp int, ok bool) {
	fg, gf := f.Covers(g), g.Covers(f)
	switch {
	case fg && gf:
		return 0, true
	case fg:
		return 1, true
	case gf:
		return -1, true
	}
	return 0, false
}

// LUB returns the least upper bound of f and g, the flowspec a merged
// reservation asks for. ok is false when f and g are of different
// services.
func (f Flowspec) LUB(g Flowspec) (lub Flowspec, ok bool) {
	if f.Service != g.Service {
		return Flowspec{}, false
	}
	lub = Flowspec{Service: f.Service, TSpec: f.TSpec.LUB(g.TSpec)}
	if f.Service == ServiceGuaranteed {
		lub.RSpec = f.RSpec.LUB(g.RSpec)
	}
	return lub, true
}

// GLB returns the greatest lower bound of f and g. ok is false when f and
// g are of different services.
func (f Flowspec) GLB(g Flowspec) (glb Flowspec, ok bool) {
	if f.Service != g.Service {
		return Flowspec{}, false
	}
	glb = Flowspec{Service: f.Service, TSpec: f.TSpec.GLB(g.TSpec)}
	if f.Service == ServiceGuaranteed {
		glb.RSpec = f.RSpec.GLB(g.RSpec)
	}
	return glb, true
}

// MergeFlowspecs returns the least upper bound of fs. ok is false when fs
// is empty or mixes services.
func MergeFlowspecs(fs ...Flowspec) (lub Flowspec, ok bool) {
	if len(fs) == 0 {
		return Flowspec{}, false
	}
	lub = fs[0]
	for _, f := range fs[1:] {
		if lub, ok = lub.LUB(f); !ok {
			return Flowspec{}, false
		}
	}
	return lub, true
}
