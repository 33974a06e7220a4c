package wire

import (
	"errors"
	"net/netip"
	"reflect"
	"testing"
)

// fuzzSeeds returns golden messages, random valid messages and a few
// malformed ones of protocol p.
func fuzzSeeds(t testing.TB, p Protocol) [][]byte {
	var seeds [][]byte
	gold, gens := goldenASAP, asapGens
	if p == ENRP {
		gold, gens = goldenENRP, enrpGens
	}
	for _, c := range gold {
		seeds = append(seeds, hexb(t, c.wire))
	}
	g := newGen(99)
	for range 3 {
		for _, f := range gens {
			b, err := Append(nil, f(g))
			if err != nil {
				t.Fatal(err)
			}
			seeds = append(seeds, b)
		}
	}
	seeds = append(seeds,
		nil, []byte{1}, []byte{1, 0, 0, 4}, []byte{1, 0, 0, 0}, []byte{1, 0, 0xff, 0xff},
		[]byte{5, 0, 0, 16, 0xc1, 0x23, 0, 7, 1, 2, 3, 0, 0, 9, 0, 4},
		[]byte{5, 0, 0, 16, 0x41, 0x23, 0, 7, 1, 2, 3, 0, 0, 9, 0, 4},
	)
	return seeds
}

// checkReparse is the fuzz property: a decoded message re-encodes, and
// the encoding decodes to the same value.
func checkReparse(t *testing.T, in []byte, m Message, err error, parse func([]byte) (Message, error)) {
	if err != nil {
		if m != nil {
			t.Fatalf("message %T with error %v", m, err)
		}
		checkTyped(t, err)
		return
	}
	b, err := Append(nil, m)
	if err != nil {
		// Re-encoding adds what the input may leave out (a Keep-Alive's
		// PE Identifier, the last parameter's padding): near 64 KiB that
		// can overflow.
		if errors.Is(err, ErrTooLarge) && len(in) > 0xffff-16 {
			return
		}
		t.Fatalf("decoded %+v does not re-encode: %v", m, err)
	}
	m2, err := parse(b)
	if err != nil {
		t.Fatalf("re-encoding % x does not decode: %v", b, err)
	}
	if !reflect.DeepEqual(m, m2) {
		t.Fatalf("re-decoded value differs\nfirst  %+v\nsecond %+v", m, m2)
	}
}

func FuzzParseASAP(f *testing.F) {
	for _, s := range fuzzSeeds(f, ASAP) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m, reps, err := ParseASAPReport(b)
		if len(reps) > MaxReports {
			t.Fatalf("%d reports", len(reps))
		}
		if m != nil && m.Protocol() != ASAP {
			t.Fatalf("ASAP decoder returned %v message", m.Protocol())
		}
		checkReparse(t, b, m, err, ParseASAP)
	})
}

func FuzzParseENRP(f *testing.F) {
	for _, s := range fuzzSeeds(f, ENRP) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m, reps, err := ParseENRPReport(b)
		if len(reps) > MaxReports {
			t.Fatalf("%d reports", len(reps))
		}
		if m != nil && m.Protocol() != ENRP {
			t.Fatalf("ENRP decoder returned %v message", m.Protocol())
		}
		checkReparse(t, b, m, err, ParseENRP)
	})
}

// paramValue is one decoded parameter of any type, for FuzzParseParam.
type paramValue struct {
	Type ParamType
	V    any
}

// decodeParam decodes the single parameter b holds, whatever its type.
func decodeParam(b []byte) (paramValue, error) {
	var d decoder
	s := d.scan(b, 0, 0)
	p, err := s.wantOf(knownParam, "parameter")
	if err != nil {
		return paramValue{}, err
	}
	if err := s.end(); err != nil {
		return paramValue{}, err
	}
	v := paramValue{Type: p.typ}
	switch {
	case isAddress(p.typ):
		v.V, err = decodeAddr(p)
	case isTransport(p.typ):
		v.V, err = d.transport(p)
	case p.typ == ParamPolicy:
		v.V, err = decodePolicy(p)
	case p.typ == ParamPoolHandle || p.typ == ParamCookie:
		v.V = cloneBytes(p.val)
	case p.typ == ParamPoolElement:
		v.V, err = d.poolElement(p)
	case p.typ == ParamServerInfo:
		v.V, err = d.serverInfo(p)
	case p.typ == ParamOperationError:
		v.V, err = decodeOperationError(p)
	case p.typ == ParamPEIdentifier || p.typ == ParamHandleResolutionOption:
		v.V, err = decodeU32(p)
	case p.typ == ParamPEChecksum:
		v.V, err = decodeChecksum(p)
	}
	return v, err
}

func encodeParam(v paramValue) ([]byte, error) {
	switch x := v.V.(type) {
	case []byte:
		return RawParam{Type: v.Type, Value: x}.Append(nil)
	case Transport:
		return AppendTransportParam(nil, &x)
	case Policy:
		return AppendPolicyParam(nil, &x)
	case PoolElement:
		return AppendPoolElementParam(nil, &x)
	case ServerInfo:
		return AppendServerInfoParam(nil, &x)
	case OperationError:
		return AppendOperationErrorParam(nil, &x)
	case uint32:
		return appendU32Param(nil, v.Type, x), nil
	case uint16:
		return appendChecksum(nil, x), nil
	case netip.Addr:
		return appendAddr(nil, x)
	}
	return nil, errors.New("unknown value type")
}

func FuzzParseParam(f *testing.F) {
	g := newGen(5)
	add := func(b []byte, err error) {
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for range 4 {
		pe, si, pol, tr, oe := g.poolElement(), g.serverInfo(), g.policy(), g.transport(), g.opError(ASAP)
		add(AppendPoolElementParam(nil, &pe))
		add(AppendServerInfoParam(nil, &si))
		add(AppendPolicyParam(nil, &pol))
		add(AppendTransportParam(nil, &tr))
		add(AppendOperationErrorParam(nil, &oe))
		add(AppendPoolHandleParam(nil, g.handle()))
	}
	add(appendAddr(nil, g.addr()))
	add(appendU32Param(nil, ParamHandleResolutionOption, 3), nil)
	add(appendChecksum(nil, 0xabcd), nil)
	f.Add([]byte{0, 0x0c, 0, 13, 0, 1, 0, 9, 0xc0, 0xff, 0, 5, 0x42, 0, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		v, err := decodeParam(b)
		if err != nil {
			checkTyped(t, err)
			return
		}
		enc, err := encodeParam(v)
		if err != nil {
			if errors.Is(err, ErrTooLarge) && len(b) > 0xffff-8 {
				return
			}
			t.Fatalf("%+v does not re-encode: %v", v, err)
		}
		v2, err := decodeParam(enc)
		if err != nil {
			t.Fatalf("re-encoding % x does not decode: %v", enc, err)
		}
		if !reflect.DeepEqual(v, v2) {
			t.Fatalf("re-decoded value differs\nfirst  %+v\nsecond %+v", v, v2)
		}
	})
}
