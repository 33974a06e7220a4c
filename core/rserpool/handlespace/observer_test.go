package handlespace

import (
	"fmt"
	"slices"
	"testing"
)

// recorder is a Pool.Selector that records membership changes.
type recorder struct {
	events []string
	pool   *Pool
}

func (r *recorder) note(what string, m *Member) {
	r.events = append(r.events, fmt.Sprintf("%s %s/%d", what, m.Handle(), m.PE.ID))
}
func (r *recorder) MemberAdded(m *Member)   { r.note("add", m) }
func (r *recorder) MemberUpdated(m *Member) { r.note("update", m) }
func (r *recorder) MemberRemoved(m *Member) {
	if m.pool.Member(m.PE.ID) != nil || m.Live() {
		panic("MemberRemoved before removal")
	}
	r.note("remove", m)
}

func TestSelectorObserver(t *testing.T) {
	var made []*recorder
	h := newHS(func(c *Config) {
		c.NewSelector = func(p *Pool) any {
			r := &recorder{pool: p}
			made = append(made, r)
			return r
		}
	})
	mustRegister(t, h, at(0), "a", elem(1), 1)
	mustRegister(t, h, at(0), "a", elem(2), 2)
	mustRegister(t, h, at(1), "a", elem(1), 1)
	h.Register(at(1), []byte("a"), elem(1), 9) // refused: no event
	h.Deregister([]byte("a"), 1, 1)
	h.Deregister([]byte("a"), 2, 2)
	mustRegister(t, h, at(2), "a", elem(3), 3)

	if len(made) != 2 || made[0].pool == made[1].pool {
		t.Fatalf("%d selectors made", len(made))
	}
	if want := []string{"add a/1", "add a/2", "update a/1", "remove a/1", "remove a/2"}; !slices.Equal(made[0].events, want) {
		t.Fatalf("events %v", made[0].events)
	}
	if want := []string{"add a/3"}; !slices.Equal(made[1].events, want) {
		t.Fatalf("events %v", made[1].events)
	}
	if h.Pool([]byte("a")).Selector != made[1] {
		t.Fatal("Selector not kept on the pool")
	}
}

func TestMembersView(t *testing.T) {
	h := newHS(nil)
	for id := uint32(1); id <= 5; id++ {
		mustRegister(t, h, at(0), "a", elem(id), ConnKey(id))
	}
	p := h.Pool([]byte("a"))
	ms := p.Members()
	if p.Len() != 5 || len(ms) != 5 || &ms[0] != &p.members[0] {
		t.Fatal("Members is not the pool's slice")
	}
	h.Deregister([]byte("a"), 2, 2)
	got := make([]uint32, 0, 4)
	for _, m := range p.Members() {
		got = append(got, m.PE.ID)
	}
	if want := []uint32{1, 5, 3, 4}; !slices.Equal(got, want) {
		t.Fatalf("after removal %v, want %v (last moved into the hole)", got, want)
	}
	if p.Member(5) == nil || p.Member(2) != nil || !p.Live() {
		t.Fatal("Member lookup")
	}
	n := 0
	for range h.Pools() {
		n++
	}
	if n != 1 {
		t.Fatal("Pools")
	}
}
