#!/usr/bin/env bash
# RSerPool over kernel SCTP, netcompat beside rsplib, run by
# scripts/bench.sh:
#
#   bench/vm_sctp.sh BUILD_DIR RESULTS_DIR
#
# The build machines' kernels have no SCTP, so this runs in the test VM of
# tests/vm (Debian's cloud kernel under qemu, SOFTWARE EMULATION: absolute
# numbers mean little, the ratio is the result). One benchmark program,
# bench/rsplib_bench.c linked against librsplib.so.3 (so the same binary
# runs on either implementation), measures in one VM run:
#   rtt       64 B strict ping-pong round trips per second between a pool
#             user and a pool element (two processes, one session)
#   failover  time from SIGKILL of the serving element to the first echo
#             answered by another one, p50 over BENCH_KILLS kills
# once on netcompat (its librsplib.so.3 and rspregistrar) and once on
# Debian's rsplib 3.4 (librsplib.so.3 and rspregistrar), both with kernel
# SCTP. ratio = netcompat / rsplib. Writes RESULTS_DIR/vm_sctp.json.
set -euo pipefail
build=$(cd "${1:?usage: $0 BUILD_DIR RESULTS_DIR}" && pwd)
results=${2:?usage: $0 BUILD_DIR RESULTS_DIR}
root=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$results"

# Linked against a real librsplib.so.3 (Debian's: librsplib-dev, or the
# package the VM run keeps in its cache), so that its one DT_NEEDED is
# librsplib.so.3; LD_LIBRARY_PATH then picks netcompat's (an empty ELF
# object that pulls in libnetcompat.so.1) or rsplib's.
prog=$build/bench/rsplib_bench_so3
rsplib_so=
for f in /usr/lib/x86_64-linux-gnu/librsplib.so.3 "$build/vm-cache/librsplib3/usr/lib/x86_64-linux-gnu/librsplib.so.3"; do
	[ -e "$f" ] && { rsplib_so=$f; break; }
done
if [ -z "$rsplib_so" ]; then
	echo "vm_sctp: skipped: no librsplib.so.3 to link against (apt-get install librsplib-dev, or run tests/vm/run.sh once)"
	exit 0
fi
cc -O2 -Wall -I"$root/include" -o "$prog" "$root/bench/rsplib_bench.c" "$rsplib_so"

set +e
VM_FILES="$prog $build/librsplib.so.3" \
	VM_TESTS="rsplib_bench 280 1 env BENCH_PROG=$prog BENCH_KILLS=${BENCH_KILLS:-3} sh /vm/bench/rsplib-bench.sh" \
	"$root/tests/vm/run.sh" "$build" >"$results/vm_sctp-raw.txt" 2>&1
rc=$?
set -e
if [ $rc -eq 77 ]; then
	echo "vm_sctp: skipped: $(grep 'SKIP' "$results/vm_sctp-raw.txt" | tail -n 1)"
	exit 0
fi
[ $rc -eq 0 ] || { tail -n 30 "$results/vm_sctp-raw.txt"; echo "vm_sctp: the VM run failed" >&2; exit 1; }

# "VMBENCH <impl> impl=... mode=rtt ... rate=N ..." / "mode=failover ... p50_ms=N ..."
val() { grep "^VMBENCH $1 .*mode=$2 " "$build/vm-console.log" | tail -n 1 | tr ' ' '\n' | sed -n "s/^$3=//p"; }
nc_rate=$(val netcompat rtt rate) rs_rate=$(val rsplib rtt rate)
nc_fo=$(val netcompat failover p50_ms) rs_fo=$(val rsplib failover p50_ms)
nc_cpu=$(val netcompat rtt pu_cpu_us_per_rtt) rs_cpu=$(val rsplib rtt pu_cpu_us_per_rtt)
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || b == 0) print "null"; else printf "%.3f", a / b }'; }
num() { [ -n "$1" ] && echo "$1" || echo null; }
printf '%-28s %12s %12s %8s\n' metric netcompat rsplib ratio
printf '%-28s %12s %12s %8s\n' "echo_rtt_per_s (kernel SCTP)" "$nc_rate" "$rs_rate" "$(ratio "$nc_rate" "$rs_rate")"
printf '%-28s %12s %12s %8s\n' "pu_cpu_us_per_rtt" "$nc_cpu" "$rs_cpu" "$(ratio "$nc_cpu" "$rs_cpu")"
printf '%-28s %12s %12s %8s\n' "failover_p50_ms" "$nc_fo" "$rs_fo" "$(ratio "$nc_fo" "$rs_fo")"
cat >"$results/vm_sctp.json" <<JSON
{
  "api": "vm_sctp",
  "description": "RSerPool over kernel SCTP in the test VM (qemu software emulation: only the ratios mean something): one benchmark program (bench/rsplib_bench.c against librsplib.so.3), on netcompat and on Debian's rsplib 3.4, each with its own registrar",
  "rows": [
    {"metric": "echo_rtt_per_s", "unit": "round trips/s", "better": "higher", "netcompat": $(num "$nc_rate"), "baseline": "rsplib", "rsplib": $(num "$rs_rate"), "ratio": $(ratio "$nc_rate" "$rs_rate"), "description": "64 B strict ping-pong, pool user and pool element in two processes, kernel SCTP"},
    {"metric": "pu_cpu_us_per_rtt", "unit": "us", "better": "lower", "netcompat": $(num "$nc_cpu"), "baseline": "rsplib", "rsplib": $(num "$rs_cpu"), "ratio": $(ratio "$nc_cpu" "$rs_cpu"), "description": "the pool user's CPU time per round trip: rsplib's rsp_recvmsg with timeout -1 returns EINPROGRESS at once, so its pool user polls (CPU time = wall time)"},
    {"metric": "failover_p50_ms", "unit": "ms", "better": "lower", "netcompat": $(num "$nc_fo"), "baseline": "rsplib", "rsplib": $(num "$rs_fo"), "ratio": $(ratio "$nc_fo" "$rs_fo"), "description": "SIGKILL of the serving element to the first echo from another, median over ${BENCH_KILLS:-3} kills"}
  ],
  "machine": {"nproc": $(nproc), "kernel": "$(uname -r)", "vm": "qemu tcg, Debian cloud kernel"}
}
JSON
echo "vm_sctp: wrote $results/vm_sctp.json"
