package csp

import (
	"net"
	"net/netip"
	"sync/atomic"
	"testing"
	"time"
)

// A reporter sends at once, then every interval, and a final report when
// closed; no report goes out while the identifier has no object part.
func TestReporter(t *testing.T) {
	mon, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer mon.Close()
	var calls atomic.Int32
	id := Compound(GroupPoolElement, 0xabc)
	r, err := NewReporter(mon.LocalAddr().(*net.UDPAddr).AddrPort(), time.Millisecond, func() (Report, bool) {
		n := calls.Add(1)
		if n == 1 {
			return Report{SenderID: Compound(GroupPoolElement, 0)}, true // no identifier yet
		}
		return Report{SenderID: id, Status: "working", Location: "here", Workload: -1}, true
	})
	if err != nil {
		t.Fatal(err)
	}
	recv := func() *Report {
		t.Helper()
		b := make([]byte, 65536)
		mon.SetReadDeadline(time.Now().Add(10 * time.Second))
		n, err := mon.Read(b)
		if err != nil {
			t.Fatal(err)
		}
		rep, err := Parse(b[:n])
		if err != nil {
			t.Fatal(err)
		}
		return rep
	}
	var prev uint64
	for i := range 3 {
		rep := recv()
		if rep.SenderID != id || rep.Status != "working" || rep.Flags != 0 || rep.Interval != uint32(MinInterval.Microseconds()) {
			t.Fatalf("report %d: %+v", i, rep)
		}
		if i > 0 && rep.TimeStamp <= prev {
			t.Fatalf("time stamps %d then %d", prev, rep.TimeStamp)
		}
		prev = rep.TimeStamp
	}
	r.Close()
	for {
		rep := recv()
		if rep.Flags&FlagFinal != 0 {
			if rep.SenderID != id || rep.Status != "" {
				t.Fatalf("final report %+v", rep)
			}
			break
		}
	}
	_ = netip.AddrPort{}
}
