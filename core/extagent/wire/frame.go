// Package wire encodes and decodes the SchemeStation external-agent framing.
//
// The original specification's "Packet format" section is lost; the project
// convention, documented for C programmers in include/extagent.h, is:
//
//	data packet:     length (4 octets, network order, >= 1) | data
//	control packet:  0 (4 octets) | command (2 octets) | argument (2 octets)
//
// Commands are Open (0) and Close (1). This package only encodes and
// decodes; the handshake and connection rules live in the client and
// server packages.
package wire

import (
	"encoding/binary"
	"errors"
	"fmt"
)

const (
	// HeaderLen is the size of the length field that starts every packet.
	HeaderLen = 4
	// ControlLen is the size of a control packet's body (command, argument).
	ControlLen = 4
	// DefaultMaxPacket is the largest data packet accepted unless configured
	// otherwise (EXTAG_MAX_PACKET_DEFAULT in the C headers).
	DefaultMaxPacket = 16 << 20
	// Version is the protocol version this implementation speaks; it travels
	// as the argument of the Open control packet in the handshake.
	Version = 1
)

// Command is a control packet's command.
type Command uint16

const (
	CmdOpen  Command = 0
	CmdClose Command = 1
)

func (c Command) String() string {
	switch c {
	case CmdOpen:
		return "open"
	case CmdClose:
		return "close"
	}
	return fmt.Sprintf("command(%d)", uint16(c))
}

// Close reasons, carried as the argument of a Close control packet.
const (
	CloseNormal        uint16 = 0 // the sender closed the connection
	CloseShutdown      uint16 = 1 // the server is shutting down
	CloseProtocolError uint16 = 2 // the peer broke the framing rules
	CloseTooLarge      uint16 = 3 // the peer sent a packet over the maximum
	CloseHandshake     uint16 = 4 // the handshake failed (bad greeting or version)
)

// Kind tells a data packet from a control packet.
type Kind uint8

const (
	KindData Kind = iota + 1
	KindControl
)

// Frame is one decoded packet.
type Frame struct {
	Kind    Kind
	Command Command // control packets only
	Arg     uint16  // control packets only
	Data    []byte  // data packets only; len(Data) >= 1
}

// ErrTooLarge reports a length field over the configured maximum.
var ErrTooLarge = errors.New("extagent: packet exceeds the maximum size")

// AppendHeader appends the length field of a data packet of n octets.
func AppendHeader(dst []byte, n int) []byte {
	return binary.BigEndian.AppendUint32(dst, uint32(n))
}

// AppendData appends a complete data packet carrying data.
func AppendData(dst, data []byte) []byte {
	return append(AppendHeader(dst, len(data)), data...)
}

// AppendControl appends a complete control packet.
func AppendControl(dst []byte, cmd Command, arg uint16) []byte {
	dst = binary.BigEndian.AppendUint32(dst, 0)
	dst = binary.BigEndian.AppendUint16(dst, uint16(cmd))
	return binary.BigEndian.AppendUint16(dst, arg)
}

// ParseControl reads the command and argument of a control packet's body.
func ParseControl(b []byte) (Command, uint16) {
	return Command(binary.BigEndian.Uint16(b)), binary.BigEndian.Uint16(b[2:])
}

// ControlPacketLen is the encoded size of a control packet.
const ControlPacketLen = HeaderLen + ControlLen
