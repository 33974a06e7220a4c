package wire

import (
	"encoding/binary"
	"time"
)

// TIME_VALUES (class 5, C-Type 1, RFC 2205 A.4): the refresh period R in
// milliseconds as one 32-bit word.

// CTypeTimeValues is the only TIME_VALUES C-Type.
const CTypeTimeValues = 1

// MaxRefreshPeriod is the largest refresh period TIME_VALUES can carry.
const MaxRefreshPeriod = time.Duration(1<<32-1) * time.Millisecond

// TimeValues is a TIME_VALUES object.
type TimeValues struct {
	// RefreshPeriod is the sender's refresh period R. It travels in whole
	// milliseconds; Append drops anything finer.
	RefreshPeriod time.Duration
}

func (t TimeValues) appendTo(b []byte) ([]byte, error) {
	if t.RefreshPeriod < 0 || t.RefreshPeriod > MaxRefreshPeriod {
		return b, invalid("refresh period %v out of range", t.RefreshPeriod)
	}
	b, start := beginObject(b, ClassTimeValues, CTypeTimeValues)
	b = binary.BigEndian.AppendUint32(b, uint32(t.RefreshPeriod/time.Millisecond))
	return endObject(b, start), nil
}

func parseTimeValues(ctype uint8, body []byte) (TimeValues, *objError) {
	if ctype != CTypeTimeValues {
		return TimeValues{}, errCType(ClassTimeValues, ctype)
	}
	if len(body) != 4 {
		return TimeValues{}, objErr(ErrBadLength, "TIME_VALUES body of %d bytes, want 4", len(body))
	}
	ms := binary.BigEndian.Uint32(body)
	return TimeValues{RefreshPeriod: time.Duration(ms) * time.Millisecond}, nil
}
