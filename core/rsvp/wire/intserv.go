package wire

import (
	"encoding/binary"
	"fmt"
	"math"
)

// The IntServ data of SENDER_TSPEC, FLOWSPEC and ADSPEC (C-Type 2, RFC
// 2210 section 3) is a main header followed by per-service fragments,
// each a service header followed by parameters. All three headers are one
// word, and every length counts 32-bit words after its own header:
//
//	main:      Version(4) = 0 | reserved(12)  | length(16)
//	service:   Service(8) | B | reserved(7)  | length(16)
//	parameter: ID(8)      | flags(8)          | length(16)
//
// A SENDER_TSPEC is service 1 (default general parameters) with the token
// bucket, parameter 127 (RFC 2215):
//
//	[0 | 7] [1 | 0 | 6] [127 | 0 | 5] r b p m M
//
// A Controlled-Load FLOWSPEC is service 5 with the token bucket, a
// Guaranteed FLOWSPEC service 2 with the token bucket and the Rspec,
// parameter 130 (RFC 2212):
//
//	[0 | 7]  [5 | 0 | 6] [127 | 0 | 5] r b p m M
//	[0 | 10] [2 | 0 | 9] [127 | 0 | 5] r b p m M [130 | 0 | 2] R S
//
// r, b, p and R are IEEE 754 single precision; m, M and S unsigned 32-bit.

// CTypeIntServ is the C-Type of the IntServ SENDER_TSPEC, FLOWSPEC and
// ADSPEC.
const CTypeIntServ = 2

// Service is an IntServ service number.
type Service uint8

const (
	ServiceGeneral        Service = 1 // default general characterization parameters
	ServiceGuaranteed     Service = 2 // RFC 2212
	ServiceControlledLoad Service = 5 // RFC 2211
)

func (s Service) String() string {
	switch s {
	case ServiceGeneral:
		return "General"
	case ServiceGuaranteed:
		return "Guaranteed"
	case ServiceControlledLoad:
		return "Controlled-Load"
	}
	return fmt.Sprintf("Service(%d)", uint8(s))
}

// ParamID is an IntServ parameter number.
type ParamID uint8

// Parameters of RFC 2210, RFC 2212 and RFC 2215.
const (
	ParamHopCount        ParamID = 4   // NUMBER_OF_IS_HOPS
	ParamPathBandwidth   ParamID = 6   // AVAILABLE_PATH_BANDWIDTH
	ParamMinLatency      ParamID = 8   // MINIMUM_PATH_LATENCY
	ParamComposedMTU     ParamID = 10  // PATH_MTU
	ParamTokenBucket     ParamID = 127 // TOKEN_BUCKET_TSPEC
	ParamGuaranteedRSpec ParamID = 130
	ParamC               ParamID = 131 // a Guaranteed element's rate-dependent error term
	ParamD               ParamID = 132 // its rate-independent error term
	ParamCtot            ParamID = 133
	ParamDtot            ParamID = 134
	ParamCsum            ParamID = 135
	ParamDsum            ParamID = 136
)

// breakBit is the service header flag that marks a break in a service
// along the path (ADSPEC fragments).
const breakBit = 0x80

// TSpec is the token bucket traffic specification (RFC 2215 section 3.6,
// RFC 2210 section 3.1): a SENDER_TSPEC, or the Tspec of a flowspec.
type TSpec struct {
	Rate           float32 // r, bytes per second
	BucketSize     float32 // b, bytes
	PeakRate       float32 // p, bytes per second; +Inf for none
	MinPolicedUnit uint32  // m, bytes
	MaxPacketSize  uint32  // M, bytes
}

func (t TSpec) String() string {
	return fmt.Sprintf("r=%g b=%g p=%g m=%d M=%d", t.Rate, t.BucketSize, t.PeakRate, t.MinPolicedUnit, t.MaxPacketSize)
}

// RSpec is the Guaranteed service reservation (RFC 2212): the rate
// reserved and the slack term.
type RSpec struct {
	Rate  float32 // R, bytes per second
	Slack uint32  // S, microseconds
}

// Flowspec is an IntServ FLOWSPEC: a Controlled-Load or a Guaranteed
// reservation request. RSpec is used by Guaranteed only and is zero for
// Controlled-Load.
type Flowspec struct {
	Service Service // ServiceControlledLoad or ServiceGuaranteed
	TSpec   TSpec
	RSpec   RSpec
}

func (f Flowspec) String() string {
	if f.Service == ServiceGuaranteed {
		return fmt.Sprintf("GS %v R=%g S=%d", f.TSpec, f.RSpec.Rate, f.RSpec.Slack)
	}
	return fmt.Sprintf("%v %v", f.Service, f.TSpec)
}

// ReservedRate is the bandwidth, in bytes per second, f asks a link to
// set aside: r for Controlled-Load, R for Guaranteed.
func (f Flowspec) ReservedRate() float32 {
	if f.Service == ServiceGuaranteed {
		return f.RSpec.Rate
	}
	return f.TSpec.Rate
}

// badFloat says what is wrong with a rate or size, if anything: IntServ
// quantities are never negative or NaN, and only a peak rate or a path
// bandwidth may be infinite.
func badFloat(name string, v float32, infOK bool) string {
	f := float64(v)
	switch {
	case math.IsNaN(f):
		return name + " is NaN"
	case f < 0:
		return fmt.Sprintf("%s %g is negative", name, f)
	case math.IsInf(f, 1) && !infOK:
		return name + " is infinite"
	}
	return ""
}

func (t TSpec) problem() string {
	for _, p := range []string{
		badFloat("token rate r", t.Rate, false),
		badFloat("bucket size b", t.BucketSize, false),
		badFloat("peak rate p", t.PeakRate, true),
	} {
		if p != "" {
			return p
		}
	}
	return ""
}

func (f Flowspec) problem() string {
	switch f.Service {
	case ServiceControlledLoad:
		if f.RSpec != (RSpec{}) {
			return "Controlled-Load flowspec with an Rspec"
		}
	case ServiceGuaranteed:
		if p := badFloat("rate R", f.RSpec.Rate, false); p != "" {
			return p
		}
	default:
		return fmt.Sprintf("flowspec for %v, not Controlled-Load or Guaranteed", f.Service)
	}
	return f.TSpec.problem()
}

// appendWord appends a main, service or parameter header.
func appendWord(b []byte, hi, flags uint8, words int) []byte {
	return append(b, hi, flags, byte(words>>8), byte(words))
}

func appendTokenBucket(b []byte, t TSpec) []byte {
	b = appendWord(b, byte(ParamTokenBucket), 0, 5)
	b = binary.BigEndian.AppendUint32(b, math.Float32bits(t.Rate))
	b = binary.BigEndian.AppendUint32(b, math.Float32bits(t.BucketSize))
	b = binary.BigEndian.AppendUint32(b, math.Float32bits(t.PeakRate))
	b = binary.BigEndian.AppendUint32(b, t.MinPolicedUnit)
	return binary.BigEndian.AppendUint32(b, t.MaxPacketSize)
}

func tokenBucket(data []byte) TSpec {
	return TSpec{
		Rate:           math.Float32frombits(binary.BigEndian.Uint32(data)),
		BucketSize:     math.Float32frombits(binary.BigEndian.Uint32(data[4:])),
		PeakRate:       math.Float32frombits(binary.BigEndian.Uint32(data[8:])),
		MinPolicedUnit: binary.BigEndian.Uint32(data[12:]),
		MaxPacketSize:  binary.BigEndian.Uint32(data[16:]),
	}
}

// AppendTSpecBody appends the IntServ contents of a SENDER_TSPEC carrying
// t (what RAPI calls the IntServ Tspec body).
func AppendTSpecBody(b []byte, t TSpec) ([]byte, error) {
	if p := t.problem(); p != "" {
		return b, invalid("SENDER_TSPEC: %s", p)
	}
	b = appendWord(b, 0, 0, 7)
	b = appendWord(b, byte(ServiceGeneral), 0, 6)
	return appendTokenBucket(b, t), nil
}

// AppendFlowspecBody appends the IntServ contents of a FLOWSPEC carrying f.
func AppendFlowspecBody(b []byte, f Flowspec) ([]byte, error) {
	if p := f.problem(); p != "" {
		return b, invalid("FLOWSPEC: %s", p)
	}
	if f.Service == ServiceControlledLoad {
		b = appendWord(b, 0, 0, 7)
		b = appendWord(b, byte(ServiceControlledLoad), 0, 6)
		return appendTokenBucket(b, f.TSpec), nil
	}
	b = appendWord(b, 0, 0, 10)
	b = appendWord(b, byte(ServiceGuaranteed), 0, 9)
	b = appendTokenBucket(b, f.TSpec)
	b = appendWord(b, byte(ParamGuaranteedRSpec), 0, 2)
	b = binary.BigEndian.AppendUint32(b, math.Float32bits(f.RSpec.Rate))
	return binary.BigEndian.AppendUint32(b, f.RSpec.Slack), nil
}

// isFragment is one per-service fragment of IntServ data.
type isFragment struct {
	service Service
	flags   uint8
	data    []byte // the parameters
}

// isParam is one IntServ parameter.
type isParam struct {
	id    ParamID
	flags uint8
	data  []byte
}

// splitIntServ checks the main header of IntServ data and cuts it into
// service fragments. The main length must cover the body exactly and each
// fragment must fit.
func splitIntServ(body []byte) ([]isFragment, *objError) {
	if len(body) < 4 {
		return nil, objErr(ErrBadLength, "%d bytes, no room for the main header", len(body))
	}
	if v := body[0] >> 4; v != 0 {
		return nil, objErr(ErrBadValue, "message format version %d", v)
	}
	if words := int(binary.BigEndian.Uint16(body[2:])); words*4 != len(body)-4 {
		return nil, objErr(ErrBadLength, "main header length %d words, %d bytes follow", words, len(body)-4)
	}
	frags := make([]isFragment, 0, min(len(body)/4, 4))
	for rest := body[4:]; len(rest) > 0; {
		n := 4 + 4*int(binary.BigEndian.Uint16(rest[2:]))
		if n > len(rest) {
			return nil, objErr(ErrBadLength, "service %d fragment of %d bytes, %d left", rest[0], n, len(rest))
		}
		frags = append(frags, isFragment{service: Service(rest[0]), flags: rest[1], data: rest[4:n]})
		rest = rest[n:]
	}
	return frags, nil
}

// splitParams cuts a fragment's data into parameters, each of which must
// fit.
func splitParams(data []byte) ([]isParam, string) {
	var params []isParam
	for rest := data; len(rest) > 0; {
		if len(rest) < 4 {
			return nil, "parameter header cut short"
		}
		n := 4 + 4*int(binary.BigEndian.Uint16(rest[2:]))
		if n > len(rest) {
			return nil, fmt.Sprintf("parameter %d of %d bytes, %d left", rest[0], n, len(rest))
		}
		params = append(params, isParam{id: ParamID(rest[0]), flags: rest[1], data: rest[4:n]})
		rest = rest[n:]
	}
	return params, ""
}

// intServErr is the error for bad IntServ contents: code 21 with the
// value naming the object (TCBadTSpec, TCBadFlowspec, TCBadAdspec).
func intServErr(err error, value uint16, format string, args ...any) *objError {
	return objErr(err, format, args...).withReport(CodeTrafficControl, value)
}

// singleFragment returns the parameters of IntServ data that must hold
// exactly one service fragment.
func singleFragment(body []byte, what string, value uint16) (isFragment, []isParam, *objError) {
	frags, e := splitIntServ(body)
	if e != nil {
		return isFragment{}, nil, intServErr(e.err, value, "%s: %s", what, e.detail)
	}
	if len(frags) != 1 {
		return isFragment{}, nil, intServErr(ErrBadValue, value, "%s with %d service fragments, want 1", what, len(frags))
	}
	params, p := splitParams(frags[0].data)
	if p != "" {
		return isFragment{}, nil, intServErr(ErrBadLength, value, "%s: %s", what, p)
	}
	return frags[0], params, nil
}

// ParseTSpecBody decodes the IntServ contents of a SENDER_TSPEC.
func ParseTSpecBody(body []byte) (TSpec, error) {
	t, e := parseTSpecBody(body)
	if e != nil {
		return t, bodyError(ClassSenderTSpec, e)
	}
	return t, nil
}

func parseTSpecBody(body []byte) (TSpec, *objError) {
	frag, params, e := singleFragment(body, "SENDER_TSPEC", TCBadTSpec)
	if e != nil {
		return TSpec{}, e
	}
	if frag.service != ServiceGeneral {
		return TSpec{}, intServErr(ErrBadValue, TCBadTSpec, "SENDER_TSPEC for %v, want service 1", frag.service)
	}
	if len(params) != 1 || params[0].id != ParamTokenBucket {
		return TSpec{}, intServErr(ErrBadValue, TCBadTSpec, "SENDER_TSPEC parameters are not one token bucket")
	}
	if len(params[0].data) != 20 {
		return TSpec{}, intServErr(ErrBadLength, TCBadTSpec, "token bucket of %d bytes, want 20", len(params[0].data))
	}
	t := tokenBucket(params[0].data)
	if p := t.problem(); p != "" {
		return TSpec{}, intServErr(ErrBadValue, TCBadTSpec, "SENDER_TSPEC: %s", p)
	}
	return t, nil
}

// ParseFlowspecBody decodes the IntServ contents of a FLOWSPEC.
func ParseFlowspecBody(body []byte) (Flowspec, error) {
	f, e := parseFlowspecBody(body)
	if e != nil {
		return f, bodyError(ClassFlowspec, e)
	}
	return f, nil
}

func parseFlowspecBody(body []byte) (Flowspec, *objError) {
	frag, params, e := singleFragment(body, "FLOWSPEC", TCBadFlowspec)
	if e != nil {
		return Flowspec{}, e
	}
	f := Flowspec{Service: frag.service}
	switch f.Service {
	case ServiceControlledLoad, ServiceGuaranteed:
	default:
		return Flowspec{}, intServErr(ErrUnsupportedService, TCServiceUnsupported, "FLOWSPEC for %v", frag.service)
	}
	var haveTB, haveR bool
	for _, p := range params {
		switch {
		case p.id == ParamTokenBucket && !haveTB:
			if len(p.data) != 20 {
				return Flowspec{}, intServErr(ErrBadLength, TCBadFlowspec, "token bucket of %d bytes, want 20", len(p.data))
			}
			f.TSpec, haveTB = tokenBucket(p.data), true
		case p.id == ParamGuaranteedRSpec && f.Service == ServiceGuaranteed && !haveR:
			if len(p.data) != 8 {
				return Flowspec{}, intServErr(ErrBadLength, TCBadFlowspec, "Rspec of %d bytes, want 8", len(p.data))
			}
			f.RSpec = RSpec{
				Rate:  math.Float32frombits(binary.BigEndian.Uint32(p.data)),
				Slack: binary.BigEndian.Uint32(p.data[4:]),
			}
			haveR = true
		default:
			return Flowspec{}, intServErr(ErrBadValue, TCBadFlowspec, "unexpected parameter %d in a %v FLOWSPEC", p.id, f.Service)
		}
	}
	if !haveTB || (f.Service == ServiceGuaranteed && !haveR) {
		return Flowspec{}, intServErr(ErrBadValue, TCBadFlowspec, "%v FLOWSPEC lacks its token bucket or Rspec", f.Service)
	}
	if p := f.problem(); p != "" {
		return Flowspec{}, intServErr(ErrBadValue, TCBadFlowspec, "FLOWSPEC: %s", p)
	}
	return f, nil
}

// bodyError turns a decoding error of lone IntServ contents into a
// *ParseError (offsets are then within the contents).
func bodyError(class ClassNum, e *objError) *ParseError {
	return &ParseError{Class: class, CType: CTypeIntServ, Err: e.err, Detail: e.detail, Report: e.report, Code: e.code, Value: e.value}
}

// The IntServ objects themselves.

func appendIntServObject(b []byte, class ClassNum, body func([]byte) ([]byte, error)) ([]byte, error) {
	b, start := beginObject(b, class, CTypeIntServ)
	b, err := body(b)
	if err != nil {
		return b[:start], err
	}
	return endObject(b, start), nil
}

func (t TSpec) appendTo(b []byte) ([]byte, error) {
	return appendIntServObject(b, ClassSenderTSpec, func(b []byte) ([]byte, error) { return AppendTSpecBody(b, t) })
}

func (f Flowspec) appendTo(b []byte) ([]byte, error) {
	return appendIntServObject(b, ClassFlowspec, func(b []byte) ([]byte, error) { return AppendFlowspecBody(b, f) })
}

func parseTSpec(ctype uint8, body []byte) (TSpec, *objError) {
	if ctype != CTypeIntServ {
		return TSpec{}, errCType(ClassSenderTSpec, ctype)
	}
	return parseTSpecBody(body)
}

func parseFlowspec(ctype uint8, body []byte) (Flowspec, *objError) {
	if ctype != CTypeIntServ {
		return Flowspec{}, errCType(ClassFlowspec, ctype)
	}
	return parseFlowspecBody(body)
}
