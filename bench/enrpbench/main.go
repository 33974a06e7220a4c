// Command enrpbench is the load generator, the measurement and the report
// writer of bench/enrp.sh, the benchmark of registrar pools: ENRP (RFC
// 5353) between cmd/rspregistrar processes over the TCP mapping on
// 127.0.0.1 (NETCOMPAT_SCTP=tcp). Unlike bench/rspbench it starts the
// registrars itself, since the sync measurement starts one at a moment
// only the load generator knows; each registrar is a child process that
// dies with enrpbench (SIGTERM or SIGINT to enrpbench stops them; a
// parent-death signal covers a SIGKILL), logs at info level into
// -workdir, and dumps its handlespace there on SIGUSR1 (-dumpfile).
// Every run prints one line of key=value results.
//
// Registrars: A (server ID 0x0a0a0a0a), B (0x0b0b0b0b), C (0x0c0c0c0c),
// each with -asap=127.0.0.1:0 -asapannounce=off -enrp=127.0.0.1:0
// -enrpannounce=off -minaddressscope=loopback -loglevel=info; B names A
// as its static peer (-peer=), C names A and B; the peers find the rest
// of the mesh by Presence and List Request. Pool element associations are
// TCP associations with bare framing (PPID 11, package
// netcompat/core/transport); Endpoint Keep-Alives are always answered.
//
//	enrpbench -test=sync -registrar=PATH -workdir=DIR [-n=30000] [-pools=10] [-fillusers=8] [-pagesizes=128,1024]
//
// Sync time. Starts A with -keepalivetransmissioninterval=300000 (the
// maximum: keep-alives do not interfere) and -maxelements=-1, registers
// -n pool elements over -fillusers associations spread over -pools pools,
// then for each page size in turn starts B (-peer=A
// -maxelementsperhtrequest=SIZE) and measures the time from just before
// B's process is started until B logs "ENRP startup complete" with
// "handle table received from mentor" (its mentor's last Handle Table
// Response page applied; B's standard error is read through a pipe, so
// the line is seen as it is written). B's element count in that log line
// and in a SIGUSR1 dump must both be -n, else the run fails. B is then
// stopped before the next page size. Also reported: the part before B
// listens (process start up to its "ENRP started" line).
//
//	enrpbench -test=lat -registrar=PATH -workdir=DIR [-n=2000] [-warmup=100] [-rate=200]
//
// Handle Update propagation. Starts A, B and C (full mesh, keep-alive
// interval at its maximum), waits until each has the two others as live
// peers and has left its startup phase, then registers -warmup
// unrecorded and -n recorded pool elements at A, one after another at
// most -rate per second, each in a pool of its own. For each element two
// pool user associations, one to B, one to C, send Handle Resolutions for
// its pool in a tight loop (each waits for its answer), from the moment
// A's Registration Response arrives (-pollafter=false: from just before
// the Registration is sent, the pollers then compete with A for the
// CPUs), until the answer holds the element; the latency is from just
// before the Registration was sent to A to the arrival of that answer
// (A's handling of the registration, the Handle Update over ENRP, and at
// least one resolution round trip). Reported: p50, p90, p99 and max for
// B and C together, the Registration round trip at A, and the share of
// samples resolved by the first resolution (for those, the measurement's
// own round trips bound the latency, not ENRP).
//
//	enrpbench -test=cpu -registrar=PATH -workdir=DIR [-n=10000] [-seconds=20] [-cpuwarmup=6s] [-reregister=10s] [-life=30000] [-fillusers=8] [-peers=2]
//
// Registrar CPU under the default re-registration load. Starts A and
// -peers peers (B, C; 0 runs A alone: the same load without ENRP) with
// the default keep-alive interval (5 s), registers -n pool elements
// (registration life -life ms) in 10 pools at A over -fillusers
// associations, then re-registers each element every -reregister, spread
// evenly (n/10 s = 1,000 re-registrations per second for 10,000
// elements), answering every keep-alive. After -cpuwarmup it reads each
// registrar's utime+stime (/proc/PID/stat, 10 ms ticks) over -seconds;
// reported per registrar as CPU seconds per second, and per 1,000 pool
// elements. Registration Responses that reject, or fewer re-registrations
// answered than sent, fail the run.
//
//	enrpbench -report=RAW -json=OUT [-meta=key=value;...]
//
// Reads the result lines the driver collected (each prefixed with rep=N)
// and prints the table of medians and writes OUT (format: report.go).
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"netcompat/bench/internal/benchreport"
)

type options struct {
	test      string
	registrar string
	workdir   string
	n         int
	pools     int
	fillUsers int
	pageSizes string
	warmup    int
	rate      float64
	pollAfter bool
	seconds   float64
	cpuWarmup time.Duration
	rereg     time.Duration
	life      int
	peers     int
	timeout   time.Duration

	report benchreport.Flags // -report, -json, -meta
}

func main() {
	var o options
	flag.StringVar(&o.test, "test", "", "measurement: sync, lat or cpu")
	flag.StringVar(&o.registrar, "registrar", "", "path of the rspregistrar binary")
	flag.StringVar(&o.workdir, "workdir", "", "directory for the registrars' port, log and dump files")
	flag.IntVar(&o.n, "n", 0, "pool elements (default: sync 30000, lat 2000, cpu 10000)")
	flag.IntVar(&o.pools, "pools", 10, "sync: pools the elements are spread over")
	flag.IntVar(&o.fillUsers, "fillusers", 8, "sync, cpu: pool element associations")
	flag.StringVar(&o.pageSizes, "pagesizes", "128,1024", "sync: -maxelementsperhtrequest values, one B each")
	flag.IntVar(&o.warmup, "warmup", 100, "lat: unrecorded elements first")
	flag.Float64Var(&o.rate, "rate", 200, "lat: new elements per second at most")
	flag.BoolVar(&o.pollAfter, "pollafter", true, "lat: start resolving at B and C once A has answered the registration")
	flag.Float64Var(&o.seconds, "seconds", 20, "cpu: measured seconds")
	flag.DurationVar(&o.cpuWarmup, "cpuwarmup", 6*time.Second, "cpu: re-registration before measuring")
	flag.DurationVar(&o.rereg, "reregister", 10*time.Second, "cpu: re-registration interval of each element")
	flag.IntVar(&o.life, "life", 30000, "cpu: registration life, ms")
	flag.IntVar(&o.peers, "peers", 2, "cpu: peers of A (0, 1 or 2)")
	flag.DurationVar(&o.timeout, "timeout", 120*time.Second, "give up on a run after this long")
	o.report.Register()
	flag.Parse()
	if flag.NArg() > 0 {
		fail(fmt.Errorf("unexpected argument %q", flag.Arg(0)))
	}
	if o.report.Raw != "" {
		if err := writeReport(o.report.Raw, o.report.JSON, o.report.Meta); err != nil {
			fail(err)
		}
		return
	}
	if o.test == "" || o.registrar == "" || o.workdir == "" {
		flag.Usage()
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	ctx, cancel := context.WithTimeout(ctx, o.timeout)
	procs := &procSet{dir: o.workdir, bin: o.registrar}
	line, err := runTest(ctx, &o, procs)
	procs.stopAll()
	cancel()
	stop()
	if err != nil {
		fail(err)
	}
	fmt.Println(line)
}

func runTest(ctx context.Context, o *options, procs *procSet) (string, error) {
	def := func(v int) {
		if o.n <= 0 {
			o.n = v
		}
	}
	switch o.test {
	case "sync":
		def(30000)
		var sizes []int
		for _, s := range strings.Split(o.pageSizes, ",") {
			v, err := strconv.Atoi(strings.TrimSpace(s))
			if err != nil || v < 1 {
				return "", fmt.Errorf("-pagesizes: bad size %q", s)
			}
			sizes = append(sizes, v)
		}
		return syncTest(ctx, o, procs, sizes)
	case "lat":
		def(2000)
		return latTest(ctx, o, procs)
	case "cpu":
		def(10000)
		return cpuTest(ctx, o, procs)
	}
	return "", fmt.Errorf("unknown -test=%s (sync, lat or cpu)", o.test)
}

func fail(err error) {
	fmt.Fprintf(os.Stderr, "enrpbench: %v\n", err)
	os.Exit(1)
}
