package wire

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math/rand/v2"
	"runtime"
	"testing"
	"unsafe"
)

func TestAppendData(t *testing.T) {
	got := AppendData([]byte("pre"), []byte("hello"))
	want := []byte{'p', 'r', 'e', 0, 0, 0, 5, 'h', 'e', 'l', 'l', 'o'}
	if !bytes.Equal(got, want) {
		t.Fatalf("AppendData = % x, want % x", got, want)
	}
	if got := AppendHeader(nil, 0x01020304); !bytes.Equal(got, []byte{1, 2, 3, 4}) {
		t.Fatalf("AppendHeader = % x", got)
	}
}

func TestAppendControl(t *testing.T) {
	cases := []struct {
		cmd  Command
		arg  uint16
		want []byte
	}{
		{CmdOpen, 1, []byte{0, 0, 0, 0, 0, 0, 0, 1}},
		{CmdClose, CloseTooLarge, []byte{0, 0, 0, 0, 0, 1, 0, 3}},
		{Command(0xabcd), 0x1234, []byte{0, 0, 0, 0, 0xab, 0xcd, 0x12, 0x34}},
	}
	for _, c := range cases {
		got := AppendControl(nil, c.cmd, c.arg)
		if !bytes.Equal(got, c.want) || len(got) != ControlPacketLen {
			t.Errorf("AppendControl(%v, %d) = % x, want % x", c.cmd, c.arg, got, c.want)
		}
		cmd, arg := ParseControl(got[HeaderLen:])
		if cmd != c.cmd || arg != c.arg {
			t.Errorf("ParseControl round trip: %v %d", cmd, arg)
		}
	}
}

func TestCommandString(t *testing.T) {
	for c, want := range map[Command]string{CmdOpen: "open", CmdClose: "close", 2: "command(2)", 0xffff: "command(65535)"} {
		if c.String() != want {
			t.Errorf("%d.String() = %q, want %q", uint16(c), c.String(), want)
		}
	}
}

func TestDecodeWhole(t *testing.T) {
	var in []byte
	in = AppendData(in, []byte("abc"))
	in = AppendControl(in, CmdClose, CloseShutdown)
	in = AppendData(in, []byte{0})
	var d Decoder
	f, n, ok, err := d.Next(in)
	if err != nil || !ok || n != 7 || f.Kind != KindData || string(f.Data) != "abc" {
		t.Fatalf("first: %+v %d %v %v", f, n, ok, err)
	}
	in = in[n:]
	f, n, ok, err = d.Next(in)
	if err != nil || !ok || n != 8 || !framesEqual(f, Frame{Kind: KindControl, Command: CmdClose, Arg: CloseShutdown}) {
		t.Fatalf("second: %+v %d %v %v", f, n, ok, err)
	}
	in = in[n:]
	f, n, ok, err = d.Next(in)
	if err != nil || !ok || n != 5 || f.Kind != KindData || !bytes.Equal(f.Data, []byte{0}) {
		t.Fatalf("third: %+v %d %v %v", f, n, ok, err)
	}
	if f, n, ok, err = d.Next(nil); ok || n != 0 || err != nil {
		t.Fatalf("empty input: %+v %d %v %v", f, n, ok, err)
	}
	if d.Buffered() != 0 {
		t.Fatalf("Buffered %d after whole packets", d.Buffered())
	}
}

// A packet that lies wholly in the input is handed out without copying, and
// its capacity ends with it so that appending cannot overwrite what follows.
func TestDecodeZeroCopy(t *testing.T) {
	in := AppendData(nil, []byte("payload"))
	in = AppendData(in, []byte("next"))
	var d Decoder
	f, n, ok, err := d.Next(in)
	if !ok || err != nil {
		t.Fatal(ok, err)
	}
	if &f.Data[0] != &in[HeaderLen] {
		t.Fatal("frame data was copied although the packet lay wholly in the input")
	}
	if cap(f.Data) != len(f.Data) {
		t.Fatalf("cap %d > len %d: appending would clobber the next packet", cap(f.Data), len(f.Data))
	}
	_ = append(f.Data, 'X')
	f, _, ok, err = d.Next(in[n:])
	if !ok || err != nil || string(f.Data) != "next" {
		t.Fatalf("next packet: %q %v %v", f.Data, ok, err)
	}

	// Header in one piece, the whole body in the next: still no copy.
	var d2 Decoder
	pkt := AppendData(nil, []byte("body"))
	if _, n, ok, err := d2.Next(pkt[:2]); ok || err != nil || n != 2 {
		t.Fatal(n, ok, err)
	}
	if _, n, ok, err := d2.Next(pkt[2:4]); ok || err != nil || n != 2 {
		t.Fatal(n, ok, err)
	}
	rest := pkt[4:]
	f, n, ok, err = d2.Next(rest)
	if !ok || err != nil || n != 4 || string(f.Data) != "body" {
		t.Fatal(f, n, ok, err)
	}
	if &f.Data[0] != &rest[0] || cap(f.Data) != 4 {
		t.Fatal("body wholly in the input was copied or has spare capacity")
	}
}

// A packet split over calls is assembled in the decoder's own memory, so it
// does not depend on the caller's earlier buffers.
func TestDecodeSplitCopies(t *testing.T) {
	pkt := AppendData(nil, []byte("0123456789"))
	first := bytes.Clone(pkt[:9])
	var d Decoder
	if _, n, ok, err := d.Next(first); ok || err != nil || n != 9 {
		t.Fatal(n, ok, err)
	}
	if d.Buffered() != 9 {
		t.Fatalf("Buffered %d, want 9", d.Buffered())
	}
	for i := range first {
		first[i] = 'Z' // the caller reuses its buffer
	}
	f, n, ok, err := d.Next(pkt[9:])
	if !ok || err != nil || n != len(pkt)-9 || string(f.Data) != "0123456789" {
		t.Fatalf("%q %d %v %v", f.Data, n, ok, err)
	}
}

func TestBuffered(t *testing.T) {
	var in []byte
	in = AppendData(in, []byte("hello"))
	in = AppendControl(in, CmdOpen, 1)
	// Octets held after feeding in[:i] one at a time, frame boundaries at 9 and 17.
	var d Decoder
	for i, b := range in {
		_, n, ok, err := d.Next([]byte{b})
		if n != 1 || err != nil {
			t.Fatalf("octet %d: n=%d err=%v", i, n, err)
		}
		want := i + 1
		if i >= 9 {
			want = i + 1 - 9
		}
		if ok {
			want = 0
		}
		if ok != (i == 8 || i == 16) {
			t.Fatalf("octet %d: ok=%v", i, ok)
		}
		if got := d.Buffered(); got != want {
			t.Fatalf("after octet %d: Buffered %d, want %d", i, got, want)
		}
	}
}

func TestDecodeMaxSize(t *testing.T) {
	for _, split := range []bool{false, true} {
		d := Decoder{Max: 10}
		feed := func(p []byte) (Frame, bool, error) {
			if !split {
				f, n, ok, err := d.Next(p)
				if err == nil && n != len(p) {
					t.Fatalf("n=%d of %d", n, len(p))
				}
				return f, ok, err
			}
			var f Frame
			var ok bool
			for i := range p {
				var err error
				f, _, ok, err = d.Next(p[i : i+1])
				if err != nil {
					return f, ok, err
				}
				if ok {
					f.Data = bytes.Clone(f.Data)
				}
			}
			return f, ok, nil
		}
		f, ok, err := feed(AppendData(nil, bytes.Repeat([]byte{7}, 10)))
		if err != nil || !ok || len(f.Data) != 10 {
			t.Fatalf("split=%v: packet at the maximum refused: %v %v", split, ok, err)
		}
		_, ok, err = feed(AppendData(nil, bytes.Repeat([]byte{7}, 11)))
		if !errors.Is(err, ErrTooLarge) || ok {
			t.Fatalf("split=%v: packet over the maximum: %v %v", split, ok, err)
		}
	}
}

func TestDecodeDefaultMax(t *testing.T) {
	var d Decoder // zero value: DefaultMaxPacket
	hdr := AppendHeader(nil, DefaultMaxPacket)
	if _, n, ok, err := d.Next(hdr); err != nil || ok || n != 4 {
		t.Fatalf("header of a maximum-size packet: %d %v %v", n, ok, err)
	}
	var d2 Decoder
	_, _, _, err := d2.Next(AppendHeader(nil, DefaultMaxPacket+1))
	if !errors.Is(err, ErrTooLarge) {
		t.Fatalf("header over DefaultMaxPacket: %v", err)
	}
	var d3 Decoder
	_, _, _, err = d3.Next([]byte{0xff, 0xff, 0xff, 0xff, 1, 2, 3, 4, 5})
	if !errors.Is(err, ErrTooLarge) {
		t.Fatalf("length 2^32-1: %v", err)
	}
}

// The decoder must not trust a length field with memory: a header claiming
// the maximum followed by a trickle of octets costs only what arrived.
func TestDecodeNoUpfrontAllocation(t *testing.T) {
	d := Decoder{Max: 1 << 30}
	var ms0, ms1 runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms0)
	if _, _, _, err := d.Next(AppendHeader(nil, 1<<30)); err != nil {
		t.Fatal(err)
	}
	chunk := make([]byte, 100)
	for range 10 {
		if _, _, ok, err := d.Next(chunk); ok || err != nil {
			t.Fatal(ok, err)
		}
	}
	runtime.ReadMemStats(&ms1)
	if grew := ms1.TotalAlloc - ms0.TotalAlloc; grew > 1<<20 {
		t.Fatalf("allocated %d octets for 1000 received", grew)
	}
	if cap(d.body) > 4096 {
		t.Fatalf("assembly buffer has capacity %d for 1000 octets", cap(d.body))
	}
	if d.Buffered() != HeaderLen+1000 {
		t.Fatalf("Buffered %d", d.Buffered())
	}
}

// A large packet assembled across calls does not pin its buffer afterwards.
func TestDecodeReleasesLargeBuffer(t *testing.T) {
	pkt := AppendData(nil, bytes.Repeat([]byte{1}, 200<<10))
	var d Decoder
	if _, _, ok, _ := d.Next(pkt[:100]); ok {
		t.Fatal("complete too early")
	}
	f, _, ok, err := d.Next(pkt[100:])
	if !ok || err != nil || len(f.Data) != 200<<10 {
		t.Fatal(ok, err)
	}
	if d.body != nil {
		t.Fatalf("decoder kept a %d-octet buffer", cap(d.body))
	}
	// A small packet's buffer is kept for reuse.
	small := AppendData(nil, []byte("small"))
	d.Next(small[:6])
	if _, _, ok, _ := d.Next(small[6:]); !ok || d.body == nil {
		t.Fatal("small assembly buffer not kept")
	}
}

// randomFrames builds n frames, mostly small, a few up to maxLen octets.
func randomFrames(r *rand.Rand, n, maxLen int) []Frame {
	fs := make([]Frame, n)
	for i := range fs {
		switch r.IntN(6) {
		case 0:
			fs[i] = Frame{Kind: KindControl, Command: Command(r.IntN(3)), Arg: uint16(r.Uint32())}
		case 1:
			data := make([]byte, 1+r.IntN(maxLen))
			for j := range data {
				data[j] = byte(r.Uint32())
			}
			fs[i] = Frame{Kind: KindData, Data: data}
		default:
			data := make([]byte, 1+r.IntN(min(16, maxLen)))
			for j := range data {
				data[j] = byte(r.Uint32())
			}
			fs[i] = Frame{Kind: KindData, Data: data}
		}
	}
	return fs
}

func encode(fs []Frame) []byte {
	var b []byte
	for _, f := range fs {
		if f.Kind == KindControl {
			b = AppendControl(b, f.Command, f.Arg)
		} else {
			b = AppendData(b, f.Data)
		}
	}
	return b
}

func framesEqual(a, b Frame) bool {
	return a.Kind == b.Kind && a.Command == b.Command && a.Arg == b.Arg && bytes.Equal(a.Data, b.Data)
}

// Property: any sequence of frames, encoded and cut into pieces anywhere,
// decodes back to the same sequence.
func TestDecodeRandomSplits(t *testing.T) {
	r := rand.New(rand.NewPCG(20240601, 1)) // fixed: the test is reproducible
	for iter := range 300 {
		maxLen := 1 + r.IntN(3000)
		want := randomFrames(r, r.IntN(40), maxLen)
		stream := encode(want)
		d := Decoder{Max: maxLen}
		var got []Frame
		mode := iter % 4
		for off := 0; off < len(stream); {
			var size int
			switch mode {
			case 0:
				size = 1 // byte at a time
			case 1:
				size = 1 + r.IntN(8) // around header boundaries
			case 2:
				size = 1 + r.IntN(len(stream)) // anywhere
			default:
				size = len(stream) // whole
			}
			piece := stream[off:min(off+size, len(stream))]
			off += len(piece)
			for len(piece) > 0 {
				f, n, ok, err := d.Next(piece)
				if err != nil {
					t.Fatalf("iter %d: %v", iter, err)
				}
				if n <= 0 || n > len(piece) {
					t.Fatalf("iter %d: consumed %d of %d", iter, n, len(piece))
				}
				piece = piece[n:]
				if ok {
					f.Data = bytes.Clone(f.Data)
					got = append(got, f)
				}
			}
		}
		if len(got) != len(want) {
			t.Fatalf("iter %d (mode %d): %d frames, want %d", iter, mode, len(got), len(want))
		}
		for i := range want {
			if !framesEqual(got[i], want[i]) {
				t.Fatalf("iter %d (mode %d): frame %d = %+v, want %+v", iter, mode, i, got[i], want[i])
			}
		}
		if d.Buffered() != 0 {
			t.Fatalf("iter %d: Buffered %d at the end", iter, d.Buffered())
		}
	}
}

// decodeResult is what decoding a stream produced.
type decodeResult struct {
	frames []Frame
	errAt  int // stream offset of the packet that failed, -1 if none
	err    error
	held   int // Buffered() at the end
}

// decodeChunks feeds in to a fresh decoder in pieces whose sizes next
// chooses, checks the decoder's invariants after every call and returns
// what it decoded.
func decodeChunks(t *testing.T, maxLen int, in []byte, next func(left int) int) decodeResult {
	t.Helper()
	d := Decoder{Max: maxLen}
	lim := d.max()
	res := decodeResult{errAt: -1}
	fed := 0
	for fed < len(in) {
		piece := in[fed : fed+next(len(in)-fed)]
		for len(piece) > 0 {
			f, n, ok, err := d.Next(piece)
			if n < 0 || n > len(piece) {
				t.Fatalf("consumed %d of %d", n, len(piece))
			}
			fed += n
			piece = piece[n:]
			if err != nil {
				if !errors.Is(err, ErrTooLarge) || ok {
					t.Fatalf("unexpected error %v (ok=%v)", err, ok)
				}
				// The failing packet starts where the decoder's own buffer does.
				res.err, res.errAt = err, fed-d.Buffered()
				return res
			}
			if !ok && len(piece) != 0 {
				t.Fatalf("no frame yet %d octets left unconsumed", len(piece))
			}
			if ok {
				if n == 0 {
					t.Fatal("frame from zero octets")
				}
				switch f.Kind {
				case KindData:
					if len(f.Data) < 1 || len(f.Data) > lim {
						t.Fatalf("data frame of %d octets, maximum %d", len(f.Data), lim)
					}
				case KindControl:
					if f.Data != nil {
						t.Fatal("control frame carries data")
					}
				default:
					t.Fatalf("frame of kind %d", f.Kind)
				}
				f.Data = bytes.Clone(f.Data)
				res.frames = append(res.frames, f)
			}
			if b := d.Buffered(); b < 0 || b > fed || b > HeaderLen+max(lim, ControlLen) {
				t.Fatalf("Buffered %d after %d octets", b, fed)
			}
			// Memory follows what arrived, never what a length field claims.
			if c := cap(d.body); c > 2*fed+4096 {
				t.Fatalf("assembly buffer of %d octets after %d received", c, fed)
			}
		}
	}
	res.held = d.Buffered()
	return res
}

// reference decodes in by the letter of the format, all at once.
func reference(maxLen int, in []byte) decodeResult {
	if maxLen <= 0 {
		maxLen = DefaultMaxPacket
	}
	res := decodeResult{errAt: -1}
	off := 0
	for len(in)-off >= HeaderLen {
		l := binary.BigEndian.Uint32(in[off:])
		if l > uint32(maxLen) {
			res.errAt = off
			res.err = ErrTooLarge
			return res
		}
		body := int(l)
		if l == 0 {
			body = ControlLen
		}
		if len(in)-off-HeaderLen < body {
			break
		}
		p := in[off+HeaderLen : off+HeaderLen+body]
		if l == 0 {
			cmd, arg := ParseControl(p)
			res.frames = append(res.frames, Frame{Kind: KindControl, Command: cmd, Arg: arg})
		} else {
			res.frames = append(res.frames, Frame{Kind: KindData, Data: bytes.Clone(p)})
		}
		off += HeaderLen + body
	}
	res.held = len(in) - off
	return res
}

func sameResult(t *testing.T, what string, got, want decodeResult) {
	t.Helper()
	if len(got.frames) != len(want.frames) {
		t.Fatalf("%s: %d frames, want %d", what, len(got.frames), len(want.frames))
	}
	for i := range want.frames {
		if !framesEqual(got.frames[i], want.frames[i]) {
			t.Fatalf("%s: frame %d = %+v, want %+v", what, i, got.frames[i], want.frames[i])
		}
	}
	if (got.err == nil) != (want.err == nil) || got.errAt != want.errAt {
		t.Fatalf("%s: error %v at %d, want %v at %d", what, got.err, got.errAt, want.err, want.errAt)
	}
	if want.err == nil && got.held != want.held {
		t.Fatalf("%s: holds %d octets at the end, want %d", what, got.held, want.held)
	}
}

func FuzzDecoder(f *testing.F) {
	f.Add(uint16(0), uint64(0), []byte{})
	f.Add(uint16(0), uint64(1), []byte{0, 0, 0, 0, 0, 0, 0, 1})
	f.Add(uint16(0), uint64(2), AppendData(AppendControl(nil, CmdOpen, 1), []byte("hello")))
	f.Add(uint16(5), uint64(3), AppendData(AppendData(nil, []byte("12345")), []byte("123456")))
	f.Add(uint16(0), uint64(4), []byte{0xff, 0xff, 0xff, 0xff, 0, 0})
	f.Add(uint16(0), uint64(5), []byte{0, 0, 0, 3, 'a', 'b'})
	f.Add(uint16(1), uint64(6), []byte{0, 0, 0, 1, 'x', 0, 0, 0, 0, 0, 1, 0, 3, 0, 0})
	f.Add(uint16(0), uint64(7), []byte{0, 0x00, 0x01, 0x00, 0xaa})
	f.Add(uint16(64), uint64(8), encode(randomFrames(rand.New(rand.NewPCG(1, 2)), 20, 64)))
	f.Fuzz(func(t *testing.T, maxLen uint16, seed uint64, in []byte) {
		want := reference(int(maxLen), in)
		whole := decodeChunks(t, int(maxLen), in, func(left int) int { return left })
		sameResult(t, "whole", whole, want)
		bytewise := decodeChunks(t, int(maxLen), in, func(int) int { return 1 })
		sameResult(t, "byte by byte", bytewise, want)
		r := rand.New(rand.NewPCG(seed, seed>>32))
		chunked := decodeChunks(t, int(maxLen), in, func(left int) int { return 1 + r.IntN(left) })
		sameResult(t, "random pieces", chunked, want)
	})
}

// Frames handed out without copying end with their data: one frame's
// capacity never reaches into the next packet of the same input.
func TestFramesDoNotOverlapInput(t *testing.T) {
	in := encode([]Frame{{Kind: KindData, Data: []byte("aa")}, {Kind: KindData, Data: []byte("bb")}})
	var d Decoder
	f1, n, _, _ := d.Next(in)
	f2, _, _, _ := d.Next(in[n:])
	end1 := uintptr(unsafe.Pointer(&f1.Data[0])) + uintptr(cap(f1.Data))
	if end1 > uintptr(unsafe.Pointer(&f2.Data[0])) {
		t.Fatal("first frame's capacity reaches into the second")
	}
}
