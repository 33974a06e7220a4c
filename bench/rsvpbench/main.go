// Command rsvpbench is the load generator of bench/rsvp.sh, the rsvpd
// benchmark. It talks to running rsvpd daemons through their API sockets
// only (package netcompat/core/rsvp/api), as a RAPI program would; the
// driver starts the daemons in network namespaces.
//
//	rsvpbench -mode=setup -tx=H1SOCK -rx=H2SOCK -src=ADDR -dst=ADDR [-n=200]
//
// Reservation set-up time: n sessions one after another; for each, the
// time from the sender's rapi_sender equivalent (the Path leaves H1) to
// the ResvConf arriving at H2, where the receiver reserves (Controlled
// Load, FF, with confirmation) as soon as the Path event comes. Prints
// setup_p50_ms=... setup_p99_ms=... n=...
//
//	rsvpbench -mode=load -tx=H1SOCK -rx=H2SOCK -src=ADDR -dst=ADDR [-n=10000]
//
// Holds n sessions, each with a sender at H1 and a WF reservation from
// H2, spread over several API connections (rsvpd allows 1024 API
// sessions per connection). Prints "ready sessions=n seconds=..." once
// every reservation is confirmed, then keeps them until its standard
// input closes.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/netip"
	"os"
	"slices"
	"sync"
	"time"

	"netcompat/core/rsvp/api"
)

func main() {
	mode := flag.String("mode", "", "setup or load")
	txSock := flag.String("tx", "", "the sender host's rsvpd API socket")
	rxSock := flag.String("rx", "", "the receiver host's rsvpd API socket")
	src := flag.String("src", "", "the sender's address")
	dst := flag.String("dst", "", "the receiver's address (the session destination)")
	n := flag.Int("n", 0, "sessions")
	flag.Parse()
	s, err1 := netip.ParseAddr(*src)
	d, err2 := netip.ParseAddr(*dst)
	if err1 != nil || err2 != nil || *txSock == "" || *rxSock == "" {
		fmt.Fprintln(os.Stderr, "rsvpbench: -tx, -rx, -src and -dst are required")
		os.Exit(2)
	}
	var err error
	switch *mode {
	case "setup":
		err = setup(*txSock, *rxSock, s, d, max(*n, 1))
	case "load":
		err = load(*txSock, *rxSock, s, d, max(*n, 1))
	default:
		err = fmt.Errorf("-mode %q: setup or load", *mode)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "rsvpbench:", err)
		os.Exit(1)
	}
}

var tspec = api.TokenBucket{Rate: 12500, Bucket: 1000, Peak: api.Inf, MinPoliced: 64, MaxPacket: 1500}

func dial(ctx context.Context, sock string) (*api.Client, error) {
	c, err := api.Dial(ctx, sock)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", sock, err)
	}
	return c, nil
}

// waitEvent returns the next event of kind for sid within a minute.
func waitEvent(c *api.Client, sid uint32, kind string, want func(*api.Event) bool) error {
	timeout := time.After(time.Minute)
	for {
		select {
		case ev, ok := <-c.Events():
			if !ok {
				return fmt.Errorf("rsvpd closed the connection")
			}
			if ev.SID == sid && ev.Event == kind && (want == nil || want(ev)) {
				return nil
			}
			if ev.SID == sid && (ev.Event == api.EventResvError || ev.Event == api.EventPathError) {
				return fmt.Errorf("%s: %v", ev.Event, ev.Error)
			}
		case <-timeout:
			return fmt.Errorf("no %s event in a minute", kind)
		}
	}
}

func setup(txSock, rxSock string, src, dst netip.Addr, n int) error {
	ctx := context.Background()
	tx, err := dial(ctx, txSock)
	if err != nil {
		return err
	}
	defer tx.Close()
	rx, err := dial(ctx, rxSock)
	if err != nil {
		return err
	}
	defer rx.Close()
	times := make([]float64, 0, n)
	for i := range n {
		sess := api.SessionSpec{Dest: dst, Proto: 17, Port: uint16(20000 + i)}
		rsid, err := rx.Session(ctx, sess)
		if err != nil {
			return err
		}
		tsid, err := tx.Session(ctx, sess)
		if err != nil {
			return err
		}
		start := time.Now()
		if err := tx.Sender(ctx, tsid, &api.SenderSpec{Host: src, Port: 4000, Tspec: tspec}); err != nil {
			return err
		}
		if err := waitEvent(rx, rsid, api.EventPath, func(e *api.Event) bool { return len(e.Senders) > 0 }); err != nil {
			return err
		}
		err = rx.Reserve(ctx, rsid, &api.ReserveSpec{Style: api.StyleFF, Confirm: true,
			Filters:   []api.Filter{{Addr: src, Port: 4000}},
			Flowspecs: []api.Flowspec{{Service: api.ServiceControlledLoad, TokenBucket: tspec}}})
		if err != nil {
			return err
		}
		if err := waitEvent(rx, rsid, api.EventResvConfirm, nil); err != nil {
			return err
		}
		times = append(times, float64(time.Since(start).Microseconds())/1000)
		if err := tx.Release(ctx, tsid); err != nil {
			return err
		}
		if err := rx.Release(ctx, rsid); err != nil {
			return err
		}
	}
	slices.Sort(times)
	fmt.Printf("setup_p50_ms=%.3f setup_p99_ms=%.3f n=%d\n", pct(times, 50), pct(times, 99), n)
	return nil
}

func pct(sorted []float64, p int) float64 {
	i := (len(sorted)*p + 99) / 100
	return sorted[min(max(i-1, 0), len(sorted)-1)]
}

// perConn is how many API sessions one connection holds.
const perConn = 1000

func load(txSock, rxSock string, src, dst netip.Addr, n int) error {
	ctx := context.Background()
	start := time.Now()
	var wg sync.WaitGroup
	errs := make(chan error, n/perConn+1)
	for first := 0; first < n; first += perConn {
		count := min(perConn, n-first)
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := loadSome(ctx, txSock, rxSock, src, dst, first, count); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	select {
	case err := <-errs:
		return err
	default:
	}
	fmt.Printf("ready sessions=%d seconds=%.1f\n", n, time.Since(start).Seconds())
	io.Copy(io.Discard, os.Stdin) // hold until the driver closes stdin
	return nil
}

// loadSome opens count sessions numbered from first on one connection
// to each daemon; the connections stay open (the sessions with them)
// until the process exits.
func loadSome(ctx context.Context, txSock, rxSock string, src, dst netip.Addr, first, count int) error {
	tx, err := dial(ctx, txSock)
	if err != nil {
		return err
	}
	rx, err := dial(ctx, rxSock)
	if err != nil {
		return err
	}
	go func() { // the sender side's events are not needed
		for range tx.Events() {
		}
	}()
	events := unbounded(rx.Events())
	rsids := map[uint32]bool{}
	for i := first; i < first+count; i++ {
		// Sessions differ by destination port, then by sender port.
		sess := api.SessionSpec{Dest: dst, Proto: 17, Port: uint16(1024 + i%60000)}
		rsid, err := rx.Session(ctx, sess)
		if err != nil {
			return err
		}
		rsids[rsid] = true
		tsid, err := tx.Session(ctx, sess)
		if err != nil {
			return err
		}
		if err := tx.Sender(ctx, tsid, &api.SenderSpec{Host: src, Port: uint16(4000 + i/60000), Tspec: tspec}); err != nil {
			return err
		}
	}
	// Reserve as the Paths arrive; done when every one is confirmed.
	// RSVP does not repeat a lost ResvConf (a refresh keeps the state but
	// confirms nothing), so a reservation still unconfirmed after a
	// while asks again, as a RAPI program would.
	reserve := func(sid uint32) error {
		return rx.Reserve(ctx, sid, &api.ReserveSpec{Style: api.StyleWF, Confirm: true,
			Flowspecs: []api.Flowspec{{Service: api.ServiceControlledLoad, TokenBucket: tspec}}})
	}
	reserved := map[uint32]bool{}
	confirmed := map[uint32]bool{}
	deadline := time.After(10 * time.Minute)
	retry := time.NewTicker(5 * time.Second)
	defer retry.Stop()
	for len(confirmed) < count {
		select {
		case ev, ok := <-events:
			if !ok {
				return fmt.Errorf("rsvpd closed the connection")
			}
			switch {
			case ev.Event == api.EventPath && len(ev.Senders) > 0 && rsids[ev.SID] && !reserved[ev.SID]:
				reserved[ev.SID] = true
				if err := reserve(ev.SID); err != nil {
					return err
				}
			case ev.Event == api.EventResvConfirm && rsids[ev.SID]:
				confirmed[ev.SID] = true
			case ev.Event == api.EventResvError:
				return fmt.Errorf("reservation refused: %v", ev.Error)
			}
		case <-retry.C:
			for sid := range reserved {
				if !confirmed[sid] {
					if err := reserve(sid); err != nil {
						return err
					}
				}
			}
		case <-deadline:
			return fmt.Errorf("%d of %d reservations confirmed after 10 minutes", len(confirmed), count)
		}
	}
	go func() {
		for range events {
		}
	}()
	return nil
}

// unbounded drains in at once into a queue of any length, so that the
// client's reader never blocks on its event buffer while this goroutine
// waits for a reply (which the same reader delivers).
func unbounded(in <-chan *api.Event) <-chan *api.Event {
	out := make(chan *api.Event)
	go func() {
		defer close(out)
		var q []*api.Event
		for in != nil || len(q) > 0 {
			var send chan *api.Event
			var next *api.Event
			if len(q) > 0 {
				send, next = out, q[0]
			}
			select {
			case ev, ok := <-in:
				if !ok {
					in = nil
					continue
				}
				q = append(q, ev)
			case send <- next:
				q = q[1:]
			}
		}
	}()
	return out
}
