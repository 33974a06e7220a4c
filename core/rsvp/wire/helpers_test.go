package wire

import (
	"math"
	"net/netip"
	"testing"
	"time"
)

// Sample values shared by the tests: every message type, over IPv4 and
// IPv6, with every object form.

var (
	inf = float32(math.Inf(1))

	v4Dest   = netip.MustParseAddr("192.0.2.10")
	v4Sender = netip.MustParseAddr("192.0.2.1")
	v4Router = netip.MustParseAddr("198.51.100.1")
	v4Recv   = netip.MustParseAddr("203.0.113.5")
	v6Dest   = netip.MustParseAddr("2001:db8::10")
	v6Sender = netip.MustParseAddr("2001:db8::1")
	v6Router = netip.MustParseAddr("2001:db8:1::1")
	v6Recv   = netip.MustParseAddr("2001:db8:2::5")
	v6Group  = netip.MustParseAddr("ff0e::1:2")
)

func v4Session() Session {
	return Session{Dest: v4Dest, Protocol: 17, DstPort: 5000}
}

func v6Session() Session {
	return Session{Dest: v6Group, Protocol: 17, Flags: SessionEPolice, DstPort: 6000}
}

func sampleTSpec() TSpec {
	return TSpec{Rate: 12500, BucketSize: 1000, PeakRate: inf, MinPolicedUnit: 100, MaxPacketSize: 1500}
}

func clFlowspec(rate float32) *Flowspec {
	t := sampleTSpec()
	t.Rate = rate
	return &Flowspec{Service: ServiceControlledLoad, TSpec: t}
}

func gsFlowspec(r float32) *Flowspec {
	return &Flowspec{Service: ServiceGuaranteed, TSpec: sampleTSpec(), RSpec: RSpec{Rate: r, Slack: 1000}}
}

func fullAdspec() *Adspec {
	return &Adspec{
		General:        GeneralParams{HopCount: 2, PathBandwidth: 1.25e6, MinLatency: 300, ComposedMTU: 1500},
		Guaranteed:     &GuaranteedAdspec{Ctot: 3000, Dtot: 200, Csum: 1500, Dsum: 100},
		ControlledLoad: &ControlledLoadAdspec{},
	}
}

func fancyAdspec() *Adspec {
	return &Adspec{
		General:    GeneralParams{Break: true, HopCount: 4, PathBandwidth: inf, MinLatency: Indeterminate, ComposedMTU: 9000},
		Guaranteed: &GuaranteedAdspec{Break: true},
		ControlledLoad: &ControlledLoadAdspec{Break: true, Extra: []Param{
			{ID: ParamComposedMTU, Value: []byte{0, 0, 5, 0xdc}},
		}},
		// A service this package does not know, holding one parameter
		// (composed MTU) so that tshark can walk it.
		Unknown: []AdspecFragment{{Service: 9, Flags: 0x80, Data: []byte{10, 0, 0, 1, 0, 0, 5, 0xdc}}},
	}
}

func filter4(port uint16) FilterSpec { return FilterSpec{Source: v4Sender, Port: port} }

func filter6(port uint16) FilterSpec { return FilterSpec{Source: v6Sender, Port: port} }

type namedMessage struct {
	name string
	msg  Message
}

// sampleMessages returns fresh copies of the sample messages.
func sampleMessages() []namedMessage {
	r30 := TimeValues{RefreshPeriod: 30 * time.Second}
	return []namedMessage{
		{"Path/v4/full", &Path{
			MessageCommon: MessageCommon{SendTTL: 64,
				Integrity: &Integrity{Flags: IntegrityHandshake, KeyID: 0x0102_0304_0506, Seq: 42, Digest: make([]byte, 16)},
				Forward:   []RawObject{{Class: 0xC5, CType: 1, Body: []byte{9, 9, 9, 9}}}},
			Session: v4Session(), Hop: Hop{Addr: v4Sender, LIH: 7}, TimeValues: r30,
			Policy: []PolicyData{{Data: []byte{0, 1, 0, 0, 0, 8, 0, 1}}},
			Sender: &Sender{Template: filter4(4000), TSpec: sampleTSpec(), Adspec: fullAdspec()},
		}},
		{"Path/v4/gpi", &Path{
			MessageCommon: MessageCommon{SendTTL: 1},
			Session:       Session{Dest: v4Dest, Protocol: 50, DstPort: 0x1234, GPI: true},
			Hop:           Hop{Addr: v4Router}, TimeValues: TimeValues{RefreshPeriod: 1500 * time.Millisecond},
			Sender: &Sender{Template: FilterSpec{Form: FormGPI, Source: v4Sender, GPI: 0xdeadbeef}, TSpec: sampleTSpec()},
		}},
		{"Path/v4/nosender", &Path{Session: v4Session(), Hop: Hop{Addr: v4Router, LIH: 1}, TimeValues: r30}},
		{"Path/v6/flowlabel", &Path{
			MessageCommon: MessageCommon{Flags: FlagRefreshReduction, SendTTL: 255},
			Session:       v6Session(), Hop: Hop{Addr: v6Sender, LIH: 3}, TimeValues: r30,
			Sender: &Sender{Template: FilterSpec{Form: FormFlowLabel, Source: v6Sender, FlowLabel: 0xabcde}, TSpec: sampleTSpec(), Adspec: fancyAdspec()},
		}},
		{"Path/v6/gpi", &Path{
			Session: Session{Dest: v6Dest, Protocol: 51, DstPort: 9, GPI: true},
			Hop:     Hop{Addr: v6Router}, TimeValues: r30,
			Sender: &Sender{Template: FilterSpec{Form: FormGPI, Source: v6Sender, GPI: 77}, TSpec: sampleTSpec(), Adspec: fullAdspec()},
		}},
		{"Resv/v4/FF", &Resv{
			MessageCommon: MessageCommon{SendTTL: 63},
			Session:       v4Session(), Hop: Hop{Addr: v4Router, LIH: 7}, TimeValues: r30,
			Confirm: &ResvConfirm{Receiver: v4Recv},
			Style:   FF.Style(),
			Flows: []FlowDescriptor{
				{Flowspec: gsFlowspec(25000), Filters: []FilterSpec{filter4(4000)}},
				{Flowspec: gsFlowspec(25000), Filters: []FilterSpec{filter4(4001)}},
				{Flowspec: clFlowspec(8000), Filters: []FilterSpec{{Source: v4Router, Port: 0}}},
			},
		}},
		{"Resv/v4/SE", &Resv{
			Session: v4Session(), Hop: Hop{Addr: v4Router}, TimeValues: r30,
			Policy: []PolicyData{{Data: []byte{1, 2, 3, 4}}, {}},
			Style:  SE.Style(),
			Flows:  []FlowDescriptor{{Flowspec: clFlowspec(20000), Filters: []FilterSpec{filter4(4000), filter4(4001)}}},
		}},
		{"Resv/v6/WF", &Resv{
			MessageCommon: MessageCommon{SendTTL: 10},
			Session:       v6Session(), Hop: Hop{Addr: v6Router, LIH: 2}, TimeValues: r30,
			Confirm: &ResvConfirm{Receiver: v6Recv},
			Scope:   &Scope{Addrs: []netip.Addr{v6Sender, v6Router}},
			Style:   WF.Style(),
			Flows:   []FlowDescriptor{{Flowspec: clFlowspec(12500)}},
		}},
		{"Resv/v6/FF", &Resv{
			Session: v6Session(), Hop: Hop{Addr: v6Router}, TimeValues: r30,
			Style: FF.Style(),
			Flows: []FlowDescriptor{
				{Flowspec: gsFlowspec(30000), Filters: []FilterSpec{{Form: FormFlowLabel, Source: v6Sender, FlowLabel: 5}}},
			},
		}},
		{"PathErr/v4", &PathErr{
			Session:   v4Session(),
			ErrorSpec: ErrorSpec{Node: v4Router, Code: CodeTrafficControl, Value: TCBadTSpec},
			Policy:    []PolicyData{{Data: []byte{0, 0, 0, 4}}},
			Sender:    &Sender{Template: filter4(4000), TSpec: sampleTSpec(), Adspec: fullAdspec()},
		}},
		{"PathErr/v6", &PathErr{
			MessageCommon: MessageCommon{SendTTL: 3},
			Session:       v6Session(),
			ErrorSpec:     ErrorSpec{Node: v6Router, Code: CodeUnknownClass, Value: ObjectErrorValue(0x42, 1)},
		}},
		{"ResvErr/v4/FF", &ResvErr{
			Session: v4Session(), Hop: Hop{Addr: v4Sender, LIH: 7},
			ErrorSpec: ErrorSpec{Node: v4Router, Flags: ErrorInPlace | ErrorNotGuilty, Code: CodeAdmission, Value: AdmissionBandwidth},
			Scope:     &Scope{Addrs: []netip.Addr{v4Sender}},
			Style:     FF.Style(),
			Flows:     []FlowDescriptor{{Flowspec: gsFlowspec(1e6), Filters: []FilterSpec{filter4(4000)}}},
		}},
		{"ResvErr/v4/SE", &ResvErr{
			Session: v4Session(), Hop: Hop{Addr: v4Sender},
			ErrorSpec: ErrorSpec{Node: v4Router, Code: CodeNoPath},
			Style:     SE.Style(),
			Flows:     []FlowDescriptor{{Flowspec: clFlowspec(1), Filters: []FilterSpec{filter4(1), filter4(2)}}},
		}},
		{"ResvErr/v6/WF", &ResvErr{
			Session: v6Session(), Hop: Hop{Addr: v6Sender},
			ErrorSpec: ErrorSpec{Node: v6Router, Code: CodeConflictingStyle, Value: OptionsFF},
			Style:     WF.Style(),
		}},
		{"PathTear/v4", &PathTear{
			MessageCommon: MessageCommon{SendTTL: 64},
			Session:       v4Session(), Hop: Hop{Addr: v4Sender, LIH: 7},
			Sender: &Sender{Template: filter4(4000), TSpec: sampleTSpec()},
		}},
		{"PathTear/v6", &PathTear{Session: v6Session(), Hop: Hop{Addr: v6Sender}}},
		{"ResvTear/v4/FF", &ResvTear{
			Session: v4Session(), Hop: Hop{Addr: v4Router},
			Style: FF.Style(),
			Flows: []FlowDescriptor{{Filters: []FilterSpec{filter4(4000)}}, {Filters: []FilterSpec{filter4(4001)}}},
		}},
		{"ResvTear/v4/SE", &ResvTear{
			Session: v4Session(), Hop: Hop{Addr: v4Router},
			Scope: &Scope{Addrs: []netip.Addr{v4Sender}},
			Style: SE.Style(),
			Flows: []FlowDescriptor{{Flowspec: clFlowspec(3), Filters: []FilterSpec{filter4(4000)}}},
		}},
		{"ResvTear/v6/WF", &ResvTear{Session: v6Session(), Hop: Hop{Addr: v6Router}, Style: WF.Style()}},
		{"ResvConf/v4", &ResvConf{
			Session:   v4Session(),
			ErrorSpec: ErrorSpec{Node: v4Router, Code: CodeConfirmation},
			Confirm:   ResvConfirm{Receiver: v4Recv},
			Style:     FF.Style(),
			Flows:     []FlowDescriptor{{Flowspec: gsFlowspec(25000), Filters: []FilterSpec{filter4(4000)}}},
		}},
		{"ResvConf/v6", &ResvConf{
			MessageCommon: MessageCommon{SendTTL: 1},
			Session:       v6Session(),
			ErrorSpec:     ErrorSpec{Node: v6Router},
			Confirm:       ResvConfirm{Receiver: v6Recv},
			Style:         WF.Style(),
			Flows:         []FlowDescriptor{{Flowspec: clFlowspec(12500)}},
		}},
	}
}

// mustAppend encodes m or fails the test.
func mustAppend(t testing.TB, m Message) []byte {
	t.Helper()
	b, err := Append(nil, m)
	if err != nil {
		t.Fatalf("Append(%T): %v", m, err)
	}
	return b
}

// obj builds a raw object.
func obj(class ClassNum, ctype uint8, body ...byte) []byte {
	n := 4 + len(body)
	return append([]byte{byte(n >> 8), byte(n), byte(class), ctype}, body...)
}

// rawMessage builds a message from raw objects, with a correct length
// and checksum.
func rawMessage(t MsgType, objs ...[]byte) []byte {
	b := make([]byte, HeaderLen)
	for _, o := range objs {
		b = append(b, o...)
	}
	putHeader(b, 0, t, 64, len(b))
	setChecksum(b)
	return b
}

// objectsOf encodes the objects of sample message m (without the header)
// so that tests can splice objects in.
func objectsOf(t testing.TB, m Message) [][]byte {
	t.Helper()
	b := mustAppend(t, m)
	objs, perr := splitObjects(b[HeaderLen:], HeaderLen)
	if perr != nil {
		t.Fatal(perr)
	}
	var out [][]byte
	for _, o := range objs {
		out = append(out, b[o.offset:o.offset+4+len(o.body)])
	}
	return out
}
