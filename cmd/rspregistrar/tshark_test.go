package main

import (
	"fmt"
	"net"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"netcompat/core/rserpool/policy"
	"netcompat/core/rserpool/wire"
	"netcompat/core/transport"
)

// TestTsharkSeesASAP captures the registrar's traffic on lo and checks
// with Wireshark's ASAP dissector that every message type of a session
// appears and no frame is malformed. The registrar listens on a free port,
// so the capture is read with "decode as ASAP" for that port (and for the
// UDP port the announces go to). Skipped without tshark or capture
// permission, and over kernel SCTP (the capture filter is for TCP).
func TestTsharkSeesASAP(t *testing.T) {
	if _, err := exec.LookPath("tshark"); err != nil {
		t.Skip("tshark not installed")
	}
	if transport.DefaultBackend() != transport.BackendTCP {
		t.Skip("captures the TCP mapping")
	}
	announces, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer announces.Close()
	annPort := announces.LocalAddr().(*net.UDPAddr).Port
	d := startDaemon(t, "-keepalivetransmissioninterval=300", "-keepalivetimeoutinterval=1000",
		fmt.Sprintf("-asapannounce=127.0.0.1:%d", annPort), "-serverannouncecycle=100")

	// -P -l: also print each packet as it is written, so that the test
	// knows when the capture is live and when it has caught up (the
	// announces, every 100 ms, mark time in it).
	pcap := filepath.Join(t.TempDir(), "asap.pcapng")
	filter := fmt.Sprintf("tcp port %d or udp port %d", d.addr.Port(), annPort)
	capture := startCapture(t, filter, pcap)
	capture.waitUDP("the capture to see an announce", 1)

	// One session's worth of ASAP, each request awaiting its answer, so
	// that every TCP segment holds one message (as the dissector wants).
	pe1 := dial(t, d, false)
	pe1.register("tshark", pe(1, policy.RoundRobin))
	pe1.register("tshark", pe(2, policy.RoundRobin))
	select { // 0x07 and the automatic 0x08
	case <-pe1.kas:
	case <-time.After(waitLimit):
		t.Fatal("no keep-alive")
	}
	pu := dial(t, d, false)
	if resp := pu.resolve("tshark"); len(resp.Elements) != 2 {
		t.Fatalf("resolution %+v", resp)
	}
	if resp := pu.resolve("unknown"); !resp.Reject {
		t.Fatalf("resolution %+v", resp)
	}
	pu.send(&wire.EndpointUnreachable{PoolHandle: []byte("tshark"), PEID: 2})
	pu.resolve("tshark") // answered after the report: it was handled
	// A registration the pool refuses (Operation Error with the policy
	// parameter as cause information).
	pe1.send(&wire.Registration{PoolHandle: []byte("tshark"), Element: pe(3, policy.Random)})
	if resp := pe1.recv().(*wire.RegistrationResponse); !resp.Reject {
		t.Fatalf("inconsistent policy accepted: %+v", resp)
	}
	pe1.send(&wire.Deregistration{PoolHandle: []byte("tshark"), PEID: 1})
	if _, ok := pe1.recv().(*wire.DeregistrationResponse); !ok {
		t.Fatal("no deregistration response")
	}
	// An unknown message type (its body one empty parameter, so that the
	// dissector can read it).
	if err := pu.a.Send([]byte{0x42, 0, 0, 8, 0x80, 0x01, 0, 4}, transport.SendInfo{}); err != nil {
		t.Fatal(err)
	}
	if e, ok := pu.recv().(*wire.ASAPErrorMessage); !ok || !e.Error.Has(wire.CauseUnrecognizedMessage) {
		t.Fatalf("unknown message type answered %+v", e)
	}
	announces.SetReadDeadline(time.Now().Add(waitLimit))
	if _, _, err := announces.ReadFrom(make([]byte, 1500)); err != nil {
		t.Fatalf("no announce: %v", err)
	}
	pe1.a.Close()
	pu.a.Close()
	// Let the capture see the last segments: wait until the registrar
	// has noticed the closes, which happens after it read them.
	eventually(t, "the registrar to drop the pool", func() bool {
		c := dial(t, d, false)
		defer c.a.Close()
		return c.resolve("tshark").Reject
	})

	// Two more announces in the capture: everything before is in it.
	capture.waitUDP("the capture to catch up", 2)
	capture.stop()

	decode := []string{"-n", "-r", pcap,
		"-d", fmt.Sprintf("tcp.port==%d,asap", d.addr.Port()),
		"-d", fmt.Sprintf("udp.port==%d,asap", annPort)}
	tshark := func(args ...string) string {
		t.Helper()
		out, err := exec.Command("tshark", append(slices.Clone(decode), args...)...).Output()
		if err != nil {
			t.Fatalf("tshark %v: %v", args, err)
		}
		return string(out)
	}
	if out := strings.TrimSpace(tshark("-Y", "_ws.malformed")); out != "" {
		t.Errorf("malformed frames:\n%s", out)
	}
	seen := map[int]int{}
	for _, line := range strings.Fields(tshark("-Y", "asap", "-T", "fields", "-E", "occurrence=f", "-e", "asap.message_type")) {
		n, err := strconv.Atoi(line)
		if err != nil {
			t.Fatalf("message type %q", line)
		}
		seen[n]++
	}
	t.Logf("ASAP message types seen: %v", seen)
	for _, typ := range []wire.ASAPType{
		wire.ASAPRegistration, wire.ASAPDeregistration, wire.ASAPRegistrationResponse, wire.ASAPDeregistrationResponse,
		wire.ASAPHandleResolution, wire.ASAPHandleResolutionResponse, wire.ASAPEndpointKeepAlive,
		wire.ASAPEndpointKeepAliveAck, wire.ASAPEndpointUnreachable, wire.ASAPServerAnnounce, wire.ASAPError,
	} {
		if seen[int(typ)] == 0 {
			t.Errorf("no %v (0x%02x) in the capture", typ, uint8(typ))
		}
	}
	// The rejects carry the causes we meant.
	causes := tshark("-Y", "asap.message_type == 3 || asap.message_type == 6 || asap.message_type == 14",
		"-T", "fields", "-E", "occurrence=a", "-e", "asap.cause_code")
	for _, want := range []string{"0x0005", "0x0009", "0x0002"} { // inconsistent policy, unknown pool handle, unrecognized message
		if !slices.Contains(strings.FieldsFunc(causes, func(r rune) bool { return r == '\n' || r == ',' }), want) {
			t.Errorf("cause %s not seen; causes:\n%s", want, causes)
		}
	}
}
