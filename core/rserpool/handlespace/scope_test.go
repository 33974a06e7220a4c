package handlespace

import (
	"net/netip"
	"slices"
	"testing"
)

func TestScopeOf(t *testing.T) {
	tests := []struct {
		addr string
		want Scope
	}{
		{"0.0.0.0", ScopeUnspecified},
		{"127.0.0.1", ScopeLoopback},
		{"127.255.0.9", ScopeLoopback},
		{"10.1.2.3", ScopeSiteLocal},
		{"172.16.0.1", ScopeSiteLocal},
		{"172.31.255.255", ScopeSiteLocal},
		{"172.32.0.1", ScopeGlobal},
		{"172.15.0.1", ScopeGlobal},
		{"192.168.1.1", ScopeSiteLocal},
		{"169.254.3.4", ScopeLinkLocal},
		{"224.0.0.1", ScopeMulticastGlobal},
		{"239.0.0.50", ScopeMulticastGlobal},
		{"8.8.8.8", ScopeGlobal},
		{"100.64.0.1", ScopeGlobal},
		{"::", ScopeUnspecified},
		{"::1", ScopeLoopback},
		{"::ffff:127.0.0.1", ScopeLoopback},
		{"::ffff:10.0.0.1", ScopeSiteLocal},
		{"fe80::1", ScopeLinkLocal},
		{"febf::1", ScopeLinkLocal},
		{"fec0::1", ScopeSiteLocal},
		{"fd00::1", ScopeGlobal}, // unique local: global for rsplib
		{"2001:db8::1", ScopeGlobal},
		{"ff01::1", ScopeMulticastNodeLocal},
		{"ff02::1", ScopeMulticastLinkLocal},
		{"ff05::1", ScopeMulticastSiteLocal},
		{"ff08::50", ScopeMulticastOrgLocal},
		{"ff0e::1", ScopeMulticastGlobal},
		{"ff03::1", ScopeGlobal}, // no rsplib class: falls through to global
	}
	for _, tc := range tests {
		if got := ScopeOf(netip.MustParseAddr(tc.addr)); got != tc.want {
			t.Errorf("ScopeOf(%s) = %d, want %d", tc.addr, got, tc.want)
		}
	}
	if got := ScopeOf(netip.Addr{}); got != ScopeUnspecified {
		t.Errorf("ScopeOf(invalid) = %d", got)
	}
}

func TestParseScope(t *testing.T) {
	for s, want := range map[string]Scope{"loopback": ScopeLoopback, "sitelocal": ScopeSiteLocal, "global": ScopeGlobal} {
		if got, err := ParseScope(s); err != nil || got != want {
			t.Errorf("ParseScope(%q) = %d, %v", s, got, err)
		}
	}
	for _, s := range []string{"", "linklocal", "Global"} {
		if _, err := ParseScope(s); err == nil {
			t.Errorf("ParseScope(%q) accepted", s)
		}
	}
	if got := newHS(nil).Config().MinAddressScope; got != ScopeSiteLocal {
		t.Errorf("default scope %d", got)
	}
}

func TestFilterAddrs(t *testing.T) {
	in := addrs("127.0.0.1", "10.0.0.1", "192.0.2.1", "::1", "fe80::1", "2001:db8::1")
	tests := []struct {
		min   Scope
		assoc []netip.Addr
		want  []netip.Addr
	}{
		{ScopeLoopback, nil, addrs("127.0.0.1", "10.0.0.1", "192.0.2.1", "::1", "fe80::1", "2001:db8::1")},
		{ScopeSiteLocal, nil, addrs("10.0.0.1", "192.0.2.1", "2001:db8::1")},
		{ScopeGlobal, nil, addrs("192.0.2.1", "2001:db8::1")},
		{ScopeSiteLocal, addrs("::ffff:10.0.0.1", "2001:db8::1", "192.0.2.99"), addrs("10.0.0.1", "2001:db8::1")},
		{ScopeSiteLocal, []netip.Addr{}, nil},
	}
	for i, tc := range tests {
		if got := FilterAddrs(nil, in, tc.min, tc.assoc); !slices.Equal(got, tc.want) {
			t.Errorf("%d: got %v, want %v", i, got, tc.want)
		}
	}
}
