# rsplib's rspserver -echo registers with netcompat's rspregistrar and
# serves netcompat's draft-00 echo pool user (examples/c/echo_pu).
. /vm/interop/common.sh
netcompat_registrar
start element.log "$RSPLIB/rspserver" -echo -poolhandle=echo -registrar="$REG" -asapannounce=off
# echo_pu resolves "echo" once; until rspserver has registered, the pool
# is empty: try again (each try is a fresh program).
mkfifo pu.in
for try in 1 2 3 4 5 6 7 8 9 10; do
	STDIN=pu.in
	start pu.log "$NC/echo_pu" -dontwait -registrar="$REG" -asapannounce=off
	STDIN=
	pu=$last_pid
	exec 3>pu.in
	echo "rsplib element, netcompat pool user" >&3
	n=100
	while [ $n -gt 0 ] && kill -0 "$pu" 2>/dev/null && ! grep -q "rsplib element, netcompat pool user" pu.log; do
		sleep 0.05
		n=$((n - 1))
	done
	exec 3>&-
	grep -q "rsplib element, netcompat pool user" pu.log && break
	kill -9 "$pu" 2>/dev/null
	wait "$pu" 2>/dev/null
done
grep -q "rsplib element, netcompat pool user" pu.log || die "echo_pu got no echo from rsplib's rspserver"
echo "ok: netcompat's draft-00 echo_pu was echoed by rsplib's rspserver via netcompat's registrar"
