#!/usr/bin/env bash
# `make bench`: runs every benchmark driver under bench/ and merges their
# results into bench-results/summary.json.
#
#   scripts/bench.sh [BUILD_DIR]
#
# A driver is bench/*.sh (run with bash) or any other executable file
# directly in bench/. It is called as `driver BUILD_DIR RESULTS_DIR`,
# prints its own table, and writes RESULTS_DIR/<api>.json:
#   {"api": ..., "rows": [{"metric", "netcompat", "plain_c", "ratio", ...}],
#    "machine": {...}}
# (a row compared with another baseline than plain C names it in
# "baseline" and holds its value under that name instead of "plain_c").
# BENCH_ONLY=name[,name] runs only those drivers (file names without .sh);
# BENCH_RESULTS sets the results directory (default bench-results).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-build}
case $build in /*) ;; *) build=$PWD/$build ;; esac
results=${BENCH_RESULTS:-$root/bench-results}
mkdir -p "$results"
results=$(cd "$results" && pwd)

stamp=$(mktemp)
trap 'rm -f "$stamp"' EXIT

drivers=()
for f in "$root"/bench/*; do
	[ -f "$f" ] || continue
	case $f in
	*.sh) ;;
	*.c | *.h | *.txt | *.md | *.cmake) continue ;;
	*) [ -x "$f" ] || continue ;;
	esac
	name=$(basename "$f" .sh)
	if [ -n "${BENCH_ONLY:-}" ] && [[ ",$BENCH_ONLY," != *",$name,"* ]]; then
		continue
	fi
	drivers+=("$f")
done
if ((${#drivers[@]} == 0)); then
	echo "bench: no drivers in $root/bench${BENCH_ONLY:+ match BENCH_ONLY=$BENCH_ONLY}" >&2
	exit 1
fi

failed=()
for d in "${drivers[@]}"; do
	echo "== bench: $(basename "$d")"
	start=$SECONDS
	case $d in
	*.sh) bash "$d" "$build" "$results" || failed+=("$(basename "$d")") ;;
	*) "$d" "$build" "$results" || failed+=("$(basename "$d")") ;;
	esac
	echo "== bench: $(basename "$d") took $((SECONDS - start)) s"
done

# summary.json: every API result written by this run, keyed by API name.
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1)
{
	printf '{\n  "generated": "%s",\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
	printf '  "commit": "%s",\n' "$(git -C "$root" describe --always --dirty 2>/dev/null || echo unknown)"
	printf '  "machine": {"nproc": %s, "kernel": "%s", "cpu": "%s"},\n' "$(nproc)" "$(uname -r)" "${cpu//\"/}"
	printf '  "apis": {'
	sep=""
	for j in "$results"/*.json; do
		[ -f "$j" ] && [ "$(basename "$j")" != summary.json ] && [ "$j" -nt "$stamp" ] || continue
		printf '%s\n    "%s": ' "$sep" "$(basename "$j" .json)"
		sed '2,$s/^/    /' "$j" | sed -e '${/^[[:space:]]*$/d}'
		sep=","
	done
	printf '\n  }\n}\n'
} >"$results/summary.json.tmp"
mv "$results/summary.json.tmp" "$results/summary.json"
echo "== bench: results in $results (summary.json)"

if ((${#failed[@]})); then
	echo "bench: FAILED: ${failed[*]}" >&2
	exit 1
fi
