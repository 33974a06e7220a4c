package engine

import (
	"testing"

	"netcompat/core/rsvp/wire"
)

// BenchmarkRefresh10k measures a router holding 10,000 sessions (one
// sender, one FF reservation each) through one refresh period: every
// session's Path and Resv arrive once (the neighbours' refreshes) and
// every timer due fires (this node's refreshes and cleanups). One op is
// one period; ns/session-period is the cost per session.
func BenchmarkRefresh10k(b *testing.B) {
	const n = 10000
	r := newRig(b, func(o *Options) { o.Node.Interfaces[1].Pool = 0 })
	paths := make([]*wire.Path, n)
	resvs := make([]*wire.Resv, n)
	for i := range n {
		p := pathFor(sendA, 1000)
		p.Session.DstPort = uint16(1 + i%60000)
		p.Session.Dest = dstX.Next()
		if i >= 60000 {
			p.Session.Dest = p.Session.Dest.Next()
		}
		paths[i] = p
		rv := resvFrom(nhopA, wire.FF, ff(100, sendA))
		rv.Session = p.Session
		resvs[i] = rv
		r.path(p)
		r.resv(rv)
	}
	if got := len(r.e.sessions); got != n {
		b.Fatalf("%d sessions", got)
	}
	period := r.e.Refresh()
	b.ResetTimer()
	for b.Loop() {
		end := r.now.Add(period)
		step := period / n
		for i := range n {
			r.now = r.now.Add(step)
			r.e.Receive(r.now, Inbound{Msg: paths[i], Iface: 1, TTL: paths[i].SendTTL})
			r.e.Receive(r.now, Inbound{Msg: resvs[i], Iface: 2, TTL: 64})
			if i%100 == 0 {
				r.e.Tick(r.now)
				r.e.Drain()
			}
		}
		r.now = end
		r.e.Tick(r.now)
		r.e.Drain()
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/n, "ns/session-period")
	if got := len(r.e.sessions); got != n {
		b.Fatalf("%d sessions after refreshing", got)
	}
}
