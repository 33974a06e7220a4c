// Command vmenrpbench is the VM side of bench/vm_enrp.sh: registrar pools
// (ENRP, RFC 5353) over kernel SCTP, rsplib's registrar pair beside
// netcompat's, measured by one program inside the test VM of tests/vm
// (qemu software emulation: only the ratios mean something). It is built
// static (CGO_ENABLED=0) and speaks ASAP to either registrar over kernel
// SCTP (package netcompat/core/transport, BackendKernel, PPID 11).
//
// For each implementation in -impls, in turn, with its own ports:
//
//	sync  registrar A (10.0.0.1, server ID 0x0a0a0a0a) is started and left
//	      to end its startup phase; -n pool elements (user transport SCTP
//	      10.0.0.1, 10 pools, registration life 300 s) are registered at A
//	      over -fillusers ASAP associations, every Endpoint Keep-Alive
//	      answered (A's keep-alive interval is 300 s anyway); then
//	      registrar B (10.0.0.2, 0x0b0b0b0b, -peer=A) is started.
//	      sync_secs: from just before B's process starts until B holds
//	      A's handle table, as B's output (read through a pipe, each
//	      line time-stamped as it is read) shows: netcompat logs "ENRP
//	      startup complete ... handle table received from mentor".
//	      rsplib's registrar leaves its startup phase when its first
//	      Presence timer fires (5 s, whatever -mentordiscoverytimeout
//	      says) before it has heard of any peer, so it logs no mentor
//	      transfer: it hears A's answering Presence, finds the checksum
//	      differs and pulls A's elements page by page; its end is its
//	      last page's "Got HandleTableResponse" line (rsplibSynced).
//	      transfer_secs: from the transfer's start (netcompat: "mentor
//	      found"; rsplib: "Handle Table synchronization with peer ... is
//	      necessary") to that end, leaving rsplib's fixed 5 s out. Then
//	      rsphsdump (-hsdump) asks B's ENRP endpoint for its handle
//	      table: it must hold all -n elements, else the run fails.
//	lat   with A and B from sync (B out of its startup phase, peered),
//	      -warmup unrecorded and -lat recorded new elements, each in a
//	      pool of its own, are registered at A one after another (at most
//	      -rate per second); from A's Registration Response on, a pool
//	      user association to B sends Handle Resolutions for the pool in
//	      a tight loop until the answer holds the element. Latency: from
//	      just before the Registration is sent to A to that answer.
//
// Output: one line per measurement on standard output,
//
//	VMENRP impl=<impl> test=sync n=... sync_secs=... transfer_secs=... ...
//	VMENRP impl=<impl> test=lat samples=... p50_ms=... p99_ms=... ...
//
// and the registrars' logs in -workdir/<impl>-{A,B}.log (printed on
// failure). It adds 10.0.0.2 to lo (ip addr add) when missing.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"netcompat/bench/internal/asapload"
	"netcompat/core/rserpool/policy"
	"netcompat/core/rserpool/wire"
	"netcompat/core/transport"
)

var (
	addrA = netip.MustParseAddr("10.0.0.1")
	addrB = netip.MustParseAddr("10.0.0.2")
)

type options struct {
	impls     string
	rsplib    string
	netcompat string
	hsdump    string
	workdir   string
	n         int
	fillUsers int
	page      int
	lat       int
	warmup    int
	rate      float64
	timeout   time.Duration
}

func main() {
	var o options
	flag.StringVar(&o.impls, "impls", "rsplib,netcompat", "implementations, in this order")
	flag.StringVar(&o.rsplib, "rsplib", "/usr/bin/rspregistrar", "rsplib's registrar")
	flag.StringVar(&o.netcompat, "netcompat", "", "netcompat's rspregistrar")
	flag.StringVar(&o.hsdump, "hsdump", "", "netcompat's rsphsdump")
	flag.StringVar(&o.workdir, "workdir", "/tmp/vmenrp", "logs")
	flag.IntVar(&o.n, "n", 5000, "sync: pool elements at A")
	flag.IntVar(&o.fillUsers, "fillusers", 8, "sync: ASAP associations registering them")
	flag.IntVar(&o.page, "page", 128, "-maxelementsperhtrequest of both registrars")
	flag.IntVar(&o.lat, "lat", 300, "lat: recorded elements")
	flag.IntVar(&o.warmup, "warmup", 20, "lat: unrecorded elements first")
	flag.Float64Var(&o.rate, "rate", 50, "lat: new elements per second at most")
	flag.DurationVar(&o.timeout, "timeout", 80*time.Second, "give up on one implementation after this long")
	flag.Parse()
	if err := os.MkdirAll(o.workdir, 0o755); err != nil {
		fail(err)
	}
	// B's address (the VM's init puts only 10.0.0.1 on lo); "exists" is fine.
	if out, err := exec.Command("ip", "addr", "add", addrB.String()+"/8", "dev", "lo").CombinedOutput(); err != nil &&
		!strings.Contains(string(out), "exists") {
		fail(fmt.Errorf("ip addr add %v: %v: %s", addrB, err, out))
	}
	bad := false
	for k, impl := range strings.Split(o.impls, ",") {
		ctx, cancel := context.WithTimeout(context.Background(), o.timeout)
		ps := &procSet{}
		lines, err := runImpl(ctx, &o, impl, k, ps)
		for _, p := range ps.all {
			// netcompat's warnings and errors (slog's text format), the
			// first few of each registrar, whatever the result.
			w := p.grep("level=WARN", "level=ERROR")
			if len(w) > 0 {
				fmt.Printf("VMENRP-WARN impl=%s registrar=%s lines=%d\n", impl, p.name, len(w))
				for _, l := range w[:min(len(w), 8)] {
					fmt.Println("  " + l)
				}
			}
		}
		ps.killAll()
		cancel()
		for _, l := range lines {
			fmt.Println("VMENRP impl=" + impl + " " + l)
		}
		if err != nil {
			fmt.Printf("VMENRP-FAIL impl=%s %v\n", impl, err)
			for _, p := range ps.all {
				fmt.Printf("--- %s: %s; %d log lines, %d with \"HandleTableResponse\"; last lines:\n%s",
					p.name, p.cpu(), p.count(""), p.count("HandleTableResponse"), p.tail(40))
			}
			bad = true
		}
	}
	if bad {
		os.Exit(1)
	}
}

func fail(err error) {
	fmt.Fprintf(os.Stderr, "vmenrpbench: %v\n", err)
	os.Exit(1)
}

// --- Registrar processes -------------------------------------------------

type logLine struct {
	at   time.Time
	text string
}

type proc struct {
	name    string
	cmd     *exec.Cmd
	started time.Time
	mu      sync.Mutex
	lines   []logLine
	changed chan struct{}
	eof     bool
}

type procSet struct{ all []*proc }

// start runs bin with args, its standard output and error through one
// pipe into workdir/name.log and memory, each line time-stamped when read.
func (ps *procSet) start(workdir, name, bin string, args []string) (*proc, error) {
	p := &proc{name: name, changed: make(chan struct{})}
	p.cmd = exec.Command(bin, args...)
	p.cmd.Env = append(os.Environ(), "NETCOMPAT_SCTP=kernel")
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	r, w, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	p.cmd.Stdout, p.cmd.Stderr = w, w
	logf, err := os.Create(filepath.Join(workdir, name+".log"))
	if err != nil {
		return nil, err
	}
	p.started = time.Now()
	if err := p.cmd.Start(); err != nil {
		return nil, err
	}
	w.Close()
	ps.all = append(ps.all, p)
	go func() {
		defer logf.Close()
		sc := bufio.NewScanner(r)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			now := time.Now()
			logf.WriteString(sc.Text() + "\n")
			p.mu.Lock()
			p.lines = append(p.lines, logLine{now, sc.Text()})
			close(p.changed)
			p.changed = make(chan struct{})
			p.mu.Unlock()
		}
		p.mu.Lock()
		p.eof = true
		close(p.changed)
		p.mu.Unlock()
		p.cmd.Wait()
	}()
	return p, nil
}

// waitLine waits for a line containing every one of subs.
func (p *proc) waitLine(ctx context.Context, subs ...string) (logLine, error) {
	seen := 0
	for {
		p.mu.Lock()
		lines, ch, eof := p.lines[seen:], p.changed, p.eof
		seen = len(p.lines)
		p.mu.Unlock()
	next:
		for _, l := range lines {
			for _, s := range subs {
				if !strings.Contains(l.text, s) {
					continue next
				}
			}
			return l, nil
		}
		if eof {
			return logLine{}, fmt.Errorf("registrar %s exited before logging %q", p.name, subs)
		}
		select {
		case <-ctx.Done():
			return logLine{}, fmt.Errorf("registrar %s: no log line with %q: %w", p.name, subs, ctx.Err())
		case <-ch:
		}
	}
}

func (p *proc) tail(n int) string {
	p.mu.Lock()
	defer p.mu.Unlock()
	var b strings.Builder
	for _, l := range p.lines[max(0, len(p.lines)-n):] {
		b.WriteString("  " + l.text + "\n")
	}
	return b.String()
}

// grep returns the log lines containing one of subs.
func (p *proc) grep(subs ...string) []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []string
	for _, l := range p.lines {
		for _, s := range subs {
			if strings.Contains(l.text, s) {
				out = append(out, l.text)
				break
			}
		}
	}
	return out
}

// count returns the number of log lines containing sub.
func (p *proc) count(sub string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for _, l := range p.lines {
		if strings.Contains(l.text, sub) {
			n++
		}
	}
	return n
}

// cpu describes the process's state and CPU time (/proc/PID/stat).
func (p *proc) cpu() string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", p.cmd.Process.Pid))
	if err != nil {
		return "exited"
	}
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
	if len(f) < 13 {
		return "?"
	}
	return fmt.Sprintf("state %s, utime %s stime %s ticks", f[0], f[11], f[12])
}

func (ps *procSet) killAll() {
	for _, p := range ps.all {
		p.cmd.Process.Kill()
	}
	for _, p := range ps.all {
		for i := 0; i < 200; i++ {
			p.mu.Lock()
			eof := p.eof
			p.mu.Unlock()
			if eof {
				break
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
}

// impl describes one registrar implementation: its command line and the
// log lines that mark startup events.
type impl struct {
	bin     string
	args    func(id uint32, asap, enrp netip.AddrPort, peer *netip.AddrPort) []string
	started []string // A: the end of its startup phase (alone)
	// synced waits until B holds A's handle table: the log lines of the
	// transfer's start and end.
	synced func(ctx context.Context, b *proc) (start, end logLine, err error)
}

func implOf(o *options, name string) (*impl, error) {
	switch name {
	case "rsplib":
		return &impl{
			bin: o.rsplib,
			args: func(id uint32, asap, enrp netip.AddrPort, peer *netip.AddrPort) []string {
				a := []string{fmt.Sprintf("-identifier=0x%08x", id), "-loglevel=4", "-logcolor=off",
					"-asap=" + asap.String(), "-asapannounce=off", "-enrp=" + enrp.String(), "-enrpannounce=off",
					"-endpointkeepalivetransmissioninterval=300000", fmt.Sprintf("-maxelementsperhtrequest=%d", o.page)}
				if peer != nil {
					a = append(a, "-peer="+peer.String())
				}
				return a
			},
			started: []string{"Initialization phase ended"},
			synced:  rsplibSynced,
		}, nil
	case "netcompat":
		if o.netcompat == "" {
			return nil, errors.New("-netcompat not set")
		}
		return &impl{
			bin: o.netcompat,
			args: func(id uint32, asap, enrp netip.AddrPort, peer *netip.AddrPort) []string {
				a := []string{fmt.Sprintf("-identifier=0x%08x", id), "-loglevel=info",
					"-asap=" + asap.String(), "-asapannounce=off", "-enrp=" + enrp.String(), "-enrpannounce=off",
					"-endpointkeepalivetransmissioninterval=300000", fmt.Sprintf("-maxelementsperhtrequest=%d", o.page),
					"-maxelements=-1"}
				if peer != nil {
					a = append(a, "-peer="+peer.String())
				}
				return a
			},
			started: []string{"ENRP startup complete"},
			synced: func(ctx context.Context, b *proc) (start, end logLine, err error) {
				if end, err = b.waitLine(ctx, "ENRP startup complete", "from mentor"); err != nil {
					return
				}
				start, err = b.waitLine(ctx, "mentor found")
				return
			},
		}, nil
	}
	return nil, fmt.Errorf("unknown implementation %q", name)
}

// rsplibSynced: rsplib's registrar leaves its startup phase when its
// first Presence timer fires (5 s, whatever -mentordiscoverytimeout
// says), before it has heard of any peer, so B logs no mentor and no end
// of a mentor transfer: it hears A's Presence answering its own, finds
// the checksum differs ("Handle Table synchronization with peer
// $0a0a0a0a is necessary", the start) and pulls A's elements page by
// page ("Got HandleTableResponse", then "... MoreToSend flag set" for
// every page but the last). The end is the "Got HandleTableResponse"
// line of the page no "MoreToSend" line followed, once the log has
// been quiet about the handle table for quiet; that page's insertion
// (at most a dozen elements: rsplib's pages hold at most 1400 bytes) is
// not included.
func rsplibSynced(ctx context.Context, b *proc) (start, end logLine, err error) {
	const quiet = 700 * time.Millisecond
	start, err = b.waitAny(ctx, "Handle Table synchronization with peer $0a0a0a0a is necessary", "as mentor server")
	if err != nil {
		return
	}
	for {
		b.mu.Lock()
		var last logLine
		for i := len(b.lines) - 1; i >= 0; i-- {
			if strings.Contains(b.lines[i].text, "HandleTableResponse") {
				last = b.lines[i]
				break
			}
		}
		eof := b.eof
		b.mu.Unlock()
		if strings.Contains(last.text, "Got HandleTableResponse") && time.Since(last.at) > quiet {
			return start, last, nil
		}
		if eof {
			return start, end, fmt.Errorf("registrar %s exited during the handle table transfer", b.name)
		}
		select {
		case <-ctx.Done():
			return start, end, fmt.Errorf("registrar %s: handle table transfer unfinished: %w", b.name, ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// waitAny waits for a line containing one of subs.
func (p *proc) waitAny(ctx context.Context, subs ...string) (logLine, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	type res struct {
		l   logLine
		err error
	}
	ch := make(chan res, len(subs))
	for _, s := range subs {
		go func() { l, err := p.waitLine(ctx, s); ch <- res{l, err} }()
	}
	var first error
	for range subs {
		r := <-ch
		if r.err == nil {
			return r.l, nil
		}
		if first == nil {
			first = r.err
		}
	}
	return logLine{}, first
}

// --- ASAP over kernel SCTP ------------------------------------------------

type assoc struct {
	a   transport.Assoc
	buf []byte
	kas atomic.Int64
	mu  sync.Mutex // Call
}

func dial(ctx context.Context, target netip.AddrPort) (*assoc, error) {
	var last error
	for i := 0; i < 100; i++ { // the registrar may not listen yet
		dctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		a, err := transport.Dial(dctx, []netip.AddrPort{target}, &transport.Options{
			Backend: transport.BackendKernel,
			PPID:    transport.PPIDASAP,
		})
		cancel()
		if err == nil {
			return &assoc{a: a, buf: make([]byte, 1<<16)}, nil
		}
		last = err
		if ctx.Err() != nil {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	return nil, fmt.Errorf("ASAP association to %v: %w", target, last)
}

var errRejected = errors.New("rejected")

// call sends req and returns the answer of type want, answering
// keep-alives that come first.
func (c *assoc) call(req []byte, want wire.ASAPType) ([]byte, error) {
	if err := c.a.Send(req, transport.SendInfo{}); err != nil {
		return nil, err
	}
	for {
		n, _, err := c.a.Recv(c.buf)
		if err != nil {
			return nil, err
		}
		m := c.buf[:n]
		switch wire.ASAPType(m[0]) {
		case want:
			if m[1]&wire.FlagReject != 0 {
				return nil, fmt.Errorf("%v %w", want, errRejected)
			}
			return m, nil
		case wire.ASAPEndpointKeepAlive:
			if err := c.ack(m); err != nil {
				return nil, err
			}
		default:
			// rsplib may send other things (e.g. a late answer); skip
		}
	}
}

// serve answers keep-alives until the association closes.
func (c *assoc) serve() {
	for {
		n, _, err := c.a.Recv(c.buf)
		if err != nil {
			return
		}
		if m := c.buf[:n]; wire.ASAPType(m[0]) == wire.ASAPEndpointKeepAlive && c.ack(m) != nil {
			return
		}
	}
}

func (c *assoc) ack(m []byte) error {
	msg, err := wire.ParseASAP(m)
	ka, ok := msg.(*wire.EndpointKeepAlive)
	if err != nil || !ok {
		return fmt.Errorf("bad endpoint keep-alive: %v", err)
	}
	b, err := wire.AppendASAP(nil, &wire.EndpointKeepAliveAck{PoolHandle: ka.PoolHandle, PEID: ka.PEID})
	if err == nil {
		err = c.a.Send(b, transport.SendInfo{})
	}
	c.kas.Add(1)
	return err
}

func element(id uint32) wire.PoolElement {
	return wire.PoolElement{
		ID:      id,
		RegLife: 300000,
		User: wire.Transport{
			Kind:  wire.ParamSCTPTransport,
			Port:  uint16(20000 + id%40000),
			Use:   wire.UseData,
			Addrs: []netip.Addr{addrA},
		},
		Policy: wire.Policy{Type: policy.RoundRobin},
	}
}

func registration(id uint32, pool string) ([]byte, error) {
	return wire.AppendASAP(nil, &wire.Registration{PoolHandle: []byte(pool), Element: element(id)})
}

func resolution(pool string) ([]byte, error) {
	return wire.AppendASAP(nil, &wire.HandleResolution{PoolHandle: []byte(pool), HasItems: true, Items: 3})
}

// --- The measurements -----------------------------------------------------

func runImpl(ctx context.Context, o *options, name string, k int, ps *procSet) ([]string, error) {
	im, err := implOf(o, name)
	if err != nil {
		return nil, err
	}
	port := func(base int) uint16 { return uint16(base + 10*k) }
	asapA, enrpA := netip.AddrPortFrom(addrA, port(3863)), netip.AddrPortFrom(addrA, port(9901))
	asapB, enrpB := netip.AddrPortFrom(addrB, port(3863)), netip.AddrPortFrom(addrB, port(9901))

	a, err := ps.start(o.workdir, name+"-A", im.bin, im.args(0x0a0a0a0a, asapA, enrpA, nil))
	if err != nil {
		return nil, err
	}
	if _, err := a.waitLine(ctx, im.started...); err != nil {
		return nil, err
	}
	pes := make([]*assoc, o.fillUsers)
	for i := range pes {
		if pes[i], err = dial(ctx, asapA); err != nil {
			return nil, err
		}
		defer pes[i].a.Close()
	}
	t0 := time.Now()
	var wg sync.WaitGroup
	errs := make(chan error, len(pes))
	for j, c := range pes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for id := j + 1; id <= o.n && ctx.Err() == nil; id += len(pes) {
				req, err := registration(uint32(id), fmt.Sprintf("vmenrp.s%03d", id%10))
				if err == nil {
					_, err = c.call(req, wire.ASAPRegistrationResponse)
				}
				if err != nil {
					errs <- fmt.Errorf("registering element %d at A: %w", id, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	select {
	case err := <-errs:
		return nil, err
	default:
	}
	fillSecs := time.Since(t0).Seconds()
	for _, c := range pes {
		go c.serve()
	}

	b, err := ps.start(o.workdir, name+"-B", im.bin, im.args(0x0b0b0b0b, asapB, enrpB, &enrpA))
	if err != nil {
		return nil, err
	}
	mentor, done, err := im.synced(ctx, b)
	if err != nil {
		return nil, err
	}
	got, err := hsdumpCount(ctx, o.hsdump, enrpB)
	if err != nil {
		return nil, err
	}
	if got != o.n {
		return nil, fmt.Errorf("rsphsdump of B: %d elements, not %d", got, o.n)
	}
	var lines []string
	syncSecs := done.at.Sub(b.started).Seconds()
	lines = append(lines, fmt.Sprintf("test=sync n=%d page=%d fill_secs=%.3f sync_secs=%.4f transfer_secs=%.4f mentor_secs=%.4f elements_per_s=%.1f hsdump_elements=%d",
		o.n, o.page, fillSecs, syncSecs, done.at.Sub(mentor.at).Seconds(), mentor.at.Sub(b.started).Seconds(), float64(o.n)/syncSecs, got))

	l, err := latTest(ctx, o, asapA, asapB)
	if err != nil {
		return lines, err
	}
	return append(lines, l), nil
}

// hsdumpCount asks the registrar's ENRP endpoint for its handle table.
func hsdumpCount(ctx context.Context, bin string, enrp netip.AddrPort) (int, error) {
	if bin == "" {
		return -1, nil
	}
	cmd := exec.CommandContext(ctx, bin, "-registrar="+enrp.String(), "-transport=sctp", "-timeout=20000")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return 0, fmt.Errorf("rsphsdump %v: %v: %s", enrp, err, stderr.String())
	}
	var d struct {
		Pools []struct {
			Elements []json.RawMessage `json:"elements"`
		} `json:"pools"`
	}
	if err := json.Unmarshal(out, &d); err != nil {
		return 0, fmt.Errorf("rsphsdump %v: %v", enrp, err)
	}
	n := 0
	for _, p := range d.Pools {
		n += len(p.Elements)
	}
	return n, nil
}

func latTest(ctx context.Context, o *options, asapA, asapB netip.AddrPort) (string, error) {
	pe, err := dial(ctx, asapA)
	if err != nil {
		return "", err
	}
	defer pe.a.Close()
	pu, err := dial(ctx, asapB)
	if err != nil {
		return "", err
	}
	defer pu.a.Close()
	var lat, regRTT []time.Duration
	polls, first := 0, 0
	gap := time.Duration(float64(time.Second) / o.rate)
	for i := -o.warmup; i < o.lat; i++ {
		id := uint32(1000000 + i + o.warmup)
		pool := fmt.Sprintf("vmenrp.l%07d", id)
		reg, err := registration(id, pool)
		if err != nil {
			return "", err
		}
		hr, err := resolution(pool)
		if err != nil {
			return "", err
		}
		start := time.Now()
		if _, err := pe.call(reg, wire.ASAPRegistrationResponse); err != nil {
			return "", fmt.Errorf("registering element %d at A: %w", id, err)
		}
		rtt := time.Since(start)
		n := 0
		var d time.Duration
		for {
			n++
			m, err := pu.call(hr, wire.ASAPHandleResolutionResponse)
			now := time.Now()
			if err != nil && !errors.Is(err, errRejected) {
				return "", fmt.Errorf("resolving element %d at B: %w", id, err)
			}
			if err == nil {
				ok, err := asapload.Resolves(m, id)
				if err != nil {
					return "", err
				}
				if ok {
					d = now.Sub(start)
					break
				}
			}
			if ctx.Err() != nil {
				return "", fmt.Errorf("element %d never resolvable at B: %w", id, ctx.Err())
			}
		}
		if i >= 0 {
			lat = append(lat, d)
			regRTT = append(regRTT, rtt)
			polls += n
			if n == 1 {
				first++
			}
		}
		if w := time.Until(start.Add(gap)); w > 0 {
			time.Sleep(w)
		}
	}
	slices.Sort(lat)
	slices.Sort(regRTT)
	ms := func(s []time.Duration, p float64) float64 {
		return float64(s[min(len(s)-1, int(p*float64(len(s))))].Nanoseconds()) / 1e6
	}
	return fmt.Sprintf("test=lat samples=%d p50_ms=%.3f p90_ms=%.3f p99_ms=%.3f max_ms=%.3f reg_p50_ms=%.3f reg_p99_ms=%.3f polls_per_sample=%.2f first_poll_frac=%.3f",
		len(lat), ms(lat, .5), ms(lat, .9), ms(lat, .99), ms(lat, 1), ms(regRTT, .5), ms(regRTT, .99),
		float64(polls)/float64(len(lat)), float64(first)/float64(len(lat))), nil
}
