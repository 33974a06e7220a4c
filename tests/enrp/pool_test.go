package enrp_test

import (
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"netcompat/core/rserpool/registrar"
)

// The topology of every test: one LAN (a bridge in a switch namespace),
// six hosts on it:
//
//	r1 10.77.0.10, r2 .11, r3 .12   registrars R1, R2, R3 ($0e000001..3)
//	pe1 .13, pe2 .14                pool elements (C rsp_server, echo; the bulk process on pe2)
//	pu .15                          pool users (C rsp_terminal; this binary resolving)
//
// The pool: R1 starts alone (its startup phase ends without a mentor) and
// the first wave registers with it: four C elements (pools echoA and
// echoB, one of each per element host) and thirty Go ASAP client elements
// of one bulk process (pool bulk), all knowing the three registrars
// statically; then R2 and R3 start and are filled by a mentor, page by
// page (-maxelementsperhtrequest=2); then a second wave of two C elements
// registers where their registrar hunt lands.

var poolNames = []string{"echoA", "echoB"}

// The bulk pool: bulkCount elements of one Go ASAP client process (see
// startBulk), so that handle tables take many pages; resolved, not
// talked to.
const (
	bulkPool  = "bulk"
	bulkCount = 30
)

const firstServerID = 0x0e000001

type testPool struct {
	lan  *lan
	regs []*regProc // R1, R2, R3
	pes  []*element
	pu   *host
}

// setupPool builds the LAN and the pool. With static, the registrars
// know each other from -peer= lists only (no multicast Presence);
// otherwise they find each other by multicast Presence on eth0.
func setupPool(t *testing.T, static bool) *testPool {
	t.Helper()
	requireAll(t)
	l := newLAN(t, "r1", "r2", "r3", "pe1", "pe2", "pu")
	p := &testPool{lan: l, pu: l.hosts["pu"]}
	rh := []*host{l.hosts["r1"], l.hosts["r2"], l.hosts["r3"]}
	for i, h := range rh {
		var peers []*host
		if static {
			for j, o := range rh {
				if j != i {
					peers = append(peers, o)
				}
			}
		}
		p.regs = append(p.regs, newRegistrar(t, fmt.Sprintf("R%d", i+1), uint32(firstServerID+i), h, peers))
	}
	// R1 alone: it finds no mentor, and the first wave of elements can
	// only register there.
	p.regs[0].start(t)
	waitFor(t, "R1 out of its startup phase", waitLimit, func() string {
		if p.regs[0].snapshot(t).Startup {
			return "still in startup"
		}
		return ""
	})
	if !strings.Contains(p.regs[0].log(), `msg="ENRP startup complete" how="mentor discovery timeout"`) {
		t.Fatalf("R1, alone, did not end its startup by the mentor discovery timeout:\n%s", p.regs[0].log())
	}
	for _, h := range []*host{l.hosts["pe1"], l.hosts["pe2"]} {
		for _, pool := range poolNames {
			p.pes = append(p.pes, startElement(t, h, pool, p.regs))
		}
	}
	p.pes = append(p.pes, startBulk(t, l.hosts["pe2"], bulkPool, bulkCount, p.regs)...)
	p.regs[1].start(t)
	p.regs[2].start(t)
	p.waitConverged(t, p.regs, waitLimit)
	for _, pool := range p.regs[1].snapshot(t).Pools {
		for _, e := range pool.Elements {
			if e.Home != p.regs[0].id {
				t.Fatalf("element %s/%d has home $%08x, want R1's", pool.Handle, e.ID, e.Home)
			}
		}
	}
	// The second wave registers wherever its hunt lands; Handle Updates
	// must bring it everywhere.
	p.pes = append(p.pes, startElement(t, l.hosts["pe1"], "echoA", p.regs), startElement(t, l.hosts["pe2"], "echoB", p.regs))
	p.waitConverged(t, p.regs, waitLimit)
	return p
}

// wantPools is the pool element IDs of the running elements, by pool.
func (p *testPool) wantPools() map[string][]uint32 {
	want := map[string][]uint32{}
	for _, e := range p.pes {
		if e.running() {
			want[e.pool] = append(want[e.pool], e.id)
		}
	}
	for _, ids := range want {
		slices.Sort(ids)
	}
	return want
}

// poolIDs is a snapshot's element IDs by pool.
func poolIDs(s *registrar.Snapshot) map[string][]uint32 {
	out := map[string][]uint32{}
	for _, pool := range s.Pools {
		for _, e := range pool.Elements {
			out[pool.Handle] = append(out[pool.Handle], e.ID)
		}
	}
	return out
}

// converged reports what keeps regs from agreeing on the handlespace of
// the running elements ("" when nothing does): each must know every
// other as a live peer, be out of its startup phase, hold exactly the
// running elements (IDs by pool), no element may have a home outside
// regs, and all must have identical pools, identical per-home checksums,
// and each one's own checksum must be what the others hold for it.
func (p *testPool) converged(t *testing.T, regs []*regProc) (string, []*registrar.Snapshot) {
	want := p.wantPools()
	ids := map[uint32]bool{}
	for _, r := range regs {
		ids[r.id] = true
	}
	snaps := make([]*registrar.Snapshot, len(regs))
	for i, r := range regs {
		s := r.snapshot(t)
		snaps[i] = s
		if s.Startup {
			return r.name + " still in its startup phase", nil
		}
		var alive []uint32
		for _, pr := range s.Peers {
			if pr.State == "alive" {
				alive = append(alive, pr.ID)
			}
		}
		if len(s.Peers) != len(regs)-1 || len(alive) != len(regs)-1 {
			return fmt.Sprintf("%s has peers %+v, want the other %d alive", r.name, s.Peers, len(regs)-1), nil
		}
		if got := poolIDs(s); !reflect.DeepEqual(got, want) {
			return fmt.Sprintf("%s holds %v, want %v", r.name, got, want), nil
		}
		for _, pool := range s.Pools {
			for _, e := range pool.Elements {
				if !ids[e.Home] {
					return fmt.Sprintf("%s: element %s/%d has home $%08x, not a running registrar", r.name, pool.Handle, e.ID, e.Home), nil
				}
			}
		}
	}
	for i, s := range snaps[1:] {
		if !reflect.DeepEqual(s.Pools, snaps[0].Pools) {
			return fmt.Sprintf("%s and %s hold different pools:\n%+v\n%+v", regs[0].name, regs[i+1].name, snaps[0].Pools, s.Pools), nil
		}
		if !maps.Equal(s.Checksums, snaps[0].Checksums) {
			return fmt.Sprintf("%s and %s have different checksums: %v, %v", regs[0].name, regs[i+1].name, snaps[0].Checksums, s.Checksums), nil
		}
	}
	for i, r := range regs {
		if !ownsAny(snaps[i], r.id) {
			continue
		}
		own := snaps[i].Checksum
		for j, s := range snaps {
			if c := s.Checksums[fmt.Sprintf("$%08x", r.id)]; c != own {
				return fmt.Sprintf("%s's own checksum is %#04x, %s holds %#04x for it", r.name, own, regs[j].name, c), nil
			}
		}
	}
	return "", snaps
}

// ownsAny reports whether s holds an element whose home is id.
func ownsAny(s *registrar.Snapshot, id uint32) bool {
	for _, pool := range s.Pools {
		for _, e := range pool.Elements {
			if e.Home == id {
				return true
			}
		}
	}
	return false
}

// waitConverged waits until regs agree (see converged) and returns their
// snapshots.
func (p *testPool) waitConverged(t *testing.T, regs []*regProc, limit time.Duration) []*registrar.Snapshot {
	t.Helper()
	var snaps []*registrar.Snapshot
	waitFor(t, "registrars agree", limit, func() string {
		for _, r := range regs {
			if !r.running() {
				t.Fatalf("%s exited: %v", r.name, r.err)
			}
		}
		for _, e := range p.pes {
			if !e.running() {
				t.Fatalf("%s exited: %v\n%s", e.name, e.err, e.stderr.String())
			}
		}
		why, s := p.converged(t, regs)
		snaps = s
		return why
	})
	return snaps
}

// holdConverged checks that regs stay in agreement (see converged) for
// d; a disagreement may last a moment (a Handle Update in flight), not
// longer than a second.
func (p *testPool) holdConverged(t *testing.T, regs []*regProc, d time.Duration) {
	t.Helper()
	end := time.Now().Add(d)
	var since time.Time
	for time.Now().Before(end) {
		why, _ := p.converged(t, regs)
		switch {
		case why == "":
			since = time.Time{}
		case since.IsZero():
			since = time.Now()
		case time.Since(since) > time.Second:
			t.Fatalf("the registrars stopped agreeing, %v after they had: %s", d-time.Until(end), why)
		}
		time.Sleep(pollEvery) // polling interval
	}
}

// checkResolution resolves every pool through each of regs from the pool
// user host (all element IDs must come back) and exchanges data with an
// element of each pool through each of regs.
func (p *testPool) checkResolution(t *testing.T, regs []*regProc) {
	t.Helper()
	want := p.wantPools()
	for _, r := range regs {
		if got := resolve(t, p.pu, r, bulkPool); !slices.Equal(got, want[bulkPool]) {
			t.Errorf("resolving %s through %s: elements %v, want %v", bulkPool, r.name, got, want[bulkPool])
		}
		for _, pool := range poolNames {
			got := resolve(t, p.pu, r, pool)
			if !slices.Equal(got, want[pool]) {
				t.Errorf("resolving %s through %s: elements %v, want %v", pool, r.name, got, want[pool])
			}
			t.Logf("%s resolves %s to %v", r.name, pool, got)
			exchange(t, p.pu, r, pool)
		}
	}
}

// TestHandlespaceEverywhere: a handlespace built through R1 (and, for
// the second wave, wherever the elements' hunts landed) is the same on
// all three registrars, and a pool user resolves it, and reaches its
// elements, through each of them; once with peers found by multicast
// Presence on the LAN, once with static peer lists only.
func TestHandlespaceEverywhere(t *testing.T) {
	for _, static := range []bool{false, true} {
		name := "multicast"
		if static {
			name = "static"
		}
		t.Run(name, func(t *testing.T) {
			p := setupPool(t, static)
			snaps := p.waitConverged(t, p.regs, waitLimit)
			if n := snaps[0].Elements; n != len(p.pes) {
				t.Fatalf("R1 holds %d elements, want %d", n, len(p.pes))
			}
			// Every peer is known at its LAN address.
			for i, s := range snaps {
				for _, pr := range s.Peers {
					if len(pr.Addrs) == 0 || pr.Addrs[0].Addr().As4()[0] != 10 {
						t.Errorf("%s knows peer $%08x at %v, want its LAN address", p.regs[i].name, pr.ID, pr.Addrs)
					}
				}
			}
			for _, r := range p.regs[1:] {
				if !strings.Contains(r.log(), "mentor found") {
					t.Errorf("%s, started after R1, logged no mentor", r.name)
				}
			}
			p.checkResolution(t, p.regs)
			// A pool user that knows no registrar finds one by its
			// ASAP Server Announces on the LAN.
			for _, pool := range append([]string{bulkPool}, poolNames...) {
				if got, want := resolve(t, p.pu, nil, pool), p.wantPools()[pool]; !slices.Equal(got, want) {
					t.Errorf("resolving %s through announces: %v, want %v", pool, got, want)
				}
			}
			// Beyond a registration life (3 x the elements' 2 s
			// re-registration interval), every copy stays: the
			// re-registrations reach every registrar.
			p.holdConverged(t, p.regs, 8*time.Second)
		})
	}
}

// TestRegistrarKilled: SIGKILL the registrar the first wave of elements
// is registered at. Every element stays, with the same ID, in both
// survivors' identical handlespaces, now homed at a survivor; the
// element processes go on (their library logs one failover line);
// resolution and data exchange work through each survivor.
func TestRegistrarKilled(t *testing.T) {
	p := setupPool(t, false)
	before := p.wantPools()
	r1 := p.regs[0]
	var atR1 []*element
	homes := map[uint32]uint32{}
	for _, pool := range p.regs[1].snapshot(t).Pools {
		for _, e := range pool.Elements {
			homes[e.ID] = e.Home
		}
	}
	for _, e := range p.pes {
		if homes[e.id] == r1.id {
			atR1 = append(atR1, e)
		}
	}
	if len(atR1) < 4 {
		t.Fatalf("only %d elements at R1 before the kill, want the first wave's 4", len(atR1))
	}
	// A session that R1 resolved is going on when R1 dies.
	term := startTerminal(t, p.pu, r1, "echoA")
	term.say("before the kill\n")
	r1.cmd.Process.Signal(syscall.SIGKILL)
	<-r1.exited
	term.say("after the kill\n")
	survivors := p.regs[1:]
	p.waitConverged(t, survivors, waitLimit)
	term.say("after the takeover\n")
	term.finish()
	if after := p.wantPools(); !reflect.DeepEqual(after, before) {
		t.Fatalf("elements before the kill %v, after %v: element processes exited", before, after)
	}
	for _, e := range atR1 {
		if !e.running() {
			t.Errorf("%s exited: %v", e.name, e.err)
		}
		waitFor(t, e.name+" failover line", waitLimit, func() string {
			if strings.Contains(e.stderr.String(), "failed over to registrar") {
				return ""
			}
			return "no failover line in its log:\n" + e.stderr.String()
		})
	}
	p.checkResolution(t, survivors)
}

// TestPartitionHeals: R1's bridge port is taken out of the bridge, so
// that R1 is alone and R2 and R3 are together; once each side holds the
// other dead, the port goes back. All three must end with the same pools
// (every running element) and the same checksums.
func TestPartitionHeals(t *testing.T) {
	p := setupPool(t, false)
	r1, r2, r3 := p.regs[0], p.regs[1], p.regs[2]
	p.lan.detach(t, r1.host)
	waitFor(t, "both sides of the partition hold the other dead", waitLimit, func() string {
		for _, side := range []struct {
			r    *regProc
			dead []uint32
		}{{r1, []uint32{r2.id, r3.id}}, {r2, []uint32{r1.id}}, {r3, []uint32{r1.id}}} {
			for _, pr := range side.r.snapshot(t).Peers {
				if slices.Contains(side.dead, pr.ID) {
					return fmt.Sprintf("%s still has peer $%08x (%s)", side.r.name, pr.ID, pr.State)
				}
			}
		}
		return ""
	})
	// R2 and R3 still agree between them on the elements, which all
	// reach them.
	p.waitConverged(t, []*regProc{r2, r3}, convergeWait)
	p.lan.attach(t, r1.host)
	p.waitConverged(t, p.regs, convergeWait)
	p.checkResolution(t, []*regProc{r1})
}

// TestSplitBrainHeals: a partition with elements on both sides: R1 and
// the element host pe1 on one, R2, R3, pe2 and the pool user host on the
// other. Each side's elements end up registered on their side (the ones
// whose registrar is across fail over after a re-registration timeout);
// after the heal all three registrars hold every element, identically.
func TestSplitBrainHeals(t *testing.T) {
	p := setupPool(t, false)
	r1, r2, r3 := p.regs[0], p.regs[1], p.regs[2]
	pe1 := p.lan.hosts["pe1"]
	p.lan.split(t, r1.host, pe1)
	side := func(r *regProc, h *host) string {
		s := r.snapshot(t)
		held := map[uint32]uint32{}
		for _, pool := range s.Pools {
			for _, e := range pool.Elements {
				held[e.ID] = e.Home
			}
		}
		for _, e := range p.pes {
			if e.host != h {
				continue
			}
			home, ok := held[e.id]
			if !ok {
				return fmt.Sprintf("%s does not hold %s", r.name, e.name)
			}
			if home != r1.id && r == r1 || home == r1.id && r != r1 {
				return fmt.Sprintf("%s holds %s with home $%08x across the partition", r.name, e.name, home)
			}
		}
		return ""
	}
	waitFor(t, "each side holds its own elements", waitLimit, func() string {
		if why := side(r1, pe1); why != "" {
			return why
		}
		for _, r := range []*regProc{r2, r3} {
			if why := side(r, p.lan.hosts["pe2"]); why != "" {
				return why
			}
		}
		return ""
	})
	p.lan.attach(t, r1.host)
	p.lan.attach(t, pe1)
	p.waitConverged(t, p.regs, convergeWait)
	p.checkResolution(t, p.regs)
}

// TestRestartedRegistrarFilledByMentor: with static peer lists only (no
// multicast), R3 is killed and started again empty on the same addresses
// with the same identifier, first at once (its peers still hold the old
// process alive), then again after its peers have dropped it as dead,
// then at once with a new identifier; each time a mentor fills it and its
// handlespace equals the others'.
func TestRestartedRegistrarFilledByMentor(t *testing.T) {
	p := setupPool(t, true)
	r1, r2, r3 := p.regs[0], p.regs[1], p.regs[2]
	restart := func(waitDead bool) {
		t.Helper()
		r3.cmd.Process.Signal(syscall.SIGKILL)
		<-r3.exited
		if waitDead {
			waitFor(t, "R1 and R2 drop the dead R3", waitLimit, func() string {
				for _, r := range []*regProc{r1, r2} {
					for _, pr := range r.snapshot(t).Peers {
						if pr.ID == r3.id {
							return fmt.Sprintf("%s still has R3 (%s)", r.name, pr.State)
						}
					}
				}
				return ""
			})
		}
		r3.start(t)
		p.waitConverged(t, p.regs, waitLimit)
		log := r3.log()
		for _, want := range []string{"mentor found", "ENRP startup complete"} {
			if !strings.Contains(log, want) {
				t.Errorf("the restarted R3 logged no %q:\n%s", want, log)
			}
		}
		p.checkResolution(t, []*regProc{r3})
	}
	restart(false)
	restart(true)
	// As a registrar without -identifier does on every start: a new
	// identifier at the old addresses. The old one must leave the peer
	// tables (converged wants exactly the two others, alive).
	old := r3.id
	r3.id = firstServerID + 0x33
	for i, a := range r3.args {
		if strings.HasPrefix(a, "-identifier=") {
			r3.args[i] = fmt.Sprintf("-identifier=0x%08x", r3.id)
		}
	}
	restart(false)
	for _, r := range []*regProc{r1, r2} {
		for _, pr := range r.snapshot(t).Peers {
			if pr.ID == old {
				t.Errorf("%s still has the old R3 $%08x", r.name, old)
			}
		}
	}
}

// TestRestartedHomeRegistrar: R1, the home of the first wave of
// elements (four C elements and the thirty of the bulk process), is
// killed and at once started again, empty, with the same identifier and
// addresses, before its peers can notice that it was gone. The peers
// still hold R1's elements as R1's; the elements fail over and register
// again. Within the deadline all three must agree again on every
// element, none homed at a registrar that does not have it.
func TestRestartedHomeRegistrar(t *testing.T) {
	p := setupPool(t, false)
	r1 := p.regs[0]
	r1.cmd.Process.Signal(syscall.SIGKILL)
	<-r1.exited
	r1.start(t)
	p.waitConverged(t, p.regs, convergeWait)
	p.checkResolution(t, p.regs)
}

// TestRegistrarHangs: R1, home of the first wave (four C elements, the
// thirty of the bulk process), stops (SIGSTOP) without closing anything,
// so that its elements notice nothing until their next re-registration
// times out. R2 and R3 take R1's elements over. The bulk process, which
// names an ASAP endpoint of its own, gets the new home's keep-alive and
// moves there: none of its elements may go missing from R2 or R3 at any
// time. The C elements come back (if lost) when their re-registration
// fails over. The survivors must then agree, every element homed at one
// of them, also beyond a registration life; R1 then resumes (SIGCONT)
// into a pool that holds it dead and must rejoin it.
func TestRegistrarHangs(t *testing.T) { hangR1(t, false) }

// TestRegistrarHangsCElementsKept is TestRegistrarHangs with no element
// allowed to go missing, the C ones included: they name no ASAP endpoint,
// so the new home cannot reach them, keeps them anyway (a takeover starts
// a new registration life) and they re-register with a survivor, never
// with the hung registrar again (the client suspects it).
func TestRegistrarHangsCElementsKept(t *testing.T) {
	hangR1(t, true)
}

func hangR1(t *testing.T, strictC bool) {
	p := setupPool(t, false)
	r1, r2, r3 := p.regs[0], p.regs[1], p.regs[2]
	want := p.wantPools()
	r1.cmd.Process.Signal(syscall.SIGSTOP)
	stopped := true
	defer func() {
		if stopped {
			r1.cmd.Process.Signal(syscall.SIGCONT)
		}
	}()
	start := time.Now()
	// missing fails the test when an element that must never go missing
	// is not in s.
	missing := func(r *regProc, s *registrar.Snapshot) {
		got := poolIDs(s)
		for pool, ids := range want {
			if pool != bulkPool && !strictC {
				continue
			}
			for _, id := range ids {
				if !slices.Contains(got[pool], id) {
					t.Fatalf("%.1f s after R1 stopped, %s does not hold element %s/%d", time.Since(start).Seconds(), r.name, pool, id)
				}
			}
		}
	}
	waitFor(t, "R2 and R3 hold R1's elements as theirs", waitLimit, func() string {
		for _, r := range []*regProc{r2, r3} {
			missing(r, r.snapshot(t))
		}
		why, _ := p.converged(t, []*regProc{r2, r3})
		return why
	})
	// Beyond a registration life: nothing lost meanwhile either.
	end := time.Now().Add(8 * time.Second)
	for time.Now().Before(end) {
		for _, r := range []*regProc{r2, r3} {
			missing(r, r.snapshot(t))
		}
		time.Sleep(pollEvery) // polling interval
	}
	p.holdConverged(t, []*regProc{r2, r3}, time.Second)
	// The listening C elements got their new home's keep-alive: it says
	// so in its log.
	if !strings.Contains(r2.log()+r3.log(), `taken-over pool element answered" pool=`+listeningPool) {
		t.Errorf("no taken-over %s element answered its new home's keep-alive", listeningPool)
	}
	r1.cmd.Process.Signal(syscall.SIGCONT)
	stopped = false
	p.waitConverged(t, p.regs, convergeWait)
	p.checkResolution(t, p.regs)
}

// TestJoinWhileRegistering: R2 and R3 join (mentor transfer, two
// elements a page) while a second bulk process registers thirty more
// elements, which land at whichever registrar its hunt picks, R2 and R3
// possibly still in their startup phase. All three must end with the
// same handlespace: every element of both bulk processes and the C
// elements.
func TestJoinWhileRegistering(t *testing.T) {
	requireAll(t)
	l := newLAN(t, "r1", "r2", "r3", "pe1", "pe2", "pu")
	p := &testPool{lan: l, pu: l.hosts["pu"]}
	for i, h := range []*host{l.hosts["r1"], l.hosts["r2"], l.hosts["r3"]} {
		p.regs = append(p.regs, newRegistrar(t, fmt.Sprintf("R%d", i+1), uint32(firstServerID+i), h, nil))
	}
	p.regs[0].start(t)
	for _, pool := range poolNames {
		p.pes = append(p.pes, startElement(t, l.hosts["pe1"], pool, p.regs))
	}
	p.pes = append(p.pes, startBulk(t, l.hosts["pe2"], bulkPool, bulkCount, p.regs)...)
	// One registration every 40 ms: 1.2 s of registrations, while the
	// two registrars start and take their mentor's handle table.
	wait := startBulkAsync(t, l.hosts["pe1"], bulkPool, bulkCount, 40*time.Millisecond, p.regs)
	p.regs[1].start(t)
	p.regs[2].start(t)
	p.pes = append(p.pes, wait()...)
	p.waitConverged(t, p.regs, waitLimit)
	p.checkResolution(t, p.regs)
}
