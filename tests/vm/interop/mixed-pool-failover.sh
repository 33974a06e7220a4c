# Failover across implementations: one pool holding an rsplib element
# (rspserver -echo) and a netcompat element (rsp_server -echo), on
# rsplib's registrar; netcompat's rsp_terminal talks to the pool, the
# serving element is killed, and the session goes on at the other one.
. /vm/interop/common.sh
rsplib_registrar
start nc.log "$NC/rsp_server" -echo -poolhandle=MixedPool -registrar="$REG" -asapannounce=off
nc=$last_pid
wait_for nc.log "registered in MixedPool" 30
start rsplib.log "$RSPLIB/rspserver" -echo -poolhandle=MixedPool -registrar="$REG" -asapannounce=off
rsp=$last_pid
mkfifo terminal.in
STDIN=terminal.in
start terminal.log "$NC/rsp_terminal" -poolhandle=MixedPool -registrar="$REG" -asapannounce=off
STDIN=
exec 3>terminal.in
echo "before the failover" >&3
wait_for terminal.log "before the failover" 30
# Which element served? netcompat's logs each message it echoes.
if grep -q "bytes" nc.log; then kill -9 "$nc"; survivor=rsplib; else kill -9 "$rsp"; survivor=netcompat; fi
n=0
until grep -q "after the failover" terminal.log; do
	n=$((n + 1))
	[ $n -le 30 ] || die "no echo after the serving element was killed"
	echo "after the failover" >&3 # a line sent into the dead association is lost with it
	m=20
	while [ $m -gt 0 ] && ! grep -q "after the failover" terminal.log; do sleep 0.05; m=$((m - 1)); done
done
exec 3>&-
echo "ok: the session failed over to the $survivor element"
