package enrp_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"netcompat/internal/netns"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"netcompat/core/rserpool/asap"
	"netcompat/core/rserpool/registrar"
	"netcompat/core/rserpool/registrar/registrartest"
	"netcompat/core/rserpool/wire"
)

// Every wait polls for its condition and ends as soon as it holds; the
// limits only bound a failing test (generous: the build machines have two
// loaded cores).
const (
	waitLimit    = 30 * time.Second // a process starts, a pool settles
	convergeWait = 60 * time.Second // a partition heals
	pollEvery    = 50 * time.Millisecond
)

// BuildDirEnv names the CMake build tree holding rsp_server and
// rsp_terminal; the default is the repository's build/.
const BuildDirEnv = "NETCOMPAT_BUILD_DIR"

// verboseEnv set to anything logs every process's output, also when the
// test passes.
const verboseEnv = "ENRP_TEST_VERBOSE"

// helperEnv makes this test binary a pool user that resolves one pool
// through one registrar and prints the answer as JSON (see runHelper).
const helperEnv = "ENRP_TEST_HELPER"

var (
	registrarPath string // built by TestMain
	buildDir      string // holds rsp_server, rsp_terminal; "" when absent
	buildMissing  string // why buildDir is ""
)

func TestMain(m *testing.M) {
	if os.Getenv(helperEnv) != "" {
		os.Exit(runHelper())
	}
	if err := netns.Available(); err != nil && os.Getenv(netns.RequiredEnv) != "1" {
		os.Exit(m.Run()) // every test skips; nothing to build
	}
	path, cleanup, err := registrartest.Build()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	registrarPath = path
	buildDir, buildMissing = findBuild()
	code := m.Run()
	cleanup()
	os.Exit(code)
}

// findBuild locates the C programs: $NETCOMPAT_BUILD_DIR or ../../build.
func findBuild() (dir, why string) {
	dir = os.Getenv(BuildDirEnv)
	if dir == "" {
		// go test runs a package's tests in its directory.
		dir, _ = filepath.Abs(filepath.Join("..", "..", "build"))
	}
	for _, p := range []string{"rsp_server", "rsp_terminal"} {
		if st, err := os.Stat(filepath.Join(dir, p)); err != nil || st.Mode()&0o111 == 0 {
			return "", fmt.Sprintf("no C program %s in %s (run make, or set %s to a CMake build tree)", p, dir, BuildDirEnv)
		}
	}
	return dir, ""
}

// requireAll skips unless network namespaces and the C programs are there.
func requireAll(t *testing.T) {
	t.Helper()
	netns.Require(t)
	if buildDir == "" {
		t.Skip(buildMissing)
	}
}

// proc is one process started in a namespace.
type proc struct {
	name   string
	cmd    *exec.Cmd
	stdout *registrartest.SyncBuffer
	stderr *registrartest.SyncBuffer
	stdin  io.WriteCloser // nil unless asked for
	exited chan struct{}  // closed once the process has exited
	err    error          // Wait's result, once exited is closed
}

// startProc runs path with args in h's namespace. It is killed when the
// test ends; on failure its output is logged.
func startProc(t *testing.T, h *host, name string, withStdin bool, env []string, path string, args ...string) *proc {
	t.Helper()
	p := &proc{name: name, stdout: &registrartest.SyncBuffer{}, stderr: &registrartest.SyncBuffer{}, exited: make(chan struct{})}
	p.cmd = exec.Command(path, args...)
	p.cmd.Stdout, p.cmd.Stderr = p.stdout, p.stderr
	p.cmd.Env = append(os.Environ(), env...)
	if withStdin {
		w, err := p.cmd.StdinPipe()
		if err != nil {
			t.Fatal(err)
		}
		p.stdin = w
	}
	if err := h.ns.Start(p.cmd); err != nil {
		t.Fatalf("%s: start %s: %v", h, name, err)
	}
	go func() {
		p.err = p.cmd.Wait()
		close(p.exited)
	}()
	t.Cleanup(func() {
		p.kill()
		if t.Failed() || os.Getenv(verboseEnv) != "" {
			t.Logf("--- %s %v (on %s): %s\nstdout:\n%s\nstderr:\n%s", name, args, h, p.state(), tail(p.stdout.String()), tail(p.stderr.String()))
		}
	})
	return p
}

// tail is the end of a long log.
func tail(s string) string {
	const max = 12000
	if len(s) > max {
		return "[...]" + s[len(s)-max:]
	}
	return s
}

// kill sends SIGKILL and waits for the exit.
func (p *proc) kill() {
	select {
	case <-p.exited:
		return
	default:
	}
	p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.exited
}

func (p *proc) running() bool {
	select {
	case <-p.exited:
		return false
	default:
		return true
	}
}

func (p *proc) state() string {
	if p.running() {
		return "running"
	}
	return fmt.Sprintf("exited (%v)", p.err)
}

// waitFor polls cond until it holds; cond returns a description of what
// is still missing ("" when done).
func waitFor(t *testing.T, what string, limit time.Duration, cond func() string) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for {
		why := cond()
		if why == "" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not after %v: %s", what, limit, why)
		}
		time.Sleep(pollEvery) // polling interval, not synchronisation
	}
}

// Registrars.

const (
	asapPort = 3863
	enrpPort = 9901
)

// regProc is one rspregistrar on a host.
type regProc struct {
	*proc
	name  string
	id    uint32
	host  *host
	args  []string
	dump  string // -dumpfile
	files string // directory of its files
}

func (r *regProc) asap() netip.AddrPort { return netip.AddrPortFrom(r.host.addr, asapPort) }
func (r *regProc) enrp() netip.AddrPort { return netip.AddrPortFrom(r.host.addr, enrpPort) }

// fastTimers are the ENRP and keep-alive timers of every registrar here:
// a peer silent for about 1.5 s is dead; a pool element not answering
// keep-alives for 2.5 s is gone. -maxelementsperhtrequest=2 makes every
// handle table transfer take several pages.
var fastTimers = []string{
	"-peerheartbeatcycle=200",
	"-peermaxtimelastheard=1000",
	"-peermaxtimenoresponse=500",
	"-mentordiscoverytimeout=1500",
	"-takeoverexpiryinterval=1000",
	"-maxelementsperhtrequest=2",
	"-endpointkeepalivetransmissioninterval=1000",
	"-endpointkeepalivetimeoutinterval=1500",
}

// newRegistrar describes a registrar; start runs it. With peers nil the
// registrars find each other by multicast Presence on the LAN; otherwise
// they know only the peers given (-peer=) and send no multicast.
func newRegistrar(t *testing.T, name string, id uint32, h *host, peers []*host) *regProc {
	dir := t.TempDir()
	r := &regProc{name: name, id: id, host: h, files: dir, dump: filepath.Join(dir, "dump.json")}
	r.args = []string{
		fmt.Sprintf("-identifier=0x%08x", id),
		"-asap=" + r.asap().String(),
		"-enrp=" + r.enrp().String(),
		"-asapannounce=239.0.0.50:3863", "-asapannounceif=" + lanIf,
		"-minaddressscope=sitelocal",
		"-maxhresitems=128",
		"-dumpfile=" + r.dump,
		"-portfile=" + filepath.Join(dir, "asap.port"),
		"-enrpportfile=" + filepath.Join(dir, "enrp.port"),
		"-loglevel=4",
	}
	if peers == nil {
		r.args = append(r.args, "-enrpannounce=239.0.0.51:9901", "-enrpannounceif="+lanIf)
	} else {
		r.args = append(r.args, "-enrpannounce=off")
		for _, p := range peers {
			r.args = append(r.args, "-peer="+netip.AddrPortFrom(p.addr, enrpPort).String())
		}
	}
	r.args = append(r.args, fastTimers...)
	return r
}

// start runs the registrar (again) and waits until it serves ASAP and
// ENRP.
func (r *regProc) start(t *testing.T) {
	t.Helper()
	for _, f := range []string{"asap.port", "enrp.port", "dump.json"} {
		os.Remove(filepath.Join(r.files, f))
	}
	r.proc = startProc(t, r.host, r.name, false, nil, registrarPath, r.args...)
	waitFor(t, r.name+" listening", waitLimit, func() string {
		if !r.running() {
			t.Fatalf("%s exited: %v\n%s", r.name, r.err, r.stderr.String())
		}
		for _, f := range []string{"asap.port", "enrp.port"} {
			b, err := os.ReadFile(filepath.Join(r.files, f))
			if err != nil || !bytes.HasSuffix(b, []byte("\n")) {
				return "no " + f
			}
		}
		return ""
	})
}

// snapshot has the registrar write its dump (SIGUSR1) and returns it.
// The dump carries its time, so every new one differs from the last.
func (r *regProc) snapshot(t *testing.T) *registrar.Snapshot {
	t.Helper()
	old, _ := os.ReadFile(r.dump)
	if !r.running() {
		t.Fatalf("%s exited: %v", r.name, r.err)
	}
	if err := r.cmd.Process.Signal(syscall.SIGUSR1); err != nil {
		t.Fatalf("%s: SIGUSR1: %v", r.name, err)
	}
	var s registrar.Snapshot
	waitFor(t, r.name+" dump", waitLimit, func() string {
		b, err := os.ReadFile(r.dump)
		if err != nil || bytes.Equal(b, old) {
			return "no new dump"
		}
		if err := json.Unmarshal(b, &s); err != nil {
			t.Fatalf("%s: dump: %v\n%s", r.name, err, b)
		}
		return ""
	})
	return &s
}

// log is the registrar's log so far.
func (r *regProc) log() string { return r.stderr.String() }

// Pool elements: rsp_server processes of the C build.

// element is one rsp_server: one pool element.
type element struct {
	*proc
	pool string
	id   uint32
	host *host
}

var registeredLine = regexp.MustCompile(`rsp_server: echo PE (\d+) registered in (\S+)`)

// listeningPool's elements accept associations from registrars
// (NETCOMPAT_ASAP_LISTEN), as rsplib's do, so a registrar that takes them
// over reaches them with its keep-alive; the other pools' elements do not
// and must be kept all the same until they register again.
const listeningPool = "echoA"

// startElement runs an echo rsp_server in pool on h, knowing the
// registrars regs (static -registrar= entries), and waits for its
// registration.
func startElement(t *testing.T, h *host, pool string, regs []*regProc) *element {
	t.Helper()
	args := []string{"-echo", "-poolhandle=" + pool, "-reregistration=2000", "-asapannounce=off"}
	for _, r := range regs {
		args = append(args, "-registrar="+r.asap().String())
	}
	e := &element{pool: pool, host: h}
	var env []string
	if pool == listeningPool {
		env = append(env, "NETCOMPAT_ASAP_LISTEN="+netip.AddrPortFrom(h.addr, 0).String())
	}
	e.proc = startProc(t, h, "rsp_server "+pool+" on "+h.name, false, env, filepath.Join(buildDir, "rsp_server"), args...)
	waitFor(t, e.name+" registered", waitLimit, func() string {
		if !e.running() {
			t.Fatalf("%s exited: %v\n%s%s", e.name, e.err, e.stdout.String(), e.stderr.String())
		}
		m := registeredLine.FindStringSubmatch(e.stdout.String())
		if m == nil {
			return "no registration line"
		}
		id, err := strconv.ParseUint(m[1], 10, 32)
		if err != nil || m[2] != pool {
			t.Fatalf("%s: %q", e.name, m[0])
		}
		e.id = uint32(id)
		return ""
	})
	e.name = fmt.Sprintf("rsp_server %s/%d on %s", pool, e.id, h.name)
	return e
}

var bulkLine = regexp.MustCompile(`(?m)^registered (\d+)$`)

// startBulk runs the bulk helper on h: n elements of the Go ASAP client
// in pool, one process, one association; it returns an element per
// registration (all sharing the process).
func startBulk(t *testing.T, h *host, pool string, n int, regs []*regProc) []*element {
	t.Helper()
	return startBulkAsync(t, h, pool, n, 0, regs)()
}

// startBulkAsync starts the bulk helper, registering one element every
// pace, and returns a function that waits for its registrations.
func startBulkAsync(t *testing.T, h *host, pool string, n int, pace time.Duration, regs []*regProc) func() []*element {
	t.Helper()
	var list []string
	for _, r := range regs {
		list = append(list, r.asap().String())
	}
	p := startProc(t, h, fmt.Sprintf("bulk %s x%d on %s", pool, n, h.name), false,
		[]string{helperEnv + "=bulk", "ENRP_REGISTRARS=" + strings.Join(list, ","), "ENRP_POOL=" + pool,
			"ENRP_ADDR=" + h.addr.String(), fmt.Sprint("ENRP_COUNT=", n), "ENRP_PACE=" + pace.String(), "NETCOMPAT_LOG=stderr"},
		os.Args[0])
	return func() []*element {
		t.Helper()
		return waitBulk(t, p, h, pool, n)
	}
}

func waitBulk(t *testing.T, p *proc, h *host, pool string, n int) []*element {
	t.Helper()
	waitFor(t, p.name+" registered", waitLimit, func() string {
		if !p.running() {
			t.Fatalf("%s exited: %v\n%s", p.name, p.err, p.stderr.String())
		}
		if !strings.Contains(p.stdout.String(), "\nready\n") && !strings.HasPrefix(p.stdout.String(), "ready\n") {
			return "not ready"
		}
		return ""
	})
	var out []*element
	for _, m := range bulkLine.FindAllStringSubmatch(p.stdout.String(), -1) {
		id, _ := strconv.ParseUint(m[1], 10, 32)
		out = append(out, &element{proc: p, pool: pool, id: uint32(id), host: h})
	}
	if len(out) != n {
		t.Fatalf("%s: %d registrations, want %d", p.name, len(out), n)
	}
	return out
}

// Pool users.

// resolved is what the resolving helper prints: one pool element.
type resolved struct {
	ID    uint32   `json:"id"`
	Home  uint32   `json:"home"`
	Addrs []string `json:"addrs"`
}

// runHelper runs this binary as a helper process ($ENRP_TEST_HELPER):
// "resolve" (resolveHelper) or "bulk" (bulkHelper).
func runHelper() int {
	switch os.Getenv(helperEnv) {
	case "resolve":
		return resolveHelper()
	case "bulk":
		return bulkHelper()
	}
	fmt.Fprintln(os.Stderr, "unknown helper", os.Getenv(helperEnv))
	return 2
}

// bulkHelper is a pool element process of the Go ASAP client: it
// registers $ENRP_COUNT elements in $ENRP_POOL (user transport TCP
// $ENRP_ADDR, ports 7000 and up; nothing serves them) with the
// registrars $ENRP_REGISTRARS (comma-separated, each one registrar),
// re-registering every 2 s, one registration every $ENRP_PACE (a Go
// duration; default at once), and listens for registrars taking its
// elements over on $ENRP_ADDR. It prints "registered ID" per element,
// then "ready", and runs until killed.
func bulkHelper() int {
	var regs [][]netip.AddrPort
	for _, s := range strings.Split(os.Getenv("ENRP_REGISTRARS"), ",") {
		ap, err := netip.ParseAddrPort(s)
		if err != nil {
			fmt.Fprintln(os.Stderr, "ENRP_REGISTRARS:", err)
			return 2
		}
		regs = append(regs, []netip.AddrPort{ap})
	}
	addr, err := netip.ParseAddr(os.Getenv("ENRP_ADDR"))
	n, nerr := strconv.Atoi(os.Getenv("ENRP_COUNT"))
	if err != nil || nerr != nil {
		fmt.Fprintln(os.Stderr, "ENRP_ADDR, ENRP_COUNT:", err, nerr)
		return 2
	}
	c, err := asap.New(asap.Config{
		Registrars: regs, DisableAnnounce: true, ReregInterval: 2 * time.Second,
		ASAPListen: []netip.AddrPort{netip.AddrPortFrom(addr, 0)},
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	pool := []byte(os.Getenv("ENRP_POOL"))
	pace, _ := time.ParseDuration(os.Getenv("ENRP_PACE")) // between registrations
	for i := range n {
		if i > 0 && pace > 0 {
			time.Sleep(pace) // spreading the registrations out in time, on purpose
		}
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		id, err := c.Register(ctx, pool, asap.Element{
			User: wire.Transport{Kind: wire.ParamTCPTransport, Port: uint16(7000 + i), Addrs: []netip.Addr{addr}},
		})
		cancel()
		if err != nil {
			fmt.Fprintln(os.Stderr, "register:", err)
			return 1
		}
		fmt.Printf("registered %d\n", id)
	}
	fmt.Println("ready")
	select {} // until killed
}

// resolveHelper is the pool user helper process: it resolves $ENRP_POOL
// through the one registrar $ENRP_REGISTRAR (Go ASAP client, no
// announces, no cache), asking for every element, and prints them.
// Without $ENRP_REGISTRAR it finds a registrar by the ASAP Server
// Announces multicast on eth0.
func resolveHelper() int {
	cfg := asap.Config{StaleCacheValue: -1}
	if s := os.Getenv("ENRP_REGISTRAR"); s != "" {
		reg, err := netip.ParseAddrPort(s)
		if err != nil {
			fmt.Fprintln(os.Stderr, "ENRP_REGISTRAR:", err)
			return 2
		}
		cfg.Registrars, cfg.DisableAnnounce = [][]netip.AddrPort{{reg}}, true
	} else {
		// No static registrar: the ASAP Server Announces heard on
		// the LAN interface name them.
		cfg.AnnounceInterface = lanIf
	}
	c, err := asap.New(cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	pes, _, err := c.ResolveStale(ctx, []byte(os.Getenv("ENRP_POOL")), 128, 0)
	if err != nil && !errors.Is(err, asap.ErrUnknownPoolHandle) {
		fmt.Fprintln(os.Stderr, "resolve:", err)
		return 1
	}
	out := []resolved{}
	for _, pe := range pes {
		r := resolved{ID: pe.ID, Home: pe.HomeServer}
		for _, a := range pe.User.Addrs {
			r.Addrs = append(r.Addrs, netip.AddrPortFrom(a, pe.User.Port).String())
		}
		out = append(out, r)
	}
	b, _ := json.Marshal(out)
	fmt.Println(string(b))
	return 0
}

// resolve runs the helper on the pool user host and returns the IDs of
// the elements reg knows in pool, sorted. With reg nil the helper finds a
// registrar by its ASAP Server Announces.
func resolve(t *testing.T, pu *host, reg *regProc, pool string) []uint32 {
	t.Helper()
	regName, regAddr := "announces", ""
	if reg != nil {
		regName, regAddr = reg.name, reg.asap().String()
	}
	p := startProc(t, pu, "resolve "+pool+" via "+regName, false,
		[]string{helperEnv + "=resolve", "ENRP_REGISTRAR=" + regAddr, "ENRP_POOL=" + pool, "NETCOMPAT_LOG=stderr"},
		os.Args[0])
	select {
	case <-p.exited:
	case <-time.After(waitLimit):
		t.Fatalf("resolving %s through %s: no answer", pool, regName)
	}
	if p.err != nil {
		t.Fatalf("resolving %s through %s: %v\n%s", pool, regName, p.err, p.stderr.String())
	}
	var rs []resolved
	if err := json.Unmarshal(bytes.TrimSpace([]byte(p.stdout.String())), &rs); err != nil {
		t.Fatalf("resolving %s through %s: %v: %q", pool, regName, err, p.stdout.String())
	}
	ids := make([]uint32, 0, len(rs))
	for _, r := range rs {
		for _, a := range r.Addrs {
			if ap, err := netip.ParseAddrPort(a); err != nil || !ap.Addr().Is4() || ap.Addr().As4()[0] != 10 {
				t.Errorf("resolving %s through %s: element %d has address %s, want only LAN addresses", pool, regName, r.ID, a)
			}
		}
		ids = append(ids, r.ID)
	}
	slices.Sort(ids)
	return ids
}

// terminal is an rsp_terminal on the pool user host.
type terminal struct {
	*proc
	t *testing.T
}

// startTerminal runs rsp_terminal on the pool user host against pool,
// knowing only registrar reg.
func startTerminal(t *testing.T, pu *host, reg *regProc, pool string) *terminal {
	t.Helper()
	p := startProc(t, pu, "rsp_terminal "+pool+" via "+reg.name, true, nil, filepath.Join(buildDir, "rsp_terminal"),
		"-poolhandle="+pool, "-registrar="+reg.asap().String(), "-asapannounce=off")
	return &terminal{proc: p, t: t}
}

// say sends line (newline-terminated) and waits for the echo element's
// answer.
func (p *terminal) say(line string) {
	t := p.t
	t.Helper()
	if _, err := io.WriteString(p.stdin, line); err != nil {
		t.Fatalf("%s: %v", p.name, err)
	}
	waitFor(t, p.name+" echo", waitLimit, func() string {
		if strings.Contains(p.stdout.String(), line) {
			return ""
		}
		if !p.running() {
			t.Fatalf("%s exited: %v\n%s", p.name, p.err, p.stderr.String())
		}
		return fmt.Sprintf("no echo of %q", line)
	})
}

// finish closes the terminal's input and waits for its clean exit.
func (p *terminal) finish() {
	t := p.t
	t.Helper()
	p.stdin.Close()
	select {
	case <-p.exited:
	case <-time.After(waitLimit):
		t.Fatalf("%s did not exit at end of input", p.name)
	}
	if p.err != nil {
		t.Fatalf("%s: %v\n%s", p.name, p.err, p.stderr.String())
	}
}

// exchange runs rsp_terminal on the pool user host against pool, knowing
// only registrar reg, and checks that each of a few lines comes back from
// the echo element serving it: proof that reg resolved the pool to a
// reachable element.
func exchange(t *testing.T, pu *host, reg *regProc, pool string) {
	t.Helper()
	p := startTerminal(t, pu, reg, pool)
	for i := 1; i <= 3; i++ {
		p.say(fmt.Sprintf("hello %s via %s #%d\n", pool, reg.name, i))
	}
	p.finish()
}
