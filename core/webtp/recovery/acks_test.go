package recovery

import (
	"reflect"
	"testing"
	"time"

	"netcompat/core/webtp/wire"
)

func TestAckTrackerInOrder(t *testing.T) {
	a := NewAckTracker()
	if a.AckNow() || !a.Deadline().IsZero() {
		t.Fatal("pending on empty tracker")
	}
	var f wire.Ack
	if a.Frame(at(0), &f) {
		t.Fatal("frame on empty tracker")
	}
	if a.OnReceived(1, at(0), true) {
		t.Fatal("dup")
	}
	if a.AckNow() {
		t.Fatal("ack now after one packet")
	}
	if !a.Deadline().Equal(at(ms)) {
		t.Fatalf("deadline %v", a.Deadline().Sub(t0))
	}
	a.OnReceived(2, at(100*time.Microsecond), true)
	if !a.AckNow() {
		t.Fatal("no ack after two packets")
	}
	if !a.Frame(at(300*time.Microsecond), &f) {
		t.Fatal("no frame")
	}
	if !reflect.DeepEqual(f.Ranges, []wire.AckRange{rng(1, 2)}) || f.Delay != 200 {
		t.Fatalf("frame %+v", f)
	}
	if a.AckNow() || !a.Deadline().IsZero() || a.Frame(at(ms), &f) {
		t.Fatal("pending after frame")
	}
	// Non-ack-eliciting packets are tracked but arm nothing.
	a.OnReceived(3, at(2*ms), false)
	if a.AckNow() || !a.Deadline().IsZero() {
		t.Fatal("ack-only packet armed an ACK")
	}
	if !a.Frame(at(2*ms), &f) || f.Ranges[0] != rng(1, 3) {
		t.Fatalf("frame %+v", f)
	}
}

func TestAckTrackerRangesAndDups(t *testing.T) {
	a := NewAckTracker()
	a.AckEvery = 100
	for _, pn := range []uint64{1, 2, 3, 7, 8, 5, 10} {
		if a.OnReceived(pn, at(0), true) {
			t.Fatalf("%d dup", pn)
		}
	}
	if !a.AckNow() {
		t.Fatal("gap did not make the ACK due")
	}
	for _, pn := range []uint64{1, 3, 5, 7, 8, 10} {
		if !a.OnReceived(pn, at(0), true) {
			t.Fatalf("%d not dup", pn)
		}
	}
	var f wire.Ack
	a.Frame(at(0), &f)
	want := []wire.AckRange{rng(10, 10), rng(7, 8), rng(5, 5), rng(1, 3)}
	if !reflect.DeepEqual(f.Ranges, want) {
		t.Fatalf("ranges %v want %v", f.Ranges, want)
	}
	// Fill gaps: 4 joins 1-3 and 5; 6 joins that and 7-8; 9 closes all.
	for _, pn := range []uint64{4, 6, 9} {
		a.OnReceived(pn, at(0), true)
		if !a.AckNow() {
			t.Fatalf("%d below largest: no immediate ACK", pn)
		}
		a.Frame(at(0), &f)
	}
	if !reflect.DeepEqual(f.Ranges, []wire.AckRange{rng(1, 10)}) {
		t.Fatalf("ranges %v", f.Ranges)
	}
	// Extending the lowest range downwards, and a range below it.
	a.OnReceived(20, at(0), false)
	a.Frame(at(0), &f)
	if !reflect.DeepEqual(f.Ranges, []wire.AckRange{rng(20, 20), rng(1, 10)}) {
		t.Fatalf("ranges %v", f.Ranges)
	}
}

func TestAckTrackerBelowLowest(t *testing.T) {
	a := NewAckTracker()
	a.OnReceived(10, at(0), true)
	a.OnReceived(9, at(0), true)
	a.OnReceived(5, at(0), true)
	var f wire.Ack
	a.Frame(at(0), &f)
	if !reflect.DeepEqual(f.Ranges, []wire.AckRange{rng(9, 10), rng(5, 5)}) {
		t.Fatalf("ranges %v", f.Ranges)
	}
}

func TestAckTrackerWindowBound(t *testing.T) {
	a := NewAckTracker()
	// Every other number: one range each.
	for pn := uint64(1); pn <= 2*(MaxTrackedRanges+10); pn += 2 {
		a.OnReceived(pn, at(0), true)
	}
	if len(a.ranges) != MaxTrackedRanges {
		t.Fatalf("%d ranges", len(a.ranges))
	}
	// The 10 oldest ranges (1, 3, ..., 19) are forgotten: numbers at or
	// below 19 are duplicates, the gap above is not.
	for _, pn := range []uint64{1, 2, 18, 19} {
		if !a.OnReceived(pn, at(0), true) {
			t.Fatalf("%d below the window not a duplicate", pn)
		}
	}
	if a.OnReceived(20, at(0), true) {
		t.Fatal("20 in a live gap reported duplicate")
	}
	var f wire.Ack
	a.Frame(at(0), &f)
	if len(f.Ranges) != wire.MaxAckRanges || f.Ranges[0].Largest != 2*(MaxTrackedRanges+10)-1 {
		t.Fatalf("frame has %d ranges, largest %d", len(f.Ranges), f.Ranges[0].Largest)
	}
	for i := 1; i < len(f.Ranges); i++ {
		if f.Ranges[i].Largest+1 >= f.Ranges[i-1].Smallest {
			t.Fatalf("ranges not descending and apart: %v", f.Ranges[:i+1])
		}
	}
}

func TestAckTrackerDelay(t *testing.T) {
	a := NewAckTracker()
	a.OnReceived(5, at(0), true)
	a.OnReceived(3, at(2*ms), true) // below largest: delay counts from 5
	var f wire.Ack
	a.Frame(at(2500*time.Microsecond), &f)
	if f.Delay != 2500 {
		t.Fatalf("delay %d", f.Delay)
	}
}
