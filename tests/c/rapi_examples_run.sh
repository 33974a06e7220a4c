#!/usr/bin/env bash
# rapi_examples_run.sh: the driver of the ctest test rapi_examples
# (tests/c/rapi_examples.cmake). It starts rsvpd (RSVPD) with UDP
# encapsulation and a private API socket, then runs the RSVP example
# programs (examples/c) against it and checks what they print:
#   1. rtap, from a script: dest, sender, dispatch until the PATH_EVENT,
#      confirm, reserve ff, dispatch until the RESV_CONFIRM (and the
#      RESV_EVENT of its own sender), status, release;
#   2. rsvp_receiver and rsvp_sender, in the FF and the WF style: path
#      event, reservation, confirmation, teardown;
#   3. qtoq_server and qtoq_client: accept/connect, data, reservation,
#      qtoq_close removing it.
# Every wait is a blocking read on a pipe or a program's exit, bounded by
# a deadline (read -t, timeout); nothing sleeps.
set -euo pipefail
: "${RSVPD:?}" "${RTAP:?}" "${RSVP_SENDER:?}" "${RSVP_RECEIVER:?}" "${QTOQ_SERVER:?}" "${QTOQ_CLIENT:?}"
T=60 # seconds any single step may take

dir=$(mktemp -d /tmp/rapiex.XXXXXX)
pids=()
cleanup() {
	local p
	for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
	rm -rf "$dir"
}
trap cleanup EXIT
fail() {
	echo "FAIL: $*" >&2
	exit 1
}
# expect FILE REGEX: FILE has a line matching REGEX (extended).
expect() {
	grep -qE -- "$2" "$1" || { echo "--- $1:" >&2; cat "$1" >&2; fail "no line matching: $2"; }
}

# ---- rsvpd ----
echo "refresh 30s" >"$dir/rsvpd.conf"
export RSVP_API_SOCKET=$dir/rsvpd.sock
exec {dlog}< <(exec "$RSVPD" -encap udp -api "$RSVP_API_SOCKET" -config "$dir/rsvpd.conf" -log info 2>&1)
pids+=($!)
started=
while read -r -t "$T" line <&"$dlog"; do
	echo "rsvpd: $line"
	case $line in *"rsvpd started"*) started=1; break ;; esac
done
[ -n "$started" ] || fail "rsvpd did not start"
# Keep draining rsvpd's log so it never blocks on a full pipe.
cat <&"$dlog" >"$dir/rsvpd.log" &
pids+=($!)
exec {dlog}<&-

# ---- 1. rtap from a script ----
echo "== rtap"
cat >"$dir/rtap.in" <<'SCRIPT'
# sender and receiver of one session, in one rtap
dest udp 127.0.0.1/5100
sender 127.0.0.1/4100 t 12500 2000 25000 64 1500
dispatch 60000 PATH_EVENT
confirm
reserve ff cl 12500 2000 25000 64 1500 127.0.0.1/4100
dispatch 60000 RESV_CONFIRM
dispatch 60000 RESV_EVENT
status
dispatch 60000 RESV_STATUS
release
quit
SCRIPT
timeout "$T" "$RTAP" <"$dir/rtap.in" >"$dir/rtap.out" 2>&1 || { cat "$dir/rtap.out"; fail "rtap exited $?"; }
cat "$dir/rtap.out"
expect "$dir/rtap.out" '^OK dest sid=[1-9]'
expect "$dir/rtap.out" '^UPCALL PATH_EVENT sid=[0-9]+ style=- code=0 .* nfilt=1 nflow=1 .*filter=127\.0\.0\.1/4100 tspec=12500/2000/25000/64/1500$'
expect "$dir/rtap.out" '^OK reserve style=FF nfilt=1 nflow=1 confirm=1$'
expect "$dir/rtap.out" '^UPCALL RESV_CONFIRM sid=[0-9]+ style=FF code=0 .* nfilt=1 nflow=1 .*filter=127\.0\.0\.1/4100 flowspec=CL:12500/2000/25000/64/1500$'
expect "$dir/rtap.out" '^UPCALL RESV_EVENT sid=[0-9]+ style=FF .* nfilt=1 nflow=1 .*flowspec=CL:12500/'
expect "$dir/rtap.out" '^UPCALL RESV_STATUS .*style=FF .*flowspec=CL:12500/'
expect "$dir/rtap.out" '^OK release$'
if grep -q '^ERR' "$dir/rtap.out"; then fail "rtap reported an error"; fi
[ "$(grep -c '^UPCALL RESV_CONFIRM' "$dir/rtap.out")" = 1 ] || fail "not exactly one RESV_CONFIRM"

# ---- 2. rsvp_receiver + rsvp_sender ----
pair() { # pair STYLE PORT
	local style=$1 port=$2 line ready= rpid
	echo "== rsvp_receiver -s $style / rsvp_sender, port $port"
	# The receiver stops after 3 upcalls: PATH_EVENT, RESV_CONFIRM and the
	# PATH_EVENT without senders; the sender after its first RESV_EVENT.
	exec {rf}< <(exec timeout "$T" "$RSVP_RECEIVER" 127.0.0.1 "$port" -s "$style" -n 3 2>&1)
	rpid=$!
	pids+=("$rpid")
	while read -r -t "$T" line <&"$rf"; do
		echo "$line" >>"$dir/recv.$style"
		case $line in *"waiting for senders"*) ready=1; break ;; esac
	done
	[ -n "$ready" ] || fail "receiver did not start"
	timeout "$T" "$RSVP_SENDER" 127.0.0.1 "$port" -s $((port - 1000)) -n 1 >"$dir/send.$style" 2>&1 ||
		{ cat "$dir/send.$style"; fail "rsvp_sender exited non-zero"; }
	cat <&"$rf" >>"$dir/recv.$style"
	exec {rf}<&-
	wait "$rpid" || { cat "$dir/recv.$style"; fail "rsvp_receiver exited non-zero"; }
	cat "$dir/recv.$style" "$dir/send.$style"
	local S=${style^^}
	expect "$dir/recv.$style" '^receiver: PATH_EVENT .*nfilt=1 nflow=1'
	expect "$dir/recv.$style" "^receiver:   filter 127\.0\.0\.1[:/]$((port - 1000))"
	expect "$dir/recv.$style" "^receiver: reserving $S "
	expect "$dir/recv.$style" "^receiver: RESV_CONFIRM .*style=$S "
	expect "$dir/recv.$style" '^receiver: PATH_EVENT .*nfilt=0 nflow=0'
	expect "$dir/recv.$style" '^receiver: released$'
	expect "$dir/send.$style" "^sender: RESV_EVENT .*style=$S .*nflow=1"
	expect "$dir/send.$style" '^sender: released$'
}
pair ff 5101
pair wf 5102

# ---- 3. qtoq_server + qtoq_client ----
echo "== qtoq_server / qtoq_client"
exec {sf}< <(exec timeout "$T" "$QTOQ_SERVER" 0 2>&1)
spid=$!
pids+=("$spid")
read -r -t "$T" line <&"$sf" || fail "qtoq_server did not start"
echo "$line" >"$dir/qserver"
case $line in "qtoq_server: listening on 127.0.0.1 "*) ;; *) fail "qtoq_server: $line" ;; esac
port=${line##* }
timeout "$T" "$QTOQ_CLIENT" 127.0.0.1 "$port" "first line" "second line" >"$dir/qclient" 2>&1 ||
	{ cat "$dir/qclient"; fail "qtoq_client exited non-zero"; }
cat <&"$sf" >>"$dir/qserver"
exec {sf}<&-
wait "$spid" || { cat "$dir/qserver"; fail "qtoq_server exited non-zero"; }
cat "$dir/qserver" "$dir/qclient"
expect "$dir/qclient" '^qtoq_client: server says: hello from qtoq_server$'
expect "$dir/qclient" '^qtoq_client: event RESV_CONFIRM'
expect "$dir/qclient" '^qtoq_client: echo: second line$'
expect "$dir/qclient" '^qtoq_client: closed$'
expect "$dir/qserver" '^qtoq_server: event RESV_EVENT: reserved service=5 r=10000'
expect "$dir/qserver" '^qtoq_server: data: first line$'
expect "$dir/qserver" '^qtoq_server: event RESV_EVENT: reservation removed$'
expect "$dir/qserver" '^qtoq_server: closed$'

echo "rapi_examples: ok"
