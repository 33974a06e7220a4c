package recovery

import (
	"time"

	"netcompat/core/webtp/wire"
)

// t0 is the simulated clock's origin.
var t0 = time.Unix(1_700_000_000, 0)

func at(d time.Duration) time.Time { return t0.Add(d) }

const mss = wire.MaxPacketSize

// collector records callback numbers in order.
type collector struct {
	acked, lost []uint64
	order       []string
}

func (c *collector) ack(pn uint64)  { c.acked = append(c.acked, pn); c.order = append(c.order, "a") }
func (c *collector) loss(pn uint64) { c.lost = append(c.lost, pn); c.order = append(c.order, "l") }

func rng(a, b uint64) wire.AckRange { return wire.AckRange{Smallest: a, Largest: b} }
