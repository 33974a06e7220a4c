package tc

import (
	"errors"
	"testing"
)

// The Recorder needs no privileges: these tests always run.
func TestRecorder(t *testing.T) {
	rec := NewRecorder()
	var e Enforcer = rec
	if _, err := e.Install("eth0", udp4(5000, 1000)); !errors.Is(err, ErrNotAttached) {
		t.Fatalf("Install before Attach: %v", err)
	}
	if err := e.Attach("eth0", IfaceConfig{Rate: 20 * mbit}); err != nil {
		t.Fatal(err)
	}
	if err := e.Attach("eth0", IfaceConfig{Rate: 20 * mbit}); !errors.Is(err, ErrAttached) {
		t.Fatalf("second Attach: %v", err)
	}
	r := udp4(5000, 500000, snd("10.9.0.1", 4000))
	h, err := e.Install("eth0", r)
	if err != nil {
		t.Fatal(err)
	}
	r.Senders[0].Port = 1 // the Recorder must have copied the senders
	got := rec.Installed("eth0")
	if len(got) != 1 || got[0].Handle != h || got[0].Reservation.Senders[0].Port != 4000 {
		t.Fatalf("Installed: %+v", got)
	}
	want, _ := ComputeParams(udp4(5000, 500000), link20)
	if got[0].Params != want {
		t.Errorf("params %+v, want %+v (same as Netlink's on a 1500-byte Ethernet link)", got[0].Params, want)
	}
	// Same capacity rules as Netlink.
	big := udp4(5001, 19*mbit)
	big.PeakRate = 19 * mbit
	if _, err := e.Install("eth0", big); !errors.Is(err, ErrCapacity) {
		t.Errorf("oversized Install: %v, want ErrCapacity", err)
	}
	r.TokenRate, r.PeakRate = 600000, 600000
	if err := e.Modify(h, r); err != nil {
		t.Fatal(err)
	}
	if err := e.Remove(h); err != nil {
		t.Fatal(err)
	}
	if err := e.Remove(h); !errors.Is(err, ErrUnknownHandle) {
		t.Errorf("second Remove: %v", err)
	}
	// A stale handle whose class number is reused does not reach the new
	// reservation.
	h2, err := e.Install("eth0", r)
	if err != nil {
		t.Fatal(err)
	}
	stale := h
	stale.minor = h2.minor
	if err := e.Remove(stale); !errors.Is(err, ErrUnknownHandle) {
		t.Errorf("stale handle: %v, want ErrUnknownHandle", err)
	}

	boom := errors.New("injected")
	rec.Fail = func(op Op) error {
		if op.Kind == "modify" {
			return boom
		}
		return nil
	}
	if err := e.Modify(h2, r); !errors.Is(err, boom) {
		t.Errorf("Fail hook: %v", err)
	}
	if err := e.Reconcile([]string{"eth0", "eth1"}); err != nil {
		t.Fatal(err)
	}
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Install("eth0", r); !errors.Is(err, ErrClosed) {
		t.Errorf("Install after Close: %v", err)
	}

	var kinds []string
	for _, op := range rec.Ops() {
		kinds = append(kinds, op.Kind)
	}
	wantKinds := []string{"install", "attach", "attach", "install", "install", "modify", "remove", "remove",
		"install", "remove", "modify", "reconcile", "close", "install"}
	if len(kinds) != len(wantKinds) {
		t.Fatalf("log %v\nwant %v", kinds, wantKinds)
	}
	for i := range kinds {
		if kinds[i] != wantKinds[i] {
			t.Fatalf("log %v\nwant %v", kinds, wantKinds)
		}
	}
	ops := rec.Ops()
	if ops[3].Handle != h || ops[3].Params != want || ops[3].Err != nil {
		t.Errorf("install entry %+v", ops[3])
	}
	if !errors.Is(ops[4].Err, ErrCapacity) {
		t.Errorf("refused install logged with %v", ops[4].Err)
	}
}

func TestNoopKeepsNoLog(t *testing.T) {
	n := NewNoop()
	if err := n.Attach("x", IfaceConfig{Rate: mbit}); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 100; i++ {
		h, err := n.Install("x", udp4(5000, 1000))
		if err != nil {
			t.Fatal(err)
		}
		if err := n.Remove(h); err != nil {
			t.Fatal(err)
		}
	}
	if len(n.Ops()) != 0 {
		t.Errorf("no-op Recorder logged %d operations", len(n.Ops()))
	}
}
