#!/usr/bin/env bash
# Installs what building and testing netcompat needs and a fresh machine may
# lack. As root it uses apt-get; otherwise it says what to install.
set -euo pipefail

# command -> Debian package: needed to build and test
declare -A need=(
	[cmake]=cmake
	[gcc]=gcc
	[g++]=g++
	[make]=make
	[pkg-config]=pkg-config
	[nm]=binutils
)
# command (or /file) -> Debian package: tests that use it skip without it
declare -A want=(
	[tshark]=tshark # checks RSerPool and RSVP packets with Wireshark's dissectors
	[ip]=iproute2   # bench/rsvp.sh builds its network namespaces with ip(8)
	# rsplib's own headers and library (rsplib_real_headers builds a program
	# against them and runs it on netcompat); its librsplib3 has no maintainer
	# scripts, only the ldconfig trigger
	[/usr/include/rserpool/rserpool.h]=librsplib-dev
)

missing_need=() missing_want=()
for cmd in "${!need[@]}"; do
	command -v "$cmd" >/dev/null 2>&1 || missing_need+=("${need[$cmd]}")
done
for cmd in "${!want[@]}"; do
	case $cmd in
	/*) [ -e "$cmd" ] || missing_want+=("${want[$cmd]}") ;;
	*) command -v "$cmd" >/dev/null 2>&1 || missing_want+=("${want[$cmd]}") ;;
	esac
done

missing=("${missing_need[@]}" "${missing_want[@]}")
if ((${#missing[@]})); then
	if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
		echo "deps: installing ${missing[*]}"
		export DEBIAN_FRONTEND=noninteractive
		apt-get update -qq
		if ((${#missing_need[@]})); then
			apt-get install -y -qq --no-install-recommends "${missing_need[@]}" >/dev/null
		fi
		if ((${#missing_want[@]})); then
			apt-get install -y -qq --no-install-recommends "${missing_want[@]}" >/dev/null ||
				echo "deps: could not install ${missing_want[*]}; tests that need them will skip" >&2
		fi
	elif ((${#missing_need[@]})); then
		echo "deps: netcompat needs: ${missing[*]}; install them with: sudo apt-get install ${missing[*]}" >&2
		exit 1
	else
		echo "deps: optional ${missing_want[*]} missing (tests that need it will skip): sudo apt-get install ${missing_want[*]}" >&2
	fi
fi

go=$(command -v go 2>/dev/null || echo /usr/local/go/bin/go)
if ! [ -x "$go" ]; then
	echo "deps: netcompat needs Go 1.26 or newer (https://go.dev/dl/), on PATH or in /usr/local/go" >&2
	exit 1
fi
