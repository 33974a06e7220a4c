package main

import (
	"testing"

	"netcompat/core/rsvp/api"
)

// The queue keeps one path and one resv state per session and every
// one-shot event, in order.
func TestSupersede(t *testing.T) {
	var q []*api.Event
	add := func(sid uint32, kind string, n int) {
		q = supersede(q, &api.Event{SID: sid, Event: kind, Style: n})
	}
	for i := range 1000 {
		add(1, api.EventPath, i)
		add(1, api.EventResv, i)
		add(2, api.EventPath, i)
	}
	add(1, api.EventResvConfirm, 0)
	add(1, api.EventResvConfirm, 1)
	if len(q) != 5 {
		t.Fatalf("%d events queued, want 5", len(q))
	}
	for _, ev := range q[:3] {
		if ev.Style != 999 {
			t.Fatalf("stale state kept: %+v", ev)
		}
	}
	if q[3].Event != api.EventResvConfirm || q[4].Style != 1 {
		t.Fatalf("one-shot events: %+v %+v", q[3], q[4])
	}
}
