# ENRP handlespace synchronisation between netcompat's registrar and
# rsplib's over kernel SCTP: static peers both ways on port 9901 of
# distinct addresses (multicast off). An element registered with rsplib's
# registrar appears in netcompat's handlespace with rsplib's registrar as
# home and serves a pool user resolving through netcompat's registrar; an
# element registered with netcompat's registrar reaches rsplib's registrar
# by ENRP only and serves rsplib's rspterminal resolving through rsplib's.
. /vm/interop/common.sh
enrp_setup
rs_enrp_registrar
nc_enrp_registrar
# Peering: netcompat hears rsplib's Presence and answers it on rsplib's
# association. This takes rsplib's startup, 5 s: rsplib refuses the
# Presences netcompat sends on the associations it opens itself, whose
# port is not the ENRP port the Presence names ("contains no usable ENRP
# endpoint addresses" in rs.log; see the VM README).
wait_for nc.log "new peer.*peer=.$(echo $RS_ID | cut -c3-)" 20
note "peered: netcompat's registrar lists rsplib's \$${RS_ID#0x} as a peer"

# rsplib's element, on rsplib's registrar only.
start rsp.log "$RSPLIB/rspserver" -echo -poolhandle=RsplibPool -registrar=$RS_ADDR:3863 -asapannounce=off
wait_for rs.log "Registration request for .*RsplibPool" 20
wait_element nc RsplibPool "*" $RS_IDDEC 20
note "rsplib -> netcompat: RsplibPool's element (registered with rsplib's registrar) is in netcompat's handlespace, home \$${RS_ID#0x}"

# netcompat's element, on netcompat's registrar only.
start pe.log "$NC/rsp_server" -echo -poolhandle=NcPool -registrar=$NC_ADDR:3863 -asapannounce=off
wait_for pe.log "registered in NcPool" 20
pe_id=$(sed -n 's/.*echo PE \([0-9]*\) registered.*/\1/p' pe.log)
pe_hex=$(printf '%08x' "$pe_id")
wait_element nc NcPool "$pe_id" $NC_IDDEC 5
wait_for rs.log "Successfully registered .*NcPool.*$pe_hex" 20
grep -q "Registration request for .*NcPool" rs.log && die "netcompat's element registered with rsplib's registrar itself"
note "netcompat -> rsplib: NcPool/\$$pe_hex (registered with netcompat's registrar) is in rsplib's handlespace, by ENRP (rsplib's log)"
if [ -n "$HSDUMP" ]; then
	wait_element rs NcPool "$pe_id" $NC_IDDEC 10
	wait_element rs RsplibPool "*" $RS_IDDEC 1
	note "rsphsdump of rsplib's registrar: NcPool/\$$pe_hex with home \$${NC_ID#0x}, RsplibPool's element with home \$${RS_ID#0x}"
fi

# Resolution across: rsplib's terminal through rsplib's registrar reaches
# netcompat's element; netcompat's terminal through netcompat's registrar
# reaches rsplib's element.
mkfifo t1.in
STDIN=t1.in
start t1.log "$RSPLIB/rspterminal" -poolhandle=NcPool -registrar=$RS_ADDR:3863 -asapannounce=off
STDIN=
exec 3>t1.in
echo "via rsplib's registrar to netcompat's element" >&3
wait_for pe.log "session .*bytes" 30
wait_for t1.log "via rsplib's registrar to netcompat's element" 30
exec 3>&-
note "ok: rsplib's rspterminal resolved NcPool through rsplib's registrar and was echoed by netcompat's element"
mkfifo t2.in
STDIN=t2.in
start t2.log "$NC/rsp_terminal" -poolhandle=RsplibPool -registrar=$NC_ADDR:3863 -asapannounce=off
STDIN=
exec 4>t2.in
echo "via netcompat's registrar to rsplib's element" >&4
wait_for t2.log "via netcompat's registrar to rsplib's element" 30
exec 4>&-
note "ok: netcompat's rsp_terminal resolved RsplibPool through netcompat's registrar and was echoed by rsplib's element"
