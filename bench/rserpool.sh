#!/usr/bin/env bash
# RSerPool registrar benchmark driver, run by scripts/bench.sh:
#
#   bench/rserpool.sh BUILD_DIR RESULTS_DIR
#
# Measures cmd/rspregistrar over TCP bare framing (PPID 11) on 127.0.0.1
# with the load generator bench/rspbench (its package documentation
# describes every measurement), all in one run:
#   rates  handle resolutions per second (items=3, a pool of 10 round-robin
#          elements) and registrations of new PE identifiers per second,
#          RSP_USERS parallel associations, each strictly request/response;
#          the same against `rspbench -echo`, a minimal Go TCP server that
#          reads each bare message and answers with one of exactly the
#          registrar's answer size: the ceiling of this machine. ratio =
#          registrar / echo, aim 0.5 or better. Plus the CPU time the server
#          and the load generator spend per answer.
#   size   100,000 pool elements registered in one pool (round robin, then
#          least used) over 8 associations: registrar VmRSS growth per
#          element, and handle resolution latency p50/p99 (RSP_LAT_N
#          resolutions, items=3, one user) at that size, beside the echo
#          server's latency for messages of the same sizes.
# rspbench and rspregistrar are built with go build into a temporary
# directory under RESULTS_DIR (BUILD_DIR is not used: no C is involved). Every run gets a fresh server process,
# started by this script and always stopped (trap); runs are interleaved,
# registrar, echo, registrar, echo, ...; the table and
# RESULTS_DIR/rserpool.json give the medians of BENCH_REPS runs, and
# RESULTS_DIR/rserpool-raw.txt holds every run's result line.
#
# The registrar runs with -asap=127.0.0.1:0 -asapannounce=off
# -portfile=... -minaddressscope=loopback -loglevel=2, NETCOMPAT_SCTP=tcp,
# and -keepalivetransmissioninterval=300000 (the maximum): keep-alive
# traffic, 20,000 round trips per second for 100,000 elements at the
# default 5 s, is not part of these numbers (the load generator answers
# keep-alives all the same). The registration rate run adds
# -maxelements=-1, since it registers more than the default cap of
# 100,000 elements; the size runs keep the default cap, which 100,000
# elements exactly fill.
#
# Placement (see bench/extagent.sh). Rates run unpinned by default: the
# load generator and the server share the machine's CPUs as a deployed
# registrar would, and eight busy associations keep every CPU awake.
# A single ping-pong left to the scheduler is bimodal (cross-CPU wake-ups
# cost tens of us in a VM), so the size runs (registrations and latency)
# are pinned, by default both processes on one CPU (same): the round trip
# is then the two processes' CPU time plus two context switches, which
# tells the registrar's cost apart from the echo's, run after run. With
# the two on different CPUs (cross) the wake-ups dominate: on a 2-vCPU VM
# 75-120 us for both, bimodal even pinned. RSP_RATE_PLACEMENT (one) and
# RSP_LAT_PLACEMENTS (a list) choose among free, cross and same; "same
# cross" adds about 30 s.
#
# Knobs (environment): BENCH_REPS (3), RSP_USERS (8), RSP_DURATION (2s),
# RSP_WARMUP (300ms), RSP_ITEMS (3), RSP_POOL (10), RSP_BIG_N (100000),
# RSP_FILL_USERS (8), RSP_LAT_N (20000), RSP_POLICIES ("rr lu"),
# RSP_RATE_PLACEMENT (free), RSP_LAT_PLACEMENTS (same), GO (go).
set -euo pipefail

build=${1:?usage: $0 BUILD_DIR RESULTS_DIR}
out=${2:?usage: $0 BUILD_DIR RESULTS_DIR}
: "$build" # unused: nothing here is built by CMake
reps=${BENCH_REPS:-3}
users=${RSP_USERS:-8}
duration=${RSP_DURATION:-2s}
warmup=${RSP_WARMUP:-300ms}
items=${RSP_ITEMS:-3}
poolsize=${RSP_POOL:-10}
bign=${RSP_BIG_N:-100000}
fillusers=${RSP_FILL_USERS:-8}
latn=${RSP_LAT_N:-20000}
policies=${RSP_POLICIES:-rr lu}
rate_place=${RSP_RATE_PLACEMENT:-free}
lat_places=${RSP_LAT_PLACEMENTS:-same}

root=$(cd "$(dirname "$0")/.." && pwd)
GO=${GO:-$(command -v go 2>/dev/null || echo /usr/local/go/bin/go)}
mkdir -p "$out"
out=$(cd "$out" && pwd)
raw=$out/rserpool-raw.txt
: >"$raw"
work=$(mktemp -d "$out/.rserpool.XXXXXX")

# Every process this script starts, stopped on any exit.
srv_pid=
cleanup() {
	if [ -n "$srv_pid" ]; then
		kill -KILL "$srv_pid" 2>/dev/null || true
		wait "$srv_pid" 2>/dev/null || true
	fi
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

start=$SECONDS
echo "rserpool: building rspbench and rspregistrar"
(cd "$root" && "$GO" build -o "$work/rspbench" ./bench/rspbench && "$GO" build -o "$work/rspregistrar" ./cmd/rspregistrar)

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
# checked_placement P: P, or same for cross on a single CPU, or free
# without taskset.
checked_placement() {
	if [ "$1" != free ] && ! command -v taskset >/dev/null; then
		echo "rserpool: no taskset; placement free instead of $1" >&2
		echo free
		return
	fi
	case $1 in
	free | same) echo "$1" ;;
	cross) if ((${#cpus[@]} < 2)); then
		echo "rserpool: one CPU only; placement same instead of cross" >&2
		echo same
	else
		echo cross
	fi ;;
	*) echo "rserpool: unknown placement $1 (free, cross, same)" >&2; return 2 ;;
	esac
}
rate_place=$(checked_placement "$rate_place")
lp=()
for p in $lat_places; do lp+=("$(checked_placement "$p")"); done
lat_places=${lp[*]}
# pins PLACEMENT ROLE: the taskset prefix for the server or the client.
pins() {
	case $1/$2 in
	cross/server) echo "taskset -c ${cpus[1]}" ;;
	cross/client | same/*) echo "taskset -c ${cpus[0]}" ;;
	esac
}

loadavg() { cut -d' ' -f1-3 /proc/loadavg; }
pressure() { sed -n 's/^some avg10=\([^ ]*\) avg60=\([^ ]*\).*/\1 \2/p' /proc/pressure/cpu 2>/dev/null || true; }
load_start=$(loadavg)
pressure_start=$(pressure)

# start_server IMPL PLACEMENT [registrar options...]: starts the registrar
# or the echo baseline; sets srv_pid and srv_port.
start_server() {
	local impl=$1 place=$2 pf=$work/port i
	shift 2
	local pin
	read -ra pin <<<"$(pins "$place" server)"
	rm -f "$pf"
	if [ "$impl" = registrar ]; then
		NETCOMPAT_SCTP=tcp "${pin[@]}" "$work/rspregistrar" -asap=127.0.0.1:0 -asapannounce=off -portfile="$pf" \
			-minaddressscope=loopback -loglevel=2 -keepalivetransmissioninterval=300000 "$@" 2>>"$work/server.log" &
	else
		"${pin[@]}" "$work/rspbench" -echo -listen=127.0.0.1:0 -portfile="$pf" -items="$items" 2>>"$work/server.log" &
	fi
	srv_pid=$!
	for ((i = 0; i < 200; i++)); do
		[ -s "$pf" ] && break
		if ! kill -0 "$srv_pid" 2>/dev/null; then break; fi
		sleep 0.025
	done
	if [ ! -s "$pf" ]; then
		echo "rserpool: $impl did not start:" >&2
		cat "$work/server.log" >&2
		exit 1
	fi
	srv_port=$(cat "$pf")
}

# stop_server: SIGTERM, then SIGKILL after 5 s.
stop_server() {
	local i state
	kill -TERM "$srv_pid" 2>/dev/null || true
	for ((i = 0; i < 200; i++)); do
		state=$(sed 's/.*) \(.\).*/\1/' "/proc/$srv_pid/stat" 2>/dev/null || echo gone)
		[ "$state" = Z ] || [ "$state" = gone ] && break
		sleep 0.025
	done
	kill -KILL "$srv_pid" 2>/dev/null || true
	wait "$srv_pid" 2>/dev/null || true
	srv_pid=
}

field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<" $2"; }

# run REP IMPL PLACEMENT TEST [rspbench options] -- [registrar options]
run() {
	local rep=$1 impl=$2 place=$3 test=$4 args=() sargs=() line what pin
	shift 4
	while (($#)) && [ "$1" != -- ]; do args+=("$1"); shift; done
	(($#)) && shift
	sargs=("$@")
	start_server "$impl" "$place" "${sargs[@]}"
	read -ra pin <<<"$(pins "$place" client)"
	if ! line=$(timeout 120 "${pin[@]}" "$work/rspbench" -test="$test" -target="127.0.0.1:$srv_port" -pid="$srv_pid" \
		-items="$items" "${args[@]}" 2>"$work/client.log"); then
		echo "rserpool: $impl $test ${args[*]} ($place) failed:" >&2
		cat "$work/client.log" "$work/server.log" >&2
		exit 1
	fi
	stop_server
	echo "rep=$rep impl=$impl placement=$place $line" >>"$raw"
	case $test in
	big) what="p50 $(field p50_us "$line") us, p99 $(field p99_us "$line") us"
		[ "$impl" = registrar ] && what="$what, $(field bytes_per_pe "$line") B/PE, fill $(field fill_rate "$line")/s" ;;
	*) what="$(field rate "$line")/s, server $(field server_cpu_us "$line") us CPU each" ;;
	esac
	printf '  %-5s %-6s rep %d  %-9s %s\n' "$place" "$test$(field policy "$line" | sed 's/^/\//')" "$rep" "$impl" "$what"
}

big_opts=()
((bign > 100000)) && big_opts=(-maxelements="$bign")
echo "rserpool: $reps interleaved runs each; rates: $users users x $duration after $warmup ($rate_place);" \
	"size: $bign elements over $fillusers associations, $latn resolutions ($lat_places)"
echo "rserpool: load average at start $load_start"
for ((rep = 1; rep <= reps; rep++)); do
	for test in hr reg; do
		sopts=()
		[ "$test" = reg ] && sopts=(-maxelements=-1)
		for impl in registrar echo; do
			run "$rep" "$impl" "$rate_place" "$test" -users="$users" -duration="$duration" -warmup="$warmup" \
				-poolsize="$poolsize" -- "${sopts[@]}"
		done
	done
done
for lat_place in $lat_places; do
	for ((rep = 1; rep <= reps; rep++)); do
		for pol in $policies; do
			run "$rep" registrar "$lat_place" big -n="$bign" -fillusers="$fillusers" -policy="$pol" -lat="$latn" -- "${big_opts[@]}"
			run "$rep" echo "$lat_place" big -n=0 -policy="$pol" -lat="$latn" --
		done
	done
done
load_end=$(loadavg)
pressure_end=$(pressure)

meta="config.reps=$reps;config.users=$users;config.duration=$duration;config.warmup=$warmup;config.items=$items"
meta+=";config.hr_pool_elements=$poolsize;config.big_pool_elements=$bign;config.fill_associations=$fillusers"
meta+=";config.latency_resolutions=$latn;config.policies=$policies;config.rate_placement=$rate_place"
meta+=";config.latency_placements=$lat_places;config.statistic=median;config.transport=TCP bare framing, 127.0.0.1"
meta+=";config.registrar_options=-asap=127.0.0.1:0 -asapannounce=off -minaddressscope=loopback -loglevel=2"
meta+=" -keepalivetransmissioninterval=300000 (reg rate: -maxelements=-1)"
meta+=";machine.nproc=$(nproc);machine.pinned_cpus=${cpus[*]:0:2}"
meta+=";machine.loadavg_start=$load_start;machine.loadavg_end=$load_end"
meta+=";machine.cpu_pressure_avg10_avg60_start=$pressure_start;machine.cpu_pressure_avg10_avg60_end=$pressure_end"
"$work/rspbench" -report="$raw" -json="$out/rserpool.json" -meta="$meta"

echo "rserpool: load average at start $load_start, at end $load_end" \
	"(CPU pressure avg10/avg60: ${pressure_start:-n/a} -> ${pressure_end:-n/a})"
if awk -v l="${load_start%% *}" -v n="$(nproc)" 'BEGIN { exit !(l > n / 2) }'; then
	echo "rserpool: WARNING: the machine was busy when the benchmark started; other load skews these numbers"
fi
echo "rserpool: wrote $out/rserpool.json (every run: $raw) in $((SECONDS - start)) s"
