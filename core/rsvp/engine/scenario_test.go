package engine

import (
	"net/netip"
	"testing"
	"time"

	"netcompat/core/rsvp/api"
	"netcompat/core/rsvp/wire"
)

var s1 = netip.AddrPortFrom(addrH1, 4000)

// unicastSetup makes H1 a sender to H2:5000 and H2 a receiver.
func unicastSetup(t *testing.T, sc simConfig) (sn *simNet, hc ClientID, hs uint32, rc ClientID, rs uint32) {
	t.Helper()
	sn = newSim(t, sc)
	rc, rs = sn.open("H2", addrH2, 5000)
	hc, hs = sn.open("H1", addrH2, 5000)
	sn.sender("H1", hc, hs, 4000, 10000)
	return
}

func TestPathHopByHop(t *testing.T) {
	sn, _, _, _, rs := unicastSetup(t, simConfig{pools: map[string]float64{"R1/if2": 1e6}})
	for _, c := range []struct {
		node string
		phop string
		in   string
	}{{"R1", "10.0.1.1", "r1-if1"}, {"R2", "10.0.2.1", "r2-if1"}, {"H2", "10.0.3.1", "h2-if1"}} {
		ss := sn.sessionOf(c.node, addrH2)
		if ss == nil || len(ss.Paths) != 1 {
			t.Fatalf("%s: path state %+v", c.node, ss)
		}
		ps := ss.Paths[0]
		if ps.PHOP != a(c.phop) || ps.InIface != c.in || ps.Sender != "10.0.1.1:4000" {
			t.Errorf("%s: PHOP %v in %q sender %q, want %s %s", c.node, ps.PHOP, ps.InIface, ps.Sender, c.phop, c.in)
		}
	}
	// H1 itself holds the local sender.
	if ss := sn.sessionOf("H1", addrH2); ss == nil || len(ss.Paths) != 1 || !ss.Paths[0].Local {
		t.Fatalf("H1 path state %+v", ss)
	}
	ev := sn.lastEvent("H2", rs, api.EventPath)
	if ev == nil || len(ev.Senders) != 1 {
		t.Fatalf("H2 path event %+v", ev)
	}
	snd := ev.Senders[0]
	if snd.Filter.Addr != addrH1 || snd.Filter.Port != 4000 || snd.Tspec.Rate != 10000 {
		t.Errorf("sender %+v", snd)
	}
	// The Adspec was composed at H1, R1 and R2: three hops, the
	// smallest bandwidth on the way (R1's pool of 1 MB/s).
	if snd.Adspec == nil || snd.Adspec.HopCount != 3 || snd.Adspec.PathBandwidth != 1e6 {
		t.Errorf("adspec %+v", snd.Adspec)
	}
	if snd.Adspec.Guaranteed == nil || !snd.Adspec.ControlledLoad {
		t.Errorf("adspec services %+v", snd.Adspec)
	}
	// A receiver opening its session later hears of the sender at once.
	_, late := sn.open("H2", addrH2, 5000)
	if ev := sn.lastEvent("H2", late, api.EventPath); ev == nil || len(ev.Senders) != 1 {
		t.Errorf("late receiver's path event %+v", ev)
	}
	// Refreshes do not repeat path events: only changes are reported.
	n := len(sn.events("H2", rs, api.EventPath))
	sn.advance(5 * time.Minute)
	if m := len(sn.events("H2", rs, api.EventPath)); m != n {
		t.Errorf("%d path events from refreshes", m-n)
	}
}

func TestResvInstallsAndConfirms(t *testing.T) {
	sn, _, hs, rc, rs := unicastSetup(t, simConfig{})
	spec := ffSpec(8000, s1)
	spec.Confirm = true
	sn.reserve("H2", rc, rs, spec)

	for _, c := range []struct {
		node  string
		iface int
	}{{"H1", 1}, {"R1", 2}, {"R2", 2}} {
		got := sn.installed(c.node, c.iface)
		if len(got) != 1 {
			t.Fatalf("%s if%d: installed %+v", c.node, c.iface, got)
		}
		r := got[0]
		if r.Dest != addrH2 || r.DstPort != 5000 || r.Proto != 17 || r.Service != wire.ServiceControlledLoad || r.TokenRate != 8000 ||
			len(r.Senders) != 1 || r.Senders[0] != (TCSender{addrH1, 4000}) {
			t.Errorf("%s: installed %+v", c.node, r)
		}
	}
	if n := sn.liveCount(); n != 3 {
		t.Errorf("%d reservations installed in all, want 3", n)
	}
	if evs := sn.events("H2", rs, api.EventResvConfirm); len(evs) != 1 {
		t.Errorf("H2 confirmations %+v", evs)
	} else if evs[0].Error == nil || evs[0].Error.Node != addrH1 {
		t.Errorf("confirmation from %+v, want the sender host", evs[0].Error)
	}
	ev := sn.lastEvent("H1", hs, api.EventResv)
	if ev == nil || len(ev.Flowspecs) != 1 || ev.Flowspecs[0].TokenBucket.Rate != 8000 || ev.Style != api.StyleFF {
		t.Fatalf("H1 resv event %+v", ev)
	}
	// Refreshes keep everything as it is, with no new TC action.
	n := len(sn.node("R1").tc)
	sn.advance(10 * time.Minute)
	if len(sn.node("R1").tc) != n || sn.liveCount() != 3 {
		t.Errorf("refreshes changed traffic control: %+v", sn.node("R1").tc[n:])
	}
	if evs := sn.events("H2", rs, api.EventResvConfirm); len(evs) != 1 {
		t.Errorf("confirmations repeated on refresh: %d", len(evs))
	}
}

func TestConfirmAnsweredAtMergePoint(t *testing.T) {
	// Two receivers on H2 share the session. The second asks for less
	// than is in place: H2 itself answers, the Resv goes no further.
	sn, _, _, rc, rs := unicastSetup(t, simConfig{})
	sn.reserve("H2", rc, rs, ffSpec(8000, s1))
	c2, s2 := sn.open("H2", addrH2, 5000)
	spec := ffSpec(4000, s1)
	spec.Confirm = true
	before := len(sn.node("H2").sent)
	sn.reserve("H2", c2, s2, spec)
	evs := sn.events("H2", s2, api.EventResvConfirm)
	if len(evs) != 1 || evs[0].Error.Node != addrH2 {
		t.Fatalf("confirmations %+v", evs)
	}
	if n := len(sn.node("H2").sent) - before; n != 0 {
		t.Errorf("H2 sent %d messages for a request merged into a larger one", n)
	}
}

func TestTeardownFromReceiver(t *testing.T) {
	sn, _, hs, rc, rs := unicastSetup(t, simConfig{})
	sn.reserve("H2", rc, rs, ffSpec(8000, s1))
	if sn.liveCount() != 3 {
		t.Fatalf("installed %d", sn.liveCount())
	}
	sn.reserve("H2", rc, rs, nil)
	if n := sn.liveCount(); n != 0 {
		t.Fatalf("%d reservations left after ResvTear", n)
	}
	for _, name := range []string{"H1", "R1", "R2", "H2"} {
		if ss := sn.sessionOf(name, addrH2); ss == nil || len(ss.Resvs) != 0 || len(ss.Paths) != 1 || len(ss.Upstream) != 0 {
			t.Errorf("%s: %+v", name, ss)
		}
	}
	if ev := sn.lastEvent("H1", hs, api.EventResv); ev == nil || len(ev.Flowspecs) != 0 {
		t.Errorf("H1's last resv event %+v, want the empty one", ev)
	}
	// Releasing both API sessions leaves nothing anywhere.
	sn.do("H2", func(e *Engine) { e.CloseClient(sn.now, rc) })
	sn.do("H1", func(e *Engine) { e.CloseClient(sn.now, 1) })
	for _, n := range sn.nodes {
		if st := n.e.Status(); len(st.Sessions) != 0 || st.States != 0 {
			t.Errorf("%s: left %+v", n.name, st.Sessions)
		}
	}
}

func TestTeardownFromSender(t *testing.T) {
	sn, hc, hs, rc, rs := unicastSetup(t, simConfig{})
	sn.reserve("H2", rc, rs, ffSpec(8000, s1))
	sn.do("H1", func(e *Engine) {
		if err := e.SetSender(sn.now, hc, hs, nil); err != nil {
			t.Fatal(err)
		}
	})
	if n := sn.liveCount(); n != 0 {
		t.Fatalf("%d reservations left after PathTear", n)
	}
	for _, name := range []string{"R1", "R2"} {
		if ss := sn.sessionOf(name, addrH2); ss != nil {
			t.Errorf("%s keeps %+v", name, ss)
		}
	}
	if ev := sn.lastEvent("H2", rs, api.EventPath); ev == nil || len(ev.Senders) != 0 {
		t.Errorf("H2's last path event %+v, want no senders", ev)
	}
	// The receiver's request stays (RAPI: it applies again when a
	// sender comes back) and is made at once when it does.
	sn.sender("H1", hc, hs, 4000, 10000)
	if sn.liveCount() != 3 {
		t.Errorf("the reservation did not come back with the sender: %d installed", sn.liveCount())
	}
	// Closing the sender's client removes everything again.
	sn.do("H1", func(e *Engine) { e.CloseClient(sn.now, hc) })
	if sn.liveCount() != 0 {
		t.Errorf("%d reservations after the sender's client closed", sn.liveCount())
	}
}

func TestExpiryAfterSenderDies(t *testing.T) {
	sn, _, _, rc, rs := unicastSetup(t, simConfig{})
	sn.reserve("H2", rc, rs, ffSpec(8000, s1))
	sn.advance(5 * time.Minute)
	// Kill H1: nothing it sends arrives any more; note its last Path.
	var last time.Time
	sn.drop = func(from, to string, m wire.Message) bool {
		if from == "H1" && m.Type() == wire.TypePath {
			if sn.dead["H1"] {
				return true
			}
			last = sn.now
		}
		return false
	}
	sn.advance(time.Minute)
	sn.dead["H1"] = true
	killed := sn.now
	L := sn.node("R1").e.Lifetime(30 * time.Second)
	if L != 157500*time.Millisecond {
		t.Fatalf("L = %v, want 157.5s", L)
	}
	sn.advance(last.Add(L).Sub(sn.now) - time.Second)
	if ss := sn.sessionOf("R1", addrH2); ss == nil || len(ss.Paths) != 1 {
		t.Fatalf("R1 lost the path %v after H1's last refresh, before L", sn.now.Sub(last))
	}
	if sn.installed("R1", 2) == nil || sn.installed("R2", 2) == nil {
		t.Fatal("reservations gone before L")
	}
	sn.advance(2 * time.Second)
	for _, name := range []string{"R1", "R2"} {
		if ss := sn.sessionOf(name, addrH2); ss != nil {
			t.Errorf("%s keeps state %v after H1 died: %+v", name, sn.now.Sub(killed), ss)
		}
		if got := append(sn.installed(name, 1), sn.installed(name, 2)...); len(got) != 0 {
			t.Errorf("%s keeps reservations %+v", name, got)
		}
	}
	if ev := sn.lastEvent("H2", rs, api.EventPath); ev == nil || len(ev.Senders) != 0 {
		t.Errorf("H2 last path event %+v", ev)
	}
	if c := sn.node("R1").e.Status().Counters["path_state_expired"]; c != 1 {
		t.Errorf("R1 path_state_expired = %d", c)
	}
}

func TestReservationExpiresWithoutRefresh(t *testing.T) {
	sn, _, _, rc, rs := unicastSetup(t, simConfig{})
	sn.reserve("H2", rc, rs, ffSpec(8000, s1))
	// H2 goes silent upstream (its Resv refreshes are lost), Paths still
	// flow: the reservations time out hop by hop.
	sn.drop = func(from, to string, m wire.Message) bool { return from == "H2" && m.Type() == wire.TypeResv }
	sn.advance(4 * time.Minute)
	if n := sn.liveCount(); n != 0 {
		t.Errorf("%d reservations survive without refresh", n)
	}
	if ss := sn.sessionOf("R1", addrH2); ss == nil || len(ss.Resvs) != 0 || len(ss.Paths) != 1 {
		t.Errorf("R1: %+v", ss)
	}
}

// multicastSetup makes H1 a sender to group G (two senders: ports 4000
// and 4001 from two API sessions) and H2 and H3 receivers.
func multicastSetup(t *testing.T, sc simConfig) (sn *simNet, c2 ClientID, r2 uint32, c3 ClientID, r3 uint32) {
	t.Helper()
	sn = newSim(t, sc)
	c2, r2 = sn.open("H2", groupG, 6000)
	c3, r3 = sn.open("H3", groupG, 6000)
	ca, sa := sn.open("H1", groupG, 6000)
	sn.sender("H1", ca, sa, 4000, 10000)
	cb, sb := sn.open("H1", groupG, 6000)
	sn.sender("H1", cb, sb, 4001, 10000)
	for _, n := range []string{"H2", "H3"} {
		sid := r2
		if n == "H3" {
			sid = r3
		}
		if ev := sn.lastEvent(n, sid, api.EventPath); ev == nil || len(ev.Senders) != 2 {
			t.Fatalf("%s path event %+v", n, ev)
		}
	}
	return
}

var s1b = netip.AddrPortFrom(addrH1, 4001)

func rates(rs []TCReservation) []float64 {
	var out []float64
	for _, r := range rs {
		out = append(out, r.TokenRate)
	}
	return out
}

func TestMergeWF(t *testing.T) {
	sn, c2, r2, c3, r3 := multicastSetup(t, simConfig{})
	sn.reserve("H2", c2, r2, wfSpec(1000))
	sn.reserve("H3", c3, r3, wfSpec(3000))
	check := func(node string, idx int, want float64, senders int) {
		t.Helper()
		got := sn.installed(node, idx)
		if len(got) != 1 || got[0].TokenRate != want || len(got[0].Senders) != senders {
			t.Errorf("%s if%d: %+v, want one shared reservation of %v for %d senders", node, idx, got, want, senders)
		}
	}
	check("R2", 2, 1000, 2)
	check("R2", 3, 3000, 2)
	check("R1", 2, 3000, 2)
	check("H1", 1, 3000, 2)
	// H3 leaves: upstream shrinks to H2's request.
	sn.reserve("H3", c3, r3, nil)
	check("R1", 2, 1000, 2)
	check("H1", 1, 1000, 2)
	if got := sn.installed("R2", 3); len(got) != 0 {
		t.Errorf("R2 if3 keeps %+v", got)
	}
}

func TestMergeFF(t *testing.T) {
	sn, c2, r2, c3, r3 := multicastSetup(t, simConfig{})
	sn.reserve("H2", c2, r2, ffSpec(1000, s1, s1b))
	spec := &api.ReserveSpec{Style: api.StyleFF,
		Filters:   []api.Filter{{Addr: addrH1, Port: 4000}},
		Flowspecs: []api.Flowspec{cl(2500)}}
	sn.reserve("H3", c3, r3, spec)
	got := sn.installed("R1", 2)
	if len(got) != 2 {
		t.Fatalf("R1 if2: %+v", got)
	}
	bySender := map[uint16]float64{}
	for _, r := range got {
		if len(r.Senders) != 1 {
			t.Fatalf("FF reservation with senders %+v", r.Senders)
		}
		bySender[r.Senders[0].Port] = r.TokenRate
	}
	if bySender[4000] != 2500 || bySender[4001] != 1000 {
		t.Errorf("R1 per-sender rates %v, want 4000→2500 4001→1000", bySender)
	}
	if r := rates(sn.installed("R2", 3)); len(r) != 1 || r[0] != 2500 {
		t.Errorf("R2 if3 %v", r)
	}
	if r := rates(sn.installed("R2", 2)); len(r) != 2 {
		t.Errorf("R2 if2 %v", r)
	}
	// Tear the 4001 reservation at H2: it leaves R2 if2 and, as nobody
	// else asks for it, R1 and H1 too (an FF ResvTear upstream).
	sn.reserve("H2", c2, r2, ffSpec(1000, s1))
	if n := len(sn.installed("R1", 2)); n != 1 {
		t.Errorf("R1 keeps %d FF reservations", n)
	}
	if n := len(sn.installed("H1", 1)); n != 1 {
		t.Errorf("H1 keeps %d FF reservations", n)
	}
}

func TestMergeSE(t *testing.T) {
	sn, c2, r2, c3, r3 := multicastSetup(t, simConfig{})
	sn.reserve("H2", c2, r2, seSpec(1000, s1))
	sn.reserve("H3", c3, r3, seSpec(2000, s1, s1b))
	got := sn.installed("R1", 2)
	if len(got) != 1 || got[0].TokenRate != 2000 || len(got[0].Senders) != 2 {
		t.Fatalf("R1 if2: %+v, want one SE reservation of 2000 for both senders", got)
	}
	if r := sn.installed("R2", 2); len(r) != 1 || len(r[0].Senders) != 1 || r[0].TokenRate != 1000 {
		t.Errorf("R2 if2 %+v", r)
	}
	ss := sn.sessionOf("R1", groupG)
	if len(ss.Upstream) != 1 || ss.Upstream[0].Style != "SE" {
		t.Errorf("R1 upstream %+v", ss.Upstream)
	}
}

func TestConflictingStyles(t *testing.T) {
	sn, c2, r2, c3, r3 := multicastSetup(t, simConfig{})
	sn.reserve("H2", c2, r2, wfSpec(1000))
	sn.reserve("H3", c3, r3, ffSpec(1000, s1))
	ev := sn.lastEvent("H3", r3, api.EventResvError)
	if ev == nil || ev.Error.Code != uint8(wire.CodeConflictingStyle) || ev.Error.Value != wire.OptionsWF {
		t.Fatalf("H3 resv error %+v", ev)
	}
	if ev.Error.Node != a("10.0.4.1") {
		t.Errorf("error from %v, want R2", ev.Error.Node)
	}
	// H2's WF reservation is untouched.
	if r := sn.installed("R1", 2); len(r) != 1 || r[0].TokenRate != 1000 {
		t.Errorf("R1 %+v", r)
	}
}

func TestAdmissionFailureKeepsSmaller(t *testing.T) {
	// R1's link to R2 has 5000 B/s. H2 asks 4000 (fits), H3 8000: the
	// merge fails at R1, whose ResvErr reaches H3 only, with InPlace;
	// the 4000 stays installed, and blockade state at R2 lets H2's
	// request through on its own.
	sn, c2, r2, c3, r3 := multicastSetup(t, simConfig{pools: map[string]float64{"R1/if2": 5000}})
	sn.reserve("H2", c2, r2, ffSpec(4000, s1))
	if r := rates(sn.installed("R1", 2)); len(r) != 1 || r[0] != 4000 {
		t.Fatalf("R1 %v", r)
	}
	sn.reserve("H3", c3, r3, ffSpec(8000, s1))
	ev := sn.lastEvent("H3", r3, api.EventResvError)
	if ev == nil || ev.Error.Code != uint8(wire.CodeAdmission) || ev.Error.Value != wire.AdmissionBandwidth {
		t.Fatalf("H3 resv error %+v", ev)
	}
	if ev.Error.Flags&wire.ErrorInPlace == 0 || ev.Error.Node != a("10.0.2.1") {
		t.Errorf("error flags %#x node %v, want InPlace from R1", ev.Error.Flags, ev.Error.Node)
	}
	if evs := sn.events("H2", r2, api.EventResvError); len(evs) != 0 {
		t.Errorf("H2 got errors %+v", evs)
	}
	if r := rates(sn.installed("R1", 2)); len(r) != 1 || r[0] != 4000 {
		t.Errorf("R1 %v, want the 4000 in place", r)
	}
	if r := rates(sn.installed("R2", 3)); len(r) != 1 || r[0] != 8000 {
		t.Errorf("R2 if3 %v (admitted locally)", r)
	}
	ss := sn.sessionOf("R2", groupG)
	if len(ss.Blockades) != 1 || ss.Blockades[0].Flowspec.TokenBucket.Rate != 8000 {
		t.Fatalf("R2 blockade %+v", ss.Blockades)
	}
	// Over time: refreshes go on, H2's reservation stays, H3 keeps
	// hearing of the failure, H2 never.
	sn.advance(10 * time.Minute)
	if r := rates(sn.installed("R1", 2)); len(r) != 1 || r[0] != 4000 {
		t.Errorf("after 10 min R1 %v", r)
	}
	if evs := sn.events("H2", r2, api.EventResvError); len(evs) != 0 {
		t.Errorf("H2 got errors %+v", evs)
	}
	if n := len(sn.events("H3", r3, api.EventResvError)); n < 2 {
		t.Errorf("H3 heard %d errors in 10 min", n)
	}
	// A smaller request from H3 is admitted.
	sn.reserve("H3", c3, r3, ffSpec(4500, s1))
	if r := rates(sn.installed("R1", 2)); len(r) != 1 || r[0] != 4500 {
		t.Errorf("R1 %v after H3 asked 4500", r)
	}
}

func TestAdmissionFailureSingleReceiver(t *testing.T) {
	sn, _, _, rc, rs := unicastSetup(t, simConfig{pools: map[string]float64{"R2/if2": 5000}})
	sn.reserve("H2", rc, rs, ffSpec(6000, s1))
	ev := sn.lastEvent("H2", rs, api.EventResvError)
	if ev == nil || ev.Error.Code != uint8(wire.CodeAdmission) || ev.Error.Flags&wire.ErrorInPlace != 0 {
		t.Fatalf("H2 error %+v", ev)
	}
	if sn.liveCount() != 0 {
		t.Errorf("%d reservations installed", sn.liveCount())
	}
	// Nothing went upstream of the failing node.
	if ss := sn.sessionOf("R1", addrH2); len(ss.Resvs) != 0 {
		t.Errorf("R1 resv state %+v", ss.Resvs)
	}
	st := sn.node("R2").e.Status()
	if st.Interfaces[1].Used != 0 || st.Counters["admission_failures"] == 0 {
		t.Errorf("R2 interface %+v counters %v", st.Interfaces[1], st.Counters)
	}
}

func TestRouteChange(t *testing.T) {
	sn, _, _, rc, rs := unicastSetup(t, simConfig{})
	sn.reserve("H2", rc, rs, ffSpec(8000, s1))
	if len(sn.installed("R1", 2)) != 1 {
		t.Fatal("not installed on R1 if2")
	}
	// R1 now reaches H2 over the second link.
	r1 := sn.node("R1")
	for i := range r1.routes {
		if r1.routes[i].prefix == p("10.0.3.0/24") {
			r1.routes[i].routes = []Route{{3, a("10.0.5.2")}}
		}
	}
	sn.do("R1", func(e *Engine) { e.RouteChanged(sn.now) })
	if got := sn.installed("R1", 3); len(got) != 1 || got[0].TokenRate != 8000 {
		t.Errorf("R1 if3 %+v", got)
	}
	if got := sn.installed("R1", 2); len(got) != 0 {
		t.Errorf("R1 if2 keeps %+v", got)
	}
	ps := sn.sessionOf("R2", addrH2).Paths[0]
	if ps.PHOP != a("10.0.5.1") {
		t.Errorf("R2 PHOP %v", ps.PHOP)
	}
	// H1's reservation was never torn down during the repair.
	for _, act := range sn.node("H1").tc {
		if act.Op == TCRemove {
			t.Errorf("H1 reservation removed during local repair")
		}
	}
	if got := sn.installed("R2", 2); len(got) != 1 {
		t.Errorf("R2 if2 %+v", got)
	}
	sn.advance(10 * time.Minute)
	if ss := sn.sessionOf("R1", addrH2); len(ss.Resvs) != 1 || ss.Resvs[0].OutIface != "r1-if3" {
		t.Errorf("R1 resv state after repair %+v", ss.Resvs)
	}
	if sn.liveCount() != 3 {
		t.Errorf("%d installed after repair", sn.liveCount())
	}
}

func TestGuaranteedService(t *testing.T) {
	sn, _, _, rc, rs := unicastSetup(t, simConfig{pools: map[string]float64{"R1/if2": 10000}})
	spec := &api.ReserveSpec{Style: api.StyleWF, Flowspecs: []api.Flowspec{gs(5000, 9000)}}
	sn.reserve("H2", rc, rs, spec)
	got := sn.installed("R1", 2)
	if len(got) != 1 || got[0].Service != wire.ServiceGuaranteed || got[0].Rate != 9000 {
		t.Fatalf("R1 %+v", got)
	}
	st := sn.node("R1").e.Status()
	if st.Interfaces[1].Used != 9000 {
		t.Errorf("GS counts R in the pool: used %v", st.Interfaces[1].Used)
	}
	// A larger R no longer fits.
	spec.Flowspecs[0] = gs(5000, 11000)
	sn.reserve("H2", rc, rs, spec)
	if ev := sn.lastEvent("H2", rs, api.EventResvError); ev == nil || ev.Error.Code != 1 || ev.Error.Flags&wire.ErrorInPlace == 0 {
		t.Errorf("error %+v", ev)
	}
	if got := sn.installed("R1", 2); len(got) != 1 || got[0].Rate != 9000 {
		t.Errorf("R1 after failed growth %+v", got)
	}
}

func TestKillerReservationII(t *testing.T) {
	// H3's large request comes first and fails at R1 (nothing in place).
	// H2's smaller one, arriving later, must not be merged with it into
	// failure: R2's blockade state lets it through alone.
	sn, c2, r2, c3, r3 := multicastSetup(t, simConfig{pools: map[string]float64{"R1/if2": 5000}})
	sn.reserve("H3", c3, r3, ffSpec(8000, s1))
	ev := sn.lastEvent("H3", r3, api.EventResvError)
	if ev == nil || ev.Error.Code != uint8(wire.CodeAdmission) || ev.Error.Flags&wire.ErrorInPlace != 0 {
		t.Fatalf("H3 error %+v", ev)
	}
	if got := sn.installed("R1", 2); len(got) != 0 {
		t.Fatalf("R1 installed %+v", got)
	}
	sn.reserve("H2", c2, r2, ffSpec(4000, s1))
	if r := rates(sn.installed("R1", 2)); len(r) != 1 || r[0] != 4000 {
		t.Fatalf("R1 %v: the smaller request was held hostage", r)
	}
	if r := rates(sn.installed("H1", 1)); len(r) != 1 || r[0] != 4000 {
		t.Errorf("H1 %v", r)
	}
	sn.advance(5 * time.Minute)
	if r := rates(sn.installed("R1", 2)); len(r) != 1 || r[0] != 4000 {
		t.Errorf("after 5 min R1 %v", r)
	}
	if evs := sn.events("H2", r2, api.EventResvError); len(evs) != 0 {
		t.Errorf("H2 got errors %+v", evs)
	}
	// Once H3 gives up, nothing is blockaded any more and H2 keeps its
	// reservation.
	sn.reserve("H3", c3, r3, nil)
	sn.advance(3 * time.Minute)
	if r := rates(sn.installed("R1", 2)); len(r) != 1 || r[0] != 4000 {
		t.Errorf("after H3 left R1 %v", r)
	}
	if ss := sn.sessionOf("R2", groupG); len(ss.Blockades) != 0 {
		t.Errorf("blockade kept %+v", ss.Blockades)
	}
}

func TestWFCoversNewSender(t *testing.T) {
	sn := newSim(t, simConfig{})
	c2, r2 := sn.open("H2", groupG, 6000)
	ca, sa := sn.open("H1", groupG, 6000)
	sn.sender("H1", ca, sa, 4000, 10000)
	sn.reserve("H2", c2, r2, wfSpec(1000))
	if got := sn.installed("R1", 2); len(got) != 1 || len(got[0].Senders) != 1 {
		t.Fatalf("R1 %+v", got)
	}
	cb, sb := sn.open("H1", groupG, 6000)
	sn.sender("H1", cb, sb, 4001, 10000)
	got := sn.installed("R1", 2)
	if len(got) != 1 || len(got[0].Senders) != 2 || got[0].TokenRate != 1000 {
		t.Fatalf("R1 after a second sender %+v", got)
	}
	// Both local senders hear of the shared reservation.
	for _, sid := range []uint32{sa, sb} {
		if ev := sn.lastEvent("H1", sid, api.EventResv); ev == nil || ev.Style != api.StyleWF || len(ev.Flowspecs) != 1 {
			t.Errorf("sender %d resv event %+v", sid, ev)
		}
	}
}

func TestStateConsistentAfterChurn(t *testing.T) {
	// Many changes in a row leave every node consistent and, once all
	// API sessions close, empty.
	sn, c2, r2, c3, r3 := multicastSetup(t, simConfig{pools: map[string]float64{"R1/if2": 7000, "R2/if3": 3000}})
	steps := []func(){
		func() { sn.reserve("H2", c2, r2, ffSpec(2000, s1, s1b)) },
		func() { sn.reserve("H3", c3, r3, ffSpec(5000, s1)) },
		func() { sn.advance(90 * time.Second) },
		func() { sn.reserve("H3", c3, r3, ffSpec(2500, s1b)) },
		func() { sn.reserve("H2", c2, r2, nil) },
		func() { sn.advance(2 * time.Minute) },
		func() { sn.reserve("H2", c2, r2, ffSpec(100, s1)) },
	}
	for _, st := range steps {
		st()
		for _, n := range sn.nodes {
			live := map[uint64]bool{}
			for id := range n.live {
				live[id] = true
			}
			if err := checkInvariants(n.e, nil, live); err != nil {
				t.Fatalf("%s: %v", n.name, err)
			}
		}
	}
	for _, n := range sn.nodes {
		for c := ClientID(1); c <= n.nextCli; c++ {
			sn.do(n.name, func(e *Engine) { e.CloseClient(sn.now, c) })
		}
	}
	sn.advance(time.Second)
	for _, n := range sn.nodes {
		if st := n.e.Status(); len(st.Sessions) != 0 || len(n.live) != 0 {
			t.Errorf("%s keeps %+v and %d reservations", n.name, st.Sessions, len(n.live))
		}
	}
}
