package daemon

import (
	"fmt"
	"net"
	"sync"
	"syscall"
	"testing"
	"time"

	"netcompat/core/internal/flowtest"
	"netcompat/core/rsvp/api"
	"netcompat/internal/netns"
)

const mbit = 1e6 / 8 // bytes per second

// Enforcement end to end: H1's link to R1 is limited to 20 Mbit/s by
// rsvpd's HTB; a 4 Mbit/s UDP flow reserved through the API from H2
// keeps at least 80% of its rate at H2 while a best-effort flood of
// three times the link rate leaves H1 on the same link.
func TestReservedFlowSurvivesFlood(t *testing.T) {
	if testing.Short() {
		t.Skip("takes several seconds; skipped in -short mode")
	}
	share := measureFlood(t, 3*time.Second)
	t.Logf("reserved flow kept %.3f of its rate", share)
	if share < 0.8 {
		t.Fatalf("the reserved flow kept %.3f of its reserved rate, want at least 0.8", share)
	}
}

// measureFlood sets up the chain and the reservation and returns the
// share of the reserved rate received at H2 during window.
func measureFlood(t testing.TB, window time.Duration) float64 {
	l := netns.NewLinear(t, netns.LinearConfig{Prefix: "flood"})
	conf := "refresh 1s\ninterface to-r1 bandwidth 10Mbit link 20Mbit enforce on\n"
	nodes := map[string]*node{
		"H1": startNode(t, l.H1, conf), "R1": startNode(t, l.R1, "refresh 1s\n"),
		"R2": startNode(t, l.R2, "refresh 1s\n"), "H2": startNode(t, l.H2, "refresh 1s\n"),
	}
	ctx := testCtx(t)
	const payload, resvPort, floodPort = 1000, 5000, 5001
	reserved := 4 * mbit
	dgram := float64(payload + flowtest.IPUDPHeaders)
	sess := api.SessionSpec{Dest: l.H2Addr4(), Proto: 17, Port: resvPort}
	ts := api.TokenBucket{Rate: api.Float(reserved), Bucket: api.Float(50 * dgram), Peak: api.Float(2 * reserved),
		MinPoliced: uint32(dgram), MaxPacket: uint32(dgram)}
	tx, rx := nodes["H1"].client(), nodes["H2"].client()
	tsid, err := tx.Session(ctx, sess)
	if err != nil {
		t.Fatal(err)
	}
	if err := tx.Sender(ctx, tsid, &api.SenderSpec{Host: l.H1Addr4(), Port: 4000, Tspec: ts}); err != nil {
		t.Fatal(err)
	}
	rsid, err := rx.Session(ctx, sess)
	if err != nil {
		t.Fatal(err)
	}
	for ev := nextEvent(t, rx, rsid, api.EventPath); len(ev.Senders) == 0; ev = nextEvent(t, rx, rsid, api.EventPath) {
	}
	if err := rx.Reserve(ctx, rsid, &api.ReserveSpec{Style: api.StyleFF, Confirm: true,
		Filters:   []api.Filter{{Addr: l.H1Addr4(), Port: 4000}},
		Flowspecs: []api.Flowspec{{Service: api.ServiceControlledLoad, TokenBucket: ts}}}); err != nil {
		t.Fatal(err)
	}
	nextEvent(t, rx, rsid, api.EventResvConfirm)
	waitFor(t, "the class on H1", func() bool { return len(nodes["H1"].reservedClasses("to-r1")) == 1 })

	listen := func(port int) net.PacketConn {
		c, err := l.H2.ListenPacket("udp4", fmt.Sprintf("%v:%d", l.H2Addr4(), port))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		flowtest.ForceBuffer(t, c.(syscall.Conn), syscall.SO_RCVBUFFORCE, 4<<20)
		return c
	}
	dial := func(src, dst int) net.Conn {
		var c net.Conn
		err := l.H1.Do(func() (err error) {
			d := net.Dialer{LocalAddr: &net.UDPAddr{IP: l.H1Addr4().AsSlice(), Port: src}}
			c, err = d.Dial("udp4", fmt.Sprintf("%v:%d", l.H2Addr4(), dst))
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return c
	}
	resvIn, floodIn := listen(resvPort), listen(floodPort)
	resvOut, floodOut := dial(4000, resvPort), dial(4001, floodPort)
	flowtest.ForceBuffer(t, floodOut.(syscall.Conn), syscall.SO_SNDBUFFORCE, 16<<20)

	start := time.Now()
	from := start.Add(time.Second)
	to := from.Add(window)
	var received float64
	var wg sync.WaitGroup
	for _, f := range []func(){
		func() { received = flowtest.Receive(resvIn, from, to) },
		func() { flowtest.Receive(floodIn, from, to) },
		func() { flowtest.Send(resvOut, payload, reserved, start, from, to) },
		func() { flowtest.Send(floodOut, payload, 60*mbit, start, from, to) },
	} {
		wg.Add(1)
		go func() { defer wg.Done(); f() }()
	}
	wg.Wait()
	return received / window.Seconds() / reserved
}

// BenchmarkReservedShare reports the share of its reserved rate the
// reserved flow keeps under the flood (bench/rsvp.sh runs it once).
func BenchmarkReservedShare(b *testing.B) {
	for range b.N {
		b.ReportMetric(measureFlood(b, 5*time.Second), "share")
	}
}
