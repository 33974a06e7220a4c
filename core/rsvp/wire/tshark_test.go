package wire

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestTsharkDecodes checks that Wireshark's RSVP dissector reads our
// encodings as we mean them. Every sample message, plain and signed, goes
// into a pcap three times: over IP (protocol 46, with the Router Alert
// option where RFC 2205 sends one) and UDP-encapsulated to ports 1698 and
// 1699 (tshark decoding them as RSVP with -d), each over the IP version of
// the message's session. tshark must decode every frame
// as RSVP of the right type and length with a correct checksum, report
// nothing malformed and raise no expert info, with one exception: tshark
// (4.0) does not know the RFC 2207 GPI SESSION C-Types 3 and 4 and warns
// "Unknown session type" for them, which is tolerated for those frames
// only.
func TestTsharkDecodes(t *testing.T) {
	if _, err := exec.LookPath("tshark"); err != nil {
		t.Skip("tshark is not installed (Debian: apt-get install tshark)")
	}
	type frame struct {
		name    string
		typ     MsgType
		rsvpLen int
		pkt     []byte
		allowed string // an expert message tolerated in this frame
	}
	var frames []frame
	add := func(name string, m Message, rsvp []byte) {
		v6 := sessionOf(m).Dest.Is6()
		allowed := ""
		if sessionOf(m).GPI {
			allowed = "Unknown session type"
		}
		frames = append(frames,
			frame{name + " raw", m.Type(), len(rsvp), ipPacket(v6, IPProtocol, routerAlert(m.Type()), rsvp), allowed},
			frame{name + " udp Pu", m.Type(), len(rsvp), ipPacket(v6, 17, false, udpDatagram(v6, UDPPort, UDPPort, rsvp)), allowed},
			frame{name + " udp Pu'", m.Type(), len(rsvp), ipPacket(v6, 17, false, udpDatagram(v6, UDPPort, UDPPortPrime, rsvp)), allowed})
	}
	for _, c := range sampleMessages() {
		add(c.name, c.msg, mustAppend(t, c.msg))
		if c.msg.Common().Integrity == nil {
			c.msg.Common().Integrity = &Integrity{KeyID: 0x42, Seq: 7}
		}
		signed, err := AppendSigned(nil, c.msg, HMACMD5, []byte("key"))
		if err != nil {
			t.Fatal(err)
		}
		add(c.name+" signed", c.msg, signed)
	}

	dir := t.TempDir()
	if d := os.Getenv("RSVP_PCAP_DIR"); d != "" {
		dir = d // keep the capture for a look in Wireshark
	}
	pcap := filepath.Join(dir, "rsvp.pcap")
	var pkts [][]byte
	for _, f := range frames {
		pkts = append(pkts, f.pkt)
	}
	if err := os.WriteFile(pcap, pcapFile(pkts), 0o644); err != nil {
		t.Fatal(err)
	}
	tshark := func(args ...string) string {
		t.Helper()
		args = append([]string{"-n", "-r", pcap, "-d", "udp.port==1698,rsvp", "-d", "udp.port==1699,rsvp", "-o", "ip.check_checksum:TRUE", "-o", "udp.check_checksum:TRUE"}, args...)
		cmd := exec.Command("tshark", args...)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("tshark %v: %v\n%s", args, err, stderr.Bytes())
		}
		return string(out)
	}

	// Per frame: protocols, type, message length, expert messages.
	out := tshark("-T", "fields", "-E", "separator=|", "-E", "occurrence=a", "-E", "aggregator=;",
		"-e", "frame.protocols", "-e", "rsvp.msg", "-e", "rsvp.message_length", "-e", "_ws.malformed", "-e", "_ws.expert.message")
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	if len(lines) != len(frames) {
		t.Fatalf("tshark shows %d frames, want %d:\n%s", len(lines), len(frames), out)
	}
	for i, line := range lines {
		f := strings.Split(line, "|")
		want := frames[i]
		if len(f) != 5 {
			t.Errorf("frame %d (%s): %q", i+1, want.name, line)
			continue
		}
		if !strings.HasSuffix(f[0], ":rsvp") {
			t.Errorf("frame %d (%s): protocols %q, not RSVP", i+1, want.name, f[0])
		}
		typ, _ := strconv.Atoi(f[1])
		length, _ := strconv.Atoi(f[2])
		if MsgType(typ) != want.typ || length != want.rsvpLen {
			t.Errorf("frame %d (%s): tshark type %q length %q, want %d %d", i+1, want.name, f[1], f[2], want.typ, want.rsvpLen)
		}
		if f[3] != "" {
			t.Errorf("frame %d (%s): malformed", i+1, want.name)
		}
		for _, msg := range strings.Split(f[4], ";") {
			if msg != "" && msg != want.allowed {
				t.Errorf("frame %d (%s): expert info %q", i+1, want.name, msg)
			}
		}
	}

	// The verbose tree: every checksum verified, no sign of trouble.
	full := tshark("-V")
	for _, bad := range []string{"Malformed", "Exception", "Dissector bug", "[incorrect", "Unknown parameter", "Invalid"} {
		if strings.Contains(full, bad) {
			t.Errorf("tshark -V output contains %q", bad)
		}
	}
	if n := strings.Count(full, "Message Checksum: "); n != len(frames) || strings.Count(full, "[correct]") < len(frames) {
		t.Errorf("%d RSVP checksums shown, %d correct, want %d", n, strings.Count(full, "[correct]"), len(frames))
	}
	if t.Failed() {
		t.Logf("tshark -V:\n%s", full)
	}

	// Spot checks that the values are read where we put them.
	fields := tshark("-Y", "rsvp.path && ip && rsvp.sender.port", "-T", "fields", "-E", "occurrence=f",
		"-e", "rsvp.session.ip", "-e", "rsvp.session.port", "-e", "rsvp.sender.ip", "-e", "rsvp.sender.port",
		"-e", "rsvp.tspec.token_bucket_rate", "-e", "rsvp.tspec.peak_data_rate")
	if !strings.Contains(fields, "192.0.2.10\t5000\t192.0.2.1\t4000\t12500\tinf") {
		t.Errorf("Path fields not as encoded:\n%s", fields)
	}
	fields = tshark("-Y", "rsvp.resv && rsvp.flowspec", "-T", "fields", "-E", "occurrence=f",
		"-e", "rsvp.flowspec.rate", "-e", "rsvp.flowspec.slack_term")
	if !strings.Contains(fields, "25000\t1000") {
		t.Errorf("Guaranteed Rspec not as encoded:\n%s", fields)
	}
	fields = tshark("-Y", "rsvp.rerr && ip", "-T", "fields", "-E", "occurrence=f",
		"-e", "rsvp.error.error_code", "-e", "rsvp.error_value", "-e", "rsvp.error_flags")
	if !strings.Contains(fields, "1\t2\t0x03") {
		t.Errorf("ResvErr ERROR_SPEC not as encoded:\n%s", fields)
	}
}

func sessionOf(m Message) Session {
	switch m := m.(type) {
	case *Path:
		return m.Session
	case *Resv:
		return m.Session
	case *PathErr:
		return m.Session
	case *ResvErr:
		return m.Session
	case *PathTear:
		return m.Session
	case *ResvTear:
		return m.Session
	case *ResvConf:
		return m.Session
	}
	panic(fmt.Sprintf("%T", m))
}

// routerAlert says whether RFC 2205 sends t with the Router Alert option:
// the messages that travel the data path hop by hop.
func routerAlert(t MsgType) bool {
	return t == TypePath || t == TypePathTear || t == TypeResvConf
}

var (
	pcapSrc4 = netip.MustParseAddr("192.0.2.1").As4()
	pcapDst4 = netip.MustParseAddr("192.0.2.10").As4()
	pcapSrc6 = netip.MustParseAddr("2001:db8::1").As16()
	pcapDst6 = netip.MustParseAddr("2001:db8::10").As16()
)

// ipPacket wraps payload in an IPv4 or IPv6 header for protocol proto,
// with the Router Alert option (RFC 2113, RFC 2711 value 1 for RSVP) if ra.
func ipPacket(v6 bool, proto uint8, ra bool, payload []byte) []byte {
	if v6 {
		var ext []byte
		next := proto
		if ra {
			// Hop-by-hop options: Router Alert (type 5, value 1), PadN.
			ext = []byte{proto, 0, 5, 2, 0, 1, 1, 0}
			next = 0
		}
		h := make([]byte, 40, 40+len(ext)+len(payload))
		h[0] = 0x60
		binary.BigEndian.PutUint16(h[4:], uint16(len(ext)+len(payload)))
		h[6], h[7] = next, 64
		copy(h[8:], pcapSrc6[:])
		copy(h[24:], pcapDst6[:])
		return append(append(h, ext...), payload...)
	}
	hl := 20
	if ra {
		hl = 24
	}
	h := make([]byte, hl, hl+len(payload))
	h[0] = 0x40 | byte(hl/4)
	binary.BigEndian.PutUint16(h[2:], uint16(hl+len(payload)))
	h[8], h[9] = 64, proto
	copy(h[12:], pcapSrc4[:])
	copy(h[16:], pcapDst4[:])
	if ra {
		copy(h[20:], []byte{148, 4, 0, 0})
	}
	binary.BigEndian.PutUint16(h[10:], ^onesSum(h))
	return append(h, payload...)
}

// udpDatagram builds a UDP datagram with its checksum over the pseudo
// header of the addresses ipPacket uses.
func udpDatagram(v6 bool, sport, dport uint16, payload []byte) []byte {
	u := make([]byte, 8, 8+len(payload))
	binary.BigEndian.PutUint16(u, sport)
	binary.BigEndian.PutUint16(u[2:], dport)
	binary.BigEndian.PutUint16(u[4:], uint16(8+len(payload)))
	u = append(u, payload...)
	var pseudo []byte
	if v6 {
		pseudo = append(append(pseudo, pcapSrc6[:]...), pcapDst6[:]...)
		pseudo = binary.BigEndian.AppendUint32(pseudo, uint32(len(u)))
		pseudo = append(pseudo, 0, 0, 0, 17)
	} else {
		pseudo = append(append(pseudo, pcapSrc4[:]...), pcapDst4[:]...)
		pseudo = append(pseudo, 0, 17)
		pseudo = binary.BigEndian.AppendUint16(pseudo, uint16(len(u)))
	}
	sum := ^onesSum(append(pseudo, u...))
	if sum == 0 {
		sum = 0xFFFF
	}
	binary.BigEndian.PutUint16(u[6:], sum)
	return u
}

// pcapFile writes packets as a classic pcap file of raw IP packets
// (LINKTYPE_RAW, 101), little-endian.
func pcapFile(pkts [][]byte) []byte {
	var b bytes.Buffer
	le := binary.LittleEndian
	hdr := make([]byte, 24)
	le.PutUint32(hdr, 0xa1b2c3d4)
	le.PutUint16(hdr[4:], 2)
	le.PutUint16(hdr[6:], 4)
	le.PutUint32(hdr[16:], 65535)
	le.PutUint32(hdr[20:], 101)
	b.Write(hdr)
	for i, p := range pkts {
		rec := make([]byte, 16)
		le.PutUint32(rec, uint32(1700000000+i))
		le.PutUint32(rec[8:], uint32(len(p)))
		le.PutUint32(rec[12:], uint32(len(p)))
		b.Write(rec)
		b.Write(p)
	}
	return b.Bytes()
}
