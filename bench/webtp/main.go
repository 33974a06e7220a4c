// Command webtpbench is the benchmark program of bench/webtp.sh: it runs
// netcompat's WebTP (netcompat/core/webtp) side by side, in one process
// and one run, with Go's kernel TCP (4-byte length framing over one
// connection) and quic-go (streams; DATAGRAM frames for small unreliable
// ADUs), following the plan of webtp.md §7 scaled down to a few minutes.
//
//	webtpbench -out webtp.json [-raw webtp-raw.txt] [-reps 3] [-only w1,w2,w3,w4]
//
// Profiles: L0 is the loopback of the program's namespace, unshaped; L1
// is an impair.Path (two network namespaces joined by TUN devices, the
// impairment router in this process): 100 Mbit/s with 14 bytes of
// framing per packet counted, 1 ms one way each direction, a drop-tail
// queue of 1 BDP (64 KB floor), loss on the data direction (client to
// server) only. Both ends of every connection live in this process:
// payloads carry their send time and the receiver subtracts it on the
// same clock (one-way latency); CPU is getrusage of the whole process
// (both ends, and at L1 the router too), GOMAXPROCS as it is.
//
// Workloads, every repetition running the stacks one after another
// (interleaved), medians over the repetitions:
//
//	W1  bulk goodput and CPU seconds per GB: one connection, reliable
//	    64 KiB ADUs (TCP frames; one quic-go stream), L0 and L1 at 0 %.
//	W2  one-way ADU latency p50/p99/p99.9 at L1 with 0, 1 and 5 % loss:
//	    100 ADU/s x 1 KiB and 10 ADU/s x 16 KiB, all variants at once
//	    (together under 10 Mbit/s of a 100 Mbit/s path): WebTP reliable
//	    and unreliable (four connections, one pipe), TCP (a connection per
//	    size), quic-go stream per ADU (a connection per size) and DATAGRAM
//	    frames for 1 KiB (a connection of its own); delivery ratio of the
//	    unreliable ones. The sources' schedules are spread over the 10-ms
//	    period so that their bursts do not meet in the router queue (the
//	    raw file logs the router's loss and queue drops of every run).
//	W3  (a) Jain's index over 1-s bins of 4 bulk connections through L1
//	    (WebTP: one pipe; TCP and quic-go: 4 connections); (b) the
//	    aggregate of those 4 against one TCP bulk flow through the same
//	    bottleneck.
//	W4  urgent 1 KiB ADUs at 100/s alone and beside a bulk connection of
//	    the same pipe (L1, 0 %); quic-go: DATAGRAM frames beside a bulk
//	    stream of the same connection; TCP: a second connection.
//
// A stack that fails (WebTP not built or not working yet) gets null
// values and an "error" in its rows; the program still writes every row.
// It exits non-zero only when a TCP or quic-go run fails, which means the
// harness itself is broken.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"maps"
	"math"
	"os"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"time"
)

var (
	outFile    = flag.String("out", "webtp.json", "JSON result file")
	rawFile    = flag.String("raw", "", "file for one line per run (optional)")
	reps       = flag.Int("reps", 3, "repetitions of every measurement")
	only       = flag.String("only", "w1,w2,w3,w4", "workloads to run")
	bulkDur    = flag.Duration("bulk", 3*time.Second, "W1 measurement window")
	latDur     = flag.Duration("lat", 6*time.Second, "W2 sending time per run")
	urgDur     = flag.Duration("urgent", 4*time.Second, "W4 sending time per run")
	fairDur    = flag.Duration("fair", 5*time.Second, "W3 measurement window (1-s bins)")
	stackList  = flag.String("stacks", "webtp,tcp,quic-go", "stacks to run (for trying things out; rows of the others stay null)")
)

var stacks = []string{"webtp", "tcp", "quic-go"}

// results: per key (workload/profile/variant/stack/metric), one value per
// repetition; errs: the first error per workload and stack.
var (
	results = map[string][]float64{}
	errs    = map[string]string{}
	raw     *bufio.Writer
	harness []string // failures of TCP or quic-go runs
)

func record(key string, v float64) { results[key] = append(results[key], v) }

func fail(workload, stack string, err error) {
	k := workload + "/" + stack
	if _, ok := errs[k]; !ok {
		errs[k] = err.Error()
	}
	logf("%s %s: error: %v", workload, stack, err)
	if stack != "webtp" {
		harness = append(harness, k+": "+err.Error())
	}
}

func logf(format string, a ...any) {
	line := fmt.Sprintf(format, a...)
	fmt.Fprintln(os.Stderr, "  "+line)
	if raw != nil {
		raw.WriteString(line + "\n")
	}
}

func has(stack string) bool { return slices.Contains(stacks, stack) }

func want(w string) bool { return strings.Contains(","+*only+",", ","+w+",") }

func main() {
	flag.Parse()
	stacks = strings.Split(*stackList, ",")
	if *rawFile != "" {
		f, err := os.Create(*rawFile)
		if err != nil {
			fmt.Fprintln(os.Stderr, "webtpbench:", err)
			os.Exit(2)
		}
		raw = bufio.NewWriter(f)
		defer func() { raw.Flush(); f.Close() }()
	}
	start := time.Now()
	pressure0 := cpuPressure()
	startStallMonitor()

	l0 := loopback()
	var l1 *env
	var l1Err error
	if want("w1") || want("w2") || want("w3") || want("w4") {
		l1, l1Err = impaired()
		if l1Err != nil {
			logf("L1: %v (impaired rows get null values)", l1Err)
		} else {
			defer l1.close()
		}
	}
	if want("w1") {
		w1(l0)
		if l1 != nil {
			w1(l1)
		}
	}
	if l1 != nil {
		if want("w2") {
			w2(l1)
		}
		if want("w3") {
			l1.setLoss(0)
			w3(l1)
		}
		if want("w4") {
			l1.setLoss(0)
			w4(l1)
		}
	}
	rows := buildRows(l1Err)
	printTable(rows)
	fmt.Printf("largest scheduling stall of the process per workload (ms; the machine is shared): %s\n", fmtStalls())
	var router any
	if l1 != nil {
		f, r := l1.path.Forward.Stats(), l1.path.Reverse.Stats()
		router = map[string]any{"forward_packets": f.Packets, "forward_dropped": f.Dropped, "forward_queue_drops": f.QueueDrops,
			"reverse_packets": r.Packets, "reverse_queue_drops": r.QueueDrops}
	}
	if err := writeJSON(*outFile, rows, time.Since(start), pressure0, cpuPressure(), router); err != nil {
		fmt.Fprintln(os.Stderr, "webtpbench:", err)
		os.Exit(2)
	}
	if len(harness) > 0 {
		fmt.Fprintf(os.Stderr, "webtpbench: %d baseline run(s) failed, a harness problem: %s\n", len(harness), strings.Join(harness, "; "))
		os.Exit(1)
	}
}

// openBulk opens n bulk flows of a stack.
func openBulk(stack string, e *env, n int) (*group, error) {
	switch stack {
	case "webtp":
		return webtpOpen(e, n)
	case "tcp":
		return tcpOpen(e, n)
	default:
		pairs, g, err := quicOpen(e, n)
		if err != nil {
			return nil, err
		}
		for _, p := range pairs {
			g.flows = append(g.flows, p.streamFlow())
		}
		return g, nil
	}
}

func w1(e *env) {
	fmt.Fprintf(os.Stderr, "webtp: W1 bulk, %s, %d x %v per stack\n", e.name, *reps, *bulkDur)
	warm := 500 * time.Millisecond
	if e.path != nil {
		warm = time.Second
	}
	for rep := range *reps {
		for _, st := range stacks {
			g, err := openBulk(st, e, 1)
			if err != nil {
				fail("w1/"+e.name, st, err)
				continue
			}
			takeStall()
			out, err := runBulk(g.flows, warm, *bulkDur, *bulkDur)
			stall := noteStall("w1/" + e.name)
			g.close()
			if err != nil {
				fail("w1/"+e.name, st, err)
				continue
			}
			record("w1/"+e.name+"/"+st+"/goodput", out.goodputMbps())
			record("w1/"+e.name+"/"+st+"/cpu", out.cpuPerGB())
			logf("w1 %s rep=%d %s goodput_mbps=%.1f cpu_s_per_gb=%.2f stall_max_ms=%.1f", e.name, rep+1, st, out.goodputMbps(), out.cpuPerGB(), stall)
		}
	}
}

var losses = []float64{0, 0.01, 0.05}

func lossName(p float64) string { return fmt.Sprintf("loss%g", p*100) }

// w2 variants: name, stack, size, rate, unreliable
type w2v struct {
	name, stack string
	size        int
	rate        float64
	unrel       bool
}

var w2vars = []w2v{
	{"1KiB/reliable", "webtp", 1024, 100, false},
	{"1KiB/unreliable", "webtp", 1024, 100, true},
	{"16KiB/reliable", "webtp", 16384, 10, false},
	{"16KiB/unreliable", "webtp", 16384, 10, true},
	{"1KiB/reliable", "tcp", 1024, 100, false},
	{"16KiB/reliable", "tcp", 16384, 10, false},
	{"1KiB/reliable", "quic-go", 1024, 100, false},  // stream per ADU
	{"16KiB/reliable", "quic-go", 16384, 10, false}, // stream per ADU
	{"1KiB/unreliable", "quic-go", 1024, 100, true}, // DATAGRAM
}

func w2(e *env) {
	fmt.Fprintf(os.Stderr, "webtp: W2 ADU latency, L1 at 0/1/5 %% loss, %d x %v, all variants at once\n", *reps, *latDur)
	for _, loss := range losses {
		for rep := range *reps {
			if err := e.setLoss(loss); err != nil {
				fail("w2", "tcp", err)
				return
			}
			wk := "w2/" + lossName(loss)
			var specs []latSpec
			var vars []w2v
			var groups []*group
			add := func(v w2v, f *flow) {
				fl := byte(fReliable)
				if v.unrel {
					fl = 0
				}
				specs = append(specs, latSpec{name: v.stack + " " + v.name, f: f, size: v.size, rate: v.rate, flags: fl})
				vars = append(vars, v)
			}
			if !has("webtp") {
			} else if g, err := webtpOpen(e, 4); err != nil {
				fail(wk, "webtp", err)
			} else {
				groups = append(groups, g)
				for i := range 4 {
					add(w2vars[i], g.flows[i])
				}
			}
			if !has("tcp") {
			} else if g, err := tcpOpen(e, 2); err != nil {
				fail(wk, "tcp", err)
			} else {
				groups = append(groups, g)
				add(w2vars[4], g.flows[0])
				add(w2vars[5], g.flows[1])
			}
			if !has("quic-go") {
			} else if pairs, g, err := quicOpen(e, 3); err != nil {
				fail(wk, "quic-go", err)
			} else {
				groups = append(groups, g)
				add(w2vars[6], pairs[0].aduFlow())
				add(w2vars[7], pairs[1].aduFlow())
				add(w2vars[8], pairs[2].dgramFlow())
			}
			// phases spread over the 10-ms period of the 100 ADU/s sources
			for i := range specs {
				specs[i].offset = time.Duration(i) * 10 * time.Millisecond / time.Duration(len(specs))
			}
			s0 := e.path.Forward.Stats()
			takeStall()
			outs, _, _ := runLatency(specs, nil, *latDur, 2*time.Second)
			stall := noteStall(wk)
			s1 := e.path.Forward.Stats()
			logf("w2 %s rep=%d router forward: packets=%d loss_drops=%d queue_drops=%d; stall_max_ms=%.1f", lossName(loss), rep+1,
				s1.Packets-s0.Packets, s1.Dropped-s0.Dropped, s1.QueueDrops-s0.QueueDrops, stall)
			for _, g := range groups {
				g.close()
			}
			for i, o := range outs {
				v := vars[i]
				if o.err != nil {
					fail(wk, v.stack, o.err)
					continue
				}
				k := wk + "/" + v.name + "/" + v.stack
				p50, p99, p999 := percentileMs(o.lat, 50), percentileMs(o.lat, 99), percentileMs(o.lat, 99.9)
				record(k+"/p50", p50)
				record(k+"/p99", p99)
				record(k+"/p999", p999)
				record(k+"/delivery", o.ratio())
				logf("w2 %s rep=%d %s %s sent=%d got=%d lost_notices=%d missing=%d dup=%d p50_ms=%.3f p99_ms=%.3f p99.9_ms=%.3f",
					lossName(loss), rep+1, v.stack, v.name, o.sent, o.got, o.lost, o.missing, o.dup, p50, p99, p999)
				if !v.unrel && o.missing > 0 {
					logf("w2 %s rep=%d %s %s: %d reliable ADUs not delivered within the drain time", lossName(loss), rep+1, v.stack, v.name, o.missing)
				}
				if o.dup > 0 {
					record(k+"/dup", float64(o.dup))
				}
			}
		}
	}
	e.setLoss(0)
}

func w3(e *env) {
	fmt.Fprintf(os.Stderr, "webtp: W3 fairness, L1 0 %%, 4 bulk connections (%d x %v) and 4 against 1 TCP\n", *reps, *fairDur)
	for rep := range *reps {
		for _, st := range stacks {
			g, err := openBulk(st, e, 4)
			if err != nil {
				fail("w3", st, err)
				continue
			}
			takeStall()
			out, err := runBulk(g.flows, time.Second, *fairDur, time.Second)
			stall := noteStall("w3")
			g.close()
			if err != nil {
				fail("w3", st, err)
				continue
			}
			var js []float64
			for _, b := range out.bins {
				js = append(js, jain(b))
			}
			j := mean(js)
			record("w3/jain/"+st, j)
			record("w3/goodput4/"+st, out.goodputMbps())
			logf("w3 jain rep=%d %s jain_mean=%.4f jain_bins=%s goodput_mbps=%.1f per_conn_mbps=%s stall_max_ms=%.1f", rep+1, st, j, fmtList(js, "%.4f"),
				out.goodputMbps(), fmtList(scale(out.bytes, 8/out.secs/1e6), "%.1f"), stall)
		}
		for _, st := range stacks {
			g, err := openBulk(st, e, 4)
			if err != nil {
				fail("w3", st, err)
				continue
			}
			t, err := tcpOpen(e, 1)
			if err != nil {
				g.close()
				fail("w3", "tcp", err)
				continue
			}
			flows := append(append([]*flow{}, g.flows...), t.flows...)
			takeStall()
			out, err := runBulk(flows, time.Second, *fairDur+time.Second, *fairDur+time.Second)
			stall := noteStall("w3")
			t.close()
			g.close()
			if err != nil {
				fail("w3", st, err)
				continue
			}
			var agg float64
			for _, b := range out.bytes[:4] {
				agg += b
			}
			share := agg / out.bytes[4]
			record("w3/share/"+st, share)
			logf("w3 share rep=%d %s aggregate_mbps=%.1f tcp_mbps=%.1f aggregate_over_tcp=%.3f stall_max_ms=%.1f", rep+1, st,
				agg*8/out.secs/1e6, out.bytes[4]*8/out.secs/1e6, share, stall)
		}
	}
}

func w4(e *env) {
	fmt.Fprintf(os.Stderr, "webtp: W4 urgent 1 KiB ADUs at 100/s alone and beside bulk, L1 0 %%, %d x %v\n", *reps, *urgDur)
	for rep := range *reps {
		for _, st := range stacks {
			for _, loaded := range []bool{false, true} {
				var g *group
				var urgent *flow
				var bulk []*flow
				var err error
				switch st {
				case "webtp", "tcp":
					if st == "webtp" {
						g, err = webtpOpen(e, 2) // one pipe
					} else {
						g, err = tcpOpen(e, 2)
					}
					if err == nil {
						urgent, bulk = g.flows[0], g.flows[1:]
					}
				default:
					var pairs []*quicPair
					pairs, g, err = quicOpen(e, 1) // one connection: datagrams and a stream
					if err == nil {
						urgent, bulk = pairs[0].dgramFlow(), []*flow{pairs[0].streamFlow()}
					}
				}
				if err != nil {
					fail("w4", st, err)
					continue
				}
				if !loaded {
					bulk = nil
				}
				takeStall()
				outs, mbps, err := runLatency([]latSpec{{name: st + " urgent", f: urgent, size: 1024, rate: 100, flags: fUrgent | fReliable}},
					bulk, *urgDur, time.Second)
				stall := noteStall("w4")
				g.close()
				if err == nil {
					err = outs[0].err
				}
				if err != nil {
					fail("w4", st, err)
					continue
				}
				o := outs[0]
				mode := map[bool]string{false: "alone", true: "loaded"}[loaded]
				p50, p99 := percentileMs(o.lat, 50), percentileMs(o.lat, 99)
				record("w4/"+mode+"/"+st+"/p50", p50)
				record("w4/"+mode+"/"+st+"/p99", p99)
				if loaded {
					record("w4/bulk/"+st, mbps)
				}
				logf("w4 rep=%d %s %s sent=%d got=%d p50_ms=%.3f p99_ms=%.3f bulk_mbps=%.1f stall_max_ms=%.1f", rep+1, st, mode, o.sent, o.got, p50, p99, mbps, stall)
			}
		}
	}
}

func fmtStalls() string {
	var s []string
	for _, k := range slices.Sorted(maps.Keys(stalls)) {
		s = append(s, fmt.Sprintf("%s %.1f", k, stalls[k]))
	}
	return strings.Join(s, ", ")
}

func mean(v []float64) float64 {
	var s float64
	var n int
	for _, x := range v {
		if !math.IsNaN(x) {
			s += x
			n++
		}
	}
	if n == 0 {
		return math.NaN()
	}
	return s / float64(n)
}

func scale(v []float64, f float64) []float64 {
	out := make([]float64, len(v))
	for i := range v {
		out[i] = v[i] * f
	}
	return out
}

func fmtList(v []float64, f string) string {
	s := make([]string, len(v))
	for i := range v {
		s[i] = fmt.Sprintf(f, v[i])
	}
	return "[" + strings.Join(s, ",") + "]"
}

func cpuPressure() string {
	b, err := os.ReadFile("/proc/pressure/cpu")
	if err != nil {
		return ""
	}
	var a10, a60 float64
	fmt.Sscanf(strings.SplitN(string(b), "\n", 2)[0], "some avg10=%f avg60=%f", &a10, &a60)
	return fmt.Sprintf("%.2f %.2f", a10, a60)
}

func quicVersion() string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, d := range bi.Deps {
			if d.Path == "github.com/quic-go/quic-go" {
				return d.Version
			}
		}
	}
	return "unknown"
}

var _ = runtime.GOMAXPROCS
