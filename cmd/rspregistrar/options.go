package main

import (
	"fmt"
	"log/slog"
	"math"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"netcompat/core/rserpool/handlespace"
	"netcompat/core/rserpool/registrar"
	"netcompat/core/rserpool/wire"
)

// options is the parsed command line.
type options struct {
	server registrar.ServerConfig

	logLevel  slog.Level
	logOff    bool
	logFile   string
	logAppend bool

	statsFile     string
	statsInterval time.Duration
	portFile      string
	enrpPortFile  string
	dumpFile      string
	pidFile       string

	enrpOn          bool // an ENRP option was given
	enrpAnnounceSet bool // -enrpannounce= was given

	help        bool
	unsupported []string // accepted but not (yet) implemented: warned about at start
}

// logOffLevel is above every level the registrar logs at.
const logOffLevel = slog.LevelError + 100

// DefaultStatsInterval is the statistics interval when -statsfile is given
// without -statsinterval (rsplib then writes no lines at all).
const defaultStatsInterval = time.Second

const usage = `usage: rspregistrar [-option=value ...]

rsplib-style options (all optional; the defaults serve ASAP on 0.0.0.0:3863
and announce on 239.0.0.50:3863 through the loopback interface):

  -asap=auto|address:port[,address...]   ASAP endpoint (default 0.0.0.0:3863; port 0 picks one)
  -asapannounce=auto|off|address[:port]  Server Announce destination (auto = 239.0.0.50:3863)
  -asapannounceif=NAME                   interface multicast announces leave by (default lo)
  -announcettl=1..255                    multicast TTL of announces (default 1)
  -serverannouncecycle=ms                announce interval (default 1000; 100..60000)
  -identifier=ID                         server ID, hex (0x...) or decimal (default random)
  -maxbadpereports=N                     Endpoint Unreachables that remove a PE (default 3)
  -maxhresitems=N                        PEs per handle resolution (default 3, at most 128)
  -maxincrement=N                        selections that advance a pool's policy state (default 1)
  -maxhrrate=R / -maxeurate=R            handle resolutions / unreachable reports per second and
                                         association (default unlimited)
  -minaddressscope=loopback|sitelocal|global   lowest PE address scope (default loopback)
  -endpointkeepalivetransmissioninterval=ms (or -keepalivetransmissioninterval=ms)
                                         keep-alive interval (default 5000; 300..300000)
  -endpointkeepalivetimeoutinterval=ms (or -keepalivetimeoutinterval=ms)
                                         keep-alive timeout (default 5000; 100..60000)
  -autoclosetimeout=s                    close idle associations (default 300; at least 5)
  -statsfile=PATH -statsinterval=ms      statistics file, one line per interval (default 1000 ms)
  -loglevel=0..9|off|error|warning|info|action|debug   (default 3 = info)
  -logfile=PATH / -logappend=PATH / -logquiet   log destination (default standard error)
  -portfile=PATH                         write the ASAP port there once listening
  -enrpportfile=PATH                     write the ENRP port there once listening
  -dumpfile=PATH                         on SIGUSR1, write the handlespace and peer table there as JSON
  -daemonpidfile=PATH                    write the process ID there

ENRP (registrar pools; off unless one of these is given):
  -enrp=auto|off|address:port[,address...]   ENRP endpoint (auto = 0.0.0.0:9901; port 0 picks one)
  -peer=address:port[,address...]        a static peer (repeatable)
  -enrpannounce=auto|off|address[:port]  Presence multicast group (auto = 239.0.0.51:9901, the default)
  -enrpannounceif=NAME                   interface for multicast Presence (default lo)
  -maxelementsperhtrequest=N             page size of handle table responses (default 128)
  -peerheartbeatcycle=ms                 Presence interval (default 2444)
  -peermaxtimelastheard=ms -peermaxtimenoresponse=ms   peer failure detection (default 5000 each)
  -mentordiscoverytimeout=ms             startup phase (default 5000)
  -takeoverexpiryinterval=ms             wait for takeover acks (default 5000)

netcompat extensions:
  -maxassocs=N            open ASAP associations (default 1024)
  -maxelements=N          pool elements in all (default 100000; -1 unlimited)
  -maxpools=N -maxelementsperpool=N -maxelementsperassoc=N   (default unlimited)
  -maxmessagesize=BYTES   longest ASAP message read whole (default 8192)
`

// parseOptions parses rsplib-style -name=value arguments.
func parseOptions(args []string) (*options, error) {
	o := &options{logLevel: slog.LevelInfo}
	cfg := &o.server
	cfg.Announce = wire.ASAPAnnounceGroup
	cfg.Registrar.MinAddressScope = handlespace.ScopeLoopback

	for _, arg := range args {
		name, value, hasValue := strings.Cut(strings.TrimPrefix(arg, "-"), "=")
		if !strings.HasPrefix(arg, "-") || name == "" {
			return nil, fmt.Errorf("invalid argument %q", arg)
		}
		name = strings.TrimPrefix(name, "-") // --name works too
		var err error
		needValue := func() error {
			if !hasValue {
				return fmt.Errorf("option -%s needs a value (-%s=...)", name, name)
			}
			return nil
		}
		switch name {
		case "h", "help":
			o.help = true
		case "asap":
			if err = needValue(); err == nil {
				cfg.ASAP, err = parseEndpoint(value, wire.ASAPPort)
			}
		case "asapannounce":
			if err = needValue(); err == nil {
				cfg.Announce, err = parseAnnounce(value, wire.ASAPAnnounceGroup)
			}
		case "asapannounceif":
			if err = needValue(); err == nil {
				cfg.AnnounceInterface = value
			}
		case "announcettl":
			cfg.AnnounceTTL, err = intValue(name, value, hasValue, 1, 255)
		case "serverannouncecycle":
			cfg.Registrar.AnnounceInterval, err = msValue(name, value, hasValue, 100*time.Millisecond, time.Minute)
		case "identifier":
			if err = needValue(); err == nil {
				cfg.Registrar.ServerID, err = parseID(value)
			}
		case "maxbadpereports":
			cfg.Registrar.MaxBadPEReports, err = intValue(name, value, hasValue, 1, math.MaxInt32)
		case "maxhresitems":
			cfg.Registrar.MaxHandleResolutionItems, err = intValue(name, value, hasValue, 1, registrar.MaxHandleResolutionItems)
		case "maxincrement":
			cfg.Registrar.MaxIncrement, err = intValue(name, value, hasValue, 0, math.MaxInt32)
		case "maxhrrate":
			cfg.Registrar.MaxHRRate, err = rateValue(name, value, hasValue)
		case "maxeurate":
			cfg.Registrar.MaxEURate, err = rateValue(name, value, hasValue)
		case "minaddressscope":
			if err = needValue(); err == nil {
				cfg.Registrar.MinAddressScope, err = handlespace.ParseScope(value)
			}
		case "endpointkeepalivetransmissioninterval", "keepalivetransmissioninterval":
			cfg.Registrar.KeepAliveInterval, err = msValue(name, value, hasValue, 300*time.Millisecond, 300*time.Second)
		case "endpointkeepalivetimeoutinterval", "keepalivetimeoutinterval":
			cfg.Registrar.KeepAliveTimeout, err = msValue(name, value, hasValue, 100*time.Millisecond, 60*time.Second)
		case "autoclosetimeout":
			var s int
			if s, err = intValue(name, value, hasValue, 5, math.MaxInt32); err == nil {
				cfg.Registrar.AutoCloseTimeout = time.Duration(s) * time.Second
			}
		case "statsfile":
			if err = needValue(); err == nil {
				o.statsFile = value
			}
		case "statsinterval":
			o.statsInterval, err = msValue(name, value, hasValue, 10*time.Millisecond, time.Hour)
		case "loglevel":
			if err = needValue(); err == nil {
				o.logLevel, o.logOff, err = parseLogLevel(value)
			}
		case "logfile", "logappend":
			if err = needValue(); err == nil {
				o.logFile, o.logAppend = value, name == "logappend"
			}
		case "logquiet":
			o.logOff = true
		case "logcolor", "quiet", "disable-ipv6":
			// No colours, no banner, IPv4 by default anyway.
		case "portfile":
			if err = needValue(); err == nil {
				o.portFile = value
			}
		case "dumpfile":
			if err = needValue(); err == nil {
				o.dumpFile = value
			}
		case "enrpportfile":
			if err = needValue(); err == nil {
				o.enrpPortFile = value
			}
		case "daemonpidfile":
			if err = needValue(); err == nil {
				o.pidFile = value
			}
		case "maxassocs":
			cfg.MaxAssociations, err = intValue(name, value, hasValue, 1, math.MaxInt32)
		case "maxelements":
			cfg.Registrar.MaxElements, err = intValue(name, value, hasValue, -1, math.MaxInt32)
			if err == nil && cfg.Registrar.MaxElements == 0 {
				cfg.Registrar.MaxElements = -1
			}
		case "maxpools":
			cfg.Registrar.MaxPools, err = intValue(name, value, hasValue, 0, math.MaxInt32)
		case "maxelementsperpool":
			cfg.Registrar.MaxElementsPerPool, err = intValue(name, value, hasValue, 0, math.MaxInt32)
		case "maxelementsperassoc":
			cfg.Registrar.MaxElementsPerAssoc, err = intValue(name, value, hasValue, 0, math.MaxInt32)
		case "maxmessagesize":
			cfg.MaxMessageSize, err = intValue(name, value, hasValue, 64, 65535)

		case "enrp":
			if err = needValue(); err == nil && !isOff(value) {
				cfg.ENRP, err = parseEndpoint(value, wire.ENRPPort)
				o.enrpOn = true
			}
		case "peer":
			var ep []netip.AddrPort
			if err = needValue(); err == nil {
				if ep, err = parseEndpoint(value, wire.ENRPPort); err == nil {
					cfg.Peers = append(cfg.Peers, ep)
					o.enrpOn = true
				}
			}
		case "enrpannounce", "enrpmulticast":
			if err = needValue(); err == nil {
				cfg.ENRPMulticast, err = parseAnnounce(value, wire.ENRPAnnounceGroup)
				o.enrpOn = o.enrpOn || cfg.ENRPMulticast.IsValid()
				o.enrpAnnounceSet = true
			}
		case "enrpannounceif":
			if err = needValue(); err == nil {
				cfg.ENRPMulticastInterface = value
			}
		case "maxelementsperhtrequest":
			cfg.Registrar.ENRP.MaxElementsPerHTRequest, err = intValue(name, value, hasValue, 1, 65535)
		case "peerheartbeatcycle":
			cfg.Registrar.ENRP.HeartbeatCycle, err = msValue(name, value, hasValue, 10*time.Millisecond, time.Hour)
		case "peermaxtimelastheard":
			cfg.Registrar.ENRP.MaxTimeLastHeard, err = msValue(name, value, hasValue, 10*time.Millisecond, time.Hour)
		case "peermaxtimenoresponse":
			cfg.Registrar.ENRP.MaxTimeNoResponse, err = msValue(name, value, hasValue, 10*time.Millisecond, time.Hour)
		case "mentordiscoverytimeout":
			cfg.Registrar.ENRP.MentorDiscoveryTimeout, err = msValue(name, value, hasValue, 10*time.Millisecond, time.Hour)
		case "takeoverexpiryinterval":
			cfg.Registrar.ENRP.TakeoverExpiryInterval, err = msValue(name, value, hasValue, 10*time.Millisecond, time.Hour)

		// Features not implemented: accepted, so that rsplib command
		// lines work, and reported at start.
		case "mentorhuntinterval", "supporttakeoversuggestion",
			"distancestep", "actionlogfile", "object", "scalar", "cspserver", "cspinterval":
			o.unsupported = append(o.unsupported, arg)
		default:
			return nil, fmt.Errorf("unknown option %q", arg)
		}
		if err != nil {
			return nil, err
		}
	}
	// ENRP is on once any ENRP option asks for it: -enrp= serves on the
	// given endpoint, otherwise on 0.0.0.0:9901; multicast Presence
	// follows -enrpannounce= (default 239.0.0.51:9901).
	if o.enrpOn {
		if len(cfg.ENRP) == 0 {
			cfg.ENRP = []netip.AddrPort{netip.AddrPortFrom(netip.IPv4Unspecified(), wire.ENRPPort)}
		}
		if !o.enrpAnnounceSet {
			cfg.ENRPMulticast = wire.ENRPAnnounceGroup
		}
	}
	if o.statsFile != "" && o.statsInterval == 0 {
		o.statsInterval = defaultStatsInterval
	}
	return o, nil
}

// parseEndpoint parses "auto" or "address:port[,address[:port]]...": the
// addresses of one multi-homed endpoint; an address without a port takes
// the first one's (which defaults to def).
func parseEndpoint(s string, def uint16) ([]netip.AddrPort, error) {
	if s == "auto" {
		return []netip.AddrPort{netip.AddrPortFrom(netip.IPv4Unspecified(), def)}, nil
	}
	var out []netip.AddrPort
	port := def
	for i, item := range strings.Split(s, ",") {
		ap, err := netip.ParseAddrPort(item)
		if err != nil {
			a, aerr := netip.ParseAddr(strings.TrimSuffix(strings.TrimPrefix(item, "["), "]"))
			if aerr != nil {
				return nil, fmt.Errorf("bad address %q (use address:port)", item)
			}
			ap = netip.AddrPortFrom(a, port)
		}
		if i == 0 {
			port = ap.Port()
		}
		out = append(out, ap)
	}
	return out, nil
}

func isOff(s string) bool {
	s = strings.ToLower(s)
	return s == "off" || s == "none"
}

// parseAnnounce parses -asapannounce: auto, off (or none), or
// address[:port] (port default 3863).
func parseAnnounce(s string, auto netip.AddrPort) (netip.AddrPort, error) {
	switch strings.ToLower(s) {
	case "auto":
		return auto, nil
	case "off", "none":
		return netip.AddrPort{}, nil
	}
	ap, err := parseEndpoint(s, auto.Port())
	if err != nil {
		return netip.AddrPort{}, err
	}
	if len(ap) != 1 || ap[0].Addr().IsUnspecified() || ap[0].Port() == 0 {
		return netip.AddrPort{}, fmt.Errorf("bad announce address %q", s)
	}
	return ap[0], nil
}

// parseID parses a server ID: 0x-prefixed hex, $-prefixed hex (rsplib
// prints IDs so) or decimal.
func parseID(s string) (uint32, error) {
	var v uint64
	var err error
	switch {
	case strings.HasPrefix(s, "0x"), strings.HasPrefix(s, "0X"):
		v, err = strconv.ParseUint(s[2:], 16, 32)
	case strings.HasPrefix(s, "$"):
		v, err = strconv.ParseUint(s[1:], 16, 32)
	default:
		v, err = strconv.ParseUint(s, 10, 32)
	}
	if err != nil {
		return 0, fmt.Errorf("bad registrar identifier %q", s)
	}
	return uint32(v), nil
}

// parseLogLevel maps rsplib's 0-9 (none, error, warning, note, action,
// verbose 1-5) or a name onto a slog level: 1 error, 2 warning, 3 info
// (notes: start, stop, removals), 4 debug (actions: registrations,
// resolutions), 5-9 below debug.
func parseLogLevel(s string) (level slog.Level, off bool, err error) {
	switch strings.ToLower(s) {
	case "off", "none", "quiet":
		return logOffLevel, true, nil
	case "error":
		return slog.LevelError, false, nil
	case "warn", "warning":
		return slog.LevelWarn, false, nil
	case "info", "note":
		return slog.LevelInfo, false, nil
	case "action", "debug":
		return slog.LevelDebug, false, nil
	case "verbose":
		return slog.LevelDebug - 1, false, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 || n > 9 {
		return 0, false, fmt.Errorf("bad log level %q (0-9 or off, error, warning, info, action, debug, verbose)", s)
	}
	switch n {
	case 0:
		return logOffLevel, true, nil
	case 1:
		return slog.LevelError, false, nil
	case 2:
		return slog.LevelWarn, false, nil
	case 3:
		return slog.LevelInfo, false, nil
	}
	return slog.LevelDebug - slog.Level(n-4), false, nil
}

func intValue(name, v string, has bool, lo, hi int) (int, error) {
	if !has {
		return 0, fmt.Errorf("option -%s needs a value", name)
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, fmt.Errorf("option -%s: bad number %q", name, v)
	}
	return min(max(n, lo), hi), nil // clamped, as rsplib does
}

func msValue(name, v string, has bool, lo, hi time.Duration) (time.Duration, error) {
	n, err := intValue(name, v, has, 0, math.MaxInt32)
	if err != nil {
		return 0, err
	}
	return min(max(time.Duration(n)*time.Millisecond, lo), hi), nil
}

func rateValue(name, v string, has bool) (float64, error) {
	if !has {
		return 0, fmt.Errorf("option -%s needs a value", name)
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, fmt.Errorf("option -%s: bad rate %q", name, v)
	}
	return f, nil // 0 or less: unlimited
}

func scopeName(s handlespace.Scope) string {
	switch {
	case s <= handlespace.ScopeLoopback:
		return "loopback"
	case s <= handlespace.ScopeSiteLocal:
		return "sitelocal"
	}
	return "global"
}
