# ENRP takeover between netcompat's registrar and rsplib's over kernel
# SCTP (static peers both ways on port 9901 of distinct addresses,
# multicast off, fast timers), both ways:
# A. netcompat's registrar dies: its element (netcompat's rsp_server,
#    knowing both registrars), which rsplib's registrar learnt by ENRP,
#    re-registers with rsplib's registrar, through which rsplib's
#    rspterminal still reaches the pool. (rsplib alone never completes an
#    ENRP takeover: it waits for acknowledgements from other peers, and
#    there are none, so re-registration is how elements move there.)
# B. rsplib's registrar dies: a restarted netcompat registrar, which
#    learnt rsplib's elements by ENRP, becomes their home: PoolA's element
#    re-registers by itself; PoolB's (rsplib's rspserver), which knows only
#    rsplib's registrar, moves by netcompat's ENRP takeover alone (its
#    "took over" log line, an Endpoint Keep-Alive with the Home flag that
#    the element answers). netcompat's rsp_terminal resolving PoolB through
#    netcompat's registrar reaches it.
#    PoolB holds no netcompat element: netcompat's C API opens no ASAP
#    endpoint (asap.Config.ASAPListen), so a taking-over registrar's
#    keep-alive is refused and the element dropped 5 s later (see the VM
#    README).
. /vm/interop/common.sh
enrp_setup
BOTH="-registrar=$NC_ADDR:3863 -registrar=$RS_ADDR:3863 -asapannounce=off"
RSONLY="-registrar=$RS_ADDR:3863 -asapannounce=off"

note "== A: netcompat's registrar dies"
nc_enrp_registrar nc1
# rsplib's registrar is not up yet: the element registers with netcompat's.
start peA.log "$NC/rsp_server" -echo -poolhandle=PoolA $BOTH
wait_for peA.log "registered in PoolA" 20
a_id=$(sed -n 's/.*echo PE \([0-9]*\) registered.*/\1/p' peA.log)
a_hex=$(printf '%08x' "$a_id")
wait_element nc PoolA "$a_id" $NC_IDDEC 5
note "PoolA/\$$a_hex registered with netcompat's registrar \$${NC_ID#0x}"
rs_enrp_registrar
wait_for rs.log "Successfully registered .*PoolA.*$a_hex" 20
grep -q "Registration request for" rs.log && die "the element registered with rsplib's registrar itself"
note "rsplib's registrar \$${RS_ID#0x} learnt PoolA/\$$a_hex by ENRP"
[ -z "$HSDUMP" ] || wait_element rs PoolA "$a_id" $NC_IDDEC 10
kill -9 "$nc_pid"
note "killed netcompat's registrar"
wait_for rs.log "Registration request for .*PoolA.*$a_hex" 20
if [ -n "$HSDUMP" ]; then
	wait_element rs PoolA "$a_id" $RS_IDDEC 10
	note "PoolA/\$$a_hex re-registered with rsplib's registrar: its home there is \$${RS_ID#0x} now (rsphsdump)"
else
	note "PoolA/\$$a_hex re-registered with rsplib's registrar (its log)"
fi
mkfifo tA.in
STDIN=tA.in
start tA.log "$RSPLIB/rspterminal" -poolhandle=PoolA -registrar=$RS_ADDR:3863 -asapannounce=off
STDIN=
exec 3>tA.in
echo "after netcompat's registrar died" >&3
wait_for tA.log "after netcompat's registrar died" 20
exec 3>&-
note "ok: rspterminal resolved PoolA through rsplib's registrar and was echoed"

note "== B: rsplib's registrar dies"
nc_id 0x20000003
nc_enrp_registrar nc2
# PoolB: an rsplib element that knows rsplib's registrar only.
start rspB.log "$RSPLIB/rspserver" -echo -poolhandle=PoolB $RSONLY
wait_for rs.log "Registration request for .*PoolB" 20
wait_element nc PoolA "$a_id" $RS_IDDEC 20
wait_element nc PoolB "*" $RS_IDDEC 20
b_id=$(nc_elements | awk '$1 == "PoolB" { print $2 }')
b_hex=$(printf '%08x' "$b_id")
note "the new netcompat registrar \$${NC_ID#0x} learnt PoolA/\$$a_hex and PoolB/\$$b_hex by ENRP, home \$${RS_ID#0x}"
kill -9 "$rs_pid"
note "killed rsplib's registrar"
wait_element nc PoolA "$a_id" $NC_IDDEC 20
wait_element nc PoolB "$b_id" $NC_IDDEC 20
note "netcompat's registrar is home of both"
wait_for nc2.log "took over dead peer's pool elements.*peer=.${RS_ID#0x}" 5
note "netcompat's registrar: $(grep -o "took over dead peer's pool elements.*" nc2.log | tr -d '"')"
wait_for nc2.log "taken-over pool element answered.* pool=PoolB pe=.$b_hex" 10
note "PoolB/\$$b_hex answered its Endpoint Keep-Alive (Home flag)"
mkfifo tB.in
STDIN=tB.in
start tB.log "$NC/rsp_terminal" -poolhandle=PoolB -registrar=$NC_ADDR:3863 -asapannounce=off
STDIN=
exec 4>tB.in
echo "after rsplib's registrar died" >&4
wait_for tB.log "after rsplib's registrar died" 20
exec 4>&-
note "ok: rsp_terminal resolved PoolB through netcompat's registrar and was echoed"
