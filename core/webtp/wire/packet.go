package wire

import (
	"encoding/binary"
	"fmt"
)

// AppendHeader appends the packet header: magic, version, both tags and
// the packet number. The header is written by the sender before it knows
// which frames fit, hence a separate function and HeaderLen.
func AppendHeader(b []byte, h Header) []byte {
	b = append(b, Magic, Version)
	b = binary.BigEndian.AppendUint32(b, h.SrcTag)
	b = binary.BigEndian.AppendUint32(b, h.DstTag)
	return AppendVarint(b, h.Number)
}

// HeaderLen is the length of AppendHeader's output for h; it varies only
// with the packet number's varint length.
func HeaderLen(h Header) int { return 10 + VarintLen(h.Number) }

// Decode decodes the whole packet b into p, or returns an error wrapping
// one of the Err* values. A packet is all or nothing (PROTOCOL.md: a
// receiver accepts a packet only if the whole packet decodes), so every
// frame is validated here and the caller never acts on part of a packet.
//
// p's slices are truncated and reused, so a Packet kept across calls does
// not allocate once its slices have grown; ADU data aliases b, so b must
// outlive the use of p. On error p's contents are unspecified.
func (p *Packet) Decode(b []byte) error {
	p.reset()
	if len(b) < 1 {
		return ErrShort
	}
	if b[0] != Magic {
		return ErrMagic
	}
	if len(b) < 2 {
		return ErrShort
	}
	if b[1] != Version {
		return fmt.Errorf("%w: %d", ErrVersion, b[1])
	}
	if len(b) < 10 {
		return ErrShort
	}
	p.SrcTag = binary.BigEndian.Uint32(b[2:])
	p.DstTag = binary.BigEndian.Uint32(b[6:])
	if p.SrcTag == 0 {
		return fmt.Errorf("%w: source tag 0", ErrInvalid)
	}
	num, n, err := ReadVarint(b[10:])
	if err != nil {
		return err
	}
	// A varint is always below 2^62, so only the lower bound needs a check.
	if num == 0 {
		return fmt.Errorf("%w: packet number 0", ErrInvalid)
	}
	p.Number = num
	r := reader{b: b[10+n:]}
	if len(r.b) == 0 {
		return ErrEmpty
	}
	for len(r.b) > 0 {
		t := FrameType(r.b[0])
		r.b = r.b[1:]
		if err := p.decodeFrame(t, &r); err != nil {
			return err
		}
	}
	return nil
}

// reset empties p while keeping the capacity of its slices.
func (p *Packet) reset() {
	p.Header = Header{}
	p.Ping = false
	p.Padding = 0
	p.Acks = p.Acks[:0]
	p.Connects = p.Connects[:0]
	p.Accepts = p.Accepts[:0]
	p.Confirms = p.Confirms[:0]
	p.Closes = p.Closes[:0]
	p.ADUs = p.ADUs[:0]
	p.Abandons = p.Abandons[:0]
	p.Credits = p.Credits[:0]
	p.Blocked = p.Blocked[:0]
}

// decodeFrame decodes the body of one frame of type t from r.
func (p *Packet) decodeFrame(t FrameType, r *reader) error {
	switch t {
	case FramePadding:
		p.Padding++
	case FramePing:
		p.Ping = true
	case FrameAck:
		return p.decodeAck(r)
	case FrameConnect, FrameAccept, FrameConfirm:
		var h Handshake
		h.ID = r.varint()
		if t != FrameConfirm {
			h.Flags = r.byte()
		}
		h.Nonce = r.uint64()
		if r.err != nil {
			return r.err
		}
		if h.Flags&^FlagNoDup != 0 {
			return fmt.Errorf("%w: handshake flags %#x", ErrInvalid, h.Flags)
		}
		switch t {
		case FrameConnect:
			p.Connects = append(p.Connects, h)
		case FrameAccept:
			p.Accepts = append(p.Accepts, h)
		default:
			p.Confirms = append(p.Confirms, h)
		}
	case FrameClose:
		c := Close{Ref: r.varint(), Code: r.varint()}
		if r.err != nil {
			return r.err
		}
		p.Closes = append(p.Closes, c)
	case FrameADU:
		return p.decodeADU(r)
	case FrameAbandon:
		a := Abandon{Ref: r.varint(), ID: r.varint()}
		if r.err != nil {
			return r.err
		}
		p.Abandons = append(p.Abandons, a)
	case FrameCredit:
		c := Credit{Ref: r.varint(), Limit: r.varint()}
		if r.err != nil {
			return r.err
		}
		p.Credits = append(p.Credits, c)
	case FrameBlocked:
		c := Credit{Ref: r.varint(), Limit: r.varint()}
		if r.err != nil {
			return r.err
		}
		p.Blocked = append(p.Blocked, c)
	default:
		return fmt.Errorf("%w: %#x", ErrFrameType, byte(t))
	}
	return nil
}

// decodeAck turns QUIC's (largest, first range, gap/range pairs) into
// absolute ranges in descending order. Every subtraction is checked first:
// a peer must not be able to make the receiver acknowledge numbers near
// 2^64 by underflow.
func (p *Packet) decodeAck(r *reader) error {
	largest := r.varint()
	delay := r.varint()
	count := r.varint()
	first := r.varint()
	if r.err != nil {
		return r.err
	}
	if count >= MaxAckRanges { // count+1 ranges in all
		return fmt.Errorf("%w: %d ACK ranges", ErrInvalid, count+1)
	}
	if first > largest {
		return fmt.Errorf("%w: ACK first range below 0", ErrInvalid)
	}
	// Reuse the Ranges slice of an Ack left over from an earlier packet.
	n := len(p.Acks)
	if n < cap(p.Acks) {
		p.Acks = p.Acks[:n+1]
	} else {
		p.Acks = append(p.Acks, Ack{})
	}
	a := &p.Acks[n]
	a.Delay = delay
	smallest := largest - first
	a.Ranges = append(a.Ranges[:0], AckRange{Smallest: smallest, Largest: largest})
	for i := uint64(0); i < count; i++ {
		gap := r.varint()
		length := r.varint()
		if r.err != nil {
			return r.err
		}
		// The next range ends gap+2 below the current smallest.
		if smallest < 2 || gap > smallest-2 {
			return fmt.Errorf("%w: ACK gap below 0", ErrInvalid)
		}
		hi := smallest - gap - 2
		if length > hi {
			return fmt.Errorf("%w: ACK range below 0", ErrInvalid)
		}
		smallest = hi - length
		a.Ranges = append(a.Ranges, AckRange{Smallest: smallest, Largest: hi})
	}
	return nil
}

// decodeADU decodes and validates an ADU frame. The checks are the ones
// the receiver's reassembly relies on: flags are known, the fragment lies
// inside an ADU of legal size, and an empty fragment only stands for an
// empty ADU (otherwise it would carry nothing and open nothing).
func (p *Packet) decodeADU(r *reader) error {
	var f ADU
	f.Ref = r.varint()
	f.ID = r.varint()
	f.Flags = r.byte()
	f.Total = r.varint()
	f.Offset = r.varint()
	length := r.varint()
	if r.err != nil {
		return r.err
	}
	if f.Flags&^(ADUReliable|ADUUrgent) != 0 {
		return fmt.Errorf("%w: ADU flags %#x", ErrInvalid, f.Flags)
	}
	if f.Total > MaxADULength {
		return fmt.Errorf("%w: ADU length %d", ErrInvalid, f.Total)
	}
	if f.Offset > f.Total || length > f.Total-f.Offset {
		return fmt.Errorf("%w: ADU fragment [%d,+%d) beyond %d", ErrInvalid, f.Offset, length, f.Total)
	}
	if length == 0 && f.Total != 0 {
		return fmt.Errorf("%w: empty fragment of a non-empty ADU", ErrInvalid)
	}
	if length > uint64(len(r.b)) {
		return ErrShort
	}
	f.Data = r.b[:length:length]
	r.b = r.b[length:]
	p.ADUs = append(p.ADUs, f)
	return nil
}

// reader consumes fields from a frame, remembering the first error so that
// a frame's fields can be read in a row and checked once.
type reader struct {
	b   []byte
	err error
}

func (r *reader) varint() uint64 {
	if r.err != nil {
		return 0
	}
	v, n, err := ReadVarint(r.b)
	if err != nil {
		r.err = err
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *reader) byte() byte {
	if r.err != nil {
		return 0
	}
	if len(r.b) < 1 {
		r.err = ErrShort
		return 0
	}
	c := r.b[0]
	r.b = r.b[1:]
	return c
}

func (r *reader) uint64() uint64 {
	if r.err != nil {
		return 0
	}
	if len(r.b) < 8 {
		r.err = ErrShort
		return 0
	}
	v := binary.BigEndian.Uint64(r.b)
	r.b = r.b[8:]
	return v
}
