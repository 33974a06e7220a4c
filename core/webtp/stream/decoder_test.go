package stream

import (
	"bytes"
	"math/rand"
	"testing"
)

type got struct {
	data  []byte
	flags byte
}

func collect(t testing.TB, d *Decoder, p []byte, out *[]got) error {
	return d.Feed(p, func(data []byte, flags byte) error {
		*out = append(*out, got{append([]byte(nil), data...), flags})
		return nil
	})
}

func chunk(flags byte, data []byte) []byte {
	b := make([]byte, HeaderLen, HeaderLen+len(data))
	PutHeader(b, flags, len(data))
	return append(b, data...)
}

func TestHeader(t *testing.T) {
	var b [4]byte
	PutHeader(b[:], FlagStart|FlagEnd|FlagReliable, 0x123456)
	if b != [4]byte{0xe0, 0x12, 0x34, 0x56} {
		t.Fatalf("header % x", b)
	}
	f, n := ParseHeader(b[:])
	if f != 0xe0 || n != 0x123456 {
		t.Fatal(f, n)
	}
	if !IsLossNotice(LossNotice[:]) || IsLossNotice(b[:]) {
		t.Fatal("loss notice")
	}
	if !IsLossNotice([]byte{FlagReliable, 0, 0, 0}) || IsLossNotice([]byte{FlagStart | FlagEnd, 0, 0, 0}) {
		t.Fatal("loss notice flags")
	}
}

func TestDecoderWhole(t *testing.T) {
	var s []byte
	sizes := []int{0, 1, 1451, 1452, 1453, 65536, 1 << 20}
	for i, n := range sizes {
		data := bytes.Repeat([]byte{byte(i + 1)}, n)
		fl := byte(FlagReliable)
		if i%2 == 1 {
			fl = FlagUrgent
		}
		s = append(s, chunk(FlagStart|FlagEnd|fl, data)...)
	}
	// In one piece, byte by byte, and at random boundaries.
	for _, split := range []int{len(s), 1, 3, 4, 5, 1000} {
		var d Decoder
		var out []got
		for p := s; len(p) > 0; {
			k := split
			if k > len(p) {
				k = len(p)
			}
			if err := collect(t, &d, p[:k], &out); err != nil {
				t.Fatal(err)
			}
			p = p[k:]
		}
		if len(out) != len(sizes) || d.Open() {
			t.Fatalf("split %d: %d ADUs, open %v", split, len(out), d.Open())
		}
		for i, g := range out {
			if len(g.data) != sizes[i] || (sizes[i] > 0 && g.data[0] != byte(i+1)) {
				t.Fatalf("split %d: ADU %d wrong", split, i)
			}
			want := byte(FlagReliable)
			if i%2 == 1 {
				want = FlagUrgent
			}
			if g.flags != want {
				t.Fatalf("flags %x", g.flags)
			}
		}
	}
}

func TestDecoderZeroCopy(t *testing.T) {
	s := chunk(FlagStart|FlagEnd, []byte("hello"))
	var d Decoder
	err := d.Feed(s, func(data []byte, flags byte) error {
		if &data[0] != &s[4] {
			t.Fatal("copied")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestDecoderChunks(t *testing.T) {
	var s []byte
	s = append(s, chunk(FlagStart|FlagReliable, []byte("ab"))...)
	s = append(s, chunk(FlagReliable, nil)...)
	s = append(s, chunk(FlagReliable, []byte("cde"))...)
	s = append(s, chunk(FlagEnd|FlagReliable, []byte("f"))...)
	s = append(s, chunk(FlagStart, nil)...)
	s = append(s, chunk(FlagEnd, []byte("x"))...)
	var d Decoder
	var out []got
	if err := collect(t, &d, s, &out); err != nil {
		t.Fatal(err)
	}
	if len(out) != 2 || string(out[0].data) != "abcdef" || out[0].flags != FlagReliable ||
		string(out[1].data) != "x" || out[1].flags != 0 {
		t.Fatalf("%+v", out)
	}
}

func TestDecoderErrors(t *testing.T) {
	cases := []struct {
		s    []byte
		want error
	}{
		{[]byte{FlagStart | FlagEnd | 0x01, 0, 0, 0}, ErrReserved},
		{[]byte{FlagStart | FlagEnd | 0x08, 0, 0, 0}, ErrReserved},
		{[]byte{0, 0, 0, 0}, ErrNoStart}, // a loss notice is not for sending
		{[]byte{FlagEnd, 0, 0, 1, 'a'}, ErrNoStart},
		{append(chunk(FlagStart, []byte("a")), chunk(FlagStart|FlagEnd, nil)...), ErrUnfinished},
		{append(chunk(FlagStart, []byte("a")), chunk(FlagEnd|FlagUrgent, nil)...), ErrFlagsChanged},
		{append(chunk(FlagStart, make([]byte, MaxADU)), 0, 0, 0, 1), ErrTooLong},
	}
	for i, c := range cases {
		var d Decoder
		var out []got
		err := collect(t, &d, c.s, &out)
		if err != c.want || d.Err() != c.want {
			t.Errorf("case %d: %v, want %v", i, err, c.want)
		}
		if err2 := collect(t, &d, chunk(FlagStart|FlagEnd, nil), &out); err2 != c.want || len(out) != 0 {
			t.Errorf("case %d: decoder went on", i)
		}
	}
}

// encode builds a random valid stream and the ADUs it carries.
func encode(r *rand.Rand, n int) ([]byte, []got) {
	var s []byte
	var want []got
	for i := 0; i < n; i++ {
		size := r.Intn(3000)
		data := make([]byte, size)
		r.Read(data)
		fl := byte(r.Intn(4) << 4)
		want = append(want, got{data, fl})
		if r.Intn(2) == 0 {
			s = append(s, chunk(FlagStart|FlagEnd|fl, data)...)
			continue
		}
		first := true
		for rest := data; ; {
			k := r.Intn(len(rest) + 1)
			c := fl
			if first {
				c |= FlagStart
			}
			if k == len(rest) && r.Intn(2) == 0 {
				s = append(s, chunk(c|FlagEnd, rest)...)
				break
			}
			s = append(s, chunk(c, rest[:k])...)
			rest = rest[k:]
			first = false
		}
	}
	return s, want
}

func TestDecoderRandom(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	for iter := 0; iter < 200; iter++ {
		s, want := encode(r, 20)
		var d Decoder
		var out []got
		for p := s; len(p) > 0; {
			k := 1 + r.Intn(5000)
			if k > len(p) {
				k = len(p)
			}
			if err := collect(t, &d, p[:k], &out); err != nil {
				t.Fatal(err)
			}
			p = p[k:]
		}
		if len(out) != len(want) {
			t.Fatalf("%d ADUs, want %d", len(out), len(want))
		}
		for i := range want {
			if !bytes.Equal(out[i].data, want[i].data) || out[i].flags != want[i].flags {
				t.Fatalf("ADU %d differs", i)
			}
		}
	}
}

// FuzzDecoder: any stream, split anywhere, decodes the same as in one piece,
// never panics, and every ADU respects the limits.
func FuzzDecoder(f *testing.F) {
	r := rand.New(rand.NewSource(2))
	s, _ := encode(r, 3)
	f.Add(s, uint16(7))
	f.Add([]byte{0xc0, 0, 0, 0}, uint16(1))
	f.Add([]byte{0x80, 0, 0, 1, 'a', 0x40, 0, 0, 1, 'b'}, uint16(3))
	f.Add([]byte{0xc1, 0, 0, 0}, uint16(2))
	f.Fuzz(func(t *testing.T, s []byte, split uint16) {
		var whole, parts []got
		var d1, d2 Decoder
		err1 := collect(t, &d1, s, &whole)
		k := int(split)%16 + 1
		var err2 error
		for p := s; len(p) > 0 && err2 == nil; {
			n := k
			if n > len(p) {
				n = len(p)
			}
			err2 = collect(t, &d2, p[:n], &parts)
			p = p[n:]
		}
		if err1 != err2 {
			t.Fatalf("errors differ: %v / %v", err1, err2)
		}
		if len(whole) != len(parts) {
			t.Fatalf("%d vs %d ADUs", len(whole), len(parts))
		}
		for i := range whole {
			if !bytes.Equal(whole[i].data, parts[i].data) || whole[i].flags != parts[i].flags {
				t.Fatalf("ADU %d differs", i)
			}
			if len(whole[i].data) > MaxADU || whole[i].flags&^(FlagReliable|FlagUrgent) != 0 {
				t.Fatalf("ADU %d out of limits", i)
			}
		}
	})
}
