package session

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"slices"
	"sync"
	"testing"
	"time"
)

// threePEs starts a pool of three echo elements and returns them by ID.
func threePEs(t *testing.T, reg netip.AddrPort, pool string, ro RegisterOptions) map[uint32]*echoPE {
	t.Helper()
	pes := map[uint32]*echoPE{}
	for range 3 {
		e := startEchoPE(t, reg, pool, ro)
		pes[e.id] = e
	}
	return pes
}

func TestEchoSession(t *testing.T) {
	reg := startRegistrar(t)
	pes := threePEs(t, reg, "echo", RegisterOptions{})
	u, err := Connect(testContext(t), newClient(t, reg), []byte("echo"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer u.Close()
	id := peerID(t, u)
	if pes[id] == nil {
		t.Fatalf("connected to unknown element $%08x", id)
	}
	if u.HasCookie() {
		t.Fatal("cookie before any message")
	}
	for i := range 10 {
		exchange(t, u, fmt.Sprintf("message %d", i), id)
	}
	if !u.HasCookie() || string(u.Cookie()) != fmt.Sprintf("cookie:%08x:message 9", id) {
		t.Fatalf("cookie %q", u.Cookie())
	}
	if ch := <-pes[id].changes; ch.State != SessionAdd {
		t.Fatalf("element saw %+v first", ch)
	}
	if err := u.Send(testContext(t), []byte("x"), SendInfo{PPID: 11}); !errors.Is(err, ErrInvalid) {
		t.Fatalf("PPID 11: %v", err)
	}
	u.Close()
	if ch := <-pes[id].changes; ch.State != SessionRemove {
		t.Fatalf("element saw %+v after the user left", ch)
	}
	if _, err := u.Recv(context.Background()); !errors.Is(err, ErrClosed) {
		t.Fatalf("Recv after Close: %v", err)
	}
}

// Three users of one ASAP client, each resolving through the registrar,
// land on three different elements of a round-robin pool.
func TestRoundRobinSpreading(t *testing.T) {
	reg := startRegistrar(t)
	pes := threePEs(t, reg, "rr", RegisterOptions{})
	c := newClient(t, reg)
	var got []uint32
	for i := range 3 {
		u, err := Connect(testContext(t), c, []byte("rr"), nil)
		if err != nil {
			t.Fatal(err)
		}
		defer u.Close()
		id := peerID(t, u)
		if pes[id] == nil {
			t.Fatalf("connected to unknown element $%08x", id)
		}
		exchange(t, u, fmt.Sprintf("user %d", i), id)
		got = append(got, id)
	}
	slices.Sort(got)
	if len(slices.Compact(got)) != 3 {
		t.Fatalf("users on elements %x, want three different ones", got)
	}
}

// readiness records what a SetReadyFunc callback was told.
type readiness struct {
	mu    sync.Mutex
	calls int
	last  bool
}

func (r *readiness) set(v bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls++
	r.last = v
}

func (r *readiness) get() (int, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.calls, r.last
}

// An element that dies mid-session: the user fails over to another one,
// echoes the latest cookie to it, and every message sent after the
// FailoverNecessary notification is answered. With and without the
// client's cache.
func TestFailoverAfterElementDies(t *testing.T) {
	for _, stale := range []time.Duration{0, time.Minute} {
		t.Run(fmt.Sprintf("stale=%v", stale), func(t *testing.T) { testFailover(t, stale) })
	}
}

func testFailover(t *testing.T, stale time.Duration) {
	reg := startRegistrar(t)
	pes := threePEs(t, reg, "failover", RegisterOptions{})
	u, err := Connect(testContext(t), newClient(t, reg), []byte("failover"), &UserOptions{StaleCacheValue: stale})
	if err != nil {
		t.Fatal(err)
	}
	defer u.Close()
	var ready readiness
	u.SetReadyFunc(ready.set)
	if calls, r := ready.get(); calls != 1 || r {
		t.Fatalf("readiness %d calls, last %v; want false at once", calls, r)
	}
	old := peerID(t, u)
	for i := range 5 {
		exchange(t, u, fmt.Sprintf("before %d", i), old)
	}
	cookie := fmt.Sprintf("cookie:%08x:before 4", old)

	pes[old].pe.kill()
	if ev := recvEvent(t, u); ev != (FailoverNecessary{}) {
		t.Fatalf("got %#v, want FailoverNecessary", ev)
	}
	const n = 20
	for i := range n {
		if err := u.Send(testContext(t), []byte(fmt.Sprintf("after %d", i)), SendInfo{PPID: 33, Stream: 1}); err != nil {
			t.Fatalf("Send during failover: %v", err)
		}
	}
	ev := recvEvent(t, u)
	fc, ok := ev.(FailoverComplete)
	if !ok || !fc.HasCookie || fc.PEID == old || pes[fc.PEID] == nil {
		t.Fatalf("got %#v, want FailoverComplete with cookie on another element", ev)
	}
	if id := peerID(t, u); id != fc.PEID {
		t.Fatalf("peer $%08x, notification says $%08x", id, fc.PEID)
	}
	select {
	case echo := <-pes[fc.PEID].echoes:
		if string(echo) != cookie {
			t.Fatalf("new element got cookie echo %q, want %q", echo, cookie)
		}
	case <-time.After(waitLimit):
		t.Fatal("no cookie echo at the new element")
	}
	for i := range n {
		m := recvMessage(t, u)
		if want := fmt.Sprintf("after %d", i); string(m.Data) != want || m.PEID != fc.PEID {
			t.Fatalf("got %q from $%08x, want %q from $%08x", m.Data, m.PEID, want, fc.PEID)
		}
	}
	exchange(t, u, "later", fc.PEID)
	if !u.HasCookie() || string(u.Cookie()) != fmt.Sprintf("cookie:%08x:later", fc.PEID) {
		t.Fatalf("cookie %q", u.Cookie())
	}
	// The readiness callback followed the queue.
	if calls, r := ready.get(); calls < 3 || r {
		t.Fatalf("readiness %d calls, last %v; want false with an empty queue", calls, r)
	}
	if _, err := u.TryRecv(); !errors.Is(err, ErrWouldBlock) {
		t.Fatalf("TryRecv on an empty queue: %v", err)
	}
}

// ForceFailover with FailoverUnreachable moves to another element and
// reports the old one, which the registrar (removing elements after one
// report) then no longer returns.
func TestForceFailoverUnreachable(t *testing.T) {
	reg := startRegistrar(t, "-maxbadpereports=1")
	// No reregistration: the reported element must not come back.
	pes := threePEs(t, reg, "force", RegisterOptions{ReregInterval: -1})
	c := newClient(t, reg)
	u, err := Connect(testContext(t), c, []byte("force"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer u.Close()
	old := peerID(t, u)
	exchange(t, u, "hello", old)
	if err := u.ForceFailover(testContext(t), FailoverUnreachable, 0); err != nil {
		t.Fatal(err)
	}
	if ev := recvEvent(t, u); ev != (FailoverNecessary{}) {
		t.Fatalf("got %#v, want FailoverNecessary", ev)
	}
	ev := recvEvent(t, u)
	fc, ok := ev.(FailoverComplete)
	if !ok || !fc.HasCookie || fc.PEID == old {
		t.Fatalf("got %#v, want FailoverComplete with cookie on another element", ev)
	}
	select {
	case echo := <-pes[fc.PEID].echoes:
		if want := fmt.Sprintf("cookie:%08x:hello", old); string(echo) != want {
			t.Fatalf("cookie echo %q, want %q", echo, want)
		}
	case <-time.After(waitLimit):
		t.Fatal("no cookie echo")
	}
	exchange(t, u, "on the new element", fc.PEID)
	if ids := resolveIDs(t, c, "force"); slices.Contains(ids, old) || len(ids) != 2 {
		t.Fatalf("registrar returns %x after the report of $%08x", ids, old)
	}
	// The old element saw the session go.
	for {
		select {
		case ch := <-pes[old].changes:
			if ch.State == SessionRemove {
				return
			}
		case <-time.After(waitLimit):
			t.Fatal("old element never saw the session removed")
		}
	}
}

// Without FailoverUnreachable the old element stays registered.
func TestForceFailoverWithoutReport(t *testing.T) {
	reg := startRegistrar(t, "-maxbadpereports=1")
	threePEs(t, reg, "keep", RegisterOptions{ReregInterval: -1})
	c := newClient(t, reg)
	u, err := Connect(testContext(t), c, []byte("keep"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer u.Close()
	old := peerID(t, u)
	if err := u.ForceFailover(testContext(t), 0, 0); err != nil {
		t.Fatal(err)
	}
	recvEvent(t, u)
	if fc, ok := recvEvent(t, u).(FailoverComplete); !ok || fc.HasCookie || fc.PEID == old {
		t.Fatalf("got %#v", fc)
	}
	if ids := resolveIDs(t, c, "keep"); len(ids) != 3 {
		t.Fatalf("registrar returns %x", ids)
	}
}

func TestCloseDeregisters(t *testing.T) {
	reg := startRegistrar(t)
	pes := threePEs(t, reg, "dereg", RegisterOptions{})
	c := newClient(t, reg)
	if ids := resolveIDs(t, c, "dereg"); len(ids) != 3 {
		t.Fatalf("registrar returns %x", ids)
	}
	var gone uint32
	for id, e := range pes {
		gone = id
		if err := e.pe.Close(); err != nil {
			t.Fatal(err)
		}
		break
	}
	if ids := resolveIDs(t, c, "dereg"); len(ids) != 2 || slices.Contains(ids, gone) {
		t.Fatalf("registrar returns %x after $%08x closed", ids, gone)
	}
	for _, e := range pes {
		if _, _, ok := e.pe.Identity(); e.id != gone && !ok {
			t.Fatal("identity lost")
		}
	}
}

// A pool without reachable elements: Connect gives a *NoElementError and a
// session that connects later; a session whose elements all die gets
// FailoverNecessary and then the error from Recv.
func TestNoPoolElement(t *testing.T) {
	reg := startRegistrar(t)
	c := newClient(t, reg)
	opts := &UserOptions{MaxTrials: 2, RetryDelay: time.Millisecond}
	u, err := Connect(testContext(t), c, []byte("empty"), opts)
	var ne *NoElementError
	if !errors.As(err, &ne) || !errors.Is(err, ErrNoPoolElement) || u == nil || ne.Trials != 2 {
		t.Fatalf("Connect to an empty pool: %v", err)
	}
	defer u.Close()
	if err := u.Send(testContext(t), []byte("x"), SendInfo{}); !errors.Is(err, ErrNoPoolElement) {
		t.Fatalf("Send: %v", err)
	}
	// An element appears: the next Send connects.
	e := startEchoPE(t, reg, "empty", RegisterOptions{})
	if err := u.Send(testContext(t), []byte("now"), SendInfo{PPID: 33, Stream: 1}); err != nil {
		t.Fatal(err)
	}
	if fc, ok := recvEvent(t, u).(FailoverComplete); !ok || fc.PEID != e.id {
		t.Fatalf("got %#v", fc)
	}
	if m := recvMessage(t, u); string(m.Data) != "now" {
		t.Fatalf("got %q", m.Data)
	}
	// It dies without deregistering: the failover fails.
	e.pe.kill()
	if ev := recvEvent(t, u); ev != (FailoverNecessary{}) {
		t.Fatalf("got %#v", ev)
	}
	ctx := testContext(t)
	if _, err := u.Recv(ctx); !errors.As(err, &ne) || !slices.Contains(ne.Tried, e.id) {
		t.Fatalf("Recv after a failed failover: %v", err)
	}
	if _, _, ok := u.Peer(); ok {
		t.Fatal("still connected")
	}
}

// A listening element hands out one-to-one sessions through Accept; the
// user leaving gives Shutdown, then io.EOF.
func TestAcceptedSessions(t *testing.T) {
	reg := startRegistrar(t)
	pe, err := Listen(newClient(t, reg), []netip.AddrPort{netip.MustParseAddrPort("127.0.0.1:0")}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer pe.Close()
	pe.Listen()
	id, err := pe.Register(testContext(t), []byte("accept"), RegisterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pe.TryAccept(); !errors.Is(err, ErrWouldBlock) {
		t.Fatalf("TryAccept: %v", err)
	}
	var wg sync.WaitGroup
	defer wg.Wait()
	c := newClient(t, reg)
	users := make([]*PoolUser, 2)
	for i := range users {
		u, err := Connect(testContext(t), c, []byte("accept"), nil)
		if err != nil {
			t.Fatal(err)
		}
		users[i] = u
		s, err := pe.Accept(testContext(t))
		if err != nil {
			t.Fatal(err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer s.Close()
			ctx := testContext(t)
			for {
				ev, err := s.Recv(ctx)
				if err == io.EOF {
					return
				}
				if err != nil {
					t.Errorf("accepted session: %v", err)
					return
				}
				switch ev := ev.(type) {
				case *Message:
					s.SendCookie(ctx, []byte("c"))
					s.Send(ctx, append([]byte("re: "), ev.Data...), SendInfo{PPID: ev.PPID})
				case Shutdown:
					if ev.Session != s.ID() {
						t.Errorf("shutdown of session %d on %d", ev.Session, s.ID())
					}
				}
			}
		}()
	}
	for i, u := range users {
		msg := fmt.Sprintf("user %d", i)
		if err := u.Send(testContext(t), []byte(msg), SendInfo{PPID: 7}); err != nil {
			t.Fatal(err)
		}
		if m := recvMessage(t, u); string(m.Data) != "re: "+msg || m.PEID != id || m.PPID != 7 {
			t.Fatalf("got %+v", m)
		}
		if !u.HasCookie() {
			t.Fatal("no cookie")
		}
		u.Close()
	}
}

// One one-to-many element serving three users: sessions are numbered,
// announced and retired, and answers reach the right user.
func TestOneToManySessions(t *testing.T) {
	reg := startRegistrar(t)
	pe, err := Listen(newClient(t, reg), []netip.AddrPort{netip.MustParseAddrPort("127.0.0.1:0")}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer pe.Close()
	var ready readiness
	pe.SetReadyFunc(ready.set)
	if _, err := pe.Register(testContext(t), []byte("many"), RegisterOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := pe.Send(testContext(t), []byte("x"), SendInfo{Session: 9}); !errors.Is(err, ErrNoSession) {
		t.Fatalf("Send to no session: %v", err)
	}
	c := newClient(t, reg)
	users := map[SessionID]*PoolUser{}
	for range 3 {
		u, err := Connect(testContext(t), c, []byte("many"), nil)
		if err != nil {
			t.Fatal(err)
		}
		defer u.Close()
		ev, err := pe.Recv(testContext(t))
		if err != nil {
			t.Fatal(err)
		}
		ch, ok := ev.(SessionChange)
		if !ok || ch.State != SessionAdd || users[ch.Session] != nil {
			t.Fatalf("got %#v, want a new session", ev)
		}
		users[ch.Session] = u
		// Tell the user its session number.
		if err := pe.Send(testContext(t), fmt.Appendf(nil, "%d", ch.Session), SendInfo{Session: ch.Session, PPID: 5}); err != nil {
			t.Fatal(err)
		}
	}
	if got := pe.Sessions(); len(got) != 3 {
		t.Fatalf("sessions %v", got)
	}
	for id, u := range users {
		if m := recvMessage(t, u); string(m.Data) != fmt.Sprint(id) {
			t.Fatalf("session %d's user got %q", id, m.Data)
		}
		if err := u.Send(testContext(t), fmt.Appendf(nil, "from %d", id), SendInfo{PPID: 5, Stream: 2}); err != nil {
			t.Fatal(err)
		}
		ev, err := pe.Recv(testContext(t))
		if err != nil {
			t.Fatal(err)
		}
		if m, ok := ev.(*Message); !ok || m.Session != id || string(m.Data) != fmt.Sprintf("from %d", id) || m.Stream != 2 || m.PPID != 5 {
			t.Fatalf("got %#v", ev)
		}
	}
	for id, u := range users {
		u.Close()
		ev, err := pe.Recv(testContext(t))
		if err != nil {
			t.Fatal(err)
		}
		if ev != (SessionChange{Session: id, State: SessionRemove}) {
			t.Fatalf("got %#v, want session %d removed", ev, id)
		}
	}
	if calls, r := ready.get(); calls < 2 || r {
		t.Fatalf("readiness %d calls, last %v", calls, r)
	}
	pe.Close()
	if _, err := pe.Recv(context.Background()); !errors.Is(err, ErrClosed) {
		t.Fatalf("Recv after Close: %v", err)
	}
}

// In a pool of one, ForceFailover comes back to the same element, which
// gets the cookie echoed.
func TestForceFailoverSingleElement(t *testing.T) {
	reg := startRegistrar(t)
	e := startEchoPE(t, reg, "single", RegisterOptions{})
	u, err := Connect(testContext(t), newClient(t, reg), []byte("single"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer u.Close()
	exchange(t, u, "one", e.id)
	if err := u.ForceFailover(testContext(t), 0, 0); err != nil {
		t.Fatal(err)
	}
	if ev := recvEvent(t, u); ev != (FailoverNecessary{}) {
		t.Fatalf("got %#v", ev)
	}
	if ev := recvEvent(t, u); ev != (FailoverComplete{HasCookie: true, PEID: e.id}) {
		t.Fatalf("got %#v", ev)
	}
	if echo := <-e.echoes; string(echo) != fmt.Sprintf("cookie:%08x:one", e.id) {
		t.Fatalf("cookie echo %q", echo)
	}
	exchange(t, u, "two", e.id)
}

// Messages queued during a failover keep their time to live: one that
// expired before the new element was reached is dropped, the others are
// sent to it in order.
func TestFailoverQueueTimeToLive(t *testing.T) {
	reg := startRegistrar(t)
	first := startEchoPE(t, reg, "ttl", RegisterOptions{ReregInterval: -1})
	opts := &UserOptions{MaxTrials: 1000, RetryDelay: 10 * time.Millisecond}
	u, err := Connect(testContext(t), newClient(t, reg), []byte("ttl"), opts)
	if err != nil {
		t.Fatal(err)
	}
	defer u.Close()
	exchange(t, u, "hello", first.id)
	// The only element dies: the session stays failing until another
	// element registers, so every Send below is queued.
	first.pe.kill()
	if ev := recvEvent(t, u); ev != (FailoverNecessary{}) {
		t.Fatalf("got %#v, want FailoverNecessary", ev)
	}
	sends := []struct {
		data string
		ttl  time.Duration
	}{{"reliable", 0}, {"expires", time.Nanosecond}, {"long-lived", time.Hour}}
	for _, s := range sends {
		if err := u.Send(testContext(t), []byte(s.data), SendInfo{PPID: 33, TimeToLive: s.ttl}); err != nil {
			t.Fatalf("Send %q during failover: %v", s.data, err)
		}
	}
	second := startEchoPE(t, reg, "ttl", RegisterOptions{})
	if fc, ok := recvEvent(t, u).(FailoverComplete); !ok || fc.PEID != second.id {
		t.Fatalf("got %#v, want FailoverComplete to $%08x", fc, second.id)
	}
	if err := u.Send(testContext(t), []byte("after"), SendInfo{PPID: 33}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"reliable", "long-lived", "after"} {
		if m := recvMessage(t, u); string(m.Data) != want {
			t.Fatalf("echo %q, want %q", m.Data, want)
		}
	}
}
