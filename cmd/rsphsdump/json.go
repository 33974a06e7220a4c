package main

import (
	"cmp"
	"encoding/json"
	"fmt"
	"net/netip"
	"slices"
	"time"

	"netcompat/core/rserpool/handlespace"
	"netcompat/core/rserpool/policy"
	"netcompat/core/rserpool/registrar"
	"netcompat/core/rserpool/wire"
)

// snapshot turns what the registrar sent into rspregistrar's dump shape:
// pools sorted by handle, elements by identifier (an element a later page
// repeats replaces the earlier one), a checksum per home registrar
// computed from the table, and the listed peers with the elements the
// table gives them.
func (x *exchange) snapshot() *registrar.Snapshot {
	pools := make(map[string]map[uint32]wire.PoolElement)
	for _, e := range x.entries {
		h := string(e.PoolHandle)
		if pools[h] == nil {
			pools[h] = make(map[uint32]wire.PoolElement)
		}
		for _, pe := range e.Elements {
			pools[h][pe.ID] = pe
		}
	}
	s := &registrar.Snapshot{
		ServerID:  x.peer,
		Time:      time.Now(),
		Checksum:  x.checksum,
		Checksums: make(map[string]uint16),
		Pools:     []registrar.PoolSnapshot{},
		Peers:     []registrar.PeerInfo{},
	}
	byHome := make(map[uint32][]handlespace.Key)
	for h, members := range pools {
		ps := registrar.PoolSnapshot{Handle: h}
		for _, pe := range members {
			ps.Elements = append(ps.Elements, registrar.ElementFromWire(pe))
			byHome[pe.HomeServer] = append(byHome[pe.HomeServer], handlespace.Key{Handle: h, ID: pe.ID})
		}
		slices.SortFunc(ps.Elements, func(a, b registrar.ElementSnapshot) int { return cmp.Compare(a.ID, b.ID) })
		ps.Policy = policy.Name(members[ps.Elements[0].ID].Policy.Type) // one policy per pool
		s.Pools = append(s.Pools, ps)
		s.Elements += len(members)
	}
	slices.SortFunc(s.Pools, func(a, b registrar.PoolSnapshot) int { return cmp.Compare(a.Handle, b.Handle) })
	for home, keys := range byHome {
		s.Checksums[idString(home)] = handlespace.ChecksumOf(keys)
	}
	for _, si := range x.servers {
		p := registrar.PeerInfo{ID: si.ServerID, Addrs: []netip.AddrPort{}}
		for _, a := range si.Transport.Addrs {
			p.Addrs = append(p.Addrs, netip.AddrPortFrom(a, si.Transport.Port))
		}
		p.Owned = len(byHome[si.ServerID])
		p.Checksum = handlespace.ChecksumOf(byHome[si.ServerID])
		s.Peers = append(s.Peers, p)
	}
	slices.SortFunc(s.Peers, func(a, b registrar.PeerInfo) int { return cmp.Compare(a.ID, b.ID) })
	return s
}

// checkOwn compares the checksum the registrar's Presence announced for
// its own elements with the one its table gives them. They differ when
// the handlespace changed during the dump, or when the table is
// incomplete.
func checkOwn(s *registrar.Snapshot) error {
	table, ok := s.Checksums[idString(s.ServerID)]
	if !ok {
		table = handlespace.ChecksumOf(nil)
	}
	if table != s.Checksum {
		return fmt.Errorf("the registrar's Presence announced checksum %#04x for its own elements, its handle table gives %#04x: "+
			"the handlespace changed during the dump, or the table is incomplete", s.Checksum, table)
	}
	return nil
}

// encodeSnapshot returns s as JSON, indented when pretty, with a final
// newline.
func encodeSnapshot(s *registrar.Snapshot, pretty bool) ([]byte, error) {
	var b []byte
	var err error
	if pretty {
		b, err = json.MarshalIndent(s, "", "  ")
	} else {
		b, err = json.Marshal(s)
	}
	return append(b, '\n'), err
}
