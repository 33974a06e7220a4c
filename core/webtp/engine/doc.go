// Package engine is WebTP's protocol state machine: pipes (one per remote
// UDP address, owning packet numbers, acknowledgements, loss recovery,
// congestion control and the scheduler) and the light connections
// multiplexed over them (ADU fragmentation and reassembly, per-ADU
// reliability, duplicate suppression, flow control, the handshakes).
//
// It has no sockets, goroutines or clock: the I/O layer (package webtp)
// hands it received datagrams and the current time, asks it for datagrams
// to send, and arms one timer at NextTimeout. All methods of an Endpoint
// and of its Conns must be called with the same lock held; the engine
// calls the Notify hooks with that lock held, so they may only signal.
//
// The code path of one ADU: Conn.Send queues a sendADU (send.go); the
// pipe's packet builder (build.go) asks the scheduler for the next flow
// and cuts a fragment into an ADU frame; the sent packet is logged
// (sentlog.go); the ACK that covers it calls back into send.go, which
// frees the ADU once every byte is acknowledged, re-queues a lost
// fragment of a reliable ADU and abandons an unreliable one. On the far
// side recv.go reassembles fragments and queues complete ADUs (and loss
// notices) for Conn.Receive.
package engine
