package recovery

import (
	"testing"
	"time"

	"netcompat/core/webtp/wire"
)

// An ACK reaching down to packet number 0 (never sent; the decoder allows
// it) must not loop, whether or not anything is in flight. Found by
// engine.FuzzEndpointReceive.
func TestAckRangeFromZero(t *testing.T) {
	s := NewSender(Config{})
	now := time.Unix(1000, 0)
	s.OnPacketSent(1, now, 1000, true)
	s.OnAck([]wire.AckRange{{Smallest: 0, Largest: 1}}, 0, now.Add(time.Millisecond), nil, nil)
	if s.BytesInFlight() != 0 {
		t.Fatalf("in flight %d after acking everything", s.BytesInFlight())
	}
	// Nothing in flight now: the same ACK again must return.
	s.OnAck([]wire.AckRange{{Smallest: 0, Largest: 49}}, 0, now.Add(2*time.Millisecond), nil, nil)
	s.OnAck([]wire.AckRange{{Smallest: 0, Largest: 0}}, 0, now.Add(2*time.Millisecond), nil, nil)
}
