package extagent

import (
	"fmt"

	"netcompat/core/extagent/wire"
)

// The handshake (the lost §3 of the specification, re-made):
//
//  1. The agent connects and at once sends Open with its protocol version
//     as the argument: 00 00 00 00 | 00 00 | 00 01.
//  2. The server checks the greeting. If it is not an Open control packet
//     or the version is 0, it answers Close(CloseHandshake), logs the reason
//     and drops the peer. Otherwise it answers Open with the version both
//     speak, the lower of the two, and the connection is established.
//  3. The agent checks the answer on its first read: it must be Open with a
//     version from 1 to its own. Data may follow the greeting at once in
//     both directions, so an agent and its server can live in one
//     single-threaded program.
//
// A peer that has not greeted within Config.Handshake is dropped.

// Greeting is the control packet each side sends first.
func Greeting(version uint16) []byte {
	return wire.AppendControl(nil, wire.CmdOpen, version)
}

// CheckAgentGreeting validates what a server reads first from an agent and
// returns the version to answer with.
func CheckAgentGreeting(f wire.Frame) (uint16, error) {
	if f.Kind != wire.KindControl || f.Command != wire.CmdOpen {
		return 0, fmt.Errorf("handshake: expected an open control packet, got %s", describe(f))
	}
	if f.Arg == 0 {
		return 0, fmt.Errorf("handshake: protocol version 0 is not valid")
	}
	return min(f.Arg, wire.Version), nil
}

// CheckServerGreeting validates what an agent reads first from its server.
func CheckServerGreeting(f wire.Frame) error {
	if f.Kind == wire.KindControl && f.Command == wire.CmdClose {
		return fmt.Errorf("handshake: server refused the connection (close reason %d)", f.Arg)
	}
	if f.Kind != wire.KindControl || f.Command != wire.CmdOpen {
		return fmt.Errorf("handshake: expected an open control packet, got %s", describe(f))
	}
	if f.Arg == 0 || f.Arg > wire.Version {
		return fmt.Errorf("handshake: server answered with unsupported version %d", f.Arg)
	}
	return nil
}

func describe(f wire.Frame) string {
	if f.Kind == wire.KindData {
		return fmt.Sprintf("a %d-octet data packet", len(f.Data))
	}
	return fmt.Sprintf("control %s(%d)", f.Command, f.Arg)
}
