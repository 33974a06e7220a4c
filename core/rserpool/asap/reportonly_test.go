package asap

import (
	"testing"

	"netcompat/core/rserpool/wire"
)

// A response whose Operation Error only reports skipped parameters is a
// success; any other cause is a refusal.
func TestReportOnly(t *testing.T) {
	report := wire.ErrorCause{Code: wire.CauseUnrecognizedParameter, Info: []byte{0x80, 0x01, 0, 4}}
	for _, tc := range []struct {
		causes []wire.ErrorCause
		want   bool
	}{
		{nil, false},
		{[]wire.ErrorCause{report}, true},
		{[]wire.ErrorCause{report, report}, true},
		{[]wire.ErrorCause{report, {Code: wire.CauseInconsistentPolicy}}, false},
		{[]wire.ErrorCause{{Code: wire.CauseUnknownPoolHandle}}, false},
	} {
		if got := reportOnly(&wire.OperationError{Causes: tc.causes}); got != tc.want {
			t.Errorf("reportOnly(%v) = %v, want %v", tc.causes, got, tc.want)
		}
	}
}

func TestNewPEID(t *testing.T) {
	seen := map[uint32]bool{}
	for range 1000 {
		id := NewPEID()
		if id == 0 || seen[id] {
			t.Fatalf("identifier %d is zero or repeated", id)
		}
		seen[id] = true
	}
}
