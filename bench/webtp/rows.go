package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"runtime"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// kv is one field of a row; rows keep their field order in the JSON.
type kv struct {
	k string
	v any
}

type row []kv

func (r row) get(k string) any {
	for _, f := range r {
		if f.k == k {
			return f.v
		}
	}
	return nil
}

func (r row) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, f := range r {
		if i > 0 {
			b.WriteString(", ")
		}
		k, _ := json.Marshal(f.k)
		b.Write(k)
		b.WriteString(": ")
		v, err := json.Marshal(jsonValue(f.v))
		if err != nil {
			return nil, err
		}
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// jsonValue turns NaN and infinities into null and rounds floats.
func jsonValue(v any) any {
	switch x := v.(type) {
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return nil
		}
		return json.Number(fmt.Sprintf("%.4f", x))
	case []float64:
		out := make([]any, len(x))
		for i := range x {
			out[i] = jsonValue(x[i])
		}
		return out
	}
	return v
}

// metric describes one row: where its values come from and its aim.
type metric struct {
	name, unit, better string
	key                func(stack string) string // results key per stack
	workload           func(stack string) string // errs key prefix (workload) per stack
	baseline           string                    // "quic-go" or "tcp"
	others             []string                  // further comparators shown
	aim                string
	meets              func(v, ratio float64) any // nil: no target
	limit              any
	description        string
}

func buildRows(l1Err error) []row {
	var rows []row
	add := func(m metric) {
		val := func(st string) (float64, []float64) {
			runs := results[m.key(st)]
			return median(runs), runs
		}
		nc, ncRuns := val("webtp")
		bl, blRuns := val(m.baseline)
		ratio := nc / bl
		r := row{{"metric", m.name}, {"unit", m.unit}, {"better", m.better}, {"netcompat", nc},
			{"baseline", m.baseline}, {m.baseline, bl}}
		for _, o := range m.others {
			v, _ := val(o)
			r = append(r, kv{o, v})
		}
		r = append(r, kv{"ratio", ratio}, kv{"aim", nilIfEmpty(m.aim)})
		var meets any
		if m.meets != nil && !math.IsNaN(nc) {
			meets = m.meets(nc, ratio)
		}
		r = append(r, kv{"meets_target", meets})
		if m.limit != nil {
			r = append(r, kv{"limit", m.limit})
		}
		r = append(r, kv{"netcompat_runs", ncRuns}, kv{m.baseline + "_runs", blRuns})
		for _, o := range m.others {
			_, runs := val(o)
			r = append(r, kv{o + "_runs", runs})
		}
		var es []string
		for _, st := range append([]string{"webtp", m.baseline}, m.others...) {
			if e, ok := errs[m.workload(st)+"/"+st]; ok {
				es = append(es, st+": "+e)
			} else if l1Err != nil && strings.Contains(m.name, "/L1") {
				es = append(es, "L1: "+l1Err.Error())
				break
			}
		}
		if len(es) > 0 {
			r = append(r, kv{"error", strings.Join(es, "; ")})
		}
		r = append(r, kv{"description", m.description})
		rows = append(rows, r)
	}
	// ratio aims have no verdict without the baseline
	ge := func(a float64) func(v, r float64) any {
		return func(_, r float64) any {
			if math.IsNaN(r) || math.IsInf(r, 0) {
				return nil
			}
			return r >= a
		}
	}
	le := func(a float64) func(v, r float64) any {
		return func(_, r float64) any {
			if math.IsNaN(r) || math.IsInf(r, 0) {
				return nil
			}
			return r <= a
		}
	}
	fixed := func(w string) func(string) string { return func(string) string { return w } }

	for _, p := range []string{"L0", "L1"} {
		where := "loopback, unshaped"
		if p == "L1" {
			where = "L1 impaired path (100 Mbit/s, 1 ms one way, 0 % loss)"
		}
		rows0 := len(rows)
		add(metric{name: "w1_goodput_mbps/" + p, unit: "Mbit/s", better: "higher",
			key: func(st string) string { return "w1/" + p + "/" + st + "/goodput" }, workload: fixed("w1/" + p),
			baseline: "quic-go", others: []string{"tcp"}, aim: ">= 1.0 x quic-go", meets: ge(1),
			description: fmt.Sprintf("W1 bulk goodput, one connection, reliable 64 KiB ADUs (TCP: 4-byte framed; quic-go: one stream), %s; %v after a warm-up; ratio = webtp / quic-go", where, *bulkDur)})
		cpuDesc := "CPU seconds (user+sys, getrusage of the process: both ends) per GB received, in the same runs as w1_goodput_mbps/" + p
		if p == "L1" {
			cpuDesc += "; includes the impairment router's CPU (same process), the same for every stack"
		}
		add(metric{name: "w1_cpu_s_per_GB/" + p, unit: "CPU s/GB", better: "lower",
			key: func(st string) string { return "w1/" + p + "/" + st + "/cpu" }, workload: fixed("w1/" + p),
			baseline: "quic-go", others: []string{"tcp"}, aim: "<= 1.0 x quic-go", meets: le(1),
			description: cpuDesc + "; ratio = webtp / quic-go"})
		_ = rows0
	}

	for _, size := range []string{"1KiB", "16KiB"} {
		k := 1
		rate := "100 ADU/s"
		n := int(100 * latDur.Seconds())
		if size == "16KiB" {
			k = int(math.Ceil(16384.0 / 1400))
			rate = "10 ADU/s"
			n /= 10
		}
		samples := fmt.Sprintf(" (%d ADUs per run: percentiles per run, then the median over the runs)", n)
		for _, loss := range losses {
			ln := lossName(loss)
			wk := fixed("w2/" + ln)
			for _, pct := range []struct{ key, name string }{{"p50", "p50"}, {"p99", "p99"}, {"p999", "p99.9"}} {
				m := metric{name: fmt.Sprintf("w2_latency_%s_ms/%s/reliable/L1/%s", pct.name, size, ln), unit: "ms", better: "lower",
					key: func(st string) string {
						return "w2/" + ln + "/" + size + "/reliable/" + st + "/" + pct.key
					}, workload: wk, baseline: "tcp", others: []string{"quic-go"},
					limit:       1 + float64(size2bytes(size))*8/l1Rate*1e3,
					description: fmt.Sprintf("W2 one-way latency %s, reliable %s ADUs at %s, L1 with %g %% loss on the data direction; webtp: R=1 on a pipe shared with the other W2 WebTP connections; tcp: framed on its own connection; quic-go: a stream per ADU; ratio = webtp / tcp; limit = floor (1 ms + serialisation)", pct.name, size, rate, loss*100) + samples}
				if pct.key == "p99" && loss == 0.01 {
					m.aim, m.meets = "<= 0.5 x tcp", le(0.5)
				}
				add(m)
			}
			for _, pct := range []struct{ key, name string }{{"p50", "p50"}, {"p99", "p99"}, {"p999", "p99.9"}} {
				desc := fmt.Sprintf("W2 one-way latency %s of delivered unreliable %s ADUs at %s, L1 with %g %% loss; webtp: R=0; ", pct.name, size, rate, loss*100)
				if size == "1KiB" {
					desc += "quic-go: DATAGRAM frames on a connection of their own; ratio = webtp / quic-go"
				} else {
					desc += "no quic-go comparator (a DATAGRAM holds one packet)"
				}
				add(metric{name: fmt.Sprintf("w2_latency_%s_ms/%s/unreliable/L1/%s", pct.name, size, ln), unit: "ms", better: "lower",
					key: func(st string) string {
						return "w2/" + ln + "/" + size + "/unreliable/" + st + "/" + pct.key
					}, workload: wk, baseline: "quic-go", description: desc + samples})
			}
			add(metric{name: fmt.Sprintf("w2_delivery_ratio/%s/unreliable/L1/%s", size, ln), unit: "fraction", better: "higher",
				key: func(st string) string {
					return "w2/" + ln + "/" + size + "/unreliable/" + st + "/delivery"
				}, workload: wk, baseline: "quic-go", limit: math.Pow(1-loss, float64(k)),
				description: fmt.Sprintf("W2 delivered / sent unreliable %s ADUs (the rest dropped whole; WebTP notifies the receiver), L1 with %g %% loss; limit = (1-p)^k with k = %d packets per ADU", size, loss*100, k)})
		}
	}

	add(metric{name: "w3_jain_4conn/L1", unit: "index", better: "higher",
		key: func(st string) string { return "w3/jain/" + st }, workload: fixed("w3"), baseline: "tcp", others: []string{"quic-go"},
		aim: ">= 0.99", meets: func(v, _ float64) any { return v >= 0.99 },
		description: fmt.Sprintf("W3 Jain's fairness index of 4 bulk connections through L1 (0 %% loss), mean of the per-second indexes over %v after a 1-s warm-up; webtp: 4 connections on one pipe; tcp and quic-go: 4 connections; ratio = webtp / tcp", *fairDur)})
	add(metric{name: "w3_goodput_4conn_mbps/L1", unit: "Mbit/s", better: "higher",
		key: func(st string) string { return "w3/goodput4/" + st }, workload: fixed("w3"), baseline: "tcp", others: []string{"quic-go"},
		limit:       100 * 1448.0 / 1514,
		description: "W3 aggregate goodput of the 4 connections in the Jain runs; limit = TCP's framing ceiling at 100 Mbit/s (1448 B payload per 1514 B frame)"})
	add(metric{name: "w3_share_4conn_over_1tcp/L1", unit: "ratio", better: "closer to 1 for webtp",
		key: func(st string) string { return "w3/share/" + st }, workload: fixed("w3"), baseline: "tcp", others: []string{"quic-go"},
		aim: "~= 1 (0.8 to 1.25)", meets: func(v, _ float64) any { return v >= 0.8 && v <= 1.25 },
		description: fmt.Sprintf("W3 aggregate goodput of 4 bulk connections divided by that of one TCP bulk flow through the same L1 bottleneck, %v after a 1-s warm-up; webtp: 4 connections on one pipe (aim: the ensemble takes one TCP share); tcp: 4 more TCP connections (about 4 expected); quic-go: 4 connections; ratio = webtp / tcp", *fairDur+time.Second)})

	for _, mode := range []string{"alone", "loaded"} {
		for _, pct := range []string{"p50", "p99"} {
			add(metric{name: fmt.Sprintf("w4_urgent_latency_%s_ms/%s/L1", pct, mode), unit: "ms", better: "lower",
				key: func(st string) string { return "w4/" + mode + "/" + st + "/" + pct }, workload: fixed("w4"),
				baseline: "quic-go", others: []string{"tcp"}, limit: 1 + 1024.0*8/l1Rate*1e3,
				description: fmt.Sprintf("W4 one-way latency %s of 1 KiB ADUs at 100/s (webtp: U=1, R=1), L1 0 %% loss, %v per run, %s; loaded = beside a bulk sender of reliable 64 KiB ADUs: webtp on another connection of the same pipe, quic-go: DATAGRAM frames beside a bulk stream of the same connection, tcp: a second connection; ratio = webtp / quic-go", pct, *urgDur, mode)})
		}
	}
	add(metric{name: "w4_bulk_goodput_beside_urgent_mbps/L1", unit: "Mbit/s", better: "higher",
		key: func(st string) string { return "w4/bulk/" + st }, workload: fixed("w4"), baseline: "quic-go", others: []string{"tcp"},
		description: "W4 goodput of the bulk sender in the loaded runs (the urgent ADUs keep their latency without starving it)"})
	return rows
}

func roundMap(m map[string]float64) map[string]any {
	out := map[string]any{}
	for k, v := range m {
		out[k] = jsonValue(v)
	}
	return out
}

func size2bytes(s string) int {
	if s == "16KiB" {
		return 16384
	}
	return 1024
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func num(v any) string {
	x, ok := v.(float64)
	if !ok || math.IsNaN(x) || math.IsInf(x, 0) {
		return "-"
	}
	switch {
	case math.Abs(x) >= 1000:
		return fmt.Sprintf("%.0f", x)
	case math.Abs(x) >= 10:
		return fmt.Sprintf("%.1f", x)
	default:
		return fmt.Sprintf("%.3f", x)
	}
}

func printTable(rows []row) {
	fmt.Printf("%-48s %9s %9s %9s %7s  %-18s %s\n", "metric", "webtp", "quic-go", "tcp", "ratio", "aim", "meets")
	for _, r := range rows {
		aim, _ := r.get("aim").(string)
		meets := "-"
		if m, ok := r.get("meets_target").(bool); ok {
			meets = fmt.Sprint(m)
		}
		if _, bad := r.get("error").(string); bad && meets == "-" {
			meets = "error"
		}
		fmt.Printf("%-48s %9s %9s %9s %7s  %-18s %s\n", r.get("metric"), num(r.get("netcompat")), num(r.get("quic-go")),
			num(r.get("tcp")), num(r.get("ratio")), aim, meets)
	}
	var es []string
	for k, v := range errs {
		es = append(es, k+": "+v)
	}
	for _, e := range es {
		fmt.Println("error:", e)
	}
}

func writeJSON(path string, rows []row, took time.Duration, p0, p1 string, router any) error {
	var u unix.Utsname
	unix.Uname(&u)
	cpu := ""
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(l, "model name") {
				cpu = strings.TrimSpace(strings.SplitN(l, ":", 2)[1])
				break
			}
		}
	}
	doc := struct {
		API         string         `json:"api"`
		Description string         `json:"description"`
		Config      map[string]any `json:"config"`
		Rows        []row          `json:"rows"`
		Machine     map[string]any `json:"machine"`
	}{
		API: "webtp",
		Description: "netcompat WebTP (core/webtp) side by side with Go kernel TCP (4-byte length framing) and quic-go (streams; DATAGRAM frames) in one process: " +
			"W1 bulk goodput and CPU/GB on loopback (L0) and through a user-space impaired path (L1: 100 Mbit/s, 1 ms one way, 1-BDP queue, TUN devices between two network namespaces); " +
			"W2 one-way ADU latency and unreliable delivery at 0/1/5 % loss; W3 fairness of 4 connections and their share against one TCP flow; W4 urgent-ADU latency beside bulk. Medians over the repetitions (webtp.md §7, scaled down)",
		Config: map[string]any{"reps": *reps, "w1_window_s": bulkDur.Seconds(), "w2_send_s": latDur.Seconds(), "w4_send_s": urgDur.Seconds(), "w3_window_s": fairDur.Seconds(),
			"bulk_adu_bytes": bulkADU, "webtp_send_buffer": sendBuffer, "l1_rate_bps": l1Rate, "l1_delay_ms_one_way": 1, "l1_frame_overhead_bytes": 14,
			"losses": losses, "statistic": "median", "quic_go": quicVersion(), "go": runtime.Version(), "gomaxprocs": runtime.GOMAXPROCS(0),
			"took_s": math.Round(took.Seconds()), "router_stats": router},
		Rows: rows,
		Machine: map[string]any{"nproc": runtime.NumCPU(), "kernel": unix.ByteSliceToString(u.Release[:]), "cpu": cpu,
			"cpu_pressure_avg10_avg60_start": p0, "cpu_pressure_avg10_avg60_end": p1,
			"max_stall_ms_per_workload": roundMap(stalls)},
	}
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}
