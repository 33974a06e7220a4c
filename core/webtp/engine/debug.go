package engine

import "fmt"

// Debug describes the pipe's recovery state (diagnostics).
func (p *Pipe) Debug() string {
	return fmt.Sprintf("cwnd %d inflight %d srtt %v next %d %+v", p.rec.CongestionWindow(), p.rec.BytesInFlight(), p.rec.SRTT(), p.nextPN, p.rec.Stats())
}
