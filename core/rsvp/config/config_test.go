package config

import (
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const sample = `
# rsvpd for a router
refresh 10s
keep 4
encapsulation udp
api-socket /tmp/rsvpd.sock   # test path
max-sessions 1000

interface veth0 bandwidth 10Mbit enforce on
interface veth1 bandwidth 75% link 1Gbit encapsulation raw
interface lo disabled

nosignal video proto udp local-port 5004 remote 192.0.2.0/24 \
    service guaranteed rate 2Mbit burst 64KB peak 4Mbit interface veth0
nosignal any proto tcp local-port 8080 rate 800Kbit
`

func TestParse(t *testing.T) {
	c, err := Parse(strings.NewReader(sample))
	if err != nil {
		t.Fatal(err)
	}
	if c.Refresh != 10*time.Second || c.Keep != 4 || c.Encapsulation != EncapUDP ||
		c.APISocket != "/tmp/rsvpd.sock" || c.MaxSessions != 1000 {
		t.Fatalf("globals: %+v", c)
	}
	want := []Interface{
		{Name: "veth0", Bandwidth: 10e6, Enforce: true},
		{Name: "veth1", BandwidthPercent: 75, Link: 1e9, Encapsulation: EncapRaw},
		{Name: "lo", Disabled: true},
	}
	if len(c.Interfaces) != len(want) {
		t.Fatalf("interfaces: %+v", c.Interfaces)
	}
	for i := range want {
		if c.Interfaces[i] != want[i] {
			t.Errorf("interface %d: %+v, want %+v", i, c.Interfaces[i], want[i])
		}
	}
	v := c.NoSignal[0]
	if v.Name != "video" || v.Protocol != 17 || v.LocalPort != 5004 || v.Remote != netip.MustParsePrefix("192.0.2.0/24") ||
		v.Service != Guaranteed || v.Rate != 250000 || v.Burst != 65536 || v.Peak != 500000 || v.Interface != "veth0" {
		t.Errorf("video rule: %+v", v)
	}
	a := c.NoSignal[1]
	if a.Protocol != 6 || a.Rate != 100000 || a.Burst != 1500 || a.Service != ControlledLoad || a.Remote.IsValid() {
		t.Errorf("any rule: %+v", a)
	}
	if r := c.Rule(17, 5004, netip.MustParseAddr("192.0.2.9")); r == nil || r.Name != "video" {
		t.Errorf("rule lookup: %+v", r)
	}
	if r := c.Rule(17, 5004, netip.MustParseAddr("198.51.100.1")); r != nil {
		t.Errorf("rule outside its prefix: %+v", r)
	}
	if r := c.Rule(6, 8080, netip.Addr{}); r == nil || r.Name != "any" {
		t.Errorf("rule without remote: %+v", r)
	}
	if got := c.InterfaceConfig("eth9"); got != (Interface{Name: "eth9"}) {
		t.Errorf("unnamed interface: %+v", got)
	}
}

func TestDefaults(t *testing.T) {
	c, err := Load(filepath.Join(t.TempDir(), "none"), true)
	if err != nil {
		t.Fatal(err)
	}
	if c.Refresh != 30*time.Second || c.Keep != 3 || c.APISocket != DefaultAPISocket || c.Encapsulation != EncapAuto {
		t.Fatalf("defaults: %+v", c)
	}
	if _, err := Load(filepath.Join(t.TempDir(), "none"), false); err == nil {
		t.Fatal("a required file that is missing loaded")
	}
	if l := Lifetime(3, 30*time.Second); l != 157500*time.Millisecond {
		t.Fatalf("L = %v, want 157.5s", l)
	}
}

func TestLoadNamesFileAndLine(t *testing.T) {
	p := filepath.Join(t.TempDir(), "rsvpd.conf")
	os.WriteFile(p, []byte("refresh 30s\n\nkeep zero\n"), 0o644)
	_, err := Load(p, true)
	if err == nil || !strings.Contains(err.Error(), p+": line 3:") {
		t.Fatalf("error %v", err)
	}
}

func TestErrors(t *testing.T) {
	for _, bad := range []string{
		"refresh", "refresh 1ns", "refresh soon", "keep 0", "keep 1 2",
		"encapsulation ipx", "max-sessions -1", "bogus 1",
		"interface", "interface e0 bandwidth 10", "interface e0 bandwidth 150%", "interface e0 bandwidth -1Mbit",
		"interface e0 enforce maybe", "interface e0 colour red", "interface e0 bandwidth",
		"interface e0\ninterface e0",
		"nosignal", "nosignal x proto udp local-port 1", "nosignal x proto icmp local-port 1 rate 1Mbit",
		"nosignal x proto udp local-port 0 rate 1Mbit", "nosignal x proto udp local-port 1 rate 1Mbit peak 1Kbit",
		"nosignal x proto udp local-port 1 rate 1Mbit remote nowhere", "nosignal x proto udp local-port 1 rate 1Mbit burst 3",
		"nosignal x proto udp local-port 1 rate 1Mbit max-packet 1MB",
		"nosignal x proto udp local-port 1 rate 1Mbit\nnosignal x proto udp local-port 2 rate 1Mbit",
		"interface e0 \\",
		"refresh " + strings.Repeat("9", maxLine),
	} {
		if _, err := Parse(strings.NewReader(bad)); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add(sample)
	f.Add("interface a bandwidth 1bps\nnosignal n proto tcp local-port 9 rate 1bit")
	f.Fuzz(func(t *testing.T, s string) {
		c, err := Parse(strings.NewReader(s))
		if err != nil {
			return
		}
		if c.Refresh <= 0 || c.Keep < 1 || c.MaxSessions < 1 {
			t.Fatalf("accepted a bad configuration: %+v", c)
		}
		for _, r := range c.NoSignal {
			if r.Rate <= 0 || r.LocalPort == 0 || (r.Peak != 0 && r.Peak < r.Rate) {
				t.Fatalf("accepted a bad rule: %+v", r)
			}
		}
	})
}
