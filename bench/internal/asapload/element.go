package asapload

import (
	"net/netip"

	"netcompat/core/rserpool/policy"
	"netcompat/core/rserpool/wire"
)

// Loopback is the address the benchmarks' registrars listen on and their
// pool elements claim.
var Loopback = netip.MustParseAddr("127.0.0.1")

// Element is pool element id as the benchmarks register it: one TCP user
// transport on 127.0.0.1 (port 20000+id%40000), round robin, registration
// life life ms. A program wanting another policy sets it on the result.
func Element(id, life uint32) wire.PoolElement {
	return wire.PoolElement{
		ID:      id,
		RegLife: life,
		User: wire.Transport{
			Kind:  wire.ParamTCPTransport,
			Port:  uint16(20000 + id%40000),
			Use:   wire.UseData,
			Addrs: []netip.Addr{Loopback},
		},
		Policy: wire.Policy{Type: policy.RoundRobin},
	}
}
