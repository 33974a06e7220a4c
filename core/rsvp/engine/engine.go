package engine

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"time"

	"netcompat/core/rsvp/config"
)

// ClientID names one local API client (one connection to rsvpd). The
// daemon picks the values; the engine only compares them.
type ClientID uint64

// Interface is one network interface of the node as the engine sees it.
type Interface struct {
	Name  string
	Index int          // > 0; also the LIH this node puts in the Paths it sends on it
	Addrs []netip.Addr // the first of each family is the RSVP_HOP address
	// Pool is the admission control pool in bytes per second: what the
	// reservations installed on the interface may add up to (CL counts
	// r, GS counts R). 0 means no limit.
	Pool float64
	// Enforce is copied into the interface's TC actions: the daemon
	// installs them in the kernel only when it is set.
	Enforce bool
	// Bandwidth (bytes/s), Latency (µs), MTU (bytes) and the Guaranteed
	// error terms C (bytes) and D (µs) describe the outgoing link in the
	// Adspecs of the Paths sent on it. Bandwidth 0 means Pool, or
	// unknown (+Inf) without a pool; MTU 0 means unknown (no limit and no
	// MTU admission check).
	Bandwidth float64
	Latency   uint32
	MTU       uint32
	C, D      uint32
}

// Node is the identity of the node the engine runs on.
type Node struct {
	Name       string
	Interfaces []Interface
}

// Route is one way out of the node for a destination: the outgoing
// interface and the next hop (invalid when the destination is on-link).
type Route struct {
	Iface   int
	NextHop netip.Addr
}

// Router is the daemon's view of the routing table. Route returns the
// interfaces data from src (invalid when unknown) to dst leave this node
// by: one for unicast, any number for a multicast group (none when the
// node is a leaf or the destination is one of its own addresses). The
// engine calls it when path state is created, when a local sender is
// set, when a ResvConf is forwarded and on RouteChanged; it must not
// call back into the engine.
type Router interface {
	Route(dst, src netip.Addr) []Route
}

// Options configure an Engine.
type Options struct {
	Config *config.Config // R, K, MaxSessions; nil: config.Default()
	Node   Node
	Router Router // nil: no routes (a host that only receives)

	// Rand returns numbers in [0, 1) for the refresh jitter; nil uses
	// math/rand/v2. Tests inject a deterministic source.
	Rand func() float64
	// BlockadeMultiplier is Kb: blockade state lives Kb x R (RFC 2205
	// section 3.5). 0 means 2.
	BlockadeMultiplier float64
	// MaxPeerRefresh bounds the R taken from a received TIME_VALUES when
	// computing the lifetime of the state it refreshes, so that a peer
	// cannot pin state for months (R may say up to 49 days). 0 means
	// DefaultMaxPeerRefresh.
	MaxPeerRefresh time.Duration
	// Per-session and per-client bounds; 0 means the default.
	MaxSendersPerSession    int // path state blocks per session (256)
	MaxResvPerSession       int // reservation state blocks per session (256)
	MaxFiltersPerResv       int // filters in one SE reservation (256)
	MaxAPISessionsPerClient int // API sessions one client may open (1024)
	// Logf, when set, receives one line per dropped or refused input.
	Logf func(format string, args ...any)
}

// Default bounds.
const (
	DefaultMaxSenders   = 256
	DefaultMaxResv      = 256
	DefaultMaxFilters   = 256
	DefaultMaxAPIClient = 1024
	DefaultBlockadeKb   = 2
	// DefaultMaxPeerRefresh is the largest peer R honoured (L = 5.25 h
	// with K = 3).
	DefaultMaxPeerRefresh = time.Hour
	defaultTTL            = 64 // IP TTL of messages sent hop by hop and of local Paths
	localOI               = -1 // the outgoing "interface" of local receivers (the API)
	maxStatesPerSession   = 4  // average PSB+RSB per session the global bound allows
	minStatesGlobalBound  = 4096
)

// Engine is the RSVP state machine of one node. It is driven by the
// daemon, one call at a time (it is not safe for concurrent use), and
// never reads the clock: every input carries the current time. Outputs
// accumulate until Drain.
type Engine struct {
	refresh     time.Duration // R of the messages this node sends
	keep        int           // K
	kb          float64
	maxPeerR    time.Duration
	maxSessions int
	maxSenders  int
	maxResv     int
	maxFilters  int
	maxAPI      int
	maxStates   int

	name      string
	ifaces    []*ifaceState // configuration order
	ifByIndex map[int]*ifaceState
	local     map[netip.Addr]int // own addresses → interface index

	router Router
	rand   func() float64
	logf   func(string, ...any)

	sessions  map[sessKey]*session
	destPorts map[destProto]*[2]int // sessions with port 0 / non-zero, for code 7
	nstates   int                   // PSBs + RSBs of all sessions
	apis      map[uint32]*apiSession
	clients   map[ClientID]map[uint32]*apiSession
	lastSID   uint32
	lastTCID  uint64
	tcOwner   map[uint64]*session // TC reservation ID → its session
	// localResvs are the reservations admitted without signalling
	// (AdmitLocal), by ID (from lastTCID's sequence).
	localResvs map[uint64]localResv

	timers   timerHeap
	out      []Action
	counters map[string]uint64
}

// ifaceState is an interface with its admission bookkeeping.
type ifaceState struct {
	Interface
	used float64 // sum of the installed reservations' rates, bytes/s
	nres int     // installed reservations
}

type noRouter struct{}

func (noRouter) Route(netip.Addr, netip.Addr) []Route { return nil }

// New returns an engine for the node described by o.
func New(o Options) (*Engine, error) {
	cfg := o.Config
	if cfg == nil {
		cfg = config.Default()
	}
	e := &Engine{
		refresh:     cfg.Refresh,
		keep:        cfg.Keep,
		kb:          o.BlockadeMultiplier,
		maxPeerR:    o.MaxPeerRefresh,
		maxSessions: cfg.MaxSessions,
		maxSenders:  orDefault(o.MaxSendersPerSession, DefaultMaxSenders),
		maxResv:     orDefault(o.MaxResvPerSession, DefaultMaxResv),
		maxFilters:  orDefault(o.MaxFiltersPerResv, DefaultMaxFilters),
		maxAPI:      orDefault(o.MaxAPISessionsPerClient, DefaultMaxAPIClient),
		name:        o.Node.Name,
		ifByIndex:   map[int]*ifaceState{},
		local:       map[netip.Addr]int{},
		router:      o.Router,
		rand:        o.Rand,
		logf:        o.Logf,
		sessions:    map[sessKey]*session{},
		destPorts:   map[destProto]*[2]int{},
		apis:        map[uint32]*apiSession{},
		clients:     map[ClientID]map[uint32]*apiSession{},
		tcOwner:     map[uint64]*session{},
		counters:    map[string]uint64{},
	}
	if e.refresh <= 0 {
		e.refresh = config.DefaultRefresh
	}
	if e.keep <= 0 {
		e.keep = config.DefaultKeep
	}
	if e.kb <= 0 {
		e.kb = DefaultBlockadeKb
	}
	if e.maxPeerR <= 0 {
		e.maxPeerR = DefaultMaxPeerRefresh
	}
	e.maxPeerR = max(e.maxPeerR, e.refresh)
	if e.maxSessions <= 0 {
		e.maxSessions = config.DefaultMaxSessions
	}
	e.maxStates = max(e.maxSessions*maxStatesPerSession, minStatesGlobalBound)
	if e.router == nil {
		e.router = noRouter{}
	}
	if e.rand == nil {
		e.rand = rand.Float64
	}
	for _, ifc := range o.Node.Interfaces {
		if ifc.Index <= 0 {
			return nil, fmt.Errorf("engine: interface %q: index %d, want > 0", ifc.Name, ifc.Index)
		}
		if _, dup := e.ifByIndex[ifc.Index]; dup {
			return nil, fmt.Errorf("engine: interface index %d twice", ifc.Index)
		}
		if ifc.Pool < 0 || ifc.Bandwidth < 0 {
			return nil, fmt.Errorf("engine: interface %q: negative pool or bandwidth", ifc.Name)
		}
		st := &ifaceState{Interface: ifc}
		st.Addrs = append([]netip.Addr(nil), ifc.Addrs...)
		e.ifaces = append(e.ifaces, st)
		e.ifByIndex[ifc.Index] = st
		for _, a := range ifc.Addrs {
			if !a.IsValid() {
				return nil, errors.New("engine: invalid interface address")
			}
			if _, dup := e.local[a]; !dup {
				e.local[a] = ifc.Index
			}
		}
	}
	return e, nil
}

func orDefault(v, def int) int {
	if v <= 0 {
		return def
	}
	return v
}

// Drain returns the actions produced since the last call, in order, and
// forgets them.
func (e *Engine) Drain() []Action {
	out := e.out
	e.out = nil
	return out
}

// Refresh is the refresh period R this node uses.
func (e *Engine) Refresh() time.Duration { return e.refresh }

// Lifetime is L for state refreshed every r (RFC 2205 section 3.7): how
// long the engine keeps state whose TIME_VALUES said r. r <= 0 stands for
// this node's own R; r above Options.MaxPeerRefresh counts as that bound.
func (e *Engine) Lifetime(r time.Duration) time.Duration {
	if r <= 0 {
		r = e.refresh
	}
	return config.Lifetime(e.keep, min(r, e.maxPeerR))
}

func (e *Engine) count(name string) { e.counters[name]++ }

func (e *Engine) log(format string, args ...any) {
	if e.logf != nil {
		e.logf(format, args...)
	}
}

// drop counts a refused input and says why, when logging.
func (e *Engine) drop(counter, format string, args ...any) {
	e.count(counter)
	e.log(counter+": "+format, args...)
}

func (e *Engine) emit(a Action) { e.out = append(e.out, a) }

// isLocal reports whether a is one of the node's addresses.
func (e *Engine) isLocal(a netip.Addr) bool {
	_, ok := e.local[a]
	return ok
}

// addrOn returns the node's address of a's family on interface idx.
func (e *Engine) addrOn(idx int, like netip.Addr) netip.Addr {
	if ifc := e.ifByIndex[idx]; ifc != nil {
		for _, a := range ifc.Addrs {
			if a.Is4() == like.Is4() {
				return a
			}
		}
	}
	return netip.Addr{}
}

// anyAddr returns an address of the node of a's family, preferring
// interface idx: the node named in ERROR_SPECs.
func (e *Engine) anyAddr(idx int, like netip.Addr) netip.Addr {
	if a := e.addrOn(idx, like); a.IsValid() {
		return a
	}
	for _, ifc := range e.ifaces {
		for _, a := range ifc.Addrs {
			if a.Is4() == like.Is4() {
				return a
			}
		}
	}
	return netip.Addr{}
}

func (e *Engine) ifName(idx int) string {
	if idx == localOI {
		return "(local)"
	}
	if ifc := e.ifByIndex[idx]; ifc != nil {
		return ifc.Name
	}
	if idx == 0 {
		return ""
	}
	return fmt.Sprintf("if%d", idx)
}
