package registrar

import (
	"math/rand/v2"
	"net/netip"
	"slices"
	"testing"
	"time"

	"netcompat/core/rserpool/handlespace"
	"netcompat/core/rserpool/policy"
	"netcompat/core/rserpool/wire"
)

func TestRegistration(t *testing.T) {
	r := newReg(t, nil)
	mustRegister(t, r, t0, 1, "echo", pe(7, policy.RoundRobin))
	m := r.Handlespace().Lookup([]byte("echo"), 7)
	if m == nil {
		t.Fatal("element not in the handlespace")
	}
	if m.Home() != testServerID || AssocID(m.Conn()) != 1 {
		t.Errorf("home $%08x conn %d, want $%08x 1", m.Home(), m.Conn(), uint32(testServerID))
	}
	st := r.Stats()
	if st.Registrations != 1 || st.Reregistrations != 0 || st.Pools != 1 || st.PoolElements != 1 || st.OwnedPoolElements != 1 {
		t.Errorf("stats %+v", st)
	}
	// The element is found by a resolution, with this registrar as home.
	resp := resolve(t, r, t0, 2, hrMsg("echo"))
	if resp.Reject || resp.Error != nil || len(resp.Elements) != 1 || resp.Elements[0].HomeServer != testServerID {
		t.Fatalf("resolution %+v", resp)
	}
	if resp.Policy.Type != policy.RoundRobin {
		t.Errorf("policy %+v", resp.Policy)
	}
}

func TestRegistrationRejects(t *testing.T) {
	udp := func(e wire.PoolElement) wire.PoolElement {
		e.User.Kind = wire.ParamUDPTransport
		e.User.Use = 0
		return e
	}
	ctl := func(e wire.PoolElement) wire.PoolElement { e.User.Use = wire.UseDataControl; return e }
	tests := []struct {
		name   string
		mod    func(*Config)
		before []wire.PoolElement // registered first over assoc 1 in "pool"
		handle string
		elem   wire.PoolElement
		cause  wire.Cause
		info   wire.ParamType // the parameter the cause carries, 0 for none
	}{
		{name: "identifier 0", elem: pe(0, policy.RoundRobin), cause: wire.CauseInvalidValues, info: wire.ParamPoolElement},
		{name: "handle too long", handle: string(make([]byte, 33)), elem: pe(1, policy.RoundRobin), cause: wire.CauseInvalidValues, info: wire.ParamPoolHandle},
		{name: "unknown policy", elem: pe(1, 0x77), cause: wire.CauseInvalidValues, info: wire.ParamPoolElement},
		{name: "policy values missing", elem: pe(1, policy.LeastUsed), cause: wire.CauseInvalidValues, info: wire.ParamPoolElement},
		{name: "scope", mod: func(c *Config) { c.MinAddressScope = handlespace.ScopeSiteLocal },
			elem: pe(1, policy.RoundRobin), cause: wire.CauseInvalidValues, info: wire.ParamPoolElement},
		{name: "inconsistent policy", before: []wire.PoolElement{pe(1, policy.RoundRobin)},
			elem: pe(2, policy.Random), cause: wire.CauseInconsistentPolicy, info: wire.ParamPolicy},
		{name: "inconsistent transport", before: []wire.PoolElement{pe(1, policy.RoundRobin)},
			elem: udp(pe(2, policy.RoundRobin)), cause: wire.CauseInconsistentTransport, info: wire.ParamUDPTransport},
		{name: "inconsistent data/control", before: []wire.PoolElement{pe(1, policy.RoundRobin)},
			elem: ctl(pe(2, policy.RoundRobin)), cause: wire.CauseInconsistentDataControl},
		{name: "non-unique identifier", before: []wire.PoolElement{pe(1, policy.RoundRobin)},
			elem: pe(1, policy.RoundRobin), cause: wire.CauseNonUniquePEIdentifier},
		{name: "max elements", mod: func(c *Config) { c.MaxElements = 1 }, before: []wire.PoolElement{pe(1, policy.RoundRobin)},
			elem: pe(2, policy.RoundRobin), cause: wire.CauseLackOfResources},
		{name: "max elements per association", mod: func(c *Config) { c.MaxElementsPerAssoc = 1 },
			before: []wire.PoolElement{pe(1, policy.RoundRobin)}, elem: pe(2, policy.RoundRobin), cause: wire.CauseLackOfResources},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := newReg(t, tc.mod)
			for _, e := range tc.before {
				mustRegister(t, r, t0, 1, "pool", e)
			}
			handle := tc.handle
			if handle == "" {
				handle = "pool"
			}
			assoc := AssocID(2)
			if tc.name == "max elements per association" {
				assoc = 1
			}
			o := only(t, r.Handle(t0, assoc, regMsg(handle, tc.elem), nil))
			resp := o.Msg.(*wire.RegistrationResponse)
			if !resp.Reject || resp.Error == nil || len(resp.Error.Causes) != 1 || resp.Error.Causes[0].Code != tc.cause {
				t.Fatalf("response %+v, causes %v; want reject with %v", resp, causes(resp.Error), tc.cause)
			}
			if resp.PEID != tc.elem.ID || string(resp.PoolHandle) != handle {
				t.Errorf("response names %q/$%08x", resp.PoolHandle, resp.PEID)
			}
			info := resp.Error.Causes[0].Info
			switch {
			case tc.info == 0 && len(info) != 0:
				t.Errorf("cause information %x, want none", info)
			case tc.info != 0 && (len(info) < 4 || wire.ParamType(uint16(info[0])<<8|uint16(info[1])) != tc.info):
				t.Errorf("cause information %x, want a %v parameter", info, tc.info)
			}
			// The encoding must decode again (what a peer sees).
			if _, err := wire.ParseASAP(encode(t, resp)); err != nil {
				t.Errorf("response does not decode: %v", err)
			}
			if got := r.Handlespace().Len(); got != len(tc.before) {
				t.Errorf("%d elements after the reject, want %d", got, len(tc.before))
			}
			if r.Stats().RegistrationRejects != 1 {
				t.Errorf("stats %+v", r.Stats())
			}
		})
	}
}

// A re-registration replaces addresses and policy information and resets
// the element's degradation in its pool's selector.
func TestReregistration(t *testing.T) {
	r := newReg(t, nil)
	const quarter = policy.MaxLoad / 4
	a := pe(1, policy.LeastUsedDegradation, 0, 2*quarter) // load 0, degradation 50 %
	b := pe(2, policy.LeastUsedDegradation, quarter, 0)   // load 25 %
	mustRegister(t, r, t0, 1, "lud", a)
	mustRegister(t, r, t0, 2, "lud", b)

	first := func(now time.Time) uint32 {
		t.Helper()
		resp := resolve(t, r, now, 3, hrMsg("lud", 1))
		if len(resp.Elements) != 1 {
			t.Fatalf("resolution %+v", resp)
		}
		return resp.Elements[0].ID
	}
	if got := first(at(1)); got != 1 {
		t.Fatalf("first resolution chose $%08x, want 1 (least used)", got)
	}
	// 1 is now degraded to 50 %: 2 (25 %) goes first.
	if got := first(at(2)); got != 2 {
		t.Fatalf("second resolution chose $%08x, want 2 (1 is degraded)", got)
	}
	// Re-registering 1 resets its degradation and changes its address.
	a.User.Addrs = []netip.Addr{netip.MustParseAddr("127.0.0.2")}
	mustRegister(t, r, at(3), 1, "lud", a)
	st := r.Stats()
	if st.Registrations != 3 || st.Reregistrations != 1 {
		t.Errorf("stats %+v", st)
	}
	resp := resolve(t, r, at(4), 3, hrMsg("lud", 1))
	if ids(resp)[0] != 1 {
		t.Fatalf("after re-registration: chose %v, want 1 (degradation reset)", ids(resp))
	}
	if got := resp.Elements[0].User.Addrs; len(got) != 1 || got[0] != netip.MustParseAddr("127.0.0.2") {
		t.Errorf("address after re-registration %v", got)
	}

	// New policy information takes effect: 1 reports 75 % load.
	a.Policy.Values = []uint32{3 * quarter, 0}
	mustRegister(t, r, at(5), 1, "lud", a)
	if got := ids(resolve(t, r, at(6), 3, hrMsg("lud", 2))); !slices.Equal(got, []uint32{2, 1}) {
		t.Errorf("after the load update: %v, want [2 1]", got)
	}
	// The re-registration restarted the registration life.
	if exp := r.Handlespace().Lookup([]byte("lud"), 1).Expires(); !exp.Equal(at(5).Add(30 * time.Second)) {
		t.Errorf("expires %v", exp)
	}
}

func TestDeregistration(t *testing.T) {
	r := newReg(t, nil)
	mustRegister(t, r, t0, 1, "pool", pe(1, policy.RoundRobin))
	mustRegister(t, r, t0, 1, "pool", pe(2, policy.RoundRobin))
	dereg := func(assoc AssocID, handle string, id uint32) *wire.DeregistrationResponse {
		t.Helper()
		o := only(t, r.Handle(at(1), assoc, &wire.Deregistration{PoolHandle: []byte(handle), PEID: id}, nil))
		resp, ok := o.Msg.(*wire.DeregistrationResponse)
		if !ok || o.To != assoc || resp.PEID != id || string(resp.PoolHandle) != handle {
			t.Fatalf("deregistration answered with %s", describe([]Output{o}))
		}
		return resp
	}
	if resp := dereg(2, "pool", 1); !slices.Equal(causes(resp.Error), []wire.Cause{wire.CauseNonUniquePEIdentifier}) {
		t.Errorf("foreign association: causes %v", causes(resp.Error))
	}
	if resp := dereg(1, "pool", 1); resp.Error != nil {
		t.Errorf("own element: error %v", resp.Error)
	}
	if resp := dereg(1, "pool", 99); resp.Error != nil {
		t.Errorf("unknown element: error %v, want success (rsplib)", resp.Error)
	}
	if resp := dereg(1, "nopool", 1); !slices.Equal(causes(resp.Error), []wire.Cause{wire.CauseUnknownPoolHandle}) {
		t.Errorf("unknown pool: causes %v", causes(resp.Error))
	}
	if r.Handlespace().Len() != 1 || r.Stats().Deregistrations != 2 {
		t.Errorf("%d elements, stats %+v", r.Handlespace().Len(), r.Stats())
	}
}

func TestHandleResolutionItems(t *testing.T) {
	for _, tc := range []struct {
		name  string
		max   int   // MaxHandleResolutionItems
		items []int // the option, if any
		want  int
	}{
		{name: "no option", want: 3},
		{name: "fewer", items: []int{2}, want: 2},
		{name: "more than the cap", items: []int{10}, want: 3},
		{name: "zero", items: []int{0}, want: 3},
		{name: "as many as possible", items: []int{0xffffffff}, want: 3},
		{name: "raised cap", max: 5, items: []int{10}, want: 5},
		{name: "cap above 128", max: 1000, want: 128},
		{name: "cap above 128 with option", max: 1000, items: []int{200}, want: 128},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newReg(t, func(c *Config) { c.MaxHandleResolutionItems = tc.max })
			for id := uint32(1); id <= 200; id++ {
				mustRegister(t, r, t0, 1, "pool", pe(id, policy.RoundRobin))
			}
			m := hrMsg("pool")
			if len(tc.items) > 0 {
				m = hrMsg("pool", uint32(tc.items[0]))
			}
			resp := resolve(t, r, at(1), 2, m)
			if len(resp.Elements) != tc.want {
				t.Fatalf("%d elements, want %d", len(resp.Elements), tc.want)
			}
			if _, err := wire.ParseASAP(encode(t, resp)); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestHandleResolutionUnknownPool(t *testing.T) {
	r := newReg(t, nil)
	resp := resolve(t, r, t0, 1, hrMsg("none"))
	if !resp.Reject || !slices.Equal(causes(resp.Error), []wire.Cause{wire.CauseUnknownPoolHandle}) || len(resp.Elements) != 0 {
		t.Fatalf("response %+v causes %v", resp, causes(resp.Error))
	}
	if string(resp.PoolHandle) != "none" {
		t.Errorf("pool handle %q", resp.PoolHandle)
	}
	if st := r.Stats(); st.HandleResolutions != 1 || st.HandleResolutionRejects != 1 {
		t.Errorf("stats %+v", st)
	}
	// A pool whose last element left is unknown again.
	mustRegister(t, r, t0, 1, "gone", pe(1, policy.RoundRobin))
	r.AssocClosed(at(1), 1)
	if resp := resolve(t, r, at(2), 2, hrMsg("gone")); !resp.Reject {
		t.Fatalf("emptied pool still resolves: %+v", resp)
	}
}

// Every policy type resolves in the order of a policy.Selector fed the
// same elements and the same random source: the registrar returns what
// the selector picks.
func TestResolutionFollowsSelector(t *testing.T) {
	for _, ptype := range policy.Types {
		t.Run(policy.Name(ptype), func(t *testing.T) {
			r := newReg(t, nil) // random source seeded (1, 2)
			ref, err := policy.NewSelector(ptype, policy.Options{Rand: rand.New(rand.NewPCG(1, 2))})
			if err != nil {
				t.Fatal(err)
			}
			n, _ := policy.ValueCount(ptype)
			for id := uint32(1); id <= 12; id++ {
				values := make([]uint32, n)
				for i := range values {
					values[i] = (id*2654435761 + uint32(i)*40503) % (policy.MaxLoad / 2)
				}
				e := pe(id, ptype, values...)
				mustRegister(t, r, t0, AssocID(id), "pool", e)
				info, err := policy.FromWire(e.Policy)
				if err != nil {
					t.Fatal(err)
				}
				if err := ref.Add(id, info); err != nil {
					t.Fatal(err)
				}
			}
			for round := range 20 {
				want := ref.Select(3, nil)
				resp := resolve(t, r, at(int64(round)), 100, hrMsg("pool"))
				if got := ids(resp); !slices.Equal(got, want) {
					t.Fatalf("round %d: registrar %v, selector %v", round, got, want)
				}
				if resp.Policy.Type != ptype {
					t.Fatalf("policy %+v", resp.Policy)
				}
				for _, e := range resp.Elements {
					if e.ASAP != nil || e.Policy.Type != ptype || e.HomeServer != testServerID {
						t.Fatalf("element %+v", e)
					}
				}
			}
		})
	}
}

func TestKeepAlive(t *testing.T) {
	r := newReg(t, nil) // 5 s interval, 5 s timeout
	mustRegister(t, r, t0, 1, "pool", pe(1, policy.RoundRobin))
	if d, ok := r.NextDeadline(); !ok || !d.Equal(at(5000)) {
		t.Fatalf("next deadline %v %v, want t0+5s", d, ok)
	}
	if outs := r.Tick(at(4999)); len(outs) != 0 {
		t.Fatalf("keep-alive before the interval: %s", describe(outs))
	}
	o := only(t, r.Tick(at(5000)))
	ka, ok := o.Msg.(*wire.EndpointKeepAlive)
	if !ok || o.To != 1 || !ka.Home || ka.ServerID != testServerID || string(ka.PoolHandle) != "pool" || ka.PEID != 1 {
		t.Fatalf("keep-alive %s", describe([]Output{o}))
	}
	if d, _ := r.NextDeadline(); !d.Equal(at(10000)) {
		t.Fatalf("next deadline %v, want the timeout at t0+10s", d)
	}
	// The Ack restarts the interval.
	if outs := r.Handle(at(6000), 1, &wire.EndpointKeepAliveAck{PoolHandle: []byte("pool"), PEID: 1}, nil); len(outs) != 0 {
		t.Fatalf("ack answered: %s", describe(outs))
	}
	if outs := r.Tick(at(10999)); len(outs) != 0 {
		t.Fatalf("early: %s", describe(outs))
	}
	only(t, r.Tick(at(11000)))
	// An Ack over another association does not count.
	r.Handle(at(12000), 2, &wire.EndpointKeepAliveAck{PoolHandle: []byte("pool"), PEID: 1}, nil)
	if outs := r.Tick(at(15999)); len(outs) != 0 || r.Handlespace().Len() != 1 {
		t.Fatalf("removed early: %s", describe(outs))
	}
	if outs := r.Tick(at(16000)); len(outs) != 0 {
		t.Fatalf("timeout produced %s", describe(outs))
	}
	if r.Handlespace().Len() != 0 {
		t.Fatal("element survived the keep-alive timeout")
	}
	st := r.Stats()
	if st.KeepAlives != 2 || st.KeepAliveAcks != 1 || st.KeepAliveTimeouts != 1 {
		t.Errorf("stats %+v", st)
	}
}

func TestKeepAliveConfigured(t *testing.T) {
	r := newReg(t, func(c *Config) {
		c.KeepAliveInterval = 300 * time.Millisecond
		c.KeepAliveTimeout = 200 * time.Millisecond
	})
	mustRegister(t, r, t0, 1, "pool", pe(1, policy.RoundRobin))
	only(t, r.Tick(at(300)))
	r.Tick(at(499))
	if r.Handlespace().Len() != 1 {
		t.Fatal("removed before the timeout")
	}
	r.Tick(at(500))
	if r.Handlespace().Len() != 0 {
		t.Fatal("not removed at the timeout")
	}
}

func TestAssocClosedRemovesElements(t *testing.T) {
	r := newReg(t, nil)
	mustRegister(t, r, t0, 1, "a", pe(1, policy.RoundRobin))
	mustRegister(t, r, t0, 1, "b", pe(2, policy.RoundRobin))
	mustRegister(t, r, t0, 2, "a", pe(3, policy.RoundRobin))
	if outs := r.AssocClosed(at(1), 1); len(outs) != 0 {
		t.Fatalf("outputs %s", describe(outs))
	}
	if r.Handlespace().Len() != 1 || r.Handlespace().Lookup([]byte("a"), 3) == nil {
		t.Fatal("wrong elements removed")
	}
	r.AssocClosed(at(2), 1) // again: nothing
	st := r.Stats()
	if st.AssocLossRemovals != 2 || st.Associations != 1 {
		t.Errorf("stats %+v", st)
	}
	// The identifier is free for another association now.
	mustRegister(t, r, at(3), 4, "a", pe(1, policy.RoundRobin))
}

func TestExpiry(t *testing.T) {
	r := newReg(t, nil)
	e := pe(1, policy.RoundRobin)
	e.RegLife = 3000
	mustRegister(t, r, t0, 1, "pool", e)
	if d, _ := r.NextDeadline(); !d.Equal(at(3000)) {
		t.Fatalf("next deadline %v", d)
	}
	r.Tick(at(2999))
	if r.Handlespace().Len() != 1 {
		t.Fatal("expired early")
	}
	r.Tick(at(3000))
	if r.Handlespace().Len() != 0 || r.Stats().Expirations != 1 {
		t.Fatal("did not expire")
	}
}

func TestUnreachable(t *testing.T) {
	r := newReg(t, nil) // 3 reports
	mustRegister(t, r, t0, 1, "pool", pe(1, policy.RoundRobin))
	mustRegister(t, r, t0, 1, "pool", pe(2, policy.RoundRobin))
	report := func(now time.Time, id uint32) {
		t.Helper()
		if outs := r.Handle(now, 9, &wire.EndpointUnreachable{PoolHandle: []byte("pool"), PEID: id}, nil); len(outs) != 0 {
			t.Fatalf("unreachable answered: %s", describe(outs))
		}
	}
	report(at(1), 1)
	report(at(2), 1)
	report(at(2), 2)
	if r.Handlespace().Len() != 2 {
		t.Fatal("removed before the third report")
	}
	report(at(3), 1)
	if r.Handlespace().Lookup([]byte("pool"), 1) != nil || r.Handlespace().Len() != 1 {
		t.Fatal("third report did not remove the element")
	}
	// Reports on unknown pools and elements are counted and harmless.
	report(at(4), 77)
	r.Handle(at(4), 9, &wire.EndpointUnreachable{PoolHandle: []byte("nopool"), PEID: 1}, nil)
	if st := r.Stats(); st.FailureReports != 6 || st.UnreachableRemovals != 1 {
		t.Errorf("stats %+v", st)
	}

	r2 := newReg(t, func(c *Config) { c.MaxBadPEReports = 1 })
	mustRegister(t, r2, t0, 1, "pool", pe(1, policy.RoundRobin))
	r2.Handle(at(1), 2, &wire.EndpointUnreachable{PoolHandle: []byte("pool"), PEID: 1}, nil)
	if r2.Handlespace().Len() != 0 {
		t.Fatal("-maxbadpereports=1: one report must remove")
	}
}

func TestHandleResolutionRateLimit(t *testing.T) {
	r := newReg(t, func(c *Config) { c.MaxHRRate = 2 })
	mustRegister(t, r, t0, 1, "pool", pe(1, policy.RoundRobin))
	ok := func(now time.Time, assoc AssocID) bool {
		t.Helper()
		resp := resolve(t, r, now, assoc, hrMsg("pool"))
		if resp.Reject {
			if !slices.Equal(causes(resp.Error), []wire.Cause{wire.CauseSecurityRejection}) {
				t.Fatalf("rejected with %v", causes(resp.Error))
			}
			return false
		}
		return true
	}
	// A full bucket holds 2 requests, refilled at 2 per second.
	if !ok(at(0), 5) || !ok(at(0), 5) {
		t.Fatal("within the burst: refused")
	}
	if ok(at(0), 5) || ok(at(400), 5) {
		t.Fatal("over the limit: served")
	}
	if !ok(at(400), 6) {
		t.Fatal("another association is limited too")
	}
	if !ok(at(501), 5) { // 0.501 s since the last refill point: one token
		t.Fatal("refilled token refused")
	}
	if ok(at(502), 5) {
		t.Fatal("served twice on one token")
	}
	if st := r.Stats(); st.RateLimitedResolutions != 3 || st.HandleResolutions != 7 {
		t.Errorf("stats %+v", st)
	}
}

func TestEndpointUnreachableRateLimit(t *testing.T) {
	r := newReg(t, func(c *Config) { c.MaxEURate = 1; c.MaxBadPEReports = 2 })
	mustRegister(t, r, t0, 1, "pool", pe(1, policy.RoundRobin))
	eu := &wire.EndpointUnreachable{PoolHandle: []byte("pool"), PEID: 1}
	r.Handle(at(0), 5, eu, nil)
	r.Handle(at(10), 5, eu, nil) // over the limit: ignored
	if r.Handlespace().Len() != 1 {
		t.Fatal("a report over the rate limit counted")
	}
	r.Handle(at(1010), 5, eu, nil)
	if r.Handlespace().Len() != 0 {
		t.Fatal("second report within the rate did not count")
	}
	if st := r.Stats(); st.FailureReports != 2 || st.RateLimitedFailureReports != 1 {
		t.Errorf("stats %+v", st)
	}
}

func TestAnnounce(t *testing.T) {
	r := newReg(t, func(c *Config) { c.Announce = true })
	ts := []wire.Transport{{Kind: wire.ParamTCPTransport, Port: 3863, Use: wire.UseDataControl, Addrs: []netip.Addr{netip.MustParseAddr("127.0.0.1")}}}
	r.SetAnnounceTransports(ts)
	if d, ok := r.NextDeadline(); !ok || d.After(t0) {
		t.Fatalf("first announce not due at once: %v %v", d, ok)
	}
	o := only(t, r.Tick(t0))
	sa, ok := o.Msg.(*wire.ServerAnnounce)
	if !o.Announce || !ok || sa.ServerID != testServerID || len(sa.Transports) != 1 {
		t.Fatalf("announce %s", describe([]Output{o}))
	}
	if _, err := wire.ParseASAP(encode(t, sa)); err != nil {
		t.Fatal(err)
	}
	if d, _ := r.NextDeadline(); !d.Equal(at(1000)) {
		t.Fatalf("next announce at %v", d)
	}
	if outs := r.Tick(at(999)); len(outs) != 0 {
		t.Fatalf("early announce %s", describe(outs))
	}
	only(t, r.Tick(at(1000)))
	only(t, r.Tick(at(2100))) // late ticks do not drift
	if d, _ := r.NextDeadline(); !d.Equal(at(3000)) {
		t.Fatalf("next announce at %v", d)
	}
	only(t, r.Tick(at(9000))) // far behind: one announce, no burst
	if d, _ := r.NextDeadline(); !d.Equal(at(10000)) {
		t.Fatalf("next announce at %v", d)
	}
}

func TestIdleAutoClose(t *testing.T) {
	r := newReg(t, nil) // 300 s
	r.AssocOpened(t0, 1)
	r.AssocOpened(t0, 2)
	e := pe(1, policy.RoundRobin)
	e.RegLife = 1 << 30
	mustRegister(t, r, t0, 3, "pool", e) // kept busy by keep-alives
	r.Handle(at(100_000), 2, hrMsg("pool"), nil)
	var closed []AssocID
	for now := t0; !now.After(at(500_000)); now = now.Add(time.Second) {
		for _, o := range r.Tick(now) {
			switch m := o.Msg.(type) {
			case *wire.EndpointKeepAlive:
				r.Handle(now, o.To, &wire.EndpointKeepAliveAck{PoolHandle: m.PoolHandle, PEID: m.PEID}, nil)
			case nil:
				if o.Close {
					closed = append(closed, o.To)
					if d := now.Sub(t0); o.To == 1 && (d < 300*time.Second || d > 330*time.Second) {
						t.Errorf("association 1 closed after %v", d)
					}
				}
			}
		}
	}
	if !slices.Equal(closed, []AssocID{1, 2}) {
		t.Fatalf("closed %v, want [1 2]", closed)
	}
	if r.Handlespace().Len() != 1 || r.Stats().IdleCloses != 2 {
		t.Fatalf("stats %+v", r.Stats())
	}
}

func TestServerID(t *testing.T) {
	seen := map[uint32]bool{}
	for range 50 {
		id := New(Config{}).ServerID()
		if id == 0 {
			t.Fatal("server ID 0")
		}
		seen[id] = true
	}
	if len(seen) < 45 {
		t.Errorf("only %d distinct random server IDs in 50", len(seen))
	}
	if id := New(Config{ServerID: 0x1234}).ServerID(); id != 0x1234 {
		t.Errorf("fixed ID gave $%08x", id)
	}
}

func TestIgnoredMessages(t *testing.T) {
	r := newReg(t, nil)
	for _, m := range []wire.Message{
		&wire.ServerAnnounce{ServerID: 1},
		&wire.EndpointKeepAlive{ServerID: 1, PoolHandle: []byte("x"), PEID: 1},
		&wire.RegistrationResponse{PoolHandle: []byte("x"), PEID: 1},
		&wire.Cookie{Data: []byte("c")},
		&wire.BusinessCard{PoolHandle: []byte("x"), Policy: wire.Policy{Type: 1}},
		&wire.ASAPErrorMessage{Error: wire.OperationError{Causes: []wire.ErrorCause{{Code: 1}}}},
		&wire.Presence{},
	} {
		if outs := r.Handle(t0, 1, m, nil); len(outs) != 0 {
			t.Errorf("%T answered: %s", m, describe(outs))
		}
	}
}
