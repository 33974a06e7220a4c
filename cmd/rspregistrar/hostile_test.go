package main

import (
	"context"
	"encoding/binary"
	"math/rand/v2"
	"net"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"netcompat/core/rserpool/policy"
	"netcompat/core/rserpool/wire"
	"netcompat/core/transport"
)

// Memory bound for TestHostileClients, from the registrar's limits
// (package registrar: server.go and config.go) and the attack below:
//
//	runtime, binary, idle heap       ~ 6 MiB measured (VmRSS of an idle daemon)
//	flooded elements                 floodLimit (-maxelements) × ≤ 1 KiB handlespace + selector
//	                                 (about 0.5 KiB measured), × 2 for GC headroom (GOGC=100)
//	held associations                heldConns × ≤ 64 KiB (8 KiB read buffer, 8 KiB transport
//	                                 buffer, two goroutine stacks, queue ≤ 256 KiB only for
//	                                 peers that read nothing, which are cut off at that size)
//	transient garbage, decoding      slack
//
// With floodLimit 20000 and 64 held associations: 6 + 40 + 4 MiB, and
// 30 MiB slack gives 80 MiB; runs measure about 35 MiB. Without
// -maxelements the flood would register all its 100,000 elements (some
// 50 MB of handlespace and selectors before GC headroom).
const (
	floodLimit    = 20000
	floodAttempts = 100000
	heldConns     = 64
	rssBound      = 80 << 20
)

// Clients sending random bytes, truncated messages, messages whose length
// lies (up to 64 KiB) and floods of registrations do not keep the
// registrar from answering a well-behaved client correctly, and its
// memory stays bounded.
func TestHostileClients(t *testing.T) {
	if testing.Short() {
		t.Skip("floods the registrar")
	}
	if transport.DefaultBackend() != transport.BackendTCP {
		t.Skip("the hostile clients speak raw TCP: needs the TCP mapping")
	}
	d := startDaemon(t, "-loglevel=2", "-maxelements="+strconv.Itoa(floodLimit))
	good := dial(t, d, false)
	good.register("service", pe(1, policy.RoundRobin))
	good.register("service", pe(2, policy.RoundRobin))
	pu := dial(t, d, false)
	want := []uint32{1, 2}

	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	defer func() { cancel(); wg.Wait() }()
	addr := d.addr.String()
	rawDial := func() net.Conn {
		c, err := net.DialTimeout("tcp", addr, waitLimit)
		if err != nil {
			return nil
		}
		context.AfterFunc(ctx, func() { c.Close() })
		return c
	}
	attack := func(f func(r *rand.Rand)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(rand.Uint64(), 1))
			for ctx.Err() == nil {
				f(r)
			}
		}()
	}
	drain := func(c net.Conn) {
		go func() {
			buf := make([]byte, 4096)
			for {
				if _, err := c.Read(buf); err != nil {
					return
				}
			}
		}()
	}

	// Random bytes, reconnecting whenever the registrar hangs up.
	for range 4 {
		attack(func(r *rand.Rand) {
			c := rawDial()
			if c == nil {
				return
			}
			defer c.Close()
			drain(c)
			b := make([]byte, 1024)
			for range 64 {
				for i := range b {
					b[i] = byte(r.Uint32())
				}
				if _, err := c.Write(b[:1+r.IntN(len(b))]); err != nil {
					return
				}
			}
		})
	}
	// Truncated messages: cut short (length fixed up, so they are
	// malformed) or cut off by a close in the middle.
	reg, _ := wire.AppendASAP(nil, &wire.Registration{PoolHandle: []byte("trunc"), Element: pe(9, policy.RoundRobin)})
	attack(func(r *rand.Rand) {
		c := rawDial()
		if c == nil {
			return
		}
		defer c.Close()
		drain(c)
		for range 20 {
			cut := append([]byte(nil), reg[:4+4*r.IntN(len(reg)/4-1)]...)
			binary.BigEndian.PutUint16(cut[2:], uint16(len(cut)))
			if _, err := c.Write(cut); err != nil {
				return
			}
		}
		c.Write(reg[:len(reg)/2]) // and stop in the middle of one
	})
	// Lying lengths: up to 64 KiB announced, a little sent, held open.
	for i := range heldConns {
		c := rawDial()
		if c == nil {
			t.Fatal("cannot connect")
		}
		defer c.Close()
		h := []byte{byte(wire.ASAPHandleResolution), 0, 0, 0}
		binary.BigEndian.PutUint16(h[2:], uint16(65535-i*97))
		c.Write(append(h, make([]byte, 100)...))
	}
	// A flood of registrations that reads no answers: cut off.
	attack(func(r *rand.Rand) {
		c := rawDial()
		if c == nil {
			return
		}
		defer c.Close()
		var batch []byte
		for range 500 {
			m, _ := wire.AppendASAP(nil, &wire.Registration{PoolHandle: []byte("mute"), Element: pe(1+r.Uint32N(1<<30), policy.RoundRobin)})
			batch = append(batch, m...)
		}
		for {
			if _, err := c.Write(batch); err != nil {
				return
			}
		}
	})
	// A flood of registrations that reads its answers, far beyond
	// -maxelements.
	var flooded, accepted atomic.Int64
	floodDone := make(chan struct{})
	{
		fc := dial(t, d, false)
		go func() {
			for m := range fc.in {
				if resp, ok := m.(*wire.RegistrationResponse); ok && !resp.Reject {
					accepted.Add(1)
				}
			}
		}()
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer close(floodDone)
			for i := range floodAttempts {
				b, _ := wire.AppendASAP(nil, &wire.Registration{PoolHandle: []byte("flood"), Element: pe(uint32(i+1), policy.RoundRobin)})
				if ctx.Err() != nil || fc.a.Send(b, transport.SendInfo{}) != nil {
					return
				}
				flooded.Add(1)
			}
		}()
	}

	// The well-behaved user: correct answers throughout, memory bounded.
	var maxRSS int64
	var slowest time.Duration
	resolutions := 0
	for floodRunning := true; floodRunning || resolutions < 200; resolutions++ {
		select {
		case <-floodDone:
			floodRunning = false
		default:
		}
		start := time.Now()
		resp := pu.resolve("service")
		slowest = max(slowest, time.Since(start))
		got := ids(resp)
		slices.Sort(got)
		if resp.Reject || !slices.Equal(got, want) {
			t.Fatalf("resolution %d under attack: %+v", resolutions, resp)
		}
		maxRSS = max(maxRSS, d.rss())
	}
	t.Logf("%d resolutions under attack, slowest %v; %d registrations flooded, %d accepted; max RSS %d KiB",
		resolutions, slowest, flooded.Load(), accepted.Load(), maxRSS>>10)
	if flooded.Load() != floodAttempts {
		t.Errorf("flood stopped after %d registrations", flooded.Load())
	}
	if maxRSS > rssBound {
		t.Errorf("registrar RSS %d KiB exceeds the bound of %d KiB", maxRSS>>10, rssBound>>10)
	}
	// The good pool element is still there and answers keep-alives.
	good.register("service", pe(1, policy.RoundRobin))
}
