package asap

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"syscall"
	"testing"
	"time"

	"netcompat/core/cbridge"
	"netcompat/core/rserpool/policy"
	"netcompat/core/rserpool/wire"
	"netcompat/core/transport"
)

func TestResolve(t *testing.T) {
	f := newFakeRegistrar(t, 0x11)
	pes := []wire.PoolElement{testPE(1, 7001, 10), testPE(2, 7002, 20), testPE(3, 7003, 30)}
	f.setPool("echo", pes...)
	c := newTestClient(t, Config{StaleCacheValue: -1}, f)
	ctx := context.Background()
	handle := []byte("echo")

	got, pol, err := c.Resolve(ctx, handle, 2)
	if err != nil {
		t.Fatalf("Resolve: %v", err)
	}
	f.expect(t, &wire.HandleResolution{PoolHandle: handle, HasItems: true, Items: 2})
	if !reflect.DeepEqual(got, pes[:2]) || pol.Type != policy.LeastUsed {
		t.Fatalf("Resolve = %+v, %+v", got, pol)
	}

	// Without an item count no Handle Resolution Option is sent.
	got, _, err = c.Resolve(ctx, handle, 0)
	if err != nil || !reflect.DeepEqual(got, pes) {
		t.Fatalf("Resolve(0) = %+v, %v", got, err)
	}
	f.expect(t, &wire.HandleResolution{PoolHandle: handle})
	f.quiet(t)
}

func TestResolveCache(t *testing.T) {
	f := newFakeRegistrar(t, 0x11)
	rr := func(id uint32) wire.PoolElement {
		pe := testPE(id, uint16(7000+id), 0)
		pe.Policy = wire.Policy{Type: policy.RoundRobin}
		return pe
	}
	f.setPool("echo", rr(1), rr(2), rr(3))
	clock := newFakeClock()
	c := newTestClient(t, Config{Now: clock.Now}, f) // stale-cache value 1 s
	ctx := context.Background()
	handle := []byte("echo")
	hr := &wire.HandleResolution{PoolHandle: handle}

	first, _, err := c.Resolve(ctx, handle, 0)
	if err != nil || len(first) != 3 {
		t.Fatalf("Resolve = %v, %v", first, err)
	}
	f.expect(t, hr)

	// Within the stale-cache value answers come from the cache, selected
	// round robin among the cached elements.
	clock.Advance(900 * time.Millisecond)
	var ids []uint32
	for range 3 {
		got, pol, err := c.Resolve(ctx, handle, 1)
		if err != nil || len(got) != 1 || pol.Type != policy.RoundRobin {
			t.Fatalf("cached Resolve = %v, %v, %v", got, pol, err)
		}
		ids = append(ids, got[0].ID)
	}
	if ids[0] == ids[1] || ids[1] == ids[2] || ids[0] == ids[2] {
		t.Fatalf("cached resolutions returned %v, want round robin over 3 elements", ids)
	}

	// After it the registrar is asked again.
	clock.Advance(200 * time.Millisecond)
	if _, _, err := c.Resolve(ctx, handle, 0); err != nil {
		t.Fatalf("Resolve after expiry: %v", err)
	}
	f.expect(t, hr)
	f.quiet(t) // one request for the first and one after expiry, nothing else

	// ResolveStale with 0 bypasses the cache.
	if _, _, err := c.ResolveStale(ctx, handle, 0, 0); err != nil {
		t.Fatalf("ResolveStale(0): %v", err)
	}
	f.expect(t, hr)
}

func TestReportUnreachable(t *testing.T) {
	f := newFakeRegistrar(t, 0x11)
	f.setPool("echo", testPE(1, 7001, 0), testPE(2, 7002, 0))
	clock := newFakeClock()
	c := newTestClient(t, Config{Now: clock.Now, StaleCacheValue: time.Hour}, f)
	ctx := context.Background()
	handle := []byte("echo")

	if got, _, err := c.Resolve(ctx, handle, 0); err != nil || len(got) != 2 {
		t.Fatalf("Resolve = %v, %v", got, err)
	}
	f.expect(t, &wire.HandleResolution{PoolHandle: handle})

	if err := c.ReportUnreachable(ctx, handle, 1); err != nil {
		t.Fatalf("ReportUnreachable: %v", err)
	}
	f.expect(t, &wire.EndpointUnreachable{PoolHandle: handle, PEID: 1})

	// The element left the cache; the other is still served from it.
	got, _, err := c.Resolve(ctx, handle, 0)
	if err != nil || len(got) != 1 || got[0].ID != 2 {
		t.Fatalf("Resolve after the report = %+v, %v", got, err)
	}
	f.quiet(t)

	// With the last cached element gone, the registrar is asked again.
	if err := c.ReportUnreachable(ctx, handle, 2); err != nil {
		t.Fatalf("ReportUnreachable: %v", err)
	}
	f.expect(t, &wire.EndpointUnreachable{PoolHandle: handle, PEID: 2})
	if _, _, err := c.Resolve(ctx, handle, 0); err != nil {
		t.Fatalf("Resolve: %v", err)
	}
	f.expect(t, &wire.HandleResolution{PoolHandle: handle})
}

func TestResolveRejected(t *testing.T) {
	f := newFakeRegistrar(t, 0x11)
	c := newTestClient(t, Config{}, f)
	ctx := context.Background()

	_, _, err := c.Resolve(ctx, []byte("nopool"), 0)
	var rej *RejectError
	if !errors.Is(err, ErrUnknownPoolHandle) || !errors.As(err, &rej) || rej.Cause != wire.CauseUnknownPoolHandle {
		t.Fatalf("Resolve of an unknown pool = %v, want ErrUnknownPoolHandle", err)
	}
	if cbridge.Errno(err) != syscall.ENOENT {
		t.Fatalf("errno %v, want ENOENT", cbridge.Errno(err))
	}

	f.setHandler(func(_ *fakeRegistrar, _ transport.Assoc, m wire.Message) ([]wire.Message, bool) {
		hr := m.(*wire.HandleResolution)
		// rsplib sends the error form without the R flag.
		return []wire.Message{&wire.HandleResolutionResponse{PoolHandle: hr.PoolHandle, Error: causeErr(wire.CauseSecurityRejection)}}, true
	})
	_, _, err = c.Resolve(ctx, []byte("echo"), 0)
	if !errors.Is(err, ErrRateLimited) || !errors.Is(err, ErrRejected) || errors.Is(err, ErrUnknownPoolHandle) {
		t.Fatalf("rate-limited Resolve = %v, want ErrRateLimited", err)
	}
	if cbridge.Errno(err) != syscall.EACCES {
		t.Fatalf("errno %v, want EACCES", cbridge.Errno(err))
	}

	// An ASAP Error answers the request too.
	f.setHandler(func(_ *fakeRegistrar, _ transport.Assoc, _ wire.Message) ([]wire.Message, bool) {
		return []wire.Message{&wire.ASAPErrorMessage{Error: *causeErr(wire.CauseUnrecognizedMessage)}}, true
	})
	_, _, err = c.Resolve(ctx, []byte("echo"), 0)
	if !errors.As(err, &rej) || rej.Cause != wire.CauseUnrecognizedMessage {
		t.Fatalf("Resolve answered by an ASAP Error = %v", err)
	}
}

func TestResponseTimeout(t *testing.T) {
	f := newFakeRegistrar(t, 0x11)
	f.setHandler(func(*fakeRegistrar, transport.Assoc, wire.Message) ([]wire.Message, bool) {
		return nil, true // never answer
	})
	c := newTestClient(t, Config{ResponseTimeout: 50 * time.Millisecond, RequestMaxTrials: 2}, f)
	start := time.Now()
	_, _, err := c.Resolve(context.Background(), []byte("echo"), 0)
	if !errors.Is(err, ErrTimeout) || cbridge.Errno(err) != syscall.ETIMEDOUT {
		t.Fatalf("Resolve = %v, want ErrTimeout", err)
	}
	if d := time.Since(start); d < 100*time.Millisecond {
		t.Fatalf("2 trials of 50 ms took %v", d)
	}
	// Each trial was sent on its own association: a timeout drops it.
	first, second := f.next(t), f.next(t)
	if first.a == second.a {
		t.Fatal("second trial on the association that timed out")
	}
}

func TestContextCancel(t *testing.T) {
	f := newFakeRegistrar(t, 0x11)
	ctx, cancel := context.WithCancel(context.Background())
	f.setHandler(func(*fakeRegistrar, transport.Assoc, wire.Message) ([]wire.Message, bool) {
		cancel() // the request has arrived: the caller gives up
		return nil, true
	})
	c := newTestClient(t, Config{}, f)
	if _, _, err := c.Resolve(ctx, []byte("echo"), 0); !errors.Is(err, context.Canceled) {
		t.Fatalf("Resolve = %v, want context.Canceled", err)
	}
}

// Responses are matched to requests in order: many concurrent requests on
// one association each get the answer for their own pool.
func TestConcurrentResolves(t *testing.T) {
	f := newFakeRegistrar(t, 0x11)
	const n = 50
	for i := range n {
		f.setPool(fmt.Sprint("pool", i), testPE(uint32(i+1), uint16(7000+i), 0))
	}
	c := newTestClient(t, Config{}, f)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			for range 5 {
				pes, _, err := c.ResolveStale(context.Background(), fmt.Appendf(nil, "pool%d", i), 0, 0)
				if err != nil || len(pes) != 1 || pes[0].ID != uint32(i+1) {
					t.Errorf("pool%d: %v, %v", i, pes, err)
					return
				}
			}
		})
	}
	wg.Wait()
}

// A response for another pool than the oldest request's means the ends
// disagree: the association is dropped and the request sent again.
func TestMismatchedResponseDropsAssociation(t *testing.T) {
	f := newFakeRegistrar(t, 0x11)
	f.setPool("echo", testPE(1, 7001, 0))
	var once sync.Once
	f.setHandler(func(_ *fakeRegistrar, _ transport.Assoc, m wire.Message) (replies []wire.Message, handled bool) {
		once.Do(func() {
			replies = []wire.Message{&wire.HandleResolutionResponse{PoolHandle: []byte("other"), Error: causeErr(wire.CauseUnknownPoolHandle)}}
			handled = true
		})
		return replies, handled
	})
	c := newTestClient(t, Config{}, f)
	pes, _, err := c.Resolve(context.Background(), []byte("echo"), 0)
	if err != nil || len(pes) != 1 {
		t.Fatalf("Resolve = %v, %v", pes, err)
	}
	if first, second := f.next(t), f.next(t); first.a == second.a {
		t.Fatal("request repeated on the association that got a mismatched response")
	}
}

func TestNoRegistrar(t *testing.T) {
	c := newTestClient(t, Config{})
	if _, _, err := c.Resolve(context.Background(), []byte("echo"), 0); !errors.Is(err, ErrNoRegistrar) {
		t.Fatalf("Resolve without registrars = %v, want ErrNoRegistrar", err)
	}
	f := newFakeRegistrar(t, 0x11)
	f.kill() // its port now refuses
	c = newTestClient(t, Config{ConnectMaxTrials: 2}, f)
	_, _, err := c.Resolve(context.Background(), []byte("echo"), 0)
	if !errors.Is(err, ErrNoRegistrar) || cbridge.Errno(err) != syscall.EHOSTUNREACH {
		t.Fatalf("Resolve with a dead registrar = %v, want ErrNoRegistrar", err)
	}
}

func TestClosed(t *testing.T) {
	f := newFakeRegistrar(t, 0x11)
	c := newTestClient(t, Config{}, f)
	if _, err := c.Register(context.Background(), []byte("echo"), Element{User: userTransport(1)}); err != nil {
		t.Fatalf("Register: %v", err)
	}
	if err := c.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if _, _, err := c.Resolve(context.Background(), []byte("echo"), 0); !errors.Is(err, ErrClosed) {
		t.Fatalf("Resolve after Close = %v", err)
	}
	if _, err := c.Register(context.Background(), []byte("echo"), Element{User: userTransport(1)}); !errors.Is(err, ErrClosed) {
		t.Fatalf("Register after Close = %v", err)
	}
	if err := c.Close(); !errors.Is(err, ErrClosed) {
		t.Fatalf("second Close = %v", err)
	}
}
