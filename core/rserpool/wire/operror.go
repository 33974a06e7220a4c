package wire

import (
	"encoding/binary"
	"fmt"
)

// Operation Error parameter (0xc, RFC 5354 section 3.9): one or more
// error causes, each
//
//	+-------------------------------+-------------------------------+
//	|          Cause Code           |         Cause Length          |
//	+-------------------------------+-------------------------------+
//	:                   Cause-Specific Information                  :
//
// Cause Length counts the 4-byte cause header and the information, not the
// padding to 4 octets that follows. The parameter's length counts the
// padding of every cause but the last.

// OperationError is the Operation Error parameter.
type OperationError struct {
	Causes []ErrorCause
}

// Error makes OperationError usable as a Go error, e.g. to hand a
// registrar's rejection to a caller.
func (e *OperationError) Error() string {
	switch len(e.Causes) {
	case 0:
		return "rserpool operation error (no cause)"
	case 1:
		return "rserpool operation error: " + e.Causes[0].Code.String()
	}
	return fmt.Sprintf("rserpool operation error: %v and %d more causes", e.Causes[0].Code, len(e.Causes)-1)
}

// Has reports whether e carries a cause with code c.
func (e *OperationError) Has(c Cause) bool {
	for _, x := range e.Causes {
		if x.Code == c {
			return true
		}
	}
	return false
}

// UnrecognizedParamCause returns the cause reporting the unrecognized
// parameter p (cause 0x1; the information is the parameter TLV as
// received, without padding).
func UnrecognizedParamCause(p RawParam) ErrorCause {
	return ErrorCause{Code: CauseUnrecognizedParameter, Info: p.tlvBytes()}
}

// UnrecognizedMessageCause returns the cause reporting the unrecognized
// message msg (cause 0x2; the information is the message as received).
// Messages longer than 65531 bytes do not fit a cause: AppendASAP and
// AppendENRP then fail with ErrTooLarge, and the caller should truncate.
func UnrecognizedMessageCause(msg []byte) ErrorCause {
	return ErrorCause{Code: CauseUnrecognizedMessage, Info: cloneBytes(msg)}
}

// ParamCause returns a cause whose information is the parameter p (the
// form of causes 0x3 Invalid Values, 0x5 Inconsistent Pooling Policy and
// 0x7 Inconsistent Transport Type).
func ParamCause(code Cause, p RawParam) ErrorCause {
	return ErrorCause{Code: code, Info: p.tlvBytes()}
}

// AppendOperationErrorParam appends e as an Operation Error parameter.
func AppendOperationErrorParam(b []byte, e *OperationError) ([]byte, error) {
	orig := len(b)
	b, err := appendOperationError(b, e)
	if err != nil {
		return b[:orig], err
	}
	return b, nil
}

func appendOperationError(b []byte, e *OperationError) ([]byte, error) {
	if len(e.Causes) > MaxCauses {
		return b, eerr(ErrTooMany, "operation error with %d causes, limit %d", len(e.Causes), MaxCauses)
	}
	b, start := beginParam(b, ParamOperationError)
	end := len(b)
	for _, c := range e.Causes {
		n := 4 + len(c.Info)
		if n > maxParamLength {
			return b, eerr(ErrTooLarge, "cause %v with %d information bytes", c.Code, len(c.Info))
		}
		b = appendU16(b, uint16(c.Code))
		b = appendU16(b, uint16(n))
		b = append(b, c.Info...)
		end = len(b)
		b = appendPad(b, n)
	}
	return endParam(b, start, end)
}

func decodeOperationError(p tlv) (OperationError, error) {
	var e OperationError
	v, off := p.val, p.off+paramHeaderLen
	for len(v) > 0 {
		if len(e.Causes) == MaxCauses {
			return OperationError{}, tooMany(off, p.typ, "error causes", MaxCauses)
		}
		if len(v) < 4 {
			return OperationError{}, perr(ErrTruncated, off, p.typ, "%d bytes left, too few for an error cause header", len(v))
		}
		code := Cause(binary.BigEndian.Uint16(v))
		n := int(binary.BigEndian.Uint16(v[2:]))
		if n < 4 {
			return OperationError{}, perr(ErrBadLength, off, p.typ, "cause %v length %d is below the header size", code, n)
		}
		if n > len(v) {
			return OperationError{}, perr(ErrTruncated, off, p.typ, "cause %v length %d exceeds the %d bytes left", code, n, len(v))
		}
		e.Causes = append(e.Causes, ErrorCause{Code: code, Info: cloneBytes(v[4:n])})
		adv := min(pad4(n), len(v))
		v, off = v[adv:], off+adv
	}
	return e, nil
}
