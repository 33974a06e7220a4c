package wire

import (
	"encoding/binary"
	"fmt"
)

// The encoders below append one frame each and never fail: every value the
// types can hold either fits or is a programmer error (a varint above
// MaxVarint, an ACK without ranges or with ranges out of order), which
// panics. Each has a Len function so a sender can check that a frame fits
// before writing it.

// AppendPadding appends n PADDING frames (one byte each).
func AppendPadding(b []byte, n int) []byte {
	for ; n > 0; n-- {
		b = append(b, byte(FramePadding))
	}
	return b
}

// AppendPing appends a PING frame, the smallest ack-eliciting frame (used
// for probes and keep-alives).
func AppendPing(b []byte) []byte { return append(b, byte(FramePing)) }

// ackRanges returns the ranges AppendAck writes: the first MaxAckRanges,
// which are the highest since Ranges is descending. Older ranges matter
// least: their packets were acknowledged before or are long declared lost.
func ackRanges(a Ack) []AckRange {
	if len(a.Ranges) == 0 {
		panic("webtp/wire: ACK without ranges")
	}
	if len(a.Ranges) > MaxAckRanges {
		return a.Ranges[:MaxAckRanges]
	}
	return a.Ranges
}

// ackGap returns the gap and range fields for r following a range whose
// smallest number is prev; a gap of 0 means one unacknowledged number.
func ackGap(prev uint64, r AckRange) (gap, length uint64) {
	if r.Smallest > r.Largest || prev < 2 || r.Largest > prev-2 {
		panic(fmt.Sprintf("webtp/wire: ACK range [%d,%d] not below %d with a gap", r.Smallest, r.Largest, prev))
	}
	return prev - r.Largest - 2, r.Largest - r.Smallest
}

// AppendAck appends an ACK frame for a's ranges, which must be descending
// and separated by at least one missing number (as Ack documents). At most
// MaxAckRanges ranges are written, the highest ones, so that the frame
// always passes the receiver's limit.
func AppendAck(b []byte, a Ack) []byte {
	rs := ackRanges(a)
	first := rs[0]
	if first.Smallest > first.Largest {
		panic(fmt.Sprintf("webtp/wire: ACK range [%d,%d] reversed", first.Smallest, first.Largest))
	}
	b = append(b, byte(FrameAck))
	b = AppendVarint(b, first.Largest)
	b = AppendVarint(b, a.Delay)
	b = AppendVarint(b, uint64(len(rs)-1))
	b = AppendVarint(b, first.Largest-first.Smallest)
	prev := first.Smallest
	for _, r := range rs[1:] {
		gap, length := ackGap(prev, r)
		b = AppendVarint(b, gap)
		b = AppendVarint(b, length)
		prev = r.Smallest
	}
	return b
}

// AckLen is the length of AppendAck's output for a.
func AckLen(a Ack) int {
	rs := ackRanges(a)
	first := rs[0]
	n := 1 + VarintLen(first.Largest) + VarintLen(a.Delay) + VarintLen(uint64(len(rs)-1)) +
		VarintLen(first.Largest-first.Smallest)
	prev := first.Smallest
	for _, r := range rs[1:] {
		gap, length := ackGap(prev, r)
		n += VarintLen(gap) + VarintLen(length)
		prev = r.Smallest
	}
	return n
}

// appendHandshake writes the three handshake frames, which differ only in
// type and in CONFIRM having no flags byte.
func appendHandshake(b []byte, t FrameType, h Handshake) []byte {
	b = append(b, byte(t))
	b = AppendVarint(b, h.ID)
	if t != FrameConfirm {
		b = append(b, h.Flags)
	}
	return binary.BigEndian.AppendUint64(b, h.Nonce)
}

// AppendConnect appends a CONNECT frame (the opener's nonce in h.Nonce).
func AppendConnect(b []byte, h Handshake) []byte { return appendHandshake(b, FrameConnect, h) }

// AppendAccept appends an ACCEPT frame (the acceptor's nonce in h.Nonce).
func AppendAccept(b []byte, h Handshake) []byte { return appendHandshake(b, FrameAccept, h) }

// AppendConfirm appends a CONFIRM frame echoing the acceptor's nonce;
// CONFIRM carries no flags, so h.Flags is not written.
func AppendConfirm(b []byte, h Handshake) []byte { return appendHandshake(b, FrameConfirm, h) }

// HandshakeLen is the length of the CONNECT, ACCEPT or CONFIRM frame (t)
// for h.
func HandshakeLen(t FrameType, h Handshake) int {
	n := 1 + VarintLen(h.ID) + 8
	if t != FrameConfirm {
		n++
	}
	return n
}

// AppendClose appends a CLOSE frame. Codes are not checked: unknown codes
// are the receiver's business, and the wire carries any varint.
func AppendClose(b []byte, c Close) []byte {
	b = append(b, byte(FrameClose))
	b = AppendVarint(b, c.Ref)
	return AppendVarint(b, c.Code)
}

// CloseLen is the length of AppendClose's output for c.
func CloseLen(c Close) int { return 1 + VarintLen(c.Ref) + VarintLen(c.Code) }

// AppendADU appends an ADU frame carrying f.Data at f.Offset. It writes the
// fields as given; the sender is trusted to respect Total, Offset and the
// flags the decoder enforces.
func AppendADU(b []byte, f ADU) []byte {
	b = append(b, byte(FrameADU))
	b = AppendVarint(b, f.Ref)
	b = AppendVarint(b, f.ID)
	b = append(b, f.Flags)
	b = AppendVarint(b, f.Total)
	b = AppendVarint(b, f.Offset)
	b = AppendVarint(b, uint64(len(f.Data)))
	return append(b, f.Data...)
}

// ADUHeaderLen is the length of an ADU frame before its data, so that a
// sender can work out how many data bytes fit in the rest of a packet.
func ADUHeaderLen(ref, id, total, offset, length uint64) int {
	return 1 + VarintLen(ref) + VarintLen(id) + 1 + VarintLen(total) + VarintLen(offset) + VarintLen(length)
}

// ADULen is the whole length of AppendADU's output for f.
func ADULen(f ADU) int {
	return ADUHeaderLen(f.Ref, f.ID, f.Total, f.Offset, uint64(len(f.Data))) + len(f.Data)
}

// AppendAbandon appends an ABANDON frame.
func AppendAbandon(b []byte, a Abandon) []byte {
	b = append(b, byte(FrameAbandon))
	b = AppendVarint(b, a.Ref)
	return AppendVarint(b, a.ID)
}

// AbandonLen is the length of AppendAbandon's output for a.
func AbandonLen(a Abandon) int { return 1 + VarintLen(a.Ref) + VarintLen(a.ID) }

// AppendCredit appends a CREDIT frame.
func AppendCredit(b []byte, c Credit) []byte {
	b = append(b, byte(FrameCredit))
	b = AppendVarint(b, c.Ref)
	return AppendVarint(b, c.Limit)
}

// CreditLen is the length of AppendCredit's output for c.
func CreditLen(c Credit) int { return 1 + VarintLen(c.Ref) + VarintLen(c.Limit) }

// AppendBlocked appends a BLOCKED frame: the sender has an ADU to open
// that the credit limit c.Limit does not allow.
func AppendBlocked(b []byte, c Credit) []byte {
	b = append(b, byte(FrameBlocked))
	b = AppendVarint(b, c.Ref)
	return AppendVarint(b, c.Limit)
}
