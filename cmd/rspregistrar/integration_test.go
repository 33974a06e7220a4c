package main

import (
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"netcompat/core/rserpool/policy"
	"netcompat/core/rserpool/wire"
)

// Many pool elements register in a pool per policy type; users resolve
// each pool and get members of it, in the policy's order where the order
// is predictable.
func TestPoliciesEndToEnd(t *testing.T) {
	d := startDaemon(t, "-loglevel=3")
	const perPool = 8
	var pes []*client
	for pi, ptype := range policy.Types {
		c := dial(t, d, false)
		pes = append(pes, c)
		n, _ := policy.ValueCount(ptype)
		for i := range perPool {
			id := uint32(pi*100 + i + 1)
			values := make([]uint32, n)
			for v := range values {
				values[v] = uint32(i+1) * 1000 // weight/priority/load grow with i
			}
			c.register(poolName(ptype), pe(id, ptype, values...))
		}
	}
	// A big pool over a few associations.
	for a := range 4 {
		c := dial(t, d, false)
		for i := range 250 {
			c.register("big", pe(uint32(100000+a*1000+i), policy.Random))
		}
	}

	pu := dial(t, d, false)
	for pi, ptype := range policy.Types {
		name := poolName(ptype)
		t.Run(policy.Name(ptype), func(t *testing.T) {
			pu.t = t
			resp := pu.resolve(name)
			if resp.Reject || resp.Error != nil || len(resp.Elements) != 3 || resp.Policy.Type != ptype {
				t.Fatalf("resolution %+v", resp)
			}
			for _, e := range resp.Elements {
				if e.ID <= uint32(pi*100) || e.ID > uint32(pi*100+perPool) || e.Policy.Type != ptype {
					t.Fatalf("element %+v is not of pool %s", e, name)
				}
			}
			switch ptype {
			case policy.RoundRobin:
				// One element per resolution cycles through the pool.
				var seen []uint32
				for range perPool {
					seen = append(seen, ids(pu.resolve(name, 1))...)
				}
				slices.Sort(seen)
				if len(slices.Compact(seen)) != perPool {
					t.Fatalf("round robin visited %v", seen)
				}
			case policy.Priority:
				if got := ids(resp); !slices.Equal(got, []uint32{uint32(pi*100 + 8), uint32(pi*100 + 7), uint32(pi*100 + 6)}) {
					t.Fatalf("priority order %v", got)
				}
			case policy.LeastUsed:
				if got := ids(resp); !slices.Equal(got, []uint32{uint32(pi*100 + 1), uint32(pi*100 + 2), uint32(pi*100 + 3)}) {
					t.Fatalf("least used order %v", got)
				}
			}
		})
	}
	pu.t = t
	resp := pu.resolve("big", 200)
	if len(resp.Elements) != 3 { // -maxhresitems default 3
		t.Fatalf("big pool: %d elements", len(resp.Elements))
	}
	for _, c := range pes {
		c.a.Close()
	}
	eventually(t, "the policy pools to empty when their associations close", func() bool {
		return pu.resolve(poolName(policy.RoundRobin)).Reject
	})
	if len(pu.resolve("big").Elements) != 3 {
		t.Fatal("big pool lost elements")
	}
}

// poolName names a test pool per policy type (pool handles are at most
// 32 bytes: rsplib's limit).
func poolName(ptype uint32) string { return fmt.Sprintf("pool-%08x", ptype) }

// -maxhresitems raises the number of elements per resolution.
func TestMaxHResItems(t *testing.T) {
	d := startDaemon(t, "-maxhresitems=10")
	c := dial(t, d, false)
	for id := uint32(1); id <= 20; id++ {
		c.register("pool", pe(id, policy.RoundRobin))
	}
	if n := len(c.resolve("pool").Elements); n != 10 {
		t.Fatalf("%d elements, want 10", n)
	}
	if n := len(c.resolve("pool", 4).Elements); n != 4 {
		t.Fatalf("%d elements for 4 asked, want 4", n)
	}
}

// A pool element whose association goes away leaves the handlespace; one
// that stops answering keep-alives leaves it after interval + timeout.
func TestElementRemoval(t *testing.T) {
	d := startDaemon(t, "-keepalivetransmissioninterval=300", "-keepalivetimeoutinterval=300")
	alive := dial(t, d, false)
	alive.register("pool", pe(1, policy.RoundRobin))
	mute := dial(t, d, true)
	mute.register("pool", pe(2, policy.RoundRobin))
	gone := dial(t, d, false)
	gone.register("pool", pe(3, policy.RoundRobin))

	pu := dial(t, d, false)
	if got := ids(pu.resolve("pool")); len(got) != 3 {
		t.Fatalf("resolution %v", got)
	}
	gone.a.Close()
	eventually(t, "the closed association's element to go", func() bool {
		return !slices.Contains(ids(pu.resolve("pool")), 3)
	})
	eventually(t, "the element that ignores keep-alives to go", func() bool {
		return slices.Equal(ids(pu.resolve("pool")), []uint32{1})
	})
	// The mute element did get keep-alives, with the H flag and our ID.
	select {
	case ka := <-mute.kas:
		if !ka.Home || string(ka.PoolHandle) != "pool" || ka.PEID != 2 || ka.ServerID == 0 {
			t.Errorf("keep-alive %+v", ka)
		}
	default:
		t.Error("no keep-alive reached the mute element")
	}
	if len(alive.kas) == 0 {
		t.Error("the live element got no keep-alive")
	}
}

// A re-registration changes addresses and policy information at once.
func TestReregistrationTakesEffect(t *testing.T) {
	d := startDaemon(t)
	a, b := dial(t, d, false), dial(t, d, false)
	const pct = policy.MaxLoad / 100
	ea := pe(1, policy.LeastUsed, 50*pct)
	a.register("lu", ea)
	b.register("lu", pe(2, policy.LeastUsed, 10*pct))
	pu := dial(t, d, false)
	if got := ids(pu.resolve("lu")); !slices.Equal(got, []uint32{2, 1}) {
		t.Fatalf("before: %v", got)
	}
	ea.Policy.Values = []uint32{0}
	ea.User.Port = 4242
	ea.User.Addrs = []netip.Addr{netip.MustParseAddr("127.0.0.9")}
	a.register("lu", ea)
	resp := pu.resolve("lu")
	if got := ids(resp); !slices.Equal(got, []uint32{1, 2}) {
		t.Fatalf("after: %v", got)
	}
	if u := resp.Elements[0].User; u.Port != 4242 || !slices.Equal(u.Addrs, ea.User.Addrs) {
		t.Fatalf("user transport after re-registration: %+v", u)
	}
}

// Three Endpoint Unreachable reports remove an element (-maxbadpereports
// default 3); two do not.
func TestEndpointUnreachable(t *testing.T) {
	d := startDaemon(t)
	pe1 := dial(t, d, false)
	pe1.register("pool", pe(1, policy.RoundRobin))
	pe1.register("pool", pe(2, policy.RoundRobin))
	pu := dial(t, d, false)
	report := func(id uint32) { pu.send(&wire.EndpointUnreachable{PoolHandle: []byte("pool"), PEID: id}) }
	report(1)
	report(1)
	// One association's messages are handled in order: the resolution
	// sees both reports.
	if got := ids(pu.resolve("pool")); len(got) != 2 {
		t.Fatalf("after two reports: %v", got)
	}
	report(1)
	if got := ids(pu.resolve("pool")); !slices.Equal(got, []uint32{2}) {
		t.Fatalf("after three reports: %v", got)
	}
}

// A user over -maxhrrate is refused with cause 0xa; others are not.
func TestHandleResolutionRateLimit(t *testing.T) {
	d := startDaemon(t, "-maxhrrate=5")
	pe1 := dial(t, d, false)
	pe1.register("pool", pe(1, policy.RoundRobin))
	pu := dial(t, d, false)
	for range 20 { // pipelined: far faster than 5 per second
		pu.send(&wire.HandleResolution{PoolHandle: []byte("pool")})
	}
	served, refused := 0, 0
	for range 20 {
		resp := pu.recv().(*wire.HandleResolutionResponse)
		switch {
		case !resp.Reject:
			served++
		case resp.Error != nil && resp.Error.Has(wire.CauseSecurityRejection):
			refused++
		default:
			t.Fatalf("unexpected answer %+v", resp)
		}
	}
	if served < 5 || refused < 10 {
		t.Fatalf("served %d, refused %d of 20", served, refused)
	}
	if other := dial(t, d, false).resolve("pool"); other.Reject {
		t.Fatal("another association is refused too")
	}
}

// SIGTERM: exit 0, statistics file with the header and a final line.
func TestSIGTERMWritesStats(t *testing.T) {
	dir := t.TempDir()
	statsPath := filepath.Join(dir, "stats")
	d := startDaemon(t, "-statsfile="+statsPath, "-statsinterval=100000")
	c := dial(t, d, false)
	c.register("pool", pe(1, policy.RoundRobin))
	c.register("pool", pe(1, policy.RoundRobin)) // re-registration
	c.register("pool", pe(2, policy.RoundRobin))
	c.resolve("pool")
	c.resolve("nope")
	if code := d.stop(); code != 0 {
		t.Fatalf("exit code %d", code)
	}
	b, err := os.ReadFile(statsPath)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) < 3 { // header, first line at start, final line
		t.Fatalf("statistics file:\n%s", b)
	}
	header := strings.Fields(lines[0])
	last := strings.Fields(lines[len(lines)-1])
	if len(last) != len(header)+1 {
		t.Fatalf("last line has %d fields for %d columns:\n%s", len(last), len(header), b)
	}
	col := func(name string) int {
		i := slices.Index(header, name)
		if i < 0 {
			t.Fatalf("no column %s", name)
		}
		n, err := strconv.Atoi(last[i+1])
		if err != nil {
			t.Fatalf("column %s: %q", name, last[i+1])
		}
		return n
	}
	for name, want := range map[string]int{"Pools": 1, "PoolElements": 2, "OwnedPoolElements": 2, "Registrations": 3,
		"Reregistrations": 1, "HandleResolutions": 2, "Deregistrations": 0} {
		if got := col(name); got != want {
			t.Errorf("%s = %d, want %d\n%s", name, got, want, b)
		}
	}
	if want := fmt.Sprintf("%06d", len(lines)-1); last[0] != want {
		t.Errorf("line number %s, want %s", last[0], want)
	}
}

// Without options other than a free port, pool elements on loopback are
// accepted (rsplib's default scope would refuse them) and bad options
// stop the daemon with status 1.
func TestDefaultsAndBadOptions(t *testing.T) {
	d := startDaemon(t)
	dial(t, d, false).register("pool", pe(1, policy.RoundRobin))

	d2 := startDaemon(t, "-minaddressscope=sitelocal")
	c := dial(t, d2, false)
	c.send(&wire.Registration{PoolHandle: []byte("pool"), Element: pe(1, policy.RoundRobin)})
	if resp := c.recv().(*wire.RegistrationResponse); !resp.Reject || !resp.Error.Has(wire.CauseInvalidValues) {
		t.Fatalf("loopback element with -minaddressscope=sitelocal: %+v", resp)
	}

	for _, bad := range [][]string{{"-nonsense=1"}, {"-asap=notanaddress"}, {"-loglevel=12"}, {"plain"}} {
		out, err := runDaemonOnce(bad...)
		if err == nil || !strings.Contains(out, "usage") {
			t.Errorf("%v: %v\n%s", bad, err, out)
		}
	}
}
