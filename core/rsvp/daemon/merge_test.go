package daemon

import (
	"testing"

	"netcompat/core/rsvp/api"
)

// rates lists the rates of the reservation classes on one interface.
func (n *node) rates(iface string) []uint64 {
	var out []uint64
	for _, r := range n.reservedClasses(iface) {
		out = append(out, r)
	}
	return out
}

// Two receivers on H2 reserve for the same session in each style; what
// travels upstream and is installed on H1, R1 and R2 is the merge: WF
// one class at the larger rate; FF one class per sender at the larger
// request for it; SE one shared class at the larger rate. When the
// larger receiver leaves, the reservations shrink back.
func TestReceiversMerge(t *testing.T) {
	l, nodes := chain(t, "raw")
	ctx := testCtx(t)
	sess := api.SessionSpec{Dest: l.H2Addr4(), Proto: 17, Port: 5000}
	ts := api.TokenBucket{Rate: 250000, Bucket: 10000, Peak: api.Inf, MinPoliced: 64, MaxPacket: 1500}
	senders := []api.Filter{{Addr: l.H1Addr4(), Port: 4000}, {Addr: l.H1Addr4(), Port: 4001}}
	tx := nodes["H1"].client()
	for _, f := range senders {
		sid, err := tx.Session(ctx, sess)
		if err != nil {
			t.Fatal(err)
		}
		if err := tx.Sender(ctx, sid, &api.SenderSpec{Host: f.Addr, Port: f.Port, Tspec: ts}); err != nil {
			t.Fatal(err)
		}
	}
	small, large := ts, ts
	small.Rate, large.Rate = 50000, 150000
	cl := func(tb api.TokenBucket) api.Flowspec {
		return api.Flowspec{Service: api.ServiceControlledLoad, TokenBucket: tb}
	}
	// The installed rate is r scaled for link-layer overhead (at most
	// (m + 14) / m with m = 64): it identifies which request won.
	near := func(got uint64, r float64) bool { return float64(got) >= r && float64(got) <= r*1.3 }
	egress := []struct{ n, iface string }{{"H1", "to-r1"}, {"R1", "to-r2"}, {"R2", "to-h2"}}
	expect := func(what string, want ...float64) {
		t.Helper()
		waitFor(t, what, func() bool {
			for _, e := range egress {
				got := nodes[e.n].rates(e.iface)
				if len(got) != len(want) {
					return false
				}
				for _, w := range want {
					found := false
					for _, g := range got {
						found = found || near(g, w)
					}
					if !found {
						return false
					}
				}
			}
			return true
		})
	}

	type receiver struct {
		c   *api.Client
		sid uint32
	}
	newReceiver := func() receiver {
		c := nodes["H2"].client()
		sid, err := c.Session(ctx, sess)
		if err != nil {
			t.Fatal(err)
		}
		for ev := nextEvent(t, c, sid, api.EventPath); len(ev.Senders) < 2; ev = nextEvent(t, c, sid, api.EventPath) {
		}
		return receiver{c, sid}
	}
	reserve := func(r receiver, spec *api.ReserveSpec) {
		t.Helper()
		if err := r.c.Reserve(ctx, r.sid, spec); err != nil {
			t.Fatal(err)
		}
	}
	a, b := newReceiver(), newReceiver()

	// WF: one class, the larger rate.
	reserve(a, &api.ReserveSpec{Style: api.StyleWF, Flowspecs: []api.Flowspec{cl(small)}})
	expect("WF: A's reservation", 50000)
	reserve(b, &api.ReserveSpec{Style: api.StyleWF, Flowspecs: []api.Flowspec{cl(large)}})
	expect("WF: merged to B's", 150000)
	reserve(b, nil)
	expect("WF: back to A's", 50000)
	reserve(a, nil)
	expect("WF: none")

	// FF: per sender, the larger request for each.
	reserve(a, &api.ReserveSpec{Style: api.StyleFF, Filters: senders[:1], Flowspecs: []api.Flowspec{cl(small)}})
	reserve(b, &api.ReserveSpec{Style: api.StyleFF, Filters: senders, Flowspecs: []api.Flowspec{cl(large), cl(small)}})
	expect("FF: sender 1 at B's rate, sender 2 at B's", 150000, 50000)
	reserve(b, nil)
	expect("FF: only A's for sender 1", 50000)
	reserve(a, nil)
	expect("FF: none")

	// SE: one shared class for the union of filters, the larger rate.
	reserve(a, &api.ReserveSpec{Style: api.StyleSE, Filters: senders[:1], Flowspecs: []api.Flowspec{cl(small)}})
	reserve(b, &api.ReserveSpec{Style: api.StyleSE, Filters: senders[1:], Flowspecs: []api.Flowspec{cl(large)}})
	expect("SE: one shared class at B's rate", 150000)
	reserve(b, nil)
	expect("SE: A's", 50000)

	// Mixing styles in one session is a conflict: B gets a ResvErr
	// (code 5) and A's reservation stays.
	reserve(b, &api.ReserveSpec{Style: api.StyleWF, Flowspecs: []api.Flowspec{cl(large)}})
	if ev := nextEvent(t, b.c, b.sid, api.EventResvError); ev.Error == nil || ev.Error.Code != 5 {
		t.Fatalf("conflicting style: %+v", ev.Error)
	}
	expect("SE: A's still", 50000)
}
