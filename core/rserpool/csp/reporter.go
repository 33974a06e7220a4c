package csp

import (
	"net"
	"net/netip"
	"sync"
	"time"

	"netcompat/core/netlog"
)

// MinInterval is the shortest report interval rsplib allows.
const MinInterval = 250 * time.Millisecond

// Snapshot is what a report says; the Reporter asks for one before each
// report. ok false skips the report (rsplib sends nothing while the
// identifier's object part is still 0, e.g. before a pool element has an
// identifier).
type Snapshot func() (r Report, ok bool)

// Reporter sends a report to a monitor at every interval, at once when it
// starts, and a final one (FlagFinal, empty texts) when it is closed.
type Reporter struct {
	conn     *net.UDPConn
	interval time.Duration
	snapshot Snapshot
	start    time.Time

	stop chan struct{}
	done chan struct{}
	once sync.Once
	last Report // the identifier of the last report, for the final one
	mu   sync.Mutex
}

// NewReporter starts reporting to monitor every interval (at least
// MinInterval).
func NewReporter(monitor netip.AddrPort, interval time.Duration, snapshot Snapshot) (*Reporter, error) {
	conn, err := net.DialUDP("udp", nil, net.UDPAddrFromAddrPort(monitor))
	if err != nil {
		return nil, err
	}
	r := &Reporter{
		conn:     conn,
		interval: max(interval, MinInterval),
		snapshot: snapshot,
		start:    time.Now(),
		stop:     make(chan struct{}),
		done:     make(chan struct{}),
	}
	go r.run()
	return r, nil
}

func (r *Reporter) run() {
	defer close(r.done)
	t := time.NewTicker(r.interval)
	defer t.Stop()
	for {
		if rep, ok := r.snapshot(); ok {
			r.send(&rep)
		}
		select {
		case <-t.C:
		case <-r.stop:
			return
		}
	}
}

func (r *Reporter) send(rep *Report) {
	if Object(rep.SenderID) == 0 {
		return
	}
	rep.TimeStamp = uint64(time.Since(r.start).Microseconds())
	rep.Interval = uint32(min(r.interval.Microseconds(), 1<<32-1))
	if len(rep.Associations) > MaxAssociations {
		rep.Associations = rep.Associations[:MaxAssociations]
	}
	b, err := Append(nil, rep)
	if err == nil {
		_, err = r.conn.Write(b)
	}
	if err != nil {
		netlog.Printf("csp: report to %v: %v", r.conn.RemoteAddr(), err)
		return
	}
	if rep.Flags&FlagFinal == 0 {
		r.mu.Lock()
		r.last = Report{SenderID: rep.SenderID}
		r.mu.Unlock()
	}
}

// Close stops the reports and sends the final one.
func (r *Reporter) Close() error {
	r.once.Do(func() {
		close(r.stop)
		<-r.done
		r.mu.Lock()
		final := Report{Flags: FlagFinal, SenderID: r.last.SenderID}
		r.mu.Unlock()
		r.send(&final)
	})
	return r.conn.Close()
}
