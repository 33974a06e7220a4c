package session

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"slices"
	"testing"
	"time"

	"netcompat/core/rserpool/asap"
	"netcompat/core/rserpool/registrar/registrartest"
	"netcompat/core/rserpool/wire"
)

// Every wait ends as soon as its condition holds; the limit only bounds a
// failing test.
const waitLimit = 30 * time.Second

// registrarPath is the rspregistrar binary TestMain builds.
var registrarPath string

func TestMain(m *testing.M) {
	path, cleanup, err := registrartest.Build()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	registrarPath = path
	code := m.Run()
	cleanup()
	os.Exit(code)
}

// startRegistrar runs rspregistrar on 127.0.0.1 with a free port and no
// announces, plus args, and returns its ASAP address.
func startRegistrar(t *testing.T, args ...string) netip.AddrPort {
	t.Helper()
	return registrartest.Start(t, registrarPath, waitLimit, args...).Addr
}

func newClient(t *testing.T, reg netip.AddrPort) *asap.Client {
	t.Helper()
	c, err := asap.New(asap.Config{Registrars: [][]netip.AddrPort{{reg}}, DisableAnnounce: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	t.Cleanup(cancel)
	return ctx
}

// echoPE is a one-to-many pool element that answers every message with
// a cookie naming itself and the message, then the message itself.
type echoPE struct {
	t       *testing.T
	pe      *PoolElement
	id      uint32
	echoes  chan []byte        // cookie echoes received
	changes chan SessionChange // session changes seen
	done    chan struct{}
}

func startEchoPE(t *testing.T, reg netip.AddrPort, pool string, ro RegisterOptions) *echoPE {
	t.Helper()
	c := newClient(t, reg)
	pe, err := Listen(c, []netip.AddrPort{netip.MustParseAddrPort("127.0.0.1:0")}, nil)
	if err != nil {
		t.Fatal(err)
	}
	id, err := pe.Register(testContext(t), []byte(pool), ro)
	if err != nil {
		pe.Close()
		t.Fatal(err)
	}
	e := &echoPE{t: t, pe: pe, id: id, echoes: make(chan []byte, 16), changes: make(chan SessionChange, 64), done: make(chan struct{})}
	go e.serve()
	t.Cleanup(func() {
		pe.Close()
		<-e.done
	})
	return e
}

func (e *echoPE) serve() {
	defer close(e.done)
	ctx := context.Background()
	for {
		ev, err := e.pe.Recv(ctx)
		if err != nil {
			if !errors.Is(err, ErrClosed) {
				e.t.Errorf("PE $%08x: Recv: %v", e.id, err)
			}
			return
		}
		switch ev := ev.(type) {
		case *Message:
			if ev.CookieEcho {
				e.echoes <- ev.Data
				continue
			}
			cookie := fmt.Appendf(nil, "cookie:%08x:%s", e.id, ev.Data)
			if err := e.pe.SendCookie(ctx, ev.Session, cookie); err != nil {
				continue // the session may be gone
			}
			e.pe.Send(ctx, ev.Data, SendInfo{Session: ev.Session, PPID: ev.PPID, Stream: ev.Stream})
		case SessionChange:
			select {
			case e.changes <- ev:
			default:
			}
		}
	}
}

// recvEvent returns the next event of a PoolUser.
func recvEvent(t *testing.T, u *PoolUser) Event {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	ev, err := u.Recv(ctx)
	if err != nil {
		t.Fatalf("Recv: %v", err)
	}
	return ev
}

// recvMessage returns the next event, which must be a data message.
func recvMessage(t *testing.T, u *PoolUser) *Message {
	t.Helper()
	ev := recvEvent(t, u)
	m, ok := ev.(*Message)
	if !ok {
		t.Fatalf("got %#v, want a message", ev)
	}
	return m
}

// exchange sends msg and expects it back from element peID.
func exchange(t *testing.T, u *PoolUser, msg string, peID uint32) {
	t.Helper()
	if err := u.Send(testContext(t), []byte(msg), SendInfo{PPID: 33, Stream: 1}); err != nil {
		t.Fatalf("Send %q: %v", msg, err)
	}
	m := recvMessage(t, u)
	if string(m.Data) != msg || m.PPID != 33 || m.Stream != 1 || m.PEID != peID {
		t.Fatalf("got %q ppid %d stream %d from $%08x, want %q ppid 33 stream 1 from $%08x", m.Data, m.PPID, m.Stream, m.PEID, msg, peID)
	}
}

func peerID(t *testing.T, u *PoolUser) uint32 {
	t.Helper()
	_, id, ok := u.Peer()
	if !ok {
		t.Fatal("session not connected")
	}
	return id
}

// resolveIDs asks the registrar (no cache) for the pool's element IDs.
func resolveIDs(t *testing.T, c *asap.Client, pool string) []uint32 {
	t.Helper()
	pes, _, err := c.ResolveStale(testContext(t), []byte(pool), 10, 0)
	if err != nil && !errors.Is(err, asap.ErrUnknownPoolHandle) {
		t.Fatalf("resolve %s: %v", pool, err)
	}
	return elementIDs(pes)
}

func elementIDs(pes []wire.PoolElement) []uint32 {
	var ids []uint32
	for _, pe := range pes {
		ids = append(ids, pe.ID)
	}
	slices.Sort(ids)
	return ids
}
