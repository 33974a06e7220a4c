package wire

import (
	"encoding/binary"
	"math"
)

// ADSPEC (class 13, C-Type 2, RFC 2210 section 3.3): the main header,
// then the default general parameters fragment (always), the Guaranteed
// fragment and the Controlled-Load fragment (each if the sender wants the
// service characterized):
//
//	[0 | length]
//	[1 | B | 8]  [4 | 0 | 1] hop count  [6 | 0 | 1] path bandwidth (float)
//	             [8 | 0 | 1] min latency  [10 | 0 | 1] composed MTU
//	[2 | B | n]  [133 | 0 | 1] Ctot  [134 | 0 | 1] Dtot
//	             [135 | 0 | 1] Csum  [136 | 0 | 1] Dsum  [overrides...]
//	[5 | B | n]  [overrides...]
//
// B is the break bit: in the general fragment, a hop on the path does not
// do IntServ; in a service fragment, a hop does not do that service. A
// service fragment may also carry its own values of the general
// parameters (service-specific overrides).

// Indeterminate is the value of a composed 32-bit quantity (minimum path
// latency, Ctot, Dtot, Csum, Dsum) that overflowed or is unknown (RFC 2215
// section 3.4, RFC 2212).
const Indeterminate = math.MaxUint32

// Adspec is an IntServ ADSPEC.
type Adspec struct {
	General        GeneralParams
	Guaranteed     *GuaranteedAdspec     // nil if the fragment is absent
	ControlledLoad *ControlledLoadAdspec // nil if the fragment is absent
	// Unknown holds fragments of services this package does not
	// interpret, kept so that a node can forward them (setting their
	// break bit, since it cannot provide the service).
	Unknown []AdspecFragment
}

// GeneralParams is the default general characterization parameters
// fragment (service 1, RFC 2215).
type GeneralParams struct {
	Break         bool    // a hop without IntServ is on the path
	HopCount      uint32  // IntServ-aware hops
	PathBandwidth float32 // smallest link bandwidth on the path, bytes per second
	MinLatency    uint32  // sum of the hops' minimum latencies, microseconds
	ComposedMTU   uint32  // smallest MTU on the path, bytes
}

// GuaranteedAdspec is the Guaranteed service fragment (RFC 2212): the
// error terms composed along the whole path (Ctot in bytes, Dtot in
// microseconds) and since the last reshaping point (Csum, Dsum).
type GuaranteedAdspec struct {
	Break                  bool
	Ctot, Dtot, Csum, Dsum uint32
	// Extra holds the fragment's other parameters as received: the
	// service-specific overrides of general parameters, and the per-element
	// C and D (131, 132) should a sender include them.
	Extra []Param
}

// ControlledLoadAdspec is the Controlled-Load service fragment (RFC 2211),
// which has no parameters of its own.
type ControlledLoadAdspec struct {
	Break bool
	Extra []Param // service-specific overrides, as received
}

// Param is an IntServ parameter kept in its wire form.
type Param struct {
	ID    ParamID
	Flags uint8
	Value []byte // a multiple of 4 bytes
}

// AdspecFragment is an ADSPEC fragment of a service this package does not
// know, kept in its wire form.
type AdspecFragment struct {
	Service Service
	Flags   uint8  // the service header's flag byte; 0x80 is the break bit
	Data    []byte // the parameters, a multiple of 4 bytes
}

// Break reports whether the fragment's break bit is set.
func (f AdspecFragment) Break() bool { return f.Flags&breakBit != 0 }

func breakFlag(b bool) uint8 {
	if b {
		return breakBit
	}
	return 0
}

// AppendAdspecBody appends the IntServ contents of an ADSPEC carrying a.
func AppendAdspecBody(b []byte, a Adspec) ([]byte, error) {
	if p := badFloat("path bandwidth", a.General.PathBandwidth, true); p != "" {
		return b, invalid("ADSPEC: %s", p)
	}
	start := len(b)
	b = appendWord(b, 0, 0, 0)

	g := a.General
	b = appendWord(b, byte(ServiceGeneral), breakFlag(g.Break), 8)
	b = appendUintParam(b, ParamHopCount, g.HopCount)
	b = appendUintParam(b, ParamPathBandwidth, math.Float32bits(g.PathBandwidth))
	b = appendUintParam(b, ParamMinLatency, g.MinLatency)
	b = appendUintParam(b, ParamComposedMTU, g.ComposedMTU)

	var err error
	if gs := a.Guaranteed; gs != nil {
		for _, p := range gs.Extra {
			if p.ID >= ParamCtot && p.ID <= ParamDsum {
				return b[:start], invalid("ADSPEC: parameter %d among the Guaranteed extras; it has its own field", p.ID)
			}
		}
		fragStart := len(b)
		b = appendWord(b, byte(ServiceGuaranteed), breakFlag(gs.Break), 0)
		// The values of a broken service are meaningless and, when zero,
		// left out.
		if !gs.Break || gs.Ctot|gs.Dtot|gs.Csum|gs.Dsum != 0 {
			b = appendUintParam(b, ParamCtot, gs.Ctot)
			b = appendUintParam(b, ParamDtot, gs.Dtot)
			b = appendUintParam(b, ParamCsum, gs.Csum)
			b = appendUintParam(b, ParamDsum, gs.Dsum)
		}
		if b, err = appendParams(b, gs.Extra); err != nil {
			return b[:start], err
		}
		if err = endWords(b, fragStart); err != nil {
			return b[:start], err
		}
	}
	if cl := a.ControlledLoad; cl != nil {
		fragStart := len(b)
		b = appendWord(b, byte(ServiceControlledLoad), breakFlag(cl.Break), 0)
		if b, err = appendParams(b, cl.Extra); err != nil {
			return b[:start], err
		}
		if err = endWords(b, fragStart); err != nil {
			return b[:start], err
		}
	}
	for _, f := range a.Unknown {
		switch {
		case f.Service == ServiceGeneral || f.Service == ServiceGuaranteed || f.Service == ServiceControlledLoad:
			return b[:start], invalid("ADSPEC: %v fragment among the unknown ones", f.Service)
		case len(f.Data)%4 != 0:
			return b[:start], invalid("ADSPEC: %v fragment of %d bytes, not a multiple of 4", f.Service, len(f.Data))
		}
		fragStart := len(b)
		b = appendWord(b, byte(f.Service), f.Flags, 0)
		b = append(b, f.Data...)
		if err = endWords(b, fragStart); err != nil {
			return b[:start], err
		}
	}
	if err = endWords(b, start); err != nil {
		return b[:start], err
	}
	return b, nil
}

func appendUintParam(b []byte, id ParamID, v uint32) []byte {
	b = appendWord(b, byte(id), 0, 1)
	return binary.BigEndian.AppendUint32(b, v)
}

func appendParams(b []byte, params []Param) ([]byte, error) {
	for _, p := range params {
		if len(p.Value)%4 != 0 || len(p.Value)/4 > 0xFFFF {
			return b, invalid("IntServ parameter %d of %d bytes", p.ID, len(p.Value))
		}
		b = appendWord(b, byte(p.ID), p.Flags, len(p.Value)/4)
		b = append(b, p.Value...)
	}
	return b, nil
}

// endWords fills in the length, in words after itself, of the header at
// b[start:].
func endWords(b []byte, start int) error {
	words := (len(b) - start - 4) / 4
	if words > 0xFFFF {
		return invalid("IntServ data of %d words", words)
	}
	binary.BigEndian.PutUint16(b[start+2:], uint16(words))
	return nil
}

// ParseAdspecBody decodes the IntServ contents of an ADSPEC.
func ParseAdspecBody(body []byte) (Adspec, error) {
	a, e := parseAdspecBody(body)
	if e != nil {
		return a, bodyError(ClassAdspec, e)
	}
	return a, nil
}

func adspecErr(err error, format string, args ...any) *objError {
	return intServErr(err, TCBadAdspec, "ADSPEC: "+format, args...)
}

func parseAdspecBody(body []byte) (Adspec, *objError) {
	var a Adspec
	frags, e := splitIntServ(body)
	if e != nil {
		return a, adspecErr(e.err, "%s", e.detail)
	}
	var haveGeneral bool
	for _, f := range frags {
		switch f.service {
		case ServiceGeneral, ServiceGuaranteed, ServiceControlledLoad:
		default:
			a.Unknown = append(a.Unknown, AdspecFragment{Service: f.service, Flags: f.flags, Data: bytesClone(f.data)})
			continue
		}
		params, p := splitParams(f.data)
		if p != "" {
			return a, adspecErr(ErrBadLength, "%v fragment: %s", f.service, p)
		}
		brk := f.flags&breakBit != 0
		var e *objError
		switch f.service {
		case ServiceGeneral:
			if haveGeneral {
				return a, adspecErr(ErrBadValue, "two general parameter fragments")
			}
			haveGeneral = true
			a.General, e = parseGeneralParams(params)
			a.General.Break = brk
		case ServiceGuaranteed:
			if a.Guaranteed != nil {
				return a, adspecErr(ErrBadValue, "two Guaranteed fragments")
			}
			a.Guaranteed, e = parseGuaranteedAdspec(params, brk)
		case ServiceControlledLoad:
			if a.ControlledLoad != nil {
				return a, adspecErr(ErrBadValue, "two Controlled-Load fragments")
			}
			a.ControlledLoad = &ControlledLoadAdspec{Break: brk, Extra: keepParams(params)}
		}
		if e != nil {
			return a, e
		}
	}
	if !haveGeneral {
		return a, adspecErr(ErrBadValue, "no general parameters fragment")
	}
	return a, nil
}

// uintParams collects one-word parameters with the given IDs, each at
// most once; the others are returned, copied, in rest.
func uintParams(params []isParam, ids ...ParamID) (vals []uint32, found int, rest []Param, e *objError) {
	vals = make([]uint32, len(ids))
	seen := 0
	var others []isParam
	for _, p := range params {
		i := 0
		for i < len(ids) && ids[i] != p.id {
			i++
		}
		if i == len(ids) {
			others = append(others, p)
			continue
		}
		if seen&(1<<i) != 0 {
			return nil, 0, nil, adspecErr(ErrBadValue, "parameter %d twice", p.id)
		}
		if len(p.data) != 4 {
			return nil, 0, nil, adspecErr(ErrBadLength, "parameter %d of %d bytes, want 4", p.id, len(p.data))
		}
		seen |= 1 << i
		found++
		vals[i] = binary.BigEndian.Uint32(p.data)
	}
	return vals, found, keepParams(others), nil
}

func parseGeneralParams(raw []isParam) (GeneralParams, *objError) {
	vals, found, rest, e := uintParams(raw, ParamHopCount, ParamPathBandwidth, ParamMinLatency, ParamComposedMTU)
	if e != nil {
		return GeneralParams{}, e
	}
	if found != 4 || len(rest) > 0 {
		return GeneralParams{}, adspecErr(ErrBadValue, "general fragment is not the four parameters 4, 6, 8, 10")
	}
	g := GeneralParams{
		HopCount:      vals[0],
		PathBandwidth: math.Float32frombits(vals[1]),
		MinLatency:    vals[2],
		ComposedMTU:   vals[3],
	}
	if p := badFloat("path bandwidth", g.PathBandwidth, true); p != "" {
		return GeneralParams{}, adspecErr(ErrBadValue, "%s", p)
	}
	return g, nil
}

func parseGuaranteedAdspec(raw []isParam, brk bool) (*GuaranteedAdspec, *objError) {
	vals, found, rest, e := uintParams(raw, ParamCtot, ParamDtot, ParamCsum, ParamDsum)
	if e != nil {
		return nil, e
	}
	// The four travel together; only a fragment whose break bit is set,
	// its values meaningless, may go without them.
	if found != 4 && (found != 0 || !brk) {
		return nil, adspecErr(ErrBadValue, "Guaranteed fragment with %d of Ctot, Dtot, Csum, Dsum", found)
	}
	return &GuaranteedAdspec{Break: brk, Ctot: vals[0], Dtot: vals[1], Csum: vals[2], Dsum: vals[3], Extra: rest}, nil
}

// keepParams copies parameters out of the input; nil when there are none.
func keepParams(raw []isParam) []Param {
	if len(raw) == 0 {
		return nil
	}
	out := make([]Param, len(raw))
	for i, p := range raw {
		out[i] = Param{ID: p.id, Flags: p.flags, Value: bytesClone(p.data)}
	}
	return out
}

func (a *Adspec) appendTo(b []byte) ([]byte, error) {
	return appendIntServObject(b, ClassAdspec, func(b []byte) ([]byte, error) { return AppendAdspecBody(b, *a) })
}

func parseAdspec(ctype uint8, body []byte) (Adspec, *objError) {
	if ctype != CTypeIntServ {
		return Adspec{}, errCType(ClassAdspec, ctype)
	}
	return parseAdspecBody(body)
}
