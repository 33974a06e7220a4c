package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"netcompat/bench/internal/asapload"
)

// Server IDs of the registrars.
const (
	idA = 0x0a0a0a0a
	idB = 0x0b0b0b0b
	idC = 0x0c0c0c0c
)

// procSet is every registrar process a run started.
type procSet struct {
	dir   string
	bin   string
	mu    sync.Mutex
	procs []*regProc
	seq   int
}

// logLine is one line of a registrar's standard error and when it was
// read.
type logLine struct {
	at   time.Time
	text string
}

// regProc is one registrar process.
type regProc struct {
	name     string
	id       uint32
	cmd      *exec.Cmd
	started  time.Time // just before the process was started
	asap     netip.AddrPort
	enrp     netip.AddrPort
	logPath  string
	dumpPath string
	exited   chan struct{}

	mu      sync.Mutex
	lines   []logLine
	changed chan struct{} // closed and replaced on every new line
	eof     bool
}

// start starts registrar name with server ID id and extra options and
// waits until it serves ASAP and ENRP.
func (ps *procSet) start(ctx context.Context, name string, id uint32, extra ...string) (*regProc, error) {
	ps.mu.Lock()
	ps.seq++
	base := filepath.Join(ps.dir, fmt.Sprintf("%s.%d", name, ps.seq))
	ps.mu.Unlock()
	p := &regProc{name: name, id: id, logPath: base + ".log", dumpPath: base + ".dump.json", changed: make(chan struct{}), exited: make(chan struct{})}
	pf, ef := base+".port", base+".enrpport"
	args := []string{
		"-asap=127.0.0.1:0", "-asapannounce=off", "-portfile=" + pf,
		"-enrp=127.0.0.1:0", "-enrpannounce=off", "-enrpportfile=" + ef,
		fmt.Sprintf("-identifier=0x%08x", id), "-minaddressscope=loopback",
		"-loglevel=info", "-dumpfile=" + p.dumpPath,
	}
	args = append(args, extra...)
	p.cmd = exec.Command(ps.bin, args...)
	p.cmd.Env = append(os.Environ(), "NETCOMPAT_SCTP=tcp")
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	stderr, err := p.cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	logf, err := os.Create(p.logPath)
	if err != nil {
		return nil, err
	}
	p.started = time.Now()
	if err := p.cmd.Start(); err != nil {
		logf.Close()
		return nil, err
	}
	ps.mu.Lock()
	ps.procs = append(ps.procs, p)
	ps.mu.Unlock()
	go func() {
		defer logf.Close()
		sc := bufio.NewScanner(stderr)
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
		p.changed = make(chan struct{})
		p.mu.Unlock()
		p.cmd.Wait()
		close(p.exited)
	}()
	for _, f := range []struct {
		path string
		ap   *netip.AddrPort
	}{{pf, &p.asap}, {ef, &p.enrp}} {
		port, err := waitPortFile(ctx, p, f.path)
		if err != nil {
			return nil, err
		}
		*f.ap = netip.AddrPortFrom(asapload.Loopback, port)
	}
	return p, nil
}

func waitPortFile(ctx context.Context, p *regProc, path string) (uint16, error) {
	for {
		if b, err := os.ReadFile(path); err == nil && len(b) > 0 {
			v, err := strconv.ParseUint(strings.TrimSpace(string(b)), 10, 16)
			return uint16(v), err
		}
		select {
		case <-ctx.Done():
			return 0, fmt.Errorf("registrar %s: no %s: %w", p.name, filepath.Base(path), ctx.Err())
		case <-p.exited:
			return 0, fmt.Errorf("registrar %s exited at start:\n%s", p.name, p.logTail())
		case <-time.After(2 * time.Millisecond):
		}
	}
}

// waitLine waits for a line of the registrar's log containing every one
// of subs and returns it with the time it was read.
func (p *regProc) waitLine(ctx context.Context, subs ...string) (logLine, error) {
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
			return logLine{}, fmt.Errorf("registrar %s exited:\n%s", p.name, p.logTail())
		}
		select {
		case <-ctx.Done():
			return logLine{}, fmt.Errorf("registrar %s: no log line with %q: %w", p.name, subs, ctx.Err())
		case <-ch:
		}
	}
}

// logTail returns the last lines of the registrar's log.
func (p *regProc) logTail() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	var b strings.Builder
	for _, l := range p.lines[max(0, len(p.lines)-15):] {
		b.WriteString("  " + l.text + "\n")
	}
	return b.String()
}

// dumpInfo is what the benchmark reads from a registrar's dump.
type dumpInfo struct {
	ServerID uint32 `json:"server_id"`
	Elements int    `json:"elements"`
	Startup  bool   `json:"startup"`
	Peers    []struct {
		ID    uint32 `json:"id"`
		State string `json:"state"`
	} `json:"peers"`
}

// dump asks the registrar for a dump (SIGUSR1) and reads it.
func (p *regProc) dump(ctx context.Context) (*dumpInfo, error) {
	os.Remove(p.dumpPath)
	if err := p.cmd.Process.Signal(syscall.SIGUSR1); err != nil {
		return nil, fmt.Errorf("registrar %s: %w", p.name, err)
	}
	for {
		if b, err := os.ReadFile(p.dumpPath); err == nil {
			var d dumpInfo
			if err := json.Unmarshal(b, &d); err != nil {
				return nil, fmt.Errorf("registrar %s: dump: %w", p.name, err)
			}
			return &d, nil
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("registrar %s: no dump: %w", p.name, ctx.Err())
		case <-p.exited:
			return nil, fmt.Errorf("registrar %s exited:\n%s", p.name, p.logTail())
		case <-time.After(2 * time.Millisecond):
		}
	}
}

// alive reports an error if the registrar has exited.
func (p *regProc) alive() error {
	select {
	case <-p.exited:
		return fmt.Errorf("registrar %s exited:\n%s", p.name, p.logTail())
	default:
		return nil
	}
}

// stop stops the registrar: SIGTERM, SIGKILL after 5 s.
func (p *regProc) stop() {
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.exited:
	case <-time.After(5 * time.Second):
		p.cmd.Process.Kill()
		<-p.exited
	}
}

func (ps *procSet) stop(p *regProc) {
	p.stop()
	ps.mu.Lock()
	defer ps.mu.Unlock()
	for i, q := range ps.procs {
		if q == p {
			ps.procs = append(ps.procs[:i], ps.procs[i+1:]...)
			break
		}
	}
}

func (ps *procSet) stopAll() {
	ps.mu.Lock()
	procs := ps.procs
	ps.procs = nil
	ps.mu.Unlock()
	var wg sync.WaitGroup
	for _, p := range procs {
		wg.Add(1)
		go func() { defer wg.Done(); p.stop() }()
	}
	wg.Wait()
}

// mesh starts A and n peers (B with -peer=A, C with -peer=A -peer=B) with
// extra options each, and waits until every one has all the others as
// live peers and has left its startup phase.
func (ps *procSet) mesh(ctx context.Context, n int, extra ...string) ([]*regProc, error) {
	ids := []uint32{idA, idB, idC}
	names := []string{"A", "B", "C"}
	var regs []*regProc
	for i := 0; i <= n; i++ {
		args := slices.Clone(extra)
		for _, q := range regs {
			args = append(args, "-peer="+q.enrp.String())
		}
		p, err := ps.start(ctx, names[i], ids[i], args...)
		if err != nil {
			return nil, err
		}
		regs = append(regs, p)
	}
	if n == 0 {
		return regs, nil
	}
	for {
		ok := true
		for _, p := range regs {
			d, err := p.dump(ctx)
			if err != nil {
				return nil, err
			}
			live := 0
			for _, q := range d.Peers {
				if q.State == "alive" {
					live++
				}
			}
			if live != n || d.Startup {
				ok = false
				break
			}
		}
		if ok {
			return regs, nil
		}
		select {
		case <-ctx.Done():
			return nil, errors.New("the registrars did not form a full mesh: " + ctx.Err().Error())
		case <-time.After(20 * time.Millisecond):
		}
	}
}
