package asap

import (
	"net/netip"
	"time"

	"netcompat/core/rserpool/wire"
	"netcompat/core/transport"
)

// rsplib's client defaults (rsp_info fields left 0; rserpool.md section 3)
// and the other defaults of this package.
const (
	DefaultAnnounceTimeout  = 5 * time.Second
	DefaultConnectTimeout   = 7500 * time.Millisecond
	DefaultConnectMaxTrials = 1
	DefaultRequestTimeout   = 3 * time.Second
	DefaultResponseTimeout  = 3 * time.Second
	DefaultRequestMaxTrials = 1

	// DefaultReregInterval is rspserver's reregistration interval; the
	// registration life is three times the interval.
	DefaultReregInterval = 10 * time.Second
	// DefaultStaleCacheValue is how long handle-resolution answers stay
	// in the pool user's cache.
	DefaultStaleCacheValue = time.Second
	// DefaultAnnounceInterface is where the announce group is joined
	// unless Config.AnnounceInterface says otherwise.
	DefaultAnnounceInterface = "lo"

	// MaxFailovers is how many association losses one request survives
	// (it is sent again on a new association after each).
	MaxFailovers = 3
	// MaxHandleLen is the longest pool handle (rsplib's limit).
	MaxHandleLen = 32
	// maxConcurrentDials is how many registrars a hunt connects to at
	// once (rsplib's MAX_SIMULTANEOUS_REQUESTS).
	maxConcurrentDials = 3
)

// Config configures a Client. The zero value is usable: no static
// registrars, announces heard on 239.0.0.50:3863 on the loopback
// interface, rsplib's timeouts.
type Config struct {
	// Registrars are static registrars, one entry per registrar, each
	// listing the addresses of a (possibly multi-homed) registrar, as
	// rsplib's -registrar=addr:port[,addr:port...].
	Registrars [][]netip.AddrPort

	// DisableAnnounce turns off listening for Server Announces (rsplib's
	// -asapannounce=off, ri_disable_autoconfig).
	DisableAnnounce bool
	// AnnounceGroup is the multicast group and port announces arrive on;
	// zero means wire.ASAPAnnounceGroup (239.0.0.50:3863).
	AnnounceGroup netip.AddrPort
	// AnnounceInterface names the interface the group is joined on;
	// "" means DefaultAnnounceInterface ("lo"), "default" lets the kernel
	// choose (rsplib's behaviour).
	AnnounceInterface string
	// AnnounceTimeout is how long an announced registrar stays known
	// after its last announce.
	AnnounceTimeout time.Duration

	// ConnectTimeout bounds one trial of the registrar hunt;
	// ConnectMaxTrials is the number of trials.
	ConnectTimeout   time.Duration
	ConnectMaxTrials int
	// RequestTimeout bounds sending one message; ResponseTimeout bounds
	// the wait for a response; RequestMaxTrials is how many response
	// timeouts a request survives minus one.
	RequestTimeout   time.Duration
	ResponseTimeout  time.Duration
	RequestMaxTrials int

	// StaleCacheValue is how long Resolve answers from its cache; 0
	// means DefaultStaleCacheValue, a negative value disables the cache.
	StaleCacheValue time.Duration
	// ReregInterval is the reregistration interval of elements that do
	// not give one; 0 means DefaultReregInterval.
	ReregInterval time.Duration

	// ASAPListen, when not empty, makes the client accept associations
	// from registrars on these addresses (port 0 picks one) and name
	// the endpoint in the ASAP transport parameter of its registrations,
	// so that a registrar taking over its elements can reach it. Give
	// concrete addresses: an unspecified one cannot be advertised.
	ASAPListen []netip.AddrPort

	// Transport selects the backend and TCP keep-alive of registrar
	// associations; Framing and PPID are always FramingBare and ASAP.
	Transport transport.Options

	// Now is the clock of the cache and of announce expiry; nil means
	// time.Now. Tests replace it.
	Now func() time.Time
}

// withDefaults returns cfg with every zero field set to its default.
func (cfg Config) withDefaults() Config {
	if !cfg.AnnounceGroup.IsValid() {
		cfg.AnnounceGroup = wire.ASAPAnnounceGroup
	}
	if cfg.AnnounceInterface == "" {
		cfg.AnnounceInterface = DefaultAnnounceInterface
	}
	setDur(&cfg.AnnounceTimeout, DefaultAnnounceTimeout)
	setDur(&cfg.ConnectTimeout, DefaultConnectTimeout)
	setDur(&cfg.RequestTimeout, DefaultRequestTimeout)
	setDur(&cfg.ResponseTimeout, DefaultResponseTimeout)
	setDur(&cfg.ReregInterval, DefaultReregInterval)
	if cfg.StaleCacheValue == 0 {
		cfg.StaleCacheValue = DefaultStaleCacheValue
	}
	if cfg.ConnectMaxTrials <= 0 {
		cfg.ConnectMaxTrials = DefaultConnectMaxTrials
	}
	if cfg.RequestMaxTrials <= 0 {
		cfg.RequestMaxTrials = DefaultRequestMaxTrials
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	cfg.Transport.Framing = transport.FramingBare
	cfg.Transport.PPID = transport.PPIDASAP
	if cfg.Transport.Backend == transport.BackendAuto {
		cfg.Transport.Backend = transport.DefaultBackend()
	}
	regs := make([][]netip.AddrPort, 0, len(cfg.Registrars))
	for _, r := range cfg.Registrars {
		if len(r) > 0 {
			regs = append(regs, append([]netip.AddrPort(nil), r...))
		}
	}
	cfg.Registrars = regs
	return cfg
}

func setDur(d *time.Duration, def time.Duration) {
	if *d <= 0 {
		*d = def
	}
}
