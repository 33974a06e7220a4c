package engine

import (
	crand "crypto/rand"
	"encoding/binary"
	"math/rand/v2"
	"net/netip"
	"time"

	"netcompat/core/webtp/sched"
	"netcompat/core/webtp/wire"
)

// Config tunes an Endpoint. Zero fields take the defaults below.
type Config struct {
	Classes        *sched.Classes // default sched.DefaultClasses()
	MinNormalShare float64        // default 0.1
	IdleTimeout    time.Duration  // default 30 s
	SendBuffer     int            // default 32 MiB
	ReceiveWindow  int            // default 16 MiB + 64 KiB
	Backlog        int            // default 128
	MaxPipes       int            // default 4096
	Seed           uint64         // nonzero: deterministic tags and nonces (tests)
}

func (c *Config) defaults() {
	if c.Classes == nil {
		c.Classes = sched.DefaultClasses()
	}
	if c.MinNormalShare <= 0 {
		c.MinNormalShare = 0.1
	}
	if c.IdleTimeout <= 0 {
		c.IdleTimeout = 30 * time.Second
	}
	if c.SendBuffer <= 0 {
		c.SendBuffer = 32 << 20
	}
	if c.ReceiveWindow <= 0 {
		c.ReceiveWindow = initialCredit
	}
	if c.Backlog <= 0 {
		c.Backlog = 128
	}
	if c.MaxPipes <= 0 {
		c.MaxPipes = 4096
	}
}

// Stats counts what an endpoint received and refused.
type Stats struct {
	Received    uint64 // datagrams handed to Receive
	Malformed   uint64 // dropped: did not decode
	Unexpected  uint64 // dropped: wrong tag, unknown pipe, duplicate number
	Sent        uint64 // datagrams built
	PipesOpened uint64
}

// Endpoint is the protocol state of one UDP socket.
type Endpoint struct {
	cfg       Config
	rng       *rand.Rand
	pipes     map[netip.AddrPort]*Pipe
	active    []*Pipe // pipes that may have something to send
	listening bool
	accepts   []*Conn
	now       time.Time
	pkt       wire.Packet
	stats     Stats

	// Notify is called (with the caller's lock held) whenever something
	// changes for c: data to receive, room to send, handshake done,
	// finished. NotifyAccept when a connection waits for Accept.
	Notify       func(c *Conn)
	NotifyAccept func()
}

// NewEndpoint makes the state of one UDP endpoint.
func NewEndpoint(cfg Config) *Endpoint {
	cfg.defaults()
	seed := cfg.Seed
	var s2 uint64
	if seed == 0 {
		var b [16]byte
		_, _ = crand.Read(b[:])
		seed, s2 = binary.LittleEndian.Uint64(b[:8]), binary.LittleEndian.Uint64(b[8:])
	}
	return &Endpoint{
		cfg:   cfg,
		rng:   rand.New(rand.NewPCG(seed, s2)),
		pipes: make(map[netip.AddrPort]*Pipe),
	}
}

// Config is the endpoint's configuration with defaults filled in.
func (e *Endpoint) Config() Config { return e.cfg }

// Stats returns the counters.
func (e *Endpoint) Stats() Stats { return e.stats }

func (e *Endpoint) randTag() uint32 {
	for {
		if t := e.rng.Uint32(); t != 0 {
			return t
		}
	}
}

func (e *Endpoint) randNonce() uint64 { return e.rng.Uint64() }

func (e *Endpoint) notify(c *Conn) {
	if e.Notify != nil {
		e.Notify(c)
	}
}

func (e *Endpoint) markActive(p *Pipe) {
	if !p.active {
		p.active = true
		e.active = append(e.active, p)
	}
}

// Listen makes the endpoint accept connections.
func (e *Endpoint) Listen() { e.listening = true }

// StopListening refuses new connections; waiting ones are closed.
func (e *Endpoint) StopListening() {
	e.listening = false
	for _, c := range e.accepts {
		c.Abort()
	}
	e.accepts = nil
}

func (e *Endpoint) backlogFull() bool { return len(e.accepts) >= e.cfg.Backlog }

func (e *Endpoint) enqueueAccept(c *Conn) {
	e.accepts = append(e.accepts, c)
	if e.NotifyAccept != nil {
		e.NotifyAccept()
	}
}

// Accept returns the next established connection waiting, or nil.
func (e *Endpoint) Accept() *Conn {
	for len(e.accepts) > 0 {
		c := e.accepts[0]
		e.accepts[0] = nil
		e.accepts = e.accepts[1:]
		if c.state != stateClosed {
			return c
		}
	}
	return nil
}

// Pending is the number of connections waiting for Accept.
func (e *Endpoint) Pending() int { return len(e.accepts) }

// Dial opens a connection to remote. It is Connecting until the peer's
// ACCEPT arrives (Notify tells), then Open; refused or timed-out ones end
// Finished with Err set.
func (e *Endpoint) Dial(now time.Time, remote netip.AddrPort, noDup bool, class string) (*Conn, error) {
	e.now = now
	p := e.pipes[remote]
	if p == nil {
		p = newPipe(e, remote, now)
		e.pipes[remote] = p
		e.stats.PipesOpened++
	}
	id := p.nextID
	c, err := p.newConn(id, true, noDup, class)
	if err != nil {
		return nil, err
	}
	p.nextID++
	c.nonce = e.randNonce()
	var flags byte
	if noDup {
		flags = wire.FlagNoDup
	}
	p.queueControl(control{typ: wire.FrameConnect, handshake: wire.Handshake{ID: id, Flags: flags, Nonce: c.nonce}, conn: c})
	return c, nil
}

// Receive handles one datagram from remote.
func (e *Endpoint) Receive(now time.Time, remote netip.AddrPort, b []byte) {
	e.now = now
	e.stats.Received++
	pkt := &e.pkt
	if err := pkt.Decode(b); err != nil {
		e.stats.Malformed++
		return
	}
	p := e.pipes[remote]
	hasConnect := len(pkt.Connects) > 0
	switch {
	case p == nil:
		if !hasConnect || pkt.DstTag != 0 || len(e.pipes) >= e.cfg.MaxPipes {
			e.stats.Unexpected++
			return
		}
		p = newPipe(e, remote, now)
		p.peerTag = pkt.SrcTag
		e.pipes[remote] = p
		e.stats.PipesOpened++
	case pkt.DstTag == p.tag:
		if p.peerTag == 0 {
			p.peerTag = pkt.SrcTag
		} else if pkt.SrcTag != p.peerTag {
			e.stats.Unexpected++
			return
		}
	case pkt.DstTag == 0 && pkt.SrcTag == p.peerTag && p.peerTag != 0:
	case pkt.DstTag == 0 && hasConnect:
		if p.peerTag != 0 {
			// The peer restarted: its old connections are gone.
			e.resetPipe(p, now)
			p = newPipe(e, remote, now)
			e.pipes[remote] = p
			e.stats.PipesOpened++
		}
		p.peerTag = pkt.SrcTag
	default:
		e.stats.Unexpected++
		return
	}
	if p.acks.OnReceived(pkt.Number, now, pkt.AckEliciting()) {
		e.stats.Unexpected++ // a duplicated datagram
		return
	}
	p.lastRecv = now
	for i := range pkt.Acks {
		a := &pkt.Acks[i]
		p.rec.OnAck(a.Ranges, time.Duration(a.Delay)*time.Microsecond, now, p.ackedFn, p.lostFn)
	}
	for i := range pkt.Connects {
		p.onConnect(&pkt.Connects[i])
	}
	for i := range pkt.Accepts {
		p.onAccept(&pkt.Accepts[i])
	}
	for i := range pkt.Confirms {
		p.onConfirm(&pkt.Confirms[i])
	}
	for i := range pkt.Credits {
		f := &pkt.Credits[i]
		if c := p.conns[f.Ref^1]; c != nil && f.Limit > c.send.credit {
			c.send.credit = f.Limit
			p.updateBacklog(c)
		}
	}
	for i := range pkt.Blocked {
		f := &pkt.Blocked[i]
		if c := p.conns[f.Ref^1]; c != nil && f.Limit >= c.recv.granted {
			c.recv.blocked = true
			p.maybeCredit(c)
		}
	}
	for i := range pkt.ADUs {
		f := &pkt.ADUs[i]
		c := p.conns[f.Ref^1]
		if c == nil || c.state == stateConnecting {
			continue
		}
		if c.state == stateClosed || c.recv.discard && c.state != stateClosing {
			continue
		}
		if !c.onADU(f) {
			p.finish(c, ErrProtocol, true)
		}
	}
	for i := range pkt.Abandons {
		f := &pkt.Abandons[i]
		if c := p.conns[f.Ref^1]; c != nil && c.state != stateConnecting {
			c.onAbandon(f.ID)
		}
	}
	for i := range pkt.Closes {
		p.onClose(&pkt.Closes[i])
	}
	e.markActive(p)
}

// resetPipe ends every connection of a pipe whose peer is gone.
func (e *Endpoint) resetPipe(p *Pipe, now time.Time) {
	for _, c := range p.conns {
		c.recv.eof = true
		p.finish(c, ErrReset, false)
	}
	p.dead = true
	delete(e.pipes, p.remote)
}

// Poll writes the next datagram to send into buf (cap ≥ wire.MaxPacketSize)
// and returns its length and destination; n is 0 when nothing may be sent
// now (NextTimeout says when to ask again).
func (e *Endpoint) Poll(now time.Time, buf []byte) (n int, to netip.AddrPort) {
	e.now = now
	for len(e.active) > 0 {
		p := e.active[0]
		if p.dead {
			e.dropActive()
			continue
		}
		if n = p.build(now, buf); n > 0 {
			e.stats.Sent++
			// Round robin: the pipe goes to the back.
			if len(e.active) > 1 {
				copy(e.active, e.active[1:])
				e.active[len(e.active)-1] = p
			}
			return n, p.remote
		}
		e.dropActive()
	}
	return 0, netip.AddrPort{}
}

func (e *Endpoint) dropActive() {
	p := e.active[0]
	p.active = false
	copy(e.active, e.active[1:])
	e.active[len(e.active)-1] = nil
	e.active = e.active[:len(e.active)-1]
}

// NextTimeout is when HandleTimeout must run next (zero: no timer).
func (e *Endpoint) NextTimeout() time.Time {
	var next time.Time
	earlier := func(t time.Time) {
		if !t.IsZero() && (next.IsZero() || t.Before(next)) {
			next = t
		}
	}
	for _, p := range e.pipes {
		earlier(p.rec.Timer())
		earlier(p.acks.Deadline())
		if p.sched.Backlogged() || len(p.controls) > 0 || len(p.credits) > 0 {
			if allow, at := p.rec.SendAllowance(e.now); allow == 0 {
				earlier(at)
			}
		}
		earlier(p.sched.NextReady(e.now))
		earlier(p.keepaliveAt())
		if len(p.conns) > 0 || p.idle() {
			earlier(p.lastRecv.Add(e.cfg.IdleTimeout))
		} else {
			earlier(p.lastRecv.Add(2 * e.cfg.IdleTimeout))
		}
	}
	return next
}

// keepaliveAt is when the pipe sends a PING to keep its connections alive.
func (p *Pipe) keepaliveAt() time.Time {
	if len(p.conns) == 0 {
		return time.Time{}
	}
	last := p.lastSend
	if last.IsZero() {
		last = p.created
	}
	return last.Add(p.ep.cfg.IdleTimeout / 3)
}

// HandleTimeout runs the timers that are due: loss and probe timers,
// delayed ACKs, pacing, keep-alives, idle timeouts.
func (e *Endpoint) HandleTimeout(now time.Time) {
	e.now = now
	for _, p := range e.pipes {
		if t := p.rec.Timer(); !t.IsZero() && !now.Before(t) {
			p.probes += p.rec.OnTimer(now, p.lostFn)
		}
		if ka := p.keepaliveAt(); !ka.IsZero() && !now.Before(ka) && p.probes == 0 {
			p.probes = 1
		}
		if now.Sub(p.lastRecv) >= e.cfg.IdleTimeout {
			for _, c := range p.conns {
				p.finish(c, ErrIdle, true)
			}
			if p.idle() || now.Sub(p.lastRecv) >= 2*e.cfg.IdleTimeout {
				p.dead = true
				delete(e.pipes, p.remote)
				continue
			}
		}
		e.markActive(p)
	}
}

// Pipes is the number of pipes.
func (e *Endpoint) Pipes() int { return len(e.pipes) }

// Quiet reports whether no pipe has a connection or data in flight, so
// the endpoint could close without losing anything.
func (e *Endpoint) Quiet() bool {
	for _, p := range e.pipes {
		if !p.idle() {
			return false
		}
	}
	return e.Pending() == 0
}

// Unreachable tells the engine that remote answered a datagram with an
// ICMP "port unreachable": connections still waiting for its ACCEPT are
// refused, as TCP's SYN_SENT is. Established ones ignore it (a soft error:
// the peer may be restarting, and the idle timeout decides).
func (e *Endpoint) Unreachable(now time.Time, remote netip.AddrPort) {
	e.now = now
	p := e.pipes[remote]
	if p == nil {
		return
	}
	for _, c := range p.conns {
		if c.state == stateConnecting {
			p.finish(c, ErrRefused, false)
		}
	}
}
