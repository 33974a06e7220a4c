package handlespace

import (
	"iter"
	"time"
)

// Handlespace is one registrar's view of the handlespace: its pools and
// their elements, who owns each element, and the per-element timers. It
// is not safe for concurrent use; a registrar serializes its calls.
type Handlespace struct {
	cfg Config

	// Times are kept as nanoseconds since epoch, the first now a call
	// passed: 8 bytes instead of a time.Time's 24, and now.Sub(epoch)
	// uses the monotonic clock when both times carry it.
	epoch    time.Time
	epochSet bool

	pools  map[string]*Pool
	n      int                 // pool elements
	owners map[uint32]*owner   // by home registrar ID
	conns  map[ConnKey]*Member // head of each registering entity's list

	expiry timerHeap // every element, by registration expiry
	ka     timerHeap // owned elements, by keep-alive deadline
}

// New returns an empty handlespace.
func New(cfg Config) *Handlespace {
	return &Handlespace{
		cfg:    cfg.withDefaults(),
		pools:  make(map[string]*Pool),
		owners: make(map[uint32]*owner),
		conns:  make(map[ConnKey]*Member),
		expiry: timerHeap{kind: expiryTimer},
		ka:     timerHeap{kind: keepAliveTimer},
	}
}

// Config returns the configuration in effect, defaults filled in.
func (h *Handlespace) Config() Config { return h.cfg }

// Len returns the number of pool elements.
func (h *Handlespace) Len() int { return h.n }

// NumPools returns the number of pools.
func (h *Handlespace) NumPools() int { return len(h.pools) }

// Pool returns the pool with the given handle, or nil.
func (h *Handlespace) Pool(handle []byte) *Pool {
	return h.pools[string(handle)]
}

// Lookup returns the element id of the pool with the given handle, or nil.
func (h *Handlespace) Lookup(handle []byte, id uint32) *Member {
	if p := h.pools[string(handle)]; p != nil {
		return p.byID[id]
	}
	return nil
}

// Pools iterates over the pools in no particular order. The handlespace
// must not change during the iteration.
func (h *Handlespace) Pools() iter.Seq[*Pool] {
	return func(yield func(*Pool) bool) {
		for _, p := range h.pools {
			if !yield(p) {
				return
			}
		}
	}
}

// NextDeadline returns the earliest time at which Expire, KeepAlivesDue
// or KeepAliveTimeouts may have something to report, so a registrar knows
// when to call them next; ok is false when there are no elements.
func (h *Handlespace) NextDeadline() (t time.Time, ok bool) {
	e, eok := h.expiry.min()
	k, kok := h.ka.min()
	switch {
	case eok && kok:
		return h.timeOf(min(e, k)), true
	case eok:
		return h.timeOf(e), true
	case kok:
		return h.timeOf(k), true
	}
	return time.Time{}, false
}

// clock turns now into nanoseconds since the epoch, fixing the epoch on
// the first call.
func (h *Handlespace) clock(now time.Time) int64 {
	if !h.epochSet {
		h.epoch, h.epochSet = now, true
	}
	return int64(now.Sub(h.epoch))
}

// timeOf turns nanoseconds since the epoch back into a time.
func (h *Handlespace) timeOf(ns int64) time.Time {
	return h.epoch.Add(time.Duration(ns))
}
