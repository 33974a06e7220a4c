package main

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"netcompat/bench/internal/benchreport"
)

// The report: bench/enrp.sh collects one line per measurement,
//
//	rep=N test=sync|lat|cpu key=value ...
//
// and enrpbench -report turns them into a table of medians on standard
// output and a JSON file shaped as the other drivers':
//
//	{"api": "enrp", "description": ..., "config": {...},
//	 "comparison": "no peer on host; rsplib comparison: not measured",
//	 "rows": [{"metric", "name", "unit", "better", "netcompat",
//	           "baseline": "rsplib", "rsplib": null, "ratio": null,
//	           "comparison", "netcompat_runs", "description"}, ...],
//	 "machine": {...}}
//
// There is no baseline on this host: rsplib's registrar needs kernel
// SCTP, which only the VM (bench/vm_sctp.sh) has, so every row names
// rsplib as its baseline with a null value and says so.

const noPeer = "no peer on host; rsplib comparison: not measured"

// rowSpec is one row: the median of key over the runs of test whose
// fields match where.
type rowSpec struct {
	name   string
	test   string
	where  map[string]string
	key    string
	unit   string
	better string
	desc   string
}

type row struct {
	Metric      string    `json:"metric"`
	Name        string    `json:"name"`
	Unit        string    `json:"unit"`
	Better      string    `json:"better"`
	Netcompat   float64   `json:"netcompat"`
	Baseline    string    `json:"baseline"`
	Rsplib      *float64  `json:"rsplib"`
	Ratio       *float64  `json:"ratio"`
	Comparison  string    `json:"comparison"`
	Runs        []float64 `json:"netcompat_runs"`
	Description string    `json:"description"`
}

func writeReport(rawPath, jsonPath, meta string) error {
	runs, err := benchreport.ReadRuns(rawPath)
	if err != nil {
		return err
	}
	cfg, mach := benchreport.ParseMeta(meta)

	values := func(s rowSpec) []float64 {
		var out []float64
		for _, r := range runs {
			if r["test"] != s.test {
				continue
			}
			match := true
			for k, v := range s.where {
				match = match && r[k] == v
			}
			if !match {
				continue
			}
			if v, err := strconv.ParseFloat(r[s.key], 64); err == nil {
				out = append(out, v)
			}
		}
		return out
	}
	distinct := func(test, key string) []string {
		var out []string
		for _, r := range runs {
			if r["test"] == test && r[key] != "" && !slices.Contains(out, r[key]) {
				out = append(out, r[key])
			}
		}
		return out
	}
	first := func(test, key string) string {
		if v := distinct(test, key); len(v) > 0 {
			return v[0]
		}
		return "?"
	}

	var rows []row
	section := func(title string, specs []rowSpec) {
		printed := false
		for _, s := range specs {
			v := values(s)
			if len(v) == 0 {
				continue
			}
			if !printed {
				fmt.Printf("\n%s\n%-58s %12s  %s\n", title, "metric", "registrar", "runs")
				printed = true
			}
			m := benchreport.Median(v)
			rows = append(rows, row{
				Metric: s.name, Name: s.name, Unit: s.unit, Better: s.better, Netcompat: benchreport.Round4(m),
				Baseline: "rsplib", Comparison: noPeer, Runs: v, Description: s.desc,
			})
			var rs []string
			for _, x := range v {
				rs = append(rs, num(x))
			}
			fmt.Printf("%-58s %12s  %s\n", s.name+" ("+s.unit+")", num(m), strings.Join(rs, " "))
		}
	}

	// Sync time, per page size.
	n := first("sync", "n")
	var sync []rowSpec
	for _, page := range distinct("sync", "page") {
		w := map[string]string{"page": page}
		sfx := "_page" + page
		sync = append(sync,
			rowSpec{"sync_secs" + sfx, "sync", w, "sync_secs", "s", "lower",
				"time from starting a new registrar B (-peer=A, -maxelementsperhtrequest=" + page + ") until it logs ENRP startup complete, " +
					"its mentor A's whole handle table of " + n + " pool elements received (checked: log line and dump both hold " + n + ")"},
			rowSpec{"sync_elements_per_s" + sfx, "sync", w, "elements_per_s", "1/s", "higher", n + " / sync_secs"},
			rowSpec{"sync_transfer_secs" + sfx, "sync", w, "transfer_secs", "s", "lower",
				"the part of sync_secs from B's 'mentor found' log line (A's Presence answered) to startup complete: the paged Handle Table transfer"},
			rowSpec{"sync_listen_secs" + sfx, "sync", w, "listen_secs", "s", "lower", "the part of sync_secs until B serves ENRP (process start, Go runtime, listeners)"},
			rowSpec{"sync_mentor_cpu_secs" + sfx, "sync", w, "mentor_cpu_secs", "s", "lower", "CPU time of mentor A during the sync (10 ms ticks)"},
			rowSpec{"sync_new_cpu_secs" + sfx, "sync", w, "new_cpu_secs", "s", "lower", "CPU time of B from its start to startup complete (10 ms ticks)"},
		)
	}
	section(fmt.Sprintf("enrp, sync: new registrar B pulls %s pool elements (%s pools) from its mentor A; median of %v",
		n, first("sync", "pools"), cfg["reps"]), sync)

	lat := []rowSpec{
		{"handle_update_p50_us", "lat", nil, "p50_us", "us", "lower", ""},
		{"handle_update_p90_us", "lat", nil, "p90_us", "us", "lower", ""},
		{"handle_update_p99_us", "lat", nil, "p99_us", "us", "lower", ""},
		{"handle_update_max_us", "lat", nil, "max_us", "us", "lower", ""},
		{"registration_rtt_at_owner_p50_us", "lat", nil, "reg_p50_us", "us", "lower", "Registration round trip at A, meanwhile A sends the Handle Updates; median"},
		{"registration_rtt_at_owner_p99_us", "lat", nil, "reg_p99_us", "us", "lower", "Registration round trip at A; 99th percentile"},
		{"resolvable_at_first_poll_frac", "lat", nil, "first_poll_frac", "fraction", "higher",
			"share of samples where the first Handle Resolution at B resp. C (sent once A had answered the Registration) already held the element: " +
				"for these the latency is bounded by the measurement's own round trips (Registration at A, then one resolution), not by ENRP"},
	}
	latN := first("lat", "n")
	for i := range lat[:4] {
		lat[i].desc = "time from sending the Registration of a new pool element (own pool) to registrar A until a Handle Resolution at peer B, " +
			"resp. C, answers with it (" + latN + " elements, B and C together; resolutions in a tight loop from A's Registration Response on); " +
			strings.TrimSuffix(strings.TrimPrefix(lat[i].name, "handle_update_"), "_us")
	}
	section(fmt.Sprintf("enrp, Handle Update propagation A -> B, C (full mesh), %s elements at up to %v/s; median of %v",
		latN, cfg["lat_rate"], cfg["reps"]), lat)

	cpuN := first("cpu", "n")
	peers2, peers0 := map[string]string{"peers": "2"}, map[string]string{"peers": "0"}
	cpu := []rowSpec{
		{"owner_cpu_s_per_s_per_1k_pe", "cpu", peers2, "owner_cpu_per_1k", "CPU-s/s per 1k PE", "lower",
			"CPU (utime+stime) of registrar A, home of " + cpuN + " pool elements each re-registered every 10 s (life 30 s) and kept alive (5 s), " +
				"each re-registration a Handle Update to 2 peers; per second and per 1,000 elements"},
		{"peer_cpu_s_per_s_per_1k_pe", "cpu", peers2, "peer_cpu_per_1k", "CPU-s/s per 1k PE", "lower",
			"CPU of a peer (mean of B and C) applying A's Handle Updates for " + cpuN + " elements; per second and per 1,000 elements"},
		{"owner_alone_cpu_s_per_s_per_1k_pe", "cpu", peers0, "owner_cpu_per_1k", "CPU-s/s per 1k PE", "lower",
			"the same load on A without peers (no ENRP traffic): the ASAP share of the owner's CPU"},
		{"owner_cpu_util", "cpu", peers2, "owner_cpu_util", "CPU", "lower", "CPU seconds per second of A (" + cpuN + " elements, 2 peers)"},
		{"peer_cpu_util", "cpu", peers2, "peer_cpu_util", "CPU", "lower", "CPU seconds per second of a peer (mean of B and C)"},
		{"owner_alone_cpu_util", "cpu", peers0, "owner_cpu_util", "CPU", "lower", "CPU seconds per second of A without peers"},
		{"reregistrations_per_s", "cpu", peers2, "rereg_per_s", "1/s", "", "re-registrations A answered per second in the measured interval"},
		{"keepalives_per_s", "cpu", peers2, "keepalives_per_s", "1/s", "", "Endpoint Keep-Alives A sent (and the load generator answered) per second"},
		{"loadgen_cpu_util", "cpu", peers2, "loadgen_cpu_util", "CPU", "lower", "CPU seconds per second of the load generator (shares the machine)"},
	}
	section(fmt.Sprintf("enrp, registrar CPU at the default re-registration load: %s elements at A, %v s measured; median of %v",
		cpuN, cfg["cpu_seconds"], cfg["reps"]), cpu)
	fmt.Printf("\nbaseline: %s (rsplib's registrar needs kernel SCTP, only in the VM)\n", noPeer)

	benchreport.AddMachine(mach)
	doc := &benchreport.Doc{
		API: "enrp",
		Description: "RSerPool registrar pools: cmd/rspregistrar processes peering over ENRP (RFC 5353, TCP mapping, 127.0.0.1): " +
			"handle table synchronisation time of a new registrar, Handle Update propagation latency, and registrar CPU " +
			"per 1,000 pool elements at the default re-registration load; medians of repeated runs",
		Comparison: noPeer,
		Config:     cfg, Rows: rows, Machine: mach,
	}
	return benchreport.WriteJSON(jsonPath, doc)
}

// num formats a table value: whole numbers from 100 up (the sync, CPU
// and latency values are small, their runs column wants them short).
func num(v float64) string { return benchreport.Num(v, 100) }
