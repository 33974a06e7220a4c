package tc

import (
	"errors"
	"fmt"
	"math"
	"net/netip"
	"sync"
	"testing"
)

func TestManyReservations(t *testing.T) {
	p, e := attached(t)
	const n = 300
	hs := make([]Handle, 0, n)
	for i := 0; i < n; i++ {
		r := udp4(uint16(10000+i), 5000, snd("10.9.0.1", uint16(20000+i)))
		if i%2 == 1 {
			r.Session.Dst = netip.MustParseAddr("fd00:9::2")
			r.Senders[0].Addr = netip.MustParseAddr("fd00:9::1")
		}
		h, err := e.Install(p.name, r)
		if err != nil {
			t.Fatalf("reservation %d: %v", i, err)
		}
		hs = append(hs, h)
	}
	cs := p.classes(t)
	if len(cs) != n+3 {
		t.Fatalf("%d classes, want %d", len(cs), n+3)
	}
	fs := p.filters(t)
	if len(fs) != n+3 {
		t.Fatalf("%d filter priorities, want %d", len(fs), n+3)
	}
	one, _ := ComputeParams(udp4(1, 5000), link20)
	bestEffort(t, p, n*one.Rate)
	for i, h := range hs {
		if i%3 == 0 {
			continue
		}
		if err := e.Remove(h); err != nil {
			t.Fatal(err)
		}
	}
	if got, want := len(p.classes(t)), n/3+3; got != want {
		t.Errorf("after removing two thirds: %d classes, want %d", got, want)
	}
	bestEffort(t, p, n/3*one.Rate)
}

func TestCapacity(t *testing.T) {
	p, e := attached(t)
	// 20 Mbit/s less control (1%) and best effort's floor (1%): 19.6 Mbit/s
	// reservable, in link-layer bytes.
	r := udp4(5000, 0, snd("10.9.0.1", 0))
	r.MinPolicedUnit = 1000
	r.TokenRate, r.PeakRate = 9*mbit, 9*mbit
	if _, err := e.Install(p.name, r); err != nil {
		t.Fatal(err)
	}
	r.Session.DstPort = 5001
	if _, err := e.Install(p.name, r); err != nil {
		t.Fatal(err)
	}
	before := len(p.classes(t))
	r.Session.DstPort = 5002
	r.TokenRate, r.PeakRate = 2*mbit, 2*mbit
	if _, err := e.Install(p.name, r); !errors.Is(err, ErrCapacity) {
		t.Fatalf("third reservation: %v, want ErrCapacity", err)
	}
	if after := len(p.classes(t)); after != before {
		t.Errorf("a refused reservation left a class behind: %d classes, had %d", after, before)
	}
	r.TokenRate, r.PeakRate = 1.3*mbit, 1.3*mbit // 1.3 × 1.014 fits in the 1.348 left
	if _, err := e.Install(p.name, r); err != nil {
		t.Fatal(err)
	}
	bestEffort(t, p, 2*math.Ceil(9*mbit*1.014)+math.Ceil(1.3*mbit*1.014))
}

func TestBadInput(t *testing.T) {
	p, e := attached(t)
	if err := e.Attach("nosuch0", IfaceConfig{Rate: mbit}); !errors.Is(err, ErrUnknownInterface) {
		t.Errorf("Attach(nosuch0): %v, want ErrUnknownInterface", err)
	}
	if err := e.Attach("lo", IfaceConfig{}); !errors.Is(err, ErrInvalid) {
		t.Errorf("Attach with rate 0: %v, want ErrInvalid", err)
	}
	if _, err := e.Install("lo", udp4(5000, mbit)); !errors.Is(err, ErrNotAttached) {
		t.Errorf("Install on an interface not attached: %v, want ErrNotAttached", err)
	}
	before := len(p.classes(t))
	for name, mutate := range map[string]func(*Reservation){
		"zero rate":          func(r *Reservation) { r.TokenRate = 0 },
		"NaN rate":           func(r *Reservation) { r.TokenRate = math.NaN() },
		"infinite rate":      func(r *Reservation) { r.TokenRate, r.PeakRate = math.Inf(1), math.Inf(1) },
		"zero bucket":        func(r *Reservation) { r.BucketDepth = 0 },
		"peak below rate":    func(r *Reservation) { r.PeakRate = r.TokenRate / 2 },
		"m above M":          func(r *Reservation) { r.MinPolicedUnit = 2000 },
		"unknown service":    func(r *Reservation) { r.Service = 3 },
		"GS without R":       func(r *Reservation) { r.Service = Guaranteed },
		"GS with R below r":  func(r *Reservation) { r.Service, r.Rate = Guaranteed, r.TokenRate/2 },
		"no destination":     func(r *Reservation) { r.Session.Dst = netip.Addr{} },
		"port without ports": func(r *Reservation) { r.Session.Proto = 1 },
		"sender port, ICMP": func(r *Reservation) {
			r.Session.Proto, r.Session.DstPort, r.Senders[0].Port = 1, 0, 7
		},
		"mixed families": func(r *Reservation) { r.Senders[0].Addr = netip.MustParseAddr("fd00:9::1") },
		"v4-mapped":      func(r *Reservation) { r.Senders[0].Addr = netip.MustParseAddr("::ffff:10.9.0.1") },
		"too many senders": func(r *Reservation) {
			r.Senders = make([]Sender, maxSenders+1)
		},
	} {
		r := udp4(5000, 100000, snd("10.9.0.1", 4000))
		mutate(&r)
		if _, err := e.Install(p.name, r); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: Install gave %v, want ErrInvalid", name, err)
		}
	}
	if after := len(p.classes(t)); after != before {
		t.Errorf("refused reservations left classes: %d, had %d", after, before)
	}
	if _, err := e.Install(p.name, udp4(5000, 30*mbit)); !errors.Is(err, ErrCapacity) {
		t.Errorf("faster than the link: %v, want ErrCapacity", err)
	}
}

func TestConcurrentUse(t *testing.T) {
	p, e := attached(t)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 20; i++ {
				r := udp4(uint16(1000*g+i+1), 2000, snd("10.9.0.1", uint16(i+1)))
				h, err := e.Install(p.name, r)
				if err != nil {
					errs <- err
					return
				}
				r.TokenRate, r.PeakRate = 3000, 3000
				if err := e.Modify(h, r); err != nil {
					errs <- err
					return
				}
				if i%2 == 0 {
					if err := e.Remove(h); err != nil {
						errs <- fmt.Errorf("remove %v: %w", h, err)
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if got := len(p.classes(t)); got != 3+8*10 {
		t.Errorf("%d classes, want %d", got, 3+8*10)
	}
	one, _ := ComputeParams(udp4(1, 3000), link20)
	bestEffort(t, p, 80*one.Rate)
}
