#!/usr/bin/env bash
# Installs what building and testing netcompat needs and a fresh machine may
# lack. As root it uses apt-get; otherwise it says what to install.
set -euo pipefail

# command -> Debian package
declare -A pkg=(
	[cmake]=cmake
	[gcc]=gcc
	[g++]=g++
	[make]=make
	[pkg-config]=pkg-config
	[nm]=binutils
	[tshark]=tshark # the RSerPool and RSVP tests check their packets with its dissectors
)

missing=()
for cmd in "${!pkg[@]}"; do
	command -v "$cmd" >/dev/null 2>&1 || missing+=("${pkg[$cmd]}")
done

if ((${#missing[@]})); then
	if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
		echo "deps: installing ${missing[*]}"
		export DEBIAN_FRONTEND=noninteractive
		apt-get update -qq
		apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
	else
		echo "deps: netcompat needs: ${missing[*]}; install them with: sudo apt-get install ${missing[*]}" >&2
		exit 1
	fi
fi

go=$(command -v go 2>/dev/null || echo /usr/local/go/bin/go)
if ! [ -x "$go" ]; then
	echo "deps: netcompat needs Go 1.26 or newer (https://go.dev/dl/), on PATH or in /usr/local/go" >&2
	exit 1
fi
