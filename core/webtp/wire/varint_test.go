package wire

import (
	"bytes"
	"errors"
	"testing"
)

func TestVarintVectors(t *testing.T) {
	// RFC 9000 §A.1 examples, plus the boundaries of every length.
	tests := []struct {
		enc []byte
		v   uint64
	}{
		{[]byte{0xc2, 0x19, 0x7c, 0x5e, 0xff, 0x14, 0xe8, 0x8c}, 151288809941952652},
		{[]byte{0x9d, 0x7f, 0x3e, 0x7d}, 494878333},
		{[]byte{0x7b, 0xbd}, 15293},
		{[]byte{0x25}, 37},
		{[]byte{0x00}, 0},
		{[]byte{0x3f}, 63},
		{[]byte{0x40, 0x40}, 64},
		{[]byte{0x7f, 0xff}, 16383},
		{[]byte{0x80, 0x00, 0x40, 0x00}, 16384},
		{[]byte{0xbf, 0xff, 0xff, 0xff}, 1<<30 - 1},
		{[]byte{0xc0, 0, 0, 0, 0x40, 0, 0, 0}, 1 << 30},
		{[]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, MaxVarint},
	}
	for _, tc := range tests {
		if got := AppendVarint(nil, tc.v); !bytes.Equal(got, tc.enc) {
			t.Errorf("AppendVarint(%d) = %x, want %x", tc.v, got, tc.enc)
		}
		if n := VarintLen(tc.v); n != len(tc.enc) {
			t.Errorf("VarintLen(%d) = %d, want %d", tc.v, n, len(tc.enc))
		}
		v, n, err := ReadVarint(append(tc.enc, 0xaa))
		if err != nil || v != tc.v || n != len(tc.enc) {
			t.Errorf("ReadVarint(%x) = %d, %d, %v", tc.enc, v, n, err)
		}
	}
}

func TestVarintNonShortest(t *testing.T) {
	tests := []struct {
		enc []byte
		v   uint64
	}{
		{[]byte{0x40, 0x25}, 37},
		{[]byte{0x80, 0, 0, 0x25}, 37},
		{[]byte{0xc0, 0, 0, 0, 0, 0, 0, 0x25}, 37},
		{[]byte{0x40, 0x00}, 0},
		{[]byte{0xc0, 0, 0, 0, 0, 0, 0x3b, 0xbd}, 15293},
	}
	for _, tc := range tests {
		v, n, err := ReadVarint(tc.enc)
		if err != nil || v != tc.v || n != len(tc.enc) {
			t.Errorf("ReadVarint(%x) = %d, %d, %v; want %d", tc.enc, v, n, err, tc.v)
		}
	}
}

func TestVarintShort(t *testing.T) {
	for _, b := range [][]byte{nil, {0x40}, {0x80, 1, 2}, {0xc0, 1, 2, 3, 4, 5, 6}} {
		if _, _, err := ReadVarint(b); !errors.Is(err, ErrShort) {
			t.Errorf("ReadVarint(%x) err = %v, want ErrShort", b, err)
		}
	}
}

func TestVarintPanics(t *testing.T) {
	for _, f := range []func(){
		func() { AppendVarint(nil, 1<<62) },
		func() { VarintLen(1 << 62) },
		func() { AppendVarint(nil, ^uint64(0)) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Error("no panic for a value >= 2^62")
				}
			}()
			f()
		}()
	}
}

func FuzzVarint(f *testing.F) {
	for _, s := range [][]byte{{0x25}, {0x7b, 0xbd}, {0x9d, 0x7f, 0x3e, 0x7d},
		{0xc2, 0x19, 0x7c, 0x5e, 0xff, 0x14, 0xe8, 0x8c}, {0x40, 0x25}, {}, {0xc0}} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		v, n, err := ReadVarint(b)
		if err != nil {
			if !errors.Is(err, ErrShort) || len(b) >= 1<<(b0(b)>>6) {
				t.Fatalf("ReadVarint(%x): %v", b, err)
			}
			return
		}
		if n != 1<<(b[0]>>6) || v > MaxVarint {
			t.Fatalf("ReadVarint(%x) = %d, %d", b, v, n)
		}
		enc := AppendVarint(nil, v)
		if len(enc) != VarintLen(v) || len(enc) > n {
			t.Fatalf("AppendVarint(%d) = %x, longer than %x", v, enc, b[:n])
		}
		v2, n2, err := ReadVarint(enc)
		if err != nil || v2 != v || n2 != len(enc) {
			t.Fatalf("round trip of %d: %d, %d, %v", v, v2, n2, err)
		}
		if n == len(enc) && !bytes.Equal(enc, b[:n]) {
			t.Fatalf("shortest encoding of %d: %x, input %x", v, enc, b[:n])
		}
	})
}

func b0(b []byte) byte {
	if len(b) == 0 {
		return 0
	}
	return b[0]
}
