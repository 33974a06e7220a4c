package policy

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// refPool is a naive model of the ordered policies: it sorts every member
// on every resolution. The Selector (heap) must answer exactly the same.
type refPool struct {
	typ    uint32
	maxInc int
	seq    uint64
	ms     []*refMember
}

type refMember struct {
	id      uint32
	info    Info
	seq     uint64
	round   uint64
	left    uint32
	counter uint64
}

func (p *refPool) key(m *refMember) [3]uint64 {
	switch specs[p.typ].kind {
	case kindRoundRobin:
		return [3]uint64{m.seq}
	case kindWeightedRoundRobin:
		return [3]uint64{m.round, uint64(m.left), m.seq}
	case kindPriority:
		return [3]uint64{MaxWeight - uint64(m.info.Weight), m.seq}
	default:
		return [3]uint64{EffectiveLoad(m.info, m.counter), m.seq}
	}
}

func (p *refPool) add(id uint32, i Info) {
	m := &refMember{id: id, info: i, left: max(i.Weight, 1)}
	if len(p.ms) > 0 {
		m.round = p.ms[0].round
		for _, o := range p.ms {
			m.round = min(m.round, o.round)
		}
	}
	p.seq++
	m.seq = p.seq
	p.ms = append(p.ms, m)
}

func (p *refPool) find(id uint32) int {
	return slices.IndexFunc(p.ms, func(m *refMember) bool { return m.id == id })
}

func (p *refPool) update(id uint32, i Info) {
	m := p.ms[p.find(id)]
	m.info = i
	m.counter = 0
	m.left = min(m.left, max(i.Weight, 1))
}

func (p *refPool) remove(id uint32) {
	p.ms = slices.Delete(p.ms, p.find(id), p.find(id)+1)
}

func (p *refPool) selectN(n int) []uint32 {
	order := slices.Clone(p.ms)
	slices.SortFunc(order, func(a, b *refMember) int {
		ka, kb := p.key(a), p.key(b)
		return slices.Compare(ka[:], kb[:])
	})
	order = order[:min(n, len(order))]
	var ids []uint32
	for i, m := range order {
		ids = append(ids, m.id)
		if i < p.maxInc {
			p.seq++
			m.seq = p.seq
			if specs[p.typ].kind == kindWeightedRoundRobin {
				if m.left > 1 {
					m.left--
				} else {
					m.round++
					m.left = max(m.info.Weight, 1)
				}
			}
			if specs[p.typ].degrades {
				m.counter += uint64(m.info.LoadDegradation)
			}
		}
	}
	return ids
}

// smallInfo draws values from small ranges so keys tie often.
func smallInfo(typ uint32, rng *rand.Rand) Info {
	return Info{
		Type:            typ,
		Weight:          uint32(rng.IntN(4)),
		Load:            uint32(rng.IntN(5)) * 1000,
		LoadDegradation: uint32(rng.IntN(3)) * 500,
		LoadDPF:         uint32(rng.IntN(3)) * 10,
		Distance:        uint32(rng.IntN(4)) * 50,
	}
}

func TestOrderedPoliciesMatchModel(t *testing.T) {
	for _, typ := range Types {
		if !specs[typ].kind.ordered() {
			continue
		}
		for _, maxInc := range []int{1, 3} {
			rng := rand.New(rand.NewPCG(uint64(typ), uint64(maxInc)))
			s := newSel(t, typ, maxInc, 1)
			ref := &refPool{typ: typ, maxInc: maxInc}
			next := uint32(1)
			for step := range 2500 {
				// Pools of up to ~80 members, so that heaps have depth.
				switch op := rng.IntN(10); {
				case len(ref.ms) == 0 || op < 3 && len(ref.ms) < 80:
					i := smallInfo(typ, rng)
					mustAdd(t, s, next, i)
					ref.add(next, i)
					next++
				case op < 5:
					id := ref.ms[rng.IntN(len(ref.ms))].id
					i := smallInfo(typ, rng)
					mustUpdate(t, s, id, i)
					ref.update(id, i)
				case op < 6:
					id := ref.ms[rng.IntN(len(ref.ms))].id
					s.Remove(id)
					ref.remove(id)
				default:
					n := 1 + rng.IntN(6)
					got, want := s.Select(n, nil), ref.selectN(n)
					if !slices.Equal(got, want) {
						t.Fatalf("%s maxInc %d step %d: Select(%d) = %v, model %v", Name(typ), maxInc, step, n, got, want)
					}
				}
			}
		}
	}
}

// TestWeightsMatchMembers checks after random operations that the Fenwick
// tree holds every member's EffectiveWeight in its slot.
func TestWeightsMatchMembers(t *testing.T) {
	for _, typ := range Types {
		k := specs[typ].kind
		if k != kindWeightedRandom && k != kindRandomizedLeastUsed {
			continue
		}
		rng := rand.New(rand.NewPCG(uint64(typ), 9))
		s := newSel(t, typ, 2, 1)
		var ids []uint32
		next := uint32(1)
		for range 3000 {
			switch op := rng.IntN(10); {
			case op < 3 || len(ids) == 0:
				mustAdd(t, s, next, sampleInfo(typ, rng))
				ids = append(ids, next)
				next++
			case op < 5:
				mustUpdate(t, s, ids[rng.IntN(len(ids))], sampleInfo(typ, rng))
			case op < 6:
				j := rng.IntN(len(ids))
				s.Remove(ids[j])
				ids = slices.Delete(ids, j, j+1)
			default:
				s.Select(1+rng.IntN(4), nil)
			}
			if s.fw.len() != len(s.m) {
				t.Fatalf("%s: %d slots for %d members", Name(typ), s.fw.len(), len(s.m))
			}
			var sum uint64
			for i := range s.m {
				m := &s.m[i]
				if s.ids[m.id] != int32(i) {
					t.Fatalf("%s: index of %d", Name(typ), m.id)
				}
				w := EffectiveWeight(m.info, m.counter)
				if s.fw.weight(i) != w {
					t.Fatalf("%s: slot %d weight %d, want %d", Name(typ), i, s.fw.weight(i), w)
				}
				sum += w
			}
			if s.fw.total != sum || s.fw.prefix(len(s.m)) != sum {
				t.Fatalf("%s: total %d, want %d", Name(typ), s.fw.total, sum)
			}
		}
	}
}
