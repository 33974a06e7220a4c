package asap

import (
	"slices"
	"sync"
	"time"

	"netcompat/core/rserpool/policy"
	"netcompat/core/rserpool/wire"
)

// cache is the pool user's handle-resolution cache, after rsplib's: the
// elements of Handle Resolution Responses, each kept until the stale-cache
// value after it was last received, and selected with the pool's policy
// while they last.
type cache struct {
	mu    sync.Mutex
	pools map[string]*cachedPool
}

type cachedPool struct {
	policy wire.Policy
	sel    *policy.Selector // nil: policy unknown to package policy; insertion order
	elems  map[uint32]*cachedElement
	order  []uint32 // insertion order
}

type cachedElement struct {
	pe      wire.PoolElement
	expires time.Time
}

func newCache() *cache { return &cache{pools: make(map[string]*cachedPool)} }

// lookup selects up to n (all if n <= 0) unexpired elements of pool handle.
// ok is false when the pool has none.
func (c *cache) lookup(handle []byte, n int, now time.Time) (pes []wire.PoolElement, pol wire.Policy, ok bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	p := c.pools[string(handle)]
	if p == nil {
		return nil, wire.Policy{}, false
	}
	for id, e := range p.elems {
		if now.After(e.expires) {
			p.remove(id)
		}
	}
	if len(p.elems) == 0 {
		delete(c.pools, string(handle))
		return nil, wire.Policy{}, false
	}
	if n <= 0 || n > len(p.elems) {
		n = len(p.elems)
	}
	var ids []uint32
	if p.sel != nil {
		ids = p.sel.Select(n, make([]uint32, 0, n))
	} else {
		ids = p.order[:n]
	}
	pes = make([]wire.PoolElement, 0, len(ids))
	for _, id := range ids {
		pes = append(pes, clonePE(p.elems[id].pe))
	}
	return pes, clonePolicy(p.policy), true
}

// store puts the elements of a response for pool handle, with the pool's
// policy pol, into the cache until expires.
func (c *cache) store(handle []byte, pol wire.Policy, pes []wire.PoolElement, expires time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	p := c.pools[string(handle)]
	if p == nil || p.policy.Type != pol.Type {
		p = &cachedPool{elems: make(map[uint32]*cachedElement)}
		p.sel, _ = policy.NewSelector(pol.Type, policy.Options{})
		c.pools[string(handle)] = p
	}
	p.policy = clonePolicy(pol)
	for _, pe := range pes {
		e := p.elems[pe.ID]
		if e == nil {
			e = &cachedElement{}
			p.elems[pe.ID] = e
			p.order = append(p.order, pe.ID)
		}
		e.pe, e.expires = clonePE(pe), expires
		if p.sel == nil {
			continue
		}
		info, err := policy.FromWire(pe.Policy)
		if err == nil {
			if p.sel.Contains(pe.ID) {
				err = p.sel.Update(pe.ID, info)
			} else {
				err = p.sel.Add(pe.ID, info)
			}
		}
		if err != nil {
			p.sel = nil // an element the policy cannot order: keep insertion order
		}
	}
}

// evict removes element id of pool handle.
func (c *cache) evict(handle []byte, id uint32) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if p := c.pools[string(handle)]; p != nil {
		p.remove(id)
		if len(p.elems) == 0 {
			delete(c.pools, string(handle))
		}
	}
}

func (p *cachedPool) remove(id uint32) {
	if _, ok := p.elems[id]; !ok {
		return
	}
	delete(p.elems, id)
	p.order = slices.DeleteFunc(p.order, func(x uint32) bool { return x == id })
	if p.sel != nil {
		p.sel.Remove(id)
	}
}

func clonePolicy(p wire.Policy) wire.Policy {
	return wire.Policy{Type: p.Type, Values: slices.Clone(p.Values)}
}

func clonePE(pe wire.PoolElement) wire.PoolElement {
	pe.User.Addrs = slices.Clone(pe.User.Addrs)
	pe.Policy = clonePolicy(pe.Policy)
	if pe.ASAP != nil {
		t := *pe.ASAP
		t.Addrs = slices.Clone(t.Addrs)
		pe.ASAP = &t
	}
	return pe
}
