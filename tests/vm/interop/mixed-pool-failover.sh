# Failover across implementations, both ways: one pool on rsplib's
# registrar holding an rsplib element (rspserver -echo) and a netcompat
# element (rsp_server -echo); netcompat's rsp_terminal talks to the pool.
# The serving element is killed and the session goes on at the other;
# then a new element of the killed kind joins, the now serving one is
# killed, and the session moves back across.
. /vm/interop/common.sh
rsplib_registrar
start_nc() {
	start nc$1.log "$NC/rsp_server" -echo -poolhandle=MixedPool -registrar="$REG" -asapannounce=off
	nc=$last_pid
	wait_for nc$1.log "registered in MixedPool" 30
}
start_rsplib() {
	start rsplib$1.log "$RSPLIB/rspserver" -echo -poolhandle=MixedPool -registrar="$REG" -asapannounce=off
	rsp=$last_pid
}
# echo_line TEXT: sends TEXT until the pool echoes it (a line written into
# an association that just died is lost with it).
echo_line() {
	n=0
	until grep -q "$1" terminal.log; do
		n=$((n + 1))
		[ $n -le 30 ] || die "no echo of '$1'"
		echo "$1" >&3
		m=20
		while [ $m -gt 0 ] && ! grep -q "$1" terminal.log; do sleep 0.05; m=$((m - 1)); done
	done
}
start_nc 1
start_rsplib 1
mkfifo terminal.in
STDIN=terminal.in
start terminal.log "$NC/rsp_terminal" -poolhandle=MixedPool -registrar="$REG" -asapannounce=off
STDIN=
exec 3>terminal.in
echo_line "round 0"
# netcompat's element logs every message it echoes; rsplib's does not.
served_by() { if grep -q "bytes" "nc$1.log"; then echo netcompat; else echo rsplib; fi; }
first=$(served_by 1)
if [ "$first" = netcompat ]; then kill -9 "$nc"; else kill -9 "$rsp"; fi
echo_line "round 1"
# Bring the killed kind back, then kill the survivor: the session must
# cross back to the other implementation.
if [ "$first" = netcompat ]; then
	start_nc 2
	kill -9 "$rsp"
	echo_line "round 2"
	grep -q "round 2" nc2.log 2>/dev/null || grep -q "bytes" nc2.log || die "round 2 was not served by the new netcompat element"
	second=netcompat
else
	start_rsplib 2
	# Wait until rsplib's new element is in the pool: the registrar
	# answers rspserver's registration; poll with the terminal afterwards.
	kill -9 "$nc"
	echo_line "round 2"
	second=rsplib
fi
exec 3>&-
echo "ok: failed over from $first to the other implementation, then back to $second"
