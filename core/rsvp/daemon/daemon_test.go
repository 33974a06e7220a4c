package daemon

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vishvananda/netlink"

	"netcompat/core/rsvp/api"
	"netcompat/core/rsvp/config"
	"netcompat/core/rsvp/tc"
	"netcompat/internal/netns"
)

const waitLimit = 60 * time.Second

// node is one rsvpd running in a test namespace.
type node struct {
	t    testing.TB
	ns   *netns.Namespace
	nl   *netlink.Handle
	sock string
	d    *Daemon
	done chan error
}

// startNode runs rsvpd in ns with the configuration text conf.
func startNode(t testing.TB, ns *netns.Namespace, conf string) *node {
	t.Helper()
	cfg, err := config.Parse(strings.NewReader(conf))
	if err != nil {
		t.Fatal(err)
	}
	nl, err := ns.Netlink()
	if err != nil {
		t.Fatal(err)
	}
	n := &node{t: t, ns: ns, nl: nl, sock: filepath.Join(t.TempDir(), "rsvpd.sock"), done: make(chan error, 1)}
	n.d, err = start(Options{Config: cfg, APISocket: n.sock, Netlink: nl, Do: ns.Do})
	if err != nil {
		t.Fatalf("%s: %v", ns, err)
	}
	n.d.kill = make(chan struct{})
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		err := n.d.loop(ctx)
		n.d.close()
		n.done <- err
	}()
	t.Cleanup(func() {
		cancel()
		<-n.done
	})
	return n
}

// crash stops the daemon without a word to its neighbours.
func (n *node) crash() {
	close(n.d.kill)
	if err := <-n.done; !errors.Is(err, errKilled) {
		n.t.Fatalf("%s: loop ended with %v", n.ns, err)
	}
	n.done <- errKilled // for the cleanup
}

func (n *node) client() *api.Client {
	n.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	c, err := api.Dial(ctx, n.sock)
	if err != nil {
		n.t.Fatal(err)
	}
	n.t.Cleanup(func() { c.Close() })
	return c
}

// reservedClasses lists the reservation classes (minor 0x10 and up) of
// rsvpd's HTB on iface, with their rates in bytes/s.
func (n *node) reservedClasses(iface string) map[uint16]uint64 {
	n.t.Helper()
	link, err := n.nl.LinkByName(iface)
	if err != nil {
		n.t.Fatal(err)
	}
	classes, err := n.nl.ClassList(link, netlink.MakeHandle(tc.QdiscMajor, 0))
	if err != nil {
		n.t.Fatal(err)
	}
	out := map[uint16]uint64{}
	for _, c := range classes {
		h, ok := c.(*netlink.HtbClass)
		maj, min := netlink.MajorMinor(c.Attrs().Handle)
		if ok && maj == tc.QdiscMajor && min >= 0x10 {
			out[min] = h.Rate
		}
	}
	return out
}

// waitFor polls cond (kernel or daemon state) until it holds.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(waitLimit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond) // polling kernel state, not synchronising
	}
}

// nextEvent returns the next event of kind for sid, skipping others.
func nextEvent(t testing.TB, c *api.Client, sid uint32, kind string) *api.Event {
	t.Helper()
	timeout := time.After(waitLimit)
	for {
		select {
		case ev, ok := <-c.Events():
			if !ok {
				t.Fatalf("connection closed waiting for %s", kind)
			}
			if ev.SID == sid && ev.Event == kind {
				return ev
			}
		case <-timeout:
			t.Fatalf("no %s event for sid %d", kind, sid)
		}
	}
}

func testCtx(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	t.Cleanup(cancel)
	return ctx
}

// chain runs rsvpd on H1, R1, R2 and H2 with enforcement on every
// interface that leads towards H2 (and back), 10 Mbit/s pools.
func chain(t testing.TB, encap string) (*netns.Linear, map[string]*node) {
	l := netns.NewLinear(t, netns.LinearConfig{Prefix: "rsvp"})
	common := fmt.Sprintf("refresh 300ms\nkeep 3\nencapsulation %s\n", encap)
	ifc := func(names ...string) string {
		var b strings.Builder
		for _, n := range names {
			fmt.Fprintf(&b, "interface %s bandwidth 10Mbit enforce on\n", n)
		}
		return b.String()
	}
	nodes := map[string]*node{
		"H1": startNode(t, l.H1, common+ifc("to-r1")),
		"R1": startNode(t, l.R1, common+ifc("to-h1", "to-r2")),
		"R2": startNode(t, l.R2, common+ifc("to-r1", "to-h2")),
		"H2": startNode(t, l.H2, common+ifc("to-r2")),
	}
	return l, nodes
}

func TestSignallingAcrossRouters(t *testing.T) {
	for _, encap := range []string{"raw", "udp"} {
		t.Run(encap, func(t *testing.T) {
			for _, v6 := range []bool{false, true} {
				name := "IPv4"
				if v6 {
					name = "IPv6"
				}
				t.Run(name, func(t *testing.T) { testSignalling(t, encap, v6) })
			}
		})
	}
}

func testSignalling(t *testing.T, encap string, v6 bool) {
	l, nodes := chain(t, encap)
	ctx := testCtx(t)
	src, dst := l.H1Addr4(), l.H2Addr4()
	if v6 {
		src, dst = l.H1Addr6(), l.H2Addr6()
	}
	sess := api.SessionSpec{Dest: dst, Proto: 17, Port: 5000}

	rx := nodes["H2"].client()
	rsid, err := rx.Session(ctx, sess)
	if err != nil {
		t.Fatal(err)
	}
	tx := nodes["H1"].client()
	tsid, err := tx.Session(ctx, sess)
	if err != nil {
		t.Fatal(err)
	}
	tspec := api.TokenBucket{Rate: 125000, Bucket: 10000, Peak: api.Inf, MinPoliced: 64, MaxPacket: 1500}
	if err := tx.Sender(ctx, tsid, &api.SenderSpec{Host: src, Port: 4000, Tspec: tspec}); err != nil {
		t.Fatal(err)
	}

	// The Path reaches H2 hop by hop: H2 sees H1 as the sender, with the
	// Tspec and an Adspec that counted the hops.
	ev := nextEvent(t, rx, rsid, api.EventPath)
	for len(ev.Senders) == 0 {
		ev = nextEvent(t, rx, rsid, api.EventPath)
	}
	if len(ev.Senders) != 1 || ev.Senders[0].Filter != (api.Filter{Addr: src, Port: 4000}) || ev.Senders[0].Tspec != tspec {
		t.Fatalf("path event %+v", ev)
	}
	if a := ev.Senders[0].Adspec; a != nil && a.HopCount < 3 {
		t.Errorf("Adspec hop count %d, want at least 3 (H1, R1, R2)", a.HopCount)
	}

	// A Controlled-Load FF reservation with confirmation: installed on the
	// way back (H1, R1, R2 egress towards H2), confirmed to H2, reported
	// to H1.
	fs := api.Flowspec{Service: api.ServiceControlledLoad, TokenBucket: tspec}
	resv := &api.ReserveSpec{Style: api.StyleFF, Confirm: true, Filters: []api.Filter{{Addr: src, Port: 4000}}, Flowspecs: []api.Flowspec{fs}}
	if err := rx.Reserve(ctx, rsid, resv); err != nil {
		t.Fatal(err)
	}
	nextEvent(t, rx, rsid, api.EventResvConfirm)
	if ev := nextEvent(t, tx, tsid, api.EventResv); len(ev.Flowspecs) != 1 || ev.Style != api.StyleFF {
		t.Fatalf("resv event at the sender: %+v", ev)
	}
	egress := []struct {
		n     string
		iface string
	}{{"H1", "to-r1"}, {"R1", "to-r2"}, {"R2", "to-h2"}}
	installed := func(want int) func() bool {
		return func() bool {
			for _, e := range egress {
				if len(nodes[e.n].reservedClasses(e.iface)) != want {
					return false
				}
			}
			return true
		}
	}
	waitFor(t, "classes on H1, R1, R2", installed(1))
	for _, e := range egress {
		for _, rate := range nodes[e.n].reservedClasses(e.iface) {
			if rate < 125000 || rate > 2*125000 {
				t.Errorf("%s %s: class rate %d bytes/s for r = 125000", e.n, e.iface, rate)
			}
		}
	}
	// Nothing was reserved in the other direction.
	if c := nodes["R1"].reservedClasses("to-h1"); len(c) != 0 {
		t.Errorf("R1 reserved towards H1: %v", c)
	}

	// Teardown from the receiver removes every class.
	if err := rx.Reserve(ctx, rsid, nil); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "classes removed after ResvTear", installed(0))

	// Again, then teardown from the sender.
	if err := rx.Reserve(ctx, rsid, resv); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "classes back", installed(1))
	if err := tx.Sender(ctx, tsid, nil); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "classes removed after PathTear", installed(0))
	for {
		if ev := nextEvent(t, rx, rsid, api.EventPath); len(ev.Senders) == 0 {
			break
		}
	}
}

// A reservation larger than a link's pool fails there with an admission
// error at the receiver; a smaller one stays installed.
func TestAdmissionFailure(t *testing.T) {
	l, nodes := chain(t, "raw")
	ctx := testCtx(t)
	src, dst := l.H1Addr4(), l.H2Addr4()
	rx := nodes["H2"].client()
	tx := nodes["H1"].client()
	big := api.TokenBucket{Rate: 2_000_000, Bucket: 10000, Peak: api.Inf, MinPoliced: 64, MaxPacket: 1500} // 16 Mbit/s
	small := api.TokenBucket{Rate: 125000, Bucket: 10000, Peak: api.Inf, MinPoliced: 64, MaxPacket: 1500}
	var rsids [2]uint32
	for i, ts := range []api.TokenBucket{small, big} {
		sess := api.SessionSpec{Dest: dst, Proto: 17, Port: uint16(6000 + i)}
		rsid, err := rx.Session(ctx, sess)
		if err != nil {
			t.Fatal(err)
		}
		rsids[i] = rsid
		tsid, err := tx.Session(ctx, sess)
		if err != nil {
			t.Fatal(err)
		}
		if err := tx.Sender(ctx, tsid, &api.SenderSpec{Host: src, Port: 4000, Tspec: ts}); err != nil {
			t.Fatal(err)
		}
		for ev := nextEvent(t, rx, rsid, api.EventPath); len(ev.Senders) == 0; ev = nextEvent(t, rx, rsid, api.EventPath) {
		}
		err = rx.Reserve(ctx, rsid, &api.ReserveSpec{Style: api.StyleWF,
			Flowspecs: []api.Flowspec{{Service: api.ServiceControlledLoad, TokenBucket: ts}}})
		if err != nil {
			t.Fatal(err)
		}
	}
	ev := nextEvent(t, rx, rsids[1], api.EventResvError)
	if ev.Error == nil || ev.Error.Code != 1 {
		t.Fatalf("big reservation: %+v, want an admission control failure (code 1)", ev.Error)
	}
	waitFor(t, "the small reservation installed everywhere", func() bool {
		return len(nodes["H1"].reservedClasses("to-r1")) == 1 && len(nodes["R1"].reservedClasses("to-r2")) == 1 &&
			len(nodes["R2"].reservedClasses("to-h2")) == 1
	})
}

// When H1's daemon dies, the state it created downstream times out
// after L and the receiver hears the path is gone.
func TestStateExpiresWhenSenderDies(t *testing.T) {
	l, nodes := chain(t, "raw")
	ctx := testCtx(t)
	sess := api.SessionSpec{Dest: l.H2Addr4(), Proto: 17, Port: 7000}
	rx := nodes["H2"].client()
	tx := nodes["H1"].client()
	ts := api.TokenBucket{Rate: 125000, Bucket: 10000, Peak: api.Inf, MinPoliced: 64, MaxPacket: 1500}
	rsid, _ := openPath(t, ctx, rx, tx, sess, l.H1Addr4(), 4000, ts)
	if err := rx.Reserve(ctx, rsid, &api.ReserveSpec{Style: api.StyleWF,
		Flowspecs: []api.Flowspec{{Service: api.ServiceControlledLoad, TokenBucket: ts}}}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "classes at R1 and R2", func() bool {
		return len(nodes["R1"].reservedClasses("to-r2")) == 1 && len(nodes["R2"].reservedClasses("to-h2")) == 1
	})
	killed := time.Now()
	nodes["H1"].crash()
	for ev := nextEvent(t, rx, rsid, api.EventPath); len(ev.Senders) != 0; ev = nextEvent(t, rx, rsid, api.EventPath) {
	}
	if took, l := time.Since(killed), config.Lifetime(3, 300*time.Millisecond); took < l/2 {
		t.Errorf("path state went %v after the crash; the lifetime is %v", took, l)
	}
	waitFor(t, "classes removed at R1 and R2", func() bool {
		return len(nodes["R1"].reservedClasses("to-r2")) == 0 && len(nodes["R2"].reservedClasses("to-h2")) == 0
	})
}

// What a client made goes when its socket closes: the sender's Path is
// torn down and the receiver hears that the sender left.
func TestClientCloseReleases(t *testing.T) {
	l, nodes := chain(t, "raw")
	ctx := testCtx(t)
	sess := api.SessionSpec{Dest: l.H2Addr4(), Proto: 17, Port: 5000}
	rx := nodes["H2"].client()
	tx := nodes["H1"].client()
	ts := api.TokenBucket{Rate: 1000, Bucket: 1000, Peak: api.Inf, MinPoliced: 64, MaxPacket: 1500}
	rsid, _ := openPath(t, ctx, rx, tx, sess, l.H1Addr4(), 4000, ts)
	tx.Close() // as a program that exits
	for ev := nextEvent(t, rx, rsid, api.EventPath); len(ev.Senders) != 0; ev = nextEvent(t, rx, rsid, api.EventPath) {
	}
	waitFor(t, "H1 to drop the session", func() bool { return status(t, ctx, nodes["H1"]).sessions == 0 })
}

// openPath opens sess at the receiver rx and the sender tx, sets the
// sender (host, port, ts) and returns once rx has seen the Path.
func openPath(t testing.TB, ctx context.Context, rx, tx *api.Client, sess api.SessionSpec,
	host netip.Addr, port uint16, ts api.TokenBucket) (rsid, tsid uint32) {
	t.Helper()
	rsid, err := rx.Session(ctx, sess)
	if err != nil {
		t.Fatal(err)
	}
	if tsid, err = tx.Session(ctx, sess); err != nil {
		t.Fatal(err)
	}
	if err := tx.Sender(ctx, tsid, &api.SenderSpec{Host: host, Port: port, Tspec: ts}); err != nil {
		t.Fatal(err)
	}
	for ev := nextEvent(t, rx, rsid, api.EventPath); len(ev.Senders) == 0; ev = nextEvent(t, rx, rsid, api.EventPath) {
	}
	return rsid, tsid
}
