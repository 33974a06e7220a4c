package tc

import (
	"errors"
	"math"
	"net/netip"
	"testing"
)

func TestComputeParams(t *testing.T) {
	link := LinkParams{Rate: 2.5e6, Overhead: 14, MTU: 1500}
	base := Reservation{
		Session: Session{Dst: netip.MustParseAddr("192.0.2.1"), Proto: ProtoUDP, DstPort: 9},
		Service: ControlledLoad, TokenRate: 100000, BucketDepth: 10000, PeakRate: 200000,
		MinPolicedUnit: 1000, MaxPacketSize: 1400,
	}
	for _, c := range []struct {
		name   string
		mutate func(*Reservation)
		link   LinkParams
		want   ClassParams
	}{
		{"CL, scaled by 1014/1000", nil, link,
			ClassParams{Rate: 101400, Ceil: 202800, Burst: 10140, Cburst: 1514}}, // M·1.014 = 1420 < one frame
		{"CL, p unlimited → link", func(r *Reservation) { r.PeakRate = math.Inf(1) }, link,
			ClassParams{Rate: 101400, Ceil: 2.5e6, Burst: 10140, Cburst: 1514}},
		{"CL, p above link → link", func(r *Reservation) { r.PeakRate = 1e7 }, link,
			ClassParams{Rate: 101400, Ceil: 2.5e6, Burst: 10140, Cburst: 1514}},
		{"CL, p = r", func(r *Reservation) { r.PeakRate = r.TokenRate }, link,
			ClassParams{Rate: 101400, Ceil: 101400, Burst: 10140, Cburst: 1514}},
		{"CL, big M", func(r *Reservation) { r.MaxPacketSize = 9000; r.BucketDepth = 20000 }, link,
			ClassParams{Rate: 101400, Ceil: 202800, Burst: 20280, Cburst: 9126}},
		{"CL, small b raised to a frame", func(r *Reservation) { r.BucketDepth = 100 }, link,
			ClassParams{Rate: 101400, Ceil: 202800, Burst: 1514, Cburst: 1514}},
		{"CL, m unset floored at 64", func(r *Reservation) { r.MinPolicedUnit = 0; r.TokenRate = 64000; r.PeakRate = 64000 }, link,
			ClassParams{Rate: 78000, Ceil: 78000, Burst: 12188, Cburst: 1706}}, // 10000·78/64 = 12187.5, 1400·78/64 = 1706.25
		{"CL, no overhead", nil, LinkParams{Rate: 2.5e6, MTU: 1500},
			ClassParams{Rate: 100000, Ceil: 200000, Burst: 10000, Cburst: 1500}},
		{"CL, huge bucket clamped to 60 s", func(r *Reservation) { r.BucketDepth = 1e9 }, link,
			ClassParams{Rate: 101400, Ceil: 202800, Burst: 101400 * 60, Cburst: 1514}},
		{"GS at R", func(r *Reservation) { r.Service = Guaranteed; r.Rate = 150000 }, link,
			ClassParams{Rate: 152100, Ceil: 152100, Burst: 10140, Cburst: 10140}},
	} {
		r := base
		if c.mutate != nil {
			c.mutate(&r)
		}
		got, err := ComputeParams(r, c.link)
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if got != c.want {
			t.Errorf("%s:\n got %+v\nwant %+v", c.name, got, c.want)
		}
	}

	r := base
	r.TokenRate, r.PeakRate = 2.5e6, 2.5e6 // fits in IP bytes, not with headers
	if _, err := ComputeParams(r, link); !errors.Is(err, ErrCapacity) {
		t.Errorf("rate above the link: %v, want ErrCapacity", err)
	}
	if _, err := ComputeParams(base, LinkParams{}); err == nil {
		t.Error("zero link accepted")
	}
}

func TestDefaultControlRate(t *testing.T) {
	for _, c := range []struct{ cfg, want float64 }{
		{2.5e6, 25000},   // 1%
		{100000, 2500},   // the 20 kbit/s floor
		{12500, 1250},    // but never above 10%
		{1.25e9, 1.25e7}, // 10 Gbit/s: 1%
	} {
		if got := defaultControlRate(IfaceConfig{Rate: c.cfg}); got != c.want {
			t.Errorf("link %.0f: control %.0f, want %.0f", c.cfg, got, c.want)
		}
	}
	if got := defaultControlRate(IfaceConfig{Rate: 1e6, ControlRate: -1}); got != 0 {
		t.Errorf("ControlRate -1 gave %v", got)
	}
	if got := defaultControlRate(IfaceConfig{Rate: 1e6, ControlRate: 7000.2}); got != 7001 {
		t.Errorf("ControlRate 7000.2 gave %v", got)
	}
}

func TestSelectorWildcards(t *testing.T) {
	dst4 := netip.MustParseAddr("192.0.2.1")
	// No ports: no IHL or fragment keys, just protocol and addresses.
	got := selector(Session{Dst: dst4, Proto: 50}, Sender{Addr: netip.MustParseAddr("192.0.2.9")})
	want := []key{
		{Mask: 0x00ff0000, Val: 50 << 16, Off: 8},
		{Mask: 0xffffffff, Val: 0xc0000209, Off: 12},
		{Mask: 0xffffffff, Val: 0xc0000201, Off: 16},
	}
	if !sameKeys(got, want) {
		t.Errorf("ESP session:\n got %+v\nwant %+v", got, want)
	}
	// Any protocol, any source: the destination alone.
	got = selector(Session{Dst: dst4}, Sender{})
	if !sameKeys(got, want[2:]) {
		t.Errorf("wildcard everything: %+v", got)
	}
	// Source port only.
	got = selector(Session{Dst: dst4, Proto: ProtoTCP}, Sender{Port: 80})
	if last := got[len(got)-1]; last != (key{Mask: 0xffff0000, Val: 80 << 16, Off: 20}) {
		t.Errorf("source port key %+v", last)
	}
}

func TestHandle(t *testing.T) {
	h := Handle{iface: "eth0", minor: 0x10, seq: 3}
	if h.ClassID() != 0x22050010 || h.Iface() != "eth0" || h.IsZero() || h.String() != "eth0/2205:10#3" {
		t.Errorf("handle %v: class %#x", h, h.ClassID())
	}
	if !(Handle{}).IsZero() {
		t.Error("zero Handle not IsZero")
	}
	if Guaranteed.String() != "GS" || ControlledLoad.String() != "CL" || Service(9).String() != "Service(9)" {
		t.Error("Service.String")
	}
}
