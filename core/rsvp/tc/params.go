package tc

import (
	"fmt"
	"math"
)

// IfaceConfig is the per-interface configuration given to Attach.
type IfaceConfig struct {
	// Rate is the link rate in bytes per second of link-layer frames (as
	// HTB counts them; an Ethernet frame without preamble and FCS). The
	// root class is limited to it. Required.
	Rate float64
	// Overhead is what HTB charges per packet beyond the IP datagram that
	// RSVP rates count: 0 means automatic (14, the Ethernet header, when
	// the link is Ethernet-like, else 0), NoOverhead means none.
	Overhead int
	// ControlRate, bytes/s, is guaranteed to RSVP messages, ARP and ICMPv6
	// (neighbour discovery) so that a flood cannot starve the signalling
	// that keeps reservations alive. 0 means 1% of Rate but at least
	// 2500 (20 kbit/s) and at most 10% of Rate; negative means no
	// control class (that traffic is then best effort).
	ControlRate float64
	// ReplaceForeign lets Attach replace a root qdisc that another
	// program installed. A kernel default (handle 0:) is always replaced.
	ReplaceForeign bool
}

// NoOverhead in IfaceConfig.Overhead charges nothing per packet.
const NoOverhead = -1

// LinkParams are an attached interface's figures that class parameters
// depend on.
type LinkParams struct {
	Rate     float64 // bytes/s of link-layer frames
	Overhead int     // bytes added per packet to the IP datagram
	MTU      int     // largest IP datagram, bytes
}

// frame is the largest packet as HTB charges it.
func (l LinkParams) frame() float64 { return float64(l.MTU + l.Overhead) }

// ClassParams are one HTB class's figures in the units HTB works in:
// bytes per second and bytes of link-layer frames.
type ClassParams struct {
	Rate   float64 // assured rate
	Ceil   float64 // rate it may reach by borrowing unused capacity
	Burst  float64 // bucket at Rate
	Cburst float64 // bucket at Ceil
}

const (
	// minUnit floors m when scaling for per-packet overhead, so that an
	// unset or tiny m does not inflate the rate absurdly (a 28-byte m would
	// add 50% on Ethernet); packets smaller than this are under-served by
	// up to the overhead ratio.
	minUnit = 64
	// maxBucketTime bounds a bucket to this many seconds at its rate:
	// HTB stores a bucket as the time to send it at the class's rate, in
	// a 32-bit count of 64 ns psched ticks (274 s at most), and a deeper
	// bucket would wrap around.
	maxBucketTime = 60.0
)

// ComputeParams turns a reservation into its HTB class on a link.
//
// RSVP counts bytes of IP datagrams, HTB counts link-layer bytes, so every
// rate and bucket is scaled by (m + overhead) / m, m floored at 64: a
// conforming flow, whose packets are never smaller than m in policing,
// then never exceeds its class. Burst is b scaled, at least one full
// frame (a smaller bucket could not pass a maximum-sized packet without
// stalling). Rates are rounded up to whole bytes per second.
//
//   - Controlled-Load: rate r, ceil max(r, min(p, link rate)) (an
//     unlimited p gives the link rate), burst b, cburst M (the peak-rate
//     bucket of RFC 2211, at least one frame).
//   - Guaranteed: rate and ceil R, burst and cburst b.
//
// A class whose rate exceeds the link rate gives ErrCapacity.
func ComputeParams(r Reservation, link LinkParams) (ClassParams, error) {
	if err := r.validate(); err != nil {
		return ClassParams{}, err
	}
	if !(link.Rate > 0) || math.IsInf(link.Rate, 0) || link.MTU <= 0 || link.Overhead < 0 {
		return ClassParams{}, fmt.Errorf("tc: bad link parameters %+v", link)
	}
	unit := math.Max(float64(r.MinPolicedUnit), minUnit)
	scale := (unit + float64(link.Overhead)) / unit
	frame := link.frame()

	var p ClassParams
	switch r.Service {
	case ControlledLoad:
		p.Rate = math.Ceil(r.TokenRate * scale)
		p.Ceil = math.Max(p.Rate, math.Min(math.Ceil(r.PeakRate*scale), link.Rate))
		p.Burst = math.Max(r.BucketDepth*scale, frame)
		p.Cburst = math.Max(float64(r.MaxPacketSize)*scale, frame)
	case Guaranteed:
		p.Rate = math.Ceil(r.Rate * scale)
		p.Ceil = p.Rate
		p.Burst = math.Max(r.BucketDepth*scale, frame)
		p.Cburst = p.Burst
	}
	p.Burst = clampBucket(p.Burst, p.Rate)
	p.Cburst = clampBucket(p.Cburst, p.Ceil)
	if p.Rate > link.Rate {
		return ClassParams{}, fmt.Errorf("%w: class rate %.0f B/s exceeds the link rate %.0f B/s", ErrCapacity, p.Rate, link.Rate)
	}
	return p, nil
}

// clampBucket rounds a bucket to whole bytes and keeps it representable.
func clampBucket(bucket, rate float64) float64 {
	return math.Round(math.Min(bucket, rate*maxBucketTime))
}

// quantum is how many bytes a class may send in one DRR round when
// borrowing: rate/10 (HTB's own default r2q), kept between one frame and
// the 200000 bytes beyond which the kernel complains.
func quantum(rate float64, link LinkParams) uint32 {
	return uint32(math.Min(math.Max(rate/10, link.frame()), 200000))
}

// defaultControlRate applies IfaceConfig.ControlRate's default.
func defaultControlRate(cfg IfaceConfig) float64 {
	switch {
	case cfg.ControlRate < 0:
		return 0
	case cfg.ControlRate > 0:
		return math.Ceil(cfg.ControlRate)
	}
	return math.Ceil(math.Min(math.Max(cfg.Rate/100, 2500), cfg.Rate/10))
}

// bestEffortMin is the best-effort class's share that reservations may
// never take: 1% of the link, so that unreserved traffic always moves.
func bestEffortMin(link LinkParams) float64 { return math.Ceil(link.Rate / 100) }
