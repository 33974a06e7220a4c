#!/usr/bin/env bash
# The main demo: a SchemeStation domain (examples/c/extagent_echo_server)
# and an external agent (examples/c/ssextagent_client) exchanging packets;
# then RSerPool: a registrar (rspregistrar), three echo pool elements
# (examples/c/rsp_server -echo, which log each session's messages), a
# second registrar that learns them from the first over ENRP, and the
# echo pool user of draft-ietf-rserpool-api-00 (examples/c/echo_pu) asking
# the second. The
# element serving the session is killed mid-session; the pool user carries
# on through another one. Then RSVP: rsvpd on loopback (UDP encapsulation,
# a temporary API socket), a receiver (examples/c/rsvp_receiver) and a
# sender (examples/c/rsvp_sender) of one session: the path event, the
# reservation with its confirmation, and the teardown. Last WebTP: a
# listener (examples/c/webtp_recv) and a sender (examples/c/webtp_send)
# moving reliable and urgent ADUs over UDP. Every wait is on a pipe, none
# on a timer.
set -euo pipefail
build=${1:-build}

echo "== starting the domain: extagent_echo_server -n 1"
coproc SERVER { exec "$build/extagent_echo_server" -n 1; }
server_pid=$SERVER_PID
# bash unsets SERVER when the coprocess exits: keep a copy of its output.
exec {server_out}<&"${SERVER[0]}"
read -r line <&"$server_out"
echo "server: $line"
port=${line##* }

echo "== the agent sends three lines: ssextagent_client 127.0.0.1 $port"
printf '%s\n' "hello, domain" "external agents are back" "$(uname -sr)" |
	"$build/ssextagent_client" 127.0.0.1 "$port"

while read -r line <&"$server_out"; do
	echo "server: $line"
done
wait "$server_pid"
exec {server_out}<&-

# ---------------------------------------------------------------------------
# RSerPool
# ---------------------------------------------------------------------------
pids=()
cleanup() {
	local p
	for p in "${pids[@]}"; do
		kill -9 "$p" 2>/dev/null || true
	done
	for p in "${pids[@]}"; do
		wait "$p" 2>/dev/null || true
	done
	if [ -n "${rsvp_dir:-}" ]; then rm -rf "$rsvp_dir"; fi
}
trap cleanup EXIT
export NETCOMPAT_LOG=stderr

# start_registrar NAME ARGS...: starts an rspregistrar, sets $asap_port
# and $enrp_port from its first log lines; its output stays on fd
# ${regfd[NAME]}.
declare -A regfd
start_registrar() {
	local name=$1 line fd
	shift
	echo "== starting registrar $name: rspregistrar $*"
	exec {fd}< <(exec "$build/rspregistrar" "$@" 2>&1)
	pids+=($!)
	regfd[$name]=$fd
	asap_port= enrp_port=
	while read -r line <&"$fd"; do
		case $line in
		*"registrar started"*)
			asap_port=${line##* port=}
			asap_port=${asap_port%% *} ;;
		*"ENRP started"*)
			enrp_port=${line#* enrp=\[*:}
			enrp_port=${enrp_port%%]*}
			break ;;
		esac
	done
	[ -n "$asap_port" ] && [ -n "$enrp_port" ] || { echo "registrar $name did not start" >&2; exit 1; }
	echo "registrar $name: ASAP on 127.0.0.1:$asap_port, ENRP on 127.0.0.1:$enrp_port"
}
start_registrar A -asap=127.0.0.1:0 -enrp=127.0.0.1:0 -asapannounce=off -enrpannounce=off
regport=$asap_port enrpA=$enrp_port
rspopts=(-registrar="127.0.0.1:$regport" -asapannounce=off)

pe_fd=() pe_pid=() pe_id=()
for i in 0 1 2; do
	exec {fd}< <(exec "$build/rsp_server" -echo "${rspopts[@]}" 2>&1)
	pe_fd[i]=$fd pe_pid[i]=$!
	pids+=($!)
	read -r line <&"$fd"
	echo "element $i: $line"
	case $line in
	*" registered in echo") ;;
	*) echo "element $i did not register" >&2; exit 1 ;;
	esac
	pe_id[i]=${line#*PE }
	pe_id[i]=${pe_id[i]%% *}
done

# Which element logged the session's last message? (It logs before it
# answers, so once the answer is here its line is in its pipe.)
serving=
find_serving() {
	local i line
	serving=
	for i in 0 1 2; do
		[ -n "${pe_fd[i]}" ] || continue
		while read -r -t 0 -u "${pe_fd[i]}"; do
			read -r line <&"${pe_fd[i]}" || break
			case $line in
			*" bytes") serving=$i ;;
			esac
		done
	done
}

# A second registrar joins the pool over ENRP: its mentor, A, hands it
# the whole handlespace. The pool user asks B only, for elements that
# registered with A only.
start_registrar B -asap=127.0.0.1:0 -enrp=127.0.0.1:0 -asapannounce=off -enrpannounce=off -peer="127.0.0.1:$enrpA"
while read -r line <&"${regfd[B]}"; do
	case $line in
	*"ENRP startup complete"*"from mentor"*)
		echo "registrar B: ${line#*msg=}"
		break ;;
	esac
done
rspopts=(-registrar="127.0.0.1:$asap_port" -asapannounce=off)

echo "== the draft-00 echo pool user, as the draft wrote it: echo_pu ${rspopts[*]}"
# Its standard error (library diagnostics) shares the pipe of its replies.
coproc PU { exec "$build/echo_pu" "${rspopts[@]}" 2>&1; }
pu_pid=$PU_PID
pids+=("$pu_pid")
exec {pu_in}>&"${PU[1]}" {pu_out}<&"${PU[0]}"
eval "exec ${PU[1]}>&- ${PU[0]}<&-" # only the copies stay open

# Sends one line and waits for its echo; the library's lines are shown.
# With $1 = -until TEXT, first waits for a diagnostic line containing TEXT.
exchange() {
	local text=$1 line
	printf '%s\n' "$text" >&"$pu_in"
	while read -r line <&"$pu_out"; do
		case $line in
		netcompat:*) echo "  pu log: $line" ;;
		"$text") echo "pu: > $text"; echo "pu: < $line"; return 0 ;;
		*) echo "pu: unexpected: $line" >&2; return 1 ;;
		esac
	done
	echo "pool user ended" >&2
	return 1
}
wait_pu_log() {
	local line
	while read -r line <&"$pu_out"; do
		case $line in
		netcompat:*) echo "  pu log: $line" ;;
		esac
		case $line in
		*"$1"*) return 0 ;;
		esac
	done
	echo "pool user ended" >&2
	return 1
}

exchange "hello, pool"
find_serving
[ -n "$serving" ] || { echo "no element logged the message" >&2; exit 1; }
echo "   (served by element $serving, PE ${pe_id[serving]})"
exchange "second line, same session"
find_serving
echo "   (served by element $serving, PE ${pe_id[serving]})"

echo "== killing element $serving (PE ${pe_id[serving]}) mid-session"
kill -9 "${pe_pid[serving]}"
wait "${pe_pid[serving]}" 2>/dev/null || true
dead=$serving
exec {pe_fd[dead]}<&-
pe_fd[dead]=
wait_pu_log "failing over"

exchange "after the failover"
find_serving
[ -n "$serving" ] && [ "$serving" != "$dead" ] ||
	{ echo "the session did not move to another element" >&2; exit 1; }
echo "   (served by element $serving, PE ${pe_id[serving]})"
exchange "and one more"

echo "== end of input: the pool user closes its session"
exec {pu_in}>&-
while read -r line <&"$pu_out"; do
	echo "  pu log: $line"
done
wait "$pu_pid"

# ---------------------------------------------------------------------------
# RSVP
# ---------------------------------------------------------------------------
rsvp_dir=$(mktemp -d /tmp/netcompat-demo.XXXXXX)
echo "refresh 30s" >"$rsvp_dir/rsvpd.conf"
export RSVP_API_SOCKET=$rsvp_dir/rsvpd.sock
echo "== starting rsvpd on loopback: rsvpd -encap udp -api $RSVP_API_SOCKET"
exec {rsvpd_out}< <(exec "$build/rsvpd" -encap udp -api "$RSVP_API_SOCKET" \
	-config "$rsvp_dir/rsvpd.conf" 2>&1)
rsvpd_pid=$!
pids+=("$rsvpd_pid")
started=
while read -r line <&"$rsvpd_out"; do
	echo "rsvpd: $line"
	case $line in *"rsvpd started"*) started=1; break ;; esac
done
[ -n "$started" ] || { echo "rsvpd did not start" >&2; exit 1; }
# From here on its log goes to a file (read so that rsvpd never blocks).
cat <&"$rsvpd_out" >"$rsvp_dir/rsvpd.log" &
pids+=($!)
exec {rsvpd_out}<&-

echo "== the receiver: rsvp_receiver 127.0.0.1 5000 -s ff -n 3"
echo "   (reserves FF with RAPI_REQ_CONFIRM on the PATH_EVENT; stops after 3 upcalls)"
exec {rcv}< <(exec "$build/rsvp_receiver" 127.0.0.1 5000 -s ff -n 3 2>&1)
rcv_pid=$!
pids+=("$rcv_pid")
while read -r line <&"$rcv"; do
	echo "$line"
	case $line in *"waiting for senders"*) break ;; esac
done
echo "== the sender: rsvp_sender 127.0.0.1 5000 -s 4000 -n 1"
echo "   (sends Path; stops after the reservation reaches it, releasing: PathTear)"
"$build/rsvp_sender" 127.0.0.1 5000 -s 4000 -n 1 2>&1
echo "== what the receiver saw: path event, confirmation, teardown"
while read -r line <&"$rcv"; do
	echo "$line"
done
exec {rcv}<&-
wait "$rcv_pid"

echo "== stopping rsvpd (SIGTERM)"
kill -TERM "$rsvpd_pid"
wait "$rsvpd_pid" && echo "rsvpd: exited 0"
rm -rf "$rsvp_dir"
rsvp_dir=

# ---------------------------------------------------------------------------
# WebTP
# ---------------------------------------------------------------------------
echo "== WebTP: webtp_recv 0 1 (a SOCK_ADU listener on a UDP port the kernel picks)"
exec {wrcv}< <(exec "$build/webtp_recv" 0 1 2>&1)
wrcv_pid=$!
pids+=("$wrcv_pid")
wport=
while read -r line <&"$wrcv"; do
	echo "$line"
	case $line in *"listening on UDP port"*) wport=${line##* }; break ;; esac
done
echo "== webtp_send 127.0.0.1 $wport interactive: one ADU per line, '!' lines urgent"
printf '%s\n' "first ADU, reliable" "!an urgent ADU" "last ADU" |
	"$build/webtp_send" 127.0.0.1 "$wport" interactive 2>&1
echo "== what the receiver got (flags: R reliable, U urgent)"
while read -r line <&"$wrcv"; do
	echo "$line"
done
exec {wrcv}<&-
wait "$wrcv_pid"
echo "== demo finished"
