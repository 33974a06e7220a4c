package session

import (
	"net/netip"
	"testing"

	"netcompat/core/rserpool/wire"
	"netcompat/core/transport"
)

func TestUserTransport(t *testing.T) {
	tr, err := userTransport([]netip.AddrPort{netip.MustParseAddrPort("0.0.0.0:4711")}, transport.BackendTCP)
	if err != nil {
		t.Fatal(err)
	}
	if tr.Kind != wire.ParamTCPTransport || tr.Port != 4711 || len(tr.Addrs) == 0 {
		t.Fatalf("%+v", tr)
	}
	for _, a := range tr.Addrs {
		if !a.Is4() || a.IsUnspecified() {
			t.Fatalf("registered address %v", a)
		}
	}
	tr, err = userTransport([]netip.AddrPort{netip.MustParseAddrPort("127.0.0.1:1"), netip.MustParseAddrPort("127.0.0.1:1")}, transport.BackendKernel)
	if err != nil || tr.Kind != wire.ParamSCTPTransport || len(tr.Addrs) != 1 {
		t.Fatalf("%+v %v", tr, err)
	}
}
