package main

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"netcompat/bench/internal/asapload"
	"netcompat/bench/internal/procstat"
	"netcompat/core/rserpool/wire"
)

var elementsField = regexp.MustCompile(`\belements=(\d+)`)

// syncTest runs -test=sync: one result line per page size.
func syncTest(ctx context.Context, o *options, ps *procSet, sizes []int) (string, error) {
	a, err := ps.start(ctx, "A", idA, "-keepalivetransmissioninterval=300000", "-maxelements=-1")
	if err != nil {
		return "", err
	}
	pes, err := asapload.DialAll(ctx, a.asap, o.fillUsers)
	if err != nil {
		return "", err
	}
	defer asapload.CloseAll(pes)
	pools := max(o.pools, 1)
	t0 := time.Now()
	if err := fill(ctx, pes, o.n, func(id uint32) string { return fmt.Sprintf("enrpbench.s%03d", id%uint32(pools)) }, 300000); err != nil {
		return "", err
	}
	fillSecs := time.Since(t0).Seconds()
	var ok, rej atomic.Int64
	for _, c := range pes {
		go c.Serve(countResponses(&ok, &rej))
	}
	if d, err := a.dump(ctx); err != nil {
		return "", err
	} else if d.Elements != o.n {
		return "", fmt.Errorf("A holds %d elements after registering %d", d.Elements, o.n)
	}

	var lines []string
	for k, size := range sizes {
		id := uint32(idB) + uint32(k) // a new registrar each time, as A sees it
		a0 := procstat.CPU(a.cmd.Process.Pid)
		b, err := ps.start(ctx, "B", id, "-peer="+a.enrp.String(), fmt.Sprintf("-maxelementsperhtrequest=%d", size), "-maxelements=-1")
		if err != nil {
			return "", err
		}
		done, err := b.waitLine(ctx, "ENRP startup complete")
		if err != nil {
			return "", err
		}
		bcpu, a1 := procstat.CPU(b.cmd.Process.Pid), procstat.CPU(a.cmd.Process.Pid)
		if !strings.Contains(done.text, "handle table received from mentor") {
			return "", fmt.Errorf("B's startup ended otherwise: %s", done.text)
		}
		got := -1
		if m := elementsField.FindStringSubmatch(done.text); m != nil {
			got, _ = strconv.Atoi(m[1])
		}
		if got != o.n {
			return "", fmt.Errorf("B's startup ended with %d elements, not %d: %s", got, o.n, done.text)
		}
		listen, err := b.waitLine(ctx, "ENRP started")
		if err != nil {
			return "", err
		}
		mentor, err := b.waitLine(ctx, "mentor found")
		if err != nil {
			return "", err
		}
		d, err := b.dump(ctx)
		if err != nil {
			return "", err
		}
		if d.Elements != o.n {
			return "", fmt.Errorf("B's dump holds %d elements, not %d", d.Elements, o.n)
		}
		secs := done.at.Sub(b.started).Seconds()
		lines = append(lines, fmt.Sprintf("test=sync page=%d n=%d pools=%d fill_secs=%.3f sync_secs=%.4f elements_per_s=%.1f"+
			" listen_secs=%.4f transfer_secs=%.4f mentor_cpu_secs=%.2f new_cpu_secs=%.2f",
			size, o.n, pools, fillSecs, secs, float64(o.n)/secs, listen.at.Sub(b.started).Seconds(), done.at.Sub(mentor.at).Seconds(),
			(a1-a0).Seconds(), bcpu.Seconds()))
		ps.stop(b)
	}
	if err := a.alive(); err != nil {
		return "", err
	}
	if rej.Load() > 0 {
		return "", errors.New("A rejected registrations")
	}
	return strings.Join(lines, "\n"), nil
}

// latTest runs -test=lat.
func latTest(ctx context.Context, o *options, ps *procSet) (string, error) {
	regs, err := ps.mesh(ctx, 2, "-keepalivetransmissioninterval=300000")
	if err != nil {
		return "", err
	}
	pe, err := asapload.Dial(ctx, regs[0].asap)
	if err != nil {
		return "", err
	}
	defer pe.Close()
	var pus []*asapload.Assoc
	for _, r := range regs[1:] {
		pu, err := asapload.Dial(ctx, r.asap)
		if err != nil {
			return "", err
		}
		defer pu.Close()
		pus = append(pus, pu)
	}
	type result struct {
		d     time.Duration
		polls int
		err   error
	}
	poll := func(pu *asapload.Assoc, hr []byte, id uint32, start time.Time, out chan<- result) {
		for polls := 1; ; polls++ {
			m, err := pu.Call(hr, wire.ASAPHandleResolutionResponse)
			now := time.Now()
			if err != nil && !errors.Is(err, asapload.ErrRejected) {
				out <- result{err: err}
				return
			}
			if err == nil {
				ok, err := asapload.Resolves(m, id)
				if err != nil || ok {
					out <- result{now.Sub(start), polls, err}
					return
				}
			}
			if ctx.Err() != nil {
				out <- result{err: ctx.Err()}
				return
			}
		}
	}
	var lat, regRTT []time.Duration
	var polls, firstPoll int
	gap := time.Duration(float64(time.Second) / o.rate)
	out := make(chan result, len(pus))
	wallStart := time.Now()
	for i := -o.warmup; i < o.n; i++ {
		id := uint32(i + o.warmup + 1)
		pool := fmt.Sprintf("enrpbench.l%06d", id)
		reg, err := registration(id, pool, 300000)
		if err != nil {
			return "", err
		}
		hr, err := resolution(pool)
		if err != nil {
			return "", err
		}
		start := time.Now()
		if !o.pollAfter {
			for _, pu := range pus {
				go poll(pu, hr, id, start, out)
			}
		}
		if _, err := pe.Call(reg, wire.ASAPRegistrationResponse); err != nil {
			return "", fmt.Errorf("registering element %d at A: %w", id, err)
		}
		rtt := time.Since(start)
		if o.pollAfter {
			for _, pu := range pus {
				go poll(pu, hr, id, start, out)
			}
		}
		for range pus {
			r := <-out
			if r.err != nil {
				return "", fmt.Errorf("resolving element %d: %w", id, r.err)
			}
			if i >= 0 {
				lat = append(lat, r.d)
				polls += r.polls
				if r.polls == 1 {
					firstPoll++
				}
			}
		}
		if i >= 0 {
			regRTT = append(regRTT, rtt)
		}
		if w := time.Until(start.Add(gap)); w > 0 {
			time.Sleep(w)
		}
	}
	wall := time.Since(wallStart)
	for _, r := range regs {
		if err := r.alive(); err != nil {
			return "", err
		}
	}
	slices.Sort(lat)
	slices.Sort(regRTT)
	us := func(s []time.Duration, p float64) float64 {
		return float64(s[min(len(s)-1, int(p*float64(len(s))))].Nanoseconds()) / 1e3
	}
	return fmt.Sprintf("test=lat n=%d samples=%d rate=%.1f p50_us=%.1f p90_us=%.1f p99_us=%.1f max_us=%.1f reg_p50_us=%.1f reg_p99_us=%.1f polls_per_sample=%.2f first_poll_frac=%.3f",
		o.n, len(lat), float64(o.n+o.warmup)/wall.Seconds(), us(lat, .5), us(lat, .9), us(lat, .99), us(lat, 1),
		us(regRTT, .5), us(regRTT, .99), float64(polls)/float64(len(lat)), float64(firstPoll)/float64(len(lat))), nil
}

// cpuTest runs -test=cpu.
func cpuTest(ctx context.Context, o *options, ps *procSet) (string, error) {
	if o.peers < 0 || o.peers > 2 {
		return "", errors.New("-peers must be 0, 1 or 2")
	}
	regs, err := ps.mesh(ctx, o.peers, "-maxelements=-1")
	if err != nil {
		return "", err
	}
	a := regs[0]
	pes, err := asapload.DialAll(ctx, a.asap, o.fillUsers)
	if err != nil {
		return "", err
	}
	defer asapload.CloseAll(pes)
	const pools = 10
	poolOf := func(id uint32) string { return fmt.Sprintf("enrpbench.c%03d", id%pools) }
	life := uint32(o.life)
	if err := fill(ctx, pes, o.n, poolOf, life); err != nil {
		return "", err
	}
	reqs := make([][]byte, o.n)
	for i := range reqs {
		id := uint32(i + 1)
		if reqs[i], err = registration(id, poolOf(id), life); err != nil {
			return "", err
		}
	}
	var answered, rejected, sent atomic.Int64
	for _, c := range pes {
		go c.Serve(countResponses(&answered, &rejected))
	}
	// The pacer: element i+1 (on association i%len(pes), as fill
	// registered it) is re-registered at i*rereg/n within each cycle.
	stop := make(chan struct{})
	pacerDone := make(chan error, 1)
	go func() {
		interval := o.rereg / time.Duration(o.n)
		t0 := time.Now()
		k := 0
		for {
			select {
			case <-stop:
				pacerDone <- nil
				return
			default:
			}
			due := int(time.Since(t0) / interval)
			for ; k < due; k++ {
				i := k % o.n
				if err := pes[i%len(pes)].Send(reqs[i]); err != nil {
					pacerDone <- err
					return
				}
				sent.Add(1)
			}
			time.Sleep(time.Millisecond)
		}
	}()
	select {
	case <-time.After(o.cpuWarmup):
	case <-ctx.Done():
		return "", ctx.Err()
	}
	kaSum := func() int64 {
		var s int64
		for _, c := range pes {
			s += c.KeepAlives()
		}
		return s
	}
	snap := func() ([]time.Duration, time.Duration, int64, int64, time.Time) {
		var cpu []time.Duration
		for _, r := range regs {
			cpu = append(cpu, procstat.CPU(r.cmd.Process.Pid))
		}
		return cpu, procstat.Self(), answered.Load(), kaSum(), time.Now()
	}
	cpu0, self0, ans0, ka0, t0 := snap()
	select {
	case <-time.After(time.Duration(o.seconds * float64(time.Second))):
	case <-ctx.Done():
		return "", ctx.Err()
	}
	cpu1, self1, ans1, ka1, t1 := snap()
	close(stop)
	if err := <-pacerDone; err != nil {
		return "", fmt.Errorf("re-registering: %w", err)
	}
	for _, r := range regs {
		if err := r.alive(); err != nil {
			return "", err
		}
	}
	if rejected.Load() > 0 {
		return "", fmt.Errorf("A rejected %d re-registrations", rejected.Load())
	}
	// Every re-registration answered (those in flight get a second).
	for w := 0; answered.Load() < sent.Load() && w < 100; w++ {
		time.Sleep(10 * time.Millisecond)
	}
	if answered.Load() < sent.Load() {
		return "", fmt.Errorf("A answered %d of %d re-registrations", answered.Load(), sent.Load())
	}
	for _, r := range regs {
		d, err := r.dump(ctx)
		if err != nil {
			return "", err
		}
		if d.Elements != o.n {
			return "", fmt.Errorf("registrar %s holds %d elements, not %d", r.name, d.Elements, o.n)
		}
	}
	secs := t1.Sub(t0).Seconds()
	k := float64(o.n) / 1000
	util := func(i int) float64 { return (cpu1[i] - cpu0[i]).Seconds() / secs }
	line := fmt.Sprintf("test=cpu peers=%d n=%d secs=%.3f rereg_per_s=%.1f keepalives_per_s=%.1f owner_cpu_util=%.4f owner_cpu_per_1k=%.5f loadgen_cpu_util=%.4f",
		o.peers, o.n, secs, float64(ans1-ans0)/secs, float64(ka1-ka0)/secs, util(0), util(0)/k, (self1-self0).Seconds()/secs)
	if o.peers > 0 {
		var sum float64
		for i := 1; i < len(regs); i++ {
			sum += util(i)
			line += fmt.Sprintf(" peer%d_cpu_util=%.4f", i, util(i))
		}
		mean := sum / float64(len(regs)-1)
		line += fmt.Sprintf(" peer_cpu_util=%.4f peer_cpu_per_1k=%.5f", mean, mean/k)
	}
	return line, nil
}
