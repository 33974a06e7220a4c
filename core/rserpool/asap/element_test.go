package asap

import (
	"context"
	"errors"
	"slices"
	"syscall"
	"testing"
	"time"

	"netcompat/core/cbridge"
	"netcompat/core/rserpool/policy"
	"netcompat/core/rserpool/wire"
	"netcompat/core/transport"
)

func TestRegisterReregisterDeregister(t *testing.T) {
	f := newFakeRegistrar(t, 0x11)
	c := newTestClient(t, Config{}, f)
	ctx := context.Background()
	handle := []byte("echo")

	id, err := c.Register(ctx, handle, Element{
		ID:            0x1234,
		User:          userTransport(7000),
		Policy:        wire.Policy{Type: policy.LeastUsed, Values: []uint32{0x100}},
		ReregInterval: time.Hour,
	})
	if err != nil || id != 0x1234 {
		t.Fatalf("Register = %#x, %v", id, err)
	}
	pe := wire.PoolElement{
		ID:      0x1234,
		RegLife: 3 * 3600 * 1000,
		User:    userTransport(7000),
		Policy:  wire.Policy{Type: policy.LeastUsed, Values: []uint32{0x100}},
	}
	f.expect(t, &wire.Registration{PoolHandle: handle, Element: pe})

	// A load update: the same registration with the new policy value.
	if err := c.Reregister(ctx, handle, id, wire.Policy{Type: policy.LeastUsed, Values: []uint32{0x80000000}}); err != nil {
		t.Fatalf("Reregister: %v", err)
	}
	pe.Policy.Values = []uint32{0x80000000}
	f.expect(t, &wire.Registration{PoolHandle: handle, Element: pe})

	if got := c.Registered(handle); !slices.Equal(got, []uint32{id}) {
		t.Fatalf("Registered = %v", got)
	}
	if err := c.Deregister(ctx, handle, id); err != nil {
		t.Fatalf("Deregister: %v", err)
	}
	f.expect(t, &wire.Deregistration{PoolHandle: handle, PEID: id})
	if got := c.Registered(handle); len(got) != 0 {
		t.Fatalf("Registered after Deregister = %v", got)
	}
	if err := c.Deregister(ctx, handle, id); !errors.Is(err, ErrNotRegistered) {
		t.Fatalf("second Deregister: %v, want ErrNotRegistered", err)
	}
	if err := c.Reregister(ctx, handle, id, wire.Policy{}); !errors.Is(err, ErrNotRegistered) {
		t.Fatalf("Reregister after Deregister: %v, want ErrNotRegistered", err)
	}
	f.quiet(t)
}

func TestRegisterDefaults(t *testing.T) {
	f := newFakeRegistrar(t, 0x11)
	c := newTestClient(t, Config{}, f)
	handle := []byte("pool")
	user := userTransport(7001)
	user.Kind = 0 // SCTP by default
	id, err := c.Register(context.Background(), handle, Element{User: user, ControlChannel: true})
	if err != nil {
		t.Fatalf("Register: %v", err)
	}
	if id == 0 {
		t.Fatal("Register chose PE identifier 0")
	}
	want := userTransport(7001)
	want.Use = wire.UseDataControl
	// Registration life 3 x rspserver's 10 s interval; NULL loadinfo is
	// Round Robin.
	f.expect(t, &wire.Registration{PoolHandle: handle, Element: wire.PoolElement{
		ID:      id,
		RegLife: 30000,
		User:    want,
		Policy:  wire.Policy{Type: policy.RoundRobin},
	}})
}

func TestRegisterInvalid(t *testing.T) {
	c := newTestClient(t, Config{})
	ctx := context.Background()
	for _, h := range [][]byte{nil, make([]byte, MaxHandleLen+1)} {
		if _, err := c.Register(ctx, h, Element{User: userTransport(1)}); !errors.Is(err, ErrInvalid) {
			t.Errorf("Register(handle of %d bytes) = %v, want ErrInvalid", len(h), err)
		}
	}
	if _, err := c.Register(ctx, []byte("p"), Element{User: wire.Transport{Port: 1}}); !errors.Is(err, ErrInvalid) {
		t.Errorf("Register without user addresses = %v, want ErrInvalid", err)
	}
}

func TestRegistrationRejected(t *testing.T) {
	f := newFakeRegistrar(t, 0x11)
	f.setHandler(func(_ *fakeRegistrar, _ transport.Assoc, m wire.Message) ([]wire.Message, bool) {
		r, ok := m.(*wire.Registration)
		if !ok {
			return nil, false
		}
		return []wire.Message{&wire.RegistrationResponse{
			Reject: true, PoolHandle: r.PoolHandle, PEID: r.Element.ID,
			Error: causeErr(wire.CauseInconsistentPolicy),
		}}, true
	})
	c := newTestClient(t, Config{}, f)
	handle := []byte("echo")
	_, err := c.Register(context.Background(), handle, Element{ID: 7, User: userTransport(7000)})
	var rej *RejectError
	if !errors.As(err, &rej) {
		t.Fatalf("Register = %v, want a *RejectError", err)
	}
	if rej.Cause != wire.CauseInconsistentPolicy || rej.PEID != 7 || string(rej.PoolHandle) != "echo" || rej.Request != wire.ASAPRegistration {
		t.Fatalf("RejectError = %+v", rej)
	}
	var op *wire.OperationError
	if !errors.Is(err, ErrRejected) || !errors.As(err, &op) || !op.Has(wire.CauseInconsistentPolicy) {
		t.Fatalf("error %v does not match ErrRejected and its Operation Error", err)
	}
	if errors.Is(err, ErrUnknownPoolHandle) || errors.Is(err, ErrRateLimited) {
		t.Fatalf("error %v matches a sentinel of another cause", err)
	}
	if got := cbridge.Errno(err); got != syscall.EINVAL {
		t.Fatalf("errno %v, want EINVAL", got)
	}
	if got := c.Registered(handle); len(got) != 0 {
		t.Fatalf("rejected element kept: %v", got)
	}
	f.next(t) // the Registration
	f.quiet(t)

	// The R flag alone, without an Operation Error, is a rejection too.
	f.setHandler(func(_ *fakeRegistrar, _ transport.Assoc, m wire.Message) ([]wire.Message, bool) {
		r := m.(*wire.Registration)
		return []wire.Message{&wire.RegistrationResponse{Reject: true, PoolHandle: r.PoolHandle, PEID: r.Element.ID}}, true
	})
	_, err = c.Register(context.Background(), handle, Element{ID: 8, User: userTransport(7000)})
	if !errors.As(err, &rej) || rej.Cause != 0 || rej.Op != nil {
		t.Fatalf("Register with bare R flag = %v", err)
	}
}

func TestReregistrationTimer(t *testing.T) {
	f := newFakeRegistrar(t, 0x11)
	c := newTestClient(t, Config{}, f)
	handle := []byte("echo")
	id, err := c.Register(context.Background(), handle, Element{ID: 5, User: userTransport(7000), ReregInterval: 20 * time.Millisecond})
	if err != nil {
		t.Fatalf("Register: %v", err)
	}
	want := &wire.Registration{PoolHandle: handle, Element: wire.PoolElement{
		ID: id, RegLife: 60, User: userTransport(7000), Policy: wire.Policy{Type: policy.RoundRobin},
	}}
	// The registration, then the timer's re-registrations, identical.
	start := time.Now()
	for range 4 {
		f.expect(t, want)
	}
	if d := time.Since(start); d < 3*20*time.Millisecond {
		t.Fatalf("4 registrations within %v: the timer fires too early", d)
	}
	if err := c.Deregister(context.Background(), handle, id); err != nil {
		t.Fatalf("Deregister: %v", err)
	}
	// Registrations the timer sent before Deregister may still be ahead
	// of the Deregistration; nothing follows it.
	for {
		m := f.next(t)
		if _, ok := m.m.(*wire.Deregistration); ok {
			break
		}
	}
}

func TestRegisterDontWait(t *testing.T) {
	f := newFakeRegistrar(t, 0x11)
	release := make(chan struct{})
	f.setHandler(func(_ *fakeRegistrar, _ transport.Assoc, m wire.Message) ([]wire.Message, bool) {
		r := m.(*wire.Registration)
		<-release
		return []wire.Message{&wire.RegistrationResponse{Reject: true, PoolHandle: r.PoolHandle, PEID: r.Element.ID, Error: causeErr(wire.CauseLackOfResources)}}, true
	})
	c := newTestClient(t, Config{}, f)
	handle := []byte("echo")
	id, err := c.Register(context.Background(), handle, Element{ID: 9, User: userTransport(7000), DontWait: true})
	if err != nil || id != 9 {
		t.Fatalf("Register(DontWait) = %d, %v", id, err)
	}
	if got := c.Registered(handle); !slices.Equal(got, []uint32{9}) {
		t.Fatalf("Registered before the response = %v", got)
	}
	close(release)
	// The rejection arrives in the background and drops the element.
	deadline := time.Now().Add(waitTime)
	for len(c.Registered(handle)) != 0 {
		if time.Now().After(deadline) {
			t.Fatal("rejected DontWait registration still held")
		}
		time.Sleep(time.Millisecond)
	}
}

func TestElementTiming(t *testing.T) {
	def := 10 * time.Second
	for _, tc := range []struct {
		e              Element
		interval, life time.Duration
	}{
		{Element{}, def, 3 * def},
		{Element{ReregInterval: time.Second}, time.Second, 3 * time.Second},
		{Element{RegLife: 9 * time.Second}, 3 * time.Second, 9 * time.Second},
		{Element{ReregInterval: time.Second, RegLife: 5 * time.Second}, time.Second, 5 * time.Second},
		{Element{ReregInterval: -1}, 0, 3 * def},
		{Element{ReregInterval: -1, RegLife: time.Minute}, 0, time.Minute},
	} {
		i, l := tc.e.timing(def)
		if i != tc.interval || l != tc.life {
			t.Errorf("%+v: interval %v life %v, want %v %v", tc.e, i, l, tc.interval, tc.life)
		}
	}
}

func TestReregisterRejectedKeepsPolicy(t *testing.T) {
	f := newFakeRegistrar(t, 0x11)
	f.setHandler(func(_ *fakeRegistrar, _ transport.Assoc, m wire.Message) ([]wire.Message, bool) {
		switch m := m.(type) {
		case *wire.Registration:
			if m.Element.Policy.Type != policy.LeastUsed {
				return []wire.Message{&wire.RegistrationResponse{Reject: true, PoolHandle: m.PoolHandle, PEID: m.Element.ID, Error: causeErr(wire.CauseInconsistentPolicy)}}, true
			}
		case *wire.Deregistration:
			return []wire.Message{&wire.DeregistrationResponse{PoolHandle: m.PoolHandle, PEID: m.PEID, Error: causeErr(wire.CauseUnknownPoolHandle)}}, true
		}
		return nil, false
	})
	c := newTestClient(t, Config{}, f)
	ctx := context.Background()
	handle := []byte("echo")
	lu := wire.Policy{Type: policy.LeastUsed, Values: []uint32{1}}
	id, err := c.Register(ctx, handle, Element{User: userTransport(7000), Policy: lu})
	if err != nil {
		t.Fatalf("Register: %v", err)
	}
	err = c.Reregister(ctx, handle, id, wire.Policy{Type: policy.Random})
	if !errors.Is(err, ErrRejected) {
		t.Fatalf("Reregister = %v, want a rejection", err)
	}
	c.mu.Lock()
	kept := c.elements[keyOf(handle, id)].pe.Policy
	c.mu.Unlock()
	if kept.Type != lu.Type || !slices.Equal(kept.Values, lu.Values) {
		t.Fatalf("policy after a rejected Reregister = %+v, want %+v", kept, lu)
	}
	err = c.Deregister(ctx, handle, id)
	var rej *RejectError
	if !errors.As(err, &rej) || rej.Request != wire.ASAPDeregistration || !errors.Is(err, ErrUnknownPoolHandle) {
		t.Fatalf("Deregister = %v, want an Unknown Pool Handle rejection", err)
	}
	if got := c.Registered(handle); len(got) != 0 {
		t.Fatalf("element kept after Deregister: %v", got)
	}
}
