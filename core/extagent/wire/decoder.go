package wire

import (
	"encoding/binary"
	"fmt"
)

// Decoder turns a byte stream, delivered in pieces of any size, into frames.
// The zero value decodes with DefaultMaxPacket.
type Decoder struct {
	// Max is the largest data packet accepted; 0 means DefaultMaxPacket.
	Max int

	hdr  [HeaderLen]byte
	nhdr int    // header octets received so far
	need int    // body octets of the current packet, known once nhdr == HeaderLen
	ctl  bool   // the current packet is a control packet
	body []byte // body octets received so far, when the packet spans calls
}

// maxKeep bounds the assembly buffer kept between packets, so one large
// packet does not pin its memory for the life of the connection.
const maxKeep = 64 << 10

func (d *Decoder) max() int {
	if d.Max > 0 {
		return d.Max
	}
	return DefaultMaxPacket
}

// Next decodes at most one frame from p and reports how many octets of p it
// consumed. ok is true when a frame is complete. A frame's Data aliases p
// when the packet lies wholly in p, or the decoder's own buffer otherwise; it
// is valid until the next call. After an error the decoder must not be used.
func (d *Decoder) Next(p []byte) (f Frame, n int, ok bool, err error) {
	// Fast path: a whole packet at the start of p, nothing buffered.
	if d.nhdr == 0 && len(p) >= HeaderLen {
		l := binary.BigEndian.Uint32(p)
		switch {
		case l == 0 && len(p) >= ControlPacketLen:
			cmd, arg := ParseControl(p[HeaderLen:])
			return Frame{Kind: KindControl, Command: cmd, Arg: arg}, ControlPacketLen, true, nil
		case l > uint32(d.max()):
			return Frame{}, 0, false, d.tooLarge(l)
		case l > 0 && uint64(len(p)) >= HeaderLen+uint64(l):
			end := HeaderLen + int(l)
			return Frame{Kind: KindData, Data: p[HeaderLen:end:end]}, end, true, nil
		}
	}
	// Slow path: collect the header, then the body, across calls.
	if d.nhdr < HeaderLen {
		c := copy(d.hdr[d.nhdr:], p)
		d.nhdr += c
		n += c
		p = p[c:]
		if d.nhdr < HeaderLen {
			return Frame{}, n, false, nil
		}
		l := binary.BigEndian.Uint32(d.hdr[:])
		if l > uint32(d.max()) {
			return Frame{}, n, false, d.tooLarge(l)
		}
		d.ctl = l == 0
		d.need = int(l)
		if d.ctl {
			d.need = ControlLen
		}
		d.body = d.body[:0]
	}
	want := d.need - len(d.body)
	if len(d.body) == 0 && len(p) >= want {
		// The whole body is in p: hand it out without copying.
		n += want
		return d.finish(p[:want:want]), n, true, nil
	}
	c := min(want, len(p))
	d.body = append(d.body, p[:c]...)
	n += c
	if len(d.body) < d.need {
		return Frame{}, n, false, nil
	}
	return d.finish(d.body), n, true, nil
}

func (d *Decoder) finish(body []byte) Frame {
	d.nhdr = 0
	if cap(d.body) > maxKeep {
		d.body = nil // free a large assembly buffer once it has been handed out
	} else {
		// Empty it now, not when the next header is complete: a header that
		// fails the size check must not make Buffered count this body too.
		d.body = d.body[:0]
	}
	if d.ctl {
		cmd, arg := ParseControl(body)
		return Frame{Kind: KindControl, Command: cmd, Arg: arg}
	}
	return Frame{Kind: KindData, Data: body}
}

func (d *Decoder) tooLarge(l uint32) error {
	return fmt.Errorf("%w: length %d, maximum %d", ErrTooLarge, l, d.max())
}

// Buffered reports how many octets of an unfinished packet the decoder holds.
func (d *Decoder) Buffered() int {
	if d.nhdr < HeaderLen {
		return d.nhdr
	}
	return HeaderLen + len(d.body)
}
