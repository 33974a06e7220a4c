// Command rspbench is the load generator, the baseline server and the
// report writer of bench/rserpool.sh, the registrar benchmark. It starts
// no processes itself: the driver starts the server under test, either
// cmd/rspregistrar or `rspbench -echo`, runs one measurement against it
// with `rspbench -test=...`, which prints one line of key=value results,
// and finally turns the collected lines into a table and a JSON file with
// `rspbench -report=...`.
//
// Every client association is a TCP association with bare framing (PPID
// 11, one ASAP message per write; package netcompat/core/transport), and
// every user is strictly request/response: it sends one request and waits
// for its answer before it sends the next. Endpoint Keep-Alives that
// arrive meanwhile are answered with an Ack.
//
// # Modes
//
//	rspbench -echo [-listen=127.0.0.1:0] [-portfile=PATH] [-items=3]
//
// The baseline: a minimal Go TCP server speaking the same framing. Per
// connection one goroutine reads the 4-byte header, reads the rest of the
// message and writes a reply of exactly the size the registrar would
// send: a pre-encoded Registration Response for a Registration, a
// pre-encoded Handle Resolution Response with -items pool elements of the
// pool's policy for a Handle Resolution (the pool handles below tell the
// policy), nothing for anything else. It does no other work, so it is the
// ceiling of a request/response server on this machine. It runs until
// SIGTERM or SIGINT.
//
//	rspbench -test=hr  -target=ADDR [-users=8] [-duration=2s] [-warmup=300ms] [-items=3] [-poolsize=10] [-pid=PID]
//	rspbench -test=reg -target=ADDR [-users=8] [-duration=2s] [-warmup=300ms] [-pid=PID]
//
// Rates. hr: one pool element association registers -poolsize elements
// (round robin) in pool rspbench.hrs, then -users pool user associations
// send Handle Resolutions for it (Handle Resolution Option items=-items)
// as fast as the answers come. reg: -users pool element associations
// register new PE identifiers (one TCP user transport, 127.0.0.1, round
// robin) in pool rspbench.reg, each Registration answered by a
// Registration Response. Both run -warmup, then count the answers in
// -duration: rate is answers per second. With -pid the server's CPU time
// (/proc/PID/stat) over the counted interval is reported per answer.
//
//	rspbench -test=big -target=ADDR -pid=PID [-n=100000] [-fillusers=8] [-policy=rr|lu] [-lat=20000] [-latwarmup=1000] [-items=3]
//
// Size. -fillusers associations register -n elements in one pool
// (rspbench.brr, round robin, or rspbench.blu, least used with spread
// loads); the server's VmRSS (/proc/PID/status) is read before (the
// associations already open and answered once) and after; then one more
// association resolves the pool -lat times, strictly one after another,
// after -latwarmup unrecorded ones, and reports the latency percentiles;
// VmRSS is read once more at the end (the resolutions' garbage grows the
// Go heap towards its collection goal). -n=0 skips the registrations (the
// latency of the echo baseline). A registration the server refuses (for
// instance over its -maxelements) ends the test with the cause.
//
// Placement (CPU pinning) is the driver's business (taskset).
//
//	rspbench -report=RAW -json=OUT [-meta=key=value;...]
//
// Reads the result lines the driver collected (each prefixed with
// rep=N impl=NAME) and prints the table of medians, registrar against the
// echo baseline, and writes OUT (format: report.go).
package main

import (
	"flag"
	"fmt"
	"net/netip"
	"os"
	"time"

	"netcompat/bench/internal/benchreport"
)

// Pool handles: all 12 bytes, so that every request and answer has the
// same size whichever pool it names; the echo baseline picks its Handle
// Resolution answer by them.
const (
	poolHR      = "rspbench.hrs" // rate of handle resolutions, round robin
	poolReg     = "rspbench.reg" // rate of registrations, round robin
	poolBigRR   = "rspbench.brr" // 100,000 elements, round robin
	poolBigLU   = "rspbench.blu" // 100,000 elements, least used
	poolHandLen = 12
)

type options struct {
	echo     bool
	listen   string
	portFile string

	test      string
	target    string
	users     int
	duration  time.Duration
	warmup    time.Duration
	items     int
	poolSize  int
	pid       int
	n         int
	fillUsers int
	policy    string
	lat       int
	latWarmup int

	report benchreport.Flags // -report, -json, -meta
}

func main() {
	var o options
	flag.BoolVar(&o.echo, "echo", false, "serve as the echo baseline")
	flag.StringVar(&o.listen, "listen", "127.0.0.1:0", "echo: address to listen on")
	flag.StringVar(&o.portFile, "portfile", "", "echo: write the port there once listening")
	flag.StringVar(&o.test, "test", "", "measurement: hr, reg or big")
	flag.StringVar(&o.target, "target", "", "server address:port")
	flag.IntVar(&o.users, "users", 8, "hr, reg: parallel associations")
	flag.DurationVar(&o.duration, "duration", 2*time.Second, "hr, reg: counted interval")
	flag.DurationVar(&o.warmup, "warmup", 300*time.Millisecond, "hr, reg: uncounted start")
	flag.IntVar(&o.items, "items", 3, "pool elements asked per handle resolution (echo: returned)")
	flag.IntVar(&o.poolSize, "poolsize", 10, "hr: pool elements in the resolved pool")
	flag.IntVar(&o.pid, "pid", 0, "server process ID: CPU time and VmRSS from /proc")
	flag.IntVar(&o.n, "n", 100000, "big: pool elements to register")
	flag.IntVar(&o.fillUsers, "fillusers", 8, "big: associations that register them")
	flag.StringVar(&o.policy, "policy", "rr", "big: pool policy, rr (round robin) or lu (least used)")
	flag.IntVar(&o.lat, "lat", 20000, "big: recorded handle resolutions")
	flag.IntVar(&o.latWarmup, "latwarmup", 1000, "big: unrecorded handle resolutions first")
	o.report.Register()
	flag.Parse()
	if flag.NArg() > 0 {
		fail(fmt.Errorf("unexpected argument %q", flag.Arg(0)))
	}

	var err error
	switch {
	case o.echo:
		err = serveEcho(o.listen, o.portFile, o.items)
	case o.report.Raw != "":
		err = writeReport(o.report.Raw, o.report.JSON, o.report.Meta)
	case o.test != "":
		err = runTest(&o)
	default:
		flag.Usage()
		os.Exit(2)
	}
	if err != nil {
		fail(err)
	}
}

func runTest(o *options) error {
	target, err := netip.ParseAddrPort(o.target)
	if err != nil {
		return fmt.Errorf("-target: %w", err)
	}
	if o.items < 1 || o.users < 1 || o.fillUsers < 1 {
		return fmt.Errorf("-items, -users and -fillusers must be at least 1")
	}
	var line string
	switch o.test {
	case "hr", "reg":
		line, err = rateTest(o, target)
	case "big":
		line, err = bigTest(o, target)
	default:
		return fmt.Errorf("unknown -test=%s (hr, reg or big)", o.test)
	}
	if err != nil {
		return err
	}
	fmt.Println(line)
	return nil
}

func fail(err error) {
	fmt.Fprintf(os.Stderr, "rspbench: %v\n", err)
	os.Exit(1)
}
