package wire

import (
	"bytes"
	"encoding/binary"
	"errors"
	"reflect"
	"testing"
)

// fuzzSeeds returns encoded messages for the fuzz corpora: every sample,
// signed ones, and hand-made messages with NULL, ignored, forwarded and
// rejected unknown objects and packed flow descriptors.
func fuzzSeeds(t testing.TB) [][]byte {
	var seeds [][]byte
	for _, c := range sampleMessages() {
		seeds = append(seeds, mustAppend(t, c.msg))
		if c.msg.Common().Integrity == nil {
			c.msg.Common().Integrity = &Integrity{KeyID: 1, Seq: 2}
		}
		b, err := AppendSigned(nil, c.msg, HMACSHA256, []byte("k"))
		if err != nil {
			t.Fatal(err)
		}
		seeds = append(seeds, b)
	}
	session := obj(ClassSession, 1, 192, 0, 2, 10, 17, 0, 0x13, 0x88)
	hop := obj(ClassHop, 1, 192, 0, 2, 1, 0, 0, 0, 7)
	tv := obj(ClassTimeValues, 1, 0, 0, 0x75, 0x30)
	fs, _ := clFlowspec(1).appendTo(nil)
	fl, _ := filter4(1).appendTo(nil, ClassFilterSpec)
	seeds = append(seeds,
		rawMessage(TypePath, obj(ClassNull, 0), session, obj(0x81, 1, 1, 2, 3, 4), hop, obj(0xC1, 1, 5, 6, 7, 8), tv),
		rawMessage(TypePath, session, hop, tv, obj(0x41, 1)),
		rawMessage(TypeResv, session, hop, tv, obj(ClassStyle, 1, 0, 0, 0, OptionsFF), fs, fl, fl, fs, fl),
		rawMessage(TypeResvTear, session, hop, obj(ClassStyle, 1, 0, 0, 0, OptionsFF), fl, fs, fl),
		rawMessage(TypeResvErr, session, hop, obj(ClassErrorSpec, 1, 192, 0, 2, 1, 3, 1, 0, 2), obj(ClassStyle, 1, 0, 0, 0, OptionsWF)),
	)
	return seeds
}

// FuzzParse: Parse never panics and returns only *ParseError; whatever it
// accepts re-encodes, parses back to an equal value, and re-encodes to
// the same bytes. The mode byte lets the fuzzer get past the checksum
// (bit 0 zeroes it, meaning "none") and the length field (bit 1 sets it
// to the input's length) to reach the objects.
func FuzzParse(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(s, byte(0))
		f.Add(s, byte(3))
	}
	f.Fuzz(func(t *testing.T, b []byte, mode byte) {
		if len(b) >= HeaderLen {
			b = append([]byte(nil), b...)
			if mode&1 != 0 {
				b[2], b[3] = 0, 0
			}
			if mode&2 != 0 && len(b) <= MaxMessageLen {
				binary.BigEndian.PutUint16(b[6:], uint16(len(b)))
			}
		}
		_ = VerifyIntegrity(b, HMACMD5, []byte("k"))
		m, err := Parse(b)
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error %T %v is not a *ParseError", err, err)
			}
			_ = pe.Error()
			return
		}
		b2, err := Append(nil, m)
		if err != nil {
			t.Fatalf("parsed message does not re-encode: %v\n%#v", err, m)
		}
		if len(b2) > len(b) {
			t.Fatalf("re-encoding grew from %d to %d bytes", len(b), len(b2))
		}
		m2, err := Parse(b2)
		if err != nil {
			t.Fatalf("re-encoded message does not parse: %v\n%x", err, b2)
		}
		if !reflect.DeepEqual(m, m2) {
			t.Fatalf("round trip changed the message:\n%#v\n%#v", m, m2)
		}
		b3, err := Append(nil, m2)
		if err != nil || !bytes.Equal(b2, b3) {
			t.Fatalf("encoding is not stable: %v\n%x\n%x", err, b2, b3)
		}
	})
}

// FuzzIntServ: the IntServ contents of SENDER_TSPEC, FLOWSPEC and ADSPEC
// alone (kind picks one), with the merging and composition helpers run on
// whatever parses.
func FuzzIntServ(f *testing.F) {
	tb, _ := AppendTSpecBody(nil, sampleTSpec())
	f.Add(tb, byte(0))
	for _, fs := range []*Flowspec{clFlowspec(1), gsFlowspec(2)} {
		b, _ := AppendFlowspecBody(nil, *fs)
		f.Add(b, byte(1))
	}
	for _, a := range []*Adspec{fullAdspec(), fancyAdspec()} {
		b, _ := AppendAdspecBody(nil, *a)
		f.Add(b, byte(2))
	}
	f.Fuzz(func(t *testing.T, b []byte, kind byte) {
		switch kind % 3 {
		case 0:
			ts, err := ParseTSpecBody(b)
			if err != nil {
				return
			}
			b2, err := AppendTSpecBody(nil, ts)
			if err != nil {
				t.Fatalf("Tspec %v does not re-encode: %v", ts, err)
			}
			if ts2, err := ParseTSpecBody(b2); err != nil || ts2 != ts {
				t.Fatalf("Tspec round trip: %v %v %v", ts, ts2, err)
			}
			_ = SumTSpecs(ts, ts.LUB(sampleTSpec()), ts.GLB(sampleTSpec()))
		case 1:
			fs, err := ParseFlowspecBody(b)
			if err != nil {
				return
			}
			b2, err := AppendFlowspecBody(nil, fs)
			if err != nil {
				t.Fatalf("flowspec %v does not re-encode: %v", fs, err)
			}
			if fs2, err := ParseFlowspecBody(b2); err != nil || fs2 != fs {
				t.Fatalf("flowspec round trip: %v %v %v", fs, fs2, err)
			}
			if lub, ok := fs.LUB(*gsFlowspec(5)); ok && !lub.Covers(fs) {
				t.Fatalf("LUB %v does not cover %v", lub, fs)
			}
			_, _ = Compare(fs, *clFlowspec(3))
		case 2:
			a, err := ParseAdspecBody(b)
			if err != nil {
				return
			}
			b2, err := AppendAdspecBody(nil, a)
			if err != nil {
				t.Fatalf("adspec does not re-encode: %v", err)
			}
			a2, err := ParseAdspecBody(b2)
			if err != nil || !reflect.DeepEqual(a, a2) {
				t.Fatalf("adspec round trip: %v\n%#v\n%#v", err, a, a2)
			}
			c := a.Compose(LocalCharacterization{Bandwidth: 1e6, Latency: 10, MTU: 1500, Guaranteed: true, C: 1, D: 1})
			if _, err := AppendAdspecBody(nil, c); err != nil {
				t.Fatalf("composed adspec does not encode: %v", err)
			}
		}
	})
}
