package asap

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"netcompat/core/netlog"
	"netcompat/core/rserpool/wire"
	"netcompat/core/transport"
)

// syncBuffer collects netlog lines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// firstOf returns the fake that receives the next message, and the
// message, the other one receiving nothing.
func firstOf(t *testing.T, a, b *fakeRegistrar) (got, other *fakeRegistrar, m fakeMsg) {
	t.Helper()
	select {
	case m = <-a.msgs:
		return a, b, m
	case m = <-b.msgs:
		return b, a, m
	case <-time.After(waitTime):
		t.Fatal("neither registrar got a message")
	}
	return nil, nil, fakeMsg{}
}

// The home registrar dies: the element is registered at the other one,
// and the next handle resolution goes there too.
func TestFailoverReregisters(t *testing.T) {
	var logs syncBuffer
	defer netlog.SetOutput(&logs)()
	a := newFakeRegistrar(t, 0xa)
	b := newFakeRegistrar(t, 0xb)
	c := newTestClient(t, Config{}, a, b)
	ctx := context.Background()
	handle := []byte("echo")
	id, err := c.Register(ctx, handle, Element{User: userTransport(7000)})
	if err != nil {
		t.Fatalf("Register: %v", err)
	}
	first, second, reg := firstOf(t, a, b)
	first.kill()

	// The same Registration, byte for byte, at the survivor.
	got := second.next(t)
	if !bytes.Equal(got.raw, reg.raw) {
		t.Fatalf("re-registration %#v differs from the registration %#v", got.m, reg.m)
	}
	_, addrs := c.HomeRegistrar()
	if len(addrs) != 1 || addrs[0] != second.addrs()[0] {
		t.Fatalf("current registrar %v, want %v", addrs, second.addrs())
	}
	pes, _, err := c.ResolveStale(ctx, handle, 0, 0)
	if err != nil || len(pes) != 1 || pes[0].ID != id {
		t.Fatalf("Resolve after failover = %v, %v", pes, err)
	}
	second.expect(t, &wire.HandleResolution{PoolHandle: handle})
	if !strings.Contains(logs.String(), "lost") {
		t.Fatalf("no log line about the lost registrar; log: %q", logs.String())
	}
}

// The registrar dies while a handle resolution waits for its answer: the
// request is sent to the other registrar and the caller sees only the
// answer.
func TestFailoverRetriesPendingRequest(t *testing.T) {
	defer netlog.SetOutput(nil)()
	a := newFakeRegistrar(t, 0xa)
	b := newFakeRegistrar(t, 0xb)
	for _, f := range []*fakeRegistrar{a, b} {
		f.setPool("echo", testPE(1, 7001, 0))
	}
	// Whoever gets the first request keeps it unanswered.
	var held atomic.Bool
	hold := func(*fakeRegistrar, transport.Assoc, wire.Message) ([]wire.Message, bool) {
		return nil, held.CompareAndSwap(false, true)
	}
	a.setHandler(hold)
	b.setHandler(hold)
	c := newTestClient(t, Config{}, a, b)

	type result struct {
		pes []wire.PoolElement
		err error
	}
	done := make(chan result, 1)
	go func() {
		pes, _, err := c.Resolve(context.Background(), []byte("echo"), 0)
		done <- result{pes, err}
	}()
	first, second, _ := firstOf(t, a, b)
	first.kill()
	second.expect(t, &wire.HandleResolution{PoolHandle: []byte("echo")})
	select {
	case r := <-done:
		if r.err != nil || len(r.pes) != 1 || r.pes[0].ID != 1 {
			t.Fatalf("Resolve = %v, %v", r.pes, r.err)
		}
	case <-time.After(waitTime):
		t.Fatal("Resolve did not return after the failover")
	}
}

// Without a registrar to fail over to, the elements stay held and are
// registered once one is reachable again (the reregistration timer hunts).
func TestFailoverLaterRegistrar(t *testing.T) {
	defer netlog.SetOutput(nil)()
	a := newFakeRegistrar(t, 0xa)
	c := newTestClient(t, Config{ConnectTimeout: 100 * time.Millisecond}, a)
	handle := []byte("echo")
	id, err := c.Register(context.Background(), handle, Element{User: userTransport(7000), ReregInterval: 30 * time.Millisecond})
	if err != nil {
		t.Fatalf("Register: %v", err)
	}
	a.next(t)
	a.kill()
	// A registrar appears later, through an announce (added to the table
	// directly here; announce_test.go covers the multicast path).
	b := newFakeRegistrar(t, 0xb)
	c.registrars.announce(0xb, b.addrs())
	m := b.next(t)
	if r, ok := m.m.(*wire.Registration); !ok || r.Element.ID != id {
		t.Fatalf("registrar b got %#v, want the registration of $%08x", m.m, id)
	}
}
