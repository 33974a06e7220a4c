package main

import (
	"bufio"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"netcompat/core/rserpool/handlespace"
	"netcompat/core/rserpool/policy"
	"netcompat/core/rserpool/registrar"
	"netcompat/core/rserpool/wire"
	"netcompat/core/transport"
)

// Server IDs of TestENRPHostilePeers.
const (
	victimID  = 0x00001000 // the registrar under attack
	partnerID = 0x00002000 // a real registrar peering with it
	fakeID    = 0x00003000 // a peer the test plays (known to the victim)
	strangeID = 0x00004444 // a sender the victim never heard a Presence from
)

// TestENRPHostilePeers attacks a registrar's ENRP side while it serves a
// pool with a real peer registrar. The victim owns pool "victim"
// (elements 1 and 2, registered over ASAP), the partner owns "peerpool"
// (11 and 12); the test also plays a third peer (fakeID) that keeps
// itself alive with Presence and answers the victim's requests. Every
// attack is followed by the same checks (healthy): the process runs, it
// registers and resolves a new element over ASAP, the partner sees it
// alive and it sees the partner, and its handlespace (its -dumpfile after
// SIGUSR1) is exactly what the protocol says it should be: unchanged,
// unless the attack's comment says otherwise. Each check of the
// handlespace comes after a barrier that proves the registrar has
// handled the attack (an answer on the same association, or the
// registrar's close of it), so nothing here waits by sleeping.
func TestENRPHostilePeers(t *testing.T) {
	if testing.Short() {
		t.Skip("floods the registrar")
	}
	if transport.DefaultBackend() != transport.BackendTCP {
		t.Skip("the hostile peers speak raw TCP: needs the TCP mapping")
	}
	group := freeUDPPort(t)
	sink, _ := sinkListener(t)
	sinkInfo := func(id uint32) *wire.ServerInfo {
		return &wire.ServerInfo{ServerID: id, Transport: wire.Transport{Kind: wire.ParamTCPTransport, Port: sink.Port(), Addrs: []netip.Addr{sink.Addr()}}}
	}

	v := startENRPDaemon(t, victimID, group, nil)
	// The partner peers by its static peer option only (no multicast: see
	// TestENRPMulticastPeering for why a multicast Presence would slow
	// its start).
	b := startENRPDaemon(t, partnerID, 0, []netip.AddrPort{v.enrp})
	vpe := dial(t, v.daemon, false)
	vpe.register("victim", longLived(pe(1, policy.RoundRobin)))
	vpe.register("victim", longLived(pe(2, policy.RoundRobin)))
	bpe := dial(t, b.daemon, false)
	bpe.register("peerpool", longLived(pe(11, policy.RoundRobin)))
	bpe.register("peerpool", longLived(pe(12, policy.RoundRobin)))
	fake := startFakePeer(t, v, fakeID, sinkInfo(fakeID))

	var baseline []registrar.PoolSnapshot
	eventually(t, "the pool to synchronise", func() bool {
		sv, sb := v.snapshot(t), b.snapshot(t)
		if sv.Elements != 4 || !reflect.DeepEqual(sv.Pools, sb.Pools) {
			return false
		}
		baseline = sv.Pools
		return peerState(sv, partnerID) == "alive" && peerState(sv, fakeID) == "alive" && peerState(sb, victimID) == "alive"
	})
	for _, p := range baseline {
		for _, e := range p.Elements {
			if want := map[string]uint32{"victim": victimID, "peerpool": partnerID}[p.Handle]; e.Home != want {
				t.Fatalf("element %s/%d has home $%08x, want $%08x", p.Handle, e.ID, e.Home, want)
			}
		}
	}

	probeID := uint32(1000)
	// healthy runs the checks every attack ends with; want is the
	// victim's expected handlespace.
	healthy := func(t *testing.T, want []registrar.PoolSnapshot) {
		t.Helper()
		v.running(t)
		b.running(t)
		sv := v.snapshot(t)
		if !reflect.DeepEqual(sv.Pools, want) {
			t.Errorf("victim's handlespace changed:\n got %+v\nwant %+v", sv.Pools, want)
		}
		checkChecksums(t, sv)
		if st := peerState(sv, partnerID); st != "alive" {
			t.Errorf("victim sees its partner as %q", st)
		}
		if len(sv.Peers) > registrar.MaxPeers {
			t.Errorf("victim's peer table holds %d peers, bound %d", len(sv.Peers), registrar.MaxPeers)
		}
		// The partner sees the victim alive and holds the same pools
		// (nothing of the attacks reaches it; the previous probe's
		// Handle Update may still be on its way).
		eventually(t, "the partner to see the victim alive, with the baseline pools", func() bool {
			sb := b.snapshot(t)
			return peerState(sb, victimID) == "alive" && reflect.DeepEqual(sb.Pools, baseline)
		})
		// ASAP still works: a new element registers and resolves.
		probeID++
		c := dial(t, v.daemon, false)
		c.register("probe", pe(probeID, policy.RoundRobin))
		if got := ids(c.resolve("probe")); !slices.Equal(got, []uint32{probeID}) {
			t.Errorf("probe pool resolves to %v", got)
		}
		got := ids(c.resolve("victim"))
		slices.Sort(got)
		if !slices.Equal(got, []uint32{1, 2}) {
			t.Errorf("pool victim resolves to %v", got)
		}
		c.send(&wire.Deregistration{PoolHandle: []byte("probe"), PEID: probeID})
		if r, ok := c.recv().(*wire.DeregistrationResponse); !ok || r.Error != nil {
			t.Errorf("probe deregistration answered %+v", r)
		}
		c.a.Close()
	}
	healthy(t, baseline)

	// A Handle Update the fake peer could legitimately send: adding an
	// element it owns to a pool of its own. The malformed variants below
	// are cut from it.
	legit := &wire.HandleUpdate{ServerIDs: fake.ids(), Action: wire.UpdateAddPE, PoolHandle: []byte("liar"),
		Element: peerElement(50, fakeID, policy.RoundRobin)}
	legitBytes := encENRP(t, legit)

	t.Run("random bytes", func(t *testing.T) {
		// Garbage is counted and, after a few in a row, the association
		// is closed; nothing of it reaches the handlespace.
		r := rand.New(rand.NewPCG(1, 2))
		for i := range 8 {
			ec := dialENRP(t, v.enrp, nil)
			for range 16 {
				buf := make([]byte, 1+r.IntN(2048))
				for j := range buf {
					buf[j] = byte(r.Uint32())
				}
				if i%2 == 1 && len(buf) >= 4 { // a plausible header over random contents
					buf[0] = byte(1 + r.IntN(10))
					binary.BigEndian.PutUint16(buf[2:], uint16(len(buf)))
				}
				if ec.write(buf) != nil {
					break
				}
			}
			ec.finish()
		}
		healthy(t, baseline)
	})

	t.Run("lying lengths", func(t *testing.T) {
		// Each variant goes on its own association, sent by the fake
		// peer's ID so that it would count if it were decoded; none is a
		// whole message, so none changes the handlespace.
		variants := map[string][]byte{}
		long := append([]byte(nil), legitBytes...)
		binary.BigEndian.PutUint16(long[2:], 0xffff) // header says more than is sent
		variants["header longer than sent"] = long
		short := append([]byte(nil), legitBytes...)
		binary.BigEndian.PutUint16(short[2:], 12) // header says less: the rest is read as the next message
		variants["header shorter than sent"] = short
		for _, n := range []uint16{0, 1, 3} {
			b := append([]byte(nil), legitBytes...)
			binary.BigEndian.PutUint16(b[2:], n)
			variants[fmt.Sprintf("header length %d", n)] = b
		}
		// Parameter lengths beyond the message: the Pool Handle's (at
		// offset 16) and the Pool Element's (after the padded handle).
		ph := append([]byte(nil), legitBytes...)
		binary.BigEndian.PutUint16(ph[18:], 0x1000)
		variants["pool handle beyond the message"] = ph
		pel := append([]byte(nil), legitBytes...)
		peOff := 16 + 4 + (len("liar")+3)&^3
		if wire.ParamType(binary.BigEndian.Uint16(pel[peOff:])) != wire.ParamPoolElement {
			t.Fatalf("no Pool Element at offset %d", peOff)
		}
		binary.BigEndian.PutUint16(pel[peOff+2:], uint16(len(pel)-peOff+40))
		variants["pool element beyond the message"] = pel
		inner := append([]byte(nil), legitBytes...)
		binary.BigEndian.PutUint16(inner[peOff+4+12+2:], 0x0fff) // the user transport, inside the element
		variants["transport beyond the element"] = inner
		for name, b := range variants {
			ec := dialENRP(t, v.enrp, nil)
			ec.write(b)
			ec.finish()
			if t.Failed() {
				t.Fatalf("after %s", name)
			}
		}
		// The same variants back to back on one association with a barrier
		// after them.
		ec := dialENRP(t, v.enrp, nil)
		ec.write(ph)
		ec.write(pel)
		ec.write(inner)
		ec.unknownBarrier(strangeID, victimID)
		ec.finish()
		healthy(t, baseline)
	})

	t.Run("truncated messages", func(t *testing.T) {
		// Cut at every 4-byte boundary, the header's length fixed up:
		// each is undecodable (the Pool Element parameter is missing or
		// cut), so nothing changes.
		ec := dialENRP(t, v.enrp, nil)
		for cut := 4; cut < len(legitBytes); cut += 4 {
			b := append([]byte(nil), legitBytes[:cut]...)
			binary.BigEndian.PutUint16(b[2:], uint16(cut))
			ec.write(b)
			if (cut/4)%6 == 0 { // a decodable message between, so the garbage never reaches the close limit
				ec.unknownBarrier(strangeID, victimID)
			}
		}
		ec.unknownBarrier(strangeID, victimID)
		ec.write(legitBytes[:len(legitBytes)/2]) // and one cut off by the end of the association
		ec.finish()
		healthy(t, baseline)
	})

	t.Run("unknown sender", func(t *testing.T) {
		// A sender that never said Presence is no peer: its Handle
		// Updates (adds to a pool, to a new pool; deletes of the victim's
		// and the partner's elements) and Handle Table Responses are
		// ignored, and its Handle Table Request refused.
		ec := dialENRP(t, v.enrp, nil)
		ids := wire.ServerIDs{Sender: strangeID, Receiver: victimID}
		ec.send(&wire.HandleUpdate{ServerIDs: ids, Action: wire.UpdateAddPE, PoolHandle: []byte("peerpool"), Element: peerElement(60, strangeID, policy.RoundRobin)})
		ec.send(&wire.HandleUpdate{ServerIDs: ids, Action: wire.UpdateAddPE, PoolHandle: []byte("ghost"), Element: peerElement(61, strangeID, policy.RoundRobin)})
		ec.send(&wire.HandleUpdate{ServerIDs: ids, Action: wire.UpdateDelPE, PoolHandle: []byte("victim"), Element: peerElement(1, victimID, policy.RoundRobin)})
		ec.send(&wire.HandleUpdate{ServerIDs: ids, Action: wire.UpdateDelPE, PoolHandle: []byte("peerpool"), Element: peerElement(11, partnerID, policy.RoundRobin)})
		ec.send(&wire.HandleTableResponse{ServerIDs: ids, Entries: []wire.PoolEntry{{PoolHandle: []byte("ghost"), Elements: []wire.PoolElement{peerElement(62, strangeID, policy.RoundRobin)}}}})
		// Messages carrying the victim's own ID as sender are its own
		// echoes: ignored.
		self := wire.ServerIDs{Sender: victimID, Receiver: victimID}
		ec.send(&wire.HandleUpdate{ServerIDs: self, Action: wire.UpdateDelPE, PoolHandle: []byte("victim"), Element: peerElement(1, victimID, policy.RoundRobin)})
		ec.send(&wire.HandleUpdate{ServerIDs: self, Action: wire.UpdateAddPE, PoolHandle: []byte("ghost"), Element: peerElement(63, victimID, policy.RoundRobin)})
		ec.unknownBarrier(strangeID, victimID)
		ec.finish()
		healthy(t, baseline)
	})

	t.Run("conflicting pool", func(t *testing.T) {
		// A known peer's element that the pool cannot take (another
		// policy, another transport than the pool's) is refused, as a
		// registration would be (RFC 5351 section 3.1; RFC 5352
		// section 3.2): nothing changes.
		random := peerElement(70, fakeID, policy.Random)
		udp := peerElement(71, fakeID, policy.RoundRobin)
		udp.User.Kind = wire.ParamUDPTransport
		lu := peerElement(72, fakeID, policy.LeastUsed, 5)
		for _, u := range []struct {
			pool string
			e    wire.PoolElement
		}{{"victim", random}, {"victim", udp}, {"peerpool", lu}, {"peerpool", udp}} {
			fake.send(&wire.HandleUpdate{ServerIDs: fake.ids(), Action: wire.UpdateAddPE, PoolHandle: []byte(u.pool), Element: u.e})
		}
		// The same in a Handle Table Response.
		fake.send(&wire.HandleTableResponse{ServerIDs: fake.ids(), Entries: []wire.PoolEntry{
			{PoolHandle: []byte("victim"), Elements: []wire.PoolElement{random, udp}},
			{PoolHandle: []byte("peerpool"), Elements: []wire.PoolElement{lu}},
		}})
		fake.barrier()
		healthy(t, baseline)
	})

	t.Run("claims on the victim's elements", func(t *testing.T) {
		// A registrar knows its own elements: a peer's word that an
		// element is homed at the victim is refused (a new one, or one
		// it has with other data), and so is a peer's claim on an
		// element registered at the victim over a live association.
		ours := peerElement(77, victimID, policy.RoundRobin)
		moved := peerElement(1, victimID, policy.RoundRobin)
		moved.User.Port = 9
		stolen := peerElement(1, fakeID, policy.RoundRobin)
		stolen2 := peerElement(2, partnerID, policy.RoundRobin)
		for _, e := range []wire.PoolElement{ours, moved, stolen, stolen2} {
			fake.send(&wire.HandleUpdate{ServerIDs: fake.ids(), Action: wire.UpdateAddPE, PoolHandle: []byte("victim"), Element: e})
		}
		fake.send(&wire.HandleTableResponse{ServerIDs: fake.ids(), Entries: []wire.PoolEntry{
			{PoolHandle: []byte("victim"), Elements: []wire.PoolElement{ours, moved, stolen}},
		}})
		fake.barrier()
		healthy(t, baseline)
	})

	t.Run("deletes of live registrars' elements", func(t *testing.T) {
		// DEL_PE from a peer that is not the element's home: the
		// victim's own elements are never removed by a peer, nor the
		// elements of another live peer (the partner).
		for _, d := range []struct {
			pool string
			id   uint32
			home uint32
		}{{"victim", 1, victimID}, {"victim", 2, fakeID}, {"peerpool", 11, partnerID}, {"peerpool", 12, fakeID}} {
			fake.send(&wire.HandleUpdate{ServerIDs: fake.ids(), Action: wire.UpdateDelPE, PoolHandle: []byte(d.pool),
				Element: peerElement(d.id, d.home, policy.RoundRobin)})
		}
		fake.barrier()
		healthy(t, baseline)
	})

	t.Run("takeover of the victim", func(t *testing.T) {
		// Init Takeover and Takeover Server naming the victim: it is
		// alive, says so with a Presence to everyone, and keeps its
		// elements (RFC 5353 section 3.9: a target that is alive
		// objects).
		fake.send(&wire.InitTakeover{ServerIDs: fake.ids(), Target: victimID})
		fake.send(&wire.TakeoverServer{ServerIDs: fake.ids(), Target: victimID})
		fake.barrier()
		healthy(t, baseline)
		// An Init Takeover of the live partner is acknowledged (the
		// victim does not know better yet) but changes nothing.
		// Until the partner's next Presence the victim notes it as
		// being taken over by the fake peer (so that it would not start
		// a takeover of its own); that Presence clears the note.
		fake.send(&wire.InitTakeover{ServerIDs: fake.ids(), Target: partnerID})
		fake.waitFor("an Init Takeover Ack", func(m wire.Message) bool {
			a, ok := m.(*wire.InitTakeoverAck)
			return ok && a.Target == partnerID
		})
		fake.barrier()
		if st := peerState(v.snapshot(t), partnerID); st != "alive" {
			t.Logf("partner's state right after the Init Takeover: %q", st)
		}
		eventually(t, "the partner's Presence to clear the takeover", func() bool {
			return peerState(v.snapshot(t), partnerID) == "alive"
		})
		healthy(t, baseline)
	})

	t.Run("huge handle table responses", func(t *testing.T) {
		// A known peer's Handle Table Response carries its elements
		// (RFC 5353 section 3.3): they are applied, however large the
		// page, up to the 64 KiB a message can have (the victim itself
		// sends pages of up to 60,000 bytes). Then the peer deletes
		// them again (DEL_PE from their home), which restores the
		// handlespace.
		var bug []string
		for _, n := range []int{40, 200, 900} {
			var elems []wire.PoolElement
			for i := range n {
				elems = append(elems, peerElement(uint32(100+i), fakeID, policy.RoundRobin))
			}
			msg := &wire.HandleTableResponse{ServerIDs: fake.ids(), Entries: []wire.PoolEntry{{PoolHandle: []byte("bulk"), Elements: elems}}}
			size := len(encENRP(t, msg))
			fake.claim("bulk", elems...)
			fake.send(msg)
			fake.barrier()
			want := append(slices.Clone(baseline), registrar.PoolSnapshot{Handle: "bulk", Policy: policy.Name(policy.RoundRobin)})
			for _, e := range elems {
				want[len(want)-1].Elements = append(want[len(want)-1].Elements, registrar.ElementFromWire(e))
			}
			slices.SortFunc(want, func(a, b registrar.PoolSnapshot) int {
				if a.Handle < b.Handle {
					return -1
				}
				if a.Handle > b.Handle {
					return 1
				}
				return 0
			})
			sv := v.snapshot(t)
			if !reflect.DeepEqual(sv.Pools, want) {
				got := 0
				for _, p := range sv.Pools {
					if p.Handle == "bulk" {
						got = len(p.Elements)
					}
				}
				if got == 0 && size > registrar.DefaultMaxMessageSize {
					// Known bug: see the Skip below.
					bug = append(bug, fmt.Sprintf("%d elements in %d bytes", n, size))
				} else {
					t.Errorf("a Handle Table Response of %d elements (%d bytes) left %d of them in the handlespace", n, size, got)
				}
			}
			for _, e := range elems {
				fake.send(&wire.HandleUpdate{ServerIDs: fake.ids(), Action: wire.UpdateDelPE, PoolHandle: []byte("bulk"), Element: e})
			}
			fake.release("bulk", elems...)
			fake.barrier()
			healthy(t, baseline)
		}
		if len(bug) > 0 {
			t.Errorf("ENRP messages longer than the ASAP limit (%d bytes) were dropped: Handle Table Responses of %s were lost, "+
				"although registrars send pages of up to 60000 bytes", registrar.DefaultMaxMessageSize, strings.Join(bug, ", "))
		}
	})

	t.Run("presence flood", func(t *testing.T) {
		// Presences from many made-up registrars, on an association and
		// by multicast: the peer table stays within its bound (256), the
		// real peers stay in it and alive, the handlespace is
		// unchanged, and the made-up peers, silent afterwards, leave the
		// table once their timers run out.
		r := rand.New(rand.NewPCG(3, 4))
		ec := dialENRP(t, v.enrp, nil)
		for range 1000 {
			id := r.Uint32()
			ec.send(&wire.Presence{ServerIDs: wire.ServerIDs{Sender: id}, Checksum: 0xffff, Info: sinkInfo(id)})
		}
		ec.unknownBarrier(strangeID, victimID)
		mc := multicastSender(t)
		dst := &net.UDPAddr{IP: net.IPv4(239, 0, 0, 51), Port: group}
		for range 500 {
			id := r.Uint32()
			mc.WriteToUDP(encENRP(t, &wire.Presence{ServerIDs: wire.ServerIDs{Sender: id}, Checksum: 0xffff, Info: sinkInfo(id)}), dst)
		}
		fake.barrier()
		sv := v.snapshot(t)
		if len(sv.Peers) > registrar.MaxPeers {
			t.Errorf("peer table holds %d peers, bound %d", len(sv.Peers), registrar.MaxPeers)
		}
		t.Logf("peer table after the flood: %d peers", len(sv.Peers))
		if st := peerState(sv, fakeID); st != "alive" {
			t.Errorf("the fake peer is %q after the flood", st)
		}
		healthy(t, baseline)
		ec.finish()
		eventually(t, "the made-up peers to time out", func() bool {
			return len(v.snapshot(t).Peers) <= 3 // partner, fake, and the multicast barrier's peer at most
		})
		healthy(t, baseline)
	})

	t.Run("multicast garbage", func(t *testing.T) {
		// Random datagrams and malformed Presences on the multicast
		// socket are dropped. Barrier: a valid Presence from a new
		// registrar after them makes the victim greet it at the
		// address it gives (the datagrams are handled in order).
		mc := multicastSender(t)
		dst := &net.UDPAddr{IP: net.IPv4(239, 0, 0, 51), Port: group}
		r := rand.New(rand.NewPCG(5, 6))
		pres := encENRP(t, &wire.Presence{ServerIDs: wire.ServerIDs{Sender: 0x5555}, Checksum: 0xffff, Info: sinkInfo(0x5555)})
		for i := range 600 {
			var b []byte
			switch i % 3 {
			case 0:
				b = make([]byte, r.IntN(1500))
				for j := range b {
					b[j] = byte(r.Uint32())
				}
			case 1: // a Presence cut short, its length fixed up (not at 20, where a Presence without Server Information ends)
				cut := 20
				for cut == 20 {
					cut = 4 + 4*r.IntN(len(pres)/4-1)
				}
				b = append([]byte(nil), pres[:cut]...)
				binary.BigEndian.PutUint16(b[2:], uint16(len(b)))
			case 2: // a Presence whose length lies: beyond the datagram, or short of the checksum
				b = append([]byte(nil), pres...)
				l := len(b) + 1 + r.IntN(0x10000-len(b)-1)
				if r.IntN(2) == 0 {
					l = r.IntN(20)
				}
				binary.BigEndian.PutUint16(b[2:], uint16(l))
			}
			mc.WriteToUDP(b, dst)
		}
		greet, greeted := sinkListener(t)
		const barrierID = 0x6666
		info := &wire.ServerInfo{ServerID: barrierID, Transport: wire.Transport{Kind: wire.ParamTCPTransport, Port: greet.Port(), Addrs: []netip.Addr{greet.Addr()}}}
		hello := encENRP(t, &wire.Presence{ServerIDs: wire.ServerIDs{Sender: barrierID}, Checksum: 0xffff, Info: info})
		eventually(t, "the victim to greet the new registrar", func() bool {
			// Sent again on every poll: a burst of datagrams can overflow
			// the socket's buffer. The first one the victim takes makes
			// it greet, after every datagram queued before it.
			mc.WriteToUDP(hello, dst)
			select {
			case m := <-greeted:
				p, ok := m.(*wire.Presence)
				return ok && p.Sender == victimID && p.Receiver == barrierID
			default:
				return false
			}
		})
		healthy(t, baseline)
	})

	t.Run("takeover server of a live peer", func(t *testing.T) {
		// Takeover Server naming the partner, which is alive and whose
		// takeover nobody initiated: the victim must not hand the
		// partner's elements to the sender; if it does, the partner's
		// next Presence shows a checksum mismatch and the audit must
		// restore them. Either way the handlespace comes back to the
		// baseline and the partner stays a peer.
		fake.send(&wire.TakeoverServer{ServerIDs: fake.ids(), Target: partnerID})
		fake.barrier()
		sv := v.snapshot(t)
		if !reflect.DeepEqual(sv.Pools, baseline) {
			t.Logf("right after the Takeover Server: %+v", sv.Pools)
		}
		eventually(t, "the partner's elements to be homed at the partner again", func() bool {
			sv := v.snapshot(t)
			return reflect.DeepEqual(sv.Pools, baseline) && peerState(sv, partnerID) == "alive"
		})
		healthy(t, baseline)
	})
}

// checkChecksums checks a snapshot's per-home checksums against its
// elements (RFC 5353 section 2.2.1's checksum over pool handle and PE
// identifier).
func checkChecksums(t *testing.T, s *registrar.Snapshot) {
	t.Helper()
	keys := map[uint32][]handlespace.Key{}
	for _, p := range s.Pools {
		for _, e := range p.Elements {
			keys[e.Home] = append(keys[e.Home], handlespace.Key{Handle: p.Handle, ID: e.ID})
		}
	}
	for home, k := range keys {
		name := fmt.Sprintf("$%08x", home)
		if got, want := s.Checksums[name], handlespace.ChecksumOf(k); got != want {
			t.Errorf("checksum of %s's elements %#04x, computed %#04x", name, got, want)
		}
	}
	if len(s.Checksums) != len(keys) {
		t.Errorf("checksums for %d homes, elements of %d", len(s.Checksums), len(keys))
	}
	if want := handlespace.ChecksumOf(keys[s.ServerID]); s.Checksum != want {
		t.Errorf("own checksum %#04x, computed %#04x", s.Checksum, want)
	}
}

// TestENRPMulticastPeering: two registrars serving ENRP on 127.0.0.1
// that find each other by multicast Presence alone (no -peer=) must
// synchronise: A's element reaches B.
func TestENRPMulticastPeering(t *testing.T) {
	if transport.DefaultBackend() != transport.BackendTCP {
		t.Skip("needs the TCP mapping")
	}
	group := freeUDPPort(t)
	a := startENRPDaemon(t, 0x0000a101, group, nil)
	b := startENRPDaemon(t, 0x0000b101, group, nil)
	c := dial(t, a.daemon, false)
	c.register("multicast", longLived(pe(1, policy.RoundRobin)))
	var addrs []netip.AddrPort
	eventually(t, "B to hear A's multicast Presence", func() bool {
		for _, p := range b.snapshot(t).Peers {
			if p.ID == a.id {
				addrs = p.Addrs
				return true
			}
		}
		return false
	})
	if !slices.Contains(addrs, a.enrp) {
		t.Fatalf("B takes A's ENRP endpoint to be %v, but A serves ENRP on %v only: the multicast Presence must leave "+
			"from the interface's own address", addrs, a.enrp)
	}
	eventually(t, "A's element to reach B", func() bool { return b.snapshot(t).Elements == 1 })
}

// TestENRPLargeHandleTablePage: a registrar joining a pool gets its
// mentor's handle table in pages of up to 128 elements
// (-maxelementsperhtrequest) and 60,000 bytes. Elements with eight
// addresses make a page of 128 about 14 KB: it must arrive whole.
func TestENRPLargeHandleTablePage(t *testing.T) {
	if transport.DefaultBackend() != transport.BackendTCP {
		t.Skip("needs the TCP mapping")
	}
	a := startENRPDaemon(t, 0x0000a102, 0, nil)
	c := dial(t, a.daemon, false)
	const n = 128
	for i := uint32(1); i <= n; i++ {
		e := longLived(pe(i, policy.RoundRobin))
		e.User.Addrs = nil
		for j := byte(1); j <= 8; j++ {
			e.User.Addrs = append(e.User.Addrs, netip.AddrFrom4([4]byte{127, 0, 0, j}))
		}
		c.register("big", e)
	}
	b := startENRPDaemon(t, 0x0000b102, 0, []netip.AddrPort{a.enrp})
	tooLarge := false
	eventually(t, "B to receive A's handle table (or refuse it as too large)", func() bool {
		if strings.Contains(b.Stderr.String(), "message too large") {
			tooLarge = true
			return true
		}
		return b.snapshot(t).Elements == n
	})
	if tooLarge {
		got := b.snapshot(t).Elements
		if got == n {
			return
		}
		t.Fatalf("B received %d of A's %d elements: a Handle Table Response page (about 14 KB) was refused as too large "+
			"(the ASAP limit is %d bytes; ENRP associations must take 64 KiB)", got, n, registrar.DefaultMaxMessageSize)
	}
}

// Helpers of the ENRP tests (enrp_hostile_test.go, enrp_tshark_test.go):
// registrars with ENRP, their handlespace dumps, and raw ENRP
// associations spoken by the test itself over the TCP mapping (bare
// framing: each message is its own length-delimited frame).

// ENRP timers of the test registrars: heartbeats fast enough to see
// several in a capture, failure detection slow enough that a loaded
// machine does not declare a live peer dead (a peer is asked after 3 s of
// silence and dead 3 s later).
var enrpTimers = []string{
	"-peerheartbeatcycle=200", "-peermaxtimelastheard=3000", "-peermaxtimenoresponse=3000",
	"-mentordiscoverytimeout=300", "-takeoverexpiryinterval=2000",
}

// enrpDaemon is an rspregistrar with ENRP on 127.0.0.1.
type enrpDaemon struct {
	*daemon
	id   uint32
	enrp netip.AddrPort // its ENRP endpoint
	dump string         // its -dumpfile
}

// startENRPDaemon starts a registrar with server ID id, ENRP on a free
// port of 127.0.0.1, multicast Presence on 239.0.0.51:group over lo
// (group 0: none) and the given static peers.
func startENRPDaemon(t *testing.T, id uint32, group int, peers []netip.AddrPort, args ...string) *enrpDaemon {
	t.Helper()
	dir := t.TempDir()
	portFile := filepath.Join(dir, "enrpport")
	ed := &enrpDaemon{id: id, dump: filepath.Join(dir, "dump.json")}
	all := []string{fmt.Sprintf("-identifier=0x%x", id), "-enrp=127.0.0.1:0", "-enrpportfile=" + portFile, "-dumpfile=" + ed.dump}
	if group != 0 {
		all = append(all, fmt.Sprintf("-enrpannounce=239.0.0.51:%d", group), "-enrpannounceif=lo")
	} else {
		all = append(all, "-enrpannounce=off")
	}
	for _, p := range peers {
		all = append(all, "-peer="+p.String())
	}
	all = append(append(all, enrpTimers...), args...)
	ed.daemon = startDaemon(t, all...)
	// The ENRP port file is written before the ASAP one startDaemon
	// waited for.
	b, err := os.ReadFile(portFile)
	if err != nil {
		t.Fatalf("no ENRP port file: %v", err)
	}
	port, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		t.Fatalf("ENRP port file %q", b)
	}
	ed.enrp = netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), uint16(port))
	return ed
}

// running fails the test if the process has exited.
func (d *enrpDaemon) running(t *testing.T) {
	t.Helper()
	select {
	case <-d.Exited:
		t.Fatalf("registrar $%08x exited: %v", d.id, d.Err)
	default:
	}
}

// snapshot makes the registrar write its dump (SIGUSR1) and returns it,
// waiting for the file to be replaced (the registrar writes it to a
// temporary file and renames it, so a changed file is a whole new dump).
func (d *enrpDaemon) snapshot(t *testing.T) *registrar.Snapshot {
	t.Helper()
	d.running(t)
	before, _ := os.Stat(d.dump)
	if err := d.Cmd.Process.Signal(syscall.SIGUSR1); err != nil {
		t.Fatal(err)
	}
	eventually(t, fmt.Sprintf("a new dump of $%08x", d.id), func() bool {
		fi, err := os.Stat(d.dump)
		return err == nil && (before == nil || !os.SameFile(before, fi) || !fi.ModTime().Equal(before.ModTime()))
	})
	b, err := os.ReadFile(d.dump)
	if err != nil {
		t.Fatal(err)
	}
	var s registrar.Snapshot
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatalf("dump of $%08x: %v\n%s", d.id, err, b)
	}
	if s.ServerID != d.id {
		t.Fatalf("dump names server $%08x, want $%08x", s.ServerID, d.id)
	}
	return &s
}

// peerState returns the state a snapshot gives peer id ("" if absent).
func peerState(s *registrar.Snapshot, id uint32) string {
	for _, p := range s.Peers {
		if p.ID == id {
			return p.State
		}
	}
	return ""
}

// enrpConn is a raw ENRP association the test speaks itself. Its reader
// decodes everything the registrar sends (an undecodable message fails
// the test), answers through respond if set, and keeps the messages for
// waitFor.
type enrpConn struct {
	t       *testing.T
	c       *net.TCPConn
	wmu     sync.Mutex
	respond func(m wire.Message) []wire.Message // nil: answers nothing

	mu     sync.Mutex
	msgs   []wire.Message
	next   int // waitFor's place in msgs
	notify chan struct{}
	done   chan struct{} // closed when the registrar closed the association (or it failed)
}

func dialENRP(t *testing.T, to netip.AddrPort, respond func(wire.Message) []wire.Message) *enrpConn {
	t.Helper()
	c, err := net.DialTimeout("tcp", to.String(), waitLimit)
	if err != nil {
		t.Fatal(err)
	}
	ec := &enrpConn{t: t, c: c.(*net.TCPConn), respond: respond, notify: make(chan struct{}, 1), done: make(chan struct{})}
	t.Cleanup(func() { c.Close() })
	go ec.read()
	return ec
}

func (ec *enrpConn) read() {
	defer close(ec.done)
	r := bufio.NewReaderSize(ec.c, 1<<16)
	for {
		b, err := readENRPFrame(r)
		if err != nil {
			return
		}
		m, err := wire.ParseENRP(b)
		if err != nil {
			ec.t.Errorf("registrar sent an undecodable ENRP message: %v (% x)", err, b[:min(len(b), 64)])
			continue
		}
		if ec.respond != nil {
			for _, a := range ec.respond(m) {
				ec.send(a)
			}
		}
		ec.mu.Lock()
		ec.msgs = append(ec.msgs, m)
		ec.mu.Unlock()
		select {
		case ec.notify <- struct{}{}:
		default:
		}
	}
}

// readENRPFrame reads one bare message (header length, no padding
// beyond it, as the TCP mapping sends them).
func readENRPFrame(r *bufio.Reader) ([]byte, error) {
	var h [4]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		return nil, err
	}
	n := int(binary.BigEndian.Uint16(h[2:]))
	if n < 4 {
		return nil, fmt.Errorf("message length %d", n)
	}
	b := make([]byte, n)
	copy(b, h[:])
	if _, err := io.ReadFull(r, b[4:]); err != nil {
		return nil, err
	}
	return b, nil
}

// write sends raw bytes; errors (the registrar may have hung up on
// garbage) are returned, not fatal.
func (ec *enrpConn) write(b []byte) error {
	ec.wmu.Lock()
	defer ec.wmu.Unlock()
	ec.c.SetWriteDeadline(time.Now().Add(waitLimit))
	_, err := ec.c.Write(b)
	return err
}

// send encodes and sends m; a failure to send is ignored here (the
// caller's checks notice a lost association).
func (ec *enrpConn) send(m wire.Message) {
	b, err := wire.AppendENRP(nil, m)
	if err != nil {
		ec.t.Errorf("encoding %T: %v", m, err)
		return
	}
	ec.write(b)
}

// waitFor returns the first message not looked at before that match
// accepts, failing the test after waitLimit.
func (ec *enrpConn) waitFor(what string, match func(wire.Message) bool) wire.Message {
	ec.t.Helper()
	deadline := time.NewTimer(waitLimit)
	defer deadline.Stop()
	for {
		ec.mu.Lock()
		for ec.next < len(ec.msgs) {
			m := ec.msgs[ec.next]
			ec.next++
			if match(m) {
				ec.mu.Unlock()
				return m
			}
		}
		ec.mu.Unlock()
		select {
		case <-ec.notify:
		case <-ec.done:
			select {
			case <-ec.notify: // one more look at what arrived before the end
				continue
			default:
			}
			ec.t.Fatalf("association closed while waiting for %s", what)
		case <-deadline.C:
			ec.t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// finish half-closes the association and waits for the registrar to
// close its side. The registrar closes an association only after its
// state machine has taken the loss, which comes after every message read
// before it: so when finish returns, everything sent on ec has been
// handled.
func (ec *enrpConn) finish() {
	ec.t.Helper()
	ec.c.CloseWrite()
	select {
	case <-ec.done:
	case <-time.After(waitLimit):
		ec.t.Fatal("the registrar did not close the association")
	}
}

// closed reports whether the registrar has closed the association.
func (ec *enrpConn) closed() bool {
	select {
	case <-ec.done:
		return true
	default:
		return false
	}
}

// encENRP encodes an ENRP message, failing the test on error.
func encENRP(t *testing.T, m wire.Message) []byte {
	t.Helper()
	b, err := wire.AppendENRP(nil, m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// fakePeer is a registrar played by the test on a raw ENRP association:
// it says Presence every heartbeat (with the checksum of the elements it
// claims), answers Presence with R, List Requests (with no peers) and
// Handle Table Requests (with its elements), so that the registrar keeps
// it as a live, synchronised peer.
type fakePeer struct {
	*enrpConn
	id     uint32
	target uint32
	info   *wire.ServerInfo

	omu sync.Mutex
	own map[handlespace.Key]wire.PoolElement
}

// startFakePeer connects to d as peer id and waits until d knows it.
// info is its Server Information (nil: none).
func startFakePeer(t *testing.T, d *enrpDaemon, id uint32, info *wire.ServerInfo) *fakePeer {
	t.Helper()
	fp := &fakePeer{id: id, target: d.id, info: info, own: map[handlespace.Key]wire.PoolElement{}}
	fp.enrpConn = dialENRP(t, d.enrp, fp.answer)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	go func() {
		tick := time.NewTicker(200 * time.Millisecond)
		defer tick.Stop()
		for {
			fp.send(fp.presence(false))
			select {
			case <-ctx.Done():
				return
			case <-fp.done:
				return
			case <-tick.C:
			}
		}
	}()
	fp.barrier()
	return fp
}

func (fp *fakePeer) ids() wire.ServerIDs { return wire.ServerIDs{Sender: fp.id, Receiver: fp.target} }

func (fp *fakePeer) presence(reply bool) *wire.Presence {
	fp.omu.Lock()
	keys := make([]handlespace.Key, 0, len(fp.own))
	for k := range fp.own {
		keys = append(keys, k)
	}
	fp.omu.Unlock()
	return &wire.Presence{ServerIDs: fp.ids(), ReplyRequired: reply, Checksum: handlespace.ChecksumOf(keys), Info: fp.info}
}

func (fp *fakePeer) answer(m wire.Message) []wire.Message {
	switch m := m.(type) {
	case *wire.Presence:
		if m.ReplyRequired {
			return []wire.Message{fp.presence(false)}
		}
	case *wire.ListRequest:
		return []wire.Message{&wire.ListResponse{ServerIDs: fp.ids()}}
	case *wire.HandleTableRequest:
		resp := &wire.HandleTableResponse{ServerIDs: fp.ids()}
		fp.omu.Lock()
		keys := make([]handlespace.Key, 0, len(fp.own))
		for k := range fp.own {
			keys = append(keys, k)
		}
		slices.SortFunc(keys, func(a, b handlespace.Key) int {
			if a.Handle != b.Handle {
				return strings.Compare(a.Handle, b.Handle)
			}
			return int(a.ID) - int(b.ID)
		})
		for _, k := range keys {
			if n := len(resp.Entries); n == 0 || string(resp.Entries[n-1].PoolHandle) != k.Handle {
				resp.Entries = append(resp.Entries, wire.PoolEntry{PoolHandle: []byte(k.Handle)})
			}
			e := &resp.Entries[len(resp.Entries)-1]
			e.Elements = append(e.Elements, fp.own[k])
		}
		fp.omu.Unlock()
		return []wire.Message{resp}
	}
	return nil
}

// claim records elements as the fake peer's own (its Presence checksum
// and Handle Table Responses then include them); release forgets them.
func (fp *fakePeer) claim(handle string, pes ...wire.PoolElement) {
	fp.omu.Lock()
	defer fp.omu.Unlock()
	for _, pe := range pes {
		fp.own[handlespace.Key{Handle: handle, ID: pe.ID}] = pe
	}
}

func (fp *fakePeer) release(handle string, pes ...wire.PoolElement) {
	fp.omu.Lock()
	defer fp.omu.Unlock()
	for _, pe := range pes {
		delete(fp.own, handlespace.Key{Handle: handle, ID: pe.ID})
	}
}

// barrier returns once the registrar has handled everything the fake
// peer sent before it: a List Request is answered after them, on the
// same association.
func (fp *fakePeer) barrier() {
	fp.t.Helper()
	fp.send(&wire.ListRequest{ServerIDs: fp.ids()})
	fp.waitFor("a List Response", func(m wire.Message) bool {
		lr, ok := m.(*wire.ListResponse)
		return ok && lr.Sender == fp.target && lr.Receiver == fp.id
	})
}

// unknownBarrier returns once the registrar has handled everything sent
// before it on ec: a Handle Table Request from a sender it does not know
// is refused on the association it came on.
func (ec *enrpConn) unknownBarrier(sender, target uint32) {
	ec.t.Helper()
	ec.send(&wire.HandleTableRequest{ServerIDs: wire.ServerIDs{Sender: sender, Receiver: target}})
	ec.waitFor("a Handle Table Response refusing an unknown peer", func(m wire.Message) bool {
		r, ok := m.(*wire.HandleTableResponse)
		return ok && r.Reject && r.Receiver == sender
	})
}

// peerElement is a pool element as a peer announces it: home server,
// one loopback TCP user transport and an ASAP transport.
func peerElement(id, home uint32, ptype uint32, values ...uint32) wire.PoolElement {
	e := pe(id, ptype, values...)
	e.HomeServer = home
	e.RegLife = 600000
	e.ASAP = &wire.Transport{Kind: wire.ParamTCPTransport, Port: 7000, Addrs: []netip.Addr{netip.MustParseAddr("127.0.0.1")}}
	return e
}

// longLived returns pe with a registration life that outlasts the test
// (elements expire at the end of it unless re-registered).
func longLived(e wire.PoolElement) wire.PoolElement {
	e.RegLife = 600000
	return e
}

// freeUDPPort returns a UDP port that was free a moment ago.
func freeUDPPort(t *testing.T) int {
	t.Helper()
	c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	return c.LocalAddr().(*net.UDPAddr).Port
}

// freeTCPPort returns a TCP port of 127.0.0.1 that was free a moment
// ago.
func freeTCPPort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// multicastSender returns a UDP socket bound to 127.0.0.1 that sends
// multicast by lo (so that its datagrams' source is 127.0.0.1).
func multicastSender(t *testing.T) *net.UDPConn {
	t.Helper()
	lo, err := net.InterfaceByName("lo")
	if err != nil {
		t.Fatal(err)
	}
	c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	rc, err := c.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var serr error
	err = rc.Control(func(fd uintptr) {
		serr = unix.SetsockoptIPMreqn(int(fd), unix.IPPROTO_IP, unix.IP_MULTICAST_IF, &unix.IPMreqn{Ifindex: int32(lo.Index)})
		if serr == nil {
			serr = unix.SetsockoptInt(int(fd), unix.IPPROTO_IP, unix.IP_MULTICAST_LOOP, 1)
		}
	})
	if err = errors.Join(err, serr); err != nil {
		t.Fatal(err)
	}
	return c
}

// sinkListener accepts ENRP associations on 127.0.0.1 and reads
// whatever arrives, so that a registrar dialing the peers a test made up
// reaches something harmless; seen receives every decoded message
// (dropped when full).
func sinkListener(t *testing.T) (netip.AddrPort, chan wire.Message) {
	t.Helper()
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	seen := make(chan wire.Message, 1024)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			go func() {
				r := bufio.NewReader(c)
				for {
					b, err := readENRPFrame(r)
					if err != nil {
						return
					}
					if m, err := wire.ParseENRP(b); err == nil {
						select {
						case seen <- m:
						default:
						}
					}
				}
			}()
		}
	}()
	return ln.Addr().(*net.TCPAddr).AddrPort(), seen
}
