package engine

import (
	"math"

	"netcompat/core/rsvp/api"
	"netcompat/core/rsvp/wire"
)

// Conversions between the local API's JSON-friendly types and the wire
// objects. Rates are bytes per second on both sides.

func tspecToAPI(t wire.TSpec) api.TokenBucket {
	return api.TokenBucket{
		Rate:       api.Float(t.Rate),
		Bucket:     api.Float(t.BucketSize),
		Peak:       api.Float(t.PeakRate),
		MinPoliced: t.MinPolicedUnit,
		MaxPacket:  t.MaxPacketSize,
	}
}

func tspecFromAPI(t api.TokenBucket) wire.TSpec {
	return wire.TSpec{
		Rate:           float32(t.Rate),
		BucketSize:     float32(t.Bucket),
		PeakRate:       float32(t.Peak),
		MinPolicedUnit: t.MinPoliced,
		MaxPacketSize:  t.MaxPacket,
	}
}

// tspecOK reports whether t can be sent: no NaN, nothing negative, only
// the peak rate infinite.
func tspecOK(t wire.TSpec) bool {
	ok := func(v float32, inf bool) bool {
		f := float64(v)
		return !math.IsNaN(f) && f >= 0 && (inf || !math.IsInf(f, 1))
	}
	return ok(t.Rate, false) && ok(t.BucketSize, false) && ok(t.PeakRate, true)
}

func flowspecToAPI(f wire.Flowspec) api.Flowspec {
	out := api.Flowspec{Service: int(f.Service), TokenBucket: tspecToAPI(f.TSpec)}
	if f.Service == wire.ServiceGuaranteed {
		out.Rate, out.Slack = api.Float(f.RSpec.Rate), f.RSpec.Slack
	}
	return out
}

// flowspecFromAPI converts a request; ok is false for a service other
// than CL and GS or a value that cannot be encoded.
func flowspecFromAPI(f api.Flowspec) (wire.Flowspec, bool) {
	out := wire.Flowspec{Service: wire.Service(f.Service), TSpec: tspecFromAPI(f.TokenBucket)}
	switch out.Service {
	case wire.ServiceControlledLoad:
	case wire.ServiceGuaranteed:
		out.RSpec = wire.RSpec{Rate: float32(f.Rate), Slack: f.Slack}
		r := float64(out.RSpec.Rate)
		if math.IsNaN(r) || r < 0 || math.IsInf(r, 0) {
			return out, false
		}
	default:
		return out, false
	}
	return out, tspecOK(out.TSpec)
}

func filterToAPI(f wire.FilterSpec) api.Filter {
	return api.Filter{Addr: f.Source, Port: f.Port}
}

func filterFromAPI(f api.Filter) wire.FilterSpec {
	return wire.FilterSpec{Form: wire.FormPort, Source: f.Addr, Port: f.Port}
}

func adspecToAPI(a *wire.Adspec) *api.Adspec {
	if a == nil {
		return nil
	}
	out := &api.Adspec{
		HopCount:      a.General.HopCount,
		PathBandwidth: api.Float(a.General.PathBandwidth),
		MinLatency:    a.General.MinLatency,
		MTU:           a.General.ComposedMTU,
		Break:         a.General.Break,
	}
	if g := a.Guaranteed; g != nil {
		out.Guaranteed = &api.Guaranteed{Ctot: g.Ctot, Dtot: g.Dtot, Csum: g.Csum, Dsum: g.Dsum, Break: g.Break}
	}
	if cl := a.ControlledLoad; cl != nil && !cl.Break {
		out.ControlledLoad = true
	}
	return out
}

// adspecFromAPI is a local sender's starting Adspec; nil asks for the
// default (both services, nothing composed yet).
func adspecFromAPI(a *api.Adspec) *wire.Adspec {
	if a == nil {
		d := wire.InitialAdspec(true, true)
		return &d
	}
	bw := float32(a.PathBandwidth)
	if f := float64(bw); math.IsNaN(f) || f < 0 {
		bw = float32(math.Inf(1))
	}
	mtu := a.MTU
	if mtu == 0 {
		mtu = math.MaxUint32
	}
	out := &wire.Adspec{General: wire.GeneralParams{
		Break: a.Break, HopCount: a.HopCount, PathBandwidth: bw, MinLatency: a.MinLatency, ComposedMTU: mtu,
	}}
	if g := a.Guaranteed; g != nil {
		out.Guaranteed = &wire.GuaranteedAdspec{Break: g.Break, Ctot: g.Ctot, Dtot: g.Dtot, Csum: g.Csum, Dsum: g.Dsum}
	}
	if a.ControlledLoad {
		out.ControlledLoad = &wire.ControlledLoadAdspec{}
	}
	return out
}
