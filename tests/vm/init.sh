#!/bin/busybox sh
# /init of the test VM (tests/vm/run.sh packs it into the initramfs).
#
# It prepares a minimal system whose loopback carries kernel SCTP, runs the
# tests listed in /vm/tests one after another, and reports each on the
# serial console as one machine-readable line
#     VMTEST <name> PASS|FAIL <seconds> sctp_estab=<n>
# followed by the test's output between VMOUT-BEGIN/VMOUT-END lines, then
# VMDONE, and powers off. run.sh parses those lines; nothing else on the
# console matters.
#
# /vm/tests has one test a line: <name> <timeout> <needs_sctp> <command...>.
# needs_sctp=1 makes the test FAIL unless SCTP associations were established
# while it ran: the proof that the kernel backend, not the TCP mapping,
# carried its traffic.

/bin/busybox --install -s /bin
export PATH=/vm/bin:/bin:/usr/bin:/usr/sbin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
# /tmp stays on the initramfs' own tmpfs: a mount over it would hide a
# build tree under /tmp that run.sh shipped at its host path.

# Loopback only; rsplib refuses to register loopback-only addresses, so lo
# also gets a non-loopback address (for the rsplib interop tests).
ip link set lo up
ip addr add 10.0.0.1/8 dev lo

# busybox modprobe follows the modules.dep run.sh generated for this kernel.
if ! modprobe sctp || ! [ -r /proc/net/sctp/snmp ]; then
	echo "VMFATAL cannot load sctp.ko"
	poweroff -f
fi
echo "VMINFO kernel $(uname -r), $(grep -c ^processor /proc/cpuinfo) CPUs, sctp loaded"

# The established-association counters of /proc/net/sctp/snmp: every
# association the kernel set up, from either side.
sctp_estabs() {
	awk '$1 == "SctpActiveEstabs" || $1 == "SctpPassiveEstabs" { n += $2 } END { print n + 0 }' /proc/net/sctp/snmp
}

. /vm/env
while read -r name tmo needs cmd; do
	case $name in '' | '#'*) continue ;; esac
	before=$(sctp_estabs)
	start=$(date +%s)
	# -s KILL: a hung test must not hang the VM; run.sh's own timeout is
	# the last resort.
	(
		cd /tmp && export NETCOMPAT_LOG="/tmp/$name.log" &&
			exec timeout -s KILL "$tmo" sh -c "exec $cmd"
	) >"/tmp/$name.out" 2>&1 </dev/null
	rc=$?
	secs=$(($(date +%s) - start))
	estab=$(($(sctp_estabs) - before))
	result=PASS why=
	if [ $rc -ne 0 ]; then
		result=FAIL why="exit status $rc"
		[ $rc -eq 137 ] && why="killed after ${tmo}s"
	elif [ "$needs" = 1 ] && [ "$estab" -eq 0 ]; then
		result=FAIL why="no SCTP association was established: not carried by kernel SCTP"
	elif grep -q "run the VM tests" "/tmp/$name.out"; then
		# The transport tests' skip message for a kernel without SCTP.
		result=FAIL why="kernel SCTP cases were skipped"
	fi
	echo "VMTEST $name $result $secs sctp_estab=$estab${why:+ ($why)}"
	echo "VMOUT-BEGIN $name"
	cat "/tmp/$name.out"
	if [ $result = FAIL ] && [ -s "/tmp/$name.log" ]; then
		echo "--- $name: NETCOMPAT_LOG"
		cat "/tmp/$name.log"
	fi
	echo "VMOUT-END $name"
	rm -f "/tmp/$name.out"
done </vm/tests
echo "VMINFO /proc/net/sctp/snmp at the end:"
grep -E "Estabs|Aborteds|Shutdowns" /proc/net/sctp/snmp
echo VMDONE
poweroff -f
