package session

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"netcompat/core/netlog"
	"netcompat/core/rserpool/asap"
	"netcompat/core/rserpool/wire"
	"netcompat/core/transport"
)

// rsplib's session defaults (rserpool-internals.h) and this package's.
const (
	// DefaultConnectTimeout bounds the association with one element
	// (TAG_RspSession_ConnectTimeout).
	DefaultConnectTimeout = 5 * time.Second
	// DefaultRetryDelay is the wait before resolving the handle again
	// when no element could be reached
	// (TAG_RspSession_HandleResolutionRetryDelay).
	DefaultRetryDelay = 250 * time.Millisecond
	// DefaultMaxTrials is how many handle resolutions one connect or
	// failover makes before it gives up with ErrNoPoolElement.
	DefaultMaxTrials = 3
	// DefaultReportTimeout bounds one Endpoint Unreachable report.
	DefaultReportTimeout = 3 * time.Second
	// maxPendingBytes bounds what Send queues during a failover; beyond
	// it Send waits for the failover to end.
	maxPendingBytes = 4 << 20
)

// UserOptions configure a PoolUser.
type UserOptions struct {
	Options
	// StaleCacheValue is used as given (rsp_connect's staleCacheValue):
	// handle resolutions younger than this may come from the client's
	// cache; 0 asks the registrar every time.
	StaleCacheValue time.Duration
	// ConnectTimeout, RetryDelay, MaxTrials: 0 means the defaults above.
	ConnectTimeout time.Duration
	RetryDelay     time.Duration
	MaxTrials      int
}

func (o UserOptions) withDefaults() UserOptions {
	if o.ConnectTimeout <= 0 {
		o.ConnectTimeout = DefaultConnectTimeout
	}
	if o.RetryDelay <= 0 {
		o.RetryDelay = DefaultRetryDelay
	}
	if o.MaxTrials <= 0 {
		o.MaxTrials = DefaultMaxTrials
	}
	return o
}

// FailoverFlags are rsp_forcefailover's flags.
type FailoverFlags uint32

// FailoverUnreachable (FFF_UNREACHABLE) reports the current element to
// the registrar as unreachable before moving away from it.
const FailoverUnreachable FailoverFlags = 1

type userState uint8

const (
	stateIdle      userState = iota // never connected, or the last failover failed
	stateConnected                  // assoc is up
	stateFailing                    // a failover runs; Send queues
	stateClosed
)

// PoolUser is a pool user's session with a pool (rsp_connect): messages
// go to one element of the pool; when its association fails, the session
// fails over to another element by itself (see the package
// documentation). All methods are safe for concurrent use.
type PoolUser struct {
	client *asap.Client
	handle []byte
	opts   UserOptions
	q      *queue
	ctx    context.Context // ends at Close
	cancel context.CancelFunc
	wg     sync.WaitGroup
	// timing replaces opts' transport Timing for associations made from
	// now on (SetTiming).
	timing atomic.Pointer[transport.Timing]

	mu      sync.Mutex
	state   userState
	gen     uint64 // counts associations; a reader of an older one is stale
	assoc   transport.Assoc
	pe      wire.PoolElement
	cookie  []byte
	pending []pendingMsg
	pendLen int
	run     *failoverRun  // the failover in progress, if any
	changed chan struct{} // closed and replaced at every state change
}

// pendingMsg is a message queued during a failover. A message with a
// time to live expires at deadline: it is then dropped, not sent to the
// new element, as PR-SCTP would have abandoned it.
type pendingMsg struct {
	data     []byte
	info     transport.SendInfo
	deadline time.Time // zero: never expires
}

func (m *pendingMsg) expired(now time.Time) bool {
	return !m.deadline.IsZero() && now.After(m.deadline)
}

// failoverRun is one connect or failover attempt; done closes when it ends.
type failoverRun struct {
	done chan struct{}
	err  error
}

// NewPoolUser makes a session with pool handle that is not connected yet;
// Connect, Send or ForceFailover connect it. client must outlive it.
func NewPoolUser(client *asap.Client, handle []byte, opts *UserOptions) (*PoolUser, error) {
	if client == nil {
		return nil, fmt.Errorf("%w: no ASAP client", ErrInvalid)
	}
	if len(handle) == 0 || len(handle) > asap.MaxHandleLen {
		return nil, fmt.Errorf("%w: pool handle of %d bytes", ErrInvalid, len(handle))
	}
	u := &PoolUser{client: client, handle: slices.Clone(handle), q: newQueue(), changed: make(chan struct{})}
	if opts != nil {
		u.opts = *opts
	}
	u.opts = u.opts.withDefaults()
	u.ctx, u.cancel = context.WithCancel(context.Background())
	return u, nil
}

// Connect makes a PoolUser and connects it. On a *NoElementError the
// returned PoolUser is still valid (rsp_connect succeeds then too): it
// connects on the next Send or ForceFailover. Other errors return nil.
func Connect(ctx context.Context, client *asap.Client, handle []byte, opts *UserOptions) (*PoolUser, error) {
	u, err := NewPoolUser(client, handle, opts)
	if err != nil {
		return nil, err
	}
	if err := u.Connect(ctx); err != nil {
		if errors.Is(err, ErrNoPoolElement) {
			return u, err
		}
		u.Close()
		return nil, err
	}
	return u, nil
}

// Connect resolves the pool handle and connects to the element the
// policy picks, trying the others when it cannot. It does nothing on a
// connected session. No notification is queued.
func (u *PoolUser) Connect(ctx context.Context) error {
	u.mu.Lock()
	switch u.state {
	case stateClosed:
		u.mu.Unlock()
		return ErrClosed
	case stateConnected:
		u.mu.Unlock()
		return nil
	}
	r := u.run
	if r == nil {
		r = u.startLocked(nil, false, false, u.opts.StaleCacheValue)
	}
	u.mu.Unlock()
	return u.wait(ctx, r)
}

// ForceFailover moves the session to another element now
// (rsp_forcefailover): FailoverNecessary is queued, the current element
// is reported unreachable if flags has FailoverUnreachable, and the
// handle is resolved with stale as the stale-cache value; FailoverComplete
// follows when the session runs on a new element, whose identifier
// differs from the old one's unless it is the only one reachable. It
// returns once the failover has ended.
func (u *PoolUser) ForceFailover(ctx context.Context, flags FailoverFlags, stale time.Duration) error {
	u.mu.Lock()
	var r *failoverRun
	switch u.state {
	case stateClosed:
		u.mu.Unlock()
		return ErrClosed
	case stateFailing:
		r = u.run
	case stateConnected:
		r = u.failLocked(flags&FailoverUnreachable != 0, stale)
	default:
		r = u.startLocked(nil, true, true, stale)
	}
	u.mu.Unlock()
	return u.wait(ctx, r)
}

func (u *PoolUser) wait(ctx context.Context, r *failoverRun) error {
	select {
	case <-r.done:
		return r.err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// failLocked starts the failover away from the current element: u.mu is
// held and the session is connected.
func (u *PoolUser) failLocked(report bool, stale time.Duration) *failoverRun {
	old, pe := u.assoc, u.pe
	u.assoc = nil
	u.q.push(entry{ev: FailoverNecessary{}})
	r := u.startLocked(&pe, report, true, stale)
	old.Close() // its reader sees a stale generation
	return r
}

// startLocked starts a failover run; lost is the element left behind
// (nil: none), notify says FailoverComplete is queued on success.
func (u *PoolUser) startLocked(lost *wire.PoolElement, report, notify bool, stale time.Duration) *failoverRun {
	r := &failoverRun{done: make(chan struct{})}
	u.run = r
	u.state = stateFailing
	u.gen++
	u.changedLocked()
	var lostPE wire.PoolElement
	if lost != nil {
		lostPE = *lost
	}
	u.wg.Add(1)
	go func() {
		defer u.wg.Done()
		r.err = u.failover(lost != nil, lostPE, report, notify, stale)
		close(r.done)
	}()
	return r
}

func (u *PoolUser) changedLocked() {
	close(u.changed)
	u.changed = make(chan struct{})
}

// failover finds a new element and installs its association.
func (u *PoolUser) failover(hasLost bool, lost wire.PoolElement, report, notify bool, stale time.Duration) error {
	tried := map[uint32]bool{}
	var order []uint32 // the elements tried, for the error
	if hasLost {
		tried[lost.ID] = true
		order = append(order, lost.ID)
		if report {
			u.report(lost.ID)
		}
	}
	var lastErr error
	for trial := 0; trial < u.opts.MaxTrials; trial++ {
		if trial > 0 {
			t := time.NewTimer(u.opts.RetryDelay)
			select {
			case <-t.C:
			case <-u.ctx.Done():
				t.Stop()
			}
		}
		if u.ctx.Err() != nil {
			return ErrClosed
		}
		pes, _, err := u.client.ResolveStale(u.ctx, u.handle, 0, stale)
		if err != nil {
			lastErr = err
			if errors.Is(err, asap.ErrClosed) || u.ctx.Err() != nil {
				break
			}
			continue
		}
		if len(pes) == 0 {
			lastErr = asap.ErrUnknownPoolHandle
			continue
		}
		// Elements not tried in this failover first, in the policy's
		// order; then the others (they may have come back).
		cands := make([]wire.PoolElement, 0, len(pes))
		for _, pe := range pes {
			if !tried[pe.ID] {
				cands = append(cands, pe)
			}
		}
		if len(cands) == 0 {
			cands = pes
		}
		for _, pe := range cands {
			if !tried[pe.ID] {
				order = append(order, pe.ID)
			}
			tried[pe.ID] = true
			a, err := u.dial(pe)
			if err == nil {
				err = u.install(a, pe, notify)
				if err == nil {
					return nil
				}
				if errors.Is(err, ErrClosed) {
					return err
				}
			}
			if u.ctx.Err() != nil {
				return ErrClosed
			}
			lastErr = err
			netlog.Printf("session: pool %q: element $%08x unreachable: %v", u.handle, pe.ID, err)
			u.report(pe.ID)
		}
	}
	err := &NoElementError{PoolHandle: u.handle, Trials: u.opts.MaxTrials, Tried: order, Cause: lastErr}
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.state == stateClosed {
		return ErrClosed
	}
	u.state = stateIdle
	u.run = nil
	u.changedLocked()
	if notify && hasLost {
		u.q.push(entry{err: err})
	}
	return err
}

func (u *PoolUser) report(id uint32) {
	ctx, cancel := context.WithTimeout(u.ctx, DefaultReportTimeout)
	defer cancel()
	if err := u.client.ReportUnreachable(ctx, u.handle, id); err != nil && u.ctx.Err() == nil {
		netlog.Printf("session: reporting element $%08x of pool %q unreachable: %v", id, u.handle, err)
	}
}

// dial opens an association with element pe.
func (u *PoolUser) dial(pe wire.PoolElement) (transport.Assoc, error) {
	to := u.opts.Options.transport()
	if t := u.timing.Load(); t != nil {
		to.Timing = t
	}
	switch pe.User.Kind {
	case wire.ParamTCPTransport:
		to.Backend = transport.BackendTCP
	case wire.ParamSCTPTransport:
		to.Backend = transport.BackendKernel
	default:
		return nil, fmt.Errorf("session: element $%08x offers transport %v, which this session cannot use", pe.ID, pe.User.Kind)
	}
	addrs := make([]netip.AddrPort, 0, len(pe.User.Addrs))
	for _, a := range pe.User.Addrs {
		if a.IsValid() && !a.IsUnspecified() {
			addrs = append(addrs, netip.AddrPortFrom(a.Unmap(), pe.User.Port))
		}
	}
	if len(addrs) == 0 || pe.User.Port == 0 {
		return nil, fmt.Errorf("session: element $%08x has no usable address", pe.ID)
	}
	ctx, cancel := context.WithTimeout(u.ctx, u.opts.ConnectTimeout)
	defer cancel()
	return transport.Dial(ctx, addrs, to)
}

// install makes a the session's association: the latest cookie is echoed,
// the messages queued during the failover follow, then FailoverComplete is
// queued (if notify) and the reader starts. If a fails meanwhile, a is
// closed and the messages not yet sent stay queued.
func (u *PoolUser) install(a transport.Assoc, pe wire.PoolElement, notify bool) error {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.state == stateClosed {
		a.Close()
		return ErrClosed
	}
	hasCookie := u.cookie != nil
	if hasCookie {
		msg, err := wire.AppendASAP(nil, &wire.CookieEcho{Data: u.cookie})
		if err == nil {
			err = a.Send(msg, transport.SendInfo{PPID: transport.PPIDASAP})
		}
		if err != nil {
			a.Close()
			return err
		}
	}
	now := time.Now()
	for len(u.pending) > 0 {
		m := u.pending[0]
		if m.expired(now) {
			netlog.Printf("session: pool %q: a queued message of %d bytes outlived its time to live; dropped", u.handle, len(m.data))
		} else if err := a.Send(m.data, m.info); err != nil {
			a.Close()
			return err
		}
		u.pending[0] = pendingMsg{}
		u.pending = u.pending[1:]
		u.pendLen -= len(m.data)
	}
	u.pending = nil
	u.assoc, u.pe = a, pe
	u.state = stateConnected
	u.run = nil
	u.gen++
	u.changedLocked()
	if notify {
		u.q.push(entry{ev: FailoverComplete{HasCookie: hasCookie, PEID: pe.ID}})
	}
	gen := u.gen
	u.wg.Add(1)
	go func() {
		defer u.wg.Done()
		u.readLoop(a, gen, pe.ID)
	}()
	return nil
}

// readLoop delivers the messages of association a (generation gen) and
// starts a failover when it fails.
func (u *PoolUser) readLoop(a transport.Assoc, gen uint64, peID uint32) {
	buf := make([]byte, u.opts.maxMessage())
	for {
		n, info, err := a.Recv(buf)
		if err != nil && !errors.Is(err, transport.ErrTruncated) {
			u.mu.Lock()
			if u.gen == gen && u.state == stateConnected {
				netlog.Printf("session: pool %q: association with element $%08x ended (%v); failing over", u.handle, peID, err)
				u.failLocked(true, u.opts.StaleCacheValue)
			}
			u.mu.Unlock()
			return
		}
		if info.PPID == transport.PPIDASAP {
			m, _ := wire.ParseASAP(buf[:n])
			if c, ok := m.(*wire.Cookie); ok {
				u.mu.Lock()
				if u.gen == gen {
					u.cookie = slices.Clone(c.Data)
				}
				u.mu.Unlock()
			}
			continue // Business Cards and the rest are ignored
		}
		msg := &Message{PPID: info.PPID, Stream: info.Stream, PEID: peID, Unordered: info.Unordered, Data: slices.Clone(buf[:n])}
		if !u.q.pushWait(entry{ev: msg}, u.ctx.Done()) {
			return
		}
	}
}

// Send sends one message to the session's element. While the session
// fails over the message is queued and sent to the new element once its
// association is up (after the cookie echo); Send then returns nil at
// once. A session that is not connected (never, or its last failover
// failed) connects first and returns a *NoElementError if it cannot.
func (u *PoolUser) Send(ctx context.Context, data []byte, info SendInfo) error {
	if info.PPID == transport.PPIDASAP {
		return fmt.Errorf("%w: PPID 11 (ASAP) is reserved for control messages", ErrInvalid)
	}
	if len(data) == 0 {
		return transport.ErrEmptyMessage
	}
	if len(data) > u.opts.maxMessage() {
		return fmt.Errorf("%w: %d bytes, limit %d", transport.ErrMessageTooLarge, len(data), u.opts.maxMessage())
	}
	ti := info.transportInfo()
	for {
		u.mu.Lock()
		switch u.state {
		case stateClosed:
			u.mu.Unlock()
			return ErrClosed
		case stateConnected:
			a, gen := u.assoc, u.gen
			u.mu.Unlock()
			err := sendOn(ctx, a, data, ti)
			if err == nil || refusedSend(err) {
				return err
			}
			u.mu.Lock()
			if u.gen == gen && u.state == stateConnected {
				netlog.Printf("session: pool %q: sending to element $%08x failed (%v); failing over", u.handle, u.pe.ID, err)
				u.failLocked(true, u.opts.StaleCacheValue)
			}
			u.mu.Unlock()
			if ctx.Err() != nil {
				return ctx.Err()
			}
			continue // queued below, or sent to the new element
		case stateFailing:
			if u.pendLen+len(data) <= maxPendingBytes || len(u.pending) == 0 {
				m := pendingMsg{data: slices.Clone(data), info: ti}
				if info.TimeToLive > 0 {
					m.deadline = time.Now().Add(info.TimeToLive)
				}
				u.pending = append(u.pending, m)
				u.pendLen += len(data)
				u.mu.Unlock()
				return nil
			}
			ch := u.changed
			u.mu.Unlock()
			select {
			case <-ch:
			case <-ctx.Done():
				return ctx.Err()
			}
		default: // idle
			r := u.run
			if r == nil {
				r = u.startLocked(nil, false, true, u.opts.StaleCacheValue)
			}
			u.mu.Unlock()
			if err := u.wait(ctx, r); err != nil {
				return err
			}
		}
	}
}

// SetTiming sets the failure-detection parameters of the associations
// the session makes from now on: after its next failover
// (rsp_update_session_parameters). The current association keeps its own.
func (u *PoolUser) SetTiming(t transport.Timing) { u.timing.Store(&t) }

// Recv returns the next event: a *Message from the element, or a
// FailoverNecessary or FailoverComplete notification. After an automatic
// failover that found no element it returns that *NoElementError once.
// After Close it returns ErrClosed.
func (u *PoolUser) Recv(ctx context.Context) (Event, error) { return u.q.recv(ctx, true) }

// TryRecv is Recv without waiting: ErrWouldBlock when nothing is queued.
func (u *PoolUser) TryRecv() (Event, error) { return u.q.recv(context.Background(), false) }

// SetReadyFunc installs f, called with true when Recv would not block and
// with false when it would again; see PoolElement.SetReadyFunc.
func (u *PoolUser) SetReadyFunc(f func(readable bool)) { u.q.setReady(f) }

// HasCookie reports whether the element has sent a cookie
// (rsp_has_cookie); the latest is echoed after a failover.
func (u *PoolUser) HasCookie() bool {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.cookie != nil
}

// Cookie returns a copy of the latest cookie, nil if none.
func (u *PoolUser) Cookie() []byte {
	u.mu.Lock()
	defer u.mu.Unlock()
	return slices.Clone(u.cookie)
}

// Peer returns the pool handle and the identifier of the element the
// session is connected to (rsp_getpeername); ok is false while it is not
// connected.
func (u *PoolUser) Peer() (handle []byte, id uint32, ok bool) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.state != stateConnected {
		return nil, 0, false
	}
	return slices.Clone(u.handle), u.pe.ID, true
}

// Close ends the session: the association is closed, a failover in
// progress stops, queued messages are dropped. It does not close the
// asap.Client.
func (u *PoolUser) Close() error {
	u.mu.Lock()
	if u.state == stateClosed {
		u.mu.Unlock()
		return ErrClosed
	}
	u.state = stateClosed
	a := u.assoc
	u.assoc = nil
	u.pending = nil
	u.changedLocked()
	u.mu.Unlock()
	u.cancel()
	if a != nil {
		a.Close()
	}
	u.q.shut(ErrClosed, true)
	u.wg.Wait()
	return nil
}
