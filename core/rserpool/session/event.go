package session

import (
	"context"
	"fmt"
	"sync"
	"time"

	"netcompat/core/transport"
)

// SessionID names one PU session of a one-to-many pool element socket
// (rsplib's rserpool_session_t). Sessions of a PoolElement are numbered
// from 1; a PoolUser and an accepted PESession report their own number
// (0 for a PoolUser).
type SessionID int32

// Event is what Recv returns: a *Message or one of the notifications
// FailoverNecessary, FailoverComplete, SessionChange and Shutdown.
type Event interface{ event() }

// Message is one received message.
type Message struct {
	Session SessionID
	PPID    uint32 // host byte order
	Stream  uint16
	// PEID is the identifier of the pool element the message came from
	// (pool user side; 0 on the pool element side).
	PEID      uint32
	Unordered bool
	// CookieEcho says that Data is a cookie a pool user echoes after a
	// failover to this element (rsplib's MSG_RSERPOOL_COOKIE_ECHO); PPID
	// is then 11 (ASAP).
	CookieEcho bool
	Data       []byte
}

// Notification types, as rn_type in the C API.
const (
	TypeSessionChange uint16 = 1 // RSERPOOL_SESSION_CHANGE
	TypeFailover      uint16 = 2 // RSERPOOL_FAILOVER
	TypeShutdown      uint16 = 3 // RSERPOOL_SHUTDOWN_EVENT
)

// Failover states, as rf_state.
const (
	FailoverStateNecessary uint32 = 1 // RSERPOOL_FAILOVER_NECESSARY
	FailoverStateComplete  uint32 = 2 // RSERPOOL_FAILOVER_COMPLETE
)

// ChangeState is a SessionChange's rsc_state.
type ChangeState uint32

const (
	SessionAdd    ChangeState = 1 // RSERPOOL_SESSION_ADD
	SessionRemove ChangeState = 2 // RSERPOOL_SESSION_REMOVE
)

func (s ChangeState) String() string {
	switch s {
	case SessionAdd:
		return "add"
	case SessionRemove:
		return "remove"
	}
	return fmt.Sprintf("ChangeState(%d)", uint32(s))
}

// FailoverNecessary: the pool user's element is lost (association failure
// or ForceFailover); the session is failing over. Messages sent from now
// on go to the next element.
type FailoverNecessary struct{ Session SessionID }

// FailoverComplete: the session runs on a new element; HasCookie says a
// cookie was echoed to it.
type FailoverComplete struct {
	Session   SessionID
	HasCookie bool
	PEID      uint32 // the new element
}

// SessionChange: a PU session was added to or removed from a one-to-many
// PoolElement socket.
type SessionChange struct {
	Session SessionID
	State   ChangeState
}

// Shutdown: the pool user of an accepted PESession ended its association.
// Recv returns io.EOF afterwards.
type Shutdown struct{ Session SessionID }

func (*Message) event()          {}
func (FailoverNecessary) event() {}
func (FailoverComplete) event()  {}
func (SessionChange) event()     {}
func (Shutdown) event()          {}

// Type returns the notification's rn_type.
func (FailoverNecessary) Type() uint16 { return TypeFailover }
func (FailoverComplete) Type() uint16  { return TypeFailover }
func (SessionChange) Type() uint16     { return TypeSessionChange }
func (Shutdown) Type() uint16          { return TypeShutdown }

// maxQueued bounds the events a socket holds before its readers stop
// reading from their associations (back-pressure to the peers).
const maxQueued = 1024

// entry is one queued item: an event, an error to return once, or an
// association waiting for Accept.
type entry struct {
	ev       Event
	err      error
	incoming *PESession
}

// queue is a socket's receive queue with readiness reporting: the single
// point a C layer bridges to a kernel descriptor.
type queue struct {
	mu       sync.Mutex
	items    []entry
	wake     chan struct{} // closed and replaced when items arrive or the queue ends
	space    chan struct{} // closed and replaced when items leave
	end      error         // non-nil: no more items; returned once drained
	ready    func(bool)
	readable bool
}

func newQueue() *queue {
	return &queue{wake: make(chan struct{}), space: make(chan struct{})}
}

// setReady installs f and calls it at once with the current readability.
func (q *queue) setReady(f func(bool)) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.ready = f
	q.readable = len(q.items) > 0 || q.end != nil
	if f != nil {
		f(q.readable)
	}
}

// changedLocked reports readability changes and wakes waiters.
func (q *queue) changedLocked(arrived bool) {
	r := len(q.items) > 0 || q.end != nil
	if r != q.readable {
		q.readable = r
		if q.ready != nil {
			q.ready(r)
		}
	}
	if arrived {
		close(q.wake)
		q.wake = make(chan struct{})
	} else {
		close(q.space)
		q.space = make(chan struct{})
	}
}

// push adds e without waiting (notifications, which are few).
func (q *queue) push(e entry) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.end != nil {
		return
	}
	q.items = append(q.items, e)
	q.changedLocked(true)
}

// pushWait adds e, waiting while the queue is full. It returns false if
// stop closed or the queue ended first.
func (q *queue) pushWait(e entry, stop <-chan struct{}) bool {
	q.mu.Lock()
	for len(q.items) >= maxQueued && q.end == nil {
		sp := q.space
		q.mu.Unlock()
		select {
		case <-sp:
		case <-stop:
			return false
		}
		q.mu.Lock()
	}
	defer q.mu.Unlock()
	if q.end != nil {
		return false
	}
	q.items = append(q.items, e)
	q.changedLocked(true)
	return true
}

// shut ends the queue: after the items left (none if discard) pop
// returns err.
func (q *queue) shut(err error, discard bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.end != nil {
		return
	}
	q.end = err
	if discard {
		q.items = nil
	}
	q.changedLocked(true)
	close(q.space)
	q.space = make(chan struct{})
}

// pop removes the first entry match accepts, waiting for one unless
// wait is false (then it returns ErrWouldBlock).
func (q *queue) pop(ctx context.Context, wait bool, match func(*entry) bool) (entry, error) {
	for {
		q.mu.Lock()
		for i := range q.items {
			if match(&q.items[i]) {
				e := q.items[i]
				q.items = append(q.items[:i], q.items[i+1:]...)
				q.changedLocked(false)
				q.mu.Unlock()
				return e, nil
			}
		}
		if q.end != nil {
			err := q.end
			q.mu.Unlock()
			return entry{}, err
		}
		w := q.wake
		q.mu.Unlock()
		if !wait {
			return entry{}, ErrWouldBlock
		}
		select {
		case <-w:
		case <-ctx.Done():
			return entry{}, ctx.Err()
		}
	}
}

// recv is Recv of every socket: the next event or error entry.
func (q *queue) recv(ctx context.Context, wait bool) (Event, error) {
	e, err := q.pop(ctx, wait, func(e *entry) bool { return e.incoming == nil })
	if err != nil {
		return nil, err
	}
	if e.err != nil {
		return nil, e.err
	}
	return e.ev, nil
}

// SendInfo says how a message is sent.
type SendInfo struct {
	// Session selects the session on a one-to-many PoolElement; ignored
	// elsewhere.
	Session SessionID
	// PPID is the payload protocol identifier in host byte order; 11
	// (ASAP) is reserved for the session layer's control messages.
	PPID      uint32
	Stream    uint16
	Unordered bool
	// TimeToLive (rsp_sendmsg's sctpTimeToLive) makes the message partially
	// reliable: a message not sent within this time is abandoned. The
	// session layer drops it from the failover queue once it has expired;
	// kernel SCTP abandons it on the wire (transport.SendInfo.TimeToLive).
	// 0 means fully reliable.
	TimeToLive time.Duration
}

// transportInfo is info as the transport takes it.
func (info SendInfo) transportInfo() transport.SendInfo {
	return transport.SendInfo{Stream: info.Stream, PPID: info.PPID, Unordered: info.Unordered, TimeToLive: info.TimeToLive}
}

// sendOn sends p on a, bounded by ctx: a ctx already done sends nothing;
// one that ends during the send closes the association (package transport
// has no deadlines), which the caller notices as a lost association.
func sendOn(ctx context.Context, a transport.Assoc, p []byte, info transport.SendInfo) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if ctx.Done() != nil {
		stop := context.AfterFunc(ctx, func() { a.Close() })
		defer stop()
	}
	err := a.Send(p, info)
	if err != nil && ctx.Err() != nil {
		return ctx.Err()
	}
	return err
}
