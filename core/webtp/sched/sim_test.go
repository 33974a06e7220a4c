package sched

import (
	"strings"
	"testing"
	"time"
)

// sim drives a Scheduler over a simulated link: each decision sends one
// packet, and the clock advances by its serialization time.
type sim struct {
	t       *testing.T
	s       *Scheduler
	start   time.Time
	now     time.Time
	linkBps float64
	size    func(id uint64, urgent bool) int    // default 1250 bytes
	before  func(now time.Time)                 // arrivals, before each decision
	after   func(id uint64, urgent bool, n int) // after each packet
	bytes   map[uint64]int                      // per flow, whole run
	bins    map[uint64][]int                    // per flow, per 1-s bin
}

func newSim(t *testing.T, s *Scheduler, linkBps float64) *sim {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	return &sim{t: t, s: s, start: start, now: start, linkBps: linkBps,
		bytes: map[uint64]int{}, bins: map[uint64][]int{}}
}

func (m *sim) step() {
	if m.before != nil {
		m.before(m.now)
	}
	id, urgent, ok := m.s.Next(m.now)
	if !ok {
		if r := m.s.NextReady(m.now); !r.IsZero() {
			if !r.After(m.now) {
				m.t.Fatalf("NextReady %v not after now %v", r, m.now)
			}
			m.now = r
		} else {
			m.now = m.now.Add(100 * time.Microsecond) // idle link
		}
		return
	}
	n := 1250
	if m.size != nil {
		n = m.size(id, urgent)
	}
	m.s.Sent(id, urgent, n, m.now)
	m.bytes[id] += n
	bin := int(m.now.Sub(m.start) / time.Second)
	b := m.bins[id]
	for len(b) <= bin {
		b = append(b, 0)
	}
	b[bin] += n
	m.bins[id] = b
	if m.after != nil {
		m.after(id, urgent, n)
	}
	m.now = m.now.Add(time.Duration(float64(n) * 8 / m.linkBps * 1e9))
}

func (m *sim) run(d time.Duration) {
	end := m.now.Add(d)
	for m.now.Before(end) {
		m.step()
	}
}

func (m *sim) reset() {
	m.bytes = map[uint64]int{}
}

func (m *sim) frac(id uint64) float64 {
	tot := 0
	for _, b := range m.bytes {
		tot += b
	}
	return float64(m.bytes[id]) / float64(tot)
}

func mustClasses(t *testing.T, text string) *Classes {
	t.Helper()
	cs, err := ParseClasses(strings.NewReader(text))
	if err != nil {
		t.Fatal(err)
	}
	return cs
}

func mustAdd(t *testing.T, s *Scheduler, id uint64, class string) {
	t.Helper()
	if err := s.Add(id, class); err != nil {
		t.Fatal(err)
	}
}

func near(got, want, tol float64) bool { return got >= want-tol && got <= want+tol }

func jain(xs []float64) float64 {
	var sum, sq float64
	for _, x := range xs {
		sum += x
		sq += x * x
	}
	return sum * sum / (float64(len(xs)) * sq)
}
