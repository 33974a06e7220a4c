package wire

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestTsharkDecodes checks that Wireshark's ASAP and ENRP dissectors read
// our encodings as we mean them: every message is written as a UDP payload
// (ASAP to port 3863, ENRP to 9901) into a pcap with text2pcap, and tshark
// must report no malformed frame or warning, and the message type, length
// and pool element identifiers we encoded. Skipped when tshark or
// text2pcap is not installed.
func TestTsharkDecodes(t *testing.T) {
	for _, tool := range []string{"tshark", "text2pcap"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed", tool)
		}
	}
	g := newGen(2024)
	for _, p := range []Protocol{ASAP, ENRP} {
		t.Run(p.String(), func(t *testing.T) {
			gold, gens, port, proto := goldenASAP, asapGens, 3863, "asap"
			if p == ENRP {
				gold, gens, port, proto = goldenENRP, enrpGens, 9901, "enrp"
			}
			var msgs []Message
			for _, c := range gold {
				msgs = append(msgs, c.msg)
			}
			for range 8 {
				for _, f := range gens {
					msgs = append(msgs, f(g))
				}
			}
			runTshark(t, msgs, port, proto)
		})
	}
}

func runTshark(t *testing.T, msgs []Message, port int, proto string) {
	dir := t.TempDir()
	var dump strings.Builder
	encoded := make([][]byte, len(msgs))
	for i, m := range msgs {
		b, err := Append(nil, m)
		if err != nil {
			t.Fatal(err)
		}
		encoded[i] = b
		for off := 0; off < len(b); off += 16 {
			fmt.Fprintf(&dump, "%06x", off)
			for _, c := range b[off:min(off+16, len(b))] {
				fmt.Fprintf(&dump, " %02x", c)
			}
			dump.WriteByte('\n')
		}
	}
	txt, pcap := filepath.Join(dir, "msgs.txt"), filepath.Join(dir, "msgs.pcap")
	if err := os.WriteFile(txt, []byte(dump.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	ports := fmt.Sprintf("%d,%d", port, port)
	if out, err := exec.Command("text2pcap", "-q", "-u", ports, txt, pcap).CombinedOutput(); err != nil {
		t.Fatalf("text2pcap: %v\n%s", err, out)
	}

	// No malformed frames, no expert warnings or errors anywhere.
	out, err := exec.Command("tshark", "-n", "-r", pcap, "-Y", "_ws.malformed || _ws.expert.severity >= 0x00600000").Output()
	if err != nil {
		t.Fatalf("tshark: %v", err)
	}
	if s := strings.TrimSpace(string(out)); s != "" {
		t.Errorf("tshark flags frames:\n%s", s)
	}
	full, err := exec.Command("tshark", "-n", "-r", pcap, "-V").Output()
	if err != nil {
		t.Fatalf("tshark -V: %v", err)
	}
	for _, bad := range []string{"Malformed", "Exception", "Dissector bug", "Unknown ASAP type", "Unknown ENRP"} {
		if strings.Contains(string(full), bad) {
			t.Errorf("tshark -V output contains %q", bad)
		}
	}

	// Per frame: message type, length and the pool element identifiers.
	out, err = exec.Command("tshark", "-n", "-r", pcap, "-T", "fields", "-E", "occurrence=a", "-E", "aggregator=,",
		"-e", proto+".message_type", "-e", proto+".message_length", "-e", proto+".pool_element_pe_identifier").Output()
	if err != nil {
		t.Fatalf("tshark fields: %v", err)
	}
	lines := strings.Split(strings.TrimRight(string(out), "\n"), "\n")
	if len(lines) != len(msgs) {
		t.Fatalf("tshark shows %d frames, want %d", len(lines), len(msgs))
	}
	for i, line := range lines {
		f := strings.Split(line, "\t")
		m := msgs[i]
		// The first type and length are the message's own; nested ones
		// come from Unrecognized Message causes.
		typ, _ := strconv.ParseUint(strings.Split(f[0], ",")[0], 0, 8)
		length, _ := strconv.ParseUint(strings.Split(f[1], ",")[0], 0, 16)
		if uint8(typ) != m.MsgType() || int(length) != len(encoded[i]) {
			t.Errorf("frame %d (%T): tshark type %s length %s, want %d %d", i+1, m, f[0], f[1], m.MsgType(), len(encoded[i]))
		}
		if want := peIDs(m); want != f[2] {
			t.Errorf("frame %d (%T): tshark PE identifiers %q, want %q", i+1, m, f[2], want)
		}
	}
}

// peIDs lists the identifiers of the Pool Element parameters in m as
// tshark prints them.
func peIDs(m Message) string {
	var pes []PoolElement
	switch m := m.(type) {
	case *Registration:
		pes = []PoolElement{m.Element}
	case *HandleResolutionResponse:
		pes = m.Elements
	case *BusinessCard:
		pes = m.Elements
	case *HandleUpdate:
		pes = []PoolElement{m.Element}
	case *HandleTableResponse:
		for _, e := range m.Entries {
			pes = append(pes, e.Elements...)
		}
	}
	ids := make([]string, len(pes))
	for i, pe := range pes {
		ids[i] = fmt.Sprintf("0x%08x", pe.ID)
	}
	return strings.Join(ids, ",")
}
