package wire

import (
	"bytes"
	"errors"
	"reflect"
	"testing"
)

// encode re-encodes a decoded packet frame by frame, in the order Packet
// groups them (frame order carries no meaning).
func encode(p *Packet) []byte {
	b := AppendHeader(nil, p.Header)
	if p.Ping {
		b = AppendPing(b)
	}
	for _, a := range p.Acks {
		b = AppendAck(b, a)
	}
	for _, h := range p.Connects {
		b = AppendConnect(b, h)
	}
	for _, h := range p.Accepts {
		b = AppendAccept(b, h)
	}
	for _, h := range p.Confirms {
		b = AppendConfirm(b, h)
	}
	for _, c := range p.Closes {
		b = AppendClose(b, c)
	}
	for _, f := range p.ADUs {
		b = AppendADU(b, f)
	}
	for _, a := range p.Abandons {
		b = AppendAbandon(b, a)
	}
	for _, c := range p.Blocked {
		b = AppendBlocked(b, c)
	}
	for _, c := range p.Credits {
		b = AppendCredit(b, c)
	}
	return AppendPadding(b, p.Padding)
}

var testHeader = Header{SrcTag: 0x01020304, DstTag: 0xa0b0c0d0, Number: 7}

// packet builds a packet of testHeader followed by frames.
func packet(frames ...[]byte) []byte {
	b := AppendHeader(nil, testHeader)
	for _, f := range frames {
		b = append(b, f...)
	}
	return b
}

func decode(t *testing.T, b []byte) *Packet {
	t.Helper()
	var p Packet
	if err := p.Decode(b); err != nil {
		t.Fatalf("Decode(%x): %v", b, err)
	}
	return &p
}

func TestHeaderGolden(t *testing.T) {
	tests := []struct {
		h    Header
		want []byte
	}{
		{Header{SrcTag: 0x01020304, DstTag: 0, Number: 1},
			[]byte{0x57, 0x01, 0x01, 0x02, 0x03, 0x04, 0x00, 0x00, 0x00, 0x00, 0x01}},
		{Header{SrcTag: 0xdeadbeef, DstTag: 0x00000001, Number: 0x1234},
			[]byte{0x57, 0x01, 0xde, 0xad, 0xbe, 0xef, 0x00, 0x00, 0x00, 0x01, 0x52, 0x34}},
	}
	for _, tc := range tests {
		got := AppendHeader(nil, tc.h)
		if !bytes.Equal(got, tc.want) {
			t.Errorf("AppendHeader(%+v) = %x, want %x", tc.h, got, tc.want)
		}
		if HeaderLen(tc.h) != len(tc.want) {
			t.Errorf("HeaderLen(%+v) = %d, want %d", tc.h, HeaderLen(tc.h), len(tc.want))
		}
		p := decode(t, append(got, byte(FramePing)))
		if p.Header != tc.h || !p.Ping {
			t.Errorf("decoded %+v, want %+v with PING", p.Header, tc.h)
		}
	}
	if n := HeaderLen(Header{Number: MaxVarint}); n != MaxHeaderLen {
		t.Errorf("longest header %d, want MaxHeaderLen %d", n, MaxHeaderLen)
	}
}

func TestAckGolden(t *testing.T) {
	// Acknowledges 10-12, 5-7 and 1; 8-9 and 2-4 are missing.
	a := Ack{Delay: 100, Ranges: []AckRange{{10, 12}, {5, 7}, {1, 1}}}
	want := []byte{
		0x02,       // type
		0x0c,       // largest 12
		0x40, 0x64, // delay 100 (2-byte varint)
		0x02, // range count: 2 more ranges
		0x02, // first range: 11, 10 below 12
		0x01, // gap: skip 2 (9, 8)
		0x02, // range: 3 numbers (7, 6, 5)
		0x02, // gap: skip 3 (4, 3, 2)
		0x00, // range: 1 number (1)
	}
	got := AppendAck(nil, a)
	if !bytes.Equal(got, want) {
		t.Fatalf("AppendAck = %x, want %x", got, want)
	}
	if AckLen(a) != len(want) {
		t.Errorf("AckLen = %d, want %d", AckLen(a), len(want))
	}
	p := decode(t, packet(want))
	if len(p.Acks) != 1 || !reflect.DeepEqual(p.Acks[0], a) {
		t.Errorf("decoded %+v, want %+v", p.Acks, a)
	}
	if p.AckEliciting() {
		t.Error("ACK-only packet is ack-eliciting")
	}
}

func TestADUGolden(t *testing.T) {
	f := ADU{Ref: 300, ID: 2, Flags: ADUReliable | ADUUrgent, Total: 5, Offset: 2, Data: []byte("abc")}
	want := []byte{
		0x10,       // type
		0x41, 0x2c, // ref 300
		0x02,             // ADU id 2
		0x30,             // flags R|U
		0x05,             // total 5
		0x02,             // offset 2
		0x03,             // length 3
		0x61, 0x62, 0x63, // "abc"
	}
	got := AppendADU(nil, f)
	if !bytes.Equal(got, want) {
		t.Fatalf("AppendADU = %x, want %x", got, want)
	}
	if n := ADUHeaderLen(f.Ref, f.ID, f.Total, f.Offset, 3); n != len(want)-3 {
		t.Errorf("ADUHeaderLen = %d, want %d", n, len(want)-3)
	}
	if ADULen(f) != len(want) {
		t.Errorf("ADULen = %d, want %d", ADULen(f), len(want))
	}
	b := packet(want)
	p := decode(t, b)
	if len(p.ADUs) != 1 || !reflect.DeepEqual(p.ADUs[0], f) {
		t.Fatalf("decoded %+v, want %+v", p.ADUs, f)
	}
	if &p.ADUs[0].Data[0] != &b[len(b)-3] {
		t.Error("ADU data does not alias the packet")
	}
}

func TestHandshakeGolden(t *testing.T) {
	h := Handshake{ID: 1, Flags: FlagNoDup, Nonce: 0x0102030405060708}
	nonce := []byte{1, 2, 3, 4, 5, 6, 7, 8}
	for _, tc := range []struct {
		t    FrameType
		enc  func([]byte, Handshake) []byte
		want []byte
	}{
		{FrameConnect, AppendConnect, append([]byte{0x03, 0x01, 0x01}, nonce...)},
		{FrameAccept, AppendAccept, append([]byte{0x04, 0x01, 0x01}, nonce...)},
		{FrameConfirm, AppendConfirm, append([]byte{0x05, 0x01}, nonce...)},
	} {
		got := tc.enc(nil, h)
		if !bytes.Equal(got, tc.want) {
			t.Errorf("type %#x: %x, want %x", tc.t, got, tc.want)
		}
		if HandshakeLen(tc.t, h) != len(tc.want) {
			t.Errorf("HandshakeLen(%#x) = %d, want %d", tc.t, HandshakeLen(tc.t, h), len(tc.want))
		}
	}
}

// allFrames returns one of every frame type with a wide spread of values,
// and the Packet it decodes to (under testHeader).
func allFrames() ([][]byte, *Packet) {
	big := uint64(MaxVarint)
	want := &Packet{
		Header:  testHeader,
		Ping:    true,
		Padding: 3,
		Acks: []Ack{
			{Delay: 0, Ranges: []AckRange{{1, 1}}},
			{Delay: big, Ranges: []AckRange{{big - 5, big}, {0, big - 7}}},
			{Delay: 25, Ranges: []AckRange{{100, 1000}, {50, 98}, {2, 3}}},
		},
		Connects: []Handshake{{ID: 1, Flags: 0, Nonce: 42}, {ID: big, Flags: FlagNoDup, Nonce: ^uint64(0)}},
		Accepts:  []Handshake{{ID: 64, Flags: FlagNoDup, Nonce: 0}},
		Confirms: []Handshake{{ID: 16384, Nonce: 99}},
		Closes:   []Close{{Ref: 3, Code: CloseProtocol}, {Ref: big, Code: big}},
		ADUs: []ADU{
			{Ref: 2, ID: 0, Flags: 0, Total: 0, Offset: 0, Data: []byte{}},
			{Ref: 3, ID: big, Flags: ADUReliable, Total: MaxADULength, Offset: MaxADULength - 4, Data: []byte("tail")},
			{Ref: 5, ID: 7, Flags: ADUUrgent, Total: 1, Offset: 0, Data: []byte{0}},
		},
		Abandons: []Abandon{{Ref: 3, ID: 9}, {Ref: big, ID: big}},
		Credits:  []Credit{{Ref: 2, Limit: 16<<20 + 64<<10}, {Ref: big, Limit: big}},
		Blocked:  []Credit{{Ref: 3, Limit: 17 << 20}},
	}
	// Interleave the frames so that grouping by type is exercised.
	var frames [][]byte
	frames = append(frames, AppendPadding(nil, 1), AppendAck(nil, want.Acks[0]), AppendADU(nil, want.ADUs[0]),
		AppendConnect(nil, want.Connects[0]), AppendPing(nil), AppendCredit(nil, want.Credits[0]),
		AppendAck(nil, want.Acks[1]), AppendClose(nil, want.Closes[0]), AppendADU(nil, want.ADUs[1]),
		AppendAbandon(nil, want.Abandons[0]), AppendAccept(nil, want.Accepts[0]), AppendConfirm(nil, want.Confirms[0]),
		AppendConnect(nil, want.Connects[1]), AppendPadding(nil, 1), AppendClose(nil, want.Closes[1]),
		AppendADU(nil, want.ADUs[2]), AppendAbandon(nil, want.Abandons[1]), AppendCredit(nil, want.Credits[1]),
		AppendAck(nil, want.Acks[2]), AppendBlocked(nil, want.Blocked[0]), AppendPadding(nil, 1))
	return frames, want
}

func TestRoundTripMixed(t *testing.T) {
	frames, want := allFrames()
	p := decode(t, packet(frames...))
	if !reflect.DeepEqual(p, want) {
		t.Fatalf("decoded\n%+v\nwant\n%+v", p, want)
	}
	if !p.AckEliciting() {
		t.Error("not ack-eliciting")
	}
	q := decode(t, encode(p))
	if !reflect.DeepEqual(q, want) {
		t.Fatalf("re-encoded\n%+v\nwant\n%+v", q, want)
	}
}

func TestRoundTripEachFrame(t *testing.T) {
	frames, _ := allFrames()
	lens := map[FrameType]func(p *Packet) int{
		FrameAck:     func(p *Packet) int { return AckLen(p.Acks[0]) },
		FrameConnect: func(p *Packet) int { return HandshakeLen(FrameConnect, p.Connects[0]) },
		FrameAccept:  func(p *Packet) int { return HandshakeLen(FrameAccept, p.Accepts[0]) },
		FrameConfirm: func(p *Packet) int { return HandshakeLen(FrameConfirm, p.Confirms[0]) },
		FrameClose:   func(p *Packet) int { return CloseLen(p.Closes[0]) },
		FrameADU:     func(p *Packet) int { return ADULen(p.ADUs[0]) },
		FrameAbandon: func(p *Packet) int { return AbandonLen(p.Abandons[0]) },
		FrameCredit:  func(p *Packet) int { return CreditLen(p.Credits[0]) },
		FrameBlocked: func(p *Packet) int { return CreditLen(p.Blocked[0]) },
		FramePing:    func(p *Packet) int { return 1 },
		FramePadding: func(p *Packet) int { return p.Padding },
	}
	for _, f := range frames {
		p := decode(t, packet(f))
		if n := lens[FrameType(f[0])](p); n != len(f) {
			t.Errorf("frame %x: Len %d, want %d", f, n, len(f))
		}
		if got := encode(p); !bytes.Equal(got, packet(f)) {
			t.Errorf("frame %x re-encoded as %x", f, got[HeaderLen(testHeader):])
		}
		if want := FrameType(f[0]) != FrameAck && FrameType(f[0]) != FramePadding; p.AckEliciting() != want {
			t.Errorf("frame %x: AckEliciting %v", f, !want)
		}
	}
}

func TestAckRangeLimit(t *testing.T) {
	// 40 ranges: every other number from 200 down.
	var a Ack
	for i := 0; i < 40; i++ {
		n := uint64(200 - 2*i)
		a.Ranges = append(a.Ranges, AckRange{n, n})
	}
	b := AppendAck(nil, a)
	if AckLen(a) != len(b) {
		t.Errorf("AckLen = %d, want %d", AckLen(a), len(b))
	}
	p := decode(t, packet(b))
	if got := p.Acks[0].Ranges; !reflect.DeepEqual(got, a.Ranges[:MaxAckRanges]) {
		t.Errorf("decoded %v, want the highest %d ranges", got, MaxAckRanges)
	}
}

func TestEncoderPanics(t *testing.T) {
	for name, f := range map[string]func(){
		"number":     func() { AppendHeader(nil, Header{SrcTag: 1, Number: 1 << 62}) },
		"ack empty":  func() { AppendAck(nil, Ack{}) },
		"ack order":  func() { AppendAck(nil, Ack{Ranges: []AckRange{{1, 2}, {5, 6}}}) },
		"ack touch":  func() { AppendAck(nil, Ack{Ranges: []AckRange{{5, 6}, {3, 4}}}) },
		"ack rev":    func() { AppendAck(nil, Ack{Ranges: []AckRange{{6, 5}}}) },
		"ack delay":  func() { AppendAck(nil, Ack{Delay: 1 << 62, Ranges: []AckRange{{1, 1}}}) },
		"adu ref":    func() { AppendADU(nil, ADU{Ref: 1 << 62}) },
		"credit":     func() { AppendCredit(nil, Credit{Limit: 1 << 62}) },
		"close":      func() { AppendClose(nil, Close{Code: 1 << 62}) },
		"abandon":    func() { AppendAbandon(nil, Abandon{ID: 1 << 62}) },
		"handshake":  func() { AppendConnect(nil, Handshake{ID: 1 << 62}) },
		"ack len":    func() { AckLen(Ack{}) },
		"credit len": func() { CreditLen(Credit{Ref: 1 << 62}) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", name)
				}
			}()
			f()
		}()
	}
}

// v is shorthand for a varint's encoding.
func v(x uint64) []byte { return AppendVarint(nil, x) }

func cat(parts ...[]byte) []byte {
	var b []byte
	for _, p := range parts {
		b = append(b, p...)
	}
	return b
}

func TestDecodeMalformed(t *testing.T) {
	hdr := packet()
	nonce := make([]byte, 8)
	adu := func(flags byte, total, offset, length uint64, data []byte) []byte {
		return cat([]byte{0x10}, v(1), v(0), []byte{flags}, v(total), v(offset), v(length), data)
	}
	ack := func(largest, count, first uint64, pairs ...uint64) []byte {
		b := cat([]byte{0x02}, v(largest), v(0), v(count), v(first))
		for _, x := range pairs {
			b = append(b, v(x)...)
		}
		return b
	}
	tests := []struct {
		name string
		b    []byte
		err  error
	}{
		{"empty", nil, ErrShort},
		{"magic", []byte{0x58, 0x01, 0, 0, 0, 1, 0, 0, 0, 0, 1, 1}, ErrMagic},
		{"magic only", []byte{0x57}, ErrShort},
		{"version 0", []byte{0x57, 0x00, 0, 0, 0, 1, 0, 0, 0, 0, 1, 1}, ErrVersion},
		{"version 2", []byte{0x57, 0x02, 0, 0, 0, 1, 0, 0, 0, 0, 1, 1}, ErrVersion},
		{"short tags", []byte{0x57, 0x01, 0, 0, 0, 1, 0, 0, 0}, ErrShort},
		{"no number", []byte{0x57, 0x01, 0, 0, 0, 1, 0, 0, 0, 0}, ErrShort},
		{"short number", []byte{0x57, 0x01, 0, 0, 0, 1, 0, 0, 0, 0, 0x40}, ErrShort},
		{"source tag 0", []byte{0x57, 0x01, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1}, ErrInvalid},
		{"number 0", []byte{0x57, 0x01, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1}, ErrInvalid},
		{"number 0 long", []byte{0x57, 0x01, 0, 0, 0, 1, 0, 0, 0, 0, 0x80, 0, 0, 0, 1}, ErrInvalid},
		{"no frames", hdr, ErrEmpty},
		{"unknown type 0x07", packet([]byte{0x07}), ErrFrameType},
		{"unknown type 0x14", packet([]byte{0x01, 0x14}), ErrFrameType},
		{"truncated BLOCKED", packet([]byte{0x01, 0x13}), ErrShort},
		{"unknown type 0x40", packet([]byte{0x40, 0x02}), ErrFrameType},
		{"unknown after valid", packet(AppendPing(nil), []byte{0xff}), ErrFrameType},

		{"ack first > largest", packet(ack(5, 0, 6)), ErrInvalid},
		{"ack gap underflow", packet(ack(10, 1, 9, 0, 0)), ErrInvalid},          // smallest 1: no room for a gap
		{"ack gap underflow 2", packet(ack(10, 1, 5, 4, 0)), ErrInvalid},        // smallest 5, gap 4: next largest -1
		{"ack range underflow", packet(ack(10, 1, 5, 1, 3)), ErrInvalid},        // next largest 2, range 3
		{"ack range underflow 2", packet(ack(3, 2, 0, 0, 0, 0, 0)), ErrInvalid}, // [3,3], [1,1], then no room,
		{"ack 33 ranges", packet(ack(1000, 32, 0, make([]uint64, 64)...)), ErrInvalid},
		{"ack huge count", packet(ack(1000, MaxVarint, 0)), ErrInvalid},
		{"ack missing pairs", packet(ack(1000, 3, 0, 0, 0)), ErrShort},

		{"connect flags", packet(cat([]byte{0x03}, v(1), []byte{0x02}, nonce)), ErrInvalid},
		{"accept flags", packet(cat([]byte{0x04}, v(1), []byte{0x81}, nonce)), ErrInvalid},

		{"adu flags 0x01", packet(adu(0x01, 1, 0, 1, []byte{9})), ErrInvalid},
		{"adu flags 0x40", packet(adu(0x40, 1, 0, 1, []byte{9})), ErrInvalid},
		{"adu flags 0x80", packet(adu(0x80|ADUReliable, 1, 0, 1, []byte{9})), ErrInvalid},
		{"adu total too big", packet(adu(0, MaxADULength+1, 0, 1, []byte{9})), ErrInvalid},
		{"adu total huge", packet(adu(0, MaxVarint, 0, 1, []byte{9})), ErrInvalid},
		{"adu beyond total", packet(adu(0, 4, 2, 3, []byte{1, 2, 3})), ErrInvalid},
		{"adu offset beyond total", packet(adu(0, 4, 5, 1, []byte{1})), ErrInvalid},
		{"adu offset huge", packet(adu(0, 4, MaxVarint, 1, []byte{1})), ErrInvalid},
		{"adu empty fragment", packet(adu(0, 4, 0, 0, nil)), ErrInvalid},
		{"adu empty fragment at end", packet(adu(0, 4, 4, 0, nil)), ErrInvalid},
		{"adu data beyond packet", packet(adu(0, 10, 0, 5, []byte{1, 2, 3, 4})), ErrShort},
		{"adu length huge", packet(adu(0, 10, 0, MaxVarint, []byte{1})), ErrInvalid},
	}
	var p Packet
	for _, tc := range tests {
		if err := p.Decode(tc.b); !errors.Is(err, tc.err) {
			t.Errorf("%s: Decode(%x) = %v, want %v", tc.name, tc.b, err, tc.err)
		}
	}
}

// TestDecodeTruncated cuts every frame short at every byte and expects
// ErrShort (or, for an ADU cut inside its data, still ErrShort since the
// announced length no longer fits).
func TestDecodeTruncated(t *testing.T) {
	frames, _ := allFrames()
	var p Packet
	for _, f := range frames {
		for i := 1; i < len(f); i++ {
			b := packet(f[:i])
			if err := p.Decode(b); !errors.Is(err, ErrShort) {
				t.Errorf("frame %x cut to %d bytes: %v, want ErrShort", f, i, err)
			}
		}
	}
	full := packet(frames...)
	for i := len(hdr()); i < len(full); i++ {
		if err := p.Decode(full[:i]); err == nil {
			// A cut exactly between frames is a valid shorter packet.
			continue
		} else if !errors.Is(err, ErrShort) && !errors.Is(err, ErrEmpty) {
			t.Errorf("packet cut to %d bytes: %v", i, err)
		}
	}
}

func hdr() []byte { return packet() }

func TestDecodeAccepts(t *testing.T) {
	// Values at the edges of what is valid.
	ack32 := cat([]byte{0x02}, v(1000), v(0), v(31), v(0))
	for i := 0; i < 31; i++ {
		ack32 = append(ack32, 0, 0)
	}
	tests := []struct {
		name string
		b    []byte
	}{
		{"dst tag 0", []byte{0x57, 0x01, 0, 0, 0, 1, 0, 0, 0, 0, 1, 1}},
		{"number max", cat([]byte{0x57, 0x01, 0, 0, 0, 1, 0, 0, 0, 0}, v(MaxVarint), []byte{1})},
		{"number non-shortest", []byte{0x57, 0x01, 0, 0, 0, 1, 0, 0, 0, 0, 0xc0, 0, 0, 0, 0, 0, 0, 1, 1}},
		{"ack 32 ranges", packet(ack32)},
		{"ack down to 0", packet(cat([]byte{0x02}, v(10), v(0), v(1), v(0), v(0), v(8)))},
		{"ack all from 0", packet(cat([]byte{0x02}, v(10), v(0), v(0), v(10)))},
		{"ack non-shortest", packet([]byte{0x02, 0x40, 0x0a, 0x80, 0, 0, 0, 0x40, 0x01, 0x40, 0x00, 0x40, 0x00, 0x40, 0x08})},
		{"handshake flags 0", packet(cat([]byte{0x03}, v(0), []byte{0}, make([]byte, 8)))},
		{"confirm", packet(cat([]byte{0x05}, v(MaxVarint), make([]byte, 8)))},
		{"close any code", packet(cat([]byte{0x06}, v(0), v(MaxVarint)))},
		{"adu empty", packet(cat([]byte{0x10}, v(0), v(0), []byte{0}, v(0), v(0), v(0)))},
		{"adu whole max", packet(cat([]byte{0x10}, v(1), v(1), []byte{0x30}, v(MaxADULength), v(MaxADULength-1), v(1), []byte{7}))},
		{"adu non-shortest", packet([]byte{0x10, 0x40, 0x01, 0x40, 0x00, 0x20, 0x80, 0, 0, 0x02, 0x40, 0x00, 0x40, 0x02, 'h', 'i'})},
	}
	var p Packet
	for _, tc := range tests {
		if err := p.Decode(tc.b); err != nil {
			t.Errorf("%s: Decode(%x): %v", tc.name, tc.b, err)
		}
	}
	if err := p.Decode(tests[len(tests)-1].b); err != nil || string(p.ADUs[0].Data) != "hi" || p.ADUs[0].Total != 2 {
		t.Errorf("non-shortest ADU decoded as %+v, %v", p.ADUs, err)
	}
	if err := p.Decode(tests[6].b); err != nil || !reflect.DeepEqual(p.Acks[0].Ranges, []AckRange{{10, 10}, {0, 8}}) {
		t.Errorf("non-shortest ACK decoded as %+v, %v", p.Acks, err)
	}
}

// TestDecodeReuse checks that a reused Packet holds only the last packet.
func TestDecodeReuse(t *testing.T) {
	frames, want := allFrames()
	var p Packet
	if err := p.Decode(packet(frames...)); err != nil {
		t.Fatal(err)
	}
	small := packet(AppendAck(nil, Ack{Delay: 1, Ranges: []AckRange{{3, 4}}}))
	if err := p.Decode(small); err != nil {
		t.Fatal(err)
	}
	w := Packet{Header: testHeader, Acks: []Ack{{Delay: 1, Ranges: []AckRange{{3, 4}}}}}
	if p.Ping || p.Padding != 0 || len(p.ADUs)+len(p.Connects)+len(p.Credits) != 0 ||
		!reflect.DeepEqual(p.Acks, w.Acks) || p.Header != w.Header {
		t.Fatalf("reused packet holds %+v", p)
	}
	if err := p.Decode(packet(frames...)); err != nil || !reflect.DeepEqual(&p, want) {
		t.Fatalf("second decode %+v, %v", p, err)
	}
}

func TestDecodeAllocs(t *testing.T) {
	frames, _ := allFrames()
	b := packet(frames...)
	var p Packet
	if err := p.Decode(b); err != nil {
		t.Fatal(err)
	}
	if n := testing.AllocsPerRun(100, func() {
		if err := p.Decode(b); err != nil {
			t.Fatal(err)
		}
	}); n != 0 {
		t.Errorf("Decode allocates %v times per run on a warm Packet", n)
	}
}

func FuzzDecode(f *testing.F) {
	frames, _ := allFrames()
	f.Add(packet(frames...))
	for _, fr := range frames {
		f.Add(packet(fr))
	}
	f.Add(packet(AppendAck(nil, Ack{Delay: 100, Ranges: []AckRange{{10, 12}, {5, 7}, {1, 1}}})))
	f.Add([]byte{0x57, 0x01, 0, 0, 0, 1, 0, 0, 0, 0, 1, 1})
	f.Add([]byte{0x57, 0x01, 0, 0, 0, 1, 0, 0, 0, 0, 0xc0, 0, 0, 0, 0, 0, 0, 1, 0x10, 0x40, 0x01, 0x40, 0x00, 0x20, 0x80, 0, 0, 0x02, 0x40, 0x00, 0x40, 0x02, 'h', 'i'})
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		var p Packet
		if err := p.Decode(b); err != nil {
			for _, e := range []error{ErrShort, ErrMagic, ErrVersion, ErrFrameType, ErrInvalid, ErrEmpty} {
				if errors.Is(err, e) {
					return
				}
			}
			t.Fatalf("Decode(%x): error %v wraps no Err value", b, err)
		}
		enc := encode(&p)
		if len(enc) > len(b) {
			t.Fatalf("re-encoding grew %d -> %d bytes", len(b), len(enc))
		}
		var q Packet
		if err := q.Decode(enc); err != nil {
			t.Fatalf("re-encoded %x of %x: %v", enc, b, err)
		}
		if !reflect.DeepEqual(p, q) {
			t.Fatalf("round trip of %x:\n%+v\n%+v", b, p, q)
		}
		// A warm Packet decodes the same.
		if err := q.Decode(b); err != nil || !reflect.DeepEqual(p, q) {
			t.Fatalf("warm decode of %x differs: %v", b, err)
		}
	})
}

func BenchmarkDecode(b *testing.B) {
	frames, _ := allFrames()
	buf := packet(frames...)
	var p Packet
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	for b.Loop() {
		if err := p.Decode(buf); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAppendADU(b *testing.B) {
	data := make([]byte, MaxPacketSize-MaxHeaderLen-ADUHeaderLen(1<<20, 1<<20, MaxADULength, MaxADULength, MaxPacketSize))
	f := ADU{Ref: 1 << 20, ID: 1 << 20, Flags: ADUReliable, Total: MaxADULength, Offset: 1 << 23, Data: data}
	buf := make([]byte, 0, MaxPacketSize)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		buf = AppendADU(buf[:0], f)
	}
}
