package engine

import "fmt"

// Debug describes the pipe's recovery state (diagnostics).
func (p *Pipe) Debug() string {
	return fmt.Sprintf("cwnd %d inflight %d srtt %v controls %d probes %d next %d", p.rec.CongestionWindow(), p.rec.BytesInFlight(), p.rec.SRTT(), len(p.controls), p.probes, p.nextPN)
}
