#!/usr/bin/env bash
# extagent benchmark driver, run by scripts/bench.sh:
#
#   bench/extagent.sh BUILD_DIR RESULTS_DIR
#
# Compares libnetcompat.so.1 (bench/extagent_netcompat.c) with a plain C
# program speaking the same protocol (bench/extagent_plain.c); server and
# agent are separate processes talking over 127.0.0.1:
#   T1 message rate, agent -> server packet callback, 64 B and 1 KiB
#   T3 64 B ping-pong round trip, p50 and p99 (measured in the agent)
# plus the CPU time each side spends per message (getrusage, all threads).
#
# Placement. Where the two processes run decides what a loopback benchmark
# measures: on different CPUs every message may cost a cross-CPU wake-up
# (in a VM an IPI and a halt exit, tens of us); on one CPU it costs a
# context switch. Left to the scheduler, a run lands in either mode at
# random and the results are bimodal, so each placement is pinned:
#   cross  agent on one CPU, server on another (the primary numbers)
#   same   both on one CPU (cheap wake-ups: shows per-call software cost)
#   free   not pinned (opt-in; expect bimodal latencies)
# Threads the library starts inherit the pinning (it is set before first
# use).
#
# Each measurement runs BENCH_REPS times, interleaved netcompat, plain,
# netcompat, plain, ...; the table and RESULTS_DIR/extagent.json give the
# medians; RESULTS_DIR/extagent-raw.txt holds every run's result line.
#
# Knobs (environment): BENCH_REPS (3), BENCH_PLACEMENTS ("cross same"),
# EXTAG_RATE64_N (200000), EXTAG_RATE1K_N (100000), EXTAG_PP_N (20000),
# EXTAG_PP_WARMUP (2000).
set -euo pipefail

build=${1:?usage: $0 BUILD_DIR RESULTS_DIR}
out=${2:?usage: $0 BUILD_DIR RESULTS_DIR}
reps=${BENCH_REPS:-3}
placements=${BENCH_PLACEMENTS:-cross same}
n64=${EXTAG_RATE64_N:-200000}
n1k=${EXTAG_RATE1K_N:-100000}
npp=${EXTAG_PP_N:-20000}
nwarm=${EXTAG_PP_WARMUP:-2000}

nc_bin=$build/bench/bench_extagent_netcompat
plain_bin=$build/bench/bench_extagent_plain
for b in "$nc_bin" "$plain_bin"; do
	[ -x "$b" ] || { echo "extagent: $b not built" >&2; exit 1; }
done
mkdir -p "$out"
raw=$out/extagent-raw.txt
: >"$raw"
export NETCOMPAT_LOG=off

# The CPUs this process may use, e.g. "0 1 2 3".
allowed_cpus() {
	local list item lo hi cpus=()
	list=$(sed -n 's/^Cpus_allowed_list:[[:space:]]*//p' /proc/self/status)
	IFS=, read -ra items <<<"${list:-0}"
	for item in "${items[@]}"; do
		lo=${item%-*} hi=${item#*-}
		for ((c = lo; c <= hi; c++)); do cpus+=("$c"); done
	done
	echo "${cpus[@]}"
}
read -ra cpus <<<"$(allowed_cpus)"

loadavg() { cut -d' ' -f1-3 /proc/loadavg; }
pressure() { sed -n 's/^some avg10=\([^ ]*\) avg60=\([^ ]*\).*/\1 \2/p' /proc/pressure/cpu 2>/dev/null || true; }
load_start=$(loadavg)
pressure_start=$(pressure)

field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<" $2"; }

# measure PLACEMENT NAME ARGS...: one interleaved series.
measure() {
	local placement=$1 name=$2 rep impl bin line what
	shift 2
	case $placement in
	cross) export BENCH_AGENT_CPU=${cpus[0]} BENCH_SERVER_CPU=${cpus[1]} ;;
	same) export BENCH_AGENT_CPU=${cpus[0]} BENCH_SERVER_CPU=${cpus[0]} ;;
	free) unset BENCH_AGENT_CPU BENCH_SERVER_CPU ;;
	esac
	for ((rep = 1; rep <= reps; rep++)); do
		for impl in netcompat plain; do
			bin=$nc_bin
			[ "$impl" = plain ] && bin=$plain_bin
			if ! line=$(timeout 120 "$bin" "$@"); then
				echo "extagent: $impl $* ($placement) failed" >&2
				exit 1
			fi
			echo "placement=$placement test=$name rep=$rep $line" >>"$raw"
			case $name in
			rate*) what="$(field rate "$line") msg/s" ;;
			*) what="p50 $(field p50_us "$line") us, p99 $(field p99_us "$line") us" ;;
			esac
			printf '  %-5s %-6s rep %d  %-9s %s\n' "$placement" "$name" "$rep" "$impl" "$what"
		done
	done
}

echo "extagent: placements: $placements; $reps interleaved runs each;" \
	"rate $n64 x 64 B and $n1k x 1 KiB; ping-pong $npp x 64 B after $nwarm"
echo "extagent: load average at start $load_start"
for placement in $placements; do
	case $placement in
	cross) if ((${#cpus[@]} < 2)); then
		echo "extagent: one CPU only; skipping placement cross"
		continue
	fi ;;
	same | free) ;;
	*) echo "extagent: unknown placement $placement" >&2; exit 2 ;;
	esac
	measure "$placement" rate64 rate 64 "$n64"
	measure "$placement" rate1k rate 1024 "$n1k"
	measure "$placement" pp64 pingpong 64 "$npp" "$nwarm"
done
load_end=$(loadavg)
pressure_end=$(pressure)

# The table and the JSON, from the raw lines: the median of each metric.
# name test key unit better target(ratio) description
rows='msgs_per_s_64B rate64 rate msg/s higher >=1.0 64 B packets per second, agent send loop to server packet callback
msgs_per_s_1KiB rate1k rate msg/s higher >=1.0 1 KiB packets per second, agent send loop to server packet callback
rtt_p50_us_64B pp64 p50_us us lower <=1.5 64 B ping-pong round trip, median
rtt_p99_us_64B pp64 p99_us us lower - 64 B ping-pong round trip, 99th percentile
agent_cpu_us_per_msg_64B rate64 agent_cpu_us us lower - agent CPU (user+sys, all threads) per 64 B packet sent
server_cpu_us_per_msg_64B rate64 server_cpu_us us lower - server CPU (user+sys, all threads) per 64 B packet received
agent_cpu_us_per_msg_1KiB rate1k agent_cpu_us us lower - agent CPU per 1 KiB packet sent
server_cpu_us_per_msg_1KiB rate1k server_cpu_us us lower - server CPU per 1 KiB packet received
agent_cpu_us_per_rtt_64B pp64 agent_cpu_us us lower - agent CPU per 64 B round trip
server_cpu_us_per_rtt_64B pp64 server_cpu_us us lower - server CPU per 64 B round trip
agent_sleeps_per_rtt_64B pp64 agent_vcsw count lower - agent voluntary context switches (all threads) per 64 B round trip
server_sleeps_per_rtt_64B pp64 server_vcsw count lower - server voluntary context switches (all threads) per 64 B round trip'

nproc=$(nproc)
kernel=$(uname -r)
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1)
cpu=${cpu//\"/}

awk -v rows="$rows" -v placements="$placements" -v json="$out/extagent.json" \
	-v nproc="$nproc" -v kernel="$kernel" -v cpu="$cpu" -v reps="$reps" \
	-v n64="$n64" -v n1k="$n1k" -v npp="$npp" -v nwarm="$nwarm" \
	-v cpus="${cpus[*]:0:2}" -v load_start="$load_start" -v load_end="$load_end" \
	-v pressure_start="$pressure_start" -v pressure_end="$pressure_end" '
function median(list,   a, n, i, j, t) {
	n = split(list, a, " ")
	for (i = 2; i <= n; i++)            # insertion sort, numeric
		for (j = i; j > 1 && a[j-1] + 0 > a[j] + 0; j--) { t = a[j]; a[j] = a[j-1]; a[j-1] = t }
	if (n == 0) return 0
	if (n % 2) return a[(n + 1) / 2] + 0
	return (a[n / 2] + a[n / 2 + 1]) / 2
}
function jlist(list,   a, n, i, s) {
	n = split(list, a, " "); s = ""
	for (i = 1; i <= n; i++) s = s (i > 1 ? ", " : "") a[i]
	return "[" s "]"
}
function num(v) { return v >= 1000 ? sprintf("%.0f", v) : sprintf("%.3g", v) }
function jstr(s) { gsub(/\\/, "\\\\", s); gsub(/"/, "\\\"", s); return "\"" s "\"" }
{
	delete kv
	for (i = 1; i <= NF; i++) { split($i, p, "="); kv[p[1]] = p[2] }
	for (k in kv) vals[kv["placement"], kv["test"], kv["impl"], k] = vals[kv["placement"], kv["test"], kv["impl"], k] " " kv[k]
	seen[kv["placement"]] = 1
}
END {
	nrows = split(rows, R, "\n")
	np = split(placements, P, " ")
	where["cross"] = "agent and server on different CPUs (" cpus ")"
	where["same"] = "agent and server on the same CPU"
	where["free"] = "not pinned (scheduler decides; bimodal)"
	body = ""; nout = 0
	for (q = 1; q <= np; q++) {
		pl = P[q]
		if (!(pl in seen)) continue
		printf "\nextagent, %s: %s; median of %d\n", pl, where[pl], reps
		printf "%-30s %12s %12s %7s  %s\n", "metric", "netcompat", "plain C", "ratio", "aim"
		for (r = 1; r <= nrows; r++) {
			split(R[r], f, " ")
			name = f[1]; test = f[2]; key = f[3]; unit = f[4]; better = f[5]; target = f[6]
			desc = R[r]; for (k = 1; k <= 6; k++) sub(/^[^ ]+ /, "", desc)
			ncl = vals[pl, test, "netcompat", key]; pll = vals[pl, test, "plain_c", key]
			nc = median(ncl); plv = median(pll)
			ratio = plv > 0 ? nc / plv : 0
			meets = "null"
			if (target != "-") {
				lim = substr(target, 3) + 0
				ok = (substr(target, 1, 2) == ">=") ? ratio >= lim : ratio <= lim
				meets = ok ? "true" : "false"
				aim = sprintf("ratio %s %s: %s", substr(target, 1, 2), substr(target, 3), ok ? "met" : "NOT MET")
			} else
				aim = "(" better " is better)"
			if (r == 5) printf "%-30s\n", "  cost per message:"
			printf "%-30s %12s %12s %7.2f  %s\n", name " (" unit ")", num(nc), num(plv), ratio, aim
			body = body sprintf("%s    {\"metric\": \"%s/%s\", \"name\": \"%s\", \"placement\": \"%s\", \"unit\": \"%s\", \"better\": \"%s\", \"netcompat\": %.4f, \"plain_c\": %.4f, \"ratio\": %.4f, \"target_ratio\": %s, \"meets_target\": %s, \"netcompat_runs\": %s, \"plain_c_runs\": %s, \"description\": %s}", \
				nout++ ? ",\n" : "", name, pl, name, pl, unit, better, nc, plv, ratio, \
				target == "-" ? "null" : "\"" target "\"", meets, jlist(ncl), jlist(pll), jstr(desc))
		}
	}
	printf "\nratio = netcompat / plain C (msg/s: higher is better; us: lower is better)\n"
	printf "{\n  \"api\": \"extagent\",\n" > json
	printf "  \"description\": %s,\n", jstr("SchemeStation external agents over 127.0.0.1: ssexact_send -> extag packet callback rate (T1) and 64 B ping-pong RTT (T3); netcompat vs a plain C program with the same framing; medians of interleaved runs") > json
	printf "  \"config\": {\"reps\": %d, \"placements\": %s, \"rate_64B_msgs\": %d, \"rate_1KiB_msgs\": %d, \"pingpong_rtts\": %d, \"pingpong_warmup\": %d, \"statistic\": \"median\"},\n", reps, jstr(placements), n64, n1k, npp, nwarm > json
	printf "  \"rows\": [\n%s\n  ],\n", body > json
	printf "  \"machine\": {\"nproc\": %d, \"kernel\": %s, \"cpu\": %s, \"pinned_cpus\": %s, \"loadavg_start\": %s, \"loadavg_end\": %s, \"cpu_pressure_avg10_avg60_start\": %s, \"cpu_pressure_avg10_avg60_end\": %s}\n}\n", \
		nproc, jstr(kernel), jstr(cpu), jstr(cpus), jstr(load_start), jstr(load_end), jstr(pressure_start), jstr(pressure_end) > json
}' "$raw"

echo "extagent: load average at start $load_start, at end $load_end" \
	"(CPU pressure avg10/avg60: ${pressure_start:-n/a} -> ${pressure_end:-n/a})"
if awk -v l="${load_start%% *}" -v n="$nproc" 'BEGIN { exit !(l > n / 2) }'; then
	echo "extagent: WARNING: the machine was busy when the benchmark started; other load skews these numbers"
fi
echo "extagent: wrote $out/extagent.json (every run: $raw)"
