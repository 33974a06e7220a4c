package wire

import (
	"encoding/binary"
	"fmt"
	"net/netip"
)

// ERROR_SPEC (class 6, RFC 2205 A.5):
//
//	C-Type 1 IPv4: Error Node Address(4)  | Flags | Error Code | Error Value(2)
//	C-Type 2 IPv6: Error Node Address(16) | Flags | Error Code | Error Value(2)

// ERROR_SPEC C-Types.
const (
	CTypeErrorSpecIPv4 = 1
	CTypeErrorSpecIPv6 = 2
)

// ERROR_SPEC flags.
const (
	// ErrorInPlace (ResvErr): a reservation is in place at the node that
	// failed to admit the larger one it reports.
	ErrorInPlace = 0x01
	// ErrorNotGuilty (ResvErr): the flowspec that failed is larger than
	// the one this receiver asked for.
	ErrorNotGuilty = 0x02
)

// ErrorCode is an ERROR_SPEC error code (RFC 2205 Appendix B).
type ErrorCode uint8

// The error codes of RFC 2205 Appendix B.
const (
	CodeConfirmation      ErrorCode = 0 // in a ResvConf
	CodeAdmission         ErrorCode = 1
	CodePolicy            ErrorCode = 2
	CodeNoPath            ErrorCode = 3
	CodeNoSender          ErrorCode = 4
	CodeConflictingStyle  ErrorCode = 5 // value: low 16 bits of the existing style's option vector
	CodeUnknownStyle      ErrorCode = 6
	CodeConflictingDport  ErrorCode = 7
	CodeConflictingSport  ErrorCode = 8
	CodePreempted         ErrorCode = 12
	CodeUnknownClass      ErrorCode = 13 // value: ObjectErrorValue
	CodeUnknownCType      ErrorCode = 14 // value: ObjectErrorValue
	CodeAPI               ErrorCode = 20 // local API errors, never sent
	CodeTrafficControl    ErrorCode = 21
	CodeTrafficControlSys ErrorCode = 22
	CodeSystem            ErrorCode = 23
)

// Error values of CodeAdmission (globally defined sub-codes).
const (
	AdmissionDelayBound = 1 // delay bound cannot be met
	AdmissionBandwidth  = 2 // requested bandwidth unavailable
	AdmissionMTU        = 3 // MTU in flowspec larger than interface MTU
)

// Error values of CodeTrafficControl.
const (
	TCServiceConflict    = 1
	TCServiceUnsupported = 2
	TCBadFlowspec        = 3
	TCBadTSpec           = 4
	TCBadAdspec          = 5
)

var errorCodeNames = map[ErrorCode]string{
	CodeConfirmation:      "Confirmation",
	CodeAdmission:         "Admission control failure",
	CodePolicy:            "Policy control failure",
	CodeNoPath:            "No path information",
	CodeNoSender:          "No sender information",
	CodeConflictingStyle:  "Conflicting reservation style",
	CodeUnknownStyle:      "Unknown reservation style",
	CodeConflictingDport:  "Conflicting destination ports",
	CodeConflictingSport:  "Conflicting sender ports",
	CodePreempted:         "Service preempted",
	CodeUnknownClass:      "Unknown object class",
	CodeUnknownCType:      "Unknown object C-Type",
	CodeAPI:               "API error",
	CodeTrafficControl:    "Traffic control error",
	CodeTrafficControlSys: "Traffic control system error",
	CodeSystem:            "RSVP system error",
}

func (c ErrorCode) String() string {
	if s, ok := errorCodeNames[c]; ok {
		return s
	}
	return fmt.Sprintf("ErrorCode(%d)", uint8(c))
}

// ObjectErrorValue is the Error Value of codes 13 and 14: the Class-Num
// and C-Type of the offending object.
func ObjectErrorValue(class ClassNum, ctype uint8) uint16 {
	return uint16(class)<<8 | uint16(ctype)
}

// ErrorSpec is an ERROR_SPEC object.
type ErrorSpec struct {
	Node  netip.Addr // the node that detected the error
	Flags uint8      // ErrorInPlace, ErrorNotGuilty
	Code  ErrorCode
	Value uint16
}

func (e ErrorSpec) appendTo(b []byte) ([]byte, error) {
	if err := checkAddr(e.Node, "ERROR_SPEC node"); err != nil {
		return b, err
	}
	b, start := beginObject(b, ClassErrorSpec, pickCType(e.Node, CTypeErrorSpecIPv4, CTypeErrorSpecIPv6))
	b = appendAddr(b, e.Node)
	b = append(b, e.Flags, byte(e.Code))
	b = binary.BigEndian.AppendUint16(b, e.Value)
	return endObject(b, start), nil
}

func parseErrorSpec(ctype uint8, body []byte) (ErrorSpec, *objError) {
	var e ErrorSpec
	var n int
	switch ctype {
	case CTypeErrorSpecIPv4:
		n = 4
	case CTypeErrorSpecIPv6:
		n = 16
	default:
		return e, errCType(ClassErrorSpec, ctype)
	}
	if len(body) != n+4 {
		return e, objErr(ErrBadLength, "ERROR_SPEC body of %d bytes, want %d", len(body), n+4)
	}
	if n == 4 {
		e.Node = addr4(body)
	} else {
		e.Node = addr16(body)
	}
	e.Flags, e.Code = body[n], ErrorCode(body[n+1])
	e.Value = binary.BigEndian.Uint16(body[n+2:])
	return e, nil
}
