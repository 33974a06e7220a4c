package config

import (
	"net/netip"
	"time"
)

// Encapsulation says how RSVP messages travel (RFC 2205 Appendix C).
type Encapsulation int

const (
	// EncapAuto uses raw IP (protocol 46) when the process may open a raw
	// socket, UDP encapsulation otherwise.
	EncapAuto Encapsulation = iota
	// EncapRaw uses raw IP only.
	EncapRaw
	// EncapUDP uses UDP ports 1698/1699 only.
	EncapUDP
)

func (e Encapsulation) String() string {
	switch e {
	case EncapRaw:
		return "raw"
	case EncapUDP:
		return "udp"
	}
	return "auto"
}

// Service is an IntServ service (RFC 2210).
type Service int

const (
	ControlledLoad Service = 5
	Guaranteed     Service = 2
)

func (s Service) String() string {
	if s == Guaranteed {
		return "guaranteed"
	}
	return "controlled-load"
}

// Defaults of RFC 2205 section 3.7.
const (
	DefaultRefresh     = 30 * time.Second
	DefaultKeep        = 3
	DefaultMaxSessions = 65536
)

// DefaultAPISocket is where rsvpd listens for RAPI clients when neither
// RSVP_API_SOCKET nor the file says otherwise.
const DefaultAPISocket = "/run/netcompat/rsvpd.sock"

// Config is rsvpd's configuration.
type Config struct {
	Refresh       time.Duration // R
	Keep          int           // K
	Encapsulation Encapsulation
	APISocket     string
	MaxSessions   int
	Interfaces    []Interface // in file order; interfaces not named use defaults
	NoSignal      []NoSignalRule
}

// Interface is the configuration of one network interface.
type Interface struct {
	Name     string
	Disabled bool // no RSVP on it
	// Bandwidth is the admission pool in bits per second; 0 means no
	// limit. BandwidthPercent, when nonzero, sets it as a share of Link
	// (or of the kernel's link speed when Link is 0).
	Bandwidth        float64
	BandwidthPercent float64
	Link             float64 // link rate in bits per second; 0 means ask the kernel
	Enforce          bool
	Encapsulation    Encapsulation // EncapAuto: the global setting
}

// NoSignalRule is a locally installed reservation (qtoq REQ_NOSIGNAL).
type NoSignalRule struct {
	Name       string
	Protocol   uint8 // IP protocol: 17 UDP, 6 TCP
	LocalPort  uint16
	Remote     netip.Prefix // zero: any remote
	RemotePort uint16       // 0: any
	Service    Service
	Rate       float64 // token rate r in bytes per second (as RSVP carries it)
	Burst      float64 // bucket size b in bytes
	Peak       float64 // peak rate p in bytes per second; 0 means unlimited
	MinPoliced uint32  // m
	MaxPacket  uint32  // M
	Interface  string  // "" means the route's interface
}

// Default is the configuration used without a file.
func Default() *Config {
	return &Config{
		Refresh:     DefaultRefresh,
		Keep:        DefaultKeep,
		APISocket:   DefaultAPISocket,
		MaxSessions: DefaultMaxSessions,
	}
}

// Lifetime is L = (K + 0.5) x 1.5 x R (RFC 2205 section 3.7) for state
// refreshed every r.
func Lifetime(keep int, r time.Duration) time.Duration {
	return time.Duration((float64(keep) + 0.5) * 1.5 * float64(r))
}

// InterfaceConfig returns the configuration of the named interface: its
// statement, or the defaults.
func (c *Config) InterfaceConfig(name string) Interface {
	for _, i := range c.Interfaces {
		if i.Name == name {
			return i
		}
	}
	return Interface{Name: name}
}

// Rule returns the nosignal rule for a local port and protocol and, when
// the rule names one, a remote address; nil if there is none.
func (c *Config) Rule(proto uint8, localPort uint16, remote netip.Addr) *NoSignalRule {
	for i := range c.NoSignal {
		r := &c.NoSignal[i]
		if r.Protocol != proto || r.LocalPort != localPort {
			continue
		}
		if r.Remote.IsValid() && (!remote.IsValid() || !r.Remote.Contains(remote.Unmap())) {
			continue
		}
		return r
	}
	return nil
}
