package wire

import (
	"bytes"
	"errors"
	"math"
	"net/netip"
	"reflect"
	"testing"
	"time"
)

// Every sample message survives Append then Parse unchanged, and
// re-encoding what Parse returned gives the same bytes.
func TestRoundTripMessages(t *testing.T) {
	for _, c := range sampleMessages() {
		t.Run(c.name, func(t *testing.T) {
			b := mustAppend(t, c.msg)
			if len(b)%4 != 0 || int(b[6])<<8|int(b[7]) != len(b) {
				t.Fatalf("length field %d, %d bytes", int(b[6])<<8|int(b[7]), len(b))
			}
			if onesSum(b) != 0xFFFF {
				t.Fatalf("checksum does not verify")
			}
			got, err := Parse(b)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if got.Type() != c.msg.Type() {
				t.Fatalf("type %v, want %v", got.Type(), c.msg.Type())
			}
			if !reflect.DeepEqual(got, c.msg) {
				t.Fatalf("round trip changed the message:\n got %#v\nwant %#v", got, c.msg)
			}
			b2 := mustAppend(t, got)
			if !bytes.Equal(b, b2) {
				t.Fatalf("re-encoding differs:\n%x\n%x", b, b2)
			}
		})
	}
}

// Append appends: existing bytes stay, and on error dst keeps its length.
func TestAppendAppends(t *testing.T) {
	m := sampleMessages()[0].msg
	prefix := []byte("prefix")
	b, err := Append(append([]byte(nil), prefix...), m)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(b, prefix) {
		t.Fatal("prefix lost")
	}
	if _, err := Parse(b[len(prefix):]); err != nil {
		t.Fatal(err)
	}
	bad := &Path{Session: v4Session(), Hop: Hop{Addr: v4Sender}} // fine so far
	bad.Session.Protocol = 0
	b2, err := Append(prefix, bad)
	if !errors.Is(err, ErrInvalid) || len(b2) != len(prefix) {
		t.Fatalf("Append(bad) = %d bytes, %v", len(b2), err)
	}
}

// Each object kind on its own: decode(encode(x)) == x for IPv4 and IPv6
// forms and edge values.
func TestRoundTripObjects(t *testing.T) {
	type encDec struct {
		name string
		enc  func([]byte) ([]byte, error)
		dec  func(ctype uint8, body []byte) (any, *objError)
		want any
	}
	var cases []encDec
	for _, s := range []Session{
		v4Session(), v6Session(),
		{Dest: v4Dest, Protocol: 6, Flags: SessionEPolice, DstPort: 65535, GPI: true},
		{Dest: netip.MustParseAddr("::ffff:192.0.2.1"), Protocol: 1},
	} {
		cases = append(cases, encDec{"Session " + s.Dest.String(), s.appendTo,
			func(c uint8, b []byte) (any, *objError) { return parseSession(c, b) }, s})
	}
	for _, h := range []Hop{{Addr: v4Router, LIH: math.MaxUint32}, {Addr: v6Router, LIH: 0}} {
		cases = append(cases, encDec{"Hop " + h.Addr.String(), h.appendTo,
			func(c uint8, b []byte) (any, *objError) { return parseHop(c, b) }, h})
	}
	for _, tv := range []TimeValues{{0}, {30 * time.Second}, {MaxRefreshPeriod}} {
		cases = append(cases, encDec{"TimeValues", tv.appendTo,
			func(c uint8, b []byte) (any, *objError) { return parseTimeValues(c, b) }, tv})
	}
	for _, e := range []ErrorSpec{
		{Node: v4Router, Flags: ErrorInPlace, Code: CodeAdmission, Value: AdmissionDelayBound},
		{Node: v6Router, Flags: ErrorNotGuilty, Code: CodeSystem, Value: 0xFFFF},
	} {
		cases = append(cases, encDec{"ErrorSpec " + e.Node.String(), e.appendTo,
			func(c uint8, b []byte) (any, *objError) { return parseErrorSpec(c, b) }, e})
	}
	for _, s := range []Scope{{Addrs: []netip.Addr{v4Sender, v4Router, v4Recv}}, {Addrs: []netip.Addr{v6Sender}}} {
		cases = append(cases, encDec{"Scope", s.appendTo,
			func(c uint8, b []byte) (any, *objError) { return parseScope(c, b) }, s})
	}
	for _, s := range []Style{WF.Style(), FF.Style(), SE.Style(), {Flags: 0xAB, Options: 0xFFFF0A}} {
		cases = append(cases, encDec{"Style " + s.String(), s.appendTo,
			func(c uint8, b []byte) (any, *objError) { return parseStyle(c, b) }, s})
	}
	for _, f := range []FilterSpec{
		filter4(1), filter6(65535),
		{Form: FormFlowLabel, Source: v6Sender, FlowLabel: MaxFlowLabel},
		{Form: FormGPI, Source: v4Sender, GPI: 1}, {Form: FormGPI, Source: v6Sender, GPI: math.MaxUint32},
	} {
		for _, class := range []ClassNum{ClassFilterSpec, ClassSenderTemplate} {
			cases = append(cases, encDec{class.String() + " " + f.String(),
				func(b []byte) ([]byte, error) { return f.appendTo(b, class) },
				func(c uint8, b []byte) (any, *objError) { return parseFilterSpec(class, c, b) }, f})
		}
	}
	for _, c := range []ResvConfirm{{Receiver: v4Recv}, {Receiver: v6Recv}} {
		cases = append(cases, encDec{"ResvConfirm", c.appendTo,
			func(c uint8, b []byte) (any, *objError) { return parseResvConfirm(c, b) }, c})
	}
	for _, p := range []PolicyData{{}, {Data: []byte{1, 2, 3, 4, 5, 6, 7, 8}}} {
		cases = append(cases, encDec{"PolicyData", p.appendTo,
			func(c uint8, b []byte) (any, *objError) { return parsePolicyData(c, b) }, p})
	}
	for _, in := range []Integrity{
		{KeyID: MaxKeyID, Seq: math.MaxUint64, Digest: bytes.Repeat([]byte{0xAA}, 16)},
		{Flags: IntegrityHandshake, KeyID: 1, Seq: 2, Digest: bytes.Repeat([]byte{1}, 32)},
	} {
		in := in
		cases = append(cases, encDec{"Integrity",
			func(b []byte) ([]byte, error) { return in.appendTo(b, -1) },
			func(c uint8, b []byte) (any, *objError) { return parseIntegrity(c, b) }, in})
	}
	for _, ts := range []TSpec{sampleTSpec(), {}, {Rate: 1, BucketSize: 1, PeakRate: 1, MinPolicedUnit: math.MaxUint32, MaxPacketSize: math.MaxUint32}} {
		cases = append(cases, encDec{"TSpec " + ts.String(), ts.appendTo,
			func(c uint8, b []byte) (any, *objError) { return parseTSpec(c, b) }, ts})
	}
	for _, f := range []*Flowspec{clFlowspec(5), gsFlowspec(7), {Service: ServiceGuaranteed, RSpec: RSpec{Rate: 0, Slack: math.MaxUint32}}} {
		cases = append(cases, encDec{"Flowspec " + f.String(), f.appendTo,
			func(c uint8, b []byte) (any, *objError) { return parseFlowspec(c, b) }, *f})
	}
	for _, a := range []*Adspec{fullAdspec(), fancyAdspec(), {}, {Guaranteed: &GuaranteedAdspec{Extra: []Param{{ID: ParamC, Value: []byte{0, 0, 0, 1}}, {ID: ParamD, Flags: 0x80, Value: []byte{0, 0, 0, 2}}}}}} {
		cases = append(cases, encDec{"Adspec", a.appendTo,
			func(c uint8, b []byte) (any, *objError) { return parseAdspec(c, b) }, *a})
	}

	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b, err := c.enc(nil)
			if err != nil {
				t.Fatal(err)
			}
			objs, perr := splitObjects(b, 0)
			if perr != nil || len(objs) != 1 {
				t.Fatalf("%d objects, %v", len(objs), perr)
			}
			got, e := c.dec(objs[0].ctype, objs[0].body)
			if e != nil {
				t.Fatal(e)
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Fatalf("got %#v, want %#v", got, c.want)
			}
		})
	}
}

// The exported IntServ body functions are inverse of each other.
func TestIntServBodies(t *testing.T) {
	b, err := AppendTSpecBody(nil, sampleTSpec())
	if err != nil || len(b) != 32 {
		t.Fatalf("Tspec body %d bytes, %v", len(b), err)
	}
	if ts, err := ParseTSpecBody(b); err != nil || ts != sampleTSpec() {
		t.Fatalf("ParseTSpecBody = %v, %v", ts, err)
	}
	for _, f := range []*Flowspec{clFlowspec(1), gsFlowspec(2)} {
		b, err := AppendFlowspecBody(nil, *f)
		if err != nil {
			t.Fatal(err)
		}
		want := 32
		if f.Service == ServiceGuaranteed {
			want = 44
		}
		if len(b) != want {
			t.Fatalf("%v body %d bytes, want %d", f.Service, len(b), want)
		}
		if got, err := ParseFlowspecBody(b); err != nil || got != *f {
			t.Fatalf("ParseFlowspecBody = %v, %v", got, err)
		}
	}
	b, err = AppendAdspecBody(nil, *fullAdspec())
	if err != nil || len(b) != 80 {
		t.Fatalf("Adspec body %d bytes, %v", len(b), err)
	}
	if a, err := ParseAdspecBody(b); err != nil || !reflect.DeepEqual(&a, fullAdspec()) {
		t.Fatalf("ParseAdspecBody = %+v, %v", a, err)
	}
	// A broken Guaranteed fragment with nothing to say is the bare header.
	b, _ = AppendAdspecBody(nil, Adspec{Guaranteed: &GuaranteedAdspec{Break: true}})
	if len(b) != 4+36+4 {
		t.Fatalf("Adspec with a bare broken Guaranteed fragment: %d bytes", len(b))
	}
	if _, err := ParseFlowspecBody([]byte{0, 0, 0, 1}); err == nil {
		t.Fatal("ParseFlowspecBody accepted a lying main header")
	}
}

// Append refuses what Parse would reject.
func TestAppendRejects(t *testing.T) {
	nan := float32(math.NaN())
	s4 := v4Session()
	h4 := Hop{Addr: v4Sender}
	tv := TimeValues{RefreshPeriod: time.Second}
	cases := []struct {
		name string
		m    Message
	}{
		{"nil", nil},
		{"nil Path", (*Path)(nil)},
		{"flags", &Path{MessageCommon: MessageCommon{Flags: 0x10}, Session: s4, Hop: h4, TimeValues: tv}},
		{"no session address", &Path{Hop: h4, TimeValues: tv}},
		{"zoned hop", &Path{Session: s4, Hop: Hop{Addr: netip.MustParseAddr("fe80::1%eth0")}, TimeValues: tv}},
		{"negative refresh", &Path{Session: s4, Hop: h4, TimeValues: TimeValues{-1}}},
		{"huge refresh", &Path{Session: s4, Hop: h4, TimeValues: TimeValues{MaxRefreshPeriod + time.Millisecond}}},
		{"NaN rate", &Path{Session: s4, Hop: h4, TimeValues: tv, Sender: &Sender{Template: filter4(1), TSpec: TSpec{Rate: nan}}}},
		{"Inf bucket", &Path{Session: s4, Hop: h4, TimeValues: tv, Sender: &Sender{Template: filter4(1), TSpec: TSpec{BucketSize: inf}}}},
		{"family", &Path{Session: s4, Hop: h4, TimeValues: tv, Sender: &Sender{Template: filter6(1), TSpec: sampleTSpec()}}},
		{"flow label v4", &Path{Session: s4, Hop: h4, TimeValues: tv, Sender: &Sender{Template: FilterSpec{Form: FormFlowLabel, Source: v4Sender}, TSpec: sampleTSpec()}}},
		{"flow label 25 bits", &PathTear{Session: v6Session(), Hop: Hop{Addr: v6Sender}, Sender: &Sender{Template: FilterSpec{Form: FormFlowLabel, Source: v6Sender, FlowLabel: 1 << 24}, TSpec: sampleTSpec()}}},
		{"port in GPI", &PathTear{Session: s4, Hop: h4, Sender: &Sender{Template: FilterSpec{Form: FormGPI, Source: v4Sender, Port: 1}, TSpec: sampleTSpec()}}},
		{"policy length", &Path{Session: s4, Hop: h4, TimeValues: tv, Policy: []PolicyData{{Data: []byte{1}}}}},
		{"key id", &Path{MessageCommon: MessageCommon{Integrity: &Integrity{KeyID: MaxKeyID + 1}}, Session: s4, Hop: h4, TimeValues: tv}},
		{"forward known", &Path{MessageCommon: MessageCommon{Forward: []RawObject{{Class: ClassScope}}}, Session: s4, Hop: h4, TimeValues: tv}},
		{"forward reject class", &Path{MessageCommon: MessageCommon{Forward: []RawObject{{Class: 0x40}}}, Session: s4, Hop: h4, TimeValues: tv}},
		{"no flows", &Resv{Session: s4, Hop: h4, TimeValues: tv, Style: FF.Style()}},
		{"unknown style", &Resv{Session: s4, Hop: h4, TimeValues: tv, Style: Style{Options: 0x1B}, Flows: []FlowDescriptor{{Flowspec: clFlowspec(1)}}}},
		{"WF with filter", &Resv{Session: s4, Hop: h4, TimeValues: tv, Style: WF.Style(), Flows: []FlowDescriptor{{Flowspec: clFlowspec(1), Filters: []FilterSpec{filter4(1)}}}}},
		{"two WF", &Resv{Session: s4, Hop: h4, TimeValues: tv, Style: WF.Style(), Flows: []FlowDescriptor{{Flowspec: clFlowspec(1)}, {Flowspec: clFlowspec(1)}}}},
		{"FF two filters", &Resv{Session: s4, Hop: h4, TimeValues: tv, Style: FF.Style(), Flows: []FlowDescriptor{{Flowspec: clFlowspec(1), Filters: []FilterSpec{filter4(1), filter4(2)}}}}},
		{"FF no flowspec", &Resv{Session: s4, Hop: h4, TimeValues: tv, Style: FF.Style(), Flows: []FlowDescriptor{{Filters: []FilterSpec{filter4(1)}}}}},
		{"SE no filter", &Resv{Session: s4, Hop: h4, TimeValues: tv, Style: SE.Style(), Flows: []FlowDescriptor{{Flowspec: clFlowspec(1)}}}},
		{"filter family", &Resv{Session: s4, Hop: h4, TimeValues: tv, Style: SE.Style(), Flows: []FlowDescriptor{{Flowspec: clFlowspec(1), Filters: []FilterSpec{filter6(1)}}}}},
		{"CL with Rspec", &Resv{Session: s4, Hop: h4, TimeValues: tv, Style: WF.Style(), Flows: []FlowDescriptor{{Flowspec: &Flowspec{Service: ServiceControlledLoad, RSpec: RSpec{Rate: 1}}}}}},
		{"service 3", &Resv{Session: s4, Hop: h4, TimeValues: tv, Style: WF.Style(), Flows: []FlowDescriptor{{Flowspec: &Flowspec{Service: 3}}}}},
		{"two ResvErr descriptors", &ResvErr{Session: s4, Hop: h4, ErrorSpec: ErrorSpec{Node: v4Router}, Style: FF.Style(), Flows: []FlowDescriptor{{Filters: []FilterSpec{filter4(1)}}, {Filters: []FilterSpec{filter4(2)}}}}},
		{"tear FF nil after flowspec", &ResvTear{Session: s4, Hop: h4, Style: FF.Style(), Flows: []FlowDescriptor{{Flowspec: clFlowspec(1), Filters: []FilterSpec{filter4(1)}}, {Filters: []FilterSpec{filter4(2)}}}}},
		{"tear WF nil flowspec", &ResvTear{Session: s4, Hop: h4, Style: WF.Style(), Flows: []FlowDescriptor{{}}}},
		{"empty scope", &ResvTear{Session: s4, Hop: h4, Scope: &Scope{}, Style: WF.Style()}},
		{"mixed scope", &ResvTear{Session: s4, Hop: h4, Scope: &Scope{Addrs: []netip.Addr{v4Sender, v6Sender}}, Style: WF.Style()}},
		{"style bits", &ResvTear{Session: s4, Hop: h4, Style: Style{Options: 1 << 24}}},
		{"adspec NaN", &Path{Session: s4, Hop: h4, TimeValues: tv, Sender: &Sender{Template: filter4(1), TSpec: sampleTSpec(), Adspec: &Adspec{General: GeneralParams{PathBandwidth: nan}}}}},
		{"adspec known unknown", &Path{Session: s4, Hop: h4, TimeValues: tv, Sender: &Sender{Template: filter4(1), TSpec: sampleTSpec(), Adspec: &Adspec{Unknown: []AdspecFragment{{Service: ServiceGuaranteed}}}}}},
		{"adspec param length", &Path{Session: s4, Hop: h4, TimeValues: tv, Sender: &Sender{Template: filter4(1), TSpec: sampleTSpec(), Adspec: &Adspec{ControlledLoad: &ControlledLoadAdspec{Extra: []Param{{Value: []byte{1}}}}}}}},
		{"adspec Ctot extra", &Path{Session: s4, Hop: h4, TimeValues: tv, Sender: &Sender{Template: filter4(1), TSpec: sampleTSpec(), Adspec: &Adspec{Guaranteed: &GuaranteedAdspec{Extra: []Param{{ID: ParamCtot, Value: make([]byte, 4)}}}}}}},
		{"confirm address", &ResvConf{Session: s4, ErrorSpec: ErrorSpec{Node: v4Router}, Style: WF.Style(), Flows: []FlowDescriptor{{Flowspec: clFlowspec(1)}}}},
		{"too long", &Path{Session: s4, Hop: h4, TimeValues: tv, Policy: []PolicyData{{Data: make([]byte, 40000)}, {Data: make([]byte, 40000)}}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b, err := Append(nil, c.m)
			if err == nil {
				t.Fatalf("Append accepted it: %x", b)
			}
			if !errors.Is(err, ErrInvalid) && !errors.Is(err, ErrTooLong) {
				t.Fatalf("error %v wraps neither ErrInvalid nor ErrTooLong", err)
			}
			if len(b) != 0 {
				t.Fatalf("Append returned %d bytes with its error", len(b))
			}
		})
	}
}

// Parse does not keep references to its input.
func TestParseCopies(t *testing.T) {
	m := sampleMessages()[0].msg
	b := mustAppend(t, m)
	got, err := Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	for i := range b {
		b[i] = 0xEE
	}
	if !reflect.DeepEqual(got, m) {
		t.Fatal("message changed with its input")
	}
}
