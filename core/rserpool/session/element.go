package session

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"slices"
	"sync"
	"time"

	"netcompat/core/netlog"
	"netcompat/core/rserpool/asap"
	"netcompat/core/rserpool/wire"
	"netcompat/core/transport"
)

// Defaults.
const (
	// DefaultMaxMessageSize is Options.MaxMessageSize when 0: rsplib's
	// 64 KiB message buffers.
	DefaultMaxMessageSize = 1 << 16
	// DefaultCloseTimeout bounds the deregistration Close sends.
	DefaultCloseTimeout = 10 * time.Second
	// maxUserAddrs is the most transport addresses a PE registers.
	maxUserAddrs = 64
)

// Options configure the associations of a PoolElement or PoolUser.
type Options struct {
	// Transport selects the backend and TCP keep-alive; Framing is always
	// FramingFramed, MaxMessageSize comes from the field below.
	Transport transport.Options
	// MaxMessageSize is the longest message sent or received; a peer
	// sending a longer one loses its association. 0 means
	// DefaultMaxMessageSize. Both ends must agree.
	MaxMessageSize int
}

func (o *Options) transport() *transport.Options {
	t := transport.Options{}
	if o != nil {
		t = o.Transport
	}
	t.Framing = transport.FramingFramed
	t.PPID = 0
	t.MaxMessageSize = o.maxMessage()
	return &t
}

func (o *Options) maxMessage() int {
	if o == nil || o.MaxMessageSize <= 0 {
		return DefaultMaxMessageSize
	}
	return o.MaxMessageSize
}

// RegisterOptions are rsp_register's arguments besides the pool handle.
type RegisterOptions struct {
	// Policy is the element's policy information; type 0 is Round Robin.
	Policy wire.Policy
	// ReregInterval: see asap.Element (0: the client's default, negative:
	// never).
	ReregInterval time.Duration
	// ID is the PE identifier to register with; 0 picks a random one.
	ID uint32
	// ControlChannel and DontWait are REGF_CONTROLCHANNEL and
	// REGF_DONTWAIT.
	ControlChannel bool
	DontWait       bool
}

// PoolElement is a pool element's socket (rsp_socket + rsp_bind +
// rsp_register on the PE side): it listens for pool users' associations,
// registers its pool handle through an asap.Client and serves sessions.
//
// Until Listen is called the socket is one-to-many: every new association
// becomes a session of the socket itself, announced with a SessionChange
// (SessionAdd) event, and Recv returns the messages of all of them, each
// naming its Session. After Listen, new associations wait for Accept, which
// returns each as a one-to-one PESession.
//
// All methods are safe for concurrent use.
type PoolElement struct {
	client *asap.Client
	ln     transport.Listener
	user   wire.Transport
	opts   Options
	q      *queue
	done   chan struct{}
	wg     sync.WaitGroup

	mu         sync.Mutex
	closed     bool
	accepting  bool
	handle     []byte
	id         uint32
	registered bool
	next       SessionID
	sessions   map[SessionID]*PESession
}

// PESession is one pool user's association with a pool element: either a
// session of a one-to-many PoolElement (reached through the element's
// Send, SendCookie and Recv with its SessionID) or an accepted one-to-one
// socket.
type PESession struct {
	pe       *PoolElement
	id       SessionID
	a        transport.Assoc
	q        *queue // the element's, or its own once accepted
	accepted bool
	done     chan struct{}
	once     sync.Once
}

// Listen opens a pool element socket listening on addrs (port 0 picks a
// free port; an unspecified address listens on all). client registers it
// later and must outlive it.
func Listen(client *asap.Client, addrs []netip.AddrPort, opts *Options) (*PoolElement, error) {
	if client == nil {
		return nil, fmt.Errorf("%w: no ASAP client", ErrInvalid)
	}
	to := opts.transport()
	ln, err := transport.Listen(addrs, to)
	if err != nil {
		return nil, err
	}
	user, err := userTransport(ln.Addrs(), to.Backend)
	if err != nil {
		ln.Close()
		return nil, err
	}
	p := &PoolElement{
		client:   client,
		ln:       ln,
		user:     user,
		q:        newQueue(),
		done:     make(chan struct{}),
		sessions: make(map[SessionID]*PESession),
	}
	if opts != nil {
		p.opts = *opts
	}
	p.wg.Add(1)
	go p.acceptLoop()
	return p, nil
}

// userTransport is the transport parameter the element registers: its
// listening addresses (the host's addresses for an unspecified one) and
// port, TCP for the TCP mapping and SCTP for kernel SCTP.
func userTransport(addrs []netip.AddrPort, b transport.Backend) (wire.Transport, error) {
	if b == transport.BackendAuto {
		b = transport.DefaultBackend()
	}
	t := wire.Transport{Kind: wire.ParamSCTPTransport}
	if b == transport.BackendTCP {
		t.Kind = wire.ParamTCPTransport
	}
	for _, ap := range addrs {
		t.Port = ap.Port()
		if !ap.Addr().IsUnspecified() {
			t.Addrs = append(t.Addrs, ap.Addr().Unmap())
			continue
		}
		ifaddrs, err := net.InterfaceAddrs()
		if err != nil {
			return t, err
		}
		for _, ia := range ifaddrs {
			pfx, err := netip.ParsePrefix(ia.String())
			if err != nil {
				continue
			}
			a := pfx.Addr().Unmap()
			if a.IsLinkLocalUnicast() || (ap.Addr().Is4() && !a.Is4()) {
				continue
			}
			t.Addrs = append(t.Addrs, a)
		}
	}
	slices.SortStableFunc(t.Addrs, func(a, b netip.Addr) int { return boolInt(a.IsLoopback()) - boolInt(b.IsLoopback()) })
	t.Addrs = slices.Compact(t.Addrs)
	if len(t.Addrs) > maxUserAddrs {
		t.Addrs = t.Addrs[:maxUserAddrs]
	}
	if len(t.Addrs) == 0 {
		return t, fmt.Errorf("%w: no address to register", ErrInvalid)
	}
	return t, nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// Addrs returns the addresses the element listens on.
func (p *PoolElement) Addrs() []netip.AddrPort { return p.ln.Addrs() }

// UserTransport returns the transport parameter the element registers.
func (p *PoolElement) UserTransport() wire.Transport {
	t := p.user
	t.Addrs = slices.Clone(t.Addrs)
	return t
}

// Register registers the element in pool handle (rsp_register) and
// returns its PE identifier. On a registered element it updates the
// policy information (the handle must be the same).
func (p *PoolElement) Register(ctx context.Context, handle []byte, ro RegisterOptions) (uint32, error) {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return 0, ErrClosed
	}
	if p.registered {
		h, id := p.handle, p.id
		p.mu.Unlock()
		if string(h) != string(handle) {
			return 0, fmt.Errorf("%w: registered in pool %q, not %q", ErrNotRegistered, h, handle)
		}
		return id, p.client.Reregister(ctx, h, id, ro.Policy)
	}
	p.mu.Unlock()
	id, err := p.client.Register(ctx, handle, asap.Element{
		ID:             ro.ID,
		User:           p.UserTransport(),
		Policy:         ro.Policy,
		ReregInterval:  ro.ReregInterval,
		ControlChannel: ro.ControlChannel,
		DontWait:       ro.DontWait,
	})
	if err != nil {
		return 0, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		go p.client.Deregister(context.Background(), handle, id)
		return 0, ErrClosed
	}
	p.handle, p.id, p.registered = slices.Clone(handle), id, true
	return id, nil
}

// Deregister removes the element from its pool (rsp_deregister); its
// sessions stay.
func (p *PoolElement) Deregister(ctx context.Context) error {
	p.mu.Lock()
	if !p.registered {
		p.mu.Unlock()
		return ErrNotRegistered
	}
	h, id := p.handle, p.id
	p.registered = false
	p.mu.Unlock()
	return p.client.Deregister(ctx, h, id)
}

// Identity returns the pool handle and PE identifier the element is
// registered under (rsp_getsockname); ok is false when it is not.
func (p *PoolElement) Identity() (handle []byte, id uint32, ok bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.handle), p.id, p.registered
}

// Listen switches the element to accepting (rsp_listen): associations that
// arrive from now on wait for Accept instead of becoming sessions of the
// socket.
func (p *PoolElement) Listen() {
	p.mu.Lock()
	p.accepting = true
	p.mu.Unlock()
}

// Accept waits for the next association (after Listen) and returns it as
// a one-to-one session (rsp_accept).
func (p *PoolElement) Accept(ctx context.Context) (*PESession, error) {
	return p.accept(ctx, true)
}

// TryAccept is Accept without waiting: ErrWouldBlock when none is pending.
func (p *PoolElement) TryAccept() (*PESession, error) {
	return p.accept(context.Background(), false)
}

func (p *PoolElement) accept(ctx context.Context, wait bool) (*PESession, error) {
	e, err := p.q.pop(ctx, wait, func(e *entry) bool { return e.incoming != nil })
	if err != nil {
		return nil, err
	}
	s := e.incoming
	p.mu.Lock()
	s.q = newQueue()
	s.accepted = true
	p.mu.Unlock()
	p.startReader(s)
	return s, nil
}

// Recv returns the next event of a one-to-many element: a *Message of one
// of its sessions or a SessionChange. After Close it returns ErrClosed.
func (p *PoolElement) Recv(ctx context.Context) (Event, error) { return p.q.recv(ctx, true) }

// TryRecv is Recv without waiting: ErrWouldBlock when nothing is queued.
func (p *PoolElement) TryRecv() (Event, error) { return p.q.recv(context.Background(), false) }

// SetReadyFunc installs f, called with true when Recv or Accept would not
// block and with false when they would again (at once with the current
// state, then on every change). f runs with the socket's queue locked: it
// must be quick (signal an eventfd) and must not call the socket.
func (p *PoolElement) SetReadyFunc(f func(readable bool)) { p.q.setReady(f) }

func (p *PoolElement) session(id SessionID) (*PESession, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return nil, ErrClosed
	}
	s := p.sessions[id]
	if s == nil {
		return nil, fmt.Errorf("%w: %d", ErrNoSession, id)
	}
	return s, nil
}

// Send sends data to session info.Session.
func (p *PoolElement) Send(ctx context.Context, data []byte, info SendInfo) error {
	s, err := p.session(info.Session)
	if err != nil {
		return err
	}
	return s.Send(ctx, data, info)
}

// SendCookie sends cookie to the pool user of session id (rsp_send_cookie).
func (p *PoolElement) SendCookie(ctx context.Context, id SessionID, cookie []byte) error {
	s, err := p.session(id)
	if err != nil {
		return err
	}
	return s.SendCookie(ctx, cookie)
}

// Sessions lists the element's current sessions, accepted ones included.
func (p *PoolElement) Sessions() []SessionID {
	p.mu.Lock()
	defer p.mu.Unlock()
	ids := make([]SessionID, 0, len(p.sessions))
	for id := range p.sessions {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// Close deregisters the element (bounded by DefaultCloseTimeout; a
// failure is logged), stops listening and ends every session, accepted
// ones included (rsp_close).
func (p *PoolElement) Close() error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return ErrClosed
	}
	reg, h, id := p.registered, p.handle, p.id
	p.registered = false
	p.mu.Unlock()
	if reg {
		ctx, cancel := context.WithTimeout(context.Background(), DefaultCloseTimeout)
		if err := p.client.Deregister(ctx, h, id); err != nil {
			netlog.Printf("session: deregistering PE $%08x of pool %q: %v", id, h, err)
		}
		cancel()
	}
	p.kill()
	return nil
}

// kill closes the listener and every session without deregistering: what
// a crashed element looks like to its users.
func (p *PoolElement) kill() {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return
	}
	p.closed = true
	sessions := make([]*PESession, 0, len(p.sessions))
	for _, s := range p.sessions {
		sessions = append(sessions, s)
	}
	clear(p.sessions)
	p.mu.Unlock()
	close(p.done)
	p.ln.Close()
	for _, s := range sessions {
		s.Close()
	}
	p.q.shut(ErrClosed, true)
	p.wg.Wait()
}

func (p *PoolElement) acceptLoop() {
	defer p.wg.Done()
	for {
		a, err := p.ln.Accept()
		if err != nil {
			if !errors.Is(err, net.ErrClosed) {
				netlog.Printf("session: accepting pool users: %v", err)
			}
			return
		}
		p.mu.Lock()
		if p.closed {
			p.mu.Unlock()
			a.Close()
			return
		}
		p.next++
		for p.sessions[p.next] != nil || p.next <= 0 {
			p.next++
		}
		s := &PESession{pe: p, id: p.next, a: a, done: make(chan struct{})}
		p.sessions[s.id] = s
		accepting := p.accepting
		p.mu.Unlock()
		if accepting {
			p.q.push(entry{incoming: s})
			continue
		}
		s.q = p.q
		p.q.push(entry{ev: SessionChange{Session: s.id, State: SessionAdd}})
		p.startReader(s)
	}
}

func (p *PoolElement) startReader(s *PESession) {
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		s.readLoop()
	}()
}

// ID is the session's identifier.
func (s *PESession) ID() SessionID { return s.id }

// RemoteAddrs are the pool user's addresses.
func (s *PESession) RemoteAddrs() []netip.AddrPort { return s.a.RemoteAddrs() }

// Send sends data to the session's pool user (info.Session is ignored).
func (s *PESession) Send(ctx context.Context, data []byte, info SendInfo) error {
	if info.PPID == transport.PPIDASAP {
		return fmt.Errorf("%w: PPID 11 (ASAP) is reserved for control messages", ErrInvalid)
	}
	select {
	case <-s.done:
		return ErrClosed
	default:
	}
	return sendOn(ctx, s.a, data, info.transportInfo())
}

// SendCookie sends an ASAP Cookie to the pool user, who keeps the latest
// and echoes it to the next element after a failover.
func (s *PESession) SendCookie(ctx context.Context, cookie []byte) error {
	if len(cookie) == 0 {
		return fmt.Errorf("%w: empty cookie", ErrInvalid)
	}
	msg, err := wire.AppendASAP(nil, &wire.Cookie{Data: cookie})
	if err != nil {
		return fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	select {
	case <-s.done:
		return ErrClosed
	default:
	}
	return sendOn(ctx, s.a, msg, transport.SendInfo{PPID: transport.PPIDASAP})
}

// Recv returns the next event of an accepted session: a *Message, then a
// Shutdown when the pool user ended the association, then io.EOF. After
// Close it returns ErrClosed.
func (s *PESession) Recv(ctx context.Context) (Event, error) {
	if !s.accepted {
		return nil, fmt.Errorf("%w: session %d is part of a one-to-many socket", ErrInvalid, s.id)
	}
	return s.q.recv(ctx, true)
}

// TryRecv is Recv without waiting.
func (s *PESession) TryRecv() (Event, error) {
	if !s.accepted {
		return nil, fmt.Errorf("%w: session %d is part of a one-to-many socket", ErrInvalid, s.id)
	}
	return s.q.recv(context.Background(), false)
}

// SetReadyFunc is PoolElement.SetReadyFunc for an accepted session.
func (s *PESession) SetReadyFunc(f func(readable bool)) {
	if s.accepted {
		s.q.setReady(f)
	}
}

// Close ends the session's association.
func (s *PESession) Close() error {
	first := false
	s.once.Do(func() {
		first = true
		close(s.done)
		s.a.Close()
		s.pe.mu.Lock()
		accepted, q := s.accepted, s.q
		s.pe.mu.Unlock()
		if accepted {
			q.shut(ErrClosed, true)
		}
	})
	if !first {
		return ErrClosed
	}
	s.pe.mu.Lock()
	if s.pe.sessions[s.id] == s {
		delete(s.pe.sessions, s.id)
	}
	s.pe.mu.Unlock()
	return nil
}

// readLoop delivers the session's messages until its association ends.
func (s *PESession) readLoop() {
	buf := make([]byte, s.pe.opts.maxMessage())
	for {
		n, info, err := s.a.Recv(buf)
		if err != nil && !errors.Is(err, transport.ErrTruncated) {
			s.ended(err)
			return
		}
		if info.PPID == transport.PPIDASAP {
			m, perr := wire.ParseASAP(buf[:n])
			switch m := m.(type) {
			case *wire.CookieEcho:
				s.deliver(&Message{Session: s.id, PPID: transport.PPIDASAP, Stream: info.Stream, CookieEcho: true, Data: slices.Clone(m.Data)})
			case *wire.BusinessCard:
				// ignored, as rsplib does
			default:
				if perr != nil {
					netlog.Printf("session: undecodable ASAP message from a pool user: %v", perr)
				}
			}
			continue
		}
		s.deliver(&Message{Session: s.id, PPID: info.PPID, Stream: info.Stream, Unordered: info.Unordered, Data: slices.Clone(buf[:n])})
	}
}

func (s *PESession) deliver(m *Message) {
	s.q.pushWait(entry{ev: m}, s.done)
}

// ended handles the end of the association: the pool user left (or
// broke it), unless Close did it.
func (s *PESession) ended(err error) {
	select {
	case <-s.done:
		return // closed here
	default:
	}
	if err != io.EOF {
		netlog.Printf("session: pool user session %d ended: %v", s.id, err)
	}
	s.pe.mu.Lock()
	if s.pe.sessions[s.id] == s {
		delete(s.pe.sessions, s.id)
	}
	s.pe.mu.Unlock()
	s.a.Close()
	if s.accepted {
		s.q.push(entry{ev: Shutdown{Session: s.id}})
		s.q.shut(io.EOF, false)
		return
	}
	s.q.push(entry{ev: SessionChange{Session: s.id, State: SessionRemove}})
}
