// Package extagent holds what the SchemeStation external-agent client and
// server share: their configuration and the handshake rules. The framing is
// in extagent/wire, the agent side in extagent/client and the domain side in
// extagent/server.
package extagent

import (
	"fmt"
	"strconv"
	"syscall"
	"time"

	"netcompat/core/cbridge"
	"netcompat/core/extagent/wire"
)

// Config is read once from the environment:
//
//	NETCOMPAT_EXTAG_MAX_PACKET     largest data packet in octets (default 16 MiB)
//	NETCOMPAT_EXTAG_HANDSHAKE_MS   time a new peer has to greet (default 10000)
type Config struct {
	MaxPacket int
	Handshake time.Duration
}

// FromEnv reads the configuration, falling back to defaults for unset or
// malformed values.
func FromEnv() Config { return FromLookup(cbridge.Getenv) }

// FromLookup is FromEnv reading through getenv.
func FromLookup(getenv func(key string) string) Config {
	c := Config{MaxPacket: wire.DefaultMaxPacket, Handshake: 10 * time.Second}
	if v, err := strconv.Atoi(getenv("NETCOMPAT_EXTAG_MAX_PACKET")); err == nil && v > 0 && v <= 1<<30 {
		c.MaxPacket = v
	}
	if v, err := strconv.Atoi(getenv("NETCOMPAT_EXTAG_HANDSHAKE_MS")); err == nil && v > 0 {
		c.Handshake = time.Duration(v) * time.Millisecond
	}
	return c
}

// CheckOutgoing validates a data packet of n octets before it is sent:
// empty packets do not exist on the wire (length 0 marks a control packet),
// and nothing over the limit may leave.
func (c Config) CheckOutgoing(n int) error {
	switch {
	case n == 0:
		return cbridge.Errorf(syscall.EINVAL, "extagent: empty packet")
	case n > c.MaxPacket:
		return cbridge.Errorf(syscall.EMSGSIZE, fmt.Sprintf("extagent: packet of %d octets exceeds the maximum %d", n, c.MaxPacket))
	}
	return nil
}
