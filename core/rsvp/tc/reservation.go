package tc

import (
	"fmt"
	"math"
	"net/netip"
)

// Service is the IntServ service of a reservation, numbered as in RFC 2215
// (and in RSVP's FLOWSPEC).
type Service uint8

const (
	Guaranteed     Service = 2 // RFC 2212
	ControlledLoad Service = 5 // RFC 2211
)

func (s Service) String() string {
	switch s {
	case Guaranteed:
		return "GS"
	case ControlledLoad:
		return "CL"
	}
	return fmt.Sprintf("Service(%d)", uint8(s))
}

// IP protocol numbers that carry ports where the filters expect them.
const (
	ProtoTCP = 6
	ProtoUDP = 17
)

// Session is the RSVP session: where the reserved traffic goes.
type Session struct {
	Dst     netip.Addr // IPv4 or IPv6 destination (unicast or multicast)
	Proto   uint8      // IP protocol; 0 matches any protocol
	DstPort uint16     // 0 matches any port; non-zero only for UDP and TCP
}

// Sender is one reserved sender (an RSVP FILTER_SPEC).
type Sender struct {
	Addr netip.Addr // source address; the zero Addr matches any source
	Port uint16     // source port; 0 matches any; non-zero only for UDP and TCP
}

// Reservation is what an RSVP daemon installs on one outgoing interface:
// the session, the senders whose packets are reserved, and the merged
// flowspec. Rates are IEEE floats in bytes of IP datagrams per second and
// sizes are in bytes, as RSVP carries them (RFC 2210).
//
// Controlled-Load uses the token bucket (TokenRate r, BucketDepth b), the
// peak rate PeakRate p (math.Inf(1) when unlimited), MinPolicedUnit m and
// MaxPacketSize M. Guaranteed uses Rate R and BucketDepth b, with m and M
// as for Controlled-Load; r and p are checked but not enforced, since the
// class runs at R.
type Reservation struct {
	Session Session
	Senders []Sender // none: the class exists but no packet is steered to it
	Service Service

	TokenRate      float64 // r, bytes/s
	BucketDepth    float64 // b, bytes
	PeakRate       float64 // p, bytes/s, may be +Inf
	MinPolicedUnit uint32  // m, bytes
	MaxPacketSize  uint32  // M, bytes
	Rate           float64 // R, bytes/s, Guaranteed only
}

// maxSenders is the number of u32 filter nodes one hash table holds: the
// node part of a u32 handle has 12 bits, and 0 is not a node.
const maxSenders = 0xfff

// validate checks everything that does not depend on the interface.
func (r *Reservation) validate() error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: "+format, append([]any{ErrInvalid}, args...)...)
	}
	s := r.Session
	if !s.Dst.IsValid() || s.Dst.Is4In6() || s.Dst.Zone() != "" {
		return bad("session destination %v is not a plain IPv4 or IPv6 address", s.Dst)
	}
	ports := s.Proto == ProtoUDP || s.Proto == ProtoTCP
	if s.DstPort != 0 && !ports {
		return bad("destination port %d with protocol %d: ports are matched for UDP and TCP only", s.DstPort, s.Proto)
	}
	if len(r.Senders) > maxSenders {
		return bad("%d senders, at most %d per reservation", len(r.Senders), maxSenders)
	}
	for _, snd := range r.Senders {
		if snd.Addr.IsValid() && (snd.Addr.Is4() != s.Dst.Is4() || snd.Addr.Is4In6() || snd.Addr.Zone() != "") {
			return bad("sender %v does not match the session's address family (%v)", snd.Addr, s.Dst)
		}
		if snd.Port != 0 && !ports {
			return bad("source port %d with protocol %d: ports are matched for UDP and TCP only", snd.Port, s.Proto)
		}
	}
	finitePos := func(name string, v float64) error {
		if !(v > 0) || math.IsInf(v, 0) {
			return bad("%s = %v, want a finite number > 0", name, v)
		}
		return nil
	}
	if err := finitePos("token bucket rate r", r.TokenRate); err != nil {
		return err
	}
	if err := finitePos("bucket depth b", r.BucketDepth); err != nil {
		return err
	}
	if math.IsNaN(r.PeakRate) || r.PeakRate < r.TokenRate {
		return bad("peak rate p = %v is below r = %v", r.PeakRate, r.TokenRate)
	}
	if r.MaxPacketSize != 0 && r.MinPolicedUnit > r.MaxPacketSize {
		return bad("minimum policed unit m = %d exceeds maximum packet size M = %d", r.MinPolicedUnit, r.MaxPacketSize)
	}
	switch r.Service {
	case ControlledLoad:
	case Guaranteed:
		if err := finitePos("guaranteed rate R", r.Rate); err != nil {
			return err
		}
		if r.Rate < r.TokenRate {
			return bad("guaranteed rate R = %v is below r = %v (RFC 2212)", r.Rate, r.TokenRate)
		}
	default:
		return bad("service %v, want Controlled-Load (5) or Guaranteed (2)", r.Service)
	}
	return nil
}

// clone copies r so that the caller may reuse its Senders slice.
func (r Reservation) clone() Reservation {
	r.Senders = append([]Sender(nil), r.Senders...)
	return r
}
