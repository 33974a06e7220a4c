#!/usr/bin/env bash
# Runs every Go fuzz target of the module for a short time each
# (first argument, default 10s). The seed corpora also run in `go test`.
set -euo pipefail
time=${1:-10s}
go=$(command -v go 2>/dev/null || echo /usr/local/go/bin/go)
cd "$(dirname "$0")/.."
grep -rl --include='*_test.go' '^func Fuzz' core | while read -r file; do
	pkg=./$(dirname "$file")
	for target in $(grep -o '^func Fuzz[A-Za-z0-9_]*' "$file" | cut -c6-); do
		echo "fuzz: $pkg $target ($time)"
		"$go" test -run='^$' -fuzz="^${target}\$" -fuzztime="$time" "$pkg" >/dev/null
	done
done
