#!/usr/bin/env bash
# ENRP (registrar pool) benchmark driver, run by scripts/bench.sh:
#
#   bench/enrp.sh BUILD_DIR RESULTS_DIR
#
# Measures cmd/rspregistrar processes peering over ENRP (RFC 5353) with
# the TCP mapping (NETCOMPAT_SCTP=tcp) on 127.0.0.1, driven by
# bench/enrpbench (its package documentation describes every
# measurement); each measurement starts its own registrars and stops them:
#   sync  registrar A holds ENRP_SYNC_N (30,000) pool elements in
#         ENRP_SYNC_POOLS pools, registered over 8 ASAP associations
#         (keep-alive interval at its maximum, keep-alives answered all
#         the same); a new registrar B (-peer=A) is started once per page
#         size in ENRP_SYNC_PAGES (-maxelementsperhtrequest, "128 1024"):
#         time from B's process start until B logs "ENRP startup
#         complete ... handle table received from mentor" (read from its
#         standard error as it is written), and elements per second;
#         B's log line and a SIGUSR1 dump must both hold every element.
#   lat   A, B, C in a full mesh; ENRP_LAT_N (2,000) new pool elements,
#         each in a pool of its own, registered at A at up to
#         ENRP_LAT_RATE (200) per second after 100 unrecorded ones: time
#         from sending the Registration until a Handle Resolution at B,
#         resp. C, answers with the element (resolutions in a tight loop
#         from A's Registration Response on); p50, p90, p99, max.
#   cpu   A, B, C in a full mesh with the default keep-alive interval
#         (5 s); ENRP_CPU_N (10,000) elements at A, each re-registered
#         every 10 s (spread evenly, life 30 s; every re-registration is
#         a Handle Update to both peers), keep-alives answered; after
#         ENRP_CPU_WARMUP (6s), each registrar's utime+stime over
#         ENRP_CPU_SECONDS (20): CPU seconds per second per 1,000 pool
#         elements for the owner and for a peer; the same load on A
#         alone (no peers) as the ASAP-only reference (ENRP_CPU_ALONE=0
#         skips it).
# No peer implementation runs on this host: rsplib's registrar needs
# kernel SCTP, which only the VM has (bench/vm_sctp.sh), so the table and
# RESULTS_DIR/enrp.json say "no peer on host; rsplib comparison: not
# measured". The table and enrp.json give the medians of BENCH_REPS runs;
# RESULTS_DIR/enrp-raw.txt holds every run's result line. Processes are
# not pinned: three registrars and the load generator share the
# machine's CPUs, as registrars on one host would.
#
# enrpbench and rspregistrar are built with go build into a temporary
# directory under RESULTS_DIR (BUILD_DIR is not used: no C is involved).
# Knobs (environment): BENCH_REPS (3), ENRP_SYNC_N (30000),
# ENRP_SYNC_POOLS (10), ENRP_SYNC_PAGES ("128 1024"), ENRP_LAT_N (2000),
# ENRP_LAT_RATE (200), ENRP_CPU_N (10000), ENRP_CPU_SECONDS (20),
# ENRP_CPU_WARMUP (6s), ENRP_CPU_ALONE (1), ENRP_TESTS ("sync lat cpu"),
# GO (go).
set -euo pipefail

build=${1:?usage: $0 BUILD_DIR RESULTS_DIR}
out=${2:?usage: $0 BUILD_DIR RESULTS_DIR}
: "$build" # unused: nothing here is built by CMake
reps=${BENCH_REPS:-3}
sync_n=${ENRP_SYNC_N:-30000}
sync_pools=${ENRP_SYNC_POOLS:-10}
sync_pages=${ENRP_SYNC_PAGES:-128 1024}
lat_n=${ENRP_LAT_N:-2000}
lat_rate=${ENRP_LAT_RATE:-200}
cpu_n=${ENRP_CPU_N:-10000}
cpu_secs=${ENRP_CPU_SECONDS:-20}
cpu_warmup=${ENRP_CPU_WARMUP:-6s}
cpu_alone=${ENRP_CPU_ALONE:-1}
tests=${ENRP_TESTS:-sync lat cpu}

root=$(cd "$(dirname "$0")/.." && pwd)
GO=${GO:-$(command -v go 2>/dev/null || echo /usr/local/go/bin/go)}
mkdir -p "$out"
out=$(cd "$out" && pwd)
raw=$out/enrp-raw.txt
: >"$raw"
work=$(mktemp -d "$out/.enrp.XXXXXX")

# enrpbench starts the registrars; they die with it (it stops them on
# SIGTERM, and a parent-death signal covers the rest).
bench_pid=
cleanup() {
	if [ -n "$bench_pid" ]; then
		kill -TERM "$bench_pid" 2>/dev/null || true
		wait "$bench_pid" 2>/dev/null || true
	fi
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

start=$SECONDS
echo "enrp: building enrpbench and rspregistrar"
(cd "$root" && "$GO" build -o "$work/enrpbench" ./bench/enrpbench && "$GO" build -o "$work/rspregistrar" ./cmd/rspregistrar)

loadavg() { cut -d' ' -f1-3 /proc/loadavg; }
load_start=$(loadavg)

field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<" $2"; }

# run REP TEST [enrpbench options]: one measurement, its lines into $raw.
run() {
	local rep=$1 test=$2 rc=0 line
	shift 2
	rm -rf "$work/run" && mkdir "$work/run"
	"$work/enrpbench" -test="$test" -registrar="$work/rspregistrar" -workdir="$work/run" "$@" \
		>"$work/out" 2>"$work/err" &
	bench_pid=$!
	wait "$bench_pid" || rc=$?
	bench_pid=
	if ((rc != 0)); then
		echo "enrp: $test $* failed:" >&2
		cat "$work/err" >&2
		for f in "$work"/run/*.log; do
			[ -f "$f" ] && { echo "--- $(basename "$f") (last lines)"; tail -n 20 "$f"; } >&2
		done
		exit 1
	fi
	while read -r line; do
		echo "rep=$rep $line" >>"$raw"
		case $test in
		sync) printf '  rep %d  sync page %-5s %s s (%s elements/s; transfer %s s)\n' "$rep" "$(field page "$line")" \
			"$(field sync_secs "$line")" "$(field elements_per_s "$line")" "$(field transfer_secs "$line")" ;;
		lat) printf '  rep %d  lat  p50 %s us, p99 %s us, max %s us (registration at A p50 %s us)\n' "$rep" \
			"$(field p50_us "$line")" "$(field p99_us "$line")" "$(field max_us "$line")" "$(field reg_p50_us "$line")" ;;
		cpu) printf '  rep %d  cpu  peers %s: owner %s CPU, peer %s CPU (%s re-registrations/s, %s keep-alives/s)\n' "$rep" \
			"$(field peers "$line")" "$(field owner_cpu_util "$line")" "$(pc=$(field peer_cpu_util "$line"); echo "${pc:--}")" \
			"$(field rereg_per_s "$line")" "$(field keepalives_per_s "$line")" ;;
		esac
	done <"$work/out"
}

echo "enrp: $reps runs each of: $tests; sync $sync_n elements (pages ${sync_pages// /,}), lat $lat_n elements at $lat_rate/s," \
	"cpu $cpu_n elements for $cpu_secs s after $cpu_warmup"
echo "enrp: load average at start $load_start"
for ((rep = 1; rep <= reps; rep++)); do
	for test in $tests; do
		case $test in
		sync) run "$rep" sync -n="$sync_n" -pools="$sync_pools" -pagesizes="${sync_pages// /,}" ;;
		lat) run "$rep" lat -n="$lat_n" -rate="$lat_rate" ;;
		cpu)
			run "$rep" cpu -n="$cpu_n" -seconds="$cpu_secs" -cpuwarmup="$cpu_warmup" -peers=2
			[ "$cpu_alone" = 0 ] || run "$rep" cpu -n="$cpu_n" -seconds="$cpu_secs" -cpuwarmup="$cpu_warmup" -peers=0
			;;
		*) echo "enrp: unknown test $test (sync, lat, cpu)" >&2; exit 2 ;;
		esac
	done
done
load_end=$(loadavg)

meta="config.reps=$reps;config.sync_elements=$sync_n;config.sync_pools=$sync_pools;config.sync_page_sizes=$sync_pages"
meta+=";config.lat_elements=$lat_n;config.lat_rate=$lat_rate;config.cpu_elements=$cpu_n;config.cpu_seconds=$cpu_secs"
meta+=";config.cpu_warmup=$cpu_warmup;config.tests=$tests;config.statistic=median"
meta+=";config.transport=ENRP and ASAP over TCP (NETCOMPAT_SCTP=tcp), 127.0.0.1, not pinned"
meta+=";config.registrar_options=-asap=127.0.0.1:0 -asapannounce=off -enrp=127.0.0.1:0 -enrpannounce=off -minaddressscope=loopback"
meta+=" -loglevel=info -dumpfile=...;config.static_peers=B names A, C names A and B"
meta+=";config.keepalive_interval=sync and lat: -keepalivetransmissioninterval=300000 (the maximum), cpu: default 5000 ms"
meta+=";config.max_elements=sync (A and B) and cpu: -maxelements=-1, lat: default"
meta+=";config.lat_poll=Handle Resolutions at B and C in a tight loop from A's Registration Response on"
meta+=";config.cpu_load=each element re-registered every 10 s (life 30 s), spread evenly, keep-alives answered"
meta+=";machine.nproc=$(nproc);machine.loadavg_start=$load_start;machine.loadavg_end=$load_end"
"$work/enrpbench" -report="$raw" -json="$out/enrp.json" -meta="$meta"

echo "enrp: load average at start $load_start, at end $load_end"
if awk -v l="${load_start%% *}" -v n="$(nproc)" 'BEGIN { exit !(l > n / 2) }'; then
	echo "enrp: WARNING: the machine was busy when the benchmark started; other load skews these numbers"
fi
echo "enrp: wrote $out/enrp.json (every run: $raw) in $((SECONDS - start)) s"
