package main

import (
	"log/slog"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"netcompat/core/rserpool/handlespace"
	"netcompat/core/rserpool/wire"
)

func mustParse(t *testing.T, args ...string) *options {
	t.Helper()
	o, err := parseOptions(args)
	if err != nil {
		t.Fatalf("%v: %v", args, err)
	}
	return o
}

func TestOptionDefaults(t *testing.T) {
	o := mustParse(t)
	c := o.server
	if len(c.ASAP) != 0 || c.Announce != wire.ASAPAnnounceGroup || c.Registrar.MinAddressScope != handlespace.ScopeLoopback ||
		o.logLevel != slog.LevelInfo || o.logOff || o.statsFile != "" || c.Registrar.ServerID != 0 {
		t.Fatalf("defaults %+v", o)
	}
}

func TestOptionValues(t *testing.T) {
	ap := netip.MustParseAddrPort
	o := mustParse(t,
		"-asap=10.0.0.1:99,10.0.0.2,[::1]",
		"-asapannounce=239.1.2.3",
		"-asapannounceif=eth7",
		"-announcettl=300",
		"-identifier=0x00c0ffee",
		"-maxbadpereports=0",
		"-maxhresitems=1000",
		"-maxincrement=2",
		"-maxhrrate=2.5",
		"-maxeurate=-1",
		"-minaddressscope=global",
		"-keepalivetransmissioninterval=1",
		"-endpointkeepalivetimeoutinterval=250",
		"-autoclosetimeout=1",
		"-serverannouncecycle=500",
		"-statsfile=/tmp/x",
		"-loglevel=6",
		"-portfile=/tmp/p",
		"-maxassocs=7",
		"-maxelements=0",
		"-enrp=auto", "-peer=1.2.3.4:9901", "-supporttakeoversuggestion",
	)
	c := o.server
	r := c.Registrar
	if !slices.Equal(c.ASAP, []netip.AddrPort{ap("10.0.0.1:99"), ap("10.0.0.2:99"), ap("[::1]:99")}) {
		t.Errorf("asap %v", c.ASAP)
	}
	if c.Announce != ap("239.1.2.3:3863") || c.AnnounceInterface != "eth7" || c.AnnounceTTL != 255 {
		t.Errorf("announce %v %q %d", c.Announce, c.AnnounceInterface, c.AnnounceTTL)
	}
	if r.ServerID != 0xc0ffee || r.MaxBadPEReports != 1 || r.MaxHandleResolutionItems != 128 || r.MaxIncrement != 2 {
		t.Errorf("registrar %+v", r)
	}
	if r.MaxHRRate != 2.5 || r.MaxEURate != -1 || r.MinAddressScope != handlespace.ScopeGlobal {
		t.Errorf("rates/scope %+v", r)
	}
	// rsplib's clamps.
	if r.KeepAliveInterval != 300*time.Millisecond || r.KeepAliveTimeout != 250*time.Millisecond ||
		r.AutoCloseTimeout != 5*time.Second || r.AnnounceInterval != 500*time.Millisecond {
		t.Errorf("timers %+v", r)
	}
	if o.statsFile != "/tmp/x" || o.statsInterval != time.Second || o.portFile != "/tmp/p" {
		t.Errorf("files %+v", o)
	}
	if o.logLevel != slog.LevelDebug-2 || c.MaxAssociations != 7 || r.MaxElements != -1 {
		t.Errorf("level %v assocs %d elements %d", o.logLevel, c.MaxAssociations, r.MaxElements)
	}
	if len(o.unsupported) != 1 || o.unsupported[0] != "-supporttakeoversuggestion" {
		t.Errorf("unsupported %v", o.unsupported)
	}
	if !slices.Equal(c.ENRP, []netip.AddrPort{ap("0.0.0.0:9901")}) || len(c.Peers) != 1 ||
		!slices.Equal(c.Peers[0], []netip.AddrPort{ap("1.2.3.4:9901")}) || c.ENRPMulticast != ap("239.0.0.51:9901") {
		t.Errorf("enrp %v peers %v multicast %v", c.ENRP, c.Peers, c.ENRPMulticast)
	}
}

func TestOptionForms(t *testing.T) {
	for _, tc := range []struct {
		arg   string
		check func(*options) bool
	}{
		{"-asap=auto", func(o *options) bool {
			return slices.Equal(o.server.ASAP, []netip.AddrPort{netip.MustParseAddrPort("0.0.0.0:3863")})
		}},
		{"-asap=127.0.0.1:0", func(o *options) bool {
			return slices.Equal(o.server.ASAP, []netip.AddrPort{netip.MustParseAddrPort("127.0.0.1:0")})
		}},
		{"-asapannounce=off", func(o *options) bool { return !o.server.Announce.IsValid() }},
		{"-asapannounce=NONE", func(o *options) bool { return !o.server.Announce.IsValid() }},
		{"-asapannounce=auto", func(o *options) bool { return o.server.Announce == wire.ASAPAnnounceGroup }},
		{"-asapannounce=127.0.0.1:5000", func(o *options) bool {
			return o.server.Announce == netip.MustParseAddrPort("127.0.0.1:5000")
		}},
		{"-identifier=4660", func(o *options) bool { return o.server.Registrar.ServerID == 4660 }},
		{"-identifier=$1234", func(o *options) bool { return o.server.Registrar.ServerID == 0x1234 }},
		{"-loglevel=0", func(o *options) bool { return o.logOff }},
		{"-loglevel=1", func(o *options) bool { return o.logLevel == slog.LevelError }},
		{"-loglevel=2", func(o *options) bool { return o.logLevel == slog.LevelWarn }},
		{"-loglevel=4", func(o *options) bool { return o.logLevel == slog.LevelDebug }},
		{"-loglevel=warning", func(o *options) bool { return o.logLevel == slog.LevelWarn }},
		{"-loglevel=debug", func(o *options) bool { return o.logLevel == slog.LevelDebug }},
		{"-logquiet", func(o *options) bool { return o.logOff }},
		{"--maxhresitems=5", func(o *options) bool { return o.server.Registrar.MaxHandleResolutionItems == 5 }},
		{"-endpointkeepalivetransmissioninterval=1000000000", func(o *options) bool {
			return o.server.Registrar.KeepAliveInterval == 300*time.Second
		}},
		{"-statsinterval=5", func(o *options) bool { return o.statsInterval == 10*time.Millisecond }},
	} {
		if o := mustParse(t, tc.arg); !tc.check(o) {
			t.Errorf("%s: %+v", tc.arg, o)
		}
	}
}

func TestOptionErrors(t *testing.T) {
	for _, args := range [][]string{
		{"-bogus=1"}, {"asap=1.2.3.4:5"}, {"-"}, {"-asap"}, {"-asap=nowhere"}, {"-asapannounce=0.0.0.0:1"},
		{"-identifier=0xzz"}, {"-identifier=99999999999"}, {"-loglevel=10"}, {"-loglevel=loud"},
		{"-maxhresitems=many"}, {"-maxhrrate=fast"}, {"-maxhrrate=NaN"}, {"-minaddressscope=moon"}, {"-statsfile"},
	} {
		if _, err := parseOptions(args); err == nil {
			t.Errorf("%v accepted", args)
		}
	}
}

func TestUsageMentionsOptions(t *testing.T) {
	for _, opt := range []string{"-asap=", "-asapannounce=", "-asapannounceif=", "-maxbadpereports=", "-maxhresitems=",
		"-maxhrrate=", "-maxeurate=", "-minaddressscope=", "-statsfile=", "-statsinterval=", "-loglevel=", "-identifier=",
		"-portfile=", "-keepalivetransmissioninterval=", "-keepalivetimeoutinterval=", "-enrp="} {
		if !strings.Contains(usage, opt) {
			t.Errorf("usage does not mention %s", opt)
		}
	}
}
