package wire

import "encoding/binary"

// Parameter TLV (RFC 5354 section 2):
//
//	 0                   1                   2                   3
//	 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|        Parameter Type         |       Parameter Length        |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	:                        Parameter Value                        :
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// The two high bits of the type say what a receiver that does not know
// the type does (RFC 5354 section 3, as RFC 4960 section 3.2.1):
//
//	00  stop processing, discard the message
//	01  stop processing, discard the message, report the parameter
//	10  skip the parameter, continue
//	11  skip the parameter, continue, report the parameter

const paramHeaderLen = 4

// Action bits of a parameter type.
const (
	actionMask     ParamType = 0xc000
	actionSkip     ParamType = 0x8000 // set: skip and continue
	actionReport   ParamType = 0x4000 // set: report
	maxParamLength           = 0xffff
)

// RawParam is a parameter kept as bytes: one the decoder did not recognize
// and is to report, or one to put in an error cause.
type RawParam struct {
	Type  ParamType
	Value []byte // the value, without header and padding
}

// Append appends p as a TLV, padded to 4 octets.
func (p RawParam) Append(b []byte) ([]byte, error) {
	if len(p.Value) > maxParamLength-paramHeaderLen {
		return b, eerr(ErrTooLarge, "parameter %v value of %d bytes", p.Type, len(p.Value))
	}
	b = appendParamHeader(b, p.Type, paramHeaderLen+len(p.Value))
	b = append(b, p.Value...)
	return appendPad(b, len(p.Value)), nil
}

// tlvBytes returns p as a TLV without trailing padding (the form error
// causes carry).
func (p RawParam) tlvBytes() []byte {
	b := make([]byte, 0, paramHeaderLen+len(p.Value))
	b = appendParamHeader(b, p.Type, paramHeaderLen+len(p.Value))
	return append(b, p.Value...)
}

// knownParam reports whether the decoder understands parameter type t.
func knownParam(t ParamType) bool {
	return (t >= ParamIPv4Address && t <= ParamPEChecksum) || t == ParamHandleResolutionOption
}

func isTransport(t ParamType) bool {
	return t >= ParamDCCPTransport && t <= ParamUDPLiteTransport
}

func isAddress(t ParamType) bool { return t == ParamIPv4Address || t == ParamIPv6Address }

// ---------------------------------------------------------------------------
// Encoding helpers.

func appendParamHeader(b []byte, t ParamType, length int) []byte {
	return append(b, byte(t>>8), byte(t), byte(length>>8), byte(length))
}

// appendPad appends the zero padding that brings n bytes to a multiple of 4.
func appendPad(b []byte, n int) []byte {
	for i := n; i&3 != 0; i++ {
		b = append(b, 0)
	}
	return b
}

// beginParam appends a parameter header whose length endParam fills in.
func beginParam(b []byte, t ParamType) ([]byte, int) {
	return appendParamHeader(b, t, 0), len(b)
}

// endParam sets the length of the parameter begun at start to valueEnd -
// start (valueEnd excludes the padding of the last nested TLV, if any) and
// pads the parameter to 4 octets.
func endParam(b []byte, start, valueEnd int) ([]byte, error) {
	n := valueEnd - start
	if n > maxParamLength || len(b)-start > maxParamLength {
		t := ParamType(binary.BigEndian.Uint16(b[start:]))
		return b[:start], eerr(ErrTooLarge, "%v parameter of %d bytes exceeds the 16-bit length", t, n)
	}
	binary.BigEndian.PutUint16(b[start+2:], uint16(n))
	return appendPad(b, len(b)-start), nil
}

func appendU16(b []byte, v uint16) []byte { return binary.BigEndian.AppendUint16(b, v) }
func appendU32(b []byte, v uint32) []byte { return binary.BigEndian.AppendUint32(b, v) }

// ---------------------------------------------------------------------------
// Decoding.

// tlv is one parameter as found in the input.
type tlv struct {
	typ ParamType
	val []byte // the value, aliasing the input
	off int    // offset of the parameter header in the input
}

// decoder holds what one message decode collects.
type decoder struct {
	reports []RawParam // unrecognized parameters to report
}

func (d *decoder) report(p tlv) RawParam {
	r := RawParam{Type: p.typ, Value: cloneBytes(p.val)}
	if len(d.reports) < MaxReports {
		d.reports = append(d.reports, r)
	}
	return r
}

// unknown applies the action bits of a parameter whose type the decoder
// does not know (or knows but has no place for, if the bits allow skipping).
// It returns an error when the bits say stop.
func (d *decoder) unknown(p tlv) error {
	switch p.typ & actionMask {
	case 0:
		return &UnrecognizedParamError{Offset: p.off, Param: RawParam{Type: p.typ, Value: cloneBytes(p.val)}}
	case actionReport:
		return &UnrecognizedParamError{Offset: p.off, Param: d.report(p), Report: true}
	case actionSkip:
		return nil
	default:
		d.report(p)
		return nil
	}
}

// scanner walks the TLVs of one region: a message's value after its fixed
// fields, or a parameter's value after its fixed fields.
type scanner struct {
	d       *decoder
	b       []byte // bytes not yet read
	off     int    // input offset of b[0]
	parent  ParamType
	back    tlv
	hasBack bool
}

func (d *decoder) scan(b []byte, off int, parent ParamType) *scanner {
	return &scanner{d: d, b: b, off: off, parent: parent}
}

// raw returns the next TLV, whatever its type. The last TLV's padding may
// be missing (cut off by the end of the region).
func (s *scanner) raw() (tlv, bool, error) {
	if len(s.b) == 0 {
		return tlv{}, false, nil
	}
	if len(s.b) < paramHeaderLen {
		return tlv{}, false, perr(ErrTruncated, s.off, s.parent, "%d bytes left, too few for a parameter header", len(s.b))
	}
	t := ParamType(binary.BigEndian.Uint16(s.b))
	n := int(binary.BigEndian.Uint16(s.b[2:]))
	if n < paramHeaderLen {
		return tlv{}, false, perr(ErrBadLength, s.off, t, "parameter length %d is below the header size", n)
	}
	if n > len(s.b) {
		return tlv{}, false, perr(ErrTruncated, s.off, t, "parameter length %d exceeds the %d bytes left", n, len(s.b))
	}
	p := tlv{typ: t, val: s.b[paramHeaderLen:n:n], off: s.off}
	adv := min(pad4(n), len(s.b))
	s.b, s.off = s.b[adv:], s.off+adv
	return p, true, nil
}

// next returns the next TLV of a known type, skipping (or stopping at)
// unknown ones as their action bits say.
func (s *scanner) next() (tlv, bool, error) {
	if s.hasBack {
		s.hasBack = false
		return s.back, true, nil
	}
	for {
		p, ok, err := s.raw()
		if !ok || err != nil {
			return p, ok, err
		}
		if knownParam(p.typ) {
			return p, true, nil
		}
		if err := s.d.unknown(p); err != nil {
			return tlv{}, false, err
		}
	}
}

func (s *scanner) unread(p tlv) { s.back, s.hasBack = p, true }

// misplaced handles a known parameter that has no place here: skipped if
// its action bits allow (it is unrecognized in this context), an error
// otherwise.
func (s *scanner) misplaced(p tlv, what string) error {
	if p.typ&actionSkip != 0 {
		return s.d.unknown(p)
	}
	if what == "" {
		return perr(ErrUnexpectedParam, p.off, p.typ, "%v parameter after the last one %s", p.typ, s.where())
	}
	return perr(ErrUnexpectedParam, p.off, p.typ, "%v parameter where %s was expected %s", p.typ, what, s.where())
}

func (s *scanner) where() string {
	if s.parent == 0 {
		return "in the message"
	}
	return "in " + s.parent.String()
}

// wantOf returns the next parameter, which must satisfy ok.
func (s *scanner) wantOf(accept func(ParamType) bool, what string) (tlv, error) {
	for {
		p, ok, err := s.next()
		if err != nil {
			return p, err
		}
		if !ok {
			return p, perr(ErrMissingParam, s.off, s.parent, "no %s %s", what, s.where())
		}
		if accept(p.typ) {
			return p, nil
		}
		if err := s.misplaced(p, what); err != nil {
			return p, err
		}
	}
}

// want returns the next parameter, which must be of type t.
func (s *scanner) want(t ParamType) (tlv, error) {
	return s.wantOf(func(u ParamType) bool { return u == t }, t.String())
}

// optOf returns the next parameter if it satisfies accept; otherwise it
// leaves it for the next call.
func (s *scanner) optOf(accept func(ParamType) bool) (tlv, bool, error) {
	for {
		p, ok, err := s.next()
		if !ok || err != nil {
			return p, false, err
		}
		if accept(p.typ) {
			return p, true, nil
		}
		if p.typ&actionSkip != 0 {
			if err := s.d.unknown(p); err != nil {
				return p, false, err
			}
			continue
		}
		s.unread(p)
		return p, false, nil
	}
}

// opt returns the next parameter if it is of type t.
func (s *scanner) opt(t ParamType) (tlv, bool, error) {
	return s.optOf(func(u ParamType) bool { return u == t })
}

// end checks that nothing but skippable parameters is left.
func (s *scanner) end() error {
	for {
		p, ok, err := s.next()
		if !ok || err != nil {
			return err
		}
		if err := s.misplaced(p, ""); err != nil {
			return err
		}
	}
}

// fixed checks that a parameter value has exactly n bytes.
func fixed(p tlv, n int) error {
	if len(p.val) != n {
		return perr(ErrBadLength, p.off, p.typ, "%v value of %d bytes, want %d", p.typ, len(p.val), n)
	}
	return nil
}

// atLeast checks that a parameter value has at least n bytes.
func atLeast(p tlv, n int, what string) error {
	if len(p.val) < n {
		return perr(ErrBadLength, p.off, p.typ, "%v value of %d bytes, too short for %s (%d bytes)", p.typ, len(p.val), what, n)
	}
	return nil
}

func cloneBytes(b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	return append([]byte(nil), b...)
}

func tooMany(off int, parent ParamType, what string, limit int) error {
	return perr(ErrTooMany, off, parent, "more than %d %s", limit, what)
}
