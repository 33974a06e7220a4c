// Package webtp is netcompat's WebTP: an ADU transport over UDP with
// per-ADU reliability, two priorities and congestion control shared by all
// connections between two endpoints (PROTOCOL.md).
//
// The package is the thin I/O layer: UDP endpoints, timers and the public
// Conn and Listener. The protocol itself lives in the packages below it:
//
//	wire/      encoding and decoding of packets and frames, nothing else
//	recovery/  RTT, loss detection, CUBIC congestion control, pacing, ACKs
//	sched/     traffic classes (/etc/webtp_classes), link sharing, urgent
//	           vs normal, rate admission
//	engine/    the state machine of pipes and connections, without sockets
//	           or clocks
//	udpio/     batched UDP sends and receives (sendmmsg, recvmmsg, GSO)
//
// # Endpoints and pipes
//
// An endpoint is one UDP socket. Listen makes (or reuses) the endpoint for
// its address; Dial uses the process's shared endpoint for the address
// family unless DialOptions.LocalAddr names another. Every remote UDP
// address an endpoint talks to has one pipe, so all connections between
// two endpoints share one congestion controller and a new connection
// starts at the pipe's current rate.
package webtp
