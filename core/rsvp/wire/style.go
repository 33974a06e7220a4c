package wire

import (
	"encoding/binary"
	"fmt"
)

// STYLE (class 8, C-Type 1, RFC 2205 A.7):
//
//	Flags(8) | Option Vector(24)
//
// The option vector's low five bits are the ones RFC 2205 defines: two of
// sharing control (01 distinct, 10 shared) above three of sender selection
// (001 wildcard, 010 explicit). The bits above are reserved; they are kept
// as received.

// CTypeStyle is the only STYLE C-Type.
const CTypeStyle = 1

// Option vectors of the three styles.
const (
	OptionsWF = 0x11 // shared, wildcard
	OptionsFF = 0x0A // distinct, explicit
	OptionsSE = 0x12 // shared, explicit
)

// Option vector fields.
const (
	sharingMask   = 0x18
	sharingShared = 0x10
	selectionMask = 0x07
	selectWild    = 0x01
	optionMask    = sharingMask | selectionMask
	maxOptions    = 1<<24 - 1
)

// Style is a STYLE object.
type Style struct {
	Flags   uint8  // none defined
	Options uint32 // the 24-bit option vector
}

// StyleKind names a reservation style.
type StyleKind uint8

const (
	UnknownStyle StyleKind = iota
	WF                     // wildcard filter
	FF                     // fixed filter
	SE                     // shared explicit
)

func (k StyleKind) String() string {
	switch k {
	case WF:
		return "WF"
	case FF:
		return "FF"
	case SE:
		return "SE"
	}
	return "unknown style"
}

// Style returns the STYLE object of kind k (zero for UnknownStyle).
func (k StyleKind) Style() Style {
	switch k {
	case WF:
		return Style{Options: OptionsWF}
	case FF:
		return Style{Options: OptionsFF}
	case SE:
		return Style{Options: OptionsSE}
	}
	return Style{}
}

// Kind returns the style the option vector names, from its defined bits.
func (s Style) Kind() StyleKind {
	switch s.Options & optionMask {
	case OptionsWF:
		return WF
	case OptionsFF:
		return FF
	case OptionsSE:
		return SE
	}
	return UnknownStyle
}

// Shared reports whether the reservation is shared among senders (WF and
// SE) rather than distinct per sender (FF).
func (s Style) Shared() bool { return s.Options&sharingMask == sharingShared }

// Wildcard reports whether senders are selected by wildcard (WF) rather
// than explicitly by FILTER_SPEC.
func (s Style) Wildcard() bool { return s.Options&selectionMask == selectWild }

func (s Style) String() string {
	if s.Flags == 0 && s.Options&^optionMask == 0 && s.Kind() != UnknownStyle {
		return s.Kind().String()
	}
	return fmt.Sprintf("Style(flags %#02x, options %#06x)", s.Flags, s.Options)
}

func (s Style) appendTo(b []byte) ([]byte, error) {
	if s.Options > maxOptions {
		return b, invalid("STYLE option vector %#x exceeds 24 bits", s.Options)
	}
	b, start := beginObject(b, ClassStyle, CTypeStyle)
	b = binary.BigEndian.AppendUint32(b, uint32(s.Flags)<<24|s.Options)
	return endObject(b, start), nil
}

func parseStyle(ctype uint8, body []byte) (Style, *objError) {
	if ctype != CTypeStyle {
		return Style{}, errCType(ClassStyle, ctype)
	}
	if len(body) != 4 {
		return Style{}, objErr(ErrBadLength, "STYLE body of %d bytes, want 4", len(body))
	}
	w := binary.BigEndian.Uint32(body)
	return Style{Flags: uint8(w >> 24), Options: w & maxOptions}, nil
}
