#!/usr/bin/env bash
# WebTP benchmark driver, run by scripts/bench.sh:
#
#   bench/webtp.sh BUILD_DIR RESULTS_DIR
#
# Builds bench/webtp (the Go program webtpbench, a module of its own that
# requires quic-go, netcompat by a replace directive) into
# BUILD_DIR/webtpbench and runs it: netcompat's WebTP (core/webtp) side by
# side with Go's kernel TCP (4-byte length framing over one connection)
# and quic-go (streams; DATAGRAM frames for small unreliable ADUs), all in
# one process and one run, following the plan of
# ../shared/reference/webtp.md §7 scaled down to a few minutes:
#   W1  bulk goodput and CPU s/GB, reliable 64 KiB ADUs, loopback (L0)
#       and the impaired path L1 at 0 % loss
#   W2  one-way ADU latency p50/p99/p99.9 and unreliable delivery ratio,
#       100 ADU/s x 1 KiB and 10 ADU/s x 16 KiB, L1 at 0, 1 and 5 % loss
#   W3  Jain's index of 4 connections (WebTP: one pipe) and their
#       aggregate against one TCP flow through the L1 bottleneck
#   W4  urgent 1 KiB ADUs at 100/s alone and beside bulk on the same pipe
# L1 is core/internal/impair: two network namespaces joined by TUN
# devices and a user-space impairment router in the program (100 Mbit/s,
# 1 ms one way, 1-BDP drop-tail queue, loss on the data direction). The
# package comment of bench/webtp/main.go describes every measurement.
#
# The table goes to stdout, RESULTS_DIR/webtp.json holds the rows (medians
# of BENCH_REPS repetitions, every run's value in *_runs),
# RESULTS_DIR/webtp-raw.txt one line per run. A WebTP run that fails
# gives its rows "netcompat": null and an "error". Without root (no
# namespaces, no TUN) the L1 rows are null with the reason. The driver
# fails when the program does not build or a TCP or quic-go run fails.
#
# As root, net.core.rmem_max and wmem_max are raised to 8 MiB for the run
# (quic-go asks for 7 MiB socket buffers; WebTP's endpoint gets the same
# ceiling) and put back afterwards.
#
# Knobs (environment): BENCH_REPS (3), WEBTP_ONLY (w1,w2,w3,w4),
# WEBTP_BULK (3s, W1 window), WEBTP_LAT (6s, W2 sending time),
# WEBTP_FAIR (10s, W3 window), WEBTP_URGENT (4s, W4 sending time), GO.
set -euo pipefail

build=${1:?usage: $0 BUILD_DIR RESULTS_DIR}
results=${2:?usage: $0 BUILD_DIR RESULTS_DIR}
root=$(cd "$(dirname "$0")/.." && pwd)
go=${GO:-$(command -v go 2>/dev/null || echo /usr/local/go/bin/go)}
mkdir -p "$build" "$results"

restore=()
cleanup() {
	local kv
	for kv in "${restore[@]}"; do sysctl -qw "$kv" || true; done
}
trap cleanup EXIT

echo "webtp: building $build/webtpbench"
(cd "$root/bench/webtp" && "$go" build -o "$build/webtpbench" .)

if [ "$(id -u)" = 0 ]; then
	for k in net.core.rmem_max net.core.wmem_max; do
		cur=$(sysctl -n "$k")
		if [ "$cur" -lt 8388608 ]; then
			restore+=("$k=$cur")
			sysctl -qw "$k=8388608"
		fi
	done
else
	echo "webtp: not root: no impaired path (L1 rows null), socket buffer ceilings as they are" >&2
fi

"$build/webtpbench" \
	-out "$results/webtp.json" -raw "$results/webtp-raw.txt" \
	-reps "${BENCH_REPS:-3}" -only "${WEBTP_ONLY:-w1,w2,w3,w4}" \
	-bulk "${WEBTP_BULK:-3s}" -lat "${WEBTP_LAT:-6s}" -fair "${WEBTP_FAIR:-10s}" -urgent "${WEBTP_URGENT:-4s}"
echo "webtp: wrote $results/webtp.json"
