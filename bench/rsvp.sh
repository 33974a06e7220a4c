#!/usr/bin/env bash
# rsvpd benchmark driver, run by scripts/bench.sh:
#
#   bench/rsvp.sh BUILD_DIR RESULTS_DIR
#
# Four network namespaces, H1 - R1 - R2 - H2 joined by veth (made here
# with ip(8)), rsvpd (cmd/rsvpd) in each with default settings (R = 30 s,
# raw IP with Router Alert) and its API socket in a temporary directory;
# the load generator bench/rsvpbench speaks to H1's and H2's daemons as a
# RAPI program would. In one run:
#   setup    reservation set-up time across the two routers: from the
#            sender's request (the Path leaving H1) to the ResvConf at H2,
#            the receiver reserving (Controlled Load, FF, confirmation) as
#            soon as the Path arrives; p50 and p99 over RSVP_SETUP_N
#            sessions made one after another
#   refresh  CPU time per second of R1's rsvpd while it refreshes
#            RSVP_SESSIONS sessions (a sender at H1, a WF reservation from
#            H2 each), measured from /proc over RSVP_CPU_WINDOW seconds
#            once they are all confirmed: R = 30 s, so R1 handles about
#            2 x RSVP_SESSIONS / 30 refreshes per second in each direction
#   share    the share of its reserved rate a 4 Mbit/s UDP flow keeps on a
#            20 Mbit/s HTB-enforced link under a 60 Mbit/s best-effort
#            flood, reserved through rsvpd end to end
#            (BenchmarkReservedShare in core/rsvp/daemon, its own
#            namespaces)
# No peer is measured: no maintained RSVP daemon with RAPI exists (see
# ../shared/reference/rapi.md); the rows carry aims instead.
# Needs root (namespaces, raw sockets, traffic control); without it the
# driver says so and writes no rows.
set -euo pipefail

build=${1:?build dir}
results=${2:?results dir}
root=$(cd "$(dirname "$0")/.." && pwd)
go=$(command -v go 2>/dev/null || echo /usr/local/go/bin/go)
setup_n=${RSVP_SETUP_N:-200}
sessions=${RSVP_SESSIONS:-10000}
window=${RSVP_CPU_WINDOW:-30}

if [ "$(id -u)" != 0 ]; then
	echo "rsvp: needs root (network namespaces, raw sockets, traffic control); skipped"
	exit 0
fi

tmp=$(mktemp -d "$results/rsvp.XXXXXX")
tag=rb$$
ns=(h1 r1 r2 h2)
pids=()
hold=
cleanup() {
	[ -n "$hold" ] && exec {hold}>&- # the load generator ends with its input
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	for n in "${ns[@]}"; do ip netns del "$tag-$n" 2>/dev/null || true; done
	rm -rf "$tmp"
}
trap cleanup EXIT

(cd "$root" && "$go" build -o "$tmp/rsvpd" ./cmd/rsvpd && "$go" build -o "$tmp/rsvpbench" ./bench/rsvpbench)

for n in "${ns[@]}"; do ip netns add "$tag-$n"; ip -n "$tag-$n" link set lo up; done
link() { # link N left right left-ifname right-ifname
	ip link add "$4" netns "$tag-$2" type veth peer name "$5" netns "$tag-$3"
	ip -n "$tag-$2" addr add "10.0.$1.1/24" dev "$4"
	ip -n "$tag-$3" addr add "10.0.$1.2/24" dev "$5"
	ip -n "$tag-$2" link set "$4" up
	ip -n "$tag-$3" link set "$5" up
}
for r in r1 r2; do ip netns exec "$tag-$r" sysctl -qw net.ipv4.ip_forward=1; done
link 1 h1 r1 to-r1 to-h1
link 2 r1 r2 to-r2 to-r1
link 3 r2 h2 to-h2 to-r2
ip -n "$tag-h1" route add default via 10.0.1.2
ip -n "$tag-h2" route add default via 10.0.3.1
ip -n "$tag-r1" route add 10.0.3.0/24 via 10.0.2.2
ip -n "$tag-r2" route add 10.0.1.0/24 via 10.0.2.1

declare -A pid
for n in "${ns[@]}"; do
	prof=(); [ "$n" = r1 ] && [ -n "${RSVP_PROFILE:-}" ] && prof=(-cpuprofile "$RSVP_PROFILE")
	ip netns exec "$tag-$n" "$tmp/rsvpd" -config /dev/null -api "$tmp/$n.sock" -log warn "${prof[@]}" 2>"$tmp/$n.log" &
	pid[$n]=$!
	pids+=($!)
done
for n in "${ns[@]}"; do # each daemon answers its API socket
	for _ in $(seq 200); do
		"$tmp/rsvpd" -status -api "$tmp/$n.sock" >/dev/null 2>&1 && break
		sleep 0.05 # waiting for a process to start; not a measurement
	done
done
bench=("$tmp/rsvpbench" -tx "$tmp/h1.sock" -rx "$tmp/h2.sock" -src 10.0.1.1 -dst 10.0.3.2)

echo "rsvp: set-up time over $setup_n sessions"
setup=$("${bench[@]}" -mode setup -n "$setup_n")
echo "  $setup"
p50=$(sed -n 's/.*setup_p50_ms=\([0-9.]*\).*/\1/p' <<<"$setup")
p99=$(sed -n 's/.*setup_p99_ms=\([0-9.]*\).*/\1/p' <<<"$setup")

echo "rsvp: $sessions sessions, then R1's CPU over ${window}s"
exec {hold}> >(exec "${bench[@]}" -mode load -n "$sessions" >"$tmp/load.out" 2>&1)
for _ in $(seq 6000); do
	grep -q '^ready' "$tmp/load.out" 2>/dev/null && break
	if grep -q 'rsvpbench:' "$tmp/load.out" 2>/dev/null; then cat "$tmp/load.out"; exit 1; fi
	sleep 0.1 # waiting for the load to be in place; not a measurement
done
grep '^ready' "$tmp/load.out"
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
hz=$(getconf CLK_TCK)
t0=$(ticks "${pid[r1]}")
sleep "$window" # the measurement window itself
t1=$(ticks "${pid[r1]}")
cpu=$(awk -v a="$t0" -v b="$t1" -v hz="$hz" -v w="$window" 'BEGIN { printf "%.4f", (b - a) / hz / w }')
states=$("$tmp/rsvpd" -status -api "$tmp/r1.sock" | awk -F: '/^  "states"/ { gsub(/[ ,]/, "", $2); print $2 }')
echo "  R1 rsvpd: $cpu CPU-seconds per second with $states path+reservation states"
exec {hold}>&-
hold=

echo "rsvp: reserved share under a flood"
share=$(cd "$root" && "$go" test -run '^$' -bench '^BenchmarkReservedShare$' -benchtime 1x ./core/rsvp/daemon/ |
	awk '/BenchmarkReservedShare/ { for (i = 1; i < NF; i++) if ($(i+1) == "share") print $i }')
echo "  share $share"

meets() { awk -v v="$1" -v op="$2" -v a="$3" 'BEGIN { if (op == "<") print (v < a ? "true" : "false"); else print (v >= a ? "true" : "false") }'; }
printf '%-34s %12s  %s\n' metric rsvpd aim
printf '%-34s %12s  %s\n' "setup_p50_ms (ms)" "$p50" "< 10 ms"
printf '%-34s %12s  %s\n' "setup_p99_ms (ms)" "$p99" "< 50 ms"
printf '%-34s %12s  %s\n' "refresh_cpu_per_s_${sessions}_sessions" "$cpu" "< 0.05 (5% of a CPU)"
printf '%-34s %12s  %s\n' "reserved_share_under_flood" "$share" ">= 0.8"
cat >"$results/rsvp.json" <<JSON
{
  "api": "rsvp",
  "description": "rsvpd in four network namespaces (H1 - R1 - R2 - H2, veth, raw IP with Router Alert, default R = 30 s): reservation set-up time, router CPU while refreshing many sessions, reserved share under a flood; no peer exists to compare with",
  "config": {"setup_sessions": $setup_n, "refresh_sessions": $sessions, "cpu_window_s": $window, "refresh_period_s": 30},
  "rows": [
    {"metric": "setup_p50_ms", "unit": "ms", "better": "lower", "netcompat": $p50, "baseline": null, "ratio": null, "aim": "< 10 ms", "meets_target": $(meets "$p50" "<" 10), "description": "Path leaving H1 to ResvConf at H2 across R1 and R2, the receiver reserving on the Path event; median over $setup_n sessions"},
    {"metric": "setup_p99_ms", "unit": "ms", "better": "lower", "netcompat": $p99, "baseline": null, "ratio": null, "aim": "< 50 ms", "meets_target": $(meets "$p99" "<" 50), "description": "as setup_p50_ms, 99th percentile"},
    {"metric": "refresh_cpu_per_s", "unit": "CPU s/s", "better": "lower", "netcompat": $cpu, "baseline": null, "ratio": null, "aim": "< 0.05", "meets_target": $(meets "$cpu" "<" 0.05), "description": "R1's rsvpd CPU time per second refreshing $sessions sessions (Path downstream, Resv upstream, R = 30 s), $states states"},
    {"metric": "reserved_share_under_flood", "unit": "fraction", "better": "higher", "netcompat": ${share:-null}, "baseline": null, "ratio": null, "aim": ">= 0.8", "meets_target": $(meets "${share:-0}" ">=" 0.8), "description": "4 Mbit/s reserved UDP flow on a 20 Mbit/s HTB-enforced link under a 60 Mbit/s best-effort flood, reserved through rsvpd end to end"}
  ],
  "machine": {"nproc": $(nproc), "kernel": "$(uname -r)"}
}
JSON
echo "rsvp: wrote $results/rsvp.json"
