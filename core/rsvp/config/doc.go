// Package config reads rsvpd's configuration file.
//
// The file is optional: with none, rsvpd signals on every interface
// that is up (raw IP where it may, UDP encapsulation otherwise), with
// R = 30 s, K = 3, no admission limit and no enforcement. A file changes
// what it names. Its syntax is one statement per line, words separated
// by blanks, '#' starting a comment:
//
//	refresh 30s                 # R, the refresh period (RFC 2205 3.7)
//	keep 3                      # K, refreshes that may be lost
//	encapsulation auto          # auto | raw | udp (RFC 2205 Appendix C)
//	api-socket /run/rsvpd.sock  # the local API socket (RSVP_API_SOCKET wins)
//	max-sessions 65536          # state bound against floods
//
//	interface veth0 bandwidth 10Mbit enforce on encapsulation udp
//	interface eth1 bandwidth 75% link 1Gbit
//	interface lo disabled
//
//	nosignal video proto udp local-port 5004 remote 192.0.2.0/24 \
//	    service controlled-load rate 2Mbit burst 64KB peak 4Mbit interface eth1
//
// An interface's bandwidth is its admission pool: what reservations on
// it may add up to (an absolute rate, or a percentage of its link rate).
// "enforce on" installs every admitted reservation as an HTB class with
// u32 filters on the interface (core/rsvp/tc). A nosignal rule is a
// reservation made without RSVP messages, for IBM i's qtoq calls with
// REQ_NOSIGNAL: admitted and installed locally when a program asks for
// it, removed when it closes.
//
// Rates take the units bit, Kbit, Mbit, Gbit (per second, powers of
// ten), bps (bytes per second) and percent; sizes B, KB, MB (powers of
// two); durations Go's (30s, 500ms).
package config
