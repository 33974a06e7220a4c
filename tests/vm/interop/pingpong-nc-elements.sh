# rsplib's pingpongclient against two netcompat pool elements
# (rsp_server -pingpong) registered with rsplib's registrar: Pongs come
# with increasing reply numbers; when the serving element is killed the
# client fails over to the other, which continues the count from the
# cookie the client echoes.
. /vm/interop/common.sh
rsplib_registrar
start pe1.log "$NC/rsp_server" -pingpong -quiet -poolhandle=PingPongPool -registrar="$REG" -asapannounce=off
pe1=$last_pid
start pe2.log "$NC/rsp_server" -pingpong -quiet -poolhandle=PingPongPool -registrar="$REG" -asapannounce=off
pe2=$last_pid
wait_for pe1.log "registered in PingPongPool" 30
wait_for pe2.log "registered in PingPongPool" 30
start client.log "$RSPLIB/pingpongclient" -poolhandle=PingPongPool -registrar="$REG" -asapannounce=off -interval=100
wait_for client.log "Ack #5 " 60
# "Ack #N from PE $xxxxxxxx (reply #R)": the serving element, in hex.
serving=$(grep -o 'from PE \$[0-9a-f]*' client.log | tail -n 1 | cut -d'$' -f2)
id1=$(printf '%08x' "$(sed -n 's/.*pingpong PE \([0-9]*\) registered.*/\1/p' pe1.log)")
if [ "$serving" = "$id1" ]; then victim=$pe1 other=pe2.log; else victim=$pe2 other=pe1.log; fi
other_id=$(printf '%08x' "$(sed -n 's/.*pingpong PE \([0-9]*\) registered.*/\1/p' $other)")
kill -9 "$victim"
wait_for client.log "from PE \\\$$other_id" 60
# The reply numbers after the failover go on from the cookie: no reset
# to 1 (a repeat of the last number is the cookie race of PingPong).
first_after=$(grep "from PE \\\$$other_id" client.log | head -n 1 | sed -n 's/.*(reply #\([0-9]*\)).*/\1/p')
[ "$first_after" -gt 1 ] || die "the second element restarted the count at reply #$first_after"
echo "ok: pingpongclient failed over from \$$serving to \$$other_id, reply count continued at #$first_after"
