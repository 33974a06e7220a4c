package registrar

import (
	"log/slog"
	"math/rand/v2"
	"net/netip"
	"time"

	"netcompat/core/rserpool/handlespace"
	"netcompat/core/rserpool/wire"
)

// Defaults (rsplib's rspregistrar unless noted; reference sheet section 5).
const (
	DefaultMaxHandleResolutionItems = 3   // -maxhresitems
	MaxHandleResolutionItems        = 128 // hard cap, whatever is asked or configured
	DefaultMaxBadPEReports          = 3   // -maxbadpereports
	DefaultKeepAliveInterval        = 5 * time.Second
	DefaultKeepAliveTimeout         = 5 * time.Second
	DefaultAnnounceInterval         = time.Second       // -serverannouncecycle
	DefaultAutoCloseTimeout         = 300 * time.Second // -autoclosetimeout

	// DefaultMinAddressScope deviates from rsplib (site-local): the
	// registrar accepts pool elements that register loopback addresses,
	// so that it works on one host without options.
	DefaultMinAddressScope = handlespace.ScopeLoopback

	// DefaultMaxElements bounds the handlespace (rsplib has no bound): at
	// about 0.5 KB per element (handlespace and selector) it caps the
	// handlespace near 50 MB whatever clients register.
	DefaultMaxElements = 100000

	// ENRP defaults (rsplib's rspregistrar; reference sheet section 5).
	DefaultPeerHeartbeatCycle      = 2444444 * time.Microsecond // -peerheartbeatcycle
	DefaultPeerMaxTimeLastHeard    = 5 * time.Second            // -peermaxtimelastheard
	DefaultPeerMaxTimeNoResponse   = 5 * time.Second            // -peermaxtimenoresponse
	DefaultMentorDiscoveryTimeout  = 5 * time.Second            // -mentordiscoverytimeout
	DefaultTakeoverExpiryInterval  = 5 * time.Second            // -takeoverexpiryinterval
	DefaultMaxElementsPerHTRequest = 128                        // -maxelementsperhtrequest
	// MaxPeers bounds the peer table: a registrar pool is a handful of
	// servers, and each peer costs timers and fan-out on every update.
	MaxPeers = 256

	// DefaultMaxGarbage is how many undecodable messages in a row an
	// association may send before the registrar closes it.
	DefaultMaxGarbage = 8
)

// Config configures a Registrar. A zero field means its default.
type Config struct {
	// ServerID is the registrar's server identifier; 0 picks a random
	// non-zero one (-identifier=).
	ServerID uint32

	// MaxHandleResolutionItems caps the pool elements of one Handle
	// Resolution Response (-maxhresitems, default 3); it is also the
	// number returned when the request has no Handle Resolution Option
	// (or asks for 0). Values above 128 count as 128.
	MaxHandleResolutionItems int
	// MaxIncrement is the policy selectors' MaxIncrement (-maxincrement;
	// 0 means 1, rsplib's default).
	MaxIncrement int
	// MaxBadPEReports is how many Endpoint Unreachable reports remove a
	// pool element (-maxbadpereports, default 3).
	MaxBadPEReports int

	// MaxHRRate and MaxEURate limit Handle Resolutions and Endpoint
	// Unreachables per association and second (-maxhrrate, -maxeurate);
	// 0 or less means unlimited (the default). See ratelimit.go.
	MaxHRRate float64
	MaxEURate float64

	// MinAddressScope is the lowest scope of the addresses a pool element
	// may register (-minaddressscope); default loopback (see
	// DefaultMinAddressScope).
	MinAddressScope handlespace.Scope

	KeepAliveInterval time.Duration // Endpoint Keep-Alive transmission interval; default 5 s
	KeepAliveTimeout  time.Duration // wait for the Ack; default 5 s

	// Announce enables Server Announces every AnnounceInterval (default
	// 1 s), emitted as Outputs with Announce set.
	Announce         bool
	AnnounceInterval time.Duration

	// AutoCloseTimeout closes associations on which nothing was received
	// or sent for this long (default 300 s; negative: never).
	AutoCloseTimeout time.Duration

	// Handlespace limits; a registration beyond one is refused with Lack
	// of Resources (0x6). MaxElements defaults to DefaultMaxElements
	// (negative: unlimited); the others default to unlimited.
	MaxPools            int
	MaxElements         int
	MaxElementsPerPool  int
	MaxElementsPerAssoc int

	// MaxGarbage is how many undecodable (or oversized, or unknown-type)
	// messages in a row close an association; default 8.
	MaxGarbage int

	// ENRP (RFC 5353; enrp.go). Without ENRP the registrar is alone and
	// ignores ENRP messages.
	ENRP ENRPConfig

	// Rand drives the random policies and the random server ID; nil
	// seeds one from the runtime's generator. Tests pass a seeded one.
	Rand *rand.Rand

	// Logger receives the registrar's log records; nil discards them.
	Logger *slog.Logger
}

func (c Config) withDefaults() Config {
	if c.MaxHandleResolutionItems <= 0 {
		c.MaxHandleResolutionItems = DefaultMaxHandleResolutionItems
	}
	c.MaxHandleResolutionItems = min(c.MaxHandleResolutionItems, MaxHandleResolutionItems)
	if c.MaxBadPEReports <= 0 {
		c.MaxBadPEReports = DefaultMaxBadPEReports
	}
	if c.MinAddressScope == handlespace.ScopeUnspecified {
		c.MinAddressScope = DefaultMinAddressScope
	}
	if c.KeepAliveInterval <= 0 {
		c.KeepAliveInterval = DefaultKeepAliveInterval
	}
	if c.KeepAliveTimeout <= 0 {
		c.KeepAliveTimeout = DefaultKeepAliveTimeout
	}
	if c.AnnounceInterval <= 0 {
		c.AnnounceInterval = DefaultAnnounceInterval
	}
	if c.AutoCloseTimeout == 0 {
		c.AutoCloseTimeout = DefaultAutoCloseTimeout
	}
	switch {
	case c.MaxElements == 0:
		c.MaxElements = DefaultMaxElements
	case c.MaxElements < 0:
		c.MaxElements = 0 // the handlespace's "unlimited"
	}
	if c.MaxGarbage <= 0 {
		c.MaxGarbage = DefaultMaxGarbage
	}
	c.ENRP = c.ENRP.withDefaults()
	if c.Rand == nil {
		c.Rand = rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	for c.ServerID == 0 {
		c.ServerID = c.Rand.Uint32()
	}
	return c
}

// ENRPConfig configures the registrar's ENRP side. A zero field means its
// default.
type ENRPConfig struct {
	// Enabled turns ENRP on: peers, Presence, synchronisation, takeover.
	Enabled bool
	// Self is the Server Information transport this registrar sends in
	// its Presence: where peers reach its ENRP endpoint (the I/O layer
	// fills it in).
	Self wire.Transport
	// StaticPeers are the ENRP endpoints of -peer= options: each entry
	// one peer, possibly multi-homed. They get Presence messages until
	// they answer; their identities come from their answers.
	StaticPeers [][]netip.AddrPort
	// Multicast sends every Presence heartbeat as an Output with
	// Presence set too (the I/O layer's multicast socket).
	Multicast bool

	HeartbeatCycle         time.Duration // Presence to every peer; default 2.444 s
	MaxTimeLastHeard       time.Duration // silence before a Presence with R; default 5 s
	MaxTimeNoResponse      time.Duration // then silence before the peer is dead; default 5 s
	MentorDiscoveryTimeout time.Duration // startup phase; default 5 s
	TakeoverExpiryInterval time.Duration // wait for Init Takeover Acks; default 5 s
	// MaxElementsPerHTRequest is the page size of Handle Table Responses
	// this registrar sends (default 128); a page also ends before it
	// would exceed wire.MaxMessageSize.
	MaxElementsPerHTRequest int
}

func (c ENRPConfig) withDefaults() ENRPConfig {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&c.HeartbeatCycle, DefaultPeerHeartbeatCycle)
	def(&c.MaxTimeLastHeard, DefaultPeerMaxTimeLastHeard)
	def(&c.MaxTimeNoResponse, DefaultPeerMaxTimeNoResponse)
	def(&c.MentorDiscoveryTimeout, DefaultMentorDiscoveryTimeout)
	def(&c.TakeoverExpiryInterval, DefaultTakeoverExpiryInterval)
	if c.MaxElementsPerHTRequest <= 0 {
		c.MaxElementsPerHTRequest = DefaultMaxElementsPerHTRequest
	}
	return c
}
