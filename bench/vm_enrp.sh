#!/usr/bin/env bash
# Registrar pools (ENRP, RFC 5353) over kernel SCTP, netcompat's registrar
# pair beside rsplib's, run by scripts/bench.sh:
#
#   bench/vm_enrp.sh BUILD_DIR RESULTS_DIR
#
# The build machines' kernels have no SCTP, so this runs in the test VM of
# tests/vm (Debian's cloud kernel under qemu, SOFTWARE EMULATION: absolute
# numbers mean little, the ratio is the result). One program,
# bench/vmenrpbench (built static; its package documentation describes
# every measurement), speaks ASAP over kernel SCTP to either registrar
# and measures in one VM run, first on Debian's rsplib 3.4 rspregistrar
# pair, then on netcompat's (BUILD_DIR/rspregistrar):
#   sync  registrar A (10.0.0.1) holds VM_ENRP_N (5,000) pool elements
#         registered over ASAP; a new registrar B (10.0.0.2, -peer=A) of
#         the same implementation is started: time from B's process start
#         until B holds A's handle table, by B's log (sync_s), and from
#         the start of the transfer to its end (sync_transfer_s).
#         netcompat: "mentor found" .. "ENRP startup complete ... from
#         mentor". rsplib's registrar sends its first Presence only when
#         its fixed 5 s mentor discovery timer fires (whatever
#         -mentordiscoverytimeout says), and leaves its startup phase
#         then, before it has a mentor: it then pulls A's elements as a
#         checksum mismatch ("Handle Table synchronization ... is
#         necessary" .. its last page's "Got HandleTableResponse"), in
#         pages of at most 1400 bytes (about 8 elements, whatever
#         -maxelementsperhtrequest says). The 5 s dominate rsplib's
#         sync_s; sync_transfer_s leaves them out for both. rsphsdump of
#         B's ENRP endpoint must then list all N elements.
#   lat   Handle Update propagation: VM_ENRP_LAT (300) new elements, one
#         pool each, registered at A one after another (at most 50/s);
#         time from sending the Registration to A until a Handle
#         Resolution at B (tight loop from A's Registration Response on)
#         answers with the element: p50, p99.
# Both registrars: -maxelementsperhtrequest=128 (rsplib's default; its
# 1400-byte page limit comes first), keep-alive interval
# 300 s (keep-alives do not interfere), static peer, announces off.
# ratio = netcompat / rsplib (lower is better for every row). Writes
# RESULTS_DIR/vm_enrp.json; the VM console goes to RESULTS_DIR/
# vm_enrp-raw.txt. Knobs: VM_ENRP_N, VM_ENRP_LAT, VM_TIMEOUT (240).
set -euo pipefail
build=$(cd "${1:?usage: $0 BUILD_DIR RESULTS_DIR}" && pwd)
results=${2:?usage: $0 BUILD_DIR RESULTS_DIR}
root=$(cd "$(dirname "$0")/.." && pwd)
GO=${GO:-$(command -v go 2>/dev/null || echo /usr/local/go/bin/go)}
n=${VM_ENRP_N:-5000}
lat=${VM_ENRP_LAT:-300}
mkdir -p "$results" "$build/bench"

for f in "$build/rspregistrar" "$build/rsphsdump"; do
	if ! [ -x "$f" ]; then
		echo "vm_enrp: skipped: $f is missing (build the project first)"
		exit 0
	fi
done
prog=$build/bench/vmenrpbench
(cd "$root" && CGO_ENABLED=0 "$GO" build -o "$prog" ./bench/vmenrpbench)

loadavg() { cut -d' ' -f1-3 /proc/loadavg; }
load_start=$(loadavg)
set +e
VM_TIMEOUT=${VM_TIMEOUT:-240} VM_FILES="$prog" \
	VM_TESTS="vm_enrp 200 1 $prog -netcompat=$build/rspregistrar -hsdump=$build/rsphsdump -n=$n -lat=$lat -timeout=90s" \
	"$root/tests/vm/run.sh" "$build" >"$results/vm_enrp-raw.txt" 2>&1
rc=$?
set -e
load_end=$(loadavg)
if [ $rc -eq 77 ]; then
	echo "vm_enrp: skipped: $(grep 'SKIP' "$results/vm_enrp-raw.txt" | tail -n 1)"
	exit 0
fi
if [ $rc -ne 0 ]; then
	grep -E '^(VMENRP|---|  )' "$build/vm-console.log" 2>/dev/null | tail -n 100
	tail -n 15 "$results/vm_enrp-raw.txt"
	echo "vm_enrp: the VM run failed" >&2
	exit 1
fi

# "VMENRP <impl> ... test=sync ... sync_secs=N ..." / "test=lat ... p50_ms=N ..."
val() { grep "^VMENRP impl=$1 test=$2 " "$build/vm-console.log" | tail -n 1 | tr ' ' '\n' | sed -n "s/^$3=//p"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || b == 0) print "null"; else printf "%.3f", a / b }'; }
num() { [ -n "$1" ] && echo "$1" || echo null; }
rows=(
	"sync_s sync sync_secs s startup of a new registrar B until it holds all N elements of A (process start to its log line); rsplib's includes its fixed 5 s mentor discovery timer before its first Presence"
	"sync_start_s sync mentor_secs s B's process start to the start of the handle table transfer (netcompat: mentor found; rsplib: checksum mismatch after its first Presence exchange)"
	"sync_transfer_s sync transfer_secs s the handle table transfer to B, start to B holding all N elements (netcompat: 128 elements per page; rsplib: pages of at most 1400 bytes, about 8 elements)"
	"fill_s sync fill_secs s registering the N elements at A over 8 ASAP associations (kernel SCTP), strictly request/response"
	"update_p50_ms lat p50_ms ms Handle Update propagation: Registration sent to A until a Handle Resolution at B holds the element, median"
	"update_p99_ms lat p99_ms ms the same, 99th percentile"
	"reg_p50_ms lat reg_p50_ms ms Registration round trip at A (peer B), median"
)
printf '%-18s %12s %12s %8s\n' metric netcompat rsplib ratio
json_rows=()
for r in "${rows[@]}"; do
	read -r metric test key unit desc <<<"$r"
	nc=$(val netcompat "$test" "$key") rs=$(val rsplib "$test" "$key")
	printf '%-18s %12s %12s %8s\n' "$metric" "${nc:--}" "${rs:--}" "$(ratio "$nc" "$rs")"
	json_rows+=("    {\"metric\": \"$metric\", \"unit\": \"$unit\", \"better\": \"lower\", \"netcompat\": $(num "$nc"), \"baseline\": \"rsplib\", \"rsplib\": $(num "$rs"), \"ratio\": $(ratio "$nc" "$rs"), \"description\": \"$desc\"}")
done
{
	cat <<JSON
{
  "api": "vm_enrp",
  "description": "ENRP registrar pools over kernel SCTP in the test VM (qemu software emulation: only the ratios mean something): Debian's rsplib 3.4 registrar pair and netcompat's, driven by bench/vmenrpbench over ASAP (kernel SCTP); N=$n elements for sync, $lat samples for Handle Update propagation",
  "rows": [
JSON
	(IFS=$'\n'; sed '$!s/$/,/' <<<"${json_rows[*]}")
	cat <<JSON
  ],
  "config": {"sync_elements": $n, "lat_samples": $lat, "page_size": 128, "keepalive_interval_ms": 300000},
  "machine": {"nproc": $(nproc), "kernel": "$(uname -r)", "vm": "qemu tcg, Debian cloud kernel, 2 vCPUs", "loadavg_start": "$load_start", "loadavg_end": "$load_end"}
}
JSON
} >"$results/vm_enrp.json"
echo "vm_enrp: load average at start $load_start, at end $load_end"
if awk -v l="${load_end%% *}" -v n="$(nproc)" 'BEGIN { exit !(l > n + 1) }'; then
	echo "vm_enrp: WARNING: the host was busy besides the VM (load average above nproc+1; the VM alone is about 2); other load skews these numbers (the tails most)"
fi
echo "vm_enrp: wrote $results/vm_enrp.json"
