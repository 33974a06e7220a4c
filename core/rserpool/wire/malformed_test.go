package wire

import (
	"bytes"
	"encoding/binary"
	"errors"
	"net/netip"
	"reflect"
	"strings"
	"testing"
)

var sentinels = []error{
	ErrTruncated, ErrBadLength, ErrTrailingData, ErrMissingParam, ErrUnexpectedParam,
	ErrTooMany, ErrUnrecognizedParam, ErrUnrecognizedMessage,
}

// checkTyped fails unless err wraps exactly one decoding sentinel.
func checkTyped(t testing.TB, err error) {
	t.Helper()
	n := 0
	for _, s := range sentinels {
		if errors.Is(err, s) {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("error %q (%T) wraps %d sentinels", err, err, n)
	}
}

func mustEncode(t testing.TB, m Message) []byte {
	t.Helper()
	b, err := Append(nil, m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// setLen rewrites the message length field.
func setLen(b []byte, n int) []byte {
	b = bytes.Clone(b)
	binary.BigEndian.PutUint16(b[2:], uint16(n))
	return b
}

// withParam returns msg with raw parameter bytes inserted at offset off,
// the message length adjusted.
func withParam(msg []byte, off int, param []byte) []byte {
	b := append(append(append([]byte(nil), msg[:off]...), param...), msg[off:]...)
	return setLen(b, len(b))
}

func TestTruncated(t *testing.T) {
	for _, c := range append(append([]golden(nil), goldenASAP...), goldenENRP...) {
		full := hexb(t, c.wire)
		parse := ParseASAP
		if c.msg.Protocol() == ENRP {
			parse = ParseENRP
		}
		for i := range len(full) {
			_, err := parse(full[:i])
			if !errors.Is(err, ErrTruncated) {
				t.Errorf("%s cut to %d bytes: %v, want ErrTruncated", c.name, i, err)
			}
		}
		// Shrinking the length field instead: never a panic, always a
		// typed error (or, cutting only padding, success).
		for l := 0; l < len(full); l++ {
			_, err := parse(setLen(full, l)[:max(l, 4)])
			if err != nil {
				checkTyped(t, err)
			}
		}
	}
}

func TestLyingParamLengths(t *testing.T) {
	// Set every 16-bit word of every golden message, in turn, to values
	// that make lengths lie: the decoder must return a typed error or a
	// message, never panic.
	vals := []uint16{0, 1, 3, 4, 5, 7, 8, 0x7fff, 0xfffc, 0xffff}
	for _, c := range append(append([]golden(nil), goldenASAP...), goldenENRP...) {
		full := hexb(t, c.wire)
		parse := ParseASAP
		if c.msg.Protocol() == ENRP {
			parse = ParseENRP
		}
		for off := 4; off+2 <= len(full); off += 2 {
			for _, v := range vals {
				b := bytes.Clone(full)
				binary.BigEndian.PutUint16(b[off:], v)
				if _, err := parse(b); err != nil {
					checkTyped(t, err)
				}
			}
		}
	}
}

func TestPaddingAndTrailing(t *testing.T) {
	// Handle Resolution with a 6-byte handle: 16 bytes, 2 of them padding.
	full := hexb(t, `05 00 0010  0009 000a 'pool-A' 0000`)
	want := &HandleResolution{PoolHandle: []byte("pool-A")}
	for _, b := range [][]byte{
		full,
		setLen(full, 14),      // length excludes the last parameter's padding
		setLen(full, 14)[:14], // ... and the padding is not there at all
		setLen(full, 15),
	} {
		m, err := ParseASAP(b)
		if err != nil || !reflect.DeepEqual(m, want) {
			t.Errorf("%x: %+v, %v", b, m, err)
		}
	}
	if n, ok := MessageLen(setLen(full, 14)); !ok || n != 16 {
		t.Errorf("MessageLen of length 14 = %d, %v; want 16", n, ok)
	}
	if _, err := ParseASAP(append(bytes.Clone(full), 0, 0, 0, 0)); !errors.Is(err, ErrTrailingData) {
		t.Errorf("4 trailing bytes: %v", err)
	}
	if _, err := ParseASAP(append(setLen(full, 14), 0, 0, 0)); !errors.Is(err, ErrTrailingData) {
		t.Errorf("bytes beyond padding: %v", err)
	}
	// Leftover bytes inside the length that cannot be a parameter.
	b := setLen(append(bytes.Clone(full), 0, 0), 18)
	if _, err := ParseASAP(b); !errors.Is(err, ErrTruncated) {
		t.Errorf("2 stray bytes: %v", err)
	}

	// Operation Error whose length counts the last cause's padding (the
	// other reading of the rule) decodes the same.
	rr := hexb(t, `
		03 01 0024  0009 0008 'echo'  000e 0008 00000007
		000c 0010  0001 0009 c0ff 0005 42 000000`)
	m, err := ParseASAP(rr)
	if err != nil {
		t.Fatal(err)
	}
	if got := m.(*RegistrationResponse).Error.Causes[0].Info; !bytes.Equal(got, []byte{0xc0, 0xff, 0, 5, 0x42}) {
		t.Errorf("cause info %x", got)
	}
}

func TestMessageLen(t *testing.T) {
	for _, c := range []struct {
		b  []byte
		n  int
		ok bool
	}{
		{nil, 0, false},
		{[]byte{1, 0, 0}, 0, false},
		{[]byte{1, 0, 0, 3}, 0, false},
		{[]byte{1, 0, 0, 4}, 4, true},
		{[]byte{1, 0, 0, 5}, 8, true},
		{[]byte{1, 0, 0xff, 0xfc}, 0xfffc, true},
		{[]byte{1, 0, 0xff, 0xff}, 0x10000, true},
	} {
		if n, ok := MessageLen(c.b); n != c.n || ok != c.ok {
			t.Errorf("MessageLen(%x) = %d, %v; want %d, %v", c.b, n, ok, c.n, c.ok)
		}
	}
}

func TestUnrecognizedParams(t *testing.T) {
	reg := mustEncode(t, goldenASAP[0].msg) // Registration: header, Pool Handle (8), Pool Element
	afterHandle := 4 + 8
	unknown := func(typ uint16) []byte {
		return []byte{byte(typ >> 8), byte(typ), 0, 7, 0xaa, 0xbb, 0xcc, 0}
	}
	wantRaw := func(typ uint16) RawParam { return RawParam{Type: ParamType(typ), Value: []byte{0xaa, 0xbb, 0xcc}} }

	// Where to insert: top level, inside the Pool Element after the
	// fixed fields, inside the user transport after its address.
	peStart := afterHandle
	transStart := peStart + 4 + 12
	places := []struct {
		name  string
		at    int
		fixup []int // offsets of enclosing parameter length fields to grow
	}{
		{"top level", afterHandle, nil},
		{"in Pool Element", transStart, []int{peStart + 2}},
		{"in transport", transStart + 8 + 8, []int{peStart + 2, transStart + 2}},
	}
	for _, pl := range places {
		insert := func(typ uint16) []byte {
			b := withParam(reg, pl.at, unknown(typ))
			for _, f := range pl.fixup {
				binary.BigEndian.PutUint16(b[f:], binary.BigEndian.Uint16(b[f:])+8)
			}
			return b
		}
		// 00: stop, discard, no report.
		m, reps, err := ParseASAPReport(insert(0x0123))
		var ue *UnrecognizedParamError
		if m != nil || len(reps) != 0 || !errors.As(err, &ue) || ue.Report || !reflect.DeepEqual(ue.Param, wantRaw(0x0123)) {
			t.Errorf("%s, type 00: %v, %v, %v", pl.name, m, reps, err)
		}
		if ue != nil && (ue.Proto != ASAP || ue.MsgType != uint8(ASAPRegistration) || ue.Offset != pl.at) {
			t.Errorf("%s: error context %+v", pl.name, ue)
		}
		// 01: stop, discard, report.
		m, reps, err = ParseASAPReport(insert(0x4123))
		if m != nil || !reflect.DeepEqual(reps, []RawParam{wantRaw(0x4123)}) || !errors.As(err, &ue) || !ue.Report {
			t.Errorf("%s, type 01: %v, %v, %v", pl.name, m, reps, err)
		}
		// 10: skip silently.
		m, reps, err = ParseASAPReport(insert(0x8123))
		if err != nil || len(reps) != 0 || !reflect.DeepEqual(m, goldenASAP[0].msg) {
			t.Errorf("%s, type 10: %v, %v, %v", pl.name, m, reps, err)
		}
		// 11: skip and report.
		m, reps, err = ParseASAPReport(insert(0xc123))
		if err != nil || !reflect.DeepEqual(reps, []RawParam{wantRaw(0xc123)}) || !reflect.DeepEqual(m, goldenASAP[0].msg) {
			t.Errorf("%s, type 11: %v, %v, %v", pl.name, m, reps, err)
		}
	}

	// The report carries what a registrar needs for its answer.
	_, reps, _ := ParseASAPReport(withParam(reg, afterHandle, unknown(0xc123)))
	c := UnrecognizedParamCause(reps[0])
	if want := []byte{0xc1, 0x23, 0, 7, 0xaa, 0xbb, 0xcc}; c.Code != CauseUnrecognizedParameter || !bytes.Equal(c.Info, want) {
		t.Errorf("cause %+v", c)
	}

	// ENRP works the same.
	pres := mustEncode(t, goldenENRP[0].msg)
	_, reps, err := ParseENRPReport(withParam(pres, 12, unknown(0xc001)))
	if err != nil || len(reps) != 1 {
		t.Errorf("ENRP skip and report: %v, %v", reps, err)
	}

	// A known parameter with skip bits where it has no place (Handle
	// Resolution Option in a Registration) is skipped.
	hropt := []byte{0x80, 0x3f, 0, 8, 0, 0, 0, 1}
	if m, err := ParseASAP(withParam(reg, len(reg), hropt)); err != nil || !reflect.DeepEqual(m, goldenASAP[0].msg) {
		t.Errorf("misplaced option: %v, %v", m, err)
	}

	// Reports are capped.
	b := reg
	for range MaxReports + 10 {
		b = withParam(b, afterHandle, unknown(0xc123))
	}
	if m, reps, err := ParseASAPReport(b); err != nil || m == nil || len(reps) != MaxReports {
		t.Errorf("many reports: %d, %v", len(reps), err)
	}
}

func TestUnrecognizedMessage(t *testing.T) {
	for _, c := range []struct {
		parse func([]byte) (Message, error)
		p     Protocol
		typ   uint8
	}{
		{ParseASAP, ASAP, 0x00}, {ParseASAP, ASAP, 0x0f}, {ParseASAP, ASAP, 0xff},
		{ParseENRP, ENRP, 0x00}, {ParseENRP, ENRP, 0x0b}, {ParseENRP, ENRP, 0xff},
	} {
		b := []byte{c.typ, 0, 0, 8, 1, 2, 3, 4}
		_, err := c.parse(b)
		var ue *UnrecognizedMessageError
		if !errors.Is(err, ErrUnrecognizedMessage) || !errors.As(err, &ue) || ue.Type != c.typ || ue.Proto != c.p {
			t.Errorf("%v type %#x: %v", c.p, c.typ, err)
		}
		if cause := UnrecognizedMessageCause(b); cause.Code != CauseUnrecognizedMessage || !bytes.Equal(cause.Info, b) {
			t.Errorf("cause %+v", cause)
		}
	}
}

func TestLayoutErrors(t *testing.T) {
	ph := []byte{0, 9, 0, 8, 'e', 'c', 'h', 'o'}
	peid := []byte{0, 0x0e, 0, 8, 0, 0, 0, 1}
	msg := func(typ uint8, params ...[]byte) []byte {
		b := []byte{typ, 0, 0, 0}
		for _, p := range params {
			b = append(b, p...)
		}
		return setLen(b, len(b))
	}
	for _, c := range []struct {
		name string
		b    []byte
		want error
		text string
	}{
		{"registration without pool element", msg(1, ph), ErrMissingParam, "no Pool Element"},
		{"registration without anything", msg(1), ErrMissingParam, "no Pool Handle"},
		{"deregistration swapped", msg(2, peid, ph), ErrUnexpectedParam, "PE Identifier parameter where Pool Handle was expected"},
		{"deregistration extra", msg(2, ph, peid, peid), ErrUnexpectedParam, "after the last one"},
		{"short PE identifier", msg(2, ph, []byte{0, 0x0e, 0, 6, 0, 1, 0, 0}), ErrBadLength, "want 4"},
		{"parameter length 2", msg(2, ph, []byte{0, 0x0e, 0, 2}), ErrBadLength, "below the header size"},
		{"parameter length beyond", msg(2, ph, []byte{0, 0x0e, 0, 12, 0, 0, 0, 1}), ErrTruncated, "exceeds the 8 bytes left"},
		{"policy not in words", msg(6, ph, []byte{0, 8, 0, 10, 0, 0, 0, 1, 0, 0, 0, 0}), ErrBadLength, "whole number"},
		{"keep-alive without server id", msg(7), ErrBadLength, "server identifier"},
		{"handle update short", []byte{4, 0, 0, 12, 0, 0, 0, 1, 0, 0, 0, 2}, ErrBadLength, "update action"},
		{"transport without address", msg(1, ph, []byte{0, 0x0a, 0, 28, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0,
			0, 4, 0, 8, 0, 1, 0, 0, 0, 8, 0, 8, 0, 0, 0, 1}), ErrMissingParam, "without an address"},
		{"cause length lies", msg(0x0e, []byte{0, 0x0c, 0, 8, 0, 1, 0, 9}), ErrTruncated, "cause Unrecognized Parameter length 9"},
	} {
		_, err := ParseASAP(c.b)
		if c.name == "handle update short" {
			_, err = ParseENRP(c.b)
		}
		if !errors.Is(err, c.want) || !strings.Contains(err.Error(), c.text) {
			t.Errorf("%s: %v, want %v containing %q", c.name, err, c.want, c.text)
		}
		checkTyped(t, err)
	}

	// A ParseError says where.
	_, err := ParseASAP(msg(2, ph, []byte{0, 0x0e, 0, 6, 0, 1, 0, 0}))
	var pe *ParseError
	if !errors.As(err, &pe) || pe.Offset != 12 || pe.Param != ParamPEIdentifier || pe.Proto != ASAP || pe.MsgType != 2 {
		t.Errorf("%+v", pe)
	}
	if want := "asap Deregistration: PE Identifier parameter at offset 12: bad length: PE Identifier value of 2 bytes, want 4"; err.Error() != want {
		t.Errorf("error text\n got %s\nwant %s", err, want)
	}
}

func TestTooMany(t *testing.T) {
	// Handle Resolution Response with MaxElements+1 pool elements.
	pe := PoolElement{User: Transport{Kind: ParamUDPTransport, Addrs: v4addrs(1)}, Policy: Policy{Type: 1}}
	one, err := AppendPoolElementParam(nil, &pe)
	if err != nil {
		t.Fatal(err)
	}
	b := mustEncode(t, &HandleResolutionResponse{PoolHandle: []byte("p"), Policy: Policy{Type: 1}})
	for range MaxElements + 1 {
		b = append(b, one...)
	}
	if _, err := ParseASAP(setLen(b, len(b))); !errors.Is(err, ErrTooMany) {
		t.Errorf("elements: %v", err)
	}
	// ... which the encoder refuses too.
	var pes []PoolElement
	for range MaxElements + 1 {
		pes = append(pes, pe)
	}
	if _, err := AppendASAP(nil, &HandleResolutionResponse{Elements: pes}); !errors.Is(err, ErrTooMany) {
		t.Errorf("encode elements: %v", err)
	}

	// A transport with MaxAddrs+1 addresses, built by hand.
	tr := []byte{0, 6, 0, 0, 0, 1, 0, 0}
	for range MaxAddrs + 1 {
		tr = append(tr, 0, 1, 0, 8, 10, 0, 0, 1)
	}
	binary.BigEndian.PutUint16(tr[2:], uint16(len(tr)))
	sa := append([]byte{0x0a, 0, 0, 0, 0, 0, 0, 1}, tr...)
	if _, err := ParseASAP(setLen(sa, len(sa))); !errors.Is(err, ErrTooMany) {
		t.Errorf("addresses: %v", err)
	}
	if _, err := AppendASAP(nil, &ServerAnnounce{Transports: []Transport{{Kind: ParamUDPTransport, Addrs: v4addrs(MaxAddrs + 1)}}}); !errors.Is(err, ErrTooMany) {
		t.Errorf("encode addresses: %v", err)
	}
}

func v6addrs(n int) []netip.Addr {
	var a []netip.Addr
	for i := range n {
		a = append(a, netip.AddrFrom16([16]byte{0x20, 1, 0xd, 0xb8, 14: byte(i >> 8), 15: byte(i)}))
	}
	return a
}

func TestEncodeErrors(t *testing.T) {
	good := Transport{Kind: ParamSCTPTransport, Addrs: v4addrs(1)}
	pe := func(tr Transport) PoolElement { return PoolElement{User: tr, Policy: Policy{Type: 1}} }
	zoned := netip.MustParseAddr("fe80::1%eth0")
	var nilReg *Registration
	for _, c := range []struct {
		name string
		m    Message
		want error
	}{
		{"nil", nil, ErrInvalidValue},
		{"typed nil", nilReg, ErrInvalidValue},
		{"zero address", &Registration{Element: pe(Transport{Kind: ParamSCTPTransport, Addrs: []netip.Addr{{}}})}, ErrInvalidValue},
		{"zoned address", &Registration{Element: pe(Transport{Kind: ParamSCTPTransport, Addrs: []netip.Addr{zoned}})}, ErrInvalidValue},
		{"no address", &Registration{Element: pe(Transport{Kind: ParamSCTPTransport})}, ErrInvalidValue},
		{"not a transport", &Registration{Element: pe(Transport{Kind: ParamPoolHandle, Addrs: v4addrs(1)})}, ErrInvalidValue},
		{"error and elements", &HandleResolutionResponse{Error: &OperationError{}, Elements: []PoolElement{pe(good)}}, ErrInvalidValue},
		{"huge handle", &Deregistration{PoolHandle: make([]byte, 70000)}, ErrTooLarge},
		{"huge message", &Cookie{Data: make([]byte, 65532-7)}, ErrTooLarge},
		{"huge cause", &ASAPErrorMessage{Error: OperationError{Causes: []ErrorCause{{Code: 2, Info: make([]byte, 65532)}}}}, ErrTooLarge},
		{"huge server announce", &ServerAnnounce{Transports: func() []Transport {
			var ts []Transport
			for range MaxTransports {
				ts = append(ts, Transport{Kind: ParamSCTPTransport, Addrs: v6addrs(MaxAddrs)})
			}
			return ts
		}()}, ErrTooLarge},
	} {
		prefix := []byte("keep")
		b, err := Append(prefix, c.m)
		if !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
		if string(b) != "keep" {
			t.Errorf("%s: buffer not restored: %q", c.name, b)
		}
	}
	if _, err := AppendASAP(nil, &ListRequest{}); !errors.Is(err, ErrWrongProtocol) {
		t.Errorf("ENRP to AppendASAP: %v", err)
	}
	if _, err := AppendENRP(nil, &Cookie{}); !errors.Is(err, ErrWrongProtocol) {
		t.Errorf("ASAP to AppendENRP: %v", err)
	}
}

// TestRsplibQuirks covers what rsplib sends that the RFC layout does not
// require.
func TestRsplibQuirks(t *testing.T) {
	// Endpoint Keep-Alive without PE Identifier (rsplib omits a zero one).
	b := hexb(t, `07 00 0010 00000005 0009 0008 'echo'`)
	m, err := ParseASAP(b)
	if want := (&EndpointKeepAlive{ServerID: 5, PoolHandle: []byte("echo")}); err != nil || !reflect.DeepEqual(m, want) {
		t.Errorf("keep-alive: %+v, %v", m, err)
	}
	// Server Announce with only the server identifier.
	m, err = ParseASAP(hexb(t, `0a 00 0008 00000005`))
	if want := (&ServerAnnounce{ServerID: 5}); err != nil || !reflect.DeepEqual(m, want) {
		t.Errorf("announce: %+v, %v", m, err)
	}
	// Handle Resolution Response error without the R flag.
	m, err = ParseASAP(hexb(t, `06 00 0014 0009 0008 'echo' 000c 0008 0009 0004`))
	if hrr, ok := m.(*HandleResolutionResponse); err != nil || !ok || hrr.Reject || !hrr.Error.Has(CauseUnknownPoolHandle) {
		t.Errorf("hrr: %+v, %v", m, err)
	}
	// Unknown flag bits are ignored.
	m, err = ParseENRP(hexb(t, `05 fe 000c 00000001 00000002`))
	if want := (&ListRequest{ServerIDs{1, 2}}); err != nil || !reflect.DeepEqual(m, want) {
		t.Errorf("flags: %+v, %v", m, err)
	}
}
