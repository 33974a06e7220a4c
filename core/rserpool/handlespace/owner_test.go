package handlespace

import (
	"slices"
	"testing"

	"netcompat/core/rserpool/wire"
)

func homed(id, home uint32) wire.PoolElement {
	return with(elem(id), func(e *wire.PoolElement) { e.HomeServer = home })
}

func sortedKeys(ms []*Member) []Key {
	k := keys(ms)
	slices.SortFunc(k, compareKey)
	return k
}

func TestOwnership(t *testing.T) {
	const third = 0x33
	h := newHS(nil)
	mustRegister(t, h, at(0), "a", elem(1), 1)
	mustRegister(t, h, at(0), "b", elem(2), 2)
	mustUpdate(t, h, at(0), "a", homed(3, peer))
	mustUpdate(t, h, at(0), "b", homed(4, peer))
	mustUpdate(t, h, at(0), "b", homed(5, third))

	if got := h.Homes(); !slices.Equal(got, []uint32{0x33, self, peer}) {
		t.Fatalf("homes %x", got)
	}
	for _, tc := range []struct {
		home uint32
		want []Key
	}{
		{self, []Key{{"a", 1}, {"b", 2}}},
		{peer, []Key{{"a", 3}, {"b", 4}}},
		{third, []Key{{"b", 5}}},
		{0x77, nil},
	} {
		if got := sortedKeys(h.Owned(tc.home)); !slices.Equal(got, tc.want) || h.OwnedCount(tc.home) != len(tc.want) {
			t.Errorf("owned by %#x: %v, want %v", tc.home, got, tc.want)
		}
		if h.Checksum(tc.home) != ChecksumOf(tc.want) || h.ComputeChecksum(tc.home) != ChecksumOf(tc.want) {
			t.Errorf("checksum of %#x", tc.home)
		}
	}

	// The caller's copy survives changes.
	list := h.Owned(peer)
	// SetHome to this registrar: owned, keep-alive due at once.
	m3 := h.Lookup([]byte("a"), 3)
	if !h.SetHome(at(700), m3, self) || m3.Home() != self {
		t.Fatal("SetHome")
	}
	if d, ok := m3.KeepAliveDeadline(); !ok || !d.Equal(at(700)) {
		t.Fatalf("keep-alive deadline %v %v", d, ok)
	}
	if got := keys(h.KeepAlivesDue(at(700), nil)); !slices.Equal(got, []Key{{"a", 3}}) {
		t.Fatalf("due %v", got)
	}
	if len(list) != 2 || h.OwnedCount(peer) != 1 {
		t.Fatal("Owned returned the live slice")
	}
	checkInvariants(t, h)

	// SetHome away from this registrar drops keep-alive state.
	m1 := h.Lookup([]byte("a"), 1)
	h.KeepAliveSent(at(800), m1)
	if !h.SetHome(at(900), m1, third) || m1.KeepAlivePending() {
		t.Fatal("SetHome away")
	}
	if _, ok := m1.KeepAliveDeadline(); ok {
		t.Fatal("keep-alive deadline for element owned elsewhere")
	}
	if !h.SetHome(at(900), m1, third) {
		t.Fatal("SetHome to same home")
	}
	checkInvariants(t, h)

	// Takeover of a dead peer's elements.
	got := sortedKeys(h.TakeOver(at(1000), third, self))
	if want := []Key{{"a", 1}, {"b", 5}}; !slices.Equal(got, want) {
		t.Fatalf("took over %v, want %v", got, want)
	}
	if h.OwnedCount(third) != 0 || h.OwnedCount(self) != 4 || slices.Contains(h.Homes(), third) {
		t.Fatal("after takeover")
	}
	if got := len(h.KeepAlivesDue(at(1000), nil)); got != 3 {
		t.Fatalf("%d keep-alives due after takeover, want 3", got)
	}
	if len(h.TakeOver(at(1000), third, self)) != 0 || len(h.TakeOver(at(1000), self, self)) != 4 {
		t.Fatal("empty or self takeover")
	}
	checkInvariants(t, h)

	h.Remove(m3)
	if h.SetHome(at(0), m3, peer) {
		t.Fatal("SetHome on removed element")
	}
	if h.OwnChecksum() != h.ComputeChecksum(self) {
		t.Fatal("own checksum")
	}
}

func TestOwnershipChangeNotifies(t *testing.T) {
	obs := &recorder{}
	h := newHS(func(c *Config) { c.NewSelector = func(*Pool) any { return obs } })
	m := mustUpdate(t, h, at(0), "a", homed(1, peer))
	h.SetHome(at(0), m, self)
	h.SetHome(at(0), m, self) // no change, no call
	h.TakeOver(at(0), self, peer)
	if want := []string{"add a/1", "update a/1", "update a/1"}; !slices.Equal(obs.events, want) {
		t.Fatalf("events %v", obs.events)
	}
}
