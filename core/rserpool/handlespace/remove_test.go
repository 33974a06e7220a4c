package handlespace

import (
	"cmp"
	"slices"
	"strings"
	"testing"

	"netcompat/core/rserpool/wire"
)

func TestDeregister(t *testing.T) {
	tests := []struct {
		name     string
		handle   string
		id       uint32
		conn     ConnKey
		want     wire.Cause
		removed  bool
		poolGone bool
	}{
		{name: "own element", handle: "a", id: 1, conn: 1, removed: true},
		{name: "last element of pool", handle: "b", id: 3, conn: 3, removed: true, poolGone: true},
		{name: "unknown pool", handle: "zzz", id: 1, conn: 1, want: wire.CauseUnknownPoolHandle},
		{name: "unknown element", handle: "a", id: 99, conn: 1},
		{name: "other conn's element", handle: "a", id: 1, conn: 2, want: wire.CauseNonUniquePEIdentifier},
		{name: "conn 0 removes any", handle: "a", id: 1, conn: 0, removed: true},
		{name: "peer's element from any conn", handle: "a", id: 4, conn: 7, removed: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHS(nil)
			mustRegister(t, h, at(0), "a", elem(1), 1)
			mustRegister(t, h, at(0), "a", elem(2), 2)
			mustRegister(t, h, at(0), "b", elem(3), 3)
			mustUpdate(t, h, at(0), "a", with(elem(4), func(e *wire.PoolElement) { e.HomeServer = peer }))
			m, c := h.Deregister([]byte(tc.handle), tc.id, tc.conn)
			if c != tc.want || (m != nil) != tc.removed {
				t.Fatalf("got %v, cause %#x; want removed %v, cause %#x", m, c, tc.removed, tc.want)
			}
			if tc.removed {
				if m.Live() || m.PE.ID != tc.id || m.Handle() != tc.handle || h.Lookup([]byte(tc.handle), tc.id) != nil {
					t.Fatal("element still there")
				}
				if _, ok := m.KeepAliveDeadline(); ok {
					t.Fatal("removed element has a keep-alive deadline")
				}
				if h.Len() != 3 {
					t.Fatalf("len %d", h.Len())
				}
			} else if h.Len() != 4 {
				t.Fatalf("len %d", h.Len())
			}
			if (h.Pool([]byte(tc.handle)) == nil) != (tc.poolGone || tc.want == wire.CauseUnknownPoolHandle) {
				t.Fatal("pool presence")
			}
			checkInvariants(t, h)
		})
	}
}

func TestRemove(t *testing.T) {
	h := newHS(nil)
	m := mustRegister(t, h, at(0), "a", elem(1), 1)
	if !h.Remove(m) || h.Remove(m) || h.Len() != 0 || h.NumPools() != 0 {
		t.Fatal("Remove")
	}
	if other := newHS(nil); other.Remove(mustRegister(t, newHS(nil), at(0), "a", elem(1), 1)) {
		t.Fatal("removed another handlespace's element")
	}
	if h.Remove(nil) {
		t.Fatal("Remove(nil)")
	}
	// The same identifier registers again as a new element.
	m2, rereg, _ := h.Register(at(1), []byte("a"), elem(1), 2)
	if m2 == m || rereg || m2.Pool() == m.Pool() {
		t.Fatal("old element or pool reused")
	}
}

func TestRemoveConn(t *testing.T) {
	h := newHS(nil)
	mustRegister(t, h, at(0), "a", elem(1), 1)
	mustRegister(t, h, at(0), "a", elem(2), 2)
	mustRegister(t, h, at(0), "b", elem(1), 1)
	mustRegister(t, h, at(0), "c", elem(3), 1)
	mustRegister(t, h, at(0), "c", elem(4), 2)
	if got := h.ByConn(0); len(got) != 0 {
		t.Fatal("ByConn(0)")
	}
	got := keys(h.RemoveConn(1))
	slices.SortFunc(got, compareKey)
	if want := []Key{{"a", 1}, {"b", 1}, {"c", 3}}; !slices.Equal(got, want) {
		t.Fatalf("removed %v, want %v", got, want)
	}
	if h.Len() != 2 || h.NumPools() != 2 || len(h.RemoveConn(1)) != 0 {
		t.Fatal("after RemoveConn")
	}
	checkInvariants(t, h)
	// Middle-of-list unlinking.
	for id := uint32(10); id < 15; id++ {
		mustRegister(t, h, at(0), "d", elem(id), 5)
	}
	h.Deregister([]byte("d"), 12, 5)
	h.Deregister([]byte("d"), 14, 5)
	checkInvariants(t, h)
	if n := len(h.ByConn(5)); n != 3 {
		t.Fatalf("ByConn: %d", n)
	}
}

func compareKey(a, b Key) int {
	return cmp.Or(strings.Compare(a.Handle, b.Handle), cmp.Compare(a.ID, b.ID))
}

func TestExpire(t *testing.T) {
	h := newHS(nil)
	life := func(ms uint32) func(*wire.PoolElement) { return func(e *wire.PoolElement) { e.RegLife = ms } }
	mustRegister(t, h, at(0), "a", with(elem(1), life(1000)), 1)
	mustRegister(t, h, at(0), "a", with(elem(2), life(3000)), 2)
	mustRegister(t, h, at(500), "b", with(elem(3), life(1000)), 3)
	mustUpdate(t, h, at(0), "c", with(elem(4), life(2000), func(e *wire.PoolElement) { e.HomeServer = peer }))

	if next, ok := h.NextDeadline(); !ok || !next.Equal(at(1000)) {
		t.Fatalf("next deadline %v", next)
	}
	steps := []struct {
		now  int64
		want []Key
	}{
		{999, nil},
		{1000, []Key{{"a", 1}}},
		{1499, nil},
		{1500, []Key{{"b", 3}}},
		{2500, []Key{{"c", 4}}},
		{2600, nil},
	}
	for _, s := range steps {
		if got := keys(h.Expire(at(s.now))); !slices.Equal(got, s.want) {
			t.Fatalf("at %d ms: expired %v, want %v", s.now, got, s.want)
		}
		checkInvariants(t, h)
	}
	if h.Pool([]byte("b")) != nil || h.Pool([]byte("c")) != nil || h.NumPools() != 1 {
		t.Fatal("empty pools left")
	}
	// Re-registering refreshes.
	mustRegister(t, h, at(2900), "a", with(elem(2), life(3000)), 2)
	if got := h.Expire(at(5000)); len(got) != 0 {
		t.Fatalf("refreshed element expired: %v", keys(got))
	}
	if got := keys(h.Expire(at(5900))); !slices.Equal(got, []Key{{"a", 2}}) {
		t.Fatalf("got %v", got)
	}
	if _, ok := h.NextDeadline(); ok || h.Len() != 0 || h.NumPools() != 0 {
		t.Fatal("not empty")
	}
}
