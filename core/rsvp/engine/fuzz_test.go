package engine

import (
	"encoding/binary"
	"fmt"
	"math"
	"net/netip"
	"testing"
	"time"

	"netcompat/core/rsvp/api"
	"netcompat/core/rsvp/wire"
)

// checkInvariants verifies the engine's bookkeeping: state counts, pool
// use, TC ownership, timers, and that what it would send encodes.
func checkInvariants(e *Engine, acts []Action, live map[uint64]bool) error {
	n := 0
	used := map[int]float64{}
	nres := map[int]int{}
	for k, s := range e.sessions {
		if s.dead || s.key != k {
			return fmt.Errorf("session %v: dead or misfiled", k)
		}
		if len(s.psbs) == 0 && len(s.rsbs) == 0 && len(s.apis) == 0 && len(s.tcsbs) == 0 {
			return fmt.Errorf("session %v: empty but kept", k)
		}
		n += len(s.psbs) + len(s.rsbs)
		if len(s.psbs) > e.maxSenders || len(s.rsbs) > e.maxResv {
			return fmt.Errorf("session %v over its bounds", k)
		}
		for _, t := range s.tcsbs {
			if e.tcOwner[t.id] != s {
				return fmt.Errorf("TC %d not owned by its session", t.id)
			}
			used[t.key.oi] += rateOf(t.spec)
			nres[t.key.oi]++
		}
		if exp := s.nextExpiry(); !exp.IsZero() && s.at[tClean].IsZero() {
			return fmt.Errorf("session %v: state expires at %v with no cleanup timer", k, exp)
		}
		for _, r := range s.rsbs {
			if r.style != s.style() {
				return fmt.Errorf("session %v mixes styles", k)
			}
		}
	}
	if n != e.nstates || n > e.maxStates || len(e.sessions) > e.maxSessions {
		return fmt.Errorf("states: counted %d, kept %d (bound %d), sessions %d", n, e.nstates, e.maxStates, len(e.sessions))
	}
	for _, ifc := range e.ifaces {
		if math.Abs(ifc.used-used[ifc.Index]) > 1e-3*(1+used[ifc.Index]) || ifc.nres != nres[ifc.Index] {
			return fmt.Errorf("%s: used %v/%d, installed %v/%d", ifc.Name, ifc.used, ifc.nres, used[ifc.Index], nres[ifc.Index])
		}
		if ifc.Pool > 0 && ifc.used > ifc.Pool*(1+1e-6) {
			return fmt.Errorf("%s: %v used of a pool of %v", ifc.Name, ifc.used, ifc.Pool)
		}
	}
	for _, act := range acts {
		switch act := act.(type) {
		case *Send:
			if _, err := wire.Append(nil, act.Msg); err != nil {
				return fmt.Errorf("unencodable %v: %v", act.Msg.Type(), err)
			}
		case *TCAction:
			switch act.Op {
			case TCInstall:
				if live[act.ID] {
					return fmt.Errorf("install of live %d", act.ID)
				}
				live[act.ID] = true
			case TCModify, TCRemove:
				if !live[act.ID] {
					return fmt.Errorf("%v of unknown %d", act.Op, act.ID)
				}
				if act.Op == TCRemove {
					delete(live, act.ID)
				}
			}
		}
	}
	return nil
}

// fuzzSeeds are valid messages of every type for the rig's session.
func fuzzSeeds(t testing.TB) [][]byte {
	tsp := pathFor(sendA, 1000).Sender.TSpec
	conf := &wire.ResvConf{Session: sessX, ErrorSpec: wire.ErrorSpec{Node: phopA}, Confirm: wire.ResvConfirm{Receiver: dstX}, Style: wire.FF.Style(), Flows: []wire.FlowDescriptor{ff(100, sendA)}}
	rv := resvFrom(nhopA, wire.SE, wire.FlowDescriptor{Flowspec: clSpec(300), Filters: []wire.FilterSpec{sendA, sendB}})
	rv.Confirm = &wire.ResvConfirm{Receiver: dstX}
	msgs := []wire.Message{
		pathFor(sendA, 1000),
		pathFor(sendB, 2000),
		resvFrom(nhopA, wire.FF, ff(100, sendA), ff(200, sendB)),
		resvFrom(nhopB, wire.WF, wire.FlowDescriptor{Flowspec: clSpec(9000)}),
		rv,
		&wire.PathTear{Session: sessX, Hop: wire.Hop{Addr: phopA, LIH: 7}, Sender: &wire.Sender{Template: sendA, TSpec: tsp}},
		&wire.ResvTear{Session: sessX, Hop: wire.Hop{Addr: nhopA, LIH: 2}, Style: wire.FF.Style(), Flows: []wire.FlowDescriptor{{Filters: []wire.FilterSpec{sendA}}}},
		&wire.PathErr{Session: sessX, ErrorSpec: wire.ErrorSpec{Node: nhopA, Code: 2}, Sender: &wire.Sender{Template: sendA, TSpec: tsp}},
		&wire.ResvErr{Session: sessX, Hop: wire.Hop{Addr: phopA}, ErrorSpec: wire.ErrorSpec{Node: phopA, Flags: 1, Code: 1, Value: 2}, Style: wire.FF.Style(), Flows: []wire.FlowDescriptor{ff(100, sendA)}},
		conf,
	}
	var out [][]byte
	for _, m := range msgs {
		b, err := wire.Append(nil, m)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, b)
	}
	return out
}

// FuzzReceive feeds random bytes, split into messages by their RSVP
// Length, to an engine holding state (a local sender and receiver, path
// and reservation state), with time passing between messages. It must
// never panic, keep its books straight and its state bounded, and only
// produce messages that encode.
func FuzzReceive(f *testing.F) {
	seeds := fuzzSeeds(f)
	for _, b := range seeds {
		f.Add(b)
	}
	all := []byte{}
	for _, b := range seeds {
		all = append(all, b...)
	}
	f.Add(all)
	f.Add(append(append([]byte{}, seeds[0]...), seeds[2]...))
	f.Fuzz(func(t *testing.T, data []byte) {
		r := newRig(t, func(o *Options) {
			o.Config.MaxSessions = 8
			o.MaxSendersPerSession = 4
			o.MaxResvPerSession = 4
			o.MaxFiltersPerResv = 4
			o.Node.Interfaces[1].Pool = 5000
		})
		live := map[uint64]bool{}
		step := func(acts []Action) {
			if err := checkInvariants(r.e, acts, live); err != nil {
				t.Fatal(err)
			}
		}
		sid, err := r.e.OpenSession(r.now, 1, api.SessionSpec{Dest: dstX, Port: 5000})
		if err != nil {
			t.Fatal(err)
		}
		_ = r.e.SetSender(r.now, 1, sid, &api.SenderSpec{Port: 9, Tspec: api.TokenBucket{Rate: 10, Bucket: 10, Peak: api.Inf}})
		step(r.e.Drain())
		sid2, _ := r.e.OpenSession(r.now, 2, api.SessionSpec{Dest: rAddr2, Port: 5000})
		_ = r.e.Reserve(r.now, 2, sid2, &api.ReserveSpec{Style: api.StyleWF, Flowspecs: []api.Flowspec{cl(100)}})
		step(r.e.Drain())
		for _, b := range seeds[:4] {
			r.e.Receive(r.now, Inbound{Raw: b, Iface: 1 + len(b)%2, TTL: 60})
			step(r.e.Drain())
		}
		for i := 0; i < 16 && len(data) > 0; i++ {
			n := len(data)
			if n >= 8 {
				if l := int(binary.BigEndian.Uint16(data[6:8])); l >= 8 && l <= n {
					n = l
				}
			}
			msg := append([]byte(nil), data[:n]...)
			data = data[n:]
			if len(msg) >= 4 {
				// No checksum, so that mutations reach the engine rather
				// than stop at wire's checksum test (fuzzed there).
				msg[2], msg[3] = 0, 0
			}
			iface := 1 + int(msg[0])%3 // 3: an interface the node does not have
			r.e.Receive(r.now, Inbound{Raw: msg, Iface: iface, TTL: msg[len(msg)-1], UDP: n%2 == 0})
			step(r.e.Drain())
			r.now = r.now.Add(time.Duration(msg[0]) * time.Second)
			r.e.Tick(r.now)
			step(r.e.Drain())
		}
		_ = r.e.Reserve(r.now, 2, sid2, nil)
		r.e.CloseClient(r.now, 1)
		r.e.CloseClient(r.now, 2)
		step(r.e.Drain())
		// Everything that came from the network times out.
		r.now = r.now.Add(24 * time.Hour * 60)
		r.e.Tick(r.now)
		step(r.e.Drain())
		if st := r.e.Status(); len(st.Sessions) != 0 || st.States != 0 || len(live) != 0 {
			t.Fatalf("state left after every lifetime ran out: %+v, %d installed", st.Sessions, len(live))
		}
	})
}

// TestSimInvariants runs the network scenarios' invariant checks on
// every node.
func TestSimInvariants(t *testing.T) {
	sn, c2, r2, c3, r3 := multicastSetup(t, simConfig{pools: map[string]float64{"R1/if2": 5000}})
	sn.reserve("H2", c2, r2, ffSpec(4000, s1, s1b))
	sn.reserve("H3", c3, r3, ffSpec(8000, s1))
	sn.advance(5 * time.Minute)
	sn.reserve("H3", c3, r3, seSpec(1000, s1))
	sn.reserve("H2", c2, r2, nil)
	sn.reserve("H3", c3, r3, seSpec(1000, s1))
	sn.advance(5 * time.Minute)
	for _, n := range sn.nodes {
		live := map[uint64]bool{}
		for id := range n.live {
			live[id] = true
		}
		if err := checkInvariants(n.e, nil, live); err != nil {
			t.Errorf("%s: %v", n.name, err)
		}
	}
}

// FuzzOps drives the engine with random sequences of well-formed
// operations: Paths, Resvs of every style, tears, errors and
// confirmations from two previous and two next hops, local API calls,
// route changes and the passing of time. It checks the invariants after
// each and that everything goes away once the API sessions close and
// every lifetime runs out.
func FuzzOps(f *testing.F) {
	f.Add([]byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15})
	f.Add([]byte{0, 0, 2, 0x12, 2, 0x33, 9, 3, 0x40, 5, 1, 11, 7, 8})
	f.Add([]byte{12, 0, 13, 1, 14, 2, 0, 0, 2, 1, 10, 4, 15, 0xff, 6, 7})
	f.Fuzz(func(t *testing.T, ops []byte) {
		if len(ops) > 256 {
			ops = ops[:256]
		}
		routes := fakeRouter{
			p("10.9.0.0/16"): {{Iface: 2, NextHop: nhopA}},
			p("10.8.0.0/16"): {{Iface: 1, NextHop: phopA}},
		}
		r := newRig(t, func(o *Options) {
			o.Router = routes
			o.Config.MaxSessions = 4
			o.MaxSendersPerSession = 3
			o.MaxResvPerSession = 5
			o.Node.Interfaces[1].Pool = 5000
			o.Node.Interfaces = append(o.Node.Interfaces, Interface{Name: "alt", Index: 3, Addrs: []netip.Addr{a("10.3.0.1")}, Pool: 2000})
		})
		live := map[uint64]bool{}
		step := func() {
			t.Helper()
			if err := checkInvariants(r.e, r.e.Drain(), live); err != nil {
				t.Fatal(err)
			}
		}
		senders := []wire.FilterSpec{sendA, sendB}
		phops := []netip.Addr{phopA, a("10.1.0.8")}
		nhops := []netip.Addr{nhopA, nhopB}
		kinds := []wire.StyleKind{wire.FF, wire.WF, wire.SE}
		rates := []float32{100, 1000, 3000, 6000}
		sess := func(b byte) wire.Session {
			w := sessX
			w.DstPort += uint16(b & 1)
			return w
		}
		var sids []uint32
		for i := 0; i+1 < len(ops); i += 2 {
			op, x := ops[i]%16, ops[i+1]
			snd := senders[x&1]
			kind := kinds[int(x>>1)%3]
			rate := rates[int(x>>3)%4]
			nh := nhops[(x>>5)&1]
			w := sess(x >> 6)
			desc := func() []wire.FlowDescriptor {
				switch kind {
				case wire.WF:
					return []wire.FlowDescriptor{{Flowspec: clSpec(rate)}}
				case wire.SE:
					return []wire.FlowDescriptor{{Flowspec: clSpec(rate), Filters: senders[:1+int(x&1)]}}
				}
				return []wire.FlowDescriptor{ff(rate, snd)}
			}
			switch op {
			case 0, 1: // Path
				m := pathFor(snd, float32(rate))
				m.Session = w
				m.Hop.Addr = phops[(x>>4)&1]
				r.e.Receive(r.now, Inbound{Msg: m, Iface: 1, TTL: m.SendTTL})
			case 2, 3: // Resv
				m := resvFrom(nh, kind, desc()...)
				m.Session = w
				if op == 3 {
					m.Confirm = &wire.ResvConfirm{Receiver: a("10.9.0.7")}
				}
				r.e.Receive(r.now, Inbound{Msg: m, Iface: 2, TTL: 64})
			case 4: // PathTear
				m := &wire.PathTear{Session: w, Hop: wire.Hop{Addr: phops[(x>>4)&1]}, Sender: &wire.Sender{Template: snd}}
				r.e.Receive(r.now, Inbound{Msg: m, Iface: 1})
			case 5: // ResvTear
				d := desc()
				for i := range d {
					d[i].Flowspec = nil
				}
				if kind == wire.WF {
					d = nil
				}
				m := &wire.ResvTear{Session: w, Hop: wire.Hop{Addr: nh, LIH: 2}, Style: kind.Style(), Flows: d}
				r.e.Receive(r.now, Inbound{Msg: m, Iface: 2})
			case 6: // ResvErr from upstream
				es := wire.ErrorSpec{Node: phopA, Code: wire.ErrorCode(x>>4) % 3, Flags: x & 3}
				m := &wire.ResvErr{Session: w, Hop: wire.Hop{Addr: phops[(x>>5)&1]}, ErrorSpec: es, Style: kind.Style(), Flows: desc()}
				r.e.Receive(r.now, Inbound{Msg: m, Iface: 1})
			case 7: // PathErr from downstream
				m := &wire.PathErr{Session: w, ErrorSpec: wire.ErrorSpec{Node: nh, Code: 2}, Sender: &wire.Sender{Template: snd}}
				r.e.Receive(r.now, Inbound{Msg: m, Iface: 2})
			case 8: // time passes
				r.now = r.now.Add(time.Duration(x) * time.Second)
				r.e.Tick(r.now)
			case 9: // API session
				if sid, err := r.e.OpenSession(r.now, ClientID(x%3), api.SessionSpec{Dest: w.Dest, Port: w.DstPort}); err == nil {
					sids = append(sids, sid)
				}
			case 10: // API sender
				if len(sids) > 0 {
					sid := sids[int(x)%len(sids)]
					c := r.e.apis[sid]
					if c != nil {
						var spec *api.SenderSpec
						if x&0x80 == 0 {
							spec = &api.SenderSpec{Port: uint16(x % 4), Tspec: api.TokenBucket{Rate: api.Float(rate), Bucket: 10, Peak: api.Inf}}
						}
						_ = r.e.SetSender(r.now, c.client, sid, spec)
					}
				}
			case 11: // API reserve
				if len(sids) > 0 {
					sid := sids[int(x)%len(sids)]
					if c := r.e.apis[sid]; c != nil {
						var spec *api.ReserveSpec
						switch kind {
						case wire.WF:
							spec = wfSpec(float64(rate))
						case wire.FF:
							spec = ffSpec(float64(rate), netip.AddrPortFrom(snd.Source, snd.Port))
						case wire.SE:
							spec = seSpec(float64(rate), netip.AddrPortFrom(sendA.Source, sendA.Port), netip.AddrPortFrom(sendB.Source, sendB.Port))
						}
						if x&0x80 != 0 {
							spec = nil
						}
						spec2 := spec
						if spec2 != nil {
							spec2.Confirm = x&1 == 1
						}
						_ = r.e.Reserve(r.now, c.client, sid, spec2)
					}
				}
			case 12: // API release or client close
				if len(sids) > 0 {
					sid := sids[int(x)%len(sids)]
					if c := r.e.apis[sid]; c != nil {
						if x&1 == 0 {
							_ = r.e.Release(r.now, c.client, sid)
						} else {
							r.e.CloseClient(r.now, c.client)
						}
					}
				}
			case 13: // route change
				if x&1 == 0 {
					routes[p("10.9.0.0/16")] = []Route{{Iface: 3}}
				} else {
					routes[p("10.9.0.0/16")] = []Route{{Iface: 2, NextHop: nhopA}}
				}
				r.e.RouteChanged(r.now)
			case 14: // ResvConf passing by
				m := &wire.ResvConf{Session: w, ErrorSpec: wire.ErrorSpec{Node: phopA}, Confirm: wire.ResvConfirm{Receiver: []netip.Addr{rAddr2, a("10.9.0.7")}[x&1]}, Style: kind.Style(), Flows: desc()}
				r.e.Receive(r.now, Inbound{Msg: m, Iface: 1, TTL: x})
			case 15: // the kernel refuses a reservation
				for id := range live {
					r.e.TCFailed(r.now, id) // emits the TCRemove for id
					break
				}
			}
			step()
		}
		for _, c := range []ClientID{0, 1, 2} {
			r.e.CloseClient(r.now, c)
		}
		step()
		r.now = r.now.Add(24 * time.Hour)
		r.e.Tick(r.now)
		step()
		if st := r.e.Status(); len(st.Sessions) != 0 || st.States != 0 || len(live) != 0 || st.Interfaces[1].Used != 0 {
			t.Fatalf("left behind: %+v, %d installed", st.Sessions, len(live))
		}
	})
}
