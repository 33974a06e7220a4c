#!/usr/bin/env bash
# RAPI benchmark driver, run by scripts/bench.sh:
#
#   bench/rapi.sh BUILD_DIR RESULTS_DIR
#
# bench_rapi (bench/rapi_bench.c, built by CMake) starts BUILD_DIR/rsvpd
# with -encap udp and its API socket in a temporary directory and uses
# the RAPI library (libnetcompat.so.1) on 127.0.0.1:
#   cycles   RAPI_CYCLES cycles of rapi_session (receiver), rapi_session
#            (sender), rapi_sender, rapi_reserve (FF), rapi_release x 2,
#            each on a fresh destination port, upcalls dispatched as they
#            become due: cycles and RAPI calls per second
#   latency  RAPI_SAMPLES times, a sender and a receiver whose Path has
#            arrived: from rapi_reserve at the receiver to the RESV_EVENT
#            upcall at the sender (daemon event, API socket, the RAPI
#            descriptor waking, rapi_dispatch); p50 and p99
# Each is run RAPI_REPS times; the rows give the medians.
# No peer is measured: no maintained RSVP daemon with RAPI exists (see
# ../shared/reference/rapi.md); the rows carry aims instead. Needs no root
# (UDP encapsulation ports 1698/1699 must be free on the host).
set -euo pipefail

build=${1:?usage: $0 BUILD_DIR RESULTS_DIR}
results=${2:?usage: $0 BUILD_DIR RESULTS_DIR}
cycles=${RAPI_CYCLES:-5000}
samples=${RAPI_SAMPLES:-1000}
reps=${RAPI_REPS:-3}
bin=$build/bench/bench_rapi
rsvpd=$build/rsvpd
for f in "$bin" "$rsvpd"; do
	[ -x "$f" ] || { echo "rapi: $f missing: build first (cmake --build $build)" >&2; exit 1; }
done
mkdir -p "$results"

runs=()
for r in $(seq "$reps"); do
	line=$("$bin" "$rsvpd" "$cycles" "$samples")
	echo "  run $r: $line"
	runs+=("$line")
done
field() { # field NAME: the median of NAME=value over the runs
	printf '%s\n' "${runs[@]}" | sed -n "s/.*\\b$1=\\([0-9.]*\\).*/\\1/p" | sort -g |
		awk '{ v[NR] = $1 } END { if (NR == 0) print "null"; else if (NR % 2) print v[(NR + 1) / 2]; else printf "%.4f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
list() { printf '%s\n' "${runs[@]}" | sed -n "s/.*\\b$1=\\([0-9.]*\\).*/\\1/p" | paste -sd, -; }
cps=$(field cycles_per_s)
calls=$(field calls_per_s)
p50=$(field latency_p50_ms)
p99=$(field latency_p99_ms)

meets() { awk -v v="$1" -v op="$2" -v a="$3" 'BEGIN { if (v == "null") print "null"; else if (op == "<") print (v < a ? "true" : "false"); else print (v >= a ? "true" : "false") }'; }
printf '%-34s %12s  %s\n' metric netcompat aim
printf '%-34s %12s  %s\n' "cycles_per_s" "$cps" ">= 1000"
printf '%-34s %12s  %s\n' "calls_per_s" "$calls" ">= 6000"
printf '%-34s %12s  %s\n' "dispatch_latency_p50_ms (ms)" "$p50" "< 1 ms"
printf '%-34s %12s  %s\n' "dispatch_latency_p99_ms (ms)" "$p99" "< 5 ms"
cat >"$results/rapi.json" <<JSON
{
  "api": "rapi",
  "description": "RAPI library (librsvp, libnetcompat.so.1) against rsvpd on 127.0.0.1 (UDP encapsulation, API socket in a temporary directory): session+sender+reserve+release cycles per second and the latency from rapi_reserve at a receiver to the RESV_EVENT upcall at a sender; medians of $reps runs; no peer exists to compare with",
  "config": {"cycles": $cycles, "latency_samples": $samples, "reps": $reps, "encapsulation": "udp", "statistic": "median"},
  "rows": [
    {"metric": "cycles_per_s", "unit": "cycles/s", "better": "higher", "netcompat": $cps, "baseline": null, "ratio": null, "aim": ">= 1000", "meets_target": $(meets "$cps" ">=" 1000), "netcompat_runs": [$(list cycles_per_s)], "description": "rapi_session x 2, rapi_sender, rapi_reserve (FF), rapi_release x 2 on a fresh destination port, due upcalls dispatched; $cycles cycles"},
    {"metric": "calls_per_s", "unit": "calls/s", "better": "higher", "netcompat": $calls, "baseline": null, "ratio": null, "aim": ">= 6000", "meets_target": $(meets "$calls" ">=" 6000), "netcompat_runs": [$(list calls_per_s)], "description": "as cycles_per_s, counting the six RAPI calls of a cycle"},
    {"metric": "dispatch_latency_p50_ms", "unit": "ms", "better": "lower", "netcompat": $p50, "baseline": null, "ratio": null, "aim": "< 1 ms", "meets_target": $(meets "$p50" "<" 1), "netcompat_runs": [$(list latency_p50_ms)], "description": "rapi_reserve at the receiver to the RESV_EVENT upcall at the sender (rsvpd's event over the API socket, poll on rapi_getfd, rapi_dispatch); median of $samples"},
    {"metric": "dispatch_latency_p99_ms", "unit": "ms", "better": "lower", "netcompat": $p99, "baseline": null, "ratio": null, "aim": "< 5 ms", "meets_target": $(meets "$p99" "<" 5), "netcompat_runs": [$(list latency_p99_ms)], "description": "as dispatch_latency_p50_ms, 99th percentile"}
  ],
  "machine": {"nproc": $(nproc), "kernel": "$(uname -r)"}
}
JSON
echo "rapi: wrote $results/rapi.json"
