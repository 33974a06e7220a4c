package main

import (
	"fmt"
	"io"
	"syscall"
	"time"

	"netcompat/core/rserpool/registrar"
)

// The statistics file (-statsfile, one line per -statsinterval) has
// rsplib's registrar layout: a header line naming the columns, then per
// line a six-digit line number (no header of its own, so R's read.table
// takes it as the row name) and the columns, separated by spaces:
//
//	AbsTime            seconds since 1970 (wall clock) when the line was written
//	RelTime            seconds since the first line
//	Runtime            seconds since the process started
//	UserTime           CPU seconds in user mode (getrusage)
//	SystemTime         CPU seconds in the kernel
//	Peers              ENRP peers
//	Pools              pools in the handlespace
//	PoolElements       pool elements in the handlespace
//	OwnedPoolElements  of these, the ones this registrar is home of
//	Registrations      accepted registrations, re-registrations included (since start)
//	Reregistrations    of these, re-registrations
//	Deregistrations    successful deregistrations
//	HandleResolutions  handle resolutions received
//	FailureReports     Endpoint Unreachable reports counted
//	Synchronizations   ENRP Handle Table Requests served (rsplib counts these)
//	HandleUpdates      ENRP Handle Updates received
//	EndpointKeepAlives Endpoint Keep-Alives sent
//
// Counters are cumulative. rsplib compresses files named *.bz2; this
// registrar writes plain text whatever the name.
const statsHeader = "AbsTime RelTime Runtime UserTime SystemTime   Peers Pools PoolElements OwnedPoolElements   " +
	"Registrations Reregistrations Deregistrations HandleResolutions FailureReports Synchronizations HandleUpdates EndpointKeepAlives\n"

// statsWriter writes the statistics file.
type statsWriter struct {
	w            io.Writer
	line         int
	first        time.Time
	processStart time.Time
}

func newStatsWriter(w io.Writer, processStart time.Time) (*statsWriter, error) {
	if _, err := io.WriteString(w, statsHeader); err != nil {
		return nil, err
	}
	return &statsWriter{w: w, processStart: processStart}, nil
}

// write writes one line for st at now.
func (s *statsWriter) write(now time.Time, st registrar.Stats) error {
	if s.line == 0 {
		s.first = now
	}
	s.line++
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	_, err := fmt.Fprintf(s.w, "%06d %1.6f %1.6f   %1.6f %1.6f %1.6f   %d %d %d %d   %d %d %d %d %d %d %d %d\n",
		s.line,
		float64(now.UnixMicro())/1e6,
		now.Sub(s.first).Seconds(),
		now.Sub(s.processStart).Seconds(),
		tvSeconds(ru.Utime), tvSeconds(ru.Stime),
		st.Peers, st.Pools, st.PoolElements, st.OwnedPoolElements,
		st.Registrations, st.Reregistrations, st.Deregistrations, st.HandleResolutions,
		st.FailureReports, st.HandleTableRequests, st.HandleUpdatesReceived, st.KeepAlives)
	return err
}

func tvSeconds(tv syscall.Timeval) float64 {
	return float64(tv.Sec) + float64(tv.Usec)/1e6
}
