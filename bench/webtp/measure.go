package main

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// base is the one clock of the process: ADU payloads carry the time since
// base at which they were sent, the receiver subtracts (one-way latency).
var base = time.Now()

func cpuSeconds() float64 {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}

// bulkLoad keeps reliable 64 KiB ADUs flowing on some flows: a sender and
// a receiver goroutine per flow, counting received bytes.
type bulkLoad struct {
	flows  []*flow
	count  []atomic.Int64
	stop   atomic.Bool
	ctx    context.Context
	cancel context.CancelFunc
	sendWG sync.WaitGroup
	recvWG sync.WaitGroup
	mu     sync.Mutex
	err    error
}

const bulkADU = 64 << 10

// sendBuffer bounds what a WebTP sender queues (default 32 MiB), so that
// the graceful close that ends a bulk run drains in a fraction of a
// second; it is still far above the bandwidth-delay product of every
// profile.
const sendBuffer = 4 << 20

func startBulk(flows []*flow) *bulkLoad {
	l := &bulkLoad{flows: flows, count: make([]atomic.Int64, len(flows))}
	l.ctx, l.cancel = context.WithCancel(context.Background())
	for i, f := range flows {
		l.recvWG.Add(1)
		go func() {
			defer l.recvWG.Done()
			for {
				b, _, err := f.recv(l.ctx)
				if err != nil {
					if !errors.Is(err, io.EOF) && !l.stop.Load() {
						l.fail(fmt.Errorf("%s receive: %w", f.stack, err))
					}
					return
				}
				l.count[i].Add(int64(len(b)))
			}
		}()
		l.sendWG.Add(1)
		go func() {
			defer l.sendWG.Done()
			buf := make([]byte, bulkADU)
			for !l.stop.Load() {
				if err := f.send(buf, fReliable); err != nil {
					if !l.stop.Load() {
						l.fail(fmt.Errorf("%s send: %w", f.stack, err))
					}
					return
				}
			}
		}()
	}
	return l
}

func (l *bulkLoad) fail(err error) {
	l.mu.Lock()
	if l.err == nil {
		l.err = err
	}
	l.mu.Unlock()
}

func (l *bulkLoad) snapshot() []float64 {
	v := make([]float64, len(l.count))
	for i := range l.count {
		v[i] = float64(l.count[i].Load())
	}
	return v
}

func waitTimeout(wg *sync.WaitGroup, d time.Duration) bool {
	ch := make(chan struct{})
	go func() { wg.Wait(); close(ch) }()
	select {
	case <-ch:
		return true
	case <-time.After(d):
		return false
	}
}

// finish stops the senders, closes each sending side gracefully and lets
// the receivers drain; past the timeout they are cut off (the group's
// close aborts what is left).
func (l *bulkLoad) finish(timeout time.Duration) error {
	l.stop.Store(true)
	deadline := time.Now().Add(timeout)
	if !waitTimeout(&l.sendWG, timeout) {
		l.fail(fmt.Errorf("senders did not stop within %v", timeout))
	}
	for _, f := range l.flows {
		f.finish()
	}
	if !waitTimeout(&l.recvWG, max(time.Until(deadline), 100*time.Millisecond)) {
		l.fail(fmt.Errorf("receivers did not drain within %v", timeout))
	}
	l.cancel()
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.err
}

// bulkOut is one bulk run: bytes per flow and per bin after the warm-up.
type bulkOut struct {
	bytes []float64   // per flow, over the window
	bins  [][]float64 // per bin, per flow
	secs  float64
	cpu   float64 // process CPU seconds over the window
}

func (o bulkOut) goodputMbps() float64 {
	var s float64
	for _, b := range o.bytes {
		s += b
	}
	return s * 8 / o.secs / 1e6
}

func (o bulkOut) cpuPerGB() float64 {
	var s float64
	for _, b := range o.bytes {
		s += b
	}
	return o.cpu / (s / 1e9)
}

func runBulk(flows []*flow, warm, dur, bin time.Duration) (bulkOut, error) {
	l := startBulk(flows)
	time.Sleep(warm)
	c0, r0, t0 := l.snapshot(), cpuSeconds(), time.Now()
	var out bulkOut
	prev := c0
	for t := bin; t <= dur; t += bin {
		time.Sleep(time.Until(t0.Add(t)))
		c := l.snapshot()
		b := make([]float64, len(c))
		for i := range c {
			b[i] = c[i] - prev[i]
		}
		out.bins = append(out.bins, b)
		prev = c
	}
	c1, r1, t1 := l.snapshot(), cpuSeconds(), time.Now()
	out.secs = t1.Sub(t0).Seconds()
	out.cpu = r1 - r0
	out.bytes = make([]float64, len(c1))
	for i := range c1 {
		out.bytes[i] = c1[i] - c0[i]
	}
	err := l.finish(10 * time.Second)
	return out, err
}

// latSpec is one constant-rate ADU source; payloads start with the send
// time (8 bytes, ns since base) and a sequence number (8 bytes).
type latSpec struct {
	name  string
	f     *flow
	size  int
	rate  float64 // ADUs per second
	flags byte
	// offset shifts the source's schedule: sources side by side must not
	// send at the same instants, or their bursts meet in the router queue.
	offset time.Duration
}

type latOut struct {
	lat                []time.Duration
	sent, got, lost    int
	dup, errs, missing int
	err                error
}

func (o latOut) ratio() float64 { return float64(o.got) / float64(o.sent) }

// runLatency runs the sources for dur side by side (with bulk flows
// beside them, if any), then gives late ADUs drain to arrive.
func runLatency(specs []latSpec, bulk []*flow, dur, drain time.Duration) ([]latOut, float64, error) {
	out := make([]latOut, len(specs))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var load *bulkLoad
	var b0 []float64
	var t0 time.Time
	if len(bulk) > 0 {
		load = startBulk(bulk)
		time.Sleep(time.Second) // the bulk load reaches its rate first
		b0, t0 = load.snapshot(), time.Now()
	}
	start := time.Now().Add(10 * time.Millisecond)
	end := start.Add(dur)
	var sendWG, recvWG sync.WaitGroup
	var mu sync.Mutex
	for k, s := range specs {
		o := &out[k]
		recvWG.Add(1)
		go func() {
			defer recvWG.Done()
			seen := map[uint64]bool{}
			for {
				b, lost, err := s.f.recv(ctx)
				now := time.Since(base)
				if err != nil {
					if ctx.Err() == nil && !errors.Is(err, io.EOF) {
						mu.Lock()
						o.err = fmt.Errorf("%s receive: %w", s.name, err)
						mu.Unlock()
					}
					return
				}
				mu.Lock()
				switch {
				case lost:
					o.lost++
				case len(b) < 16:
					o.errs++
				default:
					seq := binary.BigEndian.Uint64(b[8:])
					if seen[seq] {
						o.dup++
					} else {
						seen[seq] = true
						o.got++
						o.lat = append(o.lat, now-time.Duration(binary.BigEndian.Uint64(b)))
					}
				}
				mu.Unlock()
			}
		}()
		sendWG.Add(1)
		go func() {
			defer sendWG.Done()
			buf := make([]byte, s.size)
			interval := time.Duration(float64(time.Second) / s.rate)
			for i := 0; ; i++ {
				at := start.Add(s.offset + time.Duration(i)*interval)
				if at.After(end.Add(s.offset)) {
					return
				}
				time.Sleep(time.Until(at))
				binary.BigEndian.PutUint64(buf, uint64(time.Since(base)))
				binary.BigEndian.PutUint64(buf[8:], uint64(i))
				err := s.f.send(buf, s.flags)
				mu.Lock()
				if err != nil && o.err == nil {
					o.err = fmt.Errorf("%s send: %w", s.name, err)
				}
				if err == nil {
					o.sent++
				}
				mu.Unlock()
				if err != nil {
					return
				}
			}
		}()
	}
	sendWG.Wait()
	var bulkMbps float64
	if load != nil {
		b1 := load.snapshot()
		var s float64
		for i := range b1 {
			s += b1[i] - b0[i]
		}
		bulkMbps = s * 8 / time.Since(t0).Seconds() / 1e6
	}
	time.Sleep(drain)
	cancel()
	recvWG.Wait()
	var err error
	if load != nil {
		err = load.finish(5 * time.Second)
	}
	mu.Lock()
	defer mu.Unlock()
	for k := range out {
		out[k].missing = out[k].sent - out[k].got - out[k].lost
	}
	return out, bulkMbps, err
}

// The stall monitor sleeps 5 ms at a time and keeps the largest
// oversleep: how long the process could not run (the build machine is
// shared). Every run logs it; the JSON keeps the largest per workload.
var stallMax atomic.Int64

func startStallMonitor() {
	go func() {
		const tick = 5 * time.Millisecond
		for {
			t := time.Now()
			time.Sleep(tick)
			if late := int64(time.Since(t) - tick); late > stallMax.Load() {
				stallMax.Store(late)
			}
		}
	}()
}

// takeStall returns the largest oversleep since the last call, in ms.
func takeStall() float64 { return float64(stallMax.Swap(0)) / 1e6 }

var stalls = map[string]float64{}

func noteStall(workload string) float64 {
	s := takeStall()
	stalls[workload] = max(stalls[workload], s)
	return s
}
