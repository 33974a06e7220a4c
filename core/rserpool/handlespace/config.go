package handlespace

import (
	"time"

	"netcompat/core/rserpool/wire"
)

// Defaults (rsplib's rspregistrar; reference sheet sections 3 and 5).
const (
	DefaultMaxHandleLen      = 32 // bytes of a pool handle
	DefaultMaxAddrs          = 64 // addresses per transport (MAX_PE_TRANSPORTADDRESSES)
	DefaultMinAddressScope   = ScopeSiteLocal
	DefaultKeepAliveInterval = 5 * time.Second
	DefaultKeepAliveTimeout  = 5 * time.Second
	DefaultMaxBadPEReports   = 3 // -maxbadpereports
)

// Config is a handlespace's configuration. A zero field means its default;
// a zero limit means unlimited.
type Config struct {
	// ServerID is this registrar's own server ID: the home registrar of
	// the elements that register here through ASAP (Register).
	ServerID uint32

	MaxHandleLen       int // longest pool handle in bytes; default 32
	MaxPools           int // pools in the handlespace; 0 = unlimited
	MaxElements        int // pool elements in the handlespace; 0 = unlimited
	MaxElementsPerPool int // pool elements in one pool; 0 = unlimited
	MaxAddrs           int // addresses of one transport; default 64

	// MinAddressScope is the lowest address scope an ASAP registration's
	// addresses may have (-minaddressscope); default ScopeSiteLocal.
	MinAddressScope Scope

	KeepAliveInterval time.Duration // idle time before an Endpoint Keep-Alive; default 5 s
	KeepAliveTimeout  time.Duration // wait for the Ack; default 5 s
	MaxBadPEReports   int           // Endpoint Unreachables that remove an element; default 3

	// ValidPolicy, when set, vets a registration's policy information
	// (for instance with policy.FromWire); false answers Invalid Values.
	// Without it only policy type 0 (undefined) is refused.
	ValidPolicy func(wire.Policy) bool

	// NewSelector, when set, is called when a pool is created; its result
	// becomes Pool.Selector (see MemberObserver).
	NewSelector func(*Pool) any
}

// withDefaults returns c with its zero fields set to their defaults.
func (c Config) withDefaults() Config {
	if c.MaxHandleLen <= 0 {
		c.MaxHandleLen = DefaultMaxHandleLen
	}
	if c.MaxAddrs <= 0 {
		c.MaxAddrs = DefaultMaxAddrs
	}
	if c.MinAddressScope == ScopeUnspecified {
		c.MinAddressScope = DefaultMinAddressScope
	}
	if c.KeepAliveInterval <= 0 {
		c.KeepAliveInterval = DefaultKeepAliveInterval
	}
	if c.KeepAliveTimeout <= 0 {
		c.KeepAliveTimeout = DefaultKeepAliveTimeout
	}
	if c.MaxBadPEReports <= 0 {
		c.MaxBadPEReports = DefaultMaxBadPEReports
	}
	return c
}
