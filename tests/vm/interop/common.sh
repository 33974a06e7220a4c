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
	for f in *.log; do [ -f "$f" ] && { echo "--- $f"; grep -v "${DIE_SKIP:-^\$^}" "$f" | tail -n 40; }; done
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

# --- ENRP: netcompat's registrar peering with rsplib's (enrp-*.sh) -----------
# Two registrars on one host, each on its own address of lo: rsplib's on
# 10.0.0.1, netcompat's on 10.0.0.2 (lo's 10.0.0.0/8 route is local; the
# address is added so that SCTP lists it). Static peers both ways,
# multicast off, fast timers (the default ones are seconds each).
RS_ADDR=10.0.0.1 NC_ADDR=10.0.0.2
# Server IDs: rsplib logs "$10000001", the dump says 268435457 (nc_id
# changes netcompat's, for a restarted registrar).
RS_ID=0x10000001 RS_IDDEC=268435457
nc_id() { NC_ID=$1 NC_IDDEC=$(printf '%d' "$1"); }
nc_id 0x20000002
# rsplib raises each of its timers to at least 1 s, and starts its first
# Presence after the default mentor discovery timeout (5 s) whatever
# -mentordiscoverytimeout= says (its timer starts before the options are
# read). netcompat's peer failure detection (max time last heard) must
# outlast rsplib's heartbeat.
RS_TIMERS="-peerheartbeatcycle=1000 -peermaxtimelastheard=1000 -peermaxtimenoresponse=1000 -mentordiscoverytimeout=1000 -takeoverexpiryinterval=1000"
NC_TIMERS="-peerheartbeatcycle=300 -peermaxtimelastheard=1500 -peermaxtimenoresponse=500 -mentordiscoverytimeout=300 -takeoverexpiryinterval=600"
# note TEXT: prints TEXT after the seconds since the script started.
t0=$(cut -d' ' -f1 /proc/uptime)
note() { echo "[$(awk -v t0="$t0" '{ printf "%5.1f", $1 - t0 }' /proc/uptime)s] $*"; }
# enrp_setup: the address, and a fresh working directory (the tests share
# /tmp, and die shows every *.log of the current one).
enrp_setup() {
	# netcompat's registrar logs every failed dial to a dead static peer
	DIE_SKIP='dial failed\|association closed.*connection refused'
	cd "$(mktemp -d /tmp/enrp.XXXXXX)" || die "no working directory"
	ip addr show dev lo | grep -q "inet $NC_ADDR/" || ip addr add "$NC_ADDR/8" dev lo || die "cannot add $NC_ADDR to lo"
}

# sctp_listening_on ADDR PORT: until an SCTP endpoint listens on ADDR:PORT
# (/proc/net/sctp/eps: LPORT, then the local addresses from column 9).
sctp_listening_on() {
	n=200
	while [ $n -gt 0 ]; do
		awk -v a="$1" -v p="$2" 'NR > 1 && $6 == p { for (i = 9; i <= NF; i++) if ($i == a) f = 1 } END { exit !f }' /proc/net/sctp/eps && return 0
		sleep 0.05
		n=$((n - 1))
	done
	die "nothing listens on SCTP $1:$2"
}

# rsplib's registrar (log rs.log; -loglevel=5 logs every registration,
# Handle Update and Handle Table Response entry) and netcompat's (nc.log,
# handlespace dump nc.json on SIGUSR1), each peering with the other.
rs_enrp_registrar() {
	start rs.log "$RSPLIB/rspregistrar" -identifier=$RS_ID -loglevel=5 \
		-asap=$RS_ADDR:3863 -asapannounce=off -enrp=$RS_ADDR:9901 -enrpannounce=off \
		-peer=$NC_ADDR:9901 $RS_TIMERS
	rs_pid=$last_pid
	sctp_listening_on $RS_ADDR 9901
}
nc_enrp_registrar() {
	start ${1:-nc}.log "$NC/rspregistrar" -identifier=$NC_ID -loglevel=4 -dumpfile=nc.json \
		-asap=$NC_ADDR:3863 -asapannounce=off -enrp=$NC_ADDR:9901 -enrpannounce=off \
		-peer=$RS_ADDR:9901 $NC_TIMERS
	nc_pid=$last_pid
	sctp_listening_on $NC_ADDR 9901
}

# Handlespaces as "POOL ID HOME" lines, one per element (decimal IDs),
# from JSON of registrar.Snapshot's shape (rspregistrar -dumpfile=,
# rsphsdump): elements_of FILE.
elements_of() {
	awk -F: '/"handle":/ { h = $2; gsub(/[ ",]/, "", h) }
		/"id":/ { i = $2; gsub(/[ ,]/, "", i) }
		/"home":/ { o = $2; gsub(/[ ,]/, "", o); print h, i, o }' "$1"
}
# nc_elements: netcompat's registrar's, from a fresh -dumpfile dump.
nc_elements() {
	rm -f nc.json
	kill -USR1 "$nc_pid" 2>/dev/null || die "netcompat's registrar is gone"
	n=100
	while [ $n -gt 0 ] && ! [ -s nc.json ]; do sleep 0.05; n=$((n - 1)); done
	[ -s nc.json ] || die "netcompat's registrar wrote no dump"
	elements_of nc.json
}
# rs_elements: rsplib's registrar's, asked by netcompat's rsphsdump (an
# ENRP probe; HSDUMP is empty when the build has none: the scripts then
# check rsplib's side by its log and by resolution only).
HSDUMP=$NC/rsphsdump
[ -x "$HSDUMP" ] || HSDUMP=
rs_elements() {
	"$HSDUMP" -registrar=$RS_ADDR:9901 -pretty >rs.json 2>>rsphsdump.log || die "rsphsdump failed"
	elements_of rs.json
}
# wait_element nc|rs POOL ID HOME SECONDS: until that registrar's
# handlespace has element ID of POOL with home HOME (ID "*": any element
# of POOL homed at HOME).
uptime_s() { cut -d' ' -f1 /proc/uptime; }
wait_element() {
	end=$(awk -v t="$(uptime_s)" -v s="$5" 'BEGIN { print t + s }')
	while awk -v t="$(uptime_s)" -v e="$end" 'BEGIN { exit !(t < e) }'; do
		${1}_elements | awk -v p="$2" -v i="$3" -v o="$4" '$1 == p && (i == "*" || $2 == i) && $3 == o { f = 1 } END { exit !f }' && return 0
		sleep 0.2
	done
	echo "$1 handlespace:"
	${1}_elements
	die "the $1 registrar does not list $2/$3 with home $4 within $5 s"
}
