package registrar

import (
	"fmt"
	"net/netip"
	"reflect"
	"slices"
	"testing"
	"time"

	"netcompat/core/rserpool/handlespace"
	"netcompat/core/rserpool/policy"
	"netcompat/core/rserpool/wire"
)

// The ENRP state machine driven without sockets: a simulated network
// carries every Output between registrars (encoded and decoded, so the
// wire format is on the path), time advances explicitly.

// simNet is a network of registrars. Every pair of registrars has one
// association, numbered from*1000+to on the sender's side.
type simNet struct {
	t     *testing.T
	now   time.Time
	regs  map[uint32]*Registrar
	addrs map[netip.AddrPort]uint32 // ENRP endpoints
	down  map[uint32]bool           // registrars cut off (dead or partitioned)
	cut   map[[2]uint32]bool        // links cut
	queue []simMsg

	sent map[wire.ENRPType]int // messages delivered, by type
	asap []Output              // ASAP outputs (keep-alives, answers), for inspection
	hook func(from, to uint32, m wire.Message)
}

type simMsg struct {
	from, to uint32
	b        []byte
}

func newSimNet(t *testing.T) *simNet {
	return &simNet{t: t, now: t0, regs: map[uint32]*Registrar{}, addrs: map[netip.AddrPort]uint32{},
		down: map[uint32]bool{}, cut: map[[2]uint32]bool{}, sent: map[wire.ENRPType]int{}}
}

func simAddr(id uint32) netip.AddrPort {
	return netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 0, byte(id >> 8), byte(id)}), wire.ENRPPort)
}

// add starts registrar id with the given static peers.
func (n *simNet) add(id uint32, peers ...uint32) *Registrar {
	r := newReg(n.t, func(c *Config) {
		c.ServerID = id
		c.KeepAliveInterval = time.Hour
		c.ENRP = ENRPConfig{
			Enabled:                 true,
			Self:                    wire.Transport{Kind: wire.ParamSCTPTransport, Port: wire.ENRPPort, Addrs: []netip.Addr{simAddr(id).Addr()}},
			HeartbeatCycle:          100 * time.Millisecond,
			MaxTimeLastHeard:        300 * time.Millisecond,
			MaxTimeNoResponse:       300 * time.Millisecond,
			MentorDiscoveryTimeout:  500 * time.Millisecond,
			TakeoverExpiryInterval:  500 * time.Millisecond,
			MaxElementsPerHTRequest: 7,
		}
		for _, p := range peers {
			c.ENRP.StaticPeers = append(c.ENRP.StaticPeers, []netip.AddrPort{simAddr(p)})
		}
	})
	n.regs[id] = r
	n.addrs[simAddr(id)] = id
	for _, other := range n.regs {
		if other != r {
			other.ENRPAssocOpened(n.now, AssocID(other.ServerID()*1000+id), []netip.AddrPort{simAddr(id)})
			r.ENRPAssocOpened(n.now, AssocID(id*1000+other.ServerID()), []netip.AddrPort{simAddr(other.ServerID())})
		}
	}
	n.deliver(id, r.Tick(n.now))
	return r
}

// deliver routes the outputs of registrar from.
func (n *simNet) deliver(from uint32, outs []Output) {
	for _, o := range outs {
		if o.Msg == nil || o.Presence {
			continue
		}
		if o.Msg.Protocol() == wire.ASAP {
			n.asap = append(n.asap, o)
			continue
		}
		to := o.Peer
		if to == 0 && len(o.PeerAddrs) > 0 {
			to = n.addrs[o.PeerAddrs[0]]
		}
		if to == 0 && o.To != 0 {
			to = uint32(o.To) % 1000
		}
		if to == 0 || n.regs[to] == nil {
			continue
		}
		b, err := wire.Append(nil, o.Msg)
		if err != nil {
			n.t.Fatalf("$%x encodes %T: %v", from, o.Msg, err)
		}
		n.queue = append(n.queue, simMsg{from, to, b})
	}
}

// run delivers queued messages and ticks until d has passed.
func (n *simNet) run(d time.Duration) {
	end := n.now.Add(d)
	for {
		for len(n.queue) > 0 {
			m := n.queue[0]
			n.queue = n.queue[1:]
			if n.down[m.from] || n.down[m.to] || n.cut[[2]uint32{m.from, m.to}] || n.cut[[2]uint32{m.to, m.from}] {
				continue
			}
			msg, err := wire.ParseENRP(m.b)
			if err != nil {
				n.t.Fatalf("$%x sent undecodable ENRP: %v", m.from, err)
			}
			n.sent[wire.ENRPType(msg.MsgType())]++
			if n.hook != nil {
				n.hook(m.from, m.to, msg)
			}
			n.deliver(m.to, n.regs[m.to].HandleENRP(n.now, AssocID(m.to*1000+m.from), msg))
		}
		if !n.now.Before(end) {
			return
		}
		n.now = n.now.Add(10 * time.Millisecond)
		for _, id := range n.ids() {
			if !n.down[id] {
				n.deliver(id, n.regs[id].Tick(n.now))
			}
		}
	}
}

func (n *simNet) ids() []uint32 {
	var ids []uint32
	for id := range n.regs {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// register registers element pe in pool handle at registrar id over
// association 1 (ASAP).
func (n *simNet) register(id uint32, handle string, e wire.PoolElement) {
	r := n.regs[id]
	outs := r.Handle(n.now, 1, regMsg(handle, e), nil)
	for _, o := range outs {
		if rr, ok := o.Msg.(*wire.RegistrationResponse); ok && rr.Reject {
			n.t.Fatalf("registration of %s/%d at $%x refused: %+v", handle, e.ID, id, rr.Error)
		}
	}
	n.deliver(id, outs)
}

func pools(r *Registrar) []PoolSnapshot { return r.Snapshot(t0).Pools }

func TestENRPMentorPagesTheHandleTable(t *testing.T) {
	n := newSimNet(t)
	a := n.add(1)
	for i := uint32(1); i <= 100; i++ {
		n.register(1, fmt.Sprintf("pool-%d", i%5), pe(i, policy.RoundRobin))
	}
	var pages, maxPage int
	n.hook = func(from, to uint32, m wire.Message) {
		if resp, ok := m.(*wire.HandleTableResponse); ok && to == 2 {
			pages++
			k := 0
			for _, e := range resp.Entries {
				k += len(e.Elements)
			}
			maxPage = max(maxPage, k)
			if !resp.More && k == 7 {
				t.Errorf("a full last page must be followed by none: %d elements, More unset", k)
			}
		}
	}
	b := n.add(2, 1)
	n.run(200 * time.Millisecond)
	if !reflect.DeepEqual(pools(a), pools(b)) {
		t.Fatalf("the mentor's table did not arrive whole:\n%v\n%v", pools(a), pools(b))
	}
	if pages != 15 || maxPage != 7 { // ceil(100/7)
		t.Errorf("%d pages of at most %d elements, want 15 of 7", pages, maxPage)
	}
	if b.startup {
		t.Error("startup did not end with the mentor's last page")
	}
	if got := b.Snapshot(n.now).Checksums["$00000001"]; got != a.hs.OwnChecksum() {
		t.Errorf("checksum of A's elements at B %#x, A says %#x", got, a.hs.OwnChecksum())
	}
}

func TestENRPPageStaysUnderMessageLimit(t *testing.T) {
	n := newSimNet(t)
	n.add(1)
	big := func(id uint32) wire.PoolElement {
		e := pe(id, policy.RoundRobin)
		e.User.Addrs = nil
		for i := 0; i < 64; i++ {
			e.User.Addrs = append(e.User.Addrs, netip.AddrFrom16([16]byte{0x20, 0x01, 0xd, 0xb8, 15: byte(i)}))
		}
		return e
	}
	for i := uint32(1); i <= 300; i++ {
		n.register(1, "big", big(i))
	}
	n.regs[1].cfg.ENRP.MaxElementsPerHTRequest = 1000 // bytes, not count, end each page
	b := n.add(2, 1)
	n.run(200 * time.Millisecond) // deliver fails the test if a page does not encode
	if b.hs.Len() != 300 {
		t.Fatalf("B has %d of 300 elements", b.hs.Len())
	}
}

func TestENRPHandleUpdatesAndAudit(t *testing.T) {
	n := newSimNet(t)
	a, b := n.add(1), n.add(2, 1)
	n.run(100 * time.Millisecond)
	n.register(1, "echo", pe(1, policy.RoundRobin))
	n.register(1, "echo", pe(2, policy.RoundRobin))
	n.run(50 * time.Millisecond)
	if b.hs.Len() != 2 || n.sent[wire.ENRPHandleUpdate] != 2 {
		t.Fatalf("B has %d elements after %d Handle Updates", b.hs.Len(), n.sent[wire.ENRPHandleUpdate])
	}
	// A Handle Update lost: B holds an element A no longer has. A's next
	// Presence carries a checksum B disagrees with; B audits A and purges.
	n.cut[[2]uint32{1, 2}] = true
	n.deliver(1, a.AssocClosed(n.now, 1)) // both elements leave A
	n.register(1, "echo", pe(3, policy.RoundRobin))
	n.run(50 * time.Millisecond)
	delete(n.cut, [2]uint32{1, 2})
	n.run(300 * time.Millisecond)
	if !reflect.DeepEqual(pools(a), pools(b)) || b.stats.Audits == 0 || b.stats.AuditPurges != 2 {
		t.Fatalf("after the audit: A %v, B %v, audits %d, purged %d", pools(a), pools(b), b.stats.Audits, b.stats.AuditPurges)
	}
}

func TestENRPTakeoverByLowerID(t *testing.T) {
	n := newSimNet(t)
	n.add(5)
	n.add(3, 5)
	n.add(9, 5)
	n.run(300 * time.Millisecond)
	for _, id := range n.ids() {
		if len(n.regs[id].peers) != 2 {
			t.Fatalf("$%x knows %d peers", id, len(n.regs[id].peers))
		}
	}
	e := pe(1, policy.RoundRobin)
	e.ASAP = &wire.Transport{Kind: wire.ParamSCTPTransport, Port: 7000, Addrs: []netip.Addr{netip.MustParseAddr("10.9.9.9")}}
	n.register(5, "echo", e)
	n.register(5, "echo", pe(2, policy.RoundRobin))
	n.run(50 * time.Millisecond)
	n.down[5] = true
	n.asap = nil
	n.run(2 * time.Second)
	for _, id := range []uint32{3, 9} {
		r := n.regs[id]
		for _, p := range pools(r) {
			for _, el := range p.Elements {
				if el.Home != 3 {
					t.Errorf("at $%x element %d has home $%x, want $3 (the lower ID wins)", id, el.ID, el.Home)
				}
			}
		}
		if r.hs.Len() != 2 || r.peers[5] != nil {
			t.Errorf("$%x: %d elements, dead peer still listed: %v", id, r.hs.Len(), r.peers[5] != nil)
		}
	}
	if n.sent[wire.ENRPTakeoverServer] != 1 || n.regs[3].stats.Takeovers != 1 || n.regs[9].stats.Takeovers != 0 {
		t.Errorf("Takeover Server sent %d times; takeovers at $3 %d, at $9 %d", n.sent[wire.ENRPTakeoverServer],
			n.regs[3].stats.Takeovers, n.regs[9].stats.Takeovers)
	}
	// The element that named an ASAP endpoint gets its H keep-alive there.
	var dialed bool
	for _, o := range n.asap {
		if ka, ok := o.Msg.(*wire.EndpointKeepAlive); ok && ka.PEID == 1 && ka.Home && ka.ServerID == 3 &&
			slices.Equal(o.DialASAP, []netip.AddrPort{netip.MustParseAddrPort("10.9.9.9:7000")}) {
			dialed = true
		}
	}
	if !dialed {
		t.Errorf("no keep-alive dialed to the taken-over element's ASAP endpoint: %+v", n.asap)
	}
}

func TestENRPTakeoverAloneAndAbandoned(t *testing.T) {
	n := newSimNet(t)
	a, b := n.add(1), n.add(2, 1)
	n.run(200 * time.Millisecond)
	n.register(2, "echo", pe(1, policy.RoundRobin))
	n.run(50 * time.Millisecond)
	n.down[2] = true
	n.run(time.Second)
	if m := a.hs.Lookup([]byte("echo"), 1); m == nil || m.Home() != 1 {
		t.Fatalf("the only survivor did not take the element over: %+v", m)
	}
	// A takeover needing an ack from a peer that is still in the table
	// but cannot answer is abandoned at the expiry, as rsplib does: an
	// isolated registrar whose two peers both own elements takes over
	// neither (each takeover waits for the other peer's ack).
	n2 := newSimNet(t)
	n2.add(1)
	n2.add(2, 1)
	n2.add(3, 1)
	n2.run(300 * time.Millisecond)
	n2.register(2, "echo", pe(1, policy.RoundRobin))
	n2.register(3, "echo", pe(2, policy.RoundRobin))
	n2.run(50 * time.Millisecond)
	n2.cut[[2]uint32{1, 2}], n2.cut[[2]uint32{1, 3}] = true, true // 1 alone
	n2.run(2 * time.Second)
	r1 := n2.regs[1]
	if m := r1.hs.Lookup([]byte("echo"), 1); m == nil || m.Home() != 2 || r1.stats.Takeovers != 0 || len(r1.peers) != 0 {
		t.Fatalf("isolated registrar: element %+v, takeovers %d, peers %d", m, r1.stats.Takeovers, len(r1.peers))
	}
	// A peer only listed by another, never heard, is not waited for.
	n3 := newSimNet(t)
	n3.add(1)
	n3.add(2, 1)
	n3.run(300 * time.Millisecond)
	n3.register(2, "echo", pe(1, policy.RoundRobin))
	n3.run(50 * time.Millisecond)
	ghost := &wire.ServerInfo{ServerID: 0x99, Transport: wire.Transport{Kind: wire.ParamSCTPTransport, Port: 9901,
		Addrs: []netip.Addr{netip.MustParseAddr("10.9.9.99")}}}
	n3.down[2] = true
	n3.run(400 * time.Millisecond) // 2 is silent: asked for a Presence
	n3.deliver(1, n3.regs[1].HandleENRP(n3.now, 1002, &wire.ListResponse{ServerIDs: wire.ServerIDs{Sender: 2}, Servers: []wire.ServerInfo{*ghost}}))
	if !n3.regs[1].HasPeer(0x99) {
		t.Fatal("listed peer not learnt")
	}
	n3.run(250 * time.Millisecond) // 2 is dead; the ghost is still listed
	if !n3.regs[1].HasPeer(0x99) || n3.regs[1].stats.Takeovers != 1 {
		t.Fatalf("ghost listed %v, takeovers %d: the takeover must not wait for a peer never heard",
			n3.regs[1].HasPeer(0x99), n3.regs[1].stats.Takeovers)
	}
	if m := n3.regs[1].hs.Lookup([]byte("echo"), 1); m == nil || m.Home() != 1 {
		t.Fatalf("survivor beside a listed-only peer: element %+v", m)
	}
	_ = b
}

func TestENRPPartitionHeals(t *testing.T) {
	n := newSimNet(t)
	n.add(1)
	n.add(2, 1)
	n.add(3, 1)
	n.run(300 * time.Millisecond)
	for i := uint32(1); i <= 9; i++ {
		n.register(i%3+1, "echo", pe(i, policy.RoundRobin))
	}
	n.run(100 * time.Millisecond)
	n.cut[[2]uint32{1, 2}], n.cut[[2]uint32{1, 3}] = true, true
	n.run(2 * time.Second)
	delete(n.cut, [2]uint32{1, 2})
	delete(n.cut, [2]uint32{1, 3})
	n.run(3 * time.Second)
	ref := pools(n.regs[1])
	for _, id := range []uint32{2, 3} {
		if !reflect.DeepEqual(ref, pools(n.regs[id])) {
			t.Errorf("after healing $%x differs:\n%v\n%v", id, ref, pools(n.regs[id]))
		}
	}
	for _, id := range n.ids() {
		for _, home := range n.regs[id].hs.Homes() {
			if c := n.regs[id].hs.Checksum(home); c != n.regs[home].hs.OwnChecksum() {
				t.Errorf("$%x's checksum of $%x's elements %#x, $%x says %#x", id, home, c, home, n.regs[home].hs.OwnChecksum())
			}
		}
	}
}

func TestENRPHandleUpdateGuards(t *testing.T) {
	n := newSimNet(t)
	a := n.add(1)
	n.add(2, 1)
	n.add(3, 1)
	n.run(300 * time.Millisecond)
	n.register(1, "echo", pe(1, policy.RoundRobin))
	n.register(3, "echo", pe(3, policy.RoundRobin))
	n.run(50 * time.Millisecond)
	before := pools(a)
	hu := func(sender uint32, action wire.UpdateAction, handle string, e wire.PoolElement) {
		n.deliver(1, a.HandleENRP(n.now, AssocID(1000+sender), &wire.HandleUpdate{
			ServerIDs: wire.ServerIDs{Sender: sender}, Action: action, PoolHandle: []byte(handle), Element: e}))
	}
	own := pe(1, policy.RoundRobin)
	own.HomeServer = 2
	hu(2, wire.UpdateDelPE, "echo", own) // DEL of our own element
	hu(2, wire.UpdateAddPE, "echo", own) // a claim on our element, registered here
	third := pe(3, policy.RoundRobin)
	third.HomeServer = 3
	hu(2, wire.UpdateDelPE, "echo", third) // DEL of a live third registrar's element
	stranger := pe(7, policy.RoundRobin)
	stranger.HomeServer = 77
	hu(77, wire.UpdateAddPE, "echo", stranger) // unknown sender
	conflict := pe(8, policy.LeastUsed)
	conflict.HomeServer = 2
	hu(2, wire.UpdateAddPE, "echo", conflict) // conflicting policy
	nohome := pe(9, policy.RoundRobin)
	hu(2, wire.UpdateAddPE, "echo", nohome) // no home
	if !reflect.DeepEqual(before, pools(a)) {
		t.Fatalf("hostile Handle Updates changed the handlespace:\n%v\n%v", before, pools(a))
	}
	// The real owner's DEL works.
	hu(3, wire.UpdateDelPE, "echo", third)
	if a.hs.Lookup([]byte("echo"), 3) != nil {
		t.Error("the owner's DEL_PE did not remove its element")
	}
	if a.hs.Checksum(1) != a.hs.ComputeChecksum(1) || a.hs.Checksum(3) != a.hs.ComputeChecksum(3) {
		t.Error("incremental checksums drifted")
	}
	_ = handlespace.Key{}
}

func TestENRPMentorThatNeverAnswersIsReplaced(t *testing.T) {
	n := newSimNet(t)
	a := n.add(1)
	for i := uint32(1); i <= 20; i++ {
		n.register(1, "echo", pe(i, policy.RoundRobin))
	}
	b := n.add(2) // no static peer: it hears a mute one first
	n.deliver(2, b.HandleENRP(n.now, 2077, &wire.Presence{ServerIDs: wire.ServerIDs{Sender: 0x77}, Checksum: 0xffff,
		Info: &wire.ServerInfo{ServerID: 0x77, Transport: wire.Transport{Kind: wire.ParamSCTPTransport, Port: 9901,
			Addrs: []netip.Addr{netip.MustParseAddr("10.7.7.7")}}}}))
	if b.mentorID != 0x77 {
		t.Fatalf("mentor %#x, want the first peer heard", b.mentorID)
	}
	b.cfg.ENRP.StaticPeers = [][]netip.AddrPort{{simAddr(1)}}
	n.run(400 * time.Millisecond) // shorter than the startup phase
	if b.mentorID != 1 || !reflect.DeepEqual(pools(a), pools(b)) || b.startup {
		t.Fatalf("mentor %#x, startup %v, B has %d of A's %d elements", b.mentorID, b.startup, b.hs.Len(), a.hs.Len())
	}
}

func TestENRPWalkRestartsOnANewAssociation(t *testing.T) {
	n := newSimNet(t)
	a := n.add(1)
	for i := uint32(1); i <= 50; i++ {
		n.register(1, "echo", pe(i, policy.RoundRobin))
	}
	hello := &wire.Presence{ServerIDs: wire.ServerIDs{Sender: 0x77}, Checksum: 0xffff}
	a.HandleENRP(n.now, 5001, hello)
	a.HandleENRP(n.now, 5001, &wire.HandleTableRequest{ServerIDs: wire.ServerIDs{Sender: 0x77}}) // first page only
	// The requester comes back on a new association: a whole new walk.
	a.HandleENRP(n.now, 5002, hello)
	got := 0
	for more := true; more; {
		more = false
		for _, o := range a.HandleENRP(n.now, 5002, &wire.HandleTableRequest{ServerIDs: wire.ServerIDs{Sender: 0x77}}) {
			if resp, ok := o.Msg.(*wire.HandleTableResponse); ok {
				for _, e := range resp.Entries {
					got += len(e.Elements)
				}
				more = resp.More
			}
		}
	}
	if got != 50 {
		t.Fatalf("second walk gave %d of 50 elements", got)
	}
}

// A List Response stays one encodable message however many peers with
// however many addresses the table holds.
func TestENRPListResponseFits(t *testing.T) {
	r := newReg(t, func(c *Config) { c.ENRP.Enabled = true })
	now := t0
	var addrs []netip.Addr
	for i := 0; i < wire.MaxAddrs; i++ {
		addrs = append(addrs, netip.AddrFrom16([16]byte{0x20, 0x01, 0xd, 0xb8, 14: byte(i >> 8), 15: byte(i)}))
	}
	for id := uint32(1); id <= MaxPeers; id++ {
		r.HandleENRP(now, AssocID(id), &wire.Presence{ServerIDs: wire.ServerIDs{Sender: id}, Checksum: 0xffff,
			Info: &wire.ServerInfo{ServerID: id, Transport: wire.Transport{Kind: wire.ParamSCTPTransport, Port: 9901, Addrs: addrs}}})
	}
	found := false
	for _, o := range r.HandleENRP(now, 1, &wire.ListRequest{ServerIDs: wire.ServerIDs{Sender: 1}}) {
		if resp, ok := o.Msg.(*wire.ListResponse); ok {
			found = true
			if _, err := wire.Append(nil, resp); err != nil || len(resp.Servers) == 0 {
				t.Fatalf("List Response of %d servers: %v", len(resp.Servers), err)
			}
		}
	}
	if !found {
		t.Fatal("no List Response")
	}
}
