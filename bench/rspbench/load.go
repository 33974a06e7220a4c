package main

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"netcompat/bench/internal/asapload"
	"netcompat/bench/internal/procstat"
	"netcompat/core/rserpool/wire"
)

// checkResolution decodes an answer to a handle resolution and checks it
// holds want elements.
func checkResolution(m []byte, want int) error {
	msg, err := wire.ParseASAP(m)
	if err != nil {
		return err
	}
	r, ok := msg.(*wire.HandleResolutionResponse)
	if !ok || r.Error != nil || len(r.Elements) != want {
		return fmt.Errorf("handle resolution answered %+v, want %d elements", msg, want)
	}
	return nil
}

type counter struct {
	n atomic.Int64
	_ [56]byte // one cache line each
}

// rateTest runs -test=hr or -test=reg and returns its result line.
func rateTest(o *options, target netip.AddrPort) (string, error) {
	var (
		pe      *asapload.Assoc
		reqSize int
		want    wire.ASAPType
		hrReq   []byte
	)
	if o.test == "hr" {
		var err error
		if pe, err = asapload.Dial(context.Background(), target); err != nil {
			return "", err
		}
		defer pe.Close()
		for id := uint32(1); id <= uint32(o.poolSize); id++ {
			req, err := registration(id, poolHR)
			if err == nil {
				_, err = pe.Call(req, wire.ASAPRegistrationResponse)
			}
			if err != nil {
				return "", fmt.Errorf("registering pool element %d: %w", id, err)
			}
		}
		if hrReq, err = resolution(poolHR, o.items); err != nil {
			return "", err
		}
		reqSize, want = len(hrReq), wire.ASAPHandleResolutionResponse
	} else {
		want = wire.ASAPRegistrationResponse
	}
	users, err := asapload.DialAll(context.Background(), target, o.users)
	if err != nil {
		return "", err
	}
	defer asapload.CloseAll(users)

	counts := make([]counter, len(users))
	respSize := make([]int, len(users))
	var stop atomic.Bool
	var wg sync.WaitGroup
	errs := make(chan error, len(users))
	for u, c := range users {
		var tmpl *regTemplate
		if o.test == "reg" {
			if tmpl, err = newRegTemplate(poolReg); err != nil {
				return "", err
			}
			reqSize = len(tmpl.b)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			req := hrReq
			for k := 0; !stop.Load(); k++ {
				if tmpl != nil {
					tmpl.setID(uint32(1 + u + k*len(users)))
					req = tmpl.b
				}
				m, err := c.Call(req, want)
				if err == nil && k == 0 && o.test == "hr" {
					err = checkResolution(m, min(o.items, o.poolSize))
				}
				if err != nil {
					if !stop.Swap(true) { // not the close that ends the test
						errs <- fmt.Errorf("user %d: %w", u, err)
					}
					return
				}
				respSize[u] = len(m)
				counts[u].n.Add(1)
			}
		}()
	}

	total := func() int64 {
		var s int64
		for i := range counts {
			s += counts[i].n.Load()
		}
		return s
	}
	time.Sleep(o.warmup)
	n0, t0, srv0, cli0 := total(), time.Now(), procstat.CPU(o.pid), procstat.Self()
	time.Sleep(o.duration)
	n1, t1, srv1, cli1 := total(), time.Now(), procstat.CPU(o.pid), procstat.Self()
	stop.Store(true)
	asapload.CloseAll(users) // unblocks a user stuck on a server that stopped answering
	wg.Wait()
	select {
	case err := <-errs:
		return "", err
	default:
	}

	ops := n1 - n0
	secs := t1.Sub(t0).Seconds()
	if ops <= 0 {
		return "", fmt.Errorf("no answers in %v", o.duration)
	}
	line := fmt.Sprintf("test=%s users=%d ops=%d secs=%.3f rate=%.1f req_bytes=%d resp_bytes=%d client_cpu_us=%.3f",
		o.test, len(users), ops, secs, float64(ops)/secs, reqSize, respSize[0], (cli1-cli0).Seconds()*1e6/float64(ops))
	if o.pid > 0 && srv0 >= 0 && srv1 >= 0 {
		line += fmt.Sprintf(" server_cpu_us=%.3f server_cpu_util=%.3f",
			(srv1-srv0).Seconds()*1e6/float64(ops), (srv1-srv0).Seconds()/secs)
	}
	return line, nil
}

// bigTest runs -test=big and returns its result line.
func bigTest(o *options, target netip.AddrPort) (string, error) {
	pool := poolBigRR
	switch o.policy {
	case "rr":
	case "lu":
		pool = poolBigLU
	default:
		return "", fmt.Errorf("unknown -policy=%s (rr or lu)", o.policy)
	}
	pes, err := asapload.DialAll(context.Background(), target, o.fillUsers)
	if err != nil {
		return "", err
	}
	defer asapload.CloseAll(pes)
	pu, err := asapload.Dial(context.Background(), target)
	if err != nil {
		return "", err
	}
	defer pu.Close()

	line := fmt.Sprintf("test=big policy=%s n=%d", o.policy, o.n)
	var rss0 int64
	if o.n > 0 {
		// Every association has answered once before the first reading,
		// so that their buffers and goroutines count as "before" (the
		// registrar rejects these resolutions: the pool does not exist yet).
		hr, err := resolution(pool, o.items)
		if err != nil {
			return "", err
		}
		for _, c := range append(slices.Clip(pes), pu) {
			if _, err := c.Call(hr, wire.ASAPHandleResolutionResponse); err != nil && !errors.Is(err, asapload.ErrRejected) {
				return "", err
			}
		}
		if rss0, err = procRSS(o.pid); err != nil {
			return "", err
		}
		start := time.Now()
		var wg sync.WaitGroup
		errs := make(chan error, len(pes))
		var next atomic.Int64
		for _, c := range pes {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					id := next.Add(1)
					if id > int64(o.n) {
						return
					}
					req, err := registration(uint32(id), pool)
					if err == nil {
						_, err = c.Call(req, wire.ASAPRegistrationResponse)
					}
					if err != nil {
						errs <- fmt.Errorf("registering pool element %d of %d: %w", id, o.n, err)
						next.Store(int64(o.n)) // the others stop too
						return
					}
				}
			}()
		}
		wg.Wait()
		fill := time.Since(start)
		select {
		case err := <-errs:
			return "", err
		default:
		}
		for _, c := range pes {
			go c.Serve(nil)
		}
		rss1, err := procRSS(o.pid)
		if err != nil {
			return "", err
		}
		line += fmt.Sprintf(" fill_secs=%.3f fill_rate=%.1f rss_before_kb=%d rss_after_kb=%d bytes_per_pe=%.1f",
			fill.Seconds(), float64(o.n)/fill.Seconds(), rss0, rss1, float64(rss1-rss0)*1024/float64(o.n))
	}

	hr, err := resolution(pool, o.items)
	if err != nil {
		return "", err
	}
	lat := make([]time.Duration, 0, o.lat)
	var respSize int
	for i := -o.latWarmup; i < o.lat; i++ {
		t := time.Now()
		m, err := pu.Call(hr, wire.ASAPHandleResolutionResponse)
		d := time.Since(t)
		if err == nil && i == -o.latWarmup {
			err = checkResolution(m, min(o.items, max(o.n, o.items)))
		}
		if err != nil {
			return "", fmt.Errorf("handle resolution: %w", err)
		}
		respSize = len(m)
		if i >= 0 {
			lat = append(lat, d)
		}
	}
	slices.Sort(lat)
	var sum time.Duration
	for _, d := range lat {
		sum += d
	}
	pct := func(p float64) float64 {
		if len(lat) == 0 {
			return 0
		}
		return float64(lat[min(len(lat)-1, int(p*float64(len(lat))))].Nanoseconds()) / 1e3
	}
	line += fmt.Sprintf(" lat_n=%d p50_us=%.1f p99_us=%.1f mean_us=%.1f max_us=%.1f resp_bytes=%d",
		len(lat), pct(0.50), pct(0.99), float64(sum.Nanoseconds())/1e3/float64(max(len(lat), 1)), pct(1), respSize)
	if o.n > 0 {
		// After the resolutions, whose garbage has grown the heap towards
		// the collector's goal.
		if rss, err := procRSS(o.pid); err == nil {
			line += fmt.Sprintf(" rss_end_kb=%d bytes_per_pe_end=%.1f", rss, float64(rss-rss0)*1024/float64(o.n))
		}
	}
	return line, nil
}

// procRSS returns VmRSS of process pid in KiB.
func procRSS(pid int) (int64, error) {
	if pid <= 0 {
		return 0, errors.New("-test=big needs -pid (the server's process ID) for VmRSS")
	}
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0, err
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "VmRSS:"); ok {
			return strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		}
	}
	return 0, errors.New("no VmRSS in /proc/" + strconv.Itoa(pid) + "/status")
}
