package handlespace

import (
	"slices"
	"testing"
	"time"
)

func TestKeepAlive(t *testing.T) {
	h := newHS(nil)
	a := mustRegister(t, h, at(0), "p", elem(1), 1)
	b := mustRegister(t, h, at(1000), "p", elem(2), 2)
	peerEl := mustUpdate(t, h, at(0), "p", homed(3, peer))

	type step struct {
		now      int64
		do       func()
		due      []Key
		timeouts []Key
		next     int64 // NextDeadline in ms, -1 for none
	}
	k1, k2 := Key{"p", 1}, Key{"p", 2}
	steps := []step{
		{now: 4999, next: 5000},
		{now: 5000, due: []Key{k1}, next: 5000},
		{now: 6000, due: []Key{k1, k2}, next: 5000},
		{now: 6000, do: func() { h.KeepAliveSent(at(6000), a) }, due: []Key{k2}, next: 6000},
		{now: 6000, do: func() { h.KeepAliveSent(at(6000), b) }, next: 11000},
		{now: 8000, do: func() { h.KeepAliveAcked(at(8000), b) }, next: 11000},
		{now: 10999, next: 11000},
		{now: 11000, timeouts: []Key{k1}, next: 11000},
		{now: 13000, due: []Key{k2}, timeouts: []Key{k1}, next: 11000},
		{now: 13000, do: func() { h.Remove(a) }, due: []Key{k2}, next: 13000},
	}
	for i, s := range steps {
		if s.do != nil {
			s.do()
		}
		if got := keys(h.KeepAlivesDue(at(s.now), nil)); !slices.Equal(got, s.due) {
			t.Fatalf("step %d: due %v, want %v", i, got, s.due)
		}
		if got := keys(h.KeepAliveTimeouts(at(s.now), nil)); !slices.Equal(got, s.timeouts) {
			t.Fatalf("step %d: timeouts %v, want %v", i, got, s.timeouts)
		}
		next, ok := h.NextDeadline()
		if !ok || !next.Equal(at(s.next)) {
			t.Fatalf("step %d: next deadline %v, want %d ms", i, next.Sub(t0), s.next)
		}
		checkInvariants(t, h)
	}
	if last, ok := b.LastKeepAlive(); !ok || !last.Equal(at(6000)) || b.KeepAlivePending() {
		t.Fatalf("b: last keep-alive %v %v pending %v", last, ok, b.KeepAlivePending())
	}
	if _, ok := peerEl.LastKeepAlive(); ok {
		t.Fatal("keep-alive recorded for a peer's element")
	}
	if h.KeepAliveSent(at(0), peerEl) || h.KeepAliveAcked(at(0), peerEl) || h.KeepAliveSent(at(0), a) || h.KeepAliveAcked(at(0), a) {
		t.Fatal("keep-alive bookkeeping for an element not owned here")
	}
	// dst is appended to.
	dst := h.KeepAlivesDue(at(13000), make([]*Member, 1))
	if len(dst) != 2 || dst[0] != nil {
		t.Fatal("dst not appended to")
	}
}

func TestKeepAliveConfig(t *testing.T) {
	h := newHS(func(c *Config) { c.KeepAliveInterval = time.Second; c.KeepAliveTimeout = 300 * time.Millisecond })
	m := mustRegister(t, h, at(0), "p", elem(1), 1)
	if len(h.KeepAlivesDue(at(999), nil)) != 0 || len(h.KeepAlivesDue(at(1000), nil)) != 1 {
		t.Fatal("interval")
	}
	h.KeepAliveSent(at(1000), m)
	if len(h.KeepAliveTimeouts(at(1299), nil)) != 0 || len(h.KeepAliveTimeouts(at(1300), nil)) != 1 {
		t.Fatal("timeout")
	}
	// An unsolicited Ack restarts the interval, as in rsplib.
	h.KeepAliveAcked(at(1300), m)
	h.KeepAliveAcked(at(1800), m)
	if d, _ := m.KeepAliveDeadline(); !d.Equal(at(2800)) {
		t.Fatalf("deadline %v", d.Sub(t0))
	}
	def := newHS(nil).Config()
	if def.KeepAliveInterval != 5*time.Second || def.KeepAliveTimeout != 5*time.Second || def.MaxBadPEReports != 3 ||
		def.MaxHandleLen != 32 || def.MaxAddrs != 64 {
		t.Fatalf("defaults %+v", def)
	}
}

func TestKeepAliveManyDueSorted(t *testing.T) {
	h := newHS(nil)
	for i := range 200 {
		// Registered in scrambled time order.
		ms := int64((i * 37) % 200)
		mustRegister(t, h, at(ms), "p", elem(uint32(i+1)), ConnKey(i+1))
	}
	due := h.KeepAlivesDue(at(5099), nil)
	if len(due) != 100 {
		t.Fatalf("%d due, want 100", len(due))
	}
	if !slices.IsSortedFunc(due, func(a, b *Member) int { return int(a.kaAt - b.kaAt) }) {
		t.Fatal("not earliest first")
	}
}
