package main

import (
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"netcompat/core/rserpool/policy"
	"netcompat/core/rserpool/wire"
	"netcompat/core/transport"
)

// TestTsharkSeesENRP captures a registrar's ENRP traffic on lo and checks
// it with Wireshark's ENRP dissector: the multicast Presence heartbeats
// (to 239.0.0.51 on a free port, decoded with "decode as ENRP" for that
// port) carry the sender's server ID and a PE checksum, a second
// registrar peering over the ENRP TCP mapping (decoded as ENRP on the
// first one's ENRP port) exchanges Presence, List and Handle Table
// messages at its start and Handle Updates when pool elements register
// and deregister, and no frame is malformed or carries an expert error.
// Skipped without tshark or capture permission, and over kernel SCTP
// (the capture filter is for TCP).
func TestTsharkSeesENRP(t *testing.T) {
	if _, err := exec.LookPath("tshark"); err != nil {
		t.Skip("tshark not installed")
	}
	if transport.DefaultBackend() != transport.BackendTCP {
		t.Skip("captures the TCP mapping")
	}
	if v, _ := exec.Command("tshark", "-v").Output(); !strings.Contains(string(v), "with Lua") {
		t.Skip("tshark without Lua: cannot decode ENRP over TCP (see below)")
	}
	const idA, idB = 0x0000a001, 0x0000b002
	group := freeUDPPort(t)
	a := startENRPDaemon(t, idA, group, nil)
	// An element registered before the peer arrives: the peer's mentor
	// synchronisation carries it in a Handle Table Response.
	peA := dial(t, a.daemon, false)
	peA.register("tshark", longLived(pe(1, policy.RoundRobin)))

	// -P -l: also print each packet as it is written, so that the test
	// knows when the capture is live and when it has caught up (the
	// multicast Presences, every 200 ms, mark time in it).
	pcap := filepath.Join(t.TempDir(), "enrp.pcapng")
	// B's ENRP port is chosen now, so that the filter can name it: the
	// registrars may talk on an association either one opened.
	bPort := freeTCPPort(t)
	filter := fmt.Sprintf("udp port %d or tcp port %d or tcp port %d", group, a.enrp.Port(), bPort)
	capture := startCapture(t, filter, pcap)
	capture.waitUDP("the capture to see a multicast Presence", 1)

	// The peer: a static peer of A without multicast, so that it learns
	// A from the association it opens to A's ENRP port only. (Hearing
	// A's multicast Presence first would send B's requests to the
	// Presence's source address, which A does not serve ENRP on: see
	// TestENRPMulticastPeering.)
	b := startENRPDaemon(t, idB, 0, []netip.AddrPort{a.enrp}, fmt.Sprintf("-enrp=127.0.0.1:%d", bPort))
	eventually(t, "the registrars to peer and synchronise", func() bool {
		sa, sb := a.snapshot(t), b.snapshot(t)
		return peerState(sa, idB) == "alive" && peerState(sb, idA) == "alive" && sb.Elements == 1 && !sb.Startup
	})
	// Registrations at both ends (Handle Updates both ways), then a
	// deregistration (a Handle Update deleting the element).
	peA.register("tshark", longLived(pe(2, policy.RoundRobin)))
	peB := dial(t, b.daemon, false)
	peB.register("tshark", longLived(pe(3, policy.RoundRobin)))
	eventually(t, "the registrations to reach both registrars", func() bool {
		return a.snapshot(t).Elements == 3 && b.snapshot(t).Elements == 3
	})
	peA.send(&wire.Deregistration{PoolHandle: []byte("tshark"), PEID: 2})
	if _, ok := peA.recv().(*wire.DeregistrationResponse); !ok {
		t.Fatal("no deregistration response")
	}
	eventually(t, "the deregistration to reach the peer", func() bool { return b.snapshot(t).Elements == 2 })
	final := a.snapshot(t)

	// Three more heartbeats in the capture: everything before is in it.
	capture.waitUDP("the capture to catch up", 3)
	capture.stop()

	// Wireshark registers its ENRP dissector for UDP and SCTP only, and
	// "decode as" offers it only there (tshark 4.0: "enrp isn't valid for
	// layer type tcp.port"); a Lua line adds it to the TCP port table for
	// each registrar's ENRP port. Each TCP segment then decodes as one
	// bare message, which is what the TCP mapping sends (one message per
	// send, no delay).
	lua := filepath.Join(t.TempDir(), "enrp-tcp.lua")
	var script string
	for _, port := range []uint16{a.enrp.Port(), b.enrp.Port()} {
		script += fmt.Sprintf("DissectorTable.get(\"tcp.port\"):add(%d, DissectorTable.get(\"udp.port\"):get_dissector(%d))\n", port, wire.ENRPPort)
	}
	if err := os.WriteFile(lua, []byte(script), 0o644); err != nil {
		t.Fatal(err)
	}
	decode := []string{"-n", "-r", pcap, "-X", "lua_script:" + lua,
		"-d", fmt.Sprintf("udp.port==%d,enrp", group)}
	tshark := func(args ...string) string {
		t.Helper()
		out, err := exec.Command("tshark", append(slices.Clone(decode), args...)...).Output()
		if err != nil {
			var stderr []byte
			if ee, ok := err.(*exec.ExitError); ok {
				stderr = ee.Stderr
			}
			t.Fatalf("tshark %v: %v\n%s", args, err, stderr)
		}
		return string(out)
	}
	if out := strings.TrimSpace(tshark("-Y", "_ws.malformed")); out != "" {
		t.Errorf("malformed frames:\n%s", out)
	}
	if out := strings.TrimSpace(tshark("-Y", "_ws.expert.severity == error")); out != "" {
		t.Errorf("frames with expert errors:\n%s", out)
	}
	// fields returns one row per frame matching filter, its fields
	// split (occurrences separated by commas).
	fields := func(filter string, names ...string) [][]string {
		t.Helper()
		args := []string{"-Y", filter, "-T", "fields", "-E", "separator=/t", "-E", "occurrence=a", "-E", "aggregator=,"}
		for _, f := range names {
			args = append(args, "-e", f)
		}
		var rows [][]string
		for _, line := range strings.Split(strings.TrimRight(tshark(args...), "\n"), "\n") {
			if line != "" {
				rows = append(rows, strings.Split(line, "\t"))
			}
		}
		return rows
	}
	num := func(s string) uint64 {
		t.Helper()
		v, err := strconv.ParseUint(s, 0, 64) // tshark prints identifiers in hex (0x...), others in decimal
		if err != nil {
			t.Fatalf("number %q: %v", s, err)
		}
		return v
	}

	// Multicast Presence: A's heartbeats, each with A's server ID as
	// sender, no receiver, a PE checksum and Server Information naming
	// A; the last ones carry the checksum of A's elements as its dump
	// gives it.
	presences := fields(fmt.Sprintf("udp.dstport == %d && enrp.message_type == 1", group),
		"enrp.sender_servers_id", "enrp.receiver_servers_id", "enrp.pe_checksum", "enrp.server_information_server_identifier")
	seenFrom := map[uint64]int{}
	var lastA uint64
	for _, r := range presences {
		if len(r) != 4 || r[2] == "" {
			t.Errorf("Presence without a PE checksum: %q", r)
			continue
		}
		sender := num(r[0])
		seenFrom[sender]++
		if num(r[1]) != 0 || r[3] == "" || num(r[3]) != sender {
			t.Errorf("multicast Presence fields %q", r)
		}
		if sender == idA {
			lastA = num(r[2])
		}
	}
	t.Logf("%d multicast Presences, by sender: %v", len(presences), seenFrom)
	if seenFrom[idA] < 3 || len(seenFrom) != 1 {
		t.Errorf("multicast Presences by sender %v: want at least 3, all from A ($%08x)", seenFrom, idA)
	}
	if lastA != uint64(final.Checksum) {
		t.Errorf("A's last multicast Presence carries checksum %#04x, its dump %#04x", lastA, final.Checksum)
	}

	// Over TCP: every message type of the peering (Presence, the
	// mentor's peer list and handle table) and of its updates.
	seen := map[int]int{}
	for _, r := range fields("tcp && enrp", "enrp.message_type") {
		for _, typ := range strings.Split(r[0], ",") {
			seen[int(num(typ))]++
		}
	}
	t.Logf("ENRP message types over TCP: %v", seen)
	for _, typ := range []wire.ENRPType{wire.ENRPPresence, wire.ENRPHandleTableRequest, wire.ENRPHandleTableResponse,
		wire.ENRPHandleUpdate, wire.ENRPListRequest, wire.ENRPListResponse} {
		if seen[int(typ)] == 0 {
			t.Errorf("no %v (0x%02x) over TCP", typ, uint8(typ))
		}
	}
	// The Handle Table Response carries element 1 homed at A; the Handle
	// Updates add 2 (from A), 3 (from B) and delete 2 (from A).
	htr := fields("tcp && enrp.message_type == 3",
		"enrp.sender_servers_id", "enrp.pool_element_pe_identifier", "enrp.pool_element_home_enrp_server_identifier")
	found := false
	for _, r := range htr {
		if num(r[0]) == idA && num(r[1]) == 1 && num(r[2]) == idA {
			found = true
		}
	}
	if !found {
		t.Errorf("no Handle Table Response from A with element 1: %q", htr)
	}
	var updates []string
	for _, r := range fields("tcp && enrp.message_type == 4",
		"enrp.sender_servers_id", "enrp.update_action", "enrp.pool_handle_pool_handle", "enrp.pool_element_pe_identifier") {
		updates = append(updates, fmt.Sprintf("%x/%d/%s/%d", num(r[0]), num(r[1]), r[2], num(r[3])))
	}
	handle := fmt.Sprintf("%x", "tshark")
	for _, want := range []string{
		fmt.Sprintf("%x/0/%s/2", idA, handle), fmt.Sprintf("%x/0/%s/3", idB, handle), fmt.Sprintf("%x/1/%s/2", idA, handle),
	} {
		if !slices.Contains(updates, want) {
			t.Errorf("Handle Update %s (sender/action/handle/PE) not captured; captured %q", want, updates)
		}
	}
}
