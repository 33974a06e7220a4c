package recovery

import (
	"sort"
	"testing"
	"time"

	"netcompat/core/webtp/wire"
)

// lossyRun sends a packet every 100 µs and loses every n-th (0: none);
// packet k is acknowledged rttOf(k) after it was sent. Events run in time
// order, so the sender sees exactly those RTTs.
func lossyRun(t *testing.T, packets int, every int, rttOf func(pn uint64) time.Duration) *Sender {
	t.Helper()
	type event struct {
		at  time.Time
		pn  uint64
		ack bool
	}
	var evs []event
	for k := uint64(1); k <= uint64(packets); k++ {
		sent := at(time.Duration(k) * 100 * time.Microsecond)
		evs = append(evs, event{at: sent, pn: k})
		if every == 0 || k%uint64(every) != 0 {
			evs = append(evs, event{at: sent.Add(rttOf(k)), pn: k, ack: true})
		}
	}
	sort.SliceStable(evs, func(i, j int) bool { return evs[i].at.Before(evs[j].at) })
	s := NewSender(Config{})
	for _, e := range evs {
		if e.ack {
			s.OnAck([]wire.AckRange{{Smallest: e.pn, Largest: e.pn}}, 0, e.at, nil, nil)
		} else {
			s.OnPacketSent(e.pn, e.at, wire.MaxPacketSize, true)
		}
	}
	return s
}

func TestRandomLossKeepsWindow(t *testing.T) {
	flat := func(uint64) time.Duration { return 2 * time.Millisecond }
	// 1 % loss on an empty path: random, the window is kept.
	s := lossyRun(t, 3000, 100, flat)
	st := s.Stats()
	if st.Lost == 0 || st.RandomLosses == 0 || st.CongestionEvents != 0 {
		t.Fatalf("1 %% loss, no queue: %+v", st)
	}
	// 5 % loss: beyond the tolerance, answered as congestion.
	s = lossyRun(t, 3000, 20, flat)
	if st := s.Stats(); st.CongestionEvents == 0 {
		t.Fatalf("5 %% loss, no queue: no window reduction: %+v", st)
	}
	// Rare losses that come with a queue (RTT up 4 ms): congestion.
	queued := func(pn uint64) time.Duration {
		if m := pn % 100; m > 90 || m < 10 {
			return 6 * time.Millisecond
		}
		return 2 * time.Millisecond
	}
	s = lossyRun(t, 3000, 100, queued)
	if st := s.Stats(); st.CongestionEvents == 0 {
		t.Fatalf("1 %% loss with a queue: no window reduction: %+v", st)
	}
}
