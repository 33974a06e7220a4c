package wire

import (
	"encoding/binary"
	"fmt"
	"net/netip"
)

// FILTER_SPEC (class 10) and SENDER_TEMPLATE (class 11) share their
// formats (RFC 2205 A.8 and A.9, RFC 2207 section 3):
//
//	C-Type 1 IPv4:            SrcAddress(4)  | unused(2) | SrcPort(2)
//	C-Type 2 IPv6:            SrcAddress(16) | unused(2) | SrcPort(2)
//	C-Type 3 IPv6 flow label: SrcAddress(16) | unused(1) | Flow Label(3)
//	C-Type 4 IPv4/GPI:        SrcAddress(4)  | GPI(4)
//	C-Type 5 IPv6/GPI:        SrcAddress(16) | GPI(4)

// FILTER_SPEC and SENDER_TEMPLATE C-Types.
const (
	CTypeFilterIPv4      = 1
	CTypeFilterIPv6      = 2
	CTypeFilterFlowLabel = 3
	CTypeFilterIPv4GPI   = 4
	CTypeFilterIPv6GPI   = 5
)

// FilterForm says how a FilterSpec selects a sender's packets.
type FilterForm uint8

const (
	// FormPort selects by source address and TCP/UDP source port
	// (C-Types 1 and 2); port 0 means any.
	FormPort FilterForm = iota
	// FormFlowLabel selects by IPv6 source address and flow label
	// (C-Type 3).
	FormFlowLabel
	// FormGPI selects by source address and an IPsec generalized port
	// identifier, the SPI (C-Types 4 and 5, RFC 2207).
	FormGPI
)

func (f FilterForm) String() string {
	switch f {
	case FormPort:
		return "port"
	case FormFlowLabel:
		return "flow label"
	case FormGPI:
		return "GPI"
	}
	return fmt.Sprintf("FilterForm(%d)", uint8(f))
}

// MaxFlowLabel is the largest value of the 24-bit flow label field.
const MaxFlowLabel = 1<<24 - 1

// FilterSpec is a FILTER_SPEC or a SENDER_TEMPLATE: one sender, or the
// subset of its packets a reservation applies to. Only the field of its
// Form may be non-zero. It is comparable, so it can key per-sender state.
type FilterSpec struct {
	Form      FilterForm
	Source    netip.Addr
	Port      uint16 // FormPort
	FlowLabel uint32 // FormFlowLabel, IPv6 only
	GPI       uint32 // FormGPI
}

func (f FilterSpec) String() string {
	switch f.Form {
	case FormFlowLabel:
		return fmt.Sprintf("%v flow %#x", f.Source, f.FlowLabel)
	case FormGPI:
		return fmt.Sprintf("%v GPI %#x", f.Source, f.GPI)
	}
	return netip.AddrPortFrom(f.Source, f.Port).String()
}

func (f FilterSpec) cType() uint8 {
	switch f.Form {
	case FormFlowLabel:
		return CTypeFilterFlowLabel
	case FormGPI:
		return pickCType(f.Source, CTypeFilterIPv4GPI, CTypeFilterIPv6GPI)
	}
	return pickCType(f.Source, CTypeFilterIPv4, CTypeFilterIPv6)
}

func (f FilterSpec) check(class ClassNum) error {
	if err := checkAddr(f.Source, class.String()+" source"); err != nil {
		return err
	}
	switch f.Form {
	case FormPort:
		if f.FlowLabel != 0 || f.GPI != 0 {
			return invalid("%v %v: flow label or GPI set in a port filter", class, f)
		}
	case FormFlowLabel:
		if f.Source.Is4() {
			return invalid("%v %v: flow label filter needs an IPv6 source", class, f)
		}
		if f.FlowLabel > MaxFlowLabel || f.Port != 0 || f.GPI != 0 {
			return invalid("%v %v: flow label over 24 bits, or port or GPI set", class, f)
		}
	case FormGPI:
		if f.Port != 0 || f.FlowLabel != 0 {
			return invalid("%v %v: port or flow label set in a GPI filter", class, f)
		}
	default:
		return invalid("%v: unknown filter form %d", class, f.Form)
	}
	return nil
}

// appendTo writes f as a FILTER_SPEC or SENDER_TEMPLATE, by class.
func (f FilterSpec) appendTo(b []byte, class ClassNum) ([]byte, error) {
	if err := f.check(class); err != nil {
		return b, err
	}
	b, start := beginObject(b, class, f.cType())
	b = appendAddr(b, f.Source)
	switch f.Form {
	case FormPort:
		b = append(b, 0, 0)
		b = binary.BigEndian.AppendUint16(b, f.Port)
	case FormFlowLabel:
		b = binary.BigEndian.AppendUint32(b, f.FlowLabel)
	case FormGPI:
		b = binary.BigEndian.AppendUint32(b, f.GPI)
	}
	return endObject(b, start), nil
}

func parseFilterSpec(class ClassNum, ctype uint8, body []byte) (FilterSpec, *objError) {
	var f FilterSpec
	var n int
	switch ctype {
	case CTypeFilterIPv4, CTypeFilterIPv4GPI:
		n = 4
	case CTypeFilterIPv6, CTypeFilterFlowLabel, CTypeFilterIPv6GPI:
		n = 16
	default:
		return f, errCType(class, ctype)
	}
	if len(body) != n+4 {
		return f, objErr(ErrBadLength, "%v body of %d bytes, want %d", class, len(body), n+4)
	}
	if n == 4 {
		f.Source = addr4(body)
	} else {
		f.Source = addr16(body)
	}
	// The unused bytes are ignored on receipt, as unused fields are.
	tail := body[n:]
	switch ctype {
	case CTypeFilterIPv4, CTypeFilterIPv6:
		f.Form, f.Port = FormPort, binary.BigEndian.Uint16(tail[2:])
	case CTypeFilterFlowLabel:
		f.Form, f.FlowLabel = FormFlowLabel, binary.BigEndian.Uint32(tail)&MaxFlowLabel
	default:
		f.Form, f.GPI = FormGPI, binary.BigEndian.Uint32(tail)
	}
	return f, nil
}
