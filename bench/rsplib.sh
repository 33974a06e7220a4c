#!/usr/bin/env bash
# rsplib C API benchmark driver, run by scripts/bench.sh:
#
#   bench/rsplib.sh BUILD_DIR RESULTS_DIR
#
# Measures the rsplib C API (enhanced mode: rsp_socket/rsp_register on the
# pool element, rsp_connect on the pool user, rsp_sendmsg/rsp_recvmsg) with
# BUILD_DIR/bench/bench_rsplib (bench/rsplib_bench.c describes each mode)
# against BUILD_DIR/rspregistrar, all on 127.0.0.1, in one run:
#   rtt       64 B strict ping-pong round trips per second between a pool
#             user and a pool element (two processes)
#   bulk      MB/s (10^6 bytes) of RSP_BULK_BYTES sent in RSP_BULK_SIZE
#             messages, pool user to pool element, acknowledged at the end
#   each beside the same two processes over one plain TCP socket
#   (TCP_NODELAY, one write per message): ratio = netcompat / plain TCP.
#   failover  a pool of 3 elements, the pool user echoing continuously; the
#             element serving it is SIGKILLed RSP_KILLS times (a replacement
#             starts after each): time from the kill to the first echo
#             answered by another element, p50 and p99 over the kills
#             (aim: p99 under 500 ms with default settings).
# rtt and bulk run BENCH_REPS times, interleaved netcompat, plain TCP,
# netcompat, ...; the table and RESULTS_DIR/rsplib.json give the medians
# (failover: the percentiles over all kills of all BENCH_REPS runs);
# RESULTS_DIR/rsplib-raw.txt holds every run's result line.
#
# The registrar (one for the whole run, each run uses its own pool handle)
# runs with -asap=127.0.0.1:0 -asapannounce=off -minaddressscope=loopback
# -loglevel=2 and otherwise default settings; NETCOMPAT_SCTP=tcp for every
# process.
#
# Placement (see bench/extagent.sh). An unpinned ping-pong is bimodal
# (cross-CPU wake-ups cost tens of us in a VM; plain TCP rtt varied 4x run
# to run here), so rtt runs in each placement of RSP_RTT_PLACEMENTS:
#   free  not pinned (the scheduler decides; expect spread)
#   same  both processes, with all their threads, on one CPU (the first
#         this script may use): the round trip is both sides' CPU time plus
#         the context switches, with no cross-CPU wake-up
# Bulk, failover and the registrar are not pinned unless RSP_PIN is a CPU
# list (taskset -c RSP_PIN for the registrar and those runs with all their
# processes).
#
# Knobs (environment): BENCH_REPS (3), RSP_RTT_N (20000), RSP_BULK_SIZE
# (16384), RSP_BULK_BYTES (200000000), RSP_KILLS (20 per rep),
# RSP_RTT_PLACEMENTS ("free same"), RSP_PIN ().
set -euo pipefail

build=${1:?usage: $0 BUILD_DIR RESULTS_DIR}
out=${2:?usage: $0 BUILD_DIR RESULTS_DIR}
reps=${BENCH_REPS:-3}
rttn=${RSP_RTT_N:-20000}
bsize=${RSP_BULK_SIZE:-16384}
bbytes=${RSP_BULK_BYTES:-200000000}
kills=${RSP_KILLS:-20}
pin=${RSP_PIN:-}
rttplaces=${RSP_RTT_PLACEMENTS:-free same}

bin=$build/bench/bench_rsplib
reg=$build/rspregistrar
for b in "$bin" "$reg"; do
	[ -x "$b" ] || { echo "rsplib: $b not built" >&2; exit 1; }
done
mkdir -p "$out"
out=$(cd "$out" && pwd)
raw=$out/rsplib-raw.txt
: >"$raw"
work=$(mktemp -d "$out/.rsplib.XXXXXX")
export NETCOMPAT_SCTP=tcp NETCOMPAT_LOG=off

# The first CPU this process may use.
first_cpu() { sed -n 's/^Cpus_allowed_list:[[:space:]]*\([0-9]*\).*/\1/p' /proc/self/status; }
for p in $rttplaces; do
	case $p in free | same) ;; *) echo "rsplib: unknown placement $p (free, same)" >&2; exit 2 ;; esac
done
if ! command -v taskset >/dev/null; then
	[ -n "$pin" ] && echo "rsplib: no taskset; RSP_PIN ignored" >&2
	[[ " $rttplaces " == *" same "* ]] && echo "rsplib: no taskset; rtt placement same skipped" >&2
	pin=
	rttplaces=${rttplaces//same/}
fi
rttcpu=$(first_cpu)
pinpfx=()
[ -n "$pin" ] && pinpfx=(taskset -c "$pin")

# Every process this script starts, stopped on any exit: the registrar and
# the benchmark run in the background (the benchmark kills its own
# elements; its process group is killed too in case it was interrupted).
reg_pid=
run_pid=
cleanup() {
	if [ -n "$run_pid" ]; then
		kill -KILL -- "-$run_pid" 2>/dev/null || kill -KILL "$run_pid" 2>/dev/null || true
		wait "$run_pid" 2>/dev/null || true
	fi
	if [ -n "$reg_pid" ]; then
		kill -TERM "$reg_pid" 2>/dev/null || true
		for ((i = 0; i < 100; i++)); do
			kill -0 "$reg_pid" 2>/dev/null || break
			sleep 0.02
		done
		kill -KILL "$reg_pid" 2>/dev/null || true
		wait "$reg_pid" 2>/dev/null || true
	fi
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

loadavg() { cut -d' ' -f1-3 /proc/loadavg; }
pressure() { sed -n 's/^some avg10=\([^ ]*\) avg60=\([^ ]*\).*/\1 \2/p' /proc/pressure/cpu 2>/dev/null || true; }
load_start=$(loadavg)
pressure_start=$(pressure)
start=$SECONDS

"${pinpfx[@]}" "$reg" -asap=127.0.0.1:0 -asapannounce=off -portfile="$work/port" \
	-minaddressscope=loopback -loglevel=2 2>>"$work/registrar.log" &
reg_pid=$!
for ((i = 0; i < 200; i++)); do
	[ -s "$work/port" ] && break
	kill -0 "$reg_pid" 2>/dev/null || break
	sleep 0.025
done
if [ ! -s "$work/port" ]; then
	echo "rsplib: the registrar did not start:" >&2
	cat "$work/registrar.log" >&2
	exit 1
fi
regarg=-registrar=127.0.0.1:$(cat "$work/port")

field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<" $2"; }

# bench REP PLACEMENT ARGS...: one run of the benchmark (in its own process group,
# bounded by 120 s), its line appended to the raw file.
runpfx=()
bench() {
	local rep=$1 place=$2 line rc=0
	shift 2
	setsid "${runpfx[@]}" timeout -s KILL 120 "$bin" "$regarg" "$@" >"$work/line" 2>"$work/err" &
	run_pid=$!
	wait "$run_pid" || rc=$?
	run_pid=
	line=$(cat "$work/line")
	if ((rc != 0)) || [ -z "$line" ]; then
		echo "rsplib: bench_rsplib $* failed (exit $rc):" >&2
		cat "$work/err" >&2
		exit 1
	fi
	echo "rep=$rep placement=$place $line" >>"$raw"
	case $(field mode "$line") in
	rtt) what="$(field rate "$line") round trips/s ($(field us_per_rtt "$line") us each; PU $(field pu_cpu_us_per_rtt "$line") us CPU, $(field pu_csw_per_rtt "$line") context switches each)" ;;
	bulk) what="$(field mbps "$line") MB/s" ;;
	failover) what="p50 $(field p50_ms "$line") ms, p99 $(field p99_ms "$line") ms, max $(field max_ms "$line") ms over $(field kills "$line") kills" ;;
	esac
	printf '  %-5s %-8s rep %d  %-9s %s\n' "$place" "$(field mode "$line")" "$rep" "$(field impl "$line")" "$what"
}

where() { if [ -n "$1" ]; then echo "pinned to CPUs $1"; else echo "not pinned"; fi; }
echo "rsplib: $reps interleaved runs each; rtt $rttn x 64 B; bulk $bbytes B in $bsize B messages;" \
	"failover $kills kills per run; rtt placements: $rttplaces (same: CPU $rttcpu); bulk and failover $(where "$pin")"
echo "rsplib: load average at start $load_start"
for ((rep = 1; rep <= reps; rep++)); do
	for p in $rttplaces; do
		runpfx=()
		[ "$p" = same ] && runpfx=(taskset -c "$rttcpu")
		bench "$rep" "$p" rtt 64 "$rttn"
		bench "$rep" "$p" -plain rtt 64 "$rttn"
	done
	runpfx=("${pinpfx[@]}")
	bp=free
	[ -n "$pin" ] && bp=pinned
	bench "$rep" "$bp" bulk "$bsize" "$bbytes"
	bench "$rep" "$bp" -plain bulk "$bsize" "$bbytes"
	bench "$rep" "$bp" failover "$kills"
done
load_end=$(loadavg)
pressure_end=$(pressure)

nproc=$(nproc)
kernel=$(uname -r)
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1)
cpu=${cpu//\"/}

awk -v json="$out/rsplib.json" -v nproc="$nproc" -v kernel="$kernel" -v cpu="$cpu" -v reps="$reps" \
	-v rttn="$rttn" -v bsize="$bsize" -v bbytes="$bbytes" -v kills="$kills" -v pin="$pin" -v rttplaces="$rttplaces" -v rttcpu="$rttcpu" \
	-v load_start="$load_start" -v load_end="$load_end" \
	-v pressure_start="$pressure_start" -v pressure_end="$pressure_end" '
function sortnum(list, a,   n, i, j, t) {
	n = split(list, a, /[ ,]+/)
	for (i = 2; i <= n; i++)
		for (j = i; j > 1 && a[j-1] + 0 > a[j] + 0; j--) { t = a[j]; a[j] = a[j-1]; a[j-1] = t }
	return n
}
function median(list,   a, n) {
	n = sortnum(list, a)
	if (n == 0) return 0
	if (n % 2) return a[(n + 1) / 2] + 0
	return (a[n / 2] + a[n / 2 + 1]) / 2
}
function pct(list, p,   a, n, k) {          # nearest rank
	n = sortnum(list, a)
	if (n == 0) return 0
	k = int(p / 100 * n + 0.999999); if (k < 1) k = 1; if (k > n) k = n
	return a[k] + 0
}
function jlist(list,   a, n, i, s) {
	n = split(list, a, /[ ,]+/); s = ""
	for (i = 1; i <= n; i++) if (a[i] != "") s = s (s != "" ? ", " : "") a[i]
	return "[" s "]"
}
function num(v) { return v >= 1000 ? sprintf("%.0f", v) : sprintf("%.3g", v) }
function jstr(s) { gsub(/\\/, "\\\\", s); gsub(/"/, "\\\"", s); return "\"" s "\"" }
function trim(s) { sub(/^[ ,]+/, "", s); return s }
{
	delete kv
	for (i = 1; i <= NF; i++) { split($i, p, "="); kv[p[1]] = p[2] }
	m = kv["mode"]; im = kv["impl"]
	if (m == "rtt") {
		v[m "/" kv["placement"], im] = v[m "/" kv["placement"], im] " " kv["rate"]
		c[kv["placement"], im] = c[kv["placement"], im] " " kv["pu_cpu_us_per_rtt"]
		w[kv["placement"], im] = w[kv["placement"], im] " " kv["pu_csw_per_rtt"]
	}
	if (m == "bulk") v[m, im] = v[m, im] " " kv["mbps"]
	if (m == "failover") {
		all = all "," kv["all_ms"]
		p50s = p50s " " kv["p50_ms"]; p99s = p99s " " kv["p99_ms"]
	}
}
function cmprow(name, mode, unit, desc,   ncl, pll, nc, pl, ratio, base, place, q) {
	ncl = trim(v[mode, "netcompat"]); pll = trim(v[mode, "plain_tcp"])
	nc = median(ncl); pl = median(pll)
	ratio = pl > 0 ? nc / pl : 0
	base = name; place = pin == "" ? "free" : "pinned"
	if (split(name, q, "/") == 2) { base = q[1]; place = q[2] }
	printf "%-26s %12s %12s %7.2f  %s\n", name " (" unit ")", num(nc), num(pl), ratio, "(higher is better)"
	body = body sprintf("%s    {\"metric\": \"%s\", \"name\": \"%s\", \"placement\": \"%s\", \"unit\": \"%s\", \"better\": \"higher\", \"netcompat\": %.4f, \"baseline\": \"plain_tcp\", \"plain_tcp\": %.4f, \"ratio\": %.4f, \"aim\": null, \"target_ratio\": null, \"meets_target\": null, \"netcompat_runs\": %s, \"plain_tcp_runs\": %s, \"description\": %s}", \
		nout++ ? ",\n" : "", name, base, place, unit, nc, pl, ratio, jlist(ncl), jlist(pll), jstr(desc))
}
function forow(name, p, aimv, desc,   val, ok, aim, meets) {
	val = pct(trim(all), p)
	meets = "null"; aim = "(lower is better)"
	if (aimv != "") {
		ok = val < aimv + 0
		meets = ok ? "true" : "false"
		aim = sprintf("< %s ms: %s", aimv, ok ? "met" : "NOT MET")
	}
	printf "%-26s %12s %12s %7s  %s\n", name " (ms)", num(val), "-", "-", aim
	body = body sprintf("%s    {\"metric\": \"%s\", \"name\": \"%s\", \"unit\": \"ms\", \"better\": \"lower\", \"netcompat\": %.4f, \"baseline\": null, \"ratio\": null, \"aim\": %s, \"target\": %s, \"meets_target\": %s, \"netcompat_runs\": %s, \"description\": %s}", \
		nout++ ? ",\n" : "", name, name, val, aimv == "" ? "null" : jstr("< " aimv " ms"), \
		aimv == "" ? "null" : jstr("<" aimv), meets, jlist(trim(p == 50 ? p50s : p99s)), jstr(desc))
}
END {
	body = ""; nout = 0
	nk = sortnum(trim(all), tmp)
	printf "\nrsplib C API over 127.0.0.1 (TCP); rtt/free: not pinned, rtt/same: both on CPU %s; bulk and failover %s; median of %d (failover: %d kills)\n", rttcpu, pin == "" ? "not pinned" : "pinned to CPUs " pin, reps, nk
	printf "%-26s %12s %12s %7s  %s\n", "metric", "netcompat", "plain TCP", "ratio", "aim"
	np = split(rttplaces, PL, " ")
	for (q = 1; q <= np; q++) {
		cmprow("rtt_per_s_64B/" PL[q], "rtt/" PL[q], "1/s", "64 B strict ping-pong round trips per second, pool user <-> pool element (rsp_sendmsg/rsp_recvmsg) vs plain TCP between the same two processes; " (PL[q] == "same" ? "both processes on CPU " rttcpu : "not pinned") "; pool user CPU per round trip (us, all threads): netcompat " median(trim(c[PL[q], "netcompat"])) ", plain " median(trim(c[PL[q], "plain_tcp"])) "; its context switches per round trip: netcompat " median(trim(w[PL[q], "netcompat"])) ", plain " median(trim(w[PL[q], "plain_tcp"])))
		printf "%-26s %12s %12s %7s  %s\n", "  PU CPU us/round trip", num(median(trim(c[PL[q], "netcompat"]))), num(median(trim(c[PL[q], "plain_tcp"]))), "", "(pool user, all threads)"
		printf "%-26s %12s %12s %7s  %s\n", "  PU ctx switches/rt", num(median(trim(w[PL[q], "netcompat"]))), num(median(trim(w[PL[q], "plain_tcp"]))), "", ""
	}
	cmprow("bulk_MB_per_s_" bsize "B", "bulk", "MB/s", "pool user -> pool element throughput, " bsize " B messages, acknowledged at the end (10^6 B/s), vs plain TCP between the same two processes")
	forow("failover_p50_ms", 50, "", "kill of the serving pool element (SIGKILL) to the first echo answered by another element (pool of 3, default settings); median over all kills; netcompat_runs: each run'"'"'s own p50")
	forow("failover_p99_ms", 99, "500", "kill of the serving pool element (SIGKILL) to the first echo answered by another element (pool of 3, default settings); 99th percentile over all kills; netcompat_runs: each run'"'"'s own p99")
	printf "\nratio = netcompat / plain TCP; failover percentiles over all %d kills\n", nk
	printf "{\n  \"api\": \"rsplib\",\n" > json
	printf "  \"description\": %s,\n", jstr("rsplib C API (enhanced mode) on 127.0.0.1 with rspregistrar: echo round trips and bulk throughput through rsp_sendmsg/rsp_recvmsg beside a plain TCP socket between the same two processes, failover time after killing the serving element; medians of interleaved runs") > json
	printf "  \"config\": {\"reps\": %d, \"rtt_count\": %d, \"bulk_message_size\": %d, \"bulk_bytes\": %s, \"kills_per_run\": %d, \"kills_total\": %d, \"pin\": %s, \"rtt_placements\": %s, \"rtt_same_cpu\": %s, \"transport\": \"NETCOMPAT_SCTP=tcp, 127.0.0.1\", \"registrar_options\": \"-asap=127.0.0.1:0 -asapannounce=off -minaddressscope=loopback -loglevel=2\", \"statistic\": \"median\"},\n", reps, rttn, bsize, bbytes, kills, nk, jstr(pin), jstr(rttplaces), jstr(rttcpu) > json
	printf "  \"rows\": [\n%s\n  ],\n", body > json
	printf "  \"machine\": {\"nproc\": %d, \"kernel\": %s, \"cpu\": %s, \"loadavg_start\": %s, \"loadavg_end\": %s, \"cpu_pressure_avg10_avg60_start\": %s, \"cpu_pressure_avg10_avg60_end\": %s}\n}\n", \
		nproc, jstr(kernel), jstr(cpu), jstr(load_start), jstr(load_end), jstr(pressure_start), jstr(pressure_end) > json
}' "$raw"

echo "rsplib: load average at start $load_start, at end $load_end" \
	"(CPU pressure avg10/avg60: ${pressure_start:-n/a} -> ${pressure_end:-n/a})"
if awk -v l="${load_start%% *}" -v n="$nproc" 'BEGIN { exit !(l > n / 2) }'; then
	echo "rsplib: WARNING: the machine was busy when the benchmark started; other load skews these numbers"
fi
echo "rsplib: wrote $out/rsplib.json (every run: $raw) in $((SECONDS - start)) s"
