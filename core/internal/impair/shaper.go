package impair

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"time"
)

// LinkConfig describes the impairment of one direction. The zero value is
// a perfect link: unlimited rate, no delay, no loss.
//
// Which packets are impaired: Rate, QueueBytes, Overhead, Delay, Jitter
// and Reorder are properties of the link and apply to every packet, so
// that an unmatched packet never overtakes a matched one and shares the
// bottleneck with it. Loss, GE and Duplicate apply only to packets for
// which Match returns true (all packets when Match is nil).
type LinkConfig struct {
	// Rate is the link rate in bits per second counted over IP packet
	// bytes plus Overhead; 0 means unlimited. Packets are serialised one
	// after another: a packet leaves when the link has finished the
	// previous one, so queueing delay is real.
	Rate int64
	// Overhead is added to each packet's IP length for the rate only
	// (e.g. 14 for Ethernet framing, as the ceilings in webtp.md §7
	// assume: 1514-byte frames).
	Overhead int
	// QueueBytes bounds the bytes waiting for the rate-limited link
	// (drop-tail). 0 means 1 BDP: Rate × (Delay of this direction +
	// Delay of the reverse direction) / 8, at least 64 KiB. Ignored
	// when Rate is 0.
	QueueBytes int

	// Delay is the fixed one-way propagation delay, added after
	// serialisation.
	Delay time.Duration
	// Jitter adds a uniform random offset in [-Jitter, +Jitter] to
	// Delay (the total never goes below 0). Unless Reorder is set a
	// packet is never delivered before one that entered the link
	// earlier (its delivery is pushed back instead).
	Jitter  time.Duration
	Reorder bool

	// Loss is the Bernoulli loss probability of a matched packet.
	// Ignored when GE is set.
	Loss float64
	// GE, when set, replaces Loss by a Gilbert-Elliott loss model.
	GE *GilbertElliott
	// Duplicate is the probability that a matched packet (that was not
	// lost) is delivered twice. The copy follows the original through
	// the rate queue.
	Duplicate float64

	// Seed makes the random decisions reproducible: the same seed and
	// the same sequence of matched packets give the same losses,
	// duplicates and jitter. Set re-seeds only when Seed changes.
	Seed int64

	// Match selects the packets that Loss, GE and Duplicate apply to;
	// nil matches every packet. It gets the whole IP packet and must not
	// keep or modify it. See MatchUDP, MatchTCP, MatchPort.
	Match func(pkt []byte) bool
}

// GilbertElliott is a two-state Markov loss model, evaluated once per
// matched packet: the packet is lost with the loss probability of the
// current state, then the state changes (good to bad with P, bad to good
// with R). The long-run loss rate is
// (R·GoodLoss + P·BadLoss) / (P + R); mean burst length in the bad state
// is 1/R packets. The classic Gilbert model is BadLoss 1, GoodLoss 0.
type GilbertElliott struct {
	P, R              float64 // transition probabilities good→bad, bad→good
	BadLoss, GoodLoss float64 // loss probability in each state
}

// MeanLoss is the stationary loss probability of the model.
func (g GilbertElliott) MeanLoss() float64 {
	if g.P+g.R == 0 {
		return g.GoodLoss
	}
	return (g.R*g.GoodLoss + g.P*g.BadLoss) / (g.P + g.R)
}

func (c *LinkConfig) validate() error {
	prob := func(name string, v float64) error {
		if v < 0 || v > 1 || v != v {
			return fmt.Errorf("impair: %s %v not in [0, 1]", name, v)
		}
		return nil
	}
	if c.Rate < 0 || c.Overhead < 0 || c.QueueBytes < 0 || c.Delay < 0 || c.Jitter < 0 {
		return errors.New("impair: Rate, Overhead, QueueBytes, Delay and Jitter must not be negative")
	}
	if err := prob("Loss", c.Loss); err != nil {
		return err
	}
	if err := prob("Duplicate", c.Duplicate); err != nil {
		return err
	}
	if g := c.GE; g != nil {
		for _, p := range []struct {
			n string
			v float64
		}{{"GE.P", g.P}, {"GE.R", g.R}, {"GE.BadLoss", g.BadLoss}, {"GE.GoodLoss", g.GoodLoss}} {
			if err := prob(p.n, p.v); err != nil {
				return err
			}
		}
	}
	return nil
}

// minQueue is the floor of the default queue bound.
const minQueue = 64 << 10

// shaper holds one direction's impairment state and makes every decision;
// it does no I/O, so it is tested on its own. Times are nanoseconds on
// the Path's monotonic clock. Not safe for concurrent use (Link locks).
type shaper struct {
	cfg       LinkConfig
	ge        GilbertElliott // copy of *cfg.GE
	rng       *rand.Rand
	bad       bool  // Gilbert-Elliott state
	linkFree  int64 // when the link finishes the last admitted packet
	last      int64 // latest delivery time handed out (no-reorder clamp)
	peerDelay func() time.Duration
}

// Drop reasons returned by admit.
const (
	keep = iota
	lost
	queueFull
)

func newShaper(cfg LinkConfig, stream uint64) *shaper {
	s := &shaper{}
	s.set(cfg, stream, true)
	return s
}

func (s *shaper) set(cfg LinkConfig, stream uint64, reseed bool) {
	if reseed || cfg.Seed != s.cfg.Seed {
		s.rng = rand.New(rand.NewPCG(uint64(cfg.Seed), 0x696d70616972^stream))
		s.bad = false
	}
	if cfg.GE != nil {
		s.ge = *cfg.GE
		cfg.GE = &s.ge // the caller may reuse its struct
	}
	s.cfg = cfg
}

// queueLimit is the drop-tail bound in bytes.
func (s *shaper) queueLimit() float64 {
	if s.cfg.QueueBytes > 0 {
		return float64(s.cfg.QueueBytes)
	}
	rtt := s.cfg.Delay
	if s.peerDelay != nil {
		rtt += s.peerDelay()
	} else {
		rtt += s.cfg.Delay
	}
	bdp := float64(s.cfg.Rate) * rtt.Seconds() / 8
	if bdp < minQueue {
		bdp = minQueue
	}
	return bdp
}

// loses decides the loss of one matched packet.
func (s *shaper) loses() bool {
	if s.cfg.GE == nil {
		return s.cfg.Loss > 0 && s.rng.Float64() < s.cfg.Loss
	}
	p := s.ge.GoodLoss
	if s.bad {
		p = s.ge.BadLoss
	}
	l := s.rng.Float64() < p
	if s.bad {
		s.bad = !(s.rng.Float64() < s.ge.R)
	} else {
		s.bad = s.rng.Float64() < s.ge.P
	}
	return l
}

// verdict is what happens to one packet arriving at the link: up to two
// copies, each delivered at at[i] or dropped (why[i]).
type verdict struct {
	n   int // copies: 0 (lost), 1, or 2 (duplicated)
	why [2]int
	at  [2]int64
}

// admit decides the fate of a packet of size bytes arriving at now.
func (s *shaper) admit(now int64, size int, matched bool) verdict {
	var v verdict
	if matched && s.loses() {
		v.why[0] = lost
		return v
	}
	v.n = 1
	if matched && s.cfg.Duplicate > 0 && s.rng.Float64() < s.cfg.Duplicate {
		v.n = 2
	}
	for i := 0; i < v.n; i++ {
		dep := now
		if r := s.cfg.Rate; r > 0 {
			if s.linkFree > now {
				backlog := float64(s.linkFree-now) * float64(r) / 8e9
				if backlog+float64(size) > s.queueLimit() {
					v.why[i] = queueFull
					continue
				}
				dep = s.linkFree
			}
			dep += int64(float64(size+s.cfg.Overhead) * 8e9 / float64(r))
			s.linkFree = dep
		}
		at := dep + int64(s.cfg.Delay)
		if j := s.cfg.Jitter; j > 0 {
			at += s.rng.Int64N(2*int64(j)+1) - int64(j)
			if at < dep {
				at = dep
			}
		}
		if !s.cfg.Reorder {
			if at < s.last {
				at = s.last
			}
			s.last = at
		}
		v.at[i] = at
	}
	return v
}
