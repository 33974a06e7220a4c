# Helpers for the rsplib interop tests; sourced by their busybox sh scripts
# inside the test VM (tests/vm/init.sh runs them from /tmp, with the
# environment of /vm/env). netcompat's programs come from the build tree
# ($RSPREGISTRAR's directory), rsplib's from Debian's rsplib-registrar and
# rsplib-tools packages unpacked into the image (/usr/bin).
#
# Every wait polls a condition (a log line, a listening port) with a
# deadline; nothing waits a fixed time.

NC=$(dirname "$RSPREGISTRAR")
RSPLIB=/usr/bin
REG=10.0.0.1:3863 # lo carries 10.0.0.1 too: rsplib refuses loopback-only elements
pids=

cleanup() {
	for p in $pids; do kill -9 "$p" 2>/dev/null; done
	wait 2>/dev/null
}
trap cleanup EXIT
trap '' PIPE # a write to a program that ended fails instead of killing the test

die() {
	echo "FAIL: $*"
	for f in *.log; do [ -f "$f" ] && { echo "--- $f"; tail -n 40 "$f"; }; done
	exit 1
}

# start LOG PROGRAM ARGS...: runs it in the background, output to LOG,
# standard input from the file $STDIN names (default /dev/null; the
# redirection happens in the background job, so a FIFO blocks only it).
start() {
	log=$1
	shift
	"$@" <"${STDIN:-/dev/null}" >"$log" 2>&1 &
	pids="$pids $!"
	last_pid=$!
}

# wait_for FILE PATTERN SECONDS: until a line of FILE matches PATTERN.
wait_for() {
	n=$(($3 * 20))
	while [ $n -gt 0 ]; do
		grep -q "$2" "$1" 2>/dev/null && return 0
		sleep 0.05
		n=$((n - 1))
	done
	die "no '$2' in $1 within $3 s"
}

# sctp_listening PORT: until an SCTP endpoint listens on PORT
# (/proc/net/sctp/eps, column LPORT).
sctp_listening() {
	n=200
	while [ $n -gt 0 ]; do
		awk -v p="$1" 'NR > 1 && $6 == p { f = 1 } END { exit !f }' /proc/net/sctp/eps && return 0
		sleep 0.05
		n=$((n - 1))
	done
	die "nothing listens on SCTP port $1"
}

# The registrars, each on $REG.
rsplib_registrar() {
	start registrar.log "$RSPLIB/rspregistrar" -asap="$REG" -asapannounce=off \
		-enrp=10.0.0.1:9901 -enrpannounce=off -loglevel=3
	sctp_listening 3863
}
netcompat_registrar() {
	start registrar.log "$NC/rspregistrar" -asap="$REG" -asapannounce=off
	sctp_listening 3863
}
