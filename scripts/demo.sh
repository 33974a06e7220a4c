#!/usr/bin/env bash
# The main demo: a SchemeStation domain (examples/c/extagent_echo_server)
# and an external agent (examples/c/ssextagent_client) exchanging packets.
set -euo pipefail
build=${1:-build}

echo "== starting the domain: extagent_echo_server -n 1"
coproc SERVER { exec "$build/extagent_echo_server" -n 1; }
server_pid=$SERVER_PID
read -r line <&"${SERVER[0]}"
echo "server: $line"
port=${line##* }

echo "== the agent sends three lines: ssextagent_client 127.0.0.1 $port"
printf '%s\n' "hello, domain" "external agents are back" "$(uname -sr)" |
	"$build/ssextagent_client" 127.0.0.1 "$port"

while read -r line <&"${SERVER[0]}"; do
	echo "server: $line"
done
wait "$server_pid"
echo "== demo finished"
