#!/usr/bin/env bash
# Runs every Go fuzz target of the module for a short time each
# (first argument, default 10s). The seed corpora also run in `go test`.
# A failing run's output is shown. An input the fuzzer found to fail is
# saved under the package's testdata/fuzz/ as usual (to be committed with
# its fix) and fails at once; a run that failed without one (the fuzzing
# engine itself stumbling on a loaded machine) is tried once more.
set -euo pipefail
time=${1:-10s}
go=$(command -v go 2>/dev/null || echo /usr/local/go/bin/go)
cd "$(dirname "$0")/.."
log=$(mktemp)
trap 'rm -f "$log"' EXIT
grep -rl --include='*_test.go' '^func Fuzz' core | sort | while read -r file; do
	pkg=./$(dirname "$file")
	for target in $(grep -o '^func Fuzz[A-Za-z0-9_]*' "$file" | cut -c6-); do
		echo "fuzz: $pkg $target ($time)"
		for try in 1 2; do
			if "$go" test -run='^$' -fuzz="^${target}\$" -fuzztime="$time" "$pkg" >"$log" 2>&1; then
				break
			fi
			tail -n 40 "$log"
			if grep -q 'Failing input written to' "$log" || [ "$try" = 2 ]; then
				exit 1
			fi
			echo "fuzz: $target failed without a failing input; trying once more"
		done
	done
done
