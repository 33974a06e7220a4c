# rsplib's pingpongclient against two netcompat pool elements
# (rsp_server -pingpong) registered with rsplib's registrar: Pongs come
# with increasing reply numbers; when the serving element is killed the
# client fails over to the other, which continues the count from the
# cookie the client echoes.
#
# pingpongclient writes to a file through stdio buffers, so its output
# is read after it ends (SIGINT, which it handles); progress is watched
# on the elements, which log every Ping.
. /vm/interop/common.sh
rsplib_registrar
start pe1.log "$NC/rsp_server" -pingpong -poolhandle=PingPongPool -registrar="$REG" -asapannounce=off
pe1=$last_pid
start pe2.log "$NC/rsp_server" -pingpong -poolhandle=PingPongPool -registrar="$REG" -asapannounce=off
pe2=$last_pid
wait_for pe1.log "registered in PingPongPool" 30
wait_for pe2.log "registered in PingPongPool" 30
start client.log "$RSPLIB/pingpongclient" -poolhandle=PingPongPool -registrar="$REG" -asapannounce=off -interval=100
client=$last_pid
# Five Pings to one element, then that element dies.
until [ "$(grep -c bytes pe1.log)" -ge 5 ] || [ "$(grep -c bytes pe2.log)" -ge 5 ]; do
	kill -0 "$client" 2>/dev/null || die "pingpongclient ended"
	sleep 0.05
done
if [ "$(grep -c bytes pe1.log)" -ge 5 ]; then victim=$pe1 other=pe2.log; else victim=$pe2 other=pe1.log; fi
kill -9 "$victim"
wait_for "$other" "bytes" 60
n=$(grep -c bytes "$other")
until [ "$(grep -c bytes "$other")" -ge $((n + 5)) ]; do
	kill -0 "$client" 2>/dev/null || die "pingpongclient ended"
	sleep 0.05
done
kill -INT "$client"
wait "$client"
other_id=$(printf '%08x' "$(sed -n 's/.*pingpong PE \([0-9]*\) registered.*/\1/p' "$other")")
grep -q "from PE \\\$$other_id" client.log || die "no Pong from the second element \$$other_id in pingpongclient's output"
first_after=$(grep "from PE \\\$$other_id" client.log | head -n 1 | sed -n 's/.*(reply #\([0-9]*\)).*/\1/p')
[ -n "$first_after" ] && [ "$first_after" -gt 1 ] || die "the second element's first reply was #$first_after, not a continued count"
echo "ok: pingpongclient failed over to \$$other_id, its reply count continued at #$first_after"
