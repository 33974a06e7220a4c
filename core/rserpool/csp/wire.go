package csp

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"strings"
)

// Version is CSP_VERSION.
const Version = 0x0200

// TypeReport is CSPT_REPORT, the only message type.
const TypeReport = 0x01

// FlagFinal (CSPF_FINAL) marks the last report of a component that is
// going away.
const FlagFinal = 0x01

// Sizes of the fixed parts.
const (
	reportLen      = 288 // struct ComponentStatusReport without associations
	associationLen = 24  // struct ComponentAssociation
	textLen        = 128 // CSPR_LOCATION_SIZE, CSPR_STATUS_SIZE
	// MaxAssociations keeps a report within the 16-bit length field.
	MaxAssociations = (math.MaxUint16 - reportLen) / associationLen
	// TextMax is the longest location or status text a report carries.
	TextMax = textLen - 1
)

// UnknownDuration is an association's Duration when its age is unknown.
const UnknownDuration = math.MaxUint64

// Association is one association a component has.
type Association struct {
	ReceiverID uint64 // component identifier of the peer
	Duration   uint64 // microseconds since it was set up, or UnknownDuration
	Flags      uint16
	ProtocolID uint16 // IPPROTO_SCTP, IPPROTO_TCP
	PPID       uint32
}

// Report is one status report.
type Report struct {
	Flags     uint8
	SenderID  uint64 // component identifier (Compound)
	TimeStamp uint64 // microseconds since the sender's first report
	Interval  uint32 // microseconds until the next report
	Location  string // at most 127 bytes are sent
	Status    string // at most 127 bytes are sent
	// Workload is the load in [0, 1], or negative when unknown.
	Workload     float64
	Associations []Association
}

// Errors of Parse.
var (
	ErrShort   = errors.New("csp: report too short")
	ErrType    = errors.New("csp: not a report")
	ErrVersion = errors.New("csp: unsupported version")
	ErrLength  = errors.New("csp: length field disagrees with the report")
)

// Append appends r's encoding to b. Texts longer than 127 bytes are cut
// (the fields keep a terminating NUL); more than MaxAssociations
// associations are an error.
func Append(b []byte, r *Report) ([]byte, error) {
	if len(r.Associations) > MaxAssociations {
		return b, fmt.Errorf("csp: %d associations, at most %d fit", len(r.Associations), MaxAssociations)
	}
	n := reportLen + associationLen*len(r.Associations)
	be := binary.BigEndian
	b = append(b, TypeReport, r.Flags)
	b = be.AppendUint16(b, uint16(n))
	b = be.AppendUint32(b, Version)
	b = be.AppendUint64(b, r.SenderID)
	b = be.AppendUint64(b, r.TimeStamp)
	b = be.AppendUint32(b, r.Interval)
	b = appendText(b, r.Location)
	b = appendText(b, r.Status)
	b = be.AppendUint16(b, workload(r.Workload))
	b = be.AppendUint16(b, uint16(len(r.Associations)))
	for _, a := range r.Associations {
		b = be.AppendUint64(b, a.ReceiverID)
		b = be.AppendUint64(b, a.Duration)
		b = be.AppendUint16(b, a.Flags)
		b = be.AppendUint16(b, a.ProtocolID)
		b = be.AppendUint32(b, a.PPID)
	}
	return b, nil
}

func appendText(b []byte, s string) []byte {
	var f [textLen]byte
	copy(f[:textLen-1], s)
	return append(b, f[:]...)
}

// workload is CSR_SET_WORKLOAD: 0xffff unknown, else w x 0xfffe.
func workload(w float64) uint16 {
	if w < 0 || math.IsNaN(w) {
		return 0xffff
	}
	return uint16(math.Round(min(w, 1) * 0xfffe))
}

// Parse decodes one report.
func Parse(b []byte) (*Report, error) {
	if len(b) < reportLen {
		return nil, ErrShort
	}
	be := binary.BigEndian
	if b[0] != TypeReport {
		return nil, ErrType
	}
	if v := be.Uint32(b[4:]); v != Version {
		return nil, fmt.Errorf("%w 0x%04x", ErrVersion, v)
	}
	n := int(be.Uint16(b[2:]))
	count := int(be.Uint16(b[286:]))
	if n != reportLen+associationLen*count || n > len(b) {
		return nil, ErrLength
	}
	r := &Report{
		Flags:     b[1],
		SenderID:  be.Uint64(b[8:]),
		TimeStamp: be.Uint64(b[16:]),
		Interval:  be.Uint32(b[24:]),
		Location:  text(b[28 : 28+textLen]),
		Status:    text(b[156 : 156+textLen]),
		Workload:  -1,
	}
	if w := be.Uint16(b[284:]); w != 0xffff {
		r.Workload = float64(w) / 0xfffe
	}
	if count > 0 {
		r.Associations = make([]Association, count)
	}
	for i := range r.Associations {
		p := b[reportLen+i*associationLen:]
		r.Associations[i] = Association{
			ReceiverID: be.Uint64(p),
			Duration:   be.Uint64(p[8:]),
			Flags:      be.Uint16(p[16:]),
			ProtocolID: be.Uint16(p[18:]),
			PPID:       be.Uint32(p[20:]),
		}
	}
	return r, nil
}

// text is a NUL-terminated (or full) text field.
func text(f []byte) string {
	s := string(f)
	if i := strings.IndexByte(s, 0); i >= 0 {
		s = s[:i]
	}
	return s
}
