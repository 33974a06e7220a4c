package asap

import (
	"errors"
	"slices"
	"syscall"
	"testing"
	"time"

	"netcompat/core/cbridge"
	"netcompat/core/rserpool/policy"
	"netcompat/core/rserpool/wire"
)

func ids(pes []wire.PoolElement) []uint32 {
	var out []uint32
	for _, pe := range pes {
		out = append(out, pe.ID)
	}
	return out
}

func TestCacheSelectsByPolicy(t *testing.T) {
	c := newCache()
	now := time.Unix(100, 0)
	h := []byte("p")
	lu := wire.Policy{Type: policy.LeastUsed}
	c.store(h, lu, []wire.PoolElement{testPE(1, 1, 300), testPE(2, 2, 100), testPE(3, 3, 200)}, now.Add(time.Second))
	got, pol, ok := c.lookup(h, 2, now)
	if !ok || pol.Type != policy.LeastUsed || !slices.Equal(ids(got), []uint32{2, 3}) {
		t.Fatalf("lookup = %v, %v, %v; want the two least used [2 3]", ids(got), pol, ok)
	}
	// A newer answer updates an element's policy information.
	c.store(h, lu, []wire.PoolElement{testPE(2, 2, 900)}, now.Add(time.Second))
	got, _, _ = c.lookup(h, 0, now)
	if !slices.Equal(ids(got), []uint32{3, 1, 2}) {
		t.Fatalf("lookup after a load update = %v, want [3 1 2]", ids(got))
	}
	// Returned elements are copies.
	got[0].User.Addrs[0] = wire.ASAPAnnounceGroup.Addr()
	if again, _, _ := c.lookup(h, 1, now); again[0].User.Addrs[0] == wire.ASAPAnnounceGroup.Addr() {
		t.Fatal("lookup returned the cache's own slices")
	}
}

func TestCacheExpiryAndEviction(t *testing.T) {
	c := newCache()
	now := time.Unix(100, 0)
	h := []byte("p")
	lu := wire.Policy{Type: policy.LeastUsed}
	c.store(h, lu, []wire.PoolElement{testPE(1, 1, 0), testPE(2, 2, 0)}, now.Add(time.Second))
	c.store(h, lu, []wire.PoolElement{testPE(3, 3, 0)}, now.Add(3*time.Second))
	if got, _, _ := c.lookup(h, 0, now.Add(2*time.Second)); !slices.Equal(ids(got), []uint32{3}) {
		t.Fatalf("after 2 s: %v, want [3]", ids(got))
	}
	c.evict(h, 3)
	if got, _, ok := c.lookup(h, 0, now.Add(2*time.Second)); ok {
		t.Fatalf("after evicting the last element: %v", ids(got))
	}
	c.evict([]byte("none"), 1) // harmless
}

func TestCachePolicyChangeAndUnknownPolicy(t *testing.T) {
	c := newCache()
	now := time.Unix(100, 0)
	h := []byte("p")
	c.store(h, wire.Policy{Type: policy.LeastUsed}, []wire.PoolElement{testPE(1, 1, 0)}, now.Add(time.Second))
	// The pool's policy changed: the old elements go.
	rr := testPE(2, 2, 0)
	rr.Policy = wire.Policy{Type: policy.RoundRobin}
	c.store(h, wire.Policy{Type: policy.RoundRobin}, []wire.PoolElement{rr}, now.Add(time.Second))
	if got, pol, _ := c.lookup(h, 0, now); !slices.Equal(ids(got), []uint32{2}) || pol.Type != policy.RoundRobin {
		t.Fatalf("after a policy change: %v %v", ids(got), pol)
	}
	// A policy package policy does not know: elements in arrival order.
	odd := wire.Policy{Type: 0x7777}
	pes := []wire.PoolElement{testPE(5, 5, 0), testPE(4, 4, 0)}
	for i := range pes {
		pes[i].Policy = odd
	}
	c.store([]byte("q"), odd, pes, now.Add(time.Second))
	if got, _, _ := c.lookup([]byte("q"), 0, now); !slices.Equal(ids(got), []uint32{5, 4}) {
		t.Fatalf("unknown policy: %v, want arrival order [5 4]", ids(got))
	}
	// An element whose information the policy cannot take (wrong value
	// count) turns the pool to arrival order too.
	bad := testPE(7, 7, 0)
	bad.Policy.Values = nil
	c.store([]byte("r"), wire.Policy{Type: policy.LeastUsed}, []wire.PoolElement{testPE(6, 6, 0), bad}, now.Add(time.Second))
	if got, _, _ := c.lookup([]byte("r"), 0, now); !slices.Equal(ids(got), []uint32{6, 7}) {
		t.Fatalf("bad policy information: %v, want [6 7]", ids(got))
	}
}

func TestRejectErrorMatching(t *testing.T) {
	for _, tc := range []struct {
		cause    wire.Cause
		sentinel error
		errno    syscall.Errno
	}{
		{wire.CauseUnknownPoolHandle, ErrUnknownPoolHandle, syscall.ENOENT},
		{wire.CauseSecurityRejection, ErrRateLimited, syscall.EACCES},
		{wire.CauseInvalidValues, ErrRejected, syscall.EINVAL},
	} {
		err := error(newRejectError(wire.ASAPHandleResolution, []byte("p"), 0, causeErr(tc.cause)))
		if !errors.Is(err, tc.sentinel) || !errors.Is(err, ErrRejected) || cbridge.Errno(err) != tc.errno {
			t.Errorf("cause %v: %v matches %v? errno %v", tc.cause, err, tc.sentinel, cbridge.Errno(err))
		}
		var rej *RejectError
		if !errors.As(err, &rej) || rej.Cause != tc.cause {
			t.Errorf("cause %v: As gives %+v", tc.cause, rej)
		}
	}
	if s := newRejectError(wire.ASAPRegistration, []byte("p"), 5, nil).Error(); s != `asap: Registration of PE $00000005 in pool "p" rejected without a cause` {
		t.Errorf("message %q", s)
	}
}
