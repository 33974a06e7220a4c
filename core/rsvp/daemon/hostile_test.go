package daemon

import (
	"context"
	"encoding/json"
	"math/rand/v2"
	"net/netip"
	"testing"
	"time"

	"netcompat/core/rsvp/api"
	"netcompat/core/rsvp/netio"
	"netcompat/core/rsvp/wire"
	"netcompat/internal/netns"
)

// rsvpd survives hostile input: random bytes, truncated messages,
// objects whose lengths lie, and a flood of Paths for new sessions far
// beyond its session bound. Its state stays within the bound, it keeps
// answering its API, the flood's state expires, and afterwards a real
// session is signalled across it as usual.
func TestHostileInput(t *testing.T) {
	l := netns.NewLinear(t, netns.LinearConfig{Prefix: "hostile"})
	conf := "refresh 300ms\nmax-sessions 500\n"
	nodes := map[string]*node{
		"H1": startNode(t, l.H1, "refresh 300ms\n"), "R1": startNode(t, l.R1, conf),
		"R2": startNode(t, l.R2, "refresh 300ms\n"), "H2": startNode(t, l.H2, "refresh 300ms\n"),
	}
	// The attacker is a raw socket on H1 (no rsvpd involved).
	var atk *netio.Conn
	if err := l.H1.Do(func() (err error) { atk, err = netio.Open(netio.Options{Raw: true}); return err }); err != nil {
		t.Fatal(err)
	}
	defer atk.Close()
	r1 := l.H1R1.B.V4.Addr()
	send := func(b []byte, ra bool) {
		if err := atk.Send(netio.Out{Data: b, Dst: r1, RouterAlert: ra}); err != nil {
			t.Fatal(err)
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	path := func(i int) []byte {
		b, err := wire.Append(nil, &wire.Path{
			Session:    wire.Session{Dest: netip.AddrFrom4([4]byte{10, 0, 3, byte(i)}), Protocol: 17, DstPort: uint16(1000 + i/256)},
			Hop:        wire.Hop{Addr: l.H1Addr4(), LIH: 1},
			TimeValues: wire.TimeValues{RefreshPeriod: 300 * time.Millisecond},
			Sender: &wire.Sender{Template: wire.FilterSpec{Form: wire.FormPort, Source: l.H1Addr4(), Port: uint16(i)},
				TSpec: wire.TSpec{Rate: 1000, BucketSize: 1000, PeakRate: 2000, MinPolicedUnit: 64, MaxPacketSize: 1500}},
		})
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	good := path(1)
	for i := 0; i < 2000; i++ {
		switch i % 4 {
		case 0: // random bytes, sometimes with a plausible header
			b := make([]byte, 4+rng.IntN(300))
			for j := range b {
				b[j] = byte(rng.Uint32())
			}
			if i%8 == 0 {
				b[0], b[1] = 0x10, byte(1+rng.IntN(7))
			}
			send(b, false)
		case 1: // truncated
			send(good[:rng.IntN(len(good))], i%2 == 0)
		case 2: // an object that lies about its length
			b := append([]byte(nil), good...)
			off := 8 + 4*rng.IntN((len(b)-8)/4)
			b[off], b[off+1] = byte(rng.Uint32()), byte(rng.Uint32())
			send(b, false)
		case 3: // a wrong checksum
			b := append([]byte(nil), good...)
			b[2] ^= 0x55
			send(b, false)
		}
	}
	// The flood: 20,000 sessions, 40 times the bound.
	for i := 0; i < 20000; i++ {
		send(path(i), true)
	}
	ctx := testCtx(t)
	st := status(t, ctx, nodes["R1"])
	if st.sessions > 500 {
		t.Fatalf("R1 holds %d sessions, bound 500", st.sessions)
	}
	// The flood did reach R1 and met the bound; the junk was refused.
	waitFor(t, "R1 to count the refused sessions", func() bool {
		c := status(t, ctx, nodes["R1"]).counters
		return c["drop_session_limit"] > 0 && c["rx_malformed"] > 0
	})
	// The flood's state expires (L ~ 1.6 s) ...
	waitFor(t, "the flood's state to expire", func() bool { return status(t, ctx, nodes["R1"]).sessions == 0 })
	// ... and a real session crosses R1 as usual.
	sess := api.SessionSpec{Dest: l.H2Addr4(), Proto: 17, Port: 5000}
	rx, tx := nodes["H2"].client(), nodes["H1"].client()
	ts := api.TokenBucket{Rate: 1000, Bucket: 1000, Peak: api.Inf, MinPoliced: 64, MaxPacket: 1500}
	rsid, _ := openPath(t, ctx, rx, tx, sess, l.H1Addr4(), 4000, ts)
	if err := rx.Reserve(ctx, rsid, &api.ReserveSpec{Style: api.StyleWF, Confirm: true,
		Flowspecs: []api.Flowspec{{Service: api.ServiceControlledLoad, TokenBucket: ts}}}); err != nil {
		t.Fatal(err)
	}
	nextEvent(t, rx, rsid, api.EventResvConfirm)
}

type statusSummary struct {
	sessions int
	counters map[string]uint64
}

func status(t testing.TB, ctx context.Context, n *node) statusSummary {
	t.Helper()
	c := n.client()
	raw, err := c.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	var st struct {
		Sessions []json.RawMessage `json:"sessions"`
		Counters map[string]uint64 `json:"counters"`
	}
	if err := json.Unmarshal(raw, &st); err != nil {
		t.Fatal(err)
	}
	return statusSummary{len(st.Sessions), st.Counters}
}
