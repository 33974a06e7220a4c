package transport

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"testing"
)

func TestPutFrameHeader(t *testing.T) {
	var h [frameHeaderLen]byte
	putFrameHeader(h[:], 0xabcd, 0x01020304, true, 0x00a0b0c0)
	want := []byte{0xc1, 0x01, 0xab, 0xcd, 0x01, 0x02, 0x03, 0x04, 0x00, 0xa0, 0xb0, 0xc0}
	if !bytes.Equal(h[:], want) {
		t.Errorf("%x, want %x", h, want)
	}
	info, n, err := parseFrameHeader(h[:], 1<<24)
	if err != nil || n != 0xa0b0c0 || info != (RecvInfo{Stream: 0xabcd, PPID: 0x01020304, Unordered: true}) {
		t.Errorf("parse: %+v %d %v", info, n, err)
	}
}

func TestReadFramedEOF(t *testing.T) {
	r := bufio.NewReader(bytes.NewReader(nil))
	if _, _, err := readFramed(r, make([]byte, 10), 100); err != io.EOF {
		t.Errorf("empty stream: %v, want io.EOF", err)
	}
	r = bufio.NewReader(bytes.NewReader(frame(0, 0, 0, []byte("abc"))[:13]))
	if _, _, err := readFramed(r, make([]byte, 10), 100); err != io.ErrUnexpectedEOF {
		t.Errorf("cut payload: %v, want io.ErrUnexpectedEOF", err)
	}
	r = bufio.NewReader(bytes.NewReader(frame(0, 0, 0, []byte("abcdef"))[:14]))
	if _, _, err := readFramed(r, make([]byte, 1), 100); err != io.ErrUnexpectedEOF {
		t.Errorf("cut payload being discarded: %v, want io.ErrUnexpectedEOF", err)
	}
}

// fuzzFrames turns data into a few well-formed frames: a header byte of
// data chooses stream, PPID and flags, the following bytes are the payload.
func fuzzFrames(data []byte) (stream []byte, want []recvd) {
	for len(data) > 0 {
		n := 1 + int(data[0])%17
		if n > len(data) {
			n = len(data)
		}
		payload := data[:n]
		info := RecvInfo{Stream: uint16(data[0]) * 257, PPID: binary.BigEndian.Uint32(append([]byte{data[0], 0, 1}, payload[0])), Unordered: data[0]&1 == 1}
		var h [frameHeaderLen]byte
		putFrameHeader(h[:], info.Stream, info.PPID, info.Unordered, len(payload))
		stream = append(append(stream, h[:]...), payload...)
		want = append(want, recvd{msg: payload, info: info})
		data = data[n:]
	}
	return stream, want
}

func FuzzFramedReader(f *testing.F) {
	f.Add([]byte{}, uint8(64), uint8(7))
	f.Add(frame(0, 1, 11, []byte("hello")), uint8(64), uint8(16))
	f.Add(frame(1, 0xffff, 0xffffffff, make([]byte, 300)), uint8(3), uint8(1))
	f.Add(append(frame(0, 0, 0, []byte("a")), 0xc1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0), uint8(1), uint8(5))
	f.Add([]byte{0xc1, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0}, uint8(8), uint8(2))
	f.Add([]byte{0xc1, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff}, uint8(8), uint8(2))
	f.Fuzz(func(t *testing.T, data []byte, bufLen, readSize uint8) {
		const max = 1000
		// Arbitrary bytes: never a panic, never more than the buffer,
		// always an end.
		r := bufio.NewReaderSize(iotestReader(data, int(readSize)), 16)
		p := make([]byte, bufLen)
		for range len(data) + 1 {
			n, info, err := readFramed(r, p, max)
			if n < 0 || n > len(p) {
				t.Fatalf("n=%d with a %d-byte buffer", n, len(p))
			}
			if err == ErrTruncated {
				continue
			}
			if err != nil {
				if n != 0 || (err != io.EOF && err != io.ErrUnexpectedEOF && !errors.Is(err, ErrProtocol) && !errors.Is(err, ErrMessageTooLarge)) {
					t.Fatalf("n=%d %+v err=%v", n, info, err)
				}
				break
			}
			if n == 0 {
				t.Fatal("an empty message with no error")
			}
		}

		// Well-formed frames built from the same bytes decode to what was
		// framed, whatever the buffer and read sizes.
		stream, want := fuzzFrames(data)
		r = bufio.NewReaderSize(iotestReader(stream, int(readSize)), 16)
		for i, w := range want {
			n, info, err := readFramed(r, p, max)
			trunc := len(w.msg) > len(p)
			if (trunc && err != ErrTruncated) || (!trunc && err != nil) {
				t.Fatalf("frame %d: %v", i, err)
			}
			if info != w.info || !bytes.Equal(p[:n], w.msg[:min(len(w.msg), len(p))]) {
				t.Fatalf("frame %d: %x %+v, want %x %+v", i, p[:n], info, w.msg, w.info)
			}
		}
		if _, _, err := readFramed(r, p, max); err != io.EOF {
			t.Fatalf("after the last frame: %v", err)
		}
	})
}

func FuzzBareReader(f *testing.F) {
	f.Add([]byte{}, uint8(64), uint8(7))
	f.Add(asapMessage(1, 12, 0), uint8(64), uint8(1))
	f.Add([]byte{1, 0, 0, 3, 1, 0, 0, 4}, uint8(4), uint8(3))
	f.Add([]byte{0xc1, 0, 0, 4}, uint8(4), uint8(3))
	f.Fuzz(func(t *testing.T, data []byte, bufLen, readSize uint8) {
		r := bufio.NewReaderSize(iotestReader(data, int(readSize)), 16)
		p := make([]byte, bufLen)
		for range len(data) + 1 {
			n, err := readBare(r, p, 1000)
			if n < 0 || n > len(p) {
				t.Fatalf("n=%d with a %d-byte buffer", n, len(p))
			}
			if err == ErrTruncated {
				continue
			}
			if err != nil {
				if n != 0 || (err != io.EOF && err != io.ErrUnexpectedEOF && !errors.Is(err, ErrProtocol) && !errors.Is(err, ErrMessageTooLarge)) {
					t.Fatalf("n=%d err=%v", n, err)
				}
				break
			}
			if n < bareHeaderLen || checkBare(p[:n]) != nil {
				t.Fatalf("accepted %x", p[:n])
			}
		}
	})
}

// iotestReader returns data in reads of at most size bytes (1 if size is
// 0), to exercise reassembly.
func iotestReader(data []byte, size int) io.Reader {
	return &choppy{data, max(size, 1)}
}

type choppy struct {
	data []byte
	size int
}

func (c *choppy) Read(p []byte) (int, error) {
	if len(c.data) == 0 {
		return 0, io.EOF
	}
	n := copy(p[:min(len(p), c.size)], c.data)
	c.data = c.data[n:]
	return n, nil
}
