package handlespace

import (
	"testing"

	"netcompat/core/rserpool/wire"
)

func TestReportUnreachable(t *testing.T) {
	tests := []struct {
		name      string
		max       int
		reports   int // before the checked one
		rereg     bool
		want      wire.Cause
		removed   bool
		wantCount int
	}{
		{name: "first report", reports: 0, wantCount: 1},
		{name: "second report", reports: 1, wantCount: 2},
		{name: "third report removes", reports: 2, removed: true, wantCount: 3},
		{name: "reregistration does not reset", reports: 2, rereg: true, removed: true, wantCount: 3},
		{name: "max 1", max: 1, reports: 0, removed: true, wantCount: 1},
		{name: "max 5, fourth", max: 5, reports: 3, wantCount: 4},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHS(func(c *Config) { c.MaxBadPEReports = tc.max })
			m := mustRegister(t, h, at(0), "p", elem(1), 1)
			mustRegister(t, h, at(0), "p", elem(2), 2)
			for range tc.reports {
				if _, removed, _ := h.ReportUnreachable([]byte("p"), 1); removed {
					t.Fatal("removed early")
				}
			}
			if tc.rereg {
				mustRegister(t, h, at(10), "p", elem(1), 1)
			}
			got, removed, c := h.ReportUnreachable([]byte("p"), 1)
			if got != m || removed != tc.removed || c != 0 || m.UnreachableReports() != tc.wantCount {
				t.Fatalf("got %v removed %v cause %#x count %d", got == m, removed, c, m.UnreachableReports())
			}
			if m.Live() == tc.removed || h.Len() != map[bool]int{true: 1, false: 2}[tc.removed] {
				t.Fatal("liveness")
			}
			checkInvariants(t, h)
		})
	}

	h := newHS(nil)
	mustRegister(t, h, at(0), "p", elem(1), 1)
	if m, removed, c := h.ReportUnreachable([]byte("nope"), 1); m != nil || removed || c != wire.CauseUnknownPoolHandle {
		t.Fatal("unknown pool")
	}
	if m, removed, c := h.ReportUnreachable([]byte("p"), 9); m != nil || removed || c != 0 {
		t.Fatal("unknown element")
	}
	// A peer's element is counted and removed the same way.
	mustUpdate(t, h, at(0), "p", homed(5, peer))
	for i := range 3 {
		if _, removed, _ := h.ReportUnreachable([]byte("p"), 5); removed != (i == 2) {
			t.Fatalf("report %d", i+1)
		}
	}
	// Removed and registered anew: count starts from 0.
	m := mustRegister(t, h, at(0), "p", elem(5), 1)
	if m.UnreachableReports() != 0 {
		t.Fatal("count carried over")
	}
}
