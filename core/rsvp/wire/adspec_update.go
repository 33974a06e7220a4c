package wire

import "math"

// Per-hop composition of an Adspec (RFC 2210 section 3.3, RFC 2215
// section 3 for the general parameters, RFC 2212 for the error terms):
// each IntServ-aware node forwarding a Path folds its own
// characterization of the outgoing link into the Adspec it received.

// LocalCharacterization is what one node adds to the path's Adspec.
type LocalCharacterization struct {
	Bandwidth float32 // the link's bandwidth, bytes per second
	Latency   uint32  // the node's minimum latency, microseconds
	MTU       uint32  // the link's MTU, bytes

	// Guaranteed says the node offers the Guaranteed service; C (bytes)
	// and D (microseconds) are its error terms. Without it the
	// Guaranteed fragment gets its break bit.
	Guaranteed bool
	C, D       uint32
	// Reshaping says the node reshapes Guaranteed traffic to its Tspec,
	// which restarts the sums Csum and Dsum.
	Reshaping bool

	// ControlledLoad says the node offers the Controlled-Load service;
	// without it the Controlled-Load fragment gets its break bit.
	ControlledLoad bool
}

// Compose returns a with the node's characterization folded in: one more
// hop, the smaller bandwidth and MTU, latencies and error terms added
// (saturating at Indeterminate), break bits set for services the node
// lacks. Service-specific overrides are left as they are. a is not
// modified.
func (a Adspec) Compose(l LocalCharacterization) Adspec {
	out := a
	g := &out.General
	g.HopCount = addSat(g.HopCount, 1)
	g.PathBandwidth = min(g.PathBandwidth, l.Bandwidth)
	g.MinLatency = addSat(g.MinLatency, l.Latency)
	g.ComposedMTU = min(g.ComposedMTU, l.MTU)

	if a.Guaranteed != nil {
		gs := *a.Guaranteed
		if l.Guaranteed {
			gs.Ctot = addSat(gs.Ctot, l.C)
			gs.Dtot = addSat(gs.Dtot, l.D)
			if l.Reshaping {
				gs.Csum, gs.Dsum = 0, 0
			}
			gs.Csum = addSat(gs.Csum, l.C)
			gs.Dsum = addSat(gs.Dsum, l.D)
		} else {
			gs.Break = true
		}
		out.Guaranteed = &gs
	}
	if a.ControlledLoad != nil {
		cl := *a.ControlledLoad
		cl.Break = cl.Break || !l.ControlledLoad
		out.ControlledLoad = &cl
	}
	if len(a.Unknown) > 0 {
		// This node cannot provide services it does not know.
		out.Unknown = make([]AdspecFragment, len(a.Unknown))
		for i, f := range a.Unknown {
			f.Flags |= breakBit
			out.Unknown[i] = f
		}
	}
	return out
}

// MarkNonIntServHop returns a with the global break bit set, as a node
// does when the IP TTL and Send_TTL of a Path show that a hop without
// RSVP, and so without IntServ, lies upstream.
func (a Adspec) MarkNonIntServHop() Adspec {
	a.General.Break = true
	return a
}

// InitialAdspec returns the Adspec a sender puts in its Path before any
// hop: no hops, unbounded bandwidth and MTU, no latency, and the service
// fragments asked for with their terms at zero.
func InitialAdspec(guaranteed, controlledLoad bool) Adspec {
	a := Adspec{General: GeneralParams{
		PathBandwidth: float32(math.Inf(1)),
		ComposedMTU:   math.MaxUint32,
	}}
	if guaranteed {
		a.Guaranteed = &GuaranteedAdspec{}
	}
	if controlledLoad {
		a.ControlledLoad = &ControlledLoadAdspec{}
	}
	return a
}

// addSat adds two composed quantities, Indeterminate on overflow or when
// either already is.
func addSat(a, b uint32) uint32 {
	if a == Indeterminate || b == Indeterminate || a > Indeterminate-b {
		return Indeterminate
	}
	return a + b
}
