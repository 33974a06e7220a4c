# A netcompat pool element (rsp_server -echo) registers with rsplib's
# rspregistrar and serves rsplib's rspterminal.
. /vm/interop/common.sh
rsplib_registrar
start element.log "$NC/rsp_server" -echo -poolhandle=EchoPool -registrar="$REG" -asapannounce=off
wait_for element.log "registered in EchoPool" 30
mkfifo terminal.in
STDIN=terminal.in
start terminal.log "$RSPLIB/rspterminal" -poolhandle=EchoPool -registrar="$REG" -asapannounce=off
STDIN=
exec 3>terminal.in
echo "netcompat element, rsplib terminal" >&3
wait_for element.log "session .*: 35 bytes" 30
wait_for terminal.log "netcompat element, rsplib terminal" 30
exec 3>&-
echo "ok: rsplib's rspterminal was echoed by netcompat's element via rsplib's registrar"
