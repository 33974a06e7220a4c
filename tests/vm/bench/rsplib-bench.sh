# make bench's RSerPool rows over kernel SCTP, run inside the test VM by
# bench/vm_sctp.sh: the same benchmark program ($BENCH_PROG, bench/
# rsplib_bench.c linked against librsplib.so.3) once on netcompat's
# librsplib.so.3 with netcompat's registrar and once on Debian's rsplib
# with rsplib's registrar. Prints "VMBENCH <implementation> <its line>".
. /vm/interop/common.sh
for impl in ${BENCH_IMPLS:-netcompat rsplib}; do
	if [ $impl = netcompat ]; then
		netcompat_registrar
		libs=$NC
	else
		rsplib_registrar
		libs=/usr/lib/x86_64-linux-gnu
	fi
	reg_pid=$last_pid
	for mode in "rtt 64 ${BENCH_RTT_COUNT:-2000}" "failover ${BENCH_KILLS:-3}"; do
		# To a file, not $(...): a hung run's element children would hold
		# the pipe open.
		RSP_BENCH_BIND=10.0.0.1 LD_LIBRARY_PATH=$libs timeout -s KILL ${BENCH_TIMEOUT:-120} \
			"$BENCH_PROG" -registrar="$REG" $mode >bench.out 2>bench.err
		out=$(tail -n 1 bench.out)
		[ -n "$out" ] || die "$impl $mode: no result ($(sed "s/\x1b\[[0-9;]*m//g" bench.err | grep -B3 -A1 -iE "error|warn|refus|die|rsp_" | grep -v "^--" | tail -n 24))"
		echo "VMBENCH $impl $out"
	done
	kill -9 "$reg_pid"
	wait "$reg_pid" 2>/dev/null
	# The next registrar takes the same port.
	n=100
	while awk 'NR > 1 && $6 == 3863 { f = 1 } END { exit !f }' /proc/net/sctp/eps && [ $n -gt 0 ]; do sleep 0.05; n=$((n - 1)); done
done
