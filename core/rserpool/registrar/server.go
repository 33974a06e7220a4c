package registrar

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"netcompat/core/rserpool/wire"
	"netcompat/core/transport"
)

// Defaults of the I/O layer.
const (
	// DefaultMaxAssociations bounds the open ASAP associations; more are
	// accepted and closed at once.
	DefaultMaxAssociations = 1024
	// DefaultMaxMessageSize is the longest message the registrar reads
	// whole: a Registration with 64 IPv6 user addresses and 64 ASAP
	// addresses takes about 2.7 KB. Longer ones are read up to this size,
	// the rest skipped, and answered as ErrTooLarge (doc.go, "Errors").
	DefaultMaxMessageSize = 8 << 10
	// DefaultQueueHighWater: reading from an association pauses while
	// more than this many bytes wait to be sent on it (conn.go, "Flow
	// control").
	DefaultQueueHighWater = 64 << 10
	// DefaultMaxQueuedBytes closes an association whose queue grows
	// beyond it anyway. Flow control keeps a queue below the high water
	// mark plus the answers in flight (maxInflight, each at most 64 KiB:
	// about 1 MiB); only keep-alives, at most one per element registered
	// over the association and about 60 bytes each, add to that: 8 MiB
	// covers the keep-alives of DefaultMaxElements (100,000) elements.
	DefaultMaxQueuedBytes = 8 << 20
	// DefaultAnnounceTTL is the multicast TTL of Server Announces (rsplib:
	// 30); with the loopback default interface nothing leaves the host.
	DefaultAnnounceTTL = 1
	// DefaultAnnounceInterface is where Server Announces go out unless
	// ServerConfig.AnnounceInterface names another interface.
	DefaultAnnounceInterface = "lo"
	// DefaultCloseGrace is how long an association being closed (and
	// every association when the server closes) may take to send what is
	// queued for it before it is cut.
	DefaultCloseGrace = 2 * time.Second
	// DefaultDialTimeout bounds outbound association set-up.
	DefaultDialTimeout = 5 * time.Second
)

// DefaultASAPAddr is where the registrar listens without -asap=.
var DefaultASAPAddr = netip.AddrPortFrom(netip.IPv4Unspecified(), wire.ASAPPort)

// ServerConfig configures Listen. A zero field means its default.
type ServerConfig struct {
	// Registrar configures the state machine. Its Announce field is set
	// by Listen from Announce; its Logger defaults to Logger.
	Registrar Config

	// ASAP lists the addresses to serve ASAP on (one multi-homed
	// endpoint); default 0.0.0.0:3863. Port 0 picks one; Server.Addrs
	// tells which.
	ASAP []netip.AddrPort
	// Backend selects kernel SCTP or the TCP mapping (transport.Options);
	// the default follows NETCOMPAT_SCTP and the probe.
	Backend transport.Backend

	// Announce is where Server Announces go (UDP, multicast or unicast);
	// the zero value sends none. cmd/rspregistrar's default is
	// 239.0.0.50:3863 (wire.ASAPAnnounceGroup).
	Announce netip.AddrPort
	// AnnounceInterface is the interface multicast announces leave by
	// (IP_MULTICAST_IF); default "lo", so nothing leaves the host unless
	// another interface is named. Their source address is the
	// interface's first address of the family and their source port the
	// ASAP port if it is free for UDP, as rsplib does: a receiver of an
	// announce without transport parameters contacts its source.
	AnnounceInterface string
	// AnnounceTTL is the multicast TTL (hop limit); default 1.
	AnnounceTTL int

	// ENRP lists the addresses to serve ENRP on (one multi-homed
	// endpoint, -enrp=); none turns ENRP off and the registrar is alone.
	// Port 0 picks one. Same backend as ASAP: kernel SCTP, or the TCP
	// mapping with the same bare framing (PPID 12).
	ENRP []netip.AddrPort
	// Peers are static peers' ENRP endpoints (-peer=), each one peer.
	Peers [][]netip.AddrPort
	// ENRPMulticast is the Presence group (rsplib: 239.0.0.51:9901,
	// wire.ENRPAnnounceGroup); the zero value uses none (static peers
	// only). It is joined on, and sent by, ENRPMulticastInterface
	// (default "lo") with AnnounceTTL.
	ENRPMulticast          netip.AddrPort
	ENRPMulticastInterface string
	// DialTimeout bounds opening an association to a peer or to a pool
	// element taken over; default DefaultDialTimeout.
	DialTimeout time.Duration

	CloseGrace      time.Duration // default DefaultCloseGrace
	MaxAssociations int           // ASAP; default DefaultMaxAssociations
	// MaxENRPAssociations bounds ENRP associations apart from ASAP ones;
	// default two per possible peer (2 * MaxPeers).
	MaxENRPAssociations int
	MaxMessageSize      int // inbound; default DefaultMaxMessageSize
	QueueHighWater      int // per association; default DefaultQueueHighWater
	MaxQueuedBytes      int // per association; default DefaultMaxQueuedBytes

	// Logger receives the log records; nil discards them.
	Logger *slog.Logger
}

func (c ServerConfig) withDefaults() ServerConfig {
	if len(c.ASAP) == 0 {
		c.ASAP = []netip.AddrPort{DefaultASAPAddr}
	}
	if c.AnnounceInterface == "" {
		c.AnnounceInterface = DefaultAnnounceInterface
	}
	if c.AnnounceTTL <= 0 {
		c.AnnounceTTL = DefaultAnnounceTTL
	}
	if c.ENRPMulticastInterface == "" {
		c.ENRPMulticastInterface = DefaultAnnounceInterface
	}
	if c.DialTimeout <= 0 {
		c.DialTimeout = DefaultDialTimeout
	}
	if c.MaxAssociations <= 0 {
		c.MaxAssociations = DefaultMaxAssociations
	}
	if c.MaxENRPAssociations <= 0 {
		c.MaxENRPAssociations = 2 * MaxPeers
	}
	if c.MaxMessageSize <= 0 {
		c.MaxMessageSize = DefaultMaxMessageSize
	}
	c.MaxMessageSize = max(min(c.MaxMessageSize, transport.MaxBareMessageSize), 64)
	if c.CloseGrace <= 0 {
		c.CloseGrace = DefaultCloseGrace
	}
	if c.QueueHighWater <= 0 {
		c.QueueHighWater = DefaultQueueHighWater
	}
	if c.MaxQueuedBytes <= 0 {
		c.MaxQueuedBytes = DefaultMaxQueuedBytes
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Registrar.Logger == nil {
		c.Registrar.Logger = c.Logger
	}
	c.Registrar.Announce = c.Announce.IsValid()
	c.Registrar.ENRP.Enabled = len(c.ENRP) > 0
	c.Registrar.ENRP.StaticPeers = c.Peers
	c.Registrar.ENRP.Multicast = c.ENRP != nil && c.ENRPMulticast.IsValid()
	return c
}

// Server runs a Registrar on real associations: one goroutine accepts,
// one reader and one writer goroutine serve each association, and one
// goroutine owns the Registrar and feeds it what the readers decoded, in
// arrival order, and the timers (doc.go, "I/O layer").
type Server struct {
	cfg     ServerConfig
	log     *slog.Logger
	reg     *Registrar
	ln      transport.Listener
	addrs   []netip.AddrPort
	backend transport.Backend
	ann     *announcer

	enrpLn    transport.Listener // nil without ENRP
	enrpAddrs []netip.AddrPort
	presence  *presenceSocket // nil without multicast Presence
	routes    *routes         // outbound routes; the state machine goroutine's
	lastID    atomic.Uint64   // association IDs, shared by every source

	events   chan event
	statsReq chan chan Stats
	snapReq  chan chan *Snapshot
	done     chan struct{} // closed by Close
	loopDone chan struct{} // closed when the state machine goroutine ends
	accDone  chan struct{} // closed when the accept goroutine ends

	enrpAccDone chan struct{} // closed when the ENRP accept goroutine ends
	final       Stats         // the last stats, written before loopDone closes

	live     atomic.Int64 // open ASAP associations (reader or writer still running)
	liveENRP atomic.Int64 // open ENRP associations, limited apart so peers cannot crowd out ASAP
	conns    sync.Map     // AssocID → *conn, every association not yet finished
	wg       sync.WaitGroup
	closed   sync.Once
}

type eventKind uint8

const (
	evOpened eventKind = iota
	evDialed           // an association we opened is up
	evMessage
	evClosed
	evPresence // a datagram on the ENRP multicast socket
)

// event is what the accept and reader goroutines tell the state machine.
type event struct {
	kind    eventKind
	c       *conn
	msg     wire.Message
	reports []wire.RawParam
	err     error      // evMessage: decoding error; evClosed: why
	raw     []byte     // evMessage with err: the message (or its head)
	src     netip.Addr // evPresence: the sender
}

// Listen starts a registrar server: it listens on cfg.ASAP (FramingBare,
// PPID 11 on the TCP mapping), opens the announce socket if cfg.Announce
// is set, and serves until Close.
func Listen(cfg ServerConfig) (*Server, error) {
	cfg = cfg.withDefaults()
	backend := cfg.Backend
	if backend == transport.BackendAuto {
		backend = transport.DefaultBackend()
	}
	ln, err := transport.Listen(cfg.ASAP, &transport.Options{
		Backend:        backend,
		Framing:        transport.FramingBare,
		PPID:           transport.PPIDASAP,
		MaxMessageSize: transport.MaxBareMessageSize,
	})
	if err != nil {
		return nil, fmt.Errorf("registrar: listen on %v: %w", cfg.ASAP, err)
	}
	s := &Server{
		cfg:      cfg,
		log:      cfg.Logger,
		ln:       ln,
		addrs:    ln.Addrs(),
		backend:  backend,
		routes:   newRoutes(),
		events:   make(chan event, 256),
		statsReq: make(chan chan Stats),
		snapReq:  make(chan chan *Snapshot),
		done:     make(chan struct{}),
		loopDone: make(chan struct{}),
		accDone:  make(chan struct{}),
	}
	fail := func(err error) (*Server, error) {
		ln.Close()
		if s.enrpLn != nil {
			s.enrpLn.Close()
		}
		if s.ann != nil {
			s.ann.close()
		}
		if s.presence != nil {
			s.presence.close()
		}
		return nil, err
	}
	if cfg.Announce.IsValid() {
		port := uint16(0)
		if len(s.addrs) > 0 {
			port = s.addrs[0].Port()
		}
		s.ann, err = newAnnouncer(cfg.Announce, cfg.AnnounceInterface, cfg.AnnounceTTL, port, s.log)
		if err != nil {
			return fail(err)
		}
	}
	if len(cfg.ENRP) > 0 {
		s.enrpLn, err = transport.Listen(cfg.ENRP, &transport.Options{
			Backend:        backend,
			ReusePort:      true, // peers are dialed from this endpoint (dial.go)
			Framing:        transport.FramingBare,
			PPID:           transport.PPIDENRP,
			MaxMessageSize: transport.MaxBareMessageSize,
		})
		if err != nil {
			return fail(fmt.Errorf("registrar: ENRP listen on %v: %w", cfg.ENRP, err))
		}
		s.enrpAddrs = s.enrpLn.Addrs()
		cfg.Registrar.ENRP.Self = s.serverTransport(s.enrpAddrs)
		if cfg.ENRPMulticast.IsValid() {
			s.presence, err = newPresenceSocket(cfg.ENRPMulticast, cfg.ENRPMulticastInterface, cfg.AnnounceTTL, s.log)
			if err != nil {
				return fail(err)
			}
		}
	}
	s.reg = New(cfg.Registrar)
	if s.ann != nil {
		s.reg.SetAnnounceTransports(s.announceTransports())
	}
	s.wg.Add(1)
	go s.acceptLoop(s.ln, wire.ASAP, s.accDone)
	if s.enrpLn != nil {
		s.enrpAccDone = make(chan struct{})
		s.wg.Add(1)
		go s.acceptLoop(s.enrpLn, wire.ENRP, s.enrpAccDone)
	}
	if s.presence != nil {
		s.wg.Add(1)
		go s.presenceLoop(s.presence)
	}
	go s.run()
	return s, nil
}

// Addrs returns the addresses the server listens on, with the port chosen
// when 0 was asked for.
func (s *Server) Addrs() []netip.AddrPort { return append([]netip.AddrPort(nil), s.addrs...) }

// Backend returns the transport backend in use.
func (s *Server) Backend() transport.Backend { return s.backend }

// ServerID returns the registrar's server identifier.
func (s *Server) ServerID() uint32 { return s.reg.ServerID() }

// Config returns the configuration in effect, defaults filled in.
func (s *Server) Config() ServerConfig {
	c := s.cfg
	c.Registrar = s.reg.Config()
	return c
}

// AnnounceSource returns the local address Server Announces are sent
// from (invalid when announces are off).
func (s *Server) AnnounceSource() netip.AddrPort {
	if s.ann == nil {
		return netip.AddrPort{}
	}
	return s.ann.local
}

// Stats returns the registrar's statistics; after Close, the final ones.
func (s *Server) Stats() Stats {
	ch := make(chan Stats, 1)
	select {
	case s.statsReq <- ch:
		return <-ch
	case <-s.loopDone:
		return s.final
	}
}

// Close stops accepting, gives the open associations CloseGrace to
// send what is queued for them, closes them and waits for every
// goroutine. It returns nil the first time.
func (s *Server) Close() error {
	err := errors.New("registrar: server already closed")
	s.closed.Do(func() {
		err = nil
		close(s.done)
		s.ln.Close()
		<-s.accDone
		if s.enrpLn != nil {
			s.enrpLn.Close()
			<-s.enrpAccDone
		}
		if s.presence != nil {
			s.presence.close()
		}
		<-s.loopDone
		s.conns.Range(func(_, v any) bool {
			v.(*conn).closeQueue() // flush, then close
			return true
		})
		finished := make(chan struct{})
		go func() { s.wg.Wait(); close(finished) }()
		select {
		case <-finished:
		case <-time.After(s.cfg.CloseGrace):
			s.conns.Range(func(_, v any) bool {
				if a := v.(*conn).assoc(); a != nil {
					a.Close()
				}
				return true
			})
			<-finished
		}
		if s.ann != nil {
			s.ann.close()
		}
	})
	return err
}

// liveOf returns the counter of open associations of proto and its limit.
func (s *Server) liveOf(proto wire.Protocol) (*atomic.Int64, int) {
	if proto == wire.ENRP {
		return &s.liveENRP, s.cfg.MaxENRPAssociations
	}
	return &s.live, s.cfg.MaxAssociations
}

// acceptLoop accepts associations of protocol proto until ln closes.
func (s *Server) acceptLoop(ln transport.Listener, proto wire.Protocol, done chan struct{}) {
	defer s.wg.Done()
	defer close(done)
	var refused uint64
	for {
		a, err := ln.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			s.log.Warn("accept failed", "err", err)
			select { // e.g. out of descriptors: do not spin
			case <-time.After(50 * time.Millisecond):
				continue
			case <-s.done:
				return
			}
		}
		live, limit := s.liveOf(proto)
		if live.Load() >= int64(limit) {
			a.Close()
			if refused++; sparse(refused) {
				s.log.Warn("association limit reached, refusing", "protocol", proto.String(), "limit", limit, "refused", refused)
			}
			continue
		}
		c := newConn(AssocID(s.lastID.Add(1)), a, s, proto)
		live.Add(1)
		s.conns.Store(c.id, c)
		select {
		case s.events <- event{kind: evOpened, c: c}:
		case <-s.done:
			s.conns.Delete(c.id)
			live.Add(-1)
			a.Close()
			return
		}
		s.wg.Add(2)
		go s.reader(c)
		go s.writer(c)
	}
}

// run is the state machine goroutine: the only one that touches s.reg and
// the conns map.
func (s *Server) run() {
	defer close(s.loopDone)
	conns := make(map[AssocID]*conn)
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	arm := func() {
		d := time.Hour
		if t, ok := s.reg.NextDeadline(); ok {
			d = max(time.Until(t), 0)
		}
		timer.Reset(d)
	}
	arm()
	for {
		var outs []Output
		select {
		case ev := <-s.events:
			now := time.Now()
			outs = s.handleEvent(now, conns, ev)
			s.dispatch(now, conns, outs)
		case <-timer.C:
			now := time.Now()
			s.dispatch(now, conns, s.reg.Tick(now))
		case ch := <-s.statsReq:
			ch <- s.reg.Stats()
		case ch := <-s.snapReq:
			ch <- s.reg.Snapshot(time.Now())
		case <-s.done:
			s.final = s.reg.Stats()
			return
		}
		arm()
	}
}

// handleEvent gives one event to the state machine.
func (s *Server) handleEvent(now time.Time, conns map[AssocID]*conn, ev event) []Output {
	if ev.kind == evPresence {
		if ev.err != nil {
			return s.reg.HandleENRPInvalid(now, 0, ev.err)
		}
		return s.reg.HandlePresenceMulticast(now, ev.src, ev.msg)
	}
	c := ev.c
	id := c.id
	switch ev.kind {
	case evOpened, evDialed:
		conns[id] = c
		s.log.Debug("association opened", "assoc", id, "peer", c.peer, "protocol", c.proto.String(), "dialed", ev.kind == evDialed)
		if c.proto == wire.ENRP {
			s.reg.ENRPAssocOpened(now, id, c.assoc().RemoteAddrs())
			return nil
		}
		if ev.kind == evDialed {
			return s.reg.AssocDialed(now, id, c.dialTo)
		}
		return s.reg.AssocOpenedFrom(now, id, s.remoteTransport(c))
	case evMessage:
		c.handled()
		if conns[id] == nil {
			return nil // closed meanwhile; its late messages are void
		}
		if c.proto == wire.ENRP {
			if ev.err != nil {
				return s.reg.HandleENRPInvalid(now, id, ev.err)
			}
			outs := s.reg.HandleENRP(now, id, ev.msg)
			// A peer's messages go back on the association it spoke on,
			// unless one is in use already (dial.go); only peers the
			// registrar accepted get a route, so forged sender IDs cost
			// nothing here.
			if sender := enrpIDs(ev.msg).Sender; sender != 0 && s.reg.HasPeer(sender) {
				if cur := s.routes.byPeer[sender]; cur == nil || conns[cur.id] == nil {
					s.routes.byPeer[sender] = c
				}
			}
			return outs
		}
		if ev.err != nil {
			return s.reg.HandleInvalid(now, id, ev.raw, ev.err, ev.reports)
		}
		return s.reg.Handle(now, id, ev.msg, ev.reports)
	case evClosed:
		if conns[id] != nil {
			delete(conns, id)
			c.closeQueue()
			s.log.Debug("association closed", "assoc", id, "peer", c.peer, "protocol", c.proto.String(), "err", ev.err)
		}
		return s.lost(now, c)
	}
	return nil
}

// lost tells the state machine that c is gone.
func (s *Server) lost(now time.Time, c *conn) []Output {
	s.routes.forget(now, c)
	if c.proto == wire.ENRP {
		s.reg.ENRPAssocClosed(now, c.id)
		return nil
	}
	return s.reg.AssocClosed(now, c.id)
}

// dispatch carries out outputs: it encodes every message here, in the
// state machine goroutine (messages share storage with the handlespace),
// and queues it for the association's writer, opening associations to
// peers and taken-over elements as needed (dial.go).
func (s *Server) dispatch(now time.Time, conns map[AssocID]*conn, outs []Output) {
	for i := 0; i < len(outs); i++ { // outs may grow
		o := outs[i]
		switch {
		case o.Announce:
			if s.ann != nil {
				s.ann.send(o.Msg)
			}
			continue
		case o.Presence:
			if s.presence != nil {
				s.presence.send(o.Msg)
			}
			continue
		}
		var c *conn
		if o.Peer != 0 || len(o.PeerAddrs) > 0 || len(o.DialASAP) > 0 {
			c = s.route(now, conns, &o)
		} else {
			c = conns[o.To]
		}
		if c == nil {
			continue // gone (its close is on its way or done), or unreachable
		}
		if o.Msg != nil {
			b, err := wire.Append(nil, o.Msg)
			switch {
			case err != nil:
				s.log.Error("cannot encode message", "assoc", c.id, "protocol", o.Msg.Protocol().String(), "type", o.Msg.MsgType(), "err", err)
			case c.enqueue(b):
			case c.isClosing():
				// Closing, or a dial that failed: its loss is on its way.
				s.log.Debug("message for a closing association dropped", "assoc", c.id, "peer", c.peer)
			default:
				// Rare: flow control keeps answers far below the limit.
				msgs, bytes := c.queued()
				s.log.Warn("association does not read its messages, closing it", "assoc", c.id, "peer", c.peer,
					"queued", msgs, "queued_bytes", bytes)
				delete(conns, c.id)
				c.abort()
				outs = append(outs, s.lost(now, c)...)
				continue
			}
		}
		if o.Close {
			delete(conns, c.id)
			c.closeQueue()
		}
	}
}

// announceTransports returns the transport parameter Server Announces
// carry: the ASAP addresses, an unspecified one replaced by the announce
// interface's addresses of its family; none if no address is left.
func (s *Server) announceTransports() []wire.Transport {
	kind := wire.ParamTCPTransport
	if s.backend == transport.BackendKernel {
		kind = wire.ParamSCTPTransport
	}
	t := wire.Transport{Kind: kind, Use: wire.UseData}
	for _, ap := range s.addrs {
		t.Port = ap.Port()
		a := ap.Addr().Unmap()
		if !a.IsUnspecified() {
			t.Addrs = appendNew(t.Addrs, a)
			continue
		}
		for _, ia := range s.ann.ifAddrs {
			if ia.IsLinkLocalUnicast() {
				continue
			}
			if a.Is6() || ia.Is4() { // [::] serves both families
				t.Addrs = appendNew(t.Addrs, ia)
			}
		}
	}
	if len(t.Addrs) == 0 || len(t.Addrs) > wire.MaxAddrs {
		return nil
	}
	return []wire.Transport{t}
}

func appendNew(list []netip.Addr, a netip.Addr) []netip.Addr {
	for _, b := range list {
		if a == b {
			return list
		}
	}
	return append(list, a)
}
