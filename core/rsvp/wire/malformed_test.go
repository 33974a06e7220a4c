package wire

import (
	"encoding/binary"
	"errors"
	"math"
	"reflect"
	"testing"
)

// Every prefix of every sample is rejected, without panicking.
func TestTruncated(t *testing.T) {
	for _, c := range sampleMessages() {
		b := mustAppend(t, c.msg)
		for n := range len(b) {
			if _, err := Parse(b[:n]); err == nil {
				t.Fatalf("%s: Parse accepted the first %d of %d bytes", c.name, n, len(b))
			}
		}
		// Also when the header's length is fixed up to match the cut.
		for n := HeaderLen; n < len(b); n += 4 {
			cut := append([]byte(nil), b[:n]...)
			binary.BigEndian.PutUint16(cut[6:], uint16(n))
			setChecksum(cut)
			if _, err := Parse(cut); err == nil && n < len(b) {
				// A cut on an object boundary can leave a shorter valid
				// message only where the rest was optional; it must then
				// re-encode to itself.
				m, _ := Parse(cut)
				if again := mustAppend(t, m); len(again) > n {
					t.Fatalf("%s: cut at %d parsed into something longer", c.name, n)
				}
			}
		}
	}
}

// wantParseErr parses b and checks the sentinel and the reported code.
func wantParseErr(t *testing.T, b []byte, sentinel error, report bool, code ErrorCode, value uint16) *ParseError {
	t.Helper()
	m, err := Parse(b)
	if err == nil {
		t.Fatalf("Parse accepted it: %#v", m)
	}
	var pe *ParseError
	if !errors.As(err, &pe) {
		t.Fatalf("error %T %v is not a *ParseError", err, err)
	}
	t.Log(err)
	if !errors.Is(err, sentinel) {
		t.Fatalf("error %v, want %v", err, sentinel)
	}
	if pe.Report != report || (report && (pe.Code != code || pe.Value != value)) {
		t.Fatalf("error %v: report %v code %d value %#x, want %v %d %#x", err, pe.Report, pe.Code, pe.Value, report, code, value)
	}
	return pe
}

func TestMalformedHeader(t *testing.T) {
	good := mustAppend(t, sampleMessages()[2].msg)
	mod := func(f func(b []byte) []byte) []byte {
		b := f(append([]byte(nil), good...))
		return b
	}
	cases := []struct {
		name string
		b    []byte
		err  error
	}{
		{"empty", nil, ErrTruncated},
		{"short", good[:7], ErrTruncated},
		{"version 2", mod(func(b []byte) []byte { b[0] = 0x20; setChecksum(b); return b }), ErrBadVersion},
		{"length 6", mod(func(b []byte) []byte { b[7] = 6; return b }), ErrBadLength},
		{"length not multiple of 4", mod(func(b []byte) []byte { b[7]--; return b }), ErrBadLength},
		{"length past the end", mod(func(b []byte) []byte { b[7] += 4; return b }), ErrTruncated},
		{"trailing bytes", append(append([]byte(nil), good...), 0, 0, 0, 0), ErrTrailingData},
		{"type 0", mod(func(b []byte) []byte { b[1] = 0; setChecksum(b); return b }), ErrUnknownMessage},
		{"type 12 (Bundle)", mod(func(b []byte) []byte { b[1] = 12; setChecksum(b); return b }), ErrUnknownMessage},
		{"bad checksum", mod(func(b []byte) []byte { b[3] ^= 1; return b }), ErrBadChecksum},
		{"corrupted byte", mod(func(b []byte) []byte { b[12] ^= 0x40; return b }), ErrBadChecksum},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			pe := wantParseErr(t, c.b, c.err, false, 0, 0)
			if pe.Error() == "" {
				t.Fatal("empty message")
			}
		})
	}

	// A zero checksum means none was sent.
	b := append([]byte(nil), good...)
	b[2], b[3] = 0, 0
	if _, err := Parse(b); err != nil {
		t.Fatalf("zero checksum rejected: %v", err)
	}
	// ParseHeader reads the fields.
	h, err := ParseHeader(good)
	if err != nil || h.Version != 1 || h.Type != TypePath || int(h.Length) != len(good) || h.Checksum == 0 {
		t.Fatalf("ParseHeader = %+v, %v", h, err)
	}
}

func TestMalformedObjects(t *testing.T) {
	session := obj(ClassSession, 1, 192, 0, 2, 10, 17, 0, 0x13, 0x88)
	hop := obj(ClassHop, 1, 192, 0, 2, 1, 0, 0, 0, 7)
	tv := obj(ClassTimeValues, 1, 0, 0, 0x75, 0x30)
	good := rawMessage(TypePath, session, hop, tv)
	if _, err := Parse(good); err != nil {
		t.Fatalf("base message: %v", err)
	}
	lenObj := func(n int, class ClassNum) []byte { return []byte{byte(n >> 8), byte(n), byte(class), 1} }

	cases := []struct {
		name   string
		b      []byte
		err    error
		report bool
		code   ErrorCode
		value  uint16
	}{
		{"object length 0", rawMessage(TypePath, session, hop, tv, lenObj(0, ClassNull)), ErrBadLength, false, 0, 0},
		{"object length 2", rawMessage(TypePath, session, hop, tv, lenObj(2, ClassNull)), ErrBadLength, false, 0, 0},
		{"object length 6", rawMessage(TypePath, session, hop, tv, lenObj(6, ClassNull), []byte{0, 0, 0, 0}), ErrBadLength, false, 0, 0},
		{"object past the end", rawMessage(TypePath, session, hop, tv, lenObj(12, ClassNull), []byte{0, 0, 0, 0}), ErrTruncated, false, 0, 0},
		{"object length 65532", rawMessage(TypePath, session, hop, tv, lenObj(65532, 0x80)), ErrTruncated, false, 0, 0},
		{"SESSION too short", rawMessage(TypePath, obj(ClassSession, 1, 192, 0, 2, 10), hop, tv), ErrBadLength, false, 0, 0},
		{"SESSION v6 too short", rawMessage(TypePath, obj(ClassSession, 2, 192, 0, 2, 10, 17, 0, 0, 0), hop, tv), ErrBadLength, false, 0, 0},
		{"SESSION protocol 0", rawMessage(TypePath, obj(ClassSession, 1, 192, 0, 2, 10, 0, 0, 0, 0), hop, tv), ErrBadValue, false, 0, 0},
		{"SESSION C-Type 9", rawMessage(TypePath, obj(ClassSession, 9, 0, 0, 0, 0), hop, tv), ErrUnknownCType, true, CodeUnknownCType, 0x0109},
		{"FLOWSPEC C-Type 1 (obsolete)", rawMessage(TypePath, session, hop, tv, obj(ClassFlowspec, 1)), ErrUnknownCType, true, CodeUnknownCType, 0x0901},
		{"unknown class 0x40", rawMessage(TypePath, session, hop, tv, obj(0x40, 3, 1, 2, 3, 4)), ErrUnknownClass, true, CodeUnknownClass, 0x4003},
		{"unknown class 16 (LABEL_REQUEST)", rawMessage(TypePath, session, hop, tv, obj(19, 1, 0, 0, 8, 0)), ErrUnknownClass, true, CodeUnknownClass, 0x1301},
		{"class 2 (unassigned)", rawMessage(TypePath, obj(2, 1), session, hop, tv), ErrUnknownClass, true, CodeUnknownClass, 0x0201},
		{"no TIME_VALUES", rawMessage(TypePath, session, hop), ErrMissingObject, false, 0, 0},
		{"no SESSION", rawMessage(TypePath, hop, tv), ErrMissingObject, false, 0, 0},
		{"two SESSIONs", rawMessage(TypePath, session, session, hop, tv), ErrUnexpectedObject, false, 0, 0},
		{"STYLE in a Path", rawMessage(TypePath, session, hop, tv, obj(ClassStyle, 1, 0, 0, 0, 0x0a)), ErrUnexpectedObject, false, 0, 0},
		{"TIME_VALUES in a PathTear", rawMessage(TypePathTear, session, hop, tv), ErrUnexpectedObject, false, 0, 0},
		{"two INTEGRITY", rawMessage(TypePath, integ(), integ(), session, hop, tv), ErrUnexpectedObject, false, 0, 0},
		{"INTEGRITY too short", rawMessage(TypePath, obj(ClassIntegrity, 1, 0, 0, 0, 0), session, hop, tv), ErrBadLength, false, 0, 0},
		{"SENDER_TEMPLATE alone", rawMessage(TypePath, session, hop, tv, obj(ClassSenderTemplate, 1, 192, 0, 2, 1, 0, 0, 0, 1)), ErrMissingObject, false, 0, 0},
		{"SENDER_TEMPLATE of the wrong family", rawMessage(TypePath, session, hop, tv,
			obj(ClassSenderTemplate, 2, 0x20, 1, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1), tspecObj()), ErrBadValue, false, 0, 0},
		{"SCOPE empty", rawMessage(TypeResvTear, session, hop, obj(ClassScope, 1), obj(ClassStyle, 1, 0, 0, 0, 0x11)), ErrBadLength, false, 0, 0},
		{"SCOPE v6 ragged", rawMessage(TypeResvTear, session, hop, obj(ClassScope, 2, 1, 2, 3, 4), obj(ClassStyle, 1, 0, 0, 0, 0x11)), ErrBadLength, false, 0, 0},
		{"unknown style", rawMessage(TypeResvTear, session, hop, obj(ClassStyle, 1, 0, 0, 0, 0x1b)), ErrUnknownStyle, true, CodeUnknownStyle, 0x1b},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			wantParseErr(t, c.b, c.err, c.report, c.code, c.value)
		})
	}
}

func integ() []byte { return obj(ClassIntegrity, 1, make([]byte, 32)...) }

func tspecObj() []byte {
	b, _ := sampleTSpec().appendTo(nil)
	return b
}

// RFC 2205 section 3.10: unknown classes by their two high bits.
func TestUnknownClasses(t *testing.T) {
	session := obj(ClassSession, 1, 192, 0, 2, 10, 17, 0, 0x13, 0x88)
	hop := obj(ClassHop, 1, 192, 0, 2, 1, 0, 0, 0, 7)
	tv := obj(ClassTimeValues, 1, 0, 0, 0x75, 0x30)
	ignored := obj(0x85, 7, 1, 1, 1, 1)
	forwarded := obj(0xC9, 2, 2, 2, 2, 2, 3, 3, 3, 3)
	forwarded2 := obj(0xFF, 0)
	null := obj(ClassNull, 77, 5, 5, 5, 5)

	b := rawMessage(TypePath, null, session, ignored, forwarded, hop, forwarded2, tv, null)
	m, err := Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	want := []RawObject{{Class: 0xC9, CType: 2, Body: []byte{2, 2, 2, 2, 3, 3, 3, 3}}, {Class: 0xFF}}
	if got := m.Common().Forward; !reflect.DeepEqual(got, want) {
		t.Fatalf("Forward = %#v, want %#v", got, want)
	}
	// Re-emitted unchanged, the ignored and NULL objects dropped.
	out := mustAppend(t, m)
	if len(out) != len(b)-len(ignored)-2*len(null) {
		t.Fatalf("re-encoded %d bytes from %d", len(out), len(b))
	}
	m2, err := Parse(out)
	if err != nil || !reflect.DeepEqual(m, m2) {
		t.Fatalf("re-parse: %v\n%#v\n%#v", err, m, m2)
	}

	// 0bbbbbbb: rejected with code 13, and the error still carries the
	// SESSION and RSVP_HOP so that a PathErr can be sent.
	pe := wantParseErr(t, rawMessage(TypePath, session, hop, tv, obj(0x33, 4, 0, 0, 0, 0)), ErrUnknownClass, true, CodeUnknownClass, 0x3304)
	if pe.Session == nil || *pe.Session != v4Session() || pe.Hop == nil || pe.Hop.Addr != v4Sender || pe.Type != TypePath {
		t.Fatalf("error lacks the message's addressing: %+v", pe)
	}
	if pe.Class != 0x33 || pe.CType != 4 || pe.Offset != HeaderLen+len(session)+len(hop)+len(tv) {
		t.Fatalf("error position: %+v", pe)
	}
	// Unknown C-Type of a known class: code 14.
	pe = wantParseErr(t, rawMessage(TypeResvTear, session, hop, obj(ClassStyle, 2, 0, 0, 0, 0x11)), ErrUnknownCType, true, CodeUnknownCType, 0x0802)
	if pe.Session == nil || pe.Hop == nil {
		t.Fatalf("error lacks the message's addressing: %+v", pe)
	}
}

// IntServ contents: malformed ones are rejected with code 21 and the value
// naming the object, unsupported services with value 2.
func TestMalformedIntServ(t *testing.T) {
	session := obj(ClassSession, 1, 192, 0, 2, 10, 17, 0, 0x13, 0x88)
	hop := obj(ClassHop, 1, 192, 0, 2, 1, 0, 0, 0, 7)
	tv := obj(ClassTimeValues, 1, 0, 0, 0x75, 0x30)
	style := obj(ClassStyle, 1, 0, 0, 0, 0x11)
	sender := obj(ClassSenderTemplate, 1, 192, 0, 2, 1, 0, 0, 0x0f, 0xa0)
	f32 := func(f float32) []byte { return binary.BigEndian.AppendUint32(nil, math.Float32bits(f)) }
	u32 := func(v uint32) []byte { return binary.BigEndian.AppendUint32(nil, v) }
	cat := func(parts ...[]byte) []byte {
		var b []byte
		for _, p := range parts {
			b = append(b, p...)
		}
		return b
	}
	tb := func(r, b, p float32) []byte { return cat(f32(r), f32(b), f32(p), u32(100), u32(1500)) }
	resv := func(flowspecBody []byte) []byte {
		return rawMessage(TypeResv, session, hop, tv, style, obj(ClassFlowspec, 2, flowspecBody...))
	}
	path := func(tspecBody []byte, more ...[]byte) []byte {
		return rawMessage(TypePath, append([][]byte{session, hop, tv, sender, obj(ClassSenderTSpec, 2, tspecBody...)}, more...)...)
	}
	adspec := func(body []byte) []byte { return obj(ClassAdspec, 2, body...) }
	goodTB := tb(12500, 1000, inf)
	generalFrag := cat(u32(0x01000008), u32(0x04000001), u32(1), u32(0x06000001), f32(1e6), u32(0x08000001), u32(0), u32(0x0a000001), u32(1500))

	if _, err := Parse(resv(cat(u32(7), u32(0x05000006), u32(0x7f000005), goodTB))); err != nil {
		t.Fatalf("good CL flowspec: %v", err)
	}
	if _, err := Parse(path(cat(u32(7), u32(0x01000006), u32(0x7f000005), goodTB), adspec(cat(u32(9), generalFrag)))); err != nil {
		t.Fatalf("good path: %v", err)
	}

	cases := []struct {
		name  string
		b     []byte
		err   error
		value uint16
	}{
		{"flowspec main length lies", resv(cat(u32(8), u32(0x05000006), u32(0x7f000005), goodTB)), ErrBadLength, TCBadFlowspec},
		{"flowspec version 1", resv(cat(u32(0x10000007), u32(0x05000006), u32(0x7f000005), goodTB)), ErrBadValue, TCBadFlowspec},
		{"flowspec service length lies", resv(cat(u32(7), u32(0x05000009), u32(0x7f000005), goodTB)), ErrBadLength, TCBadFlowspec},
		{"flowspec param length lies", resv(cat(u32(7), u32(0x05000006), u32(0x7f000009), goodTB)), ErrBadLength, TCBadFlowspec},
		{"flowspec short token bucket", resv(cat(u32(6), u32(0x05000005), u32(0x7f000004), goodTB[:16])), ErrBadLength, TCBadFlowspec},
		{"flowspec empty", resv(nil), ErrBadLength, TCBadFlowspec},
		{"flowspec service 3", resv(cat(u32(7), u32(0x03000006), u32(0x7f000005), goodTB)), ErrUnsupportedService, TCServiceUnsupported},
		{"flowspec NaN", resv(cat(u32(7), u32(0x05000006), u32(0x7f000005), tb(float32(math.NaN()), 1, 1))), ErrBadValue, TCBadFlowspec},
		{"flowspec negative bucket", resv(cat(u32(7), u32(0x05000006), u32(0x7f000005), tb(1, -1, 1))), ErrBadValue, TCBadFlowspec},
		{"guaranteed without Rspec", resv(cat(u32(7), u32(0x02000006), u32(0x7f000005), goodTB)), ErrBadValue, TCBadFlowspec},
		{"guaranteed infinite R", resv(cat(u32(10), u32(0x02000009), u32(0x7f000005), goodTB, u32(0x82000002), f32(inf), u32(0))), ErrBadValue, TCBadFlowspec},
		{"CL with Rspec", resv(cat(u32(10), u32(0x05000009), u32(0x7f000005), goodTB, u32(0x82000002), f32(1), u32(0))), ErrBadValue, TCBadFlowspec},
		{"two fragments", resv(cat(u32(9), u32(0x05000006), u32(0x7f000005), goodTB, u32(0x05000000), u32(0x05000000))), ErrBadValue, TCBadFlowspec},
		{"tspec service 5", path(cat(u32(7), u32(0x05000006), u32(0x7f000005), goodTB)), ErrBadValue, TCBadTSpec},
		{"tspec infinite rate", path(cat(u32(7), u32(0x01000006), u32(0x7f000005), tb(inf, 1, 1))), ErrBadValue, TCBadTSpec},
		{"tspec without token bucket", path(cat(u32(2), u32(0x01000001), u32(0x80000000))), ErrBadValue, TCBadTSpec},
		{"adspec without general", path(cat(u32(7), u32(0x01000006), u32(0x7f000005), goodTB), adspec(cat(u32(1), u32(0x05000000)))), ErrBadValue, TCBadAdspec},
		{"adspec general twice", path(cat(u32(7), u32(0x01000006), u32(0x7f000005), goodTB), adspec(cat(u32(18), generalFrag, generalFrag))), ErrBadValue, TCBadAdspec},
		{"adspec general short", path(cat(u32(7), u32(0x01000006), u32(0x7f000005), goodTB), adspec(cat(u32(7), generalFrag[:28]))), ErrBadLength, TCBadAdspec},
		{"adspec guaranteed partial", path(cat(u32(7), u32(0x01000006), u32(0x7f000005), goodTB),
			adspec(cat(u32(12), generalFrag, u32(0x02000002), u32(0x85000001), u32(5)))), ErrBadValue, TCBadAdspec},
		{"adspec guaranteed bare without break", path(cat(u32(7), u32(0x01000006), u32(0x7f000005), goodTB),
			adspec(cat(u32(10), generalFrag, u32(0x02000000)))), ErrBadValue, TCBadAdspec},
		{"adspec guaranteed param twice", path(cat(u32(7), u32(0x01000006), u32(0x7f000005), goodTB),
			adspec(cat(u32(14), generalFrag, u32(0x02000004), u32(0x85000001), u32(5), u32(0x85000001), u32(5)))), ErrBadValue, TCBadAdspec},
		{"adspec guaranteed param length", path(cat(u32(7), u32(0x01000006), u32(0x7f000005), goodTB),
			adspec(cat(u32(13), generalFrag, u32(0x02000003), u32(0x85000002), u32(5), u32(5)))), ErrBadLength, TCBadAdspec},
		{"adspec CL param lies", path(cat(u32(7), u32(0x01000006), u32(0x7f000005), goodTB),
			adspec(cat(u32(12), generalFrag, u32(0x05000002), u32(0x0a000007), u32(5)))), ErrBadLength, TCBadAdspec},
		{"adspec NaN bandwidth", path(cat(u32(7), u32(0x01000006), u32(0x7f000005), goodTB),
			adspec(cat(u32(9), u32(0x01000008), u32(0x04000001), u32(1), u32(0x06000001), f32(float32(math.NaN())), u32(0x08000001), u32(0), u32(0x0a000001), u32(1500)))), ErrBadValue, TCBadAdspec},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			pe := wantParseErr(t, c.b, c.err, true, CodeTrafficControl, c.value)
			if pe.Offset < HeaderLen {
				t.Fatalf("offset %d", pe.Offset)
			}
		})
	}
}

// Flow descriptor lists that do not fit their style.
func TestBadFlowDescriptors(t *testing.T) {
	session := obj(ClassSession, 1, 192, 0, 2, 10, 17, 0, 0x13, 0x88)
	hop := obj(ClassHop, 1, 192, 0, 2, 1, 0, 0, 0, 7)
	tv := obj(ClassTimeValues, 1, 0, 0, 0x75, 0x30)
	errSpec := obj(ClassErrorSpec, 1, 192, 0, 2, 1, 0, 1, 0, 2)
	style := func(o uint8) []byte { return obj(ClassStyle, 1, 0, 0, 0, o) }
	fs, _ := clFlowspec(1).appendTo(nil)
	fl, _ := filter4(1).appendTo(nil, ClassFilterSpec)
	fl6, _ := filter6(1).appendTo(nil, ClassFilterSpec)
	resv := func(objs ...[]byte) []byte {
		return rawMessage(TypeResv, append([][]byte{session, hop, tv}, objs...)...)
	}
	resvErr := func(objs ...[]byte) []byte {
		return rawMessage(TypeResvErr, append([][]byte{session, hop, errSpec}, objs...)...)
	}
	tear := func(objs ...[]byte) []byte {
		return rawMessage(TypeResvTear, append([][]byte{session, hop}, objs...)...)
	}
	const wf, ff, se = OptionsWF, OptionsFF, OptionsSE

	bad := []struct {
		name string
		b    []byte
		err  error
	}{
		{"Resv WF without flowspec", resv(style(wf)), ErrBadFlowDescriptor},
		{"Resv WF two flowspecs", resv(style(wf), fs, fs), ErrBadFlowDescriptor},
		{"Resv WF with filter", resv(style(wf), fs, fl), ErrBadFlowDescriptor},
		{"Resv FF empty", resv(style(ff)), ErrBadFlowDescriptor},
		{"Resv FF starts with filter", resv(style(ff), fl, fs, fl), ErrBadFlowDescriptor},
		{"Resv FF ends with flowspec", resv(style(ff), fs, fl, fs), ErrBadFlowDescriptor},
		{"Resv FF two flowspecs in a row", resv(style(ff), fs, fs, fl), ErrBadFlowDescriptor},
		{"Resv SE without filter", resv(style(se), fs), ErrBadFlowDescriptor},
		{"Resv SE without flowspec", resv(style(se), fl), ErrBadFlowDescriptor},
		{"Resv SE two flowspecs", resv(style(se), fs, fl, fs, fl), ErrBadFlowDescriptor},
		{"Resv without STYLE", resv(fs), ErrMissingObject},
		{"Resv filter of the wrong family", resv(style(ff), fs, fl6), ErrBadValue},
		{"ResvErr FF two descriptors", resvErr(style(ff), fs, fl, fl), ErrBadFlowDescriptor},
		{"ResvErr SE without flowspec", resvErr(style(se), fl), ErrBadFlowDescriptor},
		{"ResvTear FF empty", tear(style(ff)), ErrBadFlowDescriptor},
		{"ResvTear SE empty", tear(style(se)), ErrBadFlowDescriptor},
		{"ResvTear FF lone flowspec", tear(style(ff), fs), ErrBadFlowDescriptor},
	}
	for _, c := range bad {
		t.Run(c.name, func(t *testing.T) { wantParseErr(t, c.b, c.err, false, 0, 0) })
	}

	// And the permitted short forms.
	good := []struct {
		name  string
		b     []byte
		flows []FlowDescriptor
	}{
		{"Resv FF packed", resv(style(ff), fs, fl, fl), []FlowDescriptor{
			{Flowspec: clFlowspec(1), Filters: []FilterSpec{filter4(1)}},
			{Flowspec: clFlowspec(1), Filters: []FilterSpec{filter4(1)}}}},
		{"Resv objects out of order", resv(fs, fl, style(ff)), []FlowDescriptor{{Flowspec: clFlowspec(1), Filters: []FilterSpec{filter4(1)}}}},
		{"ResvErr WF without descriptor", resvErr(style(wf)), nil},
		{"ResvErr FF without flowspec", resvErr(style(ff), fl), []FlowDescriptor{{Filters: []FilterSpec{filter4(1)}}}},
		{"ResvTear WF without flowspec", tear(style(wf)), nil},
		{"ResvTear SE without flowspec", tear(style(se), fl, fl), []FlowDescriptor{{Filters: []FilterSpec{filter4(1), filter4(1)}}}},
		{"ResvTear FF mixed", tear(style(ff), fl, fs, fl), []FlowDescriptor{
			{Filters: []FilterSpec{filter4(1)}},
			{Flowspec: clFlowspec(1), Filters: []FilterSpec{filter4(1)}}}},
	}
	for _, c := range good {
		t.Run(c.name, func(t *testing.T) {
			m, err := Parse(c.b)
			if err != nil {
				t.Fatal(err)
			}
			var flows []FlowDescriptor
			switch m := m.(type) {
			case *Resv:
				flows = m.Flows
			case *ResvErr:
				flows = m.Flows
			case *ResvTear:
				flows = m.Flows
			}
			if !reflect.DeepEqual(flows, c.flows) {
				t.Fatalf("flows %+v, want %+v", flows, c.flows)
			}
			if _, err := Parse(mustAppend(t, m)); err != nil {
				t.Fatalf("re-encoded: %v", err)
			}
		})
	}
}

// Packed FF descriptors each get their own flowspec: changing one must
// not change the others.
func TestPackedFlowspecsAreCopies(t *testing.T) {
	m := sampleMessages()[5].msg.(*Resv)
	b := mustAppend(t, m)
	got, err := Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	r := got.(*Resv)
	if len(b) >= len(mustAppendUnpacked(t, m)) {
		t.Fatal("equal consecutive FF flowspecs were not packed")
	}
	r.Flows[0].Flowspec.RSpec.Rate = 1
	if r.Flows[1].Flowspec.RSpec.Rate != 25000 {
		t.Fatal("packed descriptors share their flowspec")
	}
}

// mustAppendUnpacked is the size the FF sample would have without packing.
func mustAppendUnpacked(t *testing.T, m *Resv) []byte {
	b := mustAppend(t, m)
	fs, _ := m.Flows[1].Flowspec.appendTo(nil)
	return append(b, fs...)
}

// A lying length can make Parse allocate no more than a small multiple of
// its input.
func TestNoAllocationFromLengths(t *testing.T) {
	session := obj(ClassSession, 1, 192, 0, 2, 10, 17, 0, 0x13, 0x88)
	hop := obj(ClassHop, 1, 192, 0, 2, 1, 0, 0, 0, 7)
	tv := obj(ClassTimeValues, 1, 0, 0, 0x75, 0x30)
	// Main, service and parameter lengths of 0xFFFF words in a small
	// ADSPEC and FLOWSPEC.
	lying := [][]byte{
		rawMessage(TypePath, session, hop, tv, obj(ClassAdspec, 2, 0, 0, 0xff, 0xff, 1, 0, 0xff, 0xff)),
		rawMessage(TypeResv, session, hop, tv, obj(ClassStyle, 1, 0, 0, 0, 0x11), obj(ClassFlowspec, 2, 0, 0, 0, 2, 5, 0, 0, 1, 127, 0, 0xff, 0xff)),
	}
	for _, b := range lying {
		allocs := testing.AllocsPerRun(10, func() { _, _ = Parse(b) })
		if allocs > 40 {
			t.Fatalf("%v allocations for %d bytes", allocs, len(b))
		}
	}
}
