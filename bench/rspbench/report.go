package main

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"netcompat/bench/internal/benchreport"
)

// The report: bench/rserpool.sh collects one line per run,
//
//	rep=N impl=registrar|echo placement=P test=... key=value ...
//
// and rspbench -report turns them into a table of medians on standard
// output and a JSON file shaped as the other drivers' (extagent.json):
//
//	{"api": "rserpool", "description": ..., "config": {...},
//	 "rows": [{"metric", "name", "placement", "unit", "better",
//	           "netcompat", "baseline": "go_echo", "go_echo", "ratio",
//	           "target_ratio", "meets_target", "netcompat_runs",
//	           "go_echo_runs", "description"}, ...],
//	 "machine": {...}}
//
// "netcompat" is the registrar (cmd/rspregistrar); "go_echo" the baseline
// server (rspbench -echo), named by "baseline". Rows without a baseline
// (memory) have baseline, go_echo and ratio null.

// rowSpec is one row: the median of key over the runs of test (and
// policy, for big) of the registrar, against the echo baseline's when
// baseline is set.
type rowSpec struct {
	name     string
	test     string
	policy   string
	key      string
	unit     string
	better   string
	baseline bool
	target   string // ">=0.5", or "" for none
	desc     string
}

var rateRows = []rowSpec{
	{"hr_per_s", "hr", "", "rate", "1/s", "higher", true, ">=0.5", "handle resolutions per second (items=3, pool of 10, round robin), parallel users, strict request/response each"},
	{"reg_per_s", "reg", "", "rate", "1/s", "higher", true, ">=0.5", "registrations of new PE identifiers per second, parallel pool element associations, strict request/response each"},
	{"server_cpu_us_per_hr", "hr", "", "server_cpu_us", "us", "lower", true, "", "server CPU (user+sys, all threads) per handle resolution"},
	{"server_cpu_us_per_reg", "reg", "", "server_cpu_us", "us", "lower", true, "", "server CPU (user+sys, all threads) per registration"},
	{"loadgen_cpu_us_per_hr", "hr", "", "client_cpu_us", "us", "lower", true, "", "load generator CPU per handle resolution (shares the machine with the server)"},
	{"loadgen_cpu_us_per_reg", "reg", "", "client_cpu_us", "us", "lower", true, "", "load generator CPU per registration"},
}

func bigRows(policy, pname string, n int) []rowSpec {
	at, count := fmt.Sprintf("at_%d", n), thousands(n)
	if n%1000 == 0 {
		at = fmt.Sprintf("at_%dk", n/1000)
	}
	return []rowSpec{
		{"bytes_per_pe", "big", policy, "bytes_per_pe", "B", "lower", false, "", "registrar VmRSS growth per pool element while " + count + " register in one " + pname + " pool over 8 associations opened before"},
		{"bytes_per_pe_after_hr", "big", policy, "bytes_per_pe_end", "B", "lower", false, "", "the same, VmRSS read after the latency runs: their garbage grows the heap towards the Go collector's goal (GOGC=100: twice the live heap)"},
		{"rss_mib_" + at, "big", policy, "rss_after_mib", "MiB", "lower", false, "", "registrar VmRSS holding " + count + " pool elements (" + pname + "), read after the registrations"},
		{"fill_reg_per_s", "big", policy, "fill_rate", "1/s", "higher", false, "", "registrations per second while filling the pool to " + count + " (" + pname + ")"},
		{"hr_p50_us_" + at, "big", policy, "p50_us", "us", "lower", true, "", "handle resolution round trip (items=3), one user, " + count + " elements in the pool (" + pname + "), median; baseline: the echo server, same message sizes"},
		{"hr_p99_us_" + at, "big", policy, "p99_us", "us", "lower", true, "", "handle resolution round trip (items=3), one user, " + count + " elements in the pool (" + pname + "), 99th percentile; baseline: the echo server, same message sizes"},
	}
}

// row is one row of the JSON, fields in the order of extagent.json's.
type row struct {
	Metric       string    `json:"metric"`
	Name         string    `json:"name"`
	Placement    string    `json:"placement"`
	Policy       string    `json:"policy,omitempty"`
	Unit         string    `json:"unit"`
	Better       string    `json:"better"`
	Netcompat    float64   `json:"netcompat"`
	Baseline     *string   `json:"baseline"`
	GoEcho       *float64  `json:"go_echo"`
	Ratio        *float64  `json:"ratio"`
	TargetRatio  *string   `json:"target_ratio"`
	MeetsTarget  *bool     `json:"meets_target"`
	NetcompatRun []float64 `json:"netcompat_runs"`
	GoEchoRuns   []float64 `json:"go_echo_runs"`
	Description  string    `json:"description"`
}

func ptr[T any](v T) *T { return &v }

func writeReport(rawPath, jsonPath, meta string) error {
	runs, err := benchreport.ReadRuns(rawPath)
	if err != nil {
		return err
	}
	for _, r := range runs {
		if r["rss_after_kb"] != "" {
			kb, _ := strconv.ParseFloat(r["rss_after_kb"], 64)
			r["rss_after_mib"] = strconv.FormatFloat(kb/1024, 'f', 1, 64)
		}
	}
	cfg, mach := benchreport.ParseMeta(meta)

	values := func(impl, place string, s rowSpec) []float64 {
		var out []float64
		for _, r := range runs {
			if r["impl"] != impl || r["test"] != s.test || s.policy != "" && r["policy"] != s.policy ||
				place != "" && r["placement"] != place {
				continue
			}
			if v, err := strconv.ParseFloat(r[s.key], 64); err == nil {
				out = append(out, v)
			}
		}
		return out
	}
	// placements lists the placements of the runs of tests, in order.
	placements := func(tests ...string) []string {
		var out []string
		for _, r := range runs {
			if slices.Contains(tests, r["test"]) && !slices.Contains(out, r["placement"]) {
				out = append(out, r["placement"])
			}
		}
		return out
	}

	var rows []row
	var warnings []string
	section := func(title, place string, specs []rowSpec) {
		fmt.Printf("\n%s\n", title)
		fmt.Printf("%-40s %11s %11s %7s  %s\n", "metric", "registrar", "Go echo", "ratio", "aim")
		for _, s := range specs {
			nc := values("registrar", place, s)
			if len(nc) == 0 {
				continue
			}
			metric := s.name
			if s.policy != "" {
				metric += "/" + s.policy
			}
			metric += "/" + place
			rw := row{
				Metric: metric, Name: s.name, Placement: place, Unit: s.unit, Better: s.better,
				Netcompat: benchreport.Round4(benchreport.Median(nc)), NetcompatRun: nc, Description: s.desc,
				Policy: map[string]string{"rr": "RoundRobin", "lu": "LeastUsed"}[s.policy],
			}
			base, ratio, aim := "-", "-", "("+s.better+" is better)"
			if s.baseline {
				if ec := values("echo", place, s); len(ec) > 0 {
					rw.Baseline, rw.GoEcho, rw.GoEchoRuns = ptr("go_echo"), ptr(benchreport.Round4(benchreport.Median(ec))), ec
					base = num(benchreport.Median(ec))
					if benchreport.Median(ec) > 0 {
						r := benchreport.Median(nc) / benchreport.Median(ec)
						rw.Ratio = ptr(benchreport.Round4(r))
						ratio = fmt.Sprintf("%.2f", r)
						if s.target != "" {
							lim, _ := strconv.ParseFloat(s.target[2:], 64)
							ok := s.target[:2] == ">=" && r >= lim || s.target[:2] == "<=" && r <= lim
							rw.TargetRatio, rw.MeetsTarget = ptr(s.target), ptr(ok)
							aim = fmt.Sprintf("ratio %s %s: %s", s.target[:2], s.target[2:], map[bool]string{true: "met", false: "NOT MET"}[ok])
						}
					}
				}
			}
			rows = append(rows, rw)
			fmt.Printf("%-40s %11s %11s %7s  %s\n", strings.TrimSuffix(metric, "/"+place)+" ("+s.unit+")", num(benchreport.Median(nc)), base, ratio, aim)
		}
	}

	where := map[string]string{
		"free":  "not pinned",
		"cross": "load generator and server on different CPUs",
		"same":  "load generator and server on the same CPU",
	}
	for _, place := range placements("hr", "reg") {
		section(fmt.Sprintf("rserpool, rates, %s: %s; %v parallel associations, strict request/response; median of %v",
			place, where[place], cfg["users"], cfg["reps"]), place, rateRows)
	}
	var big []rowSpec
	n := 100000
	if v, ok := cfg["big_pool_elements"].(float64); ok {
		n = int(v)
	}
	for _, p := range []struct{ short, name string }{{"rr", "round robin"}, {"lu", "least used"}} {
		big = append(big, bigRows(p.short, p.name, n)...)
	}
	for _, place := range placements("big") {
		section(fmt.Sprintf("rserpool, %s pool elements in one pool, %s: %s; median of %v", thousands(n), place, where[place], cfg["reps"]), place, big)
	}
	fmt.Printf("\nratio = registrar / Go echo server answering with messages of the same sizes (the ceiling)\n")

	// The comparison only holds if both sides exchanged the same bytes.
	for _, t := range []struct{ test, policy string }{{"hr", ""}, {"reg", ""}, {"big", "rr"}, {"big", "lu"}} {
		for _, key := range []string{"req_bytes", "resp_bytes"} {
			s := rowSpec{test: t.test, policy: t.policy, key: key}
			a, b := values("registrar", "", s), values("echo", "", s)
			if len(a) > 0 && len(b) > 0 && (slices.Min(a) != slices.Max(b) || slices.Max(a) != slices.Min(b)) {
				warnings = append(warnings, fmt.Sprintf("%s %s %s: registrar %v, echo %v", t.test, t.policy, key, a, b))
			}
		}
	}
	sizes := map[string]any{}
	for _, r := range runs {
		if r["impl"] == "registrar" {
			name := r["test"]
			if r["policy"] != "" {
				name += "_" + r["policy"]
			}
			for _, key := range []string{"req_bytes", "resp_bytes"} {
				if v, err := strconv.Atoi(r[key]); err == nil {
					sizes[name+"_"+key] = v
				}
			}
		}
	}
	cfg["message_bytes"] = sizes
	for _, w := range warnings {
		fmt.Printf("rserpool: WARNING: message sizes differ: %s\n", w)
	}

	benchreport.AddMachine(mach)

	doc := &benchreport.Doc{
		API: "rserpool",
		Description: "RSerPool registrar (cmd/rspregistrar) over TCP bare framing on 127.0.0.1: handle resolutions and registrations per second " +
			"with parallel strict request/response users against a minimal Go TCP server answering with messages of the same sizes " +
			"(the ceiling); with 100,000 pool elements: VmRSS per element and handle resolution latency; medians of interleaved runs",
		Config: cfg, Rows: rows, Machine: mach,
	}
	return benchreport.WriteJSON(jsonPath, doc)
}

// num formats a table value: whole numbers from 1,000 up (rates, bytes).
func num(v float64) string { return benchreport.Num(v, 1000) }

// thousands formats n with commas: 100,000.
func thousands(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0 && s[i-1] != '-'; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
