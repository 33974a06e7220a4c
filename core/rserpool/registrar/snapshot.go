package registrar

import (
	"cmp"
	"fmt"
	"net/netip"
	"slices"
	"time"

	"netcompat/core/rserpool/policy"
	"netcompat/core/rserpool/wire"
)

// Snapshot is a registrar's handlespace and peer table as JSON shows
// them (rsphsdump, tests). Pools are sorted by handle, elements by
// identifier, so two registrars with the same handlespace give equal
// Pools.
type Snapshot struct {
	ServerID  uint32            `json:"server_id"`
	Time      time.Time         `json:"time"`
	Checksum  uint16            `json:"checksum"`  // our own elements' (our Presence)
	Checksums map[string]uint16 `json:"checksums"` // per home registrar, "$xxxxxxxx"
	Elements  int               `json:"elements"`
	Pools     []PoolSnapshot    `json:"pools"`
	Peers     []PeerInfo        `json:"peers"`
	Startup   bool              `json:"startup,omitempty"`
}

// PoolSnapshot is one pool.
type PoolSnapshot struct {
	Handle   string            `json:"handle"`
	Policy   string            `json:"policy"`
	Elements []ElementSnapshot `json:"elements"`
}

// ElementSnapshot is one pool element.
type ElementSnapshot struct {
	ID          uint32   `json:"id"`
	Home        uint32   `json:"home"`
	RegLifeMs   uint32   `json:"registration_life_ms"`
	Transport   string   `json:"transport"`
	Addrs       []string `json:"addrs"`
	PolicyValue []uint32 `json:"policy_values,omitempty"`
	ASAP        []string `json:"asap,omitempty"`
}

// Snapshot returns the registrar's state as of now.
func (r *Registrar) Snapshot(now time.Time) *Snapshot {
	s := &Snapshot{
		ServerID:  r.cfg.ServerID,
		Time:      now,
		Checksum:  r.hs.OwnChecksum(),
		Checksums: make(map[string]uint16),
		Elements:  r.hs.Len(),
		Peers:     r.Peers(),
		Startup:   r.startup,
	}
	for _, h := range r.hs.Homes() {
		s.Checksums[peStr(h)] = r.hs.Checksum(h)
	}
	for p := range r.hs.Pools() {
		ps := PoolSnapshot{Handle: p.Handle(), Policy: policy.Name(p.PolicyType())}
		for _, m := range p.Members() {
			ps.Elements = append(ps.Elements, ElementFromWire(r.announced(m))) // as peers see it
		}
		slices.SortFunc(ps.Elements, func(a, b ElementSnapshot) int { return cmp.Compare(a.ID, b.ID) })
		s.Pools = append(s.Pools, ps)
	}
	slices.SortFunc(s.Pools, func(a, b PoolSnapshot) int { return cmp.Compare(a.Handle, b.Handle) })
	return s
}

// ElementFromWire describes a pool element for a snapshot.
func ElementFromWire(pe wire.PoolElement) ElementSnapshot {
	e := ElementSnapshot{
		ID: pe.ID, Home: pe.HomeServer, RegLifeMs: pe.RegLife,
		Transport:   transportName(pe.User.Kind),
		Addrs:       endpoints(&pe.User),
		PolicyValue: slices.Clone(pe.Policy.Values),
	}
	if pe.ASAP != nil {
		e.ASAP = endpoints(pe.ASAP)
	}
	return e
}

func endpoints(t *wire.Transport) []string {
	out := make([]string, 0, len(t.Addrs))
	for _, a := range t.Addrs {
		out = append(out, netip.AddrPortFrom(a, t.Port).String())
	}
	return out
}

func transportName(k wire.ParamType) string {
	switch k {
	case wire.ParamSCTPTransport:
		return "sctp"
	case wire.ParamTCPTransport:
		return "tcp"
	case wire.ParamUDPTransport:
		return "udp"
	case wire.ParamUDPLiteTransport:
		return "udplite"
	case wire.ParamDCCPTransport:
		return "dccp"
	}
	return fmt.Sprintf("0x%04x", uint16(k))
}

// Snapshot returns the registrar's handlespace and peer table; after
// Close, nil.
func (s *Server) Snapshot() *Snapshot {
	ch := make(chan *Snapshot, 1)
	select {
	case s.snapReq <- ch:
		return <-ch
	case <-s.loopDone:
		return nil
	}
}
