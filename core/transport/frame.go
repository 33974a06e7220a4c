package transport

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// The TCP mapping's two framings; doc.go has the specification.
const (
	frameHeaderLen = 12
	frameVersion1  = 0xc1 // magic 0xc in the high nibble, version 1 in the low
	frameMagicMask = 0xf0
	frameMagic     = 0xc0
	frameUnordered = 0x01 // flags: U bit; the other bits are reserved

	bareHeaderLen = 4 // Type(8) Flags(8) Length(16)
)

// putFrameHeader writes the header of a framed message of n bytes.
func putFrameHeader(h []byte, stream uint16, ppid uint32, unordered bool, n int) {
	h[0] = frameVersion1
	h[1] = 0
	if unordered {
		h[1] = frameUnordered
	}
	binary.BigEndian.PutUint16(h[2:], stream)
	binary.BigEndian.PutUint32(h[4:], ppid)
	binary.BigEndian.PutUint32(h[8:], uint32(n))
}

// parseFrameHeader checks a frame header and returns its info and payload
// length.
func parseFrameHeader(h []byte, max int) (RecvInfo, int, error) {
	if h[0] != frameVersion1 {
		if h[0]&frameMagicMask == frameMagic {
			return RecvInfo{}, 0, fmt.Errorf("%w: frame version %d, want 1", ErrProtocol, h[0]&^frameMagicMask)
		}
		return RecvInfo{}, 0, fmt.Errorf("%w: first frame byte %#02x, want %#02x (is the peer using bare framing?)", ErrProtocol, h[0], frameVersion1)
	}
	if h[1]&^frameUnordered != 0 {
		return RecvInfo{}, 0, fmt.Errorf("%w: reserved frame flags %#02x", ErrProtocol, h[1]&^frameUnordered)
	}
	info := RecvInfo{
		Unordered: h[1]&frameUnordered != 0,
		Stream:    binary.BigEndian.Uint16(h[2:]),
		PPID:      binary.BigEndian.Uint32(h[4:]),
	}
	n := binary.BigEndian.Uint32(h[8:])
	if n == 0 {
		return info, 0, fmt.Errorf("%w: empty frame", ErrProtocol)
	}
	if uint64(n) > uint64(max) {
		return info, 0, fmt.Errorf("%w: peer announced %d bytes, limit %d", ErrMessageTooLarge, n, max)
	}
	return info, int(n), nil
}

// readFramed reads one framed message from r into p. At a clean end of the
// stream before the first header byte it returns io.EOF; an end inside a
// message is io.ErrUnexpectedEOF. A message longer than p is truncated
// (ErrTruncated) and the stream stays in step.
func readFramed(r *bufio.Reader, p []byte, max int) (int, RecvInfo, error) {
	var h [frameHeaderLen]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		return 0, RecvInfo{}, err
	}
	info, length, err := parseFrameHeader(h[:], max)
	if err != nil {
		return 0, info, err
	}
	n, err := readBody(r, p, nil, length)
	return n, info, err
}

// readBare reads one bare ASAP/ENRP message, header included, from r into p.
// Errors as readFramed.
func readBare(r *bufio.Reader, p []byte, max int) (int, error) {
	var h [bareHeaderLen]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		return 0, err
	}
	length := int(binary.BigEndian.Uint16(h[2:]))
	switch {
	case h[0] == frameVersion1:
		return 0, fmt.Errorf("%w: message type %#02x is the framed mapping's first byte (is the peer using framed framing?)", ErrProtocol, h[0])
	case length < bareHeaderLen:
		return 0, fmt.Errorf("%w: message length %d shorter than its header", ErrProtocol, length)
	case length > max:
		return 0, fmt.Errorf("%w: peer announced %d bytes, limit %d", ErrMessageTooLarge, length, max)
	}
	return readBody(r, p, h[:], length-bareHeaderLen)
}

// readBody delivers prefix followed by the next rest bytes of r into p,
// discarding what does not fit.
func readBody(r *bufio.Reader, p, prefix []byte, rest int) (int, error) {
	n := copy(p, prefix)
	truncated := n < len(prefix)
	take := min(len(p)-n, rest)
	if take > 0 {
		if _, err := io.ReadFull(r, p[n:n+take]); err != nil {
			return 0, midMessage(err)
		}
		n += take
	}
	if skip := rest - take; skip > 0 {
		truncated = true
		if _, err := r.Discard(skip); err != nil {
			return 0, midMessage(err)
		}
	}
	if truncated {
		return n, ErrTruncated
	}
	return n, nil
}

func midMessage(err error) error {
	if errors.Is(err, io.EOF) {
		return io.ErrUnexpectedEOF
	}
	return err
}

// checkBare verifies that p is exactly one ASAP/ENRP message.
func checkBare(p []byte) error {
	if len(p) < bareHeaderLen {
		return fmt.Errorf("%w: %d bytes, shorter than the common header", ErrBadMessage, len(p))
	}
	if l := int(binary.BigEndian.Uint16(p[2:])); l != len(p) {
		return fmt.Errorf("%w: header says %d bytes, message has %d", ErrBadMessage, l, len(p))
	}
	if p[0] == frameVersion1 {
		return fmt.Errorf("%w: type %#02x is reserved by the framed mapping", ErrBadMessage, p[0])
	}
	return nil
}
